//! `fixloop reports` and `fixloop stats`: past runs from `outputs/`, in the browser when a
//! terminal is there, else as a table or JSON.

use std::path::Path;

use super::CommandError;
use crate::cli::{ReportsArgs, ReportsCommand, StatsArgs};
use crate::core::exit::ExitCode;
use crate::core::history::{Row, SortKey, select, stats};
use crate::core::report;
use crate::core::view::RunView;
use crate::engine::store::{Store, read_journal};
use crate::ui::tui::{self, browser::BrowserApp, browser::Screen, views::duration};

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

async fn browse(store: &Store, rows: Vec<Row>, stats_only: bool) -> Result<ExitCode, CommandError> {
    let mut app = BrowserApp::new(rows, store.outputs.display().to_string(), color());
    if stats_only {
        app.stats_only = true;
        app.screen = Screen::Stats;
    }
    tui::browse(app, store)
        .await
        .map_err(|e| CommandError::new(ExitCode::Failed, format!("the terminal failed: {e}")))?;
    Ok(ExitCode::Success)
}

pub async fn reports(args: &ReportsArgs) -> Result<ExitCode, CommandError> {
    if let Some(ReportsCommand::Show { run }) = &args.show {
        return show(args.info.as_deref(), run);
    }
    let store = Store::new(&super::workspace_of(args.info.as_deref()));
    let rows = store.rows();
    if !args.json && super::run::interactive_terminal() {
        return browse(&store, rows, false).await;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(ExitCode::Success);
    }
    if rows.is_empty() {
        println!("No runs yet in {}.", store.outputs.display());
        return Ok(ExitCode::Success);
    }
    // The run id says when and what; a cut id is still a prefix `reports show` and `resume`
    // take.
    println!(
        "{:<40}  {:<5}  {:<8}  {:>7}  {:>7}  PR",
        "run", "kind", "status", "time", "cost"
    );
    for i in select(&rows, "", SortKey::Date, true) {
        let r = &rows[i];
        let cost = r
            .cost_usd
            .map_or_else(|| "–".into(), |c| format!("${c:.2}"));
        println!(
            "{:<40}  {:<5}  {:<8}  {:>7}  {cost:>7}  {}",
            r.run_id.chars().take(40).collect::<String>(),
            r.kind(),
            r.status,
            duration(r.duration_ms),
            r.pr.as_deref().unwrap_or("–")
        );
    }
    Ok(ExitCode::Success)
}

pub async fn stats_command(args: &StatsArgs) -> Result<ExitCode, CommandError> {
    let store = Store::new(&super::workspace_of(args.info.as_deref()));
    let rows = store.rows();
    if !args.json && super::run::interactive_terminal() {
        return browse(&store, rows, true).await;
    }
    let s = stats(&rows);
    let workspace = super::workspace_of(args.info.as_deref());
    if args.json {
        let mut value = serde_json::to_value(&s).unwrap_or_default();
        value["memory"] = super::memory::stats_json(&workspace);
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(ExitCode::Success);
    }
    if s.runs == 0 {
        println!("No runs yet in {}.", store.outputs.display());
        super::memory::print_stats(&workspace);
        return Ok(ExitCode::Success);
    }
    // A command or manual agent reports no cost: "$0.00" would read as free.
    let cost = if s.runs_with_cost == 0 {
        "no cost recorded".to_owned()
    } else {
        format!("total cost ${:.2}", s.total_cost_usd)
    };
    println!(
        "{} runs, {} verified fixes ({:.0} %); median time to a verified fix {}; {cost}",
        s.runs,
        s.successes,
        s.success_rate.unwrap_or(0.0) * 100.0,
        s.median_success_ms.map_or_else(|| "–".into(), duration),
    );
    println!("\nVerified fixes per day:");
    for (day, runs, ok) in &s.by_day {
        let pct = ok * 100 / (*runs).max(1);
        println!("  {day}  {:<20} {pct:>3} % of {runs}", "█".repeat(pct / 5));
    }
    if !s.failure_kinds.is_empty() {
        println!("\nHow runs failed:");
        for (kind, n) in &s.failure_kinds {
            println!("  {n:>4}  {kind}");
        }
    }
    if !s.flaky_tests.is_empty() {
        println!("\nFlaky tests:");
        for (test, n) in &s.flaky_tests {
            println!("  {n:>4}  {test}");
        }
    }
    super::memory::print_stats(&workspace);
    Ok(ExitCode::Success)
}

/// A report file, else the run `run` names (its id or the start of it, from any folder).
fn show(info: Option<&Path>, run: &str) -> Result<ExitCode, CommandError> {
    let path = Path::new(run);
    let markdown = if path.extension().is_some_and(|e| e == "md") && path.is_file() {
        std::fs::read_to_string(path)
            .map_err(|e| CommandError::new(ExitCode::Input, format!("{run}: {e}")))?
    } else {
        let (store, id) = super::find_run(info, run)?;
        let journal = store.run_dir(&id).join("events.jsonl");
        let events = read_journal(&journal).map_err(|e| CommandError::new(ExitCode::Input, e))?;
        let view = RunView::replay(&events);
        report::markdown(&view, &report::conclusion(&view))
    };
    print!("{markdown}");
    Ok(ExitCode::Success)
}
