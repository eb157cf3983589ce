//! The sync pipeline's own part of the report: what was merged, each conflicted file and how
//! it was resolved, the guards, the checks, and the PR or the issue.

use std::fmt::Write as _;

use super::sections::Sections;
use crate::core::view::RunView;

#[derive(Debug, Clone, Copy, Default)]
pub struct SyncSections;

pub const SYNC_SECTIONS: SyncSections = SyncSections;

/// A table cell: pipes and line breaks kept from breaking the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

impl Sections for SyncSections {
    fn write(&self, view: &RunView, md: &mut String) {
        let Some(sync) = &view.sync else {
            return;
        };
        md.push_str("## Upstream sync\n\n");
        let what = sync.what.as_deref().unwrap_or("nothing new");
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| Follows | {} |", cell(&sync.follows));
        let _ = writeln!(md, "| Merging | {} |", cell(what));
        if let Some(previous) = &sync.previous {
            let _ = writeln!(md, "| Last synced | {} |", cell(previous));
        }
        let _ = writeln!(
            md,
            "| Into | `{}` at {} |",
            sync.base,
            short(&sync.base_commit)
        );
        if !sync.branch.is_empty() {
            let _ = writeln!(md, "| Branch | `{}` |", sync.branch);
            let _ = writeln!(
                md,
                "| Merge base | {} (the fork {} ahead, {} behind) |",
                short(&sync.merge_base),
                sync.ahead,
                sync.behind
            );
        }
        if let Some(commit) = &sync.commit {
            let _ = writeln!(md, "| Merge commit | {} |", short(commit));
        }
        md.push('\n');
        if !sync.branch.is_empty() {
            if sync.files.is_empty() {
                md.push_str("Merged with no conflict.\n\n");
            } else {
                md.push_str("| Conflicted file | Resolved by | Rationale |\n|---|---|---|\n");
                for f in &sync.files {
                    let _ = writeln!(
                        md,
                        "| `{}` | {} | {} |",
                        cell(&f.path),
                        f.resolution.as_str(),
                        cell(&f.rationale)
                    );
                }
                md.push('\n');
            }
        }
        for problem in &sync.problems {
            let _ = writeln!(md, "- guard: {problem}");
        }
        if !sync.checks.is_empty() {
            md.push_str("| Check | Result | Time |\n|---|---|---|\n");
            for c in &sync.checks {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {:.1} s |",
                    cell(&c.command),
                    if c.passed { "passed" } else { "failed" },
                    c.seconds
                );
            }
            md.push('\n');
        }
        if let Some(pr) = &sync.published {
            let _ = writeln!(
                md,
                "PR #{} ({}): {}",
                pr.number,
                pr.labels.join(", "),
                pr.url
            );
            for old in &pr.superseded {
                let _ = writeln!(md, "- #{old} closed as superseded");
            }
            md.push('\n');
        }
        if let Some(blocked) = &sync.blocked {
            md.push_str("Nothing was pushed:\n\n");
            for reason in &blocked.reasons {
                let _ = writeln!(md, "- {reason}");
            }
            if let Some((number, url)) = &blocked.issue {
                let _ = writeln!(md, "\nIssue #{number} says so: {url}");
            }
            md.push('\n');
        }
        if let Some(out) = &sync.held {
            let what = if sync.blocked.is_some() {
                "The issue saying why"
            } else {
                "The sync branch (a git bundle) and its PR"
            };
            let _ = writeln!(
                md,
                "{what} were written to `{out}`, for `fixloop sync publish`.\n"
            );
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
