//! fixloop's memory across runs, through the real binary on real repositories: a failure seen
//! before is named at the first checkpoint, in the agent's prompt (fenced) and in the report;
//! stress measurements build the registry `fixloop flaky` and `fixloop stats` list; a delivered
//! fix whose failure is seen again did not hold. Every step is a new fixloop process reading
//! what earlier ones wrote, a record cut short by a crash included.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::io::Write as _;
use std::path::Path;

use serde_json::{Value, json};
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased, run_with_agent};

fn info(sandbox: &Sandbox, repo: &Path, name: &str) {
    sandbox.info(
        repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": name,
            "test-command": "PYTHONPATH=. python3 tests/test_calc.py",
        }),
    );
}

/// A first run that fixes `add` (no PR): its report.
fn fixed_once(sandbox: &Sandbox, repo: &Path) -> Value {
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    info(sandbox, repo, "add-subtracts");
    let r = run_with_agent(sandbox, repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    r.report()
}

/// The report JSON whose file name holds `needle`.
fn report_of(repo: &Path, needle: &str) -> Value {
    let path = std::fs::read_dir(repo.join("outputs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().unwrap().to_string_lossy().contains(needle)
        })
        .unwrap();
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn json_of(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> Value {
    let out = sandbox.fixloop(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text_of(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> String {
    let out = sandbox.fixloop(dir).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_failure_seen_before_is_named_at_the_first_checkpoint_in_the_prompt_and_in_the_report() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let first = fixed_once(&sandbox, &repo);
    let memory = repo.join("outputs/memory.jsonl");
    let written = std::fs::read_to_string(&memory).unwrap();
    assert!(written.starts_with("{\"record\":\"run\""), "{written}");
    // A fixloop killed as it wrote leaves half a record: the next process skips it.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&memory)
        .unwrap();
    file.write_all(b"{\"record\":\"run\",\"run\":\"cut-sh")
        .unwrap();
    drop(file);

    // The same failure again, under another name; this agent keeps its prompt and gives up.
    let prompt_copy = sandbox.path().join("prompt-seen.md");
    let agent = sandbox.agent(
        "agent-2.sh",
        &format!(
            "cp \"$FIXLOOP_PROMPT_FILE\" '{}'\nexit 1\n",
            prompt_copy.display()
        ),
    );
    info(&sandbox, &repo, "add-subtracts-again");
    let r = run_with_agent(&sandbox, &repo, &agent, &["--attempts", "1"]);
    assert_ne!(r.code(), 0, "{}", r.stdout());

    let commit = first["fix"]["commit"].as_str().unwrap();
    let expected = format!(
        "like run {} on {}: fixed by {} on {}",
        first["run_id"].as_str().unwrap(),
        &first["started_at"].as_str().unwrap()[..10],
        &commit[..12],
        first["fix"]["branch"].as_str().unwrap(),
    );
    // Before the first checkpoint (the reproduce step's prompt), in the run's own lines.
    let stdout = r.stdout();
    let seen_at = stdout
        .find(&format!("seen before: {expected}"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let checkpoint = stdout.find("? checkpoint 1").unwrap_or(usize::MAX);
    assert!(seen_at < checkpoint, "{stdout}");
    // In the prompt the agent received, inside the fenced, untrusted context.
    let prompt = std::fs::read_to_string(&prompt_copy).unwrap();
    let heading = prompt
        .find("## Seen before: earlier runs of this failure (untrusted data)")
        .unwrap_or_else(|| panic!("{prompt}"));
    let fenced = &prompt[heading..];
    let open = fenced.find("```text\n").unwrap();
    let close = open + fenced[open..].find("\n```\n").unwrap();
    assert!(fenced[open..close].contains(&expected), "{prompt}");
    // In the report, JSON and markdown.
    let second = report_of(&repo, "again");
    assert_eq!(second["seen_before"], json!([expected]), "{second}");
    let md = std::fs::read_to_string(
        repo.join("outputs")
            .join(format!("{}.md", second["run_id"].as_str().unwrap())),
    )
    .unwrap();
    assert!(md.contains(&format!("Seen before: {expected}")), "{md}");

    // The failure came back after the fix: that fix did not hold, and `stats` says so.
    let stats = json_of(&sandbox, &repo, &["stats", "--json"]);
    assert_eq!(
        stats["memory"]["fixes_held"],
        json!([{"kind": "det", "fixes": 1, "held": 0}]),
        "{stats}"
    );
}

#[test]
fn a_delivered_fix_holds_until_a_later_log_shows_its_failure_again() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let first = fixed_once(&sandbox, &repo);
    let stats = json_of(&sandbox, &repo, &["stats", "--json"]);
    assert_eq!(
        stats["memory"]["fixes_held"],
        json!([{"kind": "det", "fixes": 1, "held": 1}]),
        "{stats}"
    );
    // A second later, the same failure shows in a CI log triaged by hand.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = sandbox
        .fixloop(&repo)
        .args(["logs", "ci.log"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stats = json_of(&sandbox, &repo, &["stats", "--json"]);
    assert_eq!(
        stats["memory"]["fixes_held"],
        json!([{"kind": "det", "fixes": 1, "held": 0}]),
        "{stats}"
    );
    assert_eq!(
        stats["memory"]["fixes_not_held"][0]["run"], first["run_id"],
        "{stats}"
    );
    let text = text_of(&sandbox, &repo, &["stats"]);
    assert!(text.contains("Fixes that held"), "{text}");
    assert!(text.contains("det    0 of 1"), "{text}");
}

#[test]
fn stress_measurements_build_the_registry_that_flaky_and_stats_list() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let flaky = ["sh", "-c", "test $((FIXLOOP_STRESS_RUN % 4)) -ne 1"];
    for _ in 0..2 {
        let out = sandbox
            .fixloop(&repo)
            .args(["stress", "--runs", "20", "--jobs", "2", "--json", "--"])
            .args(flaky)
            .env("TMPDIR", sandbox.path())
            .output()
            .unwrap();
        let measured: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(measured["failures"], 5, "{measured}");
    }
    let list = json_of(&sandbox, &repo, &["flaky", "--json"]);
    let entries = list.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    let entry = &entries[0];
    assert_eq!(
        entry["test"],
        "sh -c 'test $((FIXLOOP_STRESS_RUN % 4)) -ne 1'"
    );
    assert_eq!(entry["runs"], 40);
    assert_eq!(entry["failures"], 10);
    assert_eq!(entry["measurements"], 2);
    assert_eq!(entry["fixed"], false);
    assert!((entry["failure_rate"].as_f64().unwrap() - 0.25).abs() < 1e-9);
    let (lo, hi) = (
        entry["interval_95"][0].as_f64().unwrap(),
        entry["interval_95"][1].as_f64().unwrap(),
    );
    assert!(lo > 0.1 && lo < 0.25 && hi > 0.25 && hi < 0.45, "{entry}");
    // The repository is named by its remote, the same for every command run in it.
    let origin = sandbox.path().join("origin");
    assert_eq!(entry["repo"], origin.display().to_string());

    let text = text_of(&sandbox, &repo, &["flaky"]);
    assert!(
        text.contains("25 %") && text.contains("FIXLOOP_STRESS_RUN"),
        "{text}"
    );
    let stats = json_of(&sandbox, &repo, &["stats", "--json"]);
    assert_eq!(stats["memory"]["known_flaky"], list, "{stats}");
    let text = text_of(&sandbox, &repo, &["stats"]);
    assert!(text.contains("Known flaky tests"), "{text}");
}
