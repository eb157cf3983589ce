//! The proof holds against the agent and the repository: paths an agent writes are checked
//! before use, the approved reproduction is frozen, and git stays fixloop's while the user's
//! stays the user's. Real repositories, a real scripted agent, real child processes.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::Path;

use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased, run_with_agent, write};

fn info(sandbox: &Sandbox, repo: &Path, extra: &serde_json::Value) {
    let mut info = json!({
        "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
        "deterministic": true,
        "raw-logs": "ci.log",
        "name": "add-subtracts",
        "test-command": "PYTHONPATH=. python3 tests/test_calc.py",
    });
    for (k, v) in extra.as_object().unwrap() {
        info[k] = v.clone();
    }
    sandbox.info(repo, &info);
}

/// A failure folder with a test file and `repro.json` naming `source` and `dest`.
fn failure_folder(repo: &Path, source: &str, dest: &str) -> std::path::PathBuf {
    let folder = repo.join("reproduce-deterministic-failures/given");
    write(&folder.join("tests/t.py"), "assert False\n");
    write(
        &folder.join("repro.json"),
        &json!({
            "command": "python3 tests/t.py",
            "files": [{"source": source, "dest": dest}],
        })
        .to_string(),
    );
    folder
}

fn validate(sandbox: &Sandbox, repo: &Path, folder: &Path) -> (Option<i32>, String) {
    info(
        sandbox,
        repo,
        &json!({"existing-test-path": folder.display().to_string(), "raw-logs": null}),
    );
    let out = sandbox.fixloop(repo).arg("validate").output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn paths_an_agent_writes_are_refused_when_they_reach_outside_or_into_git() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();

    // A destination inside .git, in any case and at any depth.
    for dest in [".git/hooks/pre-commit", "sub/.git/config", ".Git/info/x"] {
        let folder = failure_folder(&repo, "tests/t.py", dest);
        let (code, stderr) = validate(&sandbox, &repo, &folder);
        assert_eq!(code, Some(65), "{dest}: {stderr}");
        assert!(
            stderr.contains("repro.json")
                && stderr.contains("field `files`")
                && stderr.contains(&format!("`dest` `{dest}` lies inside `.git`")),
            "{dest}: {stderr}"
        );
    }

    // A source that is a link to a file outside the failure folder.
    let folder = failure_folder(&repo, "tests/link.py", "tests/t.py");
    std::os::unix::fs::symlink("/etc/hostname", folder.join("tests/link.py")).unwrap();
    let (code, stderr) = validate(&sandbox, &repo, &folder);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(
        stderr.contains("field `files`")
            && stderr.contains(
                "`source` `tests/link.py` is not a regular file inside the failure folder"
            ),
        "{stderr}"
    );

    // A source that is a folder.
    let folder = failure_folder(&repo, "tests", "tests/t.py");
    let (code, stderr) = validate(&sandbox, &repo, &folder);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(
        stderr.contains("`source` `tests` is not a regular file"),
        "{stderr}"
    );

    // A failure folder reached through a symbolic link.
    let real = sandbox.path().join("elsewhere");
    let folder = failure_folder(&repo, "tests/t.py", "tests/t.py");
    std::fs::rename(&folder, &real).unwrap();
    std::os::unix::fs::symlink(&real, &folder).unwrap();
    let (code, stderr) = validate(&sandbox, &repo, &folder);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(
        stderr.contains("goes through the symbolic link") && stderr.contains("given"),
        "{stderr}"
    );
}

#[test]
fn a_name_git_would_refuse_as_a_branch_is_refused_before_anything_is_written() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    for name in ["fix.lock", "a..b", ".hidden"] {
        info(&sandbox, &repo, &json!({"name": name}));
        for command in [&["validate"][..], &["run", "--headless"]] {
            let out = sandbox.fixloop(&repo).args(command).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(65), "{command:?} {name}: {stderr}");
            assert!(
                stderr.contains("field `name`") && stderr.contains(name),
                "{command:?} {name}: {stderr}"
            );
        }
        assert!(
            !repo.join("outputs").exists(),
            "{name}: nothing was written"
        );
        assert!(!repo.join("reproduce-deterministic-failures").exists());
    }
}

#[test]
fn an_agent_that_writes_nothing_failed_its_step_it_did_not_give_bad_input() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let agent = sandbox.agent("agent.sh", &phased("true", FIX_ADD));
    info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--approve", "all"]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    assert!(
        r.stdout().contains("the agent wrote no reproduction"),
        "{}",
        r.stdout()
    );
    // It was asked again with that feedback, up to the attempts allowed.
    let calls =
        std::fs::read_to_string(repo.join("reproduce-deterministic-failures/agent-calls.log"))
            .unwrap();
    assert_eq!(calls.matches("phase=reproduce").count(), 3, "{calls}");
}

/// Weakens the reproduction everywhere an agent can reach it (the worktree's copy, the failure
/// folder's test and its `repro.json`) and makes a harmless change to the code.
const WEAKEN_EVERYWHERE: &str = r#"
echo "print('fine')" > "$FIXLOOP_WORKDIR/tests/repro_add.py"
echo "print('fine')" > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py"
cat > "$FIXLOOP_FAILURE_DIR/repro.json" <<'JSON'
{"command": "true", "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}]}
JSON
sed -i 's/return a - b/result = a - b\n    return result/' "$FIXLOOP_WORKDIR/calc.py"
"#;

#[test]
fn a_fix_that_weakens_the_reproduction_everywhere_is_verified_against_the_approved_copy() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, WEAKEN_EVERYWHERE));
    info(&sandbox, &repo, &json!({}));
    sandbox.dirty(&repo);
    let before = sandbox.snapshot(&repo);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(sandbox.snapshot(&repo), before, "the user's work in flight");
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    let report = r.report();
    let verification = &report["verification"];
    assert_eq!(verification["verified"], false, "{report}");
    assert_eq!(
        verification["failures"], 3,
        "the approved test still fails: {report}"
    );
    let findings = verification["findings"].to_string();
    assert!(
        findings.contains("changed or removed the reproduction `tests/repro_add.py`"),
        "{findings}"
    );
    for file in ["tests/repro_add.py", "repro.json"] {
        assert!(
            findings.contains(file) && findings.contains("after approval"),
            "{file}: {findings}"
        );
    }
    // Nothing was committed or pushed; the frozen copy is the approved one.
    assert!(
        sandbox
            .git(&repo, &["branch", "--list", "fix/*"])
            .contains("fix/add-subtracts")
    );
    let frozen = r
        .events()
        .into_iter()
        .find(|e| e["kind"]["type"] == "reproduction-frozen")
        .unwrap();
    let copy = frozen["kind"]["reproduction"]["files"][0][0]
        .as_str()
        .unwrap();
    assert!(
        std::fs::read_to_string(copy)
            .unwrap()
            .contains("assert result == 5")
    );
    assert_eq!(
        frozen["kind"]["files"].as_array().unwrap().len(),
        2,
        "{frozen}"
    );
}

#[test]
fn a_frozen_copy_changed_behind_fixloops_back_stops_the_verification() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let tamper = format!(
        "{FIX_ADD}\nfor f in $(find \"$FIXLOOP_RUN_DIR/reproduction\" -name repro_add.py); do \
         echo \"print('fine')\" > \"$f\"; done\n"
    );
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, &tamper));
    info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    assert!(
        r.stdout()
            .contains("fixloop's own copy of the approved reproduction was changed"),
        "{}",
        r.stdout()
    );
    assert!(r.report()["verification"].is_null(), "nothing was verified");
}

/// The user's repository, as the agent can reach it from its worktree.
const COMMON: &str = r#"COMMON=$(git -C "$FIXLOOP_WORKDIR" rev-parse --path-format=absolute --git-common-dir)
CHECKOUT=$(dirname "$COMMON")
"#;

#[test]
fn what_the_agent_does_to_the_users_repository_is_said_and_stops_the_policy() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.git(&repo, &["branch", "feature"]);
    write(&repo.join("README.md"), "# calc\nstash me\n");
    sandbox.git(&repo, &["stash", "--quiet"]);
    let feature = sandbox.git(&repo, &["rev-parse", "feature"]);
    let vandal = format!(
        r#"{FIX_ADD}
{COMMON}
git --git-dir="$COMMON" branch -D feature >/dev/null
git --git-dir="$COMMON" config core.fsmonitor ./evil.sh
printf '#!/bin/sh\nexit 0\n' > "$COMMON/hooks/post-checkout"
git --git-dir="$COMMON" stash drop --quiet
echo "vandalised" >> "$CHECKOUT/calc.py"
"#
    );
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, &vandal));
    info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr"]);
    assert_eq!(r.code(), 3, "{}\n{}", r.stdout(), r.stderr());
    let out = r.stdout();
    for said in [
        &format!(
            "the agent deleted branch feature (it was at {}; restore with `git update-ref \
             refs/heads/feature {feature}`)",
            &feature[..12]
        )[..],
        "the agent set `fsmonitor = ./evil.sh` in .git/config",
        "the agent added the git hook `post-checkout`",
        "the agent dropped 1 stash entry",
        "the agent changed `calc.py` in your checkout",
    ] {
        assert!(out.contains(said), "{said} not in:\n{out}");
    }
    let findings = r.report()["verification"]["findings"].to_string();
    assert!(findings.contains("deleted branch feature"), "{findings}");
    // The policy stopped for a person: the candidate went no further than fixloop's own branch.
    let report = r.report();
    assert_eq!(report["status"], "partial", "{report}");
    assert_eq!(report["fix"]["pushed"], false);
    assert_eq!(
        sandbox.git(&repo, &["log", "-1", "--format=%s", "main"]),
        "Speed up add"
    );
}

#[test]
fn a_command_the_agent_names_in_the_git_configuration_is_never_run_by_fixloop() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let marker = sandbox.path().join("fsmonitor-ran");
    let hook = sandbox.path().join("fsmonitor.sh");
    write(
        &hook,
        &format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    );
    support::make_executable(&hook);
    // The agent reproduces, then points core.fsmonitor at its script before the fix is
    // committed, staged and verified by fixloop's own git.
    let fix = format!(
        "{FIX_ADD}\n{COMMON}\ngit --git-dir=\"$COMMON\" config core.fsmonitor '{0}'\n\
         git --git-dir=\"$COMMON\" config diff.external '{0}'\n",
        hook.display()
    );
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, &fix));
    info(&sandbox, &repo, &json!({}));
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr", "--no-post-fix-tests"]);
    assert!(
        r.stdout().contains("the agent set `fsmonitor = "),
        "{}",
        r.stdout()
    );
    assert!(
        !marker.exists(),
        "fixloop's git ran the agent's fsmonitor or external diff"
    );
}

/// Runs a fix agent that does `escape` after fixing, and returns what fixloop said.
fn escape(escape: &str) -> (i32, String) {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let fix = format!("{FIX_ADD}\n{COMMON}\n{escape}\n");
    let agent = sandbox.agent("agent.sh", &phased(REPRODUCE_ADD, &fix));
    info(&sandbox, &repo, &json!({}));
    sandbox.dirty(&repo);
    let before = sandbox.snapshot(&repo);
    let r = run_with_agent(&sandbox, &repo, &agent, &["--no-pr", "--approve", "all"]);
    assert_eq!(sandbox.snapshot(&repo), before, "the user's work in flight");
    // Whatever the agent did, fixloop committed nothing onto any branch but its own.
    assert_eq!(
        sandbox.git(&repo, &["log", "-1", "--format=%s", "main"]),
        "Speed up add",
        "{}",
        r.stdout()
    );
    (r.code(), r.stdout())
}

#[test]
fn a_fix_worktree_the_agent_switched_detached_or_rewrote_is_not_committed_from() {
    for (trick, said) in [
        (
            r#"git -C "$FIXLOOP_WORKDIR" checkout --quiet -b elsewhere"#,
            "the agent switched it from fix/add-subtracts to elsewhere",
        ),
        (
            r#"git -C "$FIXLOOP_WORKDIR" checkout --quiet --detach"#,
            "the agent detached its HEAD from the fix branch",
        ),
        (
            r#"git -C "$FIXLOOP_WORKDIR" commit --quiet -am wip && git -C "$FIXLOOP_WORKDIR" reset --quiet --hard $(git -C "$FIXLOOP_WORKDIR" rev-parse HEAD~2) && sed -i 's/a - b/a + b/' "$FIXLOOP_WORKDIR/calc.py""#,
            "no longer descends from the base commit",
        ),
        (
            r#"git init --quiet "$CHECKOUT/../other" && echo "gitdir: $CHECKOUT/../other/.git" > "$FIXLOOP_WORKDIR/.git""#,
            "its .git now points at",
        ),
        (
            r#"echo "gitdir: /nowhere" > "$FIXLOOP_WORKDIR/.git""#,
            "is not a git worktree any more",
        ),
        (
            r#"git -C "$FIXLOOP_WORKDIR" worktree move "$FIXLOOP_WORKDIR" "$FIXLOOP_WORKDIR-moved""#,
            "the agent moved it from",
        ),
    ] {
        let (code, out) = escape(trick);
        assert_eq!(code, 1, "{trick}:\n{out}");
        assert!(
            out.contains("the fix worktree is no longer fixloop's") && out.contains(said),
            "{trick}: `{said}` not in:\n{out}"
        );
    }
}

/// A workspace of its own (outside the repository) for a run of `name` on `repo`.
fn workspace(sandbox: &Sandbox, repo: &Path, name: &str) -> std::path::PathBuf {
    let ws = sandbox.path().join(format!("ws-{name}"));
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::copy(repo.join("ci.log"), ws.join("ci.log")).unwrap();
    sandbox.info(
        &ws,
        &json!({
            "prompt": "add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": name,
            "repo": repo.display().to_string(),
        }),
    );
    ws
}

#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "a plain test thread waits for another process to start; no runtime is blocked"
)]
fn two_runs_on_one_repository_work_apart_and_one_name_is_one_run_at_a_time() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let slow = format!("sleep 3\n{REPRODUCE_ADD}");
    let agent = sandbox.agent("agent.sh", &phased(&slow, FIX_ADD));
    let spawn = |ws: &Path| {
        sandbox
            .fixloop(ws)
            .args([
                "run",
                "--headless",
                "--no-pr",
                "--agent",
                "command",
                "--agent-cmd",
            ])
            .arg(&agent)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn(&workspace(&sandbox, &repo, "one"));
    let other = spawn(&workspace(&sandbox, &repo, "two"));
    // The same name while `one` is still going: refused at once, naming the run that holds it.
    let started = std::time::Instant::now();
    while !repo.join(".git/fixloop/locks/one.lock").is_file() {
        assert!(
            started.elapsed().as_secs() < 30,
            "the first run never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let same = sandbox
        .fixloop(&sandbox.path().join("ws-one"))
        .args(["run", "--headless", "--agent", "command", "--agent-cmd"])
        .arg(&agent)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&same.stderr);
    assert_eq!(
        same.status.code(),
        Some(1),
        "{stderr}\n{}",
        String::from_utf8_lossy(&same.stdout)
    );
    assert!(
        stderr.contains("another fixloop run (")
            && stderr.contains("is working on `one` in this repository")
            && stderr.contains("hint: let it finish, or give this failure another `name`"),
        "{stderr}"
    );
    for (name, child) in [("one", first), ("two", other)] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let branches = sandbox.git(&repo, &["branch", "--list", "fix/*"]);
    assert!(
        branches.contains("fix/one") && branches.contains("fix/two"),
        "{branches}"
    );
    // One run of `one` only: the refused one left no run folder behind.
    let runs = std::fs::read_dir(sandbox.path().join("ws-one/outputs/runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 1);
}
