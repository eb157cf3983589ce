//! `fixloop ci analyze` on recorded event payloads (`tests/ci_events/`), a real repository with
//! a local bare remote, and a GitHub stand-in on 127.0.0.1: a PR's failed run is taken to a
//! verified fix that is not pushed; fixloop's own runs, outsiders' comments and PRs at their
//! attempt cap are skipped at once; a fork's PR is found by its head commit.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/ci.rs"]
mod steps;
mod support;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use steps::{TOKEN, analyze, analyze_pr_failure, mount_comments, mount_run_id, payload, publish};
use support::Sandbox;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn a_prs_failed_run_is_taken_to_a_verified_patch_that_is_not_pushed() {
    let sandbox = Sandbox::new();
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let server = MockServer::start().await;
    let a = analyze_pr_failure(&sandbox, &repo, &server, &head).await;
    assert_eq!(a.code, 0, "{}\n{}", a.stdout, a.stderr);
    let outcome = a.outcome();
    assert_eq!(outcome["outcome"], "verified", "{outcome}");
    assert_eq!(outcome["pull_requests"], json!([17]));
    assert_eq!(outcome["fork"], false);
    // The patch is the verified one: its hash, and it applies to the failing commit.
    let patch = std::fs::read(a.out.join("fix.patch")).unwrap();
    // Checked by the tool a reviewer would use.
    let sum = std::process::Command::new("sha256sum")
        .arg(a.out.join("fix.patch"))
        .output()
        .unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert_eq!(
        outcome["patch_sha256"],
        sum.split_whitespace().next().unwrap()
    );
    let clone = sandbox.path().join("clone");
    sandbox.git(
        sandbox.path(),
        &[
            "clone",
            "--quiet",
            &sandbox.path().join("origin.git").display().to_string(),
            "clone",
        ],
    );
    sandbox.git(
        &clone,
        &[
            "apply",
            "--check",
            &a.out.join("fix.patch").display().to_string(),
        ],
    );
    let patch = String::from_utf8_lossy(&patch);
    assert!(patch.contains("+    return a + b"), "{patch}");
    assert!(
        !patch.contains("repro_add"),
        "the reproduction stays out: {patch}"
    );
    // Nothing was pushed: the publish job does that.
    let remote = sandbox.git(&repo, &["ls-remote", "origin"]);
    assert!(!remote.contains("refs/heads/fix/"), "{remote}");
    assert!(
        std::fs::read_to_string(a.out.join("pr-body.md"))
            .unwrap()
            .contains("### Verification")
    );
    let summary = std::fs::read_to_string(sandbox.path().join("step-summary.md")).unwrap();
    assert!(summary.contains("A verified fix is ready"), "{summary}");
    assert!(!summary.contains(TOKEN));
    for entry in support::walk(&a.out) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        assert!(!text.contains(TOKEN), "{}", entry.display());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fixloops_own_runs_and_outsiders_comments_are_skipped_at_once() {
    let sandbox = Sandbox::new();
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let server = MockServer::start().await;
    // fixloop's branch alone, and its trailer alone (a person pushed on top of a fix), each
    // stop it; so does its bot with both.
    let mut on_branch = payload("workflow_run_pr", &head);
    on_branch["workflow_run"]["head_branch"] = json!("fixloop/fix/word-count");
    let mut trailer = payload("workflow_run_pr", &head);
    trailer["workflow_run"]["head_commit"]["message"] =
        json!("Tidy up\n\nFixloop-Run: 2026-11-30_09-15-02-118_word-count");
    for (event, why) in [
        (
            payload("workflow_run_fixloop_commit", &head),
            "fixloop does not fix its own fixes",
        ),
        (on_branch, "a fixloop branch (`fixloop/…`)"),
        (trailer, "Fixloop-Run"),
        (
            payload("issue_comment_outsider", &head),
            "`mallory` may not answer fixloop",
        ),
    ] {
        let a = analyze(&sandbox, &repo, &server, &event, &[]).await;
        assert_eq!(a.code, 0, "{event}: {}\n{}", a.stdout, a.stderr);
        assert_eq!(a.stdout.lines().count(), 1, "one line: {}", a.stdout);
        assert!(a.stdout.contains(why), "{event}: {}", a.stdout);
        assert_eq!(a.outcome()["outcome"], "skipped");
        assert!(a.took < Duration::from_secs(5), "{event}: {:?}", a.took);
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "a skip asks GitHub nothing"
    );
    assert!(!repo.join("reproduce-deterministic-failures").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_at_its_attempt_cap_is_skipped_and_a_forks_pr_is_found_by_its_head() {
    let sandbox = Sandbox::new();
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let server = MockServer::start().await;
    // A person quoting the marker does not count; fixloop's bot comment does.
    mount_comments(
        &server,
        json!([
            {"body": "<!-- fixloop:sticky attempts=9 --> ha", "user": {"login": "mallory", "type": "User"}},
            {"body": "<!-- fixloop:sticky attempts=3 -->\nfixloop tried 3 times", "user": {"login": "fixloop[bot]", "type": "Bot"}}
        ]),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .and(query_param("state", "open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"number": 16, "head": {"sha": "0000000000000000000000000000000000000000"}},
            {"number": 17, "head": {"sha": head}}
        ])))
        .mount(&server)
        .await;
    let capped = analyze(
        &sandbox,
        &repo,
        &server,
        &payload("workflow_run_pr", &head),
        &[],
    )
    .await;
    assert_eq!(capped.code, 0, "{}\n{}", capped.stdout, capped.stderr);
    assert!(
        capped.stdout.contains("tried this PR 3 times"),
        "{}",
        capped.stdout
    );
    let fork = analyze(
        &sandbox,
        &repo,
        &server,
        &payload("workflow_run_fork", &head),
        &[],
    )
    .await;
    assert_eq!(fork.code, 0, "{}\n{}", fork.stdout, fork.stderr);
    assert_eq!(fork.outcome()["outcome"], "skipped", "{}", fork.stdout);
    assert!(
        fork.stdout.contains("tried this PR 3 times"),
        "the fork's PR #17 was found by its head commit: {}",
        fork.stdout
    );
    let raised = analyze(
        &sandbox,
        &repo,
        &server,
        &payload("workflow_run_pr", &head),
        &["--attempt-cap", "5", "--workflow", "Lint"],
    )
    .await;
    assert!(
        raised.stdout.contains("`CI` is not one of those watched"),
        "{}",
        raised.stdout
    );
}

/// A verified analyze of the PR's failed run, and a fresh clone for the publish job.
async fn analyzed(sandbox: &Sandbox, server: &MockServer) -> (PathBuf, PathBuf, Value) {
    let repo = steps::pr_project(sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let a = analyze_pr_failure(sandbox, &repo, server, &head).await;
    assert_eq!(
        a.outcome()["outcome"],
        "verified",
        "{}\n{}",
        a.stdout,
        a.stderr
    );
    let origin = sandbox.path().join("origin.git").display().to_string();
    sandbox.git(
        sandbox.path(),
        &["clone", "--quiet", &origin, "publish-checkout"],
    );
    (
        sandbox.path().join("publish-checkout"),
        a.out.clone(),
        a.outcome(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_pushes_the_verified_fix_opens_one_draft_pr_and_keeps_one_comment() {
    let sandbox = Sandbox::new();
    let server = MockServer::start().await;
    let (checkout, out, outcome) = analyzed(&sandbox, &server).await;
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .and(body_partial_json(
            json!({"head": "fixloop/fix/ci-30433642", "base": "word-count", "draft": true}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"number": 18, "html_url": "https://github.com/octo-org/wordstat/pull/18"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_comments(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 555})))
        .expect(1)
        .mount(&server)
        .await;
    let p = publish(&sandbox, &checkout, &server, &out).await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    server.verify().await;
    let origin = sandbox.path().join("origin.git");
    let pushed = sandbox.git(&origin, &["rev-parse", "fixloop/fix/ci-30433642"]);
    let tree = sandbox.git(&origin, &["rev-parse", &format!("{pushed}^{{tree}}")]);
    assert_eq!(
        outcome["fix_tree"],
        tree.as_str(),
        "what is pushed is what was verified"
    );
    let requests = server.received_requests().await.unwrap();
    let comment = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/issues/17/comments"))
        .unwrap();
    let sticky: Value = serde_json::from_slice(&comment.body).unwrap();
    let sticky = sticky["body"].as_str().unwrap().to_owned();
    assert!(
        sticky.starts_with("<!-- fixloop:sticky attempts=1 -->"),
        "{sticky}"
    );
    assert!(sticky.contains("pull/18"), "{sticky}");
    let summary = std::fs::read_to_string(sandbox.path().join("publish-summary.md")).unwrap();
    assert!(
        summary.contains("CI will not run on the fix branch"),
        "{summary}"
    );

    // Published again (a re-run of the job): the same branch, the PR and the comment updated.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"number": 18, "html_url": "https://github.com/octo-org/wordstat/pull/18",
             "head": {"ref": "fixloop/fix/ci-30433642", "label": "octo-org:fixloop/fix/ci-30433642"}}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/octo-org/wordstat/pulls/18"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    mount_comments(
        &server,
        json!([{"id": 555, "body": sticky, "user": {"login": "github-actions[bot]", "type": "Bot"}}]),
    )
    .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/octo-org/wordstat/issues/comments/555"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let again = publish(&sandbox, &checkout, &server, &out).await;
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    server.verify().await;
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fixloop/fix/ci-30433642"]),
        pushed,
        "nothing new pushed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_refuses_a_patch_that_is_not_the_verified_one_or_touches_workflows() {
    let sandbox = Sandbox::new();
    let server = MockServer::start().await;
    let (checkout, out, _) = analyzed(&sandbox, &server).await;
    server.reset().await;
    mount_comments(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 9})))
        .mount(&server)
        .await;
    let patch = out.join("fix.patch");
    let verified = std::fs::read_to_string(&patch).unwrap();
    // Changed after the verification: refused, nothing pushed.
    std::fs::write(&patch, verified.replace("a + b", "a + b + 0")).unwrap();
    let tampered = publish(&sandbox, &checkout, &server, &out).await;
    assert_eq!(
        tampered.code, 65,
        "{}\n{}",
        tampered.stdout, tampered.stderr
    );
    assert!(
        tampered.stderr.contains("not the patch fixloop verified"),
        "{}",
        tampered.stderr
    );
    // A verified fix that changes a workflow: refused by publish, said on the PR.
    let workflow = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n\
                    new file mode 100644\n--- /dev/null\n+++ b/.github/workflows/ci.yml\n\
                    @@ -0,0 +1 @@\n+on: push\n";
    let touched = format!("{verified}{workflow}");
    std::fs::write(&patch, &touched).unwrap();
    let mut outcome: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("outcome.json")).unwrap()).unwrap();
    let sum = std::process::Command::new("sha256sum")
        .arg(&patch)
        .output()
        .unwrap();
    outcome["patch_sha256"] = json!(
        String::from_utf8_lossy(&sum.stdout)
            .split_whitespace()
            .next()
            .unwrap()
    );
    std::fs::write(out.join("outcome.json"), outcome.to_string()).unwrap();
    let refused = publish(&sandbox, &checkout, &server, &out).await;
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("protected paths (.github/workflows/ci.yml)"),
        "{}",
        refused.stderr
    );
    let origin = sandbox.path().join("origin.git");
    let branches = sandbox.git(&origin, &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().any(|r| r.method.as_str() == "POST"
        && String::from_utf8_lossy(&r.body).contains("protected paths")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forks_pr_gets_the_verified_patch_as_a_suggestion_and_nothing_is_pushed() {
    let sandbox = Sandbox::new();
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let server = MockServer::start().await;
    mount_run_id(
        &server,
        30_433_700,
        &head,
        std::fs::read_to_string(repo.join("ci.log")).unwrap(),
    )
    .await;
    mount_comments(&server, json!([])).await;
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .and(query_param("state", "open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"number": 17, "head": {"sha": head}}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 7})))
        .expect(1)
        .mount(&server)
        .await;
    let a = analyze(
        &sandbox,
        &repo,
        &server,
        &payload("workflow_run_fork", &head),
        &[],
    )
    .await;
    let outcome = a.outcome();
    assert_eq!(outcome["outcome"], "verified", "{}\n{}", a.stdout, a.stderr);
    assert_eq!(
        (outcome["fork"].clone(), outcome["pull_requests"].clone()),
        (json!(true), json!([17]))
    );
    let p = publish(&sandbox, &repo, &server, &a.out).await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    server.verify().await;
    let requests = server.received_requests().await.unwrap();
    let comment = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/issues/17/comments"))
        .unwrap();
    let body: Value = serde_json::from_slice(&comment.body).unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(
        body.contains("```diff\n") && body.contains("+    return a + b"),
        "{body}"
    );
    assert!(
        !requests
            .iter()
            .any(|r| r.url.path().ends_with("/pulls") && r.method.as_str() == "POST")
    );
    let branches = sandbox.git(&sandbox.path().join("origin.git"), &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
}

/// The output folder is written where the pull request's code ran, so it cannot say on its own
/// whose code it is: an outcome claiming a same-repository PR, published for an event about a
/// fork's run, is posted as a suggestion and nothing is pushed.
#[tokio::test(flavor = "multi_thread")]
async fn publish_reads_a_forks_event_itself_whatever_the_outcome_says() {
    let sandbox = Sandbox::new();
    let server = MockServer::start().await;
    let (checkout, out, outcome) = analyzed(&sandbox, &server).await;
    assert_eq!(outcome["fork"], false);
    server.reset().await;
    mount_comments(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 7})))
        .expect(1)
        .mount(&server)
        .await;
    let event = sandbox.path().join("fork-event.json");
    std::fs::write(&event, payload("workflow_run_fork", "").to_string()).unwrap();
    let event = event.display().to_string();
    let p = steps::publish_with(
        &sandbox,
        &checkout,
        &server,
        &out,
        &[
            ("GITHUB_EVENT_PATH", event.as_str()),
            ("GITHUB_EVENT_NAME", "workflow_run"),
        ],
    )
    .await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    assert!(p.stdout.contains("as a suggestion"), "{}", p.stdout);
    server.verify().await;
    let branches = sandbox.git(&sandbox.path().join("origin.git"), &["branch", "--list"]);
    assert!(!branches.contains("fixloop/"), "{branches}");
}

/// The bug is the pull request's own (its base is already right): the fix is made on the PR's
/// branch, verified there, and its patch applies to the PR's head.
#[tokio::test(flavor = "multi_thread")]
async fn a_prs_own_bug_is_fixed_on_the_prs_branch() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let failing = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    // The PR's branch holds the bug; main moved on without it.
    sandbox.git(
        &repo,
        &["push", "--quiet", "origin", "HEAD:refs/heads/word-count"],
    );
    sandbox.git(&repo, &["revert", "--no-edit", "HEAD"]);
    sandbox.git(&repo, &["push", "--quiet", "origin", "main"]);
    let server = MockServer::start().await;
    let a = analyze_pr_failure(&sandbox, &repo, &server, &failing).await;
    let outcome = a.outcome();
    assert_eq!(outcome["outcome"], "verified", "{}\n{}", a.stdout, a.stderr);
    assert_eq!(outcome["base"], "word-count");
    assert_eq!(outcome["base_commit"], failing.as_str());
}
