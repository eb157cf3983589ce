//! The live runner: a child's two output streams read through bounded buffers, each line
//! redacted, written in full to the log, kept in the tail and handed on in batches (cut to
//! `MAX_LINE`). A log that cannot be written stops the child and is the error.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, watch};

use super::child::{ending_of, sleep_until, spawn, wait_or_kill};
use super::lines::{Piece, cut, mark_cut, read_pieces};
use super::reaper::{Below, Step};
use super::spec::{Ending, Finished, Line, SpawnError, Spec};
use crate::engine::secrets::redact;

/// How often output is handed on.
const BATCH_EVERY: Duration = Duration::from_millis(50);
/// A batch is handed on early once it holds this many lines or bytes.
const BATCH_LINES: usize = 2000;
const BATCH_BYTES: usize = 1 << 20;
/// Lines kept from the end of the output for the result.
const TAIL: usize = 80;
/// Reads in flight between the stream readers and the runner: each is the pieces one read of at
/// most 64 KiB made (with the part of a long line it completed), so this bounds the memory.
const IN_FLIGHT: usize = 4;
/// How many batch ticks go by between two reapings of orphans during a long step.
const REAP_EVERY: u32 = 40;

/// Runs a child to its end. `sink` receives batches of lines; `cancel` turning `true` stops it.
pub async fn run(
    spec: &Spec,
    sink: &mut (dyn FnMut(Vec<Line>) + Send),
    cancel: &mut watch::Receiver<bool>,
) -> Result<Finished, SpawnError> {
    let started = Instant::now();
    let mut output = Output::open(&spec.log).await?;
    let stdin = if spec.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut step = Step::begin();
    let mut child = spawn(spec, &mut step, stdin, Stdio::piped(), Stdio::piped())?;
    let mut rx = connect(&mut child, spec.stdin.clone());

    let mut ticker = tokio::time::interval(BATCH_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = spec.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut ending = None;
    let mut stopping_since: Option<tokio::time::Instant> = None;
    let mut streams_open = true;
    let mut ticks = 0u32;

    loop {
        if ending.is_some() && !streams_open {
            break;
        }
        tokio::select! {
            pieces = rx.recv(), if streams_open => match pieces {
                Some(pieces) => {
                    for piece in pieces {
                        output.record(piece).await;
                        if output.batch_full() {
                            sink(output.take_batch());
                        }
                    }
                    if output.failure.is_some() && stopping_since.is_none() {
                        // What the child says can no longer be kept: stop it.
                        stopping_since = Some(tokio::time::Instant::now());
                        step.signal(Signal::SIGTERM);
                        ending = Some(Ending::Cancelled);
                    }
                }
                None => streams_open = false,
            },
            _ = ticker.tick() => {
                if !output.batch.is_empty() {
                    sink(output.take_batch());
                }
                if let Some(since) = stopping_since {
                    if since.elapsed() >= spec.grace {
                        step.signal(Signal::SIGKILL);
                    }
                    if since.elapsed() >= spec.grace * 2 {
                        // Something no step owns holds the pipes open: stop reading rather
                        // than wait for it.
                        streams_open = false;
                    }
                }
                ticks = ticks.wrapping_add(1);
                if ticks.is_multiple_of(REAP_EVERY) {
                    Below::look().reap(&HashSet::new());
                }
            }
            status = child.wait(), if ending.is_none() => {
                let status = status.map_err(|source| SpawnError::Io { program: spec.program.clone(), source })?;
                ending = Some(ending_of(status));
                // Whatever the child left running ends with it.
                step.signal(Signal::SIGTERM);
                stopping_since.get_or_insert_with(tokio::time::Instant::now);
            }
            () = sleep_until(deadline), if ending.is_none() && stopping_since.is_none() => {
                stopping_since = Some(tokio::time::Instant::now());
                step.signal(Signal::SIGTERM);
                ending = Some(Ending::TimedOut);
            }
            changed = cancel.changed(), if stopping_since.is_none() => {
                if changed.is_err() || *cancel.borrow() {
                    stopping_since = Some(tokio::time::Instant::now());
                    step.signal(Signal::SIGTERM);
                    ending = Some(Ending::Cancelled);
                }
            }
        }
        if matches!(ending, Some(Ending::TimedOut | Ending::Cancelled)) {
            wind_down(&mut child, &mut step, &mut rx, &mut output, spec.grace).await;
            break;
        }
    }
    step.end(spec.grace).await;
    let (tail, batch, failure) = output.close().await;
    if !batch.is_empty() {
        sink(batch);
    }
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(Finished {
        ending: ending.unwrap_or(Ending::Exited(-1)),
        duration: started.elapsed(),
        tail: tail.into_iter().collect(),
    })
}

/// After a timeout, a cancel or a failed log write: the child's grace (SIGKILL after it), the
/// rest of the step ended, and what they wrote before they died read (for a bounded time, in
/// case something no step owns holds the pipes and goes on writing).
async fn wind_down(
    child: &mut tokio::process::Child,
    step: &mut Step,
    rx: &mut mpsc::Receiver<Vec<Piece>>,
    output: &mut Output,
    grace: Duration,
) {
    wait_or_kill(child, step, grace).await;
    step.signal_group(Signal::SIGKILL);
    step.end(grace).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(Some(pieces)) =
            tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
        {
            for piece in pieces {
                output.record(piece).await;
            }
        }
    })
    .await;
}

/// A child's output on its way out: the log file (in full), the tail and the next batch (cut).
struct Output {
    path: PathBuf,
    /// Written through a buffer, flushed when the child ends.
    log: BufWriter<tokio::fs::File>,
    /// The first failed write to the log; nothing more is written to it after.
    failure: Option<std::io::Error>,
    tail: VecDeque<String>,
    batch: Vec<Line>,
    batch_bytes: usize,
}

impl Output {
    /// The log file, with its folder.
    async fn open(path: &Path) -> Result<Self, SpawnError> {
        let log_error = |source| SpawnError::Log {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(log_error)?;
        }
        let log = tokio::fs::File::create(path).await.map_err(log_error)?;
        Ok(Self {
            path: path.to_path_buf(),
            log: BufWriter::new(log),
            failure: None,
            tail: VecDeque::with_capacity(TAIL),
            batch: Vec::new(),
            batch_bytes: 0,
        })
    }

    /// A piece's destinations. A long line's parts go to the log as they come (the other
    /// stream's lines may then fall inside it, as on a terminal); its cut head goes on.
    async fn record(&mut self, piece: Piece) {
        match piece {
            Piece::Line(line) => {
                let text = owned(redact(&line.text)).unwrap_or(line.text);
                self.write(text.as_bytes()).await;
                self.write(b"\n").await;
                self.push(cut(Line { text, ..line }));
            }
            Piece::Part(part) => self.write(redact(&part).as_bytes()).await,
            Piece::End { rest, head } => {
                self.write(redact(&rest).as_bytes()).await;
                self.write(b"\n").await;
                let text = owned(redact(&head.text)).unwrap_or(head.text);
                self.push(Line {
                    text: mark_cut(text),
                    ..head
                });
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        if self.failure.is_none()
            && let Err(error) = self.log.write_all(bytes).await
        {
            self.failure = Some(error);
        }
    }

    fn push(&mut self, line: Line) {
        if self.tail.len() == TAIL {
            self.tail.pop_front();
        }
        self.tail.push_back(line.text.clone());
        self.batch_bytes += line.text.len();
        self.batch.push(line);
    }

    fn batch_full(&self) -> bool {
        self.batch.len() >= BATCH_LINES || self.batch_bytes >= BATCH_BYTES
    }

    fn take_batch(&mut self) -> Vec<Line> {
        self.batch_bytes = 0;
        std::mem::take(&mut self.batch)
    }

    /// Flushes the log; the tail, the last batch and the log's failure, if any.
    async fn close(mut self) -> (VecDeque<String>, Vec<Line>, Option<SpawnError>) {
        if self.failure.is_none()
            && let Err(error) = self.log.flush().await
        {
            self.failure = Some(error);
        }
        let failure = self.failure.map(|source| SpawnError::LogWrite {
            path: self.path,
            source,
        });
        (self.tail, self.batch, failure)
    }
}

fn owned(text: Cow<'_, str>) -> Option<String> {
    match text {
        Cow::Owned(text) => Some(text),
        Cow::Borrowed(_) => None,
    }
}

/// Feeds the child's stdin (then closes it) and reads both its output streams into one channel,
/// each on a task of its own, so a child that blocks on one stream never stalls the other.
fn connect(
    child: &mut tokio::process::Child,
    input: Option<Vec<u8>>,
) -> mpsc::Receiver<Vec<Piece>> {
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        tokio::spawn(async move {
            // A child that exits without reading its stdin closes the pipe; that is its choice.
            let _ = stdin.write_all(&bytes).await;
            let _ = stdin.shutdown().await;
        });
    }
    let (tx, rx) = mpsc::channel::<Vec<Piece>>(IN_FLIGHT);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_pieces(out, false, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_pieces(err, true, tx.clone()));
    }
    rx
}
