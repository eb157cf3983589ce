//! The merge ladder on the sync worktree: git's merge with rerere, then the fork's path rules
//! (`ours`, `theirs`, `regenerate`; `protected` left for a person), then the structural driver
//! when there is one; the guards on what came of it and the merge commit; the fork's checks.

use std::path::{Path, PathBuf};

use super::{SyncPipeline, view};
use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase};
use crate::core::sync::config::MergeDriver;
use crate::core::sync::conventions::{Conventions, Strategy};
use crate::core::sync::structured;
use crate::core::sync::trailer::merge_message;
use crate::core::sync::verdict::{CheckOutcome, FileOutcome, Resolution};
use crate::engine::bench::Bench;
use crate::engine::ports::merge::{ConflictKind, Side};
use crate::engine::ports::{Checkout, VcsError};

/// The sync branch of a release (or branch head).
#[must_use]
pub fn branch_of(what: &str) -> String {
    let safe: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("fixloop/sync/{safe}")
}

fn git_error(what: &str) -> impl Fn(VcsError) -> StepError + '_ {
    move |e| StepError::error(format!("{what}: {}", e.stderr))
}

/// The fork's conventions file at `commit` (none: no rules).
pub async fn conventions(
    sync: &SyncPipeline,
    bench: &Bench,
    commit: &str,
) -> Result<Conventions, StepError> {
    let file = &sync.config.conventions;
    match bench.vcs.file_at(commit, file).await {
        Some(text) => Conventions::parse(file, &text)
            .map_err(|e| StepError::input(e.to_string()).hint(e.hint.clone())),
        None => Ok(Conventions::default()),
    }
}

/// The sync worktree, made at the base commit when it is not there.
async fn worktree(bench: &Bench, base_commit: &str) -> Result<PathBuf, StepError> {
    let path = bench.worktree_path("sync").await?;
    if !bench.vcs.is_worktree(&path).await {
        bench.discard_worktree(&path).await;
        bench
            .vcs
            .add_worktree(&path, Checkout::Detached(base_commit))
            .await?;
    }
    Ok(path)
}

pub async fn merge(sync: &SyncPipeline, bench: &Bench) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let what = facts.what.clone().unwrap_or_default();
    let path = worktree(bench, &facts.base_commit).await?;
    let start = sync
        .merger
        .start_merge(&path, &facts.base_commit, &facts.upstream_commit, "sync")
        .await
        .map_err(git_error("merging upstream"))?;
    let rules = conventions(sync, bench, &facts.base_commit).await?;
    let mut files: Vec<FileOutcome> = Vec::new();
    let mut regenerated: Vec<String> = Vec::new();
    for file in &start.rerere {
        // A generated file is never hand-merged, not even by replaying a hand merge.
        files.push(match rules.rule_for(file).map(|r| r.strategy.clone()) {
            Some(Strategy::Regenerate { run }) => {
                regenerate(sync, bench, &path, file, &run, &mut regenerated).await?
            }
            _ => outcome(
                file,
                Resolution::Rerere,
                "rerere replayed a resolution recorded earlier",
            ),
        });
    }
    let mut protected = Vec::new();
    let driver =
        sync.config.merge_driver == MergeDriver::Auto && sync.merger.driver_available().await;
    for conflict in &start.conflicted {
        let file = &conflict.path;
        let rule = rules.rule_for(file).map(|r| r.strategy.clone());
        if matches!(rule, Some(Strategy::Protected)) {
            protected.push(file.clone());
        }
        let ladder = Ladder {
            sync,
            bench,
            worktree: &path,
            driver,
        };
        let done = ladder.rung(conflict, rule, &mut regenerated).await?;
        files.push(done);
    }
    let merge_base = sync
        .merger
        .merge_base(&facts.base_commit, &facts.upstream_commit)
        .await
        .map_err(git_error("finding the merge base"))?;
    let (ahead, behind) = sync
        .merger
        .divergence(&facts.base_commit, &facts.upstream_commit)
        .await
        .map_err(git_error("counting the divergence"))?;
    Ok(EventKind::SyncMerged {
        branch: branch_of(&what),
        worktree: path.display().to_string(),
        files,
        protected,
        merge_base,
        ahead,
        behind,
    })
}

/// Where the ladder's rungs after rerere work.
struct Ladder<'a> {
    sync: &'a SyncPipeline,
    bench: &'a Bench,
    worktree: &'a Path,
    /// The structural driver may be tried.
    driver: bool,
}

impl Ladder<'_> {
    /// One conflicted file by the fork's rule for it, else the structural driver; what is left
    /// is unresolved (for the agent).
    async fn rung(
        &self,
        conflict: &crate::engine::ports::merge::Conflict,
        rule: Option<Strategy>,
        regenerated: &mut Vec<String>,
    ) -> Result<FileOutcome, StepError> {
        let file = &conflict.path;
        Ok(match rule {
            Some(Strategy::Protected) => outcome(
                file,
                Resolution::Unresolved,
                "a protected path: a person merges it",
            ),
            Some(Strategy::Ours) => {
                take(self.sync, self.worktree, file, Side::Ours).await?;
                outcome(
                    file,
                    Resolution::Ours,
                    "fork-owned (conventions): the fork's side kept",
                )
            }
            Some(Strategy::Theirs) => {
                take(self.sync, self.worktree, file, Side::Theirs).await?;
                outcome(
                    file,
                    Resolution::Theirs,
                    "upstream-owned (conventions): upstream's side taken",
                )
            }
            Some(Strategy::Regenerate { run }) => {
                regenerate(
                    self.sync,
                    self.bench,
                    self.worktree,
                    file,
                    &run,
                    regenerated,
                )
                .await?
            }
            None if self.driver && conflict.kind == ConflictKind::Content => {
                let solved = self
                    .sync
                    .merger
                    .run_driver(self.worktree, file)
                    .await
                    .map_err(git_error("running the merge driver"))?;
                if solved {
                    outcome(
                        file,
                        Resolution::Driver,
                        "mergiraf merged both sides' changes by structure",
                    )
                } else {
                    outcome(
                        file,
                        Resolution::Unresolved,
                        "both sides changed it, and the structural merge could not combine them",
                    )
                }
            }
            None => outcome(file, Resolution::Unresolved, kind_words(conflict.kind)),
        })
    }
}

fn outcome(path: &str, resolution: Resolution, rationale: &str) -> FileOutcome {
    FileOutcome {
        path: path.to_owned(),
        resolution,
        rationale: rationale.to_owned(),
    }
}

fn kind_words(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Content => "both sides changed the same lines",
        ConflictKind::DeletedByUs => "the fork deleted it, upstream changed it",
        ConflictKind::DeletedByThem => "upstream deleted it, the fork changed it",
        ConflictKind::AddedByBoth => "both sides added it, differently",
        ConflictKind::Other => "a rename or a file/folder clash",
    }
}

async fn take(
    sync: &SyncPipeline,
    worktree: &Path,
    file: &str,
    side: Side,
) -> Result<(), StepError> {
    sync.merger
        .take_side(worktree, file, side)
        .await
        .map_err(git_error("taking a side"))
}

/// A generated file: upstream's side first (never hand-merged), then the rule's command, once
/// per command, and the file as it made it.
async fn regenerate(
    sync: &SyncPipeline,
    bench: &Bench,
    worktree: &Path,
    file: &str,
    run: &str,
    done: &mut Vec<String>,
) -> Result<FileOutcome, StepError> {
    take(sync, worktree, file, Side::Theirs).await?;
    if !done.iter().any(|d| d == run) {
        let ran = bench
            .run_tests(
                Phase::Merge,
                "regenerate",
                run,
                worktree,
                1,
                bench.setup.test_budget(),
                None,
            )
            .await?;
        if !ran
            .first()
            .is_some_and(crate::core::verdict::TestRun::passed)
        {
            let tail = ran
                .first()
                .map(|r| r.tail.trim().to_owned())
                .unwrap_or_default();
            return Ok(outcome(
                file,
                Resolution::Unresolved,
                &format!(
                    "`{run}` failed, so it could not be regenerated: {}",
                    last_line(&tail)
                ),
            ));
        }
        done.push(run.to_owned());
    }
    sync.merger
        .stage(worktree, file)
        .await
        .map_err(git_error("staging the regenerated file"))?;
    Ok(outcome(
        file,
        Resolution::Regenerate,
        &format!("regenerated by `{run}`"),
    ))
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or_default()
}

/// The guards on the resolved merge (nothing unmerged, no conflict marker anywhere, structured
/// files parse), then the merge commit with its trailers, on the sync branch.
pub async fn guard(sync: &SyncPipeline, bench: &Bench) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let path = PathBuf::from(&facts.worktree);
    let mut problems = Vec::new();
    let unmerged = sync
        .merger
        .unmerged(&path)
        .await
        .map_err(git_error("reading the merge"))?;
    problems.extend(
        unmerged
            .iter()
            .map(|c| format!("{} is still unmerged", c.path)),
    );
    let markers = sync
        .merger
        .markers(&path)
        .await
        .map_err(git_error("looking for conflict markers"))?;
    problems.extend(
        markers
            .iter()
            .map(|(file, line)| format!("a conflict marker in {file} at line {line}")),
    );
    let changed = sync
        .merger
        .changed_paths(&path, &facts.base_commit)
        .await
        .map_err(git_error("listing what the merge changes"))?;
    for file in &changed {
        if let Ok(text) = std::fs::read_to_string(path.join(file))
            && let Err(why) = structured::check(file, &text)
        {
            problems.push(format!("{file} no longer parses: {why}"));
        }
    }
    if !problems.is_empty() {
        return Ok(EventKind::SyncGuarded {
            commit: None,
            problems,
        });
    }
    let what = facts.what.clone().unwrap_or_default();
    let summary = summary(&facts.files);
    let message = merge_message(
        &what,
        &sync.config.upstream,
        &facts.upstream_commit,
        &summary,
    );
    let commit = sync
        .merger
        .commit_merge(&path, &message)
        .await
        .map_err(git_error("committing the merge"))?;
    let old = bench
        .vcs
        .rev_parse(&format!("refs/heads/{}", facts.branch))
        .await
        .unwrap_or_else(|_| "0".repeat(40));
    bench
        .vcs
        .update_branch(&facts.branch, &commit, &old)
        .await?;
    Ok(EventKind::SyncGuarded {
        commit: Some(commit),
        problems,
    })
}

fn summary(files: &[FileOutcome]) -> String {
    if files.is_empty() {
        return "Merged with no conflict.".into();
    }
    let lines: Vec<String> = files
        .iter()
        .map(|f| format!("- {}: {}", f.path, f.resolution.as_str()))
        .collect();
    format!("Conflicts resolved:\n{}", lines.join("\n"))
}

/// The fork's lint and test commands on the merge commit, each once.
pub async fn check(sync: &SyncPipeline, bench: &Bench) -> Result<EventKind, StepError> {
    let facts = view(bench);
    let path = PathBuf::from(&facts.worktree);
    let mut checks = Vec::new();
    for command in sync.config.lint.iter().chain(&sync.config.test) {
        let started = std::time::Instant::now();
        let ran = bench
            .run_tests(
                Phase::Validate,
                "check",
                command,
                &path,
                1,
                bench.setup.test_budget(),
                None,
            )
            .await?;
        checks.push(CheckOutcome {
            command: command.clone(),
            passed: ran
                .first()
                .is_some_and(crate::core::verdict::TestRun::passed),
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(EventKind::SyncChecked { checks })
}
