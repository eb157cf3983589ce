//! Exit codes: an API scripts and CI rely on (the README's table), one name each.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "i32", try_from = "i32")]
pub enum ExitCode {
    /// A verified fix exists (pushed; PR opened unless `--no-pr`); or the command did its job.
    Success,
    /// No verified fix; or the command failed.
    Failed,
    /// A command-line usage error.
    Usage,
    /// Needs review: a checkpoint the policy would not approve, or a partial result.
    Partial,
    /// Invalid input: info.json, a log file, repro.json.
    Input,
    /// No such run: no run in the workspace or in the user's index of runs has that id (or an
    /// id beginning with it).
    NoSuchRun,
    /// A needed tool or service is unavailable.
    Unavailable,
    /// A local I/O error: the journal, a log or the report could not be written (full disk,
    /// permissions); the run can be resumed once it is fixed.
    Io,
    /// Interrupted (Ctrl-C, SIGTERM); the run can be resumed.
    Interrupted,
}

impl ExitCode {
    pub const ALL: [Self; 9] = [
        Self::Success,
        Self::Failed,
        Self::Usage,
        Self::Partial,
        Self::Input,
        Self::NoSuchRun,
        Self::Unavailable,
        Self::Io,
        Self::Interrupted,
    ];

    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failed => 1,
            Self::Usage => 2,
            Self::Partial => 3,
            Self::Input => 65,
            Self::NoSuchRun => 66,
            Self::Unavailable => 69,
            Self::Io => 74,
            Self::Interrupted => 130,
        }
    }
}

impl From<ExitCode> for i32 {
    fn from(code: ExitCode) -> Self {
        i32::from(code.code())
    }
}

/// A number that is not one of fixloop's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not one of fixloop's exit codes")]
pub struct UnknownExitCode(pub i32);

impl TryFrom<i32> for ExitCode {
    type Error = UnknownExitCode;

    fn try_from(code: i32) -> Result<Self, UnknownExitCode> {
        Self::ALL
            .into_iter()
            .find(|c| i32::from(*c) == code)
            .ok_or(UnknownExitCode(code))
    }
}

impl std::fmt::Display for ExitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_readmes_numbers_and_journal_as_numbers() {
        let numbers: Vec<u8> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 65, 66, 69, 74, 130]);
        for code in ExitCode::ALL {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, code.to_string());
            assert_eq!(serde_json::from_str::<ExitCode>(&json).ok(), Some(code));
        }
        assert!(serde_json::from_str::<ExitCode>("75").is_err());
    }
}
