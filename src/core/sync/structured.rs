//! What a resolved file must be before the sync goes on: free of git's conflict markers, and,
//! for the structured formats (JSON, TOML, YAML), still parsing.

use yaml_rust2::YamlLoader;

/// Whether `text`, the resolved contents of `path`, parses as its extension says: `.json`
/// (JSON; the JSON-with-comments files editors and TypeScript read — `tsconfig*.json`,
/// `jsconfig*.json`, `.vscode/*.json`, `devcontainer.json`, `.jsonc` — with their comments and
/// trailing commas allowed), `.toml`, `.yml`/`.yaml` (every document). Other files pass.
///
/// # Errors
/// What the parser says, with the line when it gives one.
pub fn check(path: &str, text: &str) -> Result<(), String> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "json" if is_jsonc(path, &name) => json(&relaxed(text)),
        "jsonc" => json(&relaxed(text)),
        "json" => json(text),
        "toml" => toml(text),
        "yml" | "yaml" => yaml(text),
        _ => Ok(()),
    }
}

fn is_jsonc(path: &str, name: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ["tsconfig", "jsconfig"].iter().any(|p| name.starts_with(p))
        || name == "devcontainer.json"
        || name == ".devcontainer.json"
        || lower.starts_with(".vscode/")
        || lower.contains("/.vscode/")
}

fn json(text: &str) -> Result<(), String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(_) => Ok(()),
        Err(e) => {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            Err(at_line("JSON", (e.line() > 0).then_some(e.line()), message))
        }
    }
}

fn toml(text: &str) -> Result<(), String> {
    match text.parse::<toml::Table>() {
        Ok(_) => Ok(()),
        Err(e) => {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            Err(at_line("TOML", line, e.message().trim()))
        }
    }
}

fn yaml(text: &str) -> Result<(), String> {
    match YamlLoader::load_from_str(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(at_line("YAML", Some(e.marker().line()), e.info())),
    }
}

fn at_line(format: &str, line: Option<usize>, message: &str) -> String {
    match line {
        Some(line) => format!("not valid {format} at line {line}: {message}"),
        None => format!("not valid {format}: {message}"),
    }
}

/// JSON with comments as JSON: `//` and `/* */` comments and trailing commas become spaces
/// (line breaks are kept, so lines still count the same).
fn relaxed(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                out.push(c);
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        out.push(chars[i]);
                        i += 1;
                    }
                    out.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    out.push('"');
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                out.push_str("  ");
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
                if i < chars.len() {
                    out.push_str("  ");
                    i += 2;
                }
            }
            ',' => {
                let next = chars[i + 1..]
                    .iter()
                    .zip(i + 1..)
                    .find(|(c, _)| !c.is_whitespace())
                    .map(|(c, _)| *c);
                out.push(if matches!(next, Some('}' | ']')) {
                    ' '
                } else {
                    ','
                });
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The 1-based lines of `text` that are git's conflict markers: `<<<<<<<` and `>>>>>>>` (alone
/// or followed by a space and a label) and diff3's `|||||||`, wherever they are; and
/// `=======`, only between a `<<<<<<<` and a `>>>>>>>` (elsewhere it is, say, a Markdown
/// heading's underline).
#[must_use]
pub fn conflict_markers(text: &str) -> Vec<usize> {
    let is = |line: &str, marker: &str| {
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    };
    let mut found = Vec::new();
    let mut open = false;
    let mut separators = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let number = i + 1;
        if is(line, "<<<<<<<") {
            found.push(number);
            open = true;
        } else if is(line, ">>>>>>>") {
            found.push(number);
            if open {
                found.append(&mut separators);
            }
            separators.clear();
            open = false;
        } else if is(line, "|||||||") {
            found.push(number);
        } else if open && line.trim_end() == "=======" {
            separators.push(number);
        }
    }
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_structured_files_pass() {
        assert_eq!(
            check("package.json", "{\"name\": \"x\", \"v\": [1, 2]}\n"),
            Ok(())
        );
        assert_eq!(check("Cargo.toml", "[package]\nname = \"x\"\n"), Ok(()));
        assert_eq!(check(".github/ci.yml", "on: push\njobs: {}\n"), Ok(()));
        assert_eq!(check("k8s/all.YAML", "a: 1\n---\nb: 2\n"), Ok(()));
        assert_eq!(check("empty.yaml", ""), Ok(()));
        assert_eq!(check("empty.toml", ""), Ok(()));
    }

    #[test]
    fn broken_files_say_the_line() {
        let e = check("package.json", "{\n  \"a\": 1,\n  \"b\": \n}\n").unwrap_err();
        assert!(e.starts_with("not valid JSON at line 4: "), "{e}");
        let e = check("Cargo.toml", "[a]\nx = 1\nx = 2\n").unwrap_err();
        assert!(e.starts_with("not valid TOML at line 3: "), "{e}");
        let e = check("ci.yml", "a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.starts_with("not valid YAML at line "), "{e}");
        let e = check("ci.yml", "a: 1\n---\nb: \"open\n").unwrap_err();
        assert!(e.contains("line 3"), "every document is read: {e}");
    }

    #[test]
    fn a_conflict_left_in_a_structured_file_does_not_parse() {
        let text = "{\n<<<<<<< HEAD\n  \"a\": 1\n=======\n  \"a\": 2\n>>>>>>> v1.4.0\n}\n";
        assert!(check("x.json", text).is_err());
        let text = "[a]\n<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> v1.4.0\n";
        assert!(check("x.toml", text).is_err());
    }

    #[test]
    fn json_with_comments_is_read_where_editors_write_it() {
        let text =
            "{\n  // strict mode\n  \"strict\": true, /* yes */\n  \"paths\": [\"a//b\",],\n}\n";
        assert_eq!(check("tsconfig.json", text), Ok(()));
        assert_eq!(check("packages/web/tsconfig.build.json", text), Ok(()));
        assert_eq!(check(".vscode/settings.json", text), Ok(()));
        assert_eq!(check("settings.jsonc", text), Ok(()));
        assert!(
            check("package.json", text).is_err(),
            "plain JSON takes no comments"
        );
        let broken = "{\n  // fine\n  \"a\": \n}\n";
        let e = check("tsconfig.json", broken).unwrap_err();
        assert!(e.contains("line 4"), "lines still count: {e}");
    }

    #[test]
    fn other_files_are_not_read() {
        assert_eq!(check("src/main.rs", "fn main( {"), Ok(()));
        assert_eq!(check("Makefile", "{{{"), Ok(()));
        assert_eq!(check("json", "{"), Ok(()), "a name, not an extension");
    }

    #[test]
    fn markers_of_a_two_way_and_a_diff3_conflict_are_found() {
        let two_way = "a\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> v1.4.0\nb\n";
        assert_eq!(conflict_markers(two_way), [2, 4, 6]);
        let diff3 = "<<<<<<< ours\nx\n||||||| base\ny\n=======\nz\n>>>>>>> theirs\n";
        assert_eq!(conflict_markers(diff3), [1, 3, 5, 7]);
        let bare = "<<<<<<<\nx\n=======\ny\n>>>>>>>\n";
        assert_eq!(conflict_markers(bare), [1, 3, 5]);
        let crlf = "<<<<<<< HEAD\r\nx\r\n=======\r\ny\r\n>>>>>>> b\r\n";
        assert_eq!(conflict_markers(crlf), [1, 3, 5]);
    }

    #[test]
    fn markers_standing_alone_still_count() {
        assert_eq!(conflict_markers("x\n>>>>>>> v1.4.0\n"), [2]);
        assert_eq!(conflict_markers("<<<<<<< HEAD\nx\n"), [1]);
        assert_eq!(conflict_markers("||||||| merged common ancestors\n"), [1]);
    }

    #[test]
    fn a_setext_heading_is_not_a_marker() {
        let markdown = "Title\n=======\n\nText.\n";
        assert!(conflict_markers(markdown).is_empty());
        let unclosed = "<<<<<<< HEAD\nTitle\n=======\n";
        assert_eq!(conflict_markers(unclosed), [1], "no `>>>>>>>` closes it");
        let after = "<<<<<<< HEAD\na\n>>>>>>> b\nTitle\n=======\n";
        assert_eq!(conflict_markers(after), [1, 3]);
    }

    #[test]
    fn lookalikes_are_not_markers() {
        for text in [
            "<<<<<<<< eight\n",
            "<<<<<<<HEAD\n",
            " <<<<<<< indented\n",
            "x <<<<<<< y\n",
            ">>>>>>>>\n",
            "|||||||||\n",
            "<< heredoc\n",
            "========\n",
        ] {
            assert!(conflict_markers(text).is_empty(), "{text:?}");
        }
    }
}
