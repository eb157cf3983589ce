//! Headless output: one line per phase change and checkpoint decision, agent and test output
//! prefixed by its step, a closing summary; or the raw event stream as JSON lines (`--json`).
//! In GitHub Actions, failures also become `::error::` annotations.

use std::io::Write;

use crate::core::event::{
    CheckpointKind, DecidedBy, Event, EventKind, LineKind, PhaseStatus, RunStatus,
};
use crate::core::policy::Approve;
use crate::core::sanitize::for_terminal;
use crate::core::view::CheckpointView;
use crate::engine::ports::{BoxFuture, Decider};

/// Formats events as lines for a log or a CI console.
#[derive(Debug, Default)]
pub struct LineReporter {
    pub json: bool,
    pub github_actions: bool,
}

impl LineReporter {
    /// The lines one event prints (none for most output-free events).
    #[must_use]
    pub fn lines(&self, event: &Event) -> Vec<String> {
        if self.json {
            return serde_json::to_string(event)
                .map(|l| vec![l])
                .unwrap_or_default();
        }
        let mut out = Vec::new();
        match &event.kind {
            EventKind::RunStarted {
                run_id,
                name,
                version,
                repo,
                agent,
                base,
                policy,
                ..
            } => out.push(format!(
                "fixloop {version} · run {run_id} · {name} · repo {repo} (base {base}) · agent \
                 {agent} · approve {policy}"
            )),
            EventKind::RunResumed {
                step,
                phase,
                reason,
                ..
            } => {
                let line = format!(
                    "↻ resumed at {step}{}{}",
                    phase.map(|p| format!(" ({p})")).unwrap_or_default(),
                    reason
                        .as_ref()
                        .map(|r| format!(": it had stopped because {r}"))
                        .unwrap_or_default()
                );
                out.push(line);
            }
            EventKind::PhaseStarted { phase } => out.push(format!("▶ {phase}")),
            EventKind::PhaseFinished {
                phase,
                status,
                message,
            } => {
                let mark = match status {
                    PhaseStatus::Passed => "✓",
                    PhaseStatus::Failed => "✗",
                    PhaseStatus::Skipped => "–",
                };
                out.push(format!("{mark} {phase}: {message}"));
            }
            EventKind::LogsPrepared {
                source,
                bytes,
                excerpt,
                excerpt_bytes,
                ..
            } => out.push(format!(
                "  logs from {source}: {bytes} bytes; excerpt {excerpt_bytes} bytes at {excerpt}"
            )),
            EventKind::RunFetched(run) => out.push(format!(
                "  CI run {} #{} attempt {} at {}: failed {}",
                run.workflow,
                run.run_id,
                run.attempt,
                &run.head_sha[..run.head_sha.len().min(12)],
                run.failed_jobs.join("; ")
            )),
            EventKind::PromptComposed {
                phase,
                attempt,
                path,
                ..
            } => {
                out.push(format!("  prompt for {phase} (attempt {attempt}): {path}"));
            }
            EventKind::CheckpointReached { id, kind, .. } => match kind {
                CheckpointKind::BeforeStep { phase, attempt, .. } => {
                    out.push(format!(
                        "? checkpoint {id}: before {phase}, attempt {attempt}"
                    ));
                }
                CheckpointKind::AfterStep {
                    phase,
                    attempt,
                    verified,
                    summary,
                    findings,
                    ..
                } => {
                    out.push(format!(
                        "? checkpoint {id}: after {phase}, attempt {attempt}: {} — {summary}",
                        if *verified {
                            "verified"
                        } else {
                            "not verified"
                        }
                    ));
                    for f in findings {
                        out.push(format!("  ⚠ {f}"));
                    }
                }
                CheckpointKind::BeforePush { branch, title, .. } => {
                    out.push(format!(
                        "? checkpoint {id}: before push of {branch}: {title}"
                    ));
                }
            },
            EventKind::CheckpointResolved { decision, by, .. } => {
                let who = match by {
                    DecidedBy::Person => "by you".to_owned(),
                    DecidedBy::Policy(p) => format!("by policy {p}"),
                };
                let detail = match decision {
                    crate::core::event::Decision::Revise { feedback } => {
                        format!(": {}", feedback.lines().next().unwrap_or_default())
                    }
                    crate::core::event::Decision::Abort { reason } => format!(": {reason}"),
                    _ => String::new(),
                };
                out.push(format!("  → {} {who}{detail}", decision.kind()));
            }
            EventKind::AgentStarted {
                phase,
                attempt,
                command,
                resume,
                ..
            } => out.push(format!(
                "  [{phase}] agent, attempt {attempt}{}: {command}",
                resume
                    .as_ref()
                    .map(|r| format!(" resuming {r}"))
                    .unwrap_or_default()
            )),
            EventKind::AgentOutput { phase, lines } => {
                for l in lines {
                    let mark = match l.kind {
                        LineKind::Error | LineKind::Stderr => "!",
                        LineKind::Tool => "",
                        _ => " ",
                    };
                    out.push(format!("  [{phase}]{mark} {}", l.text));
                }
            }
            EventKind::AgentFinished {
                phase,
                ok,
                cost_usd,
                error,
                duration_ms,
                ..
            } => out.push(format!(
                "  [{phase}] agent {} in {:.1} s{}{}",
                if *ok { "finished" } else { "failed" },
                *duration_ms as f64 / 1000.0,
                cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default(),
                error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
            )),
            EventKind::TestOutput { phase, run, lines } => {
                for l in lines {
                    out.push(format!("  [{phase} #{run}] {}", l.text));
                }
            }
            EventKind::TestRunFinished {
                phase,
                purpose,
                run,
                exit_code,
                timed_out,
                duration_ms,
                ..
            } => out.push(format!(
                "  [{phase} #{run}] {purpose}: {} in {:.1} s",
                if *timed_out {
                    "timed out".to_owned()
                } else {
                    exit_code.map_or_else(|| "killed".into(), |c| format!("exit {c}"))
                },
                *duration_ms as f64 / 1000.0
            )),
            EventKind::ReproductionCommitted { note, .. } => out.push(format!("  {note}")),
            EventKind::FixBranchCreated {
                branch, worktree, ..
            } => out.push(format!("  branch {branch} in worktree {worktree}")),
            EventKind::FixCommitted {
                commit,
                files_changed,
                ..
            } => out.push(format!(
                "  committed {} ({} file(s))",
                &commit[..commit.len().min(12)],
                files_changed.len()
            )),
            EventKind::BranchPushed { remote, branch, .. } => {
                out.push(format!("  pushed {branch} to {remote}"));
            }
            EventKind::PrOpened { url, .. } => out.push(format!("  draft PR: {url}")),
            EventKind::PrSkipped { reason } => out.push(format!("  no PR: {reason}")),
            EventKind::Warned { message } => {
                out.push(format!("! {message}"));
                if self.github_actions {
                    out.push(format!("::warning::{}", annotation(message)));
                }
            }
            EventKind::StepFailed {
                phase,
                message,
                hints,
                ..
            } => {
                out.push(format!("✗ {phase} failed: {message}"));
                out.extend(hints.iter().map(|hint| format!("  hint: {hint}")));
                if self.github_actions {
                    out.push(format!(
                        "::error title=fixloop {phase}::{}",
                        annotation(message)
                    ));
                }
            }
            EventKind::ReportWritten { markdown, json } => {
                out.push(format!("report: {markdown}"));
                out.push(format!("        {json}"));
            }
            EventKind::RunFinished {
                status,
                exit_code,
                message,
            } => {
                let mark = match status {
                    RunStatus::Success => "✓",
                    RunStatus::Partial => "⚠",
                    RunStatus::Failed => "✗",
                };
                out.push(format!(
                    "{mark} {}: {message} (exit {exit_code})",
                    status.as_str()
                ));
            }
            _ => {}
        }
        out
    }

    /// Prints events until the stream ends.
    pub async fn print(self, mut events: tokio::sync::mpsc::UnboundedReceiver<Event>) {
        while let Some(event) = events.recv().await {
            let lines = self.lines(&event);
            if lines.is_empty() {
                continue;
            }
            let mut stdout = std::io::stdout().lock();
            for line in lines {
                // A closed stdout (piped into `head`) must not stop the run; what children and
                // logs wrote keeps its colours and loses every other control sequence.
                let _ = writeln!(stdout, "{}", for_terminal(&line));
            }
            let _ = stdout.flush();
        }
    }
}

/// GitHub annotations end at a newline; encode it the way the runner expects.
fn annotation(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Answers checkpoints by `--approve` policy; never asks anyone.
#[derive(Debug, Clone, Copy)]
pub struct PolicyDecider(pub Approve);

impl Decider for PolicyDecider {
    fn decide<'a>(
        &'a mut self,
        checkpoint: &'a CheckpointView,
    ) -> BoxFuture<'a, (crate::core::event::Decision, DecidedBy)> {
        let decision = self.0.decide(&checkpoint.kind, &checkpoint.options);
        let by = DecidedBy::Policy(self.0.as_str().to_owned());
        Box::pin(async move { (decision, by) })
    }
}
