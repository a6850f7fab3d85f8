//! The stage's whole filesystem right after the shown step, as a tree with the step's
//! changes marked (added, changed, removed struck through) and the directories that hold
//! them open. The filesystem is rebuilt by the core for this one step only, when the step
//! or the analysis changes, never on every keystroke for every step.

use std::collections::BTreeSet;

use stagecraft_simulate::replay::fs_after_step;
use yew::prelude::*;

use super::fs_tree::{FsTree, Row};
use crate::state::{format_bytes, Shared};

/// Children listed per directory before "more"; changed ones always make the cut.
const PER_DIR: usize = 60;
/// Rows drawn at most, so a step that writes thousands of files stays quick to draw.
const MAX_ROWS: usize = 500;

#[derive(Properties, PartialEq)]
pub struct FsViewProps {
    pub view: Shared,
    pub step: usize,
}

/// Keyed by the caller on the analysis and the step, so the open directories start from
/// the step's changes each time.
#[function_component]
pub fn FsView(props: &FsViewProps) -> Html {
    let tree = use_memo((props.view.clone(), props.step), |(view, index)| {
        let step = view.steps.get(*index)?;
        let fs = fs_after_step(&view.text, &view.analysis, &view.sim_options, step)?;
        Some(FsTree::build(&fs, &step.diff))
    });
    let open = {
        let tree = tree.clone();
        use_state(move || {
            tree.as_ref()
                .as_ref()
                .map(FsTree::initially_open)
                .unwrap_or_default()
        })
    };
    let Some(tree) = tree.as_ref() else {
        return html! {
            <p class="muted small">{ "The filesystem at this step is not available." }</p>
        };
    };
    let toggle = |path: String| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next: BTreeSet<String> = (*open).clone();
            if !next.remove(&path) {
                next.insert(path.clone());
            }
            open.set(next);
        })
    };
    let rows = tree.rows(&open, PER_DIR);
    let cut = rows.len().saturating_sub(MAX_ROWS);
    let stage = props
        .view
        .steps
        .get(props.step)
        .map(|s| props.view.stage_label(s.stage))
        .unwrap_or_default();
    let entries = tree.entries.len() - 1;
    html! {
        <section class="fs-view" aria-label={format!("Filesystem of {stage} after this step")}>
            <h4 class="fs-heading">
                { format!("Filesystem of {stage} after this step") }
                <span class="muted">{ format!(" · {} · {}", crate::diagnostics::plural(entries, "path"), format_bytes(tree.entries[0].bytes)) }</span>
            </h4>
            <p class="fs-legend small muted">
                <span class="fs-sign added">{ "+" }</span>{ " added " }
                <span class="fs-sign changed">{ "~" }</span>{ " changed " }
                <span class="fs-sign removed">{ "−" }</span>{ " removed" }
            </p>
            <ul class={classes!("fs-tree", rows.is_empty().then_some("empty-tree"))}>
                { for rows.iter().take(MAX_ROWS).map(|row| match *row {
                    Row::Entry { index, depth } => {
                        let e = &tree.entries[index];
                        let is_open = open.contains(&e.path);
                        let mark = e.mark.map(|m| m.as_str());
                        let name = if e.is_dir() { format!("{}/", e.name) } else { e.name.clone() };
                        let size = match e.previous_bytes {
                            Some(before) if before != e.bytes => format!("{} → {}", format_bytes(before), format_bytes(e.bytes)),
                            _ => format_bytes(e.bytes),
                        };
                        html! {
                            <li class={classes!("fs-row", mark)} data-path={e.path.clone()} data-mark={mark.unwrap_or("")}
                                style={format!("--depth: {depth}")}>
                                if e.is_dir() {
                                    <button type="button" class="fs-toggle" aria-expanded={is_open.to_string()}
                                        aria-label={format!("{} {}", if is_open { "Close" } else { "Open" }, e.path)}
                                        onclick={toggle(e.path.clone())}>
                                        <span aria-hidden="true">{ if is_open { "▾" } else { "▸" } }</span>
                                    </button>
                                } else {
                                    <span class="fs-toggle-space" aria-hidden="true"></span>
                                }
                                <span class={classes!("fs-sign", mark)} aria-hidden="true">{ e.mark.map(|m| m.sign()).unwrap_or("") }</span>
                                if e.mark == Some(super::fs_tree::Mark::Removed) {
                                    <del class="fs-name" title={e.path.clone()}>{ name }</del>
                                } else {
                                    <code class="fs-name" title={e.path.clone()}>{ name }</code>
                                }
                                if let Some(target) = &e.target {
                                    <span class="fs-link muted">{ format!("→ {target}") }</span>
                                }
                                if let Some(mark) = mark {
                                    <span class="visually-hidden">{ format!(" ({mark})") }</span>
                                }
                                <span class="fs-size">{ size }</span>
                            </li>
                        }
                    }
                    Row::More { hidden, depth } => html! {
                        <li class="fs-row fs-more muted" style={format!("--depth: {depth}")}>
                            { format!("…and {hidden} more") }
                        </li>
                    },
                }) }
            </ul>
            if rows.is_empty() {
                <p class="muted small">{ "Empty: nothing in this filesystem yet (scratch, or an image whose contents are unknown)." }</p>
            }
            if cut > 0 {
                <p class="muted small">{ format!("{cut} more rows not drawn: close a directory to see the rest.") }</p>
            }
        </section>
    }
}
