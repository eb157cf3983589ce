//! Verification of a fix, by fixloop and not by the agent: the approved reproduction passes on the
//! fix branch (as many runs as a flaky failure's rate requires), it fails again on the base with
//! only the fix's test changes (the revert check), the suite passes, and the integrity guard
//! finds no weakened or skipped test.

use std::fmt::Write as _;
use std::path::Path;

use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase, TestRuns};
use crate::core::integrity;
use crate::core::publish::floor_char_boundary;
use crate::core::repro::is_test_path;
use crate::core::setup::Reproduction;
use crate::core::stats;
use crate::core::verdict;
use crate::engine::bench::{Bench, copy_file, measured, place};
use crate::engine::ports::Checkout;
use crate::engine::steps::guard::{
    agent_findings, fix_worktree_is_ours, merge, reproduction_findings, tampered, user_changes,
    user_state,
};

/// How much of a diff an event carries (the branch holds all of it).
const MAX_DIFF: usize = 64 * 1024;
/// A flaky failure's (failures, runs) when no measurement was made.
const UNMEASURED_RATE: (u32, u32) = (1, 20);
/// The suite may take this many times one test run's budget.
const SUITE_BUDGET_FACTOR: u32 = 4;

/// What the fix changed against the base, each file as it was and as the fix leaves it (the
/// reproduction's own files left out).
struct Changes {
    contents: Vec<(String, Option<String>, Option<String>)>,
    code: Vec<String>,
    tests: Vec<String>,
}

pub async fn verify(bench: &Bench, attempt: u32, runs: u32) -> Result<EventKind, StepError> {
    let fix = bench.view(|v| v.fix.clone());
    let (Some(fix), Some(repro)) = (fix, bench.approved_reproduction()?) else {
        return Err(StepError::error("no fix branch to verify"));
    };
    fix_worktree_is_ours(bench, &fix).await?;
    let worktree = Path::new(&fix.worktree);
    let base_commit = fix.base_commit.as_str();
    // The approved reproduction is what counts: an agent's edits to it, in the worktree or in
    // the failure folder, are named, and fixloop's frozen copy is what runs.
    let mut findings = agent_findings(bench, Phase::Fix, attempt);
    merge(
        &mut findings,
        reproduction_findings(bench, &repro, worktree),
    );
    let before = user_state(bench).await;
    place(&repro, worktree)?;
    let passes = if bench.setup.info.deterministic {
        let results = bench
            .run_tests(
                Phase::Verify,
                &format!("verify-{attempt}"),
                &repro.command,
                worktree,
                runs,
                bench.test_timeout(&repro),
                Some(&repro),
            )
            .await?;
        verdict::tally(&repro.command, &results, None, false)
    } else {
        let (passes, inconclusive) = stressed_passes(bench, &repro, worktree, attempt).await?;
        findings.extend(inconclusive);
        // Parallel runs share the worktree: what the code under test did to the reproduction
        // while they ran is named too.
        findings.extend(
            tampered(&repro, worktree)
                .into_iter()
                .map(|f| format!("{f} (while the verification runs ran)")),
        );
        place(&repro, worktree)?;
        passes
    };

    bench.vcs.stage_all(worktree).await?;
    let changes = changes(bench, worktree, base_commit, &repro).await?;
    findings.extend(integrity_findings(&changes, &repro));
    let revert_check = if changes.code.is_empty() {
        findings.push("the fix changes no code outside tests".into());
        None
    } else {
        let revert = revert_check(
            bench,
            worktree,
            base_commit,
            &repro,
            &changes.tests,
            attempt,
        )
        .await?;
        findings.extend(verdict::revert_finding(&revert));
        Some(revert)
    };
    let suite = suite(bench, worktree, attempt).await?;
    merge(
        &mut findings,
        user_changes(bench, before.as_ref(), "the fix's test runs").await,
    );
    let exclude: Vec<String> = repro.dests().map(str::to_owned).collect();
    let mut diff = bench
        .vcs
        .staged_diff(worktree, base_commit, &exclude, false)
        .await
        .unwrap_or_default();
    if diff.len() > MAX_DIFF {
        diff.truncate(floor_char_boundary(&diff, MAX_DIFF));
        let _ = write!(
            diff,
            "\n… (diff cut at 64 KiB; see the branch in {})",
            worktree.display()
        );
    }
    let diffstat = bench
        .vcs
        .staged_diff(worktree, base_commit, &exclude, true)
        .await
        .unwrap_or_default();
    Ok(EventKind::VerificationFinished {
        attempt,
        verified: verdict::verified(&passes, suite.as_ref(), &findings),
        passes,
        revert_check,
        suite,
        findings,
        diffstat,
        diff,
    })
}

/// The runs a flaky failure's measured rate requires to show itself, stopping at the first
/// failure; an inconclusive count is a finding.
async fn stressed_passes(
    bench: &Bench,
    repro: &Reproduction,
    worktree: &Path,
    attempt: u32,
) -> Result<(TestRuns, Option<String>), StepError> {
    let required = required_runs(bench);
    let outcome = bench
        .stress(
            Phase::Verify,
            &format!("verify-{attempt}"),
            repro,
            worktree,
            required,
            Some(1),
        )
        .await?;
    let inconclusive = match stats::verdict(outcome.failures, outcome.runs, required) {
        stats::Verdict::Inconclusive { more_runs } => Some(format!(
            "inconclusive: all {} runs passed, but the time budget ran out before the \
             {required} runs needed to be 95 % sure the failure is gone; {more_runs} more runs \
             are needed (raise `time-budget`)",
            outcome.runs
        )),
        _ => None,
    };
    Ok((measured(&repro.command, &outcome), inconclusive))
}

/// As many runs as an unchanged failure rate would need to show itself.
fn required_runs(bench: &Bench) -> u32 {
    let (failures, runs) = bench
        .view(|v| {
            v.reproductions
                .iter()
                .rev()
                .find(|r| r.runs.runs > 0)
                .map(|r| (r.runs.matching, r.runs.runs))
        })
        .unwrap_or(UNMEASURED_RATE);
    stats::verification_runs(failures, runs)
}

async fn changes(
    bench: &Bench,
    worktree: &Path,
    base_commit: &str,
    repro: &Reproduction,
) -> Result<Changes, StepError> {
    let staged = bench.vcs.staged_changes(worktree, base_commit).await?;
    let mut changes = Changes {
        contents: Vec::new(),
        code: Vec::new(),
        tests: Vec::new(),
    };
    for change in staged {
        let path = change.path;
        if repro.dests().any(|d| d == path) {
            continue;
        }
        let before = if change.status == 'A' {
            None
        } else {
            Some(
                bench
                    .vcs
                    .file_at(base_commit, &path)
                    .await
                    .unwrap_or_default(),
            )
        };
        let after = if change.status == 'D' {
            None
        } else {
            Some(std::fs::read_to_string(worktree.join(&path)).unwrap_or_default())
        };
        if is_test_path(&path) {
            changes.tests.push(path.clone());
        } else {
            changes.code.push(path.clone());
        }
        changes.contents.push((path, before, after));
    }
    Ok(changes)
}

fn integrity_findings(changes: &Changes, repro: &Reproduction) -> Vec<String> {
    let reviewed: Vec<integrity::Change<'_>> = changes
        .contents
        .iter()
        .map(|(path, before, after)| integrity::Change {
            path,
            before: before.as_deref(),
            after: after.as_deref(),
        })
        .collect();
    let reproduction: Vec<String> = repro
        .files
        .iter()
        .filter_map(|(source, _)| std::fs::read_to_string(source).ok())
        .collect();
    let reproduction: Vec<&str> = reproduction.iter().map(String::as_str).collect();
    integrity::review(&reviewed, &reproduction)
}

/// The reproduction in a scratch copy of the base with only the fix's test changes: it must
/// fail there, or it does not prove the fix.
async fn revert_check(
    bench: &Bench,
    worktree: &Path,
    base_commit: &str,
    repro: &Reproduction,
    test_changes: &[String],
    attempt: u32,
) -> Result<TestRuns, StepError> {
    let path = bench.worktree_path(&format!("revert-{attempt}")).await?;
    bench.discard_worktree(&path).await;
    bench
        .vcs
        .add_worktree(&path, Checkout::Detached(base_commit))
        .await?;
    let runs = match prepare_revert(worktree, &path, repro, test_changes) {
        Ok(()) => run_revert(bench, repro, &path, attempt).await,
        Err(e) => Err(e),
    };
    if let Err(e) = bench.vcs.remove_worktree(&path).await {
        bench.warn(format!("could not remove the revert-check worktree: {e}"));
    }
    runs
}

fn prepare_revert(
    worktree: &Path,
    revert: &Path,
    repro: &Reproduction,
    test_changes: &[String],
) -> Result<(), StepError> {
    for file in test_changes {
        let from = worktree.join(file);
        if from.is_file() {
            copy_file(&from, &revert.join(file))?;
        }
    }
    place(repro, revert)
}

async fn run_revert(
    bench: &Bench,
    repro: &Reproduction,
    path: &Path,
    attempt: u32,
) -> Result<TestRuns, StepError> {
    let purpose = format!("revert-{attempt}");
    Ok(if bench.setup.info.deterministic {
        let results = bench
            .run_tests(
                Phase::Verify,
                &purpose,
                &repro.command,
                path,
                1,
                bench.test_timeout(repro),
                Some(repro),
            )
            .await?;
        let signature = repro
            .signature
            .as_deref()
            .and_then(|s| regex::Regex::new(s).ok());
        verdict::tally(&repro.command, &results, signature.as_ref(), true)
    } else {
        let outcome = bench
            .stress(
                Phase::Verify,
                &purpose,
                repro,
                path,
                required_runs(bench),
                Some(1),
            )
            .await?;
        measured(&repro.command, &outcome)
    })
}

/// The project's whole suite (`test-command`), once, when there is one.
async fn suite(
    bench: &Bench,
    worktree: &Path,
    attempt: u32,
) -> Result<Option<TestRuns>, StepError> {
    let Some(command) = bench.setup.info.test_command.as_ref() else {
        return Ok(None);
    };
    let results = bench
        .run_tests(
            Phase::Verify,
            &format!("suite-{attempt}"),
            command,
            worktree,
            1,
            bench.setup.test_budget() * SUITE_BUDGET_FACTOR,
            None,
        )
        .await?;
    Ok(Some(verdict::tally(command, &results, None, false)))
}
