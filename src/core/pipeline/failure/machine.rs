//! The failure pipeline's state, its start, and its face as a [`Machine`]: its name, phases and
//! report sections. What each input does is in the sibling modules: facts, decisions, and the
//! phase and closing bookkeeping.

use std::collections::BTreeMap;

use super::effect::Effect;
use crate::core::error::StepError;
use crate::core::event::{
    CheckpointKind, Decision, DecisionKind, EventKind, FAILURE_PIPELINE, FailureClass, Phase,
    PhaseStatus, RunStatus,
};
use crate::core::exit::ExitCode;
use crate::core::pipeline::contract::Machine;
use crate::core::pipeline::input::{Input, Step};
use crate::core::report::{FAILURE_SECTIONS, Sections};
use crate::core::setup::Settings;

/// What a pending checkpoint is about, with what the pipeline needs to act on the decision.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Context {
    BeforeStep { phase: Phase, prompt: String },
    AfterReproduce { invalid_input: bool },
    AfterFix,
    BeforePush,
}

impl Context {
    /// The AI step a checkpoint after a step is about.
    pub(super) fn ai_phase(&self) -> Phase {
        if *self == Self::AfterFix {
            Phase::Fix
        } else {
            Phase::Reproduce
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Wait {
    NotStarted,
    Effect,
    Checkpoint {
        id: u32,
        context: Context,
        options: Vec<DecisionKind>,
    },
    Finished,
}

/// The closing sequence once the outcome is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closing {
    Cleanup,
    Developers,
    Report,
}

/// A failure run: from its logs to a verified fix on a draft PR.
#[derive(Debug, Clone)]
pub struct FailureMachine {
    pub(super) settings: Settings,
    pub(super) wait: Wait,
    pub(super) phase: Phase,
    pub(super) phase_open: bool,
    pub(super) attempt: u32,
    /// The step's revisions asked for by a person, and its automatic retries, so far.
    pub(super) revisions: u32,
    pub(super) retries: u32,
    pub(super) feedback: Option<String>,
    pub(super) sessions: BTreeMap<Phase, String>,
    pub(super) next_checkpoint: u32,
    pub(super) fix_branch: Option<String>,
    /// The fix commit awaiting verification and the push, as the checkpoint before the push
    /// shows it.
    pub(super) candidate: Option<CheckpointKind>,
    pub(super) outcome: Option<(RunStatus, ExitCode, String)>,
    pub(super) closing: Option<Closing>,
}

impl FailureMachine {
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            wait: Wait::NotStarted,
            phase: Phase::Logs,
            phase_open: false,
            attempt: 1,
            revisions: 0,
            retries: 0,
            feedback: None,
            sessions: BTreeMap::new(),
            next_checkpoint: 1,
            fix_branch: None,
            candidate: None,
            outcome: None,
            closing: None,
        }
    }

    pub(super) fn apply(&mut self, input: Input) -> Step {
        let mut step = Step::default();
        if self.wait == Wait::Finished {
            return step;
        }
        match input {
            Input::Start if self.wait == Wait::NotStarted => self.start(&mut step),
            Input::Start => {}
            Input::Done(fact) => self.done(fact, &mut step),
            Input::Prompt {
                phase,
                attempt,
                prompt,
                path,
            } => {
                step.events.push(EventKind::PromptComposed {
                    phase,
                    attempt,
                    path,
                    bytes: prompt.len() as u64,
                });
                let kind = CheckpointKind::BeforeStep {
                    phase,
                    attempt,
                    prompt: prompt.clone(),
                };
                let options = [
                    DecisionKind::Approve,
                    DecisionKind::EditPrompt,
                    DecisionKind::Manual,
                    DecisionKind::Abort,
                ];
                self.checkpoint(
                    kind,
                    Context::BeforeStep { phase, prompt },
                    &options,
                    &mut step,
                );
            }
            Input::Failed(StepError {
                class,
                message,
                hints,
            }) => {
                if self.closing.is_some() {
                    self.closing_failed(class, message, &hints, &mut step);
                } else {
                    step.events.push(EventKind::StepFailed {
                        phase: self.phase,
                        class,
                        message: message.clone(),
                        hints,
                    });
                    self.end_phase(PhaseStatus::Failed, &message, &mut step);
                    // A spent budget stops a run that may go on: a partial result.
                    let status = if class == FailureClass::Budget {
                        RunStatus::Partial
                    } else {
                        RunStatus::Failed
                    };
                    self.conclude(status, class.exit_code(), message, &mut step);
                }
            }
            Input::Decided { id, decision, by } => self.decided(id, decision, &by, &mut step),
            Input::Interrupted => {
                if self.closing.is_none() {
                    self.end_phase(PhaseStatus::Failed, "interrupted", &mut step);
                    self.conclude(
                        RunStatus::Partial,
                        ExitCode::Interrupted,
                        "interrupted before the run finished".into(),
                        &mut step,
                    );
                }
            }
        }
        step
    }

    pub(super) fn start(&mut self, step: &mut Step) {
        if self.settings.has_logs {
            self.begin_phase(Phase::Logs, step);
            self.effect(Effect::PrepareLogs, step);
        } else {
            skip(Phase::Logs, "no logs were given", step);
            self.after_logs(step);
        }
    }

    pub(super) fn after_logs(&mut self, step: &mut Step) {
        if self.settings.existing_test {
            skip(
                Phase::Reproduce,
                "existing-test-path gives the reproduction",
                step,
            );
            skip(
                Phase::ConfirmRepro,
                "existing-test-path gives the reproduction",
                step,
            );
            self.begin_phase(Phase::FixBranch, step);
            self.effect(Effect::FreezeReproduction, step);
        } else {
            self.begin_phase(Phase::Reproduce, step);
            self.effect(Effect::PrepareScratch, step);
        }
    }
}

impl Machine for FailureMachine {
    type Effect = Effect;

    fn name(&self) -> &'static str {
        FAILURE_PIPELINE
    }

    fn phases(&self) -> &'static [Phase] {
        &Phase::ALL
    }

    fn sections(&self) -> &'static dyn Sections {
        &FAILURE_SECTIONS
    }

    fn handle(&mut self, input: Input) -> Step {
        self.apply(input)
    }

    fn is_finished(&self) -> bool {
        self.wait == Wait::Finished
    }

    fn is_concluded(&self) -> bool {
        self.outcome.is_some()
    }

    fn open_phase(&self) -> Option<Phase> {
        self.phase_open.then_some(self.phase)
    }

    /// A declined push leaves a verified fix behind: a resume asks again.
    fn reopens(&self, input: &Input) -> Option<String> {
        let at_push = matches!(
            &self.wait,
            Wait::Checkpoint {
                context: Context::BeforePush,
                ..
            }
        );
        match input {
            Input::Decided {
                decision: Decision::Abort { reason },
                ..
            } if at_push => Some(format!("the push was declined: {reason}")),
            _ => None,
        }
    }
}

/// A phase the run leaves out, and why.
fn skip(phase: Phase, why: &str, step: &mut Step) {
    step.events.push(EventKind::PhaseFinished {
        phase,
        status: PhaseStatus::Skipped,
        message: why.to_owned(),
    });
}
