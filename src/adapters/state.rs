//! The watcher's memory, in one `SQLite` file (WAL, one writer): the webhook deliveries seen, the
//! failed runs taken and what became of each, the dedupe keys (repository, head commit, job,
//! failure signature), attempts and the on/off switch per pull request, the day's spending, the
//! `ETag`s of the last polls, and the notifications sent. Every change is one transaction, so a
//! watcher killed at any moment finds on restart exactly what it had finished — and the runs it
//! had started and not finished, to take up again.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

/// The schema, in the order it grew; `user_version` says how much of it a file has.
const MIGRATIONS: [&str; 3] = [
    r"
    CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE runs (
        repo TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        run_attempt INTEGER NOT NULL,
        head_sha TEXT NOT NULL,
        pr INTEGER,
        status TEXT NOT NULL,
        class TEXT,
        reason TEXT,
        outcome TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (repo, run_id, run_attempt)
    );
    CREATE TABLE dedupe (
        key TEXT PRIMARY KEY,
        repo TEXT NOT NULL,
        run_id INTEGER NOT NULL
    );
    CREATE TABLE prs (
        repo TEXT NOT NULL,
        pr INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        off INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (repo, pr)
    );
    CREATE TABLE spend (
        day TEXT PRIMARY KEY,
        cents INTEGER NOT NULL
    );
    CREATE TABLE etags (
        url TEXT PRIMARY KEY,
        etag TEXT NOT NULL
    );
    CREATE TABLE notifications (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        sink TEXT NOT NULL,
        message_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
",
    r"
    CREATE TABLE disabled_sinks (
        name TEXT PRIMARY KEY,
        address_sha256 TEXT NOT NULL
    );
",
    r"
    CREATE TABLE pending_notifications (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        body TEXT NOT NULL
    );
",
];

/// A failed run, as the watcher knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunKey {
    pub repo: String,
    pub run_id: u64,
    pub run_attempt: u32,
}

/// Where a taken run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Taken, not yet worked on.
    Queued,
    /// Being worked on (a watcher killed here takes it up again on restart).
    Working,
    /// Finished, whatever it came to (`outcome` says).
    Done,
    /// Left alone, with its reason (a stale head, a duplicate, a filter).
    Dropped,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Working => "working",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "working" => Self::Working,
            "done" => Self::Done,
            "dropped" => Self::Dropped,
            _ => Self::Queued,
        }
    }
}

/// A run the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub key: RunKey,
    pub head_sha: String,
    pub pr: Option<u64>,
    pub status: RunStatus,
    pub class: Option<String>,
    pub reason: Option<String>,
    pub outcome: Option<String>,
    /// What the watcher kept about the run when it took it (JSON).
    pub detail: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// What taking a run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// New: recorded as queued.
    New,
    /// This very run was taken before (a webhook and a sweep both saw it, or a redelivery).
    Seen(RunStatus),
    /// Another run with the same failure on the same commit was taken (`run_id`).
    Duplicate(u64),
}

/// The store could not be opened, read or written; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

pub struct WatchStore {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for WatchStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl WatchStore {
    /// Opens (or creates) the store at `path`, bringing its schema up to date.
    ///
    /// # Errors
    /// The file cannot be opened or is not one of fixloop's stores.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| StateError(format!("cannot create {}: {e}", parent.display())))?;
        }
        let name = path.display().to_string();
        let fail = |e: rusqlite::Error| StateError(format!("{name}: {e}"));
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        let version: usize = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(fail)?;
        if version > MIGRATIONS.len() {
            return Err(StateError(format!(
                "{name}: written by a newer fixloop (schema {version}); use that one, or another \
                 --state file"
            )));
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            // Immediate: another watcher process opening the same file waits its turn.
            let tx =
                Transaction::new_unchecked(&conn, TransactionBehavior::Immediate).map_err(fail)?;
            tx.execute_batch(migration).map_err(fail)?;
            tx.pragma_update(None, "user_version", i + 1)
                .map_err(fail)?;
            tx.commit().map_err(fail)?;
        }
        Ok(Self { conn, path: name })
    }

    fn fail(&self, e: &rusqlite::Error) -> StateError {
        StateError(format!("{}: {e}", self.path))
    }

    /// Records a webhook delivery; `false` when it was seen before (GitHub redelivered it).
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn first_delivery(&self, id: &str, event: &str) -> Result<bool, StateError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO deliveries (id, event) VALUES (?1, ?2)",
                params![id, event],
            )
            .map(|n| n == 1)
            .map_err(|e| self.fail(&e))
    }

    /// Takes a failed run unless it, or the same failure on the same commit (`dedupe`), was
    /// taken before — in one transaction.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn take(
        &self,
        key: &RunKey,
        head_sha: &str,
        pr: Option<u64>,
        dedupe: &str,
        detail: &str,
    ) -> Result<Taken, StateError> {
        let fail = |e: rusqlite::Error| self.fail(&e);
        // Immediate: it writes after it reads, and a deferred transaction's upgrade to a write
        // can fail at once when another connection (the webhook listener's) writes.
        let tx =
            Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate).map_err(fail)?;
        let seen: Option<String> = tx
            .query_row(
                "SELECT status FROM runs WHERE repo = ?1 AND run_id = ?2 AND run_attempt = ?3",
                params![key.repo, key.run_id, key.run_attempt],
                |row| row.get(0),
            )
            .optional()
            .map_err(fail)?;
        if let Some(status) = seen {
            return Ok(Taken::Seen(RunStatus::parse(&status)));
        }
        let duplicate: Option<u64> = tx
            .query_row(
                "SELECT run_id FROM dedupe WHERE key = ?1",
                params![dedupe],
                |row| row.get(0),
            )
            .optional()
            .map_err(fail)?;
        let taken = if let Some(other) = duplicate {
            tx.execute(
                "INSERT INTO runs (repo, run_id, run_attempt, head_sha, pr, status, reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'dropped', ?6)",
                params![
                    key.repo,
                    key.run_id,
                    key.run_attempt,
                    head_sha,
                    pr,
                    format!("the same failure on the same commit as run {other}")
                ],
            )
            .map_err(fail)?;
            Taken::Duplicate(other)
        } else {
            tx.execute(
                "INSERT INTO runs (repo, run_id, run_attempt, head_sha, pr, status, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
                params![key.repo, key.run_id, key.run_attempt, head_sha, pr, detail],
            )
            .map_err(fail)?;
            tx.execute(
                "INSERT INTO dedupe (key, repo, run_id) VALUES (?1, ?2, ?3)",
                params![dedupe, key.repo, key.run_id],
            )
            .map_err(fail)?;
            Taken::New
        };
        tx.commit().map_err(fail)?;
        Ok(taken)
    }

    /// Moves a run on, with what it was classified as and why, and (when done) what it came to.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn set(
        &self,
        key: &RunKey,
        status: RunStatus,
        class: Option<&str>,
        reason: Option<&str>,
        outcome: Option<&str>,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE runs SET status = ?4, class = COALESCE(?5, class), \
                 reason = COALESCE(?6, reason), outcome = COALESCE(?7, outcome), \
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 WHERE repo = ?1 AND run_id = ?2 AND run_attempt = ?3",
                params![
                    key.repo,
                    key.run_id,
                    key.run_attempt,
                    status.as_str(),
                    class,
                    reason,
                    outcome
                ],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// What run `key` was classified as, once it was.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn class_of(&self, key: &RunKey) -> Result<Option<String>, StateError> {
        self.conn
            .query_row(
                "SELECT class FROM runs WHERE repo = ?1 AND run_id = ?2 AND run_attempt = ?3",
                params![key.repo, key.run_id, key.run_attempt],
                |row| row.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.fail(&e))
    }

    /// The runs taken and not finished (queued, or cut off while being worked on), oldest first.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn unfinished(&self) -> Result<Vec<RunRecord>, StateError> {
        self.runs("WHERE status IN ('queued', 'working') ORDER BY updated_at, run_id")
    }

    /// The runs whose proven fix waits for a person's answer on the PR.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn waiting(&self) -> Result<Vec<RunRecord>, StateError> {
        self.runs("WHERE status = 'done' AND class = 'pipeline' AND outcome LIKE 'waits:%' ORDER BY updated_at")
    }

    /// Every run the store holds, oldest first.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn all_runs(&self) -> Result<Vec<RunRecord>, StateError> {
        self.runs("ORDER BY updated_at, run_id")
    }

    fn runs(&self, clause: &str) -> Result<Vec<RunRecord>, StateError> {
        let fail = |e: rusqlite::Error| self.fail(&e);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT repo, run_id, run_attempt, head_sha, pr, status, class, reason, outcome, \
                 detail, updated_at FROM runs {clause}"
            ))
            .map_err(fail)?;
        let rows = statement
            .query_map([], |row| {
                Ok(RunRecord {
                    key: RunKey {
                        repo: row.get(0)?,
                        run_id: row.get(1)?,
                        run_attempt: row.get(2)?,
                    },
                    head_sha: row.get(3)?,
                    pr: row.get(4)?,
                    status: RunStatus::parse(&row.get::<_, String>(5)?),
                    class: row.get(6)?,
                    reason: row.get(7)?,
                    outcome: row.get(8)?,
                    detail: row.get(9)?,
                    updated_at: row.get(10)?,
                })
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }

    /// Attempts fixloop made on a pull request, and whether it was turned off there.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn pr(&self, repo: &str, pr: u64) -> Result<(u32, bool), StateError> {
        self.conn
            .query_row(
                "SELECT attempts, off FROM prs WHERE repo = ?1 AND pr = ?2",
                params![repo, pr],
                |row| Ok((row.get(0)?, row.get::<_, i64>(1)? != 0)),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.fail(&e))
    }

    /// Counts one more attempt on a pull request; the count after it.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn count_attempt(&self, repo: &str, pr: u64) -> Result<u32, StateError> {
        self.conn
            .query_row(
                "INSERT INTO prs (repo, pr, attempts) VALUES (?1, ?2, 1) \
                 ON CONFLICT (repo, pr) DO UPDATE SET attempts = attempts + 1 \
                 RETURNING attempts",
                params![repo, pr],
                |row| row.get(0),
            )
            .map_err(|e| self.fail(&e))
    }

    /// `/fixloop off` and `/fixloop on` on a pull request.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn set_pr_off(&self, repo: &str, pr: u64, off: bool) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO prs (repo, pr, off) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (repo, pr) DO UPDATE SET off = ?3",
                params![repo, pr, i64::from(off)],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// What was spent on `day` (`YYYY-MM-DD`), in cents.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn spent(&self, day: &str) -> Result<u64, StateError> {
        self.conn
            .query_row(
                "SELECT cents FROM spend WHERE day = ?1",
                params![day],
                |row| row.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.fail(&e))
    }

    /// Adds `cents` to what was spent on `day`.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn add_spend(&self, day: &str, cents: u64) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO spend (day, cents) VALUES (?1, ?2) \
                 ON CONFLICT (day) DO UPDATE SET cents = cents + ?2",
                params![day, cents],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// The `ETag` GitHub gave for `url` last time.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn etag(&self, url: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row(
                "SELECT etag FROM etags WHERE url = ?1",
                params![url],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.fail(&e))
    }

    /// Keeps the `ETag` for `url` (set once what it listed has been taken).
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn set_etag(&self, url: &str, etag: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO etags (url, etag) VALUES (?1, ?2) \
                 ON CONFLICT (url) DO UPDATE SET etag = ?2",
                params![url, etag],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// Whether the sink `name` at the address with this hash was disabled (it answered 410
    /// Gone); a sink given another address is a new one.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn sink_disabled(&self, name: &str, address_sha256: &str) -> Result<bool, StateError> {
        self.conn
            .query_row(
                "SELECT 1 FROM disabled_sinks WHERE name = ?1 AND address_sha256 = ?2",
                params![name, address_sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.fail(&e))
    }

    /// Keeps sink `name` at that address disabled across restarts.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn disable_sink(&self, name: &str, address_sha256: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO disabled_sinks (name, address_sha256) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET address_sha256 = ?2",
                params![name, address_sha256],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// Keeps a notification (JSON) to be sent at the end of the pass, so a watcher killed
    /// before it sends it sends it after its restart.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn queue_notification(&self, body: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO pending_notifications (body) VALUES (?1)",
                params![body],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// The notifications waiting to be sent, oldest first, with their place in the queue.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn pending_notifications(&self) -> Result<Vec<(i64, String)>, StateError> {
        let fail = |e: rusqlite::Error| self.fail(&e);
        let mut statement = self
            .conn
            .prepare("SELECT seq, body FROM pending_notifications ORDER BY seq")
            .map_err(fail)?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }

    /// Drops the queued notifications up to `seq` (they were sent).
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn drop_notifications(&self, seq: i64) -> Result<(), StateError> {
        self.conn
            .execute(
                "DELETE FROM pending_notifications WHERE seq <= ?1",
                params![seq],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    /// Journals a notification's delivery (the sink's name, never its URL).
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn record_notification(
        &self,
        sink: &str,
        message_id: &str,
        outcome: &str,
        attempts: u32,
        detail: &str,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO notifications (sink, message_id, outcome, attempts, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sink, message_id, outcome, attempts, detail],
            )
            .map(drop)
            .map_err(|e| self.fail(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(run_id: u64) -> RunKey {
        RunKey {
            repo: "octo-org/wordstat".into(),
            run_id,
            run_attempt: 1,
        }
    }

    /// What one store wrote, another opened on the same file after it reads: nothing is taken
    /// twice, and the run cut off while being worked on is there to take up again.
    #[test]
    fn what_was_taken_survives_a_restart_and_nothing_is_taken_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/watch.db");
        {
            let store = WatchStore::open(&path).unwrap();
            assert!(store.first_delivery("d-1", "workflow_run").unwrap());
            assert!(!store.first_delivery("d-1", "workflow_run").unwrap());
            assert_eq!(
                store
                    .take(&key(1), "abc", Some(17), "k-abc-test-sig", "{}")
                    .unwrap(),
                Taken::New
            );
            store
                .set(
                    &key(1),
                    RunStatus::Working,
                    Some("fixers"),
                    Some("ruff"),
                    None,
                )
                .unwrap();
            assert_eq!(
                store
                    .take(&key(2), "abc", Some(17), "k-abc-test-sig", "{}")
                    .unwrap(),
                Taken::Duplicate(1)
            );
            assert_eq!(store.count_attempt("octo-org/wordstat", 17).unwrap(), 1);
            store.add_spend("2026-12-02", 125).unwrap();
            store
                .set_etag("/repos/a/b/actions/runs", "W/\"x\"")
                .unwrap();
        }
        let store = WatchStore::open(&path).unwrap();
        assert!(!store.first_delivery("d-1", "workflow_run").unwrap());
        assert_eq!(
            store
                .take(&key(1), "abc", Some(17), "k-abc-test-sig", "{}")
                .unwrap(),
            Taken::Seen(RunStatus::Working)
        );
        let open = store.unfinished().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].class.as_deref(), Some("fixers"));
        assert_eq!(store.count_attempt("octo-org/wordstat", 17).unwrap(), 2);
        store.add_spend("2026-12-02", 75).unwrap();
        assert_eq!(store.spent("2026-12-02").unwrap(), 200);
        assert_eq!(
            store.etag("/repos/a/b/actions/runs").unwrap().as_deref(),
            Some("W/\"x\"")
        );
        store.set_pr_off("octo-org/wordstat", 17, true).unwrap();
        assert_eq!(store.pr("octo-org/wordstat", 17).unwrap(), (2, true));
        store
            .set(&key(1), RunStatus::Done, None, None, Some("pushed"))
            .unwrap();
        assert!(store.unfinished().unwrap().is_empty());
        let all = store.all_runs().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all.iter()
                .filter(|r| r.status == RunStatus::Dropped)
                .count(),
            1
        );
    }

    /// Notifications queued and not sent survive a restart; sent ones are dropped.
    #[test]
    fn queued_notifications_survive_a_restart_until_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch.db");
        {
            let store = WatchStore::open(&path).unwrap();
            store.queue_notification("{\"a\":1}").unwrap();
            store.queue_notification("{\"b\":2}").unwrap();
            assert!(store.disable_sink("webhook", "abc").is_ok());
        }
        let store = WatchStore::open(&path).unwrap();
        let queued = store.pending_notifications().unwrap();
        assert_eq!(queued.len(), 2);
        store.drop_notifications(queued[0].0).unwrap();
        assert_eq!(store.pending_notifications().unwrap().len(), 1);
        assert!(store.sink_disabled("webhook", "abc").unwrap());
        assert!(!store.sink_disabled("webhook", "another address").unwrap());
    }

    #[test]
    fn a_file_that_is_not_a_store_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch.db");
        std::fs::write(
            &path,
            "not a database, just text that is long enough to matter",
        )
        .unwrap();
        let e = WatchStore::open(&path).unwrap_err();
        assert!(e.0.contains("watch.db"), "{e}");
    }
}
