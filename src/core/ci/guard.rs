//! Whether `fixloop ci analyze` takes a failed run, decided from the event alone and fast: a
//! run fixloop caused itself (its branch, its bot, its commit) is never taken — fixloop does not
//! fix its own fixes — nor one the filters leave out or a PR that has had its attempts.

use super::event::FailedRun;
use crate::core::publish::RUN_TRAILER;

/// What runs are taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// Branches fixloop pushes: a run on one is fixloop's own.
    pub branch_prefixes: Vec<String>,
    /// Logins fixloop pushes as (an App's `name[bot]`, `github-actions[bot]`).
    pub bots: Vec<String>,
    /// Workflow names to take (empty: every one the workflow file watches).
    pub workflows: Vec<String>,
    /// Take only runs of pull requests (not pushes to a branch).
    pub prs_only: bool,
    /// Attempts per PR before fixloop stops trying.
    pub attempt_cap: u32,
}

impl Default for Guard {
    fn default() -> Self {
        Self {
            branch_prefixes: vec!["fixloop/".into()],
            bots: vec!["fixloop[bot]".into(), "github-actions[bot]".into()],
            workflows: Vec::new(),
            prs_only: true,
            attempt_cap: 3,
        }
    }
}

impl Guard {
    /// Why the run is not taken, in one line; `None` when it is. `attempts` is how many times
    /// fixloop already tried the run's PR.
    #[must_use]
    pub fn skip(&self, run: &FailedRun, attempts: u32) -> Option<String> {
        if run.conclusion != "failure" {
            let conclusion = if run.conclusion.is_empty() {
                "none"
            } else {
                &run.conclusion
            };
            return Some(format!(
                "the run's conclusion is `{conclusion}`, not a failure"
            ));
        }
        if let Some(prefix) = self
            .branch_prefixes
            .iter()
            .find(|p| run.head_branch.starts_with(p.as_str()))
        {
            return Some(format!(
                "the run is on `{}`, a fixloop branch (`{prefix}…`): fixloop does not fix its own \
                 fixes",
                run.head_branch
            ));
        }
        if let Some(bot) = run
            .actors
            .iter()
            .find(|a| self.bots.iter().any(|b| b.eq_ignore_ascii_case(a)))
        {
            return Some(format!(
                "the run was started by `{bot}`, fixloop's bot: fixloop does not fix its own fixes"
            ));
        }
        if let Some(run_id) = trailer(&run.head_message) {
            return Some(format!(
                "the head commit is fixloop's own (`{RUN_TRAILER}: {run_id}`): fixloop does not \
                 fix its own fixes"
            ));
        }
        if !self.workflows.is_empty() && !self.workflows.contains(&run.workflow) {
            return Some(format!(
                "the workflow `{}` is not one of those watched ({})",
                run.workflow,
                self.workflows.join(", ")
            ));
        }
        if self.prs_only && run.pull_requests.is_empty() && run.trigger != "pull_request" {
            return Some(format!(
                "the run is not a pull request's (`{}` on `{}`); only PRs are fixed",
                run.trigger, run.head_branch
            ));
        }
        if attempts >= self.attempt_cap {
            return Some(format!(
                "fixloop has tried this PR {attempts} times, its limit of {}",
                self.attempt_cap
            ));
        }
        None
    }
}

/// The run id in a commit message's `Fixloop-Run:` trailer.
#[must_use]
pub fn trailer(message: &str) -> Option<&str> {
    message.lines().rev().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(RUN_TRAILER)
            .then(|| value.trim())
            .filter(|v| !v.is_empty())
    })
}
