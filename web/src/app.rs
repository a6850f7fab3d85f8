//! The page: one reducer holds the state; the effects here are the only side effects
//! (autosave, theme, the deferred analysis of long files, the step player).

use std::rc::Rc;

use yew::prelude::*;

use crate::diagnostics::Diagnostics;
use crate::dom::{self, Timer};
use crate::editor::Editor;
use crate::embed::{self, EmbedApp, EmbedConfig, StateHandle};
use crate::exercise::{ExerciseBar, ExercisePanel, ExercisePicker, LoadStatus};
use crate::graph::GraphPanel;
use crate::image::ImagePanel;
use crate::state::{Action, AppState, Panel, Theme};
use crate::steps::StepsPanel;
use crate::storage::{self, Loaded};
use crate::toolbar::Toolbar;

/// How long typing must pause before a long file is analysed.
const DEFER_MS: i32 = 250;
/// Time per step when playing at 1× (the speed control scales it).
const PLAY_MS: i32 = 1_100;

/// The state at start-up: the saved one if it can be read, otherwise the first example
/// with a notice saying where an unreadable save went.
fn initial_state(embed: &(EmbedConfig, Vec<embed::Problem>)) -> AppState {
    if embed.0.enabled {
        let fragment = storage::shared_fragment();
        return embed::initial_state(
            &embed.0,
            &embed.1,
            fragment.as_deref(),
            dom::prefers_reduced_motion(),
        );
    }
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
        Loaded::Saved(saved) => {
            let inputs = saved.inputs();
            AppState::with_inputs(saved.text, inputs)
        }
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
pub(crate) fn from_link(link: stagecraft_share::SharedState) -> AppState {
    let args: String = link
        .build_args
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    // A preset this page does not know (a link from a newer Stagecraft) falls back to the
    // detected one, and the notice says so.
    let unknown_preset = link
        .context
        .clone()
        .filter(|p| stagecraft_simulate::context::preset_info(p).is_none());
    let inputs = crate::state::Inputs {
        target: link.target,
        build_args: args,
        context_preset: link.context.filter(|_| unknown_preset.is_none()),
        context_listing: link.context_listing,
        dockerignore: link.dockerignore,
        exercise: None,
    };
    let mut state = AppState::with_inputs(link.dockerfile, inputs);
    state.panel = Panel::ALL
        .into_iter()
        .find(|p| Some(p.id()) == link.panel.as_deref())
        .unwrap_or(Panel::Graph);
    state.step = link
        .step
        .unwrap_or(0)
        .min(state.view.steps.len().saturating_sub(1));
    state.notice = Some(match unknown_preset {
        Some(preset) => format!(
            "Opened a shared Dockerfile; its context preset “{preset}” is unknown here, so the \
             detected one is used. Your edits now save in this browser."
        ),
        None => "Opened a shared Dockerfile; your edits now save in this browser.".to_owned(),
    });
    state
}

/// The share link of the current state.
pub fn share_link(state: &AppState) -> Option<String> {
    storage::link_with(&stagecraft_share::encode(&shared_state(state)))
}

/// What a share link of the current state holds.
pub fn shared_state(state: &AppState) -> stagecraft_share::SharedState {
    stagecraft_share::SharedState {
        dockerfile: state.text.to_string(),
        target: state.target.clone(),
        build_args: crate::state::parse_build_args(&state.build_args),
        panel: Some(state.panel.id().to_owned()),
        step: (state.panel == Panel::Steps).then_some(state.step),
        context: state.context_preset.clone(),
        context_listing: state.context_listing.clone(),
        dockerignore: state.dockerignore.clone(),
    }
}

#[function_component]
pub fn App() -> Html {
    // Read once: embed mode (`?embed=1`) never changes while the page is open.
    let embed = use_memo((), |_| EmbedConfig::from_location());
    let state = use_reducer({
        let embed = embed.clone();
        move || initial_state(&embed)
    });
    let embedded = embed.0.enabled;
    // Callbacks are memoised on the (stable) dispatcher: a fresh callback per render would
    // count as a changed prop and re-render every panel (the whole graph) on each keystroke.
    let dispatch = use_callback(state.dispatcher(), |action: Action, dispatcher| {
        dispatcher.dispatch(action)
    });

    // Autosave on every change of text, target, args or context.
    {
        let state = state.clone();
        use_effect_with(state.generation, move |_| {
            // An embed's state lives in its address: it must not overwrite the visitor's work.
            // Nor may an exercise attempt (it is saved with the pack's progress): the
            // playground's own text waits in the session and comes back on leaving.
            if embedded || state.exercises.session.is_some() {
                return;
            }
            storage::save(&storage::Saved::with_inputs(&state.text, &state.inputs()));
        });
    }
    use_effect_with(state.theme, move |theme| {
        dom::apply_theme(theme.as_str());
        if !embedded {
            storage::save_theme(theme.as_str());
        }
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
        use_effect_with((state.playing, state.speed), move |&(playing, speed)| {
            let every = speed.step_ms(PLAY_MS);
            let timer = playing
                .then(|| Timer::every(every, move || dispatcher.dispatch(Action::Tick)))
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

    crate::exercise::use_exercises(&state, &dispatch, !embedded);

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
    let undo = use_callback(dispatch.clone(), |_: MouseEvent, dispatch| {
        dispatch.emit(Action::Undo)
    });

    if embedded {
        return html! {
            <EmbedApp state={StateHandle::new(state.clone())} config={Rc::new(embed.0.clone())} {dispatch} />
        };
    }

    let panel = match state.panel {
        Panel::Graph => html! {
            <GraphPanel view={state.view.clone()} active={state.active_stage()} dispatch={dispatch.clone()} />
        },
        Panel::Image => html! { <ImagePanel view={state.view.clone()} /> },
        Panel::Steps => html! {
            <StepsPanel view={state.view.clone()} step={state.step} playing={state.playing} speed={state.speed} dispatch={dispatch.clone()} />
        },
        Panel::Exercise => match &state.exercises.session {
            Some(session) => html! {
                <ExercisePanel session={session.clone()} view={state.view.clone()} stale={state.stale} dispatch={dispatch.clone()} />
            },
            None => Html::default(),
        },
    };

    html! {
        <div class="app">
            <Toolbar view={state.view.clone()} target={state.target.clone()}
                build_args={state.build_args.clone()} context_preset={state.context_preset.clone()}
                context_listing={state.context_listing.clone()} dockerignore={state.dockerignore.clone()}
                theme={state.theme} dispatch={dispatch.clone()} on_share={share} />
            if let Some(notice) = &state.notice {
                <div class="notice" role="status">
                    <span>{ notice }</span>
                    if state.undo.is_some() {
                        <button type="button" class="tool-button undo" onclick={undo}>{ "Undo" }</button>
                    }
                    <button type="button" class="tool-button" onclick={dismiss}>{ "Dismiss" }</button>
                </div>
            }
            <LoadStatus loading={state.exercises.loading.clone()} failure={state.exercises.failure.clone()} dispatch={dispatch.clone()} />
            if state.exercises.picker_open {
                <ExercisePicker dispatch={dispatch.clone()}
                    open_pack={state.exercises.session.as_ref().map(|s| s.pack.id.clone())} />
            }
            <main class="workspace">
                <div class="left">
                    if let Some(session) = &state.exercises.session {
                        <ExerciseBar session={session.clone()} view={state.view.clone()} stale={state.stale}
                            panel={state.panel} dispatch={dispatch.clone()} />
                    }
                    <Editor text={state.text.clone()} view={state.view.clone()} stale={state.stale}
                        marked={state.marked_range()} jump={state.jump} {on_edit} />
                    <Diagnostics view={state.view.clone()} stale={state.stale} {on_jump} />
                </div>
                <section class="right" aria-label="What BuildKit makes of it">
                    <Tabs tabs={Panel::tabs(state.exercises.session.is_some())} current={state.panel} dispatch={dispatch.clone()} />
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
pub(crate) struct TabsProps {
    /// The tabs shown, in order (the exercise tab joins them while an exercise is open;
    /// an embed shows the panels its address asks for).
    pub tabs: Vec<Panel>,
    pub current: Panel,
    pub dispatch: Callback<Action>,
}

/// The tab list; arrow keys move between tabs, as the ARIA tabs pattern expects.
#[function_component]
pub(crate) fn Tabs(props: &TabsProps) -> Html {
    let tabs = props.tabs.clone();
    let onkeydown = {
        let dispatch = props.dispatch.clone();
        let current = props.current;
        let tabs = tabs.clone();
        Callback::from(move |event: KeyboardEvent| {
            let at = tabs.iter().position(|p| *p == current).unwrap_or(0);
            let next = match event.key().as_str() {
                "ArrowRight" => (at + 1) % tabs.len(),
                "ArrowLeft" => (at + tabs.len() - 1) % tabs.len(),
                _ => return,
            };
            event.prevent_default();
            let panel = tabs[next];
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
            { for tabs.iter().map(|&panel| {
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
