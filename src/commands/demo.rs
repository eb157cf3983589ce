//! `fixloop demo`: a scratch git repository with a small Rust crate whose CI genuinely fails,
//! a local bare remote, and a scripted agent (`fixloop demo-agent`) that writes a reproduction and
//! a real fix. The whole pipeline then runs on it with nothing but git and cargo. `--flaky` does
//! the same for a test that fails about one run in three: a lost update between two threads.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::CommandError;
use super::output::print_bytes;
use super::setup::prepare;
use crate::adapters::git::Git;
use crate::cli::{AgentArg, DemoAgentArgs, DemoArgs, FrontArgs, RunArgs, TargetArgs};
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

/// The flaky demo's crate: `total_words` counts each text on its own thread, and adds to the
/// total with a read, a pause and a write, so two threads that overlap lose one's count.
const FLAKY_LIB_RS: &str = r#"//! Word statistics for short texts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// The number of words in `text`.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The number of words in all of `texts`, each counted on a thread of its own.
pub fn total_words(texts: &[&str]) -> usize {
    let total = AtomicUsize::new(0);
    thread::scope(|scope| {
        for text in texts {
            let total = &total;
            scope.spawn(move || {
                let words = word_count(text);
                thread::sleep(pause());
                let seen = total.load(Ordering::SeqCst);
                thread::sleep(Duration::from_micros(300));
                total.store(seen + words, Ordering::SeqCst);
            });
        }
    });
    total.into_inner()
}

/// Up to 2 ms, different on every call: the time real work on a text would take.
fn pause() -> Duration {
    use std::hash::{BuildHasher, RandomState};
    Duration::from_micros(RandomState::new().hash_one(0_u8) % 2_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_separated_by_whitespace() {
        assert_eq!(word_count("one two\nthree"), 3);
    }

    #[test]
    fn totals_the_words_of_every_text() {
        assert_eq!(total_words(&["one two", "three"]), 3, "a text's count was lost");
    }
}
"#;

/// The flaky crate before the race: one thread counts every text.
const FLAKY_LIB_BEFORE: &str = r"//! Word statistics for short texts.

/// The number of words in `text`.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The number of words in all of `texts`.
pub fn total_words(texts: &[&str]) -> usize {
    texts.iter().map(|text| word_count(text)).sum()
}
";

const RACY_ADD: &str = "let seen = total.load(Ordering::SeqCst);
                thread::sleep(Duration::from_micros(300));
                total.store(seen + words, Ordering::SeqCst);";
const ATOMIC_ADD: &str = "total.fetch_add(words, Ordering::SeqCst);";

const FLAKY_REPRO_TEST: &str = r#"//! Reproduces the intermittent `tests::totals_the_words_of_every_text` from CI: now and then
//! one text's count is missing from the total.

#[test]
fn no_text_count_is_lost() {
    assert_eq!(wordstat::total_words(&["one two", "three"]), 3, "a text's count was lost");
}
"#;

const FLAKY_AFTER_TEST: &str = r#"//! Written after the fix, without seeing it: many texts at once, many times, none lost.

#[test]
fn many_texts_add_up_every_time() {
    let texts = ["a b", "c", "d e f", "g", "h i"];
    for round in 1..=50 {
        assert_eq!(wordstat::total_words(&texts), 9, "round {round}");
    }
}
"#;

/// Which failure the demo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// A test that fails every time: `word_count` ignores newlines.
    Deterministic,
    /// A test that fails about one run in three: a lost update between threads.
    Flaky,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::Deterministic => "word-count-newlines",
            Self::Flaky => "total-words-lost-update",
        }
    }
}

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
    create_scenario(root, Scenario::Deterministic).await
}

/// Creates the project of `scenario` in `root`: a good commit, then the one that broke it.
async fn create_scenario(root: &Path, scenario: Scenario) -> Result<PathBuf, CommandError> {
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
    let (good, broken, message) = match scenario {
        Scenario::Deterministic => (
            LIB_RS.replace(BUGGY_LINE, FIXED_LINE),
            LIB_RS,
            "Count words without allocating",
        ),
        Scenario::Flaky => (
            FLAKY_LIB_BEFORE.to_owned(),
            FLAKY_LIB_RS,
            "Count each text on a thread of its own",
        ),
    };
    write(&repo.join("src/lib.rs"), &good)?;
    git(&repo, &["add", "-A"], &[]).await?;
    git(&repo, &["commit", "--quiet", "-m", "Word statistics"], &ada).await?;
    write(&repo.join("src/lib.rs"), broken)?;
    git(&repo, &["commit", "--quiet", "-am", message], &grace).await?;
    let origin_url = origin.to_string_lossy().into_owned();
    git(&repo, &["remote", "add", "origin", &origin_url], &[]).await?;
    git(&repo, &["push", "--quiet", "origin", "main"], &[]).await?;
    git(&repo, &["remote", "set-head", "origin", "main"], &[]).await?;
    Ok(repo)
}

/// How many times the flaky demo's suite may pass before its CI log is given up on; at about
/// one failure in three, 30 passes in a row happen once in 160 000 demos.
const FLAKY_CI_TRIES: u32 = 30;

/// Runs the demo project's test suite the way CI did, until it fails, and returns a
/// GitHub-style job log of the failing run.
async fn ci_log(repo: &Path, scenario: Scenario) -> Result<String, CommandError> {
    let tries = match scenario {
        Scenario::Deterministic => 1,
        Scenario::Flaky => FLAKY_CI_TRIES,
    };
    let mut failed = None;
    for _ in 0..tries {
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
        if !output.status.success() {
            failed = Some(output);
            break;
        }
    }
    let Some(output) = failed else {
        return Err(CommandError::new(
            ExitCode::Failed,
            format!("demo setup: the demo's test suite passed {tries} times out of {tries}"),
        ));
    };
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

/// The folder the demo is made in: `--dir`, else a new one in the temp dir.
fn demo_root(dir: Option<&PathBuf>) -> PathBuf {
    if let Some(dir) = dir {
        return dir.clone();
    }
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

pub async fn demo(args: DemoArgs) -> Result<ExitCode, CommandError> {
    let root = demo_root(args.dir.as_ref());
    if root.join("wordstat").exists() {
        return Err(CommandError::new(
            ExitCode::Usage,
            format!(
                "{} already holds a demo: choose another --dir",
                root.display()
            ),
        ));
    }
    let scenario = if args.flaky {
        Scenario::Flaky
    } else {
        Scenario::Deterministic
    };
    print_bytes(format!("Creating the demo project in {} …\n", root.display()).as_bytes())?;
    let repo = create_scenario(&root, scenario).await?;
    write(&repo.join("ci.log"), &ci_log(&repo, scenario).await?)?;
    let info = match scenario {
        Scenario::Deterministic => serde_json::json!({
            "prompt": "CI fails in tests::counts_words_across_lines: word_count must treat any \
                       whitespace, including newlines, as a word separator.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": scenario.name(),
        }),
        Scenario::Flaky => serde_json::json!({
            "prompt": "CI fails now and then in tests::totals_the_words_of_every_text: \
                       total_words sometimes misses one text's words. The total must be right \
                       every time.",
            "deterministic": false,
            "raw-logs": "ci.log",
            "name": scenario.name(),
            // A demo on a small machine: a rate from few runs, and a verification sized to it.
            "parallel": 2,
        }),
    };
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
            agent_cmd: Some(format!(
                "'{}' demo-agent{}",
                exe.display(),
                if args.flaky { " --flaky" } else { "" }
            )),
            ..TargetArgs::default()
        },
        front: FrontArgs {
            headless,
            approve: Some(Approve::Verified),
            json: args.json,
        },
        no_pr: true,
        attempts: 3,
        revisions: 3,
        ..RunArgs::default()
    };
    let prepared = prepare(&run_args.target).await?;
    let code = Box::pin(super::run::start(prepared, &run_args, headless)).await?;
    if !args.json {
        let branch = format!("fix/{}", scenario.name());
        // A fix is a commit on the fix branch; the branch alone can be an empty start.
        let commits = Git::run_in(
            &repo,
            &["rev-list", "--count", &format!("main..{branch}")],
            &[],
        )
        .await
        .ok()
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
        print_bytes(closing_lines(&root, &repo, (commits > 0).then_some(&branch)).as_bytes())?;
    }
    Ok(code)
}

/// What the demo says when it ends: where everything is, and the fix when the run made one.
fn closing_lines(root: &Path, repo: &Path, fix_branch: Option<&str>) -> String {
    let mut text = format!(
        "\nScratch repository: {}\nLocal remote:       {}\nReports:            {}\n",
        repo.display(),
        root.join("origin.git").display(),
        repo.join("outputs").display()
    );
    if let Some(branch) = fix_branch {
        let _ = writeln!(
            text,
            "See the fix:        git -C {} log -p -1 {branch}",
            repo.display()
        );
    }
    text
}

/// The demo's scripted agent: speaks Claude Code's stream-json so fixloop shows it like a real
/// agent, and does the step for real (a reproduction, then the fix).
pub fn demo_agent(args: &DemoAgentArgs) -> Result<ExitCode, CommandError> {
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
    match (phase.as_str(), args.flaky) {
        ("reproduce", flaky) => reproduce(&io, script(flaky), &failure_dir)?,
        ("fix", flaky) => fix(&io, script(flaky), &failure_dir, &workdir)?,
        ("check", flaky) => check(&io, script(flaky), &failure_dir)?,
        (other, _) => {
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

/// The script of the demo being played: the flaky one or the deterministic one.
fn script(flaky: bool) -> &'static Script {
    if flaky { &TOTAL_WORDS } else { &WORD_COUNT }
}

/// What the scripted agent says and writes in one demo: the same three steps, told for the
/// deterministic failure or for the flaky one.
struct Script {
    /// Reproduce: what it saw in the log, the test it writes (path in the failure folder and
    /// text), other files, the manifest, the folder's README, the command it runs and its word.
    saw: &'static str,
    repro: (&'static str, &'static str),
    extra_files: &'static [(&'static str, &'static str)],
    manifest: fn() -> Json,
    readme: &'static str,
    ran: &'static str,
    reproduced: &'static str,
    /// Fix: why, the line it replaces and with what, the root cause, its word.
    why: &'static str,
    replace: (&'static str, &'static str),
    root_cause: &'static str,
    fixed: &'static str,
    /// Tests after the fix: what it sets out to test, the file and its text, its word.
    check: &'static str,
    after: (&'static str, &'static str),
    written: &'static str,
}

const WORD_COUNT: Script = Script {
    saw: "CI's failing test is tests::counts_words_across_lines: word_count(\"one two\\nthree\") returns 2.",
    repro: ("tests/repro_word_count.rs", REPRO_TEST),
    extra_files: &[("check/fixloop_check.rs", CHECK_PROGRAM)],
    manifest: || {
        serde_json::json!({
            "command": "cargo test --quiet --test repro_word_count",
            "files": [{"source": "tests/repro_word_count.rs", "dest": "tests/repro_word_count.rs"}],
            "signature": "left: 2\\s+right: 3",
            "check": {
                "command": "cargo run --release --quiet --example fixloop_check",
                "files": [{"source": "check/fixloop_check.rs", "dest": "examples/fixloop_check.rs"}],
            },
        })
    },
    readme: "# word_count ignores newlines\n\nCI's `tests::counts_words_across_lines` fails: \
             `word_count(\"one two\\nthree\")` is 2, not 3. `tests/repro_word_count.rs` calls \
             `word_count` on the same input from an integration test, and fails with the same \
             assertion (`left: 2, right: 3`).\n\nRun it: `cargo test --test repro_word_count`.\n",
    ran: "cargo test --test repro_word_count",
    reproduced: "The reproduction fails like CI: left 2, right 3.",
    why: "word_count splits on ' ' only, so a newline or tab does not end a word.",
    replace: (BUGGY_LINE, FIXED_LINE),
    root_cause: ROOT_CAUSE_DEMO,
    fixed: "Fixed: word_count now uses split_whitespace.",
    check: "Without seeing the fix: any whitespace must separate words, not only a newline.",
    after: ("fixloop_after_word_count.rs", AFTER_TEST),
    written: "Written: tabs and blank lines, inputs the reproduction does not use.",
};

const TOTAL_WORDS: Script = Script {
    saw: "CI's tests::totals_the_words_of_every_text lost a text's count: total 2, not 3. \
         The threads add to the total with a load and a store, so it depends on timing.",
    repro: ("tests/repro_total_words.rs", FLAKY_REPRO_TEST),
    extra_files: &[],
    manifest: || {
        serde_json::json!({
            "command": "cargo test --quiet --test repro_total_words",
            "files": [{"source": "tests/repro_total_words.rs", "dest": "tests/repro_total_words.rs"}],
            "signature": "count was lost",
            "runs": 40,
            "jobs": 2,
            "timeout": 120,
        })
    },
    readme: "# total_words loses a text's count now and then\n\nCI's \
             `tests::totals_the_words_of_every_text` fails intermittently: `total_words` adds \
             each thread's count with a load and a later store, so when two threads overlap \
             one count is lost. `tests/repro_total_words.rs` calls it on the same texts; run it \
             many times (`fixloop stress -- cargo test --test repro_total_words`) and it fails \
             with the same message (`a text's count was lost`).\n",
    ran: "cargo test --test repro_total_words",
    reproduced: "The reproduction fails now and then, like CI: fixloop measures how often.",
    why: "Each thread reads the total, pauses, and writes back its sum: a lost update.",
    replace: (RACY_ADD, ATOMIC_ADD),
    root_cause: ROOT_CAUSE_FLAKY,
    fixed: "Fixed: each thread adds with fetch_add.",
    check: "Without seeing the fix: no count may be lost, with more texts than the reproduction.",
    after: ("fixloop_after_total_words.rs", FLAKY_AFTER_TEST),
    written: "Written: five texts at once, 50 times over: inputs the reproduction does not use.",
};

const ROOT_CAUSE_DEMO: &str = "`word_count` split the text on the space character only (`split(' ')`), so any \
             other whitespace — a newline, a tab — did not separate words: `\"one two\\nthree\"` \
             counted 2. The commit \"Count words without allocating\" introduced it when it \
             replaced `split_whitespace`.\n\nThe fix goes back to `split_whitespace()`, which \
             splits on every Unicode whitespace run and never yields empty words, so the \
             filter is no longer needed.\n";

const ROOT_CAUSE_FLAKY: &str = "`total_words` counts each text on its own thread, and each thread added its count with \
             a `load`, a pause and a `store`. When two threads overlap, both read the same \
             total and the second store overwrites the first: one text's words are lost. The \
             commit \"Count each text on a thread of its own\" introduced it.\n\nThe fix adds \
             with `fetch_add`, one atomic read-modify-write, so no count can be overwritten.\n";

/// A JSON file as the agent writes it: pretty, with a final newline.
fn write_json(path: &Path, value: &Json) -> Result<(), CommandError> {
    write(
        path,
        &(serde_json::to_string_pretty(value).unwrap_or_default() + "\n"),
    )
}

fn reproduce(io: &Demo<'_>, script: &Script, failure_dir: &Path) -> Result<(), CommandError> {
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
    say(text(script.saw));
    let test = failure_dir.join(script.repro.0);
    say(tool(
        "Write",
        serde_json::json!({"file_path": test.display().to_string()}),
    ));
    write(&test, script.repro.1)?;
    for (path, content) in script.extra_files {
        write(&failure_dir.join(path), content)?;
    }
    write_json(&failure_dir.join("repro.json"), &(script.manifest)())?;
    write(&failure_dir.join("README.md"), script.readme)?;
    say(tool("Bash", serde_json::json!({"command": script.ran})));
    say(text(script.reproduced));
    Ok(())
}

fn fix(
    io: &Demo<'_>,
    script: &Script,
    failure_dir: &Path,
    workdir: &Path,
) -> Result<(), CommandError> {
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
    say(text(script.why));
    say(tool(
        "Edit",
        serde_json::json!({"file_path": lib.display().to_string()}),
    ));
    write(&lib, &source.replace(script.replace.0, script.replace.1))?;
    write(&failure_dir.join("ROOT_CAUSE.md"), script.root_cause)?;
    say(tool("Bash", serde_json::json!({"command": "cargo test"})));
    say(text(script.fixed));
    Ok(())
}

fn check(io: &Demo<'_>, script: &Script, failure_dir: &Path) -> Result<(), CommandError> {
    let Demo {
        say, text, tool, ..
    } = *io;
    say(text(script.check));
    let (file, content) = script.after;
    let test = failure_dir.join(file);
    say(tool(
        "Write",
        serde_json::json!({"file_path": test.display().to_string()}),
    ));
    write(&test, content)?;
    let name = file.trim_end_matches(".rs");
    write_json(
        &failure_dir.join("tests.json"),
        &serde_json::json!({
            "command": format!("cargo test --quiet --test {name}"),
            "files": [{"source": file, "dest": format!("tests/{file}")}],
        }),
    )?;
    say(text(script.written));
    Ok(())
}
