//! Frontends of the event stream.

pub mod headless;
pub mod tui;
