//! What the sync pipeline asks of the engine.

use crate::core::event::RunStatus;
use crate::core::exit::ExitCode;
use crate::core::pipeline::{Request, Role};

#[derive(Debug, Clone, PartialEq)]
pub enum SyncEffect {
    /// Find upstream's newest release (or branch head) and the last one merged.
    Detect,
    /// Merge it on the sync branch's worktree; rerere and the path rules first.
    Merge,
    /// The agent resolves one conflicted file.
    ResolveFile {
        path: String,
        feedback: Option<String>,
    },
    /// The guards on the resolved merge, then its commit.
    Guard,
    /// The fork's lint and test commands.
    Check,
    /// A failing test command handed to a fixloop run of its own on the sync branch.
    FixTest {
        command: String,
    },
    /// Push the branch and open (or update) the labelled PR.
    Publish,
    /// Nothing is pushed: one issue says why.
    Block {
        reasons: Vec<String>,
    },
    AwaitDecision {
        id: u32,
    },
    Cleanup {
        keep_worktree: bool,
    },
    WriteReport {
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
    },
    Finish {
        exit_code: ExitCode,
    },
}

impl Request for SyncEffect {
    fn name(&self) -> &'static str {
        match self {
            Self::Detect => "detect-upstream",
            Self::Merge => "merge",
            Self::ResolveFile { .. } => "resolve-file",
            Self::Guard => "guard-merge",
            Self::Check => "run-checks",
            Self::FixTest { .. } => "fix-test",
            Self::Publish => "publish",
            Self::Block { .. } => "open-conflict-issue",
            Self::AwaitDecision { .. } => "await-decision",
            Self::Cleanup { .. } => "cleanup",
            Self::WriteReport { .. } => "write-report",
            Self::Finish { .. } => "finish",
        }
    }

    fn role(&self) -> Role {
        match self {
            Self::AwaitDecision { id } => Role::Decide { id: *id },
            Self::Finish { exit_code } => Role::Finish {
                exit_code: *exit_code,
            },
            Self::Cleanup { .. } | Self::WriteReport { .. } => Role::Work {
                announce: true,
                closing: true,
            },
            _ => Role::Work {
                announce: true,
                closing: false,
            },
        }
    }
}
