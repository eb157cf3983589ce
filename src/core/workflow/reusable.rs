//! The organisation shape: the reusable workflow's interface (every setting an input with the
//! generator's value as its default, the keys as secrets) and the thin caller that fills it in,
//! pinned to the central workflow's commit and naming each secret it passes (never `secrets:
//! inherit`, which would hand the central workflow every secret the repository has).

use super::jobs::{ANALYZE_PERMISSIONS, PUBLISH_PERMISSIONS, no_cache};
use super::options::{APP_ID, APP_KEY, Agent, Options};
use super::triggers;
use super::values::{Central, RunnerLabel};
use super::yaml::{Map, Node};

/// One input of the reusable workflow.
struct Input {
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    default: Node,
}

/// The labels as the `runs-on` input holds them: a JSON array.
fn labels_json(options: &Options) -> String {
    let labels: Vec<&str> = if options.runs_on.is_empty() {
        vec!["ubuntu-latest"]
    } else {
        options.runs_on.iter().map(RunnerLabel::as_str).collect()
    };
    serde_json::to_string(&labels).unwrap_or_else(|_| "[\"ubuntu-latest\"]".into())
}

fn inputs(options: &Options) -> Vec<Input> {
    let (source, rev) = options
        .install
        .as_ref()
        .map_or((String::new(), String::new()), |i| {
            (i.source.as_str().to_owned(), i.rev.as_str().to_owned())
        });
    vec![
        Input {
            name: "agent",
            kind: "string",
            description: "The agent doing the AI steps: claude or codex",
            default: options.agent.as_str().into(),
        },
        Input {
            name: "agent-version",
            kind: "string",
            description: "The agent CLI's exact npm version (empty: fixloop's pin)",
            default: "".into(),
        },
        Input {
            name: "approval",
            kind: "string",
            description: "auto, or review: a person answers with a /fixloop comment first",
            default: options.approval.as_str().into(),
        },
        Input {
            name: "delivery",
            kind: "string",
            description: "pr (a branch and a draft PR), or suggestion (a comment only)",
            default: options.delivery.as_str().into(),
        },
        Input {
            name: "timeout-minutes",
            kind: "number",
            description: "The analyze job's time limit, in minutes",
            default: options.timeout_minutes.into(),
        },
        Input {
            name: "attempt-cap",
            kind: "number",
            description: "Attempts per pull request before fixloop stops trying",
            default: options.attempt_cap.into(),
        },
        Input {
            name: "max-cost",
            kind: "string",
            description: "The run's cost budget in US dollars (empty: fixloop's default)",
            default: options.max_cost.as_ref().map_or("", |d| d.as_str()).into(),
        },
        Input {
            name: "runs-on",
            kind: "string",
            description: "The runners' labels, as a JSON array",
            default: labels_json(options).into(),
        },
        Input {
            name: "app",
            kind: "boolean",
            description: "Publish with a GitHub App's token, so that CI runs on fixloop's pushes",
            default: options.app.into(),
        },
        Input {
            name: "app-id",
            kind: "string",
            description: "The GitHub App's id, when app is true",
            default: "".into(),
        },
        Input {
            name: "watch",
            kind: "string",
            description: "The watched workflows' names, one a line (others' runs are skipped)",
            default: "".into(),
        },
        Input {
            name: "fixloop-source",
            kind: "string",
            description: "The git repository fixloop is installed from (https)",
            default: source.into(),
        },
        Input {
            name: "fixloop-rev",
            kind: "string",
            description: "The commit fixloop is installed at (a full SHA)",
            default: rev.into(),
        },
    ]
}

/// The secrets the reusable workflow takes, each optional: a caller passes the one its agent
/// needs, and the App's key when it publishes as the App.
fn secrets() -> Map {
    let mut map = Map::new();
    for agent in Agent::ALL {
        map.push(
            agent.key(),
            Map::new()
                .with(
                    "description",
                    format!("The model key, when the agent is {}", agent.as_str()),
                )
                .with("required", false),
        );
    }
    map.push(
        APP_KEY,
        Map::new()
            .with(
                "description",
                "The GitHub App's private key, when app is true",
            )
            .with("required", false),
    );
    map
}

/// `on: workflow_call` with the inputs and secrets.
#[must_use]
pub fn interface(options: &Options) -> Map {
    let mut inputs_map = Map::new();
    for input in inputs(options) {
        inputs_map.push(
            input.name,
            Map::new()
                .with("description", input.description)
                .with("required", false)
                .with("type", input.kind)
                .with("default", input.default),
        );
    }
    Map::new().with(
        "workflow_call",
        Map::new()
            .with("inputs", inputs_map)
            .with("secrets", secrets()),
    )
}

/// The caller's one job: the guard, the union of the central jobs' permissions (each of them
/// narrows it again), the central workflow at its commit, and what this repository sets.
#[must_use]
pub fn caller_job(options: &Options, central: &Central) -> Map {
    let mut job = Map::new().with("name", "fixloop");
    job.push("if", Node::Folded(triggers::guard()));
    let mut permissions = Map::new();
    let mut scopes: Vec<(&str, &str, &str)> = ANALYZE_PERMISSIONS.to_vec();
    for (scope, level, why) in PUBLISH_PERMISSIONS {
        match scopes.iter_mut().find(|(s, _, _)| *s == scope) {
            Some(entry) => *entry = (scope, level, why),
            None => scopes.push((scope, level, why)),
        }
    }
    scopes.sort_by_key(|(scope, _, _)| *scope);
    for (scope, level, why) in scopes {
        permissions.push(scope, level);
        permissions.comment(why);
    }
    job.push("permissions", permissions);
    job.above(&[
        "The most the central workflow's jobs may have: its analyze job narrows them to read,",
        "its publish job to what pushing and commenting take.",
    ]);
    job.push(
        "concurrency",
        triggers::concurrency("fixloop", "inputs.run-id"),
    );
    no_cache(&mut job);
    job.push("uses", central.uses());
    job.comment("the organisation's fixloop workflow, pinned");
    let mut with = Map::new()
        .with("agent", options.agent.as_str())
        .with("approval", options.approval.as_str())
        .with("delivery", options.delivery.as_str())
        .with("timeout-minutes", options.timeout_minutes)
        .with("attempt-cap", options.attempt_cap);
    if let Some(version) = &options.agent_version {
        with.push("agent-version", version.as_str());
    }
    if let Some(cost) = &options.max_cost {
        with.push("max-cost", cost.as_str());
    }
    if !options.runs_on.is_empty() {
        with.push("runs-on", labels_json(options));
    }
    with.push("app", options.app);
    if options.app {
        with.push("app-id", format!("${{{{ vars.{APP_ID} }}}}"));
    }
    let watch = options.watch().iter().fold(String::new(), |mut all, w| {
        all.push_str(w.as_str());
        all.push('\n');
        all
    });
    with.push("watch", Node::Block(watch));
    if let Some(install) = &options.install {
        with.push("fixloop-source", install.source.as_str());
        with.push("fixloop-rev", install.rev.as_str());
    }
    job.push("with", with);
    let key = options.agent.key();
    let mut secrets = Map::new().with(key, format!("${{{{ secrets.{key} }}}}"));
    if options.app {
        secrets.push(APP_KEY, format!("${{{{ secrets.{APP_KEY} }}}}"));
    }
    job.push("secrets", secrets);
    job
}
