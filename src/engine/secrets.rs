//! The process's redactor: the known token shapes and labelled secrets, plus the values of every
//! environment variable whose name says it holds a secret (TOKEN, KEY, SECRET, PASSWORD).

use std::borrow::Cow;
use std::path::Path;
use std::sync::LazyLock;

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

/// Rewrites a file without its secrets (line by line, so private key blocks are caught); a file
/// with none is left as it is. Common words are hints (`token`, `://`), so most logs are read
/// through, but few need writing again.
pub fn redact_file(path: &Path) -> std::io::Result<()> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    if !REDACTOR.may_contain(&text) && !text.contains("PRIVATE KEY") {
        return Ok(());
    }
    let mut lines = LineRedactor::default();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        let shown = lines.line(&REDACTOR, body);
        changed |= shown != body;
        out.push_str(&shown);
        out.push_str(end);
    }
    if changed || matches!(text, Cow::Owned(_)) {
        std::fs::write(path, out)?;
    }
    Ok(())
}
