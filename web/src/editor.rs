//! The editor: a textarea over a highlighted layer with line numbers, diagnostic
//! underlines and gutter markers. Only the lines in view are highlighted, so a
//! 5,000-line paste costs no more to render than a short file.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use stagecraft_analysis::{LineIndex, Severity, TextRange};
use wasm_bindgen::JsCast;
use web_sys::{HtmlTextAreaElement, KeyboardEvent, MouseEvent};
use yew::prelude::*;

use crate::navigate;
use crate::state::{
    byte_offset, utf16_offset, DiagnosticRow, Jump, Shared, View, DEFER_LINES, SIMULATE_MAX_LINES,
};
use crate::tokens::{segments, severity_class, Decoration, Token};

/// Line height in pixels; the CSS uses the same value so rows can be computed from the
/// scroll offset without measuring.
pub const LINE_HEIGHT: f64 = 20.0;
/// Lines rendered above and below the visible ones, so fast scrolling shows text.
const OVERSCAN: usize = 40;
/// Rows assumed visible before the textarea has been measured.
const DEFAULT_ROWS: usize = 60;
/// The textarea's padding (top, left) in pixels, as in the CSS.
const PAD_TOP: f64 = 8.0;
const PAD_LEFT: f64 = 10.0;
/// `tab-size` in the CSS.
const TAB: usize = 4;

/// The diagnostic under the pointer: its index in the view and where its card goes
/// (pixels from the code area's top left).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hover {
    index: usize,
    left: f64,
    /// The card's top edge, or its bottom edge (from the area's bottom) when it opens
    /// above the line because there is no room below.
    top: Option<f64>,
    bottom: Option<f64>,
}

/// Room the card needs, in pixels, to open below the line or right of its start.
const CARD_HEIGHT: f64 = 130.0;
const CARD_WIDTH: f64 = 300.0;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub text: Rc<str>,
    pub view: Shared,
    /// The view lags the text (large file, analysis waits for a pause).
    pub stale: bool,
    /// The current step's instruction or the selected stage's FROM.
    pub marked: Option<TextRange>,
    pub jump: Option<Jump>,
    pub on_edit: Callback<String>,
    /// A read-only embed: the text stays selectable and copyable, but no key, fix or
    /// Tab edits it.
    #[prop_or_default]
    pub readonly: bool,
}

#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let textarea = use_node_ref();
    let scroll = use_state(|| (0.0_f64, 0.0_f64, 0.0_f64));
    let (scroll_top, scroll_left, client_height) = *scroll;

    let lines = use_memo(props.text.clone(), |text| LineIndex::new(text));
    // One marker per line, the most severe diagnostic's.
    let markers = use_memo(props.view.clone(), |view| {
        let mut markers: BTreeMap<u32, (Severity, String)> = BTreeMap::new();
        for d in &view.diagnostics {
            let entry = markers
                .entry(d.line)
                .or_insert((d.severity, d.message.clone()));
            if d.severity < entry.0 {
                *entry = (d.severity, d.message.clone());
            }
        }
        markers
    });

    // The caret's byte offset, so the diagnostic under it can be shown (the textarea covers
    // the underlines, so hovering them is not possible; the caret is keyboard-friendly).
    let caret = use_state(|| None::<usize>);
    let hover = use_state(|| None::<Hover>);
    let track_caret = {
        let caret = caret.clone();
        let text = props.text.clone();
        move |target: Option<HtmlTextAreaElement>| {
            if let Some(t) = target {
                let units = t.selection_start().ok().flatten().unwrap_or(0);
                // The DOM value, not props: this runs before the edit's re-render.
                let value = t.value();
                let at = if *value == *text {
                    byte_offset(&text, units)
                } else {
                    byte_offset(&value, units)
                };
                if *caret != Some(at) {
                    caret.set(Some(at));
                }
            }
        }
    };
    let onkeyup = {
        let track = track_caret.clone();
        Callback::from(move |event: KeyboardEvent| {
            track(event.target_dyn_into::<HtmlTextAreaElement>())
        })
    };
    let onmouseup = {
        let track = track_caret.clone();
        Callback::from(move |event: MouseEvent| {
            track(event.target_dyn_into::<HtmlTextAreaElement>())
        })
    };
    let on_scroll = {
        let scroll = scroll.clone();
        let hover = hover.clone();
        Callback::from(move |event: Event| {
            if hover.is_some() {
                hover.set(None);
            }
            if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                scroll.set((
                    f64::from(t.scroll_top()),
                    f64::from(t.scroll_left()),
                    f64::from(t.client_height()),
                ));
            }
        })
    };
    let oninput = {
        let on_edit = props.on_edit.clone();
        let hover = hover.clone();
        Callback::from(move |event: InputEvent| {
            if hover.is_some() {
                hover.set(None);
            }
            if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                on_edit.emit(t.value());
            }
        })
    };

    // Measure the textarea once mounted, so the visible window is right before any scroll.
    {
        let textarea = textarea.clone();
        let scroll = scroll.clone();
        use_effect_with((), move |_| {
            if let Some(t) = textarea.cast::<HtmlTextAreaElement>() {
                scroll.set((0.0, 0.0, f64::from(t.client_height())));
            }
        });
    }
    // A new text set from outside (an example, a restore) can move the textarea's scroll
    // position without a scroll event; re-read it so the layers stay aligned.
    {
        let textarea = textarea.clone();
        let scroll = scroll.clone();
        use_effect_with(props.text.clone(), move |_| {
            if let Some(t) = textarea.cast::<HtmlTextAreaElement>() {
                let now = (
                    f64::from(t.scroll_top()),
                    f64::from(t.scroll_left()),
                    f64::from(t.client_height()),
                );
                if now != *scroll {
                    scroll.set(now);
                }
            }
        });
    }
    // Jumps: select (and focus) or just scroll to a range of the current text.
    {
        let textarea = textarea.clone();
        let text = props.text.clone();
        let lines = lines.clone();
        let caret = caret.clone();
        use_effect_with(props.jump, move |jump| {
            if let (Some(jump), Some(t)) = (jump, textarea.cast::<HtmlTextAreaElement>()) {
                reveal(&t, &text, &lines, *jump);
                if jump.focus {
                    caret.set(Some(jump.range.start));
                }
            }
        });
    }

    let total = lines.line_count();
    let rows = if client_height > 0.0 {
        (client_height / LINE_HEIGHT).ceil() as usize
    } else {
        DEFAULT_ROWS
    };
    let first = ((scroll_top / LINE_HEIGHT) as usize)
        .saturating_sub(OVERSCAN)
        .min(total.saturating_sub(1));
    let last = (first + rows + 2 * OVERSCAN).min(total);
    // Typed ahead of a deferred analysis, a long file is highlighted only around the
    // visible lines, so a keystroke costs the same in a 5,000-line file as in a short one.
    let window = props.stale.then(|| {
        let from = first.saturating_sub(OVERSCAN) as u32 + 1;
        TextRange::new(
            lines.line_start(from).unwrap_or(0),
            lines
                .line_start(last as u32 + 1)
                .unwrap_or(props.text.len()),
        )
    });
    let tokens = use_memo(
        (props.text.clone(), props.view.clone(), window),
        |(text, view, window)| highlight_tokens(text, view, *window),
    );

    // Go to definition / cycle through uses: Ctrl or Cmd+click, F12 or Ctrl+B.
    let cycle = use_mut_ref(|| None::<(usize, usize)>);
    let go_to = {
        let text = props.text.clone();
        let view = props.view.clone();
        let tokens = tokens.clone();
        let lines = lines.clone();
        let caret = caret.clone();
        let stale = props.stale;
        move |t: &HtmlTextAreaElement| -> bool {
            if stale || t.value() != *text {
                return false;
            }
            let units = t.selection_start().ok().flatten().unwrap_or(0);
            let at = byte_offset(&text, units);
            let last = *cycle.borrow();
            let Some((range, memo)) =
                navigate::jump_target(&text, &tokens, &view.analysis.stages, at, last)
            else {
                return false;
            };
            *cycle.borrow_mut() = memo;
            reveal(
                t,
                &text,
                &lines,
                Jump {
                    range,
                    seq: 0,
                    focus: true,
                },
            );
            caret.set(Some(range.start));
            true
        }
    };
    let onkeydown = {
        let on_edit = props.on_edit.clone();
        let go_to = go_to.clone();
        let hover = hover.clone();
        let readonly = props.readonly;
        Callback::from(move |event: KeyboardEvent| {
            let key = event.key();
            let command = event.ctrl_key() || event.meta_key();
            let plain = !command && !event.alt_key() && !event.shift_key();
            if (key == "F12" && plain)
                || (command && !event.alt_key() && key.eq_ignore_ascii_case("b"))
            {
                if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                    if go_to(&t) {
                        event.prevent_default();
                    }
                }
                return;
            }
            if key == "Escape" && hover.is_some() {
                // The first Escape closes the card; the next one leaves the editor.
                event.prevent_default();
                hover.set(None);
                return;
            }
            // Read-only: Tab moves the focus on instead of writing spaces into the text.
            if readonly && event.key() == "Tab" {
                return;
            }
            on_key(&event, &on_edit);
        })
    };
    let onclick = {
        let go_to = go_to.clone();
        Callback::from(move |event: MouseEvent| {
            if event.ctrl_key() || event.meta_key() {
                if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                    if go_to(&t) {
                        event.prevent_default();
                    }
                }
            }
        })
    };
    // The hover card: the pointer's position mapped to a text offset by the line height and
    // the width of a character of the monospace font, measured on a hidden sample.
    let sample = use_node_ref();
    let card = use_node_ref();
    let char_width = use_mut_ref(|| Cell::new(0.0_f64));
    let onmousemove = {
        let text = props.text.clone();
        let view = props.view.clone();
        let lines = lines.clone();
        let hover = hover.clone();
        let sample = sample.clone();
        let stale = props.stale;
        Callback::from(move |event: MouseEvent| {
            let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() else {
                return;
            };
            let width = {
                let cell = char_width.borrow();
                if cell.get() <= 0.0 {
                    if let Some(s) = sample.cast::<web_sys::Element>() {
                        cell.set(s.get_bounding_client_rect().width() / 10.0);
                    }
                }
                cell.get()
            };
            let found = (!stale && width > 0.0 && *view.text == *text)
                .then(|| {
                    let rect = t.get_bounding_client_rect();
                    let x = f64::from(event.client_x()) - rect.left() - PAD_LEFT
                        + f64::from(t.scroll_left());
                    let y = f64::from(event.client_y()) - rect.top() - PAD_TOP
                        + f64::from(t.scroll_top());
                    hit(&text, &lines, &view.diagnostics, x, y, width).map(|index| (index, width))
                })
                .flatten();
            let next = found.and_then(|(index, width)| {
                let d = view.diagnostics.get(index)?;
                let line = lines.line_col(&text, d.range.start).line;
                let line_range = lines.line_range(&text, line)?;
                let line_text = text.get(line_range.start..line_range.end)?;
                let column = navigate::column_of(line_text, d.range.start - line_range.start, TAB);
                let area_width = f64::from(t.client_width());
                let area_height = f64::from(t.client_height());
                let left = (PAD_LEFT + column as f64 * width - f64::from(t.scroll_left()))
                    .min(area_width - CARD_WIDTH)
                    .max(0.0);
                let below = PAD_TOP + f64::from(line) * LINE_HEIGHT - f64::from(t.scroll_top());
                let room_below = below + CARD_HEIGHT <= area_height || below < CARD_HEIGHT;
                Some(Hover {
                    index,
                    left,
                    top: room_below.then_some(below),
                    bottom: (!room_below).then_some(area_height - (below - LINE_HEIGHT)),
                })
            });
            if *hover != next {
                hover.set(next);
            }
        })
    };
    let onmouseleave = {
        let hover = hover.clone();
        let card = card.clone();
        Callback::from(move |event: MouseEvent| {
            let into_card = event
                .related_target()
                .and_then(|r| r.dyn_into::<web_sys::Node>().ok())
                .zip(card.cast::<web_sys::Node>())
                .is_some_and(|(to, card)| card.contains(Some(&to)));
            if !into_card && hover.is_some() {
                hover.set(None);
            }
        })
    };
    let card_leave = {
        let hover = hover.clone();
        let textarea = textarea.clone();
        Callback::from(move |event: MouseEvent| {
            let back = event
                .related_target()
                .and_then(|r| r.dyn_into::<web_sys::Node>().ok())
                .zip(textarea.cast::<web_sys::Node>())
                .is_some_and(|(to, t)| t.is_same_node(Some(&to)));
            if !back {
                hover.set(None);
            }
        })
    };
    let hovered = (*hover)
        .filter(|_| !props.stale)
        .and_then(|h| props.view.diagnostics.get(h.index).map(|d| (h, d)));

    // Every occurrence of the stage name under the caret, softly marked.
    let occurrences: Vec<TextRange> = (*caret)
        .filter(|_| !props.stale)
        .and_then(|at| navigate::stage_word_at(&tokens, at))
        .and_then(|w| props.text.get(w.start..w.end))
        .map(|word| navigate::occurrences(&props.text, &tokens, &props.view.analysis.stages, word))
        .unwrap_or_default();

    let mut decorations: Vec<Decoration> = Vec::new();
    if !props.stale {
        decorations.extend(occurrences.iter().map(|r| Decoration {
            range: *r,
            class: "occurrence",
        }));
        let window = TextRange::new(
            lines.line_start(first as u32 + 1).unwrap_or(0),
            lines
                .line_start(last as u32 + 1)
                .unwrap_or(props.text.len()),
        );
        if let Some(marked) = props.marked {
            decorations.push(Decoration {
                range: marked,
                class: "step-mark",
            });
        }
        decorations.extend(
            props
                .view
                .diagnostics
                .iter()
                .filter(|d| d.range.start <= window.end && d.range.end >= window.start)
                .map(|d| Decoration {
                    range: d.range,
                    class: severity_class(d.severity),
                }),
        );
    }

    // The most severe diagnostic whose range holds the caret.
    let at_caret = (*caret).filter(|_| !props.stale).and_then(|at| {
        props
            .view
            .diagnostics
            .iter()
            .filter(|d| d.range.start <= at && at <= d.range.end)
            .min_by_key(|d| d.severity)
    });
    let text = &*props.text;
    let code_lines = (first..last).map(|i| {
        let line_no = i as u32 + 1;
        let range = lines
            .line_range(text, line_no)
            .unwrap_or(TextRange::empty(text.len()));
        let spans = segments(text, range, &tokens, &decorations)
            .into_iter()
            .map(|s| {
                let content = if s.range.start >= range.end {
                    " "
                } else {
                    text.get(s.range.start..s.range.end).unwrap_or("")
                };
                if s.classes.is_empty() {
                    html! { { content } }
                } else {
                    html! { <span class={classes!(s.classes)}>{ content }</span> }
                }
            });
        html! { <div class="hl-line">{ for spans }{ "\n" }</div> }
    });
    let gutter_lines = (first..last).map(|i| {
        let line_no = i as u32 + 1;
        let marker = (!props.stale).then(|| markers.get(&line_no)).flatten();
        match marker {
            Some((severity, message)) => html! {
                <div class={classes!("ln", format!("marker-{}", severity.as_str()))} title={message.clone()}>
                    { line_no }
                </div>
            },
            None => html! { <div class="ln">{ line_no }</div> },
        }
    });
    let spacer = format!("height: {}px", first as f64 * LINE_HEIGHT);
    let shift = format!(
        "transform: translate({}px, {}px)",
        -scroll_left, -scroll_top
    );
    let gutter_shift = format!("transform: translateY({}px)", -scroll_top);

    html! {
        <section class="editor-pane" aria-label="Editor">
            <div class="pane-head">
                <h2 id="editor-heading">{ "Dockerfile" }</h2>
                <EditorStatus text={props.text.clone()} lines={total} stale={props.stale} />
            </div>
            <div class="editor-frame">
                <div class="gutter" aria-hidden="true">
                    <div class="gutter-inner" style={gutter_shift}>
                        <div style={spacer.clone()}></div>
                        { for gutter_lines }
                    </div>
                </div>
                <div class="code-area">
                    <div class="highlight" aria-hidden="true">
                        <span class="char-sample" ref={sample}>{ "0000000000" }</span>
                        <div class="hl-inner" style={shift}>
                            <div style={spacer}></div>
                            { for code_lines }
                        </div>
                    </div>
                    <textarea
                        ref={textarea.clone()}
                        aria-label="Dockerfile"
                        aria-describedby="editor-help"
                        spellcheck="false"
                        autocomplete="off"
                        autocapitalize="off"
                        wrap="off"
                        readonly={props.readonly}
                        value={props.text.clone()}
                        {oninput}
                        {onkeydown}
                        {onkeyup}
                        {onmouseup}
                        {onclick}
                        {onmousemove}
                        {onmouseleave}
                        onscroll={on_scroll}
                    />
                    if let Some((h, d)) = hovered {
                        <div ref={card} class={classes!("hover-card", d.severity.as_str())} role="tooltip"
                            data-code={d.code}
                            style={match (h.top, h.bottom) {
                                (Some(top), _) => format!("left: {:.0}px; top: {top:.0}px", h.left),
                                (None, Some(bottom)) => format!("left: {:.0}px; bottom: {bottom:.0}px", h.left),
                                (None, None) => format!("left: {:.0}px", h.left),
                            }}
                            onmouseleave={card_leave}>
                            { diagnostic_body(d, "hover-card") }
                            if let Some((title, range, replacement)) = d.fix.clone().filter(|_| !props.readonly) {
                                <button type="button" class="tool-button primary" onclick={
                                    let textarea = textarea.clone();
                                    let text = props.text.clone();
                                    let on_edit = props.on_edit.clone();
                                    let hover = hover.clone();
                                    Callback::from(move |_: MouseEvent| {
                                        hover.set(None);
                                        apply_fix(&textarea, &text, range, &replacement, &on_edit);
                                    })
                                }>{ format!("Fix: {title}") }</button>
                            }
                        </div>
                    }
                </div>
            </div>
            if let Some(d) = at_caret {
                <div class={classes!("at-caret", d.severity.as_str())} role="status">
                    { diagnostic_body(d, "at-caret") }
                    if let Some((title, range, replacement)) = d.fix.clone().filter(|_| !props.readonly) {
                        <button type="button" class="tool-button primary" onclick={
                            let textarea = textarea.clone();
                            let text = props.text.clone();
                            let on_edit = props.on_edit.clone();
                            Callback::from(move |_: MouseEvent| apply_fix(&textarea, &text, range, &replacement, &on_edit))
                        }>{ format!("Fix: {title}") }</button>
                    }
                </div>
            } else {
                <p id="editor-help" class="hint">
                    { "Tab inserts two spaces; F12 or Ctrl+B on a stage name goes to its definition, or on to its next use; Escape moves the focus on to the panels." }
                </p>
            }
        </section>
    }
}

/// Severity, code, message and help of a diagnostic, for the caret bar and the hover card
/// (`prefix` names their classes). Text nodes only: messages quote user text.
fn diagnostic_body(d: &DiagnosticRow, prefix: &str) -> Html {
    html! {
        <>
            <span class="severity">{ d.severity.as_str() }</span>
            <code class="code">{ d.code }</code>
            <span class={format!("{prefix}-message")}>{ &d.message }</span>
            if let Some(help) = &d.help {
                <span class={format!("{prefix}-help")}>{ help }</span>
            }
        </>
    }
}

/// The most severe diagnostic under the point `(x, y)`, in pixels from the text's top left
/// (scrolling included), with characters `width` pixels wide. Point diagnostics cover the
/// character after them, as their underline does.
fn hit(
    text: &str,
    lines: &LineIndex,
    diagnostics: &[DiagnosticRow],
    x: f64,
    y: f64,
    width: f64,
) -> Option<usize> {
    if x < 0.0 || y < 0.0 {
        return None;
    }
    let line = u32::try_from((y / LINE_HEIGHT) as usize + 1).ok()?;
    let range = lines.line_range(text, line)?;
    let line_text = text.get(range.start..range.end)?;
    let column = (x / width) as usize;
    let at = match navigate::offset_at_column(line_text, column, TAB) {
        Some(offset) => range.start + offset,
        // Just past the end: a point diagnostic there underlines a blank.
        None if column == navigate::column_of(line_text, line_text.len(), TAB) => range.end,
        None => return None,
    };
    diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.range.start <= at && at < d.range.end.max(d.range.start + 1))
        .min_by_key(|(_, d)| d.severity)
        .map(|(i, _)| i)
}

#[derive(Properties, PartialEq)]
struct EditorStatusProps {
    text: Rc<str>,
    lines: usize,
    stale: bool,
}

/// Says why the page is doing less than usual: a long file or binary junk.
#[function_component]
fn EditorStatus(props: &EditorStatusProps) -> Html {
    let binary = looks_binary(&props.text);
    let mut notes = Vec::new();
    if binary {
        notes.push("This looks like binary data, not a Dockerfile.".to_owned());
    }
    if props.lines > DEFER_LINES || props.text.len() > crate::state::DEFER_BYTES {
        notes.push(format!(
            "Long file ({} lines): analysis runs when you pause typing{}.",
            props.lines,
            if props.lines > SIMULATE_MAX_LINES {
                "; the simulated build (image, steps, sizes) is off above 1,500 lines"
            } else {
                ""
            }
        ));
    }
    if props.stale {
        notes.push("Analysing…".to_owned());
    }
    html! {
        <p class="editor-status" role="status">{ notes.join(" ") }</p>
    }
}

/// NUL bytes, replacement characters or many control characters in the first 4 kB.
fn looks_binary(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    let control = head
        .chars()
        .filter(|&c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || c == '\u{fffd}')
        .count();
    head.contains('\0') || control * 20 > head.chars().count().max(1)
}

/// Tab inserts two spaces through `insertText`, which keeps the browser's undo stack;
/// Shift+Tab is left to the browser (focus moves back) and Escape hands the focus to the
/// panel tabs, so keyboard users are never trapped in the editor.
fn on_key(event: &KeyboardEvent, on_edit: &Callback<String>) {
    let plain = !event.ctrl_key() && !event.alt_key() && !event.meta_key();
    match event.key().as_str() {
        "Tab" if plain && !event.shift_key() => {
            event.prevent_default();
            let inserted = crate::dom::document()
                .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
                .and_then(|d| {
                    d.exec_command_with_show_ui_and_value("insertText", false, "  ")
                        .ok()
                })
                .unwrap_or(false);
            if !inserted {
                // No execCommand: edit the value directly (undo then skips this step).
                if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                    if t.set_range_text("  ").is_ok() {
                        let at = t.selection_end().ok().flatten().unwrap_or(0) + 2;
                        let _ = t.set_selection_range(at, at);
                        on_edit.emit(t.value());
                    }
                }
            }
        }
        "Escape" => {
            let tab = crate::dom::document()
                .and_then(|d| {
                    d.query_selector("[role=tab][aria-selected=true]")
                        .ok()
                        .flatten()
                })
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(tab) = tab {
                event.prevent_default();
                let _ = tab.focus();
            }
        }
        _ => {}
    }
}

/// Replaces `range` with `replacement` through `insertText`, so the fix is one step of
/// the browser's undo.
fn apply_fix(
    textarea: &NodeRef,
    text: &str,
    range: TextRange,
    replacement: &str,
    on_edit: &Callback<String>,
) {
    let Some(t) = textarea.cast::<HtmlTextAreaElement>() else {
        return;
    };
    let _ = t.focus();
    let _ = t.set_selection_range(
        utf16_offset(text, range.start),
        utf16_offset(text, range.end),
    );
    let inserted = crate::dom::document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| {
            d.exec_command_with_show_ui_and_value("insertText", false, replacement)
                .ok()
        })
        .unwrap_or(false);
    if !inserted && t.set_range_text(replacement).is_ok() {
        on_edit.emit(t.value());
    }
}

/// Scrolls the textarea so `jump`'s range is in view, and selects it when asked to.
fn reveal(textarea: &HtmlTextAreaElement, text: &str, lines: &LineIndex, jump: Jump) {
    let start = jump.range.start.min(text.len());
    let line = lines.line_col(text, start).line;
    let y = f64::from(line.saturating_sub(1)) * LINE_HEIGHT;
    let top = f64::from(textarea.scroll_top());
    let height = f64::from(textarea.client_height());
    if y < top || y + LINE_HEIGHT > top + height {
        textarea.set_scroll_top((y - height / 3.0).max(0.0) as i32);
    }
    if jump.focus {
        let _ = textarea.focus();
        let _ = textarea.set_selection_range(
            utf16_offset(text, jump.range.start),
            utf16_offset(text, jump.range.end),
        );
        // Focusing can scroll the caret into view on its own; put the line where we want.
        if y < top || y + LINE_HEIGHT > top + height {
            textarea.set_scroll_top((y - height / 3.0).max(0.0) as i32);
        }
    }
}

/// The editor's tokens from the core's highlighter. The view's parse is reused when it is
/// of this very text; otherwise (a long file typed ahead of its analysis) only `window` is
/// parsed and highlighted: a construct that starts above it (a heredoc, a continuation)
/// may be coloured wrongly for the moment until the analysis catches up.
pub fn highlight_tokens(text: &Rc<str>, view: &View, window: Option<TextRange>) -> Vec<Token> {
    use stagecraft_syntax::highlight::highlight;
    let tokens = |tokens: Vec<stagecraft_syntax::highlight::Token>, base: usize| -> Vec<Token> {
        tokens
            .into_iter()
            .map(|t| Token {
                range: TextRange::new(t.range.start + base, t.range.end + base),
                class: t.kind.css_class(),
            })
            .collect()
    };
    if Rc::ptr_eq(text, &view.text) || **text == *view.text {
        return tokens(highlight(text, &view.analysis.parse), 0);
    }
    let range = window.unwrap_or(TextRange::new(0, text.len()));
    let Some(slice) = text.get(range.start..range.end) else {
        return Vec::new();
    };
    tokens(
        highlight(slice, &stagecraft_syntax::parse(slice)),
        range.start,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagecraft_analysis::Severity;

    fn row(start: usize, end: usize, severity: Severity) -> DiagnosticRow {
        DiagnosticRow {
            line: 1,
            column: 1,
            severity,
            code: "x",
            message: String::new(),
            help: None,
            range: TextRange::new(start, end),
            fix: None,
        }
    }

    #[test]
    fn the_pointer_maps_to_the_most_severe_diagnostic_under_it() {
        let text = "FROM a\n\tRUN b\n";
        let lines = LineIndex::new(text);
        let rows = [
            row(5, 6, Severity::Info),
            row(5, 6, Severity::Error),
            row(8, 11, Severity::Warning),
            row(6, 6, Severity::Info),
        ];
        let w = 8.0;
        // Line 1, column 5: `a`, under both the note and the error.
        assert_eq!(hit(text, &lines, &rows, 5.5 * w, 10.0, w), Some(1));
        // Line 1 just past the end: the point diagnostic's blank.
        assert_eq!(hit(text, &lines, &rows, 6.5 * w, 10.0, w), Some(3));
        assert_eq!(hit(text, &lines, &rows, 9.5 * w, 10.0, w), None);
        // Line 2 starts with a tab four columns wide: column 4 is `R`.
        assert_eq!(hit(text, &lines, &rows, 4.5 * w, 30.0, w), Some(2));
        assert_eq!(hit(text, &lines, &rows, 1.5 * w, 30.0, w), None);
        assert_eq!(hit(text, &lines, &rows, -1.0, 10.0, w), None);
    }
}
