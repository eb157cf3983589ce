//! "Seen before": the past runs of the same repository whose failing tests or failure signature
//! match a new failure, in the words the first checkpoint, the agent's prompt and the report use.

use serde::{Deserialize, Serialize};

use super::held::failed_again;
use super::record::{Outcome, Record, RunRecord, latest_runs};
use crate::core::signature::NO_OUTPUT;

/// How many past runs a recall names at most (the latest first).
const SHOWN: usize = 3;

/// What the memory said about a new failure, journaled with its logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recall {
    /// The new failure's signature, recorded with the run when it ends.
    #[serde(default)]
    pub signature: String,
    /// One line per matching past run: `like run <id> on <date>: …`.
    #[serde(default)]
    pub seen_before: Vec<String>,
}

impl Recall {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.signature.is_empty() && self.seen_before.is_empty()
    }
}

/// Whether a past run's failure is the new one: a failing test in common, or the same telling
/// signature (one that says more than "no output").
fn matches(past: &RunRecord, tests: &[String], signature: &str) -> bool {
    past.tests.iter().any(|t| tests.contains(t))
        || (!signature.is_empty() && signature != NO_OUTPUT && past.signature == signature)
}

/// The lines naming the past runs of `repo` (other than `run`) that match `tests` or
/// `signature`, the latest first.
#[must_use]
pub fn recall(
    records: &[Record],
    repo: &str,
    run: &str,
    tests: &[String],
    signature: &str,
) -> Vec<String> {
    let mut found: Vec<&RunRecord> = latest_runs(records)
        .into_iter()
        .filter(|past| past.repo == repo && past.run != run && matches(past, tests, signature))
        .collect();
    found.sort_by(|a, b| b.at.cmp(&a.at));
    found
        .into_iter()
        .take(SHOWN)
        .map(|past| words(records, past, run))
        .collect()
}

/// `like run <id> on <date>: fixed by <commit> on <branch> / PR #N`, or `…: not fixed then:
/// <why>`; a fix that failed again since says so.
fn words(records: &[Record], past: &RunRecord, run: &str) -> String {
    let date: String = past.at.chars().take(10).collect();
    let outcome = match &past.outcome {
        Outcome::Fixed { commit, branch, pr } => {
            let short: String = commit.chars().take(12).collect();
            let pr = pr.map(|n| format!(" / PR #{n}")).unwrap_or_default();
            let again = failed_again(records, past, Some(run))
                .map(|at| {
                    format!(
                        " (it failed again on {}: that fix did not hold)",
                        at.chars().take(10).collect::<String>()
                    )
                })
                .unwrap_or_default();
            format!("fixed by {short} on {branch}{pr}{again}")
        }
        Outcome::NotFixed { why } => format!("not fixed then: {why}"),
    };
    format!("like run {} on {date}: {outcome}", past.run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::memory::Sighting;

    fn run(id: &str, at: &str, tests: &[&str], outcome: Outcome) -> Record {
        Record::Run(RunRecord {
            run: id.into(),
            repo: "github.com/a/b".into(),
            at: at.into(),
            tests: tests.iter().map(|t| (*t).to_owned()).collect(),
            signature: format!("sig of {id}"),
            deterministic: true,
            outcome,
        })
    }

    fn fixed(pr: Option<u64>) -> Outcome {
        Outcome::Fixed {
            commit: "0123456789abcdef".into(),
            branch: "fix/t".into(),
            pr,
        }
    }

    #[test]
    fn a_failing_test_in_common_names_the_past_runs_latest_first() {
        let records = vec![
            run(
                "r1",
                "2026-01-01T00:00:00Z",
                &["t::a"],
                Outcome::NotFixed {
                    why: "could not reproduce".into(),
                },
            ),
            run(
                "r2",
                "2026-02-01T00:00:00Z",
                &["t::a", "t::b"],
                fixed(Some(9)),
            ),
            run("r3", "2026-03-01T00:00:00Z", &["t::c"], fixed(None)),
        ];
        let lines = recall(&records, "github.com/a/b", "now", &["t::a".into()], "other");
        assert_eq!(
            lines,
            vec![
                "like run r2 on 2026-02-01: fixed by 0123456789ab on fix/t / PR #9".to_owned(),
                "like run r1 on 2026-01-01: not fixed then: could not reproduce".to_owned(),
            ]
        );
    }

    #[test]
    fn the_signature_matches_alone_but_no_output_and_other_repositories_do_not() {
        let mut other = run("r9", "2026-01-01T00:00:00Z", &["t::a"], fixed(None));
        if let Record::Run(r) = &mut other {
            r.repo = "github.com/c/d".into();
        }
        let records = vec![
            run("r1", "2026-01-01T00:00:00Z", &[], fixed(None)),
            other,
            Record::Run(RunRecord {
                signature: NO_OUTPUT.into(),
                ..match run("r2", "2026-01-01T00:00:00Z", &[], fixed(None)) {
                    Record::Run(r) => r,
                    _ => unreachable!(),
                }
            }),
        ];
        let lines = recall(
            &records,
            "github.com/a/b",
            "now",
            &["t::a".into()],
            "sig of r1",
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("like run r1 "));
        assert!(recall(&records, "github.com/a/b", "now", &[], NO_OUTPUT).is_empty());
        assert!(recall(&records, "github.com/a/b", "r1", &[], "sig of r1").is_empty());
    }

    #[test]
    fn a_fix_whose_test_failed_again_says_it_did_not_hold() {
        let records = vec![
            run("r1", "2026-01-01T00:00:00Z", &["t::a"], fixed(Some(3))),
            Record::Seen(Sighting {
                repo: "github.com/a/b".into(),
                at: "2026-01-05T00:00:00Z".into(),
                source: "logs".into(),
                tests: vec!["t::a".into()],
                signature: String::new(),
            }),
        ];
        let lines = recall(&records, "github.com/a/b", "now", &["t::a".into()], "");
        assert_eq!(
            lines,
            vec![
                "like run r1 on 2026-01-01: fixed by 0123456789ab on fix/t / PR #3 (it failed \
                 again on 2026-01-05: that fix did not hold)"
                    .to_owned()
            ]
        );
    }
}
