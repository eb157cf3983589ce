//! What became of one message sent to one endpoint: the record a caller journals. It names the
//! endpoint by the name it was given, never by its address (a webhook's address is a secret),
//! and its error text holds neither an address nor a secret.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryOutcome {
    /// The endpoint took it (2xx).
    Delivered,
    /// Every attempt failed for a reason that may pass (5xx, no connection, a rate limit longer
    /// than the sink waits): the message may be sent again later.
    Failed,
    /// The endpoint refused it for good (4xx, a redirect): sending it again will not help.
    Permanent,
    /// The endpoint asked for no more deliveries (410 Gone), or was disabled before: nothing
    /// is sent to it until it is enabled again.
    Disabled,
}

impl DeliveryOutcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Permanent => "permanent",
            Self::Disabled => "disabled",
        }
    }
}

/// One message's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Delivery {
    /// The endpoint's name (never its address).
    pub endpoint: String,
    pub message_id: String,
    /// Requests made (0 when the endpoint was disabled).
    pub attempts: u32,
    /// The last answer's HTTP status, if any came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub outcome: DeliveryOutcome,
    /// From the first request to the end, waits included.
    pub duration_ms: u64,
    /// Of which spent waiting between attempts (backoff, `Retry-After`).
    pub waited_ms: u64,
    /// Why it was not delivered: the endpoint's own words where it gave some (Slack's
    /// `invalid_payload`, `no_service`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the endpoint asked to be left alone, when that was longer than the sink waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl Delivery {
    #[must_use]
    pub fn is_delivered(&self) -> bool {
        self.outcome == DeliveryOutcome::Delivered
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} after {} attempt{}",
            self.endpoint,
            self.message_id,
            self.outcome.as_str(),
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )?;
        if let Some(status) = self.status {
            write!(f, " ({status})")?;
        }
        if let Some(error) = &self.error {
            write!(f, ": {error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_reads_as_a_line_and_journals_in_kebab_case() {
        let delivery = Delivery {
            endpoint: "ops-slack".into(),
            message_id: "msg_1".into(),
            attempts: 1,
            status: Some(400),
            outcome: DeliveryOutcome::Permanent,
            duration_ms: 12,
            waited_ms: 0,
            error: Some("Slack refused the message: 400 invalid_payload".into()),
            retry_after_ms: None,
        };
        assert_eq!(
            delivery.to_string(),
            "ops-slack: msg_1 permanent after 1 attempt (400): \
             Slack refused the message: 400 invalid_payload"
        );
        let json = serde_json::to_value(&delivery).unwrap();
        assert_eq!(json["message-id"], "msg_1");
        assert_eq!(json["outcome"], "permanent");
        assert!(json.get("retry-after-ms").is_none());
        let back: Delivery = serde_json::from_value(json).unwrap();
        assert_eq!(back, delivery);
    }
}
