//! The final image: its size, a bar per layer, the comparison with shipping the build
//! stage as is, badges for what it contains, and its files as an expandable tree.

use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

use stagecraft_simulate::vfs::{Fs, Kind, Origin};
use yew::prelude::*;

use crate::state::{format_bytes, format_mb, Shared, View};

#[derive(Properties, PartialEq)]
pub struct ImagePanelProps {
    pub view: Shared,
}

#[function_component]
pub fn ImagePanel(props: &ImagePanelProps) -> Html {
    let view = &props.view;
    let Some(image) = &view.image else {
        let why = if !view.simulated {
            "The simulated build is off for files this long, so there is no image estimate."
        } else if view.analysis.stages.is_empty() {
            "No image yet: a Dockerfile starts with FROM."
        } else {
            "The target stage could not be simulated."
        };
        return html! { <p class="empty">{ why }</p> };
    };
    let target_label = view.stage_label(image.stage);
    let comparison = comparison(view, image.stage);
    let max_layer = image
        .layers
        .iter()
        .map(|l| l.size_mb)
        .fold(image.base_mb, f64::max)
        .max(0.01);
    let layer_rows = std::iter::once(html! {
        <li class="layer base-layer">
            <span class="layer-what">{ format!("base image {}", image.base) }</span>
            <span class="bar"><span class="fill" style={width(image.base_mb, max_layer)}></span></span>
            <span class="layer-size">{ format_mb(image.base_mb) }</span>
        </li>
    })
    .chain(image.layers.iter().map(|l| {
        html! {
            <li class="layer" title={l.created_by.clone()}>
                <span class="layer-what">
                    <span class="layer-line">{ format!("line {}", l.line) }</span>
                    { " " }{ short(&l.created_by, 60) }
                </span>
                <span class="bar">
                    <span class="fill" style={width(l.size_mb, max_layer)}></span>
                    if l.wasted_mb > 0.0 {
                        <span class="waste" style={width(l.wasted_mb, max_layer)}
                            title={format!("{} of earlier layers deleted or replaced here, still shipped", format_mb(l.wasted_mb))}></span>
                    }
                </span>
                <span class="layer-size">
                    { format_mb(l.size_mb) }
                    if l.wasted_mb > 0.0 {
                        <span class="wasted-note">{ format!(" +{} wasted", format_mb(l.wasted_mb)) }</span>
                    }
                </span>
            </li>
        }
    }));

    let command = if image.command.is_empty() {
        "none".to_owned()
    } else {
        image.command.join(" ")
    };
    let badges = [
        badge(
            "shell",
            if image.has_shell { "yes" } else { "none" },
            image.has_shell,
        ),
        badge(
            "package manager",
            image.package_manager.as_deref().unwrap_or("none"),
            image.package_manager.is_some(),
        ),
        badge(
            "user",
            &image.user,
            image.user == "root" || image.user == "0",
        ),
        badge(
            "toolchains",
            &if image.toolchains.is_empty() {
                "none".to_owned()
            } else {
                image.toolchains.join(", ")
            },
            !image.toolchains.is_empty(),
        ),
        badge(
            "source code",
            &if image.source_code.is_empty() {
                "none".to_owned()
            } else {
                format!("{} files", image.source_code.len())
            },
            !image.source_code.is_empty(),
        ),
        badge(
            "ports",
            &if image.exposed_ports.is_empty() {
                "none".to_owned()
            } else {
                image.exposed_ports.join(", ")
            },
            false,
        ),
        badge("command", &command, image.command.is_empty()),
    ];

    html! {
        <div class="image-panel">
            <div class="image-head">
                <p class="image-size" data-image-size-mb={format!("{:.2}", image.size_mb)}>
                    <span class="big">{ format_mb(image.size_mb) }</span>
                    <span class="muted">{ format!(" · about {} to pull · target {}", format_mb(image.compressed_mb), target_label) }</span>
                </p>
                if let Some(note) = &image.base_note {
                    <p class="muted small">{ format!("Base {}: {note}", image.base) }</p>
                }
            </div>
            if let Some((label, build_bytes)) = comparison {
                <Comparison
                    this_mb={image.size_mb}
                    build_label={label}
                    build_mb={build_bytes as f64 / 1e6}
                />
            }
            <ul class="badges" aria-label="What the image contains">{ for badges }</ul>
            <h3>{ "Layers" }</h3>
            <ol class="layers">{ for layer_rows }</ol>
            if image.wasted_mb > 0.0 {
                <p class="warning-text">{ format!("{} shipped but deleted or replaced by later layers.", format_mb(image.wasted_mb)) }</p>
            }
            <h3>{ "Files" }</h3>
            if let Some(result) = view.stage_result(image.stage) {
                <FileTree view={props.view.clone()} stage={result.index} />
            }
        </div>
    }
}

/// The stage the target copies most bytes from, or the first stage: what you would ship
/// without the final stage's fresh base.
fn comparison(view: &View, target: usize) -> Option<(String, u64)> {
    let mut by_source: BTreeMap<usize, u64> = BTreeMap::new();
    for step in view.steps.iter().filter(|s| s.stage == target) {
        if let Some(from) = step
            .transfer
            .as_ref()
            .and_then(|t| t.from_stage.map(|s| (s, t.bytes)))
        {
            *by_source.entry(from.0).or_default() += from.1;
        }
    }
    let source = by_source
        .iter()
        .max_by_key(|(_, bytes)| **bytes)
        .map(|(s, _)| *s)
        .or((target != 0).then_some(0))?;
    if source == target {
        return None;
    }
    let result = view.stage_result(source)?;
    Some((view.stage_label(source), result.size_bytes))
}

#[derive(Properties, PartialEq)]
struct ComparisonProps {
    this_mb: f64,
    build_label: String,
    build_mb: f64,
}

#[function_component]
fn Comparison(props: &ComparisonProps) -> Html {
    let max = props.this_mb.max(props.build_mb).max(0.01);
    let verdict = if props.this_mb > 0.0 && props.build_mb > props.this_mb {
        format!(
            "{:.0}× smaller than shipping “{}” as is",
            props.build_mb / props.this_mb,
            props.build_label
        )
    } else {
        format!("not smaller than shipping “{}” as is", props.build_label)
    };
    html! {
        <figure class="comparison">
            <figcaption>{ verdict }</figcaption>
            <div class="cmp-row">
                <span class="cmp-label">{ "this image" }</span>
                <span class="bar"><span class="fill ok" style={width(props.this_mb, max)}></span></span>
                <span class="cmp-size">{ format_mb(props.this_mb) }</span>
            </div>
            <div class="cmp-row">
                <span class="cmp-label">{ format!("“{}” as is", props.build_label) }</span>
                <span class="bar"><span class="fill big" style={width(props.build_mb, max)}></span></span>
                <span class="cmp-size">{ format_mb(props.build_mb) }</span>
            </div>
        </figure>
    }
}

fn badge(name: &str, value: &str, flagged: bool) -> Html {
    html! {
        <li class={classes!("badge", flagged.then_some("flagged"))}>
            <span class="badge-name">{ name }</span>
            <span class="badge-value" title={value.to_owned()}>{ short(value, 40) }</span>
        </li>
    }
}

fn width(value: f64, max: f64) -> String {
    format!("width: {:.1}%", (value / max * 100.0).clamp(0.0, 100.0))
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// One path of the tree, with the bytes of everything under it.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeEntry {
    pub path: String,
    pub name: String,
    pub bytes: u64,
    pub kind: Kind,
    pub origin: &'static str,
    pub origin_title: String,
    pub children: Vec<usize>,
}

/// The filesystem as a tree: entry 0 is `/`; children sorted biggest first.
pub fn build_tree(fs: &Fs) -> Vec<TreeEntry> {
    let mut entries = vec![TreeEntry {
        path: "/".to_owned(),
        name: "/".to_owned(),
        bytes: 0,
        kind: Kind::Dir,
        origin: "base",
        origin_title: String::new(),
        children: Vec::new(),
    }];
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    index.insert("/".to_owned(), 0);
    for (path, node) in fs.iter() {
        if path == "/" {
            continue;
        }
        let (origin, origin_title) = origin_label(&node.origin);
        let at = ensure(&mut entries, &mut index, path);
        let entry = &mut entries[at];
        entry.kind = node.kind;
        entry.origin = origin;
        entry.origin_title = origin_title;
        if !matches!(node.kind, Kind::Dir) {
            entry.bytes = node.size;
        }
    }
    // Sizes bubble up: walk from the deepest paths (longest first) to the root.
    let mut order: Vec<usize> = (1..entries.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(entries[i].path.matches('/').count()));
    for i in order {
        let parent = parent_of(&entries[i].path);
        if let Some(&p) = index.get(parent) {
            let bytes = entries[i].bytes;
            entries[p].bytes += bytes;
        }
    }
    let sizes: Vec<u64> = entries.iter().map(|e| e.bytes).collect();
    let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    for entry in &mut entries {
        entry.children.sort_by(|a, b| {
            sizes[*b]
                .cmp(&sizes[*a])
                .then_with(|| names[*a].cmp(&names[*b]))
        });
    }
    entries
}

fn ensure(entries: &mut Vec<TreeEntry>, index: &mut BTreeMap<String, usize>, path: &str) -> usize {
    if let Some(&i) = index.get(path) {
        return i;
    }
    let parent = ensure(entries, index, parent_of(path));
    let i = entries.len();
    entries.push(TreeEntry {
        path: path.to_owned(),
        name: path.rsplit('/').next().unwrap_or(path).to_owned(),
        bytes: 0,
        kind: Kind::Dir,
        origin: "base",
        origin_title: String::new(),
        children: Vec::new(),
    });
    entries[parent].children.push(i);
    index.insert(path.to_owned(), i);
    i
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn origin_label(origin: &Origin) -> (&'static str, String) {
    match origin {
        Origin::Base { image } => ("base", format!("from the base image {image}")),
        Origin::Context => ("context", "copied from the build context".to_owned()),
        Origin::Stage { stage } => ("stage", format!("copied from stage {stage}")),
        Origin::Image { image } => ("image", format!("copied from the image {image}")),
        Origin::Run => ("run", "made by a RUN instruction".to_owned()),
        Origin::Remote { url } => ("remote", format!("downloaded from {url}")),
    }
}

#[derive(Properties, PartialEq)]
struct FileTreeProps {
    view: Shared,
    stage: usize,
}

/// The tree, with the top level open; each folder opens and closes with its button.
#[function_component]
fn FileTree(props: &FileTreeProps) -> Html {
    let tree = use_memo((props.view.clone(), props.stage), |(view, stage)| {
        view.stage_result(*stage)
            .map(|r| build_tree(&r.fs))
            .unwrap_or_default()
    });
    let open = use_state(HashSet::<String>::new);
    let toggle = {
        let open = open.clone();
        Callback::from(move |path: String| {
            let mut next = (*open).clone();
            if !next.remove(&path) {
                next.insert(path);
            }
            open.set(next);
        })
    };
    let Some(root) = tree.first() else {
        return html! {};
    };
    html! {
        <>
            <p class="legend-inline">
                { "Origin: " }
                { for ["base", "context", "stage", "image", "run", "remote"].iter().map(|o| html! {
                    <span class={classes!("origin", *o)}>{ *o }</span>
                }) }
            </p>
            <ul class="tree" role="tree" aria-label="Files in the image">
                { for root.children.iter().map(|&i| tree_item(&tree, i, &open, &toggle)) }
            </ul>
        </>
    }
}

fn tree_item(
    tree: &Rc<Vec<TreeEntry>>,
    i: usize,
    open: &HashSet<String>,
    toggle: &Callback<String>,
) -> Html {
    let Some(entry) = tree.get(i) else {
        return html! {};
    };
    let has_children = !entry.children.is_empty();
    let expanded = has_children && open.contains(&entry.path);
    let onclick = {
        let toggle = toggle.clone();
        let path = entry.path.clone();
        Callback::from(move |_: MouseEvent| toggle.emit(path.clone()))
    };
    let name = if matches!(entry.kind, Kind::Dir | Kind::Tree) && !entry.name.ends_with('/') {
        format!("{}/", entry.name)
    } else {
        entry.name.clone()
    };
    html! {
        <li role="treeitem" aria-expanded={has_children.then(|| expanded.to_string())}>
            <div class="tree-row">
                if has_children {
                    <button type="button" class="tree-toggle" {onclick} aria-label={format!("{} {}", if expanded { "Close" } else { "Open" }, entry.path)}>
                        { if expanded { "▾" } else { "▸" } }
                    </button>
                } else {
                    <span class="tree-leaf" aria-hidden="true">{ "·" }</span>
                }
                <span class="tree-name" title={entry.path.clone()}>{ name }</span>
                <span class={classes!("origin", entry.origin)} title={entry.origin_title.clone()}>{ entry.origin }</span>
                <span class="tree-size">{ format_bytes(entry.bytes) }</span>
            </div>
            if expanded {
                <ul role="group">
                    { for entry.children.iter().map(|&c| tree_item(tree, c, open, toggle)) }
                </ul>
            }
        </li>
    }
}
