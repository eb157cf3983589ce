//! fixloop's memory carried between GitHub Actions runs on the repository's own ref
//! `refs/fixloop/memory` (a local bare remote stands in for GitHub's): the publish job adds what
//! the analyze job's run learned (only lines that are JSON objects, secrets redacted), the next
//! analyze starts from it (and recalls the earlier run: "seen before"), another publish adds to
//! it rather than replacing it, and a fork's run adds nothing.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/ci.rs"]
mod steps;
mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
use steps::{analyze_pr_failure, payload};
use support::Sandbox;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const MEMORY_REF: &str = "refs/fixloop/memory";

/// A GitHub stand-in that says yes to whatever the publish job asks.
async fn agreeable(server: &MockServer) {
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
    for verb in ["POST", "PATCH"] {
        Mock::given(method(verb))
            .respond_with(ResponseTemplate::new(201).set_body_json(
                json!({"number": 18, "id": 5, "html_url": "https://github.com/o/r/pull/18"}),
            ))
            .mount(server)
            .await;
    }
}

fn memory_file(out: &Path) -> PathBuf {
    out.join("outputs/memory.jsonl")
}

fn add_lines(out: &Path, lines: &str) {
    let path = memory_file(out);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str(lines);
    std::fs::write(path, text).unwrap();
}

/// A memory record's line: a stress measurement of `test`.
fn record(test: &str) -> String {
    format!(
        "{{\"record\":\"flaky\",\"repo\":\"r\",\"at\":\"2026-12-01T00:00:00Z\",\
         \"test\":\"{test}\",\"runs\":10,\"failures\":1}}\n"
    )
}

fn kept(sandbox: &Sandbox, origin: &Path) -> String {
    sandbox.git(origin, &["show", &format!("{MEMORY_REF}:memory.jsonl")])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_memory_goes_from_publish_to_the_next_analyze_and_grows() {
    let sandbox = Sandbox::new();
    let server = MockServer::start().await;
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let first = analyze_pr_failure(&sandbox, &repo, &server, &head).await;
    assert_eq!(first.outcome()["outcome"], "verified", "{}", first.stderr);
    let secret = "ghp_memoryleak0123456789abcdefghijklmnop";
    add_lines(
        &first.out,
        &format!(
            "{}not json at all\n{{\"record\":{{\"id\":\"not ours\"}}}}\n{}",
            record("first"),
            record(&format!("said token {secret}"))
        ),
    );
    let origin = sandbox.path().join("origin.git");
    let url = origin.display().to_string();
    sandbox.git(
        sandbox.path(),
        &["clone", "--quiet", &url, "publish-checkout"],
    );
    let checkout = sandbox.path().join("publish-checkout");
    agreeable(&server).await;
    let published = steps::publish(&sandbox, &checkout, &server, &first.out).await;
    assert_eq!(
        published.code, 0,
        "{}\n{}",
        published.stdout, published.stderr
    );
    let memory = kept(&sandbox, &origin);
    assert!(memory.contains("\"test\":\"first\""), "{memory}");
    assert!(
        memory.contains("{\"record\":\"run\""),
        "the run's own record: {memory}"
    );
    assert!(!memory.contains("not json"), "{memory}");
    assert!(
        !memory.contains("not ours"),
        "only fixloop's records: {memory}"
    );
    assert!(!memory.contains(secret), "{memory}");
    assert!(memory.contains("\"test\":\"said token"), "{memory}");
    let branches = sandbox.git(&origin, &["branch", "--list"]);
    assert!(
        !branches.contains("memory"),
        "the memory is no branch: {branches}"
    );

    // The next failure's analyze starts from the memory.
    std::fs::remove_dir_all(&first.out).unwrap();
    let server = MockServer::start().await;
    let second = analyze_pr_failure(&sandbox, &repo, &server, &head).await;
    let seeded = std::fs::read_to_string(memory_file(&second.out)).unwrap_or_default();
    assert!(
        seeded.contains("\"test\":\"first\""),
        "{seeded}\n{}",
        second.stdout
    );
    // ... and recalls the first run, which it never saw but through the ref.
    assert!(
        second.stdout.contains("seen before: like run"),
        "{}",
        second.stdout
    );
    // Its publish adds to the memory; what was kept stays.
    add_lines(&second.out, &record("second"));
    agreeable(&server).await;
    let again = steps::publish(&sandbox, &checkout, &server, &second.out).await;
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let memory = kept(&sandbox, &origin);
    assert!(
        memory.contains("\"test\":\"first\"") && memory.contains("\"test\":\"second\""),
        "{memory}"
    );
    assert_eq!(
        memory.matches("\"test\":\"first\"").count(),
        1,
        "each record once: {memory}"
    );
    let history = sandbox.git(&origin, &["log", "--format=%H", MEMORY_REF]);
    assert_eq!(
        history.lines().count(),
        1,
        "what the memory held before is not kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forks_run_adds_nothing_to_the_memory() {
    let sandbox = Sandbox::new();
    let server = MockServer::start().await;
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let a = analyze_pr_failure(&sandbox, &repo, &server, &head).await;
    assert_eq!(a.outcome()["outcome"], "verified", "{}", a.stderr);
    add_lines(&a.out, &record("from a fork"));
    let origin = sandbox.path().join("origin.git");
    let url = origin.display().to_string();
    sandbox.git(
        sandbox.path(),
        &["clone", "--quiet", &url, "publish-checkout"],
    );
    let event = sandbox.path().join("fork-event.json");
    std::fs::write(&event, payload("workflow_run_fork", "").to_string()).unwrap();
    let event = event.display().to_string();
    agreeable(&server).await;
    let p = steps::publish_with(
        &sandbox,
        &sandbox.path().join("publish-checkout"),
        &server,
        &a.out,
        &[
            ("GITHUB_EVENT_PATH", event.as_str()),
            ("GITHUB_EVENT_NAME", "workflow_run"),
        ],
    )
    .await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    let refs = sandbox.git(&origin, &["for-each-ref", "refs/fixloop/"]);
    assert!(refs.is_empty(), "{refs}");
}
