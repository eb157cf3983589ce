//! What `fixloop ci analyze` reads about the pull request of a failed run: which PR a head
//! commit belongs to (GitHub lists none for a fork's PR in the run itself), and how many times
//! fixloop has tried it (the marker fixloop's sticky comment carries).

use serde::Deserialize;

use super::GitHub;
use crate::core::error::StepError;

/// The hidden marker of fixloop's one comment on a PR, followed by its attempt count.
pub const STICKY_MARKER: &str = "<!-- fixloop:sticky attempts=";

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
    body: Option<String>,
    #[serde(default)]
    user: Option<Author>,
}

#[derive(Debug, Deserialize)]
struct Author {
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
        let route = format!("/repos/{owner}/{repo}/issues/{number}/comments");
        let comments: Vec<Comment> = self
            .every_page(&route, &[], "reading the PR's comments")
            .await?;
        Ok(comments
            .iter()
            .filter(|c| c.user.as_ref().is_some_and(|u| u.kind == "Bot"))
            .filter_map(|c| attempts_in(c.body.as_deref()?))
            .max()
            .unwrap_or(0))
    }
}

/// The attempt count after the sticky marker in a comment's body.
#[must_use]
pub fn attempts_in(body: &str) -> Option<u32> {
    let rest = &body[body.find(STICKY_MARKER)? + STICKY_MARKER.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
