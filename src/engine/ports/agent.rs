//! The agent port: one AI step, its request, its streamed output and its outcome.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::watch;

use super::BoxFuture;
use crate::core::event::{FailureClass, OutputLine, Phase};
use crate::core::info::AgentKind;

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
    /// What the step may spend, in US dollars, passed to agents whose CLI can keep to it.
    pub budget_usd: Option<f64>,
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
    fn kind(&self) -> AgentKind;
    /// The command line shown to the person (no prompt text).
    fn describe(&self, request: &AgentRequest) -> String;
    fn run<'a>(
        &'a self,
        request: &'a AgentRequest,
        sink: LineSink<'a>,
        cancel: watch::Receiver<bool>,
    ) -> BoxFuture<'a, AgentOutcome>;
    /// The agent's CLI and its version as it reports them (`claude --version`), for the report;
    /// `None` where there is no such CLI (a command of the user's, the person). The CLI runs
    /// without the variables in `env_remove`, as every child of a run does.
    fn version<'a>(&'a self, env_remove: &'a [String]) -> BoxFuture<'a, Option<String>> {
        let _ = env_remove;
        Box::pin(async { None })
    }
}
