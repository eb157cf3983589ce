//! The sync merger's parsing of git's output.

use std::fmt::Write as _;

use super::*;
use crate::engine::ports::merge::ConflictKind;

#[test]
fn an_annotated_tag_is_its_peeled_commit_and_a_lightweight_one_its_own() {
    let listing = "aaa\trefs/tags/v1\nccc\trefs/tags/v1^{}\nbbb\trefs/tags/light\n\
                   ddd\trefs/heads/main\n";
    assert_eq!(
        parse_tags(listing),
        vec![
            ("light".to_owned(), "bbb".to_owned()),
            ("v1".to_owned(), "ccc".to_owned())
        ]
    );
}

#[test]
fn stages_name_the_conflict() {
    let listing = [
        "100644 a 1\tc.txt",
        "100644 b 2\tc.txt",
        "100644 c 3\tc.txt",
        "100644 a 1\tus.txt",
        "100644 c 3\tus.txt",
        "100644 a 1\tthem.txt",
        "100644 b 2\tthem.txt",
        "100644 b 2\tboth.txt",
        "100644 c 3\tboth.txt",
        "100644 c 3\tonly.txt",
        "",
    ]
    .join("\0");
    let kinds: Vec<(String, ConflictKind)> = parse_unmerged(&listing)
        .into_iter()
        .map(|(path, stages)| (path, kind_of(stages)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("both.txt".to_owned(), ConflictKind::AddedByBoth),
            ("c.txt".to_owned(), ConflictKind::Content),
            ("only.txt".to_owned(), ConflictKind::Other),
            ("them.txt".to_owned(), ConflictKind::DeletedByThem),
            ("us.txt".to_owned(), ConflictKind::DeletedByUs),
        ]
    );
}

#[test]
fn a_signature_is_not_part_of_the_annotation() {
    let object = "object 1\ntype commit\ntag v1\ntagger T <t@e> 1 +0000\n\nRelease\n\nBody\n\
                  -----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n";
    assert_eq!(tag_annotation(object), "Release\n\nBody");
    assert_eq!(tag_annotation("object 1\ntype commit\n"), "");
}

#[test]
fn long_text_is_cut_and_says_so() {
    let mut text = String::new();
    for i in 0..500 {
        let _ = writeln!(text, "line {i}");
    }
    let cut = bounded(&text);
    assert_eq!(cut.lines().count(), CONTEXT_LINES + 1);
    assert!(cut.ends_with("[cut: 200 of 500 lines shown; at most 200 lines, 16 KiB]\n"));
    let wide = "x".repeat(40_000);
    let cut = bounded(&wide);
    assert!(cut.len() <= CONTEXT_BYTES);
    assert!(cut.contains("(the last one cut short)"));
    assert_eq!(bounded("a\nb\n"), "a\nb\n");
}

#[test]
fn a_trailer_key_matches_only_itself() {
    assert_eq!(escape_ere("Upstream-Tag"), "Upstream-Tag");
    assert_eq!(escape_ere("a.b*"), r"a\.b\*");
}

#[test]
fn markers_are_line_starts_not_a_setext_heading() {
    assert!(has_markers("x\n<<<<<<< HEAD\n"));
    assert!(!has_markers("Title\n=======\n"));
    assert!(!has_markers("say <<<<<<< not at the start\n"));
}
