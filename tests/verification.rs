//! Verification the fixer cannot anticipate: the committed tree in a fresh checkout, a check
//! outside the test runner, tests written after the fix by a session that never saw it, and a
//! revert check that must fail the way CI did — each refusal naming its defence. Whole headless
//! runs with scripted agents on real repositories.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, run_with_agent, write};

/// The reproduction of `add`, with a plain program that checks the same outside any runner.
const REPRODUCE_WITH_CHECK: &str = r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests" "$FIXLOOP_FAILURE_DIR/check"
cat > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py" <<'PY'
import calc
result = calc.add(2, 3)
assert result == 5, f"add(2, 3) returned {result}"
PY
cat > "$FIXLOOP_FAILURE_DIR/check/check_add.py" <<'PY'
import pathlib
import sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import calc
result = calc.add(2, 3)
if result != 5:
    print(f"add(2, 3) returned {result}")
    sys.exit(1)
PY
cat > "$FIXLOOP_FAILURE_DIR/repro.json" <<'JSON'
{"command": "PYTHONPATH=. python3 tests/repro_add.py",
 "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}],
 "signature": "add\\(2, 3\\) returned -1",
 "check": {"command": "python3 -I fixloop_check/check_add.py",
           "files": [{"source": "check/check_add.py", "dest": "fixloop_check/check_add.py"}]}}
JSON
"#;

/// The session after the fix: tests of `add` with inputs of its own, and a note of what it saw.
const WRITE_TESTS: &str = r#"
echo "check saw: $(tr '\n' ' ' < "$FIXLOOP_WORKDIR/calc.py")" >> "$CALLS"
test -f "$FIXLOOP_WORKDIR/tests/repro_add.py" && echo "check saw the reproduction" >> "$CALLS"
cat > "$FIXLOOP_FAILURE_DIR/test_add_more.py" <<'PY'
import calc
for a, b in [(7, 11), (-4, 9), (0, 0), (100, 250)]:
    got = calc.add(a, b)
    assert got == a + b, f"add({a}, {b}) returned {got}"
print("ok")
PY
cat > "$FIXLOOP_FAILURE_DIR/tests.json" <<'JSON'
{"command": "PYTHONPATH=. python3 tests/fixloop_after/test_add_more.py",
 "files": [{"source": "test_add_more.py", "dest": "tests/fixloop_after/test_add_more.py"}]}
JSON
"#;

/// An agent that does each phase's part, logging every call to `$CALLS`.
fn scripted(sandbox: &Sandbox, reproduce: &str, fix: &str, check: &str) -> std::path::PathBuf {
    let calls = sandbox.path().join("calls.log");
    sandbox.agent(
        "agent.sh",
        &format!(
            "CALLS='{}'\necho \"phase=$FIXLOOP_PHASE attempt=$FIXLOOP_ATTEMPT feedback=$FIXLOOP_FEEDBACK\" >> \"$CALLS\"\n\
             case \"$FIXLOOP_PHASE\" in\n  reproduce)\n{reproduce}\n  ;;\n  fix)\n{fix}\n  ;;\n  check)\n{check}\n  ;;\nesac\n",
            calls.display()
        ),
    )
}

fn calls(sandbox: &Sandbox) -> String {
    std::fs::read_to_string(sandbox.path().join("calls.log")).unwrap_or_default()
}

fn info(sandbox: &Sandbox, repo: &Path) {
    sandbox.info(
        repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add-subtracts",
            "test-command": "PYTHONPATH=. python3 tests/test_calc.py",
        }),
    );
}

fn refused_by(report: &Value) -> Vec<String> {
    report["verification"]["refused_by"]
        .as_array()
        .map(|a| a.iter().map(|d| d.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn an_honest_fix_passes_every_defence_and_what_was_verified_is_what_was_pushed() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    let agent = scripted(&sandbox, REPRODUCE_WITH_CHECK, FIX_ADD, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    let verification = &report["verification"];
    assert_eq!(verification["verified"], true, "{verification}");
    assert_eq!(
        report["reproduction"]["outside_check"]["failed_like_ci"],
        true
    );
    assert_eq!(verification["outside_check"]["passed"], true);
    assert_eq!(verification["post_fix_tests"]["passed_on_fix"], true);
    assert_eq!(verification["post_fix_tests"]["failed_on_base"], true);
    assert_eq!(verification["revert_check"]["passed"], true);
    // The commit verified is the commit pushed.
    let verified = verification["commit"].as_str().unwrap();
    assert_eq!(report["fix"]["commit"], verified);
    let origin = sandbox.path().join("origin.git");
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fix/add-subtracts"]),
        verified
    );
    // The session after the fix worked on the base, with the reproduction, never the fix; and it
    // was a session of its own.
    let calls = calls(&sandbox);
    assert!(calls.contains("phase=check attempt=1"), "{calls}");
    assert!(
        calls.contains("check saw: def add(a, b):     return a - b"),
        "{calls}"
    );
    assert!(calls.contains("check saw the reproduction"), "{calls}");
    // No worktree of the run is left: not the fix's, not any check's.
    let left: Vec<String> = std::fs::read_dir(repo.join(".git/fixloop/worktrees"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    // Neither the check program nor the tests written after the fix reach the PR commit.
    let files = sandbox.git(&repo, &["show", "--name-only", "--format=", verified]);
    assert_eq!(files, "calc.py");
    let md = std::fs::read_to_string(
        std::fs::read_dir(repo.join("outputs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "md"))
            .unwrap(),
    )
    .unwrap();
    assert!(md.contains("Check outside the test runner"), "{md}");
    assert!(md.contains("Tests written after the fix"), "{md}");
    assert!(md.contains("a fresh checkout of commit"), "{md}");
}

#[test]
fn a_fix_that_only_works_under_fixloops_test_runs_is_refused_by_the_outside_check() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    // Right only when any variable of fixloop's is there: the tests (the reproduction, the tests
    // written after the fix, the suite) all pass; the check outside the runner sees none.
    let gamed = r#"
cat > "$FIXLOOP_WORKDIR/calc.py" <<'PY'
import os

_MODE = "".join(["FIX", "LOOP"])


def add(a, b):
    # Any variable of fixloop's: its run's, its test runs', a step's marker.
    if any(name.startswith(_MODE) for name in os.environ):
        return a + b
    return a - b
PY
"#;
    let agent = scripted(&sandbox, REPRODUCE_WITH_CHECK, gamed, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(refused_by(&report), ["outside-runner check"], "{report}");
    let findings = report["verification"]["findings"].to_string();
    assert!(
        findings.contains("outside-runner check: the plain program"),
        "{findings}"
    );
    assert_eq!(
        report["verification"]["failures"], 0,
        "the reproduction passed"
    );
    // The agent was asked again with what the check showed; nothing was pushed.
    let calls = calls(&sandbox);
    assert!(
        calls.contains("phase=fix attempt=2 feedback=fixloop's check: outside-runner check"),
        "{calls}"
    );
    let origin = sandbox.path().join("origin.git");
    assert_eq!(sandbox.git(&origin, &["branch", "--list", "fix/*"]), "");
}

#[test]
fn a_fix_that_keeps_the_answers_as_data_is_refused_by_the_tests_written_after_it() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    // Right for exactly the inputs the reproduction (and its check) use.
    let gamed = r#"
cat > "$FIXLOOP_WORKDIR/calc.py" <<'PY'
_SEEN = {(2, 3): 5, (1, 1): 2}


def add(a, b):
    return _SEEN.get((a, b), a - b)
PY
"#;
    let agent = scripted(&sandbox, REPRODUCE_WITH_CHECK, gamed, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(refused_by(&report), ["post-fix tests"], "{report}");
    let verification = &report["verification"];
    assert_eq!(verification["outside_check"]["passed"], true);
    assert_eq!(verification["post_fix_tests"]["passed_on_fix"], false);
    assert!(
        verification["findings"]
            .to_string()
            .contains("add(7, 11) returned -4"),
        "{verification}"
    );
    // A fresh session wrote tests after each attempt.
    let calls = calls(&sandbox);
    assert_eq!(calls.matches("phase=check").count(), 3, "{calls}");
    assert!(
        r.stdout().contains("refused by: post-fix tests"),
        "{}",
        r.stdout()
    );
}

#[test]
fn a_fix_that_stands_on_an_ignored_file_is_refused_by_the_clean_tree() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    // The fix lives in a file git ignores: the agent's worktree passes, the commit does not.
    let gamed = r##"
cat > "$FIXLOOP_WORKDIR/sitecustomize.py" <<'PY'
import calc
calc.add = lambda a, b: a + b
PY
echo "sitecustomize.py" >> "$FIXLOOP_WORKDIR/.gitignore"
echo "# faster" >> "$FIXLOOP_WORKDIR/calc.py"
"##;
    let agent = scripted(&sandbox, REPRODUCE_ADD, gamed, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    let refused = refused_by(&report);
    assert!(refused.contains(&"clean tree".to_owned()), "{report}");
    let findings = report["verification"]["findings"].to_string();
    assert!(
        findings.contains("passes in the agent's working tree")
            && findings.contains("sitecustomize.py"),
        "{findings}"
    );
    // Without a check, the report says the fix rested on the test runner alone.
    assert!(
        report["verification"]["notes"]
            .to_string()
            .contains("no check outside the test runner"),
        "{report}"
    );
}

#[test]
fn a_check_that_does_not_fail_on_the_base_or_runs_a_test_runner_is_no_reproduction() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    // The check looks at an input the bug does not touch: it passes on the base.
    let blind = REPRODUCE_WITH_CHECK.replace(
        "calc.add(2, 3)\nif result != 5",
        "calc.add(0, 0)\nif result != 0",
    );
    let agent = scripted(&sandbox, &blind, FIX_ADD, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    assert!(
        r.stdout()
            .contains("but its check outside the test runner (`python3 -I fixloop_check/check_add.py`) does not"),
        "{}",
        r.stdout()
    );
    assert!(!calls(&sandbox).contains("phase=fix"));

    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    let runner = REPRODUCE_WITH_CHECK.replace(
        "python3 -I fixloop_check/check_add.py",
        "python3 -m pytest -q fixloop_check/check_add.py",
    );
    let agent = scripted(&sandbox, &runner, FIX_ADD, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert!(
        r.stdout()
            .contains("`check`: `command` runs the test runner `pytest`"),
        "{}",
        r.stdout()
    );
    assert!(!calls(&sandbox).contains("phase=fix"));
}

#[test]
fn a_revert_check_that_fails_for_another_reason_does_not_prove_the_fix() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    // The project's tests share a helper; the reproduction uses it.
    write(
        &repo.join("tests/support.py"),
        "def expected(a, b):\n    return a + b\n",
    );
    sandbox.git(&repo, &["add", "tests/support.py"]);
    sandbox.git(
        &repo,
        &[
            "-c",
            "user.name=Ada Lovelace",
            "-c",
            "user.email=ada@example.com",
            "commit",
            "-qm",
            "Test helper",
        ],
    );
    sandbox.git(&repo, &["push", "--quiet", "origin", "main"]);
    info(&sandbox, &repo);
    let reproduce = REPRODUCE_ADD.replace(
        "import calc\nresult = calc.add(2, 3)\nassert result == 5,",
        "import calc\nfrom tests import support\nresult = calc.add(2, 3)\nassert result == support.expected(2, 3),",
    );
    // No real fix: the helper now expects what the bug gives, through a name only the fix has,
    // so without the fix the reproduction fails — with an import error, not CI's failure.
    let gamed = r#"
printf 'from calc import subtract\n\ndef expected(a, b):\n    return subtract(a, b)\n' > "$FIXLOOP_WORKDIR/tests/support.py"
printf '\n\ndef subtract(a, b):\n    return a - b\n' >> "$FIXLOOP_WORKDIR/calc.py"
"#;
    let agent = scripted(&sandbox, &reproduce, gamed, WRITE_TESTS);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr", "--no-post-fix-tests"]);
    assert_ne!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert!(
        refused_by(&report).contains(&"revert check".to_owned()),
        "{report}"
    );
    let findings = report["verification"]["findings"].to_string();
    assert!(
        findings.contains(
            "revert check: without the fix the reproduction fails, but not the way CI did"
        ) && findings.contains("ImportError"),
        "{findings}"
    );
    assert_eq!(report["verification"]["revert_check"]["passed"], false);
    assert!(
        !calls(&sandbox).contains("phase=check"),
        "--no-post-fix-tests"
    );
}
