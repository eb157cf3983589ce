//! Every captured agent case in `../shared/fixtures/agents/` replayed by a stand-in `claude` or
//! `codex` on PATH: each ends in a specific message and exit code 69, never a hang or a panic.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Sandbox, make_executable, write};

fn fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/agents")
        .join(name);
    assert!(path.is_file(), "missing fixture {}", path.display());
    path
}

/// A folder holding a stand-in `program` made of `script`, to put first on PATH.
fn stand_in(sandbox: &Sandbox, program: &str, script: &str) -> PathBuf {
    let bin = sandbox.path().join("bin");
    let path = bin.join(program);
    write(&path, &format!("#!/bin/sh\n{script}"));
    make_executable(&path);
    bin
}

struct Outcome {
    code: i32,
    stdout: String,
    report: serde_json::Value,
    took: Duration,
}

fn run_with(sandbox: &Sandbox, agent: &str, bin: &Path, extra_info: &serde_json::Value) -> Outcome {
    let repo = sandbox.python_project();
    let mut info = json!({
        "prompt": "tests/test_calc.py fails: add(1, 1) is not 2.",
        "deterministic": true,
        "raw-logs": "ci.log",
        "name": "add",
    });
    for (k, v) in extra_info.as_object().unwrap() {
        info[k] = v.clone();
    }
    sandbox.info(&repo, &info);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let started = Instant::now();
    let output = sandbox
        .fixloop(&repo)
        .args(["run", "--headless", "--agent", agent])
        .env("PATH", path)
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .unwrap();
    let took = started.elapsed();
    let run = support::Run {
        output,
        workspace: repo,
    };
    Outcome {
        code: run.code(),
        stdout: run.stdout(),
        report: run.report(),
        took,
    }
}

fn assert_unavailable(o: &Outcome, message: &str) {
    assert_eq!(o.code, 69, "{}", o.stdout);
    assert!(
        o.stdout.contains(message),
        "expected `{message}` in:\n{}",
        o.stdout
    );
    assert_eq!(o.report["status"], "failed");
    assert!(
        o.report["next_steps"].to_string().contains(message),
        "{:#}",
        o.report["next_steps"]
    );
}

#[test]
fn claude_not_logged_in() {
    let sandbox = Sandbox::new();
    let args = sandbox.path().join("claude-args");
    let bin = stand_in(
        &sandbox,
        "claude",
        &format!(
            "if [ \"$1\" = --version ]; then echo '2.1.330 (Claude Code)'; exit 0; fi\n\
             echo \"$@\" >> '{}'; cat > /dev/null; cat '{}'",
            args.display(),
            fixture("claude-2.1.330-stream-json-not-logged-in.jsonl").display()
        ),
    );
    let o = run_with(
        &sandbox,
        "claude",
        &bin,
        &json!({"budget-usd": 3, "step-budget-usd": 2}),
    );
    assert_unavailable(
        &o,
        "Claude Code is not logged in: run `claude` once to log in, or set ANTHROPIC_API_KEY",
    );
    // Which Claude Code ran is in the report; the step's budget went to its own flag.
    assert_eq!(o.report["agent"]["version"], "claude 2.1.330 (Claude Code)");
    assert_eq!(o.report["agent"]["budget_usd"], 3.0);
    let given = std::fs::read_to_string(&args).unwrap();
    assert!(given.contains("--max-budget-usd 2.00"), "{given}");
    // The session id from `init` is kept even though the step failed.
    assert_eq!(
        o.report["agent"]["sessions"],
        json!(["4ee26e0c-f3a6-4447-8fbd-6352f6905bfb"])
    );
}

#[test]
fn claude_cannot_reach_the_api_after_its_retries() {
    let sandbox = Sandbox::new();
    let bin = stand_in(
        &sandbox,
        "claude",
        &format!(
            "cat > /dev/null; cat '{}'; exit 1",
            fixture("claude-2.1.330-stream-json-unreachable-api-retries.jsonl").display()
        ),
    );
    let o = run_with(&sandbox, "claude", &bin, &json!({}));
    assert_unavailable(
        &o,
        "Claude Code cannot reach the Anthropic API (API Error: Can't reach the API server",
    );
    assert!(
        o.stdout.contains("API retry 3/10 in 2.1 s"),
        "retries are shown readably:\n{}",
        o.stdout
    );
}

#[test]
fn claude_refuses_stream_json_without_verbose() {
    let sandbox = Sandbox::new();
    let bin = stand_in(
        &sandbox,
        "claude",
        &format!(
            "cat > /dev/null; cat '{}' >&2; exit 1",
            fixture("claude-2.1.330-stream-json-without-verbose.stderr.txt").display()
        ),
    );
    let o = run_with(&sandbox, "claude", &bin, &json!({}));
    assert_unavailable(
        &o,
        "Claude Code refused to start: exit 1: Error: When using --print, --output-format=stream-json requires --verbose",
    );
}

#[test]
fn claude_resume_of_an_unknown_session_falls_back_to_a_new_session() {
    let sandbox = Sandbox::new();
    // 1st call: a session that "finishes" without writing a reproduction (so fixloop asks for a
    // revision). 2nd call resumes it: the session is unknown. 3rd call (the fallback, a new
    // session): not logged in.
    let script = format!(
        r#"[ "$1" = --version ] && exit 1
cat > /dev/null
n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0.count"
case "$*" in
  *--resume*) cat '{resume}'; cat '{resume_err}' >&2; exit 1 ;;
esac
if [ $n -eq 1 ]; then
  echo '{{"type":"system","subtype":"init","session_id":"99999999-2222-4333-8444-555555555555","model":"m"}}'
  echo '{{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.01}}'
else
  cat '{not_logged_in}'
fi
"#,
        resume = fixture("claude-2.1.330-resume-unknown-session.jsonl").display(),
        resume_err = fixture("claude-2.1.330-resume-unknown-session.stderr.txt").display(),
        not_logged_in = fixture("claude-2.1.330-stream-json-not-logged-in.jsonl").display(),
    );
    let bin = stand_in(&sandbox, "claude", &script);
    let o = run_with(&sandbox, "claude", &bin, &json!({}));
    assert!(
        o.stdout
            .contains("Claude Code has no session 99999999-2222-4333-8444-555555555555 to resume"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("starting a new session"), "{}", o.stdout);
    assert_unavailable(&o, "Claude Code is not logged in");
}

#[test]
fn codex_that_keeps_reconnecting_is_ended_by_the_time_budget() {
    let sandbox = Sandbox::new();
    let bin = stand_in(
        &sandbox,
        "codex",
        &format!(
            "cat > /dev/null; cat '{}'; cat '{}' >&2; exec sleep 300",
            fixture("codex-0.169.0-exec-json-unreachable.jsonl").display(),
            fixture("codex-0.169.0-exec-json-unreachable.stderr.txt").display()
        ),
    );
    let o = run_with(&sandbox, "codex", &bin, &json!({"time-budget": 2}));
    assert_unavailable(
        &o,
        "Codex cannot reach the OpenAI API (Connection failed: error sending request): check the network",
    );
    assert!(
        o.stdout.contains("stopped after the time budget of 2 s"),
        "{}",
        o.stdout
    );
    assert!(o.took < Duration::from_secs(30), "took {:?}", o.took);
    assert_eq!(
        o.report["agent"]["sessions"],
        json!(["01a1ff2d-adce-7271-bc32-3736ec1c9352"])
    );
}

#[test]
fn a_missing_agent_cli_is_found_before_anything_is_written() {
    let sandbox = Sandbox::new();
    let empty = sandbox.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let repo = sandbox.python_project();
    sandbox.info(
        &repo,
        &json!({
            "prompt": "tests/test_calc.py fails: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add",
        }),
    );
    for agent in ["codex", "claude"] {
        // PATH keeps git, sh and python3 but no claude or codex (not installed system-wide).
        let output = sandbox
            .fixloop(&repo)
            .args(["run", "--headless", "--agent", agent])
            .env(
                "PATH",
                format!("{}:{}", empty.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(69), "{said}");
        let install = if agent == "codex" {
            "npm install -g @openai/codex"
        } else {
            "npm install -g @anthropic-ai/claude-code"
        };
        assert!(said.contains(install), "{said}");
        assert_eq!(
            said.matches("not installed").count(),
            1,
            "said once: {said}"
        );
        // The preflight stops the run before it writes a file or fetches a log.
        assert!(!repo.join("outputs").exists(), "{said}");
        assert!(!repo.join("reproduce-deterministic-failures").exists());
    }
}
