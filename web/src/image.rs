//! The final image: its size, a bar per layer, the comparison with shipping the build
//! stage as is, badges for what it contains, and its files as a treemap (click a folder to
//! zoom in) and an expandable tree, both coloured by where each file came from.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use stagecraft_simulate::vfs::{Fs, Kind, Origin};
use stagecraft_simulate::StageResult;
use stagecraft_syntax::order::{sort_by, sort_by_key};
use yew::prelude::*;

use crate::state::{format_bytes, format_mb, Shared, View};
use crate::treemap::{self, Tile};

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
    /// The bytes under this path by origin, in the order of `ORIGINS`.
    pub origin_bytes: [u64; ORIGINS.len()],
}

/// Where files come from, as the tree, the treemap and their legend name them: the base
/// image, the build context, `COPY --from` a stage or an image, RUN, a downloaded URL.
pub const ORIGINS: [&str; 6] = ["base", "context", "stage", "image", "run", "remote"];

impl TreeEntry {
    /// The origin most of the bytes under this path come from (its own for an empty one).
    pub fn main_origin(&self) -> &'static str {
        let (at, bytes) = self
            .origin_bytes
            .iter()
            .enumerate()
            .fold(
                (0, 0),
                |best, (i, &b)| if b > best.1 { (i, b) } else { best },
            );
        if bytes == 0 {
            self.origin
        } else {
            ORIGINS[at]
        }
    }
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
        origin_bytes: [0; ORIGINS.len()],
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
            if let Some(o) = ORIGINS.iter().position(|&o| o == origin) {
                entry.origin_bytes[o] = node.size;
            }
        }
    }
    // Sizes bubble up: walk from the deepest paths (longest first) to the root.
    let mut order: Vec<usize> = (1..entries.len()).collect();
    sort_by_key(&mut order, |&i| {
        std::cmp::Reverse(entries[i].path.matches('/').count())
    });
    for i in order {
        let parent = parent_of(&entries[i].path);
        if let Some(&p) = index.get(parent) {
            let (bytes, by_origin) = (entries[i].bytes, entries[i].origin_bytes);
            entries[p].bytes += bytes;
            for (sum, b) in entries[p].origin_bytes.iter_mut().zip(by_origin) {
                *sum += b;
            }
        }
    }
    let sizes: Vec<u64> = entries.iter().map(|e| e.bytes).collect();
    let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    for entry in &mut entries {
        sort_by(&mut entry.children, |a, b| {
            sizes[*b]
                .cmp(&sizes[*a])
                .then_with(|| names[*a].cmp(&names[*b]))
        });
    }
    entries
}

/// The name of the entry standing for the bytes the image has but no listed path holds.
pub const UNITEMISED: &str = "(not itemised)";

/// A stage's files as the image panel shows them: [`build_tree`], plus one entry under
/// `/` for the bytes the image counts but no listed path holds (the part of the base image
/// the catalog does not list file by file), so the tree and the treemap add up to the
/// size shown above them. Bytes later layers deleted or replaced are not in it: the panel
/// reports those separately as wasted.
pub fn stage_tree(result: &StageResult) -> Vec<TreeEntry> {
    let mut tree = build_tree(&result.fs);
    let wasted: u64 = result.layers.iter().map(|l| l.wasted_bytes).sum();
    let listed = tree.first().map_or(0, |root| root.bytes);
    let rest = result.size_bytes.saturating_sub(listed + wasted);
    // Below a megabyte the difference is rounding in the catalog, not worth a cell.
    if rest < 1_000_000 || tree.is_empty() {
        return tree;
    }
    let base = ORIGINS.iter().position(|&o| o == "base").unwrap_or(0);
    let mut origin_bytes = [0; ORIGINS.len()];
    origin_bytes[base] = rest;
    let at = tree.len();
    tree.push(TreeEntry {
        path: format!("/{UNITEMISED}"),
        name: UNITEMISED.to_owned(),
        bytes: rest,
        kind: Kind::Tree,
        origin: "base",
        origin_title: format!(
            "the rest of the base image {}: the catalog gives its size, not each file",
            result.base.reference
        ),
        children: Vec::new(),
        origin_bytes,
    });
    tree[0].bytes += rest;
    tree[0].origin_bytes[base] += rest;
    tree[0].children.push(at);
    let order: Vec<(u64, String)> = tree.iter().map(|e| (e.bytes, e.name.clone())).collect();
    sort_by(&mut tree[0].children, |a, b| {
        order[*b]
            .0
            .cmp(&order[*a].0)
            .then_with(|| order[*a].1.cmp(&order[*b].1))
    });
    tree
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
        origin_bytes: [0; ORIGINS.len()],
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
            .map(stage_tree)
            .unwrap_or_default()
    });
    // A BTreeSet, as the step-through's file tree keeps its open folders: one set type
    // (and one state hook for it) in the page, not a hash set's code besides.
    let open = use_state(BTreeSet::<String>::new);
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
                { for ORIGINS.iter().map(|o| html! {
                    <span class={classes!("origin", *o)} title={origin_meaning(o)}>{ *o }</span>
                }) }
            </p>
            <Treemap files={Files(tree.clone())} />
            <ul class="tree" role="tree" aria-label="Files in the image">
                { for root.children.iter().map(|&i| tree_item(&tree, i, &open, &toggle)) }
            </ul>
        </>
    }
}

fn tree_item(
    tree: &Rc<Vec<TreeEntry>>,
    i: usize,
    open: &BTreeSet<String>,
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
    // A folder is labelled, like its treemap cell, by where most of its bytes came from.
    let (origin, origin_title) = if has_children && entry.bytes > 0 {
        (entry.main_origin(), origin_mix(entry))
    } else {
        (entry.origin, entry.origin_title.clone())
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
                <span class={classes!("origin", origin)} title={origin_title}>{ origin }</span>
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

/// What each origin means, for the legend's tooltips.
fn origin_meaning(origin: &str) -> &'static str {
    match origin {
        "base" => "from the base image",
        "context" => "copied from the build context",
        "stage" => "COPY --from another stage",
        "image" => "COPY --from an image",
        "run" => "made by RUN",
        _ => "downloaded by ADD from a URL",
    }
}

/// The tree as a prop, compared by identity (it is rebuilt only with a new analysis).
#[derive(Clone)]
struct Files(Rc<Vec<TreeEntry>>);

impl PartialEq for Files {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
struct TreemapProps {
    files: Files,
}

/// The treemap's box, in the units of its layout; drawn with percentages in a box of the
/// same aspect ratio (the stylesheet's), so areas stay in proportion at any width.
pub const TREEMAP_BOX: (f64, f64) = (1000.0, 600.0);
/// A cell this big (in box units) gets its name; twice as tall, its size too.
const LABEL_MIN: (f64, f64) = (90.0, 56.0);
/// A folder's cell this big shows its own entries inside, under its label, so the map
/// reads two levels deep.
const NEST_MIN: (f64, f64) = (150.0, 150.0);
/// Room a nested map leaves for the label above it and the origin strip below, in box
/// units (the stylesheet's `.tm-nest` insets match at the usual panel widths).
const NEST_INSET: (f64, f64) = (12.0, 62.0);

/// The folder `path` as the chain of entries from `/` down to it (as far as it exists:
/// after an edit the folder may be gone, and the deepest one left is shown).
pub fn folder_chain(tree: &[TreeEntry], path: &str) -> Vec<usize> {
    let mut chain = vec![0];
    if tree.is_empty() {
        return Vec::new();
    }
    while let Some(&at) = chain.last() {
        let here = &tree[at];
        if here.path == path {
            break;
        }
        let below = |child: &TreeEntry| {
            path.strip_prefix(child.path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        match here.children.iter().find(|&&c| {
            tree.get(c)
                .is_some_and(|e| below(e) && !e.children.is_empty())
        }) {
            Some(&c) => chain.push(c),
            None => break,
        }
    }
    chain
}

/// One folder of the image as a squarified treemap: a cell per entry, its area its bytes,
/// coloured by where most of its bytes came from. A folder's cell zooms into it; the
/// breadcrumb goes back up. Every cell is focusable and describes itself below the map.
#[function_component]
fn Treemap(props: &TreemapProps) -> Html {
    let tree = &props.files.0;
    let folder = use_state(|| "/".to_owned());
    let described = use_state(|| None::<usize>);
    let chain = folder_chain(tree, &folder);
    let Some(&at) = chain.last() else {
        return html! {};
    };
    let dir = &tree[at];
    let sizes: Vec<u64> = dir.children.iter().map(|&c| tree[c].bytes).collect();
    let (bw, bh) = TREEMAP_BOX;
    let cells = treemap::squarify(
        &sizes,
        treemap::Rect {
            x: 0.0,
            y: 0.0,
            width: bw,
            height: bh,
        },
        treemap::Limits::default(),
    );
    let empty = sizes.iter().filter(|&&b| b == 0).count();
    let open = |path: String| {
        let folder = folder.clone();
        let described = described.clone();
        Callback::from(move |_: MouseEvent| {
            described.set(None);
            folder.set(path.clone());
        })
    };
    let describe = |what: Option<usize>| {
        let described = described.clone();
        Callback::from(move |_: FocusEvent| described.set(what))
    };
    let hover = |what: Option<usize>| {
        let described = described.clone();
        Callback::from(move |_: MouseEvent| described.set(what))
    };
    let crumbs = chain.iter().enumerate().map(|(depth, &i)| {
        let entry = &tree[i];
        let name = if i == 0 { "/".to_owned() } else { entry.name.clone() };
        let sep = (depth > 0).then(|| html! { <span class="tm-sep" aria-hidden="true">{ "›" }</span> });
        if depth + 1 == chain.len() {
            html! { <>{ sep }<span class="tm-crumb current" aria-current="location">{ name }</span></> }
        } else {
            html! {
                <>{ sep }<button type="button" class="tm-crumb" onclick={open(entry.path.clone())}
                    aria-label={format!("Back to {}", entry.path)}>{ name }</button></>
            }
        }
    });
    let cell_views = cells.iter().map(|cell| {
        let r = cell.rect;
        let style = format!(
            "left: {:.3}%; top: {:.3}%; width: {:.3}%; height: {:.3}%",
            r.x / bw * 100.0,
            r.y / bh * 100.0,
            r.width / bw * 100.0,
            r.height / bh * 100.0
        );
        let labelled = r.width >= LABEL_MIN.0 && r.height >= LABEL_MIN.1;
        let sized = labelled && r.height >= 2.0 * LABEL_MIN.1;
        let share = if dir.bytes > 0 {
            cell.bytes as f64 / dir.bytes as f64 * 100.0
        } else {
            0.0
        };
        match cell.tile {
            Tile::Entry(k) => {
                let Some(entry) = dir.children.get(k).and_then(|&c| tree.get(c)) else {
                    return html! {};
                };
                let origin = entry.main_origin();
                let is_dir = !entry.children.is_empty();
                let label = if is_dir { format!("{}/", entry.name) } else { entry.name.clone() };
                let title = cell_title(entry, share);
                let class = classes!("tm-cell", origin, if is_dir { "dir" } else { "file" },
                    (!labelled).then_some("tiny"));
                let content = html! {
                    <>
                        if labelled {
                            <span class="tm-name">{ label }</span>
                        }
                        if sized {
                            <span class="tm-size">{ format_bytes(entry.bytes) }</span>
                        }
                        if is_dir {
                            <span class="tm-mix" aria-hidden="true">
                                { for entry.origin_bytes.iter().zip(ORIGINS).filter(|(b, _)| **b > 0).map(|(b, o)| html! {
                                    <span class={o} style={format!("width: {:.2}%", *b as f64 / entry.bytes.max(1) as f64 * 100.0)}></span>
                                }) }
                            </span>
                        }
                    </>
                };
                let nested = if is_dir && r.width >= NEST_MIN.0 && r.height >= NEST_MIN.1 {
                    nested_cells(tree, entry, r)
                } else {
                    html! {}
                };
                let index = Some(dir.children[k]);
                if is_dir {
                    html! {
                        <button type="button" {class} {style} {title} aria-label={format!("Open {}", cell_title(entry, share))}
                            data-path={entry.path.clone()} data-origin={origin} data-bytes={entry.bytes.to_string()}
                            onclick={open(entry.path.clone())} onfocus={describe(index)} onmouseenter={hover(index)}>
                            { content }
                            { nested }
                        </button>
                    }
                } else {
                    html! {
                        <div {class} {style} {title} role="img" tabindex="0" aria-label={cell_title(entry, share)}
                            data-path={entry.path.clone()} data-origin={origin} data-bytes={entry.bytes.to_string()}
                            onfocus={describe(index)} onmouseenter={hover(index)}>
                            { content }
                        </div>
                    }
                }
            }
            Tile::More { count } => {
                let title = format!("{count} more entries, {} ({share:.0}%)", format_bytes(cell.bytes));
                html! {
                    <div class={classes!("tm-cell", "more", (!labelled).then_some("tiny"))} {style}
                        title={title.clone()} role="img" tabindex="0" aria-label={title}>
                        if labelled {
                            <span class="tm-name">{ format!("{count} more") }</span>
                        }
                        if sized {
                            <span class="tm-size">{ format_bytes(cell.bytes) }</span>
                        }
                    </div>
                }
            }
        }
    });
    let detail = match described.and_then(|i| tree.get(i)) {
        Some(entry) => {
            let share = if dir.bytes > 0 {
                entry.bytes as f64 / dir.bytes as f64 * 100.0
            } else {
                0.0
            };
            cell_title(entry, share)
        }
        None if cells.is_empty() => String::new(),
        None => format!(
            "{} in {}{}. Click a folder to zoom in.",
            format_bytes(dir.bytes),
            dir.path,
            match empty {
                0 => String::new(),
                1 => " (1 empty entry not drawn)".to_owned(),
                n => format!(" ({n} empty entries not drawn)"),
            }
        ),
    };
    html! {
        <div class="treemap-panel">
            <nav class="tm-crumbs" aria-label="Treemap folder">{ for crumbs }</nav>
            if cells.is_empty() {
                <p class="empty">{ format!("Nothing to draw: {} holds no bytes.", dir.path) }</p>
            } else {
                <div class="treemap" role="group" aria-label={format!("Treemap of {} (the tree below lists the same files)", dir.path)}
                    onmouseleave={hover(None)} data-folder={dir.path.clone()}>
                    { for cell_views }
                </div>
            }
            <p class="tm-detail muted small" aria-live="polite">{ detail }</p>
        </div>
    }
}

/// The entries of the folder `entry`, drawn inside its cell `outer` (box units): faint,
/// unlabelled, each with its tooltip; a click goes to the folder's cell.
fn nested_cells(tree: &[TreeEntry], entry: &TreeEntry, outer: treemap::Rect) -> Html {
    let inner = treemap::Rect {
        x: 0.0,
        y: 0.0,
        width: outer.width - NEST_INSET.0,
        height: outer.height - NEST_INSET.1,
    };
    let sizes: Vec<u64> = entry.children.iter().map(|&c| tree[c].bytes).collect();
    let limits = treemap::Limits {
        max_cells: 24,
        min_share: 0.01,
    };
    let cells = treemap::squarify(&sizes, inner, limits);
    let subs = cells.iter().map(|cell| {
        let r = cell.rect;
        let style = format!(
            "left: {:.3}%; top: {:.3}%; width: {:.3}%; height: {:.3}%",
            r.x / inner.width * 100.0,
            r.y / inner.height * 100.0,
            r.width / inner.width * 100.0,
            r.height / inner.height * 100.0
        );
        let share = cell.bytes as f64 / entry.bytes.max(1) as f64 * 100.0;
        match cell.tile {
            Tile::Entry(k) => match entry.children.get(k).and_then(|&c| tree.get(c)) {
                Some(child) => html! {
                    <span class={classes!("tm-sub", child.main_origin())} {style} title={cell_title(child, share)}></span>
                },
                None => html! {},
            },
            Tile::More { count } => html! {
                <span class="tm-sub more" {style}
                    title={format!("{count} more entries, {} ({share:.0}%)", format_bytes(cell.bytes))}></span>
            },
        }
    });
    html! { <span class="tm-nest" aria-hidden="true">{ for subs }</span> }
}

/// A folder's bytes by origin, biggest share first: `base 90%, run 10%`.
fn origin_mix(entry: &TreeEntry) -> String {
    let mut parts: Vec<(u64, &str)> = entry
        .origin_bytes
        .iter()
        .zip(ORIGINS)
        .filter(|(b, _)| **b > 0)
        .map(|(b, o)| (*b, o))
        .collect();
    sort_by_key(&mut parts, |&(bytes, _)| std::cmp::Reverse(bytes));
    let total = entry.bytes.max(1) as f64;
    parts
        .iter()
        .map(|(b, o)| format!("{o} {:.0}%", *b as f64 / total * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell's tooltip: its path, size, share of the folder and where it came from.
fn cell_title(entry: &TreeEntry, share: f64) -> String {
    let origin = if entry.children.is_empty() {
        entry.origin_title.clone()
    } else {
        origin_mix(entry)
    };
    format!(
        "{} · {} ({share:.0}%){}",
        entry.path,
        format_bytes(entry.bytes),
        if origin.is_empty() {
            String::new()
        } else {
            format!(" · {origin}")
        }
    )
}

#[cfg(test)]
mod tests;
