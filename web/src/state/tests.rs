//! Reducer tests: what each action does to the state, natively (no browser needed).

use std::rc::Rc;

use stagecraft_analysis::Severity;
use yew::Reducible;

use super::*;
use crate::examples::EXAMPLES;

fn reduce(state: Rc<AppState>, action: Action) -> Rc<AppState> {
    state.reduce(action)
}

fn fresh() -> Rc<AppState> {
    Rc::new(AppState::default())
}

#[test]
fn every_example_simulates_without_errors_and_has_an_image() {
    for (i, example) in EXAMPLES.iter().enumerate() {
        let state = reduce(fresh(), Action::LoadExample(i));
        let errors: Vec<_> = state
            .view
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code, d.message.clone()))
            .collect();
        assert_eq!(errors, [], "{}", example.title);
        assert!(state.view.image.is_some(), "{}", example.title);
        assert!(!state.view.steps.is_empty(), "{}", example.title);
        assert!(state.view.analysis.stages.len() >= 2, "{}", example.title);
    }
}

#[test]
fn target_pruning_example_skips_stages_the_target_does_not_need() {
    let index = EXAMPLES.iter().position(|e| e.title == "Target pruning");
    let state = reduce(fresh(), Action::LoadExample(index.unwrap_or(0)));
    assert_eq!(state.target.as_deref(), Some("test"));
    let built: Vec<_> = state.view.analysis.stages.iter().map(|s| s.built).collect();
    assert_eq!(built, [true, false, true, false, false]);
}

#[test]
fn an_edit_reanalyzes_and_bumps_the_generation() {
    let state = fresh();
    let next = reduce(
        state.clone(),
        Action::Edit("FROM alpine\nFROM debian\n".into()),
    );
    assert_eq!(next.generation, state.generation + 1);
    assert_eq!(next.view.analysis.stages.len(), 2);
    assert_eq!(next.view.rev, next.generation);
    // The same text again changes nothing.
    let same = reduce(
        next.clone(),
        Action::Edit("FROM alpine\nFROM debian\n".into()),
    );
    assert!(Rc::ptr_eq(&same, &next));
}

#[test]
fn long_files_wait_for_a_pause_then_analyze_once() {
    let long = "RUN echo hi\n".repeat(DEFER_LINES + 10);
    let text = format!("FROM alpine\n{long}");
    let state = reduce(fresh(), Action::Edit(text));
    assert!(state.stale);
    let old = reduce(state.clone(), Action::Analyze(state.generation - 1));
    assert!(old.stale, "an analysis for an older generation is ignored");
    let done = reduce(state.clone(), Action::Analyze(state.generation));
    assert!(!done.stale);
    assert_eq!(done.view.analysis.stages.len(), 1);
}

#[test]
fn very_long_files_skip_the_simulation_but_keep_the_graph() {
    let text = format!(
        "FROM alpine\n{}",
        "RUN echo hi\n".repeat(SIMULATE_MAX_LINES + 1)
    );
    let view = View::compute(text.into(), &Inputs::default(), 1);
    assert!(!view.simulated);
    assert!(view.image.is_none());
    assert_eq!(view.analysis.stages.len(), 1);
}

#[test]
fn steps_clamp_and_the_player_stops_at_the_end() {
    let state = fresh();
    let last = state.view.steps.len() - 1;
    let state = reduce(state, Action::StepBy(-3));
    assert_eq!(state.step, 0);
    let state = reduce(state, Action::StepTo(last + 10));
    assert_eq!(state.step, last);
    // Play from the end starts over.
    let state = reduce(state, Action::Play);
    assert!(state.playing);
    assert_eq!(state.step, 0);
    let mut state = state;
    for _ in 0..=last {
        state = reduce(state, Action::Tick);
    }
    assert_eq!(state.step, last);
    assert!(!state.playing);
    assert!(
        state.jump.is_some_and(|j| !j.focus),
        "steps scroll the editor without focus"
    );
}

#[test]
fn selecting_a_stage_jumps_to_its_from_line() {
    let state = reduce(fresh(), Action::SelectStage(1));
    assert_eq!(state.selected_stage, Some(1));
    let from = state.view.analysis.stages[1].range;
    assert_eq!(state.jump.map(|j| j.range), Some(from));
    assert_eq!(state.marked_range(), Some(from));
    // A stage that does not exist is ignored.
    let same = reduce(state.clone(), Action::SelectStage(99));
    assert!(Rc::ptr_eq(&same, &state));
}

#[test]
fn the_steps_panel_marks_the_current_step() {
    let state = reduce(fresh(), Action::SelectPanel(Panel::Steps));
    let state = reduce(state, Action::StepTo(2));
    assert_eq!(state.marked_range(), Some(state.view.steps[2].range));
    assert_eq!(state.active_stage(), Some(state.view.steps[2].stage));
}

#[test]
fn build_args_and_target_reach_the_analysis() {
    let text = "ARG V=1.20\nFROM golang:${V} AS build\nFROM alpine AS other\n";
    let state = reduce(fresh(), Action::Edit(text.into()));
    let state = reduce(
        state,
        Action::SetBuildArgs("V=1.22\n# note\n\nEMPTY".into()),
    );
    assert_eq!(state.view.analysis.stages[0].base, "golang:1.22");
    let state = reduce(state, Action::SetTarget(Some("build".into())));
    assert_eq!(state.view.analysis.target, Some(0));
}

#[test]
fn build_args_parse_like_build_arg_flags() {
    let args = parse_build_args("A=1\n  B = two \n#C=3\nD\n=x\nE=a=b");
    let got: Vec<_> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, [("A", "1"), ("B", " two"), ("D", ""), ("E", "a=b")]);
}

#[test]
fn binary_junk_does_not_panic() {
    let junk: String = (0..20_000u32)
        .map(|i| char::from_u32((i * 7919) % 0x2FF + 1).unwrap_or('x'))
        .collect();
    let state = reduce(fresh(), Action::Edit(junk));
    let state = reduce(state, Action::Analyze(1));
    assert!(!state.view.diagnostics.is_empty());
}

#[test]
fn utf16_offsets_count_surrogate_pairs() {
    let text = "a😀b";
    assert_eq!(utf16_offset(text, 1), 1);
    assert_eq!(utf16_offset(text, 5), 3);
    assert_eq!(utf16_offset(text, 3), 1, "inside a character rounds down");
    assert_eq!(utf16_offset(text, 99), 4);
}

#[test]
fn byte_offsets_invert_utf16_offsets() {
    let text = "a😀b\né";
    for byte in [0, 1, 5, 6, 7, text.len()] {
        assert_eq!(byte_offset(text, utf16_offset(text, byte)), byte);
    }
    assert_eq!(byte_offset(text, 999), text.len());
}
