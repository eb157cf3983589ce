//! Where a line too long to hold whole is cut, so that its parts can be redacted one by one and
//! still hide every secret the whole line holds: far from every hint of a secret, after a blank
//! when there is one, always between two characters. Output of any size (a child's endless line,
//! a log file that is one line) is read this way with bounded memory.

use std::ops::Range;

use super::redact::Redactor;

/// How far a secret reaches from its hint at most, blanks included: a quoted value, a private
/// key block run onto one line. A cut this far from every hint splits no secret.
const REACH: usize = 4096;
/// A line with no safe cut (hints all along it) is held up to this many times the usual size;
/// past that it is cut where it must be, between two characters.
const STRETCH: usize = 4;

/// Where the next part ends of a line whose unfinished start is `held`, once `held` is longer
/// than `hold`: a cut in its second half (so parts are never small), or `None` to hold on.
#[must_use]
pub fn part_end(redactor: &Redactor, held: &[u8], hold: usize) -> Option<usize> {
    if held.len() <= hold {
        return None;
    }
    let half = held.len() / 2;
    let near = near_hints(redactor, held, half);
    after_blank(held, half, &near)
        .or_else(|| between_characters(held, half, &near))
        .or_else(|| {
            (held.len() > STRETCH * hold).then(|| boundary_at_or_before(held, held.len() - 1))
        })
}

/// The stretches of `held` within `REACH` of a hint, merged and in order, from a little before
/// `half` on (a cut goes after `half`).
fn near_hints(redactor: &Redactor, held: &[u8], half: usize) -> Vec<Range<usize>> {
    let from = half.saturating_sub(2 * REACH);
    let mut near: Vec<Range<usize>> = redactor
        .hints_in(&held[from..])
        .map(|hint| (from + hint.start).saturating_sub(REACH)..from + hint.end + REACH)
        .collect();
    near.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(near.len());
    for range in near {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

fn covering(near: &[Range<usize>], at: usize) -> Option<&Range<usize>> {
    near.iter().find(|r| r.contains(&at))
}

/// The last cut after a space or tab in `held[half..]` that no hint is near (a token never
/// holds a blank, and a blank is never inside a character).
fn after_blank(held: &[u8], half: usize, near: &[Range<usize>]) -> Option<usize> {
    let mut end = held.len();
    while end > half {
        let blank = half + memchr::memrchr2(b' ', b'\t', &held[half..end])?;
        let cut = blank + 1;
        match covering(near, cut) {
            None => return Some(cut),
            Some(range) => end = range.start.min(blank),
        }
    }
    None
}

/// The last cut between two characters in `held[half..]` (before its last byte, which may be
/// the start of a character not all read yet) that no hint is near.
fn between_characters(held: &[u8], half: usize, near: &[Range<usize>]) -> Option<usize> {
    let mut at = held.len() - 1;
    while at > half {
        if let Some(range) = covering(near, at) {
            at = range.start.checked_sub(1)?;
            continue;
        }
        let cut = boundary_at_or_before(held, at);
        if cut > half && covering(near, cut).is_none() {
            return Some(cut);
        }
        at = cut.checked_sub(1)?;
    }
    None
}

/// `at`, or the start of the character `at` is inside of (UTF-8 characters are at most four
/// bytes; bytes that are no UTF-8 at all are cut where they are).
pub(crate) fn boundary_at_or_before(held: &[u8], at: usize) -> usize {
    let mut cut = at;
    while cut > at.saturating_sub(3) && held[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    if held[cut] & 0xC0 == 0x80 { at } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOLD: usize = 64 * 1024;

    fn cut(held: &[u8]) -> Option<usize> {
        part_end(&Redactor::default(), held, HOLD)
    }

    #[test]
    fn a_line_up_to_the_hold_is_not_cut() {
        assert_eq!(cut(&vec![b'a'; HOLD]), None);
        assert_eq!(cut(b""), None);
    }

    #[test]
    fn a_long_line_is_cut_after_its_last_blank_far_from_any_hint() {
        let held = "lorem ipsum ".repeat(HOLD / 6);
        assert_eq!(cut(held.as_bytes()), Some(held.len()));
        let held = format!("{} x", "lorem ipsum ".repeat(HOLD / 6));
        assert_eq!(cut(held.as_bytes()), Some(held.len() - 1));
    }

    #[test]
    fn no_cut_falls_near_a_secret_that_holds_blanks() {
        // A labelled value with blanks in it, near the end: the last blanks are too close.
        let filler = "word ".repeat(HOLD / 4);
        let held = format!("{filler}\"password\": \"correct horse battery staple\" and more");
        let at = cut(held.as_bytes()).expect("a cut");
        let secret = held.find("\"password\"").expect("the label");
        assert!(at + REACH <= secret, "cut at {at}, the secret at {secret}");
        assert_eq!(held.as_bytes()[at - 1], b' ');
        // Either side redacted alone hides the secret.
        let r = Redactor::default();
        let (head, tail) = held.split_at(at);
        let both = format!("{}{}", r.redact(head), r.redact(tail));
        assert_eq!(both, r.redact(&held));
        assert!(!both.contains("horse"));
    }

    #[test]
    fn a_line_without_blanks_is_cut_between_characters() {
        let held = "é".repeat(HOLD);
        let at = cut(held.as_bytes()).expect("a cut");
        assert!(held.is_char_boundary(at) && at > held.len() / 2, "{at}");
        let mut held = vec![b'x'; HOLD + 10];
        held.extend_from_slice(&"€".as_bytes()[..2]);
        let at = cut(&held).expect("a cut");
        assert!(at <= HOLD + 10, "{at} is inside the unfinished character");
    }

    #[test]
    fn hints_all_along_a_line_hold_it_up_to_the_stretch_then_it_is_cut() {
        let dense = "token=abcdefgh12345678 ".repeat(HOLD / 10);
        assert!(dense.len() > HOLD && dense.len() < STRETCH * HOLD);
        assert_eq!(cut(dense.as_bytes()), None);
        let dense = "token=abcdefgh12345678 ".repeat(STRETCH * HOLD / 20);
        let at = cut(dense.as_bytes()).expect("a cut past the stretch");
        assert!(dense.is_char_boundary(at) && at > dense.len() / 2);
    }
}
