//! Crash safety. A whole run — a GitHub Actions run URL to a draft PR, against a local GitHub
//! stand-in and a local bare remote, with a scripted agent — is `SIGKILLed` at many points: after
//! the n-th journal event, inside git's own ref updates (before and after a commit, a branch, a
//! push lands), on the remote as the push arrives, as the stand-in receives the PR, its labels and
//! its comment, and in the middle of the agent's work. After each kill `fixloop resume` must
//! reach the end an uninterrupted run reaches: the same branch content in one commit, one PR,
//! one comment, the user's dirty checkout byte for byte as it was, and no process of the run left.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Sandbox, write};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "ghp_killtest0123456789abcdefghijklmnopq";
const URL: &str = "https://github.com/acme/app/actions/runs/42";
const BRANCH: &str = "fix/add-subtracts";
const REPRO_BRANCH: &str = "fixloop/repro/add-subtracts";

/// Where the harness kills fixloop.
#[derive(Debug, Clone)]
enum Kill {
    /// Once the journal holds this many events.
    Events(usize),
    /// Once the journal holds an event of this type.
    After(&'static str),
    /// In git's reference-transaction hook: the `nth` transaction on `reference` in `state`
    /// (`prepared` also aborts it, as if fixloop died just before).
    Ref {
        reference: &'static str,
        state: &'static str,
        nth: u32,
    },
    /// On the remote, as the push arrives (post-receive).
    Remote,
    /// As the GitHub stand-in receives this request (it is carried out, the answer is lost).
    Http(&'static str),
    /// The agent kills fixloop in the middle of this phase's work, and keeps going a while.
    Agent(&'static str),
}

/// The GitHub stand-in's memory: what was asked of it, and whom to kill when.
#[derive(Debug, Default)]
struct Hub {
    pr: Option<Value>,
    creates: u32,
    comments: Vec<String>,
    kill: Option<(&'static str, u32)>,
}

#[derive(Clone)]
struct Route {
    hub: Arc<Mutex<Hub>>,
    name: &'static str,
    answer: fn(&mut Hub, &Request) -> ResponseTemplate,
}

impl Respond for Route {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut hub = self.hub.lock().unwrap();
        let answer = (self.answer)(&mut hub, request);
        if let Some((name, pid)) = hub.kill
            && name == self.name
        {
            hub.kill = None;
            sigkill(pid);
        }
        answer
    }
}

fn sigkill(pid: u32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    );
}

fn pr_json() -> Value {
    json!({"number": 12, "html_url": "https://github.com/acme/app/pull/12",
           "head": {"ref": BRANCH, "label": format!("acme:{BRANCH}")}})
}

async fn mount(server: &MockServer, hub: &Arc<Mutex<Hub>>, log: String, head: String) {
    let route = |name, answer| Route {
        hub: hub.clone(),
        name,
        answer,
    };
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/actions/runs/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 42, "name": "CI", "head_sha": head, "head_branch": "feature", "run_attempt": 1,
            "conclusion": "failure", "html_url": URL, "pull_requests": [{"number": 7}]})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/actions/runs/42/jobs"))
        .respond_with(route("jobs", |_, _| {
            ResponseTemplate::new(200).set_body_json(json!({"total_count": 1, "jobs": [
                {"id": 77, "name": "test", "conclusion": "failure",
                 "steps": [{"name": "Run tests", "conclusion": "failure"}]}]}))
        }))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/actions/jobs/77/logs"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/storage/77.txt", server.uri()).as_str(),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/storage/77.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_string(log))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/app/pulls"))
        .respond_with(route("find-pr", |hub, _| {
            ResponseTemplate::new(200).set_body_json(json!(hub.pr.iter().collect::<Vec<_>>()))
        }))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/pulls"))
        .respond_with(route("open-pr", |hub, request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            assert_eq!(body["head"], BRANCH);
            hub.creates += 1;
            hub.pr = Some(pr_json());
            ResponseTemplate::new(201).set_body_json(pr_json())
        }))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/app/pulls/12"))
        .respond_with(route("update-pr", |_, _| {
            ResponseTemplate::new(200).set_body_json(pr_json())
        }))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/issues/12/labels"))
        .respond_with(route("labels", |_, _| {
            ResponseTemplate::new(200).set_body_json(json!([]))
        }))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/repos/acme/app/issues/7/comments$"))
        .respond_with(route("find-comment", |hub, _| {
            let comments: Vec<Value> = hub.comments.iter().map(|b| json!({"body": b})).collect();
            ResponseTemplate::new(200).set_body_json(json!(comments))
        }))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/app/issues/7/comments"))
        .respond_with(route("comment", |hub, request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            hub.comments.push(body["body"].as_str().unwrap().to_owned());
            ResponseTemplate::new(201).set_body_json(json!({}))
        }))
        .mount(server)
        .await;
}

/// The agent: reproduce, then fix; under `KILL_AGENT=<phase>` it kills fixloop half-way through
/// that phase and goes on for a while, as an orphan the resume must stop.
const AGENT: &str = r##"
halfway() {
  if [ "${KILL_AGENT:-}" = "$FIXLOOP_PHASE" ]; then
    kill -9 "$(cat "$KILL_PIDFILE")"
    sleep 30
  fi
}
case "$FIXLOOP_PHASE" in
  reproduce)
    mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
    cat > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py" <<'PY'
import calc
result = calc.add(2, 3)
assert result == 5, f"add(2, 3) returned {result}"
PY
    halfway
    cat > "$FIXLOOP_FAILURE_DIR/repro.json" <<'JSON'
{"command": "PYTHONPATH=. python3 tests/repro_add.py",
 "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}],
 "signature": "add\\(2, 3\\) returned -1"}
JSON
    echo "# add subtracts" > "$FIXLOOP_FAILURE_DIR/README.md"
  ;;
  fix)
    sed -i 's/a - b/a + b/' "$FIXLOOP_WORKDIR/calc.py"
    halfway
    echo "add used subtraction." > "$FIXLOOP_FAILURE_DIR/ROOT_CAUSE.md"
  ;;
esac
"##;

const REF_HOOK: &str = r#"#!/bin/sh
# reference-transaction: $1 is prepared|committed|aborted; stdin has "<old> <new> <ref>" lines.
if [ -z "${KILL_REF:-}" ] || [ "$1" != "$KILL_STATE" ]; then cat >/dev/null; exit 0; fi
if grep -q " $KILL_REF\$"; then
  n=$(( $(cat "$KILL_COUNT" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$KILL_COUNT"
  if [ "$n" = "$KILL_NTH" ]; then
    kill -9 "$(cat "$KILL_PIDFILE")"
    [ "$1" = prepared ] && exit 1
  fi
fi
exit 0
"#;

const RECEIVE_HOOK: &str = r#"#!/bin/sh
cat >/dev/null
if [ "${KILL_REMOTE:-}" = 1 ]; then kill -9 "$(cat "$KILL_PIDFILE")"; fi
exit 0
"#;

/// One run's world: a dirty user checkout, hooks, the stand-in.
struct World {
    sandbox: Sandbox,
    repo: PathBuf,
    server: MockServer,
    hub: Arc<Mutex<Hub>>,
    agent: PathBuf,
    mark: String,
}

impl World {
    async fn new(mark: &str) -> Self {
        let sandbox = Sandbox::new();
        let repo = sandbox.python_project();
        let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
        // The user's work in flight: a stash, a staged and an unstaged change, untracked notes.
        sandbox.dirty(&repo);
        let hooks = repo.join(".git/hooks");
        write(&hooks.join("reference-transaction"), REF_HOOK);
        support::make_executable(&hooks.join("reference-transaction"));
        let origin_hook = sandbox.path().join("origin.git/hooks/post-receive");
        write(&origin_hook, RECEIVE_HOOK);
        support::make_executable(&origin_hook);
        let agent = sandbox.agent("agent.sh", AGENT);
        sandbox.info(
            &repo,
            &json!({
                "prompt": "tests/test_calc.py fails in CI: add(1, 1) is not 2.",
                "deterministic": true,
                "url": URL,
                "name": "add-subtracts",
                "labels": ["ci-fix"],
                "test-command": "PYTHONPATH=. python3 tests/test_calc.py",
            }),
        );
        let server = MockServer::start().await;
        let hub = Arc::new(Mutex::new(Hub::default()));
        let log = std::fs::read_to_string(repo.join("ci.log")).unwrap();
        mount(&server, &hub, log, head).await;
        Self {
            sandbox,
            repo,
            server,
            hub,
            agent,
            mark: mark.to_owned(),
        }
    }

    fn pidfile(&self) -> PathBuf {
        self.sandbox.path().join("fixloop.pid")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.sandbox.fixloop(&self.repo);
        cmd.args(args)
            .env("GITHUB_API_URL", self.server.uri())
            .env("GITHUB_TOKEN", TOKEN)
            .env("KILLTEST_MARK", &self.mark)
            .env("KILL_PIDFILE", self.pidfile())
            .env("KILL_COUNT", self.sandbox.path().join("kill-count"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn start(&self, kill: Option<&Kill>) -> Child {
        let agent = self.agent.display().to_string();
        let mut cmd = self.command(&[
            "run",
            "--headless",
            "--agent",
            "command",
            "--agent-cmd",
            &agent,
        ]);
        match kill {
            Some(Kill::Ref {
                reference,
                state,
                nth,
            }) => {
                cmd.env("KILL_REF", reference)
                    .env("KILL_STATE", state)
                    .env("KILL_NTH", nth.to_string());
            }
            Some(Kill::Remote) => {
                cmd.env("KILL_REMOTE", "1");
            }
            Some(Kill::Agent(phase)) => {
                cmd.env("KILL_AGENT", phase);
            }
            _ => {}
        }
        let child = cmd.spawn().unwrap();
        std::fs::write(self.pidfile(), child.id().to_string()).unwrap();
        if let Some(Kill::Http(name)) = kill {
            self.hub.lock().unwrap().kill = Some((name, child.id()));
        }
        child
    }

    fn run_dir(&self) -> PathBuf {
        std::fs::read_dir(self.repo.join("outputs/runs"))
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path()
    }

    fn journal_lines(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.repo.join("outputs/runs")) else {
            return Vec::new();
        };
        let Some(run) = dir.flatten().next() else {
            return Vec::new();
        };
        std::fs::read_to_string(run.path().join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The end state that must not depend on whether the run was interrupted.
    fn end_state(&self) -> Value {
        let origin = self.sandbox.path().join("origin.git");
        let git = |dir: &Path, args: &[&str]| self.sandbox.git(dir, args);
        let hub = self.hub.lock().unwrap();
        json!({
            "fix_tree": git(&origin, &["rev-parse", &format!("{BRANCH}^{{tree}}")]),
            "fix_commits": git(&origin, &["rev-list", "--count", &format!("main..{BRANCH}")]),
            "local_is_pushed": git(&self.repo, &["rev-parse", BRANCH])
                == git(&origin, &["rev-parse", BRANCH]),
            "fix_branches_local": git(&self.repo, &["for-each-ref", "--format=%(refname)", "refs/heads/fix/"]),
            "fix_branches_remote": git(&origin, &["for-each-ref", "--format=%(refname)", "refs/heads/"]),
            "repro_commits": git(&self.repo, &["rev-list", "--count", &format!("main..{REPRO_BRANCH}")]),
            "repro_tree": git(&self.repo, &["rev-parse", &format!("{REPRO_BRANCH}^{{tree}}")]),
            "worktrees": git(&self.repo, &["worktree", "list"]).lines().count(),
            "prs_opened": hub.creates,
            "comments": hub.comments.len(),
        })
    }
}

/// Waits (a little) until no process carries `mark`; fails naming `case` otherwise.
async fn none_left(mark: &str, case: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !marked(mark).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{case}: processes of the run are still alive: {:?}",
            marked(mark)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Processes whose environment carries this test's mark (the run's, and all they started).
fn marked(mark: &str) -> Vec<u32> {
    let needle = format!("KILLTEST_MARK={mark}");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
        })
        .collect()
}

fn output(child: Child) -> (Option<i32>, Option<i32>, String) {
    use std::os::unix::process::ExitStatusExt;
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        out.status.signal(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// An uninterrupted run: its end state and how many events it journals.
async fn reference() -> (Value, usize) {
    let world = World::new("reference").await;
    let before = world.sandbox.snapshot(&world.repo);
    let (code, _, text) = output(world.start(None));
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(before, world.sandbox.snapshot(&world.repo));
    (world.end_state(), world.journal_lines().len())
}

/// Kills a run at `kill`, resumes it, and checks it ends like `expected`. Returns where in the
/// journal the kill landed (its event count and the last event's type).
async fn kill_and_resume(case: usize, kill: &Kill, expected: &Value) -> (usize, String) {
    let mark = format!("case-{case}-{}", std::process::id());
    let world = World::new(&mark).await;
    let before = world.sandbox.snapshot(&world.repo);
    let mut child = world.start(Some(kill));
    let there = |lines: &[String]| match kill {
        Kill::Events(n) => Some(lines.len() >= *n),
        Kill::After(kind) => Some(
            lines
                .iter()
                .any(|l| l.contains(&format!("\"type\":\"{kind}\""))),
        ),
        _ => None,
    };
    if there(&[]).is_some() {
        let deadline = Instant::now() + Duration::from_secs(120);
        while there(&world.journal_lines()) == Some(false) {
            assert!(
                Instant::now() < deadline,
                "{kill:?}: the journal never got there"
            );
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        sigkill(child.id());
    }
    let (code, signal, text) = output(child);
    assert_eq!(
        (code, signal),
        (None, Some(9)),
        "{kill:?}: fixloop was not killed:\n{text}"
    );
    let lines = world.journal_lines();
    let last: Value = lines
        .iter()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    let landed = (
        lines.len(),
        last["kind"]["type"].as_str().unwrap_or("").to_owned(),
    );

    let run_id = world
        .run_dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let resumed = world
        .command(&["resume", &run_id, "--headless"])
        .spawn()
        .unwrap();
    let (code, _, text) = output(resumed);
    assert_eq!(code, Some(0), "{kill:?} (landed at {landed:?}):\n{text}");
    assert_eq!(
        &world.end_state(),
        expected,
        "{kill:?} (landed at {landed:?}):\n{text}"
    );
    assert_eq!(
        before,
        world.sandbox.snapshot(&world.repo),
        "{kill:?}: the user's checkout changed"
    );
    let report = std::fs::read_dir(world.repo.join("outputs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(report["status"], "success", "{kill:?}");
    assert_eq!(
        report["pr"]["url"], "https://github.com/acme/app/pull/12",
        "{kill:?}"
    );
    // Nothing of the run is left running (the agent that outlived fixloop was stopped).
    none_left(&mark, &format!("{kill:?}")).await;
    landed
}

fn named_points() -> Vec<Kill> {
    let r = |reference, state, nth| Kill::Ref {
        reference,
        state,
        nth,
    };
    vec![
        Kill::Http("jobs"),
        Kill::Agent("reproduce"),
        r("refs/heads/fixloop/repro/add-subtracts", "prepared", 1),
        r("refs/heads/fixloop/repro/add-subtracts", "committed", 1),
        r("refs/heads/fix/add-subtracts", "prepared", 1),
        r("refs/heads/fix/add-subtracts", "committed", 1),
        Kill::Agent("fix"),
        r("refs/heads/fix/add-subtracts", "committed", 2),
        r("refs/heads/fix/add-subtracts", "prepared", 3),
        r("refs/heads/fix/add-subtracts", "committed", 3),
        Kill::Remote,
        r("refs/remotes/origin/fix/add-subtracts", "committed", 1),
        Kill::Http("find-pr"),
        Kill::Http("open-pr"),
        Kill::Http("labels"),
        Kill::Http("find-comment"),
        Kill::Http("comment"),
        Kill::After("pr-opened"),
        Kill::After("worktrees-removed"),
        Kill::After("developers-found"),
    ]
}

/// Kills each run at one of `points`, resumes it, and checks it ends like `expected`; returns
/// the distinct points: where in the journal each kill landed and, inside a step, which side
/// effect it cut (a hook or request names it).
async fn kill_each(points: &[Kill], expected: &Value, first_case: usize) -> Vec<String> {
    let mut landed = Vec::new();
    for (case, kill) in points.iter().enumerate() {
        let (events, last) = kill_and_resume(first_case + case, kill, expected).await;
        println!("{kill:?}: killed after event {events} ({last})");
        landed.push(match kill {
            Kill::Events(_) => format!("after event {events} ({last})"),
            // Two hooks after different steps may land on the same event under load: each is
            // a point of its own all the same.
            Kill::After(name) => format!("after {name}: event {events} ({last})"),
            named => format!("{named:?} after event {events}"),
        });
    }
    landed.sort();
    landed.dedup();
    landed
}

fn check_reference(expected: &Value) {
    assert_eq!(expected["prs_opened"], 1);
    assert_eq!(expected["comments"], 1);
    assert_eq!(expected["fix_commits"], "1");
    assert_eq!(expected["repro_commits"], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_inside_side_effects_resume_ends_like_an_uninterrupted_run() {
    let (expected, _) = reference().await;
    check_reference(&expected);
    let landed = kill_each(&named_points(), &expected, 0).await;
    assert!(landed.len() >= 20, "{landed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_between_events_resume_ends_like_an_uninterrupted_run() {
    let (expected, events) = reference().await;
    check_reference(&expected);
    // After every few events, from the first to near the last (how many events a run writes
    // varies a little with how its output is batched).
    let spread = 20;
    let last = events * 85 / 100;
    let points: Vec<Kill> = (0..spread)
        .map(|i| Kill::Events(2 + i * (last - 2) / (spread - 1)))
        .collect();
    let landed = kill_each(&points, &expected, 100).await;
    // Events come in batches, so a few of these land on the same point.
    assert!(landed.len() >= 12, "{landed:?}");
}

/// The agent names its session (as Claude Code's stream-json does) and fixloop is killed while
/// the agent works: the resumed run continues that session, telling the agent it was cut off.
#[tokio::test(flavor = "multi_thread")]
async fn a_cut_agent_step_continues_its_own_session() {
    let world = World::new(&format!("session-{}", std::process::id())).await;
    let script = r#"
echo "phase=$FIXLOOP_PHASE attempt=$FIXLOOP_ATTEMPT first=$(head -c 40 "$FIXLOOP_PROMPT_FILE")" >> "$FIXLOOP_FAILURE_DIR/../calls.log"
if [ ! -f "$FIXLOOP_FAILURE_DIR/../cut-once" ] && [ "$FIXLOOP_PHASE" = reproduce ]; then
  echo '{"type":"system","subtype":"init","session_id":"sess-42","model":"test"}'
  touch "$FIXLOOP_FAILURE_DIR/../cut-once"
  sleep 30
fi
"#;
    let agent = world
        .sandbox
        .agent("session-agent.sh", &format!("{script}\n{AGENT}"));
    let agent = agent.display().to_string();
    let mut cmd = world.command(&[
        "run",
        "--headless",
        "--agent",
        "command",
        "--agent-cmd",
        &agent,
    ]);
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !world
        .journal_lines()
        .iter()
        .any(|l| l.contains("\"type\":\"agent-session\""))
    {
        assert!(Instant::now() < deadline, "the session was never journaled");
        assert!(child.try_wait().unwrap().is_none(), "fixloop ended early");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sigkill(child.id());
    let _ = output(child);
    let run_id = world
        .run_dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let (code, _, text) = output(
        world
            .command(&["resume", &run_id, "--headless"])
            .spawn()
            .unwrap(),
    );
    assert_eq!(code, Some(0), "{text}");
    let started: Vec<Value> = world
        .journal_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["kind"]["type"] == "agent-started" && e["kind"]["phase"] == "reproduce")
        .collect();
    assert_eq!(started.len(), 2, "{started:?}");
    assert_eq!(started[0]["kind"]["resume"], Value::Null);
    assert_eq!(started[1]["kind"]["resume"], "sess-42");
    let calls = std::fs::read_to_string(
        world
            .repo
            .join("reproduce-deterministic-failures/calls.log"),
    )
    .unwrap();
    let reproduce: Vec<&str> = calls
        .lines()
        .filter(|l| l.starts_with("phase=reproduce"))
        .collect();
    assert_eq!(reproduce.len(), 2, "{calls}");
    assert!(
        reproduce[1].contains("first=fixloop was stopped while you"),
        "{calls}"
    );
    // The orphaned agent was stopped by the resume.
    none_left(&world.mark, "session").await;
}
