//! A review that arrives later, in GitHub Actions: the analyze job stops at the fix for a person;
//! hours later a `/fixloop revise "…"` comment starts another workflow run, whose analyze job —
//! on a fresh checkout, with nothing of the first job's machine left — fetches the first job's
//! artifact from the GitHub stand-in, puts the run back together and sends the fix back to the
//! agent; a `/fixloop approve` then lets the publish job push it. The sticky comment shows each
//! attempt and revision.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/ci.rs"]
mod steps;
mod support;

use std::io::Write as _;
use std::path::Path;

use serde_json::{Value, json};
use steps::{Analyzed, analyze_with, mount_run, payload, publish_as};
use support::{REPRODUCE_ADD, Sandbox, phased};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fix, and on a revision the reviewer's feedback acted on where it can be seen.
const FIX_WITH_FEEDBACK: &str = r#"
sed -i 's/a - b/a + b/' "$FIXLOOP_WORKDIR/calc.py"
if [ -n "${FIXLOOP_FEEDBACK:-}" ]; then
  printf '\n\n# reviewed: %s\n' "$FIXLOOP_FEEDBACK" >> "$FIXLOOP_WORKDIR/calc.py"
fi
echo "add used subtraction." > "$FIXLOOP_FAILURE_DIR/ROOT_CAUSE.md"
"#;

/// The output folder as the workflow's upload step stores it: a zip of the folder's contents.
fn zip_of(dir: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for file in support::walk(dir) {
        let name = file.strip_prefix(dir).unwrap().display().to_string();
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(&file).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Workflow run `run` of fixloop's workflow, holding `out` as its `fixloop-out` artifact
/// (served through a storage redirect, as GitHub does).
async fn mount_artifact(server: &MockServer, run: u64, out: &Path) {
    mount_artifact_of(server, run, "issue_comment", out).await;
}

/// Workflow run `run`, started by `event`, holding `out` as its `fixloop-out` artifact.
async fn mount_artifact_of(server: &MockServer, run: u64, event: &str, out: &Path) {
    let runs = format!("/repos/octo-org/wordstat/actions/runs/{run}");
    Mock::given(method("GET"))
        .and(path(runs.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": run, "event": event,
            "repository": {"full_name": "octo-org/wordstat"},
            "head_repository": {"full_name": "octo-org/wordstat"}})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{runs}/artifacts")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_count": 1,
            "artifacts": [{"id": run + 1, "name": "fixloop-out", "expired": false}]})),
        )
        .mount(server)
        .await;
    let storage = format!("/storage/{run}.zip");
    Mock::given(method("GET"))
        .and(path(format!(
            "/repos/octo-org/wordstat/actions/artifacts/{}/zip",
            run + 1
        )))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}{storage}", server.uri())),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(storage))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(zip_of(out)))
        .mount(server)
        .await;
}

/// fixloop's comment on PR #17 as the stand-in holds it (none yet: `[]`), and where a new one
/// or an update goes.
async fn mount_sticky(server: &MockServer, body: Option<&str>) {
    let comments = body.map_or(json!([]), |b| {
        json!([{"id": 555, "body": b, "user": {"login": "github-actions[bot]", "type": "Bot"}}])
    });
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comments))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/issues/17/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 555})))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/octo-org/wordstat/issues/comments/555"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(server)
        .await;
}

/// The body of the last comment fixloop wrote (posted or updated).
async fn last_sticky(server: &MockServer) -> String {
    let requests = server.received_requests().await.unwrap();
    let written = requests
        .iter()
        .rev()
        .find(|r| {
            matches!(r.method.as_str(), "POST" | "PATCH")
                && (r.url.path().ends_with("/issues/17/comments")
                    || r.url.path().ends_with("/issues/comments/555"))
        })
        .expect("fixloop wrote its comment");
    let body: Value = serde_json::from_slice(&written.body).unwrap();
    body["body"].as_str().unwrap().to_owned()
}

/// What the next job starts from: nothing of the last job's machine but the remote. The
/// checkout is cloned again at the same path (as GitHub Actions does) and the output folder is
/// gone.
fn fresh_machine(sandbox: &Sandbox, repo: &Path, out: &Path) {
    std::fs::remove_dir_all(repo).unwrap();
    let _ = std::fs::remove_dir_all(out);
    let origin = sandbox.path().join("origin.git").display().to_string();
    sandbox.git(
        sandbox.path(),
        &["clone", "--quiet", &origin, &repo.display().to_string()],
    );
}

fn comment(body: &str) -> Value {
    let mut event = payload("issue_comment_revise", "");
    event["comment"]["body"] = json!(body);
    event
}

fn ok(a: &Analyzed) -> Value {
    assert_eq!(a.code, 0, "{}\n{}", a.stdout, a.stderr);
    a.outcome()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_hours_later_revises_then_approves_from_fresh_jobs() {
    let sandbox = Sandbox::new();
    let repo = steps::pr_project(&sandbox);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let agent = phased(REPRODUCE_ADD, FIX_WITH_FEEDBACK);
    let server = MockServer::start().await;
    mount_run(
        &server,
        &head,
        std::fs::read_to_string(repo.join("ci.log")).unwrap(),
    )
    .await;
    mount_sticky(&server, None).await;
    let review = ["--approval", "review"];

    // The failed run: a verified fix, stopped for a person; nothing pushed.
    let first = analyze_with(
        &sandbox,
        &repo,
        &server,
        &payload("workflow_run_pr", &head),
        &review,
        &agent,
    )
    .await;
    let outcome = ok(&first);
    assert_eq!(outcome["outcome"], "review", "{outcome}");
    assert_eq!(outcome["verified"], true, "{outcome}");
    assert!(first.out.join("carry/run.bundle").is_file());
    let out = first.out.clone();
    let p = publish_as(&sandbox, &repo, &server, &out, "9001").await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    let sticky = last_sticky(&server).await;
    assert!(
        sticky.contains("<!-- fixloop:artifact run=9001 -->"),
        "{sticky}"
    );
    assert!(
        sticky.contains("waits for a review (fixloop verified it)"),
        "{sticky}"
    );
    assert!(
        sticky.contains("+    return a + b"),
        "the fix is shown: {sticky}"
    );
    assert!(sticky.contains("- attempt 1: review"), "{sticky}");
    let origin = sandbox.path().join("origin.git");
    assert!(!sandbox.git(&origin, &["branch", "--list"]).contains("fix"));

    // Hours later, on a fresh machine: a member asks for a revision.
    server.reset().await;
    mount_artifact(&server, 9001, &out).await;
    mount_sticky(&server, Some(&sticky)).await;
    fresh_machine(&sandbox, &repo, &out);
    let revised = analyze_with(
        &sandbox,
        &repo,
        &server,
        &comment("/fixloop revise \"say in calc.py that add was reviewed\""),
        &[],
        &agent,
    )
    .await;
    let outcome = ok(&revised);
    assert_eq!(outcome["outcome"], "review", "{outcome}");
    assert_eq!(
        (outcome["revision"].clone(), outcome["answered_by"].clone()),
        (json!(1), json!("ada"))
    );
    let patch = std::fs::read_to_string(out.join("fix.patch")).unwrap();
    assert!(
        patch.contains("+# reviewed: say in calc.py that add was reviewed"),
        "the agent acted on the feedback: {patch}"
    );
    let calls =
        std::fs::read_to_string(out.join("reproduce-deterministic-failures/agent-calls.log"))
            .unwrap();
    assert_eq!(
        calls.lines().filter(|l| l.starts_with("phase=fix")).count(),
        2,
        "one fix, one revision, and no new reproduction: {calls}"
    );
    let p = publish_as(&sandbox, &repo, &server, &out, "9002").await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    let sticky = last_sticky(&server).await;
    assert!(
        sticky.contains("<!-- fixloop:artifact run=9002 -->"),
        "{sticky}"
    );
    assert!(sticky.contains("- attempt 1: review"), "{sticky}");
    assert!(
        sticky.contains("- attempt 1, revision 1: review (after revise by ada)"),
        "{sticky}"
    );

    approve_and_publish(&sandbox, &repo, &server, &sticky, &agent).await;
}

/// The revised fix approved from a fresh machine: held for the publish job, which pushes it
/// and opens the draft PR; the comment's revision line says so.
async fn approve_and_publish(
    sandbox: &Sandbox,
    repo: &Path,
    server: &MockServer,
    sticky: &str,
    agent: &str,
) {
    let out = sandbox.path().join("fixloop-out");
    let origin = sandbox.path().join("origin.git");
    // Then approved, again from a fresh machine: the fix is held for the publish job, which
    // pushes it and opens the draft PR.
    server.reset().await;
    mount_artifact(server, 9002, &out).await;
    mount_sticky(server, Some(sticky)).await;
    fresh_machine(sandbox, repo, &out);
    let approved = analyze_with(
        sandbox,
        repo,
        server,
        &comment("/fixloop approve"),
        &[],
        agent,
    )
    .await;
    let outcome = ok(&approved);
    assert_eq!(outcome["outcome"], "verified", "{outcome}");
    assert_eq!(outcome["revision"], 1);
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/wordstat/pulls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"number": 18, "html_url": "https://github.com/octo-org/wordstat/pull/18"}),
        ))
        .expect(1)
        .mount(server)
        .await;
    let p = publish_as(sandbox, repo, server, &out, "9003").await;
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    server.verify().await;
    let pushed = sandbox.git(&origin, &["show", "fixloop/fix/ci-30433642:calc.py"]);
    assert!(pushed.contains("return a + b"), "{pushed}");
    assert!(pushed.contains("# reviewed: say in calc.py"), "{pushed}");
    let sticky = last_sticky(server).await;
    assert!(
        sticky.contains("- attempt 1, revision 1: verified fix, #18"),
        "{sticky}"
    );
}

/// A `/fixloop` comment goes on only from an output folder fixloop's own workflow made: a
/// comment naming another kind of run (a fork's pull-request run can upload an artifact of any
/// name) is refused before anything is downloaded, and outsiders' answers are skipped.
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_takes_no_artifact_from_a_run_fixloop_did_not_make() {
    let sandbox = Sandbox::new();
    let repo = steps::pr_project(&sandbox);
    let server = MockServer::start().await;
    let planted = sandbox.path().join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::write(planted.join("outcome.json"), r#"{"outcome": "review"}"#).unwrap();
    mount_artifact_of(&server, 4242, "pull_request", &planted).await;
    mount_sticky(
        &server,
        Some(
            "<!-- fixloop:sticky attempts=1 -->\n<!-- fixloop:artifact run=4242 -->\n### fixloop\n",
        ),
    )
    .await;
    let a = analyze_with(
        &sandbox,
        &repo,
        &server,
        &comment("/fixloop approve"),
        &[],
        &phased(REPRODUCE_ADD, FIX_WITH_FEEDBACK),
    )
    .await;
    assert_eq!(a.code, 65, "{}\n{}", a.stdout, a.stderr);
    assert!(
        a.stderr.contains("not one of fixloop's runs"),
        "{}",
        a.stderr
    );
    let requests = server.received_requests().await.unwrap();
    assert!(
        !requests.iter().any(|r| r.url.path().contains("/artifacts")),
        "nothing was listed or downloaded"
    );
    assert!(!a.out.join("outcome.json").exists());
}
