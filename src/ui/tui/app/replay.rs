//! A replay: a past run from its journal, shown with the run screen and stepped from
//! checkpoint to checkpoint; no key decides anything in it.

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Msg, RunApp};
use crate::core::event::{Event, EventKind};
use crate::core::exit::ExitCode;

/// A replay: the journal's events and how many of them are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    events: Vec<Event>,
    shown: usize,
}

impl Replay {
    /// Where a person can stop: just after each checkpoint was reached, and the end.
    fn stops(&self) -> Vec<usize> {
        let mut stops: Vec<usize> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.kind, EventKind::CheckpointReached { .. }))
            .map(|(i, _)| i + 1)
            .collect();
        stops.push(self.events.len());
        stops
    }

    /// `checkpoint 2 of 7`, or `the end`, for the header.
    #[must_use]
    pub fn position(&self) -> String {
        let checkpoints = self.stops().len() - 1;
        if self.shown >= self.events.len() {
            return format!("the end ({checkpoints} checkpoints)");
        }
        let n = self
            .stops()
            .iter()
            .take_while(|&&s| s <= self.shown)
            .count();
        format!("checkpoint {n} of {checkpoints}")
    }
}

impl RunApp {
    /// A past run from its journal's `events`, shown at its end; `[` and `]` step back and
    /// forth between its checkpoints.
    #[must_use]
    pub fn replaying(events: Vec<Event>, color: bool, (width, height): (u16, u16)) -> Self {
        let shown = events.len();
        Self::replayed_to(Replay { events, shown }, color, (width, height))
    }

    pub(super) fn replayed_to(replay: Replay, color: bool, (width, height): (u16, u16)) -> Self {
        let mut app = Self::new(color, Utc::now());
        app.update(Msg::Resize(width, height));
        for event in &replay.events[..replay.shown] {
            app.update(Msg::Event(Box::new(event.clone())));
        }
        app.now = app.view.last_at.unwrap_or(app.now);
        if replay.shown == replay.events.len() {
            let code = app
                .view
                .finished
                .as_ref()
                .map_or(ExitCode::Interrupted, |f| f.exit_code);
            app.update(Msg::Finished(code));
        }
        app.replay = Some(Box::new(replay));
        app
    }

    /// Keys in a replay: it only shows, so no key decides anything; `[`/`]` move between
    /// checkpoints, the rest scroll or swap panes as in a run.
    pub(super) fn replay_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let replay = self.replay.as_ref()?;
        let stops = replay.stops();
        let target = match key.code {
            KeyCode::Char(']') => stops.iter().copied().find(|&s| s > replay.shown),
            KeyCode::Char('[') => stops.iter().rev().copied().find(|&s| s < replay.shown),
            KeyCode::Char('j' | 'k' | 'g' | 'G' | 'o' | '/' | 'n' | 'N' | 'f' | '?')
            | KeyCode::Up
            | KeyCode::Down
            | KeyCode::PageUp
            | KeyCode::PageDown
            | KeyCode::Home
            | KeyCode::End
            | KeyCode::Esc => return None,
            _ => {
                self.notice =
                    Some("a replay only shows the run: [ and ] step between checkpoints".into());
                return Some(Vec::new());
            }
        };
        if let Some(shown) = target {
            let replay = Replay {
                events: replay.events.clone(),
                shown,
            };
            *self = Self::replayed_to(replay, self.color, (self.width, self.height));
        }
        Some(Vec::new())
    }
}
