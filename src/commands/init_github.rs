//! `fixloop init github`: writes `.github/workflows/fixloop.yml`, the GitHub Actions workflow
//! that runs fixloop on a failed CI run, or with `--sync` `.github/workflows/fixloop-sync.yml`,
//! the one that keeps a fork in step with upstream's releases. The workflows themselves are made
//! by `core::workflow`; this reads the repository's other workflows (for the names to watch)
//! and writes the file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::CommandError;
use super::output::print_bytes;
use crate::core::exit::ExitCode;
use crate::core::workflow::{
    self, Agent, AgentVersion, Approval, Central, ConfigPath, Cron, Delivery, Dollars, GitUrl,
    Install, Options, Rev, RunnerLabel, Shape, WorkflowName,
};

#[derive(Debug, Clone, Args)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches"
)]
pub struct InitGithubArgs {
    /// The repository to write .github/workflows/fixloop.yml (or fixloop-sync.yml) in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Replace the file that is already there (fixloop.yml, or fixloop-sync.yml with --sync).
    #[arg(long)]
    pub force: bool,
    /// A workflow whose failed runs fixloop takes, by its name (repeatable; default: every other
    /// workflow in .github/workflows).
    #[arg(long, value_name = "WORKFLOW", value_parser = WorkflowName::parse)]
    pub watch: Vec<WorkflowName>,
    /// The agent doing the AI steps.
    #[arg(long, value_enum, default_value = "claude")]
    pub agent: AgentChoice,
    /// The agent CLI's exact npm version (default: claude 2.1.332, codex 0.171.0).
    #[arg(long, value_name = "VERSION", value_parser = AgentVersion::parse)]
    pub agent_version: Option<AgentVersion>,
    /// `auto`: publish a fix fixloop verified; `review`: a person answers first with a
    /// `/fixloop approve | revise "…" | abort` comment on the pull request.
    #[arg(long, value_enum, default_value = "auto")]
    pub approval: ApprovalChoice,
    /// `pr`: push a fix branch and open a draft PR; `suggestion`: only post the patch as a
    /// comment (a fork's PR always gets a suggestion).
    #[arg(long, value_enum, default_value = "pr")]
    pub delivery: DeliveryChoice,
    /// The analyze (or sync) job's time limit in minutes (the publish job has a short one of its
    /// own).
    #[arg(long, value_name = "N", default_value_t = Options::DEFAULT_TIMEOUT_MINUTES,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(Options::MAX_TIMEOUT_MINUTES)))]
    pub timeout_minutes: u32,
    /// Attempts per pull request before fixloop stops trying.
    #[arg(long, value_name = "N", default_value_t = Options::DEFAULT_ATTEMPT_CAP,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(Options::MAX_ATTEMPT_CAP)))]
    pub attempt_cap: u32,
    /// The most one run may spend on the agent, in US dollars (`FIXLOOP_MAX_COST_USD`; default:
    /// fixloop's own budget).
    #[arg(long, value_name = "USD", value_parser = Dollars::parse)]
    pub max_cost: Option<Dollars>,
    /// A label of the runners the jobs run on (repeatable: self-hosted or Actions Runner
    /// Controller labels; default: ubuntu-latest).
    #[arg(long, value_name = "LABEL", value_parser = RunnerLabel::parse)]
    pub runs_on: Vec<RunnerLabel>,
    /// Publish with a GitHub App's token (the variable `FIXLOOP_APP_ID` and the secret
    /// `FIXLOOP_APP_PRIVATE_KEY`), so that CI runs on the branches fixloop pushes.
    #[arg(long)]
    pub app: bool,
    /// The git repository the workflow installs fixloop from (an https URL).
    #[arg(long, value_name = "URL", value_parser = GitUrl::parse,
          required_unless_present = "caller", requires = "fixloop_rev")]
    pub fixloop_source: Option<GitUrl>,
    /// The commit the workflow installs fixloop at: a full 40-digit SHA.
    #[arg(long, value_name = "SHA", value_parser = Rev::parse,
          required_unless_present = "caller", requires = "fixloop_source")]
    pub fixloop_rev: Option<Rev>,
    /// Write the organisation's reusable workflow (`workflow_call`, every setting an input)
    /// instead of one repository's.
    #[arg(long, conflicts_with_all = ["caller", "watch"])]
    pub reusable: bool,
    /// Write a thin workflow that calls the organisation's reusable one (with --central).
    #[arg(long, requires = "central")]
    pub caller: bool,
    /// The reusable workflow a caller runs, pinned: OWNER/REPO@SHA (its
    /// .github/workflows/fixloop.yml) or OWNER/REPO/.github/workflows/FILE.yml@SHA.
    #[arg(long, value_name = "OWNER/REPO@SHA", value_parser = Central::parse, requires = "caller")]
    pub central: Option<Central>,
    /// Write .github/workflows/fixloop-sync.yml instead, beside fixloop.yml: `fixloop sync` on
    /// a schedule, keeping a fork in step with upstream's releases (the [sync] section of
    /// fixloop.toml). The options of fixloop.yml alone are refused with it.
    #[arg(long, conflicts_with_all = [
        "watch", "approval", "delivery", "attempt_cap", "max_cost", "reusable", "caller", "central",
    ])]
    pub sync: bool,
    /// When the sync runs: five cron fields in UTC, minute hour day month weekday, the minute
    /// one number (default "17 3 * * *", 03:17 every night).
    #[arg(long, value_name = "CRON", value_parser = Cron::parse, requires = "sync")]
    pub sync_cron: Option<Cron>,
    /// The configuration the sync job reads, a path in the repository (default fixloop.toml).
    #[arg(long, value_name = "PATH", value_parser = ConfigPath::parse, requires = "sync")]
    pub sync_config: Option<ConfigPath>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentChoice {
    Claude,
    Codex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApprovalChoice {
    Auto,
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeliveryChoice {
    Pr,
    Suggestion,
}

pub fn init_github(args: &InitGithubArgs) -> Result<ExitCode, CommandError> {
    if !args.repo.is_dir() {
        return Err(CommandError::new(
            ExitCode::Input,
            format!("{}: not a folder", args.repo.display()),
        )
        .hint("pass --repo with the repository's folder"));
    }
    let file = if args.sync {
        workflow::sync::FILE
    } else {
        workflow::FILE
    };
    let target = args.repo.join(file);
    if target.exists() && !args.force {
        return Err(CommandError::new(
            ExitCode::Input,
            format!("{}: already exists; nothing was written", target.display()),
        )
        .hint("pass --force to replace it (its options are in its header)"));
    }
    let options = options(args)?;
    let text = workflow::render(&options)
        .map_err(|e| CommandError::new(ExitCode::Usage, e.to_string()))?;
    write(&target, &text, args.force)?;
    print_bytes(guide(&args.repo, &target, &options).as_bytes())?;
    Ok(ExitCode::Success)
}

/// The options, with the workflows to watch found in `--repo` when none were named.
pub fn options(args: &InitGithubArgs) -> Result<Options, CommandError> {
    let watch = if args.watch.is_empty() && !args.reusable && !args.sync {
        discover(&args.repo)?
    } else {
        args.watch.clone()
    };
    let shape = match (&args.central, args.reusable, args.sync) {
        (_, _, true) => Shape::Sync {
            schedule: args.sync_cron.clone().unwrap_or_default(),
            config: args.sync_config.clone().unwrap_or_default(),
        },
        (Some(central), _, false) => Shape::Caller {
            watch,
            central: central.clone(),
        },
        (None, true, false) => Shape::Reusable,
        (None, false, false) => Shape::Standalone { watch },
    };
    let install = match (&args.fixloop_source, &args.fixloop_rev) {
        (Some(source), Some(rev)) => Some(Install {
            source: source.clone(),
            rev: rev.clone(),
        }),
        _ => None,
    };
    Ok(Options {
        agent: match args.agent {
            AgentChoice::Claude => Agent::Claude,
            AgentChoice::Codex => Agent::Codex,
        },
        agent_version: args.agent_version.clone(),
        approval: match args.approval {
            ApprovalChoice::Auto => Approval::Auto,
            ApprovalChoice::Review => Approval::Review,
        },
        delivery: match args.delivery {
            DeliveryChoice::Pr => Delivery::Pr,
            DeliveryChoice::Suggestion => Delivery::Suggestion,
        },
        timeout_minutes: args.timeout_minutes,
        attempt_cap: args.attempt_cap,
        max_cost: args.max_cost.clone(),
        runs_on: args.runs_on.clone(),
        app: args.app,
        install,
        shape,
    })
}

/// The names of the repository's other workflows.
fn discover(repo: &Path) -> Result<Vec<WorkflowName>, CommandError> {
    let dir = repo.join(".github/workflows");
    let hint = "name the workflows whose failures fixloop should take: --watch NAME (repeatable)";
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CommandError::new(
                ExitCode::Input,
                format!("{}: no such folder, so no workflow to watch", dir.display()),
            )
            .hint(hint));
        }
        Err(e) => {
            return Err(CommandError::new(
                ExitCode::Io,
                format!("cannot read {}: {e}", dir.display()),
            ));
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            CommandError::new(
                ExitCode::Input,
                format!("cannot read {}: {e}", path.display()),
            )
            .hint(hint)
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((format!(".github/workflows/{name}"), text));
    }
    workflow::discover(&files).map_err(|e| CommandError::new(ExitCode::Input, e.message).hint(hint))
}

/// What the terminal shows after writing: what the workflow watches and what to set up.
fn guide(repo: &Path, target: &Path, options: &Options) -> String {
    let mut text = format!("Wrote {}.\n", target.display());
    if let Shape::Sync { schedule, config } = &options.shape {
        return sync_guide(text, repo, schedule, config, options);
    }
    let watched: Vec<&str> = options.watch().iter().map(WorkflowName::as_str).collect();
    if !watched.is_empty() {
        let _ = writeln!(text, "It takes the failed runs of: {}.", watched.join(", "));
    }
    match &options.shape {
        Shape::Reusable => text.push_str(
            "Commit it to the organisation's central repository, then write each repository's \
             caller with `fixloop init github --caller --central OWNER/REPO@SHA`.\n",
        ),
        _ => {
            let _ = writeln!(
                text,
                "Set the repository secret {} (the model key).",
                options.agent.key()
            );
            if options.app {
                text.push_str(
                    "Set the variable FIXLOOP_APP_ID and the secret FIXLOOP_APP_PRIVATE_KEY \
                     (the GitHub App that pushes the fixes).\n",
                );
            }
        }
    }
    text.push_str("Then commit it; the README's \"Run it in GitHub Actions\" says the rest.\n");
    text
}

/// The sync workflow's: when it runs, what it reads, and the secrets it wants.
fn sync_guide(
    mut text: String,
    repo: &Path,
    schedule: &Cron,
    config: &ConfigPath,
    options: &Options,
) -> String {
    let _ = writeln!(
        text,
        "It runs `fixloop sync` with the [sync] section of {} {} (and when started by hand).",
        config.as_str(),
        schedule.describe()
    );
    if !repo.join(config.as_str()).is_file() {
        let _ = writeln!(
            text,
            "There is no {} in {} yet: the sync job reads it from the repository, so commit it \
             with a [sync] section.",
            config.as_str(),
            repo.display()
        );
    }
    let _ = writeln!(
        text,
        "Set the repository secret {} (the model key).",
        options.agent.key()
    );
    if options.app {
        text.push_str(
            "Set the variable FIXLOOP_APP_ID and the secret FIXLOOP_APP_PRIVATE_KEY (a GitHub App \
             with write access to contents, issues, pull requests and workflows).\n",
        );
    } else {
        let _ = writeln!(
            text,
            "Set the secret {} to a token with the workflow scope (a PAT, say), or a release \
             that changes .github/workflows cannot be pushed, and CI does not run on the sync \
             pull request.",
            workflow::sync::TOKEN
        );
    }
    text.push_str("Then commit it; the README's \"Run it in GitHub Actions\" says the rest.\n");
    text
}

/// Writes the file; without `force`, only if it is not there (checked again as it is created).
fn write(path: &Path, text: &str, force: bool) -> Result<(), CommandError> {
    use std::io::Write as _;
    let io = |e: std::io::Error, what: &Path| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot write {}: {e}", what.display()),
        )
        .hint("check the folder's permissions and free space")
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .create_new(!force)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CommandError::new(
                    ExitCode::Input,
                    format!("{}: already exists; nothing was written", path.display()),
                )
                .hint("pass --force to replace it")
            } else {
                io(e, path)
            }
        })?;
    file.write_all(text.as_bytes()).map_err(|e| io(e, path))
}

#[cfg(test)]
mod tests {
    use clap::Args as _;

    use super::InitGithubArgs;
    use crate::core::workflow::{Agent, pins};

    #[test]
    fn the_help_names_the_versions_fixloop_pins() {
        let mut github = InitGithubArgs::augment_args(clap::Command::new("github"));
        let help = github.render_help().to_string();
        for agent in Agent::ALL {
            let pinned = format!("{} {}", agent.as_str(), pins::agent_version(agent));
            assert!(help.contains(&pinned), "{pinned} in\n{help}");
        }
    }
}
