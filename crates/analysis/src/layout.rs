//! The stage graph laid out in layers (stages in build order, few crossings) and drawn as
//! SVG, for the CLI and the web app alike.
//!
//! [`layout`] places one node per stage and one per distinct external image (a base,
//! `COPY --from=<image>` or `RUN --mount from=<image>`; `scratch` is the empty image and
//! gets no node) in the Sugiyama style:
//!
//! 1. **Ranks.** A stage's rank is the longest path from the stages it needs, so a
//!    stage always comes after everything it needs and the ranks of built stages are
//!    exactly their parallel build levels. An image sits one rank before its first user.
//!    Stages caught in a dependency cycle (an error the analysis reports) are ranked as
//!    if the cycle were cut at its earliest stage.
//! 2. **Long edges** are split by dummy nodes, one per rank they pass, so they bend around
//!    the nodes in between (within a budget; beyond it they are drawn directly).
//! 3. **Order.** Within each rank nodes start in file order, then barycenter sweeps down
//!    and up (a bounded number, with adjacent swaps on small graphs) reduce crossings;
//!    the order with the fewest crossings wins, so the result is never worse than file
//!    order.
//! 4. **Coordinates.** Each rank is placed as close as possible to the mean position of
//!    its neighbours without overlapping (an isotonic regression, linear per rank), a few
//!    passes down and up; edges leave and enter at ports spread along the node sides and
//!    are cubic curves ending at the node borders.
//!
//! [`to_svg`] draws a layout as a standalone SVG with CSS classes for the web app to
//! style, light and dark themes, a legend and faint bands captioned with the parallel
//! build level. All text is XML-escaped. Everything is deterministic and does no IO.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::{Analysis, EdgeKind, Stage};

/// Which way build order reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Ranks are columns, earliest on the left.
    #[default]
    LeftToRight,
    /// Ranks are rows, earliest at the top.
    TopToBottom,
}

/// What to lay out besides the analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayoutOptions {
    pub direction: Direction,
    /// Size in bytes of each stage's result, by stage index (the simulator's per-stage
    /// sizes); shown as a third line (`182.5 MB`).
    pub stage_sizes: BTreeMap<usize, u64>,
}

/// A laid-out stage graph, in user units (pixels at 100%).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    pub direction: Direction,
    pub width: f64,
    pub height: f64,
    /// Stages in stage order, then images in order of first use.
    pub nodes: Vec<LayoutNode>,
    /// One per (source, dependent, kind), in the analysis' order.
    pub edges: Vec<LayoutEdge>,
    /// One band per rank that holds a stage, captioned with the build level.
    pub bands: Vec<LayoutBand>,
    /// The edge kinds the graph uses, with what each means.
    pub legend: Vec<(EdgeKind, &'static str)>,
    /// Edge crossings between adjacent ranks in the chosen order.
    pub crossings: usize,
}

/// A stage or an image, as a box.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutNode {
    /// `s0`, `s1`… for stages, `img0`, `img1`… for images (the ids of
    /// [`crate::export`]).
    pub id: String,
    pub kind: NodeKind,
    /// The layer: 0 is drawn first (left or top).
    pub rank: usize,
    /// Top-left corner.
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// The text lines drawn in the box (long ones shortened with `…`).
    pub lines: Vec<String>,
    /// The full description, for a tooltip.
    pub tooltip: String,
}

/// What a node stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NodeKind {
    Stage {
        index: usize,
        /// Whether building the target builds this stage.
        built: bool,
        target: bool,
        /// The parallel build level, for built stages.
        level: Option<usize>,
    },
    Image {
        reference: String,
        /// Whether a built stage uses the image (otherwise the build never pulls it).
        used_by_built: bool,
    },
}

/// One dependency, drawn from the node depended on to the stage that depends on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// Whether the dependent stage is built for the target.
    pub built: bool,
    /// The route: the source port, where the edge crosses each rank in between (entry
    /// and exit), the target port on the node border.
    pub points: Vec<(f64, f64)>,
    /// SVG path data through `points` (cubic curves between ranks).
    pub path: String,
}

/// The area of one rank.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutBand {
    pub rank: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// The parallel build level of the built stages in this rank.
    pub level: Option<usize>,
    /// `level N`, when the rank holds a built stage.
    pub label: Option<String>,
}

/// Light, dark, or following the viewer's `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

/// How to draw a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgOptions {
    pub theme: Theme,
    /// Draw the legend under the graph.
    pub legend: bool,
    /// The root element's id, which scopes the stylesheet and prefixes marker ids, so
    /// several graphs can sit inline in one page. Letters, digits, `-` and `_` only
    /// (others become `-`).
    pub id_prefix: String,
    /// The SVG's `<title>`; a summary of the graph when `None`.
    pub title: Option<String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            theme: Theme::Auto,
            legend: true,
            id_prefix: "stagecraft-graph".to_string(),
            title: None,
        }
    }
}

// Geometry, in user units.
/// Approximate advance of a 13 px semibold sans-serif character (stage names).
const TITLE_CHAR: f64 = 7.8;
/// Advance of a 12 px monospace character (bases, images, sizes).
const MONO_CHAR: f64 = 7.2;
const LINE: f64 = 17.0;
const PAD_X: f64 = 14.0;
const PAD_Y: f64 = 9.0;
const MIN_STAGE_WIDTH: f64 = 96.0;
const MIN_IMAGE_WIDTH: f64 = 64.0;
const IMAGE_HEIGHT: f64 = 30.0;
/// Longer lines are shortened with `…` (the tooltip keeps the whole text).
const MAX_LABEL_CHARS: usize = 40;
const MARGIN: f64 = 20.0;
/// Room above the graph for band captions (left to right).
const CAPTION: f64 = 22.0;
/// Room left of the graph for band captions (top to bottom).
const GUTTER: f64 = 64.0;
const RANK_GAP_LR: f64 = 80.0;
const RANK_GAP_TB: f64 = 64.0;
const NODE_GAP: f64 = 22.0;
/// Distance kept between an edge passing through a rank and its neighbours.
const LANE_GAP: f64 = 10.0;
const PORT_STEP: f64 = 9.0;
const BAND_PAD: f64 = 10.0;
/// One row of the legend.
const LEGEND_ROW: f64 = 28.0;
/// The legend wraps at the graph's width, but not narrower than this.
const LEGEND_MIN_WIDTH: f64 = 420.0;

// Work bounds.
/// Dummy nodes for long edges, in total; longer edges beyond it are drawn directly.
const DUMMY_BUDGET: usize = 10_000;
/// Down-and-up barycenter sweeps.
const MAX_SWEEPS: usize = 6;
/// Past this many nodes (dummies included), half as many sweeps and placement passes: a graph that size is
/// read by zooming in, and the time is better spent elsewhere.
const BIG_GRAPH: usize = 5_000;
/// Adjacent swaps only on graphs with at most this many nodes (dummies included).
const TRANSPOSE_LIMIT: usize = 400;
const PLACE_PASSES: usize = 4;

/// Lays out the stage graph of `analysis`.
pub fn layout(analysis: &Analysis, options: &LayoutOptions) -> Layout {
    build(analysis, options).0
}

/// The layout and the crossings of file order, for the tests.
fn build(analysis: &Analysis, options: &LayoutOptions) -> (Layout, usize) {
    let graph = collect(analysis, options);
    let direction = options.direction;
    let mut layered = Layered::new(&graph, direction);
    let initial = layered.total_crossings();
    let crossings = layered.order(initial);
    let centers = layered.place();
    let layout = geometry(analysis, &graph, &layered, &centers, direction, crossings);
    (layout, initial)
}

// ---------------------------------------------------------------------------------------
// The graph to draw.

struct Real {
    id: String,
    kind: NodeKind,
    lines: Vec<String>,
    tooltip: String,
    width: f64,
    height: f64,
}

struct GraphEdge {
    /// Real node indexes: stages first, then images.
    from: usize,
    to: usize,
    kind: EdgeKind,
    built: bool,
}

struct Graph {
    reals: Vec<Real>,
    stage_count: usize,
    edges: Vec<GraphEdge>,
}

fn stage_title(stage: &Stage) -> String {
    match &stage.name {
        Some(name) => name.clone(),
        None => format!("stage {}", stage.index),
    }
}

fn shorten(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= MAX_LABEL_CHARS {
        clean
    } else {
        let mut short: String = clean.chars().take(MAX_LABEL_CHARS - 1).collect();
        short.push('…');
        short
    }
}

/// Bytes as the simulator prints them: decimal units, MB = 10^6 bytes.
pub fn format_size(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1_000 {
        format!("{bytes} B")
    } else if bytes < 100_000 {
        format!("{:.1} kB", b / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

fn text_width(line: &str, char_width: f64) -> f64 {
    line.chars().count() as f64 * char_width
}

fn collect(analysis: &Analysis, options: &LayoutOptions) -> Graph {
    let stages = &analysis.stages;
    let n = stages.len();
    let target_title = analysis.target.and_then(|t| stages.get(t)).map(stage_title);

    // Images numbered as `export` numbers them (in order of first use), so ids agree;
    // `scratch` keeps its number but gets no node.
    let mut image_numbers: BTreeMap<&str, usize> = BTreeMap::new();
    let mut image_nodes: Vec<(usize, &str)> = Vec::new();
    let mut image_real: BTreeMap<&str, usize> = BTreeMap::new();
    for edge in &analysis.edges {
        let Some(image) = edge
            .from_image
            .as_deref()
            .filter(|_| edge.from_stage.is_none())
        else {
            continue;
        };
        if image_numbers.contains_key(image) {
            continue;
        }
        let number = image_numbers.len();
        image_numbers.insert(image, number);
        if !image.eq_ignore_ascii_case("scratch") {
            image_real.insert(image, n + image_nodes.len());
            image_nodes.push((number, image));
        }
    }

    let built = |stage: usize| stages.get(stage).is_some_and(|s| s.built);
    let mut seen = BTreeSet::new();
    let mut edges = Vec::new();
    for edge in &analysis.edges {
        if edge.to_stage >= n {
            continue;
        }
        let from = match (edge.from_stage, edge.from_image.as_deref()) {
            (Some(stage), _) if stage < n && stage != edge.to_stage => stage,
            (Some(_), _) => continue,
            (None, Some(image)) => match image_real.get(image) {
                Some(&real) => real,
                None => continue,
            },
            (None, None) => continue,
        };
        if seen.insert((from, edge.to_stage, edge.kind)) {
            edges.push(GraphEdge {
                from,
                to: edge.to_stage,
                kind: edge.kind,
                built: built(edge.to_stage),
            });
        }
    }

    let mut reals = Vec::with_capacity(n + image_nodes.len());
    for stage in stages {
        let title = stage_title(stage);
        let base = if stage.base.is_empty() {
            "(no base)".to_string()
        } else {
            stage.base.clone()
        };
        let target = analysis.target == Some(stage.index);
        let mut lines = vec![shorten(&title), shorten(&format!("FROM {base}"))];
        if let Some(&bytes) = options.stage_sizes.get(&stage.index) {
            lines.push(format_size(bytes));
        }
        let mut tooltip = format!("{title}: FROM {base}, line {}", stage.line);
        if let Some(platform) = &stage.platform {
            let _ = write!(tooltip, ", platform {platform}");
        }
        match (stage.built, stage.level) {
            (true, Some(level)) => {
                let _ = write!(tooltip, "; builds at level {level}");
            }
            (true, None) => tooltip.push_str("; built"),
            (false, _) => match &target_title {
                Some(t) => {
                    let _ = write!(tooltip, "; skipped: not needed to build the target {t}");
                }
                None => tooltip.push_str("; skipped: not needed to build the target"),
            },
        }
        if target {
            tooltip.push_str("; the target");
        }
        let width = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                text_width(line, if i == 0 { TITLE_CHAR } else { MONO_CHAR }) + 2.0 * PAD_X
            })
            .fold(MIN_STAGE_WIDTH, f64::max);
        let height = 2.0 * PAD_Y + lines.len() as f64 * LINE;
        reals.push(Real {
            id: format!("s{}", stage.index),
            kind: NodeKind::Stage {
                index: stage.index,
                built: stage.built,
                target,
                level: stage.level,
            },
            lines,
            tooltip,
            width: width.ceil(),
            height,
        });
    }
    let mut users: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); image_nodes.len()];
    for edge in edges.iter().filter(|e| e.from >= n) {
        if let Some(set) = users.get_mut(edge.from - n) {
            set.insert(edge.to);
        }
    }
    for (&(number, image), users) in image_nodes.iter().zip(&users) {
        let used = users.iter().any(|&s| built(s));
        let line = shorten(image);
        let mut tooltip = format!(
            "{image}: external image, used by {} stage{}",
            users.len(),
            if users.len() == 1 { "" } else { "s" }
        );
        if !used {
            tooltip.push_str("; only skipped stages use it, so building the target never pulls it");
        }
        let width = (text_width(&line, MONO_CHAR) + 2.0 * PAD_X).max(MIN_IMAGE_WIDTH);
        reals.push(Real {
            id: format!("img{number}"),
            kind: NodeKind::Image {
                reference: image.to_string(),
                used_by_built: used,
            },
            lines: vec![line],
            tooltip,
            width: width.ceil(),
            height: IMAGE_HEIGHT,
        });
    }
    Graph {
        reals,
        stage_count: n,
        edges,
    }
}

/// Ranks of the real nodes: stages by longest path from what they need (cycles cut at
/// their earliest stage), images one before their first user; shifted to start at 0.
fn ranks(graph: &Graph) -> Vec<usize> {
    let n = graph.stage_count;
    let mut waiting = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for edge in graph.edges.iter().filter(|e| e.from < n) {
        waiting[edge.to] += 1;
        dependents[edge.from].push(edge.to);
    }
    let mut rank = vec![0usize; n];
    let mut done = vec![false; n];
    let mut ready: Vec<usize> = (0..n).rev().filter(|&s| waiting[s] == 0).collect();
    let mut processed = 0;
    let mut next_forced = 0;
    loop {
        while let Some(stage) = ready.pop() {
            if done[stage] {
                continue;
            }
            done[stage] = true;
            processed += 1;
            for &dependent in &dependents[stage] {
                if !done[dependent] {
                    rank[dependent] = rank[dependent].max(rank[stage] + 1);
                    waiting[dependent] = waiting[dependent].saturating_sub(1);
                    if waiting[dependent] == 0 {
                        ready.push(dependent);
                    }
                }
            }
        }
        if processed >= n {
            break;
        }
        while next_forced < n && done[next_forced] {
            next_forced += 1;
        }
        if next_forced >= n {
            break;
        }
        ready.push(next_forced);
    }

    let images = graph.reals.len() - n;
    let mut first_use: Vec<Option<usize>> = vec![None; images];
    for edge in graph.edges.iter().filter(|e| e.from >= n) {
        let slot = &mut first_use[edge.from - n];
        let r = rank[edge.to];
        *slot = Some(slot.map_or(r, |s: usize| s.min(r)));
    }
    let shift = usize::from(first_use.contains(&Some(0)));
    let mut all: Vec<usize> = rank.iter().map(|r| r + shift).collect();
    all.extend(
        first_use
            .iter()
            .map(|u| u.map_or(0, |r| (r + shift).saturating_sub(1))),
    );
    all
}

// ---------------------------------------------------------------------------------------
// Layers, order and placement.

/// How an edge is routed: through dummy nodes, one per rank in between (in the order the
/// edge passes them), or directly (edges within a rank, and long edges past the dummy
/// budget).
enum Route {
    Chain(Vec<usize>),
    Direct,
}

struct Layered {
    /// Per node (real nodes first, then dummies).
    rank: Vec<usize>,
    main_size: Vec<f64>,
    cross_size: Vec<f64>,
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    pos: Vec<usize>,
    layers: Vec<Vec<usize>>,
    real_count: usize,
    routes: Vec<Route>,
}

impl Layered {
    fn new(graph: &Graph, direction: Direction) -> Layered {
        let rank = ranks(graph);
        let real_count = graph.reals.len();
        let (main_size, cross_size): (Vec<f64>, Vec<f64>) = graph
            .reals
            .iter()
            .map(|r| match direction {
                Direction::LeftToRight => (r.width, r.height),
                Direction::TopToBottom => (r.height, r.width),
            })
            .unzip();
        // File order: stages by index, an image next to its first user's index, a
        // dummy by its edge's dependent.
        let mut key: Vec<(usize, usize, usize)> = (0..real_count)
            .map(|v| {
                if v < graph.stage_count {
                    (v, 1, 0)
                } else {
                    let first = graph
                        .edges
                        .iter()
                        .find(|e| e.from == v)
                        .map_or(usize::MAX, |e| e.to);
                    (first, 0, v)
                }
            })
            .collect();
        let mut layered = Layered {
            rank,
            main_size,
            cross_size,
            up: vec![Vec::new(); real_count],
            down: vec![Vec::new(); real_count],
            pos: Vec::new(),
            layers: Vec::new(),
            real_count,
            routes: Vec::with_capacity(graph.edges.len()),
        };
        // Edges against rank order (only in a dependency cycle) are laid out reversed,
        // as the Sugiyama method does, and drawn back to their real direction.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (i, edge) in graph.edges.iter().enumerate() {
            let (a, b) = (layered.rank[edge.from], layered.rank[edge.to]);
            layered.routes.push(Route::Direct);
            if a != b {
                spans.push((a.abs_diff(b), i));
            }
        }
        // The shared stable sort: equal pairs are alike, so the order is sort_unstable's,
        // without a copy of the unstable sort for these pairs.
        stagecraft_syntax::order::sort(&mut spans);
        let mut budget = DUMMY_BUDGET;
        for (span, i) in spans {
            let Some(edge) = graph.edges.get(i) else {
                continue;
            };
            if span - 1 > budget {
                break;
            }
            budget -= span - 1;
            let reversed = layered.rank[edge.from] > layered.rank[edge.to];
            let (top, bottom) = if reversed {
                (edge.to, edge.from)
            } else {
                (edge.from, edge.to)
            };
            let mut chain = Vec::with_capacity(span - 1);
            let mut previous = top;
            for r in layered.rank[top] + 1..layered.rank[bottom] {
                let dummy = layered.rank.len();
                layered.rank.push(r);
                layered.main_size.push(0.0);
                layered.cross_size.push(0.0);
                layered.up.push(vec![previous]);
                layered.down.push(Vec::new());
                layered.down[previous].push(dummy);
                key.push((edge.to.max(edge.from), 2, i));
                chain.push(dummy);
                previous = dummy;
            }
            layered.down[previous].push(bottom);
            layered.up[bottom].push(previous);
            if reversed {
                chain.reverse();
            }
            layered.routes[i] = Route::Chain(chain);
        }
        let rank_count = layered.rank.iter().max().map_or(0, |r| r + 1);
        let mut layers: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
        for (v, &r) in layered.rank.iter().enumerate() {
            layers[r].push(v);
        }
        for layer in &mut layers {
            stagecraft_syntax::order::sort_by_key(layer, |&v| key[v]);
        }
        layered.layers = layers;
        layered.pos = vec![0; layered.rank.len()];
        layered.update_positions();
        layered
    }

    fn is_dummy(&self, v: usize) -> bool {
        v >= self.real_count
    }

    fn update_positions(&mut self) {
        for layer in &self.layers {
            for (i, &v) in layer.iter().enumerate() {
                self.pos[v] = i;
            }
        }
    }

    /// Crossings between rank `r` and rank `r + 1`: inversions among the segments
    /// ordered by their upper end, counted with a Fenwick tree. Segments from the same
    /// upper node never cross one another, so each node's segments are all counted
    /// against the ones inserted before that node, then inserted: the count a sort of
    /// each node's lower ends would give, without a sort.
    fn crossings_between(&self, r: usize) -> usize {
        let (Some(upper), Some(lower)) = (self.layers.get(r), self.layers.get(r + 1)) else {
            return 0;
        };
        let mut tree = vec![0usize; lower.len() + 1];
        let mut inserted = 0usize;
        let mut crossings = 0usize;
        for &u in upper {
            let ends = || self.down[u].iter().map(|&v| self.pos[v]);
            for p in ends() {
                // Segments inserted so far that end after p cross this one.
                let mut at_most = 0;
                let mut i = p + 1;
                while i > 0 {
                    at_most += tree[i];
                    i &= i - 1;
                }
                crossings += inserted - at_most;
            }
            for p in ends() {
                let mut i = p + 1;
                while i < tree.len() {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
                inserted += 1;
            }
        }
        crossings
    }

    fn total_crossings(&self) -> usize {
        (0..self.layers.len().saturating_sub(1))
            .map(|r| self.crossings_between(r))
            .sum()
    }

    /// Sorts rank `r` by the barycenter of each node's neighbours in the rank before
    /// (`use_up`) or after; nodes without such neighbours keep their place.
    fn reorder(&mut self, r: usize, use_up: bool) {
        let Some(layer) = self.layers.get(r) else {
            return;
        };
        let neighbours = if use_up { &self.up } else { &self.down };
        let mut movable: Vec<(f64, usize, usize)> = Vec::new();
        let mut fixed = vec![false; layer.len()];
        for (i, &v) in layer.iter().enumerate() {
            let list = &neighbours[v];
            if list.is_empty() {
                fixed[i] = true;
            } else {
                let sum: usize = list.iter().map(|&u| self.pos[u]).sum();
                movable.push((sum as f64 / list.len() as f64, i, v));
            }
        }
        stagecraft_syntax::order::sort_by(&mut movable, |a, b| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
        });
        let mut moved = movable.into_iter();
        let new: Vec<usize> = layer
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if fixed[i] {
                    v
                } else {
                    moved.next().map_or(v, |m| m.2)
                }
            })
            .collect();
        for (i, &v) in new.iter().enumerate() {
            self.pos[v] = i;
        }
        self.layers[r] = new;
    }

    /// Crossings among the segments of `u` and `v` (in this rank, `u` before `v`).
    fn pair_crossings(&self, u: usize, v: usize) -> usize {
        let mut count = 0;
        for list in [(&self.up[u], &self.up[v]), (&self.down[u], &self.down[v])] {
            for &a in list.0 {
                for &b in list.1 {
                    if self.pos[a] > self.pos[b] {
                        count += 1;
                    }
                }
            }
        }
        count
    }

    /// Swaps neighbours in a rank while that removes crossings (small graphs only).
    fn transpose(&mut self) {
        for _ in 0..4 {
            let mut improved = false;
            for r in 0..self.layers.len() {
                for i in 1..self.layers[r].len() {
                    let (u, v) = (self.layers[r][i - 1], self.layers[r][i]);
                    if self.pair_crossings(v, u) < self.pair_crossings(u, v) {
                        self.layers[r].swap(i - 1, i);
                        self.pos[u] = i;
                        self.pos[v] = i - 1;
                        improved = true;
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// Reduces crossings; keeps the best order seen (file order included) and returns
    /// its crossing count.
    fn order(&mut self, initial: usize) -> usize {
        let mut best = initial;
        let mut best_layers = self.layers.clone();
        let small = self.rank.len() <= TRANSPOSE_LIMIT;
        let sweeps = if self.rank.len() > BIG_GRAPH {
            MAX_SWEEPS / 2
        } else {
            MAX_SWEEPS
        };
        let mut stale = 0;
        for _ in 0..sweeps {
            if best == 0 {
                break;
            }
            let mut improved = false;
            for down in [true, false] {
                if down {
                    for r in 1..self.layers.len() {
                        self.reorder(r, true);
                    }
                } else {
                    for r in (0..self.layers.len().saturating_sub(1)).rev() {
                        self.reorder(r, false);
                    }
                }
                if small {
                    self.transpose();
                }
                let crossings = self.total_crossings();
                if crossings < best {
                    best = crossings;
                    best_layers.clone_from(&self.layers);
                    improved = true;
                }
            }
            stale = if improved { 0 } else { stale + 1 };
            if stale >= 2 {
                break;
            }
        }
        self.layers = best_layers;
        self.update_positions();
        best
    }

    /// The minimum distance between the centres of neighbours `a` and `b` in a rank.
    fn separation(&self, a: usize, b: usize) -> f64 {
        let gap = if self.is_dummy(a) || self.is_dummy(b) {
            LANE_GAP
        } else {
            NODE_GAP
        };
        (self.cross_size[a] + self.cross_size[b]) / 2.0 + gap
    }

    /// Cross-axis centre of every node.
    fn place(&self) -> Vec<f64> {
        let mut center = vec![0.0; self.rank.len()];
        for layer in &self.layers {
            let mut at = 0.0;
            for (i, &v) in layer.iter().enumerate() {
                if i > 0 {
                    at += self.separation(layer[i - 1], v);
                }
                center[v] = at;
            }
            for &v in layer {
                center[v] -= at / 2.0;
            }
        }
        let ranks = self.layers.len();
        let passes = if self.rank.len() > BIG_GRAPH {
            PLACE_PASSES / 2
        } else {
            PLACE_PASSES
        };
        for _ in 0..passes {
            for r in 1..ranks {
                self.place_rank(r, &mut center, true, false);
            }
            for r in (0..ranks.saturating_sub(1)).rev() {
                self.place_rank(r, &mut center, false, true);
            }
        }
        for r in 0..ranks {
            self.place_rank(r, &mut center, true, true);
        }
        let low = center
            .iter()
            .zip(&self.cross_size)
            .map(|(c, s)| c - s / 2.0)
            .fold(f64::INFINITY, f64::min);
        if low.is_finite() {
            for c in &mut center {
                *c -= low;
            }
        }
        center
    }

    /// Moves rank `r` as close as it can to the mean of each node's neighbours without
    /// overlaps: a weighted isotonic regression (pool adjacent violators), linear time.
    fn place_rank(&self, r: usize, center: &mut [f64], use_up: bool, use_down: bool) {
        let Some(layer) = self.layers.get(r) else {
            return;
        };
        if layer.is_empty() {
            return;
        }
        let mut offset = 0.0;
        // (weight, weighted sum of targets, count) per block.
        let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(layer.len());
        let mut offsets = Vec::with_capacity(layer.len());
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                offset += self.separation(layer[i - 1], v);
            }
            offsets.push(offset);
            let mut sum = 0.0;
            let mut count = 0usize;
            if use_up {
                sum += self.up[v].iter().map(|&u| center[u]).sum::<f64>();
                count += self.up[v].len();
            }
            if use_down {
                sum += self.down[v].iter().map(|&u| center[u]).sum::<f64>();
                count += self.down[v].len();
            }
            let (desired, weight) = if count == 0 {
                (center[v], 0.2)
            } else if self.is_dummy(v) {
                (sum / count as f64, 4.0)
            } else {
                (sum / count as f64, 1.0)
            };
            blocks.push((weight, weight * (desired - offset), 1));
            while blocks.len() >= 2 {
                let last = blocks[blocks.len() - 1];
                let before = blocks[blocks.len() - 2];
                if before.1 / before.0 > last.1 / last.0 {
                    blocks.pop();
                    blocks.pop();
                    blocks.push((before.0 + last.0, before.1 + last.1, before.2 + last.2));
                } else {
                    break;
                }
            }
        }
        let mut i = 0;
        for (weight, sum, count) in blocks {
            let value = sum / weight;
            for _ in 0..count {
                if let (Some(&v), Some(&o)) = (layer.get(i), offsets.get(i)) {
                    center[v] = value + o;
                }
                i += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Geometry.

fn round1(value: f64) -> f64 {
    if !value.is_finite() {
        return 0.0;
    }
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

fn num(value: f64) -> String {
    let mut out = String::new();
    push_num(&mut out, value);
    out
}

/// Writes `value` rounded to a tenth, without a trailing `.0`: integer tenths are exact
/// and much faster than float formatting.
fn push_num(out: &mut String, value: f64) {
    let tenths = (round1(value) * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let abs = tenths.unsigned_abs();
    let _ = write!(out, "{}", abs / 10);
    if !abs.is_multiple_of(10) {
        out.push('.');
        out.push(char::from(b'0' + (abs % 10) as u8));
    }
}

/// Writes points as `x y` pairs separated by spaces.
fn push_coords(out: &mut String, points: &[(f64, f64)]) {
    for (i, &(x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_num(out, x);
        out.push(' ');
        push_num(out, y);
    }
}

/// How far the rounded end of an image pill (left to right) lies inside its box at
/// `offset` from the centre line.
fn pill_inset(height: f64, offset: f64) -> f64 {
    let radius = height / 2.0;
    let o = offset.abs().min(radius);
    radius - (radius * radius - o * o).sqrt()
}

/// A side of a node along the main axis: facing earlier ranks or later ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Early = 0,
    Late = 1,
}

/// An edge end on a node side: where the other end lies, the kind, the edge, and
/// whether the node is the edge's source.
type PortItem = (f64, EdgeKind, usize, bool);

fn geometry(
    analysis: &Analysis,
    graph: &Graph,
    layered: &Layered,
    centers: &[f64],
    direction: Direction,
    crossings: usize,
) -> Layout {
    let ranks = layered.layers.len();
    let gap = match direction {
        Direction::LeftToRight => RANK_GAP_LR,
        Direction::TopToBottom => RANK_GAP_TB,
    };
    let mut rank_size = vec![0.0f64; ranks];
    for layer in &layered.layers {
        for &v in layer {
            let r = layered.rank[v];
            rank_size[r] = rank_size[r].max(layered.main_size[v]);
        }
    }
    let mut rank_start = Vec::with_capacity(ranks);
    let mut at = 0.0;
    for size in &mut rank_size {
        if *size <= 0.0 {
            *size = 24.0;
        }
        rank_start.push(at);
        at += *size + gap;
    }
    let main_total = (at - gap).max(0.0);
    let cross_total = centers
        .iter()
        .zip(&layered.cross_size)
        .map(|(c, s)| c + s / 2.0)
        .fold(0.0, f64::max);

    let (origin_main, origin_cross) = match direction {
        Direction::LeftToRight => (MARGIN, MARGIN + CAPTION),
        Direction::TopToBottom => (MARGIN, MARGIN + GUTTER),
    };
    let to_xy = |main: f64, cross: f64| -> (f64, f64) {
        match direction {
            Direction::LeftToRight => (origin_main + main, origin_cross + cross),
            Direction::TopToBottom => (origin_cross + cross, origin_main + main),
        }
    };
    let (width, height) = if graph.reals.is_empty() {
        (360.0, 64.0)
    } else {
        match direction {
            Direction::LeftToRight => (
                2.0 * MARGIN + main_total,
                MARGIN + CAPTION + cross_total + MARGIN,
            ),
            Direction::TopToBottom => (
                MARGIN + GUTTER + cross_total + MARGIN,
                2.0 * MARGIN + main_total,
            ),
        }
    };

    // Node boxes in (main, cross) space.
    let node_main_start = |v: usize| -> f64 {
        let r = layered.rank[v];
        rank_start[r] + (rank_size[r] - layered.main_size[v]) / 2.0
    };

    // Which side of its nodes each edge leaves and enters by: forward edges leave by the
    // side facing later ranks and enter by the side facing earlier ones; edges against
    // rank order (only in a dependency cycle) run backwards, from the source's early side
    // to the target's late side; edges within a rank loop out of the early sides.
    let sides: Vec<(Side, Side)> = graph
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (layered.rank[e.from], layered.rank[e.to]);
            match a.cmp(&b) {
                std::cmp::Ordering::Less => (Side::Late, Side::Early),
                std::cmp::Ordering::Greater => (Side::Early, Side::Late),
                std::cmp::Ordering::Equal => (Side::Early, Side::Early),
            }
        })
        .collect();
    // Ports: the edges on one side of a node spread along it, ordered by where their
    // other end (or next bend) lies.
    let mut items: Vec<[Vec<PortItem>; 2]> = vec![[Vec::new(), Vec::new()]; graph.reals.len()];
    for (i, (edge, route)) in graph.edges.iter().zip(&layered.routes).enumerate() {
        let (next, previous) = match route {
            Route::Chain(chain) => (
                chain.first().copied().unwrap_or(edge.to),
                chain.last().copied().unwrap_or(edge.from),
            ),
            Route::Direct => (edge.to, edge.from),
        };
        let (source_side, target_side) = sides[i];
        items[edge.from][source_side as usize].push((centers[next], edge.kind, i, true));
        items[edge.to][target_side as usize].push((centers[previous], edge.kind, i, false));
    }
    let mut out_port = vec![(0.0, 0.0); graph.edges.len()];
    let mut in_port = vec![(0.0, 0.0); graph.edges.len()];
    for (v, real) in graph.reals.iter().enumerate() {
        let is_image = matches!(real.kind, NodeKind::Image { .. });
        let cross_size = layered.cross_size[v];
        let spread = match (is_image, direction) {
            (true, Direction::LeftToRight) => IMAGE_HEIGHT * 0.6,
            (true, Direction::TopToBottom) => (real.width - IMAGE_HEIGHT).max(0.0) * 0.9,
            (false, _) => cross_size * 0.7,
        };
        let main_start = node_main_start(v);
        let main_end = main_start + layered.main_size[v];
        for (side, list) in items[v].iter_mut().enumerate() {
            stagecraft_syntax::order::sort_by(list, |a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.cmp(&b.1))
                    .then(a.2.cmp(&b.2))
                    .then(a.3.cmp(&b.3))
            });
            let count = list.len();
            let step = if count > 1 {
                PORT_STEP.min(spread / (count - 1) as f64)
            } else {
                0.0
            };
            for (k, &(_, _, edge, is_source)) in list.iter().enumerate() {
                let offset = (k as f64 - (count as f64 - 1.0) / 2.0) * step;
                let inset = if is_image && direction == Direction::LeftToRight {
                    pill_inset(IMAGE_HEIGHT, offset)
                } else {
                    0.0
                };
                let main = if side == Side::Early as usize {
                    main_start + inset
                } else {
                    main_end - inset
                };
                let port = (main, centers[v] + offset);
                if is_source {
                    out_port[edge] = port;
                } else {
                    in_port[edge] = port;
                }
            }
        }
    }

    let mut edges = Vec::with_capacity(graph.edges.len());
    for (i, (edge, route)) in graph.edges.iter().zip(&layered.routes).enumerate() {
        let mut points = vec![out_port[i]];
        if let Route::Chain(chain) = route {
            let backward = sides[i].0 == Side::Early;
            for &dummy in chain {
                let r = layered.rank[dummy];
                let (enter, leave) = (rank_start[r], rank_start[r] + rank_size[r]);
                let (enter, leave) = if backward {
                    (leave, enter)
                } else {
                    (enter, leave)
                };
                points.push((enter, centers[dummy]));
                points.push((leave, centers[dummy]));
            }
        }
        points.push(in_port[i]);
        let mut path = String::with_capacity(16 + points.len() * 24);
        let (m0, c0) = to_xy(points[0].0, points[0].1);
        path.push('M');
        push_coords(&mut path, &[(m0, c0)]);
        for (k, pair) in points.windows(2).enumerate() {
            let (a, b) = (pair[0], pair[1]);
            let end = to_xy(b.0, b.1);
            if k % 2 == 1 {
                // Straight through a rank.
                path.push_str(" L");
                push_coords(&mut path, &[end]);
                continue;
            }
            // Leaving and arriving directions along the main axis, and how far the
            // curve pulls that way.
            let (leave, arrive, pull) = match sides[i] {
                (Side::Late, _) => (1.0, -1.0, (b.0 - a.0) / 2.0),
                (Side::Early, Side::Late) => (-1.0, 1.0, ((a.0 - b.0) / 2.0).max(30.0)),
                (Side::Early, Side::Early) => (-1.0, -1.0, 40.0 + (b.1 - a.1).abs() * 0.3),
            };
            path.push_str(" C");
            push_coords(
                &mut path,
                &[
                    to_xy(a.0 + leave * pull, a.1),
                    to_xy(b.0 + arrive * pull, b.1),
                    end,
                ],
            );
        }
        edges.push(LayoutEdge {
            from: graph.reals[edge.from].id.clone(),
            to: graph.reals[edge.to].id.clone(),
            kind: edge.kind,
            built: edge.built,
            points: points
                .iter()
                .map(|&(m, c)| {
                    let (x, y) = to_xy(m, c);
                    (round1(x), round1(y))
                })
                .collect(),
            path,
        });
    }

    let nodes = graph
        .reals
        .iter()
        .enumerate()
        .map(|(v, real)| {
            let main = node_main_start(v);
            let cross = centers[v] - layered.cross_size[v] / 2.0;
            let (x, y) = to_xy(main, cross);
            LayoutNode {
                id: real.id.clone(),
                kind: real.kind.clone(),
                rank: layered.rank[v],
                x: round1(x),
                y: round1(y),
                width: real.width,
                height: real.height,
                lines: real.lines.clone(),
                tooltip: real.tooltip.clone(),
            }
        })
        .collect();

    let mut bands = Vec::new();
    for r in 0..ranks {
        let stages: Vec<usize> = layered.layers[r]
            .iter()
            .copied()
            .filter(|&v| v < graph.stage_count)
            .collect();
        if stages.is_empty() {
            continue;
        }
        let level = stages
            .iter()
            .filter_map(|&s| analysis.stages.get(s).and_then(|s| s.level))
            .min();
        let (x, y, w, h) = match direction {
            Direction::LeftToRight => (
                MARGIN + rank_start[r] - BAND_PAD,
                MARGIN / 2.0,
                rank_size[r] + 2.0 * BAND_PAD,
                height - MARGIN,
            ),
            Direction::TopToBottom => (
                MARGIN / 2.0,
                MARGIN + rank_start[r] - BAND_PAD,
                width - MARGIN,
                rank_size[r] + 2.0 * BAND_PAD,
            ),
        };
        bands.push(LayoutBand {
            rank: r,
            x: round1(x),
            y: round1(y),
            width: round1(w),
            height: round1(h),
            level,
            label: level.map(|l| format!("level {l}")),
        });
    }

    let kinds: BTreeSet<EdgeKind> =
        stagecraft_syntax::order::set_from(graph.edges.iter().map(|e| e.kind));
    let legend = kinds
        .into_iter()
        .map(|kind| {
            (
                kind,
                match kind {
                    EdgeKind::From => "FROM (starts from)",
                    EdgeKind::Copy => "COPY --from",
                    EdgeKind::Mount => "RUN --mount from=",
                },
            )
        })
        .collect();

    Layout {
        direction,
        width: round1(width),
        height: round1(height),
        nodes,
        edges,
        bands,
        legend,
        crossings,
    }
}

// ---------------------------------------------------------------------------------------
// SVG.

/// Escapes text for XML content and attribute values. Characters XML 1.0 does not
/// allow (control characters, U+FFFE, U+FFFF) become spaces.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn sanitize_id(id: &str) -> String {
    let clean: String = id
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    match clean.chars().next() {
        None => "stagecraft-graph".to_string(),
        Some(c) if c.is_ascii_alphabetic() => clean,
        Some(_) => format!("g{clean}"),
    }
}

struct Palette {
    background: &'static str,
    band: &'static str,
    caption: &'static str,
    node: &'static str,
    stroke: &'static str,
    strong: &'static str,
    text: &'static str,
    muted: &'static str,
    accent: &'static str,
    image_fill: &'static str,
    image_stroke: &'static str,
    image_text: &'static str,
    from: &'static str,
    copy: &'static str,
    mount: &'static str,
}

const LIGHT: Palette = Palette {
    background: "#ffffff",
    band: "#f3f5f9",
    caption: "#6b778a",
    node: "#ffffff",
    stroke: "#5a6678",
    strong: "#111827",
    text: "#111827",
    muted: "#4b5563",
    accent: "#1d63b8",
    image_fill: "#eaf2ff",
    image_stroke: "#5b7db1",
    image_text: "#23406e",
    from: "#4b5563",
    copy: "#1d63b8",
    mount: "#a35f00",
};

const DARK: Palette = Palette {
    background: "#0f141a",
    band: "#182029",
    caption: "#8b98a9",
    node: "#161c24",
    stroke: "#8d99a8",
    strong: "#f3f6fa",
    text: "#e8edf3",
    muted: "#a3afbe",
    accent: "#7db8ff",
    image_fill: "#1a2a40",
    image_stroke: "#6f9bd8",
    image_text: "#bcd4f6",
    from: "#a3afbe",
    copy: "#7db8ff",
    mount: "#e6a94f",
};

fn palette_css(out: &mut String, p: &Palette, root: &str, indent: &str) {
    let rules = [
        (".bg", format!("fill: {}", p.background)),
        (".band", format!("fill: {}", p.band)),
        (".level-caption", format!("fill: {}", p.caption)),
        (
            ".stage .frame",
            format!("fill: {}; stroke: {}", p.node, p.stroke),
        ),
        (".stage .frame-inner", format!("stroke: {}", p.strong)),
        (".stage.target .frame", format!("stroke: {}", p.strong)),
        (".stage .title", format!("fill: {}", p.text)),
        (".stage .base", format!("fill: {}", p.muted)),
        (".stage .size", format!("fill: {}", p.accent)),
        (
            ".image .pill",
            format!("fill: {}; stroke: {}", p.image_fill, p.image_stroke),
        ),
        (".image .ref", format!("fill: {}", p.image_text)),
        (".edge.from", format!("stroke: {}", p.from)),
        (".edge.copy", format!("stroke: {}", p.copy)),
        (".edge.mount", format!("stroke: {}", p.mount)),
        (".arrow.from path", format!("fill: {}", p.from)),
        (".arrow.copy path", format!("fill: {}", p.copy)),
        (".arrow.mount path", format!("fill: {}", p.mount)),
        (".legend text, .empty", format!("fill: {}", p.muted)),
    ];
    for (selector, body) in rules {
        let scoped: Vec<String> = selector
            .split(", ")
            .map(|s| format!("#{root} {s}"))
            .collect();
        let _ = writeln!(out, "{indent}{} {{ {body} }}", scoped.join(", "));
    }
}

fn stylesheet(root: &str, theme: Theme) -> String {
    let mut css = String::new();
    let structure = [
        (
            "",
            "font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, Helvetica, Arial, sans-serif",
        ),
        (".level-caption", "font-size: 11px; letter-spacing: 0.04em"),
        (".stage .frame", "stroke-width: 1.2"),
        (".stage .frame-inner", "fill: none; stroke-width: 1"),
        (".stage.target .frame", "stroke-width: 2.4"),
        (".stage.skipped", "opacity: 0.5"),
        (".stage.skipped .frame", "stroke-dasharray: 4 3"),
        (".stage .title", "font-size: 13px; font-weight: 600"),
        (".stage.target .title", "font-weight: 700"),
        (
            ".stage .base, .stage .size, .image .ref",
            "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, \"DejaVu Sans Mono\", monospace; font-size: 12px",
        ),
        (".image .pill", "stroke-width: 1.2"),
        (".image.unused", "opacity: 0.5"),
        (".edge", "fill: none; stroke-width: 1.6"),
        (".edge.copy", "stroke-dasharray: 6 4"),
        (".edge.mount", "stroke-dasharray: 1.5 3.5; stroke-linecap: round"),
        (".edge.skipped", "opacity: 0.35"),
        (".arrow path", "stroke: none"),
        (".legend text", "font-size: 12px"),
        (".empty", "font-size: 13px"),
    ];
    for (selector, body) in structure {
        let scoped: Vec<String> = selector
            .split(", ")
            .map(|s| {
                if s.is_empty() {
                    format!("#{root}")
                } else {
                    format!("#{root} {s}")
                }
            })
            .collect();
        let _ = writeln!(css, "{} {{ {body} }}", scoped.join(", "));
    }
    match theme {
        Theme::Light => palette_css(&mut css, &LIGHT, root, ""),
        Theme::Dark => palette_css(&mut css, &DARK, root, ""),
        Theme::Auto => {
            palette_css(&mut css, &LIGHT, root, "");
            css.push_str("@media (prefers-color-scheme: dark) {\n");
            palette_css(&mut css, &DARK, root, "  ");
            css.push_str("}\n");
        }
    }
    css
}

/// What the legend shows, with the advance of each item.
enum LegendItem {
    Edge(EdgeKind, &'static str),
    Image,
    Target,
    Skipped,
}

impl LegendItem {
    fn label(&self) -> &'static str {
        match self {
            LegendItem::Edge(_, text) => text,
            LegendItem::Image => "external image",
            LegendItem::Target => "target",
            LegendItem::Skipped => "skipped: not needed for the target",
        }
    }

    fn advance(&self) -> f64 {
        42.0 + self.label().chars().count() as f64 * 6.6 + 18.0
    }
}

fn summary(layout: &Layout) -> String {
    let stages = layout
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Stage { .. }))
        .count();
    let images = layout.nodes.len() - stages;
    let target = layout.nodes.iter().find_map(|n| match n.kind {
        NodeKind::Stage { target: true, .. } => n.lines.first().cloned(),
        _ => None,
    });
    let mut title = format!(
        "Stage graph: {stages} stage{}, {images} external image{}",
        if stages == 1 { "" } else { "s" },
        if images == 1 { "" } else { "s" }
    );
    if let Some(target) = target {
        let _ = write!(title, ", target {target}");
    }
    title
}

/// Draws `layout` as a standalone SVG document.
pub fn to_svg(layout: &Layout, options: &SvgOptions) -> String {
    let root = sanitize_id(&options.id_prefix);
    let mut legend: Vec<LegendItem> = layout
        .legend
        .iter()
        .map(|&(kind, text)| LegendItem::Edge(kind, text))
        .collect();
    let mut has_image = false;
    let mut has_target = false;
    let mut has_skipped = false;
    for node in &layout.nodes {
        match node.kind {
            NodeKind::Image { .. } => has_image = true,
            NodeKind::Stage { target, built, .. } => {
                has_target |= target;
                has_skipped |= !built;
            }
        }
    }
    if has_image {
        legend.push(LegendItem::Image);
    }
    if has_target {
        legend.push(LegendItem::Target);
    }
    if has_skipped {
        legend.push(LegendItem::Skipped);
    }
    if !options.legend {
        legend.clear();
    }
    // Legend items in rows that fit the graph's width (at least a readable minimum).
    let room = (layout.width - 2.0 * MARGIN).max(LEGEND_MIN_WIDTH);
    let mut rows: Vec<Vec<LegendItem>> = Vec::new();
    let mut row_width = 0.0;
    let mut widest: f64 = 0.0;
    for item in legend {
        let advance = item.advance();
        match rows.last_mut() {
            Some(row) if row_width + advance <= room => {
                row.push(item);
                row_width += advance;
            }
            _ => {
                rows.push(vec![item]);
                row_width = advance;
            }
        }
        widest = widest.max(row_width);
    }
    let width = if rows.is_empty() {
        layout.width
    } else {
        layout.width.max(widest + 2.0 * MARGIN)
    };
    let height =
        layout.height + rows.len() as f64 * LEGEND_ROW + if rows.is_empty() { 0.0 } else { 8.0 };
    let title = options.title.clone().unwrap_or_else(|| summary(layout));

    let mut svg = String::with_capacity(4096 + layout.nodes.len() * 600);
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{root}\" class=\"stagecraft-graph\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{root}-title\" data-direction=\"{dir}\">",
        w = num(width),
        h = num(height),
        dir = match layout.direction {
            Direction::LeftToRight => "left-to-right",
            Direction::TopToBottom => "top-to-bottom",
        }
    );
    let _ = writeln!(
        svg,
        "<title id=\"{root}-title\">{}</title>",
        xml_escape(&title)
    );
    let _ = writeln!(svg, "<style>\n{}</style>", stylesheet(&root, options.theme));
    svg.push_str("<defs>\n");
    for kind in [EdgeKind::From, EdgeKind::Copy, EdgeKind::Mount] {
        let _ = writeln!(
            svg,
            "<marker id=\"{root}-arrow-{k}\" class=\"arrow {k}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\"/></marker>",
            k = kind.as_str()
        );
    }
    svg.push_str("</defs>\n");
    let _ = writeln!(
        svg,
        "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\"/>",
        num(width),
        num(height)
    );

    if layout.nodes.is_empty() {
        let _ = writeln!(
            svg,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">No stages yet: a Dockerfile starts with FROM.</text>",
            num(layout.width / 2.0),
            num(layout.height / 2.0 + 4.0)
        );
    }

    svg.push_str("<g class=\"levels\">\n");
    for band in &layout.bands {
        let _ = writeln!(
            svg,
            "<rect class=\"band\" data-rank=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/>",
            band.rank,
            num(band.x),
            num(band.y),
            num(band.width),
            num(band.height)
        );
        if let Some(label) = &band.label {
            let (x, y, anchor) = match layout.direction {
                Direction::LeftToRight => (band.x + band.width / 2.0, band.y + 16.0, "middle"),
                Direction::TopToBottom => (band.x + 8.0, band.y + band.height / 2.0 + 4.0, "start"),
            };
            let _ = writeln!(
                svg,
                "<text class=\"level-caption\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                num(x),
                num(y),
                xml_escape(label)
            );
        }
    }
    svg.push_str("</g>\n");

    svg.push_str("<g class=\"edges\">\n");
    for edge in &layout.edges {
        let kind = edge.kind.as_str();
        let _ = writeln!(
            svg,
            "<path class=\"edge {kind} {state}\" data-edge-kind=\"{kind}\" data-from=\"{from}\" data-to=\"{to}\" d=\"{d}\" marker-end=\"url(#{root}-arrow-{kind})\"><title>{kind}: {from} to {to}</title></path>",
            state = if edge.built { "built" } else { "skipped" },
            from = xml_escape(&edge.from),
            to = xml_escape(&edge.to),
            d = xml_escape(&edge.path),
        );
    }
    svg.push_str("</g>\n");

    svg.push_str("<g class=\"nodes\">\n");
    for node in &layout.nodes {
        draw_node(&mut svg, node);
    }
    svg.push_str("</g>\n");

    if !rows.is_empty() {
        draw_legend(&mut svg, &rows, &root, layout.height);
    }
    svg.push_str("</svg>\n");
    svg
}

fn draw_node(svg: &mut String, node: &LayoutNode) {
    let (x, y, w, h) = (node.x, node.y, node.width, node.height);
    let cx = num(x + w / 2.0);
    match &node.kind {
        NodeKind::Stage {
            index,
            built,
            target,
            level,
        } => {
            let mut class = String::from("stage");
            class.push_str(if *built { " built" } else { " skipped" });
            if *target {
                class.push_str(" target");
            }
            let _ = write!(
                svg,
                "<g class=\"{class}\" data-node=\"{}\" data-stage=\"{index}\" data-built=\"{built}\"",
                xml_escape(&node.id)
            );
            if let Some(level) = level {
                let _ = write!(svg, " data-level=\"{level}\"");
            }
            let _ = writeln!(svg, "><title>{}</title>", xml_escape(&node.tooltip));
            let _ = writeln!(
                svg,
                "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/>",
                num(x),
                num(y),
                num(w),
                num(h)
            );
            if *target {
                let _ = writeln!(
                    svg,
                    "<rect class=\"frame-inner\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3.5\"/>",
                    num(x + 3.5),
                    num(y + 3.5),
                    num(w - 7.0),
                    num(h - 7.0)
                );
            }
            for (i, line) in node.lines.iter().enumerate() {
                let class = match i {
                    0 => "title",
                    1 => "base",
                    _ => "size",
                };
                let _ = writeln!(
                    svg,
                    "<text class=\"{class}\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    num(y + PAD_Y + i as f64 * LINE + 12.5),
                    xml_escape(line)
                );
            }
        }
        NodeKind::Image {
            reference,
            used_by_built,
        } => {
            let class = if *used_by_built {
                "image"
            } else {
                "image unused"
            };
            let _ = writeln!(
                svg,
                "<g class=\"{class}\" data-node=\"{}\" data-image=\"{}\" data-used=\"{used_by_built}\"><title>{}</title>",
                xml_escape(&node.id),
                xml_escape(reference),
                xml_escape(&node.tooltip)
            );
            let _ = writeln!(
                svg,
                "<rect class=\"pill\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{r}\" ry=\"{r}\"/>",
                num(x),
                num(y),
                num(w),
                num(h),
                r = num(h / 2.0)
            );
            for line in &node.lines {
                let _ = writeln!(
                    svg,
                    "<text class=\"ref\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    num(y + h / 2.0 + 4.0),
                    xml_escape(line)
                );
            }
        }
    }
    svg.push_str("</g>\n");
}

fn draw_legend(svg: &mut String, rows: &[Vec<LegendItem>], root: &str, top: f64) {
    svg.push_str("<g class=\"legend\">\n");
    for (row, items) in rows.iter().enumerate() {
        let y = top + row as f64 * LEGEND_ROW + LEGEND_ROW / 2.0;
        let mut x = MARGIN;
        for item in items {
            match item {
                LegendItem::Edge(kind, _) => {
                    let k = kind.as_str();
                    let _ = writeln!(
                    svg,
                    "<path class=\"edge {k} built\" data-edge-kind=\"{k}\" d=\"M{} {} h32\" marker-end=\"url(#{root}-arrow-{k})\"/>",
                    num(x),
                    num(y)
                );
                }
                LegendItem::Image => {
                    let _ = writeln!(
                    svg,
                    "<g class=\"image\"><rect class=\"pill\" x=\"{}\" y=\"{}\" width=\"32\" height=\"16\" rx=\"8\" ry=\"8\"/></g>",
                    num(x),
                    num(y - 8.0)
                );
                }
                LegendItem::Target => {
                    let _ = writeln!(
                    svg,
                    "<g class=\"stage target\"><rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"32\" height=\"18\" rx=\"4\"/><rect class=\"frame-inner\" x=\"{}\" y=\"{}\" width=\"25\" height=\"11\" rx=\"2\"/></g>",
                    num(x),
                    num(y - 9.0),
                    num(x + 3.5),
                    num(y - 5.5)
                );
                }
                LegendItem::Skipped => {
                    let _ = writeln!(
                    svg,
                    "<g class=\"stage skipped\"><rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"32\" height=\"18\" rx=\"4\"/></g>",
                    num(x),
                    num(y - 9.0)
                );
                }
            }
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                num(x + 42.0),
                num(y + 4.0),
                xml_escape(item.label())
            );
            x += item.advance();
        }
    }
    svg.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{analyze, Options};

    fn analysis(text: &str, target: Option<&str>) -> Analysis {
        analyze(
            text,
            &Options {
                target: target.map(str::to_string),
                ..Options::default()
            },
        )
    }

    const FOUR: &str = "FROM golang:1.22 AS build\nRUN go build -o /out/app\n\
FROM node:20 AS assets\nRUN npm ci && npm run build\n\
FROM alpine:3.19 AS test\nRUN --mount=type=bind,from=build,target=/b /b/out/app --test\n\
FROM nginx:alpine AS app\nCOPY --from=build /out/app /usr/bin/app\nCOPY --from=assets /dist /usr/share/nginx/html\n";

    fn node<'a>(layout: &'a Layout, id: &str) -> &'a LayoutNode {
        match layout.nodes.iter().find(|n| n.id == id) {
            Some(n) => n,
            None => panic!("no node {id}"),
        }
    }

    fn overlaps(a: &LayoutNode, b: &LayoutNode) -> bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }

    /// A rough well-formedness check: tags nest, attribute quotes pair, every `&` starts
    /// a known entity and no raw `<` or `>` appears in text.
    fn assert_well_formed(svg: &str) {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            assert!(!text.contains('>'), "raw > in text: {text}");
            check_entities(text);
            let after = &rest[open + 1..];
            let Some(close) = after.find('>') else {
                panic!("unclosed tag in {after}");
            };
            let tag = &after[..close];
            assert_eq!(tag.matches('"').count() % 2, 0, "{tag}");
            check_entities(tag);
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or_default();
                stack.push(name.to_string());
            }
            rest = &after[close + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        assert_eq!(rest.trim(), "");
    }

    fn check_entities(text: &str) {
        for (i, _) in text.match_indices('&') {
            let tail = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| tail.starts_with(e)),
                "bare & in {text}"
            );
        }
    }

    /// The Fenwick count equals the definition: pairs of segments whose upper ends are
    /// in one order and lower ends in the other (multi-edges and shared ends included).
    #[test]
    fn crossings_count_every_inverted_pair_of_segments() {
        let mut seed = 0x2545_f491_u64;
        let mut next = move |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        for _ in 0..300 {
            let (uppers, lowers) = (1 + next(6), 1 + next(6));
            let mut down = vec![Vec::new(); uppers + lowers];
            for ends in down.iter_mut().take(uppers) {
                for _ in 0..next(4) {
                    ends.push(uppers + next(lowers));
                }
            }
            let upper: Vec<usize> = (0..uppers).collect();
            let mut lower: Vec<usize> = (uppers..uppers + lowers).collect();
            lower.rotate_left(next(lowers));
            let mut pos = vec![0; uppers + lowers];
            for (i, &v) in upper.iter().chain(&lower).enumerate() {
                pos[v] = if i < uppers { i } else { i - uppers };
            }
            let segments: Vec<(usize, usize)> = upper
                .iter()
                .flat_map(|&u| down[u].iter().map(move |&v| (u, v)))
                .collect();
            let mut expected = 0;
            for (k, &(u1, v1)) in segments.iter().enumerate() {
                for &(u2, v2) in &segments[k + 1..] {
                    if (pos[u1] < pos[u2] && pos[v1] > pos[v2])
                        || (pos[u1] > pos[u2] && pos[v1] < pos[v2])
                    {
                        expected += 1;
                    }
                }
            }
            let layered = Layered {
                rank: Vec::new(),
                main_size: Vec::new(),
                cross_size: Vec::new(),
                up: Vec::new(),
                down,
                pos,
                layers: vec![upper, lower],
                real_count: 0,
                routes: Vec::new(),
            };
            assert_eq!(layered.crossings_between(0), expected);
        }
    }

    #[test]
    fn stages_come_after_what_they_need() {
        let a = analysis(FOUR, None);
        for direction in [Direction::LeftToRight, Direction::TopToBottom] {
            let layout = layout(
                &a,
                &LayoutOptions {
                    direction,
                    ..LayoutOptions::default()
                },
            );
            assert_eq!(layout.nodes.len(), 8, "4 stages and 4 images");
            for edge in &layout.edges {
                let (from, to) = (node(&layout, &edge.from), node(&layout, &edge.to));
                assert!(from.rank < to.rank, "{} before {}", edge.from, edge.to);
                match direction {
                    Direction::LeftToRight => assert!(from.x + from.width <= to.x),
                    Direction::TopToBottom => assert!(from.y + from.height <= to.y),
                }
            }
            // Images sit one rank before their first user; built ranks are build levels.
            assert_eq!(node(&layout, "img0").rank + 1, node(&layout, "s0").rank);
            assert_eq!(node(&layout, "s0").rank, node(&layout, "s1").rank);
            assert_eq!(node(&layout, "s3").rank, node(&layout, "s0").rank + 1);
            let labels: Vec<Option<&str>> =
                layout.bands.iter().map(|b| b.label.as_deref()).collect();
            assert_eq!(labels, vec![Some("level 0"), Some("level 1")]);
        }
    }

    #[test]
    fn edges_end_at_node_borders() {
        for text in [FOUR, "FROM alpine AS a\nCOPY --from=c / /\nFROM alpine AS b\nCOPY --from=a / /\nFROM alpine AS c\nCOPY --from=b / /\n"] {
            for direction in [Direction::LeftToRight, Direction::TopToBottom] {
                let layout = layout(
                    &analysis(text, None),
                    &LayoutOptions {
                        direction,
                        ..LayoutOptions::default()
                    },
                );
                for edge in &layout.edges {
                    let (Some(&first), Some(&last)) = (edge.points.first(), edge.points.last())
                    else {
                        panic!("edge without points");
                    };
                    for (point, node) in [
                        (first, node(&layout, &edge.from)),
                        (last, node(&layout, &edge.to)),
                    ] {
                        let (x, y) = point;
                        let inside = x >= node.x - 0.2
                            && x <= node.x + node.width + 0.2
                            && y >= node.y - 0.2
                            && y <= node.y + node.height + 0.2;
                        let (along, start, size) = match direction {
                            Direction::LeftToRight => (x, node.x, node.width),
                            Direction::TopToBottom => (y, node.y, node.height),
                        };
                        let on_side = (along - start).abs() <= IMAGE_HEIGHT / 2.0 + 0.2
                            || (along - start - size).abs() <= IMAGE_HEIGHT / 2.0 + 0.2;
                        assert!(inside && on_side, "{edge:?} at {point:?} of {node:?}");
                    }
                    assert!(edge.path.starts_with('M') && edge.path.contains(" C"));
                }
            }
        }
    }

    #[test]
    fn nodes_never_overlap() {
        let mut text = String::new();
        for i in 0..40 {
            let _ = writeln!(text, "FROM alpine:{} AS s{i}", i % 7);
            if i > 0 {
                let _ = writeln!(text, "COPY --from=s{} /a /a", (i * 7) % i);
                let _ = writeln!(text, "RUN --mount=from=s{},target=/m true", i / 2);
            }
            if i % 5 == 0 {
                let _ = writeln!(text, "COPY --from=busybox:{i} /bin/sh /sh");
            }
        }
        let a = analysis(&text, Some("s39"));
        for direction in [Direction::LeftToRight, Direction::TopToBottom] {
            let layout = layout(
                &a,
                &LayoutOptions {
                    direction,
                    ..LayoutOptions::default()
                },
            );
            for (i, n) in layout.nodes.iter().enumerate() {
                assert!(n.x >= 0.0 && n.y >= 0.0);
                assert!(n.x + n.width <= layout.width && n.y + n.height <= layout.height);
                for m in &layout.nodes[i + 1..] {
                    assert!(!overlaps(n, m), "{} overlaps {}", n.id, m.id);
                }
            }
        }
    }

    #[test]
    fn barycenter_order_has_fewer_crossings_than_file_order() {
        // Three sources and three dependents wired in reverse: file order crosses three
        // times, a good order not at all.
        let text = "FROM scratch AS a\nFROM scratch AS b\nFROM scratch AS c\n\
FROM scratch AS x\nCOPY --from=c / /\nFROM scratch AS y\nCOPY --from=b / /\n\
FROM scratch AS z\nCOPY --from=a / /\nCOPY --from=x / /\nCOPY --from=y / /\n";
        let (layout, file_order) = build(&analysis(text, None), &LayoutOptions::default());
        assert_eq!(file_order, 3);
        assert_eq!(layout.crossings, 0);
        // The drawing agrees: within each rank, nodes are stacked in the chosen order.
        let y = |id: &str| node(&layout, id).y;
        // c (s2) feeds x (s3) and b (s1) feeds y (s4): the pairs stack the same way.
        assert_eq!(y("s2") < y("s1"), y("s3") < y("s4"));

        // Never worse than file order, on a messier graph too.
        let mut messy = String::new();
        for i in 0..30 {
            let _ = writeln!(messy, "FROM debian AS n{i}");
            for d in [(i * 17 + 3) % 30, (i * 11 + 5) % 30] {
                if d < i {
                    let _ = writeln!(messy, "COPY --from=n{d} / /");
                }
            }
        }
        let (layout, file_order) = build(&analysis(&messy, None), &LayoutOptions::default());
        assert!(
            layout.crossings <= file_order,
            "{} > {file_order}",
            layout.crossings
        );
    }

    #[test]
    fn target_and_skipped_stages_are_marked() {
        let a = analysis(FOUR, Some("test"));
        let mut sizes = BTreeMap::new();
        sizes.insert(0, 182_500_000);
        sizes.insert(3, 512);
        let layout = layout(
            &a,
            &LayoutOptions {
                stage_sizes: sizes,
                ..LayoutOptions::default()
            },
        );
        assert_eq!(node(&layout, "s0").lines[2], "182.5 MB");
        assert_eq!(node(&layout, "s3").lines[2], "512 B");
        let svg = to_svg(&layout, &SvgOptions::default());
        assert_well_formed(&svg);
        assert!(svg.contains(
            "<g class=\"stage built target\" data-node=\"s2\" data-stage=\"2\" data-built=\"true\" data-level=\"1\">"
        ));
        assert!(svg.contains(
            "<g class=\"stage skipped\" data-node=\"s3\" data-stage=\"3\" data-built=\"false\">"
        ));
        assert!(svg.contains("skipped: not needed to build the target test</title>"));
        assert!(svg.contains("<g class=\"image unused\" data-node=\"img3\""));
        assert!(svg.contains("data-edge-kind=\"mount\""));
        assert!(svg.contains("<path class=\"edge copy skipped\" data-edge-kind=\"copy\""));
        assert!(svg.contains("<path class=\"edge from built\" data-edge-kind=\"from\""));
        assert!(svg.contains("class=\"level-caption\""));
        assert!(svg.contains("@media (prefers-color-scheme: dark)"));
        for kind in ["from", "copy", "mount"] {
            assert!(svg.contains(&format!("id=\"stagecraft-graph-arrow-{kind}\"")));
        }
        // A forced theme has one palette.
        let dark = to_svg(
            &layout,
            &SvgOptions {
                theme: Theme::Dark,
                ..SvgOptions::default()
            },
        );
        assert!(!dark.contains("@media"));
        assert!(dark.contains(DARK.background) && !dark.contains(LIGHT.image_fill));
    }

    #[test]
    fn duplicate_edges_are_drawn_once_and_scratch_has_no_node() {
        let text = "FROM alpine AS a\nFROM alpine\nCOPY --from=a /x /x\nCOPY --from=a /y /y\n\
COPY --from=alpine /z /z\nCOPY --from=scratch / /\n";
        let layout = layout(&analysis(text, None), &LayoutOptions::default());
        let edges: Vec<(&str, &str, EdgeKind)> = layout
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.kind))
            .collect();
        assert_eq!(
            edges,
            vec![
                ("img0", "s0", EdgeKind::From),
                ("img0", "s1", EdgeKind::From),
                ("s0", "s1", EdgeKind::Copy),
                ("img0", "s1", EdgeKind::Copy),
            ]
        );
        assert_eq!(layout.nodes.len(), 3);
        // The two edges from img0 to s1 leave and arrive apart.
        assert_ne!(layout.edges[1].points, layout.edges[3].points);
    }

    #[test]
    fn hostile_text_is_escaped() {
        let text = "FROM alpine AS </text><script>alert(1)</script>\n\
FROM scratch\nCOPY --from='\"/><script>x</script>&amp;' /a /b\n";
        let a = analysis(text, None);
        let layout = layout(&a, &LayoutOptions::default());
        let svg = to_svg(
            &layout,
            &SvgOptions {
                id_prefix: "x\"><script>".to_string(),
                title: Some("<b>'t'</b>".to_string()),
                ..SvgOptions::default()
            },
        );
        assert_well_formed(&svg);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            svg.contains("data-image=\"&quot;/&gt;&lt;script&gt;x&lt;/script&gt;&amp;amp;\""),
            "{svg}"
        );
        assert!(svg
            .contains("<title id=\"x---script--title\">&lt;b&gt;&apos;t&apos;&lt;/b&gt;</title>"));
        assert_eq!(xml_escape("a&<>\"'\u{1}b"), "a&amp;&lt;&gt;&quot;&apos; b");
    }

    #[test]
    fn output_is_deterministic() {
        let a = analysis(FOUR, None);
        let first = to_svg(
            &layout(&a, &LayoutOptions::default()),
            &SvgOptions::default(),
        );
        let second = to_svg(
            &layout(&analysis(FOUR, None), &LayoutOptions::default()),
            &SvgOptions::default(),
        );
        assert_eq!(first, second);
        assert_eq!(
            layout(&a, &LayoutOptions::default()),
            layout(&a, &LayoutOptions::default())
        );
    }

    #[test]
    fn empty_file_gives_an_empty_svg() {
        for text in ["", "# just a comment\nARG X=1\n"] {
            let layout = layout(&analysis(text, None), &LayoutOptions::default());
            assert!(layout.nodes.is_empty() && layout.edges.is_empty());
            let svg = to_svg(&layout, &SvgOptions::default());
            assert_well_formed(&svg);
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(svg.contains("viewBox=\"0 0 360 64\""));
            assert!(svg.contains("No stages yet"));
        }
    }

    #[test]
    fn cycles_still_lay_out() {
        let text = "FROM alpine AS a\nCOPY --from=b / /\nFROM alpine AS b\nCOPY --from=a / /\n\
FROM a AS c\n";
        let layout = layout(&analysis(text, None), &LayoutOptions::default());
        assert_eq!(layout.nodes.len(), 4);
        // alpine to a and b, a and b copying from each other, c from a.
        assert_eq!(layout.edges.len(), 5);
        assert_well_formed(&to_svg(&layout, &SvgOptions::default()));
    }

    #[test]
    fn two_thousand_stages_lay_out_quickly() {
        let mut text = String::new();
        for i in 0..2000 {
            let _ = writeln!(text, "FROM alpine:{} AS s{i}", i % 13);
            if i > 0 {
                let _ = writeln!(text, "COPY --from=s{} /a /a", i - 1);
                let _ = writeln!(text, "COPY --from=s{} /b /b", (i * 7919) % i);
            }
            if i > 2 {
                let _ = writeln!(text, "RUN --mount=from=s{},target=/m true", i / 3);
            }
        }
        let a = analysis(&text, None);
        let start = std::time::Instant::now();
        let layout = layout(&a, &LayoutOptions::default());
        let svg = to_svg(&layout, &SvgOptions::default());
        let elapsed = start.elapsed();
        println!(
            "2,000 stages: {} nodes, {} edges, {} crossings, {} bytes of SVG in {elapsed:?}",
            layout.nodes.len(),
            layout.edges.len(),
            layout.crossings,
            svg.len()
        );
        assert_eq!(layout.nodes.len(), 2013);
        assert!(elapsed.as_secs_f64() < 2.0, "{elapsed:?}");
    }
}
