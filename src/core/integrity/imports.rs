//! The modules the reproduction imports, and the module each changed file is, as Python,
//! JavaScript and Go name them: a file named like a module the reproduction loads can stand in
//! for it.

use std::sync::LazyLock;

use regex::Regex;

use super::diff::{extension, folder, re};

/// The extensions of JavaScript and TypeScript modules.
const JS_EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"];

static PYTHON_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    // `import a, b as c` takes the whole line, which tells it from JavaScript's
    // `import a from 'a'`.
    re(concat!(
        r"(?m)^\s*(?:from\s+\.*([\w.]+)\s+import\b",
        r"|import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)\s*(?:#.*)?$)",
    ))
});
static JS_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#"\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bfrom\s+['"]([^'"]+)['"]|\bimport\s+['"]([^'"]+)['"]"#,
        r#"|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\bjest\.mock\(\s*['"]([^'"]+)['"]"#,
    ))
});
static GO_IMPORT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^\s*(?:import\s+)?(?:[\w.]+\s+)?"([\w./\-]+)"\s*$"#));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    Python,
    JavaScript,
    Go,
}

/// A module the reproduction imports: its path parts (`app.calc` → `["app", "calc"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    pub(crate) language: Language,
    pub(crate) parts: Vec<String>,
}

impl Import {
    pub(crate) fn name(&self) -> String {
        let separator = if self.language == Language::Python {
            "."
        } else {
            "/"
        };
        self.parts.join(separator)
    }
}

/// The modules the reproduction imports from the project (Python, JavaScript and Go; a Rust
/// reproduction's crates are covered by the Cargo.toml rules).
pub(crate) fn reproduction_imports(reproduction: &[&str]) -> Vec<Import> {
    let mut imports = Vec::new();
    let mut push = |language, parts: Vec<String>| {
        let import = Import { language, parts };
        if !import.parts.is_empty() && !imports.contains(&import) {
            imports.push(import);
        }
    };
    for text in reproduction {
        for caps in PYTHON_IMPORT.captures_iter(text) {
            let names = caps
                .get(1)
                .or_else(|| caps.get(2))
                .map_or("", |m| m.as_str());
            for name in names.split(',') {
                let name = name.split_whitespace().next().unwrap_or("");
                push(
                    Language::Python,
                    name.split('.')
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect(),
                );
            }
        }
        for caps in JS_IMPORT.captures_iter(text) {
            let Some(spec) = caps.iter().skip(1).flatten().next().map(|m| m.as_str()) else {
                continue;
            };
            // Packages are covered by the node_modules rule; `@/` and `~/` are common aliases
            // of the project's source folder.
            let local = spec.starts_with('.') || spec.starts_with("@/") || spec.starts_with("~/");
            if local {
                let parts = spec
                    .split('/')
                    .filter(|p| !matches!(*p, "" | "." | ".." | "@" | "~"))
                    .map(|p| strip_js_extension(p).to_owned())
                    .collect();
                push(Language::JavaScript, parts);
            }
        }
        if text.contains("package ") {
            for caps in GO_IMPORT.captures_iter(text) {
                let path = &caps[1];
                // A standard library path has no dot in its first element.
                if path
                    .split('/')
                    .next()
                    .is_some_and(|first| first.contains('.'))
                {
                    push(Language::Go, path.split('/').map(str::to_owned).collect());
                }
            }
        }
    }
    imports
}

fn strip_js_extension(name: &str) -> &str {
    JS_EXTENSIONS
        .iter()
        .find_map(|ext| name.strip_suffix(&format!(".{ext}")))
        .unwrap_or(name)
}

/// The module a file is, as its language would name it: its folders and its name without the
/// extension (`__init__.py` and `index.js` are their folder).
pub(crate) fn module_of(path: &str) -> Option<(Language, Vec<&str>)> {
    let ext = extension(path);
    let (language, stem) = if ext == "py" {
        (Language::Python, path.strip_suffix(".py")?)
    } else if JS_EXTENSIONS.contains(&ext) && !path.ends_with(".d.ts") {
        (Language::JavaScript, &path[..path.len() - ext.len() - 1])
    } else if ext == "go" {
        (Language::Go, folder(path))
    } else {
        return None;
    };
    let mut parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
    if matches!(parts.last(), Some(&("__init__" | "index"))) && language != Language::Go {
        parts.pop();
    }
    Some((language, parts))
}

pub(crate) fn is_module(import: &Import, language: Language, parts: &[&str]) -> bool {
    if import.language != language {
        return false;
    }
    if language == Language::Go {
        // A Go package is its folder, named by the import path's last element.
        return import.parts.last().map(String::as_str) == parts.last().copied();
    }
    parts.len() >= import.parts.len()
        && parts[parts.len() - import.parts.len()..]
            .iter()
            .zip(&import.parts)
            .all(|(a, b)| *a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reproductions_imports() {
        let py =
            "from app.calc import add\nimport helpers, json as j\nfrom .support import close\n";
        let names: Vec<String> = reproduction_imports(&[py])
            .iter()
            .map(Import::name)
            .collect();
        assert_eq!(names, ["app.calc", "helpers", "json", "support"]);
        let js = "const { total } = require('../cart');\nimport { wait } from './helpers/time.js';\nimport fs from 'fs';\n";
        let names: Vec<String> = reproduction_imports(&[js])
            .iter()
            .map(Import::name)
            .collect();
        assert_eq!(names, ["cart", "helpers/time"]);
        let go = "package cache\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/internal/testutil\"\n)\n";
        let names: Vec<String> = reproduction_imports(&[go])
            .iter()
            .map(Import::name)
            .collect();
        assert_eq!(names, ["example.com/app/internal/testutil"]);
    }

    #[test]
    fn modules_are_named_as_their_language_does() {
        assert_eq!(
            module_of("app/calc/__init__.py"),
            Some((Language::Python, vec!["app", "calc"]))
        );
        assert_eq!(
            module_of("src/cart/index.ts"),
            Some((Language::JavaScript, vec!["src", "cart"]))
        );
        assert_eq!(module_of("src/cart.d.ts"), None);
        assert_eq!(module_of("README.md"), None);
    }
}
