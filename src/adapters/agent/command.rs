//! `--agent command`: any shell command, following the contract's agent protocol (prompt on
//! stdin, `FIXLOOP_*` variables). Claude Code stream-json lines in its output are understood.

use tokio::sync::watch;

use super::stream;
use crate::core::agent_stream::{claude_line, codex_line};
use crate::core::info::AgentKind;
use crate::engine::ports::{Agent, AgentOutcome, AgentRequest, BoxFuture, LineSink};

#[derive(Debug, Clone)]
pub struct CommandAgent {
    pub command: String,
}

impl Agent for CommandAgent {
    fn kind(&self) -> AgentKind {
        AgentKind::Command
    }

    fn describe(&self, _request: &AgentRequest) -> String {
        format!("sh -c {}", self.command)
    }

    fn run<'a>(
        &'a self,
        request: &'a AgentRequest,
        sink: LineSink<'a>,
        mut cancel: watch::Receiver<bool>,
    ) -> BoxFuture<'a, AgentOutcome> {
        Box::pin(async move {
            let spec = stream::spec("sh", vec!["-c".into(), self.command.clone()], request);
            let (result, heard) =
                stream::run(&spec, &[claude_line, codex_line], sink, &mut cancel).await;
            stream::outcome(
                "command",
                "check the agent command",
                result,
                heard,
                request.timeout.as_secs(),
            )
        })
    }
}
