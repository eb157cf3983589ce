//! `cargo bench --bench stress` prints issue 5's figures:
//! (a) 2,000 runs of a trivial command with J=2, `fixloop stress` against `xargs -P 2` over the
//!     same command, interleaved, best of 3;
//! (b) a simulation of fixloop's flaky verification over failure rates 50 %, 20 %, 10 %, 5 %, 2 %
//!     (1,000 trials each): how often a test that was NOT fixed is declared fixed, beside the
//!     "passes 5 times" rule, and the mean verification runs against the theoretical minimum.
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

use std::process::{Command, Stdio};
use std::time::Instant;

use fixloop::core::stats::{FAILURES_TO_MEASURE, verification_runs};

fn time(mut cmd: Command) -> f64 {
    let started = Instant::now();
    let status = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .unwrap()
        .status;
    assert!(status.code().is_some(), "{cmd:?} did not run");
    started.elapsed().as_secs_f64()
}

fn overhead() {
    let dir = tempfile::tempdir().unwrap();
    let mut ours = Vec::new();
    let mut xargs = Vec::new();
    for _ in 0..3 {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fixloop"));
        c.args([
            "stress", "--runs", "2000", "--jobs", "2", "--json", "--logs",
        ])
        .arg(dir.path().join("logs"))
        .args(["--", "true"]);
        ours.push(time(c));
        let mut c = Command::new("sh");
        c.args(["-c", "seq 2000 | xargs -P 2 -I{} sh -c true"]);
        xargs.push(time(c));
    }
    let best = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let (o, x) = (best(&ours), best(&xargs));
    println!("(a) 2,000 runs of `true`, J=2 (best of 3, interleaved)");
    println!(
        "    fixloop stress --runs 2000 --jobs 2   {o:.2} s  ({:.0} runs/s)",
        2000.0 / o
    );
    println!(
        "    seq 2000 | xargs -P 2 sh -c true      {x:.2} s  ({:.0} runs/s)",
        2000.0 / x
    );
    println!("    ratio {:.2} (target <= 1.10)", o / x);
}

/// xorshift64*: a small, seedable generator, enough for a simulation.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn passes(&mut self, p: f64, runs: u32) -> bool {
        (0..runs).all(|_| self.next_f64() >= p)
    }
}

fn simulation() {
    const TRIALS: u32 = 1000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    println!(
        "(b) an unfixed flaky test, {TRIALS} trials per failure rate: how often it is declared fixed"
    );
    println!(
        "    rate   fixloop  5 passes   mean runs   minimum ln(0.05)/ln(1-p)   ratio (to the whole-run minimum)"
    );
    for p in [0.5, 0.2, 0.1, 0.05, 0.02] {
        let (mut ours, mut naive, mut runs) = (0u32, 0u32, 0u64);
        for _ in 0..TRIALS {
            // The reproduction: run until FAILURES_TO_MEASURE failures, as the pipeline does.
            let (mut failures, mut measured) = (0, 0);
            while failures < FAILURES_TO_MEASURE {
                measured += 1;
                if rng.next_f64() < p {
                    failures += 1;
                }
            }
            let required = verification_runs(failures, measured);
            runs += u64::from(required);
            if rng.passes(p, required) {
                ours += 1;
            }
            if rng.passes(p, 5) {
                naive += 1;
            }
        }
        let minimum = 0.05_f64.ln() / (1.0 - p).ln();
        let mean = runs as f64 / f64::from(TRIALS);
        println!(
            "    {:>3.0} %   {:>5.1} %   {:>6.1} %   {:>9.1}   {:>10.1} ({:>3.0} whole runs)      {:.2} ({:.2})",
            p * 100.0,
            f64::from(ours) / f64::from(TRIALS) * 100.0,
            f64::from(naive) / f64::from(TRIALS) * 100.0,
            mean,
            minimum,
            minimum.ceil(),
            mean / minimum,
            mean / minimum.ceil()
        );
    }
    println!("    targets: fixloop <= 5 % at every rate; mean runs <= 1.1x the minimum");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    simulation();
    overhead();
}
