//! The reproduction steps: the scratch worktree at the commit under test where the agent writes
//! the reproduction, fixloop's own check that it fails the way CI did, and the commit of the
//! failure folder once it is approved.

use std::fmt::Write as _;
use std::path::Path;

use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase, TestRuns};
use crate::core::memory;
use crate::core::publish;
use crate::core::setup::Reproduction;
use crate::core::stats;
use crate::core::verdict::{self, Judged};
use crate::engine::bench::{Bench, changed_copies, copy_reproduction, measured, place};
use crate::engine::memory::Memory;
use crate::engine::ports::Checkout;
use crate::engine::secrets;
use crate::engine::setup::read_reproduction;
use crate::engine::steps::guard;

/// How many runs measure a flaky reproduction when neither `repro.json` nor info.json says.
const FLAKY_RUNS: u32 = 1000;
/// The reproduction's files are shown at the checkpoint up to this size each.
const SHOWN_BYTES: usize = 8192;
/// Files of the failure folder over this size are left out of its commit.
const MAX_COMMITTED: u64 = 1 << 20;

/// The commit under test: the failing run's head commit when it can be had, else HEAD.
async fn commit_under_test(bench: &Bench) -> Result<String, StepError> {
    let head_sha = bench.view(|v| {
        v.ci_run
            .as_ref()
            .map(|run| run.head_sha.clone())
            .filter(|sha| !sha.is_empty())
    });
    if let Some(sha) = head_sha {
        if let Ok(commit) = bench.vcs.rev_parse(&sha).await {
            return Ok(commit);
        }
        if let Some(remote) = bench.setup.remote() {
            let _ = bench.vcs.fetch(remote, &sha).await;
            if let Ok(commit) = bench.vcs.rev_parse(&sha).await {
                return Ok(commit);
            }
        }
        bench.warn(format!(
            "the failing run's commit {} is not in the repository; reproducing at HEAD",
            &sha[..sha.len().min(12)]
        ));
    }
    bench
        .vcs
        .rev_parse("HEAD")
        .await
        .map_err(|e| StepError::input(format!("the repository has no commit to work from: {e}")))
}

/// Makes the scratch worktree (detached, at the commit under test) where the agent writes the
/// reproduction.
pub async fn prepare_scratch(bench: &Bench) -> Result<EventKind, StepError> {
    let commit = commit_under_test(bench).await?;
    let path = bench.worktree_path("repro").await?;
    bench.discard_worktree(&path).await;
    bench
        .vcs
        .add_worktree(&path, Checkout::Detached(&commit))
        .await?;
    Ok(EventKind::ScratchCreated {
        path: path.to_string_lossy().into_owned(),
        commit,
    })
}

/// Runs the reproduction the failure folder describes in the scratch worktree: `runs` times
/// for a deterministic failure, as a stress measurement for a flaky one.
pub async fn check(bench: &Bench, attempt: u32, runs: u32) -> Result<EventKind, StepError> {
    let invalid = |reason: String| EventKind::ReproductionChecked {
        attempt,
        reproduced: false,
        reason,
        runs: TestRuns::default(),
        invalid_input: true,
        files: Vec::new(),
        reproduction: None,
        copies: Vec::new(),
        findings: Vec::new(),
        check: None,
    };
    let manifest = bench.setup.failure_dir.join("repro.json");
    if !manifest.exists() {
        // Nothing to check is a failed step, not bad input: the agent may try again.
        return Ok(EventKind::ReproductionChecked {
            attempt,
            reproduced: false,
            reason: format!(
                "the agent wrote no reproduction: {} does not exist (the reproduce step writes \
                 it: command, files, signature)",
                manifest.display()
            ),
            runs: TestRuns::default(),
            invalid_input: false,
            files: Vec::new(),
            reproduction: None,
            copies: Vec::new(),
            findings: Vec::new(),
            check: None,
        });
    }
    let repro = match read_reproduction(&bench.setup.failure_dir) {
        Ok(repro) => repro,
        Err(e) => return Ok(invalid(e.with_hints())),
    };
    // What runs is fixloop's copy, so what was checked is exactly what can be approved.
    let dir = bench
        .setup
        .run_dir
        .join("reproduction")
        .join(format!("check-{attempt}"));
    let (repro, copies) = match copy_reproduction(&repro, Some(&manifest), &dir) {
        Ok(copied) => copied,
        Err(e) => return Ok(invalid(e.with_hints())),
    };
    let Some(scratch) = bench.view(|v| v.scratch.clone()) else {
        return Ok(invalid(
            "no scratch worktree to run the reproduction in".into(),
        ));
    };
    let scratch = Path::new(&scratch);
    if let Err(e) = place(&repro, scratch) {
        return Ok(invalid(e.with_hints()));
    }
    let before = guard::user_state(bench).await;
    let mut judged = judge(bench, &repro, scratch, attempt, runs).await?;
    let check = if judged.reproduced && bench.setup.info.deterministic {
        outside_check(bench, &repro, scratch, attempt, &mut judged).await?
    } else {
        None
    };
    let mut findings = guard::agent_findings(bench, Phase::Reproduce, attempt);
    guard::merge(
        &mut findings,
        guard::user_changes(bench, before.as_ref(), "the reproduction's test runs").await,
    );
    let Judged {
        reproduced,
        reason,
        runs,
    } = judged;
    Ok(EventKind::ReproductionChecked {
        attempt,
        reproduced,
        reason,
        runs,
        invalid_input: false,
        files: shown_files(&repro),
        reproduction: Some(repro),
        copies,
        findings,
        check,
    })
}

/// Runs the reproduction's check outside the test runner once on the code under test: it must
/// fail the way CI did too, or the reproduction does not count. Without a check, the reason says
/// the fix will rest on the test runner alone.
async fn outside_check(
    bench: &Bench,
    repro: &Reproduction,
    scratch: &Path,
    attempt: u32,
    judged: &mut Judged,
) -> Result<Option<TestRuns>, StepError> {
    let Some(check) = &repro.check else {
        judged.reason.push_str(
            "; no check outside the test runner was given (`check` in repro.json): the fix \
             will be verified under the test runner alone",
        );
        return Ok(None);
    };
    let result = bench
        .run_outside(
            Phase::ConfirmRepro,
            &format!("outside-check-{attempt}"),
            repro,
            check,
            scratch,
        )
        .await?;
    let on_base = verdict::deterministic(&check.command, repro.check_signature(), &[result]);
    if on_base.reproduced {
        let _ = write!(
            judged.reason,
            "; the check outside the test runner fails the same way"
        );
    } else {
        judged.reproduced = false;
        judged.reason = format!(
            "the reproduction fails like CI, but its check outside the test runner (`{}`) does \
             not: {}",
            check.command, on_base.reason
        );
    }
    Ok(Some(on_base.runs))
}

/// Keeps the approved reproduction: the copies its check ran (still as they were checked), or,
/// for one `existing-test-path` gives, fresh copies of it. Every later run uses these.
pub fn freeze(bench: &Bench) -> Result<EventKind, StepError> {
    let (checked, current) = bench.view(|v| {
        (
            v.reproductions
                .last()
                .map(|r| r.copies.clone())
                .filter(|copies| !copies.is_empty()),
            v.current_reproduction.clone(),
        )
    });
    if let (Some(files), Some(reproduction)) = (checked, current) {
        let changed: Vec<&str> = changed_copies(&files)
            .iter()
            .map(|f| f.copy.as_str())
            .collect();
        if !changed.is_empty() {
            return Err(StepError::error(format!(
                "the reproduction changed between its check and its approval ({})",
                changed.join(", ")
            ))
            .hint("resume the run to check it again"));
        }
        return Ok(EventKind::ReproductionFrozen {
            reproduction,
            files,
        });
    }
    let Some(repro) = bench.reproduction() else {
        return Err(StepError::error("there is no reproduction to keep"));
    };
    let manifest = bench.setup.failure_dir.join("repro.json");
    let from_folder = repro
        .files
        .iter()
        .all(|(source, _)| source.starts_with(&bench.setup.failure_dir));
    let manifest = (from_folder && manifest.is_file()).then_some(manifest);
    let dir = bench.setup.run_dir.join("reproduction").join("approved");
    let (reproduction, files) = copy_reproduction(&repro, manifest.as_deref(), &dir)?;
    Ok(EventKind::ReproductionFrozen {
        reproduction,
        files,
    })
}

/// Runs the reproduction in the scratch worktree and judges it: `runs` times for a
/// deterministic failure, as a stress measurement for a flaky one.
async fn judge(
    bench: &Bench,
    repro: &Reproduction,
    scratch: &Path,
    attempt: u32,
    runs: u32,
) -> Result<Judged, StepError> {
    let purpose = format!("confirm-{attempt}");
    Ok(if bench.setup.info.deterministic {
        let results = bench
            .run_tests(
                Phase::ConfirmRepro,
                &purpose,
                &repro.command,
                scratch,
                runs,
                bench.test_timeout(repro),
                Some(repro),
            )
            .await?;
        verdict::deterministic(&repro.command, repro.signature.as_deref(), &results)
    } else {
        // Measured until enough failures make the rate precise (or the runs or budget end).
        let failures = bench
            .setup
            .recorded
            .measure_failures
            .unwrap_or(stats::FAILURES_TO_MEASURE);
        let runs = repro
            .runs
            .or(bench.setup.info.iterations)
            .unwrap_or_else(|| known_runs(bench, failures));
        let outcome = bench
            .stress(
                Phase::ConfirmRepro,
                &purpose,
                repro,
                scratch,
                runs,
                Some(failures),
            )
            .await?;
        let others: Vec<(String, u32)> = outcome
            .groups
            .iter()
            .filter(|(_, _, ci)| !ci)
            .map(|(sig, count, _)| (sig.clone(), *count))
            .collect();
        verdict::flaky(
            measured(&repro.command, &outcome),
            &others,
            outcome.stopped_early,
        )
    })
}

/// The runs to plan for a flaky reproduction: from the known rate when the memory measured one
/// of the failing tests before (and no fix came after), else the most fixloop runs.
fn known_runs(bench: &Bench, failures: u32) -> u32 {
    let setup = &bench.setup;
    let tests = bench.view(|v| v.logs.as_ref().map(|l| l.failing_tests.clone()));
    let records = Memory::of_workspace(&setup.workspace).records();
    memory::known_rate(&records, &setup.memory_repo(), &tests.unwrap_or_default())
        .map_or(FLAKY_RUNS, |known| {
            memory::starting_runs(&known, failures, FLAKY_RUNS)
        })
}

/// The reproduction's files as text for the checkpoint (each cut at 8 KiB).
fn shown_files(repro: &Reproduction) -> Vec<(String, String)> {
    repro
        .files
        .iter()
        .map(|(source, dest)| {
            let bytes = std::fs::read(source).unwrap_or_default();
            let shown = &bytes[..bytes.len().min(SHOWN_BYTES)];
            let mut text = String::from_utf8_lossy(shown).into_owned();
            if bytes.len() > SHOWN_BYTES {
                text.push_str("\n… (cut at 8 KiB)");
            }
            (dest.clone(), text)
        })
        .collect()
}

/// Commits the failure folder (and only it) when it lies inside the repository: on the user's
/// branch when they work on one, else on `fixloop/repro/<name>`; the user's index, working tree
/// and HEAD stay as they are.
pub async fn commit(bench: &Bench) -> Result<EventKind, StepError> {
    let setup = &bench.setup;
    let Ok(relative) = setup.failure_dir.strip_prefix(&setup.repo) else {
        return Ok(not_committed(
            Vec::new(),
            "The failure folder is outside the repository; nothing was committed.",
        ));
    };
    let mut paths = Vec::new();
    let mut skipped = Vec::new();
    collect_files(&setup.failure_dir, relative, &mut paths, &mut skipped);
    if paths.is_empty() {
        return Ok(not_committed(
            paths,
            "The failure folder is empty; nothing was committed.",
        ));
    }
    let vcs = &bench.vcs;
    let current = vcs.current_branch().await;
    let on_base = current.as_deref().is_none_or(|c| c == setup.base);
    let (branch, parent) = if on_base {
        let branch = format!("fixloop/repro/{}", setup.name);
        let parent = match vcs.rev_parse(&format!("refs/heads/{branch}")).await {
            Ok(tip) => tip,
            Err(_) => vcs.rev_parse("HEAD").await?,
        };
        (branch, parent)
    } else {
        let parent = vcs.rev_parse("HEAD").await?;
        (current.unwrap_or_default(), parent)
    };
    let message = publish::reproduction_message(&setup.name, &setup.info.prompt, &setup.run_id);
    let message = secrets::redact(&message).into_owned();
    // A cut-off run may have made this very commit already: it is not made twice.
    let commit = if made_by_this_run(bench, &parent, &message, None).await {
        parent
    } else {
        vcs.commit_paths(&branch, &parent, &paths, &message, &setup.run_dir)
            .await?
    };
    if !on_base {
        // HEAD moved to include the folder: keep the user's index in step for those paths
        // only, so nothing of theirs changes and the folder does not show as deleted.
        if let Err(e) = vcs.refresh_index(&paths).await {
            bench.warn(format!(
                "could not refresh the index for the failure folder: {e}"
            ));
        }
    }
    let mut note = format!("Committed on `{branch}`.");
    if !skipped.is_empty() {
        let _ = write!(note, " Left out (over 1 MiB): {}.", skipped.join(", "));
    }
    Ok(EventKind::ReproductionCommitted {
        branch: Some(branch),
        commit: Some(commit),
        paths,
        note,
    })
}

fn not_committed(paths: Vec<String>, note: &str) -> EventKind {
    EventKind::ReproductionCommitted {
        branch: None,
        commit: None,
        paths,
        note: note.into(),
    }
}

/// Whether `commit` is the one this run makes with `message` (and, when given, on `parent` with
/// `tree`): an earlier, cut-off attempt at the same step made it.
pub async fn made_by_this_run(
    bench: &Bench,
    commit: &str,
    message: &str,
    on: Option<(&str, &str)>,
) -> bool {
    let Some(found) = bench.vcs.commit_info(commit).await else {
        return false;
    };
    found.message.trim_end() == message.trim_end()
        && on.is_none_or(|(parent, tree)| found.parents == parent && found.tree == tree)
}

/// Files under `dir` (as paths relative to the repository through `relative`), leaving out files
/// over 1 MiB.
fn collect_files(dir: &Path, relative: &Path, out: &mut Vec<String>, skipped: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let rel = relative.join(entry.file_name());
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            collect_files(&path, &rel, out, skipped);
        } else if meta.len() > MAX_COMMITTED {
            skipped.push(rel.display().to_string());
        } else {
            out.push(rel.display().to_string());
        }
    }
}
