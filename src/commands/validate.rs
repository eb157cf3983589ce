//! `fixloop validate`: checks info.json and the environment without changing anything.

use std::path::PathBuf;

use super::CommandError;
use super::setup::prepare;
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
    ok("base branch", p.base.clone());
    let program = match p.agent {
        AgentKind::Claude => Some("claude".to_owned()),
        AgentKind::Codex => Some("codex".to_owned()),
        AgentKind::Command => p
            .agent_cmd
            .as_deref()
            .and_then(|c| c.split_whitespace().next())
            .map(|w| w.trim_matches(['\'', '"']).to_owned()),
        AgentKind::Manual => None,
    };
    match program {
        Some(program) => match find_program(&program) {
            Some(path) => ok(
                &format!("agent {}", p.agent.as_str()),
                path.display().to_string(),
            ),
            None => {
                let hint = match p.agent {
                    AgentKind::Claude => "npm install -g @anthropic-ai/claude-code",
                    AgentKind::Codex => "npm install -g @openai/codex",
                    _ => "check agent-cmd",
                };
                return Err(CommandError::new(
                    ExitCode::Unavailable,
                    format!("agent {}: `{program}` is not on PATH", p.agent.as_str()),
                )
                .hint(hint));
            }
        },
        None => ok("agent", "manual: you do the AI steps".into()),
    }
    if let Some(repro) = &p.existing {
        ok("existing reproduction", format!("`{}`", repro.command));
    }
    ok("failure folder", p.failure_dir.display().to_string());
    Ok(ExitCode::Success)
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
