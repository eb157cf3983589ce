//! The policy of the sync workflow (`fixloop init github --sync`), over its parsed YAML: a
//! schedule and a dispatch and no other trigger; one concurrency group that never cancels; a
//! read-only sync job (contents only) whose fixloop step alone holds the model key, runs
//! `fixloop sync --hold-push` and gets no token that may write; a publish job that may write,
//! holds no model key, runs nothing but fixloop's `sync publish` and its pinned install, runs
//! only when the sync job left an artifact, and pushes with the token in `FIXLOOP_SYNC_TOKEN` (a
//! PAT, or an App's token) falling back to the workflow's, saying what that costs. The rules
//! every workflow keeps (pins, checkouts, scripts, installs, caches, timeouts) are the parent
//! module's.

use std::collections::BTreeSet;

use yaml_rust2::Yaml;

use super::{
    Report, cache_mode, commands, job_permissions, mentions_key, squeeze, step_rules, strings,
    timeout, write_job_step,
};

/// The sync job reads the fork and its releases, nothing else.
const SYNC_READ: [&str; 1] = ["contents"];
const ARTIFACT: &str = "fixloop-sync";
/// The output folder, as an action's input says it and as a script does.
const OUT_INPUT: &str = "${{ runner.temp }}/fixloop-sync";
const OUT_SCRIPT: &str = "$RUNNER_TEMP/fixloop-sync";
const FIXLOOP: &str = "$RUNNER_TEMP/fixloop/bin/fixloop";
/// The tokens that may write: neither reaches the job that runs the fork's code.
const WRITE_TOKENS: [&str; 2] = ["FIXLOOP_SYNC_TOKEN", "FIXLOOP_APP_PRIVATE_KEY"];
/// The publish step's token of its own (fixloop prefers it when it is set), and its fallback.
const PUBLISH_TOKEN: &str = "${{ secrets.FIXLOOP_SYNC_TOKEN }}";
const FALLBACK_TOKEN: &str = "${{ github.token }}";
const APP_TOKEN: &str = "${{ steps.app-token.outputs.token }}";

pub(super) fn check(doc: &Yaml, text: &str, report: &mut Report) {
    triggers(&doc["on"], report);
    concurrency(&doc["concurrency"], report);
    token_comment(text, report);
    let Some(jobs) = doc["jobs"].as_hash() else {
        report.add("parse", "jobs", "no jobs");
        return;
    };
    for (id, job) in jobs {
        let at = format!("jobs.{}", id.as_str().unwrap_or("?"));
        cache_mode(doc, job, &at, report);
        timeout(job, &at, false, report);
        if !job["env"].is_badvalue() && mentions_key(&job["env"]).is_some() {
            report.add(
                "model-key",
                format!("{at}.env"),
                "a model key for the whole job",
            );
        }
        let writes = job_permissions(job, &at, &SYNC_READ, report);
        let Some(steps) = job["steps"].as_vec() else {
            report.add("parse", format!("{at}.steps"), "no steps");
            continue;
        };
        for (n, step) in steps.iter().enumerate() {
            step_rules(step, &format!("{at}.steps[{n}]"), report);
        }
        if writes {
            publish_job(job, steps, &at, report);
        } else {
            sync_job(job, steps, &at, report);
        }
    }
    artifact(jobs, report);
}

/// `schedule` (five fields, at most once an hour) and `workflow_dispatch` without inputs.
fn triggers(on: &Yaml, report: &mut Report) {
    let Some(events) = on.as_hash() else {
        report.add("triggers", "on", "not a mapping of events");
        return;
    };
    let names: BTreeSet<&str> = events.keys().filter_map(Yaml::as_str).collect();
    if names.contains("pull_request_target") {
        report.add(
            "pull-request-target",
            "on",
            "pull_request_target runs PR code with secrets",
        );
    }
    let wanted = BTreeSet::from(["schedule", "workflow_dispatch"]);
    if names != wanted {
        report.add("triggers", "on", format!("{names:?}, not {wanted:?}"));
    }
    match on["schedule"].as_vec() {
        Some(crons) if !crons.is_empty() => {
            for (n, cron) in crons.iter().enumerate() {
                let fields: Vec<&str> = cron["cron"]
                    .as_str()
                    .map(|c| c.split_whitespace().collect())
                    .unwrap_or_default();
                let hourly = fields.first().is_some_and(|m| {
                    m.parse::<u32>().is_ok_and(|m| m < 60) && m.bytes().all(|b| b.is_ascii_digit())
                });
                if fields.len() != 5 || !hourly || cron.as_hash().is_some_and(|h| h.len() != 1) {
                    report.add(
                        "triggers",
                        format!("on.schedule[{n}]"),
                        "a cron of five fields whose minute is one number",
                    );
                }
            }
        }
        _ => report.add("triggers", "on.schedule", "no cron"),
    }
    let dispatch = &on["workflow_dispatch"];
    let bare = matches!(dispatch, Yaml::Null)
        || dispatch
            .as_hash()
            .is_some_and(yaml_rust2::yaml::Hash::is_empty);
    if names.contains("workflow_dispatch") && !bare {
        report.add(
            "triggers",
            "on.workflow_dispatch",
            "no inputs: nothing a dispatcher types reaches the sync",
        );
    }
}

/// One group for every run, none cancelled.
fn concurrency(node: &Yaml, report: &mut Report) {
    if node["group"].as_str() != Some("fixloop-sync") {
        report.add(
            "concurrency",
            "concurrency.group",
            "one group for the workflow: fixloop-sync",
        );
    }
    if node["cancel-in-progress"] != Yaml::Boolean(false) {
        report.add(
            "concurrency",
            "concurrency",
            "cancel-in-progress must be false",
        );
    }
}

/// Where `FIXLOOP_SYNC_TOKEN` is used, a comment says what it must be and what happens without
/// it (comments are not in the parsed tree, so this reads the text).
fn token_comment(text: &str, report: &mut Report) {
    if !text.contains("secrets.FIXLOOP_SYNC_TOKEN") {
        return;
    }
    let comments = text
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    for needed in [
        ".github/workflows",
        "`workflow`",
        "FIXLOOP_SYNC_TOKEN",
        "fails loudly",
    ] {
        if !comments.contains(needed) {
            report.add(
                "sync-token",
                "comments",
                format!("no comment says why FIXLOOP_SYNC_TOKEN is needed (`{needed}`)"),
            );
        }
    }
}

/// The step's commands that run fixloop: its arguments.
fn fixloop_runs(step: &Yaml) -> Vec<Vec<String>> {
    commands(step["run"].as_str().unwrap_or_default())
        .into_iter()
        .filter(|words| words[0] == FIXLOOP)
        .map(|words| words[1..].to_vec())
        .collect()
}

/// The value after `flag` (`--flag value` or `--flag=value`).
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let prefix = format!("{flag}=");
    args.iter().enumerate().find_map(|(i, a)| {
        if a == flag {
            args.get(i + 1).map(String::as_str)
        } else {
            a.strip_prefix(&prefix)
        }
    })
}

/// The read-only job: the model key on the `fixloop sync` step alone, which holds the push
/// back and writes where the upload reads; no token that may write anywhere in it.
fn sync_job(job: &Yaml, steps: &[Yaml], at: &str, report: &mut Report) {
    let mut all = Vec::new();
    strings(job, &mut all);
    if let Some(token) = all
        .iter()
        .find(|s| WRITE_TOKENS.iter().any(|t| s.contains(t)))
    {
        report.add(
            "sync-token",
            at,
            format!("`{token}` in the job that runs the fork's code"),
        );
    }
    let mut synced = false;
    for (n, step) in steps.iter().enumerate() {
        let at = format!("{at}.steps[{n}]");
        let runs = fixloop_runs(step);
        let sync = runs
            .iter()
            .find(|args| args.first().is_some_and(|a| a == "sync"));
        if mentions_key(step).is_some() && sync.is_none() {
            report.add(
                "model-key",
                &at,
                "the model key outside the step that runs fixloop sync",
            );
        }
        let Some(args) = sync else {
            continue;
        };
        synced = true;
        if args.get(1).is_some_and(|a| a == "publish") {
            report.add(
                "publish-runs-code",
                &at,
                "fixloop sync publish in a read-only job",
            );
        }
        for needed in ["--hold-push", "--headless"] {
            if !args.iter().any(|a| a == needed) {
                report.add("hold-push", &at, format!("fixloop sync without {needed}"));
            }
        }
        if flag_value(args, "--out") != Some(OUT_SCRIPT) {
            report.add("artifact", &at, format!("fixloop sync --out {OUT_SCRIPT}"));
        }
        if step["env"]["GITHUB_TOKEN"].as_str() != Some("${{ github.token }}") {
            report.add(
                "sync-token",
                &at,
                "the sync reads GitHub with the job's read-only token",
            );
        }
    }
    if !synced {
        report.add("hold-push", at, "no step runs fixloop sync");
    }
}

/// The job that may write: no model key, nothing but fixloop's `sync publish` run, only after
/// the sync job left an artifact, pushing with the sync token or an App's.
fn publish_job(job: &Yaml, steps: &[Yaml], at: &str, report: &mut Report) {
    let condition = job["if"].as_str().map(squeeze).unwrap_or_default();
    if job["needs"].as_str() != Some("sync")
        || !condition.contains("!cancelled()")
        || !condition.contains("needs.sync.outputs.artifact-id != ''")
    {
        report.add(
            "artifact",
            format!("{at}.if"),
            "needs sync, and runs when it left an artifact: !cancelled() && \
             needs.sync.outputs.artifact-id != ''",
        );
    }
    for (n, step) in steps.iter().enumerate() {
        let at = format!("{at}.steps[{n}]");
        if let Some(key) = mentions_key(step) {
            report.add("model-key", &at, format!("`{key}` in a job that may write"));
        }
        write_job_step(step, &at, ["sync", "publish"], report);
    }
    let app = steps.iter().find(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/create-github-app-token@"))
    });
    let Some(publish) = steps.iter().find(|s| {
        fixloop_runs(s)
            .iter()
            .any(|args| args.starts_with(&["sync".to_owned(), "publish".to_owned()]))
    }) else {
        report.add("ci-rerun", at, "no step runs fixloop sync publish");
        return;
    };
    let folder = fixloop_runs(publish)
        .into_iter()
        .find_map(|args| args.get(2).cloned());
    if folder.as_deref() != Some(OUT_SCRIPT) {
        report.add(
            "artifact",
            at,
            format!("fixloop sync publish {OUT_SCRIPT}, the downloaded folder"),
        );
    }
    let token = publish["env"]["FIXLOOP_SYNC_TOKEN"]
        .as_str()
        .map(squeeze)
        .unwrap_or_default();
    match app {
        Some(app) => {
            let narrowed = app["id"].as_str() == Some("app-token")
                && app["with"]["private-key"]
                    .as_str()
                    .is_some_and(|k| k.contains("secrets."))
                && app["with"]["permission-workflows"].as_str() == Some("write");
            if !narrowed || token != APP_TOKEN {
                report.add(
                    "sync-token",
                    at,
                    "the App's token, which may write workflows, pushes the sync",
                );
            }
        }
        None => {
            if token != PUBLISH_TOKEN {
                report.add(
                    "sync-token",
                    at,
                    format!("FIXLOOP_SYNC_TOKEN `{token}`, not `{PUBLISH_TOKEN}`"),
                );
            }
            let fallback = publish["env"]["GITHUB_TOKEN"].as_str().map(squeeze);
            if fallback.as_deref() != Some(FALLBACK_TOKEN) {
                report.add(
                    "sync-token",
                    at,
                    format!("GITHUB_TOKEN is not `{FALLBACK_TOKEN}`, the fallback"),
                );
            }
            let notice = steps.iter().any(|s| {
                s["run"].as_str().is_some_and(|r| {
                    r.contains("GITHUB_STEP_SUMMARY")
                        && r.contains("CI will not")
                        && r.contains("FIXLOOP_SYNC_TOKEN")
                })
            });
            if !notice {
                report.add(
                    "ci-rerun",
                    at,
                    "may push with GITHUB_TOKEN without saying CI will not run on the sync",
                );
            }
        }
    }
}

/// The sync job uploads its output folder whatever happened, for a short while, and says the
/// artifact's id; the publish job downloads it into the same folder.
fn artifact(jobs: &yaml_rust2::yaml::Hash, report: &mut Report) {
    for (id, job) in jobs {
        let id = id.as_str().unwrap_or("?");
        let Some(steps) = job["steps"].as_vec() else {
            continue;
        };
        for (n, step) in steps.iter().enumerate() {
            let uses = step["uses"].as_str().unwrap_or_default();
            let at = format!("jobs.{id}.steps[{n}]");
            if uses.starts_with("actions/upload-artifact@") {
                let retention = step["with"]["retention-days"]
                    .as_i64()
                    .is_some_and(|d| (1..=14).contains(&d));
                let output = step["id"].as_str().is_some_and(|step_id| {
                    job["outputs"]["artifact-id"].as_str().map(squeeze)
                        == Some(format!("${{{{ steps.{step_id}.outputs.artifact-id }}}}"))
                });
                if step["with"]["name"].as_str() != Some(ARTIFACT)
                    || step["with"]["path"].as_str() != Some(OUT_INPUT)
                    || !matches!(step["if"].as_str(), Some("always()" | "!cancelled()"))
                    || !retention
                    || !output
                {
                    report.add(
                        "artifact",
                        &at,
                        format!(
                            "upload {ARTIFACT} from {OUT_INPUT}, if: always(), kept 1 to 14 \
                             days, its id a job output"
                        ),
                    );
                }
            }
            if uses.starts_with("actions/download-artifact@")
                && (step["with"]["name"].as_str() != Some(ARTIFACT)
                    || step["with"]["path"].as_str() != Some(OUT_INPUT)
                    || job["needs"].is_badvalue())
            {
                report.add(
                    "artifact",
                    &at,
                    format!("download {ARTIFACT} into {OUT_INPUT}, after the job it needs"),
                );
            }
        }
    }
}
