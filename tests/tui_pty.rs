//! `fixloop demo` in a real pseudo-terminal, read through a terminal emulator: a person's keys
//! take it through every checkpoint, one revision with typed feedback reaches the agent as
//! `FIXLOOP_FEEDBACK`, the run finishes, and the terminal is given back (alternate screen left,
//! cursor shown).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const COLS: u16 = 110;
const ROWS: u16 = 32;

struct Screen {
    updates: mpsc::Receiver<(String, bool, bool)>,
    text: String,
    alternate: bool,
    cursor_hidden: bool,
}

impl Screen {
    /// Waits until the screen shows `needle`.
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.text.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.updates.recv_timeout(left) {
                Ok((text, alternate, hidden)) => {
                    self.text = text;
                    self.alternate = alternate;
                    self.cursor_hidden = hidden;
                }
                Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("`{needle}` never appeared; the screen:\n{}", self.text)
                }
            }
        }
    }

    /// Whether the screen shows every one of `needles` within `within`.
    fn shows(&mut self, needles: &[&str], within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if needles.iter().all(|n| self.text.contains(n)) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.updates.recv_timeout(left) {
                Ok((text, alternate, hidden)) => {
                    self.text = text;
                    self.alternate = alternate;
                    self.cursor_hidden = hidden;
                }
                Err(_) => return false,
            }
        }
    }

    fn drain(&mut self) {
        while let Ok((text, alternate, hidden)) =
            self.updates.recv_timeout(Duration::from_millis(500))
        {
            self.text = text;
            self.alternate = alternate;
            self.cursor_hidden = hidden;
        }
    }
}

/// fixloop in a pseudo-terminal: its screen (through a terminal emulator), a way to type, the
/// child, and everything it wrote (once it ends).
struct Pty {
    screen: Screen,
    keys: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    raw: mpsc::Receiver<Vec<u8>>,
}

impl Pty {
    fn spawn(sandbox: &support::Sandbox, args: &[&str], cwd: &std::path::Path) -> Self {
        Self::spawn_sized(sandbox, args, cwd, &[], (COLS, ROWS))
    }

    /// fixloop in a pseudo-terminal of `cols` × `rows`, with `env` added to the sandbox's.
    fn spawn_sized(
        sandbox: &support::Sandbox,
        args: &[&str],
        cwd: &std::path::Path,
        env: &[(&str, String)],
        (cols, rows): (u16, u16),
    ) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fixloop"));
        cmd.args(args);
        cmd.cwd(cwd);
        for (k, v) in sandbox.env() {
            cmd.env(k, v);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let keys = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        let (raw_tx, raw_rx) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut parser = vt100::Parser::new(
                std::num::NonZero::new(rows).unwrap(),
                std::num::NonZero::new(cols).unwrap(),
                0,
            );
            let mut buf = vec![0u8; 65536];
            let mut raw = Vec::new();
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        parser.process(&buf[..n]);
                        raw.extend_from_slice(&buf[..n]);
                        let screen = parser.screen();
                        let _ = tx.send((
                            screen.contents(),
                            screen.alternate_screen(),
                            screen.hide_cursor(),
                        ));
                    }
                }
            }
            let _ = raw_tx.send(raw);
        });
        Self {
            screen: Screen {
                updates: rx,
                text: String::new(),
                alternate: false,
                cursor_hidden: false,
            },
            keys,
            child,
            raw: raw_rx,
        }
    }

    fn press(&mut self, key: &str) {
        self.keys.write_all(key.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }
}

#[test]
fn a_person_takes_the_demo_through_every_checkpoint() {
    let sandbox = support::Sandbox::new();
    let dir = sandbox.path().join("demo");
    let dir_arg = dir.display().to_string();
    let Pty {
        mut screen,
        mut keys,
        mut child,
        raw: raw_rx,
    } = Pty::spawn(&sandbox, &["demo", "--dir", &dir_arg], sandbox.path());
    let mut press = |key: &str| {
        keys.write_all(key.as_bytes()).unwrap();
        keys.flush().unwrap();
    };

    screen.wait_for("Checkpoint 1 · before reproduce · attempt 1 ");
    assert!(screen.alternate, "the TUI uses the alternate screen");
    press("a");
    screen.wait_for("Checkpoint 2 · after reproduce");
    assert!(screen.text.contains("✓ verified"), "{}", screen.text);
    press("a");
    screen.wait_for("Checkpoint 3 · before fix · attempt 1 ");
    press("a");
    screen.wait_for("Checkpoint 4 · after fix · attempt 1 · ");
    press("r");
    screen.wait_for("Feedback for the agent");
    press("Please also handle tabs");
    screen.wait_for("Please also handle tabs");
    press("\r");
    screen.wait_for("Checkpoint 5 · before fix · attempt 2 ");
    // The revised prompt carries the feedback, below the instructions: scrolled to, line by
    // line (the feedback box's own text may linger on screen for a frame, its heading never).
    let mut scrolled = 0;
    while !screen.shows(
        &[
            "Reviewer feedback on the previous attempt",
            "Please also handle tabs",
        ],
        Duration::from_millis(100),
    ) {
        assert!(
            scrolled < 300,
            "no feedback in the prompt:\n{}",
            screen.text
        );
        press("j");
        scrolled += 1;
    }
    press("a");
    screen.wait_for("Checkpoint 6 · after fix · attempt 2 · ");
    press("a");
    screen.wait_for("Checkpoint 7 · before push");
    press("P");
    screen.wait_for("✓ success: verified fix pushed on fix/word-count-newlines");
    press("q");
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    screen.drain();
    assert!(!screen.alternate, "the alternate screen was left");
    assert!(!screen.cursor_hidden, "the cursor is shown again");
    let raw = raw_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let left = raw
        .rfind("\u{1b}[?1049l")
        .expect("left the alternate screen");
    assert!(raw.rfind("\u{1b}[?1049h").unwrap() < left);
    assert!(raw.rfind("\u{1b}[?25h").unwrap() > raw.rfind("\u{1b}[?25l").unwrap());
    assert!(
        screen.text.contains("success: verified fix pushed"),
        "the summary is printed after the TUI:\n{}",
        screen.text
    );

    let runs = dir.join("wordstat/outputs/runs");
    let run = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let agent_log = std::fs::read_to_string(run.join("logs/agent-fix-2.log")).unwrap();
    assert!(
        agent_log.contains("reviewer feedback: Please also handle tabs"),
        "FIXLOOP_FEEDBACK reached the agent:\n{agent_log}"
    );
}

#[test]
fn a_person_stops_at_a_checkpoint_and_resumes_later_in_the_terminal() {
    let sandbox = support::Sandbox::new();
    let dir = sandbox.path().join("demo");
    let dir_arg = dir.display().to_string();
    let mut first = Pty::spawn(&sandbox, &["demo", "--dir", &dir_arg], sandbox.path());
    first
        .screen
        .wait_for("Checkpoint 1 · before reproduce · attempt 1 ");
    first.press("a");
    first.screen.wait_for("Checkpoint 2 · after reproduce");
    first.press("a");
    first
        .screen
        .wait_for("Checkpoint 3 · before fix · attempt 1 ");
    // Stopped at the checkpoint, the person leaves: the run stops safely and lets them go.
    first.press("\u{3}");
    let status = first.child.wait().unwrap();
    assert_eq!(status.exit_code(), 130);
    let raw = first.raw.recv_timeout(Duration::from_secs(10)).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let run_id = raw
        .split("fixloop resume ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no resume hint in:\n{raw}"))
        .to_owned();

    // Later, `fixloop resume` brings back the same checkpoint, and the run finishes.
    let workspace = dir.join("wordstat");
    let mut second = Pty::spawn(&sandbox, &["resume", &run_id], &workspace);
    second
        .screen
        .wait_for("Checkpoint 3 · before fix · attempt 1 ");
    second.press("a");
    second
        .screen
        .wait_for("Checkpoint 4 · after fix · attempt 1 · ");
    second.press("a");
    second.screen.wait_for("Checkpoint 5 · before push");
    second.press("P");
    second
        .screen
        .wait_for("✓ success: verified fix pushed on fix/word-count-newlines");
    second.press("q");
    assert!(second.child.wait().unwrap().success());
    let commits = std::process::Command::new("git")
        .args(["rev-list", "--count", "main..fix/word-count-newlines"])
        .current_dir(&workspace)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&commits.stdout).trim(), "1");
}

/// At 80×24, a newcomer's first run through the demo: the first checkpoint shows what they
/// asked on its first screen; after three revisions, `r` says none are left and the
/// feedback typed after it (with `a`, Enter, `x` and spaces) acts as no key; the run ends on a
/// summary with the run id and the next commands.
#[test]
fn at_80x24_the_demo_leads_with_the_decision_and_ends_on_a_summary() {
    let sandbox = support::Sandbox::new();
    let dir = sandbox.path().join("demo");
    let dir_arg = dir.display().to_string();
    let mut pty = Pty::spawn_sized(
        &sandbox,
        &["demo", "--dir", &dir_arg],
        sandbox.path(),
        &[],
        (80, 24),
    );
    pty.screen
        .wait_for("Checkpoint 1 · before reproduce · attempt 1 ");
    pty.screen.wait_for("What you asked:");
    assert!(
        pty.screen
            .shows(&["a/Enter  start", "?  help"], Duration::from_secs(10)),
        "{}",
        pty.screen.text
    );
    // Three revisions of the reproduction use up the person's revisions.
    pty.press("a");
    for attempt in 2..=4 {
        pty.screen
            .wait_for(&format!("after reproduce · attempt {} · ", attempt - 1));
        pty.press("r");
        pty.screen.wait_for("Feedback for the agent");
        pty.press("same again");
        pty.press("\r");
        pty.screen
            .wait_for(&format!("before reproduce · attempt {attempt} "));
        pty.press("a");
    }
    pty.screen
        .wait_for("after reproduce · attempt 4 · no revisions left");
    pty.press("r");
    pty.screen.wait_for("No revisions left");
    pty.press("try again\rand x a");
    assert!(
        !pty.screen.shows(&["before fix"], Duration::from_secs(2)),
        "typed text acted as keys:\n{}",
        pty.screen.text
    );
    assert!(
        pty.screen.text.contains("No revisions left"),
        "{}",
        pty.screen.text
    );
    pty.press("\u{1b}");
    pty.screen.wait_for(" a  approve");
    pty.press("a");
    pty.screen.wait_for("before fix · attempt 1 ");
    pty.press("a");
    pty.screen.wait_for("after fix · attempt 1 · ");
    pty.press("a");
    pty.screen.wait_for("before push");
    pty.press("P");
    pty.screen.wait_for("Summary");
    pty.screen.wait_for("Next:");
    assert!(pty.screen.text.contains("✓ success"), "{}", pty.screen.text);
    assert!(pty.screen.text.contains("run "), "{}", pty.screen.text);
    pty.press("q");
    assert!(pty.child.wait().unwrap().success());
}

/// A run that cannot start (its agent is not installed) says so in full, wrapped by the
/// terminal, before any screen is drawn: the install command is not cut at 80 columns.
#[test]
fn at_80x24_a_missing_agent_s_hint_is_read_whole() {
    let sandbox = support::Sandbox::new();
    let repo = sandbox.python_project();
    sandbox.info(
        &repo,
        &serde_json::json!({
            "prompt": "tests/test_calc.py fails: add(1, 1) is not 2.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "add",
        }),
    );
    let empty = sandbox.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let path = format!("{}:{}", empty.display(), std::env::var("PATH").unwrap());
    let mut pty = Pty::spawn_sized(
        &sandbox,
        &["run", "--agent", "claude"],
        &repo,
        &[("PATH", path)],
        (80, 24),
    );
    let status = pty.child.wait().unwrap();
    assert_eq!(status.exit_code(), 69);
    pty.screen.drain();
    let joined = pty.screen.text.replace('\n', "");
    assert!(
        joined.contains("npm install -g @anthropic-ai/claude-code"),
        "{}",
        pty.screen.text
    );
    assert!(!repo.join("outputs").exists());
}
