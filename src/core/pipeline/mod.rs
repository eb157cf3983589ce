//! Pipelines as pure state machines: `handle(Input) -> Step { events, effects }`. The contract
//! every pipeline meets, the failure pipeline's rules, and the replay that rebuilds any pipeline
//! from its journal. Every rule of a run lives here and is tested without IO.

mod contract;
mod failure;
mod input;
mod replay;
mod sync;

pub use contract::{Machine, Request, Role};
pub use failure::{Effect, FailureMachine};
pub use input::{Input, Step};
pub use replay::{Finished, Replayed, input_of, live, record_of, replay};
pub use sync::{SYNC_PHASES, SYNC_PIPELINE, SyncEffect, SyncMachine, SyncRules};
