//! What `fixloop init github` is asked for: which agent, who approves, how a fix is delivered,
//! where the jobs run and what they may spend, how fixloop is installed, and which of the four
//! shapes of workflow to write. Every value in it was checked as it was read (`values`).

use super::values::{
    AgentVersion, Central, ConfigPath, Cron, Dollars, GitUrl, Rev, RunnerLabel, ValueError,
    WorkflowName,
};

/// The secret holding the GitHub App's private key.
pub const APP_KEY: &str = "FIXLOOP_APP_PRIVATE_KEY";

/// The configuration variable holding the GitHub App's id (not a secret: an App's id is public).
pub const APP_ID: &str = "FIXLOOP_APP_ID";

/// The agent that does the AI steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
}

impl Agent {
    pub const ALL: [Self; 2] = [Self::Claude, Self::Codex];

    /// As `fixloop ci analyze --agent` takes it, and as its command is named.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Codex => "codex",
        }
    }

    /// The npm package of its CLI.
    #[must_use]
    pub fn package(self) -> &'static str {
        match self {
            Self::Claude => "@anthropic-ai/claude-code",
            Self::Codex => "@openai/codex",
        }
    }

    /// The secret holding its model key (and the variable the agent reads it from).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Claude => "ANTHROPIC_API_KEY",
            Self::Codex => "OPENAI_API_KEY",
        }
    }
}

/// Who approves a verified fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// The publish job publishes what fixloop verified.
    Auto,
    /// A person answers with a `/fixloop approve | revise | abort` comment first.
    Review,
}

impl Approval {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Review => "review",
        }
    }
}

/// How a verified fix reaches the failing pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A pushed branch and a draft PR (a fork's PR still gets a suggestion).
    Pr,
    /// Only ever a suggestion comment; nothing is pushed.
    Suggestion,
}

impl Delivery {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pr => "pr",
            Self::Suggestion => "suggestion",
        }
    }
}

/// Where fixloop is installed from: `cargo install --locked --git SOURCE --rev REV fixloop`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub source: GitUrl,
    pub rev: Rev,
}

/// Which workflow to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// One repository's own workflow: its triggers and both jobs.
    Standalone { watch: Vec<WorkflowName> },
    /// The organisation's reusable workflow (`workflow_call`): both jobs, every setting an
    /// input, the keys secrets; callers hold the triggers.
    Reusable,
    /// A repository's thin caller of the reusable workflow, pinned by its commit.
    Caller {
        watch: Vec<WorkflowName>,
        central: Central,
    },
    /// The fork's sync with upstream (`fixloop-sync.yml`, beside `fixloop.yml`): `fixloop sync`
    /// on a schedule, reading `config` from the checkout.
    Sync { schedule: Cron, config: ConfigPath },
}

/// Everything the generated workflow depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub agent: Agent,
    /// The agent CLI's version; `None` is the version fixloop pins (`pins::agent_version`).
    pub agent_version: Option<AgentVersion>,
    pub approval: Approval,
    pub delivery: Delivery,
    /// The analyze job's limit; the publish job has a short one of its own.
    pub timeout_minutes: u32,
    /// Attempts per pull request before fixloop stops trying.
    pub attempt_cap: u32,
    /// The run's cost budget (`FIXLOOP_MAX_COST_USD`); `None` leaves fixloop's default.
    pub max_cost: Option<Dollars>,
    /// The runners' labels; empty means GitHub's `ubuntu-latest`.
    pub runs_on: Vec<RunnerLabel>,
    /// Publish with a GitHub App's token, so that CI runs on fixloop's pushes.
    pub app: bool,
    /// How to install fixloop; a caller may leave it to the central workflow.
    pub install: Option<Install>,
    pub shape: Shape,
}

impl Options {
    pub const DEFAULT_TIMEOUT_MINUTES: u32 = 60;
    pub const DEFAULT_ATTEMPT_CAP: u32 = 3;
    /// GitHub's limit for a job on its own runners is 6 hours; self-hosted ones may run longer.
    pub const MAX_TIMEOUT_MINUTES: u32 = 4320;
    pub const MAX_ATTEMPT_CAP: u32 = 20;

    /// The defaults for a standalone workflow watching `watch`, installing fixloop from
    /// `install`.
    #[must_use]
    pub fn new(install: Install, watch: Vec<WorkflowName>) -> Self {
        Self {
            agent: Agent::Claude,
            agent_version: None,
            approval: Approval::Auto,
            delivery: Delivery::Pr,
            timeout_minutes: Self::DEFAULT_TIMEOUT_MINUTES,
            attempt_cap: Self::DEFAULT_ATTEMPT_CAP,
            max_cost: None,
            runs_on: Vec::new(),
            app: false,
            install: Some(install),
            shape: Shape::Standalone { watch },
        }
    }

    /// The watched workflows, for the shapes that hold triggers.
    #[must_use]
    pub fn watch(&self) -> &[WorkflowName] {
        match &self.shape {
            Shape::Standalone { watch } | Shape::Caller { watch, .. } => watch,
            Shape::Reusable | Shape::Sync { .. } => &[],
        }
    }

    /// What no single value shows: a shape with triggers watches something, the numbers are in
    /// range, the workflows that install fixloop know where from, and the sync workflow is
    /// asked for nothing it would leave out.
    pub fn check(&self) -> Result<(), ValueError> {
        if matches!(self.shape, Shape::Standalone { .. } | Shape::Caller { .. })
            && self.watch().is_empty()
        {
            return Err(ValueError(
                "no workflow to watch: name the workflows whose failures fixloop should take \
                 with --watch NAME"
                    .into(),
            ));
        }
        if !(1..=Self::MAX_TIMEOUT_MINUTES).contains(&self.timeout_minutes) {
            return Err(ValueError(format!(
                "a timeout of {} minutes is out of range (1 to {})",
                self.timeout_minutes,
                Self::MAX_TIMEOUT_MINUTES
            )));
        }
        if !(1..=Self::MAX_ATTEMPT_CAP).contains(&self.attempt_cap) {
            return Err(ValueError(format!(
                "an attempt cap of {} is out of range (1 to {})",
                self.attempt_cap,
                Self::MAX_ATTEMPT_CAP
            )));
        }
        if self.install.is_none() && !matches!(self.shape, Shape::Caller { .. }) {
            return Err(ValueError(
                "the workflow must know how to install fixloop: pass --fixloop-source URL and \
                 --fixloop-rev SHA"
                    .into(),
            ));
        }
        if matches!(self.shape, Shape::Sync { .. }) {
            self.check_sync()?;
        }
        Ok(())
    }

    /// The options of fixloop.yml that `fixloop sync` has no use for: a sync is approved on its
    /// pull request, is always a pull request, and takes its limits from `[sync]`.
    fn check_sync(&self) -> Result<(), ValueError> {
        let unused = [
            (self.approval != Approval::Auto, "--approval"),
            (self.delivery != Delivery::Pr, "--delivery"),
            (
                self.attempt_cap != Self::DEFAULT_ATTEMPT_CAP,
                "--attempt-cap",
            ),
            (self.max_cost.is_some(), "--max-cost"),
        ];
        match unused.iter().find(|(set, _)| *set) {
            Some((_, flag)) => Err(ValueError(format!(
                "{flag} does not apply to the sync workflow: the sync pull request is reviewed as \
                 any other, and the [sync] section of fixloop.toml sets its limits"
            ))),
            None => Ok(()),
        }
    }
}
