//! The registry of known flaky tests: every stress measurement of a repository's test (or
//! command) pooled into one entry, with its rate, its 95 % interval and whether a delivered fix
//! came after the last measurement.

use serde::Serialize;

use super::record::{FlakyMeasure, Outcome, Record};
use crate::core::stats::{percent, wilson_95};

/// One test of the registry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlakyEntry {
    pub repo: String,
    pub test: String,
    pub runs: u32,
    pub failures: u32,
    pub rate: f64,
    pub interval_95: (f64, f64),
    /// How many measurements were pooled.
    pub measurements: usize,
    /// The last measurement, RFC 3339.
    pub last_at: String,
    /// The run whose delivered fix came after the last measurement, if one did.
    pub fixed_by: Option<String>,
}

/// Whether the registry's `test` (a test id, or a measured command) is the test `id`.
fn names(test: &str, id: &str) -> bool {
    test == id || test.split_whitespace().any(|word| word == id)
}

/// The registry of `repo` (of every repository when `None`), the highest rate first.
#[must_use]
pub fn registry(records: &[Record], repo: Option<&str>) -> Vec<FlakyEntry> {
    let mut entries: Vec<FlakyEntry> = Vec::new();
    for record in records {
        let Record::Flaky(m) = record else { continue };
        if repo.is_some_and(|r| r != m.repo) {
            continue;
        }
        match entries
            .iter_mut()
            .find(|e| e.repo == m.repo && e.test == m.test)
        {
            Some(e) => {
                e.runs = e.runs.saturating_add(m.runs);
                e.failures = e.failures.saturating_add(m.failures);
                e.measurements += 1;
                if m.at > e.last_at {
                    e.last_at.clone_from(&m.at);
                }
            }
            None => entries.push(entry(m)),
        }
    }
    for e in &mut entries {
        e.rate = if e.runs == 0 {
            0.0
        } else {
            f64::from(e.failures) / f64::from(e.runs)
        };
        e.interval_95 = wilson_95(e.failures, e.runs).unwrap_or((0.0, 1.0));
        e.fixed_by = records.iter().find_map(|r| match r {
            Record::Run(run)
                if run.repo == e.repo
                    && run.at > e.last_at
                    && matches!(run.outcome, Outcome::Fixed { .. })
                    && run.tests.iter().any(|t| names(&e.test, t)) =>
            {
                Some(run.run.clone())
            }
            _ => None,
        });
    }
    entries.sort_by(|a, b| b.rate.total_cmp(&a.rate).then_with(|| a.test.cmp(&b.test)));
    entries
}

fn entry(m: &FlakyMeasure) -> FlakyEntry {
    FlakyEntry {
        repo: m.repo.clone(),
        test: m.test.clone(),
        runs: m.runs,
        failures: m.failures,
        rate: 0.0,
        interval_95: (0.0, 1.0),
        measurements: 1,
        last_at: m.at.clone(),
        fixed_by: None,
    }
}

/// The known flaky entry of `repo` for one of `tests`, when one was measured failing and no fix
/// came after: the starting estimate for measuring it again.
#[must_use]
pub fn known_rate(records: &[Record], repo: &str, tests: &[String]) -> Option<FlakyEntry> {
    registry(records, Some(repo))
        .into_iter()
        .find(|e| e.failures > 0 && e.fixed_by.is_none() && tests.iter().any(|t| names(&e.test, t)))
}

/// How many runs to plan for measuring a known flaky test again until `failures` failures: twice
/// the runs that many failures take at the low end of its known interval, at least `failures`,
/// at most `cap`.
#[must_use]
pub fn starting_runs(entry: &FlakyEntry, failures: u32, cap: u32) -> u32 {
    let low = entry.interval_95.0;
    if low <= 0.0 {
        return cap;
    }
    let runs = (2.0 * f64::from(failures) / low).ceil();
    if runs >= f64::from(cap) {
        cap
    } else {
        // Below `cap`, so it fits.
        format!("{runs:.0}")
            .parse::<u32>()
            .unwrap_or(cap)
            .max(failures)
    }
}

/// The line a known flaky test adds to what a run recalls.
#[must_use]
pub fn known_words(entry: &FlakyEntry) -> String {
    format!(
        "known flaky: `{}` failed {} of {} runs ({}, 95 % CI {}–{}) by {}",
        entry.test,
        entry.failures,
        entry.runs,
        percent(entry.rate),
        percent(entry.interval_95.0).trim_end_matches(" %"),
        percent(entry.interval_95.1),
        entry.last_at.chars().take(10).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::memory::RunRecord;

    fn measure(test: &str, at: &str, runs: u32, failures: u32) -> Record {
        Record::Flaky(FlakyMeasure {
            repo: "r".into(),
            at: at.into(),
            test: test.into(),
            runs,
            failures,
        })
    }

    #[test]
    fn measurements_of_one_test_pool_and_a_later_fix_marks_it_fixed() {
        let mut records = vec![
            measure("pytest tests/t.py::test_a", "2026-01-01", 100, 20),
            measure("pytest tests/t.py::test_a", "2026-01-02", 100, 30),
            measure("t::b", "2026-01-01", 50, 1),
        ];
        let list = registry(&records, Some("r"));
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].runs, list[0].failures, list[0].measurements),
            (200, 50, 2)
        );
        assert!((list[0].rate - 0.25).abs() < 1e-9);
        assert!(list[0].interval_95.0 < 0.25 && list[0].interval_95.1 > 0.25);
        assert_eq!(list[0].last_at, "2026-01-02");
        let known = known_rate(&records, "r", &["tests/t.py::test_a".into()]);
        let known = known.expect("known");
        assert_eq!(known.failures, 50);
        // 50 of 200: the interval's low end is about 19.5 %, so 3 failures take ~15 runs.
        assert_eq!(starting_runs(&known, 3, 1000), 31);
        assert_eq!(starting_runs(&known, 3, 20), 20);
        assert_eq!(
            known_words(&known),
            "known flaky: `pytest tests/t.py::test_a` failed 50 of 200 runs (25 %, 95 % CI \
             20–31 %) by 2026-01-02"
        );

        records.push(Record::Run(RunRecord {
            run: "fix".into(),
            repo: "r".into(),
            at: "2026-01-03".into(),
            tests: vec!["tests/t.py::test_a".into()],
            signature: String::new(),
            deterministic: false,
            outcome: Outcome::Fixed {
                commit: "c".into(),
                branch: "b".into(),
                pr: None,
            },
        }));
        let list = registry(&records, None);
        assert_eq!(list[0].fixed_by.as_deref(), Some("fix"));
        assert!(known_rate(&records, "r", &["tests/t.py::test_a".into()]).is_none());
        assert!(registry(&records, Some("other")).is_empty());
    }
}
