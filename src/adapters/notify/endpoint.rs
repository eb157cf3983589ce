//! One endpoint a sink posts to, and the one delivery loop: a request per attempt, each answer
//! handed to the core's retry rules (`DeliveryPolicy::next`), their waits carried out, and the
//! end written down as a `Delivery`.
//!
//! The endpoint's address is a secret (Slack's path is its key; a generic webhook's may hold a
//! token), so it is shown nowhere: `Debug` leaves it out, and the client's error text is
//! stripped of every URL before it goes into a record.

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::RETRY_AFTER;
use reqwest::{Client, RequestBuilder, Url};
use tokio::time::Instant;

use crate::core::error::StepError;
use crate::core::notify::{
    Answer, Delivery, DeliveryOutcome, DeliveryPolicy, Next, Receiver, SecretError, retry_after,
    without_urls,
};
use crate::core::redact::Redactor;

/// The known shapes of secrets (a `whsec_` key, tokens), for text an endpoint sent back.
static SHAPES: LazyLock<Redactor> = LazyLock::new(Redactor::default);

/// The most of an answer's body read: enough for Slack's error code or a short message.
const BODY_READ: usize = 1024;

/// Why a sink could not be made. The message never holds the address or the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    #[error("the address of the `{endpoint}` notification endpoint is not an http(s) URL")]
    BadUrl { endpoint: String },
    #[error("the signing secret of the `{endpoint}` notification endpoint: {source}")]
    Secret {
        endpoint: String,
        source: SecretError,
    },
    #[error("cannot start an HTTP client for notifications: {0}")]
    Client(String),
}

impl From<NotifyError> for StepError {
    fn from(error: NotifyError) -> Self {
        match error {
            NotifyError::Client(_) => StepError::unavailable(error.to_string()),
            NotifyError::BadUrl { .. } => StepError::input(error.to_string())
                .hint("give the endpoint's full address, starting with https://"),
            NotifyError::Secret { .. } => StepError::input(error.to_string()).hint(
                "give the secret as the receiver shows it: `whsec_` and base64 of 24 to 64 bytes",
            ),
        }
    }
}

/// Where a sink posts, under the name records use for it.
pub(super) struct Endpoint {
    pub(super) name: String,
    url: Url,
    client: Client,
    pub(super) policy: DeliveryPolicy,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("url", &"[redacted]")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    pub(super) fn new(name: &str, url: &str, policy: DeliveryPolicy) -> Result<Self, NotifyError> {
        let bad_url = || NotifyError::BadUrl {
            endpoint: name.to_owned(),
        };
        let url = Url::parse(url.trim()).map_err(|_| bad_url())?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(bad_url());
        }
        let client = Client::builder()
            .user_agent(concat!("fixloop/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .timeout(policy.timeout)
            // A redirect is a failure (Standard Webhooks): the address should be updated.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifyError::Client(without_urls(&chain(&e.without_url()))))?;
        Ok(Self {
            name: name.to_owned(),
            url,
            client,
            policy,
        })
    }

    /// Sends until the policy says stop: `request` makes each attempt's request (given its
    /// number, from 1), so a signed one can be signed afresh.
    pub(super) async fn deliver(
        &self,
        receiver: Receiver,
        message_id: &str,
        mut request: impl FnMut(&Client, &Url, u32) -> RequestBuilder,
    ) -> Delivery {
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (status, next) = match request(&self.client, &self.url, attempt).send().await {
                Ok(response) => {
                    let code = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry_after(v, Utc::now()));
                    let body = if response.status().is_success() {
                        String::new()
                    } else {
                        self.scrub(&read_start(response).await)
                    };
                    let answer = Answer::Status {
                        code,
                        retry_after,
                        body: &body,
                    };
                    (Some(code), self.policy.next(receiver, attempt, &answer))
                }
                Err(e) => {
                    let text = self.unreachable(e);
                    let answer = Answer::Unreachable(&text);
                    (None, self.policy.next(receiver, attempt, &answer))
                }
            };
            let (outcome, error, asked) = match next {
                Next::Delivered => (DeliveryOutcome::Delivered, None, None),
                Next::Retry(wait) => {
                    tracing::debug!(
                        endpoint = %self.name,
                        message = message_id,
                        attempt,
                        ?status,
                        "notification not delivered; trying again in {wait:?}"
                    );
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    continue;
                }
                Next::Stop {
                    outcome,
                    error,
                    retry_after,
                } => (outcome, Some(self.scrub(&error)), retry_after),
            };
            return Delivery {
                endpoint: self.name.clone(),
                message_id: message_id.to_owned(),
                attempts: attempt,
                status,
                outcome,
                duration_ms: millis(started.elapsed()),
                waited_ms: millis(waited),
                error,
                retry_after_ms: asked.map(millis),
            };
        }
    }

    /// The record of a message not sent because the endpoint is disabled.
    pub(super) fn refused(&self, message_id: &str, why: &str) -> Delivery {
        Delivery {
            endpoint: self.name.clone(),
            message_id: message_id.to_owned(),
            attempts: 0,
            status: None,
            outcome: DeliveryOutcome::Disabled,
            duration_ms: 0,
            waited_ms: 0,
            error: Some(why.to_owned()),
            retry_after_ms: None,
        }
    }

    /// What the client said when no answer came, without the address.
    fn unreachable(&self, error: reqwest::Error) -> String {
        let timed_out = error.is_timeout();
        let text = chain(&error.without_url());
        let text = if timed_out {
            format!(
                "no answer within {} s ({text})",
                self.policy.timeout.as_secs_f32()
            )
        } else {
            text
        };
        self.scrub(&text)
    }

    /// `text` without URLs, without this endpoint's address or path in any other form, and
    /// without anything shaped like a secret.
    fn scrub(&self, text: &str) -> String {
        let text = text.replace(self.url.as_str(), "<url>");
        let mut text = without_urls(&SHAPES.redact(&text));
        let path = self.url.path();
        if path.len() > 1 {
            text = text.replace(path, "<path>");
        }
        if let Some(query) = self.url.query().filter(|q| !q.is_empty()) {
            text = text.replace(query, "<query>");
        }
        text
    }
}

/// An error and its sources, joined: reqwest's own message is often just "error sending
/// request", the reason is further down.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// The start of an answer's body, as text.
async fn read_start(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < BODY_READ {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(BODY_READ);
    String::from_utf8_lossy(&bytes).into_owned()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
