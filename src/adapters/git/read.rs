//! Opening the repository with libgit2, and the plain reads: the shared git directory, HEAD,
//! branches, remotes, the configuration and the worktrees.
//!
//! A `git2::Repository` is not `Sync` and a read of a large repository can take a while, so each
//! read opens the repository afresh on the blocking pool. It is opened with the environment git
//! itself honours (`GIT_CONFIG_GLOBAL`, `GIT_CONFIG_NOSYSTEM`, `GIT_INDEX_FILE`,
//! `GIT_OBJECT_DIRECTORY`...), so that each answer is the one the `git` command would give.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, Repository, RepositoryOpenFlags};

use crate::engine::ports::VcsError;

type Result<T> = std::result::Result<T, VcsError>;

#[derive(Debug, Clone)]
pub struct Git {
    /// The user's checkout (the top level of its worktree).
    pub repo: PathBuf,
}

/// Opens the repository whose worktree (or git directory) is `path` itself, as git would in
/// this process's environment.
pub(super) fn open(path: &Path) -> std::result::Result<Repository, git2::Error> {
    Repository::open_ext(
        path,
        RepositoryOpenFlags::NO_SEARCH | RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
}

/// A folder as libgit2 gives it (ending in `/`) as git prints it.
pub(super) fn tidy(path: &Path) -> PathBuf {
    path.components().collect()
}

/// `Ok(None)` for what is not there, other errors kept.
pub(super) fn found<T>(
    result: std::result::Result<T, git2::Error>,
) -> std::result::Result<Option<T>, git2::Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The ref HEAD names (`refs/heads/main`), `None` when it is detached.
pub(super) fn head_ref(repo: &Repository) -> std::result::Result<Option<String>, git2::Error> {
    Ok(repo
        .find_reference("HEAD")?
        .symbolic_target_bytes()
        .map(|t| String::from_utf8_lossy(t).into_owned()))
}

/// Runs `read` on the repository at `at` (a worktree or a git directory), on the blocking pool.
/// A failure is named as the git command `what` would be.
pub(super) async fn read_at<T, F>(at: &Path, what: String, read: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Repository) -> std::result::Result<T, git2::Error> + Send + 'static,
{
    let at = at.to_path_buf();
    let done = tokio::task::spawn_blocking(move || read(&open(&at)?)).await;
    let stderr = match done {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(e)) if e.message().contains("unsupported extension") => format!(
            "{} (fixloop reads repositories with libgit2, which does not know this repository \
             format — a partial clone or reftable refs; run fixloop on a full clone with files \
             refs)",
            e.message()
        ),
        Ok(Err(e)) => e.message().to_owned(),
        Err(e) => e.to_string(),
    };
    Err(VcsError {
        args: what,
        code: None,
        stderr,
    })
}

impl Git {
    #[must_use]
    pub fn new(repo: PathBuf) -> Self {
        Self { repo }
    }

    /// Runs `read` on the user's repository (see `read_at`).
    pub(super) async fn read<T, F>(&self, what: impl Into<String>, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Repository) -> std::result::Result<T, git2::Error> + Send + 'static,
    {
        read_at(&self.repo, what.into(), read).await
    }

    /// The top level of the git working tree containing `dir` (searching upwards as git does,
    /// stopping at `GIT_CEILING_DIRECTORIES`).
    pub async fn toplevel(dir: &Path) -> Option<PathBuf> {
        let dir_for_cli = dir;
        let dir = dir.to_path_buf();
        let found = tokio::task::spawn_blocking(move || {
            let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
                .map(|dirs| std::env::split_paths(&dirs).collect())
                .unwrap_or_default();
            match Repository::open_ext(&dir, RepositoryOpenFlags::FROM_ENV, ceilings) {
                Ok(repo) => Ok(repo.workdir().map(tidy)),
                Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
                // A repository libgit2 cannot open (a format it does not know) is still a
                // repository: the command finds it, and the first read says what is wrong.
                Err(_) => Err(()),
            }
        })
        .await;
        match found {
            Ok(Ok(top)) => top,
            _ => Self::run_in(dir_for_cli, &["rev-parse", "--show-toplevel"], &[])
                .await
                .ok()
                .map(PathBuf::from),
        }
    }

    /// The shared git directory (`.git` of the main worktree), absolute.
    pub async fn common_dir(&self) -> Result<PathBuf> {
        self.read("rev-parse --git-common-dir", |repo| {
            Ok(tidy(repo.commondir()))
        })
        .await
    }

    /// The branch the checkout is on (`None` when detached).
    pub async fn current_branch(&self) -> Option<String> {
        self.read("symbolic-ref HEAD", |repo| {
            Ok(
                head_ref(repo)?.map(|r| match r.strip_prefix("refs/heads/") {
                    Some(branch) => branch.to_owned(),
                    None => r,
                }),
            )
        })
        .await
        .ok()
        .flatten()
    }

    /// The commit `rev` names.
    pub async fn rev_parse(&self, rev: &str) -> Result<String> {
        let owned = rev.to_owned();
        self.read(
            format!("rev-parse --verify {rev}^{{commit}}"),
            move |repo| {
                Ok(repo
                    .revparse_single(&owned)?
                    .peel_to_commit()?
                    .id()
                    .to_string())
            },
        )
        .await
    }

    pub async fn branch_exists(&self, branch: &str) -> bool {
        let name = format!("refs/heads/{branch}");
        self.read(format!("show-ref --verify {name}"), move |repo| {
            Ok(found(repo.find_reference(&name))?.is_some())
        })
        .await
        .unwrap_or(false)
    }

    /// `origin` when it exists, else the first remote; `None` without remotes.
    pub async fn default_remote(&self) -> Option<String> {
        let remotes = self
            .read("remote", |repo| {
                Ok(repo
                    .remotes()?
                    .iter()
                    .flatten()
                    .flatten()
                    .map(str::to_owned)
                    .collect::<Vec<_>>())
            })
            .await
            .ok()?;
        if remotes.iter().any(|r| r == "origin") {
            Some("origin".into())
        } else {
            remotes.into_iter().next()
        }
    }

    /// The base branch when none is configured: the remote's default branch, else `main` or
    /// `master`, else the current branch.
    pub async fn default_base(&self, remote: Option<&str>) -> Option<String> {
        if let Some(remote) = remote {
            let prefix = format!("refs/remotes/{remote}/");
            let head = format!("{prefix}HEAD");
            let branch = self
                .read(format!("symbolic-ref {head}"), move |repo| {
                    Ok(found(repo.find_reference(&head))?.and_then(|r| {
                        r.symbolic_target()
                            .ok()
                            .flatten()
                            .and_then(|t| t.strip_prefix(&prefix))
                            .map(str::to_owned)
                    }))
                })
                .await;
            if let Ok(Some(branch)) = branch {
                return Some(branch);
            }
        }
        for candidate in ["main", "master"] {
            if self.branch_exists(candidate).await {
                return Some(candidate.to_owned());
            }
        }
        self.current_branch().await
    }

    /// Every worktree the repository knows, the main one first: its folder and the ref its HEAD
    /// names (`None` when detached). A worktree whose folder is gone is still listed.
    pub(super) async fn worktree_list(&self) -> Vec<(PathBuf, Option<String>)> {
        self.read("worktree list", |repo| {
            let common = tidy(repo.commondir());
            let main = open(&common)?;
            let mut out = Vec::new();
            if let Some(dir) = main.workdir() {
                out.push((tidy(dir), head_ref(&main)?));
            }
            for name in main.worktrees()?.iter().flatten().flatten() {
                let Ok(worktree) = main.find_worktree(name) else {
                    continue;
                };
                // Its HEAD is read from its own git directory, which stays when its folder goes.
                let head = open(&common.join("worktrees").join(name))
                    .and_then(|own| head_ref(&own))
                    .unwrap_or(None);
                out.push((tidy(worktree.path()), head));
            }
            Ok(out)
        })
        .await
        .unwrap_or_default()
    }
}
