//! A batch of test runs as it goes: what it checks, in words, and how far it is.

use crate::core::event::Phase;

/// The batch of test runs under way (or the last one): what it checks, how far it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub phase: Phase,
    pub purpose: String,
    pub done: u32,
    pub failed: u32,
    /// Runs in the batch (0 when a journal of an earlier release does not say).
    pub of: u32,
}

impl Batch {
    /// `reproduction, attempt 1: run 2/3, 2 failed`.
    #[must_use]
    pub fn progress(&self) -> String {
        let of = if self.of > 0 {
            format!("/{}", self.of)
        } else {
            String::new()
        };
        format!(
            "{}: run {}{of}, {} failed",
            batch_label(&self.purpose),
            self.done,
            self.failed
        )
    }
}

/// What a batch of test runs checks, in words, from its purpose (`revert-2` → `revert check
/// (without the fix), attempt 2`).
#[must_use]
pub fn batch_label(purpose: &str) -> String {
    let (what, attempt) = match purpose.rsplit_once('-') {
        Some((what, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (what, Some(n))
        }
        _ => (purpose, None),
    };
    let words = match what {
        "confirm" => "reproduction",
        "verify" => "the test with the fix",
        "revert" => "revert check (without the fix)",
        "suite" => "test suite",
        "outside-check" => "check outside the runner",
        "post-fix" => "tests written after the fix",
        "post-fix-base" => "those tests on the base",
        "agent-worktree" => "the test in the agent's worktree",
        other => other,
    };
    match attempt {
        Some(n) => format!("{words}, attempt {n}"),
        None => words.to_owned(),
    }
}
