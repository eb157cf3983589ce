//! The `Merger` port with the `git` command: upstream's refs listed and fetched, and sync's real
//! merge (the user's merge drivers and attributes, rerere, diff3 markers) made in one of fixloop's
//! own worktrees, resolved path by path and committed with `commit-tree` (no hook runs, as for
//! fixloop's other commits). The structural driver is mergiraf's `solve`, when it is installed.
//!
//! Every call that changes a worktree first checks that it is a linked worktree of the repository,
//! never its main working tree: a merge starts with `reset --hard` and `clean -ffdx`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::Git;
use super::read::read_at;
use crate::engine::ports::merge::{Conflict, ConflictKind, MergeStart, Merger, Side, SideTexts};
use crate::engine::ports::{BoxFuture, VcsError};

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
}

fn refused(args: &str, stderr: String) -> VcsError {
    VcsError {
        args: args.to_owned(),
        code: None,
        stderr,
    }
}

/// A revision or URL from the caller, refused when git would read it as an option.
fn operand<'s>(what: &str, value: &'s str) -> Result<&'s str> {
    if value.starts_with('-') || value.is_empty() {
        Err(refused(what, format!("not a usable {what}: {value:?}")))
    } else {
        Ok(value)
    }
}

/// A path as a pathspec that means exactly that path (no glob, no magic).
fn literal(path: &str) -> String {
    format!(":(literal){path}")
}

/// `text` escaped to match itself in an extended regular expression.
fn escape_ere(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `text` holds a conflict-marker line (see `MARKER_PATTERNS`).
fn has_markers(text: &str) -> bool {
    text.lines().any(|line| {
        ["<<<<<<< ", "||||||| ", ">>>>>>> "]
            .iter()
            .any(|marker| line.starts_with(marker))
    })
}

/// How a path is conflicted, from the index stages it has (bit 1 the base, 2 ours, 3 theirs).
fn kind_of(stages: u8) -> ConflictKind {
    let has = |stage: u8| stages & (1 << stage) != 0;
    match (has(1), has(2), has(3)) {
        (true, true, true) => ConflictKind::Content,
        (true, false, true) => ConflictKind::DeletedByUs,
        (true, true, false) => ConflictKind::DeletedByThem,
        (false, true, true) => ConflictKind::AddedByBoth,
        _ => ConflictKind::Other,
    }
}

/// `ls-files -u -z` read into each unmerged path's stages (a bit per stage), by path.
fn parse_unmerged(listing: &str) -> BTreeMap<String, u8> {
    let mut stages = BTreeMap::new();
    for record in listing.split('\0').filter(|r| !r.is_empty()) {
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let Some(stage) = meta
            .split(' ')
            .nth(2)
            .and_then(|s| s.parse::<u8>().ok())
            .filter(|s| (1..=3).contains(s))
        else {
            continue;
        };
        *stages.entry(path.to_owned()).or_insert(0) |= 1 << stage;
    }
    stages
}

/// `ls-remote` output read into each tag's commit: an annotated tag's peeled line (`^{}`) wins
/// over the tag object's own.
fn parse_tags(listing: &str) -> Vec<(String, String)> {
    let mut tags: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for line in listing.lines() {
        let Some((sha, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        match name.strip_suffix("^{}") {
            Some(tag) => tags.entry(tag.to_owned()).or_default().1 = Some(sha.to_owned()),
            None => tags.entry(name.to_owned()).or_default().0 = Some(sha.to_owned()),
        }
    }
    tags.into_iter()
        .filter_map(|(tag, (direct, peeled))| Some((tag, peeled.or(direct)?)))
        .collect()
}

/// A tag object's message: what follows its headers, less a signature appended to it.
fn tag_annotation(object: &str) -> String {
    let message = object.split_once("\n\n").map_or("", |(_, m)| m);
    let mut end = message.len();
    for signature in [
        "-----BEGIN PGP SIGNATURE-----",
        "-----BEGIN SSH SIGNATURE-----",
        "-----BEGIN SIGNED MESSAGE-----",
    ] {
        if let Some(at) = message.find(signature)
            && (at == 0 || message[..at].ends_with('\n'))
        {
            end = end.min(at);
        }
    }
    message[..end].trim_end().to_owned()
}

/// `text` cut to `CONTEXT_LINES` lines and `CONTEXT_BYTES` bytes, ending with a line that says
/// so when anything was left out.
fn bounded(text: &str) -> String {
    let total = text.lines().count();
    let budget = CONTEXT_BYTES - CUT_NOTE_ROOM;
    let mut out = String::new();
    let mut shown = 0;
    let mut partial = false;
    for line in text.lines() {
        if shown == CONTEXT_LINES {
            break;
        }
        if out.len() + line.len() + 1 > budget {
            // The head of a line too long for what is left, so that one huge line says something.
            let mut room = budget.saturating_sub(out.len() + 1);
            while !line.is_char_boundary(room) {
                room -= 1;
            }
            if room > 0 {
                out.push_str(&line[..room]);
                out.push('\n');
                partial = true;
            }
            break;
        }
        out.push_str(line);
        out.push('\n');
        shown += 1;
    }
    if shown < total {
        let cut = if partial {
            " (the last one cut short)"
        } else {
            ""
        };
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            out,
            "[cut: {shown} of {total} lines shown{cut}; at most {CONTEXT_LINES} lines, {} KiB]",
            CONTEXT_BYTES / 1024
        );
    }
    out
}

impl GitMerger {
    /// Merges in worktrees of the repository whose checkout (or git directory) is `repo_root`.
    #[must_use]
    pub fn new(repo_root: PathBuf) -> Self {
        Self {
            git: Git::new(repo_root),
            driver: PathBuf::from("mergiraf"),
        }
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

    async fn tags(&self, url: &str) -> Result<Vec<(String, String)>> {
        let url = operand("URL", url)?;
        Ok(parse_tags(
            &self.git.run(&["ls-remote", "--tags", url]).await?,
        ))
    }

    async fn branch_head(&self, url: &str, branch: &str) -> Result<String> {
        let url = operand("URL", url)?;
        let name = format!("refs/heads/{branch}");
        let listing = self.git.run(&["ls-remote", "--heads", url, &name]).await?;
        listing
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .find(|(_, r)| *r == name)
            .map(|(sha, _)| sha.to_owned())
            .ok_or_else(|| {
                refused(
                    &format!("ls-remote --heads {url} {name}"),
                    format!("{url} has no branch {branch}"),
                )
            })
    }

    async fn fetch(&self, url: &str, refname: &str) -> Result<String> {
        let url = operand("URL", url)?;
        let Some(short) = refname.strip_prefix("refs/") else {
            return Err(refused(
                "fetch",
                format!("not a full ref name (refs/tags/..., refs/heads/...): {refname}"),
            ));
        };
        let local = format!("{UPSTREAM_REFS}{short}");
        self.git
            .run(&[
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--no-recurse-submodules",
                url,
                &format!("+{refname}:{local}"),
            ])
            .await?;
        self.git
            .run(&["rev-parse", "--verify", &format!("{local}^{{commit}}")])
            .await
    }

    async fn annotation(&self, tag: &str) -> Result<String> {
        let local = format!("{UPSTREAM_REFS}tags/{tag}");
        let kind = self.git.run(&["cat-file", "-t", &local]).await?;
        if kind != "tag" {
            return Ok(String::new());
        }
        Ok(tag_annotation(
            &self.git.run(&["cat-file", "tag", &local]).await?,
        ))
    }

    async fn synced(&self, base: &str, key: &str) -> Result<Option<(String, String)>> {
        let base = operand("revision", base)?;
        let key = operand("trailer key", key)?;
        let listing = self
            .git
            .run(&[
                "log",
                "-1",
                "--no-show-signature",
                "--format=%H%x00%B",
                "-E",
                &format!("--grep=^{}:", escape_ere(key)),
                base,
                "--",
            ])
            .await?;
        let Some((commit, message)) = listing.split_once('\0') else {
            return Ok(None);
        };
        let prefix = format!("{key}:");
        Ok(message
            .lines()
            .any(|line| line.starts_with(&prefix))
            .then(|| (commit.to_owned(), message.trim_end().to_owned())))
    }

    async fn base_of(&self, a: &str, b: &str) -> Result<String> {
        let (a, b) = (operand("commit", a)?, operand("commit", b)?);
        self.git.run(&["merge-base", a, b]).await
    }

    async fn ahead_behind(&self, base: &str, upstream: &str) -> Result<(u32, u32)> {
        let (base, upstream) = (operand("commit", base)?, operand("commit", upstream)?);
        let range = format!("{base}...{upstream}");
        let counts = self
            .git
            .run(&["rev-list", "--left-right", "--count", &range, "--"])
            .await?;
        let mut numbers = counts.split_whitespace().map(str::parse::<u32>);
        match (numbers.next(), numbers.next()) {
            (Some(Ok(ahead)), Some(Ok(behind))) => Ok((ahead, behind)),
            _ => Err(refused(
                &format!("rev-list --left-right --count {range}"),
                format!("unexpected answer: {counts:?}"),
            )),
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_annotated_tag_is_its_peeled_commit_and_a_lightweight_one_its_own() {
        let listing = "aaa\trefs/tags/v1\nccc\trefs/tags/v1^{}\nbbb\trefs/tags/light\n\
                       ddd\trefs/heads/main\n";
        assert_eq!(
            parse_tags(listing),
            vec![
                ("light".to_owned(), "bbb".to_owned()),
                ("v1".to_owned(), "ccc".to_owned())
            ]
        );
    }

    #[test]
    fn stages_name_the_conflict() {
        let listing = [
            "100644 a 1\tc.txt",
            "100644 b 2\tc.txt",
            "100644 c 3\tc.txt",
            "100644 a 1\tus.txt",
            "100644 c 3\tus.txt",
            "100644 a 1\tthem.txt",
            "100644 b 2\tthem.txt",
            "100644 b 2\tboth.txt",
            "100644 c 3\tboth.txt",
            "100644 c 3\tonly.txt",
            "",
        ]
        .join("\0");
        let kinds: Vec<(String, ConflictKind)> = parse_unmerged(&listing)
            .into_iter()
            .map(|(path, stages)| (path, kind_of(stages)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("both.txt".to_owned(), ConflictKind::AddedByBoth),
                ("c.txt".to_owned(), ConflictKind::Content),
                ("only.txt".to_owned(), ConflictKind::Other),
                ("them.txt".to_owned(), ConflictKind::DeletedByThem),
                ("us.txt".to_owned(), ConflictKind::DeletedByUs),
            ]
        );
    }

    #[test]
    fn a_signature_is_not_part_of_the_annotation() {
        let object = "object 1\ntype commit\ntag v1\ntagger T <t@e> 1 +0000\n\nRelease\n\nBody\n\
                      -----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n";
        assert_eq!(tag_annotation(object), "Release\n\nBody");
        assert_eq!(tag_annotation("object 1\ntype commit\n"), "");
    }

    #[test]
    fn long_text_is_cut_and_says_so() {
        let mut text = String::new();
        for i in 0..500 {
            let _ = writeln!(text, "line {i}");
        }
        let cut = bounded(&text);
        assert_eq!(cut.lines().count(), CONTEXT_LINES + 1);
        assert!(cut.ends_with("[cut: 200 of 500 lines shown; at most 200 lines, 16 KiB]\n"));
        let wide = "x".repeat(40_000);
        let cut = bounded(&wide);
        assert!(cut.len() <= CONTEXT_BYTES);
        assert!(cut.contains("(the last one cut short)"));
        assert_eq!(bounded("a\nb\n"), "a\nb\n");
    }

    #[test]
    fn a_trailer_key_matches_only_itself() {
        assert_eq!(escape_ere("Upstream-Tag"), "Upstream-Tag");
        assert_eq!(escape_ere("a.b*"), r"a\.b\*");
    }

    #[test]
    fn markers_are_line_starts_not_a_setext_heading() {
        assert!(has_markers("x\n<<<<<<< HEAD\n"));
        assert!(!has_markers("Title\n=======\n"));
        assert!(!has_markers("say <<<<<<< not at the start\n"));
    }
}
