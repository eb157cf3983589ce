//! The `Vcs` port: each read made with libgit2, each change one or a few `git` commands.

use std::path::{Path, PathBuf};

use super::Git;
use super::read::{head_ref, read_at, tidy};
use crate::core::checkout::Fingerprint;
use crate::engine::ports::{
    BoxFuture, Change, Checkout, CommitInfo, MergeAnalysis, Vcs, VcsError, WorktreeIdentity,
};

type Result<T> = std::result::Result<T, VcsError>;

fn lossy(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl Git {
    /// `git ARGS` in one of fixloop's worktrees.
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

    async fn diff_against(
        &self,
        worktree: &Path,
        base: &str,
        exclude: &[String],
        stat: bool,
    ) -> Result<String> {
        // Git's own diff, never a driver or text conversion the configuration names: what the
        // report shows and the integrity rules read is the change itself.
        let mut args = vec!["diff", "--cached", "--no-ext-diff", "--no-textconv"];
        if stat {
            args.push("--stat");
        }
        args.extend([base, "--", "."]);
        let excluded: Vec<String> = exclude.iter().map(|p| format!(":(exclude){p}")).collect();
        args.extend(excluded.iter().map(String::as_str));
        self.in_worktree(worktree, &args).await
    }
}

impl Git {
    /// Runs `git ARGS` that adds, removes or prunes worktrees holding the repository's worktree
    /// lock: git's `worktree add` is not safe beside another process's `worktree prune` (which
    /// takes the half-made worktree for a stale one and deletes its admin folder), and two
    /// fixloop runs on one repository do both.
    pub async fn worktree_op(&self, args: &[&str]) -> Result<String> {
        let lock = match self.common_dir().await {
            Ok(dir) => {
                let path = dir.join("fixloop").join("worktrees.lock");
                tokio::task::spawn_blocking(move || {
                    let _ = std::fs::create_dir_all(path.parent()?);
                    let file = std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&path)
                        .ok()?;
                    file.lock().ok()?;
                    Some(file)
                })
                .await
                .ok()
                .flatten()
            }
            Err(_) => None,
        };
        let out = self.run(args).await;
        drop(lock);
        out
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
        Box::pin(Git::commit_info(self, commit))
    }

    fn file_at<'a>(&'a self, commit: &'a str, path: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(Git::file_at(self, commit, path))
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
            self.worktree_op(&args).await?;
            Ok(())
        })
    }

    fn remove_worktree<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.worktree_op(&["worktree", "remove", "--force", &lossy(path)])
                .await?;
            Ok(())
        })
    }

    fn prune_worktrees(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            let _ = self.worktree_op(&["worktree", "prune"]).await;
        })
    }

    fn is_worktree<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            path.is_dir()
                && read_at(path, "rev-parse --git-dir".into(), |repo| {
                    Ok(!repo.is_bare())
                })
                .await
                .unwrap_or(false)
        })
    }

    fn worktree_branch<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            read_at(worktree, "rev-parse --abbrev-ref HEAD".into(), |repo| {
                let head = repo.head()?;
                Ok(head
                    .is_branch()
                    .then(|| String::from_utf8_lossy(head.shorthand_bytes()).into_owned()))
            })
            .await
            .ok()
            .flatten()
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
        Box::pin(Git::staged_changes(self, worktree, base))
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
        Box::pin(read_at(
            worktree,
            "rev-parse --git-common-dir".into(),
            |repo| {
                Ok(WorktreeIdentity {
                    common_dir: tidy(repo.commondir()),
                    head: head_ref(repo)?,
                })
            },
        ))
    }

    fn common_dir(&self) -> BoxFuture<'_, Result<PathBuf>> {
        Box::pin(Git::common_dir(self))
    }

    fn worktrees(&self) -> BoxFuture<'_, Vec<(PathBuf, Option<String>)>> {
        Box::pin(self.worktree_list())
    }

    fn is_ancestor<'a>(&'a self, ancestor: &'a str, descendant: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(Git::is_ancestor(self, ancestor, descendant))
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
        Box::pin(Git::changed_files(self, from, to))
    }

    fn merge_analysis<'a>(
        &'a self,
        ours: &'a str,
        theirs: &'a str,
    ) -> BoxFuture<'a, Result<MergeAnalysis>> {
        Box::pin(self.analyse_merge(ours, theirs))
    }
}
