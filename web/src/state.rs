//! The page's state, kept by one reducer: what the user chose (text, target, build args,
//! panel, stage, step, theme) and the simulation derived from it.

use std::collections::BTreeMap;
use std::rc::Rc;

use stagecraft_analysis::{Analysis, LineIndex, Options, Severity, TextRange};
use stagecraft_simulate::{FinalImage, SimOptions, StageResult, Step};
use yew::Reducible;

use crate::examples;

/// Above this many lines the simulated build (image, steps, sizes) is not run: it grows
/// with the file and would make typing lag; the parse, the graph and the checks still run.
pub const SIMULATE_MAX_LINES: usize = 1_500;
/// Above this many lines (or bytes) analysis waits until typing pauses instead of running
/// on every keystroke, so a huge paste never queues up work per key.
pub const DEFER_LINES: usize = 400;
pub const DEFER_BYTES: usize = 40_000;
/// The diagnostics list shows at most this many rows (binary junk can yield thousands).
pub const MAX_DIAGNOSTIC_ROWS: usize = 300;

/// The tabs of the right-hand pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Graph,
    Image,
    Steps,
}

impl Panel {
    pub const ALL: [Panel; 3] = [Panel::Graph, Panel::Image, Panel::Steps];

    pub fn label(self) -> &'static str {
        match self {
            Panel::Graph => "Graph",
            Panel::Image => "Image",
            Panel::Steps => "Steps",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Panel::Graph => "graph",
            Panel::Image => "image",
            Panel::Steps => "steps",
        }
    }
}

/// The colour scheme: the system's, or forced by the toggle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Theme {
        match s {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

/// One diagnostic with its position as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticRow {
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Byte range in the analysed text.
    pub range: TextRange,
    /// A one-click fix: its title, and the replacement of a range of the analysed text.
    pub fix: Option<(String, TextRange, String)>,
}

/// What the analysis depends on besides the text: every panel's result is a function of
/// the text and these. Extend it (not `View::compute`'s signature) when a new input appears.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    /// `--target`; the last stage when `None`.
    pub target: Option<String>,
    /// `KEY=VALUE` lines.
    pub build_args: String,
}

/// Everything derived from one text and one set of options. Built once per analysis and
/// shared by every panel.
#[derive(Debug)]
pub struct View {
    /// The text this was computed from: ranges below index into it.
    pub text: Rc<str>,
    pub lines: LineIndex,
    pub analysis: Analysis,
    pub stages: Vec<Option<StageResult>>,
    pub steps: Vec<Step>,
    pub image: Option<FinalImage>,
    pub diagnostics: Vec<DiagnosticRow>,
    /// Whether the simulated build ran (it is off for very long files).
    pub simulated: bool,
    /// The state generation this was computed for; the graph shows it as `data-rev` so
    /// measurements can tell when a keystroke's result is on screen.
    pub rev: u64,
}

impl View {
    pub fn compute(text: Rc<str>, inputs: &Inputs, rev: u64) -> View {
        let options = Options {
            target: inputs.target.clone(),
            build_args: parse_build_args(&inputs.build_args),
            dockerignore: None,
        };
        let lines = LineIndex::new(&text);
        let simulated = lines.line_count() <= SIMULATE_MAX_LINES;
        let (analysis, stages, steps, image, diagnostics) = if simulated {
            let sim = stagecraft_simulate::simulate(
                &text,
                &SimOptions {
                    analysis: options,
                    ..SimOptions::default()
                },
            );
            (
                sim.analysis,
                sim.stages,
                sim.steps,
                sim.image,
                sim.diagnostics,
            )
        } else {
            let analysis = stagecraft_analysis::analyze(&text, &options);
            let diagnostics = analysis.diagnostics.clone();
            (analysis, Vec::new(), Vec::new(), None, diagnostics)
        };
        let diagnostics = diagnostics
            .into_iter()
            .map(|d| {
                let at = lines.line_col(&text, d.range.start);
                DiagnosticRow {
                    line: at.line,
                    column: at.column,
                    severity: d.severity,
                    code: d.code,
                    message: d.message,
                    help: d.help,
                    range: d.range,
                    fix: d.fix.map(|f| (f.title, f.range, f.replacement)),
                }
            })
            .collect();
        View {
            text,
            lines,
            analysis,
            stages,
            steps,
            image,
            diagnostics,
            simulated,
            rev,
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// The stage's label as the page shows it: its name, or `stage N`.
    pub fn stage_label(&self, index: usize) -> String {
        match self.analysis.stages.get(index).and_then(|s| s.name.clone()) {
            Some(name) => name,
            None => format!("stage {index}"),
        }
    }

    /// The simulated result of stage `index`, if it was simulated.
    pub fn stage_result(&self, index: usize) -> Option<&StageResult> {
        self.stages.get(index).and_then(Option::as_ref)
    }
}

/// A `View` behind an `Rc`, compared by identity: props change only when a new analysis
/// lands, so panels skip re-rendering on unrelated state changes.
#[derive(Debug, Clone)]
pub struct Shared(pub Rc<View>);

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Shared {
    type Target = View;
    fn deref(&self) -> &View {
        &self.0
    }
}

/// A request to select a range in the editor; `seq` makes a repeated jump to the same
/// range still fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub range: TextRange,
    pub seq: u64,
    /// Whether the editor takes the focus (a click in the list) or only scrolls there (a
    /// step of the build, whose keys must keep working).
    pub focus: bool,
}

/// The page's state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub text: Rc<str>,
    /// `--target`; the last stage when `None`.
    pub target: Option<String>,
    /// `KEY=VALUE` lines.
    pub build_args: String,
    pub panel: Panel,
    pub selected_stage: Option<usize>,
    pub step: usize,
    pub playing: bool,
    pub theme: Theme,
    pub view: Shared,
    /// The text changed and the view has not caught up yet (large files wait for a pause).
    pub stale: bool,
    /// Bumped on every change of text or options: the autosave and the deferred analysis
    /// key on it.
    pub generation: u64,
    pub jump: Option<Jump>,
    /// A message for the user (a restored or set-aside save, a loaded example).
    pub notice: Option<String>,
}

/// What the user (or a timer) can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Edit(String),
    SetTarget(Option<String>),
    SetBuildArgs(String),
    LoadExample(usize),
    /// Restores saved state at start-up.
    Restore {
        text: String,
        target: Option<String>,
        build_args: String,
        notice: Option<String>,
    },
    /// Runs a deferred analysis now, if the text is still at `generation`.
    Analyze(u64),
    SelectPanel(Panel),
    /// Selects a stage and moves the editor to its FROM line.
    SelectStage(usize),
    /// Selects a byte range in the editor.
    JumpTo(TextRange),
    StepTo(usize),
    StepBy(isize),
    Play,
    Pause,
    /// A tick of the player: the next step, stopping at the end.
    Tick,
    SetTheme(Theme),
    Notice(Option<String>),
}

impl AppState {
    pub fn new(text: String, target: Option<String>, build_args: String) -> Self {
        let text: Rc<str> = text.into();
        let inputs = Inputs {
            target: target.clone(),
            build_args: build_args.clone(),
        };
        let view = Shared(Rc::new(View::compute(text.clone(), &inputs, 0)));
        AppState {
            text,
            target,
            build_args,
            panel: Panel::Graph,
            selected_stage: None,
            step: 0,
            playing: false,
            theme: Theme::System,
            view,
            stale: false,
            generation: 0,
            jump: None,
            notice: None,
        }
    }

    /// Whether analysis of the current text waits for a pause in typing.
    pub fn deferred(&self) -> bool {
        self.text.len() > DEFER_BYTES || line_count(&self.text) > DEFER_LINES
    }

    fn reanalyze(&mut self) {
        self.generation += 1;
        if self.deferred() {
            self.stale = true;
        } else {
            self.recompute();
        }
    }

    /// The inputs of the analysis, as the state holds them now.
    pub fn inputs(&self) -> Inputs {
        Inputs {
            target: self.target.clone(),
            build_args: self.build_args.clone(),
        }
    }

    fn recompute(&mut self) {
        self.view = Shared(Rc::new(View::compute(
            self.text.clone(),
            &self.inputs(),
            self.generation,
        )));
        self.stale = false;
        self.step = self.step.min(self.view.steps.len().saturating_sub(1));
        if self
            .selected_stage
            .is_some_and(|s| s >= self.view.analysis.stages.len())
        {
            self.selected_stage = None;
        }
    }

    fn jump(&mut self, range: TextRange, focus: bool) {
        let seq = self.jump.map_or(0, |j| j.seq + 1);
        self.jump = Some(Jump { range, seq, focus });
    }

    /// The range the editor marks: the current step's instruction on the Steps tab, the
    /// selected stage's FROM elsewhere.
    pub fn marked_range(&self) -> Option<TextRange> {
        if self.stale {
            return None;
        }
        if self.panel == Panel::Steps {
            return self.view.steps.get(self.step).map(|s| s.range);
        }
        self.selected_stage
            .and_then(|s| self.view.analysis.stages.get(s))
            .map(|s| s.range)
    }

    /// The stage the graph marks as active.
    pub fn active_stage(&self) -> Option<usize> {
        if self.panel == Panel::Steps {
            return self.view.steps.get(self.step).map(|s| s.stage);
        }
        self.selected_stage
    }
}

impl Default for AppState {
    fn default() -> Self {
        let example = &examples::EXAMPLES[0];
        AppState::new(example.text.to_owned(), None, String::new())
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Edit(text) => {
                if *text == *self.text {
                    return self;
                }
                next.text = text.into();
                next.reanalyze();
            }
            Action::SetTarget(target) => {
                if target == self.target {
                    return self;
                }
                next.target = target;
                next.reanalyze();
            }
            Action::SetBuildArgs(args) => {
                if args == self.build_args {
                    return self;
                }
                next.build_args = args;
                next.reanalyze();
            }
            Action::LoadExample(index) => {
                let Some(example) = examples::EXAMPLES.get(index) else {
                    return self;
                };
                next.text = example.text.into();
                next.target = example.target.map(str::to_owned);
                next.build_args = example.build_args.to_owned();
                next.selected_stage = None;
                next.step = 0;
                next.playing = false;
                next.notice = None;
                next.reanalyze();
            }
            Action::Restore {
                text,
                target,
                build_args,
                notice,
            } => {
                next.text = text.into();
                next.target = target;
                next.build_args = build_args;
                next.notice = notice;
                next.reanalyze();
            }
            Action::Analyze(generation) => {
                if !self.stale || generation != self.generation {
                    return self;
                }
                next.recompute();
            }
            Action::SelectPanel(panel) => {
                if panel == self.panel {
                    return self;
                }
                next.panel = panel;
                if panel != Panel::Steps {
                    next.playing = false;
                }
            }
            Action::SelectStage(index) => {
                let Some(stage) = self.view.analysis.stages.get(index) else {
                    return self;
                };
                next.selected_stage = Some(index);
                let range = stage.range;
                next.jump(range, false);
            }
            Action::JumpTo(range) => next.jump(range, true),
            Action::StepTo(step) => {
                next.step = step.min(self.view.steps.len().saturating_sub(1));
                next.playing = false;
                next.step_jump();
            }
            Action::StepBy(delta) => {
                let last = self.view.steps.len().saturating_sub(1);
                next.step = self.step.saturating_add_signed(delta).min(last);
                next.playing = false;
                next.step_jump();
            }
            Action::Play => {
                if self.view.steps.is_empty() {
                    return self;
                }
                // Playing from the last step starts over.
                if self.step + 1 >= self.view.steps.len() {
                    next.step = 0;
                }
                next.playing = true;
                next.step_jump();
            }
            Action::Pause => next.playing = false,
            Action::Tick => {
                if !self.playing {
                    return self;
                }
                if self.step + 1 >= self.view.steps.len() {
                    next.playing = false;
                } else {
                    next.step += 1;
                    next.step_jump();
                }
            }
            Action::SetTheme(theme) => next.theme = theme,
            Action::Notice(notice) => next.notice = notice,
        }
        Rc::new(next)
    }
}

impl AppState {
    fn step_jump(&mut self) {
        if let Some(step) = self.view.steps.get(self.step) {
            let range = step.range;
            self.jump(range, false);
        }
    }
}

/// `KEY=VALUE` lines as build args; blank lines and `#` comments are skipped, and a bare
/// `KEY` is an empty value.
pub fn parse_build_args(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once('=') {
            Some((key, value)) => (key.trim().to_owned(), value.to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .filter(|(key, _)| !key.is_empty())
        .collect()
}

pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// The UTF-16 offset of byte `offset` (rounded down to a character boundary and clamped
/// to the text), as a textarea counts.
pub fn utf16_offset(text: &str, offset: usize) -> u32 {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let units = text.get(..offset).map_or(0, |s| s.encode_utf16().count());
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// The byte offset of UTF-16 offset `units` (as a textarea reports the caret), clamped to
/// the text.
pub fn byte_offset(text: &str, units: u32) -> usize {
    let mut seen = 0u32;
    for (at, c) in text.char_indices() {
        if seen >= units {
            return at;
        }
        seen += c.len_utf16() as u32;
    }
    text.len()
}

/// Megabytes with one decimal, or "< 0.1 MB".
pub fn format_bytes(bytes: u64) -> String {
    let mb = bytes as f64 / 1e6;
    if bytes == 0 {
        "0 B".to_owned()
    } else if mb >= 1000.0 {
        format!("{:.2} GB", mb / 1000.0)
    } else if mb >= 0.1 {
        format!("{mb:.1} MB")
    } else if bytes >= 1000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{bytes} B")
    }
}

pub fn format_mb(mb: f64) -> String {
    format_bytes((mb.max(0.0) * 1e6) as u64)
}

#[cfg(test)]
mod tests;
