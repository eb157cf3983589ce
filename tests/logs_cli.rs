//! `fixloop logs` on a log where no test failed, through the real binary: it says so (on
//! standard error, or in its JSON), with the log's first error line, and exits 0 as it does
//! when tests failed.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::io::Write as _;
use std::process::{Output, Stdio};

use serde_json::Value;
use support::{Sandbox, write};

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn logs_with_no_failing_test_say_so() {
    let sandbox = Sandbox::new();
    let log = sandbox.path().join("build.log");
    write(
        &log,
        "Compiling app\nerror: linker `cc` not found\nBuild stopped\n",
    );
    let out = sandbox
        .fixloop(sandbox.path())
        .args(["logs", log.to_str().unwrap()])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("--- excerpt"), "{stdout}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "no failing test found in {}; its first error line is line 2: error: linker `cc` not found",
            log.display()
        )
    );
    let out = sandbox
        .fixloop(sandbox.path())
        .args(["logs", "--json", log.to_str().unwrap()])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failing_tests_found"], false, "{v}");
    assert!(out.stderr.is_empty(), "JSON says it in its own field");

    // Standard input with nothing failing and no error line; then a failing test: no note.
    let run_with_stdin = |input: &str, json: bool| {
        let mut child = sandbox
            .fixloop(sandbox.path())
            .arg("logs")
            .args(json.then_some("--json"))
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run_with_stdin("all good\n", false);
    let (_, stderr) = text(&out);
    assert_eq!(
        stderr.trim_end(),
        "no failing test found in standard input, and no error line"
    );
    let failing = "FAILED tests/test_a.py::test_x - assert 1 == 2\n";
    let out = run_with_stdin(failing, false);
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("FAILED tests/test_a.py::test_x"),
        "{stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");
    let v: Value = serde_json::from_slice(&run_with_stdin(failing, true).stdout).unwrap();
    assert_eq!(v["failing_tests_found"], true, "{v}");
}
