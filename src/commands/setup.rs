//! Resolving a run before it starts: info.json, the workspace, the target repository, its base
//! branch and remote, the agent, and an existing reproduction. Shared by `run` and `validate`.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::adapters::git::Git;
use crate::cli::TargetArgs;
use crate::core::exit::ExitCode;
use crate::core::info::{AgentKind, Info};
use crate::core::repro::Manifest;
use crate::core::setup::Reproduction;
use crate::engine::setup::resolve_reproduction;

#[derive(Debug, Clone)]
pub struct Prepared {
    pub info: Info,
    pub info_path: PathBuf,
    pub workspace: PathBuf,
    pub repo: PathBuf,
    pub remote: Option<String>,
    pub base: String,
    pub agent: AgentKind,
    pub agent_cmd: Option<String>,
    pub name: String,
    pub failure_dir: PathBuf,
    pub existing: Option<Reproduction>,
}

pub fn read_info(path: Option<&Path>) -> Result<(Info, PathBuf, PathBuf), CommandError> {
    let info_path = match path {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir()
            .map_err(|e| {
                CommandError::new(
                    ExitCode::Failed,
                    format!("cannot read the current folder: {e}"),
                )
            })?
            .join("info.json"),
    };
    let text = std::fs::read_to_string(&info_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CommandError::new(
                ExitCode::Input,
                format!("{}: not found", info_path.display()),
            )
            .hint(
                "`fixloop init` writes a starting info.json here; or pass --info FILE. \
                 New to fixloop? `fixloop demo` shows the whole flow first",
            )
        } else {
            CommandError::new(
                ExitCode::Input,
                format!("{}: cannot read: {e}", info_path.display()),
            )
        }
    })?;
    let shown = info_path.display().to_string();
    let info = Info::parse(&shown, &text)?;
    let workspace = info_path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let workspace = workspace
        .canonicalize()
        .map_err(|e| CommandError::new(ExitCode::Input, format!("{}: {e}", workspace.display())))?;
    Ok((info, info_path, workspace))
}

pub async fn prepare(target: &TargetArgs) -> Result<Prepared, CommandError> {
    let (info, info_path, workspace) = read_info(target.info.as_deref())?;
    let (agent, agent_cmd) = choose_agent(target, &info)?;
    if Git::run_in(&workspace, &["--version"], &[]).await.is_err() {
        return Err(CommandError::new(
            ExitCode::Unavailable,
            "git is not installed or not on PATH: install git",
        ));
    }
    let repo = find_repo(target, &info, &workspace, &info_path).await?;
    let repo = repo.canonicalize().unwrap_or(repo);
    let git = Git::new(repo.clone());
    let remote = git.default_remote().await;
    let base = choose_base(target, &info, &git, remote.as_deref(), &info_path).await?;
    let name = info.slug();
    let folder = if info.deterministic {
        "reproduce-deterministic-failures"
    } else {
        "reproduce-ND-failures"
    };
    let mut failure_dir = workspace.join(folder).join(&name);
    let mut existing = None;
    if let Some(path) = &info.existing_test_path {
        let (repro, dir) = resolve_existing(path, &workspace, &repo, &info_path)?;
        if let Some(dir) = dir {
            failure_dir = dir;
        }
        existing = Some(repro);
    }
    Ok(Prepared {
        info,
        info_path,
        workspace,
        repo,
        remote,
        base,
        agent,
        agent_cmd,
        name,
        failure_dir,
        existing,
    })
}

/// An info.json field that is wrong, with what to do about it.
fn field_error(info_path: &Path, field: &str, message: &str, hint: &str) -> CommandError {
    CommandError::new(
        ExitCode::Input,
        format!("{}: field `{field}`: {message}", info_path.display()),
    )
    .hint(hint)
}

/// The agent and its command: the command line's, else info.json's, else Claude Code.
fn choose_agent(
    target: &TargetArgs,
    info: &Info,
) -> Result<(AgentKind, Option<String>), CommandError> {
    let agent = target
        .agent
        .map(AgentKind::from)
        .or(info.agent)
        .unwrap_or(AgentKind::Claude);
    let agent_cmd = target.agent_cmd.clone().or_else(|| info.agent_cmd.clone());
    if agent == AgentKind::Command && agent_cmd.is_none() {
        return Err(CommandError::new(
            ExitCode::Usage,
            "--agent command needs a command: pass --agent-cmd 'SHELL COMMAND' or set `agent-cmd` \
             in info.json",
        ));
    }
    Ok((agent, agent_cmd))
}

/// The top of the target repository: `--repo`, else info.json's `repo` (relative to the
/// workspace), else the repository the workspace is in.
async fn find_repo(
    target: &TargetArgs,
    info: &Info,
    workspace: &Path,
    info_path: &Path,
) -> Result<PathBuf, CommandError> {
    let repo_hint = target
        .repo
        .clone()
        .or_else(|| info.repo.as_ref().map(|r| workspace.join(r)));
    match &repo_hint {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(field_error(
                    info_path,
                    "repo",
                    &format!("{} is not a folder", dir.display()),
                    "give the path of the target git repository (or pass --repo)",
                ));
            }
            Git::toplevel(dir).await.ok_or_else(|| {
                field_error(
                    info_path,
                    "repo",
                    &format!("{} is not inside a git repository", dir.display()),
                    "give the path of the target git repository (or pass --repo)",
                )
            })
        }
        None => Git::toplevel(workspace).await.ok_or_else(|| {
            field_error(
                info_path,
                "repo",
                &format!("{} is not inside a git repository", workspace.display()),
                "set `repo` to the target repository's path, or pass --repo",
            )
        }),
    }
}

/// The branch the fix is based on: `--base`, else info.json's `base-branch`, else the
/// repository's default; it must be a valid branch name.
async fn choose_base(
    target: &TargetArgs,
    info: &Info,
    git: &Git,
    remote: Option<&str>,
    info_path: &Path,
) -> Result<String, CommandError> {
    let base = match target.base.clone().or_else(|| info.base_branch.clone()) {
        Some(base) => base,
        None => git.default_base(remote).await.ok_or_else(|| {
            field_error(
                info_path,
                "base-branch",
                "the repository has no branch to base the fix on",
                "commit something first, or set `base-branch`",
            )
        })?,
    };
    if !crate::core::info::is_branch_name(&base) {
        return Err(CommandError::new(
            ExitCode::Usage,
            format!("--base: `{base}` is not a valid branch name"),
        ));
    }
    Ok(base)
}

/// `existing-test-path`: a failure folder with `repro.json`, a `repro.json`, or a test file in
/// the repository whose command can be inferred. Returns the reproduction and, when it is a
/// failure folder, that folder.
fn resolve_existing(
    path: &str,
    workspace: &Path,
    repo: &Path,
    info_path: &Path,
) -> Result<(Reproduction, Option<PathBuf>), CommandError> {
    let field_error =
        |message: String, hint: &str| field_error(info_path, "existing-test-path", &message, hint);
    let full = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        workspace.join(path)
    };
    if !full.exists() {
        return Err(field_error(
            format!("`{}` does not exist", full.display()),
            "give a failure folder (with repro.json), a repro.json, or a test file",
        ));
    }
    let manifest_path = if full.is_dir() {
        Some(full.join("repro.json"))
    } else if full.file_name().is_some_and(|n| n == "repro.json") {
        Some(full.clone())
    } else {
        None
    };
    if let Some(manifest_path) = manifest_path {
        let text = std::fs::read_to_string(&manifest_path).map_err(|_| {
            field_error(
                format!("{} has no repro.json", full.display()),
                "write repro.json in the failure folder: {\"command\": ..., \"files\": [...]}",
            )
        })?;
        let manifest = Manifest::parse(&manifest_path.display().to_string(), &text)?;
        let dir = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let repro = resolve_reproduction(&manifest, &dir)?;
        return Ok((repro, Some(dir)));
    }
    let full = full.canonicalize().unwrap_or(full);
    let Ok(relative) = full.strip_prefix(repo) else {
        return Err(field_error(
            format!(
                "`{}` is outside the repository {}",
                full.display(),
                repo.display()
            ),
            "put the test in the repository, or describe it with a repro.json in a failure folder",
        ));
    };
    let dest = relative.display().to_string();
    let command = infer_command(&dest).ok_or_else(|| {
        field_error(
            format!("cannot tell how to run `{dest}`"),
            "put a repro.json beside it with the command that runs it",
        )
    })?;
    Ok((
        Reproduction {
            command,
            files: vec![(full, dest)],
            signature: None,
            timeout: None,
            runs: None,
            check: None,
        },
        None,
    ))
}

/// The usual command that runs one test file, by its kind.
#[must_use]
pub fn infer_command(dest: &str) -> Option<String> {
    let quoted = format!("'{}'", dest.replace('\'', "'\\''"));
    let file = dest.rsplit('/').next().unwrap_or(dest);
    let ext = std::path::Path::new(file)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "py" {
        Some(format!("python3 -m pytest -q {quoted}"))
    } else if dest.ends_with("_test.go") {
        let dir = dest.rsplit_once('/').map_or(".", |(d, _)| d);
        Some(format!("go test ./{dir}/"))
    } else if ["js", "mjs", "cjs"].contains(&ext.as_str()) {
        Some(format!("node --test {quoted}"))
    } else if ext == "rs" && dest.starts_with("tests/") && !dest[6..].contains('/') {
        Some(format!(
            "cargo test --test {}",
            file.trim_end_matches(".rs")
        ))
    } else {
        None
    }
}
