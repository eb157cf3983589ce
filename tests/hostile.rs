//! Output full of escape sequences — clipboard writes, title changes, cursor and screen escapes,
//! device queries, bidi overrides — shown headless and in the TUI (a real pseudo-terminal read
//! through a terminal emulator): none of them reaches the terminal; colours stay.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::json;
use support::{FIX_ADD, REPRODUCE_ADD, Sandbox, phased};

/// printf arguments that write the hostile line.
const HOSTILE: &str = r"printf '\033[31mRED-TEXT\033[0m \033]52;c;Y2xpcGJvYXJk\007\033]0;PWNED-TITLE\007\033[2J\033[5n\033[?1049l\342\200\256evil\n'";

const FORBIDDEN: &[&str] = &["\u{1b}]52", "PWNED-TITLE", "\u{1b}[5n", "\u{202e}"];

fn setup(sandbox: &Sandbox) -> (std::path::PathBuf, String) {
    let repo = sandbox.python_project();
    let agent = sandbox.agent(
        "agent.sh",
        &phased(&format!("{HOSTILE}\n{REPRODUCE_ADD}"), FIX_ADD),
    );
    sandbox.info(
        &repo,
        &json!({
            "prompt": "tests/test_calc.py fails in CI.",
            "deterministic": true,
            "raw-logs": "ci.log",
            "name": "hostile",
        }),
    );
    (repo, agent.display().to_string())
}

#[test]
fn headless_output_keeps_colours_and_drops_every_other_sequence() {
    let sandbox = Sandbox::new();
    let (repo, agent) = setup(&sandbox);
    let r = support::run(
        &sandbox,
        &repo,
        &["--agent", "command", "--agent-cmd", &agent, "--no-pr"],
    );
    assert_eq!(r.code(), 0, "{}", r.stdout());
    let out = r.stdout();
    assert!(
        out.contains("\u{1b}[31mRED-TEXT\u{1b}[0m"),
        "colours stay: {out:?}"
    );
    for bad in FORBIDDEN {
        assert!(!out.contains(bad), "{bad:?} reached the terminal");
    }
    assert!(!out.contains("\u{1b}[2J") && !out.contains("\u{1b}[?1049l"));
}

#[test]
fn the_tui_shows_it_without_obeying_it() {
    let sandbox = Sandbox::new();
    let (repo, agent) = setup(&sandbox);
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 110,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fixloop"));
    cmd.args([
        "run",
        "--agent",
        "command",
        "--agent-cmd",
        &agent,
        "--no-pr",
    ]);
    cmd.cwd(&repo);
    for (k, v) in sandbox.env() {
        cmd.env(k, v);
    }
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut keys = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel::<(String, String, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut parser = vt100::Parser::new(
            std::num::NonZero::new(30).unwrap(),
            std::num::NonZero::new(110).unwrap(),
            0,
        );
        let mut raw = Vec::new();
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.process(&buf[..n]);
            raw.extend_from_slice(&buf[..n]);
            let screen = parser.screen();
            let _ = tx.send((screen.contents(), String::new(), raw.clone()));
        }
    });
    let mut last = (String::new(), String::new(), Vec::new());
    let wait_for = |needle: &str, last: &mut (String, String, Vec<u8>)| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !last.0.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(update) => *last = update,
                Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("`{needle}` never appeared:\n{}", last.0)
                }
            }
        }
    };
    let mut press = |k: &str| {
        keys.write_all(k.as_bytes()).unwrap();
        keys.flush().unwrap();
    };
    wait_for("Checkpoint 1", &mut last);
    press("a");
    wait_for("Checkpoint 2", &mut last);
    // The reproduction's checkpoint shows the output; back to the log to see the agent's line.
    press("x");
    wait_for("Abort?", &mut last);
    press("y");
    wait_for("(exit 1)", &mut last);
    // The run ends on its summary; `o` shows the output, where the agent's line is.
    press("o");
    wait_for("RED-TEXT", &mut last);
    press("q");
    child.wait().unwrap();
    let raw = String::from_utf8_lossy(&last.2).into_owned();
    // The title sequence never reached the terminal, so the window title never changed.
    for bad in FORBIDDEN {
        assert!(!raw.contains(bad), "{bad:?} reached the terminal");
    }
}
