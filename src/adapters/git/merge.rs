//! A merge worked out in memory with libgit2, to count and classify its conflicts before anything
//! merges for real (which stays with the `git` command, in a worktree, with the user's merge
//! drivers and hooks).

use git2::{ErrorCode, IndexConflict};

use super::Git;
use super::history::commit;
use crate::engine::ports::{ConflictKind, ConflictedPath, MergeAnalysis, VcsError};

/// The in-memory object store takes every object the merge writes (the blobs of files merged line
/// by line, the trees of a virtual merge base) ahead of the repository's own stores.
const IN_MEMORY_FIRST: i32 = 1_000;

/// How the two sides disagree, from which stages of the path the merge left: the base's (1),
/// ours (2) and theirs (3).
pub(super) fn conflict_kind(conflict: &IndexConflict) -> ConflictKind {
    match (
        conflict.ancestor.is_some(),
        conflict.our.is_some(),
        conflict.their.is_some(),
    ) {
        (true, true, true) => ConflictKind::BothModified,
        (false, true, true) => ConflictKind::AddedByBoth,
        (true, false, true) => ConflictKind::DeletedByUs,
        (true, true, false) => ConflictKind::DeletedByThem,
        (false, true, false) => ConflictKind::AddedByUs,
        (false, false, true) => ConflictKind::AddedByThem,
        (_, false, false) => ConflictKind::BothDeleted,
    }
}

impl Git {
    pub(super) async fn analyse_merge(
        &self,
        ours: &str,
        theirs: &str,
    ) -> Result<MergeAnalysis, VcsError> {
        let (our_rev, their_rev) = (ours.to_owned(), theirs.to_owned());
        self.read(format!("merge-tree {ours} {theirs}"), move |repo| {
            // Held until the merge is done: what it writes stays in memory and goes with it.
            let odb = repo.odb()?;
            let _in_memory = odb.add_new_mempack_backend(IN_MEMORY_FIRST)?;
            let ours = commit(repo, &our_rev)?;
            let theirs = commit(repo, &their_rev)?;
            let base = match repo.merge_base(ours.id(), theirs.id()) {
                Ok(base) => Some(base.to_string()),
                Err(e) if e.code() == ErrorCode::NotFound => None,
                Err(e) => return Err(e),
            };
            let index = repo.merge_commits(&ours, &theirs, None)?;
            let mut conflicts = Vec::new();
            if index.has_conflicts() {
                for conflict in index.conflicts()? {
                    let conflict = conflict?;
                    let Some(entry) = [&conflict.our, &conflict.their, &conflict.ancestor]
                        .into_iter()
                        .flatten()
                        .next()
                    else {
                        continue;
                    };
                    conflicts.push(ConflictedPath {
                        path: String::from_utf8_lossy(&entry.path).into_owned(),
                        kind: conflict_kind(&conflict),
                    });
                }
            }
            conflicts.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(MergeAnalysis { base, conflicts })
        })
        .await
    }
}
