//! The log pane: the last [`LOG_WINDOW`] lines of output in memory (the full output is in the
//! log files), where it is scrolled to, and whether it follows the newest line.

use std::collections::VecDeque;

use crate::core::event::{OutputLine, Phase};

/// Lines of output kept in memory for the log pane (the full output is in the log files).
pub const LOG_WINDOW: usize = 5_000;

/// The bounded log pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogPane {
    pub lines: VecDeque<(Phase, OutputLine)>,
    /// Lines from the bottom when not following.
    pub offset: usize,
    pub follow: bool,
    /// Lines dropped from the window's top so far.
    pub dropped: u64,
    /// Long lines wrap onto the next rows (`w`) instead of being cut at the pane's edge.
    pub wrap: bool,
}

impl LogPane {
    pub(super) fn push(&mut self, phase: Phase, line: OutputLine) {
        if self.lines.len() == LOG_WINDOW {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back((phase, line));
        if !self.follow {
            self.offset = (self.offset + 1).min(self.lines.len());
        }
    }

    /// Positive `delta` scrolls up (towards older lines).
    pub(super) fn scroll(&mut self, delta: i64) {
        let max = self.lines.len().saturating_sub(1);
        let offset = i64::try_from(self.offset)
            .unwrap_or(0)
            .saturating_add(delta);
        self.offset = usize::try_from(offset.max(0)).unwrap_or(0).min(max);
        self.follow = self.offset == 0;
    }
}
