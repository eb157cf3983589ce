//! The pull request's and the issue's text, read for what a person must find in them.

use super::body::{Blocked, ISSUE_MARKER, PR_MARKER, SyncSummary, issue_body, issue_title};
use super::body::{pr_body, pr_title};
use super::conventions::Conventions;
use super::verdict::{CheckOutcome, FileOutcome, Resolution, Verdict, verdict};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn summary() -> SyncSummary {
    let files = vec![
        FileOutcome {
            path: "Cargo.lock".into(),
            resolution: Resolution::Regenerate,
            rationale: "rule: regenerate with `cargo generate-lockfile`".into(),
        },
        FileOutcome {
            path: "src/a|b.rs".into(),
            resolution: Resolution::Agent,
            rationale: "kept both: ours | theirs\nsee @alice's note on #12".into(),
        },
        FileOutcome {
            path: "src/clean.rs".into(),
            resolution: Resolution::Clean,
            rationale: String::new(),
        },
    ];
    let checks = vec![
        CheckOutcome {
            command: "cargo clippy -- -D warnings".into(),
            passed: true,
            seconds: 41.2,
        },
        CheckOutcome {
            command: "cargo test".into(),
            passed: false,
            seconds: 185.0,
        },
    ];
    let verdict = verdict(&files, &checks, &[], &Conventions::default());
    SyncSummary {
        fork: "octo-org/fork".into(),
        upstream: "https://github.com/upstream-org/project.git".into(),
        what: "v1.4.0".into(),
        previous: Some("v1.3.0".into()),
        base: "main".into(),
        branch: "fixloop/sync/v1.4.0".into(),
        release_notes: "## What's changed\n* Faster parser by @bob in #321\n\n<!-- hidden".into(),
        files,
        checks,
        fixes: vec!["`tests/parse.rs`: the new error type\nin two places".into()],
        phases: vec![("merge".into(), 12.0, 0.0), ("resolve".into(), 95.0, 0.4)],
        verdict,
        run_id: "20250101-120000-sync".into(),
    }
}

fn blocked() -> Blocked {
    Blocked {
        fork: "octo-org/fork".into(),
        upstream: "https://github.com/upstream-org/project.git".into(),
        what: "v1.4.0".into(),
        base: "main".into(),
        base_commit: "1111111111111111111111111111111111111111".into(),
        upstream_commit: SHA.into(),
        merge_base: "2222222222222222222222222222222222222222".into(),
        ahead: 12,
        behind: 40,
        files: vec![
            ("LICENSE".into(), "protected by the conventions file".into()),
            (
                "src/engine.rs".into(),
                "the agent's resolution did not compile".into(),
            ),
        ],
        not_run: vec!["cargo test".into()],
        run_id: "run-7".into(),
    }
}

#[test]
fn the_title_names_what_is_merged() {
    assert_eq!(pr_title(&summary()), "Sync upstream v1.4.0");
    assert_eq!(
        issue_title("v1.4.0"),
        "fixloop sync: upstream v1.4.0 needs a person"
    );
}

#[test]
fn the_body_starts_with_its_marker_and_names_the_refs() {
    let body = pr_body(&summary());
    assert!(body.starts_with(&format!("{PR_MARKER}\n")));
    assert!(body.contains("`v1.4.0`") && body.contains("`main`"));
    assert!(body.contains("`fixloop/sync/v1.4.0`"));
    assert!(body.contains("`20250101-120000-sync`"));
}

#[test]
fn a_github_upstream_gets_a_compare_link_and_another_the_two_refs() {
    let body = pr_body(&summary());
    assert!(
        body.contains("(https://github.com/upstream-org/project/compare/v1.3.0...v1.4.0)"),
        "{body}"
    );
    let mut local = summary();
    local.upstream = "/srv/git/project".into();
    let body = pr_body(&local);
    assert!(!body.contains("/compare/"));
    assert!(body.contains("from `v1.3.0` to `v1.4.0` of `/srv/git/project`"));
    let mut branch = summary();
    branch.what = "main@abcdef1".into();
    branch.previous = Some("main@1234567".into());
    let body = pr_body(&branch);
    assert!(body.contains("/compare/1234567...abcdef1)"), "{body}");
    let mut first = summary();
    first.previous = None;
    assert!(pr_body(&first).contains("No earlier sync was found"));
}

#[test]
fn the_verdict_is_said_with_its_reasons() {
    let body = pr_body(&summary());
    assert!(body.contains("**Needs review**"));
    assert!(body.contains("- `src/a|b.rs` was resolved by the agent"));
    assert!(body.contains("- `cargo test` failed."));
    let mut ready = summary();
    ready.verdict = Verdict {
        ready: true,
        reasons: vec![],
    };
    let body = pr_body(&ready);
    assert!(body.contains("**Ready to merge**") && !body.contains("Needs review"));
}

#[test]
fn release_notes_are_quoted_quiet_and_cannot_hide_the_rest() {
    let body = pr_body(&summary());
    assert!(body.contains("> ## What's changed\n"));
    assert!(!body.contains("@bob") && !body.contains("#321"), "{body}");
    assert!(body.contains("@\u{200D}bob") && body.contains("#\u{200D}321"));
    assert!(!body.contains("<!-- hidden"));
    assert!(body.contains("Merge it with a **merge commit**"));
    let mut long = summary();
    long.release_notes = (1..=100)
        .map(|i| format!("- change {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let body = pr_body(&long);
    assert!(body.contains("> - change 40\n") && !body.contains("change 41"));
    assert!(body.contains("Cut at 40 lines"));
    assert!(body.contains("(https://github.com/upstream-org/project/releases/tag/v1.4.0)"));
    let mut none = summary();
    none.release_notes = " \n".into();
    assert!(pr_body(&none).contains("Upstream wrote none for `v1.4.0`."));
}

#[test]
fn the_conflict_table_escapes_its_cells_and_leaves_clean_files_out() {
    let body = pr_body(&summary());
    assert!(body.contains("| file | resolved by | rationale |"));
    assert!(body.contains("| `Cargo.lock` | regenerated (rule) |"));
    let agent_row = body
        .lines()
        .find(|l| l.starts_with("| `src/a\\|b.rs`"))
        .expect("the agent's row");
    assert!(agent_row.contains("kept both: ours \\| theirs see @\u{200D}alice"));
    assert!(agent_row.contains("| agent |"));
    assert!(!body.contains("src/clean.rs"));
    let mut clean = summary();
    clean.files.retain(|f| f.resolution == Resolution::Clean);
    assert!(pr_body(&clean).contains("Merged cleanly: no file conflicted."));
}

#[test]
fn a_large_merge_keeps_the_body_under_githubs_limit() {
    let mut many = summary();
    many.files = (0..500)
        .map(|i| FileOutcome {
            path: format!("src/module_{i}/a_rather_long_file_name.rs"),
            resolution: Resolution::Agent,
            rationale: "x".repeat(2000),
        })
        .collect();
    many.verdict = verdict(&many.files, &[], &[], &Conventions::default());
    let body = pr_body(&many);
    assert!(body.chars().count() < 65_536, "{}", body.len());
    assert!(body.contains("… and 400 more files"));
    assert!(body.contains("- … and 470 more."));
}

#[test]
fn checks_fixes_and_phases_are_tabled() {
    let body = pr_body(&summary());
    assert!(body.contains("| `cargo clippy -- -D warnings` | passed | 41 s |"));
    assert!(body.contains("| `cargo test` | **failed** | 3 min 5 s |"));
    assert!(body.contains("- `tests/parse.rs`: the new error type in two places\n"));
    assert!(body.contains("| merge | 12 s | $0.00 |"));
    assert!(body.contains("| resolve | 1 min 35 s | $0.40 |"));
    assert!(body.contains("| **total** | 1 min 47 s | $0.40 |"));
    let mut bare = summary();
    bare.checks.clear();
    bare.fixes.clear();
    bare.phases.clear();
    let body = pr_body(&bare);
    assert!(body.contains("names no `lint` or `test` commands"));
    assert!(body.contains("None were needed."));
    assert!(!body.contains("### Phases"));
}

#[test]
fn the_issue_says_where_things_stand() {
    let body = issue_body(&blocked());
    assert!(body.starts_with(&format!("{ISSUE_MARKER}\n")));
    assert!(body.contains("by itself: 2 files left to a person."));
    assert!(body.contains(&format!("commit `{SHA}`")));
    assert!(body.contains("`main` at commit `1111111111111111111111111111111111111111`"));
    assert!(body.contains("| merge base | `2222222222222222222222222222222222222222` |"));
    assert!(body.contains("12 commits ahead of upstream and 40 behind"));
    assert!(body.contains("- `LICENSE`: protected by the conventions file"));
    assert!(body.contains("- `src/engine.rs`: the agent's resolution did not compile"));
    assert!(body.contains("### Not run\n\n- `cargo test`"));
    assert!(body.contains("`run-7`"));
}

#[test]
fn the_issue_says_what_to_do() {
    let body = issue_body(&blocked());
    assert!(body.contains(
        "git fetch --no-tags https://github.com/upstream-org/project.git refs/tags/v1.4.0"
    ));
    assert!(body.contains("git switch -c sync/v1.4.0 main"));
    assert!(body.contains(&format!("git merge --no-ff {SHA}")));
    assert!(body.contains(&format!(
        "--trailer 'Upstream-Tag: v1.4.0' --trailer 'Upstream-Commit: {SHA}'"
    )));
    assert!(body.contains("merge commit (not squash or rebase)"));
    assert!(body.contains("conventions file") && body.contains("`fixloop sync` again"));
    let mut branch = blocked();
    branch.what = "develop@0123456".into();
    branch.not_run.clear();
    let body = issue_body(&branch);
    assert!(body.contains("refs/heads/develop"), "{body}");
    assert!(!body.contains("### Not run"));
}

#[test]
fn issue_values_cannot_break_the_shell_or_the_table() {
    let mut odd = blocked();
    odd.upstream = "/srv/it's here|x".into();
    odd.files = vec![("a.rs".into(), "ping @carol\nabout #9".into())];
    let body = issue_body(&odd);
    assert!(body.contains(r"git fetch --no-tags '/srv/it'\''s here|x'"));
    assert!(body.contains("| upstream | `/srv/it's here\\|x` at"));
    assert!(body.contains("- `a.rs`: ping @\u{200D}carol about #\u{200D}9"));
    assert!(body.contains("1 file left to a person"));
}
