//! What the engine tells any pipeline ([`Input`]), and a pipeline's answer ([`Step`]).

use super::failure::Effect;
use crate::core::error::StepError;
use crate::core::event::{DecidedBy, Decision, EventKind, Phase};

/// What the engine tells the pipeline.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one input is alive at a time; boxing the fact buys nothing"
)]
pub enum Input {
    Start,
    /// The current effect finished; this is what it established.
    Done(EventKind),
    /// The composed prompt of an AI step.
    Prompt {
        phase: Phase,
        attempt: u32,
        prompt: String,
        path: String,
    },
    /// The current effect could not be carried out.
    Failed(StepError),
    Decided {
        id: u32,
        decision: Decision,
        by: DecidedBy,
    },
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

/// A pipeline's answer to one input.
#[derive(Debug, PartialEq)]
pub struct Step<E = Effect> {
    pub events: Vec<EventKind>,
    pub effects: Vec<E>,
}

impl<E> Default for Step<E> {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            effects: Vec::new(),
        }
    }
}
