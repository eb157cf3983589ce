//! The client and its one retry policy: every call to GitHub's API goes through `send`, which
//! makes it again after a 5xx answer, a dropped or silent connection or a rate limit (waiting for
//! `retry-after`), and turns any other refusal into an error that says what to do.

use std::future::Future;
use std::time::Duration;

use http::StatusCode;
use octocrab::{GitHubError, Octocrab};
use serde_json::Value;

use super::auth::Token;
use crate::core::error::StepError;
use crate::core::event::FailureClass;

#[derive(Debug, Clone)]
pub struct GitHub {
    /// GitHub's API: octocrab over `http`, built without octocrab's retry and redirect layers
    /// (`send` owns retries; a log's storage redirect is followed by hand).
    pub(super) crab: Octocrab,
    /// The same reqwest client without octocrab: for log storage, which never gets the token.
    pub(super) http: reqwest::Client,
    token: Option<Token>,
    /// First retry delay; doubled each time.
    pub backoff: Duration,
    pub attempts: u32,
}

impl GitHub {
    /// A client of the API at `api` (`https://api.github.com`, `https://HOST/api/v3`, or a local
    /// stand-in), authenticated by `token` when there is one.
    pub fn new(api: &str, token: Option<Token>) -> Result<Self, StepError> {
        let timeout = std::env::var("FIXLOOP_GITHUB_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(Duration::from_secs(60), Duration::from_secs);
        let no_client = |e: &dyn std::fmt::Display| {
            StepError::new(
                FailureClass::Unavailable,
                format!("cannot start an HTTP client: {e}"),
            )
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("fixloop/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(timeout)
            // Redirects are followed by hand, without the token (log downloads).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| no_client(&e))?;
        let api = api.trim_end_matches('/');
        let bad_api = || {
            StepError::input(format!("`{api}` is not a GitHub API address"))
                .hint("give --github-api-url (or GITHUB_API_URL) as https://HOST/api/v3")
        };
        if !(api.starts_with("https://") || api.starts_with("http://")) {
            return Err(bad_api());
        }
        let mut builder = Octocrab::builder()
            .base_uri(api)
            .map_err(|_| bad_api())?
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_owned(),
            );
        if let Some(token) = &token {
            // octocrab would panic on a token that cannot be a header value.
            if http::HeaderValue::from_str(&format!("Bearer {}", token.value)).is_err() {
                return Err(StepError::input(format!(
                    "the token from {} holds characters a token cannot have",
                    token.source
                ))
                .hint("set GITHUB_TOKEN to the token alone"));
            }
            builder = builder.personal_token(token.value.clone());
        }
        let crab = builder
            .build_with_reqwest(http.clone())
            .map_err(|e| no_client(&e))?;
        Ok(Self {
            crab,
            http,
            token,
            backoff: Duration::from_millis(500),
            attempts: 4,
        })
    }

    fn token_hint(&self) -> String {
        match &self.token {
            Some(t) => format!("the token from {}", t.source),
            None => {
                "no token (set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`)".into()
            }
        }
    }

    /// One API call with the retry policy: `call` makes a fresh request each time, until GitHub
    /// answers, refuses, or the attempts run out.
    pub(super) async fn send<T, F, Fut>(&self, what: &str, mut call: F) -> Result<T, Refused>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let mut delay = self.backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            let wait = match call().await {
                Ok(value) => return Ok(value),
                Err(octocrab::Error::GitHub { source, .. }) => {
                    let status = source.status_code;
                    let message = message_of(&source);
                    if let Some(wait) = rate_limited(&source, &message) {
                        last = format!("GitHub's rate limit ({status}: {message})");
                        wait
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
                Err(e) => match dropped(&e) {
                    Some(why) => {
                        last = why;
                        delay
                    }
                    None => {
                        return Err(Refused {
                            error: StepError::unavailable(format!(
                                "{what}: GitHub's answer is not what fixloop expects ({e})"
                            ))
                            .hint(
                                "`--github-api-url` / `GITHUB_API_URL` must be the API's base \
                                 (https://api.github.com, or https://HOST/api/v3 for GitHub \
                                 Enterprise), not the web address",
                            ),
                            status: None,
                        });
                    }
                },
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
}

/// A request GitHub (or the network) refused: why, and GitHub's status when it answered.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(super) error: StepError,
    pub(super) status: Option<StatusCode>,
}

/// GitHub's message with the details of its `errors` list (where a 422 says what was invalid),
/// at most 300 characters of it (an error page can be long).
fn message_of(error: &GitHubError) -> String {
    let mut message = error.message.clone();
    for detail in error.errors.iter().flatten() {
        if let Some(text) = detail.get("message").and_then(Value::as_str) {
            message.push_str(": ");
            message.push_str(text);
        }
    }
    message.chars().take(300).collect()
}

/// How long to wait when GitHub's answer is a rate limit (primary or secondary).
fn rate_limited(error: &GitHubError, message: &str) -> Option<Duration> {
    let retry_after = header(error, "retry-after").and_then(|v| v.parse::<u64>().ok());
    let status = error.status_code;
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (retry_after.is_some()
                || header(error, "x-ratelimit-remaining") == Some("0")
                || message.to_lowercase().contains("rate limit")));
    limited.then(|| Duration::from_secs(retry_after.unwrap_or(60).min(300)))
}

fn header<'a>(error: &'a GitHubError, name: &str) -> Option<&'a str> {
    error
        .headers
        .as_ref()?
        .get(name)?
        .to_str()
        .ok()
        .map(str::trim)
}

/// Why no answer came, when the connection is to blame (worth another try).
fn dropped(error: &octocrab::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(e) = e.downcast_ref::<reqwest::Error>() {
            return Some(if e.is_timeout() {
                "GitHub did not answer in time".into()
            } else if e.is_connect() {
                "cannot connect to GitHub".into()
            } else {
                format!("the connection to GitHub failed ({})", without_url(e))
            });
        }
        cause = e.source();
    }
    None
}

/// An error's text without its URL (which, for storage redirects, carries a signature).
pub(super) fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}
