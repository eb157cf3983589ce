//! Why a step could not be carried out: a class that decides the exit code, a message that says
//! what went wrong, and hints that say what to do, kept apart so each frontend shows them its way.

use super::event::FailureClass;
use super::input::InputError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StepError {
    pub class: FailureClass,
    pub message: String,
    pub hints: Vec<String>,
}

impl StepError {
    #[must_use]
    pub fn new(class: FailureClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// Bad input: info.json, a manifest, a log file (exit 65).
    #[must_use]
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(FailureClass::Input, message)
    }

    /// A tool or service fixloop needs is not there (exit 69).
    #[must_use]
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(FailureClass::Unavailable, message)
    }

    /// A local write failed: full disk, permissions (exit 74).
    #[must_use]
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(FailureClass::Io, message)
    }

    /// The run's budget is spent (exit 3); a resume with a larger one goes on.
    #[must_use]
    pub fn budget(message: impl Into<String>) -> Self {
        Self::new(FailureClass::Budget, message)
    }

    /// Anything else (exit 1).
    #[must_use]
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(FailureClass::Error, message)
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// The message followed by each hint on its own `  hint:` line: the form plain text and
    /// earlier journals use.
    #[must_use]
    pub fn with_hints(&self) -> String {
        let mut text = self.message.clone();
        for hint in &self.hints {
            text.push_str("\n  hint: ");
            text.push_str(hint);
        }
        text
    }
}

/// A file the user or an agent wrote is wrong: where, what, and what to write.
impl From<InputError> for StepError {
    fn from(e: InputError) -> Self {
        let mut error = Self::input(e.to_string());
        if !e.hint.is_empty() {
            error.hints.push(e.hint);
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_stay_apart_until_the_text_is_written() {
        let e = StepError::input("info.json: field `url`: not a run URL")
            .hint("copy the URL of the run's page")
            .hint("or use raw-logs");
        assert_eq!(e.to_string(), "info.json: field `url`: not a run URL");
        assert_eq!(e.class.exit_code(), crate::core::exit::ExitCode::Input);
        assert_eq!(
            e.with_hints(),
            "info.json: field `url`: not a run URL\n  hint: copy the URL of the run's page\n  \
             hint: or use raw-logs"
        );
    }
}
