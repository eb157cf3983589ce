//! A run's setup: where it lives, what it works on, and the choices it was started with. Built
//! once by `fixloop run`, journaled in `run-started`, and read back whole by `fixloop resume`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::core::error::StepError;
use crate::core::event::{EventKind, Phase};
use crate::core::info::{AgentKind, Info};
use crate::core::repro::{Manifest, ReproFile};
use crate::core::setup::{Check, Reproduction, RunSetup, Settings};
use crate::engine::store::Store;

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
    pub agent: AgentKind,
    pub headless: bool,
    /// Who answers checkpoints: the `--approve` policy headless, `person` in the TUI.
    pub policy: String,
    /// What the journal keeps so that `fixloop resume` carries on with the same choices.
    pub recorded: RunSetup,
}

impl Setup {
    /// `fixloop resume` for this run, as it works from the current folder.
    #[must_use]
    pub fn resume_command(&self) -> String {
        format!(
            "fixloop resume {}",
            Store::new(&self.workspace).run_arg(&self.run_id)
        )
    }

    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.recorded.settings
    }

    /// The repository as fixloop's memory names it.
    #[must_use]
    pub fn memory_repo(&self) -> String {
        self.recorded
            .memory_repo
            .clone()
            .unwrap_or_else(|| self.repo.display().to_string())
    }

    #[must_use]
    pub fn remote(&self) -> Option<&str> {
        self.recorded.remote.as_deref()
    }

    /// How long one AI step may take.
    #[must_use]
    pub fn ai_budget(&self) -> Duration {
        Duration::from_secs(self.recorded.ai_budget_secs)
    }

    /// What the whole run may spend on agents, in US dollars.
    #[must_use]
    pub fn run_budget_usd(&self) -> f64 {
        self.recorded.run_budget_usd()
    }

    /// What one AI step may spend, in US dollars.
    #[must_use]
    pub fn step_budget_usd(&self) -> f64 {
        self.recorded.step_budget_usd()
    }

    /// How long one test run may take (and a flaky measurement in all).
    #[must_use]
    pub fn test_budget(&self) -> Duration {
        Duration::from_secs(self.recorded.test_budget_secs)
    }

    /// The `run-started` event of a run of `pipeline`, whose phases are `phases`.
    #[must_use]
    pub fn started(&self, pipeline: &str, phases: &[Phase]) -> EventKind {
        let r = &self.recorded;
        EventKind::RunStarted {
            run_id: self.run_id.clone(),
            name: self.name.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            info: Box::new(self.info.clone()),
            repo: self.repo.display().to_string(),
            workspace: self.workspace.display().to_string(),
            failure_dir: self.failure_dir.display().to_string(),
            agent: self.agent,
            base: self.base.clone(),
            headless: self.headless,
            policy: self.policy.clone(),
            perturbation: [("nice", r.nice), ("cpu-load", r.cpu_load)]
                .iter()
                .filter(|(_, on)| *on)
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            setup: Some(Box::new(r.clone())),
            pipeline: pipeline.to_owned(),
            phases: phases.to_vec(),
        }
    }

    /// The setup a journal's `run-started` records, for a resumed run shown `headless` or not
    /// and answered by `policy`.
    pub fn from_started(
        started: &EventKind,
        run_dir: PathBuf,
        headless: bool,
        policy: String,
    ) -> Result<Self, String> {
        let EventKind::RunStarted {
            run_id,
            name,
            info,
            repo,
            workspace,
            failure_dir,
            agent,
            base,
            setup,
            ..
        } = started
        else {
            return Err("the journal does not begin with run-started".into());
        };
        let recorded = setup
            .as_deref()
            .cloned()
            .ok_or("this run was started by a fixloop that did not record what resuming needs")?;
        Ok(Self {
            run_id: run_id.clone(),
            run_dir,
            workspace: workspace.into(),
            repo: repo.into(),
            failure_dir: failure_dir.into(),
            info: (**info).clone(),
            name: name.clone(),
            base: base.clone(),
            agent: *agent,
            headless,
            policy,
            recorded,
        })
    }
}

/// A manifest's reproduction, its files resolved against its failure folder. The folder and every
/// part of its path must be real folders, and each source a regular file inside it (after links
/// are resolved): an agent cannot point fixloop at a file elsewhere. A refusal is an input error
/// naming the file, the field and the value.
pub fn resolve_reproduction(
    manifest: &Manifest,
    failure_dir: &Path,
) -> Result<Reproduction, StepError> {
    resolve_manifest(manifest, failure_dir, &failure_dir.join("repro.json"))
}

/// As [`resolve_reproduction`], for a manifest at `manifest_path` (`repro.json`, or the
/// `tests.json` of tests written after the fix).
pub fn resolve_manifest(
    manifest: &Manifest,
    failure_dir: &Path,
    manifest_path: &Path,
) -> Result<Reproduction, StepError> {
    let refuse = |message: String, hint: &str| {
        StepError::input(format!(
            "{}: field `files`: {message}",
            manifest_path.display()
        ))
        .hint(hint)
    };
    if let Some(link) = symlink_on_path(failure_dir) {
        return Err(StepError::input(format!(
            "{}: the failure folder's path goes through the symbolic link {}",
            manifest_path.display(),
            link.display()
        ))
        .hint("keep the failure folder a real folder inside the workspace"));
    }
    let root = failure_dir
        .canonicalize()
        .map_err(|e| StepError::input(format!("{}: {e}", failure_dir.display())))?;
    let files = resolve_files(&manifest.files, failure_dir, &root, &refuse)?;
    let check = match &manifest.check {
        None => None,
        Some(check) => Some(Check {
            command: check.command.clone(),
            files: resolve_files(&check.files, failure_dir, &root, &refuse)?,
            signature: check.signature.clone(),
        }),
    };
    Ok(Reproduction {
        command: manifest.command.clone(),
        files,
        signature: manifest.signature.clone(),
        timeout: manifest.timeout,
        runs: manifest.runs,
        check,
    })
}

/// Each file's source in the failure folder, checked to be a regular file inside it.
fn resolve_files(
    listed: &[ReproFile],
    failure_dir: &Path,
    root: &Path,
    refuse: &dyn Fn(String, &str) -> StepError,
) -> Result<Vec<(PathBuf, String)>, StepError> {
    let mut files = Vec::new();
    for f in listed {
        let source = failure_dir.join(&f.source);
        let Ok(meta) = std::fs::symlink_metadata(&source) else {
            return Err(refuse(
                format!("`{}` does not exist in {}", f.source, failure_dir.display()),
                "write the file there, or fix its `source` path (relative to the failure folder)",
            ));
        };
        let inside = source
            .canonicalize()
            .is_ok_and(|real| real.starts_with(root));
        if !meta.file_type().is_file() || !inside {
            return Err(refuse(
                format!(
                    "`source` `{}` is not a regular file inside the failure folder",
                    f.source
                ),
                "copy the test into the failure folder itself (no links, no folders)",
            ));
        }
        files.push((source, f.dest.clone()));
    }
    Ok(files)
}

/// The failure folder's `repro.json`, read, validated and resolved.
pub fn read_reproduction(failure_dir: &Path) -> Result<Reproduction, StepError> {
    let path = failure_dir.join("repro.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Err(StepError::input(format!(
            "{} does not exist: the reproduce step must write it (command, files, signature)",
            path.display()
        )));
    };
    let manifest = Manifest::parse(&path.display().to_string(), &text)?;
    resolve_reproduction(&manifest, failure_dir)
}

/// The first part of `path` (itself included) that is a symbolic link.
fn symlink_on_path(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
        .map(Path::to_path_buf)
}
