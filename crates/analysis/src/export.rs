//! The stage graph as DOT, Mermaid and JSON, for the CLI and the web app alike.
//!
//! Every stage is a node labelled with its name (or `stage N`) and its base; every
//! external image an edge refers to (a base, `COPY --from=<image>`, `RUN --mount
//! from=<image>`) is one node of its own, shaped apart. Edge kinds are styled apart
//! (`from` solid, `copy` dashed, `mount` dotted) and labelled with their kind; the target
//! has a double, thick border and stages the target does not need are greyed out and
//! say `skipped` (images only skipped stages use are greyed out too). Labels are escaped so that no stage name or image string can break
//! out of its quotes. Output is deterministic: nodes in stage order, then images in
//! order of first use, then edges in the analysis' order with duplicates merged.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::{Analysis, EdgeKind, Stage};

/// A stage as a graph node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageNode {
    /// The node's id in DOT and Mermaid output: `s0`, `s1`…
    pub id: String,
    pub index: usize,
    pub name: Option<String>,
    /// `name`, or `stage N` for an unnamed stage.
    pub label: String,
    pub base: String,
    pub line: u32,
    pub built: bool,
    pub target: bool,
    /// The parallel build level, for built stages.
    pub level: Option<usize>,
}

/// An external image as a graph node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageNode {
    /// The node's id in DOT and Mermaid output: `img0`, `img1`…
    pub id: String,
    pub image: String,
    /// Whether a built stage uses the image (otherwise building the target never pulls it).
    pub used: bool,
}

/// One dependency, between node ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphEdge {
    pub kind: EdgeKind,
    /// Id of the stage or image node depended on.
    pub from: String,
    /// Id of the stage node that depends on it.
    pub to: String,
    pub from_stage: Option<usize>,
    pub from_image: Option<String>,
    pub to_stage: usize,
    /// 1-based line of the instruction that makes the edge.
    pub line: u32,
    /// Whether the dependent stage is built for the target.
    pub built: bool,
}

/// The whole stage graph, ready to serialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphJson {
    pub stages: Vec<StageNode>,
    pub images: Vec<ImageNode>,
    /// Every edge of the analysis, duplicates included, in the analysis' order.
    pub edges: Vec<GraphEdge>,
    pub target: Option<usize>,
    pub build_levels: Vec<Vec<usize>>,
}

/// The graph of `analysis` as plain data.
pub fn to_json(analysis: &Analysis) -> GraphJson {
    let images = image_ids(analysis);
    let stages = analysis
        .stages
        .iter()
        .map(|stage| StageNode {
            id: stage_id(stage.index),
            index: stage.index,
            name: stage.name.clone(),
            label: stage_title(stage),
            base: stage.base.clone(),
            line: stage.line,
            built: stage.built,
            target: analysis.target == Some(stage.index),
            level: stage.level,
        })
        .collect();
    let image_nodes = images
        .order
        .iter()
        .enumerate()
        .map(|(n, image)| ImageNode {
            id: image_id(n),
            image: image.clone(),
            used: images.used.get(image).copied().unwrap_or(false),
        })
        .collect();
    let edges = analysis
        .edges
        .iter()
        .filter_map(|edge| {
            let from = source_id(edge.from_stage, edge.from_image.as_deref(), &images)?;
            Some(GraphEdge {
                kind: edge.kind,
                from,
                to: stage_id(edge.to_stage),
                from_stage: edge.from_stage,
                from_image: edge.from_image.clone(),
                to_stage: edge.to_stage,
                line: edge.line,
                built: is_built(analysis, edge.to_stage),
            })
        })
        .collect();
    GraphJson {
        stages,
        images: image_nodes,
        edges,
        target: analysis.target,
        build_levels: analysis.build_levels.clone(),
    }
}

/// The graph of `analysis` in Graphviz DOT.
pub fn to_dot(analysis: &Analysis) -> String {
    let images = image_ids(analysis);
    let mut out = String::new();
    out.push_str("digraph stages {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for stage in &analysis.stages {
        let target = analysis.target == Some(stage.index);
        let mut attrs = format!("label=\"{}\"", dot_escape(&stage_label(stage, target)));
        if target {
            attrs.push_str(", class=\"target\", peripheries=2, penwidth=2");
        }
        if !stage.built {
            attrs.push_str(
                ", class=\"skipped\", style=\"rounded,dashed,filled\", fillcolor=\"grey95\", color=\"grey60\", fontcolor=\"grey50\"",
            );
        }
        let _ = writeln!(out, "  {} [{attrs}];", stage_id(stage.index));
    }
    for (n, image) in images.order.iter().enumerate() {
        let mut attrs = format!(
            "label=\"{}\", class=\"image\", shape=ellipse, style=filled, fillcolor=\"aliceblue\"",
            dot_escape(image)
        );
        if !images.used.get(image).copied().unwrap_or(false) {
            attrs.push_str(", color=\"grey60\", fontcolor=\"grey50\"");
        }
        let _ = writeln!(out, "  {} [{attrs}];", image_id(n));
    }
    for edge in display_edges(analysis, &images) {
        let style = match edge.kind {
            EdgeKind::From => "solid",
            EdgeKind::Copy => "dashed",
            EdgeKind::Mount => "dotted",
        };
        let mut attrs = format!("label=\"{}\", style={style}", edge.kind.as_str());
        if !edge.built {
            attrs.push_str(", color=\"grey60\", fontcolor=\"grey50\"");
        }
        let _ = writeln!(out, "  {} -> {} [{attrs}];", edge.from, edge.to);
    }
    out.push_str("}\n");
    out
}

/// The graph of `analysis` as a Mermaid flowchart.
pub fn to_mermaid(analysis: &Analysis) -> String {
    let images = image_ids(analysis);
    let mut out = String::new();
    out.push_str("flowchart LR\n");
    for stage in &analysis.stages {
        let target = analysis.target == Some(stage.index);
        let label = stage_label(stage, target)
            .split('\n')
            .map(mermaid_escape)
            .collect::<Vec<_>>()
            .join("<br/>");
        let _ = writeln!(out, "  {}[\"{label}\"]", stage_id(stage.index));
    }
    for (n, image) in images.order.iter().enumerate() {
        let _ = writeln!(out, "  {}([\"{}\"])", image_id(n), mermaid_escape(image));
    }
    let edges = display_edges(analysis, &images);
    let mut dashed = Vec::new();
    let mut dotted = Vec::new();
    let mut dimmed = Vec::new();
    for (n, edge) in edges.iter().enumerate() {
        let arrow = match edge.kind {
            EdgeKind::From => "-->",
            EdgeKind::Copy => {
                dashed.push(n.to_string());
                "-.->"
            }
            EdgeKind::Mount => {
                dotted.push(n.to_string());
                "-.->"
            }
        };
        if !edge.built {
            dimmed.push(n.to_string());
        }
        let _ = writeln!(
            out,
            "  {} {arrow}|{}| {}",
            edge.from,
            edge.kind.as_str(),
            edge.to
        );
    }
    if !dashed.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke-dasharray:6 4", dashed.join(","));
    }
    if !dotted.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke-dasharray:2 3", dotted.join(","));
    }
    if !dimmed.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#aaa,color:#888",
            dimmed.join(",")
        );
    }
    out.push_str("  classDef image fill:#eef4ff,stroke:#5b7db1\n");
    out.push_str("  classDef target stroke-width:3px,stroke:#222\n");
    out.push_str("  classDef skipped fill:#f2f2f2,stroke:#aaa,color:#888,stroke-dasharray:3 3\n");
    let image_list: Vec<String> = (0..images.order.len()).map(image_id).collect();
    if !image_list.is_empty() {
        let _ = writeln!(out, "  class {} image", image_list.join(","));
    }
    if let Some(target) = analysis.target.filter(|&t| t < analysis.stages.len()) {
        let _ = writeln!(out, "  class {} target", stage_id(target));
    }
    let skipped: Vec<String> = analysis
        .stages
        .iter()
        .filter(|s| !s.built)
        .map(|s| stage_id(s.index))
        .chain(
            images
                .order
                .iter()
                .enumerate()
                .filter(|(_, image)| !images.used.get(*image).copied().unwrap_or(false))
                .map(|(n, _)| image_id(n)),
        )
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "  class {} skipped", skipped.join(","));
    }
    out
}

fn stage_id(index: usize) -> String {
    format!("s{index}")
}

fn image_id(index: usize) -> String {
    format!("img{index}")
}

/// `name`, or `stage N` for an unnamed stage.
fn stage_title(stage: &Stage) -> String {
    match &stage.name {
        Some(name) => name.clone(),
        None => format!("stage {}", stage.index),
    }
}

/// The lines of a stage's label, joined with `\n` (each line escaped by the caller).
fn stage_label(stage: &Stage, target: bool) -> String {
    let base = if stage.base.is_empty() {
        "(no base)"
    } else {
        &stage.base
    };
    let mut label = format!("{}\nFROM {base}", stage_title(stage));
    if target {
        label.push_str("\n(target)");
    }
    if !stage.built {
        label.push_str("\n(skipped)");
    }
    label
}

/// External images in order of first use, and whether a built stage uses each.
struct Images {
    order: Vec<String>,
    ids: BTreeMap<String, usize>,
    used: BTreeMap<String, bool>,
}

fn image_ids(analysis: &Analysis) -> Images {
    let mut images = Images {
        order: Vec::new(),
        ids: BTreeMap::new(),
        used: BTreeMap::new(),
    };
    for edge in &analysis.edges {
        let Some(image) = edge
            .from_image
            .as_ref()
            .filter(|_| edge.from_stage.is_none())
        else {
            continue;
        };
        if !images.ids.contains_key(image) {
            images.ids.insert(image.clone(), images.order.len());
            images.order.push(image.clone());
        }
        let used = images.used.entry(image.clone()).or_insert(false);
        *used |= is_built(analysis, edge.to_stage);
    }
    images
}

fn is_built(analysis: &Analysis, stage: usize) -> bool {
    analysis.stages.get(stage).is_some_and(|s| s.built)
}

fn source_id(
    from_stage: Option<usize>,
    from_image: Option<&str>,
    images: &Images,
) -> Option<String> {
    match (from_stage, from_image) {
        (Some(stage), _) => Some(stage_id(stage)),
        (None, Some(image)) => images.ids.get(image).map(|&n| image_id(n)),
        (None, None) => None,
    }
}

/// An edge as drawn: between node ids, one per (source, target, kind).
struct DisplayEdge {
    kind: EdgeKind,
    from: String,
    to: String,
    built: bool,
}

fn display_edges(analysis: &Analysis, images: &Images) -> Vec<DisplayEdge> {
    let mut seen = std::collections::BTreeSet::new();
    let mut edges = Vec::new();
    for edge in &analysis.edges {
        let Some(from) = source_id(edge.from_stage, edge.from_image.as_deref(), images) else {
            continue;
        };
        if edge.to_stage >= analysis.stages.len() {
            continue;
        }
        let to = stage_id(edge.to_stage);
        if !seen.insert((from.clone(), to.clone(), edge.kind)) {
            continue;
        }
        edges.push(DisplayEdge {
            kind: edge.kind,
            from,
            to,
            built: is_built(analysis, edge.to_stage),
        });
    }
    edges
}

/// Escapes text for a double-quoted DOT string: `\n` stays a line break, quotes and
/// backslashes are escaped (so `\N`, `\G`… keep no special meaning), and other control
/// characters become spaces.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a double-quoted Mermaid label: letters, digits, spaces and a few
/// harmless marks stay; any other ASCII character becomes an entity code (`#quot;`,
/// `#91;`), so quotes, brackets, `<`, `#` or `|` cannot end the label or inject markup;
/// control characters become spaces.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.push(' '),
            c if c.is_alphanumeric()
                || matches!(c, ' ' | '-' | '_' | '.' | ':' | '/' | '@' | '+' | '=' | ',') =>
            {
                out.push(c)
            }
            '"' => out.push_str("#quot;"),
            c if c.is_ascii() => {
                let _ = write!(out, "#{};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
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

    const THREE: &str = "FROM golang:1.22 AS build\nRUN go build\n\
FROM alpine AS test\nRUN --mount=type=bind,from=build,target=/b true\n\
FROM nginx:alpine\nCOPY --from=build /out /out\nCOPY --from=busybox:musl /bin/sh /sh\n";

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn dot_has_stages_images_and_styled_edges() {
        let dot = to_dot(&analysis(THREE, None));
        assert_eq!(
            lines(&dot),
            vec![
                "digraph stages {",
                "  rankdir=LR;",
                "  node [shape=box, style=rounded, fontname=\"Helvetica\"];",
                "  edge [fontname=\"Helvetica\", fontsize=10];",
                "  s0 [label=\"build\\nFROM golang:1.22\"];",
                "  s1 [label=\"test\\nFROM alpine\\n(skipped)\", class=\"skipped\", style=\"rounded,dashed,filled\", fillcolor=\"grey95\", color=\"grey60\", fontcolor=\"grey50\"];",
                "  s2 [label=\"stage 2\\nFROM nginx:alpine\\n(target)\", class=\"target\", peripheries=2, penwidth=2];",
                "  img0 [label=\"golang:1.22\", class=\"image\", shape=ellipse, style=filled, fillcolor=\"aliceblue\"];",
                "  img1 [label=\"alpine\", class=\"image\", shape=ellipse, style=filled, fillcolor=\"aliceblue\", color=\"grey60\", fontcolor=\"grey50\"];",
                "  img2 [label=\"nginx:alpine\", class=\"image\", shape=ellipse, style=filled, fillcolor=\"aliceblue\"];",
                "  img3 [label=\"busybox:musl\", class=\"image\", shape=ellipse, style=filled, fillcolor=\"aliceblue\"];",
                "  img0 -> s0 [label=\"from\", style=solid];",
                "  img1 -> s1 [label=\"from\", style=solid, color=\"grey60\", fontcolor=\"grey50\"];",
                "  s0 -> s1 [label=\"mount\", style=dotted, color=\"grey60\", fontcolor=\"grey50\"];",
                "  img2 -> s2 [label=\"from\", style=solid];",
                "  s0 -> s2 [label=\"copy\", style=dashed];",
                "  img3 -> s2 [label=\"copy\", style=dashed];",
                "}",
            ]
        );
    }

    #[test]
    fn mermaid_has_stages_images_and_styled_edges() {
        let mermaid = to_mermaid(&analysis(THREE, None));
        assert_eq!(
            lines(&mermaid),
            vec![
                "flowchart LR",
                "  s0[\"build<br/>FROM golang:1.22\"]",
                "  s1[\"test<br/>FROM alpine<br/>#40;skipped#41;\"]",
                "  s2[\"stage 2<br/>FROM nginx:alpine<br/>#40;target#41;\"]",
                "  img0([\"golang:1.22\"])",
                "  img1([\"alpine\"])",
                "  img2([\"nginx:alpine\"])",
                "  img3([\"busybox:musl\"])",
                "  img0 -->|from| s0",
                "  img1 -->|from| s1",
                "  s0 -.->|mount| s1",
                "  img2 -->|from| s2",
                "  s0 -.->|copy| s2",
                "  img3 -.->|copy| s2",
                "  linkStyle 4,5 stroke-dasharray:6 4",
                "  linkStyle 2 stroke-dasharray:2 3",
                "  linkStyle 1,2 stroke:#aaa,color:#888",
                "  classDef image fill:#eef4ff,stroke:#5b7db1",
                "  classDef target stroke-width:3px,stroke:#222",
                "  classDef skipped fill:#f2f2f2,stroke:#aaa,color:#888,stroke-dasharray:3 3",
                "  class img0,img1,img2,img3 image",
                "  class s2 target",
                "  class s1,img1 skipped",
            ]
        );
    }

    #[test]
    fn images_are_deduplicated_and_duplicate_edges_merged() {
        let text = "FROM alpine AS a\nFROM alpine\nCOPY --from=a /x /x\nCOPY --from=a /y /y\nCOPY --from=alpine /z /z\n";
        let dot = to_dot(&analysis(text, None));
        let image_nodes: Vec<&str> = dot
            .lines()
            .filter(|l| l.starts_with("  img") && !l.contains("->"))
            .collect();
        assert_eq!(image_nodes.len(), 1, "{dot}");
        let edges: Vec<&str> = dot.lines().filter(|l| l.contains("->")).collect();
        assert_eq!(
            edges,
            vec![
                "  img0 -> s0 [label=\"from\", style=solid];",
                "  img0 -> s1 [label=\"from\", style=solid];",
                "  s0 -> s1 [label=\"copy\", style=dashed];",
                "  img0 -> s1 [label=\"copy\", style=dashed];",
            ]
        );
        // JSON keeps every edge.
        let json = to_json(&analysis(text, None));
        assert_eq!(json.edges.len(), 5);
        assert_eq!(json.images.len(), 1);
        assert_eq!(json.edges[4].from, "img0");
    }

    #[test]
    fn target_marks_stages_skipped() {
        let json = to_json(&analysis(THREE, Some("test")));
        let built: Vec<(String, bool, bool)> = json
            .stages
            .iter()
            .map(|s| (s.label.clone(), s.built, s.target))
            .collect();
        assert_eq!(
            built,
            vec![
                ("build".to_string(), true, false),
                ("test".to_string(), true, true),
                ("stage 2".to_string(), false, false),
            ]
        );
        assert_eq!(json.target, Some(1));
        assert_eq!(json.build_levels, vec![vec![0], vec![1]]);
        let unused: Vec<&str> = json
            .images
            .iter()
            .filter(|i| !i.used)
            .map(|i| i.image.as_str())
            .collect();
        assert_eq!(unused, vec!["nginx:alpine", "busybox:musl"]);
        let dot = to_dot(&analysis(THREE, Some("test")));
        assert!(dot.contains("  s1 [label=\"test\\nFROM alpine\\n(target)\", class=\"target\""));
        assert!(dot.contains(
            "  s2 [label=\"stage 2\\nFROM nginx:alpine\\n(skipped)\", class=\"skipped\""
        ));
    }

    #[test]
    fn hostile_names_cannot_break_out_of_labels() {
        let text =
            "FROM a\"b\\N]c AS x\"y\nFROM scratch\nCOPY --from='evil\"];x[\"<b>#1;|z' /a /b\n";
        let dot = to_dot(&analysis(text, None));
        assert!(
            dot.contains("label=\"x\\\"y\\nFROM a\\\"b\\\\N]c\\n(skipped)\""),
            "{dot}"
        );
        assert!(dot.contains("label=\"evil\\\"];x[\\\"<b>#1;|z\""), "{dot}");
        // Every quote inside a DOT string is escaped: unescaped quotes pair up per line.
        for line in dot.lines() {
            let unescaped = line
                .replace("\\\\", "")
                .replace("\\\"", "")
                .matches('"')
                .count();
            assert_eq!(unescaped % 2, 0, "{line}");
        }
        let mermaid = to_mermaid(&analysis(text, None));
        assert!(
            mermaid.contains("  img1([\"evil#quot;#93;#59;x#91;#quot;#60;b#62;#35;1#59;#124;z\"])"),
            "{mermaid}"
        );
        assert!(
            mermaid.contains("  s0[\"x#quot;y<br/>FROM a#quot;b#92;N#93;c<br/>#40;skipped#41;\"]"),
            "{mermaid}"
        );
        for line in mermaid.lines() {
            assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        }
    }

    #[test]
    fn scratch_and_empty_files() {
        let dot = to_dot(&analysis("FROM scratch\nCOPY x /\n", None));
        assert!(
            dot.contains("  s0 [label=\"stage 0\\nFROM scratch\\n(target)\""),
            "{dot}"
        );
        assert!(!dot.contains("->"));
        let empty = analysis("", None);
        assert_eq!(to_dot(&empty).lines().count(), 5);
        assert_eq!(to_mermaid(&empty).lines().count(), 4);
        assert!(to_json(&empty).stages.is_empty());
    }
}
