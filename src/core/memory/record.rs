//! The memory's records, one JSON line each: a finished run, a later sighting of a failure, a
//! stress measurement. Every record names its repository, so one file can hold several.

use serde::{Deserialize, Serialize};

/// One line of the memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "kebab-case")]
pub enum Record {
    Run(RunRecord),
    Seen(Sighting),
    Flaky(FlakyMeasure),
}

impl Record {
    #[must_use]
    pub fn repo(&self) -> &str {
        match self {
            Self::Run(r) => &r.repo,
            Self::Seen(s) => &s.repo,
            Self::Flaky(f) => &f.repo,
        }
    }
}

/// The run records, the last one written for each run (a resumed run ends again), in the
/// order they were first written.
#[must_use]
pub(crate) fn latest_runs(records: &[Record]) -> Vec<&RunRecord> {
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut runs: Vec<&RunRecord> = Vec::new();
    for record in records {
        if let Record::Run(run) = record {
            match at.get(run.run.as_str()) {
                Some(&i) => runs[i] = run,
                None => {
                    at.insert(&run.run, runs.len());
                    runs.push(run);
                }
            }
        }
    }
    runs
}

/// A finished run of the failure pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: String,
    pub repo: String,
    /// When the run started, RFC 3339.
    pub at: String,
    /// The failing tests its logs named.
    #[serde(default)]
    pub tests: Vec<String>,
    /// The failure's signature (`core::signature::of` over the log excerpt).
    #[serde(default)]
    pub signature: String,
    pub deterministic: bool,
    pub outcome: Outcome,
}

impl RunRecord {
    /// `det` or `flaky`, as `fixloop stats` names failure kinds.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        if self.deterministic { "det" } else { "flaky" }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// A verified fix, delivered as a commit on a branch, with its PR when one was opened.
    Fixed {
        commit: String,
        branch: String,
        #[serde(default)]
        pr: Option<u64>,
    },
    NotFixed {
        why: String,
    },
}

/// A failure seen after the fact: by `fixloop logs`, by the watcher, or as a later run's
/// failing tests. It is what tells a fix that did not hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    pub repo: String,
    pub at: String,
    /// `logs`, `watch` or `run`.
    pub source: String,
    #[serde(default)]
    pub tests: Vec<String>,
    #[serde(default)]
    pub signature: String,
}

/// One stress measurement of a test (or of a command, when no test is named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlakyMeasure {
    pub repo: String,
    pub at: String,
    /// The test id, or the command that was measured.
    pub test: String,
    pub runs: u32,
    pub failures: u32,
}

/// The key a repository's records carry: `host/owner/name` from its remote URL (`https://`,
/// `ssh://`, `git@host:` forms, `.git` dropped), else the folder it is in.
#[must_use]
pub fn repo_key(remote: Option<&str>, folder: &str) -> String {
    let Some(url) = remote.map(str::trim).filter(|u| !u.is_empty()) else {
        return folder.to_owned();
    };
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    if rest.starts_with('/') {
        // A remote on this machine (a path, `file://`): its path, as written.
        let path = rest.trim_end_matches('/');
        return path.strip_suffix(".git").unwrap_or(path).to_owned();
    }
    // `git@host:owner/name` and `user@host/path` lose the user; the scp form's `:` becomes `/`.
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let rest = match rest.split_once(':') {
        Some((host, path)) if !path.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("{host}/{path}")
        }
        // `host:port/path`: the port goes.
        Some((host, path)) => format!("{host}/{}", path.split_once('/').map_or("", |(_, p)| p)),
        None => rest.to_owned(),
    };
    let key = rest.trim_end_matches('/');
    key.strip_suffix(".git").unwrap_or(key).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_repository_has_one_key_whatever_the_form_of_its_url() {
        for url in [
            "https://github.com/Acme/Widget.git",
            "git@github.com:acme/widget.git",
            "ssh://git@github.com/acme/widget",
            "https://x-access-token@github.com/acme/widget/",
            "ssh://git@github.com:22/acme/widget.git",
        ] {
            assert_eq!(repo_key(Some(url), "/r"), "github.com/acme/widget", "{url}");
        }
        assert_eq!(repo_key(None, "/home/me/widget"), "/home/me/widget");
        assert_eq!(
            repo_key(Some("/srv/Git/widget.git"), "/w"),
            "/srv/Git/widget"
        );
        assert_eq!(
            repo_key(Some("file:///srv/Git/widget.git"), "/w"),
            "/srv/Git/widget"
        );
        assert_eq!(repo_key(Some(" "), "/w"), "/w");
    }

    #[test]
    fn a_record_is_one_json_object_that_starts_with_its_kind() {
        let record = Record::Run(RunRecord {
            run: "r1".into(),
            repo: "github.com/a/b".into(),
            at: "2026-01-02T03:04:05Z".into(),
            tests: vec!["t::a".into()],
            signature: "panicked at src/lib.rs:N:N".into(),
            deterministic: true,
            outcome: Outcome::Fixed {
                commit: "abc".into(),
                branch: "fix/x".into(),
                pr: Some(7),
            },
        });
        let line = serde_json::to_string(&record).expect("serialises");
        assert!(line.starts_with("{\"record\":\"run\""), "{line}");
        let back: Record = serde_json::from_str(&line).expect("parses");
        assert_eq!(back, record);
    }
}
