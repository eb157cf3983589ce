//! The memory's one store: `<workspace>/outputs/memory.jsonl`, beside the reports. One JSON line
//! per record (`core::memory::Record`), appended in one write on a file opened for appending, so
//! that fixloop processes writing at once do not mix their lines; a line that cannot be read (cut
//! short by a crash or a full disk, or not fixloop's) is skipped, and a record written after a
//! cut on the same line is still found. Each line is redacted before it is written.
//!
//! The memory only helps: a run whose record cannot be written still succeeds (with a warning),
//! and a memory that cannot be read remembers nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::core::memory::Record;
use crate::core::signature::NO_OUTPUT;

/// What every record's line starts with (a JSON string escapes its quotes, so this never occurs
/// inside a field).
const RECORD_START: &str = "{\"record\":";

/// The one memory file of every workspace in this process, when one was named (`share`).
static SHARED: OnceLock<PathBuf> = OnceLock::new();

/// Makes every workspace of this process use the memory at `path`: the watcher's runs each have
/// a folder of their own, and share its memory. The first call wins.
pub fn share(path: PathBuf) {
    let _ = SHARED.set(path);
}

/// The memory file of one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    path: PathBuf,
}

impl Memory {
    /// The memory beside the reports of `workspace` (or the one this process shares).
    #[must_use]
    pub fn of_workspace(workspace: &Path) -> Self {
        match SHARED.get() {
            Some(path) => Self::at(path.clone()),
            None => Self::at(workspace.join("outputs").join("memory.jsonl")),
        }
    }

    #[must_use]
    pub fn at(path: PathBuf) -> Self {
        Self { path }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record`, redacted, as one line in one write.
    pub fn append(&self, record: &Record) -> std::io::Result<()> {
        let json = serde_json::to_string(record).map_err(std::io::Error::other)?;
        let line = super::secrets::redact(&json).into_owned().into_bytes();
        super::run_index::append_line(&self.path, line)
    }

    /// Every record, in the order written; unreadable lines skipped, a missing file empty.
    #[must_use]
    pub fn records(&self) -> Vec<Record> {
        fs::read(&self.path)
            .map(|bytes| parse(&bytes))
            .unwrap_or_default()
    }
}

impl Memory {
    /// The records a run's recall needs for a failure with `tests` and `signature`: those that
    /// mention one of them, then those that mention a test or signature of what that found (a
    /// later failure of a fix's other test). Only those lines are parsed, found by a byte search:
    /// the file holds every run of the repository, the recall needs a handful.
    #[must_use]
    pub fn records_about(&self, tests: &[String], signature: &str) -> Vec<Record> {
        let Ok(bytes) = fs::read(&self.path) else {
            return Vec::new();
        };
        let mut needles: Vec<String> = tests.to_vec();
        if !signature.is_empty() && signature != NO_OUTPUT {
            needles.push(signature.to_owned());
        }
        let mut lines = lines_with(&bytes, &needles);
        let mut more: Vec<String> = Vec::new();
        for line in &lines {
            if let Some(Record::Run(run)) = parse_line(&bytes[line.clone()]) {
                let signature = (!run.signature.is_empty() && run.signature != NO_OUTPUT)
                    .then_some(run.signature);
                for needle in run.tests.into_iter().chain(signature) {
                    if !needles.contains(&needle) && !more.contains(&needle) {
                        more.push(needle);
                    }
                }
            }
        }
        lines.extend(lines_with(&bytes, &more));
        lines.sort_by_key(|l| l.start);
        lines.dedup();
        lines
            .into_iter()
            .filter_map(|line| parse_line(&bytes[line]))
            .collect()
    }
}

/// The lines of `bytes` (as ranges, without their newline) holding any of `needles` as it is
/// written inside a JSON string.
fn lines_with(bytes: &[u8], needles: &[String]) -> Vec<std::ops::Range<usize>> {
    let mut lines = Vec::new();
    for needle in needles {
        let escaped = serde_json::to_string(needle).unwrap_or_default();
        let inner = escaped.trim_matches('"');
        if inner.is_empty() {
            continue;
        }
        for hit in memchr::memmem::find_iter(bytes, inner.as_bytes()) {
            let start = memchr::memrchr(b'\n', &bytes[..hit]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &bytes[hit..]).map_or(bytes.len(), |i| hit + i);
            lines.push(start..end);
        }
    }
    lines.sort_by_key(|l| l.start);
    lines.dedup();
    lines
}

/// The records in a memory file's bytes.
#[must_use]
pub fn parse(bytes: &[u8]) -> Vec<Record> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &[u8]) -> Option<Record> {
    serde_json::from_slice::<Record>(line).ok().or_else(|| {
        let text = std::str::from_utf8(line).ok()?;
        let start = text.rfind(RECORD_START)?;
        serde_json::from_str::<Record>(&text[start..]).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::memory::{FlakyMeasure, Sighting};

    fn seen(at: &str) -> Record {
        Record::Seen(Sighting {
            repo: "r".into(),
            at: at.into(),
            source: "logs".into(),
            tests: vec!["t::a".into()],
            signature: String::new(),
        })
    }

    #[test]
    fn records_come_back_in_order_and_cut_or_foreign_lines_are_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let memory = Memory::of_workspace(dir.path());
        assert!(memory.records().is_empty());
        memory.append(&seen("1")).expect("append");
        // A crash cut the next record short; the one after it landed on the same line.
        let cut = serde_json::to_string(&seen("2")).expect("json");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(memory.path())
            .expect("open");
        std::io::Write::write_all(&mut file, &cut.as_bytes()[..cut.len() / 2]).expect("write");
        memory.append(&seen("3")).expect("append");
        std::io::Write::write_all(&mut file, b"not json\n{\"record\":\"unknown\"}\n")
            .expect("write");
        memory
            .append(&Record::Flaky(FlakyMeasure {
                repo: "r".into(),
                at: "4".into(),
                test: "t::a".into(),
                runs: 10,
                failures: 2,
            }))
            .expect("append");
        let records = memory.records();
        assert_eq!(records.len(), 3, "{records:?}");
        assert_eq!(records[0], seen("1"));
        assert_eq!(records[1], seen("3"));
        assert!(matches!(records[2], Record::Flaky(_)));
    }

    #[test]
    fn the_records_about_a_failure_are_those_a_full_read_would_match() {
        use crate::core::memory::{Outcome, RunRecord, recall};
        let dir = tempfile::tempdir().expect("temp dir");
        let memory = Memory::of_workspace(dir.path());
        let run = |id: &str, at: &str, tests: &[&str]| {
            Record::Run(RunRecord {
                run: id.into(),
                repo: "r".into(),
                at: at.into(),
                tests: tests.iter().map(|t| (*t).to_owned()).collect(),
                signature: format!("sig \"{id}\""),
                deterministic: true,
                outcome: Outcome::Fixed {
                    commit: "c".into(),
                    branch: "b".into(),
                    pr: None,
                },
            })
        };
        for record in [
            run("fix", "2026-01-01", &["t::a", "t::b"]),
            run("other", "2026-01-02", &["t::c"]),
            run("sig", "2026-01-04", &[]),
        ] {
            memory.append(&record).expect("append");
        }
        // A later failure of the fix's other test only: it did not hold.
        let mut later = seen("2026-01-05");
        if let Record::Seen(s) = &mut later {
            s.tests = vec!["t::b".into()];
        }
        memory.append(&later).expect("append");
        let about = memory.records_about(&["t::a".into()], "sig \"sig\"");
        assert!(
            about
                .iter()
                .all(|r| !matches!(r, Record::Run(run) if run.run == "other"))
        );
        let all = memory.records();
        for (tests, signature) in [(vec!["t::a".to_owned()], "sig \"sig\""), (vec![], "none")] {
            assert_eq!(
                recall(
                    &memory.records_about(&tests, signature),
                    "r",
                    "now",
                    &tests,
                    signature
                ),
                recall(&all, "r", "now", &tests, signature)
            );
        }
        let words = recall(&about, "r", "now", &["t::a".into()], "");
        assert!(words[0].contains("failed again on 2026-01-05"), "{words:?}");
    }

    #[test]
    fn a_secret_never_reaches_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let memory = Memory::of_workspace(dir.path());
        let mut record = seen("1");
        if let Record::Seen(s) = &mut record {
            s.signature = "auth failed for ghp_0123456789abcdefghijklmnopqrstuvwxyzAB".into();
        }
        memory.append(&record).expect("append");
        let text = fs::read_to_string(memory.path()).expect("read");
        assert!(!text.contains("ghp_0123456789"), "{text}");
        assert_eq!(memory.records().len(), 1);
    }
}
