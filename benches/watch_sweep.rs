//! `cargo bench --bench watch_sweep`: one idle sweep of `fixloop watch --once` over 100
//! repositories on a GitHub stand-in (127.0.0.1): requests sent, how many cost rate limit, and
//! the time — with the `ETag`s the watcher keeps (GitHub answers an unchanged list with 304,
//! which costs no rate limit), side by side with the same sweep without them (as a poller that
//! keeps nothing does it: every list fetched whole).
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REPOS: usize = 100;
const SWEEPS: usize = 5;

async fn stand_in() -> MockServer {
    let server = MockServer::start().await;
    // A page of 30 runs, all green: the list a busy repository returns.
    let runs: Vec<_> = (0..30)
        .map(|i| {
            json!({"id": 1000 + i, "name": "CI", "head_sha": format!("{i:040x}"),
                   "head_branch": "main", "event": "push", "status": "completed",
                   "conclusion": "success", "run_attempt": 1, "pull_requests": []})
        })
        .collect();
    for n in 0..REPOS {
        let route = format!("/repos/acme/repo-{n}/actions/runs");
        let etag = format!("\"list-{n}\"");
        Mock::given(method("GET"))
            .and(path(route.as_str()))
            .and(header("if-none-match", etag.as_str()))
            .respond_with(ResponseTemplate::new(304))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(route.as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("etag", etag.as_str())
                    .set_body_json(json!({"total_count": 30, "workflow_runs": runs})),
            )
            .with_priority(2)
            .mount(&server)
            .await;
    }
    server
}

fn sweep(dir: &Path, server: &MockServer, state: &Path) -> Duration {
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fixloop"))
        .args(["watch", "--once", "--config"])
        .arg(dir.join("fixloop.toml"))
        .arg("--state")
        .arg(state)
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", "ghs_benchtoken0123456789abcdefghijklmn")
        .env("HOME", dir)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for n in 0..REPOS {
        let _ = writeln!(config, "[[repo]]\nname = \"acme/repo-{n}\"\n");
    }
    std::fs::write(dir.path().join("fixloop.toml"), config).unwrap();
    let server = stand_in().await;
    let kept = dir.path().join("kept.db");
    sweep(dir.path(), &server, &kept);
    println!("idle sweep over {REPOS} repositories, median of {SWEEPS}:");
    println!("| poller | requests per sweep | answered 304 | rate limit spent | time |");
    println!("|---|---|---|---|---|");
    for keeps in [true, false] {
        let mut times = Vec::new();
        let mut requests = 0;
        let mut unchanged = 0;
        for i in 0..SWEEPS {
            let fresh = dir.path().join(format!("fresh-{i}.db"));
            let state = if keeps { &kept } else { &fresh };
            // A stand-in of its own for each sweep, so its requests are counted alone.
            let again = stand_in().await;
            times.push(sweep(dir.path(), &again, state));
            let received = again.received_requests().await.unwrap();
            requests = received.len();
            unchanged = received
                .iter()
                .filter(|r| r.headers.contains_key("if-none-match"))
                .count();
        }
        println!(
            "| {} | {requests} | {unchanged} | {} | {:.0} ms |",
            if keeps {
                "fixloop watch (ETags kept)"
            } else {
                "a poller that keeps nothing"
            },
            requests - unchanged,
            median(times).as_secs_f64() * 1000.0
        );
    }
}
