//! fixloop's memory carried between workflow runs with no server: the file `memory.jsonl` in a
//! commit on the ref `refs/fixloop/memory` of the repository itself. The analyze job starts
//! from it; the publish job adds what the run learned and pushes it back. What the analyze job
//! left was written where the failing code ran, so only lines that are one JSON object each,
//! of a bounded size, are taken, and the whole is bounded (the oldest lines go first).

/// The ref the memory lives on: not a branch (no workflow runs for it, no one checks it out).
pub const MEMORY_REF: &str = "refs/fixloop/memory";
/// The file in its commit.
pub const MEMORY_FILE: &str = "memory.jsonl";
/// The longest line taken.
pub const LINE_LIMIT: usize = 64 * 1024;
/// The most the memory holds: past it, the oldest lines go.
pub const MEMORY_LIMIT: usize = 16 * 1024 * 1024;

/// The memory on the ref (`kept`) with the lines of `learned` it does not have yet added after
/// it, in their order; lines that are not one JSON object, or too long, left out; then the
/// oldest lines dropped until the whole fits `limit` bytes.
#[must_use]
pub fn merged(kept: &str, learned: &str, limit: usize) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in kept.lines().chain(learned.lines()) {
        if is_record_line(line) && seen.insert(line) {
            lines.push(line);
        }
    }
    let mut total: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut first = 0;
    while total > limit && first < lines.len() {
        total -= lines[first].len() + 1;
        first += 1;
    }
    let mut text = String::with_capacity(total);
    for line in &lines[first..] {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// A line the memory takes: one JSON object, no longer than [`LINE_LIMIT`].
fn is_record_line(line: &str) -> bool {
    line.len() <= LINE_LIMIT
        && line.starts_with('{')
        && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_lines_are_added_once_after_what_was_kept() {
        let kept = "{\"record\":1}\n{\"record\":2}\n";
        let learned = "{\"record\":2}\n{\"record\":3}\n";
        assert_eq!(
            merged(kept, learned, MEMORY_LIMIT),
            "{\"record\":1}\n{\"record\":2}\n{\"record\":3}\n"
        );
        assert_eq!(merged(kept, "", MEMORY_LIMIT), kept);
    }

    #[test]
    fn what_is_not_one_json_object_or_too_long_is_left_out() {
        let long = format!("{{\"record\":\"{}\"}}", "x".repeat(LINE_LIMIT));
        let learned =
            format!("{{\"record\":1}}\nnot json\n[1,2]\n{{\"cut\":\n{long}\n{{\"record\":4}}\n");
        assert_eq!(
            merged("", &learned, MEMORY_LIMIT),
            "{\"record\":1}\n{\"record\":4}\n"
        );
    }

    #[test]
    fn past_the_limit_the_oldest_lines_go() {
        let kept = "{\"record\":1}\n{\"record\":2}\n";
        let learned = "{\"record\":3}\n";
        // Each line is 13 bytes with its newline: room for two.
        assert_eq!(
            merged(kept, learned, 26),
            "{\"record\":2}\n{\"record\":3}\n"
        );
        assert_eq!(merged(kept, learned, 5), "");
    }
}
