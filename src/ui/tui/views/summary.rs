//! The end of a run: what a person needs once it is over — the verdict and its whole message,
//! what went wrong and what to do about it, the counts behind the verdict, what was pushed
//! where, the report and the run id, and the next commands — in place of the last test's output.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::{Theme, wrap};
use crate::core::event::{RunStatus, TestRuns};
use crate::core::exit::ExitCode;
use crate::core::report::next_steps;
use crate::core::view::{Conclusion, RunView};

/// The summary's lines, wrapped to `width` columns with each item's continuation indented
/// under its text.
pub(crate) fn lines(
    view: &RunView,
    end: &Conclusion,
    theme: Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut out = Lines {
        width: width.max(20),
        lines: Vec::new(),
    };
    let (mark, style) = match end.status {
        RunStatus::Success => ("✓", theme.good()),
        RunStatus::Partial => ("⚠", theme.warn()),
        RunStatus::Failed => ("✗", theme.bad()),
    };
    out.text(
        "",
        &format!(
            "{mark} {}: {} (exit {})",
            end.status.as_str(),
            end.message,
            end.exit_code.code()
        ),
        style,
    );
    if end.status != RunStatus::Success
        && let Some(failed) = view.failures.last()
        && (!end.message.contains(&failed.message) || !failed.hints.is_empty())
    {
        out.blank();
        out.text(
            "",
            &format!("What stopped it ({}):", failed.phase.as_str()),
            theme.title(),
        );
        if !end.message.contains(&failed.message) {
            out.text("  ", &failed.message, Style::default());
        }
        for hint in &failed.hints {
            out.text("  hint: ", hint, Style::default());
        }
    }
    out.blank();
    out.field("run", &view.run_id, theme);
    if let Some(r) = view.reproduction() {
        let said = if r.reproduced {
            format!("fails like CI: {}", counts(&r.runs))
        } else {
            format!("did not fail like CI: {}", counts(&r.runs))
        };
        out.field(
            "reproduction",
            &format!("{said} (attempt {})", r.attempt),
            theme,
        );
    }
    verification(&mut out, view, theme);
    if let Some((branch, remote, commit)) = &view.pushed {
        out.field(
            "pushed",
            &format!("{branch} to {remote} ({})", &commit[..commit.len().min(12)]),
            theme,
        );
    } else if let Some(fix) = &view.fix
        && fix.commit.is_some()
    {
        out.field("fix branch", &format!("{} (not pushed)", fix.branch), theme);
    }
    if let Some((url, _)) = &view.pr {
        out.field("pull request", url, theme);
    }
    if let Some((md, _)) = &view.report {
        out.field("report", md, theme);
    }
    out.blank();
    out.text("", "Next:", theme.title());
    for step in next_steps(view, end) {
        out.text("  • ", &step, Style::default());
    }
    for command in commands(view, end) {
        // At the margin: a command is copied whole, so it gets every column there is.
        out.text("$ ", &command, Style::default());
    }
    out.lines
}

/// What verified the fix, or did not.
fn verification(out: &mut Lines, view: &RunView, theme: Theme) {
    let Some(v) = view.verification() else {
        return;
    };
    let mut said = vec![format!("the test {}", passes(&v.passes))];
    if let Some(revert) = &v.revert_check {
        said.push(if revert.failures == revert.runs && revert.runs > 0 {
            "fails again without the fix".to_owned()
        } else {
            format!("without the fix {}", counts(revert))
        });
    }
    if let Some(suite) = &v.suite {
        said.push(format!("suite {}", passes(suite)));
    }
    let verdict = if v.verified {
        "verified"
    } else {
        "not verified"
    };
    out.field(
        "fix",
        &format!("{verdict} (attempt {}): {}", v.attempt, said.join(", ")),
        theme,
    );
    for finding in &v.findings {
        out.field("", &format!("finding: {finding}"), theme);
    }
}

/// Lines being wrapped to a width.
struct Lines {
    width: usize,
    lines: Vec<Line<'static>>,
}

impl Lines {
    fn blank(&mut self) {
        self.lines.push(Line::raw(""));
    }

    /// `text` after `lead`, wrapped at spaces (a word longer than a line is cut), the lines
    /// after the first indented as far as the text starts.
    fn text(&mut self, lead: &str, text: &str, style: Style) {
        let indent = lead.width();
        let room = self.width.saturating_sub(indent).max(10);
        for (i, row) in wrap(text, room).into_iter().enumerate() {
            let lead = if i == 0 {
                lead.to_owned()
            } else {
                " ".repeat(indent)
            };
            self.lines
                .push(Line::from(vec![Span::raw(lead), Span::styled(row, style)]));
        }
    }

    /// `name` in a column, then its value.
    fn field(&mut self, name: &str, value: &str, theme: Theme) {
        let before = self.lines.len();
        self.text(&format!("{name:<14}"), value, Style::default());
        if let Some(first) = self.lines.get_mut(before)
            && let Some(lead) = first.spans.first_mut()
        {
            lead.style = theme.dim();
        }
    }
}

/// The commands that go on from here, with this run's id.
fn commands(view: &RunView, end: &Conclusion) -> Vec<String> {
    let id = &view.run_id;
    let mut commands = Vec::new();
    let resumable = matches!(
        end.exit_code,
        ExitCode::Partial | ExitCode::Interrupted | ExitCode::Unavailable | ExitCode::Io
    );
    if resumable && !id.is_empty() {
        commands.push(format!("fixloop resume {id}"));
    }
    if !id.is_empty() {
        commands.push(format!("fixloop reports show {id}"));
        if view.fix.is_some() || view.scratch.is_some() {
            commands.push(format!("fixloop clean {id}"));
        }
    }
    commands
}

fn counts(runs: &TestRuns) -> String {
    format!("{} of {} runs failed", runs.failures, runs.runs)
}

fn passes(runs: &TestRuns) -> String {
    if runs.failures == 0 {
        format!("passed {} of {} runs", runs.runs, runs.runs)
    } else {
        format!("failed {} of {} runs", runs.failures, runs.runs)
    }
}

/// Draws the summary in `area`, from line `scroll` on.
pub(crate) fn render(
    view: &RunView,
    end: &Conclusion,
    scroll: u16,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = usize::from(area.width.saturating_sub(2));
    Paragraph::new(lines(view, end, theme, width))
        .scroll((scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Summary ")
                .title_bottom(Line::styled(" o: the output ", theme.dim()).right_aligned()),
        )
        .render(area, buf);
}
