//! A test the merge broke, handed to a fixloop run of its own on the sync branch: the failing
//! command is its reproduction (it must fail there first), the agent fixes the code, and the
//! run's verification (the test passes, fails again without the fix, nothing weakened) decides.
//! A verified fix is one commit on top of the merge, and the sync branch moves to it; anything
//! else leaves the branch as it was and the PR needing review.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{SyncPipeline, view};
use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase};
use crate::core::info::AgentKind;
use crate::core::view::RunView;
use crate::engine::bench::Bench;
use crate::engine::store::read_journal;

pub async fn fix(
    sync: &SyncPipeline,
    bench: &Bench,
    command: &str,
) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let n = facts.fixes.len() + 1;
    let name = format!("sync-fix-{n}");
    let said = |text: String, run_id: String| EventKind::SyncTestFixed {
        command: command.to_owned(),
        run_id,
        commit: None,
        files: Vec::new(),
        said: text,
    };
    if bench.setup.agent == AgentKind::Manual {
        return Ok(said(
            "not handed on: the manual agent needs a person at a terminal".into(),
            String::new(),
        ));
    }
    let Some(merge_commit) = facts.commit.clone() else {
        return Err(StepError::error("there is no merge commit to fix on"));
    };
    let dir = bench.setup.run_dir.join(&name);
    let line = prepare(sync, bench, &dir, &name, command)?;
    let ran = bench
        .run_nested(Phase::Fix, &name, &line, &dir, bench.setup.ai_budget() * 2)
        .await?;
    let Some(run) = child_run(&dir) else {
        return Ok(said(
            format!("the fixloop run did not start: {}", last(&ran.tail)),
            String::new(),
        ));
    };
    let run_id = run.run_id.clone();
    let end = run
        .finished
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    let fixed = run
        .fix
        .as_ref()
        .and_then(|f| f.commit.clone().map(|c| (c, f.files_changed.clone())));
    let (Some((commit, files)), true) = (fixed, ran.passed()) else {
        return Ok(said(format!("not fixed: {end}"), run_id));
    };
    // The fix is one commit on the merge; the sync branch (and its worktree) move to it.
    if !bench.vcs.is_ancestor(&merge_commit, &commit).await {
        return Ok(said(
            "not taken: the fix is not on top of the merge".into(),
            run_id,
        ));
    }
    bench
        .vcs
        .update_branch(&facts.branch, &commit, &merge_commit)
        .await?;
    bench
        .vcs
        .reset_hard(Path::new(&facts.worktree), &commit)
        .await?;
    Ok(EventKind::SyncTestFixed {
        command: command.to_owned(),
        run_id,
        commit: Some(commit),
        files,
        said: format!("fixed and verified: {end}"),
    })
}

/// The failure folder and info.json of the nested run in `dir`, and the command that starts it.
fn prepare(
    sync: &SyncPipeline,
    bench: &Bench,
    dir: &Path,
    name: &str,
    command: &str,
) -> Result<String, StepError> {
    let _ = std::fs::remove_dir_all(dir);
    write(
        &dir.join("failure/repro.json"),
        &json!({"command": command, "files": []}),
    )?;
    write(
        &dir.join("info.json"),
        &json!({
            "prompt": format!(
                "After upstream's {} was merged into this fork, `{command}` fails. Fix the code \
                 (not the test) so that it passes again, keeping what both the fork and \
                 upstream meant.",
                view(bench).what.as_deref().unwrap_or("release")
            ),
            "deterministic": true,
            "existing-test-path": "failure",
            "name": name,
        }),
    )?;
    let exe = std::env::current_exe()
        .map_err(|e| StepError::unavailable(format!("cannot find fixloop's own program: {e}")))?;
    let mut words = vec![
        exe.display().to_string(),
        "run".into(),
        "--info".into(),
        dir.join("info.json").display().to_string(),
        "--repo".into(),
        bench.setup.repo.display().to_string(),
        "--base".into(),
        view(bench).branch,
        "--headless".into(),
        "--no-pr".into(),
        "--approve".into(),
        "verified".into(),
        "--attempts".into(),
        sync.config.fix_attempts.to_string(),
        "--agent".into(),
        bench.setup.agent.as_str().into(),
    ];
    if let Some(cmd) = &bench.setup.recorded.agent_cmd {
        words.push("--agent-cmd".into());
        words.push(cmd.clone());
    }
    let line: Vec<String> = words.iter().map(|w| quote(w)).collect();
    Ok(line.join(" "))
}

/// The run the nested fixloop made in `dir` (its workspace), read from its journal.
fn child_run(dir: &Path) -> Option<RunView> {
    let runs = dir.join("outputs/runs");
    let newest: PathBuf = std::fs::read_dir(runs)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("events.jsonl").exists())
        .max()?;
    let events = read_journal(&newest.join("events.jsonl")).ok()?;
    Some(RunView::replay(&events))
}

fn write(path: &Path, value: &serde_json::Value) -> Result<(), StepError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| StepError::io(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, value.to_string() + "\n")
        .map_err(|e| StepError::io(format!("cannot write {}: {e}", path.display())))
}

/// One word for the shell, whatever it holds.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

fn last(text: &str) -> &str {
    text.trim().lines().last().unwrap_or_default()
}
