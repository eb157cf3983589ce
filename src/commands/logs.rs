//! `fixloop logs`: triage of a CI log file or standard input.

use std::io::Read;

use serde_json::json;

use super::CommandError;
use crate::cli::LogsArgs;
use crate::core::excerpt;

pub fn logs(args: &LogsArgs) -> Result<i32, CommandError> {
    let (source, bytes) = if args.source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CommandError::new(65, format!("standard input: {e}")))?;
        ("-".to_owned(), bytes)
    } else if args.source.starts_with("http://") || args.source.starts_with("https://") {
        return Err(CommandError::new(
            69,
            "fetching logs from a run URL is not available in this version: save the job's log \
             and pass the file",
        ));
    } else {
        let bytes = std::fs::read(&args.source)
            .map_err(|e| CommandError::new(65, format!("{}: {e}", args.source)))?;
        (args.source.clone(), bytes)
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<String> = text.lines().map(excerpt::normalise).collect();
    let triage = excerpt::triage(&lines, args.budget);
    let mut full_log = None;
    if let Some(out) = &args.out {
        let written = std::fs::create_dir_all(out)
            .and_then(|()| std::fs::write(out.join("full.log"), &bytes))
            .and_then(|()| std::fs::write(out.join("excerpt.txt"), &triage.excerpt));
        written.map_err(|e| CommandError::new(1, format!("{}: {e}", out.display())))?;
        full_log = Some(out.join("full.log").display().to_string());
    }
    if args.json {
        let mut runners: Vec<&str> = triage.failing_tests.iter().map(|f| f.runner).collect();
        runners.dedup();
        let value = json!({
            "source": source,
            "bytes": bytes.len(),
            "lines": triage.lines,
            "runner": runners,
            "failing_tests": triage.failing_tests.iter().map(|f| {
                let message = triage.errors.iter()
                    .find(|(i, _)| *i >= f.line.saturating_sub(40))
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                json!({ "id": f.id, "runner": f.runner, "message": message })
            }).collect::<Vec<_>>(),
            "errors": triage.errors.iter().map(|(i, t)| json!({"line": i + 1, "text": t})).collect::<Vec<_>>(),
            "excerpt": triage.excerpt,
            "excerpt_bytes": triage.excerpt.len(),
            "full_log": full_log,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        println!("{source}: {} bytes, {} lines", bytes.len(), triage.lines);
        for f in &triage.failing_tests {
            println!("FAILED {} ({})", f.id, f.runner);
        }
        println!("--- excerpt ({} bytes) ---", triage.excerpt.len());
        print!("{}", triage.excerpt);
    }
    Ok(0)
}
