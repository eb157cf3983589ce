//! fixloop's memory across runs: what each finished run was, each later sighting of a failure,
//! each stress measurement; and what they add up to — a failure seen before, the registry of
//! known flaky tests, and whether delivered fixes held. Pure: the store is `engine::memory`.

mod ended;
mod held;
mod recall;
mod record;
mod registry;

pub use ended::records_of_run;
pub use held::{Held, HeldRow, held};
pub use recall::{Recall, recall};
pub use record::{FlakyMeasure, Outcome, Record, RunRecord, Sighting, repo_key};
pub use registry::{FlakyEntry, known_rate, known_words, registry, starting_runs};
