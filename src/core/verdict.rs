//! fixloop's own judgements over test runs: did a reproduction fail the way CI did, did a flaky
//! one fail like CI often enough to measure, and is a fix verified. Pure: the engine runs the
//! commands and hands the results here.

use std::fmt::Write as _;

use regex::Regex;

use super::defence::Defence;
use super::event::TestRuns;
use super::repro::foreign_failure;
use super::stats;

/// One run of a test command, as the verdicts need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// `None` when the run did not exit by itself (timed out, killed, cancelled).
    pub exit_code: Option<i32>,
    /// The last lines of its output, both streams in order: what a person is shown.
    pub tail: String,
    /// Its logged output (up to a few MiB): what signatures are matched against.
    pub output: String,
}

impl TestRun {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Whether a reproduction counts, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub reproduced: bool,
    pub reason: String,
    pub runs: TestRuns,
}

/// How many lines of a telling run's output a summary keeps.
const SHOWN_LINES: usize = 40;

/// Counts failing runs (and those matching `signature`); keeps the most telling run's output:
/// the first that did not behave as wanted (`expect_failure`), else the last.
#[must_use]
pub fn tally(
    command: &str,
    results: &[TestRun],
    signature: Option<&Regex>,
    expect_failure: bool,
) -> TestRuns {
    let failed = |r: &&TestRun| !r.passed();
    let failures = results.iter().filter(failed).count();
    let matching = results
        .iter()
        .filter(failed)
        .filter(|r| signature.is_none_or(|re| re.is_match(&r.output)))
        .count();
    let telling = results
        .iter()
        .find(|r| r.passed() == expect_failure)
        .or(results.last());
    let tail = telling.map(|r| r.tail.as_str()).unwrap_or_default();
    let lines: Vec<&str> = tail.lines().collect();
    TestRuns {
        command: command.to_owned(),
        runs: count(results.len()),
        failures: count(failures),
        matching: count(matching),
        output: lines[lines.len().saturating_sub(SHOWN_LINES)..].join("\n"),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first failing run's reason of its own, if any: the command could not run, did not build,
/// could not import, found no test.
#[must_use]
pub fn foreign(results: &[TestRun]) -> Option<String> {
    results
        .iter()
        .filter(|r| !r.passed())
        .find_map(|r| match r.exit_code {
            Some(code @ (126 | 127)) => Some(format!("the command could not run (exit {code})")),
            _ => foreign_failure(&r.output),
        })
}

/// A deterministic reproduction counts when every run fails, each the way CI did: with the CI
/// signature when there is one, and never for a reason of its own (it did not build, found no
/// test, could not run).
#[must_use]
pub fn deterministic(command: &str, signature: Option<&str>, results: &[TestRun]) -> Judged {
    let compiled = signature.and_then(|s| Regex::new(s).ok());
    let runs = tally(command, results, compiled.as_ref(), true);
    let n = runs.runs;
    let failed = runs.failures;
    let foreign = foreign(results);
    let (reproduced, reason) = if n == 0 {
        (false, "the reproduction did not run".to_owned())
    } else if failed == 0 {
        (
            false,
            format!("the reproduction passes ({n} of {n} runs): it does not fail like CI"),
        )
    } else if failed < n {
        (
            false,
            format!(
                "the reproduction failed only {failed} of {n} runs: a deterministic failure must \
                 fail every run"
            ),
        )
    } else if let Some(sig) = signature {
        if runs.matching == n {
            (
                true,
                format!("fails {n} of {n} runs, matching the CI signature `{sig}`"),
            )
        } else {
            let why = foreign.map(|f| format!(" ({f})")).unwrap_or_default();
            (
                false,
                format!(
                    "it fails, but {} of {n} runs do not show the CI signature `{sig}`: it fails \
                     for another reason{why}",
                    n - runs.matching
                ),
            )
        }
    } else if let Some(foreign) = foreign {
        (false, format!("it fails for another reason: {foreign}"))
    } else {
        (true, format!("fails {n} of {n} runs"))
    };
    Judged {
        reproduced,
        reason,
        runs,
    }
}

/// Below this many failures a measured rate is only its order of magnitude, and is called so.
const ROUGH_BELOW: u32 = 10;

/// A flaky reproduction counts when some run fails the way CI did; the reason states the rate
/// with its 95 % interval, and names the other ways runs failed.
///
/// `others` are the failure signatures that do not match CI's, with their counts.
#[must_use]
pub fn flaky(runs: TestRuns, others: &[(String, u32)], stopped_early: bool) -> Judged {
    let n = runs.runs;
    let interval = stats::wilson_95(runs.matching, n).unwrap_or((0.0, 1.0));
    let rate = format!(
        "{} (95 % CI {}–{})",
        stats::percent(f64::from(runs.matching) / f64::from(n.max(1))),
        stats::percent(interval.0).trim_end_matches(" %"),
        stats::percent(interval.1)
    );
    let mut reason = if runs.matching > 0 && runs.matching < ROUGH_BELOW {
        format!(
            "failed like CI in {} of {n} runs: rate {rate} — a rough rate from few failures, \
             enough to size the verification (`--measure-failures N` measures it more precisely)",
            runs.matching
        )
    } else if runs.matching > 0 {
        format!(
            "failed like CI in {} of {n} runs: rate {rate}",
            runs.matching
        )
    } else if runs.failures > 0 {
        format!(
            "{} of {n} runs failed, but none the way CI did",
            runs.failures
        )
    } else {
        format!("no run failed in {n} runs: the stress test does not reproduce the failure")
    };
    if !others.is_empty() {
        let others: Vec<String> = others
            .iter()
            .map(|(sig, count)| format!("{count} × {sig}"))
            .collect();
        let _ = write!(reason, "; other failures: {}", others.join("; "));
    }
    if stopped_early {
        reason.push_str(" (the time budget ended the runs early)");
    }
    Judged {
        reproduced: runs.matching > 0,
        reason,
        runs,
    }
}

/// The reproduction passes with the fix, and the suite (when there is one) passes too.
#[must_use]
pub(crate) fn passes(passes: &TestRuns, suite: Option<&TestRuns>) -> bool {
    passes.runs > 0 && passes.failures == 0 && suite.is_none_or(|s| s.failures == 0)
}

/// A fix is verified when it passes and nothing about it needs a person's eyes.
#[must_use]
pub fn verified(passing: &TestRuns, suite: Option<&TestRuns>, findings: &[String]) -> bool {
    passes(passing, suite) && findings.is_empty()
}

/// Whether the revert check proves the fix: without it the reproduction failed, every failing
/// run the way CI did (with the signature, when there is one).
#[must_use]
pub fn revert_proves(revert: &TestRuns) -> bool {
    revert.failures > 0 && revert.matching == revert.failures
}

/// What the revert check found, as a revert-check finding when it does not prove the fix:
/// without the fix the reproduction must fail, and fail the way CI did — matching the signature,
/// and not for a reason of its own (`foreign`: it did not build, a symbol is missing).
#[must_use]
pub fn revert_finding(
    revert: &TestRuns,
    signature: Option<&str>,
    foreign: Option<&str>,
) -> Option<String> {
    let because = foreign.map(|f| format!(" ({f})")).unwrap_or_default();
    let text = if revert.failures == 0 {
        "the reproduction passes without the fix's changes too: it does not prove the fix".into()
    } else if revert.matching < revert.failures {
        let signature = signature.map(|s| format!(" `{s}`")).unwrap_or_default();
        format!(
            "without the fix the reproduction fails, but not the way CI did: {} of {} failing \
             runs do not show the signature{signature}{because}; it does not prove the fix",
            revert.failures - revert.matching,
            revert.failures
        )
    } else if foreign.is_some() && signature.is_none() {
        format!(
            "without the fix the reproduction fails for another reason{because}: it does not \
             prove the fix"
        )
    } else {
        return None;
    };
    Some(Defence::RevertCheck.finding(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(exit_code: Option<i32>, output: &str) -> TestRun {
        TestRun {
            exit_code,
            tail: output.to_owned(),
            output: output.to_owned(),
        }
    }

    fn judge(signature: Option<&str>, results: &[TestRun]) -> (bool, String) {
        let judged = deterministic("t", signature, results);
        (judged.reproduced, judged.reason)
    }

    #[test]
    fn a_deterministic_reproduction_must_fail_every_run_the_way_ci_did() {
        let assert_fail = run(Some(1), "AssertionError: left: 2 right: 3");
        let cases: &[(Option<&str>, Vec<TestRun>, bool, &str)] = &[
            (None, vec![], false, "did not run"),
            (None, vec![run(Some(0), "ok"); 3], false, "passes (3 of 3"),
            (
                None,
                vec![assert_fail.clone(), run(Some(0), "ok"), assert_fail.clone()],
                false,
                "only 2 of 3",
            ),
            (
                None,
                vec![assert_fail.clone(); 3],
                true,
                "fails 3 of 3 runs",
            ),
            (
                Some(r"left: 2\s+right: 3"),
                vec![assert_fail.clone(); 2],
                true,
                "matching the CI signature",
            ),
            (
                Some("left: 9"),
                vec![assert_fail.clone(); 2],
                false,
                "2 of 2 runs do not show the CI signature",
            ),
            (
                None,
                vec![run(
                    Some(2),
                    "E   ModuleNotFoundError: No module named 'calc'",
                )],
                false,
                "another reason: E   ModuleNotFoundError",
            ),
            (
                Some("boom"),
                vec![run(Some(127), "sh: pytest: not found")],
                false,
                "(the command could not run (exit 127))",
            ),
            (
                None,
                vec![run(None, "killed after the timeout")],
                true,
                "fails 1 of 1 runs",
            ),
        ];
        for (signature, results, reproduced, reason) in cases {
            let (got, why) = judge(*signature, results);
            assert_eq!(got, *reproduced, "{why}");
            assert!(why.contains(reason), "{why} does not say {reason}");
        }
    }

    #[test]
    fn the_tally_shows_the_run_that_did_not_behave_and_only_its_last_lines() {
        let long = (1..=60)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let results = [
            run(Some(1), "first"),
            run(Some(0), &long),
            run(Some(1), "last"),
        ];
        let runs = tally(
            "cmd",
            &results,
            Some(&Regex::new("first").unwrap_or_else(|e| panic!("{e}"))),
            true,
        );
        assert_eq!((runs.runs, runs.failures, runs.matching), (3, 2, 1));
        assert!(runs.output.starts_with("line 21\n") && runs.output.ends_with("line 60"));
        // Expecting passes, the first failing run is the telling one.
        assert_eq!(tally("cmd", &results, None, false).output, "first");
    }

    #[test]
    fn a_flaky_reproduction_states_its_rate_and_the_other_failures() {
        let runs = TestRuns {
            command: "t".into(),
            runs: 100,
            failures: 12,
            matching: 10,
            output: String::new(),
        };
        let judged = flaky(runs.clone(), &[("Timeout".into(), 2)], true);
        assert!(judged.reproduced);
        assert_eq!(
            judged.reason,
            "failed like CI in 10 of 100 runs: rate 10 % (95 % CI 5.5–17 %); other failures: \
             2 × Timeout (the time budget ended the runs early)"
        );
        let none = flaky(
            TestRuns {
                matching: 0,
                ..runs.clone()
            },
            &[],
            false,
        );
        assert!(
            !none.reproduced && none.reason == "12 of 100 runs failed, but none the way CI did"
        );
        let quiet = flaky(
            TestRuns {
                failures: 0,
                matching: 0,
                ..runs
            },
            &[],
            false,
        );
        assert!(quiet.reason.starts_with("no run failed in 100 runs"));
    }

    #[test]
    fn a_fix_is_verified_only_when_it_passes_the_suite_passes_and_nothing_is_flagged() {
        let ok = TestRuns {
            runs: 3,
            ..TestRuns::default()
        };
        let failing = TestRuns {
            runs: 3,
            failures: 1,
            ..TestRuns::default()
        };
        assert!(verified(&ok, None, &[]));
        assert!(verified(&ok, Some(&ok), &[]));
        assert!(!verified(&ok, Some(&failing), &[]));
        assert!(!verified(&failing, None, &[]));
        assert!(
            !verified(&TestRuns::default(), None, &[]),
            "no run is no proof"
        );
        assert!(!verified(&ok, None, &["a test was deleted".into()]));
    }

    #[test]
    fn the_revert_check_proves_the_fix_only_by_failing_the_way_ci_did() {
        let revert = |failures, matching| TestRuns {
            runs: 1,
            failures,
            matching,
            ..TestRuns::default()
        };
        let sig = Some("add\\(2, 3\\) returned -1");
        // It failed the way CI did.
        assert_eq!(revert_finding(&revert(1, 1), sig, None), None);
        assert!(revert_proves(&revert(1, 1)));
        // It passed without the fix.
        let passed = revert_finding(&revert(0, 0), sig, None).unwrap();
        assert!(
            passed.starts_with("revert check: the reproduction passes"),
            "{passed}"
        );
        assert!(!revert_proves(&revert(0, 0)));
        // It failed, but not with the signature: a build error is not the failure CI saw.
        let build = "error[E0425]: cannot find function `add` in this scope";
        let other = revert_finding(&revert(1, 0), sig, Some(build)).unwrap();
        assert!(
            other.starts_with("revert check: without the fix"),
            "{other}"
        );
        assert!(
            other.contains("error[E0425]") && other.contains("returned -1"),
            "{other}"
        );
        assert!(!revert_proves(&revert(1, 0)));
        // Without a signature, a foreign failure is named too.
        let foreign = revert_finding(&revert(1, 1), None, Some("ModuleNotFoundError: x")).unwrap();
        assert!(
            foreign.contains("another reason (ModuleNotFoundError: x)"),
            "{foreign}"
        );
        assert_eq!(revert_finding(&revert(1, 1), None, None), None);
    }
}
