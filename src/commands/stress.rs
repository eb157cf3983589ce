//! `fixloop stress -- CMD`: how often a command fails, with what, and how sure that is.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use super::CommandError;
use crate::cli::StressArgs;
use crate::core::exit::ExitCode;
use crate::core::memory::{FlakyMeasure, Record};
use crate::core::sanitize::for_terminal;
use crate::core::stats::{percent, wilson_95};
use crate::engine::stress::{self, StressSpec, progress_line};

fn quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%{}".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

pub async fn stress(args: &StressArgs) -> Result<ExitCode, CommandError> {
    let cores =
        std::thread::available_parallelism().map_or(2, |n| u32::try_from(n.get()).unwrap_or(2));
    let spec = stress_spec(args, cores)?;
    // Made (by the runs) only when no --logs folder was given; removed on the way out, an error
    // or Ctrl-C included, unless it keeps a failing run's log.
    let mut temp_logs = TempLogs {
        dir: args.logs.is_none().then(|| spec.logs_dir.clone()),
    };
    let cancel_rx = cancel_on_interrupt();
    let load = args.cpu_load.then(|| stress::cpu_load(cores));
    let mut progress = ProgressLine::new(!args.json, std::io::stderr().is_terminal());
    let outcome = stress::run(&spec, &mut |p| progress.show(p), cancel_rx).await;
    progress.finish();
    if let Some(stop) = load {
        let _ = stop.send(true);
    }
    if let Some(error) = &outcome.log_write_error {
        // A run whose output was lost cannot be counted: no figure is better than a wrong one.
        return Err(CommandError::new(ExitCode::Io, error.clone())
            .hint("free some space (or fix the permissions of the logs folder) and run it again"));
    }
    if outcome.failures > 0 {
        temp_logs.keep();
    }
    // The folder of the failing runs' logs, unless it is being removed for holding none.
    let logs_dir = (args.logs.is_some() || outcome.failures > 0).then_some(&outcome.logs_dir);
    let interval = wilson_95(outcome.failures, outcome.runs).unwrap_or((0.0, 1.0));
    let rate = if outcome.runs == 0 {
        0.0
    } else {
        f64::from(outcome.failures) / f64::from(outcome.runs)
    };
    // Every measurement goes to the registry of known flaky tests, under the command measured
    // (whose words name the test), in the memory of the current folder's workspace.
    if outcome.runs > 0 {
        let record = Record::Flaky(FlakyMeasure {
            repo: super::memory::repo_of(&spec.cwd, None).await,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            test: spec.command.clone(),
            runs: outcome.runs,
            failures: outcome.failures,
        });
        super::memory::remember(&spec.cwd, &record);
    }
    if args.json {
        print_json(&spec, &outcome, rate, interval, logs_dir);
    } else {
        print_summary(&spec, &outcome, rate, interval);
    }
    Ok(if outcome.failures > 0 {
        ExitCode::Failed
    } else {
        ExitCode::Success
    })
}

/// A cancel that Ctrl-C sends. The handler is in place before this returns, so an early Ctrl-C
/// still stops the runs (and lets the logs folder be removed) instead of killing fixloop.
fn cancel_on_interrupt() -> watch::Receiver<bool> {
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let interrupt = signal(SignalKind::interrupt());
    tokio::spawn(async move {
        match interrupt {
            Ok(mut interrupt) => {
                interrupt.recv().await;
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        let _ = cancel_tx.send(true);
    });
    cancel_rx
}

/// The logs folder fixloop made under the temp dir, removed when dropped unless kept.
struct TempLogs {
    dir: Option<PathBuf>,
}

impl TempLogs {
    fn keep(&mut self) {
        self.dir = None;
    }
}

impl Drop for TempLogs {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Live progress on standard error. On a terminal it is one line, redrawn in place a few times
/// a second and ended with a newline; elsewhere (a pipe, a CI log) a line a second. The last
/// count is always shown.
struct ProgressLine {
    shown: bool,
    terminal: bool,
    last: Instant,
    drawn: bool,
}

impl ProgressLine {
    fn new(shown: bool, terminal: bool) -> Self {
        Self {
            shown,
            terminal,
            last: Instant::now(),
            drawn: false,
        }
    }

    fn show(&mut self, p: stress::Progress) {
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(1)
        };
        if !self.shown || (self.last.elapsed() < every && p.done < p.planned) {
            return;
        }
        self.last = Instant::now();
        let line = progress_line(p.done, p.planned, p.failures, p.elapsed);
        let mut err = std::io::stderr().lock();
        if self.terminal {
            // A line wider than the terminal would wrap, and `\r` only goes back to its last row.
            // (A terminal that gives no size, as some pseudo-terminals do, gets the whole line.)
            let width = match crossterm::terminal::size() {
                Ok((cols, _)) if cols > 1 => usize::from(cols) - 1,
                _ => usize::MAX,
            };
            let line: String = line.chars().take(width).collect();
            let _ = write!(err, "\r{line}\x1b[K");
            self.drawn = true;
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Ends the line redrawn in place, so that what follows starts on a line of its own.
    fn finish(&mut self) {
        if std::mem::take(&mut self.drawn) {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// The stress run the arguments ask for, in the current directory; the arguments are quoted
/// back into one shell command.
fn stress_spec(args: &StressArgs, cores: u32) -> Result<StressSpec, CommandError> {
    let signature = match &args.signature {
        Some(s) => Some(regex::Regex::new(s).map_err(|e| {
            CommandError::new(
                ExitCode::Usage,
                format!("--signature: not a valid regular expression: {e}"),
            )
        })?),
        None => None,
    };
    if args.runs == 0 {
        return Err(CommandError::new(
            ExitCode::Usage,
            "--runs must be at least 1",
        ));
    }
    let logs_dir = args.logs.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "fixloop-stress-{}",
            chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f")
        ))
    });
    let command: Vec<String> = args.command.iter().map(|a| quote(a)).collect();
    Ok(StressSpec {
        command: command.join(" "),
        cwd: std::env::current_dir()
            .map_err(|e| CommandError::new(ExitCode::Failed, e.to_string()))?,
        runs: args.runs,
        jobs: args.jobs.unwrap_or(cores).max(1),
        timeout: Duration::from_secs(args.timeout.max(1)),
        budget: None,
        stop_after_failures: args.until_fail.then_some(1),
        logs_dir,
        seed: args.seed,
        env: Vec::new(),
        env_remove: Vec::new(),
        ci_signature: signature,
        nice: args.nice,
    })
}

/// The outcome as the contract's JSON; `logs_dir` is null when no folder of logs was left.
fn print_json(
    spec: &StressSpec,
    outcome: &stress::Outcome,
    rate: f64,
    interval: (f64, f64),
    logs_dir: Option<&PathBuf>,
) {
    let value = json!({
        "command": spec.command,
        "runs": outcome.runs,
        "failures": outcome.failures,
        "failure_rate": rate,
        "interval_95": [interval.0, interval.1],
        "wall_ms": u64::try_from(outcome.wall.as_millis()).unwrap_or(u64::MAX),
        "first_failure_run": outcome.first_failure_run,
        "signatures": outcome.groups.iter().map(|(text, count, ci)| json!({"text": text, "count": count, "matches_signature": ci})).collect::<Vec<_>>(),
        "timeouts": outcome.timeouts,
        "logs_dir": logs_dir.map(|d| d.display().to_string()),
    });
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    println!("{}", crate::engine::secrets::redact(&text));
}

/// The rate with its interval, then each failure signature with its count.
fn print_summary(spec: &StressSpec, outcome: &stress::Outcome, rate: f64, interval: (f64, f64)) {
    println!(
        "{} runs in {:.1} s: {} failed ({}, 95 % CI {}–{}){}",
        outcome.runs,
        outcome.wall.as_secs_f64(),
        outcome.failures,
        percent(rate),
        percent(interval.0).trim_end_matches(" %"),
        percent(interval.1),
        outcome
            .first_failure_run
            .map(|r| format!("; first failure in run {r}"))
            .unwrap_or_default()
    );
    for (text, count, ci) in &outcome.groups {
        let mark = if spec.ci_signature.is_some() && *ci {
            "  ← the signature"
        } else {
            ""
        };
        let text = crate::engine::secrets::redact(text);
        println!("  {count:>5} × {}{mark}", for_terminal(&text));
    }
    if outcome.failures > 0 {
        println!("logs of failing runs: {}", outcome.logs_dir.display());
    }
}
