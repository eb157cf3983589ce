//! Rendering: pure functions of the app state into a buffer.

mod checkpoint;
pub(crate) use checkpoint::{
    match_rows as checkpoint_match_rows, scroll_max as checkpoint_scroll_max,
};
pub mod reports;
mod run;
pub(crate) use run::{chrome_rows, phases_width};
mod summary;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

/// Styles, all plain when colour is off (`NO_COLOR`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    pub color: bool,
}

impl Theme {
    fn pick(self, style: Style) -> Style {
        if self.color { style } else { Style::default() }
    }

    #[must_use]
    pub(crate) fn title(self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        )
        .add_modifier(Modifier::BOLD)
    }
    #[must_use]
    pub(crate) fn dim(self) -> Style {
        self.pick(Style::default().fg(Color::DarkGray))
    }
    #[must_use]
    pub(crate) fn good(self) -> Style {
        self.pick(Style::default().fg(Color::Green))
    }
    #[must_use]
    pub(crate) fn bad(self) -> Style {
        self.pick(Style::default().fg(Color::Red))
    }
    #[must_use]
    pub(crate) fn warn(self) -> Style {
        self.pick(Style::default().fg(Color::Yellow))
            .add_modifier(Modifier::BOLD)
    }
    #[must_use]
    pub(crate) fn active(self) -> Style {
        self.pick(Style::default().fg(Color::Yellow))
    }
    #[must_use]
    pub(crate) fn key(self) -> Style {
        self.pick(Style::default().fg(Color::Black).bg(Color::Cyan))
            .add_modifier(Modifier::BOLD)
    }
    #[must_use]
    pub(crate) fn selected(self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
}

/// `1m05s`, `12.3s`.
#[must_use]
pub(crate) fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}.{}s", secs, (ms % 1000) / 100)
    }
}

/// The `?` popup: keys and what they do, centred over `area`.
/// A `width` × `height` box in the middle of `area` (no larger than it).
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A message in a box over the screen, wrapped to fit, with how to close it.
pub(crate) fn message_popup(
    title: &str,
    text: &str,
    close: &str,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = area.width.min(64);
    let room = usize::from(width.saturating_sub(4)).max(8);
    let mut lines: Vec<Line> = text
        .lines()
        .flat_map(|line| wrap(line, room))
        .map(|row| Line::raw(format!(" {row}")))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!(" {close}"), theme.dim()));
    let height = area.height.min(
        u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2),
    );
    let popup = centered(area, width, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_owned())
                .title_style(theme.warn()),
        )
        .render(popup, buf);
}

pub(crate) fn help_popup(rows: &[(&str, &str)], theme: Theme, area: Rect, buf: &mut Buffer) {
    const KEY: usize = 13;
    let longest = rows.iter().map(|(_, v)| v.width()).max().unwrap_or(0);
    let width = area
        .width
        .min(u16::try_from(KEY + longest + 2).unwrap_or(u16::MAX));
    // Each description wraps under itself, so the whole text fits a narrow terminal.
    let room = usize::from(width.saturating_sub(2))
        .saturating_sub(KEY)
        .max(8);
    let mut lines: Vec<Line> = Vec::new();
    for (k, v) in rows {
        for (i, row) in wrap(v, room).into_iter().enumerate() {
            let key = if i == 0 {
                (*k).to_owned()
            } else {
                String::new()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{key:>11}  "), theme.title()),
                Span::raw(row),
            ]));
        }
    }
    let height = area.height.min(
        u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2),
    );
    let popup = centered(area, width, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(" Keys "))
        .render(popup, buf);
}

/// `text` in rows of at most `width` columns, broken at spaces where it can be.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let sep = usize::from(!row.is_empty());
            if row.width() + sep + word.width() <= width {
                if sep == 1 {
                    row.push(' ');
                }
                row.push_str(&word);
                break;
            }
            if !row.is_empty() {
                rows.push(std::mem::take(&mut row));
                continue;
            }
            // A word wider than a row: cut it.
            let mut cut = String::new();
            let mut rest = word.chars();
            for c in rest.by_ref() {
                if cut.width() + c.to_string().width() > width {
                    rows.push(std::mem::take(&mut cut));
                    cut.push(c);
                    break;
                }
                cut.push(c);
            }
            let remaining: String = rest.collect();
            word = format!("{cut}{remaining}");
            if word.width() <= width {
                row = word;
                break;
            }
        }
    }
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_cuts_what_cannot_wrap() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("x 0123456789", 4), ["x", "0123", "4567", "89"]);
    }
}
