//! The report: a run's view rendered as markdown (the seed's sections) and as the contract's JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::event::{DecidedBy, Decision, Phase, PhaseStatus, RunStatus, TestRuns};
use super::stats::failure_rate_upper_95;
use super::view::{Conclusion, PhaseState, RunView};

pub const SCHEMA_VERSION: u32 = 1;

/// `YYYY-MM-DD_HH-MM-SS_<name>`: the report's file stem.
#[must_use]
pub fn file_stem(view: &RunView) -> String {
    let at = view.started_at.unwrap_or_default();
    format!("{}_{}", at.format("%Y-%m-%d_%H-%M-%S"), view.name)
}

/// How the run ended, or a placeholder while it is still going.
#[must_use]
pub fn conclusion(view: &RunView) -> Conclusion {
    view.finished.clone().unwrap_or(Conclusion {
        status: RunStatus::Partial,
        exit_code: 3,
        message: "the run has not finished".into(),
    })
}

fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}.{}s", secs, (ms % 1000) / 100)
    }
}

fn runs_line(runs: &TestRuns) -> String {
    format!("{} failed of {} runs", runs.failures, runs.runs)
}

/// What the person should do next, from what happened.
#[must_use]
pub fn next_steps(view: &RunView, end: &Conclusion) -> Vec<String> {
    let mut steps = Vec::new();
    let branch = view.fix.as_ref().map(|f| f.branch.clone());
    match end.status {
        RunStatus::Success => {
            if let Some((url, _)) = &view.pr {
                steps.push(format!(
                    "Review the draft PR {url} and mark it ready once CI passes."
                ));
            } else if let Some(branch) = &branch {
                steps.push(format!(
                    "Open a pull request from `{branch}` when you are ready."
                ));
            }
            steps.push("Check the root cause (Phase 2) against your knowledge of the code.".into());
        }
        RunStatus::Partial | RunStatus::Failed => {
            if let Some((_, class, message)) = view.failures.last()
                && *class != super::event::FailureClass::Error
            {
                steps.push(format!("Fix the cause and run fixloop again: {message}"));
            }
            if let Some(v) = view.verification() {
                for finding in &v.findings {
                    steps.push(format!(
                        "Review this finding before trusting the fix: {finding}"
                    ));
                }
            }
            if view.fix.is_none() && view.reproduction().is_some_and(|r| !r.reproduced) {
                steps.push(
                    "The reproduction did not fail like CI: read each attempt's feedback below, \
                     give more of the log, or write the reproduction by hand and set \
                     `existing-test-path`."
                        .into(),
                );
            }
            if view.verification().is_some_and(|v| v.passes.failures > 0) {
                steps.push(
                    "The fix was not verified: the reproduction still fails on the fix branch."
                        .into(),
                );
            }
            for kept in &view.kept_worktrees {
                steps.push(format!(
                    "The fix worktree is kept for you at `{kept}`; remove it with `git worktree \
                     remove {kept}` when done."
                ));
            }
            if end.exit_code == 130 {
                steps.push(
                    "The run was interrupted; start it again with the same info.json.".into(),
                );
            }
            if let Some(reason) = &view.pr_skipped
                && let Some(branch) = &branch
            {
                steps.push(format!("Open the PR from `{branch}` by hand: {reason}"));
            }
        }
    }
    if steps.is_empty() {
        steps.push(end.message.clone());
    }
    steps
}

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

/// The markdown report with the seed's sections.
#[must_use]
pub fn markdown(view: &RunView, end: &Conclusion) -> String {
    let mut md = String::new();
    let badge = match end.status {
        RunStatus::Success => "✅ Success",
        RunStatus::Partial => "⚠️ Partial",
        RunStatus::Failed => "❌ Failed",
    };
    let _ = writeln!(md, "# fixloop report: {}\n", view.name);
    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(md, "**Status:** {badge} (exit code {})\n", end.exit_code);
    let _ = writeln!(md, "{}\n", end.message);
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| Run | `{}` |", view.run_id);
    let _ = writeln!(
        md,
        "| Started | {} |",
        view.started_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default()
    );
    let _ = writeln!(md, "| Duration | {} |", duration(view.elapsed_ms()));
    let _ = writeln!(md, "| Repository | `{}` |", view.repo);
    let _ = writeln!(md, "| Base | `{}` |", view.base);
    let _ = writeln!(md, "| Agent | {} |", view.agent);
    if !view.resumes.is_empty() {
        let resumes: Vec<String> = view
            .resumes
            .iter()
            .map(|(at, step)| format!("{at} at `{step}`"))
            .collect();
        let _ = writeln!(md, "| Resumed | {} |", resumes.join("; "));
    }
    if !view.perturbation.is_empty() {
        let _ = writeln!(
            md,
            "| Perturbation of stress runs | {} |",
            view.perturbation.join(", ")
        );
    }
    let _ = writeln!(
        md,
        "| Agent cost | {} |",
        view.cost_usd()
            .map_or_else(|| "not reported".into(), |c| format!("${c:.4}"))
    );
    if let Some(fix) = &view.fix {
        let _ = writeln!(md, "| Fix branch | `{}` |", fix.branch);
    }
    if let Some((url, number)) = &view.pr {
        let _ = writeln!(md, "| Pull request | [#{number}]({url}) |");
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "### Phases\n");
    let _ = writeln!(
        md,
        "| Phase | Status | Attempts | Time | Agent cost | Note |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for p in &view.phases {
        let status = match p.state {
            PhaseState::Pending => "not reached",
            PhaseState::Running if p.phase == Phase::Report => "this report",
            PhaseState::Running => "running",
            PhaseState::Done(PhaseStatus::Passed) => "passed",
            PhaseState::Done(PhaseStatus::Failed) => "failed",
            PhaseState::Done(PhaseStatus::Skipped) => "skipped",
        };
        let cost = if p.cost_usd > 0.0 {
            format!("${:.4}", p.cost_usd)
        } else {
            "–".into()
        };
        let _ = writeln!(
            md,
            "| {} | {status} | {} | {} | {cost} | {} |",
            p.phase,
            p.starts,
            duration(p.duration_ms),
            p.message.replace('|', "\\|").replace('\n', " ")
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Input Configuration\n");
    let input = serde_json::to_string_pretty(&view.info).unwrap_or_default();
    let _ = writeln!(md, "```json\n{input}\n```\n");
    if let Some(run) = &view.ci_run {
        let _ = writeln!(
            md,
            "CI run: [{} #{} attempt {}]({}) on `{}` at {}; failed: {}.\n",
            run.workflow,
            run.run_id,
            run.attempt,
            run.html_url,
            run.head_branch,
            &run.head_sha[..run.head_sha.len().min(12)],
            run.failed_jobs.join("; ")
        );
        if let Some(pr) = run.pull_requests.first() {
            let _ = writeln!(md, "The run belonged to PR #{pr}.\n");
        }
        for note in &run.notes {
            let _ = writeln!(md, "⚠️ {note}\n");
        }
    }
    if let Some(logs) = &view.logs {
        let _ = writeln!(
            md,
            "Logs: {} ({} bytes, {} lines); excerpt of {} bytes at `{}`; full log at `{}`.\n",
            logs.source, logs.bytes, logs.lines, logs.excerpt_bytes, logs.excerpt, logs.full_log
        );
        if !logs.failing_tests.is_empty() {
            let _ = writeln!(
                md,
                "Failing tests named in the log: {}\n",
                logs.failing_tests.join(", ")
            );
        }
    }

    let _ = writeln!(md, "## Phase 1: Reproduction\n");
    let _ = writeln!(md, "Failure folder: `{}`\n", view.failure_dir);
    if view.reproductions.is_empty() {
        let skipped = view
            .phase(Phase::Reproduce)
            .is_some_and(|p| p.state == PhaseState::Done(PhaseStatus::Skipped));
        let _ = writeln!(
            md,
            "{}\n",
            if skipped {
                "Skipped: `existing-test-path` gave the reproduction."
            } else {
                "No reproduction was checked."
            }
        );
    }
    for r in &view.reproductions {
        let _ = writeln!(
            md,
            "- Attempt {}: {} — `{}`: {}{}",
            r.attempt,
            if r.reproduced {
                "reproduced"
            } else {
                "did not reproduce"
            },
            r.runs.command,
            runs_line(&r.runs),
            if r.runs.matching > 0 {
                format!(", {} matching the CI signature", r.runs.matching)
            } else {
                String::new()
            }
        );
        if !r.reproduced {
            let _ = writeln!(md, "  - {}", r.reason);
        }
    }
    let revisions = view.revisions();
    if !revisions.is_empty() {
        let _ = writeln!(md, "\nFeedback given on revisions:\n");
        for (phase, attempt, feedback) in &revisions {
            let first = feedback.lines().next().unwrap_or_default();
            let _ = writeln!(md, "- {phase}, attempt {attempt}: {first}");
        }
    }
    if let Some(rc) = &view.repro_commit {
        let (paths, note) = (&rc.paths, &rc.note);
        match (&rc.branch, &rc.commit) {
            (Some(branch), Some(commit)) => {
                let _ = writeln!(
                    md,
                    "\nCommitted on `{branch}` as {} ({} file(s)).",
                    &commit[..commit.len().min(12)],
                    paths.len()
                );
            }
            _ => {
                let _ = writeln!(md, "\n{note}");
            }
        }
    }
    if let Some((_, notes)) = view.notes.iter().find(|(p, _)| *p == Phase::Reproduce) {
        let _ = writeln!(
            md,
            "\n<details><summary>The agent's notes</summary>\n\n{}\n\n</details>",
            notes.trim()
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Phase 2: Root Cause\n");
    match view.notes.iter().find(|(p, _)| *p == Phase::Fix) {
        Some((_, notes)) => {
            let _ = writeln!(md, "{}\n", notes.trim());
        }
        None => {
            let _ = writeln!(
                md,
                "The agent wrote no root-cause analysis (ROOT_CAUSE.md in the failure folder).\n"
            );
        }
    }

    let _ = writeln!(md, "## Phase 3: Fix\n");
    match &view.fix {
        None => {
            let _ = writeln!(md, "No fix branch was created.\n");
        }
        Some(fix) => {
            let _ = writeln!(
                md,
                "Branch `{}` from `{}` at {}.",
                fix.branch,
                fix.base,
                &fix.base_commit[..fix.base_commit.len().min(12)]
            );
            if let Some(commit) = &fix.commit {
                let _ = writeln!(
                    md,
                    "Commit {}: {}",
                    &commit[..commit.len().min(12)],
                    fix.message.lines().next().unwrap_or_default()
                );
            }
            if !fix.files_changed.is_empty() {
                let _ = writeln!(md, "\nFiles changed:\n");
                for f in &fix.files_changed {
                    let _ = writeln!(md, "- `{f}`");
                }
            }
            let _ = writeln!(
                md,
                "\nReproduction test {} the PR commit.",
                if fix.repro_removed {
                    "removed from"
                } else {
                    "kept in"
                }
            );
        }
    }
    for v in &view.verifications {
        let _ = writeln!(md, "\n### Verification, attempt {}\n", v.attempt);
        let _ = writeln!(
            md,
            "- Reproduction on the fix branch: `{}` — {} passed of {} runs{}",
            v.passes.command,
            v.passes.runs - v.passes.failures,
            v.passes.runs,
            failure_rate_upper_95(v.passes.failures, v.passes.runs)
                .filter(|_| v.passes.failures == 0)
                .map(|u| format!(
                    " (failure rate below {:.0} % with 95 % confidence)",
                    u * 100.0
                ))
                .unwrap_or_default()
        );
        let flaky = view.info.as_ref().is_some_and(|i| !i.deterministic);
        if let (true, Some(r)) = (flaky, view.reproduction()) {
            let (before, runs) = (r.runs.matching, r.runs.runs);
            let _ = writeln!(
                md,
                "- {} (Fisher's exact test, one-sided: p = {:.2e})",
                super::stats::claim(before, runs, v.passes.failures, v.passes.runs),
                super::stats::fisher_one_sided(before, runs, v.passes.failures, v.passes.runs)
            );
        }
        if let Some(r) = &v.revert_check {
            let _ = writeln!(
                md,
                "- Revert check (fix removed, test kept): {} — {}",
                runs_line(r),
                if r.failures > 0 {
                    "the test depends on the fix"
                } else {
                    "**the test passes without the fix: it does not prove the fix**"
                }
            );
        }
        if let Some(s) = &v.suite {
            let _ = writeln!(
                md,
                "- Test suite `{}`: {}",
                s.command,
                if s.failures == 0 {
                    "passed"
                } else {
                    "**failed**"
                }
            );
        }
        for finding in &v.findings {
            let _ = writeln!(md, "- ⚠️ {finding}");
        }
        let _ = writeln!(
            md,
            "- Verdict: {}",
            if v.verified {
                "verified"
            } else {
                "not verified"
            }
        );
        if !v.diff.is_empty() {
            let _ = writeln!(
                md,
                "\n<details><summary>Diff ({})</summary>\n\n```diff\n{}\n```\n\n</details>",
                v.diffstat.lines().last().unwrap_or("changes").trim(),
                v.diff.trim_end()
            );
        }
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Phase 4: PR\n");
    if let Some((remote, branch, commit)) = &view.pushed {
        let _ = writeln!(
            md,
            "Pushed `{branch}` ({}) to `{remote}`.",
            &commit[..commit.len().min(12)]
        );
    }
    match (&view.pr, &view.pr_skipped) {
        (Some((url, number)), _) => {
            let _ = writeln!(md, "Draft PR #{number}: {url}");
        }
        (None, Some(reason)) => {
            let _ = writeln!(md, "No PR opened: {reason}");
        }
        _ => {
            let _ = writeln!(md, "Not reached.");
        }
    }
    let _ = writeln!(md);

    let decisions: Vec<String> = view
        .checkpoints
        .iter()
        .filter_map(|cp| {
            cp.resolution.as_ref().map(|(d, by)| {
                let who = match by {
                    DecidedBy::Person => "the person".to_owned(),
                    DecidedBy::Policy(p) => format!("policy `{p}`"),
                };
                let what = match d {
                    Decision::Abort { reason } => format!("abort ({reason})"),
                    other => other.label().to_owned(),
                };
                format!("- Checkpoint {}: {what}, by {who}", cp.id)
            })
        })
        .collect();
    if !decisions.is_empty() {
        let _ = writeln!(md, "### Checkpoints\n\n{}\n", decisions.join("\n"));
    }
    if !view.warnings.is_empty() {
        let _ = writeln!(md, "### Warnings\n");
        for w in &view.warnings {
            let _ = writeln!(md, "- {w}");
        }
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## Next Steps\n");
    for step in next_steps(view, end) {
        let _ = writeln!(md, "- {step}");
    }
    let _ = writeln!(md, "\n## Relevant Developers\n");
    if view.developers.is_empty() {
        let _ = writeln!(md, "No history for the changed files.");
    } else {
        let _ = writeln!(md, "Most commits to the files the fix changed:\n");
        for d in &view.developers {
            let _ = writeln!(md, "- {d}");
        }
    }
    md
}
