//! Rebuilding a pipeline from its journal. The pipeline is pure, so feeding it the inputs the
//! journal records, in the same order, brings it back to exactly where the run was; what it asked
//! for after the last of them is the step that was cut off, and that is where a resumed run goes
//! on.

use super::Input;
use super::contract::Machine;
use crate::core::error::StepError;
use crate::core::event::{Applied, DecidedBy, Decision, Event, EventKind, FailureClass};

/// The journal form of an input. A `Done` input's fact is journaled as its own event right
/// after it (in the same write), so it is not repeated here.
#[must_use]
pub fn record_of(input: &Input) -> Applied {
    match input {
        Input::Start => Applied::Start,
        Input::Done(_) => Applied::Done,
        Input::Prompt {
            phase,
            attempt,
            prompt,
            path,
        } => Applied::Prompt {
            phase: *phase,
            attempt: *attempt,
            prompt: prompt.clone(),
            path: path.clone(),
        },
        Input::Failed(e) => Applied::Failed {
            class: e.class,
            message: e.message.clone(),
            hints: e.hints.clone(),
        },
        Input::Decided { id, decision, by } => Applied::Decided {
            id: *id,
            decision: decision.clone(),
            by: by.clone(),
        },
        Input::Interrupted => Applied::Interrupted,
    }
}

/// The input a journal record stands for; a `Done` record needs its fact.
#[must_use]
pub fn input_of(applied: Applied, fact: Option<EventKind>) -> Option<Input> {
    Some(match applied {
        Applied::Start => Input::Start,
        Applied::Done => Input::Done(fact?),
        Applied::Prompt {
            phase,
            attempt,
            prompt,
            path,
        } => Input::Prompt {
            phase,
            attempt,
            prompt,
            path,
        },
        Applied::Failed {
            class,
            message,
            hints,
        } => Input::Failed(StepError {
            class,
            message,
            hints,
        }),
        Applied::Decided { id, decision, by } => Input::Decided { id, decision, by },
        Applied::Interrupted => Input::Interrupted,
    })
}

/// A pipeline rebuilt from a journal, and what to do next.
#[derive(Debug)]
pub struct Replayed<M: Machine> {
    pub pipeline: M,
    /// The effects to carry out now: the step that was cut off, failed, or waits for a decision.
    /// Empty when the run never got its first input.
    pub pending: Vec<M::Effect>,
    /// Events after this one (up to the resume) are superseded: the closing of a run that was
    /// interrupted, failed on something outside, or stopped for review.
    pub from_seq: u64,
    /// Why the run stopped, when it ended in a way that resuming takes back.
    pub stopped: Option<String>,
}

/// The events a resumed run goes on from: up to `from_seq`, without the stretches that earlier
/// resumes superseded.
#[must_use]
pub fn live(events: &[Event], from_seq: u64) -> Vec<&Event> {
    let superseded: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RunResumed { from_seq, .. } => Some((from_seq, e.seq)),
            _ => None,
        })
        .collect();
    events
        .iter()
        .filter(|e| e.seq <= from_seq)
        .filter(|e| !superseded.iter().any(|(a, b)| e.seq > *a && e.seq < *b))
        .collect()
}

/// A run that finished on its merits: there is nothing to resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run has finished; there is nothing to resume")]
pub struct Finished;

/// Feeds the journal's inputs to `pipeline`, new. A run that ended because it was interrupted,
/// because something it needed was unavailable, or because the policy stopped it for review is
/// taken back to just before that ending; a run that finished on its merits cannot be resumed.
pub fn replay<M: Machine>(mut pipeline: M, events: &[Event]) -> Result<Replayed<M>, Finished> {
    // Each earlier resume superseded the events between its `from_seq` and itself.
    let live = live(events, u64::MAX);
    let mut pending = Vec::new();
    let mut stopped = None;
    let mut from_seq = live.last().map_or(0, |e| e.seq);
    for (i, event) in live.iter().enumerate() {
        let EventKind::InputApplied { input } = &event.kind else {
            continue;
        };
        let fact = if *input == Applied::Done {
            let fact = live[i + 1..]
                .iter()
                .take_while(|e| !matches!(e.kind, EventKind::InputApplied { .. }))
                .find(|e| e.kind.is_fact());
            // Cut off between the record and its fact: the effect is done again.
            let Some(fact) = fact else { break };
            Some(fact.kind.clone())
        } else {
            None
        };
        let Some(input) = input_of(input.clone(), fact) else {
            break;
        };
        let mut next = pipeline.clone();
        let step = next.handle(input.clone());
        if !pipeline.is_concluded()
            && next.is_concluded()
            && let Some(why) = retryable(&input).or_else(|| pipeline.reopens(&input))
        {
            stopped = Some(why);
            from_seq = event.seq.saturating_sub(1);
            break;
        }
        pipeline = next;
        pending = step.effects;
    }
    if pipeline.is_finished() {
        return Err(Finished);
    }
    Ok(Replayed {
        pipeline,
        pending,
        from_seq,
        stopped,
    })
}

/// Why an input that ended the run is one a resume takes back, if it is.
fn retryable(input: &Input) -> Option<String> {
    match input {
        Input::Interrupted => Some("it was interrupted".into()),
        Input::Failed(e) => Some(format!("a step failed: {}", e.message)),
        Input::Decided {
            decision: Decision::Abort { reason },
            by: DecidedBy::Policy(policy),
            ..
        } => Some(format!("the `{policy}` policy stopped it: {reason}")),
        Input::Done(EventKind::AgentFinished {
            error_class: Some(FailureClass::Input | FailureClass::Unavailable),
            error,
            ..
        }) => Some(format!(
            "the agent could not work: {}",
            error.as_deref().unwrap_or("unavailable")
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::{Phase, TestRuns};
    use crate::core::pipeline::{Effect, FailureMachine, Step};
    use crate::core::setup::Settings;

    /// The rules these journals were written under: verification before the commit, as in 0.1.
    fn settings() -> Settings {
        Settings {
            verify_committed_tree: false,
            ..Settings::default()
        }
    }

    /// Journals a run the way the driver does: the input's record, then the step's events.
    struct Journal {
        pipeline: FailureMachine,
        events: Vec<Event>,
    }

    impl Journal {
        fn new(settings: Settings) -> Self {
            Self {
                pipeline: FailureMachine::new(settings),
                events: Vec::new(),
            }
        }

        fn push(&mut self, kind: EventKind) {
            let seq = self.events.len() as u64 + 1;
            self.events.push(Event {
                v: 1,
                seq,
                at: "2026-11-21T10:00:00.000Z".into(),
                kind,
            });
        }

        fn feed(&mut self, input: Input) -> Step {
            self.push(EventKind::InputApplied {
                input: record_of(&input),
            });
            let step = self.pipeline.handle(input);
            for event in &step.events {
                self.push(event.clone());
            }
            step
        }
    }

    fn agent_done(phase: Phase, attempt: u32) -> Input {
        Input::Done(EventKind::AgentFinished {
            phase,
            attempt,
            ok: true,
            session_id: Some(format!("s-{phase}")),
            cost_usd: None,
            turns: None,
            duration_ms: 1,
            error: None,
            error_class: None,
            notes: None,
            findings: Vec::new(),
        })
    }

    fn approve(id: u32) -> Input {
        Input::Decided {
            id,
            decision: Decision::Approve,
            by: DecidedBy::Policy("all".into()),
        }
    }

    /// A whole successful run's inputs.
    #[expect(
        clippy::too_many_lines,
        reason = "one input per step of a whole run, read as a table"
    )]
    fn happy_inputs() -> Vec<Input> {
        let runs = TestRuns {
            runs: 3,
            failures: 3,
            ..TestRuns::default()
        };
        vec![
            Input::Start,
            Input::Done(EventKind::LogsPrepared {
                source: "ci.log".into(),
                full_log: "full.log".into(),
                excerpt: "excerpt.txt".into(),
                bytes: 1,
                lines: 1,
                excerpt_bytes: 1,
                failing_tests: vec![],
                memory: crate::core::memory::Recall::default(),
            }),
            Input::Done(EventKind::ScratchCreated {
                path: "/s".into(),
                commit: "c".into(),
            }),
            Input::Prompt {
                phase: Phase::Reproduce,
                attempt: 1,
                prompt: "p".into(),
                path: "p.md".into(),
            },
            approve(1),
            agent_done(Phase::Reproduce, 1),
            Input::Done(EventKind::ReproductionChecked {
                attempt: 1,
                reproduced: true,
                reason: "fails like CI".into(),
                runs,
                invalid_input: false,
                files: vec![],
                reproduction: None,
                copies: Vec::new(),
                findings: Vec::new(),
                check: None,
            }),
            approve(2),
            Input::Done(EventKind::ReproductionCommitted {
                branch: None,
                commit: None,
                paths: vec![],
                note: String::new(),
            }),
            Input::Done(EventKind::FixBranchCreated {
                branch: "fix/x".into(),
                base: "main".into(),
                base_commit: "b".into(),
                worktree: "/w".into(),
            }),
            Input::Prompt {
                phase: Phase::Fix,
                attempt: 1,
                prompt: "p".into(),
                path: "p.md".into(),
            },
            approve(3),
            agent_done(Phase::Fix, 1),
            Input::Done(EventKind::VerificationFinished {
                attempt: 1,
                verified: true,
                passes: TestRuns {
                    runs: 3,
                    ..TestRuns::default()
                },
                revert_check: None,
                suite: None,
                findings: vec![],
                diffstat: String::new(),
                diff: String::new(),
                commit: None,
                outside_check: None,
                post_fix: None,
                notes: Vec::new(),
            }),
            approve(4),
            Input::Done(EventKind::FixCommitted {
                branch: "fix/x".into(),
                commit: "f".into(),
                files_changed: vec![],
                message: "Fix x".into(),
                repro_removed: true,
            }),
            approve(5),
            Input::Done(EventKind::BranchPushed {
                remote: "origin".into(),
                branch: "fix/x".into(),
                commit: "f".into(),
            }),
            Input::Done(EventKind::PrOpened {
                url: "u".into(),
                number: 1,
            }),
            Input::Done(EventKind::WorktreesRemoved {
                paths: vec![],
                kept: vec![],
                kept_trees: vec![],
            }),
            Input::Done(EventKind::DevelopersFound { developers: vec![] }),
            Input::Done(EventKind::ReportWritten {
                markdown: "r.md".into(),
                json: "r.json".into(),
            }),
        ]
    }

    #[test]
    fn every_cut_of_a_run_resumes_with_the_effect_it_was_waiting_for() {
        let inputs = happy_inputs();
        for cut in 1..inputs.len() {
            let mut journal = Journal::new(settings());
            let mut expected = Vec::new();
            for input in &inputs[..cut] {
                expected = journal.feed(input.clone()).effects;
            }
            let replayed = replay(FailureMachine::new(settings()), &journal.events).unwrap();
            assert_eq!(replayed.pending, expected, "cut after {cut} inputs");
            assert!(replayed.stopped.is_none());
            // The rebuilt pipeline goes on exactly like the original.
            let mut original = journal.pipeline;
            let mut rebuilt = replayed.pipeline;
            for input in &inputs[cut..] {
                assert_eq!(
                    rebuilt.handle(input.clone()),
                    original.handle(input.clone()),
                    "cut after {cut} inputs"
                );
            }
            assert!(rebuilt.is_finished());
        }
    }

    #[test]
    fn a_finished_run_cannot_be_resumed() {
        let mut journal = Journal::new(settings());
        for input in happy_inputs() {
            journal.feed(input);
        }
        assert!(replay(FailureMachine::new(settings()), &journal.events).is_err());
    }

    #[test]
    fn a_declined_push_is_asked_again_on_resume() {
        let inputs = happy_inputs();
        let at_push = inputs
            .iter()
            .position(|i| *i == approve(5))
            .expect("the push checkpoint");
        let mut journal = Journal::new(settings());
        for input in &inputs[..at_push] {
            journal.feed(input.clone());
        }
        let declined = Input::Decided {
            id: 5,
            decision: Decision::Abort {
                reason: "not today".into(),
            },
            by: DecidedBy::Person,
        };
        journal.feed(declined);
        for input in &inputs[inputs.len() - 3..] {
            journal.feed(input.clone());
        }
        assert!(journal.pipeline.is_finished());
        let replayed = replay(FailureMachine::new(settings()), &journal.events).unwrap();
        assert_eq!(replayed.pending, [Effect::AwaitDecision { id: 5 }]);
        assert!(
            replayed
                .stopped
                .as_deref()
                .is_some_and(|why| why.contains("the push was declined: not today")),
            "{:?}",
            replayed.stopped
        );
        // A person's abort anywhere else stands.
        let mut journal = Journal::new(settings());
        for input in &inputs[..4] {
            journal.feed(input.clone());
        }
        journal.feed(Input::Decided {
            id: 1,
            decision: Decision::Abort {
                reason: "no".into(),
            },
            by: DecidedBy::Person,
        });
        for input in &inputs[inputs.len() - 3..] {
            journal.feed(input.clone());
        }
        assert!(replay(FailureMachine::new(settings()), &journal.events).is_err());
    }

    #[test]
    fn a_done_record_without_its_fact_does_the_effect_again() {
        let inputs = happy_inputs();
        let mut journal = Journal::new(settings());
        let mut expected = Vec::new();
        for input in &inputs[..3] {
            expected = journal.feed(input.clone()).effects;
        }
        journal.push(EventKind::InputApplied {
            input: Applied::Done,
        });
        let replayed = replay(FailureMachine::new(settings()), &journal.events).unwrap();
        assert_eq!(replayed.pending, expected);
    }

    #[test]
    fn an_interrupted_run_goes_back_to_the_step_it_was_in_and_a_second_resume_too() {
        let inputs = happy_inputs();
        let mut journal = Journal::new(settings());
        for input in &inputs[..13] {
            journal.feed(input.clone());
        }
        let in_flight = journal.pipeline.clone();
        let expected = vec![Effect::Verify {
            attempt: 1,
            runs: 3,
        }];
        // Ctrl-C during verification: the run closes as interrupted.
        journal.feed(Input::Interrupted);
        for input in &inputs[inputs.len() - 3..] {
            journal.feed(input.clone());
        }
        assert!(journal.pipeline.is_finished());
        let replayed = replay(FailureMachine::new(settings()), &journal.events).unwrap();
        assert_eq!(replayed.pending, expected);
        assert_eq!(replayed.stopped.as_deref(), Some("it was interrupted"));
        assert_eq!(replayed.pipeline.open_phase(), Some(Phase::Verify));
        assert_eq!(replayed.pipeline.open_phase(), in_flight.open_phase());

        // The resumed run is itself interrupted later, and resumed again.
        let from_seq = replayed.from_seq;
        journal.pipeline = replayed.pipeline;
        journal.push(EventKind::RunResumed {
            from_seq,
            step: "verify".into(),
            phase: Some(Phase::Verify),
            reason: None,
            headless: true,
            policy: "all".into(),
            budget_cents: None,
            step_budget_cents: None,
            spent_cents: None,
        });
        for input in &inputs[13..15] {
            journal.feed(input.clone());
        }
        journal.feed(Input::Interrupted);
        let again = replay(FailureMachine::new(settings()), &journal.events).unwrap();
        assert_eq!(
            again.pending,
            vec![Effect::CommitFix { remove_repro: true }]
        );
    }

    #[test]
    fn a_policy_stop_and_an_unavailable_agent_are_taken_back_but_a_persons_abort_is_not() {
        let inputs = happy_inputs();
        let stop = |decision: Input| {
            let mut journal = Journal::new(settings());
            for input in &inputs[..7] {
                journal.feed(input.clone());
            }
            journal.feed(decision);
            replay(FailureMachine::new(settings()), &journal.events)
        };
        let by_policy = stop(Input::Decided {
            id: 2,
            decision: Decision::Abort {
                reason: "not verified".into(),
            },
            by: DecidedBy::Policy("verified".into()),
        })
        .unwrap();
        assert_eq!(by_policy.pending, vec![Effect::AwaitDecision { id: 2 }]);
        let by_person = stop(Input::Decided {
            id: 2,
            decision: Decision::Abort {
                reason: "no".into(),
            },
            by: DecidedBy::Person,
        })
        .unwrap();
        // A person's abort stands: the run closes (cleanup is what is left of it).
        assert!(matches!(by_person.pending[..], [Effect::Cleanup { .. }]));
        assert!(by_person.stopped.is_none());

        let mut journal = Journal::new(settings());
        for input in &inputs[..5] {
            journal.feed(input.clone());
        }
        journal.feed(Input::Done(EventKind::AgentFinished {
            phase: Phase::Reproduce,
            attempt: 1,
            ok: false,
            session_id: None,
            cost_usd: None,
            turns: None,
            duration_ms: 1,
            error: Some("not logged in".into()),
            error_class: Some(FailureClass::Unavailable),
            notes: None,
            findings: Vec::new(),
        }));
        let replayed = replay(FailureMachine::new(settings()), &journal.events).unwrap();
        assert!(matches!(
            replayed.pending[..],
            [Effect::RunAgent {
                phase: Phase::Reproduce,
                ..
            }]
        ));
        assert!(replayed.stopped.unwrap().contains("not logged in"));
    }
}
