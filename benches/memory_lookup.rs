//! `cargo bench --bench memory_lookup`: "seen before" over 10,000 past runs — what a run does at
//! its logs (read `outputs/memory.jsonl`, find the lines that mention the new failure's tests or
//! signature, parse those, match and word the matches) — beside parsing every record first, and
//! what a person would do instead: `grep -rl` for the failing test over the 10,000 report JSON
//! files, and `grep -F` over the memory file.
//! Median of 21 lookups; `FIXLOOP_BENCH_RUNS` changes the 10,000.
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

use std::io::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use fixloop::core::memory::{FlakyMeasure, Outcome, Record, RunRecord, Sighting, recall};
use fixloop::engine::memory::Memory;

const LOOKUPS: usize = 21;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Past run `n`: one of 2,000 tests (five runs each), a signature of one of 500 kinds, every
/// third fixed with a PR.
fn past_run(n: usize) -> RunRecord {
    RunRecord {
        run: format!(
            "2026-{:02}-{:02}T10-00-00_failure-{n}",
            1 + n % 12,
            1 + n % 28
        ),
        repo: "github.com/acme/widget".into(),
        at: format!(
            "2026-{:02}-{:02}T10:{:02}:{:02}Z",
            1 + n % 12,
            1 + n % 28,
            n % 60,
            n / 60 % 60
        ),
        tests: vec![
            format!(
                "tests/test_module_{}.py::test_case_{}",
                n % 2000 / 50,
                n % 2000
            ),
            format!("tests/test_other_{}.py::test_helper", n % 97),
        ],
        signature: format!(
            "AssertionError: expected N items, got N in handler_{}",
            n % 500
        ),
        deterministic: !n.is_multiple_of(4),
        outcome: if n.is_multiple_of(3) {
            Outcome::Fixed {
                commit: format!("{:x}{n:024x}", (n as u128 + 1) * 0x9e37_79b9_7f4a_7c15),
                branch: format!("fix/failure-{n}"),
                pr: Some(n as u64),
            }
        } else {
            Outcome::NotFixed {
                why: "could not reproduce: the reproduction passed 3 of 3 runs".into(),
            }
        },
    }
}

/// A memory of `runs` past runs (with a sighting and a stress measurement every tenth) in a
/// temporary workspace, and each run's report beside it: the workspace, the memory, how many
/// records it holds.
fn generate(runs: usize) -> (tempfile::TempDir, Memory, usize) {
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("outputs");
    std::fs::create_dir_all(&outputs).unwrap();
    let memory = Memory::of_workspace(dir.path());
    let mut lines = Vec::new();
    let mut records = runs;
    for n in 0..runs {
        let run = past_run(n);
        // Each run's report, as `fixloop run` leaves it, for grep to read.
        let report = serde_json::json!({
            "schema_version": 1, "run_id": run.run, "name": format!("failure-{n}"),
            "status": if n.is_multiple_of(3) { "success" } else { "failed" },
            "started_at": run.at, "failing_tests": run.tests,
            "message": "the run ended", "phases": [{"name": "logs", "status": "passed"}],
        });
        std::fs::write(
            outputs.join(format!("{}.json", run.run)),
            serde_json::to_vec_pretty(&report).unwrap(),
        )
        .unwrap();
        let mut record = serde_json::to_vec(&Record::Run(run)).unwrap();
        record.push(b'\n');
        lines.extend(record);
        if n.is_multiple_of(10) {
            for extra in [
                Record::Seen(Sighting {
                    repo: "github.com/acme/widget".into(),
                    at: format!("2026-12-{:02}T00:00:00Z", 1 + n % 28),
                    source: "logs".into(),
                    tests: vec![format!(
                        "tests/test_module_{}.py::test_case_{}",
                        n % 2000 / 50,
                        n % 2000
                    )],
                    signature: String::new(),
                }),
                Record::Flaky(FlakyMeasure {
                    repo: "github.com/acme/widget".into(),
                    at: "2026-06-01T00:00:00Z".into(),
                    test: format!(
                        "tests/test_module_{}.py::test_case_{}",
                        n % 2000 / 50,
                        n % 2000
                    ),
                    runs: 100,
                    failures: 7,
                }),
            ] {
                lines.extend(serde_json::to_vec(&extra).unwrap());
                lines.push(b'\n');
                records += 1;
            }
        }
    }
    std::fs::File::create(memory.path())
        .unwrap()
        .write_all(&lines)
        .unwrap();
    (dir, memory, records)
}

fn main() {
    let runs: usize = std::env::var("FIXLOOP_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (dir, memory, records) = generate(runs);
    let outputs = dir.path().join("outputs");
    let size = std::fs::metadata(memory.path()).unwrap().len();
    let test = "tests/test_module_7.py::test_case_377".to_owned();
    let signature = "AssertionError: expected N items, got N in handler_377";

    let mut found = Vec::new();
    let lookup: Vec<Duration> = (0..LOOKUPS)
        .map(|_| {
            let started = Instant::now();
            let all = memory.records_about(std::slice::from_ref(&test), signature);
            found = recall(
                &all,
                "github.com/acme/widget",
                "now",
                std::slice::from_ref(&test),
                signature,
            );
            started.elapsed()
        })
        .collect();
    assert!(!found.is_empty(), "the generated runs hold matches");
    let full: Vec<Duration> = (0..LOOKUPS)
        .map(|_| {
            let started = Instant::now();
            let all = memory.records();
            let same = recall(
                &all,
                "github.com/acme/widget",
                "now",
                std::slice::from_ref(&test),
                signature,
            );
            assert_eq!(same, found, "the byte search finds what a full read finds");
            started.elapsed()
        })
        .collect();

    let timed = |command: &mut Command| {
        median(
            (0..LOOKUPS)
                .map(|_| {
                    let started = Instant::now();
                    let out = command.output().unwrap();
                    assert!(out.status.success() || out.status.code() == Some(1));
                    started.elapsed()
                })
                .collect(),
        )
    };
    let grep_reports = timed(Command::new("grep").args(["-rlF", &test]).arg(&outputs));
    let grep_memory = timed(Command::new("grep").args(["-cF", &test]).arg(memory.path()));

    println!(
        "seen before over {runs} past runs ({} records, {:.1} MB memory file), median of {LOOKUPS}:",
        records,
        size as f64 / 1e6
    );
    println!(
        "  fixloop: read, find, parse, match, word{:>10}   ({} lines: the latest matches, worded)",
        ms(median(lookup)),
        found.len()
    );
    println!(
        "  the same, parsing every record first   {:>10}",
        ms(median(full))
    );
    println!(
        "  grep -rlF TEST outputs/ (the reports)  {:>10}   (names files; says nothing of fixes)",
        ms(grep_reports)
    );
    println!(
        "  grep -cF TEST outputs/memory.jsonl     {:>10}   (counts lines only)",
        ms(grep_memory)
    );
    println!("  first match: {}", found[0]);
}
