//! The `info.json` model: what failed and how the user wants it fixed, validated with messages that
//! name the field, its line:column and what to write instead.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{InputError, json_type, nearest, parse_json};
use super::runurl::RunUrl;
pub use super::slug::slugify;

/// Which agent does the AI steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AgentKind {
    /// Claude Code (`claude -p --output-format stream-json --verbose`).
    Claude,
    /// `OpenAI` Codex (`codex exec --json`).
    Codex,
    /// Any shell command (`agent-cmd`), following fixloop's agent protocol.
    Command,
    /// The person at the keyboard does the step.
    Manual,
}

impl AgentKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Codex => "codex",
            Self::Command => "command",
            Self::Manual => "manual",
        }
    }
}

impl std::fmt::Display for AgentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CI failure to fix, as written in `info.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(title = "fixloop info.json")]
pub struct Info {
    /// The JSON Schema this file follows (`info.schema.json`), for editors; fixloop ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// What failed and what a good fix looks like, in the user's words.
    pub prompt: String,
    /// `true` when the failure happens every time, `false` for a flaky (intermittent) one.
    pub deterministic: bool,
    /// The GitHub Actions run or job URL of the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The failing job's log text, or a path to a log file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_logs: Option<String>,
    /// A reproduction that already exists (a failure folder, its `repro.json`, or a test file);
    /// the run then starts at the fix branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_test_path: Option<String>,
    /// Short name for the failure folder and the `fix/<name>` branch (derived from the prompt when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The target repository (default: the git repository that contains info.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The branch the fix is based on and the PR targets (default: the remote's default branch, or
    /// main/master).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_branch: Option<String>,
    /// The test suite to run after the fix (it must pass too), from the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_command: Option<String>,
    /// Which agent does the AI steps (default: claude).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentKind>,
    /// The shell command for `agent: command`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_cmd: Option<String>,
    /// How many times a reproduction or verification runs (default: 3 for deterministic failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub iterations: Option<u32>,
    /// How many runs at once for flaky failures (default: the number of cores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub parallel: Option<u32>,
    /// Time budget per phase, in seconds (default: 900 for AI steps, 300 for test runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub time_budget: Option<u64>,
    /// The most the whole run may spend on agents, in US dollars (default: 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.01))]
    pub budget_usd: Option<f64>,
    /// The most one AI step may spend, in US dollars (default: 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.01))]
    pub step_budget_usd: Option<f64>,
    /// Open the PR as a draft (default: true).
    #[serde(default = "yes")]
    pub draft: bool,
    /// Labels for the PR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Keep the reproduction test in the PR's commit (default: false, it is removed).
    #[serde(default)]
    pub keep_test_in_pr: bool,
}

fn yes() -> bool {
    true
}

/// The type a field must have; checked before the whole object is decoded so the message can name
/// the field.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Flag,
    Count,
    Dollars,
    Labels,
    Agent,
}

const FIELDS: &[(&str, Kind, &str)] = &[
    (
        "$schema",
        Kind::Text,
        "the path or URL of info.schema.json, such as \"info.schema.json\"",
    ),
    (
        "prompt",
        Kind::Text,
        "describe the failure and what a good fix looks like",
    ),
    (
        "deterministic",
        Kind::Flag,
        "write true when it fails every time, false when it is flaky",
    ),
    (
        "url",
        Kind::Text,
        "paste the failed run's URL: https://github.com/OWNER/REPO/actions/runs/ID",
    ),
    (
        "raw-logs",
        Kind::Text,
        "paste the failing job's log text, or give a path to a log file",
    ),
    (
        "existing-test-path",
        Kind::Text,
        "give the path of a failure folder (with repro.json) or of a test file",
    ),
    (
        "name",
        Kind::Text,
        "a short slug such as \"timeout-in-parser\"",
    ),
    ("repo", Kind::Text, "the path of the target git repository"),
    ("base-branch", Kind::Text, "a branch name such as \"main\""),
    (
        "test-command",
        Kind::Text,
        "a shell command such as \"cargo test\"",
    ),
    (
        "agent",
        Kind::Agent,
        "one of \"claude\", \"codex\", \"command\", \"manual\"",
    ),
    (
        "agent-cmd",
        Kind::Text,
        "a shell command that follows the agent protocol",
    ),
    (
        "iterations",
        Kind::Count,
        "a whole number of runs, at least 1",
    ),
    (
        "parallel",
        Kind::Count,
        "a whole number of parallel runs, at least 1",
    ),
    (
        "time-budget",
        Kind::Count,
        "seconds per phase, at least 1, e.g. 900",
    ),
    (
        "budget-usd",
        Kind::Dollars,
        "US dollars the whole run may spend on agents, e.g. 25",
    ),
    (
        "step-budget-usd",
        Kind::Dollars,
        "US dollars one AI step may spend, e.g. 10",
    ),
    ("draft", Kind::Flag, "true or false"),
    (
        "labels",
        Kind::Labels,
        "a list of strings, e.g. [\"ci-fix\"]",
    ),
    ("keep-test-in-pr", Kind::Flag, "true or false"),
];

/// The names `info.json` accepts.
#[must_use]
pub fn field_names() -> Vec<&'static str> {
    FIELDS.iter().map(|(name, _, _)| *name).collect()
}

impl Info {
    /// Parses and validates `info.json` text; `file` is how the file is named in messages.
    pub fn parse(file: &str, text: &str) -> Result<Self, InputError> {
        let value = parse_json(file, text)?;
        let Value::Object(map) = &value else {
            return Err(InputError::new(
                file,
                format!("expected a JSON object, found {}", json_type(&value)),
                "wrap the fields in { ... }",
            )
            .at(1, 1));
        };
        let names = field_names();
        for key in map.keys() {
            if !names.contains(&key.as_str()) {
                let hint = match nearest(key, &names) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("known fields: {}", names.join(", ")),
                };
                return Err(InputError::new(file, "unknown field", hint).field(key, text));
            }
        }
        for (name, kind, hint) in FIELDS {
            if let Some(v) = map.get(*name) {
                check_kind(file, text, name, *kind, v, hint)?;
            }
        }
        for required in ["prompt", "deterministic"] {
            if !map.contains_key(required) {
                let (_, _, hint) = FIELDS
                    .iter()
                    .find(|(n, _, _)| *n == required)
                    .copied()
                    .unwrap_or(("", Kind::Text, ""));
                return Err(InputError::new(
                    file,
                    format!("missing required field `{required}`"),
                    format!("add \"{required}\": {hint}"),
                )
                .at(1, 1));
            }
        }
        let info: Self = serde_json::from_value(value).map_err(|e| {
            InputError::new(file, e.to_string(), "see info.schema.json for every field")
        })?;
        info.check_rules(file, text)?;
        Ok(info)
    }

    fn check_rules(&self, file: &str, text: &str) -> Result<(), InputError> {
        if self.prompt.trim().is_empty() {
            return Err(InputError::new(
                file,
                "the prompt is empty",
                "describe the failure and what a good fix looks like",
            )
            .field("prompt", text));
        }
        if self.url.is_some() && self.raw_logs.is_some() {
            return Err(InputError::new(
                file,
                "both `url` and `raw-logs` are set",
                "keep exactly one source of logs: remove `raw-logs` or `url`",
            )
            .field("raw-logs", text));
        }
        if self.existing_test_path.is_none() && self.url.is_none() && self.raw_logs.is_none() {
            return Err(InputError::new(
                file,
                "no failure to work from",
                "add `url` (the failed GitHub Actions run), `raw-logs` (log text or a log file), \
                 or `existing-test-path` (a reproduction that already exists)",
            )
            .at(1, 1));
        }
        for (field, value) in [
            ("raw-logs", &self.raw_logs),
            ("existing-test-path", &self.existing_test_path),
            ("agent-cmd", &self.agent_cmd),
            ("test-command", &self.test_command),
            ("repo", &self.repo),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(InputError::new(
                    file,
                    "is empty",
                    format!("remove `{field}` or give it a value"),
                )
                .field(field, text));
            }
        }
        if let Some(url) = &self.url {
            RunUrl::parse(url).map_err(|why| {
                InputError::new(file, why, RunUrl::ACCEPTED_FORMS).field("url", text)
            })?;
        }
        if let Some(name) = &self.name
            && let Err(why) = check_name(name)
        {
            return Err(InputError::new(
                file,
                why,
                "use lowercase letters, digits, `-`, `_` and `.`, e.g. \"flaky-timeout\"",
            )
            .field("name", text));
        }
        if let Some(branch) = &self.base_branch
            && !is_branch_name(branch)
        {
            return Err(InputError::new(
                file,
                format!("`{branch}` is not a valid branch name"),
                "write a branch name such as \"main\" or \"release/1.2\"",
            )
            .field("base-branch", text));
        }
        if self.agent == Some(AgentKind::Command) && self.agent_cmd.is_none() {
            return Err(InputError::new(
                file,
                "`agent` is \"command\" but no `agent-cmd` is given",
                "add \"agent-cmd\": \"your-agent --flags\" (or pass --agent-cmd)",
            )
            .field("agent", text));
        }
        for (i, label) in self.labels.iter().enumerate() {
            if label.trim().is_empty() || label.len() > 50 {
                return Err(InputError::new(
                    file,
                    format!("label {} must be 1 to 50 characters", i + 1),
                    "GitHub labels are short names such as \"ci-fix\"",
                )
                .field("labels", text));
            }
        }
        Ok(())
    }

    /// The failure's short name: `name`, else a slug of the prompt.
    #[must_use]
    pub fn slug(&self) -> String {
        self.name.clone().unwrap_or_else(|| slugify(&self.prompt))
    }
}

fn check_kind(
    file: &str,
    text: &str,
    name: &str,
    kind: Kind,
    value: &Value,
    hint: &str,
) -> Result<(), InputError> {
    let nullable = !matches!(
        name,
        "prompt" | "deterministic" | "draft" | "labels" | "keep-test-in-pr"
    );
    if value.is_null() && nullable {
        // The schema allows null for optional fields: it means "not set".
        return Ok(());
    }
    let wrong = |expected: &str| {
        Err(InputError::new(
            file,
            format!("expected {expected}, found {}", json_type(value)),
            hint,
        )
        .field(name, text))
    };
    match kind {
        Kind::Text if !value.is_string() => wrong("a string"),
        Kind::Flag if !value.is_boolean() => match value.as_str() {
            Some("true" | "false") => Err(InputError::new(
                file,
                "expected a boolean, found a string",
                format!(
                    "write {} without quotes",
                    value.as_str().unwrap_or_default()
                ),
            )
            .field(name, text)),
            _ => wrong("a boolean"),
        },
        Kind::Count
            if !value
                .as_u64()
                .is_some_and(|n| n >= 1 && u32::try_from(n).is_ok()) =>
        {
            wrong("a whole number of at least 1")
        }
        Kind::Dollars if !value.as_f64().is_some_and(|d| d.is_finite() && d >= 0.01) => {
            wrong("an amount of at least 0.01")
        }
        Kind::Labels => match value.as_array() {
            Some(items) if items.iter().all(Value::is_string) => Ok(()),
            _ => wrong("a list of strings"),
        },
        Kind::Agent => match value.as_str() {
            Some("claude" | "codex" | "command" | "manual") => Ok(()),
            Some(other) => Err(InputError::new(
                file,
                format!("unknown agent \"{other}\""),
                match nearest(other, &["claude", "codex", "command", "manual"]) {
                    Some(near) => format!("did you mean \"{near}\"? ({hint})"),
                    None => hint.to_owned(),
                },
            )
            .field(name, text)),
            None => wrong("a string"),
        },
        _ => Ok(()),
    }
}

/// A failure name must be usable as a folder and as the last part of a branch name.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "`{name}` has characters other than a-z, 0-9, -, _ and ."
        ));
    }
    if name.starts_with(['.', '-']) || name.ends_with('.') || name.contains("..") {
        return Err(format!(
            "`{name}` cannot start with . or -, end with ., or contain .."
        ));
    }
    // git refuses a ref component ending in `.lock`; `fix/<name>` must be a branch it accepts.
    // (Names are lower case already, so the case of the suffix does not matter.)
    if name.to_ascii_lowercase().ends_with(".lock") {
        return Err(format!(
            "`{name}` cannot end with .lock (git refuses such branch names)"
        ));
    }
    Ok(())
}

/// Whether `name` is acceptable to `git check-ref-format --branch` (the common rules).
#[must_use]
#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "git's `.lock` rule is case-sensitive"
)]
pub fn is_branch_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name
            .chars()
            .any(|c| c.is_ascii_control() || " ~^:?*[\\".contains(c))
}

/// The JSON Schema of `info.json`, as written to `info.schema.json`.
#[must_use]
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Info);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> InputError {
        Info::parse("info.json", text).unwrap_err()
    }

    #[test]
    fn accepts_the_seed_fields() {
        let info = Info::parse(
            "info.json",
            r#"{"prompt": "fix it", "deterministic": true, "raw-logs": "FAILED x"}"#,
        )
        .unwrap();
        assert!(info.deterministic);
        assert!(info.draft, "draft defaults to true");
        assert!(!info.keep_test_in_pr);
        assert_eq!(info.slug(), "fix-it");
    }

    #[test]
    fn the_schema_key_is_accepted_and_no_other_dollar_key() {
        let info = Info::parse(
            "info.json",
            r#"{"$schema": "info.schema.json", "prompt": "p", "deterministic": true, "raw-logs": "x"}"#,
        )
        .unwrap();
        assert_eq!(info.schema.as_deref(), Some("info.schema.json"));
        let e = err(r#"{"$id": "x", "prompt": "p", "deterministic": true, "raw-logs": "x"}"#);
        assert_eq!(e.field.as_deref(), Some("$id"));
        assert_eq!(e.message, "unknown field");
    }

    #[test]
    fn unknown_fields_suggest_the_nearest() {
        let e = err("{\"prompt\": \"p\",\n \"deterministic\": true,\n \"raw_logs\": \"x\"}");
        assert_eq!(e.field.as_deref(), Some("raw_logs"));
        assert_eq!(e.at, Some((3, 2)));
        assert!(e.hint.contains("`raw-logs`"), "{e}");
    }

    #[test]
    fn rules_of_the_seed() {
        assert!(
            err(r#"{"deterministic": true, "raw-logs": "x"}"#)
                .message
                .contains("`prompt`")
        );
        assert!(
            err(r#"{"prompt": "p", "raw-logs": "x"}"#)
                .message
                .contains("`deterministic`")
        );
        assert!(
            err(r#"{"prompt": "p", "deterministic": true}"#)
                .message
                .contains("no failure")
        );
        let both = err(r#"{"prompt": "p", "deterministic": true, "raw-logs": "x", "url": "u"}"#);
        assert!(both.message.contains("both"), "{both}");
        let existing = Info::parse(
            "info.json",
            r#"{"prompt": "p", "deterministic": false, "existing-test-path": "t.py"}"#,
        );
        assert!(existing.is_ok());
    }

    #[test]
    fn wrong_types_name_the_field() {
        let e = err(r#"{"prompt": "p", "deterministic": "yes", "raw-logs": "x"}"#);
        assert_eq!(e.field.as_deref(), Some("deterministic"));
        assert!(e.message.contains("expected a boolean, found a string"));
        let quoted = err(r#"{"prompt": "p", "deterministic": "true", "raw-logs": "x"}"#);
        assert!(quoted.hint.contains("without quotes"));
        let agent =
            err(r#"{"prompt": "p", "deterministic": true, "raw-logs": "x", "agent": "claud"}"#);
        assert!(agent.hint.contains("\"claude\""), "{agent}");
    }

    #[test]
    fn null_means_not_set_for_optional_fields_only() {
        let info = Info::parse(
            "info.json",
            r#"{"prompt": "p", "deterministic": true, "raw-logs": "x", "name": null, "agent": null}"#,
        )
        .unwrap();
        assert_eq!(info.name, None);
        let e = err(r#"{"prompt": "p", "deterministic": null, "raw-logs": "x"}"#);
        assert_eq!(e.field.as_deref(), Some("deterministic"));
    }

    #[test]
    fn every_default_name_is_a_name_and_a_branch() {
        for text in [
            "Fix the TimeoutError in gather()!",
            "x.lock",
            "..hidden--file..",
            "-leading dash",
            "ünïcödé only",
            "tests/test_parser.py::test_empty fails in CI",
            "a very long prompt that goes on and on and on forever",
        ] {
            let slug = slugify(text);
            assert!(check_name(&slug).is_ok(), "{text:?} → {slug:?}");
            assert!(
                is_branch_name(&format!("fix/{slug}")),
                "{text:?} → {slug:?}"
            );
        }
    }

    #[test]
    fn names_are_branch_safe() {
        assert!(is_branch_name("release/1.2"));
        assert!(!is_branch_name("bad name"));
        assert!(!is_branch_name("a..b"));
        // Every name check_name accepts makes branches git accepts.
        for bad in [
            "x.lock", ".x", "-x", "x.", "a..b", "A", "a b", "a/b", "a@{1}", "",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        for good in ["x", "lost-update", "v1.2_fix", "x.locked"] {
            assert!(check_name(good).is_ok(), "{good}");
            assert!(is_branch_name(&format!("fix/{good}")), "{good}");
        }
    }

    #[test]
    fn the_field_table_matches_the_schema() {
        let schema: Value = serde_json::from_str(&schema_json()).unwrap();
        let mut properties: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        properties.sort_unstable();
        let mut table = field_names();
        table.sort_unstable();
        assert_eq!(properties, table);
    }
}
