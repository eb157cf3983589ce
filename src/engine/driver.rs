//! The loop that runs a pipeline: it feeds the pipeline's machine its inputs, journals each input
//! together with the events it caused, answers checkpoints through the decider, hands every
//! other request to the pipeline's steps, and turns Ctrl-C into an interruption. It knows no
//! pipeline in particular.

use std::collections::VecDeque;

use super::bench::Bench;
use super::pipeline::Pipeline;
use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::exit::ExitCode;
use crate::core::pipeline::{Input, Machine, Replayed, Request, Role, record_of};
use crate::core::setup::spent_cents;
use crate::core::view::RunView;

type Effect<P> = <<P as Pipeline>::Machine as Machine>::Effect;

pub struct Driver<P: Pipeline> {
    pipeline: P,
    machine: P::Machine,
    bench: Bench,
}

impl<P: Pipeline> std::fmt::Debug for Driver<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("machine", &self.machine)
            .field("bench", &self.bench)
            .finish_non_exhaustive()
    }
}

impl<P: Pipeline> Driver<P> {
    #[must_use]
    pub fn new(pipeline: P, bench: Bench) -> Self {
        let machine = pipeline.machine(&bench.setup);
        Self {
            pipeline,
            machine,
            bench,
        }
    }

    /// Runs the pipeline from its start to its end; returns the exit code.
    pub async fn run(mut self) -> ExitCode {
        let started = self
            .bench
            .setup
            .started(self.machine.name(), self.machine.phases());
        self.bench.emit(started);
        let effects = self.feed(Input::Start);
        self.drive(effects).await
    }

    /// Goes on with a run from its journal: the machine as the replay rebuilt it, and the step
    /// that was cut off (or failed, or waits for a decision) done again. The bench's view must
    /// be the one the replay's live events give.
    pub async fn resume(mut self, replayed: Replayed<P::Machine>) -> ExitCode {
        self.machine = replayed.pipeline;
        let step = replayed.pending.first().map_or("start", Request::name);
        self.bench.emit(EventKind::RunResumed {
            from_seq: replayed.from_seq,
            step: step.to_owned(),
            phase: self.machine.open_phase(),
            reason: replayed.stopped,
            headless: self.bench.setup.headless,
            policy: self.bench.setup.policy.clone(),
            budget_cents: self.bench.setup.recorded.budget_cents,
            step_budget_cents: self.bench.setup.recorded.step_budget_cents,
            spent_cents: self.bench.view(RunView::cost_usd).map(spent_cents),
        });
        let effects = if replayed.pending.is_empty() {
            self.feed(Input::Start)
        } else {
            replayed.pending
        };
        self.drive(effects).await
    }

    /// Journals the input together with what it caused, applies it, and returns the effects.
    fn feed(&mut self, input: Input) -> Vec<Effect<P>> {
        let record = record_of(&input);
        let step = self.machine.handle(input);
        let mut events = vec![EventKind::InputApplied { input: record }];
        events.extend(step.events);
        self.bench.emitter.emit_all(events);
        step.effects
    }

    async fn drive(&mut self, effects: Vec<Effect<P>>) -> ExitCode {
        let mut queue = VecDeque::from(effects);
        let mut interrupted = false;
        while let Some(effect) = queue.pop_front() {
            let role = effect.role();
            let mut input = match role {
                Role::Finish { exit_code } => return exit_code,
                Role::Decide { id } => self.decide(id).await,
                Role::Work { announce, .. } => {
                    // Journaled before the step's side effects, so a resumed run knows it began.
                    if announce {
                        self.bench.emit(EventKind::StepStarted {
                            step: effect.name().to_owned(),
                            branch: None,
                            commit: None,
                        });
                    }
                    self.pipeline.execute(effect, &mut self.bench).await
                }
            };
            let closing = matches!(role, Role::Work { closing: true, .. });
            if let Some(failure) = self.bench.emitter.take_write_failure() {
                // What the run did is no longer all on disk: it stops, and resumes from the
                // journal once there is room.
                input = Input::Failed(StepError::io(failure).hint(format!(
                    "free some space (or fix the permissions), then `{}`",
                    self.bench.setup.resume_command()
                )));
            } else if !interrupted && !closing && self.bench.cancelled() {
                interrupted = true;
                input = Input::Interrupted;
            }
            queue.extend(self.feed(input));
        }
        tracing::error!("the pipeline stopped without finishing");
        ExitCode::Failed
    }

    /// The decider's answer to checkpoint `id`, as the view holds it.
    async fn decide(&mut self, id: u32) -> Input {
        let checkpoint = self
            .bench
            .view(|v| v.checkpoints.iter().find(|c| c.id == id).cloned());
        let Some(checkpoint) = checkpoint else {
            return Input::Failed(StepError::error(format!("checkpoint {id} is unknown")));
        };
        let (decision, by) = self.bench.decider.decide(&checkpoint).await;
        Input::Decided { id, decision, by }
    }
}
