//! The markdown report: the frame every run's report shares (summary, phases, input,
//! checkpoints, warnings, next steps, developers) around the sections its pipeline writes.

use std::fmt::Write as _;

use super::failure::FAILURE_SECTIONS;
use super::sections::{NoSections, Sections};
use super::text::{duration, next_steps, short};
use crate::core::event::{
    CheckpointKind, DecidedBy, Decision, FAILURE_PIPELINE, Phase, PhaseStatus, RunStatus,
};
use crate::core::info::AgentKind;
use crate::core::view::{Conclusion, PhaseState, RunView};

/// The sections of the pipeline a journal names (runs of a pipeline this build does not know
/// get the shared frame only).
#[must_use]
pub fn sections_for(pipeline: &str) -> &'static dyn Sections {
    match pipeline {
        FAILURE_PIPELINE => &FAILURE_SECTIONS,
        crate::core::pipeline::SYNC_PIPELINE => &super::sync::SYNC_SECTIONS,
        _ => &NoSections,
    }
}

/// The markdown report of a run, with the sections of the pipeline it followed.
#[must_use]
pub fn markdown(view: &RunView, end: &Conclusion) -> String {
    render(view, end, sections_for(&view.pipeline))
}

/// The markdown report with `sections` as the pipeline's own part.
#[must_use]
pub fn render(view: &RunView, end: &Conclusion, sections: &dyn Sections) -> String {
    let mut md = String::new();
    summary(view, end, &mut md);
    phases(view, &mut md);
    input_configuration(view, &mut md);
    sections.write(view, &mut md);
    checkpoints(view, &mut md);
    warnings(view, &mut md);
    closing(view, end, &mut md);
    md
}

fn summary(view: &RunView, end: &Conclusion, md: &mut String) {
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
    let _ = writeln!(
        md,
        "| Agent | {}{} |",
        view.agent.map_or("", AgentKind::as_str),
        view.agent_version
            .as_ref()
            .map(|v| format!(" (`{v}`)"))
            .unwrap_or_default()
    );
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
}

fn phases(view: &RunView, md: &mut String) {
    let _ = writeln!(md, "### Phases\n");
    let _ = writeln!(
        md,
        "| Phase | Status | Attempts | Time | Waiting for you | Agent cost | Note |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
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
            "| {} | {status} | {} | {} | {} | {cost} | {} |",
            p.phase,
            p.starts,
            duration(p.duration_ms),
            if p.waiting_ms > 0 {
                duration(p.waiting_ms)
            } else {
                "–".into()
            },
            p.message.replace('|', "\\|").replace('\n', " ")
        );
    }
    let _ = writeln!(md);
}

fn input_configuration(view: &RunView, md: &mut String) {
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
            short(&run.head_sha),
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
        for seen in &logs.memory.seen_before {
            let _ = writeln!(md, "Seen before: {seen}\n");
        }
    }
}

fn checkpoints(view: &RunView, md: &mut String) {
    let decisions: Vec<String> = view
        .checkpoints
        .iter()
        .filter_map(|cp| {
            cp.resolution.as_ref().map(|(d, by)| {
                let who = match by {
                    DecidedBy::Person => "the person".to_owned(),
                    DecidedBy::Policy(p) => format!("policy `{p}`"),
                };
                let what = match (d, &cp.kind) {
                    (Decision::Abort { reason }, _) => format!("abort ({reason})"),
                    // One decision, two acts: before a step the person does it instead of the
                    // agent; after one they edit its result, and fixloop checks it again.
                    (Decision::Manual, CheckpointKind::BeforeStep { phase, .. }) => {
                        format!("do the {phase} step by hand (no agent)")
                    }
                    (Decision::Manual, CheckpointKind::AfterStep { phase, .. }) => {
                        format!("edit the {} by hand, then recheck", result_of(*phase))
                    }
                    (other, _) => other.kind().as_str().to_owned(),
                };
                format!("- Checkpoint {}: {what}, by {who}", cp.id)
            })
        })
        .collect();
    if !decisions.is_empty() {
        let _ = writeln!(md, "### Checkpoints\n\n{}\n", decisions.join("\n"));
    }
}

/// What an AI step leaves for a person to edit.
fn result_of(phase: Phase) -> String {
    match phase {
        Phase::Reproduce => "reproduction".into(),
        Phase::Fix => "fix".into(),
        other => format!("{other} result"),
    }
}

fn warnings(view: &RunView, md: &mut String) {
    if !view.warnings.is_empty() {
        let _ = writeln!(md, "### Warnings\n");
        for w in &view.warnings {
            let _ = writeln!(md, "- {w}");
        }
        let _ = writeln!(md);
    }
}

fn closing(view: &RunView, end: &Conclusion, md: &mut String) {
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
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::event::Event;
    use crate::core::exit::ExitCode;

    /// A journal's events, written as the journal has them.
    fn events(kinds: &[serde_json::Value]) -> Vec<Event> {
        kinds
            .iter()
            .enumerate()
            .map(|(seq, kind)| {
                serde_json::from_value(json!({
                    "v": 1, "seq": seq, "at": "2026-12-01T10:00:00Z", "kind": kind,
                }))
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_step_done_by_hand_and_a_result_edited_by_hand_are_told_apart() {
        let view = RunView::replay(&events(&[
            json!({"type": "checkpoint-reached", "id": 1, "options": ["approve", "manual"],
                   "kind": {"type": "before-step", "phase": "reproduce", "attempt": 1, "prompt": "p"}}),
            json!({"type": "checkpoint-resolved", "id": 1, "decision": {"type": "manual"}, "by": "person"}),
            json!({"type": "checkpoint-reached", "id": 2, "options": ["approve", "manual"],
                   "kind": {"type": "after-step", "phase": "fix", "attempt": 1, "verified": true,
                            "summary": "s", "findings": [], "suggested_feedback": ""}}),
            json!({"type": "checkpoint-resolved", "id": 2, "decision": {"type": "manual"}, "by": "person"}),
        ]));
        let end = Conclusion {
            status: RunStatus::Partial,
            exit_code: ExitCode::Interrupted,
            message: "interrupted".into(),
        };
        let md = render(&view, &end, &NoSections);
        assert!(
            md.contains(
                "- Checkpoint 1: do the reproduce step by hand (no agent), by the person\n\
                 - Checkpoint 2: edit the fix by hand, then recheck, by the person\n"
            ),
            "{md}"
        );
    }
}
