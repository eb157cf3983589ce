//! The failure pipeline as a pure state machine: `handle(Input) -> Step { effects, events }`.
//! Every rule of a run lives here and is tested without IO.

mod effect;
mod machine;
mod replay;
#[cfg(test)]
mod tests;

pub use effect::{Effect, Input, Step};
pub use machine::{Pipeline, Settings};
pub use replay::{Replayed, input_of, live, record_of, replay};
