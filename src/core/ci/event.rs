//! The GitHub Actions events `fixloop ci analyze` starts on, read from their payloads: a
//! workflow run that completed, a dispatch naming a run, or a `/fixloop …` comment on a pull
//! request. Only the fields fixloop uses are read; everything in them is untrusted text.

use serde_json::Value;

/// What started the analyze job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiEvent {
    /// `workflow_run` (completed): a run of a watched workflow ended.
    Run(FailedRun),
    /// `workflow_dispatch` with a `run-id` input: analyze that run.
    Dispatch { repo: String, run_id: u64 },
    /// `issue_comment`: a reviewer's answer on a pull request.
    Comment(ReviewComment),
}

/// A completed workflow run, as the `workflow_run` payload describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FailedRun {
    /// `owner/name` of the repository the workflow ran in.
    pub repo: String,
    pub run_id: u64,
    pub run_attempt: u64,
    pub html_url: String,
    pub workflow: String,
    pub conclusion: String,
    /// What triggered the run (`pull_request`, `push`, …).
    pub trigger: String,
    pub head_branch: String,
    pub head_sha: String,
    /// `owner/name` of the repository the head commit is in: another one for a fork's PR.
    pub head_repo: String,
    pub head_message: String,
    /// Who started the run and who made it happen (a push by a bot, a re-run by a person).
    pub actors: Vec<String>,
    /// The PRs GitHub lists for the run; empty for a fork's PR (found by the head SHA then).
    pub pull_requests: Vec<u64>,
}

impl FailedRun {
    /// The head commit is in another repository than the workflow ran in: a fork's PR. A head
    /// repository GitHub does not name (a fork deleted since) counts as another one.
    #[must_use]
    pub fn from_fork(&self) -> bool {
        !self.head_repo.eq_ignore_ascii_case(&self.repo)
    }
}

/// A `/fixloop …` comment on a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewComment {
    pub repo: String,
    pub pr: u64,
    pub comment_id: u64,
    pub author: String,
    /// GitHub's `author_association`: `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, …
    pub association: String,
    /// The command, when the comment is one.
    pub command: Option<ReviewCommand>,
    /// The comment is on a pull request (not an issue).
    pub on_pr: bool,
}

/// The authors whose `/fixloop` comments are answers: a repository's owners, members and
/// collaborators (GitHub's `author_association`). The workflow's guard, `fixloop ci analyze`
/// and the watcher all take this one list.
pub const REVIEWERS: [&str; 3] = ["OWNER", "MEMBER", "COLLABORATOR"];

/// What a `/fixloop` comment asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewCommand {
    /// `/fixloop approve` (or `/fixloop apply`).
    Approve,
    Revise(String),
    Abort(Option<String>),
    /// `/fixloop off`: the watcher leaves this pull request alone from now on.
    Off,
    /// `/fixloop on`: … and takes it again.
    On,
}

/// An event fixloop cannot read: the message says which field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EventError(pub String);

/// Reads a payload. `name` is `GITHUB_EVENT_NAME` when known; without it the payload's shape
/// tells (a `workflow_run` object, a `comment` with an `issue`, `inputs`).
///
/// # Errors
/// An event of another kind, or one without a field fixloop needs.
pub fn parse(name: Option<&str>, payload: &Value) -> Result<CiEvent, EventError> {
    let name = match name {
        Some(name) => name.to_owned(),
        None if payload.get("workflow_run").is_some() => "workflow_run".into(),
        None if payload.get("comment").is_some() => "issue_comment".into(),
        None if payload.get("inputs").is_some() => "workflow_dispatch".into(),
        None => {
            return Err(EventError(
                "the event is not a workflow_run, workflow_dispatch or issue_comment payload \
                 (set GITHUB_EVENT_NAME or pass --event-name)"
                    .into(),
            ));
        }
    };
    let repo = text(payload, &["repository", "full_name"]);
    match name.as_str() {
        "workflow_run" => workflow_run(payload, repo),
        "workflow_dispatch" => {
            let input = payload
                .pointer("/inputs/run-id")
                .or_else(|| payload.pointer("/inputs/run_id"))
                .ok_or_else(|| {
                    EventError("the workflow_dispatch event has no `run-id` input".into())
                })?;
            let run_id = input
                .as_u64()
                .or_else(|| input.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| {
                    EventError(format!(
                        "the `run-id` input `{}` is not a run id (a number)",
                        input
                            .as_str()
                            .map_or_else(|| input.to_string(), str::to_owned)
                    ))
                })?;
            Ok(CiEvent::Dispatch { repo, run_id })
        }
        "issue_comment" => Ok(CiEvent::Comment(ReviewComment {
            repo,
            pr: number(payload, &["issue", "number"]),
            comment_id: number(payload, &["comment", "id"]),
            author: text(payload, &["comment", "user", "login"]),
            association: text(payload, &["comment", "author_association"]),
            command: command(&text(payload, &["comment", "body"])),
            on_pr: payload
                .pointer("/issue/pull_request")
                .is_some_and(|p| !p.is_null()),
        })),
        other => Err(EventError(format!(
            "`{other}` events are not fixloop's: it starts on workflow_run, workflow_dispatch \
             and issue_comment"
        ))),
    }
}

fn workflow_run(payload: &Value, repo: String) -> Result<CiEvent, EventError> {
    let run = payload
        .get("workflow_run")
        .filter(|r| r.is_object())
        .ok_or_else(|| EventError("the workflow_run event has no `workflow_run` object".into()))?;
    let run_id = run
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| EventError("`workflow_run.id` is missing".into()))?;
    let mut actors: Vec<String> = ["actor", "triggering_actor"]
        .iter()
        .map(|k| text(run, &[k, "login"]))
        .chain([text(payload, &["sender", "login"])])
        .filter(|a| !a.is_empty())
        .collect();
    actors.dedup();
    let pull_requests = run
        .get("pull_requests")
        .and_then(Value::as_array)
        .map(|prs| {
            prs.iter()
                .filter_map(|pr| pr.get("number").and_then(Value::as_u64))
                .collect()
        })
        .unwrap_or_default();
    let repo = if repo.is_empty() {
        text(run, &["repository", "full_name"])
    } else {
        repo
    };
    Ok(CiEvent::Run(FailedRun {
        repo,
        run_id,
        run_attempt: number(run, &["run_attempt"]).max(1),
        html_url: text(run, &["html_url"]),
        workflow: text(run, &["name"]),
        conclusion: text(run, &["conclusion"]),
        trigger: text(run, &["event"]),
        head_branch: text(run, &["head_branch"]),
        head_sha: text(run, &["head_sha"]),
        head_repo: text(run, &["head_repository", "full_name"]),
        head_message: text(run, &["head_commit", "message"]),
        actors,
        pull_requests,
    }))
}

/// The command in a comment: its first line that starts with `/fixloop`.
#[must_use]
pub fn command(body: &str) -> Option<ReviewCommand> {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("/fixloop"))?;
    let rest = line.strip_prefix("/fixloop")?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim();
    let (verb, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let arg = unquote(arg.trim());
    match verb {
        "approve" | "apply" => Some(ReviewCommand::Approve),
        "off" => Some(ReviewCommand::Off),
        "on" => Some(ReviewCommand::On),
        // The feedback may go on over the lines after the command.
        "revise" => {
            let after: Vec<&str> = body
                .lines()
                .skip_while(|l| !l.trim().starts_with("/fixloop"))
                .skip(1)
                .collect();
            let more = after.join("\n");
            let feedback = [arg, unquote(more.trim())]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            (!feedback.is_empty()).then_some(ReviewCommand::Revise(feedback))
        }
        "abort" => Some(ReviewCommand::Abort(
            (!arg.is_empty()).then(|| arg.to_owned()),
        )),
        _ => None,
    }
}

/// `"text"` → `text` (straight or curly quotes, as a phone types them).
fn unquote(s: &str) -> &str {
    for (open, close) in [('"', '"'), ('“', '”'), ('\'', '\'')] {
        if let Some(inner) = s.strip_prefix(open).and_then(|s| s.strip_suffix(close)) {
            return inner.trim();
        }
    }
    s
}

fn text(value: &Value, path: &[&str]) -> String {
    path.iter()
        .try_fold(value, |v, k| v.get(*k))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn number(value: &Value, path: &[&str]) -> u64 {
    path.iter()
        .try_fold(value, |v, k| v.get(*k))
        .and_then(Value::as_u64)
        .unwrap_or_default()
}
