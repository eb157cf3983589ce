//! The contract's report JSON.

use serde_json::{Value, json};

use super::SCHEMA_VERSION;
use super::text::next_steps;
use crate::core::event::PhaseStatus;
use crate::core::stats::failure_rate_upper_95;
use crate::core::view::{Conclusion, PhaseState, RunView};

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
                "attempts": p.starts,
                "cost_usd": p.cost_usd,
            })
        })
        .collect();
    let reproduction = view.reproduction().map(|r| {
        json!({
            "command": r.runs.command,
            "runs": r.runs.runs,
            "failures": r.runs.failures,
            "matching_signature": r.runs.matching,
            "reproduced": r.reproduced,
            "attempts": view.reproductions.len(),
        })
    });
    let verification = view.verification().map(|v| {
        json!({
            "runs": v.passes.runs,
            "failures": v.passes.failures,
            "failure_rate_upper_95": failure_rate_upper_95(v.passes.failures, v.passes.runs),
            "verified": v.verified,
            "revert_check": v.revert_check.as_ref().map(|r| json!({
                "runs": r.runs, "failures": r.failures, "passed": r.failures > 0,
            })),
            "suite": v.suite.as_ref().map(|s| json!({
                "command": s.command, "passed": s.failures == 0,
            })),
            "findings": v.findings,
        })
    });
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
        "agent": {
            "kind": view.agent,
            "cost_usd": view.cost_usd(),
            "turns": view.turns(),
            "sessions": view.sessions,
        },
        "relevant_developers": view.developers,
        "failing_tests": view.logs.as_ref().map(|l| l.failing_tests.clone()).unwrap_or_default(),
        "next_steps": next_steps(view, end),
        "warnings": view.warnings,
    })
}
