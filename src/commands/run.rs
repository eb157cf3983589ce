//! `fixloop run`: one failure, from its logs to a verified fix.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::CommandError;
use super::setup::{Prepared, prepare};
use crate::adapters::agent::{Claude, Codex, CommandAgent, Manual};
use crate::adapters::forge::NoForge;
use crate::adapters::git::Git;
use crate::adapters::github::{GitHub, GitHubForge, Token, api_base, remote_repo};
use crate::cli::RunArgs;
use crate::core::command::Command;
use crate::core::event::{Decision, Event};
use crate::core::exit::ExitCode;
use crate::core::info::{AgentKind, Info};
use crate::core::pipeline::{FailureMachine, Replayed};
use crate::core::policy::Approve;
use crate::core::runurl::RunUrl;
use crate::core::setup::{DEFAULT_RUN_BUDGET_CENTS, DEFAULT_STEP_BUDGET_CENTS, usd_to_cents};
use crate::core::setup::{RunSetup, Settings};
use crate::core::view::RunView;
use crate::engine::bench::Bench;
use crate::engine::driver::Driver;
use crate::engine::emitter::Emitter;
use crate::engine::failure::FailurePipeline;
use crate::engine::pipeline::Pipeline;
use crate::engine::ports::{Agent, Decider, Forge};
use crate::engine::setup::Setup;
use crate::engine::store::{Journal, NameLock, RunLock, Store, read_journal};
use crate::ui::headless::{LineReporter, PolicyDecider, ReviewDecider};
use crate::ui::tui::{self, app::RunApp, decider::PersonDecider};

/// Default time budget of an AI step.
const AI_BUDGET: Duration = Duration::from_secs(15 * 60);
/// Default time budget of one test run.
const TEST_BUDGET: Duration = Duration::from_secs(5 * 60);

pub async fn run(args: RunArgs) -> Result<ExitCode, CommandError> {
    let prepared = prepare(&args.target).await?;
    let headless = args.front.is_headless();
    if headless && prepared.agent == AgentKind::Manual {
        return Err(CommandError::new(
            ExitCode::Usage,
            "the manual agent needs a person at a terminal: run without --headless in a \
             terminal, or choose --agent claude, codex or command",
        ));
    }
    // Before anything is fetched or written: a run that cannot start says so at once.
    super::validate::preflight(&prepared).await?;
    Box::pin(start(prepared, &args, headless)).await
}

/// Whether fixloop can show its TUI here.
#[must_use]
pub fn interactive_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Runs a prepared failure, headless or in the TUI; returns the exit code.
pub async fn start(
    prepared: Prepared,
    args: &RunArgs,
    headless: bool,
) -> Result<ExitCode, CommandError> {
    let mut name_lock = name_lock(&prepared.repo, &prepared.name).await?;
    let NewRun {
        run_id,
        run_dir,
        lock,
        journal,
        log_guard: _log_guard,
    } = new_run(&prepared.workspace, &prepared.name, &mut name_lock)?;
    let approve = args.front.approve();
    let info = &prepared.info;
    // Flaky failures need more runs; issue-grade statistics decide this in a later version.
    let deterministic_runs = info
        .iterations
        .unwrap_or(if info.deterministic { 3 } else { 20 });
    let settings = Settings {
        has_logs: info.url.is_some() || info.raw_logs.is_some(),
        existing_test: prepared.existing.is_some(),
        keep_test_in_pr: info.keep_test_in_pr,
        open_pr: !args.no_pr,
        max_attempts: args.attempts,
        max_revisions: Some(args.revisions),
        runs: deterministic_runs,
        verify_committed_tree: true,
        // A person doing the fix by hand has no fresh session to write tests after it.
        post_fix_tests: !args.no_post_fix_tests && prepared.agent != AgentKind::Manual,
    };
    let budget = info.time_budget.map(Duration::from_secs);
    let setup = Setup {
        run_id,
        run_dir,
        workspace: prepared.workspace.clone(),
        repo: prepared.repo.clone(),
        failure_dir: prepared.failure_dir.clone(),
        info: prepared.info.clone(),
        name: prepared.name.clone(),
        base: prepared.base.clone(),
        agent: prepared.agent,
        headless,
        policy: policy_name(headless, approve),
        recorded: RunSetup {
            settings,
            remote: prepared.remote.clone(),
            agent_cmd: prepared.agent_cmd.clone(),
            github_api_url: args.github_api_url.clone(),
            ai_budget_secs: budget.unwrap_or(AI_BUDGET).as_secs(),
            test_budget_secs: budget.unwrap_or(TEST_BUDGET).as_secs(),
            nice: args.nice,
            cpu_load: args.cpu_load,
            measure_failures: args.measure_failures,
            // Recorded even when they are the defaults: the report says what the run had.
            budget_cents: Some(
                args.budgets
                    .budget_usd
                    .or(info.budget_usd)
                    .map_or(DEFAULT_RUN_BUDGET_CENTS, usd_to_cents),
            ),
            step_budget_cents: Some(
                args.budgets
                    .step_budget_usd
                    .or(info.step_budget_usd)
                    .map_or(DEFAULT_STEP_BUDGET_CENTS, usd_to_cents),
            ),
            existing: prepared.existing.clone(),
            pipeline_config: None,
            memory_repo: Some(
                super::memory::repo_of(&prepared.repo, prepared.remote.as_deref()).await,
            ),
        },
    };
    let agent = agent_for(prepared.agent, prepared.agent_cmd.clone());
    let forge = forge_for(
        &prepared.info,
        prepared.remote.as_deref(),
        &prepared.repo,
        args.github_api_url.clone(),
    )
    .await?;
    let emitter = Emitter::new(Some(journal));
    let launch = Launch {
        pipeline: FailurePipeline,
        setup,
        emitter,
        agent,
        forge,
        headless,
        json: args.front.json,
        approve,
        answer: None,
        hold_push: args.hold_push,
        resume: None,
        lock,
        name_lock,
    };
    Box::pin(launch.go()).await
}

/// A new run of `name` in `workspace`: its folder, the lock on it, its journal and its file log
/// (held until the run ends), with `name_lock` told which run holds it.
pub(crate) struct NewRun {
    pub run_id: String,
    pub run_dir: std::path::PathBuf,
    pub lock: RunLock,
    pub journal: Journal,
    pub log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Makes a new run of `name` in `workspace` (see [`NewRun`]).
pub(crate) fn new_run(
    workspace: &Path,
    name: &str,
    name_lock: &mut NameLock,
) -> Result<NewRun, CommandError> {
    let store = Store::new(workspace);
    let (run_id, run_dir) = store.create_run(name, Utc::now()).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot create {}: {e}", store.outputs.display()),
        )
    })?;
    let lock = RunLock::take(&run_dir)?;
    name_lock.held_by(&run_id);
    let log_guard = init_file_log(&run_dir);
    let journal = Journal::create(&run_dir).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot create the journal in {}: {e}", run_dir.display()),
        )
    })?;
    Ok(NewRun {
        run_id,
        run_dir,
        lock,
        journal,
        log_guard,
    })
}

/// The lock of a failure name in the repository `repo`: a second run of it is refused at once.
pub(crate) async fn name_lock(repo: &Path, name: &str) -> Result<NameLock, CommandError> {
    let git_dir = Git::new(repo.to_path_buf())
        .common_dir()
        .await
        .map_err(|e| CommandError::new(ExitCode::Failed, e.to_string()))?;
    Ok(NameLock::take(&git_dir, name)?)
}

/// The policy named in the journal: the `--approve` rule headless, the person in the TUI.
#[must_use]
pub fn policy_name(headless: bool, approve: Approve) -> String {
    if headless {
        approve.as_str().into()
    } else {
        "person".into()
    }
}

#[must_use]
pub fn agent_for(kind: AgentKind, agent_cmd: Option<String>) -> Box<dyn Agent> {
    match kind {
        AgentKind::Claude => Box::new(Claude::default()),
        AgentKind::Codex => Box::new(Codex::default()),
        AgentKind::Command => Box::new(CommandAgent {
            command: agent_cmd.unwrap_or_default(),
        }),
        AgentKind::Manual => Box::new(Manual),
    }
}

/// A resumed run's rebuilt pipeline and the journal it was rebuilt from.
pub type Resumed<M = FailureMachine> = (Replayed<M>, Vec<Event>);

/// A pipeline's driver, what it resumes from, and the run's locks.
type Driving<P> = (
    Driver<P>,
    Option<Resumed<<P as Pipeline>::Machine>>,
    (RunLock, NameLock),
);

/// A run of pipeline `P` ready to go (or to go on), and where it shows.
pub struct Launch<P: Pipeline = FailurePipeline> {
    pub pipeline: P,
    pub setup: Setup,
    pub emitter: Emitter,
    pub agent: Box<dyn Agent>,
    pub forge: Box<dyn Forge>,
    pub headless: bool,
    pub json: bool,
    pub approve: Approve,
    /// `fixloop review`: the reviewer's answer to the checkpoint the run waits at.
    pub answer: Option<(u32, Decision)>,
    /// Decline the push: the run ends with its verified fix committed (`fixloop ci analyze`).
    pub hold_push: bool,
    /// `fixloop resume`: the rebuilt pipeline and the journal it was rebuilt from.
    pub resume: Option<Resumed<P::Machine>>,
    /// Held until the run ends.
    pub lock: RunLock,
    /// Held until the run ends: no other run of this failure name in this repository.
    pub name_lock: NameLock,
}

impl<P: Pipeline> std::fmt::Debug for Launch<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launch")
            .field("run_id", &self.setup.run_id)
            .finish_non_exhaustive()
    }
}

impl<P: Pipeline> Launch<P> {
    /// Runs (or resumes) the run where it shows; the run's lock is let go when it ends.
    pub async fn go(self) -> Result<ExitCode, CommandError> {
        let resume = self.setup.resume_command();
        let code = if self.headless {
            self.headless().await
        } else {
            self.tui().await?
        };
        if code == ExitCode::Interrupted {
            eprintln!("the run can go on from where it stopped: {resume}");
        }
        Ok(code)
    }

    /// The pipeline's driver on this run's bench, what it resumes from, and the run's locks
    /// (held by the caller until the run ends).
    fn driver(self, decider: Box<dyn Decider>, cancel: watch::Receiver<bool>) -> Driving<P> {
        let vcs = Box::new(Git::new(self.setup.repo.clone()));
        let bench = Bench {
            setup: self.setup,
            emitter: self.emitter,
            vcs,
            agent: self.agent,
            forge: self.forge,
            decider,
            cancel,
        };
        (
            Driver::new(self.pipeline, bench),
            self.resume,
            (self.lock, self.name_lock),
        )
    }

    async fn headless(self) -> ExitCode {
        let reporter = LineReporter {
            json: self.json,
            github_actions: std::env::var_os("GITHUB_ACTIONS").is_some(),
        };
        let printer = tokio::spawn(reporter.print(self.emitter.subscribe()));
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let signals = tokio::spawn(async move {
            wait_for_interrupt().await;
            let _ = cancel_tx.send(true);
        });
        let decider = ReviewDecider {
            answer: self.answer.clone(),
            hold_push: self.hold_push,
            policy: PolicyDecider(self.approve),
        };
        let (json, journal) = (self.json, self.setup.run_dir.join("events.jsonl"));
        let (driver, resume, _locks) = self.driver(Box::new(decider), cancel_rx);
        let code = match resume {
            Some((replayed, _)) => driver.resume(replayed).await,
            None => driver.run().await,
        };
        signals.abort();
        let _ = printer.await;
        if !json {
            print_next_steps(&journal);
        }
        code
    }

    async fn tui(self) -> Result<ExitCode, CommandError> {
        let events = self.emitter.subscribe();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let decider = Box::new(PersonDecider {
            commands: commands_rx,
        });
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let mut app = RunApp::new(color, Utc::now());
        let (driver, resume, _locks) = self.driver(decider, cancel_rx);
        let handle = match resume {
            Some((replayed, past)) => {
                app.view = RunView::replay(&past);
                tokio::spawn(driver.resume(replayed))
            }
            None => tokio::spawn(driver.run()),
        };
        let term_cancel = cancel_tx.clone();
        let term_commands = commands_tx.clone();
        let signals = tokio::spawn(async move {
            if let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                term.recv().await;
                let _ = term_cancel.send(true);
                let _ = term_commands.send(Command::Cancel);
            }
        });
        let result = tui::run(app, events, commands_tx, cancel_tx, handle).await;
        signals.abort();
        let (code, app) = result.map_err(|e| {
            CommandError::new(ExitCode::Failed, format!("the terminal failed: {e}"))
        })?;
        if let Some(end) = &app.view.finished {
            println!(
                "{}: {} (exit {})",
                end.status.as_str(),
                end.message,
                end.exit_code
            );
        }
        if let Some((md, _)) = &app.view.report {
            println!("report: {md}");
        }
        Ok(code)
    }
}

/// The GitHub repository of the failing run (or of the remote), or a forge that says why not.
pub async fn forge_for(
    info: &Info,
    remote: Option<&str>,
    repo: &Path,
    github_api_url: Option<String>,
) -> Result<Box<dyn Forge>, CommandError> {
    let target = match info.url.as_deref().map(RunUrl::parse) {
        Some(Ok(url)) => Some((url.host, url.owner, url.repo)),
        Some(Err(e)) => return Err(CommandError::new(ExitCode::Input, e)),
        None => match remote {
            Some(remote) => Git::new(repo.to_path_buf())
                .run(&["remote", "get-url", remote])
                .await
                .ok()
                .and_then(|url| remote_repo(&url)),
            None => None,
        },
    };
    let Some((host, owner, repo)) = target else {
        return Ok(Box::new(NoForge {
            reason: "the repository's remote is not on GitHub, so there is nowhere to open a \
                     PR; the branch is pushed"
                .into(),
        }));
    };
    let api = github_api_url.unwrap_or_else(|| api_base(&host));
    let client = GitHub::new(&api, Token::discover().await).map_err(CommandError::from)?;
    Ok(Box::new(GitHubForge {
        client,
        owner,
        repo,
    }))
}

async fn wait_for_interrupt() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// fixloop's own diagnostics go to `fixloop.log` in the run folder, never to the terminal.
pub(crate) fn init_file_log(
    run_dir: &std::path::Path,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let appender = tracing_appender::rolling::never(run_dir, "fixloop.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIXLOOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()
        .map(|()| guard)
}

/// After a headless run, what to do next (the commands that answer a review, resume, clean
/// up), from the whole journal: a resumed run's printer saw only its own part.
fn print_next_steps(journal: &Path) {
    let Ok(events) = read_journal(journal) else {
        return;
    };
    let view = RunView::replay(&events);
    let Some(end) = &view.finished else {
        return;
    };
    let steps = crate::core::report::next_steps(&view, end);
    if steps.is_empty() {
        return;
    }
    let mut text = String::from("next:\n");
    for step in steps {
        text.push_str("  • ");
        text.push_str(&step);
        text.push('\n');
    }
    let _ = super::output::print_bytes(text.as_bytes());
}
