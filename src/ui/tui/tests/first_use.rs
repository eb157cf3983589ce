//! What the first-use review asked of the run screen: the end-of-run summary, keys that never
//! surprise, bounded scrolling, search, small terminals, replays, and the README's picture.

use super::*;

/// The checkpoint after a verified reproduce step, at `attempt`, offering `offered`, with the
/// person's revisions left.
fn reproduced_checkpoint(
    s: &mut Script,
    attempt: u32,
    summary: String,
    offered: &[&str],
    revisions: u32,
) {
    s.at(
        21,
        EventKind::CheckpointReached {
            id: 2,
            kind: CheckpointKind::AfterStep {
                phase: Phase::Reproduce,
                attempt,
                verified: true,
                summary,
                findings: vec![],
                suggested_feedback: String::new(),
                left: Some(RevisionsLeft {
                    revisions,
                    retries: 0,
                }),
            },
            options: options(offered),
        },
    );
}

#[test]
fn the_end_shows_the_summary_and_o_swaps_it_for_the_output() {
    let mut s = Script::fixed(true);
    finish(
        &mut s,
        RunStatus::Success,
        0,
        "verified fix pushed on fix/word-count",
    );
    let shown = screen(&s.app, 80, 24);
    assert!(
        shown.contains("Summary") && shown.contains("Next:"),
        "{shown}"
    );
    // A checkpoint the run left open takes no keys once it is over.
    assert!(s.key(KeyCode::Char('a')).is_empty());
    assert!(s.app.keys().contains(&("o", "output")));
    assert!(s.key(KeyCode::Char('o')).is_empty());
    let output = screen(&s.app, 80, 24);
    assert!(
        output.contains("Output") && !output.contains("Next:"),
        "{output}"
    );
    assert!(s.app.keys().contains(&("o", "summary")));
    s.key(KeyCode::Char('o'));
    assert!(screen(&s.app, 80, 24).contains("Summary"));
    // The summary scrolls, and not below its top.
    s.key(KeyCode::Char('k'));
    assert_eq!(s.app.summary_scroll, 0);
    s.key(KeyCode::Char('j'));
    assert_eq!(s.app.summary_scroll, 1);
    assert_eq!(s.key(KeyCode::Char('q')), [Effect::Quit]);
}

#[test]
fn small_terminals_keep_help_in_reach_and_say_when_they_are_too_small() {
    let mut s = Script::running();
    s.at(
        3,
        EventKind::CheckpointReached {
            id: 1,
            kind: CheckpointKind::BeforeStep {
                phase: Phase::Reproduce,
                attempt: 1,
                prompt: "# Reproduce".into(),
            },
            options: options(&["approve", "edit prompt", "manual", "abort"]),
        },
    );
    for width in [60, 70, 80] {
        let shown = screen(&s.app, width, 20);
        let bar = shown.lines().last().unwrap();
        assert!(bar.contains("a/Enter  start"), "{width}: {bar}");
        assert!(bar.ends_with("?  help"), "{width}: {bar}");
    }
    // The help overlay wraps its lines rather than cutting them.
    s.key(KeyCode::Char('?'));
    let help = screen(&s.app, 80, 24);
    let joined: String = help
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        joined.contains("`fixloop resume RUN_ID` goes on from there"),
        "{help}"
    );
    let tiny = screen(&s.app, 30, 8);
    assert!(tiny.contains("needs at least 50×12"), "{tiny}");
}

#[test]
fn a_key_not_offered_says_why_and_what_is_typed_after_it_does_nothing() {
    let mut s = Script::reproduced(20);
    reproduced_checkpoint(
        &mut s,
        3,
        "fails 3 of 3 runs".into(),
        &["approve", "manual", "abort"],
        0,
    );
    // Enter does not approve an AI step's result: only `a` does.
    assert!(s.key(KeyCode::Enter).is_empty());
    assert!(s.app.pending().is_some());
    // `r` with no revisions left says so, and the feedback typed after it is swallowed.
    assert!(s.key(KeyCode::Char('r')).is_empty());
    assert!(
        matches!(&s.app.mode, Mode::Refused(why) if why.contains("No revisions left: this step was sent back 3 times"))
    );
    let popup = screen(&s.app, 80, 24);
    assert!(popup.contains("Not offered here"), "{popup}");
    for c in "try again, and x".chars() {
        assert!(s.key(KeyCode::Char(c)).is_empty(), "{c} acted");
    }
    assert!(s.key(KeyCode::Enter).is_empty());
    assert!(
        s.key(KeyCode::Char('a')).is_empty(),
        "Enter does not close the box"
    );
    assert!(matches!(s.app.mode, Mode::Refused(_)));
    assert!(s.key(KeyCode::Esc).is_empty());
    assert_eq!(s.app.mode, Mode::Normal);
    assert!(s.app.pending().is_some(), "still waiting for a decision");
    assert_eq!(
        s.key(KeyCode::Char('a')),
        [Effect::Send(Command::Resolve {
            id: 2,
            decision: Decision::Approve
        })]
    );
}

#[test]
fn a_checkpoint_scrolls_to_its_ends_and_no_further() {
    let mut s = Script::running();
    let mut prompt = String::new();
    for i in 1..=120 {
        let _ = writeln!(prompt, "line {i} of the prompt");
    }
    s.at(
        3,
        EventKind::CheckpointReached {
            id: 1,
            kind: CheckpointKind::BeforeStep {
                phase: Phase::Reproduce,
                attempt: 1,
                prompt,
            },
            options: options(&["approve", "edit prompt", "manual", "abort"]),
        },
    );
    s.app.update(Msg::Resize(80, 24));
    for _ in 0..40 {
        s.key(KeyCode::PageDown);
    }
    let end = s.app.detail_scroll;
    assert!(end > 0);
    let bottom = screen(&s.app, 80, 24);
    assert!(bottom.contains("line 120 of the prompt"), "{bottom}");
    s.key(KeyCode::PageDown);
    assert_eq!(s.app.detail_scroll, end, "no scrolling past the end");
    s.key(KeyCode::PageUp);
    assert!(s.app.detail_scroll < end);
    assert!(screen(&s.app, 80, 24).contains("of the prompt"));
    s.key(KeyCode::Char('g'));
    assert_eq!(s.app.detail_scroll, 0);
    s.key(KeyCode::End);
    assert_eq!(s.app.detail_scroll, end);
    s.key(KeyCode::Home);
    assert!(screen(&s.app, 80, 24).contains("What you asked"));
}

#[test]
fn slash_searches_the_output_and_n_goes_to_the_next_match() {
    let mut s = Script::running();
    for c in "/session".chars() {
        s.key(KeyCode::Char(c));
    }
    assert!(screen(&s.app, 80, 24).contains("/session"));
    s.key(KeyCode::Enter);
    assert_eq!(s.app.mode, Mode::Normal);
    assert!(!s.app.log.follow, "the pane moved to the match");
    let shown = screen(&s.app, 80, 24);
    assert!(shown.contains("session 4ee26e0c started"), "{shown}");
    assert!(s.app.notice.as_deref().unwrap().contains("1 matches"));
    for c in "/nothing-like-this".chars() {
        s.key(KeyCode::Char(c));
    }
    s.key(KeyCode::Enter);
    assert!(s.app.notice.as_deref().unwrap().starts_with("no match"));
    // Esc leaves the search box without searching.
    s.key(KeyCode::Char('/'));
    s.key(KeyCode::Char('x'));
    s.key(KeyCode::Esc);
    assert_eq!(s.app.mode, Mode::Normal);
}

/// The screen as an SVG picture: each cell's character in its colour on a dark terminal.
fn picture(app: &RunApp, width: u16, height: u16) -> String {
    use ratatui::style::{Color, Modifier};
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut app = app.clone();
    app.update(Msg::Resize(width, height));
    terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let buffer = terminal.backend().buffer();
    let hex = |c: Color, default: &'static str| -> &'static str {
        match c {
            Color::Black => "#1e1e1e",
            Color::Red => "#f14c4c",
            Color::Green => "#23d18b",
            Color::Yellow => "#f5f543",
            Color::Cyan => "#29b8db",
            Color::DarkGray => "#8a8a8a",
            _ => default,
        }
    };
    let (cw, ch) = (8.4_f64, 17.0_f64);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" \
         font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#1e1e1e\"/>\n",
        f64::from(width) * cw,
        f64::from(height) * ch
    );
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    for y in 0..height {
        for x in 0..width {
            let cell = &buffer[(x, y)];
            let (px, py) = (f64::from(x) * cw, f64::from(y) * ch);
            if cell.bg != Color::Reset {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{cw}\" height=\"{ch}\" fill=\"{}\"/>",
                    hex(cell.bg, "#1e1e1e")
                );
            }
            let symbol = cell.symbol();
            if symbol.trim().is_empty() {
                continue;
            }
            let bold = if cell.modifier.contains(Modifier::BOLD) {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let _ = writeln!(
                svg,
                "<text x=\"{px:.1}\" y=\"{:.1}\" fill=\"{}\"{bold}>{}</text>",
                py + ch * 0.8,
                hex(cell.fg, "#d4d4d4"),
                escape(symbol)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// The README's picture of a checkpoint is this screen, drawn by the code it shows:
/// `FIXLOOP_UPDATE_PICTURES=1 cargo test --lib readme_picture` redraws it after a change.
#[test]
fn the_readme_picture_is_the_real_checkpoint_screen() {
    let mut s = Script::reproduced(20);
    reproduced_checkpoint(
        &mut s,
        1,
        "fails 3 of 3 runs, matching the CI signature `left: 2`".into(),
        &["approve", "revise", "manual", "abort"],
        3,
    );
    let mut app = s.app.clone();
    app.color = true;
    let drawn = picture(&app, 100, 30);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checkpoint.svg");
    if std::env::var("FIXLOOP_UPDATE_PICTURES").as_deref() == Ok("1") {
        std::fs::write(&path, &drawn).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == drawn,
        "docs/checkpoint.svg is not the screen the code draws: \
         FIXLOOP_UPDATE_PICTURES=1 cargo test --lib readme_picture redraws it"
    );
}

#[test]
fn a_replay_is_marked_steps_between_checkpoints_and_decides_nothing() {
    let mut s = Script::fixed(true);
    finish(
        &mut s,
        RunStatus::Success,
        0,
        "verified fix pushed on fix/word-count",
    );
    let mut app = RunApp::replaying(s.events.clone(), false, (100, 30));
    let end = screen(&app, 100, 30);
    assert!(end.contains("REPLAY · the end"), "{end}");
    assert!(end.contains("Summary"), "{end}");
    // Back to the last checkpoint, then the one before, then forward again.
    assert!(
        app.update(Msg::Key(KeyEvent::from(KeyCode::Char('['))))
            .is_empty()
    );
    let last = screen(&app, 100, 30);
    assert!(last.contains("REPLAY · checkpoint"), "{last}");
    assert!(last.contains("Checkpoint"), "{last}");
    app.update(Msg::Key(KeyEvent::from(KeyCode::Char('['))));
    let earlier = screen(&app, 100, 30);
    assert!(earlier.contains("checkpoint 1 of"), "{earlier}");
    // Nothing is decided in a replay.
    assert!(
        app.update(Msg::Key(KeyEvent::from(KeyCode::Char('a'))))
            .is_empty()
    );
    assert!(app.notice.as_deref().unwrap().contains("replay"));
    app.update(Msg::Key(KeyEvent::from(KeyCode::Char(']'))));
    app.update(Msg::Key(KeyEvent::from(KeyCode::Char(']'))));
    app.update(Msg::Key(KeyEvent::from(KeyCode::Char(']'))));
    assert!(screen(&app, 100, 30).contains("REPLAY · the end"));
    assert!(app.keys().contains(&("[/]", "checkpoints")));
}

#[test]
fn editing_the_prompt_goes_through_the_editor() {
    let mut s = Script::running();
    s.at(
        3,
        EventKind::CheckpointReached {
            id: 1,
            kind: CheckpointKind::BeforeStep {
                phase: Phase::Reproduce,
                attempt: 1,
                prompt: "the prompt".into(),
            },
            options: options(&["approve", "edit prompt", "manual", "abort"]),
        },
    );
    let effects = s.key(KeyCode::Char('e'));
    assert_eq!(
        effects,
        [Effect::Edit {
            purpose: EditPurpose::Prompt { id: 1 },
            text: Some("the prompt".into()),
            paths: vec![]
        }]
    );
    // Back unchanged: nothing starts.
    let effects = s.app.update(Msg::EditorClosed {
        purpose: EditPurpose::Prompt { id: 1 },
        text: Some("the prompt\n".into()),
    });
    assert!(effects.is_empty());
    assert!(s.app.notice.as_deref().unwrap().contains("unchanged"));
    assert_eq!(s.app.mode, Mode::Normal);
    // Changed: a look at the change first; Esc drops it, Enter starts the step with it.
    let effects = s.app.update(Msg::EditorClosed {
        purpose: EditPurpose::Prompt { id: 1 },
        text: Some("a better prompt".into()),
    });
    assert!(effects.is_empty());
    let shown = screen(&s.app, 80, 24);
    assert!(
        shown.contains("The edited prompt") && shown.contains("+ a better prompt"),
        "{shown}"
    );
    for c in "xa".chars() {
        assert!(s.key(KeyCode::Char(c)).is_empty(), "{c} acted");
    }
    let effects = s.key(KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Send(Command::Resolve {
            id: 1,
            decision: Decision::EditPrompt {
                prompt: "a better prompt".into()
            }
        })]
    );
}

#[test]
fn w_wraps_long_output_lines_and_x_while_a_step_runs_says_what_stops_it() {
    let mut s = Script::running();
    let long = format!(
        "▸ Read: /scratch/wordstat/{}/the_end.rs",
        "deep/".repeat(20)
    );
    s.at(
        3,
        EventKind::AgentOutput {
            phase: Phase::Reproduce,
            lines: vec![line(LineKind::Tool, &long)],
        },
    );
    let cut = screen(&s.app, 80, 24);
    assert!(!cut.contains("the_end.rs"), "{cut}");
    assert!(s.key(KeyCode::Char('w')).is_empty());
    let wrapped = screen(&s.app, 80, 24);
    assert!(wrapped.contains("the_end.rs"), "{wrapped}");
    assert!(wrapped.contains("wrapped"), "{wrapped}");
    // The lines before it are still shown above it.
    assert!(wrapped.contains("session 4ee26e0c"), "{wrapped}");
    assert!(s.key(KeyCode::Char('x')).is_empty());
    assert!(
        s.app
            .notice
            .as_deref()
            .unwrap()
            .contains("Ctrl-C stops the run now"),
        "{:?}",
        s.app.notice
    );
}

#[test]
fn a_skipped_phase_has_a_legend() {
    let mut s = Script::running();
    s.phase(3, Phase::Pr, Some(PhaseStatus::Skipped));
    let shown = screen(&s.app, 120, 40);
    assert!(shown.contains("– skipped"), "{shown}");
    let plain = Script::running();
    assert!(!screen(&plain.app, 120, 40).contains("– skipped"));
}
