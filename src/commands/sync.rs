//! `fixloop sync`: keeps a fork in step with upstream's releases. Reads `[sync]` from
//! `fixloop.toml`, and runs the sync pipeline on the fork's repository (in a worktree of
//! fixloop's: the checkout itself is never changed), headless or in the TUI.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::CommandError;
use super::run::{Launch, NewRun, agent_for, name_lock, new_run, policy_name};
use super::watch::notices::Notices;
use crate::adapters::forge::NoForge;
use crate::adapters::git::Git;
use crate::adapters::git::sync::GitMerger;
use crate::adapters::github::{GitHub, GitHubSyncForge, Token};
use crate::cli::SyncArgs;
use crate::core::event::RunStatus;
use crate::core::exit::ExitCode;
use crate::core::info::{AgentKind, Info};
use crate::core::notify::{Notification, NotificationKind};
use crate::core::setup::{DEFAULT_RUN_BUDGET_CENTS, DEFAULT_STEP_BUDGET_CENTS, RunSetup, Settings};
use crate::core::sync::config::SyncSection;
use crate::core::sync::notice::{blocked_notice, pr_notice};
use crate::core::view::RunView;
use crate::core::watch::WatchConfig;
use crate::engine::emitter::Emitter;
use crate::engine::setup::Setup;
use crate::engine::store::read_journal;
use crate::engine::sync::SyncPipeline;

/// The name sync runs go by (their folders, the lock that keeps two from running at once).
const NAME: &str = "sync";
/// The variable holding a token that may push workflow files (an App token, or a personal
/// token with the `workflow` scope); the usual token when it is not set.
const SYNC_TOKEN: &str = "FIXLOOP_SYNC_TOKEN";

pub async fn sync(args: &SyncArgs) -> Result<ExitCode, CommandError> {
    let whole = read_config(&args.config)?;
    let config = section(&whole, &args.config)?;
    let hold = args.out.as_deref().map(super::ci_common::absolute);
    // The sinks are read before anything is done: a variable not set is said at once. A held
    // sync tells nothing: its publish job does, once there is something to tell.
    let notices = match hold {
        Some(_) => None,
        None => Some(Notices::from_config(&whole, None)?),
    };
    let repo_name = config.repo.clone();
    let repo = top_level(args.repo.as_deref().unwrap_or(Path::new("."))).await?;
    let headless = args.front.is_headless();
    let agent = args.agent.map_or(AgentKind::Claude, AgentKind::from);
    if headless && agent == AgentKind::Manual {
        return Err(CommandError::new(
            ExitCode::Usage,
            "the manual agent needs a person at a terminal: run without --headless",
        ));
    }
    let git = Git::new(repo.clone());
    let remote = git
        .run(&["remote", "get-url", &args.remote])
        .await
        .ok()
        .map(|_| args.remote.clone());
    let mut name_lock = name_lock(&repo, NAME).await?;
    // The runs live in the repository's git folder: the checkout is never written to.
    let workspace = git
        .common_dir()
        .await
        .map_err(|e| CommandError::new(ExitCode::Failed, e.to_string()))?
        .join("fixloop/sync");
    let NewRun {
        run_id,
        run_dir,
        lock,
        journal,
        log_guard: _log_guard,
    } = new_run(&workspace, NAME, &mut name_lock)?;
    let approve = args.front.approve();
    // What the run is about, for the report's input table (a sync has no info.json).
    let info: Info = serde_json::from_value(serde_json::json!({
        "prompt": format!("Keep {} in step with {}", config.repo, config.upstream),
        "deterministic": true,
        "name": NAME,
    }))
    .map_err(|e| CommandError::new(ExitCode::Failed, e.to_string()))?;
    let recorded = recorded(&config, args, remote.clone(), hold.clone());
    let setup = Setup {
        run_id,
        run_dir: run_dir.clone(),
        workspace,
        repo: repo.clone(),
        failure_dir: run_dir,
        info,
        name: NAME.into(),
        base: config.base.clone(),
        agent,
        headless,
        policy: policy_name(headless, approve),
        recorded,
    };
    let pipeline = SyncPipeline {
        forge: Box::new(forge(&config, args.github_api_url.clone()).await?),
        merger: Box::new(GitMerger::new(repo.clone()).with_push_env(push_env())),
        config,
        remote,
        hold,
    };
    let launch = Launch {
        pipeline,
        agent: agent_for(agent, args.agent_cmd.clone()),
        forge: Box::new(NoForge {
            reason: "a sync opens its PR itself".into(),
        }),
        setup,
        emitter: Emitter::new(Some(journal)),
        headless,
        json: args.front.json,
        approve,
        answer: None,
        hold_push: false,
        resume: None,
        lock,
        name_lock,
    };
    let journal = launch.setup.run_dir.join("events.jsonl");
    let code = Box::pin(launch.go()).await?;
    if let Some(notices) = &notices {
        tell(notices, &repo_name, &journal).await;
    }
    Ok(code)
}

/// Tells the notification sinks how the sync ended: a PR created (ready, or needing review), a
/// sync blocked, or one that failed; nothing when there was nothing new.
async fn tell(notices: &Notices, repo: &str, journal: &Path) {
    let Ok(events) = read_journal(journal) else {
        return;
    };
    let view = RunView::replay(&events);
    let Some(end) = &view.finished else {
        return;
    };
    let sync = view.sync.clone().unwrap_or_default();
    let what = sync.what.clone().unwrap_or_default();
    let (kind, title, link) = if let Some(pr) = &sync.published {
        let (kind, title) = pr_notice(&what, pr.number, &pr.labels);
        (kind, title, Some(pr.url.clone()))
    } else if let Some(blocked) = &sync.blocked {
        (
            NotificationKind::Blocked,
            blocked_notice(&what, &blocked.reasons),
            blocked.issue.as_ref().map(|(_, url)| url.clone()),
        )
    } else if end.status == RunStatus::Failed {
        (
            NotificationKind::Failed,
            format!("The upstream sync failed: {}", end.message),
            None,
        )
    } else {
        return;
    };
    send(notices, repo, kind, title, link).await;
}

/// One notification to every sink; a sink that fails is said on stderr, the sync goes on.
pub(super) async fn send(
    notices: &Notices,
    repo: &str,
    kind: NotificationKind,
    title: String,
    link: Option<String>,
) {
    let mut notification = Notification::new(kind, repo, title, Utc::now());
    if let Some(link) = link {
        notification = notification.with_link(link);
    }
    for failed in notices.send_now(notification).await {
        eprintln!("fixloop sync: notification: {failed}");
    }
}

/// The sync's own part of what the journal keeps: its `[sync]` section, and where a held sync
/// writes its branch and PR.
#[derive(Debug, Serialize, Deserialize)]
struct SyncRecord {
    sync: SyncSection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hold: Option<PathBuf>,
}

/// What the journal keeps of a sync's choices, so that a resume goes on with the same.
fn recorded(
    config: &SyncSection,
    args: &SyncArgs,
    remote: Option<String>,
    hold: Option<PathBuf>,
) -> RunSetup {
    RunSetup {
        settings: Settings {
            has_logs: false,
            open_pr: !args.no_pr,
            post_fix_tests: false,
            ..Settings::default()
        },
        remote,
        agent_cmd: args.agent_cmd.clone(),
        github_api_url: args.github_api_url.clone(),
        ai_budget_secs: 30 * 60,
        test_budget_secs: 30 * 60,
        nice: false,
        cpu_load: false,
        measure_failures: None,
        budget_cents: Some(DEFAULT_RUN_BUDGET_CENTS),
        step_budget_cents: Some(DEFAULT_STEP_BUDGET_CENTS),
        existing: None,
        pipeline_config: serde_json::to_value(SyncRecord {
            sync: config.clone(),
            hold,
        })
        .ok(),
        memory_repo: None,
    }
}

/// A sync run's pipeline as its journal recorded it (`fixloop resume`).
pub(super) async fn pipeline_for(setup: &Setup) -> Result<SyncPipeline, CommandError> {
    let record: SyncRecord = setup
        .recorded
        .pipeline_config
        .clone()
        .and_then(|v| {
            serde_json::from_value(v.clone()).ok().or_else(|| {
                // Journals from before held syncs kept the section alone.
                serde_json::from_value(v)
                    .ok()
                    .map(|sync| SyncRecord { sync, hold: None })
            })
        })
        .ok_or_else(|| {
            CommandError::new(
                ExitCode::Input,
                format!("run {}: its journal has no [sync] section", setup.run_id),
            )
            .hint("start the sync again with `fixloop sync`")
        })?;
    Ok(SyncPipeline {
        forge: Box::new(forge(&record.sync, setup.recorded.github_api_url.clone()).await?),
        merger: Box::new(GitMerger::new(setup.repo.clone()).with_push_env(push_env())),
        config: record.sync,
        remote: setup.recorded.remote.clone(),
        hold: record.hold,
    })
}

/// The fork on GitHub: the token from `FIXLOOP_SYNC_TOKEN` when it is set (an App token or a
/// token with the `workflow` scope), else the usual one.
pub(super) async fn forge(
    config: &SyncSection,
    api: Option<String>,
) -> Result<GitHubSyncForge, CommandError> {
    let token = Token::discover_preferring(SYNC_TOKEN).await;
    // The job's own token in Actions may never push workflow files.
    let actions_token = std::env::var_os("GITHUB_ACTIONS").is_some()
        && token.as_ref().is_some_and(|t| t.source == "GITHUB_TOKEN");
    let api = api.unwrap_or_else(|| "https://api.github.com".into());
    let client = GitHub::new(&api, token).map_err(CommandError::from)?;
    let (owner, repo) = config.repo.split_once('/').unwrap_or((&config.repo, ""));
    Ok(GitHubSyncForge {
        client,
        owner: owner.to_owned(),
        repo: repo.to_owned(),
        actions_token,
    })
}

/// git's environment for the push: the sync's own token when it is set, else the usual one.
pub(super) fn push_env() -> Vec<(String, String)> {
    match std::env::var(SYNC_TOKEN)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        Some(token) => super::ci_common::push_auth_with(&token),
        None => super::ci_common::push_auth(),
    }
}

/// The configuration, checked.
pub(super) fn read_config(path: &Path) -> Result<WatchConfig, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read {}: {e}", path.display()),
        )
        .hint("write a [sync] section there, or give the file with --config FILE")
    })?;
    WatchConfig::parse(&path.display().to_string(), &text).map_err(|e| {
        let hint = e.hint.clone();
        CommandError::new(ExitCode::Input, e.to_string()).hint(hint)
    })
}

/// Its `[sync]` section.
pub(super) fn section(config: &WatchConfig, path: &Path) -> Result<SyncSection, CommandError> {
    config.sync.clone().ok_or_else(|| {
        CommandError::new(
            ExitCode::Input,
            format!("{}: there is no [sync] section", path.display()),
        )
        .hint("add one: [sync] with repo = \"owner/fork\" and upstream = \"<git URL>\"")
    })
}

/// The top folder of the git repository holding `dir`.
pub(super) async fn top_level(dir: &Path) -> Result<PathBuf, CommandError> {
    let dir = dir
        .canonicalize()
        .map_err(|e| CommandError::new(ExitCode::Input, format!("{}: {e}", dir.display())))?;
    Git::new(dir.clone())
        .run(&["rev-parse", "--show-toplevel"])
        .await
        .map(|top| PathBuf::from(top.trim()))
        .map_err(|e| {
            CommandError::new(
                ExitCode::Input,
                format!("{} is not in a git repository: {}", dir.display(), e.stderr),
            )
            .hint("run fixloop sync in the fork's checkout, or give it with --repo DIR")
        })
}
