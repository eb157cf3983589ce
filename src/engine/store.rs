//! `outputs/`: run folders with their journal (`runs/<run-id>/events.jsonl`) and logs, and the
//! reports beside them; finding a run by its id or a prefix of it, in the workspace and then
//! through the user's index of runs.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::core::error::StepError;
use crate::core::event::{Event, JOURNAL_VERSION};
use crate::core::history::Row;
use crate::engine::run_index::{IndexedRun, RunIndex};

#[derive(Debug, Clone)]
pub struct Store {
    pub outputs: PathBuf,
    /// Where new runs are recorded and runs not in this workspace are looked up (`None`: no
    /// index, as when the environment names no home).
    pub index: Option<RunIndex>,
}

/// Where a run named on the command line is.
#[derive(Debug)]
pub enum Found {
    /// The run's whole id, and the store of the workspace holding it.
    Run { id: String, store: Store },
    /// More than one run begins with what was given: each, with its workspace, newest first.
    Ambiguous(Vec<IndexedRun>),
    /// No run here or in the index begins with it; the newest runs known, newest first.
    Missing { newest: Vec<IndexedRun> },
}

impl Store {
    /// The workspace's store, with the user's index of runs.
    #[must_use]
    pub fn new(workspace: &Path) -> Self {
        Self {
            outputs: workspace.join("outputs"),
            index: RunIndex::of_user(),
        }
    }

    /// The workspace whose `outputs/` this is, as an absolute path where it can be made one.
    #[must_use]
    pub fn workspace(&self) -> PathBuf {
        let workspace = self.outputs.parent().unwrap_or(Path::new("."));
        let workspace = if workspace.as_os_str().is_empty() {
            Path::new(".")
        } else {
            workspace
        };
        std::path::absolute(workspace).unwrap_or_else(|_| workspace.to_path_buf())
    }

    /// A new run id `YYYY-MM-DD_HH-MM-SS-mmm_<name>` (with a suffix if taken) and its folder.
    /// The run is recorded in the index; a run the index cannot take still goes on (it is then
    /// found only from its workspace).
    pub fn create_run(&self, name: &str, now: DateTime<Utc>) -> std::io::Result<(String, PathBuf)> {
        let runs = self.outputs.join("runs");
        fs::create_dir_all(&runs)?;
        // Milliseconds: runs started in the same second still sort and read apart.
        let stem = format!("{}_{name}", now.format("%Y-%m-%d_%H-%M-%S-%3f"));
        for n in 1..1000 {
            let id = if n == 1 {
                stem.clone()
            } else {
                format!("{stem}-{n}")
            };
            let dir = runs.join(&id);
            match fs::create_dir(&dir) {
                Ok(()) => {
                    if let Some(index) = &self.index {
                        let _ = index.record(&id, &self.workspace());
                    }
                    return Ok((id, dir));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other(
            "too many runs with the same name in the same second",
        ))
    }

    #[must_use]
    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.outputs.join("runs").join(run_id)
    }

    /// Every past run with a report, from the reports' JSON (unreadable files are skipped).
    #[must_use]
    pub fn rows(&self) -> Vec<Row> {
        let Ok(entries) = fs::read_dir(&self.outputs) else {
            return Vec::new();
        };
        let mut rows: Vec<Row> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter_map(|p| {
                let bytes = fs::read(&p).ok()?;
                Row::from_report_bytes(&bytes, &p.with_extension("md").display().to_string())
            })
            .collect();
        rows.sort_by(|a, b| a.started_at.cmp(&b.started_at));
        rows
    }

    /// Every run id with a journal, oldest first.
    #[must_use]
    pub fn run_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = fs::read_dir(self.outputs.join("runs"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("events.jsonl").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        ids.sort();
        ids
    }

    /// The run `query` names: the run with that id, else the one run whose id begins with it (as
    /// git takes a commit's short hash). This workspace is searched first; only when no run
    /// here matches, the runs of the index whose journal is still there.
    #[must_use]
    pub fn find(&self, query: &str) -> Found {
        let workspace = self.workspace();
        let here: Vec<IndexedRun> = self
            .run_ids()
            .into_iter()
            .map(|id| IndexedRun {
                id,
                workspace: workspace.clone(),
            })
            .collect();
        let mut found = matching(&here, query);
        if found.is_empty() {
            let indexed = self.index.as_ref().map(RunIndex::runs).unwrap_or_default();
            found = matching(&indexed, query);
            found.retain(|run| self.elsewhere(run).has_journal(&run.id));
        }
        match found.len() {
            0 => Found::Missing {
                newest: self.newest(here),
            },
            1 => {
                let run = found.remove(0);
                let store = if run.workspace == workspace {
                    self.clone()
                } else {
                    self.elsewhere(&run)
                };
                Found::Run { id: run.id, store }
            }
            _ => {
                found.sort_by(|a, b| b.id.cmp(&a.id));
                Found::Ambiguous(found)
            }
        }
    }

    /// How to name run `id` of this workspace on fixloop's command line from the current
    /// folder: its id when that finds it, else `--info <workspace>/info.json` and its id.
    #[must_use]
    pub fn run_arg(&self, id: &str) -> String {
        let here = Self {
            outputs: PathBuf::from("outputs"),
            index: self.index.clone(),
        };
        let same = |store: &Self| {
            let real = |p: PathBuf| fs::canonicalize(&p).unwrap_or(p);
            real(store.workspace()) == real(self.workspace())
        };
        match here.find(id) {
            Found::Run { id: found, store } if found == id && same(&store) => id.to_owned(),
            _ => format!(
                "--info {} {id}",
                shell_word(&self.workspace().join("info.json").display().to_string())
            ),
        }
    }

    /// The store of another run's workspace, with the same index.
    fn elsewhere(&self, run: &IndexedRun) -> Self {
        Self {
            outputs: run.workspace.join("outputs"),
            index: self.index.clone(),
        }
    }

    fn has_journal(&self, id: &str) -> bool {
        self.run_dir(id).join("events.jsonl").is_file()
    }

    /// The newest runs of `here` and of the index (those still there), newest first.
    fn newest(&self, here: Vec<IndexedRun>) -> Vec<IndexedRun> {
        let mut runs = here;
        for run in self.index.as_ref().map(RunIndex::runs).unwrap_or_default() {
            if !runs.contains(&run) && self.elsewhere(&run).has_journal(&run.id) {
                runs.push(run);
            }
        }
        // An id begins with the time its run started.
        runs.sort_by(|a, b| b.id.cmp(&a.id));
        runs.truncate(NEWEST_NAMED);
        runs
    }
}

/// `text` as one word of a shell command line: as it is when nothing in it is special.
fn shell_word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// How many of the newest runs a run that is nowhere is answered with.
const NEWEST_NAMED: usize = 3;

/// The runs `query` names: those whose id is `query`, else those whose id begins with it.
fn matching(runs: &[IndexedRun], query: &str) -> Vec<IndexedRun> {
    if query.is_empty() {
        return Vec::new();
    }
    let exact: Vec<IndexedRun> = runs.iter().filter(|r| r.id == query).cloned().collect();
    if !exact.is_empty() {
        return exact;
    }
    runs.iter()
        .filter(|r| r.id.starts_with(query))
        .cloned()
        .collect()
}

/// Holds a run folder for one fixloop process at a time: a run that is still going (or being
/// resumed elsewhere) is not resumed or cleaned. The lock goes with the process, however it ends.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    pub fn take(run_dir: &Path) -> Result<Self, StepError> {
        let path = run_dir.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StepError::error(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StepError::error(format!(
                "run {} is still going in another fixloop process",
                run_dir
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            ))
            .hint("let it finish, or stop it (Ctrl-C) and then `fixloop resume` it")),
            Err(std::fs::TryLockError::Error(e)) => Err(StepError::error(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }
}

/// Held while a run works on a failure name in a repository: the name's branches, worktrees and
/// failure folder are that run's, so a second run of the same name is refused at once.
#[derive(Debug)]
pub struct NameLock {
    file: File,
}

impl NameLock {
    /// Takes the lock of `name` in the repository whose git directory is `git_dir`.
    pub fn take(git_dir: &Path, name: &str) -> Result<Self, StepError> {
        let dir = git_dir.join("fixloop").join("locks");
        let path = dir.join(format!("{name}.lock"));
        let cannot =
            |e: std::io::Error| StepError::error(format!("cannot lock {}: {e}", path.display()));
        fs::create_dir_all(&dir).map_err(cannot)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(cannot)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                Err(StepError::error(format!(
                    "another fixloop run{} is working on `{name}` in this repository",
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" ({holder})")
                    }
                ))
                .hint("let it finish, or give this failure another `name` in info.json"))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(cannot(e)),
        }
    }

    /// The failure names fixloop runs are working on in the repository right now (this run's
    /// included).
    #[must_use]
    pub fn names_in_use(git_dir: &Path) -> Vec<String> {
        let Ok(entries) = fs::read_dir(git_dir.join("fixloop").join("locks")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| {
                let name = entry
                    .file_name()
                    .to_string_lossy()
                    .strip_suffix(".lock")?
                    .to_owned();
                // A lock is held when it cannot be taken; taking it here lets go at once.
                let file = File::open(entry.path()).ok()?;
                matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)).then_some(name)
            })
            .collect()
    }

    /// Records which run holds the lock, for the message a second run gets.
    pub fn held_by(&mut self, run_id: &str) {
        let _ = self.file.set_len(0);
        let _ = self.file.write_all(run_id.as_bytes());
    }
}

/// The append-only journal of one run.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    pub fn create(run_dir: &Path) -> std::io::Result<Self> {
        let path = run_dir.join("events.jsonl");
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self { file, path })
    }

    /// Opens a run's journal to go on writing it, first cutting off a last line that a crash
    /// left unfinished (so the next event starts on a line of its own).
    pub fn reopen(run_dir: &Path) -> std::io::Result<Self> {
        let path = run_dir.join("events.jsonl");
        let bytes = fs::read(&path)?;
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let tail = &bytes[whole..];
        let mut journal = Self::create(run_dir)?;
        if serde_json::from_slice::<Event>(tail).is_ok() {
            // Whole but for its newline.
            journal.file.write_all(b"\n")?;
        } else if !tail.is_empty() {
            journal.file.set_len(whole as u64)?;
        }
        Ok(journal)
    }

    /// Appends one event as one line; a crash can cut at most this line.
    pub fn append(&mut self, event: &Event) -> std::io::Result<()> {
        self.append_all(std::slice::from_ref(event))
    }

    /// Appends events, one line each, in a single write. A write that fails (a full disk) is
    /// taken back whole, so the journal keeps only whole events and can go on once there is room.
    pub fn append_all(&mut self, events: &[Event]) -> std::io::Result<()> {
        let mut lines = Vec::new();
        for event in events {
            serde_json::to_writer(&mut lines, event).map_err(std::io::Error::other)?;
            lines.push(b'\n');
        }
        let before = self.file.metadata()?.len();
        let written = self.file.write_all(&lines);
        if written.is_err() {
            let _ = self.file.set_len(before);
        }
        written
    }

    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads a journal up to its last whole event; lines of a newer format are an error.
pub fn read_journal(path: &Path) -> Result<Vec<Event>, String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut events = Vec::new();
    let lines: Vec<_> = BufReader::new(file).split(b'\n').collect();
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Event>(&line) {
            Ok(event) if event.v <= JOURNAL_VERSION => events.push(event),
            Ok(event) => {
                return Err(format!(
                    "{}:{}: journal version {} is newer than this fixloop reads ({JOURNAL_VERSION}); \
                     update fixloop",
                    path.display(),
                    i + 1,
                    event.v
                ));
            }
            // A cut last line (crash mid-write) ends the journal.
            Err(_) if i + 1 == count => break,
            Err(e) => {
                return Err(format!(
                    "{}:{}: not a journal event: {e}",
                    path.display(),
                    i + 1
                ));
            }
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::EventKind;

    fn event(seq: u64) -> Event {
        Event {
            v: JOURNAL_VERSION,
            seq,
            at: "2026-11-21T10:00:00.000Z".into(),
            kind: EventKind::Warned {
                message: format!("event {seq}"),
            },
        }
    }

    #[test]
    fn a_line_cut_by_a_crash_is_dropped_and_the_journal_goes_on_after_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("events.jsonl");
        let mut journal = Journal::create(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        journal
            .append_all(&[event(1), event(2)])
            .unwrap_or_else(|e| panic!("{e}"));
        let whole = serde_json::to_string(&event(3)).unwrap_or_default();
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{e}"));
        file.write_all(&whole.as_bytes()[..whole.len() / 2])
            .unwrap_or_else(|e| panic!("{e}"));
        // Read up to the last whole event.
        let read = read_journal(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, vec![event(1), event(2)]);
        // Reopened, the cut line is gone and new events follow the whole ones.
        let mut journal = Journal::reopen(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        journal.append(&event(3)).unwrap_or_else(|e| panic!("{e}"));
        let read = read_journal(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, vec![event(1), event(2), event(3)]);

        // A last event whole but for its newline is kept.
        std::fs::write(&path, serde_json::to_string(&event(1)).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut journal = Journal::reopen(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        journal.append(&event(2)).unwrap_or_else(|e| panic!("{e}"));
        let read = read_journal(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, vec![event(1), event(2)]);
    }

    /// A run folder with a journal in `workspace`.
    fn journal_in(workspace: &Path, id: &str) {
        let dir = workspace.join("outputs/runs").join(id);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("events.jsonl"), "").unwrap();
    }

    #[test]
    fn a_run_is_found_by_its_id_or_a_unique_start_here_first_then_through_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let (here, there, gone) = (
            dir.path().join("here"),
            dir.path().join("there"),
            dir.path().join("gone"),
        );
        for id in ["2026-01-01_a", "2026-01-01_a-2"] {
            journal_in(&here, id);
        }
        let index = RunIndex::at(dir.path().join("runs.jsonl"));
        for (id, workspace) in [
            ("2026-02-01_b", &there),
            ("2026-01-01_c", &there),
            ("2026-03-01_gone", &gone),
        ] {
            journal_in(workspace, id);
            index.record(id, workspace).unwrap();
        }
        fs::remove_dir_all(&gone).unwrap();
        let store = Store {
            outputs: here.join("outputs"),
            index: Some(index),
        };
        let found = |query: &str| match store.find(query) {
            Found::Run { id, store } => format!("{id} in {}", store.outputs.display()),
            Found::Ambiguous(runs) => format!(
                "ambiguous: {}",
                runs.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Found::Missing { newest } => format!(
                "missing; newest: {}",
                newest
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        };
        let outputs = |w: &Path| w.join("outputs").display().to_string();
        // A whole id wins over the longer ids it begins.
        assert_eq!(
            found("2026-01-01_a"),
            format!("2026-01-01_a in {}", outputs(&here))
        );
        assert_eq!(
            found("2026-01-01_a-"),
            format!("2026-01-01_a-2 in {}", outputs(&here))
        );
        // The workspace's own runs answer first: `c` in the index is not a candidate.
        assert_eq!(found("2026-01"), "ambiguous: 2026-01-01_a-2 2026-01-01_a");
        assert_eq!(
            found("2026-02"),
            format!("2026-02-01_b in {}", outputs(&there))
        );
        assert_eq!(
            found("2026-03"),
            "missing; newest: 2026-02-01_b 2026-01-01_c 2026-01-01_a-2"
        );
        assert!(found("").starts_with("missing"));

        let without_index = Store {
            index: None,
            ..store.clone()
        };
        assert!(matches!(
            without_index.find("2026-02"),
            Found::Missing { .. }
        ));
    }
}
