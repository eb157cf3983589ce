//! The version-control port: the repository as the steps use it. Worktrees of fixloop's own (in
//! the repository's git directory, never in the user's checkout), the commits and branches the
//! steps make, the questions the checks ask of the history, and what a merge would do.

use std::path::{Path, PathBuf};

use super::BoxFuture;
use crate::core::checkout::Fingerprint;
use crate::core::error::StepError;

/// A version-control operation that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("git {args} failed{}: {stderr}", code.map(|c| format!(" (exit {c})")).unwrap_or_default())]
pub struct VcsError {
    /// The operation, as its command line's arguments (a read made without the `git` command is
    /// named as that command would be).
    pub args: String,
    /// The command's exit code; `None` when it did not run or the read was made in process.
    pub code: Option<i32>,
    /// What went wrong, in git's words.
    pub stderr: String,
}

impl From<VcsError> for StepError {
    fn from(e: VcsError) -> Self {
        StepError::error(e.to_string())
    }
}

/// What a new worktree checks out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkout<'a> {
    /// This commit, with no branch.
    Detached(&'a str),
    /// This existing branch.
    Branch(&'a str),
    /// A new branch `name` made at `start`.
    NewBranch { name: &'a str, start: &'a str },
}

/// A commit as the checks read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Parent commit ids, space-separated.
    pub parents: String,
    pub tree: String,
    pub message: String,
}

/// Where a worktree's git data says it belongs, and what its HEAD is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreeIdentity {
    /// The repository's shared git directory, as the worktree sees it.
    pub common_dir: PathBuf,
    /// The ref HEAD names (`refs/heads/fix/x`), `None` when detached.
    pub head: Option<String>,
}

/// One changed path, with git's one-letter status (`A`, `M`, `D`, `T`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub status: char,
    pub path: String,
}

/// What merging one commit into another would do, worked out in memory: no worktree, index or
/// ref is touched, and nothing is written to the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeAnalysis {
    /// The merge base; `None` when the two histories share no commit (the merge is then worked
    /// out as if both sides had added everything they hold).
    pub base: Option<String>,
    /// Each path the merge cannot settle, by path.
    pub conflicts: Vec<ConflictedPath>,
}

impl MergeAnalysis {
    /// Whether the merge would go through without a conflict.
    #[must_use]
    pub fn clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// A path a merge cannot settle, and how the two sides disagree about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictedPath {
    pub path: String,
    pub kind: ConflictKind,
}

/// How the two sides of a merge disagree about a path, as `git status` names it. "Us" is the
/// side merged into, "them" the side merged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictKind {
    /// Both changed it from the base, differently.
    BothModified,
    /// Both added it, with different content.
    AddedByBoth,
    /// We deleted it; they changed it.
    DeletedByUs,
    /// They deleted it; we changed it.
    DeletedByThem,
    /// Only we have it (one side of a rename or of a file/folder clash).
    AddedByUs,
    /// Only they have it.
    AddedByThem,
    /// Both sides renamed it away, to different names.
    BothDeleted,
}

impl ConflictKind {
    /// The words `git status` uses for it (`both modified`, `deleted by us`...).
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::BothModified => "both modified",
            Self::AddedByBoth => "both added",
            Self::DeletedByUs => "deleted by us",
            Self::DeletedByThem => "deleted by them",
            Self::AddedByUs => "added by us",
            Self::AddedByThem => "added by them",
            Self::BothDeleted => "both deleted",
        }
    }
}

type Result<T> = std::result::Result<T, VcsError>;

/// The repository behind a run. Paths named `worktree` are worktrees fixloop made; everything
/// else acts on the repository itself without touching the user's checkout, index or HEAD.
pub trait Vcs: Send + Sync {
    /// Where fixloop keeps its worktrees (inside the git directory).
    fn worktrees_dir(&self) -> BoxFuture<'_, Result<PathBuf>>;
    /// The commit `rev` names.
    fn rev_parse<'a>(&'a self, rev: &'a str) -> BoxFuture<'a, Result<String>>;
    fn branch_exists<'a>(&'a self, branch: &'a str) -> BoxFuture<'a, bool>;
    /// The branch the user's checkout is on (`None` when detached).
    fn current_branch(&self) -> BoxFuture<'_, Option<String>>;
    fn commit_info<'a>(&'a self, commit: &'a str) -> BoxFuture<'a, Option<CommitInfo>>;
    /// A file's content at a commit (`None` when nothing is at that path; a folder or a
    /// submodule there reads as empty).
    fn file_at<'a>(&'a self, commit: &'a str, path: &'a str) -> BoxFuture<'a, Option<String>>;
    /// The top authors of `files` in the history before `rev`, most commits first.
    fn authors<'a>(
        &'a self,
        rev: &'a str,
        files: &'a [String],
        top: usize,
    ) -> BoxFuture<'a, Vec<String>>;

    fn fetch<'a>(&'a self, remote: &'a str, what: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Pushes `branch` to the branch of the same name on `remote`.
    fn push<'a>(&'a self, remote: &'a str, branch: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Commits `paths` (relative to the checkout) onto `branch` whose tip is `parent`, without
    /// touching the user's index, working tree or HEAD; creates the branch when it does not
    /// exist. `scratch` is a folder for the temporary index. Returns the new commit.
    fn commit_paths<'a>(
        &'a self,
        branch: &'a str,
        parent: &'a str,
        paths: &'a [String],
        message: &'a str,
        scratch: &'a Path,
    ) -> BoxFuture<'a, Result<String>>;
    /// Brings the user's index in step with HEAD for `paths` only.
    fn refresh_index<'a>(&'a self, paths: &'a [String]) -> BoxFuture<'a, Result<()>>;

    fn add_worktree<'a>(&'a self, path: &'a Path, at: Checkout<'a>) -> BoxFuture<'a, Result<()>>;
    /// Removes a worktree fixloop made (forcefully: it holds only fixloop's own files).
    fn remove_worktree<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, Result<()>>;
    /// Forgets worktrees whose folders are gone.
    fn prune_worktrees(&self) -> BoxFuture<'_, ()>;
    /// Whether `path` is a working worktree of the repository.
    fn is_worktree<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, bool>;
    /// The branch a worktree is on.
    fn worktree_branch<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Option<String>>;
    /// Moves a worktree's branch to `commit`, discarding its changes.
    fn reset_hard<'a>(&'a self, worktree: &'a Path, commit: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Stages every change in a worktree, untracked files included.
    fn stage_all<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<()>>;
    /// The tree id of a worktree's index.
    fn write_tree<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<String>>;
    /// What the worktree's index changes against `base`, renames as delete and add.
    fn staged_changes<'a>(
        &'a self,
        worktree: &'a Path,
        base: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Change>>>;
    /// The index's diff (or its `--stat` summary) against `base`, leaving out `exclude`.
    fn staged_diff<'a>(
        &'a self,
        worktree: &'a Path,
        base: &'a str,
        exclude: &'a [String],
        stat: bool,
    ) -> BoxFuture<'a, Result<String>>;
    /// Puts `path` back as it is at `commit`, in the worktree and its index.
    fn restore<'a>(
        &'a self,
        worktree: &'a Path,
        commit: &'a str,
        path: &'a str,
    ) -> BoxFuture<'a, Result<()>>;
    /// Takes `path` out of the worktree's index (if it is there).
    fn untrack<'a>(&'a self, worktree: &'a Path, path: &'a str) -> BoxFuture<'a, Result<()>>;
    /// What the user owns in the repository right now (refs, stash, config, hooks, the checkout's
    /// index and working tree), leaving out the checkout paths under `skip`.
    fn fingerprint<'a>(&'a self, skip: &'a [PathBuf]) -> BoxFuture<'a, Result<Fingerprint>>;
    /// Which repository a worktree's git data belongs to, and its HEAD.
    fn worktree_identity<'a>(
        &'a self,
        worktree: &'a Path,
    ) -> BoxFuture<'a, Result<WorktreeIdentity>>;
    /// The repository's shared git directory.
    fn common_dir(&self) -> BoxFuture<'_, Result<PathBuf>>;
    /// Every worktree the repository knows: its path and the branch it is on.
    fn worktrees(&self) -> BoxFuture<'_, Vec<(PathBuf, Option<String>)>>;
    /// Whether `ancestor` is `descendant` or one of its ancestors.
    fn is_ancestor<'a>(&'a self, ancestor: &'a str, descendant: &'a str) -> BoxFuture<'a, bool>;
    /// A commit of `tree` on `parent`, with fixloop's identity when the user has none. No ref
    /// moves.
    fn commit_tree<'a>(
        &'a self,
        tree: &'a str,
        parent: &'a str,
        message: &'a str,
    ) -> BoxFuture<'a, Result<String>>;
    /// Moves `branch` to `new`, only if it is still at `old`.
    fn update_branch<'a>(
        &'a self,
        branch: &'a str,
        new: &'a str,
        old: &'a str,
    ) -> BoxFuture<'a, Result<()>>;
    /// Files in a worktree that git ignores (a folder wholly ignored is one entry, ending `/`).
    fn ignored_files<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<Vec<String>>>;
    /// The paths that differ between two commits (a rename, when the repository's `diff.renames`
    /// finds one, as its new path).
    fn changed_files<'a>(
        &'a self,
        from: &'a str,
        to: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>>>;
    /// What merging `theirs` into `ours` would do, and each conflict it would leave, without
    /// touching any worktree, index or ref and without writing to the repository.
    fn merge_analysis<'a>(
        &'a self,
        ours: &'a str,
        theirs: &'a str,
    ) -> BoxFuture<'a, Result<MergeAnalysis>>;
}
