//! Standard output that a reader may close early (`fixloop … | head`): the command then ends
//! quietly, as grep does, instead of panicking in the middle of a line.

use std::any::Any;
use std::io::Write as _;

use super::CommandError;
use crate::core::exit::ExitCode;

/// The start of the message `print!` panics with when it cannot write to standard output.
const PRINT_FAILED: &str = "failed printing to stdout";

/// Writes `bytes` to standard output; a reader that went away is not an error.
pub fn print_bytes(bytes: &[u8]) -> Result<(), CommandError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CommandError::new(
            ExitCode::Io,
            format!("cannot write to standard output: {e}"),
        )),
        _ => Ok(()),
    }
}

/// Whether a panic's payload is `print!`'s on a closed standard output (EPIPE).
#[must_use]
pub fn is_closed_stdout(payload: &(dyn Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    text.starts_with(PRINT_FAILED) && broken_pipe_in(text)
}

/// EPIPE as `std::io::Error` shows it (the text before it depends on the C library).
fn broken_pipe_in(text: &str) -> bool {
    text.ends_with(&format!("(os error {})", nix::errno::Errno::EPIPE as i32))
}

/// Keeps the panic hook from printing `print!`'s complaint about a closed standard output; every
/// other panic is reported as before. The caller catches the unwind and exits quietly.
pub fn quiet_closed_stdout() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_closed_stdout(info.payload()) {
            report(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_stdout_is_quiet() {
        let epipe = nix::errno::Errno::EPIPE as i32;
        let closed: Box<dyn Any + Send> = Box::new(format!(
            "failed printing to stdout: Broken pipe (os error {epipe})"
        ));
        assert!(is_closed_stdout(closed.as_ref()));
        let full: Box<dyn Any + Send> = Box::new(String::from(
            "failed printing to stdout: No space left on device (os error 28)",
        ));
        assert!(!is_closed_stdout(full.as_ref()));
        let other: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert!(!is_closed_stdout(other.as_ref()));
    }
}
