//! `fixloop demo`: a scratch git repository with a small Rust crate whose CI genuinely fails,
//! a local bare remote, and a scripted agent (`fixloop demo-agent`) that writes a reproduction and
//! a real fix. The whole pipeline then runs on it with nothing but git and cargo.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::CommandError;
use super::setup::prepare;
use crate::adapters::git::Git;
use crate::cli::{AgentArg, DemoArgs, FrontArgs, RunArgs, TargetArgs};
use crate::core::exit::ExitCode;
use crate::core::policy::Approve;

const CARGO_TOML: &str = r#"[package]
name = "wordstat"
version = "0.1.0"
edition = "2021"

[dependencies]
"#;

const LIB_RS: &str = r#"//! Word statistics for short texts.

/// The number of words in `text`.
pub fn word_count(text: &str) -> usize {
    text.split(' ').filter(|word| !word.is_empty()).count()
}

/// The longest word in `text`, if any.
pub fn longest_word(text: &str) -> Option<&str> {
    text.split_whitespace().max_by_key(|word| word.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_separated_by_spaces() {
        assert_eq!(word_count("one two  three"), 3);
    }

    #[test]
    fn counts_words_across_lines() {
        assert_eq!(word_count("one two\nthree"), 3);
    }

    #[test]
    fn finds_the_longest_word() {
        assert_eq!(longest_word("a quick fox"), Some("quick"));
    }
}
"#;

const BUGGY_LINE: &str = "text.split(' ').filter(|word| !word.is_empty()).count()";
const FIXED_LINE: &str = "text.split_whitespace().count()";

const REPRO_TEST: &str = r#"//! Reproduces `tests::counts_words_across_lines` from CI: a newline separates words.

#[test]
fn a_newline_separates_words() {
    assert_eq!(wordstat::word_count("one two\nthree"), 3);
}
"#;

/// The reproduction's check outside the test runner: a plain program, built in release.
const CHECK_PROGRAM: &str = r#"//! Checks outside any test runner that a newline separates words.

fn main() {
    let counted = wordstat::word_count("one two\nthree");
    if counted != 3 {
        eprintln!("word_count(\"one two\\nthree\"): left: {counted}\n right: 3");
        std::process::exit(1);
    }
}
"#;

/// The tests a fresh session writes after the fix, with inputs of its own.
const AFTER_TEST: &str = r#"//! Written after the fix, without seeing it: any whitespace separates words.

#[test]
fn tabs_and_newlines_separate_words() {
    assert_eq!(wordstat::word_count("a\tb\nc d"), 4);
    assert_eq!(wordstat::word_count("one\n\ntwo"), 2);
}
"#;

async fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String, CommandError> {
    Git::run_in(dir, args, env)
        .await
        .map_err(|e| CommandError::new(ExitCode::Failed, format!("demo setup: {e}")))
}

fn write(path: &Path, text: &str) -> Result<(), CommandError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CommandError::new(ExitCode::Failed, format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| CommandError::new(ExitCode::Failed, format!("{}: {e}", path.display())))
}

/// Creates the demo project in `root`; returns the repository path.
pub async fn create_project(root: &Path) -> Result<PathBuf, CommandError> {
    let repo = root.join("wordstat");
    let origin = root.join("origin.git");
    std::fs::create_dir_all(&repo)
        .map_err(|e| CommandError::new(ExitCode::Failed, format!("{}: {e}", repo.display())))?;
    git(
        root,
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            "origin.git",
        ],
        &[],
    )
    .await?;
    git(&repo, &["init", "--quiet", "--initial-branch=main"], &[]).await?;
    git(&repo, &["config", "user.name", "Demo User"], &[]).await?;
    git(&repo, &["config", "user.email", "demo@example.com"], &[]).await?;
    let ada = [
        ("GIT_AUTHOR_NAME", "Ada Lovelace"),
        ("GIT_AUTHOR_EMAIL", "ada@example.com"),
    ];
    let grace = [
        ("GIT_AUTHOR_NAME", "Grace Hopper"),
        ("GIT_AUTHOR_EMAIL", "grace@example.com"),
    ];
    write(&repo.join("Cargo.toml"), CARGO_TOML)?;
    write(
        &repo.join(".gitignore"),
        "/target\n/Cargo.lock\n/outputs\n/ci.log\n",
    )?;
    write(
        &repo.join("src/lib.rs"),
        &LIB_RS.replace(BUGGY_LINE, "text.split_whitespace().count()"),
    )?;
    git(&repo, &["add", "-A"], &[]).await?;
    git(&repo, &["commit", "--quiet", "-m", "Word statistics"], &ada).await?;
    write(&repo.join("src/lib.rs"), LIB_RS)?;
    git(
        &repo,
        &["commit", "--quiet", "-am", "Count words without allocating"],
        &grace,
    )
    .await?;
    let origin_url = origin.to_string_lossy().into_owned();
    git(&repo, &["remote", "add", "origin", &origin_url], &[]).await?;
    git(&repo, &["push", "--quiet", "origin", "main"], &[]).await?;
    git(&repo, &["remote", "set-head", "origin", "main"], &[]).await?;
    Ok(repo)
}

/// Runs the demo project's test suite the way CI did, and returns a GitHub-style job log.
async fn ci_log(repo: &Path) -> Result<String, CommandError> {
    let output = tokio::process::Command::new("cargo")
        .args(["test", "--color", "never"])
        .current_dir(repo)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .await
        .map_err(|e| {
            CommandError::new(
                ExitCode::Unavailable,
                format!("the demo needs cargo on PATH: {e}"),
            )
        })?;
    if output.status.success() {
        return Err(CommandError::new(
            ExitCode::Failed,
            "demo setup: the demo's test suite unexpectedly passed",
        ));
    }
    let stamp = "2026-11-21T09:14:03.5120000Z";
    let mut log =
        format!("{stamp} ##[group]Run cargo test\n{stamp} cargo test\n{stamp} ##[endgroup]\n");
    for stream in [&output.stderr, &output.stdout] {
        for line in String::from_utf8_lossy(stream).lines() {
            let _ = writeln!(log, "{stamp} {line}");
        }
    }
    let _ = writeln!(
        log,
        "{stamp} ##[error]Process completed with exit code 101."
    );
    Ok(log)
}

pub async fn demo(args: DemoArgs) -> Result<ExitCode, CommandError> {
    let root = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            let base = std::env::temp_dir().join(format!(
                "fixloop-demo-{}",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            ));
            let mut root = base.clone();
            let mut n = 2;
            while root.exists() {
                root = PathBuf::from(format!("{}-{n}", base.display()));
                n += 1;
            }
            root
        }
    };
    if root.join("wordstat").exists() {
        return Err(CommandError::new(
            ExitCode::Usage,
            format!(
                "{} already holds a demo: choose another --dir",
                root.display()
            ),
        ));
    }
    println!("Creating the demo project in {} …", root.display());
    let repo = create_project(&root).await?;
    write(&repo.join("ci.log"), &ci_log(&repo).await?)?;
    let info = serde_json::json!({
        "prompt": "CI fails in tests::counts_words_across_lines: word_count must treat any \
                   whitespace, including newlines, as a word separator.",
        "deterministic": true,
        "raw-logs": "ci.log",
        "name": "word-count-newlines",
    });
    write(
        &repo.join("info.json"),
        &(serde_json::to_string_pretty(&info).unwrap_or_default() + "\n"),
    )?;
    let headless = args.headless || !super::run::interactive_terminal();
    let exe = std::env::current_exe().map_err(|e| {
        CommandError::new(
            ExitCode::Failed,
            format!("cannot find fixloop's own path: {e}"),
        )
    })?;
    let run_args = RunArgs {
        target: TargetArgs {
            info: Some(repo.join("info.json")),
            agent: Some(AgentArg::Command),
            agent_cmd: Some(format!("'{}' demo-agent", exe.display())),
            ..TargetArgs::default()
        },
        front: FrontArgs {
            headless,
            approve: Some(Approve::Verified),
            json: args.json,
        },
        no_pr: true,
        attempts: 3,
        ..RunArgs::default()
    };
    let prepared = prepare(&run_args.target).await?;
    let code = Box::pin(super::run::start(prepared, &run_args, headless)).await?;
    if !args.json {
        println!();
        println!("Scratch repository: {}", repo.display());
        println!("Local remote:       {}", root.join("origin.git").display());
        println!("Reports:            {}", repo.join("outputs").display());
        println!(
            "See the fix:        git -C {} log -p -1 fix/word-count-newlines",
            repo.display()
        );
    }
    Ok(code)
}

/// The demo's scripted agent: speaks Claude Code's stream-json so fixloop shows it like a real
/// agent, and does the step for real (a reproduction, then the fix).
pub fn demo_agent() -> Result<ExitCode, CommandError> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let phase = var("FIXLOOP_PHASE");
    let failure_dir = PathBuf::from(var("FIXLOOP_FAILURE_DIR"));
    let workdir = PathBuf::from(var("FIXLOOP_WORKDIR"));
    let attempt = var("FIXLOOP_ATTEMPT");
    let session = format!("demo-{phase}-session");
    let say = |value: serde_json::Value| println!("{value}");
    say(
        serde_json::json!({"type": "system", "subtype": "init", "session_id": session, "model": "scripted-demo"}),
    );
    let text = |t: &str| serde_json::json!({"type": "assistant", "message": {"content": [{"type": "text", "text": t}]}});
    let tool = |name: &str, input: serde_json::Value| serde_json::json!({"type": "assistant", "message": {"content": [{"type": "tool_use", "name": name, "input": input}]}});
    let feedback = var("FIXLOOP_FEEDBACK");
    if !feedback.is_empty() {
        say(text(&format!(
            "Attempt {attempt}, reviewer feedback: {feedback}"
        )));
    }
    let io = Demo {
        say: &say,
        text: &text,
        tool: &tool,
        var: &var,
    };
    match phase.as_str() {
        "reproduce" => demo_reproduce(&io, &failure_dir)?,
        "fix" => demo_fix(&io, &failure_dir, &workdir)?,
        "check" => demo_check(&io, &failure_dir)?,
        other => {
            eprintln!("demo-agent: unknown FIXLOOP_PHASE `{other}`");
            return Ok(ExitCode::Usage);
        }
    }
    say(
        serde_json::json!({"type": "result", "subtype": "success", "is_error": false, "num_turns": 4, "total_cost_usd": 0.0, "session_id": session}),
    );
    Ok(ExitCode::Success)
}

type Json = serde_json::Value;

/// What the demo agent's steps print with: stream-json lines, text and tool calls, and the
/// environment fixloop gave it.
struct Demo<'a> {
    say: &'a dyn Fn(Json),
    text: &'a dyn Fn(&str) -> Json,
    tool: &'a dyn Fn(&str, Json) -> Json,
    var: &'a dyn Fn(&str) -> String,
}

fn demo_reproduce(io: &Demo<'_>, failure_dir: &Path) -> Result<(), CommandError> {
    let Demo {
        say,
        text,
        tool,
        var,
    } = *io;
    say(tool(
        "Read",
        serde_json::json!({"file_path": var("FIXLOOP_LOG_EXCERPT")}),
    ));
    say(text(
        "CI's failing test is tests::counts_words_across_lines: word_count(\"one two\\nthree\") returns 2.",
    ));
    let test = failure_dir.join("tests/repro_word_count.rs");
    say(tool(
        "Write",
        serde_json::json!({"file_path": test.display().to_string()}),
    ));
    write(&test, REPRO_TEST)?;
    write(&failure_dir.join("check/fixloop_check.rs"), CHECK_PROGRAM)?;
    let manifest = serde_json::json!({
        "command": "cargo test --quiet --test repro_word_count",
        "files": [{"source": "tests/repro_word_count.rs", "dest": "tests/repro_word_count.rs"}],
        "signature": "left: 2\\s+right: 3",
        "check": {
            "command": "cargo run --release --quiet --example fixloop_check",
            "files": [{"source": "check/fixloop_check.rs", "dest": "examples/fixloop_check.rs"}],
        },
    });
    write(
        &failure_dir.join("repro.json"),
        &(serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n"),
    )?;
    write(
        &failure_dir.join("README.md"),
        "# word_count ignores newlines\n\nCI's `tests::counts_words_across_lines` fails: \
             `word_count(\"one two\\nthree\")` is 2, not 3. `tests/repro_word_count.rs` calls \
             `word_count` on the same input from an integration test, and fails with the same \
             assertion (`left: 2, right: 3`).\n\nRun it: `cargo test --test repro_word_count`.\n",
    )?;
    say(tool(
        "Bash",
        serde_json::json!({"command": "cargo test --test repro_word_count"}),
    ));
    say(text("The reproduction fails like CI: left 2, right 3."));
    Ok(())
}

fn demo_fix(io: &Demo<'_>, failure_dir: &Path, workdir: &Path) -> Result<(), CommandError> {
    let Demo {
        say, text, tool, ..
    } = *io;
    let lib = workdir.join("src/lib.rs");
    say(tool(
        "Read",
        serde_json::json!({"file_path": lib.display().to_string()}),
    ));
    let source = std::fs::read_to_string(&lib)
        .map_err(|e| CommandError::new(ExitCode::Failed, format!("{}: {e}", lib.display())))?;
    say(text(
        "word_count splits on ' ' only, so a newline or tab does not end a word.",
    ));
    say(tool(
        "Edit",
        serde_json::json!({"file_path": lib.display().to_string()}),
    ));
    write(&lib, &source.replace(BUGGY_LINE, FIXED_LINE))?;
    write(
        &failure_dir.join("ROOT_CAUSE.md"),
        "`word_count` split the text on the space character only (`split(' ')`), so any \
             other whitespace — a newline, a tab — did not separate words: `\"one two\\nthree\"` \
             counted 2. The commit \"Count words without allocating\" introduced it when it \
             replaced `split_whitespace`.\n\nThe fix goes back to `split_whitespace()`, which \
             splits on every Unicode whitespace run and never yields empty words, so the \
             filter is no longer needed.\n",
    )?;
    say(tool("Bash", serde_json::json!({"command": "cargo test"})));
    say(text("Fixed: word_count now uses split_whitespace."));
    Ok(())
}

fn demo_check(io: &Demo<'_>, failure_dir: &Path) -> Result<(), CommandError> {
    let Demo {
        say, text, tool, ..
    } = *io;
    say(text(
        "Without seeing the fix: any whitespace must separate words, not only a newline.",
    ));
    let test = failure_dir.join("fixloop_after_word_count.rs");
    say(tool(
        "Write",
        serde_json::json!({"file_path": test.display().to_string()}),
    ));
    write(&test, AFTER_TEST)?;
    let manifest = serde_json::json!({
        "command": "cargo test --quiet --test fixloop_after_word_count",
        "files": [{"source": "fixloop_after_word_count.rs", "dest": "tests/fixloop_after_word_count.rs"}],
    });
    write(
        &failure_dir.join("tests.json"),
        &(serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n"),
    )?;
    say(text(
        "Written: tabs and blank lines, inputs the reproduction does not use.",
    ));
    Ok(())
}
