//! The triage corpus (`tests/triage_corpus/`): real runners — pytest, unittest, cargo test,
//! nextest, go test, node's runner, mocha, jest, vitest and `RSpec` — run here on small suites with
//! known failures, in their default and common reporter options. For every log, the failing tests
//! `fixloop logs --json` lists are compared with the runner's own machine-readable result, and
//! recall and precision are printed per runner. Targets: recall 1.0 and precision ≥ 0.95 for
//! every runner, ids written the way the runner names them, each marked error in the excerpt.
//!
//! A runner that is not installed is skipped and said; `FIXLOOP_REQUIRE_RUNNERS=1` (CI) makes
//! that a failure. `FIXLOOP_CORPUS_ONLY=jest,go` runs some runners only.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The job log GitHub shows for `command` and its output: each line stamped, the step's group
/// around the command, the closing error line.
fn github_log(command: &str, output: &str, exit_code: i64) -> String {
    let stamp = |i: usize| {
        format!(
            "2026-11-21T10:{:02}:{:02}.{:07}Z",
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000
        )
    };
    let mut log = format!(
        "{} ##[group]Run {command}\n{} {command}\n{} ##[endgroup]\n",
        stamp(0),
        stamp(1),
        stamp(2)
    );
    for (i, line) in output.lines().enumerate() {
        let _ = writeln!(log, "{} {line}", stamp(i + 3));
    }
    let _ = writeln!(
        log,
        "{} ##[error]Process completed with exit code {exit_code}.",
        stamp(3 + output.lines().count())
    );
    log
}

/// `fixloop logs --json` on `log`.
fn triage(path: &Path, log: &str) -> Value {
    std::fs::write(path, log).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["logs", &path.display().to_string(), "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fixloop logs {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn listed(triage: &Value) -> BTreeSet<String> {
    triage["failing_tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

#[derive(Default)]
struct Tally {
    cases: usize,
    truth: usize,
    found: usize,
    extra: usize,
    markers: usize,
    markers_shown: usize,
    /// Listed failing tests that come with an error message.
    with_message: usize,
    listed: usize,
    problems: Vec<String>,
}

impl Tally {
    fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.found as f64 / self.truth as f64
        }
    }

    fn precision(&self) -> f64 {
        let listed = self.found + self.extra;
        if listed == 0 {
            1.0
        } else {
            self.found as f64 / listed as f64
        }
    }
}

fn generate(out: &Path) -> BTreeMap<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/triage_corpus/generate.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg(out);
    if let Ok(only) = std::env::var("FIXLOOP_CORPUS_ONLY") {
        cmd.args(only.split(',').map(str::trim).filter(|s| !s.is_empty()));
    }
    let done = cmd.output().unwrap();
    assert!(
        done.status.success(),
        "the corpus generator failed:\n{}{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    let unavailable: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("unavailable.json")).unwrap())
            .unwrap();
    unavailable
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn cases(out: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for runner in std::fs::read_dir(out).unwrap() {
        let runner = runner.unwrap().path();
        if !runner.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&runner).unwrap() {
            let case = case.unwrap().path();
            if case.extension().is_some_and(|e| e == "json") {
                found.push(case);
            }
        }
    }
    found.sort();
    found
}

/// One case of the corpus: `fixloop logs --json` on its log (as GitHub shows it, and raw),
/// compared with the runner's own result.
fn measure(dir: &Path, case_path: &Path, tallies: &mut BTreeMap<String, Tally>) {
    let case: Value = serde_json::from_str(&std::fs::read_to_string(case_path).unwrap()).unwrap();
    let runner = case["runner"].as_str().unwrap().to_owned();
    let shape = case["shape"].as_str().unwrap();
    let output = std::fs::read_to_string(case_path.with_extension("log")).unwrap();
    let truth: BTreeSet<String> = case["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let command = case["command"].as_str().unwrap();
    let exit_code = case["exit_code"].as_i64().unwrap_or(1);
    let wrapped = triage(
        &dir.join("job.log"),
        &github_log(command, &output, exit_code),
    );
    let raw = triage(&dir.join("raw.log"), &output);
    let got = listed(&wrapped);
    let messages = wrapped["failing_tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["message"].as_str().unwrap_or_default().is_empty())
        .count();
    let tally = tallies.entry(runner.clone()).or_default();
    tally.cases += 1;
    tally.with_message += messages;
    tally.listed += got.len();
    tally.truth += truth.len();
    tally.found += got.intersection(&truth).count();
    tally.extra += got.difference(&truth).count();
    let missed: Vec<&String> = truth.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&truth).collect();
    if !missed.is_empty() || !extra.is_empty() {
        tally.problems.push(format!(
            "{runner} {shape} (`{command}`): missed {missed:?}, extra {extra:?}"
        ));
    }
    if listed(&raw) != got {
        tally.problems.push(format!(
            "{runner} {shape}: the log without GitHub's timestamps lists {:?}",
            listed(&raw)
        ));
    }
    let excerpt = wrapped["excerpt"].as_str().unwrap();
    for (id, marker) in case["markers"].as_object().unwrap() {
        let marker = marker.as_str().unwrap();
        tally.markers += 1;
        if excerpt.contains(marker) {
            tally.markers_shown += 1;
        } else {
            tally.problems.push(format!(
                "{runner} {shape}: the error of {id} ({marker:?}) is not in the excerpt"
            ));
        }
    }
}

#[test]
fn every_runner_s_failing_tests_are_named_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus");
    let unavailable = generate(&out);
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for case_path in cases(&out) {
        measure(dir.path(), &case_path, &mut tallies);
    }
    println!(
        "{:<10} {:>6} {:>7} {:>7} {:>7} {:>7} {:>10} {:>9}",
        "runner", "shapes", "failing", "listed", "recall", "precis.", "errors", "messages"
    );
    let mut failures = Vec::new();
    for (runner, t) in &tallies {
        println!(
            "{runner:<10} {:>6} {:>7} {:>7} {:>7.3} {:>7.3} {:>6}/{:<3} {:>5}/{:<3}",
            t.cases,
            t.truth,
            t.found + t.extra,
            t.recall(),
            t.precision(),
            t.markers_shown,
            t.markers,
            t.with_message,
            t.listed
        );
        // go's parallel subtests interleave their output by scheduling: under load one in a
        // few dozen can lose its message to a neighbour's block. Names stay exact regardless.
        if t.with_message * 100 < t.listed * 95 {
            failures.push(format!(
                "{runner}: {} of {} failing tests listed without their error message",
                t.listed - t.with_message,
                t.listed
            ));
        }
        if t.recall() < 1.0 || t.precision() < 0.95 || t.markers_shown < t.markers {
            failures.extend(t.problems.iter().cloned());
        }
    }
    for (runner, why) in &unavailable {
        println!("{runner:<10} skipped: {why}");
    }
    if std::env::var("FIXLOOP_REQUIRE_RUNNERS").as_deref() == Ok("1") {
        assert!(
            unavailable.is_empty(),
            "FIXLOOP_REQUIRE_RUNNERS=1, but runners are missing: {unavailable:?}"
        );
    }
    assert!(
        failures.is_empty(),
        "below target (recall 1.0, precision ≥ 0.95, every marked error shown, ≥ 95 % of tests with their message):\n{}",
        failures.join("\n")
    );
    let problems: Vec<&String> = tallies.values().flat_map(|t| &t.problems).collect();
    if !problems.is_empty() {
        println!("within target, but:\n{problems:#?}");
    }
    assert!(!tallies.is_empty(), "no runner ran: {unavailable:?}");
}
