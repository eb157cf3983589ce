//! The watcher's world as the tests drive it: a Rust crate with a badly formatted PR branch and
//! a bare origin, failed runs as GitHub lists them, the GitHub stand-in on 127.0.0.1, and
//! `fixloop watch --once` run against them.
#![allow(
    dead_code,
    reason = "shared by the watcher's tests; not every one uses each helper"
)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::Sandbox;

pub const TOKEN: &str = "ghs_watchtoken0123456789abcdefghijklmn";
pub const REPO: &str = "octo-org/tidy";

/// A Rust crate whose `fmt` branch is badly formatted, with a bare origin.
pub fn rust_project(sandbox: &Sandbox) -> (PathBuf, String) {
    let repo = sandbox.path().join("tidy");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    sandbox.git(sandbox.path(), &["init", "--quiet", "--bare", "origin.git"]);
    sandbox.git(&repo, &["init", "--quiet", "-b", "main"]);
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"tidy\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("src/lib.rs"),
        "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    )
    .unwrap();
    let commit = |msg: &str| {
        sandbox.git(&repo, &["add", "-A"]);
        sandbox.git(
            &repo,
            &[
                "-c",
                "user.name=Ada",
                "-c",
                "user.email=ada@example.com",
                "commit",
                "--quiet",
                "-m",
                msg,
            ],
        );
    };
    commit("Add tidy");
    let origin = sandbox.path().join("origin.git").display().to_string();
    sandbox.git(&repo, &["remote", "add", "origin", &origin]);
    sandbox.git(&repo, &["push", "--quiet", "origin", "main"]);
    sandbox.git(&repo, &["checkout", "--quiet", "-b", "fmt"]);
    std::fs::write(
        repo.join("src/lib.rs"),
        "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\npub fn sub(a:i32,b:i32)->i32{a-b}\n",
    )
    .unwrap();
    commit("Add sub");
    sandbox.git(&repo, &["push", "--quiet", "origin", "fmt"]);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    (repo, head)
}

/// A failed run of the `CI` workflow on PR #5's head, as GitHub lists it.
pub fn run(id: u64, head: &str, actor: &str, message: &str) -> Value {
    json!({
        "id": id, "name": "CI", "head_sha": head, "head_branch": "fmt",
        "event": "pull_request", "status": "completed", "conclusion": "failure",
        "run_attempt": 1, "pull_requests": [{"number": 5}],
        "html_url": format!("https://github.com/{REPO}/actions/runs/{id}"),
        "repository": {"full_name": REPO}, "head_repository": {"full_name": REPO},
        "actor": {"login": actor}, "triggering_actor": {"login": actor},
        "head_commit": {"message": message},
    })
}

/// The stand-in: the failed-runs list (304 once fixloop has its `ETag`), PR #5 at `pr_head`, the
/// run's jobs and logs, and fixloop's comment.
pub async fn stand_in(runs: &[Value], pr_head: &str, step: &str, log: &str) -> MockServer {
    let server = MockServer::start().await;
    let list = format!("/repos/{REPO}/actions/runs");
    Mock::given(method("GET"))
        .and(path(list.as_str()))
        .and(header("if-none-match", "\"list-1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"list-1\"")
                .set_body_json(json!({"total_count": runs.len(), "workflow_runs": runs})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/pulls/5")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": 5, "state": "open", "maintainer_can_modify": false,
            "head": {"sha": pr_head, "ref": "fmt", "repo": {"full_name": REPO}}})))
        .mount(&server)
        .await;
    for r in runs {
        let id = r["id"].as_u64().unwrap();
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/actions/runs/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(r))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(format!(
                "^/repos/{REPO}/actions/runs/{id}(/attempts/1)?/jobs$"
            )))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"total_count": 1,
                "jobs": [{"id": id + 1, "name": "lint", "conclusion": "failure",
                          "steps": [{"name": "Set up job", "conclusion": "success"},
                                    {"name": step, "conclusion": "failure"}]}]})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/actions/jobs/{}/logs", id + 1)))
            .respond_with(ResponseTemplate::new(200).set_body_string(log))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/issues/5/comments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{REPO}/issues/5/comments")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    server
}

/// The agent, should anything call it: it leaves a mark.
pub fn marking_agent(sandbox: &Sandbox) -> PathBuf {
    sandbox.agent(
        "agent.sh",
        &format!(
            "echo called >> {}\n",
            sandbox.path().join("agent-called").display()
        ),
    )
}

pub fn watch_once(sandbox: &Sandbox, server: &MockServer) -> Output {
    watch_once_with(sandbox, server, &marking_agent(sandbox))
}

pub fn watch_once_with(sandbox: &Sandbox, server: &MockServer, agent: &Path) -> Output {
    watch_command(sandbox, server, agent, &["--once"])
        .output()
        .unwrap()
}

/// `fixloop watch` with `extra` arguments, as the tests run it (the configuration written first
/// when the test has not written its own).
pub fn watch_command(
    sandbox: &Sandbox,
    server: &MockServer,
    agent: &Path,
    extra: &[&str],
) -> std::process::Command {
    let config = sandbox.path().join("fixloop.toml");
    if !config.exists() {
        let origin = sandbox.path().join("origin.git");
        std::fs::write(
            &config,
            format!(
                "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\n",
                origin.display()
            ),
        )
        .unwrap();
    }
    let real_home = std::env::var("HOME").unwrap_or_default();
    let rustup = std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{real_home}/.rustup"));
    let cargo = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{real_home}/.cargo"));
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_fixloop"));
    command
        .arg("watch")
        .args(extra)
        .arg("--config")
        .arg(&config)
        .arg("--state")
        .arg(sandbox.path().join("state/watch.db"))
        .args(["--agent", "command", "--agent-cmd"])
        .arg(agent)
        .current_dir(sandbox.path())
        .envs(sandbox.env())
        .env("RUSTUP_HOME", rustup)
        .env("CARGO_HOME", cargo)
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", TOKEN);
    command
}

pub fn ok(out: &Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    text
}

pub async fn requests(server: &MockServer, verb: &str, ending: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(ending))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

pub fn cargo_fmt_available() -> bool {
    std::process::Command::new("cargo")
        .args(["fmt", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Forgets the `ETag`s the watcher kept: the stand-in's list has one `ETag` whatever runs it
/// lists, and a list with a new run must not pass for the unchanged one.
pub fn forget_etags(sandbox: &Sandbox) {
    let db = sandbox.path().join("state/watch.db");
    if !db.exists() {
        return;
    }
    let forget = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM etags'); c.commit()",
        ])
        .arg(&db)
        .status()
        .unwrap();
    assert!(forget.success());
}
