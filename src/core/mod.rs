//! The pure core: models, the pipeline's rules, the one reducer, reports. No IO here: no tokio,
//! no files, no processes (`the_core_is_pure` in `tests/repository.rs` keeps it so).

pub mod agent_stream;
pub mod checkout;
pub mod ci;
pub(crate) mod command;
pub mod cut;
pub mod defence;
pub mod error;
pub mod event;
pub mod excerpt;
pub mod exit;
pub(crate) mod history;
pub mod info;
pub mod input;
pub mod integrity;
pub mod memory;
pub mod notify;
pub mod pipeline;
pub mod policy;
pub(crate) mod prompt;
pub(crate) mod publish;
pub mod redact;
pub mod report;
pub mod repro;
pub mod runurl;
pub mod sanitize;
pub mod setup;
pub(crate) mod signature;
pub mod slug;
pub mod stats;
pub mod sync;
pub mod verdict;
pub mod view;
pub mod watch;
pub mod workflow;
