//! The engine's view of the outside world: agents, the forge (GitHub) and whoever answers
//! checkpoints. Adapters implement these; the driver only knows the traits.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use crate::core::event::{
    CheckpointKind, CiRun, DecidedBy, Decision, FailureClass, OutputLine, Phase,
};
use crate::core::runurl::RunUrl;
use crate::core::view::RunView;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Receives agent output lines as they come.
pub type LineSink<'a> = &'a mut (dyn FnMut(Vec<OutputLine>) + Send);

/// One AI step for an agent.
#[derive(Debug, Clone)]
pub struct AgentRequest {
    pub phase: Phase,
    pub attempt: u32,
    pub prompt: String,
    pub prompt_file: PathBuf,
    pub workdir: PathBuf,
    pub failure_dir: PathBuf,
    pub excerpt_file: PathBuf,
    pub feedback: String,
    pub deterministic: bool,
    pub run_id: String,
    /// The run's folder; children carry it in `FIXLOOP_RUN_DIR`, which is how a resumed run
    /// finds what a killed one left running.
    pub run_dir: PathBuf,
    /// The agent's own session to resume on a revision.
    pub resume: Option<String>,
    pub log: PathBuf,
    pub timeout: Duration,
    /// Variables the agent must not see (tokens fixloop uses itself).
    pub env_remove: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentOutcome {
    pub ok: bool,
    pub session_id: Option<String>,
    pub cost_usd: Option<f64>,
    pub turns: Option<u32>,
    pub error: Option<String>,
    /// `Unavailable` when the agent could not work at all.
    pub error_class: Option<FailureClass>,
}

pub trait Agent: Send + Sync {
    /// `claude`, `codex`, `command` or `manual`.
    fn kind(&self) -> &'static str;
    /// The command line shown to the person (no prompt text).
    fn describe(&self, request: &AgentRequest) -> String;
    fn run<'a>(
        &'a self,
        request: &'a AgentRequest,
        sink: LineSink<'a>,
        cancel: watch::Receiver<bool>,
    ) -> BoxFuture<'a, AgentOutcome>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrRequest {
    pub branch: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub labels: Vec<String>,
    /// The PR whose CI failed, to comment on with a link to the fix.
    pub failing_pr: Option<u64>,
}

/// A failed CI run's logs, fetched to disk, and what is known about the run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchedRun {
    /// The failed jobs' logs, one after the other.
    pub full_log: PathBuf,
    pub run: CiRun,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrOutcome {
    /// `notes`: what did not work after the PR existed (labels, the comment), for the journal.
    Opened {
        url: String,
        number: u64,
        notes: Vec<String>,
    },
    Skipped {
        reason: String,
    },
}

pub trait Forge: Send + Sync {
    fn open_pr<'a>(
        &'a self,
        request: &'a PrRequest,
    ) -> BoxFuture<'a, Result<PrOutcome, (FailureClass, String)>>;

    /// Fetches the failed jobs' logs of a run into `logs_dir`.
    fn fetch_run_logs<'a>(
        &'a self,
        url: &'a RunUrl,
        logs_dir: &'a Path,
    ) -> BoxFuture<'a, Result<FetchedRun, (FailureClass, String)>> {
        let _ = (url, logs_dir);
        Box::pin(async {
            Err((
                FailureClass::Unavailable,
                "this repository has no GitHub connection to fetch run logs from".into(),
            ))
        })
    }
}

/// Answers checkpoints: a policy in headless mode, the person in a terminal.
pub trait Decider: Send + Sync {
    fn decide<'a>(
        &'a mut self,
        kind: &'a CheckpointKind,
        options: &'a [String],
        view: &'a RunView,
    ) -> BoxFuture<'a, (Decision, DecidedBy)>;

    /// The person does an AI step by hand (`--agent manual`); resolves when they are done.
    fn manual<'a>(&'a mut self, _request: &'a AgentRequest) -> BoxFuture<'a, AgentOutcome> {
        Box::pin(async {
            AgentOutcome {
                ok: false,
                error: Some(
                    "the manual agent needs a person at a terminal: run without --headless, or                      choose --agent claude, codex or command"
                        .into(),
                ),
                error_class: Some(FailureClass::Unavailable),
                ..AgentOutcome::default()
            }
        })
    }
}
