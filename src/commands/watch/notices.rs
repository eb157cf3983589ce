//! What the watcher tells people: the sinks `[notify]` configures (their addresses and secrets
//! read from the variables it names), a notification for each run that came to something a
//! person should know (fixed, waiting for review, not fixable, failed), one message per
//! repository for each pass, and every delivery journaled in the state database.

use chrono::Utc;

use super::{CommandError, state};
use crate::adapters::notify::{Sink, SlackSink, WebhookSink, send_to_all};
use crate::adapters::state::WatchStore;
use crate::core::exit::ExitCode;
use crate::core::notify::{Coalescing, DeliveryPolicy, Notification, NotificationKind, flush};
use crate::core::watch::WatchConfig;

/// The sinks; what waits to be said at the end of the pass is in the state database.
#[derive(Debug, Default)]
pub struct Notices {
    sinks: tokio::sync::Mutex<Vec<Sink>>,
    /// Each sink's address, hashed (a disabled sink stays so until its address changes).
    addresses: Vec<String>,
}

impl Notices {
    /// The sinks `config` names.
    ///
    /// # Errors
    /// A variable it names is not set, or holds no usable address or secret.
    pub fn from_config(
        config: &WatchConfig,
        store: Option<&WatchStore>,
    ) -> Result<Self, CommandError> {
        let read = |var: &str, what: &str| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| {
                    CommandError::new(
                        ExitCode::Usage,
                        format!("{var} is not set: it holds the {what}"),
                    )
                    .hint(format!("set {var}, or remove the sink from [notify]"))
                })
        };
        let bad = |e: crate::adapters::notify::NotifyError| {
            CommandError::new(ExitCode::Usage, format!("[notify]: {e}"))
        };
        let mut sinks = Vec::new();
        let mut addresses = Vec::new();
        if let Some(slack) = &config.notify.slack {
            let url = read(&slack.url_env, "Slack incoming webhook's URL")?;
            addresses.push(hash(url.trim()));
            sinks.push(Sink::Slack(
                SlackSink::new("slack", url.trim(), DeliveryPolicy::default()).map_err(bad)?,
            ));
        }
        if let Some(webhook) = &config.notify.webhook {
            let url = read(&webhook.url_env, "webhook's URL")?;
            let secret = read(&webhook.secret_env, "webhook's signing secret (whsec_…)")?;
            let mut sink = WebhookSink::new(
                "webhook",
                url.trim(),
                secret.trim(),
                DeliveryPolicy::default(),
            )
            .map_err(bad)?;
            let address = hash(url.trim());
            if let Some(store) = store
                && store.sink_disabled("webhook", &address).map_err(state)?
            {
                eprintln!(
                    "fixloop watch: the webhook answered 410 Gone before: it stays disabled \
                     until its address changes"
                );
                sink.set_disabled(true);
            }
            addresses.push(address);
            sinks.push(Sink::Webhook(sink));
        }
        Ok(Self {
            sinks: tokio::sync::Mutex::new(sinks),
            addresses,
        })
    }

    /// Keeps a notification for the end of the pass, in the state database (a watcher killed
    /// before it sends it sends it after its restart, with the same id).
    ///
    /// # Errors
    /// The state database cannot be written.
    pub fn note(
        store: &WatchStore,
        kind: NotificationKind,
        repo: &str,
        title: String,
        pr: Option<u64>,
    ) -> Result<(), CommandError> {
        let mut notification = Notification::new(kind, repo, title, Utc::now());
        if let Some(pr) = pr {
            notification = notification
                .with_link(format!("https://github.com/{repo}/pull/{pr}"))
                .with_field("pull request", format!("#{pr}"));
        }
        let body = serde_json::to_string(&notification).unwrap_or_default();
        store.queue_notification(&body).map_err(state)
    }

    /// Sends what the pass noted, one message per repository, and journals each delivery.
    ///
    /// # Errors
    /// The state database cannot be written.
    pub async fn send(&self, store: &WatchStore) -> Result<(), CommandError> {
        let queued = store.pending_notifications().map_err(state)?;
        let Some(last) = queued.last().map(|(seq, _)| *seq) else {
            return Ok(());
        };
        let queue: Vec<Notification> = queued
            .iter()
            .filter_map(|(_, body)| serde_json::from_str(body).ok())
            .collect();
        let mut sinks = self.sinks.lock().await;
        if sinks.is_empty() {
            return store.drop_notifications(last).map_err(state);
        }
        for message in flush(queue, Coalescing::default()) {
            let deliveries = send_to_all(&mut sinks, &message).await;
            // A webhook that answered 410 Gone stays disabled across restarts.
            for (sink, address) in sinks.iter().zip(&self.addresses) {
                if sink.is_disabled() {
                    store.disable_sink(sink.name(), address).map_err(state)?;
                }
            }
            for delivery in deliveries {
                if !delivery.is_delivered() {
                    eprintln!("fixloop watch: notification: {delivery}");
                }
                store
                    .record_notification(
                        &delivery.endpoint,
                        &delivery.message_id,
                        delivery.outcome.as_str(),
                        delivery.attempts,
                        &delivery.to_string(),
                    )
                    .map_err(state)?;
            }
        }
        store.drop_notifications(last).map_err(state)
    }
}

impl Notices {
    /// Sends one notification now, to every sink (a command with no state database: `sync`);
    /// each delivery that did not arrive, said.
    pub async fn send_now(&self, notification: Notification) -> Vec<String> {
        let mut sinks = self.sinks.lock().await;
        let mut failed = Vec::new();
        for message in flush(vec![notification], Coalescing::default()) {
            for delivery in send_to_all(&mut sinks, &message).await {
                if !delivery.is_delivered() {
                    failed.push(delivery.to_string());
                }
            }
        }
        failed
    }
}

/// What a run that ended as `said`, classified `class`, is worth telling.
#[must_use]
pub fn kind_of(class: Option<&str>, said: &str) -> Option<NotificationKind> {
    if said.starts_with("failed:") {
        return Some(NotificationKind::Failed);
    }
    match class {
        Some("not-fixable") => Some(NotificationKind::Blocked),
        Some("fixers") if said.starts_with("Fixed") => Some(NotificationKind::Fixed),
        Some("pipeline") if said.starts_with("waits:") => Some(NotificationKind::NeedsReview),
        Some("pipeline") if said.starts_with("applied") => Some(NotificationKind::Fixed),
        Some("pipeline") if said.contains("came to `not-verified`") => {
            Some(NotificationKind::Failed)
        }
        _ => None,
    }
}

/// An address as the state keeps it: its SHA-256, never the address.
fn hash(address: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::commands::ci_common::hex(&Sha256::digest(address.as_bytes()))
}
