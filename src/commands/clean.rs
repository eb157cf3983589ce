//! `fixloop clean [RUN_ID]`: removes the worktrees and branches fixloop created for a run, as its
//! journal records them, and nothing else. A branch that moved since fixloop last wrote it (the
//! person committed to it) is left alone, and so is every run fixloop has no journal for.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::CommandError;
use crate::adapters::git::Git;
use crate::cli::CleanArgs;
use crate::core::event::EventKind;
use crate::core::exit::ExitCode;
use crate::engine::ports::Vcs as _;
use crate::engine::store::{RunLock, Store, read_journal};

/// What a run left behind.
#[derive(Debug, Default)]
struct Leftovers {
    repo: PathBuf,
    worktrees: Vec<PathBuf>,
    /// Kept worktrees and their content when the run ended.
    kept: Vec<(PathBuf, String)>,
    /// (branch, the commit fixloop left it at).
    branches: Vec<(String, String)>,
}

fn leftovers(store: &Store, run_id: &str) -> Result<Leftovers, CommandError> {
    let journal = store.run_dir(run_id).join("events.jsonl");
    let events = read_journal(&journal).map_err(|e| CommandError::new(ExitCode::Input, e))?;
    let mut left = Leftovers::default();
    let mut fix: Option<(String, String)> = None;
    for event in &events {
        match &event.kind {
            EventKind::RunStarted { repo, .. } => left.repo = PathBuf::from(repo),
            EventKind::ScratchCreated { path, .. } => left.worktrees.push(PathBuf::from(path)),
            EventKind::FixBranchCreated {
                branch,
                base_commit,
                worktree,
                ..
            } => {
                left.worktrees.push(PathBuf::from(worktree));
                fix = Some((branch.clone(), base_commit.clone()));
            }
            EventKind::WorktreesRemoved {
                kept, kept_trees, ..
            } => {
                for (path, tree) in kept.iter().zip(kept_trees) {
                    left.kept.push((PathBuf::from(path), tree.clone()));
                }
            }
            // Cut off while making the fix branch: the branch it named, if it made it.
            EventKind::StepStarted {
                step,
                branch: Some(branch),
                commit: Some(commit),
            } if step == "create-fix-branch" => {
                fix = Some((branch.clone(), commit.clone()));
            }
            EventKind::FixCommitted { branch, commit, .. } => {
                fix = Some((branch.clone(), commit.clone()));
            }
            EventKind::ReproductionCommitted {
                branch: Some(branch),
                commit: Some(commit),
                ..
            } if branch.starts_with("fixloop/repro/") => {
                left.branches.push((branch.clone(), commit.clone()));
            }
            _ => {}
        }
    }
    left.branches.extend(fix);
    Ok(left)
}

pub async fn clean(args: &CleanArgs) -> Result<ExitCode, CommandError> {
    let (store, runs) = chosen_runs(args)?;
    // The locks keep each planned run from being resumed while its leftovers go.
    let (plan, _locks) = plan(&store, runs).await?;
    if plan.is_empty() {
        println!("Nothing to clean.");
        return Ok(ExitCode::Success);
    }
    print_plan(&plan);
    if !args.yes && !confirmed()? {
        println!("Nothing removed.");
        return Ok(ExitCode::Success);
    }
    for (id, left) in plan {
        // What a killed run left running would hold its worktrees.
        let _ = crate::engine::process::stop_leftovers(&store.run_dir(&id));
        let git = Git::new(left.repo.clone());
        for w in &left.worktrees {
            remove_worktree(&git, w, &left.kept).await;
        }
        let _ = git.worktree_op(&["worktree", "prune"]).await;
        for (branch, commit) in &left.branches {
            // `update-ref -d` with the expected old value: a branch moved in the meantime stays.
            match git
                .run(&["update-ref", "-d", &format!("refs/heads/{branch}"), commit])
                .await
            {
                Ok(_) => println!("removed branch {branch}"),
                Err(e) => println!("could not remove branch {branch}: {e}"),
            }
        }
    }
    Ok(ExitCode::Success)
}

/// The run named on the command line (its id or the start of it, from any folder) with the
/// store of its workspace, else every run of the workspace.
fn chosen_runs(args: &CleanArgs) -> Result<(Store, Vec<String>), CommandError> {
    match &args.run {
        Some(query) => {
            let (store, id) = super::find_run(args.info.as_deref(), query)?;
            Ok((store, vec![id]))
        }
        None => {
            let store = Store::new(&super::workspace_of(args.info.as_deref()));
            let runs = store.run_ids();
            Ok((store, runs))
        }
    }
}

/// What each run left that is still there and still fixloop's, for the runs whose lock it
/// takes (a run that is going is left alone); returns the locks with the plan.
async fn plan(
    store: &Store,
    runs: Vec<String>,
) -> Result<(Vec<(String, Leftovers)>, Vec<RunLock>), CommandError> {
    let mut plan: Vec<(String, Leftovers)> = Vec::new();
    let mut locks = Vec::new();
    for id in runs {
        match RunLock::take(&store.run_dir(&id)) {
            Ok(lock) => locks.push(lock),
            Err(e) => {
                println!("leaving run {id}: {}", e.with_hints());
                continue;
            }
        }
        let mut left = leftovers(store, &id)?;
        let git = Git::new(left.repo.clone());
        left.worktrees.retain(|w| w.exists());
        let mut keep = Vec::new();
        for (branch, commit) in std::mem::take(&mut left.branches) {
            match git.rev_parse(&format!("refs/heads/{branch}")).await {
                Ok(tip) if tip == commit => keep.push((branch, commit)),
                Ok(_) => println!("leaving {branch}: it has moved since fixloop wrote it"),
                Err(_) => {}
            }
        }
        left.branches = keep;
        if !left.worktrees.is_empty() || !left.branches.is_empty() {
            plan.push((id, left));
        }
    }
    Ok((plan, locks))
}

fn print_plan(plan: &[(String, Leftovers)]) {
    for (id, left) in plan {
        println!("run {id}:");
        for w in &left.worktrees {
            println!("  worktree {}", w.display());
        }
        for (b, _) in &left.branches {
            println!("  branch   {b}");
        }
    }
}

/// Asks on the terminal; without one, nothing is removed unless `--yes` says so.
fn confirmed() -> Result<bool, CommandError> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(CommandError::new(
            ExitCode::Partial,
            "nothing removed: pass --yes to remove the above",
        ));
    }
    print!("Remove these? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Removes a worktree: by force when it is exactly as the run left it (so it is fixloop's),
/// else only if git finds nothing uncommitted in it.
async fn remove_worktree(git: &Git, w: &Path, kept: &[(PathBuf, String)]) {
    let path = w.display().to_string();
    let recorded = kept.iter().find(|(p, _)| p == w).map(|(_, t)| t.clone());
    let unchanged = match &recorded {
        Some(tree) if !tree.is_empty() => {
            git.stage_all(w).await.is_ok() && git.write_tree(w).await.is_ok_and(|now| &now == tree)
        }
        _ => false,
    };
    let result = if unchanged {
        git.worktree_op(&["worktree", "remove", "--force", &path])
            .await
    } else {
        // Not forced: git refuses a worktree with uncommitted changes.
        git.worktree_op(&["worktree", "remove", &path]).await
    };
    match result {
        Ok(_) => println!("removed worktree {path}"),
        Err(_) => println!("leaving worktree {path}: it has changes made after the run"),
    }
}
