//! `fixloop ci analyze`: the analyze job of the generated workflow. It reads the event, skips it
//! at once with a one-line reason when fixloop should not act (its own runs, filters, the
//! attempt cap), else takes the failed run to a verified fix headless — committed, not pushed —
//! and writes the output folder the publish job works from.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::CommandError;
use crate::adapters::git::Git;
use crate::adapters::github::{GitHub, Token, api_base};
use crate::cli::{BudgetArgs, CiAnalyzeArgs, CiApproval, FrontArgs, RunArgs, TargetArgs};
use crate::core::ci::{self, CiEvent, FailedRun, Guard};
use crate::core::exit::ExitCode;
use crate::core::policy::Approve;
use crate::core::publish;
use crate::core::runurl::RunUrl;
use crate::core::view::RunView;
use crate::engine::store::read_journal;

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
async fn take(
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
    let run_args = RunArgs {
        target: TargetArgs {
            info: Some(info),
            repo: Some(repo.clone()),
            agent: args.agent,
            agent_cmd: args.agent_cmd.clone(),
            base: None,
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

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The event is not fixloop's to act on: one line, an outcome, exit 0.
pub(super) fn skipped(out: &Path, reason: &str, run: &FailedRun) -> Result<ExitCode, CommandError> {
    let outcome = json!({
        "outcome": "skipped",
        "reason": reason,
        "repo": run.repo,
        "ci_run": run.run_id,
    });
    write(&out.join("outcome.json"), &(outcome.to_string() + "\n"))?;
    let line = format!("fixloop: skipped: {reason}");
    write(&out.join("summary.md"), &format!("{line}\n"))?;
    step_summary(&format!("{line}\n"));
    println!("{line}");
    Ok(ExitCode::Success)
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
        head_repo: String::new(),
        head_message: api.head_commit.map(|c| c.message).unwrap_or_default(),
        actors: Vec::new(),
        pull_requests: api.pull_requests.iter().map(|p| p.number).collect(),
    })
}

pub(super) async fn client() -> Result<GitHub, CommandError> {
    let api = std::env::var("GITHUB_API_URL").unwrap_or_else(|_| api_base("github.com"));
    GitHub::new(&api, Token::discover().await).map_err(CommandError::from)
}

pub(super) fn read_event(path: &Path) -> Result<Value, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read the event {}: {e}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!(
                "{}:{}:{}: not JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            ),
        )
    })
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

/// Appended to `$GITHUB_STEP_SUMMARY` when the job has one.
pub(super) fn step_summary(text: &str) {
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        use std::io::Write as _;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            let _ = file.write_all(text.as_bytes());
        }
    }
}

fn escape_annotation(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub(super) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

pub(super) fn write(path: &Path, text: &str) -> Result<(), CommandError> {
    std::fs::write(path, text).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}
