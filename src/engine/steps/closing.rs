//! The end of every run: its worktrees removed (the fix worktree kept when the run did not
//! succeed), the people who know the changed files found, and the report written.

use std::path::{Path, PathBuf};

use crate::core::error::StepError;
use crate::core::event::{EventKind, RunStatus};
use crate::core::exit::ExitCode;
use crate::core::memory::records_of_run;
use crate::core::report::{self, Sections};
use crate::core::view::{Conclusion, RunView};
use crate::engine::bench::Bench;
use crate::engine::memory::Memory;
use crate::engine::store::read_journal;

/// How many developers the report names.
const DEVELOPERS: usize = 3;

/// Removes the run's worktrees; a kept fix worktree is recorded with its content (a tree id), so
/// that `fixloop clean` removes it only as the run left it.
pub async fn cleanup(bench: &Bench, keep_fix_worktree: bool) -> EventKind {
    let (scratch, fix) = bench.view(|v| (v.scratch.clone(), v.fix.clone()));
    let mut paths = Vec::new();
    let mut kept = Vec::new();
    let mut kept_trees = Vec::new();
    let mut remove: Vec<PathBuf> = scratch.into_iter().map(PathBuf::from).collect();
    if let Some(fix) = fix {
        let worktree = PathBuf::from(&fix.worktree);
        if keep_fix_worktree {
            kept.push(fix.worktree.clone());
            kept_trees.push(snapshot(bench, &worktree).await);
        } else {
            remove.push(worktree);
        }
    }
    // The step-long worktrees (verification, revert check, the tests written after the fix) that
    // a killed attempt at a step left behind go too.
    if let Ok(dir) = bench.vcs.worktrees_dir().await
        && let Ok(entries) = std::fs::read_dir(&dir)
    {
        let prefix = format!("{}-", bench.setup.run_id);
        for entry in entries.flatten() {
            let path = entry.path();
            let ours = entry.file_name().to_string_lossy().starts_with(&prefix);
            let kept_here = kept.iter().any(|k| Path::new(k) == path);
            if ours && !kept_here && !remove.contains(&path) {
                remove.push(path);
            }
        }
    }
    for path in remove {
        if !path.exists() {
            // Gone already (a resumed run whose first attempt had cleaned up).
            paths.push(path.display().to_string());
            continue;
        }
        match bench.vcs.remove_worktree(&path).await {
            Ok(()) => paths.push(path.display().to_string()),
            Err(e) => bench.warn(format!("could not remove worktree {}: {e}", path.display())),
        }
    }
    bench.vcs.prune_worktrees().await;
    EventKind::WorktreesRemoved {
        paths,
        kept,
        kept_trees,
    }
}

/// The content of a worktree fixloop made, as one tree id (everything staged in its own index).
async fn snapshot(bench: &Bench, worktree: &std::path::Path) -> String {
    if bench.vcs.stage_all(worktree).await.is_err() {
        return String::new();
    }
    bench.vcs.write_tree(worktree).await.unwrap_or_default()
}

/// Finds who knows the files the fix changed best.
pub async fn find_developers(bench: &Bench) -> EventKind {
    let (files, base) = bench.view(|view| {
        let files: Vec<String> = view
            .fix
            .as_ref()
            .map(|f| f.files_changed.clone())
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| {
                view.verification()
                    .map(|v| {
                        v.diff
                            .lines()
                            .filter_map(|l| l.strip_prefix("+++ b/"))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            });
        (files, view.fix.as_ref().map(|f| f.base_commit.clone()))
    });
    let rev = base.unwrap_or_else(|| "HEAD".into());
    EventKind::DevelopersFound {
        developers: bench.vcs.authors(&rev, &files, DEVELOPERS).await,
    }
}

/// Adds the run to the memory beside the reports; one that cannot be written is a warning (the
/// memory only helps).
fn remember(bench: &Bench, view: &RunView, end: &Conclusion) {
    let setup = &bench.setup;
    let repo = setup.memory_repo();
    let memory = Memory::of_workspace(&setup.workspace);
    for record in records_of_run(view, end, &repo) {
        if let Err(e) = memory.append(&record) {
            bench.warn(format!(
                "could not add the run to fixloop's memory at {}: {e}",
                memory.path().display()
            ));
            return;
        }
    }
}

/// Writes the report (markdown and JSON) into `outputs/`.
pub fn write_report(
    bench: &Bench,
    sections: &dyn Sections,
    status: RunStatus,
    exit_code: ExitCode,
    message: String,
) -> Result<EventKind, StepError> {
    let setup = &bench.setup;
    // The report is a replay of the journal through the one reducer, so what it says is exactly
    // what was recorded; the live view only stands in if the journal is unreadable.
    let journal = setup.run_dir.join("events.jsonl");
    let view = match read_journal(&journal) {
        Ok(events) if !events.is_empty() => RunView::replay(&events),
        Ok(_) | Err(_) => {
            bench.warn(format!(
                "could not replay {}; the report uses the live view",
                journal.display()
            ));
            bench.view(RunView::clone)
        }
    };
    let end = Conclusion {
        status,
        exit_code,
        message,
    };
    let outputs = setup.workspace.join("outputs");
    let md_path = outputs.join(format!("{}.md", setup.run_id));
    let json_path = outputs.join(format!("{}.json", setup.run_id));
    let json = serde_json::to_string_pretty(&report::json(&view, &end))
        .map_err(|e| StepError::error(e.to_string()))?;
    std::fs::create_dir_all(&outputs)
        .and_then(|()| std::fs::write(&md_path, report::render(&view, &end, sections)))
        .and_then(|()| std::fs::write(&json_path, json + "\n"))
        .map_err(|e| StepError::io(format!("cannot write the report: {e}")))?;
    remember(bench, &view, &end);
    Ok(EventKind::ReportWritten {
        markdown: md_path.display().to_string(),
        json: json_path.display().to_string(),
    })
}
