//! Flaky failures with real races: `fixloop stress` finds one and measures it, and the flaky
//! pipeline verifies a real fix with the runs the statistics require, rejects a no-op fix, and
//! says "inconclusive" (exit 3) when the time budget cannot buy enough runs.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use serde_json::{Value, json};
use support::{Sandbox, phased, run_with_agent, write};

/// Two threads; the test fails when the second finishes first: P = (4/10)² / 2 = 8 %.
const RACE: &str = "\
import random, threading, time
order = []
def first():
    time.sleep(random.uniform(0, 0.010))
    order.append('first')
def second():
    time.sleep(0.006 + random.uniform(0, 0.010))
    order.append('second')
threads = [threading.Thread(target=first), threading.Thread(target=second)]
for t in threads: t.start()
for t in threads: t.join()
assert order == ['first', 'second'], f'race lost: order {order}'
";

/// The 99.9 % Wilson interval (so this test itself is not flaky).
fn wide_interval(failures: f64, runs: f64) -> (f64, f64) {
    let z: f64 = 3.290_5;
    let p = failures / runs;
    let centre = p + z * z / (2.0 * runs);
    let spread = z * (p * (1.0 - p) / runs + z * z / (4.0 * runs * runs)).sqrt();
    let d = 1.0 + z * z / runs;
    ((centre - spread) / d, (centre + spread) / d)
}

#[test]
fn stress_finds_a_real_race_and_measures_it() {
    let sandbox = Sandbox::new();
    write(&sandbox.path().join("race.py"), RACE);
    for _ in 0..2 {
        let out = sandbox
            .fixloop(sandbox.path())
            .args([
                "stress",
                "--runs",
                "200",
                "--jobs",
                "2",
                "--json",
                "--signature",
                "race lost",
                "--",
                "python3",
                "race.py",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "some runs fail: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(s["runs"], 200);
        let failures = s["failures"].as_f64().unwrap();
        assert!(failures > 0.0);
        let groups = s["signatures"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "one race, one signature: {groups:?}");
        assert_eq!(
            groups[0]["text"],
            "AssertionError: race lost: order ['second', 'first']"
        );
        assert_eq!(groups[0]["matches_signature"], true);
        let (lo, hi) = wide_interval(failures, 200.0);
        assert!(
            lo <= 0.08 && 0.08 <= hi,
            "the measured rate {failures}/200 fits 8 %"
        );
        let interval = s["interval_95"].as_array().unwrap();
        assert!(
            interval[0].as_f64().unwrap() < failures / 200.0
                && failures / 200.0 < interval[1].as_f64().unwrap()
        );
    }
}

#[test]
fn until_fail_stops_at_the_first_failure() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .fixloop(sandbox.path())
        .args([
            "stress",
            "--runs",
            "500",
            "--jobs",
            "2",
            "--until-fail",
            "--json",
            "--",
            "sh",
            "-c",
            "test $FIXLOOP_STRESS_RUN -ne 7",
        ])
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["first_failure_run"], 7);
    assert!(s["runs"].as_u64().unwrap() < 20, "{s}");
    let hung = sandbox
        .fixloop(sandbox.path())
        .args([
            "stress",
            "--runs",
            "2",
            "--timeout",
            "1",
            "--json",
            "--",
            "sleep",
            "30",
        ])
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&hung.stdout).unwrap();
    assert_eq!(s["failures"], 2);
    assert_eq!(s["signatures"][0]["text"], "(hung: no end within 1 s)");
}

/// A project whose `count()` loses an update when the two threads interleave between reading
/// and writing the total.
fn racy_project(sandbox: &Sandbox) -> std::path::PathBuf {
    let repo = sandbox.python_project();
    write(
        &repo.join("counter.py"),
        "import random, threading, time\n\n\ndef _pause():\n    time.sleep(random.uniform(0, 0.003))\n\n\ndef count():\n    total = [0]\n\n    def work():\n        value = total[0]\n        _pause()\n        total[0] = value + 1\n\n    threads = [threading.Thread(target=work) for _ in range(2)]\n    for t in threads:\n        t.start()\n    for t in threads:\n        t.join()\n    return total[0]\n",
    );
    sandbox.git(&repo, &["add", "counter.py"]);
    sandbox.git(&repo, &["commit", "--quiet", "-m", "Count in parallel"]);
    sandbox.git(&repo, &["push", "--quiet", "origin", "main"]);
    repo
}

/// The reproduction the agent writes: the real race, with its window set by the run's ticket
/// (shared by every run in the sandbox, parallel ones too): odd tickets hold the window open for
/// 200 ms, so both threads read before either writes; even ones close it. Left to the sleep in
/// `counter.py` the rate fell with the machine's load, and a revert check sized from a
/// measurement taken under other load could miss it; taking turns, any two runs in a row hold one
/// failure on unfixed code, and the lock fixes every run.
fn reproduce_count(sandbox: &Sandbox, extra_sleep: &str) -> String {
    let tickets = sandbox.path().join("tickets");
    std::fs::create_dir_all(&tickets).unwrap();
    let tickets = tickets.display();
    format!(
        r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
cat > "$FIXLOOP_FAILURE_DIR/tests/repro_count.py" <<'PY'
import os, time
import counter
{extra_sleep}


def ticket():
    n = 0
    while True:
        try:
            os.close(os.open(os.path.join("{tickets}", str(n)), os.O_CREAT | os.O_EXCL))
            return n
        except FileExistsError:
            n += 1


counter._pause = (lambda: time.sleep(0.2)) if ticket() % 2 else (lambda: None)
n = counter.count()
assert n == 2, f"lost update: count() == {{n}}"
PY
cat > "$FIXLOOP_FAILURE_DIR/repro.json" <<'JSON'
{{"command": "PYTHONPATH=. python3 tests/repro_count.py",
 "files": [{{"source": "tests/repro_count.py", "dest": "tests/repro_count.py"}}],
 "signature": "lost update", "runs": 40, "timeout": 30}}
JSON
"#
    )
}

const FIX_LOCK: &str = r#"
cat > "$FIXLOOP_WORKDIR/counter.py" <<'PY'
import random, threading, time

_lock = threading.Lock()


def _pause():
    time.sleep(random.uniform(0, 0.003))


def count():
    total = [0]

    def work():
        with _lock:
            value = total[0]
            _pause()
            total[0] = value + 1

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total[0]
PY
"#;

fn flaky_info(sandbox: &Sandbox, repo: &std::path::Path, extra: &Value) {
    let mut info = json!({
        "prompt": "count() sometimes returns 1 in CI.",
        "deterministic": false,
        "raw-logs": "ci.log",
        "name": "lost-update",
    });
    for (k, v) in extra.as_object().unwrap() {
        info[k] = v.clone();
    }
    sandbox.info(repo, &info);
}

#[test]
fn a_real_fix_is_verified_with_the_runs_the_statistics_require() {
    let sandbox = Sandbox::new();
    let repo = racy_project(&sandbox);
    let agent = sandbox.agent(
        "agent.sh",
        &phased(&reproduce_count(&sandbox, ""), FIX_LOCK),
    );
    flaky_info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr", "--nice"]);
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(
        report["perturbation"],
        json!(["nice"]),
        "perturbation is recorded"
    );
    // Measured until 3 failures (enough to size the verification), not to the 40-run cap.
    let repro = &report["reproduction"];
    assert_eq!(repro["matching_signature"], 3, "{repro}");
    assert!(repro["runs"].as_u64().unwrap() < 40, "{repro}");
    let verification = &report["verification"];
    assert_eq!(verification["failures"], 0);
    assert!(verification["runs"].as_u64().unwrap() >= 3);
    assert!(verification["revert_check"]["passed"].as_bool().unwrap());
    let md = std::fs::read_to_string(
        report["run_id"]
            .as_str()
            .map(|id| repo.join("outputs").join(format!("{id}.md")))
            .unwrap(),
    )
    .unwrap();
    assert!(
        md.contains("failure rate before:") && md.contains("with 95 % confidence"),
        "{md}"
    );
    assert!(md.contains("a rough rate from few failures"), "{md}");
}

#[test]
fn a_no_op_fix_is_not_verified() {
    let sandbox = Sandbox::new();
    let repo = racy_project(&sandbox);
    let agent = sandbox.agent(
        "agent.sh",
        &phased(
            &reproduce_count(&sandbox, ""),
            "echo '# tried' >> \"$FIXLOOP_WORKDIR/counter.py\"",
        ),
    );
    flaky_info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    // Every attempt's runs still fail (any two runs in a row hold a failure), so exit 1.
    assert_eq!(r.code(), 1, "{}", r.stdout());
    let verifications: Vec<Value> = r
        .events()
        .into_iter()
        .filter(|e| e["kind"]["type"] == "verification-finished")
        .collect();
    assert_eq!(verifications.len(), 3);
    for v in &verifications {
        assert_eq!(v["kind"]["verified"], false, "{v}");
        assert!(
            v["kind"]["findings"]
                .to_string()
                .contains("changes only comments"),
            "{v}"
        );
        // The statistics catch it too, apart from the guard.
        assert!(v["kind"]["passes"]["failures"].as_u64().unwrap() > 0, "{v}");
    }
}

#[test]
fn an_under_budgeted_verification_is_inconclusive() {
    let sandbox = Sandbox::new();
    let repo = racy_project(&sandbox);
    // Each run takes about 1.5 s and the budget is 2 s a phase: not enough runs to be sure.
    let agent = sandbox.agent(
        "agent.sh",
        &phased(&reproduce_count(&sandbox, "time.sleep(1.5)"), FIX_LOCK),
    );
    flaky_info(&sandbox, &repo, &json!({"time-budget": 2, "parallel": 1}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(report["status"], "partial");
    let findings = report["verification"]["findings"].to_string();
    assert!(
        findings.contains("inconclusive") && findings.contains("more runs are needed"),
        "{findings}"
    );
    assert_ne!(report["verification"]["verified"], true);
}

#[test]
fn a_person_who_wants_the_rate_itself_measures_more_failures() {
    let sandbox = Sandbox::new();
    let repo = racy_project(&sandbox);
    let agent = sandbox.agent(
        "agent.sh",
        &phased(&reproduce_count(&sandbox, ""), FIX_LOCK),
    );
    flaky_info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(
        &sandbox,
        &repo,
        &agent,
        &["--no-pr", "--measure-failures", "10"],
    );
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let repro = &r.report()["reproduction"];
    assert_eq!(repro["matching_signature"], 10, "{repro}");
    assert!(!r.stdout().contains("a rough rate"), "{}", r.stdout());
}
