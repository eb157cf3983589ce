//! The `Merger` port with the `git` command: upstream's refs listed and fetched, and sync's real
//! merge (the user's merge drivers and attributes, rerere, diff3 markers) made in one of fixloop's
//! own worktrees, resolved path by path and committed with `commit-tree` (no hook runs, as for
//! fixloop's other commits). The structural driver is mergiraf's `solve`, when it is installed.
//!
//! Every call that changes a worktree first checks that it is a linked worktree of the repository,
//! never its main working tree: a merge starts with `reset --hard` and `clean -ffdx`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::Git;
use super::read::read_at;
use crate::engine::ports::merge::{Conflict, MergeStart, Merger, Side, SideTexts};
use crate::engine::ports::{BoxFuture, VcsError};

mod held;
mod parse;
mod push;
mod upstream;

use parse::{
    bounded, escape_ere, has_markers, kind_of, literal, operand, parse_tags, parse_unmerged,
    refused, tag_annotation,
};

type Result<T> = std::result::Result<T, VcsError>;

/// Where fetched upstream refs are kept: `refs/tags/v1.4.0` as `refs/fixloop/upstream/tags/v1.4.0`,
/// out of the way of the fork's own tags and branches.
const UPSTREAM_REFS: &str = "refs/fixloop/upstream/";

/// Every merge fixloop makes: the base's text between the sides (which the agent and mergiraf
/// both read), and rerere kept out of it, to be run on its own after it (`RERERE`): what the
/// merge left conflicted and what rerere then resolved are told apart by the index before and
/// after (rerere forgets a path once it resolved it).
const MERGE_CONFIG: [&str; 4] = [
    "-c",
    "rerere.enabled=false",
    "-c",
    "merge.conflictStyle=diff3",
];

/// rerere on, replaying a recorded resolution staged.
const RERERE: [&str; 4] = ["-c", "rerere.enabled=true", "-c", "rerere.autoupdate=true"];

/// How much of a path's history or diff the agent is given.
const CONTEXT_LINES: usize = 200;
const CONTEXT_BYTES: usize = 16 * 1024;
/// Room kept inside `CONTEXT_BYTES` for the line saying the text was cut.
const CUT_NOTE_ROOM: usize = 80;

/// How long mergiraf may take over one file before it is stopped (it bounds its own merges at
/// ten seconds; a file it cannot solve in this is left to the next rung).
const DRIVER_TIMEOUT: Duration = Duration::from_secs(60);

/// The conflict-marker lines git (and mergiraf) write: the start of ours, the base (diff3), the
/// end of theirs. `=======` alone is left out: it is also a setext heading.
const MARKER_PATTERNS: [&str; 3] = ["^<<<<<<< ", r"^\|\|\|\|\|\|\| ", "^>>>>>>> "];

/// The repository's side of a sync: its merges, made in fixloop's worktrees of it.
#[derive(Debug, Clone)]
pub struct GitMerger {
    git: Git,
    /// The structural merge driver's program (`mergiraf`, found on PATH).
    driver: PathBuf,
    /// What a push runs with (the token as an HTTP header), never in a URL.
    push_env: Vec<(String, String)>,
}

impl GitMerger {
    /// Merges in worktrees of the repository whose checkout (or git directory) is `repo_root`.
    #[must_use]
    pub fn new(repo_root: PathBuf) -> Self {
        Self {
            git: Git::new(repo_root),
            driver: PathBuf::from("mergiraf"),
            push_env: Vec::new(),
        }
    }

    /// Pushes with this environment (such as git's `http.extraheader` for a token).
    #[must_use]
    pub fn with_push_env(mut self, env: Vec<(String, String)>) -> Self {
        self.push_env = env;
        self
    }

    /// Runs this program as the structural merge driver instead of `mergiraf` from PATH.
    #[must_use]
    pub fn with_driver(mut self, program: PathBuf) -> Self {
        self.driver = program;
        self
    }

    /// `git ARGS` in a worktree.
    async fn at(worktree: &Path, args: &[&str]) -> Result<String> {
        Git::run_in(worktree, args, &[]).await
    }

    /// Refuses a `worktree` that is not a linked worktree of this repository, at its top: the
    /// user's checkout (the main working tree) or a folder inside one, or another repository's.
    async fn own_worktree(&self, worktree: &Path) -> Result<()> {
        let what = format!("worktree {}", worktree.display());
        let dirs = Self::at(
            worktree,
            &[
                "rev-parse",
                "--path-format=absolute",
                "--git-dir",
                "--git-common-dir",
                "--show-toplevel",
            ],
        )
        .await?;
        let repo_common = self
            .git
            .run(&["rev-parse", "--path-format=absolute", "--git-common-dir"])
            .await?;
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let mut lines = dirs.lines().map(|l| canonical(Path::new(l)));
        let (Some(git_dir), Some(common), Some(top)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(refused(
                &what,
                format!("{} is not a worktree", worktree.display()),
            ));
        };
        if common != canonical(Path::new(&repo_common)) {
            return Err(refused(
                &what,
                format!(
                    "{} is not a worktree of {}",
                    worktree.display(),
                    self.git.repo.display()
                ),
            ));
        }
        if git_dir == common {
            return Err(refused(
                &what,
                format!(
                    "{} is in the repository's main working tree; fixloop merges only in worktrees \
                     of its own",
                    worktree.display()
                ),
            ));
        }
        if top != canonical(worktree) {
            return Err(refused(
                &what,
                format!("{} is not the top of its worktree", worktree.display()),
            ));
        }
        Ok(())
    }

    /// Whether a merge is under way in the worktree (`MERGE_HEAD` is there).
    async fn merging(worktree: &Path) -> bool {
        Self::at(worktree, &["rev-parse", "-q", "--verify", "MERGE_HEAD"])
            .await
            .is_ok()
    }

    /// Turns rerere on in the repository's configuration, so that what `commit_merge` records is
    /// there for the next merge of every kind; a setting the user made (on or off) stands.
    async fn enable_rerere(&self) -> Result<()> {
        match self.git.run(&["config", "--get", "rerere.enabled"]).await {
            Err(e) if e.code == Some(1) => {
                self.git
                    .run(&["config", "--local", "rerere.enabled", "true"])
                    .await?;
                Ok(())
            }
            other => other.map(drop),
        }
    }

    async fn unmerged_stages(worktree: &Path) -> Result<BTreeMap<String, u8>> {
        Ok(parse_unmerged(
            &Self::at(worktree, &["ls-files", "-u", "-z"]).await?,
        ))
    }

    async fn conflicts(worktree: &Path) -> Result<Vec<Conflict>> {
        Ok(Self::unmerged_stages(worktree)
            .await?
            .into_iter()
            .map(|(path, stages)| Conflict {
                path,
                kind: kind_of(stages),
            })
            .collect())
    }

    async fn start(
        &self,
        worktree: &Path,
        base: &str,
        theirs: &str,
        message: &str,
    ) -> Result<MergeStart> {
        let base = operand("commit", base)?;
        let theirs = operand("commit", theirs)?;
        self.own_worktree(worktree).await?;
        self.enable_rerere().await?;
        // Whatever a killed run left: a merge under way, staged or changed files, stray ones.
        if Self::merging(worktree).await {
            let _ = Self::at(worktree, &["merge", "--abort"]).await;
        }
        Self::at(worktree, &["reset", "--hard", "-q", base]).await?;
        Self::at(worktree, &["clean", "-ffdxq"]).await?;
        let mut args = MERGE_CONFIG.to_vec();
        args.extend([
            "merge",
            "--no-ff",
            "--no-commit",
            "--no-autostash",
            "-m",
            message,
            theirs,
        ]);
        let merged = Git::run_in(worktree, &args, &[("GIT_MERGE_AUTOEDIT", "no")]).await;
        if !Self::merging(worktree).await {
            // It stopped before merging (an error), or there was nothing to merge.
            return merged.map(|_| MergeStart::default());
        }
        let merged_with_conflicts = Self::conflicts(worktree).await?;
        if merged_with_conflicts.is_empty() {
            return Ok(MergeStart::default());
        }
        // Records each conflict's preimage, and replays (and stages) a resolution recorded before.
        let mut rerere = RERERE.to_vec();
        rerere.push("rerere");
        Self::at(worktree, &rerere).await?;
        let conflicted = Self::conflicts(worktree).await?;
        let rerere = merged_with_conflicts
            .into_iter()
            .filter(|was| !conflicted.iter().any(|c| c.path == was.path))
            .map(|was| was.path)
            .collect();
        Ok(MergeStart { conflicted, rerere })
    }

    async fn take(&self, worktree: &Path, path: &str, side: Side) -> Result<()> {
        self.own_worktree(worktree).await?;
        let spec = literal(path);
        let (stage, flag, commit) = match side {
            Side::Ours => (2, "--ours", "HEAD"),
            Side::Theirs => (3, "--theirs", "MERGE_HEAD"),
        };
        let has_side = match Self::unmerged_stages(worktree).await?.get(path) {
            Some(stages) => {
                let has = stages & (1 << stage) != 0;
                if has {
                    Self::at(worktree, &["checkout", flag, "--", &spec]).await?;
                }
                has
            }
            // Settled already: the side is the commit's.
            None => {
                let has = Self::at(worktree, &["cat-file", "-e", &format!("{commit}:{path}")])
                    .await
                    .is_ok();
                if has {
                    Self::at(worktree, &["checkout", commit, "--", &spec]).await?;
                }
                has
            }
        };
        if has_side {
            Self::at(worktree, &["add", "--force", "--", &spec]).await?;
        } else {
            Self::at(
                worktree,
                &["rm", "-q", "-f", "--ignore-unmatch", "--", &spec],
            )
            .await?;
        }
        Ok(())
    }

    async fn stage_path(&self, worktree: &Path, path: &str) -> Result<()> {
        self.own_worktree(worktree).await?;
        let spec = literal(path);
        if tokio::fs::symlink_metadata(worktree.join(path))
            .await
            .is_ok()
        {
            Self::at(worktree, &["add", "--force", "--", &spec]).await?;
        } else {
            Self::at(
                worktree,
                &["rm", "-q", "--cached", "--ignore-unmatch", "--", &spec],
            )
            .await?;
        }
        Ok(())
    }

    /// The driver run once in `worktree`; `None` when it could not be run, or timed out.
    async fn driver_output(&self, worktree: &Path, args: &[&str]) -> Option<std::process::Output> {
        let mut command = tokio::process::Command::new(&self.driver);
        command
            .args(args)
            .current_dir(worktree)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        match tokio::time::timeout(DRIVER_TIMEOUT, command.output()).await {
            Ok(Ok(output)) => Some(output),
            Ok(Err(e)) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!("{} could not be run: {e}", self.driver.display());
                }
                None
            }
            Err(_) => {
                tracing::warn!(
                    "{} took over {}s; stopped",
                    self.driver.display(),
                    DRIVER_TIMEOUT.as_secs()
                );
                None
            }
        }
    }

    /// mergiraf's solution of the markers in `path`, printed rather than written (`--stdout`
    /// since 0.13, `--keep` before), when it solved every conflict.
    async fn solved(&self, worktree: &Path, path: &str) -> Option<String> {
        for flag in ["--stdout", "--keep"] {
            let output = self
                .driver_output(worktree, &["solve", flag, "--", path])
                .await?;
            match output.status.code() {
                Some(0) => {
                    let text = String::from_utf8(output.stdout).ok()?;
                    return (!has_markers(&text)).then_some(text);
                }
                // A usage error: a version without this flag.
                Some(2) => {}
                _ => return None,
            }
        }
        None
    }

    async fn drive(&self, worktree: &Path, path: &str) -> Result<bool> {
        self.own_worktree(worktree).await?;
        let file = worktree.join(path);
        let Ok(before) = tokio::fs::read_to_string(&file).await else {
            // Not there (a side deleted it) or not text: nothing for the driver.
            return Ok(false);
        };
        if !has_markers(&before) {
            return Ok(false);
        }
        let Some(text) = self.solved(worktree, path).await else {
            return Ok(false);
        };
        tokio::fs::write(&file, text)
            .await
            .map_err(|e| refused(&format!("write {path}"), e.to_string()))?;
        self.stage_path(worktree, path).await?;
        Ok(true)
    }

    async fn sides(worktree: &Path, path: &str) -> Result<SideTexts> {
        let owned = path.to_owned();
        read_at(worktree, format!("show :1:{path}"), move |repo| {
            let index = repo.index()?;
            let text = |stage: i32| {
                let entry = index.get_path(Path::new(&owned), stage)?;
                let blob = repo.find_blob(entry.id).ok()?;
                Some(String::from_utf8_lossy(blob.content()).into_owned())
            };
            Ok((text(1), text(2), text(3)))
        })
        .await
    }

    async fn path_context(
        worktree: &Path,
        path: &str,
        base: &str,
        theirs: &str,
        merge_base: &str,
    ) -> Result<(String, String)> {
        let base = operand("commit", base)?;
        let theirs = operand("commit", theirs)?;
        let merge_base = operand("commit", merge_base)?;
        let spec = literal(path);
        let range = format!("{merge_base}..{base}");
        let history = Self::at(
            worktree,
            &[
                "log",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--no-show-signature",
                "--no-merges",
                "--max-count=50",
                "--date=short",
                "--format=commit %H%nAuthor: %an <%ae>%nDate: %ad%n%n%w(0,4,4)%B",
                "-p",
                &range,
                "--",
                &spec,
            ],
        )
        .await?;
        let change = Self::at(
            worktree,
            &[
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                merge_base,
                theirs,
                "--",
                &spec,
            ],
        )
        .await?;
        Ok((bounded(&history), bounded(&change)))
    }

    async fn marker_lines(worktree: &Path) -> Result<Vec<(String, usize)>> {
        let mut found = BTreeSet::new();
        for staged in [false, true] {
            let mut args = vec![
                "grep",
                "-n",
                "-I",
                "-E",
                "-z",
                "--full-name",
                "--no-color",
                "--no-recurse-submodules",
            ];
            if staged {
                args.push("--cached");
            }
            for pattern in MARKER_PATTERNS {
                args.extend(["-e", pattern]);
            }
            let listing = match Self::at(worktree, &args).await {
                Ok(listing) => listing,
                // Nothing found.
                Err(e) if e.code == Some(1) => continue,
                Err(e) => return Err(e),
            };
            for line in listing.lines() {
                let mut fields = line.splitn(3, '\0');
                if let (Some(path), Some(number)) = (fields.next(), fields.next())
                    && let Ok(number) = number.parse::<usize>()
                {
                    found.insert((path.to_owned(), number));
                }
            }
        }
        Ok(found.into_iter().collect())
    }

    async fn changed(worktree: &Path, base: &str) -> Result<Vec<String>> {
        let base = operand("commit", base)?;
        let mut paths = BTreeSet::new();
        for staged in [true, false] {
            let mut args = vec!["diff", "--name-only", "--no-renames", "-z"];
            if staged {
                args.push("--cached");
            }
            args.extend([base, "--"]);
            let listing = Self::at(worktree, &args).await?;
            paths.extend(
                listing
                    .split('\0')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            );
        }
        Ok(paths.into_iter().collect())
    }

    async fn commit(&self, worktree: &Path, message: &str) -> Result<String> {
        self.own_worktree(worktree).await?;
        let left = Self::conflicts(worktree).await?;
        if !left.is_empty() {
            let paths: Vec<&str> = left.iter().map(|c| c.path.as_str()).collect();
            return Err(refused(
                "commit",
                format!(
                    "{} path(s) still unmerged: {}",
                    paths.len(),
                    paths.join(", ")
                ),
            ));
        }
        let Ok(theirs) = Self::at(worktree, &["rev-parse", "-q", "--verify", "MERGE_HEAD"]).await
        else {
            return Err(refused("commit", "no merge is under way".into()));
        };
        let head = Self::at(worktree, &["rev-parse", "--verify", "HEAD"]).await?;
        // The resolutions, recorded for the next merge (what rerere cannot record, a deletion,
        // is no reason not to commit).
        let mut rerere = RERERE.to_vec();
        rerere.push("rerere");
        if let Err(e) = Self::at(worktree, &rerere).await {
            tracing::warn!("rerere did not record the resolutions: {e}");
        }
        let tree = Self::at(worktree, &["write-tree"]).await?;
        let identity = self.git.identity().await;
        let identity: Vec<(&str, &str)> = identity.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let commit = Git::run_in(
            worktree,
            &[
                "commit-tree",
                &tree,
                "-p",
                &head,
                "-p",
                &theirs,
                "-m",
                message,
            ],
            &identity,
        )
        .await?;
        Self::at(
            worktree,
            &[
                "update-ref",
                "-m",
                "fixloop: commit the sync merge",
                "HEAD",
                &commit,
                &head,
            ],
        )
        .await?;
        // The merge is made: its state (MERGE_HEAD, MERGE_MSG, rerere's MERGE_RR) goes, the
        // index and files stay.
        Self::at(worktree, &["merge", "--quit"]).await?;
        Ok(commit)
    }

    async fn abort(&self, worktree: &Path) -> Result<()> {
        self.own_worktree(worktree).await?;
        if Self::merging(worktree).await && Self::at(worktree, &["merge", "--abort"]).await.is_err()
        {
            Self::at(worktree, &["reset", "--hard", "-q", "HEAD"]).await?;
        }
        Ok(())
    }
}

impl Merger for GitMerger {
    fn upstream_tags<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Vec<(String, String)>>> {
        Box::pin(self.tags(url))
    }

    fn upstream_branch<'a>(
        &'a self,
        url: &'a str,
        branch: &'a str,
    ) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.branch_head(url, branch))
    }

    fn fetch_upstream<'a>(
        &'a self,
        url: &'a str,
        refname: &'a str,
    ) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.fetch(url, refname))
    }

    fn tag_message<'a>(&'a self, tag: &'a str) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.annotation(tag))
    }

    fn last_synced<'a>(
        &'a self,
        base_ref: &'a str,
        trailer_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, String)>>> {
        Box::pin(self.synced(base_ref, trailer_key))
    }

    fn start_merge<'a>(
        &'a self,
        worktree: &'a Path,
        base_commit: &'a str,
        theirs_commit: &'a str,
        message: &'a str,
    ) -> BoxFuture<'a, Result<MergeStart>> {
        Box::pin(self.start(worktree, base_commit, theirs_commit, message))
    }

    fn take_side<'a>(
        &'a self,
        worktree: &'a Path,
        path: &'a str,
        side: Side,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.take(worktree, path, side))
    }

    fn stage<'a>(&'a self, worktree: &'a Path, path: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.stage_path(worktree, path))
    }

    fn unmerged<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<Vec<Conflict>>> {
        Box::pin(Self::conflicts(worktree))
    }

    fn driver_available(&self) -> BoxFuture<'_, bool> {
        Box::pin(async {
            let here = std::env::temp_dir();
            self.driver_output(&here, &["--version"])
                .await
                .is_some_and(|output| output.status.success())
        })
    }

    fn run_driver<'a>(&'a self, worktree: &'a Path, path: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(self.drive(worktree, path))
    }

    fn side_texts<'a>(
        &'a self,
        worktree: &'a Path,
        path: &'a str,
    ) -> BoxFuture<'a, Result<SideTexts>> {
        Box::pin(Self::sides(worktree, path))
    }

    fn context<'a>(
        &'a self,
        worktree: &'a Path,
        path: &'a str,
        base_commit: &'a str,
        theirs_commit: &'a str,
        merge_base: &'a str,
    ) -> BoxFuture<'a, Result<(String, String)>> {
        Box::pin(Self::path_context(
            worktree,
            path,
            base_commit,
            theirs_commit,
            merge_base,
        ))
    }

    fn markers<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<Vec<(String, usize)>>> {
        Box::pin(Self::marker_lines(worktree))
    }

    fn changed_paths<'a>(
        &'a self,
        worktree: &'a Path,
        base_commit: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(Self::changed(worktree, base_commit))
    }

    fn merge_base<'a>(&'a self, a: &'a str, b: &'a str) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.base_of(a, b))
    }

    fn divergence<'a>(
        &'a self,
        base_commit: &'a str,
        upstream_commit: &'a str,
    ) -> BoxFuture<'a, Result<(u32, u32)>> {
        Box::pin(self.ahead_behind(base_commit, upstream_commit))
    }

    fn commit_merge<'a>(
        &'a self,
        worktree: &'a Path,
        message: &'a str,
    ) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.commit(worktree, message))
    }

    fn abort_merge<'a>(&'a self, worktree: &'a Path) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.abort(worktree))
    }

    fn push_branch<'a>(
        &'a self,
        remote: &'a str,
        branch: &'a str,
        commit: &'a str,
        own: &'a [&'a str],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.push(remote, branch, commit, own))
    }

    fn bundle<'a>(
        &'a self,
        path: &'a Path,
        commit: &'a str,
        exclude: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.write_bundle(path, commit, exclude))
    }
}

#[cfg(test)]
mod tests;
