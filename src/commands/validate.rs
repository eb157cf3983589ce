//! `fixloop validate`: checks info.json and the environment without changing anything.

use std::path::PathBuf;

use super::CommandError;
use super::setup::{Prepared, prepare};
use crate::adapters::git::Git;
use crate::cli::ValidateArgs;
use crate::core::exit::ExitCode;
use crate::core::info::AgentKind;
use crate::engine::logs::raw_logs_file;

pub async fn validate(args: ValidateArgs) -> Result<ExitCode, CommandError> {
    let p = prepare(&args.target).await?;
    let ok = |what: &str, detail: String| println!("✓ {what}: {detail}");
    ok(
        "info.json",
        format!(
            "{} ({}, {})",
            p.info_path.display(),
            p.name,
            if p.info.deterministic {
                "deterministic"
            } else {
                "flaky"
            }
        ),
    );
    if let Some(raw) = &p.info.raw_logs {
        match raw_logs_file(raw, &p.workspace) {
            Some(path) => ok("logs", format!("raw-logs file {}", path.display())),
            None => ok("logs", format!("raw-logs text, {} bytes", raw.len())),
        }
    }
    if let Some(url) = &p.info.url {
        ok("logs", format!("run URL {url}"));
    }
    let version = Git::run_in(&p.workspace, &["--version"], &[])
        .await
        .unwrap_or_default();
    ok("git", version);
    ok(
        "repository",
        format!(
            "{} (remote: {})",
            p.repo.display(),
            p.remote
                .as_deref()
                .unwrap_or("none; the fix branch stays local")
        ),
    );
    let found = preflight(&p).await?;
    ok("base branch", p.base.clone());
    match found.agent {
        Some(path) => ok(
            &format!("agent {}", p.agent.as_str()),
            path.display().to_string(),
        ),
        None if p.agent == AgentKind::Manual => ok("agent", "manual: you do the AI steps".into()),
        None => ok(
            &format!("agent {}", p.agent.as_str()),
            p.agent_cmd.clone().unwrap_or_default(),
        ),
    }
    if let Some(repro) = &p.existing {
        ok("existing reproduction", format!("`{}`", repro.command));
    }
    ok("failure folder", p.failure_dir.display().to_string());
    Ok(ExitCode::Success)
}

/// What the preflight found.
#[derive(Debug)]
pub struct Preflight {
    /// The agent's program, where it names one that can be looked for.
    pub agent: Option<PathBuf>,
}

/// The checks a run needs to pass before it fetches or writes anything: the base branch exists
/// (locally or on the remote), and the agent's program is installed. (Whether an agent is
/// logged in cannot be told without calling its API: the first AI step says so, exit 69.)
pub async fn preflight(p: &Prepared) -> Result<Preflight, CommandError> {
    let git = Git::new(p.repo.clone());
    let base_ok = git.branch_exists(&p.base).await
        || match &p.remote {
            Some(r) => git
                .rev_parse(&format!("refs/remotes/{r}/{}", p.base))
                .await
                .is_ok(),
            None => false,
        };
    if !base_ok {
        return Err(CommandError::new(
            ExitCode::Input,
            format!(
                "{}: field `base-branch`: `{}` does not exist in {}",
                p.info_path.display(),
                p.base,
                p.repo.display()
            ),
        )
        .hint("set `base-branch` to an existing branch, or pass --base"));
    }
    let program = match p.agent {
        AgentKind::Claude => Some("claude".to_owned()),
        AgentKind::Codex => Some("codex".to_owned()),
        AgentKind::Command => p.agent_cmd.as_deref().and_then(command_program),
        AgentKind::Manual => None,
    };
    let Some(program) = program else {
        return Ok(Preflight { agent: None });
    };
    match find_program(&program) {
        Some(path) => Ok(Preflight { agent: Some(path) }),
        None => {
            let hint = match p.agent {
                AgentKind::Claude => {
                    "install Claude Code: `npm install -g @anthropic-ai/claude-code`, then run                      `claude` once to log in; or choose another agent with --agent"
                }
                AgentKind::Codex => {
                    "install Codex: `npm install -g @openai/codex`, then `codex login`; or                      choose another agent with --agent"
                }
                _ => {
                    "check `agent-cmd` in info.json (or --agent-cmd): its first word is run as a program"
                }
            };
            Err(CommandError::new(
                ExitCode::Unavailable,
                format!(
                    "agent {}: `{program}` is not installed or not on PATH",
                    p.agent.as_str()
                ),
            )
            .hint(hint))
        }
    }
}

/// The program an `agent-cmd` starts, when its first word is one (not a shell builtin, keyword
/// or variable assignment, which the shell handles itself).
fn command_program(cmd: &str) -> Option<String> {
    const SHELL_WORDS: &[&str] = &[
        "cd", "export", "exec", "set", "source", ".", "eval", "if", "for", "while", "until",
        "case", "{", "(", "!", "time", "command", "builtin", "test", "[", "true", "false", "echo",
        "printf", "read", "exit", "unset", "ulimit", "umask", "trap", "wait",
    ];
    let word = cmd.split_whitespace().next()?.trim_matches(['\'', '"']);
    (!word.is_empty() && !word.contains('=') && !word.contains('$') && !SHELL_WORDS.contains(&word))
        .then(|| word.to_owned())
}

/// Finds a program the way a shell would: a path, or a name on PATH.
#[must_use]
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return path.is_file().then_some(path);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}
