//! Input/output: runs the pipeline's effects, stamps and journals events. Knows nothing of the UI.

pub mod bench;
pub mod driver;
pub mod emitter;
pub(crate) mod failure;
pub mod logs;
pub mod memory;
pub mod pipeline;
pub mod ports;
pub mod process;
pub mod run_index;
pub mod secrets;
pub mod setup;
pub mod steps;
pub mod store;
pub mod stress;
pub mod sync;
