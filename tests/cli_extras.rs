//! The commands the README promises beyond a run: `init`, `completions`, `man`, `demo --flaky`,
//! a resume hint that works where it is printed, and a quiet end when a reader closes the pipe.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::Stdio;

use support::Sandbox;

/// Runs fixloop with `args` in `dir`, its standard output closed before it writes a byte;
/// returns its exit code and standard error.
fn with_closed_stdout(sandbox: &Sandbox, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let mut child = sandbox
        .fixloop(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code().unwrap_or(-1), stderr)
}

#[test]
fn a_closed_pipe_ends_each_printing_command_quietly() {
    let sandbox = Sandbox::new();
    let demo = sandbox.path().join("demo");
    let demo = demo.display().to_string();
    for args in [
        vec!["completions", "bash"],
        vec!["man"],
        vec!["stress", "--runs", "2", "--", "true"],
        vec!["demo", "--headless", "--dir", &demo],
    ] {
        let (code, stderr) = with_closed_stdout(&sandbox, sandbox.path(), &args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line() {
    let sandbox = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = sandbox
            .fixloop(sandbox.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("resume") && script.contains("headless"),
            "{shell}: {script}"
        );
    }
    let man = sandbox.fixloop(sandbox.path()).arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH fixloop"),
        "{page}"
    );
    assert!(page.contains("demo"), "{page}");
}

#[test]
fn init_writes_a_template_that_validate_explains() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("ws");
    std::fs::create_dir_all(&dir).unwrap();
    sandbox.git(&dir, &["init", "--quiet"]);
    let init = sandbox.fixloop(&dir).arg("init").output().unwrap();
    let said = String::from_utf8_lossy(&init.stdout);
    assert!(init.status.success(), "{said}");
    assert!(
        said.contains("fixloop validate") && said.contains("deterministic"),
        "{said}"
    );
    let written = std::fs::read_to_string(dir.join("info.json")).unwrap();
    assert!(
        written.contains("\"$schema\": \"info.schema.json\""),
        "{written}"
    );
    assert!(dir.join("info.schema.json").is_file());

    let again = sandbox.fixloop(&dir).arg("init").output().unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(65), "{err}");
    assert!(
        err.contains("info.json: already exists") && err.contains("--force"),
        "{err}"
    );
    let forced = sandbox
        .fixloop(&dir)
        .args(["init", "--force"])
        .output()
        .unwrap();
    assert!(forced.status.success());

    let validate = sandbox.fixloop(&dir).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&validate.stderr);
    assert_eq!(validate.status.code(), Some(65), "{err}");
    assert!(
        err.contains("field `prompt`") && err.contains("the prompt is empty"),
        "{err}"
    );
    let prompted = written.replace("\"prompt\": \"\"", "\"prompt\": \"parse fails\"");
    std::fs::write(dir.join("info.json"), &prompted).unwrap();
    let validate = sandbox.fixloop(&dir).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&validate.stderr);
    assert!(
        err.contains("field `url`") && err.contains("RUN_ID"),
        "{err}"
    );
    let filled = prompted.replace("RUN_ID", "123456789");
    fixloop::core::info::Info::parse("info.json", &filled).unwrap();
}

#[test]
fn without_info_json_the_hint_names_init_and_the_demo() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .fixloop(sandbox.path())
        .arg("--headless")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{err}");
    assert!(
        err.contains("fixloop init") && err.contains("fixloop demo"),
        "{err}"
    );
}

#[test]
fn the_flaky_demo_measures_the_rate_and_ends_in_a_verified_fix() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("demo");
    let out = sandbox
        .fixloop(sandbox.path())
        .args([
            "demo",
            "--flaky",
            "--headless",
            "--dir",
            &dir.display().to_string(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("95 % CI"),
        "the measured rate and its interval: {stdout}"
    );
    assert!(stdout.contains("revert check passed"), "{stdout}");
    assert!(
        stdout.contains("✓ success: verified fix pushed on fix/total-words-lost-update"),
        "{stdout}"
    );
    assert!(stdout.contains("See the fix:"), "{stdout}");
    let fixed = sandbox.git(
        &dir.join("origin.git"),
        &["show", "fix/total-words-lost-update:src/lib.rs"],
    );
    assert!(fixed.contains("fetch_add"), "{fixed}");
}

#[test]
fn an_interrupted_demo_prints_a_resume_command_that_works_from_anywhere() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("demo");
    let elsewhere = sandbox.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut child = sandbox
        .fixloop(&elsewhere)
        .args(["demo", "--headless", "--dir", &dir.display().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("▶ confirm-repro") {
            break;
        }
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{seen}\n{stderr}");
    assert!(!seen.contains("See the fix"), "no fix, no line: {seen}");
    // The run is in fixloop's index of runs, so its id alone finds it from here (without the
    // index, the hint names the workspace with --info: tests/run_index.rs).
    let (_, hint) = stderr
        .lines()
        .find_map(|l| l.split_once(": fixloop resume "))
        .unwrap_or_else(|| panic!("a resume hint: {stderr}"));
    // The printed command, run as printed from the folder it was printed in.
    let resumed = sandbox
        .fixloop(&elsewhere)
        .arg("resume")
        .args(hint.split_whitespace())
        .arg("--headless")
        .output()
        .unwrap();
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&resumed.stdout),
        String::from_utf8_lossy(&resumed.stderr)
    );
}
