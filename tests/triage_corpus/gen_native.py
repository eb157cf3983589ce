"""The native runners of the triage corpus: cargo test, cargo nextest and go test. See README.md
beside this file.

Each runner builds a small crate or module with known failures in a fresh temporary directory
(cargo's target directory and go's module live there too), runs it in the output shapes projects
use, and takes the truth from the runner's own machine-readable result: libtest's JSON events,
nextest's JUnit XML of the same run, `go test -json` events.
"""

import json
import shutil
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from common import Unavailable, run, write_case
from common import markers_of as _markers
from common import write_tree as _write_tree


def _json_lines(text):
    """The JSON objects among `text`'s lines (a merged log also holds cargo's and go's own lines)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                pass


# --------------------------------------------------------------------------------------------
# The Rust crate, shared by cargo test and nextest
# --------------------------------------------------------------------------------------------

CARGO_TOML = """
[package]
name = "calc"
version = "0.1.0"
edition = "2021"

[dependencies]
"""

LIB_RS = '''
//! A small calculator with known failures.

/// Adds two numbers.
///
/// ```
/// assert_eq!(calc::add(2, 2), 5, "boom-doc: the doc example is wrong");
/// ```
pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

/// Divides, and panics on a zero divisor.
///
/// ```
/// assert_eq!(calc::divide(6, 3), 2);
/// ```
pub fn divide(a: i32, b: i32) -> i32 {
    if b == 0 {
        panic!("boom-divide: cannot divide {a} by zero");
    }
    a / b
}

/// Parses a number.
pub fn parse(text: &str) -> Result<i32, String> {
    text.trim().parse().map_err(|e| format!("cannot parse {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn adds_wrong() {
        assert_eq!(add(2, 2), 5, "boom-add: 2 + 2 is not 5");
    }

    #[test]
    #[should_panic(expected = "by zero")]
    fn divide_panics() {
        divide(6, 3);
    }

    #[test]
    fn prints_lookalikes() {
        // Passes, but prints what failures look like: precision, not recall.
        println!("test fake ... FAILED");
        println!("---- fake stdout ----");
        eprintln!("thread 'fake' panicked at src/fake.rs:1:1:");
    }

    #[test]
    #[ignore = "needs a printer"]
    fn ignored() {}

    mod nested {
        use crate::*;

        #[test]
        fn parses() {
            assert_eq!(parse(" 7 "), Ok(7));
        }

        #[test]
        fn parses_garbage() {
            let n = parse("boom-seven").unwrap();
            assert_eq!(n, 7);
        }
    }
}
'''

API_RS = '''
use calc::{add, divide};

#[test]
fn api_adds() {
    assert_eq!(add(1, 1), 2);
}

#[test]
fn api_divides_by_zero() {
    assert_eq!(divide(1, 0), 0);
}

/// Fails on its first try, then passes: only when CALC_FLAKY_MARK names a marker file, as the
/// nextest shapes set it (for `--retries`); elsewhere it just passes.
#[test]
fn flaky_first_try() {
    if let Ok(mark) = std::env::var("CALC_FLAKY_MARK") {
        if std::fs::metadata(&mark).is_err() {
            std::fs::write(&mark, "tried").unwrap();
            panic!("boom-flaky: the first try fails");
        }
    }
}

mod compat {
    #[test]
    fn old_parse() -> Result<(), String> {
        let n = calc::parse("boom-compat")?;
        assert_eq!(n, 1);
        Ok(())
    }
}
'''

NEXTEST_TOML = """
[profile.default.junit]
path = "junit.xml"
"""


def _crate(root):
    if shutil.which("cargo") is None:
        raise Unavailable("cargo is not installed")
    crate = Path(root) / "calc"
    _write_tree(
        crate,
        {
            "Cargo.toml": CARGO_TOML,
            "src/lib.rs": LIB_RS,
            "tests/api.rs": API_RS,
            ".config/nextest.toml": NEXTEST_TOML,
        },
    )
    # The target directory inside the temporary directory: nothing is shared with other builds.
    env = {"CARGO_TARGET_DIR": str(crate / "target"), "CARGO_TERM_COLOR": "never"}
    return crate, env


# --------------------------------------------------------------------------------------------
# cargo test
# --------------------------------------------------------------------------------------------

CARGO_SHAPES = [
    ("default", "cargo test --no-fail-fast"),
    ("q", "cargo test --no-fail-fast -q"),
    ("test-threads-1", "cargo test --no-fail-fast -- --test-threads=1"),
    ("show-output", "cargo test --no-fail-fast -- --show-output"),
]

CARGO_MARKERS = {
    "tests::adds_wrong": "boom-add",
    "compat::old_parse": "boom-compat",
    "src/lib.rs - add (line 5)": "boom-doc",
}


def gen_cargo(outdir):
    with tempfile.TemporaryDirectory(prefix="cargo-") as root:
        crate, env = _crate(root)
        # The first shape builds the crate, as a CI step does: its log shows cargo compiling.
        runs = [(shape, command, *run(command, crate, env=env)) for shape, command in CARGO_SHAPES]
        # The truth: libtest's JSON events, which stable libtest and rustdoc print when
        # RUSTC_BOOTSTRAP is set at run time (the build is reused); the failing ids are the "name"
        # of the "failed" test events.
        _, truth_log = run(
            "cargo test --no-fail-fast -- -Z unstable-options --format json",
            crate,
            env={**env, "RUSTC_BOOTSTRAP": "1"},
        )
        failing = [
            e["name"] for e in _json_lines(truth_log) if e.get("type") == "test" and e.get("event") == "failed"
        ]
        if not failing:
            raise AssertionError(f"cargo: libtest's JSON names no failing test:\n{truth_log}")
        for shape, command, code, log in runs:
            write_case(
                outdir,
                "cargo",
                shape,
                command=command,
                exit_code=code,
                log=log,
                truth_source="libtest --format json (RUSTC_BOOTSTRAP=1), events failed",
                failing=failing,
                markers=_markers(CARGO_MARKERS, failing, log, f"cargo {shape}"),
            )


# --------------------------------------------------------------------------------------------
# nextest
# --------------------------------------------------------------------------------------------

# The flaky test fails its first try in every shape; with --retries 1 its second try passes and
# nextest counts it as passed (flaky), so it is not failing there.
NEXTEST_SHAPES = [
    ("default", "cargo nextest run --no-fail-fast"),
    ("failure-output-final", "cargo nextest run --no-fail-fast --failure-output final"),
    ("status-level-all", "cargo nextest run --no-fail-fast --status-level all"),
    ("success-output-immediate", "cargo nextest run --no-fail-fast --success-output immediate"),
    ("retries-1", "cargo nextest run --no-fail-fast --retries 1"),
    ("no-capture", "cargo nextest run --no-fail-fast --no-capture"),
]

NEXTEST_MARKERS = {
    "calc tests::adds_wrong": "boom-add",
    "calc::api api_divides_by_zero": "boom-divide",
    "calc::api compat::old_parse": "boom-compat",
}


def _nextest_ids(junit_path):
    """The failing tests of nextest's JUnit XML, as `<binary-id> <test name>`.

    nextest writes one <testsuite name="<binary-id>"> per test binary and <testcase
    name="<test name>">; a failing test holds <failure> or <error> (a flaky test that passed on
    retry holds <flakyFailure> only)."""
    failing = []
    for suite in ET.parse(junit_path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failing.append(f"{suite.get('name')} {case.get('name')}")
    return failing


def gen_nextest(outdir):
    if shutil.which("cargo-nextest") is None:
        raise Unavailable("cargo-nextest is not installed")
    with tempfile.TemporaryDirectory(prefix="nextest-") as root:
        crate, env = _crate(root)
        mark = Path(root) / "flaky.mark"
        junit = crate / "target" / "nextest" / "default" / "junit.xml"
        for shape, command in NEXTEST_SHAPES:
            mark.unlink(missing_ok=True)
            junit.unlink(missing_ok=True)
            code, log = run(command, crate, env={**env, "CALC_FLAKY_MARK": str(mark)})
            if not junit.is_file():
                raise AssertionError(f"nextest {shape}: no JUnit XML written:\n{log}")
            failing = _nextest_ids(junit)
            write_case(
                outdir,
                "nextest",
                shape,
                command=command,
                exit_code=code,
                log=log,
                truth_source="nextest JUnit XML (same run), testcases with <failure> or <error>",
                failing=failing,
                markers=_markers(NEXTEST_MARKERS, failing, log, f"nextest {shape}"),
            )


# --------------------------------------------------------------------------------------------
# go test
# --------------------------------------------------------------------------------------------

GO_MOD = """
module example.com/calc

go 1.19
"""

GO_CALC = """
package calc

import "errors"

// Add adds.
func Add(a, b int) int { return a + b }

// Divide divides, and says so when the divisor is zero.
func Divide(a, b int) (int, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a / b, nil
}
"""

GO_CALC_TEST = """
package calc

import (
	"fmt"
	"testing"
)

func TestAdd(t *testing.T) {
	if got := Add(1, 1); got != 2 {
		t.Errorf("Add(1, 1) = %d", got)
	}
}

func TestAddWrong(t *testing.T) {
	if got := Add(2, 2); got != 5 {
		t.Errorf("boom-add: Add(2, 2) = %d, want 5", got)
	}
}

// Fails only because a subtest two levels down fails.
func TestDivide(t *testing.T) {
	t.Run("exact", func(t *testing.T) {
		if got, _ := Divide(6, 3); got != 2 {
			t.Errorf("Divide(6, 3) = %d", got)
		}
	})
	t.Run("by zero", func(t *testing.T) {
		t.Run("positive", func(t *testing.T) {
			if _, err := Divide(1, 0); err == nil {
				t.Error("no error")
			}
		})
		t.Run("negative", func(t *testing.T) {
			if _, err := Divide(-1, 0); err != nil {
				t.Fatalf("boom-negative: Divide(-1, 0): %v", err)
			}
		})
	})
}

func TestTable(t *testing.T) {
	cases := []struct {
		name    string
		a, b, want int
	}{
		{"one plus one", 1, 1, 2},
		{"two plus two", 2, 2, 5},
		{"negative numbers", -1, -2, -3},
		{"big numbers", 1000, 2000, 3001},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			expectEqual(t, Add(c.a, c.b), c.want)
		})
	}
}

// Passes, and so do all its subtests.
func TestSigns(t *testing.T) {
	t.Run("positive", func(t *testing.T) {
		if Add(1, 2) <= 0 {
			t.Error("not positive")
		}
	})
	t.Run("negative", func(t *testing.T) {
		if Add(-1, -2) >= 0 {
			t.Error("not negative")
		}
	})
}

// Passes, but prints what failures look like: precision, not recall.
func TestPrintsLookalikes(t *testing.T) {
	t.Log("--- FAIL: TestFake (0.00s)")
	fmt.Println("FAIL: TestFake is only a message")
	fmt.Println("not ok 1 - fake")
}
"""

# The helper that reports a table case's failure: the failure's location is this file.
GO_HELPERS_TEST = """
package calc

import "testing"

func expectEqual(t *testing.T, got, want int) {
	if got != want {
		t.Errorf("boom-table: got %d, want %d", got, want)
	}
}
"""

GO_TEXT = """
package text

// Reverse reverses s (wrongly for odd lengths).
func Reverse(s string) string {
	r := []rune(s)
	for i := 0; i < len(r)/2-1; i++ {
		r[i], r[len(r)-1-i] = r[len(r)-1-i], r[i]
	}
	return string(r)
}

// Count counts the words of s.
func Count(words map[string]int, s string) {
	words[s]++
}
"""

GO_TEXT_TEST = """
package text

import "testing"

func TestReverse(t *testing.T) {
	if got := Reverse("abcd"); got != "dcba" {
		t.Errorf("boom-reverse: Reverse(%q) = %q", "abcd", got)
	}
}

func TestReverseEmpty(t *testing.T) {
	if got := Reverse(""); got != "" {
		t.Errorf("Reverse(\\"\\") = %q", got)
	}
}

// Panics: the test binary stops here, so this test comes last.
func TestCountPanics(t *testing.T) {
	var words map[string]int
	Count(words, "boom")
}
"""

GO_VERSION = """
package version

// Version is the module's version.
const Version = "1.0.0"
"""

GO_VERSION_TEST = """
package version

import "testing"

func TestVersion(t *testing.T) {
	if Version == "" {
		t.Error("no version")
	}
}
"""

GO_MAIN = """
package main

import (
	"fmt"

	"example.com/calc/calc"
)

func main() {
	fmt.Println(calc.Add(1, 2))
}
"""

GO_SHAPES = [
    ("default", "go test ./..."),
    ("v", "go test -v ./..."),
    ("json", "go test -json ./..."),
]

GO_MARKERS = {
    "TestAddWrong": "boom-add",
    "TestDivide/by_zero/negative": "boom-negative",
    "TestTable/two_plus_two": "boom-table: got 4, want 5",
}


def _go_failing(json_text):
    """The leaf tests that failed in `go test -json` output: a test whose failing is explained by
    a failing subtest ("TestX" when "TestX/..." failed) is left out."""
    failed = {e["Test"] for e in _json_lines(json_text) if e.get("Action") == "fail" and e.get("Test")}
    return [t for t in failed if not any(other.startswith(t + "/") for other in failed)]


def gen_go(outdir):
    if shutil.which("go") is None:
        raise Unavailable("go is not installed")
    with tempfile.TemporaryDirectory(prefix="go-") as root:
        module = Path(root) / "calc"
        _write_tree(
            module,
            {
                "go.mod": GO_MOD,
                "calc/calc.go": GO_CALC,
                "calc/calc_test.go": GO_CALC_TEST,
                "calc/helpers_test.go": GO_HELPERS_TEST,
                "text/text.go": GO_TEXT,
                "text/text_test.go": GO_TEXT_TEST,
                "version/version.go": GO_VERSION,
                "version/version_test.go": GO_VERSION_TEST,
                "cmd/calc/main.go": GO_MAIN,
            },
        )
        env = {"GOFLAGS": "-mod=mod", "GOPROXY": "off"}
        for shape, command in GO_SHAPES:
            code, log = run(command, module, env=env)
            if shape == "json":
                truth_log = log
            else:
                _, truth_log = run("go test -json ./...", module, env=env)
            failing = _go_failing(truth_log)
            write_case(
                outdir,
                "go",
                shape,
                command=command,
                exit_code=code,
                log=log,
                truth_source="go test -json: Action fail with a Test, leaf tests only",
                failing=failing,
                markers=_markers(GO_MARKERS, failing, log, f"go {shape}"),
            )


RUNNERS = {"cargo": gen_cargo, "nextest": gen_nextest, "go": gen_go}
