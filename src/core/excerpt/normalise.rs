//! One raw CI line made readable: GitHub's timestamps, ANSI colours and cursor codes,
//! carriage-return progress and workflow commands stripped, and overlong lines cut.

/// Longest line kept (longer ones are cut).
const MAX_LINE: usize = 400;

/// Strips what CI adds around a line: GitHub's timestamp prefix, ANSI escapes, carriage-return
/// progress, and the `##[...]` workflow commands.
#[must_use]
pub fn normalise(line: &str) -> String {
    let line = line.rsplit('\r').find(|s| !s.is_empty()).unwrap_or("");
    let line = strip_timestamp(line);
    let mut text = strip_ansi(line);
    if let Some(output) = go_event_output(&text) {
        text = strip_ansi(output.rsplit('\r').find(|s| !s.is_empty()).unwrap_or(""));
    }
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

/// `go test -json` prints each line of a test's output as an event: the line is its `Output`.
fn go_event_output(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Event {
        #[serde(rename = "Output")]
        output: Option<String>,
    }
    if !(text.starts_with("{\"Time\":") || text.starts_with("{\"Action\":"))
        || !text.contains("\"Output\":")
    {
        return None;
    }
    let event: Event = serde_json::from_str(text).ok()?;
    let output = event.output?;
    Some(output.strip_suffix('\n').unwrap_or(&output).to_owned())
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
