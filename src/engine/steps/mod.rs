//! The steps pipelines are made of, one family a file, each a function over the [`Bench`]
//! that returns the fact it established (or why it could not).
//!
//! [`Bench`]: crate::engine::bench::Bench

pub mod agent;
pub mod branch;
pub mod closing;
pub(crate) mod guard;
pub mod logs;
pub mod post_fix;
pub(crate) mod publish;
pub(crate) mod reproduce;
pub mod verify;
