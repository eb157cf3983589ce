//! A `/fixloop approve | revise "…" | abort` comment on a pull request, answered by the analyze
//! job of a later workflow run: the output folder of the job that stopped for the review is
//! fetched (the artifact of the workflow run fixloop's comment names, or `--previous DIR`), the
//! run's commits and the agent's sessions are put back into the fresh checkout, and the run goes
//! on from its journal with the reviewer's answer, as `fixloop review` does on a machine.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use super::CommandError;
use super::ci_common::{absolute, read_outcome, skipped};
use super::ci_finish::finish;
use crate::adapters::github::GitHub;
use crate::cli::CiAnalyzeArgs;
use crate::core::ci::publish::sticky_artifact;
use crate::core::ci::{FailedRun, REVIEWERS, ReviewCommand, ReviewComment};
use crate::core::event::{Decision, EventKind};
use crate::core::exit::ExitCode;
use crate::engine::store::read_journal;

/// What the previous job's outcome says about where the run came from, carried forward.
const CARRIED: [&str; 8] = [
    "repo",
    "ci_run",
    "workflow",
    "pull_requests",
    "fork",
    "head_branch",
    "head_sha",
    "attempt",
];

pub(crate) async fn answer(
    args: &CiAnalyzeArgs,
    comment: &ReviewComment,
    github: &GitHub,
) -> Result<ExitCode, CommandError> {
    let here = FailedRun {
        repo: comment.repo.clone(),
        ..FailedRun::default()
    };
    let command = match comment_command(comment) {
        Ok(command) => command,
        Err(reason) => return skipped(&args.out, &reason, &here),
    };
    let out = absolute(&args.out);
    let repo = absolute(&args.repo.clone().unwrap_or_else(|| ".".into()));
    if let Some(reason) = fetch_previous(args, comment, github, &out).await? {
        return skipped(&args.out, &reason, &here);
    }
    let previous = read_outcome(&out)?;
    let kind = previous["outcome"].as_str().unwrap_or_default();
    if kind != "review" {
        return skipped(
            &args.out,
            &format!(
                "fixloop's run on #{} waits for no review (it came to `{kind}`)",
                comment.pr
            ),
            &here,
        );
    }
    let on_this_pr = previous["repo"].as_str() == Some(comment.repo.as_str())
        && previous["pull_requests"]
            .as_array()
            .is_some_and(|prs| prs.iter().any(|p| p.as_u64() == Some(comment.pr)));
    if !on_this_pr {
        return Err(CommandError::new(
            ExitCode::Input,
            format!(
                "{}: the output folder is of a run for another pull request ({} {}), not {}#{}",
                out.display(),
                previous["repo"],
                previous["pull_requests"],
                comment.repo,
                comment.pr
            ),
        ));
    }
    let run_id = previous["run_id"].as_str().unwrap_or_default().to_owned();
    same_checkout(&out, &run_id, &repo)?;
    super::ci_carry::restore(
        &repo,
        &out,
        previous["base_commit"].as_str().unwrap_or_default(),
    )
    .await?;
    let mut outcome = json!({});
    for key in CARRIED {
        outcome[key] = previous[key].clone();
    }
    let revision = previous["revision"].as_u64().unwrap_or(0);
    let decision = decision_of(command, comment);
    let revised = matches!(decision, Decision::Revise { .. });
    outcome["revision"] = json!(revision + u64::from(revised));
    outcome["answered_by"] = json!(comment.author);
    outcome["answer"] = json!(decision.kind().as_str());
    let info = out.join("info.json");
    let code = match super::resume::answer_held(&info, &run_id, decision, args.max_cost_usd).await {
        Ok(code) => code,
        // The answer is not one the checkpoint takes: the run still waits, and the comment
        // says why.
        Err(refused) if refused.code == ExitCode::Usage => {
            outcome["revision"] = previous["revision"].clone();
            let hints: String = refused.hints.iter().fold(String::new(), |mut all, h| {
                let _ = write!(all, " ({h})");
                all
            });
            outcome["note"] = json!(format!(
                "The answer of {} was not taken: {}{hints}",
                comment.author, refused.message,
            ));
            ExitCode::Partial
        }
        Err(e) => return Err(e),
    };
    finish(&out, &repo, outcome, code).await
}

/// The comment's command, when it is an answer fixloop takes; else why not.
fn comment_command(comment: &ReviewComment) -> Result<&ReviewCommand, String> {
    if !comment.on_pr {
        return Err("the comment is on an issue, not a pull request".into());
    }
    let Some(command) = &comment.command else {
        return Err("the comment is not a `/fixloop` command".into());
    };
    if matches!(command, ReviewCommand::Off | ReviewCommand::On) {
        return Err(
            "`/fixloop off` and `/fixloop on` are for the watcher (`fixloop watch`)".into(),
        );
    }
    if !REVIEWERS.contains(&comment.association.as_str()) {
        return Err(format!(
            "`{}` may not answer fixloop (association `{}`; owners, members and collaborators \
             may)",
            comment.author, comment.association
        ));
    }
    Ok(command)
}

/// The reviewer's answer as the checkpoint takes it.
fn decision_of(command: &ReviewCommand, comment: &ReviewComment) -> Decision {
    match command {
        ReviewCommand::Approve | ReviewCommand::Off | ReviewCommand::On => Decision::Approve,
        ReviewCommand::Revise(feedback) => Decision::Revise {
            feedback: feedback.clone(),
        },
        ReviewCommand::Abort(reason) => Decision::Abort {
            reason: reason
                .clone()
                .unwrap_or_else(|| format!("aborted by {} on #{}", comment.author, comment.pr)),
        },
    }
}

/// Puts the previous job's output folder in `out`: copied from `--previous`, or downloaded from
/// the workflow run fixloop's comment on the PR names. `Some(reason)` when there is none.
async fn fetch_previous(
    args: &CiAnalyzeArgs,
    comment: &ReviewComment,
    github: &GitHub,
    out: &Path,
) -> Result<Option<String>, CommandError> {
    if let Some(previous) = &args.previous {
        let previous = absolute(previous);
        if previous != out {
            copy_tree(&previous, out).map_err(|e| {
                CommandError::new(
                    ExitCode::Io,
                    format!(
                        "cannot copy {} to {}: {e}",
                        previous.display(),
                        out.display()
                    ),
                )
            })?;
        }
        return Ok(None);
    }
    let (owner, name) = comment.repo.split_once('/').unwrap_or((&comment.repo, ""));
    let sticky = github
        .sticky_text(owner, name, comment.pr)
        .await
        .map_err(CommandError::from)?;
    let Some(run) = sticky.as_deref().and_then(sticky_artifact) else {
        return Ok(Some(format!(
            "fixloop has no run on #{} to answer (its comment names none)",
            comment.pr
        )));
    };
    if out.join("outcome.json").exists() {
        return Err(CommandError::new(
            ExitCode::Usage,
            format!(
                "{} already holds an output folder: give an empty one with --out",
                out.display()
            ),
        ));
    }
    github
        .fetch_output_folder(owner, name, run, &args.artifact, out)
        .await
        .map_err(CommandError::from)?;
    Ok(None)
}

/// The run must go on in a checkout at the path it was made in (GitHub Actions checks a
/// repository out at the same path in every job): its journal and worktrees name that path.
fn same_checkout(out: &Path, run_id: &str, repo: &Path) -> Result<(), CommandError> {
    let journal = out.join("outputs/runs").join(run_id).join("events.jsonl");
    let events = read_journal(&journal).map_err(|e| CommandError::new(ExitCode::Input, e))?;
    let recorded = events.iter().find_map(|e| match &e.kind {
        EventKind::RunStarted { repo, .. } => Some(repo.clone()),
        _ => None,
    });
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    match recorded {
        Some(recorded) if canonical(Path::new(&recorded)) == canonical(repo) => Ok(()),
        Some(recorded) => Err(CommandError::new(
            ExitCode::Input,
            format!(
                "the run was made in a checkout at {recorded}, and this one is at {}",
                repo.display()
            ),
        )
        .hint("check the repository out at the same path (the workflow's default checkout is)")),
        None => Err(CommandError::new(
            ExitCode::Input,
            format!(
                "{}: the journal has no run-started event",
                journal.display()
            ),
        )),
    }
}

/// Copies the folder `from` into `to`: files and folders, links not followed.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
