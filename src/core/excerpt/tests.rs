use super::*;

fn ids(text: &str) -> Vec<String> {
    triage_text(text, DEFAULT_BUDGET)
        .failing_tests
        .into_iter()
        .map(|f| f.id)
        .collect()
}

#[test]
fn a_stamped_line_with_wide_characters_near_byte_40_is_cut_safely() {
    // Found by tests/fuzz.rs: the stamp search used to slice the line at byte 40.
    let line = "2026-11-21T10:00:01.1234567Z Failures:\u{b0f4f}\u{2002}x";
    assert_eq!(normalise(line), "Failures:\u{b0f4f}\u{2002}x");
    assert_eq!(
        normalise("2026-11-21T10:00:01.1234567\u{b0f4f}\u{b0f4f}\u{b0f4f}"),
        "2026-11-21T10:00:01.1234567\u{b0f4f}\u{b0f4f}\u{b0f4f}"
    );
}

#[test]
fn normalises_github_lines() {
    assert_eq!(
        normalise("2024-05-01T12:34:56.1234567Z \u{1b}[31mFAILED\u{1b}[0m x"),
        "FAILED x"
    );
    assert_eq!(
        normalise("##[error]Process completed with exit code 1."),
        "error: Process completed with exit code 1."
    );
    assert_eq!(normalise("10%\r50%\r100%"), "100%");
    assert_eq!(normalise("\u{1b}]0;title\u{7}text"), "text");
}

#[test]
fn names_failing_tests_the_runners_way() {
    assert_eq!(
        ids("FAILED tests/test_a.py::test_b - AssertionError: x"),
        ["tests/test_a.py::test_b"]
    );
    // `-v` with its progress column, and xdist's worker and progress marks.
    assert_eq!(
        ids("tests/t.py::test_x FAILED                                  [  4%]"),
        ["tests/t.py::test_x"]
    );
    assert_eq!(
        ids("[gw1] [ 50%] FAILED tests/t.py::test_y"),
        ["tests/t.py::test_y"]
    );
    assert_eq!(
        ids("test tests::counts_words ... FAILED"),
        ["tests::counts_words"]
    );
    assert_eq!(ids("--- FAIL: TestX/sub (0.01s)"), ["TestX/sub"]);
    assert_eq!(
        ids("TAP version 13\nnot ok 2 - adds numbers"),
        ["adds numbers"]
    );
    assert_eq!(
        ids(
            "======================================================================\nFAIL: test_add (test_calc.CalcTest.test_add)"
        ),
        ["test_calc.CalcTest.test_add"]
    );
    assert_eq!(
        ids(
            "======================================================================\nFAIL: test_add (test_calc.CalcTest)"
        ),
        ["test_calc.CalcTest.test_add"]
    );
    assert_eq!(ids("  ● Calc › adds"), ["Calc › adds"]);
    assert_eq!(
        ids("        FAIL [   0.004s] fixloop core::a::tests::b"),
        ["fixloop core::a::tests::b"]
    );
    assert_eq!(
        ids("[ERROR] testAdd(com.acme.CalcTest)  Time elapsed: 0.01 s  <<< FAILURE!"),
        ["com.acme.CalcTest.testAdd"]
    );
    assert_eq!(
        ids("[ERROR] com.acme.CalcTest.testAdd -- Time elapsed: 0.010 s <<< FAILURE!"),
        ["com.acme.CalcTest.testAdd"]
    );
    assert_eq!(ids("CalcTest > testAdd() FAILED"), ["CalcTest > testAdd()"]);
    assert_eq!(
        ids("  Failed Acme.CalcTests.Adds [12 ms]"),
        ["Acme.CalcTests.Adds"]
    );
    assert_eq!(
        ids("Failed examples:\n\nrspec ./spec/calc_spec.rb:12 # Calc adds"),
        ["./spec/calc_spec.rb:12"]
    );
    assert_eq!(
        ids(
            "  1 passing\n  1 failing\n\n  1) Calc\n       adds numbers:\n     AssertionError: 1 == 2"
        ),
        ["Calc adds numbers"]
    );
    assert_eq!(
        ids(
            "Failures:\n\n  1) Calc adds\n     Failure/Error: expect(1).to eq(2)\n\nFailed examples:\n\nrspec ./spec/calc_spec.rb:3 # Calc adds"
        ),
        ["./spec/calc_spec.rb:3"]
    );
    assert!(
        ids("test tests::ok ... ok\n[ERROR] Tests run: 3, Failures: 1 <<< FAILURE!").is_empty()
    );
}

#[test]
fn each_failing_test_gets_its_own_first_error() {
    let log = "\
running 2 tests
test tests::a ... FAILED
test tests::b ... FAILED

failures:

---- tests::a stdout ----
thread 'tests::a' panicked at src/lib.rs:3:5:
assertion `left == right` failed
  left: 1
 right: 2

---- tests::b stdout ----
thread 'tests::b' panicked at src/lib.rs:9:5:
index out of bounds

test result: FAILED. 0 passed; 2 failed
error: test failed, to rerun pass `--lib`
";
    let out = triage_text(log, DEFAULT_BUDGET);
    assert_eq!(
        out.failing_tests[0].message,
        "thread 'tests::a' panicked at src/lib.rs:3:5: assertion `left == right` failed"
    );
    assert_eq!(
        out.failing_tests[1].message,
        "thread 'tests::b' panicked at src/lib.rs:9:5: index out of bounds"
    );
    assert!(
        out.excerpt
            .contains("---- tests::a stdout ----\nthread 'tests::a' panicked")
    );
    assert!(out.excerpt.contains("index out of bounds"));
    assert!(
        out.excerpt
            .contains("error: test failed, to rerun pass `--lib`"),
        "closing lines kept"
    );
    assert_eq!(out.runners, ["cargo"]);
}

#[test]
fn the_excerpt_stays_within_budget_and_repeats_collapse() {
    let mut t = Triage::new(2048);
    for i in 0..50_000 {
        t.push(format!("noise line {i}").as_bytes());
    }
    for _ in 0..1000 {
        t.push(b"thread 'tests::a' panicked at src/lib.rs:3:5:");
    }
    t.push(b"test tests::a ... FAILED");
    let out = t.finish();
    assert!(out.excerpt.len() <= 2048);
    assert!(out.excerpt.contains("panicked at"));
    assert!(
        out.excerpt.contains("repeated 999 more times"),
        "{}",
        out.excerpt
    );
    assert_eq!(out.lines, 51_001);
}

#[test]
fn go_failures_take_their_run_output() {
    let log = "=== RUN   TestAdd\n    calc_test.go:9: add(2, 3) = -1, want 5\n--- FAIL: TestAdd (0.00s)\nFAIL\nexit status 1\n";
    let out = triage_text(log, DEFAULT_BUDGET);
    assert_eq!(out.failing_tests[0].id, "TestAdd");
    assert!(
        out.excerpt
            .contains("calc_test.go:9: add(2, 3) = -1, want 5"),
        "{}",
        out.excerpt
    );
}

#[test]
fn an_endless_line_is_counted_whole_and_shown_cut() {
    let wide = "é".repeat(2048);
    let mut t = Triage::new(DEFAULT_BUDGET);
    t.feed_bytes(b"start\nx");
    // A line of 1 MiB and more, in pieces, then the line after it.
    for _ in 0..256 {
        t.feed_bytes(wide.as_bytes());
    }
    t.feed_bytes(b"\r\nerror: after the long line\n");
    let out = t.finish();
    assert_eq!(out.lines, 3);
    assert_eq!(out.bytes, 7 + 256 * 4096 + 29);
    assert_eq!(out.errors, [(3, "error: after the long line".to_owned())]);
    let shown = format!("x{}…", "é".repeat(199));
    assert!(out.excerpt.lines().any(|l| l == shown), "{}", out.excerpt);

    // The same line in one piece is counted and shown the same way.
    let whole = format!(
        "start\nx{}\nerror: after the long line\n",
        "é".repeat(300_000)
    );
    let out = triage_text(&whole, DEFAULT_BUDGET);
    assert_eq!(out.lines, 3);
    assert!(out.excerpt.lines().any(|l| l == shown), "{}", out.excerpt);
}

#[test]
fn a_long_line_of_bytes_that_are_no_utf8_is_cut_not_emptied() {
    // Continuation bytes only (binary output): the cut may not walk back to nothing.
    let binary = vec![0x80u8; 40_000];
    assert!(!super::triage::cut_line(&binary).is_empty());
    let text = "é".repeat(20_000);
    let cut = super::triage::cut_line(text.as_bytes());
    assert!(std::str::from_utf8(cut).is_ok() && cut.len() > 16_000);
}

#[test]
fn what_the_held_out_corpus_taught() {
    // node: a suite failing for its own reason (a hook) is listed beside its failing subtests;
    // a failing TODO is no failure.
    let tap = "TAP version 13\n# Subtest: eval\n    # Subtest: a\n    not ok 1 - a\n      ---\n      failureType: 'testCodeFailure'\n      ...\n    # Subtest: later\n    not ok 2 - later # TODO not yet\nnot ok 1 - eval\n  ---\n  failureType: 'hookFailed'\n  error: 'after hook'\n  ...\n1..1\n";
    assert_eq!(ids(tap), ["eval > a", "eval"]);
    // pytest: a doctest is named by its object's dotted path.
    let doctest = "rootdir: /r\n==== FAILURES ====\n____ [doctest] pkg.mod.fn ____\n/r/src/pkg/mod.py:22: DocTestFailure\n";
    assert_eq!(ids(doctest), ["src/pkg/mod.py::pkg.mod.fn"]);
    // RSpec: failures aggregated under one example.
    let rspec = "Failures:\n\n  1) Tax knows the rate\n     Got 2 failures from failure aggregation block \"rates\".\n\n     1.1) Failure/Error: expect(0.19).to eq(0.16)\n\nFailed examples:\n\nrspec ./spec/tax_spec.rb:7 # Tax knows the rate\n";
    let out = triage_text(rspec, DEFAULT_BUDGET);
    assert_eq!(out.failing_tests[0].id, "./spec/tax_spec.rb:7");
    assert!(
        out.failing_tests[0]
            .message
            .contains("Failure/Error: expect(0.19)")
    );
    // cargo: a doc test's panic is in `main`, under the test's own line.
    let doc = "test src/lib.rs - add (line 5) ... Test executable failed (exit status: 101).\n\nstderr:\nthread 'main' (7) panicked at src/lib.rs:8:1:\nboom-doc\nFAILED\n\nfailures:\n    src/lib.rs - add (line 5)\n";
    let out = triage_text(doc, DEFAULT_BUDGET);
    assert_eq!(out.failing_tests[0].id, "src/lib.rs - add (line 5)");
    assert!(
        out.failing_tests[0].message.contains("boom-doc"),
        "{:?}",
        out.failing_tests
    );
}
