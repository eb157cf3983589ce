//! What the user owns in their repository, as fixloop fingerprints it around every agent step and
//! test run (every ref, the stash, the configuration and hooks, the index, the working tree), and
//! what changed between two fingerprints, in words a person can act on.

use std::collections::BTreeMap;

/// The user's repository at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    /// Every ref (`refs/heads/main`, `refs/tags/v1`, `refs/stash`…) and the object it names.
    pub refs: BTreeMap<String, String>,
    /// The stash's entries, newest first (the reflog of `refs/stash`).
    pub stash: Vec<String>,
    /// The repository's configuration file, line by line.
    pub config: Vec<String>,
    /// Each hook (by name) and a hash of its content.
    pub hooks: BTreeMap<String, String>,
    /// A hash of the checkout's index.
    pub index: String,
    /// Each path the checkout's status lists (changed or untracked), with its status and a hash
    /// of its content.
    pub files: BTreeMap<String, String>,
}

/// What changed from `before` to `after`, each change a sentence naming `who` did it. Refs in
/// `ignored` (fixloop's own branches) are left out.
#[must_use]
pub fn changes(
    before: &Fingerprint,
    after: &Fingerprint,
    who: &str,
    ignored: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    ref_changes(before, after, who, ignored, &mut out);
    if before.stash.len() > after.stash.len() {
        out.push(format!(
            "{who} dropped {} stash entr{} (`git stash list` had {}, now {}); restore with `git \
             stash store <commit>`: {}",
            before.stash.len() - after.stash.len(),
            if before.stash.len() - after.stash.len() == 1 {
                "y"
            } else {
                "ies"
            },
            before.stash.len(),
            after.stash.len(),
            before
                .stash
                .iter()
                .filter(|s| !after.stash.contains(s))
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if before.stash != after.stash {
        out.push(format!("{who} changed the stash (`git stash list`)"));
    }
    config_changes(before, after, who, &mut out);
    for (hook, hash) in &after.hooks {
        match before.hooks.get(hook) {
            None => out.push(format!("{who} added the git hook `{hook}`")),
            Some(old) if old != hash => out.push(format!("{who} changed the git hook `{hook}`")),
            Some(_) => {}
        }
    }
    for hook in before
        .hooks
        .keys()
        .filter(|h| !after.hooks.contains_key(*h))
    {
        out.push(format!("{who} removed the git hook `{hook}`"));
    }
    if before.index != after.index {
        out.push(format!(
            "{who} changed the index (staged changes) of your checkout"
        ));
    }
    for (path, state) in &after.files {
        if before.files.get(path) != Some(state) {
            out.push(format!("{who} changed `{path}` in your checkout"));
        }
    }
    for path in before
        .files
        .keys()
        .filter(|p| !after.files.contains_key(*p))
    {
        out.push(format!(
            "{who} changed `{path}` in your checkout (it is as committed again, or gone)"
        ));
    }
    out
}

fn short(object: &str) -> &str {
    &object[..object.len().min(12)]
}

/// A ref's name as people say it: `branch main`, `tag v1`, or the ref itself.
fn named(reference: &str) -> String {
    if let Some(branch) = reference.strip_prefix("refs/heads/") {
        format!("branch {branch}")
    } else if let Some(tag) = reference.strip_prefix("refs/tags/") {
        format!("tag {tag}")
    } else if let Some(remote) = reference.strip_prefix("refs/remotes/") {
        format!("remote-tracking branch {remote}")
    } else {
        format!("ref {reference}")
    }
}

fn ref_changes(
    before: &Fingerprint,
    after: &Fingerprint,
    who: &str,
    ignored: &[String],
    out: &mut Vec<String>,
) {
    let ignore = |r: &String| ignored.contains(r) || r == "refs/stash";
    for (reference, old) in before.refs.iter().filter(|(r, _)| !ignore(r)) {
        match after.refs.get(reference) {
            None => out.push(format!(
                "{who} deleted {} (it was at {}; restore with `git update-ref {reference} {old}`)",
                named(reference),
                short(old)
            )),
            Some(new) if new != old => out.push(format!(
                "{who} moved {} from {} to {} (restore with `git update-ref {reference} {old}`)",
                named(reference),
                short(old),
                short(new)
            )),
            Some(_) => {}
        }
    }
    for (reference, new) in after.refs.iter().filter(|(r, _)| !ignore(r)) {
        if !before.refs.contains_key(reference) {
            out.push(format!(
                "{who} created {} at {}",
                named(reference),
                short(new)
            ));
        }
    }
}

/// Configuration lines added or removed, each named (`set core.fsmonitor in .git/config`).
fn config_changes(before: &Fingerprint, after: &Fingerprint, who: &str, out: &mut Vec<String>) {
    let meaningful = |line: &&String| !line.trim().is_empty();
    for line in after.config.iter().filter(meaningful) {
        if !before.config.contains(line) {
            out.push(format!("{who} set `{}` in .git/config", line.trim()));
        }
    }
    for line in before.config.iter().filter(meaningful) {
        if !after.config.contains(line) {
            out.push(format!("{who} removed `{}` from .git/config", line.trim()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint() -> Fingerprint {
        Fingerprint {
            refs: [
                ("refs/heads/main", "1111111111111111"),
                ("refs/heads/feature", "2222222222222222"),
                ("refs/heads/fix/x", "3333333333333333"),
                ("refs/tags/v1", "4444444444444444"),
                ("refs/stash", "5555555555555555"),
            ]
            .into_iter()
            .map(|(r, o)| (r.to_owned(), o.to_owned()))
            .collect(),
            stash: vec!["5555555555555555".into(), "6666666666666666".into()],
            config: vec!["[core]".into(), "\tbare = false".into()],
            hooks: [("pre-commit".to_owned(), "aa".to_owned())].into(),
            index: "ii".into(),
            files: [("README.md".to_owned(), "M abc".to_owned())].into(),
        }
    }

    #[test]
    fn nothing_changed_says_nothing() {
        assert!(changes(&fingerprint(), &fingerprint(), "the agent", &[]).is_empty());
    }

    #[test]
    fn every_change_to_what_the_user_owns_is_said_in_words() {
        let before = fingerprint();
        let mut after = fingerprint();
        after.refs.remove("refs/heads/feature");
        after
            .refs
            .insert("refs/heads/main".into(), "9999999999999999".into());
        after
            .refs
            .insert("refs/tags/v2".into(), "8888888888888888".into());
        after
            .refs
            .insert("refs/heads/fix/x".into(), "7777777777777777".into());
        after.stash.remove(1);
        after.config.push("\tfsmonitor = ./evil.sh".into());
        after.hooks.insert("post-checkout".into(), "bb".into());
        after.index = "jj".into();
        after.files.insert("README.md".into(), "M def".into());
        after.files.insert("new.txt".into(), "?? 123".into());
        let said = changes(
            &before,
            &after,
            "the agent",
            &["refs/heads/fix/x".to_owned()],
        );
        for expected in [
            "the agent deleted branch feature (it was at 222222222222; restore with `git update-ref refs/heads/feature 2222222222222222`)",
            "the agent moved branch main from 111111111111 to 999999999999",
            "the agent created tag v2 at 888888888888",
            "the agent dropped 1 stash entry",
            "the agent set `fsmonitor = ./evil.sh` in .git/config",
            "the agent added the git hook `post-checkout`",
            "the agent changed the index (staged changes) of your checkout",
            "the agent changed `README.md` in your checkout",
            "the agent changed `new.txt` in your checkout",
        ] {
            assert!(
                said.iter().any(|s| s.starts_with(expected)),
                "{expected} not in {said:#?}"
            );
        }
        assert!(
            !said.iter().any(|s| s.contains("fix/x")),
            "fixloop's own branch: {said:#?}"
        );
        assert_eq!(said.len(), 9, "{said:#?}");
    }
}
