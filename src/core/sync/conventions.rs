//! The fork's conventions file (`.fixloop/sync.toml` by default): notes the agent reads whole,
//! and rules saying how a conflicted path is resolved. Read strictly, with errors naming the
//! file, the line and the key.

use serde::Deserialize;

use crate::core::ci::publish::glob;
use crate::core::input::{InputError, line_column, locate_toml_key, nearest};

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conventions {
    /// Free text for the agent: how the fork differs, naming, what to keep.
    pub notes: String,
    /// The rules, in file order (the first that matches a path wins).
    pub rules: Vec<Rule>,
}

/// `[[rule]]`: how conflicts in the paths it matches are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Globs over repository paths: `*` within a segment, `**` across segments.
    pub paths: Vec<String>,
    /// What is done with a conflict in them.
    pub strategy: Strategy,
}

/// What is done with a conflict in a rule's paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Fork-owned: the fork's side is taken.
    Ours,
    /// Upstream-owned: upstream's side is taken.
    Theirs,
    /// Never hand-merged: upstream's side is taken, then `run` (a shell command) makes it again.
    Regenerate {
        /// The command that makes the file again, such as `cargo generate-lockfile`.
        run: String,
    },
    /// Never resolved by fixloop: a conflict here stops the sync for a person.
    Protected,
}

impl Strategy {
    /// The strategy's name as the file writes it.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Theirs => "theirs",
            Self::Regenerate { .. } => "regenerate",
            Self::Protected => "protected",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    notes: String,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    paths: Vec<String>,
    strategy: RawStrategy,
    #[serde(default)]
    run: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum RawStrategy {
    Ours,
    Theirs,
    Regenerate,
    Protected,
}

impl RawStrategy {
    fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Theirs => "theirs",
            Self::Regenerate => "regenerate",
            Self::Protected => "protected",
        }
    }
}

const STRATEGIES: [&str; 4] = ["ours", "theirs", "regenerate", "protected"];

const SCHEMA_HINT: &str = "the file takes `notes = \"\"\"…\"\"\"` and `[[rule]]` tables with \
                           `paths`, `strategy` and, for `regenerate`, `run`";

impl Conventions {
    /// Reads `text`, the contents of `file`. An empty text has no notes and no rules.
    ///
    /// # Errors
    /// The text is not TOML, has a key the file does not take, or a rule fixloop cannot follow.
    pub fn parse(file: &str, text: &str) -> Result<Self, InputError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
        let mut rules = Vec::with_capacity(raw.rule.len());
        for (i, rule) in raw.rule.into_iter().enumerate() {
            let refuse = |key: &str, message: String, hint: &str| {
                let mut error = InputError::new(file, message, hint);
                error.field = Some(key.to_owned());
                error.at = locate_toml_key(text, "[[rule]]", i, key);
                error
            };
            if rule.paths.is_empty() {
                return Err(refuse(
                    "paths",
                    "is empty: the rule matches nothing".into(),
                    "list the paths it covers, such as paths = [\"branding/**\", \"README.md\"]",
                ));
            }
            if rule.paths.iter().any(|p| p.trim().is_empty()) {
                return Err(refuse(
                    "paths",
                    "holds an empty pattern".into(),
                    "remove the empty string, or write a path or glob such as \"docs/**\"",
                ));
            }
            let run = rule.run.filter(|r| !r.trim().is_empty());
            let strategy = match (rule.strategy, run) {
                (RawStrategy::Regenerate, Some(run)) => Strategy::Regenerate { run },
                (RawStrategy::Regenerate, None) => {
                    return Err(refuse(
                        "run",
                        "is missing: a `regenerate` rule needs the command that makes the \
                         files again"
                            .into(),
                        "write it, such as run = \"cargo generate-lockfile\"",
                    ));
                }
                (other, Some(_)) => {
                    return Err(refuse(
                        "run",
                        format!("is only for `regenerate`, not `{}`", other.name()),
                        "remove `run`, or make the strategy \"regenerate\"",
                    ));
                }
                (RawStrategy::Ours, None) => Strategy::Ours,
                (RawStrategy::Theirs, None) => Strategy::Theirs,
                (RawStrategy::Protected, None) => Strategy::Protected,
            };
            rules.push(Rule {
                paths: rule.paths,
                strategy,
            });
        }
        Ok(Self {
            notes: raw.notes,
            rules,
        })
    }

    /// The first rule (in file order) with a glob matching `path`.
    #[must_use]
    pub fn rule_for(&self, path: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|rule| rule.paths.iter().any(|pattern| glob(pattern, path)))
    }

    /// Whether the fork owns `path`: the rule for it takes the fork's side.
    #[must_use]
    pub fn fork_owned(&self, path: &str) -> bool {
        self.rule_for(path)
            .is_some_and(|rule| rule.strategy == Strategy::Ours)
    }

    /// Whether fixloop may never resolve `path`: the rule for it is `protected`.
    #[must_use]
    pub fn protected(&self, path: &str) -> bool {
        self.rule_for(path)
            .is_some_and(|rule| rule.strategy == Strategy::Protected)
    }
}

/// A TOML or shape error with its line and column, and the key when serde names one.
fn syntax_error(file: &str, text: &str, error: &toml::de::Error) -> InputError {
    let message = error.message().trim().to_owned();
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    let unknown_strategy = message
        .strip_prefix("unknown variant `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    let hint = match (&unknown, &unknown_strategy) {
        (Some(key), _) => match nearest(key, &["notes", "rule", "paths", "strategy", "run"]) {
            Some(near) => format!("did you mean `{near}`? {SCHEMA_HINT}"),
            None => SCHEMA_HINT.to_owned(),
        },
        (None, Some(_)) => format!("the strategies are: {}", STRATEGIES.join(", ")),
        (None, None) => SCHEMA_HINT.to_owned(),
    };
    let mut out = InputError::new(file, message, hint);
    out.at = error.span().map(|span| line_column(text, span));
    out.field = unknown.or_else(|| unknown_strategy.map(|_| "strategy".to_owned()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = ".fixloop/sync.toml";

    const CONTRACT: &str = r#"notes = """Free text for the agent."""
[[rule]]
paths = ["branding/**", "README.md"]
strategy = "ours"
[[rule]]
paths = ["vendor/**"]
strategy = "theirs"
[[rule]]
paths = ["Cargo.lock", "package-lock.json"]
strategy = "regenerate"
run = "cargo generate-lockfile"
[[rule]]
paths = ["LICENSE", "SECURITY.md"]
strategy = "protected"
"#;

    fn refused(text: &str) -> InputError {
        Conventions::parse(FILE, text).unwrap_err()
    }

    #[test]
    fn the_contracts_example_is_read_whole() {
        let c = Conventions::parse(FILE, CONTRACT).unwrap();
        assert_eq!(c.notes, "Free text for the agent.");
        let strategies: Vec<&str> = c.rules.iter().map(|r| r.strategy.as_str()).collect();
        assert_eq!(strategies, ["ours", "theirs", "regenerate", "protected"]);
        assert_eq!(
            c.rules[2].strategy,
            Strategy::Regenerate {
                run: "cargo generate-lockfile".into()
            }
        );
        assert_eq!(c.rules[0].paths, ["branding/**", "README.md"]);
    }

    #[test]
    fn an_empty_file_has_no_rules() {
        for text in ["", "\n\n", "# nothing yet\n"] {
            assert_eq!(Conventions::parse(FILE, text), Ok(Conventions::default()));
        }
        let notes_only = Conventions::parse(FILE, "notes = \"keep our logo\"\n").unwrap();
        assert!(notes_only.rules.is_empty());
        assert_eq!(notes_only.rule_for("anything"), None);
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let text = "[[rule]]\npaths = [\"docs/internal/**\"]\nstrategy = \"ours\"\n\
                    [[rule]]\npaths = [\"docs/**\"]\nstrategy = \"theirs\"\n";
        let c = Conventions::parse(FILE, text).unwrap();
        assert_eq!(
            c.rule_for("docs/internal/a/b.md").map(|r| &r.strategy),
            Some(&Strategy::Ours)
        );
        assert_eq!(
            c.rule_for("docs/guide.md").map(|r| &r.strategy),
            Some(&Strategy::Theirs)
        );
        assert_eq!(c.rule_for("src/main.rs"), None);
    }

    #[test]
    fn globs_are_the_publish_globs() {
        let c = Conventions::parse(FILE, CONTRACT).unwrap();
        assert!(c.fork_owned("branding/logo.svg"));
        assert!(c.fork_owned("branding/deep/er/logo.svg"));
        assert!(c.fork_owned("README.md"));
        assert!(
            !c.fork_owned("docs/README.md"),
            "a bare name is a root path"
        );
        assert!(!c.fork_owned("vendor/lib.c"));
        assert!(!c.fork_owned("src/lib.rs"));
        assert!(c.protected("LICENSE") && !c.protected("LICENSE.md"));
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let e = refused("[[rule]]\npaths = [\"a\"]\nstrategy = \"ours\"\npath = [\"b\"]\n");
        assert_eq!(e.field.as_deref(), Some("path"));
        assert_eq!(e.at.map(|(line, _)| line), Some(4));
        assert!(e.hint.contains("did you mean `paths`?"), "{}", e.hint);
        let top = refused("note = \"x\"\n");
        assert_eq!(top.field.as_deref(), Some("note"));
        assert!(
            top.to_string().starts_with(".fixloop/sync.toml:1:"),
            "{top}"
        );
    }

    #[test]
    fn unknown_strategies_and_wrong_types_are_refused() {
        let e = refused("[[rule]]\npaths = [\"a\"]\nstrategy = \"mine\"\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(3));
        assert_eq!(e.field.as_deref(), Some("strategy"));
        assert!(e.hint.contains("ours, theirs, regenerate, protected"));
        let e = refused("[[rule]]\npaths = \"a\"\nstrategy = \"ours\"\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(2));
        let e = refused("[[rule]]\npaths = [\"a\"]\n");
        assert!(e.message.contains("strategy"), "{}", e.message);
        let e = refused("[[rule]\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(1));
    }

    #[test]
    fn regenerate_needs_run_and_nothing_else_takes_it() {
        let text = "[[rule]]\npaths = [\"a\"]\nstrategy = \"ours\"\n\n\
                    [[rule]]\npaths = [\"Cargo.lock\"]\nstrategy = \"regenerate\"\n";
        let e = refused(text);
        assert_eq!(e.field.as_deref(), Some("run"));
        assert_eq!(e.at, Some((5, 1)), "the rule's header: run is not written");
        let blank = refused("[[rule]]\npaths = [\"a\"]\nstrategy = \"regenerate\"\nrun = \" \"\n");
        assert_eq!(blank.field.as_deref(), Some("run"));
        for strategy in ["ours", "theirs", "protected"] {
            let text =
                format!("[[rule]]\npaths = [\"a\"]\nstrategy = \"{strategy}\"\nrun = \"x\"\n");
            let e = refused(&text);
            assert_eq!(e.field.as_deref(), Some("run"));
            assert_eq!(e.at, Some((4, 1)));
            assert!(e.message.contains(strategy), "{}", e.message);
        }
    }

    #[test]
    fn a_rule_must_name_paths() {
        let e = refused("[[rule]]\npaths = []\nstrategy = \"ours\"\n");
        assert_eq!((e.field.as_deref(), e.at), (Some("paths"), Some((2, 1))));
        let e = refused("[[rule]]\npaths = [\"a\", \"\"]\nstrategy = \"theirs\"\n");
        assert_eq!(e.field.as_deref(), Some("paths"));
        assert!(e.to_string().contains(FILE));
    }
}
