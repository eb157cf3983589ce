//! A failure's default name, made from its prompt: a few telling words, safe as a folder name
//! and as the branch `fix/<name>`.

/// Words that say nothing about which failure it is: the grammar of a sentence, and what every
/// prompt given to fixloop is about (a test fails in CI and needs a fix).
const FILLER: &[&str] = &[
    "a", "about", "after", "an", "and", "are", "as", "at", "be", "because", "but", "by", "ci",
    "does", "doesn", "error", "errors", "fail", "failed", "failing", "fails", "failure",
    "failures", "fix", "fixed", "fixes", "for", "from", "has", "have", "in", "into", "is", "it",
    "its", "now", "of", "on", "or", "should", "since", "so", "test", "tests", "that", "the",
    "this", "to", "when", "while", "with",
];

/// File extensions, left out when they follow a dot (`test_parser.py`).
const EXTENSIONS: &[&str] = &[
    "c", "cc", "cpp", "cs", "css", "ex", "exs", "go", "h", "hpp", "html", "java", "js", "json",
    "jsx", "kt", "log", "md", "mjs", "php", "py", "rb", "rs", "scala", "sh", "swift", "toml", "ts",
    "tsx", "txt", "yaml", "yml",
];

const MAX_WORDS: usize = 4;
const MAX_LEN: usize = 30;

/// A short folder- and branch-safe name of the telling words of `text`: at most 4 words and 30
/// characters, cut at a word, in lower case and joined by `-`; filler words, file extensions and
/// repeated words are left out. A text of filler only keeps its first words; a text with no
/// word at all is `failure`.
#[must_use]
pub fn slugify(text: &str) -> String {
    let words = words(text);
    // A lone letter is mostly what an apostrophe left (`doesn't`).
    let lone_letter = |w: &str| w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic());
    let telling: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !FILLER.contains(w) && !lone_letter(w))
        .collect();
    let picked = if telling.is_empty() {
        words.iter().map(String::as_str).collect()
    } else {
        telling
    };
    let mut slug = String::new();
    let mut taken: Vec<&str> = Vec::new();
    for word in picked {
        if taken.contains(&word) {
            continue;
        }
        if taken.len() == MAX_WORDS || slug.len() + 1 + word.len() > MAX_LEN {
            // A first word longer than the limit is cut; any later one ends the name.
            if slug.is_empty() {
                slug = word.chars().take(MAX_LEN).collect();
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
        taken.push(word);
    }
    if slug.is_empty() {
        "failure".into()
    } else {
        slug
    }
}

/// The ASCII words of `text` in lower case, without the file extensions.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric()) {
        let after_dot = rest[..start].ends_with('.');
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tail.len());
        let word = tail[..end].to_ascii_lowercase();
        if !(after_dot && EXTENSIONS.contains(&word.as_str())) {
            words.push(word);
        }
        rest = &tail[end..];
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_gives_a_few_telling_words() {
        assert_eq!(
            slugify("tests/test_parser.py::test_empty fails in CI since the tokenizer change"),
            "parser-empty-tokenizer-change"
        );
        assert_eq!(
            slugify("Fix the TimeoutError in gather()!"),
            "timeouterror-gather"
        );
        assert_eq!(
            slugify("The word count is wrong when a newline separates words"),
            "word-count-wrong-newline"
        );
        // An extension goes only after a dot: `go` the word stays.
        assert_eq!(
            slugify("parser.go panics on a nil map"),
            "parser-panics-nil-map"
        );
        assert_eq!(
            slugify("go vet rejects the parser"),
            "go-vet-rejects-parser"
        );
    }

    #[test]
    fn names_stay_short_and_cut_at_a_word() {
        let long = slugify("supercalifragilisticexpialidocious parser regression");
        assert_eq!(long, "supercalifragilisticexpialidoc");
        let words = slugify("alpha beta gamma delta epsilon zeta");
        assert_eq!(words, "alpha-beta-gamma-delta");
        let chars = slugify("tokenizer_regression handshake_timeout keepalive");
        assert_eq!(chars, "tokenizer-regression-handshake");
        for text in [
            "a very long prompt that goes on and on and on forever",
            "tests/test_parser.py::test_empty fails in CI since the tokenizer change",
        ] {
            let slug = slugify(text);
            assert!(slug.len() <= MAX_LEN, "{slug}");
            assert!(slug.split('-').count() <= MAX_WORDS, "{slug}");
        }
    }

    #[test]
    fn filler_only_keeps_its_words_and_nothing_is_a_failure() {
        assert_eq!(slugify("fix it"), "fix-it");
        assert_eq!(slugify("!!!"), "failure");
        assert_eq!(slugify("   "), "failure");
    }
}
