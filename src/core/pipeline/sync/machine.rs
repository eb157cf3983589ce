//! The sync pipeline's rules: upstream → merge (rerere, path rules) → resolve (the agent, one
//! file at a time, with checkpoints before and after) → guards and the merge commit → lint and
//! tests → a checkpoint before the push → the labelled PR. Past the ceiling (too many conflicted
//! files, a protected path, an agent that declines, a guard that finds something) nothing is
//! pushed and one issue says why.

use std::collections::VecDeque;

use super::effect::SyncEffect;
use crate::core::event::{
    CheckpointKind, Decision, DecisionKind, EventKind, Phase, PhaseStatus, RunStatus,
};
use crate::core::exit::ExitCode;
use crate::core::pipeline::{Input, Machine, Step};
use crate::core::report::Sections;
use crate::core::sync::verdict::Resolution;

/// The name journals give the sync pipeline.
pub const SYNC_PIPELINE: &str = "sync";

/// Its phases, in order.
pub const SYNC_PHASES: [Phase; 7] = [
    Phase::Upstream,
    Phase::Merge,
    Phase::Resolve,
    Phase::Validate,
    Phase::Fix,
    Phase::Pr,
    Phase::Report,
];

/// What a run of the sync pipeline may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRules {
    /// More conflicted files than this (after rerere and the path rules) → the ceiling.
    pub max_conflicts: u32,
    /// Push and open the PR (or the issue); `false`: the branch stays local.
    pub publish: bool,
    /// The test commands whose failure after the merge a fixloop run is asked to fix (once).
    pub fixable: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SyncMachine {
    rules: SyncRules,
    phase: Option<Phase>,
    /// The files the agent has still to resolve.
    pending: VecDeque<String>,
    /// Files the agent resolved, in order (sent back together on a revision).
    resolved: Vec<String>,
    next_checkpoint: u32,
    /// The checkpoint open, and what it was about.
    open: Option<(u32, Phase, bool)>,
    outcome: Option<(RunStatus, ExitCode, String)>,
    finished: bool,
    /// The sync branch (once the merge named it).
    branch: String,
    /// Failing tests still to hand to a fixloop run; whether that round was had.
    fixing: VecDeque<String>,
    fixed_round: bool,
}

impl SyncMachine {
    #[must_use]
    pub fn new(rules: SyncRules) -> Self {
        Self {
            rules,
            phase: None,
            pending: VecDeque::new(),
            resolved: Vec::new(),
            next_checkpoint: 1,
            open: None,
            outcome: None,
            finished: false,
            branch: String::new(),
            fixing: VecDeque::new(),
            fixed_round: false,
        }
    }

    fn begin(&mut self, phase: Phase, step: &mut Step<SyncEffect>) {
        self.phase = Some(phase);
        step.events.push(EventKind::PhaseStarted { phase });
    }

    fn end_phase(&mut self, status: PhaseStatus, message: &str, step: &mut Step<SyncEffect>) {
        if let Some(phase) = self.phase.take() {
            step.events.push(EventKind::PhaseFinished {
                phase,
                status,
                message: message.to_owned(),
            });
        }
    }

    fn skip(phase: Phase, why: &str, step: &mut Step<SyncEffect>) {
        step.events.push(EventKind::PhaseStarted { phase });
        step.events.push(EventKind::PhaseFinished {
            phase,
            status: PhaseStatus::Skipped,
            message: why.to_owned(),
        });
    }

    fn checkpoint(
        &mut self,
        kind: CheckpointKind,
        options: Vec<DecisionKind>,
        step: &mut Step<SyncEffect>,
    ) {
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        let (phase, after) = match &kind {
            CheckpointKind::BeforeStep { phase, .. } => (*phase, false),
            CheckpointKind::AfterStep { phase, .. } => (*phase, true),
            CheckpointKind::BeforePush { .. } => (Phase::Pr, false),
        };
        self.open = Some((id, phase, after));
        step.events
            .push(EventKind::CheckpointReached { id, kind, options });
        step.effects.push(SyncEffect::AwaitDecision { id });
    }

    /// The run's outcome is known: its worktree goes (kept when it failed, for a person).
    fn conclude(
        &mut self,
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
        step: &mut Step<SyncEffect>,
    ) {
        let phase_status = match status {
            RunStatus::Success => PhaseStatus::Passed,
            _ => PhaseStatus::Failed,
        };
        self.end_phase(phase_status, &message, step);
        let keep_worktree = status != RunStatus::Success;
        self.outcome = Some((status, exit_code, message));
        step.effects.push(SyncEffect::Cleanup { keep_worktree });
    }

    fn block(&mut self, reasons: Vec<String>, step: &mut Step<SyncEffect>) {
        if !self.rules.publish {
            let message = format!("blocked: {}", reasons.join("; "));
            self.conclude(RunStatus::Partial, ExitCode::Partial, message, step);
            return;
        }
        step.effects.push(SyncEffect::Block { reasons });
    }

    fn resolve_next(&mut self, feedback: Option<String>, step: &mut Step<SyncEffect>) {
        if let Some(path) = self.pending.pop_front() {
            step.effects
                .push(SyncEffect::ResolveFile { path, feedback });
            return;
        }
        let summary = format!(
            "the agent resolved {} file(s): {}",
            self.resolved.len(),
            self.resolved.join(", ")
        );
        self.checkpoint(
            CheckpointKind::AfterStep {
                phase: Phase::Resolve,
                attempt: 1,
                verified: true,
                summary,
                findings: Vec::new(),
                suggested_feedback: String::new(),
                left: None,
            },
            vec![
                DecisionKind::Approve,
                DecisionKind::Revise,
                DecisionKind::Abort,
            ],
            step,
        );
    }

    fn done(&mut self, fact: EventKind, step: &mut Step<SyncEffect>) {
        step.events.push(fact.clone());
        match fact {
            EventKind::SyncDetected {
                what: None,
                previous,
                follows,
                ..
            } => {
                let message = match previous {
                    Some(previous) => {
                        format!("up to date: {previous} is upstream's newest ({follows})")
                    }
                    None => format!("nothing to sync: upstream has no release matching {follows}"),
                };
                self.end_phase(PhaseStatus::Passed, &message, step);
                self.conclude(RunStatus::Success, ExitCode::Success, message, step);
            }
            EventKind::SyncDetected {
                what: Some(what), ..
            } => {
                self.end_phase(PhaseStatus::Passed, &format!("{what} is new"), step);
                self.begin(Phase::Merge, step);
                step.effects.push(SyncEffect::Merge);
            }
            EventKind::SyncMerged {
                files,
                protected,
                branch,
                ..
            } => {
                self.branch = branch;
                self.merged(&files, &protected, step);
            }
            EventKind::SyncFileResolved { file } => {
                if file.resolution == Resolution::Unresolved {
                    let reason = format!(
                        "the agent did not resolve {}: {}",
                        file.path, file.rationale
                    );
                    self.end_phase(PhaseStatus::Failed, &reason, step);
                    self.block(vec![reason], step);
                } else {
                    self.resolved.push(file.path);
                    self.resolve_next(None, step);
                }
            }
            EventKind::SyncGuarded { commit, problems } => {
                if commit.is_none() || !problems.is_empty() {
                    self.end_phase(PhaseStatus::Failed, "the guards found problems", step);
                    self.block(problems, step);
                } else {
                    self.end_phase(PhaseStatus::Passed, "merged", step);
                    self.begin(Phase::Validate, step);
                    step.effects.push(SyncEffect::Check);
                }
            }
            EventKind::SyncChecked { checks } => self.checked(&checks, step),
            EventKind::SyncTestFixed { .. } => self.fix_next(step),
            EventKind::SyncPublished {
                number,
                url,
                labels,
                ..
            } => {
                let message = format!("PR #{number} ({}): {url}", labels.join(", "));
                self.conclude(RunStatus::Success, ExitCode::Success, message, step);
            }
            EventKind::SyncBlocked { issue, reasons } => {
                let message = match issue {
                    Some((number, url)) => {
                        format!("blocked, nothing pushed: issue #{number} says why ({url})")
                    }
                    None => format!("blocked, nothing pushed: {}", reasons.join("; ")),
                };
                self.conclude(RunStatus::Partial, ExitCode::Partial, message, step);
            }
            EventKind::SyncHeld { out, blocked, .. } => {
                if blocked {
                    let message = format!(
                        "blocked, nothing pushed: the issue saying why is in {out}, for \
                         `fixloop sync publish`"
                    );
                    self.conclude(RunStatus::Partial, ExitCode::Partial, message, step);
                } else {
                    let message = format!(
                        "the sync branch and its PR are in {out}, for `fixloop sync publish`"
                    );
                    self.conclude(RunStatus::Success, ExitCode::Success, message, step);
                }
            }
            EventKind::WorktreesRemoved { .. } | EventKind::ReportWritten { .. } => {
                self.closing(&fact, step);
            }
            _ => {}
        }
    }

    /// The checks ran: a checkpoint before the push, or the end when nothing is pushed.
    fn checked(
        &mut self,
        checks: &[crate::core::sync::verdict::CheckOutcome],
        step: &mut Step<SyncEffect>,
    ) {
        let failing = checks.iter().filter(|c| !c.passed).count();
        let message = if failing == 0 {
            format!("{} check(s) passed", checks.len())
        } else {
            format!("{failing} of {} check(s) failed", checks.len())
        };
        let status = if failing == 0 {
            PhaseStatus::Passed
        } else {
            PhaseStatus::Failed
        };
        self.end_phase(status, &message, step);
        let broken: VecDeque<String> = checks
            .iter()
            .filter(|c| !c.passed && self.rules.fixable.contains(&c.command))
            .map(|c| c.command.clone())
            .collect();
        if !self.fixed_round && !broken.is_empty() {
            self.fixed_round = true;
            self.fixing = broken;
            self.begin(Phase::Fix, step);
            self.fix_next(step);
            return;
        }
        if self.rules.publish {
            self.begin(Phase::Pr, step);
            self.checkpoint(
                CheckpointKind::BeforePush {
                    branch: self.branch.clone(),
                    title: "push the sync branch and open its PR".into(),
                    diffstat: message,
                },
                vec![DecisionKind::Approve, DecisionKind::Abort],
                step,
            );
        } else {
            Self::skip(Phase::Pr, "nothing is pushed: the branch stays here", step);
            let (status, code) = if failing == 0 {
                (RunStatus::Success, ExitCode::Success)
            } else {
                (RunStatus::Partial, ExitCode::Partial)
            };
            self.conclude(
                status,
                code,
                format!("the sync branch is here, not pushed ({message})"),
                step,
            );
        }
    }

    /// The next failing test to a fixloop run; when none is left, the checks again.
    fn fix_next(&mut self, step: &mut Step<SyncEffect>) {
        if let Some(command) = self.fixing.pop_front() {
            step.effects.push(SyncEffect::FixTest { command });
            return;
        }
        self.end_phase(
            PhaseStatus::Passed,
            "the failing tests were handed to fixloop runs",
            step,
        );
        self.begin(Phase::Validate, step);
        step.effects.push(SyncEffect::Check);
    }

    /// The worktree is gone: the report; the report is written: the end.
    fn closing(&mut self, fact: &EventKind, step: &mut Step<SyncEffect>) {
        let Some((status, exit_code, message)) = self.outcome.clone() else {
            return;
        };
        if matches!(fact, EventKind::WorktreesRemoved { .. }) {
            self.begin(Phase::Report, step);
            step.effects.push(SyncEffect::WriteReport {
                status,
                exit_code,
                message,
            });
        } else {
            self.end_phase(PhaseStatus::Passed, "report written", step);
            step.events.push(EventKind::RunFinished {
                status,
                exit_code,
                message,
            });
            self.finished = true;
            step.effects.push(SyncEffect::Finish { exit_code });
        }
    }

    /// After the merge: rerere and the rules did it all, the agent takes what is left, or the
    /// ceiling.
    fn merged(
        &mut self,
        files: &[crate::core::sync::verdict::FileOutcome],
        protected: &[String],
        step: &mut Step<SyncEffect>,
    ) {
        let left: Vec<String> = files
            .iter()
            .filter(|f| f.resolution == Resolution::Unresolved)
            .map(|f| f.path.clone())
            .collect();
        let mut reasons: Vec<String> = protected
            .iter()
            .map(|p| format!("{p} is protected: only a person merges it"))
            .collect();
        if u32::try_from(left.len()).unwrap_or(u32::MAX) > self.rules.max_conflicts {
            reasons.push(format!(
                "{} conflicted files are more than the ceiling of {}",
                left.len(),
                self.rules.max_conflicts
            ));
        }
        if !reasons.is_empty() {
            self.end_phase(PhaseStatus::Failed, "past the ceiling", step);
            self.block(reasons, step);
            return;
        }
        if left.is_empty() {
            step.effects.push(SyncEffect::Guard);
            return;
        }
        self.end_phase(
            PhaseStatus::Passed,
            &format!("{} conflicted file(s) for the agent", left.len()),
            step,
        );
        self.begin(Phase::Resolve, step);
        self.pending = left.into();
        let prompt = format!(
            "Resolve, one at a time, the conflicts in: {}",
            self.pending.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        self.checkpoint(
            CheckpointKind::BeforeStep {
                phase: Phase::Resolve,
                attempt: 1,
                prompt,
            },
            vec![DecisionKind::Approve, DecisionKind::Abort],
            step,
        );
    }

    fn decided(&mut self, id: u32, decision: Decision, step: &mut Step<SyncEffect>) {
        let Some((open, phase, after)) = self.open else {
            return;
        };
        if open != id {
            return;
        }
        self.open = None;
        match decision {
            Decision::Abort { reason } => {
                self.conclude(
                    RunStatus::Partial,
                    ExitCode::Partial,
                    format!("aborted: {reason}"),
                    step,
                );
            }
            Decision::Revise { feedback } if after && phase == Phase::Resolve => {
                self.pending = std::mem::take(&mut self.resolved).into();
                self.resolve_next(Some(feedback), step);
            }
            _ if phase == Phase::Resolve && !after => self.resolve_next(None, step),
            _ if phase == Phase::Resolve => {
                step.effects.push(SyncEffect::Guard);
            }
            _ => step.effects.push(SyncEffect::Publish),
        }
    }
}

impl Machine for SyncMachine {
    type Effect = SyncEffect;

    fn name(&self) -> &'static str {
        SYNC_PIPELINE
    }

    fn phases(&self) -> &'static [Phase] {
        &SYNC_PHASES
    }

    fn sections(&self) -> &'static dyn Sections {
        &crate::core::report::SYNC_SECTIONS
    }

    fn handle(&mut self, input: Input) -> Step<SyncEffect> {
        let mut step = Step::default();
        if self.finished {
            return step;
        }
        match input {
            Input::Start => {
                self.begin(Phase::Upstream, &mut step);
                step.effects.push(SyncEffect::Detect);
            }
            Input::Done(fact) => self.done(fact, &mut step),
            Input::Decided { id, decision, by } => {
                step.events.push(EventKind::CheckpointResolved {
                    id,
                    decision: decision.clone(),
                    by,
                });
                self.decided(id, decision, &mut step);
            }
            Input::Failed(e) if self.outcome.is_none() => {
                if let Some(phase) = self.phase {
                    step.events.push(EventKind::StepFailed {
                        phase,
                        class: e.class,
                        message: e.message.clone(),
                        hints: e.hints.clone(),
                    });
                }
                self.conclude(RunStatus::Failed, e.class.exit_code(), e.message, &mut step);
            }
            // A closing step that failed: the run still ends, with its report if it can.
            Input::Failed(e) => {
                step.events.push(EventKind::Warned { message: e.message });
                if let Some((status, exit_code, message)) = self.outcome.clone() {
                    if self.phase == Some(Phase::Report) {
                        self.end_phase(
                            PhaseStatus::Failed,
                            "the report was not written",
                            &mut step,
                        );
                        step.events.push(EventKind::RunFinished {
                            status,
                            exit_code,
                            message,
                        });
                        self.finished = true;
                        step.effects.push(SyncEffect::Finish { exit_code });
                    } else {
                        self.begin(Phase::Report, &mut step);
                        step.effects.push(SyncEffect::WriteReport {
                            status,
                            exit_code,
                            message,
                        });
                    }
                }
            }
            Input::Interrupted if self.outcome.is_none() => {
                self.conclude(
                    RunStatus::Partial,
                    ExitCode::Interrupted,
                    "interrupted; `fixloop resume` goes on".into(),
                    &mut step,
                );
            }
            _ => {}
        }
        step
    }

    fn is_finished(&self) -> bool {
        self.finished
    }

    fn is_concluded(&self) -> bool {
        self.outcome.is_some()
    }

    fn open_phase(&self) -> Option<Phase> {
        self.phase
    }
}
