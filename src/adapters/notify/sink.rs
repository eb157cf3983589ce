//! Any of the sinks, for a caller that keeps a list of endpoints of both kinds.

use super::slack::SlackSink;
use super::webhook::WebhookSink;
use crate::core::notify::{Delivery, Message};

#[derive(Debug)]
pub enum Sink {
    Slack(SlackSink),
    Webhook(WebhookSink),
}

impl Sink {
    /// The endpoint's name, as delivery records give it.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Slack(sink) => sink.name(),
            Self::Webhook(sink) => sink.name(),
        }
    }

    /// Whether the endpoint takes no deliveries (a webhook that answered 410 Gone).
    #[must_use]
    pub fn is_disabled(&self) -> bool {
        match self {
            Self::Slack(_) => false,
            Self::Webhook(sink) => sink.is_disabled(),
        }
    }

    pub async fn send(&mut self, message: &Message) -> Delivery {
        match self {
            Self::Slack(sink) => sink.send(message).await,
            Self::Webhook(sink) => sink.send(message).await,
        }
    }
}

/// Sends `message` to every sink in turn; one delivery record per sink, in their order.
pub async fn send_to_all(sinks: &mut [Sink], message: &Message) -> Vec<Delivery> {
    let mut deliveries = Vec::with_capacity(sinks.len());
    for sink in sinks.iter_mut() {
        deliveries.push(sink.send(message).await);
    }
    deliveries
}
