//! Error lines: which normalised lines are worth keeping as errors, and which one of a block
//! says best why its test failed.

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

/// Why a block's test failed: node's quoted TAP message, else the first line after the anchor
/// that reads like an error or an assertion.
pub(crate) fn first_error(lines: &[String]) -> Option<String> {
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
