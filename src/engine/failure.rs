//! The failure pipeline's steps: each request of [`FailureMachine`] carried out by the step
//! family that owns it. A resumed run first makes again a worktree the step works in, if an
//! interrupted run's cleanup removed it.

use super::bench::Bench;
use super::pipeline::Pipeline;
use super::ports::BoxFuture;
use super::setup::Setup;
use super::steps::branch::{self, Worktree};
use super::steps::{agent, closing, logs, post_fix, publish, reproduce, verify};
use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase};
use crate::core::pipeline::{Effect, FailureMachine, Input};
use crate::core::report::FAILURE_SECTIONS;

/// A failing CI run driven to a verified fix on a draft PR.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailurePipeline;

impl Pipeline for FailurePipeline {
    type Machine = FailureMachine;

    fn machine(&self, setup: &Setup) -> FailureMachine {
        FailureMachine::new(setup.settings().clone())
    }

    fn execute<'a>(&'a self, effect: Effect, bench: &'a mut Bench) -> BoxFuture<'a, Input> {
        Box::pin(execute(effect, bench))
    }
}

/// The worktree an effect works in, which a resumed run must find in place.
fn needs(effect: &Effect) -> Option<Worktree> {
    match effect {
        Effect::RunAgent {
            phase: Phase::Fix, ..
        }
        | Effect::Verify { .. }
        | Effect::CommitFix { .. } => Some(Worktree::Fix),
        Effect::RunAgent { .. } | Effect::CheckReproduction { .. } => Some(Worktree::Scratch),
        _ => None,
    }
}

async fn execute(effect: Effect, bench: &mut Bench) -> Input {
    if let Some(which) = needs(&effect)
        && let Err(e) = branch::ensure(bench, which).await
    {
        return Input::Failed(e);
    }
    let outcome: Result<EventKind, StepError> = match effect {
        Effect::PrepareLogs => logs::prepare(bench).await,
        Effect::PrepareScratch => reproduce::prepare_scratch(bench).await,
        Effect::ComposePrompt {
            phase,
            attempt,
            feedback,
        } => return agent::compose(bench, phase, attempt, feedback.as_deref()),
        Effect::RunAgent {
            phase,
            attempt,
            prompt,
            feedback,
            resume,
        } => agent::run(bench, phase, attempt, prompt, feedback, resume).await,
        Effect::CheckReproduction { attempt, runs } => reproduce::check(bench, attempt, runs).await,
        Effect::FreezeReproduction => reproduce::freeze(bench),
        Effect::CommitReproduction => reproduce::commit(bench).await,
        Effect::CreateFixBranch => branch::create(bench).await,
        Effect::WritePostFixTests { attempt } => Box::pin(post_fix::write(bench, attempt)).await,
        // The largest steps' futures live on the heap, not in every step's.
        Effect::Verify { attempt, runs } => Box::pin(verify::verify(bench, attempt, runs)).await,
        Effect::CommitFix { remove_repro } => publish::commit_fix(bench, remove_repro).await,
        Effect::Push => publish::push(bench).await,
        Effect::OpenPr => publish::open_pr(bench).await,
        Effect::FindDevelopers => Ok(closing::find_developers(bench).await),
        Effect::Cleanup { keep_fix_worktree } => {
            Ok(closing::cleanup(bench, keep_fix_worktree).await)
        }
        Effect::WriteReport {
            status,
            exit_code,
            message,
        } => closing::write_report(bench, &FAILURE_SECTIONS, status, exit_code, message),
        Effect::AwaitDecision { .. } | Effect::Finish { .. } => Err(StepError::error(
            "the driver answers checkpoints and the end itself",
        )),
    };
    match outcome {
        Ok(fact) => Input::Done(fact),
        Err(e) => Input::Failed(e),
    }
}
