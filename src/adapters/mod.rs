//! Real implementations of the engine's ports.

pub mod agent;
pub mod forge;
pub mod git;
pub mod github;
pub mod notify;
pub mod state;
