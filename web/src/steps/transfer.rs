//! A `COPY --from` step as files moving: chips for what landed travel along the graph's
//! edge from the source (a stage or an external image) to the destination stage, beside
//! a box listing the copied paths and their bytes. The motion is CSS, so
//! `prefers-reduced-motion: reduce` parks the chips at the destination instead.

use std::collections::BTreeMap;
use std::rc::Rc;

use stagecraft_analysis::layout::{Layout, NodeKind};
use stagecraft_simulate::model::{Diff, Transfer};
use stagecraft_simulate::vfs::{self, Kind};
use stagecraft_syntax::order::{map_from, sort_by};
use yew::prelude::*;

use crate::state::format_bytes;

/// Chips drawn at most; the rest are one "+N" chip.
pub const MAX_CHIPS: usize = 4;

/// One thing that landed: a file, or a directory that arrived whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub path: String,
    pub label: String,
    /// Bytes at and under the path that the step wrote.
    pub bytes: u64,
}

/// What a step's diff brought in, as few chips as say it: the topmost written paths,
/// a directory the step only created on the way (`/usr/local/bin` for one binary) stepped
/// through to what it holds. Largest first.
pub fn chips(diff: &Diff) -> Vec<Chip> {
    let written: BTreeMap<&str, (Kind, u64)> = map_from(
        diff.added
            .iter()
            .chain(&diff.changed)
            .map(|c| (c.path.as_str(), (c.kind, c.bytes))),
    );
    let is_root = |path: &str| {
        let mut at = path;
        while at != "/" {
            at = vfs::parent(at);
            if written.contains_key(at) {
                return false;
            }
        }
        true
    };
    let children = |dir: &str| -> Vec<&str> {
        written
            .keys()
            .copied()
            .filter(|p| *p != dir && vfs::parent(p) == dir)
            .collect()
    };
    let is_dir = |path: &str| {
        written
            .get(path)
            .is_some_and(|(kind, _)| *kind == Kind::Dir)
    };
    let mut roots: Vec<&str> = written
        .keys()
        .copied()
        .filter(|p| is_root(p))
        .map(|root| {
            let mut path = root;
            while is_dir(path) {
                match children(path).as_slice() {
                    [only] => path = only,
                    _ => break,
                }
            }
            path
        })
        .collect();
    // One directory that arrived whole travels as what it holds: its files are the news.
    if let [only] = roots.as_slice() {
        let inside = children(only);
        if is_dir(only) && !inside.is_empty() {
            roots = inside;
        }
    }
    let mut chips: Vec<Chip> = roots
        .into_iter()
        .map(|path| {
            let bytes = written
                .iter()
                .filter(|(p, _)| vfs::is_within(p, path))
                .map(|(_, (_, b))| b)
                .sum();
            Chip {
                path: path.to_owned(),
                label: path.rsplit('/').next().unwrap_or(path).to_owned(),
                bytes,
            }
        })
        .collect();
    sort_by(&mut chips, |a, b| {
        b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path))
    });
    chips
}

#[derive(Properties, PartialEq)]
pub struct TransferViewProps {
    pub transfer: Transfer,
    pub chips: Rc<Vec<Chip>>,
    pub from_label: String,
    pub to_label: String,
}

/// The box beside the graph: source and destination, the copied paths, what landed.
#[function_component]
pub fn TransferView(props: &TransferViewProps) -> Html {
    let t = &props.transfer;
    let hidden = props.chips.len().saturating_sub(MAX_CHIPS * 3);
    html! {
        <div class="transfer" data-transfer-from={t.from_stage.map(|s| s.to_string()).unwrap_or_default()}>
            <p class="transfer-head">
                <span class={classes!("transfer-end", "from", t.from_stage.is_none().then_some("image"))}>{ &props.from_label }</span>
                <span class="transfer-arrow" aria-hidden="true">{ "→" }</span>
                <span class="transfer-end to">{ &props.to_label }</span>
                <span class="transfer-bytes">{ format_bytes(t.bytes) }</span>
            </p>
            <p class="transfer-text">
                <span class="muted">{ "Copied" }</span>
                { for t.sources.iter().map(|s| html! { <code class="transfer-source">{ s }</code> }) }
                <span aria-hidden="true">{ "→" }</span>
                <span class="visually-hidden">{ "to" }</span>
                <code class="transfer-destination">{ landing(&t.destinations) }</code>
            </p>
            if !props.chips.is_empty() {
                <ul class="landed" aria-label="What landed">
                    { for props.chips.iter().take(MAX_CHIPS * 3).map(|c| html! {
                        <li class="file-chip" title={c.path.clone()}>
                            <code>{ &c.path }</code>
                            <span class="file-chip-size">{ format_bytes(c.bytes) }</span>
                        </li>
                    }) }
                    if hidden > 0 {
                        <li class="file-chip more">{ format!("+{hidden} more") }</li>
                    }
                </ul>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TransferOverlayProps {
    pub layout: Rc<Layout>,
    pub transfer: Transfer,
    /// The destination stage.
    pub stage: usize,
    pub chips: Rc<Vec<Chip>>,
}

/// Chips travelling along the edge, drawn over the graph in the graph's own coordinates
/// (same viewBox, same box), so they follow its curves at any size. Keyed by step by the
/// caller: a new element restarts the animation each time a `COPY --from` comes up.
#[function_component]
pub fn TransferOverlay(props: &TransferOverlayProps) -> Html {
    let l = &props.layout;
    let t = &props.transfer;
    let source = l.nodes.iter().find(|n| match &n.kind {
        NodeKind::Stage { index, .. } => Some(*index) == t.from_stage,
        NodeKind::Image { reference, .. } => {
            t.from_stage.is_none() && Some(reference) == t.from_image.as_ref()
        }
    });
    let target = l
        .nodes
        .iter()
        .find(|n| matches!(n.kind, NodeKind::Stage { index, .. } if index == props.stage));
    let (Some(source), Some(target)) = (source, target) else {
        return html! {};
    };
    // The drawn copy edge when there is one; otherwise a straight run between the nodes.
    let route = l
        .edges
        .iter()
        .find(|e| e.kind.as_str() == "copy" && e.from == source.id && e.to == target.id)
        .map(|e| e.path.clone())
        .unwrap_or_else(|| {
            let (sx, sy) = (source.x + source.width, source.y + source.height / 2.0);
            let (tx, ty) = (target.x, target.y + target.height / 2.0);
            format!("M{sx:.1} {sy:.1} L{tx:.1} {ty:.1}")
        });
    let extra = props.chips.len().saturating_sub(MAX_CHIPS);
    let labels: Vec<String> = props
        .chips
        .iter()
        .take(MAX_CHIPS)
        .map(|c| clip(&c.label, 12))
        .chain((extra > 0).then(|| format!("+{extra} more")))
        .collect();
    // What stays at the destination once the chips are in (and all that reduced motion
    // shows): the one thing that came, or how many paths did.
    let arrived = match (props.chips.as_slice(), t.destinations.len()) {
        ([only], _) => clip(&only.label, 12),
        (_, 1) => "1 path".to_owned(),
        (_, n) => format!("{n} paths"),
    };
    let lanes = labels.len() as f64;
    let view_box = format!("0 0 {:.0} {:.0}", l.width, l.height);
    let path_style = format!("offset-path: path('{route}')");
    let arrival_delay = CHIP_MS + CHIP_STAGGER_MS * labels.len().saturating_sub(1) as u32;
    let arrived_width = chip_width(&arrived);
    html! {
        <svg class="transfer-overlay" viewBox={view_box} aria-hidden="true" focusable="false">
            { for labels.iter().enumerate().map(|(i, label)| {
                let width = chip_width(label);
                // The chips travel side by side, one lane each, centred on the edge.
                let lane = (i as f64 - (lanes - 1.0) / 2.0) * 20.0;
                let style = format!("{path_style}; animation-delay: {}ms", i as u32 * CHIP_STAGGER_MS);
                html! {
                    <g class="chip" {style} data-chip={label.clone()}>
                        <g transform={format!("translate({:.1} {:.1})", -width / 2.0, lane - 9.0)}>
                            <rect width={format!("{width:.1}")} height="18" rx="9" />
                            <text x={format!("{:.1}", width / 2.0)} y="12.5" text-anchor="middle">{ label }</text>
                        </g>
                    </g>
                }
            }) }
            <g class="arrival" style={format!("{path_style}; animation-delay: {arrival_delay}ms")} data-arrived={arrived.clone()}>
                // Just short of the arrowhead.
                <g transform={format!("translate({:.1} -9)", -arrived_width - 6.0)}>
                    <rect width={format!("{arrived_width:.1}")} height="18" rx="9" />
                    <text x={format!("{:.1}", arrived_width / 2.0)} y="12.5" text-anchor="middle">{ arrived }</text>
                </g>
            </g>
        </svg>
    }
}

/// One chip's journey, and the gap between two chips' departures (the CSS animation's
/// duration is the same figure: `chip-travel` in steps.css).
const CHIP_MS: u32 = 800;
const CHIP_STAGGER_MS: u32 = 100;

/// A chip's width for `label` in the 10 px monospace the CSS sets.
fn chip_width(label: &str) -> f64 {
    label.chars().count() as f64 * 6.1 + 14.0
}

/// `s` cut to `max` characters with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// Where `paths` landed, in words: the one path, or "N paths under <their common
/// directory>".
pub fn landing(paths: &[String]) -> String {
    match paths {
        [] => String::new(),
        [only] => only.clone(),
        [first, rest @ ..] => {
            let mut dir = vfs::parent(first).to_owned();
            for path in rest {
                while dir != "/" && !(vfs::is_within(path, &dir) && path != &dir) {
                    dir = vfs::parent(&dir).to_owned();
                }
            }
            format!("{} paths under {dir}", paths.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagecraft_simulate::model::PathChange;
    use stagecraft_simulate::vfs::Origin;

    fn added(path: &str, kind: Kind, bytes: u64) -> PathChange {
        PathChange {
            path: path.to_owned(),
            kind,
            bytes,
            previous_bytes: None,
            origin: Origin::Stage { stage: 0 },
        }
    }

    fn summary(diff: &Diff) -> Vec<(String, u64)> {
        chips(diff).into_iter().map(|c| (c.path, c.bytes)).collect()
    }

    #[test]
    fn a_binary_copied_into_new_directories_is_one_chip_for_the_binary() {
        let diff = Diff {
            added: vec![
                added("/usr", Kind::Dir, 0),
                added("/usr/local", Kind::Dir, 0),
                added("/usr/local/bin", Kind::Dir, 0),
                added("/usr/local/bin/app", Kind::File, 6_500_000),
            ],
            ..Diff::default()
        };
        assert_eq!(
            summary(&diff),
            [("/usr/local/bin/app".to_owned(), 6_500_000)]
        );
        assert_eq!(chips(&diff)[0].label, "app");
    }

    #[test]
    fn a_directory_that_arrives_whole_is_one_chip_with_its_bytes() {
        let diff = Diff {
            added: vec![
                added("/srv/html", Kind::Dir, 0),
                added("/srv/html/index.html", Kind::File, 1_000),
                added("/srv/html/assets", Kind::Dir, 0),
                added("/srv/html/assets/app.js", Kind::File, 300_000),
                added("/etc/app.conf", Kind::File, 20),
            ],
            changed: vec![PathChange {
                previous_bytes: Some(10),
                ..added("/etc/hosts", Kind::File, 40)
            }],
            ..Diff::default()
        };
        assert_eq!(
            summary(&diff),
            [
                ("/srv/html".to_owned(), 301_000),
                ("/etc/hosts".to_owned(), 40),
                ("/etc/app.conf".to_owned(), 20),
            ]
        );
    }

    #[test]
    fn one_directory_arriving_whole_travels_as_its_contents() {
        let diff = Diff {
            added: vec![
                added("/app", Kind::Dir, 0),
                added("/app/server.js", Kind::File, 500),
                added("/app/public", Kind::Dir, 0),
                added("/app/public/index.html", Kind::File, 1_400),
            ],
            ..Diff::default()
        };
        assert_eq!(
            summary(&diff),
            [
                ("/app/public".to_owned(), 1_400),
                ("/app/server.js".to_owned(), 500),
            ]
        );
    }

    #[test]
    fn landing_names_the_one_path_or_the_common_directory() {
        let paths = |ps: &[&str]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(landing(&paths(&["/app"])), "/app");
        assert_eq!(
            landing(&paths(&["/app/a.js", "/app/lib/b.js", "/app/c"])),
            "3 paths under /app"
        );
        assert_eq!(
            landing(&paths(&["/app/a", "/application/b"])),
            "2 paths under /"
        );
        assert_eq!(
            landing(&paths(&["/srv/x", "/srv/x/y"])),
            "2 paths under /srv"
        );
        assert_eq!(landing(&[]), "");
    }

    #[test]
    fn nothing_written_means_no_chips_and_labels_are_clipped() {
        assert!(chips(&Diff::default()).is_empty());
        assert_eq!(clip("node_modules_cache_dir", 8), "node_mo…");
        assert_eq!(clip("app", 8), "app");
    }
}
