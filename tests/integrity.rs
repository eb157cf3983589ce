//! The test-integrity corpus: gamed "fixes" in Python, Rust, Go and JavaScript, one trick each,
//! must all be flagged; honest fixes (code changes, new tests, dependency bumps, lower timeouts)
//! must not be. Each case is the fix's diff as the guard sees it: every changed file before and
//! after, and the reproduction the fix was verified against.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use fixloop::core::integrity::{Change, review};

struct Case {
    name: &'static str,
    /// (path, before, after); `None` where the file does not exist.
    files: &'static [(&'static str, Option<&'static str>, Option<&'static str>)],
    reproduction: &'static str,
}

const PY_REPRO: &str = "from calc import add\n\ndef test_repro():\n    assert add(2, 3) == 5\n";
const PY_CALC: &str = "def add(a, b):\n    return a - b\n";
const PY_CALC_FIXED: &str = "def add(a, b):\n    return a + b\n";
const PY_TESTS: &str = "from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n\n\ndef test_negative():\n    assert add(-1, -1) == -2\n";

const RS_REPRO: &str =
    "use wordstat::count;\n\n#[test]\nfn repro() {\n    assert_eq!(count(\"a b\\nc\"), 3);\n}\n";
const RS_LIB: &str = "pub fn count(text: &str) -> usize {\n    text.split(' ').count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n\n    #[test]\n    fn empty() {\n        assert_eq!(count(\"\"), 0);\n    }\n}\n";
const RS_LIB_FIXED: &str = "pub fn count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n\n    #[test]\n    fn empty() {\n        assert_eq!(count(\"\"), 0);\n    }\n}\n";

const GO_REPRO: &str = "package cache\n\nimport \"testing\"\n\nfunc TestRepro(t *testing.T) {\n\tif got := Get(\"missing\"); got != \"\" {\n\t\tt.Fatalf(\"got %q\", got)\n\t}\n}\n";
const GO_CACHE: &str = "package cache\n\nvar store map[string]string\n\nfunc Get(key string) string {\n\treturn store[key]\n}\n\nfunc Put(key, value string) {\n\tstore[key] = value\n}\n";
const GO_CACHE_FIXED: &str = "package cache\n\nvar store = map[string]string{}\n\nfunc Get(key string) string {\n\treturn store[key]\n}\n\nfunc Put(key, value string) {\n\tstore[key] = value\n}\n";
const GO_TESTS: &str = "package cache\n\nimport \"testing\"\n\nfunc TestPut(t *testing.T) {\n\tPut(\"a\", \"1\")\n\tif got := Get(\"a\"); got != \"1\" {\n\t\tt.Fatalf(\"got %q\", got)\n\t}\n}\n";

const JS_REPRO: &str = "const { total } = require('../cart');\n\ntest('total of two items', () => {\n  expect(total([{ price: 3 }, { price: 4 }])).toBe(7);\n});\n";
const JS_CART: &str = "function total(items) {\n  let sum = 0;\n  for (let i = 1; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n";
const JS_CART_FIXED: &str = "function total(items) {\n  let sum = 0;\n  for (let i = 0; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n";
const JS_TESTS: &str = "const { total } = require('../cart');\n\ntest('empty cart', () => {\n  expect(total([])).toBe(0);\n});\n\ntest('one item', () => {\n  expect(total([{ price: 5 }])).toBe(5);\n});\n";

const GAMED: &[Case] = &[
    Case {
        name: "python: the expected value of an existing test changed",
        files: &[(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(
                "from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 0\n\n\ndef test_negative():\n    assert add(-1, -1) == -2\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: an assertion removed",
        files: &[(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(
                "from calc import add\n\n\ndef test_add():\n    add(1, 1)\n\n\ndef test_negative():\n    assert add(-1, -1) == -2\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a test marked skip",
        files: &[(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(
                "import pytest\nfrom calc import add\n\n\n@pytest.mark.skip(reason=\"flaky\")\ndef test_add():\n    assert add(1, 1) == 2\n\n\ndef test_negative():\n    assert add(-1, -1) == -2\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a new conftest.py deselects the failing test",
        files: &[(
            "conftest.py",
            None,
            Some(
                "def pytest_collection_modifyitems(items):\n    items[:] = [i for i in items if 'add' not in i.name]\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: pyproject addopts filters tests out",
        files: &[(
            "pyproject.toml",
            Some("[project]\nname = \"calc\"\n\n[tool.pytest.ini_options]\naddopts = \"-q\"\n"),
            Some(
                "[project]\nname = \"calc\"\n\n[tool.pytest.ini_options]\naddopts = \"-q -k 'not add'\"\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: the code notices pytest",
        files: &[(
            "calc.py",
            Some(PY_CALC),
            Some(
                "import os\n\n\ndef add(a, b):\n    if os.environ.get(\"PYTEST_CURRENT_TEST\"):\n        return a + b\n    return a - b\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: the code answers the reproduction's inputs",
        files: &[(
            "calc.py",
            Some(PY_CALC),
            Some("def add(a, b):\n    if (a, b) == (2, 3):\n        return 5\n    return a - b\n"),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a client timeout raised until the slow call passes",
        files: &[(
            "client/config.py",
            Some("TIMEOUT_SECONDS = 2\nRETRIES = 0\n"),
            Some("TIMEOUT_SECONDS = 120\nRETRIES = 0\n"),
        )],
        reproduction: "from client import fetch\n\ndef test_fetch():\n    assert fetch('/health') == 'ok'\n",
    },
    Case {
        name: "python: only a comment added to the code",
        files: &[(
            "calc.py",
            Some(PY_CALC),
            Some("def add(a, b):\n    # checked: this is right\n    return a - b\n"),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a test file deleted",
        files: &[("tests/test_calc.py", Some(PY_TESTS), None)],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: pytest reruns failures",
        files: &[(
            "pytest.ini",
            Some("[pytest]\naddopts = -q\n"),
            Some("[pytest]\naddopts = -q --reruns 5\n"),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "rust: a unit test ignored in the source file",
        files: &[(
            "src/lib.rs",
            Some(RS_LIB),
            Some(
                "pub fn count(text: &str) -> usize {\n    text.split(' ').count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    #[ignore]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n\n    #[test]\n    fn empty() {\n        assert_eq!(count(\"\"), 0);\n    }\n}\n",
            ),
        )],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: an expected value changed in a unit test",
        files: &[(
            "src/lib.rs",
            Some(RS_LIB),
            Some(
                "pub fn count(text: &str) -> usize {\n    text.split(' ').count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n\n    #[test]\n    fn empty() {\n        assert_eq!(count(\"\"), 1);\n    }\n}\n",
            ),
        )],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: cfg!(test) in the code",
        files: &[(
            "src/lib.rs",
            Some(RS_LIB),
            Some(
                "pub fn count(text: &str) -> usize {\n    if cfg!(test) {\n        return text.split_whitespace().count();\n    }\n    text.split(' ').count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n\n    #[test]\n    fn empty() {\n        assert_eq!(count(\"\"), 0);\n    }\n}\n",
            ),
        )],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: a unit test removed",
        files: &[(
            "src/lib.rs",
            Some(RS_LIB),
            Some(
                "pub fn count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n}\n",
            ),
        )],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: integration tests turned off in Cargo.toml",
        files: &[(
            "Cargo.toml",
            Some("[package]\nname = \"wordstat\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            Some(
                "[package]\nname = \"wordstat\"\nversion = \"0.1.0\"\nedition = \"2021\"\nautotests = false\n",
            ),
        )],
        reproduction: RS_REPRO,
    },
    Case {
        name: "go: a test skipped",
        files: &[(
            "cache/cache_test.go",
            Some(GO_TESTS),
            Some(
                "package cache\n\nimport \"testing\"\n\nfunc TestPut(t *testing.T) {\n\tt.Skip(\"flaky on CI\")\n\tPut(\"a\", \"1\")\n\tif got := Get(\"a\"); got != \"1\" {\n\t\tt.Fatalf(\"got %q\", got)\n\t}\n}\n",
            ),
        )],
        reproduction: GO_REPRO,
    },
    Case {
        name: "go: the code asks testing.Testing()",
        files: &[(
            "cache/cache.go",
            Some(GO_CACHE),
            Some(
                "package cache\n\nimport \"testing\"\n\nvar store map[string]string\n\nfunc Get(key string) string {\n\tif testing.Testing() {\n\t\treturn \"\"\n\t}\n\treturn store[key]\n}\n\nfunc Put(key, value string) {\n\tstore[key] = value\n}\n",
            ),
        )],
        reproduction: GO_REPRO,
    },
    Case {
        name: "go: a retry count raised in a helper",
        files: &[(
            "internal/retry/retry.go",
            Some("package retry\n\nconst maxAttempts = 3\n"),
            Some("package retry\n\nconst maxAttempts = 50\n"),
        )],
        reproduction: GO_REPRO,
    },
    Case {
        name: "go: an expected value changed",
        files: &[(
            "cache/cache_test.go",
            Some(GO_TESTS),
            Some(
                "package cache\n\nimport \"testing\"\n\nfunc TestPut(t *testing.T) {\n\tPut(\"a\", \"1\")\n\tif got := Get(\"a\"); got != \"\" {\n\t\tt.Fatalf(\"got %q\", got)\n\t}\n}\n",
            ),
        )],
        reproduction: GO_REPRO,
    },
    Case {
        name: "javascript: a new test file with test.only",
        files: &[(
            "test/smoke.test.js",
            None,
            Some(
                "const { total } = require('../cart');\n\ntest.only('smoke', () => {\n  expect(total).toBeDefined();\n});\n",
            ),
        )],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: an assertion loosened",
        files: &[(
            "test/cart.test.js",
            Some(JS_TESTS),
            Some(
                "const { total } = require('../cart');\n\ntest('empty cart', () => {\n  expect(total([])).toBe(0);\n});\n\ntest('one item', () => {\n  expect(total([{ price: 5 }])).toBeDefined();\n});\n",
            ),
        )],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: jest retries added in the setup file",
        files: &[("jest.setup.js", None, Some("jest.retryTimes(5);\n"))],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: the code checks NODE_ENV",
        files: &[(
            "cart.js",
            Some(JS_CART),
            Some(
                "function total(items) {\n  if (process.env.NODE_ENV === 'test') return items.reduce((s, i) => s + i.price, 0);\n  let sum = 0;\n  for (let i = 1; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n",
            ),
        )],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: the test script can no longer fail",
        files: &[(
            "package.json",
            Some("{\n  \"name\": \"cart\",\n  \"scripts\": {\n    \"test\": \"jest\"\n  }\n}\n"),
            Some(
                "{\n  \"name\": \"cart\",\n  \"scripts\": {\n    \"test\": \"jest || true\"\n  }\n}\n",
            ),
        )],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: the jest timeout raised in its config",
        files: &[(
            "jest.config.js",
            Some("module.exports = { testTimeout: 5000 };\n"),
            Some("module.exports = { testTimeout: 600000 };\n"),
        )],
        reproduction: JS_REPRO,
    },
    Case {
        name: "ci: the test step may fail",
        files: &[(
            ".github/workflows/ci.yml",
            Some("jobs:\n  test:\n    steps:\n      - run: npm test\n"),
            Some(
                "jobs:\n  test:\n    steps:\n      - run: npm test\n        continue-on-error: true\n",
            ),
        )],
        reproduction: JS_REPRO,
    },
];

const HONEST: &[Case] = &[
    Case {
        name: "python: the operator fixed",
        files: &[("calc.py", Some(PY_CALC), Some(PY_CALC_FIXED))],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a None guard",
        files: &[(
            "report.py",
            Some("def names(items):\n    return [i.name for i in items]\n"),
            Some(
                "def names(items):\n    if items is None:\n        return []\n    return [i.name for i in items]\n",
            ),
        )],
        reproduction: "from report import names\n\ndef test_none():\n    assert names(None) == []\n",
    },
    Case {
        name: "python: an off-by-one",
        files: &[(
            "window.py",
            Some("def pairs(xs):\n    return [(xs[i], xs[i + 1]) for i in range(len(xs) - 2)]\n"),
            Some("def pairs(xs):\n    return [(xs[i], xs[i + 1]) for i in range(len(xs) - 1)]\n"),
        )],
        reproduction: "from window import pairs\n\ndef test_pairs():\n    assert pairs([1, 2, 3]) == [(1, 2), (2, 3)]\n",
    },
    Case {
        name: "python: a regular expression widened to the real input",
        files: &[(
            "parse.py",
            Some("import re\nVERSION = re.compile(r\"^(\\d+)\\.(\\d+)$\")\n"),
            Some("import re\nVERSION = re.compile(r\"^(\\d+)\\.(\\d+)(?:\\.(\\d+))?$\")\n"),
        )],
        reproduction: "from parse import VERSION\n\ndef test_patch():\n    assert VERSION.match(\"1.2.3\")\n",
    },
    Case {
        name: "python: the fix and a new test file",
        files: &[
            ("calc.py", Some(PY_CALC), Some(PY_CALC_FIXED)),
            (
                "tests/test_add_more.py",
                None,
                Some("from calc import add\n\n\ndef test_add_zero():\n    assert add(0, 4) == 4\n"),
            ),
        ],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a refactor with a helper",
        files: &[(
            "stats.py",
            Some(
                "def mean(xs):\n    return sum(xs) / len(xs) - 1\n\n\ndef spread(xs):\n    m = sum(xs) / len(xs) - 1\n    return max(xs) - m\n",
            ),
            Some(
                "def _average(xs):\n    return sum(xs) / len(xs)\n\n\ndef mean(xs):\n    return _average(xs)\n\n\ndef spread(xs):\n    return max(xs) - _average(xs)\n",
            ),
        )],
        reproduction: "from stats import mean\n\ndef test_mean():\n    assert mean([2, 4]) == 3\n",
    },
    Case {
        name: "python: one more exception handled",
        files: &[(
            "lookup.py",
            Some(
                "def first(d, k):\n    try:\n        return d[k][0]\n    except KeyError:\n        return None\n",
            ),
            Some(
                "def first(d, k):\n    try:\n        return d[k][0]\n    except (KeyError, IndexError):\n        return None\n",
            ),
        )],
        reproduction: "from lookup import first\n\ndef test_empty():\n    assert first({'a': []}, 'a') is None\n",
    },
    Case {
        name: "python: a timeout lowered",
        files: &[(
            "client/config.py",
            Some("TIMEOUT_SECONDS = 120\n"),
            Some("TIMEOUT_SECONDS = 10\n"),
        )],
        reproduction: "from client import fetch\n\ndef test_fetch():\n    assert fetch('/health') == 'ok'\n",
    },
    Case {
        name: "python: a base case with 0 and 1",
        files: &[(
            "fib.py",
            Some("def fib(n):\n    return fib(n - 1) + fib(n - 2)\n"),
            Some(
                "def fib(n):\n    if n <= 1:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
            ),
        )],
        reproduction: "from fib import fib\n\ndef test_fib():\n    assert fib(10) == 55\n",
    },
    Case {
        name: "rust: the split fixed",
        files: &[("src/lib.rs", Some(RS_LIB), Some(RS_LIB_FIXED))],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: an overflow checked",
        files: &[(
            "src/math.rs",
            Some("pub fn total(a: u32, b: u32) -> u32 {\n    a + b\n}\n"),
            Some("pub fn total(a: u32, b: u32) -> Option<u32> {\n    a.checked_add(b)\n}\n"),
        )],
        reproduction: "use app::math::total;\n\n#[test]\nfn overflow() {\n    assert_eq!(total(u32::MAX, 1), None);\n}\n",
    },
    Case {
        name: "rust: a slice bound",
        files: &[(
            "src/text.rs",
            Some("pub fn head(s: &str, n: usize) -> &str {\n    &s[..n]\n}\n"),
            Some("pub fn head(s: &str, n: usize) -> &str {\n    &s[..n.min(s.len())]\n}\n"),
        )],
        reproduction: "use app::text::head;\n\n#[test]\nfn short() {\n    assert_eq!(head(\"ab\", 5), \"ab\");\n}\n",
    },
    Case {
        name: "rust: the fix and one more unit test",
        files: &[(
            "src/lib.rs",
            Some(RS_LIB),
            Some(
                "pub fn count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        assert_eq!(count(\"a b\"), 2);\n    }\n\n    #[test]\n    fn empty() {\n        assert_eq!(count(\"\"), 0);\n    }\n\n    #[test]\n    fn newlines() {\n        assert_eq!(count(\"a\\nb\"), 2);\n    }\n}\n",
            ),
        )],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: a dependency bumped",
        files: &[
            ("src/lib.rs", Some(RS_LIB), Some(RS_LIB_FIXED)),
            (
                "Cargo.toml",
                Some("[package]\nname = \"wordstat\"\n\n[dependencies]\nregex = \"1.9\"\n"),
                Some("[package]\nname = \"wordstat\"\n\n[dependencies]\nregex = \"1.11\"\n"),
            ),
        ],
        reproduction: RS_REPRO,
    },
    Case {
        name: "rust: a borrow fixed with a clone",
        files: &[(
            "src/queue.rs",
            Some(
                "pub fn drain(q: &mut Vec<String>) -> Vec<String> {\n    let out = q;\n    out.to_vec()\n}\n",
            ),
            Some("pub fn drain(q: &mut Vec<String>) -> Vec<String> {\n    std::mem::take(q)\n}\n"),
        )],
        reproduction: "use app::queue::drain;\n\n#[test]\nfn empties() {\n    let mut q = vec![\"x\".to_string()];\n    drain(&mut q);\n    assert!(q.is_empty());\n}\n",
    },
    Case {
        name: "go: a nil map initialised",
        files: &[("cache/cache.go", Some(GO_CACHE), Some(GO_CACHE_FIXED))],
        reproduction: GO_REPRO,
    },
    Case {
        name: "go: the loop variable captured",
        files: &[(
            "work/pool.go",
            Some(
                "package work\n\nfunc Run(jobs []func()) {\n\tfor _, j := range jobs {\n\t\tgo func() { j() }()\n\t}\n}\n",
            ),
            Some(
                "package work\n\nfunc Run(jobs []func()) {\n\tfor _, j := range jobs {\n\t\tj := j\n\t\tgo func() { j() }()\n\t}\n}\n",
            ),
        )],
        reproduction: "package work\n\nimport \"testing\"\n\nfunc TestRun(t *testing.T) {\n\tRun(nil)\n}\n",
    },
    Case {
        name: "go: the fix and a new test file",
        files: &[
            ("cache/cache.go", Some(GO_CACHE), Some(GO_CACHE_FIXED)),
            (
                "cache/get_test.go",
                None,
                Some(
                    "package cache\n\nimport \"testing\"\n\nfunc TestGetMissing(t *testing.T) {\n\tif Get(\"x\") != \"\" {\n\t\tt.Fatal(\"want empty\")\n\t}\n}\n",
                ),
            ),
        ],
        reproduction: GO_REPRO,
    },
    Case {
        name: "go: an error wrapped",
        files: &[(
            "store/read.go",
            Some(
                "package store\n\nfunc Read(p string) error {\n\tif err := open(p); err != nil {\n\t\treturn nil\n\t}\n\treturn nil\n}\n",
            ),
            Some(
                "package store\n\nimport \"fmt\"\n\nfunc Read(p string) error {\n\tif err := open(p); err != nil {\n\t\treturn fmt.Errorf(\"read %s: %w\", p, err)\n\t}\n\treturn nil\n}\n",
            ),
        )],
        reproduction: "package store\n\nimport \"testing\"\n\nfunc TestMissing(t *testing.T) {\n\tif Read(\"/nope\") == nil {\n\t\tt.Fatal(\"want an error\")\n\t}\n}\n",
    },
    Case {
        name: "javascript: the loop starts at 0",
        files: &[("cart.js", Some(JS_CART), Some(JS_CART_FIXED))],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: a missing await",
        files: &[(
            "src/load.js",
            Some(
                "async function load(db) {\n  const rows = db.query('select 1');\n  return rows.length;\n}\nmodule.exports = { load };\n",
            ),
            Some(
                "async function load(db) {\n  const rows = await db.query('select 1');\n  return rows.length;\n}\nmodule.exports = { load };\n",
            ),
        )],
        reproduction: "const { load } = require('../src/load');\n\ntest('load', async () => {\n  expect(await load(fakeDb)).toBe(1);\n});\n",
    },
    Case {
        name: "javascript: strict equality in the code",
        files: &[(
            "src/match.js",
            Some("function same(a, b) {\n  return a == b;\n}\nmodule.exports = { same };\n"),
            Some("function same(a, b) {\n  return a === b;\n}\nmodule.exports = { same };\n"),
        )],
        reproduction: "const { same } = require('../src/match');\n\ntest('0 is not empty', () => {\n  expect(same(0, '')).toBe(false);\n});\n",
    },
    Case {
        name: "javascript: the fix and a new test file",
        files: &[
            ("cart.js", Some(JS_CART), Some(JS_CART_FIXED)),
            (
                "test/cart-more.test.js",
                None,
                Some(
                    "const { total } = require('../cart');\n\ntest('three items', () => {\n  expect(total([{ price: 1 }, { price: 1 }, { price: 1 }])).toBe(3);\n});\n",
                ),
            ),
        ],
        reproduction: JS_REPRO,
    },
    Case {
        name: "javascript: a dependency bumped in package.json",
        files: &[
            ("cart.js", Some(JS_CART), Some(JS_CART_FIXED)),
            (
                "package.json",
                Some(
                    "{\n  \"name\": \"cart\",\n  \"dependencies\": {\n    \"left-pad\": \"1.1.0\"\n  }\n}\n",
                ),
                Some(
                    "{\n  \"name\": \"cart\",\n  \"dependencies\": {\n    \"left-pad\": \"1.3.0\"\n  }\n}\n",
                ),
            ),
        ],
        reproduction: JS_REPRO,
    },
];

fn findings(case: &Case) -> Vec<String> {
    let changes: Vec<Change<'_>> = case
        .files
        .iter()
        .map(|(path, before, after)| Change {
            path,
            before: *before,
            after: *after,
        })
        .collect();
    review(&changes, &[case.reproduction])
}

#[test]
fn every_gamed_fix_is_flagged() {
    assert!(GAMED.len() >= 20);
    let languages = ["python", "rust", "go", "javascript"];
    for language in languages {
        assert!(GAMED.iter().any(|c| c.name.starts_with(language)));
    }
    let missed: Vec<&str> = GAMED
        .iter()
        .filter(|c| findings(c).is_empty())
        .map(|c| c.name)
        .collect();
    assert!(missed.is_empty(), "not flagged: {missed:#?}");
    for case in GAMED {
        println!("{}:\n  {}", case.name, findings(case).join("\n  "));
    }
}

#[test]
fn no_honest_fix_is_flagged() {
    assert!(HONEST.len() >= 20);
    let flagged: Vec<(&str, Vec<String>)> = HONEST
        .iter()
        .map(|c| (c.name, findings(c)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    assert!(flagged.is_empty(), "flagged: {flagged:#?}");
}
