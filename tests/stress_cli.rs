//! `fixloop stress` as a user meets it, through the real binary: a failure that printed nothing
//! is named by its exit code or the signal that killed it, a terminal gets one progress line
//! redrawn in place, and the temp folder of logs is left only when it holds a failing run's log
//! (not on success, nor after Ctrl-C with no failure).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/pty.rs"]
mod pty;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use pty::{Pty, pause};
use serde_json::Value;
use support::Sandbox;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `fixloop-stress-*` folders in `dir`.
fn stress_folders(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("fixloop-stress-"))
        })
        .collect()
}

/// `fixloop stress ARGS` with its own temp dir, not a terminal.
fn stress(sandbox: &Sandbox, tmp: &Path, args: &[&str]) -> Output {
    std::fs::create_dir_all(tmp).unwrap();
    sandbox
        .fixloop(sandbox.path())
        .arg("stress")
        .args(args)
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn stress_names_a_silent_failure_by_its_exit_code_or_signal() {
    let sandbox = Sandbox::new();
    let tmp = sandbox.path().join("tmp");
    let out = stress(
        &sandbox,
        &tmp,
        &["--runs", "3", "--jobs", "1", "--", "sh", "-c", "exit 3"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("3 × (no output, exit 3)"), "{stdout}");
    // Not a terminal: plain progress lines, nothing redrawn.
    assert!(stderr.contains("runs 3/3, failures 3"), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );

    // A command killed by a signal, with nothing printed: each run counts, named by the signal.
    let out = stress(
        &sandbox,
        &tmp,
        &[
            "--runs",
            "3",
            "--jobs",
            "1",
            "--json",
            "--",
            "exec",
            "sh",
            "-c",
            "kill -9 $$",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (v["runs"].as_u64(), v["failures"].as_u64()),
        (Some(3), Some(3)),
        "{v}"
    );
    assert_eq!(
        v["signatures"][0]["text"], "(no output, killed by SIGKILL)",
        "{v}"
    );
    assert_eq!(v["signatures"][0]["count"], 3, "{v}");
}

#[test]
fn stress_on_a_terminal_redraws_one_progress_line() {
    let sandbox = Sandbox::new();
    let tmp = sandbox.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut pty = Pty::spawn(
        &sandbox,
        &[
            "stress", "--runs", "12", "--jobs", "1", "--", "sleep", "0.1",
        ],
        sandbox.path(),
        &[("TMPDIR", tmp.display().to_string())],
    );
    assert_eq!(pty.exit_code(false), 0, "{}", pty.raw());
    let raw = pty.raw();
    let progress: Vec<&str> = raw.split('\n').filter(|l| l.contains("runs/s")).collect();
    assert_eq!(progress.len(), 1, "one line, redrawn: {raw:?}");
    let updates: Vec<&str> = progress[0]
        .split('\r')
        .filter(|u| u.contains("runs/s"))
        .collect();
    assert!(updates.len() >= 2, "{raw:?}");
    assert!(
        updates.iter().all(|u| u.ends_with("\x1b[K")),
        "each update clears what a longer one left: {raw:?}"
    );
    assert!(updates.last().unwrap().starts_with("runs 12/12"), "{raw:?}");
    // The line is ended before the summary, which has a line of its own.
    let screen = pty.screen();
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines[0].starts_with("runs 12/12"), "{screen}");
    assert!(lines[1].starts_with("12 runs in "), "{screen}");
}

#[test]
fn stress_leaves_its_temp_folder_only_when_it_holds_failing_logs() {
    let sandbox = Sandbox::new();
    let tmp = sandbox.path().join("tmp");
    let out = stress(&sandbox, &tmp, &["--runs", "3", "--json", "--", "true"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stress_folders(&tmp), Vec::<PathBuf>::new());
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["logs_dir"].is_null(), "no folder to point to: {v}");

    let out = stress(
        &sandbox,
        &tmp,
        &[
            "--runs",
            "2",
            "--jobs",
            "1",
            "--",
            "sh",
            "-c",
            "echo boom; exit 1",
        ],
    );
    let (stdout, _) = text(&out);
    let kept = stress_folders(&tmp);
    assert_eq!(kept.len(), 1, "{stdout}");
    assert!(
        stdout.contains(&format!("logs of failing runs: {}", kept[0].display())),
        "{stdout}"
    );
    let log = std::fs::read_to_string(kept[0].join("run-1.log")).unwrap();
    assert!(log.contains("boom"), "{log}");
    std::fs::remove_dir_all(&kept[0]).unwrap();

    // A folder the user named stays, with or without failures.
    let mine = sandbox.path().join("my-logs");
    let out = stress(
        &sandbox,
        &tmp,
        &[
            "--runs",
            "2",
            "--json",
            "--logs",
            mine.to_str().unwrap(),
            "--",
            "true",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["logs_dir"], mine.display().to_string());
    assert!(mine.is_dir());
}

#[test]
fn stress_stopped_by_ctrl_c_removes_its_temp_folder() {
    let sandbox = Sandbox::new();
    let tmp = sandbox.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let child = sandbox
        .fixloop(sandbox.path())
        .args([
            "stress", "--runs", "1000", "--jobs", "1", "--", "sleep", "0.2",
        ])
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while stress_folders(&tmp).is_empty() {
        assert!(Instant::now() < deadline, "the runs never started");
        pause(20);
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains(" runs in "), "{stdout}\n{stderr}");
    assert_eq!(
        stress_folders(&tmp),
        Vec::<PathBuf>::new(),
        "{stdout}\n{stderr}"
    );
}
