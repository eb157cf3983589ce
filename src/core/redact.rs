//! Secret redaction: the one function every text passes through before it leaves fixloop's
//! hands (journal, logs, reports, prompts, PRs, commits, the terminal). It knows the shapes of
//! common tokens and keys, the values of the environment's secret variables, and secrets given
//! by a label (`password: …`, `"api_key": "…"`, `token=…`, `--password …`, a URL's password,
//! `.netrc` lines): the label stays, its value is masked.
//!
//! It runs on every event and every log line, so a text is first scanned once for cheap hints,
//! and only the rules a hint announces run.

use std::borrow::Cow;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use regex::{Captures, Regex};

/// Text a secret is replaced with.
pub(crate) const MASK: &str = "[redacted]";

/// Which rules a hint announces (bits of a set).
const SHAPES: u8 = 1;
const HEADER: u8 = 1 << 1;
const LABELS: u8 = 1 << 2;
const OPTIONS: u8 = 1 << 3;
const NETRC_LINES: u8 = 1 << 4;
const BEARER: u8 = 1 << 5;
const URL: u8 = 1 << 6;
const VALUES: u8 = 1 << 7;

/// The rules a word naming a secret announces; which of them apply depends on what follows it.
const WORD: u8 = LABELS | OPTIONS;
const PASSWORD_WORD: u8 = WORD | NETRC_LINES;

/// Cheap substrings (matched ignoring ASCII case): a text without any of them (or an
/// environment secret) has nothing to redact. A label ends with one of the words.
const HINTS: &[(&str, u8)] = &[
    ("ghp_", SHAPES),
    ("gho_", SHAPES),
    ("ghu_", SHAPES),
    ("ghs_", SHAPES),
    ("ghr_", SHAPES),
    ("github_pat_", SHAPES),
    ("sk-", SHAPES),
    ("AKIA", SHAPES),
    ("ASIA", SHAPES),
    ("xox", SHAPES),
    ("hooks.slack.com", SHAPES),
    ("whsec_", SHAPES),
    ("eyJ", SHAPES),
    ("PRIVATE KEY", SHAPES),
    ("uthorization", HEADER),
    ("password", PASSWORD_WORD),
    ("passwd", PASSWORD_WORD),
    ("secret", WORD),
    ("token", WORD),
    ("api_key", WORD),
    ("api-key", WORD),
    ("apikey", WORD),
    ("private_key", WORD),
    ("private-key", WORD),
    ("privatekey", WORD),
    ("access_key", WORD),
    ("access-key", WORD),
    ("accesskey", WORD),
    ("secret_key", WORD),
    ("secret-key", WORD),
    ("secretkey", WORD),
    ("bearer", BEARER),
    ("://", URL),
];

const TOKEN_SHAPES: &[&str] = &[
    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,255}",
    r"\bgithub_pat_[A-Za-z0-9_]{20,255}",
    r"\bsk-ant-[A-Za-z0-9_\-]{16,}",
    r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
    r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+",
    // A Standard Webhooks signing secret: `whsec_` and the key in base64.
    r"\bwhsec_[A-Za-z0-9+/]{16,}={0,2}",
    r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
];

/// An `Authorization` header's value, its scheme included, also as a JSON key (plain or with
/// escaped quotes); group 1 is the header's name and separator.
const HEADER_VALUE: &str = concat!(
    r#"(?i)(authorization\\?['"]?\s*[:=]\s*\\?['"]?)"#,
    r"(?:(?:bearer|token|basic)\s+)?[^\s,;'\x22]+",
);

/// `label = value` and `label: value`, the label ending in a secret's name, possibly quoted
/// (also with JSON's escaped quotes): 1 the label's opening quote, 2 the label, 3 its closing
/// quote, 4 the separator, 5 the value.
const LABELLED: &str = concat!(
    r#"(?i)(?:^|[^a-z0-9_.\-])(\\?["']?)([a-z0-9_.\-]*?(?:password|passwd|secret|token"#,
    r"|api[_\-]?key|private[_\-]?key|access[_\-]?key|secret[_\-]?key))",
    r#"(\\?["']?)([ \t]*[:=][ \t]*)"#,
    r#"(\\?"(?:[^"\\\n]|\\[^"\n])*\\?"|'(?:[^'\\\n]|\\.)*'|[^\s'"`,;&\\]+)"#,
);

/// A command-line option naming a secret, and its value: `--password hunter2`.
const OPTION: &str = concat!(
    r"(?i)(?:^|\s)--[a-z0-9\-]*(?:password|passwd|token|secret|api-?key)[ \t]+",
    r#"("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s'"\-][^\s'"]*)"#,
);

/// `.netrc` lines: `machine h login u password p`, or `password p` alone on its line.
const NETRC: &str = concat!(
    r"(?im)\blogin[ \t]+\S+[ \t]+(?:password|passwd)[ \t]+(\S+)",
    r"|^[ \t]*(?:\d{4}-\d\d-\d\dT[0-9:.]+Z[ \t]+)?(?:password|passwd)[ \t]+(\S+)[ \t]*\r?$",
);

/// A bearer token outside an `Authorization` header.
const BEARER_TOKEN: &str = r"(?i)\bbearer[ \t]+([A-Za-z0-9\-._~+/]+=*)";

/// The password of a URL: `postgres://user:password@host`.
const URL_PASSWORD: &str = r"://[^\s:/@'\x22]*:([^\s@/'\x22]+)@";

/// Replaces secrets in text.
#[derive(Debug, Clone)]
pub struct Redactor {
    hints: AhoCorasick,
    /// What each hint (by its index) announces; environment values come after [`HINTS`].
    announces: Vec<u8>,
    shapes: Vec<Regex>,
    header: Regex,
    labelled: Regex,
    option: Regex,
    netrc: Regex,
    bearer: Regex,
    url: Regex,
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

fn fixed(pattern: &str) -> Regex {
    Regex::new(pattern).expect("fixed patterns compile")
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
        let mut hints: Vec<&str> = HINTS.iter().map(|(h, _)| *h).collect();
        hints.extend(values.iter().map(|(_, v)| v.as_str()));
        let mut announces: Vec<u8> = HINTS.iter().map(|(_, rules)| *rules).collect();
        announces.resize(hints.len(), VALUES);
        Self {
            hints: AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&hints)
                .expect("literal patterns always build"),
            announces,
            shapes: TOKEN_SHAPES.iter().map(|s| fixed(s)).collect(),
            header: fixed(HEADER_VALUE),
            labelled: fixed(LABELLED),
            option: fixed(OPTION),
            netrc: fixed(NETRC),
            bearer: fixed(BEARER_TOKEN),
            url: fixed(URL_PASSWORD),
            values,
        }
    }

    /// The rules the hints in `text` announce (none: nothing to redact).
    fn rules_for(&self, text: &str) -> u8 {
        // Most texts hold no hint: the first search stops at the first one, or finds none with
        // its prefilter; only a text with a hint is searched again for all of them.
        if !self.hints.is_match(text) {
            return 0;
        }
        self.hints.find_overlapping_iter(text).fold(0, |rules, m| {
            let announced = self.announces[m.pattern().as_usize()];
            let words = if announced & WORD == 0 {
                0
            } else {
                announced & after_word(&text[m.end()..])
            };
            rules | (announced & !WORD) | words
        })
    }

    /// `text` with every secret replaced; borrowed when there was nothing to replace.
    #[must_use]
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let rules = self.rules_for(text);
        if rules == 0 {
            return Cow::Borrowed(text);
        }
        let mut out = Cow::Borrowed(text);
        if rules & VALUES != 0 {
            for (name, value) in &self.values {
                if out.contains(value.as_str()) {
                    out = Cow::Owned(out.replace(value.as_str(), &format!("[redacted {name}]")));
                }
            }
        }
        if rules & SHAPES != 0 {
            for shape in &self.shapes {
                replace(&mut out, shape, MASK);
            }
        }
        if rules & HEADER != 0 {
            replace(&mut out, &self.header, &format!("${{1}}{MASK}"));
        }
        if rules & LABELS != 0 {
            mask(&mut out, &self.labelled, labelled_value);
        }
        if rules & OPTIONS != 0 && out.contains("--") {
            mask(&mut out, &self.option, |text, caps| {
                caps.get(1)
                    .map(|m| unquoted(m.range(), m.as_str()))
                    .filter(|span| !is_placeholder(&text[span.clone()]))
            });
        }
        if rules & NETRC_LINES != 0 {
            mask(&mut out, &self.netrc, |_, caps| {
                caps.get(1)
                    .or_else(|| caps.get(2))
                    .filter(|m| !is_placeholder(m.as_str()))
                    .map(|m| m.range())
            });
        }
        if rules & BEARER != 0 {
            mask(&mut out, &self.bearer, |_, caps| {
                caps.get(1)
                    .filter(|m| m.len() >= 8 && m.as_str().bytes().any(|b| b.is_ascii_digit()))
                    .map(|m| m.range())
            });
        }
        if rules & URL != 0 && out.contains('@') {
            mask(&mut out, &self.url, |_, caps| {
                caps.get(1)
                    .filter(|m| !is_placeholder(m.as_str()))
                    .map(|m| m.range())
            });
        }
        // A rule that rewrote a match as it was (a mask over a mask) changed nothing.
        match out {
            Cow::Owned(new) if new == text => Cow::Borrowed(text),
            out => out,
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

    /// Where the hints of a secret are in `bytes` (overlapping ones too), in order of their
    /// end: every secret this redactor masks lies at or near one.
    pub(crate) fn hints_in<'a>(
        &'a self,
        bytes: &'a [u8],
    ) -> impl Iterator<Item = Range<usize>> + 'a {
        self.hints.find_overlapping_iter(bytes).map(|m| m.range())
    }
}

/// The rules a word naming a secret can start, by what follows it: a separator (`:` or `=`,
/// maybe after a closing quote) starts `label: value`; a blank starts `--password value` or a
/// `.netrc` entry; anything else (`tokens`, `password_hash`, `token.`) none.
fn after_word(rest: &str) -> u8 {
    let unquoted = rest.trim_start_matches(['\\', '"', '\'']);
    let next = unquoted.trim_start_matches([' ', '\t']);
    if next.starts_with([':', '=']) {
        LABELS
    } else if next.len() < unquoted.len() {
        OPTIONS | NETRC_LINES
    } else {
        0
    }
}

/// Replaces every match of `regex` in `out` (left borrowed when nothing matches).
fn replace(out: &mut Cow<'_, str>, regex: &Regex, with: &str) {
    let replaced = match regex.replace_all(out, with) {
        Cow::Owned(new) => Some(new),
        Cow::Borrowed(_) => None,
    };
    if let Some(new) = replaced {
        *out = Cow::Owned(new);
    }
}

/// Masks, in each match of `regex`, the span `value` picks from the text (`None` leaves the
/// match as it is).
fn mask(
    out: &mut Cow<'_, str>,
    regex: &Regex,
    value: impl Fn(&str, &Captures<'_>) -> Option<Range<usize>>,
) {
    let text: &str = out;
    let mut masked = String::new();
    let mut last = 0;
    for caps in regex.captures_iter(text) {
        if let Some(span) = value(text, &caps) {
            masked.push_str(&text[last..span.start]);
            masked.push_str(MASK);
            last = span.end;
        }
    }
    if last > 0 {
        masked.push_str(&text[last..]);
        *out = Cow::Owned(masked);
    }
}

/// A value's span without its quotes (plain or JSON-escaped ones).
fn unquoted(span: Range<usize>, value: &str) -> Range<usize> {
    let open = [r#"\""#, "\"", "'"]
        .iter()
        .find(|q| value.starts_with(**q))
        .map_or(0, |q| q.len());
    let close = [r#"\""#, "\"", "'"]
        .iter()
        .find(|q| value.len() >= open + q.len() && value.ends_with(**q))
        .map_or(0, |q| q.len());
    if open == 0 {
        return span;
    }
    span.start + open..span.end - close
}

/// Values that stand for a secret without being one: a variable or template (`$TOKEN`,
/// `${{ secrets.X }}`, `{{ token }}`, `<token>`, `%(password)s`), a mask (`***`, `xxxx`,
/// `[redacted]`), an empty or missing value.
fn is_placeholder(value: &str) -> bool {
    value.starts_with(['$', '%', '<', '{'])
        || value.starts_with("[redacted")
        || value
            .chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '…'))
        || [
            "none",
            "null",
            "nil",
            "true",
            "false",
            "undefined",
            "required",
            "optional",
        ]
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word))
}

/// A name in code: `getpass`, `self.token`, `settings::TOKEN`.
fn is_identifier_path(value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':'))
}

/// A type in a declaration (`token: str`, `password: Option<String>`, `key: u64`).
fn is_type_name(value: &str) -> bool {
    const PRIMITIVES: &[&str] = &[
        "str", "string", "bool", "boolean", "int", "float", "number", "bytes", "char", "any",
        "object", "unknown", "dict", "list", "usize", "isize", "u8", "u16", "u32", "u64", "u128",
        "i8", "i16", "i32", "i64", "i128", "f32", "f64",
    ];
    let value = value.trim_end_matches(['?', ';']);
    let head = value.split(['<', '[']).next().unwrap_or(value);
    let last = head.rsplit([':', '.']).next().unwrap_or(head);
    PRIMITIVES.iter().any(|p| last.eq_ignore_ascii_case(p))
        || is_identifier_path(head)
            && last.starts_with(|c: char| c.is_ascii_uppercase())
            && !head.bytes().any(|b| b.is_ascii_digit())
}

/// Whether the label at byte `at` begins its line (after indentation, a YAML list dash, an
/// `export`, or the timestamp GitHub Actions puts on each log line).
fn starts_line(text: &str, at: usize) -> bool {
    let line = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at];
    let line = match line.split_once(' ') {
        Some((stamp, rest))
            if stamp.starts_with(|c: char| c.is_ascii_digit()) && stamp.ends_with('Z') =>
        {
            rest
        }
        _ => line,
    };
    matches!(line.trim(), "" | "-" | "export" | "set" | "ENV" | "ARG")
}

/// The value to mask of a `label: value` or `label = value` match, or `None` when it is not a
/// secret: prose ("unexpected token: '}'", "reset password: sent"), code (`password =
/// getpass`, `token: str`, `token == other`), a placeholder.
///
/// A bare `password`, `secret` or `token` in the middle of a line is often prose; a compound
/// (`db_password`, `apiKey`), quoted or line-leading label is a key. `password = changeme`
/// reads like Python as much as like an INI file, so a spaced `=` before a plain word is left.
fn labelled_value(text: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let (open, label, close, value) = (caps.get(1)?, caps.get(2)?, caps.get(3)?, caps.get(5)?);
    let separator = caps.get(4)?.as_str();
    let span = unquoted(value.range(), value.as_str());
    let inner = &text[span.clone()];
    // A shell's parameter expansion (`${API_KEY:-none}`, `${TOKEN:?unset}`) names a variable.
    let expansion = text[..open.start()].ends_with("${");
    if inner.is_empty() || is_placeholder(inner) || expansion {
        return None;
    }
    let name = label.as_str();
    let key = !["password", "passwd", "secret", "token"]
        .iter()
        .any(|bare| name.eq_ignore_ascii_case(bare))
        || !open.is_empty()
        || !close.is_empty()
        || starts_line(text, open.start());
    let letters = inner.bytes().any(|b| b.is_ascii_alphabetic());
    if span.len() != value.len() {
        return (key || letters || inner.bytes().any(|b| b.is_ascii_digit())).then_some(span);
    }
    let colon = separator.trim() == ":";
    let spaced = separator.len() > 1;
    let digits = inner.bytes().any(|b| b.is_ascii_digit());
    // An argument or element in code ends with the call's or literal's closing bracket.
    let word = inner.trim_end_matches([')', ']', '}']);
    let code = inner.starts_with(['=', '>'])
        || inner.contains('(')
        || word.eq_ignore_ascii_case(name)
        || colon && is_type_name(inner)
        || !colon && spaced && !digits && is_identifier_path(word);
    if code {
        return None;
    }
    let generated = letters && inner.bytes().any(|b| !b.is_ascii_alphabetic());
    (key || !colon && !spaced || generated).then_some(span)
}

/// Redacts line by line, remembering when a private key block spans lines.
#[derive(Debug, Clone, Default)]
pub struct LineRedactor {
    inside_key: bool,
}

impl LineRedactor {
    /// Whether the lines so far opened a private key block and did not close it: every line
    /// is masked until one does.
    #[must_use]
    pub fn inside_key(&self) -> bool {
        self.inside_key
    }

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
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD+A==",
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

    /// Each label form: the label and what surrounds it stay, the value goes.
    #[test]
    fn labelled_secrets_keep_their_label() {
        let r = Redactor::default();
        for (text, expected) in [
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws_secret_access_key = [redacted]",
            ),
            (
                "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG",
                "export AWS_SECRET_ACCESS_KEY=[redacted]",
            ),
            ("password: hunter2", "password: [redacted]"),
            (
                "db:\n  password: changeme\n",
                "db:\n  password: [redacted]\n",
            ),
            (
                "2026-11-20T10:00:02.0000000Z password: changeme",
                "2026-11-20T10:00:02.0000000Z password: [redacted]",
            ),
            (
                r#"{"user": "bob", "password": "correct horse"}"#,
                r#"{"user": "bob", "password": "[redacted]"}"#,
            ),
            (
                r#"{\"password\":\"s3cr3t\",\"user\":\"bob\"}"#,
                r#"{\"password\":\"[redacted]\",\"user\":\"bob\"}"#,
            ),
            ("passwd=letmein", "passwd=[redacted]"),
            ("api_key: abcd1234efgh", "api_key: [redacted]"),
            (
                "const apiKey = 'abcdef123456';",
                "const apiKey = '[redacted]';",
            ),
            ("APIKEY=abcdef123456", "APIKEY=[redacted]"),
            ("X-Api-Key: 0123456789abcdef", "X-Api-Key: [redacted]"),
            ("secret = 'topsecret'", "secret = '[redacted]'"),
            ("client_secret=GOCSPX-abc123", "client_secret=[redacted]"),
            (
                "GET /v1/items?token=abc123def&user=bob",
                "GET /v1/items?token=[redacted]&user=bob",
            ),
            ("private_key = abc123", "private_key = [redacted]"),
            (
                r#"{"Authorization": "Bearer abc.def"}"#,
                r#"{"Authorization": "[redacted]"}"#,
            ),
            (
                "Authorization: Basic dXNlcjpwYXNz",
                "Authorization: [redacted]",
            ),
            (
                "retrying with Bearer 9f8e7d6c5b4a3f2e",
                "retrying with Bearer [redacted]",
            ),
            (
                "DATABASE_URL=postgres://app:s3cret@db:5432/app",
                "DATABASE_URL=postgres://app:[redacted]@db:5432/app",
            ),
            (
                "redis://:hunter2@cache:6379/0",
                "redis://:[redacted]@cache:6379/0",
            ),
            (
                "machine api.example.com login bob password hunter2",
                "machine api.example.com login bob password [redacted]",
            ),
            (
                "machine api.example.com\n  login bob\n  password hunter2\n",
                "machine api.example.com\n  login bob\n  password [redacted]\n",
            ),
            (
                "mysql --user=root --password hunter2 app",
                "mysql --user=root --password [redacted] app",
            ),
            ("Reset token: a1b2c3d4e5", "Reset token: [redacted]"),
        ] {
            assert_eq!(r.redact(text), expected, "{text}");
        }
        let key =
            r#""private_key": "-----BEGIN PRIVATE KEY-----\nMIIEabc\n-----END PRIVATE KEY-----\n""#;
        assert_eq!(r.redact(key), r#""private_key": "[redacted]\n""#);
    }

    /// Prose, code and placeholders that name a secret without holding one stay as they are.
    #[test]
    fn a_label_without_a_secret_stays() {
        let r = Redactor::default();
        for text in [
            "the password field is required",
            "Reset password: sent an email to bob",
            "SyntaxError: Unexpected token: '}'",
            "error: unexpected token `}` in expression",
            "password = getpass.getpass()",
            "token = request.headers",
            "    password: str",
            "    token: Option<String>,",
            "  api_key: string;",
            "    secret_key: u64,",
            "if token == expected:",
            "token := os.Getenv(\"TOKEN\")",
            "password: ${DB_PASSWORD}",
            "token: ${{ secrets.GITHUB_TOKEN }}",
            "password=$PGPASSWORD psql",
            "\"password\": null",
            "connect(host, password=password)",
            "secrets: inherit",
            "tokens: 5, token_count=3",
            "password_hash = compute(x)",
            "clone https://github.com/acme/app and git@github.com:acme/app.git",
            "Bearer authentication is required",
            "password: ********",
            "Authorization: [redacted]",
            "echo key=${ANTHROPIC_API_KEY:-none} app=${FIXLOOP_APP_TOKEN:-unset}",
            ": \"${GITHUB_TOKEN:?set GITHUB_TOKEN}\" \"${API_KEY:=fallback}\"",
        ] {
            assert!(
                matches!(r.redact(text), Cow::Borrowed(_)),
                "{text} → {}",
                r.redact(text)
            );
        }
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
