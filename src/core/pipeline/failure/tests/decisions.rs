//! What a decision counts as: a person's revisions and a policy's automatic retries are counted
//! apart; declining the push of a verified fix is a partial result, not a failure.

use super::*;

/// The agent runs of a run: (attempt, feedback).
fn agent_runs(effects: &[Effect]) -> Vec<(u32, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::RunAgent {
                attempt, feedback, ..
            } => Some((*attempt, feedback.clone())),
            _ => None,
        })
        .collect()
}

fn left_at(kind: &CheckpointKind) -> RevisionsLeft {
    match kind {
        CheckpointKind::AfterStep { left, .. } => left.expect("counted"),
        _ => panic!("not after a step: {kind:?}"),
    }
}

#[test]
fn a_persons_revisions_do_not_use_up_the_agents_retries() {
    let script = Script {
        reproduces: vec![false],
        ..Script::default()
    };
    let settings = Settings {
        max_revisions: Some(2),
        ..Settings::default()
    };
    // The person sends the step back twice; then fixloop's own retries go on (policy).
    let mut person_turns = 0;
    let (events, effects, exit) = drive_by(settings, &script, |kind, options| {
        let CheckpointKind::AfterStep { .. } = kind else {
            return (Decision::Approve, DecidedBy::Person);
        };
        let left = left_at(kind);
        if left.revisions > 0 {
            person_turns += 1;
            let feedback = format!("person {person_turns}");
            return (Decision::Revise { feedback }, DecidedBy::Person);
        }
        let decision = Approve::Verified.decide(kind, options);
        (decision, DecidedBy::Policy("verified".into()))
    });
    assert_eq!(exit, 1);
    let runs = agent_runs(&effects);
    // 1 + 2 revisions by the person + 2 automatic retries (`--attempts 3`).
    assert_eq!(runs.len(), 5, "{runs:?}");
    assert_eq!(runs[1].1.as_deref(), Some("person 1"));
    assert_eq!(runs[2].1.as_deref(), Some("person 2"));
    assert!(runs[3].1.as_deref().unwrap().contains("the test passes"));
    let attempts: Vec<u32> = runs.iter().map(|r| r.0).collect();
    assert_eq!(
        attempts,
        [1, 2, 3, 4, 5],
        "attempts are numbered across both"
    );
    let lefts: Vec<RevisionsLeft> = events
        .iter()
        .filter_map(|e| match e {
            EventKind::CheckpointReached { kind, .. }
                if matches!(kind, CheckpointKind::AfterStep { .. }) =>
            {
                Some(left_at(kind))
            }
            _ => None,
        })
        .collect();
    let counted = |revisions, retries| RevisionsLeft { revisions, retries };
    assert_eq!(
        lefts,
        [
            counted(2, 2),
            counted(1, 2),
            counted(0, 2),
            counted(0, 1),
            counted(0, 0)
        ]
    );
}

#[test]
fn a_revision_past_the_persons_limit_is_refused_and_the_checkpoint_stays_open() {
    let script = Script {
        reproduces: vec![false],
        ..Script::default()
    };
    let settings = Settings {
        max_revisions: Some(0),
        ..Settings::default()
    };
    let mut tried = false;
    let (events, effects, exit) = drive_by(settings, &script, |kind, _| match kind {
        CheckpointKind::AfterStep { .. } if !tried => {
            tried = true;
            let feedback = "once more".to_owned();
            (Decision::Revise { feedback }, DecidedBy::Person)
        }
        CheckpointKind::AfterStep { .. } => {
            let reason = "enough".to_owned();
            (Decision::Abort { reason }, DecidedBy::Person)
        }
        _ => (Decision::Approve, DecidedBy::Person),
    });
    assert_eq!(exit, 1);
    assert_eq!(agent_runs(&effects).len(), 1);
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::Warned { message } if message.contains("revision not accepted")
            && message.contains("--revisions")
    )));
}

#[test]
fn declining_the_push_of_a_verified_fix_is_a_partial_result() {
    let (events, effects, exit) =
        drive_by(
            Settings::default(),
            &Script::default(),
            |kind, _| match kind {
                CheckpointKind::BeforePush { .. } => {
                    let reason = "not today".to_owned();
                    (Decision::Abort { reason }, DecidedBy::Person)
                }
                _ => (Decision::Approve, DecidedBy::Person),
            },
        );
    assert_eq!(exit, 3);
    assert_eq!(finished(&events), (RunStatus::Partial, 3));
    assert!(!names(&effects).contains(&"push"), "{effects:?}");
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::RunFinished { message, .. } if message.contains("verified fix not pushed")
    )));
    // Its branch stays: the cleanup keeps the fix worktree of a run that did not succeed.
    assert!(effects.contains(&Effect::Cleanup {
        keep_fix_worktree: true
    }));
}
