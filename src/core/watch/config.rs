//! `fixloop.toml`: what the watcher watches and what it may do. Read strictly: an unknown key, a
//! wrong type or a value out of range is an error naming the file, its line and column, the key
//! and what to write instead. Secrets are never in the file: it names the environment variables
//! that hold them.

use schemars::JsonSchema;
use serde::Deserialize;

use super::fixers::{BUILT_IN, FixerSpec};
use crate::core::input::{InputError, is_repo_name, line_column, locate_toml_key, nearest};

/// The whole file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WatchConfig {
    /// How the watcher runs: polling, webhooks, caps.
    #[serde(default)]
    pub watch: WatchSection,
    /// A repository to watch (one table per repository: `[[repo]]`).
    #[serde(default, rename = "repo")]
    pub repos: Vec<RepoConfig>,
    /// A fixer of your own, beside the built-in ones (`[[fixer]]`).
    #[serde(default, rename = "fixer")]
    pub fixers: Vec<FixerConfig>,
    /// Where the watcher says what it did.
    #[serde(default)]
    pub notify: NotifyConfig,
    /// The fork `fixloop sync` keeps in step with its upstream.
    #[serde(default)]
    pub sync: Option<crate::core::sync::config::SyncSection>,
}

/// `[watch]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WatchSection {
    /// Seconds between sweeps of every repository (at least 10; default 60). An idle sweep costs
    /// no rate limit: GitHub answers an unchanged list with 304.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    /// Where `--listen` takes GitHub's webhooks when it is not given on the command line, such
    /// as "127.0.0.1:8787".
    #[serde(default)]
    pub listen: Option<String>,
    /// The environment variable holding the webhooks' secret (default `FIXLOOP_WEBHOOK_SECRET`).
    #[serde(default = "default_webhook_secret_env")]
    pub webhook_secret_env: String,
    /// Where the fix work runs: `local` (on this machine) or `actions` (the repository's fixloop
    /// workflow, by `workflow_dispatch`; the watcher then only classifies, runs fixers and
    /// dispatches).
    #[serde(default)]
    pub dispatch: Dispatch,
    /// The most all AI fixes may spend in a day, in US dollars (default 20).
    #[serde(default = "default_daily_budget")]
    pub daily_budget_usd: f64,
    /// Fixes worked on at once in one repository (default 1; a `[[repo]]` may say otherwise).
    /// Each has a clone of its own; runs of one pull request or branch wait for each other.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// `true` stops all work: the watcher only records what it sees.
    #[serde(default)]
    pub paused: bool,
}

impl Default for WatchSection {
    fn default() -> Self {
        Self {
            poll_seconds: default_poll(),
            listen: None,
            webhook_secret_env: default_webhook_secret_env(),
            dispatch: Dispatch::default(),
            daily_budget_usd: default_daily_budget(),
            concurrency: default_concurrency(),
            paused: false,
        }
    }
}

fn default_poll() -> u64 {
    60
}

fn default_webhook_secret_env() -> String {
    "FIXLOOP_WEBHOOK_SECRET".into()
}

fn default_daily_budget() -> f64 {
    20.0
}

/// The most runs of one repository worked on at once (each holds a clone and runs tests).
pub const MAX_CONCURRENCY: u32 = 16;

fn default_concurrency() -> u32 {
    1
}

fn default_attempts() -> u32 {
    3
}

fn default_true() -> bool {
    true
}

/// Where the fix work runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Dispatch {
    /// On the watcher's machine.
    #[default]
    Local,
    /// In the repository's fixloop workflow (`fixloop init github`), by `workflow_dispatch`.
    Actions,
}

/// `[[repo]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepoConfig {
    /// `owner/name`.
    pub name: String,
    /// The git URL the watcher clones and pushes to (default
    /// `https://github.com/OWNER/NAME.git`; the token goes as an HTTP header, never in the URL).
    #[serde(default)]
    pub remote: Option<String>,
    /// The git URL of a fork, `{repo}` standing for its `owner/name` (default
    /// `https://github.com/{repo}.git`): where a fixers' fix is pushed when the fork lets
    /// maintainers edit its branch.
    #[serde(default)]
    pub fork_remote: Option<String>,
    /// The workflows watched, by name (default: every one).
    #[serde(default)]
    pub workflows: Vec<String>,
    /// Branches whose pushes are watched too (default: none; pull requests only).
    #[serde(default)]
    pub branches: Vec<String>,
    /// Bots whose pull requests are taken (such as "dependabot[bot]"); other bots' are not.
    #[serde(default)]
    pub allowed_bots: Vec<String>,
    /// How a fix reaches the pull request.
    #[serde(default)]
    pub delivery: Delivery,
    /// Who approves a fix before it is delivered.
    #[serde(default)]
    pub approval: Approval,
    /// Attempts per pull request before the watcher stops trying (default 3).
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// The fixers that may run here, by name (default: every built-in one and yours).
    #[serde(default)]
    pub fixers: Option<Vec<String>>,
    /// Fixes worked on at once here (default: `[watch]`'s `concurrency`). Runs of one pull
    /// request (or one branch) are still worked on one after another.
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// `false` leaves the repository alone without removing its table.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

/// How a fix reaches the pull request. A fork's pull request that does not allow maintainers'
/// edits always gets a suggestion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// A commit pushed to the pull request's own branch.
    #[default]
    PushToPr,
    /// A branch of its own with a draft pull request into the failing one's branch.
    FixPr,
    /// The patch as a comment on the pull request.
    Suggestion,
    /// For a watched branch's failure without a pull request: the fix as a patch in fixloop's
    /// issue for the branch (otherwise such a failure gets a draft PR into the branch, and
    /// what is not fixable is said in that issue). On a pull request: as `suggestion`.
    Issue,
}

/// Who approves a fix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Approval {
    /// Fixers' fixes go out at once; an AI fix waits for `/fixloop apply` or `/fixloop revise`.
    #[default]
    Auto,
    /// Every fix waits for a person.
    Review,
}

/// `[[fixer]]`: a command of your own that fixes what a failing step complains about.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixerConfig {
    /// Its name (letters, digits, `-`, `_`), used in `fixers = [...]` and in reports.
    pub name: String,
    /// A regular expression: the fixer runs when it matches the failing step's name or command.
    pub step: String,
    /// The shell command that fixes the checkout, run from its root.
    pub run: String,
    /// The command that passes once the checkout is fixed (default: the failing step's own
    /// command, read from the workflow file).
    #[serde(default)]
    pub check: Option<String>,
}

/// `[notify]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NotifyConfig {
    /// A Slack incoming webhook.
    #[serde(default)]
    pub slack: Option<SlackConfig>,
    /// A webhook of your own, signed the Standard Webhooks way.
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
}

/// `[notify.slack]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SlackConfig {
    /// The environment variable holding the webhook's URL (the URL is a secret).
    pub url_env: String,
}

/// `[notify.webhook]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WebhookConfig {
    /// The environment variable holding the endpoint's URL.
    pub url_env: String,
    /// The environment variable holding the signing secret (`whsec_…`).
    pub secret_env: String,
}

impl WatchConfig {
    /// Reads `text`, the contents of `file`.
    ///
    /// # Errors
    /// The text is not TOML, has a key fixloop does not know or a value it cannot take.
    pub fn parse(file: &str, text: &str) -> Result<Self, InputError> {
        let config: Self = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
        config.check(file, text)?;
        Ok(config)
    }

    /// The fixers a repository may run: the built-in ones and the file's own, filtered by the
    /// repository's `fixers` list.
    #[must_use]
    pub fn fixers_for(&self, repo: &RepoConfig) -> Vec<FixerSpec> {
        let own = self.fixers.iter().map(|f| FixerSpec {
            name: f.name.clone(),
            step: f.step.clone(),
            run: f.run.clone(),
            check: f.check.clone(),
        });
        let all: Vec<FixerSpec> = BUILT_IN.iter().map(FixerSpec::from).chain(own).collect();
        match &repo.fixers {
            None => all,
            Some(names) => all
                .into_iter()
                .filter(|f| names.contains(&f.name))
                .collect(),
        }
    }

    fn check(&self, file: &str, text: &str) -> Result<(), InputError> {
        let refuse = |place: (&str, usize, &str), message: String, hint: &str| {
            let (table, nth, key) = place;
            let mut error = InputError::new(file, message, hint);
            error.field = Some(key.to_owned());
            error.at = locate_toml_key(text, table, nth, key);
            error
        };
        if let Some(sync) = &self.sync {
            sync.check().map_err(|e| e.in_file(file, text))?;
        }
        let watch = &self.watch;
        if watch.poll_seconds < 10 {
            return Err(refuse(
                ("[watch]", 0, "poll-seconds"),
                format!("{} is too often", watch.poll_seconds),
                "poll at most every 10 seconds (webhooks with --listen are immediate)",
            ));
        }
        if !(watch.daily_budget_usd.is_finite() && watch.daily_budget_usd >= 0.0) {
            return Err(refuse(
                ("[watch]", 0, "daily-budget-usd"),
                "must be a number of dollars, 0 or more".into(),
                "write e.g. daily-budget-usd = 20",
            ));
        }
        if watch.concurrency == 0 || watch.concurrency > MAX_CONCURRENCY {
            return Err(refuse(
                ("[watch]", 0, "concurrency"),
                format!("{} is out of range", watch.concurrency),
                &format!(
                    "write a number from 1 to {MAX_CONCURRENCY} (pause the watcher with paused = \
                     true)"
                ),
            ));
        }
        for name in [&watch.webhook_secret_env]
            .into_iter()
            .chain(self.notify.slack.iter().map(|s| &s.url_env))
            .chain(
                self.notify
                    .webhook
                    .iter()
                    .flat_map(|w| [&w.url_env, &w.secret_env]),
            )
        {
            if !is_env_name(name) {
                return Err(refuse(
                    env_place(text, name),
                    // Not repeated: what was written may be the secret itself.
                    "is not the name of an environment variable".into(),
                    "name the variable that holds the secret (such as SLACK_WEBHOOK_URL), \
                     never the secret itself",
                ));
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for (i, repo) in self.repos.iter().enumerate() {
            if !is_repo_name(&repo.name) {
                return Err(refuse(
                    ("[[repo]]", i, "name"),
                    format!("`{}` is not owner/name", repo.name),
                    "write the repository as GitHub names it, such as \"octo-org/wordstat\"",
                ));
            }
            let lower = repo.name.to_ascii_lowercase();
            if seen.contains(&lower) {
                return Err(refuse(
                    ("[[repo]]", i, "name"),
                    format!("`{}` is listed twice", repo.name),
                    "keep one [[repo]] table per repository",
                ));
            }
            seen.push(lower);
            if repo
                .concurrency
                .is_some_and(|c| c == 0 || c > MAX_CONCURRENCY)
            {
                return Err(refuse(
                    ("[[repo]]", i, "concurrency"),
                    format!("{} is out of range", repo.concurrency.unwrap_or_default()),
                    &format!("write a number from 1 to {MAX_CONCURRENCY}"),
                ));
            }
            if repo.attempts == 0 || repo.attempts > 10 {
                return Err(refuse(
                    ("[[repo]]", i, "attempts"),
                    format!("{} attempts is out of range", repo.attempts),
                    "write a number from 1 to 10",
                ));
            }
        }
        self.check_fixers(&refuse)
    }

    fn check_fixers(&self, refuse: &Refuse<'_>) -> Result<(), InputError> {
        let mut names: Vec<&str> = BUILT_IN.iter().map(|f| f.name).collect();
        for (i, fixer) in self.fixers.iter().enumerate() {
            let valid = !fixer.name.is_empty()
                && fixer
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid || names.contains(&fixer.name.as_str()) {
                return Err(refuse(
                    ("[[fixer]]", i, "name"),
                    format!(
                        "`{}` {}",
                        fixer.name,
                        if valid {
                            "is taken (by a built-in fixer or another [[fixer]])"
                        } else {
                            "is not a fixer name (letters, digits, `-` and `_`)"
                        }
                    ),
                    "give the fixer a name of its own",
                ));
            }
            if let Err(e) = regex::Regex::new(&fixer.step) {
                return Err(refuse(
                    ("[[fixer]]", i, "step"),
                    format!("not a regular expression: {e}"),
                    "write a regular expression matching the failing step, such as \"make lint\"",
                ));
            }
            if fixer.run.trim().is_empty() {
                return Err(refuse(
                    ("[[fixer]]", i, "run"),
                    "is empty".into(),
                    "write the command that fixes the checkout",
                ));
            }
            names.push(&fixer.name);
        }
        for (i, repo) in self.repos.iter().enumerate() {
            for wanted in repo.fixers.iter().flatten() {
                if !names.contains(&wanted.as_str()) {
                    let near = nearest(wanted, &names)
                        .map(|n| format!(" (did you mean `{n}`?)"))
                        .unwrap_or_default();
                    return Err(refuse(
                        ("[[repo]]", i, "fixers"),
                        format!("there is no fixer `{wanted}`{near}"),
                        &format!("the fixers are: {}", names.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The git URL of `repo`.
    #[must_use]
    pub fn remote_of(repo: &RepoConfig) -> String {
        repo.remote
            .clone()
            .unwrap_or_else(|| format!("https://github.com/{}.git", repo.name))
    }

    /// The git URL of the fork `fork` (`owner/name`) of `repo`;
    /// `None` when `fork` is not a repository's name (nothing else goes into a git URL).
    #[must_use]
    pub fn fork_remote_of(repo: &RepoConfig, fork: &str) -> Option<String> {
        is_repo_name(fork).then(|| {
            repo.fork_remote
                .as_deref()
                .unwrap_or("https://github.com/{repo}.git")
                .replace("{repo}", fork)
        })
    }

    /// How many runs of `repo` are worked on at once.
    #[must_use]
    pub fn concurrency_of(&self, repo: &RepoConfig) -> u32 {
        repo.concurrency.unwrap_or(self.watch.concurrency)
    }

    /// The repository's table, by name (case as GitHub ignores it).
    #[must_use]
    pub fn repo(&self, name: &str) -> Option<&RepoConfig> {
        self.repos
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
}

/// The JSON Schema of `fixloop.toml` (editors with a TOML language server read it from a
/// `#:schema fixloop.schema.json` first line).
#[must_use]
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(WatchConfig);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Where a key is (its table's header, which of those tables, the key) and what to say.
type Refuse<'a> = dyn Fn((&str, usize, &str), String, &str) -> InputError + 'a;

/// A TOML or shape error with its line and column.
fn syntax_error(file: &str, text: &str, error: &toml::de::Error) -> InputError {
    let message = error.message().trim().to_owned();
    let mut out = InputError::new(
        file,
        message.clone(),
        "see fixloop.schema.json (`fixloop watch --schema`) for every key",
    );
    if let Some(span) = error.span() {
        out.at = Some(line_column(text, span));
    }
    if let Some(key) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        out.field = Some(key.to_owned());
    }
    out
}

/// The table and key an environment variable's name was given under.
fn env_place<'a>(text: &str, name: &str) -> (&'a str, usize, &'a str) {
    for (table, key) in [
        ("[watch]", "webhook-secret-env"),
        ("[notify.slack]", "url-env"),
        ("[notify.webhook]", "url-env"),
        ("[notify.webhook]", "secret-env"),
    ] {
        let written = locate_toml_key(text, table, 0, key)
            .and_then(|(line, _)| text.lines().nth(line - 1))
            .is_some_and(|l| l.contains(name));
        if written {
            return (table, 0, key);
        }
    }
    ("[watch]", 0, "webhook-secret-env")
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
