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

/// The protocol's environment for one step.
#[must_use]
pub fn protocol_env(request: &AgentRequest) -> Vec<(String, String)> {
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    vec![
        ("FIXLOOP_PHASE".into(), request.phase.as_str().into()),
        ("FIXLOOP_PROMPT_FILE".into(), path(&request.prompt_file)),
        ("FIXLOOP_WORKDIR".into(), path(&request.workdir)),
        ("FIXLOOP_FAILURE_DIR".into(), path(&request.failure_dir)),
        ("FIXLOOP_LOG_EXCERPT".into(), path(&request.excerpt_file)),
        ("FIXLOOP_ATTEMPT".into(), request.attempt.to_string()),
        ("FIXLOOP_FEEDBACK".into(), request.feedback.clone()),
        (
            "FIXLOOP_DETERMINISTIC".into(),
            request.deterministic.to_string(),
        ),
        ("FIXLOOP_RUN_ID".into(), request.run_id.clone()),
        ("FIXLOOP_RUN_DIR".into(), path(&request.run_dir)),
    ]
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
