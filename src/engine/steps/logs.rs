//! The logs step: the failed run's logs fetched (a run URL) or copied (`raw-logs`), then triaged
//! into the excerpt the agent reads.

use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::memory;
use crate::core::runurl::RunUrl;
use crate::engine::bench::Bench;
use crate::engine::logs;
use crate::engine::memory::Memory;

pub async fn prepare(bench: &Bench) -> Result<EventKind, StepError> {
    let setup = &bench.setup;
    let Some(url) = setup.info.url.clone() else {
        return logs::prepare(&setup.info, &setup.workspace, &setup.failure_dir)
            .map(|fact| recall(bench, fact));
    };
    let run_url = RunUrl::parse(&url).map_err(StepError::input)?;
    let logs_dir = setup.failure_dir.join("logs");
    let fetched = bench.forge.fetch_run_logs(&run_url, &logs_dir).await?;
    for note in &fetched.run.notes {
        bench.warn(note.clone());
    }
    bench.emit(EventKind::RunFetched(fetched.run));
    logs::prepare_file(&fetched.full_log, &url).map(|fact| recall(bench, fact))
}

/// The logs' fact with what the memory recalls of the failure: its signature, and the earlier
/// runs of the same repository that it matches.
fn recall(bench: &Bench, mut fact: EventKind) -> EventKind {
    if let EventKind::LogsPrepared {
        excerpt,
        failing_tests,
        memory,
        ..
    } = &mut fact
    {
        let setup = &bench.setup;
        let text = std::fs::read_to_string(&*excerpt).unwrap_or_default();
        let signature = crate::core::signature::of(&text);
        let records =
            Memory::of_workspace(&setup.workspace).records_about(failing_tests, &signature);
        let repo = setup.memory_repo();
        memory.seen_before =
            memory::recall(&records, &repo, &setup.run_id, failing_tests, &signature);
        if let Some(known) = memory::known_rate(&records, &repo, failing_tests) {
            memory.seen_before.push(memory::known_words(&known));
        }
        memory.signature = signature;
    }
    fact
}
