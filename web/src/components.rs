//! The page's components: the editor, the stage list and the diagnostic list.

use stagecraft_analysis::Severity;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::state::{Action, AppState, DiagnosticRow, StageRow};

/// The whole page. Owns the state; everything below it only renders and reports edits.
#[function_component]
pub fn App() -> Html {
    let state = use_reducer(AppState::default);
    let editor = use_node_ref();
    let on_edit = {
        let dispatcher = state.dispatcher();
        Callback::from(move |text: String| dispatcher.dispatch(Action::Edit(text)))
    };
    let on_select = {
        let editor = editor.clone();
        Callback::from(move |(start, end): (u32, u32)| {
            if let Some(textarea) = editor.cast::<HtmlTextAreaElement>() {
                // Both only fail on detached elements; nothing to do then.
                let _ = textarea.focus();
                let _ = textarea.set_selection_range(start, end);
            }
        })
    };
    html! {
        <div class="app">
            <header class="masthead">
                <h1>{ "Stagecraft" }</h1>
                <p class="tagline">
                    { "A Dockerfile playground: see what BuildKit makes of your file as you type." }
                </p>
            </header>
            <main class="workspace">
                <Editor text={state.text.clone()} node_ref={editor} {on_edit} />
                <div class="panels">
                    <StageList stages={state.stages.clone()} />
                    <DiagnosticList
                        diagnostics={state.diagnostics.clone()}
                        errors={state.count(Severity::Error)}
                        warnings={state.count(Severity::Warning)}
                        {on_select}
                    />
                </div>
            </main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub text: String,
    pub node_ref: NodeRef,
    pub on_edit: Callback<String>,
}

/// The Dockerfile text area; every keystroke is an edit.
#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let oninput = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(textarea) = event.target_dyn_into::<HtmlTextAreaElement>() {
                on_edit.emit(textarea.value());
            }
        })
    };
    html! {
        <section class="editor">
            <h2 id="editor-heading">{ "Dockerfile" }</h2>
            <textarea
                ref={props.node_ref.clone()}
                aria-label="Dockerfile"
                spellcheck="false"
                autocomplete="off"
                autocapitalize="off"
                wrap="off"
                value={props.text.clone()}
                {oninput}
            />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct StageListProps {
    pub stages: Vec<StageRow>,
}

/// The stages in file order, marking the target and the stages it does not need.
#[function_component]
pub fn StageList(props: &StageListProps) -> Html {
    let built = props.stages.iter().filter(|s| s.built).count();
    let summary = match props.stages.len() {
        0 => "No stage yet: a Dockerfile starts with FROM.".to_owned(),
        1 => "1 stage".to_owned(),
        n => format!("{n} stages, {built} built for the target"),
    };
    html! {
        <section class="panel stages" aria-labelledby="stages-heading">
            <h2 id="stages-heading">{ "Stages" }</h2>
            <p class="summary">{ summary }</p>
            <ol class="stage-list">
                { for props.stages.iter().map(stage_item) }
            </ol>
        </section>
    }
}

fn stage_item(stage: &StageRow) -> Html {
    let class = classes!(
        "stage",
        (!stage.built).then_some("skipped"),
        stage.is_target.then_some("target")
    );
    let status = if stage.built { "built" } else { "not built" };
    html! {
        <li {class} data-stage={stage.index.to_string()} data-built={stage.built.to_string()}>
            <span class="stage-index">{ stage.index }</span>
            <span class="stage-name">{ &stage.label }</span>
            <span class="stage-base">
                <span class="keyword">{ "FROM " }</span>
                if stage.base.is_empty() {
                    <span class="missing">{ "no image" }</span>
                } else {
                    { &stage.base }
                }
            </span>
            <span class="stage-line">{ format!("line {}", stage.line) }</span>
            <span class="badges">
                if stage.is_target {
                    <span class="badge target-badge">{ "target" }</span>
                }
                <span class={classes!("badge", if stage.built { "built-badge" } else { "skipped-badge" })}>
                    { status }
                </span>
            </span>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct DiagnosticListProps {
    pub diagnostics: Vec<DiagnosticRow>,
    pub errors: usize,
    pub warnings: usize,
    /// Selects a UTF-16 range of the editor's text.
    pub on_select: Callback<(u32, u32)>,
}

/// The diagnostics in file order; clicking a position selects it in the editor.
#[function_component]
pub fn DiagnosticList(props: &DiagnosticListProps) -> Html {
    let summary = if props.diagnostics.is_empty() {
        "No problems found.".to_owned()
    } else {
        let others = props.diagnostics.len() - props.errors - props.warnings;
        let mut parts = vec![
            plural(props.errors, "error"),
            plural(props.warnings, "warning"),
        ];
        if others > 0 {
            parts.push(plural(others, "note"));
        }
        parts.join(", ")
    };
    html! {
        <section class="panel diagnostics" aria-labelledby="diagnostics-heading">
            <h2 id="diagnostics-heading">{ "Problems" }</h2>
            <p class="summary">{ summary }</p>
            <ul class="diagnostic-list">
                { for props.diagnostics.iter().map(|d| diagnostic_item(d, &props.on_select)) }
            </ul>
        </section>
    }
}

fn diagnostic_item(diagnostic: &DiagnosticRow, on_select: &Callback<(u32, u32)>) -> Html {
    let severity = diagnostic.severity.as_str();
    let onclick = {
        let on_select = on_select.clone();
        let range = diagnostic.utf16_range;
        Callback::from(move |_: MouseEvent| on_select.emit(range))
    };
    html! {
        <li
            class={classes!("diagnostic", severity)}
            data-line={diagnostic.line.to_string()}
            data-code={diagnostic.code}
        >
            <button type="button" class="position" title="Select in the editor" {onclick}>
                { format!("{}:{}", diagnostic.line, diagnostic.column) }
            </button>
            <span class="severity">{ severity }</span>
            <code class="code">{ diagnostic.code }</code>
            <span class="message">{ &diagnostic.message }</span>
            if let Some(help) = &diagnostic.help {
                <span class="help">{ help }</span>
            }
        </li>
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
