//! The toolbar: the examples gallery, target, the build-arg editor, the build context,
//! share and the theme toggle. Each of the three editors opens as a sheet over the page;
//! Escape (or the close button, or a click beside it) closes it and gives the focus back
//! to the button that opened it.

use std::collections::BTreeMap;

use stagecraft_analysis::scope::DEFAULT_PLATFORM_ARGS;
use stagecraft_syntax::Keyword;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::context_editor::ContextEditor;
use crate::examples::{self, Group};
use crate::state::{parse_build_args, Action, Shared, Theme, View};

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub view: Shared,
    pub target: Option<String>,
    pub build_args: String,
    #[prop_or_default]
    pub context_preset: Option<String>,
    #[prop_or_default]
    pub context_listing: Option<String>,
    #[prop_or_default]
    pub dockerignore: Option<String>,
    pub theme: Theme,
    pub dispatch: Callback<Action>,
    /// Copies a link holding the whole state.
    pub on_share: Callback<MouseEvent>,
}

/// The sheet that is open; one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheet {
    Examples,
    Args,
    Context,
}

impl Sheet {
    /// The element focused when the sheet opens: the first selector that matches.
    fn first_focus(self) -> &'static [&'static str] {
        match self {
            Sheet::Examples => &[".example-card[aria-current]", ".example-card"],
            Sheet::Args => &[".args-editor input"],
            Sheet::Context => &["#context-preset"],
        }
    }

    fn button_id(self) -> &'static str {
        match self {
            Sheet::Examples => "open-examples",
            Sheet::Args => "open-build-args",
            Sheet::Context => "open-context",
        }
    }
}

fn focus_id(id: &str) {
    if let Some(element) = crate::dom::document()
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

fn focus_first(selectors: &[&str]) {
    let Some(document) = crate::dom::document() else {
        return;
    };
    for selector in selectors {
        if let Some(element) = document
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
            return;
        }
    }
}

#[function_component]
pub fn Toolbar(props: &ToolbarProps) -> Html {
    let open = use_state(|| None::<Sheet>);
    // The sheet just opened takes the focus (after it is in the page).
    use_effect_with(*open, |open| {
        if let Some(sheet) = open {
            focus_first(sheet.first_focus());
        }
    });
    let toggle = |sheet: Sheet| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            open.set(if *open == Some(sheet) {
                None
            } else {
                Some(sheet)
            })
        })
    };
    let close = {
        let open = open.clone();
        Callback::from(move |()| {
            if let Some(sheet) = *open {
                focus_id(sheet.button_id());
            }
            open.set(None);
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
    let on_load = {
        let dispatch = props.dispatch.clone();
        let close = close.clone();
        Callback::from(move |index: usize| {
            dispatch.emit(Action::LoadExample(index));
            close.emit(());
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
    let arg_count = parse_build_args(&props.build_args).len();
    let context_name = props
        .context_preset
        .clone()
        .unwrap_or_else(|| props.view.detected_context.to_owned());
    let context_edited = props.context_listing.is_some() || props.dockerignore.is_some();
    let context_broken = props.view.context_error.is_some();
    let expanded = |sheet: Sheet| (*open == Some(sheet)).to_string();

    html! {
        <header class="toolbar">
            <h1 class="brand">{ "Stagecraft" }</h1>
            <button type="button" class="tool-button" id={Sheet::Examples.button_id()}
                aria-haspopup="dialog" aria-expanded={expanded(Sheet::Examples)}
                onclick={toggle(Sheet::Examples)}>
                { "Examples" }
            </button>
            <button type="button" class="tool-button" id="exercises-button" aria-haspopup="dialog" onclick={{
                let dispatch = props.dispatch.clone();
                move |_: MouseEvent| dispatch.emit(Action::Exercise(crate::exercise::ExerciseAction::Picker(true)))
            }}>{ "Exercises" }</button>
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
            <button type="button" class="tool-button" id={Sheet::Args.button_id()}
                aria-haspopup="dialog" aria-expanded={expanded(Sheet::Args)} onclick={toggle(Sheet::Args)}>
                { if arg_count == 0 { "Build args".to_owned() } else { format!("Build args ({arg_count})") } }
            </button>
            <button type="button" class={classes!("tool-button", context_broken.then_some("has-error"))}
                id={Sheet::Context.button_id()} aria-haspopup="dialog" aria-expanded={expanded(Sheet::Context)}
                onclick={toggle(Sheet::Context)}>
                { "Context: " }<span class="context-name">{ context_name }</span>
                if context_edited { <span class="edited" title="edited">{ "*" }</span> }
            </button>
            <button type="button" class="tool-button" onclick={props.on_share.clone()}>{ "Share" }</button>
            <crate::embed_dialog::EmbedButton view={props.view.clone()} target={props.target.clone()}
                build_args={props.build_args.clone()} context={props.context_preset.clone()}
                context_listing={props.context_listing.clone()} dockerignore={props.dockerignore.clone()} />
            <button type="button" class="tool-button theme-toggle" onclick={on_theme}
                aria-label={format!("Theme: {}; switch to {}", props.theme.as_str(), next_theme.as_str())}>
                { match props.theme { Theme::System => "◐ Auto", Theme::Dark => "☾ Dark", Theme::Light => "☀ Light" } }
            </button>
            if let Some(sheet) = *open {
                <SheetFrame title={match sheet {
                        Sheet::Examples => "Examples",
                        Sheet::Args => "Build args",
                        Sheet::Context => "Build context",
                    }} wide={sheet == Sheet::Examples} on_close={close.clone()}>
                    { match sheet {
                        Sheet::Examples => html! {
                            <Gallery current={props.view.text.to_string()} on_load={on_load} />
                        },
                        Sheet::Args => html! {
                            <ArgsEditor view={props.view.clone()} build_args={props.build_args.clone()}
                                dispatch={props.dispatch.clone()} />
                        },
                        Sheet::Context => html! {
                            <ContextEditor view={props.view.clone()} preset={props.context_preset.clone()}
                                listing={props.context_listing.clone()} dockerignore={props.dockerignore.clone()}
                                dispatch={props.dispatch.clone()} />
                        },
                    } }
                </SheetFrame>
            }
        </header>
    }
}

#[derive(Properties, PartialEq)]
struct SheetFrameProps {
    title: &'static str,
    /// The gallery wants more room than the small editors.
    wide: bool,
    on_close: Callback<()>,
    children: Html,
}

/// A non-modal dialog below the toolbar, over a backdrop that closes it when clicked.
#[function_component]
fn SheetFrame(props: &SheetFrameProps) -> Html {
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.prevent_default();
                event.stop_propagation();
                on_close.emit(());
            }
        })
    };
    let close_click = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let title_id = format!(
        "sheet-title-{}",
        props.title.replace(' ', "-").to_lowercase()
    );
    html! {
        <>
            <div class="sheet-backdrop" onclick={close_click.clone()} aria-hidden="true"></div>
            <div class={classes!("sheet", props.wide.then_some("wide"))} role="dialog"
                aria-labelledby={title_id.clone()} {onkeydown}>
                <div class="sheet-head">
                    <h2 id={title_id}>{ props.title }</h2>
                    <button type="button" class="tool-button close" aria-label={format!("Close {}", props.title.to_lowercase())}
                        onclick={close_click}>{ "✕" }</button>
                </div>
                { props.children.clone() }
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct GalleryProps {
    /// The text on screen, to mark the example it is.
    current: String,
    on_load: Callback<usize>,
}

/// The examples as cards in two groups. Arrow keys (and Home/End) move between cards,
/// Tab too; Enter or a click loads one.
#[function_component]
fn Gallery(props: &GalleryProps) -> Html {
    let all = examples::all();
    let onkeydown = Callback::from(move |event: KeyboardEvent| {
        let at = crate::dom::document()
            .and_then(|d| d.active_element())
            .and_then(|e| e.get_attribute("data-example"))
            .and_then(|i| i.parse::<usize>().ok());
        let (Some(at), Some(last)) = (at, all.len().checked_sub(1)) else {
            return;
        };
        let next = match event.key().as_str() {
            "ArrowDown" | "ArrowRight" => (at + 1).min(last),
            "ArrowUp" | "ArrowLeft" => at.saturating_sub(1),
            "Home" => 0,
            "End" => last,
            _ => return,
        };
        event.prevent_default();
        focus_id(&format!("example-card-{next}"));
    });
    html! {
        <div class="gallery" {onkeydown}>
            <p class="muted small">{ "Loading an example replaces the editor's text; the notice that follows can undo it." }</p>
            { for Group::ALL.iter().map(|&group| html! {
                <section class="gallery-group" aria-label={group.label()}>
                    <h3>{ group.label() }</h3>
                    <ul class="cards">
                        { for all.iter().enumerate().filter(|(_, e)| e.group == group).map(|(index, example)| {
                            let onclick = {
                                let on_load = props.on_load.clone();
                                Callback::from(move |_: MouseEvent| on_load.emit(index))
                            };
                            let is_current = example.text == props.current;
                            let mut tags = Vec::new();
                            if let Some(target) = &example.target {
                                tags.push(format!("--target {target}"));
                            }
                            for (key, value) in parse_build_args(&example.build_args) {
                                tags.push(format!("{key}={value}"));
                            }
                            if let Some(context) = &example.context {
                                tags.push(format!("context: {context}"));
                            }
                            html! {
                                <li>
                                    <button type="button" class="example-card" id={format!("example-card-{index}")}
                                        data-example={index.to_string()} data-example-id={example.id.clone()}
                                        aria-current={is_current.then_some("true")} {onclick}>
                                        <span class="card-title">{ &example.title }</span>
                                        <span class="card-about">{ &example.about }</span>
                                        if !tags.is_empty() {
                                            <span class="card-tags">
                                                { for tags.into_iter().map(|t| html! { <code>{ t }</code> }) }
                                            </span>
                                        }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                </section>
            }) }
        </div>
    }
}

/// Where an ARG is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgScope {
    /// Before the first FROM: only FROM lines see it (and stages that declare it again).
    Global,
    /// In stage `index`.
    Stage(usize),
}

/// One build arg the Dockerfile declares, with every place that declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredArg {
    pub name: String,
    pub scopes: Vec<ArgScope>,
    /// The first default written (the global one if there is one).
    pub default: Option<String>,
    /// A global ARG that no FROM line mentions and no stage declares again: setting it
    /// changes nothing.
    pub unused_global: bool,
}

/// Whether `text` mentions variable `name` as `$name` or `${name…}`.
fn mentions(text: &str, name: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let inner = rest.strip_prefix('{').unwrap_or(rest);
        if let Some(after) = inner.strip_prefix(name) {
            if !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                return true;
            }
        }
    }
    false
}

/// The ARGs a Dockerfile declares, globals first, then by stage, each name once.
pub fn declared_args(view: &View) -> Vec<DeclaredArg> {
    let mut found: Vec<DeclaredArg> = Vec::new();
    let mut stage: Option<usize> = None;
    for instruction in &view.analysis.parse.dockerfile.instructions {
        match instruction.keyword {
            Keyword::From => stage = Some(stage.map_or(0, |s| s + 1)),
            Keyword::Arg => {
                for word in &instruction.args {
                    let (name, default) = match word.text.split_once('=') {
                        Some((name, default)) => (name, Some(default.to_owned())),
                        None => (word.text.as_str(), None),
                    };
                    if name.is_empty() {
                        continue;
                    }
                    let scope = stage.map_or(ArgScope::Global, ArgScope::Stage);
                    match found.iter_mut().find(|a| a.name == name) {
                        Some(known) => {
                            if !known.scopes.contains(&scope) {
                                known.scopes.push(scope);
                            }
                            if known.default.is_none() {
                                known.default = default;
                            }
                        }
                        None => found.push(DeclaredArg {
                            name: name.to_owned(),
                            scopes: vec![scope],
                            default,
                            unused_global: false,
                        }),
                    }
                }
            }
            _ => {}
        }
    }
    let stages = &view.analysis.stages;
    for arg in &mut found {
        let only_global = arg.scopes == [ArgScope::Global];
        let in_from = stages.iter().any(|s| {
            mentions(&s.base_written, &arg.name)
                || view
                    .analysis
                    .parse
                    .dockerfile
                    .instructions
                    .get(s.instructions.start)
                    .is_some_and(|from| mentions(&from.original, &arg.name))
        });
        arg.unused_global = only_global && !in_from;
    }
    found
}

/// Build args BuildKit uses without an ARG line: the proxy variables and its own
/// `BUILDKIT_*` switches. Giving them never warns.
fn is_predefined(name: &str) -> bool {
    const PROXIES: [&str; 4] = ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"];
    PROXIES.iter().any(|p| p.eq_ignore_ascii_case(name))
        || name.eq_ignore_ascii_case("ALL_PROXY")
        || name.starts_with("BUILDKIT_")
        || name.starts_with("BUILDX_")
}

/// Given build args that no ARG declares: BuildKit warns that they were not consumed.
pub fn undeclared_args<'a>(
    given: &'a BTreeMap<String, String>,
    declared: &[DeclaredArg],
) -> Vec<(&'a str, &'a str)> {
    given
        .iter()
        .filter(|(name, _)| !declared.iter().any(|d| &d.name == *name) && !is_predefined(name))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

#[derive(Properties, PartialEq)]
struct ArgsEditorProps {
    view: Shared,
    build_args: String,
    dispatch: Callback<Action>,
}

/// An input per declared ARG (its default as the placeholder), the given args nothing
/// declares, and a free-form row for more. The state stays `KEY=VALUE` lines.
#[function_component]
fn ArgsEditor(props: &ArgsEditorProps) -> Html {
    let declared = declared_args(&props.view);
    let given = parse_build_args(&props.build_args);
    let extra = undeclared_args(&given, &declared);
    let predefined: Vec<(&String, &String)> = given
        .iter()
        .filter(|(name, _)| is_predefined(name))
        .collect();
    let new_arg = use_state(String::new);
    let new_error = use_state(|| None::<String>);
    let set = |name: String| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                let value = input.value();
                dispatch.emit(Action::SetBuildArg {
                    name: name.clone(),
                    value: (!value.is_empty()).then_some(value),
                });
            }
        })
    };
    let remove = |name: &str| {
        let dispatch = props.dispatch.clone();
        let name = name.to_owned();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Action::SetBuildArg {
                name: name.clone(),
                value: None,
            })
        })
    };
    let add = {
        let dispatch = props.dispatch.clone();
        let new_arg = new_arg.clone();
        let new_error = new_error.clone();
        move || {
            let line = new_arg.trim();
            let (name, value) = line.split_once('=').unwrap_or((line, ""));
            let name = name.trim();
            if name.is_empty() || name.contains(char::is_whitespace) {
                new_error.set(Some("Write KEY=VALUE, e.g. GO_VERSION=1.21".to_owned()));
                return;
            }
            dispatch.emit(Action::SetBuildArg {
                name: name.to_owned(),
                value: Some(value.to_owned()),
            });
            new_arg.set(String::new());
            new_error.set(None);
        }
    };
    let on_new_input = {
        let new_arg = new_arg.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                new_arg.set(input.value());
            }
        })
    };
    let on_new_key = {
        let add = add.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" {
                event.prevent_default();
                add();
            }
        })
    };
    let on_add = Callback::from(move |_: MouseEvent| add());
    let view = &props.view;
    let scope_label = |scope: &ArgScope| match scope {
        ArgScope::Global => "global".to_owned(),
        ArgScope::Stage(index) => view.stage_label(*index),
    };

    html! {
        <div class="args-editor">
            if declared.is_empty() {
                <p class="muted small">{ "This Dockerfile declares no ARG." }</p>
            } else {
                <p class="muted small">{ "Overrides the defaults like --build-arg; an empty box keeps the default." }</p>
                <div class="arg-rows" role="group" aria-label="Declared ARGs">
                    { for declared.iter().map(|arg| {
                        let input_id = format!("build-arg-{}", arg.name);
                        let value = given.get(&arg.name).cloned().unwrap_or_default();
                        let scopes = arg.scopes.iter().map(scope_label).collect::<Vec<_>>().join(", ");
                        let automatic = DEFAULT_PLATFORM_ARGS.iter().find(|(k, _)| *k == arg.name);
                        let placeholder = match (&arg.default, automatic) {
                            (Some(default), _) if default.is_empty() => "(empty)".to_owned(),
                            (Some(default), _) => default.clone(),
                            (None, Some((_, value))) => format!("(automatic: {value})"),
                            (None, None) => "(no default)".to_owned(),
                        };
                        let id = input_id.clone();
                        html! {
                            <div class="arg-row" data-arg={arg.name.clone()}>
                                <label for={id.clone()} class="arg-name"><code>{ &arg.name }</code></label>
                                <span class="arg-scope" title={scopes.clone()}>{ scopes.clone() }</span>
                                <input id={id} type="text" spellcheck="false" autocomplete="off"
                                    value={value} placeholder={placeholder} oninput={set(arg.name.clone())}
                                    aria-describedby={arg.unused_global.then(|| format!("{input_id}-note"))} />
                                if arg.unused_global {
                                    <span class="arg-note warn" id={format!("{input_id}-note")}>
                                        { "Unused: a global ARG is seen only by FROM lines, and none uses it; declare it again in the stage that needs it." }
                                    </span>
                                }
                            </div>
                        }
                    }) }
                </div>
            }
            if !extra.is_empty() {
                <div class="arg-rows" role="group" aria-label="Build args nothing declares">
                    <p class="arg-note warn">{ "Not declared by any ARG: BuildKit warns these build args were not consumed." }</p>
                    { for extra.iter().map(|&(name, value)| {
                        let id = format!("build-arg-{name}");
                        html! {
                            <div class="arg-row undeclared" data-arg={name.to_owned()}>
                                <label for={id.clone()} class="arg-name"><code>{ name }</code></label>
                                <span class="arg-scope">{ "undeclared" }</span>
                                <input id={id} type="text" spellcheck="false" autocomplete="off"
                                    value={value.to_owned()} oninput={set(name.to_owned())} />
                                <button type="button" class="tool-button" aria-label={format!("Remove {name}")}
                                    onclick={remove(name)}>{ "Remove" }</button>
                            </div>
                        }
                    }) }
                </div>
            }
            if !predefined.is_empty() {
                <p class="muted small">
                    { "Predefined (used without an ARG line): " }
                    { for predefined.iter().map(|(name, _)| html! { <code>{ format!("{name} ") }</code> }) }
                </p>
            }
            <div class="arg-add">
                <label for="build-arg-new">{ "New arg" }</label>
                <input id="build-arg-new" type="text"
                    spellcheck="false" autocomplete="off" placeholder="KEY=VALUE"
                    value={(*new_arg).clone()} oninput={on_new_input} onkeydown={on_new_key}
                    aria-invalid={new_error.is_some().then_some("true")} />
                <button type="button" class="tool-button" onclick={on_add}>{ "Add" }</button>
            </div>
            if let Some(error) = &*new_error {
                <p class="field-error" role="alert">{ error }</p>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::state::Inputs;

    fn view(text: &str) -> View {
        View::compute(Rc::from(text), &Inputs::default(), 0)
    }

    #[test]
    fn declared_args_list_globals_then_stages_with_defaults() {
        let v = view(
            "ARG BASE=alpine\nARG UNUSED=1\nFROM ${BASE}:3.20 AS build\nARG BASE\nARG MODE=release\n\
             FROM build\nARG MODE\n",
        );
        let args = declared_args(&v);
        let names: Vec<_> = args.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["BASE", "UNUSED", "MODE"]);
        assert_eq!(args[0].scopes, [ArgScope::Global, ArgScope::Stage(0)]);
        assert_eq!(args[0].default.as_deref(), Some("alpine"));
        assert!(!args[0].unused_global);
        assert!(args[1].unused_global, "no FROM mentions UNUSED");
        assert_eq!(args[2].scopes, [ArgScope::Stage(0), ArgScope::Stage(1)]);
        assert_eq!(args[2].default.as_deref(), Some("release"));
    }

    #[test]
    fn a_global_used_by_from_platform_is_used() {
        let v = view("ARG P=linux/arm64\nFROM --platform=$P alpine\n");
        assert!(!declared_args(&v)[0].unused_global);
    }

    #[test]
    fn given_args_that_nothing_declares_are_listed_but_proxies_are_not() {
        let v = view("ARG A\nFROM alpine\n");
        let given = parse_build_args("A=1\nB=2\nHTTP_PROXY=http://p\nBUILDKIT_INLINE_CACHE=1\n");
        let declared = declared_args(&v);
        assert_eq!(undeclared_args(&given, &declared), [("B", "2")]);
    }

    #[test]
    fn mentions_finds_whole_variable_names_only() {
        assert!(mentions("golang:${GO_VERSION}", "GO_VERSION"));
        assert!(mentions("$GO_VERSION-alpine", "GO_VERSION"));
        assert!(mentions("${V:-1}", "V"));
        assert!(!mentions("${GO_VERSION_X}", "GO_VERSION"));
        assert!(!mentions("GO_VERSION", "GO_VERSION"));
    }
}
