//! Logs from real test runners run here (pytest, `cargo test`, node's test runner), wrapped the way
//! GitHub Actions prints a job log: the failing tests `fixloop logs` lists are exactly the ones the
//! runner itself reports (its `JUnit` XML, or cargo's own failure summary), and each appears in the
//! excerpt with its first error.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::write;

/// The job log GitHub shows for `command` and its output.
fn github_log(command: &str, output: &std::process::Output) -> String {
    let stamp = |i: usize| format!("2026-11-21T10:00:{:02}.{:07}Z", (i / 1000) % 60, i % 1000);
    let mut log = format!(
        "{} ##[group]Run {command}\n{} {command}\n{} ##[endgroup]\n",
        stamp(0),
        stamp(1),
        stamp(2)
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for (i, line) in text.lines().enumerate() {
        let _ = writeln!(log, "{} {line}", stamp(i + 3));
    }
    let _ = writeln!(
        log,
        "{} ##[error]Process completed with exit code {}.",
        stamp(99_999),
        output.status.code().unwrap_or(1)
    );
    log
}

fn triage(dir: &Path, log: &str) -> Value {
    let path = dir.join("job.log");
    std::fs::write(&path, log).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["logs", &path.display().to_string(), "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
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

/// (`classname`, `name`) of each failed or errored testcase in a `JUnit` XML report.
fn junit_failures(xml: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        tag.find(&key)
            .map(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for case in xml.split("<testcase").skip(1) {
        let head = &case[..case.find('>').unwrap()];
        let body = case.split("</testcase>").next().unwrap_or("");
        if body.contains("<failure") || body.contains("<error") {
            out.push((attr(head, "classname"), attr(head, "name")));
        }
    }
    out
}

#[test]
fn pytest() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("tests/test_calc.py"),
        "import pytest\n\n\ndef add(a, b):\n    return a - b\n\n\ndef test_add():\n    assert add(2, 3) == 5, 'boom-add'\n\n\ndef test_ok():\n    assert add(2, 0) == 2\n\n\nclass TestDivide:\n    def test_by_zero(self):\n        raise ZeroDivisionError('boom-divide')\n\n\n@pytest.mark.parametrize('n', [1, 2])\ndef test_param(n):\n    assert n == 1, f'boom-param-{n}'\n",
    );
    // The default report and the verbose one (its progress column), with the short summary
    // left out (`-rN`) where the verbose lines must name the tests alone.
    for options in ["", "-v", "-v -rN", "-v --tb=line", "-q"] {
        pytest_with(dir.path(), options);
    }
}

/// One pytest report shape: the tests `fixloop logs` lists are exactly `JUnit`'s failures.
fn pytest_with(dir: &Path, options: &str) {
    let cmd = format!("python3 -m pytest tests {options} --junitxml=junit.xml");
    let output = Command::new("sh")
        .args(["-c", &cmd])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "pytest must run and fail: {output:?}"
    );
    let t = triage(dir, &github_log(&cmd, &output));
    let junit = junit_failures(&std::fs::read_to_string(dir.join("junit.xml")).unwrap());
    let expected: BTreeSet<String> = junit
        .iter()
        .map(|(class, name)| {
            // classname `tests.test_calc.TestDivide` → `tests/test_calc.py::TestDivide::name`.
            let parts: Vec<&str> = class.split('.').collect();
            let module_end = parts.iter().position(|p| p.starts_with("test_")).unwrap();
            let mut id = format!("{}.py", parts[..=module_end].join("/"));
            for p in &parts[module_end + 1..] {
                let _ = write!(id, "::{p}");
            }
            format!("{id}::{name}")
        })
        .collect();
    assert_eq!(expected.len(), 3);
    assert_eq!(listed(&t), expected, "pytest {options}");
    let excerpt = t["excerpt"].as_str().unwrap();
    for marker in ["boom-add", "boom-divide", "boom-param-2"] {
        assert!(
            excerpt.contains(marker),
            "pytest {options}: {marker} missing from the excerpt:\n{excerpt}"
        );
    }
    assert!(excerpt.contains("Process completed with exit code 1"));
    assert_eq!(t["runner"], serde_json::json!(["pytest"]));
}

#[test]
fn cargo_test() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("Cargo.toml"),
        "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(
        &dir.path().join("src/lib.rs"),
        "pub fn add(a: i32, b: i32) -> i32 { a - b }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn adds() { assert_eq!(add(2, 3), 5, \"boom-adds\"); }\n    #[test]\n    fn zero() { assert_eq!(add(2, 0), 2); }\n    #[test]\n    fn indexes() { let v: Vec<i32> = Vec::new(); let _ = v[usize::try_from(add(1, 0)).unwrap()]; }\n}\n",
    );
    let cmd = "cargo test --color never";
    let output = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(101),
        "cargo test must run and fail: {output:?}"
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    // cargo's own report: the names under the last `failures:` heading.
    let summary = text.rsplit("failures:\n").next().unwrap();
    let expected: BTreeSet<String> = summary
        .lines()
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim().to_owned())
        .collect();
    assert_eq!(expected.len(), 2, "{text}");
    let t = triage(dir.path(), &github_log(cmd, &output));
    assert_eq!(listed(&t), expected);
    let excerpt = t["excerpt"].as_str().unwrap();
    assert!(excerpt.contains("boom-adds"), "{excerpt}");
    assert!(excerpt.contains("index out of bounds"), "{excerpt}");
    for f in t["failing_tests"].as_array().unwrap() {
        assert!(
            f["message"].as_str().unwrap().contains("panicked at"),
            "{f}"
        );
    }
}

#[test]
fn node_test_runner() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("calc.test.js"),
        "const test = require('node:test');\nconst assert = require('node:assert');\nconst add = (a, b) => a - b;\ntest('adds', () => { assert.strictEqual(add(2, 3), 5, 'boom-adds'); });\ntest('zero', () => { assert.strictEqual(add(2, 0), 2); });\ntest('throws', () => { throw new Error('boom-throws'); });\n",
    );
    let cmd = "node --test --test-reporter=tap --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=junit.xml calc.test.js";
    let output = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "node --test must run and fail: {output:?}"
    );
    let junit = junit_failures(&std::fs::read_to_string(dir.path().join("junit.xml")).unwrap());
    let expected: BTreeSet<String> = junit.into_iter().map(|(_, name)| name).collect();
    assert_eq!(expected.len(), 2);
    let t = triage(dir.path(), &github_log(cmd, &output));
    assert_eq!(listed(&t), expected);
    let excerpt = t["excerpt"].as_str().unwrap();
    assert!(
        excerpt.contains("boom-adds") && excerpt.contains("boom-throws"),
        "{excerpt}"
    );
    let messages: Vec<&str> = t["failing_tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["boom-adds", "boom-throws"]);
}
