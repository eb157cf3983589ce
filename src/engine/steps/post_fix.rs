//! Tests written after the fix: a fresh agent session (same kind, `FIXLOOP_PHASE=check`) that
//! never saw the fix step works in a fresh checkout of the base with the approved reproduction in
//! place, and writes tests of the same behaviour with inputs of its own choosing. fixloop keeps
//! its own copy of them; the verification runs them on the fix and on the base.

use std::path::Path;
use std::time::Instant;

use crate::core::error::StepError;
use crate::core::event::{EventKind, LineKind, OutputLine, Phase};
use crate::core::info::AgentKind;
use crate::core::prompt;
use crate::core::repro::Manifest;
use crate::core::setup::Reproduction;
use crate::engine::bench::{Bench, copy_reproduction, place};
use crate::engine::ports::{AgentRequest, Checkout};
use crate::engine::secrets;
use crate::engine::setup::resolve_manifest;
use crate::engine::steps::{agent, guard};

/// The built-in instructions, used when the workspace has no `checking-fixes/AI_PROMPT.md`.
pub const PROMPT_CHECK: &str = include_str!("../../../checking-fixes/AI_PROMPT.md");

/// The manifest the session writes.
const MANIFEST: &str = "tests.json";

/// Has a fresh session write tests of the behaviour the fix of `attempt` repairs, and keeps them.
/// A session that could not write any is no refusal of the fix: the event says why there are
/// none, and the verification goes on without them.
pub async fn write(bench: &Bench, attempt: u32) -> Result<EventKind, StepError> {
    let (Some(repro), Some(fix)) = (
        bench.approved_reproduction()?,
        bench.view(|v| v.fix.clone()),
    ) else {
        return Err(StepError::error("no approved reproduction and fix branch"));
    };
    let started = Instant::now();
    let none = |note: String, cost_usd: Option<f64>| EventKind::PostFixTestsWritten {
        attempt,
        tests: None,
        files: Vec::new(),
        note,
        cost_usd,
        duration_ms: elapsed_ms(started),
    };
    if bench.agent.kind() == AgentKind::Manual {
        return Ok(none(
            "no tests were written after the fix: the fix was done by hand".into(),
            None,
        ));
    }
    // A spent budget stops the run here, as it would before any AI step.
    let allowance = bench.step_allowance()?;
    let folder = bench
        .setup
        .run_dir
        .join("post-fix")
        .join(format!("attempt-{attempt}"));
    let written = folder.join("written");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&written)
        .map_err(|e| StepError::io(format!("cannot create {}: {e}", written.display())))?;
    // The base as it was, with the reproduction: never the fix.
    let checkout = bench.worktree_path(&format!("check-{attempt}")).await?;
    bench.discard_worktree(&checkout).await;
    bench
        .vcs
        .add_worktree(&checkout, Checkout::Detached(&fix.base_commit))
        .await?;
    let outcome = match place(&repro, &checkout) {
        Ok(()) => run_session(bench, &repro, attempt, &checkout, &written, allowance).await,
        Err(e) => Err(e),
    };
    if let Err(e) = bench.vcs.remove_worktree(&checkout).await {
        bench.warn(format!(
            "could not remove the post-fix tests' worktree: {e}"
        ));
    }
    let (ok, cost_usd, error) = outcome?;
    let fail = |why: String| {
        Ok(none(
            format!("no tests were written after the fix: {why}"),
            cost_usd,
        ))
    };
    if !ok {
        return fail(error.unwrap_or_else(|| "the session failed".into()));
    }
    let manifest_path = written.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&manifest_path) else {
        return fail(format!("the session wrote no `{MANIFEST}`"));
    };
    let tests = Manifest::parse(&manifest_path.display().to_string(), &text)
        .map_err(|e| StepError::input(e.to_string()))
        .and_then(|manifest| resolve_manifest(&manifest, &written, &manifest_path));
    let tests = match tests {
        Ok(tests) => tests,
        Err(e) => return fail(e.with_hints()),
    };
    if let Some(clash) = clash(bench, &repro, &tests, &fix.base_commit).await {
        return fail(clash);
    }
    let (tests, files) = copy_reproduction(&tests, Some(&manifest_path), &folder.join("kept"))?;
    Ok(EventKind::PostFixTestsWritten {
        attempt,
        tests: Some(tests),
        files,
        note: String::new(),
        cost_usd,
        duration_ms: elapsed_ms(started),
    })
}

/// A destination the tests may not take: one of the reproduction's, or a file the base has.
async fn clash(
    bench: &Bench,
    repro: &Reproduction,
    tests: &Reproduction,
    base: &str,
) -> Option<String> {
    for dest in tests.dests() {
        if repro.dests().any(|d| d == dest) {
            return Some(format!("`{dest}` is a file of the reproduction"));
        }
        if bench.vcs.file_at(base, dest).await.is_some() {
            return Some(format!("`{dest}` would overwrite the project's own file"));
        }
    }
    None
}

/// Runs the session; whether it finished, what it cost, and its error.
async fn run_session(
    bench: &Bench,
    repro: &Reproduction,
    attempt: u32,
    checkout: &Path,
    written: &Path,
    allowance: f64,
) -> Result<(bool, Option<f64>, Option<String>), StepError> {
    let mut request = request(bench, repro, attempt, checkout, written)?;
    request.budget_usd = Some(allowance);
    let emitter = bench.emitter.clone();
    emitter.emit(EventKind::AgentOutput {
        phase: Phase::Verify,
        lines: vec![OutputLine {
            kind: LineKind::Status,
            text: format!(
                "tests after the fix: a fresh {} session that has not seen the fix writes tests \
                 of its own",
                bench.agent.kind()
            ),
        }],
    });
    let before = guard::user_state(bench).await;
    let mut sink = move |mut lines: Vec<OutputLine>| {
        lines.retain(|line| line.kind != LineKind::Session);
        if !lines.is_empty() {
            emitter.emit(EventKind::AgentOutput {
                phase: Phase::Verify,
                lines,
            });
        }
    };
    let outcome = bench
        .agent
        .run(&request, &mut sink, bench.cancel.clone())
        .await;
    for finding in guard::user_changes(bench, before.as_ref(), "the post-fix tests' agent").await {
        bench.warn(finding);
    }
    let outcome = agent::over_budget(outcome, allowance);
    Ok((outcome.ok, outcome.cost_usd, outcome.error))
}

/// The session's request: its own prompt, the base checkout, an empty folder to write in, and
/// no session to resume (it must not have seen the fix step).
fn request(
    bench: &Bench,
    repro: &Reproduction,
    attempt: u32,
    checkout: &Path,
    written: &Path,
) -> Result<AgentRequest, StepError> {
    let setup = &bench.setup;
    let custom = setup.workspace.join("checking-fixes").join("AI_PROMPT.md");
    let template = std::fs::read_to_string(custom).unwrap_or_else(|_| PROMPT_CHECK.to_owned());
    let logs = bench.view(|v| v.logs.clone());
    let context = prompt::Context {
        phase: Some(Phase::Check),
        attempt,
        user_prompt: setup.info.prompt.clone(),
        name: setup.name.clone(),
        deterministic: setup.info.deterministic,
        failure_dir: written.display().to_string(),
        workdir: checkout.display().to_string(),
        excerpt_path: logs.as_ref().map(|l| l.excerpt.clone()),
        full_log_path: logs.as_ref().map(|l| l.full_log.clone()),
        excerpt: logs
            .as_ref()
            .and_then(|l| std::fs::read_to_string(&l.excerpt).ok()),
        failing_tests: logs.map(|l| l.failing_tests).unwrap_or_default(),
        // Earlier runs name their fixes: the tests written after the fix are written blind.
        seen_before: Vec::new(),
        feedback: None,
        reproduction: Some(repro.describe()),
        time_budget_secs: setup.ai_budget().as_secs(),
        ci_run: None,
    };
    let text = secrets::redact(&prompt::compose(&template, &context)).into_owned();
    let prompt_file = setup
        .run_dir
        .join("prompts")
        .join(format!("check-{attempt}.md"));
    std::fs::create_dir_all(prompt_file.parent().unwrap_or(&setup.run_dir))
        .and_then(|()| std::fs::write(&prompt_file, &text))
        .map_err(|e| {
            StepError::io(format!(
                "cannot write the prompt to {}: {e}",
                prompt_file.display()
            ))
        })?;
    let excerpt_file = bench.excerpt_file();
    Ok(AgentRequest {
        phase: Phase::Check,
        attempt,
        prompt: text,
        prompt_file,
        workdir: checkout.to_path_buf(),
        failure_dir: written.to_path_buf(),
        excerpt_file,
        feedback: String::new(),
        deterministic: setup.info.deterministic,
        run_id: setup.run_id.clone(),
        run_dir: setup.run_dir.clone(),
        resume: None,
        log: setup
            .run_dir
            .join("logs")
            .join(format!("agent-check-{attempt}.log")),
        timeout: setup.ai_budget(),
        env_remove: Bench::hidden_env(),
        budget_usd: None,
    })
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
