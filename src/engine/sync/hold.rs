//! A sync held for a publish job (`fixloop sync --hold-push --out DIR`): instead of pushing the
//! branch and opening its PR (or the blocked sync's issue), the branch is written to a git
//! bundle and what publish is to open to `plan.json`, beside it. The plan is written last and
//! whole (beside itself, then renamed): a folder with a plan holds a complete bundle.

use std::path::Path;

use super::{SyncPipeline, view};
use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::sync::plan::{BUNDLE_FILE, Held, PLAN_FILE, PLAN_VERSION, Plan};
use crate::engine::bench::Bench;
use crate::engine::ports::SyncPr;
use crate::engine::secrets::redact;

/// The branch to the bundle, its PR to the plan.
pub async fn pr(
    sync: &SyncPipeline,
    bench: &Bench,
    out: &Path,
    pr: &SyncPr,
    commit: &str,
    mut declared: Vec<String>,
) -> Result<EventKind, StepError> {
    let facts = view(bench);
    prepare(out)?;
    sync.merger
        .bundle(&out.join(BUNDLE_FILE), commit, &facts.base_commit)
        .await
        .map_err(|e| StepError::io(format!("cannot write the sync branch's bundle: {e}")))?;
    declared.sort();
    declared.dedup();
    let held = Held::Pr {
        branch: pr.branch.clone(),
        commit: commit.to_owned(),
        declared,
        title: redact(&pr.title).into_owned(),
        body: redact(&pr.body).into_owned(),
        draft: pr.draft,
        labels: pr.labels.clone(),
        drop_labels: pr.drop_labels.clone(),
    };
    write_plan(sync, bench, out, held)?;
    Ok(EventKind::SyncHeld {
        out: out.display().to_string(),
        blocked: false,
        reasons: Vec::new(),
    })
}

/// The blocked sync's issue to the plan; nothing to push.
pub fn issue(
    sync: &SyncPipeline,
    bench: &Bench,
    out: &Path,
    title: &str,
    body: &str,
    reasons: Vec<String>,
) -> Result<EventKind, StepError> {
    prepare(out)?;
    let held = Held::Issue {
        title: redact(title).into_owned(),
        body: redact(body).into_owned(),
        reasons: reasons.iter().map(|r| redact(r).into_owned()).collect(),
    };
    write_plan(sync, bench, out, held)?;
    Ok(EventKind::SyncHeld {
        out: out.display().to_string(),
        blocked: true,
        reasons,
    })
}

/// The folder made, and an earlier sync's plan and bundle gone from it (a resumed sync writes
/// them again).
fn prepare(out: &Path) -> Result<(), StepError> {
    let failed = |e: std::io::Error| {
        StepError::io(format!("cannot write to {}: {e}", out.display()))
            .hint("give --out a folder fixloop may write to")
    };
    std::fs::create_dir_all(out).map_err(failed)?;
    for file in [PLAN_FILE, BUNDLE_FILE] {
        match std::fs::remove_file(out.join(file)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(e)),
            _ => {}
        }
    }
    Ok(())
}

fn write_plan(sync: &SyncPipeline, bench: &Bench, out: &Path, held: Held) -> Result<(), StepError> {
    let facts = view(bench);
    let plan = Plan {
        version: PLAN_VERSION,
        run_id: bench.setup.run_id.clone(),
        fork: sync.config.repo.clone(),
        upstream: sync.config.upstream.clone(),
        what: facts.what.clone().unwrap_or_default(),
        base: facts.base.clone(),
        base_commit: facts.base_commit.clone(),
        upstream_commit: facts.upstream_commit.clone(),
        held,
    };
    let text = serde_json::to_string_pretty(&plan)
        .map_err(|e| StepError::error(format!("cannot write the plan: {e}")))?;
    let path = out.join(PLAN_FILE);
    let temp = out.join(format!(".{PLAN_FILE}.writing"));
    std::fs::write(&temp, text + "\n")
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| StepError::io(format!("cannot write {}: {e}", path.display())))
}
