//! Reviews that arrive later: a run stopped for review is answered with `fixloop review` from
//! any folder, hours later in real use — a revision reaches the agent, an approval pushes, and
//! an answer the checkpoint does not offer is refused with the ones it does.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{FIX_ADD, REPRODUCE_ADD, Run, Sandbox, phased, run_with_agent};

fn add_info(sandbox: &Sandbox, repo: &Path) {
    sandbox.info(
        repo,
        &json!({
            "prompt": "add(2, 3) returns -1 in CI.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add",
        }),
    );
}

/// `fixloop review ARGS…` run from the sandbox, not the repository.
fn review(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> Run {
    let output = sandbox
        .fixloop(sandbox.path())
        .arg("review")
        .args(args)
        .output()
        .unwrap();
    Run {
        output,
        workspace: repo.to_path_buf(),
    }
}

fn agent_calls(repo: &Path) -> String {
    let failures = repo.join("reproduce-deterministic-failures");
    std::fs::read_to_string(failures.join("agent-calls.log")).unwrap_or_default()
}

#[test]
fn a_later_review_revises_the_fix_then_approves_it_and_the_fix_is_pushed() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    add_info(&sandbox, &repo);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr", "--approve", "review"]);
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let out = r.stdout() + &r.stderr();
    assert!(out.contains("stopped for review"), "{out}");
    assert!(
        out.contains("fixloop review "),
        "the hint says how to answer: {out}"
    );
    let run_id = r.report()["run_id"].as_str().unwrap().to_owned();
    // The fix was verified and stopped there: nothing pushed yet.
    let remote = sandbox.git(&repo, &["ls-remote", "origin"]);
    assert!(!remote.contains("fix/add"), "{remote}");

    let revised = review(
        &sandbox,
        &repo,
        &[&run_id, "revise", "also say why in ROOT_CAUSE.md"],
    );
    assert_eq!(
        revised.code(),
        3,
        "{}\n{}",
        revised.stdout(),
        revised.stderr()
    );
    let calls = agent_calls(&repo);
    assert!(
        calls.contains("phase=fix attempt=2 feedback=also say why in ROOT_CAUSE.md"),
        "the reviewer's feedback reaches the agent: {calls}"
    );

    let approved = review(&sandbox, &repo, &[&run_id, "approve"]);
    assert_eq!(
        approved.code(),
        0,
        "{}\n{}",
        approved.stdout(),
        approved.stderr()
    );
    let remote = sandbox.git(&repo, &["ls-remote", "origin"]);
    assert!(remote.contains("refs/heads/fix/add"), "{remote}");
    let events = approved.events();
    let by_person: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"]["type"] == "checkpoint-resolved" && e["kind"]["by"] == "person")
        .collect();
    assert_eq!(
        by_person.len(),
        2,
        "the revision and the approval: {by_person:?}"
    );
    // Done: there is nothing left to review.
    let again = review(&sandbox, &repo, &[&run_id, "approve"]);
    assert_ne!(again.code(), 0);
    assert!(again.stderr().contains("finished"), "{}", again.stderr());
}

#[test]
fn an_answer_the_checkpoint_does_not_offer_is_refused_with_the_ones_it_does() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    add_info(&sandbox, &repo);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr", "--approve", "none"]);
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let run_id = r.report()["run_id"].as_str().unwrap().to_owned();
    // Stopped before the reproduce step: there is no result to revise.
    let refused = review(&sandbox, &repo, &[&run_id, "revise", "smaller"]);
    assert_eq!(refused.code(), 2, "{}", refused.stderr());
    let said = refused.stderr();
    assert!(said.contains("before reproduce"), "{said}");
    assert!(
        said.contains(&format!("fixloop review {run_id} approve")),
        "{said}"
    );
    let empty = review(&sandbox, &repo, &[&run_id, "revise", "  "]);
    assert_eq!(empty.code(), 2, "{}", empty.stderr());
    assert!(agent_calls(&repo).is_empty(), "no agent ran");
    // Aborted by the reviewer: the run ends, and says so.
    let aborted = review(&sandbox, &repo, &[&run_id, "abort", "wrong failure"]);
    assert_eq!(
        aborted.code(),
        1,
        "{}\n{}",
        aborted.stdout(),
        aborted.stderr()
    );
    assert!(
        aborted.report()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("wrong failure")
            || aborted.stdout().contains("wrong failure"),
        "{}",
        aborted.stdout()
    );
}
