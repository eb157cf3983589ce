//! Journals written by an earlier release stay readable: each fixture under
//! `tests/fixtures/journals/<release>/` is a real run's `events.jsonl` with the report that run
//! wrote. Today's code must load it, render the very same report from it, rebuild the pipeline
//! from its inputs (producing, input for input, the events the run journaled), and resume a cut
//! copy of it at the step that was cut off.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};

use fixloop::core::event::{Applied, Event, EventKind};
use fixloop::core::pipeline::{FailureMachine, Machine, Request, input_of, replay};
use fixloop::core::report;
use fixloop::core::view::{Conclusion, RunView};
use fixloop::engine::store::read_journal;

const RUNS: [&str; 4] = ["demo", "revised", "flaky", "resumed"];

fn fixture(release: &str, run: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/journals")
        .join(release)
        .join(run)
}

fn load(run: &str) -> (PathBuf, Vec<Event>) {
    let dir = fixture("v0.1.0", run);
    let events = read_journal(&dir.join("events.jsonl")).unwrap();
    assert!(events.len() > 50, "{run}: {} events", events.len());
    (dir, events)
}

/// The run's pipeline as its recorded setup makes it, as `fixloop resume` does.
fn machine(events: &[Event]) -> FailureMachine {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RunStarted {
                setup: Some(setup), ..
            } => Some(FailureMachine::new(setup.settings.clone())),
            _ => None,
        })
        .unwrap()
}

#[test]
fn an_earlier_releases_journal_renders_the_report_it_wrote() {
    for run in RUNS {
        let (dir, events) = load(run);
        // The report was rendered as the write-report step began: from the journal up to there,
        // with the conclusion the run then finished with.
        let cut = events
            .iter()
            .rposition(|e| {
                matches!(&e.kind, EventKind::StepStarted { step, .. } if step == "write-report")
            })
            .unwrap();
        let view = RunView::replay(&events[..=cut]);
        let end = events
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::RunFinished {
                    status,
                    exit_code,
                    message,
                } => Some(Conclusion {
                    status: *status,
                    exit_code: *exit_code,
                    message: message.clone(),
                }),
                _ => None,
            })
            .unwrap();
        // After a deliberate change of the report, `FIXLOOP_UPDATE_JOURNAL_REPORTS=1` writes
        // what this release renders; the diff is then reviewed like any other change.
        if std::env::var("FIXLOOP_UPDATE_JOURNAL_REPORTS").as_deref() == Ok("1") {
            std::fs::write(dir.join("report.md"), report::markdown(&view, &end)).unwrap();
            let rendered = serde_json::to_string_pretty(&report::json(&view, &end)).unwrap();
            std::fs::write(dir.join("report.json"), rendered + "\n").unwrap();
        }
        let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert_eq!(report::markdown(&view, &end), markdown, "{run}: report.md");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report::json(&view, &end), json, "{run}: report.json");
        // The whole journal replays to the same run: ended, with the report's paths.
        let whole = RunView::replay(&events);
        assert_eq!(whole.finished.as_ref(), Some(&end), "{run}");
        assert!(whole.report.is_some(), "{run}");
    }
}

#[test]
fn an_earlier_releases_journal_rebuilds_the_pipeline_event_for_event() {
    for run in RUNS {
        let (_, events) = load(run);
        // What earlier resumes superseded is not part of the run's path.
        let live = fixloop::core::pipeline::live(&events, u64::MAX);
        let mut pipeline = machine(&events);
        let mut inputs = 0;
        for (i, event) in live.iter().enumerate() {
            let EventKind::InputApplied { input } = &event.kind else {
                continue;
            };
            let rest = &live[i + 1..];
            let fact = (*input == Applied::Done)
                .then(|| rest.iter().find(|e| e.kind.is_fact()).unwrap().kind.clone());
            let step = pipeline.handle(input_of(input.clone(), fact).unwrap());
            // The events the input caused were journaled with it, in one write, in order.
            let journaled: Vec<&EventKind> = rest
                .iter()
                .take(step.events.len())
                .map(|e| &e.kind)
                .collect();
            let produced: Vec<&EventKind> = step.events.iter().collect();
            assert_eq!(produced, journaled, "{run}: input at seq {}", event.seq);
            inputs += 1;
        }
        assert!(inputs > 10, "{run}: {inputs} inputs");
        assert!(pipeline.is_finished(), "{run}");
        // A run that ended on its merits cannot be resumed; one the policy stopped for review
        // goes back to that checkpoint.
        match replay(machine(&events), &events) {
            Err(error) => assert!(
                run != "revised" && error.to_string().contains("finished"),
                "{run}"
            ),
            Ok(replayed) => {
                assert_eq!(run, "revised");
                assert_eq!(
                    replayed
                        .pending
                        .iter()
                        .map(Request::name)
                        .collect::<Vec<_>>(),
                    ["await-decision"]
                );
                assert!(replayed.stopped.unwrap().contains("`verified` policy"));
            }
        }
    }
}

#[test]
fn an_earlier_releases_interrupted_journal_resumes_at_the_step_it_was_cut_off_in() {
    let (_, events) = load("resumed");
    let (at, step) = events
        .iter()
        .enumerate()
        .find_map(|(i, e)| match &e.kind {
            EventKind::RunResumed { step, .. } => Some((i, step.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(step, "run-agent");
    let replayed = replay(machine(&events), &events[..at]).unwrap();
    assert_eq!(
        replayed
            .pending
            .iter()
            .map(Request::name)
            .collect::<Vec<_>>(),
        ["run-agent"]
    );
    assert_eq!(
        replayed.stopped.as_deref(),
        Some("it was interrupted"),
        "{replayed:?}"
    );
}
