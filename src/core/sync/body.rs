//! The sync's pull request (title and body) and, when the sync stops at its ceiling, the issue
//! that hands the merge to a person: pure functions of what the sync found and did.

use std::fmt::Write as _;

use super::markdown::{
    cell, code, dollars, duration, github_repo, one_line, pipes, quiet, quote_excerpt, url_ref,
};
use super::trailer::{COMMIT_TRAILER, TAG_TRAILER};
use super::verdict::{CheckOutcome, FileOutcome, Resolution, Verdict};
use crate::core::workflow::shell::quote;

/// The hidden first line of a sync's pull request, by which the next sync finds it.
pub const PR_MARKER: &str = "<!-- fixloop:sync -->";

/// The hidden first line of a sync's conflict issue, by which the next sync finds it.
pub const ISSUE_MARKER: &str = "<!-- fixloop:sync-conflict -->";

/// Release notes quoted in the body: at most this many lines ...
const NOTES_LINES: usize = 40;
/// ... and characters.
const NOTES_CHARS: usize = 4000;
/// Conflicted files listed in the table (a table of hundreds of rows no one reads, and GitHub
/// refuses bodies over 65,536 characters).
const TABLE_ROWS: usize = 100;
/// Characters of a rationale shown in its cell.
const RATIONALE_CHARS: usize = 300;
/// Reasons listed under the verdict.
const REASONS: usize = 30;

/// What a finished sync did, for its pull request.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncSummary {
    /// The fork, `owner/name`.
    pub fork: String,
    /// Upstream's git URL or path.
    pub upstream: String,
    /// What was merged: a tag, or `branch@sha`.
    pub what: String,
    /// What the previous sync merged (its `Upstream-Tag`), if one did.
    pub previous: Option<String>,
    /// The fork's branch merged into.
    pub base: String,
    /// The pull request's branch.
    pub branch: String,
    /// Upstream's release notes for `what` (may be empty).
    pub release_notes: String,
    /// How each file of the merge was resolved.
    pub files: Vec<FileOutcome>,
    /// The lint and test commands' last runs.
    pub checks: Vec<CheckOutcome>,
    /// What was fixed after the merge, one line each.
    pub fixes: Vec<String>,
    /// Each phase: its name, seconds and US dollars.
    pub phases: Vec<(String, f64, f64)>,
    /// Whether the pull request may be merged as it is.
    pub verdict: Verdict,
    /// The run's id.
    pub run_id: String,
}

/// A sync stopped at its ceiling, for the issue that hands it to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The fork, `owner/name`.
    pub fork: String,
    /// Upstream's git URL or path.
    pub upstream: String,
    /// What was to be merged: a tag, or `branch@sha`.
    pub what: String,
    /// The fork's branch it was to be merged into.
    pub base: String,
    /// The base's commit.
    pub base_commit: String,
    /// Upstream's commit.
    pub upstream_commit: String,
    /// Their merge base.
    pub merge_base: String,
    /// Commits on the base that upstream's commit lacks.
    pub ahead: u32,
    /// Commits on upstream's commit that the base lacks.
    pub behind: u32,
    /// Each file fixloop did not resolve, and why not.
    pub files: Vec<(String, String)>,
    /// What was not run because the sync stopped (lint, tests, ...).
    pub not_run: Vec<String>,
    /// The run's id.
    pub run_id: String,
}

/// The pull request's title: `Sync upstream v1.4.0`.
#[must_use]
pub fn pr_title(s: &SyncSummary) -> String {
    format!("Sync upstream {}", one_line(&s.what))
}

/// The pull request's body: the marker, what was merged (with a compare link for a GitHub
/// upstream), the verdict and its reasons, the release notes (quoted, cut, quiet), the
/// conflicts, the checks, the fixes, the phases, and how to merge it.
#[must_use]
pub fn pr_body(s: &SyncSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{PR_MARKER}");
    let _ = writeln!(
        out,
        "Merges upstream {} into {} of {}, on {}.\n",
        code(&s.what),
        code(&s.base),
        code(&s.fork),
        code(&s.branch)
    );
    let _ = writeln!(out, "{}\n", changes(s));
    verdict_section(&mut out, &s.verdict);
    notes_section(&mut out, s);
    conflicts_section(&mut out, &s.files);
    checks_section(&mut out, &s.checks);
    let _ = writeln!(out, "### Fixes\n");
    if s.fixes.is_empty() {
        let _ = writeln!(out, "None were needed.\n");
    } else {
        for fix in &s.fixes {
            let _ = writeln!(out, "- {}", quiet(&one_line(fix)));
        }
        out.push('\n');
    }
    phases_section(&mut out, &s.phases);
    let _ = writeln!(
        out,
        "---\n\nMerge it with a **merge commit**, not squash or rebase: the merge keeps \
         upstream's history and the `{TAG_TRAILER}` trailer the next sync reads.\n\n\
         <sub>fixloop run {}</sub>",
        code(&s.run_id)
    );
    out
}

/// The compare link (or the two refs) from the previous sync to this one.
fn changes(s: &SyncSummary) -> String {
    let Some(previous) = &s.previous else {
        return format!(
            "No earlier sync was found (no `{TAG_TRAILER}` trailer on `{}`'s history).",
            one_line(&s.base)
        );
    };
    match github_repo(&s.upstream) {
        Some((owner, name)) => format!(
            "Upstream's changes: [{}](https://github.com/{owner}/{name}/compare/{}...{}).",
            code(&format!("{previous}...{}", s.what)),
            url_ref(commit_of(previous)),
            url_ref(commit_of(&s.what))
        ),
        None => format!(
            "Upstream's changes from {} to {} of {}.",
            code(previous),
            code(&s.what),
            code(&s.upstream)
        ),
    }
}

/// The ref GitHub compares by: a tag as it is, `branch@sha` by its commit.
fn commit_of(what: &str) -> &str {
    match what.rsplit_once('@') {
        Some((_, sha)) if !sha.is_empty() && sha.bytes().all(|b| b.is_ascii_hexdigit()) => sha,
        _ => what,
    }
}

fn verdict_section(out: &mut String, verdict: &Verdict) {
    if verdict.ready {
        let _ = writeln!(
            out,
            "**Ready to merge**: every conflict was resolved by a rule or a recorded \
             resolution, and every check passed.\n"
        );
        return;
    }
    let _ = writeln!(out, "**Needs review**:\n");
    for reason in verdict.reasons.iter().take(REASONS) {
        let _ = writeln!(out, "- {}", quiet(&one_line(reason)));
    }
    if verdict.reasons.len() > REASONS {
        let _ = writeln!(out, "- … and {} more.", verdict.reasons.len() - REASONS);
    }
    out.push('\n');
}

fn notes_section(out: &mut String, s: &SyncSummary) {
    let _ = writeln!(out, "### Release notes\n");
    if s.release_notes.trim().is_empty() {
        let _ = writeln!(out, "Upstream wrote none for {}.\n", code(&s.what));
        return;
    }
    let (quoted, cut) = quote_excerpt(&s.release_notes, NOTES_LINES, NOTES_CHARS);
    out.push_str(&quoted);
    out.push('\n');
    if cut {
        let whole = match github_repo(&s.upstream) {
            Some((owner, name)) if commit_of(&s.what) == s.what => format!(
                ": [the release](https://github.com/{owner}/{name}/releases/tag/{})",
                url_ref(&s.what)
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "*Cut at {NOTES_LINES} lines or {NOTES_CHARS} characters; read them whole \
             upstream{whole}.*\n"
        );
    }
}

fn conflicts_section(out: &mut String, files: &[FileOutcome]) {
    let _ = writeln!(out, "### Conflicts\n");
    let conflicted: Vec<&FileOutcome> = files
        .iter()
        .filter(|f| f.resolution != Resolution::Clean)
        .collect();
    if conflicted.is_empty() {
        let _ = writeln!(out, "Merged cleanly: no file conflicted.\n");
        return;
    }
    let _ = writeln!(out, "| file | resolved by | rationale |\n|---|---|---|");
    for file in conflicted.iter().take(TABLE_ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            pipes(&code(&file.path)),
            resolved_by(file.resolution),
            cell(&file.rationale, RATIONALE_CHARS)
        );
    }
    if conflicted.len() > TABLE_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more files; the run's report lists them all.",
            conflicted.len() - TABLE_ROWS
        );
    }
    out.push('\n');
}

fn resolved_by(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::Clean => "no conflict",
        Resolution::Rerere => "rerere (a recorded resolution)",
        Resolution::Ours => "the fork's side (rule)",
        Resolution::Theirs => "upstream's side (rule)",
        Resolution::Regenerate => "regenerated (rule)",
        Resolution::Driver => "merge driver",
        Resolution::Agent => "agent",
        Resolution::Unresolved => "**unresolved**",
    }
}

fn checks_section(out: &mut String, checks: &[CheckOutcome]) {
    let _ = writeln!(out, "### Checks\n");
    if checks.is_empty() {
        let _ = writeln!(out, "None: `[sync]` names no `lint` or `test` commands.\n");
        return;
    }
    let _ = writeln!(out, "| command | result | time |\n|---|---|---|");
    for check in checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            pipes(&code(&check.command)),
            if check.passed { "passed" } else { "**failed**" },
            duration(check.seconds)
        );
    }
    out.push('\n');
}

fn phases_section(out: &mut String, phases: &[(String, f64, f64)]) {
    if phases.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Phases\n\n| phase | time | cost |\n|---|---|---|");
    for (name, seconds, usd) in phases {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(name, 80),
            duration(*seconds),
            dollars(*usd)
        );
    }
    let known = |v: &f64| v.is_finite() && *v >= 0.0;
    let seconds: f64 = phases.iter().map(|p| p.1).filter(known).sum();
    let usd: f64 = phases.iter().map(|p| p.2).filter(known).sum();
    let _ = writeln!(
        out,
        "| **total** | {} | {} |\n",
        duration(seconds),
        dollars(usd)
    );
}

/// The conflict issue's title for the upstream tag (or `branch@sha`) that could not be merged:
/// `fixloop sync: upstream v1.4.0 needs a person`.
#[must_use]
pub fn issue_title(what: &str) -> String {
    format!("fixloop sync: upstream {} needs a person", one_line(what))
}

/// The conflict issue's body: the marker, the refs and commits, the merge base, how far the
/// fork and upstream have gone apart, each file not resolved and why, what was not run, and
/// what to do (merge by hand, or add a rule to the conventions file and sync again).
#[must_use]
pub fn issue_body(b: &Blocked) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{ISSUE_MARKER}");
    let _ = writeln!(
        out,
        "fixloop could not merge upstream {} into {} of {} by itself: {} left to a person.\n",
        code(&b.what),
        code(&b.base),
        code(&b.fork),
        count(b.files.len(), "file", "files")
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| upstream | {} at {}, commit {} |",
        pipes(&code(&b.upstream)),
        pipes(&code(&b.what)),
        code(&b.upstream_commit)
    );
    let _ = writeln!(
        out,
        "| fork | {} at commit {} |",
        pipes(&code(&b.base)),
        code(&b.base_commit)
    );
    let _ = writeln!(out, "| merge base | {} |", code(&b.merge_base));
    let _ = writeln!(
        out,
        "| divergence | the fork is {} ahead of upstream and {} behind |\n",
        count(b.ahead as usize, "commit", "commits"),
        b.behind
    );
    let _ = writeln!(out, "### Not resolved\n");
    for (path, why) in b.files.iter().take(TABLE_ROWS) {
        let _ = writeln!(out, "- {}: {}", code(path), quiet(&one_line(why)));
    }
    if b.files.len() > TABLE_ROWS {
        let _ = writeln!(out, "- … and {} more.", b.files.len() - TABLE_ROWS);
    }
    out.push('\n');
    if !b.not_run.is_empty() {
        let _ = writeln!(out, "### Not run\n");
        for what in &b.not_run {
            let _ = writeln!(out, "- {}", code(what));
        }
        out.push('\n');
    }
    what_to_do(&mut out, b);
    let _ = writeln!(out, "<sub>fixloop run {}</sub>", code(&b.run_id));
    out
}

fn what_to_do(out: &mut String, b: &Blocked) {
    let what = one_line(&b.what);
    let reference = match what.rsplit_once('@') {
        Some((branch, _)) if commit_of(&what) != what => format!("refs/heads/{branch}"),
        _ => format!("refs/tags/{what}"),
    };
    let commit = one_line(&b.upstream_commit);
    let _ = writeln!(
        out,
        "### What to do\n\nEither merge it by hand, in a checkout of the fork:\n\n```sh\n\
         git fetch --no-tags {} {}\ngit switch -c {} {}\ngit merge --no-ff {}\n\
         # resolve the conflicts, then:\n\
         git commit --no-edit --trailer {} --trailer {}\n```\n",
        quote(&one_line(&b.upstream)),
        quote(&reference),
        quote(&format!("sync/{what}")),
        quote(&one_line(&b.base)),
        quote(&commit),
        quote(&format!("{TAG_TRAILER}: {what}")),
        quote(&format!("{COMMIT_TRAILER}: {commit}")),
    );
    let _ = writeln!(
        out,
        "then open a pull request into {} and merge it with a merge commit (not squash or \
         rebase), so that the next sync finds the `{TAG_TRAILER}` trailer.\n\n\
         Or add a rule for these paths to the conventions file (`conventions` in `[sync]`, \
         by default `.fixloop/sync.toml`): `ours`, `theirs` or `regenerate` with its `run` \
         command; then run `fixloop sync` again. A conflict in a `protected` path is always \
         left to a person.\n",
        code(&b.base)
    );
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
