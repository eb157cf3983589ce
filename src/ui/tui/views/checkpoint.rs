//! Checkpoint screens: before an AI step (the prompt), after it (what was produced and
//! fixloop's own check, findings first), and before the push (the final change).

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::Theme;
use crate::core::event::{CheckpointKind, Phase, TestRuns};
use crate::core::excerpt::is_error_line;
use crate::core::view::CheckpointView;
use crate::ui::tui::ansi;
use crate::ui::tui::app::{Mode, RunApp};

/// A checkpoint's title and its lines (before wrapping).
pub(crate) fn content(
    app: &RunApp,
    cp: &CheckpointView,
    theme: Theme,
) -> (String, Vec<Line<'static>>) {
    match &cp.kind {
        CheckpointKind::BeforeStep {
            phase,
            attempt,
            prompt,
        } => (
            format!(
                " Checkpoint {} · before {phase} · attempt {attempt} ",
                cp.id
            ),
            before_step(app, *phase, *attempt, prompt, theme),
        ),
        CheckpointKind::AfterStep {
            phase,
            attempt,
            verified,
            summary,
            findings,
            left,
            ..
        } => (
            format!(
                " Checkpoint {} · after {phase} · attempt {attempt}{} ",
                cp.id,
                left.map_or_else(String::new, |l| format!(
                    " · {}",
                    revisions_left(l.revisions)
                ))
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
    }
}

/// How far the checkpoint's text can scroll in a pane `width` × `height` (borders included):
/// its wrapped length less what the pane shows, so scrolling stops at its end.
pub(crate) fn scroll_max(app: &RunApp, cp: &CheckpointView, width: u16, height: u16) -> u16 {
    let (_, lines) = content(app, cp, Theme { color: false });
    let wrapped = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .line_count(width.saturating_sub(2));
    let wrapped = u16::try_from(wrapped).unwrap_or(u16::MAX);
    wrapped.saturating_sub(height.saturating_sub(2))
}

/// The wrapped rows (as scroll offsets) where the checkpoint's text has `needle` (lower case),
/// in a pane `width` wide.
pub(crate) fn match_rows(app: &RunApp, cp: &CheckpointView, needle: &str, width: u16) -> Vec<u16> {
    let (_, lines) = content(app, cp, Theme { color: false });
    let inner = width.saturating_sub(2);
    let mut rows = Vec::new();
    let mut before = 0usize;
    for line in &lines {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        if text.to_lowercase().contains(needle) {
            rows.push(u16::try_from(before).unwrap_or(u16::MAX));
        }
        before += Paragraph::new(line.clone())
            .wrap(Wrap { trim: false })
            .line_count(inner);
    }
    rows
}

pub fn render(app: &RunApp, cp: &CheckpointView, theme: Theme, area: Rect, buf: &mut Buffer) {
    let (title, lines) = content(app, cp, theme);
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

/// Before an AI step, what the person decides on comes first: what they asked, the failing
/// tests and the first error, the failure folder and the attempt; then the prompt the agent
/// gets, as text.
fn before_step(
    app: &RunApp,
    phase: Phase,
    attempt: u32,
    prompt: &str,
    theme: Theme,
) -> Vec<Line<'static>> {
    let what = if phase == Phase::Fix {
        "The agent will implement the fix on the fix branch"
    } else {
        "The agent will write a reproduction of the failure"
    };
    let mut lines = vec![
        Line::styled(format!("{what} (attempt {attempt})."), theme.title()),
        Line::raw(""),
    ];
    let view = &app.view;
    if let Some(info) = &view.info {
        lines.push(Line::styled("What you asked:", theme.title()));
        lines.extend(
            reflow(&info.prompt)
                .into_iter()
                .map(|l| Line::raw(format!("  {l}"))),
        );
        lines.push(Line::raw(""));
    }
    if let Some(logs) = &view.logs {
        if !logs.failing_tests.is_empty() {
            lines.push(Line::styled("Failing in CI:", theme.title()));
            for id in logs.failing_tests.iter().take(5) {
                lines.push(Line::raw(format!("  • {id}")));
            }
            if logs.failing_tests.len() > 5 {
                lines.push(Line::styled(
                    format!("  … and {} more", logs.failing_tests.len() - 5),
                    theme.dim(),
                ));
            }
        }
        if !logs.memory.seen_before.is_empty() {
            lines.push(Line::styled("Seen before:", theme.title()));
            for seen in &logs.memory.seen_before {
                lines.push(Line::raw(format!("  • {seen}")));
            }
        }
        if let Some(error) = logs
            .excerpt
            .lines()
            .map(str::trim)
            .find(|l| is_error_line(l) && !l.starts_with("error: Process completed"))
        {
            lines.push(Line::from(vec![
                Span::styled("First error: ", theme.title()),
                Span::raw(error.to_owned()),
            ]));
        }
        lines.push(Line::raw(""));
    }
    if !view.failure_dir.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("Failure folder: ", theme.dim()),
            Span::raw(view.failure_dir.clone()),
        ]));
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        format!(
            "── The prompt the agent gets ({} lines; e edits it) ──",
            prompt.lines().count()
        ),
        theme.dim(),
    ));
    lines.extend(markdown(prompt, theme));
    lines
}

/// Markdown as text: headings in the title style without their `#`, emphasis marks gone,
/// paragraphs hard-wrapped in the file joined so they wrap once, to the pane; lists, quotes and
/// code blocks kept line by line.
fn markdown(text: &str, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut in_code = false;
    for line in reflow_markdown(text, &mut in_code) {
        match line {
            Md::Heading(h) => lines.push(Line::styled(h, theme.title())),
            Md::Code(c) => lines.push(Line::styled(c, theme.dim())),
            Md::Text(t) => lines.push(Line::raw(t)),
        }
    }
    lines
}

enum Md {
    Heading(String),
    Code(String),
    Text(String),
}

fn reflow_markdown(text: &str, in_code: &mut bool) -> Vec<Md> {
    let mut out: Vec<Md> = Vec::new();
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, out: &mut Vec<Md>| {
        if !paragraph.is_empty() {
            out.push(Md::Text(plain(&std::mem::take(paragraph))));
        }
    };
    for raw in text.lines() {
        let t = raw.trim_end();
        if t.trim_start().starts_with("```") {
            flush(&mut paragraph, &mut out);
            *in_code = !*in_code;
            continue;
        }
        if *in_code {
            out.push(Md::Code(format!("  {t}")));
            continue;
        }
        let trimmed = t.trim_start();
        if let Some(heading) = trimmed.strip_prefix('#') {
            flush(&mut paragraph, &mut out);
            out.push(Md::Heading(plain(heading.trim_start_matches('#').trim())));
            continue;
        }
        let starts_item = trimmed.starts_with("- ")
            || trimmed.starts_with("* ")
            || trimmed.starts_with("> ")
            || trimmed
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut out);
            out.push(Md::Text(String::new()));
        } else if starts_item {
            flush(&mut paragraph, &mut out);
            paragraph.push_str(t);
        } else if paragraph.is_empty() {
            paragraph.push_str(t);
        } else {
            paragraph.push(' ');
            paragraph.push_str(trimmed);
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

/// A line without markdown's emphasis marks.
fn plain(text: &str) -> String {
    text.replace("**", "").replace("__", "")
}

/// Text hard-wrapped in a file, as paragraphs (one line each) that wrap once to the pane.
fn reflow(text: &str) -> Vec<String> {
    let mut in_code = false;
    reflow_markdown(text, &mut in_code)
        .into_iter()
        .map(|m| match m {
            Md::Heading(s) | Md::Code(s) | Md::Text(s) => s,
        })
        .collect()
}

fn runs_line(label: &str, runs: &TestRuns, theme: Theme, want_failures: bool) -> Line<'static> {
    let good = if want_failures {
        runs.failures == runs.runs && runs.runs > 0
    } else {
        runs.failures == 0 && runs.runs > 0
    };
    let tally = match (runs.runs, runs.failures) {
        (0, _) => "not run".to_owned(),
        (1, 1) => "failed its one run".to_owned(),
        (1, _) => "passed its one run".to_owned(),
        (n, f) => format!("{f} failed of {n} runs"),
    };
    let mut line = Line::from(vec![
        Span::raw(format!("{label}: ")),
        Span::styled(tally, if good { theme.good() } else { theme.bad() }),
    ]);
    if !runs.command.trim().is_empty() {
        line.push_span(Span::styled(format!("  `{}`", runs.command), theme.dim()));
    }
    line
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
        _ => {
            let phase = app.pending().and_then(|cp| match &cp.kind {
                CheckpointKind::BeforeStep { phase, .. } => Some(*phase),
                _ => None,
            });
            let place = match phase.and_then(|p| app.manual_worktree(p)) {
                Some(worktree) => format!("Work in {worktree}."),
                None => "fixloop makes the worktree to work in as the step starts, and shows it \
                         then."
                    .to_owned(),
            };
            (
                " Do it by hand ",
                vec![
                    Line::raw(
                        "Do this step yourself in another terminal, following the prompt above.",
                    ),
                    Line::raw(place),
                    Line::raw(
                        "Press Enter when done: fixloop checks the result itself. Esc goes back.",
                    ),
                ],
                None,
            )
        }
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

/// What the person changed in the prompt, for a look before the step starts with it.
pub(crate) fn edited_prompt(app: &RunApp, edited: &str) -> String {
    let composed = app
        .pending()
        .and_then(|cp| match &cp.kind {
            CheckpointKind::BeforeStep { prompt, .. } => Some(prompt.as_str()),
            _ => None,
        })
        .unwrap_or_default();
    let before: std::collections::HashSet<&str> = composed.lines().collect();
    let after: std::collections::HashSet<&str> = edited.lines().collect();
    let added: Vec<&str> = edited
        .lines()
        .filter(|l| !before.contains(l) && !l.trim().is_empty())
        .collect();
    let removed = composed
        .lines()
        .filter(|l| !after.contains(l) && !l.trim().is_empty())
        .count();
    let mut text = format!(
        "The step starts with the prompt as you left it: {} line(s) added or changed, {removed} \
         removed.",
        added.len()
    );
    for line in added.iter().take(6) {
        let _ = write!(text, "\n+ {line}");
    }
    if added.len() > 6 {
        let _ = write!(text, "\n… and {} more", added.len() - 6);
    }
    text
}

/// "2 revisions left", "1 revision left", "no revisions left".
pub(crate) fn revisions_left(n: u32) -> String {
    match n {
        0 => "no revisions left".into(),
        1 => "1 revision left".into(),
        n => format!("{n} revisions left"),
    }
}

#[cfg(test)]
mod tests {
    use super::reflow;

    #[test]
    fn markdown_reads_as_text_and_paragraphs_wrap_once() {
        let md = "# Reproduce\n\nWrite the **smallest test** that\nfails the same way.\n\n- one\n- two\n```\ncode  kept\n```\n1. first\n";
        assert_eq!(
            reflow(md),
            [
                "Reproduce",
                "",
                "Write the smallest test that fails the same way.",
                "",
                "- one",
                "- two",
                "  code  kept",
                "1. first"
            ]
        );
    }
}
