//! The real Claude Code CLI (from npm), with no credentials, on the demo repository: fixloop must
//! say it is not logged in and exit 69 within 15 seconds, with a `failed` report.
//!
//! `.ci/run` installs the CLI into `target/ci-tools/`; `FIXLOOP_REAL_CLAUDE` may name another
//! binary. In CI (`CI` set) a missing CLI fails the test; elsewhere it is reported and skipped.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Sandbox, make_executable, write};

fn real_claude() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FIXLOOP_REAL_CLAUDE") {
        return Some(PathBuf::from(path));
    }
    let local =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-tools/node_modules/.bin/claude");
    if local.is_file() {
        return Some(local);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("claude"))
            .find(|p| p.is_file())
    })
}

#[test]
fn the_real_claude_cli_without_credentials_ends_in_69_within_15_seconds() {
    let Some(claude) = real_claude() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the real claude CLI: `bash .ci/run` installs it into target/ci-tools"
        );
        eprintln!("skipped: the real claude CLI is not installed (bash .ci/run installs it)");
        return;
    };
    let sandbox = Sandbox::new();
    let root = sandbox.path().join("demo");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let repo = runtime
        .block_on(fixloop::commands::demo::create_project(&root))
        .unwrap();
    write(
        &repo.join("ci.log"),
        "test tests::counts_words_across_lines ... FAILED\nthread 'tests::counts_words_across_lines' panicked at src/lib.rs:27:9:\nassertion `left == right` failed\n  left: 2\n right: 3\n",
    );
    sandbox.info(
        &repo,
        &json!({
            "prompt": "CI fails in tests::counts_words_across_lines.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "word-count",
        }),
    );
    // Put the real binary first on PATH under its own name.
    let bin = sandbox.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let shim = bin.join("claude");
    write(
        &shim,
        &format!("#!/bin/sh\nexec '{}' \"$@\"\n", claude.display()),
    );
    make_executable(&shim);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    let started = Instant::now();
    let output = sandbox
        .fixloop(&repo)
        .args(["run", "--headless", "--agent", "claude"])
        .env("PATH", path)
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("CLAUDE_CODE_OAUTH_TOKEN")
        .output()
        .unwrap();
    let took = started.elapsed();
    let run = support::Run {
        output,
        workspace: repo,
    };
    assert_eq!(run.code(), 69, "{}\n{}", run.stdout(), run.stderr());
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(
        run.stdout().contains(
            "Claude Code is not logged in: run `claude` once to log in, or set ANTHROPIC_API_KEY"
        ),
        "{}",
        run.stdout()
    );
    assert_eq!(run.report()["status"], "failed");
}
