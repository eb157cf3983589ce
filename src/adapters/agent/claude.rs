//! Claude Code: `claude -p --output-format stream-json --verbose`, prompt on stdin, in the step's
//! working directory, with an explicit tool list; a revision resumes the agent's own session.

use tokio::sync::watch;

use super::stream;
use crate::core::agent_stream::{Problem, claude_line};
use crate::core::event::{LineKind, OutputLine};
use crate::core::info::AgentKind;
use crate::engine::ports::{Agent, AgentOutcome, AgentRequest, BoxFuture, LineSink};

/// The tools Claude Code may use without asking: files and a shell, nothing on the web.
pub(crate) const ALLOWED_TOOLS: &str = "Read,Edit,Write,Glob,Grep,Bash,TodoWrite";
/// Tools it may not use at all: a log or a PR could send it to fetch instructions.
pub(crate) const DISALLOWED_TOOLS: &str = "WebFetch,WebSearch";

#[derive(Debug, Clone)]
pub struct Claude {
    pub program: String,
}

impl Default for Claude {
    fn default() -> Self {
        Self {
            program: "claude".into(),
        }
    }
}

impl Claude {
    /// Edits are accepted without asking, in the working directory and the failure folder only
    /// (`--add-dir`); the shell and file tools are allowed, the web tools refused; the step's
    /// budget goes to `--max-budget-usd`.
    fn args(request: &AgentRequest, resume: Option<&str>) -> Vec<String> {
        let mut args: Vec<String> = [
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--permission-mode",
            "acceptEdits",
            "--allowedTools",
            ALLOWED_TOOLS,
            "--disallowedTools",
            DISALLOWED_TOOLS,
            "--add-dir",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(request.failure_dir.display().to_string());
        // Claude Code keeps to a budget itself; fixloop checks the reported cost as well.
        if let Some(usd) = request.budget_usd {
            args.push("--max-budget-usd".into());
            args.push(format!("{usd:.2}"));
        }
        if let Some(id) = resume {
            args.push("--resume".into());
            args.push(id.into());
        }
        args
    }

    async fn once(
        &self,
        request: &AgentRequest,
        resume: Option<&str>,
        sink: LineSink<'_>,
        cancel: &mut watch::Receiver<bool>,
    ) -> AgentOutcome {
        let spec = stream::spec(&self.program, Self::args(request, resume), request);
        let (result, heard) = stream::run(&spec, &[claude_line], sink, cancel).await;
        stream::outcome(
            "claude",
            "install Claude Code with `npm install -g @anthropic-ai/claude-code`",
            result,
            heard,
            request.timeout.as_secs(),
        )
    }
}

impl Agent for Claude {
    fn version<'a>(&'a self, env_remove: &'a [String]) -> BoxFuture<'a, Option<String>> {
        Box::pin(stream::version_of(&self.program, env_remove))
    }

    fn kind(&self) -> AgentKind {
        AgentKind::Claude
    }

    fn describe(&self, request: &AgentRequest) -> String {
        format!(
            "{} {}",
            self.program,
            Self::args(request, request.resume.as_deref()).join(" ")
        )
    }

    fn run<'a>(
        &'a self,
        request: &'a AgentRequest,
        sink: LineSink<'a>,
        mut cancel: watch::Receiver<bool>,
    ) -> BoxFuture<'a, AgentOutcome> {
        Box::pin(async move {
            let outcome = self
                .once(request, request.resume.as_deref(), sink, &mut cancel)
                .await;
            let Some(id) = &request.resume else {
                return outcome;
            };
            let lost = Problem::UnknownSession {
                agent: "claude",
                id: id.clone(),
            }
            .message();
            if outcome.error.as_deref() != Some(lost.as_str()) {
                return outcome;
            }
            sink(vec![OutputLine {
                kind: LineKind::Status,
                text: format!("{lost}; starting a new session with the full prompt"),
            }]);
            self.once(request, None, sink, &mut cancel).await
        })
    }
}
