//! The report: a run's view rendered as markdown (a shared frame around its pipeline's own
//! sections) and as the contract's JSON.

mod failure;
mod json;
mod markdown;
mod sections;
mod sync;
mod text;

pub use failure::{FAILURE_SECTIONS, FailureSections};
pub use json::json;
pub use markdown::{markdown, render, sections_for};
pub use sections::{NoSections, Sections};
pub use sync::{SYNC_SECTIONS, SyncSections};
pub use text::{conclusion, next_steps};

pub(crate) const SCHEMA_VERSION: u32 = 1;
