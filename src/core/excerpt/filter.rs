//! The byte prefilter: most CI lines cannot matter, and one SIMD search over raw bytes says
//! which can, so only those are normalised and parsed.

use aho_corasick::AhoCorasick;
use aho_corasick::packed;

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
    "✖",
    "<<<",
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
    "failures:",
    "# Subtest",
    "▶ ",
    "=====",
    "rootdir: ",
    "TAP version",
    "1..",
    "Nextest run",
    " tests across ",
    "Running ",
    "Doc-tests",
    "TRY ",
    "FLAKY",
    "START [",
    "successes:",
    "# tests ",
    "# fail ",
    "Failed tests:",
    "stdout | ",
    "stderr | ",
    "PASS ",
    "● ",
    "rspec ",
    "subtest",
    "Errors thrown",
];

/// Finds the interesting patterns: the SIMD packed searcher where the CPU has it, else an
/// automaton.
#[derive(Debug)]
pub(crate) enum Filter {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Filter {
    pub(crate) fn new() -> Self {
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

    pub(crate) fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            Self::Packed(s) => s.find(haystack).is_some(),
            Self::Automaton(a) => a.is_match(haystack),
        }
    }

    pub(crate) fn starts(&self, haystack: &[u8]) -> Vec<usize> {
        match self {
            Self::Packed(s) => s.find_iter(haystack).map(|m| m.start()).collect(),
            Self::Automaton(a) => a.find_iter(haystack).map(|m| m.start()).collect(),
        }
    }
}
