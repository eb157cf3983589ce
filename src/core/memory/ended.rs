//! What a finished run adds to the memory: its record (failing tests, signature, kind, how it
//! ended), and for a flaky failure that was reproduced, the measurement of each failing test.

use chrono::SecondsFormat;

use super::record::{FlakyMeasure, Outcome, Record, RunRecord};
use crate::core::event::RunStatus;
use crate::core::view::{Conclusion, RunView};

/// The records a run that ended as `end` adds to the memory of `repo`; none for a run that
/// never reached its logs (nothing to recognise it by).
#[must_use]
pub fn records_of_run(view: &RunView, end: &Conclusion, repo: &str) -> Vec<Record> {
    let Some(logs) = &view.logs else {
        return Vec::new();
    };
    let at = view
        .started_at
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    let deterministic = view.info.as_ref().is_none_or(|i| i.deterministic);
    let fixed = (end.status == RunStatus::Success)
        .then_some(view.fix.as_ref())
        .flatten()
        .and_then(|fix| {
            Some(Outcome::Fixed {
                commit: fix.commit.clone()?,
                branch: fix.branch.clone(),
                pr: view.pr.as_ref().map(|(_, n)| *n),
            })
        });
    let outcome = fixed.unwrap_or_else(|| Outcome::NotFixed {
        why: end.message.clone(),
    });
    let mut records = Vec::new();
    if !deterministic && let Some(repro) = view.reproductions.iter().rev().find(|r| r.reproduced) {
        for test in &logs.failing_tests {
            records.push(Record::Flaky(FlakyMeasure {
                repo: repo.to_owned(),
                at: at.clone(),
                test: test.clone(),
                runs: repro.runs.runs,
                failures: repro.runs.failures,
            }));
        }
    }
    records.push(Record::Run(RunRecord {
        run: view.run_id.clone(),
        repo: repo.to_owned(),
        at,
        tests: logs.failing_tests.clone(),
        signature: logs.memory.signature.clone(),
        deterministic,
        outcome,
    }));
    records
}
