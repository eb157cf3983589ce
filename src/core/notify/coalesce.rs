//! Bursts become one message: the notifications about one repository that fall within a window
//! opened by the first of them are sent together once the window closes, so a watcher that
//! fixes five failures in a minute posts once, not five times.
//!
//! A pure function over the queue: given what waits and the time now, it says which messages are
//! ready and what keeps waiting. The caller keeps the queue and calls again later.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::model::{Message, Notification};

/// How bursts are gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coalescing {
    /// How long after a repository's first waiting notification its message goes out; later
    /// ones within this time join it. Zero sends each notification alone, at once.
    pub window: TimeDelta,
    /// The most notifications one message lists; a full message goes out at once.
    pub max: usize,
}

impl Default for Coalescing {
    fn default() -> Self {
        Self {
            window: TimeDelta::seconds(60),
            max: 20,
        }
    }
}

/// What to send now, and what keeps waiting for its window to close.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coalesced {
    /// In the order their first notification happened.
    pub ready: Vec<Message>,
    /// In the order they happened.
    pub waiting: Vec<Notification>,
}

/// Splits `queue` into the messages whose window closed by `now` (or that are full) and the
/// notifications that keep waiting.
#[must_use]
pub fn coalesce(queue: Vec<Notification>, rule: Coalescing, now: DateTime<Utc>) -> Coalesced {
    gather(queue, rule, Some(now))
}

/// Every queued notification as messages, windows closed or not (on shutdown).
#[must_use]
pub fn flush(queue: Vec<Notification>, rule: Coalescing) -> Vec<Message> {
    gather(queue, rule, None).ready
}

fn gather(mut queue: Vec<Notification>, rule: Coalescing, now: Option<DateTime<Utc>>) -> Coalesced {
    let max = rule.max.max(1);
    // Stable: notifications of the same moment keep the order they were queued in.
    queue.sort_by_key(|n| n.at);
    let mut by_repository: BTreeMap<String, Vec<Vec<Notification>>> = BTreeMap::new();
    for n in queue {
        let bursts = by_repository.entry(n.repository.clone()).or_default();
        let joins = bursts.last().is_some_and(|burst| {
            burst.len() < max
                && burst
                    .first()
                    .is_some_and(|first| n.at < first.at + rule.window)
        });
        if joins {
            if let Some(burst) = bursts.last_mut() {
                burst.push(n);
            }
        } else {
            bursts.push(vec![n]);
        }
    }
    let mut ready: Vec<(DateTime<Utc>, Message)> = Vec::new();
    let mut waiting = Vec::new();
    for burst in by_repository.into_values().flatten() {
        let Some(opened) = burst.first().map(|n| n.at) else {
            continue;
        };
        let closed = now.is_none_or(|now| opened + rule.window <= now) || burst.len() >= max;
        if closed {
            if let Some(message) = Message::digest(burst) {
                ready.push((opened, message));
            }
        } else {
            waiting.extend(burst);
        }
    }
    ready.sort_by_key(|(opened, _)| *opened);
    waiting.sort_by_key(|n| n.at);
    Coalesced {
        ready: ready.into_iter().map(|(_, message)| message).collect(),
        waiting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notify::model::NotificationKind;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn n(repo: &str, title: &str, secs: i64) -> Notification {
        Notification::new(NotificationKind::Fixed, repo, title, at(secs))
    }

    fn titles(message: &Message) -> Vec<&str> {
        message
            .notifications()
            .iter()
            .map(|n| n.title.as_str())
            .collect()
    }

    fn rule(window: i64, max: usize) -> Coalescing {
        Coalescing {
            window: TimeDelta::seconds(window),
            max,
        }
    }

    #[test]
    fn a_burst_for_one_repository_becomes_one_message() {
        let queue = vec![
            n("acme/app", "a", 0),
            n("acme/app", "b", 10),
            n("acme/app", "c", 59),
            n("acme/app", "d", 60),
        ];
        let out = coalesce(queue, rule(60, 20), at(125));
        assert!(out.waiting.is_empty());
        assert_eq!(out.ready.len(), 2);
        assert_eq!(titles(&out.ready[0]), ["a", "b", "c"]);
        assert!(out.ready[0].is_digest());
        // The fourth came as the window closed: it opened a window of its own.
        assert_eq!(titles(&out.ready[1]), ["d"]);
        assert!(!out.ready[1].is_digest());
    }

    #[test]
    fn an_open_window_keeps_its_burst_waiting() {
        let queue = vec![n("acme/app", "a", 0), n("acme/app", "b", 30)];
        let out = coalesce(queue.clone(), rule(60, 20), at(59));
        assert!(out.ready.is_empty());
        assert_eq!(out.waiting, queue);
        // Called again later with what waited, the burst goes out as one.
        let later = coalesce(out.waiting, rule(60, 20), at(60));
        assert!(later.waiting.is_empty());
        assert_eq!(titles(&later.ready[0]), ["a", "b"]);
    }

    #[test]
    fn repositories_are_never_mixed_and_ready_ones_come_in_order() {
        let queue = vec![
            n("zeta/z", "z1", 5),
            n("acme/app", "a1", 10),
            n("zeta/z", "z2", 20),
            n("acme/app", "a2", 100),
        ];
        let out = coalesce(queue, rule(60, 20), at(120));
        let got: Vec<_> = out
            .ready
            .iter()
            .map(|m| (m.repository(), titles(m)))
            .collect();
        assert_eq!(
            got,
            [("zeta/z", vec!["z1", "z2"]), ("acme/app", vec!["a1"])]
        );
        assert_eq!(out.waiting, [n("acme/app", "a2", 100)]);
    }

    #[test]
    fn a_full_message_goes_at_once_and_the_rest_waits() {
        let queue: Vec<_> = (0..5).map(|i| n("acme/app", &i.to_string(), i)).collect();
        let out = coalesce(queue, rule(60, 2), at(10));
        assert_eq!(out.ready.len(), 2);
        assert_eq!(titles(&out.ready[0]), ["0", "1"]);
        assert_eq!(titles(&out.ready[1]), ["2", "3"]);
        assert_eq!(out.waiting.len(), 1);
        assert_eq!(out.waiting[0].title, "4");
    }

    #[test]
    fn the_queue_order_does_not_matter_but_ties_keep_it() {
        let queue = vec![
            n("acme/app", "late", 50),
            n("acme/app", "first", 0),
            n("acme/app", "tie-1", 20),
            n("acme/app", "tie-2", 20),
        ];
        let out = coalesce(queue, rule(60, 20), at(60));
        assert_eq!(titles(&out.ready[0]), ["first", "tie-1", "tie-2", "late"]);
    }

    #[test]
    fn a_zero_window_sends_each_alone_and_flush_sends_everything() {
        let queue = vec![n("acme/app", "a", 0), n("acme/app", "b", 0)];
        let out = coalesce(queue.clone(), rule(0, 20), at(0));
        assert_eq!(out.ready.len(), 2);
        assert!(out.ready.iter().all(|m| !m.is_digest()));
        let all = flush(
            vec![n("acme/app", "a", 0), n("acme/app", "b", 1)],
            rule(60, 20),
        );
        assert_eq!(all.len(), 1);
        assert_eq!(titles(&all[0]), ["a", "b"]);
        assert!(flush(Vec::new(), rule(60, 20)).is_empty());
    }
}
