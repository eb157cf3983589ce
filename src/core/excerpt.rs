//! Log triage: normalise CI log lines, find the failing tests and the errors, and cut an excerpt
//! within a byte budget that keeps each failure's first error block and the log's closing lines.

/// Default excerpt budget in bytes.
pub const DEFAULT_BUDGET: usize = 16 * 1024;

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
        if let Some(z) = line[..line.len().min(40)].find("Z ") {
            return &line[z + 2..];
        }
    }
    line
}

fn strip_ansi(line: &str) -> String {
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
                    // OSC: up to BEL or ESC \.
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

/// A failing test as its runner names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingTest {
    pub id: String,
    pub runner: &'static str,
    /// Index of the line that named it.
    pub line: usize,
}

/// Finds a failing test named on one normalised line.
#[must_use]
pub fn failing_test(line: &str) -> Option<(String, &'static str)> {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("FAILED ") {
        let id = rest.split(" - ").next().unwrap_or(rest).trim();
        let python_file = std::path::Path::new(id)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("py"));
        if id.contains("::") || python_file {
            return Some((id.to_owned(), "pytest"));
        }
    }
    if let Some(id) = t.strip_suffix(" FAILED") {
        if id.contains("::") && !id.starts_with("test ") {
            return Some((
                id.split_whitespace().next().unwrap_or(id).to_owned(),
                "pytest",
            ));
        }
    }
    if let Some(rest) = t.strip_prefix("test ") {
        if let Some(id) = rest.strip_suffix(" ... FAILED") {
            return Some((id.trim().to_owned(), "cargo"));
        }
    }
    if let Some(rest) = t.strip_prefix("--- FAIL: ") {
        let id = rest.split(" (").next().unwrap_or(rest).trim();
        return Some((id.to_owned(), "go"));
    }
    if let Some(rest) = t.strip_prefix("not ok ") {
        let id = rest.split_once(" - ").map_or(rest, |(_, name)| name);
        let id = id.split(" # ").next().unwrap_or(id).trim();
        return Some((id.to_owned(), "node"));
    }
    if let Some(rest) = t.strip_prefix("● ") {
        if rest.contains(" › ") {
            return Some((rest.trim().to_owned(), "jest"));
        }
    }
    None
}

/// Whether a normalised line starts an error worth keeping.
#[must_use]
pub fn is_error_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("error")
        || t.starts_with("Error")
        || t.starts_with("E ")
        || t.starts_with("Traceback")
        || t.contains("panicked at")
        || t.starts_with("thread '")
        || t.starts_with("AssertionError")
        || t.starts_with("assertion")
        || t.contains("Exception")
        || t.starts_with("FAIL")
        || t.contains("Process completed with exit code")
}

/// The outcome of triage over a whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Triage {
    pub lines: usize,
    pub failing_tests: Vec<FailingTest>,
    /// (line index, text) of error lines, at most 200.
    pub errors: Vec<(usize, String)>,
    pub excerpt: String,
}

/// Triage of a log given as normalised lines.
#[must_use]
pub fn triage(lines: &[String], budget: usize) -> Triage {
    let mut failing: Vec<FailingTest> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some((id, runner)) = failing_test(line) {
            if !failing.iter().any(|f| f.id == id) {
                failing.push(FailingTest {
                    id,
                    runner,
                    line: i,
                });
            }
        }
        if errors.len() < 200 && is_error_line(line) {
            errors.push((i, line.clone()));
        }
    }
    // Blocks to keep, most important first: each failing test's first error block, then the
    // first error lines, then the log's end.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    for f in &failing {
        let first_error = errors
            .iter()
            .map(|(i, _)| *i)
            .find(|i| *i >= f.line.saturating_sub(40) && *i <= f.line);
        let start = first_error.unwrap_or(f.line).saturating_sub(2);
        blocks.push((start, (start + 20).min(lines.len())));
        blocks.push((f.line, (f.line + 1).min(lines.len())));
    }
    for (i, _) in errors.iter().take(20) {
        blocks.push((i.saturating_sub(2), (i + 12).min(lines.len())));
    }
    blocks.push((lines.len().saturating_sub(25), lines.len()));

    let mut keep = vec![false; lines.len()];
    let mut used = 0;
    for (start, end) in blocks {
        for (i, line) in lines.iter().enumerate().take(end).skip(start) {
            if keep[i] {
                continue;
            }
            if used + line.len() + 1 > budget {
                break;
            }
            keep[i] = true;
            used += line.len() + 1;
        }
    }
    let mut excerpt = String::with_capacity(used + 64);
    let mut gap = false;
    for (i, line) in lines.iter().enumerate() {
        if keep[i] {
            if gap && !excerpt.is_empty() {
                excerpt.push_str("…\n");
            }
            gap = false;
            excerpt.push_str(line);
            excerpt.push('\n');
        } else {
            gap = true;
        }
    }
    Triage {
        lines: lines.len(),
        failing_tests: failing,
        errors,
        excerpt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            failing_test("FAILED tests/test_a.py::test_b - AssertionError: x"),
            Some(("tests/test_a.py::test_b".into(), "pytest"))
        );
        assert_eq!(
            failing_test("test tests::counts_words ... FAILED"),
            Some(("tests::counts_words".into(), "cargo"))
        );
        assert_eq!(
            failing_test("--- FAIL: TestX/sub (0.01s)"),
            Some(("TestX/sub".into(), "go"))
        );
        assert_eq!(
            failing_test("not ok 2 - adds numbers"),
            Some(("adds numbers".into(), "node"))
        );
        assert_eq!(failing_test("test tests::ok ... ok"), None);
    }

    #[test]
    fn the_excerpt_keeps_errors_within_budget() {
        let mut lines: Vec<String> = (0..5000).map(|i| format!("noise line {i}")).collect();
        lines[2000] = "thread 'tests::a' panicked at src/lib.rs:3:5:".into();
        lines[2001] = "assertion `left == right` failed".into();
        lines[4000] = "test tests::a ... FAILED".into();
        let t = triage(&lines, 2048);
        assert!(t.excerpt.len() <= 2048 + 64);
        assert!(t.excerpt.contains("panicked at"));
        assert!(t.excerpt.contains("test tests::a ... FAILED"));
        assert_eq!(t.failing_tests.len(), 1);
    }
}
