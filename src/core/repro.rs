//! The reproduction manifest `repro.json`: how to run a reproduction and how to recognise the CI
//! failure in its output.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{InputError, json_type, nearest, parse_json};
use super::redact::Redactor;

/// One file of the reproduction: `source` is relative to the failure folder, `dest` to the
/// repository root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReproFile {
    pub source: String,
    pub dest: String,
}

/// A validated `repro.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub command: String,
    #[serde(default)]
    pub files: Vec<ReproFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<u32>,
    /// Seconds one run of `command` may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// The check outside the test runner: a plain program that fails while the bug is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckManifest>,
}

/// `repro.json`'s `check`: a plain program in the project's language, no test framework, that
/// exits non-zero while the bug is there. fixloop runs it outside any test runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckManifest {
    pub command: String,
    #[serde(default)]
    pub files: Vec<ReproFile>,
    /// What its failure prints; the reproduction's `signature` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

const FIELDS: &[&str] = &[
    "command",
    "files",
    "signature",
    "runs",
    "jobs",
    "timeout",
    "check",
];
const CHECK_FIELDS: &[&str] = &["command", "files", "signature"];

/// Test runners: a check outside the test runner must not start one.
const RUNNERS: &[&str] = &[
    "pytest",
    "py.test",
    "unittest",
    "nose2",
    "tox",
    "cargo test",
    "cargo nextest",
    "go test",
    "node --test",
    "jest",
    "vitest",
    "mocha",
    "npm test",
    "npm run test",
    "yarn test",
    "pnpm test",
    "rspec",
    "phpunit",
    "mvn test",
    "gradle test",
    "ctest",
];

impl Manifest {
    pub fn parse(file: &str, text: &str) -> Result<Self, InputError> {
        let value = parse_json(file, text)?;
        let Value::Object(map) = &value else {
            return Err(InputError::new(
                file,
                format!("expected a JSON object, found {}", json_type(&value)),
                "write {\"command\": \"...\", \"files\": [...], \"signature\": \"...\"}",
            )
            .at(1, 1));
        };
        check_known_fields(file, text, map, FIELDS)?;
        let command = parse_command(file, text, map)?;
        let files = parse_files(file, text, map)?;
        let signature = parse_signature(file, text, map)?;
        let check = parse_check(file, text, map, &files)?;
        Ok(Self {
            command,
            files,
            signature,
            runs: parse_count(file, text, map, "runs")?,
            jobs: parse_count(file, text, map, "jobs")?,
            timeout: parse_count(file, text, map, "timeout")?.map(u64::from),
            check,
        })
    }

    /// The repository paths the reproduction occupies.
    pub fn dests(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.dest.as_str())
    }
}

type Fields = serde_json::Map<String, Value>;

fn check_known_fields(
    file: &str,
    text: &str,
    map: &Fields,
    known: &[&str],
) -> Result<(), InputError> {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            let hint = nearest(key, known).map_or_else(
                || format!("known fields: {}", known.join(", ")),
                |near| format!("did you mean `{near}`?"),
            );
            return Err(InputError::new(file, "unknown field", hint).field(key, text));
        }
    }
    Ok(())
}

fn parse_command(file: &str, text: &str, map: &Fields) -> Result<String, InputError> {
    match map.get("command") {
        None => Err(InputError::new(
            file,
            "missing required field `command`",
            "add \"command\": the shell command that runs the reproduction from the \
             repository root, e.g. \"python -m pytest tests/repro/test_x.py -x -q\"",
        )
        .at(1, 1)),
        Some(Value::String(c)) if holds_secret(c) => Err(InputError::new(
            file,
            "the command holds what looks like a secret, which fixloop keeps out of its \
             journal and reports (so it could not run the command as written)",
            "leave the value out of the command: the tests read it from the environment they \
             already run in, or from a file among the reproduction's `files`",
        )
        .field("command", text)),
        Some(Value::String(c)) if !c.trim().is_empty() => Ok(c.clone()),
        Some(other) => Err(InputError::new(
            file,
            format!("expected a non-empty string, found {}", describe(other)),
            "write the shell command that runs the reproduction",
        )
        .field("command", text)),
    }
}

/// Whether the redaction every journal line goes through would change `command`: the engine
/// reads its commands back from the journal, so such a command would run changed.
fn holds_secret(command: &str) -> bool {
    Redactor::default().redact(command) != command
}

/// `check`: a command that starts no test runner, and files that go where the reproduction's
/// do not.
fn parse_check(
    file: &str,
    text: &str,
    map: &Fields,
    reproduction: &[ReproFile],
) -> Result<Option<CheckManifest>, InputError> {
    let check = match map.get("check") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(check)) => check,
        Some(other) => {
            return Err(InputError::new(
                file,
                format!("expected an object, found {}", json_type(other)),
                "write \"check\": {\"command\": \"python3 -I fixloop_check/check_x.py\", \
                 \"files\": [{\"source\": \"check/check_x.py\", \"dest\": \
                 \"fixloop_check/check_x.py\"}]}",
            )
            .field("check", text));
        }
    };
    let refuse = |message: String, hint: &str| {
        InputError::new(file, format!("`check`: {message}"), hint).field("check", text)
    };
    check_known_fields(file, text, check, CHECK_FIELDS)?;
    let command = match check.get("command") {
        Some(Value::String(c)) if holds_secret(c) => {
            return Err(refuse(
                "`command` holds what looks like a secret, which fixloop keeps out of its \
                 journal"
                    .into(),
                "leave the value out of the command: the check reads it from a file among its \
                 `files`",
            ));
        }
        Some(Value::String(c)) if !c.trim().is_empty() => c.clone(),
        _ => {
            return Err(refuse(
                "`command` is missing or not a non-empty string".into(),
                "give the shell command that runs the plain program from the repository root",
            ));
        }
    };
    if let Some(runner) = runner_in(&command) {
        return Err(refuse(
            format!("`command` runs the test runner `{runner}`"),
            "the check runs outside any test runner: a plain program run by the language \
             itself, e.g. `python3 -I check.py`, `node check.js`, `cargo run --release --example \
             check`, `go run ./check`",
        ));
    }
    if let Some(debug) = debug_build_in(&command) {
        return Err(refuse(
            format!("`command` builds `{debug}` without `--release`"),
            "a compiled check runs as a release build, unlike the test runner's: add `--release`",
        ));
    }
    let files = parse_files(file, text, check)?;
    if let Some(clash) = files
        .iter()
        .find(|f| reproduction.iter().any(|r| r.dest == f.dest))
    {
        return Err(refuse(
            format!("`{}` is also a file of the reproduction", clash.dest),
            "give the check's files destinations of their own",
        ));
    }
    Ok(Some(CheckManifest {
        command,
        files,
        signature: parse_signature(file, text, check)?,
    }))
}

/// A `cargo run` or `cargo build` in a command that does not ask for a release build.
fn debug_build_in(command: &str) -> Option<&'static str> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let cargo = words
        .windows(2)
        .find(|w| w[0].rsplit('/').next() == Some("cargo") && matches!(w[1], "run" | "build"))?;
    let release = words
        .iter()
        .any(|w| matches!(*w, "--release" | "-r") || w.starts_with("--profile"));
    (!release).then_some(if cargo[1] == "run" {
        "cargo run"
    } else {
        "cargo build"
    })
}

/// The test runner a command starts, if any: a runner's name as a word of the command (or the
/// last part of a path), however the command spaces or chains its parts.
#[must_use]
pub fn runner_in(command: &str) -> Option<&'static str> {
    let lower = command.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`' | '"' | '\'')
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .collect();
    RUNNERS.iter().copied().find(|runner| {
        let parts: Vec<&str> = runner.split_whitespace().collect();
        words
            .windows(parts.len())
            .any(|window| window == parts.as_slice())
    })
}

fn parse_files(file: &str, text: &str, map: &Fields) -> Result<Vec<ReproFile>, InputError> {
    match map.get("files") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_file(file, text, i, item))
            .collect(),
        Some(other) => Err(InputError::new(
            file,
            format!("expected an array, found {}", json_type(other)),
            "write [{\"source\": \"tests/test_x.py\", \"dest\": \"tests/repro/test_x.py\"}]",
        )
        .field("files", text)),
    }
}

/// The signature must compile as a regular expression now, not when the first run is checked.
fn parse_signature(file: &str, text: &str, map: &Fields) -> Result<Option<String>, InputError> {
    match map.get("signature") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            if let Err(e) = regex::Regex::new(s) {
                let first = e.to_string();
                let first = first.lines().last().unwrap_or_default().trim().to_owned();
                return Err(InputError::new(
                    file,
                    format!("not a valid regular expression: {first}"),
                    "escape special characters such as ( ) [ ] . * with a backslash \
                     (written \\\\ in JSON)",
                )
                .field("signature", text));
            }
            Ok(Some(s.clone()))
        }
        Some(other) => Err(InputError::new(
            file,
            format!("expected a string, found {}", json_type(other)),
            "write a regular expression that matches the CI failure, e.g. \"TimeoutError\"",
        )
        .field("signature", text)),
    }
}

/// A count field (`runs`, `jobs`, `timeout`): absent or null, else a whole number of at least 1.
fn parse_count(
    file: &str,
    text: &str,
    map: &Fields,
    name: &str,
) -> Result<Option<u32>, InputError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                InputError::new(
                    file,
                    format!(
                        "expected a whole number of at least 1, found {}",
                        describe(v)
                    ),
                    format!("write a count such as \"{name}\": 3"),
                )
                .field(name, text)
            }),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.trim().is_empty() => "an empty string".into(),
        Value::Number(n) => format!("{n}"),
        other => json_type(other).into(),
    }
}

fn parse_file(file: &str, text: &str, i: usize, item: &Value) -> Result<ReproFile, InputError> {
    let at = |message: String, hint: &str| {
        InputError::new(file, format!("entry {}: {message}", i + 1), hint).field("files", text)
    };
    let Value::Object(map) = item else {
        return Err(at(
            format!("expected an object, found {}", json_type(item)),
            "write {\"source\": \"tests/test_x.py\", \"dest\": \"tests/repro/test_x.py\"}",
        ));
    };
    let get = |key: &str, what: &str| -> Result<String, InputError> {
        match map.get(key).and_then(Value::as_str) {
            Some(p) if !p.trim().is_empty() => check_relative(p).map_err(|why| {
                at(
                    format!("`{key}` {why}"),
                    &format!("give {what} as a relative path"),
                )
            }),
            _ => Err(at(
                format!("`{key}` is missing or not a string"),
                &format!("add \"{key}\": {what}"),
            )),
        }
    };
    let source = get("source", "the file's path inside the failure folder")?;
    let dest = get(
        "dest",
        "where the file goes, relative to the repository root",
    )?;
    // Nothing of fixloop's places a file in git's own folder, whatever case the filesystem keeps.
    if dest
        .split(['/', '\\'])
        .any(|part| part.eq_ignore_ascii_case(".git"))
    {
        return Err(at(
            format!("`dest` `{dest}` lies inside `.git`"),
            "give where the test goes in the working tree, e.g. tests/repro/test_x.py",
        ));
    }
    if let Some(extra) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "source" | "dest"))
    {
        return Err(at(
            format!("unknown key `{extra}`"),
            "each entry has only `source` and `dest`",
        ));
    }
    Ok(ReproFile { source, dest })
}

/// A path must stay inside its root: relative, without `..`.
fn check_relative(path: &str) -> Result<String, String> {
    if path.starts_with('/') || path.starts_with('\\') || path.contains(':') {
        return Err(format!("`{path}` is absolute"));
    }
    if path.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!("`{path}` leaves its folder with `..`"));
    }
    Ok(path.trim_start_matches("./").to_owned())
}

/// Whether a repository path holds tests (by the common conventions of test runners).
#[must_use]
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    lower.split('/').any(|part| {
        matches!(
            part,
            "test" | "tests" | "spec" | "specs" | "__tests__" | "testdata"
        )
    }) || file.starts_with("test_")
        || file.contains("_test.")
        || file.contains(".test.")
        || file.contains(".spec.")
        || file.ends_with("_spec.rb")
        || file.ends_with("tests.rs")
}

/// A line saying the command failed for a reason other than the test's own assertion: it did not
/// build, could not import, or found no test to run.
#[must_use]
pub fn foreign_failure(output: &str) -> Option<String> {
    const SIGNS: &[&str] = &[
        "SyntaxError",
        "IndentationError",
        "ModuleNotFoundError",
        "ImportError",
        "NameError: name",
        "error[E",
        "could not compile",
        "command not found",
        "ERROR: file or directory not found",
        "ERROR: not found:",
        "no tests ran",
        "collected 0 items",
        "Cannot find module",
        "error: no test target named",
        "error: could not find `Cargo.toml`",
        "SyntaxError:",
        "ReferenceError",
        "cannot find package",
        "undefined: ",
        "no test files",
    ];
    output
        .lines()
        .find(|line| SIGNS.iter().any(|sign| line.contains(sign)))
        .map(|line| line.trim().chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_example() {
        let m = Manifest::parse(
            "repro.json",
            r#"{ "command": "python -m pytest tests/repro/test_timeout.py -x -q",
                 "files": [{ "source": "tests/test_timeout.py", "dest": "tests/repro/test_timeout.py" }],
                 "signature": "TimeoutError" }"#,
        )
        .unwrap();
        assert_eq!(m.files[0].dest, "tests/repro/test_timeout.py");
        assert_eq!(m.signature.as_deref(), Some("TimeoutError"));
    }

    #[test]
    fn a_check_outside_the_runner_is_read_with_its_own_files() {
        let m = Manifest::parse(
            "repro.json",
            r#"{"command": "python3 -m pytest -q tests/t.py",
                "files": [{"source": "t.py", "dest": "tests/t.py"}],
                "signature": "returned -1",
                "check": {"command": "python3 -I fixloop_check/c.py",
                          "files": [{"source": "check/c.py", "dest": "fixloop_check/c.py"}]}}"#,
        )
        .unwrap();
        let check = m.check.unwrap();
        assert_eq!(check.files[0].dest, "fixloop_check/c.py");
        assert_eq!(check.signature, None);
        let refused = |check: &str| {
            Manifest::parse(
                "repro.json",
                &format!(
                    r#"{{"command": "x", "files": [{{"source": "t.py", "dest": "tests/t.py"}}],
                        "check": {check}}}"#
                ),
            )
            .unwrap_err()
            .to_string()
        };
        for runner in [
            r#"{"command": "python3 -m pytest -q check.py"}"#,
            r#"{"command": "cd sub &&   cargo   test --release"}"#,
            r#"{"command": "./node_modules/.bin/jest check.js"}"#,
            r#"{"command": "go test ./..."}"#,
            r#"{"command": "node --test check.js"}"#,
        ] {
            let e = refused(runner);
            assert!(
                e.contains("runs the test runner") && e.contains("check"),
                "{e}"
            );
        }
        let clash = refused(
            r#"{"command": "python3 c.py", "files": [{"source": "c.py", "dest": "tests/t.py"}]}"#,
        );
        assert!(clash.contains("also a file of the reproduction"), "{clash}");
        let unknown = refused(r#"{"command": "python3 c.py", "signatur": "x"}"#);
        assert!(unknown.contains("`signatur`: unknown field"), "{unknown}");
        assert!(refused(r#""python3 c.py""#).contains("expected an object"));
        let debug = refused(r#"{"command": "cargo run --quiet --example check"}"#);
        assert!(
            debug.contains("builds `cargo run` without `--release`"),
            "{debug}"
        );
        for plain in [
            "python3 -I fixloop_check/c.py",
            "node fixloop_check/check.js",
            "cargo run --release --quiet --example fixloop_check",
            "go run ./fixloop_check",
        ] {
            assert_eq!(runner_in(plain), None, "{plain}");
        }
    }

    #[test]
    fn test_paths_and_foreign_failures() {
        for path in [
            "tests/test_a.py",
            "pkg/a_test.go",
            "src/a.test.ts",
            "spec/a_spec.rb",
            "test_x.py",
        ] {
            assert!(is_test_path(path), "{path}");
        }
        for path in ["src/lib.rs", "src/testing_utils_impl.rs", "README.md"] {
            assert!(!is_test_path(path), "{path}");
        }
        assert!(foreign_failure("E   ModuleNotFoundError: No module named 'x'").is_some());
        assert!(foreign_failure("error[E0425]: cannot find value `x`").is_some());
        assert!(foreign_failure("assertion `left == right` failed").is_none());
    }

    #[test]
    fn rejects_escaping_paths_and_bad_regexes() {
        let up = Manifest::parse(
            "repro.json",
            r#"{"command": "x", "files": [{"source": "a", "dest": "../etc/passwd"}]}"#,
        )
        .unwrap_err();
        assert!(up.message.contains("`..`"), "{up}");
        for dest in [
            ".git/hooks/pre-commit",
            "a/.git/config",
            ".GIT/x",
            "sub\\\\.git\\\\x",
        ] {
            let text =
                format!(r#"{{"command": "x", "files": [{{"source": "a", "dest": "{dest}"}}]}}"#);
            let e = Manifest::parse("repro.json", &text).unwrap_err();
            assert!(e.message.contains("lies inside `.git`"), "{dest}: {e}");
            assert_eq!(e.field.as_deref(), Some("files"));
        }
        let ok = r#"{"command": "x", "files": [{"source": "a", "dest": "tests/.github/x.py"}]}"#;
        assert!(Manifest::parse("repro.json", ok).is_ok());
        let re =
            Manifest::parse("repro.json", r#"{"command": "x", "signature": "foo("}"#).unwrap_err();
        assert_eq!(re.field.as_deref(), Some("signature"));
    }

    /// A command the journal's redaction would change is refused, since the command run later
    /// is the one read back from the journal; shell expansions that only name a secret pass.
    #[test]
    fn a_command_holding_a_secret_is_refused() {
        let e = Manifest::parse(
            "repro.json",
            r#"{"command": "DB_PASSWORD=hunter2 pytest tests/t.py"}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("looks like a secret"), "{e}");
        assert_eq!(e.field.as_deref(), Some("command"));
        assert!(
            !e.to_string().contains("hunter2"),
            "the error does not repeat it: {e}"
        );
        let check = r#"{"command": "pytest t.py", "files": [{"source": "c.py", "dest": "c/c.py"}],
            "check": {"command": "python3 c/c.py --token ghp_0123456789abcdefghij0123456789",
                      "files": [{"source": "k.py", "dest": "k/k.py"}]}}"#;
        let e = Manifest::parse("repro.json", check).unwrap_err();
        assert!(e.message.contains("looks like a secret"), "{e}");
        assert!(
            Manifest::parse(
                "repro.json",
                r#"{"command": "TOKEN=${TOKEN:-none} DB_PASSWORD=$DB_PASSWORD pytest t.py"}"#
            )
            .is_ok()
        );
    }
}
