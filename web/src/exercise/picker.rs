//! The "Exercises" dialog (the built-in pack with ticks, a pack URL, a pack from files)
//! and the status strip that says a pack is loading or why it could not be opened.

use web_sys::{HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::session::{ExerciseAction, LoadFailure};
use super::{builtin, progress};
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    pub dispatch: Callback<Action>,
    /// The id of the open pack, to mark it.
    pub open_pack: Option<String>,
}

#[function_component]
pub fn ExercisePicker(props: &PickerProps) -> Html {
    let pack = builtin();
    let saved = use_memo((), |_| progress::peek(&builtin().id));
    let url = use_state(String::new);
    let dialog = use_node_ref();
    // The dialog takes the focus so Escape and Tab work from the start, and gives it back
    // to the toolbar's button when it closes.
    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            if let Some(dialog) = dialog.cast::<web_sys::HtmlElement>() {
                let _ = dialog.focus();
            }
            || {
                use wasm_bindgen::JsCast;
                let button = crate::dom::document()
                    .and_then(|d| d.get_element_by_id("exercises-button"))
                    .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(button) = button {
                    let _ = button.focus();
                }
            }
        });
    }
    let close = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Action::Exercise(ExerciseAction::Picker(false)))
        })
    };
    let onkeydown = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.stop_propagation();
                dispatch.emit(Action::Exercise(ExerciseAction::Picker(false)));
            }
        })
    };
    let on_url = {
        let url = url.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                url.set(input.value());
            }
        })
    };
    let open_url = {
        let dispatch = props.dispatch.clone();
        let url = url.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if !url.trim().is_empty() {
                super::open_pack_url(&dispatch, url.trim(), None);
            }
        })
    };
    let on_files = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                // Copied out first: clearing the input below empties its live FileList.
                let files: Vec<web_sys::File> = input
                    .files()
                    .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
                    .unwrap_or_default();
                if !files.is_empty() {
                    super::open_files(&dispatch, files);
                }
                // Choosing the same files again (after fixing them) must fire again.
                input.set_value("");
            }
        })
    };
    let done = pack
        .exercises
        .iter()
        .filter(|e| saved.as_ref().as_ref().is_some_and(|p| p.passed(&e.id)))
        .count();

    html! {
        <>
            <div class="sheet-backdrop" onclick={close.clone()} aria-hidden="true"></div>
            <div class="sheet exercise-sheet" role="dialog" aria-labelledby="exercise-dialog-title"
                tabindex="-1" ref={dialog} {onkeydown}>
                <div class="sheet-head">
                    <h2 id="exercise-dialog-title">{ "Exercises" }</h2>
                    <button type="button" class="tool-button close" onclick={close} aria-label="Close exercises">{ "✕" }</button>
                </div>
                <h3 class="pack-title">
                    { &pack.title }
                    <span class="muted small">{ format!(" · {done} of {} done", pack.exercises.len()) }</span>
                    if props.open_pack.as_deref() == Some(pack.id.as_str()) {
                        <span class="tag">{ "open" }</span>
                    }
                </h3>
                if let Some(description) = &pack.description {
                    <p class="small muted pack-description">{ description }</p>
                }
                <ol class="pack-list">
                    { for pack.exercises.iter().enumerate().map(|(i, exercise)| {
                        let passed = saved.as_ref().as_ref().is_some_and(|p| p.passed(&exercise.id));
                        let onclick = {
                            let dispatch = props.dispatch.clone();
                            let id = exercise.id.clone();
                            Callback::from(move |_: MouseEvent| super::open_builtin(&dispatch, Some(&id)))
                        };
                        html! {
                            <li>
                                <button type="button" class={classes!("exercise-item", passed.then_some("passed"))}
                                    data-exercise-id={exercise.id.clone()} data-passed={passed.to_string()} {onclick}>
                                    <span class="tick" aria-hidden="true">{ if passed { "✓".to_owned() } else { format!("{}.", i + 1) } }</span>
                                    <span>{ &exercise.title }</span>
                                    if passed { <span class="visually-hidden">{ " (passed)" }</span> }
                                </button>
                            </li>
                        }
                    }) }
                </ol>
                <section class="own-pack" aria-labelledby="own-pack-title">
                    <h3 id="own-pack-title">{ "Your own pack" }</h3>
                    <form class="pack-url" onsubmit={open_url}>
                        <label for="pack-url">{ "Pack URL" }</label>
                        <input id="pack-url" type="url" inputmode="url" spellcheck="false"
                            placeholder="https://example.org/workshop/pack.toml" value={(*url).clone()} oninput={on_url} />
                        <button type="submit" class="tool-button">{ "Open" }</button>
                    </form>
                    <div class="pack-file">
                        <label class="tool-button file-button" for="pack-files">{ "Load pack from file…" }</label>
                        <input id="pack-files" class="visually-hidden" type="file" multiple=true
                            accept=".toml,.md,text/plain,text/markdown" onchange={on_files} />
                        <span class="small muted">{ "One exercise file, or a pack.toml with the files it lists, chosen together." }</span>
                    </div>
                    <p class="small muted">
                        { "A pack is a pack.toml and its exercise files. Host them anywhere that allows cross-origin reads and share " }
                        <code>{ "?pack=<url>" }</code>{ "." }
                    </p>
                </section>
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct StatusProps {
    pub loading: Option<String>,
    pub failure: Option<LoadFailure>,
    pub dispatch: Callback<Action>,
}

/// "Loading…" while a pack is fetched; the error panel when it could not be opened. The
/// Dockerfile in the editor is never touched by a failed load.
#[function_component]
pub fn LoadStatus(props: &StatusProps) -> Html {
    let dismiss = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Action::Exercise(ExerciseAction::DismissFailure))
        })
    };
    if let Some(failure) = &props.failure {
        return html! {
            <div class="exercise-error" role="alert">
                <div class="exercise-error-head">
                    <strong>{ "The exercises could not be opened" }</strong>
                    <button type="button" class="tool-button" onclick={dismiss}>{ "Dismiss" }</button>
                </div>
                <p class="small">
                    { "From " }<code class="source">{ &failure.source }</code>
                    { format!(" · {} problem{}; your Dockerfile is unchanged.", failure.problems.len(),
                        if failure.problems.len() == 1 { "" } else { "s" }) }
                </p>
                <ul class="problems">
                    { for failure.problems.iter().map(|p| {
                        let place = match (&p.file, p.at) {
                            (Some(file), Some((line, column))) => format!("{file}:{line}:{column}"),
                            (Some(file), None) => file.clone(),
                            (None, Some((line, column))) => format!("{line}:{column}"),
                            (None, None) => String::new(),
                        };
                        html! {
                            <li data-file={p.file.clone()} data-line={p.at.map(|a| a.0.to_string())}>
                                if !place.is_empty() { <code class="place">{ place }</code> }
                                <span class="message">{ &p.message }</span>
                            </li>
                        }
                    }) }
                </ul>
            </div>
        };
    }
    match &props.loading {
        Some(what) => html! {
            <div class="exercise-loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                <span class="what">{ what }</span>
                <button type="button" class="tool-button" onclick={dismiss}>{ "Cancel" }</button>
            </div>
        },
        None => Html::default(),
    }
}
