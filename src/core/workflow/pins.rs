//! Everything the generated workflow runs that is not fixloop's: each action pinned by its full
//! commit SHA (a tag can be moved; a commit cannot), with the release it is in a comment, and
//! the agent CLIs at exact versions. Changing a pin here changes every workflow generated after.

use super::options::Agent;

/// An action at one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    pub action: &'static str,
    pub sha: &'static str,
    /// The release the commit is tagged as, for people reading the workflow.
    pub version: &'static str,
}

impl Pin {
    /// What `uses:` says: `owner/repo@sha`.
    #[must_use]
    pub fn uses(&self) -> String {
        format!("{}@{}", self.action, self.sha)
    }
}

pub const CHECKOUT: Pin = Pin {
    action: "actions/checkout",
    sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
    version: "v4.2.2",
};

pub const UPLOAD_ARTIFACT: Pin = Pin {
    action: "actions/upload-artifact",
    sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
    version: "v4.6.2",
};

pub const DOWNLOAD_ARTIFACT: Pin = Pin {
    action: "actions/download-artifact",
    sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    version: "v4.3.0",
};

pub const APP_TOKEN: Pin = Pin {
    action: "actions/create-github-app-token",
    sha: "df432ceedc7162793a195dd1713ff69aefc7379e",
    version: "v2.0.6",
};

/// The agent CLI's version installed when none is asked for.
#[must_use]
pub fn agent_version(agent: Agent) -> &'static str {
    match agent {
        Agent::Claude => "2.1.332",
        Agent::Codex => "0.171.0",
    }
}
