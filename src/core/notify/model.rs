//! What a notification says: what happened (its kind), where (the repository), a title, a link
//! to the pull request or run, a few named fields, when, and an id that a receiver can use to
//! drop a repeated delivery. A [`Message`] is what a sink sends: one notification, or a burst
//! of them for one repository that coalescing gathered.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotificationKind {
    /// A verified fix is ready (a draft PR or a pushed commit).
    Fixed,
    /// A checkpoint waits for a person.
    NeedsReview,
    /// The watcher will not go on by itself (a guard, a policy, a protected path).
    Blocked,
    /// The run ended without a fix.
    Failed,
    /// Something was made for people to look at (a PR, an issue, a sync branch).
    Created,
}

impl NotificationKind {
    pub const ALL: [Self; 5] = [
        Self::Fixed,
        Self::NeedsReview,
        Self::Blocked,
        Self::Failed,
        Self::Created,
    ];

    /// The kind as it is written in payloads: `fixed`, `needs-review`, ...
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::NeedsReview => "needs-review",
            Self::Blocked => "blocked",
            Self::Failed => "failed",
            Self::Created => "created",
        }
    }

    /// The kind as people read it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Fixed => "Fixed",
            Self::NeedsReview => "Needs review",
            Self::Blocked => "Blocked",
            Self::Failed => "Failed",
            Self::Created => "Created",
        }
    }
}

/// One named value shown with a notification (`attempts: 2`, `branch: fix/x`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// One thing that happened, for people to hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Notification {
    /// `msg_` and letters, digits, `_` or `-`: a receiver's key for dropping repeats. The same
    /// id goes with every delivery attempt of the message.
    pub id: String,
    pub kind: NotificationKind,
    /// `owner/name`.
    pub repository: String,
    pub title: String,
    /// The pull request or run it is about; only `http(s)` links are shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// When it happened (not when it is delivered).
    pub at: DateTime<Utc>,
}

/// An id a receiver would misread: the signature scheme joins id, timestamp and body with `.`,
/// so an id holds none (nor anything but letters, digits, `_` and `-`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a notification id is 1 to 64 letters, digits, `_` or `-`")]
pub struct InvalidId;

/// Whether `id` may be a message id.
#[must_use]
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `msg_` and 24 hex digits of the SHA-256 of the parts: the same parts, the same id.
fn derived_id<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.len().to_le_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut id = String::from("msg_");
    for b in &digest[..12] {
        let _ = write!(id, "{b:02x}");
    }
    id
}

impl Notification {
    /// A notification with an id derived from what it says and when, so that the same event
    /// notified twice carries the same id.
    #[must_use]
    pub fn new(
        kind: NotificationKind,
        repository: impl Into<String>,
        title: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        let repository = repository.into();
        let title = title.into();
        let when = at.to_rfc3339_opts(SecondsFormat::Nanos, true);
        let id = derived_id([kind.as_str(), repository.as_str(), title.as_str(), &when]);
        Self {
            id,
            kind,
            repository,
            title,
            link: None,
            fields: Vec::new(),
            at,
        }
    }

    #[must_use]
    pub fn with_link(mut self, link: impl Into<String>) -> Self {
        self.link = Some(link.into());
        self
    }

    #[must_use]
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push(Field {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The same notification under an id of the caller's (a run id, say).
    pub fn with_id(mut self, id: impl Into<String>) -> Result<Self, InvalidId> {
        let id = id.into();
        if !is_valid_id(&id) {
            return Err(InvalidId);
        }
        self.id = id;
        Ok(self)
    }
}

/// What a sink sends: one notification, or several about one repository (a digest).
///
/// Never empty; every notification in it is about its repository. (A caller that keeps a
/// queue across runs keeps the notifications, which serialize; messages are made from them.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    id: String,
    repository: String,
    notifications: Vec<Notification>,
}

impl Message {
    /// One notification, under its own id.
    #[must_use]
    pub fn single(notification: Notification) -> Self {
        Self {
            id: notification.id.clone(),
            repository: notification.repository.clone(),
            notifications: vec![notification],
        }
    }

    /// Several notifications about one repository (in the order given), or `None` when there
    /// are none or they are not all about the first one's repository. One notification is a
    /// single message; a digest's id is derived from its notifications' ids.
    #[must_use]
    pub fn digest(notifications: Vec<Notification>) -> Option<Self> {
        let first = notifications.first()?;
        if notifications
            .iter()
            .any(|n| n.repository != first.repository)
        {
            return None;
        }
        if notifications.len() == 1 {
            return notifications.into_iter().next().map(Self::single);
        }
        let id = derived_id(
            std::iter::once("digest").chain(notifications.iter().map(|n| n.id.as_str())),
        );
        Some(Self {
            id,
            repository: first.repository.clone(),
            notifications,
        })
    }

    /// The message's id: the notification's own for a single one.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    #[must_use]
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Never empty.
    #[must_use]
    pub fn notifications(&self) -> &[Notification] {
        &self.notifications
    }

    /// Whether it lists more than one notification.
    #[must_use]
    pub fn is_digest(&self) -> bool {
        self.notifications.len() > 1
    }

    /// When its latest notification happened.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.notifications
            .iter()
            .map(|n| n.at)
            .max()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The Standard Webhooks event type: `fixloop.<kind>`, or `fixloop.digest`.
    #[must_use]
    pub fn event_type(&self) -> String {
        match self.notifications.as_slice() {
            [one] => format!("fixloop.{}", one.kind.as_str()),
            _ => "fixloop.digest".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn ids_are_derived_stable_and_safe_to_sign() {
        let a = Notification::new(NotificationKind::Fixed, "acme/app", "t", at(0));
        let b = Notification::new(NotificationKind::Fixed, "acme/app", "t", at(0));
        let c = Notification::new(NotificationKind::Fixed, "acme/app", "t", at(1));
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert!(a.id.starts_with("msg_") && a.id.len() == 28 && is_valid_id(&a.id));
        assert_eq!(a.clone().with_id("run-42").unwrap().id, "run-42");
        for bad in ["", "a.b", "a b", "ä", &"x".repeat(65)] {
            assert_eq!(a.clone().with_id(bad), Err(InvalidId), "{bad}");
        }
    }

    #[test]
    fn a_digest_is_one_repository_and_never_empty() {
        let n = |repo: &str, s| Notification::new(NotificationKind::Failed, repo, "t", at(s));
        assert_eq!(Message::digest(Vec::new()), None);
        assert_eq!(Message::digest(vec![n("a/b", 0), n("c/d", 1)]), None);
        let one = Message::digest(vec![n("a/b", 0)]).unwrap();
        assert!(!one.is_digest());
        assert_eq!(one.id(), n("a/b", 0).id);
        assert_eq!(one.event_type(), "fixloop.failed");
        let two = Message::digest(vec![n("a/b", 5), n("a/b", 1)]).unwrap();
        assert!(two.is_digest());
        assert_eq!(two.event_type(), "fixloop.digest");
        assert_eq!(two.at(), at(5));
        assert_eq!(two.repository(), "a/b");
        assert!(is_valid_id(two.id()));
        assert_ne!(two.id(), n("a/b", 5).id);
    }

    #[test]
    fn kinds_are_written_in_kebab_case() {
        for kind in NotificationKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
