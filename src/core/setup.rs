//! A run's resolved configuration: what shapes the failure pipeline's path ([`Settings`]), the
//! reproduction a run checks against ([`Reproduction`]), and the choices `fixloop resume` needs to
//! carry on exactly as the run began ([`RunSetup`], journaled in `run-started`).

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The fixed facts of a failure run that shape its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent yes/no facts from info.json and the command line"
)]
pub struct Settings {
    /// A log source (`url` or `raw-logs`) was given.
    pub has_logs: bool,
    /// `existing-test-path` was given: no reproduce step.
    pub existing_test: bool,
    pub keep_test_in_pr: bool,
    /// Open a PR after pushing (`--no-pr` turns it off).
    pub open_pr: bool,
    /// Attempts per AI step when a policy sends a failed check back on its own (the first
    /// attempt and the automatic retries).
    pub max_attempts: u32,
    /// How many times a person may send each AI step back with feedback, apart from the
    /// automatic retries. `None` in runs journaled before the two were counted apart: their
    /// revisions of any kind share `max_attempts`, and they resume that way.
    #[serde(default)]
    pub max_revisions: Option<u32>,
    /// Runs required of a reproduction (all failing) and of a verification (all passing).
    pub runs: u32,
    /// The fix is committed before it is verified, and what is verified is a fresh checkout of
    /// that commit: exactly what is pushed. (Runs journaled before 0.2 verified the agent's
    /// worktree and committed after approval; they resume the way they began.)
    #[serde(default)]
    pub verify_committed_tree: bool,
    /// After the fix is committed, a fresh agent session that never saw it writes tests of the
    /// same behaviour, which the verification runs on the fix and on the base.
    #[serde(default)]
    pub post_fix_tests: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            has_logs: true,
            existing_test: false,
            keep_test_in_pr: false,
            open_pr: true,
            max_attempts: 3,
            max_revisions: Some(3),
            runs: 3,
            verify_committed_tree: true,
            post_fix_tests: true,
        }
    }
}

/// A reproduction ready to place and run: its command (from the repository root), its files
/// (absolute source, destination relative to the repository), the CI failure's signature and the
/// limits of one run. Journaled as `repro.json` resolved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reproduction {
    pub command: String,
    pub files: Vec<(PathBuf, String)>,
    pub signature: Option<String>,
    /// Seconds one run may take.
    pub timeout: Option<u64>,
    /// How many runs measure a flaky failure (`repro.json` `runs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u32>,
    /// The check outside the test runner (`repro.json` `check`), resolved like the files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

/// A plain program that exercises the failing behaviour outside any test runner: it must fail
/// on the base the way CI did and pass on the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub command: String,
    pub files: Vec<(PathBuf, String)>,
    /// What its failure shows; the reproduction's signature when `None`.
    pub signature: Option<String>,
}

impl Reproduction {
    /// Where each file goes in the repository.
    pub fn dests(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(_, dest)| dest.as_str())
    }

    /// The reproduction as the fix agent's prompt describes it.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut text = format!("Command (from the repository root): `{}`\n", self.command);
        for dest in self.dests() {
            let _ = writeln!(
                text,
                "- `{dest}` (fixloop places its approved copy there before every run)"
            );
        }
        if let Some(sig) = &self.signature {
            let _ = writeln!(text, "- CI failure signature (regular expression): `{sig}`");
        }
        text
    }

    /// The signature the outside-runner check's failure must show.
    #[must_use]
    pub fn check_signature(&self) -> Option<&str> {
        let check = self.check.as_ref()?;
        check.signature.as_deref().or(self.signature.as_deref())
    }
}

/// The resolved facts of a run beyond info.json: command-line choices and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSetup {
    #[serde(flatten)]
    pub settings: Settings,
    pub remote: Option<String>,
    pub agent_cmd: Option<String>,
    pub github_api_url: Option<String>,
    pub ai_budget_secs: u64,
    pub test_budget_secs: u64,
    pub nice: bool,
    pub cpu_load: bool,
    /// What the whole run may spend on agents, in cents (`None`: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_cents: Option<u64>,
    /// What one AI step may spend, in cents (`None`: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_budget_cents: Option<u64>,
    /// Flaky failures: how many failures the reproduction is measured until (`None`: enough to
    /// size the verification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_failures: Option<u32>,
    /// The reproduction `existing-test-path` gives, resolved when the run started.
    pub existing: Option<Reproduction>,
    /// A pipeline's own configuration (the sync's `[sync]` section), as the run started with
    /// it: a resumed run goes on with the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_config: Option<serde_json::Value>,
    /// The repository as fixloop's memory names it (`core::memory::repo_key`): absent in runs
    /// started before the memory, which then go by the repository's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_repo: Option<String>,
}

/// What a run may spend on agents when nothing says otherwise: 25 US dollars, 10 a step.
pub const DEFAULT_RUN_BUDGET_CENTS: u64 = 2500;
pub const DEFAULT_STEP_BUDGET_CENTS: u64 = 1000;

impl RunSetup {
    /// What the whole run may spend on agents, in US dollars.
    #[must_use]
    pub fn run_budget_usd(&self) -> f64 {
        cents_to_usd(self.budget_cents.unwrap_or(DEFAULT_RUN_BUDGET_CENTS))
    }

    /// The run's budget as it was recorded (runs journaled before budgets have none).
    #[must_use]
    pub fn recorded_budget_usd(&self) -> Option<f64> {
        self.budget_cents.map(cents_to_usd)
    }

    /// What one AI step may spend, in US dollars.
    #[must_use]
    pub fn step_budget_usd(&self) -> f64 {
        cents_to_usd(self.step_budget_cents.unwrap_or(DEFAULT_STEP_BUDGET_CENTS))
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "cents of a budget are far below 2^52"
)]
#[must_use]
pub fn cents_to_usd(cents: u64) -> f64 {
    cents as f64 / 100.0
}

/// The nearest whole cents of an amount spent.
#[must_use]
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a reported, non-negative cost of a few dollars"
)]
pub fn spent_cents(usd: f64) -> u64 {
    (usd * 100.0).round().max(0.0) as u64
}

/// Whole cents of a dollar amount (rounded up: a budget is never smaller than asked).
#[must_use]
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a validated, positive amount of dollars"
)]
pub fn usd_to_cents(usd: f64) -> u64 {
    (usd * 100.0).ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reproduction_keeps_the_journal_shape_of_release_0_1() {
        let journaled = r#"{"command":"pytest -q t.py","files":[["/w/f/t.py","tests/t.py"]],"signature":"boom","timeout":30}"#;
        let repro: Reproduction = serde_json::from_str(journaled).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            repro.files,
            [(PathBuf::from("/w/f/t.py"), "tests/t.py".into())]
        );
        assert_eq!(repro.runs, None);
        assert_eq!(
            serde_json::to_string(&repro).ok().as_deref(),
            Some(journaled)
        );
    }
}
