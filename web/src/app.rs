//! The page: one reducer holds the state; the effects here are the only side effects
//! (autosave, theme, the deferred analysis of long files, the step player).

use yew::prelude::*;

use crate::diagnostics::Diagnostics;
use crate::dom::{self, Timer};
use crate::editor::Editor;
use crate::graph::GraphPanel;
use crate::image::ImagePanel;
use crate::state::{Action, AppState, Panel, Theme};
use crate::steps::StepsPanel;
use crate::storage::{self, Loaded};
use crate::toolbar::Toolbar;

/// How long typing must pause before a long file is analysed.
const DEFER_MS: i32 = 250;
/// Time per step when playing.
const PLAY_MS: i32 = 1_100;

/// The state at start-up: the saved one if it can be read, otherwise the first example
/// with a notice saying where an unreadable save went.
fn initial_state() -> AppState {
    let mut state = match storage::load() {
        Loaded::Saved(saved) => AppState::new(saved.text, saved.target, saved.build_args),
        Loaded::Nothing => AppState::default(),
        Loaded::Unreadable { why } => AppState {
            notice: Some(format!(
                "Your saved Dockerfile could not be read ({why}). It is kept in this browser's \
                 localStorage under “{}”; the first example is loaded instead.",
                storage::SET_ASIDE_KEY
            )),
            ..AppState::default()
        },
    };
    state.theme = Theme::parse(&storage::load_theme().unwrap_or_default());
    state
}

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(initial_state);
    // Callbacks are memoised on the (stable) dispatcher: a fresh callback per render would
    // count as a changed prop and re-render every panel (the whole graph) on each keystroke.
    let dispatch = use_callback(state.dispatcher(), |action: Action, dispatcher| {
        dispatcher.dispatch(action)
    });

    // Autosave on every change of text, target or args.
    {
        let state = state.clone();
        use_effect_with(state.generation, move |_| {
            storage::save(&storage::Saved::new(
                &state.text,
                state.target.as_deref(),
                &state.build_args,
            ));
        });
    }
    use_effect_with(state.theme, |theme| {
        dom::apply_theme(theme.as_str());
        storage::save_theme(theme.as_str());
    });
    // Long files: analyse once typing pauses.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(
            (state.generation, state.stale),
            move |&(generation, stale)| {
                let timer = stale
                    .then(|| {
                        Timer::once(DEFER_MS, move || {
                            dispatcher.dispatch(Action::Analyze(generation))
                        })
                    })
                    .flatten();
                move || drop(timer)
            },
        );
    }
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.playing, move |&playing| {
            let timer = playing
                .then(|| Timer::every(PLAY_MS, move || dispatcher.dispatch(Action::Tick)))
                .flatten();
            move || drop(timer)
        });
    }

    // A crash on demand, for the browser test of the panic banner: `#stagecraft-test-panic`.
    use_effect_with((), |_| {
        let hash = dom::window().and_then(|w| w.location().hash().ok());
        if hash.as_deref() == Some("#stagecraft-test-panic") {
            panic!("a test panic, requested by the page address");
        }
    });

    let on_edit = use_callback(dispatch.clone(), |text: String, dispatch| {
        dispatch.emit(Action::Edit(text))
    });
    let on_jump = use_callback(dispatch.clone(), |range, dispatch| {
        dispatch.emit(Action::JumpTo(range))
    });
    let dismiss = use_callback(dispatch.clone(), |_: MouseEvent, dispatch| {
        dispatch.emit(Action::Notice(None))
    });

    let panel = match state.panel {
        Panel::Graph => html! {
            <GraphPanel view={state.view.clone()} active={state.active_stage()} dispatch={dispatch.clone()} />
        },
        Panel::Image => html! { <ImagePanel view={state.view.clone()} /> },
        Panel::Steps => html! {
            <StepsPanel view={state.view.clone()} step={state.step} playing={state.playing} dispatch={dispatch.clone()} />
        },
    };

    html! {
        <div class="app">
            <Toolbar view={state.view.clone()} target={state.target.clone()}
                build_args={state.build_args.clone()} theme={state.theme} dispatch={dispatch.clone()} />
            if let Some(notice) = &state.notice {
                <div class="notice" role="status">
                    <span>{ notice }</span>
                    <button type="button" class="tool-button" onclick={dismiss}>{ "Dismiss" }</button>
                </div>
            }
            <main class="workspace">
                <div class="left">
                    <Editor text={state.text.clone()} view={state.view.clone()} stale={state.stale}
                        marked={state.marked_range()} jump={state.jump} {on_edit} />
                    <Diagnostics view={state.view.clone()} stale={state.stale} {on_jump} />
                </div>
                <section class="right" aria-label="What BuildKit makes of it">
                    <Tabs current={state.panel} dispatch={dispatch.clone()} />
                    <div class={classes!("tabpanel", state.stale.then_some("stale"))} role="tabpanel"
                        id={format!("panel-{}", state.panel.id())} aria-labelledby={format!("tab-{}", state.panel.id())}>
                        { panel }
                    </div>
                </section>
            </main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TabsProps {
    current: Panel,
    dispatch: Callback<Action>,
}

/// The tab list; arrow keys move between tabs, as the ARIA tabs pattern expects.
#[function_component]
fn Tabs(props: &TabsProps) -> Html {
    let onkeydown = {
        let dispatch = props.dispatch.clone();
        let current = props.current;
        Callback::from(move |event: KeyboardEvent| {
            let at = Panel::ALL.iter().position(|p| *p == current).unwrap_or(0);
            let next = match event.key().as_str() {
                "ArrowRight" => (at + 1) % Panel::ALL.len(),
                "ArrowLeft" => (at + Panel::ALL.len() - 1) % Panel::ALL.len(),
                _ => return,
            };
            event.prevent_default();
            let panel = Panel::ALL[next];
            dispatch.emit(Action::SelectPanel(panel));
            if let Some(tab) =
                dom::document().and_then(|d| d.get_element_by_id(&format!("tab-{}", panel.id())))
            {
                use wasm_bindgen::JsCast;
                if let Ok(tab) = tab.dyn_into::<web_sys::HtmlElement>() {
                    let _ = tab.focus();
                }
            }
        })
    };
    html! {
        <div class="tabs" role="tablist" aria-label="Views" {onkeydown}>
            { for Panel::ALL.iter().map(|&panel| {
                let selected = panel == props.current;
                let onclick = {
                    let dispatch = props.dispatch.clone();
                    Callback::from(move |_: MouseEvent| dispatch.emit(Action::SelectPanel(panel)))
                };
                html! {
                    <button type="button" role="tab" id={format!("tab-{}", panel.id())}
                        aria-selected={selected.to_string()} aria-controls={format!("panel-{}", panel.id())}
                        tabindex={if selected { "0" } else { "-1" }} class="tab" {onclick}>
                        { panel.label() }
                    </button>
                }
            }) }
        </div>
    }
}
