//! What the process runner is asked for and what it answers: the child to start, its output's
//! lines, how it ended, and why it could not be run or its output not kept.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Spec {
    pub program: String,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub env_remove: Vec<String>,
    /// Bytes written to stdin, which is then closed; `None` gives the child no stdin at all.
    pub stdin: Option<Vec<u8>>,
    pub log: PathBuf,
    pub timeout: Option<Duration>,
    pub grace: Duration,
    /// Whether the child carries its step's marker in its environment. A check that must not be
    /// told apart from an ordinary program run goes without: its processes are then found by
    /// its process group and, for orphans, by when they started (fixloop runs nothing else
    /// meanwhile).
    pub marked: bool,
}

impl Spec {
    /// `sh -c COMMAND` in `cwd`, logging to `log`.
    #[must_use]
    pub fn shell(command: &str, cwd: PathBuf, log: PathBuf) -> Self {
        Self {
            program: "sh".into(),
            args: vec!["-c".into(), command.into()],
            cwd,
            env: Vec::new(),
            env_remove: Vec::new(),
            stdin: None,
            log,
            timeout: None,
            grace: Duration::from_secs(3),
            marked: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub stderr: bool,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    Signalled(i32),
    TimedOut,
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct Finished {
    pub ending: Ending,
    pub duration: Duration,
    /// The last lines of output (both streams, in order).
    pub tail: Vec<String>,
}

impl Finished {
    #[must_use]
    pub fn success(&self) -> bool {
        self.ending == Ending::Exited(0)
    }

    #[must_use]
    pub fn exit_code(&self) -> Option<i32> {
        match self.ending {
            Ending::Exited(code) => Some(code),
            _ => None,
        }
    }

    #[must_use]
    pub fn tail_text(&self) -> String {
        self.tail.join("\n")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("`{program}` was not found on PATH")]
    NotFound { program: String },
    #[error("cannot start `{program}`: {source}")]
    Io {
        program: String,
        source: std::io::Error,
    },
    /// The log file could not be made.
    #[error("cannot write the log file {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Writing the log file failed while the child ran (a full disk, say): the child was
    /// stopped, since what it said could no longer be kept.
    #[error("writing the log file {path} failed: {source}")]
    LogWrite {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SpawnError {
    /// The child's output could not be kept (its log could not be made or written): a local
    /// I/O failure, not the program's.
    #[must_use]
    pub fn is_log(&self) -> bool {
        matches!(self, Self::Log { .. } | Self::LogWrite { .. })
    }
}
