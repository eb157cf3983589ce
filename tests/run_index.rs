//! Runs found by their id from any folder: the real binary records each run it creates in the
//! user's index of runs (here the sandbox's `XDG_STATE_HOME`), and `resume`, `reports show` and
//! `clean` find a run through it, by its id or a unique start of it.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::json;
use support::Sandbox;

/// What fixloop prints on stderr after Ctrl-C, before the command that goes on.
const RESUME_LINE: &str = "the run can go on from where it stopped: ";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Starts `cmd` and reads its standard output until a line holding `mark`, then sends it
/// SIGINT (Ctrl-C); returns what it printed on both streams and its exit code.
fn interrupt_at(mut cmd: Command, mark: &str) -> (String, String, i32) {
    let mut child: Child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = String::new();
    let mut reached = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        stdout.push_str(&line);
        stdout.push('\n');
        if line.contains(mark) {
            reached = true;
            break;
        }
    }
    assert!(reached, "never printed `{mark}`:\n{stdout}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    for line in lines {
        stdout.push_str(&line.unwrap());
        stdout.push('\n');
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (stdout, stderr, status.code().unwrap_or(-1))
}

/// The run id in the headless header line (`fixloop 0.1.0 · run ID · ...`).
fn run_id_in(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.split(" · run ").nth(1))
        .and_then(|rest| rest.split(" · ").next())
        .unwrap_or_else(|| panic!("no run header in:\n{stdout}"))
        .to_owned()
}

/// The command fixloop printed after Ctrl-C, as arguments after `fixloop`.
fn printed_resume(stderr: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(RESUME_LINE))
        .unwrap_or_else(|| panic!("no resume command in:\n{stderr}"));
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words[0], "fixloop", "{line}");
    words[1..].to_vec()
}

/// A workspace `dir` under the sandbox whose info.json works on the sandbox's python project.
fn workspace(sandbox: &Sandbox, dir: &str, name: &str) -> PathBuf {
    let project = sandbox.path().join("project");
    if !project.exists() {
        sandbox.python_project();
    }
    let workspace = sandbox.path().join(dir);
    std::fs::create_dir_all(&workspace).unwrap();
    sandbox.info(
        &workspace,
        &json!({
            "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "../project/ci.log",
            "repo": "../project",
            "name": name,
        }),
    );
    workspace
}

/// A run of `workspace` stopped by `--approve none` at its first checkpoint (exit 3); its id.
fn stopped_run(sandbox: &Sandbox, workspace: &Path) -> String {
    let out = sandbox
        .fixloop(workspace)
        .args([
            "run",
            "--headless",
            "--no-pr",
            "--approve",
            "none",
            "--agent",
            "command",
            "--agent-cmd",
            "true",
        ])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 3, "{stdout}\n{}", text(&out.stderr));
    run_id_in(&stdout)
}

/// A folder that is no workspace, to run fixloop from.
fn elsewhere(sandbox: &Sandbox) -> PathBuf {
    let dir = sandbox.path().join("elsewhere");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn index_file(sandbox: &Sandbox) -> PathBuf {
    sandbox.path().join("state/fixloop/runs.jsonl")
}

#[test]
fn the_demo_stopped_by_ctrl_c_goes_on_with_the_printed_command_from_another_folder() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("demo");
    let mut demo = sandbox.fixloop(sandbox.path());
    demo.args(["demo", "--headless", "--dir", &dir.display().to_string()]);
    // Interrupted while it checks the reproduction (cargo builds and runs it: seconds).
    let (stdout, stderr, exit) = interrupt_at(demo, "▶ confirm-repro");
    assert_eq!(exit, 130, "{stdout}\n{stderr}");
    let id = run_id_in(&stdout);
    let resume = printed_resume(&stderr);
    assert_eq!(resume, ["resume", id.as_str()], "{stderr}");

    let other = elsewhere(&sandbox);
    let out = sandbox.fixloop(&other).args(&resume).output().unwrap();
    let resumed = text(&out.stdout);
    assert_eq!(code(&out), 0, "{resumed}\n{}", text(&out.stderr));
    assert!(resumed.contains("↻ resumed at"), "{resumed}");
    assert!(
        resumed.contains("✓ success: verified fix pushed on fix/word-count-newlines"),
        "{resumed}"
    );
    // The run went on in its own repository and workspace, not in the folder it was resumed
    // from.
    let fixed = sandbox.git(
        &dir.join("origin.git"),
        &["show", "fix/word-count-newlines:src/lib.rs"],
    );
    assert!(fixed.contains("text.split_whitespace().count()"), "{fixed}");
    assert!(
        dir.join(format!("wordstat/outputs/{id}.md")).is_file(),
        "no report for {id}"
    );
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 0);
}

#[test]
fn reports_show_resume_and_clean_take_a_unique_start_of_an_id_from_anywhere() {
    let sandbox = Sandbox::new();
    let ws = workspace(&sandbox, "a", "add-one");
    let first = stopped_run(&sandbox, &ws);
    let second = stopped_run(&sandbox, &ws);
    assert_ne!(first, second);
    let other = elsewhere(&sandbox);
    let fixloop = |args: &[&str]| sandbox.fixloop(&other).args(args).output().unwrap();

    // Up to its milliseconds, an id is unique.
    let prefix = &first[..23];
    let out = fixloop(&["reports", "show", prefix]);
    let report = text(&out.stdout);
    assert_eq!(code(&out), 0, "{report}\n{}", text(&out.stderr));
    assert!(report.contains(&format!("| Run | `{first}` |")), "{report}");

    // The whole id is found too, and resume goes on with that run in its own workspace.
    let out = fixloop(&["resume", &second, "--approve", "none"]);
    let resumed = text(&out.stdout);
    assert_eq!(code(&out), 3, "{resumed}\n{}", text(&out.stderr));
    assert!(resumed.contains("↻ resumed at"), "{resumed}");
    assert!(
        ws.join(format!("outputs/{second}.md")).is_file(),
        "{resumed}"
    );

    let out = fixloop(&["clean", &second[..23], "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));

    // The start both ids share names neither: each is listed, with its workspace.
    let out = fixloop(&["reports", "show", "20"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(
        stderr.contains("`20` is the start of 2 runs' ids"),
        "{stderr}"
    );
    for id in [&first, &second] {
        assert!(
            stderr.contains(&format!("{id} (in {})", ws.display())),
            "{stderr}"
        );
    }
    assert!(stderr.contains("hint: give more of the id"), "{stderr}");

    // A run that is nowhere: its own exit code, and the newest runs named.
    for args in [
        &["reports", "show", "1999-01-01"][..],
        &["resume", "1999-01-01"],
        &["clean", "1999-01-01", "--yes"],
    ] {
        let out = fixloop(args);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 66, "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: no run `1999-01-01` in "),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "hint: the newest runs: {second} (in {})",
                ws.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("`fixloop reports`"), "{stderr}");
    }
}

#[test]
fn lines_the_index_cannot_read_and_runs_whose_workspace_is_gone_are_passed_over() {
    let sandbox = Sandbox::new();
    let kept = workspace(&sandbox, "kept", "add-kept");
    let gone = workspace(&sandbox, "gone", "add-gone");
    let kept_run = stopped_run(&sandbox, &kept);
    let gone_run = stopped_run(&sandbox, &gone);
    let index = index_file(&sandbox);
    let recorded = std::fs::read_to_string(&index).unwrap();
    assert_eq!(recorded.lines().count(), 2, "{recorded}");
    // A line that is not a record, one cut short before another record, and one of another
    // program's.
    std::fs::write(
        &index,
        format!(
            "garbage\n{{\"run\":\"{gone_run}\",\"works{recorded}{{\"run\":\"../../etc\",\"workspace\":\"/\"}}\n[]\n"
        ),
    )
    .unwrap();
    std::fs::remove_dir_all(&gone).unwrap();

    let other = elsewhere(&sandbox);
    let out = sandbox
        .fixloop(&other)
        .args(["reports", "show", "20"])
        .output()
        .unwrap();
    let report = text(&out.stdout);
    assert_eq!(code(&out), 0, "{report}\n{}", text(&out.stderr));
    assert!(
        report.contains(&format!("| Run | `{kept_run}` |")),
        "{report}"
    );

    let out = sandbox
        .fixloop(&other)
        .args(["reports", "show", &gone_run])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 66, "{stderr}");
    assert!(
        stderr.contains(&format!("hint: the newest runs: {kept_run} (in "))
            && !stderr.contains(&format!("{gone_run} (in")),
        "{stderr}"
    );
}

#[test]
fn a_run_goes_on_without_an_index_and_its_resume_command_then_names_its_workspace() {
    let sandbox = Sandbox::new();
    let ws = workspace(&sandbox, "a", "add-slow");
    // The state directory is a file: no index can be made in it.
    let blocked = sandbox.path().join("not-a-folder");
    std::fs::write(&blocked, "").unwrap();
    let mark = sandbox.path().join("agent-ran");
    let agent = sandbox.agent(
        "slow-agent.sh",
        &format!(
            "if [ -e '{0}' ]; then exit 1; fi\ntouch '{0}'\necho started-sleeping\nsleep 30\n",
            mark.display()
        ),
    );
    // Started from another folder: the plain id would not find it there.
    let other = elsewhere(&sandbox);
    let mut run = sandbox.fixloop(&other);
    run.args(["run", "--headless", "--no-pr", "--agent", "command"])
        .arg("--info")
        .arg(ws.join("info.json"))
        .arg("--agent-cmd")
        .arg(&agent)
        .env("XDG_STATE_HOME", &blocked);
    let (stdout, stderr, exit) = interrupt_at(run, "started-sleeping");
    assert_eq!(exit, 130, "{stdout}\n{stderr}");
    let id = run_id_in(&stdout);
    let real = ws.canonicalize().unwrap();
    let resume = printed_resume(&stderr);
    assert_eq!(
        resume,
        [
            "resume",
            "--info",
            &real.join("info.json").display().to_string(),
            &id
        ],
        "{stderr}"
    );

    // As printed, where printed, with still no index: the run goes on.
    let out = sandbox
        .fixloop(&other)
        .args(&resume)
        .env("XDG_STATE_HOME", &blocked)
        .output()
        .unwrap();
    let resumed = text(&out.stdout);
    assert!(
        resumed.contains("↻ resumed at"),
        "{resumed}\n{}",
        text(&out.stderr)
    );
    assert!(
        ![65, 66].contains(&code(&out)),
        "{resumed}\n{}",
        text(&out.stderr)
    );
}

#[test]
fn without_home_a_run_runs_and_is_found_in_its_workspace() {
    let sandbox = Sandbox::new();
    let ws = workspace(&sandbox, "a", "add-homeless");
    let homeless = |dir: &Path, args: &[&str]| {
        sandbox
            .fixloop(dir)
            .args(args)
            .env_remove("HOME")
            .env_remove("XDG_STATE_HOME")
            .output()
            .unwrap()
    };
    let out = homeless(
        &ws,
        &[
            "run",
            "--headless",
            "--no-pr",
            "--approve",
            "none",
            "--agent",
            "command",
            "--agent-cmd",
            "true",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 3, "{stdout}\n{}", text(&out.stderr));
    let id = run_id_in(&stdout);
    assert!(!index_file(&sandbox).exists());

    let out = homeless(&ws, &["reports", "show", &id[..23]]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = homeless(&elsewhere(&sandbox), &["reports", "show", &id]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 66, "{stderr}");
    assert!(stderr.contains("no index of runs without HOME"), "{stderr}");
}
