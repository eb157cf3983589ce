//! `fixloop ci analyze`: the analyze job of the generated workflow. It reads the event, skips it
//! at once with a one-line reason when fixloop should not act (its own runs, filters, the
//! attempt cap), else takes the failed run to a verified fix headless — committed, not pushed —
//! and writes the output folder the publish job works from.

use std::path::PathBuf;

use serde_json::json;

use super::CommandError;
use super::ci_common::{absolute, client, read_event, skipped, write};
use super::ci_finish::finish;
use crate::adapters::git::Git;
use crate::adapters::github::GitHub;
use crate::cli::{BudgetArgs, CiAnalyzeArgs, CiApproval, FrontArgs, RunArgs, TargetArgs};
use crate::core::ci::{self, CiEvent, FailedRun, Guard};
use crate::core::exit::ExitCode;
use crate::core::policy::Approve;
use crate::core::runurl::RunUrl;

pub async fn analyze(args: &CiAnalyzeArgs) -> Result<ExitCode, CommandError> {
    let event_path = args
        .event
        .clone()
        .or_else(|| std::env::var_os("GITHUB_EVENT_PATH").map(PathBuf::from))
        .ok_or_else(|| {
            CommandError::new(
                ExitCode::Usage,
                "no event: pass --event FILE (in GitHub Actions, GITHUB_EVENT_PATH names it)",
            )
        })?;
    let payload = read_event(&event_path)?;
    let name = args
        .event_name
        .clone()
        .or_else(|| std::env::var("GITHUB_EVENT_NAME").ok());
    let event = ci::parse(name.as_deref(), &payload).map_err(|e| {
        CommandError::new(ExitCode::Input, format!("{}: {e}", event_path.display()))
    })?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot create {}: {e}", args.out.display()),
        )
    })?;
    let guard = Guard {
        bots: if args.bots.is_empty() {
            Guard::default().bots
        } else {
            args.bots.clone()
        },
        workflows: args.workflows.clone(),
        prs_only: !args.include_pushes,
        attempt_cap: args.attempt_cap,
        ..Guard::default()
    };
    let github = client().await?;
    let (run, dispatched) = match event {
        CiEvent::Run(run) => (run, false),
        CiEvent::Dispatch { repo, run_id } => (dispatched_run(&github, &repo, run_id).await?, true),
        CiEvent::Comment(comment) => {
            return super::ci_answer::answer(args, &comment, &github).await;
        }
    };
    let repo_name = run.repo.clone();
    // A person who dispatched a run asked for it, PR or not.
    let guard = Guard {
        prs_only: guard.prs_only && !dispatched,
        ..guard
    };
    // What the event alone tells is decided before anything is fetched.
    if let Some(reason) = guard.skip(&run, 0) {
        return skipped(&args.out, &reason, &run);
    }
    let (owner, name) = repo_name.split_once('/').ok_or_else(|| {
        CommandError::new(
            ExitCode::Input,
            format!(
                "{}: the repository `{}` is not owner/name",
                event_path.display(),
                run.repo
            ),
        )
    })?;
    let mut run = run;
    if run.pull_requests.is_empty() && (run.trigger == "pull_request" || dispatched) {
        // GitHub lists no PR in a run of a fork's PR: the head commit finds it.
        run.pull_requests = github
            .prs_for_head(owner, name, &run.head_sha)
            .await
            .map_err(CommandError::from)?;
    }
    let attempts = match run.pull_requests.first() {
        Some(pr) => github
            .fixloop_attempts(owner, name, *pr)
            .await
            .map_err(CommandError::from)?,
        None => 0,
    };
    if let Some(reason) = guard.skip(&run, attempts) {
        return skipped(&args.out, &reason, &run);
    }
    take(args, &run, attempts).await
}

/// Runs the pipeline on the failed run and writes the output folder.
pub(super) async fn take(
    args: &CiAnalyzeArgs,
    run: &FailedRun,
    attempts: u32,
) -> Result<ExitCode, CommandError> {
    let out = absolute(&args.out);
    let repo = absolute(&args.repo.clone().unwrap_or_else(|| PathBuf::from(".")));
    let info = out.join("info.json");
    let fields = json!({
        "prompt": format!(
            "The `{}` workflow failed on `{}` (run {}). Find the failing tests in its logs and \
             fix the code so they pass, without weakening any test.",
            run.workflow, run.head_branch, run.run_id
        ),
        "deterministic": !args.flaky,
        "url": run.html_url,
        "name": format!("ci-{}", run.run_id),
    });
    write(&info, &(fields.to_string() + "\n"))?;
    // The run starts from the repository's memory, carried on its own ref between runs.
    super::ci_memory::seed(&repo, &out, "origin").await;
    let base = fix_base(&repo, run).await?;
    let run_args = RunArgs {
        target: TargetArgs {
            info: Some(info),
            repo: Some(repo.clone()),
            agent: args.agent,
            agent_cmd: args.agent_cmd.clone(),
            base,
        },
        front: FrontArgs {
            headless: true,
            approve: Some(match args.approval {
                CiApproval::Auto => Approve::Verified,
                CiApproval::Review => Approve::Review,
            }),
            json: false,
        },
        no_pr: true,
        hold_push: true,
        github_api_url: std::env::var("GITHUB_API_URL").ok(),
        attempts: 3,
        revisions: 3,
        budgets: BudgetArgs {
            budget_usd: args.max_cost_usd,
            ..BudgetArgs::default()
        },
        ..RunArgs::default()
    };
    let code = Box::pin(super::run::run(run_args)).await?;
    let outcome = json!({
        "repo": run.repo,
        "ci_run": run.run_id,
        "workflow": run.workflow,
        "pull_requests": run.pull_requests,
        "fork": run.from_fork(),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "attempt": attempts + 1,
        "revision": 0,
    });
    finish(&out, &repo, outcome, code).await
}

/// The branch the fix goes on: the failing code's own — a pull request's head branch (a fork's
/// head fetched into a local branch, since it is not on the remote), or the pushed branch —
/// so the fix is made, verified and delivered on top of what failed. `None`: the default.
async fn fix_base(repo: &std::path::Path, run: &FailedRun) -> Result<Option<String>, CommandError> {
    if run.head_branch.is_empty() {
        return Ok(None);
    }
    if !run.from_fork() {
        return Ok(Some(run.head_branch.clone()));
    }
    let Some(pr) = run.pull_requests.first() else {
        return Ok(None);
    };
    let local = format!("fixloop-pr-{pr}");
    let auth = super::ci_common::push_auth();
    let env: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refspec = format!("+refs/pull/{pr}/head:refs/heads/{local}");
    match Git::run_in(
        repo,
        &["fetch", "--quiet", "--no-tags", "origin", &refspec],
        &env,
    )
    .await
    {
        Ok(_) => Ok(Some(local)),
        // The head commit may still be had by its hash (the reproduction fetches it); the fix
        // then goes on the default branch, and its patch is posted as a suggestion.
        Err(e) => {
            eprintln!(
                "fixloop: cannot fetch the fork's head of #{pr} ({}); the fix goes on the default branch",
                e.stderr
            );
            Ok(None)
        }
    }
}

/// The run a dispatch names, read from GitHub.
async fn dispatched_run(
    github: &GitHub,
    repo: &str,
    run_id: u64,
) -> Result<FailedRun, CommandError> {
    let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
    let url = RunUrl {
        host: "github.com".into(),
        owner: owner.into(),
        repo: name.into(),
        run_id,
        job_id: None,
        attempt: None,
    };
    let api = github.run(&url).await.map_err(CommandError::from)?;
    Ok(FailedRun {
        repo: repo.to_owned(),
        run_id,
        run_attempt: u64::from(api.run_attempt.unwrap_or(1)),
        html_url: api
            .html_url
            .unwrap_or_else(|| format!("https://github.com/{repo}/actions/runs/{run_id}")),
        workflow: api.name.unwrap_or_default(),
        conclusion: api.conclusion.unwrap_or_default(),
        trigger: String::new(),
        head_branch: api.head_branch.unwrap_or_default(),
        head_sha: api.head_sha,
        // None (a fork deleted since) stays empty, and so counts as a fork's.
        head_repo: api.head_repository.map(|h| h.full_name).unwrap_or_default(),
        head_message: api.head_commit.map(|c| c.message).unwrap_or_default(),
        actors: Vec::new(),
        pull_requests: api.pull_requests.iter().map(|p| p.number).collect(),
    })
}
