//! When fixloop's workflow runs and which runs it takes: the events, the guard every job that
//! acts is behind (a failed run of a watched workflow, a dispatch, or a `/fixloop` answer on a
//! pull request from someone who may give it), and the concurrency group per repository and
//! branch (or pull request).

use super::values::WorkflowName;
use super::yaml::{Map, Node};

pub use crate::core::ci::REVIEWERS;

/// The answers a reviewer's comment may start with.
pub const ANSWERS: [&str; 3] = ["/fixloop approve", "/fixloop revise", "/fixloop abort"];

/// `on:` for a workflow that holds the triggers (standalone or caller).
#[must_use]
pub fn events(watch: &[WorkflowName]) -> Map {
    let mut on = Map::new();
    on.push(
        "workflow_run",
        Map::new()
            .with(
                "workflows",
                Node::strs(watch.iter().map(WorkflowName::as_str)),
            )
            .with("types", Node::strs(["completed"])),
    );
    on.above(&[
        "A watched workflow's run ended. This runs in the base repository with its secrets,",
        "whoever pushed the failing code: the analyze job runs that code with read-only",
        "permissions, and the publish job, which may write, runs none of it.",
    ]);
    on.comment("zizmor: ignore[dangerous-triggers] read-only analysis; publish runs no PR code");
    on.push(
        "workflow_dispatch",
        Map::new().with(
            "inputs",
            Map::new().with(
                "run-id",
                Map::new()
                    .with("description", "The id of a failed workflow run to fix")
                    .with("required", true)
                    .with("type", "string"),
            ),
        ),
    );
    on.above(&["By hand: fix the failed run with this id."]);
    on.push(
        "issue_comment",
        Map::new().with("types", Node::strs(["created"])),
    );
    on.above(&[
        "A reviewer's answer: `/fixloop approve`, `/fixloop revise \"...\"` or `/fixloop abort`",
        "on a pull request, taken only from its owners, members and collaborators.",
    ]);
    on.comment("zizmor: ignore[dangerous-triggers] only owners, members, collaborators");
    on
}

/// The condition a job acts on, as lines of one expression.
#[must_use]
pub fn guard() -> Vec<String> {
    let reviewers = REVIEWERS
        .iter()
        .map(|r| format!("\"{r}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut lines = vec![
        "(github.event_name == 'workflow_run' && github.event.workflow_run.conclusion == 'failure')"
            .to_owned(),
        "|| github.event_name == 'workflow_dispatch'".to_owned(),
        "|| (github.event_name == 'issue_comment' && github.event.issue.pull_request".to_owned(),
        format!(
            "&& contains(fromJSON('[{reviewers}]'), github.event.comment.author_association)"
        ),
    ];
    for (i, answer) in ANSWERS.iter().enumerate() {
        let open = if i == 0 { "&& (" } else { "|| " };
        let close = if i + 1 == ANSWERS.len() { "))" } else { "" };
        lines.push(format!(
            "{open}startsWith(github.event.comment.body, '{answer}'){close}"
        ));
    }
    lines
}

/// What tells apart the runs that must not overlap: the failed run's branch, the pull request
/// a comment is on, or the run a dispatch names. `dispatch` is how the workflow reads its
/// `run-id` input (`inputs.run-id`, or the caller's event in a reusable workflow).
#[must_use]
pub fn concurrency(prefix: &str, dispatch: &str) -> Map {
    Map::new()
        .with(
            "group",
            Node::Folded(vec![
                format!(
                    "{prefix}-${{{{ github.repository }}}}-${{{{ github.event.workflow_run.head_branch"
                ),
                format!("|| github.event.issue.number || {dispatch} }}}}"),
            ]),
        )
        .with("cancel-in-progress", false)
        .with_comment(
            "queue",
            "max",
            "every event waits its turn: a reviewer's answer is never dropped for a newer one",
        )
}
