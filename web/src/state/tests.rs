//! Reducer tests: what each action does to the state, natively (no browser needed).

use std::rc::Rc;

use stagecraft_analysis::Severity;
use yew::Reducible;

use super::*;
use crate::examples;

fn reduce(state: Rc<AppState>, action: Action) -> Rc<AppState> {
    state.reduce(action)
}

fn fresh() -> Rc<AppState> {
    Rc::new(AppState::default())
}

#[test]
fn every_example_simulates_without_errors_and_has_an_image() {
    for (i, example) in examples::all().iter().enumerate() {
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
    let index = examples::all()
        .iter()
        .position(|e| e.title == "Target pruning");
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
fn a_long_context_listing_waits_for_a_pause_too() {
    let listing: String = (0..6_000).map(|i| format!("src/f{i}.go 1200\n")).collect();
    assert!(listing.len() > DEFER_CONTEXT_BYTES);
    let state = reduce(fresh(), Action::SetContextListing(Some(listing)));
    assert!(state.stale, "the listing is applied once typing pauses");
    let typed = reduce(
        state.clone(),
        Action::Edit("FROM golang:1.22\nCOPY . .\n".into()),
    );
    assert!(
        typed.stale,
        "so is every keystroke in the Dockerfile while it is that long"
    );
    let done = reduce(typed.clone(), Action::Analyze(typed.generation));
    assert!(!done.stale);
    assert_eq!(done.view.context_error, None);
    let short = reduce(done, Action::SetContextListing(Some("main.go 10\n".into())));
    assert!(!short.stale, "a short listing is applied at once");
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
fn the_speed_changes_the_pace_without_stopping_or_moving_the_player() {
    let state = reduce(reduce(fresh(), Action::StepTo(1)), Action::Play);
    assert_eq!(state.speed, Speed::Normal);
    let fast = reduce(state.clone(), Action::SetSpeed(Speed::Quadruple));
    assert_eq!(fast.speed, Speed::Quadruple);
    assert!(fast.playing, "changing speed keeps playing");
    assert_eq!(fast.step, state.step);
    // The same speed again changes nothing; the speed outlives a pause and a new text.
    assert!(Rc::ptr_eq(
        &reduce(fast.clone(), Action::SetSpeed(Speed::Quadruple)),
        &fast
    ));
    let paused = reduce(fast, Action::Pause);
    let edited = reduce(paused, Action::Edit("FROM alpine\nRUN echo hi\n".into()));
    assert_eq!(edited.speed, Speed::Quadruple);
    // Each speed is faster than the one before it, and 1× is the base pace.
    let paces: Vec<i32> = Speed::ALL.iter().map(|s| s.step_ms(1_000)).collect();
    assert!(paces.windows(2).all(|w| w[0] > w[1]), "{paces:?}");
    assert_eq!(Speed::Normal.step_ms(1_000), 1_000);
    assert_eq!(Speed::Quadruple.step_ms(1_000) * 4, 1_000);
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

fn example_index(id: &str) -> usize {
    match examples::all().iter().position(|e| e.id == id) {
        Some(index) => index,
        None => panic!("no example {id}"),
    }
}

#[test]
fn loading_an_example_over_edited_text_offers_undo() {
    let mine = "FROM alpine:3.20\nRUN echo mine\n";
    let state = reduce(fresh(), Action::Edit(mine.into()));
    let state = reduce(state, Action::SetBuildArgs("A=1".into()));
    let state = reduce(state, Action::LoadExample(example_index("java")));
    assert!(state.text.contains("maven"));
    assert_eq!(state.context_preset.as_deref(), Some("java"));
    assert_eq!(state.build_args, "");
    assert!(state.undo.is_some(), "edited text can be brought back");
    assert!(state.notice.as_deref().is_some_and(|n| n.contains("Java")));
    let back = reduce(state, Action::Undo);
    assert_eq!(&*back.text, mine);
    assert_eq!(back.build_args, "A=1");
    assert_eq!(back.context_preset, None);
    assert!(back.undo.is_none());
    assert_eq!(back.view.analysis.stages.len(), 1);
    // Undo twice does nothing more.
    let again = reduce(back.clone(), Action::Undo);
    assert!(Rc::ptr_eq(&again, &back));
}

#[test]
fn switching_between_untouched_examples_needs_no_undo_and_an_edit_drops_it() {
    let state = reduce(fresh(), Action::LoadExample(example_index("rust")));
    assert!(
        state.undo.is_none(),
        "the first example as shipped loses nothing"
    );
    let state = reduce(state, Action::Edit("FROM alpine\n".into()));
    let state = reduce(state, Action::LoadExample(example_index("go")));
    assert!(state.undo.is_some());
    let state = reduce(state, Action::Edit("FROM debian\n".into()));
    assert!(
        state.undo.is_none(),
        "undo after an edit would throw the edit away"
    );
    let state = reduce(state, Action::LoadExample(example_index("go")));
    let dismissed = reduce(state, Action::Notice(None));
    assert!(
        dismissed.undo.is_none(),
        "dismissing the notice drops its Undo"
    );
}

#[test]
fn the_context_preset_listing_and_dockerignore_reach_the_simulation() {
    let mentions_go_sum = |state: &AppState| {
        state
            .view
            .diagnostics
            .iter()
            .any(|d| d.message.contains("go.sum"))
    };
    let state = fresh();
    assert!(!mentions_go_sum(&state));
    assert_eq!(state.view.context, "go", "detected from the Go example");
    assert_eq!(state.view.detected_context, "go");
    let state = reduce(state, Action::SetContextPreset(Some("node".into())));
    assert_eq!(state.view.context, "node");
    assert_eq!(state.view.detected_context, "go");
    assert!(mentions_go_sum(&state), "the node project has no go.sum");
    // Back to the detected preset, then edit its listing without go.sum.
    let state = reduce(state, Action::SetContextPreset(None));
    let listing = stagecraft_simulate::context::preset("go")
        .map(|c| c.to_listing())
        .unwrap_or_default();
    assert!(listing.contains("go.sum"));
    let without: String = listing
        .lines()
        .filter(|l| !l.starts_with("go.sum"))
        .map(|l| format!("{l}\n"))
        .collect();
    let state = reduce(state, Action::SetContextListing(Some(without)));
    assert_eq!(state.view.context, "go");
    assert!(state.view.context_error.is_none());
    assert!(mentions_go_sum(&state), "the edited listing has no go.sum");
    // A malformed line is reported with its number; the text stays as typed.
    let broken = "go.mod 1KB\ngo.sum\n";
    let state = reduce(state, Action::SetContextListing(Some(broken.into())));
    assert_eq!(state.context_listing.as_deref(), Some(broken));
    assert_eq!(state.view.context_error.as_ref().map(|e| e.line), Some(2));
    assert!(state.view.image.is_some(), "the preset stands in meanwhile");
    // A .dockerignore that drops go.sum makes the COPY fail the same way.
    let state = reduce(state, Action::SetContextListing(None));
    let state = reduce(state, Action::SetDockerignore(Some("go.sum\n".into())));
    assert!(mentions_go_sum(&state), "the .dockerignore drops go.sum");
}

#[test]
fn a_new_preset_replacing_an_edited_listing_can_be_undone() {
    let state = reduce(
        fresh(),
        Action::SetContextListing(Some("main.go 2KB\n".into())),
    );
    let state = reduce(state, Action::SetContextPreset(Some("rust".into())));
    assert_eq!(state.context_listing, None);
    assert!(state.undo.is_some());
    let back = reduce(state, Action::Undo);
    assert_eq!(back.context_listing.as_deref(), Some("main.go 2KB\n"));
    assert_eq!(back.context_preset, None);
    // An unknown preset name is the detected one.
    let state = reduce(back, Action::SetContextPreset(Some("cobol".into())));
    assert_eq!(state.context_preset, None);
}

#[test]
fn one_build_arg_is_set_in_place_and_removed() {
    let text = "# pinned\nA=1\nB=2\nA=3\n";
    assert_eq!(set_build_arg(text, "A", Some("9")), "# pinned\nA=9\nB=2\n");
    assert_eq!(set_build_arg(text, "A", None), "# pinned\nB=2\n");
    assert_eq!(set_build_arg("B=2\n\n", "C", Some("x y")), "B=2\nC=x y\n");
    assert_eq!(set_build_arg("", "C", None), "");
    let args = parse_build_args(&set_build_arg(text, "B", Some(" spaced")));
    assert_eq!(args.get("B").map(String::as_str), Some(" spaced"));
    let state = reduce(
        fresh(),
        Action::SetBuildArg {
            name: "K".into(),
            value: Some("v".into()),
        },
    );
    assert_eq!(state.build_args, "K=v\n");
}

#[test]
fn a_share_link_round_trip_keeps_the_whole_context() {
    let mut state = fresh();
    state = reduce(state, Action::SetContextPreset(Some("go".to_owned())));
    state = reduce(
        state,
        Action::SetContextListing(Some("main.go 1200\ngo.mod 80\n".to_owned())),
    );
    state = reduce(state, Action::SetDockerignore(Some("*.md\n".to_owned())));
    let link = crate::app::shared_state(&state);
    let fragment = stagecraft_share::encode(&link);
    let Ok(decoded) = stagecraft_share::decode(&fragment) else {
        panic!("the link decodes");
    };
    let opened = crate::app::from_link(decoded);
    assert_eq!(opened.context_preset.as_deref(), Some("go"));
    assert_eq!(
        opened.context_listing.as_deref(),
        Some("main.go 1200\ngo.mod 80\n")
    );
    assert_eq!(opened.dockerignore.as_deref(), Some("*.md\n"));
    assert_eq!(&*opened.text, &*state.text);
}
