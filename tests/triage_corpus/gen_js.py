"""The JavaScript runners of the triage corpus: node's own test runner, mocha, jest and vitest.

Each runner gets a small project made in a fresh temporary folder (its sources are the strings
below), run in each output shape a CI job shows; the truth is the runner's own machine-readable
result of the same run (or, where the runner takes one reporter only, of a second run of the
same project). See README.md beside this file.

mocha, jest and vitest are the versions pinned in js/package.json beside this file, installed by
`npm ci --no-audit --no-fund --prefix tests/triage_corpus/js`. Each project links its
`node_modules` to that folder, as a checked-out project has its own, so that the runners, the
test files' `import ... from 'vitest'` and the configs resolve as they do in a real project; the
runner is called by its bare name with the project's `node_modules/.bin` first on PATH, so the
command written in each case is the one a CI script would run.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from common import Unavailable, run, write_case

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "js" / "node_modules"
INSTALL = "npm ci --no-audit --no-fund --prefix tests/triage_corpus/js"
TIMEOUT = 180


def _node():
    if shutil.which("node") is None:
        raise Unavailable("node is not installed")
    version = subprocess.run(["node", "--version"], stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    major = int(re.match(r"v(\d+)", version).group(1))
    return version, major


def _tool(name):
    """The pinned runner `name`, or Unavailable."""
    _node()
    if not (NODE_MODULES / ".bin" / name).exists():
        raise Unavailable(f"{NODE_MODULES / '.bin' / name} is missing: run `{INSTALL}`")


class _Project:
    """A throwaway project: `files` written into a fresh temporary folder, node_modules linked."""

    def __init__(self, files, link_node_modules=True):
        self.files = files
        self.link = link_node_modules

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="fixloop-corpus-")
        self.root = Path(self._tmp.name)
        for rel, text in self.files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        if self.link:
            (self.root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()

    def run(self, command, env=None):
        full = {"PATH": f"{self.root / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        # A CI job log is not GitHub's unless the shape says so: the runners switch reporters on it.
        full["GITHUB_ACTIONS"] = ""
        full.update(env or {})
        return run(command, self.root, timeout=TIMEOUT, env=full)

    def remove(self, rel):
        path = self.root / rel
        if path.exists():
            path.unlink()

    def read(self, rel):
        path = self.root / rel
        if not path.exists():
            raise AssertionError(f"the runner wrote no {rel}")
        return path.read_text()


def _case(outdir, runner, shape, *, command, exit_code, log, truth_source, failing, markers):
    """write_case, once the case is checked: the run failed, and each marker is in the log."""
    if exit_code == 0:
        raise AssertionError(f"{runner} {shape}: `{command}` passed; its suite has failing tests\n{log}")
    for test, text in markers.items():
        if test not in failing:
            raise AssertionError(f"{runner} {shape}: marker for {test!r}, which the truth does not list: {failing}")
        if text not in log:
            raise AssertionError(f"{runner} {shape}: marker {text!r} of {test!r} is not in the log\n{log}")
    write_case(
        outdir,
        runner,
        shape,
        command=command,
        exit_code=exit_code,
        log=log,
        truth_source=truth_source,
        failing=failing,
        markers=markers,
    )


# ---------------------------------------------------------------------------------------------
# node --test

NODE_CALC = r"""const { describe, it, beforeEach } = require('node:test');
const assert = require('node:assert');

describe('Calc', () => {
  it('adds', () => {
    assert.strictEqual(1 + 1, 2);
  });

  describe('nested', () => {
    it('subtracts', () => {
      assert.strictEqual(5 - 3, 3, 'subtraction is off by one');
    });

    describe('deeper', () => {
      it('multiplies big numbers', () => {
        assert.deepStrictEqual({ product: 6 * 7 }, { product: 41 });
      });
      it('divides', () => {
        assert.strictEqual(8 / 2, 4);
      });
    });
  });

  it('prints lines that look like failures', () => {
    console.log('not ok 1 - fake');
    console.log('✖ fake (1ms)');
    console.log('# fail 1');
  });

  it.skip('is skipped for now', () => {
    assert.fail('never runs');
  });
});

describe('Ledger with hooks', () => {
  beforeEach(() => {
    throw new Error('database handle is gone');
  });

  it('opens the ledger', () => {});
  it('closes the ledger', () => {});
});
"""

NODE_TOP = r"""const test = require('node:test');
const assert = require('node:assert');

test('top level expectation', () => {
  assert.ok(1 > 2, 'one is not greater than two');
});

test('throws a TypeError', () => {
  const config = null;
  return config.retries;
});

test('parses größen with subtests', async (t) => {
  await t.test('accepts plain ascii', () => {
    assert.strictEqual('abc'.length, 3);
  });
  await t.test('counts ünïcode letters ✓', () => {
    assert.strictEqual([...'größe'].length, 6, 'größe has five letters');
  });
});

test('a passing test with spaces', () => {});
test('naïve café', () => {});
"""

NODE_FILES = {"test/calc.test.js": NODE_CALC, "test/top.test.js": NODE_TOP}

NODE_MARKERS = {
    "Calc > nested > subtracts": "subtraction is off by one",
    "throws a TypeError": "Cannot read properties of null (reading 'retries')",
    "parses größen with subtests > counts ünïcode letters ✓": "größe has five letters",
}


def _node_junit_failing(xml_text):
    """Failing tests in node's JUnit report, as ids: the names of the enclosing <testsuite>s and of
    the <testcase>, joined by " > ".

    What node's junit reporter does (Node 20), and so why only <testcase>s are read:
    - `describe` and a `test` that has `t.test()` subtests are both written as <testsuite>; a leaf
      test (an `it`, a `test` without subtests, a subtest) as <testcase>. A suite or parent test
      that failed only because a child failed is thus never a failing <testcase>.
    - a failing `beforeEach` is reported on every test it ran before: each is a <testcase> with
      <failure type="hookFailed" message="failed running beforeEach hook">; the hook itself is
      never a test.
    - a parent test that fails by itself after its subtests ran is a <testsuite> whose own failure
      is lost (failures="0"): the suites here have no such test, so the truth misses nothing.
    - there is no <testsuite> per file: top-level tests of every file sit under <testsuites>.
    """
    failing = []

    def walk(element, path):
        for child in element:
            if child.tag == "testsuite":
                walk(child, path + [child.get("name")])
            elif child.tag == "testcase":
                if child.find("failure") is not None or child.find("error") is not None:
                    failing.append(" > ".join(path + [child.get("name")]))

    walk(ET.fromstring(xml_text), [])
    return failing


def gen_node(outdir):
    version, major = _node()
    if major < 20:
        raise Unavailable(f"node {version}: its test runner's reporters need node 20 or later")
    junit = "--test-reporter=junit --test-reporter-destination=junit.xml"
    shapes = [
        # (shape, console reporter, or None for the default one)
        ("spec", "spec"),
        ("tap", "tap"),
        # Not "dot": its closing "Failed tests:" list names each failing test by its last name
        # only (`subtracts`, not `Calc > nested > subtracts`), so the log cannot give the ids;
        # triage lists those leaf names.
        ("default", None),  # Node 20 prints TAP when stdout is not a terminal (22+: spec)
    ]
    with _Project(NODE_FILES, link_node_modules=False) as project:
        for shape, reporter in shapes:
            project.remove("junit.xml")
            if reporter:
                command = f"node --test --test-reporter={reporter} --test-reporter-destination=stdout {junit}"
                code, log = project.run(command)
                source = f"junit.xml of the same run ({junit})"
            else:
                # Naming any reporter drops the default one: the truth is a second run's.
                command = "node --test"
                code, log = project.run(command)
                project.run(f"node --test {junit}")
                source = f"junit.xml of a second run of the same suite (node --test {junit})"
            failing = _node_junit_failing(project.read("junit.xml"))
            _case(
                outdir, "node", shape,
                command=command, exit_code=code, log=log, truth_source=source,
                failing=failing, markers=NODE_MARKERS,
            )


# ---------------------------------------------------------------------------------------------
# mocha

MOCHA_RC = json.dumps({"spec": ["test/**/*.spec.js"]}, indent=2) + "\n"

MOCHA_CALC = r"""const assert = require('assert');

describe('Calc', function () {
  it('adds', function () {
    assert.strictEqual(1 + 1, 2);
  });

  describe('nested', function () {
    it('subtracts', function () {
      assert.strictEqual(5 - 3, 3, 'subtraction is off by one');
    });

    describe('deeper', function () {
      it('multiplies big numbers', function () {
        assert.deepStrictEqual({ product: 6 * 7 }, { product: 41 });
      });
      it('divides', function () {
        assert.strictEqual(8 / 2, 4);
      });
    });
  });

  it('throws a TypeError', function () {
    const config = null;
    return config.retries;
  });

  it('prints lines that look like failures', function () {
    console.log('  1) fake:');
    console.log('  2 failing');
  });

  it.skip('is skipped for now', function () {});
});

describe('Ledger with hooks', function () {
  beforeEach(function () {
    throw new Error('database handle is gone');
  });

  it('opens the ledger', function () {});
  it('closes the ledger', function () {});
});
"""

MOCHA_MORE = r"""const assert = require('assert');

describe('Fixtures', function () {
  before(function () {
    throw new Error('fixture directory is missing');
  });

  it('loads the fixtures', function () {});
});

describe('Network ünïcode ✓', function () {
  it('answers in time', function (done) {
    this.timeout(50);
    setTimeout(done, 500).unref();
  });

  it('keeps a passing neighbour', function () {
    assert.ok(true);
  });
});
"""

MOCHA_FILES = {".mocharc.json": MOCHA_RC, "test/calc.spec.js": MOCHA_CALC, "test/more.spec.js": MOCHA_MORE}

MOCHA_MARKERS = {
    "Calc nested subtracts": "subtraction is off by one",
    'Ledger with hooks "before each" hook for "opens the ledger"': "database handle is gone",
    'Fixtures "before all" hook for "loads the fixtures"': "fixture directory is missing",
}


def gen_mocha(outdir):
    _tool("mocha")
    truth = "mocha --reporter json --reporter-option output=result.json"
    with _Project(MOCHA_FILES) as project:
        for shape, command in [
            ("spec", "mocha"),
            ("dot", "mocha --reporter dot"),
            ("tap", "mocha --reporter tap"),
            ("list", "mocha --reporter list"),
        ]:
            code, log = project.run(command)
            # mocha takes one reporter per run: the truth is a second run's. Its json reporter
            # writes to a file, so the tests' console.log cannot corrupt it.
            project.remove("result.json")
            project.run(truth)
            result = json.loads(project.read("result.json"))
            # fullTitle: the titles of the suites and the test joined by spaces; a failing hook is
            # `<suite> "before each" hook for "<first test it ran before>"` (mocha then skips the
            # rest of that suite, whose tests are neither failed nor listed).
            failing = [f["fullTitle"] for f in result["failures"]]
            _case(
                outdir, "mocha", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"failures[].fullTitle of result.json from a second run ({truth})",
                failing=failing, markers=MOCHA_MARKERS,
            )


# ---------------------------------------------------------------------------------------------
# jest

JEST_CONFIG = "module.exports = {\n  testEnvironment: 'node',\n};\n"

JEST_CALC = r"""describe('Calc', () => {
  test('adds', () => {
    expect(1 + 1).toBe(2);
  });

  describe('nested', () => {
    test('subtracts', () => {
      expect(50 - 8).toBe(41);
    });

    describe('deeper', () => {
      test.each([
        [1, 1, 2],
        [2, 2, 5],
        [3, 3, 6],
      ])('sum of %i and %i is %i', (a, b, sum) => {
        expect(a + b).toBe(sum);
      });
    });
  });

  test('throws a TypeError', () => {
    const config = null;
    return config.retries;
  });

  test('prints lines that look like failures', () => {
    console.log('● Fake › test');
  });

  test.skip('is skipped for now', () => {});
});

describe('Ledger with hooks', () => {
  beforeEach(() => {
    throw new Error('database handle is gone');
  });

  test('opens the ledger', () => {});
  test('closes the ledger', () => {});
});
"""

JEST_MORE = r"""test('top level expectation', () => {
  expect(['apple', 'pear']).toContain('plum');
});

describe('Größen ünïcode ✓', () => {
  test('counts letters', () => {
    expect([...'größe']).toHaveLength(5);
  });
  test('compares objects', () => {
    expect({ name: 'größe', size: 3 }).toEqual({ name: 'größe', size: 4 });
  });
});
"""

JEST_FILES = {
    "jest.config.js": JEST_CONFIG,
    "__tests__/calc.test.js": JEST_CALC,
    "__tests__/more.test.js": JEST_MORE,
}

JEST_MARKERS = {
    "Calc › throws a TypeError": "Cannot read properties of null (reading 'retries')",
    "Ledger with hooks › opens the ledger": "database handle is gone",
    "top level expectation": "plum",
}


def gen_jest(outdir):
    _tool("jest")
    json_out = "--json --outputFile=result.json"
    with _Project(JEST_FILES) as project:
        for shape, args, env in [
            # With several test files, the default reporter lists no passing test.
            ("default", "", None),
            ("verbose", "--verbose", None),
            # jest's own GitHub reporter, as its docs set it up for Actions: `::error` annotations
            # and the summary reporter's list of failures.
            ("github-actions", "--reporters=github-actions --reporters=summary", {"GITHUB_ACTIONS": "true"}),
        ]:
            command = f"jest --ci {args} {json_out}".replace("  ", " ")
            project.remove("result.json")
            code, log = project.run(command, env)
            result = json.loads(project.read("result.json"))
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
                failing=failing, markers=JEST_MARKERS,
            )


# ---------------------------------------------------------------------------------------------
# vitest

VITEST_CONFIG = r"""import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.js'],
  },
});
"""

VITEST_CALC = r"""import { describe, it, test, expect, beforeEach } from 'vitest';

describe('Calc', () => {
  it('adds', () => {
    expect(1 + 1).toBe(2);
  });

  describe('nested', () => {
    it('subtracts', () => {
      expect(50 - 8).toBe(41);
    });

    describe('deeper', () => {
      test.each([
        [1, 1, 2],
        [2, 2, 5],
        [3, 3, 6],
      ])('sum of %i and %i is %i', (a, b, sum) => {
        expect(a + b).toBe(sum);
      });
    });
  });

  it('throws a TypeError', () => {
    const config = null;
    return config.retries;
  });

  it('prints lines that look like failures', () => {
    console.log(' FAIL  fake.test.js > x');
    console.log(' × fake > y 3ms');
  });

  it.skip('is skipped for now', () => {});
});

describe('Ledger with hooks', () => {
  beforeEach(() => {
    throw new Error('database handle is gone');
  });

  it('opens the ledger', () => {});
  it('closes the ledger', () => {});
});
"""

VITEST_MORE = r"""import { describe, test, expect } from 'vitest';

test('top level expectation', () => {
  expect(['apple', 'pear']).toContain('plum');
});

describe('Größen ünïcode ✓', () => {
  test('counts letters', () => {
    expect([...'größe']).toHaveLength(5);
  });
  test('compares objects', () => {
    expect({ name: 'größe', size: 3 }).toEqual({ name: 'größe', size: 4 });
  });
});
"""

VITEST_FILES = {
    "vitest.config.mjs": VITEST_CONFIG,
    "test/calc.test.js": VITEST_CALC,
    "test/more.test.js": VITEST_MORE,
}

VITEST_MARKERS = {
    "test/calc.test.js > Calc > throws a TypeError": "Cannot read properties of null (reading 'retries')",
    "test/calc.test.js > Ledger with hooks > opens the ledger": "database handle is gone",
    "test/more.test.js > top level expectation": "plum",
}


def gen_vitest(outdir):
    _tool("vitest")
    json_out = "--reporter=json --outputFile.json=result.json"
    with _Project(VITEST_FILES) as project:
        for shape, reporters, env in [
            ("default", "--reporter=default", None),
            ("verbose", "--reporter=verbose", None),
            ("dot", "--reporter=dot", None),
            ("tap", "--reporter=tap", None),
            ("tap-flat", "--reporter=tap-flat", None),
            # what vitest adds on GitHub Actions: `::error` annotations after the default output.
            ("github-actions", "--reporter=default --reporter=github-actions", {"GITHUB_ACTIONS": "true"}),
        ]:
            # Several reporters in one run; --outputFile.json sends the json one to a file.
            command = f"vitest run --config vitest.config.mjs {reporters} {json_out}"
            project.remove("result.json")
            code, log = project.run(command, env)
            result = json.loads(project.read("result.json"))
            failing = []
            for file in result["testResults"]:
                # the test file as vitest prints it: relative to the project's root
                name = Path(os.path.relpath(os.path.realpath(file["name"]), os.path.realpath(project.root)))
                for a in file["assertionResults"]:
                    if a["status"] == "failed":
                        failing.append(" > ".join([name.as_posix()] + a["ancestorTitles"] + [a["title"]]))
            _case(
                outdir, "vitest", shape,
                command=command, exit_code=code, log=log,
                truth_source=f"result.json of the same run ({json_out}): file, ancestorTitles, title",
                failing=failing, markers=VITEST_MARKERS,
            )


RUNNERS = {"node": gen_node, "mocha": gen_mocha, "jest": gen_jest, "vitest": gen_vitest}
