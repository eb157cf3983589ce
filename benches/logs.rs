//! `cargo bench --bench logs`: `fixloop logs` on a generated 1 GiB GitHub Actions job log,
//! side by side with `grep -c -E 'FAIL|Error|error'` and ripgrep's `rg -c` over the same file:
//! wall time, throughput and each command's own peak memory. `FIXLOOP_BENCH_LOG_MIB` changes the
//! size. ripgrep is measured where it is installed (`apt-get install ripgrep`), and said missing
//! otherwise.
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

/// Runs `cmd` and prints `seconds peak_kib` for it alone (this process waits for nothing else).
fn measure(cmd: &[String]) {
    // Output goes to a pipe that is read: GNU grep stops at the first match when its output is
    // /dev/null, which would not be a fair comparison.
    let started = Instant::now();
    let output = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let status = output.status;
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
    println!("{secs} {} {}", usage.max_rss(), status.code().unwrap_or(-1));
}

fn generate(path: &Path, mib: u64) {
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
            1 => format!(
                "{stamp}    Compiling crate-{} v0.1.{} (/home/runner/work/app/app)\n",
                i % 97,
                i % 13
            ),
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

fn run_measured(args: &[String]) -> (f64, f64) {
    let me = std::env::current_exe().unwrap();
    let out = Command::new(me)
        .arg("--measure")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next().unwrap().parse().unwrap();
    let kib: f64 = parts.next().unwrap().parse().unwrap();
    (secs, kib / 1024.0)
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
    let mib: u64 = std::env::var("FIXLOOP_BENCH_LOG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("job.log");
    let started = Instant::now();
    generate(&log, mib);
    let size = std::fs::metadata(&log).unwrap().len();
    println!(
        "log: {:.0} MiB generated in {:.1} s",
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    let log_arg = log.display().to_string();
    let pattern = "FAIL|Error|error";
    let mut commands: Vec<(String, Vec<String>)> = vec![(
        format!("grep -c -E '{pattern}'"),
        ["grep", "-c", "-E", pattern, &log_arg]
            .map(str::to_owned)
            .to_vec(),
    )];
    let rg_here = Command::new("rg")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if rg_here {
        commands.push((
            format!("rg -c '{pattern}'"),
            ["rg", "-c", pattern, &log_arg].map(str::to_owned).to_vec(),
        ));
    } else {
        println!("rg: not installed here (apt-get install ripgrep), not measured");
    }
    commands.push((
        "fixloop logs --json".to_owned(),
        [env!("CARGO_BIN_EXE_fixloop"), "logs", &log_arg, "--json"]
            .map(str::to_owned)
            .to_vec(),
    ));
    // Warm the page cache so every command reads from memory.
    run_measured(&commands[0].1);
    let mut results: Vec<Vec<(f64, f64)>> = vec![Vec::new(); commands.len()];
    for _ in 0..3 {
        for (i, (_, cmd)) in commands.iter().enumerate() {
            results[i].push(run_measured(cmd));
        }
    }
    let best = |v: &[(f64, f64)]| {
        v.iter()
            .copied()
            .fold((f64::MAX, 0.0_f64), |(t, m), (t2, m2)| {
                (t.min(t2), m.max(m2))
            })
    };
    let mb = size as f64 / 1_000_000.0;
    println!(
        "{:<44} {:>9} {:>11} {:>12}",
        "command (best of 3)", "time", "throughput", "peak memory"
    );
    let mut figures = Vec::new();
    for ((name, _), runs) in commands.iter().zip(&results) {
        let (t, m) = best(runs);
        println!("{name:<44} {t:>7.2} s {:>6.0} MB/s {m:>8.1} MiB", mb / t);
        figures.push((name.as_str(), t, m));
    }
    let (_, ours, ours_mib) = figures[figures.len() - 1];
    let (_, grep, _) = figures[0];
    println!(
        "ratio fixloop/grep: {:.2} (target <= 1.5); fixloop peak memory {ours_mib:.1} MiB (target <= 64 MiB)",
        ours / grep
    );
    if rg_here {
        println!(
            "ratio fixloop/rg: {:.2} (rg only counts lines; fixloop also parses them)",
            ours / figures[1].1
        );
    }
}
