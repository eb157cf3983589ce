//! Notifications: telling people what the CI watcher (and later the upstream sync) did. The
//! message model, its rendering for Slack and for a generic webhook, bursts coalesced into one
//! message, the Standard Webhooks signature, and the rules of retrying a delivery; all pure.
//! The sinks that send are in `adapters::notify`.

mod coalesce;
mod delivery;
mod model;
mod retry;
mod signing;
mod slack;
mod text;
mod webhook;

pub use coalesce::{Coalesced, Coalescing, coalesce, flush};
pub use delivery::{Delivery, DeliveryOutcome};
pub use model::{Field, InvalidId, Message, Notification, NotificationKind, is_valid_id};
pub use retry::{Answer, DeliveryPolicy, Next, Receiver, retry_after};
pub use signing::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, ReceivedHeaders, SecretError, SignedHeaders,
    SigningSecret, TOLERANCE, VerifyError, verify,
};
pub use slack::{FIELD_MAX, FIELDS_MAX, HEADER_MAX, SECTION_MAX, TEXT_MAX, slack_payload};
pub use text::{escape, without_urls};
pub use webhook::{webhook_body, webhook_payload};
