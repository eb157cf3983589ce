//! Text put into the sync's pull request and issue as GitHub renders it: code spans that hold
//! any name, table cells that stay one cell, and upstream's words quoted without pinging
//! anyone or linking the fork's own issues.

use std::fmt::Write as _;

/// What stops GitHub reading `@name`, `#123` or `GH-123` as a mention or a reference: a zero-width
/// joiner after the `@`, `#` or `GH`. Invisible when read; copied text carries it.
const JOINER: char = '\u{200D}';

/// `text` as a Markdown code span, whatever backticks it holds; line breaks become spaces.
pub(super) fn code(text: &str) -> String {
    let text = one_line(text);
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    if longest == 0 {
        return format!("`{text}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {text} {fence}")
}

/// `text` fit for a table cell: one line, pipes escaped, quiet (see [`quiet`]), at most `max`
/// characters (cut with `…`).
pub(super) fn cell(text: &str, max: usize) -> String {
    let text = one_line(text);
    let text = if text.chars().count() > max {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    };
    pipes(&quiet(&text))
}

/// `|` escaped, so that a cell (even a code span in it) stays one cell.
pub(super) fn pipes(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Line breaks (of any kind) as single spaces.
pub(super) fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Upstream's (or an agent's) words made quiet: `@name` mentions, `#123` and `GH-123`
/// references and links to github.com would ping people, link the fork's own issues or mark
/// upstream's with a back-reference. A joiner goes after the `@`, `#` or `GH` (an e-mail
/// address's `@` is left as it is), github.com links go through `redirect.github.com` (which
/// GitHub does not back-reference), and an HTML comment or a raw-text element (`<script>`,
/// `<style>`, `<pre>`, `<textarea>`), which could hide the rest of the body, is escaped.
pub(super) fn quiet(text: &str) -> String {
    let text = text.replace("https://github.com/", "https://redirect.github.com/");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let word_before = before.is_some_and(|b| b.is_alphanumeric() || b == '_');
        out.push(c);
        match c {
            '@' if !word_before && after.is_some_and(|a| a.is_ascii_alphanumeric()) => {
                out.push(JOINER);
            }
            '#' if after.is_some_and(|a| a.is_ascii_digit()) => out.push(JOINER),
            'H' | 'h'
                if matches!(before, Some('G' | 'g'))
                    && !chars[..i - 1]
                        .last()
                        .is_some_and(|b| b.is_alphanumeric() || *b == '_')
                    && after == Some('-')
                    && chars.get(i + 2).is_some_and(char::is_ascii_digit) =>
            {
                out.push(JOINER);
            }
            '<' if opens_hiding_html(&chars[i + 1..]) => {
                out.pop();
                out.push_str("&lt;");
            }
            _ => {}
        }
    }
    out
}

/// Whether what follows a `<` starts an HTML comment or a raw-text element.
fn opens_hiding_html(rest: &[char]) -> bool {
    let head: String = rest.iter().take(9).collect::<String>().to_ascii_lowercase();
    head.starts_with("!--")
        || ["script", "style", "pre", "textarea"].iter().any(|tag| {
            head.strip_prefix(tag)
                .is_some_and(|after| after.is_empty() || after.starts_with(['>', ' ', '\t', '/']))
        })
}

/// Upstream's release notes as a quiet blockquote of at most `max_lines` lines and
/// `max_chars` characters, and whether they were cut.
pub(super) fn quote_excerpt(notes: &str, max_lines: usize, max_chars: usize) -> (String, bool) {
    let lines: Vec<&str> = notes.trim().lines().collect();
    let mut out = String::new();
    let mut used = 0;
    let mut cut = false;
    for (n, line) in lines.iter().enumerate() {
        let line = line.trim_end();
        if n == max_lines || used + line.chars().count() > max_chars {
            cut = true;
            if n == 0 {
                let head: String = line.chars().take(max_chars).collect();
                let _ = writeln!(out, "> {}…", quiet(&head));
            }
            break;
        }
        used += line.chars().count() + 1;
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            let _ = writeln!(out, "> {}", quiet(line));
        }
    }
    (out, cut)
}

/// A duration as people read it: `0.4 s`, `12 s`, `3 min 5 s`, `1 h 2 min`; `–` when unknown.
pub(super) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–".into();
    }
    if seconds < 10.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round();
    if whole < 60.0 {
        return format!("{whole:.0} s");
    }
    let minutes = (whole / 60.0).floor();
    if minutes < 60.0 {
        return format!("{minutes:.0} min {:.0} s", whole - minutes * 60.0);
    }
    let hours = (minutes / 60.0).floor();
    format!("{hours:.0} h {:.0} min", minutes - hours * 60.0)
}

/// Dollars with cents; `–` when unknown.
pub(super) fn dollars(usd: f64) -> String {
    if usd.is_finite() && usd >= 0.0 {
        format!("${usd:.2}")
    } else {
        "–".into()
    }
}

/// `owner/name` of a github.com repository's git URL (https, ssh or scp-like).
pub(super) fn github_repo(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let rest = [
        "https://github.com/",
        "http://github.com/",
        "ssh://git@github.com/",
        "git@github.com:",
        "git://github.com/",
    ]
    .iter()
    .find_map(|prefix| url.strip_prefix(prefix))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, name) = rest.split_once('/')?;
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (part(owner) && part(name)).then(|| (owner.to_owned(), name.to_owned()))
}

/// A git ref as a URL path segment: characters outside the unreserved set (and `/`, which
/// GitHub's compare and tree pages take in refs) percent-encoded.
pub(super) fn url_ref(reference: &str) -> String {
    let mut out = String::new();
    for byte in reference.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/+".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks_and_line_breaks() {
        assert_eq!(code("v1.4.0"), "`v1.4.0`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code("a\nb"), "`a b`");
    }

    #[test]
    fn cells_stay_one_cell() {
        assert_eq!(cell("a | b\nc\r\nd", 100), "a \\| b c d");
        assert_eq!(cell("abcdefghij", 5), "abcd…");
        assert_eq!(pipes(&code("x|y")), "`x\\|y`");
    }

    #[test]
    fn mentions_and_references_are_made_quiet() {
        let q = quiet("thanks @alice and @org/team for #123, GH-45 and o/n#6");
        for loud in ["@alice", "@org", "#123", "GH-45", "#6"] {
            assert!(!q.contains(loud), "{loud} in {q}");
        }
        assert_eq!(
            q.replace(JOINER, ""),
            "thanks @alice and @org/team for #123, GH-45 and o/n#6"
        );
        assert_eq!(quiet("mail me@example.com"), "mail me@example.com");
        assert_eq!(quiet("## Heading, #fff, C#"), "## Heading, #fff, C#");
        assert_eq!(quiet("LIGH-1 sigh-"), "LIGH-1 sigh-");
    }

    #[test]
    fn github_links_go_through_redirect_and_hiding_html_is_escaped() {
        assert_eq!(
            quiet("in https://github.com/up/p/pull/7"),
            format!("in https://redirect.github.com/up/p/pull/7")
        );
        assert_eq!(quiet("<!-- hide"), "&lt;!-- hide");
        assert_eq!(quiet("<script>x"), "&lt;script>x");
        assert_eq!(quiet("<PRE class=a>"), "&lt;PRE class=a>");
        assert_eq!(quiet("<details><b>x</b> a<b"), "<details><b>x</b> a<b");
        assert_eq!(quiet("<presentation>"), "<presentation>");
    }

    #[test]
    fn excerpts_are_cut_by_lines_and_by_characters() {
        let notes = (1..=50)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let (text, cut) = quote_excerpt(&notes, 40, 4000);
        assert!(cut);
        assert_eq!(text.lines().count(), 40);
        assert!(text.lines().all(|l| l.starts_with("> ")));
        let (text, cut) = quote_excerpt(&notes, 40, 30);
        assert!(cut && text.chars().count() <= 40, "{text}");
        let (text, cut) = quote_excerpt("a\n\nb\n", 40, 4000);
        assert_eq!((text.as_str(), cut), ("> a\n>\n> b\n", false));
        let (text, cut) = quote_excerpt(&"x".repeat(5000), 40, 4000);
        assert!(cut && text.chars().count() < 4010);
    }

    #[test]
    fn durations_and_dollars_read_as_people_say_them() {
        assert_eq!(duration(0.42), "0.4 s");
        assert_eq!(duration(12.4), "12 s");
        assert_eq!(duration(185.0), "3 min 5 s");
        assert_eq!(duration(3720.0), "1 h 2 min");
        assert_eq!(duration(f64::NAN), "–");
        assert_eq!(dollars(0.126), "$0.13");
        assert_eq!(dollars(-1.0), "–");
    }

    #[test]
    fn github_urls_name_their_repository() {
        for url in [
            "https://github.com/up/project.git",
            "https://github.com/up/project",
            "https://github.com/up/project/",
            "git@github.com:up/project.git",
            "ssh://git@github.com/up/project.git",
        ] {
            assert_eq!(
                github_repo(url),
                Some(("up".into(), "project".into())),
                "{url}"
            );
        }
        for url in [
            "https://gitlab.com/up/p.git",
            "/srv/git/p",
            "https://github.com/up",
        ] {
            assert_eq!(github_repo(url), None, "{url}");
        }
    }

    #[test]
    fn refs_are_encoded_for_urls() {
        assert_eq!(url_ref("v1.4.0"), "v1.4.0");
        assert_eq!(url_ref("release/1.x"), "release/1.x");
        assert_eq!(url_ref("a#b (c)"), "a%23b%20%28c%29");
    }
}
