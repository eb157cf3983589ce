//! Upstream's release tags: which ones the fork follows, the version each names, and the newest
//! one not yet merged.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use semver::{BuildMetadata, Prerelease, Version};

use crate::core::ci::publish::glob;

/// Which of upstream's tags are releases the fork follows.
#[derive(Debug, Clone)]
pub enum TagPattern {
    /// A glob over the tag's name: `*` within a segment, `**` across `/`.
    Glob(String),
    /// A regular expression searched in the tag's name (anchor it with `^…$` to match whole).
    Regex(regex::Regex),
}

impl Default for TagPattern {
    fn default() -> Self {
        Self::Glob("v*".into())
    }
}

/// Two patterns are equal when they are written the same.
impl PartialEq for TagPattern {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Glob(a), Self::Glob(b)) => a == b,
            (Self::Regex(a), Self::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl Eq for TagPattern {}

impl TagPattern {
    /// Whether `tag` (a name, without `refs/tags/`) is one the fork follows.
    #[must_use]
    pub fn matches(&self, tag: &str) -> bool {
        match self {
            Self::Glob(pattern) => glob(pattern, tag),
            Self::Regex(regex) => regex.is_match(tag),
        }
    }
}

/// The version a tag names: `v1.4.0`, `1.4.0`, `release-1.4`, `project-v2`, `go/v1.2.3-rc.1+b7`.
///
/// What comes before the first digit is a prefix, taken when it is `v` (or `V`), or words that
/// end in `-`, `_`, `/` or `.`, optionally followed by `v`. Other prefixes name no version, so
/// that a name such as `main@abc1234` or `deadbeef12` is never read as one. Then one to three
/// numbers (`1` is 1.0.0, `1.2` is 1.2.0; leading zeros are read as numbers, as `CalVer` tags write
/// them), and a semver pre-release (`-rc.1`) and build metadata (`+build.5`) as semver says.
#[must_use]
pub fn version_of(tag: &str) -> Option<Version> {
    let start = tag.find(|c: char| c.is_ascii_digit())?;
    let (prefix, rest) = tag.split_at(start);
    if !is_prefix(prefix) {
        return None;
    }
    let (rest, build) = match rest.split_once('+') {
        Some((_, "")) => return None,
        Some((rest, build)) => (rest, BuildMetadata::new(build).ok()?),
        None => (rest, BuildMetadata::EMPTY),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((_, "")) => return None,
        Some((core, pre)) => (core, Prerelease::new(pre).ok()?),
        None => (rest, Prerelease::EMPTY),
    };
    let mut numbers = [0_u64; 3];
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return None;
    }
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    let [major, minor, patch] = numbers;
    Some(Version {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

/// `v`, `V`, or words ending in a separator (then maybe `v`): what may stand before a version.
fn is_prefix(prefix: &str) -> bool {
    let words = prefix
        .strip_suffix(['v', 'V'])
        .filter(|w| w.is_empty() || w.ends_with(['-', '_', '/', '.']))
        .unwrap_or(prefix);
    words.is_empty()
        || (words.ends_with(['-', '_', '/', '.'])
            && words
                .chars()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, '-' | '_' | '/' | '.')))
}

/// The prefix of a tag that names a version: `v`, `release-`, or nothing.
fn prefix_of(tag: &str) -> &str {
    tag.find(|c: char| c.is_ascii_digit())
        .map_or(tag, |i| &tag[..i])
}

/// The newest release among `tags`: those `pattern` matches that name a version (pre-releases
/// only when `prereleases`), the highest in semver precedence. `None` when there is none, or
/// when it is not newer than `after` (the last tag synced), when `after` names a version; an
/// `after` that names none (a branch's head, say) does not hold anything back.
///
/// Two tags of the same precedence (`v1.2.0` and `1.2.0`, or `1.2.0+a` and `1.2.0+b`): the
/// one whose prefix more of the matching release tags share wins, so a project that writes
/// `v1.0.0`, `v1.1.0`, `v1.2.0` and once `1.2.0` is followed by its `v` tags; when that is
/// even too, the lexically greatest name wins. The answer never depends on the order of `tags`.
#[must_use]
pub fn newest(
    tags: &[String],
    pattern: &TagPattern,
    prereleases: bool,
    after: Option<&str>,
) -> Option<String> {
    let releases: Vec<(&str, Version)> = tags
        .iter()
        .filter(|tag| pattern.matches(tag))
        .filter_map(|tag| version_of(tag).map(|v| (tag.as_str(), v)))
        .filter(|(_, v)| prereleases || v.pre.is_empty())
        .collect();
    let mut prefixes: BTreeMap<&str, usize> = BTreeMap::new();
    for (tag, _) in &releases {
        *prefixes.entry(prefix_of(tag)).or_default() += 1;
    }
    let sharing = |tag: &str| prefixes.get(prefix_of(tag)).copied().unwrap_or_default();
    let (tag, version) = releases.iter().max_by(|(a, va), (b, vb)| {
        va.cmp_precedence(vb)
            .then_with(|| sharing(a).cmp(&sharing(b)))
            .then_with(|| a.cmp(b))
    })?;
    let newer = after
        .and_then(version_of)
        .is_none_or(|last| version.cmp_precedence(&last) == Ordering::Greater);
    newer.then(|| (*tag).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn tags(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn regex(text: &str) -> TagPattern {
        TagPattern::Regex(regex::Regex::new(text).unwrap())
    }

    #[test]
    fn versions_are_read_behind_the_usual_prefixes() {
        for (tag, want) in [
            ("v1.4.0", "1.4.0"),
            ("V1.4.0", "1.4.0"),
            ("1.4.0", "1.4.0"),
            ("release-1.4.0", "1.4.0"),
            ("project-v2.0.1", "2.0.1"),
            ("project_3.1.4", "3.1.4"),
            ("go/v1.2.3", "1.2.3"),
            ("cli/release.7.0.0", "7.0.0"),
        ] {
            assert_eq!(version_of(tag), Some(v(want)), "{tag}");
        }
    }

    #[test]
    fn short_versions_are_padded_with_zeros() {
        assert_eq!(version_of("v1.2"), Some(v("1.2.0")));
        assert_eq!(version_of("v1"), Some(v("1.0.0")));
        assert_eq!(version_of("release-7"), Some(v("7.0.0")));
        assert_eq!(version_of("2024.01.05"), Some(v("2024.1.5")));
    }

    #[test]
    fn pre_releases_and_build_metadata_are_read_as_semver_says() {
        assert_eq!(version_of("v2.0.0-rc.1"), Some(v("2.0.0-rc.1")));
        assert_eq!(version_of("v2.0-beta"), Some(v("2.0.0-beta")));
        assert_eq!(version_of("v1.0.0+build.5"), Some(v("1.0.0+build.5")));
        assert_eq!(
            version_of("v1.0.0-alpha.1+sha.abc"),
            Some(v("1.0.0-alpha.1+sha.abc"))
        );
        assert_eq!(version_of("v1.0.0-"), None, "an empty pre-release");
        assert_eq!(version_of("v1.0.0-rc..1"), None, "an empty identifier");
    }

    #[test]
    fn names_that_are_not_versions_have_none() {
        for tag in [
            "latest",
            "nightly",
            "v",
            "",
            "v1.2.3.4",
            "v1..2",
            "v1.2.x",
            "v2.0.0rc1",
            "main@abc1234",
            "deadbeef12",
            "rel1.0",
            "dev1.0",
            "v1.0.0+",
        ] {
            assert_eq!(version_of(tag), None, "{tag:?}");
        }
    }

    #[test]
    fn globs_and_regexes_match_tag_names() {
        let glob = TagPattern::default();
        assert!(glob.matches("v1.0.0"));
        assert!(!glob.matches("1.0.0"));
        assert!(!glob.matches("v1/evil"), "`*` stays within a segment");
        let nested = TagPattern::Glob("cli/**".into());
        assert!(nested.matches("cli/v1.0.0"));
        assert!(!nested.matches("lib/v1.0.0"));
        let strict = regex(r"^v\d+\.\d+\.\d+$");
        assert!(strict.matches("v1.2.3"));
        assert!(!strict.matches("v1.2.3-rc.1"));
        assert!(regex(r"\d").matches("anything-1"), "a regex is searched");
    }

    #[test]
    fn the_newest_is_by_semver_not_by_name() {
        let all = tags(&["v1.9.0", "v1.10.0", "v1.2.0", "v0.99.0"]);
        assert_eq!(
            newest(&all, &TagPattern::default(), false, None).as_deref(),
            Some("v1.10.0")
        );
    }

    #[test]
    fn pre_releases_are_taken_only_when_allowed() {
        let all = tags(&["v1.0.0", "v2.0.0-rc.1", "v2.0.0-beta.3", "v1.1.0"]);
        let pattern = TagPattern::default();
        assert_eq!(
            newest(&all, &pattern, false, None).as_deref(),
            Some("v1.1.0")
        );
        assert_eq!(
            newest(&all, &pattern, true, None).as_deref(),
            Some("v2.0.0-rc.1")
        );
        let released = tags(&["v2.0.0-rc.1", "v2.0.0"]);
        assert_eq!(
            newest(&released, &pattern, true, None).as_deref(),
            Some("v2.0.0"),
            "a release is newer than its candidates"
        );
    }

    #[test]
    fn tags_that_name_no_version_or_miss_the_pattern_are_ignored() {
        let all = tags(&["latest", "nightly", "v9.9.9.9", "x9.0.0", "v1.0.0", "1.5.0"]);
        assert_eq!(
            newest(&all, &TagPattern::default(), false, None).as_deref(),
            Some("v1.0.0")
        );
        assert_eq!(
            newest(
                &tags(&["latest", "nightly"]),
                &TagPattern::default(),
                true,
                None
            ),
            None
        );
        assert_eq!(newest(&[], &TagPattern::default(), true, None), None);
    }

    #[test]
    fn a_regex_pattern_chooses_among_prefixes() {
        let all = tags(&["cli-v3.0.0", "lib-v5.0.0", "cli-v3.1.0", "lib-v5.1.0"]);
        assert_eq!(
            newest(&all, &regex(r"^cli-v"), false, None).as_deref(),
            Some("cli-v3.1.0")
        );
        let stable_only = regex(r"^v\d+\.\d+\.\d+$");
        let mixed = tags(&["v1.0.0", "v2.0.0-rc.1"]);
        assert_eq!(
            newest(&mixed, &stable_only, true, None).as_deref(),
            Some("v1.0.0"),
            "the regex already leaves pre-releases out"
        );
    }

    #[test]
    fn nothing_is_newer_than_the_tag_already_synced() {
        let all = tags(&["v1.0.0", "v1.1.0", "v1.2.0"]);
        let pattern = TagPattern::default();
        assert_eq!(newest(&all, &pattern, false, Some("v1.2.0")), None);
        assert_eq!(newest(&all, &pattern, false, Some("v1.3.0")), None);
        assert_eq!(
            newest(&all, &pattern, false, Some("1.2.0")),
            None,
            "the same version under another prefix"
        );
        assert_eq!(
            newest(&all, &pattern, false, Some("v1.1.0")).as_deref(),
            Some("v1.2.0")
        );
        assert_eq!(
            newest(&all, &pattern, false, Some("main@abc1234")).as_deref(),
            Some("v1.2.0"),
            "an `after` without a version holds nothing back"
        );
    }

    #[test]
    fn a_release_is_newer_than_its_synced_pre_release_but_no_pre_release_is_taken_back() {
        let pattern = TagPattern::default();
        let all = tags(&["v1.9.0", "v2.0.0-rc.1", "v2.0.0"]);
        assert_eq!(
            newest(&all, &pattern, false, Some("v2.0.0-rc.1")).as_deref(),
            Some("v2.0.0")
        );
        let before = tags(&["v1.9.0", "v2.0.0-rc.1"]);
        assert_eq!(newest(&before, &pattern, false, Some("v2.0.0-rc.1")), None);
    }

    #[test]
    fn a_tie_goes_to_the_prefix_the_other_releases_use_then_to_the_greatest_name() {
        let pattern = TagPattern::Glob("*".into());
        let v_style = tags(&["v1.0.0", "v1.1.0", "1.2.0", "v1.2.0"]);
        assert_eq!(
            newest(&v_style, &pattern, false, None).as_deref(),
            Some("v1.2.0")
        );
        let bare_style = tags(&["1.0.0", "1.1.0", "v1.2.0", "1.2.0"]);
        assert_eq!(
            newest(&bare_style, &pattern, false, None).as_deref(),
            Some("1.2.0")
        );
        let even = tags(&["v1.2.0+b", "v1.2.0+a"]);
        assert_eq!(
            newest(&even, &pattern, false, None).as_deref(),
            Some("v1.2.0+b")
        );
        let mut reversed = v_style.clone();
        reversed.reverse();
        assert_eq!(
            newest(&reversed, &pattern, false, None),
            newest(&v_style, &pattern, false, None)
        );
    }
}
