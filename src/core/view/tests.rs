//! The reducer's time keeping and batches, from events.
use super::*;
use crate::core::event::{CheckpointKind, DecidedBy, Decision, PhaseStatus};

fn at(seq: u64, secs: u32, kind: EventKind) -> Event {
    Event {
        v: 1,
        seq,
        at: format!("2026-11-21T10:00:{secs:02}Z"),
        kind,
    }
}

#[test]
fn time_spent_waiting_for_the_person_is_kept_apart_from_the_step_s_own() {
    let events = [
        at(
            1,
            0,
            EventKind::PhaseStarted {
                phase: Phase::Reproduce,
            },
        ),
        at(
            2,
            1,
            EventKind::CheckpointReached {
                id: 1,
                kind: CheckpointKind::BeforeStep {
                    phase: Phase::Reproduce,
                    attempt: 1,
                    prompt: String::new(),
                },
                options: Vec::new(),
            },
        ),
        at(
            3,
            26,
            EventKind::CheckpointResolved {
                id: 1,
                decision: Decision::Approve,
                by: DecidedBy::Person,
            },
        ),
        at(
            4,
            30,
            EventKind::PhaseFinished {
                phase: Phase::Reproduce,
                status: PhaseStatus::Passed,
                message: String::new(),
            },
        ),
    ];
    let view = RunView::replay(&events[..3]);
    let p = view
        .phases
        .iter()
        .find(|p| p.phase == Phase::Reproduce)
        .unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:28Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(p.own_ms(now), 3_000, "running: 1 s before, 2 s after");
    assert_eq!(p.waited_ms(now), 25_000);
    let view = RunView::replay(&events);
    let p = view
        .phases
        .iter()
        .find(|p| p.phase == Phase::Reproduce)
        .unwrap();
    assert_eq!(p.duration_ms, 5_000);
    assert_eq!(p.waiting_ms, 25_000);
}

#[test]
fn a_batch_of_test_runs_is_counted_as_it_goes() {
    let run = |seq, n, exit| {
        at(
            seq,
            1,
            EventKind::TestRunFinished {
                phase: Phase::ConfirmRepro,
                purpose: "confirm-1".into(),
                run: n,
                of: 3,
                exit_code: Some(exit),
                timed_out: false,
                duration_ms: 10,
                log: String::new(),
            },
        )
    };
    let view = RunView::replay(&[run(1, 1, 1), run(2, 2, 0)]);
    let batch = view.batch.unwrap();
    assert_eq!(
        batch.progress(),
        "reproduction, attempt 1: run 2/3, 1 failed"
    );
    assert_eq!(
        batch_label("revert-2"),
        "revert check (without the fix), attempt 2"
    );
    assert_eq!(
        batch_label("post-fix-base-1"),
        "those tests on the base, attempt 1"
    );
    assert_eq!(batch_label("odd"), "odd");
}

#[test]
fn a_resumed_run_shows_what_the_interrupted_one_closed_with_as_still_to_do() {
    let phase = |seq, phase, status| {
        at(
            seq,
            1,
            EventKind::PhaseFinished {
                phase,
                status,
                message: String::new(),
            },
        )
    };
    let events = [
        at(1, 0, EventKind::PhaseStarted { phase: Phase::Fix }),
        phase(2, Phase::Fix, PhaseStatus::Failed),
        at(
            3,
            1,
            EventKind::PhaseStarted {
                phase: Phase::Report,
            },
        ),
        phase(4, Phase::Report, PhaseStatus::Passed),
        at(
            5,
            9,
            EventKind::RunResumed {
                from_seq: 1,
                step: "fix".into(),
                phase: Some(Phase::Fix),
                reason: Some("it was interrupted".into()),
                headless: false,
                policy: "person".into(),
                budget_cents: None,
                step_budget_cents: None,
                spent_cents: None,
            },
        ),
    ];
    let view = RunView::replay(&events);
    let state = |p: Phase| view.phases.iter().find(|v| v.phase == p).map(|v| v.state);
    assert_eq!(state(Phase::Fix), Some(PhaseState::Running));
    assert_eq!(state(Phase::Report), Some(PhaseState::Pending));
}
