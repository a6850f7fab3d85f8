//! `stagecraft trace --format text`: one line a step, in the order BuildKit could run the
//! build, with the paths and bytes of COPY --from transfers; then a closing summary.

use std::fmt::Write as _;

use stagecraft_simulate::model::{Step, Transfer};
use stagecraft_simulate::Simulation;

use crate::json::stage_title;
use crate::render::{self, clean_line};

/// Transfers list at most this many source and destination paths.
const SHOWN_PATHS: usize = 3;

pub fn render_trace(simulation: &Simulation) -> String {
    let rows: Vec<[String; 4]> = simulation
        .steps
        .iter()
        .map(|step| {
            let stage = clean_line(&stage_title(simulation, step.stage));
            let lines = if step.end_line > step.line {
                format!("lines {}-{}", step.line, step.end_line)
            } else {
                format!("line {}", step.line)
            };
            [
                format!("level {}", step.level),
                stage,
                lines,
                clean_line(&step.keyword),
            ]
        })
        .collect();
    let mut widths = [0usize; 4];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (row, step) in rows.iter().zip(&simulation.steps) {
        for (cell, width) in row.iter().zip(widths) {
            let pad = width.saturating_sub(cell.chars().count());
            let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
        }
        out.push_str(&clean_line(&step.summary));
        out.push_str(&diff_counts(step));
        if let Some(transfer) = &step.transfer {
            out.push_str(&transfer_text(simulation, transfer));
        }
        out.push('\n');
    }
    let levels = simulation
        .steps
        .iter()
        .map(|s| s.level + 1)
        .max()
        .unwrap_or(0);
    let stages = simulation
        .analysis
        .stages
        .iter()
        .filter(|s| s.built)
        .count();
    let _ = write!(
        out,
        "{} steps, {stages} {} in {levels} {}",
        simulation.steps.len(),
        plural(stages, "stage", "stages"),
        plural(levels, "level", "levels")
    );
    if let Some(image) = &simulation.image {
        let _ = write!(out, "; final image {:.2} MB (estimated)", image.size_mb);
    }
    let _ = writeln!(out, "; {}", render::summary(&simulation.diagnostics));
    out
}

/// ` [+2 -1 ~0 paths]` when the step changed the filesystem.
fn diff_counts(step: &Step) -> String {
    let diff = &step.diff;
    if diff.added.is_empty() && diff.removed.is_empty() && diff.changed.is_empty() {
        return String::new();
    }
    format!(
        " [+{} -{} ~{} paths]",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    )
}

/// ` <- stage 0 (build): /app -> /app, 6460000 bytes`.
fn transfer_text(simulation: &Simulation, transfer: &Transfer) -> String {
    let from = match (transfer.from_stage, &transfer.from_image) {
        (Some(stage), _) => clean_line(&stage_title(simulation, stage)),
        (None, Some(image)) => format!("image {}", clean_line(image)),
        (None, None) => "?".to_string(),
    };
    format!(
        " <- {from}: {} -> {}, {} bytes",
        paths(&transfer.sources),
        paths(&transfer.destinations),
        transfer.bytes
    )
}

fn paths(list: &[String]) -> String {
    if list.is_empty() {
        return "(nothing)".to_string();
    }
    let mut shown: Vec<String> = list
        .iter()
        .take(SHOWN_PATHS)
        .map(|p| clean_line(p))
        .collect();
    if list.len() > SHOWN_PATHS {
        shown.push(format!("and {} more", list.len() - SHOWN_PATHS));
    }
    shown.join(", ")
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}
