//! The fix's code (not its tests) behaving differently under the test: code that finds out
//! whether a test runs — from a test runner's variable, module or global, the environment, the
//! call stack, the program's name or arguments, a file name, a test-only build flag — and
//! code that answers the reproduction's own values.
//!
//! Only lines the fix added count, in files that are not tests (in a Rust file, only what
//! precedes its unit tests): code that was there before is not the fix's doing.

use std::sync::LazyLock;

use regex::Regex;

use super::diff::{
    Change, NUMBER, STRING, code_part, file_name, folder, is_comment, marked_lines, quote, re,
};
use super::weakened::ASSERT;

/// Signals that mean a test run by themselves: a test runner's own variables, modules and
/// globals, Rust's `test` cfg, Go's testing package asked directly, fixloop's own variables,
/// and mocking.
static TEST_SIGNAL: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\bPYTEST_[A-Z_]+|['\x22]_?pytest['\x22]\s+(?:not\s+)?in\s+sys\.modules",
        r"|sys\.modules(?:\.get\(|\[)\s*['\x22](?:_?pytest|unittest|nose2?|doctest)\b",
        r"|\b_pytest\b|find_spec\(\s*['\x22](?:_?pytest|unittest)\b",
        r"|\bcfg!\(\s*test\s*\)|\bcfg\([^)\n]*\bnot\(\s*test\s*\)|\bcfg_attr\(\s*(?:not\(\s*)?test\b",
        r"|\bRUST_TEST_\w+|\bNEXTEST\w*|\bCARGO_TARGET_TMPDIR\b",
        r"|\btesting\.(?:Testing|Verbose)\(\)|flag\.Lookup\(\s*\x22test\.",
        r"|JEST_WORKER_ID|\bVITEST\w*|__vitest\w*|NODE_TEST_CONTEXT",
        r"|NODE_ENV\s*[!=]==?\s*['\x22]test['\x22]|['\x22]test['\x22]\s*[!=]==?\s*process\.env\.NODE_ENV",
        r"|\btypeof\s+(?:jest|describe|it|test|expect|vi|beforeEach|afterEach|suite|mocha|jasmine)\s*[!=]==?",
        r"|\b(?:global|globalThis|window|self)\s*(?:\.\s*|\[\s*['\x22])(?:jest|describe|it|expect|vi|mocha|jasmine|__coverage__)\b",
        r"|\bthread::current\s*\(\s*\)\s*\.name\s*\(\s*\)[^\n]*\x22main\x22",
        r"|FIXLOOP_|unittest\.mock|\bmock\.patch\b",
    ))
});

/// Where code can look to tell a test run from a real one; each needs a test-ish word nearby
/// (or, for the environment, a CI variable) to count. The name says what the code looks at.
static PROBES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    vec![
        (
            "its call stack",
            re(concat!(
                r"\binspect\.(?:stack|currentframe|getouterframes|getframeinfo|trace)\s*\(",
                r"|\bsys\._getframe\s*\(|\btraceback\.(?:extract|format|walk|print)_stack\s*\(",
                r"|\bError\b[^;\n]*\.stack\b|\b(?:err|error|e|ex)\.stack\b|\{\s*stack\s*\}\s*=",
                r"|Error\.(?:captureStackTrace|prepareStackTrace)",
                r"|\bruntime\.(?:Callers?|Stack|CallersFrames|FuncForPC)\s*\(|\bdebug\.Stack\s*\(",
                r"|\b[Bb]acktrace::|\bBacktrace\b",
            )),
        ),
        (
            "the program's name or arguments",
            re(concat!(
                r"\bsys\.(?:argv|orig_argv|executable)\b|/proc/self/(?:cmdline|exe)",
                r"|\bprocess\.(?:argv0?|execArgv|execPath|title)\b|\brequire\.main\b|\bmodule\.parent\b",
                r"|\bos\.(?:Args|Executable)\b|\bflag\.(?:Lookup|CommandLine|Args)\b",
                r"|\benv::args(?:_os)?\s*\(|\bcurrent_exe\s*\(|\bthread::current\s*\(\s*\)\s*\.name\s*\(",
            )),
        ),
        (
            "the modules loaded",
            re(concat!(
                r"\bsys\.modules\b|\brequire\.cache\b|\bmodule\.children\b|\bprocess\.moduleLoadList\b",
                r"|\bimportlib\.util\.find_spec\b|\bpkgutil\.find_loader\b",
            )),
        ),
        (
            "a file name",
            re(concat!(
                r"\b__file__\b|\b__filename\b|\b__dirname\b|\bimport\.meta\.(?:url|filename|dirname|path)\b",
                r"|\bfile!\s*\(\s*\)|\bmodule_path!\s*\(|\bruntime\.Caller\b",
            )),
        ),
        (
            ENVIRONMENT,
            re(concat!(
                r"\benviron\b|\bgetenv\s*\(|\bGetenv\s*\(|\bLookupEnv\s*\(|\bos\.Environ\s*\(",
                r"|\bprocess\.env\b|\bimport\.meta\.env\b|\benv::vars?(?:_os)?\s*\(|\bvar_os\s*\(",
                r"|\boption_env!|\benv!\s*\(|\bENV\[|\bDeno\.env\b|\bvar(?:_os)?\(\s*\x22[A-Z_]+\x22\s*\)",
            )),
        ),
    ]
});

const ENVIRONMENT: &str = "the environment";

/// Words that name a test or a test runner (`LATEST` and `contest` are not among them).
static TEST_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i:pytest|unittest|nose2?\b|doctest|jest|vitest|mocha|jasmine|karma|node:test|nextest",
        r"|conftest|harness|\bspec\b|\.spec\b)",
        r"|(?:^|[^A-Za-z])(?i:test)|[a-z]Test|tRunner|/deps/|\bdeps\b",
    ))
});

/// The environment variables CI services set.
static CI_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\b(?:CI|GITHUB_ACTIONS|GITHUB_RUN_ID|GITHUB_WORKFLOW|GITLAB_CI|CONTINUOUS_INTEGRATION",
        r"|BUILDKITE|CIRCLECI|TRAVIS|JENKINS_URL|JENKINS_HOME|TF_BUILD|TEAMCITY_VERSION",
        r"|BITBUCKET_BUILD_NUMBER|CODEBUILD_BUILD_ID|DRONE|RUNNER_OS|BUILD_NUMBER)\b",
    ))
});

/// Reading CI to style output (colours, progress bars, prompts) is what logging and CLI
/// libraries do; it does not change what the code computes.
static OUTPUT_STYLE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)colou?r|\btty\b|isatty|ansi|emoji|spinner|progress|interactive|pager|NO_COLOR")
});

/// An environment read (group 1) and the quoted name of the variable it reads (group 2).
static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(\b(?:getenv|Getenv|LookupEnv|environ\.get|environ|env::var|env::var_os|var_os)\s*[(\[]\s*)",
        r#"("[^"\n]*"|'[^'\n]*')"#,
    ))
});

static CONDITIONAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:if|elif|match|case|when|switch)\b|==|!="));

/// Lines before and after a probe that may hold what it is compared with.
const BEFORE: usize = 2;
const AFTER: usize = 3;

/// A module whose job is configuration: reading the environment is what it is for.
fn is_configuration(path: &str) -> bool {
    let file = file_name(path);
    let stem = file.split('.').next().unwrap_or(&file);
    let configuration = |name: &str| {
        [
            "config",
            "configuration",
            "settings",
            "conf",
            "env",
            "environment",
        ]
        .iter()
        .any(|c| name == *c || name.ends_with(&format!("_{c}")) || name.ends_with(&format!("-{c}")))
    };
    configuration(stem)
        || folder(path)
            .to_ascii_lowercase()
            .split('/')
            .any(configuration)
}

/// Code (not tests) that behaves differently under test, or answers the test's values.
pub(crate) fn code_findings(change: &Change<'_>, values: &[String], findings: &mut Vec<String>) {
    let path = change.path;
    let lines = marked_lines(
        code_part(path, change.before.unwrap_or("")),
        code_part(path, change.after.unwrap_or("")),
    );
    let added: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, (l, added))| *added && !is_comment(l))
        .map(|(at, (l, _))| (at, *l))
        .collect();
    // A line is reported once, for the plainest thing it does.
    let mut reported = Vec::new();
    if let Some(&(at, line)) = added.iter().find(|(_, l)| TEST_SIGNAL.is_match(l)) {
        reported.push(at);
        findings.push(format!(
            "`{path}`: the code checks whether it runs under a test: `{}`",
            quote(line)
        ));
    }
    let mut ci_reported = false;
    for (what, probe) in PROBES.iter() {
        let probed: Vec<(usize, &str)> = added
            .iter()
            .filter(|(at, l)| !reported.contains(at) && probe.is_match(l))
            .copied()
            .collect();
        for (at, line) in probed {
            let near = neighbours(&lines, at);
            if near.iter().any(|l| TEST_WORD.is_match(l)) {
                reported.push(at);
                findings.push(format!(
                    "`{path}`: the code looks at {what} to tell whether it runs under a test: `{}`",
                    quote(line)
                ));
                break;
            }
            if *what == ENVIRONMENT && !ci_reported && reads_ci(path, &near) {
                ci_reported = true;
                reported.push(at);
                findings.push(format!(
                    "`{path}`: the code reads a CI variable, so it can behave differently in CI: `{}`",
                    quote(line)
                ));
            }
        }
    }
    if let Some((_, line)) = added.iter().find(|(_, l)| special_cases(l, values)) {
        findings.push(format!(
            "`{path}`: the code special-cases the reproduction's values: `{}`",
            quote(line)
        ));
    }
}

/// The code lines around line `at` (comments left out: they cannot decide anything).
fn neighbours<'a>(lines: &[(&'a str, bool)], at: usize) -> Vec<&'a str> {
    lines[at.saturating_sub(BEFORE)..(at + AFTER + 1).min(lines.len())]
        .iter()
        .map(|(l, _)| *l)
        .filter(|l| !is_comment(l))
        .collect()
}

/// Whether lines around an environment read name a CI variable to change what the code does:
/// not in a configuration module, and not to style output.
fn reads_ci(path: &str, near: &[&str]) -> bool {
    !is_configuration(path)
        && near.iter().any(|l| CI_VARIABLE.is_match(l))
        && !near.iter().any(|l| OUTPUT_STYLE.is_match(l))
}

/// The literal values the reproduction checks (numbers other than 0 and ±1, strings of four
/// or more characters), for spotting code that special-cases them.
pub(crate) fn reproduction_values(reproduction: &[&str]) -> Vec<String> {
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
    // The name of an environment variable the reproduction sets is the code's input, not an
    // answer: `if port := os.Getenv("PORT"); port != ""` reads what the test gave it.
    let line = &ENV_NAME.replace_all(line, "${1}_");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(path: &str, before: &str, after: &str) -> Vec<String> {
        let mut findings = Vec::new();
        let change = Change {
            path,
            before: Some(before),
            after: Some(after),
        };
        code_findings(&change, &[], &mut findings);
        findings
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
        let env = reproduction_values(&["t.Setenv(\"PORT\", \"9000\")\n"]);
        assert!(!special_cases(
            "if port := os.Getenv(\"PORT\"); port != \"\" {",
            &env
        ));
        assert!(special_cases("if port == \"9000\" {", &env));
    }

    #[test]
    fn test_words_are_words() {
        for word in [
            "if 'pytest' in name",
            "n.endswith('_test.py')",
            "isTest",
            "RUN_TESTS",
            "x.contains(\"/deps/\")",
        ] {
            assert!(TEST_WORD.is_match(word), "{word}");
        }
        for word in ["LATEST", "contest", "attestation", "fastest"] {
            assert!(!TEST_WORD.is_match(word), "{word}");
        }
    }

    #[test]
    fn a_probe_counts_only_next_to_a_test_word() {
        let stack = "import inspect\n\ndef caller():\n    frame = inspect.stack()[1]\n    return frame.filename\n";
        assert!(flags("trace.py", "", stack).is_empty());
        let sneaky = "import inspect\n\ndef caller():\n    for frame in inspect.stack():\n        if frame.filename.endswith(\"_test.py\"):\n            return True\n";
        assert_eq!(flags("trace.py", "", sneaky).len(), 1);
        // A probe that was already there is not the fix's.
        assert!(flags("trace.py", sneaky, &format!("{sneaky}\nX = 1\n")).is_empty());
    }

    #[test]
    fn ci_in_configuration_or_for_colours_is_not_a_finding() {
        let read = "import os\nFAST = not os.environ.get(\"CI\")\n";
        assert_eq!(flags("app/cache.py", "", read).len(), 1);
        let imported = "from os import environ\nFAST = environ.get(\"CI\") is None\n";
        assert_eq!(flags("app/cache.py", "", imported).len(), 1);
        assert!(flags("app/settings.py", "", read).is_empty());
        assert!(flags("app/config/cache.py", "", read).is_empty());
        let colours = "import os\nCOLOR = os.environ.get(\"CI\") is None\n";
        assert!(flags("app/log.py", "", colours).is_empty());
    }

    #[test]
    fn cfg_test_on_a_module_is_not_a_finding() {
        let lib = "pub fn f() -> u8 { 1 }\n";
        let with_tests = "pub fn f() -> u8 { 1 }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn one() { assert_eq!(super::f(), 1); }\n}\n";
        assert!(flags("src/lib.rs", lib, with_tests).is_empty());
        let split =
            "#[cfg(not(test))]\npub fn f() -> u8 { 1 }\n#[cfg(test)]\npub fn f() -> u8 { 2 }\n";
        assert_eq!(flags("src/lib.rs", lib, split).len(), 1);
    }
}
