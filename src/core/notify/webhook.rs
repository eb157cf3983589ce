//! A message as a generic webhook receives it: the Standard Webhooks payload
//! `{"type": "fixloop.<kind>", "timestamp": RFC 3339, "data": {...}}`, a digest as
//! `fixloop.digest` listing its notifications. The body is minified JSON, and the bytes
//! returned are the bytes signed and sent.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::model::{Message, Notification};

/// The payload as JSON (the event's time, not the delivery's, in `timestamp`).
#[must_use]
pub fn webhook_payload(message: &Message) -> Value {
    let data = match message.notifications() {
        [one] => notification(one),
        all => json!({
            "id": message.id(),
            "repository": message.repository(),
            "notifications": all.iter().map(notification).collect::<Vec<_>>(),
        }),
    };
    json!({
        "type": message.event_type(),
        "timestamp": rfc3339(message.at()),
        "data": data,
    })
}

/// The payload's exact bytes (minified).
#[must_use]
pub fn webhook_body(message: &Message) -> Vec<u8> {
    webhook_payload(message).to_string().into_bytes()
}

fn notification(n: &Notification) -> Value {
    let mut data = json!({
        "id": n.id,
        "kind": n.kind.as_str(),
        "repository": n.repository,
        "title": n.title,
        "timestamp": rfc3339(n.at),
    });
    if let Some(link) = &n.link {
        data["link"] = json!(link);
    }
    if !n.fields.is_empty() {
        data["fields"] = json!(
            n.fields
                .iter()
                .map(|f| json!({ "name": f.name, "value": f.value }))
                .collect::<Vec<_>>()
        );
    }
    data
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notify::model::NotificationKind;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_notification_is_a_typed_event() {
        let n = Notification::new(
            NotificationKind::NeedsReview,
            "acme/app",
            "fix <ready>",
            at(0),
        )
        .with_link("https://github.com/acme/app/pull/7")
        .with_field("attempts", "2");
        let message = Message::single(n.clone());
        let body = String::from_utf8(webhook_body(&message)).unwrap();
        assert_eq!(
            body,
            format!(
                r#"{{"data":{{"fields":[{{"name":"attempts","value":"2"}}],"id":"{}","kind":"needs-review","link":"https://github.com/acme/app/pull/7","repository":"acme/app","timestamp":"2027-01-15T08:00:00Z","title":"fix <ready>"}},"timestamp":"2027-01-15T08:00:00Z","type":"fixloop.needs-review"}}"#,
                n.id
            )
        );
    }

    #[test]
    fn a_digest_lists_its_notifications() {
        let a = Notification::new(NotificationKind::Fixed, "acme/app", "a", at(0));
        let b = Notification::new(NotificationKind::Failed, "acme/app", "b", at(90));
        let message = Message::digest(vec![a.clone(), b.clone()]).unwrap();
        let payload = webhook_payload(&message);
        assert_eq!(payload["type"], "fixloop.digest");
        assert_eq!(payload["timestamp"], "2027-01-15T08:01:30Z");
        assert_eq!(payload["data"]["id"], message.id());
        assert_eq!(payload["data"]["repository"], "acme/app");
        let listed = payload["data"]["notifications"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0]["id"], a.id.as_str());
        assert_eq!(listed[1]["kind"], "failed");
        assert!(listed[0].get("link").is_none() && listed[0].get("fields").is_none());
    }
}
