//! What a run stopped for a review needs in the next job, which starts from a fresh checkout
//! on a fresh machine: the run's commits (the reproduction, the fix, the scratch commit) as a
//! git bundle, and the agent's own session files, so a revision resumes its conversation. Both
//! go in the output folder (`carry/`) the job uploads; the job that answers the review puts them
//! back before the run goes on.

use std::path::{Path, PathBuf};

use super::CommandError;
use super::ci_common::push_auth;
use crate::adapters::git::Git;
use crate::core::exit::ExitCode;
use crate::core::view::RunView;
use crate::engine::secrets::redactor;

/// The ref the scratch commit travels under (the bundle carries refs, not bare commits).
const SCRATCH_REF: &str = "refs/fixloop/carry/scratch";

/// The bundle's path in an output folder.
fn bundle_path(out: &Path) -> PathBuf {
    out.join("carry/run.bundle")
}

/// Writes the run's commits and the agent's sessions into `out/carry`.
///
/// # Errors
/// The bundle cannot be written.
pub(super) async fn save(repo: &Path, out: &Path, view: &RunView) -> Result<(), CommandError> {
    let Some(fix) = &view.fix else {
        return Ok(());
    };
    let git = Git::new(repo.to_path_buf());
    let mut refs = vec![format!("refs/heads/{}", fix.branch)];
    let repro = format!("refs/heads/fixloop/repro/{}", view.name);
    if git
        .run(&["rev-parse", "--verify", "--quiet", &repro])
        .await
        .is_ok()
    {
        refs.push(repro);
    }
    if let Some(scratch) = &view.scratch_commit
        && git.run(&["update-ref", SCRATCH_REF, scratch]).await.is_ok()
    {
        refs.push(SCRATCH_REF.to_owned());
    }
    let bundle = bundle_path(out);
    make_dir(bundle.parent().unwrap_or(out))?;
    let target = bundle.display().to_string();
    let not_base = format!("^{}", fix.base_commit);
    let mut args = vec!["bundle", "create", "--quiet", target.as_str()];
    args.extend(refs.iter().map(String::as_str));
    args.push(&not_base);
    let made = git.run(&args).await;
    let _ = git.run(&["update-ref", "-d", SCRATCH_REF]).await;
    made.map_err(|e| {
        CommandError::new(
            ExitCode::Failed,
            format!("cannot carry the run's commits to the next job: {e}"),
        )
    })?;
    let roots = session_roots();
    for id in &view.sessions {
        save_session(id, &out.join("carry/sessions"), &roots);
    }
    Ok(())
}

/// Puts the commits (and the sessions) `out/carry` holds back into `repo`, fetching the base
/// commit first when the fresh checkout lacks it.
///
/// # Errors
/// The bundle does not fit this repository, or git cannot read it.
pub(super) async fn restore(
    repo: &Path,
    out: &Path,
    base_commit: &str,
) -> Result<(), CommandError> {
    let bundle = bundle_path(out);
    if !bundle.is_file() {
        return Ok(());
    }
    let git = Git::new(repo.to_path_buf());
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        CommandError::new(ExitCode::Failed, format!("{what}: {e}"))
    };
    if !base_commit.is_empty()
        && git
            .run(&["cat-file", "-e", &format!("{base_commit}^{{commit}}")])
            .await
            .is_err()
    {
        let auth = push_auth();
        let env: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Git::run_in(repo, &["fetch", "--quiet", "origin", base_commit], &env)
            .await
            .map_err(|e| failed("cannot fetch the run's base commit", &e))?;
    }
    let path = bundle.display().to_string();
    let heads = git
        .run(&["bundle", "list-heads", &path])
        .await
        .map_err(|e| failed("cannot read the carried commits", &e))?;
    let mut refspecs: Vec<String> = Vec::new();
    for (sha, name) in heads.lines().filter_map(|l| l.split_once(' ')) {
        if !(name.starts_with("refs/heads/fix") || name == SCRATCH_REF) {
            continue;
        }
        // Already here (the same machine, its worktree perhaps still on the branch).
        let here = git.run(&["rev-parse", "--verify", "--quiet", name]).await;
        if here.as_deref().is_ok_and(|h| h == sha) {
            continue;
        }
        refspecs.push(format!("+{name}:{name}"));
    }
    if refspecs.is_empty() {
        restore_sessions(&out.join("carry/sessions"), &session_roots());
        return Ok(());
    }
    let mut args = vec!["fetch", "--quiet", "--no-tags", path.as_str()];
    args.extend(refspecs.iter().map(String::as_str));
    git.run(&args)
        .await
        .map_err(|e| failed("cannot restore the run's commits", &e))?;
    restore_sessions(&out.join("carry/sessions"), &session_roots());
    Ok(())
}

/// Where each agent CLI keeps its sessions, by the name the carried copies are filed under.
fn session_roots() -> Vec<(&'static str, PathBuf)> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let under = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default)))
    };
    let mut roots = Vec::new();
    if let Some(claude) = under("CLAUDE_CONFIG_DIR", ".claude") {
        roots.push(("claude", claude.join("projects")));
    }
    if let Some(codex) = under("CODEX_HOME", ".codex") {
        roots.push(("codex", codex.join("sessions")));
    }
    roots
}

/// Copies the files of session `id` (a `.jsonl` whose name holds the id), without the secrets
/// in them, under `dest/<agent>/<path within the agent's folder>`.
fn save_session(id: &str, dest: &Path, roots: &[(&str, PathBuf)]) {
    if id.len() < 8 || id.contains(['/', '\\']) {
        return;
    }
    for (agent, root) in roots {
        for file in files_named(root, id, 0) {
            let Ok(relative) = file.strip_prefix(root) else {
                continue;
            };
            let target = dest.join(agent).join(relative);
            if let Some(parent) = target.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Ok(text) = std::fs::read_to_string(&file) {
                let _ = std::fs::write(&target, redacted_jsonl(&text));
            }
        }
    }
}

/// Each line of a session file with its secrets redacted, inside the JSON (so it stays JSON).
fn redacted_jsonl(text: &str) -> String {
    let redactor = redactor();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(mut value) => {
                if redactor.redact_json(&mut value) {
                    out.push_str(&value.to_string());
                } else {
                    out.push_str(line);
                }
            }
            Err(_) => out.push_str(&redactor.redact(line)),
        }
        out.push('\n');
    }
    out
}

/// Puts carried session files back where their agent looks for them (never over one there).
fn restore_sessions(carried: &Path, roots: &[(&str, PathBuf)]) {
    for (agent, root) in roots {
        for file in files_named(&carried.join(agent), "", 0) {
            let Ok(relative) = file.strip_prefix(carried.join(agent)) else {
                continue;
            };
            let target = root.join(relative);
            if target.exists() {
                continue;
            }
            if let Some(parent) = target.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::copy(&file, &target);
        }
    }
}

/// The `.jsonl` files under `dir` (a few levels deep, links not followed) whose name holds `id`.
fn files_named(dir: &Path, id: &str, depth: u32) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() && depth < 5 {
            found.extend(files_named(&path, id, depth + 1));
        } else if kind.is_file()
            && path.extension().is_some_and(|e| e == "jsonl")
            && entry.file_name().to_string_lossy().contains(id)
        {
            found.push(path);
        }
    }
    found
}

fn make_dir(dir: &Path) -> Result<(), CommandError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot create {}: {e}", dir.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session's files go into the output folder without the secrets in them, and come back
    /// where the agent looks for them on another machine, never over a file there.
    #[test]
    fn sessions_travel_redacted_and_come_back_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let id = "0b5d2a9e-1c3f-4e7a-9d2b-5f6a7c8d9e0f";
        let here = vec![("claude", dir.path().join("home/.claude/projects"))];
        let project = here[0].1.join("-work-repo");
        std::fs::create_dir_all(&project).unwrap();
        let line = r#"{"type":"user","text":"export GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz"}"#;
        std::fs::write(
            project.join(format!("{id}.jsonl")),
            format!("{line}\nnot json\n"),
        )
        .unwrap();
        std::fs::write(project.join("other.jsonl"), "{}\n").unwrap();
        let carried = dir.path().join("out/carry/sessions");
        save_session(id, &carried, &here);
        save_session("../../etc", &carried, &here);
        let copy = carried.join(format!("claude/-work-repo/{id}.jsonl"));
        let text = std::fs::read_to_string(&copy).unwrap();
        assert!(!text.contains("ghp_0123"), "{text}");
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["type"], "user", "still JSON: {text}");
        assert!(!carried.join("claude/-work-repo/other.jsonl").exists());
        let there = vec![("claude", dir.path().join("fresh/.claude/projects"))];
        restore_sessions(&carried, &there);
        let back = there[0].1.join(format!("-work-repo/{id}.jsonl"));
        assert_eq!(std::fs::read_to_string(&back).unwrap(), text);
        std::fs::write(&back, "kept").unwrap();
        restore_sessions(&carried, &there);
        assert_eq!(std::fs::read_to_string(&back).unwrap(), "kept");
    }
}
