"""A second, held-out set of triage cases: other projects, other domains, other output shapes.

The first corpus (gen_python, gen_native, gen_js, gen_ruby) was written beside fixloop's triage;
this one was written without reading how triage parses output, to check that it generalises. Each
generator builds a different small project in a fresh temporary folder, runs the runner in 2-4
output shapes a CI job shows, and takes the truth from the runner's own machine-readable result
(JUnit XML, JSON, `-json`, or the runner's API). Cases go under the plain runner name ("pytest",
"cargo", ...) with shapes prefixed "second-", so that they merge with the first corpus.

See README.md beside this file for the contract and the test-id conventions.
"""

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from common import Unavailable, run, write_case
from common import markers_of as _markers
from common import write_tree as _write_tree

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "js" / "node_modules"
PYTHON = sys.executable or "python3"


# --------------------------------------------------------------------------------------------
# helpers


def _case(outdir, runner, shape, *, command, exit_code, log, truth_source, failing, markers, expect=None):
    """write_case, once the case is checked: the run failed, each marker (for a test the truth
    lists) is in the log, and, if `expect` is given, the truth is exactly that set."""
    where = f"{runner} {shape}"
    if exit_code == 0:
        raise AssertionError(f"{where}: `{command}` passed; its suite has failing tests\n{log}")
    failing = sorted(set(failing))
    if expect is not None and set(expect) != set(failing):
        raise AssertionError(
            f"{where}: the truth is not the expected set\n"
            f"  missing: {sorted(set(expect) - set(failing))}\n"
            f"  extra:   {sorted(set(failing) - set(expect))}\n{log}"
        )
    chosen = {test: text for test, text in markers.items() if test in failing}
    if not chosen:
        raise AssertionError(f"{where}: no marker names a failing test: {failing}")
    for test, text in chosen.items():
        if text not in log:
            raise AssertionError(f"{where}: marker {text!r} of {test!r} is not in the log\n{log}")
    write_case(
        outdir,
        runner,
        "second-" + shape,
        command=command,
        exit_code=exit_code,
        log=log,
        truth_source=truth_source,
        failing=failing,
        markers=chosen,
    )


class _Tree:
    """A fresh temporary folder holding `files`; removed on exit."""

    def __init__(self, prefix, files):
        self.prefix = prefix
        self.files = files

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix=f"fixloop-second-{self.prefix}-")
        self.root = Path(self._tmp.name)
        _write_tree(self.root, self.files)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()

    def path(self, rel):
        return self.root / rel

    def remove(self, rel):
        p = self.root / rel
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()

    def read(self, rel):
        p = self.root / rel
        if not p.exists():
            raise AssertionError(f"the runner wrote no {rel} in {self.root}")
        return p.read_text()


# --------------------------------------------------------------------------------------------
# pytest: a tokenizer in src/, tests in nested packages, doctests, a class-scoped fixture error

PYTEST2_FILES = {
    "pytest.ini": """
        [pytest]
        pythonpath = src
        testpaths = src tests
    """,
    "src/lexkit/__init__.py": "",
    "src/lexkit/tokens.py": '''
        """Tokens of a tiny expression language."""

        import re

        TOKEN = re.compile(r"\\s*(?:(\\d+\\.\\d+|\\d+)|([A-Za-z_][A-Za-z_0-9]*)|(.))")


        def split_words(text):
            """Splits on whitespace and drops empty pieces.

            >>> split_words("  let  x ")
            ['let', 'x']
            """
            return text.split()


        def kinds(text):
            """The kind of each token.

            >>> kinds("x + 1.5")
            ['name', 'op', 'number']
            >>> kinds("route/a")
            ['name', 'op', 'name', 'op']
            """
            out = []
            for number, name, op in TOKEN.findall(text):
                out.append("number" if number else "name" if name else "op")
            return out


        def tokenize(text):
            tokens = []
            for number, name, op in TOKEN.findall(text):
                if op and op not in "+-*/()=<>":
                    raise SyntaxError(f"lexkit-unexpected-char: {op!r} in {text!r}")
                tokens.append(number or name or op)
            return tokens
    ''',
    "src/lexkit/keywords.py": '''
        KEYWORDS = frozenset({"let", "if", "else", "fn"})


        def load_table(path):
            with open(path, encoding="utf-8") as f:
                return {line.strip() for line in f if line.strip()}
    ''',
    "tests/__init__.py": "",
    "tests/unit/__init__.py": "",
    "tests/unit/parsing/__init__.py": "",
    "tests/unit/parsing/test_tokenize.py": '''
        import pytest

        from lexkit.tokens import tokenize


        def test_simple_sum():
            assert tokenize("1 + 2") == ["1", "+", "2"]


        def test_floats_stay_whole():
            assert tokenize("3.25*x") == ["3", ".", "25", "*", "x"], "lexkit-float-split"


        @pytest.mark.parametrize(
            "source",
            ["a/b", "path/to/x", "naïve ≠ x", "tab\\there"],
        )
        def test_round_trip(source):
            assert "".join(tokenize(source)) == source.replace(" ", "")


        @pytest.mark.parametrize(
            "source,count",
            [("x = 1", 3), ("größe = 2", 3), ("a/b/c", 4)],
            ids=["ascii", "größe", "a/b/c"],
        )
        def test_token_count(source, count):
            assert len(tokenize(source)) == count


        class TestErrors:
            def test_rejects_semicolon(self):
                with pytest.raises(SyntaxError):
                    tokenize("x;")

            def test_rejects_hash(self):
                with pytest.raises(ValueError):
                    tokenize("# comment")
    ''',
    "tests/unit/parsing/test_keywords.py": '''
        import pytest

        from lexkit.keywords import KEYWORDS, load_table


        @pytest.fixture(scope="class")
        def keyword_table(tmp_path_factory):
            path = tmp_path_factory.mktemp("kw") / "keywords.txt"
            return load_table(path)


        class TestKeywordTable:
            def test_has_let(self, keyword_table):
                assert "let" in keyword_table

            def test_matches_builtin(self, keyword_table):
                assert keyword_table == KEYWORDS


        class TestBuiltins:
            def test_count(self):
                assert len(KEYWORDS) == 4

            def test_reserved_while(self):
                assert "while" in KEYWORDS, "lexkit-missing-while"
    ''',
    "tests/integration/__init__.py": "",
    "tests/integration/test_pipeline.py": '''
        from lexkit.tokens import kinds, split_words


        def test_pipeline_kinds():
            print("FAILED tests/unit/fake.py::test_printed - not a real failure")
            assert kinds("fn f(x) = x*2") == ["name", "name", "op", "name", "op", "op", "name", "op", "number"]


        def test_pipeline_words():
            words = split_words("let total = price * qty")
            assert words[3] == "qty", f"lexkit-word-order: {words}"
    ''',
}

PYTEST2_MARKERS = {
    "tests/unit/parsing/test_keywords.py::TestKeywordTable::test_has_let": "keywords.txt",
    "tests/unit/parsing/test_keywords.py::TestBuiltins::test_reserved_while": "lexkit-missing-while",
    "src/lexkit/tokens.py::lexkit.tokens.kinds": "route/a",
}

PYTEST2_SHAPES = [
    ("doctest-default", "--doctest-modules"),
    ("doctest-v", "--doctest-modules -v"),
    ("doctest-q-rfE-tb-short", "--doctest-modules -q -rfE --tb=short"),
    ("doctest-xdist-n2", "--doctest-modules -n 2 -p no:cacheprovider"),
]


def _pytest_junit_ids(junit_path, root):
    """Failing node ids of a pytest JUnit XML: classname "tests.unit.parsing.test_x.TestC" and
    name "test_y[param]"; the module part is the longest dotted prefix naming a file."""
    failing = []
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        if case.find("failure") is None and case.find("error") is None:
            continue
        parts = case.get("classname", "").split(".")
        name = case.get("name")
        for i in range(len(parts), 0, -1):
            module = "/".join(parts[:i]) + ".py"
            if (Path(root) / module).is_file():
                failing.append("::".join([module, *parts[i:], name]))
                break
        else:
            raise AssertionError(f"pytest JUnit: no file for classname {case.get('classname')!r}")
    return failing


def gen_pytest2(outdir):
    if subprocess.run([PYTHON, "-m", "pytest", "--version"], capture_output=True).returncode != 0:
        raise Unavailable("pytest is not installed (python3 -m pytest --version failed)")
    have_xdist = subprocess.run([PYTHON, "-c", "import xdist"], capture_output=True).returncode == 0
    with _Tree("pytest", PYTEST2_FILES) as tree:
        for shape, options in PYTEST2_SHAPES:
            if "-n 2" in options and not have_xdist:
                continue
            tree.remove("report.xml")
            command = f"python3 -m pytest {options} --junitxml=report.xml"
            code, log = run(command.replace("python3", PYTHON, 1), tree.root)
            if not tree.path("report.xml").is_file():
                raise AssertionError(f"pytest {shape}: no JUnit XML\n{log}")
            failing = _pytest_junit_ids(tree.path("report.xml"), tree.root)
            _case(
                outdir, "pytest", shape,
                command=command, exit_code=code, log=log,
                truth_source="pytest --junitxml (same run)",
                failing=failing, markers=PYTEST2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# unittest: a date parser, tests in a package (discover -s tests -t .), subTests with several
# parameters, an expectedFailure that passes, a failing setUpModule-free class fixture

UNITTEST2_FILES = {
    "datefmt/__init__.py": "",
    "datefmt/parse.py": '''
        """Parses the few date formats the importer sees."""

        import datetime

        MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                  "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}


        def parse_date(text, fmt="iso"):
            text = text.strip()
            if fmt == "iso":
                y, m, d = (int(p) for p in text.split("-"))
            elif fmt == "us":
                m, d, y = (int(p) for p in text.split("/"))
            elif fmt == "eu":
                d, m, y = (int(p) for p in text.split("."))
            elif fmt == "text":
                d, mon, y = text.split()
                m, d, y = MONTHS[mon[:3].lower()], int(d), int(y)
            else:
                raise ValueError(f"datefmt-unknown-format: {fmt}")
            if y < 100:
                y += 1900
            return datetime.date(y, m, d)


        def is_leap(year):
            return year % 4 == 0 and year % 100 != 0
    ''',
    "tests/__init__.py": "",
    "tests/test_parse.py": '''
        import datetime
        import unittest

        from datefmt.parse import is_leap, parse_date


        class ParseDateTest(unittest.TestCase):
            def test_iso(self):
                self.assertEqual(parse_date("2024-02-29"), datetime.date(2024, 2, 29))

            def test_formats(self):
                cases = [
                    ("iso", "2023-07-04", 2023),
                    ("us", "07/04/2023", 2023),
                    ("eu", "04.07.23", 2023),
                    ("text", "4 July 2023", 2023),
                    ("text", "4 Juli 23", 2023),
                ]
                for fmt, text, year in cases:
                    with self.subTest(fmt=fmt, text=text):
                        self.assertEqual(parse_date(text, fmt).year, year, f"datefmt-year: {text}")

            def test_unknown_format(self):
                parse_date("2023-07-04", fmt="rfc2822")

            @unittest.expectedFailure
            def test_two_digit_years_are_2000s(self):
                self.assertEqual(parse_date("01.01.05", "eu").year, 1905)

            @unittest.expectedFailure
            def test_whitespace_is_rejected(self):
                self.assertRaises(ValueError, parse_date, "2023-07-04\\n")


        class LeapYearTest(unittest.TestCase):
            def test_leap_years(self):
                for year in (1996, 2000, 2024):
                    with self.subTest(year=year):
                        self.assertTrue(is_leap(year), f"datefmt-leap: {year} is a leap year")

            def test_common_years(self):
                for year in (1900, 2023):
                    with self.subTest(year=year):
                        self.assertFalse(is_leap(year))
    ''',
    "tests/calendar/__init__.py": "",
    "tests/calendar/test_holidays.py": '''
        import json
        import unittest

        from datefmt.parse import parse_date


        class HolidayTableTest(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                with open("holidays/2024.json") as f:
                    cls.table = json.load(f)

            def test_new_year(self):
                self.assertIn("2024-01-01", self.table)


        class WeekdayTest(unittest.TestCase):
            def test_weekday(self):
                self.assertEqual(parse_date("2024-12-25").strftime("%A"), "Wednesday")

            def test_weekend(self):
                print("FAIL: test_fake (tests.fake.Fake.test_fake)  <- printed, not a failure")
                self.assertEqual(parse_date("2024-12-28").weekday(), 6, "datefmt-weekend: 28 Dec 2024")
    ''',
}

UNITTEST2_TRUTH = '''
import json
import os
import sys
import unittest

out, argv = sys.argv[1], sys.argv[2:]
sys.path.insert(0, os.getcwd())
with open(os.devnull, "w") as devnull:
    runner = unittest.TextTestRunner(stream=devnull, buffer=True)
    program = unittest.main(module=None, argv=["python3 -m unittest", *argv], testRunner=runner, exit=False)
result = program.result
with open(out, "w") as f:
    json.dump({
        "failing": [test.id() for test, _ in result.failures + result.errors],
        "unexpected_successes": [test.id() for test in result.unexpectedSuccesses],
    }, f)
'''

UNITTEST2_MARKERS = {
    "tests.test_parse.ParseDateTest.test_unknown_format": "datefmt-unknown-format",
    "tests.calendar.test_holidays.WeekdayTest.test_weekend": "datefmt-weekend",
    "setUpClass (tests.calendar.test_holidays.HolidayTableTest)": "holidays/2024.json",
}

UNITTEST2_SHAPES = [
    ("discover-top", "discover -s tests -t ."),
    ("discover-top-v", "discover -s tests -t . -v"),
    ("discover-top-b-k", "discover -s tests -t . -b -k Date -k Holiday -k weekend"),
]


def gen_unittest2(outdir):
    with _Tree("unittest", UNITTEST2_FILES) as tree:
        truth_script = tree.path("_truth.py")
        truth_script.write_text(UNITTEST2_TRUTH)
        for shape, args in UNITTEST2_SHAPES:
            command = f"python3 -m unittest {args}"
            code, log = run(command.replace("python3", PYTHON, 1), tree.root)
            truth_file = tree.path("_truth.json")
            truth_file.unlink(missing_ok=True)
            _, truth_log = run(f"{PYTHON} _truth.py _truth.json {args}", tree.root)
            if not truth_file.is_file():
                raise AssertionError(f"unittest {shape}: the truth run failed:\n{truth_log}")
            truth = json.loads(truth_file.read_text())
            failing = truth["failing"]
            # An expectedFailure that passes fails the run ("FAILED (..., unexpected successes=1)")
            # but is in neither result.failures nor result.errors: it has no traceback, and the
            # non-verbose output never names it. It is not a failing test here.
            if not truth["unexpected_successes"]:
                raise AssertionError(f"unittest {shape}: expected an unexpected success\n{log}")
            counts = re.search(r"^FAILED \((?:failures=(\d+))?(?:, )?(?:errors=(\d+))?", log, re.M)
            if not counts or sum(int(n or 0) for n in counts.groups()) != len(failing):
                raise AssertionError(f"unittest {shape}: the truth {failing} disagrees with the run:\n{log}")
            _case(
                outdir, "unittest", shape,
                command=command, exit_code=code, log=log,
                truth_source=(
                    "unittest API: result.failures + result.errors, test.id() (second run); not listed, "
                    "as unittest keeps them apart: unexpected successes " + ", ".join(truth["unexpected_successes"])
                ),
                failing=failing, markers=UNITTEST2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# cargo and nextest: an inventory ledger workspace of two crates, unit tests nested three modules
# deep, integration tests with modules, a doctest, a should_panic that does not panic

CARGO2_FILES = {
    "Cargo.toml": """
        [workspace]
        members = ["crates/stock", "crates/stock-report"]
        resolver = "2"
    """,
    "crates/stock/Cargo.toml": """
        [package]
        name = "stock"
        version = "0.1.0"
        edition = "2021"
    """,
    "crates/stock/src/lib.rs": r'''
        //! An inventory ledger: stock movements per SKU.

        use std::collections::BTreeMap;

        #[derive(Debug, Default)]
        pub struct Ledger {
            on_hand: BTreeMap<String, i64>,
        }

        impl Ledger {
            pub fn new() -> Self {
                Self::default()
            }

            /// Receives `qty` units of `sku`.
            ///
            /// ```
            /// let mut ledger = stock::Ledger::new();
            /// ledger.receive("bolt-m6", 10);
            /// ledger.receive("bolt-m6", 5);
            /// assert_eq!(ledger.on_hand("bolt-m6"), 16, "stock-doc-receive: 10 + 5 units");
            /// ```
            pub fn receive(&mut self, sku: &str, qty: i64) {
                if qty < 0 {
                    panic!("stock-negative-receipt: {} units of {}", qty, sku);
                }
                *self.on_hand.entry(sku.to_string()).or_insert(0) += qty;
            }

            /// Ships `qty` units; errors if there are not enough.
            ///
            /// ```
            /// let mut ledger = stock::Ledger::new();
            /// ledger.receive("nut-m6", 3);
            /// assert!(ledger.ship("nut-m6", 2).is_ok());
            /// ```
            pub fn ship(&mut self, sku: &str, qty: i64) -> Result<(), String> {
                let have = self.on_hand(sku);
                if have < qty {
                    return Err(format!("short by {} of {}", qty - have, sku));
                }
                self.on_hand.insert(sku.to_string(), have - qty);
                Ok(())
            }

            pub fn on_hand(&self, sku: &str) -> i64 {
                self.on_hand.get(sku).copied().unwrap_or(0)
            }

            pub fn skus(&self) -> Vec<&str> {
                self.on_hand.keys().map(|s| s.as_str()).collect()
            }
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            #[test]
            fn starts_empty() {
                assert!(Ledger::new().skus().is_empty());
            }

            mod movements {
                use super::super::*;

                mod receipts {
                    use super::super::super::*;

                    #[test]
                    fn adds_up() {
                        let mut l = Ledger::new();
                        l.receive("washer", 4);
                        l.receive("washer", 4);
                        assert_eq!(l.on_hand("washer"), 8);
                    }

                    #[test]
                    fn negative_receipt_is_an_error() {
                        let mut l = Ledger::new();
                        l.receive("washer", -2);
                    }
                }

                mod shipments {
                    use super::super::super::*;

                    #[test]
                    fn cannot_oversell() {
                        let mut l = Ledger::new();
                        l.receive("gear", 1);
                        let err = l.ship("gear", 3).unwrap_err();
                        assert_eq!(err, "short by 3 of gear", "stock-oversell-message");
                    }

                    #[test]
                    #[should_panic(expected = "short")]
                    fn oversell_panics() {
                        let mut l = Ledger::new();
                        let _ = l.ship("gear", 1);
                    }
                }
            }
        }
    ''',
    "crates/stock-report/Cargo.toml": """
        [package]
        name = "stock-report"
        version = "0.1.0"
        edition = "2021"

        [dependencies]
        stock = { path = "../stock" }
    """,
    "crates/stock-report/src/lib.rs": r'''
        use stock::Ledger;

        pub fn csv(ledger: &Ledger) -> String {
            let mut out = String::from("sku,on_hand\n");
            for sku in ledger.skus() {
                out.push_str(&format!("{},{}\n", sku, ledger.on_hand(sku)));
            }
            out
        }

        pub fn total_units(ledger: &Ledger) -> i64 {
            ledger.skus().iter().map(|s| ledger.on_hand(s)).sum()
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            #[test]
            fn total_of_two_skus() {
                let mut l = Ledger::new();
                l.receive("a", 2);
                l.receive("b", 3);
                println!("test result: FAILED. printed by a test, not a result");
                assert_eq!(total_units(&l), 6, "stock-report-total");
            }

            #[test]
            fn empty_total() {
                assert_eq!(total_units(&Ledger::new()), 0);
            }
        }
    ''',
    "crates/stock-report/tests/export.rs": r'''
        use stock::Ledger;
        use stock_report::csv;

        mod header {
            use super::*;

            #[test]
            fn names_the_columns() {
                let text = csv(&Ledger::new());
                assert_eq!(text.lines().next(), Some("sku,on_hand,unit"), "stock-csv-header");
            }
        }

        mod rows {
            use super::*;

            #[test]
            fn one_row_per_sku() {
                let mut l = Ledger::new();
                l.receive("bolt", 1);
                l.receive("nut", 1);
                assert_eq!(csv(&l).lines().count(), 3);
            }

            #[test]
            fn quotes_commas() {
                let mut l = Ledger::new();
                l.receive("bolt, m6", 1);
                let text = csv(&l);
                let row = text.lines().nth(1).unwrap();
                assert!(row.starts_with('"'), "stock-csv-quote: {:?} is not quoted", row);
            }
        }
    ''',
    ".config/nextest.toml": """
        [profile.default.junit]
        path = "junit.xml"
    """,
}

CARGO2_MARKERS = {
    "tests::movements::receipts::negative_receipt_is_an_error": "stock-negative-receipt",
    "rows::quotes_commas": "stock-csv-quote",
    "header::names_the_columns": "stock-csv-header",
}

NEXTEST2_MARKERS = {
    "stock tests::movements::receipts::negative_receipt_is_an_error": "stock-negative-receipt",
    "stock-report::export rows::quotes_commas": "stock-csv-quote",
    "stock-report tests::total_of_two_skus": "stock-report-total",
}

_CARGO_WORKSPACE = {}


def _cargo_workspace():
    """The workspace, written once and shared by cargo and nextest (one target dir, one build)."""
    if shutil.which("cargo") is None:
        raise Unavailable("cargo is not installed")
    if "root" not in _CARGO_WORKSPACE:
        root = Path(tempfile.mkdtemp(prefix="fixloop-second-cargo-"))
        atexit.register(shutil.rmtree, root, True)
        _write_tree(root, CARGO2_FILES)
        _CARGO_WORKSPACE["root"] = root
    return _CARGO_WORKSPACE["root"]


def _cargo_run(command, root, env=None):
    full = {"CARGO_TARGET_DIR": str(root / "target"), "CARGO_TERM_COLOR": "never", "CARGO_NET_OFFLINE": "true"}
    full.update(env or {})
    return run(command, root, timeout=600, env=full)


def _libtest_json_failing(text):
    """The failing tests in libtest's JSON events (one object a line, among cargo's own lines)."""
    failing = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "test" and event.get("event") in ("failed", "timeout"):
            failing.append(event["name"])
    return failing


def gen_cargo2(outdir):
    root = _cargo_workspace()
    truth_command = "cargo test --workspace --no-fail-fast -- -Z unstable-options --format json"
    # libtest's JSON output is unstable: RUSTC_BOOTSTRAP lets a stable toolchain's test binaries
    # (and rustdoc's doctest runner) print it. A second run of the same, already built, suite.
    _, truth_log = _cargo_run(truth_command, root, {"RUSTC_BOOTSTRAP": "1"})
    failing = _libtest_json_failing(truth_log)
    if not failing:
        raise AssertionError(f"cargo: the libtest JSON run names no failing test:\n{truth_log}")
    for shape, command in [
        ("workspace", "cargo test --workspace --no-fail-fast"),
        ("workspace-q", "cargo test --workspace --no-fail-fast -q"),
        ("workspace-nocapture-1thread", "cargo test --workspace --no-fail-fast -- --nocapture --test-threads=1"),
    ]:
        code, log = _cargo_run(command, root)
        _case(
            outdir, "cargo", shape,
            command=command, exit_code=code, log=log,
            truth_source=f"libtest JSON events of a second run (RUSTC_BOOTSTRAP=1 {truth_command})",
            failing=failing, markers=CARGO2_MARKERS,
        )


def _nextest_junit_failing(path):
    """Failing tests of nextest's JUnit report: <testsuite name=binary-id><testcase name=test>."""
    failing = []
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failing.append(f"{suite.get('name')} {case.get('name')}")
    return failing


def gen_nextest2(outdir):
    root = _cargo_workspace()
    if subprocess.run(["cargo", "nextest", "--version"], capture_output=True).returncode != 0:
        raise Unavailable("cargo-nextest is not installed")
    junit = root / "target" / "nextest" / "default" / "junit.xml"
    for shape, command in [
        ("workspace", "cargo nextest run --workspace --no-fail-fast"),
        ("workspace-final", "cargo nextest run --workspace --no-fail-fast --failure-output final"),
        ("workspace-status-fail", "cargo nextest run --workspace --no-fail-fast --status-level fail --final-status-level fail"),
    ]:
        if junit.exists():
            junit.unlink()
        code, log = _cargo_run(command, root)
        if not junit.is_file():
            raise AssertionError(f"nextest {shape}: no JUnit report at {junit}\n{log}")
        _case(
            outdir, "nextest", shape,
            command=command, exit_code=code, log=log,
            truth_source="nextest JUnit report of the same run (.config/nextest.toml [profile.default.junit])",
            failing=_nextest_junit_failing(junit), markers=NEXTEST2_MARKERS,
        )


# --------------------------------------------------------------------------------------------
# go: an HTTP-route matcher module of four packages; parallel subtests failing interleaved, a
# helper calling t.Fatalf, table tests whose names hold "/", one package that does not compile
# and one that go vet (run by go test) rejects

GO2_FILES = {
    "go.mod": """
        module example.com/routematch

        go 1.19
    """,
    "route/route.go": """
        // Package route matches request paths against patterns like /users/{id}.
        package route

        import "strings"

        type Route struct {
            Method  string
            Pattern string
        }

        // Match reports whether method and path match r, and the path parameters.
        func (r Route) Match(method, path string) (map[string]string, bool) {
            if r.Method != method {
                return nil, false
            }
            want := strings.Split(strings.Trim(r.Pattern, "/"), "/")
            got := strings.Split(strings.Trim(path, "/"), "/")
            if len(want) != len(got) {
                return nil, false
            }
            params := map[string]string{}
            for i, w := range want {
                if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
                    params[w[1:len(w)-1]] = got[i]
                    continue
                }
                if w != got[i] {
                    return nil, false
                }
            }
            return params, true
        }
    """,
    "route/route_test.go": """
        package route

        import (
            "testing"
            "time"
        )

        func mustMatch(t *testing.T, r Route, method, path string) map[string]string {
            t.Helper()
            params, ok := r.Match(method, path)
            if !ok {
                t.Fatalf("routematch-nomatch: %s %s does not match %s %s", method, path, r.Method, r.Pattern)
            }
            return params
        }

        func TestMatchTable(t *testing.T) {
            cases := []struct {
                name   string
                route  Route
                method string
                path   string
                ok     bool
            }{
                {"GET /users/{id}", Route{"GET", "/users/{id}"}, "GET", "/users/42", true},
                {"GET /users/{id} trailing slash", Route{"GET", "/users/{id}"}, "GET", "/users/42/", true},
                {"POST /users", Route{"POST", "/users"}, "post", "/users", true},
                {"DELETE /a/b/c", Route{"DELETE", "/a/b/c"}, "DELETE", "/a/b", false},
            }
            for _, tc := range cases {
                tc := tc
                t.Run(tc.name, func(t *testing.T) {
                    _, ok := tc.route.Match(tc.method, tc.path)
                    if ok != tc.ok {
                        t.Errorf("Match(%q, %q) = %v, want %v", tc.method, tc.path, ok, tc.ok)
                    }
                })
            }
        }

        func TestParallelRoutes(t *testing.T) {
            routes := map[string]Route{
                "users":    {"GET", "/users/{id}"},
                "orders":   {"GET", "/orders/{order}/items/{item}"},
                "health":   {"GET", "/healthz"},
                "wildcard": {"GET", "/static/{path...}"},
            }
            paths := map[string]string{
                "users":    "/users/7",
                "orders":   "/orders/9/items",
                "health":   "/healthz",
                "wildcard": "/static/css/site.css",
            }
            for name, r := range routes {
                name, r := name, r
                t.Run(name, func(t *testing.T) {
                    t.Parallel()
                    time.Sleep(20 * time.Millisecond)
                    t.Logf("matching %s against %s", paths[name], r.Pattern)
                    mustMatch(t, r, "GET", paths[name])
                })
            }
        }

        func TestParams(t *testing.T) {
            params := mustMatch(t, Route{"GET", "/users/{id}/posts/{post}"}, "GET", "/users/3/posts/x1")
            if params["post"] != "x1" || params["id"] != "3" {
                t.Errorf("params = %v", params)
            }
        }

        func TestMethodIsCaseSensitive(t *testing.T) {
            mustMatch(t, Route{"GET", "/"}, "get", "/")
            t.Log("never reached")
        }
    """,
    "query/query.go": """
        // Package query decodes query strings into typed filters.
        package query

        import (
            "fmt"
            "strconv"
            "strings"
        )

        type Filter struct {
            Limit  int
            Offset int
            Tags   []string
        }

        func Parse(raw string) (Filter, error) {
            f := Filter{Limit: 20}
            for _, pair := range strings.Split(raw, "&") {
                if pair == "" {
                    continue
                }
                k, v, _ := strings.Cut(pair, "=")
                switch k {
                case "limit", "offset":
                    n, err := strconv.Atoi(v)
                    if err != nil {
                        return f, fmt.Errorf("routematch-query: %s=%q is not a number", k, v)
                    }
                    if k == "limit" {
                        f.Limit = n
                    } else {
                        f.Offset = n
                    }
                case "tag":
                    f.Tags = append(f.Tags, v)
                }
            }
            return f, nil
        }
    """,
    "query/query_test.go": """
        package query

        import (
            "reflect"
            "testing"
        )

        func TestParse(t *testing.T) {
            tests := map[string]struct {
                raw  string
                want Filter
            }{
                "empty":          {"", Filter{Limit: 20}},
                "limit=5":        {"limit=5", Filter{Limit: 5}},
                "tag=a&tag=b":    {"tag=a&tag=b", Filter{Limit: 20, Tags: []string{"a", "b"}}},
                "offset=-1":      {"offset=-1", Filter{Limit: 20}},
                "limit=1e3/bad":  {"limit=1e3", Filter{Limit: 1000}},
            }
            for name, tc := range tests {
                tc := tc
                t.Run(name, func(t *testing.T) {
                    t.Parallel()
                    got, err := Parse(tc.raw)
                    if err != nil {
                        t.Fatalf("Parse(%q): %v", tc.raw, err)
                    }
                    if !reflect.DeepEqual(got, tc.want) {
                        t.Errorf("Parse(%q) = %+v, want %+v", tc.raw, got, tc.want)
                    }
                })
            }
        }

        func TestParseKeepsOrder(t *testing.T) {
            f, _ := Parse("tag=z&tag=a")
            if f.Tags[0] != "z" {
                t.Errorf("tags reordered: %v", f.Tags)
            }
        }
    """,
    "middleware/logging.go": """
        // Package middleware wraps handlers; it does not compile.
        package middleware

        import (
            "fmt"
            "net/http"
        )

        func Logging(next http.Handler) http.Handler {
            return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
                status := 200
                next.ServeHTTP(w, r)
                fmt.Println(r.Method, r.URL.Path, statusCode)
            })
        }
    """,
    "middleware/logging_test.go": """
        package middleware

        import "testing"

        func TestLogging(t *testing.T) {
            if Logging(nil) == nil {
                t.Fatal("nil handler")
            }
        }
    """,
    "cors/cors.go": """
        // Package cors compiles, but its tests do not pass go vet.
        package cors

        import "strings"

        func Allowed(origin string, allow []string) bool {
            for _, a := range allow {
                if a == "*" || strings.EqualFold(a, origin) {
                    return true
                }
            }
            return false
        }
    """,
    "cors/cors_test.go": """
        package cors

        import "testing"

        func TestAllowed(t *testing.T) {
            if !Allowed("https://a.example", []string{"https://A.example"}) {
                t.Errorf("origin %d should be allowed", "https://a.example")
            }
        }
    """,
}

GO2_MARKERS = {
    "TestMethodIsCaseSensitive": "routematch-nomatch: get / does not match GET /",
    "TestParallelRoutes/orders": "/orders/9/items does not match GET /orders/{order}/items/{item}",
    "TestParse/limit=1e3/bad": 'routematch-query: limit="1e3" is not a number',
}


def _go_json_failing(text):
    """Failing tests in `go test -json` events: Action "fail" with a Test. A test that failed only
    because a subtest did is left out (README); no test here fails by itself and in a subtest."""
    failed = set()
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event.get("Action") == "fail" and event.get("Test"):
            failed.add(event["Test"])
    return [t for t in failed if not any(o.startswith(t + "/") for o in failed)]


def gen_go2(outdir):
    if shutil.which("go") is None:
        raise Unavailable("go is not installed")
    env = {"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GO111MODULE": "on", "GOWORK": "off"}
    with _Tree("go", GO2_FILES) as tree:
        # go does not cache a failing run; the JSON of a second run is the truth.
        truth_command = "go test -json ./..."
        _, truth_log = run(truth_command, tree.root, timeout=300, env=env)
        failing = _go_json_failing(truth_log)
        for shape, command in [
            ("default", "go test ./..."),
            ("v", "go test -v ./..."),
            ("v-p1-count1", "go test -v -p 1 -count=1 ./..."),
        ]:
            code, log = run(command, tree.root, timeout=300, env=env)
            _case(
                outdir, "go", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"go test -json of a second run ({truth_command}): Action fail with a Test, "
                "less the tests whose subtests failed; packages that do not build have no test events",
                failing=failing, markers=GO2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# JavaScript: each project links node_modules to the pinned runners of js/ (see gen_js.py)


def _js_tool(name=None):
    if shutil.which("node") is None:
        raise Unavailable("node is not installed")
    if name and not (NODE_MODULES / ".bin" / name).exists():
        raise Unavailable(f"{NODE_MODULES / '.bin' / name} is missing: npm ci --prefix tests/triage_corpus/js")


class _JsTree(_Tree):
    def __init__(self, prefix, files, link=True):
        super().__init__(prefix, files)
        self.link = link

    def __enter__(self):
        super().__enter__()
        if self.link:
            (self.root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        return self

    def run(self, command, env=None):
        full = {"PATH": f"{self.root / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        full["GITHUB_ACTIONS"] = ""
        full.update(env or {})
        return run(command, self.root, timeout=180, env=full)


# node --test: a feature-flag loader; async failures, a failing `after` hook, todo tests, a test
# name holding " > "

NODE2_FILES = {
    "package.json": '{ "name": "flagship", "private": true, "type": "commonjs" }\n',
    "src/flags.js": r"""
        const fs = require('node:fs/promises');

        async function loadFlags(path) {
          const text = await fs.readFile(path, 'utf8');
          return JSON.parse(text);
        }

        function evaluate(flags, name, user) {
          const flag = flags[name];
          if (!flag) throw new Error(`flagship-unknown-flag: ${name}`);
          if (flag.percent === undefined) return flag.on;
          return (hash(user) % 100) < flag.percent;
        }

        function hash(text) {
          let h = 0;
          for (const ch of text) h = (h * 31 + ch.codePointAt(0)) >>> 0;
          return h;
        }

        module.exports = { loadFlags, evaluate, hash };
    """,
    "test/flags.test.js": r"""
        const { describe, it, before, after } = require('node:test');
        const assert = require('node:assert/strict');
        const { loadFlags, evaluate } = require('../src/flags');

        describe('flag loader', () => {
          it('reads a missing file', async () => {
            await loadFlags('config/flags.missing.json');
          });

          it('parses inline JSON later', async () => {
            const flags = await new Promise((resolve) => setTimeout(() => resolve({ beta: { on: 1 } }), 5));
            assert.equal(flags.beta.on, true, 'flagship-beta-on: on must be a boolean');
          });

          it.todo('reads YAML files');

          it('supports env overrides', { todo: 'not implemented yet' }, () => {
            assert.fail('flagship-env-todo: a failing todo test');
          });
        });

        describe('evaluation', () => {
          let flags;
          before(() => {
            flags = { dark: { on: true }, ramp: { percent: 0 } };
          });
          after(() => {
            throw new Error('flagship-after-hook: could not flush the audit log');
          });

          it('turns a plain flag on', () => {
            assert.equal(evaluate(flags, 'dark', 'ann'), true);
          });

          describe('percentage rollout', () => {
            it('maps ann > 0% to off', () => {
              assert.equal(evaluate(flags, 'ramp', 'ann'), false);
            });

            it('maps bob > 100% to on', () => {
              flags.ramp.percent = 100;
              assert.equal(evaluate(flags, 'ramp', 'bob'), false, 'flagship-rollout: 100% must be on');
            });
          });

          it('rejects unknown flags', () => {
            assert.throws(() => evaluate(flags, 'ghost', 'ann'), /no such flag/);
          });
        });
    """,
    "test/hash.test.js": r"""
        const test = require('node:test');
        const assert = require('node:assert/strict');
        const { hash } = require('../src/flags');

        test('hash is stable', () => {
          assert.equal(hash('ann'), 96727);
        });

        test('hash spreads users', async (t) => {
          await t.test('ann vs bob', () => {
            assert.notEqual(hash('ann') % 100, hash('bob') % 100);
          });
          await t.test('emoji 🚩 users', async () => {
            await new Promise((resolve) => setImmediate(resolve));
            assert.deepEqual([hash('🚩') % 7], [3], 'flagship-emoji-bucket');
          });
        });

        test.todo('hash is uniform over 10k users');
    """,
}

NODE2_MARKERS = {
    "evaluation": "flagship-after-hook",
    "evaluation > percentage rollout > maps bob > 100% to on": "flagship-rollout",
    "hash spreads users > emoji 🚩 users": "flagship-emoji-bucket",
}


def _node_tap_failing(tap):
    """Failing tests in node's TAP report, named by their "# Subtest:" ancestors and their own name
    joined by " > ".

    Why TAP and not node's JUnit report: in JUnit a suite whose own `after` hook failed is a
    <testsuite> whose failure is lost; in TAP it is `not ok - evaluation` with
    `failureType: 'hookFailed'`. Left out: a suite or test with `failureType: 'subtestsFailed'`
    (it failed only because its children did), and a failing `todo` test (`# TODO`), which node
    does not count as a failure (a run whose only failure is a todo exits 0)."""
    failing = []
    stack = []
    pending = None  # (id, todo) of the last "not ok", until its YAML block says why

    def close():
        nonlocal pending
        if pending and pending[1] != "subtestsFailed" and not pending[2]:
            failing.append(pending[0])
        pending = None

    for line in tap.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        level = indent // 4
        text = line.strip()
        m = re.match(r"# Subtest: (.*)$", text)
        if m and indent % 4 == 0:
            close()
            del stack[level:]
            stack.append(m.group(1))
            continue
        m = re.match(r"(not ok|ok) \d+ - (.*)$", text)
        if m and indent % 4 == 0:
            close()
            name, todo = m.group(2), False
            d = re.search(r" # (TODO|SKIP)\b.*$", name)
            if d:
                name, todo = name[: d.start()], True
            name = name.replace("\\#", "#").replace("\\\\", "\\")
            if m.group(1) == "not ok":
                pending = [" > ".join(stack[:level] + [name]), None, todo]
            del stack[level:]
            continue
        m = re.match(r"failureType: '(\w+)'", text)
        if m and pending and pending[1] is None:
            pending[1] = m.group(1)
    close()
    return failing


def gen_node2(outdir):
    _js_tool()
    tap = "--test-reporter=tap --test-reporter-destination=result.tap"
    with _JsTree("node", NODE2_FILES, link=False) as tree:
        # Not "dot": its list of failures names each test by its own name only (gen_js.py).
        for shape, reporter in [("spec", "spec"), ("tap", "tap"), ("default", None)]:
            tree.remove("result.tap")
            if reporter:
                command = f"node --test --test-reporter={reporter} --test-reporter-destination=stdout {tap}"
                code, log = tree.run(command)
                source = f"TAP of the same run ({tap})"
            else:
                # node 20 prints TAP when stdout is no terminal; naming a reporter drops it, so
                # the truth is a second run's.
                command = "node --test"
                code, log = tree.run(command)
                tree.run(f"node --test {tap}")
                source = f"TAP of a second run (node --test {tap})"
            failing = _node_tap_failing(tree.read("result.tap"))
            _case(
                outdir, "node", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"{source}: `not ok` tests, less failureType subtestsFailed and # TODO",
                failing=failing, markers=NODE2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# mocha: a token-bucket rate limiter; an async timeout, beforeEach at two levels (the inner one
# failing), an `it` four describes deep, a rejected promise

MOCHA2_FILES = {
    ".mocharc.yml": "spec:\n  - 'test/**/*.spec.js'\ntimeout: 400\n",
    "lib/bucket.js": r"""
        class Bucket {
          constructor(capacity, refillPerSec) {
            this.capacity = capacity;
            this.tokens = capacity;
            this.refillPerSec = refillPerSec;
          }
          take(n = 1) {
            if (n > this.tokens) return false;
            this.tokens -= n;
            return true;
          }
          refill(seconds) {
            this.tokens = Math.min(this.capacity, this.tokens + Math.floor(seconds * this.refillPerSec));
          }
        }

        function waitForToken(bucket) {
          return new Promise((resolve) => {
            const poll = setInterval(() => {
              if (bucket.take()) {
                clearInterval(poll);
                resolve();
              }
            }, 50);
            poll.unref();
          });
        }

        module.exports = { Bucket, waitForToken };
    """,
    "test/bucket.spec.js": r"""
        const assert = require('assert');
        const { Bucket, waitForToken } = require('../lib/bucket');

        describe('Bucket', function () {
          let bucket;
          beforeEach(function () {
            bucket = new Bucket(3, 1);
          });

          it('starts full', function () {
            assert.strictEqual(bucket.tokens, 3);
          });

          describe('take', function () {
            beforeEach(function () {
              bucket.take(2);
            });

            it('takes the last token', function () {
              assert.ok(bucket.take());
            });

            it('refuses when empty', function () {
              bucket.take();
              assert.strictEqual(bucket.take(), true, 'ratelimit-refused: no token left');
            });

            describe('refill', function () {
              describe('fractional seconds', function () {
                it('adds half a token after 0.5s', function () {
                  bucket.take();
                  bucket.refill(0.5);
                  assert.strictEqual(bucket.tokens, 0.5, 'ratelimit-fraction: tokens are whole');
                });

                it('caps at capacity', function () {
                  bucket.refill(100);
                  assert.strictEqual(bucket.tokens, 3);
                });
              });
            });
          });

          describe('waiting', function () {
            it('waits for a token that never comes', async function () {
              this.timeout(150);
              bucket.take(3);
              await waitForToken(bucket);
            });

            it('rejects a bad cost', async function () {
              const cost = await Promise.resolve(-1);
              if (cost < 0) throw new RangeError('ratelimit-cost: cost must be positive, got ' + cost);
            });
          });
        });
    """,
    "test/shared.spec.js": r"""
        const assert = require('assert');
        const { Bucket } = require('../lib/bucket');

        describe('Shared limits', function () {
          let limits;
          beforeEach(function () {
            limits = { api: new Bucket(10, 5) };
          });

          describe('per tenant', function () {
            beforeEach(function () {
              limits.tenant = limits.tenants.acme;
            });

            it('isolates tenants', function () {
              assert.ok(limits.tenant);
            });

            it('shares nothing', function () {});
          });

          it('has an api bucket', function () {
            console.log('  1) printed by a passing test:');
            assert.ok(limits.api.take());
          });
        });
    """,
}

MOCHA2_MARKERS = {
    "Bucket take refill fractional seconds adds half a token after 0.5s": "ratelimit-fraction",
    'Shared limits per tenant "before each" hook for "isolates tenants"': "Cannot read properties of undefined (reading 'acme')",
    "Bucket waiting rejects a bad cost": "ratelimit-cost",
}


def gen_mocha2(outdir):
    _js_tool("mocha")
    with _JsTree("mocha", MOCHA2_FILES) as tree:
        for shape, args in [("spec", ""), ("min", "--reporter min"), ("parallel-spec", "--parallel --jobs 2")]:
            command = f"mocha {args}".strip()
            code, log = tree.run(command)
            # mocha takes one reporter a run: the truth is a second run's json reporter.
            base = args.replace("--reporter min", "").strip()
            truth = f"mocha {base} --reporter json --reporter-option output=result.json".replace("  ", " ")
            tree.remove("result.json")
            tree.run(truth)
            result = json.loads(tree.read("result.json"))
            failing = [f["fullTitle"] for f in result["failures"]]
            _case(
                outdir, "mocha", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"failures[].fullTitle of result.json from a second run ({truth})",
                failing=failing, markers=MOCHA2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# jest: a tiny markdown renderer; test.each with a table, describe.each, a snapshot that no
# longer matches (written before, as a committed .snap file is), run in band and in workers

JEST2_FILES = {
    "package.json": '{ "name": "minimark", "private": true, "jest": { "testEnvironment": "node" } }\n',
    "src/render.js": r"""
        function escape(text) {
          return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        }

        function inline(text) {
          return escape(text)
            .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
            .replace(/_(.+?)_/g, '<em>$1</em>')
            .replace(/`(.+?)`/g, '<code>$1</code>');
        }

        function render(md) {
          return md
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => {
              const h = /^(#{1,6}) (.*)$/.exec(line);
              if (h) return `<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`;
              if (line.startsWith('- ')) return `<li>${inline(line.slice(2))}</li>`;
              return `<p>${inline(line)}</p>`;
            })
            .join('\n');
        }

        function slug(title) {
          return title.toLowerCase().trim().replace(/[^a-z0-9]+/g, '-');
        }

        module.exports = { render, inline, slug };
    """,
    "__tests__/inline.test.js": r"""
        const { inline, slug } = require('../src/render');

        describe('inline', () => {
          test.each`
            source              | html
            ${'**bold**'}       | ${'<strong>bold</strong>'}
            ${'_em_'}           | ${'<em>em</em>'}
            ${'`a < b`'}        | ${'<code>a < b</code>'}
            ${'snake_case_name'}| ${'snake_case_name'}
          `('renders $source as $html', ({ source, html }) => {
            expect(inline(source)).toBe(html);
          });
        });

        describe.each([
          ['Hello World', 'hello-world'],
          ['  Größe & Maß ', 'grosse-mass'],
          ['C++ / Rust', 'c-rust'],
        ])('slug(%j)', (title, expected) => {
          test(`is ${expected}`, () => {
            expect(slug(title)).toBe(expected);
          });

          test('has no leading dash', () => {
            expect(slug(title).startsWith('-')).toBe(false);
          });
        });
    """,
    "__tests__/render.test.js": r"""
        const { render } = require('../src/render');

        describe('render', () => {
          test('headings', () => {
            expect(render('# Title\n## Sub')).toMatchSnapshot();
          });

          test('lists', () => {
            expect(render('- one\n- two')).toMatchSnapshot();
          });

          test('escapes html', () => {
            expect(render('a <script> & b')).toEqual('<p>a &lt;script&gt; &amp; b</p>');
          });
        });

        test('renders an empty document', async () => {
          const html = await Promise.resolve(render(''));
          expect(html).toHaveLength(0);
          expect(() => render(null)).toThrow('minimark-null-input');
        });
    """,
    "__tests__/__snapshots__/render.test.js.snap": r"""
        // Jest Snapshot v1, https://jestjs.io/docs/snapshot-testing

        exports[`render headings 1`] = `
        "<h1 id="title">Title</h1>
        <h2 id="sub">Sub</h2>"
        `;

        exports[`render lists 1`] = `
        "<li>one</li>
        <li>two</li>"
        `;
    """,
}

JEST2_MARKERS = {
    "render › headings": '<h1 id="title">Title</h1>',
    "render › escapes html": "a &lt;script&gt; &amp; b",
    "renders an empty document": "Cannot read properties of null (reading 'split')",
}


def gen_jest2(outdir):
    _js_tool("jest")
    json_out = "--json --outputFile=result.json"
    with _JsTree("jest", JEST2_FILES) as tree:
        for shape, args in [
            ("ci-runInBand", "--ci --runInBand"),
            ("ci-runInBand-verbose", "--ci --runInBand --verbose"),
            ("ci-workers2-silent", "--ci --maxWorkers=2 --silent"),
        ]:
            command = f"jest {args} {json_out}"
            tree.remove("result.json")
            code, log = tree.run(command)
            result = json.loads(tree.read("result.json"))
            failing = [
                " › ".join(a["ancestorTitles"] + [a["title"]])
                for file in result["testResults"]
                for a in file["assertionResults"]
                if a["status"] == "failed"
            ]
            _case(
                outdir, "jest", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"result.json of the same run ({json_out}): ancestorTitles + title",
                failing=failing, markers=JEST2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# vitest: a CSV parser; expect.soft failing twice in one test, describe.each, a snapshot that no
# longer matches, and a test file that fails to import (an error of the file, not of a test)

VITEST2_FILES = {
    "package.json": '{ "name": "csvkit", "private": true, "type": "module" }\n',
    "vitest.config.js": """
        import { defineConfig } from 'vitest/config';

        export default defineConfig({
          test: { include: ['tests/**/*.test.js'] },
        });
    """,
    "src/csv.js": r"""
        export function parseLine(line, sep = ',') {
          const out = [];
          let cur = '';
          let quoted = false;
          for (const ch of line) {
            if (ch === '"') quoted = !quoted;
            else if (ch === sep && !quoted) {
              out.push(cur);
              cur = '';
            } else cur += ch;
          }
          out.push(cur);
          return out;
        }

        export function parse(text, sep = ',') {
          const [head, ...rows] = text.trim().split('\n');
          const cols = parseLine(head, sep);
          return rows.map((row) => Object.fromEntries(parseLine(row, sep).map((v, i) => [cols[i], v])));
        }
    """,
    "tests/parse_line.test.js": r'''
        import { describe, it, expect } from 'vitest';
        import { parseLine } from '../src/csv.js';

        describe.each([
          { sep: ',', line: 'a,b,c' },
          { sep: ';', line: 'a;b;c' },
          { sep: '\t', line: 'a\tb\tc' },
        ])('separator $sep', ({ sep, line }) => {
          it('splits three fields', () => {
            expect(parseLine(line, sep)).toEqual(['a', 'b', 'c']);
          });

          it('keeps a quoted separator', () => {
            expect(parseLine(`"x${sep}y",z`, sep)).toEqual([`x${sep}y`, 'z']);
          });
        });

        describe('quotes', () => {
          it('unescapes doubled quotes and trims', () => {
            const fields = parseLine('"say ""hi""", spaced ');
            expect.soft(fields[0]).toBe('say "hi"');
            expect.soft(fields[1]).toBe('spaced');
            expect(fields).toHaveLength(2);
          });
        });
    ''',
    "tests/parse.test.js": r"""
        import { describe, it, expect } from 'vitest';
        import { parse } from '../src/csv.js';

        describe('parse', () => {
          it('maps rows to objects', () => {
            expect(parse('id,name\n1,ann\n2,bob')).toMatchSnapshot();
          });

          it('handles CRLF line ends', () => {
            expect(parse('id,name\r\n1,ann\r\n')).toEqual([{ id: '1', name: 'ann' }]);
          });

          it('counts rows', () => {
            expect(parse('id\n1\n2\n3')).toHaveLength(3);
          });
        });
    """,
    "tests/__snapshots__/parse.test.js.snap": r"""
        // Vitest Snapshot v1, https://vitest.dev/guide/snapshot.html

        exports[`parse > maps rows to objects 1`] = `
        [
          {
            "id": 1,
            "name": "ann",
          },
          {
            "id": 2,
            "name": "bob",
          },
        ]
        `;
    """,
    "tests/stream.test.js": r"""
        import { describe, it, expect } from 'vitest';
        import { parseStream } from '../src/csv-stream.js';

        describe('parseStream', () => {
          it('parses chunks', async () => {
            expect(await parseStream(['a,b\n1,', '2\n'])).toEqual([{ a: '1', b: '2' }]);
          });
        });
    """,
}

VITEST2_MARKERS = {
    "tests/parse_line.test.js > quotes > unescapes doubled quotes and trims": 'say "hi"',
    "tests/parse.test.js > parse > handles CRLF line ends": "name\\r",
    "tests/parse.test.js > parse > maps rows to objects": "maps rows to objects 1",
}


def gen_vitest2(outdir):
    _js_tool("vitest")
    json_out = "--reporter=json --outputFile.json=result.json"
    with _JsTree("vitest", VITEST2_FILES) as tree:
        for shape, reporters in [
            ("default", "--reporter=default"),
            ("verbose", "--reporter=verbose"),
            ("dot", "--reporter=dot"),
        ]:
            command = f"vitest run {reporters} {json_out}"
            tree.remove("result.json")
            code, log = tree.run(command)
            result = json.loads(tree.read("result.json"))
            failing = []
            broken_files = []
            for file in result["testResults"]:
                name = Path(os.path.relpath(os.path.realpath(file["name"]), os.path.realpath(tree.root))).as_posix()
                if file["status"] == "failed" and not file["assertionResults"]:
                    # the file failed to import: vitest's JSON has the file's error and no test
                    broken_files.append(name)
                for a in file["assertionResults"]:
                    if a["status"] == "failed":
                        failing.append(" > ".join([name] + a["ancestorTitles"] + [a["title"]]))
            if broken_files != ["tests/stream.test.js"]:
                raise AssertionError(f"vitest {shape}: expected tests/stream.test.js to fail to import: {broken_files}")
            _case(
                outdir, "vitest", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"result.json of the same run ({json_out}): file, ancestorTitles, title; "
                "tests/stream.test.js fails to import: a failed file with no test, so no id",
                failing=failing, markers=VITEST2_MARKERS,
            )


# --------------------------------------------------------------------------------------------
# rspec: an invoice calculator; aggregate_failures, a failing let!, a context inside
# shared_examples kept in spec/support (so rspec names those examples by id), a --tag run

RSPEC2_FILES = {
    ".rspec": "--require spec_helper\n",
    "lib/invoice.rb": """
        class Invoice
          Line = Struct.new(:sku, :qty, :unit_cents)

          attr_reader :lines, :currency

          def initialize(currency: "EUR")
            @currency = currency
            @lines = []
          end

          def add(sku, qty, unit_cents)
            raise ArgumentError, "invoice-bad-qty: #{qty} of #{sku}" unless qty.positive?
            @lines << Line.new(sku, qty, unit_cents)
            self
          end

          def subtotal_cents
            lines.sum { |l| l.qty * l.unit_cents }
          end

          def tax_cents(rate)
            (subtotal_cents * rate).floor
          end

          def total_cents(rate)
            subtotal_cents + tax_cents(rate)
          end

          def self.load(path)
            File.read(path)
          end
        end
    """,
    "spec/spec_helper.rb": """
        require_relative "../lib/invoice"
        Dir[File.join(__dir__, "support", "**", "*.rb")].sort.each { |f| require f }

        RSpec.configure do |config|
          config.expect_with(:rspec) { |c| c.syntax = :expect }
        end
    """,
    "spec/support/shared_pricing.rb": """
        RSpec.shared_examples "a priced document" do |rate|
          it "has a non-negative total" do
            expect(document.total_cents(rate)).to be >= 0
          end

          context "with tax at #{rate}" do
            it "rounds tax half up" do
              expect(document.tax_cents(rate)).to eq((document.subtotal_cents * rate).round),
                "invoice-rounding: tax #{document.tax_cents(rate)} is floored"
            end

            it "adds tax to the subtotal" do
              expect(document.total_cents(rate)).to eq(document.subtotal_cents + document.tax_cents(rate))
            end
          end
        end
    """,
    "spec/invoice_spec.rb": """
        RSpec.describe Invoice do
          subject(:invoice) { described_class.new.add("pen", 3, 199).add("pad", 1, 450) }

          describe "#subtotal_cents" do
            it "sums the lines" do
              expect(invoice.subtotal_cents).to eq(1047)
            end
          end

          describe "#add", :billing do
            it "rejects a zero quantity" do
              expect { invoice.add("pen", 0, 199) }.to raise_error(ArgumentError, /bad quantity/)
            end

            it "keeps every line", :aggregate_failures do
              expect(invoice.lines.size).to eq(3), "invoice-line-count: two lines, not three"
              expect(invoice.lines.map(&:sku)).to eq(%w[pad pen])
              expect(invoice.currency).to eq("EUR")
            end
          end

          describe "from a stored invoice" do
            let!(:stored) { described_class.load("fixtures/invoice-2024-001.json") }

            it "has lines" do
              expect(stored).not_to be_empty
            end

            it "has a currency" do
              expect(stored).to include("currency")
            end
          end

          describe "pricing" do
            let(:document) { invoice }

            it_behaves_like "a priced document", 0.19
            it_behaves_like "a priced document", 0.07
          end
        end
    """,
    "spec/tax_spec.rb": """
        RSpec.describe "tax rates", :billing do
          it "formats cents as money" do
            puts "rspec ./spec/fake_spec.rb:1 # printed by a passing example"
            expect(format("%.2f", 1047 / 100.0)).to eq("10.47")
          end

          it "knows the reduced German rate" do
            aggregate_failures "rates" do
              expect(0.07).to eq(0.07)
              expect(0.19).to eq(0.16), "invoice-rate-de: the standard rate is 19%"
              expect(0.05).to eq(0.07), "invoice-rate-reduced: the reduced rate is 7%"
            end
          end

          it "is not tagged billing twice", billing: false do
            expect(1).to eq(2)
          end
        end
    """,
}

RSPEC2_TRUTH_FORMATTER = """
require "json"

# The rerun argument rspec prints after "Failed examples:" for each failing example, from its own
# SummaryNotification: the location, or the id where locations are shared or outside spec files.
class TruthFormatter
  RSpec::Core::Formatters.register self, :dump_summary

  def initialize(output)
    @output = output
  end

  def dump_summary(summary)
    ids = summary.failed_examples.map { |e| summary.send(:rerun_argument_for, e).sub(/\\A'(.*)'\\z/, "\\\\1") }
    @output.puts JSON.generate(ids)
  end
end
"""

RSPEC2_MARKERS = {
    "./spec/tax_spec.rb:7": "invoice-rate-reduced",
    "./spec/invoice_spec.rb:25": "invoice-2024-001.json",
    "./spec/invoice_spec.rb:15": "invoice-line-count",
}


def gen_rspec2(outdir):
    if shutil.which("rspec") is None:
        raise Unavailable("rspec is not installed")
    with _Tree("rspec", RSPEC2_FILES) as tree:
        tree.path("truth_formatter.rb").write_text(RSPEC2_TRUTH_FORMATTER)
        truth = "--require ./truth_formatter.rb --format TruthFormatter --out truth.json"
        for shape, args in [
            ("progress", ""),
            ("documentation", "--format documentation"),
            ("tag-billing", "--tag billing"),
        ]:
            console = args if "--format" in args else (args + " --format progress").strip()
            tree.remove("truth.json")
            # one run, two formatters: the console one, and the truth to a file. SHELL=bash, as a
            # CI job has it: rspec then prints ids unquoted after "Failed examples:".
            command = f"rspec {console} {truth}"
            code, log = run(command, tree.root, env={"SHELL": "/bin/bash"})
            failing = json.loads(tree.read("truth.json"))
            markers = dict(RSPEC2_MARKERS)
            shared = [f for f in failing if "[" in f]
            if shared:  # at most three markers: the shared example's instead of the aggregate one
                markers.pop("./spec/invoice_spec.rb:15")
                markers[shared[0]] = "invoice-rounding"
            _case(
                outdir, "rspec", shape,
                command=command, exit_code=code, log=log,
                truth_source="the rerun arguments of rspec's own SummaryNotification, written by a formatter of the same run",
                failing=failing, markers=markers,
            )


RUNNERS = {
    "pytest-2": gen_pytest2,
    "unittest-2": gen_unittest2,
    "cargo-2": gen_cargo2,
    "nextest-2": gen_nextest2,
    "go-2": gen_go2,
    "node-2": gen_node2,
    "mocha-2": gen_mocha2,
    "jest-2": gen_jest2,
    "vitest-2": gen_vitest2,
    "rspec-2": gen_rspec2,
}
