//! Text from logs and child processes on its way to a terminal: colours (SGR) stay; every other
//! control sequence — clipboard writes (OSC 52), hyperlinks, title changes, cursor movement,
//! device queries, mode switches — and bidirectional overrides are dropped.

use std::borrow::Cow;

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `text` safe to print: only `ESC [ … m` survives of the escape sequences.
#[must_use]
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| (c.is_control() && c != '\t') || is_bidi_control(c))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    let mut body = String::new();
                    let mut end = None;
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            end = Some(p);
                            break;
                        }
                        body.push(p);
                    }
                    // Keep plain colour/style settings: digits and ';' only, ending in 'm'.
                    if end == Some('m') && body.chars().all(|b| b.is_ascii_digit() || b == ';') {
                        out.push_str("\u{1b}[");
                        out.push_str(&body);
                        out.push('m');
                    }
                }
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    // OSC, DCS, APC, PM, SOS: up to BEL or ST.
                    chars.next();
                    while let Some(p) = chars.next() {
                        if p == '\u{7}' || p == '\u{9c}' {
                            break;
                        }
                        if p == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\t' => out.push('\t'),
            '\u{9b}' => {
                // 8-bit CSI: drop the sequence.
                for p in chars.by_ref() {
                    if ('@'..='~').contains(&p) {
                        break;
                    }
                }
            }
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A message of fixloop's own (an error and its hints, one per line) safe to print: every line
/// as [`for_terminal`] leaves it, and without colours either. fixloop's messages have none, so a
/// colour in one came from what it quotes (a field of `info.json`, a child's output), where it
/// could hide the text around it (SGR 8 conceals, black on black blanks).
#[must_use]
pub fn message_for_terminal(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| (c.is_control() && c != '\t' && c != '\n') || is_bidi_control(c))
    {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| without_colours(&for_terminal(line)))
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// `text` as [`for_terminal`] leaves it, without its `ESC [ … m` colour settings.
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let sequence = &rest[at + 2..];
        rest = sequence.find('m').map_or("", |end| &sequence[end + 1..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_stay_everything_else_goes() {
        let hostile = "\u{1b}[31mred\u{1b}[0m \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;PWNED\u{7}\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{1b}[2J\u{1b}[H\u{1b}[5n\u{1b}[?1049l\u{202e}txt\u{8}!";
        assert_eq!(for_terminal(hostile), "\u{1b}[31mred\u{1b}[0m linktxt!");
        assert!(matches!(for_terminal("plain text\tok"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_message_keeps_its_lines_and_loses_every_sequence() {
        let error = "error: info.json: field `name`: `a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[8m` is bad\n  hint: \u{1b}[31mrename\u{1b}[0m it\r";
        assert_eq!(
            message_for_terminal(error),
            "error: info.json: field `name`: `ab` is bad\n  hint: rename it"
        );
        let plain = "error: no failure to work from\n  hint: add `url`";
        assert!(matches!(message_for_terminal(plain), Cow::Borrowed(_)));
    }
}
