//! The two jobs, apart on purpose. **analyze** checks out the repository, installs the agent and
//! fixloop at pinned versions and runs `fixloop ci analyze`: it runs the failing code, so it
//! reads and never writes, and the model key is in its fixloop step alone. **publish** holds
//! the write permissions and no model key, and runs none of the repository's code: it checks
//! out (for git's objects), downloads the analyze job's output, installs fixloop afresh (never
//! a binary the analyze job could have touched) and runs `fixloop ci publish`.

use super::options::{APP_ID, APP_KEY, Agent, Delivery, Options};
use super::pins::{self, Pin};
use super::scripts::{self, OUT};
use super::triggers;
use super::values::RunnerLabel;
use super::yaml::{Map, Node};

/// The publish job's limit: it installs fixloop and makes a few API calls.
pub const PUBLISH_TIMEOUT_MINUTES: u32 = 20;

/// The outcomes after which the publish job has something to say on the pull request.
pub const PUBLISHED: [&str; 3] = ["verified", "review", "not-verified"];

/// How a job gets its settings: written in, or from the reusable workflow's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Written,
    Inputs,
}

impl Values {
    /// How the workflow reads the dispatch's `run-id` input: a called workflow's `inputs` are
    /// its own, so there it is read from the caller's event.
    #[must_use]
    pub fn dispatch(self) -> &'static str {
        match self {
            Self::Written => "inputs.run-id",
            Self::Inputs => "github.event.inputs.run-id",
        }
    }
}

/// `key: value # why`, the comments the permissions carry.
pub(super) fn permissions(entries: &[(&str, &str, &str)]) -> Map {
    let mut map = Map::new();
    for (scope, level, why) in entries {
        map.push(scope, *level);
        map.comment(why);
    }
    map
}

/// No cache, read or written: the failing code runs with the base repository's standing, and
/// nothing it leaves may reach another workflow's cache.
pub fn no_cache(job: &mut Map) {
    job.push("cache-mode", "none");
    job.comment("nothing the code under test leaves may reach another workflow's cache");
}

/// The analyze job's permissions: read only.
pub const ANALYZE_PERMISSIONS: [(&str, &str, &str); 5] = [
    (
        "actions",
        "read",
        "the failed run, its logs, an earlier run's artifact",
    ),
    ("checks", "read", "the failed run's check results"),
    ("contents", "read", "the code and its history"),
    ("issues", "read", "the comments on the pull request"),
    ("pull-requests", "read", "the failing pull request"),
];

/// The publish job's permissions: what pushing a branch and commenting take.
pub const PUBLISH_PERMISSIONS: [(&str, &str, &str); 3] = [
    ("contents", "write", "push the fix branch"),
    (
        "issues",
        "write",
        "fixloop's one comment on the failing pull request",
    ),
    ("pull-requests", "write", "open the draft pull request"),
];

/// A step that uses a pinned action, the release in a comment: its name, then `extra` (`id`,
/// `if`), then the action and its inputs.
pub(super) fn uses(name: &str, extra: Map, pin: Pin, with: Map) -> Map {
    let mut step = Map::new().with("name", name);
    step.extend(extra);
    step.push("uses", pin.uses());
    step.comment(pin.version);
    if !with.is_empty() {
        step.push("with", with);
    }
    step
}

/// A step that runs a script: its name, then `extra` (`id`, `if`, `env`), then the script.
pub(super) fn run(name: &str, extra: Map, script: String) -> Map {
    let mut step = Map::new().with("name", name);
    step.extend(extra);
    step.push("run", Node::Block(script));
    step
}

/// The checkout both jobs make: full history (fixloop fetches the commits it works on, and a
/// reviewer's answer picks a run up where it was), and no token left in `.git/config` for the
/// code under test to find.
pub(super) fn checkout() -> Map {
    uses(
        "Check out the repository",
        Map::new(),
        pins::CHECKOUT,
        Map::new()
            .with("fetch-depth", 0_u32)
            .with("persist-credentials", false),
    )
}

pub(super) fn runs_on(options: &Options, values: Values) -> Node {
    match (values, options.runs_on.as_slice()) {
        (Values::Inputs, _) => Node::str("${{ fromJSON(inputs.runs-on) }}"),
        (Values::Written, []) => Node::str("ubuntu-latest"),
        (Values::Written, [label]) => Node::str(label.as_str()),
        (Values::Written, labels) => Node::strs(labels.iter().map(RunnerLabel::as_str)),
    }
}

pub(super) fn install_fixloop(options: &Options, values: Values) -> Map {
    match (values, &options.install) {
        (Values::Written, Some(install)) => run(
            "Install fixloop",
            Map::new(),
            scripts::install_fixloop(install),
        ),
        _ => run(
            "Install fixloop",
            Map::new().with(
                "env",
                Map::new()
                    .with("FIXLOOP_SOURCE", "${{ inputs.fixloop-source }}")
                    .with("FIXLOOP_REV", "${{ inputs.fixloop-rev }}"),
            ),
            scripts::install_fixloop_from_inputs(),
        ),
    }
}

/// The agent CLI at an exact version (npm has no lockfile to hold it to here, so zizmor's
/// warning about that is answered in the comment).
pub(super) fn install_agent(options: &Options, values: Values) -> Map {
    let (extra, script) = match values {
        Values::Written => (
            Map::new(),
            scripts::install_agent(
                options.agent,
                options
                    .agent_version
                    .as_ref()
                    .map_or(pins::agent_version(options.agent), |v| v.as_str()),
            ),
        ),
        Values::Inputs => (
            Map::new().with(
                "env",
                Map::new()
                    .with("AGENT", "${{ inputs.agent }}")
                    .with("AGENT_VERSION", "${{ inputs.agent-version }}"),
            ),
            scripts::install_agent_from_inputs(options),
        ),
    };
    let mut step = run("Install the agent CLI", extra, script);
    step.above(&[
        "zizmor: ignore[adhoc-packages] an exact version, its install scripts off; npm has no lockfile for it here",
    ]);
    step
}

/// The analyze job.
#[must_use]
pub fn analyze(options: &Options, values: Values) -> Map {
    let mut job = Map::new().with("name", "Analyze the failed run");
    job.push("if", Node::Folded(triggers::guard()));
    job.push("runs-on", runs_on(options, values));
    job.push(
        "timeout-minutes",
        match values {
            Values::Written => Node::from(options.timeout_minutes),
            Values::Inputs => Node::str("${{ inputs.timeout-minutes }}"),
        },
    );
    no_cache(&mut job);
    job.push("permissions", permissions(&ANALYZE_PERMISSIONS));
    job.push(
        "concurrency",
        triggers::concurrency("fixloop-analyze", values.dispatch()),
    );
    job.push(
        "outputs",
        Map::new().with("outcome", "${{ steps.outcome.outputs.outcome }}"),
    );
    let steps = vec![
        checkout(),
        install_agent(options, values),
        install_fixloop(options, values),
        analyze_step(options, values),
        run(
            "Read the outcome",
            Map::new().with("id", "outcome").with("if", "always()"),
            scripts::read_outcome(),
        ),
        uses(
            "Upload the output folder",
            Map::new().with("if", "always()"),
            pins::UPLOAD_ARTIFACT,
            Map::new()
                .with("name", OUT)
                .with("path", OUT)
                .with("if-no-files-found", "ignore"),
        ),
    ];
    job.push(
        "steps",
        Node::Seq(steps.into_iter().map(Node::Map).collect()),
    );
    job
}

/// The step that runs `fixloop ci analyze`: the model key, the read-only token and the budget
/// in its environment, and nowhere else.
fn analyze_step(options: &Options, values: Values) -> Map {
    let mut env = Map::new();
    match values {
        Values::Written => {
            let key = options.agent.key();
            env.push(key, format!("${{{{ secrets.{key} }}}}"));
        }
        Values::Inputs => {
            for agent in Agent::ALL {
                let key = agent.key();
                env.push(
                    key,
                    format!(
                        "${{{{ inputs.agent == '{}' && secrets.{key} || '' }}}}",
                        agent.as_str()
                    ),
                );
            }
        }
    }
    env.push("GITHUB_TOKEN", "${{ github.token }}");
    match (values, &options.max_cost) {
        (Values::Written, Some(cost)) => env.push("FIXLOOP_MAX_COST_USD", cost.as_str()),
        (Values::Written, None) => {}
        (Values::Inputs, _) => env.push("FIXLOOP_MAX_COST_USD", "${{ inputs.max-cost }}"),
    }
    let script = match values {
        Values::Written => scripts::analyze(options),
        Values::Inputs => {
            env.push("AGENT", "${{ inputs.agent }}");
            env.push("APPROVAL", "${{ inputs.approval }}");
            env.push("ATTEMPT_CAP", "${{ inputs.attempt-cap }}");
            env.push("WATCH", "${{ inputs.watch }}");
            scripts::analyze_from_inputs()
        }
    };
    run(
        "Analyze the failed run",
        Map::new().with("env", env),
        script,
    )
}

/// The publish job.
#[must_use]
pub fn publish(options: &Options, values: Values) -> Map {
    let mut job = Map::new().with("name", "Publish the fix");
    job.push("needs", "analyze");
    job.push(
        "if",
        Node::Folded(vec![
            "!cancelled()".to_owned(),
            format!(
                "&& contains(fromJSON('[{}]'), needs.analyze.outputs.outcome)",
                PUBLISHED
                    .iter()
                    .map(|o| format!("\"{o}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ]),
    );
    job.push("runs-on", runs_on(options, values));
    job.push("timeout-minutes", PUBLISH_TIMEOUT_MINUTES);
    no_cache(&mut job);
    job.push("permissions", permissions(&PUBLISH_PERMISSIONS));
    job.push(
        "concurrency",
        triggers::concurrency("fixloop-publish", values.dispatch()),
    );
    let mut steps = Vec::new();
    match values {
        Values::Written if options.app => steps.push(app_token(
            None,
            &format!("${{{{ vars.{APP_ID} }}}}"),
            &PUBLISH_PERMISSIONS,
        )),
        Values::Written => {}
        Values::Inputs => steps.push(app_token(
            Some("inputs.app"),
            "${{ inputs.app-id }}",
            &PUBLISH_PERMISSIONS,
        )),
    }
    steps.push(checkout());
    steps.push(uses(
        "Download the output folder",
        Map::new(),
        pins::DOWNLOAD_ARTIFACT,
        Map::new().with("name", OUT).with("path", OUT),
    ));
    steps.push(install_fixloop(options, values));
    let verified = "needs.analyze.outputs.outcome == 'verified'";
    let notice = |condition: String| {
        run(
            "Say that CI will not run on the fix branch",
            Map::new().with("if", condition),
            scripts::no_ci_notice(),
        )
    };
    match values {
        Values::Written if !options.app && options.delivery == Delivery::Pr => {
            steps.push(notice(verified.to_owned()));
        }
        Values::Written => {}
        Values::Inputs => steps.push(notice(format!(
            "${{{{ !inputs.app && inputs.delivery == 'pr' && {verified} }}}}"
        ))),
    }
    let mut env = Map::new().with("GITHUB_TOKEN", "${{ github.token }}");
    if options.app || values == Values::Inputs {
        env.push("FIXLOOP_APP_TOKEN", "${{ steps.app-token.outputs.token }}");
    }
    match values {
        Values::Written if options.delivery == Delivery::Suggestion => {
            env.push("FIXLOOP_DELIVERY", options.delivery.as_str());
        }
        Values::Written => env.push(
            "FIXLOOP_DELIVERY",
            fork_suggests(&format!("'{}'", options.delivery.as_str())),
        ),
        Values::Inputs => env.push("FIXLOOP_DELIVERY", fork_suggests("inputs.delivery")),
    }
    let script = match values {
        Values::Written => scripts::publish(),
        Values::Inputs => scripts::publish_from_inputs(),
    };
    steps.push(run("Publish the fix", Map::new().with("env", env), script));
    job.push(
        "steps",
        Node::Seq(steps.into_iter().map(Node::Map).collect()),
    );
    job
}

/// The delivery: `otherwise`, but a suggestion for a failed run of a fork's pull request, told
/// from the event. The analyze job's output says whether the PR is a fork's too, but the code
/// under test ran in that job and could have rewritten it; the event it cannot change.
fn fork_suggests(otherwise: &str) -> Node {
    Node::Folded(vec![
        "${{ github.event_name == 'workflow_run'".to_owned(),
        "&& github.event.workflow_run.head_repository.full_name != github.repository".to_owned(),
        format!("&& 'suggestion' || {otherwise} }}}}"),
    ])
}

/// A GitHub App's installation token for the publish step, so that CI runs on what fixloop
/// pushes, narrowed to what publishing takes: write on each of `scopes`.
pub(super) fn app_token(
    condition: Option<&str>,
    app_id: &str,
    scopes: &[(&str, &str, &str)],
) -> Map {
    let mut extra = Map::new().with("id", "app-token");
    if let Some(condition) = condition {
        extra.push("if", condition);
    }
    let mut with = Map::new()
        .with("app-id", app_id)
        .with("private-key", format!("${{{{ secrets.{APP_KEY} }}}}"));
    for (scope, _, _) in scopes {
        with.push(&format!("permission-{scope}"), "write");
    }
    uses("Create a GitHub App token", extra, pins::APP_TOKEN, with)
}
