//! Past runs: one row per report, filtering and sorting for the browser, and the statistics of
//! `fixloop stats`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// One past run, from its report JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub run_id: String,
    pub name: String,
    /// RFC 3339.
    pub started_at: String,
    pub deterministic: Option<bool>,
    pub status: String,
    pub exit_code: Option<i64>,
    /// How the run ended, in its own words (`stopped for review: …`).
    pub message: String,
    pub duration_ms: u64,
    pub cost_usd: Option<f64>,
    pub pr: Option<String>,
    /// The first phase that failed, for failed and partial runs.
    pub failed_phase: Option<String>,
    pub failing_tests: Vec<String>,
    pub report: String,
}

/// The fields of a report JSON a row needs; everything else is skipped unparsed.
#[derive(serde::Deserialize)]
struct Summary {
    run_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    started_at: Option<String>,
    status: String,
    #[serde(default)]
    exit_code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    duration_ms: u64,
    #[serde(default)]
    input: Option<SummaryInput>,
    #[serde(default)]
    agent: Option<SummaryAgent>,
    #[serde(default)]
    pr: Option<SummaryPr>,
    #[serde(default)]
    phases: Vec<SummaryPhase>,
    #[serde(default)]
    failing_tests: Vec<String>,
}

#[derive(serde::Deserialize)]
struct SummaryInput {
    deterministic: Option<bool>,
}

#[derive(serde::Deserialize)]
struct SummaryAgent {
    cost_usd: Option<f64>,
}

#[derive(serde::Deserialize)]
struct SummaryPr {
    url: Option<String>,
}

#[derive(serde::Deserialize)]
struct SummaryPhase {
    name: String,
    status: String,
}

impl Row {
    /// A row from a report file's bytes; `None` when it is not a fixloop report.
    #[must_use]
    pub fn from_report_bytes(bytes: &[u8], report_path: &str) -> Option<Self> {
        let s: Summary = serde_json::from_slice(bytes).ok()?;
        Some(Self {
            run_id: s.run_id,
            name: s.name,
            started_at: s.started_at.unwrap_or_default(),
            deterministic: s.input.and_then(|i| i.deterministic),
            status: s.status,
            exit_code: s.exit_code,
            message: s.message.unwrap_or_default(),
            duration_ms: s.duration_ms,
            cost_usd: s.agent.and_then(|a| a.cost_usd),
            pr: s.pr.and_then(|p| p.url),
            failed_phase: s
                .phases
                .into_iter()
                .find(|p| p.status == "failed")
                .map(|p| p.name),
            failing_tests: s.failing_tests,
            report: report_path.to_owned(),
        })
    }

    /// A row from a report's JSON; `None` when it is not a fixloop report.
    #[must_use]
    pub fn from_report(value: &Value, report_path: &str) -> Option<Self> {
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
        let failed_phase = value
            .get("phases")
            .and_then(Value::as_array)
            .and_then(|phases| {
                phases
                    .iter()
                    .find(|p| p.get("status").and_then(Value::as_str) == Some("failed"))
                    .and_then(|p| p.get("name").and_then(Value::as_str))
                    .map(str::to_owned)
            });
        Some(Self {
            run_id: text("run_id")?,
            name: text("name").unwrap_or_default(),
            started_at: text("started_at").unwrap_or_default(),
            deterministic: value
                .pointer("/input/deterministic")
                .and_then(Value::as_bool),
            status: text("status")?,
            exit_code: value.get("exit_code").and_then(Value::as_i64),
            message: text("message").unwrap_or_default(),
            duration_ms: value
                .get("duration_ms")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            cost_usd: value.pointer("/agent/cost_usd").and_then(Value::as_f64),
            pr: value
                .pointer("/pr/url")
                .and_then(Value::as_str)
                .map(str::to_owned),
            failed_phase,
            failing_tests: value
                .get("failing_tests")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            report: report_path.to_owned(),
        })
    }

    /// `YYYY-MM-DD HH:MM`.
    #[must_use]
    pub(crate) fn date(&self) -> String {
        self.started_at.replace('T', " ").chars().take(16).collect()
    }

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self.deterministic {
            Some(true) => "det",
            Some(false) => "flaky",
            None => "?",
        }
    }

    /// Whether every word of `filter` appears in the row (case-insensitive).
    #[must_use]
    pub(crate) fn matches(&self, filter: &str) -> bool {
        let hay = format!(
            "{} {} {} {} {} {}",
            self.name,
            self.status,
            self.kind(),
            self.date(),
            self.pr.as_deref().unwrap_or(""),
            self.failing_tests.join(" ")
        )
        .to_lowercase();
        filter
            .split_whitespace()
            .all(|word| hay.contains(&word.to_lowercase()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Date,
    Name,
    Status,
    Duration,
    Cost,
}

impl SortKey {
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Date => Self::Name,
            Self::Name => Self::Status,
            Self::Status => Self::Duration,
            Self::Duration => Self::Cost,
            Self::Cost => Self::Date,
        }
    }

    #[must_use]
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Name => "name",
            Self::Status => "status",
            Self::Duration => "time",
            Self::Cost => "cost",
        }
    }
}

/// Indexes of the rows that match `filter`, in `sort` order (newest or largest first when
/// `descending`).
#[must_use]
pub(crate) fn select(rows: &[Row], filter: &str, sort: SortKey, descending: bool) -> Vec<usize> {
    let mut picked: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].matches(filter))
        .collect();
    picked.sort_by(|&a, &b| {
        let (a, b) = (&rows[a], &rows[b]);
        let order = match sort {
            SortKey::Date => a.started_at.cmp(&b.started_at),
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::Duration => a.duration_ms.cmp(&b.duration_ms),
            SortKey::Cost => a
                .cost_usd
                .unwrap_or(0.0)
                .total_cmp(&b.cost_usd.unwrap_or(0.0)),
        }
        .then_with(|| a.run_id.cmp(&b.run_id));
        if descending { order.reverse() } else { order }
    });
    picked
}

/// Statistics over past runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub runs: usize,
    pub successes: usize,
    pub success_rate: Option<f64>,
    /// (day, runs, successes), oldest first, the last 14 days with runs.
    pub by_day: Vec<(String, usize, usize)>,
    /// Median time of successful runs, in milliseconds.
    pub median_success_ms: Option<u64>,
    pub total_cost_usd: f64,
    /// Cost of each run in date order (runs without a reported cost count 0).
    pub cost_per_run: Vec<f64>,
    /// Runs that recorded an agent cost above zero (a command or manual agent reports none).
    pub runs_with_cost: usize,
    /// How unsuccessful runs ended: (kind, count), most common first.
    pub failure_kinds: Vec<(String, usize)>,
    /// Tests named in the logs of flaky runs: (test, runs), most common first.
    pub flaky_tests: Vec<(String, usize)>,
}

/// How a run that a policy stopped at a checkpoint ends its message, and its kind in the stats.
const STOPPED_FOR_REVIEW: &str = "stopped for review";

#[must_use]
pub fn stats(rows: &[Row]) -> Stats {
    let mut ordered: Vec<&Row> = rows.iter().collect();
    ordered.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    let successes = rows.iter().filter(|r| r.status == "success").count();
    let mut days: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &ordered {
        let day: String = r.started_at.chars().take(10).collect();
        let entry = days.entry(day).or_default();
        entry.0 += 1;
        entry.1 += usize::from(r.status == "success");
    }
    let by_day: Vec<(String, usize, usize)> = days
        .into_iter()
        .map(|(d, (n, s))| (d, n, s))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .take(14)
        .rev()
        .collect();
    let mut times: Vec<u64> = rows
        .iter()
        .filter(|r| r.status == "success")
        .map(|r| r.duration_ms)
        .collect();
    times.sort_unstable();
    let median_success_ms = match times.len() {
        0 => None,
        n if n % 2 == 1 => Some(times[n / 2]),
        n => Some(u64::midpoint(times[n / 2 - 1], times[n / 2])),
    };
    let cost_per_run: Vec<f64> = ordered.iter().map(|r| r.cost_usd.unwrap_or(0.0)).collect();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status != "success") {
        let kind = match (r.exit_code, r.failed_phase.as_deref()) {
            (Some(69), _) => "agent or service unavailable".to_owned(),
            (Some(65), _) => "invalid input".to_owned(),
            (Some(130), _) => "interrupted".to_owned(),
            // A policy would not approve (`--approve none` at the first checkpoint, before any
            // agent ran; a check that passed with findings): nothing failed, a person decides.
            (Some(3), _) if r.message.starts_with(STOPPED_FOR_REVIEW) => {
                STOPPED_FOR_REVIEW.to_owned()
            }
            (_, Some("confirm-repro" | "reproduce")) => "could not reproduce".to_owned(),
            (_, Some("verify" | "fix")) => "fix not verified".to_owned(),
            (Some(3), _) => "needs review".to_owned(),
            (_, Some(phase)) => format!("failed in {phase}"),
            _ => r.status.clone(),
        };
        *kinds.entry(kind).or_default() += 1;
    }
    let mut flaky: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.deterministic == Some(false)) {
        for t in &r.failing_tests {
            *flaky.entry(t.clone()).or_default() += 1;
        }
    }
    let rank = |map: BTreeMap<String, usize>| {
        let mut v: Vec<(String, usize)> = map.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    Stats {
        runs: rows.len(),
        successes,
        success_rate: (!rows.is_empty()).then(|| successes as f64 / rows.len() as f64),
        by_day,
        median_success_ms,
        total_cost_usd: cost_per_run.iter().sum(),
        runs_with_cost: cost_per_run.iter().filter(|c| **c > 0.0).count(),
        cost_per_run,
        failure_kinds: rank(kinds),
        flaky_tests: rank(flaky),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: &str, day: &str, status: &str, ms: u64, cost: f64) -> Row {
        Row::from_report(
            &json!({"run_id": id, "name": format!("n-{id}"), "started_at": format!("{day}T10:00:00Z"),
                    "status": status, "duration_ms": ms, "agent": {"cost_usd": cost},
                    "input": {"deterministic": id != "c"},
                    "exit_code": i32::from(status != "success"),
                    "phases": [{"name": "verify", "status": if status == "success" { "passed" } else { "failed" }}],
                    "failing_tests": ["tests::a"]}),
            "r.md",
        )
        .unwrap()
    }

    #[test]
    fn reading_bytes_and_values_agree() {
        let value = json!({"run_id": "r", "name": "n", "started_at": "2026-11-01T10:00:00Z",
            "status": "failed", "exit_code": 1, "duration_ms": 5, "agent": {"cost_usd": 0.5},
            "input": {"deterministic": false, "prompt": "x"}, "pr": null,
            "phases": [{"name": "logs", "status": "passed"}, {"name": "verify", "status": "failed"}],
            "failing_tests": ["t"], "extra": {"deep": [1, 2, 3]}});
        let a = Row::from_report(&value, "r.md").unwrap();
        let b = Row::from_report_bytes(value.to_string().as_bytes(), "r.md").unwrap();
        assert_eq!(a, b);
        assert!(Row::from_report_bytes(b"{\"not\": \"a report\"}", "x").is_none());
    }

    #[test]
    fn filters_and_sorts() {
        let rows = vec![
            row("a", "2026-11-01", "success", 5000, 0.5),
            row("b", "2026-11-03", "failed", 1000, 1.5),
            row("c", "2026-11-02", "success", 9000, 0.1),
        ];
        assert_eq!(select(&rows, "", SortKey::Date, true), [1, 2, 0]);
        assert_eq!(select(&rows, "success", SortKey::Duration, false), [0, 2]);
        assert_eq!(select(&rows, "flaky", SortKey::Date, true), [2]);
        assert_eq!(select(&rows, "n-b failed", SortKey::Cost, true), [1]);
    }

    #[test]
    fn statistics_of_past_runs() {
        let rows = vec![
            row("a", "2026-11-01", "success", 5000, 0.5),
            row("b", "2026-11-01", "failed", 1000, 1.5),
            row("c", "2026-11-02", "success", 9000, 0.1),
        ];
        let s = stats(&rows);
        assert_eq!((s.runs, s.successes), (3, 2));
        assert!((s.success_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            s.by_day,
            [("2026-11-01".into(), 2, 1), ("2026-11-02".into(), 1, 1)]
        );
        assert_eq!(s.median_success_ms, Some(7000));
        assert_eq!(s.failure_kinds, [("fix not verified".into(), 1)]);
        assert_eq!(s.flaky_tests, [("tests::a".into(), 1)]);
        assert!((s.total_cost_usd - 2.1).abs() < 1e-9);
        assert_eq!(s.runs_with_cost, 3);
    }

    #[test]
    fn runs_a_policy_stopped_are_stopped_for_review_and_no_cost_is_no_cost() {
        // `--approve none`: stopped at the first checkpoint, the reproduce phase marked failed.
        let stopped = json!({"run_id": "s", "started_at": "2026-11-01T10:00:00Z",
            "status": "partial", "exit_code": 3, "agent": {"cost_usd": null},
            "message": "stopped for review: --approve none stops at every checkpoint",
            "phases": [{"name": "logs", "status": "passed"}, {"name": "reproduce", "status": "failed"}]});
        let not_reproduced = json!({"run_id": "n", "started_at": "2026-11-02T10:00:00Z",
            "status": "failed", "exit_code": 1, "agent": {"cost_usd": 0.0},
            "message": "the reproduction did not fail in 3 runs",
            "phases": [{"name": "reproduce", "status": "failed"}]});
        let rows: Vec<Row> = [stopped, not_reproduced]
            .iter()
            .map(|v| Row::from_report(v, "r.md").unwrap())
            .collect();
        let s = stats(&rows);
        assert_eq!(
            s.failure_kinds,
            [
                ("could not reproduce".into(), 1),
                ("stopped for review".into(), 1)
            ]
        );
        assert_eq!(s.runs_with_cost, 0);
        assert_eq!(s.cost_per_run, [0.0, 0.0]);
    }
}
