//! `fixloop review`: which checkpoint a run stopped at waits for the reviewer's answer, and
//! whether that answer is one the checkpoint offers. The run then goes on as `fixloop resume`
//! does (see `resume.rs`), with the answer given to that checkpoint.

use super::CommandError;
use crate::core::event::{CheckpointKind, Decision, DecisionKind, Event, EventKind};
use crate::core::exit::ExitCode;
use crate::core::pipeline::{Request, Role, live};

/// The checkpoint the rebuilt run waits at, with the reviewer's `answer` to it; an error that
/// says why when the run waits for no decision or the checkpoint does not offer that answer.
pub(super) fn answerable<E: Request>(
    past: &[Event],
    pending: &[E],
    answer: Decision,
    run_arg: &str,
) -> Result<(u32, Decision), CommandError> {
    let Some(id) = pending.iter().find_map(|e| match e.role() {
        Role::Decide { id } => Some(id),
        _ => None,
    }) else {
        let doing = pending.first().map_or("nothing", Request::name);
        return Err(CommandError::new(
            ExitCode::Usage,
            format!("run {run_arg} is not waiting for a review: it goes on with `{doing}`"),
        )
        .hint(format!("`fixloop resume {run_arg}` goes on with it")));
    };
    let reached = live(past, u64::MAX)
        .into_iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::CheckpointReached {
                id: reached,
                kind,
                options,
            } if *reached == id => Some((kind.clone(), options.clone())),
            _ => None,
        });
    let Some((kind, options)) = reached else {
        return Err(CommandError::new(
            ExitCode::Input,
            format!("run {run_arg}: its journal never reached checkpoint {id}"),
        ));
    };
    let wanted = answer.kind();
    let person_may = match (&kind, &answer) {
        (CheckpointKind::AfterStep { left, .. }, Decision::Revise { .. }) => {
            left.is_none_or(|l| l.revisions > 0)
        }
        _ => true,
    };
    if options.contains(&wanted) && person_may {
        return Ok((id, answer));
    }
    let offered: Vec<&str> = options
        .iter()
        .filter(|o| {
            matches!(
                o,
                DecisionKind::Approve | DecisionKind::Revise | DecisionKind::Abort
            )
        })
        .filter(|o| **o != DecisionKind::Revise || person_may)
        .map(|o| o.as_str())
        .collect();
    let why = if wanted == DecisionKind::Revise && options.contains(&wanted) {
        "no revisions are left for this step".to_owned()
    } else {
        format!("checkpoint {id} ({}) does not offer it", where_(&kind))
    };
    Err(CommandError::new(
        ExitCode::Usage,
        format!("cannot `{}` run {run_arg}: {why}", wanted.as_str()),
    )
    .hint(format!(
        "answer with one of: {}",
        offered
            .iter()
            .map(|o| format!("`fixloop review {run_arg} {o}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// "after fix", "before reproduce", "before the push".
fn where_(kind: &CheckpointKind) -> String {
    match kind {
        CheckpointKind::BeforeStep { phase, .. } => format!("before {phase}"),
        CheckpointKind::AfterStep { phase, .. } => format!("after {phase}"),
        CheckpointKind::BeforePush { .. } => "before the push".into(),
    }
}
