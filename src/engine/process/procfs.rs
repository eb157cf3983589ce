//! What `/proc` says about processes: which there are, a process's parent, group, session and
//! start, its children, and whether its environment holds a variable. Where there is no `/proc`
//! it finds nothing.

use std::io::Read;
use std::path::Path;

/// The fields of `/proc/<pid>/stat` the sweep needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stat {
    pub pid: u32,
    /// `R`, `S`, `D`, `Z` (a zombie: exited, not yet reaped), ...
    pub state: u8,
    pub ppid: u32,
    pub group: u32,
    pub session: u32,
    /// Clock ticks after boot.
    pub start: u64,
}

impl Stat {
    pub(super) fn zombie(&self) -> bool {
        self.state == b'Z'
    }
}

/// The processes this user can see.
pub(super) fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
}

pub(super) fn stat(pid: u32) -> Option<Stat> {
    let mut text = Vec::new();
    read(format!("/proc/{pid}/stat"), &mut text)?;
    parse_stat(pid, std::str::from_utf8(&text).ok()?)
}

/// A `/proc` file's bytes, read through a small buffer (`std::fs::read` would first ask for
/// the size, which `/proc` does not know: the sweep reads many of these).
fn read(path: impl AsRef<Path>, out: &mut Vec<u8>) -> Option<()> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = [0u8; 4096];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// The command name (field 2) may hold spaces and parentheses: the fields after it start after
/// the last `)`.
fn parse_stat(pid: u32, text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        pid,
        state: *fields.first()?.as_bytes().first()?,
        ppid: fields.get(1)?.parse().ok()?,
        group: fields.get(2)?.parse().ok()?,
        session: fields.get(3)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

/// The children of `pid`, from each of its threads' `children` lists (a child belongs to the
/// thread that started it, and an orphan handed to a subreaper to any of its threads). Kernels
/// built without those lists are answered by a scan of every process's parent.
pub(super) fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut list = Vec::new();
    for task in tasks.flatten() {
        let path = task.path().join("children");
        list.clear();
        if read(&path, &mut list).is_some() {
            found.extend(parse_list(&list));
        } else if task.path().exists() && !path.exists() {
            return pids()
                .filter(|p| stat(*p).is_some_and(|s| s.ppid == pid))
                .collect();
        }
        // Else the thread ended while it was read: its children moved to another thread.
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// The children of one thread of `pid`; without `children` lists, the children of `pid`.
pub(super) fn thread_children(pid: u32, thread: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{thread}/children");
    let mut list = Vec::new();
    if read(&path, &mut list).is_some() {
        return parse_list(&list);
    }
    if Path::new(&path).exists() {
        return Vec::new();
    }
    children(pid)
}

fn parse_list(list: &[u8]) -> Vec<u32> {
    list.split(u8::is_ascii_whitespace)
        .filter_map(|p| std::str::from_utf8(p).ok()?.parse::<u32>().ok())
        .collect()
}

/// Whether `pid`'s environment holds exactly `entry` (`NAME=value`). The environment is read in
/// pieces and entries of another length are skipped, so a huge one costs no memory.
pub(super) fn environ_has(pid: u32, entry: &[u8]) -> bool {
    let Ok(mut file) = std::fs::File::open(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let mut buf = [0u8; 16 * 1024];
    // The current entry's first bytes, and whether it already ran past `entry`'s length.
    let mut current: Vec<u8> = Vec::with_capacity(entry.len());
    let mut too_long = false;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) | Err(_) => return !too_long && current == entry,
            Ok(n) => n,
        };
        let mut bytes = &buf[..n];
        loop {
            let (piece, ended) = match memchr::memchr(0, bytes) {
                Some(i) => (&bytes[..i], true),
                None => (bytes, false),
            };
            if !too_long {
                if current.len() + piece.len() > entry.len() {
                    too_long = true;
                } else {
                    current.extend_from_slice(piece);
                }
            }
            if !ended {
                break;
            }
            if !too_long && current == entry {
                return true;
            }
            current.clear();
            too_long = false;
            bytes = &bytes[piece.len() + 1..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_past_a_command_name_with_spaces_and_parentheses() {
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 200 18446744073709551615";
        assert_eq!(
            parse_stat(4242, line),
            Some(Stat {
                pid: 4242,
                state: b'S',
                ppid: 1,
                group: 4242,
                session: 4242,
                start: 987_654,
            })
        );
        assert_eq!(parse_stat(1, "1 (cut short) S 0"), None);
    }

    #[test]
    fn this_process_is_seen_with_its_own_environment() {
        let me = std::process::id();
        let own = stat(me).expect("/proc/self/stat");
        assert_eq!(own.pid, me);
        assert_ne!(own.state, b'Z');
        let path = std::env::var("PATH").expect("PATH is set for tests");
        assert!(environ_has(me, format!("PATH={path}").as_bytes()));
        assert!(!environ_has(me, format!("PATH={path}x").as_bytes()));
        assert!(!environ_has(me, b"PATH="));
        assert!(
            children(me)
                .iter()
                .all(|c| stat(*c).is_none_or(|s| s.ppid == me))
        );
    }
}
