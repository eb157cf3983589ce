//! The past-run browser: the table of runs, a report, a replay, and the statistics drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row as TableRow, Sparkline, Table,
    Widget, Wrap,
};

use super::run::render_footer;
use super::{Theme, duration};
use crate::core::history::Stats;
use crate::ui::tui::browser::{BrowserApp, Screen};

impl Widget for &BrowserApp {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = Theme { color: self.color };
        if let Screen::Replay(app) = &self.screen {
            // The run screen has its own key bar: one bar, the replay's.
            app.as_ref().render(area, buf);
            return;
        }
        let [body, footer] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        match &self.screen {
            Screen::List => render_list(self, theme, body, buf),
            Screen::Report {
                title,
                lines,
                scroll,
            } => render_report(title, lines, *scroll, theme, body, buf),
            Screen::Replay(_) => {}
            Screen::Stats => render_stats(self, theme, body, buf),
        }
        render_footer(&self.keys(), theme, footer, buf);
        if self.help {
            render_help(theme, area, buf);
        }
    }
}

fn status_style(status: &str, theme: Theme) -> Style {
    match status {
        "success" => theme.good(),
        "partial" => theme.warn(),
        _ => theme.bad(),
    }
}

fn render_list(app: &BrowserApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let shown = app.visible();
    let arrow = if app.descending { "↓" } else { "↑" };
    let mut title = vec![
        Span::styled(" fixloop reports ", theme.title()),
        Span::raw(format!(
            "· {} runs, {} shown · sort {} {arrow} ",
            app.rows.len(),
            shown.len(),
            app.sort.label()
        )),
    ];
    if app.editing_filter || !app.filter.is_empty() {
        title.push(Span::styled(
            format!(
                "· filter /{}{} ",
                app.filter,
                if app.editing_filter { "▏" } else { "" }
            ),
            theme.warn(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    if shown.is_empty() {
        let message = if app.rows.is_empty() {
            format!(
                "No runs yet in {}.\n\nStart one with `fixloop run` (or try `fixloop demo`); each run \
                 writes its report there.",
                app.outputs
            )
        } else {
            format!("No run matches “{}”. Esc clears the filter.", app.filter)
        };
        Paragraph::new(message)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(area, buf);
        return;
    }
    let inner_height = usize::from(area.height.saturating_sub(3)).max(1);
    let first = app.selected.saturating_sub(inner_height - 1);
    let wide = area.width >= 120;
    let rows: Vec<TableRow> = shown
        .iter()
        .enumerate()
        .skip(first)
        .take(inner_height)
        .map(|(pos, &i)| {
            let r = &app.rows[i];
            let cost = r
                .cost_usd
                .map_or_else(|| "–".into(), |c| format!("${c:.2}"));
            let mut cells = vec![
                Cell::from(r.run_id.clone()),
                Cell::from(r.kind()),
                Cell::from(Span::styled(
                    r.status.clone(),
                    status_style(&r.status, theme),
                )),
                Cell::from(duration(r.duration_ms)),
                Cell::from(cost),
            ];
            if wide {
                cells.push(Cell::from(r.pr.clone().unwrap_or_else(|| "–".into())));
            }
            let row = TableRow::new(cells);
            if pos == app.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Min(20),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let mut header = vec!["run", "kind", "status", "time", "cost"];
    if wide {
        widths.push(Constraint::Min(20));
        header.push("PR");
    }
    Table::new(rows, widths)
        .header(TableRow::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
        .block(block)
        .render(area, buf);
}

fn render_report(
    title: &str,
    lines: &[String],
    scroll: u16,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut in_code = false;
    let styled: Vec<Line> = lines
        .iter()
        .map(|l| {
            if l.starts_with("```") {
                in_code = !in_code;
                return Line::styled(l.clone(), theme.dim());
            }
            if in_code {
                let style = if l.starts_with('+') && !l.starts_with("+++") {
                    theme.good()
                } else if l.starts_with('-') && !l.starts_with("---") {
                    theme.bad()
                } else {
                    theme.dim()
                };
                return Line::styled(l.clone(), style);
            }
            if l.starts_with('#') {
                Line::styled(l.trim_start_matches('#').trim().to_owned(), theme.title())
            } else if l.starts_with('|') {
                Line::styled(l.clone(), theme.dim())
            } else {
                Line::raw(l.clone())
            }
        })
        .collect();
    Paragraph::new(styled)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} ")),
        )
        .render(area, buf);
}

fn render_stats(app: &BrowserApp, theme: Theme, area: Rect, buf: &mut Buffer) {
    let s = &app.stats;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" fixloop stats ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    if s.runs == 0 {
        Paragraph::new(format!("No runs yet in {}.", app.outputs)).render(inner, buf);
        return;
    }
    let [summary, charts, lists] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Percentage(55),
        Constraint::Min(3),
    ])
    .areas(inner);
    render_summary(s, theme, summary, buf);
    let [by_day, cost] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(charts);
    render_fixes_by_day(s, theme, by_day, buf);
    render_cost_per_run(s, theme, cost, buf);
    let [kinds, flaky] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lists);
    render_counts(
        &s.failure_kinds,
        "no failed runs",
        " how runs failed ",
        theme,
        kinds,
        buf,
    );
    render_counts(
        &s.flaky_tests,
        "no flaky tests recorded",
        " flaky tests ",
        theme,
        flaky,
        buf,
    );
}

fn render_summary(s: &Stats, theme: Theme, area: Rect, buf: &mut Buffer) {
    let rate = s.success_rate.unwrap_or(0.0) * 100.0;
    Paragraph::new(vec![Line::from(vec![
        Span::raw(format!("{} runs · ", s.runs)),
        Span::styled(format!("{rate:.0} % verified fixes"), theme.good()),
        Span::raw(format!(
            " · median time to a verified fix {} · total cost ${:.2}",
            s.median_success_ms.map_or_else(|| "–".into(), duration),
            s.total_cost_usd
        )),
    ])])
    .wrap(Wrap { trim: true })
    .render(area, buf);
}

fn render_fixes_by_day(s: &Stats, theme: Theme, area: Rect, buf: &mut Buffer) {
    // The most recent days that fit, each bar 5 wide with a gap of 1.
    let fit = usize::from(area.width.saturating_sub(2)) / 6;
    let bars: Vec<Bar> = s.by_day[s.by_day.len().saturating_sub(fit)..]
        .iter()
        .map(|(day, runs, ok)| {
            let pct = u64::try_from(ok * 100 / (*runs).max(1)).unwrap_or(0);
            Bar::default()
                .value(pct)
                .label(Line::raw(day.chars().skip(5).collect::<String>()))
                .text_value(format!("{pct}%"))
        })
        .collect();
    BarChart::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" verified fixes per day (%) "),
        )
        .data(BarGroup::default().bars(&bars))
        .bar_width(5)
        .bar_gap(1)
        .max(100)
        .bar_style(theme.good())
        .render(area, buf);
}

fn render_cost_per_run(s: &Stats, theme: Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" cost per run (cents) ");
    if s.runs_with_cost == 0 {
        // Runs of a command or manual agent report no cost: an empty chart would say nothing.
        Paragraph::new(Line::styled("no cost recorded", theme.dim()))
            .block(block)
            .render(area, buf);
        return;
    }
    let cents: Vec<u64> = s
        .cost_per_run
        .iter()
        .map(|c| {
            let cents = (c * 100.0).round();
            if cents.is_finite() && cents > 0.0 {
                format!("{cents:.0}").parse().unwrap_or(0)
            } else {
                0
            }
        })
        .collect();
    // The most recent runs that fit, one column each.
    let width = usize::from(area.width.saturating_sub(2));
    let recent = &cents[cents.len().saturating_sub(width)..];
    Sparkline::default()
        .block(block)
        .data(recent)
        .style(theme.active())
        .render(area, buf);
}

/// A titled list of (name, count), or a dimmed note when it is empty.
fn render_counts(
    items: &[(String, usize)],
    empty: &str,
    title: &str,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let lines = if items.is_empty() {
        vec![Line::styled(empty.to_owned(), theme.dim())]
    } else {
        items
            .iter()
            .map(|(k, n)| Line::raw(format!("{n:>4}  {k}")))
            .collect()
    };
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(title))
        .render(area, buf);
}

fn render_help(theme: Theme, area: Rect, buf: &mut Buffer) {
    let rows = [
        ("j/k ↑/↓", "move"),
        ("PgUp/PgDn", "a page"),
        ("g/G", "first / last"),
        ("/", "filter (words match name, status, kind, date, tests)"),
        ("s / S", "next sort column / reverse order"),
        ("Enter", "open the report"),
        ("r", "replay the run from its journal"),
        ("t", "statistics"),
        ("q / Esc", "back or quit"),
    ];
    super::help_popup(&rows, theme, area, buf);
}
