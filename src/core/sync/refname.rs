//! Branch names as git takes them (`git check-ref-format --branch`), checked before a sync
//! hands one to git.

/// Why git would not take `name` as a branch's name (`git check-ref-format --branch`), if it
/// would not.
pub(super) fn branch_name_fault(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it holds a space or a control character");
    }
    if let Some(c) = name.chars().find(|c| "~^:?*[\\".contains(*c)) {
        return Some(match c {
            '~' => "it holds `~`",
            '^' => "it holds `^`",
            ':' => "it holds `:`",
            '?' => "it holds `?`",
            '*' => "it holds `*`",
            '[' => "it holds `[`",
            _ => "it holds `\\`",
        });
    }
    if name.starts_with('-') {
        return Some("it starts with `-`");
    }
    if name.contains("..") {
        return Some("it holds `..`");
    }
    if name.contains("@{") || name == "@" {
        return Some("it holds `@{` or is `@`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Some("it has an empty `/`-separated part");
    }
    if name.ends_with('.') {
        return Some("it ends with `.`");
    }
    #[expect(
        clippy::case_sensitive_file_extension_comparisons,
        reason = "git refuses a part ending in `.lock` as written, not in other cases"
    )]
    let lock = name.split('/').any(|part| part.ends_with(".lock"));
    if lock || name.split('/').any(|part| part.starts_with('.')) {
        return Some("a part starts with `.` or ends with `.lock`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_git_refuses_are_refused() {
        for bad in [
            "",
            "my branch",
            "a..b",
            "-main",
            "a~1",
            "a^",
            "a:b",
            "a?",
            "a*",
            "a[b",
            "a\\b",
            "@",
            "a@{1}",
            "/a",
            "a/",
            "a//b",
            "a.",
            ".hidden",
            "a/.b",
            "x.lock",
            "tab\tbed",
        ] {
            assert!(branch_name_fault(bad).is_some(), "{bad:?}");
        }
        for good in [
            "main",
            "release/1.x",
            "feature-2",
            "v1.0",
            "user@host",
            "a.b/c_d",
        ] {
            assert_eq!(branch_name_fault(good), None, "{good}");
        }
    }
}
