//! The watcher's own clone of each repository (under its state folder), fetched before each
//! piece of work; a worktree per run at the failing commit, so runs never share a checkout and
//! nothing of a user's is ever touched. The token goes to git as an HTTP header, never in a URL.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::adapters::git::Git;
use crate::commands::ci_common::push_auth;
use crate::core::exit::ExitCode;

/// A git command in `cwd` with the token's header; stdout.
pub async fn git(cwd: &Path, args: &[&str]) -> Result<String, CommandError> {
    let auth = push_auth();
    let env: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Git::run_in(cwd, args, &env).await.map_err(|e| {
        CommandError::new(
            ExitCode::Unavailable,
            format!("git {}: {}", first_words(args), e.stderr),
        )
    })
}

/// The command's first words, for a message (never a URL or a token).
fn first_words(args: &[&str]) -> String {
    args.iter().take(2).copied().collect::<Vec<_>>().join(" ")
}

/// The watcher's clone of `remote` in `dir`, made on first use.
pub async fn clone(dir: &Path, remote: &str) -> Result<PathBuf, CommandError> {
    if dir.join(".git").is_dir() {
        return Ok(dir.to_path_buf());
    }
    let parent = dir.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot create {}: {e}", parent.display()),
        )
    })?;
    let target = dir.display().to_string();
    git(parent, &["clone", "--quiet", remote, &target]).await?;
    Ok(dir.to_path_buf())
}

/// Fetches `refspec` from origin; the commit it names.
pub async fn fetch(clone: &Path, branch: &str) -> Result<String, CommandError> {
    let local = format!("refs/fixloop-watch/heads/{branch}");
    git(
        clone,
        &[
            "fetch",
            "--quiet",
            "--no-tags",
            "origin",
            &format!("+refs/heads/{branch}:{local}"),
        ],
    )
    .await?;
    git(clone, &["rev-parse", &local]).await
}

/// A worktree of `clone` at `commit` (detached), made anew.
pub async fn worktree(clone: &Path, name: &str, commit: &str) -> Result<PathBuf, CommandError> {
    let path = clone.join(".git/fixloop-watch").join(name);
    remove_worktree(clone, &path).await;
    let arg = path.display().to_string();
    git(
        clone,
        &["worktree", "add", "--quiet", "--detach", &arg, commit],
    )
    .await?;
    Ok(path)
}

pub async fn remove_worktree(clone: &Path, path: &Path) {
    let arg = path.display().to_string();
    let _ = git(clone, &["worktree", "remove", "--force", &arg]).await;
    let _ = std::fs::remove_dir_all(path);
    let _ = git(clone, &["worktree", "prune"]).await;
}
