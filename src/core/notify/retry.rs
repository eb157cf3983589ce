//! What to do after each answer of an endpoint: done, wait and try again, or stop. The rules:
//! a 2xx is delivered; a rate limit (429) or an answer with `Retry-After` waits as long as the
//! endpoint asks, up to a cap, and stops as failed when it asks for longer; a 5xx, a timeout
//! (408) or no connection is tried again after an exponential backoff; a generic webhook's
//! 410 Gone disables the endpoint; any other 4xx (and a redirect, which is not followed) is a
//! permanent refusal. The sink carries the decisions out.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::delivery::DeliveryOutcome;
use super::text::{capped, one_line, without_urls};

/// Which endpoint answered: Slack's incoming webhook, or a generic (Standard Webhooks) one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    Slack,
    Webhook,
}

impl Receiver {
    fn name(self) -> &'static str {
        match self {
            Self::Slack => "Slack",
            Self::Webhook => "the webhook",
        }
    }
}

/// How hard a sink tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Requests at most (at least one is made).
    pub attempts: u32,
    /// The wait after the first failed attempt; doubled after each next one.
    pub backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; an endpoint that asks for more is not tried again.
    pub max_retry_after: Duration,
    /// One request's time limit, from connecting to the end of the answer.
    pub timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            // Standard Webhooks advises receivers get 15 to 30 seconds.
            timeout: Duration::from_secs(20),
        }
    }
}

/// One attempt's result, as the decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// The endpoint answered.
    Status {
        code: u16,
        /// Its `Retry-After`, read (see [`retry_after`]).
        retry_after: Option<Duration>,
        /// The start of its body (Slack says why in it: `invalid_payload`, `no_service`).
        body: &'a str,
    },
    /// No answer: the connection failed or timed out. The text is the client's error.
    Unreachable(&'a str),
}

/// What the sink does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Delivered,
    /// Wait this long, then make the next attempt.
    Retry(Duration),
    Stop {
        outcome: DeliveryOutcome,
        /// Free of URLs, on one line.
        error: String,
        /// The wait the endpoint asked for when it was longer than the policy's cap.
        retry_after: Option<Duration>,
    },
}

/// The most of an endpoint's body kept in an error.
const BODY_MAX: usize = 200;

impl DeliveryPolicy {
    /// The wait after failed attempt number `attempt` (from 1): `backoff`, doubled each time,
    /// at most `max_backoff`.
    #[must_use]
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }

    /// The decision after attempt number `attempt` (from 1) got `answer`.
    #[must_use]
    pub fn next(&self, receiver: Receiver, attempt: u32, answer: &Answer<'_>) -> Next {
        let who = receiver.name();
        let (error, asked) = match *answer {
            Answer::Status { code, .. } if (200..300).contains(&code) => return Next::Delivered,
            Answer::Status {
                code: 410, body, ..
            } if receiver == Receiver::Webhook => {
                return stop(
                    DeliveryOutcome::Disabled,
                    format!(
                        "the webhook answered 410 Gone{}: it wants no more deliveries, so it is \
                         disabled until it is enabled again",
                        said(body)
                    ),
                );
            }
            Answer::Status {
                code,
                retry_after,
                body,
            } if code == 408 || code == 429 || (500..600).contains(&code) => {
                let what = if code == 429 {
                    "rate limited"
                } else {
                    "answered"
                };
                (format!("{who} {what} {code}{}", said(body)), retry_after)
            }
            Answer::Status { code, body, .. } if (300..400).contains(&code) => {
                return stop(
                    DeliveryOutcome::Permanent,
                    format!(
                        "{who} answered {code}, a redirect{}; redirects are not followed: give \
                         the address it moved to",
                        said(body)
                    ),
                );
            }
            Answer::Status { code, body, .. } => {
                return stop(
                    DeliveryOutcome::Permanent,
                    format!("{who} refused the message: {code}{}", said(body)),
                );
            }
            Answer::Unreachable(text) => (format!("cannot reach {who}: {}", clean(text)), None),
        };
        if let Some(asked) = asked.filter(|asked| *asked > self.max_retry_after) {
            return Next::Stop {
                outcome: DeliveryOutcome::Failed,
                error: format!(
                    "{error}; it asked to wait {} s, more than the {} s this sink waits",
                    asked.as_secs(),
                    self.max_retry_after.as_secs()
                ),
                retry_after: Some(asked),
            };
        }
        if attempt >= self.attempts.max(1) {
            // The record counts the attempts; the error says what the last one met.
            return stop(DeliveryOutcome::Failed, error);
        }
        Next::Retry(asked.unwrap_or_else(|| self.backoff_after(attempt)))
    }
}

fn stop(outcome: DeliveryOutcome, error: String) -> Next {
    Next::Stop {
        outcome,
        error,
        retry_after: None,
    }
}

/// ` (body)` for a body worth showing, or nothing.
fn said(body: &str) -> String {
    let body = clean(body);
    if body.is_empty() {
        String::new()
    } else {
        format!(" ({body})")
    }
}

/// Text from outside on one short line, without URLs.
fn clean(text: &str) -> String {
    capped(&one_line(&without_urls(text)), BODY_MAX)
}

/// A `Retry-After` value: seconds, or an HTTP date (a past one is no wait).
#[must_use]
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?;
    let ms = (date.with_timezone(&Utc) - now).num_milliseconds().max(0);
    Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> DeliveryPolicy {
        DeliveryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(60),
            timeout: Duration::from_secs(5),
        }
    }

    fn status(code: u16, retry_after: Option<u64>, body: &str) -> Answer<'_> {
        Answer::Status {
            code,
            retry_after: retry_after.map(Duration::from_secs),
            body,
        }
    }

    fn stopped(next: Next) -> (DeliveryOutcome, String) {
        match next {
            Next::Stop { outcome, error, .. } => (outcome, error),
            other => panic!("went on: {other:?}"),
        }
    }

    #[test]
    fn success_is_any_2xx() {
        for code in [200, 202, 204, 299] {
            assert_eq!(
                policy().next(Receiver::Slack, 1, &status(code, None, "ok")),
                Next::Delivered
            );
        }
    }

    #[test]
    fn a_rate_limit_waits_as_asked_up_to_the_cap() {
        let p = policy();
        assert_eq!(
            p.next(Receiver::Slack, 1, &status(429, Some(7), "")),
            Next::Retry(Duration::from_secs(7))
        );
        // A 503 with Retry-After is honoured too; without, the backoff applies.
        assert_eq!(
            p.next(Receiver::Webhook, 1, &status(503, Some(2), "")),
            Next::Retry(Duration::from_secs(2))
        );
        assert_eq!(
            p.next(Receiver::Slack, 2, &status(429, None, "")),
            Next::Retry(Duration::from_millis(200))
        );
        let Next::Stop {
            outcome,
            error,
            retry_after,
        } = p.next(Receiver::Slack, 1, &status(429, Some(3600), "rate_limited"))
        else {
            panic!("a wait over the cap went on");
        };
        assert_eq!(outcome, DeliveryOutcome::Failed);
        assert_eq!(retry_after, Some(Duration::from_secs(3600)));
        assert_eq!(
            error,
            "Slack rate limited 429 (rate_limited); it asked to wait 3600 s, more than the 60 s \
             this sink waits"
        );
    }

    #[test]
    fn server_errors_back_off_exponentially_until_the_attempts_run_out() {
        let p = policy();
        let answer = status(500, None, "oops");
        assert_eq!(
            p.next(Receiver::Slack, 1, &answer),
            Next::Retry(Duration::from_millis(100))
        );
        assert_eq!(
            p.next(Receiver::Slack, 2, &answer),
            Next::Retry(Duration::from_millis(200))
        );
        assert_eq!(
            stopped(p.next(Receiver::Slack, 3, &answer)),
            (DeliveryOutcome::Failed, "Slack answered 500 (oops)".into())
        );
        assert_eq!(p.backoff_after(3), Duration::from_millis(250));
        assert_eq!(p.backoff_after(u32::MAX), Duration::from_millis(250));
        let unreachable = Answer::Unreachable("error sending request for url (https://x.test/a)");
        assert_eq!(
            p.next(Receiver::Webhook, 1, &unreachable),
            Next::Retry(Duration::from_millis(100))
        );
        let (outcome, error) = stopped(p.next(Receiver::Webhook, 3, &unreachable));
        assert_eq!(outcome, DeliveryOutcome::Failed);
        assert_eq!(
            error,
            "cannot reach the webhook: error sending request for url (<url>)"
        );
        let once = DeliveryPolicy { attempts: 0, ..p };
        assert_eq!(
            stopped(once.next(Receiver::Slack, 1, &status(502, None, ""))).1,
            "Slack answered 502"
        );
    }

    #[test]
    fn a_client_error_is_permanent_and_keeps_slacks_words() {
        let p = policy();
        assert_eq!(
            stopped(p.next(Receiver::Slack, 1, &status(400, None, "invalid_payload"))),
            (
                DeliveryOutcome::Permanent,
                "Slack refused the message: 400 (invalid_payload)".into()
            )
        );
        assert_eq!(
            stopped(p.next(Receiver::Slack, 1, &status(404, None, "no_service\n"))).1,
            "Slack refused the message: 404 (no_service)"
        );
        // Slack's 410 (an archived channel) is a refusal; a webhook's disables it.
        assert_eq!(
            stopped(p.next(
                Receiver::Slack,
                1,
                &status(410, None, "channel_is_archived")
            ))
            .0,
            DeliveryOutcome::Permanent
        );
        assert_eq!(
            stopped(p.next(Receiver::Webhook, 1, &status(410, None, ""))).0,
            DeliveryOutcome::Disabled
        );
        assert_eq!(
            stopped(p.next(Receiver::Webhook, 1, &status(301, None, ""))).0,
            DeliveryOutcome::Permanent
        );
        assert_eq!(
            p.next(Receiver::Webhook, 1, &status(408, None, "")),
            Next::Retry(Duration::from_millis(100))
        );
        let long = format!(
            "see https://hooks.slack.com/services/T/B/secret {}",
            "x".repeat(500)
        );
        let (_, error) = stopped(p.next(Receiver::Slack, 1, &status(400, None, &long)));
        assert!(
            !error.contains("hooks.slack.com") && error.chars().count() < 260,
            "{error}"
        );
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sat, 21 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Sat, 21 Nov 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-1", now), None);
        assert_eq!(retry_after("", now), None);
    }
}
