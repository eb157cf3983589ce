//! The upstream sync's rules (`fixloop sync`): the `[sync]` configuration, which upstream tag is
//! next, the trailer that records what was merged, the fork's conventions file, the checks on a
//! resolved file, the verdict, and the pull request's and issue's text. Pure: the git work and
//! the GitHub calls live in the engine and the adapters.

pub mod body;
pub mod config;
pub mod conventions;
mod markdown;
pub mod notice;
pub mod plan;
pub mod prompt;
mod refname;
pub mod structured;
pub mod tags;
pub mod trailer;
pub mod verdict;

#[cfg(test)]
mod tests;

pub use body::{Blocked, SyncSummary, issue_body, issue_title, pr_body, pr_title};
pub use config::{Follow, MergeDriver, SyncConfigError, SyncSection};
pub use conventions::{Conventions, Rule, Strategy};
pub use tags::{TagPattern, newest, version_of};
pub use trailer::{COMMIT_TRAILER, TAG_TRAILER, merge_message, upstream_tag};
pub use verdict::{CheckOutcome, FileOutcome, Resolution, Verdict, verdict};
