//! `fixloop watch` working on runs side by side (`concurrency`): two pull requests' failures
//! are worked on at once, each in a clone of its own, while a second failure of the same pull
//! request waits for the first and then finds its commit stale instead of racing it. The
//! stand-in's pull requests have the heads their branches have in the bare origin, as GitHub's
//! would.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/watch.rs"]
mod world;

use std::path::Path;

use serde_json::{Value, json};
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use world::{REPO, ok, requests, watch_once, watch_once_with};

/// A failed run of `workflow` on PR `pr` (branch `branch`, commit `head`).
fn run(id: u64, workflow: &str, pr: u64, branch: &str, head: &str) -> Value {
    json!({
        "id": id, "name": workflow, "head_sha": head, "head_branch": branch,
        "event": "pull_request", "status": "completed", "conclusion": "failure",
        "run_attempt": 1, "pull_requests": [{"number": pr}],
        "html_url": format!("https://github.com/{REPO}/actions/runs/{id}"),
        "repository": {"full_name": REPO}, "head_repository": {"full_name": REPO},
        "actor": {"login": "ada"}, "triggering_actor": {"login": "ada"},
        "head_commit": {"message": "Change it"},
    })
}

/// A crate-less project with branches `a` (PR #5) and `b` (PR #6), each one commit ahead of
/// `main`, and a bare origin; the heads of `a` and `b`.
fn project(sandbox: &Sandbox) -> (String, String) {
    let repo = sandbox.path().join("work");
    std::fs::create_dir_all(&repo).unwrap();
    sandbox.git(sandbox.path(), &["init", "--quiet", "--bare", "origin.git"]);
    sandbox.git(&repo, &["init", "--quiet", "-b", "main"]);
    let commit = |file: &str| {
        std::fs::write(repo.join(file), "x\n").unwrap();
        sandbox.git(&repo, &["add", "-A"]);
        sandbox.git(
            &repo,
            &[
                "-c",
                "user.name=Ada",
                "-c",
                "user.email=ada@example.com",
                "commit",
                "--quiet",
                "-m",
                file,
            ],
        );
    };
    commit("README");
    let origin = sandbox.path().join("origin.git").display().to_string();
    sandbox.git(&repo, &["remote", "add", "origin", &origin]);
    sandbox.git(&repo, &["push", "--quiet", "origin", "main"]);
    let mut heads = Vec::new();
    for branch in ["a", "b"] {
        sandbox.git(&repo, &["checkout", "--quiet", "-b", branch, "main"]);
        commit(branch);
        sandbox.git(&repo, &["push", "--quiet", "origin", branch]);
        heads.push(sandbox.git(&repo, &["rev-parse", "HEAD"]));
    }
    (heads[0].clone(), heads[1].clone())
}

/// The stand-in: the runs, each failing at the step `step` with the log `log`; PRs #5 and #6
/// with their branches' heads as the origin has them now.
async fn stand_in(runs: &[Value], origin: &Path, step: &str, log: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/actions/runs")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total_count": runs.len(), "workflow_runs": runs})),
        )
        .mount(&server)
        .await;
    for (pr, branch) in [(5, "a"), (6, "b")] {
        let origin = origin.to_path_buf();
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/pulls/{pr}")))
            .respond_with(move |_: &Request| {
                let head = std::process::Command::new("git")
                    .arg("-C")
                    .arg(&origin)
                    .args(["rev-parse", branch])
                    .output()
                    .unwrap();
                let sha = String::from_utf8_lossy(&head.stdout).trim().to_owned();
                ResponseTemplate::new(200).set_body_json(json!({
                    "number": pr, "state": "open", "maintainer_can_modify": false,
                    "head": {"sha": sha, "ref": branch, "repo": {"full_name": REPO}}}))
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/{pr}/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/{pr}/comments")))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": pr})))
            .mount(&server)
            .await;
    }
    for r in runs {
        let id = r["id"].as_u64().unwrap();
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/actions/runs/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(r))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(format!(
                "^/repos/{REPO}/actions/runs/{id}(/attempts/1)?/jobs$"
            )))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"total_count": 1,
                "jobs": [{"id": id + 1000, "name": "meet", "conclusion": "failure",
                          "steps": [{"name": step, "conclusion": "failure"}]}]})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/{REPO}/actions/jobs/{}/logs",
                id + 1000
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string(log))
            .mount(&server)
            .await;
    }
    server
}

const NOT_MET: &str = "the rendezvous was not met\n##[error]Process completed with exit code 1.\n";

/// The configuration: `concurrency` lanes, and a fixer that waits (up to 30 s) until two
/// fixers have started, noting each start, what it saw and its end in `meet/log`.
fn configure(sandbox: &Sandbox, concurrency: u32) {
    let meet = sandbox.path().join("meet");
    std::fs::create_dir_all(&meet).unwrap();
    let log = meet.join("log").display().to_string();
    let fixer = format!(
        "n=$(basename \"$(pwd)\"); echo \"start $n\" >> {log}; i=0; \
         while [ \"$(grep -c '^start' {log})\" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; \
         echo \"saw $n $(grep -c '^start' {log})\" >> {log}; touch met; echo \"end $n\" >> {log}"
    );
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[watch]\nconcurrency = {concurrency}\n\n\
             [[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\nfixers = [\"meet\"]\n\n\
             [[fixer]]\nname = \"meet\"\nstep = \"Rendezvous\"\nrun = '''{fixer}'''\n\
             check = \"test -f met\"\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
}

fn meet_log(sandbox: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sandbox.path().join("meet/log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_pull_requests_are_fixed_side_by_side_and_one_pull_requests_runs_one_after_another() {
    let sandbox = Sandbox::new();
    let (a, b) = project(&sandbox);
    let origin = sandbox.path().join("origin.git");
    let runs = [
        run(801, "CI", 5, "a", &a),
        run(802, "Lint", 5, "a", &a),
        run(803, "CI", 6, "b", &b),
    ];
    let server = stand_in(&runs, &origin, "Rendezvous", NOT_MET).await;
    configure(&sandbox, 2);
    let text = ok(&watch_once(&sandbox, &server));
    let log = meet_log(&sandbox);
    // The first run of #5 and the run of #6 met: each saw the other's start.
    for run in ["run-801-1", "run-803-1"] {
        assert!(
            log.contains(&format!("saw {run} 2")),
            "{run} did not run beside the other: {log:?}\n{text}"
        );
    }
    // #5's second run waited, then found #5's head moved by the first one's push.
    assert!(
        !log.iter().any(|l| l.contains("run-802")),
        "{log:?}\n{text}"
    );
    assert!(text.contains("run 802: stale"), "{text}");
    assert!(text.contains("2 run(s) worked on, 1 dropped"), "{text}");
    // Each branch got one commit, the fixers', on top of what failed.
    for (branch, head) in [("a", &a), ("b", &b)] {
        assert_eq!(
            sandbox.git(&origin, &["rev-parse", &format!("{branch}~1")]),
            *head
        );
        let files = sandbox.git(&origin, &["show", "--name-only", "--format=", branch]);
        assert_eq!(files, "met", "{branch}");
    }
    // In two clones: lane 0's and lane 1's.
    let repos = sandbox.path().join("state/watch/repos/octo-org");
    assert!(repos.join("tidy/.git").is_dir());
    assert!(repos.join("tidy@1/.git").is_dir());
    assert_eq!(
        requests(&server, "POST", "/issues/5/comments").await.len(),
        1
    );
    assert_eq!(
        requests(&server, "POST", "/issues/6/comments").await.len(),
        1
    );
    assert!(!sandbox.path().join("agent-called").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_one_lane_the_runs_are_worked_on_one_after_another() {
    let sandbox = Sandbox::new();
    let (a, b) = project(&sandbox);
    let origin = sandbox.path().join("origin.git");
    let runs = [run(811, "CI", 5, "a", &a), run(812, "CI", 6, "b", &b)];
    let server = stand_in(&runs, &origin, "Rendezvous", NOT_MET).await;
    // The fixer's wait is cut short: one lane never has two starts to see.
    configure(&sandbox, 1);
    let config = sandbox.path().join("fixloop.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("$i -lt 300", "$i -lt 5");
    std::fs::write(&config, text).unwrap();
    let text = ok(&watch_once(&sandbox, &server));
    let log = meet_log(&sandbox);
    assert_eq!(
        log.iter()
            .map(|l| l.split(' ').next().unwrap())
            .collect::<Vec<_>>(),
        ["start", "saw", "end", "start", "saw", "end"],
        "{log:?}\n{text}"
    );
    assert!(log.contains(&"saw run-811-1 1".to_owned()), "{log:?}");
    assert!(text.contains("2 run(s) worked on, 0 dropped"), "{text}");
    assert!(
        !sandbox
            .path()
            .join("state/watch/repos/octo-org/tidy@1")
            .exists()
    );
}

/// Two failing tests taken by the AI path at once, in one watcher: each pipeline, in its own
/// clone, comes to its own proven fix waiting on its own pull request.
#[tokio::test(flavor = "multi_thread")]
async fn two_ai_fixes_are_made_side_by_side_each_proven() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.git(&repo, &["push", "--quiet", "origin", "main:a"]);
    let a = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    // #6's branch: the same bug, one commit further.
    std::fs::write(repo.join("README.md"), "# calc, adding\n").unwrap();
    sandbox.git(
        &repo,
        &[
            "-c",
            "user.name=Ada",
            "-c",
            "user.email=ada@example.com",
            "commit",
            "--quiet",
            "-am",
            "Say so",
        ],
    );
    sandbox.git(&repo, &["push", "--quiet", "origin", "main:b"]);
    let b = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    let log = std::fs::read_to_string(repo.join("ci.log")).unwrap();
    let origin = sandbox.path().join("origin.git");
    let runs = [run(821, "CI", 5, "a", &a), run(822, "CI", 6, "b", &b)];
    let server = stand_in(&runs, &origin, "Run tests", &log).await;
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[watch]\nconcurrency = 2\n\n[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\n",
            origin.display()
        ),
    )
    .unwrap();
    // Each reproducing agent waits (up to 30 s) until both have started.
    let meet = sandbox.path().join("agents.log").display().to_string();
    let agent = sandbox.agent(
        "fixing-agent.sh",
        &format!(
            "if [ \"$FIXLOOP_PHASE\" = reproduce ]; then\n\
             echo start >> {meet}; i=0\n\
             while [ \"$(grep -c start {meet})\" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n\
             echo \"saw $(grep -c start {meet})\" >> {meet}\nfi\n{}",
            phased(REPRODUCE_ADD, FIX_ADD)
        ),
    );
    let text = ok(&watch_once_with(&sandbox, &server, &agent));
    for pr in [5, 6] {
        assert!(
            text.contains(&format!(
                "waits: a proven fix waits for /fixloop apply on #{pr}"
            )),
            "{text}"
        );
        let comments = requests(&server, "POST", &format!("/issues/{pr}/comments")).await;
        assert_eq!(comments.len(), 1, "{text}");
        let body = comments[0]["body"].as_str().unwrap();
        assert!(body.contains("+    return a + b"), "{body}");
    }
    let met = std::fs::read_to_string(sandbox.path().join("agents.log")).unwrap();
    assert_eq!(met.matches("saw 2").count(), 2, "{met}");
}
