//! Runs a pipeline: feeds it inputs, carries out its effects with the adapters, and emits every
//! event through the [`Emitter`]. fixloop's own checks (the reproduction fails like CI, the fix
//! makes it pass, the test fails again without the fix) happen here, with real processes.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use regex::Regex;
use tokio::sync::watch;

use super::emitter::Emitter;
use super::logs;
use super::ports::{Agent, AgentOutcome, AgentRequest, Decider, Forge, PrOutcome, PrRequest};
use super::process::{self, Ending, Spec};
use super::store::read_journal;
use super::stress;
use crate::adapters::git::Git;
use crate::core::event::{
    Event, EventKind, FailureClass, GivenReproduction, LineKind, OutputLine, Phase, RunSetup,
    RunStatus, TestRuns,
};
use crate::core::info::Info;
use crate::core::integrity;
use crate::core::pipeline::{Effect, Input, Pipeline, Replayed, Settings, record_of};
use crate::core::prompt;
use crate::core::report;
use crate::core::repro::{Manifest, foreign_failure, is_test_path};
use crate::core::runurl::RunUrl;
use crate::core::stats;
use crate::core::view::{Conclusion, RunView};

/// The built-in prompts, used when the workspace has no `AI_PROMPT.md` of its own.
pub const PROMPT_DETERMINISTIC: &str =
    include_str!("../../reproduce-deterministic-failures/AI_PROMPT.md");
pub const PROMPT_FLAKY: &str = include_str!("../../reproduce-ND-failures/AI_PROMPT.md");
pub const PROMPT_FIX: &str = include_str!("../../implementing-features/AI_PROMPT.md");

/// How much of a diff an event carries (the branch holds all of it).
const MAX_DIFF: usize = 64 * 1024;

/// A reproduction ready to place and run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reproduction {
    pub command: String,
    /// (absolute source, destination relative to the repository).
    pub files: Vec<(PathBuf, String)>,
    pub signature: Option<String>,
    pub timeout: Option<u64>,
}

impl Reproduction {
    /// Resolves a manifest's files against its failure folder; missing sources are an error.
    pub fn from_manifest(manifest: &Manifest, failure_dir: &Path) -> Result<Self, String> {
        let mut files = Vec::new();
        for f in &manifest.files {
            let source = failure_dir.join(&f.source);
            if !source.is_file() {
                return Err(format!(
                    "{}: field `files`: `{}` does not exist in {}\n  hint: write the file there, \
                     or fix its `source` path (relative to the failure folder)",
                    failure_dir.join("repro.json").display(),
                    f.source,
                    failure_dir.display()
                ));
            }
            files.push((source, f.dest.clone()));
        }
        Ok(Self {
            command: manifest.command.clone(),
            files,
            signature: manifest.signature.clone(),
            timeout: manifest.timeout,
        })
    }

    /// As the journal keeps it.
    #[must_use]
    pub fn given(&self) -> GivenReproduction {
        GivenReproduction {
            command: self.command.clone(),
            files: self
                .files
                .iter()
                .map(|(source, dest)| (source.display().to_string(), dest.clone()))
                .collect(),
            signature: self.signature.clone(),
            timeout: self.timeout,
        }
    }

    #[must_use]
    pub fn from_given(given: &GivenReproduction) -> Self {
        Self {
            command: given.command.clone(),
            files: given
                .files
                .iter()
                .map(|(source, dest)| (PathBuf::from(source), dest.clone()))
                .collect(),
            signature: given.signature.clone(),
            timeout: given.timeout,
        }
    }

    fn describe(&self) -> String {
        let mut text = format!("Command (from the repository root): `{}`\n", self.command);
        for (source, dest) in &self.files {
            let _ = writeln!(text, "- `{dest}` (from `{}`)", source.display());
        }
        if let Some(sig) = &self.signature {
            let _ = writeln!(text, "- CI failure signature (regular expression): `{sig}`");
        }
        text
    }
}

/// Everything a run needs, resolved before it starts.
#[derive(Debug, Clone)]
pub struct Setup {
    pub run_id: String,
    pub run_dir: PathBuf,
    pub workspace: PathBuf,
    pub repo: PathBuf,
    pub failure_dir: PathBuf,
    pub info: Info,
    pub name: String,
    pub base: String,
    pub remote: Option<String>,
    pub headless: bool,
    pub policy: String,
    pub existing: Option<Reproduction>,
    pub ai_budget: Duration,
    pub test_budget: Duration,
    pub settings: Settings,
    /// Stress runs under `nice`, and with every core kept busy.
    pub nice: bool,
    pub cpu_load: bool,
    /// Recorded for `fixloop resume`, which builds the same agent and forge again.
    pub agent_cmd: Option<String>,
    pub github_api_url: Option<String>,
}

impl Setup {
    /// What the journal keeps so that `fixloop resume` carries on with the same choices.
    #[must_use]
    pub fn record(&self) -> RunSetup {
        RunSetup {
            settings: self.settings.clone(),
            remote: self.remote.clone(),
            agent_cmd: self.agent_cmd.clone(),
            github_api_url: self.github_api_url.clone(),
            ai_budget_secs: self.ai_budget.as_secs(),
            test_budget_secs: self.test_budget.as_secs(),
            nice: self.nice,
            cpu_load: self.cpu_load,
            existing: self.existing.as_ref().map(Reproduction::given),
        }
    }
}

type Outcome = Result<EventKind, (FailureClass, String)>;

pub struct Driver {
    setup: Setup,
    emitter: Emitter,
    pipeline: Pipeline,
    git: Git,
    agent: Box<dyn Agent>,
    forge: Box<dyn Forge>,
    decider: Box<dyn Decider>,
    cancel: watch::Receiver<bool>,
    scratch: Option<PathBuf>,
    fix_worktree: Option<PathBuf>,
    fix_branch: Option<String>,
    base_commit: Option<String>,
    repro: Option<Reproduction>,
    prompt_file: PathBuf,
    /// The failing run's head commit, when the logs came from a run URL.
    head_sha: Option<String>,
    /// A flaky reproduction's measured (failures like CI, runs).
    repro_rate: Option<(u32, u32)>,
    /// The commit the scratch worktree was made at (to make it again on resume).
    scratch_commit: Option<String>,
    /// A fix branch step that was cut off: the branch and base commit it had chosen.
    branch_intent: Option<(String, String)>,
    /// An agent step that was cut off: its phase, attempt and session id.
    cut_session: Option<(Phase, u32, String)>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("run_id", &self.setup.run_id)
            .finish_non_exhaustive()
    }
}

fn err(class: FailureClass) -> impl Fn(crate::adapters::git::GitError) -> (FailureClass, String) {
    move |e| (class, e.to_string())
}

impl Driver {
    #[must_use]
    pub fn new(
        setup: Setup,
        emitter: Emitter,
        agent: Box<dyn Agent>,
        forge: Box<dyn Forge>,
        decider: Box<dyn Decider>,
        cancel: watch::Receiver<bool>,
    ) -> Self {
        let pipeline = Pipeline::new(setup.settings.clone());
        let git = Git::new(setup.repo.clone());
        let repro = setup.existing.clone();
        let prompt_file = setup.run_dir.join("prompts").join("current.md");
        Self {
            setup,
            emitter,
            pipeline,
            git,
            agent,
            forge,
            decider,
            cancel,
            scratch: None,
            fix_worktree: None,
            fix_branch: None,
            base_commit: None,
            repro,
            prompt_file,
            head_sha: None,
            repro_rate: None,
            scratch_commit: None,
            branch_intent: None,
            cut_session: None,
        }
    }

    /// Many runs of the reproduction at once (flaky failures), with progress in the output.
    async fn stress(
        &self,
        phase: Phase,
        purpose: &str,
        repro: &Reproduction,
        cwd: &Path,
        runs: u32,
        stop_after_failures: Option<u32>,
    ) -> stress::Outcome {
        let cores =
            std::thread::available_parallelism().map_or(2, |n| u32::try_from(n.get()).unwrap_or(2));
        let spec = stress::StressSpec {
            command: repro.command.clone(),
            cwd: cwd.to_path_buf(),
            runs,
            jobs: self.setup.info.parallel.unwrap_or(cores).max(1),
            timeout: self.test_timeout(),
            budget: Some(self.setup.test_budget),
            stop_after_failures,
            logs_dir: self.setup.run_dir.join("logs").join(purpose),
            seed: 1,
            env: vec![
                ("FIXLOOP_RUN_ID".into(), self.setup.run_id.clone()),
                (
                    "FIXLOOP_RUN_DIR".into(),
                    self.setup.run_dir.display().to_string(),
                ),
            ],
            env_remove: crate::adapters::agent::HIDDEN_FROM_AGENTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            ci_signature: repro.signature.as_deref().and_then(|s| Regex::new(s).ok()),
            nice: self.setup.nice,
        };
        let load = self.setup.cpu_load.then(|| stress::cpu_load(cores));
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
                        text: crate::engine::stress::progress_line(
                            p.done, p.planned, p.failures, p.elapsed,
                        ),
                    }],
                });
            }
        };
        let outcome = stress::run(&spec, &mut progress, self.cancel.clone()).await;
        if let Some(stop) = load {
            let _ = stop.send(true);
        }
        outcome
    }

    /// Runs the pipeline to its end; returns the exit code.
    pub async fn run(mut self) -> i32 {
        let s = &self.setup;
        self.emitter.emit(EventKind::RunStarted {
            run_id: s.run_id.clone(),
            name: s.name.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            info: Box::new(s.info.clone()),
            repo: s.repo.display().to_string(),
            workspace: s.workspace.display().to_string(),
            failure_dir: s.failure_dir.display().to_string(),
            agent: self.agent.kind().into(),
            base: s.base.clone(),
            headless: s.headless,
            policy: s.policy.clone(),
            perturbation: [("nice", s.nice), ("cpu-load", s.cpu_load)]
                .iter()
                .filter(|(_, on)| *on)
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            setup: Some(Box::new(s.record())),
        });
        let effects = self.feed(Input::Start);
        self.drive(effects).await
    }

    /// Goes on with a run from its journal (`past`): the pipeline as [`replay`] rebuilt it, the
    /// driver's own state from the same events, and the step that was cut off done again.
    ///
    /// [`replay`]: crate::core::pipeline::replay
    pub async fn resume(mut self, replayed: Replayed, past: &[Event]) -> i32 {
        self.restore(past, replayed.from_seq);
        self.pipeline = replayed.pipeline;
        let step = replayed.pending.first().map_or("start", Effect::name);
        self.emitter.emit(EventKind::RunResumed {
            from_seq: replayed.from_seq,
            step: step.to_owned(),
            phase: self.pipeline.open_phase(),
            reason: replayed.stopped,
            headless: self.setup.headless,
            policy: self.setup.policy.clone(),
        });
        let effects = if replayed.pending.is_empty() {
            self.feed(Input::Start)
        } else {
            replayed.pending
        };
        self.drive(effects).await
    }

    /// The driver's own state (worktrees, branch, reproduction, sessions) from the events a
    /// resumed run continues from.
    fn restore(&mut self, past: &[Event], from_seq: u64) {
        let mut measured = false;
        for event in crate::core::pipeline::live(past, from_seq) {
            match &event.kind {
                EventKind::RunFetched(run) if !run.head_sha.is_empty() => {
                    self.head_sha = Some(run.head_sha.clone());
                }
                EventKind::ScratchCreated { path, commit } => {
                    self.scratch = Some(PathBuf::from(path));
                    self.scratch_commit = Some(commit.clone());
                }
                EventKind::PromptComposed { path, .. } => self.prompt_file = PathBuf::from(path),
                EventKind::AgentSession {
                    phase,
                    attempt,
                    session_id,
                } => self.cut_session = Some((*phase, *attempt, session_id.clone())),
                EventKind::AgentFinished { .. } => self.cut_session = None,
                EventKind::ReproductionChecked { runs, .. } => {
                    measured = true;
                    if !self.setup.info.deterministic {
                        self.repro_rate = Some((runs.matching, runs.runs));
                    }
                }
                EventKind::StepStarted {
                    step,
                    branch: Some(branch),
                    commit: Some(commit),
                } if step == Effect::CreateFixBranch.name() => {
                    self.branch_intent = Some((branch.clone(), commit.clone()));
                }
                EventKind::FixBranchCreated {
                    branch,
                    base_commit,
                    worktree,
                    ..
                } => {
                    self.branch_intent = None;
                    self.fix_branch = Some(branch.clone());
                    self.base_commit = Some(base_commit.clone());
                    self.fix_worktree = Some(PathBuf::from(worktree));
                }
                EventKind::WorktreesRemoved { paths, .. } => {
                    let removed = |p: &Option<PathBuf>| {
                        p.as_ref()
                            .is_some_and(|p| paths.contains(&p.display().to_string()))
                    };
                    if removed(&self.scratch) {
                        self.scratch = None;
                    }
                    if removed(&self.fix_worktree) {
                        self.fix_worktree = None;
                    }
                }
                _ => {}
            }
        }
        if measured && self.repro.is_none() {
            let path = self.setup.failure_dir.join("repro.json");
            let loaded = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: {e}", path.display()))
                .and_then(|text| {
                    Manifest::parse(&path.display().to_string(), &text).map_err(|e| e.to_string())
                })
                .and_then(|m| Reproduction::from_manifest(&m, &self.setup.failure_dir));
            match loaded {
                Ok(repro) => self.repro = Some(repro),
                Err(e) => self.warn(format!("the reproduction cannot be read again: {e}")),
            }
        }
    }

    /// Journals the input together with what it caused, applies it, and returns the effects.
    fn feed(&mut self, input: Input) -> Vec<Effect> {
        let record = record_of(&input);
        let step = self.pipeline.handle(input);
        let mut events = vec![EventKind::InputApplied { input: record }];
        events.extend(step.events);
        self.emitter.emit_all(events);
        step.effects
    }

    async fn drive(&mut self, effects: Vec<Effect>) -> i32 {
        let mut queue = VecDeque::from(effects);
        let mut interrupted = false;
        while let Some(effect) = queue.pop_front() {
            if let Effect::Finish { exit_code } = effect {
                return exit_code;
            }
            let closing = matches!(
                effect,
                Effect::Cleanup { .. } | Effect::FindDevelopers | Effect::WriteReport { .. }
            );
            let mut input = self.execute(effect).await;
            if !interrupted && !closing && *self.cancel.borrow() {
                interrupted = true;
                input = Input::Interrupted;
            }
            queue.extend(self.feed(input));
        }
        tracing::error!("the pipeline stopped without finishing");
        1
    }

    async fn execute(&mut self, effect: Effect) -> Input {
        // Journaled before the step's side effects (create-fix-branch journals its own, naming
        // the branch it chose).
        if !matches!(
            effect,
            Effect::ComposePrompt { .. }
                | Effect::AwaitDecision { .. }
                | Effect::Finish { .. }
                | Effect::CreateFixBranch
        ) {
            self.emitter.emit(EventKind::StepStarted {
                step: effect.name().to_owned(),
                branch: None,
                commit: None,
            });
        }
        // A resumed run may find a worktree gone (the interrupted run's cleanup, `fixloop clean`).
        let needs = match &effect {
            Effect::RunAgent { phase, .. } if *phase != Phase::Fix => Some(false),
            Effect::CheckReproduction { .. } => Some(false),
            Effect::RunAgent { .. } | Effect::Verify { .. } | Effect::CommitFix { .. } => {
                Some(true)
            }
            _ => None,
        };
        if let Some(fix) = needs
            && let Err((class, message)) = self.ensure_worktree(fix).await
        {
            return Input::Failed { class, message };
        }
        let outcome: Outcome = match effect {
            Effect::PrepareLogs => self.prepare_logs().await,
            Effect::PrepareScratch => self.prepare_scratch().await,
            Effect::ComposePrompt {
                phase,
                attempt,
                feedback,
            } => return self.compose(phase, attempt, feedback.as_deref()),
            Effect::RunAgent {
                phase,
                attempt,
                prompt,
                feedback,
                resume,
            } => Ok(self
                .run_agent(phase, attempt, prompt, feedback, resume)
                .await),
            Effect::CheckReproduction { attempt, runs } => {
                Ok(self.check_reproduction(attempt, runs).await)
            }
            Effect::CommitReproduction => self.commit_reproduction().await,
            Effect::CreateFixBranch => self.create_fix_branch().await,
            Effect::Verify { attempt, runs } => self.verify(attempt, runs).await,
            Effect::CommitFix { remove_repro } => self.commit_fix(remove_repro).await,
            Effect::Push => self.push().await,
            Effect::OpenPr => self.open_pr().await,
            Effect::FindDevelopers => Ok(self.find_developers().await),
            Effect::Cleanup { keep_fix_worktree } => Ok(self.cleanup(keep_fix_worktree).await),
            Effect::WriteReport {
                status,
                exit_code,
                message,
            } => self.write_report(status, exit_code, message),
            Effect::AwaitDecision { id } => return self.await_decision(id).await,
            Effect::Finish { .. } => unreachable!("handled by run"),
        };
        match outcome {
            Ok(fact) => Input::Done(fact),
            Err((class, message)) => Input::Failed { class, message },
        }
    }

    /// Makes the scratch (or fix) worktree again where a resumed run expects it and finds none.
    async fn ensure_worktree(&mut self, fix: bool) -> Result<(), (FailureClass, String)> {
        let (path, target) = if fix {
            (self.fix_worktree.clone(), self.fix_branch.clone())
        } else {
            (self.scratch.clone(), self.scratch_commit.clone())
        };
        let (Some(path), Some(target)) = (path, target) else {
            return Ok(());
        };
        if Git::run_in(&path, &["rev-parse", "--git-dir"], &[])
            .await
            .is_ok()
        {
            return Ok(());
        }
        let _ = self.git.run(&["worktree", "prune"]).await;
        let path_str = path.to_string_lossy().into_owned();
        let mut args = vec!["worktree", "add", "--quiet"];
        if !fix {
            args.push("--detach");
        }
        args.extend([path_str.as_str(), target.as_str()]);
        self.git
            .run(&args)
            .await
            .map_err(err(FailureClass::Error))?;
        let repro = self.repro.clone();
        if let (true, Some(repro)) = (fix, repro) {
            place(&repro, &path).map_err(|e| (FailureClass::Error, e))?;
        }
        self.warn(format!(
            "made the {} worktree again at {path_str}",
            if fix { "fix" } else { "scratch" }
        ));
        Ok(())
    }

    async fn await_decision(&mut self, id: u32) -> Input {
        let view = self.emitter.view();
        let Some(cp) = view.checkpoints.iter().find(|c| c.id == id).cloned() else {
            return Input::Failed {
                class: FailureClass::Error,
                message: format!("checkpoint {id} is unknown"),
            };
        };
        let (decision, by) = self.decider.decide(&cp.kind, &cp.options, &view).await;
        Input::Decided { id, decision, by }
    }

    fn warn(&self, message: String) {
        self.emitter.emit(EventKind::Warned { message });
    }

    /// Removes a worktree of this run that an earlier, cut-off attempt at the step left behind.
    async fn discard_worktree(&self, path: &Path) {
        if path.exists() {
            let _ = self.git.remove_worktree(path).await;
            let _ = std::fs::remove_dir_all(path);
        }
        let _ = self.git.run(&["worktree", "prune"]).await;
    }

    async fn worktree_path(&self, suffix: &str) -> Result<PathBuf, (FailureClass, String)> {
        let dir = self
            .git
            .worktrees_dir()
            .await
            .map_err(err(FailureClass::Error))?;
        std::fs::create_dir_all(&dir).map_err(|e| {
            (
                FailureClass::Error,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        Ok(dir.join(format!("{}-{suffix}", self.setup.run_id)))
    }

    async fn prepare_logs(&mut self) -> Outcome {
        let Some(url) = self.setup.info.url.clone() else {
            return logs::prepare(
                &self.setup.info,
                &self.setup.workspace,
                &self.setup.failure_dir,
            );
        };
        let run_url = RunUrl::parse(&url).map_err(|e| (FailureClass::Input, e))?;
        let logs_dir = self.setup.failure_dir.join("logs");
        let fetched = self.forge.fetch_run_logs(&run_url, &logs_dir).await?;
        for note in &fetched.run.notes {
            self.warn(note.clone());
        }
        if !fetched.run.head_sha.is_empty() {
            self.head_sha = Some(fetched.run.head_sha.clone());
        }
        self.emitter.emit(EventKind::RunFetched(fetched.run));
        logs::prepare_file(&fetched.full_log, &url)
    }

    /// The commit under test: the failing run's head commit when it can be had, else HEAD.
    async fn commit_under_test(&mut self) -> Result<String, (FailureClass, String)> {
        if let Some(sha) = self.head_sha.clone() {
            if self.git.rev_parse(&sha).await.is_ok() {
                return Ok(sha);
            }
            if let Some(remote) = self.setup.remote.clone() {
                let _ = self.git.run(&["fetch", "--quiet", &remote, &sha]).await;
                if let Ok(commit) = self.git.rev_parse(&sha).await {
                    return Ok(commit);
                }
            }
            self.warn(format!(
                "the failing run's commit {} is not in the repository; reproducing at HEAD",
                &sha[..sha.len().min(12)]
            ));
        }
        self.git.rev_parse("HEAD").await.map_err(|e| {
            (
                FailureClass::Input,
                format!("the repository has no commit to work from: {e}"),
            )
        })
    }

    async fn prepare_scratch(&mut self) -> Outcome {
        let commit = self.commit_under_test().await?;
        let path = self.worktree_path("repro").await?;
        let path_str = path.to_string_lossy().into_owned();
        self.discard_worktree(&path).await;
        self.git
            .run(&["worktree", "add", "--detach", "--quiet", &path_str, &commit])
            .await
            .map_err(err(FailureClass::Error))?;
        self.scratch = Some(path);
        self.scratch_commit = Some(commit.clone());
        Ok(EventKind::ScratchCreated {
            path: path_str,
            commit,
        })
    }

    fn compose(&mut self, phase: Phase, attempt: u32, feedback: Option<&str>) -> Input {
        let folder = match phase {
            Phase::Fix => "implementing-features",
            _ if self.setup.info.deterministic => "reproduce-deterministic-failures",
            _ => "reproduce-ND-failures",
        };
        let custom = self.setup.workspace.join(folder).join("AI_PROMPT.md");
        let template = std::fs::read_to_string(&custom).unwrap_or_else(|_| {
            match folder {
                "implementing-features" => PROMPT_FIX,
                "reproduce-deterministic-failures" => PROMPT_DETERMINISTIC,
                _ => PROMPT_FLAKY,
            }
            .to_owned()
        });
        let view = self.emitter.view();
        let workdir = if phase == Phase::Fix {
            self.fix_worktree.clone()
        } else {
            self.scratch.clone()
        }
        .unwrap_or_else(|| self.setup.repo.clone());
        let excerpt = view
            .logs
            .as_ref()
            .and_then(|l| std::fs::read_to_string(&l.excerpt).ok());
        let context = prompt::Context {
            phase: Some(phase),
            attempt,
            max_attempts: self.setup.settings.max_attempts,
            user_prompt: self.setup.info.prompt.clone(),
            name: self.setup.name.clone(),
            deterministic: self.setup.info.deterministic,
            failure_dir: self.setup.failure_dir.display().to_string(),
            workdir: workdir.display().to_string(),
            excerpt_path: view.logs.as_ref().map(|l| l.excerpt.clone()),
            full_log_path: view.logs.as_ref().map(|l| l.full_log.clone()),
            excerpt,
            failing_tests: view.logs.map(|l| l.failing_tests).unwrap_or_default(),
            feedback: feedback.map(str::to_owned),
            reproduction: (phase == Phase::Fix)
                .then(|| self.repro.as_ref().map(Reproduction::describe))
                .flatten(),
            time_budget_secs: self.setup.ai_budget.as_secs(),
            ci_run: view.ci_run.as_ref().map(|run| {
                let mut text = format!(
                    "workflow: {}\nbranch: {}\nfailed jobs: {}\n",
                    run.workflow,
                    run.head_branch,
                    run.failed_jobs.join("; ")
                );
                if !run.title.is_empty() {
                    let _ = writeln!(text, "title: {}", run.title);
                }
                if !run.commit_message.is_empty() {
                    let _ = writeln!(text, "commit message:\n{}", run.commit_message.trim_end());
                }
                text
            }),
        };
        let text = super::secrets::redact(&prompt::compose(&template, &context)).into_owned();
        let path = self
            .setup
            .run_dir
            .join("prompts")
            .join(format!("{phase}-{attempt}.md"));
        let written = std::fs::create_dir_all(path.parent().unwrap_or(&self.setup.run_dir))
            .and_then(|()| std::fs::write(&path, &text));
        if let Err(e) = written {
            return Input::Failed {
                class: FailureClass::Error,
                message: format!("cannot write the prompt to {}: {e}", path.display()),
            };
        }
        self.prompt_file.clone_from(&path);
        Input::Prompt {
            phase,
            attempt,
            prompt: text,
            path: path.display().to_string(),
        }
    }

    async fn run_agent(
        &mut self,
        phase: Phase,
        attempt: u32,
        prompt: String,
        feedback: Option<String>,
        resume: Option<String>,
    ) -> EventKind {
        let workdir = if phase == Phase::Fix {
            self.fix_worktree.clone()
        } else {
            self.scratch.clone()
        }
        .unwrap_or_else(|| self.setup.repo.clone());
        let view = self.emitter.view();
        let excerpt_file = view.logs.as_ref().map_or_else(
            || {
                let empty = self.setup.run_dir.join("empty-excerpt.txt");
                let _ = std::fs::write(&empty, "");
                empty
            },
            |l| PathBuf::from(&l.excerpt),
        );
        // Cut off in this very step last time: the agent goes on in its own session.
        let (resume, prompt) = match self.cut_session.take() {
            Some((p, a, id)) if p == phase && a == attempt => (
                Some(id),
                format!(
                    "fixloop was stopped while you worked on this step and has started again. \
                     What you did so far is in the working directory; check it and finish the \
                     step.\n\n{prompt}"
                ),
            ),
            _ => (resume, prompt),
        };
        let prompt = super::secrets::redact(&prompt).into_owned();
        let _ = std::fs::write(&self.prompt_file, &prompt);
        let request = AgentRequest {
            phase,
            attempt,
            prompt,
            prompt_file: self.prompt_file.clone(),
            workdir,
            failure_dir: self.setup.failure_dir.clone(),
            excerpt_file,
            feedback: super::secrets::redact(&feedback.unwrap_or_default()).into_owned(),
            deterministic: self.setup.info.deterministic,
            run_id: self.setup.run_id.clone(),
            run_dir: self.setup.run_dir.clone(),
            resume,
            log: self
                .setup
                .run_dir
                .join("logs")
                .join(format!("agent-{phase}-{attempt}.log")),
            timeout: self.setup.ai_budget,
            env_remove: crate::adapters::agent::HIDDEN_FROM_AGENTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        let _ = std::fs::create_dir_all(&request.failure_dir);
        self.emitter.emit(EventKind::AgentStarted {
            phase,
            attempt,
            agent: self.agent.kind().into(),
            command: self.agent.describe(&request),
            resume: request.resume.clone(),
            log: request.log.display().to_string(),
        });
        let started = Instant::now();
        let outcome: AgentOutcome = if self.agent.kind() == "manual" {
            self.decider.manual(&request).await
        } else {
            let emitter = self.emitter.clone();
            let mut sink = move |mut lines: Vec<OutputLine>| {
                lines.retain(|line| {
                    if line.kind != LineKind::Session {
                        return true;
                    }
                    emitter.emit(EventKind::AgentSession {
                        phase,
                        attempt,
                        session_id: line.text.clone(),
                    });
                    false
                });
                if !lines.is_empty() {
                    emitter.emit(EventKind::AgentOutput { phase, lines });
                }
            };
            self.agent
                .run(&request, &mut sink, self.cancel.clone())
                .await
        };
        let notes_file = if phase == Phase::Fix {
            "ROOT_CAUSE.md"
        } else {
            "README.md"
        };
        let notes = std::fs::read_to_string(self.setup.failure_dir.join(notes_file))
            .ok()
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.chars().take(20_000).collect());
        EventKind::AgentFinished {
            phase,
            attempt,
            ok: outcome.ok,
            session_id: outcome.session_id,
            cost_usd: outcome.cost_usd,
            turns: outcome.turns,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            error: outcome.error,
            error_class: outcome.error_class,
            notes,
        }
    }

    /// Runs `command` `runs` times in `cwd`; each run's output is streamed and logged.
    async fn run_tests(
        &self,
        phase: Phase,
        purpose: &str,
        command: &str,
        cwd: &Path,
        runs: u32,
        timeout: Duration,
    ) -> Vec<(process::Finished, String)> {
        let mut results = Vec::new();
        for run in 1..=runs {
            let log = self
                .setup
                .run_dir
                .join("logs")
                .join(format!("{purpose}-{run}.log"));
            let mut spec = Spec::shell(command, cwd.to_path_buf(), log.clone());
            spec.timeout = Some(timeout);
            spec.env = vec![
                ("FIXLOOP_RUN_ID".into(), self.setup.run_id.clone()),
                (
                    "FIXLOOP_RUN_DIR".into(),
                    self.setup.run_dir.display().to_string(),
                ),
                ("FIXLOOP_TEST_RUN".into(), run.to_string()),
            ];
            spec.env_remove = crate::adapters::agent::HIDDEN_FROM_AGENTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
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
                Err(e) => process::Finished {
                    ending: Ending::Exited(127),
                    duration: Duration::ZERO,
                    tail: vec![e.to_string()],
                },
            };
            self.emitter.emit(EventKind::TestRunFinished {
                phase,
                purpose: purpose.to_owned(),
                run,
                exit_code: finished.exit_code(),
                timed_out: finished.ending == Ending::TimedOut,
                duration_ms: u64::try_from(finished.duration.as_millis()).unwrap_or(u64::MAX),
                log: log.display().to_string(),
            });
            let output = process::read_tail(&log, 4 << 20);
            let cancelled = finished.ending == Ending::Cancelled;
            results.push((finished, output));
            if cancelled {
                break;
            }
        }
        results
    }

    fn test_timeout(&self) -> Duration {
        self.repro
            .as_ref()
            .and_then(|r| r.timeout)
            .map_or(self.setup.test_budget, Duration::from_secs)
    }

    async fn check_reproduction(&mut self, attempt: u32, runs: u32) -> EventKind {
        let invalid = |reason: String| EventKind::ReproductionChecked {
            attempt,
            reproduced: false,
            reason,
            runs: TestRuns::default(),
            invalid_input: true,
            files: Vec::new(),
        };
        let manifest_path = self.setup.failure_dir.join("repro.json");
        let Ok(text) = std::fs::read_to_string(&manifest_path) else {
            return invalid(format!(
                "{} does not exist: the reproduce step must write it (command, files, signature)",
                manifest_path.display()
            ));
        };
        let manifest = match Manifest::parse(&manifest_path.display().to_string(), &text) {
            Ok(m) => m,
            Err(e) => return invalid(e.to_string()),
        };
        let repro = match Reproduction::from_manifest(&manifest, &self.setup.failure_dir) {
            Ok(r) => r,
            Err(e) => return invalid(e),
        };
        let Some(scratch) = self.scratch.clone() else {
            return invalid("no scratch worktree to run the reproduction in".into());
        };
        if let Err(e) = place(&repro, &scratch) {
            return invalid(e);
        }
        self.repro = Some(repro.clone());
        if !self.setup.info.deterministic {
            // Measure until enough failures make the rate precise (or the runs or budget end).
            let runs = manifest.runs.or(self.setup.info.iterations).unwrap_or(1000);
            let outcome = self
                .stress(
                    Phase::ConfirmRepro,
                    &format!("confirm-{attempt}"),
                    &repro,
                    &scratch,
                    runs,
                    Some(stats::FAILURES_TO_MEASURE),
                )
                .await;
            self.repro_rate = Some((outcome.matching, outcome.runs));
            let mut checked = judge_flaky(attempt, &repro, &outcome);
            if let EventKind::ReproductionChecked { files, .. } = &mut checked {
                *files = shown_files(&repro);
            }
            return checked;
        }
        let signature = repro.signature.as_deref().and_then(|s| Regex::new(s).ok());
        let results = self
            .run_tests(
                Phase::ConfirmRepro,
                &format!("confirm-{attempt}"),
                &repro.command,
                &scratch,
                runs,
                self.test_timeout(),
            )
            .await;
        let mut checked = judge_reproduction(
            attempt,
            &repro,
            signature.as_ref(),
            &results,
            self.setup.info.deterministic,
        );
        if let EventKind::ReproductionChecked { files, .. } = &mut checked {
            *files = shown_files(&repro);
        }
        checked
    }

    async fn commit_reproduction(&mut self) -> Outcome {
        let Ok(relative) = self.setup.failure_dir.strip_prefix(&self.setup.repo) else {
            return Ok(EventKind::ReproductionCommitted {
                branch: None,
                commit: None,
                paths: Vec::new(),
                note: "The failure folder is outside the repository; nothing was committed.".into(),
            });
        };
        let mut paths = Vec::new();
        let mut skipped = Vec::new();
        collect_files(&self.setup.failure_dir, relative, &mut paths, &mut skipped);
        if paths.is_empty() {
            return Ok(EventKind::ReproductionCommitted {
                branch: None,
                commit: None,
                paths,
                note: "The failure folder is empty; nothing was committed.".into(),
            });
        }
        let current = self.git.current_branch().await;
        let on_base = current.as_deref().is_none_or(|c| c == self.setup.base);
        let (branch, parent) = if on_base {
            let branch = format!("fixloop/repro/{}", self.setup.name);
            let parent = match self.git.rev_parse(&format!("refs/heads/{branch}")).await {
                Ok(tip) => tip,
                Err(_) => self
                    .git
                    .rev_parse("HEAD")
                    .await
                    .map_err(err(FailureClass::Error))?,
            };
            (branch, parent)
        } else {
            let branch = current.unwrap_or_default();
            let parent = self
                .git
                .rev_parse("HEAD")
                .await
                .map_err(err(FailureClass::Error))?;
            (branch, parent)
        };
        let message = format!(
            "Add reproduction of {} (fixloop)\n\n{}\n\nfixloop run {}",
            self.setup.name,
            first_paragraph(&self.setup.info.prompt),
            self.setup.run_id
        );
        let message = super::secrets::redact(&message).into_owned();
        // A cut-off run may have made this very commit already: it is not made twice.
        let commit = if self.made_by_this_run(&parent, &message, None).await {
            parent
        } else {
            self.git
                .commit_paths(&branch, &parent, &paths, &message, &self.setup.run_dir)
                .await
                .map_err(err(FailureClass::Error))?
        };
        if !on_base {
            // HEAD moved to include the folder: keep the user's index in step for those paths
            // only, so nothing of theirs changes and the folder does not show as deleted.
            let mut args = vec!["reset", "-q", "HEAD", "--"];
            args.extend(paths.iter().map(String::as_str));
            if let Err(e) = self.git.run(&args).await {
                self.warn(format!(
                    "could not refresh the index for the failure folder: {e}"
                ));
            }
        }
        let mut note = format!("Committed on `{branch}`.");
        if !skipped.is_empty() {
            let _ = write!(note, " Left out (over 1 MiB): {}.", skipped.join(", "));
        }
        Ok(EventKind::ReproductionCommitted {
            branch: Some(branch),
            commit: Some(commit),
            paths,
            note,
        })
    }

    /// `commit` itself when it is the commit this run makes with `message` (an earlier, cut-off
    /// attempt at the same step made it).
    /// Whether `commit` is the one this run makes with `message` (and, when given, on `parent`
    /// with `tree`): an earlier, cut-off attempt at the same step made it.
    async fn made_by_this_run(
        &self,
        commit: &str,
        message: &str,
        on: Option<(&str, &str)>,
    ) -> bool {
        let Ok(found) = self
            .git
            .run(&["log", "-1", "--format=%P%x00%T%x00%B", commit, "--"])
            .await
        else {
            return false;
        };
        let mut parts = found.splitn(3, '\0');
        let (parents, tree, body) = (parts.next(), parts.next(), parts.next());
        body.is_some_and(|b| b.trim_end() == message.trim_end())
            && on.is_none_or(|(parent, want)| parents == Some(parent) && tree == Some(want))
    }

    async fn create_fix_branch(&mut self) -> Outcome {
        let path = self.worktree_path("fix").await?;
        let path_str = path.to_string_lossy().into_owned();
        if let Some((branch, base_commit)) = self.branch_intent.take() {
            // Cut off last time: the branch it made is used, if it is still as it was made.
            let tip = self.git.rev_parse(&format!("refs/heads/{branch}")).await;
            if tip.is_ok_and(|tip| tip == base_commit) {
                let usable = Git::run_in(&path, &["rev-parse", "--abbrev-ref", "HEAD"], &[])
                    .await
                    .is_ok_and(|head| head == branch);
                if usable {
                    Git::run_in(&path, &["reset", "--hard", "-q", &base_commit], &[])
                        .await
                        .map_err(err(FailureClass::Error))?;
                } else {
                    self.discard_worktree(&path).await;
                    self.git
                        .run(&["worktree", "add", "--quiet", &path_str, &branch])
                        .await
                        .map_err(err(FailureClass::Error))?;
                }
                return self.fix_branch_ready(branch, base_commit, &path);
            }
        }
        let base = self.setup.base.clone();
        let mut start = None;
        if let Some(remote) = &self.setup.remote {
            match self.git.run(&["fetch", "--quiet", remote, &base]).await {
                Ok(_) => start = Some(format!("refs/remotes/{remote}/{base}")),
                Err(e) => self.warn(format!(
                    "could not fetch {base} from {remote} ({}); using the local {base}",
                    e.stderr
                )),
            }
        }
        let mut base_commit = None;
        for candidate in start.into_iter().chain([format!("refs/heads/{base}")]) {
            if let Ok(commit) = self.git.rev_parse(&candidate).await {
                base_commit = Some(commit);
                break;
            }
        }
        let Some(base_commit) = base_commit else {
            return Err((
                FailureClass::Input,
                format!(
                    "the base branch `{base}` does not exist: set `base-branch` in info.json or \
                     pass --base"
                ),
            ));
        };
        let mut branch = format!("fix/{}", self.setup.name);
        let mut n = 2;
        while self.git.branch_exists(&branch).await {
            branch = format!("fix/{}-{n}", self.setup.name);
            n += 1;
        }
        self.emitter.emit(EventKind::StepStarted {
            step: Effect::CreateFixBranch.name().to_owned(),
            branch: Some(branch.clone()),
            commit: Some(base_commit.clone()),
        });
        self.discard_worktree(&path).await;
        self.git
            .run(&[
                "worktree",
                "add",
                "--quiet",
                "-b",
                &branch,
                &path_str,
                &base_commit,
            ])
            .await
            .map_err(err(FailureClass::Error))?;
        self.fix_branch_ready(branch, base_commit, &path)
    }

    fn fix_branch_ready(&mut self, branch: String, base_commit: String, path: &Path) -> Outcome {
        self.fix_worktree = Some(path.to_path_buf());
        self.fix_branch = Some(branch.clone());
        self.base_commit = Some(base_commit.clone());
        if let Some(repro) = &self.repro {
            place(repro, path).map_err(|e| (FailureClass::Error, e))?;
        }
        Ok(EventKind::FixBranchCreated {
            branch,
            base: self.setup.base.clone(),
            base_commit,
            worktree: path.display().to_string(),
        })
    }

    async fn verify(&mut self, attempt: u32, runs: u32) -> Outcome {
        let (Some(worktree), Some(base_commit), Some(repro)) = (
            self.fix_worktree.clone(),
            self.base_commit.clone(),
            self.repro.clone(),
        ) else {
            return Err((FailureClass::Error, "no fix branch to verify".into()));
        };
        let mut findings = Vec::new();
        // The approved reproduction is what counts: an agent's edits to it are undone and named.
        for (source, dest) in &repro.files {
            let now = std::fs::read(worktree.join(dest)).ok();
            if now.as_deref() != std::fs::read(source).ok().as_deref() {
                findings.push(format!(
                    "the agent changed or removed the reproduction `{dest}`; fixloop verified \
                     with the approved version"
                ));
            }
        }
        place(&repro, &worktree).map_err(|e| (FailureClass::Error, e))?;
        let passes = if self.setup.info.deterministic {
            let timeout = self.test_timeout();
            let results = self
                .run_tests(
                    Phase::Verify,
                    &format!("verify-{attempt}"),
                    &repro.command,
                    &worktree,
                    runs,
                    timeout,
                )
                .await;
            tally(&repro.command, &results, None, false)
        } else {
            // As many runs as an unchanged failure rate would need to show itself.
            let (failures, measured) = self.repro_rate.unwrap_or((1, 20));
            let required = stats::verification_runs(failures, measured);
            let outcome = self
                .stress(
                    Phase::Verify,
                    &format!("verify-{attempt}"),
                    &repro,
                    &worktree,
                    required,
                    Some(1),
                )
                .await;
            if let stats::Verdict::Inconclusive { more_runs } =
                stats::verdict(outcome.failures, outcome.runs, required)
            {
                findings.push(format!(
                    "inconclusive: all {} runs passed, but the time budget ran out before the \
                     {required} runs needed to be 95 % sure the failure is gone; {more_runs} more \
                     runs are needed (raise `time-budget`)",
                    outcome.runs
                ));
            }
            TestRuns {
                command: repro.command.clone(),
                runs: outcome.runs,
                failures: outcome.failures,
                matching: outcome.matching,
                output: outcome.first_failure_output,
            }
        };

        let wt = worktree.to_string_lossy().into_owned();
        Git::run_in(&worktree, &["add", "-A"], &[])
            .await
            .map_err(err(FailureClass::Error))?;
        let changed = Git::run_in(
            &worktree,
            &[
                "diff",
                "--cached",
                "--name-status",
                "--no-renames",
                &base_commit,
            ],
            &[],
        )
        .await
        .map_err(err(FailureClass::Error))?;
        let dests: Vec<&str> = repro.files.iter().map(|(_, d)| d.as_str()).collect();
        let mut code_changes = Vec::new();
        let mut test_changes = Vec::new();
        // Each changed file as it was in the base and as the fix leaves it, for the guard.
        let mut contents: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        for line in changed.lines() {
            let (status, path) = line.split_once('\t').unwrap_or(("M", line));
            if dests.contains(&path) {
                continue;
            }
            let before = if status.starts_with('A') {
                None
            } else {
                Some(
                    Git::run_in(&worktree, &["show", &format!("{base_commit}:{path}")], &[])
                        .await
                        .unwrap_or_default(),
                )
            };
            let after = if status.starts_with('D') {
                None
            } else {
                Some(std::fs::read_to_string(worktree.join(path)).unwrap_or_default())
            };
            contents.push((path.to_owned(), before, after));
            if is_test_path(path) {
                test_changes.push(path.to_owned());
            } else {
                code_changes.push(path.to_owned());
            }
        }
        let changes: Vec<integrity::Change<'_>> = contents
            .iter()
            .map(|(path, before, after)| integrity::Change {
                path,
                before: before.as_deref(),
                after: after.as_deref(),
            })
            .collect();
        let reproduction: Vec<String> = repro
            .files
            .iter()
            .filter_map(|(source, _)| std::fs::read_to_string(source).ok())
            .collect();
        let reproduction: Vec<&str> = reproduction.iter().map(String::as_str).collect();
        findings.extend(integrity::review(&changes, &reproduction));
        let revert_check = if code_changes.is_empty() {
            findings.push("the fix changes no code outside tests".into());
            None
        } else {
            let revert = self
                .revert_check(&worktree, &base_commit, &repro, &test_changes, attempt)
                .await?;
            if revert.failures == 0 {
                findings.push(
                    "the reproduction passes without the fix's changes too: it does not prove the fix"
                        .into(),
                );
            }
            Some(revert)
        };
        let suite = match &self.setup.info.test_command {
            Some(command) => {
                let results = self
                    .run_tests(
                        Phase::Verify,
                        &format!("suite-{attempt}"),
                        command,
                        &worktree,
                        1,
                        self.setup.test_budget * 4,
                    )
                    .await;
                Some(tally(command, &results, None, false))
            }
            None => None,
        };
        let mut exclude: Vec<String> = vec!["--".into(), ".".into()];
        exclude.extend(dests.iter().map(|d| format!(":(exclude){d}")));
        let mut diff_args = vec!["diff".to_owned(), "--cached".into(), base_commit.clone()];
        diff_args.extend(exclude.iter().cloned());
        let diff_args: Vec<&str> = diff_args.iter().map(String::as_str).collect();
        let mut diff = Git::run_in(&worktree, &diff_args, &[])
            .await
            .unwrap_or_default();
        if diff.len() > MAX_DIFF {
            let mut end = MAX_DIFF;
            while !diff.is_char_boundary(end) {
                end -= 1;
            }
            diff.truncate(end);
            let _ = write!(diff, "\n… (diff cut at 64 KiB; see the branch in {wt})");
        }
        let mut stat_args = vec![
            "diff".to_owned(),
            "--cached".into(),
            "--stat".into(),
            base_commit.clone(),
        ];
        stat_args.extend(exclude);
        let stat_args: Vec<&str> = stat_args.iter().map(String::as_str).collect();
        let diffstat = Git::run_in(&worktree, &stat_args, &[])
            .await
            .unwrap_or_default();
        let passes_ok = passes.runs > 0 && passes.failures == 0;
        let suite_ok = suite.as_ref().is_none_or(|s| s.failures == 0);
        Ok(EventKind::VerificationFinished {
            attempt,
            verified: passes_ok && suite_ok && findings.is_empty(),
            passes,
            revert_check,
            suite,
            findings,
            diffstat,
            diff,
        })
    }

    /// The reproduction in a scratch copy of the base with only the test changes: it must fail.
    async fn revert_check(
        &self,
        worktree: &Path,
        base_commit: &str,
        repro: &Reproduction,
        test_changes: &[String],
        attempt: u32,
    ) -> Result<TestRuns, (FailureClass, String)> {
        let path = self.worktree_path(&format!("revert-{attempt}")).await?;
        let path_str = path.to_string_lossy().into_owned();
        self.discard_worktree(&path).await;
        self.git
            .run(&[
                "worktree",
                "add",
                "--detach",
                "--quiet",
                &path_str,
                base_commit,
            ])
            .await
            .map_err(err(FailureClass::Error))?;
        let mut result = Ok(());
        for file in test_changes {
            let from = worktree.join(file);
            let to = path.join(file);
            if from.is_file() {
                result = result.and_then(|()| copy_file(&from, &to));
            }
        }
        let result = result.and_then(|()| place(repro, &path));
        let runs = match result {
            Ok(()) if !self.setup.info.deterministic => {
                let (failures, measured) = self.repro_rate.unwrap_or((1, 20));
                let required = stats::verification_runs(failures, measured);
                let outcome = self
                    .stress(
                        Phase::Verify,
                        &format!("revert-{attempt}"),
                        repro,
                        &path,
                        required,
                        Some(1),
                    )
                    .await;
                Ok(TestRuns {
                    command: repro.command.clone(),
                    runs: outcome.runs,
                    failures: outcome.failures,
                    matching: outcome.matching,
                    output: outcome.first_failure_output,
                })
            }
            Ok(()) => {
                let results = self
                    .run_tests(
                        Phase::Verify,
                        &format!("revert-{attempt}"),
                        &repro.command,
                        &path,
                        1,
                        self.test_timeout(),
                    )
                    .await;
                let signature = repro.signature.as_deref().and_then(|s| Regex::new(s).ok());
                Ok(tally(&repro.command, &results, signature.as_ref(), true))
            }
            Err(e) => Err((FailureClass::Error, e)),
        };
        if let Err(e) = self.git.remove_worktree(&path).await {
            self.warn(format!("could not remove the revert-check worktree: {e}"));
        }
        runs
    }

    async fn commit_fix(&mut self, remove_repro: bool) -> Outcome {
        let (Some(worktree), Some(base_commit), Some(branch)) = (
            self.fix_worktree.clone(),
            self.base_commit.clone(),
            self.fix_branch.clone(),
        ) else {
            return Err((FailureClass::Error, "no fix branch to commit".into()));
        };
        let wt = worktree.as_path();
        if remove_repro && let Some(repro) = &self.repro {
            for (_, dest) in &repro.files {
                let in_base = Git::run_in(
                    wt,
                    &["cat-file", "-e", &format!("{base_commit}:{dest}")],
                    &[],
                )
                .await
                .is_ok();
                // A file the reproduction replaced goes back to the base's version.
                let restored = if in_base {
                    Git::run_in(wt, &["checkout", &base_commit, "--", dest], &[]).await
                } else {
                    let _ = std::fs::remove_file(worktree.join(dest));
                    Git::run_in(
                        wt,
                        &["rm", "-q", "--cached", "--ignore-unmatch", "--", dest],
                        &[],
                    )
                    .await
                };
                restored.map_err(err(FailureClass::Error))?;
            }
        }
        Git::run_in(wt, &["add", "-A"], &[])
            .await
            .map_err(err(FailureClass::Error))?;
        let head_before = Git::run_in(wt, &["rev-parse", "HEAD"], &[])
            .await
            .map_err(err(FailureClass::Error))?;
        // One commit on the base, whatever the agent committed on the way.
        Git::run_in(wt, &["reset", "--soft", "-q", &base_commit], &[])
            .await
            .map_err(err(FailureClass::Error))?;
        let view = self.emitter.view();
        let verification = view.verification().map(|v| {
            format!(
                "Verified by fixloop: the reproduction (`{}`) passed {} of {} runs with the fix{}.",
                v.passes.command,
                v.passes.runs - v.passes.failures,
                v.passes.runs,
                if v.revert_check.as_ref().is_some_and(|r| r.failures > 0) {
                    " and fails without it"
                } else {
                    ""
                }
            )
        });
        let message = format!(
            "Fix {}\n\n{}\n\n{}\nfixloop run {}",
            self.setup.name,
            first_paragraph(&self.setup.info.prompt),
            verification.unwrap_or_default(),
            self.setup.run_id
        );
        let message = super::secrets::redact(&message).into_owned();
        // A cut-off run may have made this very commit already: it is not made twice.
        let tree = Git::run_in(wt, &["write-tree"], &[])
            .await
            .map_err(err(FailureClass::Error))?;
        let made = self
            .made_by_this_run(&head_before, &message, Some((&base_commit, &tree)))
            .await;
        let identity = self.git.identity().await;
        let identity: Vec<(&str, &str)> = identity.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let committed = if made {
            Git::run_in(wt, &["reset", "--soft", "-q", &head_before], &[]).await
        } else {
            Git::run_in(
                &worktree,
                &["commit", "-q", "--no-verify", "-m", &message],
                &identity,
            )
            .await
        };
        committed.map_err(|e| {
            if e.stderr.contains("nothing to commit") || e.stderr.is_empty() {
                (
                    FailureClass::Error,
                    "the fix has no changes to commit".into(),
                )
            } else {
                (FailureClass::Error, e.to_string())
            }
        })?;
        let commit = Git::run_in(&worktree, &["rev-parse", "HEAD"], &[])
            .await
            .map_err(err(FailureClass::Error))?;
        let files = Git::run_in(
            &worktree,
            &["diff", "--name-only", &base_commit, "HEAD"],
            &[],
        )
        .await
        .map_err(err(FailureClass::Error))?;
        Ok(EventKind::FixCommitted {
            branch,
            commit,
            files_changed: files.lines().map(str::to_owned).collect(),
            message,
            repro_removed: remove_repro,
        })
    }

    async fn push(&mut self) -> Outcome {
        let Some(branch) = self.fix_branch.clone() else {
            return Err((FailureClass::Error, "no fix branch to push".into()));
        };
        let Some(remote) = self.setup.remote.clone() else {
            return Ok(EventKind::PrSkipped {
                reason: "the repository has no remote to push to".into(),
            });
        };
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        self.git
            .run(&["push", "--quiet", &remote, &refspec])
            .await
            .map_err(|e| {
                (
                    FailureClass::Unavailable,
                    format!(
                        "git push to {remote} failed: {}\n  hint: check that you can push to \
                         {remote} (`git push {remote} {branch}` from the repository)",
                        e.stderr
                    ),
                )
            })?;
        let commit = self
            .git
            .rev_parse(&format!("refs/heads/{branch}"))
            .await
            .map_err(err(FailureClass::Error))?;
        Ok(EventKind::BranchPushed {
            remote,
            branch,
            commit,
        })
    }

    async fn open_pr(&mut self) -> Outcome {
        let view = self.emitter.view();
        let Some(fix) = view.fix.clone() else {
            return Err((FailureClass::Error, "no fix to open a PR for".into()));
        };
        let body = pr_body(&view);
        let request = PrRequest {
            branch: fix.branch.clone(),
            base: fix.base.clone(),
            title: fix.message.lines().next().unwrap_or_default().to_owned(),
            body,
            draft: self.setup.info.draft,
            labels: self.setup.info.labels.clone(),
            failing_pr: view
                .ci_run
                .as_ref()
                .and_then(|r| r.pull_requests.first().copied()),
        };
        match self.forge.open_pr(&request).await? {
            PrOutcome::Opened { url, number, notes } => {
                for note in notes {
                    self.warn(note);
                }
                Ok(EventKind::PrOpened { url, number })
            }
            PrOutcome::Skipped { reason } => Ok(EventKind::PrSkipped { reason }),
        }
    }

    async fn find_developers(&mut self) -> EventKind {
        let view = self.emitter.view();
        let files: Vec<String> = view
            .fix
            .as_ref()
            .map(|f| f.files_changed.clone())
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| {
                view.verification()
                    .map(|v| {
                        v.diff
                            .lines()
                            .filter_map(|l| l.strip_prefix("+++ b/"))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            });
        let rev = self.base_commit.clone().unwrap_or_else(|| "HEAD".into());
        EventKind::DevelopersFound {
            developers: self.git.authors(&rev, &files, 3).await,
        }
    }

    async fn cleanup(&mut self, keep_fix_worktree: bool) -> EventKind {
        let mut paths = Vec::new();
        let mut kept = Vec::new();
        let mut kept_trees = Vec::new();
        let mut remove = Vec::new();
        if let Some(scratch) = self.scratch.take() {
            remove.push(scratch);
        }
        if let Some(fix) = self.fix_worktree.clone() {
            if keep_fix_worktree {
                kept.push(fix.display().to_string());
                kept_trees.push(
                    crate::adapters::git::worktree_tree(&fix)
                        .await
                        .unwrap_or_default(),
                );
            } else {
                remove.push(fix);
            }
        }
        for path in remove {
            if !path.exists() {
                // Gone already (a resumed run whose first attempt had cleaned up).
                paths.push(path.display().to_string());
                continue;
            }
            match self.git.remove_worktree(&path).await {
                Ok(()) => paths.push(path.display().to_string()),
                Err(e) => self.warn(format!("could not remove worktree {}: {e}", path.display())),
            }
        }
        let _ = self.git.run(&["worktree", "prune"]).await;
        EventKind::WorktreesRemoved {
            paths,
            kept,
            kept_trees,
        }
    }

    fn write_report(&mut self, status: RunStatus, exit_code: i32, message: String) -> Outcome {
        // The report is a replay of the journal through the one reducer, so what it says is
        // exactly what was recorded; the live view only stands in if the journal is unreadable.
        let journal = self.setup.run_dir.join("events.jsonl");
        let view = match read_journal(&journal) {
            Ok(events) if !events.is_empty() => RunView::replay(&events),
            Ok(_) | Err(_) => {
                self.warn(format!(
                    "could not replay {}; the report uses the live view",
                    journal.display()
                ));
                self.emitter.view()
            }
        };
        let end = Conclusion {
            status,
            exit_code,
            message,
        };
        let outputs = self.setup.workspace.join("outputs");
        let md_path = outputs.join(format!("{}.md", self.setup.run_id));
        let json_path = outputs.join(format!("{}.json", self.setup.run_id));
        let json = serde_json::to_string_pretty(&report::json(&view, &end))
            .map_err(|e| (FailureClass::Error, e.to_string()))?;
        std::fs::create_dir_all(&outputs)
            .and_then(|()| std::fs::write(&md_path, report::markdown(&view, &end)))
            .and_then(|()| std::fs::write(&json_path, json + "\n"))
            .map_err(|e| (FailureClass::Error, format!("cannot write the report: {e}")))?;
        Ok(EventKind::ReportWritten {
            markdown: md_path.display().to_string(),
            json: json_path.display().to_string(),
        })
    }
}

/// The PR body: what was fixed and how it was verified, then the whole report folded away, all
/// under GitHub's 65,536-character limit.
fn pr_body(view: &RunView) -> String {
    const LIMIT: usize = 60_000;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "Draft fix for the CI failure **{}**, opened by fixloop.\n",
        view.name
    );
    if let Some(run) = &view.ci_run {
        let _ = writeln!(
            body,
            "Failing run: {} (`{}`)\n",
            run.html_url,
            run.failed_jobs.join("; ")
        );
    }
    if let Some((_, notes)) = view.notes.iter().find(|(p, _)| *p == Phase::Fix) {
        let _ = writeln!(body, "### Root cause\n\n{}\n", notes.trim());
    }
    if let Some(v) = view.verification() {
        let _ = writeln!(
            body,
            "### Verification\n\n- the reproduction `{}` passed {} of {} runs with the fix\n- \
             without the fix's code changes it fails again: {}\n",
            v.passes.command,
            v.passes.runs - v.passes.failures,
            v.passes.runs,
            if v.revert_check.as_ref().is_some_and(|r| r.failures > 0) {
                "yes"
            } else {
                "no"
            }
        );
    }
    let report = report::markdown(
        view,
        &Conclusion {
            status: RunStatus::Success,
            exit_code: 0,
            message: "verified fix, opening the PR".into(),
        },
    );
    let room = LIMIT.saturating_sub(body.len() + 200);
    let mut folded = report;
    if folded.len() > room {
        let mut end = room;
        while !folded.is_char_boundary(end) {
            end -= 1;
        }
        folded.truncate(end);
        folded.push_str("\n\n… (cut to fit; the whole report is in fixloop's outputs/ folder)");
    }
    let _ = write!(
        body,
        "<details><summary>Full fixloop report</summary>\n\n{folded}\n\n</details>\n"
    );
    body
}

/// A flaky reproduction counts when some run fails the way CI did; the rate is recorded.
fn judge_flaky(attempt: u32, repro: &Reproduction, outcome: &stress::Outcome) -> EventKind {
    let n = outcome.runs;
    let interval = stats::wilson_95(outcome.matching, n).unwrap_or((0.0, 1.0));
    let rate = format!(
        "{} (95 % CI {}–{})",
        stats::percent(f64::from(outcome.matching) / f64::from(n.max(1))),
        stats::percent(interval.0).trim_end_matches(" %"),
        stats::percent(interval.1)
    );
    let others: Vec<String> = outcome
        .groups
        .iter()
        .filter(|(_, _, ci)| !ci)
        .map(|(sig, count, _)| format!("{count} × {sig}"))
        .collect();
    let mut reason = if outcome.matching > 0 {
        format!(
            "failed like CI in {} of {n} runs: rate {rate}",
            outcome.matching
        )
    } else if outcome.failures > 0 {
        format!(
            "{} of {n} runs failed, but none the way CI did",
            outcome.failures
        )
    } else {
        format!("no run failed in {n} runs: the stress test does not reproduce the failure")
    };
    if !others.is_empty() {
        let _ = write!(reason, "; other failures: {}", others.join("; "));
    }
    if outcome.stopped_early {
        reason.push_str(" (the time budget ended the runs early)");
    }
    EventKind::ReproductionChecked {
        attempt,
        reproduced: outcome.matching > 0,
        reason,
        runs: TestRuns {
            command: repro.command.clone(),
            runs: n,
            failures: outcome.failures,
            matching: outcome.matching,
            output: outcome.first_failure_output.clone(),
        },
        invalid_input: false,
        files: Vec::new(),
    }
}

/// Whether the reproduction's runs fail the way CI failed.
fn judge_reproduction(
    attempt: u32,
    repro: &Reproduction,
    signature: Option<&Regex>,
    results: &[(process::Finished, String)],
    deterministic: bool,
) -> EventKind {
    let runs = tally(&repro.command, results, signature, true);
    if !deterministic {
        // A flaky failure is reproduced when some run fails the way CI did.
        let n = runs.runs;
        let matching = runs.matching;
        let reproduced = matching > 0
            && (repro.signature.is_some()
                || results
                    .iter()
                    .filter(|(f, _)| !f.success())
                    .any(|(_, out)| foreign_failure(out).is_none()));
        let reason = if reproduced {
            format!("failed {matching} of {n} runs like CI")
        } else if runs.failures == 0 {
            format!("no run failed ({n} runs): the stress test does not reproduce the failure")
        } else {
            format!(
                "{} of {n} runs failed, but not the way CI did",
                runs.failures
            )
        };
        return EventKind::ReproductionChecked {
            attempt,
            reproduced,
            reason,
            runs,
            invalid_input: false,
            files: Vec::new(),
        };
    }
    let n = runs.runs;
    let failed = runs.failures;
    let foreign = results
        .iter()
        .filter(|(f, _)| !f.success())
        .find_map(|(f, out)| match f.exit_code() {
            Some(126 | 127) => Some(format!(
                "the command could not run (exit {})",
                f.exit_code().unwrap_or(0)
            )),
            _ => foreign_failure(out),
        });
    let (reproduced, reason) = if n == 0 {
        (false, "the reproduction did not run".to_owned())
    } else if failed < n {
        (
            false,
            if failed == 0 {
                format!("the reproduction passes ({n} of {n} runs): it does not fail like CI")
            } else {
                format!(
                    "the reproduction failed only {failed} of {n} runs: a deterministic failure must fail every run"
                )
            },
        )
    } else if let Some(sig) = &repro.signature {
        if runs.matching == n {
            (
                true,
                format!("fails {n} of {n} runs, matching the CI signature `{sig}`"),
            )
        } else {
            let why = foreign.map(|f| format!(" ({f})")).unwrap_or_default();
            (
                false,
                format!(
                    "it fails, but {} of {n} runs do not show the CI signature `{sig}`: it fails \
                     for another reason{why}",
                    n - runs.matching
                ),
            )
        }
    } else if let Some(foreign) = foreign {
        (false, format!("it fails for another reason: {foreign}"))
    } else {
        (true, format!("fails {n} of {n} runs"))
    };
    EventKind::ReproductionChecked {
        attempt,
        reproduced,
        reason,
        runs,
        invalid_input: false,
        files: Vec::new(),
    }
}

/// Counts failing runs (and those matching `signature`); keeps the most telling output.
fn tally(
    command: &str,
    results: &[(process::Finished, String)],
    signature: Option<&Regex>,
    expect_failure: bool,
) -> TestRuns {
    let failures = results.iter().filter(|(f, _)| !f.success()).count();
    let matching = results
        .iter()
        .filter(|(f, out)| !f.success() && signature.is_none_or(|re| re.is_match(out)))
        .count();
    // Show a run that did not behave as wanted, else the last one.
    let telling = results
        .iter()
        .find(|(f, _)| f.success() == expect_failure)
        .or(results.last());
    let output = telling.map(|(f, _)| f.tail.join("\n")).unwrap_or_default();
    let output: Vec<&str> = output.lines().collect();
    let output = output[output.len().saturating_sub(40)..].join("\n");
    TestRuns {
        command: command.to_owned(),
        runs: u32::try_from(results.len()).unwrap_or(u32::MAX),
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        matching: u32::try_from(matching).unwrap_or(u32::MAX),
        output,
    }
}

/// The reproduction's files as text for the checkpoint (each cut at 8 KiB).
fn shown_files(repro: &Reproduction) -> Vec<(String, String)> {
    repro
        .files
        .iter()
        .map(|(source, dest)| {
            let bytes = std::fs::read(source).unwrap_or_default();
            let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).into_owned();
            if bytes.len() > 8192 {
                text.push_str("\n… (cut at 8 KiB)");
            }
            (dest.clone(), text)
        })
        .collect()
}

/// Places the reproduction's files in a worktree.
fn place(repro: &Reproduction, root: &Path) -> Result<(), String> {
    for (source, dest) in &repro.files {
        copy_file(source, &root.join(dest))?;
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

/// Files under `dir` (as paths relative to the repository through `relative`), leaving out files
/// over 1 MiB.
fn collect_files(dir: &Path, relative: &Path, out: &mut Vec<String>, skipped: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let rel = relative.join(entry.file_name());
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            collect_files(&path, &rel, out, skipped);
        } else if meta.len() > 1 << 20 {
            skipped.push(rel.display().to_string());
        } else {
            out.push(rel.display().to_string());
        }
    }
}

fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}
