//! Commands: the only input a frontend gives the engine.

use super::event::Decision;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Answer checkpoint `id`.
    Resolve { id: u32, decision: Decision },
    /// The person finished (or gave up) a step they did by hand.
    ManualDone { ok: bool },
    /// Stop the run safely (Ctrl-C).
    Cancel,
}
