//! The `Vcs` port's reads on real repositories made with the `git` command, each answer checked
//! against what that command says (the fingerprint against `git status`, `for-each-ref` and
//! `hash-object`; history against `log`, `diff` and `merge-base`; worktrees against
//! `worktree list`), and the merge worked out in memory: its conflicts classified, with nothing in
//! the repository changed.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fixloop::adapters::git::Git;
use fixloop::engine::ports::{ConflictKind, ConflictedPath, Vcs};
use support::{Sandbox, write};

/// `git ARGS` in `dir` with the sandbox's configuration and `env`; stdout as it is.
fn git_with(sandbox: &Sandbox, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(sandbox.env())
        .env("GIT_OPTIONAL_LOCKS", "0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh repository on `main` with `files` committed as "base".
fn repository(sandbox: &Sandbox, files: &[(&str, &str)]) -> PathBuf {
    let repo = sandbox.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    sandbox.git(&repo, &["init", "--quiet"]);
    commit(sandbox, &repo, files, &[], "base");
    repo
}

/// Writes `files`, removes `gone`, and commits everything as `message`.
fn commit(sandbox: &Sandbox, repo: &Path, files: &[(&str, &str)], gone: &[&str], message: &str) {
    for (path, text) in files {
        write(&repo.join(path), text);
    }
    for path in gone {
        std::fs::remove_file(repo.join(path)).unwrap();
    }
    sandbox.git(repo, &["add", "-A"]);
    sandbox.git(repo, &["commit", "--quiet", "-m", message]);
}

/// Every file under `dir` (its `.git` too) with its bytes, or a link with its target.
fn everything(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(everything(&path));
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            out.insert(path, target.into_os_string().into_encoded_bytes());
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.insert(path, bytes);
        }
    }
    out
}

fn conflict(path: &str, kind: ConflictKind) -> ConflictedPath {
    ConflictedPath {
        path: path.into(),
        kind,
    }
}

const LINES: &str = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";

/// A repository whose `main` and `theirs` conflict in every way (both modified, deleted by us,
/// deleted by them, added by both) and merge `lines.txt` line by line; `apart` changes what
/// neither touched; `unrelated` shares no history. On `main`, with a file staged and one changed.
fn merge_sides(sandbox: &Sandbox) -> PathBuf {
    let repo = repository(
        sandbox,
        &[
            ("both.txt", "a\nb\nc\n"),
            ("we-delete.txt", "x\n"),
            ("they-delete.txt", "y\n"),
            ("lines.txt", LINES),
        ],
    );
    sandbox.git(&repo, &["branch", "theirs"]);
    sandbox.git(&repo, &["branch", "apart"]);
    sandbox.git(&repo, &["checkout", "--quiet", "theirs"]);
    commit(
        sandbox,
        &repo,
        &[
            ("both.txt", "a\ntheirs\nc\n"),
            ("we-delete.txt", "x changed by them\n"),
            ("added.txt", "theirs\n"),
            ("lines.txt", &LINES.replace("eight", "EIGHT")),
        ],
        &["they-delete.txt"],
        "theirs",
    );
    sandbox.git(&repo, &["checkout", "--quiet", "apart"]);
    commit(
        sandbox,
        &repo,
        &[
            ("lines.txt", &LINES.replace("eight", "EIGHT")),
            ("new.txt", "apart\n"),
        ],
        &[],
        "apart",
    );
    sandbox.git(&repo, &["checkout", "--quiet", "main"]);
    commit(
        sandbox,
        &repo,
        &[
            ("both.txt", "a\nours\nc\n"),
            ("they-delete.txt", "y changed by us\n"),
            ("added.txt", "ours\n"),
            ("lines.txt", &LINES.replace("one", "ONE")),
        ],
        &["we-delete.txt"],
        "ours",
    );
    sandbox.git(
        &repo,
        &["checkout", "--quiet", "--orphan", "unrelated", "main"],
    );
    sandbox.git(&repo, &["rm", "-rf", "--quiet", "."]);
    commit(
        sandbox,
        &repo,
        &[("added.txt", "elsewhere\n")],
        &[],
        "unrelated",
    );
    sandbox.git(&repo, &["checkout", "--quiet", "main"]);
    // The user's work in flight: a staged file and an unstaged change.
    write(&repo.join("staged.txt"), "staged\n");
    sandbox.git(&repo, &["add", "staged.txt"]);
    write(&repo.join("both.txt"), "a\nunstaged\nc\n");
    repo
}

#[tokio::test]
async fn a_merge_is_worked_out_in_memory_its_conflicts_classified_and_nothing_touched() {
    let sandbox = Sandbox::new();
    let repo = merge_sides(&sandbox);
    let before = everything(&repo);
    let base = sandbox.git(&repo, &["merge-base", "main", "theirs"]);
    let git = Git::new(repo.clone());

    let merge = git.merge_analysis("main", "theirs").await.unwrap();
    assert_eq!(merge.base.as_deref(), Some(base.as_str()));
    assert!(!merge.clean());
    assert_eq!(
        merge.conflicts,
        [
            conflict("added.txt", ConflictKind::AddedByBoth),
            conflict("both.txt", ConflictKind::BothModified),
            conflict("they-delete.txt", ConflictKind::DeletedByThem),
            conflict("we-delete.txt", ConflictKind::DeletedByUs),
        ],
        "lines.txt merges line by line"
    );
    assert_eq!(ConflictKind::DeletedByThem.words(), "deleted by them");

    // The other way round, us and them trade places.
    let merge = git.merge_analysis("theirs", "main").await.unwrap();
    assert_eq!(
        merge.conflicts,
        [
            conflict("added.txt", ConflictKind::AddedByBoth),
            conflict("both.txt", ConflictKind::BothModified),
            conflict("they-delete.txt", ConflictKind::DeletedByUs),
            conflict("we-delete.txt", ConflictKind::DeletedByThem),
        ]
    );

    // Changes apart from each other, even in one file, merge cleanly.
    let merge = git.merge_analysis("main", "apart").await.unwrap();
    assert!(merge.clean(), "{merge:?}");
    assert_eq!(merge.base.as_deref(), Some(base.as_str()));
    let merge = git.merge_analysis("theirs", "apart").await.unwrap();
    assert!(merge.clean(), "same change on both sides: {merge:?}");

    // Histories that share nothing: no base, and what both hold is added by both.
    let merge = git.merge_analysis("main", "unrelated").await.unwrap();
    assert_eq!(merge.base, None);
    assert_eq!(
        merge.conflicts,
        [conflict("added.txt", ConflictKind::AddedByBoth)]
    );

    // A name that is no commit is an error naming it.
    let error = git.merge_analysis("main", "nowhere").await.unwrap_err();
    assert!(error.to_string().contains("nowhere"), "{error}");

    // No worktree file, no index, no ref, no object: not a byte of the repository changed.
    assert_eq!(everything(&repo), before);
    assert!(
        git_with(&sandbox, &repo, &["status", "--porcelain"], &[]).contains("A  staged.txt"),
        "the staged file is still staged"
    );
}

/// `git status --porcelain=v1 -z --untracked-files=all --no-renames` as path → "XY hash".
fn status_files(sandbox: &Sandbox, repo: &Path) -> BTreeMap<String, String> {
    let listed = git_with(
        sandbox,
        repo,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ],
        &[],
    );
    listed
        .split('\0')
        .filter(|e| e.len() > 3)
        .map(|e| {
            let path = &e[3..];
            let full = repo.join(path);
            let hash = if std::fs::symlink_metadata(&full).is_ok_and(|m| m.is_file()) {
                hash_object(sandbox, repo, &full)
            } else {
                String::new()
            };
            (path.to_owned(), format!("{} {hash}", &e[..2]))
        })
        .collect()
}

fn hash_object(sandbox: &Sandbox, repo: &Path, file: &Path) -> String {
    git_with(
        sandbox,
        repo,
        &[
            "hash-object",
            "--no-filters",
            "--",
            &file.display().to_string(),
        ],
        &[],
    )
    .trim()
    .to_owned()
}

/// A checkout with every kind of work in flight: refs of each kind, two stash entries, a hook, a
/// merge left half done (UU, AA, DU, UD), staged, unstaged and untracked changes, a type change,
/// an ignored file, and a folder of fixloop's (`skipped/`).
fn work_in_flight(sandbox: &Sandbox) -> PathBuf {
    let repo = repository(
        sandbox,
        &[
            ("both.txt", "a\n"),
            ("we-delete.txt", "x\n"),
            ("they-delete.txt", "y\n"),
            ("staged-delete.txt", "z\n"),
            ("unstaged-delete.txt", "w\n"),
            ("modified.txt", "m\n"),
            ("becomes-a-link.txt", "l\n"),
            (".gitignore", "*.log\n"),
        ],
    );
    sandbox.git(&repo, &["branch", "theirs"]);
    sandbox.git(&repo, &["checkout", "--quiet", "theirs"]);
    commit(
        sandbox,
        &repo,
        &[
            ("both.txt", "theirs\n"),
            ("we-delete.txt", "changed\n"),
            ("added.txt", "theirs\n"),
        ],
        &["they-delete.txt"],
        "theirs",
    );
    sandbox.git(&repo, &["checkout", "--quiet", "main"]);
    commit(
        sandbox,
        &repo,
        &[
            ("both.txt", "ours\n"),
            ("they-delete.txt", "changed\n"),
            ("added.txt", "ours\n"),
        ],
        &["we-delete.txt"],
        "ours",
    );
    // Refs of every kind, and two stash entries.
    sandbox.git(&repo, &["tag", "-a", "-m", "v1", "v1"]);
    sandbox.git(&repo, &["tag", "light"]);
    sandbox.git(
        &repo,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/heads/main",
        ],
    );
    write(&repo.join("stashed.txt"), "stash me\n");
    sandbox.git(&repo, &["stash", "push", "--quiet", "--include-untracked"]);
    write(&repo.join("stashed.txt"), "stash me too\n");
    sandbox.git(&repo, &["stash", "push", "--quiet", "--include-untracked"]);
    // A merge left half done (UU, AA, DU, UD), and every other kind of work in flight.
    let merged = Command::new("git")
        .args(["merge", "--quiet", "theirs"])
        .current_dir(&repo)
        .envs(sandbox.env())
        .output()
        .unwrap();
    assert!(!merged.status.success(), "the merge conflicts");
    sandbox.git(&repo, &["rm", "--quiet", "staged-delete.txt"]);
    std::fs::remove_file(repo.join("unstaged-delete.txt")).unwrap();
    write(&repo.join("modified.txt"), "m staged\n");
    sandbox.git(&repo, &["add", "modified.txt"]);
    write(&repo.join("modified.txt"), "m staged and changed again\n");
    write(&repo.join("new.txt"), "new\n");
    sandbox.git(&repo, &["add", "new.txt"]);
    std::fs::remove_file(repo.join("new.txt")).unwrap();
    std::fs::remove_file(repo.join("becomes-a-link.txt")).unwrap();
    std::os::unix::fs::symlink("modified.txt", repo.join("becomes-a-link.txt")).unwrap();
    write(&repo.join("deep/er/untracked.txt"), "mine\n");
    write(&repo.join("debug.log"), "ignored\n");
    write(&repo.join("skipped/run.txt"), "fixloop's\n");
    write(&repo.join(".git/hooks/pre-commit"), "#!/bin/sh\n");

    repo
}

#[tokio::test]
async fn the_fingerprint_is_what_git_status_for_each_ref_and_hash_object_say() {
    let sandbox = Sandbox::new();
    let repo = work_in_flight(&sandbox);
    let git = Git::new(repo.clone());
    let fingerprint = git.fingerprint(&[repo.join("skipped")]).await.unwrap();

    let mut files = status_files(&sandbox, &repo);
    files.remove("skipped/run.txt");
    assert_eq!(fingerprint.files, files);
    for (path, code) in [
        ("both.txt", "UU"),
        ("added.txt", "AA"),
        ("we-delete.txt", "DU"),
        ("they-delete.txt", "UD"),
        ("staged-delete.txt", "D "),
        ("unstaged-delete.txt", " D"),
        ("modified.txt", "MM"),
        ("new.txt", "AD"),
        ("becomes-a-link.txt", " T"),
        ("deep/er/untracked.txt", "??"),
    ] {
        assert!(
            fingerprint.files[path].starts_with(&format!("{code} ")),
            "{path}: {:?}",
            fingerprint.files
        );
    }
    assert!(!fingerprint.files.contains_key("debug.log"));

    let refs: BTreeMap<String, String> = git_with(
        &sandbox,
        &repo,
        &["for-each-ref", "--format=%(refname) %(objectname)"],
        &[],
    )
    .lines()
    .map(|l| {
        let (name, object) = l.split_once(' ').unwrap();
        (name.to_owned(), object.to_owned())
    })
    .collect();
    assert_eq!(fingerprint.refs, refs);
    assert!(fingerprint.refs.contains_key("refs/remotes/origin/HEAD"));
    assert!(fingerprint.refs.contains_key("refs/stash"));

    let stash: Vec<String> = git_with(
        &sandbox,
        &repo,
        &["reflog", "show", "--format=%H", "refs/stash", "--"],
        &[],
    )
    .lines()
    .map(str::to_owned)
    .collect();
    assert_eq!(stash.len(), 2);
    assert_eq!(fingerprint.stash, stash);

    assert_eq!(
        fingerprint.index,
        hash_object(&sandbox, &repo, &repo.join(".git/index"))
    );
    assert_eq!(
        fingerprint.hooks.get("pre-commit"),
        Some(&hash_object(
            &sandbox,
            &repo,
            &repo.join(".git/hooks/pre-commit")
        ))
    );
    let config = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    assert_eq!(fingerprint.config, config.lines().collect::<Vec<_>>());

    // Hooks elsewhere (`core.hooksPath`, relative to the checkout) are the ones fingerprinted.
    write(&repo.join("my-hooks/post-merge"), "#!/bin/sh\nexit 0\n");
    sandbox.git(&repo, &["config", "core.hooksPath", "my-hooks"]);
    let fingerprint = git.fingerprint(&[]).await.unwrap();
    assert_eq!(fingerprint.hooks.keys().collect::<Vec<_>>(), ["post-merge"]);
}

/// `git status` runs the command `core.fsmonitor` names; an agent can set it in `.git/config`.
/// Fingerprinting reads the checkout without running anything.
#[tokio::test]
async fn fingerprinting_runs_no_command_the_configuration_names() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox, &[("a.txt", "a\n")]);
    let ran = sandbox.path().join("ran");
    let monitor = sandbox.path().join("monitor.sh");
    write(
        &monitor,
        &format!("#!/bin/sh\ntouch '{}'\nexit 1\n", ran.display()),
    );
    support::make_executable(&monitor);
    sandbox.git(
        &repo,
        &["config", "core.fsmonitor", &monitor.display().to_string()],
    );
    write(&repo.join("a.txt"), "changed\n");
    let fingerprint = Git::new(repo.clone()).fingerprint(&[]).await.unwrap();
    assert!(fingerprint.files["a.txt"].starts_with(" M "));
    assert!(!ran.exists(), "the fsmonitor command ran");
    // The `git` command would have run it.
    git_with(&sandbox, &repo, &["status", "--porcelain"], &[]);
    assert!(ran.exists());
}

#[tokio::test]
async fn the_history_reads_answer_as_the_git_command_does() {
    let sandbox = Sandbox::new();
    let repo = repository(
        &sandbox,
        &[
            ("calc.py", "def add(a, b):\n    return a + b\n"),
            ("old.txt", LINES),
        ],
    );
    let author = |name: &str| {
        [
            format!("user.name={name}"),
            format!("user.email={name}@example.com"),
        ]
    };
    for (i, name) in ["Ada", "Grace", "Ada"].into_iter().enumerate() {
        let [n, e] = author(name);
        write(&repo.join("calc.py"), &format!("# {i}\n"));
        sandbox.git(
            &repo,
            &["-c", &n, "-c", &e, "commit", "--quiet", "-am", name],
        );
    }
    sandbox.git(&repo, &["mv", "old.txt", "new.txt"]);
    write(&repo.join("added.txt"), "added\n");
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(
        &repo,
        &[
            "commit",
            "--quiet",
            "-m",
            "Rename and add\n\nWith a body.\n",
        ],
    );
    let git = Git::new(repo.clone());

    let head = sandbox.git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(git.rev_parse("HEAD").await.unwrap(), head);
    assert_eq!(
        git.rev_parse("HEAD~3").await.unwrap(),
        sandbox.git(&repo, &["rev-parse", "HEAD~3"])
    );
    assert!(git.rev_parse("no-such-branch").await.is_err());

    let info = git.commit_info("HEAD").await.unwrap();
    let logged = sandbox.git(&repo, &["log", "-1", "--format=%P%x00%T%x00%B", "HEAD"]);
    let mut parts = logged.splitn(3, '\0');
    assert_eq!(info.parents, parts.next().unwrap());
    assert_eq!(info.tree, parts.next().unwrap());
    assert_eq!(info.message, parts.next().unwrap());
    assert_eq!(info.message, "Rename and add\n\nWith a body.");
    assert_eq!(git.commit_info("nowhere").await, None);

    assert_eq!(
        git.file_at("HEAD~1", "calc.py").await.as_deref(),
        Some("# 2\n")
    );
    assert_eq!(git.file_at("HEAD", "old.txt").await, None);
    assert_eq!(
        git.file_at("HEAD~1", "old.txt").await.as_deref(),
        Some(LINES)
    );

    assert!(git.is_ancestor("HEAD~2", "main").await);
    assert!(git.is_ancestor("HEAD", "HEAD").await);
    assert!(!git.is_ancestor("HEAD", "HEAD~1").await);

    let mut changed = git.changed_files("HEAD~1", "HEAD").await.unwrap();
    changed.sort();
    let diffed = sandbox.git(&repo, &["diff", "--name-only", "HEAD~1", "HEAD"]);
    let mut diffed: Vec<&str> = diffed.lines().collect();
    diffed.sort_unstable();
    assert_eq!(changed, diffed);
    assert_eq!(
        changed,
        ["added.txt", "new.txt"],
        "the rename as its new path"
    );

    // The authors of a file, as `git log` lists them, most commits first.
    let logged = sandbox.git(
        &repo,
        &["log", "--format=%an <%ae>", "HEAD", "--", "calc.py"],
    );
    assert_eq!(
        logged.lines().collect::<Vec<_>>(),
        [
            "Ada <Ada@example.com>",
            "Grace <Grace@example.com>",
            "Ada <Ada@example.com>",
            "Test User <test@example.com>",
        ]
    );
    let authors = git.authors("HEAD", &["calc.py".into()], 3).await;
    assert_eq!(
        authors,
        [
            "Ada <Ada@example.com> (2 commits)",
            "Grace <Grace@example.com> (1 commit)",
            "Test User <test@example.com> (1 commit)",
        ]
    );
    assert_eq!(
        git.authors("HEAD", &["calc.py".into()], 1).await,
        ["Ada <Ada@example.com> (2 commits)"]
    );
    assert!(git.authors("HEAD", &[], 3).await.is_empty());
}

#[tokio::test]
async fn refs_head_and_worktrees_are_read_as_git_lists_them() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox, &[("a.txt", "a\n")]);
    sandbox.git(&repo, &["branch", "feature"]);
    let git = Git::new(repo.clone());
    assert_eq!(git.current_branch().await.as_deref(), Some("main"));
    assert!(git.branch_exists("feature").await);
    assert!(!git.branch_exists("nowhere").await);
    let common = git.common_dir().await.unwrap();
    assert_eq!(common, repo.canonicalize().unwrap().join(".git"));
    assert_eq!(
        git.worktrees_dir().await.unwrap(),
        common.join("fixloop/worktrees")
    );

    // A linked worktree on a branch, and one detached.
    let on_branch = sandbox.path().join("on-branch");
    let detached = sandbox.path().join("detached");
    let lossy = |p: &Path| p.display().to_string();
    sandbox.git(
        &repo,
        &["worktree", "add", "--quiet", &lossy(&on_branch), "feature"],
    );
    sandbox.git(
        &repo,
        &[
            "worktree",
            "add",
            "--quiet",
            "--detach",
            &lossy(&detached),
            "main",
        ],
    );
    let identity = git.worktree_identity(&on_branch).await.unwrap();
    assert_eq!(identity.common_dir, common);
    assert_eq!(identity.head.as_deref(), Some("refs/heads/feature"));
    assert_eq!(git.worktree_identity(&detached).await.unwrap().head, None);
    assert_eq!(
        git.worktree_branch(&on_branch).await.as_deref(),
        Some("feature")
    );
    assert_eq!(git.worktree_branch(&detached).await, None);
    assert!(git.is_worktree(&on_branch).await);
    assert!(!git.is_worktree(&sandbox.path().join("nowhere")).await);

    // Read from inside a linked worktree, the shared git directory is still the main one.
    assert_eq!(
        Git::new(on_branch.clone()).common_dir().await.unwrap(),
        common
    );
    assert_eq!(
        Git::new(on_branch.clone())
            .current_branch()
            .await
            .as_deref(),
        Some("feature")
    );

    // The list `git worktree list --porcelain` gives, a worktree whose folder is gone included.
    std::fs::remove_dir_all(&detached).unwrap();
    let listed = git_with(&sandbox, &repo, &["worktree", "list", "--porcelain"], &[]);
    let mut expected = Vec::new();
    for block in listed.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut path = None;
        let mut branch = None;
        for line in block.lines() {
            if let Some(p) = line.strip_prefix("worktree ") {
                path = Some(PathBuf::from(p));
            } else if let Some(b) = line.strip_prefix("branch ") {
                branch = Some(b.to_owned());
            }
        }
        expected.push((path.unwrap(), branch));
    }
    let mut listed = git.worktrees().await;
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(expected.len(), 3);

    // A worktree whose .git no longer leads anywhere is not one.
    write(&on_branch.join(".git"), "gitdir: /nowhere\n");
    assert!(!git.is_worktree(&on_branch).await);
    assert!(git.worktree_identity(&on_branch).await.is_err());
    // Nor is one of fixloop's (inside the git directory) whose .git is gone: the repository
    // around it is not taken for it, as `git rev-parse` run there would take it.
    let inside = git.worktrees_dir().await.unwrap().join("scratch");
    sandbox.git(
        &repo,
        &[
            "worktree",
            "add",
            "--quiet",
            "--detach",
            &lossy(&inside),
            "main",
        ],
    );
    assert!(git.is_worktree(&inside).await);
    std::fs::remove_file(inside.join(".git")).unwrap();
    assert!(!git.is_worktree(&inside).await);
    assert!(git.worktree_identity(&inside).await.is_err());
}

#[tokio::test]
async fn paths_are_read_as_they_are_not_as_git_quotes_them() {
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox, &[("calc.py", "a\n"), ("new.txt", "n\n")]);
    let git = Git::new(repo.clone());

    // A commit's changes, and what is staged against a commit.
    commit(&sandbox, &repo, &[("café.txt", "crème\n")], &[], "Accents");
    assert_eq!(
        git.changed_files("HEAD~1", "HEAD").await.unwrap(),
        ["café.txt"]
    );
    write(&repo.join("naïve.txt"), "new\n");
    write(&repo.join("calc.py"), "changed\n");
    sandbox.git(&repo, &["add", "naïve.txt", "calc.py"]);
    sandbox.git(&repo, &["rm", "--quiet", "new.txt"]);
    let staged: Vec<(char, String)> = git
        .staged_changes(&repo, "HEAD")
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.status, c.path))
        .collect();
    assert_eq!(
        staged,
        [
            ('M', "calc.py".to_owned()),
            ('A', "naïve.txt".to_owned()),
            ('D', "new.txt".to_owned()),
        ]
    );
}

/// Set in the child process the identity test starts with a configuration of its own.
const IDENTITY_CHILD: &str = "FIXLOOP_TEST_IDENTITY_CHILD";

/// The commit identity is read from the configuration git itself reads: `GIT_CONFIG_GLOBAL` in
/// place of `~/.gitconfig`. A process's environment is its own, so the check runs in a child
/// process of this test binary, once with each arrangement.
#[test]
fn the_commit_identity_comes_from_the_configuration_git_reads() {
    if let Some(repo) = std::env::var_os(IDENTITY_CHILD) {
        let repo = PathBuf::from(repo);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let fallback = runtime.block_on(Git::new(repo.clone()).identity());
        let cli = Command::new("git")
            .args(["config", "user.name"])
            .current_dir(&repo)
            .output()
            .unwrap();
        assert_eq!(
            fallback.is_empty(),
            cli.status.success(),
            "fixloop's fallback {fallback:?}, git's user.name: {}",
            String::from_utf8_lossy(&cli.stdout)
        );
        println!("identity-from-config: {}", fallback.is_empty());
        return;
    }
    let sandbox = Sandbox::new();
    let repo = repository(&sandbox, &[("a.txt", "a\n")]);
    let home = sandbox.path().join("home");
    let elsewhere = sandbox.path().join("elsewhere.gitconfig");
    let empty = sandbox.path().join("empty.gitconfig");
    write(
        &elsewhere,
        "[user]\n\tname = Elsewhere\n\temail = elsewhere@example.com\n",
    );
    write(&empty, "");
    // `~/.gitconfig` has a user; GIT_CONFIG_GLOBAL names one without, then one with.
    for (global, has_identity) in [(&empty, false), (&elsewhere, true)] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "the_commit_identity_comes_from_the_configuration_git_reads",
                "--nocapture",
            ])
            .env(IDENTITY_CHILD, &repo)
            .env("HOME", &home)
            .env("GIT_CONFIG_GLOBAL", global)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{said}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains(&format!("identity-from-config: {has_identity}")),
            "{said}"
        );
    }
}
