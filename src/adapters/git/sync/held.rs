//! A sync held for a publish job (`fixloop sync --hold-push`): the branch written to a git
//! bundle, and read back where it is published, with what publish checks it against — git's
//! own merge of the two commits (`merge-tree`, which runs no driver the repository names), the
//! first-parent line from the tip, the blobs of a path on each side.

use std::path::Path;
use std::process::Stdio;

use super::{GitMerger, Result, operand};
use crate::adapters::git::Git;
use crate::core::sync::plan::BUNDLE_REF;
use crate::engine::ports::VcsError;

/// Where publish keeps what it fetched.
const PUBLISH_REFS: &str = "refs/fixloop/publish/";

impl GitMerger {
    /// Writes `commit` and its history that `exclude` does not have to the bundle `path`.
    pub(super) async fn write_bundle(
        &self,
        path: &Path,
        commit: &str,
        exclude: &str,
    ) -> Result<()> {
        let commit = operand("commit", commit)?;
        let exclude = operand("commit", exclude)?;
        self.git.run(&["update-ref", BUNDLE_REF, commit]).await?;
        let target = path.display().to_string();
        let made = self
            .git
            .run(&[
                "bundle",
                "create",
                "--quiet",
                &target,
                BUNDLE_REF,
                &format!("^{exclude}"),
            ])
            .await;
        let _ = self.git.run(&["update-ref", "-d", BUNDLE_REF]).await;
        made.map(drop)
    }

    /// Fetches the held branch out of the bundle `path` (its objects checked as they come in):
    /// the commit it holds.
    pub async fn read_bundle(&self, path: &Path) -> Result<String> {
        // A folder (a repository dressed as a bundle) or a link is no bundle.
        if !std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
            return Err(VcsError {
                args: "bundle".into(),
                code: None,
                stderr: format!("{} is not a file", path.display()),
            });
        }
        let source = path.display().to_string();
        self.git
            .run(&["bundle", "verify", "--quiet", &source])
            .await?;
        let into = format!("{PUBLISH_REFS}held");
        self.git
            .run(&[
                "-c",
                "fetch.fsckObjects=true",
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                &source,
                &format!("+{BUNDLE_REF}:{into}"),
            ])
            .await?;
        let id = self.git.run(&["rev-parse", "--verify", &into]).await?;
        let commit = self
            .git
            .run(&["rev-parse", "--verify", &format!("{into}^{{commit}}")])
            .await?;
        if id != commit {
            return Err(VcsError {
                args: "bundle".into(),
                code: None,
                stderr: "its branch is not a commit".into(),
            });
        }
        Ok(commit)
    }

    /// Fetches `refname` of `remote` (a name or a URL; with the push environment, so a private
    /// fork is read with the token): the commit it names, peeled.
    pub async fn fetch_named(&self, remote: &str, refname: &str, name: &str) -> Result<String> {
        let remote = operand("remote", remote)?;
        let into = format!("{PUBLISH_REFS}{name}");
        let env: Vec<(&str, &str)> = self
            .push_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Git::run_in(
            &self.git.repo,
            &[
                "-c",
                "fetch.fsckObjects=true",
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                remote,
                &format!("+{refname}:{into}"),
            ],
            &env,
        )
        .await?;
        self.git
            .run(&["rev-parse", "--verify", &format!("{into}^{{commit}}")])
            .await
    }

    /// Whether `ancestor` is `commit` or one of its ancestors.
    pub async fn descends(&self, ancestor: &str, commit: &str) -> bool {
        self.git
            .run(&["merge-base", "--is-ancestor", ancestor, commit])
            .await
            .is_ok()
    }

    /// `git rev-list --first-parent --parents TIP --not BASE`: each commit with its parents,
    /// newest first.
    pub async fn first_parent_line(&self, tip: &str, base: &str) -> Result<Vec<Vec<String>>> {
        let tip = operand("commit", tip)?;
        let base = operand("commit", base)?;
        let listed = self
            .git
            .run(&[
                "rev-list",
                "--first-parent",
                "--parents",
                tip,
                "--not",
                base,
            ])
            .await?;
        Ok(listed
            .lines()
            .map(|l| l.split_whitespace().map(str::to_owned).collect())
            .collect())
    }

    /// The tree of git's own merge of `ours` and `theirs` (conflicts written in with markers),
    /// and the paths it left conflicted.
    pub async fn plain_merge_tree(
        &self,
        ours: &str,
        theirs: &str,
    ) -> Result<(String, Vec<String>)> {
        let ours = operand("commit", ours)?;
        let theirs = operand("commit", theirs)?;
        let args = [
            "-c",
            "core.fsmonitor=false",
            "-c",
            "merge.conflictStyle=merge",
            "merge-tree",
            "--write-tree",
            "--no-messages",
            "--name-only",
            "-z",
            ours,
            theirs,
        ];
        let failed = |stderr: String, code: Option<i32>| VcsError {
            args: args.join(" "),
            code,
            stderr,
        };
        let output = tokio::process::Command::new("git")
            .args(args)
            .current_dir(&self.git.repo)
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| failed(e.to_string(), None))?;
        // Exit 1 is a merge with conflicts: its tree is still the first line.
        if !matches!(output.status.code(), Some(0 | 1)) {
            return Err(failed(
                String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                output.status.code(),
            ));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let mut parts = text.split('\0').filter(|p| !p.is_empty());
        let tree = parts
            .next()
            .map(str::to_owned)
            .ok_or_else(|| failed("git wrote no tree".into(), output.status.code()))?;
        let mut conflicted: Vec<String> = parts.map(str::to_owned).collect();
        conflicted.dedup();
        Ok((tree, conflicted))
    }

    /// The paths where `commit`'s tree differs from `tree`.
    pub async fn paths_differing(&self, tree: &str, commit: &str) -> Result<Vec<String>> {
        let tree = operand("tree", tree)?;
        let commit = operand("commit", commit)?;
        let listed = self
            .git
            .run(&[
                "diff-tree",
                "-r",
                "-z",
                "--name-only",
                "--no-renames",
                "--no-ext-diff",
                "--ignore-submodules=none",
                tree,
                &format!("{commit}^{{tree}}"),
            ])
            .await?;
        Ok(listed
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// The mode and object at `path` in `commit` (`100644 <id>`), or `None` when there is none.
    pub async fn entry_at(&self, commit: &str, path: &str) -> Result<Option<String>> {
        let commit = operand("commit", commit)?;
        let listed = self
            .git
            .run(&["ls-tree", "-z", "--full-tree", commit, "--", path])
            .await?;
        Ok(listed.split('\0').find_map(|entry| {
            let (meta, name) = entry.split_once('\t')?;
            let mut meta = meta.split(' ');
            let (mode, id) = (meta.next()?, meta.nth(1)?);
            (name == path).then(|| format!("{mode} {id}"))
        }))
    }
}
