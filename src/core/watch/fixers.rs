//! The fixer registry: formatters and linters that fix what a failing check complains about
//! without an AI. A fixer runs only when it matches the failing step (its name or its command);
//! its `check` is the check's own command, run again after it to see the step pass.

use regex::Regex;

/// A fixer fixloop knows: what step it answers, how it fixes, how the check is run again.
#[derive(Debug, Clone, Copy)]
pub struct BuiltIn {
    pub name: &'static str,
    /// Matched (case-insensitively) against the failing step's name and command.
    pub step: &'static str,
    /// Its exit code is not the verdict (several exit non-zero when they changed files): the
    /// check run after it is.
    pub run: &'static str,
    pub check: &'static str,
}

/// Every built-in fixer, most specific first.
pub const BUILT_IN: [BuiltIn; 10] = [
    BuiltIn {
        name: "cargo-fmt",
        step: r"cargo\s+fmt|rustfmt",
        run: "cargo fmt --all",
        check: "cargo fmt --all -- --check",
    },
    BuiltIn {
        name: "cargo-clippy",
        step: r"cargo\s+clippy|\bclippy\b",
        run: "cargo clippy --fix --allow-dirty --allow-staged --all-targets --all-features",
        check: "cargo clippy --all-targets --all-features -- -D warnings",
    },
    BuiltIn {
        name: "ruff-format",
        step: r"ruff\s+format",
        run: "ruff format .",
        check: "ruff format --check .",
    },
    BuiltIn {
        name: "ruff-check",
        step: r"ruff\s+check|\bruff\s*$|lint\b.*\bruff\b",
        run: "ruff check --fix .",
        check: "ruff check .",
    },
    BuiltIn {
        name: "black",
        step: r"\bblack\b",
        run: "black .",
        check: "black --check .",
    },
    BuiltIn {
        name: "isort",
        step: r"\bisort\b",
        run: "isort .",
        check: "isort --check-only .",
    },
    BuiltIn {
        name: "prettier",
        step: r"\bprettier\b",
        run: "npx --no-install prettier --write .",
        check: "npx --no-install prettier --check .",
    },
    BuiltIn {
        name: "eslint",
        step: r"\beslint\b",
        run: "npx --no-install eslint --fix .",
        check: "npx --no-install eslint .",
    },
    BuiltIn {
        name: "gofmt",
        step: r"\bgofmt\b|\bgo\s+fmt\b",
        run: "gofmt -w .",
        check: "test -z \"$(gofmt -l .)\"",
    },
    BuiltIn {
        name: "pre-commit",
        step: r"\bpre-commit\b",
        run: "pre-commit run --all-files",
        check: "pre-commit run --all-files",
    },
];

/// A fixer as the watcher runs it, built-in or the configuration's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixerSpec {
    pub name: String,
    pub step: String,
    pub run: String,
    /// The check run again after the fixer (default: the failing step's own command, when
    /// it is known).
    pub check: Option<String>,
}

impl From<&BuiltIn> for FixerSpec {
    fn from(b: &BuiltIn) -> Self {
        Self {
            name: b.name.into(),
            step: b.step.into(),
            run: b.run.into(),
            check: Some(b.check.into()),
        }
    }
}

impl FixerSpec {
    /// Whether the fixer answers a failing step named `name` that ran `command` (when known).
    #[must_use]
    pub fn matches(&self, name: &str, command: Option<&str>) -> bool {
        let Ok(re) = Regex::new(&format!("(?i){}", self.step)) else {
            return false;
        };
        re.is_match(name) || command.is_some_and(|c| re.is_match(c))
    }

    /// The command that says whether the step passes now: the step's own, else the fixer's.
    #[must_use]
    pub fn check_command(&self, step_command: Option<&str>) -> Option<String> {
        step_command
            .map(str::to_owned)
            .or_else(|| self.check.clone())
    }
}

/// The fixers among `fixers` that answer the failing step, in registry order.
#[must_use]
pub fn matching<'a>(
    fixers: &'a [FixerSpec],
    name: &str,
    command: Option<&str>,
) -> Vec<&'a FixerSpec> {
    fixers.iter().filter(|f| f.matches(name, command)).collect()
}
