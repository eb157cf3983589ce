//! What the failure pipeline asks of the engine.

use crate::core::event::{Phase, RunStatus};
use crate::core::exit::ExitCode;
use crate::core::pipeline::contract::{Request, Role};

/// An imperative request to the engine. Each effect that does work answers with exactly one
/// [`Input`]: `Done` with the resulting fact, or `Failed`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Fetch or read the logs and cut the excerpt.
    PrepareLogs,
    /// Create the scratch worktree at the commit under test, where the reproduction is written.
    PrepareScratch,
    /// Compose the prompt of an AI step from its `AI_PROMPT.md` and the run's context.
    ComposePrompt {
        phase: Phase,
        attempt: u32,
        feedback: Option<String>,
    },
    /// Run the agent for an AI step.
    RunAgent {
        phase: Phase,
        attempt: u32,
        prompt: String,
        feedback: Option<String>,
        resume: Option<String>,
    },
    /// Run the reproduction the required number of times; it must fail like CI.
    CheckReproduction { attempt: u32, runs: u32 },
    /// Keep fixloop's own copy of the approved reproduction in the run's folder.
    FreezeReproduction,
    /// Commit the failure folder (and only it) when it lies inside the repository.
    CommitReproduction,
    /// Create `fix/<name>` from the latest base in its own worktree, with the reproduction in it.
    CreateFixBranch,
    /// A fresh agent session, on the base, writes tests of the behaviour the fix repairs.
    WritePostFixTests { attempt: u32 },
    /// Run the reproduction on the fix branch, the revert check and the suite.
    Verify { attempt: u32, runs: u32 },
    /// Remove the reproduction (unless kept) and commit the fix.
    CommitFix { remove_repro: bool },
    /// Push the fix branch.
    Push,
    /// Open (or update) the draft PR.
    OpenPr,
    /// Find who knows the changed files best.
    FindDevelopers,
    /// Remove scratch worktrees; keep the fix worktree when the run did not succeed.
    Cleanup { keep_fix_worktree: bool },
    /// Render and write the report with this conclusion.
    WriteReport {
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
    },
    /// Ask the checkpoint policy or the person for a decision on checkpoint `id`.
    AwaitDecision { id: u32 },
    /// The run is over.
    Finish { exit_code: ExitCode },
}

impl Request for Effect {
    fn name(&self) -> &'static str {
        match self {
            Self::PrepareLogs => "prepare-logs",
            Self::PrepareScratch => "prepare-scratch",
            Self::ComposePrompt { .. } => "compose-prompt",
            Self::RunAgent { .. } => "run-agent",
            Self::CheckReproduction { .. } => "check-reproduction",
            Self::FreezeReproduction => "freeze-reproduction",
            Self::CommitReproduction => "commit-reproduction",
            Self::CreateFixBranch => "create-fix-branch",
            Self::WritePostFixTests { .. } => "write-post-fix-tests",
            Self::Verify { .. } => "verify",
            Self::CommitFix { .. } => "commit-fix",
            Self::Push => "push",
            Self::OpenPr => "open-pr",
            Self::FindDevelopers => "find-developers",
            Self::Cleanup { .. } => "cleanup",
            Self::WriteReport { .. } => "write-report",
            Self::AwaitDecision { .. } => "await-decision",
            Self::Finish { .. } => "finish",
        }
    }

    fn role(&self) -> Role {
        match self {
            Self::AwaitDecision { id } => Role::Decide { id: *id },
            Self::Finish { exit_code } => Role::Finish {
                exit_code: *exit_code,
            },
            Self::Cleanup { .. } | Self::FindDevelopers | Self::WriteReport { .. } => Role::Work {
                announce: true,
                closing: true,
            },
            // Composing a prompt only writes the prompt file; the fix branch step names the
            // branch and commit it is about to make when it journals its start.
            Self::ComposePrompt { .. } | Self::CreateFixBranch => Role::Work {
                announce: false,
                closing: false,
            },
            _ => Role::Work {
                announce: true,
                closing: false,
            },
        }
    }
}
