//! The test-integrity guard: reads a fix's final diff (file contents before and after, not the
//! agent's tool calls, which an agent can route around) for the ways a change can make a failing
//! test pass without fixing anything: changed or deleted tests, fewer assertions, changed
//! expected values, looser matchers, skip / ignore / xfail / `.only` markers, raised timeouts and
//! retry counts, changed CI or test configuration, fewer tests, code that behaves differently
//! under a test, and code that special-cases the reproduction's own values.
//!
//! It is deliberately suspicious: a finding asks a person to look; it does not say the fix is
//! wrong. The headless `verified` policy never approves a fix with findings.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::repro::is_test_path;

/// One changed file of the fix: its content before (in the base) and after (`None` when the
/// file did not exist on that side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<'a> {
    pub path: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("integrity pattern {pattern}: {e}"))
}

/// Markers that keep a test from running, or keep the others from running (`.only`).
static SKIP: LazyLock<Regex> = LazyLock::new(|| {
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
static ASSERT: LazyLock<Regex> = LazyLock::new(|| {
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

/// Code that asks whether it runs under a test (or in CI, or under fixloop).
static UNDER_TEST: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"PYTEST_CURRENT_TEST|['\x22]pytest['\x22]\s+in\s+sys\.modules|sys\.modules\.get\(['\x22]pytest",
        r"|\bcfg!\(test\)|\btesting\.Testing\(\)|flag\.Lookup\(\x22test\.",
        r"|JEST_WORKER_ID|VITEST|NODE_ENV\s*[!=]==?\s*['\x22]test['\x22]|FIXLOOP_",
        r"|environ(?:\.get)?\s*[\[(]\s*['\x22]CI['\x22]|process\.env\.CI\b|var\(\x22CI\x22\)",
        r"|Getenv\(\x22CI\x22\)|unittest\.mock|\bmock\.patch\b",
    ))
});

/// Test definitions, to count.
static TEST_DEF: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)^\s*(?:async\s+)?def\s+test\w*\s*\(|#\[(?:\w+::)?test\b|^func\s+Test\w*\s*\(",
        r"|(?:^|[^.\w])(?:it|test)\s*\(\s*['\x22`]|@Test\b|\[(?:Fact|Test|TestMethod)\]",
    ))
});

static CONDITIONAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:if|elif|match|case|when|switch)\b|==|!="));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"-?\b\d+(?:\.\d+)?\b"));
static STRING: LazyLock<Regex> =
    LazyLock::new(|| re(r#""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`"#));

/// Files that decide how tests run, wholly.
fn is_config_path(path: &str) -> Option<&'static str> {
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
        "package.json" => ["\"test", "jest", "mocha", "vitest", "\"ava\""]
            .iter()
            .any(|k| l.contains(k)),
        "Cargo.toml" => ["[[test]]", "harness", "test =", "autotests", "[[bench]]"]
            .iter()
            .any(|k| l.contains(k)),
        "Makefile" | "makefile" | "justfile" => l.trim_start().starts_with("test"),
        _ => false,
    }
}

fn is_rust(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("rs"))
}

/// The test code of a file: all of it for a test file; for a Rust source file, what follows its
/// first `#[cfg(test)]`; nothing otherwise.
fn test_code<'a>(path: &str, text: &'a str) -> &'a str {
    if is_test_path(path) {
        return text;
    }
    if is_rust(path)
        && let Some(at) = text.find("#[cfg(test)]")
    {
        return &text[at..];
    }
    ""
}

fn count(regex: &Regex, text: &str) -> usize {
    text.lines()
        .filter(|l| !is_comment(l))
        .map(|l| regex.find_iter(l).count())
        .sum()
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') && !t.starts_with("#[")
        || ["//", "/*", "*", "--", ";;"]
            .iter()
            .any(|c| t.starts_with(c))
}

/// Lines removed and lines added (as multisets: order does not matter here).
fn line_changes<'a>(before: &'a str, after: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
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

/// The literal values the reproduction checks (numbers other than 0 and ±1, strings of four
/// or more characters), for spotting code that special-cases them.
fn reproduction_values(reproduction: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for text in reproduction {
        // What it asserts and what it calls with (not imports, definitions or comments).
        let checked = text.lines().filter(|l| {
            let t = l.trim_start();
            (ASSERT.is_match(l) || t.contains('('))
                && !is_comment(l)
                && ![
                    "import ",
                    "from ",
                    "use ",
                    "def ",
                    "fn ",
                    "func ",
                    "function ",
                ]
                .iter()
                .any(|k| t.starts_with(k))
        });
        for line in checked {
            for m in NUMBER.find_iter(line) {
                let v = m.as_str().trim_start_matches('-');
                if !matches!(v, "0" | "1") && !values.iter().any(|x| x == v) {
                    values.push(v.to_owned());
                }
            }
            for m in STRING.find_iter(line) {
                let inner = &m.as_str()[1..m.as_str().len() - 1];
                if inner.chars().count() >= 4 && !values.iter().any(|x| x == inner) {
                    values.push(inner.to_owned());
                }
            }
        }
    }
    values
}

/// Whether a code line mentions at least two of the reproduction's values (or one string) in a
/// condition: `if (a, b) == (2, 3): return 5`.
fn special_cases(line: &str, values: &[String]) -> bool {
    if !CONDITIONAL.is_match(line) {
        return false;
    }
    let line_numbers: Vec<&str> = NUMBER
        .find_iter(line)
        .map(|m| m.as_str().trim_start_matches('-'))
        .collect();
    let line_strings: Vec<&str> = STRING
        .find_iter(line)
        .map(|m| &m.as_str()[1..m.as_str().len() - 1])
        .collect();
    let numeric = values
        .iter()
        .filter(|v| line_numbers.contains(&v.as_str()))
        .count();
    let textual = values
        .iter()
        .any(|v| v.chars().count() >= 4 && line_strings.contains(&v.as_str()));
    numeric >= 2 || textual
}

fn quote(line: &str) -> String {
    let line = line.trim();
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(100).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// What the guard finds in a fix. `reproduction` is the text of the reproduction's files (the
/// approved test), to spot code that answers its exact inputs.
#[must_use]
pub fn review(changes: &[Change<'_>], reproduction: &[&str]) -> Vec<String> {
    let mut findings = Vec::new();
    let values = reproduction_values(reproduction);
    let (mut tests_before, mut tests_after) = (0, 0);
    // Whether the code (not tests, not configuration) changed beyond comments and blank lines.
    let (mut code_files, mut code_changed) = (0, false);
    for change in changes {
        let path = change.path;
        let before = change.before.unwrap_or("");
        let after = change.after.unwrap_or("");
        let test_file = is_test_path(path);
        let (removed, added) = line_changes(before, after);

        whole_file_findings(change, test_file, &mut findings);
        if is_config_path(path).is_none() {
            findings.extend(test_setting_finding(path, &removed, &added));
        }
        findings.extend(skip_finding(path, before, after, &added));
        let (test_before, test_after) = (test_code(path, before), test_code(path, after));
        assertion_findings(path, test_before, test_after, &mut findings);
        tests_before += count(&TEST_DEF, test_before);
        tests_after += count(&TEST_DEF, test_after);
        timing_findings(path, &removed, &added, &mut findings);

        if !test_file && is_config_path(path).is_none() {
            code_files += 1;
            code_changed |= change.before.is_none()
                || change.after.is_none()
                || removed.iter().chain(&added).any(|l| !is_comment(l));
        }
        if !test_file {
            code_findings(change, &added, &values, &mut findings);
        }
    }
    if code_files > 0 && !code_changed {
        findings.push(
            "the fix changes only comments and blank lines in the code: it cannot be what makes \
             the test pass"
                .into(),
        );
    }
    if tests_after < tests_before {
        findings.push(format!(
            "fewer tests: {tests_before} test definitions in the changed files before, \
             {tests_after} after"
        ));
    }
    findings
}

/// A test file deleted or changed; a CI or test configuration file added, deleted or changed.
fn whole_file_findings(change: &Change<'_>, test_file: bool, findings: &mut Vec<String>) {
    let path = change.path;
    match (change.before, change.after) {
        (Some(_), None) if test_file => {
            findings.push(format!("`{path}`: an existing test file was deleted"));
        }
        (Some(_), Some(_)) if test_file => findings.push(format!(
            "`{path}`: an existing test file changed — check that no test was weakened"
        )),
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

/// A changed test setting in a file that only partly configures tests.
fn test_setting_finding(path: &str, removed: &[&str], added: &[&str]) -> Option<String> {
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
fn skip_finding(path: &str, before: &str, after: &str, added: &[&str]) -> Option<String> {
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
fn assertion_findings(path: &str, test_before: &str, test_after: &str, findings: &mut Vec<String>) {
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
fn timing_findings(path: &str, removed: &[&str], added: &[&str], findings: &mut Vec<String>) {
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

/// Code (not tests) that behaves differently under test, or answers the test's values. In a Rust
/// file only what precedes its `#[cfg(test)]` is code.
fn code_findings(
    change: &Change<'_>,
    added: &[&str],
    values: &[String],
    findings: &mut Vec<String>,
) {
    let path = change.path;
    let code_added = if is_rust(path) {
        let (_, added) = line_changes(
            code_part(change.before.unwrap_or("")),
            code_part(change.after.unwrap_or("")),
        );
        added
    } else {
        added.to_vec()
    };
    if let Some(line) = code_added
        .iter()
        .find(|l| !is_comment(l) && UNDER_TEST.is_match(l))
    {
        findings.push(format!(
            "`{path}`: the code checks whether it runs under a test: `{}`",
            quote(line)
        ));
    }
    if let Some(line) = code_added
        .iter()
        .find(|l| !is_comment(l) && special_cases(l, values))
    {
        findings.push(format!(
            "`{path}`: the code special-cases the reproduction's values: `{}`",
            quote(line)
        ));
    }
}

/// A Rust file's text before its first `#[cfg(test)]`.
fn code_part(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_pair_up_by_shape() {
        let (removed, added) = line_changes("a\nassert f(2) == 4\nb\n", "a\nassert f(2) == 5\nb\n");
        assert_eq!(removed, vec!["assert f(2) == 4"]);
        assert_eq!(added, vec!["assert f(2) == 5"]);
        assert_eq!(shape(removed[0]), shape(added[0]));
    }

    #[test]
    fn the_reproductions_values_are_its_asserted_literals() {
        let values = reproduction_values(&["x = add(2, 3)\nassert x == 5, \"add is wrong\"\n"]);
        assert_eq!(values, vec!["2", "3", "5", "add is wrong"]);
        assert!(special_cases(
            "if a == 2 and b == 3: return 5",
            &["2".into(), "3".into()]
        ));
        assert!(!special_cases("return a + b", &values));
    }
}
