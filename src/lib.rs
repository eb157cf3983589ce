//! fixloop: drives a failing CI run, step by checked step, to a verified fix on a draft PR.
//!
//! Layers (see docs/ARCHITECTURE.md): `core` is pure, `engine` does the input/output, `adapters`
//! implement the engine's ports, `ui` presents the event stream.

pub mod adapters;
pub mod cli;
pub mod commands;
pub mod core;
pub mod engine;
pub mod ui;
