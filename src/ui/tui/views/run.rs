//! The run screen: header, phases, live output, footer; a checkpoint takes the output's place.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::{Theme, checkpoint, duration, summary};
use crate::core::event::{LineKind, PhaseStatus, RunStatus};
use crate::core::info::AgentKind;
use crate::core::view::{PhaseState, PhaseView};
use crate::ui::tui::ansi;
use crate::ui::tui::app::{Mode, RunApp};
use unicode_width::UnicodeWidthStr;

/// The running phase's mark: a spinner that turns with the clock, so a long step shows it is
/// alive.
fn spinner(app: &RunApp) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let tenths = app.now.timestamp_millis() / 100;
    FRAMES[usize::try_from(tenths.rem_euclid(10)).unwrap_or(0)]
}

/// Below this width the phase list is one line under the header.
const STEPPER_BELOW: u16 = 90;

/// The phase list's width in a terminal `width` columns wide (none when it is a stepper).
pub(crate) fn phases_width(width: u16) -> u16 {
    if width < STEPPER_BELOW {
        0
    } else if width >= 120 {
        30
    } else {
        24
    }
}

/// Rows the screen gives to other things than the main pane, in a terminal `width` wide.
pub(crate) fn chrome_rows(width: u16) -> u16 {
    4 + u16::from(width < STEPPER_BELOW)
}

/// The phases on one line: each with its mark, the running one with its time; the line is cut
/// from the left so the running phase stays in view.
fn render_stepper(app: &RunApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut spans: Vec<Span> = Vec::new();
    let mut running_at = 0;
    for (i, p) in app.view.phases.iter().enumerate() {
        let (mark, style) = match p.state {
            PhaseState::Pending => ("·", theme.dim()),
            PhaseState::Running => (spinner(app), theme.active()),
            PhaseState::Done(PhaseStatus::Passed) => ("✓", theme.good()),
            PhaseState::Done(PhaseStatus::Failed) => ("✗", theme.bad()),
            PhaseState::Done(PhaseStatus::Skipped) => ("–", theme.dim()),
        };
        if i > 0 {
            spans.push(Span::styled(" ", theme.dim()));
        }
        let text = if p.state == PhaseState::Running {
            running_at = spans.len();
            format!("{mark}{} {}", p.phase, duration(p.own_ms(app.now)))
        } else {
            format!("{mark}{}", p.phase)
        };
        spans.push(Span::styled(text, style));
    }
    // Drop phases from the left while the running one would not fit.
    let fits =
        |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>() <= usize::from(area.width);
    let mut start = 0;
    while start < running_at && !fits(&spans[start..=running_at.min(spans.len() - 1)]) {
        start += 1;
    }
    let shown: Vec<Span> = if start > 0 {
        std::iter::once(Span::styled("…", theme.dim()))
            .chain(spans.into_iter().skip(start))
            .collect()
    } else {
        spans
    };
    Paragraph::new(Line::from(shown)).render(area, buf);
}

/// The smallest terminal the run screen is drawn in.
const MIN_WIDTH: u16 = 50;
const MIN_HEIGHT: u16 = 12;

impl Widget for &RunApp {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = Theme { color: self.color };
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "The terminal is {}×{}: fixloop needs at least {MIN_WIDTH}×{MIN_HEIGHT}. \
                 Make it larger, or press Ctrl-C to stop (`fixloop resume` goes on later).",
                area.width, area.height
            );
            Paragraph::new(
                super::wrap(&text, usize::from(area.width.max(1)))
                    .into_iter()
                    .map(Line::raw)
                    .collect::<Vec<_>>(),
            )
            .render(area, buf);
            return;
        }
        let stepper = u16::from(area.width < STEPPER_BELOW);
        let [header, steps, body, status, footer] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(stepper),
            Constraint::Min(5),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        render_header(self, theme, header, buf);
        let main = if stepper == 1 {
            // Narrow: the phases on one line, the pane gets every column.
            render_stepper(self, theme, steps, buf);
            body
        } else {
            let [phases, main] = Layout::horizontal([
                Constraint::Length(phases_width(area.width)),
                Constraint::Min(20),
            ])
            .areas(body);
            render_phases(self, theme, phases, buf);
            main
        };
        if let Some(end) = self.view.finished.as_ref().filter(|_| !self.show_output) {
            summary::render(&self.view, end, self.summary_scroll, theme, main, buf);
        } else if let Some(cp) = self.pending().filter(|_| self.view.finished.is_none()) {
            checkpoint::render(self, cp, theme, main, buf);
        } else if let Some(phase) = self.manual_step {
            render_manual(self, theme, phase.as_str(), main, buf);
        } else {
            render_log(self, theme, main, buf);
        }
        render_status(self, theme, status, buf);
        render_footer(&self.keys(), theme, footer, buf);
        if self.mode == Mode::Help {
            render_help(theme, area, buf);
        }
        if let Mode::Refused(why) = &self.mode {
            super::message_popup(" Not offered here ", why, "Esc: back", theme, area, buf);
        }
        if let Mode::EditedPrompt { prompt, .. } = &self.mode {
            super::message_popup(
                " The edited prompt ",
                &checkpoint::edited_prompt(self, prompt),
                "Enter: start · e: edit again · Esc: drop the edit",
                theme,
                area,
                buf,
            );
        }
    }
}

fn render_header(app: &RunApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let v = &app.view;
    let elapsed = v.started_at.map_or(0, |start| {
        let end = if v.finished.is_some() {
            v.last_at.unwrap_or(app.now)
        } else {
            app.now
        };
        u64::try_from((end - start).num_milliseconds()).unwrap_or(0)
    });
    let spent = v
        .cost_usd()
        .map_or_else(|| "–".to_owned(), |c| format!("${c:.2}"));
    let cost = match &v.setup {
        Some(setup) => format!("{spent} of ${:.2}", setup.run_budget_usd()),
        None => spent,
    };
    let name = if v.name.is_empty() {
        "starting…"
    } else {
        v.name.as_str()
    };
    let waiting = v
        .phases
        .iter()
        .find(|p| p.waiting_since.is_some())
        .map(|p| format!(" · waiting for you {}", duration(p.waited_ms(app.now))))
        .unwrap_or_default();
    let first = Line::from(vec![
        Span::styled("fixloop ", theme.title()),
        Span::styled(name.to_owned(), theme.title()),
        Span::raw(format!(
            "  agent {} · cost {cost} · {}",
            v.agent.map_or("", AgentKind::as_str),
            duration(elapsed)
        )),
        Span::styled(waiting, theme.warn()),
    ]);
    let first = match &app.replay {
        Some(replay) => {
            let mut first = first;
            first.spans.insert(
                0,
                Span::styled(format!(" REPLAY · {} ", replay.position()), theme.key()),
            );
            first.spans.insert(1, Span::raw(" "));
            first
        }
        None => first,
    };
    let branch = v
        .fix
        .as_ref()
        .map_or_else(|| "no fix branch yet".to_owned(), |f| f.branch.clone());
    let second = Line::styled(
        // What a narrow terminal cuts is at the end: the repository, which the person knows.
        format!(
            "{branch} · run {} · repo {} (base {})",
            v.run_id, v.repo, v.base
        ),
        theme.dim(),
    );
    Paragraph::new(vec![first, second]).render(area, buf);
}

fn render_phases(app: &RunApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut lines = Vec::new();
    for p in &app.view.phases {
        let (mark, style) = match p.state {
            PhaseState::Pending => ("·", theme.dim()),
            PhaseState::Running => (spinner(app), theme.active()),
            PhaseState::Done(PhaseStatus::Passed) => ("✓", theme.good()),
            PhaseState::Done(PhaseStatus::Failed) => ("✗", theme.bad()),
            PhaseState::Done(PhaseStatus::Skipped) => ("–", theme.dim()),
        };
        let ms = p.own_ms(app.now);
        let attempts = if p.phase.is_ai() && p.starts > 1 {
            format!(" #{}", p.starts)
        } else {
            String::new()
        };
        let time = if p.state == PhaseState::Pending {
            String::new()
        } else {
            duration(ms)
        };
        let label = format!("{mark} {}{attempts}", p.phase);
        let width = usize::from(area.width.saturating_sub(2));
        let pad = width.saturating_sub(label.chars().count() + time.len());
        lines.push(Line::from(vec![
            Span::styled(label, style),
            Span::raw(" ".repeat(pad)),
            Span::styled(time, theme.dim()),
        ]));
    }
    let skipped = |p: &PhaseView| p.state == PhaseState::Done(PhaseStatus::Skipped);
    if app.view.phases.iter().any(skipped) && lines.len() + 4 <= usize::from(area.height) {
        lines.push(Line::raw(""));
        lines.push(Line::styled("– skipped  · to do", theme.dim()));
    }
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(" Phases "))
        .render(area, buf);
}

fn render_log(app: &RunApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let inner_height = usize::from(area.height.saturating_sub(2));
    // Narrow panes leave the phase to the title.
    let wide = area.width >= 100;
    let inner_width = area.width.saturating_sub(2).max(1);
    let total = app.log.lines.len();
    let end = total.saturating_sub(app.log.offset);
    let start = end.saturating_sub(inner_height);
    let mut lines: Vec<Line> = app
        .log
        .lines
        .range(start..end)
        .map(|(phase, line)| {
            let style = match line.kind {
                LineKind::Stderr | LineKind::Error => theme.bad(),
                LineKind::Tool => theme.active(),
                LineKind::Status | LineKind::Session => theme.dim(),
                LineKind::Stdout | LineKind::Text => Style::default(),
            };
            let mut l = ansi::line(&line.text, style, app.color);
            if wide {
                l.spans.insert(
                    0,
                    Span::styled(format!("{:>13} ", phase.as_str()), theme.dim()),
                );
            }
            l
        })
        .collect();
    let batch = app
        .view
        .batch
        .as_ref()
        .filter(|b| {
            Some(b.phase) == app.view.current
                && (b.of == 0 || b.done < b.of || app.view.finished.is_none())
        })
        .map(|b| format!(" · {}", b.progress()))
        .unwrap_or_default();
    // An AI step's time against its budget while it runs.
    let budget = app
        .view
        .current
        .filter(|p| p.is_ai() && app.view.finished.is_none())
        .and_then(|p| {
            let setup = app.view.setup.as_ref()?;
            let phase = app.view.phases.iter().find(|v| v.phase == p)?;
            (phase.state == PhaseState::Running).then(|| {
                format!(
                    " · {} of {}",
                    duration(phase.own_ms(app.now)),
                    duration(setup.ai_budget_secs * 1000)
                )
            })
        })
        .unwrap_or_default();
    let title = match app.view.current {
        Some(phase) => format!(" Output · {phase}{budget}{batch} "),
        None => " Output ".to_owned(),
    };
    let follow = if app.log.follow {
        "following".to_owned()
    } else {
        format!("{} lines up", app.log.offset)
    };
    let follow = if app.log.wrap {
        format!(" {follow} · wrapped ")
    } else {
        format!(" {follow} ")
    };
    let pane = if app.log.wrap {
        // Wrapped, the last lines may need more rows than the pane has: the oldest of them
        // are dropped, and the first one kept is scrolled to show its end.
        let rows = |line: &Line<'static>| {
            Paragraph::new(line.clone())
                .wrap(Wrap { trim: false })
                .line_count(inner_width)
        };
        let (mut used, mut keep) = (0, lines.len());
        while keep > 0 && used < inner_height {
            keep -= 1;
            used += rows(&lines[keep]);
        }
        lines.drain(..keep);
        let over = u16::try_from(used.saturating_sub(inner_height)).unwrap_or(u16::MAX);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((over, 0))
    } else {
        Paragraph::new(lines)
    };
    pane.block(
        Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_bottom(Line::styled(follow, theme.dim()).right_aligned()),
    )
    .render(area, buf);
}

fn render_manual(app: &RunApp, theme: Theme, phase: &str, area: Rect, buf: &mut Buffer) {
    let prompt = app
        .view
        .prompts
        .last()
        .map(|(_, _, path)| path.clone())
        .unwrap_or_default();
    let text = vec![
        Line::styled(
            format!("Your turn: do the {phase} step by hand."),
            theme.warn(),
        ),
        Line::raw(""),
        Line::raw(format!("Instructions: {prompt}")),
        Line::raw(format!("Failure folder: {}", app.view.failure_dir)),
        Line::raw(
            match app.view.current.and_then(|p| app.manual_worktree(p)) {
                Some(worktree) => format!("Work in: {worktree}"),
                None => "Work in: the repository's worktree fixloop made for the step".to_owned(),
            },
        ),
        Line::raw(""),
        Line::raw("Work in another terminal. Press Enter when you are done: fixloop then checks"),
        Line::raw("the result itself. Press x to give up the step."),
    ];
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Manual step "),
        )
        .render(area, buf);
}

fn render_status(app: &RunApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let line = if let Some(end) = &app.view.finished {
        let (mark, style) = match end.status {
            RunStatus::Success => ("✓", theme.good()),
            RunStatus::Partial => ("⚠", theme.warn()),
            RunStatus::Failed => ("✗", theme.bad()),
        };
        let report = app
            .view
            .report
            .as_ref()
            .map(|(md, _)| format!(" · report {md}"))
            .unwrap_or_default();
        Line::styled(
            format!(
                "{mark} {}: {} (exit {}){report}",
                end.status.as_str(),
                end.message,
                end.exit_code.code()
            ),
            style,
        )
    } else if let Mode::Search(text) = &app.mode {
        Line::styled(format!("/{}▏", text.text()), theme.active())
    } else if let Some(notice) = &app.notice {
        Line::styled(notice.clone(), theme.warn())
    } else {
        Line::raw("")
    };
    Paragraph::new(line).render(area, buf);
}

/// The keys that work now, as `key label` chips. When they do not all fit, the least
/// important go first (the bar lists them most important first), but the first key and `? help`
/// always stay: the help lists every key.
pub(crate) fn render_footer(keys: &[(&str, &str)], theme: Theme, area: Rect, buf: &mut Buffer) {
    let chip = |(key, label): &(&str, &str)| key.width() + label.width() + 5;
    // The last chip's two trailing spaces may fall off the edge.
    let fits = |keys: &[(&str, &str)], extra: usize| {
        keys.iter().map(chip).sum::<usize>() + extra <= usize::from(area.width) + 2
    };
    let mut shown: Vec<(&str, &str)> = keys.to_vec();
    let has_help = keys.iter().any(|(k, _)| *k == "?");
    let mut dropped = false;
    while !fits(&shown, 0) && shown.len() > 1 {
        let Some(last) = shown.iter().rposition(|(k, _)| *k != "?") else {
            break;
        };
        if last == 0 {
            break;
        }
        shown.remove(last);
        dropped = true;
    }
    if dropped && has_help && !shown.iter().any(|(k, _)| *k == "?") {
        // Room for help, at the cost of another key if need be.
        while shown.len() > 1 && !fits(&shown, chip(&("?", "help"))) {
            shown.pop();
        }
        shown.push(("?", "help"));
    }
    let mut spans = Vec::new();
    for (key, label) in &shown {
        spans.push(Span::styled(format!(" {key} "), theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

fn render_help(theme: Theme, area: Rect, buf: &mut Buffer) {
    let rows = [
        ("j/k ↑/↓", "scroll one line"),
        ("PgUp/PgDn", "scroll a page"),
        ("g/G", "top / bottom (follow)"),
        ("f", "follow the output on/off"),
        ("w", "wrap long output lines on/off"),
        ("a / Enter", "start the step (before it)"),
        ("a", "approve the step (after it)"),
        ("P", "push the fix branch"),
        ("r", "revise: send feedback, the agent resumes"),
        ("e", "edit the prompt in $EDITOR"),
        ("m", "do the step by hand"),
        ("o", "edit the step's files, then recheck"),
        ("x", "abort the run"),
        (
            "Ctrl-C",
            "stop the run; `fixloop resume RUN_ID` goes on from there",
        ),
        (
            "/ n N",
            "search the output or the checkpoint; next, previous match",
        ),
        ("q / Esc", "quit when the run is over"),
    ];
    super::help_popup(&rows, theme, area, buf);
}
