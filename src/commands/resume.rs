//! `fixloop resume RUN_ID`: goes on with a run from its journal. The pipeline is rebuilt by
//! feeding it the journal's inputs again; the step that was cut off (or failed, or waits for a
//! decision) is done again, and every step is written so that doing it again reuses what the
//! first attempt made: the worktrees, the branch, its commit, the pushed branch and the PR.

use std::time::Duration;

use super::CommandError;
use super::run::{Launch, agent_for, forge_for, init_file_log, policy_name};
use crate::cli::ResumeArgs;
use crate::core::event::{EventKind, RunSetup};
use crate::core::info::{AgentKind, Info};
use crate::core::pipeline::replay;
use crate::core::policy::Approve;
use crate::engine::driver::{Reproduction, Setup};
use crate::engine::emitter::Emitter;
use crate::engine::process::{stop_leftovers, wait_for_git};
use crate::engine::store::{Journal, RunLock, Store, read_journal};

pub async fn resume(args: &ResumeArgs) -> Result<i32, CommandError> {
    let store = Store::new(&super::workspace_of(args.info.as_deref()));
    let run_dir = store.run_dir(&args.run);
    let run_dir = run_dir.canonicalize().unwrap_or(run_dir);
    let journal_path = run_dir.join("events.jsonl");
    if !journal_path.is_file() {
        let known = store.run_ids();
        let hint = match known.last() {
            Some(last) => format!("the newest run there is `{last}`; `fixloop reports` lists all"),
            None => "there are no runs there; pass --info FILE to name the workspace".into(),
        };
        return Err(CommandError::new(
            65,
            format!(
                "no run `{}` in {}\n  hint: {hint}",
                args.run,
                store.outputs.display()
            ),
        ));
    }
    // Nobody else may be running it; what the killed process left running is stopped first.
    let lock = RunLock::take(&run_dir).map_err(|e| CommandError::new(1, e))?;
    let stopped = stop_leftovers(&run_dir);
    let past = read_journal(&journal_path).map_err(|e| CommandError::new(65, e))?;
    let Some((started, recorded)) = past.iter().find_map(|e| match &e.kind {
        EventKind::RunStarted { setup, .. } => Some((&e.kind, setup.clone())),
        _ => None,
    }) else {
        return Err(CommandError::new(
            65,
            format!(
                "{}: the journal has no run-started event\n  hint: start the run again with \
                 `fixloop run`",
                journal_path.display()
            ),
        ));
    };
    let Some(recorded) = recorded else {
        return Err(CommandError::new(
            65,
            format!(
                "{}: this run was started by a fixloop that did not record what resuming needs\n  \
                 hint: start it again with `fixloop run`",
                journal_path.display()
            ),
        ));
    };
    let replayed = replay(recorded.settings.clone(), &past)
        .map_err(|e| CommandError::new(1, format!("run {}: {e}", args.run)))?;
    if let EventKind::RunStarted { repo, .. } = started
        && !wait_for_git(std::path::Path::new(repo), Duration::from_secs(30))
    {
        return Err(CommandError::new(
            1,
            format!(
                "git is still working in {repo} after 30 s\n  hint: let it finish (or stop it), \
                 then resume again"
            ),
        ));
    }

    let headless = args.front.is_headless();
    let approve = args.front.approve();
    let setup = setup_from(
        started,
        &recorded,
        &args.run,
        run_dir.clone(),
        headless,
        approve,
    )?;
    let agent_kind = match started {
        EventKind::RunStarted { agent, .. } => agent_kind(agent),
        _ => None,
    }
    .ok_or_else(|| CommandError::new(65, "the journal names no agent fixloop knows"))?;
    if headless && agent_kind == AgentKind::Manual {
        return Err(CommandError::new(
            2,
            "this run's agent is the person at the keyboard: resume it in a terminal, without \
             --headless",
        ));
    }
    let _log_guard = init_file_log(&run_dir);
    let journal = Journal::reopen(&run_dir).map_err(|e| {
        CommandError::new(1, format!("cannot reopen {}: {e}", journal_path.display()))
    })?;
    let agent = agent_for(agent_kind, recorded.agent_cmd.clone());
    let forge = forge_for(
        &setup.info,
        setup.remote.as_deref(),
        &setup.repo,
        recorded.github_api_url.clone(),
    )
    .await?;
    let emitter = Emitter::resume(journal, &past);
    if !stopped.is_empty() {
        emitter.emit(EventKind::Warned {
            message: format!(
                "stopped {} process(es) the interrupted run left running (pids {})",
                stopped.len(),
                stopped
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Launch {
        setup,
        emitter,
        agent,
        forge,
        headless,
        json: args.front.json,
        approve,
        resume: Some((replayed, past)),
        lock,
    }
    .go()
    .await
}

fn agent_kind(name: &str) -> Option<AgentKind> {
    Some(match name {
        "claude" => AgentKind::Claude,
        "codex" => AgentKind::Codex,
        "command" => AgentKind::Command,
        "manual" => AgentKind::Manual,
        _ => return None,
    })
}

/// The run's setup as it started, from its first event and what it recorded for resuming.
fn setup_from(
    started: &EventKind,
    recorded: &RunSetup,
    run_id: &str,
    run_dir: std::path::PathBuf,
    headless: bool,
    approve: Approve,
) -> Result<Setup, CommandError> {
    let EventKind::RunStarted {
        name,
        info,
        repo,
        workspace,
        failure_dir,
        base,
        ..
    } = started
    else {
        return Err(CommandError::new(65, "not a run-started event"));
    };
    let info: Info = (**info).clone();
    Ok(Setup {
        run_id: run_id.to_owned(),
        run_dir,
        workspace: workspace.into(),
        repo: repo.into(),
        failure_dir: failure_dir.into(),
        info,
        name: name.clone(),
        base: base.clone(),
        remote: recorded.remote.clone(),
        headless,
        policy: policy_name(headless, approve),
        existing: recorded.existing.as_ref().map(Reproduction::from_given),
        ai_budget: Duration::from_secs(recorded.ai_budget_secs),
        test_budget: Duration::from_secs(recorded.test_budget_secs),
        settings: recorded.settings.clone(),
        nice: recorded.nice,
        cpu_load: recorded.cpu_load,
        agent_cmd: recorded.agent_cmd.clone(),
        github_api_url: recorded.github_api_url.clone(),
    })
}
