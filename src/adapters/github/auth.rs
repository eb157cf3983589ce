//! Credentials and where the API is: the token (from the environment or `gh`), the API base of
//! a host, and the repository a git remote points at.

use std::time::Duration;

/// Where a token came from, for messages (never the token itself).
#[derive(Clone)]
pub struct Token {
    /// The secret: the client core (the parent module) reads it to authenticate; nothing else
    /// in the crate can.
    pub(super) value: String,
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
    /// The token in the variable `name` when it is set (and not empty), else as `discover`
    /// finds one.
    pub async fn discover_preferring(name: &str) -> Option<Self> {
        if let Ok(value) = std::env::var(name)
            && !value.trim().is_empty()
        {
            return Some(Self {
                value: value.trim().to_owned(),
                source: name.to_owned(),
            });
        }
        Self::discover().await
    }

    /// `FIXLOOP_APP_TOKEN` (a GitHub App's token in fixloop's workflow), then `GITHUB_TOKEN`, then
    /// `GH_TOKEN`, then `gh auth token` when `gh` is installed; empty values count as unset.
    pub async fn discover() -> Option<Self> {
        for name in ["FIXLOOP_APP_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"] {
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
