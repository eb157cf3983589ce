//! `fixloop reports`: past runs from `outputs/`, as a table or JSON; `show` prints one report.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::CommandError;
use crate::cli::{ReportsArgs, ReportsCommand};
use crate::core::report;
use crate::core::view::RunView;
use crate::engine::store::{Store, read_journal};

fn workspace(info: Option<&Path>) -> PathBuf {
    info.and_then(Path::parent)
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn reports(args: &ReportsArgs) -> Result<i32, CommandError> {
    let store = Store::new(&workspace(args.info.as_deref()));
    if let Some(ReportsCommand::Show { run }) = &args.show {
        return show(&store, run);
    }
    let mut rows = Vec::new();
    for id in store.run_ids() {
        let Ok(events) = read_journal(&store.run_dir(&id).join("events.jsonl")) else {
            continue;
        };
        let view = RunView::replay(&events);
        let end = report::conclusion(&view);
        rows.push(json!({
            "run_id": id,
            "name": view.name,
            "deterministic": view.info.as_ref().map(|i| i.deterministic),
            "status": if view.finished.is_some() { end.status.as_str() } else { "unfinished" },
            "started_at": view.started_at.map(|t| t.to_rfc3339()),
            "duration_ms": view.elapsed_ms(),
            "cost_usd": view.cost_usd(),
            "pr": view.pr.as_ref().map(|(url, _)| url.clone()),
            "report": view.report.as_ref().map(|(md, _)| md.clone()),
        }));
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(0);
    }
    if rows.is_empty() {
        println!("No runs yet in {}.", store.outputs.display());
        return Ok(0);
    }
    println!(
        "{:<19}  {:<28}  {:<6}  {:<10}  {:>8}  {:>8}  PR",
        "date", "name", "kind", "status", "time", "cost"
    );
    for row in rows {
        let text = |k: &str| row[k].as_str().unwrap_or("").to_owned();
        let date = text("started_at")
            .replace('T', " ")
            .chars()
            .take(19)
            .collect::<String>();
        let kind = match row["deterministic"] {
            Value::Bool(true) => "det",
            Value::Bool(false) => "flaky",
            _ => "?",
        };
        let secs = row["duration_ms"].as_u64().unwrap_or(0) / 1000;
        let cost = row["cost_usd"]
            .as_f64()
            .map_or_else(|| "–".into(), |c| format!("${c:.2}"));
        println!(
            "{date:<19}  {:<28}  {kind:<6}  {:<10}  {:>5}m{:02}s  {cost:>8}  {}",
            text("name").chars().take(28).collect::<String>(),
            text("status"),
            secs / 60,
            secs % 60,
            row["pr"].as_str().unwrap_or("–")
        );
    }
    Ok(0)
}

fn show(store: &Store, run: &str) -> Result<i32, CommandError> {
    let path = Path::new(run);
    let markdown = if path.extension().is_some_and(|e| e == "md") && path.is_file() {
        std::fs::read_to_string(path).map_err(|e| CommandError::new(65, format!("{run}: {e}")))?
    } else {
        let journal = store.run_dir(run).join("events.jsonl");
        if !journal.is_file() {
            return Err(CommandError::new(
                65,
                format!(
                    "no run `{run}` in {}\n  hint: `fixloop reports` lists the runs",
                    store.outputs.display()
                ),
            ));
        }
        let events = read_journal(&journal).map_err(|e| CommandError::new(65, e))?;
        let view = RunView::replay(&events);
        report::markdown(&view, &report::conclusion(&view))
    };
    print!("{markdown}");
    Ok(0)
}
