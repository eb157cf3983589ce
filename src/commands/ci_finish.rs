//! What the analyze job leaves once the run has stopped: `outcome.json` for the publish job,
//! the summary, annotations for the failing tests, the verified patch with its hash, and — for
//! a run waiting for a review — what the job answering it needs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::CommandError;
use super::ci_common::{hex, step_summary, write};
use crate::adapters::git::Git;
use crate::core::exit::ExitCode;
use crate::core::publish;
use crate::core::view::RunView;
use crate::engine::store::read_journal;

/// Writes what the job leaves for the next one once the run has stopped: `outcome.json` (on
/// top of `outcome`, which says where the run came from), `summary.md` and the step summary,
/// an annotation per failing test, and — for a run that waits for a review — its commits and
/// the agent's sessions, for the job that answers it.
pub(super) async fn finish(
    out: &Path,
    repo: &Path,
    mut outcome: Value,
    code: ExitCode,
) -> Result<ExitCode, CommandError> {
    let Some((run_id, view)) = last_run(out) else {
        return Ok(code);
    };
    outcome["run_id"] = json!(run_id);
    outcome["exit_code"] = json!(i32::from(code));
    outcome["message"] = json!(view.finished.as_ref().map(|e| e.message.clone()));
    outcome["cost_usd"] = json!(view.cost_usd());
    let mut summary = format!(
        "## fixloop: CI run {} of `{}`\n\n",
        outcome["ci_run"],
        outcome["workflow"].as_str().unwrap_or_default()
    );
    if let Some(note) = outcome["note"].as_str() {
        let _ = writeln!(summary, "{note}\n");
    }
    let result = conclude(&view, code, repo, out, &mut outcome, &mut summary).await?;
    if outcome["outcome"] == "review" {
        super::ci_carry::save(repo, out, &view).await?;
    }
    if let Some(report) = report_markdown(out) {
        summary.push_str(&report);
    }
    for test in view.logs.iter().flat_map(|l| &l.failing_tests) {
        println!(
            "::error title=fixloop: failing in CI::{}",
            escape_annotation(test)
        );
    }
    write(&out.join("summary.md"), &summary)?;
    write(
        &out.join("outcome.json"),
        &(serde_json::to_string_pretty(&outcome).unwrap_or_default() + "\n"),
    )?;
    step_summary(&summary);
    println!(
        "fixloop: {} (output in {})",
        outcome["outcome"].as_str().unwrap_or_default(),
        out.display()
    );
    Ok(result)
}

/// What the run came to: a verified fix held for the publish job (its patch exported), a fix
/// waiting for a person, or no verified fix; said in `outcome` and `summary`.
async fn conclude(
    view: &RunView,
    code: ExitCode,
    repo: &Path,
    out: &Path,
    outcome: &mut Value,
    summary: &mut String,
) -> Result<ExitCode, CommandError> {
    let verified = view.verification().is_some_and(|v| v.verified);
    let commit = view.fix.as_ref().and_then(|f| f.commit.clone());
    let message = view.finished.as_ref().map_or("", |e| e.message.as_str());
    match (&view.fix, commit) {
        (Some(fix), Some(commit)) if verified && code == ExitCode::Partial && held(view) => {
            let patch = describe_fix(view, fix, &commit, repo, out, outcome).await?;
            outcome["outcome"] = json!("verified");
            write(&out.join("pr-body.md"), &publish::pr_body(view))?;
            let _ = writeln!(
                summary,
                "A verified fix is ready for the publish job (patch sha256 `{patch}`).\n"
            );
            Ok(ExitCode::Success)
        }
        (fix, commit) if message.starts_with("stopped for review") => {
            outcome["outcome"] = json!("review");
            outcome["verified"] = json!(verified);
            if let (Some(fix), Some(commit)) = (fix, commit) {
                describe_fix(view, fix, &commit, repo, out, outcome).await?;
            }
            let _ = writeln!(
                summary,
                "The fix waits for a person. Answer on the pull request with a comment:\n\n\
                 - `/fixloop approve`\n- `/fixloop revise \"what to change\"`\n- `/fixloop abort`\n"
            );
            Ok(ExitCode::Success)
        }
        _ => {
            outcome["outcome"] = json!("not-verified");
            let _ = writeln!(summary, "No verified fix: {message}\n");
            Ok(code)
        }
    }
}

/// The fix commit as the publish job checks it: its patch exported (the hash returned), its
/// tree, message, branch and base, in `outcome`.
async fn describe_fix(
    view: &RunView,
    fix: &crate::core::view::FixView,
    commit: &str,
    repo: &Path,
    out: &Path,
    outcome: &mut Value,
) -> Result<String, CommandError> {
    let patch = export_patch(repo, &fix.base_commit, commit, out).await?;
    let git = Git::new(repo.to_path_buf());
    let read = |e: crate::engine::ports::VcsError| {
        CommandError::new(ExitCode::Failed, format!("cannot read the fix commit: {e}"))
    };
    let tree = git
        .run(&["rev-parse", &format!("{commit}^{{tree}}")])
        .await
        .map_err(read)?;
    let message = git
        .run(&["log", "-1", "--format=%B", commit])
        .await
        .map_err(read)?;
    outcome["name"] = json!(view.name);
    outcome["fix_tree"] = json!(tree);
    outcome["fix_message"] = json!(message);
    outcome["branch"] = json!(fix.branch);
    outcome["base"] = json!(fix.base);
    outcome["base_commit"] = json!(fix.base_commit);
    outcome["fix_commit"] = json!(commit);
    outcome["patch"] = json!("fix.patch");
    outcome["patch_sha256"] = json!(patch);
    Ok(patch)
}

/// The run ended with its push held for the publish job (not a push a person declined).
fn held(view: &RunView) -> bool {
    view.finished
        .as_ref()
        .is_some_and(|e| e.message.contains("held for the publish job"))
}

/// `git diff --binary BASE FIX` into `out/fix.patch`, byte for byte; its SHA-256 in hex.
async fn export_patch(
    repo: &Path,
    base: &str,
    fix: &str,
    out: &Path,
) -> Result<String, CommandError> {
    let path = out.join("fix.patch");
    let output = format!("--output={}", path.display());
    Git::new(repo.to_path_buf())
        .run(&[
            "diff",
            "--binary",
            "--no-color",
            "--no-ext-diff",
            &output,
            base,
            fix,
        ])
        .await
        .map_err(|e| {
            CommandError::new(
                ExitCode::Failed,
                format!("cannot export the fix's patch: {e}"),
            )
        })?;
    let patch = std::fs::read(&path).map_err(|e| {
        CommandError::new(ExitCode::Io, format!("cannot read {}: {e}", path.display()))
    })?;
    Ok(hex(&Sha256::digest(&patch)))
}

/// The run the analyze step made in `out` (the only one), with its view.
fn last_run(out: &Path) -> Option<(String, RunView)> {
    let runs = out.join("outputs/runs");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let dir = dirs.pop()?;
    let events = read_journal(&dir.join("events.jsonl")).ok()?;
    let id = dir.file_name()?.to_string_lossy().into_owned();
    Some((id, RunView::replay(&events)))
}

fn report_markdown(out: &Path) -> Option<String> {
    let outputs = out.join("outputs");
    std::fs::read_dir(outputs)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .and_then(|p| std::fs::read_to_string(p).ok())
}

fn escape_annotation(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}
