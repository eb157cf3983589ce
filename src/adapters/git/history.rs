//! Questions asked of the history, read with libgit2: a commit's parents, tree and message, a
//! file at a commit, ancestry, what changed between two commits or is staged in a worktree, and
//! who worked most on some files.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::path::Path;

use git2::{Commit, Delta, DiffOptions, Oid, Repository, Tree};

use super::Git;
use super::cli::FALLBACK_EMAIL;
use super::read::{found, read_at};
use crate::engine::ports::{Change, CommitInfo, VcsError};

type Result<T> = std::result::Result<T, VcsError>;

/// How many commits touching the files `authors` counts, newest first (as `git log -n 500`).
const AUTHORS_FROM: usize = 500;

/// The commit `rev` names.
pub(super) fn commit<'r>(
    repo: &'r Repository,
    rev: &str,
) -> std::result::Result<Commit<'r>, git2::Error> {
    repo.revparse_single(rev)?.peel_to_commit()
}

/// Type changes reported as such (not as a deletion and an addition), as git does.
fn diff_options() -> DiffOptions {
    let mut options = DiffOptions::new();
    options.include_typechange(true);
    options
}

impl Git {
    pub(super) async fn commit_info(&self, rev: &str) -> Option<CommitInfo> {
        let rev = rev.to_owned();
        self.read("log -1", move |repo| {
            let found = commit(repo, &rev)?;
            let parents: Vec<String> = found.parent_ids().map(|p| p.to_string()).collect();
            Ok(CommitInfo {
                parents: parents.join(" "),
                tree: found.tree_id().to_string(),
                message: String::from_utf8_lossy(found.message_bytes())
                    .trim_end_matches('\n')
                    .to_owned(),
            })
        })
        .await
        .ok()
    }

    /// The content of `path` at `rev`; a folder or submodule there reads as empty.
    pub(super) async fn file_at(&self, rev: &str, path: &str) -> Option<String> {
        let (rev, path) = (rev.to_owned(), path.to_owned());
        self.read("show", move |repo| {
            let tree = commit(repo, &rev)?.tree()?;
            let Some(entry) = found(tree.get_path(Path::new(&path)))? else {
                return Ok(None);
            };
            Ok(Some(match entry.to_object(repo)?.into_blob() {
                Ok(blob) => String::from_utf8_lossy(blob.content()).into_owned(),
                Err(_) => String::new(),
            }))
        })
        .await
        .ok()
        .flatten()
    }

    pub(super) async fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        let (ancestor, descendant) = (ancestor.to_owned(), descendant.to_owned());
        self.read("merge-base --is-ancestor", move |repo| {
            let ancestor = commit(repo, &ancestor)?.id();
            let descendant = commit(repo, &descendant)?.id();
            Ok(ancestor == descendant || repo.graph_descendant_of(descendant, ancestor)?)
        })
        .await
        .unwrap_or(false)
    }

    pub(super) async fn changed_files(&self, from: &str, to: &str) -> Result<Vec<String>> {
        let (old, new) = (from.to_owned(), to.to_owned());
        self.read(format!("diff --name-only {from} {to}"), move |repo| {
            let old = commit(repo, &old)?.tree()?;
            let new = commit(repo, &new)?.tree()?;
            let mut diff =
                repo.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut diff_options()))?;
            // Renames as the repository's `diff.renames` asks (git's default: found).
            diff.find_similar(None)?;
            Ok(diff
                .deltas()
                .filter_map(|d| d.new_file().path().or_else(|| d.old_file().path()))
                .map(|p| p.to_string_lossy().into_owned())
                .collect())
        })
        .await
    }

    /// What a worktree's index changes against `base`, renames as a deletion and an addition.
    pub(super) async fn staged_changes(&self, worktree: &Path, base: &str) -> Result<Vec<Change>> {
        let base = base.to_owned();
        read_at(
            worktree,
            format!("diff --cached --name-status {base}"),
            move |repo| {
                let tree = commit(repo, &base)?.tree()?;
                let index = repo.index()?;
                let diff =
                    repo.diff_tree_to_index(Some(&tree), Some(&index), Some(&mut diff_options()))?;
                Ok(diff
                    .deltas()
                    .filter_map(|d| {
                        let status = match d.status() {
                            Delta::Added => 'A',
                            Delta::Deleted => 'D',
                            Delta::Typechange => 'T',
                            Delta::Conflicted => 'U',
                            Delta::Unmodified => return None,
                            _ => 'M',
                        };
                        let path = d.new_file().path().or_else(|| d.old_file().path())?;
                        Some(Change {
                            status,
                            path: path.to_string_lossy().into_owned(),
                        })
                    })
                    .collect())
            },
        )
        .await
    }

    /// The top authors (`Name <email> (N commits)`) of `files` in the history of `rev`, most
    /// commits first, counted over the last commits that touched them, fixloop's own left out.
    pub(super) async fn top_authors(&self, rev: &str, files: &[String], top: usize) -> Vec<String> {
        if files.is_empty() {
            return Vec::new();
        }
        let (rev, files) = (rev.to_owned(), files.to_vec());
        let authors = self
            .read("log", move |repo| authors_of(repo, &rev, &files))
            .await
            .unwrap_or_default();
        let mut counts: Vec<(String, usize)> = Vec::new();
        for author in authors.into_iter().filter(|a| !a.contains(FALLBACK_EMAIL)) {
            match counts.iter_mut().find(|(a, _)| *a == author) {
                Some((_, n)) => *n += 1,
                None => counts.push((author, 1)),
            }
        }
        counts.sort_by_key(|(_, n)| Reverse(*n));
        counts
            .into_iter()
            .take(top)
            .map(|(a, n)| format!("{a} ({n} commit{})", if n == 1 { "" } else { "s" }))
            .collect()
    }
}

/// What `files` are (their object ids, `None` where absent) in `tree`.
fn entries(tree: &Tree, files: &[String]) -> Vec<Option<Oid>> {
    files
        .iter()
        .map(|f| tree.get_path(Path::new(f)).ok().map(|e| e.id()))
        .collect()
}

/// The author (`Name <email>`) of each of the last `AUTHORS_FROM` commits that changed `files`
/// in the history of `rev`, newest first, walked as `git log REV -- FILES` walks it: a commit
/// counts when it differs in those files from each of its parents, and a merge that took them
/// unchanged from one parent is followed down that parent only.
fn authors_of(
    repo: &Repository,
    rev: &str,
    files: &[String],
) -> std::result::Result<Vec<String>, git2::Error> {
    let start = commit(repo, rev)?;
    let mut queue = BinaryHeap::new();
    let mut seen = HashSet::new();
    seen.insert(start.id());
    queue.push((start.committer().when().seconds(), start.id()));
    let mut authors = Vec::new();
    while authors.len() < AUTHORS_FROM
        && let Some((_, id)) = queue.pop()
    {
        let here = repo.find_commit(id)?;
        let mine = entries(&here.tree()?, files);
        let parents: Vec<Commit> = here.parents().collect();
        let mut same = Vec::with_capacity(parents.len());
        for parent in &parents {
            same.push(
                parent.tree_id() == here.tree_id() || entries(&parent.tree()?, files) == mine,
            );
        }
        let touched = if parents.is_empty() {
            mine.iter().any(Option::is_some)
        } else {
            !same.contains(&true)
        };
        if touched {
            let author = here.author();
            authors.push(format!(
                "{} <{}>",
                String::from_utf8_lossy(author.name_bytes()),
                String::from_utf8_lossy(author.email_bytes())
            ));
        }
        let follow: Vec<&Commit> = match same.iter().position(|s| *s) {
            Some(i) => vec![&parents[i]],
            None => parents.iter().collect(),
        };
        for parent in follow {
            if seen.insert(parent.id()) {
                queue.push((parent.committer().when().seconds(), parent.id()));
            }
        }
    }
    Ok(authors)
}
