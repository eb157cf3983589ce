//! A second pipeline, written here with nothing but fixloop's public pipeline contract, runs
//! through the real driver, journal, checkpoint policy, headless reporter and report renderer.
//!
//! `recheck` asks whether a known reproduction still fails on the latest base: it makes a branch
//! from the base with the reproduction in it (a shared step), runs the reproduction there (a step
//! of its own, judged by fixloop's own verdict), lets the checkpoint policy accept the result,
//! then cleans up and writes its report (shared steps) with a section of its own.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use fixloop::adapters::agent::CommandAgent;
use fixloop::adapters::forge::NoForge;
use fixloop::adapters::git::Git;
use fixloop::core::event::{
    CheckpointKind, DecidedBy, Decision, DecisionKind, Event, EventKind, Phase, PhaseStatus,
    RunStatus,
};
use fixloop::core::exit::ExitCode;
use fixloop::core::info::{AgentKind, Info};
use fixloop::core::pipeline::{Input, Machine, Request, Role, Step, replay};
use fixloop::core::policy::Approve;
use fixloop::core::report::Sections;
use fixloop::core::setup::{Reproduction, RunSetup, Settings};
use fixloop::core::verdict;
use fixloop::core::view::{CheckpointView, RunView};
use fixloop::engine::bench::Bench;
use fixloop::engine::driver::Driver;
use fixloop::engine::emitter::Emitter;
use fixloop::engine::pipeline::Pipeline;
use fixloop::engine::ports::{BoxFuture, Decider};
use fixloop::engine::setup::Setup;
use fixloop::engine::steps::{branch, closing};
use fixloop::engine::store::{Journal, read_journal};
use fixloop::ui::headless::{LineReporter, PolicyDecider};
use support::{Sandbox, write};
use tokio::sync::watch;

const PHASES: [Phase; 3] = [Phase::FixBranch, Phase::ConfirmRepro, Phase::Report];

/// What `recheck` asks of the engine.
#[derive(Debug, Clone, PartialEq)]
enum Recheck {
    Branch,
    Run,
    Decide(u32),
    Cleanup,
    Report {
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
    },
    Finish(ExitCode),
}

impl Request for Recheck {
    fn name(&self) -> &'static str {
        match self {
            Self::Branch => "branch",
            Self::Run => "run-reproduction",
            Self::Decide(_) => "await-decision",
            Self::Cleanup => "cleanup",
            Self::Report { .. } => "write-report",
            Self::Finish(_) => "finish",
        }
    }

    fn role(&self) -> Role {
        match self {
            Self::Decide(id) => Role::Decide { id: *id },
            Self::Finish(exit_code) => Role::Finish {
                exit_code: *exit_code,
            },
            Self::Cleanup | Self::Report { .. } => Role::Work {
                announce: true,
                closing: true,
            },
            Self::Branch | Self::Run => Role::Work {
                announce: true,
                closing: false,
            },
        }
    }
}

/// `recheck`'s rules: branch, run, one checkpoint, then close.
#[derive(Debug, Clone, Default)]
struct RecheckMachine {
    still_fails: Option<bool>,
    outcome: Option<(RunStatus, ExitCode, String)>,
    finished: bool,
    phase: Option<Phase>,
}

impl RecheckMachine {
    fn conclude(
        &mut self,
        status: RunStatus,
        exit_code: ExitCode,
        message: String,
        step: &mut Step<Recheck>,
    ) {
        if let Some(phase) = self.phase.take() {
            step.events.push(EventKind::PhaseFinished {
                phase,
                status: PhaseStatus::Passed,
                message: message.clone(),
            });
        }
        self.outcome = Some((status, exit_code, message));
        step.effects.push(Recheck::Cleanup);
    }

    fn begin(&mut self, phase: Phase, step: &mut Step<Recheck>) {
        self.phase = Some(phase);
        step.events.push(EventKind::PhaseStarted { phase });
    }

    fn done(&mut self, fact: EventKind, step: &mut Step<Recheck>) {
        step.events.push(fact.clone());
        match fact {
            EventKind::FixBranchCreated { branch, .. } => {
                step.events.push(EventKind::PhaseFinished {
                    phase: Phase::FixBranch,
                    status: PhaseStatus::Passed,
                    message: format!("{branch} is ready"),
                });
                self.begin(Phase::ConfirmRepro, step);
                step.effects.push(Recheck::Run);
            }
            EventKind::ReproductionChecked {
                reproduced, reason, ..
            } => {
                self.still_fails = Some(reproduced);
                step.events.push(EventKind::CheckpointReached {
                    id: 1,
                    kind: CheckpointKind::AfterStep {
                        phase: Phase::ConfirmRepro,
                        attempt: 1,
                        verified: true,
                        summary: reason,
                        findings: Vec::new(),
                        suggested_feedback: String::new(),
                        left: None,
                    },
                    options: vec![DecisionKind::Approve, DecisionKind::Abort],
                });
                step.effects.push(Recheck::Decide(1));
            }
            EventKind::WorktreesRemoved { .. } => {
                let (status, exit_code, message) = self.outcome.clone().unwrap();
                self.begin(Phase::Report, step);
                step.effects.push(Recheck::Report {
                    status,
                    exit_code,
                    message,
                });
            }
            EventKind::ReportWritten { .. } => {
                let (status, exit_code, message) = self.outcome.clone().unwrap();
                step.events.push(EventKind::PhaseFinished {
                    phase: Phase::Report,
                    status: PhaseStatus::Passed,
                    message: "report written".into(),
                });
                step.events.push(EventKind::RunFinished {
                    status,
                    exit_code,
                    message,
                });
                self.finished = true;
                step.effects.push(Recheck::Finish(exit_code));
            }
            _ => {}
        }
    }
}

impl Machine for RecheckMachine {
    type Effect = Recheck;

    fn name(&self) -> &'static str {
        "recheck"
    }

    fn phases(&self) -> &'static [Phase] {
        &PHASES
    }

    fn sections(&self) -> &'static dyn Sections {
        &RecheckSections
    }

    fn handle(&mut self, input: Input) -> Step<Recheck> {
        let mut step = Step::default();
        if self.finished {
            return step;
        }
        match input {
            Input::Start => {
                self.begin(Phase::FixBranch, &mut step);
                step.effects.push(Recheck::Branch);
            }
            Input::Done(fact) => self.done(fact, &mut step),
            Input::Decided { id, decision, by } => {
                step.events.push(EventKind::CheckpointResolved {
                    id,
                    decision: decision.clone(),
                    by,
                });
                let message = if self.still_fails == Some(true) {
                    "the failure is still there on the latest base"
                } else {
                    "the failure is gone on the latest base"
                };
                self.conclude(
                    RunStatus::Success,
                    ExitCode::Success,
                    message.into(),
                    &mut step,
                );
            }
            Input::Failed(e) if self.outcome.is_none() => {
                self.conclude(RunStatus::Failed, e.class.exit_code(), e.message, &mut step);
            }
            Input::Interrupted if self.outcome.is_none() => {
                self.conclude(
                    RunStatus::Partial,
                    ExitCode::Interrupted,
                    "interrupted".into(),
                    &mut step,
                );
            }
            _ => {}
        }
        step
    }

    fn is_finished(&self) -> bool {
        self.finished
    }

    fn is_concluded(&self) -> bool {
        self.outcome.is_some()
    }

    fn open_phase(&self) -> Option<Phase> {
        self.phase
    }
}

struct RecheckSections;

impl Sections for RecheckSections {
    fn write(&self, view: &RunView, md: &mut String) {
        md.push_str("## Recheck\n\n");
        for r in &view.reproductions {
            let result = if r.reproduced {
                "still fails"
            } else {
                "passes"
            };
            let _ = writeln!(md, "- `{}` on the latest base: {result}", r.runs.command);
        }
        md.push('\n');
    }
}

/// `recheck`'s steps: two shared ones and one of its own.
struct RecheckPipeline;

impl Pipeline for RecheckPipeline {
    type Machine = RecheckMachine;

    fn machine(&self, _setup: &Setup) -> RecheckMachine {
        RecheckMachine::default()
    }

    fn execute<'a>(&'a self, effect: Recheck, bench: &'a mut Bench) -> BoxFuture<'a, Input> {
        Box::pin(async move {
            let fact = match effect {
                Recheck::Branch => branch::create(bench).await,
                Recheck::Run => Ok(run_reproduction(bench).await),
                Recheck::Cleanup => Ok(closing::cleanup(bench, false).await),
                Recheck::Report {
                    status,
                    exit_code,
                    message,
                } => closing::write_report(bench, &RecheckSections, status, exit_code, message),
                Recheck::Decide(_) | Recheck::Finish(_) => unreachable!("the driver's"),
            };
            match fact {
                Ok(fact) => Input::Done(fact),
                Err(e) => Input::Failed(e),
            }
        })
    }
}

async fn run_reproduction(bench: &Bench) -> EventKind {
    let repro = bench.reproduction().unwrap();
    let worktree = bench.view(|v| PathBuf::from(&v.fix.as_ref().unwrap().worktree));
    let results = bench
        .run_tests(
            Phase::ConfirmRepro,
            "recheck",
            &repro.command,
            &worktree,
            2,
            bench.test_timeout(&repro),
            Some(&repro),
        )
        .await
        .unwrap();
    let judged = verdict::deterministic(&repro.command, repro.signature.as_deref(), &results);
    EventKind::ReproductionChecked {
        attempt: 1,
        reproduced: judged.reproduced,
        reason: judged.reason,
        runs: judged.runs,
        invalid_input: false,
        files: Vec::new(),
        reproduction: Some(repro),
        copies: Vec::new(),
        findings: Vec::new(),
        check: None,
    }
}

/// A run of `recheck` on the sandbox's project, whose `add` subtracts on `main`.
fn setup(sandbox: &Sandbox, repo: &Path) -> Setup {
    let failure_dir = repo.join("reproduce-deterministic-failures/add");
    write(
        &failure_dir.join("tests/test_repro.py"),
        "import calc\n\nassert calc.add(2, 3) == 5, 'add subtracts'\n",
    );
    let run_dir = sandbox.path().join("runs/recheck-1");
    std::fs::create_dir_all(&run_dir).unwrap();
    let info = Info::parse(
        "info.json",
        r#"{"prompt": "add() subtracts", "deterministic": true, "name": "add", "existing-test-path": "reproduce-deterministic-failures/add"}"#,
    )
    .unwrap();
    Setup {
        run_id: "recheck-1".into(),
        run_dir,
        workspace: repo.to_path_buf(),
        repo: repo.to_path_buf(),
        failure_dir: failure_dir.clone(),
        info,
        name: "add".into(),
        base: "main".into(),
        agent: AgentKind::Command,
        headless: true,
        policy: "all".into(),
        recorded: RunSetup {
            settings: Settings::default(),
            remote: None,
            agent_cmd: Some("true".into()),
            github_api_url: None,
            ai_budget_secs: 60,
            test_budget_secs: 60,
            nice: false,
            cpu_load: false,
            measure_failures: None,
            budget_cents: None,
            step_budget_cents: None,
            existing: Some(Reproduction {
                command: "PYTHONPATH=. python3 tests/test_repro.py".into(),
                files: vec![(
                    failure_dir.join("tests/test_repro.py"),
                    "tests/test_repro.py".into(),
                )],
                signature: Some("add subtracts".into()),
                timeout: None,
                runs: None,
                check: None,
            }),
            pipeline_config: None,
            memory_repo: None,
        },
    }
}

fn bench(
    setup: Setup,
    emitter: Emitter,
    decider: Box<dyn Decider>,
    cancel: watch::Receiver<bool>,
) -> Bench {
    Bench {
        vcs: Box::new(Git::new(setup.repo.clone())),
        setup,
        emitter,
        agent: Box::new(CommandAgent {
            command: "true".into(),
        }),
        forge: Box::new(NoForge {
            reason: "no forge here".into(),
        }),
        decider,
        cancel,
    }
}

/// Ctrl-C while the person looks at the checkpoint: they approve, but the run is stopping.
struct InterruptedAtCheckpoint(watch::Sender<bool>);

impl Decider for InterruptedAtCheckpoint {
    fn decide<'a>(
        &'a mut self,
        _checkpoint: &'a CheckpointView,
    ) -> BoxFuture<'a, (Decision, DecidedBy)> {
        let _ = self.0.send(true);
        Box::pin(async { (Decision::Approve, DecidedBy::Person) })
    }
}

/// The headless reporter's lines for every event the run emits.
fn headless(emitter: &Emitter) -> tokio::task::JoinHandle<Vec<String>> {
    let mut events = emitter.subscribe();
    tokio::spawn(async move {
        let reporter = LineReporter::default();
        let mut lines = Vec::new();
        while let Some(event) = events.recv().await {
            lines.extend(reporter.lines(&event));
        }
        lines
    })
}

#[tokio::test]
async fn a_second_pipeline_runs_through_the_same_driver_journal_policy_reporter_and_report() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let setup = setup(&sandbox, &repo);
    let run_dir = setup.run_dir.clone();
    let emitter = Emitter::new(Some(Journal::create(&run_dir).unwrap()));
    let printed = headless(&emitter);
    let (_cancel, cancel_rx) = watch::channel(false);
    let policy = Box::new(PolicyDecider(Approve::All));
    let code = Driver::new(RecheckPipeline, bench(setup, emitter, policy, cancel_rx))
        .run()
        .await;
    assert_eq!(code, ExitCode::Success);

    // The journal: this pipeline's name and phases, its facts, the policy's decision.
    let events = read_journal(&run_dir.join("events.jsonl")).unwrap();
    let kinds: Vec<&EventKind> = events.iter().map(|e| &e.kind).collect();
    assert!(matches!(
        kinds[0],
        EventKind::RunStarted { pipeline, phases, .. } if pipeline == "recheck" && phases[..] == PHASES
    ));
    assert!(
        kinds.iter().any(
            |k| matches!(k, EventKind::StepStarted { step, .. } if step == "run-reproduction")
        )
    );
    assert!(kinds.iter().any(|k| matches!(
        k,
        EventKind::ReproductionChecked {
            reproduced: true,
            ..
        }
    )));
    assert!(kinds.iter().any(|k| matches!(
        k,
        EventKind::CheckpointResolved { by: DecidedBy::Policy(p), .. } if p == "all"
    )));

    // The one reducer and the shared report frame, with the pipeline's own section.
    let view = RunView::replay(&events);
    assert_eq!(view.pipeline, "recheck");
    assert_eq!(
        view.phases.iter().map(|p| p.phase).collect::<Vec<_>>(),
        PHASES
    );
    let end = view.finished.clone().unwrap();
    assert_eq!(end.message, "the failure is still there on the latest base");
    let (md, _) = view.report.clone().unwrap();
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.starts_with("# fixloop report: add\n"), "{md}");
    assert!(md.contains("| fix-branch | passed |"), "{md}");
    assert!(!md.contains("| fix |"), "only this pipeline's phases: {md}");
    assert!(
        md.contains("## Recheck\n\n- `PYTHONPATH=. python3 tests/test_repro.py` on the latest base: still fails"),
        "{md}"
    );
    assert!(
        md.contains("- Checkpoint 1: approve, by policy `all`"),
        "{md}"
    );
    assert!(!md.contains("## Phase 1: Reproduction"), "{md}");

    // The headless reporter shows it like any run.
    let printed = printed.await.unwrap();
    let text = printed.join("\n");
    assert!(
        text.contains("▶ fix-branch") && text.contains("▶ confirm-repro"),
        "{text}"
    );
    assert!(text.contains("→ approve by policy all"), "{text}");
    assert!(
        text.contains("✓ success: the failure is still there on the latest base (exit 0)"),
        "{text}"
    );

    // Its worktree is gone; its branch stays.
    assert!(
        view.removed_worktrees
            .iter()
            .all(|w| !Path::new(w).exists())
    );
    assert!(
        !sandbox
            .git(&repo, &["branch", "--list", "fix/add"])
            .is_empty()
    );
}

#[tokio::test]
async fn a_second_pipeline_interrupted_at_its_checkpoint_resumes_through_the_same_replay() {
    let sandbox = Sandbox::new();
    let repo = sandbox.python_project();
    let setup = setup(&sandbox, &repo);
    let run_dir = setup.run_dir.clone();
    let (cancel, cancel_rx) = watch::channel(false);
    let emitter = Emitter::new(Some(Journal::create(&run_dir).unwrap()));
    let person = Box::new(InterruptedAtCheckpoint(cancel));
    let code = Driver::new(
        RecheckPipeline,
        bench(setup.clone(), emitter, person, cancel_rx),
    )
    .run()
    .await;
    assert_eq!(code, ExitCode::Interrupted);

    let past: Vec<Event> = read_journal(&run_dir.join("events.jsonl")).unwrap();
    let replayed = replay(RecheckMachine::default(), &past).unwrap();
    assert_eq!(replayed.pending, [Recheck::Decide(1)]);
    assert_eq!(replayed.stopped.as_deref(), Some("it was interrupted"));
    let emitter = Emitter::resume(Journal::reopen(&run_dir).unwrap(), &past, replayed.from_seq);
    let (_cancel, cancel_rx) = watch::channel(false);
    let policy = Box::new(PolicyDecider(Approve::All));
    let code = Driver::new(RecheckPipeline, bench(setup, emitter, policy, cancel_rx))
        .resume(replayed)
        .await;
    assert_eq!(code, ExitCode::Success);
    let view = RunView::replay(&read_journal(&run_dir.join("events.jsonl")).unwrap());
    assert_eq!(view.resumes.len(), 1);
    assert_eq!(
        view.finished.unwrap().message,
        "the failure is still there on the latest base"
    );
}
