//! The sync's end on GitHub: the branch pushed (never over a person's commits) and its one PR
//! opened or updated with its verdict's labels, older sync PRs closed as superseded; or, past
//! the ceiling, one issue saying why and nothing pushed. Upstream changes to workflow files go
//! up only with a token that may push them: else a loud failure that says what token to use.

use super::merge::conventions;
use super::{SyncPipeline, hold, view};
use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::sync::body::{Blocked, SyncSummary, issue_body, issue_title, pr_body, pr_title};
use crate::core::sync::plan::workflow_scope_refusal;
use crate::core::sync::trailer::OWN_LINES;
use crate::core::sync::verdict::{Resolution, verdict};
use crate::engine::bench::Bench;
use crate::engine::ports::SyncPr;

/// The marker of the one conflict issue.
pub use crate::core::sync::body::ISSUE_MARKER;
pub use crate::core::sync::verdict::{NEEDS_REVIEW, READY, SYNC_LABEL};

pub async fn publish(sync: &SyncPipeline, bench: &Bench) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let commit = facts
        .commit
        .clone()
        .ok_or_else(|| StepError::error("there is no merge commit to push"))?;
    let rules = conventions(sync, bench, &facts.base_commit).await?;
    let ai_edited: Vec<String> = facts
        .files
        .iter()
        .filter(|f| f.resolution == Resolution::Agent)
        .map(|f| f.path.clone())
        .chain(facts.fixes.iter().flat_map(|f| f.files.iter().cloned()))
        .collect();
    let judged = verdict(&facts.files, &facts.checks, &ai_edited, &rules);
    let (labels, drop) = if judged.ready {
        (
            vec![SYNC_LABEL.to_owned(), READY.to_owned()],
            vec![NEEDS_REVIEW.to_owned()],
        )
    } else {
        (
            vec![SYNC_LABEL.to_owned(), NEEDS_REVIEW.to_owned()],
            vec![READY.to_owned()],
        )
    };
    let summary = SyncSummary {
        fork: sync.config.repo.clone(),
        upstream: sync.config.upstream.clone(),
        what: facts.what.clone().unwrap_or_default(),
        previous: facts.previous.clone(),
        base: facts.base.clone(),
        branch: facts.branch.clone(),
        release_notes: facts.release_notes.clone(),
        files: facts.files.clone(),
        checks: facts.checks.clone(),
        fixes: facts
            .fixes
            .iter()
            .map(|f| match &f.commit {
                Some(commit) => format!(
                    "`{}`: {} (fixloop run {}, commit {})",
                    f.command,
                    f.said,
                    f.run_id,
                    commit.get(..12).unwrap_or(commit)
                ),
                None => format!("`{}`: {} (fixloop run {})", f.command, f.said, f.run_id),
            })
            .collect(),
        phases: bench.view(phase_costs),
        verdict: judged.clone(),
        run_id: bench.setup.run_id.clone(),
    };
    let pr = SyncPr {
        branch: facts.branch.clone(),
        base: facts.base.clone(),
        title: pr_title(&summary),
        body: pr_body(&summary),
        draft: !judged.ready,
        labels: labels.clone(),
        drop_labels: drop,
        supersedes: "fixloop/sync/".into(),
    };
    if let Some(out) = &sync.hold {
        let declared = facts
            .files
            .iter()
            .map(|f| f.path.clone())
            .chain(facts.fixes.iter().flat_map(|f| f.files.iter().cloned()))
            .collect();
        return hold::pr(sync, bench, out, &pr, &commit, declared).await;
    }
    let Some(remote) = &sync.remote else {
        return Err(
            StepError::input("the fork has no remote to push the sync branch to").hint(
                "add the fork's GitHub remote (`git remote add origin …`), or run with --no-pr",
            ),
        );
    };
    workflows_allowed(sync, bench, &facts.base_commit, &commit).await?;
    sync.merger
        .push_branch(remote, &facts.branch, &commit, &OWN_LINES)
        .await
        .map_err(|e| {
            StepError::unavailable(format!("cannot push {}: {}", facts.branch, e.stderr))
        })?;
    let made = sync.forge.sync_pr(&pr).await?;
    Ok(EventKind::SyncPublished {
        number: made.number,
        url: made.url,
        labels,
        superseded: made.superseded,
    })
}

/// Each phase's time and cost so far, for the PR body.
fn phase_costs(view: &crate::core::view::RunView) -> Vec<(String, f64, f64)> {
    view.phases
        .iter()
        .filter(|p| p.starts > 0)
        .map(|p| {
            #[expect(clippy::cast_precision_loss, reason = "milliseconds of a run")]
            let seconds = p.duration_ms as f64 / 1000.0;
            (p.phase.as_str().to_owned(), seconds, p.cost_usd)
        })
        .collect()
}

/// Refuses, before anything is pushed, to push upstream's changes to workflow files with a
/// token known not to be allowed to.
async fn workflows_allowed(
    sync: &SyncPipeline,
    bench: &Bench,
    base_commit: &str,
    commit: &str,
) -> Result<(), StepError> {
    let changed = bench.vcs.changed_files(base_commit, commit).await?;
    let workflows: Vec<String> = changed
        .into_iter()
        .filter(|p| p.starts_with(".github/workflows/"))
        .collect();
    if workflows.is_empty() {
        return Ok(());
    }
    if sync.forge.may_push_workflows().await? == Some(false) {
        let (message, hint) = workflow_scope_refusal(&workflows);
        return Err(StepError::unavailable(message).hint(hint));
    }
    Ok(())
}

/// Past the ceiling: nothing pushed, and fixloop's one conflict issue opened or updated.
pub async fn block(
    sync: &SyncPipeline,
    bench: &Bench,
    reasons: Vec<String>,
) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let mut files: Vec<(String, String)> = facts
        .files
        .iter()
        .filter(|f| f.resolution == Resolution::Unresolved)
        .map(|f| (f.path.clone(), f.rationale.clone()))
        .collect();
    if files.is_empty() {
        files = reasons.iter().map(|r| (String::new(), r.clone())).collect();
    }
    let mut not_run: Vec<String> = sync.config.lint.clone();
    not_run.extend(sync.config.test.iter().cloned());
    let blocked = Blocked {
        fork: sync.config.repo.clone(),
        upstream: sync.config.upstream.clone(),
        what: facts.what.clone().unwrap_or_default(),
        base: facts.base.clone(),
        base_commit: facts.base_commit.clone(),
        upstream_commit: facts.upstream_commit.clone(),
        merge_base: facts.merge_base.clone(),
        ahead: facts.ahead,
        behind: facts.behind,
        files,
        not_run,
        run_id: bench.setup.run_id.clone(),
    };
    let (title, body) = (issue_title(&blocked.what), issue_body(&blocked));
    if let Some(out) = &sync.hold {
        return hold::issue(sync, bench, out, &title, &body, reasons);
    }
    let (number, url) = sync.forge.sync_issue(ISSUE_MARKER, &title, &body).await?;
    Ok(EventKind::SyncBlocked {
        issue: Some((number, url)),
        reasons,
    })
}
