//! The logs step: the failed run's logs fetched (a run URL) or copied (`raw-logs`), then triaged
//! into the excerpt the agent reads.

use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::runurl::RunUrl;
use crate::engine::bench::Bench;
use crate::engine::logs;

pub async fn prepare(bench: &Bench) -> Result<EventKind, StepError> {
    let setup = &bench.setup;
    let Some(url) = setup.info.url.clone() else {
        return logs::prepare(&setup.info, &setup.workspace, &setup.failure_dir);
    };
    let run_url = RunUrl::parse(&url).map_err(StepError::input)?;
    let logs_dir = setup.failure_dir.join("logs");
    let fetched = bench.forge.fetch_run_logs(&run_url, &logs_dir).await?;
    for note in &fetched.run.notes {
        bench.warn(note.clone());
    }
    bench.emit(EventKind::RunFetched(fetched.run));
    logs::prepare_file(&fetched.full_log, &url)
}
