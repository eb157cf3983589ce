//! The sync pipeline's rules: keeping a fork in step with upstream's releases.

mod effect;
mod machine;
#[cfg(test)]
mod tests;

pub use effect::SyncEffect;
pub use machine::{SYNC_PHASES, SYNC_PIPELINE, SyncMachine, SyncRules};
