//! The defences that stand between an agent's fix and the word "verified", each named, so a
//! person reading a refusal sees which one refused and why. A finding is a sentence that starts
//! with its defence's name (`"revert check: …"`); a failed run of the reproduction or the suite
//! refuses by itself.

use std::fmt;

use super::event::TestRuns;

/// One line of defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defence {
    /// The reproduction as approved, in fixloop's own copy: an agent's edit to it is named.
    FrozenReproduction,
    /// Verification in a fresh checkout of the fix commit: nothing the agent left beside it.
    CleanTree,
    /// The reproduction itself: it must pass with the fix.
    Reproduction,
    /// A plain program, written at reproduce time, run outside any test runner.
    OutsideCheck,
    /// Tests written after the fix by a session that never saw it.
    PostFixTests,
    /// Without the fix, the reproduction must fail again, the way CI did.
    RevertCheck,
    /// The project's own suite (`test-command`) must pass.
    Suite,
    /// Rules that read the fix's changes for weakened, skipped or gamed tests.
    IntegrityRule,
    /// What the user owns in the repository must not change.
    RepositoryGuard,
}

impl Defence {
    pub const ALL: [Self; 9] = [
        Self::FrozenReproduction,
        Self::CleanTree,
        Self::Reproduction,
        Self::OutsideCheck,
        Self::PostFixTests,
        Self::RevertCheck,
        Self::Suite,
        Self::IntegrityRule,
        Self::RepositoryGuard,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::FrozenReproduction => "frozen reproduction",
            Self::CleanTree => "clean tree",
            Self::Reproduction => "reproduction",
            Self::OutsideCheck => "outside-runner check",
            Self::PostFixTests => "post-fix tests",
            Self::RevertCheck => "revert check",
            Self::Suite => "suite",
            Self::IntegrityRule => "integrity rule",
            Self::RepositoryGuard => "repository guard",
        }
    }

    /// A finding of this defence: its name, then what it found.
    #[must_use]
    pub fn finding(self, text: impl fmt::Display) -> String {
        format!("{}: {text}", self.name())
    }

    /// The defence a finding names; `None` for a finding journaled before findings named
    /// theirs.
    #[must_use]
    pub fn of(finding: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| {
            finding
                .strip_prefix(d.name())
                .is_some_and(|rest| rest.starts_with(": "))
        })
    }

    /// Whether this defence's finding shows the fix wrong (so there is nothing to approve), not
    /// only something a person must look at. (A failing run of the reproduction or the suite
    /// shows it by itself; their findings, such as an inconclusive count, are for a person.)
    #[must_use]
    pub fn shows_the_fix_wrong(self) -> bool {
        matches!(
            self,
            Self::OutsideCheck | Self::PostFixTests | Self::CleanTree
        )
    }

    /// Names the findings that do not name a defence yet as this one's.
    #[must_use]
    pub fn claim(self, findings: Vec<String>) -> Vec<String> {
        findings
            .into_iter()
            .map(|f| {
                if Self::of(&f).is_some() {
                    f
                } else {
                    self.finding(f)
                }
            })
            .collect()
    }
}

impl fmt::Display for Defence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The defences that refused a fix, in the order they stand: the reproduction or the suite when
/// they failed, then each defence a finding names (a finding naming none counts as the integrity
/// rules', which raised all findings before they were named).
#[must_use]
pub fn refused_by(
    passes: &TestRuns,
    suite: Option<&TestRuns>,
    findings: &[String],
) -> Vec<Defence> {
    let mut refused = Vec::new();
    if passes.runs == 0 || passes.failures > 0 {
        refused.push(Defence::Reproduction);
    }
    if suite.is_some_and(|s| s.failures > 0) {
        refused.push(Defence::Suite);
    }
    refused.extend(
        findings
            .iter()
            .map(|f| Defence::of(f).unwrap_or(Defence::IntegrityRule)),
    );
    refused.sort();
    refused.dedup();
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(runs: u32, failures: u32) -> TestRuns {
        TestRuns {
            command: "t".into(),
            runs,
            failures,
            matching: failures,
            output: String::new(),
        }
    }

    #[test]
    fn a_finding_names_its_defence_and_is_read_back() {
        for defence in Defence::ALL {
            let finding = defence.finding("something");
            assert_eq!(Defence::of(&finding), Some(defence), "{finding}");
        }
        assert_eq!(Defence::of("the agent changed `calc.py`"), None);
        // A name must be followed by its colon: a sentence that merely starts with one is not
        // the defence's.
        assert_eq!(Defence::of("suite passes: fine"), None);
        assert_eq!(
            Defence::RevertCheck.claim(vec!["x".into(), "suite: y".into()]),
            vec!["revert check: x".to_owned(), "suite: y".to_owned()]
        );
    }

    #[test]
    fn what_refused_a_fix_is_named_once_each_in_order() {
        let findings = [
            "revert check: it passes without the fix".to_owned(),
            "post-fix tests: 2 of 3 fail on the fix".to_owned(),
            "revert check: again".to_owned(),
            "an old unnamed finding".to_owned(),
        ];
        assert_eq!(
            refused_by(&runs(3, 1), Some(&runs(1, 1)), &findings),
            vec![
                Defence::Reproduction,
                Defence::PostFixTests,
                Defence::RevertCheck,
                Defence::Suite,
                Defence::IntegrityRule,
            ]
        );
        assert!(refused_by(&runs(3, 0), Some(&runs(1, 0)), &[]).is_empty());
        assert_eq!(
            refused_by(&runs(0, 0), None, &[]),
            vec![Defence::Reproduction]
        );
    }
}
