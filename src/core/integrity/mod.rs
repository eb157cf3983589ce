//! The test-integrity guard: reads a fix's final diff (file contents before and after, not the
//! agent's tool calls, which an agent can route around) for the ways a change can make a failing
//! test pass without fixing anything: changed or deleted tests, fewer assertions, changed
//! expected values, looser matchers, skip / ignore / xfail / `.only` markers, raised timeouts and
//! retry counts, changed CI or test configuration, fewer tests, code that behaves differently
//! under a test, code that special-cases the reproduction's own values, and files that stand in
//! for a module the tests load.
//!
//! It is deliberately suspicious: a finding asks a person to look; it does not say the fix is
//! wrong. The headless `verified` policy never approves a fix with findings.

mod code;
mod diff;
mod hooks;
mod imports;
mod merged;
mod review;
mod shadowing;
mod weakened;

pub use diff::Change;
pub use merged::weakened_against_both;
pub use review::review;
