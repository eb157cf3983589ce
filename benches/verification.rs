//! What the defences beyond the test runner cost a deterministic run: whole headless runs of the
//! real binary on a real repository with a scripted agent, three ways — the reproduction alone
//! (no check, `--no-post-fix-tests`), with the check outside the test runner, and with the tests
//! written after the fix too (the default). Prints the median of the whole run and of its verify
//! phase, in seconds, for a Python project (interpreter start-up) and a Rust crate (builds).
//!
//! `cargo bench --bench verification` (`FIXLOOP_BENCH_RUNS` runs per row, default 5).
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark: a panic is a failed measurement, and it prints its table"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use serde_json::json;
use support::{Sandbox, write};

const PY_REPRODUCE: &str = r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests" "$FIXLOOP_FAILURE_DIR/check"
printf 'import calc\nresult = calc.add(2, 3)\nassert result == 5, f"add(2, 3) returned {result}"\n' > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py"
printf 'import pathlib, sys\nsys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))\nimport calc\nr = calc.add(2, 3)\nif r != 5:\n    print(f"add(2, 3) returned {r}")\n    sys.exit(1)\n' > "$FIXLOOP_FAILURE_DIR/check/check_add.py"
"#;
const PY_FIX: &str = r#"sed -i 's/a - b/a + b/' "$FIXLOOP_WORKDIR/calc.py""#;
const PY_TESTS: &str = r#"
printf 'import calc\nfor a, b in [(7, 11), (-4, 9)]:\n    assert calc.add(a, b) == a + b\n' > "$FIXLOOP_FAILURE_DIR/test_more.py"
echo '{"command": "PYTHONPATH=. python3 tests/after/test_more.py", "files": [{"source": "test_more.py", "dest": "tests/after/test_more.py"}]}' > "$FIXLOOP_FAILURE_DIR/tests.json"
"#;

const RS_REPRODUCE: &str = r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests" "$FIXLOOP_FAILURE_DIR/check"
printf '#[test]\nfn adds() {\n    let r = calc::add(2, 3);\n    assert!(r == 5, "add(2, 3) returned {r}");\n}\n' > "$FIXLOOP_FAILURE_DIR/tests/repro_add.rs"
printf 'fn main() {\n    let r = calc::add(2, 3);\n    if r != 5 {\n        eprintln!("add(2, 3) returned {r}");\n        std::process::exit(1);\n    }\n}\n' > "$FIXLOOP_FAILURE_DIR/check/fixloop_check.rs"
"#;
const RS_FIX: &str = r#"sed -i 's/a - b/a + b/' "$FIXLOOP_WORKDIR/src/lib.rs""#;
const RS_TESTS: &str = r#"
printf '#[test]\nfn adds_more() {\n    assert_eq!(calc::add(7, 11), 18);\n}\n' > "$FIXLOOP_FAILURE_DIR/after.rs"
echo '{"command": "cargo test --quiet --test after", "files": [{"source": "after.rs", "dest": "tests/after.rs"}]}' > "$FIXLOOP_FAILURE_DIR/tests.json"
"#;

/// One project kind: how to make it, and its agent's three parts.
struct Kind {
    name: &'static str,
    make: fn(&Sandbox) -> std::path::PathBuf,
    suite: &'static str,
    /// Writes the reproduction's test and check files (the manifest comes from `manifest`).
    reproduce: &'static str,
    /// `repro.json`, with or without the check.
    manifest: fn(bool) -> serde_json::Value,
    fix: &'static str,
    tests: &'static str,
}

/// The rows: a label, whether the reproduction names a check, whether tests are written after.
const ROWS: [(&str, bool, bool); 3] = [
    ("reproduction only", false, false),
    ("+ check outside the runner", true, false),
    ("+ tests written after the fix", true, true),
];

fn main() {
    let runs: usize = std::env::var("FIXLOOP_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let kinds = [
        Kind {
            name: "python",
            make: Sandbox::python_project,
            suite: "PYTHONPATH=. python3 tests/test_calc.py",
            reproduce: PY_REPRODUCE,
            manifest: |check| {
                let mut m = json!({
                    "command": "PYTHONPATH=. python3 tests/repro_add.py",
                    "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}],
                    "signature": r"add\(2, 3\) returned -1",
                });
                if check {
                    m["check"] = json!({
                        "command": "python3 -I fixloop_check/check_add.py",
                        "files": [{"source": "check/check_add.py", "dest": "fixloop_check/check_add.py"}],
                    });
                }
                m
            },
            fix: PY_FIX,
            tests: PY_TESTS,
        },
        Kind {
            name: "rust",
            make: rust_project,
            suite: "cargo test --quiet",
            reproduce: RS_REPRODUCE,
            manifest: |check| {
                let mut m = json!({
                    "command": "cargo test --quiet --test repro_add",
                    "files": [{"source": "tests/repro_add.rs", "dest": "tests/repro_add.rs"}],
                    "signature": r"add\(2, 3\) returned -1",
                });
                if check {
                    m["check"] = json!({
                        "command": "cargo run --release --quiet --example fixloop_check",
                        "files": [{"source": "check/fixloop_check.rs", "dest": "examples/fixloop_check.rs"}],
                    });
                }
                m
            },
            fix: RS_FIX,
            tests: RS_TESTS,
        },
    ];
    println!("median of {runs} headless runs, seconds\n");
    println!("| project | defences | whole run | verify phase | vs. reproduction only |");
    println!("|---|---|---|---|---|");
    for kind in &kinds {
        let mut first = None;
        for (label, check, after) in ROWS {
            let mut whole = Vec::new();
            let mut verify = Vec::new();
            for _ in 0..runs {
                let (w, v) = one_run(kind, check, after);
                whole.push(w);
                verify.push(v);
            }
            let (w, v) = (median(&mut whole), median(&mut verify));
            let base = *first.get_or_insert(w);
            println!(
                "| {} | {label} | {w:.2} | {v:.2} | {:+.2} s ({:+.0} %) |",
                kind.name,
                w - base,
                (w - base) / base * 100.0
            );
        }
    }
}

/// One run: (whole run, verify phase) in seconds.
fn one_run(kind: &Kind, check: bool, after: bool) -> (f64, f64) {
    let sandbox = Sandbox::new();
    let repo = (kind.make)(&sandbox);
    sandbox.info(
        &repo,
        &json!({
            "prompt": "add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add",
            "test-command": kind.suite,
        }),
    );
    let agent = sandbox.agent(
        "agent.sh",
        &format!(
            "case \"$FIXLOOP_PHASE\" in\n reproduce)\n{}\ncat > \"$FIXLOOP_FAILURE_DIR/repro.json\" <<'JSON'\n{}\nJSON\n ;;\n fix)\n{}\n ;;\n check)\n{}\n ;;\nesac\n",
            kind.reproduce,
            (kind.manifest)(check),
            kind.fix,
            kind.tests
        ),
    );
    let agent = agent.display().to_string();
    let mut args = vec![
        "run",
        "--headless",
        "--no-pr",
        "--agent",
        "command",
        "--agent-cmd",
        agent.as_str(),
    ];
    if !after {
        args.push("--no-post-fix-tests");
    }
    let started = Instant::now();
    let out = sandbox.fixloop(&repo).args(&args).output().unwrap();
    let whole = started.elapsed().as_secs_f64();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = support::Run {
        output: out,
        workspace: repo,
    };
    let report = run.report();
    let verify = report["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "verify")
        .and_then(|p| p["duration_ms"].as_f64())
        .unwrap_or_default();
    (whole, verify / 1000.0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A crate whose `add` subtracts on `main`, with a local remote and a CI log.
fn rust_project(sandbox: &Sandbox) -> std::path::PathBuf {
    let repo = sandbox.path().join("project");
    sandbox.git(sandbox.path(), &["init", "--quiet", "--bare", "origin.git"]);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    sandbox.git(&repo, &["init", "--quiet"]);
    write(
        &repo.join("Cargo.toml"),
        "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(&repo.join(".gitignore"), "target/\n");
    write(
        &repo.join("src/lib.rs"),
        "pub fn add(a: i64, b: i64) -> i64 {\n    a - b\n}\n",
    );
    write(
        &repo.join("ci.log"),
        "test adds ... FAILED\nadd(2, 3) returned -1\n",
    );
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "--quiet", "-m", "calc"]);
    let origin = sandbox.path().join("origin.git");
    sandbox.git(
        &repo,
        &["remote", "add", "origin", &origin.display().to_string()],
    );
    sandbox.git(&repo, &["push", "--quiet", "origin", "main"]);
    repo
}
