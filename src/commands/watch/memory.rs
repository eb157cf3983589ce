//! The watcher and fixloop's memory: each failure it takes is a sighting (a later failure of a
//! test fixloop fixed is a fix that did not hold), and a failure whose every failing test is a
//! known flaky one is re-run once before any AI, the known rate being the reason. The memory is
//! the one store, in the watcher's folder (`watch/outputs/memory.jsonl` beside its state).

use std::path::Path;

use crate::core::excerpt::triage_text;
use crate::core::memory::{Record, Sighting, known_rate, known_words};
use crate::core::signature::{self, NO_OUTPUT};
use crate::core::watch::Class;
use crate::engine::memory::Memory;

/// How many bytes of the log's excerpt name its failure.
const EXCERPT_BUDGET: usize = 16 * 1024;

/// `class` as the memory of `work_dir` changes it for a failure of `repo` (`owner/name`) whose
/// log is `log`, in its `run_attempt`-th attempt; the failure is recorded as seen.
pub(super) fn recall(
    work_dir: &Path,
    repo: &str,
    log: &str,
    class: Class,
    run_attempt: u32,
) -> Class {
    let outcome = triage_text(log, EXCERPT_BUDGET);
    let tests: Vec<String> = outcome.failing_tests.iter().map(|f| f.id.clone()).collect();
    let signature = signature::of(&outcome.excerpt);
    let memory = Memory::of_workspace(work_dir);
    let key = format!("github.com/{repo}").to_lowercase();
    let records = memory.records();
    // Every failing test known flaky (one each), else none of it counts.
    let known: Option<Vec<_>> = tests
        .iter()
        .map(|t| known_rate(&records, &key, std::slice::from_ref(t)))
        .collect();
    if !tests.is_empty() || signature != NO_OUTPUT {
        let seen = Record::Seen(Sighting {
            repo: key,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            source: "watch".into(),
            tests,
            signature,
        });
        if let Err(e) = memory.append(&seen) {
            eprintln!(
                "fixloop watch: could not add {repo}'s failure to the memory at {}: {e}",
                memory.path().display()
            );
        }
    }
    match (class, known) {
        (Class::Pipeline { reason }, Some(known)) if run_attempt == 1 && !known.is_empty() => {
            let words: Vec<String> = known.iter().map(known_words).collect();
            Class::Transient {
                reason: format!(
                    "{}; re-run before any AI (else: {reason})",
                    words.join("; ")
                ),
            }
        }
        (class, _) => class,
    }
}
