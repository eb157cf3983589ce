//! What a pipeline is, purely: a state machine that takes [`Input`]s and answers with events and
//! requests, plus its name, its phases and its report sections. The engine's driver runs any
//! pipeline through the same loop; it only needs to tell a request for work from a checkpoint
//! and from the end ([`Role`]).

use std::fmt::Debug;

use super::{Input, Step};
use crate::core::event::Phase;
use crate::core::exit::ExitCode;
use crate::core::report::Sections;

/// A pipeline's rules.
pub trait Machine: Clone + Debug + Send + 'static {
    /// What it asks the engine to do.
    type Effect: Request;

    /// Its name in the journal (`run-started`).
    fn name(&self) -> &'static str;
    /// Its phases, in the order screens and reports show them.
    fn phases(&self) -> &'static [Phase];
    /// The report's sections that are the pipeline's own.
    fn sections(&self) -> &'static dyn Sections;
    /// Applies one input; returns the events it caused and what to do next.
    fn handle(&mut self, input: Input) -> Step<Self::Effect>;
    /// The run has ended (its last request was to finish).
    fn is_finished(&self) -> bool;
    /// The run's outcome is known: it is closing or has ended.
    fn is_concluded(&self) -> bool;
    /// The phase under way, if one is open.
    fn open_phase(&self) -> Option<Phase>;
    /// Why a resume may take back `input`, a person's decision that would end the run here
    /// (beyond interruptions, failures and a policy's stops, which every pipeline's resume takes
    /// back). `None`: the decision stands.
    fn reopens(&self, input: &Input) -> Option<String> {
        let _ = input;
        None
    }
}

/// A request of a pipeline to the engine.
pub trait Request: Clone + Debug + PartialEq + Send + 'static {
    /// The step's name, as the journal (`step-started`) and the screens show it.
    fn name(&self) -> &'static str;
    fn role(&self) -> Role;
}

/// What the driver's loop does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Work for the pipeline's steps. `announce`: the loop journals `step-started` before the
    /// step acts (a step that must name what it is about to make journals its own, and pure
    /// work needs none). `closing`: part of the run's ending, which an interruption does not cut.
    Work { announce: bool, closing: bool },
    /// Wait for the decision on checkpoint `id`.
    Decide { id: u32 },
    /// The run is over.
    Finish { exit_code: ExitCode },
}
