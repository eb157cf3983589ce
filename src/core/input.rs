//! Errors in files the user (or an agent) wrote, with the place and a hint, and the small helpers
//! that find the place: a JSON key's line:column and the nearest known field name.

use std::fmt;

/// A problem in an input file: it names the file, where in it, what is wrong and what to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based line and column, when the problem has a place in the text.
    pub at: Option<(usize, usize)>,
    pub field: Option<String>,
    pub message: String,
    pub hint: String,
}

impl InputError {
    pub fn new(file: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: None,
            field: None,
            message: message.into(),
            hint: hint.into(),
        }
    }

    #[must_use]
    pub fn field(mut self, field: &str, text: &str) -> Self {
        self.at = locate_key(text, field);
        self.field = Some(field.to_owned());
        self
    }

    #[must_use]
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.at = Some((line, column));
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.at {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Parses JSON text into a value, turning a syntax error into an [`InputError`] with line:column.
pub fn parse_json(file: &str, text: &str) -> Result<serde_json::Value, InputError> {
    if text.trim().is_empty() {
        return Err(InputError::new(
            file,
            "the file is empty",
            "write a JSON object, e.g. {\"prompt\": \"...\", \"deterministic\": true, ...}",
        )
        .at(1, 1));
    }
    serde_json::from_str(text).map_err(|e| {
        let hint = match e.classify() {
            serde_json::error::Category::Eof => {
                "the JSON ends early: close every `{`, `[` and string"
            }
            _ if e.to_string().contains("trailing comma") => {
                "remove the comma before the closing bracket"
            }
            _ => "fix the JSON syntax here (strings in double quotes, commas between fields)",
        };
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        InputError::new(file, format!("invalid JSON: {message}"), hint).at(e.line(), e.column())
    })
}

/// The 1-based line and column of the first `"key"` followed by a colon in `text`.
#[must_use]
pub fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(pos) = text[from..].find(&needle) {
        let start = from + pos;
        let after = &text[start + needle.len()..];
        if after.trim_start().starts_with(':') {
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.rfind('\n').map_or(start, |nl| start - nl - 1) + 1;
            return Some((line, column));
        }
        from = start + needle.len();
    }
    None
}

/// The known name closest to `unknown` when it is close enough to be a likely typo.
#[must_use]
pub fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let folded = unknown.to_ascii_lowercase().replace('_', "-");
    known
        .iter()
        .map(|k| (levenshtein(&folded, k), *k))
        .min()
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The JSON type of a value, as a user would name it.
#[must_use]
pub fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// 1-based line and column of a span's start (a TOML parser's error span).
#[must_use]
pub fn line_column(text: &str, span: std::ops::Range<usize>) -> (usize, usize) {
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, column)
}

/// Where `key =` is in the `nth` TOML table headed `table` (`[watch]`, `[[repo]]`, …); the
/// table's header when the key is not written there (a default).
#[must_use]
pub fn locate_toml_key(text: &str, table: &str, nth: usize, key: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == table)
        .nth(nth)
        .map(|(i, _)| i)?;
    let assigns = |line: &str| {
        line.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('['))
        .position(|l| assigns(l))
        .map(|i| {
            let line = lines[start + 1 + i];
            (start + 2 + i, line.len() - line.trim_start().len() + 1)
        })
        .or(Some((start + 1, 1)))
}

/// Whether `name` is a GitHub repository's `owner/name`.
#[must_use]
pub fn is_repo_name(name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    name.split_once('/')
        .is_some_and(|(owner, repo)| part(owner) && part(repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_by_line_and_column() {
        let text = "{\n  \"prompt\": \"x\",\n  \"deterministic\": true\n}";
        assert_eq!(locate_key(text, "prompt"), Some((2, 3)));
        assert_eq!(locate_key(text, "deterministic"), Some((3, 3)));
        assert_eq!(locate_key(text, "url"), None);
    }

    #[test]
    fn a_key_inside_a_value_is_not_the_key() {
        let text = "{\"prompt\": \"see \\\"url\\\" here\", \"url\": 1}";
        assert_eq!(locate_key(text, "url"), Some((1, 32)));
    }

    #[test]
    fn nearest_suggests_typos_only() {
        let known = ["raw-logs", "existing-test-path", "deterministic"];
        assert_eq!(nearest("raw_logs", &known), Some("raw-logs"));
        assert_eq!(nearest("determinstic", &known), Some("deterministic"));
        assert_eq!(nearest("banana", &known), None);
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let err = parse_json("info.json", "{\n  \"prompt\": \"x\",\n}").unwrap_err();
        assert_eq!(err.at, Some((3, 1)));
        assert!(
            err.to_string().starts_with("info.json:3:1: invalid JSON"),
            "{err}"
        );
    }
}
