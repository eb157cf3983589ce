//! Test sandbox: a temp folder with its own git configuration (no user config leaks in), a small
//! Python project with a real bug in a real git repository, a local bare remote, and helpers to
//! run the fixloop binary in it.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::unused_self,
    reason = "shared test helpers: a panic is a failed test, and not every test uses each helper"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Environment that isolates git (and anything reading HOME) from the machine's user; the
    /// index of runs goes to the sandbox's own state directory.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.path().join("home");
        vec![
            ("HOME".into(), home.display().to_string()),
            (
                "XDG_STATE_HOME".into(),
                self.path().join("state").display().to_string(),
            ),
            (
                "GIT_CONFIG_GLOBAL".into(),
                home.join(".gitconfig").display().to_string(),
            ),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("NO_COLOR".into(), "1".into()),
        ]
    }

    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .envs(self.env())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    /// The fixloop binary with the sandbox environment.
    pub fn fixloop(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fixloop"));
        cmd.current_dir(dir).envs(self.env());
        cmd
    }

    /// A repository with `calc.py` whose `add` subtracts, a test suite, and a bare `origin`.
    pub fn python_project(&self) -> PathBuf {
        let repo = self.path().join("project");
        std::fs::create_dir_all(repo.join("tests")).unwrap();
        self.git(self.path(), &["init", "--quiet", "--bare", "origin.git"]);
        self.git(&repo, &["init", "--quiet"]);
        write(&repo.join("calc.py"), "def add(a, b):\n    return a + b\n");
        write(
            &repo.join("tests/test_calc.py"),
            "import calc\n\nassert calc.add(1, 1) == 2\nprint('ok')\n",
        );
        write(&repo.join("README.md"), "# calc\n");
        write(&repo.join(".gitignore"), "__pycache__/\n");
        self.git(&repo, &["add", "-A"]);
        self.git(
            &repo,
            &[
                "-c",
                "user.name=Ada Lovelace",
                "-c",
                "user.email=ada@example.com",
                "commit",
                "--quiet",
                "-m",
                "Add calc",
            ],
        );
        write(&repo.join("calc.py"), "def add(a, b):\n    return a - b\n");
        self.git(
            &repo,
            &[
                "-c",
                "user.name=Grace Hopper",
                "-c",
                "user.email=grace@example.com",
                "commit",
                "--quiet",
                "-am",
                "Speed up add",
            ],
        );
        let origin = self.path().join("origin.git");
        self.git(
            &repo,
            &["remote", "add", "origin", &origin.display().to_string()],
        );
        self.git(&repo, &["push", "--quiet", "origin", "main"]);
        write(
            &repo.join("ci.log"),
            "2026-11-20T10:00:00.0000000Z ##[group]Run python3 tests/test_calc.py\n\
             2026-11-20T10:00:01.0000000Z Traceback (most recent call last):\n\
             2026-11-20T10:00:01.0000000Z   File \"tests/test_calc.py\", line 3, in <module>\n\
             2026-11-20T10:00:01.0000000Z     assert calc.add(1, 1) == 2\n\
             2026-11-20T10:00:01.0000000Z AssertionError\n\
             2026-11-20T10:00:01.0000000Z ##[error]Process completed with exit code 1.\n",
        );
        repo
    }

    /// The user's work in flight in `repo` (the python project): a stash entry, a staged change,
    /// an unstaged change in the very file a fix touches, and an untracked file.
    pub fn dirty(&self, repo: &Path) {
        write(&repo.join("README.md"), "# calc\nstash me\n");
        self.git(repo, &["stash", "--quiet"]);
        write(&repo.join("README.md"), "# calc\nstaged line\n");
        self.git(repo, &["add", "README.md"]);
        write(
            &repo.join("calc.py"),
            "def add(a, b):\n    return a - b  # still thinking\n",
        );
        write(&repo.join("notes.txt"), "my untracked notes\n");
    }

    /// Everything a user can have in flight in their checkout, as bytes: every file outside
    /// `.git` (but fixloop's own `outputs/` and failure folders), the branch, HEAD, the index,
    /// unstaged changes and the stash.
    pub fn snapshot(&self, repo: &Path) -> Vec<String> {
        let mut files = Vec::new();
        for entry in walk(repo) {
            let rel = entry.strip_prefix(repo).unwrap().display().to_string();
            if rel.starts_with(".git/")
                || rel.starts_with("outputs/")
                || rel.starts_with("reproduce-")
            {
                continue;
            }
            files.push(format!("{rel}:{:?}", std::fs::read(&entry).unwrap()));
        }
        files.sort();
        for args in [
            &["rev-parse", "--abbrev-ref", "HEAD"][..],
            &["rev-parse", "HEAD"],
            &["diff", "--cached"],
            &["diff"],
            &["stash", "list"],
            &["stash", "show", "-p"],
            &[
                "status",
                "--porcelain",
                "--",
                ".",
                ":!outputs",
                ":!reproduce-deterministic-failures",
            ],
        ] {
            files.push(self.git(repo, args));
        }
        files
    }

    /// Writes info.json into `dir` with these fields.
    pub fn info(&self, dir: &Path, fields: &Value) -> PathBuf {
        let path = dir.join("info.json");
        write(&path, &serde_json::to_string_pretty(fields).unwrap());
        path
    }

    /// Writes an executable agent script and returns its path.
    pub fn agent(&self, name: &str, script: &str) -> PathBuf {
        let path = self.path().join(name);
        write(&path, &format!("#!/bin/sh\nset -eu\n{script}"));
        make_executable(&path);
        path
    }
}

/// Every file under `dir`, at any depth.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

pub fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

pub fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).unwrap();
}

/// The reproduce step of a good agent: a failing test of `add`, with its manifest and notes.
pub const REPRODUCE_ADD: &str = r##"
mkdir -p "$FIXLOOP_FAILURE_DIR/tests"
cat > "$FIXLOOP_FAILURE_DIR/tests/repro_add.py" <<'PY'
import calc
result = calc.add(2, 3)
assert result == 5, f"add(2, 3) returned {result}"
PY
cat > "$FIXLOOP_FAILURE_DIR/repro.json" <<'JSON'
{"command": "PYTHONPATH=. python3 tests/repro_add.py",
 "files": [{"source": "tests/repro_add.py", "dest": "tests/repro_add.py"}],
 "signature": "add\\(2, 3\\) returned -1"}
JSON
echo "# add subtracts" > "$FIXLOOP_FAILURE_DIR/README.md"
"##;

/// The fix step of a good agent.
pub const FIX_ADD: &str = r#"
sed -i 's/a - b/a + b/' "$FIXLOOP_WORKDIR/calc.py"
echo "add used subtraction." > "$FIXLOOP_FAILURE_DIR/ROOT_CAUSE.md"
"#;

/// An agent script that runs `reproduce` or `fix` by phase, and records what it was given.
pub fn phased(reproduce: &str, fix: &str) -> String {
    format!(
        "echo \"phase=$FIXLOOP_PHASE attempt=$FIXLOOP_ATTEMPT feedback=$FIXLOOP_FEEDBACK\" >> \"$FIXLOOP_FAILURE_DIR/../agent-calls.log\"\n\
         case \"$FIXLOOP_PHASE\" in\n  reproduce)\n{reproduce}\n  ;;\n  fix)\n{fix}\n  ;;\nesac\n"
    )
}

pub struct Run {
    pub output: Output,
    pub workspace: PathBuf,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The one report JSON the run wrote.
    pub fn report(&self) -> Value {
        let outputs = self.workspace.join("outputs");
        let json = std::fs::read_dir(&outputs)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", outputs.display(), self.stdout()))
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .unwrap_or_else(|| panic!("no report in {}\n{}", outputs.display(), self.stdout()));
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
    }

    /// The run's journal events.
    pub fn events(&self) -> Vec<Value> {
        let runs = self.workspace.join("outputs/runs");
        let dir = std::fs::read_dir(&runs)
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        std::fs::read_to_string(dir.join("events.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Runs `fixloop run --headless` with extra arguments in `workspace`.
pub fn run(sandbox: &Sandbox, workspace: &Path, args: &[&str]) -> Run {
    run_env(sandbox, workspace, args, &[])
}

/// `fixloop run --headless --agent command --agent-cmd AGENT`, then `extra`, in `workspace`.
pub fn run_with_agent(sandbox: &Sandbox, workspace: &Path, agent: &Path, extra: &[&str]) -> Run {
    run_with_agent_env(sandbox, workspace, agent, extra, &[])
}

/// As [`run_with_agent`], with more environment (a GitHub stand-in, planted secrets).
pub fn run_with_agent_env(
    sandbox: &Sandbox,
    workspace: &Path,
    agent: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let agent = agent.display().to_string();
    let mut args = vec!["--agent", "command", "--agent-cmd", agent.as_str()];
    args.extend_from_slice(extra);
    run_env(sandbox, workspace, &args, env)
}

fn run_env(sandbox: &Sandbox, workspace: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = sandbox
        .fixloop(workspace)
        .arg("run")
        .arg("--headless")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("fixloop runs");
    Run {
        output,
        workspace: workspace.to_path_buf(),
    }
}

/// A small tmpfs, unmounted (lazily, so a busy one does not leak) when dropped. `None` where
/// this machine does not allow mounting, after saying why: the test is then skipped.
pub struct SmallDisk {
    dir: PathBuf,
    /// The temporary folder it was mounted in, removed after the unmount.
    temp: Option<tempfile::TempDir>,
}

impl SmallDisk {
    /// A tmpfs of `size` in a temporary folder of its own.
    pub fn mount(size: &str) -> Option<Self> {
        let temp = tempfile::tempdir().unwrap();
        let mut disk = Self::mount_at(temp.path(), size)?;
        disk.temp = Some(temp);
        Some(disk)
    }

    /// A tmpfs of `size` at `dir` (made first).
    pub fn mount_at(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(Self {
                dir: dir.to_path_buf(),
                temp: None,
            }),
            Ok(out) => {
                eprintln!(
                    "skipped: cannot mount a tmpfs here ({})",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount ({e})");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}
