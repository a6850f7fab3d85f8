//! The problems list: every diagnostic sorted by line, each a button that selects its
//! range in the editor.

use stagecraft_analysis::{Severity, TextRange};
use stagecraft_syntax::order::sort_by_key;
use yew::prelude::*;

use crate::state::{Shared, MAX_DIAGNOSTIC_ROWS};

#[derive(Properties, PartialEq)]
pub struct DiagnosticsProps {
    pub view: Shared,
    pub stale: bool,
    pub on_jump: Callback<TextRange>,
}

#[function_component]
pub fn Diagnostics(props: &DiagnosticsProps) -> Html {
    let view = &props.view;
    let errors = view.count(Severity::Error);
    let warnings = view.count(Severity::Warning);
    let infos = view.diagnostics.len() - errors - warnings;
    let summary = if view.diagnostics.is_empty() {
        "No problems found.".to_owned()
    } else {
        let mut parts = vec![plural(errors, "error"), plural(warnings, "warning")];
        if infos > 0 {
            parts.push(plural(infos, "note"));
        }
        parts.join(", ")
    };
    // The core sorts by position; a stable sort by line keeps that order within a line.
    let mut rows: Vec<_> = view.diagnostics.iter().collect();
    sort_by_key(&mut rows, |d| d.line);
    let hidden = rows.len().saturating_sub(MAX_DIAGNOSTIC_ROWS);
    let items = rows.into_iter().take(MAX_DIAGNOSTIC_ROWS).map(|d| {
        let onclick = {
            let on_jump = props.on_jump.clone();
            let range = d.range;
            Callback::from(move |_: MouseEvent| on_jump.emit(range))
        };
        let severity = d.severity.as_str();
        html! {
            <li class={classes!("diagnostic", severity)} data-line={d.line.to_string()} data-code={d.code}>
                <button type="button" class="diagnostic-jump" {onclick}
                    aria-label={format!("{severity} on line {}: {}", d.line, d.message)}>
                    <span class="position">{ format!("{}:{}", d.line, d.column) }</span>
                    <span class="severity">{ severity }</span>
                    <code class="code">{ d.code }</code>
                    <span class="message">{ clip(&d.message) }</span>
                </button>
                if let Some(help) = &d.help {
                    <p class="help">{ help }</p>
                }
            </li>
        }
    });
    html! {
        <section class={classes!("diagnostics", props.stale.then_some("stale"))} aria-labelledby="diagnostics-heading">
            <div class="pane-head">
                <h2 id="diagnostics-heading">{ "Problems" }</h2>
                <p class="summary">{ summary }</p>
            </div>
            <ul class="diagnostic-list">
                { for items }
            </ul>
            if hidden > 0 {
                <p class="more">{ format!("…and {hidden} more, not listed.") }</p>
            }
        </section>
    }
}

/// Messages quote the source; binary junk would make them screens long.
fn clip(message: &str) -> String {
    const MAX: usize = 240;
    if message.chars().count() <= MAX {
        message.to_owned()
    } else {
        let mut clipped: String = message.chars().take(MAX).collect();
        clipped.push('…');
        clipped
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
