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
pub const MEMORY_LIMIT: usize = 8 * 1024 * 1024;
/// The most lines one run adds (a run writes a handful: its own, sightings, measurements).
pub const LEARNED_LIMIT: usize = 200;

/// The memory on the ref (`kept`) with the lines of `learned` it does not have yet added after
/// it, in their order, at most [`LEARNED_LIMIT`] of them; lines that are not one of fixloop's
/// memory records, or too long, left out; then the oldest lines dropped until the whole fits
/// `limit` bytes.
#[must_use]
pub fn merged(kept: &str, learned: &str, limit: usize) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in kept.lines() {
        if is_record_line(line) && seen.insert(line) {
            lines.push(line);
        }
    }
    let mut added = 0;
    for line in learned.lines() {
        if added < LEARNED_LIMIT && is_record_line(line) && seen.insert(line) {
            lines.push(line);
            added += 1;
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

/// A line the memory takes: one of fixloop's memory records, no longer than [`LINE_LIMIT`].
fn is_record_line(line: &str) -> bool {
    line.len() <= LINE_LIMIT
        && line.starts_with('{')
        && serde_json::from_str::<crate::core::memory::Record>(line).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A memory record's line: a stress measurement of `test`.
    fn line(test: &str) -> String {
        format!(
            "{{\"record\":\"flaky\",\"repo\":\"r\",\"at\":\"2026-12-01T00:00:00Z\",\
             \"test\":\"{test}\",\"runs\":10,\"failures\":1}}\n"
        )
    }

    #[test]
    fn learned_lines_are_added_once_after_what_was_kept() {
        let kept = line("a") + &line("b");
        let learned = line("b") + &line("c");
        assert_eq!(
            merged(&kept, &learned, MEMORY_LIMIT),
            line("a") + &line("b") + &line("c")
        );
        assert_eq!(merged(&kept, "", MEMORY_LIMIT), kept);
    }

    #[test]
    fn what_is_not_a_memory_record_or_too_long_is_left_out() {
        let long = line(&"x".repeat(LINE_LIMIT));
        let learned = format!(
            "{}not json\n[1,2]\n{{\"record\":{{\"id\":1}}}}\n{{\"cut\":\n{long}{}",
            line("a"),
            line("d")
        );
        assert_eq!(merged("", &learned, MEMORY_LIMIT), line("a") + &line("d"));
    }

    #[test]
    fn one_run_adds_a_bounded_number_of_lines() {
        let learned: String = (0..LEARNED_LIMIT + 50)
            .map(|i| line(&format!("t{i}")))
            .collect();
        assert_eq!(
            merged("", &learned, MEMORY_LIMIT).lines().count(),
            LEARNED_LIMIT
        );
    }

    #[test]
    fn past_the_limit_the_oldest_lines_go() {
        let kept = line("a") + &line("b");
        let size = line("a").len();
        assert_eq!(merged(&kept, &line("c"), 2 * size), line("b") + &line("c"));
        assert_eq!(merged(&kept, &line("c"), 5), "");
    }
}
