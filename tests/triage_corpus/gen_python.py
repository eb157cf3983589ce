"""The Python runners of the triage corpus: pytest and unittest. See README.md beside this file.

Each runner builds a small suite with known failures in a fresh temporary directory, runs it in
the output shapes projects use, and takes the truth from the runner's own machine-readable result:
pytest's JUnit XML of the same run, unittest's own result object (a second run through its API).
"""

import concurrent.futures
import json
import queue
import re
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from common import Unavailable, run, write_case
from common import markers_of as _markers
from common import write_tree as _write_tree

PYTHON = sys.executable or "python3"


WORKERS = 2


def _in_parallel(jobs, fn):
    """`fn(*job)` for every job, WORKERS at a time; the first error is raised."""
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for future in [pool.submit(fn, *job) for job in jobs]:
            future.result()


# --------------------------------------------------------------------------------------------
# pytest
# --------------------------------------------------------------------------------------------

# The code under test: failures that go through it crash here, not in the test file.
PYTEST_CALC = '''
"""The code under test."""


def divide(a, b):
    return a / b


def parse_amount(text):
    return float(text.replace(",", ""))


def check_total(items, expected):
    total = sum(items)
    assert total == expected, f"boom-total: {items} sum to {total}, not {expected}"
    return total
'''

PYTEST_TEST_CALC = '''
import pytest

from calc import divide, parse_amount


def test_add():
    assert 1 + 1 == 2


def test_add_wrong():
    result = 2 + 2
    assert result == 5, "boom-add: 2 + 2 is not 5"


class TestDivide:
    def test_exact(self):
        assert divide(6, 3) == 2

    def test_by_zero(self):
        assert divide(1, 0) == 0

    class TestRounding:
        def test_half(self):
            assert divide(1, 2) == 0.5

        def test_third(self):
            assert round(divide(1, 3), 2) == 0.34, "boom-round: a third is not 0.34"


@pytest.mark.parametrize("value", [1, 1.5, "3", "two"])
def test_is_whole(value):
    assert parse_amount(str(value)).is_integer(), f"boom-whole: {value!r} is not whole"


def test_lookup():
    rates = {"eur": 1.0}
    assert rates["boom-usd"] == 1.1


@pytest.fixture
def ledger():
    raise RuntimeError("boom-ledger: cannot open ledger.db")


def test_ledger_balance(ledger):
    assert ledger.balance == 0


@pytest.mark.skip(reason="needs a printer")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known rounding bug")
def test_known_bug():
    assert divide(1, 3) * 3 == 1.0000001


def test_prints_lookalikes():
    # Passes, but prints what failures look like: precision, not recall.
    print("FAILED tests/fake.py::test_nope - AssertionError: not a real failure")
    print("ERROR tests/fake.py::test_setup - RuntimeError: not a real error")
    print("not ok 1 - x")
    print("Error: nothing")
'''

PYTEST_TEST_REPORT = '''
from calc import check_total


class TestReport:
    def test_totals(self):
        assert check_total([1, 2, 3], 6) == 6

    def test_totals_wrong(self):
        check_total([1, 2, 3], 7)


def test_report_header():
    print("FAILED tests/also_fake.py::test_captured - printed by a failing test")
    header = "Report".upper()
    assert header == "Report", "boom-header: the header is shouted"
'''

PYTEST_INI = '''
[pytest]
pythonpath = .
'''

# Unique texts of some failures' errors: any reasonable excerpt shows them.
PYTEST_MARKERS = {
    "tests/test_calc.py::test_add_wrong": "boom-add",
    "tests/test_calc.py::test_ledger_balance": "boom-ledger",
    "tests/test_report.py::TestReport::test_totals_wrong": "boom-total",
}

# (shape, options). Left out because their output names no failing test at all:
#   -q -rN --tb=line  (only "path:line: Error" lines, no test names, no summary)
#   -q -rN --tb=no    (only the progress dots and the counts)
#   -rN --tb=line / -rN --tb=no  (the same, with the header)
PYTEST_SHAPES = [
    ("default", ""),
    ("v", "-v"),
    ("q", "-q"),
    ("rA", "-rA"),
    ("rxs", "-rxs"),
    ("rN", "-rN"),
    ("s", "-s"),
    ("tb-short", "--tb=short"),
    ("tb-line", "--tb=line"),
    ("tb-no", "--tb=no"),
    ("q-tb-line", "-q --tb=line"),
    ("v-rN", "-v -rN"),
    ("rN-tb-short", "-rN --tb=short"),
    ("q-rN", "-q -rN"),
    ("v-tb-no", "-v --tb=no"),
]
PYTEST_XDIST_SHAPES = [
    ("xdist-n2", "-n 2"),
    ("xdist-n2-v", "-n 2 -v"),
]


def _pytest_node_ids(junit_path, suite):
    """The failing tests of a pytest JUnit XML file, as pytest node ids.

    pytest writes `classname="tests.test_calc.TestDivide.TestRounding" name="test_third"`: the
    module path and the classes joined by dots, the test name (with its `[param]`) apart. The
    module part is the longest dotted prefix that names a file of the suite."""
    failing = []
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        if case.find("failure") is None and case.find("error") is None:
            continue
        parts = case.get("classname", "").split(".")
        name = case.get("name")
        for i in range(len(parts), 0, -1):
            module = "/".join(parts[:i]) + ".py"
            if (Path(suite) / module).is_file():
                failing.append("::".join([module, *parts[i:], name]))
                break
        else:
            raise AssertionError(f"pytest JUnit: no file for classname {case.get('classname')!r}")
    return failing


def _have_xdist():
    probe = subprocess.run([PYTHON, "-c", "import xdist"], capture_output=True)
    if probe.returncode == 0:
        return True
    try:
        install = subprocess.run(
            [PYTHON, "-m", "pip", "install", "--quiet", "pytest-xdist"], capture_output=True, timeout=300
        )
        installed = install.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        installed = False
    if not installed:
        print("pytest: pytest-xdist is not installed and could not be: no xdist shapes", file=sys.stderr)
        return False
    return True


def gen_pytest(outdir):
    probe = subprocess.run([PYTHON, "-m", "pytest", "--version"], capture_output=True)
    if probe.returncode != 0:
        raise Unavailable("pytest is not installed (python3 -m pytest --version failed)")
    shapes = list(PYTEST_SHAPES)
    if _have_xdist():
        shapes += PYTEST_XDIST_SHAPES
    with tempfile.TemporaryDirectory(prefix="pytest-") as root:
        # One copy of the suite per worker: two shapes run at a time (the machine has 2 cores).
        suites = queue.Queue()
        for i in range(WORKERS):
            suite = Path(root) / f"suite{i}"
            _write_tree(
                suite,
                {
                    "calc.py": PYTEST_CALC,
                    "pytest.ini": PYTEST_INI,
                    "tests/test_calc.py": PYTEST_TEST_CALC,
                    "tests/test_report.py": PYTEST_TEST_REPORT,
                },
            )
            suites.put(suite)

        def one(shape, options):
            suite = suites.get()
            try:
                junit = suite / "report.xml"
                junit.unlink(missing_ok=True)
                command = " ".join(f"python3 -m pytest {options} --junitxml=report.xml".split())
                code, log = run(command.replace("python3", PYTHON, 1), suite)
                if not junit.is_file():
                    raise AssertionError(f"pytest {shape}: no JUnit XML written:\n{log}")
                failing = _pytest_node_ids(junit, suite)
            finally:
                suites.put(suite)
            write_case(
                outdir,
                "pytest",
                shape,
                command=command,
                exit_code=code,
                log=log,
                truth_source="pytest --junitxml (same run)",
                failing=failing,
                markers=_markers(PYTEST_MARKERS, failing, log, f"pytest {shape}"),
            )

        _in_parallel(shapes, one)


# --------------------------------------------------------------------------------------------
# unittest
# --------------------------------------------------------------------------------------------

UNITTEST_CALC = '''
"""The code under test."""


def divide(a, b):
    return a / b


def is_even(n):
    return n % 2 == 0
'''

UNITTEST_TEST_CALC = '''
import unittest

from calc import divide, is_even


class CalcTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_add_wrong(self):
        self.assertEqual(2 + 2, 5, "boom-add: 2 + 2 is not 5")

    def test_divide_by_zero(self):
        self.assertEqual(divide(1, 0), 0)

    def test_even(self):
        for n in range(4):
            with self.subTest(n=n):
                self.assertTrue(is_even(n), f"boom-even: {n} is odd")

    def test_prints_lookalikes(self):
        # Passes, but prints what failures look like: precision, not recall.
        print("FAIL: fake (x.Y)")
        print("ERROR: test_nope (fake.FakeTest.test_nope)")
        print("Traceback (most recent call last):")
        print("AssertionError: not a real failure")

    @unittest.skip("needs a printer")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(divide(1, 3) * 3, 1.0000001)
'''

UNITTEST_TEST_TEXT = '''
import unittest


class BrokenSetup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise ConnectionError("boom-setup: the fixture database is down")

    def test_never_runs(self):
        pass


class TextTest(unittest.TestCase):
    def test_upper(self):
        self.assertEqual("abc".upper(), "ABC")

    def test_split(self):
        print("FAIL: test_fake (fake.Fake.test_fake) printed by a failing test")
        self.assertEqual("a,b".split(","), ["a", "b", "c"])

    def test_parse(self):
        int("boom-parse")
'''

# unittest's own account of the failures, through its API: the ids its result objects give.
# In Python 3.11: TestCase.id() is "test_calc.CalcTest.test_add"; a subtest's _SubTest.id() is
# "test_calc.CalcTest.test_even (n=1)"; a failing setUpClass is an _ErrorHolder whose id() is
# its description, "setUpClass (test_text.BrokenSetup)".
UNITTEST_TRUTH = '''
import json
import os
import sys
import unittest

out, argv = sys.argv[1], sys.argv[2:]
sys.path.insert(0, os.getcwd())  # as `python3 -m unittest` has it
with open(os.devnull, "w") as devnull:
    runner = unittest.TextTestRunner(stream=devnull, buffer=True)
    program = unittest.main(module=None, argv=["python3 -m unittest", *argv], testRunner=runner, exit=False)
result = program.result
with open(out, "w") as f:
    json.dump([test.id() for test, _ in result.failures + result.errors], f)
'''

UNITTEST_MARKERS = {
    "test_calc.CalcTest.test_add_wrong": "boom-add",
    "test_text.TextTest.test_parse": "boom-parse",
    "setUpClass (test_text.BrokenSetup)": "boom-setup",
}

# (shape, layout, arguments). The flat layout keeps the tests beside the code (plain
# `python3 -m unittest` discovers them); the tests layout keeps them in tests/, no package.
UNITTEST_SHAPES = [
    ("default", "flat", ""),
    ("v", "flat", "-v"),
    ("b", "flat", "-b"),
    ("discover-tests-v", "tests", "discover -s tests -v"),
]


def gen_unittest(outdir):
    with tempfile.TemporaryDirectory(prefix="unittest-suite-") as root:
        flat = Path(root) / "flat"
        _write_tree(
            flat, {"calc.py": UNITTEST_CALC, "test_calc.py": UNITTEST_TEST_CALC, "test_text.py": UNITTEST_TEST_TEXT}
        )
        tests = Path(root) / "tests"
        _write_tree(
            tests,
            {
                "calc.py": UNITTEST_CALC,
                "tests/test_calc.py": UNITTEST_TEST_CALC,
                "tests/test_text.py": UNITTEST_TEST_TEXT,
            },
        )
        truth_script = Path(root) / "unittest_truth.py"
        truth_script.write_text(UNITTEST_TRUTH)
        for shape, layout, args in UNITTEST_SHAPES:
            cwd = flat if layout == "flat" else tests
            command = f"python3 -m unittest {args}".strip()
            code, log = run(command.replace("python3", PYTHON, 1), cwd)
            truth_file = Path(root) / "truth.json"
            truth_code, truth_log = run(f"{PYTHON} {truth_script} {truth_file} {args}", cwd)
            if not truth_file.is_file():
                raise AssertionError(f"unittest {shape}: the truth run failed:\n{truth_log}")
            failing = json.loads(truth_file.read_text())
            truth_file.unlink()
            # The same count as the run's own last line, e.g. "FAILED (failures=4, errors=3, ...)".
            counts = re.search(r"^FAILED \((?:failures=(\d+))?(?:, )?(?:errors=(\d+))?", log, re.M)
            if not counts or sum(int(n or 0) for n in counts.groups()) != len(failing):
                raise AssertionError(f"unittest {shape}: the truth {failing} disagrees with the run:\n{log}")
            write_case(
                outdir,
                "unittest",
                shape,
                command=command,
                exit_code=code,
                log=log,
                truth_source="unittest API: result.failures + result.errors, test.id() (second run)",
                failing=failing,
                markers=_markers(UNITTEST_MARKERS, failing, log, f"unittest {shape}"),
            )


RUNNERS = {"pytest": gen_pytest, "unittest": gen_unittest}
