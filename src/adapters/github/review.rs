//! What `fixloop ci analyze` reads about the pull request of a failed run: which PR a head
//! commit belongs to (GitHub lists none for a fork's PR in the run itself), and how many times
//! fixloop has tried it (the marker fixloop's sticky comment carries).

use serde::Deserialize;

use serde_json::json;

use super::GitHub;
use crate::core::ci::publish::{STICKY_MARKER, sticky_attempts};
use crate::core::error::StepError;

#[derive(Debug, Deserialize)]
struct OpenPull {
    number: u64,
    head: PullHead,
}

#[derive(Debug, Deserialize)]
struct PullHead {
    #[serde(default)]
    sha: String,
}

#[derive(Debug, Deserialize)]
struct Comment {
    #[serde(default)]
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<Author>,
    #[serde(default)]
    author_association: String,
    #[serde(default)]
    created_at: String,
}

/// A comment on a pull request, as the watcher reads answers from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrComment {
    pub id: u64,
    pub body: String,
    pub author: String,
    /// `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, …
    pub association: String,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
struct Author {
    #[serde(default)]
    login: String,
    #[serde(rename = "type", default)]
    kind: String,
}

impl GitHub {
    /// The open PRs whose head is `sha` (every page of the repository's open PRs).
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn prs_for_head(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
    ) -> Result<Vec<u64>, StepError> {
        let route = format!("/repos/{owner}/{repo}/pulls");
        let open: Vec<OpenPull> = self
            .every_page(
                &route,
                &[("state", "open")],
                "finding the run's pull request",
            )
            .await?;
        Ok(open
            .into_iter()
            .filter(|p| p.head.sha.eq_ignore_ascii_case(sha))
            .map(|p| p.number)
            .collect())
    }

    /// How many times fixloop has tried PR `number`: the count in its sticky comment (one a bot
    /// wrote: a person quoting the marker does not count), 0 without one.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn fixloop_attempts(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<u32, StepError> {
        Ok(self
            .sticky(owner, repo, number)
            .await?
            .and_then(|c| sticky_attempts(c.body.as_deref()?))
            .unwrap_or(0))
    }

    /// Every comment on PR `number`, oldest first.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn pr_comments(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Vec<PrComment>, StepError> {
        let route = format!("/repos/{owner}/{repo}/issues/{number}/comments");
        let comments: Vec<Comment> = self
            .every_page(&route, &[], "reading the PR's comments")
            .await?;
        Ok(comments
            .into_iter()
            .map(|c| PrComment {
                id: c.id,
                body: c.body.unwrap_or_default(),
                author: c.user.map(|u| u.login).unwrap_or_default(),
                association: c.author_association,
                created_at: c.created_at,
            })
            .collect())
    }

    /// The text of fixloop's comment on PR `number`, when there is one.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn sticky_text(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Option<String>, StepError> {
        Ok(self.sticky(owner, repo, number).await?.and_then(|c| c.body))
    }

    /// fixloop's comment on PR `number`: the last one a bot wrote with the marker.
    async fn sticky(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Option<Comment>, StepError> {
        let route = format!("/repos/{owner}/{repo}/issues/{number}/comments");
        let comments: Vec<Comment> = self
            .every_page(&route, &[], "reading the PR's comments")
            .await?;
        Ok(comments.into_iter().rev().find(|c| {
            c.user.as_ref().is_some_and(|u| u.kind == "Bot")
                && c.body.as_deref().is_some_and(|b| b.contains(STICKY_MARKER))
        }))
    }

    /// fixloop's one comment on PR `number`, made from the one there (`None` at first) and
    /// updated in place, never posted twice.
    ///
    /// # Errors
    /// GitHub could not be read or written.
    pub async fn upsert_sticky(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        body: impl FnOnce(Option<&str>) -> String,
    ) -> Result<(), StepError> {
        let existing = self.sticky(owner, repo, number).await?;
        let text = body(existing.as_ref().and_then(|c| c.body.as_deref()));
        let payload = json!({ "body": text });
        let route = match &existing {
            Some(comment) => format!("/repos/{owner}/{repo}/issues/comments/{}", comment.id),
            None => format!("/repos/{owner}/{repo}/issues/{number}/comments"),
        };
        self.send("writing fixloop's comment on the PR", || async {
            let answer = if existing.is_some() {
                self.crab._patch(route.as_str(), Some(&payload)).await?
            } else {
                self.crab._post(route.as_str(), Some(&payload)).await?
            };
            octocrab::map_github_error(answer).await.map(drop)
        })
        .await
        .map_err(|refused| refused.error)
    }
}
