//! The editor: a textarea over a highlighted layer with line numbers, diagnostic
//! underlines and gutter markers. Only the lines in view are highlighted, so a
//! 5,000-line paste costs no more to render than a short file.

use std::collections::BTreeMap;
use std::rc::Rc;

use stagecraft_analysis::{LineIndex, Severity, TextRange};
use wasm_bindgen::JsCast;
use web_sys::{HtmlTextAreaElement, KeyboardEvent, MouseEvent};
use yew::prelude::*;

use crate::state::{
    byte_offset, utf16_offset, Jump, Shared, View, DEFER_LINES, SIMULATE_MAX_LINES,
};
use crate::tokens::{segments, severity_class, Decoration, Token};

/// Line height in pixels; the CSS uses the same value so rows can be computed from the
/// scroll offset without measuring.
pub const LINE_HEIGHT: f64 = 20.0;
/// Lines rendered above and below the visible ones, so fast scrolling shows text.
const OVERSCAN: usize = 40;
/// Rows assumed visible before the textarea has been measured.
const DEFAULT_ROWS: usize = 60;

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
        Callback::from(move |event: Event| {
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
        Callback::from(move |event: InputEvent| {
            if let Some(t) = event.target_dyn_into::<HtmlTextAreaElement>() {
                on_edit.emit(t.value());
            }
        })
    };
    let onkeydown = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |event: KeyboardEvent| on_key(&event, &on_edit))
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

    let mut decorations: Vec<Decoration> = Vec::new();
    if !props.stale {
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
                        value={props.text.clone()}
                        {oninput}
                        {onkeydown}
                        {onkeyup}
                        {onmouseup}
                        onscroll={on_scroll}
                    />
                </div>
            </div>
            if let Some(d) = at_caret {
                <div class={classes!("at-caret", d.severity.as_str())} role="status">
                    <span class="severity">{ d.severity.as_str() }</span>
                    <code class="code">{ d.code }</code>
                    <span class="at-caret-message">{ &d.message }</span>
                    if let Some(help) = &d.help {
                        <span class="at-caret-help">{ help }</span>
                    }
                    if let Some((title, range, replacement)) = d.fix.clone() {
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
                    { "Tab inserts two spaces; Escape moves the focus on to the panels." }
                </p>
            }
        </section>
    }
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
