//! The AI path of the watcher: a failure no fixer answers goes to the core pipeline — on this
//! machine (the analyze and publish steps of `fixloop ci`, on the watcher's clone), or in the
//! repository's own fixloop workflow — within what is left of the day's budget. Its proven fix
//! waits for a person on the PR.

use serde_json::Value;

use super::budget::{Asked, Share};
use super::git::clone;
use super::work::{End, Job, Watcher};
use super::{CommandError, state};
use crate::cli::CiApproval;
use crate::commands::ci_common::read_outcome;
use crate::core::ci::FailedRun;
use crate::core::exit::ExitCode;
use crate::core::watch::{Dispatch, WatchConfig};

impl Job<'_> {
    /// A failure no fixer answers: the core pipeline takes it to a proven fix, which waits for a
    /// person (`/fixloop apply`, `/fixloop revise "…"`) before it is delivered — here, or in the
    /// repository's fixloop workflow (`dispatch = "actions"`).
    pub(super) async fn pipeline(&self, reason: &str) -> Result<End, CommandError> {
        self.pipeline_from(reason, None).await
    }

    /// The AI path on top of `base` (fixloop's branch holding what the fixers changed), whose
    /// fix then goes into the pull request's own branch; `None`: on the failing commit.
    pub(super) async fn pipeline_from(
        &self,
        reason: &str,
        base: Option<String>,
    ) -> Result<End, CommandError> {
        let (owner, name) = self
            .key
            .repo
            .split_once('/')
            .unwrap_or((&self.key.repo, ""));
        self.watcher
            .store
            .count_attempt(&self.key.repo, self.pr)
            .map_err(state)?;
        if self.watcher.config.watch.dispatch == Dispatch::Actions {
            self.watcher
                .github
                .dispatch_fixloop(owner, name, self.key.run_id)
                .await
                .map_err(CommandError::from)?;
            return Ok(End::Done(format!(
                "sent to the repository's fixloop workflow ({reason})"
            )));
        }
        let today = today();
        let Some(share) = self.watcher.budget_share(&today).await? else {
            return Ok(End::Dropped(format!(
                "today's AI budget (${:.2}) is spent",
                self.watcher.config.watch.daily_budget_usd
            )));
        };
        let remote = WatchConfig::remote_of(self.repo);
        clone(self.clone, &remote).await?;
        let out = self.watcher.run_out(self.key);
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).map_err(|e| {
            CommandError::new(
                ExitCode::Io,
                format!("cannot create {}: {e}", out.display()),
            )
        })?;
        let mut run = self.failed_run();
        if let Some(base) = &base {
            run.head_branch.clone_from(base);
        }
        // A branch without a pull request: the verified fix goes up as a draft PR, which is
        // itself what a person approves.
        let approval = if self.pr == 0 {
            CiApproval::Auto
        } else {
            CiApproval::Review
        };
        let mut args = self.watcher.analyze_args(self.clone, &out, approval);
        args.attempt_cap = self.repo.attempts;
        args.max_cost_usd = Some(dollars(share.cents));
        Box::pin(crate::commands::ci::take(&args, &run, self.attempt - 1)).await?;
        if base.is_some() {
            // The fix was made on the fixers' branch; its PR goes into the failing branch.
            rebase_outcome(&out, &self.head.branch)?;
        }
        let outcome = self.watcher.publish(self.clone, &out).await?;
        self.watcher
            .record_spend(&today, outcome["cost_usd"].as_f64().unwrap_or(0.0))?;
        drop(share);
        let kind = outcome["outcome"].as_str().unwrap_or("unknown");
        Ok(End::Done(match kind {
            "review" => format!(
                "waits: a proven fix waits for /fixloop apply on #{} ({reason})",
                self.pr
            ),
            "verified" => format!("a verified fix is up as a draft PR ({reason})"),
            other => format!("the pipeline came to `{other}` ({reason})"),
        }))
    }

    /// The run as `fixloop ci analyze` takes it, from what the watcher knows.
    fn failed_run(&self) -> FailedRun {
        FailedRun {
            repo: self.key.repo.clone(),
            run_id: self.key.run_id,
            run_attempt: u64::from(self.key.run_attempt),
            html_url: self.detail_str("html_url"),
            workflow: self.workflow.clone(),
            conclusion: "failure".into(),
            trigger: self.detail_str("trigger"),
            head_branch: self.head.branch.clone(),
            head_sha: self.head.sha.clone(),
            head_repo: self.head.repo.clone(),
            head_message: String::new(),
            actors: Vec::new(),
            pull_requests: if self.pr == 0 {
                Vec::new()
            } else {
                vec![self.pr]
            },
        }
    }
}

impl Watcher<'_> {
    /// A share of what is left of today's AI budget for one run (`None`: it is spent); waits
    /// while runs under way hold all that is left.
    pub(super) async fn budget_share(
        &self,
        today: &str,
    ) -> Result<Option<Share<'_>>, CommandError> {
        loop {
            let spent = self.store.spent(today).map_err(state)?;
            let budget = (self.config.watch.daily_budget_usd * 100.0).round();
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a budget in cents, checked non-negative and finite when read"
            )]
            let left = (budget as u64).saturating_sub(spent);
            match self.budget.ask(left) {
                Asked::Held(share) => return Ok(Some(share)),
                Asked::Spent => return Ok(None),
                Asked::Wait => self.budget.released().await,
            }
        }
    }

    /// Adds `usd` (what a run spent) to today's spending.
    pub(super) fn record_spend(&self, today: &str, usd: f64) -> Result<(), CommandError> {
        if usd.is_finite() && usd > 0.0 {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive, finite cost in cents"
            )]
            let cents = (usd * 100.0).ceil() as u64;
            self.store.add_spend(today, cents).map_err(state)?;
        }
        Ok(())
    }
}

/// Today's date (UTC), the day budgets are counted by.
pub(super) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// Cents as the dollars a run may spend (at least a cent).
pub(super) fn dollars(cents: u64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "cents to dollars")]
    let usd = cents as f64 / 100.0;
    usd.max(0.01)
}

/// Points the outcome's PR at `branch` (what the publish job opens the draft PR into).
fn rebase_outcome(out: &std::path::Path, branch: &str) -> Result<(), CommandError> {
    let path = out.join("outcome.json");
    let Ok(mut outcome) = read_outcome(out) else {
        return Ok(());
    };
    if outcome.get("base").is_some() {
        outcome["base"] = Value::String(branch.to_owned());
        outcome["head_branch"] = Value::String(branch.to_owned());
    }
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&outcome).unwrap_or_default() + "\n",
    )
    .map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}
