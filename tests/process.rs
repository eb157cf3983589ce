//! The process runner with real children: output reaches the log file in full and the sink in
//! batches, stdin is fed, and a time budget or a cancel ends the whole process group — no child
//! or grandchild outlives its step.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::Path;
use std::time::Duration;

use fixloop::engine::process::{self, Ending, Line, Spec};
use tokio::sync::watch;

fn alive(pid: i32) -> bool {
    // `kill -0` succeeds while the process exists (zombies are reaped by init quickly enough
    // for the polling below).
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.split_whitespace().nth(2) == Some("Z"))
}

async fn wait_gone(pid: i32) -> bool {
    for _ in 0..100 {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn read_pids(path: &Path) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// A shell that starts a background grandchild and a child, records their pids, then hangs.
fn family(dir: &Path) -> String {
    let pids = dir.join("pids");
    format!(
        "sleep 300 & echo $! >> {p}; sh -c 'sleep 300 & echo $! >> {p}; wait' & echo $! >> {p}; \
         echo $$ >> {p}; echo started; wait",
        p = pids.display()
    )
}

async fn wait_for_pids(path: &Path, n: usize) -> Vec<i32> {
    for _ in 0..200 {
        let pids = read_pids(path);
        if pids.len() >= n {
            return pids;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the children never started");
}

#[tokio::test]
async fn a_cancelled_step_leaves_no_child_or_grandchild_alive() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = Spec::shell(
        &family(dir.path()),
        dir.path().into(),
        dir.path().join("log"),
    );
    spec.grace = Duration::from_millis(500);
    let (tx, mut rx) = watch::channel(false);
    let pids_file = dir.path().join("pids");
    let canceller = tokio::spawn(async move {
        let pids = wait_for_pids(&pids_file, 4).await;
        for pid in &pids {
            assert!(
                alive(*pid),
                "process {pid} should be running before the cancel"
            );
        }
        tx.send(true).unwrap();
        pids
    });
    let mut sink = |_: Vec<Line>| {};
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert_eq!(finished.ending, Ending::Cancelled);
    let pids = canceller.await.unwrap();
    for pid in pids {
        assert!(
            wait_gone(pid).await,
            "process {pid} outlived the cancelled step"
        );
    }
}

#[tokio::test]
async fn the_time_budget_ends_the_whole_group_even_when_sigterm_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!(
        "trap '' TERM; sh -c \"trap '' TERM; sleep 300\" & echo $! >> {p}; echo $$ >> {p}; wait",
        p = pids.display()
    );
    let mut spec = Spec::shell(&script, dir.path().into(), dir.path().join("log"));
    spec.timeout = Some(Duration::from_millis(500));
    spec.grace = Duration::from_millis(300);
    let (_tx, mut rx) = watch::channel(false);
    let mut sink = |_: Vec<Line>| {};
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert_eq!(finished.ending, Ending::TimedOut);
    for pid in read_pids(&pids) {
        assert!(
            wait_gone(pid).await,
            "process {pid} survived SIGKILL after the grace period"
        );
    }
}

#[tokio::test]
async fn when_the_child_exits_what_it_left_running_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!(
        "sleep 300 > /dev/null 2>&1 & echo $! > {}; echo done",
        pids.display()
    );
    let spec = Spec::shell(&script, dir.path().into(), dir.path().join("log"));
    let (_tx, mut rx) = watch::channel(false);
    let mut sink = |_: Vec<Line>| {};
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert!(finished.success());
    for pid in read_pids(&pids) {
        assert!(
            wait_gone(pid).await,
            "the background process {pid} was left running"
        );
    }
}

#[tokio::test]
async fn all_output_reaches_the_log_and_the_sink_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.log");
    let script = "i=0; while [ $i -lt 20000 ]; do echo \"line $i\"; i=$((i+1)); done; echo oops >&2; printf 'no newline'";
    let spec = Spec::shell(script, dir.path().into(), log.clone());
    let (_tx, mut rx) = watch::channel(false);
    let mut batches = 0;
    let mut lines = Vec::new();
    let mut sink = |batch: Vec<Line>| {
        batches += 1;
        lines.extend(batch);
    };
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert!(finished.success());
    assert_eq!(lines.len(), 20_002);
    assert!(
        batches < 20_002 / 10,
        "lines are batched, not sent one by one ({batches} batches)"
    );
    assert!(lines.iter().any(|l| l.stderr && l.text == "oops"));
    assert_eq!(lines.last().unwrap().text, "no newline");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(logged.lines().count(), 20_002);
    assert!(logged.contains("line 19999\n"));
    assert_eq!(finished.tail.last().unwrap(), "no newline");
}

#[tokio::test]
async fn the_prompt_is_piped_and_stdin_is_otherwise_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = Spec::shell("cat; echo end", dir.path().into(), dir.path().join("log"));
    spec.stdin = Some(b"the prompt\nsecond line\n".to_vec());
    let (_tx, mut rx) = watch::channel(false);
    let mut lines = Vec::new();
    let mut sink = |batch: Vec<Line>| lines.extend(batch.into_iter().map(|l| l.text));
    process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert_eq!(lines, ["the prompt", "second line", "end"]);

    // Without a prompt, a child reading stdin sees end-of-file at once instead of hanging.
    let spec = Spec::shell("cat; echo eof", dir.path().into(), dir.path().join("log2"));
    let mut lines = Vec::new();
    let mut sink = |batch: Vec<Line>| lines.extend(batch.into_iter().map(|l| l.text));
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert!(finished.success());
    assert_eq!(lines, ["eof"]);
}

#[tokio::test]
async fn a_missing_program_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        program: "fixloop-no-such-program".into(),
        ..Spec::shell("", dir.path().into(), dir.path().join("log"))
    };
    let (_tx, mut rx) = watch::channel(false);
    let mut sink = |_: Vec<Line>| {};
    let err = process::run(&spec, &mut sink, &mut rx).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "`fixloop-no-such-program` was not found on PATH"
    );
}
