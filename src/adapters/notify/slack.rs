//! Slack's incoming webhook: the message rendered by `core::notify::slack_payload`, posted as
//! JSON. Slack answers 200 `ok`; 429 with `Retry-After` when the channel gets too much; a 4xx
//! with a code in its body (`invalid_payload`, `no_service`, `channel_is_archived`) that sending
//! again will not change.

use std::fmt;

use reqwest::header::CONTENT_TYPE;

use super::endpoint::{Endpoint, NotifyError};
use crate::core::notify::{Delivery, DeliveryPolicy, Message, Receiver, slack_payload};

/// Posts messages to one Slack incoming webhook. Its address (which holds the webhook's
/// secret) is never shown.
pub struct SlackSink {
    endpoint: Endpoint,
}

impl fmt::Debug for SlackSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackSink")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl SlackSink {
    /// A sink named `name` (what delivery records say) posting to the webhook at `url`.
    pub fn new(name: &str, url: &str, policy: DeliveryPolicy) -> Result<Self, NotifyError> {
        Ok(Self {
            endpoint: Endpoint::new(name, url, policy)?,
        })
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.endpoint.name
    }

    /// Posts `message`, retrying as the policy says; what became of it.
    pub async fn send(&self, message: &Message) -> Delivery {
        let body = slack_payload(message).to_string();
        self.endpoint
            .deliver(Receiver::Slack, message.id(), |client, url, _| {
                client
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await
    }
}
