//! GitHub Actions run URLs: `https://HOST/OWNER/REPO/actions/runs/ID[/job/JOB|/attempts/N]`.

use serde::{Deserialize, Serialize};

/// A parsed run URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunUrl {
    pub host: String,
    pub owner: String,
    pub repo: String,
    pub run_id: u64,
    pub job_id: Option<u64>,
    pub attempt: Option<u32>,
}

impl RunUrl {
    pub const ACCEPTED_FORMS: &'static str = "accepted forms: \
        https://HOST/OWNER/REPO/actions/runs/RUN_ID, \
        https://HOST/OWNER/REPO/actions/runs/RUN_ID/job/JOB_ID, \
        https://HOST/OWNER/REPO/actions/runs/RUN_ID/attempts/N";

    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("`{url}` is not an http(s) URL"))?;
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let bad = || format!("`{url}` is not a GitHub Actions run URL");
        let [host, owner, repo, "actions", "runs", run, tail @ ..] = parts.as_slice() else {
            return Err(bad());
        };
        if host.is_empty() || owner.is_empty() || repo.is_empty() {
            return Err(bad());
        }
        let number = |s: &str| s.parse::<u64>().map_err(|_| bad());
        let mut parsed = Self {
            host: (*host).to_owned(),
            owner: (*owner).to_owned(),
            repo: (*repo).to_owned(),
            run_id: number(run)?,
            job_id: None,
            attempt: None,
        };
        match tail {
            [] => {}
            ["job" | "jobs", job] => parsed.job_id = Some(number(job)?),
            ["attempts", n] => {
                parsed.attempt = Some(u32::try_from(number(n)?).map_err(|_| bad())?);
            }
            _ => return Err(bad()),
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let run = RunUrl::parse("https://github.com/acme/app/actions/runs/123").unwrap();
        assert_eq!(
            (run.owner.as_str(), run.repo.as_str(), run.run_id),
            ("acme", "app", 123)
        );
        let job = RunUrl::parse("https://github.com/acme/app/actions/runs/1/job/77").unwrap();
        assert_eq!(job.job_id, Some(77));
        let attempt =
            RunUrl::parse("https://ghe.example.com/a/b/actions/runs/9/attempts/2?x=1").unwrap();
        assert_eq!(
            (attempt.host.as_str(), attempt.attempt),
            ("ghe.example.com", Some(2))
        );
    }

    #[test]
    fn rejects_other_urls() {
        assert!(RunUrl::parse("https://github.com/acme/app/pull/3").is_err());
        assert!(RunUrl::parse("github.com/acme/app/actions/runs/1").is_err());
        assert!(RunUrl::parse("https://github.com/acme/app/actions/runs/abc").is_err());
    }
}
