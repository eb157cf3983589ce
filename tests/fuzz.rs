//! Fuzzing (proptest) of everything fixloop reads that someone else wrote: info.json,
//! repro.json, run URLs, CI logs (normalisation, triage, terminal sanitising) and the agents'
//! stream-json lines. Inputs are random text, random JSON shaped like the real thing, and random
//! edits of valid files. Nothing may panic; every rejected info.json or repro.json names a place
//! (line:column or field), and a sample of them is fed to the binary, which must exit 65 with it.
//!
//! `cargo test` runs each target for 2 seconds. The long run (10 minutes each):
//! `FIXLOOP_FUZZ_SECS=600 cargo test --release --test fuzz -- --test-threads 1 --nocapture`
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fixloop::core::agent_stream::{claude_line, codex_line};
use fixloop::core::excerpt::{Triage, normalise};
use fixloop::core::info::Info;
use fixloop::core::repro::Manifest;
use fixloop::core::runurl::RunUrl;
use fixloop::core::sanitize::for_terminal;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

fn budget() -> Duration {
    let secs = std::env::var("FIXLOOP_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    Duration::from_secs(secs)
}

/// Runs `check` on inputs from `strategy` until the time budget is spent (shrinking any failure
/// to a small input).
fn fuzz<S: Strategy>(name: &str, strategy: &S, check: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let started = Instant::now();
    let mut inputs = 0;
    while inputs == 0 || started.elapsed() < budget() {
        // A new runner each round: a fresh random seed, and it runs its cases again.
        TestRunner::new(config.clone())
            .run(strategy, |value| {
                check(value);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        inputs += 256;
    }
    println!(
        "{name}: {inputs} inputs in {:.0} s, no panic",
        started.elapsed().as_secs_f64()
    );
}

/// Random edits of a valid text: deletions, insertions of JSON-ish tokens, replacements.
fn mutated(seeds: &'static [&'static str]) -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("\"".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("null".to_owned()),
        Just("1e999".to_owned()),
        Just("-".to_owned()),
        Just("\\u0000".to_owned()),
        Just("\\ud800".to_owned()),
        Just("\n".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\"prompt\"".to_owned()),
        Just("\"files\"".to_owned()),
        ".{0,8}",
    ];
    (
        prop::sample::select(seeds),
        vec((any::<prop::sample::Index>(), 0u8..3, token), 0..10),
    )
        .prop_map(|(seed, edits)| {
            let mut chars: Vec<char> = seed.chars().collect();
            for (at, kind, token) in edits {
                let i = at.index(chars.len() + 1);
                match kind {
                    0 if i < chars.len() => {
                        chars.remove(i);
                    }
                    1 => {
                        for (k, c) in token.chars().enumerate() {
                            chars.insert(i + k, c);
                        }
                    }
                    _ if i < chars.len() => {
                        chars[i] = token.chars().next().unwrap_or('x');
                    }
                    _ => {}
                }
            }
            chars.into_iter().collect()
        })
}

/// JSON whose keys are mostly the real ones and whose values are anything.
fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        ".{0,30}".prop_map(Value::String),
        prop::sample::select(keys).prop_map(|k| Value::String(k.to_owned())),
    ];
    let key = prop_oneof![
        4 => prop::sample::select(keys).prop_map(str::to_owned),
        1 => ".{0,12}",
    ];
    leaf.prop_recursive(3, 48, 8, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key.clone(), inner), 0..10).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn text_of(json: impl Strategy<Value = Value>) -> impl Strategy<Value = String> {
    (json, any::<bool>()).prop_map(|(v, pretty)| {
        if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            v.to_string()
        }
    })
}

const INFO_KEYS: &[&str] = &[
    "prompt",
    "deterministic",
    "url",
    "raw-logs",
    "existing-test-path",
    "name",
    "repo",
    "base-branch",
    "test-command",
    "agent",
    "agent-cmd",
    "iterations",
    "parallel",
    "time-budget",
    "draft",
    "labels",
    "keep-test-in-pr",
    "claude",
    "command",
    "https://github.com/acme/app/actions/runs/42",
];

const INFO_SEEDS: &[&str] = &[
    r#"{"prompt": "tests fail", "deterministic": true, "raw-logs": "ci.log"}"#,
    r#"{
  "prompt": "test_timeout is flaky on CI",
  "deterministic": false,
  "url": "https://github.com/acme/app/actions/runs/42/job/7",
  "name": "timeout",
  "iterations": 200,
  "parallel": 4,
  "labels": ["ci-fix"],
  "agent": "command",
  "agent-cmd": "./agent.sh"
}"#,
    r#"{"prompt": "x", "deterministic": true, "existing-test-path": "reproduce-deterministic-failures/x"}"#,
];

const REPRO_KEYS: &[&str] = &[
    "command",
    "files",
    "source",
    "dest",
    "signature",
    "timeout",
    "runs",
    "jobs",
    "tests/t.py",
    "../x",
    "/etc/passwd",
    "(",
    "[a-",
];

const REPRO_SEEDS: &[&str] = &[
    r#"{"command": "python -m pytest tests/repro/test_t.py -x -q",
  "files": [{"source": "tests/test_t.py", "dest": "tests/repro/test_t.py"}],
  "signature": "TimeoutError"}"#,
    r#"{"command": "cargo test --test repro", "files": [], "runs": 500, "jobs": 4, "timeout": 30}"#,
];

/// How many rejected files of each kind went through the binary.
static THROUGH_BINARY: AtomicUsize = AtomicUsize::new(0);

/// A rejected file must also make the binary exit 65, naming the same place.
fn through_binary(file_name: &str, text: &str, expected: &str) {
    if !THROUGH_BINARY
        .fetch_add(1, Ordering::Relaxed)
        .is_multiple_of(97)
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let info = dir.path().join("info.json");
    if file_name == "info.json" {
        std::fs::write(&info, text).unwrap();
    } else {
        let folder = dir.path().join("case");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("repro.json"), text).unwrap();
        std::fs::write(
            &info,
            r#"{"prompt": "p", "deterministic": true, "existing-test-path": "case"}"#,
        )
        .unwrap();
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .output()
            .unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["validate", "--info"])
        .arg(&info)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{text:?}\n{stderr}");
    let expected = fixloop::core::sanitize::message_for_terminal(expected);
    assert!(
        stderr.contains(&*expected),
        "{text:?}\n{stderr}\nwanted {expected}"
    );
}

fn located(e: &fixloop::core::input::InputError) -> String {
    match (e.at, &e.field) {
        (Some((line, column)), _) => format!(":{line}:{column}"),
        (None, Some(field)) => format!("field `{field}`"),
        (None, None) => panic!("no place in the error: {e}"),
    }
}

#[test]
fn info_json() {
    let strategy = prop_oneof![
        ".{0,200}",
        mutated(INFO_SEEDS),
        text_of(json_value(INFO_KEYS)),
    ];
    fuzz("info.json", &strategy, |text| {
        if let Err(e) = Info::parse("info.json", &text) {
            let place = located(&e);
            through_binary("info.json", &text, &place);
        }
    });
}

#[test]
fn repro_json() {
    let strategy = prop_oneof![
        ".{0,200}",
        mutated(REPRO_SEEDS),
        text_of(json_value(REPRO_KEYS)),
    ];
    fuzz("repro.json", &strategy, |text| {
        if let Err(e) = Manifest::parse("repro.json", &text) {
            let place = located(&e);
            through_binary("repro.json", &text, &place);
        }
    });
}

#[test]
fn run_urls() {
    let part = prop_oneof![
        Just("actions".to_owned()),
        Just("runs".to_owned()),
        Just("job".to_owned()),
        Just("jobs".to_owned()),
        Just("attempts".to_owned()),
        Just("acme".to_owned()),
        Just("app".to_owned()),
        Just(String::new()),
        "[0-9]{1,22}",
        "[^/]{0,10}",
    ];
    let host = prop_oneof![
        Just("github.com".to_owned()),
        Just("ghe.example.com".to_owned()),
        Just("api.github.com".to_owned()),
        "[a-z.:0-9@]{0,20}",
    ];
    let scheme = prop_oneof![
        Just("https://"),
        Just("http://"),
        Just(""),
        Just("file://"),
        Just("https:///"),
    ];
    let structured = (scheme, host, vec(part, 0..9), ".{0,6}")
        .prop_map(|(s, h, parts, tail)| format!("{s}{h}/{}{tail}", parts.join("/")));
    let strategy = prop_oneof![".{0,120}", structured];
    fuzz("run URL", &strategy, |url| {
        if let Ok(run) = RunUrl::parse(&url) {
            assert!(
                !run.owner.is_empty() && !run.repo.is_empty(),
                "{url:?}: {run:?}"
            );
        }
    });
}

const RUNNER_LINES: &[&str] = &[
    "##[group]Run pytest",
    "##[error]Process completed with exit code 1.",
    "FAILED tests/test_a.py::test_b - AssertionError: x",
    "E       assert 1 == 2",
    "test tests::it_works ... FAILED",
    "thread 'tests::it_works' panicked at src/lib.rs:1:5:",
    "--- FAIL: TestThing (0.00s)",
    "  ● Suite › test name",
    "not ok 1 - test",
    "  1) Suite",
    "[ERROR] Tests run: 1, Failures: 1",
    "Failures:",
    "    Failed Tests.Thing [1 ms]",
    "error[E0308]: mismatched types",
    "Traceback (most recent call last):",
];

#[test]
fn log_normalisation_and_triage() {
    let line = prop_oneof![
        ".{0,120}",
        vec(any::<u8>(), 0..80).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        (
            prop_oneof![
                Just("2026-11-21T10:00:01.1234567Z "),
                Just(""),
                Just("\u{1b}[31m"),
                Just("\u{1b}]52;c;aGk=\u{7}"),
                Just("\r"),
            ],
            prop_oneof![
                prop::sample::select(RUNNER_LINES).prop_map(str::to_owned),
                ".{0,40}",
            ],
            ".{0,20}",
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ];
    let strategy = (vec(line, 0..120), 0usize..20_000, vec(1usize..64, 1..8));
    fuzz("log triage", &strategy, |(lines, budget, cuts)| {
        let text = lines.join("\n");
        for line in &lines {
            let normal = normalise(line);
            assert!(!normal.contains('\u{1b}'), "{line:?} → {normal:?}");
            let shown = for_terminal(line);
            // Only colour settings survive: ESC [ digits/; m.
            for (i, _) in shown.match_indices('\u{1b}') {
                let rest = &shown[i + 1..];
                let end = rest
                    .find('m')
                    .unwrap_or_else(|| panic!("{line:?} → {shown:?}"));
                assert!(
                    rest.starts_with('[')
                        && rest[1..end].chars().all(|c| c.is_ascii_digit() || c == ';'),
                    "{line:?} → {shown:?}"
                );
            }
        }
        // Fed in uneven chunks, as a download arrives.
        let mut triage = Triage::new(budget);
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut k = 0;
        while at < bytes.len() {
            let end = (at + cuts[k % cuts.len()] * 37).min(bytes.len());
            triage.feed_bytes(&bytes[at..end]);
            at = end;
            k += 1;
        }
        let outcome = triage.finish();
        // Every byte and every line is seen.
        assert_eq!(outcome.bytes, bytes.len() as u64);
        assert_eq!(
            outcome.lines,
            text.split('\n').count() as u64 - u64::from(text.ends_with('\n') || text.is_empty())
        );
        for test in &outcome.failing_tests {
            assert!(!test.id.is_empty());
        }
    });
}

#[test]
fn agent_stream_lines() {
    const KEYS: &[&str] = &[
        "type",
        "subtype",
        "session_id",
        "model",
        "message",
        "content",
        "text",
        "name",
        "input",
        "command",
        "file_path",
        "is_error",
        "result",
        "total_cost_usd",
        "num_turns",
        "error",
        "item",
        "thread_id",
        "usage",
        "system",
        "assistant",
        "user",
        "tool_use",
        "tool_result",
        "init",
        "api_retry",
        "thread.started",
        "item.completed",
        "turn.completed",
        "turn.failed",
        "agent_message",
        "command_execution",
    ];
    let strategy = prop_oneof![".{0,200}", text_of(json_value(KEYS))];
    fuzz("stream-json", &strategy, |line| {
        let _ = claude_line(&line);
        let _ = codex_line(&line);
    });
}
