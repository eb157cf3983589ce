//! `fixloop logs`: triage of a CI log file or standard input, streamed.

use serde_json::json;

use super::CommandError;
use crate::cli::LogsArgs;
use crate::engine::logs::triage_stream;

pub fn logs(args: &LogsArgs) -> Result<i32, CommandError> {
    if args.source.starts_with("http://") || args.source.starts_with("https://") {
        return Err(CommandError::new(
            69,
            "fetching logs from a run URL is not available in this version: save the job's log \
             and pass the file",
        ));
    }
    let mut full_log = None;
    let mut copy = match &args.out {
        Some(out) => {
            std::fs::create_dir_all(out)
                .map_err(|e| CommandError::new(1, format!("{}: {e}", out.display())))?;
            let path = out.join("full.log");
            full_log = Some(path.display().to_string());
            Some(std::io::BufWriter::new(
                std::fs::File::create(&path)
                    .map_err(|e| CommandError::new(1, format!("{}: {e}", path.display())))?,
            ))
        }
        None => None,
    };
    let copy_ref = copy.as_mut().map(|w| w as &mut dyn std::io::Write);
    let outcome = if args.source == "-" {
        triage_stream(std::io::stdin().lock(), args.budget, copy_ref)
            .map_err(|e| CommandError::new(65, format!("standard input: {e}")))?
    } else {
        let file = std::fs::File::open(&args.source)
            .map_err(|e| CommandError::new(65, format!("{}: {e}", args.source)))?;
        triage_stream(file, args.budget, copy_ref)
            .map_err(|e| CommandError::new(65, format!("{}: {e}", args.source)))?
    };
    if let Some(mut w) = copy {
        std::io::Write::flush(&mut w).map_err(|e| CommandError::new(1, e.to_string()))?;
    }
    if let Some(out) = &args.out {
        std::fs::write(out.join("excerpt.txt"), &outcome.excerpt)
            .map_err(|e| CommandError::new(1, format!("{}: {e}", out.display())))?;
    }
    if args.json {
        let value = json!({
            "source": args.source,
            "bytes": outcome.bytes,
            "lines": outcome.lines,
            "runner": outcome.runners,
            "failing_tests": outcome.failing_tests.iter().map(|f| json!({
                "id": f.id, "runner": f.runner, "message": f.message,
            })).collect::<Vec<_>>(),
            "errors": outcome.errors.iter().map(|(line, text)| json!({"line": line, "text": text})).collect::<Vec<_>>(),
            "excerpt": outcome.excerpt,
            "excerpt_bytes": outcome.excerpt.len(),
            "full_log": full_log,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        println!(
            "{}: {} bytes, {} lines",
            args.source, outcome.bytes, outcome.lines
        );
        for f in &outcome.failing_tests {
            println!("FAILED {} ({}): {}", f.id, f.runner, f.message);
        }
        println!("--- excerpt ({} bytes) ---", outcome.excerpt.len());
        print!("{}", outcome.excerpt);
    }
    Ok(0)
}
