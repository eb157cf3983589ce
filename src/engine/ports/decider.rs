//! The decider port: who answers checkpoints, and who does a step by hand.

use super::BoxFuture;
use super::agent::{AgentOutcome, AgentRequest};
use crate::core::event::{DecidedBy, Decision, FailureClass};
use crate::core::view::CheckpointView;

/// Answers checkpoints: a policy in headless mode, the person in a terminal.
pub trait Decider: Send + Sync {
    /// The decision on `checkpoint`, one of the options it offers.
    fn decide<'a>(
        &'a mut self,
        checkpoint: &'a CheckpointView,
    ) -> BoxFuture<'a, (Decision, DecidedBy)>;

    /// The person does an AI step by hand (`--agent manual`); resolves when they are done.
    fn manual<'a>(&'a mut self, _request: &'a AgentRequest) -> BoxFuture<'a, AgentOutcome> {
        Box::pin(async {
            AgentOutcome {
                ok: false,
                error: Some(
                    "the manual agent needs a person at a terminal: run without --headless, or \
                     choose --agent claude, codex or command"
                        .into(),
                ),
                error_class: Some(FailureClass::Unavailable),
                ..AgentOutcome::default()
            }
        })
    }
}
