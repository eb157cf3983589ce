//! Whole runs of `fixloop run --headless` with `command` agents on real temporary repositories.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased, run_with_agent, write};

fn good_info(sandbox: &Sandbox, repo: &Path, extra: &serde_json::Value) {
    let mut info = json!({
        "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
        "deterministic": true,
        "raw-logs": "ci.log",
        "name": "add-subtracts",
        "test-command": "PYTHONPATH=. python3 tests/test_calc.py",
    });
    for (k, v) in extra.as_object().unwrap() {
        info[k] = v.clone();
    }
    sandbox.info(repo, &info);
}

/// `fixloop run --headless` on `repo` with a command agent doing `reproduce` then `fix`, and the
/// good info.json plus `info`.
fn run_agent(
    sandbox: &Sandbox,
    repo: &Path,
    (reproduce, fix): (&str, &str),
    info: &serde_json::Value,
    extra: &[&str],
) -> support::Run {
    let agent = sandbox.agent("agent.sh", &phased(reproduce, fix));
    good_info(sandbox, repo, info);
    run_with_agent(sandbox, repo, &agent, extra)
}

/// The reproduction on its own branch (the checkout stays on the base), and one fix commit on
/// the base, pushed to the remote.
fn assert_branches_of_a_verified_fix(sandbox: &Sandbox, repo: &Path) {
    // The reproduction is committed on its own branch (the user is on the base branch).
    let repro_files = sandbox.git(
        repo,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            "fixloop/repro/add-subtracts",
        ],
    );
    assert!(repro_files.contains("reproduce-deterministic-failures/add-subtracts/repro.json"));
    assert!(
        repro_files.contains("reproduce-deterministic-failures/add-subtracts/tests/repro_add.py")
    );
    assert_eq!(
        sandbox.git(repo, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "main"
    );

    // One commit on the base, the fix only (the reproduction removed), pushed to the remote.
    let base = sandbox.git(repo, &["rev-parse", "main"]);
    let log = sandbox.git(repo, &["rev-list", &format!("{base}..fix/add-subtracts")]);
    assert_eq!(log.lines().count(), 1);
    let files = sandbox.git(repo, &["diff", "--name-only", "main", "fix/add-subtracts"]);
    assert_eq!(files, "calc.py");
    let origin = sandbox.path().join("origin.git");
    let pushed = sandbox.git(&origin, &["rev-parse", "fix/add-subtracts"]);
    assert_eq!(
        pushed,
        sandbox.git(repo, &["rev-parse", "fix/add-subtracts"])
    );
}

/// The report's JSON: the contract's keys, the verification's numbers, the phases in order.
fn assert_report_of_a_verified_fix(report: &serde_json::Value) {
    for key in [
        "schema_version",
        "run_id",
        "name",
        "status",
        "started_at",
        "finished_at",
        "input",
        "phases",
        "reproduction",
        "verification",
        "fix",
        "pr",
        "agent",
        "relevant_developers",
        "next_steps",
    ] {
        assert!(
            report.get(key).is_some(),
            "report lacks `{key}`: {report:#}"
        );
    }
    assert_eq!(report["status"], "success");
    assert_eq!(report["reproduction"]["failures"], 3);
    assert_eq!(report["verification"]["runs"], 3);
    assert_eq!(report["verification"]["failures"], 0);
    assert_eq!(report["verification"]["revert_check"]["passed"], true);
    assert_eq!(report["verification"]["suite"]["passed"], true);
    assert_eq!(report["fix"]["files_changed"], json!(["calc.py"]));
    let developers = report["relevant_developers"].to_string();
    assert!(developers.contains("Grace Hopper"), "{developers}");
    let phases: Vec<_> = report["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        phases,
        [
            "logs",
            "reproduce",
            "confirm-repro",
            "fix-branch",
            "fix",
            "verify",
            "pr",
            "report"
        ]
    );
}

/// The Markdown report: every section, and the root cause from `ROOT_CAUSE.md`.
fn assert_markdown_report_of_a_verified_fix(repo: &Path) {
    let md = std::fs::read_dir(repo.join("outputs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .unwrap();
    let md = std::fs::read_to_string(md).unwrap();
    for section in [
        "## Summary",
        "## Input Configuration",
        "## Phase 1: Reproduction",
        "## Phase 2: Root Cause",
        "## Phase 3: Fix",
        "## Phase 4: PR",
        "## Next Steps",
        "## Relevant Developers",
    ] {
        assert!(md.contains(section), "report lacks {section}");
    }
    assert!(
        md.contains("add used subtraction."),
        "the root cause comes from ROOT_CAUSE.md"
    );
}

#[test]
fn a_deterministic_failure_ends_in_a_verified_pushed_fix() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let r = run_agent(
        &sandbox,
        &repo,
        (REPRODUCE_ADD, FIX_ADD),
        &json!({}),
        &["--no-pr"],
    );
    assert_eq!(
        r.code(),
        0,
        "stdout:\n{}\nstderr:\n{}",
        r.stdout(),
        r.stderr()
    );

    assert_branches_of_a_verified_fix(&sandbox, &repo);
    assert_report_of_a_verified_fix(&r.report());
    assert_markdown_report_of_a_verified_fix(&repo);

    // No worktree is left behind, and fixloop's worktrees never were in the checkout.
    let worktrees = sandbox.git(&repo, &["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");
}

#[test]
fn a_dirty_checkout_is_left_exactly_as_it_was() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.dirty(&repo);
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    good_info(&sandbox, &repo, &json!({}));
    let before = sandbox.snapshot(&repo);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let after = sandbox.snapshot(&repo);
    assert_eq!(before, after, "the user's checkout changed");
    // The fix was made from the committed base, not from the user's unstaged edit.
    let fixed = sandbox.git(&repo, &["show", "fix/add-subtracts:calc.py"]);
    assert_eq!(fixed, "def add(a, b):\n    return a + b");
}

#[test]
fn on_a_feature_branch_the_reproduction_is_committed_there_and_staged_changes_stay() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.git(&repo, &["checkout", "--quiet", "-b", "feature"]);
    write(&repo.join("README.md"), "# calc\nstaged\n");
    sandbox.git(&repo, &["add", "README.md"]);
    let r = run_agent(
        &sandbox,
        &repo,
        (REPRODUCE_ADD, FIX_ADD),
        &json!({"base-branch": "main"}),
        &["--no-pr"],
    );
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let committed = sandbox.git(&repo, &["show", "--name-only", "--format=%s", "feature"]);
    assert!(
        committed.starts_with("Add reproduction of add-subtracts"),
        "{committed}"
    );
    assert!(
        !committed.lines().any(|l| l == "README.md"),
        "the staged change stays out of the commit: {committed}"
    );
    assert_eq!(
        sandbox.git(&repo, &["diff", "--cached", "--name-only"]),
        "README.md"
    );
    let status = sandbox.git(
        &repo,
        &[
            "status",
            "--porcelain",
            "--",
            "reproduce-deterministic-failures",
        ],
    );
    assert!(
        status.lines().all(|l| l.starts_with("?? ")
            && !l.contains("repro.json")
            && !l.contains("repro_add.py")),
        "the committed files are clean in the checkout (only later files are new): {status}"
    );
}

#[test]
fn a_reproduction_that_passes_is_retried_with_feedback_then_the_run_fails() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let passing = r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
echo "import calc; assert calc.add(2, 2) == 0" > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py"
echo '{"command": "PYTHONPATH=. python3 tests/repro_add.py", "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}]}' > "$FIXLOOP_FAILURE_DIR/repro.json"
"#;
    let r = run_agent(&sandbox, &repo, (passing, FIX_ADD), &json!({}), &[]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["fix"], serde_json::Value::Null);
    let calls =
        std::fs::read_to_string(repo.join("reproduce-deterministic-failures/agent-calls.log"))
            .unwrap();
    let calls: Vec<&str> = calls.split("phase=").skip(1).collect();
    assert_eq!(calls.len(), 3, "three attempts: {calls:?}");
    assert!(calls[0].trim_end().ends_with("feedback="), "{calls:?}");
    for call in &calls[1..] {
        assert!(
            call.contains("does not fail like CI"),
            "the agent gets fixloop's finding: {call}"
        );
    }
    let revisions: Vec<_> = r
        .events()
        .into_iter()
        .filter(|e| {
            e["kind"]["type"] == "checkpoint-resolved" && e["kind"]["decision"]["type"] == "revise"
        })
        .collect();
    assert_eq!(revisions.len(), 2);
    for rev in revisions {
        assert!(
            rev["kind"]["decision"]["feedback"]
                .as_str()
                .unwrap()
                .contains("passes")
        );
    }
}

#[test]
fn a_reproduction_that_fails_for_another_reason_does_not_count() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let broken = r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
echo "import calculator; calculator.add(2, 3)" > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py"
echo '{"command": "PYTHONPATH=. python3 tests/repro_add.py", "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}]}' > "$FIXLOOP_FAILURE_DIR/repro.json"
"#;
    let r = run_agent(&sandbox, &repo, (broken, FIX_ADD), &json!({}), &[]);
    assert_eq!(r.code(), 1);
    assert!(
        r.stdout()
            .contains("it fails for another reason: ModuleNotFoundError"),
        "{}",
        r.stdout()
    );
}

#[test]
fn a_fix_that_never_verifies_ends_without_a_pr() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let agent = sandbox.agent(
        "agent.sh",
        &phased(REPRODUCE_ADD, "echo 'I changed nothing'"),
    );
    good_info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &[]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["verification"]["failures"], 3);
    // The last candidate stays on the local fix branch, for the person to look at.
    let candidate = report["fix"]["commit"]
        .as_str()
        .expect("the candidate commit");
    let branch = report["fix"]["branch"].as_str().unwrap();
    assert_eq!(sandbox.git(&repo, &["rev-parse", branch]), candidate);
    let origin = sandbox.path().join("origin.git");
    assert_eq!(
        sandbox.git(&origin, &["branch", "--list", "fix/*"]),
        "",
        "nothing pushed"
    );
    let verify_phase = report["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "verify")
        .unwrap()
        .clone();
    assert_eq!(verify_phase["attempts"], 3);
    // The failed fix's worktree is kept for the person to look at, and the report says where.
    assert!(report["next_steps"].to_string().contains("worktree"));
}

#[test]
fn a_test_that_passes_without_the_fix_is_flagged_and_not_approved() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let reproduce = r#"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
cat > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py" <<'PY'
import os, calc
if os.path.exists("tests/override.txt"):
    result = int(open("tests/override.txt").read())
else:
    result = calc.add(2, 3)
assert result == 5, f"add(2, 3) returned {result}"
PY
echo '{"command": "PYTHONPATH=. python3 tests/repro_add.py", "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}]}' > "$FIXLOOP_FAILURE_DIR/repro.json"
"#;
    let gamed_fix = r##"
echo 5 > "$FIXLOOP_WORKDIR/tests/override.txt"
echo "# looked at this" >> "$FIXLOOP_WORKDIR/calc.py"
"##;
    let r = run_agent(
        &sandbox,
        &repo,
        (reproduce, gamed_fix),
        &json!({"test-command": "python3 -c pass"}),
        &[],
    );
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(report["status"], "partial");
    assert_eq!(report["verification"]["revert_check"]["passed"], false);
    assert!(
        report["verification"]["findings"]
            .to_string()
            .contains("does not prove the fix")
    );
    let origin = sandbox.path().join("origin.git");
    assert_eq!(
        sandbox.git(&origin, &["branch", "--list", "fix/*"]),
        "",
        "nothing pushed"
    );
}

#[test]
fn a_fix_that_weakens_an_existing_test_is_flagged_and_not_approved() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    // The code is fixed, and the suite's own expectation quietly changed on the way.
    let fix = format!("{FIX_ADD}\nsed -i 's/== 2/== 0/' \"$FIXLOOP_WORKDIR/tests/test_calc.py\"\n");
    let r = run_agent(
        &sandbox,
        &repo,
        (REPRODUCE_ADD, &fix),
        &json!({"test-command": "python3 -c pass"}),
        &[],
    );
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let findings = r.report()["verification"]["findings"].to_string();
    assert!(
        findings.contains(
            "an expected value changed: `assert calc.add(1, 1) == 2` → `assert calc.add(1, 1) == 0`"
        ),
        "{findings}"
    );
    assert!(
        r.stdout().contains("an expected value changed"),
        "{}",
        r.stdout()
    );
}

#[test]
fn an_existing_test_starts_at_the_fix_branch() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let folder = repo.join("reproduce-deterministic-failures/known");
    write(
        &folder.join("tests/repro_add.py"),
        "import calc\nassert calc.add(2, 3) == 5\n",
    );
    write(
        &folder.join("repro.json"),
        r#"{"command": "PYTHONPATH=. python3 tests/repro_add.py", "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}]}"#,
    );
    let agent = sandbox.agent("agent.sh", &phased("exit 9", FIX_ADD));
    sandbox.info(
        &repo,
        &json!({
            "prompt": "Fix add.",
            "deterministic": true,
            "existing-test-path": "reproduce-deterministic-failures/known",
            "name": "known",
        }),
    );
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let started: Vec<String> = r
        .events()
        .iter()
        .filter(|e| e["kind"]["type"] == "phase-started")
        .map(|e| e["kind"]["phase"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(started[0], "fix-branch");
    assert!(!started.contains(&"reproduce".to_owned()));
    let calls =
        std::fs::read_to_string(repo.join("reproduce-deterministic-failures/agent-calls.log"))
            .unwrap();
    assert!(!calls.contains("phase=reproduce"));
}

#[test]
fn keep_test_in_pr_keeps_the_reproduction_in_the_commit() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let r = run_agent(
        &sandbox,
        &repo,
        (REPRODUCE_ADD, FIX_ADD),
        &json!({"keep-test-in-pr": true}),
        &["--no-pr"],
    );
    assert_eq!(r.code(), 0, "{}", r.stdout());
    let files = sandbox.git(&repo, &["diff", "--name-only", "main", "fix/add-subtracts"]);
    assert_eq!(files, "calc.py\ntests/repro_add.py");
}

#[test]
fn the_agent_never_sees_the_github_token() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let agent = sandbox.agent(
        "agent.sh",
        &phased(&format!("echo \"token=${{GITHUB_TOKEN:-none}}\" >> \"$FIXLOOP_FAILURE_DIR/../env.log\"\n{REPRODUCE_ADD}"), FIX_ADD),
    );
    good_info(&sandbox, &repo, &json!({}));
    let r = support::run_with_agent_env(
        &sandbox,
        &repo,
        &agent,
        &["--no-pr"],
        &[("GITHUB_TOKEN", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB")],
    );
    assert_eq!(r.code(), 0);
    let env =
        std::fs::read_to_string(repo.join("reproduce-deterministic-failures/env.log")).unwrap();
    assert_eq!(env.trim(), "token=none");
}

#[test]
fn tests_never_see_the_model_key_the_agent_has_nor_the_runners_files() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    // The reproduction's own command records what a test run sees; the agent records its own.
    let reproduce = r#"
log="$FIXLOOP_FAILURE_DIR/../env.log"
echo "agent key=${ANTHROPIC_API_KEY:-none}" >> "$log"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
cat > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py" <<'PY'
import calc
result = calc.add(2, 3)
assert result == 5, f"add(2, 3) returned {result}"
PY
echo "agent env=${GITHUB_ENV:-none}" >> "$log"
printf '{"command": "echo test key=${ANTHROPIC_API_KEY:-none} app=${FIXLOOP_APP_TOKEN:-none} env=${GITHUB_ENV:-none} >> %s; PYTHONPATH=. python3 tests/repro_add.py", "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}]}' "$log" > "$FIXLOOP_FAILURE_DIR/repro.json"
"#;
    let agent = sandbox.agent("agent.sh", &phased(reproduce, FIX_ADD));
    good_info(&sandbox, &repo, &json!({}));
    let r = support::run_with_agent_env(
        &sandbox,
        &repo,
        &agent,
        &["--no-pr"],
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-canary0123456789"),
            (
                "FIXLOOP_APP_TOKEN",
                "ghs_canary0123456789abcdefghijklmnopqrs",
            ),
        ],
    );
    assert_eq!(r.code(), 0, "{}\n{}", r.stdout(), r.stderr());
    let env =
        std::fs::read_to_string(repo.join("reproduce-deterministic-failures/env.log")).unwrap();
    let lines: Vec<&str> = env.lines().collect();
    assert_eq!(lines[0], "agent key=sk-ant-canary0123456789", "{env}");
    assert_eq!(
        lines[1], "agent env=none",
        "the runner's files reach no child: {env}"
    );
    let tests: Vec<&&str> = lines.iter().filter(|l| l.starts_with("test")).collect();
    assert!(!tests.is_empty(), "the reproduction ran: {env}");
    assert!(
        tests
            .iter()
            .all(|l| **l == "test key=none app=none env=none"),
        "no test run sees a model key or the App token: {env}"
    );
}

#[test]
fn json_prints_the_event_stream_as_json_lines() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let r = run_agent(
        &sandbox,
        &repo,
        (REPRODUCE_ADD, FIX_ADD),
        &json!({}),
        &["--no-pr", "--json"],
    );
    assert_eq!(r.code(), 0);
    let events: Vec<serde_json::Value> = r
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(events.first().unwrap()["kind"]["type"], "run-started");
    assert_eq!(events.last().unwrap()["kind"]["type"], "run-finished");
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "no event is lost or reordered"
    );
    assert_eq!(events, r.events(), "stdout carries exactly the journal");
}

#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "a synchronous test polling real processes; no async runtime is blocked"
)]
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario, read top to bottom"
)]
fn ctrl_c_stops_the_agent_ends_with_130_and_resume_goes_on() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let slow = r#"echo $$ > "$FIXLOOP_FAILURE_DIR/../agent.pid"; sleep 300 & wait"#;
    let agent = sandbox.agent("agent.sh", &phased(slow, FIX_ADD));
    good_info(&sandbox, &repo, &json!({}));
    let child = sandbox
        .fixloop(&repo)
        .args([
            "run",
            "--headless",
            "--agent",
            "command",
            "--agent-cmd",
            &agent.display().to_string(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = repo.join("reproduce-deterministic-failures/agent.pid");
    for _ in 0..200 {
        if pid_file.is_file() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let agent_pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_owned();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // Gone, or a zombie waiting for PID 1 to reap it: either way no longer running.
    let running = || {
        std::fs::read_to_string(format!("/proc/{agent_pid}/stat"))
            .is_ok_and(|s| s.split_whitespace().nth(2) != Some("Z"))
    };
    let mut waited = 0;
    while running() && waited < 100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    assert!(!running(), "the agent outlived the interrupted run");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let r = support::Run {
        output,
        workspace: repo.clone(),
    };
    assert_eq!(r.report()["status"], "partial");
    assert_eq!(r.report()["exit_code"], 130);
    let run_id = r.report()["run_id"].as_str().unwrap().to_owned();
    assert!(
        stderr.contains(&format!("fixloop resume {run_id}")),
        "{stderr}"
    );

    // Resumed (with an agent that now finishes), the run goes on from the reproduce step and
    // ends as an uninterrupted run would; the same report now says so.
    sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    let resumed = sandbox
        .fixloop(&repo)
        .args(["resume", &run_id, "--headless"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&resumed.stdout);
    // Exit 3, as uninterrupted: the remote is not on GitHub, so the branch is pushed, no PR.
    assert_eq!(resumed.status.code(), Some(3), "{text}");
    assert!(
        text.contains(
            "resumed at run-agent (reproduce): it had stopped because it was interrupted"
        ),
        "{text}"
    );
    assert!(
        text.contains("pushed fix/add-subtracts to origin"),
        "{text}"
    );
    let r = support::Run {
        output: resumed,
        workspace: repo.clone(),
    };
    assert_eq!(r.report()["exit_code"], 3);
    assert!(r.report()["fix"]["commit"].is_string());
    assert_eq!(r.report()["resumes"][0]["step"], "run-agent");
    let calls =
        std::fs::read_to_string(repo.join("reproduce-deterministic-failures/agent-calls.log"))
            .unwrap();
    assert_eq!(
        calls
            .lines()
            .filter(|l| l.starts_with("phase=reproduce"))
            .count(),
        2,
        "{calls}"
    );
    let base = sandbox.git(&repo, &["rev-parse", "main"]);
    let log = sandbox.git(&repo, &["rev-list", &format!("{base}..fix/add-subtracts")]);
    assert_eq!(log.lines().count(), 1);
    // A finished run is not resumed again.
    let again = sandbox
        .fixloop(&repo)
        .args(["resume", &run_id, "--headless"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to resume"));
}

#[test]
fn past_runs_are_listed_shown_and_counted() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let r = run_agent(
        &sandbox,
        &repo,
        (REPRODUCE_ADD, FIX_ADD),
        &json!({}),
        &["--no-pr"],
    );
    assert_eq!(r.code(), 0);
    let run_id = r.report()["run_id"].as_str().unwrap().to_owned();

    let out = sandbox
        .fixloop(&repo)
        .args(["reports", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["run_id"], run_id.as_str());
    assert_eq!(rows[0]["status"], "success");

    let out = sandbox.fixloop(&repo).args(["reports"]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("add-subtracts") && table.contains("success"),
        "{table}"
    );

    let out = sandbox
        .fixloop(&repo)
        .args(["reports", "show", &run_id])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# fixloop report: add-subtracts"), "{md}");
    assert!(
        md.contains("✅ Success"),
        "the replayed report knows how the run ended"
    );

    let out = sandbox
        .fixloop(&repo)
        .args(["stats", "--json"])
        .output()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["runs"], 1);
    assert_eq!(stats["successes"], 1);

    let out = sandbox
        .fixloop(&repo)
        .args(["reports", "show", "no-such-run"])
        .output()
        .unwrap();
    // A run that is nowhere has its own exit code, and the answer names the newest runs.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(66), "{stderr}");
    assert!(
        stderr.contains(&format!("hint: the newest runs: {run_id} (in ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: `fixloop reports` lists the runs of a workspace"),
        "{stderr}"
    );
}

#[test]
fn clean_removes_only_what_fixloop_made() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.git(&repo, &["branch", "my-own-work"]);
    // A fix that never verifies: its worktree and branch are kept for the person.
    let agent = sandbox.agent(
        "agent.sh",
        &phased(REPRODUCE_ADD, "echo 'I changed nothing'"),
    );
    good_info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 1);
    let run_id = r.report()["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        sandbox.git(&repo, &["worktree", "list"]).lines().count(),
        2,
        "the fix worktree is kept"
    );
    assert!(
        !sandbox
            .git(&repo, &["branch", "--list", "fix/add-subtracts"])
            .is_empty()
    );

    // Without --yes and without a terminal, nothing happens.
    let out = sandbox
        .fixloop(&repo)
        .args(["clean", &run_id])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(sandbox.git(&repo, &["worktree", "list"]).lines().count(), 2);

    let out = sandbox
        .fixloop(&repo)
        .args(["clean", &run_id, "--yes"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(sandbox.git(&repo, &["worktree", "list"]).lines().count(), 1);
    assert_eq!(
        sandbox.git(&repo, &["branch", "--list", "fix/add-subtracts"]),
        ""
    );
    assert_eq!(
        sandbox.git(&repo, &["branch", "--list", "fixloop/repro/add-subtracts"]),
        ""
    );
    assert!(
        !sandbox
            .git(&repo, &["branch", "--list", "my-own-work"])
            .is_empty()
    );
    assert!(!sandbox.git(&repo, &["branch", "--list", "main"]).is_empty());

    // A branch the person committed to after the run is left alone.
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    let run_id = r.report()["run_id"].as_str().unwrap().to_owned();
    let worktree = sandbox.git(&repo, &["worktree", "list", "--porcelain"]);
    let path = worktree
        .lines()
        .filter_map(|l| l.strip_prefix("worktree "))
        .nth(1)
        .unwrap()
        .to_owned();
    write(&std::path::Path::new(&path).join("mine.txt"), "my work\n");
    sandbox.git(std::path::Path::new(&path), &["add", "mine.txt"]);
    sandbox.git(
        std::path::Path::new(&path),
        &["commit", "--quiet", "-m", "my work"],
    );
    let out = sandbox
        .fixloop(&repo)
        .args(["clean", &run_id, "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("leaving fix/add-subtracts: it has moved"),
        "{stdout}"
    );
    assert!(
        !sandbox
            .git(&repo, &["branch", "--list", "fix/add-subtracts"])
            .is_empty()
    );
}

#[test]
fn fixloop_logs_prints_a_line_per_failing_test_and_ends_quietly_on_a_closed_pipe() {
    let sandbox = Sandbox::new();
    let log = sandbox.path().join("ci.log");
    write(
        &log,
        "============================= test session starts ==============================\n\
         tests/test_a.py::test_one FAILED\n\
         tests/test_a.py::test_two FAILED\n\
         =========================== short test summary info ============================\n\
         FAILED tests/test_a.py::test_one - AssertionError: one\n\
         FAILED tests/test_a.py::test_two - AssertionError: two\n\
         ========================= 2 failed in 0.01s =========================\n",
    );
    let out = sandbox
        .fixloop(sandbox.path())
        .args(["logs", &log.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = text.lines().filter(|l| l.starts_with("FAILED ")).collect();
    assert!(
        failed.len() >= 2 && failed.iter().all(|l| l.contains("test_")),
        "{text}"
    );
    assert!(text.lines().count() > 4, "one line per line: {text}");
    // Its reader goes away after the first line of a long output: no panic, exit 0.
    let long = sandbox.path().join("long.log");
    let mut text = String::from("=== short test summary info ===\n");
    for i in 0..5000 {
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!("FAILED tests/test_many.py::test_{i} - AssertionError: {i}\n"),
        );
    }
    write(&long, &text);
    let piped = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' logs '{}' | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2",
            env!("CARGO_BIN_EXE_fixloop"),
            long.display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("status=0"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&piped.stdout).lines().count(), 1);
}
