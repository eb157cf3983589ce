//! A merge resolution judged against both sides: a file the agent resolved must keep at least
//! the tests and assertions the poorer side had, and skip no more than the side that skips more.
//! (One side may have removed a test on purpose; a resolution that has fewer than both did not
//! merge, it dropped.)

use super::diff::{count, test_code};
use super::weakened::{ASSERT, SKIP, TEST_DEF};

/// Why the resolution of `path` weakens its tests against both `ours` and `theirs` (`None`:
/// that side does not have the file).
#[must_use]
pub fn weakened_against_both(
    path: &str,
    ours: Option<&str>,
    theirs: Option<&str>,
    resolved: &str,
) -> Vec<String> {
    let measure = |text: Option<&str>, what: &regex::Regex| {
        text.map_or(0, |t| count(what, test_code(path, t)))
    };
    let now = |what: &regex::Regex| count(what, test_code(path, resolved));
    let mut findings = Vec::new();
    for (what, regex) in [("tests", &*TEST_DEF), ("assertions", &*ASSERT)] {
        let least = measure(ours, regex).min(measure(theirs, regex));
        if now(regex) < least {
            findings.push(format!(
                "`{path}` has {} {what} after the resolution, fewer than either side ({} in the \
                 fork's, {} in upstream's)",
                now(regex),
                measure(ours, regex),
                measure(theirs, regex)
            ));
        }
    }
    let most = measure(ours, &SKIP).max(measure(theirs, &SKIP));
    if now(&SKIP) > most {
        findings.push(format!(
            "`{path}` skips or ignores more tests after the resolution than either side did"
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str =
        "def test_a():\n    assert f(1) == 1\n\ndef test_b():\n    assert f(2) == 2\n";
    const THEIRS: &str =
        "def test_a():\n    assert f(1) == 1\n\ndef test_c():\n    assert f(3) == 3\n";

    #[test]
    fn a_resolution_keeping_both_sides_tests_passes() {
        let both = format!("{OURS}\ndef test_c():\n    assert f(3) == 3\n");
        assert!(
            weakened_against_both("tests/test_f.py", Some(OURS), Some(THEIRS), &both).is_empty()
        );
    }

    #[test]
    fn dropping_tests_or_assertions_or_adding_a_skip_is_found() {
        let dropped = "def test_a():\n    assert f(1) == 1\n";
        let found = weakened_against_both("tests/test_f.py", Some(OURS), Some(THEIRS), dropped);
        assert!(found.iter().any(|f| f.contains("1 tests")), "{found:?}");
        let skipped = format!("import pytest\n@pytest.mark.skip\n{OURS}");
        let found = weakened_against_both("tests/test_f.py", Some(OURS), Some(THEIRS), &skipped);
        assert!(found.iter().any(|f| f.contains("skips")), "{found:?}");
    }

    #[test]
    fn one_side_deleting_a_test_on_purpose_is_not_a_finding() {
        let fewer = "def test_a():\n    assert f(1) == 1\n";
        assert!(
            weakened_against_both("tests/test_f.py", Some(OURS), Some(fewer), fewer).is_empty()
        );
    }
}
