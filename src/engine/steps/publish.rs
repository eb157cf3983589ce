//! Publishing a verified, approved fix: one commit on the base (the reproduction taken out unless
//! it is kept), the branch pushed, the draft PR opened or updated.

use std::path::Path;

use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::publish;
use crate::engine::bench::{Bench, place};
use crate::engine::ports::{PrOutcome, PrRequest};
use crate::engine::secrets;
use crate::engine::steps::guard;
use crate::engine::steps::reproduce::made_by_this_run;

/// Commits the fix as one commit on the base, whatever the agent committed on the way: the
/// commit is made from the worktree's tree and the fix branch is moved to it by name (never
/// whatever HEAD points at), after checking the worktree is still the one fixloop made.
pub async fn commit_fix(bench: &Bench, remove_repro: bool) -> Result<EventKind, StepError> {
    let Some(fix) = bench.view(|v| v.fix.clone()) else {
        return Err(StepError::error("no fix branch to commit"));
    };
    guard::fix_worktree_is_ours(bench, &fix).await?;
    let worktree = Path::new(&fix.worktree);
    let base = fix.base_commit.as_str();
    let vcs = &bench.vcs;
    if remove_repro && let Some(repro) = bench.reproduction() {
        for dest in repro.dests() {
            take_out(bench, worktree, base, dest).await?;
        }
    }
    vcs.stage_all(worktree).await?;
    let setup = &bench.setup;
    // A commit made to be verified says nothing of a verification; the PR body and the report
    // carry it.
    let candidate = setup.settings().verify_committed_tree;
    let message = bench.view(|v| {
        publish::fix_message(
            &setup.name,
            &setup.info.prompt,
            v.verification().filter(|_| !candidate),
            &setup.run_id,
        )
    });
    let message = secrets::redact(&message).into_owned();
    let tree = vcs.write_tree(worktree).await?;
    let tip = vcs.rev_parse(&format!("refs/heads/{}", fix.branch)).await?;
    // A cut-off run may have made this very commit already: it is not made twice.
    let commit = if made_by_this_run(bench, &tip, &message, Some((base, &tree))).await {
        tip
    } else {
        // A candidate that changes nothing is still committed: its verification says so, and the
        // agent is asked again.
        if !candidate && vcs.commit_info(base).await.is_some_and(|b| b.tree == tree) {
            return Err(StepError::error("the fix has no changes to commit"));
        }
        let commit = vcs.commit_tree(&tree, base, &message).await?;
        vcs.update_branch(&fix.branch, &commit, &tip).await?;
        commit
    };
    let files_changed = vcs.changed_files(base, &commit).await?;
    if candidate && let Some(repro) = bench.approved_reproduction()? {
        // The agent keeps working here on a revision: the reproduction stays in place for it.
        place(&repro, worktree)?;
    }
    Ok(EventKind::FixCommitted {
        branch: fix.branch,
        commit,
        files_changed,
        message,
        repro_removed: remove_repro,
    })
}

/// Takes a reproduction file out of the fix: a file the reproduction replaced goes back to the
/// base's version, a new one is deleted.
async fn take_out(bench: &Bench, worktree: &Path, base: &str, dest: &str) -> Result<(), StepError> {
    let restored = if bench.vcs.file_at(base, dest).await.is_some() {
        bench.vcs.restore(worktree, base, dest).await
    } else {
        let _ = std::fs::remove_file(worktree.join(dest));
        bench.vcs.untrack(worktree, dest).await
    };
    restored.map_err(StepError::from)
}

/// Pushes the fix branch to the remote (when the repository has one).
pub async fn push(bench: &Bench) -> Result<EventKind, StepError> {
    let Some(branch) = bench.view(|v| v.fix.as_ref().map(|f| f.branch.clone())) else {
        return Err(StepError::error("no fix branch to push"));
    };
    let Some(remote) = bench.setup.remote().map(str::to_owned) else {
        return Ok(EventKind::PrSkipped {
            reason: "the repository has no remote to push to".into(),
        });
    };
    bench.vcs.push(&remote, &branch).await.map_err(|e| {
        StepError::unavailable(format!("git push to {remote} failed: {}", e.stderr)).hint(format!(
            "check that you can push to {remote} (`git push {remote} {branch}` from the \
                 repository)"
        ))
    })?;
    let commit = bench.vcs.rev_parse(&format!("refs/heads/{branch}")).await?;
    Ok(EventKind::BranchPushed {
        remote,
        branch,
        commit,
    })
}

/// Opens (or updates) the draft PR, and comments on the PR whose CI failed.
pub async fn open_pr(bench: &Bench) -> Result<EventKind, StepError> {
    let request = bench.view(|view| {
        let fix = view.fix.as_ref()?;
        Some(PrRequest {
            branch: fix.branch.clone(),
            base: fix.base.clone(),
            title: fix.message.lines().next().unwrap_or_default().to_owned(),
            body: publish::pr_body(view),
            draft: bench.setup.info.draft,
            labels: bench.setup.info.labels.clone(),
            failing_pr: view
                .ci_run
                .as_ref()
                .and_then(|r| r.pull_requests.first().copied()),
        })
    });
    let Some(request) = request else {
        return Err(StepError::error("no fix to open a PR for"));
    };
    match bench.forge.open_pr(&request).await? {
        PrOutcome::Opened { url, number, notes } => {
            for note in notes {
                bench.warn(note);
            }
            Ok(EventKind::PrOpened { url, number })
        }
        PrOutcome::Skipped { reason } => Ok(EventKind::PrSkipped { reason }),
    }
}
