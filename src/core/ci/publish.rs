//! What the publish job decides before it writes anything: the paths a patch touches, which of
//! them are protected, and the one comment fixloop keeps on the failing pull request.

use std::fmt::Write as _;

/// Paths a fix may not touch unless the configuration says so: what runs CI, who owns code,
/// and fixloop's own configuration.
pub const PROTECTED: [&str; 6] = [
    ".github/workflows/**",
    ".github/actions/**",
    "**/CODEOWNERS",
    ".fixloop/**",
    "fixloop.toml",
    "**/AI_PROMPT.md",
];

/// The hidden first line of fixloop's comment, with the attempt count after it.
pub const STICKY_MARKER: &str = "<!-- fixloop:sticky attempts=";
const ATTEMPTS_BEGIN: &str = "<!-- fixloop:attempts -->";
const ATTEMPTS_END: &str = "<!-- /fixloop:attempts -->";

/// Every path a `git diff` patch names, old and new (renames, copies, binary files).
#[must_use]
pub fn patch_paths(patch: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for line in patch.lines() {
        let named = if let Some(rest) = line.strip_prefix("diff --git ") {
            if rest.starts_with('"') {
                quoted_first(rest)
            } else {
                same_path(rest)
            }
        } else if let Some(p) = line
            .strip_prefix("--- ")
            .or_else(|| line.strip_prefix("+++ "))
        {
            if p.starts_with('"') {
                Some(p.to_owned())
            } else {
                p.strip_prefix("a/")
                    .or_else(|| p.strip_prefix("b/"))
                    .map(str::to_owned)
            }
        } else {
            ["rename from ", "rename to ", "copy from ", "copy to "]
                .iter()
                .find_map(|k| line.strip_prefix(k))
                .map(str::to_owned)
        };
        if let Some(path) = named.map(|p| unquote(&p)).filter(|p| !p.is_empty())
            && !paths.contains(&path)
        {
            paths.push(path);
        }
    }
    paths
}

/// `a/X b/X` → `X` (a file not renamed: both halves name it).
fn same_path(rest: &str) -> Option<String> {
    let len = rest.len().checked_sub(5)? / 2;
    let (a, b) = (rest.get(2..2 + len)?, rest.get(5 + len..)?);
    (rest.starts_with("a/") && rest.get(2 + len..5 + len) == Some(" b/") && a == b)
        .then(|| a.to_owned())
}

/// The first of two quoted names (`"a/X" "b/X"`), quotes kept for [`unquote`].
fn quoted_first(rest: &str) -> Option<String> {
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(rest[..=i].to_owned()),
            _ => escaped = false,
        }
    }
    None
}

/// A path git quoted (`"a/sp ace\303\251"`): the quotes and the `a/`/`b/` off, octal bytes back.
fn unquote(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_owned();
    };
    let inner = inner
        .strip_prefix("a/")
        .or_else(|| inner.strip_prefix("b/"))
        .unwrap_or(inner);
    let mut bytes = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some(d @ '0'..='7') => {
                let mut value = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    if let Some(next) = chars.peek().and_then(|c| c.to_digit(8)) {
                        value = value * 8 + next;
                        chars.next();
                    }
                }
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
            }
            Some('n') => bytes.push(b'\n'),
            Some('t') => bytes.push(b'\t'),
            Some(other) => {
                let mut buf = [0; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The paths among `paths` that a pattern in `protected` matches.
#[must_use]
pub fn protected<'a>(paths: &'a [String], protected: &[String]) -> Vec<&'a str> {
    paths
        .iter()
        .filter(|p| protected.iter().any(|g| glob(g, p)))
        .map(String::as_str)
        .collect()
}

/// `*` is any run of characters but `/`, `**` any run at all (`**/` also none), `?` one
/// character but `/`.
#[must_use]
pub fn glob(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), path.chars().collect());
    // matches[i][j]: p[i..] matches s[j..].
    let mut matches = vec![vec![false; s.len() + 1]; p.len() + 1];
    matches[p.len()][s.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=s.len()).rev() {
            matches[i][j] = match p[i] {
                '*' if p.get(i + 1) == Some(&'*') => {
                    let after = if p.get(i + 2) == Some(&'/') {
                        i + 3
                    } else {
                        i + 2
                    };
                    matches[after.min(p.len())][j] || (j < s.len() && matches[i][j + 1])
                }
                '*' if i > 0 && p[i - 1] == '*' => matches[i + 1][j],
                '*' => matches[i + 1][j] || (j < s.len() && s[j] != '/' && matches[i][j + 1]),
                '?' => j < s.len() && s[j] != '/' && matches[i + 1][j + 1],
                c => j < s.len() && s[j] == c && matches[i + 1][j + 1],
            };
        }
    }
    matches[0][0]
}

/// The attempt count in fixloop's comment, after its marker.
#[must_use]
pub fn sticky_attempts(body: &str) -> Option<u32> {
    let head = header(body);
    let rest = &head[head.find(STICKY_MARKER)? + STICKY_MARKER.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What one publish says in fixloop's comment.
#[derive(Debug, Clone, Copy)]
pub struct StickyUpdate<'a> {
    /// The attempt on this PR (the count the loop guard reads).
    pub attempt: u32,
    /// The reviewer's revisions within the attempt (0 before any).
    pub revision: u32,
    /// This attempt's line in the list.
    pub line: &'a str,
    /// What it came to now (Markdown), shown first.
    pub now: &'a str,
    /// The workflow run whose artifact holds the run's output folder (a later `/fixloop`
    /// comment goes on from it); `None` keeps the one the comment names.
    pub artifact_run: Option<u64>,
}

/// The hidden line naming the workflow run whose artifact holds the run.
const ARTIFACT_MARKER: &str = "<!-- fixloop:artifact run=";

/// fixloop's one comment on a PR: what it came to now, then one line per attempt and
/// revision, the earlier ones kept from the `previous` comment.
#[must_use]
pub fn sticky_body(previous: Option<&str>, update: &StickyUpdate<'_>) -> String {
    let mut lines: Vec<String> = previous
        .and_then(|p| {
            let start = p.find(ATTEMPTS_BEGIN)? + ATTEMPTS_BEGIN.len();
            let end = start + p[start..].find(ATTEMPTS_END)?;
            Some(p[start..end].lines().map(str::to_owned).collect())
        })
        .unwrap_or_default();
    let key = if update.revision == 0 {
        format!("- attempt {}", update.attempt)
    } else {
        format!("- attempt {}, revision {}", update.attempt, update.revision)
    };
    lines.retain(|l| l.starts_with("- attempt ") && !l.starts_with(&format!("{key}:")));
    lines.push(format!("{key}: {}", one_line(update.line)));
    let artifact = update
        .artifact_run
        .or_else(|| previous.and_then(sticky_artifact));
    let mut body = format!("{STICKY_MARKER}{} -->\n", update.attempt);
    if let Some(run) = artifact {
        let _ = writeln!(body, "{ARTIFACT_MARKER}{run} -->");
    }
    let _ = write!(
        body,
        "### fixloop\n\n{}\n\n**Attempts**\n{ATTEMPTS_BEGIN}\n{}\n{ATTEMPTS_END}\n",
        update.now,
        lines.join("\n")
    );
    body
}

/// The workflow run fixloop's comment names as holding the run's output folder.
#[must_use]
pub fn sticky_artifact(body: &str) -> Option<u64> {
    let head = header(body);
    let rest = &head[head.find(ARTIFACT_MARKER)? + ARTIFACT_MARKER.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The hidden lines fixloop writes before the comment's text: markers are read only there, so
/// nothing shown below (a patch, a message) can pass for one.
fn header(body: &str) -> &str {
    body.find("### fixloop").map_or(body, |end| &body[..end])
}

/// A line of the list: no newline or hidden marker can come in through it.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("<!--", "<! --")
}
