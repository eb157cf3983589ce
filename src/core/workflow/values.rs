//! The values a user puts into the generated workflow, each checked once, as it is read: a value
//! of one of these types is known to be safe in YAML, in a shell script and in a GitHub
//! expression context (no line break, no invisible character, no `${{`), and to be what it
//! claims (a full commit SHA, an exact version, an https URL).

use std::fmt;

use super::yaml::{invisible, printable};

/// Why a value was refused: what is wrong, and what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

/// Text for a message: quoted, with anything unprintable escaped.
fn shown(text: &str) -> String {
    format!("{text:?}")
}

/// What GitHub evaluates wherever it appears in a workflow, even in a script or a name.
fn expression_free(text: &str, what: &str) -> Result<(), ValueError> {
    if text.contains("${{") {
        return Err(ValueError(format!(
            "the {what} {} holds `${{{{`, which GitHub would evaluate as an expression",
            shown(text)
        )));
    }
    Ok(())
}

/// One line of visible text: no control character, no invisible format character, no space
/// at either end.
fn one_line(text: &str, what: &str) -> Result<(), ValueError> {
    if text.trim().is_empty() {
        return Err(ValueError(format!("the {what} is empty")));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        let kind = if c == '\n' || c == '\r' {
            "a line break"
        } else {
            "a control character"
        };
        return Err(ValueError(format!(
            "the {what} {} holds {kind}, which it cannot",
            shown(text)
        )));
    }
    if text.chars().any(|c| invisible(c) || !printable(c)) {
        return Err(ValueError(format!(
            "the {what} {} holds an invisible character (a bidirectional or zero-width mark), \
             which would make the workflow read differently from how it runs",
            shown(text)
        )));
    }
    if text.trim() != text {
        return Err(ValueError(format!(
            "the {what} {} starts or ends with a space",
            shown(text)
        )));
    }
    expression_free(text, what)
}

/// The name of a workflow to watch, as its `name:` says (or its path, when it has none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkflowName(String);

impl WorkflowName {
    /// The longest name taken (GitHub shows far fewer characters).
    pub const MAX: usize = 255;

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        one_line(text, "workflow name")?;
        if text.chars().count() > Self::MAX {
            return Err(ValueError(format!(
                "the workflow name {}… is longer than {} characters",
                shown(&text.chars().take(40).collect::<String>()),
                Self::MAX
            )));
        }
        Ok(Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A label of the runners the jobs run on (`ubuntu-latest`, `self-hosted`, an Actions Runner
/// Controller scale set's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerLabel(String);

impl RunnerLabel {
    pub const MAX: usize = 100;

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        one_line(text, "runner label")?;
        let bad = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-_.:/+=".contains(*c)));
        if let Some(c) = bad {
            return Err(ValueError(format!(
                "the runner label {} holds {c:?}; a label is letters, digits and - _ . : / + =",
                shown(text)
            )));
        }
        if text.len() > Self::MAX {
            return Err(ValueError(format!(
                "the runner label {} is longer than {} characters",
                shown(text),
                Self::MAX
            )));
        }
        Ok(Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An exact npm version of the agent's CLI (`2.1.332`, `1.0.0-beta.2`): never a range or a tag,
/// so that every run installs the same code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentVersion(String);

impl AgentVersion {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let refuse = || {
            ValueError(format!(
                "the agent version {} is not an exact version: give one such as 2.1.332 (no \
                 range, tag or package name; the package follows --agent)",
                shown(text)
            ))
        };
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let numbers: Vec<&str> = core.split('.').collect();
        let numeric = |n: &&str| {
            !n.is_empty()
                && n.len() <= 9
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n.len() == 1 || !n.starts_with('0'))
        };
        let pre_ok = pre.is_none_or(|p| {
            !p.is_empty()
                && p.split('.').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        });
        if text.len() > 64 || numbers.len() != 3 || !numbers.iter().all(numeric) || !pre_ok {
            return Err(refuse());
        }
        Ok(Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A full commit SHA: 40 hexadecimal digits, kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rev(String);

impl Rev {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        if text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Self(text.to_ascii_lowercase()));
        }
        let why = if text.bytes().all(|b| b.is_ascii_hexdigit()) && !text.is_empty() {
            format!("has {} hex digits, not 40", text.len())
        } else {
            "is not a commit SHA".to_owned()
        };
        Err(ValueError(format!(
            "{} {why}: give the full 40-digit commit SHA (`git rev-parse HEAD` prints it), so \
             that the workflow always runs the same code",
            shown(text)
        )))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An https URL of a git repository (`https://github.com/OWNER/fixloop`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitUrl(String);

impl GitUrl {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let refuse = |why: &str| {
            ValueError(format!(
                "the repository URL {} {why}; give an https URL such as \
                 https://github.com/OWNER/fixloop",
                shown(text)
            ))
        };
        let Some(rest) = text.strip_prefix("https://") else {
            return Err(refuse("is not https"));
        };
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (name, port) = host.split_once(':').unwrap_or((host, ""));
        let host_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && !name.starts_with(['.', '-'])
            && port.bytes().all(|b| b.is_ascii_digit())
            && (port.is_empty() != host.contains(':'));
        if !host_ok {
            return Err(refuse("has no valid host"));
        }
        if path.trim_matches('/').is_empty() {
            return Err(refuse("names no repository"));
        }
        if let Some(c) = path
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~/%+".contains(*c)))
        {
            return Err(refuse(&format!("holds {c:?}")));
        }
        if path.split('/').any(|p| p == "..") {
            return Err(refuse("climbs out of its folder with `..`"));
        }
        if text.len() > 512 {
            return Err(refuse("is longer than 512 characters"));
        }
        Ok(Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount of US dollars for the run's cost budget: at least 0.01, at most two decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dollars(String);

impl Dollars {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let amount = text.strip_prefix('$').unwrap_or(text);
        let (whole, cents) = amount.split_once('.').unwrap_or((amount, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let shaped = !whole.is_empty()
            && whole.len() <= 6
            && digits(whole)
            && digits(cents)
            && cents.len() <= 2
            && (cents.is_empty() != amount.contains('.'));
        let positive = amount.bytes().any(|b| (b'1'..=b'9').contains(&b));
        if !shaped || !positive {
            return Err(ValueError(format!(
                "{} is not an amount of US dollars: give one such as 10 or 2.50 (at least \
                 0.01, at most two decimals)",
                shown(text)
            )));
        }
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        let normal = if cents.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{cents}")
        };
        Ok(Self(normal))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The organisation's reusable workflow a caller runs: `OWNER/REPO@SHA` (its
/// `.github/workflows/fixloop.yml`) or `OWNER/REPO/.github/workflows/FILE.yml@SHA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Central {
    repo: String,
    path: String,
    rev: Rev,
}

impl Central {
    pub const DEFAULT_PATH: &str = ".github/workflows/fixloop.yml";

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let refuse = |why: String| {
            ValueError(format!(
                "the central workflow {} {why}; give OWNER/REPO@SHA (or \
                 OWNER/REPO/.github/workflows/FILE.yml@SHA) with the full commit SHA",
                shown(text)
            ))
        };
        let Some((place, rev)) = text.rsplit_once('@') else {
            return Err(refuse("is not pinned to a commit (no @SHA)".into()));
        };
        let rev = Rev::parse(rev).map_err(|e| refuse(format!("has a bad pin: {e}")))?;
        let mut parts = place.splitn(3, '/');
        let (owner, repo) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let path = parts.next().unwrap_or(Self::DEFAULT_PATH);
        let owner_ok = !owner.is_empty()
            && owner.len() <= 39
            && owner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !owner.starts_with('-');
        let repo_ok = !repo.is_empty()
            && repo.len() <= 100
            && repo
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && repo != "."
            && repo != "..";
        if !owner_ok || !repo_ok {
            return Err(refuse("does not name a repository as OWNER/REPO".into()));
        }
        let file = path.strip_prefix(".github/workflows/").unwrap_or_default();
        let file_ok = !file.is_empty()
            && file
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && file
                .rsplit_once('.')
                .is_some_and(|(_, ext)| ext == "yml" || ext == "yaml");
        if !file_ok {
            return Err(refuse(format!(
                "names {}, not a workflow file in .github/workflows/",
                shown(path)
            )));
        }
        Ok(Self {
            repo: format!("{owner}/{repo}"),
            path: path.to_owned(),
            rev,
        })
    }

    /// What a job's `uses:` says.
    #[must_use]
    pub fn uses(&self) -> String {
        format!("{}/{}@{}", self.repo, self.path, self.rev.as_str())
    }

    /// `OWNER/REPO`.
    #[must_use]
    pub fn repo(&self) -> &str {
        &self.repo
    }
}

impl fmt::Display for Central {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path == Self::DEFAULT_PATH {
            write!(f, "{}@{}", self.repo, self.rev.as_str())
        } else {
            write!(f, "{}/{}@{}", self.repo, self.path, self.rev.as_str())
        }
    }
}

/// When the sync workflow runs: five cron fields as GitHub reads them (minute, hour, day of the
/// month, month, day of the week; in UTC), numbers only. The minute is one number, so that a
/// sync (which installs fixloop and runs the fork's tests) starts at most once an hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron(String);

impl Default for Cron {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl Cron {
    /// Nightly at 03:17 UTC: off the full hour, when GitHub's scheduler is busiest.
    pub const DEFAULT: &str = "17 3 * * *";

    /// The fields' names and ranges.
    const FIELDS: [(&str, u32, u32); 5] = [
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of the month", 1, 31),
        ("month", 1, 12),
        ("day of the week", 0, 6),
    ];

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let refuse = |why: String| {
            ValueError(format!(
                "the schedule {} {why}; give five cron fields in UTC, minute hour day month \
                 weekday, such as \"{}\" (03:17 every night)",
                shown(text),
                Self::DEFAULT
            ))
        };
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(refuse(format!("holds {c:?}, which it cannot")));
        }
        let fields: Vec<&str> = text.split(' ').filter(|f| !f.is_empty()).collect();
        if fields.len() != 5 {
            return Err(refuse(format!("has {} fields, not 5", fields.len())));
        }
        for (field, (name, low, high)) in fields.iter().zip(Self::FIELDS) {
            if let Some(c) = field
                .chars()
                .find(|c| !(c.is_ascii_digit() || "*,-/".contains(*c)))
            {
                return Err(refuse(format!(
                    "holds {c:?} in its {name}; the fields are numbers, `*`, `,`, `-` and `/`"
                )));
            }
            if name == "minute" && number(field, low, high).is_none() {
                return Err(refuse(format!(
                    "has {} as its minute: it must be one number from 0 to 59, so that the \
                     sync runs at most once an hour",
                    shown(field)
                )));
            }
            if !field.split(',').all(|item| cron_item(item, low, high)) {
                return Err(refuse(format!(
                    "has {} as its {name}, which is not a list of numbers from {low} to \
                     {high}, ranges (a-b), steps (*/n, a-b/n) or `*`",
                    shown(field)
                )));
            }
        }
        Ok(Self(fields.join(" ")))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For people: "every day at 03:17 UTC" when it is one time a day, else the fields.
    #[must_use]
    pub fn describe(&self) -> String {
        let fields: Vec<&str> = self.0.split(' ').collect();
        match (
            fields.as_slice(),
            fields.get(1).and_then(|h| number(h, 0, 23)),
        ) {
            ([minute, _, "*", "*", "*"], Some(hour)) => {
                format!("every day at {hour:02}:{minute:0>2} UTC")
            }
            _ => format!("on the schedule `{}` (UTC)", self.0),
        }
    }
}

/// `text` as a number from `low` to `high`, written without leading zeros.
fn number(text: &str, low: u32, high: u32) -> Option<u32> {
    let plain = !text.is_empty()
        && text.len() <= 2
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    text.parse()
        .ok()
        .filter(|n| plain && (low..=high).contains(n))
}

/// One item of a cron field's list: `*`, `*/n`, `a`, `a-b` or `a-b/n`.
fn cron_item(item: &str, low: u32, high: u32) -> bool {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    let step_ok = step.is_none_or(|s| number(s, 1, high).is_some());
    let range_ok = match range.split_once('-') {
        _ if range == "*" => true,
        Some((a, b)) => matches!(
            (number(a, low, high), number(b, low, high)),
            (Some(a), Some(b)) if a <= b
        ),
        // `a/n` is not taken: crons differ on what it means.
        None => number(range, low, high).is_some() && step.is_none(),
    };
    step_ok && range_ok
}

/// The configuration the sync job reads (`fixloop sync --config`): a path in the repository,
/// relative to its root, as the job's checkout holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPath(String);

impl Default for ConfigPath {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl ConfigPath {
    pub const DEFAULT: &str = "fixloop.toml";
    pub const MAX: usize = 255;

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        one_line(text, "configuration path")?;
        let refuse = |why: &str| {
            ValueError(format!(
                "the configuration path {} {why}; give a path in the repository, relative to \
                 its root, such as fixloop.toml",
                shown(text)
            ))
        };
        if text.starts_with(['/', '\\', '~']) || text.as_bytes().get(1) == Some(&b':') {
            return Err(refuse("is not relative to the repository"));
        }
        if text.split(['/', '\\']).any(|part| part == "..") {
            return Err(refuse("climbs out of the repository with `..`"));
        }
        if text.ends_with(['/', '\\']) {
            return Err(refuse("names a folder"));
        }
        if text.chars().count() > Self::MAX {
            return Err(refuse(&format!("is longer than {} characters", Self::MAX)));
        }
        Ok(Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
