//! Owning the terminal: raw mode, the alternate screen and mouse reporting while the TUI is up,
//! and the terminal given back on every exit path — normal return, error, or panic.

use std::io::{Stdout, Write, stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
#[derive(Debug)]
pub struct Guard {
    active: bool,
}

fn restore() {
    let _ = disable_raw_mode();
    let mut out = stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

fn enter() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )
}

impl Guard {
    /// Takes the terminal; installs a panic hook that gives it back before the panic message.
    pub fn enter() -> std::io::Result<(Self, Tui)> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        if let Err(e) = enter() {
            restore();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok((Self { active: true }, terminal))
    }

    /// Gives the terminal back for a while (to `$EDITOR`).
    pub fn suspend(&mut self) {
        if self.active {
            restore();
            self.active = false;
        }
    }

    pub fn resume(&mut self, terminal: &mut Tui) -> std::io::Result<()> {
        if !self.active {
            enter()?;
            self.active = true;
            terminal.clear()?;
        }
        Ok(())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.active {
            restore();
        }
    }
}
