//! Running an agent process and reading its JSON output through a parser from
//! `core::agent_stream`, then turning what it said and how it ended into an outcome.

use std::ops::ControlFlow::{self, Break, Continue};

use tokio::sync::watch;

use crate::core::agent_stream::{Problem, Signal};
use crate::core::event::{FailureClass, LineKind, OutputLine};
use crate::engine::ports::{AgentOutcome, AgentRequest, LineSink};
use crate::engine::process::{self, Ending, SpawnError, Spec};

pub(crate) type Parser = fn(&str) -> Option<Vec<Signal>>;

/// How every agent runs: in the step's working directory, the prompt on stdin, the protocol's
/// variables set and the hidden ones removed, within the step's time budget.
#[must_use]
pub(crate) fn spec(program: &str, args: Vec<String>, request: &AgentRequest) -> Spec {
    Spec {
        program: program.to_owned(),
        args,
        cwd: request.workdir.clone(),
        env: protocol_env(request),
        env_remove: request.env_remove.clone(),
        stdin: Some(request.prompt.clone().into_bytes()),
        log: request.log.clone(),
        timeout: Some(request.timeout),
        grace: std::time::Duration::from_secs(5),
        marked: true,
    }
}

/// The protocol's environment for one step.
#[must_use]
pub(crate) fn protocol_env(request: &AgentRequest) -> Vec<(String, String)> {
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

/// The agent's final word (its `result` event).
#[derive(Debug, Clone)]
pub(crate) struct FinalWord {
    pub ok: bool,
    pub cost_usd: Option<f64>,
    pub turns: Option<u32>,
    pub problem: Option<Problem>,
}

/// What the agent's output said.
#[derive(Debug, Default)]
pub(crate) struct Heard {
    pub session_id: Option<String>,
    pub finished: Option<FinalWord>,
    pub last_problem: Option<Problem>,
    pub last_stderr: Vec<String>,
}

pub(crate) async fn run(
    spec: &Spec,
    parsers: &[Parser],
    sink: LineSink<'_>,
    cancel: &mut watch::Receiver<bool>,
) -> (Result<process::Finished, SpawnError>, Heard) {
    let mut heard = Heard::default();
    let result = {
        let heard = &mut heard;
        let mut on_lines = |lines: Vec<process::Line>| {
            let mut out = Vec::with_capacity(lines.len());
            for line in lines {
                let signals = if line.stderr {
                    None
                } else {
                    parsers.iter().find_map(|parse| parse(&line.text))
                };
                let Some(signals) = signals else {
                    if line.stderr {
                        if heard.last_stderr.len() == 5 {
                            heard.last_stderr.remove(0);
                        }
                        heard.last_stderr.push(line.text.clone());
                    }
                    out.push(OutputLine {
                        kind: if line.stderr {
                            LineKind::Stderr
                        } else {
                            LineKind::Stdout
                        },
                        text: line.text,
                    });
                    continue;
                };
                for signal in signals {
                    match signal {
                        Signal::Session(id) => {
                            if heard.session_id.as_ref() != Some(&id) {
                                // Passed on at once: the run journals it, to continue the
                                // session if the run is cut off.
                                out.push(OutputLine {
                                    kind: LineKind::Session,
                                    text: id.clone(),
                                });
                            }
                            heard.session_id = Some(id);
                        }
                        Signal::Line(l) => out.push(l),
                        Signal::Problem(p) => heard.last_problem = Some(p),
                        Signal::Finished {
                            ok,
                            cost_usd,
                            turns,
                            problem,
                        } => {
                            let (cost0, turns0) = heard
                                .finished
                                .as_ref()
                                .map_or((None, None), |f| (f.cost_usd, f.turns));
                            let cost = match (cost0, cost_usd) {
                                (Some(a), Some(b)) => Some(a + b),
                                (a, b) => a.or(b),
                            };
                            let turns = match (turns0, turns) {
                                (Some(a), Some(b)) => Some(a + b),
                                (a, b) => a.or(b),
                            };
                            heard.finished = Some(FinalWord {
                                ok,
                                cost_usd: cost,
                                turns,
                                problem,
                            });
                        }
                    }
                }
            }
            if !out.is_empty() {
                sink(out);
            }
        };
        process::run(spec, &mut on_lines, cancel).await
    };
    (result, heard)
}

/// Turns how the agent ended and what it said into the step's outcome.
pub(crate) fn outcome(
    agent: &'static str,
    install_hint: &str,
    result: Result<process::Finished, SpawnError>,
    heard: Heard,
    budget_secs: u64,
) -> AgentOutcome {
    let Heard {
        session_id,
        finished: word,
        last_problem,
        last_stderr,
    } = heard;
    let outcome = AgentOutcome {
        session_id,
        ..AgentOutcome::default()
    };
    let finished = match result {
        Err(SpawnError::NotFound { program }) => {
            return unavailable(
                outcome,
                format!("`{program}` is not installed or not on PATH: {install_hint}"),
            );
        }
        Err(e) if e.is_log() => return output_lost(outcome, e.to_string()),
        Err(e) => return unavailable(outcome, e.to_string()),
        Ok(f) => f,
    };
    let outcome = match word {
        Some(word) => match by_final_word(agent, word, last_problem.as_ref(), &finished, outcome) {
            Break(decided) => return decided,
            Continue(outcome) => outcome,
        },
        None => outcome,
    };
    by_ending(
        agent,
        &finished,
        last_problem,
        &last_stderr,
        budget_secs,
        outcome,
    )
}

/// What the agent's final word decides: a problem it names (or, when it did not succeed, the
/// last one it reported), or a success its exit status agrees with. A success the process then
/// contradicts by its exit code is a failure; a timeout or cancel is left to `by_ending`.
fn by_final_word(
    agent: &'static str,
    word: FinalWord,
    last_problem: Option<&Problem>,
    finished: &process::Finished,
    mut outcome: AgentOutcome,
) -> ControlFlow<AgentOutcome, AgentOutcome> {
    let FinalWord {
        ok,
        cost_usd,
        turns,
        problem,
    } = word;
    outcome.cost_usd = cost_usd;
    outcome.turns = turns;
    if let Some(problem) = problem.or(if ok { None } else { last_problem.cloned() }) {
        return Break(if problem.is_unavailable() {
            unavailable(outcome, problem.message())
        } else {
            failed(outcome, problem.message())
        });
    }
    if ok && finished.success() {
        outcome.ok = true;
        return Break(outcome);
    }
    if ok && finished.ending != Ending::TimedOut && finished.ending != Ending::Cancelled {
        let code = finished.exit_code().unwrap_or(-1);
        return Break(failed(
            outcome,
            format!("{agent} reported success but exited with {code}"),
        ));
    }
    Continue(outcome)
}

/// What the way the process ended decides, when the final word did not.
fn by_ending(
    agent: &'static str,
    finished: &process::Finished,
    last_problem: Option<Problem>,
    last_stderr: &[String],
    budget_secs: u64,
    mut outcome: AgentOutcome,
) -> AgentOutcome {
    match finished.ending {
        Ending::TimedOut => match last_problem {
            Some(problem) if problem.is_unavailable() => unavailable(
                outcome,
                format!(
                    "{} (stopped after the time budget of {budget_secs} s)",
                    problem.message()
                ),
            ),
            _ => failed(
                outcome,
                format!("the agent ran out of its time budget of {budget_secs} s"),
            ),
        },
        Ending::Cancelled => failed(outcome, "the agent was cancelled".into()),
        Ending::Signalled(sig) => failed(outcome, format!("the agent was killed by signal {sig}")),
        Ending::Exited(0) => {
            outcome.ok = true;
            outcome
        }
        Ending::Exited(code) => {
            if let Some(problem) = last_problem.filter(Problem::is_unavailable) {
                return unavailable(outcome, problem.message());
            }
            let stderr = last_stderr.join(" / ");
            let last = finished.tail.last().cloned().unwrap_or_default();
            let detail = if stderr.is_empty() { last } else { stderr };
            exited(agent, code, &detail, outcome)
        }
    }
}

/// A non-zero exit with nothing better to say: a custom command's exit code (127: not found),
/// or a known agent refusing to start.
fn exited(agent: &'static str, code: i32, detail: &str, outcome: AgentOutcome) -> AgentOutcome {
    if agent == "command" {
        if code == 127 {
            unavailable(
                outcome,
                format!("the agent command was not found (exit 127): {detail}"),
            )
        } else {
            failed(
                outcome,
                format!("the agent command exited with {code}: {detail}"),
            )
        }
    } else {
        unavailable(
            outcome,
            Problem::Refused {
                agent: if agent == "claude" { "claude" } else { "codex" },
                detail: format!("exit {code}: {detail}"),
            }
            .message(),
        )
    }
}

/// The agent could not work at all (no program, no login, no network).
fn unavailable(mut o: AgentOutcome, message: String) -> AgentOutcome {
    o.ok = false;
    o.error = Some(message);
    o.error_class = Some(FailureClass::Unavailable);
    o
}

/// The agent's output could not be kept (its log could not be written): a local I/O failure.
fn output_lost(mut o: AgentOutcome, message: String) -> AgentOutcome {
    o.ok = false;
    o.error = Some(message);
    o.error_class = Some(FailureClass::Io);
    o
}

/// The agent worked and did not succeed.
fn failed(mut o: AgentOutcome, message: String) -> AgentOutcome {
    o.ok = false;
    o.error = Some(message);
    o.error_class = Some(FailureClass::Error);
    o
}

/// What `program --version` prints on its first line, within a few seconds; `None` when it
/// cannot say.
pub(crate) async fn version_of(program: &str, env_remove: &[String]) -> Option<String> {
    let mut command = tokio::process::Command::new(program);
    for name in env_remove {
        command.env_remove(name);
    }
    let run = command
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(10), run)
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next()?.trim();
    (output.status.success() && !line.is_empty())
        .then(|| format!("{program} {}", line.chars().take(120).collect::<String>()))
}
