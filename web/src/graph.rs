//! The stage graph panel: stages and external images as nodes, edges by kind, the target
//! marked and skipped stages dimmed; pan and zoom like a diagramming tool (drag, Ctrl or
//! Cmd + wheel, pinch, buttons, keys); export as SVG or PNG, copy as Mermaid or DOT.

use std::cell::Cell;
use std::rc::Rc;

use stagecraft_analysis::export;
use stagecraft_analysis::layout::{self, Direction, Layout, LayoutOptions, NodeKind, SvgOptions};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::dom;
use crate::state::{Action, Shared, View};

/// Vertical offsets of a stage node's text lines, as the core's `to_svg` draws them, so
/// the inline graph and the exported file look the same.
const PAD_Y: f64 = 9.0;
const LINE: f64 = 17.0;
const BASELINE: f64 = 12.5;

/// Zoom limits: 5% shows a 200-stage file whole, 400% makes a node's text large.
pub const MIN_SCALE: f64 = 0.05;
pub const MAX_SCALE: f64 = 4.0;
/// The page opens a graph at no less than this zoom (below it node text is too small to
/// read): a graph too big for the panel at 60% opens on its first stages, where the
/// build starts, and Fit shows it whole.
pub const READABLE_SCALE: f64 = 0.6;
/// One press of Zoom in / +.
pub const ZOOM_STEP: f64 = 1.25;
/// One press of an arrow key, in pixels.
pub const PAN_STEP: f64 = 48.0;
/// Room kept around the graph when fitting, in pixels.
const FIT_PAD: f64 = 16.0;
/// Room kept under the graph when fitting, in pixels: the zoom controls float over the
/// viewport's bottom-right corner (`.zoom-controls`: 2rem buttons, 0.5rem from the edge),
/// and a fitted graph must not put a node under them.
const FIT_PAD_BOTTOM: f64 = 48.0;
/// The viewport never gets shorter than this, so the controls and a node always fit.
const MIN_HEIGHT: f64 = 200.0;
/// How much of the graph must stay on screen when panning, in pixels, so it is never lost.
const KEEP_VISIBLE: f64 = 48.0;
/// A press that moves less than this is a click, not a drag.
const DRAG_THRESHOLD: f64 = 4.0;

/// Where the graph sits in its viewport: drawn at `scale`, shifted by `(x, y)` pixels;
/// with the sizes it was fitted to, so panning can keep part of the graph in view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    pub scale: f64,
    pub x: f64,
    pub y: f64,
    /// The graph's own size (the layout's, in user units).
    pub content: (f64, f64),
    /// The viewport's width as measured, and the height the panel gives it.
    pub viewport: (f64, f64),
    /// Fit again when the graph or the window changes, until the user moves the view.
    pub auto_fit: bool,
    /// The least zoom that fitting goes down to: `READABLE_SCALE` until the user asks
    /// for the whole graph with Fit.
    pub fit_floor: f64,
}

impl Default for Camera {
    fn default() -> Self {
        Camera {
            scale: 1.0,
            x: FIT_PAD,
            y: FIT_PAD,
            content: (0.0, 0.0),
            viewport: (0.0, 0.0),
            auto_fit: true,
            fit_floor: READABLE_SCALE,
        }
    }
}

/// What moves the camera. Pointer positions are in pixels from the viewport's corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CameraAction {
    /// Show the whole graph (never above 100%), centred, in the viewport's present height
    /// (the panel does not jump); the first time, the height follows the graph's, between
    /// `MIN_HEIGHT` and `max_height`. What the Fit button does.
    Fit {
        content: (f64, f64),
        width: f64,
        max_height: f64,
    },
    /// The graph or the window changed: fit again if the user has not moved the view,
    /// otherwise only take the new sizes.
    Resize {
        content: (f64, f64),
        width: f64,
        max_height: f64,
    },
    /// Zoom by `factor` keeping the point under `at` still.
    ZoomAt {
        factor: f64,
        at: (f64, f64),
    },
    /// Zoom by `factor` around the viewport's centre.
    Zoom {
        factor: f64,
    },
    PanBy {
        dx: f64,
        dy: f64,
    },
    /// Pan just enough to show this rectangle of the graph (a selected stage).
    Reveal {
        x: f64,
        y: f64,
        width: f64,
        height: f64,
    },
}

impl Camera {
    /// The camera that shows `content` whole in a viewport `width` wide, unless that
    /// needs a zoom below `floor`: then at `floor`, from the graph's start (left, top).
    pub fn fitted(content: (f64, f64), width: f64, max_height: f64, floor: f64) -> Camera {
        let (cw, ch) = (content.0.max(1.0), content.1.max(1.0));
        let width = width.max(1.0);
        let floor = floor.clamp(MIN_SCALE, 1.0);
        let by_width = ((width - 2.0 * FIT_PAD) / cw).max(MIN_SCALE);
        let height = (ch * by_width.max(floor).min(1.0) + FIT_PAD + FIT_PAD_BOTTOM)
            .clamp(MIN_HEIGHT, max_height.max(MIN_HEIGHT));
        Camera::fitted_in(content, (width, height), floor)
    }

    /// As `fitted`, in a viewport of a given height.
    fn fitted_in(content: (f64, f64), (width, height): (f64, f64), floor: f64) -> Camera {
        let (cw, ch) = (content.0.max(1.0), content.1.max(1.0));
        let width = width.max(1.0);
        let height = height.max(MIN_HEIGHT);
        let floor = floor.clamp(MIN_SCALE, 1.0);
        let by_width = ((width - 2.0 * FIT_PAD) / cw).max(MIN_SCALE);
        let whole = by_width
            .min((height - FIT_PAD - FIT_PAD_BOTTOM) / ch)
            .clamp(MIN_SCALE, 1.0);
        let scale = whole.max(floor);
        // Centred in the room between the paddings, or from the start when it overflows.
        let place = |room: f64, len: f64, pad_end: f64| {
            let free = room - FIT_PAD - pad_end;
            if len <= free + 1e-9 {
                FIT_PAD + (free - len) / 2.0
            } else {
                FIT_PAD
            }
        };
        Camera {
            scale,
            x: place(width, cw * scale, FIT_PAD),
            y: place(height, ch * scale, FIT_PAD_BOTTOM),
            content,
            viewport: (width, height),
            auto_fit: true,
            fit_floor: floor,
        }
    }

    /// The whole graph, however small that makes it (the Fit button).
    pub fn whole(content: (f64, f64), width: f64, max_height: f64) -> Camera {
        Camera::fitted(content, width, max_height, MIN_SCALE)
    }

    pub fn apply(self, action: CameraAction) -> Camera {
        match action {
            CameraAction::Fit {
                content,
                width,
                max_height,
            } => {
                if self.viewport.1 > 0.0 {
                    Camera::fitted_in(content, (width, self.viewport.1), MIN_SCALE)
                } else {
                    Camera::whole(content, width, max_height)
                }
            }
            CameraAction::Resize {
                content,
                width,
                max_height,
            } => {
                if self.auto_fit || self.viewport.0 <= 0.0 {
                    Camera::fitted(content, width, max_height, self.fit_floor)
                } else {
                    Camera {
                        content,
                        viewport: (width.max(1.0), self.viewport.1),
                        ..self
                    }
                    .kept_in_view()
                }
            }
            CameraAction::ZoomAt { factor, at } => self.zoomed(factor, at),
            CameraAction::Zoom { factor } => {
                self.zoomed(factor, (self.viewport.0 / 2.0, self.viewport.1 / 2.0))
            }
            CameraAction::PanBy { dx, dy } => Camera {
                x: self.x + dx,
                y: self.y + dy,
                auto_fit: false,
                ..self
            }
            .kept_in_view(),
            CameraAction::Reveal {
                x,
                y,
                width,
                height,
            } => {
                // Nothing to reveal into before the viewport is measured.
                if self.viewport.0 <= 0.0 || self.viewport.1 <= 0.0 {
                    return self;
                }
                let dx = shift_into(
                    self.x + x * self.scale,
                    width * self.scale,
                    self.viewport.0,
                    FIT_PAD,
                );
                // Like a fit, a revealed stage stays clear of the zoom controls' band.
                let dy = shift_into(
                    self.y + y * self.scale,
                    height * self.scale,
                    self.viewport.1,
                    FIT_PAD_BOTTOM,
                );
                if dx == 0.0 && dy == 0.0 {
                    self
                } else {
                    Camera {
                        x: self.x + dx,
                        y: self.y + dy,
                        auto_fit: false,
                        ..self
                    }
                }
            }
        }
    }

    fn zoomed(self, factor: f64, at: (f64, f64)) -> Camera {
        if !factor.is_finite() || factor <= 0.0 {
            return self;
        }
        let scale = (self.scale * factor).clamp(MIN_SCALE, MAX_SCALE);
        // The graph point under `at` stays under it.
        let gx = (at.0 - self.x) / self.scale;
        let gy = (at.1 - self.y) / self.scale;
        Camera {
            scale,
            x: at.0 - gx * scale,
            y: at.1 - gy * scale,
            auto_fit: false,
            ..self
        }
        .kept_in_view()
    }

    /// Pulls the graph back so at least `KEEP_VISIBLE` pixels of it stay on screen.
    fn kept_in_view(self) -> Camera {
        let (vw, vh) = self.viewport;
        if vw <= 0.0 || vh <= 0.0 {
            return self;
        }
        let w = self.content.0 * self.scale;
        let h = self.content.1 * self.scale;
        let keep_x = KEEP_VISIBLE.min(w);
        let keep_y = KEEP_VISIBLE.min(h);
        Camera {
            x: self.x.clamp(keep_x - w, vw - keep_x),
            y: self.y.clamp(keep_y - h, vh - keep_y),
            ..self
        }
    }

    /// The zoom as the page shows it.
    pub fn percent(&self) -> String {
        format!("{:.0}%", self.scale * 100.0)
    }
}

/// How far to move a span starting at `start`, `len` long, to be inside `0..room` with
/// `FIT_PAD` before it and `pad_end` after it (its start first when it does not fit).
fn shift_into(start: f64, len: f64, room: f64, pad_end: f64) -> f64 {
    let before = FIT_PAD.min(room / 4.0);
    let after = pad_end.min(room / 4.0);
    if start < before || len > room - before - after {
        before - start
    } else if start + len > room - after {
        room - after - (start + len)
    } else {
        0.0
    }
}

impl Reducible for Camera {
    type Action = CameraAction;

    fn reduce(self: Rc<Self>, action: CameraAction) -> Rc<Self> {
        let next = (*self).apply(action);
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

/// Set when a press turned into a drag, so the click that ends it does not select the
/// stage under the pointer. Compared by identity, as a prop.
#[derive(Clone, Default)]
pub struct ClickGuard(Rc<Cell<bool>>);

impl PartialEq for ClickGuard {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The pointers down on the viewport: one drags, two pinch.
#[derive(Default)]
struct Gesture {
    pointers: Vec<(i32, f64, f64)>,
    start: (f64, f64),
    moved: bool,
}

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
    let viewport = use_node_ref();
    // Measured after the first render and on resizes; a narrow viewport may stack the graph.
    let narrow = use_state_eq(|| None::<u32>);
    {
        let narrow = narrow.clone();
        let viewport = viewport.clone();
        use_effect_with((), move |_| {
            let measure = move || {
                if let Some((width, _)) = measure_viewport(&viewport) {
                    narrow.set(narrow_width(width));
                }
            };
            measure();
            let listener = WindowListener::new("resize", move |_| measure());
            move || drop(listener)
        });
    }
    let layout = use_memo((props.view.clone(), *narrow), |(view, narrow)| {
        layout_for_width(view, *narrow)
    });
    let camera = use_reducer(Camera::default);
    let guard = use_memo((), |_| ClickGuard::default());
    let gesture = use_mut_ref(Gesture::default);
    let has_stages = !view.analysis.stages.is_empty();

    let export_svg = {
        let layout = layout.clone();
        Callback::from(move |_: MouseEvent| {
            let svg = layout::to_svg(&layout, &svg_options(page_is_dark()));
            dom::download("stages.svg", "image/svg+xml", &svg);
        })
    };
    let export_png = {
        let layout = layout.clone();
        Callback::from(move |_: MouseEvent| {
            let dark = page_is_dark();
            export_png(layout::to_svg(&layout, &svg_options(dark)), dark);
        })
    };

    // Fit on load, and follow new layouts and window sizes until the user moves the view.
    {
        let dispatcher = camera.dispatcher();
        let viewport = viewport.clone();
        use_effect_with((layout.clone(), has_stages), move |(layout, _)| {
            let content = (layout.width, layout.height);
            let measure = move |fit: bool| {
                if let Some((width, max_height)) = measure_viewport(&viewport) {
                    dispatcher.dispatch(if fit {
                        CameraAction::Fit {
                            content,
                            width,
                            max_height,
                        }
                    } else {
                        CameraAction::Resize {
                            content,
                            width,
                            max_height,
                        }
                    });
                }
            };
            measure(false);
            let listener = WindowListener::new("resize", move |_| measure(false));
            move || drop(listener)
        });
    }
    // Ctrl/Cmd + wheel (and a trackpad pinch, which arrives as one) zooms around the
    // pointer; a plain wheel is left to scroll the page, so an embedded graph never traps
    // it. Yew's own wheel listeners are passive and cannot stop the page zooming, hence
    // a listener of our own.
    {
        let dispatcher = camera.dispatcher();
        let viewport = viewport.clone();
        use_effect_with(has_stages, move |_| {
            let element = viewport.cast::<web_sys::Element>();
            let target = element.clone();
            let listener = element.and_then(|element| {
                ElementListener::new(&element, "wheel", move |event: web_sys::Event| {
                    let Some(wheel) = event.dyn_ref::<web_sys::WheelEvent>() else {
                        return;
                    };
                    if !(wheel.ctrl_key() || wheel.meta_key()) {
                        return;
                    }
                    wheel.prevent_default();
                    let unit = match wheel.delta_mode() {
                        0 => 1.0,
                        1 => 16.0,
                        _ => 400.0,
                    };
                    let delta = (wheel.delta_y() * unit).clamp(-300.0, 300.0);
                    if let Some(rect) = target.as_ref().map(|t| t.get_bounding_client_rect()) {
                        let at = (
                            f64::from(wheel.client_x()) - rect.left(),
                            f64::from(wheel.client_y()) - rect.top(),
                        );
                        dispatcher.dispatch(CameraAction::ZoomAt {
                            factor: (-delta * 0.002).exp(),
                            at,
                        });
                    }
                })
            });
            move || drop(listener)
        });
    }
    // A stage selected elsewhere (the editor, the problems list) is brought into view.
    {
        let dispatcher = camera.dispatcher();
        use_effect_with((props.active, layout.clone()), move |(active, layout)| {
            let node = active.and_then(|active| {
                layout
                    .nodes
                    .iter()
                    .find(|n| matches!(n.kind, NodeKind::Stage { index, .. } if index == active))
            });
            if let Some(n) = node {
                dispatcher.dispatch(CameraAction::Reveal {
                    x: n.x,
                    y: n.y,
                    width: n.width,
                    height: n.height,
                });
            }
        });
    }

    let act = |action: CameraAction| {
        let dispatcher = camera.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(action))
    };
    let fit_now = {
        let dispatcher = camera.dispatcher();
        let viewport = viewport.clone();
        let layout = layout.clone();
        Rc::new(move || {
            if let Some((width, max_height)) = measure_viewport(&viewport) {
                dispatcher.dispatch(CameraAction::Fit {
                    content: (layout.width, layout.height),
                    width,
                    max_height,
                });
            }
        })
    };
    let on_fit = {
        let fit_now = fit_now.clone();
        Callback::from(move |_: MouseEvent| fit_now())
    };
    let onkeydown = {
        let dispatcher = camera.dispatcher();
        Callback::from(move |event: KeyboardEvent| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            let action = match event.key().as_str() {
                "+" | "=" => CameraAction::Zoom { factor: ZOOM_STEP },
                "-" | "_" => CameraAction::Zoom {
                    factor: 1.0 / ZOOM_STEP,
                },
                "0" => {
                    event.prevent_default();
                    fit_now();
                    return;
                }
                "ArrowLeft" => CameraAction::PanBy {
                    dx: PAN_STEP,
                    dy: 0.0,
                },
                "ArrowRight" => CameraAction::PanBy {
                    dx: -PAN_STEP,
                    dy: 0.0,
                },
                "ArrowUp" => CameraAction::PanBy {
                    dx: 0.0,
                    dy: PAN_STEP,
                },
                "ArrowDown" => CameraAction::PanBy {
                    dx: 0.0,
                    dy: -PAN_STEP,
                },
                _ => return,
            };
            event.prevent_default();
            dispatcher.dispatch(action);
        })
    };
    let onpointerdown = {
        let gesture = gesture.clone();
        let guard = guard.clone();
        Callback::from(move |event: PointerEvent| {
            if event.pointer_type() == "mouse" && event.button() != 0 {
                return;
            }
            let mut g = gesture.borrow_mut();
            // The primary pointer starts a gesture: forget any pointer whose release we
            // never saw (it went up outside the page, say).
            if event.is_primary() {
                g.pointers.clear();
            }
            if g.pointers.is_empty() {
                guard.0.set(false);
                g.moved = false;
                g.start = (f64::from(event.client_x()), f64::from(event.client_y()));
            }
            g.pointers.retain(|p| p.0 != event.pointer_id());
            g.pointers.push((
                event.pointer_id(),
                f64::from(event.client_x()),
                f64::from(event.client_y()),
            ));
        })
    };
    let onpointermove = {
        let gesture = gesture.clone();
        let dispatcher = camera.dispatcher();
        let viewport = viewport.clone();
        Callback::from(move |event: PointerEvent| {
            let mut g = gesture.borrow_mut();
            let id = event.pointer_id();
            let Some(at) = g.pointers.iter().position(|p| p.0 == id) else {
                return;
            };
            let now = (f64::from(event.client_x()), f64::from(event.client_y()));
            let before = g.pointers.clone();
            g.pointers[at] = (id, now.0, now.1);
            if !g.moved {
                if (now.0 - g.start.0).hypot(now.1 - g.start.1) < DRAG_THRESHOLD
                    && before.len() == 1
                {
                    return;
                }
                g.moved = true;
                // Captured only once it is a drag: capturing at the press would send
                // the click to the viewport instead of the stage.
                if let Some(element) = viewport.cast::<web_sys::Element>() {
                    let _ = element.set_pointer_capture(id);
                }
            }
            match (before.as_slice(), g.pointers.as_slice()) {
                ([(_, x0, y0)], [_]) => dispatcher.dispatch(CameraAction::PanBy {
                    dx: now.0 - x0,
                    dy: now.1 - y0,
                }),
                ([a0, b0], [a1, b1]) => {
                    let Some(rect) = viewport
                        .cast::<web_sys::Element>()
                        .map(|e| e.get_bounding_client_rect())
                    else {
                        return;
                    };
                    let apart0 = (a0.1 - b0.1).hypot(a0.2 - b0.2);
                    let apart1 = (a1.1 - b1.1).hypot(a1.2 - b1.2);
                    let mid0 = ((a0.1 + b0.1) / 2.0, (a0.2 + b0.2) / 2.0);
                    let mid1 = ((a1.1 + b1.1) / 2.0, (a1.2 + b1.2) / 2.0);
                    if apart0 > 1.0 {
                        dispatcher.dispatch(CameraAction::ZoomAt {
                            factor: apart1 / apart0,
                            at: (mid1.0 - rect.left(), mid1.1 - rect.top()),
                        });
                    }
                    dispatcher.dispatch(CameraAction::PanBy {
                        dx: mid1.0 - mid0.0,
                        dy: mid1.1 - mid0.1,
                    });
                }
                _ => {}
            }
        })
    };
    let onpointerup = {
        let gesture = gesture.clone();
        let guard = guard.clone();
        let viewport = viewport.clone();
        Callback::from(move |event: PointerEvent| {
            let mut g = gesture.borrow_mut();
            g.pointers.retain(|p| p.0 != event.pointer_id());
            if g.moved {
                guard.0.set(true);
                if let Some(element) = viewport.cast::<web_sys::Element>() {
                    let _ = element.release_pointer_capture(event.pointer_id());
                }
            }
        })
    };

    let select = use_callback(props.dispatch.clone(), |stage: usize, dispatch| {
        dispatch.emit(Action::SelectStage(stage))
    });
    let viewport_height = if camera.viewport.1 > 0.0 {
        camera.viewport.1
    } else {
        (layout.height + FIT_PAD + FIT_PAD_BOTTOM).clamp(MIN_HEIGHT, 480.0)
    };
    let view_state = ViewTransform {
        scale: camera.scale,
        x: camera.x,
        y: camera.y,
    };
    let zoom_label = camera.percent();
    html! {
        <div class="graph-panel" data-rev={view.rev.to_string()}
            data-direction={match layout.direction { Direction::LeftToRight => "left-to-right", Direction::TopToBottom => "top-to-bottom" }}>
            <div class="graph-actions">
                <button type="button" class="tool-button" onclick={export_svg}>{ "Export SVG" }</button>
                <button type="button" class="tool-button" onclick={export_png}>{ "Export PNG" }</button>
                <button type="button" class="tool-button" onclick={copy("Mermaid")}>{ "Copy Mermaid" }</button>
                <button type="button" class="tool-button" onclick={copy("DOT")}>{ "Copy DOT" }</button>
                <span class="muted small" role="status">
                    { copied.map(|w| format!("{w} copied to the clipboard.")).unwrap_or_default() }
                </span>
            </div>
            if !has_stages {
                <p class="empty">{ "No stage yet: a Dockerfile starts with FROM." }</p>
            } else {
                <div class="graph-frame">
                    <div class="graph-viewport" ref={viewport} tabindex="0" role="group"
                        aria-label="Stage graph: drag to pan; Ctrl or Cmd + wheel, pinch, + and − to zoom; 0 fits; arrow keys pan"
                        data-zoom={format!("{:.0}", camera.scale * 100.0)}
                        style={format!("height: {viewport_height:.0}px")}
                        {onkeydown} {onpointerdown} {onpointermove}
                        onpointerup={onpointerup.clone()} onpointercancel={onpointerup}>
                        <GraphSvg layout={layout.clone()} view={props.view.clone()} active={props.active}
                            fit=false on_select={select} camera={Some(view_state)} guard={Some((*guard).clone())} />
                    </div>
                    <div class="zoom-controls" role="toolbar" aria-label="Zoom">
                        <button type="button" class="zoom-button" aria-label="Zoom out" title="Zoom out (−)"
                            disabled={camera.scale <= MIN_SCALE} onclick={act(CameraAction::Zoom { factor: 1.0 / ZOOM_STEP })}>{ "−" }</button>
                        <span class="zoom-level" aria-live="polite" aria-label={format!("Zoom {zoom_label}")}>{ zoom_label.clone() }</span>
                        <button type="button" class="zoom-button" aria-label="Zoom in" title="Zoom in (+)"
                            disabled={camera.scale >= MAX_SCALE} onclick={act(CameraAction::Zoom { factor: ZOOM_STEP })}>{ "+" }</button>
                        <button type="button" class="zoom-button fit" title="Fit the whole graph (0)" onclick={on_fit}>{ "Fit" }</button>
                    </div>
                </div>
                <p class="graph-hint muted small">{ "Drag to pan · Ctrl/⌘ + wheel or pinch to zoom · + − 0 and arrow keys when the graph has focus" }</p>
                <Legend />
            }
        </div>
    }
}

/// The SVG the export buttons save: the page's theme, so the file looks like the page.
fn svg_options(dark: bool) -> SvgOptions {
    SvgOptions {
        theme: if dark {
            layout::Theme::Dark
        } else {
            layout::Theme::Light
        },
        ..SvgOptions::default()
    }
}

/// Whether the page is in its dark theme (forced by the toggle, or the system's).
fn page_is_dark() -> bool {
    let forced = dom::document()
        .and_then(|d| d.document_element())
        .and_then(|root| root.get_attribute("data-theme"));
    match forced.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => dom::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches()),
    }
}

/// The viewport's width, and the tallest it may be (70% of the window).
fn measure_viewport(viewport: &NodeRef) -> Option<(f64, f64)> {
    let element = viewport.cast::<web_sys::Element>()?;
    let width = f64::from(element.client_width());
    let window_height = dom::window()?.inner_height().ok()?.as_f64()?;
    (width > 0.0).then_some((width, (window_height * 0.7).max(MIN_HEIGHT)))
}

/// The largest PNG side and area: past them browsers refuse to make the canvas (or take
/// seconds), so a huge graph is drawn at a lower resolution instead.
const PNG_MAX_SIDE: f64 = 16_000.0;
const PNG_MAX_PIXELS: f64 = 64_000_000.0;

/// Draws the exported SVG into a canvas at twice its size and downloads it as a PNG.
/// The SVG carries its theme's background and system font stacks, which an image can
/// render (it cannot load web fonts).
fn export_png(svg: String, dark: bool) {
    let run = || -> Option<()> {
        let image = web_sys::HtmlImageElement::new().ok()?;
        let loaded = image.clone();
        let onload = Closure::once_into_js(move || {
            draw_png(&loaded, dark);
        });
        image.set_onload(Some(onload.unchecked_ref()));
        let encoded: String = js_sys::encode_uri_component(&svg).into();
        image.set_src(&format!("data:image/svg+xml;charset=utf-8,{encoded}"));
        Some(())
    };
    let _ = run();
}

fn draw_png(image: &web_sys::HtmlImageElement, dark: bool) -> Option<()> {
    let (width, height) = (
        f64::from(image.natural_width()),
        f64::from(image.natural_height()),
    );
    if width <= 0.0 || height <= 0.0 {
        return None;
    }
    let ratio = 2.0f64
        .min(PNG_MAX_SIDE / width.max(height))
        .min((PNG_MAX_PIXELS / (width * height)).sqrt());
    let canvas: web_sys::HtmlCanvasElement = dom::document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    let (w, h) = ((width * ratio).round(), (height * ratio).round());
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context.set_fill_style_str(if dark { "#0f141a" } else { "#ffffff" });
    context.fill_rect(0.0, 0.0, w, h);
    context
        .draw_image_with_html_image_element_and_dw_and_dh(image, 0.0, 0.0, w, h)
        .ok()?;
    let on_blob = Closure::once_into_js(move |blob: JsValue| {
        if let Ok(blob) = blob.dyn_into::<web_sys::Blob>() {
            download_blob("stages.png", &blob);
        }
    });
    canvas.to_blob(on_blob.unchecked_ref()).ok()
}

fn download_blob(filename: &str, blob: &web_sys::Blob) -> Option<()> {
    let url = web_sys::Url::create_object_url_with_blob(blob).ok()?;
    let anchor: web_sys::HtmlAnchorElement =
        dom::document()?.create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    // Revoked later: the download reads the URL after this task ends.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    dom::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000)
        .ok()?;
    Some(())
}

/// An event listener on the window, removed when dropped.
struct WindowListener {
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl WindowListener {
    fn new(event: &'static str, f: impl FnMut(web_sys::Event) + 'static) -> Option<WindowListener> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        dom::window()?
            .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
            .ok()?;
        Some(WindowListener { event, closure })
    }
}

impl Drop for WindowListener {
    fn drop(&mut self) {
        if let Some(window) = dom::window() {
            let _ = window.remove_event_listener_with_callback(
                self.event,
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}

/// A non-passive event listener on an element (so it may cancel the event), removed
/// when dropped.
struct ElementListener {
    element: web_sys::Element,
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl ElementListener {
    fn new(
        element: &web_sys::Element,
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<ElementListener> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let options = web_sys::AddEventListenerOptions::new();
        options.set_passive(false);
        element
            .add_event_listener_with_callback_and_add_event_listener_options(
                event,
                closure.as_ref().unchecked_ref(),
                &options,
            )
            .ok()?;
        Some(ElementListener {
            element: element.clone(),
            event,
            closure,
        })
    }
}

impl Drop for ElementListener {
    fn drop(&mut self) {
        let _ = self
            .element
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

pub fn compute_layout(view: &View, direction: Direction) -> Layout {
    let options = LayoutOptions {
        stage_sizes: stagecraft_syntax::order::map_from(
            view.stages
                .iter()
                .flatten()
                .map(|r| (r.index, r.size_bytes)),
        ),
        direction,
    };
    layout::layout(&view.analysis, &options)
}

/// Below this viewport width (a phone, a narrow embed) a graph too wide to read left to
/// right is laid out top to bottom instead, so it scrolls with the page.
pub const NARROW_VIEWPORT: f64 = 520.0;

/// The panel's layout for a viewport `width` wide (`None` before it is measured): left to
/// right, unless the viewport is narrow and that would not fit at a readable zoom.
pub fn layout_for_width(view: &View, width: Option<u32>) -> Layout {
    let across = compute_layout(view, Direction::LeftToRight);
    match width {
        Some(width)
            if f64::from(width) < NARROW_VIEWPORT
                && across.width * READABLE_SCALE > f64::from(width) =>
        {
            compute_layout(view, Direction::TopToBottom)
        }
        _ => across,
    }
}

/// The viewport width the layout is chosen for, in steps of 40 px (so resizing does not
/// lay the graph out again on every pixel), or `None` when it is wide.
fn narrow_width(width: f64) -> Option<u32> {
    (width > 0.0 && width < NARROW_VIEWPORT).then(|| (width / 40.0).floor() as u32 * 40)
}

#[derive(Properties, PartialEq)]
pub struct GraphSvgProps {
    pub layout: Rc<Layout>,
    pub view: Shared,
    pub active: Option<usize>,
    /// The stage files are copied from, during a `COPY --from` step.
    #[prop_or_default]
    pub source: Option<usize>,
    pub fit: bool,
    pub on_select: Callback<usize>,
    /// Pan and zoom: the drawing fills its container and moves inside it; `fit` is then
    /// ignored.
    #[prop_or_default]
    pub camera: Option<ViewTransform>,
    /// Swallows the click that ends a drag.
    #[prop_or_default]
    pub guard: Option<ClickGuard>,
}

/// The part of the camera the drawing needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewTransform {
    pub scale: f64,
    pub x: f64,
    pub y: f64,
}

/// The core's layout drawn as SVG elements (never a markup string): bands for the
/// parallel levels, edges by kind, then nodes, each stage focusable and clickable.
#[function_component]
pub fn GraphSvg(props: &GraphSvgProps) -> Html {
    let l = &props.layout;
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
    let content = html! {
        <GraphContent layout={props.layout.clone()} view={props.view.clone()} active={props.active}
            source={props.source} on_select={props.on_select.clone()} guard={props.guard.clone()} />
    };
    if let Some(camera) = props.camera {
        // Moved by a transform on one group, so a pan or zoom re-renders no node.
        let transform = format!(
            "translate({:.2} {:.2}) scale({:.4})",
            camera.x, camera.y, camera.scale
        );
        return html! {
            <svg class="graph-svg zoomable" width="100%" height="100%" aria-label={summary}>
                <defs>{ for arrows }</defs>
                <g class="camera" {transform}>{ content }</g>
            </svg>
        };
    }
    let view_box = format!("0 0 {:.0} {:.0}", l.width, l.height);
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
            { content }
        </svg>
    }
}

#[derive(Properties, PartialEq)]
struct GraphContentProps {
    layout: Rc<Layout>,
    view: Shared,
    active: Option<usize>,
    source: Option<usize>,
    on_select: Callback<usize>,
    guard: Option<ClickGuard>,
}

/// Bands, edges and nodes: a component of its own so that moving the camera, which
/// changes none of its props, does not rebuild them.
#[function_component]
fn GraphContent(props: &GraphContentProps) -> Html {
    let l = &props.layout;
    let bands = l.bands.iter().map(|b| {
        html! {
            <g class="band">
                <rect x={num(b.x)} y={num(b.y)} width={num(b.width)} height={num(b.height)} rx="8" />
                if let Some(label) = &b.label {
                    // Across, the caption heads its column; stacked, it starts its row.
                    if l.direction == Direction::LeftToRight {
                        <text class="band-label" x={num(b.x + b.width / 2.0)} y={num(b.y + 16.0)} text-anchor="middle">{ label }</text>
                    } else {
                        <text class="band-label" x={num(b.x + 8.0)} y={num(b.y + b.height / 2.0 + 4.0)} text-anchor="start">{ label }</text>
                    }
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
                let guard = props.guard.clone();
                Callback::from(move |_: MouseEvent| {
                    if guard.as_ref().is_some_and(|g| g.0.replace(false)) {
                        return;
                    }
                    on_select.emit(index)
                })
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
    html! {
        <>
            <g class="bands">{ for bands }</g>
            <g class="edges">{ for edges }</g>
            <g class="nodes">{ for nodes }</g>
        </>
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

#[cfg(test)]
mod tests;
