//! What the CI steps share: files in the output folder, the step summary, the API client, and
//! the token as git's push and fetch take it.

use std::fmt::Write as _;

use base64::Engine as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::CommandError;
use crate::adapters::github::{GitHub, Token, api_base};
use crate::core::ci::FailedRun;
use crate::core::exit::ExitCode;

pub(super) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

pub(super) fn write(path: &Path, text: &str) -> Result<(), CommandError> {
    std::fs::write(path, text).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}

pub(super) fn read_event(path: &Path) -> Result<Value, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read the event {}: {e}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!(
                "{}:{}:{}: not JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            ),
        )
    })
}

pub(super) fn read_outcome(dir: &Path) -> Result<Value, CommandError> {
    let path = dir.join("outcome.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read {}: {e}", path.display()),
        )
        .hint("give the output folder the analyze job uploaded")
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("{}: not JSON: {e}", path.display()),
        )
    })
}

/// The event is not fixloop's to act on: one line, an outcome, exit 0.
pub(super) fn skipped(out: &Path, reason: &str, run: &FailedRun) -> Result<ExitCode, CommandError> {
    let outcome = json!({
        "outcome": "skipped",
        "reason": reason,
        "repo": run.repo,
        "ci_run": run.run_id,
    });
    write(&out.join("outcome.json"), &(outcome.to_string() + "\n"))?;
    let line = format!("fixloop: skipped: {reason}");
    write(&out.join("summary.md"), &format!("{line}\n"))?;
    step_summary(&format!("{line}\n"));
    println!("{line}");
    Ok(ExitCode::Success)
}

pub(super) async fn client() -> Result<GitHub, CommandError> {
    let api = std::env::var("GITHUB_API_URL").unwrap_or_else(|_| api_base("github.com"));
    GitHub::new(&api, Token::discover().await).map_err(CommandError::from)
}

/// Appended to `$GITHUB_STEP_SUMMARY` when the job has one.
pub(super) fn step_summary(text: &str) {
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        use std::io::Write as _;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            let _ = file.write_all(text.as_bytes());
        }
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The App token, when one was given (an empty value, as a workflow passes for a secret that
/// is not set, is none).
pub(super) fn app_token() -> Option<String> {
    std::env::var("FIXLOOP_APP_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
}

/// Git's authentication for the push, as environment (never on the command line): the token
/// as an HTTP header for GitHub's host.
pub(super) fn push_auth() -> Vec<(String, String)> {
    let Some(token) = app_token().or_else(|| {
        std::env::var("GITHUB_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
    }) else {
        return Vec::new();
    };
    push_auth_with(&token)
}

/// git's environment for pushing to GitHub with `token` (as an HTTP header, never in a URL).
pub(super) fn push_auth_with(token: &str) -> Vec<(String, String)> {
    let server = std::env::var("GITHUB_SERVER_URL").unwrap_or_else(|_| "https://github.com".into());
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("x-access-token:{}", token.trim()).as_bytes());
    vec![
        ("GIT_CONFIG_COUNT".into(), "1".into()),
        (
            "GIT_CONFIG_KEY_0".into(),
            format!("http.{server}/.extraheader"),
        ),
        (
            "GIT_CONFIG_VALUE_0".into(),
            format!("AUTHORIZATION: basic {basic}"),
        ),
    ]
}
