//! Working on one taken run: still worth it (the PR open, its head the failing commit, fixloop
//! not turned off there, attempts left), what it is (classified before any AI), and what is
//! done about it. Each step's result is in the store before the next begins; what is done to
//! GitHub is done so that doing it again changes nothing (one comment per PR, updated; a push
//! of the same commit), so a watcher killed at any point and started again finishes the work
//! without doing any of it twice.

use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::budget::Budget;
use super::fixer::{Fixed, run_fixers};
use super::git::{clone, fetch, git, remove_worktree};
use super::{CommandError, state};
use crate::adapters::github::{GitHub, PullHead};
use crate::adapters::state::{RunKey, RunRecord, RunStatus, WatchStore};
use crate::cli::{AgentArg, CiAnalyzeArgs, CiApproval, CiPublishArgs};
use crate::commands::ci_common::read_outcome;
use crate::core::ci::FailedRun;
use crate::core::ci::publish::{StickyUpdate, sticky_body};
use crate::core::event::EventKind;
use crate::core::exit::ExitCode;
use crate::core::publish::RUN_TRAILER;
use crate::core::runurl::RunUrl;
use crate::core::watch::{
    Approval, Class, Delivery, FailedStep, RepoConfig, WatchConfig, classify, failed_step_command,
};
use crate::engine::ports::PrRequest;
use crate::engine::store::read_journal;

/// The most of each failed job's log read for classifying (its end, where errors are).
const LOG_TAIL: u64 = 512 * 1024;

pub struct Watcher<'a> {
    pub config: &'a WatchConfig,
    pub store: &'a WatchStore,
    pub github: &'a GitHub,
    /// Clones and logs live here.
    pub work_dir: PathBuf,
    pub agent: Option<AgentArg>,
    pub agent_cmd: Option<String>,
    /// The day's AI budget among the runs worked on at once.
    pub budget: Budget,
}

impl std::fmt::Debug for Watcher<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("work_dir", &self.work_dir)
            .finish_non_exhaustive()
    }
}

/// What the watcher keeps about a run when it takes it.
pub fn detail_of(run: &FailedRun) -> Value {
    json!({
        "workflow": run.workflow,
        "head_branch": run.head_branch,
        "head_repo": run.head_repo,
        "html_url": run.html_url,
        "trigger": run.trigger,
    })
}

/// The work of one pass, in a line.
#[derive(Debug, Default)]
pub struct Worked {
    pub done: u32,
    pub dropped: u32,
}

impl std::fmt::Display for Worked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} run(s) worked on, {} dropped",
            self.done, self.dropped
        )
    }
}

/// What became of a run.
pub(super) enum End {
    Done(String),
    Dropped(String),
}

impl Watcher<'_> {
    /// The clone of `repo` lane `lane` works in (lane 0's is the watcher's first clone).
    pub fn clone_dir(&self, repo: &str, lane: u32) -> PathBuf {
        let first = self.work_dir.join("repos").join(repo.to_ascii_lowercase());
        if lane == 0 {
            return first;
        }
        let mut name = first.file_name().unwrap_or_default().to_owned();
        name.push(format!("@{lane}"));
        first.with_file_name(name)
    }

    /// Every lane's clone of `repo` there is.
    fn clone_dirs(&self, repo: &str) -> Vec<PathBuf> {
        let first = self.clone_dir(repo, 0);
        let name = first
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let lane = format!("{name}@");
        let mut dirs = vec![first.clone()];
        if let Some(Ok(entries)) = first.parent().map(std::fs::read_dir) {
            dirs.extend(
                entries
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&lane))
                    .map(|e| e.path()),
            );
        }
        dirs
    }

    /// The clone a run of the AI path was made in (its journal says; the run is answered and
    /// delivered from there), else lane 0's.
    pub fn clone_of_run(&self, key: &RunKey) -> PathBuf {
        let runs = self.run_out(key).join("outputs/runs");
        let made_in = std::fs::read_dir(runs)
            .into_iter()
            .flatten()
            .flatten()
            .find_map(|run| {
                let events = read_journal(&run.path().join("events.jsonl")).ok()?;
                events.into_iter().find_map(|e| match e.kind {
                    EventKind::RunStarted { repo, .. } => Some(PathBuf::from(repo)),
                    _ => None,
                })
            });
        made_in.unwrap_or_else(|| self.clone_dir(&key.repo, 0))
    }

    /// The output folder of the AI path for a run.
    pub fn run_out(&self, key: &RunKey) -> PathBuf {
        self.work_dir
            .join("runs")
            .join(key.repo.to_ascii_lowercase())
            .join(format!("{}-{}", key.run_id, key.run_attempt))
    }

    /// Stops what a killed watcher left running for a run it was working on: its fixers (marked
    /// with the repository's worktree folder) and the AI path's agents and tests (marked with
    /// their run's folder).
    pub(super) fn stop_leftovers(&self, key: &RunKey) {
        let mut marks: Vec<PathBuf> = self
            .clone_dirs(&key.repo)
            .into_iter()
            .map(|c| c.join(".git/fixloop-watch"))
            .collect();
        if let Ok(runs) = std::fs::read_dir(self.run_out(key).join("outputs/runs")) {
            marks.extend(runs.flatten().map(|e| e.path()));
        }
        for mark in marks {
            let stopped = crate::engine::process::stop_leftovers(&mark);
            if !stopped.is_empty() {
                eprintln!(
                    "fixloop watch: {} run {}: stopped {} process(es) a killed watcher left",
                    key.repo,
                    key.run_id,
                    stopped.len()
                );
            }
        }
    }

    /// `fixloop ci analyze`'s arguments for the AI path on the watcher's clone `clone`, its
    /// output folder `out`.
    pub fn analyze_args(&self, clone: &Path, out: &Path, approval: CiApproval) -> CiAnalyzeArgs {
        CiAnalyzeArgs {
            event: None,
            event_name: None,
            out: out.to_path_buf(),
            repo: Some(clone.to_path_buf()),
            agent: self.agent,
            agent_cmd: self.agent_cmd.clone(),
            approval,
            workflows: Vec::new(),
            include_pushes: true,
            attempt_cap: u32::MAX,
            bots: Vec::new(),
            flaky: false,
            max_cost_usd: None,
            previous: None,
            artifact: "fixloop-out".into(),
        }
    }

    /// Delivers what the AI path in `out` came to, as the publish job does (from the watcher's
    /// clone `clone`); the outcome it acted on.
    pub async fn publish(&self, clone: &Path, out: &Path) -> Result<Value, CommandError> {
        let publish = CiPublishArgs {
            dir: out.to_path_buf(),
            repo: Some(clone.to_path_buf()),
            remote: "origin".into(),
            branch_prefix: "fixloop/".into(),
            protect: Vec::new(),
            allow: Vec::new(),
        };
        crate::commands::ci_publish::publish(&publish).await?;
        Ok(read_outcome(out).unwrap_or_default())
    }

    /// Works on one run in `clone` (a lane's clone of the repository).
    pub(super) async fn work(&self, record: &RunRecord, clone: &Path) -> Result<End, CommandError> {
        let key = &record.key;
        let Some(repo) = self.config.repo(&key.repo) else {
            return Ok(End::Dropped(
                "the repository is no longer configured".into(),
            ));
        };
        let detail: Value = serde_json::from_str(&record.detail).unwrap_or_default();
        let (owner, name) = key.repo.split_once('/').unwrap_or((&key.repo, ""));
        let (pr, head, attempts) = match self.target(record, repo, &detail).await? {
            Ok(found) => found,
            Err(end) => return Ok(end),
        };
        let (steps, log) = self.failure(owner, name, key).await?;
        let fixers = self.config.fixers_for(repo);
        let class = classify(&steps, &log, &fixers);
        let mut class =
            super::memory::recall(&self.work_dir, &key.repo, &log, class, key.run_attempt);
        if let Class::Transient { reason } = &class
            && key.run_attempt > 1
        {
            class = Class::NotFixable {
                reason: format!("it failed again after a re-run: {reason}"),
            };
        }
        self.store
            .set(
                key,
                RunStatus::Working,
                Some(class.kind()),
                Some(class.reason()),
                None,
            )
            .map_err(state)?;
        let job = Job {
            watcher: self,
            repo,
            clone,
            key,
            pr,
            head: &head,
            attempt: attempts + 1,
            workflow: detail["workflow"].as_str().unwrap_or_default().to_owned(),
            detail,
        };
        job.act(&class, &steps, &fixers).await
    }

    /// What the run's fix goes to: its open pull request (`pr` > 0) at the failing commit, or
    /// for a watched branch without one, the branch itself (`pr` 0); with the attempts made
    /// there. `Err`: the run is left, and why.
    async fn target(
        &self,
        record: &RunRecord,
        repo: &RepoConfig,
        detail: &Value,
    ) -> Result<Result<(u64, PullHead, u32), End>, CommandError> {
        let key = &record.key;
        let (owner, name) = key.repo.split_once('/').unwrap_or((&key.repo, ""));
        let pr = match record.pr {
            Some(pr) => Some(pr),
            None => self
                .github
                .prs_for_head(owner, name, &record.head_sha)
                .await
                .map_err(CommandError::from)?
                .first()
                .copied(),
        };
        let branch = detail["head_branch"].as_str().unwrap_or_default();
        let (pr, head) = match pr {
            Some(pr) => {
                let head = self
                    .github
                    .pull_head(owner, name, pr)
                    .await
                    .map_err(CommandError::from)?;
                (pr, head)
            }
            None if repo.branches.iter().any(|b| b == branch) => {
                let sha = self
                    .github
                    .branch_head(owner, name, branch)
                    .await
                    .map_err(CommandError::from)?;
                let head = PullHead {
                    sha,
                    branch: branch.to_owned(),
                    repo: key.repo.clone(),
                    maintainer_can_modify: false,
                    open: true,
                };
                (0, head)
            }
            None => {
                return Ok(Err(End::Dropped(
                    "no open pull request has this commit as its head".into(),
                )));
            }
        };
        let place = if pr == 0 {
            format!("`{branch}`")
        } else {
            format!("#{pr}")
        };
        let (attempts, off) = self.store.pr(&key.repo, pr).map_err(state)?;
        if off {
            return Ok(Err(End::Dropped(format!(
                "fixloop is turned off on {place} (`/fixloop on` turns it on)"
            ))));
        }
        if attempts >= repo.attempts {
            return Ok(Err(End::Dropped(format!(
                "fixloop has tried {place} {attempts} times (its cap)"
            ))));
        }
        if !head.open {
            return Ok(Err(End::Dropped(format!("{place} is closed"))));
        }
        if !head.sha.eq_ignore_ascii_case(&record.head_sha) {
            // (fixloop never pushes to a branch without a pull request.)
            if pr > 0
                && let Some(end) = self.pushed_before(key, pr, attempts, &head).await?
            {
                return Ok(Err(end));
            }
            return Ok(Err(End::Dropped(format!(
                "stale: {place}'s head is now {}, not the failing {}",
                short(&head.sha),
                short(&record.head_sha)
            ))));
        }
        Ok(Ok((pr, head, attempts)))
    }

    /// The head fixloop itself pushed for this run (a watcher killed after its push and before
    /// its comment): the comment is what is left to do.
    async fn pushed_before(
        &self,
        key: &RunKey,
        pr: u64,
        attempts: u32,
        head: &PullHead,
    ) -> Result<Option<End>, CommandError> {
        let (owner, name) = key.repo.split_once('/').unwrap_or((&key.repo, ""));
        let message = self
            .github
            .commit_message(owner, name, &head.sha)
            .await
            .unwrap_or_default();
        if crate::core::ci::trailer(&message) != Some(format!("watch-{}", key.run_id).as_str()) {
            return Ok(None);
        }
        let said = format!(
            "Fixed with no AI: pushed {} to `{}` (before a restart)",
            short(&head.sha),
            head.branch
        );
        let update = StickyUpdate {
            attempt: attempts.max(1),
            revision: 0,
            line: "fixed (no AI)",
            now: &said,
            artifact_run: None,
        };
        self.github
            .upsert_sticky(owner, name, pr, |previous| sticky_body(previous, &update))
            .await
            .map_err(CommandError::from)?;
        Ok(Some(End::Done(said)))
    }

    /// The failed jobs' failed steps, and the end of each failed job's log.
    async fn failure(
        &self,
        owner: &str,
        name: &str,
        key: &RunKey,
    ) -> Result<(Vec<FailedStep>, String), CommandError> {
        let url = RunUrl {
            host: "github.com".into(),
            owner: owner.into(),
            repo: name.into(),
            run_id: key.run_id,
            job_id: None,
            attempt: Some(key.run_attempt),
        };
        let jobs = self.github.jobs(&url).await.map_err(CommandError::from)?;
        let logs = self.work_dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| {
            CommandError::new(
                ExitCode::Io,
                format!("cannot create {}: {e}", logs.display()),
            )
        })?;
        let mut steps = Vec::new();
        let mut text = String::new();
        for job in jobs
            .iter()
            .filter(|j| j.conclusion.as_deref() == Some("failure"))
        {
            steps.extend(
                job.steps
                    .iter()
                    .filter(|s| s.conclusion.as_deref() == Some("failure"))
                    .map(|s| FailedStep {
                        job: job.name.clone(),
                        step: s.name.clone(),
                        command: None,
                    }),
            );
            let path = logs.join(format!("{}-{}.log", key.run_id, job.id));
            if self.github.job_log(&url, job.id, &path).await.is_ok() {
                let log = tail(&path);
                // The job's failed step ran the command its log shows last before the error.
                if let Some(command) = failed_step_command(&log)
                    && let Some(step) = steps.iter_mut().rev().find(|s| s.job == job.name)
                {
                    step.command = Some(command);
                }
                text.push_str(&log);
                text.push('\n');
            }
            let _ = std::fs::remove_file(&path);
        }
        Ok((steps, text))
    }
}

/// The last [`LOG_TAIL`] bytes of a file, as text.
fn tail(path: &std::path::Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

pub(super) fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// One run being acted on.
pub(super) struct Job<'a> {
    pub(super) watcher: &'a Watcher<'a>,
    pub(super) repo: &'a RepoConfig,
    /// The lane's clone the run is worked on in.
    pub(super) clone: &'a Path,
    pub(super) key: &'a RunKey,
    pub(super) pr: u64,
    pub(super) head: &'a PullHead,
    pub(super) attempt: u32,
    pub(super) workflow: String,
    pub(super) detail: Value,
}

impl Job<'_> {
    async fn act(
        &self,
        class: &Class,
        steps: &[FailedStep],
        fixers: &[crate::core::watch::FixerSpec],
    ) -> Result<End, CommandError> {
        let (owner, name) = self
            .key
            .repo
            .split_once('/')
            .unwrap_or((&self.key.repo, ""));
        match class {
            Class::Transient { reason } => {
                self.watcher
                    .github
                    .rerun_failed_jobs(owner, name, self.key.run_id)
                    .await
                    .map_err(CommandError::from)?;
                Ok(End::Done(format!("re-ran the failed jobs once ({reason})")))
            }
            Class::NotFixable { reason } => {
                self.comment(
                    format!("not fixable: {reason}"),
                    format!(
                        "The `{}` run failed in a way no change to the code fixes: {reason}. \
                         fixloop did nothing else.",
                        self.workflow
                    ),
                )
                .await?;
                Ok(End::Done(format!("said why it is not fixable ({reason})")))
            }
            Class::Fixers { names, .. } => {
                let chosen: Vec<&crate::core::watch::FixerSpec> =
                    fixers.iter().filter(|f| names.contains(&f.name)).collect();
                self.fixers(&chosen, steps).await
            }
            Class::Pipeline { reason } => self.pipeline(reason).await,
        }
    }

    async fn fixers(
        &self,
        fixers: &[&crate::core::watch::FixerSpec],
        steps: &[FailedStep],
    ) -> Result<End, CommandError> {
        let own_repo =
            self.head.repo.is_empty() || self.head.repo.eq_ignore_ascii_case(&self.key.repo);
        let remote = WatchConfig::remote_of(self.repo);
        let clone = clone(self.clone, &remote).await?;
        let commit = if own_repo {
            fetch(&clone, &self.head.branch).await?
        } else {
            git(
                &clone,
                &[
                    "fetch",
                    "--quiet",
                    "origin",
                    &format!(
                        "+refs/pull/{}/head:refs/fixloop-watch/pull/{}",
                        self.pr, self.pr
                    ),
                ],
            )
            .await?;
            git(
                &clone,
                &["rev-parse", &format!("refs/fixloop-watch/pull/{}", self.pr)],
            )
            .await?
        };
        if !commit.eq_ignore_ascii_case(&self.head.sha) {
            return Ok(End::Dropped(format!(
                "stale: the branch moved to {} while fixloop looked",
                short(&commit)
            )));
        }
        let step_names: Vec<String> = steps.iter().map(|s| format!("`{}`", s.step)).collect();
        let fixer_names: Vec<&str> = fixers.iter().map(|f| f.name.as_str()).collect();
        let message = format!(
            "Fix {} with {}\n\nThe `{}` run {} failed; fixloop ran {} and the check again, with \
             no AI.\n\n{RUN_TRAILER}: watch-{}",
            step_names.join(", ").replace('`', ""),
            fixer_names.join(", "),
            self.workflow,
            self.key.run_id,
            fixer_names.join(", "),
            self.key.run_id
        );
        // Each failing step's own command when it is the check the fixer answers, else the
        // fixer's own check.
        let mut checks: Vec<String> = Vec::new();
        for step in steps {
            let Some(fixer) = fixers
                .iter()
                .find(|f| f.matches(&step.step, step.command.as_deref()))
            else {
                continue;
            };
            let own = step.command.clone().filter(|c| fixer.matches("", Some(c)));
            if let Some(check) = own.or_else(|| fixer.check.clone())
                && !checks.contains(&check)
            {
                checks.push(check);
            }
        }
        let name = format!("run-{}-{}", self.key.run_id, self.key.run_attempt);
        let fixed = run_fixers(&clone, &name, &commit, fixers, &checks, &message).await?;
        let (sha, files) = match fixed {
            Fixed::Commit { sha, files } => (sha, files),
            // Still red, or nothing changed: the AI path takes it (classified so from here),
            // starting from what the fixers changed, on a branch of fixloop's.
            Fixed::Not(why, kept) => {
                return self.hand_over(&clone, &why, kept, own_repo).await;
            }
        };
        let tree = clone.join(".git/fixloop-watch").join(&name);
        let delivered = self
            .deliver(&clone, &sha, &files, &fixer_names, own_repo)
            .await;
        remove_worktree(&clone, &tree).await;
        self.watcher
            .store
            .count_attempt(&self.key.repo, self.pr)
            .map_err(state)?;
        delivered
    }

    async fn deliver(
        &self,
        clone: &std::path::Path,
        sha: &str,
        files: &[String],
        fixers: &[&str],
        own_repo: bool,
    ) -> Result<End, CommandError> {
        let mut said = format!(
            "Fixed with {} (no AI): {} file(s) changed",
            fixers.join(", "),
            files.len()
        );
        // A fork's branch is pushed to only when its owner lets maintainers edit it; else the
        // fix is a suggestion. A draft PR cannot go into a fork's branch either.
        let fork_remote = WatchConfig::fork_remote_of(self.repo, &self.head.repo);
        let fork_push = !own_repo && self.head.maintainer_can_modify && fork_remote.is_some();
        let delivery = match (own_repo, self.repo.approval, self.repo.delivery) {
            // A branch without a pull request: the patch in its issue, or a draft PR into it
            // (never a push to the branch itself).
            _ if self.pr == 0 && self.repo.delivery == Delivery::Issue => Delivery::Suggestion,
            _ if self.pr == 0 => Delivery::FixPr,
            (false, Approval::Auto, Delivery::PushToPr) if fork_push => Delivery::PushToPr,
            (false, ..) => Delivery::Suggestion,
            // A person approves every fix: a draft PR is the fixers' fix waiting for one.
            (true, Approval::Review, Delivery::PushToPr) => Delivery::FixPr,
            (true, _, delivery) => delivery,
        };
        match delivery {
            Delivery::PushToPr => {
                // A push that is not a fast-forward is refused: the branch moved, and the next
                // failure (if any) is taken afresh.
                let target = format!("{sha}:refs/heads/{}", self.head.branch);
                let remote = match (own_repo, fork_remote) {
                    (false, Some(fork)) => fork,
                    _ => "origin".to_owned(),
                };
                git(clone, &["push", "--quiet", &remote, &target]).await?;
                let _ = write!(said, "; pushed {} to `{}`", short(sha), self.head.branch);
                if !own_repo {
                    let _ = write!(said, " of {} (maintainers may edit it)", self.head.repo);
                }
            }
            Delivery::FixPr => {
                let (branch, url, number) = self.fix_pr(clone, sha, fixers).await?;
                let _ = write!(said, "; on `{branch}`: {url} (#{number})");
            }
            Delivery::Suggestion | Delivery::Issue => {
                let patch = git(clone, &["format-patch", "--stdout", "-1", sha]).await?;
                let _ = write!(said, ". Apply it with `git am`:\n\n```diff\n{patch}\n```");
            }
        }
        self.comment(
            format!("fixed with {} (no AI)", fixers.join(", ")),
            said.clone(),
        )
        .await?;
        Ok(End::Done(
            said.lines().next().unwrap_or_default().to_owned(),
        ))
    }

    /// The fixers did not fix it: the AI path takes the run (classified so from here),
    /// starting from what they changed, kept on a branch of fixloop's.
    async fn hand_over(
        &self,
        clone: &std::path::Path,
        why: &str,
        kept: Option<String>,
        own_repo: bool,
    ) -> Result<End, CommandError> {
        let reason = format!("the fixers did not fix it: {why}");
        self.watcher
            .store
            .set(
                self.key,
                RunStatus::Working,
                Some("pipeline"),
                Some(&reason),
                None,
            )
            .map_err(state)?;
        let base = match kept {
            Some(sha) if own_repo => {
                let branch = format!("fixloop/fixers/{}-{}", self.head.branch, self.key.run_id);
                let target = format!("+{sha}:refs/heads/{branch}");
                git(clone, &["push", "--quiet", "origin", &target]).await?;
                Some(branch)
            }
            _ => None,
        };
        self.pipeline_from(&reason, base).await
    }

    /// The fixers' commit on a branch of its own, with a draft PR into the failing PR's branch.
    async fn fix_pr(
        &self,
        clone: &std::path::Path,
        sha: &str,
        fixers: &[&str],
    ) -> Result<(String, String, u64), CommandError> {
        let branch = format!("fixloop/fixers/{}-{}", self.head.branch, self.key.run_id);
        let target = format!("+{sha}:refs/heads/{branch}");
        git(clone, &["push", "--quiet", "origin", &target]).await?;
        let (owner, name) = self
            .key
            .repo
            .split_once('/')
            .unwrap_or((&self.key.repo, ""));
        let request = PrRequest {
            branch: branch.clone(),
            base: self.head.branch.clone(),
            title: format!("Fix {} on {}", fixers.join(", "), self.head.branch),
            body: format!(
                "fixloop ran {} (no AI) for the failed `{}` run on {}, then the check again: \
                 it passes.",
                fixers.join(", "),
                self.workflow,
                if self.pr == 0 {
                    format!("`{}`", self.head.branch)
                } else {
                    format!("#{}", self.pr)
                }
            ),
            draft: true,
            labels: Vec::new(),
            failing_pr: None,
        };
        let (url, number, _) = self
            .watcher
            .github
            .open_or_update_pr(owner, name, &request, None)
            .await
            .map_err(CommandError::from)?;
        Ok((branch, url, number))
    }

    pub(super) fn detail_str(&self, key: &str) -> String {
        self.detail[key].as_str().unwrap_or_default().to_owned()
    }

    /// fixloop's one comment on the PR, this attempt's line replaced.
    async fn comment(&self, line: String, now: String) -> Result<(), CommandError> {
        let (owner, name) = self
            .key
            .repo
            .split_once('/')
            .unwrap_or((&self.key.repo, ""));
        let update = StickyUpdate {
            attempt: self.attempt,
            revision: 0,
            line: &line,
            now: &now,
            artifact_run: None,
        };
        if self.pr == 0 {
            // No pull request: one issue per branch, updated as the sticky comment is.
            let marker = format!("<!-- fixloop:branch {} -->", self.head.branch);
            let title = format!("fixloop: CI fails on `{}`", self.head.branch);
            self.watcher
                .github
                .upsert_issue(owner, name, &marker, &title, |previous| {
                    format!("{marker}\n{}", sticky_body(previous, &update))
                })
                .await
                .map_err(CommandError::from)?;
            return Ok(());
        }
        self.watcher
            .github
            .upsert_sticky(owner, name, self.pr, |previous| {
                sticky_body(previous, &update)
            })
            .await
            .map_err(CommandError::from)
    }
}
