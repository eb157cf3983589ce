//! Input/output: runs the pipeline's effects, stamps and journals events. Knows nothing of the UI.

pub mod driver;
pub mod emitter;
pub mod logs;
pub mod ports;
pub mod process;
pub mod secrets;
pub mod store;
pub mod stress;
