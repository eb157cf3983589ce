//! The agents behind the engine's `Agent` port.

mod claude;
mod codex;
mod command;
mod manual;
mod stream;

pub use claude::Claude;
pub use codex::Codex;
pub use command::CommandAgent;
pub use manual::Manual;

/// Variables an agent never gets: fixloop pushes and talks to GitHub itself.
pub const HIDDEN_FROM_AGENTS: &[&str] = &[
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
];
