//! The malformed-input corpus (`tests/fixtures/malformed/`): every file makes `fixloop validate`
//! exit 65 with the file's name, the field or line:column, and a hint.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use support::{Sandbox, write};

fn corpus(kind: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/malformed")
        .join(kind);
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

/// What each case's message must say, besides the file name and a hint.
fn expected(kind: &str) -> BTreeMap<&'static str, &'static str> {
    let cases: &[(&str, &str)] = if kind == "info" {
        &[
            ("empty.json", "the file is empty"),
            ("not-json.json", ":1:1: invalid JSON"),
            ("trailing-comma.json", ":5:1: invalid JSON: trailing comma"),
            ("array.json", ":1:1: expected a JSON object, found an array"),
            ("missing-prompt.json", "missing required field `prompt`"),
            (
                "missing-deterministic.json",
                "missing required field `deterministic`",
            ),
            (
                "deterministic-yes.json",
                ":3:3: field `deterministic`: expected a boolean",
            ),
            ("deterministic-quoted.json", "write true without quotes"),
            (
                "typo-raw-log.json",
                ":4:3: field `raw_log`: unknown field\n  hint: did you mean `raw-logs`?",
            ),
            (
                "url-and-raw-logs.json",
                "field `raw-logs`: both `url` and `raw-logs` are set",
            ),
            ("no-logs.json", "no failure to work from"),
            (
                "pull-request-url.json",
                ":4:3: field `url`: `https://github.com/acme/app/pull/3` is not a GitHub Actions run URL",
            ),
            ("bad-name.json", ":5:3: field `name`:"),
            (
                "zero-iterations.json",
                ":5:3: field `iterations`: expected a whole number of at least 1",
            ),
            ("unknown-agent.json", "field `agent`: unknown agent \"gpt\""),
            (
                "labels-not-a-list.json",
                "field `labels`: expected a list of strings, found a string",
            ),
            (
                "command-without-cmd.json",
                "field `agent`: `agent` is \"command\" but no `agent-cmd` is given",
            ),
            (
                "empty-prompt.json",
                ":2:3: field `prompt`: the prompt is empty",
            ),
            (
                "bad-base-branch.json",
                "field `base-branch`: `my branch` is not a valid branch name",
            ),
        ]
    } else {
        &[
            ("missing-command.json", "missing required field `command`"),
            (
                "empty-command.json",
                ":2:3: field `command`: expected a non-empty string, found an empty string",
            ),
            (
                "files-not-a-list.json",
                "field `files`: expected an array, found a string",
            ),
            (
                "dest-escapes.json",
                "field `files`: entry 1: `dest` `../../outside.py` leaves its folder with `..`",
            ),
            (
                "dest-absolute.json",
                "field `files`: entry 1: `dest` `/etc/t.py` is absolute",
            ),
            (
                "bad-signature.json",
                ":3:3: field `signature`: not a valid regular expression",
            ),
            (
                "typo-comand.json",
                "field `comand`: unknown field\n  hint: did you mean `command`?",
            ),
            (
                "negative-runs.json",
                "field `runs`: expected a whole number of at least 1, found -5",
            ),
            (
                "source-missing.json",
                "field `files`: `tests/nope.py` does not exist",
            ),
            ("syntax.json", ":3:3: invalid JSON"),
        ]
    };
    cases.iter().copied().collect()
}

fn check(kind: &str, file: &str, code: Option<i32>, stderr: &str, shown_path: &str) {
    let expect = expected(kind)[file];
    assert_eq!(code, Some(65), "{kind}/{file}: exit code\n{stderr}");
    assert!(stderr.starts_with("error: "), "{kind}/{file}: {stderr}");
    assert!(
        stderr.contains(shown_path),
        "{kind}/{file}: names the file {shown_path}:\n{stderr}"
    );
    assert!(
        stderr.contains(expect),
        "{kind}/{file}: expected `{expect}` in:\n{stderr}"
    );
    assert!(
        stderr.contains("\n  hint: "),
        "{kind}/{file}: gives a hint:\n{stderr}"
    );
}

#[test]
fn every_malformed_info_json_exits_65_with_place_and_hint() {
    let sandbox = Sandbox::new();
    let files = corpus("info");
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        expected("info").keys().copied().collect::<Vec<_>>(),
        "every corpus file has an expectation"
    );
    for (file, text) in &files {
        let path = sandbox.path().join(file);
        write(&path, text);
        let out = sandbox
            .fixloop(sandbox.path())
            .args(["validate", "--info", &path.display().to_string()])
            .output()
            .unwrap();
        check(
            "info",
            file,
            out.status.code(),
            &String::from_utf8_lossy(&out.stderr),
            &path.display().to_string(),
        );
    }
}

#[test]
fn every_malformed_repro_json_exits_65_with_place_and_hint() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let files = corpus("repro");
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        expected("repro").keys().copied().collect::<Vec<_>>(),
    );
    for (file, text) in &files {
        let folder = repo
            .join("reproduce-deterministic-failures")
            .join(file.trim_end_matches(".json"));
        write(&folder.join("tests/t.py"), "assert False\n");
        write(&folder.join("repro.json"), text);
        sandbox.info(
            &repo,
            &json!({
                "prompt": "fix it",
                "deterministic": true,
                "existing-test-path": folder.display().to_string(),
            }),
        );
        let out = sandbox.fixloop(&repo).args(["validate"]).output().unwrap();
        let shown = folder.join("repro.json").display().to_string();
        check(
            "repro",
            file,
            out.status.code(),
            &String::from_utf8_lossy(&out.stderr),
            &shown,
        );
    }
}
