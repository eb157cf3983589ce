//! Events: past-tense facts about a run. They are the engine's only output, the journal's format
//! (`events.jsonl`, one per line) and the input of the one reducer ([`super::view::RunView`]).

use serde::{Deserialize, Serialize};

use super::exit::ExitCode;
use super::info::{AgentKind, Info};
use super::memory::Recall;
use super::setup::{Reproduction, RunSetup};

/// The journal format version; bump it when an event changes shape.
pub const JOURNAL_VERSION: u32 = 1;

/// The phases of the failure pipeline, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Logs,
    Reproduce,
    ConfirmRepro,
    FixBranch,
    Fix,
    Verify,
    Pr,
    Report,
    /// Tests written after the fix by a session that never saw it (part of the verification;
    /// agents see it as `FIXLOOP_PHASE=check`).
    Check,
    /// The sync pipeline: upstream's newest release (or branch head) the fork has not merged.
    Upstream,
    /// The sync pipeline: the merge, and the conflicts rerere and the fork's path rules resolve.
    Merge,
    /// The sync pipeline: the conflicts left, resolved by the agent one file at a time.
    Resolve,
    /// The sync pipeline: the fork's lint and test commands on the merge.
    Validate,
}

impl Phase {
    pub const ALL: [Self; 8] = [
        Self::Logs,
        Self::Reproduce,
        Self::ConfirmRepro,
        Self::FixBranch,
        Self::Fix,
        Self::Verify,
        Self::Pr,
        Self::Report,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logs => "logs",
            Self::Reproduce => "reproduce",
            Self::ConfirmRepro => "confirm-repro",
            Self::FixBranch => "fix-branch",
            Self::Fix => "fix",
            Self::Verify => "verify",
            Self::Pr => "pr",
            Self::Report => "report",
            Self::Check => "check",
            Self::Upstream => "upstream",
            Self::Merge => "merge",
            Self::Resolve => "resolve",
            Self::Validate => "validate",
        }
    }

    /// Whether an agent does this phase (and so it has checkpoints before and after).
    #[must_use]
    pub(crate) fn is_ai(self) -> bool {
        matches!(self, Self::Reproduce | Self::Fix | Self::Resolve)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EventKind {
    /// Whether this is one of the sync pipeline's facts.
    #[must_use]
    pub fn is_sync(&self) -> bool {
        matches!(
            self,
            Self::SyncDetected { .. }
                | Self::SyncMerged { .. }
                | Self::SyncFileResolved { .. }
                | Self::SyncGuarded { .. }
                | Self::SyncChecked { .. }
                | Self::SyncTestFixed { .. }
                | Self::SyncPublished { .. }
                | Self::SyncBlocked { .. }
                | Self::SyncHeld { .. }
        )
    }
}

/// The name journals give the failure pipeline.
pub(crate) const FAILURE_PIPELINE: &str = "failure";

fn failure_pipeline() -> String {
    FAILURE_PIPELINE.into()
}

fn failure_phases() -> Vec<Phase> {
    Phase::ALL.to_vec()
}

/// A stamped event, as journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub v: u32,
    pub seq: u64,
    /// RFC 3339 UTC time.
    pub at: String,
    pub kind: EventKind,
}

/// How a phase ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseStatus {
    Passed,
    Failed,
    Skipped,
}

/// Why a step could not be carried out; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// Bad input (info.json, a manifest, a log file): exit 65.
    Input,
    /// A needed tool or service is unavailable: exit 69.
    Unavailable,
    /// A local write failed (full disk, permissions): exit 74.
    Io,
    /// The run's budget for agents is spent: exit 3, resumable with a larger one.
    Budget,
    /// Anything else that went wrong: exit 1.
    Error,
}

impl FailureClass {
    #[must_use]
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::Input => ExitCode::Input,
            Self::Unavailable => ExitCode::Unavailable,
            Self::Io => ExitCode::Io,
            Self::Budget => ExitCode::Partial,
            Self::Error => ExitCode::Failed,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    Success,
    Partial,
    Failed,
}

impl RunStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Partial => "partial",
            Self::Failed => "failed",
        }
    }
}

/// Which stream a line of child output came from, and for agents what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineKind {
    Stdout,
    Stderr,
    /// An agent's prose.
    Text,
    /// An agent's tool call, one line.
    Tool,
    /// An agent's status (retries, session start).
    Status,
    /// An agent's error.
    Error,
    /// An agent's session id (not shown; the driver journals it as [`EventKind::AgentSession`]).
    Session,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLine {
    pub kind: LineKind,
    pub text: String,
}

/// Who answered a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    Person,
    Policy(String),
}

/// What a checkpoint shows and what it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CheckpointKind {
    /// Before an AI step: the composed prompt.
    BeforeStep {
        phase: Phase,
        attempt: u32,
        prompt: String,
    },
    /// After an AI step: what fixloop's own check found.
    AfterStep {
        phase: Phase,
        attempt: u32,
        /// Whether fixloop's verification of the step passed (and found nothing to flag).
        verified: bool,
        summary: String,
        /// Problems a person must look at (revert check, integrity).
        findings: Vec<String>,
        /// What fixloop would tell the agent if the step is revised (its own check's result).
        suggested_feedback: String,
        /// How many more times the step may be sent back, by whom (absent in journals written
        /// before revisions and retries were counted apart).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        left: Option<RevisionsLeft>,
    },
    /// Before the branch is pushed and the PR opened.
    BeforePush {
        branch: String,
        title: String,
        diffstat: String,
    },
}

/// How many more times an AI step may be sent back: a person's revisions (`--revisions`) and
/// the automatic retries a policy sends with fixloop's own finding (`--attempts`) are counted
/// apart, so that a reviewer's feedback never uses up the agent's retries, nor the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionsLeft {
    /// Revisions a person may still ask for.
    pub revisions: u32,
    /// Automatic retries a policy may still send.
    pub retries: u32,
}

/// A decision at a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Decision {
    /// Go on: start the step, or accept its result.
    Approve,
    /// Start the step with this prompt instead of the composed one.
    EditPrompt { prompt: String },
    /// Run the step again, resuming the agent's session with this feedback.
    Revise { feedback: String },
    /// The person did the step by hand (before a step), or edited the result (after): check again.
    Manual,
    /// Leave the step out (only where the pipeline allows it).
    Skip,
    /// End the run here.
    Abort { reason: String },
}

impl Decision {
    #[must_use]
    pub fn kind(&self) -> DecisionKind {
        match self {
            Self::Approve => DecisionKind::Approve,
            Self::EditPrompt { .. } => DecisionKind::EditPrompt,
            Self::Revise { .. } => DecisionKind::Revise,
            Self::Manual => DecisionKind::Manual,
            Self::Skip => DecisionKind::Skip,
            Self::Abort { .. } => DecisionKind::Abort,
        }
    }
}

/// The kinds of decision, as a checkpoint offers them (journaled by these names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionKind {
    #[serde(rename = "approve")]
    Approve,
    #[serde(rename = "edit prompt")]
    EditPrompt,
    #[serde(rename = "revise")]
    Revise,
    #[serde(rename = "manual")]
    Manual,
    #[serde(rename = "skip")]
    Skip,
    #[serde(rename = "abort")]
    Abort,
}

impl DecisionKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::EditPrompt => "edit prompt",
            Self::Revise => "revise",
            Self::Manual => "manual",
            Self::Skip => "skip",
            Self::Abort => "abort",
        }
    }
}

impl std::fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of running a test command several times.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRuns {
    pub command: String,
    pub runs: u32,
    pub failures: u32,
    /// Failing runs whose output matched the expected signature.
    pub matching: u32,
    /// The output of the most telling run (the first that did not behave as required), trimmed.
    pub output: String,
}

impl EventKind {
    /// Whether this is the fact an effect established (what a `done` input carries).
    #[must_use]
    pub fn is_fact(&self) -> bool {
        matches!(
            self,
            Self::LogsPrepared { .. }
                | Self::ScratchCreated { .. }
                | Self::ReproductionFrozen { .. }
                | Self::AgentFinished { .. }
                | Self::ReproductionChecked { .. }
                | Self::ReproductionCommitted { .. }
                | Self::FixBranchCreated { .. }
                | Self::VerificationFinished { .. }
                | Self::PostFixTestsWritten { .. }
                | Self::FixCommitted { .. }
                | Self::BranchPushed { .. }
                | Self::PrOpened { .. }
                | Self::PrSkipped { .. }
                | Self::WorktreesRemoved { .. }
                | Self::DevelopersFound { .. }
                | Self::ReportWritten { .. }
        )
    }
}

/// Tests written after the fix, run on the fix and on the base.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostFixRuns {
    pub on_fix: TestRuns,
    pub on_base: TestRuns,
}

/// A file of the approved reproduction and fixloop's own copy of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenFile {
    /// Where it was approved (in the failure folder).
    pub source: String,
    /// fixloop's copy, in the run's folder.
    pub copy: String,
    /// SHA-256 of its content, hex.
    pub sha256: String,
}

/// The failed CI run, when the logs came from a run URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRun {
    pub workflow: String,
    pub run_id: u64,
    pub attempt: u32,
    pub head_sha: String,
    pub head_branch: String,
    pub html_url: String,
    /// Failed jobs, each with its failed steps: `job (step, step)`.
    pub failed_jobs: Vec<String>,
    pub pull_requests: Vec<u64>,
    /// What other attempts of the run say about flakiness.
    pub notes: Vec<String>,
    /// The run's title (its PR's title or the commit's subject) and the head commit's message:
    /// written by whoever opened the PR, so shown to agents only as untrusted data.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub commit_message: String,
}

/// A pipeline input as the journal keeps it. A `done` input's fact is the first fact event
/// journaled after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "kebab-case")]
pub enum Applied {
    Start,
    Done,
    Prompt {
        phase: Phase,
        attempt: u32,
        prompt: String,
        path: String,
    },
    Failed {
        class: FailureClass,
        message: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hints: Vec<String>,
    },
    Decided {
        id: u32,
        decision: Decision,
        by: DecidedBy,
    },
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EventKind {
    RunStarted {
        run_id: String,
        name: String,
        version: String,
        info: Box<Info>,
        repo: String,
        workspace: String,
        failure_dir: String,
        agent: AgentKind,
        base: String,
        headless: bool,
        policy: String,
        /// Perturbations applied to stress runs (`nice`, `cpu-load`).
        #[serde(default)]
        perturbation: Vec<String>,
        /// What `fixloop resume` needs to carry on exactly as this run would have.
        #[serde(default)]
        setup: Option<Box<RunSetup>>,
        /// The pipeline the run follows (journals before 0.2 are all `failure` runs).
        #[serde(default = "failure_pipeline")]
        pipeline: String,
        /// Its phases, in order.
        #[serde(default = "failure_phases")]
        phases: Vec<Phase>,
    },
    /// `fixloop resume` took the run up again after `from_seq`, at `step`.
    RunResumed {
        from_seq: u64,
        step: String,
        /// The phase the run is in again.
        phase: Option<Phase>,
        /// Why the run had stopped, when it had ended (interrupted, failed, stopped for review).
        reason: Option<String>,
        headless: bool,
        policy: String,
        /// The budgets the run goes on with, when a resume raised them (in cents).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        budget_cents: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_budget_cents: Option<u64>,
        /// What the run had spent on agents when it was resumed, in cents.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spent_cents: Option<u64>,
    },
    /// The pipeline received this input; journaled before it is applied, so that a resumed run
    /// rebuilds the pipeline by feeding it the same inputs again.
    InputApplied {
        input: Applied,
    },
    /// A step with side effects begins (journaled before them). `branch` and `commit` name
    /// what it is about to create, so that a re-run after a crash reuses it.
    StepStarted {
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        branch: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
    },
    /// The agent named its session (journaled as soon as it is known, so a resumed run can
    /// continue the session even when the agent was cut off).
    AgentSession {
        phase: Phase,
        attempt: u32,
        session_id: String,
    },
    PhaseStarted {
        phase: Phase,
    },
    PhaseFinished {
        phase: Phase,
        status: PhaseStatus,
        message: String,
    },
    /// The failed CI run, as GitHub describes it.
    RunFetched(CiRun),
    LogsPrepared {
        source: String,
        full_log: String,
        excerpt: String,
        bytes: u64,
        lines: u64,
        excerpt_bytes: u64,
        failing_tests: Vec<String>,
        /// What fixloop's memory recalled of this failure (absent before it had one).
        #[serde(default, skip_serializing_if = "Recall::is_empty")]
        memory: Recall,
    },
    PromptComposed {
        phase: Phase,
        attempt: u32,
        path: String,
        bytes: u64,
    },
    CheckpointReached {
        id: u32,
        kind: CheckpointKind,
        /// The decisions that make sense here.
        options: Vec<DecisionKind>,
    },
    CheckpointResolved {
        id: u32,
        decision: Decision,
        by: DecidedBy,
    },
    AgentStarted {
        phase: Phase,
        attempt: u32,
        agent: AgentKind,
        command: String,
        resume: Option<String>,
        log: String,
    },
    AgentOutput {
        phase: Phase,
        lines: Vec<OutputLine>,
    },
    AgentFinished {
        phase: Phase,
        attempt: u32,
        ok: bool,
        session_id: Option<String>,
        cost_usd: Option<f64>,
        turns: Option<u32>,
        duration_ms: u64,
        error: Option<String>,
        /// Set when the agent could not work at all (not logged in, unreachable, missing).
        error_class: Option<FailureClass>,
        /// The step's write-up from the failure folder (`README.md` after reproduce,
        /// `ROOT_CAUSE.md` after fix), when the agent wrote one.
        notes: Option<String>,
        /// What fixloop found the agent did that it must not: changed the approved reproduction,
        /// changed the user's repository. Recorded as the step ends, so a resumed run keeps it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        findings: Vec<String>,
    },
    TestOutput {
        phase: Phase,
        run: u32,
        lines: Vec<OutputLine>,
    },
    TestRunFinished {
        phase: Phase,
        purpose: String,
        run: u32,
        /// How many runs the batch has (0 in journals of earlier releases).
        #[serde(default)]
        of: u32,
        exit_code: Option<i32>,
        timed_out: bool,
        duration_ms: u64,
        log: String,
    },
    ReproductionChecked {
        attempt: u32,
        reproduced: bool,
        reason: String,
        runs: TestRuns,
        /// The manifest itself was invalid (nothing ran).
        invalid_input: bool,
        /// The reproduction's files as placed (`dest`, text), for the person to read.
        #[serde(default)]
        files: Vec<(String, String)>,
        /// The reproduction as checked (journals before 0.2 leave it to `repro.json`): its
        /// sources are fixloop's copies, taken before the check ran.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reproduction: Option<Reproduction>,
        /// The copies the check ran, with their content hashes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        copies: Vec<FrozenFile>,
        /// What the agent or the check's runs did that they must not (a person must look).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        findings: Vec<String>,
        /// The check outside the test runner, run once on the code under test: it must fail
        /// the way CI did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        check: Option<TestRuns>,
    },
    ReproductionCommitted {
        /// `None` when the failure folder is outside the repository (nothing to commit).
        branch: Option<String>,
        commit: Option<String>,
        paths: Vec<String>,
        note: String,
    },
    ScratchCreated {
        path: String,
        commit: String,
    },
    /// The approved reproduction, copied into the run's folder: every run of it from now on uses
    /// these copies, whatever becomes of the failure folder or the worktree.
    ReproductionFrozen {
        /// The reproduction as it runs from now on (its sources are the copies).
        reproduction: Reproduction,
        /// Each file frozen, `repro.json` included when there is one.
        files: Vec<FrozenFile>,
    },
    WorktreesRemoved {
        paths: Vec<String>,
        kept: Vec<String>,
        /// The content (git tree id) of each kept worktree as the run left it, so `clean` can
        /// tell whether someone changed it since.
        #[serde(default)]
        kept_trees: Vec<String>,
    },
    FixBranchCreated {
        branch: String,
        base: String,
        base_commit: String,
        worktree: String,
    },
    /// A fresh agent session that never saw the fix wrote tests of the same behaviour; fixloop
    /// kept its own copy of them.
    PostFixTestsWritten {
        attempt: u32,
        /// The tests as they run (sources are fixloop's copies); `None` when none were written.
        tests: Option<Reproduction>,
        files: Vec<FrozenFile>,
        /// Why there are none, or what else the person should know.
        note: String,
        cost_usd: Option<f64>,
        duration_ms: u64,
    },
    VerificationFinished {
        attempt: u32,
        verified: bool,
        passes: TestRuns,
        revert_check: Option<TestRuns>,
        suite: Option<TestRuns>,
        findings: Vec<String>,
        diffstat: String,
        diff: String,
        /// The commit verified: a fresh checkout of it is what ran (journals before 0.2
        /// verified the agent's worktree).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        /// The check outside the test runner, on the fix: it must pass.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outside_check: Option<TestRuns>,
        /// The tests written after the fix, on the fix (must pass) and on the base (must fail).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post_fix: Option<PostFixRuns>,
        /// What the person should know that refuses nothing (a defence that could not stand).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
    },
    FixCommitted {
        branch: String,
        commit: String,
        files_changed: Vec<String>,
        message: String,
        repro_removed: bool,
    },
    BranchPushed {
        remote: String,
        branch: String,
        commit: String,
    },
    PrOpened {
        url: String,
        number: u64,
    },
    PrSkipped {
        reason: String,
    },
    DevelopersFound {
        developers: Vec<String>,
    },
    /// The agent's CLI and its version, as it reports them (`claude --version`).
    AgentIdentified {
        version: String,
    },
    Warned {
        message: String,
    },
    StepFailed {
        phase: Phase,
        class: FailureClass,
        message: String,
        /// What to do about it (journals before 0.2 keep hints inside the message).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hints: Vec<String>,
    },
    ReportWritten {
        markdown: String,
        json: String,
    },
    /// Sync: what upstream has that the fork has not merged (`what` absent: nothing).
    SyncDetected {
        /// What is followed: a tag pattern or a branch.
        follows: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        what: Option<String>,
        upstream_commit: String,
        /// The tag (or commit) the last sync merged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<String>,
        base: String,
        base_commit: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        release_notes: String,
    },
    /// Sync: the merge started on its branch; each conflicted file as rerere and the path rules
    /// left it (`unresolved` for the agent, or for a person).
    SyncMerged {
        branch: String,
        worktree: String,
        files: Vec<crate::core::sync::verdict::FileOutcome>,
        /// Conflicted paths no one but a person may resolve (the conventions' `protected`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        protected: Vec<String>,
        merge_base: String,
        ahead: u32,
        behind: u32,
    },
    /// Sync: one conflicted file as the agent left it (or why it declined).
    SyncFileResolved {
        file: crate::core::sync::verdict::FileOutcome,
    },
    /// Sync: the guards' findings on the resolved merge; its commit when they found nothing.
    SyncGuarded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        problems: Vec<String>,
    },
    /// Sync: a failing test handed to a fixloop run on the sync branch; its verified fix's commit.
    SyncTestFixed {
        command: String,
        run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<String>,
        said: String,
    },
    /// Sync: the lint and test commands on the merge.
    SyncChecked {
        checks: Vec<crate::core::sync::verdict::CheckOutcome>,
    },
    /// Sync: the branch pushed and its PR opened or updated, labelled; older sync PRs closed.
    SyncPublished {
        number: u64,
        url: String,
        labels: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        superseded: Vec<u64>,
    },
    /// Sync: past the ceiling; nothing pushed, one issue says why.
    SyncBlocked {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issue: Option<(u64, String)>,
        reasons: Vec<String>,
    },
    /// Sync `--hold-push`: the branch and PR (`blocked`: the issue) in `out`, nothing pushed.
    SyncHeld {
        out: String,
        blocked: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<String>,
    },
    RunFinished {
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
    },
}
