//! One pass over the fix's changed files, asking every rule.

use super::code::{code_findings, reproduction_values};
use super::diff::{Change, count, is_comment, line_changes, test_code};
use super::hooks::hook_findings;
use super::imports::reproduction_imports;
use super::shadowing::shadowing_findings;
use super::weakened::{
    TEST_DEF, assertion_findings, is_config_path, skip_finding, test_setting_finding,
    timing_findings, whole_file_findings,
};
use crate::core::repro::is_test_path;

/// What the guard finds in a fix. `reproduction` is the text of the reproduction's files (the
/// approved test), to spot code that answers its exact inputs and files named like the modules
/// it imports.
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
            code_findings(change, &values, &mut findings);
        }
        hook_findings(change, &mut findings);
    }
    shadowing_findings(changes, &reproduction_imports(reproduction), &mut findings);
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
