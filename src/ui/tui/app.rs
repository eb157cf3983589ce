//! The live run's UI state. `update(msg)` is the only place it changes; rendering (in `views`)
//! reads it. No terminal, no IO: tests drive it with messages.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod log;
mod replay;
mod search;
pub use log::{LOG_WINDOW, LogPane};
pub use replay::Replay;

use super::textbox::TextBox;
use crate::core::command::Command;
use crate::core::event::{CheckpointKind, Decision, DecisionKind, Event, EventKind, Phase};
use crate::core::exit::ExitCode;
use crate::core::info::AgentKind;
use crate::core::view::{CheckpointView, RunView};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing the reviewer's feedback for a revision.
    Feedback(TextBox),
    /// Asking whether to abort the run.
    ConfirmAbort,
    /// The person is doing the step by hand (chosen at a checkpoint before an AI step).
    ManualBefore,
    Help,
    /// Typing what to search for with `/`.
    Search(TextBox),
    /// A key asked for something this checkpoint does not offer: why, until Esc. Every other
    /// key is swallowed, so text typed after it cannot act as keys.
    Refused(String),
    /// The prompt came back from `$EDITOR` changed: Enter starts the step with it, `e` edits
    /// it again, Esc drops the edit.
    EditedPrompt {
        id: u32,
        prompt: String,
    },
}

/// What the person wants opened in `$EDITOR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditPurpose {
    /// The composed prompt of checkpoint `id`; the edited text starts the step.
    Prompt { id: u32 },
    /// The step's files; after the editor closes, fixloop checks the step again.
    Files { id: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Event(Box<Event>),
    Key(KeyEvent),
    /// Mouse wheel: negative is up.
    Scroll(i32),
    Tick(DateTime<Utc>),
    Resize(u16, u16),
    /// The run is over with this exit code.
    Finished(ExitCode),
    /// `$EDITOR` closed; `text` is the edited prompt (for `EditPurpose::Prompt`).
    EditorClosed {
        purpose: EditPurpose,
        text: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Send(Command),
    /// Open `$EDITOR`: on `text` (a prompt) or on `paths`.
    Edit {
        purpose: EditPurpose,
        text: Option<String>,
        paths: Vec<String>,
    },
    Quit,
}

/// The key that approves at each kind of checkpoint: `a` (or Enter) starts a step, only `a`
/// approves its result, only `P` pushes.
fn approves(kind: &CheckpointKind, code: KeyCode) -> bool {
    matches!(
        (kind, code),
        (
            CheckpointKind::BeforeStep { .. },
            KeyCode::Char('a') | KeyCode::Enter
        ) | (CheckpointKind::AfterStep { .. }, KeyCode::Char('a'))
            | (CheckpointKind::BeforePush { .. }, KeyCode::Char('P'))
    )
}

/// The summary scrolls no further than this many lines (it is far shorter).
const SUMMARY_MAX: u16 = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct RunApp {
    pub view: RunView,
    pub log: LogPane,
    pub mode: Mode,
    /// The checkpoint the person answered and the engine has not yet confirmed.
    pub answered: Option<u32>,
    /// Scroll of the checkpoint's details.
    pub detail_scroll: u16,
    pub now: DateTime<Utc>,
    pub exit_code: Option<ExitCode>,
    pub cancelling: bool,
    pub notice: Option<String>,
    pub color: bool,
    pub width: u16,
    pub height: u16,
    /// The agent is the person: waiting for them to finish the step.
    pub manual_step: Option<Phase>,
    /// Once the run is over, the output pane instead of the summary (`o`).
    pub show_output: bool,
    /// The last search (`/`), for `n` and `N`.
    pub search: Option<String>,
    /// A past run shown from its journal, stepped checkpoint by checkpoint.
    pub replay: Option<Box<Replay>>,
    /// Scroll of the summary.
    pub summary_scroll: u16,
}

impl RunApp {
    #[must_use]
    pub fn new(color: bool, now: DateTime<Utc>) -> Self {
        Self {
            view: RunView::new(),
            log: LogPane {
                follow: true,
                ..LogPane::default()
            },
            mode: Mode::Normal,
            answered: None,
            detail_scroll: 0,
            now,
            exit_code: None,
            cancelling: false,
            notice: None,
            color,
            width: 80,
            height: 24,
            manual_step: None,
            show_output: false,
            search: None,
            replay: None,
            summary_scroll: 0,
        }
    }

    /// The checkpoint waiting for the person, if any.
    #[must_use]
    pub(crate) fn pending(&self) -> Option<&CheckpointView> {
        self.view
            .checkpoints
            .last()
            .filter(|cp| cp.resolution.is_none() && self.answered != Some(cp.id))
    }

    fn offers(cp: &CheckpointView, option: DecisionKind) -> bool {
        cp.options.contains(&option)
    }

    /// Whether the person may send this step back: revisions are offered and the person's own
    /// are not used up (the automatic retries are a policy's, not theirs).
    fn may_revise(cp: &CheckpointView) -> bool {
        let own = match &cp.kind {
            CheckpointKind::AfterStep { left, .. } => left.is_none_or(|l| l.revisions > 0),
            _ => false,
        };
        own && Self::offers(cp, DecisionKind::Revise)
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Event(event) => {
                self.on_event(&event);
                Vec::new()
            }
            Msg::Tick(now) => {
                self.now = now;
                Vec::new()
            }
            Msg::Resize(width, height) => {
                self.width = width;
                self.height = height;
                Vec::new()
            }
            Msg::Scroll(delta) => {
                if self.pending().is_some() {
                    self.scroll_detail(i64::from(delta));
                } else {
                    self.log.scroll(-i64::from(delta));
                }
                Vec::new()
            }
            Msg::Finished(code) => {
                self.exit_code = Some(code);
                self.mode = Mode::Normal;
                self.manual_step = None;
                // The person asked to stop: once the run has stopped safely, they are let go.
                if self.cancelling {
                    vec![Effect::Quit]
                } else {
                    Vec::new()
                }
            }
            Msg::EditorClosed { purpose, text } => match purpose {
                EditPurpose::Prompt { id } => {
                    let composed = self.pending().and_then(|cp| match &cp.kind {
                        CheckpointKind::BeforeStep { prompt, .. } => Some(prompt.clone()),
                        _ => None,
                    });
                    match text {
                        Some(prompt) if prompt.trim().is_empty() => {
                            self.notice = Some(
                                "the prompt was left empty; nothing started (a starts the step \
                                 as composed)"
                                    .into(),
                            );
                        }
                        Some(prompt) if composed.is_some_and(|c| c.trim() == prompt.trim()) => {
                            self.notice = Some(
                                "the prompt is unchanged; nothing started (a starts the step, e \
                                 edits the prompt)"
                                    .into(),
                            );
                        }
                        Some(prompt) => self.mode = Mode::EditedPrompt { id, prompt },
                        None => {
                            self.notice =
                                Some("the editor gave nothing back; nothing started".into());
                        }
                    }
                    Vec::new()
                }
                EditPurpose::Files { id } => self.answer(id, Decision::Manual),
            },
            Msg::Key(key) => self.on_key(key),
        }
    }

    fn on_event(&mut self, event: &Event) {
        self.view.apply(event);
        match &event.kind {
            EventKind::AgentOutput { phase, lines }
            | EventKind::TestOutput { phase, lines, .. } => {
                for line in lines {
                    self.log.push(*phase, line.clone());
                }
            }
            EventKind::CheckpointReached { .. } => {
                self.detail_scroll = 0;
                self.mode = Mode::Normal;
            }
            EventKind::CheckpointResolved { id, .. } if self.answered == Some(*id) => {
                self.answered = None;
            }
            EventKind::AgentStarted {
                phase,
                agent: AgentKind::Manual,
                ..
            } => {
                self.manual_step = Some(*phase);
            }
            EventKind::AgentFinished { .. } => self.manual_step = None,
            _ => {}
        }
    }

    fn answer(&mut self, id: u32, decision: Decision) -> Vec<Effect> {
        self.answered = Some(id);
        self.mode = Mode::Normal;
        self.notice = None;
        vec![Effect::Send(Command::Resolve { id, decision })]
    }

    /// Scrolls the checkpoint's text, no further than its end.
    fn scroll_detail(&mut self, delta: i64) {
        let max = self.detail_max();
        let next = i64::from(self.detail_scroll) + delta;
        self.detail_scroll = u16::try_from(next.clamp(0, i64::from(max))).unwrap_or(0);
    }

    /// How far the pending checkpoint's text scrolls in the pane it has now.
    fn detail_max(&self) -> u16 {
        let Some(cp) = self.pending() else {
            return 0;
        };
        let width = self
            .width
            .saturating_sub(super::views::phases_width(self.width));
        let input = match self.mode {
            Mode::Feedback(_) | Mode::ConfirmAbort | Mode::ManualBefore => 7,
            _ => 0,
        };
        let height = self
            .height
            .saturating_sub(super::views::chrome_rows(self.width) + input);
        super::views::checkpoint_scroll_max(self, cp, width, height)
    }

    fn page(&self) -> i64 {
        i64::from(self.height.saturating_sub(6).max(1))
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return self.interrupt();
        }
        if let Some(effects) = self.modal_key(key) {
            return effects;
        }
        if let Some(effects) = self.replay_key(key) {
            return effects;
        }
        if let Some(phase) = self.manual_step {
            match key.code {
                KeyCode::Enter => {
                    self.manual_step = None;
                    return vec![Effect::Send(Command::ManualDone { ok: true })];
                }
                KeyCode::Char('x') => {
                    self.manual_step = None;
                    return vec![Effect::Send(Command::ManualDone { ok: false })];
                }
                _ => {
                    let _ = phase;
                }
            }
        }
        if self.view.finished.is_some() && !self.show_output {
            return self.summary_key(key);
        }
        match key.code {
            KeyCode::Char('/') => {
                self.mode = Mode::Search(TextBox::default());
                return Vec::new();
            }
            KeyCode::Char('n') if self.search.is_some() => {
                self.find(true);
                return Vec::new();
            }
            KeyCode::Char('N') if self.search.is_some() => {
                self.find(false);
                return Vec::new();
            }
            _ => {}
        }
        if let Some(cp) = self.pending().cloned()
            && self.view.finished.is_none()
            && let Some(effects) = self.checkpoint_key(key, &cp)
        {
            return effects;
        }
        match key.code {
            KeyCode::Char('o') if self.view.finished.is_some() => self.show_output = false,
            KeyCode::Char('q') | KeyCode::Esc => {
                if self.exit_code.is_some() {
                    return vec![Effect::Quit];
                }
                self.notice = Some(
                    "the run is still going: Ctrl-C stops it (`fixloop resume` goes on later)"
                        .into(),
                );
            }
            KeyCode::Char('?') => self.mode = Mode::Help,
            KeyCode::Char('j') | KeyCode::Down => self.log.scroll(-1),
            KeyCode::Char('k') | KeyCode::Up => self.log.scroll(1),
            KeyCode::PageDown => self.log.scroll(-self.page()),
            KeyCode::PageUp => self.log.scroll(self.page()),
            KeyCode::Char('g') | KeyCode::Home => self.log.scroll(i64::MAX / 2),
            KeyCode::Char('G') | KeyCode::End => {
                self.log.offset = 0;
                self.log.follow = true;
            }
            KeyCode::Char('w') => self.log.wrap = !self.log.wrap,
            KeyCode::Char('x') if self.exit_code.is_none() => {
                self.notice = Some(
                    "a step is running: x aborts at the next checkpoint; Ctrl-C stops the run \
                     now (`fixloop resume` goes on later)"
                        .into(),
                );
            }
            KeyCode::Char('f') => {
                self.log.follow = !self.log.follow;
                if self.log.follow {
                    self.log.offset = 0;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// How many times a person may send each AI step back in this run.
    pub(crate) fn max_revisions(&self) -> u32 {
        self.view
            .setup
            .as_ref()
            .and_then(|setup| setup.settings.max_revisions)
            .unwrap_or(3)
    }

    /// Keys on the summary at the end of a run: it scrolls, `o` shows the output instead.
    fn summary_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // The summary: it scrolls, `o` shows the output instead.
        let page = u16::try_from(self.page()).unwrap_or(1);
        match key.code {
            KeyCode::Char('o') => self.show_output = true,
            KeyCode::Char('j') | KeyCode::Down => {
                self.summary_scroll = self.summary_scroll.saturating_add(1).min(SUMMARY_MAX);
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.summary_scroll = self.summary_scroll.saturating_sub(1);
            }
            KeyCode::PageDown | KeyCode::Char(' ') => {
                self.summary_scroll = self.summary_scroll.saturating_add(page).min(SUMMARY_MAX);
            }
            KeyCode::PageUp => self.summary_scroll = self.summary_scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => self.summary_scroll = 0,
            KeyCode::Char('q') | KeyCode::Esc if self.exit_code.is_some() => {
                return vec![Effect::Quit];
            }
            KeyCode::Char('?') => self.mode = Mode::Help,
            _ => {}
        }
        Vec::new()
    }

    /// A key while a box or an input is open: it goes there and nowhere else. `None` when none
    /// is open.
    fn modal_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Feedback(mut text) => Some(self.feedback_key(key, &mut text)),
            Mode::ConfirmAbort => {
                if matches!(key.code, KeyCode::Char('y' | 'Y'))
                    && let Some(cp) = self.pending().cloned()
                {
                    return Some(self.answer(
                        cp.id,
                        Decision::Abort {
                            reason: "aborted by the reviewer".into(),
                        },
                    ));
                }
                Some(Vec::new())
            }
            Mode::ManualBefore => Some(match key.code {
                KeyCode::Enter => match self.pending().cloned() {
                    Some(cp) => self.answer(cp.id, Decision::Manual),
                    None => Vec::new(),
                },
                KeyCode::Esc => Vec::new(),
                _ => {
                    self.mode = Mode::ManualBefore;
                    Vec::new()
                }
            }),
            Mode::Help => Some(Vec::new()),
            Mode::Search(mut text) => Some(self.search_key(key, &mut text)),
            Mode::EditedPrompt { id, prompt } => Some(match key.code {
                KeyCode::Enter => self.answer(id, Decision::EditPrompt { prompt }),
                KeyCode::Char('e') => vec![Effect::Edit {
                    purpose: EditPurpose::Prompt { id },
                    text: Some(prompt),
                    paths: Vec::new(),
                }],
                KeyCode::Esc => {
                    self.notice = Some("the edit was dropped; nothing started".into());
                    Vec::new()
                }
                _ => {
                    self.mode = Mode::EditedPrompt { id, prompt };
                    Vec::new()
                }
            }),
            Mode::Refused(why) => {
                // Only Esc closes it: Enter is part of typed feedback too.
                if key.code != KeyCode::Esc {
                    self.mode = Mode::Refused(why);
                }
                Some(Vec::new())
            }
            Mode::Normal => None,
        }
    }

    fn interrupt(&mut self) -> Vec<Effect> {
        if self.exit_code.is_some() {
            return vec![Effect::Quit];
        }
        if self.cancelling {
            self.notice = Some("still stopping the run's processes…".into());
            return Vec::new();
        }
        self.cancelling = true;
        self.mode = Mode::Normal;
        self.notice = Some("stopping the run safely…".into());
        vec![Effect::Send(Command::Cancel)]
    }

    /// Keys at a checkpoint; `None` lets the key fall through to scrolling and help.
    fn checkpoint_key(&mut self, key: KeyEvent, cp: &CheckpointView) -> Option<Vec<Effect>> {
        let id = cp.id;
        let effects = match (&cp.kind, key.code) {
            (_, KeyCode::Char('j') | KeyCode::Down) => {
                self.scroll_detail(1);
                Vec::new()
            }
            (_, KeyCode::Char('k') | KeyCode::Up) => {
                self.scroll_detail(-1);
                Vec::new()
            }
            (_, KeyCode::PageDown | KeyCode::Char(' ')) => {
                self.scroll_detail(self.page());
                Vec::new()
            }
            (_, KeyCode::PageUp) => {
                self.scroll_detail(-self.page());
                Vec::new()
            }
            (_, KeyCode::Char('g') | KeyCode::Home) => {
                self.detail_scroll = 0;
                Vec::new()
            }
            (_, KeyCode::Char('G') | KeyCode::End) => {
                self.detail_scroll = self.detail_max();
                Vec::new()
            }
            (_, KeyCode::Char('x')) => {
                self.mode = Mode::ConfirmAbort;
                Vec::new()
            }
            (kind, code) if approves(kind, code) && Self::offers(cp, DecisionKind::Approve) => {
                self.answer(id, Decision::Approve)
            }
            (CheckpointKind::BeforePush { .. }, KeyCode::Char('a') | KeyCode::Enter) => {
                self.notice = Some("P pushes the fix branch (x aborts)".into());
                Vec::new()
            }
            (CheckpointKind::AfterStep { .. }, KeyCode::Enter) => {
                self.notice = Some("Enter does nothing here: the keys below say what does".into());
                Vec::new()
            }
            (CheckpointKind::AfterStep { .. }, KeyCode::Char('a')) => {
                self.mode = Mode::Refused(
                    "This step cannot be approved as it is: fixloop's checks did not pass. \
                     r revises it with your feedback (if attempts are left), o edits its files \
                     and rechecks them, x aborts the run."
                        .into(),
                );
                Vec::new()
            }
            (CheckpointKind::BeforeStep { prompt, .. }, KeyCode::Char('e')) => vec![Effect::Edit {
                purpose: EditPurpose::Prompt { id },
                text: Some(prompt.clone()),
                paths: Vec::new(),
            }],
            (CheckpointKind::BeforeStep { .. }, KeyCode::Char('m')) => {
                self.mode = Mode::ManualBefore;
                Vec::new()
            }
            (CheckpointKind::AfterStep { .. }, KeyCode::Char('r')) if Self::may_revise(cp) => {
                self.mode = Mode::Feedback(TextBox::default());
                Vec::new()
            }
            (CheckpointKind::AfterStep { left, .. }, KeyCode::Char('r')) => {
                let why = if left.is_some() {
                    format!(
                        "No revisions left: this step was sent back {} times, all a run allows \
                         (`--revisions N` gives a run more).",
                        self.max_revisions()
                    )
                } else {
                    "No revisions left: this run's attempts are used (`--attempts N` gives a run \
                     more)."
                        .to_owned()
                };
                self.mode = Mode::Refused(format!(
                    "{why} o edits the files by hand and rechecks them, a approves (if fixloop's \
                     checks passed), x aborts the run."
                ));
                Vec::new()
            }
            (CheckpointKind::AfterStep { phase, .. }, KeyCode::Char('o')) => vec![Effect::Edit {
                purpose: EditPurpose::Files { id },
                text: None,
                paths: self.step_files(*phase),
            }],
            _ => return None,
        };
        Some(effects)
    }

    fn feedback_key(&mut self, key: KeyEvent, text: &mut TextBox) -> Vec<Effect> {
        let newline = key.modifiers.contains(KeyModifiers::ALT)
            || (key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('j'));
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Enter if !newline => {
                if text.is_blank() {
                    self.notice = Some("write what the agent should change, or Esc".into());
                } else if let Some(cp) = self.pending().cloned() {
                    return self.answer(
                        cp.id,
                        Decision::Revise {
                            feedback: text.text(),
                        },
                    );
                }
            }
            KeyCode::Enter | KeyCode::Char('j') if newline => text.newline(),
            KeyCode::Tab => match self.pending().map(|cp| cp.kind.clone()) {
                Some(CheckpointKind::AfterStep {
                    suggested_feedback, ..
                }) if !suggested_feedback.trim().is_empty() => text.insert_str(&suggested_feedback),
                _ => self.notice = Some("fixloop has no finding to insert for this step".into()),
            },
            KeyCode::Backspace => text.backspace(),
            KeyCode::Left => text.left(),
            KeyCode::Right => text.right(),
            KeyCode::Up => text.up(),
            KeyCode::Down => text.down(),
            KeyCode::Char(c) => text.insert(c),
            _ => {}
        }
        self.mode = Mode::Feedback(text.clone());
        Vec::new()
    }

    /// The files a person would open to edit a step's result.
    fn step_files(&self, phase: Phase) -> Vec<String> {
        if phase == Phase::Fix {
            let (Some(fix), Some(v)) = (&self.view.fix, self.view.verification()) else {
                return Vec::new();
            };
            v.diff
                .lines()
                .filter_map(|l| l.strip_prefix("+++ b/"))
                .map(|f| format!("{}/{f}", fix.worktree))
                .collect()
        } else {
            // repro.json and the files it names, where the step wrote them.
            let mut files = vec![format!("{}/repro.json", self.view.failure_dir)];
            if let Some(repro) = &self.view.current_reproduction {
                files.extend(
                    repro
                        .files
                        .iter()
                        .map(|(source, _)| source.display().to_string()),
                );
            }
            files
        }
    }

    /// Where the person works when they do `phase` by hand, once fixloop knows it.
    pub(crate) fn manual_worktree(&self, phase: Phase) -> Option<String> {
        if phase == Phase::Fix {
            self.view.fix.as_ref().map(|f| f.worktree.clone())
        } else {
            self.view.scratch.clone()
        }
    }

    /// The footer: the keys that work right now.
    #[must_use]
    pub(crate) fn keys(&self) -> Vec<(&'static str, &'static str)> {
        match &self.mode {
            Mode::Feedback(_) => {
                return vec![
                    ("Enter", "send"),
                    ("Alt-Enter", "new line"),
                    ("Tab", "insert fixloop's finding"),
                    ("Esc", "cancel"),
                ];
            }
            Mode::ConfirmAbort => return vec![("y", "abort the run"), ("any key", "back")],
            Mode::ManualBefore => return vec![("Enter", "done, check it"), ("Esc", "back")],
            Mode::Help => return vec![("any key", "close")],
            Mode::Refused(_) => return vec![("Esc", "back")],
            Mode::EditedPrompt { .. } => {
                return vec![
                    ("Enter", "start"),
                    ("e", "edit again"),
                    ("Esc", "drop the edit"),
                ];
            }
            Mode::Search(_) => return vec![("Enter", "find"), ("Esc", "cancel")],
            Mode::Normal => {}
        }
        if self.replay.is_some() {
            let mut keys = vec![("[/]", "checkpoints"), ("j/k", "scroll")];
            if self.view.finished.is_some() {
                keys.push(if self.show_output {
                    ("o", "summary")
                } else {
                    ("o", "output")
                });
            }
            keys.extend([("q", "back"), ("?", "help")]);
            return keys;
        }
        if self.view.finished.is_some() {
            let other = if self.show_output {
                ("o", "summary")
            } else {
                ("o", "output")
            };
            let mut keys = vec![("j/k", "scroll"), other];
            if self.exit_code.is_some() {
                keys.push(("q", "quit"));
            }
            keys.push(("?", "help"));
            return keys;
        }
        if self.manual_step.is_some() {
            return vec![
                ("Enter", "I'm done"),
                ("x", "give up the step"),
                ("Ctrl-C", "stop"),
            ];
        }
        if let Some(cp) = self.pending() {
            let mut keys = Vec::new();
            match &cp.kind {
                CheckpointKind::BeforeStep { .. } => {
                    keys.extend([
                        ("a/Enter", "start"),
                        ("e", "edit prompt"),
                        ("m", "do it by hand"),
                    ]);
                }
                CheckpointKind::AfterStep { .. } => {
                    if Self::offers(cp, DecisionKind::Approve) {
                        keys.push(("a", "approve"));
                    }
                    if Self::may_revise(cp) {
                        keys.push(("r", "revise"));
                    }
                    keys.push(("o", "edit & recheck"));
                }
                CheckpointKind::BeforePush { .. } => keys.push(("P", "push")),
            }
            keys.extend([("x", "abort"), ("j/k", "scroll"), ("?", "help")]);
            return keys;
        }
        vec![
            ("j/k", "scroll"),
            ("f", "follow"),
            ("g/G", "top/bottom"),
            ("w", "wrap"),
            ("?", "help"),
            ("Ctrl-C", "stop"),
        ]
    }
}
