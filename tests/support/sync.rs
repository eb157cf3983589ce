//! The sync's world as the tests drive it: a bare `upstream` with release tags, the fork (a
//! clone with its own changes and a bare `fork.git` as origin), the fork's conventions, the
//! GitHub stand-in on 127.0.0.1 and `fixloop sync` run against them.
#![allow(
    dead_code,
    reason = "shared by the sync tests; not every one uses each helper"
)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::Sandbox;

pub const FORK: &str = "octo-org/fork";
/// A `[notify.slack]` table whose address is the stand-in's.
pub const SLACK: &str = "\n[notify.slack]\nurl-env = \"SYNC_SLACK_URL\"\n";
pub const TOKEN: &str = "ghp_synctoken0123456789abcdefghijklmnop";

/// The places of the world.
pub struct World {
    pub upstream_work: PathBuf,
    pub upstream: PathBuf,
    pub fork: PathBuf,
    pub fork_origin: PathBuf,
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn commit(sandbox: &Sandbox, dir: &Path, message: &str) {
    sandbox.git(dir, &["add", "-A"]);
    sandbox.git(dir, &["commit", "--quiet", "-m", message]);
}

/// Upstream at v1.0.0 (annotated), and the fork cloned from it with changes of its own to
/// `README.md` and `vendor/lib.txt`, its conventions committed, pushed to `fork.git`.
pub fn world(sandbox: &Sandbox, conventions: &str) -> World {
    let root = sandbox.path();
    let upstream_work = root.join("upstream-work");
    std::fs::create_dir_all(&upstream_work).unwrap();
    sandbox.git(root, &["init", "--quiet", "--bare", "upstream.git"]);
    sandbox.git(&upstream_work, &["init", "--quiet", "-b", "main"]);
    write(&upstream_work, "core.txt", "one\ntwo\nthree\n");
    write(
        &upstream_work,
        "README.md",
        "# project\n\nUpstream's readme.\n",
    );
    write(&upstream_work, "vendor/lib.txt", "lib 1\n");
    write(&upstream_work, "LICENSE", "MIT\n");
    commit(sandbox, &upstream_work, "Start");
    let upstream = root.join("upstream.git");
    let url = upstream.display().to_string();
    sandbox.git(&upstream_work, &["remote", "add", "origin", &url]);
    sandbox.git(
        &upstream_work,
        &["tag", "-a", "v1.0.0", "-m", "Release 1.0.0"],
    );
    sandbox.git(
        &upstream_work,
        &["push", "--quiet", "origin", "main", "--tags"],
    );
    sandbox.git(root, &["clone", "--quiet", &url, "fork"]);
    let fork = root.join("fork");
    sandbox.git(root, &["init", "--quiet", "--bare", "fork.git"]);
    let fork_origin = root.join("fork.git");
    sandbox.git(
        &fork,
        &[
            "remote",
            "set-url",
            "origin",
            &fork_origin.display().to_string(),
        ],
    );
    write(&fork, "README.md", "# project\n\nThe fork's readme.\n");
    write(&fork, "vendor/lib.txt", "lib 1, patched by the fork\n");
    write(&fork, ".fixloop/sync.toml", conventions);
    commit(sandbox, &fork, "Make it ours");
    sandbox.git(&fork, &["push", "--quiet", "origin", "main"]);
    World {
        upstream_work,
        upstream,
        fork,
        fork_origin,
    }
}

/// Upstream releases `tag` with the files `changes` (path, text).
pub fn release(sandbox: &Sandbox, world: &World, tag: &str, changes: &[(&str, &str)]) {
    for (file, text) in changes {
        write(&world.upstream_work, file, text);
    }
    commit(sandbox, &world.upstream_work, &format!("Prepare {tag}"));
    sandbox.git(
        &world.upstream_work,
        &[
            "tag",
            "-a",
            tag,
            "-m",
            &format!("Release {tag}\n\n- what @someone changed in #12"),
        ],
    );
    sandbox.git(
        &world.upstream_work,
        &["push", "--quiet", "origin", "main", "--tags"],
    );
}

/// The configuration: `[sync]` for the fork with `extra` lines.
pub fn configure(sandbox: &Sandbox, world: &World, extra: &str) -> PathBuf {
    let config = sandbox.path().join("fixloop.toml");
    std::fs::write(
        &config,
        format!(
            "[sync]\nrepo = \"{FORK}\"\nupstream = \"{}\"\n{extra}",
            world.upstream.display()
        ),
    )
    .unwrap();
    config
}

/// The stand-in: the fork's repository (with the token's scopes), its pull requests (`open`
/// listed), labels, issues and comments.
pub async fn stand_in(scopes: &str, open: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{FORK}")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-oauth-scopes", scopes)
                .set_body_json(json!({"full_name": FORK})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{FORK}/pulls")))
        .respond_with(ResponseTemplate::new(200).set_body_json(open))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{FORK}/pulls")))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"number": 21, "html_url": format!("https://github.com/{FORK}/pull/21")}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path_regex(format!("^/repos/{FORK}/pulls/[0-9]+$")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(format!(
            "^/repos/{FORK}/issues/[0-9]+/(labels|comments)$"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(format!(
            "^/repos/{FORK}/issues/[0-9]+/labels/.+$"
        )))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "Label does not exist"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/slack/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{FORK}/issues")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{FORK}/issues")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"number": 4})))
        .mount(&server)
        .await;
    server
}

/// `fixloop sync --headless` in the fork with `extra` arguments (an agent that fails).
pub fn sync(sandbox: &Sandbox, world: &World, server: &MockServer, extra: &[&str]) -> Output {
    sync_with(sandbox, world, server, Path::new("false"), extra)
}

/// `fixloop sync --headless` with the agent `agent` (`--approve all`: the policy approves the
/// agent's resolutions, which then wait on the PR for a person).
pub fn sync_with(
    sandbox: &Sandbox,
    world: &World,
    server: &MockServer,
    agent: &Path,
    extra: &[&str],
) -> Output {
    sync_command(sandbox, world, server, agent, extra)
        .output()
        .unwrap()
}

/// The command `sync_with` runs.
pub fn sync_command(
    sandbox: &Sandbox,
    world: &World,
    server: &MockServer,
    agent: &Path,
    extra: &[&str],
) -> std::process::Command {
    let mut command = sandbox.fixloop(&world.fork);
    command
        .arg("sync")
        .arg("--headless")
        .arg("--config")
        .arg(sandbox.path().join("fixloop.toml"))
        .args(["--agent", "command", "--agent-cmd"])
        .arg(agent)
        .args(extra)
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", TOKEN)
        .env(
            "SYNC_SLACK_URL",
            format!("{}/slack/T0/B0/secret", server.uri()),
        )
        .env_remove("GITHUB_ACTIONS")
        .env_remove("FIXLOOP_SYNC_TOKEN");
    command
}

pub fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub async fn requests(server: &MockServer, verb: &str, ending: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(ending))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}
