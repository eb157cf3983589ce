//! What upstream has that the fork has not merged: the newest release tag matching the pattern
//! (semver order) after the one the last sync merge names in its `Upstream-Tag:` trailer, or the
//! followed branch's head when the fork does not have it yet.

use super::SyncPipeline;
use crate::core::error::StepError;
use crate::core::event::EventKind;
use crate::core::sync::config::Follow;
use crate::core::sync::tags::{TagPattern, newest};
use crate::core::sync::trailer::{TAG_TRAILER, upstream_commit, upstream_tag};
use crate::engine::bench::Bench;

/// The most of a release's notes kept in the journal (the PR body cuts them shorter).
const NOTES: usize = 16 * 1024;

pub async fn detect(sync: &SyncPipeline, bench: &Bench) -> Result<EventKind, StepError> {
    let config = &sync.config;
    let base_commit = latest_base(sync, bench).await?;
    let last = sync
        .merger
        .last_synced(&base_commit, TAG_TRAILER)
        .await
        .map_err(|e| StepError::error(format!("reading the last sync: {}", e.stderr)))?;
    let previous = last.as_ref().and_then(|(_, m)| upstream_tag(m));
    let unreachable = |e: crate::engine::ports::VcsError| {
        StepError::unavailable(format!(
            "cannot read upstream {}: {}",
            config.upstream, e.stderr
        ))
        .hint("check `upstream` in [sync] and that this machine can reach it")
    };
    let (follows, what, refname) = match config.follows() {
        Follow::Tags(pattern) => {
            let tags = sync
                .merger
                .upstream_tags(&config.upstream)
                .await
                .map_err(unreachable)?;
            let names: Vec<String> = tags.into_iter().map(|(tag, _)| tag).collect();
            let found = newest(&names, &pattern, config.prereleases, previous.as_deref());
            let refname = found.as_ref().map(|t| format!("refs/tags/{t}"));
            (described(&pattern), found, refname)
        }
        Follow::Branch(branch) => (
            format!("upstream's `{branch}`"),
            Some(branch.clone()),
            Some(format!("refs/heads/{branch}")),
        ),
    };
    let nothing = |upstream_commit: String, previous: Option<String>| EventKind::SyncDetected {
        follows: follows.clone(),
        what: None,
        upstream_commit,
        previous,
        base: config.base.clone(),
        base_commit: base_commit.clone(),
        release_notes: String::new(),
    };
    let (Some(what), Some(refname)) = (what, refname.clone()) else {
        return Ok(nothing(String::new(), previous));
    };
    // A followed branch's head is read first: when the fork already holds it, nothing is
    // fetched (as a tag already synced is never fetched again).
    let head = match config.follows() {
        Follow::Branch(branch) => Some(
            sync.merger
                .upstream_branch(&config.upstream, &branch)
                .await
                .map_err(unreachable)?,
        ),
        Follow::Tags(_) => None,
    };
    let commit = match head {
        Some(head) if bench.vcs.is_ancestor(&head, &base_commit).await => head,
        _ => sync
            .merger
            .fetch_upstream(&config.upstream, &refname)
            .await
            .map_err(unreachable)?,
    };
    // Merged already (by an earlier sync, or by hand without the trailer): nothing to do.
    if bench.vcs.is_ancestor(&commit, &base_commit).await {
        let said = previous.or_else(|| {
            last.as_ref()
                .and_then(|(_, m)| upstream_commit(m))
                .map(|c| c.get(..12).unwrap_or(&c).to_owned())
        });
        return Ok(nothing(commit, said.or(Some(what))));
    }
    let (what, release_notes) = if refname.starts_with("refs/tags/") {
        let notes = sync.merger.tag_message(&what).await.unwrap_or_default();
        (what, cut(notes))
    } else {
        (
            format!("{what}@{}", commit.get(..12).unwrap_or(&commit)),
            String::new(),
        )
    };
    Ok(EventKind::SyncDetected {
        follows,
        what: Some(what),
        upstream_commit: commit,
        previous,
        base: config.base.clone(),
        base_commit,
        release_notes,
    })
}

/// A tag pattern as the report says it.
fn described(pattern: &TagPattern) -> String {
    match pattern {
        TagPattern::Glob(glob) => format!("tags `{glob}`"),
        TagPattern::Regex(regex) => format!("tags matching `{}`", regex.as_str()),
    }
}

fn cut(mut notes: String) -> String {
    if notes.len() > NOTES {
        let mut end = NOTES;
        while !notes.is_char_boundary(end) {
            end -= 1;
        }
        notes.truncate(end);
    }
    notes
}

/// The fork's base branch now: fetched from its remote when it has one, else the local branch.
async fn latest_base(sync: &SyncPipeline, bench: &Bench) -> Result<String, StepError> {
    let base = &sync.config.base;
    let mut candidates = Vec::new();
    if let Some(remote) = &sync.remote {
        bench.vcs.fetch(remote, base).await.map_err(|e| {
            StepError::unavailable(format!("cannot fetch `{base}` from {remote}: {}", e.stderr))
        })?;
        candidates.push(format!("refs/remotes/{remote}/{base}"));
    }
    candidates.push(format!("refs/heads/{base}"));
    for candidate in candidates {
        if let Ok(commit) = bench.vcs.rev_parse(&candidate).await {
            return Ok(commit);
        }
    }
    Err(StepError::input(format!("the fork has no branch `{base}`"))
        .hint("set `base` in [sync] to the branch upstream's releases are merged into"))
}
