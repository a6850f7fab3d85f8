//! The build step by step: controls (buttons, scrubber, arrow keys and space), the stage
//! graph with the step's stage lit, the step's diff, and a `COPY --from` shown as files moving
//! from one stage to another.

use stagecraft_simulate::model::{PathChange, Transfer};
use web_sys::{HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use crate::graph::{compute_layout, GraphSvg};
use crate::state::{format_bytes, Action, Shared};

/// Rows shown per diff list; the rest are counted.
const MAX_DIFF_ROWS: usize = 40;

#[derive(Properties, PartialEq)]
pub struct StepsPanelProps {
    pub view: Shared,
    pub step: usize,
    pub playing: bool,
    pub dispatch: Callback<Action>,
}

#[function_component]
pub fn StepsPanel(props: &StepsPanelProps) -> Html {
    let layout = use_memo(props.view.clone(), |view| compute_layout(view));
    // A node of the small graph jumps to the first step of its stage.
    let to_stage = use_callback(
        (props.view.clone(), props.dispatch.clone()),
        |stage: usize, (view, dispatch)| {
            if let Some(step) = view.steps.iter().position(|s| s.stage == stage) {
                dispatch.emit(Action::StepTo(step));
            }
        },
    );
    let view = &props.view;
    let steps = &view.steps;
    if steps.is_empty() {
        let why = if view.simulated {
            "No build steps: a Dockerfile starts with FROM."
        } else {
            "The simulated build is off for files this long."
        };
        return html! { <p class="empty">{ why }</p> };
    }
    let index = props.step.min(steps.len() - 1);
    let step = &steps[index];
    let dispatch = &props.dispatch;
    let act = |action: Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(action.clone()))
    };
    let onkeydown = {
        let dispatch = dispatch.clone();
        let playing = props.playing;
        Callback::from(move |event: KeyboardEvent| {
            let on_control = event
                .target_dyn_into::<web_sys::HtmlElement>()
                .is_some_and(|t| matches!(t.tag_name().as_str(), "BUTTON" | "INPUT"));
            match event.key().as_str() {
                "ArrowLeft" if !on_control || !is_range(&event) => {
                    event.prevent_default();
                    dispatch.emit(Action::StepBy(-1));
                }
                "ArrowRight" if !on_control || !is_range(&event) => {
                    event.prevent_default();
                    dispatch.emit(Action::StepBy(1));
                }
                // Space on a button clicks it; elsewhere in the panel it plays or pauses.
                " " if !on_control => {
                    event.prevent_default();
                    dispatch.emit(if playing { Action::Pause } else { Action::Play });
                }
                _ => {}
            }
        })
    };
    let on_scrub = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                if let Ok(step) = input.value().parse::<usize>() {
                    dispatch.emit(Action::StepTo(step.saturating_sub(1)));
                }
            }
        })
    };
    let layer = step
        .layer
        .and_then(|l| view.stage_result(step.stage).and_then(|r| r.layers.get(l)))
        .map(|l| l.bytes);

    html! {
        <div class="steps-panel" tabindex="0" {onkeydown}
            aria-label="Build steps: left and right arrows step, space plays or pauses">
            <div class="step-controls">
                <button type="button" class="tool-button" onclick={act(Action::StepBy(-1))}
                    disabled={index == 0} aria-label="Previous step">{ "◀ Previous step" }</button>
                if props.playing {
                    <button type="button" class="tool-button primary" onclick={act(Action::Pause)} aria-label="Pause">{ "❚❚ Pause" }</button>
                } else {
                    <button type="button" class="tool-button primary" onclick={act(Action::Play)} aria-label="Play">{ "▶ Play" }</button>
                }
                <button type="button" class="tool-button" onclick={act(Action::StepBy(1))}
                    disabled={index + 1 >= steps.len()} aria-label="Next step">{ "Next step ▶" }</button>
                <span class="step-count" aria-live="polite">{ format!("Step {} of {}", index + 1, steps.len()) }</span>
            </div>
            <input type="range" class="scrubber" min="1" max={steps.len().to_string()}
                value={(index + 1).to_string()} aria-label="Step" oninput={on_scrub} />
            <div class="steps-graph">
                <GraphSvg layout={layout.clone()} view={props.view.clone()} active={Some(step.stage)}
                    source={step.transfer.as_ref().and_then(|t| t.from_stage)} fit=true on_select={to_stage} />
            </div>
            <div class="step-card" data-step={index.to_string()} data-keyword={step.keyword.clone()}>
                <p class="step-title">
                    <span class="step-keyword">{ &step.keyword }</span>
                    <span class="step-where">{ format!("{} · line {} · level {}", view.stage_label(step.stage), step.line, step.level) }</span>
                </p>
                <p class="step-summary">{ &step.summary }</p>
                if let Some(bytes) = layer {
                    <p class="muted small">{ format!("New layer: {}", format_bytes(bytes)) }</p>
                }
                // The slot's only child is keyed by step, so each `COPY --from` starts its
                // animation afresh (Yew cannot mix keyed and unkeyed siblings).
                <div class="transfer-slot">
                    if let Some(transfer) = &step.transfer {
                        <TransferView key={index} transfer={transfer.clone()}
                            from_label={transfer.from_stage.map(|s| view.stage_label(s)).or_else(|| transfer.from_image.clone()).unwrap_or_default()}
                            to_label={view.stage_label(step.stage)} />
                    }
                </div>
                <DiffList title="Added" class="added" changes={step.diff.added.clone()} />
                <DiffList title="Changed" class="changed" changes={step.diff.changed.clone()} />
                <DiffList title="Removed" class="removed" changes={step.diff.removed.clone()} />
                if step.diff.added.is_empty() && step.diff.changed.is_empty() && step.diff.removed.is_empty() {
                    <p class="muted small">{ "No file changes (configuration only, or an effect the simulator does not model)." }</p>
                }
            </div>
        </div>
    }
}

fn is_range(event: &KeyboardEvent) -> bool {
    event
        .target_dyn_into::<HtmlInputElement>()
        .is_some_and(|i| i.type_() == "range")
}

#[derive(Properties, PartialEq)]
struct TransferProps {
    transfer: Transfer,
    from_label: String,
    to_label: String,
}

/// Files travelling from one stage to another. Keyed by step so the animation restarts on
/// every `COPY --from`; the CSS turns it off under `prefers-reduced-motion`.
#[function_component]
fn TransferView(props: &TransferProps) -> Html {
    let t = &props.transfer;
    html! {
        <div class="transfer" data-transfer-from={t.from_stage.map(|s| s.to_string()).unwrap_or_default()}>
            <div class="transfer-track">
                <span class="transfer-end from">{ &props.from_label }</span>
                <span class="transfer-path" aria-hidden="true"><span class="packet"></span></span>
                <span class="transfer-end to">{ &props.to_label }</span>
            </div>
            <p class="transfer-text">
                { format!("{} from {} to {}: ", format_bytes(t.bytes), props.from_label, props.to_label) }
                { for t.sources.iter().zip(t.destinations.iter().chain(std::iter::repeat(t.destinations.last().unwrap_or(&String::new())))).map(|(s, d)| html! {
                    <span class="transfer-pair"><code>{ s }</code>{ " → " }<code>{ d }</code></span>
                }) }
            </p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct DiffListProps {
    title: &'static str,
    class: &'static str,
    changes: Vec<PathChange>,
}

#[function_component]
fn DiffList(props: &DiffListProps) -> Html {
    if props.changes.is_empty() {
        return html! {};
    }
    let total: u64 = props.changes.iter().map(|c| c.bytes).sum();
    let hidden = props.changes.len().saturating_sub(MAX_DIFF_ROWS);
    html! {
        <div class={classes!("diff", props.class)}>
            <h4>{ format!("{} · {} · {}", props.title, crate::diagnostics::plural(props.changes.len(), "path"), format_bytes(total)) }</h4>
            <ul>
                { for props.changes.iter().take(MAX_DIFF_ROWS).map(|c| html! {
                    <li>
                        <span class="diff-sign" aria-hidden="true">{ match props.class { "added" => "+", "removed" => "−", _ => "~" } }</span>
                        <code class="diff-path">{ &c.path }</code>
                        <span class="diff-size">
                            { match c.previous_bytes {
                                Some(before) => format!("{} → {}", format_bytes(before), format_bytes(c.bytes)),
                                None => format_bytes(c.bytes),
                            } }
                        </span>
                    </li>
                }) }
            </ul>
            if hidden > 0 {
                <p class="more">{ format!("…and {hidden} more.") }</p>
            }
        </div>
    }
}
