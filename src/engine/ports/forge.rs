//! The forge port (GitHub): a failed run's logs in, a draft pull request out.

use std::path::{Path, PathBuf};

use super::BoxFuture;
use crate::core::error::StepError;
use crate::core::event::CiRun;
use crate::core::runurl::RunUrl;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrRequest {
    pub branch: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub labels: Vec<String>,
    /// The PR whose CI failed, to comment on with a link to the fix.
    pub failing_pr: Option<u64>,
}

/// A failed CI run's logs, fetched to disk, and what is known about the run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchedRun {
    /// The failed jobs' logs, one after the other.
    pub full_log: PathBuf,
    pub run: CiRun,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrOutcome {
    /// `notes`: what did not work after the PR existed (labels, the comment), for the journal.
    Opened {
        url: String,
        number: u64,
        notes: Vec<String>,
    },
    Skipped {
        reason: String,
    },
}

pub trait Forge: Send + Sync {
    fn open_pr<'a>(&'a self, request: &'a PrRequest)
    -> BoxFuture<'a, Result<PrOutcome, StepError>>;

    /// Fetches the failed jobs' logs of a run into `logs_dir`.
    fn fetch_run_logs<'a>(
        &'a self,
        url: &'a RunUrl,
        logs_dir: &'a Path,
    ) -> BoxFuture<'a, Result<FetchedRun, StepError>> {
        let _ = (url, logs_dir);
        Box::pin(async {
            Err(StepError::unavailable(
                "this repository has no GitHub connection to fetch run logs from",
            ))
        })
    }
}
