//! The fix's pull request: opened as a draft or updated in place, labelled, and linked from the
//! PR whose CI failed.
//!
//! Labels go through octocrab's typed call (its `Label` is GitHub's whole, small label object).
//! Pull requests and comments are read into fixloop's models of the few fields it uses:
//! octocrab's require dozens more (a comment's author alone has eighteen), and one GitHub leaves
//! out would fail the last step of a run over something fixloop never reads. Answers fixloop
//! does not read at all (an update, a new comment) are checked for success only.

use serde::Deserialize;
use serde_json::json;

use super::GitHub;
use super::client::Refused;
use crate::core::error::StepError;
use crate::engine::ports::PrRequest;

#[derive(Debug, Clone, Deserialize)]
struct Pull {
    number: u64,
    html_url: String,
}

/// An open PR as GitHub lists it, with the branch it is from.
#[derive(Debug, Deserialize)]
struct OpenPull {
    #[serde(flatten)]
    pull: Pull,
    head: Head,
}

#[derive(Debug, Deserialize)]
struct Head {
    #[serde(rename = "ref")]
    branch: String,
    /// `owner:branch`.
    #[serde(default)]
    label: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    #[serde(default)]
    body: Option<String>,
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
        let existing = self
            .open_pr_of(
                owner,
                repo,
                &request.branch,
                "looking for an open PR of the fix branch",
            )
            .await?;
        let pull = if let Some(pr) = existing {
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
            let route = format!("/repos/{owner}/{repo}/pulls");
            match self
                .send("opening the draft PR", || {
                    self.crab.post::<_, Pull>(&route, Some(&body))
                })
                .await
            {
                Ok(pull) => pull,
                // Opened by an earlier attempt that did not hear back: find it and update it.
                Err(Refused {
                    error,
                    status: Some(http::StatusCode::UNPROCESSABLE_ENTITY),
                }) if error.message.contains("already exists") => {
                    let pr = self
                        .open_pr_of(owner, repo, &request.branch, "finding the existing PR")
                        .await?
                        .ok_or(error)?;
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
                .send("labelling the PR", || async {
                    self.crab
                        .issues(owner, repo)
                        .add_labels(pull.number, &request.labels)
                        .await
                })
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

    /// The open PR from `owner:branch`, looked for on every page of the list.
    async fn open_pr_of(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        what: &str,
    ) -> Result<Option<Pull>, StepError> {
        let head = format!("{owner}:{branch}");
        let open: Vec<OpenPull> = self
            .every_page(
                &format!("/repos/{owner}/{repo}/pulls"),
                &[("state", "open"), ("head", &head)],
                what,
            )
            .await?;
        // GitHub filters by head already; a list that was not filtered must not hand fixloop
        // someone else's PR to rewrite.
        Ok(open
            .into_iter()
            .find(|p| p.head.branch == branch && p.head.label.as_ref().is_none_or(|l| *l == head))
            .map(|p| p.pull))
    }

    async fn update_pr(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        request: &PrRequest,
    ) -> Result<(), StepError> {
        let route = format!("/repos/{owner}/{repo}/pulls/{number}");
        let body = json!({ "title": request.title, "body": request.body });
        self.send("updating the existing PR", || async {
            octocrab::map_github_error(self.crab._patch(route.as_str(), Some(&body)).await?)
                .await
                .map(drop)
        })
        .await
        .map_err(|refused| refused.error)
    }

    /// Comments on the PR whose CI failed, unless a comment already links the fix (on any page
    /// of its comments).
    async fn comment_once(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        fix: &Pull,
    ) -> Result<(), StepError> {
        let route = format!("/repos/{owner}/{repo}/issues/{number}/comments");
        let comments: Vec<Comment> = self
            .every_page(&route, &[], "reading the failing PR's comments")
            .await?;
        if comments
            .iter()
            .any(|c| c.body.as_deref().is_some_and(|b| b.contains(&fix.html_url)))
        {
            return Ok(());
        }
        let body = json!({ "body": format!(
            "fixloop reproduced this PR's CI failure and opened a verified fix: {} (#{}).",
            fix.html_url, fix.number
        ) });
        self.send("commenting on the failing PR", || async {
            octocrab::map_github_error(self.crab._post(route.as_str(), Some(&body)).await?)
                .await
                .map(drop)
        })
        .await
        .map_err(|refused| refused.error)
    }
}
