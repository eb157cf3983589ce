//! The whole workflow file for a set of options: a header that says what it is, what it needs
//! and how to write it again, then the document of the shape asked for.

use super::jobs::{self, Values};
use super::options::{APP_ID, APP_KEY, Agent, Approval, Delivery, Options, Shape};
use super::reusable;
use super::shell::quote;
use super::sync;
use super::triggers;
use super::values::{ConfigPath, Cron, ValueError};
use super::yaml::{self, Map};

/// Where the workflow is written, relative to the repository.
pub const FILE: &str = ".github/workflows/fixloop.yml";

/// The header's first line: it marks a workflow as fixloop's own (never watched by another).
pub const MARK: &str = "Written by `fixloop init github`. To change it, run the command again rather \
                         than edit this file:";

/// The workflow file for `options`.
pub fn render(options: &Options) -> Result<String, ValueError> {
    options.check()?;
    let name = match options.shape {
        Shape::Sync { .. } => sync::NAME,
        _ => "fixloop",
    };
    let mut doc = Map::new().with("name", name);
    match &options.shape {
        Shape::Standalone { watch } => {
            doc.push("on", triggers::events(watch));
            doc.gap();
            top_permissions(&mut doc);
            shell_defaults(&mut doc);
            let mut jobs_map = Map::new();
            jobs_map.push("analyze", jobs::analyze(options, Values::Written));
            jobs_map.push("publish", jobs::publish(options, Values::Written));
            jobs_map.gap();
            doc.push("jobs", jobs_map);
            doc.gap();
        }
        Shape::Reusable => {
            doc.push("on", reusable::interface(options));
            doc.gap();
            top_permissions(&mut doc);
            shell_defaults(&mut doc);
            let mut jobs_map = Map::new();
            jobs_map.push("analyze", jobs::analyze(options, Values::Inputs));
            jobs_map.push("publish", jobs::publish(options, Values::Inputs));
            jobs_map.gap();
            doc.push("jobs", jobs_map);
            doc.gap();
        }
        Shape::Caller { watch, central } => {
            doc.push("on", triggers::events(watch));
            doc.gap();
            top_permissions(&mut doc);
            doc.push(
                "jobs",
                Map::new().with("fixloop", reusable::caller_job(options, central)),
            );
            doc.gap();
        }
        Shape::Sync { schedule, config } => {
            doc.push("on", sync::events(schedule));
            doc.gap();
            top_permissions(&mut doc);
            shell_defaults(&mut doc);
            doc.push("concurrency", sync::concurrency());
            doc.gap();
            let mut jobs_map = Map::new();
            jobs_map.push("sync", sync::sync(options, config));
            jobs_map.push("publish", sync::publish(options, config));
            jobs_map.gap();
            doc.push("jobs", jobs_map);
            doc.gap();
        }
    }
    Ok(yaml::document(&header(options), &doc))
}

fn top_permissions(doc: &mut Map) {
    doc.push("permissions", Map::new());
    doc.comment("none for the workflow: each job asks for what it needs, and no more");
    doc.gap();
}

fn shell_defaults(doc: &mut Map) {
    doc.push(
        "defaults",
        Map::new().with("run", Map::new().with("shell", "bash")),
    );
    doc.gap();
}

/// The header: what the file is, what it needs, and the command that writes it again.
fn header(options: &Options) -> Vec<String> {
    let what = match options.shape {
        Shape::Sync { .. } => {
            "fixloop sync: upstream's newest release merged into this fork, as a pull request."
        }
        _ => "fixloop: a failed CI run taken to a verified fix on a draft pull request.",
    };
    let mut lines = vec![what.to_owned(), MARK.to_owned()];
    lines.extend(
        wrap(&command(options), 92)
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    lines.push(String::new());
    let key = match options.shape {
        Shape::Reusable => "Callers pass the model key of their agent (ANTHROPIC_API_KEY for \
                            claude, OPENAI_API_KEY for codex)"
            .to_owned(),
        Shape::Sync { ref config, .. } => format!(
            "Needs the secret {} (the model key) and the [sync] section of {}",
            options.agent.key(),
            config.as_str()
        ),
        _ => format!("Needs the secret {} (the model key)", options.agent.key()),
    };
    let app = match (&options.shape, options.app) {
        (Shape::Reusable, _) => format!(
            "; with app, the secret {APP_KEY} and the app-id input (the variable {APP_ID})."
        ),
        (Shape::Sync { .. }, true) => format!(
            "; the variable {APP_ID} and the secret {APP_KEY} (the GitHub App, which may also \
             write workflows)."
        ),
        (_, true) => format!("; the variable {APP_ID} and the secret {APP_KEY} (the GitHub App)."),
        (_, false) => ".".to_owned(),
    };
    lines.extend(wrap_words(&format!("{key}{app}"), 96));
    let jobs = match options.shape {
        Shape::Sync { .. } => {
            if !options.app {
                lines.extend(wrap_words(
                    &format!(
                        "The secret {} (a token with the workflow scope) lets a release that \
                         changes .github/workflows be pushed, and CI run on the sync pull request.",
                        sync::TOKEN
                    ),
                    96,
                ));
            }
            [
                "The sync job merges and runs the fork's lint and tests with read-only permissions",
                "and the model key; the publish job holds the write permissions, no model key, and",
                "runs none of the repository's code.",
            ]
        }
        _ => [
            "The analyze job runs the failed code with read-only permissions and the model key;",
            "the publish job holds the write permissions, no model key, and runs none of the",
            "repository's code.",
        ],
    };
    lines.extend(jobs.map(str::to_owned));
    if let Shape::Caller { central, .. } = &options.shape {
        lines.push("It calls the organisation's workflow, pinned to one commit:".to_owned());
        lines.push(format!("  {central}"));
    }
    lines
}

/// `fixloop init github …` with every option that differs from the default.
fn command(options: &Options) -> Vec<String> {
    let mut words = vec![
        "fixloop".to_owned(),
        "init".to_owned(),
        "github".to_owned(),
        "--force".to_owned(),
    ];
    let mut flag = |name: &str, value: &str| {
        // A value that starts with `-` would be read as a flag of its own.
        words.push(if value.starts_with('-') {
            quote(&format!("--{name}={value}"))
        } else {
            format!("--{name} {}", quote(value))
        });
    };
    match &options.shape {
        Shape::Caller { central, .. } => flag("central", &central.to_string()),
        Shape::Sync { schedule, config } => {
            if schedule.as_str() != Cron::DEFAULT {
                flag("sync-cron", schedule.as_str());
            }
            if config.as_str() != ConfigPath::DEFAULT {
                flag("sync-config", config.as_str());
            }
        }
        Shape::Standalone { .. } | Shape::Reusable => {}
    }
    for name in options.watch() {
        flag("watch", name.as_str());
    }
    if options.agent != Agent::Claude {
        flag("agent", options.agent.as_str());
    }
    if let Some(version) = &options.agent_version {
        flag("agent-version", version.as_str());
    }
    if options.approval != Approval::Auto {
        flag("approval", options.approval.as_str());
    }
    if options.delivery != Delivery::Pr {
        flag("delivery", options.delivery.as_str());
    }
    if options.timeout_minutes != Options::DEFAULT_TIMEOUT_MINUTES {
        flag("timeout-minutes", &options.timeout_minutes.to_string());
    }
    if options.attempt_cap != Options::DEFAULT_ATTEMPT_CAP {
        flag("attempt-cap", &options.attempt_cap.to_string());
    }
    if let Some(cost) = &options.max_cost {
        flag("max-cost", cost.as_str());
    }
    for label in &options.runs_on {
        flag("runs-on", label.as_str());
    }
    if let Some(install) = &options.install {
        flag("fixloop-source", install.source.as_str());
        flag("fixloop-rev", install.rev.as_str());
    }
    match &options.shape {
        Shape::Reusable => words.push("--reusable".to_owned()),
        Shape::Caller { .. } => words.insert(4, "--caller".to_owned()),
        Shape::Sync { .. } => words.insert(4, "--sync".to_owned()),
        Shape::Standalone { .. } => {}
    }
    if options.app {
        words.push("--app".to_owned());
    }
    words
}

/// Words joined into lines of at most `width` characters, each but the last ending in ` \`.
fn wrap(words: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() + 2 > width {
            lines.push(format!("{line} \\"));
            line = format!("  {word}");
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.push(line);
    lines
}

/// Prose wrapped at `width`.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}
