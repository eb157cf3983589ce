//! The agents behind the engine's `Agent` port.

mod claude;
mod codex;
mod command;
mod manual;
mod stream;

pub use claude::Claude;
pub use codex::Codex;
pub use command::CommandAgent;
pub use manual::Manual;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::{Claude, Codex};
    use crate::core::event::Phase;
    use crate::engine::ports::{Agent, AgentRequest};

    fn request(resume: Option<&str>) -> AgentRequest {
        AgentRequest {
            phase: Phase::Fix,
            attempt: 1,
            prompt: "p".into(),
            prompt_file: PathBuf::from("/run/prompt.md"),
            workdir: PathBuf::from("/repo/.git/fixloop/worktrees/x-fix"),
            failure_dir: PathBuf::from("/ws/reproduce-deterministic-failures/x"),
            excerpt_file: PathBuf::from("/run/excerpt.txt"),
            feedback: String::new(),
            deterministic: true,
            run_id: "x".into(),
            run_dir: PathBuf::from("/ws/outputs/runs/x"),
            resume: resume.map(str::to_owned),
            log: PathBuf::from("/run/agent.log"),
            timeout: Duration::from_secs(60),
            env_remove: Vec::new(),
            budget_usd: None,
        }
    }

    #[test]
    fn claude_may_edit_only_its_folders_and_may_not_browse() {
        for resume in [None, Some("s-1")] {
            let line = Claude::default().describe(&request(resume));
            for part in [
                "--permission-mode acceptEdits",
                "--allowedTools Read,Edit,Write,Glob,Grep,Bash,TodoWrite",
                "--disallowedTools WebFetch,WebSearch",
                "--add-dir /ws/reproduce-deterministic-failures/x",
            ] {
                assert!(line.contains(part), "{part} missing from {line}");
            }
            assert!(!line.contains("bypassPermissions") && !line.contains("dangerously"));
            assert_eq!(line.contains("--resume s-1"), resume.is_some());
            assert!(!line.contains("--max-budget-usd"), "no budget, no flag");
        }
        let budgeted = AgentRequest {
            budget_usd: Some(4.5),
            ..request(None)
        };
        let line = Claude::default().describe(&budgeted);
        assert!(line.contains("--max-budget-usd 4.50"), "{line}");
    }

    #[test]
    fn codex_works_in_a_workspace_write_sandbox() {
        let fresh = Codex::default().describe(&request(None));
        assert!(
            fresh.contains("--sandbox workspace-write -C /repo/.git/fixloop/worktrees/x-fix")
                && fresh.contains("--add-dir /ws/reproduce-deterministic-failures/x"),
            "{fresh}"
        );
        let resumed = Codex::default().describe(&request(Some("t-1")));
        assert!(
            resumed.contains("sandbox_mode=\"workspace-write\"")
                && resumed.contains(
                    "sandbox_workspace_write.writable_roots=[\"/ws/reproduce-deterministic-failures/x\"]"
                ),
            "{resumed}"
        );
        assert!(!fresh.contains("danger") && !resumed.contains("danger"));
    }
}
