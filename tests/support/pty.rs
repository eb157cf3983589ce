//! fixloop in a pseudo-terminal, for the tests that need a terminal: everything it wrote (raw,
//! and as a terminal shows it), a way to type, and its exit code.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "shared test helpers: a panic is a failed test, and not every test uses each helper"
)]

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::support::Sandbox;

/// fixloop in a pseudo-terminal: everything it wrote, and the screen that makes.
pub struct Pty {
    raw: Arc<Mutex<Vec<u8>>>,
    keys: Box<dyn std::io::Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

const COLS: u16 = 120;
const ROWS: u16 = 40;

impl Pty {
    pub fn spawn(sandbox: &Sandbox, args: &[&str], cwd: &Path, env: &[(&str, String)]) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
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
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let keys = pair.master.take_writer().unwrap();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let sink = raw.clone();
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = vec![0u8; 65536];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self { raw, keys, child }
    }

    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    /// The screen as a terminal shows what was written so far.
    pub fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(
            std::num::NonZero::new(ROWS).unwrap(),
            std::num::NonZero::new(COLS).unwrap(),
            0,
        );
        parser.process(&self.raw.lock().unwrap());
        parser.screen().contents()
    }

    /// Waits until `done` holds of the screen, or fails the test with it.
    pub fn wait_screen(&self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never showed; the screen:\n{screen}"
            );
            pause(50);
        }
    }

    pub fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Waits for the program to end; a TUI (`press_q`) is sent `q` now and then, as a finished
    /// one waits for it.
    pub fn exit_code(&mut self, press_q: bool) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return i32::try_from(status.exit_code()).unwrap();
            }
            assert!(
                Instant::now() < deadline,
                "it never ended:\n{}",
                self.screen()
            );
            if press_q {
                let _ = self.keys.write_all(b"q");
                let _ = self.keys.flush();
            }
            pause(300);
        }
    }
}

/// A plain test thread waits while real processes work.
#[expect(
    clippy::disallowed_methods,
    reason = "a synchronous test polling real processes; no async runtime is blocked"
)]
pub fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}
