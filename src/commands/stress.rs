//! `fixloop stress -- CMD`: how often a command fails, with what, and how sure that is.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;

use super::CommandError;
use crate::cli::StressArgs;
use crate::core::exit::ExitCode;
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
    let (cancel_tx, cancel_rx) = watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = cancel_tx.send(true);
    });
    let load = args.cpu_load.then(|| stress::cpu_load(cores));
    let mut last = Instant::now();
    let quiet = args.json;
    let mut on_progress = move |p: stress::Progress| {
        if !quiet && (last.elapsed() >= Duration::from_secs(1) || p.done == p.planned) {
            last = Instant::now();
            eprintln!(
                "{}",
                progress_line(p.done, p.planned, p.failures, p.elapsed)
            );
        }
    };
    let outcome = stress::run(&spec, &mut on_progress, cancel_rx).await;
    if let Some(stop) = load {
        let _ = stop.send(true);
    }
    if let Some(error) = &outcome.log_write_error {
        // A run whose output was lost cannot be counted: no figure is better than a wrong one.
        return Err(CommandError::new(ExitCode::Io, error.clone())
            .hint("free some space (or fix the permissions of the logs folder) and run it again"));
    }
    let interval = wilson_95(outcome.failures, outcome.runs).unwrap_or((0.0, 1.0));
    let rate = if outcome.runs == 0 {
        0.0
    } else {
        f64::from(outcome.failures) / f64::from(outcome.runs)
    };
    if args.json {
        print_json(&spec, &outcome, rate, interval);
    } else {
        print_summary(&spec, &outcome, rate, interval);
    }
    Ok(if outcome.failures > 0 {
        ExitCode::Failed
    } else {
        ExitCode::Success
    })
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

fn print_json(spec: &StressSpec, outcome: &stress::Outcome, rate: f64, interval: (f64, f64)) {
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
        "logs_dir": outcome.logs_dir.display().to_string(),
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
