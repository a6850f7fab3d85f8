//! The page's state, kept by one reducer: what the user chose (text, target, build args,
//! panel, stage, step, theme) and the simulation derived from it.

use std::collections::BTreeMap;
use std::rc::Rc;

use stagecraft_analysis::{Analysis, LineIndex, Options, Severity, TextRange};
use stagecraft_simulate::context::{self, BuildContext, ContextError};
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
/// An edited context listing this long (some 4,000 files) also makes analysis wait for a
/// pause: every file of `COPY . .` is simulated, and 100,000 of them take about a second.
pub const DEFER_CONTEXT_BYTES: usize = 100_000;
/// The diagnostics list shows at most this many rows (binary junk can yield thousands).
pub const MAX_DIAGNOSTIC_ROWS: usize = 300;

/// The tabs of the right-hand pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Graph,
    Image,
    Steps,
    /// The open exercise: a tab only while one is open, so not in `ALL` (which share
    /// links restore from).
    Exercise,
}

impl Panel {
    pub const ALL: [Panel; 3] = [Panel::Graph, Panel::Image, Panel::Steps];

    /// The tabs shown: the exercise's first while one is open.
    pub fn tabs(exercise_open: bool) -> Vec<Panel> {
        let mut tabs = Vec::with_capacity(4);
        if exercise_open {
            tabs.push(Panel::Exercise);
        }
        tabs.extend(Panel::ALL);
        tabs
    }

    pub fn label(self) -> &'static str {
        match self {
            Panel::Graph => "Graph",
            Panel::Image => "Image",
            Panel::Steps => "Steps",
            Panel::Exercise => "Exercise",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Panel::Graph => "graph",
            Panel::Image => "image",
            Panel::Steps => "steps",
            Panel::Exercise => "exercise",
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

/// How fast the player steps through the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    Half,
    Normal,
    Double,
    Quadruple,
}

impl Speed {
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::Normal, Speed::Double, Speed::Quadruple];

    pub fn label(self) -> &'static str {
        match self {
            Speed::Half => "0.5×",
            Speed::Normal => "1×",
            Speed::Double => "2×",
            Speed::Quadruple => "4×",
        }
    }

    /// Milliseconds per step at this speed, given the time per step at 1×.
    pub fn step_ms(self, normal_ms: i32) -> i32 {
        match self {
            Speed::Half => normal_ms.saturating_mul(2),
            Speed::Normal => normal_ms,
            Speed::Double => normal_ms / 2,
            Speed::Quadruple => normal_ms / 4,
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
    /// The build-context preset; the one detected from the Dockerfile when `None`.
    pub context_preset: Option<String>,
    /// The context listing as the user edited it (`path size` lines); the preset's own
    /// files when `None`.
    pub context_listing: Option<String>,
    /// The `.dockerignore` as the user edited it; the preset's when `None`.
    pub dockerignore: Option<String>,
    /// The open exercise. Its context wins over the user's preset, listing and
    /// `.dockerignore` (the checks are written against it), and its checks are graded
    /// from the same simulation.
    pub exercise: Option<crate::exercise::ExerciseRef>,
}

impl Inputs {
    /// The context the simulation uses, and the listing's first problem. `None` leaves the
    /// choice to the simulator (the preset detected from the file's hints). A listing
    /// that does not parse is reported and the preset's files stand in, so the page keeps
    /// working while the user fixes the line.
    fn build_context(&self, text: &str) -> (Option<BuildContext>, Option<ContextError>) {
        if self.context_preset.is_none()
            && self.context_listing.is_none()
            && self.dockerignore.is_none()
        {
            return (None, None);
        }
        let name = match self
            .context_preset
            .as_deref()
            .filter(|p| context::preset_info(p).is_some())
        {
            Some(name) => name,
            None => context::detect(&stagecraft_syntax::parse(text).dockerfile),
        };
        let preset = || {
            context::preset(name).unwrap_or_else(|| BuildContext {
                preset: name.to_owned(),
                files: Vec::new(),
                dockerignore: None,
            })
        };
        let (mut chosen, error) = match &self.context_listing {
            Some(listing) => match BuildContext::parse_listing(listing, name) {
                Ok(parsed) => (parsed, None),
                Err(error) => (preset(), Some(error)),
            },
            None => (preset(), None),
        };
        if let Some(ignore) = &self.dockerignore {
            chosen.dockerignore = Some(ignore.clone());
        }
        (Some(chosen), error)
    }
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
    /// The options the simulation ran with: the step-through rebuilds a step's filesystem
    /// from them (`stagecraft_simulate::replay`).
    pub sim_options: SimOptions,
    /// The build-context preset the simulation used (empty when it did not run).
    pub context: String,
    /// The preset the Dockerfile's hints point to (what "Detected" means).
    pub detected_context: &'static str,
    /// The first problem of an edited context listing, with its line.
    pub context_error: Option<ContextError>,
    /// The open exercise's checks, graded from this simulation (`None` without an
    /// exercise, or when the file is too long to simulate).
    pub grade: Option<stagecraft_exercises::Grade>,
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
        let mut context_error = None;
        let mut grade = None;
        let mut sim_options = SimOptions::default();
        let (analysis, stages, steps, image, diagnostics, context) = if simulated {
            let (context, error) = inputs.build_context(&text);
            context_error = error;
            let context = match &inputs.exercise {
                Some(exercise) => {
                    context_error = None;
                    stagecraft_exercises::sim_options(exercise).context
                }
                None => context,
            };
            sim_options = SimOptions {
                analysis: options,
                context,
                ..SimOptions::default()
            };
            let sim = stagecraft_simulate::simulate(&text, &sim_options);
            grade = inputs
                .exercise
                .as_ref()
                .map(|e| crate::exercise::session::grade(e, &text, &sim_options, &sim));
            (
                sim.analysis,
                sim.stages,
                sim.steps,
                sim.image,
                sim.diagnostics,
                sim.context,
            )
        } else {
            let analysis = stagecraft_analysis::analyze(&text, &options);
            let diagnostics = analysis.diagnostics.clone();
            (
                analysis,
                Vec::new(),
                Vec::new(),
                None,
                diagnostics,
                String::new(),
            )
        };
        let detected_context = context::detect(&analysis.parse.dockerfile);
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
            sim_options,
            context,
            detected_context,
            context_error,
            grade,
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
    /// The build context: preset, edited listing, edited `.dockerignore` (see [`Inputs`]).
    pub context_preset: Option<String>,
    pub context_listing: Option<String>,
    pub dockerignore: Option<String>,
    pub panel: Panel,
    pub selected_stage: Option<usize>,
    pub step: usize,
    pub playing: bool,
    /// The player's pace; it survives pauses and new analyses.
    pub speed: Speed,
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
    /// What the last replacing action (an example, a new context preset) replaced, so the
    /// notice can offer Undo: the autosave keeps only one text.
    pub undo: Option<Rc<Snapshot>>,
    /// The exercise side: the open pack and exercise, the dialog, a pack loading.
    pub exercises: crate::exercise::ExerciseState,
}

/// The user's inputs at one moment, to put back.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub text: Rc<str>,
    pub inputs: Inputs,
}

/// What the user (or a timer) can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Edit(String),
    SetTarget(Option<String>),
    SetBuildArgs(String),
    /// Sets one build arg in the `KEY=VALUE` lines (`None` removes it), as the ARG
    /// editor's inputs do: computed from the state, so quick typing loses no key.
    SetBuildArg {
        name: String,
        value: Option<String>,
    },
    /// Picks a context preset (`None`: the detected one); the listing and `.dockerignore`
    /// go back to the preset's.
    SetContextPreset(Option<String>),
    /// The edited listing; `None` goes back to the preset's files.
    SetContextListing(Option<String>),
    /// The edited `.dockerignore`; `None` goes back to the preset's.
    SetDockerignore(Option<String>),
    LoadExample(usize),
    /// Puts back what the last example or preset replaced.
    Undo,
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
    /// Sets the player's pace (playing or not).
    SetSpeed(Speed),
    /// A tick of the player: the next step, stopping at the end.
    Tick,
    SetTheme(Theme),
    Notice(Option<String>),
    /// Exercises: opening packs, moving between exercises, hints, the solution, progress.
    Exercise(crate::exercise::ExerciseAction),
}

impl AppState {
    pub fn new(text: String, target: Option<String>, build_args: String) -> Self {
        AppState::with_inputs(
            text,
            Inputs {
                target,
                build_args,
                ..Inputs::default()
            },
        )
    }

    /// The state for `text` with every input given (a save or a link that has a context).
    pub fn with_inputs(text: String, inputs: Inputs) -> Self {
        let text: Rc<str> = text.into();
        let view = Shared(Rc::new(View::compute(text.clone(), &inputs, 0)));
        let Inputs {
            target,
            build_args,
            context_preset,
            context_listing,
            dockerignore,
            exercise: _,
        } = inputs;
        AppState {
            text,
            target,
            build_args,
            context_preset,
            context_listing,
            dockerignore,
            panel: Panel::Graph,
            selected_stage: None,
            step: 0,
            playing: false,
            speed: Speed::Normal,
            theme: Theme::System,
            view,
            stale: false,
            generation: 0,
            jump: None,
            notice: None,
            undo: None,
            exercises: crate::exercise::ExerciseState::default(),
        }
    }

    /// Whether analysis of the current text waits for a pause in typing: a long file, or
    /// a long context listing (typing in either must not queue up a simulation per key).
    pub fn deferred(&self) -> bool {
        self.text.len() > DEFER_BYTES
            || line_count(&self.text) > DEFER_LINES
            || self
                .context_listing
                .as_ref()
                .is_some_and(|listing| listing.len() > DEFER_CONTEXT_BYTES)
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
            context_preset: self.context_preset.clone(),
            context_listing: self.context_listing.clone(),
            dockerignore: self.dockerignore.clone(),
            exercise: self.exercises.current(),
        }
    }

    fn recompute(&mut self) {
        self.view = Shared(Rc::new(View::compute(
            self.text.clone(),
            &self.inputs(),
            self.generation,
        )));
        self.stale = false;
        self.exercises.record(&self.text, self.view.grade.as_ref());
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
        AppState::new(examples::first_text().to_owned(), None, String::new())
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
                // Undo would now also throw away this edit.
                next.undo = None;
                next.reanalyze();
            }
            Action::SetTarget(target) => {
                if !replace(&mut next.target, target) {
                    return self;
                }
                next.reanalyze();
            }
            Action::SetBuildArgs(args) => {
                if !replace(&mut next.build_args, args) {
                    return self;
                }
                next.reanalyze();
            }
            Action::SetBuildArg { name, value } => {
                let args = set_build_arg(&self.build_args, &name, value.as_deref());
                if !replace(&mut next.build_args, args) {
                    return self;
                }
                next.reanalyze();
            }
            Action::SetContextPreset(preset) => {
                let preset = preset.filter(|p| context::preset_info(p).is_some());
                if preset == self.context_preset
                    && self.context_listing.is_none()
                    && self.dockerignore.is_none()
                {
                    return self;
                }
                // An edited listing or .dockerignore is user text: keep a way back to it.
                if self.context_listing.is_some() || self.dockerignore.is_some() {
                    next.undo = Some(Rc::new(self.snapshot()));
                    next.notice = Some(format!(
                        "The context is now the {} preset; your edited listing was replaced.",
                        preset.as_deref().unwrap_or(self.view.detected_context)
                    ));
                }
                next.context_preset = preset;
                next.context_listing = None;
                next.dockerignore = None;
                next.reanalyze();
            }
            Action::SetContextListing(listing) => {
                if !replace(&mut next.context_listing, listing) {
                    return self;
                }
                next.reanalyze();
            }
            Action::SetDockerignore(ignore) => {
                if !replace(&mut next.dockerignore, ignore) {
                    return self;
                }
                next.reanalyze();
            }
            Action::LoadExample(index) => {
                let Some(example) = examples::all().get(index) else {
                    return self;
                };
                // An example ends an exercise: the playground's own text is what it replaces.
                crate::exercise::reduce(&mut next, crate::exercise::ExerciseAction::Leave);
                let replaced = next.snapshot();
                next.text = example.text.as_str().into();
                next.target = example.target.clone();
                next.build_args = example.build_args.clone();
                next.context_preset = example.context.clone();
                next.context_listing = None;
                next.dockerignore = None;
                next.selected_stage = None;
                next.step = 0;
                next.playing = false;
                // Nothing to undo when the replaced text was an example as shipped.
                let lost_nothing = examples::is_example_text(&replaced.text)
                    && replaced.inputs.context_listing.is_none()
                    && replaced.inputs.dockerignore.is_none();
                next.undo = (!lost_nothing).then(|| Rc::new(replaced));
                next.notice = Some(format!("Loaded the example “{}”.", example.title));
                next.reanalyze();
            }
            Action::Undo => {
                let Some(snapshot) = self.undo.clone() else {
                    return self;
                };
                next.text = snapshot.text.clone();
                let Inputs {
                    target,
                    build_args,
                    context_preset,
                    context_listing,
                    dockerignore,
                    exercise: _,
                } = snapshot.inputs.clone();
                next.target = target;
                next.build_args = build_args;
                next.context_preset = context_preset;
                next.context_listing = context_listing;
                next.dockerignore = dockerignore;
                next.selected_stage = None;
                next.step = 0;
                next.playing = false;
                next.undo = None;
                next.notice = Some("Restored what you had before.".to_owned());
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
                if panel == self.panel
                    || (panel == Panel::Exercise && self.exercises.session.is_none())
                {
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
            Action::SetSpeed(speed) => {
                if speed == self.speed {
                    return self;
                }
                next.speed = speed;
            }
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
            Action::Exercise(action) => match crate::exercise::reduce(&mut next, action) {
                crate::exercise::Outcome::Unchanged => return self,
                crate::exercise::Outcome::Changed => {}
                crate::exercise::Outcome::Reanalyze => next.reanalyze(),
            },
            Action::Notice(notice) => {
                // Dismissing the notice (or replacing it) drops its Undo.
                next.undo = None;
                next.notice = notice;
            }
        }
        Rc::new(next)
    }
}

impl AppState {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            text: self.text.clone(),
            inputs: self.inputs(),
        }
    }

    fn step_jump(&mut self) {
        if let Some(step) = self.view.steps.get(self.step) {
            let range = step.range;
            self.jump(range, false);
        }
    }
}

/// Puts `value` in `slot`; whether that changed it (an unchanged input keeps the state, so
/// nothing re-renders or re-analyses).
fn replace<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        return false;
    }
    *slot = value;
    true
}

/// `KEY=VALUE` lines as build args; blank lines and `#` comments are skipped, and a bare
/// `KEY` is an empty value.
pub fn parse_build_args(text: &str) -> BTreeMap<String, String> {
    stagecraft_syntax::order::map_from(
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| match line.split_once('=') {
                Some((key, value)) => (key.trim().to_owned(), value.to_owned()),
                None => (line.to_owned(), String::new()),
            })
            .filter(|(key, _)| !key.is_empty()),
    )
}

/// The key of one `KEY=VALUE` line, as [`parse_build_args`] reads it.
fn build_arg_key(line: &str) -> Option<&str> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let key = line.split_once('=').map_or(line, |(key, _)| key).trim();
    (!key.is_empty()).then_some(key)
}

/// `text` with build arg `name` set to `value` (or removed): the first line for `name`
/// is replaced in place, later ones dropped, other lines and comments kept.
pub fn set_build_arg(text: &str, name: &str, value: Option<&str>) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut placed = false;
    for line in text.lines() {
        if build_arg_key(line) == Some(name) {
            if let (Some(value), false) = (value, placed) {
                lines.push(format!("{name}={value}"));
            }
            placed = true;
        } else {
            lines.push(line.to_owned());
        }
    }
    if let (Some(value), false) = (value, placed) {
        // Drop trailing blank lines so additions do not drift down.
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        lines.push(format!("{name}={value}"));
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
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
