//! Words put into the generated workflow's bash scripts: a value is one argument, whatever it
//! holds (values reaching here have no line break or `${{`, `values` saw to that).

/// `text` as one bash word: bare when it is only characters bash gives no meaning to, else in
/// single quotes (inside which nothing is special; a quote is closed, escaped and reopened).
#[must_use]
pub fn quote(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:@+=,-".contains(&b));
    if bare {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `--flag=value` as one bash word (the `=` form, so a value starting with `-` is never read as
/// another flag).
#[must_use]
pub fn flag(name: &str, value: &str) -> String {
    quote(&format!("--{name}={value}"))
}
