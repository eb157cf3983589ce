//! The byte prefilter: most CI lines cannot matter, and a SIMD search over raw bytes says which
//! can, so only those are normalised and parsed.

use aho_corasick::AhoCorasick;
use aho_corasick::packed;

/// Text whose absence in a raw line means it cannot be an anchor or an error line. (Colours and
/// timestamps do not hide it: the anchor text itself is still in the raw bytes.) Each pattern
/// starts with a rare three bytes, so the SIMD search skips ordinary lines quickly.
const ANCHORS: &[&str] = &[
    "FAIL",
    "Fail",
    "fail",
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
    "make: ***",
];

/// Lines that name no failure but say where in a report the next ones stand: TAP's header and
/// nesting, node's suites, pytest's sections and root, cargo's and nextest's structure, console
/// blocks. A second, small search: Teddy slows down far more with one set of both than with two.
const STRUCTURE: &[&str] = &[
    "▶",
    "TAP version",
    "1..",
    "# Subtest",
    "=====",
    "rootdir: ",
    "successes:",
    "Nextest run",
    "Running ",
    "Doc-tests",
    "TRY ",
    "START [",
    "stdout | ",
    "stderr | ",
];

/// Finds the interesting patterns: the SIMD packed searchers where the CPU has them, else an
/// automaton.
#[derive(Debug)]
pub(crate) enum Filter {
    Packed([packed::Searcher; 2]),
    Automaton(AhoCorasick),
}

impl Filter {
    pub(crate) fn new() -> Self {
        let packed = |patterns: &[&str]| {
            packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(patterns)
                .build()
        };
        match (packed(ANCHORS), packed(STRUCTURE)) {
            (Some(anchors), Some(structure)) => Self::Packed([anchors, structure]),
            _ => Self::Automaton(
                AhoCorasick::new(ANCHORS.iter().chain(STRUCTURE))
                    .expect("a fixed, small pattern set always builds"),
            ),
        }
    }

    pub(crate) fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            Self::Packed(searchers) => searchers.iter().any(|s| s.find(haystack).is_some()),
            Self::Automaton(a) => a.is_match(haystack),
        }
    }

    /// Where interesting text starts in `haystack`, in order.
    pub(crate) fn starts(&self, haystack: &[u8]) -> Vec<usize> {
        match self {
            Self::Packed([anchors, structure]) => {
                let mut starts: Vec<usize> =
                    anchors.find_iter(haystack).map(|m| m.start()).collect();
                let more = structure.find_iter(haystack).map(|m| m.start());
                let before = starts.len();
                starts.extend(more);
                if starts.len() > before {
                    starts.sort_unstable();
                }
                starts
            }
            Self::Automaton(a) => a.find_iter(haystack).map(|m| m.start()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sets_are_searched_and_their_hits_come_in_order() {
        let filter = Filter::new();
        let text = b"ok line\nTAP version 13\nplain\nnot ok 1 - x\n# Subtest: y\n";
        let starts = filter.starts(text);
        assert_eq!(starts, [8, 29, 42]);
        assert!(filter.is_match(b"rootdir: /x"));
        assert!(filter.is_match(b"FAILED x"));
        assert!(!filter.is_match(b"test a ... ok"));
    }
}
