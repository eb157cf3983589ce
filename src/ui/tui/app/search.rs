//! `/` search in the output, or in the checkpoint's text while one is shown.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Mode, RunApp};
use crate::ui::tui::textbox::TextBox;

impl RunApp {
    pub(super) fn search_key(&mut self, key: KeyEvent, text: &mut TextBox) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Enter => {
                let term = text.text().trim().to_owned();
                if !term.is_empty() {
                    self.search = Some(term);
                    self.find(true);
                }
                return Vec::new();
            }
            KeyCode::Backspace => text.backspace(),
            KeyCode::Left => text.left(),
            KeyCode::Right => text.right(),
            KeyCode::Char(c) => text.insert(c),
            _ => {}
        }
        self.mode = Mode::Search(text.clone());
        Vec::new()
    }

    /// Moves to the next match of the search (`older`: up the output, down a checkpoint's
    /// text; else the other way), in the checkpoint's text when one is shown, else the output.
    pub(super) fn find(&mut self, older: bool) {
        let Some(term) = self.search.clone() else {
            return;
        };
        let needle = term.to_lowercase();
        if let Some(cp) = self.pending().cloned()
            && self.view.finished.is_none()
        {
            let width = self
                .width
                .saturating_sub(crate::ui::tui::views::phases_width(self.width));
            let rows = crate::ui::tui::views::checkpoint_match_rows(self, &cp, &needle, width);
            let current = self.detail_scroll;
            let next = if older {
                rows.iter().copied().find(|&r| r > current)
            } else {
                rows.iter().rev().copied().find(|&r| r < current)
            };
            match next.or_else(|| {
                if older {
                    rows.first().copied()
                } else {
                    rows.last().copied()
                }
            }) {
                Some(row) => {
                    self.detail_scroll = row.min(self.detail_max());
                    self.notice = Some(format!("{} matches for “{term}” · n/N next", rows.len()));
                }
                None => self.notice = Some(format!("no match for “{term}”")),
            }
            return;
        }
        let lines = &self.log.lines;
        let total = lines.len();
        let matches: Vec<usize> = (0..total)
            .filter(|&i| lines[i].1.text.to_lowercase().contains(&needle))
            .collect();
        if matches.is_empty() {
            self.notice = Some(format!("no match for “{term}”"));
            return;
        }
        // The line at the bottom of the pane now.
        let bottom = total.saturating_sub(1 + self.log.offset);
        let next = if older {
            matches.iter().rev().copied().find(|&i| i < bottom)
        } else {
            matches.iter().copied().find(|&i| i > bottom)
        }
        .unwrap_or(if older {
            matches[matches.len() - 1]
        } else {
            matches[0]
        });
        self.log.offset = total - 1 - next;
        self.log.follow = false;
        self.notice = Some(format!("{} matches for “{term}” · n/N next", matches.len()));
    }
}
