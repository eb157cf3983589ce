//! The sync workflow (`fixloop init github --sync`): upstream's newest release merged into the
//! fork on a schedule, by the same rules as fixloop.yml. **sync** checks out the fork, installs
//! the agent and fixloop at pinned versions and runs `fixloop sync --hold-push`: it runs the
//! fork's lint and tests on the merge, so it reads and never writes, and the model key is in its
//! fixloop step alone. **publish** holds the write permissions and no model key, and runs none
//! of the repository's code: it downloads the sync job's output folder, installs fixloop afresh
//! and runs `fixloop sync publish`, which pushes the branch and opens the pull request (or the
//! `sync-conflict` issue).

use super::jobs::{self, PUBLISH_TIMEOUT_MINUTES, Values, no_cache};
use super::options::{APP_ID, Options};
use super::pins;
use super::scripts;
use super::values::{ConfigPath, Cron};
use super::yaml::{Map, Node};

/// Where the workflow is written, relative to the repository (beside fixloop.yml).
pub const FILE: &str = ".github/workflows/fixloop-sync.yml";

/// The workflow's name, and its one concurrency group.
pub const NAME: &str = "fixloop-sync";

/// The artifact holding the sync job's output folder.
pub const ARTIFACT: &str = "fixloop-sync";

/// How long the artifact is kept: the publish job reads it minutes later, and the next night
/// makes a new one.
pub const RETENTION_DAYS: u32 = 7;

/// The secret with a token that may push workflow files (a PAT with the `workflow` scope).
pub const TOKEN: &str = "FIXLOOP_SYNC_TOKEN";

/// The sync job's permissions: it reads the fork (and, through the API, its releases).
pub const SYNC_PERMISSIONS: [(&str, &str, &str); 1] =
    [("contents", "read", "the fork's code, history and releases")];

/// The publish job's permissions: what pushing the sync branch and saying so take.
pub const PUBLISH_PERMISSIONS: [(&str, &str, &str); 3] = [
    ("contents", "write", "push the sync branch"),
    (
        "issues",
        "write",
        "the sync-conflict issue of a blocked sync",
    ),
    (
        "pull-requests",
        "write",
        "open or update the sync pull request",
    ),
];

/// What the GitHub App's token may do: publishing, and pushing upstream's workflow files.
const APP_SCOPES: [(&str, &str, &str); 4] = [
    PUBLISH_PERMISSIONS[0],
    PUBLISH_PERMISSIONS[1],
    PUBLISH_PERMISSIONS[2],
    (
        "workflows",
        "write",
        "upstream's changes to .github/workflows",
    ),
];

/// `${{ runner.temp }}/fixloop-sync`: the output folder as an action's input reads it (the
/// scripts say `$RUNNER_TEMP`, which only a shell expands).
fn out_path() -> String {
    format!("${{{{ runner.temp }}}}/{ARTIFACT}")
}

/// `on:`: the schedule, and by hand.
#[must_use]
pub fn events(schedule: &Cron) -> Map {
    let mut on = Map::new().with(
        "schedule",
        Node::Seq(vec![Node::Map(Map::new().with("cron", schedule.as_str()))]),
    );
    let when = format!(
        "{}: GitHub may start a scheduled run late, and stops",
        capital(&schedule.describe())
    );
    on.above(&[
        &when,
        "the schedule of a public repository with no activity for 60 days.",
    ]);
    on.push("workflow_dispatch", Map::new());
    on.above(&["By hand: sync now."]);
    on
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One sync at a time, and none cut off: a second run waits for the first to publish.
#[must_use]
pub fn concurrency() -> Map {
    Map::new().with("group", NAME).with_comment(
        "cancel-in-progress",
        false,
        "a sync under way finishes: its branch and its pull request are never cut off",
    )
}

/// The sync job.
#[must_use]
pub fn sync(options: &Options, config: &ConfigPath) -> Map {
    let mut job = Map::new().with("name", "Merge upstream's newest release");
    job.push("runs-on", jobs::runs_on(options, Values::Written));
    job.push("timeout-minutes", options.timeout_minutes);
    no_cache(&mut job);
    job.push("permissions", jobs::permissions(&SYNC_PERMISSIONS));
    job.push(
        "outputs",
        Map::new().with_comment(
            "artifact-id",
            "${{ steps.upload.outputs.artifact-id }}",
            "empty when the sync left nothing to publish",
        ),
    );
    let key = options.agent.key();
    let env = Map::new()
        .with(key, format!("${{{{ secrets.{key} }}}}"))
        .with("GITHUB_TOKEN", "${{ github.token }}");
    let steps = vec![
        jobs::checkout(),
        jobs::install_agent(options, Values::Written),
        jobs::install_fixloop(options, Values::Written),
        jobs::run(
            "Merge, check and test",
            Map::new().with("env", env),
            scripts::sync(options.agent, config),
        ),
        jobs::uses(
            "Upload the output folder",
            Map::new().with("id", "upload").with("if", "always()"),
            pins::UPLOAD_ARTIFACT,
            Map::new()
                .with("name", ARTIFACT)
                .with("path", out_path())
                .with("if-no-files-found", "ignore")
                .with("retention-days", RETENTION_DAYS),
        ),
    ];
    job.push(
        "steps",
        Node::Seq(steps.into_iter().map(Node::Map).collect()),
    );
    job
}

/// The publish job: whenever the sync job left an output folder, a blocked sync's too (its
/// issue is opened here).
#[must_use]
pub fn publish(options: &Options, config: &ConfigPath) -> Map {
    let mut job = Map::new().with("name", "Publish the sync");
    job.push("needs", "sync");
    job.push(
        "if",
        Node::Folded(vec![
            "!cancelled()".to_owned(),
            "&& needs.sync.outputs.artifact-id != ''".to_owned(),
        ]),
    );
    job.push("runs-on", jobs::runs_on(options, Values::Written));
    job.push("timeout-minutes", PUBLISH_TIMEOUT_MINUTES);
    no_cache(&mut job);
    job.push("permissions", jobs::permissions(&PUBLISH_PERMISSIONS));
    let mut steps = Vec::new();
    if options.app {
        steps.push(jobs::app_token(
            None,
            &format!("${{{{ vars.{APP_ID} }}}}"),
            &APP_SCOPES,
        ));
    }
    steps.push(jobs::checkout());
    steps.push(jobs::uses(
        "Download the output folder",
        Map::new(),
        pins::DOWNLOAD_ARTIFACT,
        Map::new().with("name", ARTIFACT).with("path", out_path()),
    ));
    steps.push(jobs::install_fixloop(options, Values::Written));
    let mut env = Map::new();
    if options.app {
        env.push(TOKEN, "${{ steps.app-token.outputs.token }}");
        env.above(&[
            "The App's token may push upstream's changes to .github/workflows (its Workflows",
            "permission), which the workflow's GITHUB_TOKEN never may.",
        ]);
    } else {
        steps.push(jobs::run(
            "Say what a token of its own would change",
            Map::new().with(
                "env",
                Map::new().with(
                    "FIXLOOP_SYNC_TOKEN_SET",
                    format!("${{{{ secrets.{TOKEN} != '' }}}}"),
                ),
            ),
            scripts::no_sync_token_notice(),
        ));
        env.push(TOKEN, format!("${{{{ secrets.{TOKEN} }}}}"));
        env.above(&[
            "Pushing upstream's changes to .github/workflows takes a token with the `workflow`",
            "scope, which the workflow's GITHUB_TOKEN never has: a GitHub App's token or a PAT",
            "with that scope, in the secret FIXLOOP_SYNC_TOKEN (used instead of GITHUB_TOKEN when",
            "it is set). Without one, `fixloop sync publish` fails loudly on such a release (exit",
            "69) and pushes nothing of it.",
        ]);
        env.push("GITHUB_TOKEN", "${{ github.token }}");
    }
    steps.push(jobs::run(
        "Publish the sync",
        Map::new().with("env", env),
        scripts::sync_publish(config),
    ));
    job.push(
        "steps",
        Node::Seq(steps.into_iter().map(Node::Map).collect()),
    );
    job
}
