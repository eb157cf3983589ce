//! `fixloop init`: a starting `info.json` (and the schema editors check it against), with
//! placeholders that `fixloop validate` names until they are filled in.

use std::path::{Path, PathBuf};

use super::CommandError;
use super::output::print_bytes;
use crate::cli::InitArgs;
use crate::core::exit::ExitCode;
use crate::core::info::schema_json;

/// The schema's file name, next to info.json, and what its `$schema` key says.
pub const SCHEMA_FILE: &str = "info.schema.json";

/// The placeholder of `url`: it has the shape of a run URL, and fails until it is one.
pub const URL_PLACEHOLDER: &str = "https://github.com/OWNER/REPO/actions/runs/RUN_ID";

/// The starting info.json: the two required fields and one source of logs. `prompt` is empty
/// and `url` holds no run id, so the reader refuses the file, naming each, until they are filled.
#[must_use]
pub fn template() -> String {
    format!(
        "{{\n  \"$schema\": \"{SCHEMA_FILE}\",\n  \"prompt\": \"\",\n  \"deterministic\": true,\n  \
         \"url\": \"{URL_PLACEHOLDER}\"\n}}\n"
    )
}

/// What the terminal shows after writing: each field's purpose, and the next commands.
fn guide(info: &Path) -> String {
    format!(
        "Wrote {info}. Fill in:\n\
         \x20 prompt         what failed and what a good fix looks like, in your words\n\
         \x20 deterministic  true when it fails every time, false when it is flaky\n\
         \x20 url            the failed GitHub Actions run; or, instead of url, \"raw-logs\": the\n\
         \x20                failing job's log text or a log file's path\n\
         Optional: \"name\" (the fix/<name> branch), \"test-command\" (your suite, which must pass\n\
         with the fix), \"agent\" (claude, codex, command or manual); the README's info.json table\n\
         has them all. \"$schema\" points editors at {SCHEMA_FILE}, written next to it.\n\
         \n\
         Next: `fixloop validate` checks it, git and the agent; then `fixloop` runs it.\n",
        info = info.display()
    )
}

pub fn init(args: &InitArgs) -> Result<ExitCode, CommandError> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        return Err(
            CommandError::new(ExitCode::Input, format!("{}: not a folder", dir.display()))
                .hint("create it first, or pass --dir with an existing folder"),
        );
    }
    let info = dir.join("info.json");
    if info.exists() && !args.force {
        return Err(CommandError::new(
            ExitCode::Input,
            format!("{}: already exists", info.display()),
        )
        .hint("edit it, or pass --force to replace it with the template"));
    }
    write(&info, &template())?;
    write(&dir.join(SCHEMA_FILE), &schema_json())?;
    print_bytes(guide(&info).as_bytes())?;
    Ok(ExitCode::Success)
}

fn write(path: &Path, text: &str) -> Result<(), CommandError> {
    std::fs::write(path, text).map_err(|e| {
        CommandError::new(
            ExitCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
        .hint("check the folder's permissions and free space")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::info::Info;

    #[test]
    fn the_template_names_its_placeholders_until_they_are_filled() {
        let empty = Info::parse("info.json", &template()).unwrap_err();
        assert_eq!(empty.field.as_deref(), Some("prompt"), "{empty}");
        let prompted = template().replace(
            "\"prompt\": \"\"",
            "\"prompt\": \"tests::parse fails on empty input\"",
        );
        let url = Info::parse("info.json", &prompted).unwrap_err();
        assert_eq!(url.field.as_deref(), Some("url"), "{url}");
        let filled = prompted.replace(
            URL_PLACEHOLDER,
            "https://github.com/acme/app/actions/runs/123456789",
        );
        let info = Info::parse("info.json", &filled).unwrap();
        assert_eq!(info.schema.as_deref(), Some(SCHEMA_FILE));
        assert!(info.deterministic);
    }
}
