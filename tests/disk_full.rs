//! A full disk is never success: a run whose journal cannot be written stops with exit 74 and a
//! message naming the file, and once there is room again `fixloop resume` finishes it. The
//! workspace (journal, logs, reports) lives on a small tmpfs that the agent fills; where this
//! machine does not allow mounting one, the test says so and skips.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased, run_with_agent};

/// Mounts a tmpfs of `size` at `dir`; `false` where this machine does not allow it.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    std::fs::create_dir_all(dir).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output();
    match mounted {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            eprintln!(
                "skipped: cannot mount a tmpfs here ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            false
        }
        Err(e) => {
            eprintln!("skipped: cannot run mount ({e})");
            false
        }
    }
}

/// Unmounts on the way out, whatever the test did.
struct Mounted<'a>(&'a Path);

impl Drop for Mounted<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0).status();
    }
}

#[test]
fn a_full_disk_stops_the_run_with_74_and_resume_finishes_it_once_there_is_room() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let workspace = sandbox.path().join("small");
    if !mount_tmpfs(&workspace, "8m") {
        return;
    }
    let _unmount = Mounted(&workspace);
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
