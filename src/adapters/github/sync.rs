//! The sync pipeline's forge on GitHub: the one sync PR (reused, labelled, older ones closed as
//! superseded), the one conflict issue, and what the token may push.

use serde::Deserialize;
use serde_json::json;

use super::GitHub;
use crate::core::error::StepError;
use crate::engine::ports::{BoxFuture, PrRequest, SyncForge, SyncPr, SyncPrOutcome};

/// The sync pipeline's GitHub repository (the fork).
#[derive(Debug)]
pub struct GitHubSyncForge {
    pub client: GitHub,
    pub owner: String,
    pub repo: String,
    /// The token is the Actions job's own `GITHUB_TOKEN`, which may never push workflow files.
    pub actions_token: bool,
}

#[derive(Debug, Deserialize)]
struct OpenPull {
    number: u64,
    head: Head,
}

#[derive(Debug, Deserialize)]
struct Head {
    #[serde(rename = "ref")]
    branch: String,
    #[serde(default)]
    repo: Option<HeadRepo>,
}

#[derive(Debug, Deserialize)]
struct HeadRepo {
    #[serde(default)]
    full_name: String,
}

impl GitHubSyncForge {
    async fn write(
        &self,
        what: &str,
        route: &str,
        method: http::Method,
        body: serde_json::Value,
    ) -> Result<(), StepError> {
        self.client
            .send(what, || async {
                let answer = match method {
                    http::Method::PATCH => self.client.crab._patch(route, Some(&body)).await?,
                    http::Method::DELETE => self.client.crab._delete(route, None::<&()>).await?,
                    _ => self.client.crab._post(route, Some(&body)).await?,
                };
                octocrab::map_github_error(answer).await.map(drop)
            })
            .await
            .map_err(|refused| refused.error)
    }

    /// Closes every other open sync PR of this repository, saying which one supersedes it.
    async fn supersede(&self, pr: &SyncPr, number: u64) -> Result<Vec<u64>, StepError> {
        let (owner, repo) = (&self.owner, &self.repo);
        let open: Vec<OpenPull> = self
            .client
            .every_page(
                &format!("/repos/{owner}/{repo}/pulls"),
                &[("state", "open")],
                "listing the open PRs",
            )
            .await?;
        let own = format!("{owner}/{repo}");
        let mut closed = Vec::new();
        for old in open.into_iter().filter(|p| {
            p.number != number
                && p.head.branch != pr.branch
                && p.head.branch.starts_with(&pr.supersedes)
                && p.head
                    .repo
                    .as_ref()
                    .is_some_and(|r| r.full_name.eq_ignore_ascii_case(&own))
        }) {
            let comments = format!("/repos/{owner}/{repo}/issues/{}/comments", old.number);
            self.write(
                "commenting on the superseded sync PR",
                &comments,
                http::Method::POST,
                json!({"body": format!("Superseded by #{number}, which syncs a newer upstream release.")}),
            )
            .await?;
            let route = format!("/repos/{owner}/{repo}/pulls/{}", old.number);
            self.write(
                "closing the superseded sync PR",
                &route,
                http::Method::PATCH,
                json!({"state": "closed"}),
            )
            .await?;
            closed.push(old.number);
        }
        Ok(closed)
    }
}

impl SyncForge for GitHubSyncForge {
    fn sync_pr<'a>(&'a self, pr: &'a SyncPr) -> BoxFuture<'a, Result<SyncPrOutcome, StepError>> {
        Box::pin(async move {
            let request = PrRequest {
                branch: pr.branch.clone(),
                base: pr.base.clone(),
                title: pr.title.clone(),
                body: pr.body.clone(),
                draft: pr.draft,
                labels: pr.labels.clone(),
                failing_pr: None,
            };
            let (url, number, notes) = self
                .client
                .open_or_update_pr(&self.owner, &self.repo, &request, None)
                .await?;
            if let Some(note) = notes.first() {
                return Err(StepError::unavailable(format!(
                    "the sync PR #{number} is open, but {note}"
                )));
            }
            for label in &pr.drop_labels {
                let route = format!(
                    "/repos/{}/{}/issues/{number}/labels/{}",
                    self.owner,
                    self.repo,
                    label.replace(' ', "%20")
                );
                // Not there is as good as removed.
                let _ = self
                    .write(
                        "removing a label that no longer holds",
                        &route,
                        http::Method::DELETE,
                        json!({}),
                    )
                    .await;
            }
            let superseded = self.supersede(pr, number).await?;
            Ok(SyncPrOutcome {
                number,
                url,
                superseded,
            })
        })
    }

    fn sync_issue<'a>(
        &'a self,
        marker: &'a str,
        title: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(u64, String), StepError>> {
        Box::pin(async move {
            let number = self
                .client
                .upsert_issue(&self.owner, &self.repo, marker, title, |_| body.to_owned())
                .await?;
            let url = format!(
                "https://github.com/{}/{}/issues/{number}",
                self.owner, self.repo
            );
            Ok((number, url))
        })
    }

    fn may_push_workflows(&self) -> BoxFuture<'_, Result<Option<bool>, StepError>> {
        Box::pin(async move {
            if self.actions_token {
                return Ok(Some(false));
            }
            let scopes = self.client.token_scopes(&self.owner, &self.repo).await?;
            Ok(scopes.map(|s| s.split(',').any(|scope| scope.trim() == "workflow")))
        })
    }
}

impl GitHub {
    /// A classic token's scopes (GitHub's `X-OAuth-Scopes` answer header); `None` for tokens
    /// that have none to show (fine-grained tokens, apps).
    pub(super) async fn token_scopes(
        &self,
        owner: &str,
        repo: &str,
    ) -> Result<Option<String>, StepError> {
        let route = format!("/repos/{owner}/{repo}");
        let response = self
            .send("reading what the token may do", || async {
                octocrab::map_github_error(self.crab._get(route.as_str()).await?).await
            })
            .await
            .map_err(|refused| refused.error)?;
        Ok(response
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }
}
