//! `cargo bench --bench memory`: fixloop's peak memory on output that never ends a line, beside
//! what a person would otherwise run on the same input.
//!
//! 1. a 300 MB log that is one line without a newline: `fixloop logs FILE --json`, `grep -c`,
//!    `tail -n 25`;
//! 2. the generated 1 GiB GitHub Actions job log of `--bench logs`: the same three;
//! 3. a whole `fixloop run --headless --agent command` on a temporary repository whose agent
//!    prints a 400 MB line without a newline before it writes its reproduction; beside it, the
//!    same output piped into `tail -n 25`.
//!
//! Each command runs under a measuring subprocess of its own, which samples the command's peak
//! resident memory (`VmHWM`) until it exits, and then reads `getrusage(RUSAGE_CHILDREN)`: the
//! largest peak of any process in the command's tree (for fixloop, itself and what it ran).
//! `FIXLOOP_BENCH_LOG_MIB` changes the 1 GiB, `FIXLOOP_BENCH_LINE_MB` the 300 MB and 400 MB
//! lines (both then take that many MB).
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};

const FIXLOOP: &str = env!("CARGO_BIN_EXE_fixloop");

/// `VmHWM` of a live process, in KiB (none once it has exited).
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Runs `cmd` and prints `seconds own_kib tree_kib exit_code`: the command's own peak, sampled
/// every 5 ms (`VmHWM` only grows, so the last sample is its peak but for its last few
/// milliseconds), and the largest peak of any process in its tree. Its output is read (and
/// dropped) rather than sent to /dev/null, where GNU grep would stop at the first match.
#[expect(
    clippy::disallowed_methods,
    reason = "a measuring subprocess polling its one child; there is no async runtime"
)]
fn measure(cmd: &[String]) {
    let started = Instant::now();
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while out.read(&mut buf).is_ok_and(|n| n > 0) {}
    });
    let mut own = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            own = own.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drain.join().unwrap();
    let secs = started.elapsed().as_secs_f64();
    let tree = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss();
    println!("{secs} {own} {tree} {}", status.code().unwrap_or(-1));
}

struct Measured {
    secs: f64,
    own_mib: f64,
    tree_mib: f64,
    code: i32,
}

/// Runs `args` through `--measure` in `dir` with `env`.
fn run_measured(args: &[&str], dir: &Path, env: &[(String, String)]) -> Measured {
    let me = std::env::current_exe().unwrap();
    let out = Command::new(me)
        .arg("--measure")
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<f64> = text
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    Measured {
        secs: parts[0],
        own_mib: parts[1] / 1024.0,
        tree_mib: parts[2] / 1024.0,
        #[expect(
            clippy::cast_possible_truncation,
            reason = "an exit code read back from its own decimal text"
        )]
        code: parts[3] as i32,
    }
}

/// One line of `mb` megabytes and no newline: log-like records, some of them errors.
fn single_line(path: &Path, mb: u64) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let target = mb * 1_000_000;
    let mut written = 0u64;
    let mut i = 0u64;
    while written < target {
        let record = if i % 1000 == 500 {
            format!("{{\"level\":\"error\",\"msg\":\"Error: request {i} failed\"}}, ")
        } else {
            format!(
                "{{\"level\":\"info\",\"msg\":\"step {i} ok\",\"took_ms\":{}}}, ",
                i % 97
            )
        };
        out.write_all(record.as_bytes()).unwrap();
        written += record.len() as u64;
        i += 1;
    }
    out.flush().unwrap();
}

/// The generated job log of `--bench logs` (same lines, same proportions).
fn job_log(path: &Path, mib: u64) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let target = mib << 20;
    let mut written = 0u64;
    let mut i = 0u64;
    while written < target {
        let stamp = format!(
            "2026-11-21T10:{:02}:{:02}.{:07}Z",
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 10_000_000
        );
        let line = match i % 1000 {
            0 => format!("{stamp} ##[group]Run cargo test --workspace\n"),
            500 => format!(
                "{stamp} test module_{}::tests::case_{} ... FAILED\n",
                i % 31,
                i % 1000
            ),
            501 => format!(
                "{stamp} thread 'module_{}::tests::case_{}' panicked at src/lib.rs:{}:5:\n",
                i % 31,
                i % 1000,
                i % 400
            ),
            502 => {
                format!("{stamp} assertion `left == right` failed: Error while reading config\n")
            }
            n if n % 7 == 0 => format!(
                "{stamp} \u{1b}[32m   Running\u{1b}[0m tests/integration_{n}.rs (target/debug/deps/integration-0a1b2c3d4e5f)\n"
            ),
            n => format!("{stamp} test module_{}::tests::case_{n} ... ok\n", i % 31),
        };
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        i += 1;
    }
    out.write_all(b"2026-11-21T10:59:59.9999999Z ##[error]Process completed with exit code 101.\n")
        .unwrap();
    out.flush().unwrap();
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn header() {
    println!(
        "{:<44} {:<34} {:>8} {:>10} {:>10} {:>5} {:>10}",
        "input", "command", "time", "own peak", "tree peak", "exit", "target"
    );
}

/// One line of the table; a command too quick to be sampled shows no own peak (its tree peak,
/// from the kernel's accounting, is exact; it covers the command itself).
fn row(input: &str, command: &str, m: &Measured, target: &str) {
    let own = if m.own_mib > 0.0 {
        format!("{:.1} MiB", m.own_mib)
    } else {
        "–".to_owned()
    };
    println!(
        "{input:<44} {command:<34} {:>6.1} s {own:>10} {:>6.1} MiB {:>5} {target:>10}",
        m.secs, m.tree_mib, m.code
    );
}

/// A whole headless run whose agent prints `mb` megabytes on one line, then reproduces and
/// fixes the python project's bug; and the same output piped into `tail -n 25`.
fn agent_run(mb: u64) -> (Measured, Measured) {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let flood = format!("head -c {} /dev/zero | tr '\\0' x", mb * 1_000_000);
    let agent = sandbox.agent(
        "agent.sh",
        &phased(&format!("{flood}\n{REPRODUCE_ADD}"), FIX_ADD),
    );
    sandbox.info(
        &repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add-subtracts",
            "test-command": "PYTHONPATH=. python3 tests/test_calc.py",
        }),
    );
    let agent = agent.display().to_string();
    let run = run_measured(
        &[
            FIXLOOP,
            "run",
            "--headless",
            "--agent",
            "command",
            "--agent-cmd",
            &agent,
            "--no-pr",
        ],
        &repo,
        &sandbox.env(),
    );
    let piped = run_measured(
        &["sh", "-c", &format!("{flood} | tail -n 25")],
        sandbox.path(),
        &[],
    );
    (run, piped)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(&args[i + 1..]);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let line_mb = env_number("FIXLOOP_BENCH_LINE_MB", 0);
    let (logs_line_mb, agent_line_mb) = if line_mb > 0 {
        (line_mb, line_mb)
    } else {
        (300, 400)
    };
    let log_mib = env_number("FIXLOOP_BENCH_LOG_MIB", 1024);
    let dir = tempfile::tempdir().unwrap();
    let one_line = dir.path().join("one-line.log");
    single_line(&one_line, logs_line_mb);
    let job = dir.path().join("job.log");
    job_log(&job, log_mib);
    header();
    for (input, path) in [
        (format!("one {logs_line_mb} MB line, no newline"), &one_line),
        (format!("{log_mib} MiB job log (normal lines)"), &job),
    ] {
        let path = path.display().to_string();
        let m = run_measured(&[FIXLOOP, "logs", &path, "--json"], dir.path(), &[]);
        row(&input, "fixloop logs FILE --json", &m, "<= 64 MiB");
        let m = run_measured(&["grep", "-c", "error", &path], dir.path(), &[]);
        row(&input, "grep -c error FILE", &m, "");
        let m = run_measured(&["tail", "-n", "25", &path], dir.path(), &[]);
        row(&input, "tail -n 25 FILE", &m, "");
    }
    drop(dir);
    let (run, piped) = agent_run(agent_line_mb);
    let input = format!("agent prints {agent_line_mb} MB, no newline");
    row(&input, "fixloop run --headless", &run, "<= 100 MiB");
    row(&input, "the same output | tail -n 25", &piped, "");
}
