//! The engine's view of the outside world: agents, the forge (GitHub), the repository, and
//! whoever answers checkpoints. Adapters implement these; the engine only knows the traits.

mod agent;
mod decider;
mod forge;
pub mod merge;
mod sync_forge;
mod vcs;

use std::future::Future;
use std::pin::Pin;

pub use agent::{Agent, AgentOutcome, AgentRequest, LineSink};
pub use decider::Decider;
pub use forge::{FetchedRun, Forge, PrOutcome, PrRequest};
pub use sync_forge::{SyncForge, SyncPr, SyncPrOutcome};
pub use vcs::{
    Change, Checkout, CommitInfo, ConflictKind, ConflictedPath, MergeAnalysis, Vcs, VcsError,
    WorktreeIdentity,
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
