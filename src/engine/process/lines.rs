//! A child's output stream cut into lines with a bounded buffer: a line is held whole up to
//! `HOLD` bytes; a longer one (an endless line, say) goes on to the log in parts as it comes
//! (cut where no secret can be split, see `core::cut`), and only its head is kept for events,
//! so memory stays the same whatever the child prints.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::spec::Line;
use crate::core::cut;
use crate::core::publish::floor_char_boundary;
use crate::engine::secrets::redactor;

/// A line longer than this is cut in events and tails (the log file keeps it whole).
pub(super) const MAX_LINE: usize = 16 * 1024;
/// What a cut line ends with.
pub(super) const CUT_MARK: &str = " …[cut]";
/// A line up to this long is held whole (and redacted whole); a longer one is written to the log
/// in parts of about this size.
const HOLD: usize = 64 * 1024;
/// How far past `MAX_LINE` a long line's head reaches, so that a secret across the cut is still
/// whole when the head is redacted (token shapes are a few hundred bytes at most).
const HEAD_SLACK: usize = 1024;

/// What one output stream yields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    /// A whole line of at most `HOLD` bytes.
    Line(Line),
    /// The next part of a line too long to hold, for the log; the line goes on.
    Part(String),
    /// The end of a long line: its last bytes for the log, and its head (uncut, `HEAD_SLACK`
    /// past `MAX_LINE`) for the events.
    End { rest: String, head: Line },
}

/// Reads `stream` into pieces until it closes (or the receiver is gone), sending those of each
/// read together.
pub(super) async fn read_pieces(
    stream: impl AsyncRead + Unpin,
    stderr: bool,
    tx: mpsc::Sender<Vec<Piece>>,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut lines = Splitter::new(stderr);
    loop {
        let mut ready = Vec::new();
        let read = match reader.fill_buf().await {
            Ok([]) | Err(_) => break,
            Ok(bytes) => {
                lines.feed(bytes, &mut ready);
                bytes.len()
            }
        };
        reader.consume(read);
        if !ready.is_empty() && tx.send(ready).await.is_err() {
            return;
        }
        // Let the other stream's reader in: a stream that has plenty to read would otherwise
        // go on to its end first, and the two would be out of the order they were written in.
        tokio::task::yield_now().await;
    }
    if let Some(piece) = lines.finish() {
        let _ = tx.send(vec![piece]).await;
    }
}

/// The line being read: at most `HOLD` bytes of it (plus one read) are held at any time, or a
/// few times that while hints of secrets all along it leave no safe place to cut.
#[derive(Debug)]
pub(super) struct Splitter {
    stderr: bool,
    held: Vec<u8>,
    /// Set once the line outgrew `HOLD`: its beginning, for the events.
    head: Option<String>,
}

impl Splitter {
    pub(super) fn new(stderr: bool) -> Self {
        Self {
            stderr,
            held: Vec::new(),
            head: None,
        }
    }

    /// Takes `bytes` of the stream; completed lines and parts of long ones go to `out`.
    pub(super) fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<Piece>) {
        while let Some(end) = memchr::memchr(b'\n', bytes) {
            self.hold(&bytes[..end], out);
            out.push(self.end_line());
            bytes = &bytes[end + 1..];
        }
        self.hold(bytes, out);
    }

    /// The unfinished last line, when the stream closes.
    pub(super) fn finish(&mut self) -> Option<Piece> {
        (!self.held.is_empty() || self.head.is_some()).then(|| self.end_line())
    }

    fn hold(&mut self, bytes: &[u8], out: &mut Vec<Piece>) {
        self.held.extend_from_slice(bytes);
        if self.head.is_none() && self.held.len() > HOLD {
            let end = self.held.len().min(MAX_LINE + HEAD_SLACK);
            self.head = Some(String::from_utf8_lossy(&self.held[..end]).into_owned());
        }
        while let Some(end) = cut::part_end(redactor(), &self.held, HOLD) {
            let part = String::from_utf8_lossy(&self.held[..end]).into_owned();
            self.held.drain(..end);
            out.push(Piece::Part(part));
        }
    }

    fn end_line(&mut self) -> Piece {
        while matches!(self.held.last(), Some(b'\r')) {
            self.held.pop();
        }
        let text = String::from_utf8_lossy(&self.held).into_owned();
        self.held.clear();
        if self.held.capacity() > 2 * HOLD {
            self.held.shrink_to(HOLD);
        }
        match self.head.take() {
            None => Piece::Line(Line {
                stderr: self.stderr,
                text,
            }),
            Some(head) => Piece::End {
                rest: text,
                head: Line {
                    stderr: self.stderr,
                    text: head,
                },
            },
        }
    }
}

/// `text` cut to `MAX_LINE` bytes (at a character boundary) and marked as cut.
pub(super) fn mark_cut(mut text: String) -> String {
    text.truncate(floor_char_boundary(&text, MAX_LINE));
    text.push_str(CUT_MARK);
    text
}

/// A line for events and tails: cut and marked when longer than `MAX_LINE`.
pub(super) fn cut(line: Line) -> Line {
    if line.text.len() > MAX_LINE {
        Line {
            text: mark_cut(line.text),
            ..line
        }
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<Piece> {
        let mut lines = Splitter::new(false);
        let mut out = Vec::new();
        for chunk in chunks {
            lines.feed(chunk, &mut out);
        }
        out.extend(lines.finish());
        out
    }

    fn line(text: &str) -> Piece {
        Piece::Line(Line {
            stderr: false,
            text: text.into(),
        })
    }

    /// What the log gets from the pieces.
    fn logged(pieces: &[Piece]) -> String {
        let mut log = String::new();
        for piece in pieces {
            match piece {
                Piece::Line(l) => {
                    log.push_str(&l.text);
                    log.push('\n');
                }
                Piece::Part(part) => log.push_str(part),
                Piece::End { rest, .. } => {
                    log.push_str(rest);
                    log.push('\n');
                }
            }
        }
        log
    }

    #[test]
    fn lines_are_cut_at_newlines_whatever_the_chunks() {
        assert_eq!(
            split(&[b"one\r\ntw", b"o\n\nthr", b"ee"]),
            [line("one"), line("two"), line(""), line("three")]
        );
        assert_eq!(split(&[b"", b"a\n"]), [line("a")]);
        assert_eq!(split(&[]), []);
    }

    #[test]
    fn a_line_up_to_the_hold_stays_whole() {
        let long = "y".repeat(HOLD);
        assert_eq!(split(&[long.as_bytes(), b"\n"]), [line(&long)]);
    }

    #[test]
    fn an_endless_line_goes_to_the_log_in_bounded_parts_and_keeps_only_its_head() {
        let word = "lorem ipsum ";
        let text = word.repeat(100 * HOLD / word.len());
        let chunks: Vec<&[u8]> = text.as_bytes().chunks(7000).collect();
        let mut lines = Splitter::new(true);
        let mut pieces = Vec::new();
        for chunk in &chunks {
            lines.feed(chunk, &mut pieces);
            assert!(lines.held.len() <= HOLD, "{} bytes held", lines.held.len());
        }
        pieces.extend(lines.finish());
        assert!(pieces.len() > 50, "{} pieces", pieces.len());
        for piece in &pieces[..pieces.len() - 1] {
            let Piece::Part(part) = piece else {
                panic!("a part expected, got {piece:?}")
            };
            assert!(part.len() <= HOLD + 7000 && part.ends_with(' '));
        }
        let Some(Piece::End { head, .. }) = pieces.last() else {
            panic!("the line ends with its head")
        };
        assert!(head.stderr);
        assert_eq!(head.text, text[..MAX_LINE + HEAD_SLACK]);
        assert_eq!(logged(&pieces), format!("{text}\n"));
    }

    #[test]
    fn a_line_without_spaces_is_split_between_characters() {
        let text = "é".repeat(HOLD);
        let pieces = split(&[&text.as_bytes()[..=HOLD], &text.as_bytes()[HOLD + 1..]]);
        assert!(
            pieces
                .iter()
                .all(|p| !matches!(p, Piece::Part(t) if t.contains('\u{fffd}')))
        );
        assert_eq!(logged(&pieces), format!("{text}\n"));
    }

    #[test]
    fn a_cut_line_keeps_whole_characters_and_says_it_was_cut() {
        let text = format!("{}é{}", "a".repeat(MAX_LINE - 1), "b".repeat(10));
        let cut_text = mark_cut(text);
        assert_eq!(cut_text, format!("{}{CUT_MARK}", "a".repeat(MAX_LINE - 1)));
        assert_eq!(mark_cut("short".into()), format!("short{CUT_MARK}"));
        let short = Line {
            stderr: false,
            text: "short".into(),
        };
        assert_eq!(cut(short.clone()), short);
    }
}
