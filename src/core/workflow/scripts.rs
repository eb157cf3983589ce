//! The bash scripts of the generated steps. A value known when the workflow is written goes in
//! as one quoted word; a value the reusable workflow gets from its caller comes in through the
//! step's environment (never as `${{ … }}` in the script, where GitHub would paste it into the
//! code) and is checked before it is used.

use std::fmt::Write as _;

use super::options::{Agent, Install, Options};
use super::pins;
use super::shell::{flag, quote};
use super::values::ConfigPath;

/// Where the agent CLI and fixloop are installed: the job's own temporary folder, outside the
/// checkout, so nothing the repository holds (a `.cargo/config.toml`, an `.npmrc`) is read.
pub const AGENT_DIR: &str = "$RUNNER_TEMP/agent";
pub const FIXLOOP_BIN: &str = "\"$RUNNER_TEMP/fixloop/bin/fixloop\"";

/// The folder `fixloop ci analyze` writes and the artifact holding it.
pub const OUT: &str = "fixloop-out";

/// The folder `fixloop sync --out` writes and `fixloop sync publish` reads: in the job's
/// temporary folder, outside the checkout that the sync's worktree is made from.
pub const SYNC_OUT: &str = "$RUNNER_TEMP/fixloop-sync";

/// npm's flags: no audit or funding calls, and no package's install scripts.
const NPM: &str = "npm install --no-audit --no-fund --ignore-scripts";

/// Installs the agent CLI at an exact version. Scripts are off for the install; the agent's own
/// package then runs its own (Claude Code's puts its native binary in place), no dependency's.
#[must_use]
pub fn install_agent(agent: Agent, version: &str) -> String {
    let package = agent.package();
    let spec = quote(&format!("{package}@{version}"));
    format!(
        "cd \"$RUNNER_TEMP\"\n\
         {NPM} \\\n\
         \x20 --prefix \"{AGENT_DIR}\" {spec}\n\
         if [ -f \"{AGENT_DIR}/node_modules/{package}/install.cjs\" ]; then\n\
         \x20 node \"{AGENT_DIR}/node_modules/{package}/install.cjs\"\n\
         fi\n\
         \"{AGENT_DIR}/node_modules/.bin/{bin}\" --version\n",
        bin = agent.as_str(),
    )
}

/// The reusable workflow's agent install: the agent and its version come from the caller, the
/// version checked to be exact.
#[must_use]
pub fn install_agent_from_inputs(options: &Options) -> String {
    let version = |agent: Agent| {
        options
            .agent_version
            .as_ref()
            .filter(|_| options.agent == agent)
            .map_or(pins::agent_version(agent), |v| v.as_str())
            .to_owned()
    };
    let mut script = String::from("case \"$AGENT\" in\n");
    for agent in Agent::ALL {
        let _ = writeln!(
            script,
            "  {name}) package={package}; version=\"${{AGENT_VERSION:-{default}}}\" ;;",
            name = agent.as_str(),
            package = agent.package(),
            default = version(agent),
        );
    }
    script.push_str(
        "  *) echo \"::error::the agent input must be claude or codex\"; exit 1 ;;\n\
         esac\n\
         if [[ ! \"$version\" =~ ^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then\n\
         \x20 echo \"::error::the agent-version input must be an exact version, such as 2.1.332\"\n\
         \x20 exit 1\n\
         fi\n",
    );
    let _ = write!(
        script,
        "cd \"$RUNNER_TEMP\"\n\
         {NPM} \\\n\
         \x20 --prefix \"{AGENT_DIR}\" \"$package@$version\"\n\
         if [ -f \"{AGENT_DIR}/node_modules/$package/install.cjs\" ]; then\n\
         \x20 node \"{AGENT_DIR}/node_modules/$package/install.cjs\"\n\
         fi\n\
         \"{AGENT_DIR}/node_modules/.bin/$AGENT\" --version\n"
    );
    script
}

/// `cargo install --locked` of fixloop at one commit, built outside the checkout.
#[must_use]
pub fn install_fixloop(install: &Install) -> String {
    format!(
        "cd \"$RUNNER_TEMP\"\n\
         cargo install --locked --root \"$RUNNER_TEMP/fixloop\" \\\n\
         \x20 --git {} --rev {} fixloop\n",
        quote(install.source.as_str()),
        quote(install.rev.as_str()),
    )
}

/// The same, from the reusable workflow's inputs, refusing anything but an https URL and a full
/// commit SHA.
#[must_use]
pub fn install_fixloop_from_inputs() -> String {
    "if [[ ! \"$FIXLOOP_REV\" =~ ^[0-9a-f]{40}$ ]]; then\n\
     \x20 echo \"::error::the fixloop-rev input must be a full commit SHA (40 hex digits)\"\n\
     \x20 exit 1\n\
     fi\n\
     if [[ ! \"$FIXLOOP_SOURCE\" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~/%+-]+$ ]]; then\n\
     \x20 echo \"::error::the fixloop-source input must be an https URL of a git repository\"\n\
     \x20 exit 1\n\
     fi\n\
     cd \"$RUNNER_TEMP\"\n\
     cargo install --locked --root \"$RUNNER_TEMP/fixloop\" \\\n\
     \x20 --git \"$FIXLOOP_SOURCE\" --rev \"$FIXLOOP_REV\" fixloop\n"
        .to_owned()
}

/// `fixloop ci analyze` with the options written in.
#[must_use]
pub fn analyze(options: &Options) -> String {
    let literal = options
        .watch()
        .iter()
        .any(|n| n.as_str().contains(['$', '`']));
    let mut script = format!("export PATH=\"{AGENT_DIR}/node_modules/.bin:$PATH\"\n");
    if literal {
        script.push_str(
            "# shellcheck disable=SC2016 # a watched name holds $ or `, which is meant as written\n",
        );
    }
    let _ = write!(
        script,
        "{FIXLOOP_BIN} ci analyze --out {OUT} --repo . \\\n\
         \x20 --agent {} --approval {} --attempt-cap {}",
        options.agent.as_str(),
        options.approval.as_str(),
        options.attempt_cap,
    );
    for name in options.watch() {
        script.push_str(" \\\n  ");
        script.push_str(&flag("workflow", name.as_str()));
    }
    script.push('\n');
    script
}

/// `fixloop ci analyze` with the options from the reusable workflow's inputs.
#[must_use]
pub fn analyze_from_inputs() -> String {
    format!(
        "export PATH=\"{AGENT_DIR}/node_modules/.bin:$PATH\"\n\
         args=(--out {OUT} --repo . --agent \"$AGENT\" --approval \"$APPROVAL\")\n\
         args+=(--attempt-cap \"$ATTEMPT_CAP\")\n\
         while IFS= read -r name; do\n\
         \x20 if [ -n \"$name\" ]; then args+=(\"--workflow=$name\"); fi\n\
         done <<< \"$WATCH\"\n\
         {FIXLOOP_BIN} ci analyze \"${{args[@]}}\"\n"
    )
}

/// The analyze job's outcome as a job output, read from `outcome.json` with sed (no jq or
/// Python needed on the runner) and kept only when it is one fixloop writes.
#[must_use]
pub fn read_outcome() -> String {
    format!(
        "outcome=none\n\
         if [ -f {OUT}/outcome.json ]; then\n\
         \x20 outcome=$(sed -n 's/.*\"outcome\": *\"\\([a-z-]*\\)\".*/\\1/p' {OUT}/outcome.json | head -n 1)\n\
         fi\n\
         case \"$outcome\" in\n\
         \x20 verified|review|not-verified|skipped) ;;\n\
         \x20 *) outcome=none ;;\n\
         esac\n\
         echo \"outcome=$outcome\" >> \"$GITHUB_OUTPUT\"\n"
    )
}

/// The lines the publish job adds to the run's summary when it pushes with `GITHUB_TOKEN`.
#[must_use]
pub fn no_ci_notice() -> String {
    "{\n\
     \x20 echo \"fixloop pushes the fix branch with the workflow's GITHUB_TOKEN, and GitHub starts\"\n\
     \x20 echo \"no workflow for such a push: CI will not re-run on the fix branch until someone\"\n\
     \x20 echo \"pushes to it. A GitHub App token avoids this (fixloop init github --app).\"\n\
     } >> \"$GITHUB_STEP_SUMMARY\"\n"
        .to_owned()
}

/// `fixloop ci publish` on the downloaded output folder.
#[must_use]
pub fn publish() -> String {
    format!("{FIXLOOP_BIN} ci publish {OUT} --repo . --remote origin --branch-prefix fixloop/\n")
}

/// The same in the reusable workflow, refusing a delivery fixloop would not understand.
#[must_use]
pub fn publish_from_inputs() -> String {
    format!(
        "case \"$FIXLOOP_DELIVERY\" in\n\
         \x20 pr|suggestion) ;;\n\
         \x20 *) echo \"::error::the delivery input must be pr or suggestion\"; exit 1 ;;\n\
         esac\n\
         {}",
        publish()
    )
}

/// `fixloop sync`, preparing the sync branch and what to say without pushing anything (the job
/// that runs it may only read).
#[must_use]
pub fn sync(agent: Agent, config: &ConfigPath) -> String {
    format!(
        "export PATH=\"{AGENT_DIR}/node_modules/.bin:$PATH\"\n\
         {FIXLOOP_BIN} sync --headless --hold-push \\\n\
         \x20 --out \"{SYNC_OUT}\" {} --repo . --agent {}\n",
        flag("config", config.as_str()),
        agent.as_str(),
    )
}

/// The lines the sync's publish job adds to the run's summary when it has no token of its own
/// (`FIXLOOP_SYNC_TOKEN_SET` says whether the secret is set).
#[must_use]
pub fn no_sync_token_notice() -> String {
    "if [[ \"$FIXLOOP_SYNC_TOKEN_SET\" != true ]]; then\n\
     \x20 {\n\
     \x20   echo \"fixloop pushes the sync branch with the workflow's GITHUB_TOKEN, and GitHub starts\"\n\
     \x20   echo \"no workflow for such a push: CI will not run on the sync pull request until someone\"\n\
     \x20   echo \"pushes to it, and a release that changes .github/workflows cannot be pushed at all.\"\n\
     \x20   echo \"The secret FIXLOOP_SYNC_TOKEN (a token with the workflow scope) avoids both.\"\n\
     \x20 } >> \"$GITHUB_STEP_SUMMARY\"\n\
     fi\n"
        .to_owned()
}

/// `fixloop sync publish` on the downloaded output folder, with the `[sync]` section of the
/// fork's own checkout (never one from the folder).
#[must_use]
pub fn sync_publish(config: &ConfigPath) -> String {
    format!(
        "{FIXLOOP_BIN} sync publish \"{SYNC_OUT}\" \\\n\x20 {}\n",
        flag("config", config.as_str())
    )
}
