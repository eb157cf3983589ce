//! GitHub over its REST API: a run's jobs and logs, and the draft PR.
//!
//! Plain reqwest rather than octocrab: every call goes through one `send` that owns the retry
//! policy (5xx, dropped connections and secondary rate limits with `retry-after` are retried with
//! backoff; everything else is a clear error), logs stream to disk through redirects without
//! the token following them, and the same client serves GitHub Enterprise and the local test
//! server by its base URL. The token is never put in a message, a log or an event.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::core::event::{CiRun, FailureClass};
use crate::core::runurl::RunUrl;
use crate::engine::ports::{BoxFuture, FetchedRun, Forge, PrOutcome, PrRequest};

/// Where a token came from, for messages (never the token itself).
#[derive(Clone)]
pub struct Token {
    value: String,
    pub source: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// `GITHUB_TOKEN`, then `GH_TOKEN`, then `gh auth token` when `gh` is installed.
    pub async fn discover() -> Option<Self> {
        for name in ["GITHUB_TOKEN", "GH_TOKEN"] {
            if let Ok(value) = std::env::var(name)
                && !value.trim().is_empty()
            {
                return Some(Self {
                    value: value.trim().to_owned(),
                    source: name.to_owned(),
                });
            }
        }
        let output = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::process::Command::new("gh")
                .args(["auth", "token"])
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .ok()?
        .ok()?;
        let value = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (output.status.success() && !value.is_empty()).then(|| Self {
            value,
            source: "`gh auth token`".into(),
        })
    }
}

/// The API base for a host: `https://api.github.com`, or `https://HOST/api/v3` for Enterprise.
#[must_use]
pub fn api_base(host: &str) -> String {
    if host == "github.com" || host == "www.github.com" {
        "https://api.github.com".into()
    } else {
        format!("https://{host}/api/v3")
    }
}

/// `owner/repo` of a GitHub remote URL (https or ssh), with its host.
#[must_use]
pub fn remote_repo(url: &str) -> Option<(String, String, String)> {
    let url = url.trim().trim_end_matches('/').trim_end_matches(".git");
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("ssh://git@"))
        .map(|r| r.replacen(':', "/", usize::from(r.starts_with("git@"))))
        .or_else(|| url.strip_prefix("git@").map(|r| r.replacen(':', "/", 1)))?;
    let rest = rest.rsplit('@').next().unwrap_or(&rest).to_owned();
    let mut parts = rest.split('/');
    let host = parts.next()?.split(':').next()?.to_owned();
    let owner = parts.next()?.to_owned();
    let repo = parts.next()?.to_owned();
    (!owner.is_empty() && !repo.is_empty() && parts.next().is_none()).then_some((host, owner, repo))
}

#[derive(Debug, Clone)]
pub struct GitHub {
    http: reqwest::Client,
    pub api: String,
    token: Option<Token>,
    /// First retry delay; doubled each time.
    pub backoff: Duration,
    pub attempts: u32,
}

type Failure = (FailureClass, String);

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

#[derive(Debug, Clone, Deserialize)]
struct Pull {
    number: u64,
    html_url: String,
}

impl GitHub {
    pub fn new(api: &str, token: Option<Token>) -> Result<Self, Failure> {
        let timeout = std::env::var("FIXLOOP_GITHUB_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(Duration::from_secs(60), Duration::from_secs);
        let http = reqwest::Client::builder()
            .user_agent(concat!("fixloop/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(timeout)
            // Redirects are followed by hand, without the token (log downloads).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                (
                    FailureClass::Unavailable,
                    format!("cannot start an HTTP client: {e}"),
                )
            })?;
        Ok(Self {
            http,
            api: api.trim_end_matches('/').to_owned(),
            token,
            backoff: Duration::from_millis(500),
            attempts: 4,
        })
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.api)
        }
    }

    fn token_hint(&self) -> String {
        match &self.token {
            Some(t) => format!("the token from {}", t.source),
            None => {
                "no token (set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`)".into()
            }
        }
    }

    /// One API call with the retry policy; returns the successful response.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<reqwest::Response, (FailureClass, String, Option<StatusCode>)> {
        let url = self.url(path);
        let mut delay = self.backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28");
            if let Some(token) = &self.token {
                request = request.bearer_auth(&token.value);
            }
            if let Some(body) = body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body.to_string());
            }
            let wait = match request.send().await {
                Ok(response)
                    if response.status().is_success() || response.status().is_redirection() =>
                {
                    return Ok(response);
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let remaining = response
                        .headers()
                        .get("x-ratelimit-remaining")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let text = response.text().await.unwrap_or_default();
                    let message = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
                        .unwrap_or_else(|| text.chars().take(200).collect());
                    let limited = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::FORBIDDEN
                            && (retry_after.is_some()
                                || remaining.as_deref() == Some("0")
                                || message.to_lowercase().contains("rate limit")));
                    if limited {
                        last = format!("GitHub's rate limit ({status}: {message})");
                        Duration::from_secs(retry_after.unwrap_or(60).min(300))
                    } else if status.is_server_error() {
                        last = format!("GitHub answered {status} ({message})");
                        delay
                    } else {
                        return Err((
                            FailureClass::Unavailable,
                            self.explain(status, &message, what),
                            Some(status),
                        ));
                    }
                }
                Err(e) => {
                    last = if e.is_timeout() {
                        "GitHub did not answer in time".into()
                    } else if e.is_connect() {
                        "cannot connect to GitHub".into()
                    } else {
                        format!("the connection to GitHub failed ({})", without_url(&e))
                    };
                    delay
                }
            };
            if attempt < self.attempts {
                tracing::warn!("{what}: {last}; retrying in {:?} (attempt {attempt})", wait);
                tokio::time::sleep(wait).await;
                delay *= 2;
            }
        }
        Err((
            FailureClass::Unavailable,
            format!(
                "{what}: {last}, after {} attempts\n  hint: check your network and \
                 https://www.githubstatus.com, then run again",
                self.attempts
            ),
            None,
        ))
    }

    fn explain(&self, status: StatusCode, message: &str, what: &str) -> String {
        let hint = match status.as_u16() {
            401 => format!(
                "GitHub refused {}: create a new token (repo and actions read, pull requests \
                 write) and set GITHUB_TOKEN",
                self.token_hint()
            ),
            403 => format!(
                "{} lacks a permission this needs (actions: read to fetch logs; contents and \
                 pull requests: write to open the PR)",
                self.token_hint()
            ),
            404 => match &self.token {
                Some(t) => format!(
                    "check the URL; for a private repository, the token from {} must be able to \
                     see it",
                    t.source
                ),
                None => "check the URL; a private repository needs a token: set GITHUB_TOKEN \
                         (or GH_TOKEN, or log in with `gh auth login`)"
                    .into(),
            },
            422 => "GitHub rejected the request as invalid; the message says why".into(),
            _ => "see GitHub's message".into(),
        };
        format!("{what}: GitHub answered {status} ({message})\n  hint: {hint}")
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, Failure> {
        let response = self
            .send(Method::GET, path, None, what)
            .await
            .map_err(|(c, m, _)| (c, m))?;
        let bytes = response.bytes().await.map_err(|e| {
            (
                FailureClass::Unavailable,
                format!("{what}: {}", without_url(&e)),
            )
        })?;
        serde_json::from_slice(&bytes).map_err(|e| {
            (
                FailureClass::Unavailable,
                format!("{what}: GitHub's answer is not what fixloop expects: {e}"),
            )
        })
    }

    pub async fn run(&self, url: &RunUrl) -> Result<Run, Failure> {
        let path = match url.attempt {
            Some(n) => format!(
                "/repos/{}/{}/actions/runs/{}/attempts/{n}",
                url.owner, url.repo, url.run_id
            ),
            None => format!(
                "/repos/{}/{}/actions/runs/{}",
                url.owner, url.repo, url.run_id
            ),
        };
        self.get_json(&path, &format!("fetching run {}", url.run_id))
            .await
    }

    /// Another attempt of the same run.
    pub async fn attempt(&self, url: &RunUrl, n: u32) -> Result<Run, Failure> {
        let path = format!(
            "/repos/{}/{}/actions/runs/{}/attempts/{n}",
            url.owner, url.repo, url.run_id
        );
        self.get_json(
            &path,
            &format!("fetching attempt {n} of run {}", url.run_id),
        )
        .await
    }

    /// Every job of the run (all pages).
    pub async fn jobs(&self, url: &RunUrl) -> Result<Vec<Job>, Failure> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            total_count: usize,
            jobs: Vec<Job>,
        }
        let base = match url.attempt {
            Some(n) => format!(
                "/repos/{}/{}/actions/runs/{}/attempts/{n}/jobs",
                url.owner, url.repo, url.run_id
            ),
            None => format!(
                "/repos/{}/{}/actions/runs/{}/jobs",
                url.owner, url.repo, url.run_id
            ),
        };
        let mut jobs = Vec::new();
        for page in 1..=50 {
            let p: Page = self
                .get_json(
                    &format!("{base}?per_page=100&page={page}"),
                    "listing the run's jobs",
                )
                .await?;
            let n = p.jobs.len();
            jobs.extend(p.jobs);
            if n < 100 || jobs.len() >= p.total_count {
                break;
            }
        }
        Ok(jobs)
    }

    /// A job's log, streamed to `dest` (GitHub redirects to storage; the token does not follow).
    pub async fn job_log(&self, url: &RunUrl, job: u64, dest: &Path) -> Result<u64, Failure> {
        let path = format!("/repos/{}/{}/actions/jobs/{job}/logs", url.owner, url.repo);
        let what = format!("downloading the log of job {job}");
        let response = self
            .send(Method::GET, &path, None, &what)
            .await
            .map_err(|(c, m, _)| (c, m))?;
        let response = self.follow(response, &what).await?;
        stream_to(response, dest, &what).await
    }

    /// Follows a storage redirect without the token (the URL carries its own signature).
    async fn follow(
        &self,
        response: reqwest::Response,
        what: &str,
    ) -> Result<reqwest::Response, Failure> {
        if !response.status().is_redirection() {
            return Ok(response);
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or((
                FailureClass::Unavailable,
                format!("{what}: a redirect without a location"),
            ))?;
        let mut delay = self.backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match self.http.get(&location).send().await {
                Ok(r) if r.status().is_success() => return Ok(r),
                Ok(r) if r.status().is_server_error() => {
                    last = format!("storage answered {}", r.status());
                }
                Ok(r) => {
                    return Err((
                        FailureClass::Unavailable,
                        format!(
                            "{what}: the log storage answered {} (the link may have expired; run again)",
                            r.status()
                        ),
                    ));
                }
                Err(e) => last = without_url(&e),
            }
            if attempt < self.attempts {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
        Err((FailureClass::Unavailable, format!("{what}: {last}")))
    }

    /// The run's logs archive (a zip of every job's log), for when job logs are not available.
    pub async fn run_logs_archive(&self, url: &RunUrl, dest: &Path) -> Result<u64, Failure> {
        let path = format!(
            "/repos/{}/{}/actions/runs/{}/logs",
            url.owner, url.repo, url.run_id
        );
        let what = format!("downloading the logs archive of run {}", url.run_id);
        let response = self
            .send(Method::GET, &path, None, &what)
            .await
            .map_err(|(c, m, _)| (c, m))?;
        let response = self.follow(response, &what).await?;
        stream_to(response, dest, &what).await
    }

    /// Opens the PR, or updates the open PR of the same head branch (so a retry never opens a
    /// second one); adds labels; comments on the PR the failing run belonged to.
    pub async fn open_or_update_pr(
        &self,
        owner: &str,
        repo: &str,
        request: &PrRequest,
        failing_pr: Option<u64>,
    ) -> Result<(String, u64, Vec<String>), Failure> {
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
                        (
                            FailureClass::Unavailable,
                            format!("opening the draft PR: {}", without_url(&e)),
                        )
                    })?;
                    serde_json::from_slice::<Pull>(&bytes).map_err(|e| {
                        (
                            FailureClass::Unavailable,
                            format!("opening the draft PR: unexpected answer: {e}"),
                        )
                    })?
                }
                // Opened by an earlier attempt that did not hear back: find it and update it.
                Err((_, message, Some(StatusCode::UNPROCESSABLE_ENTITY)))
                    if message.contains("already exists") =>
                {
                    let found: Vec<Pull> = self
                        .get_json(
                            &format!(
                                "/repos/{owner}/{repo}/pulls?state=open&head={owner}:{}&per_page=10",
                                request.branch
                            ),
                            "finding the existing PR",
                        )
                        .await?;
                    let pr = found
                        .into_iter()
                        .next()
                        .ok_or((FailureClass::Unavailable, message))?;
                    self.update_pr(owner, repo, pr.number, request).await?;
                    pr
                }
                Err((class, message, _)) => return Err((class, message)),
            }
        };
        // The PR exists now: what fails after this is recorded, not lost.
        let mut notes = Vec::new();
        if !request.labels.is_empty()
            && let Err((_, message, _)) = self
                .send(
                    Method::POST,
                    &format!("/repos/{owner}/{repo}/issues/{}/labels", pull.number),
                    Some(&json!({ "labels": request.labels })),
                    "labelling the PR",
                )
                .await
        {
            notes.push(message);
        }
        if let Some(number) = failing_pr.filter(|n| *n != pull.number)
            && let Err((_, message)) = self.comment_once(owner, repo, number, &pull).await
        {
            notes.push(message);
        }
        Ok((pull.html_url, pull.number, notes))
    }

    async fn update_pr(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        request: &PrRequest,
    ) -> Result<(), Failure> {
        self.send(
            Method::PATCH,
            &format!("/repos/{owner}/{repo}/pulls/{number}"),
            Some(&json!({ "title": request.title, "body": request.body })),
            "updating the existing PR",
        )
        .await
        .map(|_| ())
        .map_err(|(c, m, _)| (c, m))
    }

    /// Comments on the PR whose CI failed, unless a comment already links the fix.
    async fn comment_once(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        fix: &Pull,
    ) -> Result<(), Failure> {
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
        .map_err(|(c, m, _)| (c, m))
    }
}

/// An error's text without its URL (which, for storage redirects, carries a signature).
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

async fn stream_to(
    mut response: reqwest::Response,
    dest: &Path,
    what: &str,
) -> Result<u64, Failure> {
    let mut file = tokio::fs::File::create(dest).await.map_err(|e| {
        (
            FailureClass::Error,
            format!("{what}: cannot write {}: {e}", dest.display()),
        )
    })?;
    let mut written = 0u64;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                file.write_all(&chunk).await.map_err(|e| {
                    (
                        FailureClass::Error,
                        format!("{what}: cannot write {}: {e}", dest.display()),
                    )
                })?;
                written += chunk.len() as u64;
            }
            Ok(None) => break,
            Err(e) => {
                return Err((
                    FailureClass::Unavailable,
                    format!(
                        "{what}: the download broke off after {written} bytes ({})",
                        without_url(&e)
                    ),
                ));
            }
        }
    }
    file.flush()
        .await
        .map_err(|e| (FailureClass::Error, e.to_string()))?;
    Ok(written)
}

/// The GitHub forge for one repository.
#[derive(Debug, Clone)]
pub struct GitHubForge {
    pub client: GitHub,
    pub owner: String,
    pub repo: String,
}

impl Forge for GitHubForge {
    fn open_pr<'a>(&'a self, request: &'a PrRequest) -> BoxFuture<'a, Result<PrOutcome, Failure>> {
        Box::pin(async move {
            let (url, number, notes) = self
                .client
                .open_or_update_pr(&self.owner, &self.repo, request, request.failing_pr)
                .await?;
            Ok(PrOutcome::Opened { url, number, notes })
        })
    }

    fn fetch_run_logs<'a>(
        &'a self,
        url: &'a RunUrl,
        logs_dir: &'a Path,
    ) -> BoxFuture<'a, Result<FetchedRun, Failure>> {
        Box::pin(fetch_run_logs(&self.client, url, logs_dir))
    }
}

const FAILED: &[&str] = &["failure", "timed_out", "cancelled", "startup_failure"];

/// The failed jobs' logs of a run, concatenated into `logs_dir/full.log`, with the run's facts.
pub async fn fetch_run_logs(
    client: &GitHub,
    url: &RunUrl,
    logs_dir: &Path,
) -> Result<FetchedRun, Failure> {
    tokio::fs::create_dir_all(logs_dir).await.map_err(|e| {
        (
            FailureClass::Error,
            format!("cannot create {}: {e}", logs_dir.display()),
        )
    })?;
    let run = client.run(url).await?;
    let jobs = client.jobs(url).await?;
    let failed: Vec<&Job> = jobs
        .iter()
        .filter(|j| match url.job_id {
            Some(id) => j.id == id,
            None => j.conclusion.as_deref().is_some_and(|c| FAILED.contains(&c)),
        })
        .collect();
    if failed.is_empty() {
        return Err((
            FailureClass::Input,
            format!(
                "run {} has no failed job{}: nothing to reproduce\n  hint: paste the URL of a \
                 failed run (or job), or give the log as `raw-logs`",
                url.run_id,
                url.job_id.map(|j| format!(" {j}")).unwrap_or_default()
            ),
        ));
    }
    let full_log = logs_dir.join("full.log");
    let mut full = std::fs::File::create(&full_log).map_err(|e| {
        (
            FailureClass::Error,
            format!("cannot write {}: {e}", full_log.display()),
        )
    })?;
    let mut archive: Option<std::path::PathBuf> = None;
    let mut failed_jobs = Vec::new();
    for job in &failed {
        let steps: Vec<&str> = job
            .steps
            .iter()
            .filter(|s| s.conclusion.as_deref().is_some_and(|c| FAILED.contains(&c)))
            .map(|s| s.name.as_str())
            .collect();
        failed_jobs.push(if steps.is_empty() {
            job.name.clone()
        } else {
            format!("{} ({})", job.name, steps.join(", "))
        });
        let part = logs_dir.join(format!("job-{}.log", job.id));
        let text = match client.job_log(url, job.id, &part).await {
            Ok(_) => {
                // Only full.log stays (it is redacted before anyone reads it).
                let text = std::fs::read(&part).unwrap_or_default();
                let _ = std::fs::remove_file(&part);
                text
            }
            Err(first) => {
                // Job logs can be gone while the run's archive is still there.
                if archive.is_none() {
                    let zip = logs_dir.join("run-logs.zip");
                    client
                        .run_logs_archive(url, &zip)
                        .await
                        .map_err(|_| first.clone())?;
                    archive = Some(zip);
                }
                let zip = archive.as_deref().unwrap_or(logs_dir);
                job_from_archive(zip, &job.name).ok_or(first)?
            }
        };
        let header = format!(
            "##[group]fixloop: log of job `{}` (id {})\n",
            job.name, job.id
        );
        full.write_all(header.as_bytes())
            .and_then(|()| full.write_all(&text))
            .and_then(|()| full.write_all(b"\n##[endgroup]\n"))
            .map_err(|e| {
                (
                    FailureClass::Error,
                    format!("cannot write {}: {e}", full_log.display()),
                )
            })?;
    }
    if let Some(zip) = archive {
        let _ = std::fs::remove_file(zip);
    }
    let attempt = run.run_attempt.unwrap_or(1);
    let mut notes = Vec::new();
    // Other attempts of the same run say whether the failure is flaky.
    let latest = if url.attempt.is_some() {
        let plain = RunUrl {
            attempt: None,
            ..url.clone()
        };
        client
            .run(&plain)
            .await
            .ok()
            .and_then(|r| r.run_attempt)
            .unwrap_or(attempt)
    } else {
        attempt
    };
    let mut failed_again = Vec::new();
    for n in (1..=latest).filter(|n| *n != attempt) {
        if let Ok(other) = client.attempt(url, n).await {
            match other.conclusion.as_deref() {
                Some("success") => notes.push(format!(
                    "attempt {n} of this run passed: the failure looks flaky; consider \
                     `deterministic: false`"
                )),
                Some(c) if FAILED.contains(&c) => failed_again.push(n.to_string()),
                _ => {}
            }
        }
    }
    if !failed_again.is_empty() {
        notes.push(format!(
            "attempt(s) {} of this run failed too: if the same test failed each time, the \
             failure is likely deterministic; if not, consider `deterministic: false`",
            failed_again.join(", ")
        ));
    }
    Ok(FetchedRun {
        full_log,
        run: CiRun {
            workflow: run.name.unwrap_or_default(),
            run_id: run.id,
            attempt,
            head_sha: run.head_sha,
            head_branch: run.head_branch.unwrap_or_default(),
            html_url: run.html_url.unwrap_or_default(),
            failed_jobs,
            pull_requests: run.pull_requests.iter().map(|p| p.number).collect(),
            notes,
            title: run.display_title.unwrap_or_default(),
            commit_message: run.head_commit.map(|c| c.message).unwrap_or_default(),
        },
    })
}

/// A job's log out of the run's logs archive: `N_<job>.txt`, or the job folder's step files.
fn job_from_archive(zip: &Path, job: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(zip).ok()?;
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let mut names: Vec<String> = (0..archive.len())
        .filter_map(|i| {
            let entry = archive.by_index(i).ok()?;
            entry.name().ok().map(|n| n.to_string())
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let top = name.split('/').next().unwrap_or(&name);
        let whole = top.split_once('_').is_some_and(|(n, rest)| {
            n.chars().all(|c| c.is_ascii_digit()) && rest.trim_end_matches(".txt") == job
        });
        let inside = name.contains('/') && top == job;
        if whole || inside {
            let mut entry = archive.by_name(&name).ok()?;
            entry.read_to_end(&mut out).ok()?;
            out.push(b'\n');
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        let want = Some(("github.com".to_owned(), "acme".to_owned(), "app".to_owned()));
        assert_eq!(remote_repo("https://github.com/acme/app.git"), want);
        assert_eq!(remote_repo("git@github.com:acme/app.git"), want);
        assert_eq!(remote_repo("ssh://git@github.com/acme/app"), want);
        assert_eq!(
            remote_repo("https://x-access-token:abc@github.com/acme/app"),
            want
        );
        assert_eq!(remote_repo("/tmp/origin.git"), None);
        assert_eq!(api_base("github.com"), "https://api.github.com");
        assert_eq!(api_base("ghe.acme.dev"), "https://ghe.acme.dev/api/v3");
    }

    #[test]
    fn the_token_never_prints() {
        let t = Token {
            value: "ghp_secretsecretsecret".into(),
            source: "GITHUB_TOKEN".into(),
        };
        assert!(!format!("{t:?}").contains("secret"));
    }
}
