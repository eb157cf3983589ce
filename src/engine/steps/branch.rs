//! The fix branch: `fix/<name>` from the latest base, in a worktree of its own with the
//! reproduction placed in it; and, for a resumed run, the worktrees made again where an
//! interrupted run's cleanup (or `fixloop clean`) removed them.

use std::path::{Path, PathBuf};

use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::engine::bench::{Bench, place};
use crate::engine::ports::Checkout;

/// Creates the fix branch and its worktree. The branch and base commit are journaled before
/// they are made, so that a run cut off in this step reuses them.
pub async fn create(bench: &Bench) -> Result<EventKind, StepError> {
    let path = bench.worktree_path("fix").await?;
    if let Some((branch, base_commit)) = bench.view(|v| v.fix_intent.clone())
        && reuse(bench, &branch, &base_commit, &path).await?
    {
        return ready(bench, branch, base_commit, &path);
    }
    let base_commit = latest_base(bench).await?;
    let setup = &bench.setup;
    let mut branch = format!("fix/{}", setup.name);
    let mut n = 2;
    while bench.vcs.branch_exists(&branch).await {
        branch = format!("fix/{}-{n}", setup.name);
        n += 1;
    }
    bench.emit(EventKind::StepStarted {
        step: "create-fix-branch".into(),
        branch: Some(branch.clone()),
        commit: Some(base_commit.clone()),
    });
    bench.discard_worktree(&path).await;
    bench
        .vcs
        .add_worktree(
            &path,
            Checkout::NewBranch {
                name: &branch,
                start: &base_commit,
            },
        )
        .await?;
    ready(bench, branch, base_commit, &path)
}

/// A cut-off attempt's branch is used again if it is still at the base commit it was made at;
/// its worktree is reset, or made again. `false` when it cannot be used.
async fn reuse(
    bench: &Bench,
    branch: &str,
    base_commit: &str,
    path: &Path,
) -> Result<bool, StepError> {
    let tip = bench.vcs.rev_parse(&format!("refs/heads/{branch}")).await;
    if !tip.is_ok_and(|tip| tip == base_commit) {
        return Ok(false);
    }
    let usable = bench.vcs.is_worktree(path).await
        && bench.vcs.worktree_branch(path).await.as_deref() == Some(branch);
    if usable {
        bench.vcs.reset_hard(path, base_commit).await?;
    } else {
        bench.discard_worktree(path).await;
        bench
            .vcs
            .add_worktree(path, Checkout::Branch(branch))
            .await?;
    }
    Ok(true)
}

/// The base branch's latest commit: fetched from the remote when there is one, else local.
async fn latest_base(bench: &Bench) -> Result<String, StepError> {
    let base = &bench.setup.base;
    let mut start = None;
    if let Some(remote) = bench.setup.remote() {
        match bench.vcs.fetch(remote, base).await {
            Ok(()) => start = Some(format!("refs/remotes/{remote}/{base}")),
            Err(e) => bench.warn(format!(
                "could not fetch {base} from {remote} ({}); using the local {base}",
                e.stderr
            )),
        }
    }
    for candidate in start.into_iter().chain([format!("refs/heads/{base}")]) {
        if let Ok(commit) = bench.vcs.rev_parse(&candidate).await {
            return Ok(commit);
        }
    }
    Err(
        StepError::input(format!("the base branch `{base}` does not exist"))
            .hint("set `base-branch` in info.json or pass --base"),
    )
}

fn ready(
    bench: &Bench,
    branch: String,
    base_commit: String,
    path: &Path,
) -> Result<EventKind, StepError> {
    if let Some(repro) = bench.reproduction() {
        place(&repro, path)?;
    }
    Ok(EventKind::FixBranchCreated {
        branch,
        base: bench.setup.base.clone(),
        base_commit,
        worktree: path.display().to_string(),
    })
}

/// Which of the run's worktrees a step works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worktree {
    Scratch,
    Fix,
}

/// Makes the scratch (or fix) worktree again where a resumed run expects it and finds none.
pub async fn ensure(bench: &Bench, which: Worktree) -> Result<(), StepError> {
    let (path, target) = bench.view(|v| match which {
        Worktree::Fix => (
            v.fix.as_ref().map(|f| f.worktree.clone()),
            v.fix.as_ref().map(|f| f.branch.clone()),
        ),
        Worktree::Scratch => (v.scratch.clone(), v.scratch_commit.clone()),
    });
    let (Some(path), Some(target)) = (path.map(PathBuf::from), target) else {
        return Ok(());
    };
    if bench.vcs.is_worktree(&path).await {
        return Ok(());
    }
    // Gone because a cleanup or `fixloop clean` removed it is made again; moved elsewhere or
    // broken (by the agent) is not fixloop's to take back.
    if path.exists() {
        return Err(StepError::error(format!(
            "the {} worktree is no longer fixloop's: {} is not a git worktree any more (its .git \
             was changed)",
            if which == Worktree::Fix {
                "fix"
            } else {
                "scratch"
            },
            path.display()
        ))
        .hint("look at it, then start the run again; fixloop commits nothing from it"));
    }
    if which == Worktree::Fix {
        let branch = format!("refs/heads/{target}");
        if let Some((elsewhere, _)) = bench
            .vcs
            .worktrees()
            .await
            .into_iter()
            .find(|(p, b)| b.as_deref() == Some(branch.as_str()) && *p != path)
        {
            return Err(StepError::error(format!(
                "the fix worktree is no longer fixloop's: the agent moved it from {} to {}",
                path.display(),
                elsewhere.display()
            ))
            .hint("look at it, then start the run again; fixloop commits nothing from it"));
        }
    }
    bench.vcs.prune_worktrees().await;
    let at = match which {
        Worktree::Fix => Checkout::Branch(&target),
        Worktree::Scratch => Checkout::Detached(&target),
    };
    bench.vcs.add_worktree(&path, at).await?;
    if which == Worktree::Fix
        && let Some(repro) = bench.reproduction()
    {
        place(&repro, &path)?;
    }
    bench.warn(format!(
        "made the {} worktree again at {}",
        if which == Worktree::Fix {
            "fix"
        } else {
            "scratch"
        },
        path.display()
    ));
    Ok(())
}
