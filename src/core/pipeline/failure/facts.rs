//! What each fact a step established does to a failure run: the next step, a checkpoint for
//! the person, or the run's end.

use super::effect::Effect;
use super::machine::{Context, FailureMachine};
use std::fmt::Write as _;

use super::text::{Ran, feedback_from, verification_summary};
use crate::core::defence::{Defence, refused_by};
use crate::core::event::{
    CheckpointKind, DecisionKind, EventKind, FailureClass, Phase, PhaseStatus, RunStatus, TestRuns,
};
use crate::core::exit::ExitCode;
use crate::core::pipeline::input::Step;
use crate::core::verdict;

impl FailureMachine {
    pub(super) fn done(&mut self, fact: EventKind, step: &mut Step) {
        let next = fact.clone();
        step.events.push(fact);
        match next {
            EventKind::LogsPrepared { failing_tests, .. } => {
                let message = match failing_tests.len() {
                    0 => "no failing test named in the logs; the excerpt keeps the errors".into(),
                    n => format!("{n} failing test(s): {}", failing_tests.join(", ")),
                };
                self.end_phase(PhaseStatus::Passed, &message, step);
                self.after_logs(step);
            }
            EventKind::ScratchCreated { .. } => self.compose(None, step),
            EventKind::AgentFinished {
                phase,
                ok,
                session_id,
                error,
                error_class,
                ..
            } => {
                if let Some(id) = session_id {
                    self.sessions.insert(phase, id);
                }
                let error = error.unwrap_or_else(|| "the agent failed".into());
                self.agent_finished(phase, ok, error, error_class, step);
            }
            EventKind::ReproductionChecked {
                reproduced,
                reason,
                runs,
                invalid_input,
                findings,
                ..
            } => {
                self.reproduction_checked(reproduced, reason, &runs, invalid_input, findings, step);
            }
            // The approved reproduction is kept before anything else happens to it; a given one
            // needs no commit of its failure folder.
            EventKind::ReproductionFrozen { .. } if self.settings.existing_test => {
                self.effect(Effect::CreateFixBranch, step);
            }
            EventKind::ReproductionFrozen { .. } => self.effect(Effect::CommitReproduction, step),
            EventKind::ReproductionCommitted { .. } => self.effect(Effect::CreateFixBranch, step),
            EventKind::FixBranchCreated { branch, .. } => {
                self.fix_branch = Some(branch.clone());
                self.end_phase(PhaseStatus::Passed, &format!("{branch} is ready"), step);
                (self.attempt, self.revisions, self.retries) = (1, 0, 0);
                self.begin_phase(Phase::Fix, step);
                self.compose(None, step);
            }
            EventKind::VerificationFinished {
                verified,
                passes,
                revert_check,
                suite,
                findings,
                outside_check,
                post_fix,
                ..
            } => self.verification_finished(
                verified,
                &Ran {
                    passes: &passes,
                    revert: revert_check.as_ref(),
                    suite: suite.as_ref(),
                    outside: outside_check.as_ref(),
                    post_fix: post_fix.as_ref(),
                },
                findings,
                step,
            ),
            EventKind::FixCommitted {
                branch,
                message,
                files_changed,
                ..
            } => self.fix_committed(branch, &message, &files_changed, step),
            EventKind::PostFixTestsWritten { .. } => {
                let (attempt, runs) = (self.attempt, self.settings.runs);
                self.effect(Effect::Verify { attempt, runs }, step);
            }
            EventKind::BranchPushed { branch, .. } => self.pushed(&branch, step),
            EventKind::PrOpened { url, .. } => {
                self.end_phase(PhaseStatus::Passed, &format!("draft PR {url}"), step);
                let branch = self.fix_branch.clone().unwrap_or_default();
                self.conclude(
                    RunStatus::Success,
                    ExitCode::Success,
                    format!("verified fix on {branch}: {url}"),
                    step,
                );
            }
            EventKind::PrSkipped { reason } => self.pr_skipped(&reason, step),
            EventKind::WorktreesRemoved { .. }
            | EventKind::DevelopersFound { .. }
            | EventKind::ReportWritten { .. } => self.close_next(step),
            _ => {}
        }
    }

    /// The fix was committed: a candidate is checked (tests written after it, then verified);
    /// under the 0.1 rules the commit came after approval, and the push is next.
    pub(super) fn fix_committed(
        &mut self,
        branch: String,
        message: &str,
        files_changed: &[String],
        step: &mut Step,
    ) {
        let kind = CheckpointKind::BeforePush {
            branch,
            title: message.lines().next().unwrap_or_default().to_owned(),
            diffstat: files_changed.join("\n"),
        };
        if self.settings.verify_committed_tree {
            // A candidate: tests are written after it, it is verified, and pushed if
            // approved.
            self.candidate = Some(kind);
            let (attempt, runs) = (self.attempt, self.settings.runs);
            if self.settings.post_fix_tests {
                self.effect(Effect::WritePostFixTests { attempt }, step);
            } else {
                self.effect(Effect::Verify { attempt, runs }, step);
            }
        } else {
            self.checkpoint(
                kind,
                Context::BeforePush,
                &[DecisionKind::Approve, DecisionKind::Abort],
                step,
            );
        }
    }

    /// An agent step ended: it could not work at all (the run ends), it finished (fixloop checks
    /// its work), or it gave up (the person decides).
    pub(super) fn agent_finished(
        &mut self,
        phase: Phase,
        ok: bool,
        error: String,
        error_class: Option<FailureClass>,
        step: &mut Step,
    ) {
        match error_class {
            Some(class @ (FailureClass::Input | FailureClass::Unavailable)) => {
                step.events.push(EventKind::StepFailed {
                    phase,
                    class,
                    message: error.clone(),
                    hints: Vec::new(),
                });
                self.end_phase(PhaseStatus::Failed, &error, step);
                self.conclude(RunStatus::Failed, class.exit_code(), error, step);
            }
            _ if ok => {
                self.end_phase(PhaseStatus::Passed, "the agent finished its step", step);
                self.check_step(step);
            }
            _ => {
                self.end_phase(PhaseStatus::Failed, &error, step);
                let summary = format!("the agent did not finish its step: {error}");
                let kind = CheckpointKind::AfterStep {
                    phase: self.phase,
                    attempt: self.attempt,
                    verified: false,
                    summary: summary.clone(),
                    findings: Vec::new(),
                    suggested_feedback: summary,
                    left: self.left(),
                };
                let context = if self.phase == Phase::Fix {
                    Context::AfterFix
                } else {
                    Context::AfterReproduce {
                        invalid_input: false,
                    }
                };
                let options = self.after_options(false);
                self.checkpoint(kind, context, &options, step);
            }
        }
    }

    pub(super) fn reproduction_checked(
        &mut self,
        reproduced: bool,
        reason: String,
        runs: &TestRuns,
        invalid_input: bool,
        findings: Vec<String>,
        step: &mut Step,
    ) {
        let status = if reproduced {
            PhaseStatus::Passed
        } else {
            PhaseStatus::Failed
        };
        self.end_phase(status, &reason, step);
        let suggested = if reproduced {
            String::new()
        } else {
            feedback_from(&reason, runs)
        };
        // Something a person must look at keeps the policy from approving on its own.
        let kind = CheckpointKind::AfterStep {
            phase: Phase::Reproduce,
            attempt: self.attempt,
            verified: reproduced && findings.is_empty(),
            summary: reason,
            findings,
            suggested_feedback: suggested,
            left: self.left(),
        };
        let options = self.after_options(reproduced);
        self.checkpoint(
            kind,
            Context::AfterReproduce { invalid_input },
            &options,
            step,
        );
    }

    pub(super) fn verification_finished(
        &mut self,
        verified: bool,
        ran: &Ran<'_>,
        findings: Vec<String>,
        step: &mut Step,
    ) {
        let (passes, suite) = (ran.passes, ran.suite);
        let passes_ok = verdict::passes(passes, suite);
        let mut summary = verification_summary(ran);
        if !verified {
            let refused: Vec<&str> = refused_by(passes, suite, &findings)
                .into_iter()
                .map(Defence::name)
                .collect();
            if !refused.is_empty() {
                let _ = write!(summary, "; refused by: {}", refused.join(", "));
            }
        }
        let status = if verified {
            PhaseStatus::Passed
        } else {
            PhaseStatus::Failed
        };
        self.end_phase(status, &summary, step);
        // A defence that shows the fix wrong leaves nothing to approve: the agent is asked
        // again with what it showed.
        let wrong = findings
            .iter()
            .find(|f| Defence::of(f).is_some_and(Defence::shows_the_fix_wrong));
        let suggested = if passes.runs == 0 || passes.failures > 0 {
            feedback_from(
                &format!(
                    "the reproduction still fails on the fix branch ({} of {} runs)",
                    passes.failures, passes.runs
                ),
                passes,
            )
        } else if !passes_ok {
            let suite = suite.cloned().unwrap_or_default();
            feedback_from("the test suite (`test-command`) fails with the fix", &suite)
        } else if let Some(wrong) = wrong {
            let shown = match Defence::of(wrong) {
                Some(Defence::OutsideCheck) => ran.outside.cloned(),
                Some(Defence::PostFixTests) => ran.post_fix.map(|t| t.on_fix.clone()),
                _ => None,
            };
            feedback_from(wrong, &shown.unwrap_or_default())
        } else {
            String::new()
        };
        let passes_ok = passes_ok && wrong.is_none();
        let kind = CheckpointKind::AfterStep {
            phase: Phase::Fix,
            attempt: self.attempt,
            verified,
            summary,
            findings,
            suggested_feedback: suggested,
            left: self.left(),
        };
        let options = self.after_options(passes_ok);
        self.checkpoint(kind, Context::AfterFix, &options, step);
    }

    pub(super) fn pushed(&mut self, branch: &str, step: &mut Step) {
        if self.settings.open_pr {
            self.effect(Effect::OpenPr, step);
        } else {
            let reason = "--no-pr: the branch is pushed, no PR opened".to_owned();
            step.events.push(EventKind::PrSkipped {
                reason: reason.clone(),
            });
            self.end_phase(PhaseStatus::Skipped, &reason, step);
            self.conclude(
                RunStatus::Success,
                ExitCode::Success,
                format!("verified fix pushed on {branch}"),
                step,
            );
        }
    }

    pub(super) fn pr_skipped(&mut self, reason: &str, step: &mut Step) {
        let branch = self.fix_branch.clone().unwrap_or_default();
        self.end_phase(PhaseStatus::Skipped, reason, step);
        if self.settings.open_pr {
            self.conclude(
                RunStatus::Partial,
                ExitCode::Partial,
                format!("verified fix committed on {branch}, but no PR: {reason}"),
                step,
            );
        } else {
            self.conclude(
                RunStatus::Success,
                ExitCode::Success,
                format!("verified fix committed on {branch} ({reason})"),
                step,
            );
        }
    }
}
