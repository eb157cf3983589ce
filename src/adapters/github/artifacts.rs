//! The output folder an earlier job of fixloop's workflow uploaded, found again for a
//! `/fixloop` comment: the workflow run fixloop's comment names, checked to be one of fixloop's
//! own runs in the same repository (not a fork's pull request run, which can upload artifacts
//! of any name), its artifact downloaded and unpacked safely.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use super::GitHub;
use crate::core::error::StepError;
use crate::core::event::FailureClass;

/// The largest output folder unpacked (a hostile archive could claim far more).
const UNPACKED_LIMIT: u64 = 2 << 30;

/// The events fixloop's workflow starts on; a run of any other event did not come from it.
const FIXLOOP_EVENTS: [&str; 3] = ["workflow_run", "workflow_dispatch", "issue_comment"];

#[derive(Debug, Deserialize)]
struct WorkflowRun {
    #[serde(default)]
    event: String,
    #[serde(default)]
    head_repository: Option<RepoName>,
    #[serde(default)]
    repository: Option<RepoName>,
}

#[derive(Debug, Deserialize)]
struct RepoName {
    #[serde(default)]
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct Artifacts {
    #[serde(default)]
    artifacts: Vec<Artifact>,
}

#[derive(Debug, Deserialize)]
struct Artifact {
    id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    expired: bool,
}

impl GitHub {
    /// Downloads artifact `name` of workflow run `run_id` and unpacks it into `dest`.
    ///
    /// # Errors
    /// The run is not one of fixloop's in this repository, has no such artifact (or it has
    /// expired), GitHub could not be read, or the archive is not a safe one.
    pub async fn fetch_output_folder(
        &self,
        owner: &str,
        repo: &str,
        run_id: u64,
        name: &str,
        dest: &Path,
    ) -> Result<(), StepError> {
        let full = format!("{owner}/{repo}");
        let run: WorkflowRun = self
            .send(&format!("fetching workflow run {run_id}"), || {
                self.crab.get(
                    format!("/repos/{owner}/{repo}/actions/runs/{run_id}"),
                    None::<&()>,
                )
            })
            .await
            .map_err(|refused| refused.error)?;
        let same_repo = |r: &Option<RepoName>| {
            r.as_ref()
                .is_none_or(|r| r.full_name.eq_ignore_ascii_case(&full))
        };
        if !FIXLOOP_EVENTS.contains(&run.event.as_str())
            || !same_repo(&run.head_repository)
            || !same_repo(&run.repository)
        {
            return Err(StepError::new(
                FailureClass::Input,
                format!(
                    "workflow run {run_id} is not one of fixloop's runs in {full} (it ran on \
                     `{}`); its artifacts are not taken",
                    run.event
                ),
            ));
        }
        let query = [("name", name), ("per_page", "100")];
        let listed: Artifacts = self
            .send("listing the run's artifacts", || {
                self.crab.get(
                    format!("/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts"),
                    Some(&query),
                )
            })
            .await
            .map_err(|refused| refused.error)?;
        let Some(artifact) = listed.artifacts.iter().find(|a| a.name == name) else {
            return Err(StepError::new(
                FailureClass::Input,
                format!("workflow run {run_id} has no artifact `{name}`"),
            ));
        };
        if artifact.expired {
            return Err(StepError::new(
                FailureClass::Input,
                format!(
                    "the artifact `{name}` of workflow run {run_id} has expired: the run can no \
                     longer be continued"
                ),
            ));
        }
        let zip = dest.with_extension("zip");
        let route = format!(
            "/repos/{owner}/{repo}/actions/artifacts/{}/zip",
            artifact.id
        );
        self.download(&route, &format!("downloading the artifact `{name}`"), &zip)
            .await?;
        let unpacked = unpack(&zip, dest);
        let _ = std::fs::remove_file(&zip);
        unpacked.map_err(|e| {
            StepError::new(
                FailureClass::Input,
                format!("the artifact `{name}` of workflow run {run_id}: {e}"),
            )
        })
    }
}

/// Unpacks the archive at `zip` into `dest`: regular files and folders only, every path inside
/// `dest`, at most [`UNPACKED_LIMIT`] bytes in all.
///
/// # Errors
/// The archive cannot be read, names a path outside `dest` or a link, or is too large.
pub fn unpack(zip: &Path, dest: &Path) -> Result<(), String> {
    let file = std::fs::File::open(zip).map_err(|e| format!("cannot open the archive: {e}"))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("not a zip archive: {e}"))?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("entry {i} cannot be read: {e}"))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let relative = inside(&name).ok_or_else(|| format!("`{name}` would land outside"))?;
        if entry.is_symlink() {
            return Err(format!("`{name}` is a link"));
        }
        let path = dest.join(&relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let mut out = std::fs::File::create(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let left = UNPACKED_LIMIT.saturating_sub(total);
        let copied = std::io::copy(&mut (&mut entry).take(left + 1), &mut out)
            .map_err(|e| format!("cannot unpack `{name}`: {e}"))?;
        total += copied;
        if total > UNPACKED_LIMIT {
            return Err(format!(
                "it unpacks to more than {} GiB",
                UNPACKED_LIMIT >> 30
            ));
        }
    }
    Ok(())
}

/// A relative path with no `..`, root or prefix in it.
fn inside(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, bytes) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        (dir, path)
    }

    #[test]
    fn unpacks_files_and_refuses_paths_that_leave() {
        let (dir, zip) = archive(&[
            ("outcome.json", b"{}"),
            ("outputs/runs/r/events.jsonl", b"x"),
        ]);
        let dest = dir.path().join("out");
        unpack(&zip, &dest).unwrap();
        assert_eq!(std::fs::read(dest.join("outcome.json")).unwrap(), b"{}");
        assert!(dest.join("outputs/runs/r/events.jsonl").is_file());
        for bad in ["../escape", "/etc/x", "a/../../b"] {
            let (dir, zip) = archive(&[(bad, b"x")]);
            let err = unpack(&zip, &dir.path().join("out")).unwrap_err();
            assert!(err.contains("outside"), "{bad}: {err}");
        }
    }
}
