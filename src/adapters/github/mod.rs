//! GitHub over its REST API: a run's jobs and logs, and the draft PR.
//!
//! Plain reqwest rather than octocrab: every call goes through one `send` that owns the retry
//! policy (5xx, dropped connections and secondary rate limits with `retry-after` are retried with
//! backoff; everything else is a clear error), logs stream to disk through redirects without
//! the token following them, and the same client serves GitHub Enterprise and the local test
//! server by its base URL. The token is never put in a message, a log or an event.
//!
//! The client and its request core (`send`, the retry policy, the error hints) live here; what it
//! reads and writes lives in the submodules, each named for what it owns.

mod auth;
mod downloads;
mod fetch;
mod forge;
mod pulls;
mod runs;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::core::error::StepError;
use crate::core::event::FailureClass;

pub use auth::{Token, api_base, remote_repo};
pub use fetch::fetch_run_logs;
pub use forge::GitHubForge;
pub use runs::{HeadCommit, Job, Run, RunPr, Step};

#[derive(Debug, Clone)]
pub struct GitHub {
    http: reqwest::Client,
    pub api: String,
    token: Option<Token>,
    /// First retry delay; doubled each time.
    pub backoff: Duration,
    pub attempts: u32,
}

impl GitHub {
    pub fn new(api: &str, token: Option<Token>) -> Result<Self, StepError> {
        let timeout = std::env::var("FIXLOOP_GITHUB_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(Duration::from_secs(60), Duration::from_secs);
        let http = reqwest::Client::builder()
            .user_agent(concat!("fixloop/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(timeout)
            // Redirects are followed by hand, without the token (log downloads).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                StepError::new(
                    FailureClass::Unavailable,
                    format!("cannot start an HTTP client: {e}"),
                )
            })?;
        Ok(Self {
            http,
            api: api.trim_end_matches('/').to_owned(),
            token,
            backoff: Duration::from_millis(500),
            attempts: 4,
        })
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.api)
        }
    }

    fn token_hint(&self) -> String {
        match &self.token {
            Some(t) => format!("the token from {}", t.source),
            None => {
                "no token (set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`)".into()
            }
        }
    }

    /// One API call with the retry policy; returns the successful response.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<reqwest::Response, Refused> {
        let url = self.url(path);
        let mut delay = self.backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28");
            if let Some(token) = &self.token {
                request = request.bearer_auth(&token.value);
            }
            if let Some(body) = body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body.to_string());
            }
            let wait = match request.send().await {
                Ok(response)
                    if response.status().is_success() || response.status().is_redirection() =>
                {
                    return Ok(response);
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let remaining = response
                        .headers()
                        .get("x-ratelimit-remaining")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let text = response.text().await.unwrap_or_default();
                    let message = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
                        .unwrap_or_else(|| text.chars().take(200).collect());
                    let limited = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::FORBIDDEN
                            && (retry_after.is_some()
                                || remaining.as_deref() == Some("0")
                                || message.to_lowercase().contains("rate limit")));
                    if limited {
                        last = format!("GitHub's rate limit ({status}: {message})");
                        Duration::from_secs(retry_after.unwrap_or(60).min(300))
                    } else if status.is_server_error() {
                        last = format!("GitHub answered {status} ({message})");
                        delay
                    } else {
                        return Err(Refused {
                            error: self.explain(status, &message, what),
                            status: Some(status),
                        });
                    }
                }
                Err(e) => {
                    last = if e.is_timeout() {
                        "GitHub did not answer in time".into()
                    } else if e.is_connect() {
                        "cannot connect to GitHub".into()
                    } else {
                        format!("the connection to GitHub failed ({})", without_url(&e))
                    };
                    delay
                }
            };
            if attempt < self.attempts {
                tracing::warn!("{what}: {last}; retrying in {:?} (attempt {attempt})", wait);
                tokio::time::sleep(wait).await;
                delay *= 2;
            }
        }
        Err(Refused {
            error: StepError::unavailable(format!(
                "{what}: {last}, after {} attempts",
                self.attempts
            ))
            .hint("check your network and https://www.githubstatus.com, then run again"),
            status: None,
        })
    }

    fn explain(&self, status: StatusCode, message: &str, what: &str) -> StepError {
        let hint = match status.as_u16() {
            401 => format!(
                "GitHub refused {}: create a new token (repo and actions read, pull requests \
                 write) and set GITHUB_TOKEN",
                self.token_hint()
            ),
            403 => format!(
                "{} lacks a permission this needs (actions: read to fetch logs; contents and \
                 pull requests: write to open the PR)",
                self.token_hint()
            ),
            404 => match &self.token {
                Some(t) => format!(
                    "check the URL; for a private repository, the token from {} must be able to \
                     see it",
                    t.source
                ),
                None => "check the URL; a private repository needs a token: set GITHUB_TOKEN \
                         (or GH_TOKEN, or log in with `gh auth login`)"
                    .into(),
            },
            422 => "GitHub rejected the request as invalid; the message says why".into(),
            _ => "see GitHub's message".into(),
        };
        StepError::unavailable(format!("{what}: GitHub answered {status} ({message})")).hint(hint)
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, StepError> {
        let response = self
            .send(Method::GET, path, None, what)
            .await
            .map_err(|refused| refused.error)?;
        let bytes = response.bytes().await.map_err(|e| {
            StepError::new(
                FailureClass::Unavailable,
                format!("{what}: {}", without_url(&e)),
            )
        })?;
        serde_json::from_slice(&bytes).map_err(|e| {
            StepError::new(
                FailureClass::Unavailable,
                format!("{what}: GitHub's answer is not what fixloop expects: {e}"),
            )
        })
    }
}

/// A request GitHub (or the network) refused: why, and GitHub's status when it answered.
#[derive(Debug)]
pub(crate) struct Refused {
    error: StepError,
    status: Option<StatusCode>,
}

/// An error's text without its URL (which, for storage redirects, carries a signature).
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

#[cfg(test)]
mod tests;
