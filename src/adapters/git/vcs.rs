//! The `Vcs` port over the `git` command: each operation one or a few git calls.

use std::path::{Path, PathBuf};

use super::{FALLBACK_EMAIL, Git};
use crate::core::checkout::Fingerprint;
use crate::engine::ports::{
    BoxFuture, Change, Checkout, CommitInfo, Vcs, VcsError, WorktreeIdentity,
};

type Result<T> = std::result::Result<T, VcsError>;

fn lossy(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl Git {
    /// `git ARGS` in a worktree, with the commit identity when the user has none.
    async fn in_worktree(&self, worktree: &Path, args: &[&str]) -> Result<String> {
        Self::run_in(worktree, args, &[]).await
    }

    async fn commit_paths_through_index(
        &self,
        branch: &str,
        parent: &str,
        paths: &[String],
        message: &str,
        scratch: &Path,
    ) -> Result<String> {
        let index = scratch.join(format!("fixloop-index-{}", std::process::id()));
        let index_str = lossy(&index);
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

    async fn top_authors(&self, rev: &str, files: &[String], top: usize) -> Vec<String> {
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

    async fn diff_against(
        &self,
        worktree: &Path,
        base: &str,
        exclude: &[String],
        stat: bool,
    ) -> Result<String> {
        let mut args = vec!["diff", "--cached"];
        if stat {
            args.push("--stat");
        }
        args.extend([base, "--", "."]);
        let excluded: Vec<String> = exclude.iter().map(|p| format!(":(exclude){p}")).collect();
        args.extend(excluded.iter().map(String::as_str));
        self.in_worktree(worktree, &args).await
    }
}

impl Vcs for Git {
    fn worktrees_dir(&self) -> BoxFuture<'_, Result<PathBuf>> {
        Box::pin(async { Ok(self.common_dir().await?.join("fixloop").join("worktrees")) })
    }

    fn rev_parse<'a>(&'a self, rev: &'a str) -> BoxFuture<'a, Result<String>> {
        Box::pin(Git::rev_parse(self, rev))
    }

    fn branch_exists<'a>(&'a self, branch: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(Git::branch_exists(self, branch))
    }

    fn current_branch(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(Git::current_branch(self))
    }

    fn commit_info<'a>(&'a self, commit: &'a str) -> BoxFuture<'a, Option<CommitInfo>> {
        Box::pin(async move {
            let found = self
                .run(&["log", "-1", "--format=%P%x00%T%x00%B", commit, "--"])
                .await
                .ok()?;
            let mut parts = found.splitn(3, '\0');
            Some(CommitInfo {
                parents: parts.next()?.to_owned(),
                tree: parts.next()?.to_owned(),
                message: parts.next()?.to_owned(),
            })
        })
    }

    fn file_at<'a>(&'a self, commit: &'a str, path: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move { self.run(&["show", &format!("{commit}:{path}")]).await.ok() })
    }

    fn authors<'a>(
        &'a self,
        rev: &'a str,
        files: &'a [String],
        top: usize,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(self.top_authors(rev, files, top))
    }

    fn fetch<'a>(&'a self, remote: &'a str, what: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.run(&["fetch", "--quiet", remote, what]).await?;
            Ok(())
        })
    }

    fn push<'a>(&'a self, remote: &'a str, branch: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
            self.run(&["push", "--quiet", remote, &refspec]).await?;
            Ok(())
        })
    }

    fn commit_paths<'a>(
        &'a self,
        branch: &'a str,
        parent: &'a str,
        paths: &'a [String],
        message: &'a str,
        scratch: &'a Path,
    ) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.commit_paths_through_index(branch, parent, paths, message, scratch))
    }

    fn refresh_index<'a>(&'a self, paths: &'a [String]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut args = vec!["reset", "-q", "HEAD", "--"];
            args.extend(paths.iter().map(String::as_str));
            self.run(&args).await?;
            Ok(())
        })
    }

    fn add_worktree<'a>(&'a self, path: &'a Path, at: Checkout<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = lossy(path);
            let mut args = vec!["worktree", "add", "--quiet"];
            match at {
                Checkout::Detached(commit) => args.extend(["--detach", &path, commit]),
                Checkout::Branch(branch) => args.extend([path.as_str(), branch]),
                Checkout::NewBranch { name, start } => args.extend(["-b", name, &path, start]),
            }
            self.run(&args).await?;
            Ok(())
        })
    }

    fn remove_worktree<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.run(&["worktree", "remove", "--force", &lossy(path)])
                .await?;
            Ok(())
        })
    }

    fn prune_worktrees(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            let _ = self.run(&["worktree", "prune"]).await;
        })
    }

    fn is_worktree<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            path.is_dir()
                && Self::run_in(path, &["rev-parse", "--git-dir"], &[])
                    .await
                    .is_ok()
        })
    }

    fn worktree_branch<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            self.in_worktree(worktree, &["rev-parse", "--abbrev-ref", "HEAD"])
                .await
                .ok()
        })
    }

    fn reset_hard<'a>(&'a self, worktree: &'a Path, commit: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.in_worktree(worktree, &["reset", "--hard", "-q", commit])
                .await?;
            Ok(())
        })
    }

    fn stage_all<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.in_worktree(worktree, &["add", "-A"]).await?;
            Ok(())
        })
    }

    fn write_tree<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.in_worktree(worktree, &["write-tree"]))
    }

    fn staged_changes<'a>(
        &'a self,
        worktree: &'a Path,
        base: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Change>>> {
        Box::pin(async move {
            let listed = self
                .in_worktree(
                    worktree,
                    &["diff", "--cached", "--name-status", "--no-renames", base],
                )
                .await?;
            Ok(listed
                .lines()
                .map(|line| {
                    let (status, path) = line.split_once('\t').unwrap_or(("M", line));
                    Change {
                        status: status.chars().next().unwrap_or('M'),
                        path: path.to_owned(),
                    }
                })
                .collect())
        })
    }

    fn staged_diff<'a>(
        &'a self,
        worktree: &'a Path,
        base: &'a str,
        exclude: &'a [String],
        stat: bool,
    ) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.diff_against(worktree, base, exclude, stat))
    }

    fn restore<'a>(
        &'a self,
        worktree: &'a Path,
        commit: &'a str,
        path: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.in_worktree(worktree, &["checkout", commit, "--", path])
                .await?;
            Ok(())
        })
    }

    fn untrack<'a>(&'a self, worktree: &'a Path, path: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.in_worktree(
                worktree,
                &["rm", "-q", "--cached", "--ignore-unmatch", "--", path],
            )
            .await?;
            Ok(())
        })
    }

    fn fingerprint<'a>(&'a self, skip: &'a [PathBuf]) -> BoxFuture<'a, Result<Fingerprint>> {
        Box::pin(self.take_fingerprint(skip))
    }

    fn worktree_identity<'a>(
        &'a self,
        worktree: &'a Path,
    ) -> BoxFuture<'a, Result<WorktreeIdentity>> {
        Box::pin(async move {
            let common = self
                .in_worktree(
                    worktree,
                    &["rev-parse", "--path-format=absolute", "--git-common-dir"],
                )
                .await?;
            let head = self
                .in_worktree(worktree, &["symbolic-ref", "--quiet", "HEAD"])
                .await
                .ok();
            Ok(WorktreeIdentity {
                common_dir: PathBuf::from(common),
                head,
            })
        })
    }

    fn common_dir(&self) -> BoxFuture<'_, Result<PathBuf>> {
        Box::pin(Git::common_dir(self))
    }

    fn worktrees(&self) -> BoxFuture<'_, Vec<(PathBuf, Option<String>)>> {
        Box::pin(self.worktree_list())
    }

    fn is_ancestor<'a>(&'a self, ancestor: &'a str, descendant: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            self.run(&["merge-base", "--is-ancestor", ancestor, descendant])
                .await
                .is_ok()
        })
    }

    fn commit_tree<'a>(
        &'a self,
        tree: &'a str,
        parent: &'a str,
        message: &'a str,
    ) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            let identity = self.identity().await;
            let identity: Vec<(&str, &str)> =
                identity.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Self::run_in(
                &self.repo,
                &["commit-tree", tree, "-p", parent, "-m", message],
                &identity,
            )
            .await
        })
    }

    fn update_branch<'a>(
        &'a self,
        branch: &'a str,
        new: &'a str,
        old: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.run(&[
                "update-ref",
                "-m",
                "fixloop: commit the fix",
                &format!("refs/heads/{branch}"),
                new,
                old,
            ])
            .await?;
            Ok(())
        })
    }

    fn ignored_files<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let listed = self
                .in_worktree(
                    worktree,
                    &[
                        "ls-files",
                        "--others",
                        "--ignored",
                        "--exclude-standard",
                        "--directory",
                        "-z",
                    ],
                )
                .await?;
            Ok(listed
                .split('\0')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect())
        })
    }

    fn changed_files<'a>(
        &'a self,
        from: &'a str,
        to: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let listed = self.run(&["diff", "--name-only", from, to]).await?;
            Ok(listed.lines().map(str::to_owned).collect())
        })
    }
}
