//! `cargo bench --bench sync_idle`: `fixloop sync` when upstream has nothing new — the nightly
//! run's usual case — against an upstream with 300 release tags, median of 5: fixloop's whole
//! run (configuration, the fork's base, the last sync's trailer, upstream's tags, the run's
//! journal and report), side by side with the least any check must do (`git ls-remote --tags`)
//! and what a hand-written script usually does (`git fetch --tags`, then compares).
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark: a panic is a failed measurement"
)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How a row's command is made again for each run.
type MakeCommand<'a> = Box<dyn Fn() -> Command + 'a>;

const TAGS: usize = 300;
const RUNS: usize = 5;

fn git(dir: &Path, home: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn timed(mut command: Command) -> Duration {
    let started = Instant::now();
    let out = command.output().unwrap();
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

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let work = root.join("upstream-work");
    std::fs::create_dir_all(&work).unwrap();
    git(root, &home, &["init", "--quiet", "--bare", "upstream.git"]);
    git(&work, &home, &["init", "--quiet", "-b", "main"]);
    for n in 0..TAGS {
        std::fs::write(work.join("version.txt"), format!("{n}\n")).unwrap();
        git(&work, &home, &["add", "-A"]);
        git(
            &work,
            &home,
            &["commit", "--quiet", "-m", &format!("Release {n}")],
        );
        git(
            &work,
            &home,
            &["tag", "-a", &format!("v1.{n}.0"), "-m", "release"],
        );
    }
    let upstream = root.join("upstream.git").display().to_string();
    git(
        &work,
        &home,
        &["push", "--quiet", &upstream, "main", "--tags"],
    );
    git(root, &home, &["clone", "--quiet", &upstream, "fork"]);
    let fork = root.join("fork");
    std::fs::write(
        root.join("fixloop.toml"),
        format!("[sync]\nrepo = \"acme/fork\"\nupstream = \"{upstream}\"\n"),
    )
    .unwrap();
    println!("`fixloop sync` with nothing new, {TAGS} upstream tags, median of {RUNS}:");
    println!("| what | time |");
    println!("|---|---|");
    let rows: [(&str, MakeCommand); 3] = [
        (
            "`fixloop sync` (nothing new: exit 0, nothing sent)",
            Box::new(|| {
                let mut c = Command::new(env!("CARGO_BIN_EXE_fixloop"));
                c.args(["sync", "--headless", "--config"])
                    .arg(root.join("fixloop.toml"))
                    .current_dir(&fork)
                    .env("HOME", &home)
                    .env("XDG_STATE_HOME", root.join("state"))
                    .env("GITHUB_TOKEN", "ghp_bench")
                    .env("GITHUB_API_URL", "http://127.0.0.1:9");
                c
            }),
        ),
        (
            "`git ls-remote --tags` alone",
            Box::new(|| {
                let mut c = Command::new("git");
                c.args(["ls-remote", "--tags", &upstream])
                    .current_dir(&fork)
                    .env("HOME", &home);
                c
            }),
        ),
        (
            "`git fetch --tags` (a hand-written sync script's first step)",
            Box::new(|| {
                let mut c = Command::new("git");
                c.args(["fetch", "--quiet", "--tags", &upstream])
                    .current_dir(&fork)
                    .env("HOME", &home);
                c
            }),
        ),
    ];
    for (what, command) in &rows {
        let times: Vec<Duration> = (0..RUNS).map(|_| timed(command())).collect();
        println!(
            "| {what} | {:.0} ms |",
            median(times).as_secs_f64() * 1000.0
        );
    }
}
