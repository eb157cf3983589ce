//! One pass over the runs taken and not finished, worked on side by side: each repository gets
//! as many lanes as its `concurrency` (never more than it has runs), each lane a clone of its
//! own, so runs worked on at once never share a git repository. Runs of one pull request (or one
//! branch) wait for each other: the first one's push moves the head the next would fix, and it
//! then finds its commit stale rather than racing it. Oldest runs first.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};

use tokio::sync::Notify;

use super::work::{End, Watcher, Worked};
use super::{CommandError, state};
use crate::adapters::state::{RunRecord, RunStatus};
use crate::core::exit::ExitCode;

/// The runs of a pass and which pull requests and branches are being worked on.
struct Schedule {
    queue: RefCell<VecDeque<RunRecord>>,
    busy: RefCell<HashSet<String>>,
    freed: Notify,
    worked: RefCell<Worked>,
}

enum Next {
    Run(Box<RunRecord>),
    /// The repository's runs left are on pull requests or branches being worked on.
    Wait,
    Empty,
}

/// What a run holds while it is worked on: its pull request, and its branch (a pull request
/// found later by its commit is found on that branch).
fn holds(record: &RunRecord) -> Vec<String> {
    let repo = record.key.repo.to_ascii_lowercase();
    let detail: serde_json::Value = serde_json::from_str(&record.detail).unwrap_or_default();
    let mut keys = vec![format!(
        "{repo}@{}",
        detail["head_branch"].as_str().unwrap_or_default()
    )];
    if let Some(pr) = record.pr {
        keys.push(format!("{repo}#{pr}"));
    }
    keys
}

impl Schedule {
    fn next(&self, repo: &str) -> Next {
        let mut queue = self.queue.borrow_mut();
        let mut busy = self.busy.borrow_mut();
        let mut waiting = false;
        for i in 0..queue.len() {
            if !queue[i].key.repo.eq_ignore_ascii_case(repo) {
                continue;
            }
            let keys = holds(&queue[i]);
            if keys.iter().any(|k| busy.contains(k)) {
                waiting = true;
                continue;
            }
            busy.extend(keys);
            if let Some(record) = queue.remove(i) {
                return Next::Run(Box::new(record));
            }
        }
        if waiting { Next::Wait } else { Next::Empty }
    }

    fn release(&self, record: &RunRecord) {
        let mut busy = self.busy.borrow_mut();
        for key in holds(record) {
            busy.remove(&key);
        }
        drop(busy);
        self.freed.notify_waiters();
    }
}

impl Watcher<'_> {
    /// Works on every run taken and not finished.
    pub async fn work_all(&self) -> Result<Worked, CommandError> {
        if self.config.watch.paused {
            return Ok(Worked::default());
        }
        let records = self.store.unfinished().map_err(state)?;
        // Before any lane starts, so nothing of this watcher's is stopped with them.
        for record in records.iter().filter(|r| r.status == RunStatus::Working) {
            self.stop_leftovers(&record.key);
        }
        let mut lanes: Vec<(String, u32)> = Vec::new();
        for record in &records {
            let repo = record.key.repo.to_ascii_lowercase();
            if lanes.iter().any(|(r, _)| *r == repo) {
                continue;
            }
            let runs = records
                .iter()
                .filter(|r| r.key.repo.eq_ignore_ascii_case(&repo))
                .count();
            let most = self
                .config
                .repo(&repo)
                .map_or(1, |c| self.config.concurrency_of(c));
            let count = u32::try_from(runs).unwrap_or(u32::MAX).min(most);
            lanes.extend((0..count).map(|lane| (repo.clone(), lane)));
        }
        self.budget
            .set_lanes(u32::try_from(lanes.len()).unwrap_or(u32::MAX));
        let schedule = Schedule {
            queue: RefCell::new(records.into()),
            busy: RefCell::new(HashSet::new()),
            freed: Notify::new(),
            worked: RefCell::new(Worked::default()),
        };
        futures_util::future::try_join_all(
            lanes
                .iter()
                .map(|(repo, lane)| self.lane(&schedule, repo, *lane)),
        )
        .await?;
        Ok(schedule.worked.take())
    }

    /// One lane: the repository's runs, one after another, in the lane's clone.
    async fn lane(&self, schedule: &Schedule, repo: &str, lane: u32) -> Result<(), CommandError> {
        loop {
            let freed = schedule.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let record = match schedule.next(repo) {
                Next::Run(record) => record,
                Next::Wait => {
                    freed.await;
                    continue;
                }
                Next::Empty => return Ok(()),
            };
            let worked = self.work_one(&record, lane).await;
            schedule.release(&record);
            match worked? {
                Some(End::Done(_)) => schedule.worked.borrow_mut().done += 1,
                Some(End::Dropped(_)) => schedule.worked.borrow_mut().dropped += 1,
                None => {}
            }
        }
    }

    /// Works on one run in lane `lane`'s clone and records what became of it (`None`: left as
    /// it is, for the next pass).
    async fn work_one(&self, record: &RunRecord, lane: u32) -> Result<Option<End>, CommandError> {
        let key = &record.key;
        self.store
            .set(key, RunStatus::Working, None, None, None)
            .map_err(state)?;
        let end = match self.work(record, &self.clone_dir(&key.repo, lane)).await {
            Ok(end) => end,
            // Left as it is: the next sweep takes it up again.
            Err(e) if e.code == ExitCode::Unavailable => {
                eprintln!(
                    "fixloop watch: {} run {}: {}",
                    key.repo, key.run_id, e.message
                );
                return Ok(None);
            }
            Err(e) => End::Done(format!("failed: {}", e.message)),
        };
        let (status, said) = match &end {
            End::Done(said) => (RunStatus::Done, said),
            End::Dropped(said) => (RunStatus::Dropped, said),
        };
        println!("fixloop watch: {} run {}: {said}", key.repo, key.run_id);
        self.store
            .set(key, status, None, None, Some(said))
            .map_err(state)?;
        let class = self.store.class_of(key).map_err(state)?;
        if status == RunStatus::Done
            && let Some(kind) = super::notices::kind_of(class.as_deref(), said)
        {
            let title = said.lines().next().unwrap_or_default().to_owned();
            super::notices::Notices::note(self.store, kind, &key.repo, title, record.pr)?;
        }
        Ok(Some(end))
    }
}
