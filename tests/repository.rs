//! Facts about the repository itself: the generated schema is current, the example info.json is
//! valid, the core stays pure, and the demo works from a fresh clone.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn info_schema_json_is_generated_from_the_types() {
    let on_disk = std::fs::read_to_string(root().join("info.schema.json")).unwrap_or_default();
    let generated = fixloop::core::info::schema_json();
    if on_disk != generated && std::env::var_os("FIXLOOP_UPDATE_SCHEMA").is_some() {
        std::fs::write(root().join("info.schema.json"), &generated).unwrap();
        return;
    }
    assert!(
        on_disk == generated,
        "info.schema.json is stale: run `FIXLOOP_UPDATE_SCHEMA=1 cargo test --test repository` \
         and commit it"
    );
}

#[test]
fn the_example_info_json_is_valid() {
    let text = std::fs::read_to_string(root().join("info.json")).unwrap();
    fixloop::core::info::Info::parse("info.json", &text).unwrap();
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// docs/ARCHITECTURE.md: `core` imports nothing of the engine, adapters or UI, and does no IO.
#[test]
fn the_core_is_pure() {
    let forbidden = [
        "tokio",
        "ratatui",
        "crossterm",
        "git2",
        "octocrab",
        "reqwest",
        "std::fs",
        "std::process",
        "std::net",
        "crate::engine",
        "crate::adapters",
        "crate::ui",
        "crate::commands",
    ];
    let files = rust_files(&root().join("src/core"));
    assert!(files.len() > 5);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in forbidden {
                assert!(
                    !code.contains(word),
                    "{}:{}: the core must stay pure, but uses `{word}`: {line}",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

/// The crate's files (paths relative to `src/`, `/`-separated) and their text.
fn sources() -> BTreeMap<String, String> {
    let src = root().join("src");
    rust_files(&src)
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&src).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (rel, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// The file a module path names: the longest prefix that is `a/b.rs` or `a/b/mod.rs`.
fn module_file(files: &BTreeMap<String, String>, parts: &[&str]) -> Option<String> {
    (1..=parts.len()).rev().find_map(|k| {
        let base = parts[..k].join("/");
        [format!("{base}.rs"), format!("{base}/mod.rs")]
            .into_iter()
            .find(|candidate| files.contains_key(candidate))
    })
}

/// The module path of a file's own module (`engine/steps/mod.rs` -> `engine::steps`).
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// Which files each file imports, read from `crate::` and `super::` paths (grouped `use`s
/// included) outside comments.
fn import_graph(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let path =
        Regex::new(r"\b(crate|(?:super::)*super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)(::\{([^}]*)\})?")
            .unwrap();
    let mut graph = BTreeMap::new();
    for (file, text) in files {
        let code: String = text
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut targets = BTreeSet::new();
        for found in path.captures_iter(&code) {
            if found[2].is_empty() && found.get(4).is_none() {
                continue;
            }
            let mut base: Vec<String> = match &found[1] {
                "crate" => Vec::new(),
                supers => {
                    let up = supers.matches("super").count();
                    let module = module_of(file);
                    module[..module.len().saturating_sub(up)].to_vec()
                }
            };
            base.extend(
                found[2]
                    .split("::")
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            );
            let mut paths = vec![base.clone()];
            if let Some(group) = found.get(4) {
                for item in group.as_str().split(',') {
                    let item = item.split(" as ").next().unwrap_or_default().trim();
                    if !item.is_empty() && item != "self" {
                        let mut full = base.clone();
                        full.extend(item.split("::").map(str::to_owned));
                        paths.push(full);
                    }
                }
            }
            for p in paths {
                let parts: Vec<&str> = p.iter().map(String::as_str).collect();
                if let Some(target) = module_file(files, &parts)
                    && target != *file
                {
                    targets.insert(target);
                }
            }
        }
        graph.insert(file.clone(), targets);
    }
    graph
}

/// The module paths each layer may import; `commands`, `cli`, `lib` and `main` wire everything.
fn allowed(layer: &str, target: &str) -> bool {
    let target_layer = target.split('/').next().unwrap_or_default();
    match layer {
        "core" => target_layer == "core",
        "engine" => ["engine", "core"].contains(&target_layer),
        "ui" => ["ui", "engine", "core"].contains(&target_layer),
        // Adapters implement the engine's ports, and start programs through its process runner.
        "adapters" => {
            ["adapters", "core"].contains(&target_layer)
                || target.starts_with("engine/ports")
                || target == "engine/process.rs"
        }
        _ => true,
    }
}

fn layer_violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, targets) in import_graph(files) {
        let layer = file.split('/').next().unwrap_or_default().to_owned();
        for target in targets {
            if !allowed(&layer, &target) {
                found.push(format!("{file} imports {target}"));
            }
        }
    }
    found
}

/// Files that import each other, directly or round a loop (a `mod.rs` that only declares its
/// own children does not count).
fn circles(files: &BTreeMap<String, String>) -> Vec<Vec<String>> {
    let graph = import_graph(files);
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(f) = stack.pop() {
            for next in graph.get(&f).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    let mut loops: Vec<Vec<String>> = Vec::new();
    for file in graph.keys() {
        if loops.iter().any(|l| l.contains(file)) || !reaches(file, file) {
            continue;
        }
        let members: Vec<String> = graph
            .keys()
            .filter(|other| *other == file || (reaches(file, other) && reaches(other, file)))
            .cloned()
            .collect();
        let parent_and_children = members.iter().filter(|m| m.ends_with("mod.rs")).count() == 1
            && members.len() == 2
            && {
                let module = members.iter().find(|m| m.ends_with("mod.rs")).unwrap();
                let dir = module.trim_end_matches("mod.rs");
                members.iter().all(|m| m.starts_with(dir))
            };
        if !parent_and_children {
            loops.push(members);
        }
    }
    loops
}

/// Every layer rule: `core` imports nothing of the others; `engine` imports only `core`; `ui`
/// imports `engine` and `core`, never `adapters`; `adapters` import the engine's ports (and its
/// process runner) and `core`. And no two files import each other.
#[test]
fn the_layers_point_down_and_no_files_import_each_other() {
    let files = sources();
    assert!(files.len() > 40);
    assert_eq!(layer_violations(&files), Vec::<String>::new());
    assert_eq!(circles(&files), Vec::<Vec<String>>::new());
}

/// The check above sees what it must: an engine step that reaches for an adapter, the UI
/// reaching for git, core reaching up, a grouped import, and two files that use each other.
#[test]
fn the_layer_check_catches_a_forbidden_import_and_a_circle() {
    let mut files = sources();
    let step = "engine/steps/publish.rs";
    let mut text = files[step].clone();
    text.push_str("\nfn sneak() { let _ = crate::adapters::git::Git::new(\"\".into()); }\n");
    files.insert(step.into(), text);
    let ui = "ui/headless.rs";
    let mut text = files[ui].clone();
    text.push_str("\nuse crate::{adapters::forge::NoForge, core::event::Event};\n");
    files.insert(ui.into(), text);
    let core = "core/verdict.rs";
    let mut text = files[core].clone();
    text.push_str("\nuse super::super::engine::bench::Bench;\n");
    files.insert(core.into(), text);
    let found = layer_violations(&files);
    for expected in [
        "engine/steps/publish.rs imports adapters/git/mod.rs",
        "ui/headless.rs imports adapters/forge.rs",
        "core/verdict.rs imports engine/bench.rs",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected} not in {found:?}"
        );
    }

    let stats = "core/stats.rs";
    let mut text = files[stats].clone();
    text.push_str("\nuse super::verdict::TestRun;\n");
    files.insert(stats.into(), text);
    let loops = circles(&files);
    assert!(
        loops
            .iter()
            .any(|l| l.contains(&stats.to_owned()) && l.contains(&core.to_owned())),
        "{loops:?}"
    );
}

#[test]
fn the_headless_demo_succeeds() {
    let sandbox = support::Sandbox::new();
    let dir = sandbox.path().join("demo");
    let out = sandbox
        .fixloop(sandbox.path())
        .args(["demo", "--headless", "--dir", &dir.display().to_string()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("✓ success: verified fix pushed on fix/word-count-newlines"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "Scratch repository: {}",
        dir.join("wordstat").display()
    )));
    let origin = dir.join("origin.git");
    let fixed = sandbox.git(&origin, &["show", "fix/word-count-newlines:src/lib.rs"]);
    assert!(fixed.contains("text.split_whitespace().count()"));
    let reports: Vec<_> = std::fs::read_dir(dir.join("wordstat/outputs"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .collect();
    assert_eq!(reports.len(), 1);
}
