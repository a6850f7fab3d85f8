//! `stagecraft explain` (the final image and why), and the short image summary that
//! `stagecraft analyze` prints after its diagnostics. Plain ASCII, deterministic: every
//! list is sorted or in file order, ties broken by path.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use stagecraft_simulate::model::StageResult;
use stagecraft_simulate::vfs::{Kind, Node, Origin};
use stagecraft_simulate::{FinalImage, Simulation};

use crate::json::stage_title;
use crate::render::{self, clean_line};

/// Width of a full bar in the layer chart.
const BAR_WIDTH: usize = 30;
/// How many of the biggest paths `explain` lists.
const BIGGEST_PATHS: usize = 10;
/// Instructions in the layer chart are cut to this many characters.
const INSTRUCTION_WIDTH: usize = 60;
/// Lists in badges show this many items, then "and N more".
const LIST_ITEMS: usize = 5;

/// `analyze --format text`: the diagnostics, the image summary, then the summary line.
pub fn render_analyze(text: &str, name: &str, simulation: &Simulation) -> String {
    let mut out = render::render_list(text, name, &simulation.diagnostics);
    if let Some(image) = &simulation.image {
        out.push_str(&image_summary(simulation, image));
        out.push('\n');
    }
    out.push_str(&render::summary(&simulation.diagnostics));
    out.push('\n');
    out
}

/// The few lines that say what the final image is.
pub fn image_summary(simulation: &Simulation, image: &FinalImage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "final image (estimated): {}",
        clean_line(&stage_title(simulation, image.stage))
    );
    let rows = [
        (
            "size",
            format!(
                "{} ({} compressed)",
                mb_f(image.size_mb),
                mb_f(image.compressed_mb)
            ),
        ),
        ("base", base_text(image)),
        ("user", user_text(&image.user)),
        ("shell", yes_no(image.has_shell).to_string()),
        (
            "package manager",
            image
                .package_manager
                .as_deref()
                .map_or_else(|| "none".to_string(), clean_line),
        ),
        ("toolchains", list_text(&image.toolchains)),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<16} {value}");
    }
    out
}

/// `stagecraft explain`.
pub fn render_explain(text: &str, name: &str, simulation: &Simulation) -> String {
    let mut out = String::new();
    let target = simulation.analysis.target;
    let (Some(image), Some(result)) = (
        simulation.image.as_ref(),
        target.and_then(|t| simulation.stages.get(t).and_then(Option::as_ref)),
    ) else {
        out.push_str("No final image: the Dockerfile has no stage to build.\n\n");
        out.push_str("Diagnostics\n");
        out.push_str(&render::render_diagnostics(
            text,
            name,
            &simulation.diagnostics,
        ));
        return out;
    };

    let _ = writeln!(
        out,
        "Final image of {}: {}, simulated with the `{}` build context",
        clean_line(name),
        clean_line(&stage_title(simulation, image.stage)),
        clean_line(&simulation.context)
    );
    let _ = writeln!(
        out,
        "  {} uncompressed, {} compressed (estimates); {} of it wasted by later deletes or overwrites",
        mb_f(image.size_mb),
        mb_f(image.compressed_mb),
        mb_f(image.wasted_mb)
    );

    section(&mut out, "Base image");
    explain_base(&mut out, simulation, result, image);

    section(&mut out, "Size by layer");
    layer_chart(&mut out, result);

    section(&mut out, "Biggest paths");
    biggest_paths(&mut out, simulation, result);

    section(&mut out, "What each stage contributed");
    contributions(&mut out, simulation, image.stage);

    section(&mut out, "Badges");
    badges(&mut out, image);

    section(&mut out, "Diagnostics");
    out.push_str(&render::render_diagnostics(
        text,
        name,
        &simulation.diagnostics,
    ));
    out
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

fn explain_base(
    out: &mut String,
    simulation: &Simulation,
    result: &StageResult,
    image: &FinalImage,
) {
    let base = &result.base;
    if let Some(stage) = simulation
        .analysis
        .stages
        .get(image.stage)
        .and_then(|s| s.base_stage)
    {
        let _ = writeln!(
            out,
            "  FROM {}: the image starts with that stage's filesystem and layers",
            clean_line(&stage_title(simulation, stage))
        );
    }
    let what = match &base.resolved {
        _ if image.base == "scratch" => {
            "an empty filesystem: nothing but what the Dockerfile adds".to_string()
        }
        Some(resolved) => format!("catalog entry {}", clean_line(resolved)),
        None => "not in the catalog".to_string(),
    };
    let _ = writeln!(
        out,
        "  {}: {} ({what})",
        clean_line(&image.base),
        mb_f(image.base_mb)
    );
    if let Some(note) = &image.base_note {
        let _ = writeln!(out, "  note: {}", clean_line(note));
    }
}

/// One row per layer, and the base first, with bars scaled to the biggest row.
fn layer_chart(out: &mut String, result: &StageResult) {
    let base_bytes = result.base.bytes;
    let largest = result
        .layers
        .iter()
        .map(|l| l.bytes)
        .chain([base_bytes])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "  {:<10} {:<width$}  {:>12}  {:>12}  instruction",
        "",
        "",
        "size",
        "wasted",
        width = BAR_WIDTH + 2
    );
    let _ = writeln!(
        out,
        "  {:<10} {}  {:>12}  {:>12}  {}",
        "base",
        bar(base_bytes, largest),
        mb(base_bytes),
        "",
        clean_line(
            result
                .base
                .image
                .as_deref()
                .unwrap_or(result.base.reference.as_str())
        )
    );
    for layer in &result.layers {
        let label = if layer.stage == result.index {
            format!("line {}", layer.line)
        } else {
            format!("line {}*", layer.line)
        };
        let _ = writeln!(
            out,
            "  {label:<10} {}  {:>12}  {:>12}  {}",
            bar(layer.bytes, largest),
            mb(layer.bytes),
            mb(layer.wasted_bytes),
            cut(&clean_line(&layer.created_by), INSTRUCTION_WIDTH)
        );
    }
    if result.layers.iter().any(|l| l.stage != result.index) {
        out.push_str("  * inherited from the stage this one starts FROM\n");
    }
    if result.layers.is_empty() {
        out.push_str("  (no layers of its own: the image is its base)\n");
    }
}

/// `[#####     ]`: the share of `bytes` in `largest`, at least one mark when not empty.
fn bar(bytes: u64, largest: u64) -> String {
    let filled = if largest == 0 || bytes == 0 {
        0
    } else {
        let share = (bytes as f64 / largest as f64 * BAR_WIDTH as f64).round() as usize;
        share.clamp(1, BAR_WIDTH)
    };
    format!("[{}{}]", "#".repeat(filled), " ".repeat(BAR_WIDTH - filled))
}

fn biggest_paths(out: &mut String, simulation: &Simulation, result: &StageResult) {
    let mut entries: Vec<(&String, &Node)> = result
        .fs
        .iter()
        .filter(|(_, n)| n.kind != Kind::Dir && n.size > 0)
        .collect();
    entries.sort_by(|a, b| b.1.size.cmp(&a.1.size).then_with(|| a.0.cmp(b.0)));
    if entries.is_empty() {
        out.push_str("  (no files with a known size)\n");
        return;
    }
    let shown: Vec<(String, &Node)> = entries
        .into_iter()
        .take(BIGGEST_PATHS)
        .map(|(p, n)| (cut(&clean_line(p), 50), n))
        .collect();
    let width = shown
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    for (path, node) in &shown {
        let mut origin = origin_text(simulation, result, node);
        if let Some(what) = &node.what {
            let _ = write!(origin, "; {}", clean_line(what));
        }
        let tree = if node.kind == Kind::Tree { "/" } else { " " };
        let pad = width.saturating_sub(path.chars().count());
        let _ = writeln!(
            out,
            "  {path}{tree}{}  {:>12}  {origin}",
            " ".repeat(pad),
            mb(node.size)
        );
    }
    if shown.iter().any(|(_, n)| n.kind == Kind::Tree) {
        out.push_str("  (a trailing / marks a whole tree counted as one entry)\n");
    }
}

/// Where a path's bytes came from: the base, the context, a stage, an image or a RUN.
fn origin_text(simulation: &Simulation, result: &StageResult, node: &Node) -> String {
    let line = node
        .layer
        .and_then(|l| result.layers.get(l))
        .map(|l| format!(", line {}", l.line))
        .unwrap_or_default();
    match &node.origin {
        Origin::Base { image } => format!("base {}", clean_line(image)),
        Origin::Context => format!("context{line}"),
        Origin::Stage { stage } => {
            format!("{}{line}", clean_line(&stage_title(simulation, *stage)))
        }
        Origin::Image { image } => format!("image {}{line}", clean_line(image)),
        Origin::Run => format!("RUN{line}"),
        Origin::Remote { url } => format!("ADD {}{line}", cut(&clean_line(url), 60)),
    }
}

/// Bytes each built stage copied into the target with COPY --from, and the images it
/// copied from; built stages that copied nothing directly are named too.
fn contributions(out: &mut String, simulation: &Simulation, target: usize) {
    let mut by_stage: BTreeMap<usize, (u64, Vec<u32>)> = BTreeMap::new();
    let mut by_image: BTreeMap<String, (u64, Vec<u32>)> = BTreeMap::new();
    for step in simulation.steps.iter().filter(|s| s.stage == target) {
        let Some(transfer) = &step.transfer else {
            continue;
        };
        let entry = match (transfer.from_stage, &transfer.from_image) {
            (Some(stage), _) => by_stage.entry(stage).or_default(),
            (None, Some(image)) => by_image.entry(image.clone()).or_default(),
            (None, None) => continue,
        };
        entry.0 += transfer.bytes;
        entry.1.push(step.line);
    }
    let from_stage = simulation
        .analysis
        .stages
        .get(target)
        .and_then(|s| s.base_stage);
    let mut any = false;
    for stage in simulation.analysis.stages.iter().filter(|s| s.built) {
        if stage.index == target {
            continue;
        }
        any = true;
        let label = clean_line(&stage_title(simulation, stage.index));
        let size = simulation
            .stages
            .get(stage.index)
            .and_then(Option::as_ref)
            .map(|r| format!(", {} in all", mb(r.size_bytes)))
            .unwrap_or_default();
        let copied = by_stage.get(&stage.index);
        let mut parts = Vec::new();
        if from_stage == Some(stage.index) {
            parts.push("the base the image starts FROM".to_string());
        }
        if let Some((bytes, lines)) = copied {
            parts.push(format!(
                "{} copied in by COPY --from ({})",
                mb(*bytes),
                lines_text(lines)
            ));
        }
        if parts.is_empty() {
            parts.push("nothing copied into the image directly".to_string());
        }
        let _ = writeln!(out, "  {label}{size}: {}", parts.join("; "));
    }
    for (image, (bytes, lines)) in &by_image {
        any = true;
        let _ = writeln!(
            out,
            "  image {}: {} copied in by COPY --from ({})",
            clean_line(image),
            mb(*bytes),
            lines_text(lines)
        );
    }
    if !any {
        out.push_str(
            "  (no other stage is built: the image comes from its base and its own instructions)\n",
        );
    }
}

fn lines_text(lines: &[u32]) -> String {
    let shown: Vec<String> = lines.iter().map(u32::to_string).collect();
    if shown.len() == 1 {
        format!("line {}", shown.join(""))
    } else {
        format!("lines {}", shown.join(", "))
    }
}

fn badges(out: &mut String, image: &FinalImage) {
    let command = if image.command.is_empty() {
        "none (the container would not start without one)".to_string()
    } else {
        json_list(&image.command)
    };
    let rows = [
        ("shell", yes_no(image.has_shell).to_string()),
        (
            "package manager",
            image
                .package_manager
                .as_deref()
                .map_or_else(|| "none".to_string(), clean_line),
        ),
        ("user", user_text(&image.user)),
        ("workdir", clean_line(&image.workdir)),
        ("toolchains", list_text(&image.toolchains)),
        ("source code", short_list_text(&image.source_code)),
        ("build caches", short_list_text(&image.build_caches)),
        ("secrets", short_list_text(&image.secrets)),
        ("exposed ports", list_text(&image.exposed_ports)),
        (
            "healthcheck",
            image
                .healthcheck
                .as_ref()
                .map_or_else(|| "none".to_string(), |h| json_list(h)),
        ),
        ("command", command),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<16} {value}");
    }
}

fn base_text(image: &FinalImage) -> String {
    let mut text = format!("{} ({})", clean_line(&image.base), mb_f(image.base_mb));
    if let Some(note) = &image.base_note {
        let _ = write!(text, "; {}", clean_line(note));
    }
    text
}

fn user_text(user: &str) -> String {
    let name = user.split(':').next().unwrap_or_default();
    match name {
        "" => "root".to_string(),
        "root" => clean_line(user),
        "0" => format!("{} (root)", clean_line(user)),
        _ => clean_line(user),
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// `a, b, c`, or `none`.
fn list_text(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = items.iter().map(|i| clean_line(i)).collect();
    shown.join(", ")
}

/// `a, b, c, d, e and 4 more`, or `none`.
fn short_list_text(items: &[String]) -> String {
    if items.len() <= LIST_ITEMS {
        return list_text(items);
    }
    let shown: Vec<String> = items
        .iter()
        .take(LIST_ITEMS)
        .map(|i| clean_line(i))
        .collect();
    format!("{} and {} more", shown.join(", "), items.len() - LIST_ITEMS)
}

/// A command as Docker shows it in JSON form: `["/app", "serve"]`.
fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap_or_default())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// Bytes as MB with two decimals (1 MB = 1,000,000 bytes, as `docker images` counts);
/// a few bytes show as `<0.01 MB`, not as nothing.
fn mb(bytes: u64) -> String {
    if bytes > 0 && bytes < 5_000 {
        return "<0.01 MB".to_string();
    }
    format!("{:.2} MB", bytes as f64 / 1e6)
}

fn mb_f(value: f64) -> String {
    format!("{value:.2} MB")
}

/// At most `width` characters, the cut marked with `...`.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(3)).collect();
    format!("{kept}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_sizes_and_cuts() {
        assert_eq!(bar(0, 0), format!("[{}]", " ".repeat(BAR_WIDTH)));
        assert_eq!(bar(10, 10), format!("[{}]", "#".repeat(BAR_WIDTH)));
        assert_eq!(
            bar(5, 10),
            format!("[{}{}]", "#".repeat(15), " ".repeat(15))
        );
        // Anything at all shows one mark.
        assert_eq!(
            bar(1, 1_000_000),
            format!("[#{}]", " ".repeat(BAR_WIDTH - 1))
        );
        assert_eq!(mb(0), "0.00 MB");
        assert_eq!(mb(1), "<0.01 MB");
        assert_eq!(mb(6_460_000), "6.46 MB");
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abc...");
        assert_eq!(cut("ééééééé", 5), "éé...");
        assert_eq!(user_text(""), "root");
        assert_eq!(user_text("0:0"), "0:0 (root)");
        assert_eq!(user_text("app"), "app");
        assert_eq!(short_list_text(&[]), "none");
        let many: Vec<String> = (0..7).map(|i| format!("/f{i}")).collect();
        assert_eq!(short_list_text(&many), "/f0, /f1, /f2, /f3, /f4 and 2 more");
        assert_eq!(json_list(&["a \"b\"".to_string()]), "[\"a \\\"b\\\"\"]");
    }
}
