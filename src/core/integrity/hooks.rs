//! Files and lines that change what loading a module does: import hooks and preloads that run
//! before any test, remapped module resolution, dependencies replaced or pointed at a local
//! copy, and pytest hooks that change which tests run or how they end.

use std::sync::LazyLock;

use regex::Regex;

use super::diff::{Change, extension, file_name, is_comment, marked_lines, quote, re};

/// Crates only tests use: a local copy of one can change what the tests check.
const RUST_TEST_CRATES: &str = "proptest quickcheck insta mockall pretty_assertions rstest \
    assert_cmd assert_fs predicates criterion serial_test test-case test_case wiremock trybuild \
    expect-test similar-asserts httpmock mockito claims";

/// pytest hooks that decide which tests run or what their outcome is.
static PYTEST_HOOK: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\bdef\s+pytest_(?:runtest_(?:makereport|call|protocol|setup|logreport)|pyfunc_call",
        r"|collection_modifyitems|collection_finish|collect_file|ignore_collect|itemcollected",
        r"|make_collect_report|report_teststatus|sessionfinish|deselected)\b",
        r"|^\s*pytest_plugins\s*=|\boutcome\.force_(?:result|exception)\b|\.exitstatus\s*=",
    ))
});

/// Code that changes what importing a name loads.
static IMPORT_HOOK: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\bsys\.(?:meta_path|path_hooks|path_importer_cache)\b|\bbuiltins\.__import__\s*=",
        r"|__builtins__\s*(?:\[\s*['\x22]__import__|\.__import__\s*=)|importlib\.abc\.MetaPathFinder",
        r"|\bModule\._(?:load|resolveFilename|extensions)\b|\brequire\.extensions\b",
        r"|\bModule\.prototype\.require\b|\bmodule\.constructor\._load\b",
    ))
});

/// Options that load code into every Node process, or swap Go source files at build time.
static PRELOAD: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\bNODE_OPTIONS\b|(?i:node-options\s*=)|--require[\s=]+\S|--import[\s=]+\S",
        r"|--(?:experimental-)?loader[\s=]+\S|-overlay[\s=]+\S|\bGOFLAGS\b",
        r"|(?:rustc-cfg=|--cfg\s+)['\x22]?test\b",
    ))
});

/// Settings that remap module resolution: package.json's `imports`/`exports`, TypeScript's
/// `paths`, bundler aliases.
static REMAP: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#""(?:imports|exports|browser|paths|baseUrl|rootDirs)"\s*:|^\s*"\#[^"]*"\s*:"#,
        r"|\balias\b|module-resolver|\bmodulePaths\b",
    ))
});

/// What a fix's change does to module loading (a deleted file loads nothing).
pub(crate) fn hook_findings(change: &Change<'_>, findings: &mut Vec<String>) {
    if change.after.is_none() {
        return;
    }
    findings.extend(whole_file_finding(change));
    line_findings(change, findings);
}

/// Files whose mere presence changes how code loads or resolves.
fn whole_file_finding(change: &Change<'_>) -> Option<String> {
    let path = change.path;
    let file = file_name(path);
    let verb = if change.is_added() {
        "added"
    } else {
        "changed"
    };
    let what = if matches!(file.as_str(), "sitecustomize.py" | "usercustomize.py") {
        "an import hook: Python runs it at every start, before any test"
    } else if extension(&file) == "pth" {
        "a .pth file: Python runs its import lines at every start, before any test"
    } else if path.split('/').any(|p| p == "__mocks__") {
        "a jest manual mock: tests that load this module get the mock instead"
    } else if matches!(
        file.as_str(),
        ".npmrc" | ".yarnrc" | ".yarnrc.yml" | ".pnpmfile.cjs"
    ) {
        "package manager configuration: it can preload code and remap packages"
    } else if file == "go.work" {
        "a Go workspace: it points imports at other folders"
    } else if path.starts_with(".cargo/config") || path.contains("/.cargo/config") {
        "Cargo configuration: it can patch crates and set cfg flags and the environment of every build"
    } else {
        return None;
    };
    Some(format!("`{path}`: {what} ({verb})"))
}

/// Added lines that hook imports, preload code, remap modules, replace or patch dependencies,
/// or install pytest hooks that change outcomes.
fn line_findings(change: &Change<'_>, findings: &mut Vec<String>) {
    let path = change.path;
    let file = file_name(path);
    let lines = marked_lines(change.before.unwrap_or(""), change.after.unwrap_or(""));
    let added: Vec<&str> = lines
        .iter()
        .filter(|(l, added)| *added && !is_comment(l))
        .map(|(l, _)| *l)
        .collect();
    let first = |regex: &Regex| added.iter().find(|l| regex.is_match(l)).copied();
    if extension(path) == "py"
        && let Some(line) = first(&PYTEST_HOOK)
    {
        findings.push(format!(
            "`{path}`: adds a pytest hook that can change which tests run or how they end: `{}`",
            quote(line)
        ));
    }
    if let Some(line) = first(&IMPORT_HOOK) {
        findings.push(format!(
            "`{path}`: installs an import hook: what a module name loads can change: `{}`",
            quote(line)
        ));
    }
    if let Some(line) = first(&PRELOAD) {
        findings.push(format!(
            "`{path}`: preloads code or changes build flags for every run: `{}`",
            quote(line)
        ));
    }
    let remaps = matches!(
        file.as_str(),
        "package.json" | "tsconfig.json" | "jsconfig.json"
    ) || [
        ".babelrc",
        "babel.config.",
        "vite.config.",
        "webpack.config.",
        "rollup.config.",
    ]
    .iter()
    .any(|p| file.starts_with(p));
    if remaps && let Some(line) = first(&REMAP) {
        findings.push(format!(
            "`{path}`: remaps module resolution: `{}`",
            quote(line)
        ));
    }
    if file == "go.mod"
        && let Some(line) = added
            .iter()
            .find(|l| l.starts_with("replace") || l.contains("=>"))
    {
        findings.push(format!(
            "`{path}`: a replace directive points a module at other code: `{}`",
            quote(line)
        ));
    }
    if file == "cargo.toml" {
        findings.extend(cargo_finding(path, change, &lines));
    }
}

/// Cargo.toml: an added `[patch]` or `[replace]` section (or a line in one), or a path
/// dependency for a crate only the tests use.
fn cargo_finding(path: &str, change: &Change<'_>, lines: &[(&str, bool)]) -> Option<String> {
    let dev: Vec<&str> = [change.before.unwrap_or(""), change.after.unwrap_or("")]
        .into_iter()
        .flat_map(|text| sectioned(text.lines().map(|l| (l.trim(), false))))
        .filter(|(section, _, _)| section.ends_with("dev-dependencies"))
        .filter_map(|(_, line, _)| toml_key(line))
        .collect();
    for (section, line, added) in sectioned(lines.iter().copied()) {
        if !added || is_comment(line) {
            continue;
        }
        if section.starts_with("patch") || section == "replace" {
            return Some(format!(
                "`{path}`: a [{section}] section replaces a dependency with other code: `{}`",
                quote(line)
            ));
        }
        let dependency = section
            .split_once("dependencies.")
            .map(|(_, name)| name)
            .or_else(|| toml_key(line))
            .unwrap_or_default();
        let is_path = line
            .split_once("path")
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('='));
        let test_crate = section.ends_with("dev-dependencies")
            || dev.contains(&dependency)
            || RUST_TEST_CRATES.split_whitespace().any(|c| c == dependency);
        if is_path && test_crate {
            return Some(format!(
                "`{path}`: `{dependency}`, a crate the tests use, now comes from a local path: `{}`",
                quote(line)
            ));
        }
    }
    None
}

/// TOML lines (with whether each was added) paired with the section they are in.
fn sectioned<'a>(
    lines: impl Iterator<Item = (&'a str, bool)>,
) -> impl Iterator<Item = (&'a str, &'a str, bool)> {
    let mut section = "";
    lines.map(move |(line, added)| {
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']);
        }
        (section, line, added)
    })
}

/// A TOML line's key: `name` of `name = ...` or `"name" = ...`.
fn toml_key(line: &str) -> Option<&str> {
    line.split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(path: &str, before: &str, after: &str) -> Vec<String> {
        let mut findings = Vec::new();
        hook_findings(
            &Change {
                path,
                before: Some(before),
                after: Some(after),
            },
            &mut findings,
        );
        findings
    }

    #[test]
    fn hooks_that_change_outcomes_are_findings_and_others_are_not() {
        let marker =
            "def pytest_configure(config):\n    config.addinivalue_line(\"markers\", \"slow\")\n";
        assert!(flags("tests/conftest.py", "", marker).is_empty());
        let report = format!(
            "{marker}\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n    outcome = yield\n"
        );
        assert_eq!(flags("tests/conftest.py", marker, &report).len(), 1);
        let finder = "import sys\nsys.meta_path.insert(0, Finder())\n";
        assert_eq!(flags("app/__init__.py", "", finder).len(), 1);
    }

    #[test]
    fn preloads_and_remaps_only_where_they_act() {
        let scripts = "{\n  \"scripts\": {\n    \"build\": \"tsc\"\n  }\n}\n";
        let preload = scripts.replace("tsc", "NODE_OPTIONS='--require ./fix.js' tsc");
        assert_eq!(flags("package.json", scripts, &preload).len(), 1);
        let exports = scripts.replace(
            "{\n  \"scripts\"",
            "{\n  \"exports\": \"./fixed.js\",\n  \"scripts\"",
        );
        assert_eq!(flags("package.json", scripts, &exports).len(), 1);
        // An alias in a file that is not a bundler's configuration is just a word.
        assert!(flags("src/names.js", "", "const alias = 'x';\n").is_empty());
    }

    #[test]
    fn cargo_path_dependencies_count_only_for_test_crates() {
        let before = "[dependencies]\nserde = \"1\"\n\n[dev-dependencies]\ninsta = \"1\"\n";
        let workspace = before.replace(
            "serde = \"1\"",
            "serde = \"1\"\ncore = { path = \"../core\" }",
        );
        assert!(flags("Cargo.toml", before, &workspace).is_empty());
        let local = before.replace("insta = \"1\"", "insta = { path = \"../insta\" }");
        assert_eq!(flags("Cargo.toml", before, &local).len(), 1);
        let table = format!("{before}\n[dependencies.proptest]\npath = \"vendor/proptest\"\n");
        assert_eq!(flags("Cargo.toml", before, &table).len(), 1);
    }
}
