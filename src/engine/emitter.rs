//! The one event stream: stamps each event with its sequence number and time, applies it to the
//! live view, appends it to the journal and hands it to the frontend.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{SecondsFormat, Utc};
use tokio::sync::mpsc;

use super::store::Journal;
use crate::core::event::{Event, EventKind, JOURNAL_VERSION};
use crate::core::pipeline::live;
use crate::core::view::RunView;

#[derive(Debug)]
struct Inner {
    seq: u64,
    journal: Option<Journal>,
    view: RunView,
    subscribers: Vec<mpsc::UnboundedSender<Event>>,
    /// The first write of the journal that failed, until the driver takes it.
    write_failure: Option<String>,
}

fn scrub(kind: EventKind) -> EventKind {
    let redactor = super::secrets::redactor();
    let Ok(text) = serde_json::to_string(&kind) else {
        return kind;
    };
    if !redactor.may_contain(&text) {
        return kind;
    }
    let Ok(mut value) = serde_json::to_value(&kind) else {
        return kind;
    };
    if redactor.redact_json(&mut value) {
        serde_json::from_value(value).unwrap_or(kind)
    } else {
        kind
    }
}

/// Cheap to clone; every clone feeds the same stream.
#[derive(Debug, Clone)]
pub struct Emitter(Arc<Mutex<Inner>>);

impl Emitter {
    #[must_use]
    pub fn new(journal: Option<Journal>) -> Self {
        Self(Arc::new(Mutex::new(Inner {
            seq: 0,
            journal,
            view: RunView::new(),
            subscribers: Vec::new(),
            write_failure: None,
        })))
    }

    /// A receiver of every event emitted from now on.
    #[must_use]
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().subscribers.push(tx);
        rx
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Continues the stream of a journal that already holds `past` (`fixloop resume`): numbers go
    /// on from its last event, and the view starts as the run stood at `from_seq`, without what
    /// the resume supersedes (the closing of an interrupted run, earlier resumes' superseded
    /// stretches).
    #[must_use]
    pub fn resume(journal: Journal, past: &[Event], from_seq: u64) -> Self {
        Self(Arc::new(Mutex::new(Inner {
            seq: past.last().map_or(0, |e| e.seq),
            journal: Some(journal),
            view: RunView::replay(live(past, from_seq)),
            subscribers: Vec::new(),
            write_failure: None,
        })))
    }

    pub fn emit(&self, kind: EventKind) {
        self.emit_all(vec![kind]);
    }

    /// Emits events as one: they reach the journal in a single write, so a crash keeps all or
    /// none of them (an input and the events it caused stay together).
    pub fn emit_all(&self, kinds: Vec<EventKind>) {
        // Nothing leaves through the event stream (journal, reports, screens) with a secret in it.
        let kinds: Vec<EventKind> = kinds.into_iter().map(scrub).collect();
        let mut inner = self.lock();
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut events = Vec::with_capacity(kinds.len());
        for kind in kinds {
            inner.seq += 1;
            let event = Event {
                v: JOURNAL_VERSION,
                seq: inner.seq,
                at: at.clone(),
                kind,
            };
            inner.view.apply(&event);
            events.push(event);
        }
        if let Some(journal) = &mut inner.journal {
            // What a resume relies on reaches the disk before the step acts (power loss too).
            let durable = events.iter().any(|e| {
                matches!(
                    e.kind,
                    EventKind::CheckpointReached { .. }
                        | EventKind::RunFinished { .. }
                        | EventKind::InputApplied { .. }
                        | EventKind::StepStarted { .. }
                        | EventKind::AgentSession { .. }
                )
            });
            let written = journal
                .append_all(&events)
                .and_then(|()| if durable { journal.sync() } else { Ok(()) });
            if let Err(e) = written {
                tracing::error!("cannot append to the journal: {e}");
                let failure = format!("cannot write the journal {}: {e}", journal.path().display());
                inner.write_failure.get_or_insert(failure);
            }
        }
        // A frontend that went away no longer needs events.
        for event in &events {
            inner
                .subscribers
                .retain(|tx| tx.send(event.clone()).is_ok());
        }
    }

    /// The first failed write of the journal since the last call, if any.
    #[must_use]
    pub fn take_write_failure(&self) -> Option<String> {
        self.lock().write_failure.take()
    }

    /// Reads the live view.
    pub fn with_view<T>(&self, read: impl FnOnce(&RunView) -> T) -> T {
        read(&self.lock().view)
    }
}
