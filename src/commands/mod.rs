//! The subcommands: each wires the core, the engine and the adapters for one use.

pub mod clean;
pub mod demo;
pub mod logs;
pub mod reports;
pub mod resume;
pub mod run;
pub mod setup;
pub mod stress;
pub mod validate;

/// An error that ends a command with the contract's exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: i32,
    pub message: String,
}

impl CommandError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
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
