//! Pieces of report text both renderers use: durations, run counts, the next steps.

use crate::core::event::{FailureClass, RunStatus, TestRuns};
use crate::core::exit::ExitCode;
use crate::core::view::{Conclusion, RunView};

/// How the run ended, or a placeholder while it is still going.
#[must_use]
pub fn conclusion(view: &RunView) -> Conclusion {
    view.finished.clone().unwrap_or(Conclusion {
        status: RunStatus::Partial,
        exit_code: ExitCode::Partial,
        message: "the run has not finished".into(),
    })
}

/// The first 12 characters of a commit id.
pub(crate) fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

pub(crate) fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}.{}s", secs, (ms % 1000) / 100)
    }
}

pub(crate) fn runs_line(runs: &TestRuns) -> String {
    format!("{} failed of {} runs", runs.failures, runs.runs)
}

/// What the person should do next, from what happened.
#[must_use]
pub fn next_steps(view: &RunView, end: &Conclusion) -> Vec<String> {
    let mut steps = Vec::new();
    let branch = view.fix.as_ref().map(|f| f.branch.clone());
    match end.status {
        RunStatus::Success => {
            if let Some((url, _)) = &view.pr {
                steps.push(format!(
                    "Review the draft PR {url} and mark it ready once CI passes."
                ));
            } else if let Some(branch) = &branch {
                steps.push(format!(
                    "Open a pull request from `{branch}` when you are ready."
                ));
            }
            steps.push("Check the root cause (Phase 2) against your knowledge of the code.".into());
        }
        RunStatus::Partial | RunStatus::Failed => {
            if let Some(failed) = view.failures.last()
                && failed.class != FailureClass::Error
            {
                steps.push(format!(
                    "Fix the cause and run fixloop again: {}",
                    failed.message
                ));
                steps.extend(failed.hints.iter().cloned());
            }
            if let Some(v) = view.verification() {
                for finding in &v.findings {
                    steps.push(format!(
                        "Review this finding before trusting the fix: {finding}"
                    ));
                }
            }
            if view.fix.is_none() && view.reproduction().is_some_and(|r| !r.reproduced) {
                steps.push(
                    "The reproduction did not fail like CI: read each attempt's feedback below, \
                     give more of the log, or write the reproduction by hand and set \
                     `existing-test-path`."
                        .into(),
                );
            }
            if view.verification().is_some_and(|v| v.passes.failures > 0) {
                steps.push(
                    "The fix was not verified: the reproduction still fails on the fix branch."
                        .into(),
                );
            }
            for kept in &view.kept_worktrees {
                steps.push(format!(
                    "The fix worktree is kept for you at `{kept}`; remove it with `git worktree \
                     remove {kept}` when done."
                ));
            }
            if end.exit_code == ExitCode::Partial && end.message.starts_with("stopped for review") {
                let id = &view.run_id;
                steps.push(format!(
                    "Answer the review (from any folder): `fixloop review {id} approve`, \
                     `fixloop review {id} revise \"what to change\"` or `fixloop review {id} \
                     abort`; `fixloop reports show {id}` shows what there is to review."
                ));
            } else if matches!(end.exit_code, ExitCode::Interrupted | ExitCode::Partial) {
                steps.push(format!(
                    "Go on from where it stopped: `fixloop resume {}` (from any folder).",
                    view.run_id
                ));
            }
            if view.fix.is_some() && view.pushed.is_none() {
                steps.push(format!(
                    "Nothing was pushed; `fixloop clean {}` removes the branch and worktrees the \
                     run made when you no longer need them.",
                    view.run_id
                ));
            }
            if let Some(reason) = &view.pr_skipped
                && let Some(branch) = &branch
            {
                steps.push(format!("Open the PR from `{branch}` by hand: {reason}"));
            }
        }
    }
    if steps.is_empty() {
        steps.push(end.message.clone());
    }
    steps
}
