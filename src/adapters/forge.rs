//! Forges that open pull requests. Until the GitHub forge lands, runs that ask for a PR get a
//! clear "not opened" with the reason, and the branch stays pushed.

use crate::core::event::FailureClass;
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
    ) -> BoxFuture<'a, Result<PrOutcome, (FailureClass, String)>> {
        Box::pin(async move {
            Ok(PrOutcome::Skipped {
                reason: self.reason.clone(),
            })
        })
    }
}
