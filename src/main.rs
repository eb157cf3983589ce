//! fixloop's entry point: parse the command line, run the chosen command, map the outcome to the
//! contract's exit code. Everything else lives in the library.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::process::ExitCode;

use clap::Parser;
use fixloop::cli::{CiCommand, Cli, Command, InitCommand, SyncCommand};
use fixloop::commands::{self, CommandError, output};
use fixloop::core::sanitize::message_for_terminal;
use fixloop::engine::secrets::redact;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any thread or child exists: whatever a step's children leave running is handed to
    // fixloop, so the step can end it.
    fixloop::engine::process::become_subreaper();
    // A reader that closes the pipe early (`fixloop … | head`) ends the command quietly, as grep
    // does: no panic message, and the exit code of a command that did its job.
    output::quiet_closed_stdout();
    let result = match catch_unwind(AssertUnwindSafe(|| command(cli))) {
        Ok(result) => result,
        Err(payload) if output::is_closed_stdout(payload.as_ref()) => return ExitCode::SUCCESS,
        Err(payload) => resume_unwind(payload),
    };
    match result {
        Ok(code) => ExitCode::from(code.code()),
        Err(e) => {
            // What an error quotes (a field of info.json, a child's output) is shown, never
            // obeyed, and never with its secrets. Redaction reads the text as it will look, with
            // no control sequence left to split a secret; its mask names an environment
            // variable, which is not fixloop's text, so the result is cleaned once more.
            let shown = redact(&message_for_terminal(&e.render())).into_owned();
            eprintln!("{}", message_for_terminal(&shown));
            ExitCode::from(e.code.code())
        }
    }
}

/// Runs the chosen command: the synchronous ones as they are, the rest on a tokio runtime.
fn command(cli: Cli) -> Result<fixloop::core::exit::ExitCode, CommandError> {
    match cli.command {
        Some(Command::DemoAgent(args)) => commands::demo::demo_agent(&args),
        Some(Command::Init(args)) => match &args.what {
            Some(InitCommand::Github(github)) => commands::init_github::init_github(github),
            None => commands::init::init(&args),
        },
        Some(Command::Completions(args)) => commands::completions::completions(&args),
        Some(Command::Man) => commands::completions::man(),
        Some(Command::Flaky(args)) => commands::memory::flaky_command(&args),
        command => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(async move {
                match command {
                    Some(Command::Run(args)) => commands::run::run(args).await,
                    Some(Command::Validate(args)) => commands::validate::validate(args).await,
                    Some(Command::Demo(args)) => commands::demo::demo(args).await,
                    Some(Command::Reports(args)) => commands::reports::reports(&args).await,
                    Some(Command::Logs(args)) => commands::logs::logs(&args).await,
                    Some(Command::Stress(args)) => commands::stress::stress(&args).await,
                    Some(Command::Clean(args)) => commands::clean::clean(&args).await,
                    Some(Command::Resume(args)) => Box::pin(commands::resume::resume(&args)).await,
                    Some(Command::Review(args)) => Box::pin(commands::resume::review(&args)).await,
                    Some(Command::Ci(CiCommand::Analyze(args))) => {
                        Box::pin(commands::ci::analyze(&args)).await
                    }
                    Some(Command::Ci(CiCommand::Publish(args))) => {
                        commands::ci_publish::publish(&args).await
                    }
                    Some(Command::Stats(args)) => commands::reports::stats_command(&args).await,
                    Some(Command::Watch(args)) => Box::pin(commands::watch::watch(&args)).await,
                    Some(Command::Sync(args)) => match &args.what {
                        Some(SyncCommand::Publish(publish)) => {
                            Box::pin(commands::sync_publish::publish(publish)).await
                        }
                        None => Box::pin(commands::sync::sync(&args)).await,
                    },
                    _ => commands::run::run(cli.run).await,
                }
            }),
            Err(e) => Err(CommandError::new(
                fixloop::core::exit::ExitCode::Failed,
                format!("cannot start the runtime: {e}"),
            )),
        },
    }
}
