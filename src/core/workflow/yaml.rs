//! A small YAML writer for the workflows fixloop generates: a tree of maps, sequences and
//! scalars written out in block style. Every string is written plain only when a YAML parser
//! reads it back as that same string; anything else is double-quoted with every character that
//! could end the scalar, start a comment or break a line escaped. No value can leave its place
//! in the tree, whatever it holds.

use std::fmt::Write as _;

/// One node of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A string, quoted when plain would read as something else.
    Str(String),
    /// A whole number (`timeout-minutes: 60`).
    Int(u64),
    /// `true` or `false`.
    Bool(bool),
    /// A script, written as a literal block (`|`) when it can be read back exactly as one.
    Block(String),
    /// An expression spread over lines, written as a folded block (`>-`): the lines are read
    /// back joined by single spaces.
    Folded(Vec<String>),
    Seq(Vec<Node>),
    Map(Map),
}

impl Node {
    pub fn str(text: impl Into<String>) -> Self {
        Self::Str(text.into())
    }

    /// A sequence of strings.
    pub fn strs<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        Self::Seq(items.into_iter().map(|s| Self::Str(s.into())).collect())
    }
}

impl From<Map> for Node {
    fn from(map: Map) -> Self {
        Self::Map(map)
    }
}

/// A mapping, its entries in the order they were added.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Map {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    node: Node,
    /// A comment at the end of the entry's first line.
    comment: Option<String>,
    /// Comment lines above the entry.
    above: Vec<String>,
    /// A blank line before the entry (and its comments).
    gap: bool,
}

impl Map {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key: node`.
    #[must_use]
    pub fn with(mut self, key: &str, node: impl Into<Node>) -> Self {
        self.push(key, node);
        self
    }

    /// Adds `key: node # comment`.
    #[must_use]
    pub fn with_comment(mut self, key: &str, node: impl Into<Node>, comment: &str) -> Self {
        self.push(key, node);
        self.comment(comment);
        self
    }

    pub fn push(&mut self, key: &str, node: impl Into<Node>) {
        self.entries.push(Entry {
            key: key.to_owned(),
            node: node.into(),
            comment: None,
            above: Vec::new(),
            gap: false,
        });
    }

    /// Adds every entry of `other`, after this map's own.
    pub fn extend(&mut self, other: Map) {
        self.entries.extend(other.entries);
    }

    /// A comment at the end of the last entry's first line.
    pub fn comment(&mut self, text: &str) {
        if let Some(last) = self.entries.last_mut() {
            last.comment = Some(text.to_owned());
        }
    }

    /// Comment lines above the last entry.
    pub fn above(&mut self, lines: &[&str]) {
        if let Some(last) = self.entries.last_mut() {
            last.above.extend(lines.iter().map(|l| (*l).to_owned()));
        }
    }

    /// A blank line before the last entry.
    pub fn gap(&mut self) {
        if let Some(last) = self.entries.last_mut() {
            last.gap = true;
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

impl From<u64> for Node {
    fn from(n: u64) -> Self {
        Self::Int(n)
    }
}

impl From<u32> for Node {
    fn from(n: u32) -> Self {
        Self::Int(u64::from(n))
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

/// The document: `header` comment lines, then the map.
#[must_use]
pub fn document(header: &[String], map: &Map) -> String {
    let mut out = String::new();
    for line in header {
        comment_line(&mut out, 0, line);
    }
    write_map(&mut out, 0, map);
    out
}

/// `# text` on a line of its own at `indent`.
fn comment_line(out: &mut String, indent: usize, text: &str) {
    pad(out, indent);
    let text = comment_text(text);
    if text.is_empty() {
        out.push_str("#\n");
    } else {
        let _ = writeln!(out, "# {text}");
    }
}

/// A comment's text on one line: line breaks and other control characters become spaces.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if printable(c)
                && !c.is_control()
                && !invisible(c)
                && !matches!(c, '\u{2028}' | '\u{2029}')
            {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_map(out: &mut String, indent: usize, map: &Map) {
    for entry in &map.entries {
        if entry.gap {
            out.push('\n');
        }
        for line in &entry.above {
            comment_line(out, indent, line);
        }
        pad(out, indent);
        out.push_str(&key(&entry.key));
        out.push(':');
        write_value(out, indent, &entry.node, entry.comment.as_deref());
    }
}

/// Writes a node that follows `key:` or `- ` on the current line, ending the line.
fn write_value(out: &mut String, indent: usize, node: &Node, comment: Option<&str>) {
    let trailer = |out: &mut String| {
        if let Some(text) = comment {
            let text = comment_text(text);
            if !text.is_empty() {
                let _ = write!(out, " # {text}");
            }
        }
        out.push('\n');
    };
    match node {
        Node::Map(map) if map.is_empty() => {
            out.push_str(" {}");
            trailer(out);
        }
        Node::Seq(items) if items.is_empty() => {
            out.push_str(" []");
            trailer(out);
        }
        Node::Map(map) => {
            trailer(out);
            write_map(out, indent + 2, map);
        }
        Node::Seq(items) => {
            trailer(out);
            for item in items {
                write_item(out, indent + 2, item);
            }
        }
        Node::Block(text) if block_safe(text) => {
            out.push_str(" |");
            trailer(out);
            for line in text.lines() {
                if !line.is_empty() {
                    pad(out, indent + 2);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Node::Folded(lines) if lines.iter().all(|l| folded_safe(l)) && !lines.is_empty() => {
            out.push_str(" >-");
            trailer(out);
            for line in lines {
                pad(out, indent + 2);
                out.push_str(line);
                out.push('\n');
            }
        }
        Node::Folded(lines) => {
            out.push(' ');
            out.push_str(&scalar(&lines.join(" ")));
            trailer(out);
        }
        Node::Block(text) | Node::Str(text) => {
            out.push(' ');
            out.push_str(&scalar(text));
            trailer(out);
        }
        Node::Int(n) => {
            let _ = write!(out, " {n}");
            trailer(out);
        }
        Node::Bool(b) => {
            let _ = write!(out, " {b}");
            trailer(out);
        }
    }
}

/// One `- item` of a sequence at `indent`.
fn write_item(out: &mut String, indent: usize, item: &Node) {
    pad(out, indent);
    out.push('-');
    match item {
        Node::Map(map)
            if map
                .entries
                .first()
                .is_some_and(|e| !e.gap && e.above.is_empty()) =>
        {
            // The first entry follows the dash; the others line up under it.
            let mut text = String::new();
            write_map(&mut text, indent + 2, map);
            out.push(' ');
            out.push_str(&text[indent + 2..]);
        }
        Node::Map(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, indent + 2, map);
        }
        other => write_value(out, indent, other, None),
    }
}

/// A key as written: plain when it is a simple word, as workflow keys are (`on` too: GitHub
/// reads its keys as strings), else quoted.
fn key(text: &str) -> String {
    let simple = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if simple {
        text.to_owned()
    } else {
        quoted(text)
    }
}

/// A string scalar: plain when a parser reads it back as this same string, else double-quoted.
#[must_use]
pub fn scalar(text: &str) -> String {
    if plain_safe(text) {
        text.to_owned()
    } else {
        quoted(text)
    }
}

/// Whether `text` can be written plain and be read back as exactly this string: only characters
/// from a conservative set, nothing that starts an indicator, a comment or a mapping, no
/// surrounding space, and nothing a parser would resolve to a boolean, null or number.
fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || " _-./@$(){}[]|&=!'<>,+*~".contains(c) || c == ':';
    (first.is_ascii_alphanumeric() || "$./_(".contains(first))
        && !text.ends_with(' ')
        && !text.ends_with(':')
        && text.chars().all(allowed)
        && !text.contains(": ")
        && !text.contains(" #")
        && !ambiguous(text)
}

/// Words and numbers a YAML 1.1 or 1.2 parser reads as something other than a string.
fn ambiguous(text: &str) -> bool {
    const WORDS: [&str; 14] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf", ".nan",
        "",
    ];
    let lower = text.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
        || lower.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
            && lower
                .chars()
                .all(|c| c.is_ascii_hexdigit() || "+-._:xo".contains(c) || c == 'e' || c == ' ')
}

/// `text` double-quoted: backslash, quote, every control character, line and paragraph
/// separators, and invisible format characters (which could make the file read differently
/// from how it runs) are escaped.
#[must_use]
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if u32::from(c) < 0x100 && !printable(c) => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c if !printable(c) || invisible(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A character YAML lets stand in a document as it is.
pub(crate) fn printable(c: char) -> bool {
    matches!(u32::from(c),
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
        && c != '\u{FEFF}'
}

/// Format characters that change how text looks without showing: bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark.
#[must_use]
pub fn invisible(c: char) -> bool {
    matches!(u32::from(c), 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFEFF | 0x00AD)
}

/// A script a literal block holds exactly: one final line break, no other carriage return or
/// control character, no line starting with a space or tab first (which would set the block's
/// indentation) and no trailing blanks on a line (which editors strip).
fn block_safe(text: &str) -> bool {
    text.ends_with('\n')
        && !text.ends_with("\n\n")
        && !text.starts_with([' ', '\t', '\n'])
        && text
            .chars()
            .all(|c| c == '\n' || (printable(c) && c != '\r' && !invisible(c)))
        && text
            .chars()
            .all(|c| c != '\u{85}' && c != '\u{2028}' && c != '\u{2029}')
        && text.lines().all(|l| l == l.trim_end())
}

/// A line of a folded block: read back as itself, joined to the next by one space.
fn folded_safe(line: &str) -> bool {
    !line.is_empty()
        && line == line.trim()
        && line
            .chars()
            .all(|c| printable(c) && c != '\t' && c != '\n' && c != '\r' && !invisible(c))
        && line
            .chars()
            .all(|c| c != '\u{85}' && c != '\u{2028}' && c != '\u{2029}')
        && !line.starts_with('#')
}
