//! The agent resolves one conflicted file the ladder left: given the fork's conventions, the
//! fork's history of the file and upstream's change to it, it edits the file in place and says
//! why, or declines. fixloop then checks what it did: no conflict marker left, no other file
//! touched, the user's checkout as it was; anything else leaves the file unresolved (the
//! ceiling), and nothing of it is pushed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::merge::conventions;
use super::{SyncPipeline, view};
use crate::core::error::StepError;
use crate::core::event::{EventKind, LineKind, OutputLine, Phase};
use crate::core::integrity::weakened_against_both;
use crate::core::sync::prompt::{ResolveContext, resolve_prompt};
use crate::core::sync::structured::conflict_markers;
use crate::core::sync::verdict::{FileOutcome, Resolution};
use crate::engine::bench::Bench;
use crate::engine::ports::AgentRequest;
use crate::engine::secrets;
use crate::engine::steps::guard;

/// The most of a rationale kept.
const RATIONALE: usize = 600;

pub async fn resolve(
    sync: &SyncPipeline,
    bench: &mut Bench,
    path: &str,
    feedback: Option<String>,
) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let worktree = PathBuf::from(&facts.worktree);
    let attempt = bench.view(|v| {
        u32::try_from(
            v.agent_runs
                .iter()
                .filter(|r| r.phase == Phase::Resolve)
                .count(),
        )
        .unwrap_or(u32::MAX)
            + 1
    });
    let folder = bench
        .setup
        .run_dir
        .join("resolve")
        .join(attempt.to_string());
    std::fs::create_dir_all(&folder)
        .map_err(|e| StepError::io(format!("cannot create {}: {e}", folder.display())))?;
    let rationale_file = folder.join("rationale.md");
    let decline_file = folder.join("declined.md");
    let rules_text = bench
        .vcs
        .file_at(&facts.base_commit, &sync.config.conventions)
        .await
        .unwrap_or_default();
    // Parsed only to refuse a broken file before the agent is given it.
    conventions(sync, bench, &facts.base_commit).await?;
    let (fork_history, upstream_change) = sync
        .merger
        .context(
            &worktree,
            path,
            &facts.base_commit,
            &facts.upstream_commit,
            &facts.merge_base,
        )
        .await
        .map_err(|e| StepError::error(format!("reading {path}'s history: {}", e.stderr)))?;
    let merged = std::fs::read_to_string(worktree.join(path)).unwrap_or_default();
    // Both sides as the merge staged them, before the agent can touch anything.
    let (_, ours, theirs) = sync
        .merger
        .side_texts(&worktree, path)
        .await
        .map_err(|e| StepError::error(format!("reading {path}'s sides: {}", e.stderr)))?;
    let changed = sync
        .merger
        .changed_paths(&worktree, &facts.base_commit)
        .await
        .map_err(|e| StepError::error(e.stderr))?;
    let before = Before {
        changed,
        ours,
        theirs,
    };
    let prompt = resolve_prompt(&ResolveContext {
        path,
        what: facts.what.as_deref().unwrap_or_default(),
        conventions: &rules_text,
        fork_history: &fork_history,
        upstream_change: &upstream_change,
        merged: &merged,
        rationale_file: &rationale_file.display().to_string(),
        decline_file: &decline_file.display().to_string(),
        feedback: feedback.as_deref(),
    });
    let ran = run_agent(bench, attempt, &prompt, &folder, &worktree).await?;
    if let Some(why) = ran {
        return Ok(unresolved(
            path,
            &format!("the agent did not finish: {why}"),
        ));
    }
    if let Some(refused) = judge(
        sync,
        &worktree,
        path,
        &facts.base_commit,
        &before,
        &decline_file,
    )
    .await?
    {
        return Ok(refused);
    }
    sync.merger
        .stage(&worktree, path)
        .await
        .map_err(|e| StepError::error(format!("staging {path}: {}", e.stderr)))?;
    let rationale = read(&rationale_file).unwrap_or_else(|| "(the agent gave no rationale)".into());
    Ok(EventKind::SyncFileResolved {
        file: FileOutcome {
            path: path.to_owned(),
            resolution: Resolution::Agent,
            rationale,
        },
    })
}

/// What fixloop finds the agent did to the worktree: why the file stays unresolved, if it does.
async fn judge(
    sync: &SyncPipeline,
    worktree: &Path,
    path: &str,
    base_commit: &str,
    before: &Before,
    decline_file: &Path,
) -> Result<Option<EventKind>, StepError> {
    if let Some(why) = read(decline_file) {
        return Ok(Some(unresolved(
            path,
            &format!("the agent declined: {why}"),
        )));
    }
    let now = std::fs::read_to_string(worktree.join(path)).unwrap_or_default();
    if let Some(line) = conflict_markers(&now).first() {
        return Ok(Some(unresolved(
            path,
            &format!("the agent left a conflict marker at line {line}"),
        )));
    }
    let after = sync
        .merger
        .changed_paths(worktree, base_commit)
        .await
        .map_err(|e| StepError::error(e.stderr))?;
    let others: Vec<&String> = after
        .iter()
        .filter(|p| p.as_str() != path && !before.changed.contains(p))
        .collect();
    if !others.is_empty() {
        let list: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
        return Ok(Some(unresolved(
            path,
            &format!("the agent changed other files too ({})", list.join(", ")),
        )));
    }
    let weakened =
        weakened_against_both(path, before.ours.as_deref(), before.theirs.as_deref(), &now);
    if !weakened.is_empty() {
        return Ok(Some(unresolved(
            path,
            &format!(
                "the agent's resolution weakens the tests: {}",
                weakened.join("; ")
            ),
        )));
    }
    Ok(None)
}

/// The worktree before the agent: what the merge changed, and the file's two sides.
struct Before {
    changed: Vec<String>,
    ours: Option<String>,
    theirs: Option<String>,
}

fn unresolved(path: &str, why: &str) -> EventKind {
    EventKind::SyncFileResolved {
        file: FileOutcome {
            path: path.to_owned(),
            resolution: Resolution::Unresolved,
            rationale: why.to_owned(),
        },
    }
}

/// A note the agent wrote, trimmed, redacted and cut; `None` when there is none.
fn read(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let cut: String = text.chars().take(RATIONALE).collect();
    Some(secrets::redact(&cut).into_owned())
}

/// Runs the agent on the worktree; why it did not finish, if it did not.
async fn run_agent(
    bench: &mut Bench,
    attempt: u32,
    prompt: &str,
    folder: &Path,
    worktree: &Path,
) -> Result<Option<String>, StepError> {
    let allowance = bench.step_allowance()?;
    let prompt = secrets::redact(prompt).into_owned();
    let prompt_file = folder.join("prompt.md");
    std::fs::write(&prompt_file, &prompt)
        .map_err(|e| StepError::io(format!("cannot write {}: {e}", prompt_file.display())))?;
    let setup = &bench.setup;
    let request = AgentRequest {
        phase: Phase::Resolve,
        attempt,
        prompt,
        prompt_file,
        workdir: worktree.to_path_buf(),
        failure_dir: folder.to_path_buf(),
        excerpt_file: folder.join("excerpt.txt"),
        feedback: String::new(),
        deterministic: true,
        run_id: setup.run_id.clone(),
        run_dir: setup.run_dir.clone(),
        resume: None,
        log: setup
            .run_dir
            .join("logs")
            .join(format!("agent-resolve-{attempt}.log")),
        timeout: setup.ai_budget(),
        env_remove: Bench::hidden_env(),
        budget_usd: Some(allowance),
    };
    bench.emit(EventKind::AgentStarted {
        phase: Phase::Resolve,
        attempt,
        agent: bench.agent.kind(),
        command: bench.agent.describe(&request),
        resume: None,
        log: request.log.display().to_string(),
    });
    let before = guard::user_state(bench).await;
    let started = Instant::now();
    let emitter = bench.emitter.clone();
    let mut sink = move |lines: Vec<OutputLine>| {
        let lines: Vec<OutputLine> = lines
            .into_iter()
            .filter(|l| l.kind != LineKind::Session)
            .collect();
        if !lines.is_empty() {
            emitter.emit(EventKind::AgentOutput {
                phase: Phase::Resolve,
                lines,
            });
        }
    };
    let outcome = bench
        .agent
        .run(&request, &mut sink, bench.cancel.clone())
        .await;
    let outcome = crate::engine::steps::agent::over_budget(outcome, allowance);
    let findings = guard::user_changes(bench, before.as_ref(), "the agent").await;
    bench.emit(EventKind::AgentFinished {
        phase: Phase::Resolve,
        attempt,
        ok: outcome.ok,
        session_id: outcome.session_id.clone(),
        cost_usd: outcome.cost_usd,
        turns: outcome.turns,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        error: outcome.error.clone(),
        error_class: outcome.error_class,
        notes: None,
        findings: findings.clone(),
    });
    if let Some(finding) = findings.first() {
        return Ok(Some(finding.clone()));
    }
    if !outcome.ok {
        return Ok(Some(outcome.error.unwrap_or_else(|| "it failed".into())));
    }
    Ok(None)
}
