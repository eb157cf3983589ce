//! Notifications sent: Slack's incoming webhooks and generic Standard Webhooks endpoints, over
//! reqwest, with the core's rendering, signing and retry rules. Each send returns a `Delivery`
//! for the caller to journal; no address or secret ever leaves in one, in an error or in a
//! `Debug` output.

mod endpoint;
mod sink;
mod slack;
mod webhook;

pub use endpoint::NotifyError;
pub use sink::{Sink, send_to_all};
pub use slack::SlackSink;
pub use webhook::WebhookSink;
