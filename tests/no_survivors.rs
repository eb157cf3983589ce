//! No process outlives its step, through the real binary: daemons an agent or a stress run
//! starts — with `setsid`, a double fork, `nohup`, holding the output pipe, even with the step's
//! marker wiped from their environment — are gone when fixloop is done, and processes outside
//! the run are left alone.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased, run_with_agent};

const KINDS: [&str; 5] = ["setsid", "double", "nohup", "holds-pipe", "wiped"];

/// Shell lines that start one daemon of each kind, each writing its pid to `<kind>.pid` in the
/// folder `dir` (a shell word), and wait until all have; `helper_dir` gets the script they run.
fn daemons(helper_dir: &Path, dir: &str) -> String {
    let daemon = helper_dir.join("daemon.sh");
    support::write(
        &daemon,
        "echo $$ > \"$1.tmp\"; mv \"$1.tmp\" \"$1\"; exec sleep 300\n",
    );
    let run = format!("sh {}", daemon.display());
    format!(
        "mkdir -p {dir}\n\
         setsid {run} {dir}/setsid.pid > /dev/null 2>&1 < /dev/null &\n\
         sh -c '({run} {dir}/double.pid > /dev/null 2>&1 &) &'\n\
         nohup {run} {dir}/nohup.pid > /dev/null 2>&1 &\n\
         setsid {run} {dir}/holds-pipe.pid &\n\
         env -u FIXLOOP_STEP setsid {run} {dir}/wiped.pid > /dev/null 2>&1 &\n\
         for f in {kinds}; do\n\
           while [ ! -s {dir}/$f.pid ]; do sleep 0.01; done\n\
         done\n",
        kinds = KINDS.join(" ")
    )
}

/// Whether `pid` is still there: running, or a zombie nobody reaped.
fn exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn assert_all_gone(dir: &Path) {
    for kind in KINDS {
        let pid: u32 = std::fs::read_to_string(dir.join(format!("{kind}.pid")))
            .unwrap_or_else(|e| panic!("{kind}.pid in {}: {e}", dir.display()))
            .trim()
            .parse()
            .unwrap();
        assert!(!exists(pid), "the {kind} daemon ({pid}) outlived its step");
    }
}

/// The processes whose environment says they belong to a run under `root` (their run folder,
/// `FIXLOOP_RUN_DIR`, lies there): whatever fixloop started, however it left.
fn marked_below(root: &Path) -> Vec<u32> {
    let prefix = format!("FIXLOOP_RUN_DIR={}", root.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.split(|b| *b == 0)
                    .any(|var| var.starts_with(prefix.as_bytes()))
            })
        })
        .collect()
}

/// A process outside any run, in a session of its own; killed when dropped.
struct Outsider(Child);

impl Outsider {
    fn start() -> Self {
        Self(
            Command::new("setsid")
                .args(["sleep", "300"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    fn running(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }
}

impl Drop for Outsider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Shell lines that list, in `out`, every daemon whose pid is under `pids` and that is still
/// there (running, or a zombie nobody reaped).
fn list_survivors(pids: &Path, out: &Path) -> String {
    format!(
        "touch '{out}'\n\
         for f in '{pids}'/*/*.pid; do\n\
           [ -f \"$f\" ] || continue\n\
           if [ -e /proc/$(cat \"$f\") ]; then echo \"$f\" >> '{out}'; fi\n\
         done\n",
        pids = pids.display(),
        out = out.display()
    )
}

#[test]
fn daemons_of_an_agent_and_of_test_runs_end_with_their_step_and_nothing_else_is_touched() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let pids = sandbox.path().join("daemons");
    let start = sandbox.path().join("start-daemons.sh");
    // The folder goes through the environment, so the double fork's inner shell sees it too.
    support::write(
        &start,
        &format!(
            "export DAEMONS=\"$1\"\n{}",
            daemons(sandbox.path(), "\"$DAEMONS\"")
        ),
    );
    // The reproducing agent, each run of the reproduction and the suite start daemons, each
    // into a folder of their own.
    let reproduce = REPRODUCE_ADD.replace(
        "\"command\": \"PYTHONPATH=. python3 tests/repro_add.py\"",
        &format!(
            "\"command\": \"sh {start} {pids}/test-$$ && PYTHONPATH=. python3 tests/repro_add.py\"",
            start = start.display(),
            pids = pids.display()
        ),
    );
    assert_ne!(reproduce, REPRODUCE_ADD);
    let reproduce = format!(
        "sh {} {}/agent\n{reproduce}",
        start.display(),
        pids.display()
    );
    // The fix agent, a later step, looks for what the earlier steps started.
    let seen_by_fix = sandbox.path().join("seen-by-the-fix-step");
    let fix = format!("{}{FIX_ADD}", list_survivors(&pids, &seen_by_fix));
    let agent = sandbox.agent("agent.sh", &phased(&reproduce, &fix));
    sandbox.info(
        &repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add-subtracts",
            "test-command": format!(
                "sh {} {}/suite-$$ && PYTHONPATH=. python3 tests/test_calc.py",
                start.display(),
                pids.display()
            ),
        }),
    );
    let mut outsider = Outsider::start();
    let run = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let started: Vec<String> = std::fs::read_dir(&pids)
        .unwrap()
        .flatten()
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(started.contains(&"agent".to_owned()), "{started:?}");
    assert!(
        started.iter().any(|d| d.starts_with("test-")),
        "{started:?}"
    );
    assert!(
        started.iter().any(|d| d.starts_with("suite-")),
        "{started:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&seen_by_fix).unwrap(),
        "",
        "daemons of earlier steps were still there when the fix step ran"
    );
    for dir in std::fs::read_dir(&pids).unwrap().flatten() {
        assert_all_gone(&dir.path());
    }
    assert_eq!(marked_below(sandbox.path()), Vec::<u32>::new());
    assert!(outsider.running(), "a process outside the run was killed");
}

/// One run at a time, then two side by side (where a daemon that wiped its marker can only be
/// told apart once no other run is going: it ends with the batch at the latest).
#[test]
fn each_stress_runs_daemons_end_with_it() {
    let sandbox = Sandbox::new();
    let pids = sandbox.path().join("stress-daemons");
    let script = daemons(
        sandbox.path(),
        &format!("{}/$FIXLOOP_STRESS_RUN", pids.display()),
    );
    support::write(&sandbox.path().join("start-daemons.sh"), &script);
    let mut outsider = Outsider::start();
    for jobs in ["1", "2"] {
        let out = sandbox
            .fixloop(sandbox.path())
            .args(["stress", "--runs", "4", "--jobs", jobs, "--json", "--logs"])
            .arg(sandbox.path().join(format!("logs-{jobs}")))
            .args(["--", "sh", "start-daemons.sh"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for run in 1..=4 {
            assert_all_gone(&pids.join(run.to_string()));
        }
        std::fs::remove_dir_all(&pids).unwrap();
    }
    assert!(outsider.running(), "a process outside the run was killed");
}
