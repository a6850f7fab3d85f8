//! The stage graph panel: stages and external images as nodes, edges by kind, the target
//! marked and skipped stages dimmed; export as SVG, Mermaid or DOT.

use stagecraft_analysis::export;
use stagecraft_analysis::layout::{self, Layout, LayoutOptions, NodeKind, SvgOptions};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::dom;
use crate::state::{Action, Shared, View};

/// Vertical offsets of a stage node's text lines, as the core's `to_svg` draws them, so
/// the inline graph and the exported file look the same.
const PAD_Y: f64 = 9.0;
const LINE: f64 = 17.0;
const BASELINE: f64 = 12.5;

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
    let layout = use_memo(props.view.clone(), |view| compute_layout(view));
    let fit = use_state(|| true);
    let export_svg = {
        let layout = layout.clone();
        Callback::from(move |_: MouseEvent| {
            let svg = layout::to_svg(&layout, &SvgOptions::default());
            dom::download("stages.svg", "image/svg+xml", &svg);
        })
    };
    let toggle_fit = {
        let fit = fit.clone();
        Callback::from(move |_: MouseEvent| fit.set(!*fit))
    };
    // Bring a selected stage into view when the graph is wider than the panel.
    use_effect_with(props.active, |active| {
        if active.is_some() {
            let node = dom::document().and_then(|d| {
                d.query_selector(".graph-scroll .gnode.active")
                    .ok()
                    .flatten()
            });
            if let Some(node) = node {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
                node.scroll_into_view_with_scroll_into_view_options(&options);
            }
        }
    });
    let select = use_callback(props.dispatch.clone(), |stage: usize, dispatch| {
        dispatch.emit(Action::SelectStage(stage))
    });
    html! {
        <div class="graph-panel" data-rev={view.rev.to_string()}>
            <div class="graph-actions">
                <button type="button" class="tool-button" onclick={export_svg}>{ "Export SVG" }</button>
                <button type="button" class="tool-button" onclick={copy("Mermaid")}>{ "Copy Mermaid" }</button>
                <button type="button" class="tool-button" onclick={copy("DOT")}>{ "Copy DOT" }</button>
                <button type="button" class="tool-button" onclick={toggle_fit} aria-pressed={(!*fit).to_string()}>
                    { "Actual size" }
                </button>
                <span class="muted small" role="status">
                    { copied.map(|w| format!("{w} copied to the clipboard.")).unwrap_or_default() }
                </span>
            </div>
            if view.analysis.stages.is_empty() {
                <p class="empty">{ "No stage yet: a Dockerfile starts with FROM." }</p>
            } else {
                <div class="graph-scroll">
                    <GraphSvg layout={layout.clone()} view={props.view.clone()} active={props.active} fit={*fit} on_select={select} />
                </div>
                <Legend />
            }
        </div>
    }
}

pub fn compute_layout(view: &View) -> Layout {
    let options = LayoutOptions {
        stage_sizes: view
            .stages
            .iter()
            .flatten()
            .map(|r| (r.index, r.size_bytes))
            .collect(),
        ..LayoutOptions::default()
    };
    layout::layout(&view.analysis, &options)
}

#[derive(Properties, PartialEq)]
pub struct GraphSvgProps {
    pub layout: std::rc::Rc<Layout>,
    pub view: Shared,
    pub active: Option<usize>,
    /// The stage files are copied from, during a `COPY --from` step.
    #[prop_or_default]
    pub source: Option<usize>,
    pub fit: bool,
    pub on_select: Callback<usize>,
}

/// The core's layout drawn as SVG elements (never a markup string): bands for the
/// parallel levels, edges by kind, then nodes, each stage focusable and clickable.
#[function_component]
pub fn GraphSvg(props: &GraphSvgProps) -> Html {
    let l = &props.layout;
    let view_box = format!("0 0 {:.0} {:.0}", l.width, l.height);
    let bands = l.bands.iter().map(|b| {
        html! {
            <g class="band">
                <rect x={num(b.x)} y={num(b.y)} width={num(b.width)} height={num(b.height)} rx="8" />
                if let Some(label) = &b.label {
                    <text class="band-label" x={num(b.x + b.width / 2.0)} y={num(b.y + 16.0)} text-anchor="middle">{ label }</text>
                }
            </g>
        }
    });
    let edges = l.edges.iter().map(|e| {
        let kind = e.kind.as_str();
        html! {
            <path class={classes!("gedge", kind, (!e.built).then_some("unused"))} data-edge-kind={kind}
                d={e.path.clone()} marker-end={format!("url(#arrow-{kind})")}>
                <title>{ format!("{kind}: {} → {}", e.from, e.to) }</title>
            </path>
        }
    });
    let nodes = l.nodes.iter().map(|n| match &n.kind {
        NodeKind::Stage { index, built, target, .. } => {
            let index = *index;
            let onclick = {
                let on_select = props.on_select.clone();
                Callback::from(move |_: MouseEvent| on_select.emit(index))
            };
            let onkeydown = {
                let on_select = props.on_select.clone();
                Callback::from(move |event: KeyboardEvent| {
                    if matches!(event.key().as_str(), "Enter" | " ") {
                        event.prevent_default();
                        on_select.emit(index);
                    }
                })
            };
            let cx = n.x + n.width / 2.0;
            let class = classes!(
                "gnode",
                "stage",
                (!built).then_some("skipped"),
                target.then_some("target"),
                (props.active == Some(index)).then_some("active"),
                (props.source == Some(index)).then_some("source")
            );
            html! {
                <g {class} data-stage={index.to_string()} data-built={built.to_string()}
                    tabindex="0" role="button" aria-label={n.tooltip.clone()} {onclick} {onkeydown}>
                    <title>{ &n.tooltip }</title>
                    <rect class="frame" x={num(n.x)} y={num(n.y)} width={num(n.width)} height={num(n.height)} rx="6" />
                    if *target {
                        <rect class="frame-inner" x={num(n.x + 3.5)} y={num(n.y + 3.5)} width={num(n.width - 7.0)} height={num(n.height - 7.0)} rx="3.5" />
                    }
                    { for n.lines.iter().enumerate().map(|(i, line)| html! {
                        <text class={match i { 0 => "title", 1 => "sub", _ => "size" }} x={num(cx)}
                            y={num(n.y + PAD_Y + i as f64 * LINE + BASELINE)} text-anchor="middle">{ line }</text>
                    }) }
                </g>
            }
        }
        NodeKind::Image { reference, used_by_built } => html! {
            <g class={classes!("gnode", "image", (!used_by_built).then_some("unused"))} data-image={reference.clone()}>
                <title>{ &n.tooltip }</title>
                <rect class="pill" x={num(n.x)} y={num(n.y)} width={num(n.width)} height={num(n.height)}
                    rx={num(n.height / 2.0)} />
                { for n.lines.iter().map(|line| html! {
                    <text class="sub" x={num(n.x + n.width / 2.0)} y={num(n.y + n.height / 2.0 + 4.0)} text-anchor="middle">{ line }</text>
                }) }
            </g>
        },
    });
    let arrows = ["from", "copy", "mount"].map(|k| {
        html! {
            <marker id={format!("arrow-{k}")} class={classes!("arrow", k)} viewBox="0 0 10 10" refX="10" refY="5"
                markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">
                <path d="M0 0 L10 5 L0 10 z" />
            </marker>
        }
    });
    let summary = format!(
        "Stage graph: {} stages, {} built",
        props.view.analysis.stages.len(),
        props
            .view
            .analysis
            .stages
            .iter()
            .filter(|s| s.built)
            .count()
    );
    // Fitting shrinks a wide graph to the panel, but not below 70% (text would be too
    // small to read); past that the panel scrolls sideways.
    let fit_style = props.fit.then(|| {
        format!(
            "width: max(100%, {:.0}px); max-width: {:.0}px; height: auto",
            l.width * 0.7,
            l.width
        )
    });
    html! {
        <svg class={classes!("graph-svg", props.fit.then_some("fit"))} viewBox={view_box}
            width={num(l.width)} height={num(l.height)} aria-label={summary} style={fit_style}>
            <defs>{ for arrows }</defs>
            <g class="bands">{ for bands }</g>
            <g class="edges">{ for edges }</g>
            <g class="nodes">{ for nodes }</g>
        </svg>
    }
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

#[function_component]
fn Legend() -> Html {
    html! {
        <ul class="legend" aria-label="Legend">
            <li><span class="swatch edge-from"></span>{ "FROM" }</li>
            <li><span class="swatch edge-copy"></span>{ "COPY --from" }</li>
            <li><span class="swatch edge-mount"></span>{ "RUN --mount" }</li>
            <li><span class="swatch node-target"></span>{ "target" }</li>
            <li><span class="swatch node-skipped"></span>{ "skipped: not needed for the target" }</li>
            <li><span class="swatch node-image"></span>{ "external image" }</li>
            <li><span class="swatch band"></span>{ "parallel level" }</li>
        </ul>
    }
}
