//! The sync pipeline's steps: each request of [`SyncMachine`] carried out on the fork's
//! repository (through the merge port) and its GitHub repository (through the sync forge).

mod detect;
mod fix;
mod hold;
mod merge;
mod publish;
mod resolve;

pub use publish::{ISSUE_MARKER, NEEDS_REVIEW, READY, SYNC_LABEL};

use super::bench::Bench;
use super::pipeline::Pipeline;
use super::ports::merge::Merger;
use super::ports::{BoxFuture, SyncForge};
use super::setup::Setup;
use super::steps::closing;
use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::pipeline::{Input, SyncEffect, SyncMachine, SyncRules};
use crate::core::report::SYNC_SECTIONS;
use crate::core::sync::config::SyncSection;

/// A fork kept in step with upstream's releases.
pub struct SyncPipeline {
    pub config: SyncSection,
    pub merger: Box<dyn Merger>,
    pub forge: Box<dyn SyncForge>,
    /// The fork's remote the branch is pushed to (`None`: a local repository only).
    pub remote: Option<String>,
    /// Prepare everything and push nothing: the branch and its PR (or the issue) written to
    /// this folder for `fixloop sync publish` (the Actions job without a write token).
    pub hold: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SyncPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncPipeline")
            .field("repo", &self.config.repo)
            .finish_non_exhaustive()
    }
}

impl Pipeline for SyncPipeline {
    type Machine = SyncMachine;

    fn machine(&self, setup: &Setup) -> SyncMachine {
        SyncMachine::new(SyncRules {
            max_conflicts: self.config.max_conflicts,
            publish: setup.settings().open_pr || self.hold.is_some(),
            fixable: self.config.test.clone(),
        })
    }

    fn execute<'a>(&'a self, effect: SyncEffect, bench: &'a mut Bench) -> BoxFuture<'a, Input> {
        Box::pin(async move {
            let outcome: Result<EventKind, StepError> = match effect {
                SyncEffect::Detect => detect::detect(self, bench).await,
                SyncEffect::Merge => merge::merge(self, bench).await,
                SyncEffect::ResolveFile { path, feedback } => {
                    resolve::resolve(self, bench, &path, feedback).await
                }
                SyncEffect::Guard => merge::guard(self, bench).await,
                SyncEffect::Check => merge::check(self, bench).await,
                SyncEffect::FixTest { command } => fix::fix(self, bench, &command).await,
                SyncEffect::Publish => publish::publish(self, bench).await,
                SyncEffect::Block { reasons } => publish::block(self, bench, reasons).await,
                SyncEffect::Cleanup { keep_worktree } => {
                    Ok(closing::cleanup(bench, keep_worktree).await)
                }
                SyncEffect::WriteReport {
                    status,
                    exit_code,
                    message,
                } => closing::write_report(bench, &SYNC_SECTIONS, status, exit_code, message),
                SyncEffect::AwaitDecision { .. } | SyncEffect::Finish { .. } => Err(
                    StepError::error("the driver answers checkpoints and the end itself"),
                ),
            };
            match outcome {
                Ok(fact) => Input::Done(fact),
                Err(e) => Input::Failed(e),
            }
        })
    }
}

/// The sync's facts so far.
fn view(bench: &Bench) -> crate::core::view::SyncView {
    bench.view(|v| v.sync.clone().unwrap_or_default())
}
