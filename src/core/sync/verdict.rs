//! Whether a sync's pull request is ready to merge as it is, or needs a person to read it
//! first, and why: how each conflict was resolved, the checks, and what the agent edited.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conventions::Conventions;

/// The label every sync PR carries.
pub const SYNC_LABEL: &str = "automated-sync";
/// The verdict's labels: ready to merge, or needing a person's review.
pub const READY: &str = "ready";
pub const NEEDS_REVIEW: &str = "needs-review";

/// How a conflicted file was resolved, in the order the sync tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// It did not conflict.
    Clean,
    /// git's rerere replayed a resolution recorded before.
    Rerere,
    /// The fork's side, by a conventions rule.
    Ours,
    /// Upstream's side, by a conventions rule.
    Theirs,
    /// Made again by a conventions rule's command.
    Regenerate,
    /// The structural merge driver (mergiraf).
    Driver,
    /// The agent.
    Agent,
    /// Nothing resolved it.
    Unresolved,
}

impl Resolution {
    /// The name as the journal and the reports write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Rerere => "rerere",
            Self::Ours => "ours",
            Self::Theirs => "theirs",
            Self::Regenerate => "regenerate",
            Self::Driver => "driver",
            Self::Agent => "agent",
            Self::Unresolved => "unresolved",
        }
    }

    /// Whether the resolution followed a recorded decision or a rule, so that no person needs
    /// to read it.
    #[must_use]
    pub fn by_rule(self) -> bool {
        matches!(
            self,
            Self::Clean | Self::Rerere | Self::Ours | Self::Theirs | Self::Regenerate
        )
    }
}

/// How one file of the merge was resolved, and why so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FileOutcome {
    /// The path in the repository.
    pub path: String,
    /// How it was resolved.
    pub resolution: Resolution,
    /// Why so, in a sentence (the rule that matched, or the agent's reason).
    pub rationale: String,
}

/// One lint or test command run on the merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckOutcome {
    /// The shell command.
    pub command: String,
    /// Whether it passed (at the end, after any fixes).
    pub passed: bool,
    /// How long its last run took.
    pub seconds: f64,
}

/// Whether the sync's pull request may be merged as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// No reason stands against it.
    pub ready: bool,
    /// Why a person should read it first, one short sentence each.
    pub reasons: Vec<String>,
}

/// Ready when every conflicted file was resolved by a recorded resolution or a rule (clean,
/// rerere, ours, theirs, regenerate), every check passed, and the agent edited no path the
/// fork owns. Otherwise a reason for each file the driver or the agent resolved (a person
/// reads those), each file left unresolved, each failing check, and each fork-owned path the
/// agent edited.
///
/// Stricter than that in two places, both of which should not happen: a conflicted file under a
/// `protected` rule resolved any way but `clean`, and an agent's edit to a protected path, are
/// reasons too. A path the agent edited is named once however often it is listed.
#[must_use]
pub fn verdict(
    files: &[FileOutcome],
    checks: &[CheckOutcome],
    ai_edited: &[String],
    conventions: &Conventions,
) -> Verdict {
    let mut reasons = Vec::new();
    for file in files {
        let path = &file.path;
        match file.resolution {
            Resolution::Driver => reasons.push(format!(
                "`{path}` was merged by the structural merge driver: a person should read it."
            )),
            Resolution::Agent => reasons.push(format!(
                "`{path}` was resolved by the agent: a person should read it."
            )),
            Resolution::Unresolved => reasons.push(format!("`{path}` is not resolved.")),
            Resolution::Clean => {}
            resolution if conventions.protected(path) => reasons.push(format!(
                "`{path}` is protected by the conventions file but was resolved as `{}`.",
                resolution.as_str()
            )),
            _ => {}
        }
    }
    for check in checks.iter().filter(|c| !c.passed) {
        reasons.push(format!("`{}` failed.", check.command));
    }
    let mut named: Vec<&str> = Vec::new();
    for path in ai_edited {
        if named.contains(&path.as_str()) {
            continue;
        }
        named.push(path);
        if conventions.fork_owned(path) {
            reasons.push(format!(
                "The agent edited `{path}`, which the fork owns (an `ours` rule)."
            ));
        } else if conventions.protected(path) {
            reasons.push(format!(
                "The agent edited `{path}`, which the conventions file protects."
            ));
        }
    }
    Verdict {
        ready: reasons.is_empty(),
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conventions() -> Conventions {
        Conventions::parse(
            "sync.toml",
            "[[rule]]\npaths = [\"branding/**\"]\nstrategy = \"ours\"\n\
             [[rule]]\npaths = [\"LICENSE\"]\nstrategy = \"protected\"\n",
        )
        .unwrap()
    }

    fn file(path: &str, resolution: Resolution) -> FileOutcome {
        FileOutcome {
            path: path.into(),
            resolution,
            rationale: String::new(),
        }
    }

    fn check(command: &str, passed: bool) -> CheckOutcome {
        CheckOutcome {
            command: command.into(),
            passed,
            seconds: 1.0,
        }
    }

    #[test]
    fn resolutions_by_rule_with_passing_checks_are_ready() {
        let files: Vec<FileOutcome> = [
            Resolution::Clean,
            Resolution::Rerere,
            Resolution::Ours,
            Resolution::Theirs,
            Resolution::Regenerate,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, r)| file(&format!("f{i}"), r))
        .collect();
        let v = verdict(&files, &[check("cargo test", true)], &[], &conventions());
        assert_eq!(
            v,
            Verdict {
                ready: true,
                reasons: vec![]
            }
        );
        assert!(verdict(&[], &[], &[], &Conventions::default()).ready);
    }

    #[test]
    fn what_the_driver_or_the_agent_resolved_needs_a_person() {
        let files = [
            file("src/a.rs", Resolution::Driver),
            file("src/b.rs", Resolution::Agent),
            file("src/c.rs", Resolution::Ours),
        ];
        let v = verdict(&files, &[], &[], &conventions());
        assert!(!v.ready);
        assert_eq!(v.reasons.len(), 2);
        assert!(v.reasons[0].contains("`src/a.rs`") && v.reasons[0].contains("merge driver"));
        assert!(v.reasons[1].contains("`src/b.rs`") && v.reasons[1].contains("agent"));
    }

    #[test]
    fn an_unresolved_file_is_never_ready() {
        let v = verdict(
            &[file("x", Resolution::Unresolved)],
            &[],
            &[],
            &Conventions::default(),
        );
        assert_eq!(v.reasons, ["`x` is not resolved."]);
    }

    #[test]
    fn each_failing_check_is_a_reason() {
        let checks = [
            check("cargo clippy", false),
            check("cargo test", true),
            check("npm test", false),
        ];
        let v = verdict(&[], &checks, &[], &Conventions::default());
        assert_eq!(v.reasons, ["`cargo clippy` failed.", "`npm test` failed."]);
    }

    #[test]
    fn the_agent_may_not_edit_what_the_fork_owns() {
        let edited = [
            "src/lib.rs".to_owned(),
            "branding/logo.svg".to_owned(),
            "branding/logo.svg".to_owned(),
            "LICENSE".to_owned(),
        ];
        let v = verdict(&[], &[], &edited, &conventions());
        assert_eq!(v.reasons.len(), 2, "{:?}", v.reasons);
        assert!(v.reasons[0].contains("`branding/logo.svg`") && v.reasons[0].contains("owns"));
        assert!(v.reasons[1].contains("`LICENSE`"));
    }

    #[test]
    fn a_protected_conflict_resolved_by_a_rule_is_still_a_reason() {
        let files = [
            file("LICENSE", Resolution::Theirs),
            file("LICENSE", Resolution::Clean),
        ];
        let v = verdict(&files, &[], &[], &conventions());
        assert_eq!(v.reasons.len(), 1);
        assert!(v.reasons[0].contains("protected"));
    }

    #[test]
    fn resolutions_are_written_in_kebab_case() {
        for r in [
            Resolution::Clean,
            Resolution::Rerere,
            Resolution::Ours,
            Resolution::Theirs,
            Resolution::Regenerate,
            Resolution::Driver,
            Resolution::Agent,
            Resolution::Unresolved,
        ] {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<Resolution>(&json).unwrap(), r);
        }
    }
}
