//! Text as Slack takes it: `&`, `<` and `>` escaped (they start entities, links and mentions:
//! user text must never ping `<!channel>` or disguise a link), lengths counted and capped the
//! way Slack counts them, link targets made safe for `<url|label>`; and URLs taken out of error
//! text, since a webhook's URL is its secret.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

/// What marks a cut text.
const ELLIPSIS: char = '…';

/// The length Slack counts. It caps texts in characters, and astral characters (most emoji)
/// may count as two, so UTF-16 units are the safe measure.
#[must_use]
pub fn slack_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// `&`, `<` and `>` as Slack's entities, everything else as it is.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c => out.push(c),
    }
}

fn escaped_len(c: char) -> usize {
    match c {
        '&' => 5,
        '<' | '>' => 4,
        c => c.len_utf16(),
    }
}

/// `text` escaped, at most `max` long once escaped: a longer one is cut between characters
/// (never inside an entity) and ends with `…`.
#[must_use]
pub fn escape_capped(text: &str, max: usize) -> String {
    if text.chars().map(escaped_len).sum::<usize>() <= max {
        return escape(text);
    }
    let room = max.saturating_sub(ELLIPSIS.len_utf16());
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let len = escaped_len(c);
        if used + len > room {
            break;
        }
        used += len;
        push_escaped(&mut out, c);
    }
    if max > 0 {
        out.push(ELLIPSIS);
    }
    out
}

/// `text` at most `max` long (not escaped: for `plain_text`), cut with `…`.
#[must_use]
pub fn capped(text: &str, max: usize) -> String {
    if slack_len(text) <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(ELLIPSIS.len_utf16());
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + c.len_utf16() > room {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    if max > 0 {
        out.push(ELLIPSIS);
    }
    out
}

/// `text` on one line: runs of whitespace and control characters become one space.
#[must_use]
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest link target kept; a longer one is left out rather than cut (a cut URL leads
/// somewhere else).
pub const LINK_MAX: usize = 2000;

/// `url` ready to stand in `<url|label>`: only `http` and `https` links, no longer than
/// [`LINK_MAX`]; `&` escaped, and the characters that would end the link or break it out of
/// its brackets (`<`, `>`, `|`, blanks, controls) percent-encoded.
#[must_use]
pub fn link_target(url: &str) -> Option<String> {
    let url = url.trim();
    let scheme = url.split_once("://")?.0;
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c == '&' {
            out.push_str("&amp;");
        } else if matches!(c, '<' | '>' | '|' | '"') || c.is_whitespace() || c.is_control() {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    (slack_len(&out) <= LINK_MAX).then_some(out)
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>()\[\]{}`]*"#)
        .expect("a fixed pattern compiles")
});

/// `text` with every URL in it replaced by `<url>`: error text from an HTTP client names the
/// address it failed to reach, and a webhook's address is its secret.
#[must_use]
pub fn without_urls(text: &str) -> String {
    URL.replace_all(text, "<url>").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_characters_are_escaped_and_nothing_else() {
        assert_eq!(
            escape("a & b <!channel> > 'q' \"d\" *b*"),
            "a &amp; b &lt;!channel&gt; &gt; 'q' \"d\" *b*"
        );
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn a_cut_never_splits_an_entity_and_fits_once_escaped() {
        assert_eq!(escape_capped("abc", 3), "abc");
        assert_eq!(escape_capped("abcd", 3), "ab…");
        // "a&" escaped is "a&amp;" (6): with a limit of 5 the `&` cannot fit whole.
        assert_eq!(escape_capped("a&b", 5), "a…");
        assert_eq!(escape_capped("<<<<", 9), "&lt;&lt;…");
        for max in 0..40 {
            let out = escape_capped("x<y>&z".repeat(5).as_str(), max);
            assert!(slack_len(&out) <= max.max(1), "{max}: {out}");
            assert!(!out.contains('<') && !out.contains('>'), "{out}");
            let stripped = out
                .replace("&amp;", "")
                .replace("&lt;", "")
                .replace("&gt;", "");
            assert!(!stripped.contains('&'), "a cut entity in {out}");
        }
    }

    #[test]
    fn lengths_are_counted_as_slack_counts_them() {
        assert_eq!(slack_len("héllo"), 5);
        assert_eq!(slack_len("🦀"), 2);
        assert_eq!(capped("🦀🦀🦀", 4), "🦀…");
        assert_eq!(capped("short", 150), "short");
        assert_eq!(slack_len(&capped(&"y".repeat(500), 150)), 150);
    }

    #[test]
    fn one_line_joins_lines_and_drops_controls() {
        assert_eq!(one_line("  a\n\tb \u{7} c\r\n"), "a b c");
    }

    #[test]
    fn links_stay_inside_their_brackets() {
        assert_eq!(
            link_target("https://github.com/a/b/pull/1?x=1&y=2").as_deref(),
            Some("https://github.com/a/b/pull/1?x=1&amp;y=2")
        );
        assert_eq!(
            link_target("https://x.test/a|b> c<d").as_deref(),
            Some("https://x.test/a%7Cb%3E%20c%3Cd")
        );
        assert_eq!(link_target("javascript://alert(1)"), None);
        assert_eq!(link_target("not a link"), None);
        assert_eq!(
            link_target(&format!("https://x.test/{}", "a".repeat(3000))),
            None
        );
    }

    #[test]
    fn urls_leave_error_text() {
        assert_eq!(
            without_urls(
                "error sending request for url (https://hooks.slack.com/services/T/B/x?a=1): \
                 connection refused; retried http://127.0.0.1:9/hook"
            ),
            "error sending request for url (<url>): connection refused; retried <url>"
        );
        assert_eq!(without_urls("no address here"), "no address here");
    }
}
