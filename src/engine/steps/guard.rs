//! What an agent (or the code under test) must not have done, checked when its step ends and
//! again before fixloop trusts the result: change the approved reproduction (in the worktree or
//! the failure folder), or change anything the user owns in the repository — refs, the stash,
//! the configuration and hooks, the checkout's index and working tree. fixloop does not undo
//! such a change (that could lose data too); it says what happened and how to restore it.

use std::path::{Path, PathBuf};

use crate::core::checkout::{Fingerprint, changes};
use crate::core::defence::Defence;
use crate::core::error::StepError;
use crate::core::event::Phase;
use crate::core::setup::Reproduction;
use crate::core::view::FixView;
use crate::engine::bench::{Bench, sha256_file};
use crate::engine::store::NameLock;

/// What the agent of `phase`, working in `workdir`, did that it must not have.
pub(crate) fn after_agent(bench: &Bench, phase: Phase, workdir: &Path) -> Vec<String> {
    match (phase, bench.approved_reproduction()) {
        (Phase::Fix, Ok(Some(repro))) => reproduction_findings(bench, &repro, workdir),
        // A frozen copy that was changed stops the verification itself, with its own error.
        _ => Vec::new(),
    }
}

/// What the user owns in the repository at one moment, and the failure names fixloop runs were
/// working on then (their branches are theirs, not the user's).
#[derive(Debug, Clone)]
pub(crate) struct UserState {
    fingerprint: Fingerprint,
    fixloop_names: Vec<String>,
}

/// What the user owns in the repository now; `None` (with a warning) when git cannot say.
pub(crate) async fn user_state(bench: &Bench) -> Option<UserState> {
    // The failure folder, the toolkit's folders of the workspace and the run's outputs are
    // fixloop's and the agent's to write.
    let workspace = &bench.setup.workspace;
    let skip: Vec<PathBuf> = [
        "outputs",
        "reproduce-deterministic-failures",
        "reproduce-ND-failures",
        "implementing-features",
    ]
    .iter()
    .map(|folder| workspace.join(folder))
    .chain([bench.setup.failure_dir.clone()])
    .collect();
    let mut fixloop_names = vec![bench.setup.name.clone()];
    if let Ok(git_dir) = bench.vcs.common_dir().await {
        fixloop_names.extend(NameLock::names_in_use(&git_dir));
    }
    match bench.vcs.fingerprint(&skip).await {
        Ok(fingerprint) => Some(UserState {
            fingerprint,
            fixloop_names,
        }),
        Err(e) => {
            bench.warn(format!("could not fingerprint your repository: {e}"));
            None
        }
    }
}

/// What changed in what the user owns since `before`, said of `who`.
pub(crate) async fn user_changes(
    bench: &Bench,
    before: Option<&UserState>,
    who: &str,
) -> Vec<String> {
    let Some(before) = before else {
        return Vec::new();
    };
    let Some(after) = user_state(bench).await else {
        return Vec::new();
    };
    let ours = not_the_users(bench, before, &after);
    Defence::RepositoryGuard.claim(changes(&before.fingerprint, &after.fingerprint, who, &ours))
}

/// The refs that are not the user's: remote-tracking branches (a cache of the remote that any
/// fetch, fixloop's own included, rewrites), and the branches of the fixloop runs working on the
/// repository during the window (this one's, and those of runs going at the same time).
fn not_the_users(bench: &Bench, before: &UserState, after: &UserState) -> Vec<String> {
    let names: Vec<&String> = before
        .fixloop_names
        .iter()
        .chain(&after.fixloop_names)
        .collect();
    let this_run = bench.view(|v| {
        v.fix
            .as_ref()
            .map(|f| f.branch.clone())
            .or_else(|| v.fix_intent.as_ref().map(|(branch, _)| branch.clone()))
    });
    let numbered = |rest: &str| {
        rest.is_empty()
            || rest
                .strip_prefix('-')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let fixloops = |reference: &str| {
        reference.starts_with("refs/remotes/")
            || this_run
                .as_ref()
                .is_some_and(|b| reference == format!("refs/heads/{b}"))
            || names.iter().any(|name| {
                reference == format!("refs/heads/fixloop/repro/{name}")
                    || reference
                        .strip_prefix(&format!("refs/heads/fix/{name}"))
                        .is_some_and(numbered)
            })
    };
    before
        .fingerprint
        .refs
        .keys()
        .chain(after.fingerprint.refs.keys())
        .filter(|r| fixloops(r))
        .cloned()
        .collect()
}

/// Confirms the fix worktree is still the one fixloop made: a worktree of this repository, on
/// the fix branch, which still descends from the base fixloop chose. Anything else is the agent's
/// doing, and the step fails saying what it found.
pub(crate) async fn fix_worktree_is_ours(bench: &Bench, fix: &FixView) -> Result<(), StepError> {
    let worktree = Path::new(&fix.worktree);
    let branch = format!("refs/heads/{}", fix.branch);
    let not_ours = |what: String| {
        StepError::error(format!("the fix worktree is no longer fixloop's: {what}"))
            .hint("look at it, then start the run again; fixloop commits nothing from it")
    };
    let identity = bench.vcs.worktree_identity(worktree).await.map_err(|_| {
        not_ours(format!(
            "{} is not a git worktree any more",
            worktree.display()
        ))
    })?;
    let common = bench.vcs.common_dir().await?;
    let same = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
    if !same(&identity.common_dir, &common) {
        return Err(not_ours(format!(
            "its .git now points at {} instead of this repository",
            identity.common_dir.display()
        )));
    }
    match identity.head {
        None => {
            return Err(not_ours(
                "the agent detached its HEAD from the fix branch".into(),
            ));
        }
        Some(head) if head != branch => {
            return Err(not_ours(format!(
                "the agent switched it from {} to {}",
                fix.branch,
                head.trim_start_matches("refs/heads/")
            )));
        }
        Some(_) => {}
    }
    if !bench.vcs.is_ancestor(&fix.base_commit, &branch).await {
        return Err(not_ours(format!(
            "{} no longer descends from the base commit {} (its history was rewritten)",
            fix.branch,
            &fix.base_commit[..fix.base_commit.len().min(12)]
        )));
    }
    Ok(())
}

/// The findings an agent's step recorded as it ended.
pub(crate) fn agent_findings(bench: &Bench, phase: Phase, attempt: u32) -> Vec<String> {
    bench.view(|v| {
        v.agent_runs
            .iter()
            .rev()
            .find(|r| r.phase == phase && r.attempt == attempt)
            .map(|r| r.findings.clone())
            .unwrap_or_default()
    })
}

/// Adds `more` to `findings`, each once.
pub(crate) fn merge(findings: &mut Vec<String>, more: Vec<String>) {
    for finding in more {
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    }
}

/// Everything done to the approved reproduction since its approval, in words.
pub(crate) fn reproduction_findings(
    bench: &Bench,
    repro: &Reproduction,
    worktree: &Path,
) -> Vec<String> {
    let mut findings = tampered(repro, worktree);
    findings.extend(changed_after_approval(bench));
    findings
}

/// Findings for each file of the approved reproduction (its tests and `repro.json`) that
/// changed in the failure folder since it was approved.
fn changed_after_approval(bench: &Bench) -> Vec<String> {
    // Copied out first: the files are read without holding the run's event stream.
    let frozen = bench.view(|v| v.frozen.clone());
    frozen
        .iter()
        .filter(|f| sha256_file(Path::new(&f.source)).ok().as_deref() != Some(&f.sha256))
        .map(|f| {
            Defence::FrozenReproduction.finding(format_args!(
                "the approved reproduction's `{}` was changed or removed in the failure folder \
                 after approval; fixloop verified with its own copy",
                f.source
            ))
        })
        .collect()
}

/// Findings for each reproduction file the agent changed or removed in the worktree.
pub(crate) fn tampered(repro: &Reproduction, worktree: &Path) -> Vec<String> {
    repro
        .files
        .iter()
        .filter(|(source, dest)| {
            std::fs::read(worktree.join(dest)).ok() != std::fs::read(source).ok()
        })
        .map(|(_, dest)| {
            Defence::FrozenReproduction.finding(format_args!(
                "the agent changed or removed the reproduction `{dest}`; fixloop verified with \
                 the approved version"
            ))
        })
        .collect()
}
