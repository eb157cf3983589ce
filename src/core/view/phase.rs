//! A phase as the run screen and the report show it: its state, its own time and the time it
//! waited for the person.

use chrono::{DateTime, Utc};

use crate::core::event::{Phase, PhaseStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseState {
    Pending,
    Running,
    Done(PhaseStatus),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseView {
    pub phase: Phase,
    pub state: PhaseState,
    /// How many times the phase started (attempts of an AI step).
    pub starts: u32,
    /// The phase's own time: while it ran, less the time it waited for the person.
    pub duration_ms: u64,
    pub started_at: Option<DateTime<Utc>>,
    pub message: String,
    pub cost_usd: f64,
    /// Time the phase waited at checkpoints for the person, in all its starts.
    pub waiting_ms: u64,
    /// Of that, the waiting in the start under way.
    pub waiting_this_start_ms: u64,
    /// A checkpoint is waiting for the person since then.
    pub waiting_since: Option<DateTime<Utc>>,
}

/// Milliseconds from `start` to `end` (none if the clock went back).
pub(super) fn ms_between(start: DateTime<Utc>, end: DateTime<Utc>) -> u64 {
    u64::try_from((end - start).num_milliseconds()).unwrap_or(0)
}

impl PhaseView {
    /// The phase's own time at `now`, counting a start under way but not the waiting.
    #[must_use]
    pub fn own_ms(&self, now: DateTime<Utc>) -> u64 {
        let mut ms = self.duration_ms;
        if let (PhaseState::Running, Some(start)) = (self.state, self.started_at) {
            let waiting = self.waiting_this_start_ms
                + self.waiting_since.map_or(0, |since| ms_between(since, now));
            ms += ms_between(start, now).saturating_sub(waiting);
        }
        ms
    }

    /// Time waited for the person at `now`, with a wait under way.
    #[must_use]
    pub fn waited_ms(&self, now: DateTime<Utc>) -> u64 {
        self.waiting_ms + self.waiting_since.map_or(0, |since| ms_between(since, now))
    }

    pub(super) fn new(phase: Phase) -> Self {
        Self {
            phase,
            state: PhaseState::Pending,
            starts: 0,
            duration_ms: 0,
            started_at: None,
            message: String::new(),
            cost_usd: 0.0,
            waiting_ms: 0,
            waiting_this_start_ms: 0,
            waiting_since: None,
        }
    }
}
