//! Fingerprinting what the user owns in the repository, read with libgit2: every ref, the
//! stash's reflog, the configuration, the hooks, the checkout's index and the paths `git status`
//! lists, each file's content hashed as git hashes a blob.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, ObjectType, Oid, Repository, Status, StatusOptions};

use super::Git;
use super::merge::conflict_kind;
use super::read::tidy;
use crate::core::checkout::Fingerprint;
use crate::engine::ports::{ConflictKind, VcsError};

type Result<T> = std::result::Result<T, git2::Error>;

impl Git {
    pub(super) async fn take_fingerprint(
        &self,
        skip: &[PathBuf],
    ) -> std::result::Result<Fingerprint, VcsError> {
        let (checkout, skip) = (self.repo.clone(), skip.to_vec());
        self.read("status", move |repo| fingerprint(repo, &checkout, &skip))
            .await
    }
}

fn fingerprint(repo: &Repository, checkout: &Path, skip: &[PathBuf]) -> Result<Fingerprint> {
    // The index (the one `GIT_INDEX_FILE` names, if set) is hashed before its status is read.
    let index = repo.index()?;
    let index_hash = match index.path() {
        Some(path) => hash(path)?,
        None => None,
    };
    let stash = match repo.reflog("refs/stash") {
        Ok(log) => log.iter().map(|e| e.id_new().to_string()).collect(),
        Err(_) => Vec::new(),
    };
    let common = tidy(repo.commondir());
    let config = std::fs::read_to_string(common.join("config"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    Ok(Fingerprint {
        refs: refs(repo)?,
        stash,
        config,
        hooks: hooks(repo, checkout, &common)?,
        index: index_hash.unwrap_or_default(),
        files: status_files(repo, checkout, skip)?,
    })
}

/// The git blob id of a regular file's content (`None` for anything else).
fn hash(path: &Path) -> Result<Option<String>> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        Ok(Some(Oid::hash_file(ObjectType::Blob, path)?.to_string()))
    } else {
        Ok(None)
    }
}

/// Every ref under `refs/` and the object it names (a symbolic ref, the object at its end; a
/// broken one is left out, as `git for-each-ref` leaves it).
fn refs(repo: &Repository) -> Result<BTreeMap<String, String>> {
    let mut refs = BTreeMap::new();
    for reference in repo.references()? {
        let Ok(reference) = reference else {
            continue;
        };
        let object = match reference.target() {
            Some(id) => Some(id),
            None => reference.resolve().ok().and_then(|r| r.target()),
        };
        if let Some(object) = object {
            refs.insert(
                String::from_utf8_lossy(reference.name_bytes()).into_owned(),
                object.to_string(),
            );
        }
    }
    Ok(refs)
}

/// Each hook by name, with a hash of its content: the regular files in `core.hooksPath` (relative
/// to the checkout) or in the shared git directory's `hooks`.
fn hooks(repo: &Repository, checkout: &Path, common: &Path) -> Result<BTreeMap<String, String>> {
    let dir = match repo.config()?.get_path("core.hooksPath") {
        Ok(path) => checkout.join(path),
        Err(e) if e.code() == ErrorCode::NotFound => common.join("hooks"),
        Err(e) => return Err(e),
    };
    let mut hooks = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if let Some(hash) = hash(&entry.path())? {
            hooks.insert(entry.file_name().to_string_lossy().into_owned(), hash);
        }
    }
    Ok(hooks)
}

/// The paths `git status` lists in the checkout (changed, staged, untracked; ignored files are
/// not the user's work in progress), each with its two-letter status as `git status --short`
/// writes it and its content hash.
fn status_files(
    repo: &Repository,
    checkout: &Path,
    skip: &[PathBuf],
) -> Result<BTreeMap<String, String>> {
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .renames_head_to_index(false)
        .renames_index_to_workdir(false);
    let statuses = repo.statuses(Some(&mut options))?;
    let index = repo.index()?;
    let mut files = BTreeMap::new();
    for entry in statuses.iter() {
        let path = String::from_utf8_lossy(entry.path_bytes()).into_owned();
        let full = checkout.join(&path);
        if skip.iter().any(|s| full.starts_with(s)) {
            continue;
        }
        let status = entry.status();
        let code = if status.contains(Status::CONFLICTED) {
            let kind = index
                .conflict_get(Path::new(&path))
                .map_or(ConflictKind::BothModified, |c| conflict_kind(&c));
            unmerged(kind).to_owned()
        } else {
            short_status(status)
        };
        let hash = hash(&full)?.unwrap_or_default();
        files.insert(path, format!("{code} {hash}"));
    }
    Ok(files)
}

/// `git status --short`'s two letters for a path both sides of a merge left.
fn unmerged(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::BothModified => "UU",
        ConflictKind::AddedByBoth => "AA",
        ConflictKind::DeletedByUs => "DU",
        ConflictKind::DeletedByThem => "UD",
        ConflictKind::AddedByUs => "AU",
        ConflictKind::AddedByThem => "UA",
        ConflictKind::BothDeleted => "DD",
    }
}

/// `git status --short`'s two letters: the index against HEAD, then the checkout against the
/// index (`??` untracked).
fn short_status(status: Status) -> String {
    if status.contains(Status::WT_NEW) {
        return "??".into();
    }
    let staged = [
        (Status::INDEX_NEW, 'A'),
        (Status::INDEX_MODIFIED, 'M'),
        (Status::INDEX_DELETED, 'D'),
        (Status::INDEX_TYPECHANGE, 'T'),
        (Status::INDEX_RENAMED, 'R'),
    ];
    let unstaged = [
        (Status::WT_MODIFIED, 'M'),
        (Status::WT_DELETED, 'D'),
        (Status::WT_TYPECHANGE, 'T'),
        (Status::WT_RENAMED, 'R'),
    ];
    let letter = |table: &[(Status, char)]| {
        table
            .iter()
            .find(|(flag, _)| status.contains(*flag))
            .map_or(' ', |(_, c)| *c)
    };
    [letter(&staged), letter(&unstaged)].iter().collect()
}
