//! `fixloop init github`'s workflows, generated from checked options: the triggers and the guard,
//! the read-only analyze job and the publish job that runs no repository code, every action
//! pinned by commit, every value quoted so that it stays the value it is; and the fork's
//! scheduled sync with upstream (`--sync`), by the same rules. Pure: the command reads the
//! repository's workflows and writes the file.

pub(crate) mod jobs;
pub mod options;
pub(crate) mod pins;
pub mod render;
pub(crate) mod reusable;
pub(crate) mod scripts;
pub(crate) mod shell;
pub mod sync;
pub(crate) mod triggers;
pub mod values;
pub mod watch;
pub(crate) mod yaml;

#[cfg(test)]
mod tests;

pub use options::{Agent, Approval, Delivery, Install, Options, Shape};
pub use render::{FILE, render};
pub use values::{
    AgentVersion, Central, ConfigPath, Cron, Dollars, GitUrl, Rev, RunnerLabel, ValueError,
    WorkflowName,
};
pub use watch::{WatchError, discover};
