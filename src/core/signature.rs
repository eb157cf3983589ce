//! A failing run's output reduced to a signature, so that failures can be grouped: the first
//! assertion, panic or error line, with what changes from run to run (numbers, addresses,
//! timestamps, temporary paths, durations) masked.

use std::sync::LazyLock;

use regex::Regex;

use super::excerpt::{is_error_line, normalise};

/// `SomeError: message`, `pkg.Exception: message`, `Error [CODE]: message`.
static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\w.]*(Error|Exception|Failure)\b[^:]*):\s").expect("a fixed pattern compiles")
});

static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?",
            "<time>",
        ),
        (r"0x[0-9a-fA-F]+", "<addr>"),
        (r"(/tmp|/var/folders|/private/var)/[^\s:'\x22)]*", "<tmp>"),
        (
            r"\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|sec|seconds|m|min)\b",
            "<duration>",
        ),
        (r"\b[0-9a-f]{12,}\b", "<hex>"),
        (r"\d+", "N"),
    ]
    .into_iter()
    .filter_map(|(pattern, mask)| Regex::new(pattern).ok().map(|re| (re, mask)))
    .collect()
});

/// The signature of a run that printed nothing (or only blank lines).
pub const NO_OUTPUT: &str = "(no output)";

/// The signature of one failing run's output.
#[must_use]
pub fn of(output: &str) -> String {
    let lines: Vec<String> = output.lines().map(normalise).collect();
    // In order of how well a line names the failure: a panic, an exception with its message,
    // pytest's `E` lines, an assertion, a timeout, any error line; else the last line.
    let kinds: [&dyn Fn(&str) -> bool; 6] = [
        &|t| t.contains("panicked at"),
        &|t| EXCEPTION.is_match(t),
        &|t| t.starts_with("E "),
        &|t| t.starts_with("assert") || t.contains("Assertion"),
        &|t| t.contains("timed out"),
        &|t| is_error_line(t),
    ];
    let telling = kinds
        .iter()
        .find_map(|kind| lines.iter().find(|l| kind(l.trim())))
        .or_else(|| lines.iter().rev().find(|l| !l.trim().is_empty()));
    let Some(line) = telling else {
        return NO_OUTPUT.into();
    };
    mask(line.trim())
}

/// `text` with its run-to-run details masked.
#[must_use]
pub fn mask(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (re, replacement) in MASKS.iter() {
        out = re.replace_all(&out, *replacement).into_owned();
    }
    out.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_failure_share_a_signature() {
        let a = of("running 1 test\nthread 'race' (4411) panicked at src/lib.rs:12:9:\nleft: 99\n");
        let b = of("running 1 test\nthread 'race' (5120) panicked at src/lib.rs:12:9:\nleft: 97\n");
        assert_eq!(a, b);
        assert_eq!(a, "thread 'race' (N) panicked at src/lib.rs:N:N:");
        let t = of(
            "E   AssertionError: took 1.52s at 2026-11-21T10:00:00Z in /tmp/pytest-12/x.txt (0x7ffd1)",
        );
        assert_eq!(
            t,
            "E AssertionError: took <duration> at <time> in <tmp> (<addr>)"
        );
        assert_ne!(of("TimeoutError: read timed out"), of("KeyError: 'x'"));
    }
}
