//! No process outlives its step. fixloop is the child subreaper (Linux), so whatever a step's
//! children leave running when they exit — daemons that called `setsid`, double forks, `nohup`
//! — is handed to fixloop instead of init; every child carries its step's marker
//! (`FIXLOOP_STEP=<id>`) in its environment, which its descendants inherit; and when the step
//! ends, everything below fixloop that carries the marker or descends from what does is sent
//! SIGTERM, then SIGKILL after the grace, and the orphans among them are reaped.
//!
//! Reaping never steals an exit status fixloop's own code waits for: only pids seen alive as
//! the step's orphans are waited for, by pid (never `waitpid(-1)`), or zombies that cannot be a
//! child fixloop started (those share its session and lead their own process group or stay in
//! fixloop's).
//!
//! Elsewhere (no `/proc`, not Linux, or a sandbox that forbids the subreaper) a step ends with
//! its process group and the marked processes `/proc` shows, if any; orphans go to init.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use tokio::time::Instant;

use super::procfs::{self, Stat};

/// The environment variable that names a child's step.
pub(super) const STEP_VAR: &str = "FIXLOOP_STEP";
/// How often the sweep looks again while processes are dying.
const POLL: Duration = Duration::from_millis(10);
/// How long a process sent SIGKILL may take to go (uninterruptible sleep) before the sweep
/// stops waiting for it.
const KILL_WAIT: Duration = Duration::from_secs(2);

static SUBREAPER: OnceLock<bool> = OnceLock::new();

/// Makes fixloop the child subreaper: an orphan below it is handed to it, not to init, so a step
/// can find and end what its children left running. Idempotent; returns whether fixloop is one
/// (on Linux, unless a sandbox forbids it; never elsewhere, where steps end with their process
/// group only). `main` calls it at start-up; the process runner calls it before its first child.
pub fn become_subreaper() -> bool {
    *SUBREAPER.get_or_init(|| {
        #[cfg(target_os = "linux")]
        let made = nix::sys::prctl::set_child_subreaper(true).is_ok();
        #[cfg(not(target_os = "linux"))]
        let made = false;
        made
    })
}

fn subreaper() -> bool {
    SUBREAPER.get().copied().unwrap_or(false)
}

/// The steps under way, and since when (in the clock ticks of `/proc`) one has been: an orphan
/// that wiped its marker is told apart by when it started.
struct Busy {
    steps: Vec<String>,
    since: Option<u64>,
}

static BUSY: Mutex<Busy> = Mutex::new(Busy {
    steps: Vec::new(),
    since: None,
});

fn busy() -> MutexGuard<'static, Busy> {
    BUSY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One step's processes: its marker, its child and process group, and when it was first told
/// to stop. Ending it sweeps; dropping it unended (its future was dropped) kills at once.
#[derive(Debug)]
pub(super) struct Step {
    id: String,
    /// `FIXLOOP_STEP=<id>`, as it appears in `/proc/<pid>/environ`.
    entry: Vec<u8>,
    child: Option<u32>,
    stopping_since: Option<Instant>,
    termed: HashSet<u32>,
    /// The step's processes seen alive as fixloop's own children (orphans handed to it): once
    /// they exit, fixloop alone can reap them, and nothing else of fixloop waits for them.
    adopted: HashSet<u32>,
    /// Whether the last look was made with no other step under way (see `members_below`).
    looked_alone: bool,
    ended: bool,
}

impl Step {
    pub(super) fn begin() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        static BORN: OnceLock<u128> = OnceLock::new();
        become_subreaper();
        // The pid and the time this fixloop started keep ids apart from other fixloops'.
        let born = BORN.get_or_init(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        });
        let id = format!(
            "{}-{born}-{}",
            own().0,
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        busy().steps.push(id.clone());
        Self {
            entry: format!("{STEP_VAR}={id}").into_bytes(),
            id,
            child: None,
            stopping_since: None,
            termed: HashSet::new(),
            adopted: HashSet::new(),
            looked_alone: false,
            ended: false,
        }
    }

    /// The marker every child of the step carries.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// Records the step's child (the leader of its process group).
    pub(super) fn started(&mut self, child: Option<u32>) {
        self.child = child;
        let mut busy = busy();
        if busy.since.is_none() {
            busy.since = child.and_then(procfs::stat).map(|s| s.start);
        }
    }

    fn group(&self) -> Option<Pid> {
        self.child
            .and_then(|c| i32::try_from(c).ok())
            .map(Pid::from_raw)
    }

    /// Signals the child's process group.
    pub(super) fn signal_group(&self, signal: Signal) {
        if let Some(group) = self.group() {
            // ESRCH (the group is gone) is the common, good case.
            let _ = killpg(group, signal);
        }
    }

    /// Signals the group and every other process of the step.
    pub(super) fn signal(&mut self, signal: Signal) {
        let below = Below::look();
        let found = self.members(&below);
        self.adopt(&below, &found);
        self.send(&found, signal);
    }

    /// Notes which of the step's processes are orphans handed to fixloop.
    fn adopt(&mut self, below: &Below, found: &[Stat]) {
        self.adopted.extend(
            found
                .iter()
                .filter(|s| s.ppid == below.own && Some(s.pid) != self.child)
                .map(|s| s.pid),
        );
    }

    /// SIGTERM reaches each process once (a second one can mean "now" to a program that shuts
    /// down cleanly on the first) and starts the grace; the group is signalled as a whole.
    fn send(&mut self, found: &[Stat], signal: Signal) {
        let group = self.child;
        if signal == Signal::SIGTERM {
            if self.stopping_since.is_none() {
                self.stopping_since = Some(Instant::now());
                self.signal_group(signal);
            }
            for process in found.iter().filter(|p| Some(p.group) != group) {
                if self.termed.insert(process.pid) {
                    send(process.pid, signal);
                }
            }
        } else {
            self.signal_group(signal);
            for process in found {
                send(process.pid, signal);
            }
        }
    }

    /// Ends whatever of the step is still running: SIGTERM, SIGKILL once `grace` has passed
    /// since the first SIGTERM, until none is left and the orphans among them are reaped. Once
    /// the step has ended, ending it again does nothing.
    pub(super) async fn end(&mut self, grace: Duration) {
        if self.ended {
            return;
        }
        loop {
            let below = Below::look();
            let found = self.members(&below);
            self.adopt(&below, &found);
            let group_left = self.group().is_some_and(|g| killpg(g, None).is_ok());
            let reaped = below.reap(&self.adopted);
            if found.is_empty() && !group_left && reaped == 0 {
                if self.leave() {
                    return;
                }
                // The other steps left while this one looked: look again, alone.
                continue;
            }
            let stopping = self.stopping_since.map_or(Duration::ZERO, |s| s.elapsed());
            if stopping >= grace {
                self.send(&found, Signal::SIGKILL);
            } else {
                self.send(&found, Signal::SIGTERM);
            }
            if stopping >= grace + KILL_WAIT {
                tracing::warn!(step = %self.id, left = found.len(), "processes that would not die");
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        self.finish();
    }

    /// Leaves the steps under way once nothing of the step is left, unless it is the last to
    /// leave and its last look was not made alone: a daemon that wiped its marker is only
    /// recognised by a step that looks alone, and the last step to leave must have done so.
    /// (Two steps leaving at once would otherwise each see the other and neither look alone.)
    fn leave(&mut self) -> bool {
        {
            let busy = busy();
            let others = busy.steps.iter().any(|s| *s != self.id);
            if !others && !self.looked_alone {
                return false;
            }
        }
        self.finish();
        true
    }

    fn finish(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let mut busy = busy();
        busy.steps.retain(|s| *s != self.id);
        if busy.steps.is_empty() {
            busy.since = None;
        }
    }

    /// The step's live processes besides its group: below fixloop when it is the subreaper,
    /// anywhere in `/proc` otherwise.
    fn members(&mut self, below: &Below) -> Vec<Stat> {
        if subreaper() {
            self.members_below(below)
        } else {
            self.looked_alone = true;
            self.members_anywhere()
        }
    }

    /// The step's processes among fixloop's children and below them. A child of fixloop is the
    /// step's when it carries the marker; or, while no other step is under way, when it is an
    /// orphan in another session that started after the step's child did: a daemon that wiped
    /// its marker (`env -i setsid ...`). fixloop starts nothing in another session itself, and
    /// runs no other command while a step does, so such an orphan can only come from the step.
    /// With steps side by side (stress runs), such a daemon ends with the last of them, which
    /// always looks alone before it leaves (`leave`). What descends from the step's is the
    /// step's. Nothing of the step can be below another child: an orphan goes to its nearest
    /// subreaper, which is fixloop or one of the step's own.
    fn members_below(&mut self, below: &Below) -> Vec<Stat> {
        let (alone, since) = {
            let busy = busy();
            (busy.steps.iter().all(|s| *s == self.id), busy.since)
        };
        self.looked_alone = alone;
        let wiped_since = since.filter(|_| alone);
        let mut found = Vec::new();
        let mut stack = Vec::new();
        // The step's child too, while it runs (it is not among the main thread's children).
        let running = self
            .child
            .and_then(procfs::stat)
            .filter(|s| s.ppid == below.own && !below.children.iter().any(|c| c.pid == s.pid));
        for child in below.children.iter().chain(running.iter()) {
            let belongs = procfs::environ_has(child.pid, &self.entry)
                || wiped_since.is_some_and(|since| {
                    below.session.is_some_and(|own| child.session != own) && child.start >= since
                });
            if belongs {
                found.push(*child);
                stack.extend(procfs::children(child.pid));
            }
        }
        let mut seen = HashSet::new();
        while let Some(pid) = stack.pop() {
            if !seen.insert(pid) {
                continue;
            }
            if let Some(stat) = procfs::stat(pid) {
                found.push(stat);
                stack.extend(procfs::children(pid));
            }
        }
        found.retain(|s| !s.zombie());
        found
    }

    /// Every process in `/proc` that carries the marker, and their descendants (orphans went to
    /// init: they can be anywhere).
    fn members_anywhere(&self) -> Vec<Stat> {
        let own = std::process::id();
        let table: Vec<Stat> = procfs::pids()
            .filter(|p| *p != own)
            .filter_map(procfs::stat)
            .collect();
        let mut marked: HashSet<u32> = table
            .iter()
            .filter(|s| procfs::environ_has(s.pid, &self.entry))
            .map(|s| s.pid)
            .collect();
        // Descendants, however deep: add children of what is marked until nothing changes.
        loop {
            let before = marked.len();
            for s in &table {
                if marked.contains(&s.ppid) {
                    marked.insert(s.pid);
                }
            }
            if marked.len() == before {
                break;
            }
        }
        table
            .into_iter()
            .filter(|s| marked.contains(&s.pid) && !s.zombie())
            .collect()
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if !self.ended {
            self.signal_group(Signal::SIGKILL);
            for process in self.members(&Below::look()) {
                send(process.pid, Signal::SIGKILL);
            }
            self.finish();
        }
    }
}

fn send(pid: u32, signal: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(raw), signal);
    }
}

/// fixloop's pid, process group and session: they do not change while it runs.
fn own() -> (u32, Option<u32>, Option<u32>) {
    static OWN: OnceLock<(u32, Option<u32>, Option<u32>)> = OnceLock::new();
    *OWN.get_or_init(|| {
        let raw = |pid: Pid| u32::try_from(pid.as_raw()).ok();
        (
            std::process::id(),
            raw(nix::unistd::getpgrp()),
            nix::unistd::getsid(None).ok().and_then(raw),
        )
    })
}

/// One look at fixloop's children (none when it is not the subreaper: its orphans are not).
pub(super) struct Below {
    own: u32,
    group: Option<u32>,
    session: Option<u32>,
    children: Vec<Stat>,
}

impl Below {
    /// Orphans go to the first live thread of their subreaper, which is fixloop's main thread
    /// (it lives as long as fixloop): its children are the orphans, and the children started
    /// from it. Those started from other threads are the steps' own, and known.
    pub(super) fn look() -> Self {
        let (own, group, session) = own();
        let children = if subreaper() {
            procfs::thread_children(own, own)
                .into_iter()
                .filter_map(procfs::stat)
                .collect()
        } else {
            Vec::new()
        };
        Self {
            own,
            group,
            session,
            children,
        }
    }

    /// Reaps the orphans among the children that have exited, so zombies do not pile up;
    /// returns how many. A zombie is reaped when it is one of `adopted`, or when it cannot be a
    /// child fixloop started itself and waits for (those share fixloop's session and lead their
    /// own process group or stay in fixloop's): it left the session, or it sits in another's
    /// group.
    pub(super) fn reap(&self, adopted: &HashSet<u32>) -> usize {
        let mut reaped = 0;
        for child in &self.children {
            if !child.zombie() || child.ppid != self.own {
                continue;
            }
            let orphan = adopted.contains(&child.pid)
                || self.session.is_some_and(|own| child.session != own)
                || (child.group != child.pid && self.group.is_some_and(|own| child.group != own));
            let Ok(raw) = i32::try_from(child.pid) else {
                continue;
            };
            if orphan
                && waitpid(Pid::from_raw(raw), Some(WaitPidFlag::WNOHANG))
                    .is_ok_and(|s| s != WaitStatus::StillAlive)
            {
                reaped += 1;
            }
        }
        reaped
    }
}
