//! The GitHub Actions steps as a test drives them: recorded event payloads
//! (`tests/ci_events/`), the failed run on the GitHub stand-in, and `fixloop ci analyze` and
//! `fixloop ci publish` run as the workflow's jobs run them.

#![allow(
    dead_code,
    reason = "shared by the CI tests; not every one uses each helper"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};

/// The python project with its failing commit also on the PR's branch, `word-count`, as the
/// recorded payloads name it (and a fork's PR head at `refs/pull/17/head`).
pub fn pr_project(sandbox: &Sandbox) -> PathBuf {
    let repo = sandbox.python_project();
    sandbox.git(
        &repo,
        &[
            "push",
            "--quiet",
            "origin",
            "main:word-count",
            "main:refs/pull/17/head",
        ],
    );
    repo
}

pub const TOKEN: &str = "ghs_analyzetoken0123456789abcdefghijkl";

pub fn payload(name: &str, head: &str) -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/ci_events/{name}.json")),
    )
    .unwrap();
    let mut payload: Value = serde_json::from_str(&text).unwrap();
    if let Some(run) = payload.get_mut("workflow_run") {
        run["head_sha"] = json!(head);
    }
    payload
}

/// The failed run, its one job and its log, as the stand-in serves them.
pub async fn mount_run(server: &MockServer, head: &str, log: String) {
    mount_run_id(server, 30_433_642, head, log).await;
}

/// The run `id` of octo-org/wordstat, failed on `head`, its one job's log `log`.
pub async fn mount_run_id(server: &MockServer, id: u64, head: &str, log: String) {
    let run = json!({"id": id, "name": "CI", "head_sha": head, "head_branch": "word-count",
        "run_attempt": 1, "conclusion": "failure", "pull_requests": [{"number": 17}],
        "html_url": format!("https://github.com/octo-org/wordstat/actions/runs/{id}"),
        "head_commit": {"message": "Count words across lines"},
        "head_repository": {"full_name": "octo-org/wordstat"}});
    let run_path = format!("/repos/octo-org/wordstat/actions/runs/{id}");
    Mock::given(method("GET"))
        .and(path(run_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(run))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{run_path}/jobs")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_count": 1, "jobs": [
            {"id": 77, "name": "test", "conclusion": "failure",
             "steps": [{"name": "Run tests", "conclusion": "failure"}]}]})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/actions/jobs/77/logs"))
        .respond_with(ResponseTemplate::new(200).set_body_string(log))
        .mount(server)
        .await;
}

pub async fn mount_comments(server: &MockServer, comments: Value) {
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comments))
        .mount(server)
        .await;
}

pub struct Analyzed {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub out: PathBuf,
    pub took: Duration,
}

impl Analyzed {
    pub fn outcome(&self) -> Value {
        let text = std::fs::read_to_string(self.out.join("outcome.json"))
            .unwrap_or_else(|e| panic!("{e}\n{}\n{}", self.stdout, self.stderr));
        serde_json::from_str(&text).unwrap()
    }
}

pub async fn analyze(
    sandbox: &Sandbox,
    repo: &Path,
    server: &MockServer,
    event: &Value,
    extra: &[&str],
) -> Analyzed {
    analyze_with(
        sandbox,
        repo,
        server,
        event,
        extra,
        &phased(REPRODUCE_ADD, FIX_ADD),
    )
    .await
}

/// The PR's failed run of `repo` at `head` served (its log the project's `ci.log`, no fixloop
/// comment yet), then `fixloop ci analyze` on the recorded `workflow_run_pr` payload.
pub async fn analyze_pr_failure(
    sandbox: &Sandbox,
    repo: &Path,
    server: &MockServer,
    head: &str,
) -> Analyzed {
    mount_run(
        server,
        head,
        std::fs::read_to_string(repo.join("ci.log")).unwrap(),
    )
    .await;
    mount_comments(server, json!([])).await;
    analyze(
        sandbox,
        repo,
        server,
        &payload("workflow_run_pr", head),
        &[],
    )
    .await
}

/// `fixloop ci analyze` on `event` with the agent script `agent`, as the analyze job runs it.
pub async fn analyze_with(
    sandbox: &Sandbox,
    repo: &Path,
    server: &MockServer,
    event: &Value,
    extra: &[&str],
    agent: &str,
) -> Analyzed {
    let event_file = sandbox.path().join("event.json");
    std::fs::write(&event_file, event.to_string()).unwrap();
    let out = sandbox.path().join("fixloop-out");
    let agent = sandbox.agent("agent.sh", agent);
    let started = Instant::now();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["ci", "analyze", "--event"])
        .arg(&event_file)
        .arg("--out")
        .arg(&out)
        .arg("--repo")
        .arg(repo)
        .args(["--agent", "command", "--agent-cmd"])
        .arg(&agent)
        .args(extra)
        .current_dir(repo)
        .envs(sandbox.env())
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", TOKEN)
        .env(
            "GITHUB_STEP_SUMMARY",
            sandbox.path().join("step-summary.md"),
        )
        .env_remove("GITHUB_EVENT_NAME")
        .output()
        .await
        .unwrap();
    Analyzed {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out,
        took: started.elapsed(),
    }
}

/// `fixloop ci publish OUT` in `checkout`, the publish job's fresh clone.
pub async fn publish(
    sandbox: &Sandbox,
    checkout: &Path,
    server: &MockServer,
    out: &Path,
) -> Analyzed {
    publish_as(sandbox, checkout, server, out, "").await
}

/// `fixloop ci publish OUT` as a job of workflow run `run_id` (GitHub's `GITHUB_RUN_ID`).
pub async fn publish_as(
    sandbox: &Sandbox,
    checkout: &Path,
    server: &MockServer,
    out: &Path,
    run_id: &str,
) -> Analyzed {
    publish_with(sandbox, checkout, server, out, &[("GITHUB_RUN_ID", run_id)]).await
}

/// `fixloop ci publish OUT` with more of the job's environment (`GITHUB_EVENT_PATH`, …).
pub async fn publish_with(
    sandbox: &Sandbox,
    checkout: &Path,
    server: &MockServer,
    out: &Path,
    env: &[(&str, &str)],
) -> Analyzed {
    let started = Instant::now();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["ci", "publish"])
        .arg(out)
        .current_dir(checkout)
        .envs(sandbox.env())
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", TOKEN)
        .env(
            "GITHUB_STEP_SUMMARY",
            sandbox.path().join("publish-summary.md"),
        )
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    Analyzed {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out: out.to_path_buf(),
        took: started.elapsed(),
    }
}
