//! GitHub as the engine's `Forge`: one repository's pull requests and run logs.

use std::path::Path;

use super::{GitHub, fetch_run_logs};
use crate::core::error::StepError;
use crate::core::runurl::RunUrl;
use crate::engine::ports::{BoxFuture, FetchedRun, Forge, PrOutcome, PrRequest};

/// The GitHub forge for one repository.
#[derive(Debug, Clone)]
pub struct GitHubForge {
    pub client: GitHub,
    pub owner: String,
    pub repo: String,
}

impl Forge for GitHubForge {
    fn open_pr<'a>(
        &'a self,
        request: &'a PrRequest,
    ) -> BoxFuture<'a, Result<PrOutcome, StepError>> {
        Box::pin(async move {
            let (url, number, notes) = self
                .client
                .open_or_update_pr(&self.owner, &self.repo, request, request.failing_pr)
                .await?;
            Ok(PrOutcome::Opened { url, number, notes })
        })
    }

    fn fetch_run_logs<'a>(
        &'a self,
        url: &'a RunUrl,
        logs_dir: &'a Path,
    ) -> BoxFuture<'a, Result<FetchedRun, StepError>> {
        Box::pin(fetch_run_logs(&self.client, url, logs_dir))
    }
}
