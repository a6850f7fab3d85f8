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
    let shared = storage::shared_fragment().map(|f| stagecraft_share::decode(&f));
    let mut state = match (shared, storage::load()) {
        (Some(Ok(link)), _) => {
            storage::clear_fragment();
            from_link(link)
        }
        (Some(Err(why)), saved) => AppState {
            notice: Some(format!("This share link could not be opened: {why}.")),
            ..from_storage(saved)
        },
        (None, saved) => from_storage(saved),
    };
    state.theme = Theme::parse(&storage::load_theme().unwrap_or_default());
    state
}

fn from_storage(loaded: Loaded) -> AppState {
    match loaded {
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
    }
}

/// The state a share link holds: text, target, args, and the panel and step it showed.
fn from_link(link: stagecraft_share::SharedState) -> AppState {
    let args: String = link
        .build_args
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    let mut state = AppState::new(link.dockerfile, link.target, args);
    state.panel = Panel::ALL
        .into_iter()
        .find(|p| Some(p.id()) == link.panel.as_deref())
        .unwrap_or(Panel::Graph);
    state.step = link
        .step
        .unwrap_or(0)
        .min(state.view.steps.len().saturating_sub(1));
    state.notice =
        Some("Opened a shared Dockerfile; your edits now save in this browser.".to_owned());
    state
}

/// The share link of the current state.
pub fn share_link(state: &AppState) -> Option<String> {
    let shared = stagecraft_share::SharedState {
        dockerfile: state.text.to_string(),
        target: state.target.clone(),
        build_args: crate::state::parse_build_args(&state.build_args),
        panel: Some(state.panel.id().to_owned()),
        step: (state.panel == Panel::Steps).then_some(state.step),
        ..Default::default()
    };
    storage::link_with(&stagecraft_share::encode(&shared))
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
    let share = {
        let state = state.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            let notice = match share_link(&state) {
                Some(link) if dom::copy_to_clipboard(&link) => {
                    format!("Share link copied ({} characters).", link.len())
                }
                Some(link) => format!("Copy this share link: {link}"),
                None => "This browser cannot make a share link here.".to_owned(),
            };
            dispatch.emit(Action::Notice(Some(notice)));
        })
    };
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
                build_args={state.build_args.clone()} theme={state.theme} dispatch={dispatch.clone()} on_share={share} />
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
