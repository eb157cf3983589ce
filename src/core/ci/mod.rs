//! fixloop in GitHub Actions: the events the analyze job starts on and whether it takes them.

pub mod event;
pub mod guard;
pub mod memory;
pub mod publish;

#[cfg(test)]
mod tests;

pub use event::{CiEvent, EventError, FailedRun, REVIEWERS, ReviewCommand, ReviewComment, parse};
pub use guard::{Guard, trailer};
