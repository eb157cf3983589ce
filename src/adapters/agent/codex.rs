//! Codex: `codex exec --json` in a workspace-write sandbox, prompt on stdin; a revision resumes the
//! thread with `codex exec resume`. Offline, Codex keeps reconnecting: the time budget ends it and
//! the outcome says why.

use tokio::sync::watch;

use super::stream;
use crate::core::agent_stream::codex_line;
use crate::core::info::AgentKind;
use crate::engine::ports::{Agent, AgentOutcome, AgentRequest, BoxFuture, LineSink};

#[derive(Debug, Clone)]
pub struct Codex {
    pub program: String,
}

impl Default for Codex {
    fn default() -> Self {
        Self {
            program: "codex".into(),
        }
    }
}

impl Codex {
    fn args(request: &AgentRequest) -> Vec<String> {
        let workdir = request.workdir.to_string_lossy().into_owned();
        let failure_dir = request.failure_dir.to_string_lossy().into_owned();
        let mut args: Vec<String> = vec!["exec".into()];
        match &request.resume {
            Some(id) => {
                // `exec resume` takes the sandbox and its writable folders as settings.
                args.extend(
                    [
                        "resume",
                        "--json",
                        "-c",
                        "sandbox_mode=\"workspace-write\"",
                        "-c",
                    ]
                    .map(String::from),
                );
                args.push(format!(
                    "sandbox_workspace_write.writable_roots={}",
                    serde_json::json!([failure_dir])
                ));
                args.push(id.clone());
            }
            None => {
                args.extend(["--json", "--sandbox", "workspace-write", "-C"].map(String::from));
                args.push(workdir);
                args.push("--add-dir".into());
                args.push(failure_dir);
            }
        }
        args.push("-".into());
        args
    }
}

impl Agent for Codex {
    fn version<'a>(&'a self, env_remove: &'a [String]) -> BoxFuture<'a, Option<String>> {
        Box::pin(stream::version_of(&self.program, env_remove))
    }

    fn kind(&self) -> AgentKind {
        AgentKind::Codex
    }

    fn describe(&self, request: &AgentRequest) -> String {
        format!("{} {}", self.program, Self::args(request).join(" "))
    }

    fn run<'a>(
        &'a self,
        request: &'a AgentRequest,
        sink: LineSink<'a>,
        mut cancel: watch::Receiver<bool>,
    ) -> BoxFuture<'a, AgentOutcome> {
        Box::pin(async move {
            let spec = stream::spec(&self.program, Self::args(request), request);
            let (result, heard) = stream::run(&spec, &[codex_line], sink, &mut cancel).await;
            stream::outcome(
                "codex",
                "install Codex with `npm install -g @openai/codex`",
                result,
                heard,
                request.timeout.as_secs(),
            )
        })
    }
}
