//! Many runs of one command, `jobs` at a time: each in its own process group and temporary
//! directory, with its index and seed in the environment, a per-run timeout (a hang is a failure
//! of its own kind), logs kept for failing runs only, an optional stop at the first failure, and
//! the failures grouped by signature. A log that cannot be written stops every run.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use regex::Regex;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::process::{self, Ending, Spec};
use crate::core::signature;
use crate::core::stats::{percent, wilson_95};

#[derive(Debug, Clone)]
pub struct StressSpec {
    /// `{seed}` in it is replaced by each run's seed.
    pub command: String,
    pub cwd: PathBuf,
    pub runs: u32,
    pub jobs: u32,
    pub timeout: Duration,
    /// Stop starting runs when this much time has gone by.
    pub budget: Option<Duration>,
    /// Stop everything once this many runs have failed (`Some(1)`: until the first failure).
    pub stop_after_failures: Option<u32>,
    pub logs_dir: PathBuf,
    pub seed: u64,
    pub env: Vec<(String, String)>,
    pub env_remove: Vec<String>,
    /// The CI failure's signature: failures matching it are "the CI failure".
    pub ci_signature: Option<Regex>,
    /// Run each command under `nice -n 10`.
    pub nice: bool,
}

/// One run's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    pub index: u32,
    pub failed: bool,
    pub timed_out: bool,
    pub exit_code: Option<i32>,
    /// The signal that killed the run's command.
    pub signal: Option<i32>,
    pub duration: Duration,
    pub signature: Option<String>,
    pub matches_ci: bool,
    /// Kept for failing runs only.
    pub log: Option<PathBuf>,
}

/// Where a stress run is, for live progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub done: u32,
    pub planned: u32,
    pub failures: u32,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub runs: u32,
    pub failures: u32,
    /// Failures matching the CI signature (all failures when there is none).
    pub matching: u32,
    pub timeouts: u32,
    pub wall: Duration,
    pub first_failure_run: Option<u32>,
    /// (signature, count, matches the CI signature), most frequent first.
    pub groups: Vec<(String, u32, bool)>,
    /// The runs ended early: the time budget ran out, or the run was cancelled.
    pub stopped_early: bool,
    /// The tail of the first failing run's output.
    pub first_failure_output: String,
    pub logs_dir: PathBuf,
    /// A run's log could not be written or rewritten (a full disk, say), named with the file
    /// and the system's error: the runs were stopped, and the measurement cannot be trusted.
    pub log_write_error: Option<String>,
}

/// What a slot reports after each run: its result, or why its log failed.
type Report = Result<RunResult, String>;

/// One run in parallel slot `slot`: the slot's log file and temporary directory are reused by
/// its next run (a failing run's log is moved to `run-N.log`; a dirty temp dir is emptied). A
/// log that cannot be made, written or redacted is the error.
async fn one(
    spec: StressSpec,
    index: u32,
    slot: u32,
    cancel: watch::Receiver<bool>,
) -> Result<RunResult, String> {
    let seed = spec.seed.wrapping_add(u64::from(index));
    let command = spec.command.replace("{seed}", &seed.to_string());
    let command = if spec.nice {
        format!("exec nice -n 10 sh -c {}", shell_quote(&command))
    } else {
        command
    };
    let log = spec.logs_dir.join(format!("slot-{slot}.log"));
    let tmp = spec.logs_dir.join("tmp").join(format!("slot-{slot}"));
    if std::fs::read_dir(&tmp).map_or(true, |mut entries| entries.next().is_some()) {
        let _ = std::fs::remove_dir_all(&tmp);
        let _ = std::fs::create_dir_all(&tmp);
    }
    let mut run = Spec::shell(&command, spec.cwd.clone(), log.clone());
    run.timeout = Some(spec.timeout);
    run.grace = Duration::from_secs(2);
    run.env = spec.env.clone();
    run.env.extend([
        ("FIXLOOP_STRESS_RUN".to_owned(), index.to_string()),
        ("FIXLOOP_STRESS_SEED".to_owned(), seed.to_string()),
        ("TMPDIR".to_owned(), tmp.display().to_string()),
    ]);
    run.env_remove = spec.env_remove.clone();
    let mut cancel = cancel;
    let finished = process::run_to_file(&run, &mut cancel).await;
    let (ending, duration) = match finished {
        Ok(f) => (f.ending, f.duration),
        Err(e) if e.is_log() => return Err(e.to_string()),
        Err(e) => {
            // The run could not start (a missing program): its log says why.
            std::fs::write(&log, e.to_string())
                .map_err(|w| format!("cannot write the log file {}: {w}", log.display()))?;
            (Ending::Exited(127), Duration::ZERO)
        }
    };
    let cancelled = ending == Ending::Cancelled;
    let timed_out = ending == Ending::TimedOut;
    let failed = ending != Ending::Exited(0) && !cancelled;
    let kept = spec.logs_dir.join(format!("run-{index}.log"));
    let (signature, matches_ci) = if failed {
        std::fs::rename(&log, &kept)
            .map_err(|e| format!("cannot keep the log file {}: {e}", kept.display()))?;
        super::secrets::redact_file(&kept)
            .map_err(|e| format!("cannot rewrite the log file {}: {e}", kept.display()))?;
        let log = &kept;
        let output = process::read_tail(log, 64 * 1024);
        let sig = if timed_out {
            format!("(hung: no end within {} s)", spec.timeout.as_secs())
        } else {
            match signature::of(&output) {
                sig if sig == signature::NO_OUTPUT => silent_signature(ending),
                sig => sig,
            }
        };
        let matches = spec
            .ci_signature
            .as_ref()
            .is_none_or(|re| re.is_match(&output));
        (Some(sig), matches && !timed_out)
    } else {
        (None, false)
    };
    Ok(RunResult {
        index,
        failed,
        timed_out,
        exit_code: match ending {
            Ending::Exited(c) => Some(c),
            _ => None,
        },
        signal: match ending {
            Ending::Signalled(s) => Some(s),
            _ => None,
        },
        duration,
        signature,
        matches_ci,
        log: failed.then_some(kept),
    })
}

/// A failing run that printed nothing, told apart by how it ended: its exit code, or the signal
/// that killed it.
fn silent_signature(ending: Ending) -> String {
    match ending {
        Ending::Exited(code) => format!("(no output, exit {code})"),
        Ending::Signalled(signal) => format!("(no output, killed by {})", signal_name(signal)),
        Ending::TimedOut | Ending::Cancelled => signature::NO_OUTPUT.to_owned(),
    }
}

/// `SIGKILL` for 9; the number when the system has no name for it.
fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_owned())
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs the stress test; `progress` is called after every run.
pub async fn run(
    spec: &StressSpec,
    progress: &mut (dyn FnMut(Progress) + Send),
    mut cancel: watch::Receiver<bool>,
) -> Outcome {
    let started = Instant::now();
    let _ = std::fs::create_dir_all(&spec.logs_dir);
    let (stop_tx, stop_rx) = watch::channel(false);
    let next = Arc::new(AtomicU32::new(1));
    let out_of_time = Arc::new(AtomicBool::new(false));
    let (tx, mut rx) = mpsc::unbounded_channel::<Report>();
    let mut slots = JoinSet::new();
    // One long-lived task per parallel slot takes the next run number until there is none.
    for slot in 0..spec.jobs.max(1) {
        let (spec, next, out_of_time, stop, tx) = (
            spec.clone(),
            next.clone(),
            out_of_time.clone(),
            stop_rx.clone(),
            tx.clone(),
        );
        slots.spawn(async move {
            loop {
                if *stop.borrow() {
                    break;
                }
                if spec.budget.is_some_and(|b| started.elapsed() >= b) {
                    out_of_time.store(true, Ordering::Relaxed);
                    break;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index > spec.runs {
                    break;
                }
                let report = one(spec.clone(), index, slot, stop.clone()).await;
                let failed = report.is_err();
                if tx.send(report).is_err() || failed {
                    break;
                }
            }
        });
    }
    drop(tx);
    let Collected {
        mut results,
        failures,
        cancelled,
        log_write_error,
    } = collect(spec, started, &mut rx, progress, &mut cancel, &stop_tx).await;
    while slots.join_next().await.is_some() {}
    let stopped_by_failures = spec.stop_after_failures.is_some_and(|n| failures >= n);
    let stopped_early = cancelled
        || log_write_error.is_some()
        || out_of_time.load(Ordering::Relaxed)
        || (u32::try_from(results.len()).unwrap_or(u32::MAX) < spec.runs && !stopped_by_failures);
    results.sort_by_key(|r| r.index);
    remove_slot_files(spec);
    let groups = group_failures(&results);
    let first = results.iter().find(|r| r.failed);
    let count = |f: &dyn Fn(&RunResult) -> bool| {
        u32::try_from(results.iter().filter(|r| f(r)).count()).unwrap_or(u32::MAX)
    };
    Outcome {
        runs: u32::try_from(results.len()).unwrap_or(u32::MAX),
        failures: count(&|r| r.failed),
        matching: count(&|r| r.failed && r.matches_ci),
        timeouts: count(&|r| r.timed_out),
        wall: started.elapsed(),
        first_failure_run: first.map(|r| r.index),
        groups,
        stopped_early,
        first_failure_output: first
            .and_then(|r| r.log.as_deref())
            .map(output_tail)
            .unwrap_or_default(),
        logs_dir: spec.logs_dir.clone(),
        log_write_error,
    }
}

/// The runs' results as they came, the failures among them, whether the stress was cancelled,
/// and a log that could not be written.
struct Collected {
    results: Vec<RunResult>,
    failures: u32,
    cancelled: bool,
    log_write_error: Option<String>,
}

/// Takes the runs' results as they come, reporting progress after each, until every slot is
/// done. A failure limit reached, a log that cannot be written or a cancel tells the slots to
/// stop; runs they cut short are dropped, not counted.
async fn collect(
    spec: &StressSpec,
    started: Instant,
    rx: &mut mpsc::UnboundedReceiver<Report>,
    progress: &mut (dyn FnMut(Progress) + Send),
    cancel: &mut watch::Receiver<bool>,
    stop_tx: &watch::Sender<bool>,
) -> Collected {
    let mut results: Vec<RunResult> = Vec::new();
    let mut failures = 0;
    let mut cancelled = false;
    let mut log_write_error = None;
    loop {
        tokio::select! {
            report = rx.recv() => {
                let result = match report {
                    None => break,
                    Some(Ok(result)) => result,
                    Some(Err(error)) => {
                        log_write_error.get_or_insert(error);
                        let _ = stop_tx.send(true);
                        continue;
                    }
                };
                if result.exit_code.is_none() && result.signal.is_none() && !result.timed_out {
                    continue; // stopped by the stop signal: not a run
                }
                failures += u32::from(result.failed);
                let failed = result.failed;
                results.push(result);
                progress(Progress {
                    done: u32::try_from(results.len()).unwrap_or(u32::MAX),
                    planned: spec.runs,
                    failures,
                    elapsed: started.elapsed(),
                });
                if failed && spec.stop_after_failures.is_some_and(|n| failures >= n) {
                    let _ = stop_tx.send(true);
                }
            }
            changed = cancel.changed(), if !cancelled => {
                if changed.is_err() || *cancel.borrow() {
                    cancelled = true;
                    let _ = stop_tx.send(true);
                }
            }
        }
    }
    Collected {
        results,
        failures,
        cancelled,
        log_write_error,
    }
}

/// The slots' scratch: their logs (a failing run's was moved away) and temporary directories.
fn remove_slot_files(spec: &StressSpec) {
    for slot in 0..spec.jobs.max(1) {
        let _ = std::fs::remove_file(spec.logs_dir.join(format!("slot-{slot}.log")));
    }
    let _ = std::fs::remove_dir_all(spec.logs_dir.join("tmp"));
}

/// The failed runs grouped by signature: (signature, count, any matches the CI signature), most
/// frequent first, ties by signature.
fn group_failures(results: &[RunResult]) -> Vec<(String, u32, bool)> {
    let mut groups: Vec<(String, u32, bool)> = Vec::new();
    for r in results.iter().filter(|r| r.failed) {
        let sig = r.signature.clone().unwrap_or_default();
        match groups.iter_mut().find(|(s, _, _)| *s == sig) {
            Some(g) => {
                g.1 += 1;
                g.2 |= r.matches_ci;
            }
            None => groups.push((sig, 1, r.matches_ci)),
        }
    }
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    groups
}

/// The last 40 lines of a run's log, from its last 8 KiB.
fn output_tail(log: &std::path::Path) -> String {
    let text = process::read_tail(log, 8 * 1024);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A line of live progress: runs, failures, the rate with its interval, speed, time left.
#[must_use]
pub fn progress_line(done: u32, planned: u32, failures: u32, elapsed: Duration) -> String {
    let rate = match wilson_95(failures, done) {
        Some((lo, hi)) => format!(
            "{} (95 % CI {}–{})",
            percent(f64::from(failures) / f64::from(done)),
            percent(lo).trim_end_matches(" %"),
            percent(hi)
        ),
        None => "–".into(),
    };
    let per_second = f64::from(done) / elapsed.as_secs_f64().max(1e-3);
    let left = f64::from(planned.saturating_sub(done)) / per_second.max(1e-3);
    format!(
        "runs {done}/{planned}, failures {failures}, rate {rate}, {per_second:.1} runs/s, ~{left:.0} s left"
    )
}

/// Busy threads on every core until told to stop (perturbation for timing-dependent failures).
#[must_use]
pub fn cpu_load(cores: u32) -> watch::Sender<bool> {
    let (tx, rx) = watch::channel(false);
    for _ in 0..cores {
        let rx = rx.clone();
        std::thread::spawn(move || {
            let mut x = 0u64;
            while !*rx.borrow() {
                for i in 0..100_000u64 {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i);
                }
                std::hint::black_box(x);
            }
        });
    }
    tx
}
