//! The lean runner, for stress runs: both output streams go through one pipe (which keeps their
//! order) straight to the log, with no lines or events; only the outcome and, for a failing run,
//! the log matter. The pipe is read by fixloop rather than handed to the child as the log file
//! itself, so that a log that cannot be written is seen: the child is then stopped and the run
//! is an error.

use std::io::Write;
use std::process::Stdio;
use std::time::Instant;

use nix::sys::signal::Signal;
use tokio::sync::watch;

use super::child::{ending_of, sleep_until, spawn, wait_cancel, wait_or_kill};
use super::reaper::Step;
use super::spec::{Ending, Finished, SpawnError, Spec};

/// Runs a child with stdout and stderr written to `spec.log` (no live lines): the lean path for
/// stress runs, where only the outcome and a failing run's log matter. The output comes through
/// fixloop, one pipe for both streams (which keeps their order), so that a log that cannot be
/// written is seen: the child is then stopped and the run is an error. Same process group, time
/// budget and clean-up rules as [`run`].
pub async fn run_to_file(
    spec: &Spec,
    cancel: &mut watch::Receiver<bool>,
) -> Result<Finished, SpawnError> {
    let started = Instant::now();
    let log_error = |source| SpawnError::Log {
        path: spec.log.clone(),
        source,
    };
    let start_error = |source| SpawnError::Io {
        program: spec.program.clone(),
        source,
    };
    let log = std::fs::File::create(&spec.log).map_err(log_error)?;
    let (reader, writer) = std::io::pipe().map_err(start_error)?;
    let writer_err = writer.try_clone().map_err(start_error)?;
    // A close-on-exec pipe, as `ChildStdout` requires, read on the runtime like a child's own.
    let reader = tokio::process::ChildStdout::from_std(std::process::ChildStdout::from(
        std::os::fd::OwnedFd::from(reader),
    ))
    .map_err(start_error)?;
    let mut step = Step::begin();
    let mut child = spawn(
        spec,
        &mut step,
        Stdio::null(),
        Stdio::from(writer),
        Stdio::from(writer_err),
    )?;
    let mut copy = Copy {
        from: reader,
        to: log,
        buf: Vec::with_capacity(64 * 1024),
        open: true,
    };
    let deadline = spec.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut failure = None;
    let ending = loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.map_err(|source| SpawnError::Io { program: spec.program.clone(), source })?;
                break ending_of(status);
            }
            () = sleep_until(deadline) => break Ending::TimedOut,
            () = wait_cancel(cancel) => break Ending::Cancelled,
            copied = copy.next(), if copy.open => {
                if let Err(error) = copied {
                    failure = Some(error);
                    break Ending::Cancelled;
                }
            }
        }
    };
    if matches!(ending, Ending::TimedOut | Ending::Cancelled) {
        step.signal(Signal::SIGTERM);
        wait_or_kill(&mut child, &step, spec.grace).await;
    } else {
        // Whatever the child left running in its group ends with it.
        step.signal_group(Signal::SIGTERM);
    }
    step.signal_group(Signal::SIGKILL);
    step.end(spec.grace).await;
    if failure.is_none() {
        // What is still in the pipe. Every writer is gone now, unless something no step owns
        // holds the pipe: then stop waiting for it.
        let rest = tokio::time::timeout(spec.grace, async {
            while copy.open {
                copy.next().await?;
            }
            Ok(())
        });
        failure = rest.await.unwrap_or(Ok(())).err();
    }
    if let Some(source) = failure {
        return Err(SpawnError::LogWrite {
            path: spec.log.clone(),
            source,
        });
    }
    Ok(Finished {
        ending,
        duration: started.elapsed(),
        tail: Vec::new(),
    })
}

/// A run's output on its way from the pipe to its log.
struct Copy {
    from: tokio::process::ChildStdout,
    to: std::fs::File,
    buf: Vec<u8>,
    /// Until every writer has closed the pipe (or reading it failed: what was read is kept).
    open: bool,
}

impl Copy {
    /// Copies what the pipe holds next; a failed write to the log is the error.
    async fn next(&mut self) -> std::io::Result<()> {
        use tokio::io::AsyncReadExt;
        self.buf.clear();
        match self.from.read_buf(&mut self.buf).await {
            Ok(0) | Err(_) => {
                self.open = false;
                Ok(())
            }
            // A write to a file does not wait for the disk: it returns once the page cache has
            // the bytes.
            Ok(_) => self.to.write_all(&self.buf),
        }
    }
}
