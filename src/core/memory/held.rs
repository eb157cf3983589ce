//! Whether the fixes fixloop delivered held: a fix holds until a later failure of one of its
//! tests (or, for a fix whose logs named no test, of its signature) is seen in the same
//! repository — by a later run, by `fixloop logs` or by the watcher.

use serde::Serialize;

use super::record::{Outcome, Record, RunRecord, latest_runs};
use crate::core::signature::NO_OUTPUT;

/// Fixes and how many held, for one failure kind (`det`, `flaky`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldRow {
    pub kind: String,
    pub fixes: usize,
    pub held: usize,
}

/// Every delivered fix's fate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Held {
    pub by_kind: Vec<HeldRow>,
    /// The fixes that did not hold: (the run that fixed it, when it failed again).
    pub broken: Vec<(String, String)>,
}

/// When the failure `fix` repaired was seen again after it (the first time), leaving out the
/// run `except`.
#[must_use]
pub(crate) fn failed_again(
    records: &[Record],
    fix: &RunRecord,
    except: Option<&str>,
) -> Option<String> {
    let same = |tests: &[String], signature: &str| {
        if fix.tests.is_empty() {
            !fix.signature.is_empty() && fix.signature != NO_OUTPUT && signature == fix.signature
        } else {
            tests.iter().any(|t| fix.tests.contains(t))
        }
    };
    records
        .iter()
        .filter_map(|r| match r {
            Record::Run(later) if later.run != fix.run && Some(later.run.as_str()) != except => {
                Some((&later.repo, &later.at, &later.tests, &later.signature))
            }
            Record::Seen(s) => Some((&s.repo, &s.at, &s.tests, &s.signature)),
            _ => None,
        })
        .filter(|(repo, at, tests, signature)| {
            **repo == fix.repo && at.as_str() > fix.at.as_str() && same(tests, signature)
        })
        .map(|(_, at, _, _)| at.clone())
        .min()
}

/// Held and delivered fixes per failure kind, over every repository in `records`.
#[must_use]
pub fn held(records: &[Record]) -> Held {
    let mut out = Held::default();
    for fix in latest_runs(records) {
        if !matches!(fix.outcome, Outcome::Fixed { .. }) {
            continue;
        }
        let again = failed_again(records, fix, None);
        let index = match out.by_kind.iter().position(|r| r.kind == fix.kind()) {
            Some(index) => index,
            None => {
                out.by_kind.push(HeldRow {
                    kind: fix.kind().to_owned(),
                    fixes: 0,
                    held: 0,
                });
                out.by_kind.len() - 1
            }
        };
        out.by_kind[index].fixes += 1;
        match again {
            Some(at) => out.broken.push((fix.run.clone(), at)),
            None => out.by_kind[index].held += 1,
        }
    }
    out.by_kind.sort_by(|a, b| a.kind.cmp(&b.kind));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, at: &str, det: bool, test: &str, fixed: bool) -> Record {
        Record::Run(RunRecord {
            run: id.into(),
            repo: "r".into(),
            at: at.into(),
            tests: vec![test.into()],
            signature: String::new(),
            deterministic: det,
            outcome: if fixed {
                Outcome::Fixed {
                    commit: "c".into(),
                    branch: "b".into(),
                    pr: None,
                }
            } else {
                Outcome::NotFixed { why: "w".into() }
            },
        })
    }

    #[test]
    fn a_later_failure_of_the_same_test_breaks_the_fix_and_an_earlier_one_does_not() {
        let records = vec![
            run("old", "2026-01-01", true, "t::a", false),
            run("f1", "2026-01-02", true, "t::a", true),
            run("f2", "2026-01-02", true, "t::b", true),
            run("f3", "2026-01-02", false, "t::c", true),
            run("later", "2026-01-09", true, "t::a", false),
        ];
        let held = held(&records);
        assert_eq!(
            held.by_kind,
            vec![
                HeldRow {
                    kind: "det".into(),
                    fixes: 2,
                    held: 1
                },
                HeldRow {
                    kind: "flaky".into(),
                    fixes: 1,
                    held: 1
                },
            ]
        );
        assert_eq!(
            held.broken,
            vec![("f1".to_owned(), "2026-01-09".to_owned())]
        );
    }
}
