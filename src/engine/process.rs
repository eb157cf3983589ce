//! Child processes: each in its own process group, stdin closed or fed, output read line by line
//! (lossy UTF-8), written in full to a log file and handed on in batches; a time budget or a
//! cancel sends SIGTERM to the whole group, then SIGKILL after a grace period. When the child
//! exits, whatever it left running in its group is ended too.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::{mpsc, watch};

/// How often output is handed on.
pub(crate) const BATCH_EVERY: Duration = Duration::from_millis(50);
/// A line longer than this is cut in events (the log file keeps it whole).
const MAX_LINE: usize = 16 * 1024;
/// Lines kept from the end of the output for the result.
const TAIL: usize = 80;

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
    #[error("cannot write the log file {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs a child to its end. `sink` receives batches of lines; `cancel` turning `true` stops it.
pub async fn run(
    spec: &Spec,
    sink: &mut (dyn FnMut(Vec<Line>) + Send),
    cancel: &mut watch::Receiver<bool>,
) -> Result<Finished, SpawnError> {
    let started = Instant::now();
    let mut log = open_log(&spec.log).await?;
    let stdin = if spec.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let (mut child, group) = spawn(spec, stdin, Stdio::piped(), Stdio::piped())?;
    let mut rx = connect(&mut child, spec.stdin.clone());

    let mut batch = Vec::new();
    let mut tail = VecDeque::with_capacity(TAIL);
    let mut ticker = tokio::time::interval(BATCH_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = spec.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut ending = None;
    let mut stopping_since: Option<tokio::time::Instant> = None;
    let mut streams_open = true;

    loop {
        if ending.is_some() && !streams_open {
            break;
        }
        tokio::select! {
            line = rx.recv(), if streams_open => match line {
                Some(line) => {
                    record(line, &mut log, &mut tail, &mut batch).await;
                    if batch.len() >= 2000 {
                        sink(std::mem::take(&mut batch));
                    }
                }
                None => streams_open = false,
            },
            _ = ticker.tick() => {
                if !batch.is_empty() {
                    sink(std::mem::take(&mut batch));
                }
                if let Some(since) = stopping_since {
                    if since.elapsed() >= spec.grace {
                        signal_group(group, Signal::SIGKILL);
                    }
                    if since.elapsed() >= spec.grace * 2 {
                        // Something outside the group (it called setsid) holds the pipes open:
                        // stop reading rather than wait for it.
                        streams_open = false;
                    }
                }
            }
            status = child.wait(), if ending.is_none() => {
                let status = status.map_err(|source| SpawnError::Io { program: spec.program.clone(), source })?;
                ending = Some(ending_of(status));
                // Whatever the child left running in its group ends with it.
                signal_group(group, Signal::SIGTERM);
                stopping_since.get_or_insert_with(tokio::time::Instant::now);
            }
            () = sleep_until(deadline), if ending.is_none() && stopping_since.is_none() => {
                stopping_since = Some(tokio::time::Instant::now());
                signal_group(group, Signal::SIGTERM);
                ending = Some(Ending::TimedOut);
            }
            changed = cancel.changed(), if stopping_since.is_none() => {
                if changed.is_err() || *cancel.borrow() {
                    stopping_since = Some(tokio::time::Instant::now());
                    signal_group(group, Signal::SIGTERM);
                    ending = Some(Ending::Cancelled);
                }
            }
        }
        if matches!(ending, Some(Ending::TimedOut | Ending::Cancelled)) {
            // Wait for the child itself to go (SIGKILL comes from the ticker after the grace).
            wait_or_kill(&mut child, group, spec.grace).await;
            signal_group(group, Signal::SIGKILL);
            // Drain what the group wrote before it died.
            while let Ok(Some(line)) =
                tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
            {
                record(line, &mut log, &mut tail, &mut batch).await;
            }
            break;
        }
    }
    signal_group(group, Signal::SIGKILL);
    if !batch.is_empty() {
        sink(batch);
    }
    let _ = log.flush().await;
    Ok(Finished {
        ending: ending.unwrap_or(Ending::Exited(-1)),
        duration: started.elapsed(),
        tail: tail.into_iter().collect(),
    })
}

/// The log file, with its folder; it is written through a buffer, flushed when the child ends.
async fn open_log(path: &Path) -> Result<BufWriter<tokio::fs::File>, SpawnError> {
    let log_error = |source| SpawnError::Log {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(log_error)?;
    }
    let log = tokio::fs::File::create(path).await.map_err(log_error)?;
    Ok(BufWriter::new(log))
}

/// Feeds the child's stdin (then closes it) and reads both its output streams into one channel,
/// each on a task of its own, so a child that blocks on one stream never stalls the other.
fn connect(child: &mut tokio::process::Child, input: Option<Vec<u8>>) -> mpsc::Receiver<Line> {
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        tokio::spawn(async move {
            // A child that exits without reading its stdin closes the pipe; that is its choice.
            let _ = stdin.write_all(&bytes).await;
            let _ = stdin.shutdown().await;
        });
    }
    let (tx, rx) = mpsc::channel::<Line>(4096);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, false, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, true, tx.clone()));
    }
    rx
}

fn ending_of(status: std::process::ExitStatus) -> Ending {
    match (
        status.code(),
        std::os::unix::process::ExitStatusExt::signal(&status),
    ) {
        (Some(code), _) => Ending::Exited(code),
        (None, Some(sig)) => Ending::Signalled(sig),
        _ => Ending::Exited(-1),
    }
}

/// Gives a child told to stop its grace period to exit, then kills its group and reaps it.
async fn wait_or_kill(child: &mut tokio::process::Child, group: Option<Pid>, grace: Duration) {
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        signal_group(group, Signal::SIGKILL);
        let _ = child.wait().await;
    }
}

/// A line's three destinations: the log file (in full), the tail, the next batch (cut).
async fn record(
    line: Line,
    log: &mut BufWriter<tokio::fs::File>,
    tail: &mut VecDeque<String>,
    batch: &mut Vec<Line>,
) {
    // A full disk must not stop the step; the events still carry the output.
    let line = Line {
        text: super::secrets::redact(&line.text).into_owned(),
        ..line
    };
    let _ = log.write_all(line.text.as_bytes()).await;
    let _ = log.write_all(b"\n").await;
    if tail.len() == TAIL {
        tail.pop_front();
    }
    tail.push_back(line.text.clone());
    batch.push(cut(line));
}

/// Runs a child with stdout and stderr written straight to `spec.log` (no live lines): the lean
/// path for stress runs, where only the outcome and a failing run's log matter. Same process
/// group, time budget and clean-up rules as [`run`].
pub async fn run_to_file(
    spec: &Spec,
    cancel: &mut watch::Receiver<bool>,
) -> Result<Finished, SpawnError> {
    let started = Instant::now();
    let log_error = |source| SpawnError::Log {
        path: spec.log.clone(),
        source,
    };
    let out = std::fs::File::create(&spec.log).map_err(log_error)?;
    let err = out.try_clone().map_err(log_error)?;
    let (mut child, group) = spawn(spec, Stdio::null(), Stdio::from(out), Stdio::from(err))?;
    let deadline = spec.timeout.map(|t| tokio::time::Instant::now() + t);
    let ending = tokio::select! {
        status = child.wait() => {
            let status = status.map_err(|source| SpawnError::Io { program: spec.program.clone(), source })?;
            ending_of(status)
        }
        () = sleep_until(deadline) => Ending::TimedOut,
        () = wait_cancel(cancel) => Ending::Cancelled,
    };
    if matches!(ending, Ending::TimedOut | Ending::Cancelled) {
        signal_group(group, Signal::SIGTERM);
        wait_or_kill(&mut child, group, spec.grace).await;
    } else {
        // Whatever the child left running in its group ends with it.
        signal_group(group, Signal::SIGTERM);
    }
    signal_group(group, Signal::SIGKILL);
    Ok(Finished {
        ending,
        duration: started.elapsed(),
        tail: Vec::new(),
    })
}

/// Starts `spec`'s program in its own process group with these streams; returns the child and
/// its group (to signal everything it starts).
fn spawn(
    spec: &Spec,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
) -> Result<(tokio::process::Child, Option<Pid>), SpawnError> {
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
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    Ok((child, group))
}

async fn wait_cancel(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn signal_group(group: Option<Pid>, signal: Signal) {
    if let Some(pid) = group {
        // ESRCH (the group is gone) is the common, good case.
        let _ = killpg(pid, signal);
    }
}

fn cut(mut line: Line) -> Line {
    if line.text.len() > MAX_LINE {
        let mut end = MAX_LINE;
        while !line.text.is_char_boundary(end) {
            end -= 1;
        }
        line.text.truncate(end);
        line.text.push_str(" …[cut]");
    }
    line
}

async fn read_lines(stream: impl AsyncRead + Unpin, stderr: bool, tx: mpsc::Sender<Line>) {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut buf = Vec::with_capacity(256);
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                if tx.send(Line { stderr, text }).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// The processes this user can see (none where there is no `/proc`).
fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
}

/// Kills what is left of a run's children after fixloop itself was killed (`kill -9`, a crash):
/// every process whose environment carries `FIXLOOP_RUN_DIR=<the run's folder>` — agents, test
/// runs, and whatever they started. Returns their pids. Reads `/proc`, so it finds nothing
/// where there is none.
#[must_use]
pub fn stop_leftovers(run_dir: &std::path::Path) -> Vec<u32> {
    let run_dir = run_dir
        .canonicalize()
        .unwrap_or_else(|_| run_dir.to_path_buf());
    let marker = format!("FIXLOOP_RUN_DIR={}", run_dir.display());
    let own = std::process::id();
    let mut stopped = Vec::new();
    // A process may start another while the first is being killed: look again until none is left.
    for _ in 0..10 {
        let found: Vec<u32> = pids()
            .filter(|pid| *pid != own)
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == marker.as_bytes()))
            })
            .collect();
        if found.is_empty() {
            break;
        }
        for pid in &found {
            if let Ok(raw) = i32::try_from(*pid) {
                let _ = nix::sys::signal::kill(Pid::from_raw(raw), Signal::SIGKILL);
            }
            if !stopped.contains(pid) {
                stopped.push(*pid);
            }
        }
        // Run before any async work starts (`resume`, `clean`): nothing else is held up.
        #[expect(
            clippy::disallowed_methods,
            reason = "called from command setup, before the run's tasks start"
        )]
        std::thread::sleep(Duration::from_millis(20));
    }
    stopped
}

/// Waits (up to `max`) for git commands still working in `repo` or its worktrees — a killed
/// run's commit or push finishing on its own — so that a resumed run does not find their locks.
/// They are not killed: a git command cut short leaves its lock files behind. Returns whether
/// none is left.
#[must_use]
pub fn wait_for_git(repo: &std::path::Path, max: Duration) -> bool {
    let repo = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
    let deadline = Instant::now() + max;
    loop {
        let busy = pids().any(|pid| {
            let is_git = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "git" || comm.starts_with("git-"));
            is_git
                && std::fs::read_link(format!("/proc/{pid}/cwd"))
                    .is_ok_and(|cwd| cwd.starts_with(&repo))
        });
        if !busy {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "called from command setup, before the run's tasks start"
        )]
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last `max` bytes of a (log) file, as text; empty when it cannot be read.
#[must_use]
pub fn read_tail(path: &std::path::Path, max: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len > max {
        let _ = file.seek(SeekFrom::Start(len - max));
    }
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
