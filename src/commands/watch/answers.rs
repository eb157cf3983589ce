//! The people's answers on pull requests: `/fixloop apply` (or `approve`), `/fixloop revise
//! "…"` and `/fixloop abort` for a proven fix waiting there, and `/fixloop off` / `/fixloop on`
//! for the pull request itself — from owners, members and collaborators only, each comment
//! taken once, and only comments made after the fix was put up.

use chrono::{DateTime, Utc};

use super::pipeline::{dollars, today};
use super::work::Watcher;
use super::{CommandError, state};
use crate::adapters::github::PrComment;
use crate::adapters::state::RunStatus;
use crate::cli::CiApproval;
use crate::commands::ci_common::read_outcome;
use crate::core::ci::event::command;
use crate::core::ci::{REVIEWERS, ReviewCommand, ReviewComment};

/// Reads the answers on every pull request with a fix waiting, and acts on them; how many.
pub async fn answers(watcher: &Watcher<'_>) -> Result<u32, CommandError> {
    let mut answered = 0;
    for record in watcher.store.waiting().map_err(state)? {
        let Some(pr) = record.pr else { continue };
        let key = &record.key;
        let (owner, name) = key.repo.split_once('/').unwrap_or((&key.repo, ""));
        let comments = match watcher.github.pr_comments(owner, name, pr).await {
            Ok(comments) => comments,
            Err(e) => {
                eprintln!("fixloop watch: {} #{pr}: {}", key.repo, e.message);
                continue;
            }
        };
        let since = parse_time(&record.updated_at);
        for comment in comments {
            let Some(command) = command(&comment.body) else {
                continue;
            };
            if !REVIEWERS.contains(&comment.association.as_str())
                || parse_time(&comment.created_at) < since
                || !watcher
                    .store
                    .first_delivery(&format!("comment:{}", comment.id), "issue_comment")
                    .map_err(state)?
            {
                continue;
            }
            answered += 1;
            match command {
                ReviewCommand::Off | ReviewCommand::On => {
                    let off = command == ReviewCommand::Off;
                    watcher
                        .store
                        .set_pr_off(&key.repo, pr, off)
                        .map_err(state)?;
                    println!(
                        "fixloop watch: {} #{pr}: turned {} by {}",
                        key.repo,
                        if off { "off" } else { "on" },
                        comment.author
                    );
                }
                _ => {
                    let said =
                        answer(watcher, &record.key.repo, pr, key, &comment, command).await?;
                    println!("fixloop watch: {} run {}: {said}", key.repo, key.run_id);
                    if let Some(kind) = super::notices::kind_of(Some("pipeline"), &said) {
                        super::notices::Notices::note(
                            watcher.store,
                            kind,
                            &key.repo,
                            said.clone(),
                            Some(pr),
                        )?;
                    }
                    watcher
                        .store
                        .set(key, RunStatus::Done, None, None, Some(&said))
                        .map_err(state)?;
                    // The run answered is no longer waiting (a revision waits again, with the
                    // answer's time as its own).
                    break;
                }
            }
        }
    }
    Ok(answered)
}

/// Goes on with the waiting run as the comment says, then delivers what it came to.
async fn answer(
    watcher: &Watcher<'_>,
    repo: &str,
    pr: u64,
    key: &crate::adapters::state::RunKey,
    comment: &PrComment,
    command: ReviewCommand,
) -> Result<String, CommandError> {
    let out = watcher.run_out(key);
    let clone = watcher.clone_of_run(key);
    let mut args = watcher.analyze_args(&clone, &out, CiApproval::Review);
    args.previous = Some(out.clone());
    // A revision runs the agent again: within what is left of today's budget, its cost
    // counted once (the run's cost so far is in its outcome).
    let today = today();
    let before = read_outcome(&out)
        .ok()
        .and_then(|o| o["cost_usd"].as_f64())
        .unwrap_or(0.0);
    let share = if matches!(command, ReviewCommand::Revise(_)) {
        let Some(share) = watcher.budget_share(&today).await? else {
            return Ok(format!(
                "waits: today's AI budget is spent, so the revision {} asked for was not made \
                 (ask again tomorrow)",
                comment.author
            ));
        };
        args.max_cost_usd = Some(before + dollars(share.cents));
        Some(share)
    } else {
        None
    };
    let review = ReviewComment {
        repo: repo.to_owned(),
        pr,
        comment_id: comment.id,
        author: comment.author.clone(),
        association: comment.association.clone(),
        command: Some(command),
        on_pr: true,
    };
    Box::pin(crate::commands::ci_answer::answer(
        &args,
        &review,
        watcher.github,
    ))
    .await?;
    let outcome = watcher.publish(&clone, &out).await?;
    let after = outcome["cost_usd"].as_f64().unwrap_or(before);
    watcher.record_spend(&today, after - before)?;
    drop(share);
    Ok(match outcome["outcome"].as_str().unwrap_or_default() {
        "review" => format!(
            "waits: revised as {} asked; the fix waits for /fixloop apply again",
            comment.author
        ),
        "verified" => format!(
            "applied by {}: the fix is pushed for review",
            comment.author
        ),
        other => format!("{} answered; the run came to `{other}`", comment.author),
    })
}

fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}
