//! Pipelines as pure state machines: `handle(Input) -> Step { events, effects }`. The contract
//! every pipeline meets, the failure pipeline's rules, and the replay that rebuilds any pipeline
//! from its journal. Every rule of a run lives here and is tested without IO.

mod contract;
mod effect;
mod machine;
mod replay;
#[cfg(test)]
mod tests;

pub use contract::{Machine, Request, Role};
pub use effect::{Effect, Input, Step};
pub use machine::FailureMachine;
pub use replay::{Finished, Replayed, input_of, live, record_of, replay};
