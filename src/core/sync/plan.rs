//! What `fixloop sync --hold-push --out DIR` leaves for `fixloop sync publish DIR`: the plan
//! (`plan.json`: the sync PR's text and labels, or the blocked sync's issue) beside a git bundle
//! of the sync branch. The folder was written by a job that ran the fork's and upstream's code,
//! so publish takes nothing in it on trust: the plan must agree with the `[sync]` section of the
//! checkout publish runs in, the branch must be the merge of the named commits plus fixloop's
//! fixes, and every path where it differs from git's own merge of the two must be one the plan
//! declares (a conflicted file, a fix) — never a workflow file blended by anyone.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::config::SyncSection;
use super::refname::branch_name_fault;
use super::verdict::{NEEDS_REVIEW, READY, SYNC_LABEL};

/// The plan's file in the folder.
pub const PLAN_FILE: &str = "plan.json";
/// The bundle's file in the folder.
pub const BUNDLE_FILE: &str = "sync.bundle";
/// The ref the branch travels under in the bundle (a bundle carries refs, not bare commits).
pub const BUNDLE_REF: &str = "refs/fixloop/sync-held";
/// The plan's format.
pub const PLAN_VERSION: u32 = 1;
/// What every sync branch's name starts with.
pub const BRANCH_PREFIX: &str = "fixloop/sync/";
/// The labels a sync PR may carry.
pub const LABELS: [&str; 3] = [SYNC_LABEL, READY, NEEDS_REVIEW];
/// GitHub's limit on a PR's or an issue's body.
const BODY_LIMIT: usize = 65_536;
const TITLE_LIMIT: usize = 256;

/// The plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub version: u32,
    pub run_id: String,
    /// The fork, `owner/name`.
    pub fork: String,
    pub upstream: String,
    /// The release (or `branch@commit`) merged.
    pub what: String,
    pub base: String,
    pub base_commit: String,
    pub upstream_commit: String,
    pub held: Held,
}

/// What publish is to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Held {
    /// Push the branch and open (or update) its PR.
    Pr {
        branch: String,
        /// The branch's tip: the merge, and fixloop's fixes on it.
        commit: String,
        /// The paths where the tip may differ from git's own merge of the two commits: the
        /// conflicted files (however resolved) and the files of fixloop's fixes.
        declared: Vec<String>,
        title: String,
        body: String,
        draft: bool,
        labels: Vec<String>,
        drop_labels: Vec<String>,
    },
    /// Open (or update) the one sync-conflict issue; nothing is pushed.
    Issue {
        title: String,
        body: String,
        reasons: Vec<String>,
    },
}

impl Plan {
    /// Reads `text`, the file `file`.
    pub fn parse(file: &str, text: &str) -> Result<Self, String> {
        let plan: Self = serde_json::from_str(text)
            .map_err(|e| format!("{file}: line {}, column {}: {e}", e.line(), e.column()))?;
        if plan.version != PLAN_VERSION {
            return Err(format!(
                "{file}: version {} is not one this fixloop reads ({PLAN_VERSION})",
                plan.version
            ));
        }
        Ok(plan)
    }

    /// Why the plan cannot be published under `config` (the checkout's own `[sync]`), if it
    /// cannot: another fork, upstream or base, a branch that is not a sync branch, labels that
    /// are not a sync's, commits that are not commit ids, text over GitHub's limits.
    #[must_use]
    pub fn disagreement(&self, config: &SyncSection) -> Option<String> {
        let field = |name: &str, plan: &str, ours: &str| {
            (plan != ours).then(|| {
                format!("its {name} is `{plan}`, and the [sync] section here says `{ours}`")
            })
        };
        field("fork", &self.fork, &config.repo)
            .or_else(|| field("upstream", &self.upstream, &config.upstream))
            .or_else(|| field("base", &self.base, &config.base))
            .or_else(|| {
                [
                    ("base_commit", &self.base_commit),
                    ("upstream_commit", &self.upstream_commit),
                ]
                .into_iter()
                .find(|(_, c)| !is_commit_id(c))
                .map(|(name, c)| format!("its {name} `{c}` is not a commit id"))
            })
            .or_else(|| {
                branch_name_fault(&self.what)
                    .map(|why| format!("what it merged, `{}`, is not a ref name: {why}", self.what))
            })
            .or_else(|| self.held.fault())
    }
}

impl Held {
    fn fault(&self) -> Option<String> {
        let (title, body) = match self {
            Self::Pr { title, body, .. } | Self::Issue { title, body, .. } => (title, body),
        };
        if title.trim().is_empty() || title.len() > TITLE_LIMIT || title.contains('\n') {
            return Some("its title is empty, too long or more than one line".into());
        }
        if body.len() > BODY_LIMIT {
            return Some(format!("its body is over GitHub's {BODY_LIMIT} characters"));
        }
        let Self::Pr {
            branch,
            commit,
            labels,
            drop_labels,
            declared,
            ..
        } = self
        else {
            return None;
        };
        let Some(rest) = branch.strip_prefix(BRANCH_PREFIX) else {
            return Some(format!(
                "its branch `{branch}` is not a sync branch ({BRANCH_PREFIX}…)"
            ));
        };
        if rest.is_empty() {
            return Some("its branch has no name after the prefix".into());
        }
        if let Some(why) = branch_name_fault(branch) {
            return Some(format!("its branch `{branch}` is not a branch name: {why}"));
        }
        if !is_commit_id(commit) {
            return Some(format!("its commit `{commit}` is not a commit id"));
        }
        if let Some(label) = labels
            .iter()
            .chain(drop_labels)
            .find(|l| !LABELS.contains(&l.as_str()))
        {
            return Some(format!("`{label}` is not a label a sync PR carries"));
        }
        if let Some(path) = declared.iter().find(|p| !is_plain_path(p)) {
            return Some(format!(
                "its declared path `{path}` is not a path in a tree"
            ));
        }
        None
    }
}

/// A full commit id (SHA-1 or SHA-256), in lower case.
#[must_use]
pub fn is_commit_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A path a person can read as it is in a PR's text: no control character, no character that
/// stood for bytes that were not UTF-8, nothing that closes a code span or opens markup.
#[must_use]
pub fn is_shown_path(path: &str) -> bool {
    !path
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{FFFD}' | '`' | '<' | '>'))
}

/// A relative path with no `.` or `..` part, shown as it is.
fn is_plain_path(path: &str) -> bool {
    is_shown_path(path)
        && !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// A branch checked against git's own merge of its two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    /// The paths where the branch's tip differs from git's merge (with markers where it
    /// conflicted).
    pub differing: Vec<String>,
    /// For each differing workflow file: whether its content at the tip is the fork's or
    /// upstream's as it was (a blob of one side, or absent as on one side).
    pub workflows_one_side: Vec<(String, bool)>,
}

/// Why the branch may not be published, if it may not: a path that differs from git's merge
/// without the plan declaring it, or a workflow file that is neither side's.
#[must_use]
pub fn refusal(compared: &Compared, declared: &[String]) -> Option<String> {
    let undeclared: Vec<&str> = compared
        .differing
        .iter()
        .filter(|p| !declared.contains(p))
        .map(String::as_str)
        .collect();
    if !undeclared.is_empty() {
        return Some(format!(
            "the branch changes {} beyond git's merge of the two commits, and the plan does not \
             say so: {}",
            plural(undeclared.len(), "path"),
            shown(&undeclared)
        ));
    }
    let blended: Vec<&str> = compared
        .workflows_one_side
        .iter()
        .filter(|(_, one_side)| !one_side)
        .map(|(p, _)| p.as_str())
        .collect();
    if !blended.is_empty() {
        return Some(format!(
            "files under .github/ on the branch are neither the fork's (as its base is now) nor \
             upstream's: {} (a sync pushes upstream's workflows and actions as they are, or \
             leaves the fork's; merge this release by hand)",
            shown(&blended)
        ));
    }
    None
}

/// What to say when upstream's change to workflow files (`files`) cannot be pushed with the
/// token at hand, and what to do: the message and the hint.
#[must_use]
pub fn workflow_scope_refusal(files: &[String]) -> (String, String) {
    (
        format!(
            "upstream's release changes workflow files ({}), and this token may not push them: \
             nothing was pushed",
            files.join(", ")
        ),
        "give fixloop a token that may: a GitHub App token with the `workflows` permission, or \
         a personal access token with the `workflow` scope, in FIXLOOP_SYNC_TOKEN"
            .to_owned(),
    )
}

/// Why the first-parent line from the branch's tip back to `base_commit` is not one merge of
/// `base_commit` and `upstream_commit` with single-parent commits (fixloop's fixes) on it.
/// `line` is `git rev-list --first-parent --parents TIP --not BASE`: each commit and its
/// parents, newest first. The merge commit's id, when it is.
pub fn merge_of(
    line: &[Vec<String>],
    base_commit: &str,
    upstream_commit: &str,
) -> Result<String, String> {
    let Some((merge, fixes)) = line.split_last() else {
        return Err("the branch has no commit the base does not have".into());
    };
    if let Some(other) = fixes.iter().find(|c| c.len() != 2) {
        return Err(format!(
            "commit {} on the branch is a merge or a root, not one of fixloop's fixes",
            short(other.first().map_or("?", String::as_str))
        ));
    }
    match merge.as_slice() {
        [id, first, second] if first == base_commit && second == upstream_commit => Ok(id.clone()),
        [id, ..] => Err(format!(
            "the branch's first commit after the base, {}, is not the merge of {} and {}",
            short(id),
            short(base_commit),
            short(upstream_commit)
        )),
        [] => Err("git listed an empty line".into()),
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The first few paths, and how many more.
fn shown(paths: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        let _ = write!(text, " and {} more", paths.len() - SHOWN);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const M: &str = "cccccccccccccccccccccccccccccccccccccccc";
    const F: &str = "dddddddddddddddddddddddddddddddddddddddd";

    fn config() -> SyncSection {
        serde_json::from_value(serde_json::json!({
            "repo": "acme/fork",
            "upstream": "https://example.com/up.git",
        }))
        .expect("config")
    }

    fn plan() -> Plan {
        Plan {
            version: PLAN_VERSION,
            run_id: "r1".into(),
            fork: "acme/fork".into(),
            upstream: "https://example.com/up.git".into(),
            what: "v1.2.0".into(),
            base: "main".into(),
            base_commit: A.into(),
            upstream_commit: B.into(),
            held: Held::Pr {
                branch: "fixloop/sync/v1.2.0".into(),
                commit: M.into(),
                declared: vec!["src/lib.rs".into()],
                title: "Sync upstream v1.2.0".into(),
                body: "body".into(),
                draft: false,
                labels: vec!["automated-sync".into(), "ready".into()],
                drop_labels: vec!["needs-review".into()],
            },
        }
    }

    fn line(ids: &[&[&str]]) -> Vec<Vec<String>> {
        ids.iter()
            .map(|c| c.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    #[test]
    fn a_plan_reads_back_and_agrees_with_its_own_section() {
        let text = serde_json::to_string_pretty(&plan()).expect("json");
        let read = Plan::parse("plan.json", &text).expect("parse");
        assert_eq!(read, plan());
        assert_eq!(read.disagreement(&config()), None);
    }

    #[test]
    fn a_plan_for_another_fork_branch_or_label_is_refused() {
        let mut other = plan();
        other.fork = "mallory/fork".into();
        assert!(
            other
                .disagreement(&config())
                .expect("fork")
                .contains("fork")
        );
        let mut branch = plan();
        if let Held::Pr { branch, .. } = &mut branch.held {
            *branch = "main".into();
        }
        assert!(
            branch
                .disagreement(&config())
                .expect("branch")
                .contains("not a sync branch")
        );
        let mut label = plan();
        if let Held::Pr { labels, .. } = &mut label.held {
            labels.push("security-approved".into());
        }
        assert!(
            label
                .disagreement(&config())
                .expect("label")
                .contains("security-approved")
        );
        let mut path = plan();
        if let Held::Pr { declared, .. } = &mut path.held {
            declared.push("../outside".into());
        }
        assert!(path.disagreement(&config()).is_some());
    }

    #[test]
    fn an_unknown_field_or_version_names_the_file() {
        let mut value = serde_json::to_value(plan()).expect("json");
        value["extra"] = serde_json::json!(1);
        let err = Plan::parse("out/plan.json", &value.to_string()).expect_err("extra");
        assert!(err.starts_with("out/plan.json: line 1"), "{err}");
        value.as_object_mut().expect("object").remove("extra");
        value["version"] = serde_json::json!(9);
        let err = Plan::parse("out/plan.json", &value.to_string()).expect_err("version");
        assert!(err.contains("version 9"), "{err}");
    }

    #[test]
    fn the_line_must_be_one_merge_of_the_two_with_fixes_above() {
        assert_eq!(merge_of(&line(&[&[M, A, B]]), A, B), Ok(M.to_owned()));
        assert_eq!(
            merge_of(&line(&[&[F, M], &[M, A, B]]), A, B),
            Ok(M.to_owned())
        );
        // A merge of something else, a second merge above, a plain commit instead.
        assert!(merge_of(&line(&[&[M, A, F]]), A, B).is_err());
        assert!(merge_of(&line(&[&[F, M, A], &[M, A, B]]), A, B).is_err());
        assert!(merge_of(&line(&[&[M, A]]), A, B).is_err());
        assert!(merge_of(&[], A, B).is_err());
    }

    #[test]
    fn undeclared_paths_and_blended_workflows_are_refused() {
        let mut compared = Compared {
            differing: vec!["src/lib.rs".into()],
            workflows_one_side: vec![],
        };
        assert_eq!(refusal(&compared, &["src/lib.rs".into()]), None);
        compared.differing.push("build.rs".into());
        let why = refusal(&compared, &["src/lib.rs".into()]).expect("undeclared");
        assert!(why.contains("build.rs"), "{why}");
        compared.differing.pop();
        compared
            .workflows_one_side
            .push((".github/workflows/ci.yml".into(), false));
        let why = refusal(&compared, &["src/lib.rs".into()]).expect("blended");
        assert!(why.contains("ci.yml"), "{why}");
        compared.workflows_one_side[0].1 = true;
        assert_eq!(refusal(&compared, &["src/lib.rs".into()]), None);
    }
}
