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

/// Why a block's test failed: node's quoted TAP message, else the first line that reads like an
/// error or an assertion — after the anchor line first (the test's output follows its header),
/// then before it (go's `-v` prints a test's output before its `--- FAIL` line).
pub(crate) fn first_error(lines: &[String], anchor: usize) -> Option<String> {
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
    let found = error_at(lines, anchor)
        // Else the header itself, when it says it is an error (RSpec's `Failure/Error:`).
        .or_else(|| {
            lines
                .get(anchor)
                .filter(|l| is_error_line(l))
                .map(|_| anchor)
        })?;
    Some(said_in_full(lines, found))
}

/// Where in a block its test's error is: a panic's own header, else the first line that says
/// it is an error after the header, then before it, else the first that reads like an
/// assertion. `None` when the block shows no error (a status line and what followed it).
pub(crate) fn error_at(lines: &[String], anchor: usize) -> Option<usize> {
    let anchor = anchor.min(lines.len());
    // A panic's own line says where; the message follows it (`said_in_full` joins them).
    let own = lines
        .get(anchor)
        .filter(|l| l.contains("panicked at"))
        .map(|_| anchor);
    let order: Vec<usize> = own
        .into_iter()
        .chain(anchor + 1..lines.len())
        .chain(0..anchor)
        .collect();
    // A line that says it is an error, else one that reads like an assertion.
    let strong = |t: &str| {
        is_error_line(t)
            || t.starts_with('E') && t.get(1..2) == Some(" ")
            || t.starts_with("panic: ")
            || go_location(t)
            || python_exception(t)
    };
    let weak = |t: &str| {
        t.starts_with("expect(")
            || t.contains("assert")
            || t.contains("Error")
            || t.contains("expected")
            || t.contains("Expected")
    };
    order
        .iter()
        .copied()
        .find(|&i| strong(lines[i].trim()))
        .or_else(|| order.iter().copied().find(|&i| weak(lines[i].trim())))
}

/// The error line at `i` with what completes it: a Python traceback's exception, the message
/// on the line after a `panicked at …:` or `RuntimeError:`, a TAP `error:`'s `message:`.
fn said_in_full(lines: &[String], i: usize) -> String {
    let t = lines[i].trim();
    let rest = || {
        lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
    };
    if t.starts_with("Traceback") {
        if let Some(exception) = rest().find(|l| python_exception(l)) {
            return exception.to_owned();
        }
    } else if t == "error:" {
        if let Some(message) = rest().take(4).find_map(|l| l.strip_prefix("message: ")) {
            return message.trim_matches(['\'', '"']).to_owned();
        }
    } else if t.ends_with(':')
        && let Some(next) = rest().next()
    {
        return format!("{t} {next}");
    }
    t.to_owned()
}

/// Python's last traceback line: `ValueError: bad`, `mod.CustomError: x`, `AssertionError`.
fn python_exception(t: &str) -> bool {
    let name = t.split(':').next().unwrap_or(t);
    let last = name.rsplit('.').next().unwrap_or(name);
    !name.contains(' ')
        && name
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && ["Error", "Exception", "Exit", "Interrupt", "Failure"]
            .iter()
            .any(|end| last.ends_with(end))
}

/// A go test's own report of a failure, `calc_test.go:16: got 4, want 5` (`t.Errorf`, `t.Fatal`).
fn go_location(t: &str) -> bool {
    t.split_once("_test.go:").is_some_and(|(file, rest)| {
        !file.contains(' ')
            && rest.split_once(": ").is_some_and(|(line, _)| {
                !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
            })
    })
}
