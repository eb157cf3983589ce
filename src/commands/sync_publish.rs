//! `fixloop sync publish DIR`: the sync's publish job. It holds the write token and no model key,
//! and runs no repository code. The folder came from a job that ran the fork's and upstream's
//! code, so nothing in it is taken on trust: the plan must agree with this checkout's `[sync]`;
//! the branch in the bundle must be one merge of a commit of the fork's base and the upstream
//! commit named (upstream's tag must name it now), with only single-parent commits (fixloop's
//! fixes) above; every path where it differs from git's own merge of the two must be one the
//! plan declares, and a workflow file must be one side's as it was. Then the branch is pushed
//! (never over anyone else's commit) and its PR opened or updated — with what was checked here
//! added to its body — or, for a blocked sync, its one issue. Run again, it changes nothing.

use std::fmt::Write as _;
use std::path::Path;

use super::CommandError;
use super::sync::{forge, push_env, read_config, section, send, top_level};
use super::watch::notices::Notices;
use crate::adapters::git::sync::GitMerger;
use crate::cli::SyncPublishArgs;
use crate::core::exit::ExitCode;
use crate::core::notify::NotificationKind;
use crate::core::sync::config::{Follow, SyncSection};
use crate::core::sync::notice::{blocked_notice, pr_notice};
use crate::core::sync::plan::{
    BRANCH_PREFIX, BUNDLE_FILE, Compared, Held, PLAN_FILE, Plan, is_shown_path, merge_of, refusal,
    workflow_scope_refusal,
};
use crate::core::sync::trailer::OWN_LINES;
use crate::engine::ports::merge::Merger as _;
use crate::engine::ports::{SyncForge, SyncPr, VcsError};
use crate::engine::secrets::redact;
use crate::engine::sync::ISSUE_MARKER;

/// Where upstream's workflow files live.
const WORKFLOWS: &str = ".github/workflows/";
/// What CI runs as it is, with the repository's secrets at hand: workflows, actions.
const CI_FILES: &str = ".github/";

pub async fn publish(args: &SyncPublishArgs) -> Result<ExitCode, CommandError> {
    let whole = read_config(&args.config)?;
    let config = section(&whole, &args.config)?;
    // A sink whose variable this job lacks is said, and the sync is published all the same.
    let notices = Notices::from_config(&whole, None)
        .map_err(|e| eprintln!("fixloop sync publish: notifications are off: {}", e.message))
        .ok();
    let published = published(args, &config).await;
    let (kind, title, link) = match published {
        Ok(told) => told,
        Err(e) => {
            if let Some(notices) = &notices {
                let title = format!("The upstream sync's publish failed: {}", e.message);
                send(notices, &config.repo, NotificationKind::Failed, title, None).await;
            }
            return Err(e);
        }
    };
    if let Some(notices) = &notices {
        send(notices, &config.repo, kind, title, Some(link)).await;
    }
    Ok(ExitCode::Success)
}

/// The issue opened, or the branch checked, pushed and its PR opened: what to tell.
async fn published(
    args: &SyncPublishArgs,
    config: &SyncSection,
) -> Result<(NotificationKind, String, String), CommandError> {
    let plan = &read_plan(&args.dir)?;
    if let Some(why) = plan.disagreement(config) {
        return Err(refused(&args.dir, &why));
    }
    let forge = forge(config, args.github_api_url.clone()).await?;
    Ok(match &plan.held {
        Held::Issue {
            title,
            body,
            reasons,
        } => {
            let (number, url) = forge
                .sync_issue(ISSUE_MARKER, &redact(title), &redact(body))
                .await?;
            println!("fixloop sync publish: nothing pushed; issue #{number} says why: {url}");
            (
                NotificationKind::Blocked,
                blocked_notice(
                    &plan.what,
                    &reasons
                        .iter()
                        .take(10)
                        .map(|r| redact(&cut_text(r, 300)).into_owned())
                        .collect::<Vec<_>>(),
                ),
                url,
            )
        }
        Held::Pr { .. } => {
            let repo = top_level(args.repo.as_deref().unwrap_or(Path::new("."))).await?;
            let merger = GitMerger::new(repo).with_push_env(push_env());
            let (number, url, labels) = publish_pr(args, config, plan, &merger, &forge).await?;
            let (kind, title) = pr_notice(&plan.what, number, &labels);
            println!("fixloop sync publish: {title}: {url}");
            (kind, title, url)
        }
    })
}

/// The plan in `dir`.
fn read_plan(dir: &Path) -> Result<Plan, CommandError> {
    let path = dir.join(PLAN_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CommandError::new(
            ExitCode::Input,
            format!("cannot read {}: {e}", path.display()),
        )
        .hint("give the folder `fixloop sync --hold-push --out DIR` wrote")
    })?;
    Plan::parse(&path.display().to_string(), &text).map_err(|e| {
        CommandError::new(ExitCode::Input, e)
            .hint("publish a folder written by the same version of fixloop")
    })
}

fn refused(dir: &Path, why: &str) -> CommandError {
    CommandError::new(
        ExitCode::Input,
        format!(
            "{}: {why}; nothing was published",
            dir.join(PLAN_FILE).display()
        ),
    )
    .hint("publish only the folder this fork's own sync job wrote; run the sync again")
}

/// The held branch checked, pushed, and its PR opened or updated: its number, address, labels.
async fn publish_pr(
    args: &SyncPublishArgs,
    config: &SyncSection,
    plan: &Plan,
    merger: &GitMerger,
    forge: &dyn SyncForge,
) -> Result<(u64, String, Vec<String>), CommandError> {
    let Held::Pr {
        branch,
        commit,
        declared,
        title,
        body,
        draft,
        labels,
        drop_labels,
    } = &plan.held
    else {
        return Err(CommandError::new(ExitCode::Failed, "the plan holds no PR"));
    };
    let tip = merger
        .read_bundle(&args.dir.join(BUNDLE_FILE))
        .await
        .map_err(|e| {
            refused(
                &args.dir,
                &format!("its bundle cannot be read: {}", e.stderr),
            )
        })?;
    if &tip != commit {
        return Err(refused(
            &args.dir,
            &format!("its bundle holds {tip}, not the commit the plan names"),
        ));
    }
    let checked = check_branch(args, config, plan, merger, commit, declared).await?;
    workflows_allowed(forge, &checked.workflows).await?;
    merger
        .push_branch(&args.remote, branch, commit, &OWN_LINES)
        .await
        .map_err(|e| {
            CommandError::new(
                ExitCode::Unavailable,
                format!("cannot push {branch}: {}", e.stderr),
            )
        })?;
    let pr = SyncPr {
        branch: branch.clone(),
        base: config.base.clone(),
        title: redact(title).into_owned(),
        // What publish checked comes first: nothing the plan's text says can hide it.
        body: format!("{}\n\n---\n\n{}", checked.said.trim(), redact(body)),
        draft: *draft,
        labels: labels.clone(),
        drop_labels: drop_labels.clone(),
        supersedes: BRANCH_PREFIX.into(),
    };
    let made = forge.sync_pr(&pr).await?;
    Ok((made.number, made.url, labels.clone()))
}

/// What publish established about the branch.
struct Checked {
    /// The workflow files the branch changes on the fork's base.
    workflows: Vec<String>,
    /// The section publish adds to the PR's body.
    said: String,
}

/// The branch against what the folder could not change: upstream's ref now, the fork's base,
/// and git's own merge of the two commits.
async fn check_branch(
    args: &SyncPublishArgs,
    config: &SyncSection,
    plan: &Plan,
    merger: &GitMerger,
    commit: &str,
    declared: &[String],
) -> Result<Checked, CommandError> {
    let no = |why: String| refused(&args.dir, &why);
    upstream_names(args, config, plan, merger).await?;
    let base = merger
        .fetch_named(&args.remote, &format!("refs/heads/{}", config.base), "base")
        .await
        .map_err(|e| {
            CommandError::new(
                ExitCode::Unavailable,
                format!("cannot read the fork's base: {}", e.stderr),
            )
        })?;
    if !merger.descends(&plan.base_commit, &base).await {
        return Err(no(format!(
            "{} is not on the fork's `{}`",
            plan.base_commit, config.base
        )));
    }
    let line = merger
        .first_parent_line(commit, &plan.base_commit)
        .await
        .map_err(git_failed)?;
    let merge = merge_of(&line, &plan.base_commit, &plan.upstream_commit).map_err(&no)?;
    let trees = Trees {
        plan,
        merge: &merge,
        tip: commit,
        base: &base,
    };
    let sides = trees.compare(merger, declared).await.map_err(|e| match e {
        Compare::Refused(why) => no(why),
        Compare::Git(e) => git_failed(e),
    })?;
    let workflows = merger
        .paths_differing(&format!("{}^{{tree}}", plan.base_commit), commit)
        .await
        .map_err(git_failed)?
        .into_iter()
        .filter(|p| p.starts_with(WORKFLOWS))
        .collect();
    let said = checked_text(config, plan, &merge, line.len() - 1, &sides);
    Ok(Checked { workflows, said })
}

#[expect(clippy::needless_pass_by_value, reason = "used as map_err's function")]
fn git_failed(e: VcsError) -> CommandError {
    CommandError::new(ExitCode::Failed, format!("git: {e}"))
        .hint("run it in a full clone of the fork (fetch-depth 0), where the bundle's base is")
}

/// The commits a held branch is compared by.
struct Trees<'a> {
    plan: &'a Plan,
    /// The merge commit, and the branch's tip (the merge, or fixloop's fixes on it).
    merge: &'a str,
    tip: &'a str,
    /// The fork's base as it is now.
    base: &'a str,
}

enum Compare {
    Refused(String),
    Git(VcsError),
}

impl From<VcsError> for Compare {
    fn from(e: VcsError) -> Self {
        Self::Git(e)
    }
}

impl Trees<'_> {
    /// Whose version each path is where the tip differs from git's own merge; refused when the
    /// merge differs from it beyond what git left conflicted, a fix touches `.github/`, a path
    /// is not one the plan declares or not a name to show, or a file under `.github/` that
    /// differs from the fork's base now is not upstream's exactly.
    async fn compare(
        &self,
        merger: &GitMerger,
        declared: &[String],
    ) -> Result<Vec<(String, &'static str)>, Compare> {
        let plan = self.plan;
        let (plain, conflicted) = merger
            .plain_merge_tree(&plan.base_commit, &plan.upstream_commit)
            .await?;
        let beyond: Vec<String> = merger
            .paths_differing(&plain, self.merge)
            .await?
            .into_iter()
            .filter(|p| !conflicted.contains(p))
            .collect();
        if !beyond.is_empty() {
            return Err(Compare::Refused(format!(
                "the merge commit changes what git merged by itself: {}",
                beyond.join(", ")
            )));
        }
        if self.merge != self.tip {
            let fixed = merger
                .paths_differing(&format!("{}^{{tree}}", self.merge), self.tip)
                .await?;
            if let Some(path) = fixed.iter().find(|p| p.starts_with(CI_FILES)) {
                return Err(Compare::Refused(format!(
                    "a fix on the merge changes `{path}`: fixes never touch {CI_FILES}"
                )));
            }
        }
        let differing = merger.paths_differing(&plain, self.tip).await?;
        if let Some(path) = differing.iter().find(|p| !is_shown_path(p)) {
            return Err(Compare::Refused(format!(
                "the path {path:?} is not one a person could read in the PR"
            )));
        }
        let mut sides = Vec::new();
        for path in &differing {
            let at_tip = merger.entry_at(self.tip, path).await?;
            let side = if at_tip == merger.entry_at(&plan.base_commit, path).await? {
                "the fork's"
            } else if at_tip == merger.entry_at(&plan.upstream_commit, path).await? {
                "upstream's"
            } else {
                "neither side's"
            };
            sides.push((path.clone(), side));
        }
        // Under .github/, what differs from the fork's base now is upstream's, exactly.
        let mut ci_files = Vec::new();
        for path in merger
            .paths_differing(&format!("{}^{{tree}}", self.base), self.tip)
            .await?
            .into_iter()
            .filter(|p| p.starts_with(CI_FILES))
        {
            let upstreams = merger.entry_at(self.tip, &path).await?
                == merger.entry_at(&plan.upstream_commit, &path).await?;
            ci_files.push((path, upstreams));
        }
        let compared = Compared {
            differing,
            workflows_one_side: ci_files,
        };
        match refusal(&compared, declared) {
            Some(why) => Err(Compare::Refused(why)),
            None => Ok(sides),
        }
    }
}

/// The section publish adds to the PR's body: what it checked, and whose version each path
/// that differs from git's own merge is.
fn checked_text(
    config: &SyncSection,
    plan: &Plan,
    merge: &str,
    fixes: usize,
    sides: &[(String, &str)],
) -> String {
    let mut said = String::from("\n### Checked by the publish job\n\n");
    let _ = writeln!(
        said,
        "The branch is one merge ({}) of the fork's `{}` at {} and upstream's {} at {}, as \
         upstream names it now{}.",
        short(merge),
        config.base,
        short(&plan.base_commit),
        plan.what,
        short(&plan.upstream_commit),
        match fixes {
            0 => String::new(),
            1 => ", with 1 commit on it".into(),
            n => format!(", with {n} commits on it"),
        }
    );
    if sides.is_empty() {
        said.push_str("\nIt is exactly git's own merge of the two.\n");
    } else {
        said.push_str(
            "\nWhere it differs from git's own merge of the two (each path declared by the sync):\n\n",
        );
        for (path, side) in sides {
            let _ = writeln!(said, "- `{path}`: {side} version");
        }
    }
    said
}

/// Upstream names the plan's commit now: its tag, or the followed branch's history holds it.
async fn upstream_names(
    args: &SyncPublishArgs,
    config: &SyncSection,
    plan: &Plan,
    merger: &GitMerger,
) -> Result<(), CommandError> {
    let no = |why: String| refused(&args.dir, &why);
    let unreachable = |what: &str, e: crate::engine::ports::VcsError| {
        CommandError::new(
            ExitCode::Unavailable,
            format!("cannot read {what}: {}", e.stderr),
        )
    };
    match config.follows() {
        Follow::Branch(name) => {
            // What a followed branch's sync is called is derived here, never taken as written.
            let said = format!("{name}@{}", short(&plan.upstream_commit));
            if plan.what != said {
                return Err(no(format!(
                    "it calls the merge `{}`, not `{said}`",
                    plan.what
                )));
            }
            let head = merger
                .fetch_named(&config.upstream, &format!("refs/heads/{name}"), "upstream")
                .await
                .map_err(|e| unreachable("upstream", e))?;
            if !merger.descends(&plan.upstream_commit, &head).await {
                return Err(no(format!(
                    "upstream's `{name}` does not hold {}",
                    plan.upstream_commit
                )));
            }
        }
        Follow::Tags(pattern) => {
            if !pattern.matches(&plan.what) {
                return Err(no(format!(
                    "`{}` is not a tag the [sync] section follows",
                    plan.what
                )));
            }
            let tagged = merger
                .fetch_named(
                    &config.upstream,
                    &format!("refs/tags/{}", plan.what),
                    "upstream",
                )
                .await
                .map_err(|e| unreachable("upstream's tag", e))?;
            if tagged != plan.upstream_commit {
                return Err(no(format!(
                    "upstream's tag {} names {tagged}, not {}",
                    plan.what, plan.upstream_commit
                )));
            }
        }
    }
    Ok(())
}

/// Refuses, before anything is pushed, to push changes to workflow files with a token known
/// not to be allowed to.
async fn workflows_allowed(
    forge: &dyn SyncForge,
    workflows: &[String],
) -> Result<(), CommandError> {
    if workflows.is_empty() || forge.may_push_workflows().await? != Some(false) {
        return Ok(());
    }
    let (message, hint) = workflow_scope_refusal(workflows);
    Err(CommandError::new(ExitCode::Unavailable, message).hint(hint))
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `text` cut to at most `max` characters.
fn cut_text(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
