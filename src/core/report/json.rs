//! The contract's report JSON.

use serde_json::{Value, json};

use super::SCHEMA_VERSION;
use super::text::next_steps;
use crate::core::defence::{Defence, refused_by};
use crate::core::event::PhaseStatus;
use crate::core::setup::RunSetup;
use crate::core::stats::failure_rate_upper_95;
use crate::core::view::{Conclusion, PhaseState, RunView, VerificationView};

/// The contract's report JSON.
#[must_use]
pub fn json(view: &RunView, end: &Conclusion) -> Value {
    let phases: Vec<Value> = view
        .phases
        .iter()
        .map(|p| {
            json!({
                "name": p.phase.as_str(),
                "status": match p.state {
                    PhaseState::Pending => "pending",
                    PhaseState::Running => "running",
                    PhaseState::Done(PhaseStatus::Passed) => "passed",
                    PhaseState::Done(PhaseStatus::Failed) => "failed",
                    PhaseState::Done(PhaseStatus::Skipped) => "skipped",
                },
                "duration_ms": p.duration_ms,
                "waiting_ms": p.waiting_ms,
                "attempts": p.starts,
                "cost_usd": p.cost_usd,
            })
        })
        .collect();
    let reproduction = view.reproduction().map(|r| {
        without_unknowns(json!({
            "command": r.runs.command,
            "runs": r.runs.runs,
            "failures": r.runs.failures,
            "matching_signature": r.runs.matching,
            "reproduced": r.reproduced,
            "outside_check": r.check.as_ref().map(|c| json!({
                "command": c.command, "failed_like_ci": c.failures > 0 && c.matching == c.failures,
            })),
            "attempts": view.reproductions.len(),
        }), &["outside_check"])
    });
    let verification = view.verification().map(verification);
    let fix = view.fix.as_ref().map(|f| {
        json!({
            "branch": f.branch,
            "base": f.base,
            "base_commit": f.base_commit,
            "commit": f.commit,
            "files_changed": f.files_changed,
            "pushed": view.pushed.is_some(),
        })
    });
    without_unknowns(
        json!({
            "schema_version": SCHEMA_VERSION,
            "run_id": view.run_id,
            "name": view.name,
            "status": end.status.as_str(),
            "exit_code": end.exit_code,
            "message": end.message,
            "started_at": view.started_at.map(|t| t.to_rfc3339()),
            "finished_at": view.last_at.map(|t| t.to_rfc3339()),
            "duration_ms": view.elapsed_ms(),
            "input": view.info,
            "repository": view.repo,
            "perturbation": view.perturbation,
            "resumes": view.resumes.iter().map(|(at, step)| json!({"at": at, "step": step})).collect::<Vec<_>>(),
            "ci_run": view.ci_run.as_ref().map(|r| json!({
                "workflow": r.workflow, "run_id": r.run_id, "attempt": r.attempt,
                "head_sha": r.head_sha, "head_branch": r.head_branch, "url": r.html_url,
                "failed_jobs": r.failed_jobs, "pull_requests": r.pull_requests, "notes": r.notes,
            })),
            "phases": phases,
            "reproduction": reproduction,
            "verification": verification,
            "fix": fix,
            "pr": view.pr.as_ref().map(|(url, number)| json!({"url": url, "number": number})),
            "pr_skipped": view.pr_skipped,
            "agent": without_unknowns(json!({
                "kind": view.agent,
                "version": view.agent_version,
                "cost_usd": view.cost_usd(),
                "budget_usd": view.setup.as_ref().and_then(RunSetup::recorded_budget_usd),
                "turns": view.turns(),
                "sessions": view.sessions,
            }), &["budget_usd", "version"]),
            "relevant_developers": view.developers,
            "failing_tests": view.logs.as_ref().map(|l| l.failing_tests.clone()).unwrap_or_default(),
            "seen_before": view.logs.as_ref().map(|l| l.memory.seen_before.clone()).unwrap_or_default(),
            "next_steps": next_steps(view, end),
            "warnings": view.warnings,
        }),
        &["seen_before"],
    )
}

fn verification(v: &VerificationView) -> Value {
    without_unknowns(
        json!({
            "runs": v.passes.runs,
            "failures": v.passes.failures,
            "failure_rate_upper_95": failure_rate_upper_95(v.passes.failures, v.passes.runs),
            "verified": v.verified,
            "revert_check": v.revert_check.as_ref().map(|r| json!({
                "runs": r.runs, "failures": r.failures,
                "passed": crate::core::verdict::revert_proves(r),
            })),
            "suite": v.suite.as_ref().map(|s| json!({
                "command": s.command, "passed": s.failures == 0,
            })),
            "commit": v.commit,
            "outside_check": v.outside_check.as_ref().map(|c| json!({
                "command": c.command, "passed": c.runs > 0 && c.failures == 0,
            })),
            "post_fix_tests": v.post_fix.as_ref().map(|t| json!({
                "command": t.on_fix.command,
                "passed_on_fix": t.on_fix.failures == 0,
                "failed_on_base": t.on_base.failures > 0,
            })),
            "findings": v.findings,
            "notes": v.notes,
            "refused_by": refused_by(&v.passes, v.suite.as_ref(), &v.findings)
                .into_iter()
                .filter(|_| !v.verified)
                .map(Defence::name)
                .collect::<Vec<_>>(),
        }),
        &[
            "commit",
            "outside_check",
            "post_fix_tests",
            "notes",
            "refused_by",
        ],
    )
}

/// Leaves out the `keys` a run did not record (null or empty): what a journal of an earlier
/// release knew nothing of is not reported as absent.
fn without_unknowns(mut value: Value, keys: &[&str]) -> Value {
    if let Value::Object(map) = &mut value {
        for key in keys {
            let unknown = match map.get(*key) {
                Some(Value::Null) => true,
                Some(Value::Array(items)) => items.is_empty(),
                _ => false,
            };
            if unknown {
                map.remove(*key);
            }
        }
    }
    value
}
