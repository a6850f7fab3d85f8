//! The build step by step: controls (buttons, speed, scrubber; arrows, Home, End and space
//! on the panel), the stage graph with the step's stage lit and, on a `COPY --from`, files
//! travelling along the edge, the step's summary and diff, and the stage's whole
//! filesystem right after the step with the step's changes marked.

mod fs_tree;
mod fs_view;
mod keys;
mod transfer;

use std::rc::Rc;

use stagecraft_simulate::model::PathChange;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use crate::graph::{compute_layout, GraphSvg};
use crate::state::{format_bytes, Action, Shared, Speed};
use fs_view::FsView;
use keys::{Command, Focus};
use transfer::{TransferOverlay, TransferView};

/// Rows shown per diff list; the rest are counted.
const MAX_DIFF_ROWS: usize = 40;

#[derive(Properties, PartialEq)]
pub struct StepsPanelProps {
    pub view: Shared,
    pub step: usize,
    pub playing: bool,
    /// The player's pace; the speed control shows only when the caller passes it.
    #[prop_or_default]
    pub speed: Option<Speed>,
    pub dispatch: Callback<Action>,
}

#[function_component]
pub fn StepsPanel(props: &StepsPanelProps) -> Html {
    // The step-through's small graph stays left to right: the chips travel along its rows.
    let layout = use_memo(props.view.clone(), |view| {
        compute_layout(view, stagecraft_analysis::layout::Direction::LeftToRight)
    });
    // A node of the small graph jumps to the first step of its stage.
    let to_stage = use_callback(
        (props.view.clone(), props.dispatch.clone()),
        |stage: usize, (view, dispatch)| {
            if let Some(step) = view.steps.iter().position(|s| s.stage == stage) {
                dispatch.emit(Action::StepTo(step));
            }
        },
    );
    let chips = use_memo((props.view.clone(), props.step), |(view, step)| {
        view.steps
            .get(*step)
            .filter(|s| s.transfer.is_some())
            .map(|s| transfer::chips(&s.diff))
            .unwrap_or_default()
    });
    // Keep the step's stage in sight when the graph scrolls sideways (sideways only: the
    // page must not jump while the player runs).
    let graph_ref = use_node_ref();
    {
        let graph_ref = graph_ref.clone();
        let shown = props.view.steps.get(props.step).map(|s| s.stage);
        use_effect_with((shown, props.view.rev), move |_| {
            let Some(graph) = graph_ref.cast::<web_sys::Element>() else {
                return;
            };
            if graph.scroll_width() <= graph.client_width() {
                return;
            }
            if let Ok(Some(node)) = graph.query_selector(".gnode.active") {
                let (box_, at) = (
                    graph.get_bounding_client_rect(),
                    node.get_bounding_client_rect(),
                );
                let centre =
                    at.left() - box_.left() + f64::from(graph.scroll_left()) + at.width() / 2.0;
                graph.set_scroll_left((centre - box_.width() / 2.0).max(0.0) as i32);
            }
        });
    }
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
    let last = steps.len() - 1;
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
            // A key an inner control already acted on (a graph node's space) is its own.
            if event.default_prevented() {
                return;
            }
            let focus = event
                .target_dyn_into::<HtmlElement>()
                .map(|t| {
                    let kind = t
                        .dyn_ref::<HtmlInputElement>()
                        .map(HtmlInputElement::type_)
                        .unwrap_or_default();
                    Focus::of(&t.tag_name(), &kind)
                })
                .unwrap_or(Focus::Panel);
            let modified = event.ctrl_key() || event.alt_key() || event.meta_key();
            let Some(command) = keys::command(&event.key(), focus, modified) else {
                return;
            };
            event.prevent_default();
            dispatch.emit(match command {
                Command::Back => Action::StepBy(-1),
                Command::Forward => Action::StepBy(1),
                Command::First => Action::StepTo(0),
                Command::Last => Action::StepTo(last),
                Command::PlayOrPause if playing => Action::Pause,
                Command::PlayOrPause => Action::Play,
            });
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
    // One button that changes its name keeps the focus across Play and Pause.
    let (play_label, play_text, play_action) = if props.playing {
        ("Pause", "❚❚ Pause", Action::Pause)
    } else {
        ("Play", "▶ Play", Action::Play)
    };
    let no_changes =
        step.diff.added.is_empty() && step.diff.changed.is_empty() && step.diff.removed.is_empty();

    html! {
        <div class="steps-panel" tabindex="0" {onkeydown}
            aria-label="Build steps: left and right arrows step, Home and End go to the first and last step, space plays or pauses">
            <div class="step-controls">
                <button type="button" class="tool-button" onclick={act(Action::StepBy(-1))}
                    disabled={index == 0} aria-label="Previous step">{ "◀ Previous step" }</button>
                <button type="button" class="tool-button primary play" onclick={act(play_action)}
                    aria-label={play_label}>{ play_text }</button>
                <button type="button" class="tool-button" onclick={act(Action::StepBy(1))}
                    disabled={index >= last} aria-label="Next step">{ "Next step ▶" }</button>
                if let Some(current) = props.speed {
                    <div class="speed" role="group" aria-label="Speed">
                        { for Speed::ALL.iter().map(|&speed| html! {
                            <button type="button" class="speed-option" aria-pressed={(speed == current).to_string()}
                                title={format!("Play at {} speed", speed.label())} onclick={act(Action::SetSpeed(speed))}>
                                { speed.label() }
                            </button>
                        }) }
                    </div>
                }
                <span class="step-count" aria-live="polite">{ format!("Step {} of {}", index + 1, steps.len()) }</span>
            </div>
            <input type="range" class="scrubber" min="1" max={steps.len().to_string()}
                value={(index + 1).to_string()} aria-label="Step" oninput={on_scrub} />
            // Never narrower than 70% of the graph's own size (its text stays readable): a
            // narrow panel scrolls it sideways, to the step's stage.
            <div class="steps-graph" ref={graph_ref}>
                <div class="steps-graph-canvas" style={format!(
                    "width: max(100%, {:.0}px); aspect-ratio: {:.0} / {:.0}",
                    layout.width * 0.7, layout.width.max(1.0), layout.height.max(1.0)
                )}>
                    <GraphSvg layout={layout.clone()} view={props.view.clone()} active={Some(step.stage)}
                        source={step.transfer.as_ref().and_then(|t| t.from_stage)} fit=true on_select={to_stage} />
                    // Keyed by step so stepping onto a `COPY --from` replays the journey (Yew
                    // cannot mix keyed and unkeyed siblings, hence the slot).
                    <div class="transfer-overlay-slot">
                        if let Some(t) = &step.transfer {
                            <TransferOverlay key={format!("{}-{index}", view.rev)} layout={layout.clone()}
                                transfer={t.clone()} stage={step.stage} chips={chips.clone()} />
                        }
                    </div>
                </div>
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
                if let Some(t) = &step.transfer {
                    <TransferView transfer={t.clone()} chips={chips.clone()}
                        from_label={t.from_stage.map(|s| view.stage_label(s)).or_else(|| t.from_image.clone()).unwrap_or_default()}
                        to_label={view.stage_label(step.stage)} />
                }
                if no_changes {
                    <p class="muted small">{ "No file changes (configuration only, or an effect the simulator does not model)." }</p>
                } else {
                    <div class="diff-summary">
                        <DiffList title="Added" class="added" changes={Rc::new(step.diff.added.clone())} />
                        <DiffList title="Changed" class="changed" changes={Rc::new(step.diff.changed.clone())} />
                        <DiffList title="Removed" class="removed" changes={Rc::new(step.diff.removed.clone())} />
                    </div>
                }
                <div class="fs-slot">
                    <FsView key={format!("{}-{index}", view.rev)} view={props.view.clone()} step={index} />
                </div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct DiffListProps {
    title: &'static str,
    class: &'static str,
    changes: Rc<Vec<PathChange>>,
}

/// One kind of change as a list: the step's diff at a glance, above the whole tree.
#[function_component]
fn DiffList(props: &DiffListProps) -> Html {
    if props.changes.is_empty() {
        return html! {};
    }
    let total: u64 = props.changes.iter().map(|c| c.bytes).sum();
    let hidden = props.changes.len().saturating_sub(MAX_DIFF_ROWS);
    html! {
        <details class={classes!("diff", props.class)} open={props.changes.len() <= 3}>
            <summary>{ format!("{} · {} · {}", props.title, crate::diagnostics::plural(props.changes.len(), "path"), format_bytes(total)) }</summary>
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
        </details>
    }
}
