//! The open exercise as part of the page's state: the loaded pack, which exercise is
//! open, the learner's progress, and the playground's own Dockerfile set aside until the
//! learner leaves. Pure (no browser), so the reducer actions are tested natively.

use std::rc::Rc;

use stagecraft_exercises::{Exercise, Grade, Pack};

use super::progress::{Progress, SavedProgress};
use crate::state::{AppState, Panel};

/// Where a pack came from: it decides what the page's address says while it is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSource {
    /// Shipped with Stagecraft.
    Builtin,
    /// Fetched from this URL (`?pack=`).
    Url(String),
    /// Picked from the user's disk (cannot be reopened by a reload).
    Files(Vec<String>),
}

/// A pack ready to open: each exercise behind an `Rc`, so the analysis inputs compare
/// the open exercise by identity.
#[derive(Debug)]
pub struct LoadedPack {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub exercises: Vec<Rc<Exercise>>,
    pub source: PackSource,
}

impl LoadedPack {
    pub fn new(pack: Pack, source: PackSource) -> LoadedPack {
        LoadedPack {
            id: pack.id,
            title: pack.title,
            description: pack.description,
            exercises: pack.exercises.into_iter().map(Rc::new).collect(),
            source,
        }
    }

    /// One exercise file on its own, as a pack of one; its progress is keyed
    /// `exercise-<id>` so it never mixes with a pack's.
    pub fn single(exercise: Exercise, source: PackSource) -> LoadedPack {
        LoadedPack {
            id: format!("exercise-{}", exercise.id),
            title: exercise.title.clone(),
            description: None,
            exercises: vec![Rc::new(exercise)],
            source,
        }
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.exercises.iter().position(|e| e.id == id)
    }
}

/// A pack compared by identity.
#[derive(Debug, Clone)]
pub struct PackRef(pub Rc<LoadedPack>);

impl PartialEq for PackRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for PackRef {}

impl std::ops::Deref for PackRef {
    type Target = LoadedPack;
    fn deref(&self) -> &LoadedPack {
        &self.0
    }
}

/// An exercise compared by identity: part of the analysis inputs, compared on every
/// keystroke, so it must be cheap.
#[derive(Debug, Clone)]
pub struct ExerciseRef(pub Rc<Exercise>);

impl PartialEq for ExerciseRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for ExerciseRef {
    type Target = Exercise;
    fn deref(&self) -> &Exercise {
        &self.0
    }
}

/// The playground's own state while an exercise borrows the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playground {
    pub text: Rc<str>,
    pub target: Option<String>,
    pub build_args: String,
}

/// One open pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub pack: PackRef,
    pub index: usize,
    /// Behind an `Rc`: the state is cloned on every action, the attempts need not be.
    pub progress: Rc<Progress>,
    /// Bumped whenever `progress` changes, so the page knows when to save it.
    pub progress_rev: u64,
    pub solution_open: bool,
    pub playground: Playground,
    /// A note on the saved progress (set aside because unreadable, or not saved).
    pub notice: Option<String>,
}

impl Session {
    pub fn exercise(&self) -> Option<&Rc<Exercise>> {
        self.pack.exercises.get(self.index)
    }

    /// The text the editor shows for exercise `index`: the saved attempt or the starter.
    fn text_for(&self, index: usize) -> Option<Rc<str>> {
        let exercise = self.pack.exercises.get(index)?;
        let attempt = self
            .progress
            .get(&exercise.id)
            .and_then(|p| p.attempt.clone());
        Some(attempt.unwrap_or_else(|| exercise.starter.clone()).into())
    }

    fn progress_mut(&mut self) -> &mut Progress {
        self.progress_rev += 1;
        Rc::make_mut(&mut self.progress)
    }
}

/// A problem that stopped a pack from loading, located when possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file (`pack.toml`, `exercises/a.toml`), when the problem is in one.
    pub file: Option<String>,
    /// 1-based line and column.
    pub at: Option<(u32, u32)>,
    pub message: String,
}

/// Why a pack could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFailure {
    /// The URL or the file names the user gave.
    pub source: String,
    pub problems: Vec<Problem>,
}

/// The exercise side of the page's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExerciseState {
    pub session: Option<Session>,
    /// The "Exercises" dialog.
    pub picker_open: bool,
    /// A pack being fetched or read: what to say while waiting.
    pub loading: Option<String>,
    pub failure: Option<LoadFailure>,
}

impl ExerciseState {
    /// The open exercise, for the analysis inputs.
    pub fn current(&self) -> Option<ExerciseRef> {
        self.session
            .as_ref()
            .and_then(Session::exercise)
            .map(|e| ExerciseRef(e.clone()))
    }

    /// Records a new analysis of the open exercise: the attempt text (unless it is still
    /// the starter) and, once every check passes, that it was passed.
    pub fn record(&mut self, text: &str, grade: Option<&Grade>) {
        let Some(session) = &mut self.session else {
            return;
        };
        let Some(exercise) = session.exercise().cloned() else {
            return;
        };
        let saved = session.progress.get(&exercise.id);
        let attempt = (text != exercise.starter).then(|| text.to_owned());
        let passed = grade.is_some_and(|g| g.passed);
        let unchanged = saved.map_or(attempt.is_none() && !passed, |s| {
            s.attempt == attempt && (s.passed || !passed)
        });
        if unchanged {
            return;
        }
        let entry = session.progress_mut().entry(&exercise.id);
        entry.attempt = attempt;
        entry.passed |= passed;
    }
}

/// What the learner (or a finished load) can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExerciseAction {
    /// Opens or closes the "Exercises" dialog.
    Picker(bool),
    /// A pack is being fetched or read.
    Loading(String),
    Failed(LoadFailure),
    /// The end of the load announced by `Loading(loading)`: applies `then` unless another
    /// load, an opened exercise or a cancel came in between.
    Settled {
        loading: String,
        then: Box<ExerciseAction>,
    },
    /// Dismisses the error panel, or cancels the load under way.
    DismissFailure,
    /// Opens a loaded pack at `exercise` (else where the learner last was, else the
    /// first), with what storage held for it.
    Open {
        pack: PackRef,
        exercise: Option<String>,
        saved: SavedProgress,
    },
    /// Another exercise of the open pack.
    Select(usize),
    ShowHint,
    /// Shows or hides the revealed solution (the page asks first).
    ShowSolution(bool),
    /// Puts the solution in the editor, keeping the attempt for "Back to my attempt".
    UseSolution,
    /// Puts the starter in the editor, keeping the attempt likewise.
    ResetToStarter,
    BackToAttempt,
    /// Forgets everything saved for the pack (the page asks first).
    ResetProgress,
    /// Back to the playground and its own Dockerfile.
    Leave,
    /// Saving the progress failed (storage full or off).
    SaveFailed,
}

/// What an action did to the page's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Changed,
    /// The text or the inputs changed: the analysis must run again.
    Reanalyze,
}

/// Applies an exercise action to the page's state.
pub fn reduce(state: &mut AppState, action: ExerciseAction) -> Outcome {
    match action {
        ExerciseAction::Picker(open) => {
            if state.exercises.picker_open == open {
                return Outcome::Unchanged;
            }
            state.exercises.picker_open = open;
            Outcome::Changed
        }
        ExerciseAction::Loading(what) => {
            state.exercises.loading = Some(what);
            state.exercises.failure = None;
            Outcome::Changed
        }
        ExerciseAction::Failed(failure) => {
            state.exercises.loading = None;
            state.exercises.failure = Some(failure);
            Outcome::Changed
        }
        ExerciseAction::Settled { loading, then } => {
            if state.exercises.loading.as_deref() != Some(loading.as_str()) {
                return Outcome::Unchanged;
            }
            reduce(state, *then)
        }
        ExerciseAction::DismissFailure => {
            if state.exercises.failure.is_none() && state.exercises.loading.is_none() {
                return Outcome::Unchanged;
            }
            state.exercises.failure = None;
            state.exercises.loading = None;
            Outcome::Changed
        }
        ExerciseAction::Open {
            pack,
            exercise,
            saved,
        } => open(state, pack, exercise, saved),
        ExerciseAction::Select(index) => select(state, index),
        ExerciseAction::ShowHint => {
            let Some(session) = &mut state.exercises.session else {
                return Outcome::Unchanged;
            };
            let Some(exercise) = session.exercise().cloned() else {
                return Outcome::Unchanged;
            };
            let shown = session.progress.get(&exercise.id).map_or(0, |p| p.hints);
            if shown >= exercise.hints.len() {
                return Outcome::Unchanged;
            }
            session.progress_mut().entry(&exercise.id).hints = shown + 1;
            Outcome::Changed
        }
        ExerciseAction::ShowSolution(show) => {
            let Some(session) = &mut state.exercises.session else {
                return Outcome::Unchanged;
            };
            let Some(exercise) = session.exercise().cloned() else {
                return Outcome::Unchanged;
            };
            if exercise.solution.is_none() || session.solution_open == show {
                return Outcome::Unchanged;
            }
            session.solution_open = show;
            if show
                && !session
                    .progress
                    .get(&exercise.id)
                    .is_some_and(|p| p.solution_seen)
            {
                session.progress_mut().entry(&exercise.id).solution_seen = true;
            }
            Outcome::Changed
        }
        ExerciseAction::UseSolution => {
            let solution = state.exercises.current().and_then(|e| e.solution.clone());
            match solution {
                Some(solution) => replace_attempt(state, solution),
                None => Outcome::Unchanged,
            }
        }
        ExerciseAction::ResetToStarter => match state.exercises.current() {
            Some(exercise) => replace_attempt(state, exercise.starter.clone()),
            None => Outcome::Unchanged,
        },
        ExerciseAction::BackToAttempt => {
            let Some(session) = &mut state.exercises.session else {
                return Outcome::Unchanged;
            };
            let Some(exercise) = session.exercise().cloned() else {
                return Outcome::Unchanged;
            };
            let Some(attempt) = session
                .progress
                .get(&exercise.id)
                .and_then(|p| p.set_aside.clone())
            else {
                return Outcome::Unchanged;
            };
            session.progress_mut().entry(&exercise.id).set_aside = None;
            state.text = attempt.into();
            fresh_view(state);
            Outcome::Reanalyze
        }
        ExerciseAction::ResetProgress => {
            let Some(session) = &mut state.exercises.session else {
                return Outcome::Unchanged;
            };
            let pack = session.pack.id.clone();
            *session.progress_mut() = Progress::new(&pack);
            session.solution_open = false;
            session.notice = None;
            session.progress_mut().current = session.exercise().map(|e| e.id.clone());
            match session.text_for(session.index) {
                Some(text) => {
                    state.text = text;
                    fresh_view(state);
                    Outcome::Reanalyze
                }
                None => Outcome::Changed,
            }
        }
        ExerciseAction::Leave => leave(state),
        ExerciseAction::SaveFailed => {
            let Some(session) = &mut state.exercises.session else {
                return Outcome::Unchanged;
            };
            let notice = "Your progress could not be saved: this browser's storage is full or \
                          turned off. Export it to keep it."
                .to_owned();
            if session.notice.as_ref() == Some(&notice) {
                return Outcome::Unchanged;
            }
            session.notice = Some(notice);
            Outcome::Changed
        }
    }
}

fn open(
    state: &mut AppState,
    pack: PackRef,
    exercise: Option<String>,
    saved: SavedProgress,
) -> Outcome {
    if pack.exercises.is_empty() {
        return Outcome::Unchanged;
    }
    let (mut progress, notice) = match saved {
        SavedProgress::Saved(progress) => (progress, None),
        SavedProgress::Nothing => (Progress::new(&pack.id), None),
        SavedProgress::Unreadable { why, kept_under } => (
            Progress::new(&pack.id),
            Some(format!(
                "Your saved progress for this pack could not be read ({why}). It is kept in \
                 this browser's localStorage under “{kept_under}”; starting afresh."
            )),
        ),
    };
    let index = exercise
        .as_deref()
        .and_then(|id| pack.position(id))
        .or_else(|| progress.current.as_deref().and_then(|id| pack.position(id)))
        .unwrap_or(0);
    progress.current = Some(pack.exercises[index].id.clone());
    // Switching packs keeps the playground that was set aside first, never an attempt.
    let playground = match state.exercises.session.take() {
        Some(previous) => previous.playground,
        None => Playground {
            text: state.text.clone(),
            target: state.target.take(),
            build_args: std::mem::take(&mut state.build_args),
        },
    };
    let mut session = Session {
        pack,
        index,
        progress: Rc::new(progress),
        progress_rev: 0,
        solution_open: false,
        playground,
        notice,
    };
    // Saved once on open, so the pack's key exists (and `current` is remembered).
    session.progress_rev = 1;
    let text = session.text_for(index);
    state.exercises.session = Some(session);
    state.exercises.picker_open = false;
    state.exercises.loading = None;
    state.exercises.failure = None;
    // Exercises grade the default target with no build args.
    state.target = None;
    state.build_args.clear();
    state.panel = Panel::Exercise;
    if let Some(text) = text {
        state.text = text;
    }
    fresh_view(state);
    Outcome::Reanalyze
}

fn select(state: &mut AppState, index: usize) -> Outcome {
    let Some(session) = &mut state.exercises.session else {
        return Outcome::Unchanged;
    };
    if index == session.index || index >= session.pack.exercises.len() {
        return Outcome::Unchanged;
    }
    session.index = index;
    session.solution_open = false;
    let id = session.pack.exercises[index].id.clone();
    session.progress_mut().current = Some(id);
    if let Some(text) = session.text_for(index) {
        state.text = text;
    }
    state.target = None;
    state.build_args.clear();
    fresh_view(state);
    Outcome::Reanalyze
}

/// Replaces the attempt with `text`, keeping the attempt for "Back to my attempt" (unless
/// it is the starter or `text` itself: nothing would be lost).
fn replace_attempt(state: &mut AppState, text: String) -> Outcome {
    let Some(session) = &mut state.exercises.session else {
        return Outcome::Unchanged;
    };
    let Some(exercise) = session.exercise().cloned() else {
        return Outcome::Unchanged;
    };
    if *state.text == *text {
        return Outcome::Unchanged;
    }
    if *state.text != *exercise.starter {
        session.progress_mut().entry(&exercise.id).set_aside = Some(state.text.to_string());
    }
    session.solution_open = false;
    state.text = text.into();
    fresh_view(state);
    Outcome::Reanalyze
}

fn leave(state: &mut AppState) -> Outcome {
    let Some(session) = state.exercises.session.take() else {
        return Outcome::Unchanged;
    };
    state.text = session.playground.text;
    state.target = session.playground.target;
    state.build_args = session.playground.build_args;
    if state.panel == Panel::Exercise {
        state.panel = Panel::Graph;
    }
    fresh_view(state);
    Outcome::Reanalyze
}

/// Closes the exercise without restoring the playground's text, for actions that replace
/// the text anyway (loading an example).
pub fn drop_session(state: &mut AppState) {
    if state.exercises.session.take().is_some() && state.panel == Panel::Exercise {
        state.panel = Panel::Graph;
    }
}

/// A different Dockerfile is coming: no stage, step or player carries over.
fn fresh_view(state: &mut AppState) {
    state.selected_stage = None;
    state.step = 0;
    state.playing = false;
}

/// Grades the open exercise from the page's simulation when that simulation is the one
/// the exercise grades (default target, no build args, nothing imported); otherwise (the
/// learner picked a target or args to explore) from its own simulation, so the checklist
/// always means what `stagecraft grade` means.
pub fn grade(
    exercise: &Exercise,
    text: &str,
    options: &stagecraft_simulate::SimOptions,
    simulation: &stagecraft_simulate::Simulation,
) -> Grade {
    let same = options.analysis.target.is_none()
        && options.analysis.build_args.is_empty()
        && options.analysis.dockerignore.is_none()
        && options.extra_images.is_empty()
        && options.declared_sizes.is_empty();
    if same {
        stagecraft_exercises::grade_simulation(exercise, text, simulation)
    } else {
        stagecraft_exercises::grade(exercise, text)
    }
}
