//! A forge for repositories that are not on GitHub: a run that asks for a PR gets a clear "not
//! opened" with the reason, and the branch stays pushed.

use crate::core::error::StepError;
use crate::engine::ports::{BoxFuture, Forge, PrOutcome, PrRequest};

/// A forge that opens nothing and says why.
#[derive(Debug, Clone)]
pub struct NoForge {
    pub reason: String,
}

impl Forge for NoForge {
    fn open_pr<'a>(
        &'a self,
        _request: &'a PrRequest,
    ) -> BoxFuture<'a, Result<PrOutcome, StepError>> {
        Box::pin(async move {
            Ok(PrOutcome::Skipped {
                reason: self.reason.clone(),
            })
        })
    }
}
