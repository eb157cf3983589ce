//! Multi-line recognisers on small logs of each runner's shapes.
use super::*;

fn ids(text: &str) -> Vec<String> {
    let mut reader = Reader::new();
    text.lines()
        .zip(1..)
        .filter_map(|(l, n)| match reader.read(l, n) {
            Some(Anchor::Failing { id, .. } | Anchor::Named { id, .. }) => Some(id),
            _ => None,
        })
        .collect()
}

#[test]
fn nested_reports_name_tests_by_their_path() {
    let tap = "TAP version 13\n# Subtest: Calc\n    # Subtest: nested\n        # Subtest: adds\n        not ok 1 - adds\n          ---\n        1..1\n    not ok 1 - nested\n# Subtest: top\nnot ok 2 - top\n";
    assert_eq!(ids(tap), ["Calc > nested > adds", "Calc > nested", "top"]);
    let vitest = "TAP version 13\nnot ok 1 - calc.test.js # time=5ms\n    not ok 1 - Calc # time=2ms\n        ok 1 - zero # time=1ms\n        not ok 2 - adds # time=1ms\n";
    assert_eq!(
        ids(vitest),
        [
            "calc.test.js",
            "calc.test.js > Calc",
            "calc.test.js > Calc > adds"
        ]
    );
    let spec = "▶ Calc\n  ▶ nested\n    ✖ adds (1.2ms)\n      AssertionError\n  ▶ nested (2ms)\n✖ Calc (3ms)\n✖ failing tests:\n\n✖ adds (1.2ms)\n";
    assert_eq!(ids(spec), ["Calc > nested > adds", "Calc"]);
    assert_eq!(ids("1..3\nnot ok 3 Calc nested adds"), ["Calc nested adds"]);
}

#[test]
fn mocha_headers_continue_over_lines() {
    let log = "  2 failing\n\n  1) Calc\n       nested\n         adds:\n     AssertionError: boom\n  2) Calc\n       \"before each\" hook for \"x\":\n     Error: y\n";
    assert_eq!(
        ids(log),
        ["Calc nested adds", "Calc \"before each\" hook for \"x\""]
    );
}

#[test]
fn nextest_retries_end_in_their_last_try() {
    let mut reader = Reader::new();
    let lines = [
        " Nextest run ID 9f8f with nextest profile: default",
        "  TRY 1 FAIL [   0.008s] (─────) calc::api flaky",
        "  TRY 2 PASS [   0.008s] (10/10) calc::api flaky",
        "   FLAKY 2/2 [   0.008s] (10/10) calc::api flaky",
        "  TRY 2 FAIL [   0.007s] ( 2/10) calc tests::a",
    ];
    let read: Vec<Option<Anchor>> = lines
        .iter()
        .zip(1..)
        .map(|(l, n)| reader.read(l, n))
        .collect();
    assert!(matches!(&read[1], Some(Anchor::Failing { id, .. }) if id == "calc::api flaky"));
    assert!(matches!(&read[2], Some(Anchor::Cleared { id, .. }) if id == "calc::api flaky"));
    assert!(matches!(&read[3], Some(Anchor::Cleared { id, .. }) if id == "calc::api flaky"));
    assert!(matches!(&read[4], Some(Anchor::Failing { id, .. }) if id == "calc tests::a"));
}

#[test]
fn pytest_headers_take_their_file_from_the_traceback() {
    let log = "rootdir: /tmp/p\n==== FAILURES ====\n____ TestA.test_b[1.5] ____\n\n    def test_b():\n>       helper()\n\ntests/test_a.py:12: \n_ _ _\nhelpers.py:3: ValueError\n____ test_c ____\ntests/test_c.py:9: in test_c\n==== ERRORS ====\n____ ERROR at setup of test_d ____\nfile /tmp/p/tests/test_d.py, line 4\n==== short test summary info ====\n";
    assert_eq!(
        ids(log),
        [
            "tests/test_a.py::TestA::test_b[1.5]",
            "tests/test_c.py::test_c",
            "tests/test_d.py::test_d"
        ]
    );
    // Outside the failure sections a header is someone's output.
    assert!(ids("==== PASSES ====\n____ test_ok ____\ntests/t.py:3: in test_ok\n").is_empty());
}

#[test]
fn output_that_looks_like_failures_is_output() {
    // jest: a console block's header is indented deeper than the failures'.
    let jest = "FAIL __tests__/a.test.js\n  ● Console\n\n    console.log\n      ● Fake › test\n\n  ● Calc › adds\n  ● top level\n";
    assert_eq!(ids(jest), ["Calc › adds", "top level"]);
    // vitest: console blocks run to a blank line, even after the dot reporter's marks.
    let vitest = "x·xstdout | test/a.test.js > Calc > logs\n FAIL  fake.test.js > x\n\n FAIL  test/a.test.js > Calc > adds\n";
    assert_eq!(ids(vitest), ["test/a.test.js > Calc > adds"]);
    // RSpec: rerun lines count after `Failed examples:` only.
    let rspec = "rspec ./spec/fake_spec.rb:1 # fake\nFailed examples:\n\nrspec './spec/a_spec.rb[1:2:1]' # A b\n";
    assert_eq!(ids(rspec), ["./spec/a_spec.rb[1:2:1]"]);
    // unittest: a header without its rule just before it.
    let unittest = "FAIL: test_x (fake.T.test_x)\n======================================================================\nFAIL: test_y (real.T.test_y) (n=2)\n";
    assert_eq!(ids(unittest), ["real.T.test_y (n=2)"]);
    // pytest: captured output, and the short summary's form outside the short summary.
    let pytest = "==== test session starts ====\nFAILED tests/fake.py::x - printed with -s\n==== FAILURES ====\n____ test_a ____\ntests/t.py:3: AssertionError\n---- Captured stdout call ----\nFAILED tests/fake.py::y\n==== short test summary info ====\nFAILED tests/t.py::test_a - AssertionError\n";
    assert_eq!(ids(pytest), ["tests/t.py::test_a", "tests/t.py::test_a"]);
    // nextest: a retry line in a test's (indented) output is output.
    let nextest = "    Starting 2 tests across 1 binary\n        FAIL [   0.01s] (1/2) calc a\n    TRY 2 PASS [   0.01s] (1/2) calc a\n";
    let mut reader = Reader::new();
    let read: Vec<Option<Anchor>> = nextest
        .lines()
        .zip(1..)
        .map(|(l, n)| reader.read(l, n))
        .collect();
    assert!(read[2].is_none(), "{read:?}");
}

#[test]
fn a_new_step_ends_the_last_step_s_sections() {
    // A pytest step killed while a test's output was shown, then a cargo step.
    let log = "==== FAILURES ====\n____ test_a ____\ntests/t.py:3: AssertionError\n---- Captured stdout call ----\nstill printing\n▸ Run cargo test\ntest tests::b ... FAILED\n";
    assert_eq!(ids(log), ["tests/t.py::test_a", "tests::b"]);
}

#[test]
fn cargo_s_closing_list_names_the_failures() {
    let log = "failures:\n\n---- tests::a stdout ----\nthread 'tests::a' panicked\n\nfailures:\n    tests::a\n    src/lib.rs - add (line 3)\n\ntest result: FAILED. 1 passed; 2 failed\n";
    assert_eq!(ids(log), ["tests::a", "src/lib.rs - add (line 3)"]);
}
