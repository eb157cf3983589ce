//! The watcher killed at any moment does no work twice and loses none: SIGKILL while a fixer
//! runs, then a restart, ends in one commit and one comment; killed after its push and before
//! its comment, the restart finds its own commit at the PR's head and only comments.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/watch.rs"]
mod world;

use std::time::{Duration, Instant};

use serde_json::json;
use support::Sandbox;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};
use world::{
    REPO, cargo_fmt_available, marking_agent, ok, requests, run, rust_project, stand_in,
    watch_command, watch_once,
};

const LOG: &str = "2026-12-01T10:00:00.0000000Z ##[group]Run cargo fmt --all -- --check\n\
                   -pub fn sub(a:i32,b:i32)->i32{a-b}\n\
                   ##[error]Process completed with exit code 1.\n";

#[tokio::test(flavor = "multi_thread")]
async fn killed_while_a_fixer_runs_the_restart_pushes_once_and_comments_once() {
    if !cargo_fmt_available() {
        eprintln!("skipped: cargo fmt is not installed here");
        return;
    }
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    let mark = sandbox.path().join("fixer-started");
    let origin = sandbox.path().join("origin.git");
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\nfixers = [\"slow-fmt\"]\n\n\
             [[fixer]]\nname = \"slow-fmt\"\nstep = \"formatting\"\n\
             run = \"if [ -e '{mark}' ]; then cargo fmt --all; else touch '{mark}'; sleep 60; fi\"\ncheck = \"cargo fmt --all -- --check\"\n",
            origin.display(),
            mark = mark.display()
        ),
    )
    .unwrap();
    let server = stand_in(
        &[run(911, &head, "ada", "Add sub")],
        &head,
        "Check formatting",
        LOG,
    )
    .await;
    let agent = marking_agent(&sandbox);
    let mut watcher = watch_command(&sandbox, &server, &agent, &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !mark.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the fixer never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watcher.kill().unwrap(); // SIGKILL, mid-fixer
    watcher.wait().unwrap();
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fmt"]),
        head,
        "nothing pushed yet"
    );

    let text = ok(&watch_once(&sandbox, &server));
    assert!(
        text.contains("pushed"),
        "the cut-off run is taken up again: {text}"
    );
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fmt~1"]),
        head,
        "one commit"
    );
    assert_eq!(
        requests(&server, "POST", "/issues/5/comments").await.len(),
        1
    );
    // And again: nothing more.
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("0 run(s) worked on"), "{text}");
    assert_eq!(sandbox.git(&origin, &["rev-parse", "fmt~1"]), head);
    assert_eq!(
        requests(&server, "POST", "/issues/5/comments").await.len(),
        1
    );
    assert!(!sandbox.path().join("agent-called").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_after_its_push_the_restart_only_comments() {
    let sandbox = Sandbox::new();
    let (repo, head) = rust_project(&sandbox);
    // What the killed watcher had pushed: its commit, with its trailer, at the PR's head.
    sandbox.git(
        &repo,
        &[
            "-c",
            "user.name=fixloop",
            "-c",
            "user.email=f@example.com",
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            "Fix formatting\n\nFixloop-Run: watch-912",
        ],
    );
    let ours = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    sandbox.git(&repo, &["push", "--quiet", "origin", "fmt"]);
    let server = stand_in(
        &[run(912, &head, "ada", "Add sub")],
        &ours,
        "Check formatting",
        LOG,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/commits/{ours}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"sha": ours, "commit": {"message": "Fix formatting\n\nFixloop-Run: watch-912"}}),
        ))
        .mount(&server)
        .await;
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("before a restart"), "{text}");
    let origin = sandbox.path().join("origin.git");
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fmt"]),
        ours,
        "nothing pushed again"
    );
    let comments = requests(&server, "POST", "/issues/5/comments").await;
    assert_eq!(comments.len(), 1);
    // Its own commit at the head is not taken for a stale run.
    assert!(!text.contains("stale"), "{text}");
}

/// A webhook that answered 410 Gone stays disabled across restarts, until it is given another
/// address.
#[tokio::test(flavor = "multi_thread")]
async fn a_gone_webhook_stays_disabled_after_a_restart_until_its_address_changes() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\n\n[notify.webhook]\n\
             url-env = \"TEST_HOOK_URL\"\nsecret-env = \"TEST_HOOK_SECRET\"\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
    let agent = marking_agent(&sandbox);
    let log = "##[error]Input required and not supplied: token\n";
    // The endpoints live at one address all along (the stand-in is made anew for each run).
    let hooks = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/old"))
        .respond_with(ResponseTemplate::new(410))
        .mount(&hooks)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/new"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hooks)
        .await;
    let mut told = Vec::new();
    for (id, hook) in [
        (931, "/hooks/old"),
        (932, "/hooks/old"),
        (933, "/hooks/new"),
    ] {
        let mut failed = run(id, &head, "ada", "Add sub");
        // Another workflow each time: the same workflow on the same commit is one failure.
        failed["name"] = json!(format!("Deploy {id}"));
        let server = stand_in(&[failed], &head, "Deploy", log).await;
        world::forget_etags(&sandbox);
        let before = requests(&hooks, "POST", hook).await.len();
        let out = watch_command(&sandbox, &server, &agent, &["--once"])
            .env("TEST_HOOK_URL", format!("{}{hook}", hooks.uri()))
            .env(
                "TEST_HOOK_SECRET",
                "whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
            )
            .output()
            .unwrap();
        let text = ok(&out);
        assert!(text.contains("not fixable"), "{text}");
        told.push(requests(&hooks, "POST", hook).await.len() - before);
    }
    assert_eq!(
        told,
        [1, 0, 1],
        "told, disabled after 410, told at the new address"
    );
}
