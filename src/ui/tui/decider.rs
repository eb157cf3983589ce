//! The person answers checkpoints: the driver waits here for the TUI's commands.

use tokio::sync::mpsc;

use crate::core::command::Command;
use crate::core::event::{DecidedBy, Decision, FailureClass};
use crate::core::view::CheckpointView;
use crate::engine::ports::{AgentOutcome, AgentRequest, BoxFuture, Decider};

#[derive(Debug)]
pub struct PersonDecider {
    pub commands: mpsc::UnboundedReceiver<Command>,
}

impl Decider for PersonDecider {
    /// Waits for the person's answer to `checkpoint` (answers to other checkpoints are stale
    /// keypresses and are dropped).
    fn decide<'a>(
        &'a mut self,
        checkpoint: &'a CheckpointView,
    ) -> BoxFuture<'a, (Decision, DecidedBy)> {
        let id = checkpoint.id;
        Box::pin(async move {
            while let Some(command) = self.commands.recv().await {
                match command {
                    Command::Resolve {
                        id: answered,
                        decision,
                    } if answered == id => {
                        return (decision, DecidedBy::Person);
                    }
                    Command::Cancel => break,
                    _ => {}
                }
            }
            // The TUI is gone or the run was cancelled: the driver turns this into an
            // interruption.
            (
                Decision::Abort {
                    reason: "the run was stopped".into(),
                },
                DecidedBy::Person,
            )
        })
    }

    fn manual<'a>(&'a mut self, _request: &'a AgentRequest) -> BoxFuture<'a, AgentOutcome> {
        Box::pin(async move {
            while let Some(command) = self.commands.recv().await {
                match command {
                    Command::ManualDone { ok: true } => {
                        return AgentOutcome {
                            ok: true,
                            ..AgentOutcome::default()
                        };
                    }
                    Command::ManualDone { ok: false } => {
                        return AgentOutcome {
                            ok: false,
                            error: Some("the person gave up the step".into()),
                            error_class: Some(FailureClass::Error),
                            ..AgentOutcome::default()
                        };
                    }
                    Command::Cancel => break,
                    Command::Resolve { .. } => {}
                }
            }
            AgentOutcome {
                ok: false,
                error: Some("the run was stopped".into()),
                error_class: Some(FailureClass::Error),
                ..AgentOutcome::default()
            }
        })
    }
}
