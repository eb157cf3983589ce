//! Log downloads: a job's log or the run's logs archive, streamed to disk through GitHub's
//! storage redirect, and a job's log picked out of the archive.

use std::path::Path;

use reqwest::Method;
use tokio::io::AsyncWriteExt;

use super::{GitHub, without_url};
use crate::core::error::StepError;
use crate::core::event::FailureClass;
use crate::core::runurl::RunUrl;

impl GitHub {
    /// A job's log, streamed to `dest` (GitHub redirects to storage; the token does not follow).
    pub async fn job_log(&self, url: &RunUrl, job: u64, dest: &Path) -> Result<u64, StepError> {
        let path = format!("/repos/{}/{}/actions/jobs/{job}/logs", url.owner, url.repo);
        self.download(&path, &format!("downloading the log of job {job}"), dest)
            .await
    }

    /// Streams what `path` redirects to into `dest`.
    async fn download(&self, path: &str, what: &str, dest: &Path) -> Result<u64, StepError> {
        let response = self
            .send(Method::GET, path, None, what)
            .await
            .map_err(|refused| refused.error)?;
        let response = self.follow(response, what).await?;
        stream_to(response, dest, what).await
    }

    /// Follows a storage redirect without the token (the URL carries its own signature).
    async fn follow(
        &self,
        response: reqwest::Response,
        what: &str,
    ) -> Result<reqwest::Response, StepError> {
        if !response.status().is_redirection() {
            return Ok(response);
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or(StepError::new(
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
                    return Err(StepError::new(
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
        Err(StepError::new(
            FailureClass::Unavailable,
            format!("{what}: {last}"),
        ))
    }

    /// The run's logs archive (a zip of every job's log), for when job logs are not available.
    pub async fn run_logs_archive(&self, url: &RunUrl, dest: &Path) -> Result<u64, StepError> {
        let path = format!(
            "/repos/{}/{}/actions/runs/{}/logs",
            url.owner, url.repo, url.run_id
        );
        let what = format!("downloading the logs archive of run {}", url.run_id);
        self.download(&path, &what, dest).await
    }
}

async fn stream_to(
    mut response: reqwest::Response,
    dest: &Path,
    what: &str,
) -> Result<u64, StepError> {
    let mut file = tokio::fs::File::create(dest).await.map_err(|e| {
        StepError::new(
            FailureClass::Error,
            format!("{what}: cannot write {}: {e}", dest.display()),
        )
    })?;
    let mut written = 0u64;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                file.write_all(&chunk).await.map_err(|e| {
                    StepError::new(
                        FailureClass::Error,
                        format!("{what}: cannot write {}: {e}", dest.display()),
                    )
                })?;
                written += chunk.len() as u64;
            }
            Ok(None) => break,
            Err(e) => {
                return Err(StepError::new(
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
        .map_err(|e| StepError::new(FailureClass::Error, e.to_string()))?;
    Ok(written)
}

/// A job's log out of the run's logs archive (`N_<job>.txt`, or the job folder's step files),
/// streamed onto the end of `out`; whether the archive held it (an archive that cannot be read
/// holds nothing). A failed write is the error.
pub(crate) fn job_from_archive(
    zip: &Path,
    job: &str,
    out: &mut impl std::io::Write,
) -> std::io::Result<bool> {
    let Ok(file) = std::fs::File::open(zip) else {
        return Ok(false);
    };
    let Ok(mut archive) = zip::ZipArchive::new(file) else {
        return Ok(false);
    };
    let mut names: Vec<String> = (0..archive.len())
        .filter_map(|i| {
            let entry = archive.by_index(i).ok()?;
            entry.name().ok().map(|n| n.to_string())
        })
        .collect();
    names.sort();
    let mut found = false;
    for name in names {
        let top = name.split('/').next().unwrap_or(&name);
        let whole = top.split_once('_').is_some_and(|(n, rest)| {
            n.chars().all(|c| c.is_ascii_digit()) && rest.trim_end_matches(".txt") == job
        });
        let inside = name.contains('/') && top == job;
        if whole || inside {
            let Ok(mut entry) = archive.by_name(&name) else {
                continue;
            };
            std::io::copy(&mut entry, out)?;
            out.write_all(b"\n")?;
            found = true;
        }
    }
    Ok(found)
}
