//! A generic webhook, the Standard Webhooks way: the message's payload posted as JSON with
//! `webhook-id` (the message's id, the same on every retry, so the receiver can drop repeats),
//! `webhook-timestamp` and `webhook-signature` (both fresh for each attempt). An endpoint that
//! answers 410 Gone wants no more: the sink disables it and sends nothing until it is enabled
//! again; the caller keeps that state (`is_disabled`, `set_disabled`) across runs.

use std::fmt;

use chrono::Utc;
use reqwest::header::CONTENT_TYPE;

use super::endpoint::{Endpoint, NotifyError};
use crate::core::notify::{
    Delivery, DeliveryOutcome, DeliveryPolicy, Message, Receiver, SignedHeaders, SigningSecret,
    webhook_body,
};

/// Posts signed messages to one endpoint. Neither its address nor its secret is ever shown.
pub struct WebhookSink {
    endpoint: Endpoint,
    secret: SigningSecret,
    disabled: bool,
}

impl fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSink")
            .field("endpoint", &self.endpoint)
            .field("secret", &self.secret)
            .field("disabled", &self.disabled)
            .finish()
    }
}

impl WebhookSink {
    /// A sink named `name` posting to `url`, signing with `secret` (`whsec_<base64 key>`).
    pub fn new(
        name: &str,
        url: &str,
        secret: &str,
        policy: DeliveryPolicy,
    ) -> Result<Self, NotifyError> {
        let secret = SigningSecret::parse(secret).map_err(|source| NotifyError::Secret {
            endpoint: name.to_owned(),
            source,
        })?;
        Ok(Self {
            endpoint: Endpoint::new(name, url, policy)?,
            secret,
            disabled: false,
        })
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.endpoint.name
    }

    /// Whether the endpoint asked for no more deliveries (410 Gone), or was set so.
    #[must_use]
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }

    /// Disables the endpoint, or enables it again (the state a caller kept from an earlier run,
    /// or a person's decision to try it again).
    pub fn set_disabled(&mut self, disabled: bool) {
        self.disabled = disabled;
    }

    /// Posts `message`, retrying as the policy says; what became of it. A disabled endpoint
    /// gets no request.
    pub async fn send(&mut self, message: &Message) -> Delivery {
        if self.disabled {
            return self.endpoint.refused(
                message.id(),
                "the webhook is disabled (it answered 410 Gone); enable it again to send to it",
            );
        }
        let body = webhook_body(message);
        let secret = &self.secret;
        let delivery = self
            .endpoint
            .deliver(Receiver::Webhook, message.id(), |client, url, _| {
                let headers =
                    SignedHeaders::new(secret, message.id(), Utc::now().timestamp(), &body);
                let mut request = client
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
                for (name, value) in headers.pairs() {
                    request = request.header(name, value);
                }
                request
            })
            .await;
        if delivery.outcome == DeliveryOutcome::Disabled {
            self.disabled = true;
        }
        delivery
    }
}
