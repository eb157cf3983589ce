//! What an agent must not have done, checked when its step ends and again before fixloop trusts
//! the result: change the approved reproduction (in the worktree or the failure folder).

use std::path::Path;

use crate::core::event::Phase;
use crate::core::setup::Reproduction;
use crate::engine::bench::{Bench, sha256_file};

/// What the agent of `phase`, working in `workdir`, did that it must not have.
pub(crate) fn after_agent(bench: &Bench, phase: Phase, workdir: &Path) -> Vec<String> {
    match (phase, bench.approved_reproduction()) {
        (Phase::Fix, Ok(Some(repro))) => reproduction_findings(bench, &repro, workdir),
        // A frozen copy that was changed stops the verification itself, with its own error.
        _ => Vec::new(),
    }
}

/// Everything done to the approved reproduction since its approval, in words.
pub(crate) fn reproduction_findings(
    bench: &Bench,
    repro: &Reproduction,
    worktree: &Path,
) -> Vec<String> {
    let mut findings = tampered(repro, worktree);
    findings.extend(changed_after_approval(bench));
    findings
}

/// Findings for each file of the approved reproduction (its tests and `repro.json`) that
/// changed in the failure folder since it was approved.
fn changed_after_approval(bench: &Bench) -> Vec<String> {
    bench.view(|v| {
        v.frozen
            .iter()
            .filter(|f| sha256_file(Path::new(&f.source)).ok().as_deref() != Some(&f.sha256))
            .map(|f| {
                format!(
                    "the approved reproduction's `{}` was changed or removed in the failure folder \
                     after approval; fixloop verified with its own copy",
                    f.source
                )
            })
            .collect()
    })
}

/// Findings for each reproduction file the agent changed or removed in the worktree.
pub(crate) fn tampered(repro: &Reproduction, worktree: &Path) -> Vec<String> {
    repro
        .files
        .iter()
        .filter(|(source, dest)| {
            std::fs::read(worktree.join(dest)).ok() != std::fs::read(source).ok()
        })
        .map(|(_, dest)| {
            format!(
                "the agent changed or removed the reproduction `{dest}`; fixloop verified with \
                 the approved version"
            )
        })
        .collect()
}
