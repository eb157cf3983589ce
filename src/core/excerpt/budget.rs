//! Fitting the excerpt into its byte budget. The chosen blocks share what the log's closing
//! lines leave (those get at most a quarter), each cut where its share runs out; the closing
//! lines fill the rest, newest kept first, without repeating a line a block already shows.

/// The least share a block gets, however many there are (together they may then run over the
/// budget; the excerpt is cut at the end).
const MIN_BLOCK: usize = 120;

/// The excerpt: `blocks` in order, then the tail of the log, within `budget` bytes.
pub(crate) fn fit(blocks: &[Vec<String>], tail: &[String], budget: usize) -> String {
    let tail_bytes: usize = tail
        .iter()
        .map(|l| l.len() + 1)
        .sum::<usize>()
        .min(budget / 4);
    let per_block = if blocks.is_empty() {
        0
    } else {
        (budget.saturating_sub(tail_bytes) / blocks.len()).max(MIN_BLOCK)
    };
    let mut excerpt = String::new();
    let kept = push_blocks(&mut excerpt, blocks, per_block);
    let room = budget.saturating_sub(excerpt.len());
    excerpt.push_str(&closing(tail, &kept, room));
    if excerpt.len() > budget {
        let mut end = budget;
        while !excerpt.is_char_boundary(end) {
            end -= 1;
        }
        excerpt.truncate(end);
    }
    excerpt
}

/// Writes each block up to `per_block` bytes (its first line always), each followed by an
/// ellipsis; returns the lines written.
fn push_blocks<'a>(
    excerpt: &mut String,
    blocks: &'a [Vec<String>],
    per_block: usize,
) -> Vec<&'a String> {
    let mut kept = Vec::new();
    for block in blocks {
        let mut used = 0;
        for line in block {
            if used + line.len() + 1 > per_block && used > 0 {
                excerpt.push_str("…\n");
                break;
            }
            used += line.len() + 1;
            excerpt.push_str(line);
            excerpt.push('\n');
            kept.push(line);
        }
        excerpt.push_str("…\n");
    }
    kept
}

/// The last lines of `tail` that fit in `room`, in log order, skipping those already `kept`.
fn closing(tail: &[String], kept: &[&String], room: usize) -> String {
    let mut closing = String::new();
    for line in tail.iter().rev() {
        if closing.len() + line.len() + 1 > room {
            break;
        }
        if kept.contains(&line) {
            continue;
        }
        closing.insert_str(0, &format!("{line}\n"));
    }
    closing
}
