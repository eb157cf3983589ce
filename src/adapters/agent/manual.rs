//! `--agent manual`: the person does the AI step; the frontend's decider waits for them.

use tokio::sync::watch;

use crate::core::info::AgentKind;
use crate::engine::ports::{Agent, AgentOutcome, AgentRequest, BoxFuture, LineSink};

#[derive(Debug, Clone, Copy, Default)]
pub struct Manual;

impl Agent for Manual {
    fn kind(&self) -> AgentKind {
        AgentKind::Manual
    }

    fn describe(&self, request: &AgentRequest) -> String {
        format!("the person, following {}", request.prompt_file.display())
    }

    fn run<'a>(
        &'a self,
        _request: &'a AgentRequest,
        _sink: LineSink<'a>,
        _cancel: watch::Receiver<bool>,
    ) -> BoxFuture<'a, AgentOutcome> {
        // The driver hands manual steps to the decider; this is never the path taken.
        Box::pin(async { AgentOutcome::default() })
    }
}
