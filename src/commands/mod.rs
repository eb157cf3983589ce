//! The subcommands: each wires the core, the engine and the adapters for one use.

pub mod ci;
mod ci_answer;
mod ci_carry;
mod ci_common;
mod ci_finish;
mod ci_memory;
pub mod ci_publish;
pub mod clean;
pub mod completions;
pub mod demo;
pub mod init;
pub mod init_github;
pub mod logs;
pub mod memory;
pub mod output;
pub mod reports;
pub mod resume;
pub mod review;
pub mod run;
pub mod setup;
pub mod stress;
pub mod sync;
pub mod sync_publish;
pub mod validate;
pub mod watch;

use std::fmt::Write as _;

use crate::core::error::StepError;
use crate::core::exit::ExitCode;
use crate::core::input::InputError;
use crate::engine::run_index::IndexedRun;
use crate::engine::store::{Found, Store};

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

/// How many runs an ambiguous id is answered with.
const CANDIDATES_SHOWN: usize = 10;

/// The run `query` names (its id, or the start of it) and the store of its workspace: looked for
/// in the workspace of `--info FILE` (else the current folder), then in the user's index of runs.
pub fn find_run(
    info: Option<&std::path::Path>,
    query: &str,
) -> Result<(Store, String), CommandError> {
    let store = Store::new(&workspace_of(info));
    match store.find(query) {
        Found::Run { id, store } => Ok((store, id)),
        Found::Ambiguous(runs) => {
            let mut message = format!("`{query}` is the start of {} runs' ids:", runs.len());
            for run in runs.iter().take(CANDIDATES_SHOWN) {
                let _ = write!(message, "\n  {}", located(run));
            }
            if runs.len() > CANDIDATES_SHOWN {
                let _ = write!(message, "\n  … and {} more", runs.len() - CANDIDATES_SHOWN);
            }
            Err(CommandError::new(ExitCode::Usage, message).hint("give more of the id"))
        }
        Found::Missing { newest } => {
            let searched = match &store.index {
                Some(index) => format!(
                    "{} or in fixloop's index of runs ({})",
                    store.outputs.display(),
                    index.path().display()
                ),
                None => format!(
                    "{} (fixloop keeps no index of runs without HOME or XDG_STATE_HOME)",
                    store.outputs.display()
                ),
            };
            let error = CommandError::new(
                ExitCode::NoSuchRun,
                format!("no run `{query}` in {searched}"),
            );
            Err(if newest.is_empty() {
                error.hint(
                    "fixloop knows of no runs; a run started before fixloop kept its index is \
                     found with --info <its workspace>/info.json",
                )
            } else {
                let names: Vec<String> = newest.iter().map(located).collect();
                error
                    .hint(format!("the newest runs: {}", names.join(", ")))
                    .hint("`fixloop reports` lists the runs of a workspace")
            })
        }
    }
}

/// A run's id and where it is, as errors name it.
fn located(run: &IndexedRun) -> String {
    format!("{} (in {})", run.id, run.workspace.display())
}
