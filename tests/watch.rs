//! `fixloop watch --once` against a GitHub stand-in on 127.0.0.1 and real git repositories: an
//! idle sweep costs a 304; a rustfmt failure is fixed and pushed with no agent; a runner's
//! failure is re-run once and nothing else; a bot's run and fixloop's own are left alone; a
//! run whose PR moved on is dropped; the same run seen twice is worked on once.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/watch.rs"]
mod world;

use std::path::Path;

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};
use world::{
    REPO, cargo_fmt_available, ok, requests, run, rust_project, stand_in, watch_once,
    watch_once_with,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_rustfmt_failure_is_fixed_and_pushed_with_no_agent_and_an_idle_sweep_costs_a_304() {
    if !cargo_fmt_available() {
        eprintln!("skipped: cargo fmt is not installed here");
        return;
    }
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    let log = "2026-12-01T10:00:00.0000000Z ##[group]Run cargo fmt --all -- --check\n\
               Diff in /home/runner/work/tidy/tidy/src/lib.rs at line 2:\n\
               -pub fn sub(a:i32,b:i32)->i32{a-b}\n\
               ##[error]Process completed with exit code 1.\n";
    let server = stand_in(
        &[run(901, &head, "ada", "Add sub")],
        &head,
        "Check formatting",
        log,
    )
    .await;
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("1 run(s) taken"), "{text}");
    assert!(
        !sandbox.path().join("agent-called").exists(),
        "no agent: {text}"
    );
    // The fix is on the PR's branch: one commit on top of the failing one, formatted, with
    // fixloop's trailer (so the run it starts is never taken again).
    let origin = sandbox.path().join("origin.git");
    let pushed = sandbox.git(&origin, &["rev-parse", "fmt"]);
    assert_ne!(pushed, head);
    assert_eq!(sandbox.git(&origin, &["rev-parse", "fmt~1"]), head);
    let message = sandbox.git(&origin, &["log", "-1", "--format=%B", "fmt"]);
    assert!(message.contains("Fixloop-Run: watch-901"), "{message}");
    let lib = sandbox.git(&origin, &["show", "fmt:src/lib.rs"]);
    assert!(lib.contains("pub fn sub(a: i32, b: i32) -> i32 {"), "{lib}");
    let comments = requests(&server, "POST", "/issues/5/comments").await;
    assert_eq!(comments.len(), 1);
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.contains("cargo-fmt (no AI)"), "{body}");
    assert!(
        body.starts_with("<!-- fixloop:sticky attempts=1 -->"),
        "{body}"
    );

    // The next sweep: GitHub says the list is unchanged, and nothing is done.
    server.reset().await;
    let again = stand_in(&[], &head, "x", "").await;
    let text = ok(&watch_once(&sandbox, &again));
    assert!(text.contains("1 repository unchanged"), "{text}");
    let sent = again.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1, "one conditional request: {sent:?}");
    assert_eq!(
        sent[0]
            .headers
            .get("if-none-match")
            .unwrap()
            .to_str()
            .unwrap(),
        "\"list-1\""
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runners_failure_is_rerun_once_and_nothing_else() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    let log = "2026-12-01T10:00:00.0000000Z ##[error]The runner has received a shutdown signal. \
               This can happen when the runner service is stopped.\n";
    let server = stand_in(
        &[run(902, &head, "ada", "Add sub")],
        &head,
        "Run tests",
        log,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/repos/{REPO}/actions/runs/902/rerun-failed-jobs"
        )))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("re-ran the failed jobs once"), "{text}");
    // Run again (a restart): the run is done, nothing is re-run twice.
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("0 run(s) taken"), "{text}");
    server.verify().await;
    assert!(
        requests(&server, "POST", "/issues/5/comments")
            .await
            .is_empty()
    );
    assert!(!sandbox.path().join("agent-called").exists());
    assert_eq!(
        sandbox.git(&sandbox.path().join("origin.git"), &["rev-parse", "fmt"]),
        head
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bots_fixloops_own_stale_and_duplicate_runs_are_left_alone() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    let moved = "0123456789abcdef0123456789abcdef01234567";
    let runs = [
        run(903, &head, "dependabot[bot]", "Bump serde"),
        run(904, &head, "ada", "Fix it\n\nFixloop-Run: watch-900"),
        // PR #5's head is `moved` now: this run's commit is stale.
        run(
            905,
            "fedcba9876543210fedcba9876543210fedcba98",
            "ada",
            "Old",
        ),
        // The same failure listed twice (as a second page can repeat it).
        run(906, moved, "ada", "Add sub"),
        run(906, moved, "ada", "Add sub"),
    ];
    let server = stand_in(
        &runs,
        moved,
        "Run tests",
        "##[error]The runner has received a shutdown signal.",
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/repos/{REPO}/actions/runs/906/rerun-failed-jobs"
        )))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let text = ok(&watch_once(&sandbox, &server));
    assert!(text.contains("2 run(s) taken, 3 left alone"), "{text}");
    assert!(text.contains("run 905: stale"), "{text}");
    server.verify().await;
    for id in [903, 904, 905] {
        let jobs = format!("/actions/runs/{id}/attempts/1/jobs");
        assert!(
            server
                .received_requests()
                .await
                .unwrap()
                .iter()
                .all(|r| !r.url.path().ends_with(&jobs)),
            "run {id}'s jobs were never read"
        );
    }
    assert!(
        requests(&server, "POST", "/issues/5/comments")
            .await
            .is_empty()
    );
}

/// A failing test no fixer answers: the agent path to a proven fix, which waits on the PR for
/// a person (nothing is pushed before `/fixloop apply`).
#[tokio::test(flavor = "multi_thread")]
async fn a_test_failure_takes_the_agent_path_to_a_proven_fix_that_waits_for_a_person() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.git(&repo, &["push", "--quiet", "origin", "main:fmt"]);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let log = std::fs::read_to_string(repo.join("ci.log")).unwrap();
    let server = stand_in(
        &[run(907, &head, "ada", "Speed up add")],
        &head,
        "Run tests",
        &log,
    )
    .await;
    let agent = sandbox.agent("fixing-agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    let out = watch_once_with(&sandbox, &server, &agent);
    let text = ok(&out);
    assert!(
        text.contains("waits: a proven fix waits for /fixloop apply on #5"),
        "{text}"
    );
    let comments = requests(&server, "POST", "/issues/5/comments").await;
    assert_eq!(comments.len(), 1, "{text}");
    let body = comments[0]["body"].as_str().unwrap();
    assert!(
        body.contains("waits for a review (fixloop verified it)"),
        "{body}"
    );
    assert!(body.contains("+    return a + b"), "{body}");
    let branches = sandbox.git(&sandbox.path().join("origin.git"), &["branch", "--list"]);
    assert!(
        !branches.contains("fixloop/"),
        "nothing pushed yet: {branches}"
    );
    assert_eq!(
        sandbox.git(&sandbox.path().join("origin.git"), &["rev-parse", "fmt"]),
        head
    );
    apply_from_a_comment(&sandbox, &agent, body).await;
}

/// `/fixloop apply` from a member, after the fix was put up, delivers it once; an outsider's
/// answer and one made before the fix are not taken.
async fn apply_from_a_comment(sandbox: &Sandbox, agent: &Path, sticky: &str) {
    let again = stand_in(&[], "", "x", "").await;
    let comments = json!([
        {"id": 11, "body": "/fixloop apply", "author_association": "MEMBER",
         "created_at": "2000-01-01T00:00:00Z", "user": {"login": "early", "type": "User"}},
        {"id": 12, "body": sticky, "author_association": "NONE",
         "created_at": "2000-01-01T00:00:00Z", "user": {"login": "github-actions[bot]", "type": "Bot"}},
        {"id": 13, "body": "/fixloop abort", "author_association": "CONTRIBUTOR",
         "created_at": "2099-01-01T00:00:00Z", "user": {"login": "mallory", "type": "User"}},
        {"id": 14, "body": "Looks right.\n/fixloop apply", "author_association": "MEMBER",
         "created_at": "2099-01-01T00:00:00Z", "user": {"login": "ada", "type": "User"}}
    ]);
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/issues/5/comments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(comments))
        .with_priority(1)
        .mount(&again)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/repos/{REPO}/issues/comments/12")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&again)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/pulls")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&again)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{REPO}/pulls")))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"number": 6, "html_url": format!("https://github.com/{REPO}/pull/6")}),
        ))
        .expect(1)
        .mount(&again)
        .await;
    let text = ok(&watch_once_with(sandbox, &again, agent));
    assert!(text.contains("applied by ada"), "{text}");
    // Read again: nothing is taken twice.
    let text = ok(&watch_once_with(sandbox, &again, agent));
    assert!(text.contains("0 answer(s) read"), "{text}");
    again.verify().await;
    let origin = sandbox.path().join("origin.git");
    let fix = sandbox.git(&origin, &["show", "fixloop/fix/ci-907:calc.py"]);
    assert!(fix.contains("return a + b"), "{fix}");
}

/// Not fixable: one comment says why, nothing else is done, and the notification sinks are told
/// (Slack, and a webhook signed the Standard Webhooks way); no output shows their addresses.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_secret_is_said_once_and_the_sinks_are_told() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    let log = "2026-12-01T10:00:00.0000000Z ##[error]Input required and not supplied: token\n";
    let server = stand_in(&[run(908, &head, "ada", "Add sub")], &head, "Deploy", log).await;
    for hook in ["/slack/T000/B000/secretpath", "/hooks/fixloop"] {
        Mock::given(method("POST"))
            .and(path(hook))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .expect(1)
            .mount(&server)
            .await;
    }
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\n\n[notify.slack]\n\
             url-env = \"TEST_SLACK_URL\"\n\n[notify.webhook]\nurl-env = \"TEST_HOOK_URL\"\n\
             secret-env = \"TEST_HOOK_SECRET\"\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
    let slack = format!("{}/slack/T000/B000/secretpath", server.uri());
    let agent = world::marking_agent(&sandbox);
    let out = world::watch_command(&sandbox, &server, &agent, &["--once"])
        .env("TEST_SLACK_URL", &slack)
        .env("TEST_HOOK_URL", format!("{}/hooks/fixloop", server.uri()))
        .env(
            "TEST_HOOK_SECRET",
            "whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
        )
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(text.contains("not fixable"), "{text}");
    assert!(!text.contains("secretpath"), "no address shown: {text}");
    server.verify().await;
    let comments = requests(&server, "POST", "/issues/5/comments").await;
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0]["body"]
            .as_str()
            .unwrap()
            .contains("a required input"),
        "{comments:?}"
    );
    let told = requests(&server, "POST", "/secretpath").await;
    assert!(told[0]["blocks"].is_array(), "{told:?}");
    assert!(
        told[0]["text"].as_str().unwrap().contains("not fixable"),
        "{told:?}"
    );
    let signed = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/hooks/fixloop")
        .unwrap();
    assert!(signed.headers.get("webhook-signature").is_some());
    assert!(!sandbox.path().join("agent-called").exists());
}

/// `dispatch = "actions"`: the watcher only classifies and starts the repository's fixloop
/// workflow on the run; no agent runs here.
#[tokio::test(flavor = "multi_thread")]
async fn with_actions_dispatch_the_ai_work_goes_to_the_repositorys_workflow() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    let server = stand_in(
        &[run(909, &head, "ada", "Add sub")],
        &head,
        "Run tests",
        "test tests::sub ... FAILED\n",
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"default_branch": "main"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/repos/{REPO}/actions/workflows/fixloop.yml/dispatches"
        )))
        .and(wiremock::matchers::body_json(
            json!({"ref": "main", "inputs": {"run-id": "909"}}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[watch]\ndispatch = \"actions\"\n\n[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
    let text = ok(&watch_once(&sandbox, &server));
    assert!(
        text.contains("sent to the repository's fixloop workflow"),
        "{text}"
    );
    server.verify().await;
    assert!(!sandbox.path().join("agent-called").exists());
}

/// A fixer that does not make its check pass hands the run to the AI path.
#[tokio::test(flavor = "multi_thread")]
async fn a_fixer_that_does_not_fix_it_hands_the_run_to_the_agent() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.git(&repo, &["push", "--quiet", "origin", "main:fmt"]);
    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let log = std::fs::read_to_string(repo.join("ci.log")).unwrap();
    let server = stand_in(
        &[run(910, &head, "ada", "Speed up add")],
        &head,
        "Lint and test",
        &log,
    )
    .await;
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\nfixers = [\"tidy\"]\n\n\
             [[fixer]]\nname = \"tidy\"\nstep = \"Lint\"\nrun = \"touch tidied\"\n\
             check = \"PYTHONPATH=. python3 tests/test_calc.py\"\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
    let agent = sandbox.agent("fixing-agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    let text = ok(&watch_once_with(&sandbox, &server, &agent));
    assert!(
        text.contains("waits: a proven fix waits for /fixloop apply on #5"),
        "{text}"
    );
    assert!(text.contains("the fixers did not fix it"), "{text}");
    let origin = sandbox.path().join("origin.git");
    assert_eq!(sandbox.git(&origin, &["rev-parse", "fmt"]), head);
    // What the fixer changed is kept, and the AI's fix is made on top of it.
    let kept = sandbox.git(
        &origin,
        &["ls-tree", "--name-only", "fixloop/fixers/fmt-910"],
    );
    assert!(kept.lines().any(|f| f == "tidied"), "{kept}");
    assert_eq!(
        sandbox.git(&origin, &["rev-parse", "fixloop/fixers/fmt-910~1"]),
        head
    );
    let outcome: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .path()
                .join("state/watch/runs/octo-org/tidy/910-1/outcome.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        outcome["base"], "fmt",
        "its PR goes into the failing branch"
    );
}

/// A fork's PR whose owner lets maintainers edit it: the fixers' commit is pushed to the fork's
/// branch (never to the base repository); a fork that does not allow it gets a suggestion.
#[tokio::test(flavor = "multi_thread")]
async fn a_fork_that_allows_maintainers_edits_gets_the_push_and_one_that_does_not_a_suggestion() {
    if !cargo_fmt_available() {
        eprintln!("skipped: cargo fmt is not installed here");
        return;
    }
    for allows in [true, false] {
        let sandbox = Sandbox::new();
        let (repo, head) = rust_project(&sandbox);
        let forks = sandbox.path().join("forks/contrib");
        std::fs::create_dir_all(&forks).unwrap();
        sandbox.git(&forks, &["init", "--quiet", "--bare", "tidy.git"]);
        let fork = forks.join("tidy.git");
        sandbox.git(
            &repo,
            &["push", "--quiet", &fork.display().to_string(), "fmt"],
        );
        // GitHub keeps a fork PR's head in the base repository too.
        sandbox.git(
            &repo,
            &["push", "--quiet", "origin", "fmt:refs/pull/5/head"],
        );
        sandbox.git(&sandbox.path().join("origin.git"), &["branch", "-D", "fmt"]);
        let log = "##[group]Run cargo fmt --all -- --check\n##[error]Process completed with exit code 1.\n";
        let mut failed = run(913, &head, "ada", "Add sub");
        failed["head_repository"] = json!({"full_name": "contrib/tidy"});
        failed["pull_requests"] = json!([]);
        let server = stand_in(&[failed], &head, "Check formatting", log).await;
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/pulls")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([{"number": 5, "head": {"sha": head}}])),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/pulls/5")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "number": 5, "state": "open", "maintainer_can_modify": allows,
                "head": {"sha": head, "ref": "fmt", "repo": {"full_name": "contrib/tidy"}}})))
            .with_priority(1)
            .mount(&server)
            .await;
        std::fs::write(
            sandbox.path().join("fixloop.toml"),
            format!(
                "[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\nfork-remote = \"{}/{{repo}}.git\"\n",
                sandbox.path().join("origin.git").display(),
                sandbox.path().join("forks").display()
            ),
        )
        .unwrap();
        let text = ok(&watch_once(&sandbox, &server));
        let fork_head = sandbox.git(&fork, &["rev-parse", "fmt"]);
        let comment = requests(&server, "POST", "/issues/5/comments").await;
        let body = comment[0]["body"].as_str().unwrap();
        if allows {
            assert_eq!(sandbox.git(&fork, &["rev-parse", "fmt~1"]), head, "{text}");
            assert!(
                body.contains("of contrib/tidy (maintainers may edit it)"),
                "{body}"
            );
        } else {
            assert_eq!(fork_head, head, "nothing pushed: {text}");
            assert!(body.contains("git am"), "{body}");
        }
        let base = sandbox.git(&sandbox.path().join("origin.git"), &["branch", "--list"]);
        assert!(!base.contains("fmt"), "never the base repository: {base}");
    }
}

#[test]
fn a_bad_configuration_names_its_line_and_nothing_is_done() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        "[[repo]]\nname = \"octo-org/tidy\"\ndelivery = \"carrier-pigeon\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["watch", "--once", "--state"])
        .arg(sandbox.path().join("state/watch.db"))
        .current_dir(sandbox.path())
        .envs(sandbox.env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{stderr}");
    assert!(stderr.contains("fixloop.toml:3:"), "{stderr}");
    assert!(stderr.contains("carrier-pigeon"), "{stderr}");
    assert!(!sandbox.path().join("state/watch.db").exists());
    assert!(!Path::new(&sandbox.path().join("watch")).exists());
}
