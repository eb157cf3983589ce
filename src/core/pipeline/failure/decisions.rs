//! What a decision at a checkpoint does: start the step, accept its result, revise it with
//! feedback, check a step done by hand, or end the run.

use super::effect::Effect;
use super::machine::{Context, FailureMachine, Wait};
use crate::core::event::{
    DecidedBy, Decision, DecisionKind, EventKind, Phase, PhaseStatus, RunStatus,
};
use crate::core::exit::ExitCode;
use crate::core::pipeline::input::Step;

impl FailureMachine {
    pub(super) fn decided(&mut self, id: u32, decision: Decision, by: &DecidedBy, step: &mut Step) {
        let Wait::Checkpoint {
            id: pending,
            context,
            options,
        } = self.wait.clone()
        else {
            step.events.push(EventKind::Warned {
                message: format!("decision for checkpoint {id} ignored: no checkpoint is open"),
            });
            return;
        };
        if id != pending || !options.contains(&decision.kind()) {
            let accepted: Vec<&str> = options.iter().map(|o| o.as_str()).collect();
            step.events.push(EventKind::Warned {
                message: format!(
                    "decision `{}` not accepted at checkpoint {pending} (accepted: {})",
                    decision.kind().as_str(),
                    accepted.join(", ")
                ),
            });
            // The checkpoint stays open (`effect` would close it).
            step.effects.push(Effect::AwaitDecision { id: pending });
            return;
        }
        if let Some(refused) = self.revision_refused(&decision, by) {
            step.events.push(EventKind::Warned { message: refused });
            step.effects.push(Effect::AwaitDecision { id: pending });
            return;
        }
        step.events.push(EventKind::CheckpointResolved {
            id,
            decision: decision.clone(),
            by: by.clone(),
        });
        let approvable = options.contains(&DecisionKind::Approve);
        match (context, decision) {
            (Context::BeforePush, Decision::Abort { reason }) => {
                // The fix is verified and committed, only not pushed: a partial result, not a
                // failed run (`fixloop resume` asks again; `fixloop clean` removes its branch).
                self.end_phase(PhaseStatus::Failed, "aborted", step);
                self.conclude(
                    RunStatus::Partial,
                    ExitCode::Partial,
                    format!("verified fix not pushed: {reason}"),
                    step,
                );
            }
            (context, Decision::Abort { reason }) => {
                let invalid = context
                    == Context::AfterReproduce {
                        invalid_input: true,
                    };
                self.aborted(
                    reason,
                    matches!(by, DecidedBy::Policy(_)) && approvable,
                    invalid,
                    step,
                );
            }
            (Context::BeforeStep { phase, prompt }, decision) => {
                self.before_step_decided(phase, prompt, decision, step);
            }
            (Context::AfterReproduce { .. }, Decision::Approve) => {
                self.begin_phase(Phase::FixBranch, step);
                self.effect(Effect::FreezeReproduction, step);
            }
            (Context::AfterFix, Decision::Approve) => {
                self.begin_phase(Phase::Pr, step);
                match self.candidate.clone() {
                    // The verified commit is what is pushed.
                    Some(kind) if self.settings.verify_committed_tree => self.checkpoint(
                        kind,
                        Context::BeforePush,
                        &[DecisionKind::Approve, DecisionKind::Abort],
                        step,
                    ),
                    _ => self.effect(
                        Effect::CommitFix {
                            remove_repro: !self.settings.keep_test_in_pr,
                        },
                        step,
                    ),
                }
            }
            (Context::BeforePush, _) => self.effect(Effect::Push, step),
            (context, Decision::Revise { feedback }) => {
                if *by == DecidedBy::Person {
                    self.revisions += 1;
                } else {
                    self.retries += 1;
                }
                self.attempt += 1;
                self.begin_phase(context.ai_phase(), step);
                self.compose(Some(feedback), step);
            }
            (context, _) => {
                self.phase = context.ai_phase();
                self.check_step(step);
            }
        }
    }

    /// Why a revision is not taken from this decider: a person's revisions and a policy's
    /// automatic retries are counted apart, and each has its own limit.
    fn revision_refused(&self, decision: &Decision, by: &DecidedBy) -> Option<String> {
        if !matches!(decision, Decision::Revise { .. }) {
            return None;
        }
        let left = self.left()?;
        match by {
            DecidedBy::Person if left.revisions == 0 => Some(format!(
                "revision not accepted: the {} revisions a person may ask of this step are used \
                 (`--revisions N` gives a run more)",
                self.settings.max_revisions.unwrap_or_default()
            )),
            DecidedBy::Policy(_) if left.retries == 0 => Some(format!(
                "retry not accepted: the step's {} attempts are used (`--attempts N` gives a run \
                 more)",
                self.settings.max_attempts
            )),
            _ => None,
        }
    }

    /// The run ends at a checkpoint: stopped for review when a policy declined to approve a
    /// result it could have, on bad input when the reproduction's manifest was invalid, else on
    /// the person's word.
    pub(super) fn aborted(
        &mut self,
        reason: String,
        for_review: bool,
        invalid_input: bool,
        step: &mut Step,
    ) {
        self.end_phase(PhaseStatus::Failed, "aborted", step);
        if for_review {
            self.conclude(
                RunStatus::Partial,
                ExitCode::Partial,
                format!("stopped for review: {reason}"),
                step,
            );
        } else if invalid_input {
            self.conclude(RunStatus::Failed, ExitCode::Input, reason, step);
        } else {
            self.conclude(RunStatus::Failed, ExitCode::Failed, reason, step);
        }
    }

    /// Before an AI step: the agent starts (with the composed or the edited prompt, in its own
    /// session on a revision), or the person did the step by hand and fixloop checks it.
    pub(super) fn before_step_decided(
        &mut self,
        phase: Phase,
        prompt: String,
        decision: Decision,
        step: &mut Step,
    ) {
        let prompt = match decision {
            Decision::Approve => prompt,
            Decision::EditPrompt { prompt } => prompt,
            _ => {
                self.end_phase(PhaseStatus::Passed, "done by hand", step);
                self.check_step(step);
                return;
            }
        };
        let resume = if self.attempt > 1 {
            self.sessions.get(&phase).cloned()
        } else {
            None
        };
        let feedback = self.feedback.clone();
        self.effect(
            Effect::RunAgent {
                phase,
                attempt: self.attempt,
                prompt,
                feedback,
                resume,
            },
            step,
        );
    }
}
