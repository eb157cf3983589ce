//! `fixloop ci publish DIR`: the publish job. It holds the write token and no model key, and
//! runs no repository code: it checks that the patch in the analyze job's output folder is the
//! one fixloop verified (its hash, and the tree it makes is the verified commit's), that it
//! touches no protected path and applies to the base, then pushes the fix branch and opens (or
//! updates) the draft PR — or, for a fork's PR, posts the patch as a suggestion — and keeps one
//! comment on the failing PR. Run again, it changes nothing that is already so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::CommandError;
use super::ci_common::{app_token, client, hex, push_auth, read_event, read_outcome, step_summary};
use crate::adapters::git::Git;
use crate::adapters::github::GitHub;
use crate::cli::CiPublishArgs;
use crate::core::ci::publish::{PROTECTED, StickyUpdate, patch_paths, protected, sticky_body};
use crate::core::ci::{self, CiEvent};
use crate::core::exit::ExitCode;
use crate::core::runurl::RunUrl;
use crate::engine::ports::PrRequest;

/// The longest patch put in a comment as a suggestion (GitHub's limit is 65,536 characters).
const SUGGESTION_LIMIT: usize = 60_000;

pub async fn publish(args: &CiPublishArgs) -> Result<ExitCode, CommandError> {
    let outcome = read_outcome(&args.dir)?;
    let job = Job {
        github: client().await?,
        repo: field(&outcome, "repo"),
        pr: outcome["pull_requests"][0].as_u64(),
        attempt: u32::try_from(outcome["attempt"].as_u64().unwrap_or(1)).unwrap_or(1),
        revision: u32::try_from(outcome["revision"].as_u64().unwrap_or(0)).unwrap_or(0),
    };
    let repo = std::path::absolute(args.repo.clone().unwrap_or_else(|| PathBuf::from(".")))
        .unwrap_or_default();
    // Whether the failing code was a fork's, from what that code could not change.
    let fork_event = fork_by_event(&job.github, &job.repo).await;
    let fork = outcome["fork"].as_bool().unwrap_or(false);
    // What the run learned joins the repository's memory, unless a fork's code wrote it.
    if !fork && !fork_event.as_ref().map_or(true, |f| *f) {
        super::ci_memory::keep(&repo, &args.dir, &args.remote).await;
    }
    let kind = field(&outcome, "outcome");
    if kind != "verified" {
        job.unverified(&outcome, &args.dir).await?;
        println!("fixloop: nothing to publish ({kind})");
        return Ok(ExitCode::Success);
    }
    let patch_path = args.dir.join("fix.patch");
    let text = verified_patch(&patch_path, &field(&outcome, "patch_sha256"))?;
    job.refuse_protected(&text, args).await?;
    // The output folder was written where the pull request's code ran: whether the code is a
    // fork's is read again from what that code could not change.
    let fork = fork || fork_event?;
    if fork || suggestion_only() {
        return job.suggest(&text, fork).await;
    }
    let branch = format!("{}{}", args.branch_prefix, field(&outcome, "branch"));
    let commit = commit_patch(&repo, &outcome, &patch_path).await?;
    push(&repo, &args.remote, &commit, &branch).await?;
    let request = PrRequest {
        branch: branch.clone(),
        base: field(&outcome, "base"),
        title: format!("Fix {}", field(&outcome, "name")),
        body: std::fs::read_to_string(args.dir.join("pr-body.md")).unwrap_or_default(),
        draft: true,
        labels: Vec::new(),
        failing_pr: None,
    };
    job.open_pr(&request).await?;
    if app_token().is_none() {
        step_summary(
            "Pushed with the workflow's GITHUB_TOKEN: GitHub does not start workflows for \
             pushes made with it, so CI will not run on the fix branch until someone pushes \
             to it (a GitHub App token avoids this).\n",
        );
    }
    Ok(ExitCode::Success)
}

/// Whether the event that started this workflow run is about a fork's code: a `workflow_run`
/// whose head is in another repository, a comment on a fork's PR, a dispatch naming a fork's
/// run. An event that cannot be read counts as a fork's (nothing is pushed). `false` outside
/// GitHub Actions.
async fn fork_by_event(github: &GitHub, repo: &str) -> Result<bool, CommandError> {
    let Some(path) = std::env::var_os("GITHUB_EVENT_PATH") else {
        return Ok(false);
    };
    let Ok(payload) = read_event(Path::new(&path)) else {
        return Ok(true);
    };
    let name = std::env::var("GITHUB_EVENT_NAME").ok();
    let (owner, name_) = repo.split_once('/').unwrap_or((repo, ""));
    // A head repository GitHub does not name (a fork deleted since) is another one.
    let other = |head: &str| !head.eq_ignore_ascii_case(repo);
    match ci::parse(name.as_deref(), &payload) {
        Ok(CiEvent::Run(run)) => Ok(run.from_fork()),
        Ok(CiEvent::Comment(comment)) => {
            let head = github
                .pull_head(owner, name_, comment.pr)
                .await
                .map_err(CommandError::from)?;
            Ok(other(&head.repo))
        }
        Ok(CiEvent::Dispatch { run_id, .. }) => {
            let url = RunUrl {
                host: "github.com".into(),
                owner: owner.into(),
                repo: name_.into(),
                run_id,
                job_id: None,
                attempt: None,
            };
            let run = github.run(&url).await.map_err(CommandError::from)?;
            Ok(run.head_repository.is_none_or(|h| other(&h.full_name)))
        }
        Err(_) => Ok(true),
    }
}

/// A string field of the outcome, empty when absent.
fn field(outcome: &Value, key: &str) -> String {
    outcome[key].as_str().unwrap_or_default().to_owned()
}

/// `FIXLOOP_DELIVERY=suggestion`: the fix is only ever posted as a suggestion, never pushed.
fn suggestion_only() -> bool {
    std::env::var("FIXLOOP_DELIVERY").is_ok_and(|d| d.trim() == "suggestion")
}

/// The patch, read and checked against the hash fixloop recorded when it verified the fix.
fn verified_patch(path: &Path, recorded: &str) -> Result<String, CommandError> {
    let patch = std::fs::read(path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let digest = hex(&Sha256::digest(&patch));
    if digest != recorded {
        return Err(CommandError::new(
            ExitCode::Input,
            format!(
                "{}: this is not the patch fixloop verified (its SHA-256 is {digest}, the \
                 outcome says {recorded}); nothing was pushed",
                path.display(),
            ),
        )
        .hint("publish the output folder of the analyze job as it was uploaded"));
    }
    Ok(String::from_utf8_lossy(&patch).into_owned())
}

/// The repository published to, the failing PR and the attempt, with the API client.
struct Job {
    github: GitHub,
    repo: String,
    pr: Option<u64>,
    attempt: u32,
    /// The reviewer's revisions so far in this attempt.
    revision: u32,
}

impl Job {
    /// Replaces this attempt's line in the failing PR's one fixloop comment (when there is a PR).
    async fn comment(&self, line: String, now: String) -> Result<(), CommandError> {
        let Some(pr) = self.pr else { return Ok(()) };
        let (owner, name) = self.repo.split_once('/').unwrap_or((&self.repo, ""));
        let update = StickyUpdate {
            attempt: self.attempt,
            revision: self.revision,
            line: &line,
            now: &now,
            // The workflow run this job is part of: its artifact holds the run's output folder.
            artifact_run: std::env::var("GITHUB_RUN_ID")
                .ok()
                .and_then(|id| id.trim().parse().ok()),
        };
        self.github
            .upsert_sticky(owner, name, pr, move |previous| {
                sticky_body(previous, &update)
            })
            .await
            .map_err(CommandError::from)
    }

    /// No verified fix: says so on the failing PR — or, for a fix waiting for a review, shows
    /// the fix and how to answer.
    async fn unverified(&self, outcome: &Value, dir: &Path) -> Result<(), CommandError> {
        let kind = field(outcome, "outcome");
        let message = field(outcome, "message");
        let mut now = String::new();
        if let Some(note) = outcome["note"].as_str() {
            let _ = write!(now, "{note}\n\n");
        }
        match kind.as_str() {
            "review" => {
                let verified = if outcome["verified"].as_bool().unwrap_or(false) {
                    "fixloop verified it"
                } else {
                    "fixloop could not verify it"
                };
                let _ = write!(
                    now,
                    "A fix waits for a review ({verified}). Answer with a comment: \
                     `/fixloop approve`, `/fixloop revise \"what to change\"` or \
                     `/fixloop abort`."
                );
                if let Ok(patch) = std::fs::read_to_string(dir.join("fix.patch")) {
                    let _ = write!(
                        now,
                        "\n\n<details><summary>The fix</summary>\n\n{}\n\n</details>",
                        fenced(&patch)
                    );
                }
            }
            "not-verified" => {
                let _ = write!(now, "No verified fix this time: {message}");
            }
            _ => return Ok(()),
        }
        let by = outcome["answered_by"]
            .as_str()
            .map(|who| format!(" (after {} by {who})", field(outcome, "answer")))
            .unwrap_or_default();
        self.comment(format!("{kind}{by}: {message}"), now).await
    }

    /// Refuses a patch that touches a protected path, saying so on the failing PR.
    async fn refuse_protected(
        &self,
        patch: &str,
        args: &CiPublishArgs,
    ) -> Result<(), CommandError> {
        let mut guarded: Vec<String> = PROTECTED.iter().map(|p| (*p).to_owned()).collect();
        guarded.extend(args.protect.iter().cloned());
        guarded.retain(|g| !args.allow.contains(g));
        let paths = patch_paths(patch);
        let touched = protected(&paths, &guarded);
        if touched.is_empty() {
            return Ok(());
        }
        let said = format!(
            "the verified fix changes protected paths ({}); fixloop pushes nothing that \
             changes them",
            touched.join(", ")
        );
        let now = format!("{said}. Apply the patch from the workflow run's artifact by hand.");
        self.comment(format!("refused: {said}"), now).await?;
        Err(CommandError::new(ExitCode::Partial, said).hint(
            "a person reviews the patch in the output folder; `--allow GLOB` lets a path the \
             team accepts through",
        ))
    }

    /// Posts the patch on the failing PR as a suggestion (a fork's PR, or suggestion delivery).
    async fn suggest(&self, patch: &str, fork: bool) -> Result<ExitCode, CommandError> {
        let Some(pr) = self.pr else {
            return Err(CommandError::new(
                ExitCode::Input,
                "the failing PR is not known: there is nowhere to post the suggestion",
            ));
        };
        let why = if fork {
            "this PR comes from a fork, which fixloop does not push to"
        } else {
            "this repository's fixloop delivers fixes as suggestions"
        };
        self.comment(
            "verified fix, posted as a suggestion".into(),
            suggestion(patch, why),
        )
        .await?;
        println!("fixloop: the verified fix is posted on #{pr} as a suggestion ({why})");
        Ok(ExitCode::Success)
    }

    /// Opens (or updates) the draft PR for the pushed branch and points the failing PR at it.
    async fn open_pr(&self, request: &PrRequest) -> Result<(), CommandError> {
        let (owner, name) = self.repo.split_once('/').unwrap_or((&self.repo, ""));
        let (url, number, notes) = self
            .github
            .open_or_update_pr(owner, name, request, None)
            .await
            .map_err(CommandError::from)?;
        for note in notes {
            eprintln!("fixloop: {note}");
        }
        let branch = &request.branch;
        let now = format!("A verified fix is on `{branch}`: draft PR {url} (#{number}).");
        self.comment(format!("verified fix, #{number}"), now)
            .await?;
        println!("fixloop: pushed {branch} and opened {url}");
        Ok(())
    }
}

/// The patch applied to the base in a worktree of its own, committed: the commit, once its
/// tree is the verified commit's (an applied patch that makes another tree is refused).
async fn commit_patch(repo: &Path, outcome: &Value, patch: &Path) -> Result<String, CommandError> {
    let field = |k: &str| outcome[k].as_str().unwrap_or_default().to_owned();
    let base = field("base_commit");
    let git = Git::new(repo.to_path_buf());
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        CommandError::new(ExitCode::Failed, format!("{what}: {e}"))
    };
    if git
        .run(&["cat-file", "-e", &format!("{base}^{{commit}}")])
        .await
        .is_err()
    {
        let auth = push_auth();
        let env: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Git::run_in(repo, &["fetch", "--quiet", "origin", &base], &env)
            .await
            .map_err(|e| failed("cannot fetch the base commit", &e))?;
    }
    let scratch = tempfile_dir()?;
    let dir = scratch.join("tree");
    let dir_arg = dir.display().to_string();
    git.run(&["worktree", "add", "--quiet", "--detach", &dir_arg, &base])
        .await
        .map_err(|e| failed("cannot check out the base", &e))?;
    let applied = async {
        let patch_arg = patch.display().to_string();
        Git::run_in(&dir, &["apply", "--index", "--binary", &patch_arg], &[])
            .await
            .map_err(|e| {
                CommandError::new(
                    ExitCode::Failed,
                    format!("the verified patch does not apply to {base}: {e}"),
                )
            })?;
        let tree = Git::run_in(&dir, &["write-tree"], &[])
            .await
            .map_err(|e| failed("cannot write the tree", &e))?;
        if tree != field("fix_tree") {
            return Err(CommandError::new(
                ExitCode::Input,
                format!(
                    "the patch applied to {base} makes tree {tree}, not the verified commit's \
                     {}; nothing was pushed",
                    field("fix_tree")
                ),
            ));
        }
        let identity = git.identity().await;
        let env: Vec<(&str, &str)> = identity.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Git::run_in(
            &dir,
            &[
                "commit-tree",
                &tree,
                "-p",
                &base,
                "-m",
                &field("fix_message"),
            ],
            &env,
        )
        .await
        .map_err(|e| failed("cannot commit the fix", &e))
    }
    .await;
    let _ = git.run(&["worktree", "remove", "--force", &dir_arg]).await;
    let _ = std::fs::remove_dir_all(&scratch);
    applied
}

/// Pushes `commit` to `branch` unless the branch already has its tree (a publish run again).
async fn push(repo: &Path, remote: &str, commit: &str, branch: &str) -> Result<(), CommandError> {
    let git = Git::new(repo.to_path_buf());
    let auth = push_auth();
    let env: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let there = Git::run_in(
        repo,
        &["ls-remote", remote, &format!("refs/heads/{branch}")],
        &env,
    )
    .await
    .unwrap_or_default();
    if let Some(remote_commit) = there.split_whitespace().next() {
        let _ = Git::run_in(repo, &["fetch", "--quiet", remote, remote_commit], &env).await;
        let same = git
            .run(&[
                "rev-parse",
                &format!("{remote_commit}^{{tree}}"),
                &format!("{commit}^{{tree}}"),
            ])
            .await
            .is_ok_and(|trees| {
                let mut lines = trees.lines();
                lines.next() == lines.next()
            });
        if same {
            return Ok(());
        }
    }
    Git::run_in(
        repo,
        &[
            "push",
            "--quiet",
            "--force",
            remote,
            &format!("{commit}:refs/heads/{branch}"),
        ],
        &env,
    )
    .await
    .map(drop)
    .map_err(|e| {
        CommandError::new(ExitCode::Unavailable, format!("cannot push {branch}: {e}"))
            .hint("the publish job needs `contents: write` (or an App token that may push)")
    })
}

/// The patch as a suggestion for a fork's PR (which fixloop may not push to).
fn suggestion(patch: &str, why: &str) -> String {
    format!(
        "A verified fix, as a patch ({why}). Apply it with `git apply`:\n\n{}",
        fenced(patch)
    )
}

/// The patch in a fence no line of it can close, cut to what a comment holds.
fn fenced(patch: &str) -> String {
    let fence = "`".repeat(patch_fence(patch));
    let mut shown = patch.to_owned();
    if shown.len() > SUGGESTION_LIMIT {
        let mut end = SUGGESTION_LIMIT;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push_str("\n… (cut; the whole patch is in the workflow run's artifact)\n");
    }
    format!("{fence}diff\n{shown}\n{fence}")
}

/// A fence longer than any run of backticks in the patch.
fn patch_fence(patch: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in patch.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    (longest + 1).max(3)
}

fn tempfile_dir() -> Result<PathBuf, CommandError> {
    let dir = std::env::temp_dir().join(format!("fixloop-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    Ok(dir)
}
