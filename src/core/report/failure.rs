//! The failure pipeline's sections of the report: the seed's four phases.

use std::fmt::Write as _;

use super::sections::Sections;
use super::text::{runs_line, short};
use crate::core::defence::{Defence, refused_by};
use crate::core::event::{CheckpointKind, Decision, Phase, PhaseStatus};
use crate::core::stats::{claim, failure_rate_upper_95, fisher_one_sided};
use crate::core::view::{PhaseState, RunView, VerificationView};

/// Reproduction, root cause, fix (with each verification) and PR.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailureSections;

pub const FAILURE_SECTIONS: FailureSections = FailureSections;

impl Sections for FailureSections {
    fn write(&self, view: &RunView, md: &mut String) {
        reproduction(view, md);
        root_cause(view, md);
        fix(view, md);
        for (i, v) in view.verifications.iter().enumerate() {
            let earlier = view.verifications[..i]
                .iter()
                .filter(|e| e.attempt == v.attempt)
                .count();
            let heading = format!(
                "Verification, attempt {}{}",
                v.attempt,
                recheck(view, Phase::Fix, v.attempt, earlier)
            );
            verification(view, v, &heading, md);
        }
        let _ = writeln!(md);
        pull_request(view, md);
    }
}

fn reproduction(view: &RunView, md: &mut String) {
    let _ = writeln!(md, "## Phase 1: Reproduction\n");
    let _ = writeln!(md, "Failure folder: `{}`\n", view.failure_dir);
    if view.reproductions.is_empty() {
        let skipped = view
            .phase(Phase::Reproduce)
            .is_some_and(|p| p.state == PhaseState::Done(PhaseStatus::Skipped));
        let _ = writeln!(
            md,
            "{}\n",
            if skipped {
                "Skipped: `existing-test-path` gave the reproduction."
            } else {
                "No reproduction was checked."
            }
        );
    }
    for (i, r) in view.reproductions.iter().enumerate() {
        let earlier = view.reproductions[..i]
            .iter()
            .filter(|e| e.attempt == r.attempt)
            .count();
        let _ = writeln!(
            md,
            "- Attempt {}{}: {} — `{}`: {}{}",
            r.attempt,
            recheck(view, Phase::Reproduce, r.attempt, earlier),
            if r.reproduced {
                "reproduced"
            } else {
                "did not reproduce"
            },
            r.runs.command,
            runs_line(&r.runs),
            if r.runs.matching > 0 {
                format!(", {} matching the CI signature", r.runs.matching)
            } else {
                String::new()
            }
        );
        if !r.reproduced {
            let _ = writeln!(md, "  - {}", r.reason);
        }
    }
    let revisions = view.revisions();
    if !revisions.is_empty() {
        let _ = writeln!(md, "\nFeedback given on revisions:\n");
        for (phase, attempt, feedback) in &revisions {
            let first = feedback.lines().next().unwrap_or_default();
            let _ = writeln!(md, "- {phase}, attempt {attempt}: {first}");
        }
    }
    if let Some(rc) = &view.repro_commit {
        let (paths, note) = (&rc.paths, &rc.note);
        match (&rc.branch, &rc.commit) {
            (Some(branch), Some(commit)) => {
                let _ = writeln!(
                    md,
                    "\nCommitted on `{branch}` as {} ({} file(s)).",
                    short(commit),
                    paths.len()
                );
            }
            _ => {
                let _ = writeln!(md, "\n{note}");
            }
        }
    }
    if let Some((_, notes)) = view.notes.iter().find(|(p, _)| *p == Phase::Reproduce) {
        let _ = writeln!(
            md,
            "\n<details><summary>The agent's notes</summary>\n\n{}\n\n</details>",
            notes.trim()
        );
    }
    let _ = writeln!(md);
}

fn root_cause(view: &RunView, md: &mut String) {
    let _ = writeln!(md, "## Phase 2: Root Cause\n");
    match view.notes.iter().find(|(p, _)| *p == Phase::Fix) {
        Some((_, notes)) => {
            let _ = writeln!(md, "{}\n", notes.trim());
        }
        None => {
            let _ = writeln!(
                md,
                "The agent wrote no root-cause analysis (ROOT_CAUSE.md in the failure folder).\n"
            );
        }
    }
}

fn fix(view: &RunView, md: &mut String) {
    let _ = writeln!(md, "## Phase 3: Fix\n");
    match &view.fix {
        None => {
            let _ = writeln!(md, "No fix branch was created.\n");
        }
        Some(fix) => {
            let _ = writeln!(
                md,
                "Branch `{}` from `{}` at {}.",
                fix.branch,
                fix.base,
                short(&fix.base_commit)
            );
            if let Some(commit) = &fix.commit {
                let _ = writeln!(
                    md,
                    "Commit {}: {}",
                    short(commit),
                    fix.message.lines().next().unwrap_or_default()
                );
            }
            if !fix.files_changed.is_empty() {
                let _ = writeln!(md, "\nFiles changed:\n");
                for f in &fix.files_changed {
                    let _ = writeln!(md, "- `{f}`");
                }
            }
            let _ = writeln!(
                md,
                "\nReproduction test {} the PR commit.",
                if fix.repro_removed {
                    "removed from"
                } else {
                    "kept in"
                }
            );
        }
    }
}

/// `, recheck N` for the check of a step's attempt that came after `earlier` checks of the same
/// attempt, with why when the journal tells: the person edited the result and asked again.
fn recheck(view: &RunView, phase: Phase, attempt: u32, earlier: usize) -> String {
    if earlier == 0 {
        return String::new();
    }
    let edits = view
        .checkpoints
        .iter()
        .filter(|cp| {
            matches!(cp.resolution, Some((Decision::Manual, _)))
                && matches!(cp.kind, CheckpointKind::AfterStep { phase: p, attempt: a, .. }
                    if p == phase && a == attempt)
        })
        .count();
    if earlier <= edits {
        format!(", recheck {earlier} (after the person's edit)")
    } else {
        format!(", recheck {earlier}")
    }
}

fn verification(view: &RunView, v: &VerificationView, heading: &str, md: &mut String) {
    let _ = writeln!(md, "\n### {heading}\n");
    if let Some(commit) = &v.commit {
        let _ = writeln!(
            md,
            "- Checked: a fresh checkout of commit {} (nothing the agent left beside it)",
            short(commit)
        );
    }
    let _ = writeln!(
        md,
        "- Reproduction on the fix branch: `{}` — {} passed of {} runs{}",
        v.passes.command,
        v.passes.runs - v.passes.failures,
        v.passes.runs,
        failure_rate_upper_95(v.passes.failures, v.passes.runs)
            .filter(|_| v.passes.failures == 0)
            .map(|u| format!(
                " (failure rate below {:.0} % with 95 % confidence)",
                u * 100.0
            ))
            .unwrap_or_default()
    );
    let flaky = view.info.as_ref().is_some_and(|i| !i.deterministic);
    if let (true, Some(r)) = (flaky, view.reproduction()) {
        let (before, runs) = (r.runs.matching, r.runs.runs);
        let _ = writeln!(
            md,
            "- {} (Fisher's exact test, one-sided: p = {:.2e})",
            claim(before, runs, v.passes.failures, v.passes.runs),
            fisher_one_sided(before, runs, v.passes.failures, v.passes.runs)
        );
    }
    if let Some(r) = &v.revert_check {
        let _ = writeln!(
            md,
            "- Revert check (fix removed, test kept): {} — {}",
            runs_line(r),
            if crate::core::verdict::revert_proves(r) {
                "the test depends on the fix"
            } else if r.failures > 0 {
                "**without the fix the test fails, but not the way CI did: it does not prove the fix**"
            } else {
                "**the test passes without the fix: it does not prove the fix**"
            }
        );
    }
    defences_beyond_the_runner(v, md);
    if let Some(s) = &v.suite {
        let _ = writeln!(
            md,
            "- Test suite `{}`: {}",
            s.command,
            if s.failures == 0 {
                "passed"
            } else {
                "**failed**"
            }
        );
    }
    for finding in &v.findings {
        let _ = writeln!(md, "- ⚠️ {finding}");
    }
    for note in &v.notes {
        let _ = writeln!(md, "- Note: {note}");
    }
    let refused: Vec<&str> = refused_by(&v.passes, v.suite.as_ref(), &v.findings)
        .into_iter()
        .map(Defence::name)
        .collect();
    let _ = writeln!(
        md,
        "- Verdict: {}",
        if v.verified {
            "verified".to_owned()
        } else if refused.is_empty() {
            "not verified".to_owned()
        } else {
            format!("not verified — refused by: {}", refused.join(", "))
        }
    );
    if !v.diff.is_empty() {
        let _ = writeln!(
            md,
            "\n<details><summary>Diff ({})</summary>\n\n```diff\n{}\n```\n\n</details>",
            v.diffstat.lines().last().unwrap_or("changes").trim(),
            v.diff.trim_end()
        );
    }
}

/// The check outside the test runner and the tests written after the fix, when they ran.
fn defences_beyond_the_runner(v: &VerificationView, md: &mut String) {
    if let Some(c) = &v.outside_check {
        let _ = writeln!(
            md,
            "- Check outside the test runner `{}`: {}",
            c.command,
            if c.runs > 0 && c.failures == 0 {
                "passed"
            } else {
                "**failed**"
            }
        );
    }
    if let Some(t) = &v.post_fix {
        let _ = writeln!(
            md,
            "- Tests written after the fix, by a session that never saw it (`{}`): {} on the fix; \
             {} on the base",
            t.on_fix.command,
            if t.on_fix.failures == 0 {
                "passed"
            } else {
                "**failed**"
            },
            if t.on_base.failures > 0 {
                "failed"
            } else {
                "passed too (they prove nothing)"
            }
        );
    }
}

fn pull_request(view: &RunView, md: &mut String) {
    let _ = writeln!(md, "## Phase 4: PR\n");
    if let Some((remote, branch, commit)) = &view.pushed {
        let _ = writeln!(md, "Pushed `{branch}` ({}) to `{remote}`.", short(commit));
    }
    match (&view.pr, &view.pr_skipped) {
        (Some((url, number)), _) => {
            let _ = writeln!(md, "Draft PR #{number}: {url}");
        }
        (None, Some(reason)) => {
            let _ = writeln!(md, "No PR opened: {reason}");
        }
        _ => {
            let _ = writeln!(md, "Not reached.");
        }
    }
    let _ = writeln!(md);
}
