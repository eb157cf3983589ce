//! The security policy of fixloop's GitHub Actions workflow, checked over the parsed YAML (a real
//! parser, yaml-rust2), for any workflow text: the triggers and the job guard, `permissions: {}`
//! at the top and the least per job, no model key where anything may write, a publish job that
//! runs no repository code, concurrency per repository and branch, timeouts, actions pinned by
//! commit (the release in a comment), checkouts without credentials, no `${{ … }}` in a script,
//! pinned installs, no `secrets: inherit`, the artifact passed by name, and a way for CI to run
//! on what fixloop pushes, and no cache that the code under test could poison. The sync workflow
//! (`fixloop-sync.yml`, told by its schedule) is held to the same rules as they apply to it
//! (`sync`). `check` returns every finding, each naming its rule.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "shared test helpers: a panic is a failed test, and not every test uses each helper"
)]

use std::collections::BTreeSet;

use regex::Regex;
use yaml_rust2::{Yaml, YamlLoader};

mod sync;

/// One thing the workflow does that the policy does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    /// Where: `jobs.publish.steps[2]`, `on`, a line of the file.
    pub at: String,
    pub detail: String,
}

/// The variables and secrets that hold a model provider's key.
pub const MODEL_KEYS: [&str; 4] = [
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CODEX_API_KEY",
];

/// The actions a job that may write is allowed: none of them runs the repository's code.
const WRITE_JOB_ACTIONS: [&str; 3] = [
    "actions/checkout",
    "actions/download-artifact",
    "actions/create-github-app-token",
];

const READ_SCOPES: [&str; 5] = ["actions", "checks", "contents", "issues", "pull-requests"];
const WRITE_SCOPES: [&str; 3] = ["contents", "issues", "pull-requests"];

/// The shell words a publish script may start a command with, besides fixloop and its install.
const BUILTINS: [&str; 12] = [
    "cd", "echo", "exit", "case", "esac", "if", "then", "fi", "else", "{", "}", "[[",
];

#[derive(Default)]
struct Report(Vec<Finding>);

impl Report {
    fn add(&mut self, rule: &'static str, at: impl Into<String>, detail: impl Into<String>) {
        self.0.push(Finding {
            rule,
            at: at.into(),
            detail: detail.into(),
        });
    }
}

/// Every finding in the workflow `text`.
#[must_use]
pub fn check(text: &str) -> Vec<Finding> {
    let mut report = Report::default();
    let doc = match YamlLoader::load_from_str(text) {
        Ok(docs) if docs.len() == 1 && docs[0].as_hash().is_some() => docs[0].clone(),
        Ok(_) => {
            report.add("parse", "file", "not one YAML mapping");
            return report.0;
        }
        Err(e) => {
            report.add("parse", "file", e.to_string());
            return report.0;
        }
    };
    uses_comments(text, &mut report);
    top_permissions(&doc, &mut report);
    if !doc["on"]["schedule"].is_badvalue() {
        sync::check(&doc, text, &mut report);
        return report.0;
    }
    let reusable = triggers(&doc["on"], &mut report);
    let Some(jobs) = doc["jobs"].as_hash() else {
        report.add("parse", "jobs", "no jobs");
        return report.0;
    };
    let workflow_concurrency = !doc["concurrency"].is_badvalue();
    if workflow_concurrency {
        concurrency(&doc["concurrency"], "concurrency", &mut report);
    }
    for (id, job) in jobs {
        let id = id.as_str().unwrap_or("?");
        let at = format!("jobs.{id}");
        if job["needs"].is_badvalue() {
            guard(&job["if"], &at, &mut report);
        }
        if !workflow_concurrency {
            concurrency(
                &job["concurrency"],
                &format!("{at}.concurrency"),
                &mut report,
            );
        }
        cache_mode(&doc, job, &at, &mut report);
        if job["uses"].is_badvalue() {
            steps_job(job, &at, reusable, &mut report);
        } else {
            call_job(job, &at, &mut report);
        }
    }
    artifact(jobs, &mut report);
    report.0
}

/// The rules one finding list breaks, each once.
#[must_use]
pub fn rules(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

fn top_permissions(doc: &Yaml, report: &mut Report) {
    match &doc["permissions"] {
        Yaml::Hash(h) if h.is_empty() => {}
        Yaml::BadValue => report.add(
            "top-permissions",
            "permissions",
            "missing: write `permissions: {}`",
        ),
        other => report.add(
            "top-permissions",
            "permissions",
            format!("{other:?}: the workflow must grant nothing (`permissions: {{}}`)"),
        ),
    }
}

/// The triggers; `true` for a reusable workflow (`workflow_call` alone).
fn triggers(on: &Yaml, report: &mut Report) -> bool {
    let Some(events) = on.as_hash() else {
        report.add("triggers", "on", format!("{on:?}: not a mapping of events"));
        if format!("{on:?}").contains("pull_request_target") {
            report.add(
                "pull-request-target",
                "on",
                "pull_request_target runs PR code with secrets",
            );
        }
        return false;
    };
    let names: BTreeSet<&str> = events.keys().filter_map(Yaml::as_str).collect();
    if names.contains("pull_request_target") {
        report.add(
            "pull-request-target",
            "on",
            "pull_request_target runs PR code with secrets",
        );
    }
    if names.contains("workflow_call") {
        if names.len() != 1 {
            report.add(
                "triggers",
                "on",
                format!("a reusable workflow with other triggers: {names:?}"),
            );
        }
        return true;
    }
    let wanted: BTreeSet<&str> = ["workflow_run", "workflow_dispatch", "issue_comment"].into();
    if names != wanted {
        report.add("triggers", "on", format!("{names:?}, not {wanted:?}"));
    }
    let run = &on["workflow_run"];
    if run["types"] != Yaml::Array(vec![Yaml::String("completed".into())]) {
        report.add("triggers", "on.workflow_run.types", "must be [completed]");
    }
    match run["workflows"].as_vec() {
        Some(list) if !list.is_empty() && list.iter().all(|w| w.as_str().is_some()) => {}
        _ => report.add(
            "triggers",
            "on.workflow_run.workflows",
            "must list the watched workflows",
        ),
    }
    if on["workflow_dispatch"]["inputs"]["run-id"].is_badvalue() {
        report.add("triggers", "on.workflow_dispatch", "needs a run-id input");
    }
    if on["issue_comment"]["types"] != Yaml::Array(vec![Yaml::String("created".into())]) {
        report.add("triggers", "on.issue_comment.types", "must be [created]");
    }
    false
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The job guard: failed runs only, dispatches, and `/fixloop` answers on PRs from owners,
/// members and collaborators.
fn guard(condition: &Yaml, at: &str, report: &mut Report) {
    let Some(expr) = condition.as_str().map(squeeze) else {
        report.add("guard", at, "no `if:` guard");
        return;
    };
    let expr = expr
        .trim_start_matches("${{")
        .trim_end_matches("}}")
        .trim()
        .to_owned();
    let needs = [
        "github.event_name == 'workflow_run' && github.event.workflow_run.conclusion == 'failure'",
        "github.event_name == 'workflow_dispatch'",
        "github.event_name == 'issue_comment' && github.event.issue.pull_request",
        "github.event.comment.author_association",
        "startsWith(github.event.comment.body, '/fixloop approve')",
        "startsWith(github.event.comment.body, '/fixloop revise')",
        "startsWith(github.event.comment.body, '/fixloop abort')",
    ];
    for part in needs {
        if !expr.contains(part) {
            report.add("guard", at, format!("the guard lacks `{part}`"));
        }
    }
    let reviewers = Regex::new(
        r"contains\(fromJSON\('(\[[^\]]*\])'\), github\.event\.comment\.author_association\)",
    )
    .unwrap();
    match reviewers.captures(&expr) {
        Some(c) => {
            let list: Vec<String> = serde_json::from_str(&c[1]).unwrap_or_default();
            let list: BTreeSet<&str> = list.iter().map(String::as_str).collect();
            if list != BTreeSet::from(["OWNER", "MEMBER", "COLLABORATOR"]) {
                report.add("guard", at, format!("answers taken from {list:?}"));
            }
        }
        None => report.add(
            "guard",
            at,
            "the commenter's association is not checked against a list",
        ),
    }
    // The comment's branch holds everything it needs together, after the event's name.
    if let Some(branch) = expr.split("github.event_name == 'issue_comment'").nth(1)
        && !(branch.contains("author_association") && branch.contains("/fixloop"))
    {
        report.add(
            "guard",
            at,
            "the issue_comment branch does not check who and what",
        );
    }
}

fn concurrency(node: &Yaml, at: &str, report: &mut Report) {
    let group = node["group"].as_str().map(squeeze).unwrap_or_default();
    for part in [
        "github.repository",
        "github.event.workflow_run.head_branch",
        "github.event.issue.number",
    ] {
        if !group.contains(part) {
            report.add(
                "concurrency",
                at,
                format!("the group `{group}` lacks {part}"),
            );
        }
    }
    if node["cancel-in-progress"] != Yaml::Boolean(false) {
        report.add("concurrency", at, "cancel-in-progress must be false");
    }
    if node["queue"].as_str() != Some("max") {
        report.add(
            "concurrency",
            at,
            "queue must be max: with one waiting slot, a newer event drops the one waiting",
        );
    }
}

fn pinned(uses: &str) -> bool {
    Regex::new(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?@[0-9a-f]{40}$")
        .unwrap()
        .is_match(uses)
}

/// Each `uses:` line carries the release it pins in a comment (comments are not in the parsed
/// tree, so this reads the text).
fn uses_comments(text: &str, report: &mut Report) {
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start().trim_start_matches("- ");
        if code.starts_with("uses:") && !line.contains(" # ") {
            report.add(
                "uses-comment",
                format!("line {}", n + 1),
                "a pinned action says its release in a comment",
            );
        }
    }
}

/// A job that calls a reusable workflow (the thin caller).
fn call_job(job: &Yaml, at: &str, report: &mut Report) {
    let uses = job["uses"].as_str().unwrap_or_default();
    if !pinned(uses) {
        report.add("unpinned-uses", format!("{at}.uses"), uses);
    }
    if job["secrets"].as_str() == Some("inherit") {
        report.add(
            "secrets-inherit",
            format!("{at}.secrets"),
            "pass the named secrets instead",
        );
    }
    match job["permissions"].as_hash() {
        Some(scopes) => {
            for (scope, level) in scopes {
                let scope = scope.as_str().unwrap_or("?");
                if !READ_SCOPES.contains(&scope)
                    || !matches!(level.as_str(), Some("read" | "write"))
                {
                    report.add(
                        "job-permissions",
                        format!("{at}.permissions"),
                        format!("{scope}: {level:?}"),
                    );
                }
            }
        }
        None => report.add("job-permissions", format!("{at}.permissions"), "missing"),
    }
}

/// The permissions of a job with steps, exactly `read_scopes` all read or `WRITE_SCOPES` all
/// write: `true` when it may write.
fn job_permissions(job: &Yaml, at: &str, read_scopes: &[&str], report: &mut Report) -> bool {
    let Some(scopes) = job["permissions"].as_hash() else {
        report.add(
            "job-permissions",
            format!("{at}.permissions"),
            "missing: say what the job needs",
        );
        return false;
    };
    let levels: Vec<(&str, &str)> = scopes
        .iter()
        .map(|(k, v)| (k.as_str().unwrap_or("?"), v.as_str().unwrap_or("?")))
        .collect();
    let writes = levels.iter().any(|(_, l)| *l == "write");
    let (allowed, level): (&[&str], &str) = if writes {
        (&WRITE_SCOPES, "write")
    } else {
        (read_scopes, "read")
    };
    let got: BTreeSet<&str> = levels.iter().map(|(s, _)| *s).collect();
    let want: BTreeSet<&str> = allowed.iter().copied().collect();
    if got != want || levels.iter().any(|(_, l)| *l != level) {
        report.add(
            "job-permissions",
            format!("{at}.permissions"),
            format!("{levels:?}: want {want:?} all {level}"),
        );
    }
    writes
}

/// Every string in `node`, keys and values.
fn strings(node: &Yaml, out: &mut Vec<String>) {
    match node {
        Yaml::String(s) => out.push(s.clone()),
        Yaml::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Yaml::Hash(map) => map.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        _ => {}
    }
}

fn mentions_key(node: &Yaml) -> Option<String> {
    let mut all = Vec::new();
    strings(node, &mut all);
    all.into_iter()
        .find(|s| MODEL_KEYS.iter().any(|k| s.contains(k)))
}

/// No cache for the job, read or written.
fn cache_mode(doc: &Yaml, job: &Yaml, at: &str, report: &mut Report) {
    if job["cache-mode"].as_str() != Some("none") && doc["cache-mode"].as_str() != Some("none") {
        report.add(
            "cache-mode",
            format!("{at}.cache-mode"),
            "the code under test must not reach a cache: cache-mode: none",
        );
    }
}

/// A time limit for the job (the reusable workflow's from its input).
fn timeout(job: &Yaml, at: &str, reusable: bool, report: &mut Report) {
    let timeout_ok = match &job["timeout-minutes"] {
        Yaml::Integer(n) => (1..=4320).contains(n),
        Yaml::String(s) => squeeze(s) == "${{ inputs.timeout-minutes }}" && reusable,
        _ => false,
    };
    if !timeout_ok {
        report.add(
            "timeout",
            format!("{at}.timeout-minutes"),
            "every job needs a time limit",
        );
    }
}

fn steps_job(job: &Yaml, at: &str, reusable: bool, report: &mut Report) {
    timeout(job, at, reusable, report);
    let writes = job_permissions(job, at, &READ_SCOPES, report);
    if !job["env"].is_badvalue() && mentions_key(&job["env"]).is_some() {
        report.add(
            "model-key",
            format!("{at}.env"),
            "a model key for the whole job",
        );
    }
    let Some(steps) = job["steps"].as_vec() else {
        report.add("parse", format!("{at}.steps"), "no steps");
        return;
    };
    for (n, step) in steps.iter().enumerate() {
        let at = format!("{at}.steps[{n}]");
        step_rules(step, &at, report);
        let script = step["run"].as_str().unwrap_or_default();
        if writes {
            if let Some(key) = mentions_key(step) {
                report.add("model-key", &at, format!("`{key}` in a job that may write"));
            }
            write_job_step(step, &at, ["ci", "publish"], report);
        } else if mentions_key(step).is_some() && !script.contains("ci analyze") {
            report.add(
                "model-key",
                &at,
                "the model key outside the step that runs fixloop ci analyze",
            );
        }
    }
    if writes {
        ci_rerun(steps, at, report);
    }
}

/// What holds for every step: pinned actions, checkouts without credentials, no expression in
/// a script, pinned installs.
fn step_rules(step: &Yaml, at: &str, report: &mut Report) {
    if let Some(uses) = step["uses"].as_str() {
        if !pinned(uses) {
            report.add("unpinned-uses", format!("{at}.uses"), uses);
        }
        if uses.starts_with("actions/checkout@")
            && step["with"]["persist-credentials"] != Yaml::Boolean(false)
        {
            report.add(
                "persist-credentials",
                at,
                "a checkout must set persist-credentials: false",
            );
        }
    }
    if let Some(script) = step["run"].as_str() {
        if script.contains("${{") {
            let what = if script.contains("github.event") || script.contains("inputs.") {
                "an event's or an input's value pasted into the script"
            } else {
                "an expression pasted into the script; pass it through env"
            };
            report.add("expression-in-run", format!("{at}.run"), what);
        }
        installs(script, &format!("{at}.run"), report);
    }
}

/// A script's commands: continuation lines joined, comments dropped, `;`, `&&`, `||` and `|`
/// splitting commands, a `case` arm's pattern left out.
pub fn commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let arm = Regex::new(r"^[A-Za-z0-9_.*|-]+\)\s*(.*)$").unwrap();
    let mut out = Vec::new();
    for line in joined.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.trim_end_matches(";;").trim();
        let line = match arm.captures(line) {
            Some(c) => c[1].to_owned(),
            None => line.to_owned(),
        };
        for part in split_commands(&line) {
            let words = words(&part);
            if !words.is_empty() {
                out.push(words);
            }
        }
    }
    out
}

/// Splits on `;`, `&&`, `||` and `|` outside quotes and `[[ … ]]`.
fn split_commands(line: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let (mut single, mut double, mut test) = (false, false, false);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '[' if !single && !double && next == Some('[') => test = true,
            ']' if !single && !double && next == Some(']') => test = false,
            ';' | '&' | '|' if !single && !double && !test => {
                if matches!((c, next), ('&', Some('&')) | ('|', Some('|'))) {
                    i += 1;
                }
                if c != '&' || next == Some('&') {
                    parts.push(String::new());
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(c);
        i += 1;
    }
    parts
}

/// Shell words, quotes removed (no expansion).
pub fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let (mut single, mut double) = (false, false);
    for c in command.chars() {
        match c {
            '\'' if !double => {
                single = !single;
                started = true;
            }
            '"' if !single => {
                double = !double;
                started = true;
            }
            c if c.is_whitespace() && !single && !double => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// npm and cargo installs at exact versions, with no install scripts for npm's dependencies;
/// nothing fetched some other way.
fn installs(script: &str, at: &str, report: &mut Report) {
    let exact =
        Regex::new(r"^(@[a-z0-9-]+/)?[a-z0-9._-]+@[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")
            .unwrap();
    for words in commands(script) {
        let program = words[0].as_str();
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        match (program, args.first().copied()) {
            ("npm", Some("install" | "i" | "add" | "ci")) => {
                if !args.contains(&"--ignore-scripts") {
                    report.add(
                        "unpinned-install",
                        at,
                        "npm install without --ignore-scripts",
                    );
                }
                let mut specs = Vec::new();
                let mut skip = false;
                for arg in &args[1..] {
                    if skip {
                        skip = false;
                    } else if *arg == "--prefix" {
                        skip = true;
                    } else if !arg.starts_with('-') {
                        specs.push(*arg);
                    }
                }
                for spec in specs {
                    let checked = spec == "$package@$version"
                        && script.contains(r#"[[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+"#);
                    if !exact.is_match(spec) && !checked {
                        report.add(
                            "unpinned-install",
                            at,
                            format!("npm package `{spec}` is not at an exact version"),
                        );
                    }
                }
            }
            ("cargo", Some("install")) => {
                if !args.contains(&"--locked") {
                    report.add("unpinned-install", at, "cargo install without --locked");
                }
                let rev = args
                    .iter()
                    .position(|a| *a == "--rev")
                    .and_then(|i| args.get(i + 1));
                let ok = match rev {
                    Some(rev) if rev.starts_with('$') => {
                        let var = rev.trim_start_matches('$');
                        script.contains(&format!(r#"[[ ! "${var}" =~ ^[0-9a-f]{{40}}$ ]]"#))
                    }
                    Some(rev) => rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
                    None => false,
                };
                if !ok || !args.contains(&"--git") {
                    report.add(
                        "unpinned-install",
                        at,
                        "cargo install not from --git at a full --rev",
                    );
                }
            }
            ("npx" | "curl" | "wget" | "pip" | "pip3" | "go" | "gem" | "yarn" | "pnpm", _) => {
                report.add(
                    "unpinned-install",
                    at,
                    format!("`{program}` fetches code without a pin"),
                );
            }
            _ => {}
        }
    }
}

/// A step in a job that may write: only the allowed actions, and scripts that run only fixloop
/// itself (`publish`: `ci publish`, or `sync publish`), its pinned install and shell builtins —
/// never the repository's code.
fn write_job_step(step: &Yaml, at: &str, publish: [&str; 2], report: &mut Report) {
    if let Some(uses) = step["uses"].as_str() {
        let action = uses.split('@').next().unwrap_or_default();
        if !WRITE_JOB_ACTIONS.contains(&action) {
            report.add(
                "publish-runs-code",
                at,
                format!("`{action}` in a job that may write"),
            );
        }
        if action == "actions/checkout"
            && (!step["with"]["ref"].is_badvalue() || !step["with"]["repository"].is_badvalue())
        {
            report.add(
                "publish-runs-code",
                at,
                "a checkout of another ref or repository",
            );
        }
        return;
    }
    let Some(script) = step["run"].as_str() else {
        report.add(
            "publish-runs-code",
            at,
            "a step that is neither an allowed action nor a script",
        );
        return;
    };
    for words in commands(script) {
        let program = words[0].as_str();
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let allowed = BUILTINS.contains(&program)
            || (program == "cargo"
                && args.first() == Some(&"install")
                && args.last() == Some(&"fixloop"))
            || (program == "$RUNNER_TEMP/fixloop/bin/fixloop" && args.starts_with(&publish));
        if !allowed {
            report.add(
                "publish-runs-code",
                at,
                format!("runs `{}`", words.join(" ")),
            );
        }
    }
}

/// A job that pushes with the workflow's token says that CI will not run on the push; with an
/// App, its token reaches the publish step.
fn ci_rerun(steps: &[Yaml], at: &str, report: &mut Report) {
    let app = steps.iter().find(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/create-github-app-token@"))
    });
    let publish = steps
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains("ci publish")));
    let Some(publish) = publish else {
        report.add("ci-rerun", at, "no step runs fixloop ci publish");
        return;
    };
    let delivery = publish["env"]["FIXLOOP_DELIVERY"]
        .as_str()
        .map(squeeze)
        .unwrap_or_default();
    let suggestion_only = delivery == "suggestion";
    let fork_told = delivery.starts_with(
        "${{ github.event_name == 'workflow_run' && \
         github.event.workflow_run.head_repository.full_name != github.repository && \
         'suggestion' || ",
    );
    if !suggestion_only && !fork_told {
        report.add(
            "fork-push",
            at,
            format!(
                "FIXLOOP_DELIVERY `{delivery}` does not make a fork's failed run a suggestion \
                 from the event (the analyze job's output can be rewritten by the code it ran)"
            ),
        );
    }
    let notice = steps.iter().any(|s| {
        s["run"]
            .as_str()
            .is_some_and(|r| r.contains("GITHUB_STEP_SUMMARY") && r.contains("CI will not"))
    });
    let app_token_reaches = |app: &Yaml| {
        app["id"].as_str() == Some("app-token")
            && app["with"]["private-key"]
                .as_str()
                .is_some_and(|k| k.contains("secrets."))
            && publish["env"]["FIXLOOP_APP_TOKEN"]
                .as_str()
                .map(squeeze)
                .as_deref()
                == Some("${{ steps.app-token.outputs.token }}")
    };
    match app {
        Some(app) if !app_token_reaches(app) => report.add(
            "ci-rerun",
            at,
            "the App's token does not reach fixloop ci publish",
        ),
        None if !suggestion_only && !notice => report.add(
            "ci-rerun",
            at,
            "pushes with GITHUB_TOKEN without saying CI will not re-run",
        ),
        _ => {}
    }
}

/// The analyze job uploads `fixloop-out` whatever happened; the publish job needs it and
/// downloads it into `fixloop-out`.
fn artifact(jobs: &yaml_rust2::yaml::Hash, report: &mut Report) {
    for (id, job) in jobs {
        let id = id.as_str().unwrap_or("?");
        let Some(steps) = job["steps"].as_vec() else {
            continue;
        };
        for (n, step) in steps.iter().enumerate() {
            let uses = step["uses"].as_str().unwrap_or_default();
            let at = format!("jobs.{id}.steps[{n}]");
            if uses.starts_with("actions/upload-artifact@")
                && (step["with"]["name"].as_str() != Some("fixloop-out")
                    || step["with"]["path"].as_str() != Some("fixloop-out")
                    || step["if"].as_str() != Some("always()"))
            {
                report.add(
                    "artifact",
                    &at,
                    "upload fixloop-out from fixloop-out, if: always()",
                );
            }
            if uses.starts_with("actions/download-artifact@")
                && (step["with"]["name"].as_str() != Some("fixloop-out")
                    || step["with"]["path"].as_str() != Some("fixloop-out")
                    || job["needs"].is_badvalue())
            {
                report.add(
                    "artifact",
                    &at,
                    "download fixloop-out into fixloop-out, after the job it needs",
                );
            }
        }
    }
}
