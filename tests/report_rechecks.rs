//! The report of a run whose results the person edited and had rechecked (`o`), driven in a real
//! terminal: the checkpoints say what the person did, and each recheck has a heading of its own.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/pty.rs"]
mod pty;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use pty::{Pty, pause};
use serde_json::{Value, json};
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};

/// The journal's checkpoints so far: (id, kind, phase, resolved).
fn checkpoints(run_dir: &Path) -> Vec<(u64, String, String, bool)> {
    let journal = std::fs::read_to_string(run_dir.join("events.jsonl")).unwrap_or_default();
    let mut found: Vec<(u64, String, String, bool)> = Vec::new();
    for event in journal
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        let kind = &event["kind"];
        match kind["type"].as_str() {
            Some("checkpoint-reached") => found.push((
                kind["id"].as_u64().unwrap(),
                kind["kind"]["type"].as_str().unwrap().to_owned(),
                kind["kind"]["phase"].as_str().unwrap_or("").to_owned(),
                false,
            )),
            Some("checkpoint-resolved") => {
                let id = kind["id"].as_u64().unwrap();
                if let Some(cp) = found.iter_mut().find(|c| c.0 == id) {
                    cp.3 = true;
                }
            }
            _ => {}
        }
    }
    found
}

/// The person at the run's checkpoints, as its journal reaches them: each AI step's first result
/// is edited (`o`, which rechecks it), the rest approved, and the run stopped with Ctrl-C before
/// anything is pushed. Returns the steps whose result was edited.
fn edit_each_first_result(pty: &mut Pty, runs: &Path) -> Vec<String> {
    let run_dir = || {
        std::fs::read_dir(runs)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(Result::ok)
            .map(|e| e.path())
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut edited: Vec<String> = Vec::new();
    loop {
        assert!(Instant::now() < deadline, "stuck:\n{}", pty.screen());
        let open = run_dir()
            .as_deref()
            .map(checkpoints)
            .unwrap_or_default()
            .into_iter()
            .find(|c| !c.3);
        let Some((id, kind, phase, _)) = open else {
            pause(50);
            continue;
        };
        // The key goes in once the checkpoint is on screen.
        pty.wait_screen(&format!("checkpoint {id}"), |s| {
            s.contains(&format!("Checkpoint {id} ·"))
        });
        if kind == "before-push" {
            pty.press("\x03");
            return edited;
        }
        if kind == "after-step" && !edited.contains(&phase) {
            edited.push(phase);
            pty.press("o");
        } else {
            pty.press("a");
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !checkpoints(&run_dir().unwrap())
            .iter()
            .any(|c| c.0 == id && c.3)
        {
            assert!(
                Instant::now() < deadline,
                "checkpoint {id}:\n{}",
                pty.screen()
            );
            pause(50);
        }
    }
}

#[test]
fn the_report_tells_a_recheck_after_the_persons_edit_from_the_first_check() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.info(
        &repo,
        &json!({"prompt": "add() subtracts", "deterministic": true, "raw-logs": "ci.log",
                "name": "add-subtracts", "test-command": "PYTHONPATH=. python3 tests/test_calc.py"}),
    );
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, FIX_ADD));
    // The person's edit: a comment at the end of each Python file they are shown.
    let editor = sandbox.agent(
        "editor.sh",
        "for f in \"$@\"; do case \"$f\" in *.py) echo '# read by a person' >> \"$f\";; esac; done\n",
    );
    let mut pty = Pty::spawn(
        &sandbox,
        &[
            "run",
            "--no-pr",
            "--no-post-fix-tests",
            "--agent",
            "command",
            "--agent-cmd",
            agent.to_str().unwrap(),
        ],
        &repo,
        &[
            ("EDITOR", editor.display().to_string()),
            ("VISUAL", editor.display().to_string()),
        ],
    );
    let edited = edit_each_first_result(&mut pty, &repo.join("outputs/runs"));
    assert_eq!(edited, ["reproduce", "fix"]);
    assert_eq!(pty.exit_code(true), 130, "{}", pty.screen());
    let report = std::fs::read_dir(repo.join("outputs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .unwrap();
    let md = std::fs::read_to_string(report).unwrap();
    assert!(
        md.contains("- Checkpoint 2: edit the reproduction by hand, then recheck, by the person\n"),
        "{md}"
    );
    assert!(
        md.contains("- Checkpoint 5: edit the fix by hand, then recheck, by the person\n"),
        "{md}"
    );
    assert!(!md.contains("manual, by"), "{md}");
    assert!(md.contains("- Attempt 1: reproduced"), "{md}");
    assert!(
        md.contains("- Attempt 1, recheck 1 (after the person's edit): reproduced"),
        "{md}"
    );
    assert_eq!(
        md.matches("### Verification, attempt 1\n").count(),
        1,
        "{md}"
    );
    assert_eq!(
        md.matches("### Verification, attempt 1, recheck 1 (after the person's edit)\n")
            .count(),
        1,
        "{md}"
    );
}
