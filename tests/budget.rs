//! Cost budgets: a scripted agent that reports its cost in Claude Code's stream-json, a step that
//! spends more than it may ends like a step out of time, a run whose budget is spent stops
//! (exit 3) and goes on when resumed with a larger one.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, run_with_agent};

/// An agent that does each phase's part and then reports `cost` US dollars for the step, the way
/// Claude Code's stream-json does.
fn costly(sandbox: &Sandbox, cost: f64) -> std::path::PathBuf {
    sandbox.agent(
        "agent.sh",
        &format!(
            "case \"$FIXLOOP_PHASE\" in\n  reproduce)\n{REPRODUCE_ADD}\n  ;;\n  fix)\n{FIX_ADD}\n  ;;\nesac\n\
             echo '{{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s-'\"$FIXLOOP_PHASE\"'\"}}'\n\
             echo '{{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"num_turns\":1,\"total_cost_usd\":{cost},\"session_id\":\"s-'\"$FIXLOOP_PHASE\"'\"}}'\n"
        ),
    )
}

fn info(sandbox: &Sandbox, repo: &Path) {
    sandbox.info(
        repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add-subtracts",
        }),
    );
}

#[test]
fn a_step_that_spends_more_than_it_may_does_not_count() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    let agent = costly(&sandbox, 3.0);
    let r = run_with_agent(
        &sandbox,
        &repo,
        &agent,
        &["--no-pr", "--no-post-fix-tests", "--step-budget-usd", "2"],
    );
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    assert!(
        r.stdout()
            .contains("the step spent $3.00, over its budget of $2.00"),
        "{}",
        r.stdout()
    );
    // Nothing of an over-budget step was checked: the reproduction never ran.
    let report = r.report();
    assert_eq!(report["reproduction"], serde_json::Value::Null, "{report}");
    assert_eq!(report["agent"]["budget_usd"], 25.0);
}

#[test]
fn a_run_whose_budget_is_spent_stops_and_goes_on_with_a_larger_one() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    info(&sandbox, &repo);
    let agent = costly(&sandbox, 2.0);
    // Reproducing costs 2 of 3; the fix may spend only the 1 left, spends 2, and is revised;
    // then nothing is left and the run stops before the next attempt.
    let r = run_with_agent(
        &sandbox,
        &repo,
        &agent,
        &["--no-pr", "--no-post-fix-tests", "--budget-usd", "3"],
    );
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    assert_eq!(report["status"], "partial");
    let run_id = report["run_id"].as_str().unwrap().to_owned();
    let said = format!("{}{}", r.stdout(), r.stderr());
    assert!(
        said.contains("the run's budget for agents is spent: $4.00 of $3.00"),
        "{said}"
    );
    assert!(
        said.contains(&format!("fixloop resume {run_id} --budget-usd")),
        "{said}"
    );
    // Each agent step's line says what the run has spent against its budget.
    assert!(said.contains("— $2.00 of $3.00 spent"), "{said}");
    // Resumed with a larger budget, the fix's next attempt runs and the run ends verified.
    let resumed = sandbox
        .fixloop(&repo)
        .args(["resume", &run_id, "--headless", "--budget-usd", "50"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&resumed.stdout);
    assert_eq!(resumed.status.code(), Some(0), "{text}");
    // The resumed run counts on from what it had spent, against its new budget.
    assert!(text.contains("— $6.00 of $50.00 spent"), "{text}");
    let report = support::Run {
        output: resumed,
        workspace: repo.clone(),
    }
    .report();
    assert_eq!(report["verification"]["verified"], true, "{report}");
    assert_eq!(report["agent"]["budget_usd"], 50.0);
    assert_eq!(report["agent"]["cost_usd"], 6.0);
}
