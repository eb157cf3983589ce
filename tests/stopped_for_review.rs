//! Runs stopped for review (`--approve none`, before any agent ran), through the real binary:
//! the default name a prompt gives them is short, and `stats` counts them apart from runs that
//! could not reproduce and says that no cost was recorded (as text, JSON and in a terminal).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/pty.rs"]
mod pty;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use pty::Pty;
use serde_json::{Value, json};
use support::Sandbox;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `fixloop run --headless --approve none` on the sandbox's project, with `prompt` and no name:
/// stopped at the first checkpoint, before any agent ran.
fn stopped_for_review(sandbox: &Sandbox, repo: &Path, prompt: &str) -> Value {
    sandbox.info(
        repo,
        &json!({"prompt": prompt, "deterministic": true, "raw-logs": "ci.log"}),
    );
    let run = support::run(
        sandbox,
        repo,
        &[
            "--approve",
            "none",
            "--no-pr",
            "--agent",
            "command",
            "--agent-cmd",
            "true",
        ],
    );
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    let mut reports: Vec<PathBuf> = std::fs::read_dir(repo.join("outputs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    reports.sort();
    serde_json::from_str(&std::fs::read_to_string(reports.last().unwrap()).unwrap()).unwrap()
}

#[test]
fn a_prompt_gives_a_short_name_of_its_telling_words() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let report = stopped_for_review(
        &sandbox,
        &repo,
        "tests/test_parser.py::test_empty fails in CI since the tokenizer change",
    );
    assert_eq!(report["name"], "parser-empty-tokenizer-change");
    assert!(
        report["run_id"]
            .as_str()
            .unwrap()
            .ends_with("_parser-empty-tokenizer-change"),
        "{report}"
    );
    assert!(
        repo.join("reproduce-deterministic-failures/parser-empty-tokenizer-change")
            .is_dir()
    );
}

#[test]
fn stats_keep_runs_stopped_for_review_apart_and_say_when_no_cost_was_recorded() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    stopped_for_review(&sandbox, &repo, "add() subtracts");
    stopped_for_review(&sandbox, &repo, "add() subtracts again");
    let out = sandbox
        .fixloop(&repo)
        .arg("stats")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("\n     2  stopped for review\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("could not reproduce"), "{stdout}");
    assert!(stdout.contains("; no cost recorded"), "{stdout}");
    assert!(!stdout.contains("$0.00"), "{stdout}");
    let out = sandbox
        .fixloop(&repo)
        .args(["stats", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["failure_kinds"],
        json!([["stopped for review", 2]]),
        "{v}"
    );
    assert_eq!(v["runs_with_cost"], 0, "{v}");

    // In a terminal the same, drawn: the cost chart's box says why it is empty.
    let mut pty = Pty::spawn(&sandbox, &["stats"], &repo, &[]);
    pty.wait_screen("the stats", |s| s.contains("fixloop stats"));
    let screen = pty.screen();
    assert!(screen.contains("no cost recorded"), "{screen}");
    assert!(screen.contains("2  stopped for review"), "{screen}");
    assert_eq!(pty.exit_code(true), 0);
}
