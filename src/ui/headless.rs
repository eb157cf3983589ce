//! Headless output: one line per phase change and checkpoint decision, agent and test output
//! prefixed by its step, a closing summary; or the raw event stream as JSON lines (`--json`).
//! In GitHub Actions, failures also become `::error::` annotations.

use std::io::Write;

use crate::core::event::{
    CheckpointKind, DecidedBy, Event, EventKind, LineKind, PhaseStatus, RunStatus,
};
use crate::core::policy::Approve;
use crate::core::sanitize::for_terminal;
use crate::core::setup::cents_to_usd;
use crate::core::view::CheckpointView;
use crate::core::view::batch_label;
use crate::engine::ports::{BoxFuture, Decider};

/// Formats events as lines for a log or a CI console.
#[derive(Debug, Default)]
pub struct LineReporter {
    pub json: bool,
    pub github_actions: bool,
}

impl LineReporter {
    /// The lines one event prints (none for most output-free events). Each group of events has
    /// its own formatter; an event belongs to one group at most.
    #[must_use]
    pub fn lines(&self, event: &Event) -> Vec<String> {
        if self.json {
            return serde_json::to_string(event)
                .map(|l| vec![l])
                .unwrap_or_default();
        }
        let kind = &event.kind;
        run_lines(kind)
            .or_else(|| phase_lines(kind))
            .or_else(|| input_lines(kind))
            .or_else(|| checkpoint_lines(kind))
            .or_else(|| agent_lines(kind))
            .or_else(|| test_lines(kind))
            .or_else(|| delivery_lines(kind))
            .or_else(|| problem_lines(kind, self.github_actions))
            .unwrap_or_default()
    }

    /// Prints events until the stream ends.
    pub async fn print(self, mut events: tokio::sync::mpsc::UnboundedReceiver<Event>) {
        let mut spending = Spending::default();
        while let Some(event) = events.recv().await {
            let mut lines = self.lines(&event);
            if let (Some(spent), false, Some(last)) =
                (spending.apply(&event.kind), self.json, lines.last_mut())
            {
                last.push_str(&spent);
            }
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

/// What the run has spent on agents so far against its budget, said after each agent step.
#[derive(Debug, Default)]
struct Spending {
    spent: f64,
    budget: Option<f64>,
}

impl Spending {
    /// Follows the run's budget and costs; after an agent step, the words to add to its line.
    fn apply(&mut self, kind: &EventKind) -> Option<String> {
        match kind {
            EventKind::RunStarted { setup, .. } => {
                self.budget = setup.as_ref().and_then(|s| s.recorded_budget_usd());
                None
            }
            EventKind::RunResumed {
                budget_cents,
                spent_cents,
                ..
            } => {
                // A resumed run goes on from what it had spent, against the budget it has now.
                if let Some(cents) = budget_cents {
                    self.budget = Some(cents_to_usd(*cents));
                }
                self.spent = spent_cents.map_or(self.spent, cents_to_usd);
                None
            }
            EventKind::PostFixTestsWritten {
                cost_usd: Some(cost),
                ..
            } => {
                self.spent += cost;
                None
            }
            EventKind::AgentFinished { cost_usd, .. } => {
                self.spent += cost_usd.unwrap_or(0.0);
                let budget = self.budget?;
                Some(format!(" — ${:.2} of ${budget:.2} spent", self.spent))
            }
            _ => None,
        }
    }
}

/// The run's start, resumption, report and end.
fn run_lines(kind: &EventKind) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::RunStarted {
            run_id,
            name,
            version,
            repo,
            agent,
            base,
            policy,
            ..
        } => vec![format!(
            "fixloop {version} · run {run_id} · {name} · repo {repo} (base {base}) · agent \
             {agent} · approve {policy}"
        )],
        EventKind::RunResumed {
            step,
            phase,
            reason,
            ..
        } => vec![format!(
            "↻ resumed at {step}{}{}",
            phase.map(|p| format!(" ({p})")).unwrap_or_default(),
            reason
                .as_ref()
                .map(|r| format!(": it had stopped because {r}"))
                .unwrap_or_default()
        )],
        EventKind::ReportWritten { markdown, json } => {
            vec![format!("report: {markdown}"), format!("        {json}")]
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
            vec![format!(
                "{mark} {}: {message} (exit {exit_code})",
                status.as_str()
            )]
        }
        _ => return None,
    };
    Some(lines)
}

fn phase_lines(kind: &EventKind) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::PhaseStarted { phase } => vec![format!("▶ {phase}")],
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
            vec![format!("{mark} {phase}: {message}")]
        }
        _ => return None,
    };
    Some(lines)
}

/// What the agent is given: the logs, the CI run they came from, the prompt.
fn input_lines(kind: &EventKind) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::LogsPrepared {
            source,
            bytes,
            excerpt,
            excerpt_bytes,
            memory,
            ..
        } => std::iter::once(format!(
            "  logs from {source}: {bytes} bytes; excerpt {excerpt_bytes} bytes at {excerpt}"
        ))
        .chain(
            memory
                .seen_before
                .iter()
                .map(|l| format!("  seen before: {l}")),
        )
        .collect(),
        EventKind::RunFetched(run) => vec![format!(
            "  CI run {} #{} attempt {} at {}: failed {}",
            run.workflow,
            run.run_id,
            run.attempt,
            &run.head_sha[..run.head_sha.len().min(12)],
            run.failed_jobs.join("; ")
        )],
        EventKind::PromptComposed {
            phase,
            attempt,
            path,
            ..
        } => vec![format!("  prompt for {phase} (attempt {attempt}): {path}")],
        _ => return None,
    };
    Some(lines)
}

fn checkpoint_lines(kind: &EventKind) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::CheckpointReached { id, kind, .. } => match kind {
            CheckpointKind::BeforeStep { phase, attempt, .. } => {
                vec![format!(
                    "? checkpoint {id}: before {phase}, attempt {attempt}"
                )]
            }
            CheckpointKind::AfterStep {
                phase,
                attempt,
                verified,
                summary,
                findings,
                ..
            } => {
                let mut lines = vec![format!(
                    "? checkpoint {id}: after {phase}, attempt {attempt}: {} — {summary}",
                    if *verified {
                        "verified"
                    } else {
                        "not verified"
                    }
                )];
                lines.extend(findings.iter().map(|f| format!("  ⚠ {f}")));
                lines
            }
            CheckpointKind::BeforePush { branch, title, .. } => {
                vec![format!(
                    "? checkpoint {id}: before push of {branch}: {title}"
                )]
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
            vec![format!("  → {} {who}{detail}", decision.kind())]
        }
        _ => return None,
    };
    Some(lines)
}

fn agent_lines(kind: &EventKind) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::AgentStarted {
            phase,
            attempt,
            command,
            resume,
            ..
        } => vec![format!(
            "  [{phase}] agent, attempt {attempt}{}: {command}",
            resume
                .as_ref()
                .map(|r| format!(" resuming {r}"))
                .unwrap_or_default()
        )],
        EventKind::AgentOutput { phase, lines } => lines
            .iter()
            .map(|l| {
                let mark = match l.kind {
                    LineKind::Error | LineKind::Stderr => "!",
                    LineKind::Tool => "",
                    _ => " ",
                };
                format!("  [{phase}]{mark} {}", l.text)
            })
            .collect(),
        EventKind::AgentFinished {
            phase,
            ok,
            cost_usd,
            error,
            duration_ms,
            ..
        } => vec![format!(
            "  [{phase}] agent {} in {:.1} s{}{}",
            if *ok { "finished" } else { "failed" },
            *duration_ms as f64 / 1000.0,
            cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default(),
            error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
        )],
        _ => return None,
    };
    Some(lines)
}

fn test_lines(kind: &EventKind) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::TestOutput { phase, run, lines } => lines
            .iter()
            .map(|l| format!("  [{phase} #{run}] {}", l.text))
            .collect(),
        EventKind::TestRunFinished {
            phase,
            purpose,
            run,
            of,
            exit_code,
            timed_out,
            duration_ms,
            ..
        } => vec![format!(
            "  [{phase} #{run}] {} run {run}{}: {} in {:.1} s",
            batch_label(purpose),
            if *of > 0 {
                format!("/{of}")
            } else {
                String::new()
            },
            if *timed_out {
                "timed out".to_owned()
            } else {
                exit_code.map_or_else(|| "killed".into(), |c| format!("exit {c}"))
            },
            *duration_ms as f64 / 1000.0
        )],
        _ => return None,
    };
    Some(lines)
}

/// Getting the fix out: the commits, the branch, the push, the PR.
fn delivery_lines(kind: &EventKind) -> Option<Vec<String>> {
    let line = match kind {
        EventKind::ReproductionFrozen { files, .. } => format!(
            "  reproduction approved and kept: {} file(s), verified from fixloop's copy from now on",
            files.len()
        ),
        EventKind::ReproductionCommitted { note, .. } => format!("  {note}"),
        EventKind::FixBranchCreated {
            branch, worktree, ..
        } => format!("  branch {branch} in worktree {worktree}"),
        EventKind::FixCommitted {
            commit,
            files_changed,
            ..
        } => format!(
            "  committed {} ({} file(s))",
            &commit[..commit.len().min(12)],
            files_changed.len()
        ),
        EventKind::BranchPushed { remote, branch, .. } => {
            format!("  pushed {branch} to {remote}")
        }
        EventKind::PrOpened { url, .. } => format!("  draft PR: {url}"),
        EventKind::PrSkipped { reason } => format!("  no PR: {reason}"),
        _ => return None,
    };
    Some(vec![line])
}

/// Warnings and failed steps; in GitHub Actions each also becomes an annotation, so it shows on
/// the workflow run's page and not only in its log.
fn problem_lines(kind: &EventKind, github_actions: bool) -> Option<Vec<String>> {
    let lines = match kind {
        EventKind::Warned { message } => {
            let mut lines = vec![format!("! {message}")];
            if github_actions {
                lines.push(format!("::warning::{}", annotation(message)));
            }
            lines
        }
        EventKind::StepFailed {
            phase,
            message,
            hints,
            ..
        } => {
            let mut lines = vec![format!("✗ {phase} failed: {message}")];
            lines.extend(hints.iter().map(|hint| format!("  hint: {hint}")));
            if github_actions {
                lines.push(format!(
                    "::error title=fixloop {phase}::{}",
                    annotation(message)
                ));
            }
            lines
        }
        _ => return None,
    };
    Some(lines)
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

/// Gives a reviewer's answer (`fixloop review`) to the checkpoint it was for, then answers the
/// rest by policy.
#[derive(Debug, Clone)]
pub struct ReviewDecider {
    pub answer: Option<(u32, crate::core::event::Decision)>,
    /// Decline the push (`fixloop ci analyze` leaves it to the publish job).
    pub hold_push: bool,
    pub policy: PolicyDecider,
}

impl Decider for ReviewDecider {
    fn decide<'a>(
        &'a mut self,
        checkpoint: &'a CheckpointView,
    ) -> BoxFuture<'a, (crate::core::event::Decision, DecidedBy)> {
        match self.answer.take() {
            Some((id, decision)) if id == checkpoint.id => {
                Box::pin(async move { (decision, DecidedBy::Person) })
            }
            answer
                if self.hold_push
                    && matches!(checkpoint.kind, CheckpointKind::BeforePush { .. }) =>
            {
                self.answer = answer;
                let decision = crate::core::event::Decision::Abort {
                    reason: "held for the publish job (`fixloop ci publish`)".into(),
                };
                Box::pin(async move { (decision, DecidedBy::Policy("ci".into())) })
            }
            answer => {
                self.answer = answer;
                self.policy.decide(checkpoint)
            }
        }
    }
}
