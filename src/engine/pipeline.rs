//! What a pipeline brings to the engine: its rules (a [`Machine`], which also names its phases
//! and report sections) and the steps that carry out the machine's requests. A new pipeline is a
//! module implementing [`Pipeline`], handed to the [`Driver`]; the loop does not change.
//!
//! [`Driver`]: crate::engine::driver::Driver

use super::bench::Bench;
use super::ports::BoxFuture;
use super::setup::Setup;
use crate::core::pipeline::{Input, Machine};

pub trait Pipeline: Send + Sync + 'static {
    type Machine: Machine;

    /// The rules of a run with this setup, before its first input.
    fn machine(&self, setup: &Setup) -> Self::Machine;

    /// Carries out one request for work, answering with the input it yields (the fact the step
    /// established, or why it failed).
    fn execute<'a>(
        &'a self,
        effect: <Self::Machine as Machine>::Effect,
        bench: &'a mut Bench,
    ) -> BoxFuture<'a, Input>;
}
