//! Log triage: CI log lines in, the failing tests (named the way their runner names them), the
//! error lines, and an excerpt within a byte budget out. It is fed line by line and keeps only
//! bounded state, so memory does not grow with the log; a fast byte filter lets the many boring
//! lines through without normalising them.

mod anchor;
mod budget;
mod errors;
mod filter;
mod normalise;
mod structure;
mod triage;

pub use anchor::{Anchor, anchor};
pub use errors::is_error_line;
pub use normalise::normalise;
pub use triage::{FailingTest, Outcome, Triage, triage_text};

/// Default excerpt budget in bytes.
pub(crate) const DEFAULT_BUDGET: usize = 16 * 1024;

#[cfg(test)]
mod tests;
