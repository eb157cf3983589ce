//! Log triage: CI log lines in, the failing tests (named the way their runner names them), the
//! error lines, and an excerpt within a byte budget out. It is fed line by line and keeps only
//! bounded state, so memory does not grow with the log; a fast byte filter lets the many boring
//! lines through without normalising them.

use std::collections::VecDeque;

use aho_corasick::AhoCorasick;
use aho_corasick::packed;

/// Default excerpt budget in bytes.
pub const DEFAULT_BUDGET: usize = 16 * 1024;
/// Lines of context kept before an anchor.
const RING: usize = 40;
/// Lines of an error block.
const BLOCK_LINES: usize = 25;
/// Longest line kept (longer ones are cut).
const MAX_LINE: usize = 400;
const MAX_BLOCKS: usize = 400;
const MAX_ERRORS: usize = 200;
const MAX_FAILING: usize = 2_000;
/// Closing lines of the log kept for the excerpt.
const TAIL: usize = 25;

/// Strips what CI adds around a line: GitHub's timestamp prefix, ANSI escapes, carriage-return
/// progress, and the `##[...]` workflow commands.
#[must_use]
pub fn normalise(line: &str) -> String {
    let line = line.rsplit('\r').find(|s| !s.is_empty()).unwrap_or("");
    let line = strip_timestamp(line);
    let mut text = strip_ansi(line);
    for (marker, replacement) in [
        ("##[group]", "▸ "),
        ("##[endgroup]", ""),
        ("##[error]", "error: "),
        ("##[warning]", "warning: "),
    ] {
        if let Some(rest) = text.strip_prefix(marker) {
            text = format!("{replacement}{rest}");
        }
    }
    if text.len() > MAX_LINE {
        let mut end = MAX_LINE;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

fn strip_timestamp(line: &str) -> &str {
    // 2024-05-01T12:34:56.1234567Z <text>
    let bytes = line.as_bytes();
    if bytes.len() > 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[..4].iter().all(u8::is_ascii_digit)
    {
        // The stamp is ASCII; search its bytes (a cut at 40 may fall inside a character).
        if let Some(z) = memchr::memmem::find(&bytes[..bytes.len().min(40)], b"Z ") {
            return &line[z + 2..];
        }
        if line.ends_with('Z') && line.len() <= 40 {
            return "";
        }
    }
    line
}

fn strip_ansi(line: &str) -> String {
    if !line.contains('\u{1b}') && !line.chars().any(char::is_control) {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                            if c == '\u{1b}' {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            }
        } else if !c.is_control() || c == '\t' {
            out.push(c);
        }
    }
    out
}

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

/// Recognises failure anchors of the common test runners on one normalised line.
#[must_use]
pub fn anchor(line: &str) -> Option<Anchor> {
    let t = line.trim();
    // pytest
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
        if python_file && !id.contains(' ') {
            return Some(Anchor::Failing {
                id: id.to_owned(),
                runner: "pytest",
                block: false,
                message,
            });
        }
    }
    if let Some(id) = t.strip_suffix(" FAILED") {
        let id = id.split_whitespace().next().unwrap_or(id);
        if id.contains(".py::") {
            return failing(id, "pytest", false);
        }
    }
    if t.len() > 8 && t.starts_with("___") && t.ends_with("___") {
        let name = t.trim_matches('_').trim();
        if !name.is_empty() && !name.contains(' ') {
            return Some(Anchor::Header {
                name: name.to_owned(),
                runner: "pytest",
            });
        }
    }
    // unittest
    for prefix in ["FAIL: ", "ERROR: "] {
        if let Some(rest) = t.strip_prefix(prefix)
            && let Some((method, inner)) = rest.split_once(" (")
        {
            let inner = inner.trim_end_matches(')');
            let id = if inner.ends_with(&format!(".{method}")) {
                inner.to_owned()
            } else {
                format!("{inner}.{method}")
            };
            return failing(&id, "unittest", true);
        }
    }
    // cargo test and nextest
    if let Some(id) = between(t, "test ", " ... FAILED") {
        return failing(id, "cargo", false);
    }
    if let Some(id) = between(t, "---- ", " stdout ----") {
        return Some(Anchor::Header {
            name: id.to_owned(),
            runner: "cargo",
        });
    }
    if let Some(rest) = t.strip_prefix("FAIL [")
        && let Some((_, id)) = rest.split_once("] ")
    {
        return failing(id, "nextest", false);
    }
    if let Some(rest) = t
        .strip_prefix("--- STDERR:")
        .or_else(|| t.strip_prefix("--- STDOUT:"))
    {
        return Some(Anchor::Header {
            name: rest.trim().trim_end_matches("---").trim().to_owned(),
            runner: "nextest",
        });
    }
    // go test
    if let Some(rest) = t.strip_prefix("--- FAIL: ") {
        return failing(rest.split(" (").next().unwrap_or(rest), "go", false);
    }
    if let Some(rest) = t.strip_prefix("=== RUN ") {
        return Some(Anchor::Start {
            name: rest.trim().to_owned(),
        });
    }
    // jest, vitest
    if let Some(rest) = t.strip_prefix("● ")
        && rest.contains(" › ")
    {
        return failing(rest, "jest", true);
    }
    if let Some(rest) = t.strip_prefix("FAIL ")
        && rest.contains(" > ")
    {
        return failing(rest, "vitest", true);
    }
    // node's test runner (TAP and spec reporters)
    if let Some(rest) = t.strip_prefix("not ok ") {
        let name = rest.split_once(" - ").map_or(rest, |(_, name)| name);
        let name = name.split(" # ").next().unwrap_or(name);
        return failing(name, "node", true);
    }
    if let Some(rest) = t.strip_prefix("✖ ")
        && rest != "failing tests:"
    {
        let name = rest
            .rsplit_once(" (")
            .filter(|(_, time)| time.ends_with("ms)") || time.ends_with("s)"))
            .map_or(rest, |(name, _)| name);
        return failing(name, "node", false);
    }
    // Maven Surefire / JUnit
    if t.starts_with("[ERROR] ") && (t.ends_with("<<< FAILURE!") || t.ends_with("<<< ERROR!")) {
        let rest = t["[ERROR] ".len()..].trim();
        if !rest.starts_with("Tests run:") {
            if let Some((method, class)) = rest.split_once('(')
                && let Some((class, _)) = class.split_once(')')
            {
                return failing(&format!("{class}.{method}"), "surefire", true);
            }
            if let Some((id, _)) = rest.split_once(" -- ") {
                return failing(id, "surefire", true);
            }
        }
    }
    // Gradle
    if let Some(id) = t.strip_suffix(" FAILED")
        && id.contains(" > ")
    {
        return failing(id, "gradle", true);
    }
    // dotnet test
    if let Some(rest) = t.strip_prefix("Failed ")
        && let Some((id, time)) = rest.rsplit_once(" [")
        && time.ends_with(']')
        && !id.contains(' ')
    {
        return failing(id, "dotnet", true);
    }
    // RSpec
    if let Some(rest) = t.strip_prefix("rspec ") {
        let id = rest.split(" # ").next().unwrap_or(rest);
        if id.contains("_spec.rb") {
            return failing(id, "rspec", false);
        }
    }
    None
}

/// Whether a normalised line is an error worth keeping.
#[must_use]
pub fn is_error_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("error")
        || t.starts_with("Error")
        || t.starts_with("E ")
        || t.starts_with("Traceback")
        || t.contains("panicked at")
        || t.starts_with("AssertionError")
        || t.starts_with("assertion")
        || t.contains("Exception")
        || t.starts_with("FAIL")
        || t.starts_with("Failure/Error")
        || t.contains("Process completed with exit code")
        || t.starts_with("make: ***")
        || (t.starts_with("exit status ") && t != "exit status 0")
}

/// Text whose absence in a raw line means it cannot be an anchor or an error line. (Colours and
/// timestamps do not hide it: the anchor text itself is still in the raw bytes.) Each pattern
/// starts with a rare three bytes, so the SIMD search skips ordinary lines quickly.
const INTERESTING: &[&str] = &[
    "FAIL",
    "ERROR",
    "Error",
    "error",
    "Exception",
    "Traceback",
    "not ok",
    "panicked",
    "●",
    "✖",
    "<<<",
    "rspec ",
    "--- STD",
    " stdout ---",
    "___",
    "=== RUN",
    "##[",
    "exit code",
    "exit status",
    "Failed ",
    "Failure",
    "make: ***",
    "failing",
];

#[derive(Debug, Clone)]
struct Block {
    /// The test name or failing id this block belongs to.
    key: String,
    /// Made from a header (the test's own error output) rather than context around a summary.
    header: bool,
    lines: Vec<String>,
    open: usize,
}

/// A failing test as its runner names it, with its first error line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingTest {
    pub id: String,
    pub runner: &'static str,
    pub message: String,
    /// 1-based line where it was named.
    pub line: u64,
}

/// The result of triage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub lines: u64,
    pub bytes: u64,
    pub runners: Vec<&'static str>,
    pub failing_tests: Vec<FailingTest>,
    /// (1-based line, text), at most 200.
    pub errors: Vec<(u64, String)>,
    pub excerpt: String,
}

/// Finds the interesting patterns: the SIMD packed searcher where the CPU has it, else an
/// automaton.
#[derive(Debug)]
enum Filter {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Filter {
    fn new() -> Self {
        packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(INTERESTING)
            .build()
            .map_or_else(
                || {
                    Self::Automaton(
                        AhoCorasick::new(INTERESTING)
                            .expect("a fixed, small pattern set always builds"),
                    )
                },
                Self::Packed,
            )
    }

    fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            Self::Packed(s) => s.find(haystack).is_some(),
            Self::Automaton(a) => a.is_match(haystack),
        }
    }

    fn starts(&self, haystack: &[u8]) -> Vec<usize> {
        match self {
            Self::Packed(s) => s.find_iter(haystack).map(|m| m.start()).collect(),
            Self::Automaton(a) => a.find_iter(haystack).map(|m| m.start()).collect(),
        }
    }
}

/// Streaming triage: `push` every raw line, then `finish`.
#[derive(Debug)]
pub struct Triage {
    budget: usize,
    filter: Filter,
    lines: u64,
    bytes: u64,
    /// The last lines, raw (normalised only when an anchor needs them); buffers are reused.
    ring: VecDeque<Vec<u8>>,
    /// The unfinished last line of the bytes fed so far.
    carry: Vec<u8>,
    /// After mocha's "N failing" or `RSpec`'s "Failures:", numbered headers may follow.
    numbered_section: bool,
    /// How many blocks are still taking lines.
    open: usize,
    repeats: u64,
    failing: Vec<FailingTest>,
    blocks: Vec<Block>,
    errors: Vec<(u64, String)>,
    /// Numbered headers (mocha, `RSpec`) waiting for the next line to say what they are.
    numbered: Option<String>,
}

impl Triage {
    #[must_use]
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            filter: Filter::new(),
            lines: 0,
            bytes: 0,
            ring: VecDeque::with_capacity(RING),
            carry: Vec::new(),
            numbered_section: false,
            open: 0,
            repeats: 0,
            failing: Vec::new(),
            blocks: Vec::new(),
            errors: Vec::new(),
            numbered: None,
        }
    }

    /// Bytes of the log, in any chunks: lines are cut at `\n` (a `\r` before it is dropped).
    pub fn feed_bytes(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        let mut start = 0;
        if !self.carry.is_empty() {
            let Some(end) = memchr::memchr(b'\n', bytes) else {
                self.carry.extend_from_slice(bytes);
                return;
            };
            let mut line = std::mem::take(&mut self.carry);
            line.extend_from_slice(&bytes[..end]);
            let interesting = self.filter.is_match(&line);
            self.line(trim_cr(&line), interesting);
            line.clear();
            self.carry = line;
            start = end + 1;
        }
        let rest = &bytes[start..];
        // One search over the chunk finds the few lines worth a closer look.
        let hits = self.filter.starts(rest);
        let mut next_hit = 0;
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', rest) {
            while next_hit < hits.len() && hits[next_hit] < from {
                next_hit += 1;
            }
            let interesting = next_hit < hits.len() && hits[next_hit] < end;
            self.line(trim_cr(&rest[from..end]), interesting);
            from = end + 1;
        }
        self.carry.extend_from_slice(&rest[from..]);
    }

    /// One raw line (without its newline).
    pub fn push(&mut self, raw: &[u8]) {
        self.bytes += raw.len() as u64 + 1;
        let interesting = self.filter.is_match(raw);
        self.line(raw, interesting);
    }

    fn line(&mut self, raw: &[u8], interesting: bool) {
        self.lines += 1;
        if !raw.is_empty() && self.ring.back().is_some_and(|last| last.as_slice() == raw) {
            self.repeats += 1;
            return;
        }
        self.flush_repeats();
        if !interesting && self.open == 0 && !self.numbered_section {
            // A boring line: only context for what may follow.
            self.remember(raw);
            return;
        }
        self.remember(raw);
        let line = normalise(&String::from_utf8_lossy(raw));
        self.feed(&line);
    }

    fn flush_repeats(&mut self) {
        if self.repeats > 0 {
            let note = format!("… (previous line repeated {} more times)", self.repeats);
            self.repeats = 0;
            for b in self.blocks.iter_mut().filter(|b| b.open > 0) {
                b.lines.push(note.clone());
            }
            // A note, not a copy of the line: the next repeat is counted afresh.
            self.remember(note.as_bytes());
        }
    }

    fn remember(&mut self, line: &[u8]) {
        let mut slot = if self.ring.len() == RING {
            self.ring.pop_front().unwrap_or_default()
        } else {
            Vec::new()
        };
        slot.clear();
        slot.extend_from_slice(line);
        self.ring.push_back(slot);
    }

    fn ring_line(line: &[u8]) -> String {
        normalise(&String::from_utf8_lossy(line))
    }

    fn feed(&mut self, line: &str) {
        let n = self.lines;
        let t = line.trim();
        if (t.ends_with(" failing")
            && t.split(' ')
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok()))
            || t == "Failures:"
        {
            self.numbered_section = true;
        }
        let anchor = self.numbered_anchor(line).or_else(|| anchor(line));
        if let Some(anchor) = anchor {
            // A new anchor ends the blocks being captured.
            if self.open > 0 {
                for b in &mut self.blocks {
                    b.open = 0;
                }
                self.open = 0;
            }
            match anchor {
                Anchor::Failing {
                    id,
                    runner,
                    block,
                    message,
                } => {
                    if !self.failing.iter().any(|f| f.id == id) && self.failing.len() < MAX_FAILING
                    {
                        self.failing.push(FailingTest {
                            id: id.clone(),
                            runner,
                            message: message.unwrap_or_default(),
                            line: n,
                        });
                    }
                    if block {
                        self.open_block(id, true, vec![line.to_owned()], BLOCK_LINES);
                    } else if !self.has_block(&id) {
                        let context = self.context(&id);
                        let mut lines = context;
                        lines.push(line.to_owned());
                        self.open_block(id, false, lines, 8);
                    }
                }
                Anchor::Header { name, .. } => {
                    self.open_block(name, true, vec![line.to_owned()], BLOCK_LINES);
                }
                Anchor::Start { .. } => {}
            }
        } else {
            if self.open > 0 {
                for b in self.blocks.iter_mut().filter(|b| b.open > 0) {
                    b.lines.push(line.to_owned());
                    b.open -= 1;
                    if b.open == 0 {
                        self.open -= 1;
                    }
                }
            }
            if self.errors.len() < MAX_ERRORS && is_error_line(line) {
                self.errors.push((n, line.to_owned()));
                if self.open == 0 && self.failing.is_empty() {
                    let mut lines = self.last_context(3);
                    lines.push(line.to_owned());
                    self.open_block(format!("error at line {n}"), false, lines, 10);
                }
            }
        }
    }

    /// mocha's `1) Suite` + `   test title:`, `RSpec`'s `1) Foo does bar` + `Failure/Error:`.
    fn numbered_anchor(&mut self, line: &str) -> Option<Anchor> {
        let t = line.trim();
        if let Some(suite) = self.numbered.take() {
            if let Some(title) = t
                .strip_suffix(':')
                .filter(|_| !t.starts_with("Failure/Error"))
            {
                return failing(&format!("{suite} {title}"), "mocha", true);
            }
            if t.starts_with("Failure/Error") {
                return Some(Anchor::Header {
                    name: suite,
                    runner: "rspec",
                });
            }
        }
        if let Some((number, rest)) = t.split_once(") ")
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
            && !rest.is_empty()
        {
            self.numbered = Some(rest.to_owned());
        }
        None
    }

    fn has_block(&self, id: &str) -> bool {
        self.blocks.iter().any(|b| names_match(&b.key, id))
    }

    fn open_block(&mut self, key: String, header: bool, lines: Vec<String>, open: usize) {
        if self.blocks.len() < MAX_BLOCKS {
            if open > 0 {
                self.open += 1;
            }
            self.blocks.push(Block {
                key,
                header,
                lines,
                open,
            });
        }
    }

    fn last_context(&self, n: usize) -> Vec<String> {
        self.ring
            .iter()
            .skip(self.ring.len().saturating_sub(n))
            .map(|l| Self::ring_line(l))
            .collect()
    }

    /// The lines before a summary anchor that belong to its test (go's `=== RUN`), else a few.
    fn context(&self, id: &str) -> Vec<String> {
        let start = self
            .ring
            .iter()
            .rposition(|l| {
                let l = Self::ring_line(l);
                l.trim()
                    .strip_prefix("=== RUN")
                    .is_some_and(|n| n.trim() == id)
            })
            .map(|i| i + 1);
        match start {
            Some(i) => self
                .ring
                .iter()
                .skip(i)
                .map(|l| Self::ring_line(l))
                .collect(),
            None => self.last_context(4),
        }
    }

    /// The failing tests, the error lines and the excerpt.
    #[must_use]
    pub fn finish(mut self) -> Outcome {
        if !self.carry.is_empty() {
            let line = std::mem::take(&mut self.carry);
            let interesting = self.filter.is_match(&line);
            self.line(trim_cr(&line), interesting);
        }
        self.flush_repeats();
        let tail_lines: Vec<String> = self
            .ring
            .iter()
            .skip(self.ring.len().saturating_sub(TAIL))
            .map(|raw| Self::ring_line(raw))
            .filter(|l| !l.trim().is_empty())
            .collect();
        // Each failing test's block: its own error output when there is one.
        let mut chosen: Vec<Vec<String>> = Vec::new();
        for f in &mut self.failing {
            let block = self
                .blocks
                .iter()
                .filter(|b| names_match(&b.key, &f.id))
                .max_by_key(|b| (b.header, std::cmp::Reverse(b.lines.len() == 1)));
            if let Some(block) = block {
                if f.message.is_empty() {
                    f.message = first_error(&block.lines).unwrap_or_default();
                }
                if !chosen.contains(&block.lines) {
                    chosen.push(block.lines.clone());
                }
            }
        }
        if self.failing.is_empty() {
            chosen.extend(self.blocks.iter().take(5).map(|b| b.lines.clone()));
        }
        let tail_bytes: usize = tail_lines
            .iter()
            .map(|l| l.len() + 1)
            .sum::<usize>()
            .min(self.budget / 4);
        let per_block = if chosen.is_empty() {
            0
        } else {
            (self.budget.saturating_sub(tail_bytes) / chosen.len()).max(120)
        };
        let mut excerpt = String::new();
        let mut kept_lines: Vec<&String> = Vec::new();
        for block in &chosen {
            let mut used = 0;
            for line in block {
                if used + line.len() + 1 > per_block && used > 0 {
                    excerpt.push_str("…\n");
                    break;
                }
                used += line.len() + 1;
                excerpt.push_str(line);
                excerpt.push('\n');
                kept_lines.push(line);
            }
            excerpt.push_str("…\n");
        }
        let room = self.budget.saturating_sub(excerpt.len());
        let mut closing = String::new();
        for line in tail_lines.iter().rev() {
            if closing.len() + line.len() + 1 > room {
                break;
            }
            if kept_lines.contains(&line) {
                continue;
            }
            closing.insert_str(0, &format!("{line}\n"));
        }
        excerpt.push_str(&closing);
        if excerpt.len() > self.budget {
            let mut end = self.budget;
            while !excerpt.is_char_boundary(end) {
                end -= 1;
            }
            excerpt.truncate(end);
        }
        let mut runners: Vec<&'static str> = Vec::new();
        for f in &self.failing {
            if !runners.contains(&f.runner) {
                runners.push(f.runner);
            }
        }
        Outcome {
            lines: self.lines,
            bytes: self.bytes,
            runners,
            failing_tests: self.failing,
            errors: self.errors,
            excerpt,
        }
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A block named the runner's short way belongs to a failing test named in full.
fn names_match(block: &str, id: &str) -> bool {
    block == id
        || id.ends_with(&format!("::{}", block.replace('.', "::")))
        || id.ends_with(&format!("::{block}"))
        || id.ends_with(&format!(" {block}"))
        || block.ends_with(&format!(" {id}"))
}

fn first_error(lines: &[String]) -> Option<String> {
    // node's TAP: `error: |-` then the message, or `error: 'message'`.
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t == "error: |-"
            && let Some(next) = lines[i + 1..].iter().find(|n| !n.trim().is_empty())
        {
            return Some(next.trim().to_owned());
        }
        if let Some(quoted) = t
            .strip_prefix("error: '")
            .and_then(|r| r.strip_suffix('\''))
        {
            return Some(quoted.to_owned());
        }
    }
    lines
        .iter()
        .skip(1)
        .find(|l| {
            let t = l.trim();
            is_error_line(t)
                || t.starts_with('E') && t.get(1..2) == Some(" ")
                || t.contains("assert")
                || t.contains("Error")
                || t.contains("expected")
                || t.contains("Expected")
        })
        .map(|l| l.trim().to_owned())
}

/// Triage of a whole text (for callers that have it in memory).
#[must_use]
pub fn triage_text(text: &str, budget: usize) -> Outcome {
    let mut t = Triage::new(budget);
    t.feed_bytes(text.as_bytes());
    t.finish()
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            ids("test tests::counts_words ... FAILED"),
            ["tests::counts_words"]
        );
        assert_eq!(ids("--- FAIL: TestX/sub (0.01s)"), ["TestX/sub"]);
        assert_eq!(ids("not ok 2 - adds numbers"), ["adds numbers"]);
        assert_eq!(
            ids("FAIL: test_add (test_calc.CalcTest.test_add)"),
            ["test_calc.CalcTest.test_add"]
        );
        assert_eq!(
            ids("FAIL: test_add (test_calc.CalcTest)"),
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
            ids("rspec ./spec/calc_spec.rb:12 # Calc adds"),
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
                "Failures:\n\n  1) Calc adds\n     Failure/Error: expect(1).to eq(2)\n\nrspec ./spec/calc_spec.rb:3 # Calc adds"
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
            "thread 'tests::a' panicked at src/lib.rs:3:5:"
        );
        assert_eq!(
            out.failing_tests[1].message,
            "thread 'tests::b' panicked at src/lib.rs:9:5:"
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
}
