//! Secret redaction: the one function every text passes through before it leaves fixloop's
//! hands (journal, logs, reports, prompts, PRs, commits, the terminal). It knows the shapes of
//! common tokens and keys, and the values of the environment's secret variables.

use std::borrow::Cow;

use aho_corasick::AhoCorasick;
use regex::Regex;

/// Text a secret is replaced with.
pub(crate) const MASK: &str = "[redacted]";

/// Cheap prefixes: a text without any of them (or an environment secret) has nothing to redact.
const HINTS: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "sk-",
    "AKIA",
    "ASIA",
    "xox",
    "hooks.slack.com",
    "eyJ",
    "uthorization",
    "UTHORIZATION",
    "PRIVATE KEY",
];

const SHAPES: &[&str] = &[
    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,255}",
    r"\bgithub_pat_[A-Za-z0-9_]{20,255}",
    r"\bsk-ant-[A-Za-z0-9_\-]{16,}",
    r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
    r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+",
    r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
];

/// Replaces secrets in text.
#[derive(Debug, Clone)]
pub struct Redactor {
    hints: AhoCorasick,
    shapes: Vec<Regex>,
    header: Regex,
    /// (name, value) of secret environment variables, longest value first.
    values: Vec<(String, String)>,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

/// Whether an environment variable's name says it holds a secret.
#[must_use]
pub(crate) fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "KEY", "SECRET", "PASSWORD"]
        .iter()
        .any(|word| upper.contains(word))
}

impl Redactor {
    /// A redactor for the known shapes and these (name, value) secrets; short or empty values
    /// (under 8 characters) are ignored, they would mask ordinary words.
    #[must_use]
    pub fn new(secrets: Vec<(String, String)>) -> Self {
        let mut values: Vec<(String, String)> = secrets
            .into_iter()
            .filter(|(_, v)| v.trim().len() >= 8)
            .map(|(n, v)| (n, v.trim().to_owned()))
            .collect();
        values.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        values.dedup_by(|a, b| a.1 == b.1);
        let mut hints: Vec<String> = HINTS.iter().map(|h| (*h).to_owned()).collect();
        hints.extend(values.iter().map(|(_, v)| v.clone()));
        Self {
            hints: AhoCorasick::new(&hints).expect("literal patterns always build"),
            shapes: SHAPES
                .iter()
                .map(|s| Regex::new(s).expect("fixed patterns compile"))
                .collect(),
            header: Regex::new(
                r"(?i)(authorization\s*[:=]\s*)(?:(?:bearer|token|basic)\s+)?[^\s,;'\x22]+",
            )
            .expect("a fixed pattern compiles"),
            values,
        }
    }

    /// `text` with every secret replaced; borrowed when there was nothing to replace.
    #[must_use]
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.hints.is_match(text) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_owned();
        for (name, value) in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &format!("[redacted {name}]"));
            }
        }
        for shape in &self.shapes {
            if shape.is_match(&out) {
                out = shape.replace_all(&out, MASK).into_owned();
            }
        }
        if self.header.is_match(&out) {
            out = self
                .header
                .replace_all(&out, format!("${{1}}{MASK}"))
                .into_owned();
        }
        if out == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(out)
        }
    }

    /// Redacts every string inside a JSON value, in place; whether anything changed.
    pub fn redact_json(&self, value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(s) => match self.redact(s) {
                Cow::Owned(new) => {
                    *s = new;
                    true
                }
                Cow::Borrowed(_) => false,
            },
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |acc, v| self.redact_json(v) | acc),
            serde_json::Value::Object(map) => map
                .values_mut()
                .fold(false, |acc, v| self.redact_json(v) | acc),
            _ => false,
        }
    }

    /// Whether `text` may hold a secret (the cheap check before [`Self::redact`]).
    #[must_use]
    pub fn may_contain(&self, text: &str) -> bool {
        self.hints.is_match(text)
    }
}

/// Redacts line by line, remembering when a private key block spans lines.
#[derive(Debug, Clone, Default)]
pub struct LineRedactor {
    inside_key: bool,
}

impl LineRedactor {
    pub fn line<'a>(&mut self, redactor: &Redactor, line: &'a str) -> Cow<'a, str> {
        if self.inside_key {
            if line.contains("-----END") && line.contains("PRIVATE KEY-----") {
                self.inside_key = false;
            }
            return Cow::Borrowed(MASK);
        }
        if line.contains("-----BEGIN")
            && line.contains("PRIVATE KEY-----")
            && !line.contains("-----END")
        {
            self.inside_key = true;
            return Cow::Borrowed(MASK);
        }
        redactor.redact(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_redacted() {
        let r = Redactor::new(vec![("DEPLOY_PASSWORD".into(), "hunter2hunter2".into())]);
        for secret in [
            "ghp_0123456789abcdefghijABCDEFGHIJ0123",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123",
            "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
            "AKIAIOSFODNN7EXAMPLE",
            "xoxb-123456789012-abcdefghijkl",
            "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijkl",
            "hunter2hunter2",
        ] {
            let text = format!("before {secret} after");
            let out = r.redact(&text);
            assert!(!out.contains(secret), "{secret} survived: {out}");
            assert!(
                out.starts_with("before ") && out.ends_with(" after"),
                "{out}"
            );
        }
        let header = r.redact("curl -H 'Authorization: Bearer abc.def.ghi' https://x");
        assert_eq!(header, "curl -H 'Authorization: [redacted]' https://x");
        let key =
            r.redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----\nok");
        assert_eq!(key, "[redacted]\nok");
        assert!(matches!(r.redact("nothing to see"), Cow::Borrowed(_)));
    }

    #[test]
    fn private_keys_across_lines() {
        let r = Redactor::default();
        let mut lines = LineRedactor::default();
        let out: Vec<String> = [
            "a",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXk",
            "-----END OPENSSH PRIVATE KEY-----",
            "z",
        ]
        .iter()
        .map(|l| lines.line(&r, l).into_owned())
        .collect();
        assert_eq!(out, ["a", MASK, MASK, MASK, "z"]);
    }

    #[test]
    fn secret_names() {
        assert!(is_secret_name("GITHUB_TOKEN") && is_secret_name("aws_secret_access_key"));
        assert!(is_secret_name("DB_PASSWORD") && is_secret_name("ANTHROPIC_API_KEY"));
        assert!(!is_secret_name("PATH") && !is_secret_name("HOME"));
    }
}
