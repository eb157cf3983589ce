//! The subcommands: each wires the core, the engine and the adapters for one use.

pub mod clean;
pub mod completions;
pub mod demo;
pub mod init;
pub mod logs;
pub mod output;
pub mod reports;
pub mod resume;
pub mod run;
pub mod setup;
pub mod stress;
pub mod validate;

use crate::core::error::StepError;
use crate::core::exit::ExitCode;
use crate::core::input::InputError;

/// An error that ends a command with the contract's exit code: what went wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ExitCode,
    pub message: String,
    pub hints: Vec<String>,
}

impl CommandError {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// The error as the terminal shows it: `error: MESSAGE`, then each hint on its own line.
    #[must_use]
    pub fn render(&self) -> String {
        let mut text = format!("error: {}", self.message);
        for hint in &self.hints {
            text.push_str("\n  hint: ");
            text.push_str(hint);
        }
        text
    }
}

impl From<StepError> for CommandError {
    fn from(e: StepError) -> Self {
        Self {
            code: e.class.exit_code(),
            message: e.message,
            hints: e.hints,
        }
    }
}

impl From<InputError> for CommandError {
    fn from(e: InputError) -> Self {
        StepError::from(e).into()
    }
}

/// The workspace named by `--info FILE` (its folder), else the current folder.
#[must_use]
pub fn workspace_of(info: Option<&std::path::Path>) -> std::path::PathBuf {
    info.and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}
