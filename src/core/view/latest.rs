//! The latest of each check a run made.

use super::{ReproductionView, RunView, VerificationView};

impl RunView {
    /// The latest reproduction check, if any.
    #[must_use]
    pub fn reproduction(&self) -> Option<&ReproductionView> {
        self.reproductions.last()
    }

    /// The latest verification, if any.
    #[must_use]
    pub fn verification(&self) -> Option<&VerificationView> {
        self.verifications.last()
    }
}
