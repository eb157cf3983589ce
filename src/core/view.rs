//! `RunView`: everything known about a run, rebuilt from its events. The one reducer behind the
//! headless output, the report and the past-run browser.

use std::collections::VecDeque;

mod batch;
mod latest;
mod phase;
mod sync;
pub use batch::{Batch, batch_label};
use phase::ms_between;
pub use phase::{PhaseState, PhaseView};
pub use sync::SyncView;

use chrono::{DateTime, Utc};

use super::event::{
    CheckpointKind, CiRun, DecidedBy, Decision, DecisionKind, Event, EventKind, FailureClass,
    FrozenFile, OutputLine, Phase, PostFixRuns, RunStatus, TestRuns,
};
use super::exit::ExitCode;
use super::info::{AgentKind, Info};
use super::setup::{Reproduction, RunSetup};

/// How many recent output lines the view keeps (the full output is in the log files).
pub const TAIL_LINES: usize = 400;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointView {
    pub id: u32,
    pub kind: CheckpointKind,
    pub options: Vec<DecisionKind>,
    pub resolution: Option<(Decision, DecidedBy)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentRun {
    pub phase: Phase,
    pub attempt: u32,
    pub command: String,
    pub ok: Option<bool>,
    pub error: Option<String>,
    pub cost_usd: Option<f64>,
    pub turns: Option<u32>,
    pub duration_ms: u64,
    pub log: String,
    /// What fixloop found the agent did that it must not.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogsView {
    pub source: String,
    pub full_log: String,
    pub excerpt: String,
    pub bytes: u64,
    pub lines: u64,
    pub excerpt_bytes: u64,
    pub failing_tests: Vec<String>,
    pub memory: crate::core::memory::Recall,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReproductionView {
    pub attempt: u32,
    pub reproduced: bool,
    pub reason: String,
    pub runs: TestRuns,
    pub files: Vec<(String, String)>,
    /// fixloop's copies of the files the check ran.
    pub copies: Vec<FrozenFile>,
    pub findings: Vec<String>,
    /// The check outside the test runner on the code under test.
    pub check: Option<TestRuns>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerificationView {
    pub attempt: u32,
    pub verified: bool,
    pub passes: TestRuns,
    pub revert_check: Option<TestRuns>,
    pub suite: Option<TestRuns>,
    pub findings: Vec<String>,
    pub diffstat: String,
    pub diff: String,
    pub commit: Option<String>,
    pub outside_check: Option<TestRuns>,
    pub post_fix: Option<PostFixRuns>,
    pub notes: Vec<String>,
}

/// Tests written after a fix by a session that never saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct PostFixTestsView {
    pub attempt: u32,
    pub tests: Option<Reproduction>,
    pub files: Vec<FrozenFile>,
    pub note: String,
    pub cost_usd: Option<f64>,
}

/// Where the reproduction was committed (`branch` and `commit` are `None` when it was not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReproCommit {
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub paths: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixView {
    pub branch: String,
    pub base: String,
    pub base_commit: String,
    pub worktree: String,
    pub commit: Option<String>,
    pub files_changed: Vec<String>,
    pub message: String,
    pub repro_removed: bool,
}

/// A step that could not be carried out, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    pub phase: Phase,
    pub class: FailureClass,
    pub message: String,
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub status: RunStatus,
    pub exit_code: ExitCode,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunView {
    pub run_id: String,
    pub name: String,
    pub version: String,
    pub info: Option<Info>,
    pub repo: String,
    pub workspace: String,
    pub failure_dir: String,
    pub agent: Option<AgentKind>,
    /// The agent's CLI and version, when it reported them.
    pub agent_version: Option<String>,
    pub base: String,
    pub policy: String,
    pub headless: bool,
    pub perturbation: Vec<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    pub phases: Vec<PhaseView>,
    pub current: Option<Phase>,
    pub logs: Option<LogsView>,
    pub ci_run: Option<CiRun>,
    pub prompts: Vec<(Phase, u32, String)>,
    pub checkpoints: Vec<CheckpointView>,
    pub agent_runs: Vec<AgentRun>,
    pub sessions: Vec<String>,
    pub notes: Vec<(Phase, String)>,
    pub reproductions: Vec<ReproductionView>,
    pub repro_commit: Option<ReproCommit>,
    pub scratch: Option<String>,
    /// The commit the scratch worktree was made at.
    pub scratch_commit: Option<String>,
    pub fix: Option<FixView>,
    /// The branch and base commit the fix-branch step is making, until it has made them.
    pub fix_intent: Option<(String, String)>,
    /// An agent step under way (or cut off): its phase, attempt and the session it named.
    pub open_session: Option<(Phase, u32, String)>,
    /// The reproduction the run checks against: the one `existing-test-path` gives, else the
    /// latest the reproduce step wrote; once approved, fixloop's frozen copy of it.
    pub current_reproduction: Option<Reproduction>,
    /// The approved reproduction's files as fixloop froze them (empty before approval).
    pub frozen: Vec<FrozenFile>,
    /// The run's recorded setup.
    pub setup: Option<RunSetup>,
    /// The pipeline the run follows.
    pub pipeline: String,
    pub verifications: Vec<VerificationView>,
    /// Tests written after each fix attempt.
    pub post_fix_tests: Vec<PostFixTestsView>,
    pub pushed: Option<(String, String, String)>,
    pub pr: Option<(String, u64)>,
    pub pr_skipped: Option<String>,
    pub developers: Vec<String>,
    pub warnings: Vec<String>,
    pub failures: Vec<StepFailure>,
    pub test_runs: u32,
    /// The batch of test runs under way, or the last one.
    pub batch: Option<Batch>,
    pub report: Option<(String, String)>,
    pub removed_worktrees: Vec<String>,
    pub kept_worktrees: Vec<String>,
    pub finished: Option<Conclusion>,
    /// A sync run's own facts.
    pub sync: Option<SyncView>,
    /// Each `fixloop resume` of the run: when, and the step it went on with.
    pub resumes: Vec<(String, String)>,
    pub tail: VecDeque<(Phase, OutputLine)>,
    pub last_seq: u64,
}

impl RunView {
    #[must_use]
    pub fn new() -> Self {
        Self {
            phases: Phase::ALL
                .iter()
                .map(|&phase| PhaseView::new(phase))
                .collect(),
            ..Self::default()
        }
    }

    /// Rebuilds a view from a journal's events.
    #[must_use]
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut view = Self::new();
        for event in events {
            view.apply(event);
        }
        view
    }

    #[must_use]
    pub fn phase(&self, phase: Phase) -> Option<&PhaseView> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// The phase's record; a phase the pipeline did not announce is added after the others.
    fn phase_mut(&mut self, phase: Phase) -> &mut PhaseView {
        let index = match self.phases.iter().position(|p| p.phase == phase) {
            Some(index) => index,
            None => {
                self.phases.push(PhaseView::new(phase));
                self.phases.len() - 1
            }
        };
        &mut self.phases[index]
    }

    /// Total agent cost in dollars, when any agent reported one.
    #[must_use]
    pub(crate) fn cost_usd(&self) -> Option<f64> {
        let costs: Vec<f64> = self
            .agent_runs
            .iter()
            .filter_map(|r| r.cost_usd)
            .chain(self.post_fix_tests.iter().filter_map(|t| t.cost_usd))
            .collect();
        (!costs.is_empty()).then(|| costs.iter().sum())
    }

    #[must_use]
    pub fn turns(&self) -> Option<u32> {
        let turns: Vec<u32> = self.agent_runs.iter().filter_map(|r| r.turns).collect();
        (!turns.is_empty()).then(|| turns.iter().sum())
    }

    /// Milliseconds from the first event to the last.
    #[must_use]
    pub fn elapsed_ms(&self) -> u64 {
        match (self.started_at, self.last_at) {
            (Some(a), Some(b)) => u64::try_from((b - a).num_milliseconds()).unwrap_or(0),
            _ => 0,
        }
    }

    /// The feedback given on each revision, in order: (phase, attempt it started, feedback).
    #[must_use]
    pub fn revisions(&self) -> Vec<(Phase, u32, String)> {
        let mut out = Vec::new();
        for cp in &self.checkpoints {
            if let (
                CheckpointKind::AfterStep { phase, attempt, .. },
                Some((Decision::Revise { feedback }, _)),
            ) = (&cp.kind, &cp.resolution)
            {
                out.push((*phase, attempt + 1, feedback.clone()));
            }
        }
        out
    }

    pub fn apply(&mut self, event: &Event) {
        self.last_seq = event.seq;
        let at = DateTime::parse_from_rfc3339(&event.at)
            .ok()
            .map(|t| t.with_timezone(&Utc));
        if self.started_at.is_none() {
            self.started_at = at;
        }
        if at.is_some() {
            self.last_at = at;
        }
        match &event.kind {
            EventKind::CheckpointReached { .. } => self.waiting(at, true),
            EventKind::CheckpointResolved { .. } => self.waiting(at, false),
            _ => {}
        }
        match &event.kind {
            EventKind::RunStarted { .. }
            | EventKind::RunResumed { .. }
            | EventKind::RunFinished { .. }
            | EventKind::ReportWritten { .. }
            | EventKind::WorktreesRemoved { .. } => self.apply_run(&event.kind, at, &event.at),
            EventKind::InputApplied { .. }
            | EventKind::StepStarted { .. }
            | EventKind::PhaseStarted { .. }
            | EventKind::PhaseFinished { .. }
            | EventKind::Warned { .. }
            | EventKind::StepFailed { .. }
            | EventKind::TestRunFinished { .. } => self.apply_progress(&event.kind, at),
            EventKind::AgentSession { .. }
            | EventKind::PromptComposed { .. }
            | EventKind::CheckpointReached { .. }
            | EventKind::CheckpointResolved { .. }
            | EventKind::AgentStarted { .. }
            | EventKind::AgentOutput { .. }
            | EventKind::TestOutput { .. }
            | EventKind::AgentFinished { .. } => self.apply_activity(&event.kind),
            _ => self.apply_facts(&event.kind),
        }
    }

    /// The run as a whole: its start (and its setup), each resume, its worktrees, its report and its end.
    fn apply_run(&mut self, kind: &EventKind, at: Option<DateTime<Utc>>, stamp: &str) {
        match kind {
            EventKind::RunStarted {
                run_id,
                name,
                version,
                info,
                repo,
                workspace,
                failure_dir,
                agent,
                base,
                headless,
                policy,
                perturbation,
                setup,
                pipeline,
                phases,
            } => {
                self.perturbation.clone_from(perturbation);
                self.pipeline.clone_from(pipeline);
                self.phases = phases.iter().map(|&phase| PhaseView::new(phase)).collect();
                self.setup = setup.as_deref().cloned();
                self.current_reproduction = setup.as_ref().and_then(|s| s.existing.clone());
                self.run_id.clone_from(run_id);
                self.name.clone_from(name);
                self.version.clone_from(version);
                self.info = Some((**info).clone());
                self.repo.clone_from(repo);
                self.workspace.clone_from(workspace);
                self.failure_dir.clone_from(failure_dir);
                self.agent = Some(*agent);
                self.base.clone_from(base);
                self.headless = *headless;
                self.policy.clone_from(policy);
            }
            EventKind::RunResumed {
                step,
                phase,
                headless,
                policy,
                budget_cents,
                step_budget_cents,
                ..
            } => {
                if let Some(setup) = &mut self.setup {
                    setup.budget_cents = budget_cents.or(setup.budget_cents);
                    setup.step_budget_cents = step_budget_cents.or(setup.step_budget_cents);
                }
                self.finished = None;
                self.report = None;
                self.headless = *headless;
                self.policy.clone_from(policy);
                self.resumes.push((stamp.to_owned(), step.clone()));
                self.current = *phase;
                if let Some(phase) = phase {
                    // What the interrupted run closed with (its report) is done again later.
                    let from = self.phases.iter().position(|p| p.phase == *phase);
                    for later in self
                        .phases
                        .iter_mut()
                        .skip(from.map_or(usize::MAX, |i| i + 1))
                    {
                        later.state = PhaseState::Pending;
                    }
                    let p = self.phase_mut(*phase);
                    p.state = PhaseState::Running;
                    p.started_at = at;
                }
            }
            EventKind::ReportWritten { markdown, json } => {
                self.report = Some((markdown.clone(), json.clone()));
            }
            EventKind::WorktreesRemoved { paths, kept, .. } => {
                self.removed_worktrees.clone_from(paths);
                self.kept_worktrees.clone_from(kept);
            }
            EventKind::RunFinished {
                status,
                exit_code,
                message,
            } => {
                self.current = None;
                self.finished = Some(Conclusion {
                    status: *status,
                    exit_code: *exit_code,
                    message: message.clone(),
                });
            }

            _ => {}
        }
    }

    /// Where the run is: phases, steps begun and failed, warnings, test runs counted.
    fn apply_progress(&mut self, kind: &EventKind, at: Option<DateTime<Utc>>) {
        match kind {
            EventKind::StepStarted { branch, commit, .. } => {
                if let (Some(branch), Some(commit)) = (branch, commit) {
                    self.fix_intent = Some((branch.clone(), commit.clone()));
                }
            }
            EventKind::PhaseStarted { phase } => {
                self.current = Some(*phase);
                let p = self.phase_mut(*phase);
                p.state = PhaseState::Running;
                p.starts += 1;
                p.started_at = at;
                p.waiting_this_start_ms = 0;
            }
            EventKind::PhaseFinished {
                phase,
                status,
                message,
            } => {
                let p = self.phase_mut(*phase);
                if let (Some(since), Some(end)) = (p.waiting_since.take(), at) {
                    let waited = ms_between(since, end);
                    p.waiting_ms += waited;
                    p.waiting_this_start_ms += waited;
                }
                if let (Some(start), Some(end)) = (p.started_at.take(), at) {
                    p.duration_ms += ms_between(start, end).saturating_sub(p.waiting_this_start_ms);
                }
                p.waiting_this_start_ms = 0;
                p.state = PhaseState::Done(*status);
                p.message.clone_from(message);
            }
            EventKind::TestRunFinished {
                phase,
                purpose,
                of,
                exit_code,
                ..
            } => {
                self.test_runs += 1;
                let failed = u32::from(*exit_code != Some(0));
                match &mut self.batch {
                    Some(b) if b.purpose == *purpose && b.phase == *phase => {
                        b.done += 1;
                        b.failed += failed;
                        b.of = *of;
                    }
                    _ => {
                        self.batch = Some(Batch {
                            phase: *phase,
                            purpose: purpose.clone(),
                            done: 1,
                            failed,
                            of: *of,
                        });
                    }
                }
            }
            EventKind::Warned { message } => self.warnings.push(message.clone()),
            EventKind::StepFailed {
                phase,
                class,
                message,
                hints,
            } => self.failures.push(StepFailure {
                phase: *phase,
                class: *class,
                message: message.clone(),
                hints: hints.clone(),
            }),
            _ => {}
        }
    }

    /// A checkpoint starts or ends a wait for the person: the phase under way keeps the time
    /// apart from its own.
    fn waiting(&mut self, at: Option<DateTime<Utc>>, starts: bool) {
        let Some(phase) = self.current else {
            return;
        };
        let p = self.phase_mut(phase);
        if p.state != PhaseState::Running {
            return;
        }
        if starts {
            if p.waiting_since.is_none() {
                p.waiting_since = at;
            }
        } else if let (Some(since), Some(end)) = (p.waiting_since.take(), at) {
            let waited = ms_between(since, end);
            p.waiting_ms += waited;
            p.waiting_this_start_ms += waited;
        }
    }

    /// The AI steps and the checkpoints around them (prompts, agents, sessions, decisions), and
    /// the latest output lines of every child.
    fn apply_activity(&mut self, kind: &EventKind) {
        match kind {
            EventKind::AgentSession {
                phase,
                attempt,
                session_id,
            } => self.open_session = Some((*phase, *attempt, session_id.clone())),
            EventKind::PromptComposed {
                phase,
                attempt,
                path,
                ..
            } => self.prompts.push((*phase, *attempt, path.clone())),
            EventKind::CheckpointReached { id, kind, options } => {
                self.checkpoints.push(CheckpointView {
                    id: *id,
                    kind: kind.clone(),
                    options: options.clone(),
                    resolution: None,
                });
            }
            EventKind::CheckpointResolved { id, decision, by } => {
                if let Some(cp) = self.checkpoints.iter_mut().find(|c| c.id == *id) {
                    cp.resolution = Some((decision.clone(), by.clone()));
                }
            }
            EventKind::AgentStarted {
                phase,
                attempt,
                command,
                log,
                ..
            } => self.agent_runs.push(AgentRun {
                phase: *phase,
                attempt: *attempt,
                command: command.clone(),
                ok: None,
                error: None,
                cost_usd: None,
                turns: None,
                duration_ms: 0,
                log: log.clone(),
                findings: Vec::new(),
            }),
            EventKind::AgentOutput { phase, lines }
            | EventKind::TestOutput { phase, lines, .. } => {
                for line in lines {
                    if self.tail.len() == TAIL_LINES {
                        self.tail.pop_front();
                    }
                    self.tail.push_back((*phase, line.clone()));
                }
            }
            EventKind::AgentFinished {
                phase,
                attempt,
                ok,
                session_id,
                cost_usd,
                turns,
                duration_ms,
                error,
                notes,
                findings,
                ..
            } => {
                if let Some(run) = self
                    .agent_runs
                    .iter_mut()
                    .rev()
                    .find(|r| r.phase == *phase && r.attempt == *attempt)
                {
                    run.ok = Some(*ok);
                    run.error.clone_from(error);
                    run.cost_usd = *cost_usd;
                    run.turns = *turns;
                    run.duration_ms = *duration_ms;
                    run.findings.clone_from(findings);
                }
                if let Some(id) = session_id
                    && !self.sessions.contains(id)
                {
                    self.sessions.push(id.clone());
                }
                if let Some(cost) = cost_usd {
                    self.phase_mut(*phase).cost_usd += cost;
                }
                self.open_session = None;
                if let Some(notes) = notes {
                    self.notes.retain(|(p, _)| p != phase);
                    self.notes.push((*phase, notes.clone()));
                }
            }
            _ => {}
        }
    }

    /// What the steps up to the reproduction established: the failed run, its logs, the
    /// reproduction and its commit, the scratch worktree.
    fn apply_facts(&mut self, kind: &EventKind) {
        match kind {
            kind if kind.is_sync() => self.sync.get_or_insert_with(SyncView::default).apply(kind),
            EventKind::RunFetched(run) => self.ci_run = Some(run.clone()),
            EventKind::AgentIdentified { version } => self.agent_version = Some(version.clone()),
            EventKind::LogsPrepared {
                source,
                full_log,
                excerpt,
                bytes,
                lines,
                excerpt_bytes,
                failing_tests,
                memory,
            } => {
                self.logs = Some(LogsView {
                    memory: memory.clone(),
                    source: source.clone(),
                    full_log: full_log.clone(),
                    excerpt: excerpt.clone(),
                    bytes: *bytes,
                    lines: *lines,
                    excerpt_bytes: *excerpt_bytes,
                    failing_tests: failing_tests.clone(),
                });
            }
            EventKind::ReproductionChecked {
                attempt,
                reproduced,
                reason,
                runs,
                files,
                reproduction,
                copies,
                findings,
                check,
                ..
            } => {
                if let Some(reproduction) = reproduction {
                    self.current_reproduction = Some(reproduction.clone());
                }
                self.reproductions.push(ReproductionView {
                    attempt: *attempt,
                    reproduced: *reproduced,
                    reason: reason.clone(),
                    runs: runs.clone(),
                    files: files.clone(),
                    copies: copies.clone(),
                    findings: findings.clone(),
                    check: check.clone(),
                });
            }
            EventKind::ReproductionCommitted {
                branch,
                commit,
                paths,
                note,
            } => {
                self.repro_commit = Some(ReproCommit {
                    branch: branch.clone(),
                    commit: commit.clone(),
                    paths: paths.clone(),
                    note: note.clone(),
                });
            }
            EventKind::ReproductionFrozen {
                reproduction,
                files,
            } => {
                self.current_reproduction = Some(reproduction.clone());
                self.frozen.clone_from(files);
            }
            EventKind::ScratchCreated { path, commit } => {
                self.scratch = Some(path.clone());
                self.scratch_commit = Some(commit.clone());
            }
            _ => self.apply_fix_facts(kind),
        }
    }

    /// What the steps from the fix branch on established: the branch, each verification, the
    /// fix commit, the push, the PR and the developers.
    fn apply_fix_facts(&mut self, kind: &EventKind) {
        match kind {
            EventKind::FixBranchCreated {
                branch,
                base,
                base_commit,
                worktree,
            } => {
                self.fix_intent = None;
                self.fix = Some(FixView {
                    branch: branch.clone(),
                    base: base.clone(),
                    base_commit: base_commit.clone(),
                    worktree: worktree.clone(),
                    commit: None,
                    files_changed: Vec::new(),
                    message: String::new(),
                    repro_removed: false,
                });
            }
            EventKind::VerificationFinished {
                attempt,
                verified,
                passes,
                revert_check,
                suite,
                findings,
                diffstat,
                diff,
                commit,
                outside_check,
                post_fix,
                notes,
            } => self.verifications.push(VerificationView {
                attempt: *attempt,
                verified: *verified,
                passes: passes.clone(),
                revert_check: revert_check.clone(),
                suite: suite.clone(),
                findings: findings.clone(),
                diffstat: diffstat.clone(),
                diff: diff.clone(),
                commit: commit.clone(),
                outside_check: outside_check.clone(),
                post_fix: post_fix.clone(),
                notes: notes.clone(),
            }),
            EventKind::PostFixTestsWritten {
                attempt,
                tests,
                files,
                note,
                cost_usd,
                ..
            } => self.post_fix_tests.push(PostFixTestsView {
                attempt: *attempt,
                tests: tests.clone(),
                files: files.clone(),
                note: note.clone(),
                cost_usd: *cost_usd,
            }),
            EventKind::FixCommitted {
                commit,
                files_changed,
                message,
                repro_removed,
                ..
            } => {
                if let Some(fix) = &mut self.fix {
                    fix.commit = Some(commit.clone());
                    fix.files_changed.clone_from(files_changed);
                    fix.message.clone_from(message);
                    fix.repro_removed = *repro_removed;
                }
            }
            EventKind::BranchPushed {
                remote,
                branch,
                commit,
            } => self.pushed = Some((remote.clone(), branch.clone(), commit.clone())),
            EventKind::PrOpened { url, number } => self.pr = Some((url.clone(), *number)),
            EventKind::PrSkipped { reason } => self.pr_skipped = Some(reason.clone()),
            EventKind::DevelopersFound { developers } => self.developers.clone_from(developers),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
