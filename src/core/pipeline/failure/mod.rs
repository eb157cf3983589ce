//! The failure pipeline's rules: phase order, checkpoints around AI steps, at most
//! `max_attempts` attempts per AI step with the reviewer's feedback, no PR without a verified and
//! approved fix, and the reproduction removed before the PR commit unless it is to be kept.

mod decisions;
mod effect;
mod facts;
mod lifecycle;
mod machine;
#[cfg(test)]
mod tests;
mod text;

pub use effect::Effect;
pub use machine::FailureMachine;
