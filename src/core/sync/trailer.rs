//! The trailers on a sync's merge commit, which tell the next sync what upstream tag (and
//! commit) the fork has merged, and the message that carries them.

use std::fmt::Write as _;

/// The trailer naming the upstream tag (or `branch@sha`) a merge brought in.
pub const TAG_TRAILER: &str = "Upstream-Tag";

/// The trailer naming the upstream commit a merge brought in.
pub const COMMIT_TRAILER: &str = "Upstream-Commit";

/// The lines that make a sync branch's tip fixloop's own (and so one a sync may push over): the
/// sync merge's trailer, and the trailer of a fixloop run's verified fix on it.
pub const OWN_LINES: [&str; 2] = ["Upstream-Commit:", "Fixloop-Run:"];

/// The upstream tag a commit message's trailer block names; `None` when it names none.
#[must_use]
pub fn upstream_tag(message: &str) -> Option<String> {
    trailer(message, TAG_TRAILER)
}

/// The upstream commit a commit message's trailer block names; `None` when it names none.
#[must_use]
pub fn upstream_commit(message: &str) -> Option<String> {
    trailer(message, COMMIT_TRAILER)
}

/// The value of `key` in the message's trailer block: its last paragraph, when that is not the
/// subject and every line in it is a `Key: value` trailer (or a value's indented continuation).
/// Keys are matched as git matches them, ignoring case; of two, the last counts. A line that
/// looks like a trailer in the middle of the body is prose, not a trailer.
fn trailer(message: &str, key: &str) -> Option<String> {
    let paragraphs = paragraphs(message);
    let [_subject, .., block] = paragraphs.as_slice() else {
        return None;
    };
    if !block
        .iter()
        .enumerate()
        .all(|(i, line)| is_trailer_line(line) || (i > 0 && line.starts_with(char::is_whitespace)))
    {
        return None;
    }
    block
        .iter()
        .filter_map(|line| line.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, value)| value.trim())
        .rfind(|value| !value.is_empty())
        .map(str::to_owned)
}

/// The message's paragraphs (runs of lines between blank lines), each as its lines.
fn paragraphs(message: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in message.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `Key: value`, the key being letters, digits and `-` as git's trailers write them.
fn is_trailer_line(line: &str) -> bool {
    line.split_once(':').is_some_and(|(key, _)| {
        !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !key.starts_with('-')
    })
}

/// The sync merge commit's message: the subject `Sync upstream <what>`, a paragraph saying what
/// was merged from where (with `summary` after it, when there is one), and the trailer block.
/// Line breaks in `what`, `upstream` and `commit` are taken out, so no value can end the
/// trailer block early.
#[must_use]
pub fn merge_message(what: &str, upstream: &str, commit: &str, summary: &str) -> String {
    let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (what, upstream, commit) = (one_line(what), one_line(upstream), one_line(commit));
    let mut message = format!("Sync upstream {what}\n\nMerges {what} ({commit}) of {upstream}.");
    let summary = summary.trim();
    if !summary.is_empty() {
        message.push_str("\n\n");
        message.push_str(summary);
    }
    let _ = write!(
        message,
        "\n\n{TAG_TRAILER}: {what}\n{COMMIT_TRAILER}: {commit}\n"
    );
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn a_merge_message_round_trips() {
        for (what, summary) in [
            ("v1.4.0", "3 conflicts resolved."),
            ("release-2.0", ""),
            (
                "main@89abcdef",
                "Upstream-Tag: v0.0.1 in a summary is prose\n\nSecond.",
            ),
        ] {
            let message = merge_message(what, "https://github.com/up/p.git", SHA, summary);
            assert_eq!(upstream_tag(&message).as_deref(), Some(what), "{message}");
            assert_eq!(upstream_commit(&message).as_deref(), Some(SHA));
        }
    }

    #[test]
    fn the_message_has_a_subject_a_body_and_the_trailer_block() {
        let message = merge_message("v1.4.0", "https://x/up.git", SHA, "Two files resolved.");
        let paragraphs: Vec<&str> = message.trim_end().split("\n\n").collect();
        assert_eq!(paragraphs[0], "Sync upstream v1.4.0");
        assert!(paragraphs[1].contains("https://x/up.git") && paragraphs[1].contains(SHA));
        assert_eq!(paragraphs[2], "Two files resolved.");
        assert_eq!(
            paragraphs[3],
            format!("Upstream-Tag: v1.4.0\nUpstream-Commit: {SHA}")
        );
    }

    #[test]
    fn line_breaks_in_values_cannot_forge_trailers() {
        let message = merge_message("v1\n\nUpstream-Tag: v9", "u", SHA, "");
        assert_eq!(
            upstream_tag(&message).as_deref(),
            Some("v1 Upstream-Tag: v9")
        );
    }

    #[test]
    fn only_the_last_paragraph_is_the_trailer_block() {
        let middle = "Sync\n\nUpstream-Tag: v1.0.0\n\nMore prose after it.\n";
        assert_eq!(upstream_tag(middle), None);
        let mixed = "Sync\n\nbody\n\nSee this.\nUpstream-Tag: v1.0.0\n";
        assert_eq!(
            upstream_tag(mixed),
            None,
            "a block with prose is not trailers"
        );
        let subject_only = "Upstream-Tag: v1.0.0\n";
        assert_eq!(
            upstream_tag(subject_only),
            None,
            "the subject is never a trailer"
        );
    }

    #[test]
    fn trailers_are_read_as_git_writes_them() {
        let other_trailers = format!(
            "Merge\n\nbody\n\nSigned-off-by: A <a@x>\nupstream-tag:  v2.1.0 \n\
             Co-authored-by: B\n  continued\nUpstream-Commit: {SHA}\n"
        );
        assert_eq!(upstream_tag(&other_trailers).as_deref(), Some("v2.1.0"));
        let crlf = "Sync\r\n\r\nUpstream-Tag: v3.0.0\r\n";
        assert_eq!(upstream_tag(crlf).as_deref(), Some("v3.0.0"));
        let twice = "Sync\n\nUpstream-Tag: v1\nUpstream-Tag: v2\n";
        assert_eq!(
            upstream_tag(twice).as_deref(),
            Some("v2"),
            "the last counts"
        );
        let empty = "Sync\n\nUpstream-Tag:\n";
        assert_eq!(upstream_tag(empty), None);
        assert_eq!(upstream_tag(""), None);
        assert_eq!(upstream_tag("Fix\n\nFixloop-Run: 1\n"), None);
    }

    #[test]
    fn own_lines_are_the_trailers_fixloop_writes() {
        assert_eq!(OWN_LINES[0], format!("{COMMIT_TRAILER}:"));
        assert_eq!(
            OWN_LINES[1],
            format!("{}:", crate::core::publish::RUN_TRAILER)
        );
    }
}
