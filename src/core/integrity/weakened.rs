//! Tests made weaker: deleted or changed test files, fewer assertions, changed expected values,
//! looser matchers, skip / ignore / xfail / `.only` markers, raised timeouts and retry counts,
//! and changed CI or test configuration.

use std::sync::LazyLock;

use regex::Regex;

use super::diff::{Change, NUMBER, STRING, count, line_changes, quote, re};

/// Markers that keep a test from running, or keep the others from running (`.only`).
pub(crate) static SKIP: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"@pytest\.mark\.(?:skip|skipif|xfail)\b|\bpytest\.(?:skip|xfail|importorskip)\(",
        r"|@unittest\.(?:skip|skipIf|skipUnless|expectedFailure)\b|\.skipTest\(|\bSkipTest\b",
        r"|#\[ignore\b|#\[cfg\(any\(\)\)\]|#\[cfg\(FALSE\)\]",
        r"|\bt\.Skip(?:f|Now)?\(|\btesting\.Short\(\)",
        r"|\b(?:it|test|describe|context|suite|specify)\.(?:skip|only|todo|failing)\b",
        r"|\b(?:xit|xdescribe|xtest|xcontext|fit|fdescribe)\s*\(",
        r"|@(?:Disabled|Ignore)\b|\[(?:Ignore|Skip)\b|\bpending\b\s*\(",
    ))
});

/// Assertions, in any of the languages fixloop knows.
pub(crate) static ASSERT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\bassert\b|\.assert\w*\(|\bpytest\.raises\b|\bassert_(?:eq|ne|matches)?!",
        r"|\bdebug_assert\w*!|#\[should_panic|\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\(",
        r"|\b(?:require|assert)\.\w+\(|\bexpect\s*\(|\bassert\s*\(|\bshould\.",
    ))
});

/// A check written as a condition (Go's `if got != want { t.Fatal(...) }`).
static CHECK: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*if\b.*(?:!=|==)"));

/// Matchers that pin a value, and matchers that only check something is there.
static STRICT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"assertEqual|assertEquals|assert_eq!|\.toBe\(|\.toEqual\(|\.toStrictEqual\(",
        r"|strictEqual|deepStrictEqual|deepEqual|assert\.equal|\.Equal\(|==",
    ))
});
static WEAK: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"assertTrue|assertIsNotNone|assertIsInstance|toBeDefined|toBeTruthy|not\.toBeNull",
        r"|toBeGreaterThan|toBeLessThan|toMatch\(|assert\.ok\(|\.is_ok\(\)|\.is_some\(\)",
        r"|\.NotNil\(|\.NoError\(|\.True\(|!= nil|is not None|\bisinstance\(",
    ))
});

/// Lines about how long or how often a test may run.
static TIMING: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)time_?out|retr(?:y|ies)|reruns?|attempts|deadline|flaky"));

/// Added retries: a failing test now passes if it passes once.
static RETRY: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"retryTimes\(|this\.retries\(|\.retries\(|--reruns|@pytest\.mark\.flaky|@flaky\b",
        r"|\bflaky\s*\(|pytest-rerunfailures|--retries|retry:\s*\d",
    ))
});

/// Test definitions, to count.
pub(crate) static TEST_DEF: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)^\s*(?:async\s+)?def\s+test\w*\s*\(|#\[(?:\w+::)?test\b|^func\s+Test\w*\s*\(",
        r"|(?:^|[^.\w])(?:it|test)\s*\(\s*['\x22`]|@Test\b|\[(?:Fact|Test|TestMethod)\]",
    ))
});

/// Files that decide how tests run, wholly.
pub(crate) fn is_config_path(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    let ci = lower.starts_with(".github/workflows/")
        || lower.starts_with(".circleci/")
        || lower.starts_with(".buildkite/")
        || matches!(
            file,
            ".gitlab-ci.yml" | "jenkinsfile" | "azure-pipelines.yml" | ".travis.yml"
        );
    if ci {
        return Some("CI configuration");
    }
    let test = matches!(
        file,
        "conftest.py" | "pytest.ini" | "tox.ini" | "noxfile.py" | ".coveragerc" | "nextest.toml"
    ) || [
        "jest.config.",
        "vitest.config.",
        ".mocharc",
        "karma.conf.",
        "playwright.config.",
        "cypress.config.",
        ".nycrc",
        "jest.setup.",
        "setuptests.",
    ]
    .iter()
    .any(|p| file.starts_with(p));
    test.then_some("test configuration")
}

/// Lines of files that partly configure tests (pyproject.toml, setup.cfg, package.json,
/// Cargo.toml): a changed line there counts only if it is about tests.
fn is_test_setting(path: &str, line: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let l = line.to_ascii_lowercase();
    match file {
        "pyproject.toml" | "setup.cfg" => [
            "pytest",
            "addopts",
            "testpaths",
            "python_files",
            "python_functions",
        ]
        .iter()
        .any(|k| l.contains(k)),
        // Jest's and mocha's settings can sit inside package.json's "jest" or "mocha" object,
        // on lines that do not name the runner: which files run, what a module resolves to,
        // what runs before every test.
        "package.json" => [
            "\"test",
            "jest",
            "mocha",
            "vitest",
            "\"ava\"",
            "modulenamemapper",
            "setupfiles",
            "globalsetup",
            "testpathignorepatterns",
            "modulepathignorepatterns",
            "testmatch",
            "testregex",
            "\"roots\"",
            "\"modulepaths\"",
            "moduledirectories",
            "\"resolver\"",
            "\"require\"",
        ]
        .iter()
        .any(|k| l.contains(k)),
        "Cargo.toml" => ["[[test]]", "harness", "test =", "autotests", "[[bench]]"]
            .iter()
            .any(|k| l.contains(k)),
        "Makefile" | "makefile" | "justfile" => l.trim_start().starts_with("test"),
        _ => false,
    }
}

/// A line with its literals masked, to pair a removed line with its edited version.
fn shape(line: &str) -> String {
    let masked = STRING.replace_all(line, "\"…\"");
    NUMBER.replace_all(&masked, "#").into_owned()
}

fn numbers(line: &str) -> Vec<f64> {
    NUMBER
        .find_iter(line)
        .filter_map(|m| m.as_str().parse().ok())
        .collect()
}

/// A test file deleted or changed; a CI or test configuration file added, deleted or changed.
pub(crate) fn whole_file_findings(
    change: &Change<'_>,
    test_file: bool,
    findings: &mut Vec<String>,
) {
    let path = change.path;
    match (change.before, change.after) {
        (Some(_), None) if test_file => {
            findings.push(format!("`{path}`: an existing test file was deleted"));
        }
        (Some(before), Some(after)) if test_file && !only_appended(before, after) => {
            findings.push(format!(
                "`{path}`: an existing test file changed — check that no test was weakened"
            ));
        }
        _ => {}
    }
    if let Some(what) = is_config_path(path) {
        let verb = match (change.before, change.after) {
            (None, _) => "added",
            (_, None) => "deleted",
            _ => "changed",
        };
        findings.push(format!("`{path}`: {what} {verb}"));
    }
}

/// Whether `after` is `before` with new top-level code after its end — a new test added, nothing
/// of the old ones touched. (The added lines still go through every other rule: a skip marker, a
/// hook or a test-detecting line among them is flagged as ever.) An addition that starts
/// indented would extend the file's last block, and is no such thing.
fn only_appended(before: &str, after: &str) -> bool {
    let kept = before.trim_end();
    let Some(added) = after.strip_prefix(kept) else {
        return false;
    };
    if !added.starts_with('\n') {
        return false;
    }
    added
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|first| !first.starts_with([' ', '\t']))
}

/// A changed test setting in a file that only partly configures tests.
pub(crate) fn test_setting_finding(path: &str, removed: &[&str], added: &[&str]) -> Option<String> {
    let old = removed.iter().find(|l| is_test_setting(path, l));
    let new = added.iter().find(|l| is_test_setting(path, l));
    let what = match (old, new) {
        (Some(old), Some(new)) => format!("`{}` → `{}`", quote(old), quote(new)),
        (Some(old), None) => format!("removed `{}`", quote(old)),
        (None, Some(new)) => format!("added `{}`", quote(new)),
        (None, None) => return None,
    };
    Some(format!("`{path}`: a test setting changed: {what}"))
}

/// More markers that stop tests from running. Any file counts: a helper or a configuration can
/// add them too.
pub(crate) fn skip_finding(
    path: &str,
    before: &str,
    after: &str,
    added: &[&str],
) -> Option<String> {
    if count(&SKIP, after) <= count(&SKIP, before) {
        return None;
    }
    let line = added
        .iter()
        .find(|l| SKIP.is_match(l))
        .map_or_else(String::new, |l| format!(": `{}`", quote(l)));
    Some(format!(
        "`{path}`: adds a skip, ignore, xfail or only marker{line}"
    ))
}

/// Assertions in test code: fewer of them, changed expectations, looser matchers.
pub(crate) fn assertion_findings(
    path: &str,
    test_before: &str,
    test_after: &str,
    findings: &mut Vec<String>,
) {
    let (asserts_before, asserts_after) = (count(&ASSERT, test_before), count(&ASSERT, test_after));
    if asserts_after < asserts_before {
        findings.push(format!(
            "`{path}`: {} assertion(s) removed ({asserts_before} → {asserts_after})",
            asserts_before - asserts_after
        ));
    }
    let (test_removed, test_added) = line_changes(test_before, test_after);
    let is_check = |l: &&&str| ASSERT.is_match(l) || CHECK.is_match(l);
    for old in test_removed.iter().filter(is_check) {
        let edited = test_added
            .iter()
            .find(|new| is_check(new) && shape(new) == shape(old));
        if let Some(new) = edited {
            findings.push(format!(
                "`{path}`: an expected value changed: `{}` → `{}`",
                quote(old),
                quote(new)
            ));
        } else if STRICT.is_match(old)
            && let Some(new) = test_added
                .iter()
                .find(|new| WEAK.is_match(new) && !STRICT.is_match(new))
        {
            findings.push(format!(
                "`{path}`: an assertion was loosened: `{}` → `{}`",
                quote(old),
                quote(new)
            ));
        }
    }
}

/// More time or more tries for a test to pass: a raised timeout or retry count, added retries.
pub(crate) fn timing_findings(
    path: &str,
    removed: &[&str],
    added: &[&str],
    findings: &mut Vec<String>,
) {
    for old in removed.iter().filter(|l| TIMING.is_match(l)) {
        let raised = added.iter().find(|new| {
            shape(new) == shape(old) && numbers(new).iter().zip(numbers(old)).any(|(n, o)| *n > o)
        });
        if let Some(new) = raised {
            findings.push(format!(
                "`{path}`: a timeout or retry count was raised: `{}` → `{}`",
                quote(old),
                quote(new)
            ));
        }
    }
    if let Some(line) = added.iter().find(|l| RETRY.is_match(l)) {
        findings.push(format!("`{path}`: adds retries: `{}`", quote(line)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edited_line_keeps_its_shape() {
        assert_eq!(shape("assert f(2) == 4"), shape("assert f(2) == 5"));
        assert_ne!(shape("assert f(2) == 4"), shape("assert g(2) == 4"));
    }

    #[test]
    fn jest_settings_inside_package_json_count() {
        assert!(is_test_setting(
            "package.json",
            "\"moduleNameMapper\": { \"^\\\\./cart$\": \"<rootDir>/fake.js\" },"
        ));
        assert!(!is_test_setting("package.json", "\"left-pad\": \"1.3.0\""));
    }
}
