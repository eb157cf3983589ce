//! `fixloop resume RUN_ID`: goes on with a run from its journal. The pipeline is rebuilt by
//! feeding it the journal's inputs again; the step that was cut off (or failed, or waits for a
//! decision) is done again, and every step is written so that doing it again reuses what the
//! first attempt made: the worktrees, the branch, its commit, the pushed branch and the PR.

use std::path::Path;
use std::time::Duration;

use super::CommandError;
use super::review;
use super::run::{Launch, agent_for, forge_for, init_file_log, name_lock, policy_name};
use crate::cli::{BudgetArgs, ResumeArgs, ReviewAnswer, ReviewArgs};
use crate::core::event::{Decision, Event, EventKind, FAILURE_PIPELINE};
use crate::core::exit::ExitCode;
use crate::core::info::AgentKind;
use crate::core::pipeline::{SYNC_PIPELINE, replay};
use crate::core::policy::Approve;
use crate::core::setup::usd_to_cents;
use crate::core::view::RunView;
use crate::engine::emitter::Emitter;
use crate::engine::failure::FailurePipeline;
use crate::engine::pipeline::Pipeline;
use crate::engine::process::{stop_leftovers, wait_for_git};
use crate::engine::setup::Setup;
use crate::engine::store::{Journal, RunLock, read_journal};

pub async fn resume(args: &ResumeArgs) -> Result<ExitCode, CommandError> {
    Box::pin(go_on(GoOn {
        run: &args.run,
        info: args.info.as_deref(),
        headless: args.front.is_headless(),
        json: args.front.json,
        approve: Some(args.front.approve()),
        budgets: args.budgets,
        answer: None,
        hold_push: false,
    }))
    .await
}

/// `fixloop review RUN_ID approve | revise FEEDBACK | abort [REASON]`: the reviewer's answer to
/// the checkpoint the run stopped at, then the run goes on headless (later checkpoints follow
/// `--approve`, else the policy the run stopped under).
pub async fn review(args: &ReviewArgs) -> Result<ExitCode, CommandError> {
    let answer = match &args.answer {
        ReviewAnswer::Approve => Decision::Approve,
        ReviewAnswer::Revise { feedback } if feedback.trim().is_empty() => {
            return Err(CommandError::new(
                ExitCode::Usage,
                "the feedback is empty: say what the agent should change",
            ));
        }
        ReviewAnswer::Revise { feedback } => Decision::Revise {
            feedback: feedback.clone(),
        },
        ReviewAnswer::Abort { reason } => Decision::Abort {
            reason: reason
                .clone()
                .unwrap_or_else(|| "aborted by the reviewer".into()),
        },
    };
    Box::pin(go_on(GoOn {
        run: &args.run,
        info: args.info.as_deref(),
        headless: true,
        json: args.json,
        approve: args.approve,
        budgets: BudgetArgs::default(),
        answer: Some(answer),
        hold_push: false,
    }))
    .await
}

/// A reviewer's answer from a `/fixloop` comment to the run in the output folder whose
/// `info.json` is `info`: the run goes on headless under the policy it stopped under, and a
/// fix it comes to is held for the publish job.
pub(super) async fn answer_held(
    info: &Path,
    run: &str,
    answer: Decision,
    budget_usd: Option<f64>,
) -> Result<ExitCode, CommandError> {
    Box::pin(go_on(GoOn {
        run,
        info: Some(info),
        headless: true,
        json: false,
        approve: None,
        budgets: BudgetArgs {
            budget_usd,
            ..BudgetArgs::default()
        },
        answer: Some(answer),
        hold_push: true,
    }))
    .await
}

/// What going on with a run needs: which run, how it shows, who answers its checkpoints.
struct GoOn<'a> {
    run: &'a str,
    info: Option<&'a Path>,
    headless: bool,
    json: bool,
    /// `None`: the policy the run was stopped under (a review).
    approve: Option<Approve>,
    budgets: BudgetArgs,
    /// A reviewer's answer to the checkpoint the run waits at.
    answer: Option<Decision>,
    /// Stop with the verified fix committed, before the push (the CI's publish job pushes).
    hold_push: bool,
}

async fn go_on(request: GoOn<'_>) -> Result<ExitCode, CommandError> {
    let (store, run_id) = super::find_run(request.info, request.run)?;
    let run_dir = store.run_dir(&run_id);
    let run_dir = run_dir.canonicalize().unwrap_or(run_dir);
    let journal_path = run_dir.join("events.jsonl");
    // Nobody else may be running it; what the killed process left running is stopped first.
    let lock = RunLock::take(&run_dir)?;
    let stopped = stop_leftovers(&run_dir);
    let past = read_journal(&journal_path).map_err(|e| CommandError::new(ExitCode::Input, e))?;
    let headless = request.headless;
    let approve = request
        .approve
        .or_else(|| recorded_policy(&past))
        .unwrap_or(Approve::Verified);
    let setup = setup_of(
        &past,
        &journal_path,
        policy_name(headless, approve),
        headless,
    )?;
    let mut setup = setup;
    // The budgets an earlier resume raised hold; a larger one given now lets a run its budget
    // stopped go on.
    if let Some(recorded) = RunView::replay(&past).setup {
        setup.recorded.budget_cents = recorded.budget_cents;
        setup.recorded.step_budget_cents = recorded.step_budget_cents;
    }
    if let Some(usd) = request.budgets.budget_usd {
        setup.recorded.budget_cents = Some(usd_to_cents(usd));
    }
    if let Some(usd) = request.budgets.step_budget_usd {
        setup.recorded.step_budget_cents = Some(usd_to_cents(usd));
    }
    let pipeline_name = past.iter().find_map(|e| match &e.kind {
        EventKind::RunStarted { pipeline, .. } => Some(pipeline.clone()),
        _ => None,
    });
    let resumed = Resumed {
        request,
        store,
        run_id,
        past,
        journal_path,
        lock,
        stopped,
        approve,
    };
    if pipeline_name.as_deref() == Some(SYNC_PIPELINE) {
        let pipeline = super::sync::pipeline_for(&setup).await?;
        return Box::pin(launch(pipeline, setup, resumed)).await;
    }
    Box::pin(launch(FailurePipeline, setup, resumed)).await
}

/// A run's journal, read and locked, ready to go on.
struct Resumed<'a> {
    request: GoOn<'a>,
    store: crate::engine::store::Store,
    run_id: String,
    past: Vec<Event>,
    journal_path: std::path::PathBuf,
    lock: RunLock,
    stopped: Vec<u32>,
    approve: Approve,
}

/// Rebuilds the run's pipeline from its journal and goes on with it.
async fn launch<P: Pipeline>(
    pipeline: P,
    setup: Setup,
    resumed: Resumed<'_>,
) -> Result<ExitCode, CommandError> {
    let Resumed {
        request,
        store,
        run_id,
        past,
        journal_path,
        lock,
        stopped,
        approve,
    } = resumed;
    let headless = request.headless;
    let run_dir = journal_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut name_lock = name_lock(&setup.repo, &setup.name).await?;
    name_lock.held_by(&setup.run_id);
    let replayed = replay(pipeline.machine(&setup), &past).map_err(|e| {
        CommandError::new(ExitCode::Failed, format!("run {run_id}: {e}")).hint(format!(
            "`fixloop reports show {}` shows how it ended; `fixloop run` starts the failure again",
            store.run_arg(&run_id)
        ))
    })?;
    let answer = match request.answer {
        Some(decision) => Some(review::answerable(
            &past,
            &replayed.pending,
            decision,
            &store.run_arg(&run_id),
        )?),
        None => None,
    };
    if !wait_for_git(&setup.repo, Duration::from_secs(30)) {
        return Err(CommandError::new(
            ExitCode::Failed,
            format!(
                "git is still working in {} after 30 s",
                setup.repo.display()
            ),
        )
        .hint("let it finish (or stop it), then resume again"));
    }
    if headless && setup.agent == AgentKind::Manual {
        return Err(CommandError::new(
            ExitCode::Usage,
            "this run's agent is the person at the keyboard: resume it in a terminal, without \
             --headless",
        ));
    }
    let _log_guard = init_file_log(&run_dir);
    let journal = Journal::reopen(&run_dir).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot reopen {}: {e}", journal_path.display()),
        )
    })?;
    let agent = agent_for(setup.agent, setup.recorded.agent_cmd.clone());
    let forge = forge_for(
        &setup.info,
        setup.remote(),
        &setup.repo,
        setup.recorded.github_api_url.clone(),
    )
    .await?;
    let emitter = Emitter::resume(journal, &past, replayed.from_seq);
    warn_stopped(&emitter, &stopped);
    Launch {
        pipeline,
        setup,
        emitter,
        agent,
        forge,
        headless,
        json: request.json,
        approve,
        answer,
        hold_push: request.hold_push,
        resume: Some((replayed, past)),
        lock,
        name_lock,
    }
    .go()
    .await
}

/// The setup the journal's `run-started` records, for a pipeline this fixloop can resume.
fn setup_of(
    past: &[Event],
    journal_path: &Path,
    policy: String,
    headless: bool,
) -> Result<Setup, CommandError> {
    let Some(started) = past
        .iter()
        .find(|e| matches!(e.kind, EventKind::RunStarted { .. }))
    else {
        return Err(CommandError::new(
            ExitCode::Input,
            format!(
                "{}: the journal has no run-started event",
                journal_path.display()
            ),
        )
        .hint("start the run again with `fixloop run`"));
    };
    if let EventKind::RunStarted { pipeline, .. } = &started.kind
        && pipeline != FAILURE_PIPELINE
        && pipeline != SYNC_PIPELINE
    {
        return Err(CommandError::new(
            ExitCode::Input,
            format!(
                "{}: this fixloop cannot resume a `{pipeline}` run",
                journal_path.display()
            ),
        )
        .hint("resume it with the fixloop that started it"));
    }
    let run_dir = journal_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Setup::from_started(&started.kind, run_dir, headless, policy).map_err(|e| {
        CommandError::new(ExitCode::Input, format!("{}: {e}", journal_path.display()))
            .hint("start it again with `fixloop run`")
    })
}

/// Says which leftovers of the killed run were stopped.
fn warn_stopped(emitter: &Emitter, stopped: &[u32]) {
    if !stopped.is_empty() {
        emitter.emit(EventKind::Warned {
            message: format!(
                "stopped {} process(es) the interrupted run left running (pids {})",
                stopped.len(),
                stopped
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
}

/// The policy a run last went under, when it was one (not the person at a terminal).
fn recorded_policy(past: &[Event]) -> Option<Approve> {
    let policy = past.iter().rev().find_map(|e| match &e.kind {
        EventKind::RunResumed { policy, .. } | EventKind::RunStarted { policy, .. } => {
            Some(policy.as_str())
        }
        _ => None,
    })?;
    <Approve as clap::ValueEnum>::from_str(policy, true).ok()
}
