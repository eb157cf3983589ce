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
        let source = path.display().to_string();
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
        self.git.run(&["rev-parse", "--verify", &into]).await
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

    /// The tree of git's own merge of `ours` and `theirs`, conflicts written in with markers.
    pub async fn plain_merge_tree(&self, ours: &str, theirs: &str) -> Result<String> {
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
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| failed("git wrote no tree".into(), output.status.code()))
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

    /// The blob at `path` in `commit`, or `None` when there is none.
    pub async fn blob_at(&self, commit: &str, path: &str) -> Option<String> {
        self.git
            .run(&[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{commit}:{path}"),
            ])
            .await
            .ok()
    }
}
