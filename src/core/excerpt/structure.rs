//! The recognisers that need more than one line to name a test: a runner's nesting (TAP subtests,
//! node's spec tree), the sections of a report (pytest's `FAILURES`, cargo's closing `failures:`
//! list, node's `failing tests:` recap) and headers continued on the next lines (mocha, `RSpec`).
//! `Reader` keeps that state — a few names, never the log — and asks the one-line recognisers in
//! `anchor` for the rest.

use std::ops::ControlFlow::{self, Break, Continue};

use super::anchor::{Anchor, anchor};

/// A recogniser's answer: `Break` when the line is its to decide (with the anchor, if any),
/// `Continue` to let the next one look.
type Claim = ControlFlow<Option<Anchor>>;

/// At most this many open suites are remembered (deeper nesting keeps its outer levels).
const MAX_DEPTH: usize = 64;
/// A vitest console block is taken to end after this many lines even without its blank line.
const MAX_CONSOLE_BLOCK: usize = 2_000;
/// A numbered header (mocha) continues on at most this many lines.
const MAX_CONTINUATION: usize = 8;

/// A mocha or `RSpec` numbered header waiting for the line that says what it is.
#[derive(Debug, Clone)]
struct Numbered {
    /// The title so far, one part per line.
    parts: Vec<String>,
    /// Indentation of the `1) ` line.
    indent: usize,
}

/// What only the end of the log tells.
pub(super) struct Settled {
    /// A pytest failure whose file was never seen (see `take_unplaced`).
    pub(super) unplaced: Option<(String, String)>,
    /// Failing tests named by lines the whole log shows were someone's output: TAP lines in a
    /// log with no TAP around them, spec lines node's recap does not list.
    pub(super) dropped: Vec<String>,
    /// Failing tests that stay listed beside their failing subtests (see `Seen::own`).
    pub(super) own: Vec<String>,
}

/// Where a line stands in cargo's closing summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum CargoList {
    #[default]
    Off,
    /// Right after a `failures:` line: a list of names may follow (or the failures' output).
    Armed,
    Listing,
}

/// cargo's and nextest's report: where in it a line stands.
#[derive(Debug, Default)]
struct Cargo {
    list: CargoList,
    /// Inside cargo's `successes:` section (`--show-output`): passing tests' output.
    successes: bool,
    /// A nextest report: libtest's own lines there are a test's output.
    nextest: bool,
}

/// pytest's report: its sections and the failure header being read.
#[derive(Debug, Default)]
struct Pytest {
    /// Inside the `FAILURES` or `ERRORS` section.
    failures: bool,
    /// Inside a `Captured stdout`/`stderr`/`log` block: a test's own output.
    captured: bool,
    /// A failure header (`test_add`, `TestDivide.test_by_zero`) waiting for the first
    /// location line of its traceback, which says its file.
    pending: Option<String>,
    /// The title of the section being read, once one was seen.
    section: Option<String>,
    /// `rootdir:`, to make absolute locations relative.
    rootdir: Option<String>,
    /// The file of the last failure placed (failures are reported file by file).
    file: Option<String>,
}

/// node's nested reports (TAP, spec) being read.
#[derive(Debug, Default)]
struct Node {
    /// The open suites, outermost first: (indentation, name).
    tree: Vec<(usize, String)>,
    /// Inside the closing `✖ failing tests:` recap, which repeats leaves without their suites.
    recap: bool,
    /// A recap leaf waiting for its next line: `'1 subtest failed'` says it is a parent.
    recap_pending: Option<String>,
    /// The last failing test a TAP line named, until its YAML says why it failed.
    last_tap: Option<String>,
}

/// jest's and vitest's reports.
#[derive(Debug, Default)]
struct Js {
    /// A jest report (`FAIL path/to/x.test.js`): `● name` at the margin is a failing test.
    jest: bool,
    /// Inside vitest's `stdout | test` block: a test's console output, up to a blank line.
    console: bool,
    console_lines: usize,
}

/// What the whole log decides at its end, kept across its steps.
#[derive(Debug, Default)]
struct Seen {
    /// A TAP header (`TAP version 13`), plan (`1..4`) or count (`# tests 4`) was seen, before
    /// or after: `not ok` lines are TAP's. Without one they are someone's output.
    tap: bool,
    /// The failing tests named by TAP lines, dropped at the end if the log is no TAP.
    tap_ids: Vec<String>,
    /// Failing tests named by node's spec lines, with their leaf names.
    spec_ids: Vec<(String, String)>,
    /// The leaves node's closing recaps list (they list every failing test, and only those).
    recap: Vec<String>,
    /// Failing tests with subtests that failed for a reason of their own (a hook): listed
    /// even though their subtests are.
    own: Vec<String>,
}

#[derive(Debug, Default)]
pub(super) struct Reader {
    numbered: Option<Numbered>,
    /// After mocha's "N failing" or `RSpec`'s "Failures:", numbered headers may follow.
    numbered_section: bool,
    /// After `RSpec`'s `Failed examples:`, where its rerun lines are.
    rspec_rerun: bool,
    cargo: Cargo,
    pytest: Pytest,
    node: Node,
    js: Js,
    seen: Seen,
    /// An `RSpec` example's location and its description (what its failure header says).
    alias: Option<(String, String)>,
    /// The line number of the last `=====` rule (unittest puts one before each failure).
    rule_at: Option<u64>,
    /// A pytest failure whose traceback gave no location (`pytest.fail(pytrace=False)`, a
    /// strict xpass), named with the file before it: taken by `take_unplaced`.
    unplaced: Option<(String, String)>,
}

impl Reader {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Whether every line must be read now, however ordinary it looks (a list or header is
    /// being read).
    pub(super) fn listening(&self) -> bool {
        self.numbered_section
            || self.numbered.is_some()
            || self.cargo.list != CargoList::Off
            || self.pytest.pending.is_some()
            || self.js.console
            || self.node.recap_pending.is_some()
    }

    /// What line `n` (normalised, indentation kept) says.
    pub(super) fn read(&mut self, line: &str, n: u64) -> Option<Anchor> {
        let t = line.trim();
        let indent = line.len() - line.trim_start().len();
        if t.starts_with("▸ ") {
            // A new step of the job (GitHub's group): what a report's sections said is over.
            self.new_step();
            return None;
        }
        if let Break(found) = self.cargo_list(line, t) {
            return found;
        }
        if let Break(found) = self.cargo_sections(indent, t) {
            return found;
        }
        if let Break(found) = self.pytest(t) {
            return found;
        }
        if t.len() >= 20 && t.bytes().all(|b| b == b'=') {
            self.rule_at = Some(n);
            return None;
        }
        if (t.starts_with("FAIL: ") || t.starts_with("ERROR: "))
            && self.rule_at.is_none_or(|r| r + 1 != n)
        {
            // unittest heads each failure with a rule: without it, this is someone's output.
            return None;
        }
        if t.starts_with("TAP version ")
            || t.strip_prefix("1..")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            || ["# tests ", "# fail "].iter().any(|p| {
                t.strip_prefix(p)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
        {
            self.seen.tap = true;
        }
        if let Break(found) = self.javascript(indent, t) {
            return found;
        }
        if let Break(found) = self.rspec(t) {
            return found;
        }
        if (t.ends_with(" failing")
            && t.split(' ')
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok()))
            || t == "Failures:"
        {
            self.numbered_section = true;
        }
        if let Break(found) = self.numbered(indent, t) {
            return found;
        }
        if let Break(found) = self.tree(indent, t) {
            return found;
        }
        anchor(line)
    }

    /// Forgets where in a report the last step left off (its sections, its console blocks),
    /// keeping what the whole log decides at its end.
    fn new_step(&mut self) {
        self.unplace();
        self.numbered = None;
        self.numbered_section = false;
        self.rspec_rerun = false;
        self.cargo = Cargo::default();
        self.pytest = Pytest::default();
        self.node = Node::default();
        self.js = Js::default();
    }

    /// cargo's closing `failures:` list: the names of the failing tests, four spaces in, one per
    /// line (the only place `cargo test -q` names them).
    fn cargo_list(&mut self, line: &str, t: &str) -> Claim {
        if t == "failures:" && !line.starts_with(' ') && !self.cargo.nextest {
            self.cargo.list = CargoList::Armed;
            self.cargo.successes = false;
            return Break(None);
        }
        match self.cargo.list {
            CargoList::Off => Continue(()),
            CargoList::Armed | CargoList::Listing
                if line.starts_with("    ") && !line.starts_with("     ") && !t.is_empty() =>
            {
                self.cargo.list = CargoList::Listing;
                Break(Some(Anchor::Named {
                    id: t.to_owned(),
                    runner: "cargo",
                }))
            }
            CargoList::Armed if t.is_empty() => Break(None),
            _ => {
                self.cargo.list = CargoList::Off;
                Continue(())
            }
        }
    }

    /// cargo's `successes:` section and nextest's nesting of libtest's output: lines there that
    /// look like libtest's failures are a test's output.
    fn cargo_sections(&mut self, indent: usize, t: &str) -> Claim {
        if t.starts_with("Nextest run ID")
            || (t.starts_with("Starting ") && t.contains(" tests across "))
            || ["FAIL [", "START [", "TRY "]
                .iter()
                .any(|p| t.starts_with(p) && t.contains("] "))
        {
            self.cargo.nextest = true;
        } else if t.starts_with("Running ") || t.starts_with("Doc-tests ") {
            // cargo test's own binaries (doc tests after a nextest run, say).
            self.cargo.nextest = false;
        }
        if let Some(rest) = t.strip_prefix("TRY ")
            && let Some((_, status)) = rest.split_once(' ')
            && self.cargo.nextest
            && indent < 4
        {
            // A retry: `TRY 2 FAIL [..] (..) calc tests::a` fails as `FAIL` does; a pass clears it.
            if status.starts_with("PASS [") {
                return Break(nextest_id(status).map(|id| Anchor::Cleared {
                    id: id.to_owned(),
                    runner: "nextest",
                }));
            }
            return Break(anchor(status));
        }
        if let Some(rest) = t.strip_prefix("START [")
            && self.cargo.nextest
        {
            // `--no-capture`: the test's output follows, before its status line.
            return Break(nextest_id(rest).map(|id| Anchor::Header {
                name: id.to_owned(),
                runner: "nextest",
            }));
        }
        if t.starts_with("FLAKY ") && self.cargo.nextest && indent < 4 {
            return Break(nextest_id(t).map(|id| Anchor::Cleared {
                id: id.to_owned(),
                runner: "nextest",
            }));
        }
        if indent == 0 {
            if t == "successes:" {
                self.cargo.successes = true;
            } else if t == "failures:"
                || t.starts_with("test result: ")
                || t.starts_with("running ")
            {
                self.cargo.successes = false;
            }
        }
        let libtest = (t.starts_with("test ") && t.ends_with(" ... FAILED"))
            || (t.starts_with("---- ") && t.ends_with(" stdout ----"));
        // Under nextest, libtest's lines are a test's own output (indented, or raw with
        // `--no-capture`).
        if libtest && (self.cargo.successes || self.cargo.nextest) {
            Break(None)
        } else {
            Continue(())
        }
    }

    /// pytest's sections: a failure header in `FAILURES`/`ERRORS` names the test the short way;
    /// the first location line after it gives the file, and so the node id.
    fn pytest(&mut self, t: &str) -> Claim {
        if let Some(dir) = t.strip_prefix("rootdir: ") {
            let dir = dir.split(", ").next().unwrap_or(dir).trim();
            self.pytest.rootdir = Some(dir.trim_end_matches('/').to_owned());
            return Continue(());
        }
        if let Some(title) = section_title(t) {
            self.pytest.failures = matches!(title, "FAILURES" | "ERRORS");
            self.pytest.section = Some(title.to_owned());
            self.pytest.captured = false;
            self.unplace();
            return Continue(());
        }
        if t.len() > 8
            && t.starts_with("---")
            && t.ends_with("---")
            && t.trim_matches('-').trim().starts_with("Captured ")
        {
            self.pytest.captured = true;
            return Continue(());
        }
        if self.pytest.captured && header_name(t).is_none() {
            // A test's captured output: whatever it says, it names no failure.
            return Break(None);
        }
        self.pytest.captured = false;
        if (t.starts_with("FAILED ") || t.starts_with("ERROR "))
            && self
                .pytest
                .section
                .as_deref()
                .is_some_and(|s| s != "short test summary info")
        {
            // The short summary's form, outside the short summary: a test's output (`-s`).
            return Break(None);
        }
        if self.pytest.failures
            && let Some(name) = header_name(t)
        {
            self.unplace();
            for stage in ["ERROR at setup of ", "ERROR at teardown of "] {
                if let Some(name) = name.strip_prefix(stage) {
                    self.pytest.pending = Some(name.to_owned());
                    return Break(Some(Anchor::Header {
                        name: name.to_owned(),
                        runner: "pytest",
                    }));
                }
            }
            if let Some(file) = name.strip_prefix("ERROR collecting ") {
                return Break(Some(Anchor::Failing {
                    id: file.trim().to_owned(),
                    runner: "pytest",
                    block: true,
                    message: None,
                }));
            }
            if name.split('[').next().is_some_and(|n| !n.contains(' ')) {
                self.pytest.pending = Some(name.to_owned());
                return Break(Some(Anchor::Header {
                    // A doctest's block goes by the object's dotted path, the end of its id.
                    name: name.strip_prefix("[doctest] ").unwrap_or(name).to_owned(),
                    runner: "pytest",
                }));
            }
            return Continue(());
        }
        if self.pytest.pending.is_some()
            && let Some(file) = location_file(t)
        {
            let file = self
                .pytest
                .rootdir
                .as_deref()
                .and_then(|root| file.strip_prefix(root)?.strip_prefix('/'))
                .unwrap_or(file);
            let name = self.pytest.pending.take().unwrap_or_default();
            if file.starts_with('/') {
                // Where pytest does not say its root (`-q`), an absolute path is not the id's:
                // a guess, dropped at the end when the summary names the test in full.
                self.unplaced = Some((pytest_id(file, &name), pytest_id("", &name)));
                return Break(None);
            }
            self.pytest.file = Some(file.to_owned());
            return Break(Some(Anchor::Named {
                id: pytest_id(file, &name),
                runner: "pytest",
            }));
        }
        Continue(())
    }

    /// A pytest header still waiting for its file when the next one comes: named with the file
    /// of the failure before it (pytest reports failures file by file), or alone.
    fn unplace(&mut self) {
        if let Some(name) = self.pytest.pending.take() {
            let id = match &self.pytest.file {
                Some(file) => pytest_id(file, &name),
                None => name.clone(),
            };
            self.unplaced = Some((id, pytest_id("", &name)));
        }
    }

    /// A pytest failure that `read` could not place by its traceback, once: its id as well as it
    /// can be told, and the end (`::TestA::test_b[1]`) its full id would have.
    pub(super) fn take_unplaced(&mut self) -> Option<(String, String)> {
        self.unplaced.take()
    }

    /// The end of the log: a header still waiting is placed as well as it can be, and what
    /// the whole log shows was not a failing test after all is said.
    pub(super) fn finish(&mut self) -> Settled {
        self.unplace();
        let mut dropped = Vec::new();
        if !self.seen.tap {
            dropped.append(&mut self.seen.tap_ids);
        }
        if !self.seen.recap.is_empty() {
            dropped.extend(
                self.seen
                    .spec_ids
                    .iter()
                    .filter(|(_, leaf)| !self.seen.recap.contains(leaf))
                    .map(|(id, _)| id.clone()),
            );
        }
        Settled {
            unplaced: self.take_unplaced(),
            dropped,
            own: std::mem::take(&mut self.seen.own),
        }
    }

    /// A mocha header continued over several lines (`1) Calc` / `nested` / `adds:`), or an
    /// `RSpec` one whose next line is `Failure/Error:`.
    fn numbered(&mut self, indent: usize, t: &str) -> Claim {
        if let Some(mut pending) = self.numbered.take() {
            if t.starts_with("Failure/Error") || aggregated(t) {
                return Break(Some(Anchor::Header {
                    name: pending.parts.join(" "),
                    runner: "rspec",
                }));
            }
            if indent > pending.indent && !t.is_empty() {
                if let Some(title) = t.strip_suffix(':') {
                    pending.parts.push(title.to_owned());
                    return Break(Some(Anchor::Failing {
                        id: pending.parts.join(" "),
                        runner: "mocha",
                        block: true,
                        message: None,
                    }));
                }
                if pending.parts.len() < MAX_CONTINUATION {
                    pending.parts.push(t.to_owned());
                    self.numbered = Some(pending);
                    return Break(None);
                }
            }
        }
        if !self.numbered_section {
            return Continue(());
        }
        let Some((number, rest)) = t.split_once(") ") else {
            return Continue(());
        };
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) || rest.is_empty() {
            return Continue(());
        }
        if let Some(title) = rest.strip_suffix(':') {
            // A title on one line (mocha's flat tests).
            return Break(Some(Anchor::Failing {
                id: title.to_owned(),
                runner: "mocha",
                block: true,
                message: None,
            }));
        }
        self.numbered = Some(Numbered {
            parts: vec![rest.to_owned()],
            indent,
        });
        Break(None)
    }

    /// Nested reports — TAP's `# Subtest:` and `not ok N - name` (node, vitest), node's spec
    /// `▶ suite` and `✖ test (1ms)` — name a test by its leaf alone: the path comes from the
    /// suites open around it, known by indentation.
    fn tree(&mut self, indent: usize, t: &str) -> Claim {
        if t == "✖ failing tests:" || t == "Failed tests:" {
            self.node.recap = true;
            return Break(None);
        }
        if let Some(leaf) = self.node.recap_pending.take() {
            let parent = t.trim_matches('\'').ends_with(" subtest failed")
                || t.trim_matches('\'').ends_with(" subtests failed");
            if !parent {
                // Failing for its own reason, whatever its subtests did.
                let own: Vec<String> = self
                    .seen
                    .spec_ids
                    .iter()
                    .filter(|(_, l)| *l == leaf)
                    .map(|(id, _)| id.clone())
                    .collect();
                self.seen.own.extend(own);
            }
            if !parent && !self.seen.spec_ids.iter().any(|(_, l)| *l == leaf) {
                // Named nowhere else (the dot reporter): its leaf name is all there is.
                self.seen.spec_ids.push((leaf.clone(), leaf.clone()));
                self.seen.recap.push(leaf.clone());
                return Break(Some(Anchor::Named {
                    id: leaf,
                    runner: "node",
                }));
            }
            self.seen.recap.push(leaf);
        }
        if let Some(kind) = t.strip_prefix("failureType: ") {
            // The YAML of the last `not ok`: a parent failing only through its subtests, or
            // for its own reason (a hook, its own code).
            if let Some(id) = self.node.last_tap.take()
                && kind.trim_matches('\'') != "subtestsFailed"
            {
                self.seen.own.push(id);
            }
            return Break(None);
        }
        let (name, failing, tap) = if let Some(name) = t.strip_prefix("# Subtest: ") {
            (name, false, true)
        } else if let Some(rest) = t.strip_prefix("not ok ") {
            // TAP's TODO and SKIP directives: not a failure.
            let directive = rest.split_once(" # ").is_some_and(|(_, d)| {
                let d = d.trim_start().to_ascii_uppercase();
                d.starts_with("TODO") || d.starts_with("SKIP")
            });
            (tap_name(rest), !directive, true)
        } else if let Some(rest) = t.strip_prefix("ok ")
            && rest.starts_with(|c: char| c.is_ascii_digit())
        {
            (tap_name(rest), false, true)
        } else if let Some(rest) = t.strip_prefix("▶ ") {
            (without_duration(rest), false, false)
        } else if let Some(rest) = t.strip_prefix("✖ ") {
            // `✖ name (1ms) # reason` is a todo test that failed: not a failure.
            let todo = rest.contains(") # ");
            (without_duration(rest), !todo, false)
        } else if let Some(rest) = t.strip_prefix("✔ ") {
            (without_duration(rest), false, false)
        } else {
            return Continue(());
        };
        let name = name.trim();
        if name.is_empty() {
            return Break(None);
        }
        if !tap && self.node.recap {
            // The recap repeats a failing test by its leaf name (named in full before, unless
            // the reporter printed no tree); its next line says whether it is a parent.
            if failing {
                self.node.recap_pending = Some(name.to_owned());
            }
            return Break(None);
        }
        while self.node.tree.last().is_some_and(|(i, _)| *i >= indent) {
            self.node.tree.pop();
        }
        let mut path: Vec<&str> = self.node.tree.iter().map(|(_, n)| n.as_str()).collect();
        path.push(name);
        let id = path.join(" > ");
        if self.node.tree.len() < MAX_DEPTH {
            self.node.tree.push((indent, name.to_owned()));
        }
        if !failing {
            return Break(None);
        }
        if tap {
            self.node.last_tap = Some(id.clone());
            self.seen.tap_ids.push(id.clone());
        } else {
            self.seen.spec_ids.push((id.clone(), name.to_owned()));
        }
        Break(Some(Anchor::Failing {
            id,
            runner: "node",
            block: tap,
            message: None,
        }))
    }

    /// jest's `● Suite › test` headers at the margin (deeper, they are a test's console output;
    /// `● Console` is the output's own header), a top-level test's `● test` in a jest report, and
    /// vitest's `stdout | test` blocks of console output.
    fn javascript(&mut self, indent: usize, t: &str) -> Claim {
        if self.js.console {
            self.js.console_lines += 1;
            if t.is_empty() || self.js.console_lines > MAX_CONSOLE_BLOCK {
                self.js.console = false;
            }
            return Break(None);
        }
        if let Some(at) = t.find("stdout | ").or_else(|| t.find("stderr | "))
            && t[..at].chars().all(|c| "·x×-*✓ ".contains(c))
            && script_path(
                t[at + "stdout | ".len()..]
                    .split(" > ")
                    .next()
                    .unwrap_or_default(),
            )
        {
            // At the margin, or after the dot reporter's marks on the same line.
            self.js.console = true;
            self.js.console_lines = 0;
            return Break(None);
        }
        if t.contains("Errors thrown in ") {
            // jest's GitHub Actions reporter groups a file's failures under this title.
            self.js.jest = true;
        }
        if let Some(path) = t.strip_prefix("FAIL ").or_else(|| t.strip_prefix("PASS "))
            && !path.contains(" > ")
            && script_path(path.split_whitespace().next().unwrap_or_default())
        {
            self.js.jest = true;
            return Break(None);
        }
        let Some(name) = t.strip_prefix("● ") else {
            return Continue(());
        };
        if indent > 2 || name == "Console" || name == "Test suite failed to run" {
            return Break(None);
        }
        if name.contains(" › ") || self.js.jest {
            return Break(Some(Anchor::Failing {
                id: name.trim().to_owned(),
                runner: "jest",
                block: true,
                message: None,
            }));
        }
        Continue(())
    }

    /// `RSpec`'s rerun lines, `rspec ./spec/x_spec.rb:12 # description`, after its `Failed
    /// examples:` (before it, one is a test's output); the description is the failure header's.
    fn rspec(&mut self, t: &str) -> Claim {
        if t == "Failed examples:" {
            self.rspec_rerun = true;
            return Break(None);
        }
        if !t.starts_with("rspec ") {
            return Continue(());
        }
        if !self.rspec_rerun {
            return Break(None);
        }
        let found = anchor(t);
        if let Some(Anchor::Failing { id, .. }) = &found
            && let Some((_, description)) = t.split_once(" # ")
        {
            self.alias = Some((id.clone(), description.trim().to_owned()));
        }
        Break(found)
    }

    /// The description of the `RSpec` example just named by its location, once.
    pub(super) fn take_alias(&mut self) -> Option<(String, String)> {
        self.alias.take()
    }
}

/// A JavaScript or TypeScript test file, as jest and vitest name them.
fn script_path(path: &str) -> bool {
    [".js", ".ts", ".jsx", ".tsx", ".mjs", ".cjs", ".mts", ".cts"]
        .iter()
        .any(|ext| path.trim().ends_with(ext))
}

/// The test a nextest status line names: `FLAKY 2/2 [   0.008s] (10/10) calc::api a` → `calc::api a`.
fn nextest_id(t: &str) -> Option<&str> {
    let (_, rest) = t.split_once("] ")?;
    let rest = rest
        .strip_prefix('(')
        .and_then(|c| Some(c.split_once(") ")?.1))
        .unwrap_or(rest);
    let rest = rest.trim();
    (!rest.is_empty()).then_some(rest)
}

/// `RSpec`'s `Got 2 failures:` (or `… from failure aggregation block "x".`) heading the failures
/// `aggregate_failures` collected.
fn aggregated(t: &str) -> bool {
    let mut words = t.split_whitespace();
    words.next() == Some("Got")
        && words.next().is_some_and(|n| n.parse::<u32>().is_ok())
        && words.next().is_some_and(|w| w.starts_with("failure"))
}

/// The title of a pytest section line, `===== FAILURES =====`.
fn section_title(t: &str) -> Option<&str> {
    let inner = t.strip_prefix("==")?.strip_suffix("==")?;
    let title = inner.trim_matches('=').trim();
    (!title.is_empty() && t.len() > title.len() + 8).then_some(title)
}

/// The name in a pytest failure header, `_____ test_add _____`.
fn header_name(t: &str) -> Option<&str> {
    if t.len() > 8 && t.starts_with("___") && t.ends_with("___") {
        let name = t.trim_matches('_').trim();
        return (!name.is_empty()).then_some(name);
    }
    None
}

/// The file of a pytest traceback location: `tests/t.py:9: AssertionError`, `tests/t.py:9: in
/// test_add`, `tests/t.py:12:`, or a setup error's `file /abs/tests/t.py, line 20`.
fn location_file(t: &str) -> Option<&str> {
    if let Some(rest) = t.strip_prefix("file ")
        && let Some((file, line)) = rest.split_once(", line ")
        && line.bytes().all(|b| b.is_ascii_digit())
        && std::path::Path::new(file)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("py"))
    {
        return Some(file);
    }
    let (file, rest) = t.split_once(".py:")?;
    let digits = rest.split(':').next()?;
    (!digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && rest.len() > digits.len()
        && !file.contains(' '))
    .then(|| &t[..file.len() + 3])
}

/// A pytest node id from a file and a header's name: `TestA.test_b[1.5]` → `file::TestA::test_b[1.5]`.
fn pytest_id(file: &str, name: &str) -> String {
    if let Some(doctest) = name.strip_prefix("[doctest] ") {
        // A doctest's header names its object by its dotted path, which is its id.
        return format!("{file}::{doctest}");
    }
    let (head, params) = name.find('[').map_or((name, ""), |i| name.split_at(i));
    format!("{file}::{}{params}", head.replace('.', "::"))
}

/// A TAP test line's name: `1 - adds # time=1ms` → `adds`; mocha writes `1 adds`.
fn tap_name(rest: &str) -> &str {
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix(" - ").unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    rest.split(" # ").next().unwrap_or(rest)
}

/// A spec line's name without its duration: `adds (1.2ms)` → `adds`.
fn without_duration(rest: &str) -> &str {
    let rest = rest.split(" # ").next().unwrap_or(rest);
    rest.rsplit_once(" (")
        .filter(|(_, time)| time.ends_with("ms)") || time.ends_with("s)"))
        .map_or(rest, |(name, _)| name)
}

#[cfg(test)]
mod tests;
