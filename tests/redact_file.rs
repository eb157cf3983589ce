//! `redact_file` streams: secrets are taken out of a log of any shape — private key blocks
//! across lines, secrets in a line of megabytes — while every other byte stays as it was, a
//! log without secrets is not rewritten at all, and a rewrite that cannot be finished leaves the
//! log as it was.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use fixloop::engine::secrets::redact_file;
use support::SmallDisk;

const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().ino()
}

#[test]
fn a_log_without_secrets_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("full.log");
    let mut bytes = b"plain line\n\xff\xfe not utf-8\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'z', 3 << 20));
    bytes.extend_from_slice(b"\nlast line without newline");
    std::fs::write(&log, &bytes).unwrap();
    let before = inode(&log);
    redact_file(&log).unwrap();
    assert_eq!(std::fs::read(&log).unwrap(), bytes);
    assert_eq!(inode(&log), before, "the file was rewritten");
}

#[test]
fn secrets_and_key_blocks_go_and_every_other_byte_stays() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("full.log");
    let mut text = Vec::new();
    text.extend_from_slice(b"before \xff\xfe invalid\r\n");
    text.extend_from_slice(format!("token {TOKEN} here\n").as_bytes());
    text.extend_from_slice(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAAB3Nza\n");
    text.extend_from_slice(b"-----END OPENSSH PRIVATE KEY-----\nafter \xff the key\nno newline");
    std::fs::write(&log, &text).unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();
    redact_file(&log).unwrap();
    let mut expected = Vec::new();
    expected.extend_from_slice(b"before \xff\xfe invalid\r\n");
    expected.extend_from_slice(b"token [redacted] here\n");
    expected.extend_from_slice(b"[redacted]\n[redacted]\n[redacted]\n[redacted]\n");
    expected.extend_from_slice(b"after \xff the key\nno newline");
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&log).unwrap()),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(std::fs::read(&log).unwrap(), expected);
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the log's permissions changed");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "a temporary file was left behind");
}

#[test]
fn secrets_anywhere_in_a_line_of_megabytes_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("full.log");
    let filler = "word ".repeat(220_000);
    let line = format!("{TOKEN} {filler}{TOKEN} {filler}{TOKEN} {filler}{TOKEN}");
    assert!(line.len() > 3 << 20);
    std::fs::write(&log, format!("first\n{line}\nlast\n")).unwrap();
    redact_file(&log).unwrap();
    let redacted = std::fs::read_to_string(&log).unwrap();
    assert!(!redacted.contains("ghp_"), "a token survived");
    let expected = line.replace(TOKEN, "[redacted]");
    assert_eq!(redacted, format!("first\n{expected}\nlast\n"));
}

#[test]
fn a_rewrite_that_runs_out_of_disk_is_an_error_and_leaves_the_log() {
    let Some(disk) = SmallDisk::mount("1m") else {
        return;
    };
    let log = disk.path().join("full.log");
    let text = format!("{TOKEN}\n{}", "x".repeat(700 * 1024));
    std::fs::write(&log, &text).unwrap();
    let err = redact_file(&log).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(28), "{err}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), text);
    let left: Vec<_> = std::fs::read_dir(disk.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "the temporary file was left behind");
}
