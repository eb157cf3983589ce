//! What a killed run left behind, found again by `resume` and `clean`: its children (by the run
//! folder in their environment) and git commands still working in its repository; and the end
//! of a log file.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;

use super::procfs::{environ_has, pids};

/// Kills what is left of a run's children after fixloop itself was killed (`kill -9`, a crash):
/// every process whose environment carries `FIXLOOP_RUN_DIR=<the run's folder>` — agents, test
/// runs, and whatever they started. Returns their pids. Reads `/proc`, so it finds nothing
/// where there is none.
#[must_use]
pub fn stop_leftovers(run_dir: &std::path::Path) -> Vec<u32> {
    let run_dir = run_dir
        .canonicalize()
        .unwrap_or_else(|_| run_dir.to_path_buf());
    let marker = format!("FIXLOOP_RUN_DIR={}", run_dir.display());
    let own = std::process::id();
    let mut stopped = Vec::new();
    // A process may start another while the first is being killed: look again until none is left.
    for _ in 0..10 {
        let found: Vec<u32> = pids()
            .filter(|pid| *pid != own)
            .filter(|pid| environ_has(*pid, marker.as_bytes()))
            .collect();
        if found.is_empty() {
            break;
        }
        for pid in &found {
            if let Ok(raw) = i32::try_from(*pid) {
                let _ = nix::sys::signal::kill(Pid::from_raw(raw), Signal::SIGKILL);
            }
            if !stopped.contains(pid) {
                stopped.push(*pid);
            }
        }
        // Run before any async work starts (`resume`, `clean`): nothing else is held up.
        #[expect(
            clippy::disallowed_methods,
            reason = "called from command setup, before the run's tasks start"
        )]
        std::thread::sleep(Duration::from_millis(20));
    }
    stopped
}

/// Waits (up to `max`) for git commands still working in `repo` or its worktrees — a killed
/// run's commit or push finishing on its own — so that a resumed run does not find their locks.
/// They are not killed: a git command cut short leaves its lock files behind. Returns whether
/// none is left.
#[must_use]
pub fn wait_for_git(repo: &std::path::Path, max: Duration) -> bool {
    let repo = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
    let deadline = Instant::now() + max;
    loop {
        let busy = pids().any(|pid| {
            let is_git = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "git" || comm.starts_with("git-"));
            is_git
                && std::fs::read_link(format!("/proc/{pid}/cwd"))
                    .is_ok_and(|cwd| cwd.starts_with(&repo))
        });
        if !busy {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "called from command setup, before the run's tasks start"
        )]
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last `max` bytes of a (log) file, as text; empty when it cannot be read.
#[must_use]
pub fn read_tail(path: &std::path::Path, max: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len > max {
        let _ = file.seek(SeekFrom::Start(len - max));
    }
    let mut bytes = Vec::new();
    let _ = file.take(max).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
