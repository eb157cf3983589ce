//! Workflow runs and their jobs, as GitHub's Actions API lists them.
//!
//! The models are fixloop's: the fields it reads, each optional where GitHub may leave it out.
//! octocrab's own (`models::workflows::Run`) has no `pull_requests`, `run_attempt` or
//! `display_title`, and requires some thirty fields fixloop never reads.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::GitHub;
use crate::core::error::StepError;
use crate::core::runurl::RunUrl;

#[derive(Debug, Clone, Deserialize)]
pub struct Run {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub head_sha: String,
    #[serde(default)]
    pub head_branch: Option<String>,
    #[serde(default)]
    pub run_attempt: Option<u32>,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub pull_requests: Vec<RunPr>,
    /// The PR's title, or the head commit's subject.
    #[serde(default)]
    pub display_title: Option<String>,
    #[serde(default)]
    pub head_commit: Option<HeadCommit>,
    /// The repository the head commit is in (another one for a fork's PR).
    #[serde(default)]
    pub head_repository: Option<RepoRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepoRef {
    #[serde(default)]
    pub full_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HeadCommit {
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RunPr {
    pub number: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    pub name: String,
    #[serde(default)]
    pub conclusion: Option<String>,
}

impl GitHub {
    pub async fn run(&self, url: &RunUrl) -> Result<Run, StepError> {
        let route = match url.attempt {
            Some(n) => format!(
                "/repos/{}/{}/actions/runs/{}/attempts/{n}",
                url.owner, url.repo, url.run_id
            ),
            None => format!(
                "/repos/{}/{}/actions/runs/{}",
                url.owner, url.repo, url.run_id
            ),
        };
        self.get_one(&route, &format!("fetching run {}", url.run_id))
            .await
    }

    /// Another attempt of the same run.
    pub async fn attempt(&self, url: &RunUrl, n: u32) -> Result<Run, StepError> {
        let route = format!(
            "/repos/{}/{}/actions/runs/{}/attempts/{n}",
            url.owner, url.repo, url.run_id
        );
        self.get_one(
            &route,
            &format!("fetching attempt {n} of run {}", url.run_id),
        )
        .await
    }

    /// Every job of the run (or of the URL's attempt), on every page.
    pub async fn jobs(&self, url: &RunUrl) -> Result<Vec<Job>, StepError> {
        let route = match url.attempt {
            Some(n) => format!(
                "/repos/{}/{}/actions/runs/{}/attempts/{n}/jobs",
                url.owner, url.repo, url.run_id
            ),
            None => format!(
                "/repos/{}/{}/actions/runs/{}/jobs",
                url.owner, url.repo, url.run_id
            ),
        };
        self.every_page(&route, &[], "listing the run's jobs").await
    }

    async fn get_one<T: DeserializeOwned>(&self, route: &str, what: &str) -> Result<T, StepError> {
        self.send(what, || self.crab.get(route, None::<&()>))
            .await
            .map_err(|refused| refused.error)
    }
}
