//! `fixloop logs`: triage of a CI log file or standard input, streamed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use serde_json::json;

use super::CommandError;
use crate::adapters::github::{GitHub, Token, api_base, fetch_run_logs};
use crate::cli::LogsArgs;
use crate::core::exit::ExitCode;
use crate::core::memory::{Record, Sighting};
use crate::core::runurl::RunUrl;
use crate::core::sanitize::for_terminal;
use crate::engine::logs::{TriageError, triage_stream};
use crate::engine::secrets::redact;

/// Fetches a run's failed-job logs (into `--out`, else a folder under the temp dir) and triages
/// them.
async fn from_url(args: &LogsArgs) -> Result<ExitCode, CommandError> {
    let url = RunUrl::parse(&args.source)
        .map_err(|e| CommandError::new(ExitCode::Input, e).hint(RunUrl::ACCEPTED_FORMS))?;
    let api = args
        .github_api_url
        .clone()
        .unwrap_or_else(|| api_base(&url.host));
    let client = GitHub::new(&api, Token::discover().await).map_err(CommandError::from)?;
    let dir = args.out.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("fixloop-logs-{}-{}", url.repo, url.run_id))
    });
    let fetched = fetch_run_logs(&client, &url, &dir)
        .await
        .map_err(CommandError::from)?;
    crate::engine::secrets::redact_file(&fetched.full_log)
        .map_err(|e| write_failed(&fetched.full_log, &e))?;
    for note in &fetched.run.notes {
        eprintln!("note: {note}");
    }
    let file_args = LogsArgs {
        source: fetched.full_log.display().to_string(),
        out: None,
        ..args.clone()
    };
    let failure = logs_file(&file_args, Some(&args.source), Some(&dir))?;
    let repo = format!("{}/{}/{}", url.host, url.owner, url.repo).to_lowercase();
    remember(&repo, failure);
    Ok(ExitCode::Success)
}

pub async fn logs(args: &LogsArgs) -> Result<ExitCode, CommandError> {
    if args.source.starts_with("http://") || args.source.starts_with("https://") {
        return from_url(args).await;
    }
    let failure = logs_file(args, None, None)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    remember(&super::memory::repo_of(&cwd, None).await, failure);
    // Triage worked whether or not a test failed: the exit code is the same.
    Ok(ExitCode::Success)
}

/// What a triaged log showed failing: its failing tests and signature.
struct Failure {
    tests: Vec<String>,
    signature: String,
}

/// A failure the log shows is a sighting in the memory of the current folder's workspace: a
/// later failure of a test fixloop fixed is how a fix is found not to have held.
fn remember(repo: &str, failure: Failure) {
    if failure.tests.is_empty() && failure.signature == crate::core::signature::NO_OUTPUT {
        return;
    }
    let record = Record::Seen(Sighting {
        repo: repo.to_owned(),
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: "logs".into(),
        tests: failure.tests,
        signature: failure.signature,
    });
    super::memory::remember(Path::new("."), &record);
}

/// Triage of a file or standard input; `shown` names the source in the output, and the excerpt
/// is written to `--out` or `excerpt_dir`.
fn logs_file(
    args: &LogsArgs,
    shown: Option<&str>,
    excerpt_dir: Option<&Path>,
) -> Result<Failure, CommandError> {
    // The copy of the log (`--out`), and where it goes.
    let full_log = args.out.as_ref().map(|out| out.join("full.log"));
    let mut copy = match (&args.out, &full_log) {
        (Some(out), Some(path)) => {
            std::fs::create_dir_all(out).map_err(|e| write_failed(out, &e))?;
            Some(std::io::BufWriter::new(
                std::fs::File::create(path).map_err(|e| write_failed(path, &e))?,
            ))
        }
        _ => None,
    };
    let copy_failed =
        |e: &std::io::Error| write_failed(full_log.as_deref().unwrap_or(Path::new("")), e);
    let copy_ref = copy.as_mut().map(|w| w as &mut dyn std::io::Write);
    let shown_source = if args.source == "-" {
        "standard input"
    } else {
        &args.source
    };
    // A log that cannot be read is bad input; a copy that cannot be written, a local failure.
    let triage_error = |e: TriageError| match e {
        TriageError::Read(e) => CommandError::new(ExitCode::Input, format!("{shown_source}: {e}")),
        TriageError::Copy(e) => copy_failed(&e),
    };
    let outcome = if args.source == "-" {
        triage_stream(std::io::stdin().lock(), args.budget, copy_ref).map_err(triage_error)?
    } else {
        let file = std::fs::File::open(&args.source)
            .map_err(|e| CommandError::new(ExitCode::Input, format!("{}: {e}", args.source)))?;
        triage_stream(file, args.budget, copy_ref).map_err(triage_error)?
    };
    if let Some(mut w) = copy {
        std::io::Write::flush(&mut w).map_err(|e| copy_failed(&e))?;
    }
    if let Some(path) = &full_log {
        crate::engine::secrets::redact_file(path).map_err(|e| write_failed(path, &e))?;
    }
    if let Some(dir) = args.out.as_deref().or(excerpt_dir) {
        let excerpt = dir.join("excerpt.txt");
        std::fs::write(&excerpt, redact(&outcome.excerpt).as_bytes())
            .map_err(|e| write_failed(&excerpt, &e))?;
    }
    if args.json {
        let value = json!({
            "source": shown.unwrap_or(&args.source),
            "bytes": outcome.bytes,
            "lines": outcome.lines,
            "runner": outcome.runners,
            "failing_tests": outcome.failing_tests.iter().map(|f| json!({
                "id": f.id, "runner": f.runner, "message": f.message,
            })).collect::<Vec<_>>(),
            "errors": outcome.errors.iter().map(|(line, text)| json!({"line": line, "text": text})).collect::<Vec<_>>(),
            // Said outright: an empty list can also read as "not parsed".
            "failing_tests_found": !outcome.failing_tests.is_empty(),
            "excerpt": outcome.excerpt,
            "excerpt_bytes": outcome.excerpt.len(),
            "full_log": full_log
                .as_ref()
                .map(|p| p.display().to_string())
                .or_else(|| shown.map(|_| args.source.clone())),
        });
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        // A closed pipe ends the output quietly.
        let _ = writeln!(std::io::stdout().lock(), "{}", redact(&text));
    } else {
        print_text(&outcome, shown.unwrap_or(&args.source));
        if outcome.failing_tests.is_empty() {
            let shown = if args.source == "-" {
                shown_source
            } else {
                shown.unwrap_or(&args.source)
            };
            let _ = writeln!(std::io::stderr(), "{}", nothing_failed(&outcome, shown));
        }
    }
    Ok(Failure {
        tests: outcome.failing_tests.iter().map(|f| f.id.clone()).collect(),
        signature: crate::core::signature::of(&redact(&outcome.excerpt)),
    })
}

/// The note that the log names no failing test, with its first error line when it has one:
/// the excerpt is then no test's failure, only what the log has.
fn nothing_failed(outcome: &crate::core::excerpt::Outcome, source: &str) -> String {
    let note = match outcome.errors.first() {
        None => format!("no failing test found in {source}, and no error line"),
        Some((line, text)) => format!(
            "no failing test found in {source}; its first error line is line {line}: {}",
            text.trim()
        ),
    };
    for_terminal(&redact(&note)).into_owned()
}

/// A file `fixloop logs` could not write (exit 74), and what to do about it.
fn write_failed(path: &Path, e: &std::io::Error) -> CommandError {
    CommandError::new(
        ExitCode::Io,
        format!("cannot write {}: {e}", path.display()),
    )
    .hint(format!(
        "free some space or fix the permissions of {}, then run it again",
        path.parent().unwrap_or(path).display()
    ))
}

/// The triage as text: the log's size, each failing test on its line, the excerpt.
fn print_text(outcome: &crate::core::excerpt::Outcome, source: &str) {
    let mut text = format!(
        "{}: {} bytes, {} lines\n",
        source, outcome.bytes, outcome.lines
    );
    for f in &outcome.failing_tests {
        let _ = writeln!(text, "FAILED {} ({}): {}", f.id, f.runner, f.message);
    }
    let _ = write!(
        text,
        "--- excerpt ({} bytes) ---\n{}",
        outcome.excerpt.len(),
        outcome.excerpt
    );
    // What the log says is shown, never obeyed, and never with its secrets: line by line, so
    // each line's control characters go and its end stays. A closed pipe (`| head`) ends
    // the output quietly, as grep's does.
    let mut out = std::io::stdout().lock();
    for line in redact(&text).lines() {
        if writeln!(out, "{}", for_terminal(line)).is_err() {
            break;
        }
    }
}
