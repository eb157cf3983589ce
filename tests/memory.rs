//! fixloop's memory across runs, through the real binary on real repositories: a failure seen
//! before is named at the first checkpoint, in the agent's prompt (fenced) and in the report;
//! stress measurements build the registry `fixloop flaky` and `fixloop stats` list; a delivered
//! fix whose failure is seen again did not hold. Every step is a new fixloop process reading
//! what earlier ones wrote, a record cut short by a crash included. The watcher re-runs a failure
//! of a known flaky test before any AI, and records it as seen.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/watch.rs"]
mod world;

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
    // Later (the run took seconds after it started), the same failure shows in a CI log
    // triaged by hand.
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

#[test]
fn a_test_measured_flaky_before_is_reproduced_from_its_known_rate() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    // The test fails one run in four (by the stress run's index).
    support::write(
        &repo.join("flaky.sh"),
        "test $((FIXLOOP_STRESS_RUN % 4)) -ne 1\n",
    );
    support::write(
        &repo.join("ci-flaky.log"),
        "============================= test session starts ==============================\n\
         collected 3 items\n\n\
         tests/test_flaky.py ..F                                                  [100%]\n\n\
         =================================== FAILURES ===================================\n\
         ________________________________ test_sometimes ________________________________\n\n\
         \x20   def test_sometimes():\n\
         >       assert count() == 2\n\
         E       assert 1 == 2\n\n\
         tests/test_flaky.py:7: AssertionError\n\
         =========================== short test summary info ============================\n\
         FAILED tests/test_flaky.py::test_sometimes - assert 1 == 2\n\
         ========================= 1 failed, 2 passed in 0.12s ==========================\n",
    );
    let out = sandbox
        .fixloop(&repo)
        .args(["stress", "--runs", "40", "--jobs", "2", "--json", "--"])
        .args(["sh", "flaky.sh", "tests/test_flaky.py::test_sometimes"])
        .env("TMPDIR", sandbox.path())
        .output()
        .unwrap();
    let measured: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(measured["failures"], 10, "{measured}");

    // Now CI names that test failing; the agent's reproduction never fails. Without a known
    // rate fixloop would plan 1000 runs; from 10 failures in 40 it plans a few dozen.
    sandbox.info(
        &repo,
        &json!({
            "prompt": "test_sometimes fails now and then in CI.",
            "deterministic": false,
            "raw-logs": "ci-flaky.log",
            "name": "sometimes",
        }),
    );
    let agent = sandbox.agent(
        "agent.sh",
        r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
echo 'exit 0' > "$FIXLOOP_FAILURE_DIR/tests/repro_sometimes.sh"
cat > "$FIXLOOP_FAILURE_DIR/repro.json" <<'JSON'
{"command": "sh tests/repro_sometimes.sh",
 "files": [{"source": "tests/repro_sometimes.sh", "dest": "tests/repro_sometimes.sh"}]}
JSON
"#,
    );
    let r = run_with_agent(&sandbox, &repo, &agent, &["--attempts", "1"]);
    assert_ne!(r.code(), 0, "{}", r.stdout());
    let known = "known flaky: `sh flaky.sh tests/test_flaky.py::test_sometimes` failed 10 of 40 \
                 runs (25 %";
    assert!(r.stdout().contains(known), "{}", r.stdout());
    let report = r.report();
    assert!(
        report["seen_before"][0]
            .as_str()
            .unwrap()
            .starts_with(known),
        "{report}"
    );
    let runs = report["reproduction"]["runs"].as_u64().unwrap();
    assert!((10..100).contains(&runs), "{}", report["reproduction"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watcher_reruns_a_known_flaky_tests_failure_before_any_ai_and_records_it() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};

    let sandbox = Sandbox::new();
    let (_repo, head) = world::rust_project(&sandbox);
    // What an earlier stress measurement left in the watcher's memory (beside its state).
    let memory = sandbox.path().join("state/watch/outputs/memory.jsonl");
    support::write(
        &memory,
        &format!(
            "{}\n",
            json!({"record": "flaky", "repo": format!("github.com/{}", world::REPO),
                   "at": "2026-11-01T00:00:00Z", "test": "tests::sums_in_parallel",
                   "runs": 50, "failures": 10})
        ),
    );
    let log = "2026-12-01T10:00:00.0000000Z ##[group]Run cargo test\n\
               running 2 tests\n\
               test tests::adds ... ok\n\
               test tests::sums_in_parallel ... FAILED\n\n\
               failures:\n\n\
               ---- tests::sums_in_parallel stdout ----\n\
               thread 'tests::sums_in_parallel' panicked at src/lib.rs:9:5:\n\
               assertion `left == right` failed\n\n\
               failures:\n    tests::sums_in_parallel\n\n\
               test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured\n\
               ##[error]Process completed with exit code 101.\n";
    let server = world::stand_in(
        &[world::run(931, &head, "ada", "Sum in parallel")],
        &head,
        "Run tests",
        log,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/repos/{}/actions/runs/931/rerun-failed-jobs",
            world::REPO
        )))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let text = world::ok(&world::watch_once(&sandbox, &server));
    assert!(text.contains("re-ran the failed jobs once"), "{text}");
    server.verify().await;
    assert!(
        !sandbox.path().join("agent-called").exists(),
        "no AI: {text}"
    );
    let written = std::fs::read_to_string(&memory).unwrap();
    let seen: Value = serde_json::from_str(written.lines().last().unwrap()).unwrap();
    assert_eq!(seen["record"], "seen", "{written}");
    assert_eq!(seen["source"], "watch");
    assert_eq!(seen["tests"], json!(["tests::sums_in_parallel"]));
}
