//! The build-context editor: preset picker and an editable listing of the context's files.
//! The listing is `path size` lines (the CLI's `--context-file` format) and the
//! `.dockerignore` is its own text; a bad line is reported with its number under the
//! listing while the text stays as typed and the preset's files stand in.

use stagecraft_simulate::context::{self, BuildContext};
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::state::{format_bytes, Action, Shared};

/// What the chosen context holds: file count, bytes listed, bytes sent to the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub total_bytes: u64,
    pub sent_bytes: u64,
}

/// The context the inputs describe (the preset's files when the listing is untouched or
/// does not parse), with the `.dockerignore` in effect. Pure, for native tests.
pub fn chosen_context(
    preset: &str,
    listing: Option<&str>,
    dockerignore: Option<&str>,
) -> Option<BuildContext> {
    let mut chosen = listing
        .and_then(|text| BuildContext::parse_listing(text, preset).ok())
        .or_else(|| context::preset(preset))?;
    if let Some(ignore) = dockerignore {
        chosen.dockerignore = Some(ignore.to_owned());
    }
    Some(chosen)
}

pub fn summarize(context: &BuildContext) -> Summary {
    Summary {
        files: context.files.len(),
        total_bytes: context.total_bytes(),
        sent_bytes: context.included_bytes(),
    }
}

#[derive(Properties, PartialEq)]
pub struct ContextEditorProps {
    pub view: Shared,
    /// The chosen preset; the detected one when `None`.
    pub preset: Option<String>,
    /// The edited listing; the preset's when `None`.
    pub listing: Option<String>,
    /// The edited `.dockerignore`; the preset's when `None`.
    pub dockerignore: Option<String>,
    pub dispatch: Callback<Action>,
}

#[function_component]
pub fn ContextEditor(props: &ContextEditorProps) -> Html {
    let view = &props.view;
    let name = props
        .preset
        .clone()
        .unwrap_or_else(|| view.detected_context.to_owned());
    let base = context::preset(&name);
    let listing = props.listing.clone().unwrap_or_else(|| {
        base.as_ref()
            .map(BuildContext::to_listing)
            .unwrap_or_default()
    });
    let ignore = props.dockerignore.clone().unwrap_or_else(|| {
        base.as_ref()
            .and_then(|b| b.dockerignore.clone())
            .unwrap_or_default()
    });
    let summary = chosen_context(
        &name,
        props.listing.as_deref(),
        props.dockerignore.as_deref(),
    )
    .map(|c| summarize(&c));
    let info = context::preset_info(&name);

    let on_preset = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                let value = select.value();
                dispatch.emit(Action::SetContextPreset(
                    (!value.is_empty()).then_some(value),
                ));
            }
        })
    };
    let on_listing = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(area) = event.target_dyn_into::<HtmlTextAreaElement>() {
                dispatch.emit(Action::SetContextListing(Some(area.value())));
            }
        })
    };
    let on_ignore = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(area) = event.target_dyn_into::<HtmlTextAreaElement>() {
                dispatch.emit(Action::SetDockerignore(Some(area.value())));
            }
        })
    };
    let reset_listing = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetContextListing(None)))
    };
    let reset_ignore = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetDockerignore(None)))
    };
    let error = view.context_error.as_ref();
    let chosen = props.preset.clone().unwrap_or_default();

    html! {
        <div class="context-editor">
            <div class="context-row">
                <label for="context-preset">{ "Preset" }</label>
                <select id="context-preset" onchange={on_preset}>
                    <option value="" selected={chosen.is_empty()}>
                        { format!("Detected: {}", view.detected_context) }
                    </option>
                    { for context::preset_names().into_iter().map(|preset| html! {
                        <option value={preset} selected={chosen == preset}>{ preset }</option>
                    }) }
                </select>
            </div>
            if let Some(info) = info {
                <p class="muted small context-about">{ &info.description }</p>
                <details class="context-basis">
                    <summary>{ "Where the sizes come from" }</summary>
                    <p class="muted small">{ &info.basis }</p>
                </details>
            }
            if view.grade.is_some() {
                <p class="arg-note warn" data-exercise-context={view.context.clone()}>
                    { format!("An exercise is open: its checks are graded with the {} context, so \
                        changes here apply once you leave it.", view.context) }
                </p>
            }
            if !view.simulated {
                <p class="arg-note warn">{ "This file is too long to simulate, so the context does not show in the image yet." }</p>
            }
            <div class="context-label-row">
                <label for="context-listing">{ "Files: one " }<code>{ "path size" }</code>{ " a line" }</label>
                if props.listing.is_some() {
                    <button type="button" class="tool-button small-button" onclick={reset_listing}>
                        { "Reset to preset" }
                    </button>
                }
            </div>
            <textarea id="context-listing" class="context-listing" rows="10" spellcheck="false"
                autocomplete="off" wrap="off" value={listing} oninput={on_listing}
                aria-invalid={error.is_some().then_some("true")}
                aria-describedby={error.is_some().then_some("context-listing-error")} />
            if let Some(error) = error {
                <p class="field-error" id="context-listing-error" role="alert" data-line={error.line.to_string()}>
                    { format!("Line {}: {}. ", error.line, error.message) }
                    <span class="muted">{ format!("Until it is fixed the {name} preset's files are used.") }</span>
                </p>
            }
            if let Some(summary) = summary {
                <p class="muted small context-summary" data-context-files={summary.files.to_string()}
                    data-context-sent-bytes={summary.sent_bytes.to_string()}>
                    { format!("{} files, {} listed; {} sent to the builder after .dockerignore.",
                        summary.files, format_bytes(summary.total_bytes), format_bytes(summary.sent_bytes)) }
                </p>
            }
            <div class="context-label-row">
                <label for="context-dockerignore"><code>{ ".dockerignore" }</code></label>
                if props.dockerignore.is_some() {
                    <button type="button" class="tool-button small-button" onclick={reset_ignore}>
                        { "Reset to preset" }
                    </button>
                }
            </div>
            <textarea id="context-dockerignore" class="context-ignore" rows="5" spellcheck="false"
                autocomplete="off" value={ignore} oninput={on_ignore}
                placeholder="No .dockerignore: the whole directory is sent. One pattern a line, e.g. .git" />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_listing_replaces_the_preset_and_a_bad_one_does_not() {
        let edited = chosen_context("go", Some("main.go 2KB\ngo.mod 1KB\n"), None);
        assert_eq!(edited.as_ref().map(|c| c.files.len()), Some(2));
        let preset_files = context::preset("go").map(|c| c.files.len());
        let broken = chosen_context("go", Some("main.go\n"), None);
        assert_eq!(broken.map(|c| c.files.len()), preset_files);
    }

    #[test]
    fn the_dockerignore_changes_what_is_sent() {
        let listing = "main.go 2KB\nbig.bin 5MB\n";
        let all = chosen_context("go", Some(listing), Some(""));
        let some = chosen_context("go", Some(listing), Some("*.bin\n"));
        let (Some(all), Some(some)) = (all, some) else {
            panic!("both parse");
        };
        assert_eq!(summarize(&all).sent_bytes, 5_002_000);
        assert_eq!(summarize(&some).sent_bytes, 2_000);
        assert_eq!(summarize(&some).total_bytes, 5_002_000);
    }
}

#[cfg(test)]
mod render_tests {
    use std::rc::Rc;

    use super::*;
    use crate::exercise::ExerciseRef;
    use crate::state::{Inputs, View};
    use crate::test_render::{attribute_values, render};

    fn sheet(inputs: &Inputs) -> String {
        let view = Shared(Rc::new(View::compute(
            Rc::from("FROM node:20\nCOPY . .\n"),
            inputs,
            1,
        )));
        render::<ContextEditor>(ContextEditorProps {
            view,
            preset: Some("go".to_owned()),
            listing: None,
            dockerignore: None,
            dispatch: Callback::noop(),
        })
    }

    #[test]
    fn an_open_exercise_says_whose_context_is_graded() {
        assert!(attribute_values(&sheet(&Inputs::default()), "data-exercise-context").is_empty());
        let pack = stagecraft_exercises::builtin_pack();
        let Some(exercise) = pack.exercises.iter().find(|e| e.context.is_some()) else {
            panic!("a shipped exercise names its context");
        };
        let inputs = Inputs {
            context_preset: Some("go".to_owned()),
            exercise: Some(ExerciseRef(Rc::new(exercise.clone()))),
            ..Inputs::default()
        };
        assert_eq!(
            attribute_values(&sheet(&inputs), "data-exercise-context"),
            [exercise.context.clone().unwrap_or_default()]
        );
    }
}
