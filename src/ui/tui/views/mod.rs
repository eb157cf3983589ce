//! Rendering: pure functions of the app state into a buffer.

mod checkpoint;
pub mod reports;
mod run;
mod summary;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

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
pub(crate) fn help_popup(rows: &[(&str, &str)], theme: Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width.min(70);
    let height = area.height.min(
        u16::try_from(rows.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2),
    );
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let lines: Vec<Line> = rows
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:>11}  "), theme.title()),
                Span::raw(*v),
            ])
        })
        .collect();
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(" Keys "))
        .render(popup, buf);
}
