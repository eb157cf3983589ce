//! The workbench every step works on: the run's setup, its event stream (and through it the one
//! live view of the run), the ports, and what steps share: worktree paths, the reproduction in
//! force, and running test commands once or many times at once.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use regex::Regex;
use tokio::sync::watch;

use super::emitter::Emitter;
use super::ports::{Agent, Decider, Forge, Vcs};
use super::process::{self, Ending, Spec};
use super::setup::{Setup, read_reproduction};
use super::stress;
use crate::core::error::StepError;
use crate::core::event::{EventKind, FrozenFile, LineKind, OutputLine, Phase, TestRuns};
use crate::core::setup::{Check, Reproduction};
use crate::core::verdict::TestRun;
use crate::core::view::RunView;

/// Variables no child of a run sees: fixloop pushes and talks to GitHub itself; and in GitHub
/// Actions, the runner's files that change the job's later steps (its environment, path,
/// outputs and summary) and its tokens for artifacts, caches and identity.
pub const HIDDEN_FROM_CHILDREN: &[&str] = &[
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "FIXLOOP_APP_TOKEN",
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_RUNTIME_URL",
    "ACTIONS_RESULTS_URL",
    "ACTIONS_CACHE_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
];

/// The model providers' keys: the agent needs its own, but the repository's tests and checks
/// (code the agent may have written) never see one.
pub const MODEL_KEYS: &[&str] = &[
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "AWS_BEARER_TOKEN_BEDROCK",
];

/// What a child's environment gains and loses against fixloop's own.
struct Environment {
    set: Vec<(String, String)>,
    remove: Vec<String>,
    /// Whether the step's marker is in it (see `Spec::marked`).
    marked: bool,
}

/// Variables a check outside the test runner keeps: what finds the system's and the
/// toolchains' programs and caches, and the locale. Everything else fixloop has (the run's
/// variables, CI's, a runner's, tokens) is removed.
const OUTSIDE_KEPT: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "GOPATH",
    "GOROOT",
    "GOCACHE",
    "GOMODCACHE",
    "GOPROXY",
    "GONOSUMDB",
    "GOPRIVATE",
    "NVM_DIR",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "VIRTUAL_ENV",
    "JAVA_HOME",
];

/// The environment of a check outside the test runner, from the names of fixloop's own
/// variables: all removed but [`OUTSIDE_KEPT`] and the locale's; Python told to leave the
/// working directory off its path, skip user site-packages and keep byte-code in `caches` (a
/// cache file left in the tree is not read).
fn outside_env(inherited: impl Iterator<Item = String>, caches: &Path) -> Environment {
    let remove = inherited
        .filter(|name| !OUTSIDE_KEPT.contains(&name.as_str()) && !name.starts_with("LC_"))
        .collect();
    let set = [
        ("PYTHONSAFEPATH", "1".to_owned()),
        ("PYTHONNOUSERSITE", "1".to_owned()),
        ("PYTHONDONTWRITEBYTECODE", "1".to_owned()),
        ("PYTHONPYCACHEPREFIX", caches.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // Not even the step's marker: nothing in it tells the check from a program run by hand.
    Environment {
        set,
        remove,
        marked: false,
    }
}

/// Build folders shared between checkouts: a test run builds in its own checkout, so one
/// checkout's stale binaries never stand in for another's (cargo goes by file times).
const SHARED_BUILD_DIRS: &[&str] = &["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"];

/// A run's setup, event stream and ports, as every step receives them.
pub struct Bench {
    pub setup: Setup,
    pub emitter: Emitter,
    pub vcs: Box<dyn Vcs>,
    pub agent: Box<dyn Agent>,
    pub forge: Box<dyn Forge>,
    pub decider: Box<dyn Decider>,
    /// Turns `true` when the run is to stop (Ctrl-C, SIGTERM).
    pub cancel: watch::Receiver<bool>,
}

impl std::fmt::Debug for Bench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bench")
            .field("run_id", &self.setup.run_id)
            .finish_non_exhaustive()
    }
}

impl Bench {
    pub fn emit(&self, kind: EventKind) {
        self.emitter.emit(kind);
    }

    pub fn warn(&self, message: impl Into<String>) {
        self.emit(EventKind::Warned {
            message: message.into(),
        });
    }

    /// Reads the run's live view: everything the journal holds, as the one reducer sees it.
    pub fn view<T>(&self, read: impl FnOnce(&RunView) -> T) -> T {
        self.emitter.with_view(read)
    }

    #[must_use]
    pub fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Where this run's worktree `suffix` goes (inside the repository's git directory).
    pub async fn worktree_path(&self, suffix: &str) -> Result<PathBuf, StepError> {
        let dir = self.vcs.worktrees_dir().await?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| StepError::io(format!("cannot create {}: {e}", dir.display())))?;
        Ok(dir.join(format!("{}-{suffix}", self.setup.run_id)))
    }

    /// Removes a worktree of this run that an earlier, cut-off attempt at the step left behind.
    pub async fn discard_worktree(&self, path: &Path) {
        if path.exists() {
            let _ = self.vcs.remove_worktree(path).await;
            let _ = std::fs::remove_dir_all(path);
        }
        self.vcs.prune_worktrees().await;
    }

    /// The approved reproduction, from fixloop's frozen copy, after checking that the copy is
    /// still as it was frozen (the agent can reach the run's folder). Before approval (or for a
    /// journal written before 0.2), the reproduction in force.
    pub fn approved_reproduction(&self) -> Result<Option<Reproduction>, StepError> {
        let frozen = self.view(|v| v.frozen.clone());
        let changed: Vec<String> = changed_copies(&frozen)
            .iter()
            .map(|f| f.copy.clone())
            .collect();
        if !changed.is_empty() {
            return Err(StepError::error(format!(
                "fixloop's own copy of the approved reproduction was changed ({}): what would \
                 be verified is no longer what was approved",
                changed.join(", ")
            ))
            .hint("start the run again; keep agents out of the run's folder"));
        }
        Ok(self.reproduction())
    }

    /// The reproduction the run checks against. Journals written before 0.2 did not record the
    /// reproduce step's; it is read again from the failure folder.
    #[must_use]
    pub fn reproduction(&self) -> Option<Reproduction> {
        let (current, checked) =
            self.view(|v| (v.current_reproduction.clone(), !v.reproductions.is_empty()));
        if current.is_some() || !checked {
            return current;
        }
        match read_reproduction(&self.setup.failure_dir) {
            Ok(repro) => Some(repro),
            Err(e) => {
                self.warn(format!(
                    "the reproduction cannot be read again: {}",
                    e.with_hints()
                ));
                None
            }
        }
    }

    /// How long one run of `repro` may take.
    #[must_use]
    pub fn test_timeout(&self, repro: &Reproduction) -> Duration {
        repro
            .timeout
            .map_or(self.setup.test_budget(), Duration::from_secs)
    }

    /// The variables every child of the run carries (a resumed run finds a killed run's
    /// leftovers by `FIXLOOP_RUN_DIR`).
    #[must_use]
    pub fn child_env(&self) -> Vec<(String, String)> {
        vec![
            ("FIXLOOP_RUN_ID".into(), self.setup.run_id.clone()),
            (
                "FIXLOOP_RUN_DIR".into(),
                self.setup.run_dir.display().to_string(),
            ),
        ]
    }

    /// What an agent's process does not get: GitHub's tokens.
    #[must_use]
    pub fn hidden_env() -> Vec<String> {
        HIDDEN_FROM_CHILDREN
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    /// What a test run does not get: GitHub's tokens, the model keys and the build folders
    /// shared with the user's own builds.
    fn hidden_from_tests() -> Vec<String> {
        HIDDEN_FROM_CHILDREN
            .iter()
            .chain(MODEL_KEYS)
            .chain(SHARED_BUILD_DIRS)
            .map(|s| (*s).to_owned())
            .collect()
    }

    /// Runs `command` `runs` times in `cwd`, one after the other; each run's output is streamed
    /// into the run's events and logged to `logs/<purpose>-<n>.log`. With `fresh`, that
    /// reproduction's files are placed again before every run, so no run sees what an earlier
    /// one (or the code under test) did to them.
    #[expect(
        clippy::too_many_arguments,
        reason = "what runs, where, how often, how long, and with which files: no natural group"
    )]
    pub async fn run_tests(
        &self,
        phase: Phase,
        purpose: &str,
        command: &str,
        cwd: &Path,
        runs: u32,
        timeout: Duration,
        fresh: Option<&Reproduction>,
    ) -> Result<Vec<TestRun>, StepError> {
        let mut results = Vec::new();
        for run in 1..=runs {
            if let Some(repro) = fresh {
                place(repro, cwd)?;
            }
            let mut env = self.child_env();
            env.push(("FIXLOOP_TEST_RUN".into(), run.to_string()));
            let remove = Self::hidden_from_tests();
            let (result, cancelled) = self
                .run_once(
                    phase,
                    purpose,
                    (run, runs),
                    command,
                    cwd,
                    timeout,
                    Environment {
                        set: env,
                        remove,
                        marked: true,
                    },
                )
                .await?;
            results.push(result);
            if cancelled {
                break;
            }
        }
        Ok(results)
    }

    /// Runs the reproduction's check outside the test runner once in `root` (its files placed
    /// for the run and taken out after), in an environment unlike a test run's: none of the
    /// run's or a runner's variables, only what finds the toolchains (see [`outside_env`]),
    /// Python isolated from the working directory and its byte-code caches.
    pub async fn run_outside(
        &self,
        phase: Phase,
        purpose: &str,
        repro: &Reproduction,
        check: &Check,
        root: &Path,
    ) -> Result<TestRun, StepError> {
        let caches = self.setup.run_dir.join("outside-caches").join(purpose);
        let _ = std::fs::remove_dir_all(&caches);
        std::fs::create_dir_all(&caches)
            .map_err(|e| StepError::io(format!("cannot create {}: {e}", caches.display())))?;
        let environment = outside_env(std::env::vars().map(|(k, _)| k), &caches);
        place_files(&check.files, root)?;
        let ran = self
            .run_once(
                phase,
                purpose,
                (1, 1),
                &check.command,
                root,
                self.test_timeout(repro),
                environment,
            )
            .await;
        unplace_files(&check.files, root);
        Ok(ran?.0)
    }

    /// What the next AI step may spend, in US dollars: its own budget, or what is left of the
    /// run's if that is less. An error when the run's budget is spent: the run stops there (exit
    /// 3), and a resume with a larger `--budget-usd` goes on.
    pub fn step_allowance(&self) -> Result<f64, StepError> {
        let spent = self.view(RunView::cost_usd).unwrap_or(0.0);
        let budget = self.setup.run_budget_usd();
        let left = budget - spent;
        if left < 0.01 {
            return Err(StepError::budget(format!(
                "the run's budget for agents is spent: ${spent:.2} of ${budget:.2}"
            ))
            .hint(format!(
                "resume with a larger budget: `{} --budget-usd {:.0}`",
                self.setup.resume_command(),
                (budget * 2.0).max(spent + 1.0).ceil()
            )));
        }
        Ok(left.min(self.setup.step_budget_usd()))
    }

    /// The file with the log excerpt an agent reads (an empty one when the run has no logs).
    #[must_use]
    pub fn excerpt_file(&self) -> PathBuf {
        self.view(|v| v.logs.as_ref().map(|l| PathBuf::from(&l.excerpt)))
            .unwrap_or_else(|| {
                let empty = self.setup.run_dir.join("empty-excerpt.txt");
                let _ = std::fs::write(&empty, "");
                empty
            })
    }

    /// Runs `command` (fixloop itself, for a step done by a run of its own) once in `cwd`,
    /// contained as every child is: with the agent's environment (the model keys, none of the
    /// tokens fixloop holds), its output streamed as `phase`'s and logged as `purpose`.
    pub async fn run_nested(
        &self,
        phase: Phase,
        purpose: &str,
        command: &str,
        cwd: &Path,
        timeout: Duration,
    ) -> Result<TestRun, StepError> {
        let environment = Environment {
            set: self.child_env(),
            remove: Self::hidden_env(),
            marked: true,
        };
        let (result, _) = self
            .run_once(phase, purpose, (1, 1), command, cwd, timeout, environment)
            .await?;
        Ok(result)
    }

    /// One run of `command`, streamed into the run's events and logged; whether it was
    /// cancelled. A log that cannot be written is an I/O failure of the step.
    #[expect(
        clippy::too_many_arguments,
        reason = "what runs, where, which run, how long, in which environment: no natural group"
    )]
    async fn run_once(
        &self,
        phase: Phase,
        purpose: &str,
        (run, of): (u32, u32),
        command: &str,
        cwd: &Path,
        timeout: Duration,
        environment: Environment,
    ) -> Result<(TestRun, bool), StepError> {
        let log = self
            .setup
            .run_dir
            .join("logs")
            .join(format!("{purpose}-{run}.log"));
        let mut spec = Spec::shell(command, cwd.to_path_buf(), log.clone());
        spec.timeout = Some(timeout);
        spec.env = environment.set;
        spec.env_remove = environment.remove;
        spec.marked = environment.marked;
        let emitter = self.emitter.clone();
        let mut sink = move |lines: Vec<process::Line>| {
            let lines = lines
                .into_iter()
                .map(|l| OutputLine {
                    kind: if l.stderr {
                        LineKind::Stderr
                    } else {
                        LineKind::Stdout
                    },
                    text: l.text,
                })
                .collect();
            emitter.emit(EventKind::TestOutput { phase, run, lines });
        };
        let mut cancel = self.cancel.clone();
        let finished = match process::run(&spec, &mut sink, &mut cancel).await {
            Ok(f) => f,
            Err(e) if e.is_log() => return Err(self.output_lost(e.to_string())),
            Err(e) => process::Finished {
                ending: Ending::Exited(127),
                duration: Duration::ZERO,
                tail: vec![e.to_string()],
            },
        };
        self.emit(EventKind::TestRunFinished {
            phase,
            purpose: purpose.to_owned(),
            run,
            of,
            exit_code: finished.exit_code(),
            timed_out: finished.ending == Ending::TimedOut,
            duration_ms: u64::try_from(finished.duration.as_millis()).unwrap_or(u64::MAX),
            log: log.display().to_string(),
        });
        let cancelled = finished.ending == Ending::Cancelled;
        let result = TestRun {
            exit_code: finished.exit_code(),
            tail: finished.tail_text(),
            output: process::read_tail(&log, 4 << 20),
        };
        Ok((result, cancelled))
    }

    /// Many runs of a reproduction at once (flaky failures), with progress in the run's output:
    /// up to `runs`, stopping after `stop_after_failures` failures or when the budget ends. A
    /// run's log that cannot be written stops them all and is the error.
    pub async fn stress(
        &self,
        phase: Phase,
        purpose: &str,
        repro: &Reproduction,
        cwd: &Path,
        runs: u32,
        stop_after_failures: Option<u32>,
    ) -> Result<stress::Outcome, StepError> {
        let cores =
            std::thread::available_parallelism().map_or(2, |n| u32::try_from(n.get()).unwrap_or(2));
        let recorded = &self.setup.recorded;
        let spec = stress::StressSpec {
            command: repro.command.clone(),
            cwd: cwd.to_path_buf(),
            runs,
            jobs: self.setup.info.parallel.unwrap_or(cores).max(1),
            timeout: self.test_timeout(repro),
            budget: Some(self.setup.test_budget()),
            stop_after_failures,
            logs_dir: self.setup.run_dir.join("logs").join(purpose),
            seed: 1,
            env: self.child_env(),
            env_remove: Self::hidden_from_tests(),
            ci_signature: repro.signature.as_deref().and_then(|s| Regex::new(s).ok()),
            nice: recorded.nice,
        };
        let load = recorded.cpu_load.then(|| stress::cpu_load(cores));
        let emitter = self.emitter.clone();
        let mut last = Instant::now();
        let mut progress = move |p: stress::Progress| {
            if last.elapsed() >= Duration::from_secs(1) || p.done == p.planned {
                last = Instant::now();
                emitter.emit(EventKind::TestOutput {
                    phase,
                    run: p.done,
                    lines: vec![OutputLine {
                        kind: LineKind::Status,
                        text: stress::progress_line(p.done, p.planned, p.failures, p.elapsed),
                    }],
                });
            }
        };
        let outcome = stress::run(&spec, &mut progress, self.cancel.clone()).await;
        if let Some(stop) = load {
            let _ = stop.send(true);
        }
        match &outcome.log_write_error {
            Some(error) => Err(self.output_lost(error.clone())),
            None => Ok(outcome),
        }
    }

    /// A child's output could not be kept (its log could not be written): what the step saw
    /// is not all on record, so the run stops (exit 74), to be resumed once there is room.
    #[must_use]
    pub fn output_lost(&self, message: String) -> StepError {
        StepError::io(message).hint(format!(
            "free some space (or fix the permissions), then `{}`",
            self.setup.resume_command()
        ))
    }
}

/// A stress measurement as the run's records keep it.
#[must_use]
pub fn measured(command: &str, outcome: &stress::Outcome) -> TestRuns {
    TestRuns {
        command: command.to_owned(),
        runs: outcome.runs,
        failures: outcome.failures,
        matching: outcome.matching,
        output: outcome.first_failure_output.clone(),
    }
}

/// SHA-256 of a file's content, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hasher.finalize().iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    }))
}

/// Copies a reproduction's files (and its `repro.json`, when given) into `dir`, hashed: the
/// copy is what runs and what is kept, whatever happens to the originals.
pub fn copy_reproduction(
    repro: &Reproduction,
    manifest: Option<&Path>,
    dir: &Path,
) -> Result<(Reproduction, Vec<FrozenFile>), StepError> {
    let _ = std::fs::remove_dir_all(dir);
    let keep = |source: &Path, copy: &Path| -> Result<FrozenFile, StepError> {
        copy_file(source, copy)?;
        let sha256 = sha256_file(copy)
            .map_err(|e| StepError::error(format!("cannot read {}: {e}", copy.display())))?;
        Ok(FrozenFile {
            source: source.display().to_string(),
            copy: copy.display().to_string(),
            sha256,
        })
    };
    let mut copied = repro.clone();
    copied.files.clear();
    let mut files = Vec::new();
    for (source, dest) in &repro.files {
        let copy = dir.join("files").join(dest);
        files.push(keep(source, &copy)?);
        copied.files.push((copy, dest.clone()));
    }
    if let (Some(check), Some(copied)) = (&repro.check, &mut copied.check) {
        copied.files.clear();
        for (source, dest) in &check.files {
            let copy = dir.join("check").join(dest);
            files.push(keep(source, &copy)?);
            copied.files.push((copy, dest.clone()));
        }
    }
    if let Some(manifest) = manifest {
        files.push(keep(manifest, &dir.join("repro.json"))?);
    }
    Ok((copied, files))
}

/// The files whose content no longer has the hash it was kept with.
#[must_use]
pub fn changed_copies(files: &[FrozenFile]) -> Vec<&FrozenFile> {
    files
        .iter()
        .filter(|f| sha256_file(Path::new(&f.copy)).ok().as_deref() != Some(f.sha256.as_str()))
        .collect()
}

/// Places the reproduction's files in a worktree. Each lands whole or not at all (copied beside
/// its place, then renamed), so a run killed while placing never leaves half a test behind.
pub fn place(repro: &Reproduction, root: &Path) -> Result<(), StepError> {
    place_files(&repro.files, root)
}

/// Places files (source, destination under `root`), each whole or not at all.
pub fn place_files(files: &[(PathBuf, String)], root: &Path) -> Result<(), StepError> {
    for (source, dest) in files {
        let target = root.join(dest);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let placing = target.with_file_name(format!(".{name}.fixloop-placing"));
        copy_file(source, &placing)?;
        std::fs::rename(&placing, &target)
            .map_err(|e| StepError::io(format!("cannot place {}: {e}", target.display())))?;
    }
    Ok(())
}

/// Takes placed files out of `root` again.
pub fn unplace_files(files: &[(PathBuf, String)], root: &Path) {
    for (_, dest) in files {
        let _ = std::fs::remove_file(root.join(dest));
    }
}

pub fn copy_file(from: &Path, to: &Path) -> Result<(), StepError> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| StepError::io(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::copy(from, to).map(|_| ()).map_err(|e| {
        StepError::io(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_outside_the_runner_keeps_only_what_finds_the_toolchains() {
        let inherited = [
            "PATH",
            "HOME",
            "LC_ALL",
            "CARGO_HOME",
            "FIXLOOP_RUN_DIR",
            "FIXLOOP_TEST_RUN",
            "PYTEST_CURRENT_TEST",
            "NODE_OPTIONS",
            "PYTHONPATH",
            "CI",
            "GITHUB_TOKEN",
            "RUST_TEST_THREADS",
        ]
        .map(str::to_owned);
        let env = outside_env(inherited.into_iter(), Path::new("/caches"));
        assert_eq!(
            env.remove,
            [
                "FIXLOOP_RUN_DIR",
                "FIXLOOP_TEST_RUN",
                "PYTEST_CURRENT_TEST",
                "NODE_OPTIONS",
                "PYTHONPATH",
                "CI",
                "GITHUB_TOKEN",
                "RUST_TEST_THREADS",
            ]
        );
        assert!(env.set.contains(&("PYTHONSAFEPATH".into(), "1".into())));
        assert!(
            env.set
                .contains(&("PYTHONPYCACHEPREFIX".into(), "/caches".into()))
        );
        assert!(env.set.iter().all(|(k, _)| !k.starts_with("FIXLOOP_")));
        assert!(!env.marked);
    }
}
