//! Fingerprinting what the user owns in the repository, with git's own listings: every ref, the
//! stash's reflog, the configuration, the hooks, the checkout's index and the paths its status
//! lists, each file's content hashed with `git hash-object`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Git;
use crate::core::checkout::Fingerprint;
use crate::engine::ports::VcsError;

type Result<T> = std::result::Result<T, VcsError>;

/// Environment for read-only git calls: `status` must not rewrite the index while it looks.
const READ_ONLY: [(&str, &str); 1] = [("GIT_OPTIONAL_LOCKS", "0")];

impl Git {
    pub(super) async fn take_fingerprint(&self, skip: &[PathBuf]) -> Result<Fingerprint> {
        // The index is hashed before anything else reads it.
        let index = self.git_path("index").await?;
        let index_hash = self.hash_files(&[index]).await?.into_values().next();
        let mut refs = BTreeMap::new();
        for line in self
            .read_only(&["for-each-ref", "--format=%(refname)%00%(objectname)"])
            .await?
            .lines()
        {
            if let Some((name, object)) = line.split_once('\0') {
                refs.insert(name.to_owned(), object.to_owned());
            }
        }
        let stash = self
            .read_only(&["reflog", "show", "--format=%H", "refs/stash", "--"])
            .await
            .map(|log| log.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        let config = std::fs::read_to_string(self.common_dir().await?.join("config"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        Ok(Fingerprint {
            refs,
            stash,
            config,
            hooks: self.hooks().await?,
            index: index_hash.unwrap_or_default(),
            files: self.status_files(skip).await?,
        })
    }

    async fn read_only(&self, args: &[&str]) -> Result<String> {
        Self::run_in(&self.repo, args, &READ_ONLY).await
    }

    /// A path inside the checkout's git directory (`--git-path` honours `core.hooksPath`).
    async fn git_path(&self, name: &str) -> Result<PathBuf> {
        let path = PathBuf::from(self.read_only(&["rev-parse", "--git-path", name]).await?);
        Ok(if path.is_absolute() {
            path
        } else {
            self.repo.join(path)
        })
    }

    /// Content hashes (git blob ids) of regular files, by path.
    async fn hash_files(&self, files: &[PathBuf]) -> Result<BTreeMap<PathBuf, String>> {
        let files: Vec<&PathBuf> = files
            .iter()
            .filter(|f| std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file()))
            .collect();
        if files.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut args = vec!["hash-object".to_owned(), "--no-filters".into(), "--".into()];
        args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let hashes = self.read_only(&args).await?;
        Ok(files
            .into_iter()
            .cloned()
            .zip(hashes.lines().map(str::to_owned))
            .collect())
    }

    async fn hooks(&self) -> Result<BTreeMap<String, String>> {
        let dir = self.git_path("hooks").await?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        Ok(self
            .hash_files(&files)
            .await?
            .into_iter()
            .map(|(path, hash)| {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, hash)
            })
            .collect())
    }

    /// The paths `git status` lists in the checkout (changed, staged, untracked; ignored files
    /// are not the user's work in progress), each with its status and content hash.
    async fn status_files(&self, skip: &[PathBuf]) -> Result<BTreeMap<String, String>> {
        let listed = self
            .read_only(&[
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--no-renames",
            ])
            .await?;
        let entries: Vec<(String, String)> = listed
            .split('\0')
            .filter(|e| e.len() > 3)
            .map(|e| (e[..2].to_owned(), e[3..].to_owned()))
            .filter(|(_, path)| !skip.iter().any(|s| self.repo.join(path).starts_with(s)))
            .collect();
        let paths: Vec<PathBuf> = entries.iter().map(|(_, p)| self.repo.join(p)).collect();
        let hashes = self.hash_files(&paths).await?;
        Ok(entries
            .into_iter()
            .map(|(status, path)| {
                let hash = hashes
                    .get(&self.repo.join(&path))
                    .cloned()
                    .unwrap_or_default();
                (path, format!("{status} {hash}"))
            })
            .collect())
    }

    pub(super) async fn worktree_list(&self) -> Vec<(PathBuf, Option<String>)> {
        let Ok(listed) = self.read_only(&["worktree", "list", "--porcelain"]).await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for block in listed.split("\n\n") {
            let mut path = None;
            let mut branch = None;
            for line in block.lines() {
                if let Some(p) = line.strip_prefix("worktree ") {
                    path = Some(PathBuf::from(p));
                } else if let Some(b) = line.strip_prefix("branch ") {
                    branch = Some(b.to_owned());
                }
            }
            if let Some(path) = path {
                out.push((path, branch));
            }
        }
        out
    }
}
