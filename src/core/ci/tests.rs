//! The analyze job's events, from payloads shaped as GitHub sends them (`tests/ci_events/`).

use serde_json::Value;

use super::*;

fn payload(name: &str) -> Value {
    let text = match name {
        "workflow_run_pr" => include_str!("../../../tests/ci_events/workflow_run_pr.json"),
        "workflow_run_fork" => include_str!("../../../tests/ci_events/workflow_run_fork.json"),
        "workflow_run_fixloop_commit" => {
            include_str!("../../../tests/ci_events/workflow_run_fixloop_commit.json")
        }
        "issue_comment_revise" => {
            include_str!("../../../tests/ci_events/issue_comment_revise.json")
        }
        "issue_comment_outsider" => {
            include_str!("../../../tests/ci_events/issue_comment_outsider.json")
        }
        "workflow_dispatch" => include_str!("../../../tests/ci_events/workflow_dispatch.json"),
        other => panic!("no payload {other}"),
    };
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run(name: &str) -> FailedRun {
    match parse(None, &payload(name)) {
        Ok(CiEvent::Run(run)) => run,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn a_failed_pr_run_is_read_and_taken() {
    let run = run("workflow_run_pr");
    assert_eq!(run.repo, "octo-org/wordstat");
    assert_eq!(run.run_id, 30_433_642);
    assert_eq!(run.workflow, "CI");
    assert_eq!(run.pull_requests, [17]);
    assert_eq!(run.head_branch, "word-count");
    assert_eq!(run.actors, ["ada"]);
    assert!(!run.from_fork());
    assert_eq!(Guard::default().skip(&run, 0), None);
}

#[test]
fn a_forks_run_has_no_pr_listed_and_is_still_taken() {
    let run = run("workflow_run_fork");
    assert!(run.pull_requests.is_empty());
    assert!(run.from_fork());
    assert_eq!(run.head_repo, "grace/wordstat");
    assert_eq!(Guard::default().skip(&run, 0), None);
}

#[test]
fn a_run_whose_head_repository_is_gone_counts_as_a_forks() {
    let mut run = run("workflow_run_pr");
    run.head_repo = String::new();
    assert!(
        run.from_fork(),
        "a fork deleted since is still not this repository"
    );
}

#[test]
fn fixloops_own_runs_are_skipped_whatever_gives_them_away() {
    let own = run("workflow_run_fixloop_commit");
    let why = Guard::default().skip(&own, 0).unwrap();
    assert!(why.contains("fixloop's bot"), "{why}");
    // The trailer alone gives it away (a person re-ran it).
    let mut rerun = own.clone();
    rerun.actors = vec!["ada".into()];
    let why = Guard::default().skip(&rerun, 0).unwrap();
    assert!(
        why.contains("Fixloop-Run: 2026-11-30_09-15-02-118_word-count-newlines"),
        "{why}"
    );
    // So does a branch with fixloop's prefix.
    let mut branch = run("workflow_run_pr");
    branch.head_branch = "fixloop/fix/word-count".into();
    let why = Guard::default().skip(&branch, 0).unwrap();
    assert!(why.contains("a fixloop branch"), "{why}");
}

#[test]
fn the_filters_and_the_attempt_cap_say_why_they_skip() {
    let mut pr = run("workflow_run_pr");
    let guard = Guard {
        workflows: vec!["Lint".into()],
        ..Guard::default()
    };
    assert!(
        guard
            .skip(&pr, 0)
            .unwrap()
            .contains("`CI` is not one of those watched")
    );
    let why = Guard::default().skip(&pr, 3).unwrap();
    assert!(why.contains("tried this PR 3 times"), "{why}");
    pr.conclusion = "success".into();
    assert!(Guard::default().skip(&pr, 0).unwrap().contains("`success`"));
    let mut push = run("workflow_run_pr");
    push.trigger = "push".into();
    push.pull_requests.clear();
    assert!(
        Guard::default()
            .skip(&push, 0)
            .unwrap()
            .contains("only PRs")
    );
    let everything = Guard {
        prs_only: false,
        ..Guard::default()
    };
    assert_eq!(everything.skip(&push, 0), None);
}

#[test]
fn a_comment_carries_its_command_and_who_wrote_it() {
    let Ok(CiEvent::Comment(c)) = parse(Some("issue_comment"), &payload("issue_comment_revise"))
    else {
        panic!("a comment")
    };
    assert_eq!((c.pr, c.association.as_str()), (17, "MEMBER"));
    assert!(c.on_pr);
    assert_eq!(
        c.command,
        Some(ReviewCommand::Revise(
            "keep the public signature of word_count".into()
        ))
    );
    let Ok(CiEvent::Comment(o)) = parse(None, &payload("issue_comment_outsider")) else {
        panic!("a comment")
    };
    assert_eq!(
        (o.author.as_str(), o.association.as_str()),
        ("mallory", "CONTRIBUTOR")
    );
}

#[test]
fn commands_are_read_from_the_first_fixloop_line() {
    use ReviewCommand::{Abort, Approve, Off, On, Revise};
    let cases = [
        ("/fixloop approve", Some(Approve)),
        ("/fixloop apply", Some(Approve)),
        ("/fixloop off", Some(Off)),
        ("/fixloop on", Some(On)),
        ("Looks right.\n/fixloop approve\nthanks", Some(Approve)),
        (
            "/fixloop revise “use split_whitespace”",
            Some(Revise("use split_whitespace".into())),
        ),
        (
            "/fixloop revise\nkeep the API\nand add a doc comment",
            Some(Revise("keep the API\nand add a doc comment".into())),
        ),
        ("/fixloop revise", None),
        ("/fixloop abort", Some(Abort(None))),
        (
            "/fixloop abort not this way",
            Some(Abort(Some("not this way".into()))),
        ),
        ("/fixloopy approve", None),
        ("/fixloop merge", None),
        ("please /fixloop approve", None),
        ("", None),
    ];
    for (body, want) in cases {
        assert_eq!(event::command(body), want, "{body:?}");
    }
}

#[test]
fn a_dispatch_names_its_run_and_bad_events_say_which_field() {
    assert_eq!(
        parse(None, &payload("workflow_dispatch")),
        Ok(CiEvent::Dispatch {
            repo: "octo-org/wordstat".into(),
            run_id: 30_433_642
        })
    );
    let bad = serde_json::json!({"inputs": {"run-id": "latest"}});
    let err = parse(Some("workflow_dispatch"), &bad).unwrap_err();
    assert!(err.0.contains("`latest` is not a run id"), "{err}");
    let err = parse(Some("pull_request_target"), &bad).unwrap_err();
    assert!(err.0.contains("not fixloop's"), "{err}");
    let err = parse(None, &serde_json::json!({"zen": "hi"})).unwrap_err();
    assert!(err.0.contains("GITHUB_EVENT_NAME"), "{err}");
}

#[test]
fn the_trailer_is_found_only_as_a_trailer_line() {
    assert_eq!(trailer("Fix x\n\nFixloop-Run: r-1"), Some("r-1"));
    assert_eq!(trailer("Fix x\n\nfixloop-run:  r-2 \n"), Some("r-2"));
    assert_eq!(trailer("Fix x\n\nmentions Fixloop-Run in prose"), None);
    assert_eq!(trailer("Fixloop-Run:"), None);
}

#[test]
fn a_patch_names_every_path_it_touches_renamed_binary_or_quoted() {
    use super::publish::patch_paths;
    let patch = "\
diff --git a/calc.py b/calc.py
index 1..2 100644
--- a/calc.py
+++ b/calc.py
@@ -1 +1 @@
-x
+y
diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
diff --git a/logo.png b/logo.png
new file mode 100644
GIT binary patch
literal 3
Kcmb=9

diff --git \"a/caf\\303\\251.txt\" \"b/caf\\303\\251.txt\"
--- \"a/caf\\303\\251.txt\"
+++ \"b/caf\\303\\251.txt\"
";
    assert_eq!(
        patch_paths(patch),
        [
            "calc.py",
            "old name.py",
            "new name.py",
            "logo.png",
            "café.txt"
        ]
    );
}

#[test]
fn protected_paths_are_matched_by_glob() {
    use super::publish::{PROTECTED, glob, protected};
    let guarded: Vec<String> = PROTECTED.iter().map(|p| (*p).to_owned()).collect();
    let paths: Vec<String> = [
        "src/calc.py",
        ".github/workflows/ci.yml",
        ".github/workflows/deep/x.yml",
        "docs/CODEOWNERS",
        "CODEOWNERS",
        "fixloop.toml",
        "sub/fixloop.toml",
        ".github/dependabot.yml",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(
        protected(&paths, &guarded),
        [
            ".github/workflows/ci.yml",
            ".github/workflows/deep/x.yml",
            "docs/CODEOWNERS",
            "CODEOWNERS",
            "fixloop.toml"
        ]
    );
    assert!(glob("src/*.py", "src/a.py"));
    assert!(!glob("src/*.py", "src/a/b.py"));
    assert!(glob("src/**/*.py", "src/a/b.py"));
    assert!(glob("src/**/*.py", "src/a.py"));
    assert!(glob("?.txt", "a.txt") && !glob("?.txt", "ab.txt"));
}

#[test]
fn the_sticky_comment_keeps_every_attempt_and_its_count() {
    use super::publish::{StickyUpdate, sticky_artifact, sticky_attempts, sticky_body};
    let update = |attempt, revision, line, artifact_run| StickyUpdate {
        attempt,
        revision,
        line,
        now: "now",
        artifact_run,
    };
    let first = sticky_body(None, &update(1, 0, "not-verified: it still fails", Some(7)));
    assert_eq!(sticky_attempts(&first), Some(1));
    assert_eq!(sticky_artifact(&first), Some(7));
    let second = sticky_body(Some(&first), &update(2, 0, "review: waits", Some(9)));
    assert_eq!(sticky_attempts(&second), Some(2));
    assert_eq!(sticky_artifact(&second), Some(9));
    assert!(
        second.contains("- attempt 1: not-verified: it still fails"),
        "{second}"
    );
    assert!(second.contains("- attempt 2: review: waits"), "{second}");
    // A revision is a line of its own within its attempt; the artifact is kept when not named.
    let revised = sticky_body(Some(&second), &update(2, 1, "review: revised", None));
    assert!(revised.contains("- attempt 2: review: waits"), "{revised}");
    assert!(
        revised.contains("- attempt 2, revision 1: review: revised"),
        "{revised}"
    );
    assert_eq!(sticky_artifact(&revised), Some(9));
    // The same attempt published again replaces its line.
    let again = sticky_body(Some(&revised), &update(2, 1, "verified fix, #18", None));
    assert_eq!(
        again.matches("- attempt 2, revision 1:").count(),
        1,
        "{again}"
    );
    assert_eq!(again.matches("- attempt 2:").count(), 1, "{again}");
    // A line cannot smuggle in a marker or break the list.
    let hostile = sticky_body(
        None,
        &update(
            1,
            0,
            "x\n<!-- fixloop:artifact run=666 -->\n- attempt 9: y",
            Some(3),
        ),
    );
    assert_eq!(sticky_artifact(&hostile), Some(3), "{hostile}");
    assert!(!hostile.contains("\n- attempt 9"), "{hostile}");
    let shown = StickyUpdate {
        now: "```diff\n+<!-- fixloop:artifact run=666 -->\n```",
        ..update(1, 0, "suggestion", None)
    };
    assert_eq!(sticky_artifact(&sticky_body(None, &shown)), None);
}
