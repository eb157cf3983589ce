//! `fixloop init github`'s workflows: each set of options gives, byte for byte, the reviewed
//! copy in `tests/snapshots/workflows/` (`FIXLOOP_UPDATE_SNAPSHOTS=1` rewrites them, and the diff
//! is reviewed); each passes the security policy over its parsed YAML
//! (`workflow_policy::check`); the policy catches a workflow that breaks it; and the scripts,
//! run by bash, hand fixloop exactly the names they were given.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod workflow_policy;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser as _;
use fixloop::cli::{Cli, Command as Sub, InitCommand};
use fixloop::commands::init_github::options;
use fixloop::core::workflow::render;
use workflow_policy::{Finding, check, rules};
use yaml_rust2::{Yaml, YamlLoader};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const CENTRAL_SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";

/// `extra`, then where fixloop is installed from.
fn with(extra: &[&str]) -> Vec<String> {
    let source = [
        "--fixloop-source",
        "https://github.com/acme/fixloop",
        "--fixloop-rev",
        SHA,
    ];
    extra
        .iter()
        .chain(source.iter())
        .map(|s| (*s).to_owned())
        .collect()
}

/// The options of each reviewed workflow, as `fixloop init github` takes them.
fn variants() -> Vec<(&'static str, Vec<String>)> {
    let mut all = fixloop_variants();
    all.extend(sync_variants());
    all
}

/// The options of each reviewed sync workflow (`--sync`).
fn sync_variants() -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("sync", with(&["--sync"])),
        (
            "sync-app",
            with(&[
                "--sync",
                "--app",
                "--agent",
                "codex",
                "--agent-version",
                "0.170.0",
                "--sync-cron",
                "0 4 * * 1",
                "--sync-config",
                "config/fixloop sync.toml",
                "--runs-on",
                "self-hosted",
                "--runs-on",
                "linux",
                "--timeout-minutes",
                "180",
            ]),
        ),
    ]
}

/// The options of each reviewed fixloop.yml.
fn fixloop_variants() -> Vec<(&'static str, Vec<String>)> {
    let central = format!("acme/ci-workflows@{CENTRAL_SHA}");
    vec![
        ("default", with(&["--watch", "CI"])),
        ("codex", with(&["--watch", "CI", "--agent", "codex"])),
        ("review", with(&["--watch", "CI", "--approval", "review"])),
        (
            "suggestion",
            with(&["--watch", "CI", "--delivery", "suggestion"]),
        ),
        ("app", with(&["--watch", "CI", "--watch", "Lint", "--app"])),
        (
            "self-hosted",
            with(&[
                "--watch",
                "CI",
                "--runs-on",
                "self-hosted",
                "--runs-on",
                "linux",
                "--runs-on",
                "arc-runner-set",
                "--timeout-minutes",
                "120",
                "--attempt-cap",
                "2",
                "--max-cost",
                "12.50",
                "--agent-version",
                "2.1.300",
            ]),
        ),
        (
            "hostile-names",
            with(&[
                "--watch",
                "Build & \"test\": all",
                "--watch",
                "O'Brien's # checks",
                "--watch=-dash",
                "--watch",
                "yes",
                "--watch",
                "$(touch pwned) `id` ${HOME}",
            ]),
        ),
        ("reusable", with(&["--reusable"])),
        (
            "reusable-app",
            with(&["--reusable", "--app", "--agent", "codex", "--max-cost", "5"]),
        ),
        (
            "caller",
            vec![
                "--caller".into(),
                "--central".into(),
                central.clone(),
                "--watch".into(),
                "CI".into(),
                "--watch".into(),
                "Lint".into(),
            ],
        ),
        (
            "caller-app",
            with(&[
                "--caller",
                "--central",
                &central,
                "--watch",
                "CI",
                "--app",
                "--runs-on",
                "self-hosted",
                "--max-cost",
                "8",
                "--approval",
                "review",
            ]),
        ),
    ]
}

/// The workflow `fixloop init github ARGS` writes.
fn generate(args: &[String]) -> String {
    let argv = ["fixloop", "init", "github"]
        .into_iter()
        .map(str::to_owned)
        .chain(args.iter().cloned());
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let Some(Sub::Init(init)) = cli.command else {
        panic!("not init")
    };
    let Some(InitCommand::Github(github)) = init.what else {
        panic!("not init github")
    };
    render(&options(&github).unwrap()).unwrap()
}

fn snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/workflows")
}

#[test]
fn each_variant_is_its_reviewed_copy_byte_for_byte() {
    let update = std::env::var_os("FIXLOOP_UPDATE_SNAPSHOTS").is_some();
    let mut differ = Vec::new();
    for (name, args) in variants() {
        let text = generate(&args);
        let path = snapshots().join(format!("{name}.yml"));
        if update {
            std::fs::create_dir_all(snapshots()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(copy) if copy == text => {}
            Ok(_) => differ.push(format!("{name}: differs from {}", path.display())),
            Err(e) => differ.push(format!("{name}: {}: {e}", path.display())),
        }
    }
    assert!(
        differ.is_empty(),
        "{}\nrun with FIXLOOP_UPDATE_SNAPSHOTS=1 to rewrite them, then review the diff",
        differ.join("\n")
    );
    let on_disk = std::fs::read_dir(snapshots()).unwrap().count();
    assert_eq!(on_disk, variants().len(), "a snapshot no variant makes");
}

#[test]
fn each_variant_passes_the_policy() {
    for (name, args) in variants() {
        let findings = check(&generate(&args));
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

#[test]
fn no_line_is_long_but_a_users_value() {
    for (name, args) in variants() {
        let text = generate(&args);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 120
                    || name == "hostile-names"
                    || line.contains(CENTRAL_SHA),
                "{name}: {line}"
            );
        }
    }
}

fn parse(text: &str) -> Yaml {
    YamlLoader::load_from_str(text).unwrap().remove(0)
}

#[test]
fn hostile_names_stay_names_in_yaml() {
    let args = &variants()
        .into_iter()
        .find(|(n, _)| *n == "hostile-names")
        .unwrap()
        .1;
    let doc = parse(&generate(args));
    let watched: Vec<&str> = doc["on"]["workflow_run"]["workflows"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        watched,
        [
            "Build & \"test\": all",
            "O'Brien's # checks",
            "-dash",
            "yes",
            "$(touch pwned) `id` ${HOME}"
        ]
    );
}

/// Runs `script` with bash, a stand-in fixloop that writes its arguments, NUL-separated, to a
/// file, and `env`; returns the arguments.
fn fixloop_args(script: &str, env: &[(&str, &str)]) -> Vec<String> {
    let temp = tempfile::tempdir().unwrap();
    let bin = temp.path().join("fixloop/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let args_file = temp.path().join("args");
    std::fs::write(
        bin.join("fixloop"),
        format!(
            "#!/bin/sh\nprintf '%s\\0' \"$@\" > '{}'\n",
            args_file.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("fixloop"))
        .status()
        .unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(temp.path())
        .env("RUNNER_TEMP", temp.path())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        !temp.path().join("pwned").exists(),
        "a name ran as a command"
    );
    let text = std::fs::read_to_string(args_file).unwrap();
    text.split_terminator('\0').map(str::to_owned).collect()
}

fn analyze_script(doc: &Yaml) -> (String, Yaml) {
    let step = doc["jobs"]["analyze"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains("ci analyze")))
        .unwrap()
        .clone();
    (
        step["run"].as_str().unwrap().to_owned(),
        step["env"].clone(),
    )
}

#[test]
fn bash_hands_fixloop_each_name_as_one_argument() {
    let args = &variants()
        .into_iter()
        .find(|(n, _)| *n == "hostile-names")
        .unwrap()
        .1;
    let doc = parse(&generate(args));
    let (script, _) = analyze_script(&doc);
    let got = fixloop_args(&script, &[]);
    assert_eq!(
        got,
        [
            "ci",
            "analyze",
            "--out",
            "fixloop-out",
            "--repo",
            ".",
            "--agent",
            "claude",
            "--approval",
            "auto",
            "--attempt-cap",
            "3",
            "--workflow=Build & \"test\": all",
            "--workflow=O'Brien's # checks",
            "--workflow=-dash",
            "--workflow=yes",
            "--workflow=$(touch pwned) `id` ${HOME}",
        ]
    );
}

#[test]
fn the_reusable_script_takes_its_settings_from_the_environment() {
    let args = &variants()
        .into_iter()
        .find(|(n, _)| *n == "reusable")
        .unwrap()
        .1;
    let doc = parse(&generate(args));
    let (script, env) = analyze_script(&doc);
    for (key, value) in [
        ("AGENT", "${{ inputs.agent }}"),
        ("APPROVAL", "${{ inputs.approval }}"),
        ("ATTEMPT_CAP", "${{ inputs.attempt-cap }}"),
        ("WATCH", "${{ inputs.watch }}"),
        ("FIXLOOP_MAX_COST_USD", "${{ inputs.max-cost }}"),
    ] {
        assert_eq!(env[key].as_str(), Some(value), "{key}");
    }
    let got = fixloop_args(
        &script,
        &[
            ("AGENT", "codex"),
            ("APPROVAL", "review"),
            ("ATTEMPT_CAP", "2"),
            ("WATCH", "CI\n\n$(touch pwned) 'x'\n"),
        ],
    );
    assert_eq!(
        got,
        [
            "ci",
            "analyze",
            "--out",
            "fixloop-out",
            "--repo",
            ".",
            "--agent",
            "codex",
            "--approval",
            "review",
            "--attempt-cap",
            "2",
            "--workflow=CI",
            "--workflow=$(touch pwned) 'x'",
        ]
    );
}

#[test]
fn each_option_lands_where_fixloop_reads_it() {
    let all = variants();
    let doc = |name: &str| parse(&generate(&all.iter().find(|(n, _)| *n == name).unwrap().1));
    let env_of = |doc: &Yaml, job: &str, needle: &str| -> Yaml {
        doc["jobs"][job]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
            .unwrap()["env"]
            .clone()
    };
    let default = doc("default");
    let analyze = env_of(&default, "analyze", "ci analyze");
    assert_eq!(
        analyze["ANTHROPIC_API_KEY"].as_str(),
        Some("${{ secrets.ANTHROPIC_API_KEY }}")
    );
    assert!(analyze["FIXLOOP_MAX_COST_USD"].is_badvalue());
    assert_eq!(
        analyze["GITHUB_TOKEN"].as_str(),
        Some("${{ github.token }}")
    );
    let publish = env_of(&default, "publish", "ci publish");
    assert!(
        publish["FIXLOOP_DELIVERY"]
            .as_str()
            .is_some_and(|d| d.ends_with("&& 'suggestion' || 'pr' }}")),
        "{publish:?}"
    );
    assert!(publish["FIXLOOP_APP_TOKEN"].is_badvalue());
    let codex = env_of(&doc("codex"), "analyze", "ci analyze");
    assert_eq!(
        codex["OPENAI_API_KEY"].as_str(),
        Some("${{ secrets.OPENAI_API_KEY }}")
    );
    assert!(codex["ANTHROPIC_API_KEY"].is_badvalue());
    let suggestion = env_of(&doc("suggestion"), "publish", "ci publish");
    assert_eq!(suggestion["FIXLOOP_DELIVERY"].as_str(), Some("suggestion"));
    let app = env_of(&doc("app"), "publish", "ci publish");
    assert_eq!(
        app["FIXLOOP_APP_TOKEN"].as_str(),
        Some("${{ steps.app-token.outputs.token }}")
    );
    let hosted = doc("self-hosted");
    assert_eq!(
        env_of(&hosted, "analyze", "ci analyze")["FIXLOOP_MAX_COST_USD"].as_str(),
        Some("12.50")
    );
    assert_eq!(
        hosted["jobs"]["publish"]["runs-on"],
        Yaml::Array(
            ["self-hosted", "linux", "arc-runner-set"]
                .map(|l| Yaml::String(l.into()))
                .to_vec()
        )
    );
    assert_eq!(
        hosted["jobs"]["analyze"]["timeout-minutes"].as_i64(),
        Some(120)
    );
    let review = doc("review");
    let (script, _) = analyze_script(&review);
    assert!(script.contains("--approval review"), "{script}");
}

#[test]
fn the_caller_passes_only_what_the_reusable_workflow_declares() {
    let all = variants();
    let doc = |name: &str| parse(&generate(&all.iter().find(|(n, _)| *n == name).unwrap().1));
    let caller = doc("caller-app");
    let job = &caller["jobs"]["fixloop"];
    assert_eq!(
        job["uses"].as_str(),
        Some(format!("acme/ci-workflows/.github/workflows/fixloop.yml@{CENTRAL_SHA}").as_str())
    );
    assert_eq!(job["with"]["watch"].as_str(), Some("CI\n"));
    assert_eq!(job["with"]["runs-on"].as_str(), Some("[\"self-hosted\"]"));
    assert_eq!(job["with"]["app"].as_bool(), Some(true));
    assert_eq!(
        job["with"]["app-id"].as_str(),
        Some("${{ vars.FIXLOOP_APP_ID }}")
    );
    assert_eq!(
        job["secrets"]["FIXLOOP_APP_PRIVATE_KEY"].as_str(),
        Some("${{ secrets.FIXLOOP_APP_PRIVATE_KEY }}")
    );
    // Every input the caller passes is one the reusable workflow declares, of its type.
    let reusable = doc("reusable");
    let declared = &reusable["on"]["workflow_call"]["inputs"];
    for (key, value) in job["with"].as_hash().unwrap() {
        let key = key.as_str().unwrap();
        let kind = declared[key]["type"]
            .as_str()
            .unwrap_or_else(|| panic!("{key}"));
        let fits = match value {
            Yaml::Integer(_) => kind == "number",
            Yaml::Boolean(_) => kind == "boolean",
            Yaml::String(_) => kind == "string",
            _ => false,
        };
        assert!(fits, "{key}: {value:?} is not a {kind}");
    }
    for (key, _) in job["secrets"].as_hash().unwrap() {
        let key = key.as_str().unwrap();
        assert!(
            !reusable["on"]["workflow_call"]["secrets"][key].is_badvalue(),
            "{key}"
        );
    }
}

/// The default workflow with `from` replaced by `to` (which must be there).
fn broken(from: &str, to: &str) -> Vec<Finding> {
    let text = generate(&variants()[0].1);
    assert!(text.contains(from), "{from}");
    check(&text.replacen(from, to, 1))
}

/// Each case's findings name its rule.
fn assert_reported(cases: Vec<(&str, Vec<Finding>)>) {
    for (rule, findings) in cases {
        assert!(
            rules(&findings).contains(rule),
            "{rule} was not reported: {findings:#?}"
        );
    }
}

#[test]
fn the_policy_catches_each_kind_of_breach_of_scripts_jobs_and_guard() {
    let cases: Vec<(&str, Vec<Finding>)> = vec![
        (
            "expression-in-run",
            broken(
                "          outcome=none\n",
                "          outcome=none\n          echo \"${{ github.event.comment.body }}\"\n",
            ),
        ),
        (
            "unpinned-uses",
            broken(
                "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
                "actions/checkout@v4",
            ),
        ),
        (
            "top-permissions",
            broken("permissions: {}", "permissions: write-all"),
        ),
        (
            "model-key",
            broken(
                "          GITHUB_TOKEN: ${{ github.token }}\n          FIXLOOP_DELIVERY",
                "          GITHUB_TOKEN: ${{ github.token }}\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}\n          FIXLOOP_DELIVERY",
            ),
        ),
        (
            "publish-runs-code",
            broken(
                "          \"$RUNNER_TEMP/fixloop/bin/fixloop\" ci publish",
                "          make test\n          \"$RUNNER_TEMP/fixloop/bin/fixloop\" ci publish",
            ),
        ),
        (
            "pull-request-target",
            broken(
                "  issue_comment:",
                "  pull_request_target:\n    types: [opened]\n  issue_comment:",
            ),
        ),
        (
            "persist-credentials",
            broken("persist-credentials: false", "persist-credentials: true"),
        ),
        ("timeout", broken("    timeout-minutes: 20\n", "")),
        (
            "cache-mode",
            broken("    cache-mode: none", "    cache-mode: write"),
        ),
        (
            "concurrency",
            broken("      queue: max", "      queue: single"),
        ),
        (
            "fork-push",
            broken(
                "          FIXLOOP_DELIVERY: >-\n            ${{ github.event_name == 'workflow_run'\n            && github.event.workflow_run.head_repository.full_name != github.repository\n            && 'suggestion' || 'pr' }}\n",
                "          FIXLOOP_DELIVERY: pr\n",
            ),
        ),
        (
            "concurrency",
            broken(
                "      cancel-in-progress: false\n",
                "      cancel-in-progress: true\n",
            ),
        ),
        (
            "guard",
            broken(
                "\"MEMBER\", \"COLLABORATOR\"]",
                "\"MEMBER\", \"COLLABORATOR\", \"CONTRIBUTOR\"]",
            ),
        ),
        (
            "guard",
            broken(
                "      || startsWith(github.event.comment.body, '/fixloop abort')))\n",
                "      ))\n",
            ),
        ),
    ];
    assert_reported(cases);
}

#[test]
fn the_policy_catches_each_kind_of_breach_of_triggers_permissions_and_installs() {
    let cases: Vec<(&str, Vec<Finding>)> = vec![
        ("triggers", broken("      - completed", "      - requested")),
        (
            "job-permissions",
            broken(
                "      contents: read # the code",
                "      contents: write # the code",
            ),
        ),
        (
            "job-permissions",
            broken(
                "      pull-requests: write",
                "      pull-requests: write\n      packages: write",
            ),
        ),
        ("unpinned-install", broken("--ignore-scripts", "")),
        (
            "unpinned-install",
            broken(
                "@anthropic-ai/claude-code@2.1.332",
                "@anthropic-ai/claude-code@latest",
            ),
        ),
        (
            "unpinned-install",
            broken("cargo install --locked", "cargo install"),
        ),
        (
            "unpinned-install",
            broken(&format!("--rev {SHA}"), "--rev main"),
        ),
        ("uses-comment", broken(" # v4.6.2", "")),
        (
            "artifact",
            broken(
                "          name: fixloop-out\n          path: fixloop-out\n          if-no",
                "          name: out\n          path: fixloop-out\n          if-no",
            ),
        ),
        ("ci-rerun", broken("} >> \"$GITHUB_STEP_SUMMARY\"", "}")),
    ];
    assert_reported(cases);
}

#[test]
fn the_policy_catches_an_inherited_secret_and_an_unpinned_central_workflow() {
    let all = variants();
    let caller = generate(&all.iter().find(|(n, _)| *n == "caller").unwrap().1);
    let inherit = caller.replace(
        "    secrets:\n      ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}\n",
        "    secrets: inherit\n",
    );
    assert_ne!(inherit, caller);
    assert!(rules(&check(&inherit)).contains("secrets-inherit"));
    let unpinned = caller.replace(&format!("@{CENTRAL_SHA}"), "@main");
    assert!(rules(&check(&unpinned)).contains("unpinned-uses"));
}

#[test]
fn the_policy_reads_commands_as_bash_splits_them() {
    let commands = workflow_policy::commands(
        "if [[ ! \"$X\" =~ ^a|b$ ]]; then\n  echo 'x; y' && make || true\nfi\n\
         cargo install --locked \\\n  --git u --rev r fixloop\n",
    );
    let firsts: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(
        firsts,
        ["if", "then", "echo", "make", "true", "fi", "cargo"]
    );
    assert_eq!(commands[6].len(), 8, "{commands:?}");
}

fn variant(name: &str) -> Vec<String> {
    variants().into_iter().find(|(n, _)| *n == name).unwrap().1
}

/// The step of `job` whose script holds `needle`.
fn step_with<'a>(doc: &'a Yaml, job: &str, needle: &str) -> &'a Yaml {
    doc["jobs"][job]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
        .unwrap_or_else(|| panic!("no step of {job} runs {needle}"))
}

#[test]
fn the_sync_scripts_hand_fixloop_the_folder_and_the_config_as_given() {
    let config = "conf/$(touch pwned) it's `id` ${HOME}.toml";
    let mut args = variant("sync");
    args.extend(["--sync-config".to_owned(), config.to_owned()]);
    let text = generate(&args);
    assert!(check(&text).is_empty(), "{:#?}", check(&text));
    let doc = parse(&text);
    let sync = fixloop_args(
        step_with(&doc, "sync", " sync --headless")["run"]
            .as_str()
            .unwrap(),
        &[],
    );
    assert_eq!(sync[..4], ["sync", "--headless", "--hold-push", "--out"]);
    assert!(sync[4].ends_with("/fixloop-sync"), "{sync:?}");
    assert_eq!(
        sync[5..],
        [
            format!("--config={config}").as_str(),
            "--repo",
            ".",
            "--agent",
            "claude"
        ]
    );
    let publish = fixloop_args(
        step_with(&doc, "publish", " sync publish")["run"]
            .as_str()
            .unwrap(),
        &[],
    );
    assert_eq!(publish[..2], ["sync", "publish"]);
    assert!(publish[2].ends_with("/fixloop-sync"), "{publish:?}");
    // The [sync] section publish checks the folder against: the checkout's own, as given.
    assert_eq!(publish[3..], [format!("--config={config}").as_str()]);
}

#[test]
fn each_sync_option_lands_where_it_is_read() {
    let plain = parse(&generate(&variant("sync")));
    assert_eq!(
        plain["on"]["schedule"][0]["cron"].as_str(),
        Some("17 3 * * *")
    );
    assert!(
        plain["on"]["workflow_dispatch"]
            .as_hash()
            .unwrap()
            .is_empty()
    );
    assert_eq!(plain["concurrency"]["group"].as_str(), Some("fixloop-sync"));
    let sync = &step_with(&plain, "sync", " sync --headless")["env"];
    assert_eq!(
        sync["ANTHROPIC_API_KEY"].as_str(),
        Some("${{ secrets.ANTHROPIC_API_KEY }}")
    );
    assert_eq!(sync["GITHUB_TOKEN"].as_str(), Some("${{ github.token }}"));
    assert_eq!(sync.as_hash().unwrap().len(), 2, "{sync:?}");
    let publish = &step_with(&plain, "publish", " sync publish")["env"];
    assert_eq!(
        publish["FIXLOOP_SYNC_TOKEN"].as_str(),
        Some("${{ secrets.FIXLOOP_SYNC_TOKEN }}")
    );
    assert_eq!(
        publish["GITHUB_TOKEN"].as_str(),
        Some("${{ github.token }}")
    );
    assert_eq!(
        plain["jobs"]["sync"]["permissions"]
            .as_hash()
            .unwrap()
            .len(),
        1
    );

    let app = parse(&generate(&variant("sync-app")));
    assert_eq!(app["on"]["schedule"][0]["cron"].as_str(), Some("0 4 * * 1"));
    let sync_job = &app["jobs"]["sync"];
    assert_eq!(sync_job["timeout-minutes"].as_i64(), Some(180));
    assert_eq!(
        sync_job["runs-on"],
        Yaml::Array(
            ["self-hosted", "linux"]
                .map(|l| Yaml::String(l.into()))
                .to_vec()
        )
    );
    let sync = &step_with(&app, "sync", " sync --headless");
    assert_eq!(
        sync["env"]["OPENAI_API_KEY"].as_str(),
        Some("${{ secrets.OPENAI_API_KEY }}")
    );
    assert!(sync["env"]["ANTHROPIC_API_KEY"].is_badvalue());
    assert!(
        sync["run"]
            .as_str()
            .unwrap()
            .contains("'--config=config/fixloop sync.toml' --repo . --agent codex")
    );
    step_with(&app, "sync", "@openai/codex@0.170.0");
    let token = &app["jobs"]["publish"]["steps"][0];
    assert_eq!(token["id"].as_str(), Some("app-token"));
    assert_eq!(
        token["with"]["permission-workflows"].as_str(),
        Some("write")
    );
    assert_eq!(
        step_with(&app, "publish", " sync publish")["env"]["FIXLOOP_SYNC_TOKEN"].as_str(),
        Some("${{ steps.app-token.outputs.token }}")
    );
    assert!(
        !app["jobs"]["publish"]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .any(|s| s["run"]
                .as_str()
                .is_some_and(|r| r.contains("GITHUB_STEP_SUMMARY"))),
        "with the App's token, CI runs on the sync: nothing to say"
    );
}

/// The sync variant `name` with `from` replaced by `to` (which must be there).
fn broken_sync(name: &str, from: &str, to: &str) -> Vec<Finding> {
    let text = generate(&variant(name));
    assert!(text.contains(from), "{name}: {from}");
    check(&text.replacen(from, to, 1))
}

#[test]
fn the_policy_catches_each_kind_of_breach_of_the_sync_workflows_triggers() {
    let sync = |from: &str, to: &str| broken_sync("sync", from, to);
    let cases: Vec<(&str, Vec<Finding>)> = vec![
        (
            "triggers",
            sync(
                "  workflow_dispatch: {}\n",
                "  workflow_dispatch: {}\n  push: {}\n",
            ),
        ),
        (
            "pull-request-target",
            sync(
                "  workflow_dispatch: {}\n",
                "  workflow_dispatch: {}\n  pull_request_target: {}\n",
            ),
        ),
        (
            "triggers",
            sync("    - cron: 17 3 * * *", "    - cron: \"*/5 * * * *\""),
        ),
        (
            "triggers",
            sync(
                "  workflow_dispatch: {}\n",
                "  workflow_dispatch:\n    inputs:\n      tag:\n        type: string\n",
            ),
        ),
        (
            "triggers",
            broken(
                "  issue_comment:",
                "  schedule:\n    - cron: 0 * * * *\n  issue_comment:",
            ),
        ),
        (
            "top-permissions",
            sync("permissions: {}", "permissions: write-all"),
        ),
        (
            "concurrency",
            sync(
                "  group: fixloop-sync\n",
                "  group: fixloop-sync-${{ github.ref }}\n",
            ),
        ),
        (
            "concurrency",
            sync("  cancel-in-progress: false", "  cancel-in-progress: true"),
        ),
    ];
    assert_reported(cases);
}

#[test]
fn the_policy_catches_each_kind_of_breach_of_the_sync_workflows_permissions_and_keys() {
    let sync = |from: &str, to: &str| broken_sync("sync", from, to);
    let key = "ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}";
    let cases: Vec<(&str, Vec<Finding>)> = vec![
        (
            "job-permissions",
            sync("      contents: read # the", "      contents: write # the"),
        ),
        (
            "job-permissions",
            sync(
                "      contents: read # the",
                "      actions: read\n      contents: read # the",
            ),
        ),
        (
            "job-permissions",
            sync(
                "      pull-requests: write # open",
                "      pull-requests: write # open\n      packages: write",
            ),
        ),
        ("timeout", sync("    timeout-minutes: 20\n", "")),
        (
            "cache-mode",
            sync("    cache-mode: none", "    cache-mode: write"),
        ),
        (
            "model-key",
            sync(
                "    timeout-minutes: 60\n",
                &format!("    timeout-minutes: 60\n    env:\n      {key}\n"),
            ),
        ),
        (
            "model-key",
            sync(
                "          retention-days: 7\n",
                &format!("          retention-days: 7\n        env:\n          {key}\n"),
            ),
        ),
        (
            "model-key",
            sync(
                "          FIXLOOP_SYNC_TOKEN: ${{ secrets.FIXLOOP_SYNC_TOKEN }}\n",
                &format!(
                    "          FIXLOOP_SYNC_TOKEN: ${{{{ secrets.FIXLOOP_SYNC_TOKEN }}}}\n          {key}\n"
                ),
            ),
        ),
        ("hold-push", sync("--headless --hold-push", "--headless")),
        (
            "hold-push",
            sync("sync --headless --hold-push", "sync --hold-push"),
        ),
    ];
    assert_reported(cases);
}

#[test]
fn the_policy_catches_each_kind_of_breach_of_the_sync_workflows_steps() {
    let sync = |from: &str, to: &str| broken_sync("sync", from, to);
    let publish = "          \"$RUNNER_TEMP/fixloop/bin/fixloop\" sync publish";
    let cases: Vec<(&str, Vec<Finding>)> = vec![
        (
            "publish-runs-code",
            sync(publish, &format!("          make test\n{publish}")),
        ),
        (
            "publish-runs-code",
            sync(
                "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093",
                &format!("acme/run-tests@{SHA}"),
            ),
        ),
        (
            "publish-runs-code",
            sync(
                "          persist-credentials: false\n      - name: Download",
                "          persist-credentials: false\n          ref: refs/pull/1/head\n      - name: Download",
            ),
        ),
        (
            "persist-credentials",
            sync("persist-credentials: false", "persist-credentials: true"),
        ),
        (
            "unpinned-uses",
            sync(
                "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
                "actions/checkout@v4",
            ),
        ),
        ("uses-comment", sync(" # v4.6.2", "")),
        (
            "expression-in-run",
            sync(
                "          export PATH=",
                "          echo \"${{ github.event.head_commit.message }}\"\n          export PATH=",
            ),
        ),
        (
            "unpinned-install",
            sync("cargo install --locked", "cargo install"),
        ),
        (
            "unpinned-install",
            sync(
                "@anthropic-ai/claude-code@2.1.332",
                "@anthropic-ai/claude-code@latest",
            ),
        ),
    ];
    assert_reported(cases);
}

#[test]
fn the_policy_catches_each_kind_of_breach_of_the_sync_workflows_artifact_and_tokens() {
    let sync = |from: &str, to: &str| broken_sync("sync", from, to);
    let app = |from: &str, to: &str| broken_sync("sync-app", from, to);
    let cases: Vec<(&str, Vec<Finding>)> = vec![
        (
            "artifact",
            sync("      && needs.sync.outputs.artifact-id != ''\n", ""),
        ),
        ("artifact", sync("          retention-days: 7\n", "")),
        (
            "artifact",
            sync(
                "        if: always()\n        uses: actions/upload-artifact",
                "        uses: actions/upload-artifact",
            ),
        ),
        (
            "artifact",
            sync(
                "          path: ${{ runner.temp }}/fixloop-sync\n          if-no",
                "          path: fixloop-sync\n          if-no",
            ),
        ),
        (
            "artifact",
            sync(
                "      artifact-id: ${{ steps.upload.outputs.artifact-id }}",
                "      artifact-id: ${{ steps.other.outputs.artifact-id }}",
            ),
        ),
        (
            "artifact",
            sync("--out \"$RUNNER_TEMP/fixloop-sync\"", "--out out"),
        ),
        (
            "artifact",
            sync(
                "sync publish \"$RUNNER_TEMP/fixloop-sync\"",
                "sync publish out",
            ),
        ),
        (
            "sync-token",
            sync(
                "          GITHUB_TOKEN: ${{ github.token }}",
                "          GITHUB_TOKEN: ${{ secrets.FIXLOOP_SYNC_TOKEN }}",
            ),
        ),
        (
            "sync-token",
            sync(
                "FIXLOOP_SYNC_TOKEN: ${{ secrets.FIXLOOP_SYNC_TOKEN }}",
                "FIXLOOP_SYNC_TOKEN: ${{ github.token }}",
            ),
        ),
        (
            "sync-token",
            sync(
                "publish` fails loudly on such a release",
                "publish` fails on such a release",
            ),
        ),
        ("ci-rerun", sync("} >> \"$GITHUB_STEP_SUMMARY\"", "}")),
        (
            "sync-token",
            app("          permission-workflows: write\n", ""),
        ),
        (
            "sync-token",
            app(
                "FIXLOOP_SYNC_TOKEN: ${{ steps.app-token.outputs.token }}",
                "FIXLOOP_SYNC_TOKEN: ${{ github.token }}",
            ),
        ),
        (
            "sync-token",
            app(
                "          GITHUB_TOKEN: ${{ github.token }}\n",
                "          GITHUB_TOKEN: ${{ github.token }}\n          APP_KEY: ${{ secrets.FIXLOOP_APP_PRIVATE_KEY }}\n",
            ),
        ),
    ];
    assert_reported(cases);
}
