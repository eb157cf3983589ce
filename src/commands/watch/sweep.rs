//! One sweep: every enabled repository's failed runs polled, the new ones taken. A repository's
//! `ETag` is kept only once everything its list held is taken, so a watcher killed mid-sweep
//! polls that list again in full.

use serde_json::json;

use super::work::Watcher;
use super::{CommandError, state};
use crate::adapters::github::Poll;
use crate::adapters::state::{RunKey, Taken, WatchStore};
use crate::core::ci::{self, CiEvent, FailedRun, Guard};
use crate::core::watch::RepoConfig;

/// What a sweep did, in a line.
#[derive(Debug, Default)]
pub struct Swept {
    pub unchanged: u32,
    pub taken: u32,
    pub skipped: u32,
}

impl std::fmt::Display for Swept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} run(s) taken, {} left alone, {} repositor{} unchanged",
            self.taken,
            self.skipped,
            self.unchanged,
            if self.unchanged == 1 { "y" } else { "ies" }
        )
    }
}

pub async fn sweep(watcher: &Watcher<'_>) -> Result<Swept, CommandError> {
    let mut swept = Swept::default();
    for repo in watcher.config.repos.iter().filter(|r| r.enabled) {
        let (owner, name) = repo.name.split_once('/').unwrap_or((&repo.name, ""));
        let key = format!("runs:{}", repo.name.to_ascii_lowercase());
        let etag = watcher.store.etag(&key).map_err(state)?;
        let poll = match watcher
            .github
            .failed_runs(owner, name, etag.as_deref())
            .await
        {
            Ok(poll) => poll,
            Err(e) => {
                eprintln!("fixloop watch: {}: {}", repo.name, e.message);
                continue;
            }
        };
        let Poll::Runs { etag, runs } = poll else {
            swept.unchanged += 1;
            continue;
        };
        for value in runs {
            let payload = json!({"workflow_run": value, "repository": {"full_name": repo.name}});
            let Ok(CiEvent::Run(run)) = ci::parse(Some("workflow_run"), &payload) else {
                continue;
            };
            if take(watcher.store, repo, &run)? {
                swept.taken += 1;
            } else {
                swept.skipped += 1;
            }
        }
        if let Some(etag) = etag {
            watcher.store.set_etag(&key, &etag).map_err(state)?;
        }
    }
    Ok(swept)
}

/// Takes a failed run into the store unless fixloop should leave it alone; whether it was
/// taken now.
pub fn take(store: &WatchStore, repo: &RepoConfig, run: &FailedRun) -> Result<bool, CommandError> {
    if run.conclusion != "failure" {
        return Ok(false);
    }
    if let Some(reason) = leave_alone(repo, run) {
        tracing::info!("{} run {}: {reason}", run.repo, run.run_id);
        return Ok(false);
    }
    let key = RunKey {
        repo: repo.name.clone(),
        run_id: run.run_id,
        run_attempt: u32::try_from(run.run_attempt).unwrap_or(1),
    };
    // The same workflow failing on the same commit (a second trigger, a redelivery under
    // another run) is one failure; a re-run is an attempt of its own.
    let dedupe = format!(
        "{}|{}|{}|{}",
        repo.name.to_ascii_lowercase(),
        run.head_sha,
        run.workflow,
        run.run_attempt
    );
    let taken = store
        .take(
            &key,
            &run.head_sha,
            run.pull_requests.first().copied(),
            &dedupe,
            &super::work::detail_of(run).to_string(),
        )
        .map_err(state)?;
    Ok(taken == Taken::New)
}

/// Why fixloop leaves a failed run alone, before asking GitHub anything: its own runs, bots'
/// (but those allowed), workflows and branches not watched.
fn leave_alone(repo: &RepoConfig, run: &FailedRun) -> Option<String> {
    let guard = Guard {
        workflows: repo.workflows.clone(),
        prs_only: !repo.branches.contains(&run.head_branch),
        attempt_cap: u32::MAX,
        ..Guard::default()
    };
    if let Some(reason) = guard.skip(run, 0) {
        return Some(reason);
    }
    run.actors
        .iter()
        .find(|a| {
            a.ends_with("[bot]") && !repo.allowed_bots.iter().any(|b| b.eq_ignore_ascii_case(a))
        })
        .map(|bot| format!("the run was started by the bot `{bot}`, not one allowed"))
}
