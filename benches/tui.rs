//! `cargo bench --bench tui`: prints the TUI's figures.
//!
//! 1. A child prints 1,000,000 lines as fast as it can, through the real process runner, emitter
//!    and journal, into the run screen drawn every frame: every line must reach the log file;
//!    reports frame times (p50/p99/max), lines per second and peak memory (`VmHWM`).
//! 2. The real binary in a pseudo-terminal: time from start to the first frame of `fixloop run`,
//!    and of `fixloop reports` over 10,000 past reports.
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use fixloop::core::event::{EventKind, LineKind, OutputLine, Phase};
use fixloop::engine::emitter::Emitter;
use fixloop::engine::process::{self, Spec};
use fixloop::engine::store::Journal;
use fixloop::ui::tui::app::{Msg, RunApp};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const LINES: u64 = 1_000_000;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round();
    sorted[format!("{rank:.0}")
        .parse::<usize>()
        .unwrap_or(0)
        .min(sorted.len() - 1)]
}

fn flood() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let log = dir.path().join("flood.log");
    let (frames, elapsed, delivered) = runtime.block_on(async {
        let emitter = Emitter::new(Some(Journal::create(dir.path()).unwrap()));
        let mut events = emitter.subscribe();
        let spec = Spec::shell(&format!("seq 1 {LINES}"), dir.path().into(), log.clone());
        let producer_emitter = emitter.clone();
        let started = Instant::now();
        let producer = tokio::spawn(async move {
            let (_tx, mut cancel) = tokio::sync::watch::channel(false);
            let mut sink = |lines: Vec<process::Line>| {
                let lines = lines
                    .into_iter()
                    .map(|l| OutputLine {
                        kind: LineKind::Stdout,
                        text: l.text,
                    })
                    .collect();
                producer_emitter.emit(EventKind::TestOutput {
                    phase: Phase::Verify,
                    run: 1,
                    lines,
                });
            };
            process::run(&spec, &mut sink, &mut cancel).await.unwrap()
        });
        drop(emitter);
        let mut app = RunApp::new(true, Utc::now());
        app.update(Msg::Resize(160, 48));
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        let mut frames = Vec::new();
        let mut delivered = 0u64;
        let mut tick = tokio::time::interval(Duration::from_millis(33));
        let mut open = true;
        while open {
            tick.tick().await;
            let frame = Instant::now();
            loop {
                match events.try_recv() {
                    Ok(event) => {
                        if let EventKind::TestOutput { lines, .. } = &event.kind {
                            delivered += lines.len() as u64;
                        }
                        app.update(Msg::Event(Box::new(event)));
                    }
                    Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                    Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            app.update(Msg::Tick(Utc::now()));
            terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
            frames.push(frame.elapsed());
        }
        producer.await.unwrap();
        (frames, started.elapsed(), delivered)
    });
    let mut sorted = frames.clone();
    sorted.sort();
    let logged = std::fs::read_to_string(&log).unwrap().lines().count();
    println!("flood: {LINES} lines from `seq` through the runner, emitter, journal and run screen");
    println!(
        "  lines in the log file:      {logged} (all: {})",
        logged as u64 == LINES
    );
    println!("  lines shown in the UI:      {delivered}");
    println!(
        "  wall time:                  {:.2} s ({:.0} lines/s)",
        elapsed.as_secs_f64(),
        LINES as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  frame time (update+draw):   p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} frames (target p99 <= 33 ms)",
        percentile(&sorted, 0.5).as_secs_f64() * 1000.0,
        percentile(&sorted, 0.99).as_secs_f64() * 1000.0,
        sorted.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        sorted.len()
    );
    println!(
        "  peak memory (VmHWM):        {:.1} MiB (target <= 100 MiB)",
        peak_rss_mib()
    );
    assert_eq!(logged as u64, LINES, "every line reaches the log file");
}

/// Starts `fixloop ARGS` in a pseudo-terminal in `dir`; returns the time until `needle` shows.
fn first_frame(dir: &Path, args: &[&str], needle: &str) -> Duration {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 140,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fixloop"));
    cmd.args(args);
    cmd.cwd(dir);
    cmd.env("TERM", "xterm-256color");
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    // Read the screen through a terminal emulator: drawing skips unchanged cells, so text is not
    // contiguous in the raw bytes.
    let mut screen = vt100::Parser::new(
        std::num::NonZero::new(40).unwrap(),
        std::num::NonZero::new(140).unwrap(),
        0,
    );
    let mut buf = vec![0u8; 65536];
    let took = loop {
        let n = reader.read(&mut buf).unwrap_or(0);
        assert!(
            n > 0,
            "fixloop {args:?} ended before `{needle}`: {}",
            screen.screen().contents()
        );
        screen.process(&buf[..n]);
        if screen.screen().contents().contains(needle) {
            break started.elapsed();
        }
    };
    std::io::Write::write_all(&mut writer, b"\x03q").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    took
}

fn write_reports(outputs: &Path, n: usize) {
    std::fs::create_dir_all(outputs).unwrap();
    for i in 0..n {
        let day = 1 + i % 28;
        let id = format!(
            "2026-10-{day:02}_10-{:02}-{:02}_failure-{i}",
            (i / 60) % 60,
            i % 60
        );
        let report = serde_json::json!({
            "schema_version": 1, "run_id": id, "name": format!("failure-{i}"),
            "status": if i % 5 == 0 { "failed" } else { "success" }, "exit_code": i32::from(i % 5 == 0),
            "started_at": format!("2026-10-{day:02}T10:00:00+00:00"), "duration_ms": 60_000 + i,
            "input": {"prompt": "tests/test_io.py::test_read fails in CI with a timeout after the pool change", "deterministic": i % 3 != 0, "raw-logs": "ci.log"},
            "phases": [{"name": "logs", "status": "passed", "duration_ms": 10, "attempts": 1}, {"name": "verify", "status": "passed", "duration_ms": 5000, "attempts": 1}],
            "reproduction": {"command": "python -m pytest tests/repro/test_read.py -x -q", "runs": 3, "failures": 3},
            "verification": {"runs": 3, "failures": 0, "failure_rate_upper_95": 0.63},
            "fix": {"branch": format!("fix/failure-{i}"), "base": "main", "commit": "0123456789abcdef0123456789abcdef01234567", "files_changed": ["src/pool.py"]},
            "pr": {"url": format!("https://github.com/acme/app/pull/{i}"), "number": i},
            "agent": {"kind": "claude", "cost_usd": 0.42, "turns": 17, "sessions": ["4ee26e0c-f3a6-4447-8fbd-6352f6905bfb"]},
            "relevant_developers": ["Ada Lovelace <ada@example.com> (12 commits)"],
            "next_steps": ["Review the draft PR and mark it ready once CI passes."],
            "failing_tests": ["tests/test_io.py::test_read"],
        });
        std::fs::write(outputs.join(format!("{id}.json")), report.to_string()).unwrap();
    }
}

fn startup() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "b")
            .env("GIT_AUTHOR_EMAIL", "b@example.com")
            .env("GIT_COMMITTER_NAME", "b")
            .env("GIT_COMMITTER_EMAIL", "b@example.com")
            .output()
            .unwrap()
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.path().join("ci.log"),
        "FAILED tests/test_a.py::test_b - AssertionError\n",
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "init"]);
    std::fs::write(
        dir.path().join("info.json"),
        r#"{"prompt": "fix it", "deterministic": true, "raw-logs": "ci.log", "name": "bench", "agent": "command", "agent-cmd": "sleep 30"}"#,
    )
    .unwrap();
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| first_frame(dir.path(), &["run"], "Phases"))
        .collect();
    runs.sort();
    println!(
        "startup: `fixloop run` in a pseudo-terminal, start to first frame: median {:.1} ms, best {:.1} ms of 5 (target <= 50 ms)",
        runs[2].as_secs_f64() * 1000.0,
        runs[0].as_secs_f64() * 1000.0
    );

    let reports = tempfile::tempdir().unwrap();
    write_reports(&reports.path().join("outputs"), 10_000);
    let mut times: Vec<Duration> = (0..3)
        .map(|_| first_frame(reports.path(), &["reports"], "10000 runs"))
        .collect();
    times.sort();
    println!(
        "reports: `fixloop reports` over 10,000 past reports, start to first screen: median {:.0} ms, best {:.0} ms of 3 (target <= 300 ms)",
        times[1].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    flood();
    startup();
}
