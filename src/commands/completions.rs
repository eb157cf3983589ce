//! `fixloop completions SHELL` and `fixloop man`: the shell completion script and the man page,
//! both made from the command line's own definition (`crate::cli`), so they cannot drift from it.

use clap::CommandFactory as _;

use super::CommandError;
use super::output::print_bytes;
use crate::cli::{Cli, CompletionShell, CompletionsArgs};
use crate::core::exit::ExitCode;

pub fn completions(args: &CompletionsArgs) -> Result<ExitCode, CommandError> {
    let shell = match args.shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    // Made in memory first: the generators panic on a write error, and a reader may close the
    // pipe early.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "fixloop", &mut script);
    print_bytes(&script)?;
    Ok(ExitCode::Success)
}

pub fn man() -> Result<ExitCode, CommandError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| {
            CommandError::new(ExitCode::Failed, format!("cannot render the man page: {e}"))
        })?;
    print_bytes(&page)?;
    Ok(ExitCode::Success)
}
