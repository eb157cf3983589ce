//! The user's index of runs: each run's id and the workspace whose `outputs/` holds it, one JSON
//! line a run, appended as the run is created, so that a run can be named by its id from any
//! folder. It lives in the XDG state directory (`$XDG_STATE_HOME/fixloop/runs.jsonl`, by default
//! `~/.local/state/fixloop/runs.jsonl`).
//!
//! The index only helps find runs; it is never needed. Each record is one `write` on a file
//! opened for appending, so fixloop processes running at once do not mix their lines; a line that
//! cannot be read (cut short, or not fixloop's) is skipped; whether the run is still there is for
//! the reader to check.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What each line of the index starts with. A JSON string escapes its quotes, so this cannot
/// occur inside a field: after a line cut short, the whole record written after it on the same
/// line is found from here.
const RECORD_START: &str = "{\"run\":";

/// A run named in the index: its id and the workspace whose `outputs/runs/` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedRun {
    #[serde(rename = "run")]
    pub id: String,
    pub workspace: PathBuf,
}

/// Appends `line` and its newline to the file at `path` (made, with its folder, when missing)
/// in one write on a file opened for appending, so processes appending at once never mix lines.
pub(crate) fn append_line(path: &Path, mut line: Vec<u8>) -> std::io::Result<()> {
    line.push(b'\n');
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(&line)
}

/// The index file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIndex {
    path: PathBuf,
}

impl RunIndex {
    /// The index in this user's state directory, or `None` when the environment names none
    /// (neither an absolute `XDG_STATE_HOME` nor `HOME`).
    #[must_use]
    pub fn of_user() -> Option<Self> {
        let dir = state_dir(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))?;
        Some(Self::at(dir.join("fixloop").join("runs.jsonl")))
    }

    /// The index at `path`.
    #[must_use]
    pub fn at(path: PathBuf) -> Self {
        Self { path }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends that run `id` lives in `workspace` (an absolute path), in one write.
    pub fn record(&self, id: &str, workspace: &Path) -> std::io::Result<()> {
        let run = IndexedRun {
            id: id.to_owned(),
            workspace: workspace.to_path_buf(),
        };
        if !run.is_valid() {
            return Err(std::io::Error::other(format!(
                "cannot index run `{id}` of {}: the id must be one folder name and the workspace \
                 an absolute path",
                workspace.display()
            )));
        }
        // A path that is not UTF-8 cannot be written as JSON: that run is not indexed.
        let line = serde_json::to_vec(&run).map_err(std::io::Error::other)?;
        append_line(&self.path, line)
    }

    /// Every run the index names, in the order they were recorded, each once. Lines that are
    /// not whole records of fixloop's are skipped; an index that cannot be read names nothing.
    #[must_use]
    pub fn runs(&self) -> Vec<IndexedRun> {
        let Ok(bytes) = fs::read(&self.path) else {
            return Vec::new();
        };
        let mut runs: Vec<IndexedRun> = Vec::new();
        for line in bytes.split(|b| *b == b'\n') {
            if let Some(run) = parse_line(line)
                && !runs.contains(&run)
            {
                runs.push(run);
            }
        }
        runs
    }
}

/// fixloop's folder in the user's XDG state directory, when there is one.
#[must_use]
pub fn fixloop_state_dir() -> Option<PathBuf> {
    state_dir(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
        .map(|d| d.join("fixloop"))
}

/// `XDG_STATE_HOME` when it is an absolute path (the XDG rule: a relative one is ignored), else
/// `HOME/.local/state`.
fn state_dir(xdg_state_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    xdg_state_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".local").join("state"))
        })
}

/// One line's record: the line itself, or, when a record before it was cut short, the record
/// that follows the cut on the same line.
fn parse_line(line: &[u8]) -> Option<IndexedRun> {
    let text = std::str::from_utf8(line).ok()?.trim();
    let run = serde_json::from_str::<IndexedRun>(text).ok().or_else(|| {
        let start = text.rfind(RECORD_START)?;
        serde_json::from_str::<IndexedRun>(&text[start..]).ok()
    })?;
    run.is_valid().then_some(run)
}

impl IndexedRun {
    /// An id that is one plain folder name (nothing that leads out of `outputs/runs/`) and an
    /// absolute workspace.
    fn is_valid(&self) -> bool {
        let mut parts = Path::new(&self.id).components();
        matches!(
            (parts.next(), parts.next()),
            (Some(Component::Normal(name)), None) if name == self.id.as_str()
        ) && self.workspace.is_absolute()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, workspace: &str) -> IndexedRun {
        IndexedRun {
            id: id.into(),
            workspace: workspace.into(),
        }
    }

    #[test]
    fn the_state_directory_follows_xdg_then_home() {
        let some = |s: &str| Some(OsString::from(s));
        assert_eq!(
            state_dir(some("/state"), some("/home/a")),
            Some(PathBuf::from("/state"))
        );
        assert_eq!(
            state_dir(some("relative"), some("/home/a")),
            Some(PathBuf::from("/home/a/.local/state"))
        );
        assert_eq!(
            state_dir(None, some("/home/a")),
            Some(PathBuf::from("/home/a/.local/state"))
        );
        assert_eq!(state_dir(some(""), some("")), None);
        assert_eq!(state_dir(None, None), None);
    }

    #[test]
    fn records_are_read_back_in_order_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let index = RunIndex::at(dir.path().join("deep/fixloop/runs.jsonl"));
        assert!(index.runs().is_empty());
        index.record("2026-01-01_a", Path::new("/w/one")).unwrap();
        index.record("2026-01-02_b", Path::new("/w/two")).unwrap();
        index.record("2026-01-01_a", Path::new("/w/one")).unwrap();
        assert_eq!(
            index.runs(),
            [run("2026-01-01_a", "/w/one"), run("2026-01-02_b", "/w/two")]
        );
    }

    #[test]
    fn lines_that_are_not_fixloops_records_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.jsonl");
        let good = |id: &str| format!("{{\"run\":\"{id}\",\"workspace\":\"/w\"}}");
        let text = [
            "not json".to_owned(),
            good("a"),
            "{\"run\":\"../../etc\",\"workspace\":\"/w\"}".into(),
            "{\"run\":\"b\",\"workspace\":\"relative\"}".into(),
            "{\"run\":\"c/d\",\"workspace\":\"/w\"}".into(),
            "{\"run\":\"..\",\"workspace\":\"/w\"}".into(),
            "[1, 2]".into(),
            // A record cut short, then the next record appended on the same line.
            format!("{{\"run\":\"cut\",\"worksp{}", good("e")),
            String::new(),
            "\u{0}\u{1}".into(),
            good("f"),
        ]
        .join("\n");
        fs::write(&path, text).unwrap();
        let ids: Vec<String> = RunIndex::at(path)
            .runs()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["a", "e", "f"]);
    }

    #[test]
    fn a_record_that_cannot_be_written_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("file");
        fs::write(&blocked, "").unwrap();
        let index = RunIndex::at(blocked.join("fixloop/runs.jsonl"));
        assert!(index.record("a", Path::new("/w")).is_err());
        let index = RunIndex::at(dir.path().join("runs.jsonl"));
        assert!(index.record("../a", Path::new("/w")).is_err());
        assert!(index.record("a", Path::new("w")).is_err());
        assert!(index.runs().is_empty());
    }
}
