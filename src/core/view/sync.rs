//! What a sync run established, as its facts say: upstream's release, the merge and each
//! conflicted file, the guards, the checks, and the PR or the issue.

use crate::core::event::EventKind;
use crate::core::sync::verdict::{CheckOutcome, FileOutcome};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncView {
    /// What is followed: a tag pattern or a branch.
    pub follows: String,
    /// The release (or branch head) being merged; `None` when there was nothing new.
    pub what: Option<String>,
    pub upstream_commit: String,
    pub previous: Option<String>,
    pub base: String,
    pub base_commit: String,
    pub release_notes: String,
    pub branch: String,
    pub worktree: String,
    pub merge_base: String,
    pub ahead: u32,
    pub behind: u32,
    /// Each conflicted file and how it was resolved (the agent's resolution replaces the
    /// merge's `unresolved`).
    pub files: Vec<FileOutcome>,
    pub protected: Vec<String>,
    pub commit: Option<String>,
    pub problems: Vec<String>,
    pub checks: Vec<CheckOutcome>,
    /// Each failing test handed to a fixloop run: the command, the run, its commit, what it said.
    pub fixes: Vec<TestFix>,
    pub published: Option<Published>,
    pub blocked: Option<BlockedView>,
    /// `--hold-push`: the folder the branch and its PR (or the issue) were written to.
    pub held: Option<String>,
}

/// A failing test handed to a fixloop run of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFix {
    pub command: String,
    pub run_id: String,
    pub commit: Option<String>,
    pub files: Vec<String>,
    pub said: String,
}

/// The sync PR: its number, address, labels, and the older sync PRs closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub number: u64,
    pub url: String,
    pub labels: Vec<String>,
    pub superseded: Vec<u64>,
}

/// Nothing pushed: the issue (number, address) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedView {
    pub issue: Option<(u64, String)>,
    pub reasons: Vec<String>,
}

impl SyncView {
    /// Takes in a sync fact (other events change nothing).
    pub fn apply(&mut self, kind: &EventKind) {
        match kind {
            EventKind::SyncDetected {
                follows,
                what,
                upstream_commit,
                previous,
                base,
                base_commit,
                release_notes,
            } => {
                self.follows.clone_from(follows);
                self.what.clone_from(what);
                self.upstream_commit.clone_from(upstream_commit);
                self.previous.clone_from(previous);
                self.base.clone_from(base);
                self.base_commit.clone_from(base_commit);
                self.release_notes.clone_from(release_notes);
            }
            EventKind::SyncMerged {
                branch,
                worktree,
                files,
                protected,
                merge_base,
                ahead,
                behind,
            } => {
                self.branch.clone_from(branch);
                self.worktree.clone_from(worktree);
                self.files.clone_from(files);
                self.protected.clone_from(protected);
                self.merge_base.clone_from(merge_base);
                self.ahead = *ahead;
                self.behind = *behind;
            }
            EventKind::SyncFileResolved { file } => {
                match self.files.iter_mut().find(|f| f.path == file.path) {
                    Some(known) => *known = file.clone(),
                    None => self.files.push(file.clone()),
                }
            }
            EventKind::SyncGuarded { commit, problems } => {
                self.commit.clone_from(commit);
                self.problems.clone_from(problems);
            }
            EventKind::SyncChecked { checks } => self.checks.clone_from(checks),
            EventKind::SyncTestFixed {
                command,
                run_id,
                commit,
                files,
                said,
            } => {
                if commit.is_some() {
                    self.commit.clone_from(commit);
                }
                self.fixes.push(TestFix {
                    command: command.clone(),
                    run_id: run_id.clone(),
                    commit: commit.clone(),
                    files: files.clone(),
                    said: said.clone(),
                });
            }
            EventKind::SyncPublished {
                number,
                url,
                labels,
                superseded,
            } => {
                self.published = Some(Published {
                    number: *number,
                    url: url.clone(),
                    labels: labels.clone(),
                    superseded: superseded.clone(),
                });
            }
            EventKind::SyncBlocked { issue, reasons } => {
                self.blocked = Some(BlockedView {
                    issue: issue.clone(),
                    reasons: reasons.clone(),
                });
            }
            EventKind::SyncHeld {
                out,
                blocked,
                reasons,
            } => {
                self.held = Some(out.clone());
                if *blocked {
                    self.blocked = Some(BlockedView {
                        issue: None,
                        reasons: reasons.clone(),
                    });
                }
            }
            _ => {}
        }
    }
}
