//! The command line, as the contract writes it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::info::AgentKind;
use crate::core::policy::Approve;

/// The top-level help's closing lines: where to start, and the common path.
const AFTER_HELP: &str = "\
First time? `fixloop demo` runs the whole flow on a scratch repository, with no keys or network.

Examples:
  fixloop demo                  watch a failing test go to a verified fix
  fixloop init                  write a starting info.json in this folder
  fixloop validate              check info.json, git and the agent; changes nothing
  fixloop run --no-pr           fix the failure in ./info.json and push a branch, no PR
  fixloop resume RUN_ID         go on with a run that was interrupted
  fixloop reports               browse past runs";

#[derive(Debug, Parser)]
#[command(
    name = "fixloop",
    version,
    about = "Drive a failing CI run, step by checked step, to a verified fix on a draft pull request",
    args_conflicts_with_subcommands = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `fixloop` alone means `fixloop run`.
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take the failure in info.json to a verified fix (the default command).
    Run(RunArgs),
    /// Check info.json and the environment; changes nothing.
    Validate(ValidateArgs),
    /// The whole flow on a generated scratch repository; no keys needed.
    Demo(DemoArgs),
    /// Past runs: a browser in a terminal, a table when piped, JSON with --json; `show` prints
    /// one report.
    Reports(ReportsArgs),
    /// Success rate, time and cost of past runs, how they failed, flaky tests.
    Stats(StatsArgs),
    /// Known flaky tests: every stress measurement's rate, interval and runs, and whether a
    /// fix came after (`--info FILE` names the workspace, `--json` prints JSON).
    Flaky(StatsArgs),
    /// Go on with a run that was interrupted, killed, failed on something outside, or stopped
    /// for review: from the last step it completed.
    Resume(ResumeArgs),
    /// Answer the checkpoint a run stopped at for review, then go on with the run headless.
    Review(ReviewArgs),
    /// fixloop inside GitHub Actions: the analyze and publish jobs' steps.
    #[command(subcommand)]
    Ci(CiCommand),
    /// Watch repositories' CI and fix what fails: fixers first, the AI pipeline after.
    Watch(WatchArgs),
    /// Keep a fork in step with upstream: merge its newest release on a branch by a ladder of
    /// strategies, check it, and open one labelled PR (or one issue when it cannot); `sync
    /// publish` publishes what `sync --hold-push` prepared.
    #[command(args_conflicts_with_subcommands = true)]
    Sync(SyncArgs),
    /// Remove the worktrees and branches fixloop created for a run (or all runs).
    Clean(CleanArgs),
    /// Run a command many times in parallel: how often it fails, and how.
    Stress(StressArgs),
    /// Triage a CI log: failing tests, errors and the excerpt an agent gets.
    Logs(LogsArgs),
    /// Write a starting info.json in this folder, and say what to fill in; `init github` writes
    /// the GitHub Actions workflow that runs fixloop.
    #[command(args_conflicts_with_subcommands = true)]
    Init(InitArgs),
    /// Print a shell completion script (bash, zsh or fish) to standard output.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output.
    Man,
    /// The demo's scripted agent (used by `fixloop demo`).
    #[command(hide = true)]
    DemoAgent(DemoAgentArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentArg {
    Claude,
    Codex,
    Command,
    Manual,
}

impl From<AgentArg> for AgentKind {
    fn from(a: AgentArg) -> Self {
        match a {
            AgentArg::Claude => Self::Claude,
            AgentArg::Codex => Self::Codex,
            AgentArg::Command => Self::Command,
            AgentArg::Manual => Self::Manual,
        }
    }
}

/// Where a run shows and who answers its checkpoints (`run` and `resume`).
#[derive(Debug, Clone, Args, Default)]
pub struct FrontArgs {
    /// No prompts: checkpoints follow --approve; plain line output.
    #[arg(long)]
    pub headless: bool,
    /// Who approves checkpoints without a person (default: verified).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub approve: Option<Approve>,
    /// Print the event stream as JSON lines.
    #[arg(long)]
    pub json: bool,
}

impl FrontArgs {
    /// Headless when asked, or when there is no terminal to show the TUI in.
    #[must_use]
    pub fn is_headless(&self) -> bool {
        use std::io::IsTerminal;
        self.headless || !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal())
    }

    #[must_use]
    pub fn approve(&self) -> Approve {
        self.approve.unwrap_or(Approve::Verified)
    }
}

/// The failure and where to work on it: what the command line adds to info.json (`run`,
/// `validate`).
#[derive(Debug, Clone, Args, Default)]
pub struct TargetArgs {
    /// The failure to work on (default: ./info.json).
    #[arg(long, value_name = "FILE")]
    pub info: Option<PathBuf>,
    /// The target git repository (default: info.json's `repo`, or the repository holding it).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The agent doing the AI steps (default: info.json's `agent`, else claude).
    #[arg(long, value_enum)]
    pub agent: Option<AgentArg>,
    /// The shell command for --agent command.
    #[arg(long, value_name = "SHELL COMMAND")]
    pub agent_cmd: Option<String>,
    /// The branch to base the fix on.
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,
}

#[derive(Debug, Clone, Args, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches"
)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub front: FrontArgs,
    /// Push the fix branch but open no pull request.
    #[arg(long)]
    pub no_pr: bool,
    /// Stop with the verified fix committed, before the push (`fixloop ci analyze`: the publish
    /// job pushes it).
    #[arg(skip)]
    pub hold_push: bool,
    #[command(flatten)]
    pub budgets: BudgetArgs,
    /// How many attempts each AI step gets when a failed check is sent back automatically
    /// (headless, with fixloop's own finding); a person's revisions are counted apart.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub attempts: u32,
    /// How many times a person may send each AI step back with feedback (`r` at a checkpoint,
    /// or `fixloop review … revise`), apart from the automatic retries.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub revisions: u32,
    /// Verify without the tests a fresh agent session writes after the fix (faster, cheaper,
    /// and a fix right only for the reproduction's inputs is no longer caught).
    #[arg(long)]
    pub no_post_fix_tests: bool,
    /// The GitHub API base (default: derived from the run URL's host; api.github.com).
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL")]
    pub github_api_url: Option<String>,
    /// Flaky failures: run stress runs under `nice -n 10`.
    #[arg(long)]
    pub nice: bool,
    /// Flaky failures: keep every core busy while stress runs go.
    #[arg(long)]
    pub cpu_load: bool,
    /// Flaky failures: measure the reproduction until this many failures (default 3, enough to
    /// size the verification; more when you want the rate itself).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub measure_failures: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Plain line output and `--approve verified` instead of the terminal UI.
    #[arg(long)]
    pub headless: bool,
    /// Where to create the scratch repository (default: a new temporary folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print the event stream as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// The flaky flow instead: a test that fails about one run in three, its measured rate, the
    /// runs a fix needs, the verdict.
    #[arg(long)]
    pub flaky: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoAgentArgs {
    /// Do the steps of `fixloop demo --flaky`.
    #[arg(long)]
    pub flaky: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    #[command(subcommand)]
    pub what: Option<InitCommand>,
    /// The folder to write info.json in (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Replace an info.json that is already there.
    #[arg(long)]
    pub force: bool,
}

/// What else `fixloop init` writes.
#[derive(Debug, Clone, Subcommand)]
pub enum InitCommand {
    /// Write .github/workflows/fixloop.yml: the GitHub Actions workflow that takes failed runs
    /// to verified fixes (read-only analyze job, publish job that runs no repository code).
    Github(crate::commands::init_github::InitGithubArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells `fixloop completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Args)]
pub struct ReportsArgs {
    #[command(subcommand)]
    pub show: Option<ReportsCommand>,
    /// The workspace's info.json (default: ./info.json); its outputs/ holds the runs.
    #[arg(long, value_name = "FILE", global = true)]
    pub info: Option<PathBuf>,
    /// Print JSON instead of the browser or the table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches"
)]
pub struct StressArgs {
    /// How many runs.
    #[arg(long, default_value_t = 100)]
    pub runs: u32,
    /// How many at once (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<u32>,
    /// Stop everything at the first failure.
    #[arg(long)]
    pub until_fail: bool,
    /// Seconds one run may take; a run that takes longer counts as hung.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// A regular expression that marks the failure you are after.
    #[arg(long, value_name = "REGEX")]
    pub signature: Option<String>,
    /// The first run's seed (`{seed}` in the command and `FIXLOOP_STRESS_SEED`).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run each command with `nice -n 10`, to shake out timing-dependent failures.
    #[arg(long)]
    pub nice: bool,
    /// Keep a busy loop on every core while the runs go, to shake out timing-dependent failures.
    #[arg(long)]
    pub cpu_load: bool,
    /// Where failing runs' logs go (default: a new folder under the temp dir).
    #[arg(long, value_name = "DIR")]
    pub logs: Option<PathBuf>,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// What agents may spend.
#[derive(Debug, Clone, Copy, Args, Default)]
pub struct BudgetArgs {
    /// The most the whole run may spend on agents, in US dollars (info.json `budget-usd`;
    /// default 25). On resume, a larger budget lets a run stopped by it go on.
    #[arg(long, value_name = "USD", value_parser = dollars)]
    pub budget_usd: Option<f64>,
    /// The most one AI step may spend, in US dollars (info.json `step-budget-usd`; default 10).
    #[arg(long, value_name = "USD", value_parser = dollars)]
    pub step_budget_usd: Option<f64>,
}

fn dollars(text: &str) -> Result<f64, String> {
    match text.trim_start_matches('$').parse::<f64>() {
        Ok(d) if d.is_finite() && d >= 0.01 => Ok(d),
        _ => Err(format!(
            "`{text}` is not an amount of at least 0.01 US dollars"
        )),
    }
}

#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    /// The run stopped for review (its id or a unique beginning of it).
    #[arg(value_name = "RUN_ID")]
    pub run: String,
    #[command(subcommand)]
    pub answer: ReviewAnswer,
    /// Who answers the run's later checkpoints (default: the policy the run stopped under, or
    /// `verified` for a run started in the terminal).
    #[arg(long, value_enum, value_name = "POLICY", global = true)]
    pub approve: Option<Approve>,
    /// Print the event stream as JSON lines.
    #[arg(long, global = true)]
    pub json: bool,
    /// The workspace's info.json (default: ./info.json); its outputs/ holds the run.
    #[arg(long, value_name = "FILE", global = true)]
    pub info: Option<PathBuf>,
}

/// `fixloop watch`.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// The configuration (repositories, fixers, caps, notifications).
    #[arg(long, value_name = "FILE", default_value = "fixloop.toml")]
    pub config: PathBuf,
    /// One sweep of every repository, then exit (for cron or a scheduled workflow).
    #[arg(long)]
    pub once: bool,
    /// The state database (default: fixloop's XDG state folder, `watch.db`).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Print the configuration's JSON Schema and exit.
    #[arg(long)]
    pub schema: bool,
    /// Also take GitHub's webhooks (`workflow_run`, `check_suite`) on this address, such as
    /// 127.0.0.1:8787 (default: `listen` in `[watch]`); the secret is in the variable
    /// `webhook-secret-env` names.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// The agent for failures no fixer answers (default: claude).
    #[arg(long, value_enum)]
    pub agent: Option<AgentArg>,
    /// The shell command for --agent command.
    #[arg(long, value_name = "SHELL COMMAND")]
    pub agent_cmd: Option<String>,
}

/// `fixloop sync`.
#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub what: Option<SyncCommand>,
    /// The configuration holding the `[sync]` section (and `[notify.*]`).
    #[arg(long, value_name = "FILE", default_value = "fixloop.toml")]
    pub config: PathBuf,
    /// The fork's checkout (default: the current folder); it is never changed: the merge is
    /// made in a worktree of fixloop's.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The fork's remote the sync branch is pushed to.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
    /// The agent for conflicts no rule resolves (default: claude).
    #[arg(long, value_enum)]
    pub agent: Option<AgentArg>,
    /// The shell command for --agent command.
    #[arg(long, value_name = "SHELL COMMAND")]
    pub agent_cmd: Option<String>,
    #[command(flatten)]
    pub front: FrontArgs,
    /// Merge and check, but push nothing and open nothing: the branch stays here.
    #[arg(long, conflicts_with = "hold_push")]
    pub no_pr: bool,
    /// Merge and check, and write the branch and its PR (or the blocked sync's issue) to the
    /// folder --out for `fixloop sync publish` to push and open: for a job with no write token.
    #[arg(long, requires = "out")]
    pub hold_push: bool,
    /// The folder --hold-push writes to; nothing is written when there is nothing new.
    #[arg(long, value_name = "DIR", requires = "hold_push")]
    pub out: Option<PathBuf>,
    /// The GitHub API base (default: <https://api.github.com>).
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL")]
    pub github_api_url: Option<String>,
}

/// What else `fixloop sync` does.
#[derive(Debug, Clone, Subcommand)]
pub enum SyncCommand {
    /// Push the branch and open the PR (or the issue) that `fixloop sync --hold-push --out DIR`
    /// prepared, after checking the branch is the merge it says it is. Runs no repository code.
    Publish(SyncPublishArgs),
}

/// `fixloop sync publish DIR`.
#[derive(Debug, Clone, Args)]
pub struct SyncPublishArgs {
    /// The folder `fixloop sync --hold-push --out DIR` wrote.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The configuration holding the `[sync]` section: read here, never from the folder.
    #[arg(long, value_name = "FILE", default_value = "fixloop.toml")]
    pub config: PathBuf,
    /// The fork's checkout the branch is pushed from (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The fork's remote the sync branch is pushed to.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
    /// The GitHub API base (default: <https://api.github.com>).
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL")]
    pub github_api_url: Option<String>,
}

/// `fixloop ci …`: the steps of the generated GitHub Actions workflow.
#[derive(Debug, Clone, Subcommand)]
pub enum CiCommand {
    /// Read the event that started the job; skip it with a one-line reason, or take the failed
    /// run to a verified fix without pushing, and write the output folder for the publish job.
    Analyze(CiAnalyzeArgs),
    /// Check the analyze job's verified patch (its hash, its tree, no protected path), push the
    /// fix branch and open the draft PR — a suggestion for a fork's PR — and keep one comment
    /// on the failing PR.
    Publish(CiPublishArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CiPublishArgs {
    /// The analyze job's output folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The checkout of the repository (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The remote to push the fix branch to.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
    /// Put before the fix branch's name, so that CI on it is known as fixloop's own.
    #[arg(long, value_name = "PREFIX", default_value = "fixloop/")]
    pub branch_prefix: String,
    /// Another path a fix may not touch (a glob; `**` spans folders; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub protect: Vec<String>,
    /// A protected pattern to let through (exactly as listed; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub allow: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CiAnalyzeArgs {
    /// The event payload (in GitHub Actions, the file the runner names).
    #[arg(long, env = "GITHUB_EVENT_PATH", value_name = "FILE")]
    pub event: Option<PathBuf>,
    /// The event's name (without it, the payload's shape tells).
    #[arg(long, env = "GITHUB_EVENT_NAME", value_name = "NAME")]
    pub event_name: Option<String>,
    /// The output folder for the publish job: journal, report, the verified patch and its
    /// hash, the PR body, outcome.json.
    #[arg(long, value_name = "DIR", default_value = "fixloop-out")]
    pub out: PathBuf,
    /// The checkout of the repository (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The agent doing the AI steps (default: claude).
    #[arg(long, value_enum)]
    pub agent: Option<AgentArg>,
    /// The shell command for --agent command.
    #[arg(long, value_name = "SHELL COMMAND")]
    pub agent_cmd: Option<String>,
    /// `auto`: a verified fix goes to the publish job; `review`: the run stops at the fix for a
    /// person to answer with a `/fixloop` comment.
    #[arg(long, value_enum, default_value = "auto")]
    pub approval: CiApproval,
    /// A workflow name to take (repeatable; default: every one the workflow file watches).
    #[arg(long = "workflow", value_name = "NAME")]
    pub workflows: Vec<String>,
    /// Also take runs of pushes to a branch, not only pull requests'.
    #[arg(long)]
    pub include_pushes: bool,
    /// Attempts per pull request before fixloop stops trying.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub attempt_cap: u32,
    /// A login fixloop pushes as, whose runs are never taken (repeatable; default:
    /// fixloop[bot] and github-actions[bot]).
    #[arg(long = "bot", value_name = "LOGIN")]
    pub bots: Vec<String>,
    /// The failure is flaky (measured by many runs), not deterministic.
    #[arg(long)]
    pub flaky: bool,
    /// The most a run may spend on agents, in US dollars (the workflow's `--max-cost`).
    #[arg(long, env = "FIXLOOP_MAX_COST_USD", value_name = "USD", value_parser = dollars)]
    pub max_cost_usd: Option<f64>,
    /// For a `/fixloop` comment: the output folder of the job that stopped for the review
    /// (default: downloaded from the workflow run fixloop's PR comment names).
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// The name of the artifact holding the output folder.
    #[arg(long, value_name = "NAME", default_value = "fixloop-out")]
    pub artifact: String,
}

/// Who approves the fix in GitHub Actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiApproval {
    Auto,
    Review,
}

/// The reviewer's answer.
#[derive(Debug, Clone, Subcommand)]
pub enum ReviewAnswer {
    /// Accept the step's result (or start the step, before it).
    Approve,
    /// Send the step back to the agent with feedback; its session resumes.
    Revise {
        /// What the agent should change.
        #[arg(value_name = "FEEDBACK")]
        feedback: String,
    },
    /// End the run here.
    Abort {
        /// Why (recorded in the report).
        #[arg(value_name = "REASON")]
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ResumeArgs {
    /// The run to resume (its id, as `outputs/runs/<RUN_ID>/`).
    #[arg(value_name = "RUN_ID")]
    pub run: String,
    #[command(flatten)]
    pub front: FrontArgs,
    #[command(flatten)]
    pub budgets: BudgetArgs,
    /// The workspace's info.json (default: ./info.json); its outputs/ holds the run.
    #[arg(long, value_name = "FILE")]
    pub info: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct CleanArgs {
    /// The run to clean (default: every run in outputs/).
    pub run: Option<String>,
    /// Remove without asking.
    #[arg(long)]
    pub yes: bool,
    /// The workspace's info.json (default: ./info.json); its outputs/ holds the runs.
    #[arg(long, value_name = "FILE")]
    pub info: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// The workspace's info.json (default: ./info.json); its outputs/ holds the runs.
    #[arg(long, value_name = "FILE")]
    pub info: Option<PathBuf>,
    /// Print the statistics as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ReportsCommand {
    /// Print one report: by run id, or a report .md path.
    Show {
        /// A run id (as `outputs/runs/<RUN_ID>/`) or the path of a report .md.
        run: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// A GitHub Actions run or job URL, a log file, or `-` for standard input.
    pub source: String,
    /// Print the triage as JSON.
    #[arg(long)]
    pub json: bool,
    /// The excerpt's size limit in bytes.
    #[arg(long, default_value_t = crate::core::excerpt::DEFAULT_BUDGET)]
    pub budget: usize,
    /// Write full.log and excerpt.txt into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The GitHub API base (default: derived from the run URL's host; api.github.com).
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL")]
    pub github_api_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    /// Every subcommand and argument in `command`'s tree that has no help text, by its path.
    fn without_help(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                missing.push(sub_path.clone());
            }
            without_help(sub, &sub_path, missing);
        }
    }

    #[test]
    fn every_argument_and_subcommand_has_help() {
        let mut command = Cli::command();
        // Help and version arguments are added when the command is built.
        command.build();
        let mut missing = Vec::new();
        without_help(&command, "fixloop", &mut missing);
        assert_eq!(missing, Vec::<String>::new(), "arguments without help text");
    }

    #[test]
    fn the_help_walk_finds_an_argument_without_help() {
        let command = clap::Command::new("x")
            .arg(
                clap::Arg::new("described")
                    .long("described")
                    .help("has help"),
            )
            .subcommand(clap::Command::new("bare").arg(clap::Arg::new("silent").long("silent")));
        let mut missing = Vec::new();
        without_help(&command, "x", &mut missing);
        assert_eq!(missing, ["x bare", "x bare silent"]);
    }

    #[test]
    fn the_top_level_help_shows_examples_and_the_demo() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("fixloop demo"), "{help}");
        assert!(help.contains("Examples:"), "{help}");
        let reports = Cli::command()
            .find_subcommand_mut("reports")
            .map(|c| c.render_help().to_string())
            .unwrap_or_default();
        assert!(reports.contains("browser"), "{reports}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
