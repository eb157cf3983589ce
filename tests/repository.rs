//! Facts about the repository itself: the generated schema is current, the example info.json is
//! valid, the core stays pure, and the demo works from a fresh clone.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::path::{Path, PathBuf};

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

/// ARCHITECTURE.md: `core` imports nothing of the engine, adapters or UI, and does no IO.
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

/// `ui` never imports `adapters`; `engine` knows nothing of the UI.
#[test]
fn the_layers_point_down() {
    for (dir, forbidden) in [
        ("src/ui", ["crate::adapters", "crate::commands"]),
        ("src/engine", ["crate::ui", "crate::commands"]),
    ] {
        for file in rust_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for word in forbidden {
                assert!(!text.contains(word), "{} uses `{word}`", file.display());
            }
        }
    }
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
