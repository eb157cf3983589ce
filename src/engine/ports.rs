//! The engine's view of the outside world: agents, the forge (GitHub) and whoever answers
//! checkpoints. Adapters implement these; the driver only knows the traits.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use crate::core::event::{CheckpointKind, DecidedBy, Decision, FailureClass, OutputLine, Phase};
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrOutcome {
    Opened { url: String, number: u64 },
    Skipped { reason: String },
}

pub trait Forge: Send + Sync {
    fn open_pr<'a>(
        &'a self,
        request: &'a PrRequest,
    ) -> BoxFuture<'a, Result<PrOutcome, (FailureClass, String)>>;
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
