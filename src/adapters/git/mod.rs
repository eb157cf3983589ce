//! Git through the user's own `git` command: worktrees, branches, commits and push.
//!
//! Why the CLI and not libgit2: pushing and fetching then use the user's credential helpers, ssh
//! agent and config exactly as `git push` does, with no OpenSSL linked into fixloop; worktree
//! handling is git's own. Every call runs with prompts off (`GIT_TERMINAL_PROMPT=0`) so nothing
//! waits for a password behind the TUI.

use std::path::{Path, PathBuf};
use std::process::Stdio;

mod fingerprint;
mod vcs;

use crate::engine::ports::VcsError;

/// The identity fixloop commits with when the user has none configured.
const FALLBACK_NAME: &str = "fixloop";
pub(crate) const FALLBACK_EMAIL: &str = "fixloop@localhost";

/// The content of a worktree (tracked, staged, unstaged and untracked files) as one git tree id.
/// Stages everything in that worktree's own index: use it on fixloop's worktrees only.
pub async fn worktree_tree(worktree: &Path) -> Result<String, VcsError> {
    Git::run_in(worktree, &["add", "-A"], &[]).await?;
    Git::run_in(worktree, &["write-tree"], &[]).await
}

#[derive(Debug, Clone)]
pub struct Git {
    /// The user's checkout (the main worktree's top level).
    pub repo: PathBuf,
}

impl Git {
    #[must_use]
    pub fn new(repo: PathBuf) -> Self {
        Self { repo }
    }

    /// `git ARGS` in `cwd` with extra environment; stdout without the trailing newline.
    pub async fn run_in(
        cwd: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<String, VcsError> {
        let mut command = tokio::process::Command::new("git");
        command
            .args(args)
            .current_dir(cwd)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let output = command.output().await.map_err(|e| VcsError {
            args: args.join(" "),
            code: None,
            stderr: if e.kind() == std::io::ErrorKind::NotFound {
                "git is not installed or not on PATH".into()
            } else {
                e.to_string()
            },
        })?;
        if output.status.success() {
            let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
            while text.ends_with('\n') {
                text.pop();
            }
            Ok(text)
        } else {
            Err(VcsError {
                args: args.join(" "),
                code: output.status.code(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }

    pub async fn run(&self, args: &[&str]) -> Result<String, VcsError> {
        Self::run_in(&self.repo, args, &[]).await
    }

    /// The top level of the git working tree containing `dir`.
    pub async fn toplevel(dir: &Path) -> Option<PathBuf> {
        Self::run_in(dir, &["rev-parse", "--show-toplevel"], &[])
            .await
            .ok()
            .map(PathBuf::from)
    }

    /// The shared git directory (`.git` of the main worktree), absolute.
    pub async fn common_dir(&self) -> Result<PathBuf, VcsError> {
        let dir = self.run(&["rev-parse", "--git-common-dir"]).await?;
        let path = PathBuf::from(dir);
        Ok(if path.is_absolute() {
            path
        } else {
            self.repo.join(path)
        })
    }

    pub async fn current_branch(&self) -> Option<String> {
        self.run(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .await
            .ok()
    }

    pub async fn rev_parse(&self, rev: &str) -> Result<String, VcsError> {
        self.run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
        .await
    }

    pub async fn branch_exists(&self, branch: &str) -> bool {
        self.run(&[
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ])
        .await
        .is_ok()
    }

    /// `origin` when it exists, else the only remote; `None` without remotes.
    pub async fn default_remote(&self) -> Option<String> {
        let remotes = self.run(&["remote"]).await.ok()?;
        let remotes: Vec<&str> = remotes.lines().collect();
        if remotes.contains(&"origin") {
            Some("origin".into())
        } else {
            remotes.first().map(|r| (*r).to_owned())
        }
    }

    /// The base branch when none is configured: the remote's default branch, else `main` or
    /// `master`, else the current branch.
    pub async fn default_base(&self, remote: Option<&str>) -> Option<String> {
        if let Some(remote) = remote
            && let Ok(head) = self
                .run(&[
                    "symbolic-ref",
                    "--quiet",
                    "--short",
                    &format!("refs/remotes/{remote}/HEAD"),
                ])
                .await
            && let Some(branch) = head.strip_prefix(&format!("{remote}/"))
        {
            return Some(branch.to_owned());
        }
        for candidate in ["main", "master"] {
            if self.branch_exists(candidate).await {
                return Some(candidate.to_owned());
            }
        }
        self.current_branch().await
    }

    /// The commit identity flags for fixloop's commits when the user has none.
    pub async fn identity(&self) -> Vec<(&'static str, String)> {
        let name = self.run(&["config", "user.name"]).await.unwrap_or_default();
        let email = self
            .run(&["config", "user.email"])
            .await
            .unwrap_or_default();
        let mut env = Vec::new();
        if name.is_empty() {
            env.push(("GIT_AUTHOR_NAME", FALLBACK_NAME.to_owned()));
            env.push(("GIT_COMMITTER_NAME", FALLBACK_NAME.to_owned()));
        }
        if email.is_empty() {
            env.push(("GIT_AUTHOR_EMAIL", FALLBACK_EMAIL.to_owned()));
            env.push(("GIT_COMMITTER_EMAIL", FALLBACK_EMAIL.to_owned()));
        }
        env
    }
}
