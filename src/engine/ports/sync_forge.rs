//! The forge as the sync pipeline needs it: its one pull request (an open one reused, labelled,
//! older sync PRs closed as superseded), its one issue when it is blocked, and whether the token
//! may push changes to workflow files.

use super::BoxFuture;
use crate::core::error::StepError;

/// The sync PR as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPr {
    pub branch: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub labels: Vec<String>,
    /// Labels an earlier verdict put there that no longer hold.
    pub drop_labels: Vec<String>,
    /// Open PRs from branches with this prefix (but `branch`) are older syncs: closed.
    pub supersedes: String,
}

/// What the forge made of the sync PR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPrOutcome {
    pub number: u64,
    pub url: String,
    pub superseded: Vec<u64>,
}

pub trait SyncForge: Send + Sync {
    /// Opens the sync PR, or updates the open one from its branch; labels it; closes older ones.
    fn sync_pr<'a>(&'a self, pr: &'a SyncPr) -> BoxFuture<'a, Result<SyncPrOutcome, StepError>>;

    /// Opens fixloop's one issue marked `marker`, or updates it; its number and address.
    fn sync_issue<'a>(
        &'a self,
        marker: &'a str,
        title: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(u64, String), StepError>>;

    /// Whether the token may push changes to `.github/workflows`: `Some(false)` when it is known
    /// not to (a classic token without the `workflow` scope, the Actions token), `None` when it
    /// cannot be told before the push.
    fn may_push_workflows(&self) -> BoxFuture<'_, Result<Option<bool>, StepError>>;
}
