//! The sync branch pushed: made, or replaced when the branch holds only fixloop's own sync,
//! never over anyone else's commit; with a lease, so a push that raced another is refused.

use super::{GitMerger, Result, operand, refused};
use crate::adapters::git::Git;

impl GitMerger {
    pub(super) async fn push(
        &self,
        remote: &str,
        branch: &str,
        commit: &str,
        own: &[&str],
    ) -> Result<()> {
        let remote = operand("remote", remote)?;
        let commit = operand("commit", commit)?;
        let refname = format!("refs/heads/{branch}");
        let env: Vec<(&str, &str)> = self
            .push_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let repo = self.git.repo.clone();
        let listed = Git::run_in(&repo, &["ls-remote", remote, &refname], &env).await?;
        let tip = listed.lines().find_map(|l| {
            l.split_once('\t')
                .filter(|(_, r)| *r == refname)
                .map(|(sha, _)| sha.to_owned())
        });
        let lease = match &tip {
            Some(tip) if tip == commit => return Ok(()),
            Some(tip) => {
                let fetched = format!("refs/fixloop/pushed/{branch}");
                Git::run_in(
                    &repo,
                    &[
                        "fetch",
                        "--quiet",
                        "--no-tags",
                        remote,
                        &format!("+{refname}:{fetched}"),
                    ],
                    &env,
                )
                .await?;
                let message = self
                    .git
                    .run(&["log", "-1", "--format=%B", &fetched])
                    .await?;
                if !message
                    .lines()
                    .any(|l| own.iter().any(|o| l.starts_with(o)))
                {
                    return Err(refused(
                        "push",
                        format!(
                            "{branch} on {remote} has a commit that is not fixloop's ({}): \
                             fixloop does not push over it; merge or delete that branch first",
                            tip.get(..12).unwrap_or(tip)
                        ),
                    ));
                }
                format!("--force-with-lease={refname}:{tip}")
            }
            None => format!("--force-with-lease={refname}:"),
        };
        Git::run_in(
            &repo,
            &[
                "push",
                "--quiet",
                &lease,
                remote,
                &format!("{commit}:{refname}"),
            ],
            &env,
        )
        .await
        .map(drop)
    }
}
