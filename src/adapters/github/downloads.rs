//! Log downloads: a job's log or the run's logs archive, streamed to disk through GitHub's
//! storage redirect, and a job's log picked out of the archive.

use std::path::Path;

use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

use super::GitHub;
use super::client::without_url;
use crate::core::error::StepError;
use crate::core::event::FailureClass;
use crate::core::runurl::RunUrl;

impl GitHub {
    /// A job's log, streamed to `dest` (GitHub redirects to storage; the token does not follow).
    pub async fn job_log(&self, url: &RunUrl, job: u64, dest: &Path) -> Result<u64, StepError> {
        let route = format!("/repos/{}/{}/actions/jobs/{job}/logs", url.owner, url.repo);
        self.download(&route, &format!("downloading the log of job {job}"), dest)
            .await
    }

    /// The run's logs archive (a zip of every job's log), for when job logs are not available.
    pub async fn run_logs_archive(&self, url: &RunUrl, dest: &Path) -> Result<u64, StepError> {
        let route = format!(
            "/repos/{}/{}/actions/runs/{}/logs",
            url.owner, url.repo, url.run_id
        );
        let what = format!("downloading the logs archive of run {}", url.run_id);
        self.download(&route, &what, dest).await
    }

    /// Streams what `route` answers, or redirects to, into `dest`. octocrab asks the API (with
    /// the token, and the retry policy); its `download_job_logs` would follow the redirect itself
    /// and hold the whole log in memory, so the redirect comes back here instead.
    pub(super) async fn download(
        &self,
        route: &str,
        what: &str,
        dest: &Path,
    ) -> Result<u64, StepError> {
        let response = self
            .send(what, || async {
                let response = self.crab._get(route).await?;
                if response.status().is_redirection() {
                    Ok(response)
                } else {
                    octocrab::map_github_error(response).await
                }
            })
            .await
            .map_err(|refused| refused.error)?;
        if !response.status().is_redirection() {
            return stream_to(response.into_body(), dest, what).await;
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
        let stored = self.storage_get(&location, what).await?;
        stream_to(http::Response::from(stored).into_body(), dest, what).await
    }

    /// The log at a storage redirect, fetched with reqwest and not octocrab: the URL carries its
    /// own signature, and octocrab would send the token to any host that shares the API's
    /// address (as the local stand-in does), where reqwest alone sends nothing fixloop holds.
    async fn storage_get(
        &self,
        location: &str,
        what: &str,
    ) -> Result<reqwest::Response, StepError> {
        let mut delay = self.backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match self.http.get(location).send().await {
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
}

/// Streams a response's body into `dest`, chunk by chunk.
async fn stream_to<B>(mut body: B, dest: &Path, what: &str) -> Result<u64, StepError>
where
    B: BodyExt + Unpin,
    B::Data: AsRef<[u8]>,
    B::Error: std::fmt::Display,
{
    let write_error = |e: std::io::Error| {
        StepError::new(
            FailureClass::Error,
            format!("{what}: cannot write {}: {e}", dest.display()),
        )
    };
    let mut file = tokio::fs::File::create(dest).await.map_err(write_error)?;
    let mut written = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            StepError::new(
                FailureClass::Unavailable,
                format!(
                    "{what}: the download broke off after {written} bytes ({})",
                    without_urls(&e.to_string())
                ),
            )
        })?;
        if let Ok(chunk) = frame.into_data() {
            file.write_all(chunk.as_ref()).await.map_err(write_error)?;
            written += chunk.as_ref().len() as u64;
        }
    }
    file.flush().await.map_err(write_error)?;
    Ok(written)
}

/// A message without the URLs in it (a storage URL carries a signature).
fn without_urls(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bare = word.trim_start_matches(['(', '"', '\'']);
            if bare.starts_with("http://") || bare.starts_with("https://") {
                "<url>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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
