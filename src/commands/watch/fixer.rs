//! The fixer path: the known fixers run in a worktree at the failing commit, then each failing
//! check's command again. Green → one commit (with fixloop's trailer, so its own push is never
//! taken again), delivered; still red or nothing changed → the run goes on to the pipeline.

use std::path::Path;
use std::time::Duration;

use super::CommandError;
use super::git::{git, remove_worktree, worktree};
use crate::core::watch::FixerSpec;
use crate::engine::bench::{HIDDEN_FROM_CHILDREN, MODEL_KEYS};

/// How long one fixer or check may run.
const COMMAND_LIMIT: Duration = Duration::from_secs(600);

/// What the fixers came to.
#[derive(Debug)]
pub enum Fixed {
    /// A commit on top of the failing one whose checks pass.
    Commit { sha: String, files: Vec<String> },
    /// Why the fixers did not fix it (the checks' last words); the commit of what they changed
    /// all the same, when they changed something (the AI path starts from it).
    Not(String, Option<String>),
}

/// Runs `fixers` in a worktree at `commit`, then `checks` (the failing steps' own commands, or
/// the fixers' checks); commits what they changed when every check passes.
pub async fn run_fixers(
    clone: &Path,
    name: &str,
    commit: &str,
    fixers: &[&FixerSpec],
    checks: &[String],
    message: &str,
) -> Result<Fixed, CommandError> {
    let tree = worktree(clone, name, commit).await?;
    let fixed = fix_in(&tree, fixers, checks, message).await;
    if !matches!(fixed, Ok(Fixed::Commit { .. })) {
        remove_worktree(clone, &tree).await;
    }
    fixed
}

async fn fix_in(
    tree: &Path,
    fixers: &[&FixerSpec],
    checks: &[String],
    message: &str,
) -> Result<Fixed, CommandError> {
    for fixer in fixers {
        // Its exit code says nothing (several exit 1 when they changed files): the check does.
        let _ = shell(tree, &fixer.run).await;
    }
    let changed = git(tree, &["status", "--porcelain", "--untracked-files=all"]).await?;
    if changed.trim().is_empty() {
        return Ok(Fixed::Not(
            format!("{} changed nothing", names(fixers)),
            None,
        ));
    }
    if checks.is_empty() {
        let kept = commit(tree, message).await?.0;
        return Ok(Fixed::Not(
            "there is no check to run again, so the fix cannot be shown to work".into(),
            Some(kept),
        ));
    }
    for check in checks {
        let (ok, tail) = shell(tree, check).await;
        if !ok {
            let kept = commit(tree, message).await?.0;
            return Ok(Fixed::Not(
                format!("after {}, `{check}` still fails: {tail}", names(fixers)),
                Some(kept),
            ));
        }
    }
    let (sha, files) = commit(tree, message).await?;
    Ok(Fixed::Commit { sha, files })
}

/// Commits everything in the worktree; the commit and the files it changed.
async fn commit(tree: &Path, message: &str) -> Result<(String, Vec<String>), CommandError> {
    git(tree, &["add", "--all"]).await?;
    let files: Vec<String> = git(tree, &["diff", "--cached", "--name-only"])
        .await?
        .lines()
        .map(str::to_owned)
        .collect();
    let identity = [
        "-c",
        "user.name=fixloop",
        "-c",
        "user.email=fixloop@users.noreply.github.com",
    ];
    let mut args: Vec<&str> = identity.to_vec();
    args.extend(["commit", "--quiet", "--no-verify", "-m", message]);
    git(tree, &args).await?;
    let sha = git(tree, &["rev-parse", "HEAD"]).await?;
    Ok((sha, files))
}

fn names(fixers: &[&FixerSpec]) -> String {
    fixers
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sh -c command` in `cwd`, in its own process group, without the tokens and model keys, for at
/// most [`COMMAND_LIMIT`]; whether it passed, and the last lines it printed.
async fn shell(cwd: &Path, command: &str) -> (bool, String) {
    let mut child = tokio::process::Command::new("sh");
    child
        .args(["-c", command])
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    for name in HIDDEN_FROM_CHILDREN.iter().chain(MODEL_KEYS) {
        child.env_remove(name);
    }
    // What a killed watcher leaves running is found by this mark and stopped on restart.
    if let Some(marker) = cwd.parent() {
        let marker = marker
            .canonicalize()
            .unwrap_or_else(|_| marker.to_path_buf());
        child.env("FIXLOOP_RUN_DIR", marker);
    }
    match tokio::time::timeout(COMMAND_LIMIT, child.output()).await {
        Ok(Ok(output)) => {
            let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&output.stderr));
            let tail: Vec<&str> = text.lines().rev().take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            (
                output.status.success(),
                crate::engine::secrets::redact(&tail.join(" / ")).into_owned(),
            )
        }
        Ok(Err(e)) => (false, format!("cannot run it: {e}")),
        Err(_) => (false, format!("still running after {COMMAND_LIMIT:?}")),
    }
}
