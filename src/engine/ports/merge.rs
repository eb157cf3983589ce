//! The merge port: the git mechanics of `fixloop sync`'s merge ladder. Upstream's tags and
//! branches read and fetched, the last sync found by its trailer, and a real merge made in one of
//! fixloop's own worktrees (never the user's checkout), its conflicts listed, resolved one path at
//! a time by a side, an edit, rerere or a structural merge driver, and committed.
//!
//! Its `ConflictKind` is coarser than the `Vcs` port's (which classifies a merge worked out in
//! memory): it names what the ladder treats differently, so the module is used by its path
//! (`ports::merge::ConflictKind`) rather than re-exported beside the other.

use std::path::Path;

use super::{BoxFuture, VcsError};

type Result<T> = std::result::Result<T, VcsError>;

/// How a path stays conflicted after a merge, read from the index stages git left: the base's
/// (1), ours (2) and theirs (3). "Us" is the fork's base, "them" upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictKind {
    /// Both sides changed it from the base (stages 1, 2 and 3): conflict markers in the file.
    Content,
    /// We deleted it, they changed it (stages 1 and 3).
    DeletedByUs,
    /// They deleted it, we changed it (stages 1 and 2).
    DeletedByThem,
    /// Both added it, differently (stages 2 and 3).
    AddedByBoth,
    /// Anything else: one side of a rename or a file/folder clash, or both renamed it away.
    Other,
}

/// A path the merge left unmerged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Relative to the worktree's top level, `/`-separated.
    pub path: String,
    pub kind: ConflictKind,
}

/// What starting a merge left in the worktree. Nothing is committed: the caller resolves what is
/// conflicted, then commits with `commit_merge`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergeStart {
    /// Paths still unmerged, by path.
    pub conflicted: Vec<Conflict>,
    /// Paths that conflicted and rerere resolved from a resolution recorded before (staged), by
    /// path.
    pub rerere: Vec<String>,
}

impl MergeStart {
    /// Whether nothing is left to resolve.
    #[must_use]
    pub fn clean(&self) -> bool {
        self.conflicted.is_empty()
    }
}

/// One side of a merge: ours (the fork's base) or theirs (upstream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Ours,
    Theirs,
}

/// A conflicted path's texts in its base, ours and theirs (index stages 1, 2 and 3); `None` for
/// a side that does not have it.
pub type SideTexts = (Option<String>, Option<String>, Option<String>);

/// The git mechanics of a sync, on the repository the implementation was made for. Paths named
/// `worktree` are fixloop's own worktrees of that repository; the calls that change one refuse
/// the repository's main working tree.
pub trait Merger: Send + Sync {
    /// Every tag `url` (a git URL or a local path) has, by name, each once with the commit it
    /// names (an annotated tag peeled to its commit).
    fn upstream_tags<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Vec<(String, String)>>>;
    /// The commit `branch` of `url` is at; an error when there is no such branch.
    fn upstream_branch<'a>(
        &'a self,
        url: &'a str,
        branch: &'a str,
    ) -> BoxFuture<'a, Result<String>>;
    /// Fetches `refname` (`refs/tags/v1.4.0`, `refs/heads/main`) of `url` into the repository
    /// as `refs/fixloop/upstream/<refname without refs/>` (`refs/fixloop/upstream/tags/v1.4.0`),
    /// an annotated tag kept as its tag object, and no other tag; returns the commit it names.
    fn fetch_upstream<'a>(
        &'a self,
        url: &'a str,
        refname: &'a str,
    ) -> BoxFuture<'a, Result<String>>;
    /// The annotation of upstream tag `tag` (its name, `v1.4.0`) as `fetch_upstream` fetched it,
    /// without its signature; empty for a lightweight tag. An error when it was not fetched.
    fn tag_message<'a>(&'a self, tag: &'a str) -> BoxFuture<'a, Result<String>>;
    /// The newest commit reachable from `base_ref` (through every parent) whose message has a
    /// line starting with `<trailer_key>:`, and its message.
    fn last_synced<'a>(
        &'a self,
        base_ref: &'a str,
        trailer_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, String)>>>;
    /// Makes `worktree` exactly `base_commit` (a merge under way aborted, the checkout reset, and
    /// every untracked or ignored file removed), then merges `theirs_commit` without committing,
    /// with rerere on and diff3 conflict markers. Running it again, whatever a killed run left,
    /// gives the same.
    fn start_merge<'a>(
        &'a self,
        worktree: &'a Path,
        base_commit: &'a str,
        theirs_commit: &'a str,
        message: &'a str,
    ) -> BoxFuture<'a, Result<MergeStart>>;
    /// Resolves `path` by taking `side` whole, staged: the side's content, or the path removed
    /// when that side deleted it.
    fn take_side<'a>(
        &'a self,
        worktree: &'a Path,
        path: &'a str,
        side: Side,
    ) -> BoxFuture<'a, Result<()>>;
    /// Stages `path` as the worktree has it now (removed from the index when the file is gone).
    fn stage<'a>(&'a self, worktree: &'a Path, path: &'a str) -> BoxFuture<'a, Result<()>>;
    /// The paths still unmerged, by path.
    fn unmerged<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<Vec<Conflict>>>;
    /// Whether the structural merge driver (mergiraf) can be run.
    fn driver_available(&self) -> BoxFuture<'_, bool>;
    /// Has the structural merge driver solve the conflict markers of `path`; when it solves them
    /// all, the file is rewritten and staged and the answer is `true`. `false` (the file left
    /// as it was) when it cannot, or is not installed.
    fn run_driver<'a>(&'a self, worktree: &'a Path, path: &'a str) -> BoxFuture<'a, Result<bool>>;
    /// The texts of `path`'s base, ours and theirs (index stages 1, 2 and 3); `None` for a side
    /// that does not have it.
    fn side_texts<'a>(
        &'a self,
        worktree: &'a Path,
        path: &'a str,
    ) -> BoxFuture<'a, Result<SideTexts>>;
    /// What the agent reads about `path`: the fork's commits touching it since `merge_base` (up
    /// to `base_commit`), with their patches, and upstream's diff of it from `merge_base` to
    /// `theirs_commit`. Each bounded to 200 lines and 16 KiB, with a last line saying so when
    /// cut.
    fn context<'a>(
        &'a self,
        worktree: &'a Path,
        path: &'a str,
        base_commit: &'a str,
        theirs_commit: &'a str,
        merge_base: &'a str,
    ) -> BoxFuture<'a, Result<(String, String)>>;
    /// Conflict-marker lines (`<<<<<<< `, `||||||| `, `>>>>>>> ` at a line's start) in the
    /// worktree's tracked text files, as they are in the worktree or staged: path and line
    /// number (from 1), by path and line. A lone `=======` (a setext heading) is not one.
    fn markers<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<Vec<(String, usize)>>>;
    /// The paths the worktree (staged or not) changes against `base_commit`, a rename as both
    /// its paths, sorted.
    fn changed_paths<'a>(
        &'a self,
        worktree: &'a Path,
        base_commit: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>>>;
    /// The best common ancestor of two commits.
    fn merge_base<'a>(&'a self, a: &'a str, b: &'a str) -> BoxFuture<'a, Result<String>>;
    /// How many commits `base_commit` has that `upstream_commit` has not (ahead), and the other
    /// way round (behind).
    fn divergence<'a>(
        &'a self,
        base_commit: &'a str,
        upstream_commit: &'a str,
    ) -> BoxFuture<'a, Result<(u32, u32)>>;
    /// Commits the merge under way as it is staged: a commit whose parents are the worktree's
    /// HEAD and the merged commit, with fixloop's identity when the repository has none, and
    /// moves the worktree's HEAD (its branch) to it. Resolutions are recorded for rerere first.
    /// Refused while a path is unmerged or no merge is under way. No hook runs.
    fn commit_merge<'a>(
        &'a self,
        worktree: &'a Path,
        message: &'a str,
    ) -> BoxFuture<'a, Result<String>>;
    /// Abandons the merge under way, if any, putting the worktree back at its HEAD.
    fn abort_merge<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<()>>;
    /// Puts `commit` on `remote`'s branch `branch`: made when it is not there, replaced when
    /// what is there is fixloop's own (its tip's message has a line starting with one of `own`:
    /// the sync merge's trailer, or the trailer of a fixloop run's fix on it), and refused when
    /// anyone else's commit is on it (a person's work on the branch is never pushed over).
    fn push_branch<'a>(
        &'a self,
        remote: &'a str,
        branch: &'a str,
        commit: &'a str,
        own: &'a [&'a str],
    ) -> BoxFuture<'a, Result<()>>;
    /// Writes `commit`, with the history `exclude` lacks, to the git bundle `path` (the branch
    /// of a sync held for a publish job).
    fn bundle<'a>(
        &'a self,
        path: &'a Path,
        commit: &'a str,
        exclude: &'a str,
    ) -> BoxFuture<'a, Result<()>>;
}
