//! What the watcher asks GitHub: a repository's failed runs (a conditional request: an unchanged
//! list answers 304, which costs no rate limit), a pull request's head now, and a re-run of a
//! run's failed jobs.

use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::Value;

use super::GitHub;
use crate::core::error::StepError;

/// A poll of a repository's failed runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Poll {
    /// Nothing changed since the `ETag` given.
    Unchanged,
    /// The runs (newest first, as GitHub lists them) and the list's new `ETag`.
    Runs {
        etag: Option<String>,
        runs: Vec<Value>,
    },
}

/// A pull request's head as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullHead {
    pub sha: String,
    pub branch: String,
    /// `owner/name` of the repository the head branch is in.
    pub repo: String,
    /// Whether the head repository lets maintainers push to the branch.
    pub maintainer_can_modify: bool,
    pub open: bool,
}

#[derive(Debug, Deserialize)]
struct Pull {
    #[serde(default)]
    state: String,
    head: Head,
    #[serde(default)]
    maintainer_can_modify: bool,
}

#[derive(Debug, Deserialize)]
struct Head {
    #[serde(default)]
    sha: String,
    #[serde(rename = "ref", default)]
    branch: String,
    #[serde(default)]
    repo: Option<HeadRepo>,
}

#[derive(Debug, Deserialize)]
struct HeadRepo {
    #[serde(default)]
    full_name: String,
}

impl GitHub {
    /// The repository's latest failed runs, unless the list is unchanged since `etag`.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn failed_runs(
        &self,
        owner: &str,
        repo: &str,
        etag: Option<&str>,
    ) -> Result<Poll, StepError> {
        let route = format!("/repos/{owner}/{repo}/actions/runs?status=failure&per_page=30");
        let mut headers = http::HeaderMap::new();
        if let Some(tag) = etag.and_then(|t| http::HeaderValue::from_str(t).ok()) {
            headers.insert(http::header::IF_NONE_MATCH, tag);
        }
        let what = format!("listing the failed runs of {owner}/{repo}");
        let response = self
            .send(&what, || async {
                let response = self
                    .crab
                    ._get_with_headers(route.as_str(), Some(headers.clone()))
                    .await?;
                if response.status() == http::StatusCode::NOT_MODIFIED {
                    Ok(response)
                } else {
                    octocrab::map_github_error(response).await
                }
            })
            .await
            .map_err(|refused| refused.error)?;
        if response.status() == http::StatusCode::NOT_MODIFIED {
            return Ok(Poll::Unchanged);
        }
        let etag = response
            .headers()
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| StepError::unavailable(format!("{what}: {e}")))?
            .to_bytes();
        let list: Value = serde_json::from_slice(&body)
            .map_err(|e| StepError::unavailable(format!("{what}: not JSON ({e})")))?;
        let runs = list
            .get("workflow_runs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(Poll::Runs { etag, runs })
    }

    /// Pull request `number` as it is now.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn pull_head(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<PullHead, StepError> {
        let pull: Pull = self
            .send(&format!("reading pull request #{number}"), || {
                self.crab
                    .get(format!("/repos/{owner}/{repo}/pulls/{number}"), None::<&()>)
            })
            .await
            .map_err(|refused| refused.error)?;
        Ok(PullHead {
            sha: pull.head.sha,
            branch: pull.head.branch,
            repo: pull.head.repo.map(|r| r.full_name).unwrap_or_default(),
            maintainer_can_modify: pull.maintainer_can_modify,
            open: pull.state == "open",
        })
    }

    /// Starts the repository's fixloop workflow (`fixloop.yml`, as `fixloop init github`
    /// writes it) on run `run_id`, on the repository's default branch.
    ///
    /// # Errors
    /// GitHub refused (no such workflow, or the token may not).
    pub async fn dispatch_fixloop(
        &self,
        owner: &str,
        repo: &str,
        run_id: u64,
    ) -> Result<(), StepError> {
        #[derive(Deserialize)]
        struct Repository {
            default_branch: String,
        }
        let info: Repository = self
            .send("reading the repository", || {
                self.crab.get(format!("/repos/{owner}/{repo}"), None::<&()>)
            })
            .await
            .map_err(|refused| refused.error)?;
        let route = format!("/repos/{owner}/{repo}/actions/workflows/fixloop.yml/dispatches");
        let body = serde_json::json!({
            "ref": info.default_branch,
            "inputs": {"run-id": run_id.to_string()},
        });
        self.send("starting the fixloop workflow", || async {
            let response = self.crab._post(route.as_str(), Some(&body)).await?;
            octocrab::map_github_error(response).await.map(drop)
        })
        .await
        .map_err(|refused| refused.error)
    }

    /// The commit at the head of `branch`.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn branch_head(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
    ) -> Result<String, StepError> {
        let found: Value = self
            .send(&format!("reading branch {branch}"), || {
                self.crab.get(
                    format!("/repos/{owner}/{repo}/branches/{branch}"),
                    None::<&()>,
                )
            })
            .await
            .map_err(|refused| refused.error)?;
        Ok(found
            .pointer("/commit/sha")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// fixloop's one open issue marked `marker`, made from the one there (`None` at first) and
    /// updated in place; its number.
    ///
    /// # Errors
    /// GitHub could not be read or written.
    pub async fn upsert_issue(
        &self,
        owner: &str,
        repo: &str,
        marker: &str,
        title: &str,
        body: impl FnOnce(Option<&str>) -> String,
    ) -> Result<u64, StepError> {
        let route = format!("/repos/{owner}/{repo}/issues");
        let open: Vec<Value> = self
            .every_page(&route, &[("state", "open")], "reading the open issues")
            .await?;
        let existing = open.iter().find(|i| {
            i.get("pull_request").is_none()
                && i["body"].as_str().is_some_and(|b| b.contains(marker))
        });
        let text = body(existing.and_then(|i| i["body"].as_str()));
        let (route, payload) = match existing.and_then(|i| i["number"].as_u64()) {
            Some(number) => (
                format!("{route}/{number}"),
                serde_json::json!({"body": text}),
            ),
            None => (route, serde_json::json!({"title": title, "body": text})),
        };
        let patch = existing.is_some();
        let written: Value = self
            .send("writing fixloop's issue", || async {
                let answer = if patch {
                    self.crab._patch(route.as_str(), Some(&payload)).await?
                } else {
                    self.crab._post(route.as_str(), Some(&payload)).await?
                };
                let answer = octocrab::map_github_error(answer).await?;
                let bytes = answer
                    .into_body()
                    .collect()
                    .await
                    .map(http_body_util::Collected::to_bytes)
                    .unwrap_or_default();
                Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
            })
            .await
            .map_err(|refused| refused.error)?;
        Ok(written["number"].as_u64().unwrap_or_default())
    }

    /// The message of commit `sha`.
    ///
    /// # Errors
    /// GitHub could not be read.
    pub async fn commit_message(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
    ) -> Result<String, StepError> {
        let commit: Value = self
            .send(&format!("reading commit {sha}"), || {
                self.crab
                    .get(format!("/repos/{owner}/{repo}/commits/{sha}"), None::<&()>)
            })
            .await
            .map_err(|refused| refused.error)?;
        Ok(commit
            .pointer("/commit/message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// Re-runs the failed jobs of run `run_id`.
    ///
    /// # Errors
    /// GitHub refused (the run is too old, or the token may not).
    pub async fn rerun_failed_jobs(
        &self,
        owner: &str,
        repo: &str,
        run_id: u64,
    ) -> Result<(), StepError> {
        let route = format!("/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs");
        self.send(
            &format!("re-running the failed jobs of run {run_id}"),
            || async {
                let response = self.crab._post(route.as_str(), None::<&()>).await?;
                octocrab::map_github_error(response).await.map(drop)
            },
        )
        .await
        .map_err(|refused| refused.error)
    }
}
