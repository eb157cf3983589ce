//! Getting the failure's logs onto disk and cutting the excerpt the agent reads.

use std::path::{Path, PathBuf};

use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::excerpt::{self, DEFAULT_BUDGET};
use crate::core::info::Info;

/// Where `raw-logs` points when it names a file: relative to the workspace, or absolute.
#[must_use]
pub fn raw_logs_file(raw: &str, workspace: &Path) -> Option<PathBuf> {
    if raw.contains('\n') || raw.len() > 4096 {
        return None;
    }
    let path = Path::new(raw.trim());
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        workspace.join(path)
    };
    path.is_file().then_some(path)
}

/// Puts `raw-logs` (a file, or the text itself) at `logs/full.log` in the failure folder and
/// triages it (a run URL's logs are fetched by the forge, then go through [`prepare_file`]).
pub fn prepare(info: &Info, workspace: &Path, failure_dir: &Path) -> Result<EventKind, StepError> {
    let Some(raw) = &info.raw_logs else {
        return Err(StepError::error("no raw-logs to prepare"));
    };
    let logs_dir = failure_dir.join("logs");
    std::fs::create_dir_all(&logs_dir)
        .map_err(|e| StepError::io(format!("cannot create {}: {e}", logs_dir.display())))?;
    let full_log = logs_dir.join("full.log");
    let written = match raw_logs_file(raw, workspace) {
        // Copied, not read: a log of any size goes through with bounded memory.
        Some(path) => std::fs::copy(&path, &full_log).map(|_| path.display().to_string()),
        None => {
            let looks_like_path = !raw.contains('\n')
                && raw.len() < 300
                && [".log", ".txt", ".out"]
                    .iter()
                    .any(|ext| raw.trim().ends_with(ext));
            if looks_like_path {
                return Err(StepError::input(format!(
                    "info.json: field `raw-logs`: the file `{raw}` does not exist"
                ))
                .hint(format!(
                    "give a path relative to {} or paste the log text itself",
                    workspace.display()
                )));
            }
            std::fs::write(&full_log, raw).map(|()| "raw-logs in info.json".to_owned())
        }
    };
    let source = written.map_err(|e| {
        StepError::io(format!(
            "cannot copy the raw-logs to {}: {e}",
            full_log.display()
        ))
    })?;
    prepare_file(&full_log, &source)
}

/// Triage of a log file already on disk (a fetched run's logs): writes `excerpt.txt` beside it.
pub fn prepare_file(full_log: &Path, source: &str) -> Result<EventKind, StepError> {
    super::secrets::redact_file(full_log)
        .map_err(|e| StepError::io(format!("cannot rewrite {}: {e}", full_log.display())))?;
    let file = std::fs::File::open(full_log)
        .map_err(|e| StepError::error(format!("cannot read {}: {e}", full_log.display())))?;
    let outcome = triage_stream(file, DEFAULT_BUDGET, None)
        .map_err(|e| StepError::error(format!("cannot read {}: {e}", full_log.display())))?;
    let excerpt_path = full_log.with_file_name("excerpt.txt");
    std::fs::write(&excerpt_path, outcome.excerpt.as_bytes())
        .map_err(|e| StepError::io(format!("cannot write {}: {e}", excerpt_path.display())))?;
    Ok(EventKind::LogsPrepared {
        source: source.to_owned(),
        full_log: full_log.display().to_string(),
        excerpt: excerpt_path.display().to_string(),
        bytes: outcome.bytes,
        lines: outcome.lines,
        excerpt_bytes: outcome.excerpt.len() as u64,
        failing_tests: outcome.failing_tests.into_iter().map(|f| f.id).collect(),
        memory: crate::core::memory::Recall::default(),
    })
}

/// Why a log could not be triaged: the log could not be read (bad input), or its copy could not
/// be written (a local I/O failure).
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("{0}")]
    Read(std::io::Error),
    #[error("{0}")]
    Copy(std::io::Error),
}

/// Triage of a log read from `reader` in large chunks; memory stays bounded whatever its size.
/// When `copy` is given, every byte read is also written there.
pub fn triage_stream(
    mut reader: impl std::io::Read,
    budget: usize,
    mut copy: Option<&mut dyn std::io::Write>,
) -> Result<excerpt::Outcome, TriageError> {
    let mut triage = excerpt::Triage::new(budget);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(TriageError::Read(e)),
        };
        if let Some(out) = copy.as_mut() {
            out.write_all(&buf[..n]).map_err(TriageError::Copy)?;
        }
        triage.feed_bytes(&buf[..n]);
    }
    Ok(triage.finish())
}
