//! Understanding agents' JSON output: Claude Code `stream-json` and Codex `exec --json` lines
//! become readable lines, the session id, cost, turns, and a precise diagnosis when the agent
//! could not work.

use serde_json::Value;

use super::event::{LineKind, OutputLine};

/// Why an agent could not do its step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NotLoggedIn { agent: &'static str },
    Unreachable { agent: &'static str, detail: String },
    UnknownSession { agent: &'static str, id: String },
    Refused { agent: &'static str, detail: String },
    Other(String),
}

impl Problem {
    /// Whether the agent could not work at all (exit 69), as opposed to a failed attempt.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::NotLoggedIn { agent: "claude" } => {
                "Claude Code is not logged in: run `claude` once to log in, or set ANTHROPIC_API_KEY"
                    .into()
            }
            Self::NotLoggedIn { .. } => {
                "Codex is not logged in: run `codex login`, or set OPENAI_API_KEY".into()
            }
            Self::Unreachable { agent, detail } => {
                let (name, api) = if *agent == "claude" {
                    ("Claude Code", "the Anthropic API")
                } else {
                    ("Codex", "the OpenAI API")
                };
                format!(
                    "{name} cannot reach {api} ({detail}): check the network, proxy or \
                     firewall, then run again"
                )
            }
            Self::UnknownSession { agent, id } => format!(
                "{} has no session {id} to resume (it may have been made on another machine or \
                 removed)",
                if *agent == "claude" { "Claude Code" } else { "Codex" }
            ),
            Self::Refused { agent, detail } => format!(
                "{} refused to start: {detail}",
                if *agent == "claude" { "Claude Code" } else { "Codex" }
            ),
            Self::Other(detail) => detail.clone(),
        }
    }
}

/// What one line of agent output says.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    Session(String),
    Line(OutputLine),
    Problem(Problem),
    /// The agent's final word.
    Finished {
        ok: bool,
        cost_usd: Option<f64>,
        turns: Option<u32>,
        problem: Option<Problem>,
    },
}

fn line(kind: LineKind, text: impl Into<String>) -> Signal {
    Signal::Line(OutputLine {
        kind,
        text: text.into(),
    })
}

/// Parses one line of Claude Code `stream-json`; `None` when the line is not such an event.
#[must_use]
pub fn claude_line(text: &str) -> Option<Vec<Signal>> {
    let v: Value = serde_json::from_str(text.trim()).ok()?;
    let kind = v.get("type")?.as_str()?;
    match (kind, v.get("subtype").and_then(Value::as_str)) {
        ("system", Some("init")) => claude_init(&v),
        ("system", Some("api_retry")) => Some(vec![claude_retry(&v)]),
        ("system", _) => Some(Vec::new()),
        ("assistant", _) => Some(claude_assistant(&v)),
        ("user", _) => Some(claude_tool_errors(&v)),
        ("result", _) => Some(claude_result(&v)),
        _ => None,
    }
}

/// The session's start; an init event without a session id is not one Claude Code writes.
fn claude_init(v: &Value) -> Option<Vec<Signal>> {
    let id = v.get("session_id")?.as_str()?.to_owned();
    let model = v.get("model").and_then(Value::as_str).unwrap_or("?");
    Some(vec![
        line(
            LineKind::Status,
            format!("session {id} started (model {model})"),
        ),
        Signal::Session(id),
    ])
}

fn claude_retry(v: &Value) -> Signal {
    let attempt = v.get("attempt").and_then(Value::as_u64).unwrap_or(0);
    let max = v.get("max_retries").and_then(Value::as_u64).unwrap_or(0);
    let delay = v.get("retry_delay_ms").and_then(Value::as_u64).unwrap_or(0);
    let error = v.get("error").and_then(Value::as_str).unwrap_or("unknown");
    line(
        LineKind::Status,
        format!(
            "API retry {attempt}/{max} in {}.{} s ({error})",
            delay / 1000,
            delay % 1000 / 100
        ),
    )
}

/// The assistant's text, line by line, and its tool calls; a problem (no login, no API) may come
/// on an assistant message too.
fn claude_assistant(v: &Value) -> Vec<Signal> {
    let mut out = Vec::new();
    for block in content(v) {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => {
                let text = block
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                for l in text.lines().filter(|l| !l.trim().is_empty()) {
                    out.push(line(LineKind::Text, l));
                }
            }
            Some("tool_use") => out.push(line(LineKind::Tool, tool_call(block))),
            _ => {}
        }
    }
    if let Some(problem) = claude_problem(v, "") {
        out.push(Signal::Problem(problem));
    }
    out
}

/// The first line of each failed tool result (tool results come back as user messages).
fn claude_tool_errors(v: &Value) -> Vec<Signal> {
    let mut out = Vec::new();
    for block in content(v) {
        if block.get("is_error").and_then(Value::as_bool) == Some(true) {
            let text = match block.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let first = text.lines().next().unwrap_or_default();
            out.push(line(LineKind::Error, format!("tool error: {first}")));
        }
    }
    out
}

/// The final result: a summary line and the `Finished` signal with cost, turns and, on an
/// error, what went wrong.
fn claude_result(v: &Value) -> Vec<Signal> {
    let is_error = v.get("is_error").and_then(Value::as_bool).unwrap_or(false)
        || v.get("subtype")
            .and_then(Value::as_str)
            .is_some_and(|s| s != "success");
    let cost_usd = v.get("total_cost_usd").and_then(Value::as_f64);
    let turns = v
        .get("num_turns")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    let result = v.get("result").and_then(Value::as_str).unwrap_or_default();
    let problem =
        is_error.then(|| claude_problem(v, result).unwrap_or_else(|| claude_error(v, result)));
    vec![
        line(
            if is_error {
                LineKind::Error
            } else {
                LineKind::Status
            },
            format!(
                "finished: {} in {} turn(s), ${:.4}",
                if is_error { "error" } else { "success" },
                turns.unwrap_or(0),
                cost_usd.unwrap_or(0.0)
            ),
        ),
        Signal::Finished {
            ok: !is_error,
            cost_usd,
            turns,
            problem,
        },
    ]
}

/// An error result that is none of the known problems: its text, else its errors, else its
/// subtype.
fn claude_error(v: &Value, result: &str) -> Problem {
    let errors = v
        .get("errors")
        .and_then(Value::as_array)
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let subtype = v.get("subtype").and_then(Value::as_str).unwrap_or("error");
    let detail = [result, errors.as_str()]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or(subtype);
    Problem::Other(format!("Claude Code ended with an error: {detail}"))
}

fn content(v: &Value) -> impl Iterator<Item = &Value> {
    v.pointer("/message/content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn claude_problem(v: &Value, result: &str) -> Option<Problem> {
    let error = v.get("error").and_then(Value::as_str).unwrap_or_default();
    let api_error = v
        .get("api_error")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let errors: Vec<&str> = v
        .get("errors")
        .and_then(Value::as_array)
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if error == "authentication_failed" || result.contains("Not logged in") {
        return Some(Problem::NotLoggedIn { agent: "claude" });
    }
    if let Some(e) = errors.iter().find(|e| e.contains("No conversation found")) {
        let id = e.rsplit(' ').next().unwrap_or_default().to_owned();
        return Some(Problem::UnknownSession {
            agent: "claude",
            id,
        });
    }
    if api_error == "connection_failed"
        || v.get("terminal_reason").and_then(Value::as_str) == Some("api_error")
    {
        let text = if result.is_empty() {
            assistant_text(v)
        } else {
            result.to_owned()
        };
        let detail = if text.is_empty() {
            api_error.to_owned()
        } else {
            text
        };
        return Some(Problem::Unreachable {
            agent: "claude",
            detail,
        });
    }
    None
}

fn assistant_text(v: &Value) -> String {
    content(v)
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

fn tool_call(block: &Value) -> String {
    let name = block.get("name").and_then(Value::as_str).unwrap_or("tool");
    let input = block.get("input").cloned().unwrap_or(Value::Null);
    let field = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let detail = field("command")
        .or_else(|| field("file_path"))
        .or_else(|| field("path"))
        .or_else(|| field("pattern"))
        .or_else(|| field("url"))
        .or_else(|| field("description"))
        .unwrap_or_default();
    let detail = detail.lines().next().unwrap_or_default();
    let detail: String = detail.chars().take(160).collect();
    if detail.is_empty() {
        format!("▸ {name}")
    } else {
        format!("▸ {name}: {detail}")
    }
}

/// Parses one line of `codex exec --json`; `None` when the line is not such an event.
#[must_use]
pub fn codex_line(text: &str) -> Option<Vec<Signal>> {
    let v: Value = serde_json::from_str(text.trim()).ok()?;
    let kind = v.get("type")?.as_str()?;
    let mut out = Vec::new();
    match kind {
        "thread.started" => {
            let id = v.get("thread_id")?.as_str()?.to_owned();
            out.push(line(LineKind::Status, format!("thread {id} started")));
            out.push(Signal::Session(id));
        }
        "turn.started" => {}
        "turn.completed" => {
            out.push(line(LineKind::Status, "turn completed"));
            out.push(Signal::Finished {
                ok: true,
                cost_usd: None,
                turns: Some(1),
                problem: None,
            });
        }
        "turn.failed" => {
            let message = v
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("the turn failed")
                .to_owned();
            out.push(line(LineKind::Error, message.clone()));
            out.push(Signal::Finished {
                ok: false,
                cost_usd: None,
                turns: Some(1),
                problem: Some(codex_problem(&message).unwrap_or(Problem::Other(format!(
                    "Codex ended with an error: {message}"
                )))),
            });
        }
        "error" => {
            let message = v.get("message").and_then(Value::as_str).unwrap_or_default();
            let reconnecting = message.starts_with("Reconnecting");
            out.push(line(
                if reconnecting {
                    LineKind::Status
                } else {
                    LineKind::Error
                },
                message,
            ));
            if let Some(problem) = codex_problem(message) {
                out.push(Signal::Problem(problem));
            }
        }
        "item.started" | "item.updated" | "item.completed" => {
            let item = v.get("item")?;
            let completed = kind == "item.completed";
            match item.get("type").and_then(Value::as_str) {
                Some("agent_message" | "reasoning") if completed => {
                    let text = item.get("text").and_then(Value::as_str).unwrap_or_default();
                    for l in text.lines().filter(|l| !l.trim().is_empty()) {
                        out.push(line(LineKind::Text, l));
                    }
                }
                Some("command_execution") if kind == "item.started" => {
                    let command = item
                        .get("command")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    out.push(line(LineKind::Tool, format!("▸ shell: {command}")));
                }
                Some("file_change") if completed => {
                    for change in item
                        .get("changes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let path = change.get("path").and_then(Value::as_str).unwrap_or("?");
                        let how = change
                            .get("kind")
                            .and_then(Value::as_str)
                            .unwrap_or("update");
                        out.push(line(LineKind::Tool, format!("▸ {how}: {path}")));
                    }
                }
                Some("error") if completed => {
                    let message = item
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    out.push(line(LineKind::Status, message));
                }
                _ => {}
            }
        }
        _ => return None,
    }
    Some(out)
}

fn codex_problem(message: &str) -> Option<Problem> {
    let lower = message.to_ascii_lowercase();
    if lower.contains("401") || lower.contains("unauthorized") || lower.contains("not logged in") {
        return Some(Problem::NotLoggedIn { agent: "codex" });
    }
    if lower.contains("waiting for network")
        || lower.contains("failed to lookup address")
        || lower.contains("connection failed")
    {
        let detail = message
            .split_once('(')
            .map_or(message, |(_, rest)| rest.trim_end_matches(')'));
        return Some(Problem::Unreachable {
            agent: "codex",
            detail: detail.to_owned(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_tool_calls_and_text_are_readable() {
        let line = r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Looking."},{"type":"tool_use","name":"Bash","input":{"command":"cargo test\nmore"}}]}}"#;
        let signals = claude_line(line).unwrap();
        let texts: Vec<String> = signals
            .iter()
            .filter_map(|s| match s {
                Signal::Line(l) => Some(l.text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["Looking.", "▸ Bash: cargo test"]);
    }

    #[test]
    fn a_success_subtype_with_is_error_is_a_failure() {
        let line = r#"{"type":"result","subtype":"success","is_error":true,"result":"boom","num_turns":2,"total_cost_usd":0.5}"#;
        let signals = claude_line(line).unwrap();
        assert!(signals.iter().any(|s| matches!(
            s,
            Signal::Finished {
                ok: false,
                turns: Some(2),
                ..
            }
        )));
    }

    #[test]
    fn plain_text_is_not_an_event() {
        assert!(claude_line("hello").is_none());
        assert!(claude_line("{\"no\":\"type\"}").is_none());
        assert!(codex_line("[1, 2]").is_none());
    }
}
