//! The run's bookkeeping: phases opened and closed, checkpoints numbered, the request under way,
//! and the closing sequence once the outcome is known (cleanup, developers, report, finish).

use super::effect::Effect;
use super::machine::{Closing, Context, FailureMachine, Wait};
use crate::core::event::{
    CheckpointKind, DecisionKind, EventKind, FailureClass, Phase, PhaseStatus, RevisionsLeft,
    RunStatus,
};
use crate::core::exit::ExitCode;
use crate::core::pipeline::input::Step;

impl FailureMachine {
    /// After an AI step: fixloop checks the result itself.
    pub(super) fn check_step(&mut self, step: &mut Step) {
        let runs = self.settings.runs;
        let attempt = self.attempt;
        if self.phase == Phase::Fix {
            self.begin_phase(Phase::Verify, step);
            if self.settings.verify_committed_tree {
                // What is verified is the commit that would be pushed.
                self.effect(
                    Effect::CommitFix {
                        remove_repro: !self.settings.keep_test_in_pr,
                    },
                    step,
                );
            } else {
                self.effect(Effect::Verify { attempt, runs }, step);
            }
        } else {
            self.begin_phase(Phase::ConfirmRepro, step);
            self.effect(Effect::CheckReproduction { attempt, runs }, step);
        }
    }

    pub(super) fn compose(&mut self, feedback: Option<String>, step: &mut Step) {
        self.feedback.clone_from(&feedback);
        self.effect(
            Effect::ComposePrompt {
                phase: self.phase,
                attempt: self.attempt,
                feedback,
            },
            step,
        );
    }

    /// How many more times the current step may be sent back, by a person and automatically
    /// (`None` for a run journaled before the two were counted apart).
    pub(super) fn left(&self) -> Option<RevisionsLeft> {
        let max_revisions = self.settings.max_revisions?;
        Some(RevisionsLeft {
            revisions: max_revisions.saturating_sub(self.revisions),
            retries: self
                .settings
                .max_attempts
                .saturating_sub(1)
                .saturating_sub(self.retries),
        })
    }

    pub(super) fn after_options(&self, approvable: bool) -> Vec<DecisionKind> {
        let mut options = Vec::new();
        if approvable {
            options.push(DecisionKind::Approve);
        }
        let revise = match self.left() {
            Some(left) => left.revisions > 0 || left.retries > 0,
            None => self.attempt < self.settings.max_attempts,
        };
        if revise {
            options.push(DecisionKind::Revise);
        }
        options.extend([DecisionKind::Manual, DecisionKind::Abort]);
        options
    }

    pub(super) fn checkpoint(
        &mut self,
        kind: CheckpointKind,
        context: Context,
        options: &[DecisionKind],
        step: &mut Step,
    ) {
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        let options = options.to_vec();
        step.events.push(EventKind::CheckpointReached {
            id,
            kind,
            options: options.clone(),
        });
        step.effects.push(Effect::AwaitDecision { id });
        self.wait = Wait::Checkpoint {
            id,
            context,
            options,
        };
    }

    pub(super) fn effect(&mut self, effect: Effect, step: &mut Step) {
        self.wait = Wait::Effect;
        step.effects.push(effect);
    }

    pub(super) fn begin_phase(&mut self, phase: Phase, step: &mut Step) {
        self.phase = phase;
        self.phase_open = true;
        step.events.push(EventKind::PhaseStarted { phase });
    }

    pub(super) fn end_phase(&mut self, status: PhaseStatus, message: &str, step: &mut Step) {
        if self.phase_open {
            self.phase_open = false;
            step.events.push(EventKind::PhaseFinished {
                phase: self.phase,
                status,
                message: message.to_owned(),
            });
        }
    }

    /// The outcome is known: clean up, find developers, write the report, finish.
    pub(super) fn conclude(
        &mut self,
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
        step: &mut Step,
    ) {
        if self.outcome.is_some() {
            return;
        }
        self.outcome = Some((status, exit_code, message));
        self.closing = Some(Closing::Cleanup);
        let keep_fix_worktree = status != RunStatus::Success && self.fix_branch.is_some();
        self.effect(Effect::Cleanup { keep_fix_worktree }, step);
    }

    /// A step of the closing failed. A write that failed (full disk) makes the run's result an
    /// I/O error, whatever it was, since what it did may not all be on disk; the report phase
    /// is closed as written only when the report is on disk.
    pub(super) fn closing_failed(
        &mut self,
        class: FailureClass,
        message: String,
        hints: &[String],
        step: &mut Step,
    ) {
        let mut said = message;
        for hint in hints {
            said = format!("{said}; {hint}");
        }
        if class == FailureClass::Io
            && let Some((status, exit_code, outcome)) = &mut self.outcome
        {
            if *exit_code != ExitCode::Io {
                *outcome = format!("{outcome}; then {said}");
            }
            *exit_code = ExitCode::Io;
            if *status == RunStatus::Success {
                *status = RunStatus::Partial;
            }
        }
        if self.closing == Some(Closing::Report) {
            let Some((status, exit_code, message)) = self.outcome.clone() else {
                return;
            };
            self.end_phase(
                PhaseStatus::Failed,
                &format!("the report was not written: {said}"),
                step,
            );
            self.finish(status, exit_code, message, step);
        } else {
            step.events.push(EventKind::Warned { message: said });
            self.close_next(step);
        }
    }

    fn finish(&mut self, status: RunStatus, exit_code: ExitCode, message: String, step: &mut Step) {
        step.events.push(EventKind::RunFinished {
            status,
            exit_code,
            message,
        });
        step.effects.push(Effect::Finish { exit_code });
        self.wait = Wait::Finished;
    }

    pub(super) fn close_next(&mut self, step: &mut Step) {
        let Some((status, exit_code, message)) = self.outcome.clone() else {
            return;
        };
        match self.closing {
            Some(Closing::Cleanup) => {
                self.begin_phase(Phase::Report, step);
                if self.fix_branch.is_some() {
                    self.closing = Some(Closing::Developers);
                    self.effect(Effect::FindDevelopers, step);
                } else {
                    self.closing = Some(Closing::Report);
                    self.effect(
                        Effect::WriteReport {
                            status,
                            exit_code,
                            message,
                        },
                        step,
                    );
                }
            }
            Some(Closing::Developers) => {
                self.closing = Some(Closing::Report);
                self.effect(
                    Effect::WriteReport {
                        status,
                        exit_code,
                        message,
                    },
                    step,
                );
            }
            Some(Closing::Report) => {
                self.end_phase(PhaseStatus::Passed, "report written", step);
                self.finish(status, exit_code, message, step);
            }
            None => {}
        }
    }
}
