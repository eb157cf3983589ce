//! The git mechanics of `fixloop sync` (the `Merger` port) on real repositories: a bare upstream
//! with annotated and lightweight tags, a fork cloned from it, and a worktree of the fork's on a
//! `fixloop/sync/...` branch where the merges are made.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::{Path, PathBuf};

use fixloop::adapters::git::sync::GitMerger;
use fixloop::engine::ports::merge::{Conflict, ConflictKind, MergeStart, Merger, Side};
use support::{Sandbox, make_executable, write};

const CONFLICT_BASE: &str = "one\ntwo\nthree\n";
const CONFLICT_FORK: &str = "one\ntwo (fork)\nthree\n";
const CONFLICT_UPSTREAM: &str = "one\ntwo (upstream)\nthree\n";
const CLEAN_BASE: &str = "1\n2\n3\n4\n5\n6\n7\n8\n";
const README: &str = "Title\n=======\n\nA setext heading is not a conflict.\n";
const CONFIG_BASE: &str = "{\n  \"name\": \"demo\",\n  \"version\": 1\n}\n";
const CONFIG_FORK: &str = "{\n  \"name\": \"demo\",\n  \"version\": 1,\n  \"fork\": true\n}\n";
const CONFIG_UPSTREAM: &str =
    "{\n  \"name\": \"demo\",\n  \"version\": 1,\n  \"upstream\": true\n}\n";

/// Upstream (`upstream.git`, made from `src`), the fork (a clone of it, without its tags) and
/// the worktree sync merges in.
struct Fixture {
    sandbox: Sandbox,
    url: String,
    src: PathBuf,
    fork: PathBuf,
    worktree: PathBuf,
    /// The fork's `main`, merged into.
    base: String,
    merger: GitMerger,
}

impl Fixture {
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        self.sandbox.git(dir, args)
    }

    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.worktree.join(path)).ok()
    }

    /// `refs/tags/<tag>` of upstream, fetched into the fork; its commit.
    async fn fetch(&self, tag: &str) -> String {
        self.merger
            .fetch_upstream(&self.url, &format!("refs/tags/{tag}"))
            .await
            .unwrap()
    }

    async fn merge(&self, tag: &str) -> (String, MergeStart) {
        let theirs = self.fetch(tag).await;
        let start = self
            .merger
            .start_merge(&self.worktree, &self.base, &theirs, &format!("Sync {tag}"))
            .await
            .unwrap();
        (theirs, start)
    }
}

fn commit_all(sandbox: &Sandbox, repo: &Path, message: &str) {
    sandbox.git(repo, &["add", "-A"]);
    sandbox.git(repo, &["commit", "--quiet", "-m", message]);
}

/// Upstream's history: `base` (tagged `v1.0.0`, annotated, and `light`), `v1.0.1` changing a
/// line the fork leaves alone, `v1.1.0` changing what the fork changed too, differently: a line,
/// a file each side deleted and the other changed, a file both added, a JSON object.
fn fixture() -> Fixture {
    let sandbox = Sandbox::new();
    let root = sandbox.path().to_path_buf();
    let src = root.join("src");
    std::fs::create_dir_all(&src).unwrap();
    sandbox.git(&root, &["init", "--quiet", "--bare", "upstream.git"]);
    sandbox.git(&src, &["init", "--quiet"]);
    write(&src.join("conflict.txt"), CONFLICT_BASE);
    write(&src.join("clean.txt"), CLEAN_BASE);
    write(&src.join("gone-upstream.txt"), "the fork changes me\n");
    write(&src.join("gone-fork.txt"), "upstream changes me\n");
    write(&src.join("README.md"), README);
    write(&src.join("config.json"), CONFIG_BASE);
    commit_all(&sandbox, &src, "base");
    sandbox.git(
        &src,
        &["tag", "-a", "v1.0.0", "-m", "Release 1.0.0\n\nThe first."],
    );
    sandbox.git(&src, &["tag", "light"]);
    let url = root.join("upstream.git").display().to_string();
    sandbox.git(&src, &["remote", "add", "origin", &url]);
    sandbox.git(&src, &["push", "--quiet", "origin", "main", "--tags"]);

    let fork = root.join("fork");
    sandbox.git(
        &root,
        &[
            "clone",
            "--quiet",
            "--no-tags",
            &url,
            fork.to_str().unwrap(),
        ],
    );
    write(&fork.join("conflict.txt"), CONFLICT_FORK);
    write(
        &fork.join("clean.txt"),
        &CLEAN_BASE.replace('1', "1 (fork)"),
    );
    write(&fork.join("gone-upstream.txt"), "changed by the fork\n");
    std::fs::remove_file(fork.join("gone-fork.txt")).unwrap();
    write(&fork.join("added.txt"), "the fork's\n");
    write(&fork.join("config.json"), CONFIG_FORK);
    commit_all(&sandbox, &fork, "The fork's own changes");

    write(
        &src.join("clean.txt"),
        &CLEAN_BASE.replace('8', "8 (upstream)"),
    );
    commit_all(&sandbox, &src, "A line the fork left alone");
    sandbox.git(&src, &["tag", "-a", "v1.0.1", "-m", "Release 1.0.1"]);
    write(&src.join("conflict.txt"), CONFLICT_UPSTREAM);
    std::fs::remove_file(src.join("gone-upstream.txt")).unwrap();
    write(&src.join("gone-fork.txt"), "changed upstream\n");
    write(&src.join("added.txt"), "upstream's\n");
    write(&src.join("config.json"), CONFIG_UPSTREAM);
    commit_all(&sandbox, &src, "What the fork changed too");
    sandbox.git(
        &src,
        &["tag", "-a", "v1.1.0", "-m", "Release 1.1.0\n\nThe second."],
    );
    sandbox.git(&src, &["push", "--quiet", "origin", "main", "--tags"]);

    let worktree = root.join("worktree");
    sandbox.git(
        &fork,
        &[
            "worktree",
            "add",
            "--quiet",
            "-b",
            "fixloop/sync/test",
            worktree.to_str().unwrap(),
            "main",
        ],
    );
    let base = sandbox.git(&fork, &["rev-parse", "main"]);
    let merger = GitMerger::new(fork.clone());
    Fixture {
        sandbox,
        url,
        src,
        fork,
        worktree,
        base,
        merger,
    }
}

fn conflict(path: &str, kind: ConflictKind) -> Conflict {
    Conflict {
        path: path.into(),
        kind,
    }
}

/// What `v1.1.0` leaves conflicted.
fn v110_conflicts() -> Vec<Conflict> {
    vec![
        conflict("added.txt", ConflictKind::AddedByBoth),
        conflict("config.json", ConflictKind::Content),
        conflict("conflict.txt", ConflictKind::Content),
        conflict("gone-fork.txt", ConflictKind::DeletedByUs),
        conflict("gone-upstream.txt", ConflictKind::DeletedByThem),
    ]
}

#[tokio::test]
async fn upstream_tags_are_listed_once_each_with_their_commit() {
    let f = fixture();
    let tags = f.merger.upstream_tags(&f.url).await.unwrap();
    let expected: Vec<(String, String)> = ["light", "v1.0.0", "v1.0.1", "v1.1.0"]
        .iter()
        .map(|t| {
            let commit = f.git(&f.src, &["rev-parse", &format!("{t}^{{commit}}")]);
            ((*t).to_owned(), commit)
        })
        .collect();
    assert_eq!(tags, expected);
    // The annotated tag is not its own object's id.
    assert_ne!(tags[1].1, f.git(&f.src, &["rev-parse", "v1.0.0"]));

    let head = f.git(&f.src, &["rev-parse", "main"]);
    assert_eq!(
        f.merger.upstream_branch(&f.url, "main").await.unwrap(),
        head
    );
    let missing = f.merger.upstream_branch(&f.url, "nope").await.unwrap_err();
    assert!(missing.stderr.contains("no branch nope"), "{missing}");
}

#[tokio::test]
async fn a_fetched_tag_is_kept_annotated_and_fetches_no_other() {
    let f = fixture();
    let commit = f.fetch("v1.1.0").await;
    assert_eq!(commit, f.git(&f.src, &["rev-parse", "v1.1.0^{commit}"]));
    let kept = "refs/fixloop/upstream/tags/v1.1.0";
    assert_eq!(f.git(&f.fork, &["cat-file", "-t", kept]), "tag");
    assert_eq!(
        f.merger.tag_message("v1.1.0").await.unwrap(),
        "Release 1.1.0\n\nThe second."
    );
    assert_eq!(
        f.git(
            &f.fork,
            &["for-each-ref", "--format=%(refname)", "refs/tags"]
        ),
        "",
        "no tag fetched along"
    );

    f.fetch("light").await;
    assert_eq!(f.merger.tag_message("light").await.unwrap(), "");
    assert!(f.merger.tag_message("v1.0.0").await.is_err(), "not fetched");

    let branch = f
        .merger
        .fetch_upstream(&f.url, "refs/heads/main")
        .await
        .unwrap();
    assert_eq!(branch, f.git(&f.src, &["rev-parse", "main"]));
    assert_eq!(
        f.git(&f.fork, &["rev-parse", "refs/fixloop/upstream/heads/main"]),
        branch
    );
    assert!(f.merger.fetch_upstream(&f.url, "main").await.is_err());
}

#[tokio::test]
async fn the_last_sync_is_found_on_a_second_parent() {
    let f = fixture();
    let fork = &f.fork;
    let message = "Sync v1.0.0\n\nUpstream-Tag: v1.0.0\nUpstream-Commit: 0123456789abcdef";
    f.git(fork, &["checkout", "--quiet", "-b", "pr", "main"]);
    f.git(fork, &["commit", "--quiet", "--allow-empty", "-m", message]);
    let synced = f.git(fork, &["rev-parse", "HEAD"]);
    f.git(
        fork,
        &[
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            "Explain that fixloop reads Upstream-Tag: trailers",
        ],
    );
    f.git(fork, &["checkout", "--quiet", "main"]);
    f.git(
        fork,
        &[
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            "More of the fork's",
        ],
    );
    f.git(
        fork,
        &[
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            "Merge pull request #1",
            "pr",
        ],
    );
    let first_parents = f.git(fork, &["rev-list", "--first-parent", "main"]);
    assert!(!first_parents.contains(&synced));

    let found = f.merger.last_synced("main", "Upstream-Tag").await.unwrap();
    assert_eq!(found, Some((synced, message.to_owned())));
    assert_eq!(
        f.merger
            .last_synced("main", "Upstream-Branch")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_clean_merge_is_committed_with_two_parents() {
    let f = fixture();
    let theirs = f.fetch("v1.0.1").await;
    assert_eq!(f.merger.divergence(&f.base, &theirs).await.unwrap(), (1, 1));
    let merge_base = f.merger.merge_base(&f.base, &theirs).await.unwrap();
    assert_eq!(merge_base, f.git(&f.src, &["rev-parse", "v1.0.0^{commit}"]));

    let start = f
        .merger
        .start_merge(&f.worktree, &f.base, &theirs, "Sync v1.0.1")
        .await
        .unwrap();
    assert_eq!(start, MergeStart::default());
    assert!(start.clean());
    assert_eq!(
        f.merger.changed_paths(&f.worktree, &f.base).await.unwrap(),
        ["clean.txt"]
    );
    assert_eq!(f.merger.markers(&f.worktree).await.unwrap(), Vec::new());

    let message = format!("Sync v1.0.1\n\nUpstream-Tag: v1.0.1\nUpstream-Commit: {theirs}");
    let commit = f.merger.commit_merge(&f.worktree, &message).await.unwrap();
    assert_eq!(
        f.git(&f.worktree, &["log", "-1", "--format=%P"]),
        format!("{} {theirs}", f.base)
    );
    assert_eq!(f.git(&f.fork, &["rev-parse", "fixloop/sync/test"]), commit);
    assert_eq!(f.git(&f.worktree, &["log", "-1", "--format=%B"]), message);
    assert_eq!(
        f.git(&f.worktree, &["show", &format!("{commit}:clean.txt")]),
        "1 (fork)\n2\n3\n4\n5\n6\n7\n8 (upstream)"
    );
    assert_eq!(f.git(&f.worktree, &["status", "--porcelain"]), "");
    assert!(
        !f.worktree
            .join("../fork/.git/worktrees/worktree/MERGE_HEAD")
            .exists(),
        "the merge is over"
    );
    assert_eq!(f.merger.divergence(&commit, &theirs).await.unwrap(), (2, 0));
    assert_eq!(
        f.merger
            .last_synced("fixloop/sync/test", "Upstream-Tag")
            .await
            .unwrap(),
        Some((commit, message))
    );
    // Nothing under way to commit any more.
    assert!(f.merger.commit_merge(&f.worktree, "again").await.is_err());
}

#[tokio::test]
async fn conflicts_are_classified_read_and_block_the_commit() {
    let f = fixture();
    let (theirs, start) = f.merge("v1.1.0").await;
    assert_eq!(start.conflicted, v110_conflicts());
    assert_eq!(start.rerere, Vec::<String>::new());
    assert_eq!(
        f.merger.unmerged(&f.worktree).await.unwrap(),
        v110_conflicts()
    );

    // diff3 markers in the two content conflicts; not the README's setext heading.
    let markers = f.merger.markers(&f.worktree).await.unwrap();
    let in_conflict: Vec<usize> = markers
        .iter()
        .filter(|(p, _)| p == "conflict.txt")
        .map(|(_, l)| *l)
        .collect();
    assert_eq!(in_conflict, [2, 4, 8]);
    assert!(markers.iter().all(|(p, _)| p != "README.md"), "{markers:?}");
    assert!(markers.iter().any(|(p, _)| p == "config.json"));

    assert_eq!(
        f.merger
            .side_texts(&f.worktree, "conflict.txt")
            .await
            .unwrap(),
        (
            Some(CONFLICT_BASE.to_owned()),
            Some(CONFLICT_FORK.to_owned()),
            Some(CONFLICT_UPSTREAM.to_owned())
        )
    );
    assert_eq!(
        f.merger
            .side_texts(&f.worktree, "gone-fork.txt")
            .await
            .unwrap(),
        (
            Some("upstream changes me\n".to_owned()),
            None,
            Some("changed upstream\n".to_owned())
        )
    );

    let merge_base = f.merger.merge_base(&f.base, &theirs).await.unwrap();
    let (history, change) = f
        .merger
        .context(&f.worktree, "conflict.txt", &f.base, &theirs, &merge_base)
        .await
        .unwrap();
    assert!(history.contains("The fork's own changes"), "{history}");
    assert!(history.contains("+two (fork)"), "{history}");
    assert!(!history.contains("cut:"), "{history}");
    assert!(change.contains("-two\n+two (upstream)"), "{change}");
    assert!(!change.contains("fork"), "{change}");

    let refused = f
        .merger
        .commit_merge(&f.worktree, "Sync")
        .await
        .unwrap_err();
    assert!(
        refused.stderr.contains("5 path(s) still unmerged"),
        "{refused}"
    );

    f.merger.abort_merge(&f.worktree).await.unwrap();
    assert_eq!(f.merger.unmerged(&f.worktree).await.unwrap(), Vec::new());
    assert_eq!(f.read("conflict.txt").unwrap(), CONFLICT_FORK);
}

#[tokio::test]
async fn a_side_is_taken_whole_including_a_deletion() {
    let f = fixture();
    f.merge("v1.1.0").await;
    let take = |path: &'static str, side| f.merger.take_side(&f.worktree, path, side);
    take("conflict.txt", Side::Theirs).await.unwrap();
    take("added.txt", Side::Ours).await.unwrap();
    // Deleted by us, changed by them: ours is the deletion.
    take("gone-fork.txt", Side::Ours).await.unwrap();
    // Deleted by them, changed by us: ours is the change.
    take("gone-upstream.txt", Side::Ours).await.unwrap();
    take("config.json", Side::Ours).await.unwrap();
    assert_eq!(f.merger.unmerged(&f.worktree).await.unwrap(), Vec::new());
    assert_eq!(f.read("conflict.txt").unwrap(), CONFLICT_UPSTREAM);
    assert_eq!(f.read("added.txt").unwrap(), "the fork's\n");
    assert_eq!(f.read("gone-fork.txt"), None);
    assert_eq!(
        f.read("gone-upstream.txt").unwrap(),
        "changed by the fork\n"
    );
    let commit = f
        .merger
        .commit_merge(&f.worktree, "Sync v1.1.0")
        .await
        .unwrap();
    let tree = f.git(&f.worktree, &["ls-tree", "--name-only", &commit]);
    assert_eq!(
        tree.lines().collect::<Vec<_>>(),
        [
            "README.md",
            "added.txt",
            "clean.txt",
            "config.json",
            "conflict.txt",
            "gone-upstream.txt"
        ]
    );

    // The other way round, and a side taken again once settled (by rerere, this time, which
    // replays what was committed).
    let (_, again) = f.merge("v1.1.0").await;
    assert_eq!(again.rerere, ["added.txt", "config.json", "conflict.txt"]);
    take("gone-fork.txt", Side::Theirs).await.unwrap();
    take("gone-upstream.txt", Side::Theirs).await.unwrap();
    take("conflict.txt", Side::Ours).await.unwrap();
    take("conflict.txt", Side::Theirs).await.unwrap();
    assert_eq!(f.read("gone-fork.txt").unwrap(), "changed upstream\n");
    assert_eq!(f.read("gone-upstream.txt"), None);
    assert_eq!(f.read("conflict.txt").unwrap(), CONFLICT_UPSTREAM);
    assert_eq!(f.merger.unmerged(&f.worktree).await.unwrap(), Vec::new());
    let staged = f.git(&f.worktree, &["diff", "--cached", "--name-status", "HEAD"]);
    assert!(staged.contains("D\tgone-upstream.txt"), "{staged}");
}

#[tokio::test]
async fn an_edit_is_staged_and_a_removed_file_unstaged() {
    let f = fixture();
    f.merge("v1.1.0").await;
    write(&f.worktree.join("conflict.txt"), "one\ntwo (both)\nthree\n");
    f.merger.stage(&f.worktree, "conflict.txt").await.unwrap();
    std::fs::remove_file(f.worktree.join("gone-fork.txt")).unwrap();
    f.merger.stage(&f.worktree, "gone-fork.txt").await.unwrap();
    let left: Vec<String> = f
        .merger
        .unmerged(&f.worktree)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(left, ["added.txt", "config.json", "gone-upstream.txt"]);
    assert_eq!(
        f.git(&f.worktree, &["show", ":conflict.txt"]),
        "one\ntwo (both)\nthree"
    );
    assert_eq!(f.git(&f.worktree, &["ls-files", "gone-fork.txt"]), "");
}

#[tokio::test]
async fn rerere_replays_a_resolution_recorded_at_the_commit() {
    let f = fixture();
    f.merge("v1.1.0").await;
    let resolved = "one\ntwo (fork and upstream)\nthree\n";
    write(&f.worktree.join("conflict.txt"), resolved);
    f.merger.stage(&f.worktree, "conflict.txt").await.unwrap();
    for path in [
        "added.txt",
        "config.json",
        "gone-fork.txt",
        "gone-upstream.txt",
    ] {
        f.merger
            .take_side(&f.worktree, path, Side::Theirs)
            .await
            .unwrap();
    }
    f.merger
        .commit_merge(&f.worktree, "Sync v1.1.0")
        .await
        .unwrap();
    assert_eq!(f.git(&f.fork, &["config", "rerere.enabled"]), "true");

    let (_, again) = f.merge("v1.1.0").await;
    assert_eq!(
        again.rerere,
        ["added.txt", "config.json", "conflict.txt"],
        "{again:?}"
    );
    assert_eq!(
        again.conflicted,
        [
            conflict("gone-fork.txt", ConflictKind::DeletedByUs),
            conflict("gone-upstream.txt", ConflictKind::DeletedByThem),
        ]
    );
    assert_eq!(f.read("conflict.txt").unwrap(), resolved);
    assert_eq!(
        f.git(&f.worktree, &["show", ":conflict.txt"]),
        resolved.trim_end()
    );
}

/// Everything the worktree shows: status, the index and the files' contents.
fn state(f: &Fixture) -> Vec<String> {
    let mut out = vec![
        f.git(
            &f.worktree,
            &["status", "--porcelain=v2", "--untracked-files=all"],
        ),
        f.git(&f.worktree, &["ls-files", "-s"]),
        f.git(&f.worktree, &["rev-parse", "HEAD", "MERGE_HEAD"]),
    ];
    for path in support::walk(&f.worktree) {
        let rel = path.strip_prefix(&f.worktree).unwrap();
        if rel != Path::new(".git") {
            out.push(format!(
                "{}: {:?}",
                rel.display(),
                std::fs::read_to_string(&path).ok()
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn starting_again_after_a_kill_gives_the_same() {
    let f = fixture();
    let (theirs, first) = f.merge("v1.1.0").await;
    let before = state(&f);

    // A killed run: half resolved, an edit, stray files (untracked and ignored), the merge
    // state still there.
    f.merger
        .take_side(&f.worktree, "conflict.txt", Side::Ours)
        .await
        .unwrap();
    write(&f.worktree.join("clean.txt"), "edited\n");
    write(&f.worktree.join("stray/file.txt"), "left behind\n");
    write(&f.worktree.join(".git-ignored.log"), "ignored\n");
    write(&f.fork.join(".git/info/exclude"), "*.log\n");
    assert!(
        f.worktree
            .join("../fork/.git/worktrees/worktree/MERGE_HEAD")
            .exists()
    );

    let again = f
        .merger
        .start_merge(&f.worktree, &f.base, &theirs, "Sync v1.1.0")
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(state(&f), before);

    // Another merge under way (a different tag) is replaced the same way.
    f.merge("v1.0.1").await;
    let (_, third) = f.merge("v1.1.0").await;
    assert_eq!(third, first);
    assert_eq!(state(&f), before);
}

#[tokio::test]
async fn markers_are_found_in_the_worktree_and_in_the_index() {
    let f = fixture();
    let theirs = f.fetch("v1.0.1").await;
    f.merger
        .start_merge(&f.worktree, &f.base, &theirs, "Sync v1.0.1")
        .await
        .unwrap();
    // Staged with a marker, then mended in the worktree only.
    write(&f.worktree.join("clean.txt"), "1\n||||||| base\n3\n");
    f.merger.stage(&f.worktree, "clean.txt").await.unwrap();
    write(&f.worktree.join("clean.txt"), "1\n2\n3\n");
    // In the worktree only.
    write(
        &f.worktree.join("README.md"),
        &format!("{README}<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> v1\n"),
    );
    assert_eq!(
        f.merger.markers(&f.worktree).await.unwrap(),
        [
            ("README.md".to_owned(), 5),
            ("README.md".to_owned(), 9),
            ("clean.txt".to_owned(), 2),
        ]
    );
    assert_eq!(
        f.merger.changed_paths(&f.worktree, &f.base).await.unwrap(),
        ["README.md", "clean.txt"]
    );
}

#[tokio::test]
async fn the_users_checkout_is_never_merged_in() {
    let f = fixture();
    let theirs = f.fetch("v1.0.1").await;
    for place in [f.fork.clone(), f.fork.join("sub")] {
        std::fs::create_dir_all(&place).unwrap();
        let refused = f
            .merger
            .start_merge(&place, &f.base, &theirs, "Sync")
            .await
            .unwrap_err();
        assert!(refused.stderr.contains("main working tree"), "{refused}");
    }
    // Another repository's worktree is not this one's.
    let other = GitMerger::new(f.src.clone());
    let refused = other
        .start_merge(&f.worktree, &f.base, &theirs, "Sync")
        .await
        .unwrap_err();
    assert!(refused.stderr.contains("not a worktree of"), "{refused}");
    assert_eq!(f.git(&f.fork, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn a_missing_merge_driver_is_no_error() {
    let f = fixture();
    let merger = GitMerger::new(f.fork.clone()).with_driver(f.sandbox.path().join("no-such"));
    assert!(!merger.driver_available().await);
    f.merge("v1.1.0").await;
    assert!(!merger.run_driver(&f.worktree, "config.json").await.unwrap());
    assert_eq!(
        f.merger.unmerged(&f.worktree).await.unwrap(),
        v110_conflicts()
    );
}

#[tokio::test]
async fn a_merge_driver_that_solves_the_file_has_it_staged() {
    let f = fixture();
    // Solves config.json, leaves markers in conflict.txt.
    let driver = f.sandbox.path().join("fake-mergiraf");
    write(
        &driver,
        "#!/bin/sh\n\
         [ \"$1\" = --version ] && { echo 'mergiraf 0.0.0-fake'; exit 0; }\n\
         for last; do :; done\n\
         case \"$last\" in\n\
           config.json) printf '{\\n  \"solved\": true\\n}\\n' ;;\n\
           conflict.txt) printf '<<<<<<< HEAD\\nstill\\n>>>>>>> theirs\\n' ;;\n\
         esac\n",
    );
    make_executable(&driver);
    let merger = GitMerger::new(f.fork.clone()).with_driver(driver);
    assert!(merger.driver_available().await);
    f.merge("v1.1.0").await;
    assert!(merger.run_driver(&f.worktree, "config.json").await.unwrap());
    assert_eq!(f.read("config.json").unwrap(), "{\n  \"solved\": true\n}\n");
    assert!(
        !merger
            .run_driver(&f.worktree, "conflict.txt")
            .await
            .unwrap()
    );
    assert!(f.read("conflict.txt").unwrap().contains("||||||| "));
    // Nothing to solve where a side deleted the file.
    assert!(
        !merger
            .run_driver(&f.worktree, "gone-fork.txt")
            .await
            .unwrap()
    );
    let left: Vec<String> = f
        .merger
        .unmerged(&f.worktree)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(
        left,
        [
            "added.txt",
            "conflict.txt",
            "gone-fork.txt",
            "gone-upstream.txt"
        ]
    );
}

/// mergiraf itself, when it is installed: a JSON object both sides added a key to is a line
/// conflict it solves by structure.
#[tokio::test]
async fn mergiraf_solves_a_structured_conflict_when_installed() {
    let f = fixture();
    if !f.merger.driver_available().await {
        eprintln!("mergiraf is not on PATH: skipped");
        return;
    }
    f.merge("v1.1.0").await;
    assert!(
        f.merger
            .run_driver(&f.worktree, "config.json")
            .await
            .unwrap()
    );
    let solved = f.read("config.json").unwrap();
    assert!(
        solved.contains("\"fork\": true") && solved.contains("\"upstream\": true"),
        "{solved}"
    );
    assert!(!solved.contains("<<<<<<<"), "{solved}");
    assert!(
        !f.worktree.join("config.json.orig").exists(),
        "no backup left"
    );
    // A plain text conflict has no structure to merge by.
    assert!(
        !f.merger
            .run_driver(&f.worktree, "conflict.txt")
            .await
            .unwrap()
    );
    let left = f.merger.unmerged(&f.worktree).await.unwrap();
    assert!(left.iter().all(|c| c.path != "config.json"), "{left:?}");
    assert!(left.iter().any(|c| c.path == "conflict.txt"), "{left:?}");
}
