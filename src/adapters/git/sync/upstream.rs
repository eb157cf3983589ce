//! Upstream as the sync merger reads it: its tags and branches, fetched into fixloop's own
//! refs; the last sync the fork's history names; where the two histories part.

use super::{
    GitMerger, Result, UPSTREAM_REFS, escape_ere, operand, parse_tags, refused, tag_annotation,
};

impl GitMerger {
    pub(super) async fn tags(&self, url: &str) -> Result<Vec<(String, String)>> {
        let url = operand("URL", url)?;
        Ok(parse_tags(
            &self.git.run(&["ls-remote", "--tags", url]).await?,
        ))
    }

    pub(super) async fn branch_head(&self, url: &str, branch: &str) -> Result<String> {
        let url = operand("URL", url)?;
        let name = format!("refs/heads/{branch}");
        let listing = self.git.run(&["ls-remote", "--heads", url, &name]).await?;
        listing
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .find(|(_, r)| *r == name)
            .map(|(sha, _)| sha.to_owned())
            .ok_or_else(|| {
                refused(
                    &format!("ls-remote --heads {url} {name}"),
                    format!("{url} has no branch {branch}"),
                )
            })
    }

    pub(super) async fn fetch(&self, url: &str, refname: &str) -> Result<String> {
        let url = operand("URL", url)?;
        let Some(short) = refname.strip_prefix("refs/") else {
            return Err(refused(
                "fetch",
                format!("not a full ref name (refs/tags/..., refs/heads/...): {refname}"),
            ));
        };
        let local = format!("{UPSTREAM_REFS}{short}");
        self.git
            .run(&[
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--no-recurse-submodules",
                url,
                &format!("+{refname}:{local}"),
            ])
            .await?;
        self.git
            .run(&["rev-parse", "--verify", &format!("{local}^{{commit}}")])
            .await
    }

    pub(super) async fn annotation(&self, tag: &str) -> Result<String> {
        let local = format!("{UPSTREAM_REFS}tags/{tag}");
        let kind = self.git.run(&["cat-file", "-t", &local]).await?;
        if kind != "tag" {
            return Ok(String::new());
        }
        Ok(tag_annotation(
            &self.git.run(&["cat-file", "tag", &local]).await?,
        ))
    }

    pub(super) async fn synced(&self, base: &str, key: &str) -> Result<Option<(String, String)>> {
        let base = operand("revision", base)?;
        let key = operand("trailer key", key)?;
        let listing = self
            .git
            .run(&[
                "log",
                "-1",
                "--no-show-signature",
                "--format=%H%x00%B",
                "-E",
                &format!("--grep=^{}:", escape_ere(key)),
                base,
                "--",
            ])
            .await?;
        let Some((commit, message)) = listing.split_once('\0') else {
            return Ok(None);
        };
        let prefix = format!("{key}:");
        Ok(message
            .lines()
            .any(|line| line.starts_with(&prefix))
            .then(|| (commit.to_owned(), message.trim_end().to_owned())))
    }

    pub(super) async fn base_of(&self, a: &str, b: &str) -> Result<String> {
        let (a, b) = (operand("commit", a)?, operand("commit", b)?);
        self.git.run(&["merge-base", a, b]).await
    }

    pub(super) async fn ahead_behind(&self, base: &str, upstream: &str) -> Result<(u32, u32)> {
        let (base, upstream) = (operand("commit", base)?, operand("commit", upstream)?);
        let range = format!("{base}...{upstream}");
        let counts = self
            .git
            .run(&["rev-list", "--left-right", "--count", &range, "--"])
            .await?;
        let mut numbers = counts.split_whitespace().map(str::parse::<u32>);
        match (numbers.next(), numbers.next()) {
            (Some(Ok(ahead)), Some(Ok(behind))) => Ok((ahead, behind)),
            _ => Err(refused(
                &format!("rev-list --left-right --count {range}"),
                format!("unexpected answer: {counts:?}"),
            )),
        }
    }
}
