//! Checkpoint screens: before an AI step (the prompt), after it (what was produced and
//! fixloop's own check, findings first), and before the push (the final change).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::Theme;
use crate::core::event::{CheckpointKind, Phase, TestRuns};
use crate::core::view::CheckpointView;
use crate::ui::tui::ansi;
use crate::ui::tui::app::{Mode, RunApp};

pub fn render(app: &RunApp, cp: &CheckpointView, theme: Theme, area: Rect, buf: &mut Buffer) {
    let (title, lines) = match &cp.kind {
        CheckpointKind::BeforeStep {
            phase,
            attempt,
            prompt,
        } => (
            format!(
                " Checkpoint {} · before {phase} · attempt {attempt}/{} ",
                cp.id,
                app.max_attempts()
            ),
            before_step(*phase, prompt, theme),
        ),
        CheckpointKind::AfterStep {
            phase,
            attempt,
            verified,
            summary,
            findings,
            ..
        } => (
            format!(
                " Checkpoint {} · after {phase} · attempt {attempt}/{} ",
                cp.id,
                app.max_attempts()
            ),
            after_step(app, *phase, *verified, summary, findings, theme),
        ),
        CheckpointKind::BeforePush {
            branch,
            title,
            diffstat,
        } => (
            format!(" Checkpoint {} · before push ", cp.id),
            before_push(app, branch, title, diffstat, theme),
        ),
    };
    let (detail, input) = match &app.mode {
        Mode::Feedback(_) | Mode::ConfirmAbort | Mode::ManualBefore => {
            let [d, i] = Layout::vertical([Constraint::Min(3), Constraint::Length(7)]).areas(area);
            (d, Some(i))
        }
        _ => (area, None),
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, theme.title())),
        )
        .render(detail, buf);
    if let Some(input) = input {
        render_input(app, theme, input, buf);
    }
}

fn before_step(phase: Phase, prompt: &str, theme: Theme) -> Vec<Line<'static>> {
    let what = if phase == Phase::Fix {
        "The agent will implement the fix on the fix branch, with this prompt:"
    } else {
        "The agent will write a reproduction of the failure, with this prompt:"
    };
    let mut lines = vec![Line::styled(what, theme.title()), Line::raw("")];
    lines.extend(prompt.lines().map(|l| Line::raw(l.to_owned())));
    lines
}

fn runs_line(label: &str, runs: &TestRuns, theme: Theme, want_failures: bool) -> Line<'static> {
    let good = if want_failures {
        runs.failures == runs.runs && runs.runs > 0
    } else {
        runs.failures == 0 && runs.runs > 0
    };
    Line::from(vec![
        Span::raw(format!("{label}: ")),
        Span::styled(
            format!("{} failed of {} runs", runs.failures, runs.runs),
            if good { theme.good() } else { theme.bad() },
        ),
        Span::styled(format!("  `{}`", runs.command), theme.dim()),
    ])
}

fn output_block(out: &mut Vec<Line<'static>>, output: &str, app: &RunApp, theme: Theme) {
    if output.trim().is_empty() {
        return;
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Output:", theme.dim()));
    for l in output.lines() {
        out.push(ansi::line(l, Style::default(), app.color));
    }
}

fn after_step(
    app: &RunApp,
    phase: Phase,
    verified: bool,
    summary: &str,
    findings: &[String],
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(
            if verified {
                "✓ verified"
            } else {
                "✗ not verified"
            },
            if verified { theme.good() } else { theme.bad() },
        ),
        Span::raw(format!(" — {summary}")),
    ])];
    for finding in findings {
        lines.push(Line::styled(format!("⚠ {finding}"), theme.warn()));
    }
    lines.push(Line::raw(""));
    if phase == Phase::Fix {
        if let Some(v) = app.view.verification() {
            lines.push(runs_line("With the fix", &v.passes, theme, false));
            if let Some(c) = &v.outside_check {
                lines.push(runs_line("Outside the test runner", c, theme, false));
            }
            if let Some(t) = &v.post_fix {
                lines.push(runs_line(
                    "Tests written after the fix",
                    &t.on_fix,
                    theme,
                    false,
                ));
                lines.push(runs_line("  …on the base", &t.on_base, theme, true));
            }
            if let Some(r) = &v.revert_check {
                lines.push(runs_line("Without the fix (revert check)", r, theme, true));
            }
            if let Some(s) = &v.suite {
                lines.push(runs_line("Test suite", s, theme, false));
            }
            for note in &v.notes {
                lines.push(Line::styled(format!("· {note}"), theme.dim()));
            }
            if v.passes.failures > 0 {
                output_block(&mut lines, &v.passes.output, app, theme);
            } else if let Some(c) = v.outside_check.as_ref().filter(|c| c.failures > 0) {
                output_block(&mut lines, &c.output, app, theme);
            } else if let Some(t) = v.post_fix.as_ref().filter(|t| t.on_fix.failures > 0) {
                output_block(&mut lines, &t.on_fix.output, app, theme);
            }
            lines.push(Line::raw(""));
            lines.extend(
                v.diffstat
                    .lines()
                    .map(|l| Line::styled(l.to_owned(), theme.dim())),
            );
            diff_lines(&mut lines, &v.diff, theme);
        }
    } else if let Some(r) = app.view.reproduction() {
        lines.push(runs_line("Reproduction", &r.runs, theme, true));
        lines.push(Line::raw(format!(
            "Failure folder: {}",
            app.view.failure_dir
        )));
        for (dest, text) in &r.files {
            lines.push(Line::raw(""));
            lines.push(Line::styled(format!("── {dest}"), theme.title()));
            lines.extend(text.lines().map(|l| Line::raw(l.replace('\t', "    "))));
        }
        if let Some((_, notes)) = app.view.notes.iter().find(|(p, _)| *p == Phase::Reproduce) {
            lines.push(Line::raw(""));
            lines.extend(notes.lines().map(|l| Line::raw(l.to_owned())));
        }
        output_block(&mut lines, &r.runs.output, app, theme);
    }
    lines
}

fn before_push(
    app: &RunApp,
    branch: &str,
    title: &str,
    files: &str,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::raw("Push "),
            Span::styled(branch.to_owned(), theme.title()),
            Span::raw(format!(" with the commit “{title}”")),
        ]),
        Line::raw(""),
        Line::styled("Files:", theme.dim()),
    ];
    lines.extend(files.lines().map(|f| Line::raw(format!("  {f}"))));
    if let Some(v) = app.view.verification() {
        lines.push(Line::raw(""));
        diff_lines(&mut lines, &v.diff, theme);
    }
    lines
}

fn diff_lines(out: &mut Vec<Line<'static>>, diff: &str, theme: Theme) {
    for l in diff.lines() {
        let style = if l.starts_with("+++") || l.starts_with("---") || l.starts_with("diff ") {
            theme.title()
        } else if l.starts_with('+') {
            theme.good()
        } else if l.starts_with('-') {
            theme.bad()
        } else if l.starts_with("@@") {
            theme.dim()
        } else {
            Style::default()
        };
        out.push(Line::styled(l.replace('\t', "    "), style));
    }
}

fn render_input(app: &RunApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let (title, lines, cursor) = match &app.mode {
        Mode::Feedback(text) => (
            " Feedback for the agent ",
            text.lines.iter().map(|l| Line::raw(l.clone())).collect(),
            Some(text.cursor),
        ),
        Mode::ConfirmAbort => (
            " Abort? ",
            vec![Line::styled(
                "Abort the run here? The report is still written. y to abort, any other key to go back.",
                theme.warn(),
            )],
            None,
        ),
        _ => (
            " Do it by hand ",
            vec![
                Line::raw("Do this step yourself in another terminal, following the prompt above."),
                Line::raw(
                    "Press Enter when done: fixloop checks the result itself. Esc goes back.",
                ),
            ],
            None,
        ),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
    if let Some((row, col)) = cursor {
        let x = inner.x + u16::try_from(col).unwrap_or(0);
        let y = inner.y + u16::try_from(row).unwrap_or(0);
        if x < inner.right()
            && y < inner.bottom()
            && let Some(cell) = buf.cell_mut(Position::new(x, y))
        {
            cell.set_style(theme.key());
            if cell.symbol().trim().is_empty() {
                cell.set_symbol("▏");
            }
        }
    }
}
