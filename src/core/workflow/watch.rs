//! Which workflows fixloop watches when none is named: every other workflow of the repository,
//! by the name GitHub knows it by (its top-level `name:`, or its path when it has none).
//! fixloop's own workflows are left out (a fix for a fix is never made), and so are reusable
//! workflows, which never run by themselves. The files are read as text, not run through a
//! YAML library: only two top-level keys matter, and a name this reader cannot read for sure
//! is an error that says to name the workflow with `--watch` instead.

use super::render::{FILE, MARK};
use super::sync;
use super::values::{ValueError, WorkflowName};

/// Why the workflows to watch could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WatchError {
    /// The workflow file at fault, when one is.
    pub file: Option<String>,
    pub message: String,
}

/// The names to watch, from the workflow files (`path` relative to the repository, `text`),
/// in the order given, each once.
pub fn discover(files: &[(String, String)]) -> Result<Vec<WorkflowName>, WatchError> {
    let own: Vec<String> = [FILE, sync::FILE]
        .iter()
        .map(|f| f.rsplit_once('/').map_or(*f, |(_, name)| name))
        .flat_map(|name| [name.to_owned(), name.replace(".yml", ".yaml")])
        .collect();
    let mut names: Vec<WorkflowName> = Vec::new();
    for (path, text) in files {
        let file = path.rsplit('/').next().unwrap_or(path);
        if own.iter().any(|o| o == file) || fixloops(text) || only_called(text) {
            continue;
        }
        let name = match top_level_name(text) {
            Ok(Some(name)) => name,
            Ok(None) => path.clone(),
            Err(why) => {
                return Err(WatchError {
                    file: Some(path.clone()),
                    message: format!("{path}: cannot read the workflow's name: {why}"),
                });
            }
        };
        let name = WorkflowName::parse(&name).map_err(|ValueError(why)| WatchError {
            file: Some(path.clone()),
            message: format!("{path}: this workflow cannot be watched: {why}"),
        })?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(WatchError {
            file: None,
            message: "no workflow to watch: .github/workflows holds none but fixloop's own"
                .to_owned(),
        });
    }
    Ok(names)
}

/// A workflow fixloop wrote, or one that runs fixloop.
fn fixloops(text: &str) -> bool {
    text.contains(MARK)
        || text.contains("fixloop ci analyze")
        || text.contains("fixloop ci publish")
        || text.contains("fixloop sync publish")
}

/// The top-level `name:`, unquoted; `None` when there is none.
fn top_level_name(text: &str) -> Result<Option<String>, String> {
    for line in text.lines() {
        let Some(rest) = top_level_value(line, "name") else {
            continue;
        };
        return scalar(rest).map(Some);
    }
    Ok(None)
}

/// The value after `key:` on a line that holds that key at the top level (`key`, `"key"` or
/// `'key'`), as the rest of the line.
fn top_level_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    [key.to_owned(), format!("\"{key}\""), format!("'{key}'")]
        .iter()
        .find_map(|k| {
            line.strip_prefix(k.as_str())
                .and_then(|rest| rest.trim_start_matches([' ', '\t']).strip_prefix(':'))
        })
        .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// A one-line YAML scalar: plain (up to a ` #` comment), single- or double-quoted.
fn scalar(rest: &str) -> Result<String, String> {
    let value = rest.trim_matches([' ', '\t']);
    let trailing = |after: &str| {
        let after = after.trim_matches([' ', '\t']);
        if after.is_empty() || after.starts_with('#') {
            Ok(())
        } else {
            Err(format!(
                "`{}` follows the quoted name",
                after.escape_debug()
            ))
        }
    };
    if let Some(inner) = value.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\'' {
                let rest = chars.as_str();
                if let Some(more) = rest.strip_prefix('\'') {
                    out.push('\'');
                    chars = more.chars();
                    continue;
                }
                trailing(rest)?;
                return Ok(out);
            }
            out.push(c);
        }
        return Err("a single-quoted name goes on past its line".to_owned());
    }
    if let Some(inner) = value.strip_prefix('"') {
        return double_quoted(inner, trailing);
    }
    if value.is_empty() || value.starts_with(['|', '>', '&', '*', '!', '{', '[']) {
        return Err("the name is not a one-line text".to_owned());
    }
    let plain = match value.find(" #").or_else(|| value.find("\t#")) {
        Some(at) => &value[..at],
        None => value,
    };
    Ok(plain.trim_end().to_owned())
}

/// The inside of a double-quoted scalar (after its opening quote), escapes resolved.
fn double_quoted(
    inner: &str,
    trailing: impl Fn(&str) -> Result<(), String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                trailing(chars.as_str())?;
                return Ok(out);
            }
            '\\' => {
                let escaped = chars
                    .next()
                    .ok_or("a double-quoted name goes on past its line")?;
                let hex = |chars: &mut std::str::Chars<'_>, n: usize| {
                    let digits: String = chars.by_ref().take(n).collect();
                    u32::from_str_radix(&digits, 16)
                        .ok()
                        .filter(|_| digits.len() == n)
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("`\\{escaped}{digits}` is not an escape"))
                };
                out.push(match escaped {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    ' ' => ' ',
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' | '\t' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex(&mut chars, 2)?,
                    'u' => hex(&mut chars, 4)?,
                    'U' => hex(&mut chars, 8)?,
                    other => return Err(format!("`\\{other}` is not an escape")),
                });
            }
            c => out.push(c),
        }
    }
    Err("a double-quoted name goes on past its line".to_owned())
}

/// A workflow whose only trigger is `workflow_call`: reusable, never run by itself.
fn only_called(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|l| top_level_value(l, "on").is_some())
    else {
        return false;
    };
    let rest = top_level_value(lines[at], "on").unwrap_or_default();
    let inline = rest.split(" #").next().unwrap_or_default().trim();
    if !inline.is_empty() {
        let events: Vec<&str> = inline
            .trim_matches(['[', ']'])
            .split(',')
            .map(|e| e.trim().trim_matches(['"', '\'']))
            .filter(|e| !e.is_empty())
            .collect();
        return events == ["workflow_call"];
    }
    let mut events = Vec::new();
    let mut indent = None;
    for line in &lines[at + 1..] {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let depth = line.len() - content.len();
        if depth == 0 {
            break;
        }
        if *indent.get_or_insert(depth) != depth {
            continue;
        }
        let event = content
            .trim_start_matches("- ")
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\'']);
        events.push(event.to_owned());
    }
    events == ["workflow_call"]
}
