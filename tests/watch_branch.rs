//! A watched branch's failure with no pull request: what is not fixable is said in one issue for
//! the branch (updated, never a second), and the fixers' fix goes up as a draft PR into the
//! branch — never a push to the branch itself.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/watch.rs"]
mod world;

use serde_json::{Value, json};
use support::Sandbox;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use world::{REPO, cargo_fmt_available, ok, requests, run, rust_project, stand_in, watch_once};

/// A push run on `fmt` (no pull request), the branch's head, and the open issues.
async fn branch_stand_in(id: u64, head: &str, step: &str, log: &str, issues: Value) -> MockServer {
    let mut failed = run(id, head, "ada", "Add sub");
    // Another workflow for each run: the same workflow failing on one commit is one failure.
    failed["name"] = json!(format!("CI {id}"));
    failed["event"] = json!("push");
    failed["pull_requests"] = json!([]);
    let server = stand_in(&[failed], head, step, log).await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/pulls")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/branches/fmt")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"commit": {"sha": head}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/issues")))
        .respond_with(ResponseTemplate::new(200).set_body_json(issues))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{REPO}/issues")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"number": 40})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/repos/{REPO}/issues/40")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"number": 40})))
        .mount(&server)
        .await;
    server
}

fn config(sandbox: &Sandbox) {
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\nbranches = [\"fmt\"]\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn what_is_not_fixable_on_a_branch_is_said_in_one_issue() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    config(&sandbox);
    let log = "##[error]Input required and not supplied: token\n";
    let server = branch_stand_in(941, &head, "Deploy", log, json!([])).await;
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("not fixable"), "{text}");
    let opened = requests(&server, "POST", &format!("/repos/{REPO}/issues")).await;
    assert_eq!(opened.len(), 1, "{text}");
    assert_eq!(opened[0]["title"], "fixloop: CI fails on `fmt`");
    let body = opened[0]["body"].as_str().unwrap().to_owned();
    assert!(body.starts_with("<!-- fixloop:branch fmt -->"), "{body}");
    assert!(
        requests(&server, "POST", "/issues/5/comments")
            .await
            .is_empty()
    );

    // Another failure of another workflow: the same issue, updated.
    let issue = json!([{"number": 40, "body": body, "title": "fixloop: CI fails on `fmt`"}]);
    let again = branch_stand_in(942, &head, "Deploy", log, issue).await;
    world::forget_etags(&sandbox);
    let text = ok(&watch_once(&sandbox, &again));
    assert!(text.contains("run 942"), "{text}");
    assert!(
        requests(&again, "POST", &format!("/repos/{REPO}/issues"))
            .await
            .is_empty()
    );
    assert_eq!(
        requests(&again, "PATCH", "/issues/40").await.len(),
        1,
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_branchs_formatting_fix_goes_up_as_a_draft_pr_into_it() {
    if !cargo_fmt_available() {
        eprintln!("skipped: cargo fmt is not installed here");
        return;
    }
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    config(&sandbox);
    let log =
        "##[group]Run cargo fmt --all -- --check\n##[error]Process completed with exit code 1.\n";
    let server = branch_stand_in(943, &head, "Check formatting", log, json!([])).await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{REPO}/pulls")))
        .and(wiremock::matchers::body_partial_json(
            json!({"head": "fixloop/fixers/fmt-943", "base": "fmt", "draft": true}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"number": 44, "html_url": format!("https://github.com/{REPO}/pull/44")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let text = ok(&watch_once(&sandbox, &server));
    server.verify().await;
    let origin = sandbox.path().join("origin.git");
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fmt"]),
        head,
        "the branch is not pushed to"
    );
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fixloop/fixers/fmt-943~1"]),
        head,
        "{text}"
    );
    let issue = requests(&server, "POST", &format!("/repos/{REPO}/issues")).await;
    assert!(
        issue[0]["body"].as_str().unwrap().contains("pull/44"),
        "{issue:?}"
    );
}
