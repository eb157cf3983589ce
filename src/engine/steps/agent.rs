//! The AI steps: the prompt composed from the workspace's `AI_PROMPT.md` (or the built-in one)
//! and the run's context, and the agent run on it (or the person, for `--agent manual`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use crate::core::error::StepError;
use crate::core::event::{CiRun, EventKind, FailureClass, LineKind, OutputLine, Phase};
use crate::core::info::AgentKind;
use crate::core::pipeline::Input;
use crate::core::prompt;
use crate::engine::bench::Bench;
use crate::engine::ports::{AgentOutcome, AgentRequest};
use crate::engine::secrets;
use crate::engine::steps::guard;

/// The built-in prompts, used when the workspace has no `AI_PROMPT.md` of its own.
pub const PROMPT_DETERMINISTIC: &str =
    include_str!("../../../reproduce-deterministic-failures/AI_PROMPT.md");
pub const PROMPT_FLAKY: &str = include_str!("../../../reproduce-ND-failures/AI_PROMPT.md");
pub const PROMPT_FIX: &str = include_str!("../../../implementing-features/AI_PROMPT.md");

/// How much of the agent's write-up the journal keeps.
const MAX_NOTES: usize = 20_000;

/// Where the agent of `phase` works: the fix worktree for the fix, the scratch worktree for the
/// reproduction (the repository itself before either exists).
fn workdir(bench: &Bench, phase: Phase) -> PathBuf {
    bench
        .view(|v| {
            if phase == Phase::Fix {
                v.fix.as_ref().map(|f| f.worktree.clone())
            } else {
                v.scratch.clone()
            }
        })
        .map_or_else(|| bench.setup.repo.clone(), PathBuf::from)
}

/// Where the prompt of the step under way is written for the agent to read.
fn prompt_file(bench: &Bench) -> PathBuf {
    bench
        .view(|v| v.prompts.last().map(|(_, _, path)| PathBuf::from(path)))
        .unwrap_or_else(|| bench.setup.run_dir.join("prompts").join("current.md"))
}

/// Composes the prompt of an AI step and writes it to the run's `prompts/` folder.
pub fn compose(bench: &Bench, phase: Phase, attempt: u32, feedback: Option<&str>) -> Input {
    let setup = &bench.setup;
    let folder = match phase {
        Phase::Fix => "implementing-features",
        _ if setup.info.deterministic => "reproduce-deterministic-failures",
        _ => "reproduce-ND-failures",
    };
    let custom = setup.workspace.join(folder).join("AI_PROMPT.md");
    let template = std::fs::read_to_string(&custom).unwrap_or_else(|_| {
        match folder {
            "implementing-features" => PROMPT_FIX,
            "reproduce-deterministic-failures" => PROMPT_DETERMINISTIC,
            _ => PROMPT_FLAKY,
        }
        .to_owned()
    });
    let (logs, ci_run) = bench.view(|v| (v.logs.clone(), v.ci_run.clone()));
    let excerpt = logs
        .as_ref()
        .and_then(|l| std::fs::read_to_string(&l.excerpt).ok());
    let context = prompt::Context {
        phase: Some(phase),
        attempt,
        user_prompt: setup.info.prompt.clone(),
        name: setup.name.clone(),
        deterministic: setup.info.deterministic,
        failure_dir: setup.failure_dir.display().to_string(),
        workdir: workdir(bench, phase).display().to_string(),
        excerpt_path: logs.as_ref().map(|l| l.excerpt.clone()),
        full_log_path: logs.as_ref().map(|l| l.full_log.clone()),
        excerpt,
        seen_before: logs
            .as_ref()
            .map(|l| l.memory.seen_before.clone())
            .unwrap_or_default(),
        failing_tests: logs.map(|l| l.failing_tests).unwrap_or_default(),
        feedback: feedback.map(str::to_owned),
        reproduction: (phase == Phase::Fix)
            .then(|| bench.reproduction().map(|r| r.describe()))
            .flatten(),
        time_budget_secs: setup.ai_budget().as_secs(),
        ci_run: ci_run.as_ref().map(describe_run),
    };
    let text = secrets::redact(&prompt::compose(&template, &context)).into_owned();
    let path = setup
        .run_dir
        .join("prompts")
        .join(format!("{phase}-{attempt}.md"));
    let written = std::fs::create_dir_all(path.parent().unwrap_or(&setup.run_dir))
        .and_then(|()| std::fs::write(&path, &text));
    if let Err(e) = written {
        return Input::Failed(StepError::io(format!(
            "cannot write the prompt to {}: {e}",
            path.display()
        )));
    }
    Input::Prompt {
        phase,
        attempt,
        prompt: text,
        path: path.display().to_string(),
    }
}

/// The failing run as the prompt shows it (its title and commit message are the PR author's
/// words: the prompt fences them as untrusted).
fn describe_run(run: &CiRun) -> String {
    let mut text = format!(
        "workflow: {}\nbranch: {}\nfailed jobs: {}\n",
        run.workflow,
        run.head_branch,
        run.failed_jobs.join("; ")
    );
    if !run.title.is_empty() {
        let _ = writeln!(text, "title: {}", run.title);
    }
    if !run.commit_message.is_empty() {
        let _ = writeln!(text, "commit message:\n{}", run.commit_message.trim_end());
    }
    text
}

/// Runs the agent (or waits for the person) on an AI step; a step that an earlier, cut-off run
/// began goes on in the agent's own session. An agent whose output could not be kept (its log
/// could not be written) fails the step as an I/O error. The step may spend what
/// [`Bench::step_allowance`] says: a run whose budget is spent does not start it, and a step that
/// spent more than it may ends as one that ran out of time does.
pub async fn run(
    bench: &mut Bench,
    phase: Phase,
    attempt: u32,
    prompt: String,
    feedback: Option<String>,
    resume: Option<String>,
) -> Result<EventKind, StepError> {
    let allowance = bench.step_allowance()?;
    let open = bench.view(|v| v.open_session.clone());
    let (resume, prompt) = match open {
        Some((p, a, id)) if p == phase && a == attempt => (
            Some(id),
            format!(
                "fixloop was stopped while you worked on this step and has started again. What \
                 you did so far is in the working directory; check it and finish the step.\n\n\
                 {prompt}"
            ),
        ),
        _ => (resume, prompt),
    };
    // Which agent did the work goes into the report: asked once, at its first step.
    if bench.view(|v| v.agent_version.is_none())
        && let Some(version) = bench.agent.version(&Bench::hidden_env()).await
    {
        bench.emit(EventKind::AgentIdentified { version });
    }
    let mut request = request(bench, phase, attempt, &prompt, feedback, resume);
    request.budget_usd = Some(allowance);
    let _ = std::fs::create_dir_all(&request.failure_dir);
    bench.emit(EventKind::AgentStarted {
        phase,
        attempt,
        agent: bench.agent.kind(),
        command: bench.agent.describe(&request),
        resume: request.resume.clone(),
        log: request.log.display().to_string(),
    });
    let before = guard::user_state(bench).await;
    let started = Instant::now();
    let outcome: AgentOutcome = if bench.agent.kind() == AgentKind::Manual {
        bench.decider.manual(&request).await
    } else {
        let emitter = bench.emitter.clone();
        let mut sink = move |mut lines: Vec<OutputLine>| {
            // The session id is journaled at once, so a resumed run can continue the session.
            lines.retain(|line| {
                if line.kind != LineKind::Session {
                    return true;
                }
                emitter.emit(EventKind::AgentSession {
                    phase,
                    attempt,
                    session_id: line.text.clone(),
                });
                false
            });
            if !lines.is_empty() {
                emitter.emit(EventKind::AgentOutput { phase, lines });
            }
        };
        bench
            .agent
            .run(&request, &mut sink, bench.cancel.clone())
            .await
    };
    if outcome.error_class == Some(FailureClass::Io) {
        return Err(bench.output_lost(outcome.error.unwrap_or_default()));
    }
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let outcome = over_budget(outcome, allowance);
    let mut findings = guard::after_agent(bench, phase, &request.workdir);
    guard::merge(
        &mut findings,
        guard::user_changes(bench, before.as_ref(), "the agent").await,
    );
    let notes_file = if phase == Phase::Fix {
        "ROOT_CAUSE.md"
    } else {
        "README.md"
    };
    let notes = std::fs::read_to_string(bench.setup.failure_dir.join(notes_file))
        .ok()
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.chars().take(MAX_NOTES).collect());
    Ok(EventKind::AgentFinished {
        phase,
        attempt,
        ok: outcome.ok,
        session_id: outcome.session_id,
        cost_usd: outcome.cost_usd,
        turns: outcome.turns,
        duration_ms,
        error: outcome.error,
        error_class: outcome.error_class,
        notes,
        findings,
    })
}

/// A step whose reported cost went past its allowance did not finish, whatever it did: it ends
/// as a step that ran out of time does.
pub(crate) fn over_budget(outcome: AgentOutcome, allowance: f64) -> AgentOutcome {
    match outcome.cost_usd {
        // A cent of slack: costs are reported rounded.
        Some(cost) if cost > allowance + 0.01 => AgentOutcome {
            ok: false,
            error: Some(format!(
                "the step spent ${cost:.2}, over its budget of ${allowance:.2} (`--step-budget-usd`, \
                 `--budget-usd`)"
            )),
            error_class: None,
            ..outcome
        },
        _ => outcome,
    }
}

/// The agent's request: the prompt (redacted, and written where the agent reads it), where it
/// works, and what it must not see.
fn request(
    bench: &Bench,
    phase: Phase,
    attempt: u32,
    prompt: &str,
    feedback: Option<String>,
    resume: Option<String>,
) -> AgentRequest {
    let setup = &bench.setup;
    let excerpt_file = bench.excerpt_file();
    let prompt = secrets::redact(prompt).into_owned();
    let prompt_file = prompt_file(bench);
    let _ = std::fs::write(&prompt_file, &prompt);
    AgentRequest {
        phase,
        attempt,
        prompt,
        prompt_file,
        workdir: workdir(bench, phase),
        failure_dir: setup.failure_dir.clone(),
        excerpt_file,
        feedback: secrets::redact(&feedback.unwrap_or_default()).into_owned(),
        deterministic: setup.info.deterministic,
        run_id: setup.run_id.clone(),
        run_dir: setup.run_dir.clone(),
        resume,
        log: setup
            .run_dir
            .join("logs")
            .join(format!("agent-{phase}-{attempt}.log")),
        timeout: setup.ai_budget(),
        env_remove: Bench::hidden_env(),
        budget_usd: None,
    }
}
