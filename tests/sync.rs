//! `fixloop sync` on local bare `upstream` and `fork` repositories with release tags, against a
//! GitHub stand-in: nothing new; a merge whose conflicts the fork's path rules resolve, checked
//! and put up as one `ready` PR (older sync PRs closed); the same release again → nothing; a
//! conflict on a protected path → nothing pushed and one issue; a release that changes workflow
//! files with a token that may not push them → a loud failure and nothing pushed; a followed
//! branch instead of tags.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/sync.rs"]
mod world;

use serde_json::json;
use support::Sandbox;
use world::{FORK, configure, release, requests, stand_in, sync, text, world};

const RULES: &str = "notes = \"The fork keeps its own readme.\"\n\
    [[rule]]\npaths = [\"README.md\"]\nstrategy = \"ours\"\n\
    [[rule]]\npaths = [\"vendor/**\"]\nstrategy = \"theirs\"\n\
    [[rule]]\npaths = [\"LICENSE\"]\nstrategy = \"protected\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn no_new_release_ends_at_once_and_sends_nothing() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    configure(&sandbox, &w, "");
    let server = stand_in("repo", json!([])).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("up to date: v1.0.0"), "{said}");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing is asked of GitHub"
    );
    let branches = sandbox.git(&w.fork_origin, &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
}

#[tokio::test(flavor = "multi_thread")]
async fn path_rules_resolve_the_conflicts_and_one_ready_pr_goes_up_superseding_the_older() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    release(
        &sandbox,
        &w,
        "v1.1.0",
        &[
            ("core.txt", "one\ntwo\nthree\nfour\n"),
            ("README.md", "# project\n\nUpstream's new readme.\n"),
            ("vendor/lib.txt", "lib 2\n"),
        ],
    );
    configure(
        &sandbox,
        &w,
        &format!("test = [\"grep -q four core.txt\"]\n{}", world::SLACK),
    );
    let older = json!([{"number": 8, "html_url": format!("https://github.com/{FORK}/pull/8"),
        "head": {"ref": "fixloop/sync/v1.0.1", "label": "octo-org:fixloop/sync/v1.0.1",
                 "repo": {"full_name": FORK}}}]);
    let server = stand_in("repo, workflow", older).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    // The branch is up, a merge of both with the trailer the next sync reads.
    let branch = "fixloop/sync/v1.1.0";
    let message = sandbox.git(&w.fork_origin, &["log", "-1", "--format=%B", branch]);
    assert!(message.contains("Upstream-Tag: v1.1.0"), "{message}");
    let parents = sandbox.git(&w.fork_origin, &["log", "-1", "--format=%P", branch]);
    assert_eq!(parents.split(' ').count(), 2, "a merge commit");
    let show = |file: &str| sandbox.git(&w.fork_origin, &["show", &format!("{branch}:{file}")]);
    assert!(show("README.md").contains("The fork's readme"), "ours kept");
    assert_eq!(show("vendor/lib.txt"), "lib 2", "theirs taken");
    assert!(show("core.txt").contains("four"), "the clean change merged");
    // One PR, labelled ready, its body saying how each conflict went; the older one closed.
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    assert_eq!(prs.len(), 1, "{said}");
    assert_eq!(prs[0]["head"], branch);
    assert_eq!(prs[0]["draft"], false);
    let body = prs[0]["body"].as_str().unwrap();
    assert!(
        body.contains("README.md") && body.contains("vendor/lib.txt"),
        "{body}"
    );
    assert!(body.to_lowercase().contains("merge commit"), "{body}");
    let labels = requests(&server, "POST", "/issues/21/labels").await;
    let labels = labels[0].to_string();
    assert!(
        labels.contains("automated-sync") && labels.contains("ready"),
        "{labels}"
    );
    let closed = requests(&server, "PATCH", "/pulls/8").await;
    assert_eq!(closed, [json!({"state": "closed"})]);
    // The user's checkout is as it was.
    assert_eq!(sandbox.git(&w.fork, &["status", "--porcelain"]), "");
    // Slack is told the PR is ready, and nothing of its address shows.
    let told = requests(&server, "POST", "/secret").await;
    assert_eq!(told.len(), 1, "{said}");
    assert!(
        told[0]["text"].as_str().unwrap().contains("ready"),
        "{}",
        told[0]
    );
    assert!(!said.contains("/slack/T0"), "{said}");

    // Merged (with a merge commit): the same release is nothing to do.
    sandbox.git(&w.fork, &["fetch", "--quiet", "origin"]);
    sandbox.git(
        &w.fork,
        &[
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            "Merge the sync",
            &format!("origin/{branch}"),
        ],
    );
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    let again = sync(&sandbox, &w, &server, &[]);
    let said = text(&again);
    assert_eq!(again.status.code(), Some(0), "{said}");
    assert!(said.contains("up to date: v1.1.0"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_path_in_conflict_blocks_with_one_issue_and_nothing_pushed() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    std::fs::write(w.fork.join("LICENSE"), "MIT, and more\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our license");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    release(&sandbox, &w, "v1.1.0", &[("LICENSE", "Apache-2.0\n")]);
    configure(&sandbox, &w, world::SLACK);
    let server = stand_in("repo", json!([])).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    let issues = requests(&server, "POST", &format!("/repos/{FORK}/issues")).await;
    assert_eq!(issues.len(), 1, "{said}");
    let body = issues[0]["body"].as_str().unwrap();
    assert!(
        body.contains("LICENSE") && body.contains("fixloop:sync-conflict"),
        "{body}"
    );
    assert!(
        requests(&server, "POST", &format!("/repos/{FORK}/pulls"))
            .await
            .is_empty()
    );
    let branches = sandbox.git(&w.fork_origin, &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
    let told = requests(&server, "POST", "/secret").await;
    assert_eq!(told.len(), 1, "{said}");
    assert!(
        told[0]["text"].as_str().unwrap().contains("blocked"),
        "{}",
        told[0]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_changes_without_a_token_that_may_push_them_fail_loudly() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    release(
        &sandbox,
        &w,
        "v1.1.0",
        &[(".github/workflows/ci.yml", "on: push\njobs: {}\n")],
    );
    configure(&sandbox, &w, "");
    let server = stand_in("repo", json!([])).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(69), "{said}");
    assert!(said.contains("workflow files"), "{said}");
    assert!(said.contains("FIXLOOP_SYNC_TOKEN"), "{said}");
    let branches = sandbox.git(&w.fork_origin, &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
    assert!(
        requests(&server, "POST", &format!("/repos/{FORK}/pulls"))
            .await
            .is_empty()
    );
}

/// A conflict no rule answers: the agent resolves it (between the checkpoints the policy
/// answers), and the PR goes up as a draft that needs review, with the agent's rationale.
#[tokio::test(flavor = "multi_thread")]
async fn the_agent_resolves_what_no_rule_does_and_the_pr_needs_review() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    std::fs::write(w.fork.join("core.txt"), "one\ntwo (ours)\nthree\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our two");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    release(
        &sandbox,
        &w,
        "v1.1.0",
        &[("core.txt", "one\ntwo (theirs)\nthree\n")],
    );
    configure(&sandbox, &w, "");
    let agent = sandbox.agent(
        "resolver.sh",
        "printf 'one\\ntwo (ours and theirs)\\nthree\\n' > core.txt\n\
         echo 'Kept both wordings of two.' > \"$FIXLOOP_FAILURE_DIR/rationale.md\"\n",
    );
    let server = stand_in("repo", json!([])).await;
    let out = world::sync_with(&sandbox, &w, &server, &agent, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let branch = "fixloop/sync/v1.1.0";
    let core = sandbox.git(&w.fork_origin, &["show", &format!("{branch}:core.txt")]);
    assert!(core.contains("two (ours and theirs)"), "{core}");
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    assert_eq!(prs.len(), 1, "{said}");
    assert_eq!(
        prs[0]["draft"], true,
        "an agent's resolution waits for a person"
    );
    let body = prs[0]["body"].as_str().unwrap();
    assert!(body.contains("Kept both wordings of two."), "{body}");
    let labels = requests(&server, "POST", "/issues/21/labels").await[0].to_string();
    assert!(labels.contains("needs-review"), "{labels}");
}

/// An agent that declines, or one that touches another file, leaves the file unresolved:
/// nothing pushed, one issue.
#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_declines_or_strays_blocks_the_sync() {
    for (name, script) in [
        (
            "declines",
            "echo 'The two sides disagree on the API.' > \"$FIXLOOP_FAILURE_DIR/declined.md\"\n",
        ),
        (
            "strays",
            "printf 'one\\ntwo\\nthree\\n' > core.txt\necho weakened > LICENSE\n",
        ),
    ] {
        let sandbox = Sandbox::new();
        let w = world(&sandbox, RULES);
        std::fs::write(w.fork.join("core.txt"), "one\ntwo (ours)\nthree\n").unwrap();
        world::commit(&sandbox, &w.fork, "Our two");
        sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
        release(
            &sandbox,
            &w,
            "v1.1.0",
            &[("core.txt", "one\ntwo (theirs)\nthree\n")],
        );
        configure(&sandbox, &w, "");
        let agent = sandbox.agent("resolver.sh", script);
        let server = stand_in("repo", json!([])).await;
        let out = world::sync_with(&sandbox, &w, &server, &agent, &[]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(3), "{name}: {said}");
        let issues = requests(&server, "POST", &format!("/repos/{FORK}/issues")).await;
        assert_eq!(issues.len(), 1, "{name}: {said}");
        let branches = sandbox.git(&w.fork_origin, &["branch", "--list"]);
        assert!(!branches.contains("fixloop/"), "{name}: {branches}");
    }
}

/// rerere replays a resolution a person recorded before; a generated file is regenerated by
/// the rule's command, never hand-merged. Both leave the PR ready.
#[tokio::test(flavor = "multi_thread")]
async fn rerere_and_regeneration_resolve_without_the_agent() {
    let sandbox = Sandbox::new();
    let rules = format!(
        "{RULES}[[rule]]\npaths = [\"deps.lock\"]\nstrategy = \"regenerate\"\n\
         run = \"sort -u core.txt > deps.lock\"\n"
    );
    let w = world(&sandbox, &rules);
    std::fs::write(w.fork.join("core.txt"), "one\ntwo (ours)\nthree\n").unwrap();
    std::fs::write(w.fork.join("deps.lock"), "fork's lock\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our two and lock");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    release(
        &sandbox,
        &w,
        "v1.1.0",
        &[
            ("core.txt", "one\ntwo (theirs)\nthree\n"),
            ("deps.lock", "upstream's lock\n"),
        ],
    );
    // A person merged this release once, resolved core.txt by hand, and threw the merge away:
    // rerere remembers the resolution.
    sandbox.git(&w.fork, &["config", "rerere.enabled", "true"]);
    let upstream = w.upstream.display().to_string();
    sandbox.git(
        &w.fork,
        &[
            "fetch",
            "--quiet",
            &upstream,
            "refs/tags/v1.1.0:refs/tags/v1.1.0",
        ],
    );
    let merged = std::process::Command::new("git")
        .args(["merge", "--no-ff", "--no-commit", "v1.1.0"])
        .current_dir(&w.fork)
        .envs(sandbox.env())
        .output()
        .unwrap();
    assert!(!merged.status.success(), "the merge conflicts");
    std::fs::write(w.fork.join("core.txt"), "one\ntwo (by hand)\nthree\n").unwrap();
    std::fs::write(w.fork.join("deps.lock"), "whatever\n").unwrap();
    sandbox.git(&w.fork, &["add", "-A"]);
    sandbox.git(&w.fork, &["commit", "--quiet", "--no-edit"]);
    sandbox.git(&w.fork, &["reset", "--quiet", "--hard", "HEAD~1"]);
    sandbox.git(&w.fork, &["tag", "-d", "v1.1.0"]);
    configure(&sandbox, &w, "");
    let server = stand_in("repo", json!([])).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let branch = "fixloop/sync/v1.1.0";
    let show = |file: &str| sandbox.git(&w.fork_origin, &["show", &format!("{branch}:{file}")]);
    assert!(
        show("core.txt").contains("two (by hand)"),
        "rerere replayed it"
    );
    let lock = show("deps.lock");
    assert!(
        lock.contains("two (by hand)") && lock.contains("one"),
        "regenerated: {lock}"
    );
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    let body = prs[0]["body"].as_str().unwrap();
    assert!(
        body.contains("rerere") && body.contains("regenerate"),
        "{body}"
    );
    let labels = requests(&server, "POST", "/issues/21/labels").await[0].to_string();
    assert!(labels.contains("\"ready\""), "{labels}");
}

/// Killed with SIGKILL in the middle of the merge (a regeneration under way), the sync goes on
/// with `fixloop resume` to the same end: one PR, the branch as an uninterrupted run makes it.
#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_merge_then_resumed_ends_the_same() {
    let sandbox = Sandbox::new();
    let mark = sandbox.path().join("regenerating");
    let rules = format!(
        "{RULES}[[rule]]\npaths = [\"deps.lock\"]\nstrategy = \"regenerate\"\n\
         run = \"[ -f {m} ] || {{ touch {m}; sleep 60; }}; sort -u core.txt > deps.lock\"\n",
        m = mark.display()
    );
    let w = world(&sandbox, &rules);
    std::fs::write(w.fork.join("deps.lock"), "fork's lock\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our lock");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    release(
        &sandbox,
        &w,
        "v1.1.0",
        &[
            ("core.txt", "one\ntwo\nthree\nfour\n"),
            ("deps.lock", "upstream's lock\n"),
        ],
    );
    configure(&sandbox, &w, "");
    let server = stand_in("repo", json!([])).await;
    let mut child = world::sync_command(&sandbox, &w, &server, std::path::Path::new("false"), &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !mark.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the regeneration never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let merging = w.fork.join(".git/worktrees");
    assert!(
        merging.exists(),
        "the sync worktree was there when it was killed"
    );
    let branches = sandbox.git(&w.fork_origin, &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
    let runs = w.fork.join(".git/fixloop/sync/outputs/runs");
    let run_id = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("_sync"))
        .expect("the run's folder");
    let resumed = sandbox
        .fixloop(&w.fork)
        .args(["resume", &run_id, "--headless"])
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", world::TOKEN)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let said = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{said}");
    let branch = "fixloop/sync/v1.1.0";
    let show = |file: &str| sandbox.git(&w.fork_origin, &["show", &format!("{branch}:{file}")]);
    assert!(
        show("deps.lock").contains("four"),
        "regenerated after the resume"
    );
    let message = sandbox.git(&w.fork_origin, &["log", "-1", "--format=%B", branch]);
    assert!(message.contains("Upstream-Tag: v1.1.0"), "{message}");
    assert_eq!(
        requests(&server, "POST", &format!("/repos/{FORK}/pulls"))
            .await
            .len(),
        1
    );
    assert_eq!(sandbox.git(&w.fork, &["status", "--porcelain"]), "");
}

/// A test the merge broke (upstream renamed a key the fork's own check reads) is handed to a
/// fixloop run on the sync branch: reproduced there, fixed by the agent, verified, and its
/// commit lands on the sync branch; the checks pass again and the PR says how.
#[tokio::test(flavor = "multi_thread")]
async fn a_test_the_merge_broke_is_fixed_by_a_fixloop_run_on_the_sync_branch() {
    let sandbox = Sandbox::new();
    let rules = format!("{RULES}[[rule]]\npaths = [\"settings.txt\"]\nstrategy = \"theirs\"\n");
    let w = world(&sandbox, &rules);
    std::fs::write(
        w.fork.join("check.sh"),
        "grep -q '^greeting=' settings.txt\n",
    )
    .unwrap();
    std::fs::write(w.fork.join("settings.txt"), "greeting=hello\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our check of the settings");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    // Upstream's release brings a settings file of its own that names the key differently;
    // the fork's takes upstream's side (a rule), and the fork's check no longer passes.
    release(
        &sandbox,
        &w,
        "v1.2.0",
        &[("settings.txt", "salutation=hello\n")],
    );
    configure(&sandbox, &w, "test = [\"sh check.sh\"]\n");
    let agent = sandbox.agent(
        "fixer.sh",
        "if [ \"$FIXLOOP_PHASE\" = fix ]; then\n\
         echo 'greeting=hello' >> \"$FIXLOOP_WORKDIR/settings.txt\"\n\
         echo 'The fork still reads greeting.' > \"$FIXLOOP_FAILURE_DIR/ROOT_CAUSE.md\"\nfi\n",
    );
    let server = stand_in("repo", json!([])).await;
    let out = world::sync_with(&sandbox, &w, &server, &agent, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let branch = "fixloop/sync/v1.2.0";
    let settings = sandbox.git(&w.fork_origin, &["show", &format!("{branch}:settings.txt")]);
    assert!(settings.contains("greeting=hello"), "{settings}");
    let log = sandbox.git(&w.fork_origin, &["log", "--format=%P %s", "-2", branch]);
    let mut lines = log.lines();
    let fix = lines.next().unwrap();
    assert_eq!(
        fix.split(' ').next().map(str::len),
        Some(40),
        "one parent: {log}"
    );
    let merge = lines.next().unwrap();
    assert!(
        merge.contains("Sync upstream v1.2.0"),
        "the fix is on the merge: {log}"
    );
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    let body = prs[0]["body"].as_str().unwrap();
    assert!(
        body.contains("sh check.sh") && body.contains("fixed and verified"),
        "{body}"
    );
    // The next night, the release still not merged: the branch, whose tip is fixloop's fix,
    // is fixloop's own to replace.
    std::fs::write(w.fork.join("NOTES.md"), "A note of the fork's.\n").unwrap();
    world::commit(&sandbox, &w.fork, "A note");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    let again = world::sync_with(&sandbox, &w, &server, &agent, &[]);
    let said = text(&again);
    assert_eq!(again.status.code(), Some(0), "{said}");
    let notes = sandbox.git(&w.fork_origin, &["show", &format!("{branch}:NOTES.md")]);
    assert!(notes.contains("A note"), "the branch was replaced: {notes}");
}

/// A release that merges with no conflict at all: checked, and one `ready` PR that says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_clean_merge_goes_up_as_a_ready_pr() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    release(
        &sandbox,
        &w,
        "v1.0.1",
        &[("core.txt", "one\ntwo\nthree\nfour\n")],
    );
    configure(
        &sandbox,
        &w,
        "lint = [\"test -s core.txt\"]\ntest = [\"grep -q four core.txt\"]\n",
    );
    let server = stand_in("repo", json!([])).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    assert_eq!(prs.len(), 1, "{said}");
    assert_eq!(prs[0]["draft"], false);
    assert_eq!(prs[0]["title"], "Sync upstream v1.0.1");
    let labels = requests(&server, "POST", "/issues/21/labels").await[0].to_string();
    assert!(labels.contains("\"ready\""), "{labels}");
    let report = std::fs::read_dir(w.fork.join(".git/fixloop/sync/outputs"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".md"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap_or_default();
    assert!(report.contains("Merged with no conflict"), "{report}");
}

/// An agent that resolves a conflicted test file by dropping a side's test has weakened it:
/// the file stays unresolved, nothing is pushed, and the issue says why.
#[tokio::test(flavor = "multi_thread")]
async fn an_agent_resolution_that_drops_a_test_is_refused() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    let base = "def test_a():\n    assert f(1) == 1\n";
    std::fs::create_dir_all(w.fork.join("tests")).unwrap();
    std::fs::write(
        w.fork.join("tests/test_f.py"),
        format!("{base}\ndef test_b():\n    assert f(2) == 2\n"),
    )
    .unwrap();
    world::commit(&sandbox, &w.fork, "Our test");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    let theirs = format!("{base}\ndef test_c():\n    assert f(3) == 3\n");
    release(
        &sandbox,
        &w,
        "v1.1.0",
        &[("tests/test_f.py", theirs.as_str())],
    );
    configure(&sandbox, &w, "");
    let agent = sandbox.agent(
        "resolver.sh",
        &format!("printf '{}' > tests/test_f.py\n", base.replace('\n', "\\n")),
    );
    let server = stand_in("repo", json!([])).await;
    let out = world::sync_with(&sandbox, &w, &server, &agent, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    let issues = requests(&server, "POST", &format!("/repos/{FORK}/issues")).await;
    assert_eq!(issues.len(), 1, "{said}");
    let body = issues[0]["body"].as_str().unwrap();
    assert!(body.contains("weakens the tests"), "{body}");
    let branches = sandbox.git(&w.fork_origin, &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
}

/// Following upstream's branch instead of its tags: its head merged and put up; once merged,
/// the same head is nothing to do (and nothing is fetched); a branch upstream does not have is
/// said plainly.
#[tokio::test(flavor = "multi_thread")]
async fn a_followed_branch_is_merged_then_up_to_date() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    std::fs::write(w.upstream_work.join("core.txt"), "one\ntwo\nthree\nfour\n").unwrap();
    world::commit(&sandbox, &w.upstream_work, "Four, untagged");
    sandbox.git(&w.upstream_work, &["push", "--quiet", "origin", "main"]);
    let head = sandbox.git(&w.upstream_work, &["rev-parse", "HEAD"]);
    configure(&sandbox, &w, "branch = \"main\"\n");
    let server = stand_in("repo", json!([])).await;
    let out = sync(&sandbox, &w, &server, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    assert_eq!(prs.len(), 1, "{said}");
    let branch = prs[0]["head"].as_str().unwrap().to_owned();
    assert!(branch.starts_with("fixloop/sync/"), "{branch}");
    let parents = sandbox.git(&w.fork_origin, &["log", "-1", "--format=%P", &branch]);
    assert!(
        parents.ends_with(&head),
        "merged upstream's head: {parents}"
    );

    sandbox.git(&w.fork, &["fetch", "--quiet", "origin"]);
    let merge_ref = format!("origin/{branch}");
    sandbox.git(
        &w.fork,
        &[
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            "Merge the sync",
            &merge_ref,
        ],
    );
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    let again = sync(&sandbox, &w, &server, &[]);
    let said = text(&again);
    assert_eq!(again.status.code(), Some(0), "{said}");
    assert!(said.contains("up to date"), "{said}");

    configure(&sandbox, &w, "branch = \"release\"\n");
    let missing = sync(&sandbox, &w, &server, &[]);
    let said = text(&missing);
    assert_eq!(missing.status.code(), Some(69), "{said}");
    assert!(said.contains("release"), "{said}");
}
