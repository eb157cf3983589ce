//! The sync pipeline's rules, driven by scripted facts: no IO anywhere.

use super::{SyncEffect, SyncMachine, SyncRules};
use crate::core::error::StepError;
use crate::core::event::{
    CheckpointKind, DecidedBy, Decision, EventKind, FailureClass, PhaseStatus, RunStatus,
};
use crate::core::exit::ExitCode;
use crate::core::pipeline::{Input, Machine};
use crate::core::sync::verdict::{CheckOutcome, FileOutcome, Resolution};

/// What the scripted steps establish.
#[derive(Clone, Default)]
struct Script {
    what: Option<String>,
    files: Vec<FileOutcome>,
    protected: Vec<String>,
    /// The agent's answer per file (true: resolved).
    agent: Vec<bool>,
    problems: Vec<String>,
    checks_pass: bool,
    /// The fixloop run a failing test is handed to fixes it.
    fix_works: bool,
}

fn file(path: &str, resolution: Resolution) -> FileOutcome {
    FileOutcome {
        path: path.into(),
        resolution,
        rationale: "because".into(),
    }
}

fn rules(publish: bool) -> SyncRules {
    SyncRules {
        max_conflicts: 2,
        publish,
        fixable: Vec::new(),
    }
}

/// Runs the machine to its end; every event and effect, and the exit code.
#[expect(
    clippy::too_many_lines,
    reason = "the script of every step's fact reads best as one table"
)]
fn drive(
    rules: SyncRules,
    script: &Script,
    mut decide: impl FnMut(&CheckpointKind) -> Decision,
) -> (Vec<EventKind>, Vec<SyncEffect>, ExitCode) {
    let mut machine = SyncMachine::new(rules);
    let mut events = Vec::new();
    let mut effects = Vec::new();
    let mut queue = vec![Input::Start];
    let mut agent = script.agent.iter().copied();
    let mut checkpoint: Option<CheckpointKind> = None;
    for _ in 0..100 {
        let Some(input) = queue.pop() else { break };
        let step = machine.handle(input);
        for e in &step.events {
            if let EventKind::CheckpointReached { kind, .. } = e {
                checkpoint = Some(kind.clone());
            }
        }
        events.extend(step.events);
        for effect in step.effects {
            effects.push(effect.clone());
            let fact = match effect {
                SyncEffect::Detect => EventKind::SyncDetected {
                    follows: "v*".into(),
                    what: script.what.clone(),
                    upstream_commit: "u".repeat(40),
                    previous: Some("v1.0.0".into()),
                    base: "main".into(),
                    base_commit: "b".repeat(40),
                    release_notes: String::new(),
                },
                SyncEffect::Merge => EventKind::SyncMerged {
                    branch: "fixloop/sync/v1.1.0".into(),
                    worktree: "/w".into(),
                    files: script.files.clone(),
                    protected: script.protected.clone(),
                    merge_base: "m".repeat(40),
                    ahead: 2,
                    behind: 5,
                },
                SyncEffect::ResolveFile { path, .. } => {
                    let resolved = agent.next().unwrap_or(true);
                    EventKind::SyncFileResolved {
                        file: file(
                            &path,
                            if resolved {
                                Resolution::Agent
                            } else {
                                Resolution::Unresolved
                            },
                        ),
                    }
                }
                SyncEffect::Guard => EventKind::SyncGuarded {
                    commit: script.problems.is_empty().then(|| "c".repeat(40)),
                    problems: script.problems.clone(),
                },
                SyncEffect::Check => EventKind::SyncChecked {
                    checks: vec![CheckOutcome {
                        command: "make test".into(),
                        passed: script.checks_pass
                            || (script.fix_works
                                && effects
                                    .iter()
                                    .any(|e| matches!(e, SyncEffect::FixTest { .. }))),
                        seconds: 1.0,
                    }],
                },
                SyncEffect::FixTest { command } => EventKind::SyncTestFixed {
                    command,
                    run_id: "r1".into(),
                    commit: script.fix_works.then(|| "f".repeat(40)),
                    files: vec!["src/lib.rs".into()],
                    said: "fixed and verified".into(),
                },
                SyncEffect::Publish => EventKind::SyncPublished {
                    number: 7,
                    url: "https://github.com/o/f/pull/7".into(),
                    labels: vec!["automated-sync".into(), "ready".into()],
                    superseded: vec![3],
                },
                SyncEffect::Block { reasons } => EventKind::SyncBlocked {
                    issue: Some((9, "https://github.com/o/f/issues/9".into())),
                    reasons,
                },
                SyncEffect::AwaitDecision { id } => {
                    let kind = checkpoint.clone().expect("a checkpoint is open");
                    queue.push(Input::Decided {
                        id,
                        decision: decide(&kind),
                        by: DecidedBy::Policy("test".into()),
                    });
                    continue;
                }
                SyncEffect::Cleanup { .. } => EventKind::WorktreesRemoved {
                    paths: Vec::new(),
                    kept: Vec::new(),
                    kept_trees: Vec::new(),
                },
                SyncEffect::WriteReport { .. } => EventKind::ReportWritten {
                    markdown: "r.md".into(),
                    json: "r.json".into(),
                },
                SyncEffect::Finish { exit_code } => {
                    assert!(machine.is_finished());
                    return (events, effects, exit_code);
                }
            };
            queue.push(Input::Done(fact));
        }
    }
    panic!("the run did not finish: {events:#?}");
}

fn approve(_: &CheckpointKind) -> Decision {
    Decision::Approve
}

fn finished(events: &[EventKind]) -> (RunStatus, String) {
    events
        .iter()
        .find_map(|e| match e {
            EventKind::RunFinished {
                status, message, ..
            } => Some((*status, message.clone())),
            _ => None,
        })
        .expect("the run finished")
}

fn asked(effects: &[SyncEffect], name: &str) -> usize {
    effects
        .iter()
        .filter(|e| crate::core::pipeline::Request::name(*e) == name)
        .count()
}

#[test]
fn nothing_new_ends_at_once_with_nothing_merged_or_sent() {
    let (events, effects, code) = drive(rules(true), &Script::default(), approve);
    assert_eq!(code, ExitCode::Success);
    let (status, message) = finished(&events);
    assert_eq!(status, RunStatus::Success);
    assert!(message.contains("up to date: v1.0.0"), "{message}");
    for step in ["merge", "publish", "open-conflict-issue"] {
        assert_eq!(asked(&effects, step), 0, "{step}");
    }
}

#[test]
fn a_clean_merge_is_checked_then_published_after_the_push_checkpoint() {
    let script = Script {
        what: Some("v1.1.0".into()),
        checks_pass: true,
        ..Script::default()
    };
    let (events, effects, code) = drive(rules(true), &script, approve);
    assert_eq!(code, ExitCode::Success);
    assert_eq!(asked(&effects, "resolve-file"), 0);
    let order: Vec<&str> = effects
        .iter()
        .map(crate::core::pipeline::Request::name)
        .filter(|n| {
            [
                "merge",
                "guard-merge",
                "run-checks",
                "await-decision",
                "publish",
            ]
            .contains(n)
        })
        .collect();
    assert_eq!(
        order,
        [
            "merge",
            "guard-merge",
            "run-checks",
            "await-decision",
            "publish"
        ]
    );
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::CheckpointReached {
            kind: CheckpointKind::BeforePush { .. },
            ..
        }
    )));
    assert!(finished(&events).1.contains("PR #7"));
}

#[test]
fn conflicts_left_go_to_the_agent_one_file_at_a_time_between_two_checkpoints() {
    let script = Script {
        what: Some("v1.1.0".into()),
        files: vec![
            file("vendor/a.c", Resolution::Theirs),
            file("src/x.rs", Resolution::Unresolved),
            file("src/y.rs", Resolution::Unresolved),
        ],
        checks_pass: true,
        ..Script::default()
    };
    let mut seen = Vec::new();
    let (events, effects, code) = drive(rules(true), &script, |kind| {
        seen.push(match kind {
            CheckpointKind::BeforeStep { .. } => "before",
            CheckpointKind::AfterStep { .. } => "after",
            CheckpointKind::BeforePush { .. } => "push",
        });
        Decision::Approve
    });
    assert_eq!(code, ExitCode::Success, "{events:#?}");
    assert_eq!(seen, ["before", "after", "push"]);
    let files: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            SyncEffect::ResolveFile { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(files, ["src/x.rs", "src/y.rs"]);
}

#[test]
fn a_revision_sends_every_resolved_file_back_with_the_feedback() {
    let script = Script {
        what: Some("v1.1.0".into()),
        files: vec![file("src/x.rs", Resolution::Unresolved)],
        checks_pass: true,
        ..Script::default()
    };
    let mut revised = false;
    let (_, effects, _) = drive(rules(true), &script, |kind| match kind {
        CheckpointKind::AfterStep { .. } if !revised => {
            revised = true;
            Decision::Revise {
                feedback: "keep our logging".into(),
            }
        }
        _ => Decision::Approve,
    });
    let feedback: Vec<Option<&str>> = effects
        .iter()
        .filter_map(|e| match e {
            SyncEffect::ResolveFile { feedback, .. } => Some(feedback.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(feedback, [None, Some("keep our logging")]);
}

#[test]
fn the_ceiling_blocks_with_one_issue_and_nothing_pushed() {
    let too_many = Script {
        what: Some("v1.1.0".into()),
        files: ["a", "b", "c"]
            .iter()
            .map(|p| file(p, Resolution::Unresolved))
            .collect(),
        ..Script::default()
    };
    let protected = Script {
        what: Some("v1.1.0".into()),
        files: vec![file("LICENSE", Resolution::Unresolved)],
        protected: vec!["LICENSE".into()],
        ..Script::default()
    };
    let declined = Script {
        what: Some("v1.1.0".into()),
        files: vec![file("src/x.rs", Resolution::Unresolved)],
        agent: vec![false],
        ..Script::default()
    };
    let guarded = Script {
        what: Some("v1.1.0".into()),
        problems: vec!["a conflict marker in a.txt at line 3".into()],
        ..Script::default()
    };
    for (script, why) in [
        (too_many, "more than the ceiling of 2"),
        (protected, "LICENSE is protected"),
        (declined, "the agent did not resolve src/x.rs"),
        (guarded, "a conflict marker"),
    ] {
        let (events, effects, code) = drive(rules(true), &script, approve);
        assert_eq!(code, ExitCode::Partial, "{why}");
        assert_eq!(asked(&effects, "publish"), 0, "{why}");
        assert_eq!(asked(&effects, "run-checks"), 0, "{why}");
        let reasons = effects
            .iter()
            .find_map(|e| match e {
                SyncEffect::Block { reasons } => Some(reasons.join("; ")),
                _ => None,
            })
            .expect("blocked");
        assert!(reasons.contains(why), "{reasons}");
        assert!(finished(&events).1.contains("issue #9"), "{why}");
    }
}

#[test]
fn without_publishing_the_branch_stays_and_nothing_is_opened() {
    let script = Script {
        what: Some("v1.1.0".into()),
        checks_pass: false,
        ..Script::default()
    };
    let (events, effects, code) = drive(rules(false), &script, approve);
    assert_eq!(code, ExitCode::Partial, "a failing check needs a person");
    assert_eq!(asked(&effects, "publish"), 0);
    assert!(finished(&events).1.contains("1 of 1 check(s) failed"));
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::PhaseFinished {
            status: PhaseStatus::Skipped,
            ..
        }
    )));
}

#[test]
fn a_failed_step_and_an_abort_end_the_run_with_their_codes() {
    let mut machine = SyncMachine::new(rules(true));
    machine.handle(Input::Start);
    let step = machine.handle(Input::Failed(StepError::new(
        FailureClass::Unavailable,
        "upstream is unreachable",
    )));
    assert!(
        step.events
            .iter()
            .any(|e| matches!(e, EventKind::StepFailed { .. }))
    );
    assert_eq!(
        step.effects,
        [SyncEffect::Cleanup {
            keep_worktree: true
        }]
    );
    assert!(machine.is_concluded());

    let script = Script {
        what: Some("v1.1.0".into()),
        checks_pass: true,
        ..Script::default()
    };
    let (events, effects, code) = drive(rules(true), &script, |_| Decision::Abort {
        reason: "not tonight".into(),
    });
    assert_eq!(code, ExitCode::Partial);
    assert_eq!(asked(&effects, "publish"), 0);
    assert!(finished(&events).1.contains("not tonight"));
}

#[test]
fn a_failing_test_is_handed_to_a_fixloop_run_once_then_checked_again() {
    for works in [true, false] {
        let script = Script {
            what: Some("v1.1.0".into()),
            fix_works: works,
            ..Script::default()
        };
        let mut with_tests = rules(true);
        with_tests.fixable = vec!["make test".into()];
        let (events, effects, code) = drive(with_tests, &script, approve);
        assert_eq!(code, ExitCode::Success, "a PR goes up either way");
        assert_eq!(asked(&effects, "fix-test"), 1, "once, fixed or not");
        assert_eq!(
            asked(&effects, "run-checks"),
            2,
            "the checks again after it"
        );
        let last = events
            .iter()
            .rev()
            .find_map(|e| match e {
                EventKind::SyncChecked { checks } => Some(checks[0].passed),
                _ => None,
            })
            .unwrap();
        assert_eq!(last, works);
    }
}
