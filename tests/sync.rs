//! `fixloop sync` on local bare `upstream` and `fork` repositories with release tags, against a
//! GitHub stand-in: nothing new; a merge whose conflicts the fork's path rules resolve, checked
//! and put up as one `ready` PR (older sync PRs closed); the same release again → nothing; a
//! conflict on a protected path → nothing pushed and one issue; a release that changes workflow
//! files with a token that may not push them → a loud failure and nothing pushed.
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
    configure(&sandbox, &w, "test = [\"grep -q four core.txt\"]\n");
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
    configure(&sandbox, &w, "");
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
