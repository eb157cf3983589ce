//! The process runner with real children: output reaches the log file in full and the sink in
//! batches, stdin is fed, and a time budget or a cancel ends the whole process group — no child
//! or grandchild outlives its step.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;
use std::time::Duration;

use fixloop::engine::process::{self, Ending, Line, Spec};
use support::SmallDisk;
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

/// Whether `pid` is still there at all: running, or a zombie nobody reaped.
fn exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// A script that starts a daemon each way a process leaves its step's process group or its
/// parent — `setsid`, a double fork, `nohup` — and one that keeps the output pipe open, waits
/// until each has written its pid to `<name>.pid` in the folder `dir` (a shell word), and exits
/// 0. Each daemon sleeps 300 s; `helper_dir` gets the script they run.
fn daemons(helper_dir: &Path, dir: &str) -> String {
    let daemon = helper_dir.join("daemon.sh");
    std::fs::write(
        &daemon,
        "echo $$ > \"$1.tmp\"; mv \"$1.tmp\" \"$1\"; exec sleep 300\n",
    )
    .unwrap();
    let run = format!("sh {}", daemon.display());
    format!(
        "mkdir -p {dir}\n\
         setsid {run} {dir}/setsid.pid > /dev/null 2>&1 < /dev/null &\n\
         sh -c '({run} {dir}/double.pid > /dev/null 2>&1 &) &'\n\
         nohup {run} {dir}/nohup.pid > /dev/null 2>&1 &\n\
         setsid {run} {dir}/holds-pipe.pid &\n\
         for f in setsid double nohup holds-pipe; do\n\
           while [ ! -s {dir}/$f.pid ]; do sleep 0.01; done\n\
         done\n\
         echo started\n"
    )
}

fn daemon_pids(dir: &Path) -> Vec<(String, i32)> {
    ["setsid", "double", "nohup", "holds-pipe"]
        .iter()
        .map(|name| {
            let pids = read_pids(&dir.join(format!("{name}.pid")));
            assert_eq!(pids.len(), 1, "{name} wrote no pid");
            ((*name).to_owned(), pids[0])
        })
        .collect()
}

#[tokio::test]
async fn daemons_that_left_the_group_end_with_their_step() {
    let dir = tempfile::tempdir().unwrap();
    let script = daemons(dir.path(), &dir.path().display().to_string());
    let mut spec = Spec::shell(&script, dir.path().into(), dir.path().join("log"));
    spec.grace = Duration::from_millis(500);
    let (_tx, mut rx) = watch::channel(false);
    let mut lines = Vec::new();
    let mut sink = |batch: Vec<Line>| lines.extend(batch.into_iter().map(|l| l.text));
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert!(finished.success());
    assert_eq!(lines, ["started"]);
    // Gone when `run` returns: not running, and not left as a zombie either.
    for (name, pid) in daemon_pids(dir.path()) {
        assert!(!exists(pid), "the {name} daemon ({pid}) outlived its step");
    }
}

#[tokio::test]
async fn daemons_end_with_a_step_that_timed_out_and_with_each_stress_run() {
    let dir = tempfile::tempdir().unwrap();
    let script = daemons(dir.path(), &dir.path().display().to_string());
    let mut spec = Spec::shell(
        &format!("{script}sleep 300\n"),
        dir.path().into(),
        dir.path().join("log"),
    );
    spec.timeout = Some(Duration::from_secs(2));
    spec.grace = Duration::from_millis(300);
    let (_tx, mut rx) = watch::channel(false);
    let mut sink = |_: Vec<Line>| {};
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert_eq!(finished.ending, Ending::TimedOut);
    for (name, pid) in daemon_pids(dir.path()) {
        assert!(!exists(pid), "the {name} daemon ({pid}) outlived its step");
    }

    // Through `stress`: each run starts its daemons in a folder of its own.
    let runs = dir.path().join("runs");
    let script = daemons(
        dir.path(),
        &format!("{}/$FIXLOOP_STRESS_RUN", runs.display()),
    );
    let stress = fixloop::engine::stress::StressSpec {
        command: script,
        cwd: dir.path().into(),
        runs: 4,
        jobs: 2,
        timeout: Duration::from_secs(30),
        budget: None,
        stop_after_failures: None,
        logs_dir: dir.path().join("stress-logs"),
        seed: 1,
        env: Vec::new(),
        env_remove: Vec::new(),
        ci_signature: None,
        nice: false,
    };
    let outcome = fixloop::engine::stress::run(&stress, &mut |_| {}, rx.clone()).await;
    assert_eq!((outcome.runs, outcome.failures), (4, 0), "{outcome:?}");
    for run in 1..=4 {
        for (name, pid) in daemon_pids(&runs.join(run.to_string())) {
            assert!(
                !exists(pid),
                "run {run}'s {name} daemon ({pid}) outlived it"
            );
        }
    }
}

#[tokio::test]
async fn an_endless_line_is_cut_in_the_events_and_kept_whole_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.log");
    // 3 MB on one line, a short line, then 1 MB of a line that never ends; the first long line
    // starts with one byte before two-byte characters, so its 16 KiB cut falls inside one.
    let script = "printf x; head -c 3000000 /dev/zero | sed 's/\\x0/é/g'; echo; echo after; \
                  head -c 1000000 /dev/zero | tr '\\0' y";
    let spec = Spec::shell(script, dir.path().into(), log.clone());
    let (_tx, mut rx) = watch::channel(false);
    let mut lines = Vec::new();
    let mut sink = |batch: Vec<Line>| lines.extend(batch.into_iter().map(|l| l.text));
    let finished = process::run(&spec, &mut sink, &mut rx).await.unwrap();
    assert!(finished.success());
    let first = format!("x{} …[cut]", "é".repeat(8191));
    let last = format!("{} …[cut]", "y".repeat(16 * 1024));
    assert_eq!(lines, [first.clone(), "after".to_owned(), last.clone()]);
    assert_eq!(finished.tail, [first, "after".to_owned(), last]);
    let logged = std::fs::read(&log).unwrap();
    let expected = format!(
        "x{}\nafter\n{}\n",
        "é".repeat(3_000_000),
        "y".repeat(1_000_000)
    );
    assert!(
        logged == expected.as_bytes(),
        "the log holds {} bytes",
        logged.len()
    );
}

#[tokio::test]
async fn a_log_that_cannot_be_written_stops_the_child_and_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // Writes to /dev/full fail with ENOSPC, like a full disk.
    let spec = Spec::shell(
        &format!("echo $$ > {}; exec yes", pid_file.display()),
        dir.path().into(),
        "/dev/full".into(),
    );
    let (_tx, mut rx) = watch::channel(false);
    let mut sink = |_: Vec<Line>| {};
    let err = process::run(&spec, &mut sink, &mut rx).await.unwrap_err();
    assert!(
        matches!(&err, process::SpawnError::LogWrite { path, source }
            if path == Path::new("/dev/full") && source.raw_os_error() == Some(28)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "writing the log file /dev/full failed: No space left on device (os error 28)"
    );
    let pid = read_pids(&pid_file)[0];
    assert!(
        !exists(pid),
        "the child ({pid}) went on after its log failed"
    );

    // A single short line fails when the log is flushed, after the child is done.
    let spec = Spec::shell("echo hello", dir.path().into(), "/dev/full".into());
    let err = process::run(&spec, &mut sink, &mut rx).await.unwrap_err();
    assert!(
        matches!(err, process::SpawnError::LogWrite { .. }),
        "{err:?}"
    );

    // The same for a stress run's log.
    let spec = Spec::shell(
        &format!("echo $$ > {}; exec yes", pid_file.display()),
        dir.path().into(),
        "/dev/full".into(),
    );
    let err = process::run_to_file(&spec, &mut rx).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "writing the log file /dev/full failed: No space left on device (os error 28)"
    );
    let pid = read_pids(&pid_file)[0];
    assert!(
        !exists(pid),
        "the child ({pid}) went on after its log failed"
    );
}

#[tokio::test]
async fn stress_stops_when_a_runs_log_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // The first slot's log is /dev/full.
    std::os::unix::fs::symlink("/dev/full", logs.join("slot-0.log")).unwrap();
    let stress = fixloop::engine::stress::StressSpec {
        command: "echo some output".into(),
        cwd: dir.path().into(),
        runs: 50,
        jobs: 1,
        timeout: Duration::from_secs(30),
        budget: None,
        stop_after_failures: None,
        logs_dir: logs.clone(),
        seed: 1,
        env: Vec::new(),
        env_remove: Vec::new(),
        ci_signature: None,
        nice: false,
    };
    let (_tx, rx) = watch::channel(false);
    let outcome = fixloop::engine::stress::run(&stress, &mut |_| {}, rx).await;
    let slot = logs.join("slot-0.log");
    assert_eq!(
        outcome.log_write_error.as_deref(),
        Some(
            format!(
                "writing the log file {} failed: No space left on device (os error 28)",
                slot.display()
            )
            .as_str()
        )
    );
    assert!(outcome.stopped_early);
    assert_eq!(outcome.runs, 0);
}

#[tokio::test]
async fn a_full_disk_stops_the_step_with_the_log_and_the_error_named() {
    let Some(disk) = SmallDisk::mount("256k") else {
        return;
    };
    let log = disk.path().join("step.log");
    let spec = Spec::shell(
        "i=0; while [ $i -lt 100000 ]; do echo \"line $i of output\"; i=$((i+1)); done",
        disk.path().into(),
        log.clone(),
    );
    let (_tx, mut rx) = watch::channel(false);
    let mut sink = |_: Vec<Line>| {};
    let err = process::run(&spec, &mut sink, &mut rx).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "writing the log file {} failed: No space left on device (os error 28)",
            log.display()
        )
    );
}
