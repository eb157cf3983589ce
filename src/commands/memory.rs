//! fixloop's memory at the command line: the repository key commands record under, `fixloop
//! flaky` (the known flaky tests) and what `fixloop stats` adds from the memory (fixes that held,
//! the registry).

use std::path::Path;

use serde_json::{Value, json};

use super::CommandError;
use crate::adapters::git::Git;
use crate::cli::StatsArgs;
use crate::core::exit::ExitCode;
use crate::core::memory::{FlakyEntry, Record, held, registry, repo_key};
use crate::core::sanitize::for_terminal;
use crate::core::stats::percent;
use crate::engine::memory::Memory;

/// The memory's name for the repository `dir` is in: its remote's `host/owner/name` (the remote
/// named, else `origin`), else its top folder (else `dir` itself).
pub async fn repo_of(dir: &Path, remote: Option<&str>) -> String {
    let top = Git::run_in(dir, &["rev-parse", "--show-toplevel"], &[])
        .await
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            std::fs::canonicalize(dir)
                .unwrap_or_else(|_| dir.to_path_buf())
                .display()
                .to_string()
        });
    let url = Git::run_in(dir, &["remote", "get-url", remote.unwrap_or("origin")], &[])
        .await
        .ok();
    repo_key(url.as_deref(), &top)
}

/// Adds `record` to the memory of `workspace`; one that cannot be written is a note on standard
/// error (the memory only helps).
pub fn remember(workspace: &Path, record: &Record) {
    let memory = Memory::of_workspace(workspace);
    if let Err(e) = memory.append(record) {
        eprintln!(
            "note: could not add this to fixloop's memory at {}: {e}",
            memory.path().display()
        );
    }
}

/// `fixloop flaky [--json]`: the registry of known flaky tests of the workspace's memory.
pub fn flaky_command(args: &StatsArgs) -> Result<ExitCode, CommandError> {
    let memory = Memory::of_workspace(&super::workspace_of(args.info.as_deref()));
    let entries = registry(&memory.records(), None);
    if args.json {
        let list: Vec<Value> = entries.iter().map(entry_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return Ok(ExitCode::Success);
    }
    if entries.is_empty() {
        println!(
            "No flaky tests measured yet in {} (`fixloop stress` and flaky runs add them).",
            memory.path().display()
        );
        return Ok(ExitCode::Success);
    }
    print_registry(&entries);
    Ok(ExitCode::Success)
}

fn entry_json(e: &FlakyEntry) -> Value {
    json!({
        "repo": e.repo,
        "test": e.test,
        "failure_rate": e.rate,
        "interval_95": [e.interval_95.0, e.interval_95.1],
        "runs": e.runs,
        "failures": e.failures,
        "measurements": e.measurements,
        "last_measured": e.last_at,
        "fixed": e.fixed_by.is_some(),
        "fixed_by": e.fixed_by,
    })
}

fn print_registry(entries: &[FlakyEntry]) {
    println!(
        "{:>7}  {:<15}  {:>6}  {:<10}  {:<16}  test",
        "rate", "95 % CI", "runs", "measured", "fixed"
    );
    for e in entries {
        let interval = format!(
            "{}–{}",
            percent(e.interval_95.0).trim_end_matches(" %"),
            percent(e.interval_95.1)
        );
        println!(
            "{:>7}  {:<15}  {:>6}  {:<10}  {:<16}  {}",
            percent(e.rate),
            interval,
            e.runs,
            e.last_at.chars().take(10).collect::<String>(),
            e.fixed_by
                .as_deref()
                .map_or("no".into(), |r| format!("by {r}")),
            for_terminal(&e.test)
        );
    }
}

/// What the memory adds to `fixloop stats --json`: fixes that held per kind, the registry.
#[must_use]
pub fn stats_json(workspace: &Path) -> Value {
    let records = Memory::of_workspace(workspace).records();
    let held = held(&records);
    json!({
        "fixes_held": held.by_kind,
        "fixes_not_held": held.broken.iter().map(|(run, at)| json!({"run": run, "failed_again_at": at})).collect::<Vec<_>>(),
        "known_flaky": registry(&records, None).iter().map(entry_json).collect::<Vec<_>>(),
    })
}

/// What the memory adds to `fixloop stats`.
pub fn print_stats(workspace: &Path) {
    let records = Memory::of_workspace(workspace).records();
    let held = held(&records);
    if !held.by_kind.is_empty() {
        println!("\nFixes that held (no later failure of their tests):");
        for row in &held.by_kind {
            println!("  {:<6} {} of {}", row.kind, row.held, row.fixes);
        }
        for (run, at) in &held.broken {
            println!(
                "  not held: run {} (failed again {})",
                for_terminal(run),
                at.chars().take(10).collect::<String>()
            );
        }
    }
    let entries = registry(&records, None);
    if !entries.is_empty() {
        println!("\nKnown flaky tests (stress measurements):");
        print_registry(&entries);
    }
}
