//! The past-run browser's state: the list with its filter and sort, an open report, a replay of a
//! run from its journal, and the statistics. Changed only by `update`; IO happens in the loop.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Msg as RunMsg, RunApp};
use crate::core::history::{Row, SortKey, Stats, select, stats};

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    List,
    Report {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    Replay(Box<RunApp>),
    Stats,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// A report or replay the loop loaded for `Effect::Open*`.
    Opened(Screen),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    OpenReport { path: String, title: String },
    OpenReplay { run_id: String },
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent UI flags: filter typing, sort order, stats-only, help"
)]
pub struct BrowserApp {
    pub rows: Vec<Row>,
    pub outputs: String,
    pub filter: String,
    pub editing_filter: bool,
    pub sort: SortKey,
    pub descending: bool,
    /// Position in the visible list.
    pub selected: usize,
    pub screen: Screen,
    /// Whether the app opened on the statistics (`fixloop stats`): Esc there quits.
    pub stats_only: bool,
    pub stats: Stats,
    pub color: bool,
    pub height: u16,
    pub help: bool,
}

impl BrowserApp {
    #[must_use]
    pub fn new(rows: Vec<Row>, outputs: String, color: bool) -> Self {
        let stats = stats(&rows);
        Self {
            rows,
            outputs,
            filter: String::new(),
            editing_filter: false,
            sort: SortKey::Date,
            descending: true,
            selected: 0,
            screen: Screen::List,
            stats_only: false,
            stats,
            color,
            height: 24,
            help: false,
        }
    }

    /// Indexes of the rows shown, in order.
    #[must_use]
    pub(crate) fn visible(&self) -> Vec<usize> {
        select(&self.rows, &self.filter, self.sort, self.descending)
    }

    fn page(&self) -> usize {
        usize::from(self.height.saturating_sub(6).max(1))
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Resize(w, h) => {
                self.height = h;
                if let Screen::Replay(app) = &mut self.screen {
                    app.update(RunMsg::Resize(w, h));
                }
                Vec::new()
            }
            Msg::Opened(screen) => {
                self.screen = screen;
                Vec::new()
            }
            Msg::Key(key) => self.on_key(key),
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return vec![Effect::Quit];
        }
        if self.help {
            self.help = false;
            return Vec::new();
        }
        let back = matches!(key.code, KeyCode::Esc | KeyCode::Char('q'));
        let page = u16::try_from(self.page()).unwrap_or(10);
        match &mut self.screen {
            Screen::Report { scroll, lines, .. } => {
                let max = u16::try_from(lines.len()).unwrap_or(u16::MAX);
                match key.code {
                    _ if back => self.screen = Screen::List,
                    KeyCode::Char('j') | KeyCode::Down => *scroll = (*scroll + 1).min(max),
                    KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') => *scroll = (*scroll + page).min(max),
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(page),
                    KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
                    KeyCode::Char('G') | KeyCode::End => *scroll = max.saturating_sub(page),
                    _ => {}
                }
                return Vec::new();
            }
            Screen::Replay(app) => {
                if back {
                    self.screen = Screen::List;
                } else {
                    app.update(RunMsg::Key(key));
                }
                return Vec::new();
            }
            Screen::Stats => {
                if back {
                    if self.stats_only {
                        return vec![Effect::Quit];
                    }
                    self.screen = Screen::List;
                }
                return Vec::new();
            }
            Screen::List => {}
        }
        if self.editing_filter {
            match key.code {
                KeyCode::Enter => self.editing_filter = false,
                KeyCode::Esc => {
                    self.editing_filter = false;
                    self.filter.clear();
                }
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            return Vec::new();
        }
        let shown = self.visible();
        let last = shown.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.selected = 0;
            }
            KeyCode::Char('q') | KeyCode::Esc => return vec![Effect::Quit],
            KeyCode::Char('/') => self.editing_filter = true,
            KeyCode::Char('j') | KeyCode::Down => self.selected = (self.selected + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + self.page()).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(self.page()),
            KeyCode::Char('g') | KeyCode::Home => self.selected = 0,
            KeyCode::Char('G') | KeyCode::End => self.selected = last,
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.selected = 0;
            }
            KeyCode::Char('S') => self.descending = !self.descending,
            KeyCode::Char('t') => self.screen = Screen::Stats,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Enter => {
                if let Some(row) = shown.get(self.selected).map(|&i| &self.rows[i]) {
                    return vec![Effect::OpenReport {
                        path: row.report.clone(),
                        title: row.run_id.clone(),
                    }];
                }
            }
            KeyCode::Char('r') => {
                if let Some(row) = shown.get(self.selected).map(|&i| &self.rows[i]) {
                    return vec![Effect::OpenReplay {
                        run_id: row.run_id.clone(),
                    }];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    #[must_use]
    pub(crate) fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.help {
            return vec![("any key", "close")];
        }
        match &self.screen {
            Screen::Report { .. } | Screen::Replay(_) => {
                vec![("j/k", "scroll"), ("g/G", "top/end"), ("q/Esc", "back")]
            }
            Screen::Stats => vec![("q/Esc", if self.stats_only { "quit" } else { "back" })],
            Screen::List if self.editing_filter => {
                vec![("type", "filter"), ("Enter", "keep"), ("Esc", "clear")]
            }
            Screen::List => vec![
                ("Enter", "report"),
                ("r", "replay"),
                ("/", "filter"),
                ("s/S", "sort"),
                ("t", "stats"),
                ("q", "quit"),
            ],
        }
    }
}
