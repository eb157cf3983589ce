//! The fix's diff as the guard reads it: changed files, the lines a change removed and added,
//! and which part of a file is code and which is tests.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::core::repro::is_test_path;

/// One changed file of the fix: its content before (in the base) and after (`None` when the
/// file did not exist on that side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<'a> {
    pub path: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

impl Change<'_> {
    /// Whether the fix created this file.
    pub(crate) fn is_added(&self) -> bool {
        self.before.is_none() && self.after.is_some()
    }
}

pub(crate) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("integrity pattern {pattern}: {e}"))
}

/// Number and string literals, in any of the languages fixloop knows.
pub(crate) static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"-?\b\d+(?:\.\d+)?\b"));
pub(crate) static STRING: LazyLock<Regex> =
    LazyLock::new(|| re(r#""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`"#));

/// The file name of a path, lower-cased.
pub(crate) fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase()
}

/// A path's folder (`""` at the top of the repository).
pub(crate) fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

pub(crate) fn extension(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.').map_or("", |(_, ext)| ext)
}

pub(crate) fn is_rust(path: &str) -> bool {
    extension(path).eq_ignore_ascii_case("rs")
}

/// Where a Rust file's unit tests start: its first `#[cfg(test)]` that is put on a module.
/// `#[cfg(test)]` on anything else (a function, a constant) is code that differs under test,
/// not the tests.
fn rust_tests_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("#[cfg(test)]") {
        let at = from + found;
        let rest = &text[at + "#[cfg(test)]".len()..];
        let item = rest
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("#[") && !l.starts_with("//"));
        if item.is_some_and(|l| l.starts_with("mod ") || l.starts_with("pub mod ")) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The test code of a file: all of it for a test file; for a Rust source file, its unit test
/// module; nothing otherwise.
pub(crate) fn test_code<'a>(path: &str, text: &'a str) -> &'a str {
    if is_test_path(path) {
        return text;
    }
    if is_rust(path)
        && let Some(at) = rust_tests_start(text)
    {
        return &text[at..];
    }
    ""
}

/// The code of a file that is not a test file: for a Rust file, what precedes its unit tests.
pub(crate) fn code_part<'a>(path: &str, text: &'a str) -> &'a str {
    if is_rust(path) {
        rust_tests_start(text).map_or(text, |at| &text[..at])
    } else {
        text
    }
}

pub(crate) fn count(regex: &Regex, text: &str) -> usize {
    text.lines()
        .filter(|l| !is_comment(l))
        .map(|l| regex.find_iter(l).count())
        .sum()
}

pub(crate) fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') && !t.starts_with("#[")
        || ["//", "/*", "*", "--", ";;"]
            .iter()
            .any(|c| t.starts_with(c))
}

/// Lines removed and lines added (as multisets: order does not matter here).
pub(crate) fn line_changes<'a>(before: &'a str, after: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for l in before.lines() {
        *counts.entry(l.trim()).or_default() += 1;
    }
    for l in after.lines() {
        *counts.entry(l.trim()).or_default() -= 1;
    }
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for l in before.lines().map(str::trim) {
        if counts.get(l).copied().unwrap_or(0) > 0 && !l.is_empty() {
            removed.push(l);
            *counts.entry(l).or_default() -= 1;
        }
    }
    for l in after.lines().map(str::trim) {
        if counts.get(l).copied().unwrap_or(0) < 0 && !l.is_empty() {
            added.push(l);
            *counts.entry(l).or_default() += 1;
        }
    }
    (removed, added)
}

/// The lines of `after`, each with whether the change added it (the same multiset reading as
/// [`line_changes`], kept in place so that a rule can look at an added line's neighbours).
pub(crate) fn marked_lines<'a>(before: &str, after: &'a str) -> Vec<(&'a str, bool)> {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for l in before.lines() {
        *counts.entry(l.trim()).or_default() += 1;
    }
    after
        .lines()
        .map(|l| {
            let left = counts.entry(l.trim()).or_default();
            let added = *left <= 0 && !l.trim().is_empty();
            *left -= 1;
            (l.trim(), added)
        })
        .collect()
}

pub(crate) fn quote(line: &str) -> String {
    let line = line.trim();
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(100).collect::<String>())
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_pair_up_as_multisets() {
        let (removed, added) = line_changes("a\nassert f(2) == 4\nb\n", "a\nassert f(2) == 5\nb\n");
        assert_eq!(removed, vec!["assert f(2) == 4"]);
        assert_eq!(added, vec!["assert f(2) == 5"]);
        let marked = marked_lines("a\nb\na\n", "a\na\na\nc\n");
        assert_eq!(
            marked,
            vec![("a", false), ("a", false), ("a", true), ("c", true)]
        );
    }

    #[test]
    fn a_rust_files_tests_start_at_a_cfg_test_module() {
        let text = "fn a() {}\n#[cfg(test)]\nconst N: u8 = 1;\n#[cfg(test)]\n#[allow(dead_code)]\nmod tests {\n}\n";
        let code = code_part("src/lib.rs", text);
        assert!(code.contains("const N") && !code.contains("mod tests"));
        assert!(test_code("src/lib.rs", text).starts_with("#[cfg(test)]\n#[allow"));
        assert_eq!(test_code("src/lib.rs", "fn a() {}\n"), "");
        assert_eq!(code_part("calc.py", "x = 1\n"), "x = 1\n");
    }
}
