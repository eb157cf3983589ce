//! Git through the user's own `git` command: worktrees, branches, commits and push.
//!
//! Why the CLI and not libgit2: pushing and fetching then use the user's credential helpers, ssh
//! agent and config exactly as `git push` does, with no OpenSSL linked into fixloop; worktree
//! handling is git's own. Every call runs with prompts off (`GIT_TERMINAL_PROMPT=0`) so nothing
//! waits for a password behind the TUI.

use std::path::{Path, PathBuf};
use std::process::Stdio;

#[derive(Debug, thiserror::Error)]
#[error("git {args} failed{}: {stderr}", code.map(|c| format!(" (exit {c})")).unwrap_or_default())]
pub struct GitError {
    pub args: String,
    pub code: Option<i32>,
    pub stderr: String,
}

/// The identity fixloop commits with when the user has none configured.
const FALLBACK_NAME: &str = "fixloop";
const FALLBACK_EMAIL: &str = "fixloop@localhost";

/// The content of a worktree (tracked, staged, unstaged and untracked files) as one git tree id.
/// Stages everything in that worktree's own index: use it on fixloop's worktrees only.
pub async fn worktree_tree(worktree: &Path) -> Result<String, GitError> {
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
    ) -> Result<String, GitError> {
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
        let output = command.output().await.map_err(|e| GitError {
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
            Err(GitError {
                args: args.join(" "),
                code: output.status.code(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }

    pub async fn run(&self, args: &[&str]) -> Result<String, GitError> {
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
    pub async fn common_dir(&self) -> Result<PathBuf, GitError> {
        let dir = self.run(&["rev-parse", "--git-common-dir"]).await?;
        let path = PathBuf::from(dir);
        Ok(if path.is_absolute() {
            path
        } else {
            self.repo.join(path)
        })
    }

    /// Where fixloop keeps its worktrees: inside the git directory, never in the checkout.
    pub async fn worktrees_dir(&self) -> Result<PathBuf, GitError> {
        Ok(self.common_dir().await?.join("fixloop").join("worktrees"))
    }

    pub async fn current_branch(&self) -> Option<String> {
        self.run(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .await
            .ok()
    }

    pub async fn rev_parse(&self, rev: &str) -> Result<String, GitError> {
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

    /// Commits `paths` (relative to the checkout) onto `branch` whose tip is `parent`, through a
    /// temporary index: the user's index, working tree and HEAD are not touched. Creates the
    /// branch when it does not exist. Returns the new commit.
    pub async fn commit_paths(
        &self,
        branch: &str,
        parent: &str,
        paths: &[String],
        message: &str,
        scratch: &Path,
    ) -> Result<String, GitError> {
        let index = scratch.join(format!("fixloop-index-{}", std::process::id()));
        let index_str = index.to_string_lossy().into_owned();
        let env = [("GIT_INDEX_FILE", index_str.as_str())];
        let result = async {
            Self::run_in(&self.repo, &["read-tree", parent], &env).await?;
            let mut add = vec!["add", "--force", "--"];
            add.extend(paths.iter().map(String::as_str));
            Self::run_in(&self.repo, &add, &env).await?;
            let tree = Self::run_in(&self.repo, &["write-tree"], &env).await?;
            let identity = self.identity().await;
            let identity: Vec<(&str, &str)> =
                identity.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let commit = Self::run_in(
                &self.repo,
                &["commit-tree", &tree, "-p", parent, "-m", message],
                &identity,
            )
            .await?;
            let old = if self.branch_exists(branch).await {
                parent.to_owned()
            } else {
                "0".repeat(40)
            };
            self.run(&[
                "update-ref",
                "-m",
                "fixloop: commit the reproduction",
                &format!("refs/heads/{branch}"),
                &commit,
                &old,
            ])
            .await?;
            Ok(commit)
        }
        .await;
        let _ = std::fs::remove_file(&index);
        result
    }

    /// Removes a worktree fixloop made (forcefully: it holds only fixloop's own files).
    pub async fn remove_worktree(&self, path: &Path) -> Result<(), GitError> {
        let path = path.to_string_lossy();
        self.run(&["worktree", "remove", "--force", &path]).await?;
        Ok(())
    }

    /// The top authors of `files` in the history before `rev`, most commits first.
    pub async fn authors(&self, rev: &str, files: &[String], top: usize) -> Vec<String> {
        if files.is_empty() {
            return Vec::new();
        }
        let mut args = vec!["log", "--format=%an <%ae>", "-n", "500", rev, "--"];
        args.extend(files.iter().map(String::as_str));
        let Ok(log) = self.run(&args).await else {
            return Vec::new();
        };
        let mut counts: Vec<(String, usize)> = Vec::new();
        for author in log.lines().filter(|a| !a.contains(FALLBACK_EMAIL)) {
            match counts.iter_mut().find(|(a, _)| a == author) {
                Some((_, n)) => *n += 1,
                None => counts.push((author.to_owned(), 1)),
            }
        }
        counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        counts
            .into_iter()
            .take(top)
            .map(|(a, n)| format!("{a} ({n} commit{})", if n == 1 { "" } else { "s" }))
            .collect()
    }
}
