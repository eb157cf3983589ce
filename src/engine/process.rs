//! Child processes, the one way fixloop starts a program for a step: each in its own process
//! group with its step's marker in its environment, stdin closed or fed, output read through
//! bounded buffers (lossy UTF-8), written in full to a log file (a write that fails stops the
//! child and is an error) and handed on in batches; a time budget or a cancel sends SIGTERM,
//! then SIGKILL after a grace period. When the step ends, whatever its children left running,
//! in their group or escaped from it, ends too and is reaped.

mod child;
mod leftovers;
mod lines;
mod procfs;
mod reaper;
mod run;
mod spec;
mod to_file;

pub use leftovers::{read_tail, stop_leftovers, wait_for_git};
pub use reaper::become_subreaper;
pub use run::run;
pub use spec::{Ending, Finished, Line, SpawnError, Spec};
pub use to_file::run_to_file;
