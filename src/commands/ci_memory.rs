//! fixloop's memory in GitHub Actions, carried between workflow runs on the repository's own
//! ref `refs/fixloop/memory` (no server, no cache a failing run could write to): the analyze job
//! starts its run from the memory there (`seed`), and the publish job, which holds the write
//! token and runs no repository code, adds what the run learned and pushes it back (`keep`),
//! with a lease, again from the top when another run's publish got there first. A fork's run
//! adds nothing (its code wrote the output folder). Both only help: a memory that cannot be
//! read or kept is said, and the job goes on.

use std::path::Path;

use super::ci_common::push_auth;
use crate::adapters::git::Git;
use crate::core::ci::memory::{LINE_LIMIT, MEMORY_FILE, MEMORY_LIMIT, MEMORY_REF, merged};

/// Where the memory is, in a workspace (beside the reports).
fn memory_path(workspace: &Path) -> std::path::PathBuf {
    workspace.join("outputs").join(MEMORY_FILE)
}

/// Where the remote's memory is fetched to.
const FETCHED: &str = "refs/fixloop/memory-fetched";

/// How many times `keep` starts again after another publish pushed first.
const ATTEMPTS: u32 = 3;

/// The analyze job: the workspace `out` starts from the memory on `remote`'s ref (merged
/// with any memory already there).
pub(super) async fn seed(repo: &Path, out: &Path, remote: &str) {
    let Some((_, kept)) = fetch(repo, remote).await else {
        return;
    };
    let path = memory_path(out);
    let here = std::fs::read_to_string(&path).unwrap_or_default();
    let text = merged(&kept, &here, MEMORY_LIMIT);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, &text));
    match written {
        Ok(()) => println!(
            "fixloop: memory: {} record(s) from {MEMORY_REF}",
            text.lines().count()
        ),
        Err(e) => eprintln!("fixloop: memory: cannot write {}: {e}", path.display()),
    }
}

/// The publish job: the memory the run in `dir` left, added to `remote`'s ref.
pub(super) async fn keep(repo: &Path, dir: &Path, remote: &str) {
    // The file came from where the failing code ran: read no more of it than the memory keeps.
    let Ok(file) = std::fs::File::open(memory_path(dir)) else {
        return;
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(MEMORY_LIMIT + LINE_LIMIT).unwrap_or(u64::MAX);
    if std::io::Read::read_to_end(&mut std::io::Read::take(file, limit), &mut bytes).is_err() {
        return;
    }
    let learned = String::from_utf8_lossy(&bytes);
    for _ in 0..ATTEMPTS {
        let (parent, kept) = fetch(repo, remote).await.unwrap_or_default();
        let text = merged(
            &kept,
            &crate::engine::secrets::redact(&learned),
            MEMORY_LIMIT,
        );
        if text == kept {
            return;
        }
        match push(repo, remote, &parent, &text).await {
            Ok(()) => {
                println!(
                    "fixloop: memory: {} record(s) kept on {MEMORY_REF}",
                    text.lines().count()
                );
                return;
            }
            // Another run's publish pushed first: its memory is fetched and merged again.
            Err(e) if e.contains("stale info") || e.contains("rejected") => {}
            Err(e) => {
                eprintln!("fixloop: memory: cannot keep it on {MEMORY_REF}: {e}");
                return;
            }
        }
    }
    eprintln!("fixloop: memory: other runs kept pushing first; this run's memory is not kept");
}

/// `git ARGS` in `repo` with the token as an HTTP header (never in a URL) and `extra`.
async fn git(repo: &Path, args: &[&str], extra: &[(String, String)]) -> Result<String, String> {
    let auth = push_auth();
    let env: Vec<(&str, &str)> = auth
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Git::run_in(repo, args, &env).await.map_err(|e| e.stderr)
}

/// The memory on `remote`'s ref: its commit and its text; `None` when there is none yet (or it
/// cannot be read).
async fn fetch(repo: &Path, remote: &str) -> Option<(String, String)> {
    let refspec = format!("+{MEMORY_REF}:{FETCHED}");
    git(
        repo,
        &[
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            remote,
            &refspec,
        ],
        &[],
    )
    .await
    .ok()?;
    let commit = git(repo, &["rev-parse", "--verify", FETCHED], &[])
        .await
        .ok()?;
    // A ref whose file cannot be read is no memory to add to: nothing is pushed over it.
    let text = git(repo, &["show", &format!("{commit}:{MEMORY_FILE}")], &[])
        .await
        .ok()?;
    Some((commit, if text.is_empty() { text } else { text + "\n" }))
}

/// One commit holding `text` as the memory file, on top of `parent` (when there is one), pushed
/// to `remote`'s ref with a lease on `parent`.
async fn push(repo: &Path, remote: &str, parent: &str, text: &str) -> Result<(), String> {
    let scratch = Scratch::new().map_err(|e| e.to_string())?;
    let file = scratch.path().join(MEMORY_FILE);
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    let blob = git(
        repo,
        &["hash-object", "-w", &file.display().to_string()],
        &[],
    )
    .await?;
    let index = vec![(
        "GIT_INDEX_FILE".to_owned(),
        scratch.path().join("index").display().to_string(),
    )];
    let entry = format!("100644,{blob},{MEMORY_FILE}");
    git(
        repo,
        &["update-index", "--add", "--cacheinfo", &entry],
        &index,
    )
    .await?;
    let tree = git(repo, &["write-tree"], &index).await?;
    let mut identity: Vec<(String, String)> = Git::new(repo.to_path_buf())
        .identity()
        .await
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    identity.extend(index);
    // No parent: the ref holds the memory as it is now, and what it held before is not kept
    // reachable (the lease on `parent` still catches another run's push).
    let args = ["commit-tree", tree.as_str(), "-m", "fixloop memory"];
    let commit = git(repo, &args, &identity).await?;
    let lease = format!("--force-with-lease={MEMORY_REF}:{parent}");
    let refspec = format!("{commit}:{MEMORY_REF}");
    git(repo, &["push", "--quiet", &lease, remote, &refspec], &[])
        .await
        .map(drop)
}

/// A folder of its own under the temporary folder, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("fixloop-memory-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)?;
        Ok(Self(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
