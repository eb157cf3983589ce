//! A message as a Slack incoming webhook takes it: a plain `text` (what notifications and old
//! clients show) and Block Kit `blocks` (a header, a section in mrkdwn with the notification's
//! fields, a context line). User text is escaped and every text is kept within the lengths
//! Slack refuses a message over.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::model::{Field, Message, Notification};
use super::text::{capped, escape_capped, link_target, one_line, slack_len};

/// A header block's text.
pub const HEADER_MAX: usize = 150;
/// A section's text (and any text object's).
pub const SECTION_MAX: usize = 3000;
/// One of a section's fields.
pub const FIELD_MAX: usize = 2000;
/// A section's fields.
pub const FIELDS_MAX: usize = 10;
/// The top-level `text`: Slack cuts far longer ones, and advises staying under 4,000.
pub const TEXT_MAX: usize = 4000;
/// A title in a digest's list, so that one long title does not push the others out.
const LINE_TITLE_MAX: usize = 300;
/// A field's name.
const FIELD_NAME_MAX: usize = 100;

/// The JSON body to post to a Slack incoming webhook.
#[must_use]
pub fn slack_payload(message: &Message) -> Value {
    match message.notifications() {
        [one] => single(message, one),
        all => digest(message, all),
    }
}

fn single(message: &Message, n: &Notification) -> Value {
    let title = title_of(n);
    let mut text = format!("{} in {}: {title}", n.kind.label(), message.repository());
    if let Some(link) = n.link.as_deref().and_then(link_target) {
        // The link is escaped already; the rest is escaped here.
        text = escape_capped(&text, TEXT_MAX.saturating_sub(slack_len(&link) + 3));
        let _ = write!(text, " <{link}>");
    } else {
        text = escape_capped(&text, TEXT_MAX);
    }
    let header = format!("{}: {}", n.kind.label(), message.repository());
    let mut section = json!({
        "type": "section",
        "text": mrkdwn(&linked_title(n, SECTION_MAX, "*", "*")),
    });
    if !n.fields.is_empty() {
        section["fields"] = Value::Array(fields(&n.fields));
    }
    let context = format!(
        "fixloop · {} · {} · {}",
        n.kind.as_str(),
        n.at.format("%Y-%m-%d %H:%M UTC"),
        message.id()
    );
    json!({
        "text": text,
        "blocks": [
            header_block(&header),
            section,
            context_block(&context),
        ],
    })
}

fn digest(message: &Message, all: &[Notification]) -> Value {
    let mut counts: BTreeMap<_, usize> = BTreeMap::new();
    for n in all {
        *counts.entry(n.kind).or_default() += 1;
    }
    let tally = counts
        .iter()
        .map(|(kind, count)| format!("{count} {}", kind.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let text = escape_capped(
        &format!("{} updates in {}: {tally}", all.len(), message.repository()),
        TEXT_MAX,
    );
    let header = format!("{} updates: {}", all.len(), message.repository());
    let first = all
        .iter()
        .map(|n| n.at)
        .min()
        .unwrap_or_else(|| message.at());
    let context = format!(
        "fixloop · {} · {} to {} · {}",
        tally.replace(", ", " · "),
        first.format("%Y-%m-%d %H:%M"),
        message.at().format("%H:%M UTC"),
        message.id()
    );
    json!({
        "text": text,
        "blocks": [
            header_block(&header),
            { "type": "section", "text": mrkdwn(&listing(all)) },
            context_block(&context),
        ],
    })
}

/// One line per notification, as many as fit, then how many more there were.
fn listing(all: &[Notification]) -> String {
    let reserve = slack_len(&format!("\n… and {} more", all.len()));
    let mut out = String::new();
    for (i, n) in all.iter().enumerate() {
        let line = format!(
            "• *{}* {}",
            n.kind.label(),
            linked_title(n, LINE_TITLE_MAX, "", "")
        );
        let sep = usize::from(!out.is_empty());
        let left = all.len() - i - 1;
        let room = if left == 0 {
            SECTION_MAX
        } else {
            SECTION_MAX - reserve
        };
        if slack_len(&out) + sep + slack_len(&line) > room {
            let _ = write!(out, "\n… and {} more", all.len() - i);
            break;
        }
        if sep == 1 {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

/// What a notification is called: its title on one line, or its kind when it has none.
fn title_of(n: &Notification) -> String {
    let title = one_line(&n.title);
    if title.is_empty() {
        n.kind.label().to_owned()
    } else {
        title
    }
}

/// The title, escaped, as a link when there is a usable one, between `open` and `close`
/// (mrkdwn emphasis), at most `max` long in all.
fn linked_title(n: &Notification, max: usize, open: &str, close: &str) -> String {
    let title = title_of(n);
    let wrap = slack_len(open) + slack_len(close);
    match n.link.as_deref().and_then(link_target) {
        Some(link) => {
            let room = max.saturating_sub(wrap + slack_len(&link) + 3);
            format!("{open}<{link}|{}>{close}", escape_capped(&title, room))
        }
        None => format!(
            "{open}{}{close}",
            escape_capped(&title, max.saturating_sub(wrap))
        ),
    }
}

/// The fields as mrkdwn texts (`*name*` over the value), at most [`FIELDS_MAX`]: when there
/// are more, the last one says how many were left out.
fn fields(all: &[Field]) -> Vec<Value> {
    let shown = if all.len() > FIELDS_MAX {
        FIELDS_MAX - 1
    } else {
        all.len()
    };
    let mut out: Vec<Value> = all[..shown]
        .iter()
        .map(|f| {
            let name = escape_capped(&one_line(&f.name), FIELD_NAME_MAX);
            let value = if f.value.trim().is_empty() {
                "-".to_owned()
            } else {
                escape_capped(&f.value, FIELD_MAX - slack_len(&name) - 3)
            };
            mrkdwn(&format!("*{name}*\n{value}"))
        })
        .collect();
    if shown < all.len() {
        out.push(mrkdwn(&format!(
            "*More*\n{} fields left out",
            all.len() - shown
        )));
    }
    out
}

fn mrkdwn(text: &str) -> Value {
    json!({ "type": "mrkdwn", "text": text })
}

/// A header: plain text, which Slack shows as it is (no entities, links or mentions), so it is
/// not escaped; on one line, within [`HEADER_MAX`].
fn header_block(text: &str) -> Value {
    json!({
        "type": "header",
        "text": { "type": "plain_text", "text": capped(&one_line(text), HEADER_MAX), "emoji": true },
    })
}

fn context_block(text: &str) -> Value {
    json!({
        "type": "context",
        "elements": [mrkdwn(&escape_capped(text, SECTION_MAX))],
    })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::core::notify::model::NotificationKind;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn fixed() -> Notification {
        Notification::new(
            NotificationKind::Fixed,
            "acme/app",
            "tests/test_io.py::test_timeout fixed",
            at(0),
        )
        .with_link("https://github.com/acme/app/pull/7")
        .with_field("Attempts", "2")
        .with_field("Branch", "fix/test-timeout")
    }

    fn texts(value: &Value) -> Vec<String> {
        let mut out = Vec::new();
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match v {
                        Value::String(s) if key == "text" => out.push(s.clone()),
                        other => out.extend(texts(other)),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| out.extend(texts(v))),
            _ => {}
        }
        out
    }

    #[test]
    fn a_notification_renders_text_and_blocks() {
        let message = Message::single(fixed());
        let payload = slack_payload(&message);
        insta::assert_snapshot!(serde_json::to_string_pretty(&payload).unwrap(), @r###"
        {
          "blocks": [
            {
              "text": {
                "emoji": true,
                "text": "Fixed: acme/app",
                "type": "plain_text"
              },
              "type": "header"
            },
            {
              "fields": [
                {
                  "text": "*Attempts*\n2",
                  "type": "mrkdwn"
                },
                {
                  "text": "*Branch*\nfix/test-timeout",
                  "type": "mrkdwn"
                }
              ],
              "text": {
                "text": "*<https://github.com/acme/app/pull/7|tests/test_io.py::test_timeout fixed>*",
                "type": "mrkdwn"
              },
              "type": "section"
            },
            {
              "elements": [
                {
                  "text": "fixloop · fixed · 2027-01-15 08:00 UTC · msg_7172b556cb79a1ec86988f2d",
                  "type": "mrkdwn"
                }
              ],
              "type": "context"
            }
          ],
          "text": "Fixed in acme/app: tests/test_io.py::test_timeout fixed <https://github.com/acme/app/pull/7>"
        }
        "###);
    }

    #[test]
    fn user_text_cannot_mention_or_link() {
        let n = Notification::new(
            NotificationKind::Blocked,
            "acme/app",
            "<!channel> see <https://evil.test|here> & more",
            at(0),
        )
        .with_field("<@U123>", "a > b");
        let payload = slack_payload(&Message::single(n));
        let all = texts(&payload).join("\n");
        assert!(
            !all.contains("<!channel>") && !all.contains("<@U123>"),
            "{all}"
        );
        assert!(!all.contains("<https://evil"), "{all}");
        assert!(all.contains("&lt;!channel&gt; see &lt;https://evil.test|here&gt; &amp; more"));
        assert!(all.contains("*&lt;@U123&gt;*\na &gt; b"), "{all}");
    }

    #[test]
    fn every_text_stays_within_slacks_limits() {
        let long = "é<&>🦀".repeat(2000);
        let mut n = Notification::new(NotificationKind::Failed, long.clone(), long.clone(), at(0))
            .with_link(format!(
                "https://github.com/acme/app/actions/runs/1?q={}",
                "&".repeat(300)
            ));
        for i in 0..25 {
            n = n.with_field(format!("{i}{long}"), long.clone());
        }
        let payload = slack_payload(&Message::single(n));
        let blocks = payload["blocks"].as_array().unwrap();
        let header = blocks[0]["text"]["text"].as_str().unwrap();
        assert!(slack_len(header) <= HEADER_MAX);
        let section = blocks[1]["text"]["text"].as_str().unwrap();
        assert!(slack_len(section) <= SECTION_MAX, "{}", slack_len(section));
        assert!(section.starts_with("*<https://github.com/") && section.ends_with("…>*"));
        let fields = blocks[1]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), FIELDS_MAX);
        for f in fields {
            assert!(slack_len(f["text"].as_str().unwrap()) <= FIELD_MAX);
        }
        assert_eq!(fields[9]["text"], "*More*\n16 fields left out");
        assert!(slack_len(payload["text"].as_str().unwrap()) <= TEXT_MAX);
    }

    #[test]
    fn an_empty_title_and_an_odd_link_still_render() {
        let n = Notification::new(NotificationKind::NeedsReview, "acme/app", " \n ", at(0))
            .with_link("file:///etc/passwd");
        let payload = slack_payload(&Message::single(n));
        assert_eq!(payload["blocks"][1]["text"]["text"], "*Needs review*");
        assert_eq!(payload["text"], "Needs review in acme/app: Needs review");
        assert!(payload["blocks"][1].get("fields").is_none());
    }

    #[test]
    fn a_digest_lists_its_notifications() {
        let message = Message::digest(vec![
            fixed(),
            Notification::new(
                NotificationKind::Failed,
                "acme/app",
                "lint & format",
                at(60),
            ),
            Notification::new(NotificationKind::Fixed, "acme/app", "flaky <db>", at(120))
                .with_link("https://github.com/acme/app/pull/9"),
        ])
        .unwrap();
        let payload = slack_payload(&message);
        assert_eq!(payload["text"], "3 updates in acme/app: 2 fixed, 1 failed");
        assert_eq!(payload["blocks"][0]["text"]["text"], "3 updates: acme/app");
        assert_eq!(
            payload["blocks"][1]["text"]["text"],
            "• *Fixed* <https://github.com/acme/app/pull/7|tests/test_io.py::test_timeout fixed>\n\
             • *Failed* lint &amp; format\n\
             • *Fixed* <https://github.com/acme/app/pull/9|flaky &lt;db&gt;>"
        );
        let context = payload["blocks"][2]["elements"][0]["text"]
            .as_str()
            .unwrap();
        assert!(
            context
                .starts_with("fixloop · 2 fixed · 1 failed · 2027-01-15 08:00 to 08:02 UTC · msg_")
        );
    }

    #[test]
    fn a_long_digest_says_how_many_it_left_out() {
        let many: Vec<_> = (0..200)
            .map(|i| {
                Notification::new(NotificationKind::Failed, "acme/app", "t".repeat(250), at(i))
            })
            .collect();
        let payload = slack_payload(&Message::digest(many).unwrap());
        let listing = payload["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(slack_len(listing) <= SECTION_MAX);
        let shown = listing.lines().filter(|l| l.starts_with('•')).count();
        assert!(shown > 5);
        assert!(
            listing.ends_with(&format!("… and {} more", 200 - shown)),
            "{listing}"
        );
    }
}
