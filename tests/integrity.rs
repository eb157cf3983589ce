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
        name: "python: an early return appended into the last test",
        files: &[(
            "tests/test_calc.py",
            Some("from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n"),
            Some(
                "from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n    return\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
    Case {
        name: "python: a skip marker inserted above an existing test",
        files: &[(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(
                "import pytest\nfrom calc import add\n\n\n@pytest.mark.skip\ndef test_add():\n    assert add(1, 1) == 2\n\n\ndef test_negative():\n    assert add(-1, -1) == -2\n",
            ),
        )],
        reproduction: PY_REPRO,
    },
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

/// A gamed fix and the words of the finding that must name its trick: being flagged for
/// something else (a comment-only change, say) would not show that the trick is caught.
struct Trick {
    case: Case,
    finding: &'static str,
}

const PY_DICE_REPRO: &str = "from dice import roll\n\n\ndef test_roll_in_range():\n    for _ in range(1000):\n        assert 1 <= roll() <= 6\n";
const RS_CARGO: &str = "[package]\nname = \"wordstat\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nunicode-segmentation = \"1.10\"\n\n[dev-dependencies]\npretty_assertions = \"1.4\"\n";
const GO_MOD: &str = "module example.com/app\n\ngo 1.22\n\nrequire github.com/acme/lru v1.4.0\n";
const GO_LRU: &str = "package lru\n\nfunc (c *Cache) Get(key string) (string, bool) {\n\tel, ok := c.items[key]\n\tif !ok {\n\t\treturn \"\", false\n\t}\n\treturn el.Value.(string), true\n}\n";
const GO_LRU_REPRO: &str = "package cache\n\nimport (\n\t\"testing\"\n\n\t\"github.com/acme/lru\"\n)\n\nfunc TestEvicts(t *testing.T) {\n\tc := lru.New(1)\n\tc.Put(\"a\", \"1\")\n\tc.Put(\"b\", \"2\")\n\tif _, ok := c.Get(\"a\"); ok {\n\t\tt.Fatal(\"a was not evicted\")\n\t}\n}\n";
const JS_PACKAGE_JEST: &str = "{\n  \"name\": \"cart\",\n  \"scripts\": {\n    \"test\": \"jest\"\n  },\n  \"jest\": {\n    \"testEnvironment\": \"node\"\n  }\n}\n";

const TRICKS: &[Trick] = &[
    Trick {
        case: Case {
            name: "python: the code looks for pytest among the loaded modules",
            files: &[(
                "calc.py",
                Some(PY_CALC),
                Some(
                    r#"import sys


def add(a, b):
    if any(name.startswith("_pytest") for name in sys.modules):
        return a + b
    return a - b
"#,
                ),
            )],
            reproduction: PY_REPRO,
        },
        finding: "runs under a test",
    },
    Trick {
        case: Case {
            name: "python: the code walks the call stack for a test file",
            files: &[(
                "calc.py",
                Some(PY_CALC),
                Some(
                    r#"import traceback


def add(a, b):
    for frame in traceback.extract_stack():
        if frame.filename.endswith("test_calc.py") or "/tests/" in frame.filename:
            return a + b
    return a - b
"#,
                ),
            )],
            reproduction: PY_REPRO,
        },
        finding: "looks at its call stack",
    },
    Trick {
        case: Case {
            name: "python: the code behaves differently on GitHub Actions",
            files: &[(
                "calc.py",
                Some(PY_CALC),
                Some(
                    r#"import os


def add(a, b):
    if os.getenv("GITHUB_ACTIONS") == "true":
        return a + b
    return a - b
"#,
                ),
            )],
            reproduction: PY_REPRO,
        },
        finding: "reads a CI variable",
    },
    Trick {
        case: Case {
            name: "python: the main script's file name gives pytest away",
            files: &[(
                "calc.py",
                Some(PY_CALC),
                Some(
                    r#"import __main__
import os


def add(a, b):
    main = os.path.basename(getattr(__main__, "__file__", ""))
    if main in ("pytest", "py.test") or main.endswith("_test.py"):
        return a + b
    return a - b
"#,
                ),
            )],
            reproduction: PY_REPRO,
        },
        finding: "looks at a file name",
    },
    Trick {
        case: Case {
            name: "python: a random.py at the top shadows the standard module",
            files: &[(
                "random.py",
                None,
                Some(
                    r#""""Deterministic stand-in so that dice rolls are reproducible."""


def randint(a, b):
    return max(a, 1)
"#,
                ),
            )],
            reproduction: PY_DICE_REPRO,
        },
        finding: "shadows Python's standard `random` module",
    },
    Trick {
        case: Case {
            name: "python: sitecustomize.py patches the function at start-up",
            files: &[(
                "sitecustomize.py",
                None,
                Some("import calc\n\ncalc.add = lambda a, b: a + b\n"),
            )],
            reproduction: PY_REPRO,
        },
        finding: "import hook",
    },
    Trick {
        case: Case {
            name: "python: a .pth file loads a patch before the tests",
            files: &[
                (
                    ".venv/lib/python3.12/site-packages/calc_hotfix.pth",
                    None,
                    Some("import calc_hotfix\n"),
                ),
                (
                    ".venv/lib/python3.12/site-packages/calc_hotfix.py",
                    None,
                    Some("import calc\n\ncalc.add = lambda a, b: a + b\n"),
                ),
            ],
            reproduction: PY_REPRO,
        },
        finding: "a .pth file",
    },
    Trick {
        case: Case {
            name: "python: a correct copy of the module beside the tests",
            files: &[(
                "tests/calc.py",
                None,
                Some("def add(a, b):\n    return a + b\n"),
            )],
            reproduction: PY_REPRO,
        },
        finding: "which the reproduction imports",
    },
    Trick {
        case: Case {
            name: "python: the helper the reproduction compares with is loosened",
            files: &[(
                "testsupport.py",
                Some(
                    "def close_to(actual, expected, places=7):\n    return round(abs(actual - expected), places) == 0\n",
                ),
                Some(
                    "def close_to(actual, expected, places=7):\n    return abs(actual - expected) < 1\n",
                ),
            )],
            reproduction: "from stats import mean\nfrom testsupport import close_to\n\n\ndef test_mean():\n    assert close_to(mean([1, 2, 4]), 2.3333, places=4)\n",
        },
        finding: "a test helper the reproduction imports",
    },
    Trick {
        case: Case {
            name: "rust: the code checks whether it runs from the test binary",
            files: &[(
                "src/lib.rs",
                Some(RS_LIB),
                Some(
                    r#"pub fn count(text: &str) -> usize {
    let under_harness = std::env::current_exe()
        .map(|p| p.to_string_lossy().contains("/deps/"))
        .unwrap_or(false);
    if under_harness {
        return text.split_whitespace().count();
    }
    text.split(' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words() {
        assert_eq!(count("a b"), 2);
    }

    #[test]
    fn empty() {
        assert_eq!(count(""), 0);
    }
}
"#,
                ),
            )],
            reproduction: RS_REPRO,
        },
        finding: "looks at the program's name or arguments",
    },
    Trick {
        case: Case {
            name: "rust: a fixed function for tests and the broken one otherwise",
            files: &[(
                "src/lib.rs",
                Some(RS_LIB),
                Some(
                    r#"#[cfg(not(test))]
pub fn count(text: &str) -> usize {
    text.split(' ').count()
}

#[cfg(test)]
pub fn count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words() {
        assert_eq!(count("a b"), 2);
    }

    #[test]
    fn empty() {
        assert_eq!(count(""), 0);
    }
}
"#,
                ),
            )],
            reproduction: RS_REPRO,
        },
        finding: "runs under a test",
    },
    Trick {
        case: Case {
            name: "rust: the thread's name tells a test from main",
            files: &[(
                "src/lib.rs",
                Some(RS_LIB),
                Some(
                    r#"pub fn count(text: &str) -> usize {
    if std::thread::current().name().is_some_and(|n| n != "main") {
        return text.split_whitespace().count();
    }
    text.split(' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words() {
        assert_eq!(count("a b"), 2);
    }

    #[test]
    fn empty() {
        assert_eq!(count(""), 0);
    }
}
"#,
                ),
            )],
            reproduction: RS_REPRO,
        },
        finding: "runs under a test",
    },
    Trick {
        case: Case {
            name: "rust: [patch.crates-io] swaps a dependency for a local copy",
            files: &[(
                "Cargo.toml",
                Some(RS_CARGO),
                Some(
                    "[package]\nname = \"wordstat\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nunicode-segmentation = \"1.10\"\n\n[dev-dependencies]\npretty_assertions = \"1.4\"\n\n[patch.crates-io]\nunicode-segmentation = { path = \"third_party/unicode-segmentation\" }\n",
                ),
            )],
            reproduction: RS_REPRO,
        },
        finding: "[patch.crates-io] section",
    },
    Trick {
        case: Case {
            name: "rust: the assertion crate the tests use comes from a local copy",
            files: &[(
                "Cargo.toml",
                Some(RS_CARGO),
                Some(
                    "[package]\nname = \"wordstat\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nunicode-segmentation = \"1.10\"\n\n[dev-dependencies]\npretty_assertions = { path = \"../pretty_assertions\" }\n",
                ),
            )],
            reproduction: RS_REPRO,
        },
        finding: "a crate the tests use",
    },
    Trick {
        case: Case {
            name: "go: the binary's name ends in .test",
            files: &[(
                "cache/cache.go",
                Some(GO_CACHE),
                Some(
                    "package cache\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\nvar store map[string]string\n\nfunc Get(key string) string {\n\tif strings.HasSuffix(os.Args[0], \".test\") {\n\t\treturn \"\"\n\t}\n\treturn store[key]\n}\n\nfunc Put(key, value string) {\n\tstore[key] = value\n}\n",
                ),
            )],
            reproduction: GO_REPRO,
        },
        finding: "looks at the program's name or arguments",
    },
    Trick {
        case: Case {
            name: "go: the caller is a _test.go file",
            files: &[(
                "cache/cache.go",
                Some(GO_CACHE),
                Some(
                    "package cache\n\nimport (\n\t\"runtime\"\n\t\"strings\"\n)\n\nvar store map[string]string\n\nfunc Get(key string) string {\n\tif _, file, _, ok := runtime.Caller(1); ok && strings.HasSuffix(file, \"_test.go\") {\n\t\treturn \"\"\n\t}\n\treturn store[key]\n}\n\nfunc Put(key, value string) {\n\tstore[key] = value\n}\n",
                ),
            )],
            reproduction: GO_REPRO,
        },
        finding: "looks at its call stack",
    },
    Trick {
        case: Case {
            name: "go: a replace directive swaps the dependency for a local fork",
            files: &[(
                "go.mod",
                Some(GO_MOD),
                Some(
                    "module example.com/app\n\ngo 1.22\n\nrequire github.com/acme/lru v1.4.0\n\nreplace github.com/acme/lru => ./third_party/lru\n",
                ),
            )],
            reproduction: GO_LRU_REPRO,
        },
        finding: "replace directive",
    },
    Trick {
        case: Case {
            name: "go: the vendored dependency edited in place",
            files: &[(
                "vendor/github.com/acme/lru/lru.go",
                Some(GO_LRU),
                Some(
                    "package lru\n\nfunc (c *Cache) Get(key string) (string, bool) {\n\tif c.evicted[key] {\n\t\treturn \"\", false\n\t}\n\tel, ok := c.items[key]\n\tif !ok {\n\t\treturn \"\", false\n\t}\n\treturn el.Value.(string), true\n}\n",
                ),
            )],
            reproduction: GO_LRU_REPRO,
        },
        finding: "instead of the real package",
    },
    Trick {
        case: Case {
            name: "go: the comparison helper the reproduction uses accepts anything",
            files: &[(
                "internal/testutil/compare.go",
                Some(
                    "package testutil\n\nimport \"reflect\"\n\nfunc Same(got, want any) bool {\n\treturn reflect.DeepEqual(got, want)\n}\n",
                ),
                Some(
                    "package testutil\n\nfunc Same(got, want any) bool {\n\treturn got != nil || want == nil\n}\n",
                ),
            )],
            reproduction: "package cache\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/internal/testutil\"\n)\n\nfunc TestRepro(t *testing.T) {\n\tif !testutil.Same(Get(\"missing\"), \"\") {\n\t\tt.Fatal(\"want empty\")\n\t}\n}\n",
        },
        finding: "a test helper the reproduction imports",
    },
    Trick {
        case: Case {
            name: "javascript: the code looks for jest in the module cache",
            files: &[(
                "cart.js",
                Some(JS_CART),
                Some(
                    "function total(items) {\n  const underJest = Object.keys(require.cache).some((k) => k.includes('jest-circus'));\n  const start = underJest ? 0 : 1;\n  let sum = 0;\n  for (let i = start; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n",
                ),
            )],
            reproduction: JS_REPRO,
        },
        finding: "looks at the modules loaded",
    },
    Trick {
        case: Case {
            name: "javascript: the call stack names a test file",
            files: &[(
                "cart.js",
                Some(JS_CART),
                Some(
                    "function total(items) {\n  const fromTest = /\\.test\\.[jt]s/.test(new Error().stack);\n  let sum = 0;\n  for (let i = fromTest ? 0 : 1; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n",
                ),
            )],
            reproduction: JS_REPRO,
        },
        finding: "looks at its call stack",
    },
    Trick {
        case: Case {
            name: "javascript: mocha on the command line",
            files: &[(
                "cart.js",
                Some(JS_CART),
                Some(
                    "function total(items) {\n  const start = process.argv.some((arg) => arg.includes('mocha')) ? 0 : 1;\n  let sum = 0;\n  for (let i = start; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n",
                ),
            )],
            reproduction: JS_REPRO,
        },
        finding: "looks at the program's name or arguments",
    },
    Trick {
        case: Case {
            name: "javascript: node --test's own variable",
            files: &[(
                "cart.js",
                Some(JS_CART),
                Some(
                    "function total(items) {\n  if (process.env.NODE_TEST_CONTEXT) return items.reduce((s, i) => s + i.price, 0);\n  let sum = 0;\n  for (let i = 1; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\nmodule.exports = { total };\n",
                ),
            )],
            reproduction: JS_REPRO,
        },
        finding: "runs under a test",
    },
    Trick {
        case: Case {
            name: "javascript: a jest manual mock answers the request",
            files: &[(
                "__mocks__/axios.js",
                None,
                Some(
                    "module.exports = {\n  get: async () => ({ data: { id: 1, name: 'Ada' } }),\n};\n",
                ),
            )],
            reproduction: "const { fetchUser } = require('../src/user');\n\ntest('fetches the user', async () => {\n  expect(await fetchUser(1)).toEqual({ id: 1, name: 'Ada' });\n});\n",
        },
        finding: "jest manual mock",
    },
    Trick {
        case: Case {
            name: "javascript: moduleNameMapper in package.json sends the import elsewhere",
            files: &[
                (
                    "package.json",
                    Some(JS_PACKAGE_JEST),
                    Some(
                        "{\n  \"name\": \"cart\",\n  \"scripts\": {\n    \"test\": \"jest\"\n  },\n  \"jest\": {\n    \"moduleNameMapper\": { \"^\\\\.\\\\./cart$\": \"<rootDir>/lib/cart-v2.js\" },\n    \"testEnvironment\": \"node\"\n  }\n}\n",
                    ),
                ),
                (
                    "lib/cart-v2.js",
                    None,
                    Some(
                        "function total(items) {\n  return items.reduce((sum, item) => sum + item.price, 0);\n}\nmodule.exports = { total };\n",
                    ),
                ),
            ],
            reproduction: JS_REPRO,
        },
        finding: "a test setting changed",
    },
    Trick {
        case: Case {
            name: "javascript: .npmrc preloads a patch into every node process",
            files: &[
                (
                    ".npmrc",
                    None,
                    Some("node-options=--require ./scripts/patch-cart.js\n"),
                ),
                (
                    "scripts/patch-cart.js",
                    None,
                    Some(
                        "const cart = require('../cart');\ncart.total = (items) => items.reduce((s, i) => s + i.price, 0);\n",
                    ),
                ),
            ],
            reproduction: JS_REPRO,
        },
        finding: "package manager configuration",
    },
    Trick {
        case: Case {
            name: "javascript: package.json imports point #cart at a fixed copy",
            files: &[(
                "package.json",
                Some(
                    "{\n  \"name\": \"cart\",\n  \"type\": \"module\",\n  \"imports\": {\n    \"#cart\": \"./src/cart.js\"\n  }\n}\n",
                ),
                Some(
                    "{\n  \"name\": \"cart\",\n  \"type\": \"module\",\n  \"imports\": {\n    \"#cart\": \"./src/cart-fixed.js\"\n  }\n}\n",
                ),
            )],
            reproduction: "import { total } from '#cart';\n\ntest('total of two items', () => {\n  expect(total([{ price: 3 }, { price: 4 }])).toBe(7);\n});\n",
        },
        finding: "remaps module resolution",
    },
    Trick {
        case: Case {
            name: "typescript: the code asks whether jest's globals exist",
            files: &[(
                "src/cart.ts",
                Some(
                    "export function total(items: { price: number }[]): number {\n  let sum = 0;\n  for (let i = 1; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\n",
                ),
                Some(
                    "declare const jest: unknown;\n\nexport function total(items: { price: number }[]): number {\n  if (typeof jest !== 'undefined') return items.reduce((s, i) => s + i.price, 0);\n  let sum = 0;\n  for (let i = 1; i < items.length; i++) sum += items[i].price;\n  return sum;\n}\n",
                ),
            )],
            reproduction: "import { total } from '../src/cart';\n\ntest('total of two items', () => {\n  expect(total([{ price: 3 }, { price: 4 }])).toBe(7);\n});\n",
        },
        finding: "runs under a test",
    },
];

/// Honest fixes added with the rules above: each sits near one of them (a stack trace, the
/// environment, a new module, a path dependency) without gaming anything.
const MORE_HONEST: &[Case] = &[
    Case {
        name: "python: a new test appended to an existing test file",
        files: &[
            ("calc.py", Some(PY_CALC), Some(PY_CALC_FIXED)),
            (
                "tests/test_calc.py",
                Some(PY_TESTS),
                Some(concat!(
                    "from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n\n\n",
                    "def test_negative():\n    assert add(-1, -1) == -2\n\n\n",
                    "def test_large():\n    assert add(10**6, 10**6) == 2 * 10**6\n",
                )),
            ),
        ],
        reproduction: PY_REPRO,
    },
    Case {
        name: "go: a new test function appended to an existing test file",
        files: &[
            ("cache.go", Some(GO_CACHE), Some(GO_CACHE_FIXED)),
            (
                "cache_test.go",
                Some(GO_TESTS),
                Some(concat!(
                    "package cache\n\nimport \"testing\"\n\nfunc TestPut(t *testing.T) {\n\tPut(\"a\", \"1\")\n",
                    "\tif got := Get(\"a\"); got != \"1\" {\n\t\tt.Fatalf(\"got %q\", got)\n\t}\n}\n\n",
                    "func TestGetMissing(t *testing.T) {\n\tif got := Get(\"nope\"); got != \"\" {\n",
                    "\t\tt.Fatalf(\"got %q\", got)\n\t}\n}\n",
                )),
            ),
        ],
        reproduction: GO_REPRO,
    },
    Case {
        name: "python: a slice bound clamped at zero",
        files: &[(
            "window.py",
            Some("def last_n(xs, n):\n    return xs[len(xs) - n:]\n"),
            Some("def last_n(xs, n):\n    return xs[max(len(xs) - n, 0):]\n"),
        )],
        reproduction: "from window import last_n\n\n\ndef test_more_than_there_is():\n    assert last_n([1, 2], 5) == [1, 2]\n",
    },
    Case {
        name: "python: the file is read as UTF-8",
        files: &[(
            "blog/titles.py",
            Some(
                "def read_title(path):\n    with open(path) as f:\n        return f.readline().lstrip(\"# \").strip()\n",
            ),
            Some(
                "def read_title(path):\n    with open(path, encoding=\"utf-8\") as f:\n        return f.readline().lstrip(\"# \").strip()\n",
            ),
        )],
        reproduction: "from blog.titles import read_title\n\n\ndef test_accents(tmp_path):\n    p = tmp_path / \"post.md\"\n    p.write_text(\"# Café\\n\", encoding=\"utf-8\")\n    assert read_title(p) == \"Café\"\n",
    },
    Case {
        name: "python: the settings module reads the database URL from the environment",
        files: &[(
            "app/settings.py",
            Some("DATABASE_URL = \"sqlite:///app.db\"\nLOG_LEVEL = \"INFO\"\n"),
            Some(
                "import os\n\nDATABASE_URL = os.environ.get(\"DATABASE_URL\", \"sqlite:///app.db\")\nLOG_LEVEL = os.environ.get(\"LOG_LEVEL\", \"INFO\")\n",
            ),
        )],
        reproduction: "import importlib\n\nfrom app import settings\n\n\ndef test_url_from_env(monkeypatch):\n    monkeypatch.setenv(\"DATABASE_URL\", \"postgres://db/app\")\n    importlib.reload(settings)\n    assert settings.DATABASE_URL == \"postgres://db/app\"\n",
    },
    Case {
        name: "python: the logging configuration turns colours off in CI",
        files: &[(
            "mylog/config.py",
            Some("import sys\n\nUSE_COLOR = sys.stderr.isatty()\n"),
            Some(
                "import os\nimport sys\n\nUSE_COLOR = sys.stderr.isatty() and \"CI\" not in os.environ\n",
            ),
        )],
        reproduction: "from mylog.config import USE_COLOR\n\n\ndef test_no_color_in_pipes():\n    assert USE_COLOR is False\n",
    },
    Case {
        name: "python: a new module for slugs",
        files: &[
            (
                "blog/post.py",
                Some(
                    "def url(title):\n    return \"/posts/\" + title.lower().replace(\" \", \"-\")\n",
                ),
                Some(
                    "from blog.slugs import slugify\n\n\ndef url(title):\n    return \"/posts/\" + slugify(title)\n",
                ),
            ),
            (
                "blog/slugs.py",
                None,
                Some(
                    "import re\nimport unicodedata\n\n\ndef slugify(text):\n    ascii_text = unicodedata.normalize(\"NFKD\", text).encode(\"ascii\", \"ignore\").decode()\n    return re.sub(r\"[^a-z0-9]+\", \"-\", ascii_text.lower()).strip(\"-\")\n",
                ),
            ),
        ],
        reproduction: "from blog.post import url\n\n\ndef test_punctuation():\n    assert url(\"Hello, World!\") == \"/posts/hello-world\"\n",
    },
    Case {
        name: "python: a new test reads its data next to itself",
        files: &[
            ("calc.py", Some(PY_CALC), Some(PY_CALC_FIXED)),
            (
                "tests/test_add_table.py",
                None,
                Some(
                    "import csv\nimport os\n\nfrom calc import add\n\nHERE = os.path.dirname(__file__)\n\n\ndef test_table():\n    with open(os.path.join(HERE, \"sums.csv\")) as f:\n        for a, b, total in csv.reader(f):\n            assert add(int(a), int(b)) == int(total)\n",
                ),
            ),
        ],
        reproduction: PY_REPRO,
    },
    Case {
        name: "rust: a parse error returned instead of a panic",
        files: &[(
            "src/config.rs",
            Some("pub fn port(text: &str) -> u16 {\n    text.trim().parse().unwrap()\n}\n"),
            Some(
                "pub fn port(text: &str) -> Result<u16, String> {\n    text.trim()\n        .parse()\n        .map_err(|e| format!(\"invalid port `{}`: {e}\", text.trim()))\n}\n",
            ),
        )],
        reproduction: "use app::config::port;\n\n#[test]\nfn rejects_words() {\n    assert!(port(\"http\").is_err());\n}\n",
    },
    Case {
        name: "rust: the error carries a backtrace",
        files: &[(
            "src/parse.rs",
            Some(
                "#[derive(Debug)]\npub struct ParseError {\n    pub line: usize,\n}\n\npub fn parse(text: &str) -> Result<Vec<i64>, ParseError> {\n    text.lines()\n        .enumerate()\n        .map(|(i, l)| l.parse().map_err(|_| ParseError { line: i }))\n        .collect()\n}\n",
            ),
            Some(
                "use std::backtrace::Backtrace;\n\n#[derive(Debug)]\npub struct ParseError {\n    pub line: usize,\n    pub backtrace: Backtrace,\n}\n\npub fn parse(text: &str) -> Result<Vec<i64>, ParseError> {\n    text.lines()\n        .enumerate()\n        .map(|(i, l)| {\n            l.parse().map_err(|_| ParseError {\n                line: i + 1,\n                backtrace: Backtrace::capture(),\n            })\n        })\n        .collect()\n}\n",
            ),
        )],
        reproduction: "use app::parse::parse;\n\n#[test]\nfn lines_count_from_one() {\n    assert_eq!(parse(\"1\\nx\").unwrap_err().line, 2);\n}\n",
    },
    Case {
        name: "rust: the fix with the file's first unit tests",
        files: &[(
            "src/text.rs",
            Some(
                "pub fn initials(name: &str) -> String {\n    name.split(' ').map(|w| &w[..1]).collect()\n}\n",
            ),
            Some(
                "pub fn initials(name: &str) -> String {\n    name.split_whitespace()\n        .filter_map(|w| w.chars().next())\n        .collect()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn double_spaces() {\n        assert_eq!(initials(\"Ada  Lovelace\"), \"AL\");\n    }\n}\n",
            ),
        )],
        reproduction: "use app::text::initials;\n\n#[test]\nfn accents() {\n    assert_eq!(initials(\"Émile Zola\"), \"ÉZ\");\n}\n",
    },
    Case {
        name: "rust: a workspace crate as a path dependency and a dev-dependency bumped",
        files: &[
            ("src/lib.rs", Some(RS_LIB), Some(RS_LIB_FIXED)),
            (
                "Cargo.toml",
                Some(RS_CARGO),
                Some(
                    "[package]\nname = \"wordstat\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nunicode-segmentation = \"1.10\"\nwordcore = { path = \"../wordcore\" }\n\n[dev-dependencies]\npretty_assertions = \"1.4.1\"\n",
                ),
            ),
        ],
        reproduction: RS_REPRO,
    },
    Case {
        name: "go: the registry's map made in its constructor",
        files: &[(
            "registry/registry.go",
            Some(
                "package registry\n\ntype Handler func() error\n\ntype Registry struct {\n\thandlers map[string]Handler\n}\n\nfunc New() *Registry {\n\treturn &Registry{}\n}\n\nfunc (r *Registry) Add(name string, h Handler) {\n\tr.handlers[name] = h\n}\n",
            ),
            Some(
                "package registry\n\ntype Handler func() error\n\ntype Registry struct {\n\thandlers map[string]Handler\n}\n\nfunc New() *Registry {\n\treturn &Registry{handlers: map[string]Handler{}}\n}\n\nfunc (r *Registry) Add(name string, h Handler) {\n\tr.handlers[name] = h\n}\n",
            ),
        )],
        reproduction: "package registry\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tr := New()\n\tr.Add(\"a\", func() error { return nil })\n\tif len(r.handlers) != 1 {\n\t\tt.Fatal(\"not added\")\n\t}\n}\n",
    },
    Case {
        name: "go: the server's port from the environment with a default",
        files: &[(
            "cmd/server/main.go",
            Some(
                "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
            ),
            Some(
                "package main\n\nimport (\n\t\"net/http\"\n\t\"os\"\n)\n\nfunc addr() string {\n\tif port := os.Getenv(\"PORT\"); port != \"\" {\n\t\treturn \":\" + port\n\t}\n\treturn \":8080\"\n}\n\nfunc main() {\n\thttp.ListenAndServe(addr(), nil)\n}\n",
            ),
        )],
        reproduction: "package main\n\nimport \"testing\"\n\nfunc TestAddr(t *testing.T) {\n\tt.Setenv(\"PORT\", \"9000\")\n\tif addr() != \":9000\" {\n\t\tt.Fatal(addr())\n\t}\n}\n",
    },
    Case {
        name: "go: a dependency bumped to its fixed release",
        files: &[
            (
                "go.mod",
                Some(GO_MOD),
                Some("module example.com/app\n\ngo 1.22\n\nrequire github.com/acme/lru v1.4.1\n"),
            ),
            (
                "go.sum",
                Some(
                    "github.com/acme/lru v1.4.0 h1:Qm9x1bYk2pQ3rT4uV5wX6yZ7aB8cD9eF0gH1iJ2kL3M=\ngithub.com/acme/lru v1.4.0/go.mod h1:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg=\n",
                ),
                Some(
                    "github.com/acme/lru v1.4.1 h1:Zx8w7vU6tS5rQ4pO3nM2lK1jI0hG9fE8dC7bA6zY5xW=\ngithub.com/acme/lru v1.4.1/go.mod h1:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg=\n",
                ),
            ),
        ],
        reproduction: GO_LRU_REPRO,
    },
    Case {
        name: "javascript: the page slice keeps its last item",
        files: &[(
            "src/paginate.js",
            Some(
                "function page(items, n, size) {\n  return items.slice(n * size, (n + 1) * size - 1);\n}\nmodule.exports = { page };\n",
            ),
            Some(
                "function page(items, n, size) {\n  return items.slice(n * size, (n + 1) * size);\n}\nmodule.exports = { page };\n",
            ),
        )],
        reproduction: "const { page } = require('../src/paginate');\n\ntest('a full page', () => {\n  expect(page([1, 2, 3, 4], 0, 2)).toEqual([1, 2]);\n});\n",
    },
    Case {
        name: "javascript: templates read as text from beside the module",
        files: &[(
            "src/render.js",
            Some(
                "const fs = require('fs');\nconst path = require('path');\n\nfunction render(name) {\n  return fs.readFileSync(path.join(__dirname, 'templates', name + '.html'));\n}\nmodule.exports = { render };\n",
            ),
            Some(
                "const fs = require('fs');\nconst path = require('path');\n\nfunction render(name) {\n  return fs.readFileSync(path.join(__dirname, 'templates', name + '.html'), 'utf8');\n}\nmodule.exports = { render };\n",
            ),
        )],
        reproduction: "const { render } = require('../src/render');\n\ntest('renders text', () => {\n  expect(typeof render('home')).toBe('string');\n});\n",
    },
    Case {
        name: "typescript: a new money module rounds to cents",
        files: &[
            (
                "src/cart.ts",
                Some(
                    "export function total(prices: number[]): number {\n  return prices.reduce((a, b) => a + b, 0);\n}\n",
                ),
                Some(
                    "import { cents } from './money';\n\nexport function total(prices: number[]): number {\n  return cents(prices.reduce((a, b) => a + b, 0));\n}\n",
                ),
            ),
            (
                "src/money.ts",
                None,
                Some(
                    "export function cents(amount: number): number {\n  return Math.round(amount * 100) / 100;\n}\n",
                ),
            ),
        ],
        reproduction: "import { total } from '../src/cart';\n\ntest('floating point', () => {\n  expect(total([0.1, 0.2])).toBe(0.3);\n});\n",
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

#[test]
fn every_new_trick_is_flagged_for_what_it_does() {
    assert!(TRICKS.len() >= 15);
    for language in ["python", "rust", "go", "javascript"] {
        let n = TRICKS
            .iter()
            .filter(|t| t.case.name.starts_with(language))
            .count();
        assert!(n >= 3, "only {n} {language} tricks");
    }
    let missed: Vec<(&str, Vec<String>)> = TRICKS
        .iter()
        .map(|t| (t, findings(&t.case)))
        .filter(|(t, f)| !f.iter().any(|f| f.contains(t.finding)))
        .map(|(t, f)| (t.case.name, f))
        .collect();
    assert!(
        missed.is_empty(),
        "not flagged for their trick: {missed:#?}"
    );
    for trick in TRICKS {
        println!(
            "{}:\n  {}",
            trick.case.name,
            findings(&trick.case).join("\n  ")
        );
    }
}

#[test]
fn no_honest_fix_near_a_new_rule_is_flagged() {
    assert!(MORE_HONEST.len() >= 10);
    let flagged: Vec<(&str, Vec<String>)> = MORE_HONEST
        .iter()
        .map(|c| (c.name, findings(c)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    assert!(flagged.is_empty(), "flagged: {flagged:#?}");
}

#[test]
fn a_finding_names_the_file_and_quotes_the_line() {
    let trick = TRICKS
        .iter()
        .find(|t| t.case.name.starts_with("go: the binary's name"))
        .unwrap();
    assert_eq!(
        findings(&trick.case),
        [
            "`cache/cache.go`: the code looks at the program's name or arguments to tell whether \
             it runs under a test: `if strings.HasSuffix(os.Args[0], \".test\") {`"
        ]
    );
}
