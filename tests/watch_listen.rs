//! `fixloop watch --listen`: GitHub's webhook deliveries, signed with the secret, taken once
//! each (a redelivery is answered and does nothing), one with a bad signature refused before
//! anything is read from it, and a run whose delivery never came found by the sweep.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
#[path = "support/watch.rs"]
mod world;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::Sandbox;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use world::{REPO, marking_agent, run, rust_project, stand_in, watch_command};

const SECRET: &str = "a webhook secret 0123456789";
const LOG: &str = "##[error]The runner has received a shutdown signal.\n";

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    bytes.iter().fold("sha256=".to_owned(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

async fn post(addr: &str, delivery: &str, body: &Value, signature: Option<&str>) -> (u16, String) {
    let body = body.to_string();
    let signature = signature.map_or_else(|| sign(body.as_bytes()), str::to_owned);
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/"))
        .header("x-github-event", "workflow_run")
        .header("x-github-delivery", delivery)
        .header("x-hub-signature-256", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn reruns(server: &MockServer, id: u64) -> usize {
    let ending = format!("/actions/runs/{id}/rerun-failed-jobs");
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with(&ending))
        .count()
}

/// What the stand-in says of run 922 (the one only a delivery brings) when the watcher asks.
async fn mount_delivered_run(server: &MockServer) {
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(format!(
            "^/repos/{REPO}/actions/runs/922(/attempts/1)?/jobs$"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_count": 1,
            "jobs": [{"id": 923, "name": "test", "conclusion": "failure",
                      "steps": [{"name": "Run tests", "conclusion": "failure"}]}]})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/actions/jobs/923/logs")))
        .respond_with(ResponseTemplate::new(200).set_body_string(LOG))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_are_verified_taken_once_and_a_missed_one_is_found_by_the_sweep() {
    let sandbox = Sandbox::new();
    let (_repo, head) = rust_project(&sandbox);
    // Run 921's delivery never comes: the sweep lists it. Run 922 comes by webhook only.
    let missed = run(921, &head, "ada", "Add sub");
    let mut delivered = run(922, &head, "ada", "Add sub");
    // Another workflow: the same workflow failing on the same commit would be one failure.
    delivered["name"] = json!("Lint");
    let server = stand_in(&[missed], &head, "Run tests", LOG).await;
    for id in [921, 922] {
        Mock::given(method("POST"))
            .and(path(format!(
                "/repos/{REPO}/actions/runs/{id}/rerun-failed-jobs"
            )))
            .respond_with(ResponseTemplate::new(201))
            .mount(&server)
            .await;
    }
    mount_delivered_run(&server).await;

    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!(
            "[watch]\npoll-seconds = 3600\n\n[[repo]]\nname = \"{REPO}\"\nremote = \"{}\"\n",
            sandbox.path().join("origin.git").display()
        ),
    )
    .unwrap();
    let agent = marking_agent(&sandbox);
    let mut watcher = watch_command(&sandbox, &server, &agent, &["--listen", "127.0.0.1:0"])
        .env("FIXLOOP_WEBHOOK_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watcher.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the watcher says where it listens")
            .unwrap();
        if let Some(addr) = line.strip_prefix("fixloop watch: listening for GitHub's webhooks on ")
        {
            break addr.to_owned();
        }
    };
    let payload = json!({"action": "completed", "workflow_run": delivered,
                         "repository": {"full_name": REPO}});
    let started = Instant::now();
    let (status, text) = post(&addr, "d-922", &payload, None).await;
    assert_eq!(status, 202, "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered at once"
    );
    assert!(text.contains("run 922 taken"), "{text}");
    let (status, text) = post(&addr, "d-922", &payload, None).await;
    assert_eq!((status, text.trim()), (200, "already handled"));
    let (status, _) = post(&addr, "d-forged", &payload, Some("sha256=00ff")).await;
    assert_eq!(status, 401);
    let mut tampered = payload.clone();
    tampered["workflow_run"]["id"] = json!(999);
    let (status, _) = post(
        &addr,
        "d-tampered",
        &tampered,
        Some(&sign(payload.to_string().as_bytes())),
    )
    .await;
    assert_eq!(status, 401, "a body that is not the one signed");

    let deadline = Instant::now() + Duration::from_secs(60);
    while reruns(&server, 922).await == 0 || reruns(&server, 921).await == 0 {
        assert!(Instant::now() < deadline, "both runs re-run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    watcher.kill().unwrap();
    watcher.wait().unwrap();
    assert_eq!(reruns(&server, 922).await, 1, "the redelivery did nothing");
    assert_eq!(
        reruns(&server, 921).await,
        1,
        "the missed run found by the sweep"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| !r.url.path().contains("/runs/999")),
        "nothing is read from a delivery that fails its signature"
    );
}

#[test]
fn listening_needs_the_secret() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.path().join("fixloop.toml"),
        format!("[[repo]]\nname = \"{REPO}\"\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["watch", "--listen", "127.0.0.1:0", "--state"])
        .arg(sandbox.path().join("watch.db"))
        .current_dir(sandbox.path())
        .envs(sandbox.env())
        .env_remove("FIXLOOP_WEBHOOK_SECRET")
        .env("GITHUB_TOKEN", "x")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("FIXLOOP_WEBHOOK_SECRET"), "{stderr}");
}
