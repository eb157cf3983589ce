//! What a failed run is, decided before any AI, with the reason: a fault of the machine it ran
//! on (re-run the failed jobs once), a check a known fixer answers, a failure the core pipeline
//! takes (tests, builds, types), or something no code change fixes (a missing secret, a
//! permission, an outage) — which gets a comment saying why, and nothing else.

use super::fixers::{FixerSpec, matching};

/// A failed step as GitHub's API and the workflow file describe it.
#[derive(Debug, Clone, Default)]
pub struct FailedStep {
    pub job: String,
    pub step: String,
    /// The step's `run:` command, when the workflow file says it.
    pub command: Option<String>,
}

/// The decision, each with the reason recorded beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// The runner or the network failed: re-run the failed jobs once; no AI.
    Transient { reason: String },
    /// Known fixers answer every failing step: run them, then the checks again.
    Fixers { names: Vec<String>, reason: String },
    /// Tests, builds or types: the core pipeline (reproduce, fix, verify).
    Pipeline { reason: String },
    /// No change to the code fixes it: say why on the PR, nothing else.
    NotFixable { reason: String },
}

impl Class {
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Transient { .. } => "transient",
            Self::Fixers { .. } => "fixers",
            Self::Pipeline { .. } => "pipeline",
            Self::NotFixable { .. } => "not-fixable",
        }
    }

    #[must_use]
    pub fn reason(&self) -> &str {
        match self {
            Self::Transient { reason }
            | Self::Fixers { reason, .. }
            | Self::Pipeline { reason }
            | Self::NotFixable { reason } => reason,
        }
    }
}

/// Lines that say the machine, not the code, failed (matched case-insensitively).
const TRANSIENT: [(&str, &str); 16] = [
    (
        "the runner has received a shutdown signal",
        "the runner was shut down",
    ),
    (
        "lost communication with the server",
        "the runner lost its server",
    ),
    (
        "the hosted runner encountered an error",
        "the hosted runner failed",
    ),
    (
        "the hosted runner lost communication",
        "the hosted runner failed",
    ),
    ("no space left on device", "the runner's disk was full"),
    ("exit code 137", "a process was killed (out of memory)"),
    ("out of memory", "the runner ran out of memory"),
    ("temporary failure in name resolution", "DNS failed"),
    ("could not resolve host", "DNS failed"),
    ("econnreset", "a connection was reset"),
    ("etimedout", "a connection timed out"),
    ("connection timed out", "a connection timed out"),
    ("502 bad gateway", "a registry answered 502"),
    ("503 service unavailable", "a registry answered 503"),
    ("504 gateway time", "a registry answered 504"),
    ("tls handshake timeout", "a connection timed out"),
];

/// Lines that say no code change fixes it.
const NOT_FIXABLE: [(&str, &str); 9] = [
    (
        "input required and not supplied",
        "a required input (often a secret) is not set",
    ),
    (
        "resource not accessible by integration",
        "the workflow's token lacks a permission",
    ),
    ("bad credentials", "a credential is wrong or expired"),
    ("requires authentication", "a credential is missing"),
    ("must be authenticated", "a credential is missing"),
    ("secret", "a secret is missing or empty"),
    ("permission denied (publickey)", "a deploy key is missing"),
    ("github is experiencing", "GitHub has an outage"),
    (
        "the job was not started because",
        "the job could not start (billing or limits)",
    ),
];

/// Classifies a failed run from its failed steps and the text of their logs.
#[must_use]
pub fn classify(steps: &[FailedStep], log: &str, fixers: &[FixerSpec]) -> Class {
    let lower = log.to_ascii_lowercase();
    // Only the runner's and the tools' own error lines: a test may print "bad credentials" as
    // it fails.
    let error_lines: String = log
        .lines()
        .filter(|l| is_error_line(l))
        .collect::<Vec<_>>()
        .join("\n");
    let errors = error_lines.to_ascii_lowercase();
    for (needle, why) in NOT_FIXABLE {
        let hit = if needle == "secret" {
            secret_missing(&errors)
        } else {
            errors.contains(needle)
        };
        if hit {
            return Class::NotFixable {
                reason: format!(
                    "{why} (the log says “{}”)",
                    quote(&errors, &error_lines, needle)
                ),
            };
        }
    }
    for (needle, why) in TRANSIENT {
        if lower.contains(needle) {
            return Class::Transient {
                reason: format!("{why} (the log says “{}”)", quote(&lower, log, needle)),
            };
        }
    }
    if steps.is_empty() {
        return Class::Pipeline {
            reason: "no failed step is named: the core pipeline reads the logs".into(),
        };
    }
    let mut names: Vec<String> = Vec::new();
    for step in steps {
        let found = matching(fixers, &step.step, step.command.as_deref());
        let Some(first) = found.first() else {
            return Class::Pipeline {
                reason: format!(
                    "no fixer answers the failing step `{}` of `{}`",
                    step.step, step.job
                ),
            };
        };
        if !names.contains(&first.name) {
            names.push(first.name.clone());
        }
    }
    let reason = format!(
        "the failing step{} {} answered by {}",
        if steps.len() == 1 { " is" } else { "s are" },
        steps
            .iter()
            .map(|s| format!("`{}`", s.step))
            .collect::<Vec<_>>()
            .join(", "),
        names.join(", ")
    );
    Class::Fixers { names, reason }
}

/// The script of the step that failed, as GitHub's log of the job shows it: the last
/// `##[group]Run …` block before the first `Process completed with exit code` error (the
/// script's lines, up to the `shell:` line GitHub prints after them).
#[must_use]
pub fn failed_step_command(log: &str) -> Option<String> {
    let mut last: Option<Vec<&str>> = None;
    let mut open: Option<Vec<&str>> = None;
    for line in log.lines() {
        let line = without_stamp(line.trim_end());
        if let Some(first) = line.strip_prefix("##[group]Run ") {
            open = Some(Vec::new());
            last = Some(vec![first.trim()]);
        } else if line.starts_with("##[error]Process completed with exit code") {
            break;
        } else if let Some(script) = open.as_mut() {
            if line.trim_start().starts_with("shell: ") || line.starts_with("##[") {
                if !script.is_empty() {
                    last = open.take();
                }
                open = None;
            } else {
                script.push(line);
            }
        }
    }
    let script = last?.join("\n");
    (!script.trim().is_empty()).then_some(script)
}

/// A line GitHub marks as an error (`##[error]`), or one a tool starts with `error:`.
fn is_error_line(line: &str) -> bool {
    let line = without_stamp(line.trim());
    let lower = line.to_ascii_lowercase();
    line.contains("##[error]") || lower.starts_with("error:") || lower.starts_with("error ")
}

/// A log line without the timestamp GitHub puts before it.
fn without_stamp(line: &str) -> &str {
    match line.split_once(' ') {
        Some((stamp, rest)) if stamp.ends_with('Z') && stamp.starts_with("20") => rest,
        _ => line,
    }
}

/// "secret" near "not set", "missing", "empty" or "not found" on one line.
fn secret_missing(lower: &str) -> bool {
    lower.lines().any(|line| {
        line.contains("secret")
            && [
                "not set",
                "missing",
                "is empty",
                "not found",
                "not provided",
            ]
            .iter()
            .any(|w| line.contains(w))
    })
}

/// The original line around the first match of `needle`, trimmed to a readable length.
fn quote(lower: &str, log: &str, needle: &str) -> String {
    let probe = if needle == "secret" {
        lower
            .lines()
            .find(|l| l.contains("secret"))
            .map_or(0, |l| l.as_ptr() as usize - lower.as_ptr() as usize)
    } else {
        lower.find(needle).unwrap_or(0)
    };
    let start = lower[..probe].rfind('\n').map_or(0, |i| i + 1);
    let end = lower[probe..].find('\n').map_or(lower.len(), |i| probe + i);
    let line = without_stamp(log.get(start..end).unwrap_or_default().trim());
    let mut shown: String = line.chars().take(160).collect();
    if line.chars().count() > 160 {
        shown.push('…');
    }
    shown
}
