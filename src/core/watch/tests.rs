use super::config::schema_json;
use super::*;

const GOOD: &str = r#"#:schema fixloop.schema.json
[watch]
poll-seconds = 120
daily-budget-usd = 5.5

[[repo]]
name = "octo-org/wordstat"
workflows = ["CI"]
allowed-bots = ["dependabot[bot]"]
fixers = ["ruff-format", "lint-docs"]

[[repo]]
name = "octo-org/other"
delivery = "suggestion"
approval = "review"

[[fixer]]
name = "lint-docs"
step = "make docs-lint"
run = "make docs-fix"

[notify.slack]
url-env = "SLACK_WEBHOOK_URL"
"#;

#[test]
fn a_full_file_is_read_with_its_defaults() {
    let config = WatchConfig::parse("fixloop.toml", GOOD).unwrap();
    assert_eq!(config.watch.poll_seconds, 120);
    assert_eq!(config.watch.concurrency, 1);
    assert_eq!(config.watch.dispatch, Dispatch::Local);
    let wordstat = config.repo("Octo-Org/WordStat").unwrap();
    assert_eq!(wordstat.attempts, 3);
    assert_eq!(wordstat.delivery, Delivery::PushToPr);
    let fixers: Vec<String> = config
        .fixers_for(wordstat)
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(fixers, ["ruff-format", "lint-docs"]);
    let other = config.repo("octo-org/other").unwrap();
    assert_eq!(
        (other.delivery, other.approval),
        (Delivery::Suggestion, Approval::Review)
    );
    assert_eq!(config.fixers_for(other).len(), BUILT_IN.len() + 1);
    assert!(
        WatchConfig::parse("fixloop.toml", "")
            .unwrap()
            .repos
            .is_empty()
    );
}

/// Each mistake names the file, the line and column, the key, and what to write.
#[test]
fn mistakes_name_their_line_and_key() {
    for (text, line, key, says) in [
        (
            "[watch]\npoll-second = 30\n",
            2,
            Some("poll-second"),
            "unknown field",
        ),
        (
            "[watch]\npoll-seconds = \"often\"\n",
            2,
            None,
            "invalid type",
        ),
        (
            "[watch]\npoll-seconds = 5\n",
            2,
            Some("poll-seconds"),
            "too often",
        ),
        (
            "[[repo]]\nname = \"a/b\"\n\n[[repo]]\nname = \"wordstat\"\n",
            5,
            Some("name"),
            "not owner/name",
        ),
        (
            "[[repo]]\nname = \"a/b\"\n[[repo]]\nname = \"A/B\"\n",
            4,
            Some("name"),
            "listed twice",
        ),
        (
            "[[repo]]\nname = \"a/b\"\nfixers = [\"ruff-fromat\"]\n",
            3,
            Some("fixers"),
            "did you mean `ruff-format`",
        ),
        (
            "[[fixer]]\nname = \"x\"\nstep = \"(\"\nrun = \"y\"\n",
            3,
            Some("step"),
            "not a regular expression",
        ),
        (
            "[[fixer]]\nname = \"black\"\nstep = \"x\"\nrun = \"y\"\n",
            2,
            Some("name"),
            "is taken",
        ),
        (
            "[notify.slack]\nurl-env = \"https://hooks.slack.com/services/T0/B0/XXXX\"\n",
            2,
            Some("url-env"),
            "not the name of an environment variable",
        ),
        (
            "[watch]\nconcurrency = 0\n",
            2,
            Some("concurrency"),
            "0 is out of range",
        ),
        (
            "[[repo]]\nname = \"a/b\"\nconcurrency = 40\n",
            3,
            Some("concurrency"),
            "40 is out of range",
        ),
        ("[watch\n", 1, None, ""),
    ] {
        let e = WatchConfig::parse("fixloop.toml", text).unwrap_err();
        assert_eq!(e.file, "fixloop.toml");
        assert_eq!(e.at.map(|(l, _)| l), Some(line), "{text}: {e}");
        if let Some(key) = key {
            assert_eq!(e.field.as_deref(), Some(key), "{text}: {e}");
        }
        assert!(e.message.contains(says), "{text}: {e}");
        assert!(!e.hint.is_empty());
        assert!(
            !format!("{e} {}", e.hint).contains("XXXX"),
            "no secret repeated: {e}"
        );
    }
}

#[test]
fn the_schema_names_every_section() {
    let schema = schema_json();
    for key in [
        "poll-seconds",
        "allowed-bots",
        "url-env",
        "push-to-pr",
        "daily-budget-usd",
    ] {
        assert!(schema.contains(key), "{key}");
    }
}

fn step(name: &str, command: Option<&str>) -> FailedStep {
    FailedStep {
        job: "lint".into(),
        step: name.into(),
        command: command.map(str::to_owned),
    }
}

fn builtins() -> Vec<FixerSpec> {
    BUILT_IN.iter().map(FixerSpec::from).collect()
}

#[test]
fn a_formatter_step_is_answered_by_its_fixer() {
    let fixers = builtins();
    for (name, command, fixer) in [
        (
            "Check formatting",
            Some("cargo fmt --all -- --check"),
            "cargo-fmt",
        ),
        ("rustfmt", None, "cargo-fmt"),
        ("Lint", Some("ruff check src tests"), "ruff-check"),
        ("Format", Some("ruff format --check ."), "ruff-format"),
        ("Lint with ruff", None, "ruff-check"),
        ("black", Some("black --check --diff ."), "black"),
        ("Prettier", Some("npx prettier --check ."), "prettier"),
        ("gofmt", Some("test -z \"$(gofmt -l .)\""), "gofmt"),
        (
            "pre-commit",
            Some("pre-commit run --all-files"),
            "pre-commit",
        ),
    ] {
        let class = classify(&[step(name, command)], "some output", &fixers);
        assert_eq!(
            class,
            Class::Fixers {
                names: vec![fixer.into()],
                reason: class.reason().to_owned()
            },
            "{name}"
        );
    }
    // One failing step no fixer answers sends the whole run to the pipeline.
    let class = classify(
        &[
            step("Format", Some("cargo fmt --check")),
            step("Test", Some("cargo test")),
        ],
        "test result: FAILED",
        &fixers,
    );
    assert_eq!(class.kind(), "pipeline", "{class:?}");
    assert!(class.reason().contains("`Test`"));
}

#[test]
fn the_machine_failing_is_transient_and_a_missing_secret_is_not_fixable() {
    let fixers = builtins();
    let tests = [step("Test", Some("pytest"))];
    for (log, kind, says) in [
        (
            "2026-11-30T10:00:00.0000000Z ##[error]The runner has received a shutdown signal.",
            "transient",
            "shut down",
        ),
        (
            "npm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/left-pad",
            "transient",
            "503",
        ),
        (
            "error: could not write: No space left on device",
            "transient",
            "disk",
        ),
        (
            "##[error]Input required and not supplied: token",
            "not-fixable",
            "required input",
        ),
        (
            "##[error]Resource not accessible by integration",
            "not-fixable",
            "permission",
        ),
        (
            "Error: the secret DEPLOY_KEY is not set",
            "not-fixable",
            "secret",
        ),
        // A test that prints the words as it fails is a test failure.
        (
            "FAILED tests/test_auth.py::test_login - AssertionError: 'bad credentials' != 'ok'",
            "pipeline",
            "no fixer",
        ),
    ] {
        let class = classify(&tests, log, &fixers);
        assert_eq!(class.kind(), kind, "{log}: {class:?}");
        assert!(class.reason().contains(says), "{log}: {class:?}");
    }
}

#[test]
fn the_failed_steps_script_is_read_from_the_log() {
    let log = "2026-12-01T10:00:00.0000000Z ##[group]Run actions/checkout@v4\n\
               2026-12-01T10:00:00.1000000Z with:\n\
               2026-12-01T10:00:01.0000000Z ##[endgroup]\n\
               2026-12-01T10:00:02.0000000Z ##[group]Run cd crates\n\
               2026-12-01T10:00:02.0000000Z cd crates\n\
               2026-12-01T10:00:02.0000000Z cargo fmt --all -- --check\n\
               2026-12-01T10:00:02.0000000Z shell: /usr/bin/bash -e {0}\n\
               2026-12-01T10:00:02.0000000Z ##[endgroup]\n\
               2026-12-01T10:00:03.0000000Z Diff in src/lib.rs\n\
               2026-12-01T10:00:03.0000000Z ##[error]Process completed with exit code 1.\n\
               2026-12-01T10:00:04.0000000Z ##[group]Run echo later\n";
    assert_eq!(
        failed_step_command(log).as_deref(),
        Some("cd crates\ncargo fmt --all -- --check")
    );
    // A log cut before the script's lines: the group line's first line.
    assert_eq!(
        failed_step_command("##[group]Run ruff check .\n").as_deref(),
        Some("ruff check .")
    );
    assert_eq!(failed_step_command("no steps here"), None);
}
