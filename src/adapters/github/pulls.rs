//! The fix's pull request: opened as a draft or updated in place, labelled, and linked from the
//! PR whose CI failed.

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::{GitHub, Refused, without_url};
use crate::core::error::StepError;
use crate::core::event::FailureClass;
use crate::engine::ports::PrRequest;

#[derive(Debug, Clone, Deserialize)]
struct Pull {
    number: u64,
    html_url: String,
}

impl GitHub {
    /// Opens the PR, or updates the open PR of the same head branch (so a retry never opens a
    /// second one); adds labels; comments on the PR the failing run belonged to.
    pub async fn open_or_update_pr(
        &self,
        owner: &str,
        repo: &str,
        request: &PrRequest,
        failing_pr: Option<u64>,
    ) -> Result<(String, u64, Vec<String>), StepError> {
        let existing: Vec<Pull> = self
            .get_json(
                &format!(
                    "/repos/{owner}/{repo}/pulls?state=open&head={owner}:{}&per_page=10",
                    request.branch
                ),
                "looking for an open PR of the fix branch",
            )
            .await?;
        let pull = if let Some(pr) = existing.into_iter().next() {
            self.update_pr(owner, repo, pr.number, request).await?;
            pr
        } else {
            let body = json!({
                "title": request.title,
                "head": request.branch,
                "base": request.base,
                "body": request.body,
                "draft": request.draft,
            });
            match self
                .send(
                    Method::POST,
                    &format!("/repos/{owner}/{repo}/pulls"),
                    Some(&body),
                    "opening the draft PR",
                )
                .await
            {
                Ok(response) => {
                    let bytes = response.bytes().await.map_err(|e| {
                        StepError::new(
                            FailureClass::Unavailable,
                            format!("opening the draft PR: {}", without_url(&e)),
                        )
                    })?;
                    serde_json::from_slice::<Pull>(&bytes).map_err(|e| {
                        StepError::new(
                            FailureClass::Unavailable,
                            format!("opening the draft PR: unexpected answer: {e}"),
                        )
                    })?
                }
                // Opened by an earlier attempt that did not hear back: find it and update it.
                Err(Refused {
                    error,
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                }) if error.message.contains("already exists") => {
                    let found: Vec<Pull> = self
                        .get_json(
                            &format!(
                                "/repos/{owner}/{repo}/pulls?state=open&head={owner}:{}&per_page=10",
                                request.branch
                            ),
                            "finding the existing PR",
                        )
                        .await?;
                    let pr = found.into_iter().next().ok_or(error)?;
                    self.update_pr(owner, repo, pr.number, request).await?;
                    pr
                }
                Err(refused) => return Err(refused.error),
            }
        };
        // The PR exists now: what fails after this is recorded, not lost.
        let mut notes = Vec::new();
        if !request.labels.is_empty()
            && let Err(Refused { error, .. }) = self
                .send(
                    Method::POST,
                    &format!("/repos/{owner}/{repo}/issues/{}/labels", pull.number),
                    Some(&json!({ "labels": request.labels })),
                    "labelling the PR",
                )
                .await
        {
            notes.push(error.with_hints());
        }
        if let Some(number) = failing_pr.filter(|n| *n != pull.number)
            && let Err(error) = self.comment_once(owner, repo, number, &pull).await
        {
            notes.push(error.with_hints());
        }
        Ok((pull.html_url, pull.number, notes))
    }

    async fn update_pr(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        request: &PrRequest,
    ) -> Result<(), StepError> {
        self.send(
            Method::PATCH,
            &format!("/repos/{owner}/{repo}/pulls/{number}"),
            Some(&json!({ "title": request.title, "body": request.body })),
            "updating the existing PR",
        )
        .await
        .map(|_| ())
        .map_err(|refused| refused.error)
    }

    /// Comments on the PR whose CI failed, unless a comment already links the fix.
    async fn comment_once(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        fix: &Pull,
    ) -> Result<(), StepError> {
        #[derive(Deserialize)]
        struct Comment {
            #[serde(default)]
            body: String,
        }
        let comments: Vec<Comment> = self
            .get_json(
                &format!("/repos/{owner}/{repo}/issues/{number}/comments?per_page=100"),
                "reading the failing PR's comments",
            )
            .await?;
        if comments.iter().any(|c| c.body.contains(&fix.html_url)) {
            return Ok(());
        }
        let body = format!(
            "fixloop reproduced this PR's CI failure and opened a verified fix: {} (#{}).",
            fix.html_url, fix.number
        );
        self.send(
            Method::POST,
            &format!("/repos/{owner}/{repo}/issues/{number}/comments"),
            Some(&json!({ "body": body })),
            "commenting on the failing PR",
        )
        .await
        .map(|_| ())
        .map_err(|refused| refused.error)
    }
}
