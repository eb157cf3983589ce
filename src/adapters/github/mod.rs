//! GitHub over its REST API: a run's jobs and logs, and the draft PR.
//!
//! octocrab makes the calls (routes, the token, the API base of GitHub, an Enterprise server or
//! the local stand-in, GitHub's errors, `Link` pagination) over fixloop's own reqwest client, and
//! `client.rs` owns the one retry policy around them. Log storage is fetched with reqwest alone,
//! so the token never goes there. The token is never put in a message, a log or an event.

mod artifacts;
mod auth;
mod client;
mod downloads;
mod fetch;
mod forge;
mod pages;
mod pulls;
mod review;
mod runs;
mod sync;
mod watch;

pub use auth::{Token, api_base, remote_repo};
pub use client::GitHub;
pub use fetch::fetch_run_logs;
pub use forge::GitHubForge;
pub use review::PrComment;
pub use runs::{HeadCommit, Job, RepoRef, Run, RunPr, Step};
pub use sync::GitHubSyncForge;
pub use watch::{Poll, PullHead};

#[cfg(test)]
mod tests;
