//! Verification of a fix, by fixloop and not by the agent, on a fresh checkout of the fix commit
//! (what would be pushed, nothing the agent left beside it): the approved reproduction passes (as
//! many runs as a flaky failure's rate requires), the check outside the test runner passes, the
//! tests written after the fix pass (and fail on the base), the reproduction fails again on the
//! base with only the fix's test changes, the way CI did (the revert check), the suite passes,
//! and the integrity rules find no weakened or skipped test. Each finding names its defence.

use std::path::Path;

use crate::core::defence::Defence;
use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase, PostFixRuns, TestRuns};
use crate::core::integrity;
use crate::core::publish::floor_char_boundary;
use crate::core::repro::is_test_path;
use crate::core::setup::Reproduction;
use crate::core::stats;
use crate::core::verdict;
use crate::core::view::{FixView, PostFixTestsView};
use crate::engine::bench::{
    Bench, changed_copies, copy_file, measured, place, place_files, unplace_files,
};
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
/// How many files left beside a commit a clean-tree finding names.
const SHOWN_LEFT_BEHIND: usize = 10;

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
    let candidate = candidate(bench, &fix).await?;
    let (post_fix, mut notes) = post_fix_tests(bench, attempt);
    let tampered_tests = post_fix.is_none() && post_fix_copy_changed(bench, attempt);
    // The approved reproduction is what counts: an agent's edits to it, in its worktree or in
    // the failure folder, are named, and fixloop's frozen copy is what runs.
    let mut findings = agent_findings(bench, Phase::Fix, attempt);
    merge(
        &mut findings,
        reproduction_findings(bench, &repro, Path::new(&fix.worktree)),
    );
    if tampered_tests {
        findings.push(Defence::PostFixTests.finding(
            "fixloop's copy of the tests written after the fix was changed after it was kept; \
             they were not run",
        ));
    }
    let before = user_state(bench).await;
    // A fresh checkout of the commit: nothing the agent left beside it (untracked or ignored
    // files, build artefacts) takes part.
    let checkout = bench.worktree_path(&format!("verify-{attempt}")).await?;
    bench.discard_worktree(&checkout).await;
    bench
        .vcs
        .add_worktree(&checkout, Checkout::Detached(&candidate))
        .await?;
    let checked = check_commit(
        bench,
        &Commit {
            checkout: &checkout,
            fix: &fix,
            repro: &repro,
            post_fix: post_fix.as_ref(),
        },
        attempt,
        runs,
    )
    .await;
    if let Err(e) = bench.vcs.remove_worktree(&checkout).await {
        bench.warn(format!("could not remove the verification worktree: {e}"));
    }
    let mut checked = checked?;
    merge(&mut findings, std::mem::take(&mut checked.findings));
    notes.append(&mut checked.notes);
    merge(
        &mut findings,
        user_changes(bench, before.as_ref(), "the fix's test runs").await,
    );
    Ok(EventKind::VerificationFinished {
        attempt,
        verified: verdict::verified(&checked.passes, checked.suite.as_ref(), &findings),
        passes: checked.passes,
        revert_check: checked.revert_check,
        suite: checked.suite,
        findings,
        diffstat: checked.diffstat,
        diff: checked.diff,
        commit: Some(candidate),
        outside_check: checked.outside_check,
        post_fix: checked.post_fix,
        notes,
    })
}

/// The tests written after the fix of `attempt`, when there are any, and what to say when
/// there are none. A copy of them changed since fixloop kept it is not run (and refuses the
/// fix: see [`post_fix_copy_changed`]).
fn post_fix_tests(bench: &Bench, attempt: u32) -> (Option<Reproduction>, Vec<String>) {
    if !bench.setup.settings().post_fix_tests {
        return (None, Vec::new());
    }
    match written_after(bench, attempt) {
        None => (None, Vec::new()),
        Some(t) if !changed_copies(&t.files).is_empty() => (None, Vec::new()),
        Some(t) if t.tests.is_none() => (None, vec![t.note]),
        Some(t) => (t.tests, Vec::new()),
    }
}

/// Whether fixloop's copy of the tests written after the fix of `attempt` changed since it was
/// kept: something reached into the run's folder, and the fix is not verified.
fn post_fix_copy_changed(bench: &Bench, attempt: u32) -> bool {
    written_after(bench, attempt).is_some_and(|t| !changed_copies(&t.files).is_empty())
}

fn written_after(bench: &Bench, attempt: u32) -> Option<PostFixTestsView> {
    bench.view(|v| {
        v.post_fix_tests
            .iter()
            .rev()
            .find(|t| t.attempt == attempt)
            .cloned()
    })
}

/// The commit to verify: the fix commit made for it; for a run journaled before 0.2 (which
/// verified before committing), a commit of the agent's worktree made for the purpose (no
/// branch moves).
async fn candidate(bench: &Bench, fix: &FixView) -> Result<String, StepError> {
    if let Some(commit) = &fix.commit {
        return Ok(commit.clone());
    }
    fix_worktree_is_ours(bench, fix).await?;
    let worktree = Path::new(&fix.worktree);
    bench.vcs.stage_all(worktree).await?;
    let tree = bench.vcs.write_tree(worktree).await?;
    Ok(bench
        .vcs
        .commit_tree(&tree, &fix.base_commit, "fixloop: the fix as verified")
        .await?)
}

/// What checking one commit found.
struct Checked {
    passes: TestRuns,
    revert_check: Option<TestRuns>,
    suite: Option<TestRuns>,
    outside_check: Option<TestRuns>,
    post_fix: Option<PostFixRuns>,
    findings: Vec<String>,
    notes: Vec<String>,
    diff: String,
    diffstat: String,
}

/// The commit under check: its fresh checkout, the fix it was made from, the approved
/// reproduction and the tests written after it.
struct Commit<'a> {
    checkout: &'a Path,
    fix: &'a FixView,
    repro: &'a Reproduction,
    post_fix: Option<&'a Reproduction>,
}

/// Checks the commit checked out at `checkout`: its changes read by the integrity rules, the
/// reproduction's runs, the check outside the test runner, the tests written after the fix, the
/// revert check and the suite.
async fn check_commit(
    bench: &Bench,
    commit: &Commit<'_>,
    attempt: u32,
    runs: u32,
) -> Result<Checked, StepError> {
    let Commit {
        checkout,
        fix,
        repro,
        post_fix,
    } = *commit;
    let base_commit = fix.base_commit.as_str();
    place(repro, checkout)?;
    // Read before anything runs: only the commit's own changes (and the placed reproduction,
    // which is left out) are staged.
    bench.vcs.stage_all(checkout).await?;
    let changes = changes(bench, checkout, base_commit, repro).await?;
    let mut findings = Defence::IntegrityRule.claim(integrity_findings(&changes, repro));
    let mut notes = Vec::new();
    let (diff, diffstat) = diffs(bench, checkout, base_commit, repro).await;
    let deterministic = bench.setup.info.deterministic;
    let passes = if deterministic {
        let results = bench
            .run_tests(
                Phase::Verify,
                &format!("verify-{attempt}"),
                &repro.command,
                checkout,
                runs,
                bench.test_timeout(repro),
                Some(repro),
            )
            .await?;
        verdict::tally(&repro.command, &results, None, false)
    } else {
        let (passes, inconclusive) = stressed_passes(bench, repro, checkout, attempt).await?;
        findings.extend(inconclusive.map(|i| Defence::Reproduction.finding(i)));
        // Parallel runs share the checkout: what the code under test did to the reproduction
        // while they ran is named too.
        findings.extend(
            tampered(repro, checkout)
                .into_iter()
                .map(|f| format!("{f} (while the verification runs ran)")),
        );
        place(repro, checkout)?;
        passes
    };
    if deterministic && passes.failures > 0 {
        findings.extend(left_behind(bench, fix, repro, attempt).await);
    }
    let mut found = Found {
        findings: &mut findings,
        notes: &mut notes,
    };
    let outside_check = if deterministic {
        outside_check(bench, repro, checkout, attempt, &mut found).await?
    } else {
        None
    };
    let on_fix = match post_fix {
        Some(tests) => Some(post_fix_on_fix(bench, tests, checkout, attempt, &mut found).await?),
        None => None,
    };
    let (revert_check, post_fix) =
        reverted(bench, commit, &changes, on_fix, attempt, &mut found).await?;
    let suite = suite(bench, checkout, attempt).await?;
    Ok(Checked {
        passes,
        revert_check,
        suite,
        outside_check,
        post_fix,
        findings,
        notes,
        diff,
        diffstat,
    })
}

/// When the reproduction fails on the commit, whether it passes in the agent's worktree: then
/// the fix stands on something the commit does not carry (an ignored file, a build artefact), and
/// the clean tree refused it.
async fn left_behind(
    bench: &Bench,
    fix: &FixView,
    repro: &Reproduction,
    attempt: u32,
) -> Option<String> {
    let worktree = Path::new(&fix.worktree);
    let results = bench
        .run_tests(
            Phase::Verify,
            &format!("agent-worktree-{attempt}"),
            &repro.command,
            worktree,
            1,
            bench.test_timeout(repro),
            Some(repro),
        )
        .await
        .ok()?;
    if !results.iter().all(verdict::TestRun::passed) {
        return None;
    }
    let ignored = bench.vcs.ignored_files(worktree).await.unwrap_or_default();
    let mut shown: Vec<String> = ignored
        .iter()
        .take(SHOWN_LEFT_BEHIND)
        .map(|p| format!("`{p}`"))
        .collect();
    if ignored.len() > SHOWN_LEFT_BEHIND {
        shown.push(format!("and {} more", ignored.len() - SHOWN_LEFT_BEHIND));
    }
    let what = if shown.is_empty() {
        String::new()
    } else {
        format!(" (files git ignores there: {})", shown.join(", "))
    };
    Some(Defence::CleanTree.finding(format_args!(
        "the reproduction passes in the agent's working tree but fails on a fresh checkout of the \
         fix commit: the fix relies on something the commit does not carry{what}"
    )))
}

/// Where the defences put what they found: findings refuse the fix, notes only inform.
struct Found<'a> {
    findings: &'a mut Vec<String>,
    notes: &'a mut Vec<String>,
}

/// Runs the check outside the test runner on the fix: it must pass. Without one, a note says the
/// fix rests on the test runner alone.
async fn outside_check(
    bench: &Bench,
    repro: &Reproduction,
    checkout: &Path,
    attempt: u32,
    found: &mut Found<'_>,
) -> Result<Option<TestRuns>, StepError> {
    let Some(check) = &repro.check else {
        found.notes.push(
            "no check outside the test runner was given (`check` in repro.json): the fix was \
             verified under the test runner alone"
                .into(),
        );
        return Ok(None);
    };
    let result = bench
        .run_outside(
            Phase::Verify,
            &format!("outside-check-{attempt}"),
            repro,
            check,
            checkout,
        )
        .await?;
    if !result.passed() {
        let how = result
            .exit_code
            .map_or_else(|| "did not finish".to_owned(), |c| format!("exit {c}"));
        found
            .findings
            .push(Defence::OutsideCheck.finding(format_args!(
            "the plain program `{}`, run outside any test runner, fails on the fix commit ({how}): \
             {}",
            check.command,
            last_line(&result.tail)
        )));
    }
    Ok(Some(verdict::tally(
        &check.command,
        std::slice::from_ref(&result),
        None,
        false,
    )))
}

/// Runs the tests written after the fix on it: they must pass.
async fn post_fix_on_fix(
    bench: &Bench,
    tests: &Reproduction,
    checkout: &Path,
    attempt: u32,
    found: &mut Found<'_>,
) -> Result<TestRuns, StepError> {
    let runs = post_fix_on(
        bench,
        tests,
        checkout,
        &format!("post-fix-{attempt}"),
        false,
    )
    .await?;
    if runs.failures > 0 {
        found
            .findings
            .push(Defence::PostFixTests.finding(format_args!(
            "the tests written after the fix, by a session that never saw it, fail on the fix: {}",
            last_line(&runs.output)
        )));
    }
    Ok(runs)
}

/// The revert check (when the fix changes code at all), with the tests written after the fix
/// run on the base beside it; what they found goes to `found`.
async fn reverted(
    bench: &Bench,
    commit: &Commit<'_>,
    changes: &Changes,
    on_fix: Option<TestRuns>,
    attempt: u32,
    found: &mut Found<'_>,
) -> Result<(Option<TestRuns>, Option<PostFixRuns>), StepError> {
    let repro = commit.repro;
    let (revert_check, on_base) = if changes.code.is_empty() {
        found
            .findings
            .push(Defence::IntegrityRule.finding("the fix changes no code outside tests"));
        (None, None)
    } else {
        let revert = Revert {
            fixed: commit.checkout,
            base_commit: &commit.fix.base_commit,
            repro,
            test_changes: &changes.tests,
            post_fix: commit.post_fix,
        };
        let reverted = revert_check(bench, &revert, attempt).await?;
        found.findings.extend(verdict::revert_finding(
            &reverted.runs,
            repro.signature.as_deref(),
            reverted.foreign.as_deref(),
        ));
        (Some(reverted.runs), reverted.post_fix)
    };
    let post_fix = on_fix.map(|on_fix| {
        let on_base = on_base.unwrap_or_default();
        if on_base.runs > 0 && on_base.failures == 0 {
            found.notes.push(
                "the tests written after the fix pass on the base too: they do not exercise the \
                 bug, so they prove nothing either way"
                    .into(),
            );
        }
        PostFixRuns { on_fix, on_base }
    });
    Ok((revert_check, post_fix))
}

/// Runs the tests written after the fix once in `root`; on the base they are expected to fail.
async fn post_fix_on(
    bench: &Bench,
    tests: &Reproduction,
    root: &Path,
    purpose: &str,
    expect_failure: bool,
) -> Result<TestRuns, StepError> {
    place_files(&tests.files, root)?;
    let results = bench
        .run_tests(
            Phase::Verify,
            purpose,
            &tests.command,
            root,
            1,
            bench.test_timeout(tests),
            None,
        )
        .await;
    unplace_files(&tests.files, root);
    Ok(verdict::tally(
        &tests.command,
        &results?,
        None,
        expect_failure,
    ))
}

/// The last non-empty line of some output, cut to a sentence's length.
fn last_line(output: &str) -> String {
    let line = output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .trim();
    line.chars().take(300).collect()
}

/// The commit's diff against the base (cut to fit an event) and its summary, the reproduction
/// left out.
async fn diffs(
    bench: &Bench,
    checkout: &Path,
    base_commit: &str,
    repro: &Reproduction,
) -> (String, String) {
    let exclude: Vec<String> = repro.dests().map(str::to_owned).collect();
    let mut diff = bench
        .vcs
        .staged_diff(checkout, base_commit, &exclude, false)
        .await
        .unwrap_or_default();
    if diff.len() > MAX_DIFF {
        diff.truncate(floor_char_boundary(&diff, MAX_DIFF));
        diff.push_str("\n… (diff cut at 64 KiB; see the fix branch)");
    }
    let diffstat = bench
        .vcs
        .staged_diff(checkout, base_commit, &exclude, true)
        .await
        .unwrap_or_default();
    (diff, diffstat)
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

/// What the revert check needs: the fixed checkout (for the fix's test changes), the base, the
/// reproduction, and the tests written after the fix (they run on the base there too).
struct Revert<'a> {
    fixed: &'a Path,
    base_commit: &'a str,
    repro: &'a Reproduction,
    test_changes: &'a [String],
    post_fix: Option<&'a Reproduction>,
}

/// What the revert check saw on the base.
struct Reverted {
    runs: TestRuns,
    /// A failure of the reproduction's own making (it did not build, a symbol is missing).
    foreign: Option<String>,
    /// The tests written after the fix, on the base.
    post_fix: Option<TestRuns>,
}

/// The reproduction in a scratch copy of the base with only the fix's test changes: it must
/// fail there the way CI did, or it does not prove the fix. The tests written after the fix run
/// there too: they must fail on the base.
async fn revert_check(
    bench: &Bench,
    revert: &Revert<'_>,
    attempt: u32,
) -> Result<Reverted, StepError> {
    let path = bench.worktree_path(&format!("revert-{attempt}")).await?;
    bench.discard_worktree(&path).await;
    bench
        .vcs
        .add_worktree(&path, Checkout::Detached(revert.base_commit))
        .await?;
    let reverted = match prepare_revert(revert.fixed, &path, revert.repro, revert.test_changes) {
        Ok(()) => run_revert(bench, revert, &path, attempt).await,
        Err(e) => Err(e),
    };
    if let Err(e) = bench.vcs.remove_worktree(&path).await {
        bench.warn(format!("could not remove the revert-check worktree: {e}"));
    }
    reverted
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
    revert: &Revert<'_>,
    path: &Path,
    attempt: u32,
) -> Result<Reverted, StepError> {
    let repro = revert.repro;
    let purpose = format!("revert-{attempt}");
    let (runs, foreign) = if bench.setup.info.deterministic {
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
        let foreign = verdict::foreign(&results);
        (
            verdict::tally(&repro.command, &results, signature.as_ref(), true),
            foreign,
        )
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
        (measured(&repro.command, &outcome), None)
    };
    let post_fix = match revert.post_fix {
        Some(tests) => Some(
            post_fix_on(
                bench,
                tests,
                path,
                &format!("post-fix-base-{attempt}"),
                true,
            )
            .await?,
        ),
        None => None,
    };
    Ok(Reverted {
        runs,
        foreign,
        post_fix,
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
