//! The streaming triage: raw lines in, bounded state kept (a ring of recent lines, the failing
//! tests, the blocks of error output being captured), and at the end the outcome with its
//! excerpt.

use std::collections::VecDeque;

use super::anchor::Anchor;
use super::budget;
use super::errors::{error_at, first_error, is_error_line};
use super::filter::Filter;
use super::normalise::normalise;
use super::structure::Reader;

/// Lines of context kept before an anchor.
const RING: usize = 40;
/// Lines of an error block.
const BLOCK_LINES: usize = 25;
const MAX_BLOCKS: usize = 400;
const MAX_ERRORS: usize = 200;
const MAX_FAILING: usize = 2_000;
/// Closing lines of the log kept for the excerpt.
const TAIL: usize = 25;
/// A longer line is cut (at a character boundary) as it is read; the rest of it is counted, not
/// kept, so an endless line costs no more than this. (The excerpt shows lines shorter still,
/// marked where they are cut: see `normalise`.)
const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Clone)]
struct Block {
    /// The test name or failing id this block belongs to.
    key: String,
    /// Made from a header (the test's own error output) rather than context around a summary.
    header: bool,
    lines: Vec<String>,
    /// Where the anchor line is: context before it, the test's output after it.
    anchor: usize,
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

/// Streaming triage: `push` every raw line, then `finish`.
#[derive(Debug)]
pub struct Triage {
    budget: usize,
    filter: Filter,
    lines: u64,
    bytes: u64,
    /// The last lines, raw (normalised only when an anchor needs them); buffers are reused.
    ring: VecDeque<Vec<u8>>,
    /// The unfinished last line of the bytes fed so far, up to one byte past `MAX_LINE`.
    carry: Vec<u8>,
    /// How many blocks are still taking lines.
    open: usize,
    repeats: u64,
    failing: Vec<FailingTest>,
    blocks: Vec<Block>,
    errors: Vec<(u64, String)>,
    /// What needs more than one line: nesting, report sections, continued headers.
    reader: Reader,
    /// pytest failures named without their traceback's file (id, the end a full id would
    /// have): dropped at the end if the same test was named in full.
    guessed: Vec<(String, String)>,
    /// Another name a failing test's error output goes by: `RSpec`'s description of an example
    /// named by its location.
    aliases: Vec<(String, String)>,
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
            open: 0,
            repeats: 0,
            failing: Vec::new(),
            blocks: Vec::new(),
            errors: Vec::new(),
            reader: Reader::new(),
            guessed: Vec::new(),
            aliases: Vec::new(),
        }
    }

    /// Bytes of the log, in any chunks: lines are cut at `\n` (a `\r` before it is dropped).
    pub fn feed_bytes(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        let mut start = 0;
        if !self.carry.is_empty() {
            let Some(end) = memchr::memchr(b'\n', bytes) else {
                self.hold(bytes);
                return;
            };
            self.hold(&bytes[..end]);
            let mut line = std::mem::take(&mut self.carry);
            let interesting = self.filter.is_match(&line);
            self.line(trim_held(&line), interesting);
            line.clear();
            self.carry = line;
            start = end + 1;
        }
        let rest = &bytes[start..];
        let whole = memchr::memrchr(b'\n', rest).map_or(0, |last| last + 1);
        // One search over the chunk's whole lines finds the few worth a closer look.
        let hits = self.filter.starts(&rest[..whole]);
        let mut next_hit = 0;
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', &rest[..whole]) {
            while next_hit < hits.len() && hits[next_hit] < from {
                next_hit += 1;
            }
            let interesting = next_hit < hits.len() && hits[next_hit] < end;
            self.line(trim_cr(&rest[from..end]), interesting);
            from = end + 1;
        }
        self.hold(&rest[from..]);
    }

    /// Keeps the start of the unfinished line, up to one byte past `MAX_LINE` (enough to say
    /// it is longer and where a character starts).
    fn hold(&mut self, bytes: &[u8]) {
        let room = (MAX_LINE + 1).saturating_sub(self.carry.len());
        self.carry
            .extend_from_slice(&bytes[..room.min(bytes.len())]);
    }

    /// One raw line (without its newline).
    pub fn push(&mut self, raw: &[u8]) {
        self.bytes += raw.len() as u64 + 1;
        let interesting = self.filter.is_match(raw);
        self.line(raw, interesting);
    }

    fn line(&mut self, raw: &[u8], interesting: bool) {
        let raw = cut_line(raw);
        self.lines += 1;
        if !raw.is_empty() && self.ring.back().is_some_and(|last| last.as_slice() == raw) {
            self.repeats += 1;
            return;
        }
        self.flush_repeats();
        if !interesting && self.open == 0 && !self.reader.listening() {
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
        let read = self.reader.read(line, n);
        if let Some(unplaced) = self.reader.take_unplaced() {
            self.guess(unplaced, n);
        }
        if let Some(alias) = self.reader.take_alias() {
            self.aliases.push(alias);
        }
        let anchor = match read {
            Some(Anchor::Named { id, runner }) => {
                // Names the test whose output is being read: the output goes on.
                self.add_failing(id, runner, None, n);
                None
            }
            Some(Anchor::Cleared { id, runner }) => {
                self.failing.retain(|f| !(f.id == id && f.runner == runner));
                None
            }
            other => other,
        };
        if let Some(anchor) = anchor {
            // A second header of the same test (cargo's panic under its `---- stdout ----`)
            // goes on in the block the first one opened.
            if let Anchor::Header { name, .. } = &anchor
                && let Some(b) = self
                    .blocks
                    .iter_mut()
                    .rev()
                    .find(|b| b.open > 0 && b.header && names_match(&b.key, name))
            {
                b.lines.push(line.to_owned());
                b.open = BLOCK_LINES;
                if self.errors.len() < MAX_ERRORS && is_error_line(line) {
                    self.errors.push((n, line.to_owned()));
                }
                return;
            }
            // A new anchor ends the blocks being captured, but for headers still waiting for
            // their first line: consecutive headers share the output that follows them (vitest
            // prints one error under every test it failed).
            if self.open > 0 {
                for b in self.blocks.iter_mut().filter(|b| b.open > 0) {
                    if !(b.header && b.lines.len() == 1) {
                        b.open = 0;
                        self.open -= 1;
                    }
                }
            }
            match anchor {
                Anchor::Failing {
                    id,
                    runner,
                    block,
                    message,
                } => {
                    self.add_failing(id.clone(), runner, message, n);
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
                    // A header that is itself an error (a panic) is kept as one too.
                    if self.errors.len() < MAX_ERRORS && is_error_line(line) {
                        self.errors.push((n, line.to_owned()));
                    }
                    self.open_block(name, true, vec![line.to_owned()], BLOCK_LINES);
                }
                Anchor::Start { .. } | Anchor::Named { .. } | Anchor::Cleared { .. } => {}
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

    fn guess(&mut self, (id, end): (String, String), line: u64) {
        self.add_failing(id.clone(), "pytest", None, line);
        self.guessed.push((id, end));
    }

    fn add_failing(
        &mut self,
        id: String,
        runner: &'static str,
        message: Option<String>,
        line: u64,
    ) {
        if let Some(known) = self.failing.iter_mut().find(|f| f.id == id) {
            // Named again, perhaps with what it says (pytest's short summary after `-v`'s line).
            if known.message.is_empty()
                && let Some(message) = message
            {
                known.message = message;
            }
            return;
        }
        if self.failing.len() < MAX_FAILING {
            self.failing.push(FailingTest {
                id,
                runner,
                message: message.unwrap_or_default(),
                line,
            });
        }
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
                anchor: lines.len().saturating_sub(1),
                lines,
                open,
            });
        }
    }

    /// The `n` lines before the one being read (which the ring already holds).
    fn last_context(&self, n: usize) -> Vec<String> {
        let before = self.ring.len().saturating_sub(1);
        self.ring
            .iter()
            .take(before)
            .skip(before.saturating_sub(n))
            .map(|l| Self::ring_line(l))
            .collect()
    }

    /// The lines before a summary anchor that belong to its test (go's `=== RUN`), else a few.
    fn context(&self, id: &str) -> Vec<String> {
        let before = self.ring.len().saturating_sub(1);
        let start = self
            .ring
            .iter()
            .take(before)
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
                .take(before)
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
            self.line(trim_held(&line), interesting);
        }
        self.flush_repeats();
        let settled = self.reader.finish();
        if let Some(unplaced) = settled.unplaced {
            self.guess(unplaced, self.lines);
        }
        self.failing.retain(|f| !settled.dropped.contains(&f.id));
        let own = settled.own;
        let named_in_full: Vec<&String> = self
            .guessed
            .iter()
            .filter(|(id, end)| {
                self.failing
                    .iter()
                    .any(|g| g.id != *id && g.id.ends_with(end.as_str()))
            })
            .map(|(id, _)| id)
            .collect();
        let drop: Vec<String> = named_in_full.into_iter().cloned().collect();
        self.failing.retain(|f| !drop.contains(&f.id));
        let tail_lines: Vec<String> = self
            .ring
            .iter()
            .skip(self.ring.len().saturating_sub(TAIL))
            .map(|raw| Self::ring_line(raw))
            .filter(|l| !l.trim().is_empty())
            .collect();
        self.failing = leaves(std::mem::take(&mut self.failing), &own);
        let chosen = self.choose_blocks();
        let excerpt = budget::fit(&chosen, &tail_lines, self.budget);
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

    /// The blocks the excerpt shows: each failing test's own error output when there is one
    /// (which also gives a test without a message its first error), else the first few blocks.
    fn choose_blocks(&mut self) -> Vec<Vec<String>> {
        let mut chosen: Vec<Vec<String>> = Vec::new();
        for f in &mut self.failing {
            let alias = self
                .aliases
                .iter()
                .find(|(id, _)| *id == f.id)
                .map(|(_, alias)| alias.as_str());
            // Its own error output first (a header's block with an error in it), then the
            // first of equals: a report that repeats a test at its end repeats less.
            let block = self
                .blocks
                .iter()
                .filter(|b| names_match(&b.key, &f.id) || alias.is_some_and(|a| b.key == a))
                .rev()
                .max_by_key(|b| {
                    (
                        b.header && error_at(&b.lines, b.anchor).is_some(),
                        b.header,
                        std::cmp::Reverse(b.lines.len() == 1),
                    )
                });
            if let Some(block) = block {
                if f.message.is_empty() {
                    f.message = first_error(&block.lines, block.anchor).unwrap_or_default();
                }
                if !chosen.contains(&block.lines) {
                    chosen.push(block.lines.clone());
                }
            }
        }
        if self.failing.is_empty() {
            chosen.extend(self.blocks.iter().take(5).map(|b| b.lines.clone()));
        }
        chosen
    }
}

/// A line of at most `MAX_LINE` bytes: a longer one is cut before the character that would
/// cross it.
pub(super) fn cut_line(raw: &[u8]) -> &[u8] {
    if raw.len() <= MAX_LINE {
        return raw;
    }
    &raw[..crate::core::cut::boundary_at_or_before(raw, MAX_LINE)]
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A held line without its `\r`, unless it was held cut short (its end is not there).
fn trim_held(line: &[u8]) -> &[u8] {
    if line.len() > MAX_LINE {
        line
    } else {
        trim_cr(line)
    }
}

/// The failing tests without those that failed only because a subtest did: go's `TestX` when
/// `TestX/case` failed, node's suite `Calc` when `Calc > adds` did.
fn leaves(failing: Vec<FailingTest>, own: &[String]) -> Vec<FailingTest> {
    let separator = |runner: &str| match runner {
        "go" => Some("/"),
        "node" | "vitest" => Some(" > "),
        _ => None,
    };
    let parent = |f: &FailingTest| {
        !own.contains(&f.id)
            && separator(f.runner).is_some_and(|sep| {
                failing.iter().any(|g| {
                    g.runner == f.runner
                        && g.id.len() > f.id.len() + sep.len()
                        && g.id.starts_with(&f.id)
                        && g.id[f.id.len()..].starts_with(sep)
                })
            })
    };
    let keep: Vec<bool> = failing.iter().map(|f| !parent(f)).collect();
    failing
        .into_iter()
        .zip(keep)
        .filter_map(|(f, keep)| keep.then_some(f))
        .collect()
}

/// A block named the runner's short way belongs to a failing test named in full.
fn names_match(block: &str, id: &str) -> bool {
    block == id
        || id.ends_with(&format!("::{}", block.replace('.', "::")))
        || id.ends_with(&format!("::{block}"))
        || id.ends_with(&format!(" {block}"))
        || block.ends_with(&format!(" {id}"))
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

    #[test]
    fn an_unfinished_line_is_held_only_up_to_its_cut() {
        let mut t = Triage::new(1024);
        t.feed_bytes(b"first line\n");
        for _ in 0..1024 {
            t.feed_bytes(&[b'x'; 1024]);
            assert!(
                t.carry.len() <= MAX_LINE + 1,
                "{} bytes held",
                t.carry.len()
            );
        }
        assert!(t.ring.iter().all(|line| line.len() <= MAX_LINE));
        t.feed_bytes(b"\nnext\n");
        assert!(t.ring.iter().all(|line| line.len() <= MAX_LINE));
        assert_eq!(t.ring.len(), 3);
        assert_eq!(cut_line("é".repeat(MAX_LINE).as_bytes()).len(), MAX_LINE);
        let odd = format!("x{}", "é".repeat(MAX_LINE));
        assert_eq!(cut_line(odd.as_bytes()).len(), MAX_LINE - 1);
    }
}
