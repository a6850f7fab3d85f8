//! The exercise actions through the page's reducer, natively: what each does to the
//! text, the playground set aside, the progress and the grade.

use std::rc::Rc;

use yew::Reducible;

use super::progress::{Progress, SavedProgress};
use super::*;
use crate::state::{Action, AppState, Panel};

const PLAYGROUND: &str = "FROM alpine:3.20 AS mine\nRUN echo mine\n";

fn playground() -> Rc<AppState> {
    let state = Rc::new(AppState::default());
    let state = state.reduce(Action::Edit(PLAYGROUND.into()));
    let state = state.reduce(Action::SetBuildArgs("A=1".into()));
    state.reduce(Action::SetTarget(Some("mine".into())))
}

fn ex(action: ExerciseAction) -> Action {
    Action::Exercise(action)
}

fn open(state: Rc<AppState>, exercise: &str, saved: SavedProgress) -> Rc<AppState> {
    state.reduce(ex(ExerciseAction::Open {
        pack: PackRef(builtin()),
        exercise: Some(exercise.into()),
        saved,
    }))
}

fn node(state: &AppState) -> Rc<stagecraft_exercises::Exercise> {
    let session = state.exercises.session.as_ref();
    session
        .and_then(|s| s.exercise().cloned())
        .unwrap_or_else(|| panic!("no exercise open"))
}

fn saved(state: &AppState, id: &str) -> progress::ExerciseProgress {
    state
        .exercises
        .session
        .as_ref()
        .and_then(|s| s.progress.get(id).cloned())
        .unwrap_or_default()
}

#[test]
fn opening_an_exercise_sets_the_playground_aside_and_grades_the_starter() {
    let state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let exercise = node(&state);
    assert_eq!(exercise.id, "node-distroless");
    assert_eq!(*state.text, *exercise.starter);
    assert_eq!(state.panel, Panel::Exercise);
    assert_eq!(
        (state.target.clone(), state.build_args.as_str()),
        (None, "")
    );
    let grade = state
        .view
        .grade
        .clone()
        .unwrap_or_else(|| panic!("no grade"));
    assert!(!grade.passed);
    assert_eq!(grade.results.len(), exercise.checks.len());
    assert!(grade.results.iter().any(|r| !r.passed));
    // Graded exactly as the CLI grades.
    assert_eq!(
        grade,
        stagecraft_exercises::grade(&exercise, &exercise.starter)
    );
    let session = state.exercises.session.clone().unwrap_or_else(|| panic!());
    assert_eq!(&*session.playground.text, PLAYGROUND);
    assert_eq!(session.playground.target.as_deref(), Some("mine"));
    assert_eq!(session.playground.build_args, "A=1");
    assert_eq!(session.progress.current.as_deref(), Some("node-distroless"));
    assert!(
        session.progress_rev > 0,
        "opening saves the pack's progress once"
    );
}

#[test]
fn the_solution_passes_and_is_recorded_then_leaving_restores_the_playground() {
    let state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let solution = node(&state).solution.clone().unwrap_or_default();
    let rev = state
        .exercises
        .session
        .as_ref()
        .map_or(0, |s| s.progress_rev);
    let state = state.reduce(Action::Edit(solution.clone()));
    assert!(state.view.grade.as_ref().is_some_and(|g| g.passed));
    let entry = saved(&state, "node-distroless");
    assert!(entry.passed);
    assert_eq!(entry.attempt.as_deref(), Some(solution.as_str()));
    assert!(state
        .exercises
        .session
        .as_ref()
        .is_some_and(|s| s.progress_rev > rev));
    // Breaking it again keeps the tick but records the new attempt.
    let state = state.reduce(Action::Edit("FROM node:20\n".into()));
    let entry = saved(&state, "node-distroless");
    assert!(entry.passed);
    assert_eq!(entry.attempt.as_deref(), Some("FROM node:20\n"));

    let state = state.reduce(ex(ExerciseAction::Leave));
    assert!(state.exercises.session.is_none());
    assert_eq!(&*state.text, PLAYGROUND);
    assert_eq!(state.target.as_deref(), Some("mine"));
    assert_eq!(state.build_args, "A=1");
    assert_eq!(state.panel, Panel::Graph);
    assert!(state.view.grade.is_none());
}

#[test]
fn switching_exercises_and_packs_keeps_each_attempt_and_the_first_playground() {
    let state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let state = state.reduce(Action::Edit("FROM node:20-slim\n".into()));
    let go = builtin().position("go-scratch").unwrap_or(0);
    let state = state.reduce(ex(ExerciseAction::Select(go)));
    assert_eq!(node(&state).id, "go-scratch");
    assert_eq!(*state.text, *node(&state).starter);
    let state = state.reduce(ex(ExerciseAction::Select(0)));
    assert_eq!(&*state.text, "FROM node:20-slim\n");
    // Opening a pack over an open one keeps the playground, never an attempt.
    let state = open(state, "healthcheck", SavedProgress::Nothing);
    let session = state.exercises.session.clone().unwrap_or_else(|| panic!());
    assert_eq!(&*session.playground.text, PLAYGROUND);
    // Out of range or the same exercise: nothing happens.
    let same = state.clone().reduce(ex(ExerciseAction::Select(999)));
    assert!(Rc::ptr_eq(&same, &state));
}

#[test]
fn saved_progress_resumes_where_the_learner_was() {
    let mut progress = Progress::new("stagecraft-basics");
    progress.current = Some("go-scratch".into());
    progress.entry("go-scratch").attempt = Some("FROM golang:1.22\n".into());
    progress.entry("go-scratch").hints = 1;
    let state = playground().reduce(ex(ExerciseAction::Open {
        pack: PackRef(builtin()),
        exercise: None,
        saved: SavedProgress::Saved(progress),
    }));
    assert_eq!(node(&state).id, "go-scratch");
    assert_eq!(&*state.text, "FROM golang:1.22\n");
    assert_eq!(saved(&state, "go-scratch").hints, 1);
}

#[test]
fn unreadable_progress_starts_afresh_with_a_notice() {
    let state = open(
        playground(),
        "node-distroless",
        SavedProgress::Unreadable {
            why: "it is not JSON".into(),
            kept_under: "stagecraft.progress.v1.stagecraft-basics.unreadable".into(),
        },
    );
    let session = state.exercises.session.clone().unwrap_or_else(|| panic!());
    let notice = session.notice.unwrap_or_default();
    assert!(
        notice.contains("it is not JSON") && notice.contains(".unreadable"),
        "{notice}"
    );
    assert_eq!(*state.text, *node(&state).starter);
}

#[test]
fn hints_show_one_at_a_time_up_to_the_last() {
    let mut state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let hints = node(&state).hints.len();
    assert!(hints >= 2);
    for shown in 1..=hints {
        state = state.reduce(ex(ExerciseAction::ShowHint));
        assert_eq!(saved(&state, "node-distroless").hints, shown);
    }
    let after = state.clone().reduce(ex(ExerciseAction::ShowHint));
    assert!(Rc::ptr_eq(&after, &state), "no hint past the last");
}

#[test]
fn using_the_solution_or_the_starter_keeps_the_attempt_restorable() {
    let state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let attempt = "FROM node:20-slim\nRUN echo attempt\n";
    let state = state.reduce(Action::Edit(attempt.into()));
    let state = state.reduce(ex(ExerciseAction::ShowSolution(true)));
    assert!(state
        .exercises
        .session
        .as_ref()
        .is_some_and(|s| s.solution_open));
    assert!(saved(&state, "node-distroless").solution_seen);
    let state = state.reduce(ex(ExerciseAction::UseSolution));
    assert_eq!(Some(state.text.to_string()), node(&state).solution.clone());
    assert!(state.view.grade.as_ref().is_some_and(|g| g.passed));
    assert_eq!(
        saved(&state, "node-distroless").set_aside.as_deref(),
        Some(attempt)
    );
    let state = state.reduce(ex(ExerciseAction::BackToAttempt));
    assert_eq!(&*state.text, attempt);
    assert_eq!(saved(&state, "node-distroless").set_aside, None);

    let state = state.reduce(ex(ExerciseAction::ResetToStarter));
    assert_eq!(*state.text, *node(&state).starter);
    assert_eq!(
        saved(&state, "node-distroless").set_aside.as_deref(),
        Some(attempt)
    );
    assert_eq!(
        saved(&state, "node-distroless").attempt,
        None,
        "the starter is no attempt"
    );
    // Resetting the starter again would lose nothing and keeps the set-aside attempt.
    let again = state.clone().reduce(ex(ExerciseAction::ResetToStarter));
    assert!(Rc::ptr_eq(&again, &state));
}

#[test]
fn resetting_progress_forgets_everything_and_shows_the_starter() {
    let state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let solution = node(&state).solution.clone().unwrap_or_default();
    let state = state.reduce(Action::Edit(solution));
    let state = state.reduce(ex(ExerciseAction::ShowHint));
    let state = state.reduce(ex(ExerciseAction::ResetProgress));
    assert_eq!(*state.text, *node(&state).starter);
    let session = state.exercises.session.clone().unwrap_or_else(|| panic!());
    assert_eq!(session.progress.exercises.len(), 0);
    assert_eq!(session.progress.current.as_deref(), Some("node-distroless"));
}

#[test]
fn the_exercise_context_wins_over_the_users_preset() {
    let state = playground().reduce(Action::SetContextPreset(Some("go".into())));
    assert_eq!(state.view.context, "go");
    let state = open(state, "node-distroless", SavedProgress::Nothing);
    assert_eq!(state.view.context, "node");
    // The user's choice is still theirs once the exercise is left.
    let state = state.reduce(ex(ExerciseAction::Leave));
    assert_eq!(state.context_preset.as_deref(), Some("go"));
    assert_eq!(state.view.context, "go");
}

#[test]
fn a_target_chosen_while_exploring_does_not_change_the_grade() {
    let state = open(playground(), "debug-stage", SavedProgress::Nothing);
    let exercise = node(&state);
    let solution = exercise.solution.clone().unwrap_or_default();
    let state = state.reduce(Action::Edit(solution.clone()));
    let first = named_stages_before_the_last(&state);
    let Some(other) = first.first().cloned() else {
        panic!("the solution has named stages");
    };
    let state = state.reduce(Action::SetTarget(Some(other)));
    assert_eq!(
        state.view.grade,
        Some(stagecraft_exercises::grade(&exercise, &solution))
    );
    assert!(state.view.grade.as_ref().is_some_and(|g| g.passed));
}

#[test]
fn an_example_ends_the_exercise_and_its_undo_is_the_playground() {
    let state = open(playground(), "node-distroless", SavedProgress::Nothing);
    let state = state.reduce(Action::Edit("FROM node:20-slim\n".into()));
    let state = state.reduce(Action::LoadExample(0));
    assert!(state.exercises.session.is_none());
    assert_ne!(state.panel, Panel::Exercise);
    let state = state.reduce(Action::Undo);
    assert_eq!(&*state.text, PLAYGROUND);
}

#[test]
fn the_exercise_tab_exists_only_while_an_exercise_is_open() {
    let state = playground();
    let same = state.clone().reduce(Action::SelectPanel(Panel::Exercise));
    assert!(Rc::ptr_eq(&same, &state));
    assert_eq!(Panel::tabs(false), Panel::ALL.to_vec());
    assert_eq!(Panel::tabs(true)[0], Panel::Exercise);
    assert!(
        !Panel::ALL.contains(&Panel::Exercise),
        "share links never name it"
    );
}

#[test]
fn the_picker_and_load_failures_are_state() {
    let state = playground();
    let state = state.reduce(ex(ExerciseAction::Picker(true)));
    assert!(state.exercises.picker_open);
    let state = state.reduce(ex(ExerciseAction::Loading("Loading…".into())));
    let failure = LoadFailure {
        source: "https://h/pack.toml".into(),
        problems: vec![Problem {
            file: Some("a.toml".into()),
            at: Some((7, 8)),
            message: "unknown check kind".into(),
        }],
    };
    let state = state.reduce(ex(ExerciseAction::Failed(failure.clone())));
    assert_eq!(state.exercises.loading, None);
    assert_eq!(state.exercises.failure, Some(failure));
    assert_eq!(
        &*state.text, PLAYGROUND,
        "a failed load leaves the Dockerfile alone"
    );
    let state = state.reduce(ex(ExerciseAction::DismissFailure));
    assert_eq!(state.exercises.failure, None);
    // Opening closes the dialog.
    let state = state.reduce(ex(ExerciseAction::Picker(true)));
    let state = open(state, "go-scratch", SavedProgress::Nothing);
    assert!(!state.exercises.picker_open);
}

/// Named stages other than the last (the default target).
fn named_stages_before_the_last(state: &AppState) -> Vec<String> {
    let stages = &state.view.analysis.stages;
    stages
        .iter()
        .take(stages.len().saturating_sub(1))
        .filter_map(|s| s.name.clone())
        .collect()
}

#[test]
fn a_late_load_does_not_replace_a_later_choice() {
    let state = playground().reduce(ex(ExerciseAction::Loading("Loading A…".into())));
    // The learner opens a built-in exercise while A is still loading.
    let state = open(state, "go-scratch", SavedProgress::Nothing);
    let late = ExerciseAction::Settled {
        loading: "Loading A…".into(),
        then: Box::new(ExerciseAction::Failed(LoadFailure {
            source: "A".into(),
            problems: Vec::new(),
        })),
    };
    let after = state.clone().reduce(ex(late.clone()));
    assert!(Rc::ptr_eq(&after, &state), "the late answer is ignored");
    // Settling the load under way applies it; Cancel makes it late too.
    let loading = state.reduce(ex(ExerciseAction::Loading("Loading A…".into())));
    let failed = loading.clone().reduce(ex(late.clone()));
    assert!(failed.exercises.failure.is_some());
    let cancelled = loading.reduce(ex(ExerciseAction::DismissFailure));
    assert_eq!(cancelled.exercises.loading, None);
    let after = cancelled.clone().reduce(ex(late));
    assert!(Rc::ptr_eq(&after, &cancelled));
}
