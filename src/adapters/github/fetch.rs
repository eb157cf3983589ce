//! A failed run's logs and facts: its failed jobs' logs in one file, and what its other
//! attempts say about flakiness.

use std::io::Write as _;
use std::path::Path;

use super::GitHub;
use super::downloads::job_from_archive;
use super::runs::Job;
use crate::core::error::StepError;
use crate::core::event::{CiRun, FailureClass};
use crate::core::runurl::RunUrl;
use crate::engine::ports::FetchedRun;

/// The conclusions of a job, a step or an attempt that count as failed.
const FAILED: &[&str] = &["failure", "timed_out", "cancelled", "startup_failure"];

/// The failed jobs' logs of a run, concatenated into `logs_dir/full.log`, with the run's facts.
pub async fn fetch_run_logs(
    client: &GitHub,
    url: &RunUrl,
    logs_dir: &Path,
) -> Result<FetchedRun, StepError> {
    tokio::fs::create_dir_all(logs_dir).await.map_err(|e| {
        StepError::new(
            FailureClass::Error,
            format!("cannot create {}: {e}", logs_dir.display()),
        )
    })?;
    let run = client.run(url).await?;
    let jobs = client.jobs(url).await?;
    let failed = failed_jobs(&jobs, url)?;
    let full_log = logs_dir.join("full.log");
    let failed_jobs = write_full_log(client, url, logs_dir, &full_log, &failed).await?;
    let attempt = run.run_attempt.unwrap_or(1);
    let notes = attempt_notes(client, url, attempt).await;
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

/// The jobs to reproduce: the one the URL names, else every failed one; none is an input error.
fn failed_jobs<'a>(jobs: &'a [Job], url: &RunUrl) -> Result<Vec<&'a Job>, StepError> {
    let failed: Vec<&Job> = jobs
        .iter()
        .filter(|j| match url.job_id {
            Some(id) => j.id == id,
            None => j.conclusion.as_deref().is_some_and(|c| FAILED.contains(&c)),
        })
        .collect();
    if failed.is_empty() {
        return Err(StepError::input(format!(
            "run {} has no failed job{}: nothing to reproduce",
            url.run_id,
            url.job_id.map(|j| format!(" {j}")).unwrap_or_default()
        ))
        .hint("paste the URL of a failed run (or job), or give the log as `raw-logs`"));
    }
    Ok(failed)
}

/// Writes each job's log into `full_log` as a group of its own; returns the jobs' labels.
async fn write_full_log(
    client: &GitHub,
    url: &RunUrl,
    logs_dir: &Path,
    full_log: &Path,
    failed: &[&Job],
) -> Result<Vec<String>, StepError> {
    let write_error =
        |e: std::io::Error| StepError::io(format!("cannot write {}: {e}", full_log.display()));
    let mut full = std::io::BufWriter::new(std::fs::File::create(full_log).map_err(write_error)?);
    let mut archive: Option<std::path::PathBuf> = None;
    let mut labels = Vec::new();
    for job in failed {
        labels.push(job_label(job));
        let header = format!(
            "##[group]fixloop: log of job `{}` (id {})\n",
            job.name, job.id
        );
        full.write_all(header.as_bytes()).map_err(write_error)?;
        append_job_log(client, url, logs_dir, job, &mut archive, &mut full)
            .await
            .map_err(|e| match e {
                JobLogError::Fetch(e) => e,
                JobLogError::Write(e) => write_error(e),
            })?;
        full.write_all(b"\n##[endgroup]\n").map_err(write_error)?;
    }
    full.flush().map_err(write_error)?;
    if let Some(zip) = archive {
        let _ = std::fs::remove_file(zip);
    }
    Ok(labels)
}

/// A job's name, with its failed steps when it names any.
fn job_label(job: &Job) -> String {
    let steps: Vec<&str> = job
        .steps
        .iter()
        .filter(|s| s.conclusion.as_deref().is_some_and(|c| FAILED.contains(&c)))
        .map(|s| s.name.as_str())
        .collect();
    if steps.is_empty() {
        job.name.clone()
    } else {
        format!("{} ({})", job.name, steps.join(", "))
    }
}

/// Why a job's log is not in the full log: it could not be fetched (the job log's own error),
/// or it could not be written there.
enum JobLogError {
    Fetch(StepError),
    Write(std::io::Error),
}

/// Streams a job's log onto the end of `full`: downloaded on its own, else taken from the run's
/// logs archive, which is fetched into `archive` once for all the jobs that need it.
async fn append_job_log(
    client: &GitHub,
    url: &RunUrl,
    logs_dir: &Path,
    job: &Job,
    archive: &mut Option<std::path::PathBuf>,
    full: &mut impl std::io::Write,
) -> Result<(), JobLogError> {
    let part = logs_dir.join(format!("job-{}.log", job.id));
    match client.job_log(url, job.id, &part).await {
        Ok(_) => {
            // Only full.log stays (it is redacted before anyone reads it).
            let copied =
                std::fs::File::open(&part).and_then(|mut log| std::io::copy(&mut log, full));
            let _ = std::fs::remove_file(&part);
            copied.map(|_| ()).map_err(JobLogError::Write)
        }
        Err(first) => {
            // Job logs can be gone while the run's archive is still there.
            if archive.is_none() {
                let zip = logs_dir.join("run-logs.zip");
                client
                    .run_logs_archive(url, &zip)
                    .await
                    .map_err(|_| JobLogError::Fetch(first.clone()))?;
                *archive = Some(zip);
            }
            let zip = archive.as_deref().unwrap_or(logs_dir);
            match job_from_archive(zip, &job.name, full) {
                Ok(true) => Ok(()),
                Ok(false) => Err(JobLogError::Fetch(first)),
                Err(e) => Err(JobLogError::Write(e)),
            }
        }
    }
}

/// What the run's other attempts say: one that passed makes the failure look flaky; ones that
/// failed too are named together.
async fn attempt_notes(client: &GitHub, url: &RunUrl, attempt: u32) -> Vec<String> {
    let mut notes = Vec::new();
    // A URL of one attempt says nothing of later ones; the run itself knows its latest.
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
    notes
}
