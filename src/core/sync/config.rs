//! `[sync]` in `fixloop.toml`: which upstream the fork follows, by tags or a branch, and how a
//! sync is checked. Read strictly (unknown keys refused); `check` refuses the values serde
//! takes but a sync cannot use, naming the key at fault.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::refname::branch_name_fault;
use super::tags::TagPattern;
use crate::core::input::{InputError, is_repo_name, locate_toml_key};

/// `[sync]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SyncSection {
    /// The fork on GitHub, `owner/name`, such as "octo-org/fork".
    pub repo: String,
    /// Upstream's git URL (or a local path), such as
    /// `https://github.com/upstream-org/project.git`.
    pub upstream: String,
    /// A glob over upstream's tag names choosing its releases (default "v*"): `*` within a
    /// segment, `**` across `/`.
    #[serde(default)]
    pub tags: Option<String>,
    /// A regular expression over upstream's tag names, instead of `tags` (not both), such as
    /// "^v\\d+\\.\\d+\\.\\d+$".
    #[serde(default)]
    pub tags_regex: Option<String>,
    /// `true` takes semver pre-release tags (v2.0.0-rc.1) too (default false).
    #[serde(default)]
    pub prereleases: bool,
    /// Follow this upstream branch's head instead of its tags (not with `tags` or `tags-regex`).
    #[serde(default)]
    pub branch: Option<String>,
    /// The fork's branch upstream is merged into (default "main").
    #[serde(default = "default_base")]
    pub base: String,
    /// The conventions file, a path in the fork: notes for the agent and rules per path
    /// (default ".fixloop/sync.toml").
    #[serde(default = "default_conventions")]
    pub conventions: String,
    /// The most conflicted files a sync takes on; more stops it with an issue for a person
    /// (1 to 500, default 20).
    #[serde(default = "default_max_conflicts")]
    #[schemars(range(min = 1, max = 500))]
    pub max_conflicts: u32,
    /// Lint commands, run by the shell in the merged worktree (default none).
    #[serde(default)]
    pub lint: Vec<String>,
    /// Test commands, run by the shell in the merged worktree (default none).
    #[serde(default)]
    pub test: Vec<String>,
    /// Attempts the agent gets at each failing test (1 to 5, default 2).
    #[serde(default = "default_fix_attempts")]
    #[schemars(range(min = 1, max = 5))]
    pub fix_attempts: u32,
    /// The structural merge driver: "auto" uses mergiraf when it is on the PATH; "off" never.
    #[serde(default)]
    pub merge_driver: MergeDriver,
}

/// Whether conflicts go to a structural merge driver before the agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MergeDriver {
    /// mergiraf when it is on the PATH.
    #[default]
    Auto,
    /// Never.
    Off,
}

/// What a sync follows upstream by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// Its newest release tag among those the pattern matches.
    Tags(TagPattern),
    /// The head of this branch.
    Branch(String),
}

/// A `[sync]` value a sync cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[sync] {key}: {message}")]
pub struct SyncConfigError {
    /// The kebab-case key at fault, such as `max-conflicts`.
    pub key: &'static str,
    /// What is wrong with its value.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

/// The highest `max-conflicts`.
pub const MAX_CONFLICTS: u32 = 500;

/// The most attempts at a failing test.
pub const MAX_FIX_ATTEMPTS: u32 = 5;

fn default_base() -> String {
    "main".into()
}

fn default_conventions() -> String {
    ".fixloop/sync.toml".into()
}

fn default_max_conflicts() -> u32 {
    20
}

fn default_fix_attempts() -> u32 {
    2
}

impl SyncSection {
    /// Refuses the values that parse but that a sync cannot use: the first one found.
    pub fn check(&self) -> Result<(), SyncConfigError> {
        let refuse = |key, message: String, hint: &str| {
            Err(SyncConfigError {
                key,
                message,
                hint: hint.to_owned(),
            })
        };
        if !is_repo_name(&self.repo) {
            return refuse(
                "repo",
                format!("`{}` is not owner/name", self.repo),
                "write the fork as GitHub names it, such as \"octo-org/fork\"",
            );
        }
        if self.upstream.trim().is_empty() {
            return refuse(
                "upstream",
                "is empty".into(),
                "write upstream's git URL, such as \"https://github.com/upstream-org/project.git\"",
            );
        }
        if self.tags.is_some() && self.tags_regex.is_some() {
            return refuse(
                "tags-regex",
                "is given together with `tags`".into(),
                "keep one of `tags` (a glob) and `tags-regex` (a regular expression)",
            );
        }
        if self.branch.is_some() && (self.tags.is_some() || self.tags_regex.is_some()) {
            return refuse(
                "branch",
                "is given together with `tags` or `tags-regex`".into(),
                "follow either upstream's branch or its tags: remove one",
            );
        }
        if self.tags.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return refuse(
                "tags",
                "is empty: it matches no tag".into(),
                "write a glob over tag names, such as \"v*\", or leave `tags` out",
            );
        }
        if let Some(Err(e)) = self.tags_regex.as_deref().map(regex::Regex::new) {
            return refuse(
                "tags-regex",
                format!("is not a regular expression: {e}"),
                "write a regular expression over tag names, such as \"^v\\\\d+\\\\.\\\\d+\\\\.\\\\d+$\"",
            );
        }
        if !(1..=MAX_CONFLICTS).contains(&self.max_conflicts) {
            return refuse(
                "max-conflicts",
                format!("{} is out of range", self.max_conflicts),
                &format!("write a number from 1 to {MAX_CONFLICTS}"),
            );
        }
        if !(1..=MAX_FIX_ATTEMPTS).contains(&self.fix_attempts) {
            return refuse(
                "fix-attempts",
                format!("{} is out of range", self.fix_attempts),
                &format!("write a number from 1 to {MAX_FIX_ATTEMPTS}"),
            );
        }
        for (key, commands) in [("lint", &self.lint), ("test", &self.test)] {
            if commands.iter().any(|c| c.trim().is_empty()) {
                return refuse(
                    key,
                    "holds an empty command".into(),
                    "remove the empty string, or write the shell command to run",
                );
            }
        }
        for (key, name) in [("base", Some(&self.base)), ("branch", self.branch.as_ref())] {
            if let Some(why) = name.and_then(|n| branch_name_fault(n)) {
                return refuse(
                    key,
                    format!("`{}` is not a branch name: {why}", name.map_or("", |n| n)),
                    "write a branch's name as git takes it, such as \"main\" or \"release/1.x\"",
                );
            }
        }
        Ok(())
    }

    /// What the sync follows: the branch when one is named, else the tags `tags-regex` or `tags`
    /// match (default "v*"). A `tags-regex` that does not compile (which `check` refuses)
    /// follows no tag at all.
    #[must_use]
    pub fn follows(&self) -> Follow {
        if let Some(branch) = &self.branch {
            return Follow::Branch(branch.clone());
        }
        let pattern = match (&self.tags_regex, &self.tags) {
            (Some(regex), _) => regex::Regex::new(regex)
                .map_or_else(|_| TagPattern::Glob(String::new()), TagPattern::Regex),
            (None, Some(glob)) => TagPattern::Glob(glob.clone()),
            (None, None) => TagPattern::default(),
        };
        Follow::Tags(pattern)
    }
}

impl SyncConfigError {
    /// The error as one in the file `file` (whose text is `text`), at the key's line in `[sync]`
    /// (or the table's header, when the key is not written there).
    #[must_use]
    pub fn in_file(&self, file: &str, text: &str) -> InputError {
        let mut error = InputError::new(file, self.message.clone(), self.hint.clone());
        error.field = Some(self.key.to_owned());
        error.at = locate_toml_key(text, "[sync]", 0, self.key);
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(extra: &str) -> SyncSection {
        let text = format!(
            "repo = \"octo-org/fork\"\nupstream = \"https://github.com/up/project.git\"\n{extra}"
        );
        toml::from_str(&text).unwrap()
    }

    fn refused(extra: &str) -> SyncConfigError {
        section(extra).check().unwrap_err()
    }

    #[test]
    fn the_defaults_are_the_contracts() {
        let s = section("");
        assert_eq!(s.base, "main");
        assert_eq!(s.conventions, ".fixloop/sync.toml");
        assert_eq!(s.max_conflicts, 20);
        assert_eq!(s.fix_attempts, 2);
        assert_eq!(s.merge_driver, MergeDriver::Auto);
        assert!(!s.prereleases && s.lint.is_empty() && s.test.is_empty());
        assert_eq!(s.follows(), Follow::Tags(TagPattern::Glob("v*".into())));
        assert_eq!(s.check(), Ok(()));
    }

    #[test]
    fn every_key_is_read_in_kebab_case() {
        let s = section(
            "tags-regex = '^v\\d+$'\nprereleases = true\nbase = \"develop\"\n\
             conventions = \"sync.toml\"\nmax-conflicts = 7\nlint = [\"make lint\"]\n\
             test = [\"make test\"]\nfix-attempts = 5\nmerge-driver = \"off\"\n",
        );
        assert_eq!(s.check(), Ok(()));
        assert_eq!((s.max_conflicts, s.fix_attempts), (7, 5));
        assert_eq!(s.merge_driver, MergeDriver::Off);
        assert_eq!(s.lint, ["make lint"]);
        match s.follows() {
            Follow::Tags(TagPattern::Regex(r)) => assert_eq!(r.as_str(), "^v\\d+$"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_keys_and_values_are_refused_by_the_parser() {
        let text = "repo = \"a/b\"\nupstream = \"u\"\ntag = \"v*\"\n";
        let error = toml::from_str::<SyncSection>(text).unwrap_err();
        assert!(error.message().contains("unknown field `tag`"), "{error}");
        let text = "repo = \"a/b\"\nupstream = \"u\"\nmerge-driver = \"mergiraf\"\n";
        assert!(toml::from_str::<SyncSection>(text).is_err());
        assert!(toml::from_str::<SyncSection>("upstream = \"u\"\n").is_err());
    }

    #[test]
    fn a_branch_is_followed_instead_of_tags() {
        let s = section("branch = \"main\"\n");
        assert_eq!(s.check(), Ok(()));
        assert_eq!(s.follows(), Follow::Branch("main".into()));
        assert_eq!(
            section("tags = \"release-*\"\n").follows(),
            Follow::Tags(TagPattern::Glob("release-*".into()))
        );
    }

    #[test]
    fn the_fork_must_be_owner_slash_name_and_upstream_given() {
        for bad in ["fork", "a/b/c", "/b", "a/", "a b/c", "../x"] {
            let text = format!("repo = \"{bad}\"\nupstream = \"u\"\n");
            let error = toml::from_str::<SyncSection>(&text)
                .unwrap()
                .check()
                .unwrap_err();
            assert_eq!(error.key, "repo", "{bad}");
        }
        let text = "repo = \"a/b\"\nupstream = \"  \"\n";
        let error = toml::from_str::<SyncSection>(text)
            .unwrap()
            .check()
            .unwrap_err();
        assert_eq!(error.key, "upstream");
    }

    #[test]
    fn tags_regex_and_branch_exclude_each_other() {
        assert_eq!(
            refused("tags = \"v*\"\ntags-regex = \"^v\"\n").key,
            "tags-regex"
        );
        assert_eq!(refused("tags = \"v*\"\nbranch = \"main\"\n").key, "branch");
        assert_eq!(
            refused("tags-regex = \"^v\"\nbranch = \"main\"\n").key,
            "branch"
        );
        assert_eq!(refused("tags = \"\"\n").key, "tags");
    }

    #[test]
    fn a_regex_that_does_not_compile_says_why() {
        let error = refused("tags-regex = \"^v(\\\\d+\"\n");
        assert_eq!(error.key, "tags-regex");
        assert!(
            error.message.contains("unclosed group"),
            "{}",
            error.message
        );
        let mut s = section("");
        s.tags_regex = Some("(".into());
        match s.follows() {
            Follow::Tags(pattern) => assert!(!pattern.matches("v1.0.0")),
            Follow::Branch(_) => panic!("follows a branch"),
        }
    }

    #[test]
    fn counts_out_of_range_are_refused() {
        for (extra, key) in [
            ("max-conflicts = 0", "max-conflicts"),
            ("max-conflicts = 501", "max-conflicts"),
            ("fix-attempts = 0", "fix-attempts"),
            ("fix-attempts = 6", "fix-attempts"),
        ] {
            let error = refused(&format!("{extra}\n"));
            assert_eq!(error.key, key, "{extra}");
            assert!(error.hint.contains("from 1 to"), "{}", error.hint);
        }
        assert_eq!(
            section("max-conflicts = 500\nfix-attempts = 1\n").check(),
            Ok(())
        );
    }

    #[test]
    fn empty_commands_are_refused() {
        assert_eq!(refused("lint = [\"ok\", \"\"]\n").key, "lint");
        assert_eq!(refused("test = [\"  \"]\n").key, "test");
    }

    #[test]
    fn base_and_branch_must_be_branch_names() {
        for bad in ["", "my branch", "a..b", "-main", "a~1", "x.lock"] {
            assert_eq!(refused(&format!("base = {bad:?}\n")).key, "base", "{bad:?}");
            assert_eq!(refused(&format!("branch = {bad:?}\n")).key, "branch");
        }
        let error = refused("base = \"a b\"\n");
        assert!(
            error
                .message
                .contains("not a branch name: it holds a space")
        );
        assert_eq!(section("base = \"release/1.x\"\n").check(), Ok(()));
    }

    #[test]
    fn an_error_points_at_its_key_in_the_file() {
        let text = "[watch]\nmax-conflicts = 1\n\n[sync]\nrepo = \"a/b\"\nupstream = \"u\"\n  \
                    max-conflicts = 900\n";
        let error = refused("max-conflicts = 900\n").in_file("fixloop.toml", text);
        assert_eq!(error.at, Some((7, 3)));
        assert_eq!(error.field.as_deref(), Some("max-conflicts"));
        assert!(
            error
                .to_string()
                .starts_with("fixloop.toml:7:3: field `max-conflicts`")
        );
        let defaulted = refused("fix-attempts = 0\n").in_file("fixloop.toml", "[sync]\n");
        assert_eq!(
            defaulted.at,
            Some((1, 1)),
            "the header when the key is not written"
        );
    }

    #[test]
    fn the_schema_describes_every_key() {
        let schema = serde_json::to_value(schemars::schema_for!(SyncSection)).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        for key in [
            "repo",
            "upstream",
            "tags",
            "tags-regex",
            "prereleases",
            "branch",
            "base",
            "conventions",
            "max-conflicts",
            "lint",
            "test",
            "fix-attempts",
            "merge-driver",
        ] {
            let property = &properties[key];
            let described = property.get("description").is_some()
                || property.get("$ref").is_some()
                || property.get("allOf").is_some();
            assert!(described, "{key}: {property}");
        }
        assert_eq!(properties.len(), 13);
        assert_eq!(properties["max-conflicts"]["maximum"], 500);
    }
}
