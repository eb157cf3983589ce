//! `fixloop watch`: the CI watcher. Each sweep polls every configured repository for failed
//! runs (a conditional request: an idle poll costs no rate limit), takes the new ones into the
//! state database (each once, duplicates and fixloop's own runs left alone), then works on
//! every run taken and not finished — including one a killed watcher was working on — in as
//! many lanes per repository as its `concurrency`.

mod answers;
mod budget;
mod fixer;
mod git;
mod lanes;
mod listen;
mod memory;
pub(crate) mod notices;
mod pipeline;
mod sweep;
mod work;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::CommandError;
use super::ci_common::client;
use crate::adapters::state::WatchStore;
use crate::cli::WatchArgs;
use crate::core::exit::ExitCode;
use crate::core::watch::WatchConfig;
use crate::core::watch::config::schema_json;
use crate::engine::run_index::fixloop_state_dir;

pub async fn watch(args: &WatchArgs) -> Result<ExitCode, CommandError> {
    if args.schema {
        print!("{}", schema_json());
        return Ok(ExitCode::Success);
    }
    let config = read_config(&args.config)?;
    let state = match &args.state {
        Some(path) => path.clone(),
        None => fixloop_state_dir()
            .map(|d| d.join("watch.db"))
            .ok_or_else(|| {
                CommandError::new(
                    ExitCode::Usage,
                    "there is no state folder (neither XDG_STATE_HOME nor HOME is set)",
                )
                .hint("give the database with --state FILE")
            })?,
    };
    let store = WatchStore::open(&state).map_err(|e| CommandError::new(ExitCode::Io, e.0))?;
    let wake = Arc::new(Notify::new());
    if let Some(addr) = args.listen.as_ref().or(config.watch.listen.as_ref()) {
        if args.once {
            return Err(CommandError::new(
                ExitCode::Usage,
                "--listen and --once do not go together: webhooks need a watcher that stays",
            ));
        }
        let bound = listen::listen(addr, &config, &state, Arc::clone(&wake)).await?;
        println!("fixloop watch: listening for GitHub's webhooks on {bound}");
    }
    let github = client().await?;
    let notices = notices::Notices::from_config(&config, Some(&store))?;
    let watcher = work::Watcher {
        config: &config,
        store: &store,
        github: &github,
        work_dir: state
            .parent()
            .map_or_else(|| PathBuf::from("."), |p| p.join("watch")),
        agent: args.agent,
        agent_cmd: args.agent_cmd.clone(),
        budget: budget::Budget::default(),
    };
    // The AI path's runs each have a folder of their own: they share the watcher's memory.
    crate::engine::memory::share(watcher.work_dir.join("outputs").join("memory.jsonl"));
    loop {
        let swept = sweep::sweep(&watcher).await?;
        let answered = answers::answers(&watcher).await?;
        let worked = watcher.work_all().await?;
        notices.send(&store).await?;
        println!("fixloop watch: {swept}; {answered} answer(s) read; {worked}");
        if args.once {
            return Ok(ExitCode::Success);
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(config.watch.poll_seconds)) => {}
            () = wake.notified() => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::Success),
        }
    }
}

fn read_config(path: &std::path::Path) -> Result<WatchConfig, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read {}: {e}", path.display()),
        )
        .hint("write the watcher's configuration there, or give it with --config FILE")
    })?;
    WatchConfig::parse(&path.display().to_string(), &text).map_err(|e| {
        let hint = e.hint.clone();
        CommandError::new(ExitCode::Input, e.to_string()).hint(hint)
    })
}

/// A state database error as the command's: an I/O failure naming the file.
fn state(e: crate::adapters::state::StateError) -> CommandError {
    CommandError::new(ExitCode::Io, e.0)
}
