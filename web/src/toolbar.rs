//! The toolbar: examples, target, build args, share and the theme toggle.

use web_sys::{HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

use crate::examples::EXAMPLES;
use crate::state::{Action, Shared, Theme};

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub view: Shared,
    pub target: Option<String>,
    pub build_args: String,
    pub theme: Theme,
    pub dispatch: Callback<Action>,
    /// Copies a link holding the whole state.
    pub on_share: Callback<MouseEvent>,
}

#[function_component]
pub fn Toolbar(props: &ToolbarProps) -> Html {
    let args_open = use_state(|| false);
    let on_example = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                if let Ok(index) = select.value().parse::<usize>() {
                    dispatch.emit(Action::LoadExample(index));
                }
                // Back to the placeholder, so choosing the same example again works.
                select.set_value("");
            }
        })
    };
    let on_target = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                let value = select.value();
                dispatch.emit(Action::SetTarget((!value.is_empty()).then_some(value)));
            }
        })
    };
    let on_args = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                dispatch.emit(Action::SetBuildArgs(t.value()));
            }
        })
    };
    let toggle_args = {
        let args_open = args_open.clone();
        Callback::from(move |_: MouseEvent| args_open.set(!*args_open))
    };
    // Escape closes the popover and gives the focus back to its button.
    let args_button = use_node_ref();
    let close_args = {
        let args_open = args_open.clone();
        let args_button = args_button.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                args_open.set(false);
                if let Some(button) = args_button.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        })
    };
    let next_theme = match props.theme {
        Theme::System => Theme::Dark,
        Theme::Dark => Theme::Light,
        Theme::Light => Theme::System,
    };
    let on_theme = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetTheme(next_theme)))
    };

    let stages = &props.view.analysis.stages;
    let target = props.target.clone().unwrap_or_default();
    // A chosen target that no stage has any more stays listed, so the select shows it.
    let missing = (!target.is_empty()
        && !stages.iter().any(|s| s.name.as_deref() == Some(&target)))
    .then(|| target.clone());
    let last_label = stages.last().map_or("last stage".to_owned(), |s| {
        format!(
            "last stage ({})",
            s.name
                .clone()
                .unwrap_or_else(|| format!("stage {}", s.index))
        )
    });
    let arg_count = crate::state::parse_build_args(&props.build_args).len();

    html! {
        <header class="toolbar">
            <h1 class="brand">{ "Stagecraft" }</h1>
            <label class="control">
                <span>{ "Example" }</span>
                <select onchange={on_example} aria-label="Load an example">
                    <option value="" selected=true>{ "Load an example…" }</option>
                    { for EXAMPLES.iter().enumerate().map(|(i, e)| html! {
                        <option value={i.to_string()} title={e.about}>{ e.title }</option>
                    }) }
                </select>
            </label>
            <label class="control">
                <span>{ "Target" }</span>
                <select onchange={on_target} aria-label="Target stage">
                    <option value="" selected={target.is_empty()}>{ last_label }</option>
                    { for stages.iter().filter_map(|s| s.name.clone()).map(|name| html! {
                        <option value={name.clone()} selected={name == target}>{ name }</option>
                    }) }
                    if let Some(missing) = missing {
                        <option value={missing.clone()} selected=true>{ format!("{missing} (no such stage)") }</option>
                    }
                </select>
            </label>
            <div class="control args">
                <button type="button" class="tool-button" ref={args_button} aria-expanded={args_open.to_string()}
                    aria-controls="build-args" onclick={toggle_args}>
                    { if arg_count == 0 { "Build args".to_owned() } else { format!("Build args ({arg_count})") } }
                </button>
                if *args_open {
                    <div class="args-popover" onkeydown={close_args}>
                        <label for="build-args">{ "One KEY=VALUE per line, as --build-arg" }</label>
                        <textarea id="build-args" rows="4" spellcheck="false"
                            value={props.build_args.clone()} oninput={on_args}
                            placeholder="GO_VERSION=1.22" />
                    </div>
                }
            </div>
            <button type="button" class="tool-button" onclick={props.on_share.clone()}>{ "Share" }</button>
            <button type="button" class="tool-button theme-toggle" onclick={on_theme}
                aria-label={format!("Theme: {}; switch to {}", props.theme.as_str(), next_theme.as_str())}>
                { match props.theme { Theme::System => "◐ Auto", Theme::Dark => "☾ Dark", Theme::Light => "☀ Light" } }
            </button>
        </header>
    }
}
