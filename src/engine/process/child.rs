//! Starting a child in its own process group with its step's marker, and waiting for it: its
//! exit, its time budget, a cancel, a grace period before SIGKILL.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::watch;

use super::reaper::{STEP_VAR, Step};
use super::spec::{Ending, SpawnError, Spec};

/// Starts `spec`'s program in its own process group, with these streams and the step's marker.
pub(super) fn spawn(
    spec: &Spec,
    step: &mut Step,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
) -> Result<tokio::process::Child, SpawnError> {
    let mut command = tokio::process::Command::new(&spec.program);
    command
        .args(&spec.args)
        .current_dir(&spec.cwd)
        .process_group(0)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true);
    for name in &spec.env_remove {
        command.env_remove(name);
    }
    command.envs(spec.env.iter().map(|(k, v)| (k, v)));
    // Last, so no spec can drop or change it: it is how the step's processes are found.
    if spec.marked {
        command.env(STEP_VAR, step.id());
    } else {
        command.env_remove(STEP_VAR);
    }
    let child = command.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SpawnError::NotFound {
                program: spec.program.clone(),
            }
        } else {
            SpawnError::Io {
                program: spec.program.clone(),
                source,
            }
        }
    })?;
    step.started(child.id());
    Ok(child)
}

pub(super) fn ending_of(status: std::process::ExitStatus) -> Ending {
    match (
        status.code(),
        std::os::unix::process::ExitStatusExt::signal(&status),
    ) {
        (Some(code), _) => Ending::Exited(code),
        (None, Some(sig)) => Ending::Signalled(sig),
        _ => Ending::Exited(-1),
    }
}

/// Gives a child told to stop its grace period to exit, then kills it and its group and reaps it.
pub(super) async fn wait_or_kill(child: &mut tokio::process::Child, step: &Step, grace: Duration) {
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        step.signal_group(Signal::SIGKILL);
        // The child itself too, should it have left its group.
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
}

pub(super) async fn wait_cancel(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

pub(super) async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
