//! The `git` command, for what changes the repository or must run as the user's own git:
//! push and fetch, worktrees, fixloop's commits, resets and staging in fixloop's worktrees.

use std::path::Path;
use std::process::Stdio;

use super::Git;
use crate::engine::ports::VcsError;

/// The identity fixloop commits with when the user has none configured.
const FALLBACK_NAME: &str = "fixloop";
pub(super) const FALLBACK_EMAIL: &str = "fixloop@localhost";

impl Git {
    /// `git ARGS` in `cwd` with extra environment; stdout without the trailing newline.
    pub async fn run_in(
        cwd: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<String, VcsError> {
        let mut command = tokio::process::Command::new("git");
        command
            // An agent can write the repository's configuration: the command `core.fsmonitor`
            // names is never run by fixloop's own git (a finding names the setting).
            .args(["-c", "core.fsmonitor=false"])
            .args(args)
            .current_dir(cwd)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let output = command.output().await.map_err(|e| VcsError {
            args: args.join(" "),
            code: None,
            stderr: if e.kind() == std::io::ErrorKind::NotFound {
                "git is not installed or not on PATH".into()
            } else {
                e.to_string()
            },
        })?;
        if output.status.success() {
            let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
            while text.ends_with('\n') {
                text.pop();
            }
            Ok(text)
        } else {
            Err(VcsError {
                args: args.join(" "),
                code: output.status.code(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }

    pub async fn run(&self, args: &[&str]) -> Result<String, VcsError> {
        Self::run_in(&self.repo, args, &[]).await
    }

    /// The commit identity (as environment for `git commit-tree`) for fixloop's commits when the
    /// user has none configured.
    pub async fn identity(&self) -> Vec<(&'static str, String)> {
        // Asked of the `git` command that makes the commit, so that whatever it would resolve
        // (an `includeIf "hasconfig:…"` libgit2 does not know, `git -c`) is what counts.
        let name = self.run(&["config", "user.name"]).await.unwrap_or_default();
        let email = self
            .run(&["config", "user.email"])
            .await
            .unwrap_or_default();
        let mut env = Vec::new();
        if name.is_empty() {
            env.push(("GIT_AUTHOR_NAME", FALLBACK_NAME.to_owned()));
            env.push(("GIT_COMMITTER_NAME", FALLBACK_NAME.to_owned()));
        }
        if email.is_empty() {
            env.push(("GIT_AUTHOR_EMAIL", FALLBACK_EMAIL.to_owned()));
            env.push(("GIT_COMMITTER_EMAIL", FALLBACK_EMAIL.to_owned()));
        }
        env
    }
}
