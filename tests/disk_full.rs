//! A full disk is never success: a run whose journal cannot be written stops with exit 74 and a
//! message naming the file, and once there is room again `fixloop resume` finishes it. The
//! workspace (journal, logs, reports) lives on a small tmpfs that the agent fills; where this
//! machine does not allow mounting one, the test says so and skips. A test run's or a stress
//! run's log that cannot be written (it is `/dev/full`, whose writes fail with ENOSPC) is the
//! same: exit 74, the file named, nothing counted.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, SmallDisk, phased, run_with_agent};

#[test]
fn a_full_disk_stops_the_run_with_74_and_resume_finishes_it_once_there_is_room() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let workspace = sandbox.path().join("small");
    let Some(_disk) = SmallDisk::mount_at(&workspace, "8m") else {
        return;
    };
    std::fs::copy(repo.join("ci.log"), workspace.join("ci.log")).unwrap();
    sandbox.info(
        &workspace,
        &json!({
            "prompt": "add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add-subtracts",
            "repo": repo.display().to_string(),
        }),
    );
    // The fix agent fills the workspace's disk (once), then fixes the bug.
    let marker = sandbox.path().join("filled-once");
    let fill = format!(
        "if [ ! -f '{marker}' ]; then touch '{marker}'; \
         dd if=/dev/zero of='{filler}' bs=64k 2>/dev/null || true; fi\n{FIX_ADD}",
        marker = marker.display(),
        filler = workspace.join("filler").display()
    );
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, &fill));
    let r = run_with_agent(&sandbox, &workspace, &agent, &["--no-pr"]);
    let out = r.stdout();
    assert_eq!(r.code(), 74, "{out}\n{}", r.stderr());
    let journal = std::fs::read_dir(workspace.join("outputs/runs"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path()
        .join("events.jsonl");
    assert!(
        out.contains(&format!("cannot write the journal {}", journal.display()))
            && out.contains("No space left on device")
            && out.contains("hint: free some space"),
        "{out}"
    );
    assert!(!out.contains("✓ report: report written"), "{out}");
    // Every line the journal kept is whole.
    let kept = std::fs::read_to_string(&journal).unwrap();
    assert!(kept.ends_with('\n'));
    for line in kept.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }

    // Room again: the run goes on from its journal and ends as it would have.
    std::fs::remove_file(workspace.join("filler")).unwrap();
    let run_id = journal
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let resumed = sandbox
        .fixloop(&workspace)
        .args(["resume", &run_id, "--headless"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&resumed.stdout);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(out.contains("✓ report: report written"), "{out}");
    assert_eq!(
        sandbox.git(&repo, &["show", "fix/add-subtracts:calc.py"]),
        "def add(a, b):\n    return a + b"
    );
}

#[test]
fn a_test_log_that_cannot_be_written_stops_the_run_with_74_and_resume_finishes_it() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    // The reproducing agent points the log of fixloop's first check at /dev/full.
    let reproduce = format!(
        "mkdir -p \"$FIXLOOP_RUN_DIR/logs\"\n\
         ln -s /dev/full \"$FIXLOOP_RUN_DIR/logs/confirm-1-1.log\"\n{REPRODUCE_ADD}"
    );
    let agent = sandbox.agent("agent.sh", &phased(&reproduce, FIX_ADD));
    sandbox.info(
        &repo,
        &json!({
            "prompt": "add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add-subtracts",
        }),
    );
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    let out = r.stdout();
    assert_eq!(r.code(), 74, "{out}\n{}", r.stderr());
    assert!(
        out.contains("writing the log file")
            && out.contains("confirm-1-1.log failed: No space left on device")
            && out.contains("hint: free some space"),
        "{out}"
    );

    let run_dir = std::fs::read_dir(repo.join("outputs/runs"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    std::fs::remove_file(run_dir.join("logs/confirm-1-1.log")).unwrap();
    let run_id = run_dir.file_name().unwrap().to_string_lossy().into_owned();
    let resumed = sandbox
        .fixloop(&repo)
        .args(["resume", &run_id, "--headless"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&resumed.stdout);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(
        sandbox.git(&repo, &["show", "fix/add-subtracts:calc.py"]),
        "def add(a, b):\n    return a + b"
    );
}

#[test]
fn a_stress_run_whose_log_cannot_be_written_exits_74_and_counts_nothing() {
    let sandbox = Sandbox::new();
    let logs = sandbox.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::os::unix::fs::symlink("/dev/full", logs.join("slot-0.log")).unwrap();
    let out = sandbox
        .fixloop(sandbox.path())
        .args(["stress", "--runs", "20", "--jobs", "1", "--logs"])
        .arg(&logs)
        .args(["--", "echo", "some output"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(74), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "writing the log file {} failed: No space left on device",
            logs.join("slot-0.log").display()
        )) && stderr.contains("hint: free some space"),
        "{stderr}"
    );
    assert!(!stdout.contains("runs"), "a rate was printed: {stdout}");
}
