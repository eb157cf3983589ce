//! The CI watcher (`fixloop watch`): its configuration, what a failed run is (decided before any
//! AI), and the fixers that answer a failing check without one.

pub mod classify;
pub mod config;
pub mod fixers;

#[cfg(test)]
mod tests;

pub use classify::{Class, FailedStep, classify, failed_step_command};
pub use config::{Approval, Delivery, Dispatch, RepoConfig, WatchConfig};
pub use fixers::{BUILT_IN, FixerSpec};
