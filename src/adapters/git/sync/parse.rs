//! Reading git's output for the sync merger, and the small rules it applies to paths and
//! revisions given to git.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{CONTEXT_BYTES, CONTEXT_LINES, CUT_NOTE_ROOM, Result};
use crate::engine::ports::VcsError;
use crate::engine::ports::merge::ConflictKind;

pub(super) fn refused(args: &str, stderr: String) -> VcsError {
    VcsError {
        args: args.to_owned(),
        code: None,
        stderr,
    }
}

/// A revision or URL from the caller, refused when git would read it as an option.
pub(super) fn operand<'s>(what: &str, value: &'s str) -> Result<&'s str> {
    if value.starts_with('-') || value.is_empty() {
        Err(refused(what, format!("not a usable {what}: {value:?}")))
    } else {
        Ok(value)
    }
}

/// A path as a pathspec that means exactly that path (no glob, no magic).
pub(super) fn literal(path: &str) -> String {
    format!(":(literal){path}")
}

/// `text` escaped to match itself in an extended regular expression.
pub(super) fn escape_ere(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `text` holds a conflict-marker line (see `MARKER_PATTERNS`).
pub(super) fn has_markers(text: &str) -> bool {
    text.lines().any(|line| {
        ["<<<<<<< ", "||||||| ", ">>>>>>> "]
            .iter()
            .any(|marker| line.starts_with(marker))
    })
}

/// How a path is conflicted, from the index stages it has (bit 1 the base, 2 ours, 3 theirs).
pub(super) fn kind_of(stages: u8) -> ConflictKind {
    let has = |stage: u8| stages & (1 << stage) != 0;
    match (has(1), has(2), has(3)) {
        (true, true, true) => ConflictKind::Content,
        (true, false, true) => ConflictKind::DeletedByUs,
        (true, true, false) => ConflictKind::DeletedByThem,
        (false, true, true) => ConflictKind::AddedByBoth,
        _ => ConflictKind::Other,
    }
}

/// `ls-files -u -z` read into each unmerged path's stages (a bit per stage), by path.
pub(super) fn parse_unmerged(listing: &str) -> BTreeMap<String, u8> {
    let mut stages = BTreeMap::new();
    for record in listing.split('\0').filter(|r| !r.is_empty()) {
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let Some(stage) = meta
            .split(' ')
            .nth(2)
            .and_then(|s| s.parse::<u8>().ok())
            .filter(|s| (1..=3).contains(s))
        else {
            continue;
        };
        *stages.entry(path.to_owned()).or_insert(0) |= 1 << stage;
    }
    stages
}

/// `ls-remote` output read into each tag's commit: an annotated tag's peeled line (`^{}`) wins
/// over the tag object's own.
pub(super) fn parse_tags(listing: &str) -> Vec<(String, String)> {
    let mut tags: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for line in listing.lines() {
        let Some((sha, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        match name.strip_suffix("^{}") {
            Some(tag) => tags.entry(tag.to_owned()).or_default().1 = Some(sha.to_owned()),
            None => tags.entry(name.to_owned()).or_default().0 = Some(sha.to_owned()),
        }
    }
    tags.into_iter()
        .filter_map(|(tag, (direct, peeled))| Some((tag, peeled.or(direct)?)))
        .collect()
}

/// A tag object's message: what follows its headers, less a signature appended to it.
pub(super) fn tag_annotation(object: &str) -> String {
    let message = object.split_once("\n\n").map_or("", |(_, m)| m);
    let mut end = message.len();
    for signature in [
        "-----BEGIN PGP SIGNATURE-----",
        "-----BEGIN SSH SIGNATURE-----",
        "-----BEGIN SIGNED MESSAGE-----",
    ] {
        if let Some(at) = message.find(signature)
            && (at == 0 || message[..at].ends_with('\n'))
        {
            end = end.min(at);
        }
    }
    message[..end].trim_end().to_owned()
}

/// `text` cut to `CONTEXT_LINES` lines and `CONTEXT_BYTES` bytes, ending with a line that says
/// so when anything was left out.
pub(super) fn bounded(text: &str) -> String {
    let total = text.lines().count();
    let budget = CONTEXT_BYTES - CUT_NOTE_ROOM;
    let mut out = String::new();
    let mut shown = 0;
    let mut partial = false;
    for line in text.lines() {
        if shown == CONTEXT_LINES {
            break;
        }
        if out.len() + line.len() + 1 > budget {
            // The head of a line too long for what is left, so that one huge line says something.
            let mut room = budget.saturating_sub(out.len() + 1);
            while !line.is_char_boundary(room) {
                room -= 1;
            }
            if room > 0 {
                out.push_str(&line[..room]);
                out.push('\n');
                partial = true;
            }
            break;
        }
        out.push_str(line);
        out.push('\n');
        shown += 1;
    }
    if shown < total {
        let cut = if partial {
            " (the last one cut short)"
        } else {
            ""
        };
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            out,
            "[cut: {shown} of {total} lines shown{cut}; at most {CONTEXT_LINES} lines, {} KiB]",
            CONTEXT_BYTES / 1024
        );
    }
    out
}
