//! The interactive terminal UI. One loop owns the state: terminal input and engine events become
//! messages for `RunApp::update`; frames are drawn only when something changed, at most ~30 per
//! second; nothing else writes to the terminal while it is up.

pub(crate) mod ansi;
pub mod app;
pub(crate) mod browser;
pub(crate) mod decider;
pub(crate) mod terminal;
#[cfg(test)]
mod tests;
pub(crate) mod textbox;
pub(crate) mod views;

use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use self::app::{EditPurpose, Effect, Msg, RunApp};
use self::terminal::{Guard, Tui};
use crate::core::command::Command;
use crate::core::event::Event;
use crate::core::exit::ExitCode;
use crate::engine::store::{Store, read_journal};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(33);

/// The live run in the terminal until the person quits; returns the run's exit code and the
/// final state.
pub async fn run(
    mut app: RunApp,
    mut events: mpsc::UnboundedReceiver<Event>,
    commands: mpsc::UnboundedSender<Command>,
    cancel: watch::Sender<bool>,
    mut driver: JoinHandle<ExitCode>,
) -> std::io::Result<(ExitCode, RunApp)> {
    let (mut guard, mut terminal) = Guard::enter()?;
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    terminal.draw(|f| f.render_widget(&app, f.area()))?;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = false;
    let mut last_draw = Instant::now();
    let mut exit = None;
    loop {
        let effects = tokio::select! {
            term = input.next() => match term {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    app.update(Msg::Key(key))
                }
                Some(Ok(TermEvent::Mouse(mouse))) => match mouse.kind {
                    MouseEventKind::ScrollUp => app.update(Msg::Scroll(-3)),
                    MouseEventKind::ScrollDown => app.update(Msg::Scroll(3)),
                    _ => Vec::new(),
                },
                Some(Ok(TermEvent::Resize(w, h))) => app.update(Msg::Resize(w, h)),
                _ => Vec::new(),
            },
            event = events.recv() => match event {
                Some(event) => app.update(Msg::Event(Box::new(event))),
                None => Vec::new(),
            },
            code = &mut driver, if exit.is_none() => {
                let code = code.unwrap_or(ExitCode::Failed);
                exit = Some(code);
                // Let the last events arrive before showing the end.
                while let Ok(event) = events.try_recv() {
                    app.update(Msg::Event(Box::new(event)));
                }
                app.update(Msg::Finished(code))
            }
            _ = tick.tick() => {
                app.update(Msg::Tick(Utc::now()));
                if dirty || last_draw.elapsed() >= Duration::from_secs(1) {
                    terminal.draw(|f| f.render_widget(&app, f.area()))?;
                    last_draw = Instant::now();
                    dirty = false;
                }
                continue;
            }
        };
        dirty = true;
        for effect in effects {
            match effect {
                Effect::Quit => return Ok((exit.unwrap_or(ExitCode::Interrupted), app)),
                Effect::Send(Command::Cancel) => {
                    let _ = cancel.send(true);
                    let _ = commands.send(Command::Cancel);
                }
                Effect::Send(command) => {
                    let _ = commands.send(command);
                }
                Effect::Edit {
                    purpose,
                    text,
                    paths,
                } => {
                    let edited = edit(&mut guard, &mut terminal, &purpose, text, paths).await;
                    let followups = app.update(Msg::EditorClosed {
                        purpose,
                        text: edited,
                    });
                    for f in followups {
                        if let Effect::Send(command) = f {
                            let _ = commands.send(command);
                        }
                    }
                }
            }
        }
    }
}

/// Hands the terminal to `$VISUAL`/`$EDITOR` (or `vi`) and takes it back; returns the edited
/// text when a text was given.
async fn edit(
    guard: &mut Guard,
    terminal: &mut Tui,
    purpose: &EditPurpose,
    text: Option<String>,
    mut paths: Vec<String>,
) -> Option<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let scratch = std::env::temp_dir().join(format!("fixloop-{}-prompt.md", std::process::id()));
    if let Some(text) = &text {
        if std::fs::write(&scratch, text).is_err() {
            return None;
        }
        paths = vec![scratch.display().to_string()];
    }
    guard.suspend();
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg("editor")
        .args(&paths)
        .status()
        .await;
    let _ = guard.resume(terminal);
    let edited = match (status, purpose) {
        (Ok(s), EditPurpose::Prompt { .. }) if s.success() => {
            std::fs::read_to_string(&scratch).ok()
        }
        _ => None,
    };
    let _ = std::fs::remove_file(&scratch);
    edited
}

/// The past-run browser until the person quits.
pub async fn browse(mut app: browser::BrowserApp, store: &Store) -> std::io::Result<()> {
    let (_guard, mut terminal) = Guard::enter()?;
    let size = terminal.size()?;
    app.update(browser::Msg::Resize(size.width, size.height));
    terminal.draw(|f| f.render_widget(&app, f.area()))?;
    let mut input = EventStream::new();
    while let Some(event) = input.next().await {
        let effects = match event {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => {
                app.update(browser::Msg::Key(key))
            }
            Ok(TermEvent::Resize(w, h)) => app.update(browser::Msg::Resize(w, h)),
            Ok(TermEvent::Mouse(mouse)) => {
                let code = match mouse.kind {
                    MouseEventKind::ScrollUp => crossterm::event::KeyCode::Up,
                    MouseEventKind::ScrollDown => crossterm::event::KeyCode::Down,
                    _ => continue,
                };
                app.update(browser::Msg::Key(crossterm::event::KeyEvent::from(code)))
            }
            _ => Vec::new(),
        };
        for effect in effects {
            let screen = match effect {
                browser::Effect::Quit => return Ok(()),
                browser::Effect::OpenReport { path, title } => {
                    let text = std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| format!("Cannot read {path}: {e}"));
                    browser::Screen::Report {
                        title,
                        lines: text.lines().map(str::to_owned).collect(),
                        scroll: 0,
                    }
                }
                browser::Effect::OpenReplay { run_id } => replay(
                    &store.run_dir(&run_id).join("events.jsonl"),
                    app.color,
                    (size.width, size.height),
                ),
            };
            app.update(browser::Msg::Opened(screen));
        }
        terminal.draw(|f| f.render_widget(&app, f.area()))?;
    }
    Ok(())
}

/// A past run rebuilt from its journal, shown with the run screen (marked as a replay).
fn replay(journal: &std::path::Path, color: bool, size: (u16, u16)) -> browser::Screen {
    match read_journal(journal) {
        Ok(events) => browser::Screen::Replay(Box::new(RunApp::replaying(events, color, size))),
        Err(e) => browser::Screen::Report {
            title: "replay".into(),
            lines: vec![e],
            scroll: 0,
        },
    }
}
