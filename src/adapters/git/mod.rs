//! The repository behind the `Vcs` port: read with libgit2, changed with the user's own `git`.
//!
//! Reading (refs, configuration, HEAD and worktree identity, commits and history, the user's
//! checkout fingerprinted, a merge worked out in memory) goes through libgit2: no output to parse
//! and no process for each question. What changes the repository, or must behave exactly as the
//! user's git does, goes through the `git` command: push and fetch then use the user's credential
//! helpers, ssh agent and config, with no OpenSSL linked into fixloop; worktrees are made and
//! removed by git itself; fixloop's commits go through a temporary index; hooks stay git's. Every
//! call runs with prompts off (`GIT_TERMINAL_PROMPT=0`) so nothing waits for a password behind
//! the TUI.

mod cli;
mod fingerprint;
mod history;
mod merge;
mod read;
pub mod sync;
mod vcs;

pub use read::Git;
