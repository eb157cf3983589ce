//! Failure anchors: the lines where a test runner names a failing test or starts its error
//! output. Each runner family has its own recogniser; `anchor` asks them in a fixed order, and
//! the first family that claims a line decides it, even when the name it finds is empty (then
//! the line anchors nothing, and no later family gets to read it differently).

use std::ops::ControlFlow::{self, Break, Continue};

/// What a normalised line says about failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A failing test. `block`: the lines after this one are its error (not a summary line).
    Failing {
        id: String,
        runner: &'static str,
        block: bool,
        message: Option<String>,
    },
    /// The start of the error output of a test, named the runner's short way.
    Header { name: String, runner: &'static str },
    /// Where a test starts running (go): context for its failure.
    Start { name: String },
    /// The full name of the failing test whose error output is being read (pytest's node id,
    /// found in its traceback; cargo's closing list): the output goes on.
    Named { id: String, runner: &'static str },
    /// A test named failing before passed in the end (a retry): it is not failing.
    Cleared { id: String, runner: &'static str },
}

/// A family's answer: `Break` when the line is in its format (with the anchor, if the name in it
/// is usable), `Continue` to let the next family look.
type Claim = ControlFlow<Option<Anchor>>;

/// The runner families, in the order they are asked. The order matters: `test a > b ... FAILED`
/// is cargo's, though it would pass for Gradle's too.
const FAMILIES: &[fn(&str) -> Claim] = &[
    pytest,
    unittest,
    cargo_and_nextest,
    go,
    jest_and_vitest,
    surefire,
    gradle,
    dotnet,
    rspec,
];

/// Recognises failure anchors of the common test runners on one normalised line.
#[must_use]
pub fn anchor(line: &str) -> Option<Anchor> {
    let t = line.trim();
    for family in FAMILIES {
        if let Break(found) = family(t) {
            return found;
        }
    }
    None
}

fn failing(id: &str, runner: &'static str, block: bool) -> Option<Anchor> {
    let id = id.trim();
    (!id.is_empty()).then(|| Anchor::Failing {
        id: id.to_owned(),
        runner,
        block,
        message: None,
    })
}

fn between<'a>(t: &'a str, start: &str, end: &str) -> Option<&'a str> {
    t.strip_prefix(start)?.strip_suffix(end)
}

/// pytest's short summary (`FAILED path.py::test - message`), its verbose progress lines and
/// the `___ test ___` headers of its failure section.
fn pytest(t: &str) -> Claim {
    let t = without_progress(t);
    if let Some(rest) = t
        .strip_prefix("FAILED ")
        .or_else(|| t.strip_prefix("ERROR "))
    {
        let (id, message) = match rest.split_once(" - ") {
            Some((id, m)) => (id.trim(), Some(m.trim().to_owned())),
            None => (rest.trim(), None),
        };
        let python_file = std::path::Path::new(id.split("::").next().unwrap_or(id))
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("py"));
        if python_file && plain_path(id) {
            return Break(Some(Anchor::Failing {
                id: id.to_owned(),
                runner: "pytest",
                block: false,
                message,
            }));
        }
    }
    if let Some(id) = t
        .strip_suffix(" FAILED")
        .or_else(|| t.strip_suffix(" ERROR"))
    {
        // An inherited test says where it comes from: `t.py::TestB::test_x <- base.py FAILED`.
        let id = id.split(" <- ").next().unwrap_or(id).trim();
        if id.contains(".py::") && plain_path(id) {
            return Break(failing(id, "pytest", false));
        }
    }
    if t.len() > 8 && t.starts_with("___") && t.ends_with("___") {
        let name = t.trim_matches('_').trim();
        if !name.is_empty() && !name.contains(' ') {
            return Break(Some(Anchor::Header {
                name: name.to_owned(),
                runner: "pytest",
            }));
        }
    }
    Continue(())
}

/// A node id has no spaces before its parameters (`test_p[a b]` may have them).
fn plain_path(id: &str) -> bool {
    !id.split('[').next().unwrap_or(id).contains(' ')
}

/// A pytest line without its progress marks: `-v`'s trailing `[  4%]` and xdist's leading
/// `[gw0] [ 50%]`.
fn without_progress(t: &str) -> &str {
    let is_percent = |mark: &str| {
        mark.strip_prefix('[')
            .and_then(|m| m.strip_suffix("%]"))
            .is_some_and(|n| !n.trim().is_empty() && n.trim().bytes().all(|b| b.is_ascii_digit()))
    };
    let mut t = t.trim_end();
    if let Some(open) = t.rfind(" [")
        && is_percent(&t[open + 1..])
    {
        t = t[..open].trim_end();
    }
    let mut rest = t;
    while let Some(close) = rest.strip_prefix('[').and_then(|r| r.find(']')) {
        let mark = &rest[..close + 2];
        let worker = mark
            .strip_prefix("[gw")
            .and_then(|m| m.strip_suffix(']'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !(worker || is_percent(mark)) {
            break;
        }
        rest = rest[close + 2..].trim_start();
    }
    rest
}

/// unittest's `FAIL: method (module.Class.method)` (`module.Class` before Python 3.11), a
/// subtest's `FAIL: method (module.Class.method) (n=2)`, and a class or module fixture's
/// `ERROR: setUpClass (module.Class)`, each named as unittest's `id()` names it.
fn unittest(t: &str) -> Claim {
    for prefix in ["FAIL: ", "ERROR: "] {
        if let Some(rest) = t.strip_prefix(prefix)
            && let Some((method, inner)) = rest.split_once(" (")
            && let Some((inner, params)) = inner.split_once(')')
        {
            let params = params.trim();
            if method.contains(' ')
                || inner.contains(' ')
                || !(params.is_empty() || params.starts_with('(') || params.starts_with('['))
            {
                return Break(None);
            }
            if matches!(
                method,
                "setUpClass" | "tearDownClass" | "setUpModule" | "tearDownModule"
            ) {
                return Break(failing(&format!("{method} ({inner})"), "unittest", true));
            }
            let mut id = if inner.ends_with(&format!(".{method}")) {
                inner.to_owned()
            } else {
                format!("{inner}.{method}")
            };
            if !params.is_empty() {
                id = format!("{id} {params}");
            }
            return Break(failing(&id, "unittest", true));
        }
    }
    Continue(())
}

/// `cargo test`'s result lines and `---- test stdout ----` headers; nextest's `FAIL [time]`
/// lines and `--- STDERR:` headers.
fn cargo_and_nextest(t: &str) -> Claim {
    if let Some(id) = between(t, "test ", " ... FAILED") {
        // libtest adds what a test is marked with: `test x - should panic ... FAILED`.
        let id = id.strip_suffix(" - should panic").unwrap_or(id);
        return Break(failing(id, "cargo", false));
    }
    if let Some(rest) = t.strip_prefix("test ")
        && let Some((name, said)) = rest.split_once(" ... ")
        && !said.is_empty()
        && !["ok", "FAILED", "ignored"]
            .iter()
            .any(|w| said.starts_with(w))
    {
        // A test whose result line is cut by what it printed (`--nocapture`), or a doc test's
        // `Test executable failed`: its output follows.
        return Break(Some(Anchor::Header {
            name: name.to_owned(),
            runner: "cargo",
        }));
    }
    if let Some(rest) = t.strip_prefix("thread '")
        && let Some((name, tail)) = rest.split_once('\'')
        && tail.contains("panicked at")
        && name != "main"
    {
        // A panic names its test's thread: its message follows (with `--nocapture` too, where
        // no `---- name stdout ----` header comes). A doc test panics in `main`, under its own
        // header.
        return Break(Some(Anchor::Header {
            name: name.to_owned(),
            runner: "cargo",
        }));
    }
    if let Some(id) = between(t, "---- ", " stdout ----") {
        return Break(Some(Anchor::Header {
            name: id.to_owned(),
            runner: "cargo",
        }));
    }
    if let Some(rest) = t.strip_prefix("FAIL [")
        && let Some((_, id)) = rest.split_once("] ")
    {
        // Newer nextest counts: `FAIL [   0.010s] ( 2/10) calc tests::a`; its output follows.
        let id = id
            .strip_prefix('(')
            .and_then(|c| Some(c.split_once(") ")?.1))
            .unwrap_or(id);
        return Break(failing(id, "nextest", true));
    }
    if let Some(rest) = t
        .strip_prefix("--- STDERR:")
        .or_else(|| t.strip_prefix("--- STDOUT:"))
    {
        return Break(Some(Anchor::Header {
            name: rest.trim().trim_end_matches("---").trim().to_owned(),
            runner: "nextest",
        }));
    }
    Continue(())
}

/// `go test`'s `--- FAIL: Test (time)`, and `=== RUN Test`, whose output is the failure's
/// context.
fn go(t: &str) -> Claim {
    if let Some(rest) = t.strip_prefix("--- FAIL: ") {
        return Break(failing(
            rest.split(" (").next().unwrap_or(rest),
            "go",
            false,
        ));
    }
    if let Some(rest) = t.strip_prefix("=== RUN ") {
        return Break(Some(Anchor::Start {
            name: rest.trim().to_owned(),
        }));
    }
    Continue(())
}

/// jest's `● Suite › test` and vitest's `FAIL file > suite > test` headers.
fn jest_and_vitest(t: &str) -> Claim {
    if let Some(rest) = t.strip_prefix("● ")
        && rest.contains(" › ")
    {
        return Break(failing(rest, "jest", true));
    }
    if let Some(rest) = t.strip_prefix("FAIL ")
        && rest.contains(" > ")
    {
        return Break(failing(rest, "vitest", true));
    }
    Continue(())
}

/// Maven Surefire's `JUnit` lines, old (`method(Class)`) and new (`Class.method -- time`); the
/// per-class `Tests run:` summary is not a test.
fn surefire(t: &str) -> Claim {
    if t.starts_with("[ERROR] ") && (t.ends_with("<<< FAILURE!") || t.ends_with("<<< ERROR!")) {
        let rest = t["[ERROR] ".len()..].trim();
        if !rest.starts_with("Tests run:") {
            if let Some((method, class)) = rest.split_once('(')
                && let Some((class, _)) = class.split_once(')')
            {
                return Break(failing(&format!("{class}.{method}"), "surefire", true));
            }
            if let Some((id, _)) = rest.split_once(" -- ") {
                return Break(failing(id, "surefire", true));
            }
        }
    }
    Continue(())
}

/// Gradle's `Class > test() FAILED`.
fn gradle(t: &str) -> Claim {
    if let Some(id) = t.strip_suffix(" FAILED")
        && id.contains(" > ")
    {
        return Break(failing(id, "gradle", true));
    }
    Continue(())
}

/// `dotnet test`'s `Failed Namespace.Class.Test [time]`.
fn dotnet(t: &str) -> Claim {
    if let Some(rest) = t.strip_prefix("Failed ")
        && let Some((id, time)) = rest.rsplit_once(" [")
        && time.ends_with(']')
        && !id.contains(' ')
    {
        return Break(failing(id, "dotnet", true));
    }
    Continue(())
}

/// `RSpec`'s rerun lines, `rspec ./spec/x_spec.rb:12 # description`.
fn rspec(t: &str) -> Claim {
    if let Some(rest) = t.strip_prefix("rspec ") {
        // An example id with brackets is quoted for the shell: `'./spec/x_spec.rb[1:2:1]'`.
        let id = rest.split(" # ").next().unwrap_or(rest).trim();
        let id = id
            .strip_prefix('\'')
            .and_then(|i| i.strip_suffix('\''))
            .unwrap_or(id);
        if id.contains("_spec.rb") {
            return Break(failing(id, "rspec", false));
        }
    }
    Continue(())
}
