//! Planted secrets of every kind — in the environment, in the CI log, in the agent's output,
//! known shapes and values given by a label (`password: …`) — across a whole run from a run URL
//! to a draft PR on the local GitHub stand-in: none reaches a file under `outputs/` or the
//! failure folder, the PR, a commit message, the agent's prompt, or the terminal. Errors quoting
//! `info.json` reach the terminal without its control sequences or secrets.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GITHUB_TOKEN: &str = "ghp_canaryGithubToken0123456789abcdefAB";
const ENV_SECRETS: &[(&str, &str)] = &[
    ("MY_SERVICE_TOKEN", "canary-service-token-7f3a9c"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "canary/AwsSecretAccessKey/0123456789",
    ),
    ("DB_PASSWORD", "canary-db-password-42x"),
    ("OPENAI_API_KEY", "sk-proj-canaryOpenAiKey0123456789abcdef"),
];
const LOG_SECRETS: &[&str] = &[
    "ghp_canaryLogToken0123456789abcdefghijAB",
    "gho_canaryOauthToken0123456789abcdefghij",
    "github_pat_11CANARY0123456789_canaryPatTokenValue0123456789",
    "sk-ant-api03-canaryAnthropicKey0123456789",
    "AKIACANARY0123456789",
    "xoxb-123456789012-canarySlackToken",
    "https://hooks.slack.com/services/T0CANARY/B0CANARY/canaryWebhookSecret",
    "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiJ5ZXMifQ.canarySignature123",
    "canaryBearerValue123456",
    "MIIEcanaryPrivateKeyBody0123456789",
];
const AGENT_SECRET: &str = "sk-proj-canaryAgentOutput0123456789abcdef";
/// Secrets only a label gives away: a line of the log, the value planted in it, and the line as
/// fixloop keeps it (the label stays).
const LABELLED_LOG_SECRETS: &[(&str, &str, &str)] = &[
    (
        "aws_secret_access_key = canaryAwsLabelled/0123456789abcdef",
        "canaryAwsLabelled/0123456789abcdef",
        "aws_secret_access_key = [redacted]",
    ),
    (
        "  password: canaryPassw0rd42",
        "canaryPassw0rd42",
        "  password: [redacted]",
    ),
    (
        r#"{"user": "ci", "password": "canary json pass 42"}"#,
        "canary json pass 42",
        r#"{"user": "ci", "password": "[redacted]"}"#,
    ),
    (
        "client_secret=canaryClientSecret99",
        "canaryClientSecret99",
        "client_secret=[redacted]",
    ),
    (
        "DATABASE_URL=postgres://app:canaryDbUrlPass77@db:5432/app",
        "canaryDbUrlPass77",
        "DATABASE_URL=postgres://app:[redacted]@db:5432/app",
    ),
    (
        "machine api.example.com login ci password canaryNetrcPass88",
        "canaryNetrcPass88",
        "machine api.example.com login ci password [redacted]",
    ),
    (
        "api_key: canaryApiKey1234",
        "canaryApiKey1234",
        "api_key: [redacted]",
    ),
    (
        "GET /v1/status?token=canaryTokenValue55&v=2",
        "canaryTokenValue55",
        "GET /v1/status?token=[redacted]&v=2",
    ),
    (
        "Authorization: Basic Y2FuYXJ5QmFzaWNBdXRoMQ==",
        "Y2FuYXJ5QmFzaWNBdXRoMQ==",
        "Authorization: [redacted]",
    ),
    (
        r#"{"Authorization": "Bearer canaryJsonBearer66"}"#,
        "canaryJsonBearer66",
        r#"{"Authorization": "[redacted]"}"#,
    ),
];
/// Labelled secrets the agent prints.
const AGENT_LABELLED: &[(&str, &str)] = &[
    (
        "export MY_DB_PASSWORD=canaryAgentPass31",
        "canaryAgentPass31",
    ),
    (
        r#""private_key": "canaryAgentPrivKey12""#,
        "canaryAgentPrivKey12",
    ),
];

fn all_secrets() -> Vec<String> {
    let mut v: Vec<String> = LOG_SECRETS.iter().map(|s| (*s).to_owned()).collect();
    v.extend(ENV_SECRETS.iter().map(|(_, s)| (*s).to_owned()));
    v.push(GITHUB_TOKEN.to_owned());
    v.push(AGENT_SECRET.to_owned());
    v.extend(
        LABELLED_LOG_SECRETS
            .iter()
            .map(|(_, secret, _)| secret)
            .chain(AGENT_LABELLED.iter().map(|(_, secret)| secret))
            .map(|secret| (*secret).to_owned()),
    );
    v
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_clean(what: &str, text: &str) {
    for secret in all_secrets() {
        assert!(!text.contains(&secret), "{what} leaks `{secret}`");
    }
}

/// The sandbox project's CI log with every log secret planted in it, and the environment's
/// secret values echoed.
fn planted_log(repo: &Path) -> String {
    let mut log = std::fs::read_to_string(repo.join("ci.log")).unwrap();
    log.push_str("2026-11-20T10:00:02.0000000Z Authorization: Bearer canaryBearerValue123456\n");
    for secret in &LOG_SECRETS[..8] {
        let _ = writeln!(log, "2026-11-20T10:00:02.0000000Z config value={secret}");
    }
    log.push_str("2026-11-20T10:00:03.0000000Z -----BEGIN RSA PRIVATE KEY-----\n");
    log.push_str("2026-11-20T10:00:03.0000000Z MIIEcanaryPrivateKeyBody0123456789\n");
    log.push_str("2026-11-20T10:00:03.0000000Z -----END RSA PRIVATE KEY-----\n");
    for (_, value) in ENV_SECRETS {
        let _ = writeln!(log, "2026-11-20T10:00:04.0000000Z leaked env {value}");
    }
    for (line, _, _) in LABELLED_LOG_SECRETS {
        let _ = writeln!(log, "2026-11-20T10:00:05.0000000Z {line}");
    }
    log
}

/// GitHub for run 42 of acme/app, failed at `head` with `log`, from PR 7: the run, its one
/// failed job and its log, no open PR yet, and PR 7's empty comments.
async fn mount_github(server: &MockServer, head: &str, log: String) {
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/actions/runs/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 42, "name": "CI", "head_sha": head, "head_branch": "main", "run_attempt": 1,
            "conclusion": "failure", "html_url": "https://github.com/acme/app/actions/runs/42",
            "pull_requests": [{"number": 7}]})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/actions/runs/42/jobs"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_count": 1, "jobs": [
            {"id": 77, "name": "test", "conclusion": "failure", "steps": []}]})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/actions/jobs/77/logs"))
        .respond_with(ResponseTemplate::new(200).set_body_string(log))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/pulls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"number": 12, "html_url": "https://github.com/acme/app/pull/12"}),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/issues/7/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_planted_secret_leaves_fixloop() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let server = MockServer::start().await;
    mount_github(&server, &head, planted_log(&repo)).await;

    // The agent prints secrets, and keeps the prompt it was given where the test can read it.
    let seen = sandbox.path().join("prompt-seen.txt");
    let mut speak = format!(
        "cat > '{}'\necho \"my key is {AGENT_SECRET} and my token is $MY_SERVICE_TOKEN\"\n",
        seen.display()
    );
    for (line, _) in AGENT_LABELLED {
        let _ = writeln!(speak, "echo '{line}'");
    }
    let agent = sandbox.agent(
        "agent.sh",
        &phased(
            &format!("{speak}{REPRODUCE_ADD}"),
            &format!("cat > /dev/null\n{FIX_ADD}"),
        ),
    );
    sandbox.info(
        &repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI.",
            "deterministic": true,
            "url": "https://github.com/acme/app/actions/runs/42",
            "name": "add-subtracts",
        }),
    );
    let api = server.uri();
    let mut env = ENV_SECRETS.to_vec();
    env.extend([
        ("GITHUB_API_URL", api.as_str()),
        ("GITHUB_TOKEN", GITHUB_TOKEN),
    ]);
    let output = support::run_with_agent_env(&sandbox, &repo, &agent, &[], &env).output;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("[redacted"),
        "the run did see the secrets: {stdout}"
    );
    assert_clean("the terminal (stdout)", &stdout);
    assert_clean(
        "the terminal (stderr)",
        &String::from_utf8_lossy(&output.stderr),
    );
    let mut full_logs = 0;
    for file in files(&repo.join("outputs"))
        .into_iter()
        .chain(files(&repo.join("reproduce-deterministic-failures")))
    {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert_clean(&file.display().to_string(), &text);
        if file.ends_with("full.log") {
            full_logs += 1;
            for (_, _, shown) in LABELLED_LOG_SECRETS {
                assert!(text.contains(shown), "{} lost `{shown}`", file.display());
            }
        }
    }
    assert!(full_logs > 0, "the run kept the CI log");
    let prompt = std::fs::read_to_string(&seen).unwrap();
    assert!(prompt.contains("Log excerpt"), "the agent got the excerpt");
    assert_clean("the agent's prompt", &prompt);
    for request in server.received_requests().await.unwrap() {
        assert_clean(
            &format!("the request {}", request.url.path()),
            &String::from_utf8_lossy(&request.body),
        );
    }
    for branch in ["fix/add-subtracts", "fixloop/repro/add-subtracts"] {
        let log = sandbox.git(&repo, &["log", "-p", "-3", branch]);
        assert_clean(&format!("the commits of {branch}"), &log);
    }
}

#[test]
fn fixloop_logs_shows_no_secret_and_obeys_no_escape() {
    let sandbox = Sandbox::new();
    let log = sandbox.path().join("job.log");
    let text = format!(
        "FAILED tests/test_a.py::test_b - AssertionError: token {} \u{1b}]0;PWNED\u{7}\nerror: {}\n",
        LOG_SECRETS[0], LOG_SECRETS[3]
    );
    std::fs::write(&log, text).unwrap();
    for json in [false, true] {
        let mut cmd = sandbox.fixloop(sandbox.path());
        cmd.args(["logs", &log.display().to_string()]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("tests/test_a.py::test_b"), "{stdout}");
        assert_clean("fixloop logs output", &stdout);
        assert!(!stdout.contains("\u{1b}]0;"), "{stdout:?}");
    }
}

/// An `info.json` whose values carry terminal control sequences (a clipboard write, a screen
/// clear, a colour that hides text) and a labelled secret: the error that quotes them reaches
/// stderr with none of their bytes and without the secret.
#[test]
fn an_error_quoting_info_json_obeys_no_escape_and_shows_no_secret() {
    let sandbox = Sandbox::new();
    for (file, fields) in [
        (
            "name.json",
            json!({
                "prompt": "tests/test_calc.py fails in CI.",
                "deterministic": true,
                "existing-test-path": "tests/test_calc.py",
                "name": "x\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}[8mdb_password=canaryInfoPass9",
            }),
        ),
        (
            "field.json",
            json!({
                "prompt": "tests/test_calc.py fails in CI.",
                "deterministic": true,
                "na\u{1b}]0;PWNED\u{7}me\u{1b}[30;40m": "x",
            }),
        ),
    ] {
        let path = sandbox.path().join(file);
        std::fs::write(&path, serde_json::to_string(&fields).unwrap()).unwrap();
        let out = sandbox
            .fixloop(sandbox.path())
            .args(["validate", "--info", &path.display().to_string()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{file}: {stderr}");
        assert!(stderr.starts_with("error: "), "{file}: {stderr:?}");
        assert!(stderr.contains("\n  hint: "), "{file}: {stderr:?}");
        assert!(
            !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
            "{file}: {stderr:?}"
        );
        assert!(!stderr.contains("canaryInfoPass9"), "{file}: {stderr:?}");
    }
}
