//! What the person sees and what their keys do, without a terminal: snapshots of the run screen
//! (ratatui `TestBackend`) in each state, and key messages turned into commands.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{EditPurpose, Effect, Mode, Msg, RunApp};
use crate::core::command::Command;
use crate::core::event::{
    CheckpointKind, Decision, DecisionKind, Event, EventKind, LineKind, OutputLine, Phase,
    PhaseStatus, RevisionsLeft, RunStatus, TestRuns,
};
use crate::core::exit::ExitCode;
use crate::core::info::{AgentKind, Info};

fn at(secs: u32) -> String {
    format!("2026-11-21T10:{:02}:{:02}.000Z", secs / 60, secs % 60)
}

fn now(secs: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&at(secs))
        .unwrap()
        .with_timezone(&Utc)
}

struct Script {
    app: RunApp,
    seq: u64,
    /// Every event applied, for replays.
    events: Vec<Event>,
}

impl Script {
    fn new() -> Self {
        let mut s = Self {
            app: RunApp::new(false, now(0)),
            seq: 0,
            events: Vec::new(),
        };
        let info = Info::parse(
            "info.json",
            r#"{"prompt": "tests::counts_words_across_lines fails", "deterministic": true, "raw-logs": "ci.log", "name": "word-count"}"#,
        )
        .unwrap();
        s.at(
            0,
            EventKind::RunStarted {
                run_id: "2026-11-21_10-00-00_word-count".into(),
                name: "word-count".into(),
                version: "0.1.0".into(),
                info: Box::new(info),
                repo: "/work/wordstat".into(),
                workspace: "/work/wordstat".into(),
                failure_dir: "/work/wordstat/reproduce-deterministic-failures/word-count".into(),
                agent: AgentKind::Claude,
                base: "main".into(),
                headless: false,
                policy: "person".into(),
                perturbation: vec![],
                setup: None,
                pipeline: "failure".into(),
                phases: Phase::ALL.to_vec(),
            },
        );
        s
    }

    fn at(&mut self, secs: u32, kind: EventKind) -> &mut Self {
        self.seq += 1;
        let event = Event {
            v: 1,
            seq: self.seq,
            at: at(secs),
            kind,
        };
        self.events.push(event.clone());
        self.app.update(Msg::Event(Box::new(event)));
        self.app.update(Msg::Tick(now(secs)));
        self
    }

    fn phase(&mut self, secs: u32, phase: Phase, status: Option<PhaseStatus>) -> &mut Self {
        match status {
            None => self.at(secs, EventKind::PhaseStarted { phase }),
            Some(status) => self.at(
                secs,
                EventKind::PhaseFinished {
                    phase,
                    status,
                    message: String::new(),
                },
            ),
        }
    }

    fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        self.app
            .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Logs done, the reproduction agent at work.
    fn running() -> Self {
        let mut s = Self::new();
        s.phase(0, Phase::Logs, None)
            .phase(1, Phase::Logs, Some(PhaseStatus::Passed));
        s.phase(1, Phase::Reproduce, None);
        s.at(
            2,
            EventKind::AgentOutput {
                phase: Phase::Reproduce,
                lines: vec![
                    line(LineKind::Status, "session 4ee26e0c started (model opus)"),
                    line(
                        LineKind::Text,
                        "The failing test is tests::counts_words_across_lines.",
                    ),
                    line(LineKind::Tool, "▸ Read: src/lib.rs"),
                    line(LineKind::Tool, "▸ Write: tests/repro_word_count.rs"),
                    line(LineKind::Stderr, "warning: unused variable"),
                ],
            },
        );
        s
    }

    fn reproduced(secs: u32) -> Self {
        let mut s = Self::running();
        s.phase(secs, Phase::Reproduce, Some(PhaseStatus::Passed));
        s.phase(secs, Phase::ConfirmRepro, None);
        s.at(
            secs + 1,
            EventKind::ReproductionChecked {
                attempt: 1,
                reproduced: true,
                reason: "fails 3 of 3 runs".into(),
                runs: runs(3, "assertion `left == right` failed\n  left: 2\n right: 3"),
                invalid_input: false,
                files: vec![(
                    "tests/repro_word_count.rs".into(),
                    "#[test]\nfn a_newline_separates_words() {\n    assert_eq!(wordstat::word_count(\"one two\\nthree\"), 3);\n}".into(),
                )],
                reproduction: None,
                copies: Vec::new(),
                findings: Vec::new(),
                check: None,
            },
        );
        s.phase(secs + 1, Phase::ConfirmRepro, Some(PhaseStatus::Passed));
        s
    }

    fn fixed(verified: bool) -> Self {
        let mut s = Self::reproduced(20);
        s.at(
            21,
            EventKind::CheckpointReached {
                id: 2,
                kind: CheckpointKind::AfterStep {
                    phase: Phase::Reproduce,
                    attempt: 1,
                    verified: true,
                    summary: "fails 3 of 3 runs".into(),
                    findings: vec![],
                    suggested_feedback: String::new(),
                    left: Some(RevisionsLeft {
                        revisions: 3,
                        retries: 2,
                    }),
                },
                options: options(&["approve", "revise", "manual", "abort"]),
            },
        );
        s.at(
            22,
            EventKind::CheckpointResolved {
                id: 2,
                decision: Decision::Approve,
                by: crate::core::event::DecidedBy::Person,
            },
        );
        s.phase(22, Phase::FixBranch, None);
        s.at(
            23,
            EventKind::FixBranchCreated {
                branch: "fix/word-count".into(),
                base: "main".into(),
                base_commit: "9ab4f2bf05bd".into(),
                worktree: "/work/wordstat/.git/fixloop/worktrees/run-fix".into(),
            },
        );
        s.phase(23, Phase::FixBranch, Some(PhaseStatus::Passed));
        s.phase(23, Phase::Fix, None)
            .phase(60, Phase::Fix, Some(PhaseStatus::Passed));
        s.phase(60, Phase::Verify, None);
        let findings = if verified {
            vec![]
        } else {
            vec![
                "the reproduction passes without the fix's changes too: it does not prove the fix"
                    .to_owned(),
            ]
        };
        s.at(
            64,
            EventKind::VerificationFinished {
                attempt: 1,
                verified,
                passes: runs(0, ""),
                revert_check: Some(runs(u32::from(verified), "")),
                suite: None,
                findings: findings.clone(),
                diffstat: " src/lib.rs | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)".into(),
                diff: "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -2,7 +2,7 @@\n pub fn word_count(text: &str) -> usize {\n-    text.split(' ').filter(|w| !w.is_empty()).count()\n+    text.split_whitespace().count()\n }".into(),
                commit: None,
                outside_check: None,
                post_fix: None,
                notes: Vec::new(),
            },
        );
        s.phase(
            64,
            Phase::Verify,
            Some(if verified {
                PhaseStatus::Passed
            } else {
                PhaseStatus::Failed
            }),
        );
        s.at(
            64,
            EventKind::CheckpointReached {
                id: 4,
                kind: CheckpointKind::AfterStep {
                    phase: Phase::Fix,
                    attempt: 1,
                    verified,
                    summary: "reproduction passed 3 of 3 runs".into(),
                    findings,
                    suggested_feedback: "fixloop's check: the reproduction passes without the fix"
                        .into(),
                    left: Some(RevisionsLeft {
                        revisions: 3,
                        retries: 2,
                    }),
                },
                options: options(&["approve", "revise", "manual", "abort"]),
            },
        );
        s
    }
}

fn line(kind: LineKind, text: &str) -> OutputLine {
    OutputLine {
        kind,
        text: text.into(),
    }
}

fn runs(failures: u32, output: &str) -> TestRuns {
    TestRuns {
        command: "cargo test --test repro_word_count".into(),
        runs: if failures == 1 { 1 } else { 3 },
        failures,
        matching: failures,
        output: output.into(),
    }
}

fn options(list: &[&str]) -> Vec<DecisionKind> {
    list.iter()
        .map(|s| serde_json::from_value(serde_json::Value::from(*s)).unwrap())
        .collect()
}

fn screen(app: &RunApp, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut app = app.clone();
    app.update(Msg::Resize(width, height));
    terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut row = String::new();
        for x in 0..width {
            row.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

fn snapshot(name: &str, app: &RunApp) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(app, 160, 48));
}

#[test]
fn screen_running() {
    snapshot("running", &Script::running().app);
}

#[test]
fn screen_checkpoint_before_step() {
    let mut s = Script::running();
    s.at(
        3,
        EventKind::CheckpointReached {
            id: 1,
            kind: CheckpointKind::BeforeStep {
                phase: Phase::Reproduce,
                attempt: 1,
                prompt: "# Reproduce a deterministic CI failure\n\nWrite the smallest test that fails the same way.\n\n# This run\n\n- Failure folder: `reproduce-deterministic-failures/word-count`".into(),
            },
            options: options(&["approve", "edit prompt", "manual", "abort"]),
        },
    );
    snapshot("checkpoint_before_step", &s.app);
}

#[test]
fn screen_checkpoint_after_reproduction() {
    let mut s = Script::reproduced(10);
    s.at(
        12,
        EventKind::CheckpointReached {
            id: 2,
            kind: CheckpointKind::AfterStep {
                phase: Phase::Reproduce,
                attempt: 1,
                verified: true,
                summary: "fails 3 of 3 runs, matching the CI signature `left: 2`".into(),
                findings: vec![],
                suggested_feedback: String::new(),
                left: Some(RevisionsLeft {
                    revisions: 3,
                    retries: 2,
                }),
            },
            options: options(&["approve", "revise", "manual", "abort"]),
        },
    );
    snapshot("checkpoint_after_reproduction", &s.app);
}

#[test]
fn screen_checkpoint_after_fix_with_a_finding() {
    snapshot("checkpoint_after_fix_finding", &Script::fixed(false).app);
}

#[test]
fn screen_checkpoint_after_fix_revising() {
    let mut s = Script::fixed(true);
    s.key(KeyCode::Char('r'));
    s.typed("Keep the filter for empty words");
    snapshot("checkpoint_after_fix_revising", &s.app);
}

#[test]
fn screen_checkpoint_before_push() {
    let mut s = Script::fixed(true);
    s.at(
        70,
        EventKind::CheckpointResolved {
            id: 4,
            decision: Decision::Approve,
            by: crate::core::event::DecidedBy::Person,
        },
    );
    s.phase(70, Phase::Pr, None);
    s.at(
        71,
        EventKind::CheckpointReached {
            id: 5,
            kind: CheckpointKind::BeforePush {
                branch: "fix/word-count".into(),
                title: "Fix word-count".into(),
                diffstat: "src/lib.rs".into(),
            },
            options: options(&["approve", "abort"]),
        },
    );
    snapshot("checkpoint_before_push", &s.app);
}

fn finish(s: &mut Script, status: RunStatus, code: i32, message: &str) {
    let code = ExitCode::try_from(code).unwrap();
    s.at(
        80,
        EventKind::ReportWritten {
            markdown: "outputs/2026-11-21_10-00-00_word-count.md".into(),
            json: "outputs/2026-11-21_10-00-00_word-count.json".into(),
        },
    );
    s.at(
        80,
        EventKind::RunFinished {
            status,
            exit_code: code,
            message: message.into(),
        },
    );
    s.app.update(Msg::Finished(code));
}

#[test]
fn screen_failed() {
    let mut s = Script::running();
    s.at(
        5,
        EventKind::StepFailed {
            phase: Phase::Reproduce,
            class: crate::core::event::FailureClass::Unavailable,
            message: "Claude Code is not logged in".into(),
            hints: Vec::new(),
        },
    );
    s.phase(5, Phase::Reproduce, Some(PhaseStatus::Failed));
    finish(
        &mut s,
        RunStatus::Failed,
        69,
        "Claude Code is not logged in: run `claude` once to log in, or set ANTHROPIC_API_KEY",
    );
    snapshot("failed", &s.app);
}

#[test]
fn screen_finished() {
    let mut s = Script::fixed(true);
    for phase in [Phase::Pr, Phase::Report] {
        s.phase(75, phase, None)
            .phase(78, phase, Some(PhaseStatus::Passed));
    }
    finish(
        &mut s,
        RunStatus::Success,
        0,
        "verified fix pushed on fix/word-count",
    );
    snapshot("finished", &s.app);
}

#[test]
fn approving_sends_the_decision_once() {
    let mut s = Script::fixed(true);
    let effects = s.key(KeyCode::Char('a'));
    assert_eq!(
        effects,
        [Effect::Send(Command::Resolve {
            id: 4,
            decision: Decision::Approve
        })]
    );
    assert!(
        s.app.pending().is_none(),
        "answered: no longer shown as waiting"
    );
    assert!(s.key(KeyCode::Char('a')).is_empty(), "no second answer");
}

#[test]
fn revising_sends_the_typed_feedback() {
    let mut s = Script::fixed(true);
    assert!(s.key(KeyCode::Char('r')).is_empty());
    s.typed("handle tabs");
    s.app
        .update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)));
    s.typed("too");
    let effects = s.key(KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Send(Command::Resolve {
            id: 4,
            decision: Decision::Revise {
                feedback: "handle tabs\ntoo".into()
            }
        })]
    );
}

#[test]
fn empty_feedback_is_not_sent_and_tab_inserts_fixloops_finding() {
    let mut s = Script::fixed(false);
    s.key(KeyCode::Char('r'));
    assert!(s.key(KeyCode::Enter).is_empty());
    assert!(matches!(s.app.mode, Mode::Feedback(_)));
    s.key(KeyCode::Tab);
    let effects = s.key(KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::Send(Command::Resolve { decision: Decision::Revise { feedback }, .. })] if feedback.contains("passes without the fix"))
    );
}

#[test]
fn aborting_asks_first() {
    let mut s = Script::fixed(true);
    assert!(s.key(KeyCode::Char('x')).is_empty());
    assert_eq!(s.app.mode, Mode::ConfirmAbort);
    assert!(s.key(KeyCode::Char('n')).is_empty());
    assert_eq!(s.app.mode, Mode::Normal);
    s.key(KeyCode::Char('x'));
    let effects = s.key(KeyCode::Char('y'));
    assert!(matches!(
        &effects[..],
        [Effect::Send(Command::Resolve {
            id: 4,
            decision: Decision::Abort { .. }
        })]
    ));
}

#[test]
fn scrolling_leaves_follow_mode_and_g_returns() {
    let mut s = Script::running();
    for i in 0..100 {
        s.at(
            4,
            EventKind::AgentOutput {
                phase: Phase::Reproduce,
                lines: vec![line(LineKind::Text, &format!("line {i}"))],
            },
        );
    }
    assert!(s.app.log.follow);
    s.key(KeyCode::Char('k'));
    s.key(KeyCode::PageUp);
    assert!(!s.app.log.follow);
    let offset = s.app.log.offset;
    assert!(offset > 1);
    s.at(
        5,
        EventKind::AgentOutput {
            phase: Phase::Reproduce,
            lines: vec![line(LineKind::Text, "new")],
        },
    );
    assert_eq!(
        s.app.log.offset,
        offset + 1,
        "the view stays put while output arrives"
    );
    s.key(KeyCode::Char('G'));
    assert!(s.app.log.follow);
    assert_eq!(s.app.log.offset, 0);
    s.app.update(Msg::Scroll(-3));
    assert!(!s.app.log.follow);
}

#[test]
fn a_manual_step_waits_for_the_person() {
    for (key, ok) in [(KeyCode::Enter, true), (KeyCode::Char('x'), false)] {
        let mut s = Script::running();
        s.at(
            3,
            EventKind::AgentStarted {
                phase: Phase::Reproduce,
                attempt: 1,
                agent: AgentKind::Manual,
                command: "the person".into(),
                resume: None,
                log: "agent.log".into(),
            },
        );
        assert_eq!(s.app.manual_step, Some(Phase::Reproduce));
        assert!(screen(&s.app, 80, 24).contains("Your turn: do the reproduce step by hand."));
        assert_eq!(s.key(key), [Effect::Send(Command::ManualDone { ok })]);
        assert_eq!(s.app.manual_step, None);
    }
}

#[test]
fn doing_a_step_by_hand_from_its_checkpoint() {
    let mut s = Script::running();
    s.at(
        3,
        EventKind::CheckpointReached {
            id: 1,
            kind: CheckpointKind::BeforeStep {
                phase: Phase::Reproduce,
                attempt: 1,
                prompt: "p".into(),
            },
            options: options(&["approve", "edit prompt", "manual", "abort"]),
        },
    );
    assert!(s.key(KeyCode::Char('m')).is_empty());
    assert_eq!(s.app.mode, Mode::ManualBefore);
    assert_eq!(
        s.key(KeyCode::Enter),
        [Effect::Send(Command::Resolve {
            id: 1,
            decision: Decision::Manual
        })]
    );
}

#[test]
fn quitting_waits_for_the_end_and_ctrl_c_cancels_once() {
    let mut s = Script::running();
    assert!(s.key(KeyCode::Char('q')).is_empty());
    assert!(s.app.notice.as_deref().unwrap().contains("Ctrl-C"));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(
        s.app.update(Msg::Key(ctrl_c)),
        [Effect::Send(Command::Cancel)]
    );
    assert!(s.app.update(Msg::Key(ctrl_c)).is_empty());
    finish(&mut s, RunStatus::Partial, 130, "interrupted");
    assert_eq!(s.key(KeyCode::Char('q')), [Effect::Quit]);
}

#[test]
fn after_ctrl_c_the_stopped_run_lets_the_person_go() {
    let mut s = Script::running();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(
        s.app.update(Msg::Key(ctrl_c)),
        [Effect::Send(Command::Cancel)]
    );
    assert_eq!(
        s.app.update(Msg::Finished(ExitCode::Interrupted)),
        [Effect::Quit]
    );
    // A run that ends by itself stays on screen until the person leaves.
    let mut s = Script::running();
    assert!(s.app.update(Msg::Finished(ExitCode::Success)).is_empty());
}

mod browser {
    use super::*;
    use crate::core::history::Row;
    use crate::ui::tui::browser::{BrowserApp, Effect as BEffect, Msg as BMsg, Screen};

    fn row(i: usize, status: &str, deterministic: bool) -> Row {
        Row::from_report(
            &serde_json::json!({
                "run_id": format!("2026-11-{:02}_10-00-00_failure-{i}", 1 + i % 20),
                "name": format!("failure-{i}"),
                "started_at": format!("2026-11-{:02}T10:00:00+00:00", 1 + i % 20),
                "status": status,
                "exit_code": i32::from(status != "success"),
                "duration_ms": 60_000 + (i as u64) * 7_000,
                "agent": {"cost_usd": 0.1 * (i as f64)},
                "input": {"deterministic": deterministic},
                "pr": if status == "success" { serde_json::json!({"url": format!("https://github.com/acme/app/pull/{i}")}) } else { serde_json::Value::Null },
                "phases": [{"name": "confirm-repro", "status": if status == "success" { "passed" } else { "failed" }}],
                "failing_tests": [format!("tests/test_io.py::test_{}", i % 3)],
            }),
            &format!("outputs/failure-{i}.md"),
        )
        .unwrap()
    }

    fn rows() -> Vec<Row> {
        (0..12)
            .map(|i| row(i, if i % 4 == 0 { "failed" } else { "success" }, i % 3 != 0))
            .collect()
    }

    fn draw(app: &BrowserApp, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let mut app = app.clone();
        app.update(BMsg::Resize(width, height));
        terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
        let buffer = terminal.backend().buffer();
        (0..height)
            .map(|y| {
                let row: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
                row.trim_end().to_owned() + "\n"
            })
            .collect()
    }

    fn shots(name: &str, app: &BrowserApp) {
        insta::assert_snapshot!(format!("{name}_80x24"), draw(app, 80, 24));
        insta::assert_snapshot!(format!("{name}_160x48"), draw(app, 160, 48));
    }

    fn key(app: &mut BrowserApp, code: KeyCode) -> Vec<BEffect> {
        app.update(BMsg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    #[test]
    fn screen_report_list() {
        shots(
            "reports_list",
            &BrowserApp::new(rows(), "outputs".into(), false),
        );
    }

    #[test]
    fn screen_empty_report_list() {
        shots(
            "reports_empty",
            &BrowserApp::new(Vec::new(), "/work/app/outputs".into(), false),
        );
    }

    #[test]
    fn screen_filtered_report_list() {
        let mut app = BrowserApp::new(rows(), "outputs".into(), false);
        key(&mut app, KeyCode::Char('/'));
        for c in "failed".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.visible().len(), 3);
        shots("reports_filtered", &app);
        key(&mut app, KeyCode::Char('/'));
        for c in " nothing".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        assert!(app.visible().is_empty());
        shots("reports_filtered_none", &app);
    }

    #[test]
    fn screen_stats() {
        let mut app = BrowserApp::new(rows(), "outputs".into(), false);
        key(&mut app, KeyCode::Char('t'));
        assert_eq!(app.screen, Screen::Stats);
        shots("stats", &app);
    }

    #[test]
    fn keys_move_sort_and_open() {
        let mut app = BrowserApp::new(rows(), "outputs".into(), false);
        let newest = app.visible()[0];
        key(&mut app, KeyCode::Char('j'));
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(app.selected, 2);
        key(&mut app, KeyCode::Char('G'));
        assert_eq!(app.selected, 11);
        key(&mut app, KeyCode::Char('g'));
        let effects = key(&mut app, KeyCode::Enter);
        assert_eq!(
            effects,
            [BEffect::OpenReport {
                path: app.rows[newest].report.clone(),
                title: app.rows[newest].run_id.clone()
            }]
        );
        key(&mut app, KeyCode::Char('s'));
        assert_eq!(app.sort, crate::core::history::SortKey::Name);
        let effects = key(&mut app, KeyCode::Char('r'));
        assert!(matches!(&effects[..], [BEffect::OpenReplay { .. }]));
        key(&mut app, KeyCode::Char('/'));
        key(&mut app, KeyCode::Char('x'));
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.filter, "", "Esc while filtering clears the filter");
        assert_eq!(key(&mut app, KeyCode::Char('q')), [BEffect::Quit]);
    }
}

mod first_use;
