//! `fixloop init github`, run as a person runs it, in a temporary git repository: it writes
//! `.github/workflows/fixloop.yml` watching the repository's other workflows, refuses to replace
//! it without `--force` (leaving it as it was), and refuses a bad commit SHA, a name that would
//! inject into the workflow, and a repository with nothing to watch, each with a clear message
//! and nothing written. With `--sync` it writes `fixloop-sync.yml` beside it, by the same
//! rules, and refuses the options that only fixloop.yml takes.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;
mod workflow_policy;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::Sandbox;
use yaml_rust2::YamlLoader;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const SOURCE: &str = "https://github.com/acme/fixloop";

/// A git repository with a CI workflow, a lint workflow without a name, and a reusable one.
fn repository(sandbox: &Sandbox) -> PathBuf {
    let repo = sandbox.path().join("app");
    let workflows = repo.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    sandbox.git(&repo, &["init", "--quiet"]);
    std::fs::write(
        workflows.join("ci.yml"),
        "name: CI\non:\n  pull_request: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    \
         steps:\n      - run: make test\n",
    )
    .unwrap();
    std::fs::write(
        workflows.join("lint.yaml"),
        "on: [push]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make lint\n",
    )
    .unwrap();
    std::fs::write(
        workflows.join("shared.yml"),
        "name: Shared build\non:\n  workflow_call:\n    inputs: {}\njobs: {}\n",
    )
    .unwrap();
    repo
}

fn init(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> Output {
    sandbox
        .fixloop(repo)
        .args(["init", "github"])
        .args(args)
        .output()
        .unwrap()
}

fn installed() -> Vec<&'static str> {
    vec!["--fixloop-source", SOURCE, "--fixloop-rev", SHA]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn workflow(repo: &Path) -> PathBuf {
    repo.join(".github/workflows/fixloop.yml")
}

#[test]
fn writes_a_workflow_that_watches_the_other_workflows() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    let out = init(&sandbox, &repo, &installed());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("fixloop.yml"), "{said}");
    assert!(said.contains("ANTHROPIC_API_KEY"), "{said}");
    let written = std::fs::read_to_string(workflow(&repo)).unwrap();
    let doc = YamlLoader::load_from_str(&written).unwrap().remove(0);
    let watched: Vec<&str> = doc["on"]["workflow_run"]["workflows"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        watched,
        ["CI", ".github/workflows/lint.yaml"],
        "named by name, or by path when unnamed; the reusable one is never run by itself"
    );
    let findings = workflow_policy::check(&written);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_second_run_watches_the_same_and_not_fixloop_itself() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    assert!(init(&sandbox, &repo, &installed()).status.success());
    let first = std::fs::read_to_string(workflow(&repo)).unwrap();
    let mut again = installed();
    again.push("--force");
    let out = init(&sandbox, &repo, &again);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(workflow(&repo)).unwrap(), first);
}

#[test]
fn refuses_to_replace_the_workflow_without_force() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    std::fs::write(workflow(&repo), "# the team's own\n").unwrap();
    let out = init(&sandbox, &repo, &installed());
    assert_eq!(out.status.code(), Some(65));
    let said = text(&out.stderr);
    assert!(said.contains(".github/workflows/fixloop.yml"), "{said}");
    assert!(said.contains("already exists"), "{said}");
    assert!(said.contains("--force"), "{said}");
    assert_eq!(
        std::fs::read_to_string(workflow(&repo)).unwrap(),
        "# the team's own\n",
        "the file is as it was"
    );
    let mut forced = installed();
    forced.push("--force");
    assert!(init(&sandbox, &repo, &forced).status.success());
    assert!(
        std::fs::read_to_string(workflow(&repo))
            .unwrap()
            .contains("ci analyze")
    );
}

#[test]
fn rejects_a_rev_that_is_not_a_full_sha() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    for rev in ["main", "0123456", "v1.2.3", "$(id)"] {
        let out = init(
            &sandbox,
            &repo,
            &["--fixloop-source", SOURCE, "--fixloop-rev", rev],
        );
        assert_eq!(out.status.code(), Some(2), "{rev}");
        let said = text(&out.stderr);
        assert!(said.contains("--fixloop-rev"), "{said}");
        assert!(said.contains("40-digit commit SHA"), "{said}");
        assert!(!workflow(&repo).exists(), "nothing is written for {rev}");
    }
    let missing = init(&sandbox, &repo, &["--fixloop-source", SOURCE]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--fixloop-rev"));
}

#[test]
fn rejects_a_name_that_would_inject_into_the_workflow() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    for (name, why) in [
        ("CI\"\n  evil: true", "line break"),
        ("${{ github.event.comment.body }}", "expression"),
        ("CI\u{202e}", "invisible"),
    ] {
        let mut args = vec!["--watch", name];
        args.extend(installed());
        let out = init(&sandbox, &repo, &args);
        assert_eq!(out.status.code(), Some(2), "{name:?}");
        let said = text(&out.stderr);
        assert!(said.contains("--watch"), "{said}");
        assert!(said.contains(why), "{said}");
        assert!(!workflow(&repo).exists(), "nothing is written for {name:?}");
    }
    let out = init(
        &sandbox,
        &repo,
        &[
            "--runs-on",
            "self-hosted'\n",
            "--fixloop-source",
            SOURCE,
            "--fixloop-rev",
            SHA,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!workflow(&repo).exists());
}

#[test]
fn a_quote_in_a_name_stays_in_the_name() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    let mut args = vec!["--watch", "Build \"all\": O'Brien's # checks"];
    args.extend(installed());
    let out = init(&sandbox, &repo, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(workflow(&repo)).unwrap();
    let doc = YamlLoader::load_from_str(&written).unwrap().remove(0);
    assert_eq!(
        doc["on"]["workflow_run"]["workflows"][0].as_str(),
        Some("Build \"all\": O'Brien's # checks")
    );
    assert!(workflow_policy::check(&written).is_empty());
}

#[test]
fn a_workflow_whose_name_would_inject_is_named_in_the_error() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    std::fs::write(
        repo.join(".github/workflows/evil.yml"),
        "name: \"CI\\n  evil: ${{ github.event.comment.body }}\"\non: push\n",
    )
    .unwrap();
    let out = init(&sandbox, &repo, &installed());
    assert_eq!(out.status.code(), Some(65));
    let said = text(&out.stderr);
    assert!(said.contains(".github/workflows/evil.yml"), "{said}");
    assert!(said.contains("--watch"), "{said}");
    assert!(!workflow(&repo).exists());
}

#[test]
fn a_repository_with_nothing_to_watch_is_told_to_name_it() {
    let sandbox = Sandbox::new();
    let repo = sandbox.path().join("empty");
    std::fs::create_dir_all(&repo).unwrap();
    sandbox.git(&repo, &["init", "--quiet"]);
    let out = init(&sandbox, &repo, &installed());
    assert_eq!(out.status.code(), Some(65));
    let said = text(&out.stderr);
    assert!(said.contains("no workflow to watch"), "{said}");
    assert!(said.contains("--watch NAME"), "{said}");
    assert!(!workflow(&repo).exists());
    let mut named = vec!["--watch", "Nightly"];
    named.extend(installed());
    let out = init(&sandbox, &repo, &named);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn repo_names_the_repository_from_anywhere() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    let repo_arg = repo.display().to_string();
    let mut args = vec!["--repo", repo_arg.as_str(), "--reusable"];
    args.extend(installed());
    let out = init(&sandbox, sandbox.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(workflow(&repo)).unwrap();
    assert!(written.contains("workflow_call:"), "{written}");
    assert!(workflow_policy::check(&written).is_empty());
}

#[test]
fn a_caller_needs_its_central_workflow_pinned() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    let out = init(&sandbox, &repo, &["--caller"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--central"));
    let out = init(&sandbox, &repo, &["--caller", "--central", "acme/ci@main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a commit SHA"));
    let central = format!("acme/ci@{SHA}");
    let out = init(&sandbox, &repo, &["--caller", "--central", &central]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(workflow(&repo)).unwrap();
    assert!(
        written.contains(&format!(
            "uses: acme/ci/.github/workflows/fixloop.yml@{SHA}"
        )),
        "{written}"
    );
    assert!(workflow_policy::check(&written).is_empty());
}

#[test]
fn plain_init_still_writes_info_json() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("work");
    std::fs::create_dir_all(&dir).unwrap();
    let out = sandbox.fixloop(&dir).arg("init").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.join("info.json").exists());
    let help = sandbox
        .fixloop(&dir)
        .args(["init", "github", "--help"])
        .output()
        .unwrap();
    let help = text(&help.stdout);
    for flag in [
        "--repo",
        "--force",
        "--watch",
        "--agent",
        "--agent-version",
        "--approval",
        "--delivery",
        "--timeout-minutes",
        "--attempt-cap",
        "--max-cost",
        "--runs-on",
        "--app",
        "--fixloop-source",
        "--fixloop-rev",
        "--reusable",
        "--caller",
        "--central",
        "--sync",
        "--sync-cron",
        "--sync-config",
    ] {
        assert!(help.contains(flag), "{flag} in\n{help}");
    }
}

fn sync_workflow(repo: &Path) -> PathBuf {
    repo.join(".github/workflows/fixloop-sync.yml")
}

fn sync_args(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--sync".to_owned()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    args.extend(installed().into_iter().map(str::to_owned));
    args
}

fn init_sync(sandbox: &Sandbox, repo: &Path, extra: &[&str]) -> Output {
    let args = sync_args(extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    init(sandbox, repo, &args)
}

#[test]
fn sync_writes_its_own_workflow_beside_fixloops() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    assert!(init(&sandbox, &repo, &installed()).status.success());
    let fixloop = std::fs::read_to_string(workflow(&repo)).unwrap();
    let out = init_sync(&sandbox, &repo, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    for needle in [
        "fixloop-sync.yml",
        "every day at 03:17 UTC",
        "There is no fixloop.toml",
        "ANTHROPIC_API_KEY",
        "FIXLOOP_SYNC_TOKEN",
    ] {
        assert!(said.contains(needle), "{needle} in {said}");
    }
    assert_eq!(
        std::fs::read_to_string(workflow(&repo)).unwrap(),
        fixloop,
        "fixloop.yml is as it was"
    );
    let written = std::fs::read_to_string(sync_workflow(&repo)).unwrap();
    let findings = workflow_policy::check(&written);
    assert!(findings.is_empty(), "{findings:#?}");
    let doc = YamlLoader::load_from_str(&written).unwrap().remove(0);
    assert_eq!(
        doc["on"]["schedule"][0]["cron"].as_str(),
        Some("17 3 * * *")
    );
    // fixloop.yml written again still watches the same: never the sync workflow.
    let mut again = installed();
    again.push("--force");
    assert!(init(&sandbox, &repo, &again).status.success());
    assert_eq!(std::fs::read_to_string(workflow(&repo)).unwrap(), fixloop);
}

#[test]
fn sync_needs_nothing_to_watch_and_replaces_its_file_only_with_force() {
    let sandbox = Sandbox::new();
    let repo = sandbox.path().join("fork");
    std::fs::create_dir_all(&repo).unwrap();
    sandbox.git(&repo, &["init", "--quiet"]);
    std::fs::write(repo.join("fixloop.toml"), "[sync]\n").unwrap();
    let out = init_sync(&sandbox, &repo, &["--sync-cron", "0 4 * * 1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(!said.contains("There is no"), "{said}");
    assert!(said.contains("`0 4 * * 1`"), "{said}");
    assert!(
        !workflow(&repo).exists(),
        "only the sync workflow is written"
    );
    std::fs::write(sync_workflow(&repo), "# the team's own\n").unwrap();
    let out = init_sync(&sandbox, &repo, &[]);
    assert_eq!(out.status.code(), Some(65));
    let said = text(&out.stderr);
    assert!(said.contains("fixloop-sync.yml"), "{said}");
    assert!(said.contains("already exists"), "{said}");
    assert!(said.contains("--force"), "{said}");
    assert_eq!(
        std::fs::read_to_string(sync_workflow(&repo)).unwrap(),
        "# the team's own\n"
    );
    let out = init_sync(&sandbox, &repo, &["--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::read_to_string(sync_workflow(&repo))
            .unwrap()
            .contains("sync publish")
    );
}

#[test]
fn sync_refuses_the_options_only_fixloop_yml_takes() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    let central = format!("acme/ci@{SHA}");
    for (extra, flag) in [
        (vec!["--watch", "CI"], "--watch"),
        (vec!["--delivery", "suggestion"], "--delivery"),
        (vec!["--approval", "review"], "--approval"),
        (vec!["--attempt-cap", "2"], "--attempt-cap"),
        (vec!["--max-cost", "5"], "--max-cost"),
        (vec!["--reusable"], "--reusable"),
        (vec!["--caller", "--central", central.as_str()], "--c"),
    ] {
        let out = init_sync(&sandbox, &repo, &extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let said = text(&out.stderr);
        assert!(said.contains("--sync"), "{said}");
        assert!(said.contains(flag), "{said}");
        assert!(
            !sync_workflow(&repo).exists(),
            "nothing is written for {extra:?}"
        );
    }
    for alone in [["--sync-cron", "0 4 * * *"], ["--sync-config", "x.toml"]] {
        let mut args = alone.to_vec();
        args.extend(installed());
        let out = init(&sandbox, &repo, &args);
        assert_eq!(out.status.code(), Some(2), "{alone:?}");
        assert!(
            text(&out.stderr).contains("--sync"),
            "{}",
            text(&out.stderr)
        );
        assert!(!workflow(&repo).exists());
    }
}

#[test]
fn sync_rejects_a_bad_schedule_or_configuration_path() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox);
    for (flag, value, why) in [
        ("--sync-cron", "* 3 * * *", "at most once an hour"),
        ("--sync-cron", "17 3 * *", "not 5"),
        ("--sync-cron", "0 3 * * MON", "numbers"),
        ("--sync-cron", "0 3 * * *\non: push", "cannot"),
        ("--sync-config", "/etc/fixloop.toml", "not relative"),
        ("--sync-config", "../fixloop.toml", "climbs out"),
        ("--sync-config", "${{ github.event.x }}", "expression"),
    ] {
        let out = init_sync(&sandbox, &repo, &[flag, value]);
        assert_eq!(out.status.code(), Some(2), "{value:?}");
        let said = text(&out.stderr);
        assert!(said.contains(flag), "{said}");
        assert!(said.contains(why), "{why} in {said}");
        assert!(
            !sync_workflow(&repo).exists(),
            "nothing is written for {value:?}"
        );
    }
}
