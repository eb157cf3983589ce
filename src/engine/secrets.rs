//! The process's redactor: the known token shapes and labelled secrets, plus the values of every
//! environment variable whose name says it holds a secret (TOKEN, KEY, SECRET, PASSWORD).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::LazyLock;

use crate::core::cut;
use crate::core::redact::{LineRedactor, Redactor, is_secret_name};

static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| {
    Redactor::new(
        std::env::vars()
            .filter(|(name, _)| is_secret_name(name))
            .collect(),
    )
});

#[must_use]
pub fn redactor() -> &'static Redactor {
    &REDACTOR
}

/// `text` without secrets.
#[must_use]
pub fn redact(text: &str) -> Cow<'_, str> {
    REDACTOR.redact(text)
}

/// Rewrites a file without its secrets, line by line (so private key blocks are caught), with
/// bounded memory whatever the file's size or shape. A file with none is left as it is (same
/// file, same bytes, not written at all); otherwise it is written anew beside itself from the
/// first line that changes, and put in its place only once all of it is written. Lines without a
/// secret keep their bytes, even bytes that are not UTF-8.
pub fn redact_file(path: &Path) -> std::io::Result<()> {
    let temp = path.with_file_name(format!(
        ".{}.redacting-{}",
        path.file_name()
            .map_or_else(|| "log".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let mut rewrite = Rewrite {
        path,
        temp: &temp,
        lines: LineRedactor::default(),
        out: None,
        offset: 0,
    };
    let done = rewrite.all().and_then(|()| rewrite.finish());
    if done.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    done
}

/// A file's lines on their way through the redactor.
struct Rewrite<'a> {
    path: &'a Path,
    temp: &'a Path,
    lines: LineRedactor,
    /// The new file, begun at the first line that changes.
    out: Option<BufWriter<File>>,
    /// How many bytes of the file have been dealt with.
    offset: u64,
}

impl Rewrite<'_> {
    /// A line up to this long is redacted whole; a longer one in parts (see `core::cut`).
    const HOLD: usize = 1 << 20;

    /// Reads the file through a fixed buffer, holding at most one unfinished line (of up to a
    /// few times `HOLD`) besides.
    fn all(&mut self) -> std::io::Result<()> {
        let mut input = BufReader::with_capacity(Self::HOLD, File::open(self.path)?);
        let mut held: Vec<u8> = Vec::new();
        loop {
            let buf = input.fill_buf()?;
            let read = buf.len();
            if read == 0 {
                break;
            }
            let mut rest = buf;
            if !held.is_empty() {
                let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |e| e + 1);
                held.extend_from_slice(&rest[..end]);
                rest = &rest[end..];
                if held.ends_with(b"\n") {
                    self.take(&held)?;
                    held.clear();
                }
            }
            let whole = memchr::memrchr(b'\n', rest).map_or(0, |last| last + 1);
            if whole > 0 {
                self.take(&rest[..whole])?;
            }
            held.extend_from_slice(&rest[whole..]);
            while let Some(end) = cut::part_end(&REDACTOR, &held, Self::HOLD) {
                self.take(&held[..end])?;
                held.drain(..end);
            }
            input.consume(read);
        }
        if held.is_empty() {
            Ok(())
        } else {
            self.take(&held)
        }
    }

    /// Whole lines, or a part of a long one: passed on as they are unless a secret is there.
    fn take(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        if !self.lines.inside_key() && !REDACTOR.may_contain(&text) {
            return self.keep(bytes);
        }
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let text = String::from_utf8_lossy(body);
            let shown = self.lines.line(&REDACTOR, &text);
            if shown == text {
                self.keep(line)?;
                continue;
            }
            let shown = shown.into_owned();
            let out = self.begin()?;
            out.write_all(shown.as_bytes())?;
            out.write_all(&line[body.len()..])?;
            self.offset += line.len() as u64;
        }
        Ok(())
    }

    /// Bytes that stay as they are.
    fn keep(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(out) = &mut self.out {
            out.write_all(bytes)?;
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// The new file, with what came before the first change copied into it.
    fn begin(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        let out = match self.out.take() {
            Some(out) => out,
            None => {
                let mut new = BufWriter::new(File::create(self.temp)?);
                std::io::copy(&mut File::open(self.path)?.take(self.offset), &mut new)?;
                new
            }
        };
        Ok(self.out.insert(out))
    }

    /// The new file, if any, in the old one's place (with its permissions).
    fn finish(&mut self) -> std::io::Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        let file = out
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        file.set_permissions(std::fs::metadata(self.path)?.permissions())?;
        file.sync_all()?;
        std::fs::rename(self.temp, self.path)
    }
}
