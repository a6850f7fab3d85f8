//! The JSON shapes of `parse`, `analyze` and `trace`: structs, so keys come out in a fixed
//! order, with positions as 1-based lines and columns.

use serde::Serialize;
use stagecraft_analysis::EdgeKind;
use stagecraft_simulate::model::{Diff, Transfer};
use stagecraft_simulate::{FinalImage, Simulation};
use stagecraft_syntax::buildkit::{buildkit_nodes, BuildkitNode};
use stagecraft_syntax::{Diagnostic, LineIndex, Parse};

/// One diagnostic with its range as lines and columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosticJson {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// `stagecraft parse --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ParseJson {
    pub instructions: Vec<BuildkitNode>,
    pub diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageJson {
    pub index: usize,
    pub name: Option<String>,
    pub base: String,
    pub line: u32,
    pub built: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EdgeJson {
    pub kind: EdgeKind,
    pub from_stage: Option<usize>,
    pub from_image: Option<String>,
    pub to_stage: usize,
    pub line: u32,
}

/// `stagecraft analyze --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeJson {
    pub stages: Vec<StageJson>,
    pub edges: Vec<EdgeJson>,
    pub target: Option<usize>,
    pub build_levels: Vec<Vec<usize>>,
    pub diagnostics: Vec<DiagnosticJson>,
    /// The build context preset the simulation used (`custom` for a listing).
    pub context: String,
    /// The target's final image; `None` when the file has no stage.
    /// Sizes are estimates in MB (10^6 bytes), rounded to hundredths.
    pub image: Option<FinalImage>,
}

/// One step of `trace --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepJson {
    pub stage: usize,
    /// The stage's name, or its index as BuildKit labels it.
    pub stage_name: String,
    pub level: usize,
    pub line: u32,
    pub end_line: u32,
    pub keyword: String,
    pub summary: String,
    pub diff: Diff,
    /// Index of the layer this step made in its stage's layers.
    pub layer: Option<usize>,
    pub transfer: Option<Transfer>,
}

/// Diagnostics with positions computed against `text`.
pub fn diagnostics_json(text: &str, diagnostics: &[Diagnostic]) -> Vec<DiagnosticJson> {
    let index = LineIndex::new(text);
    diagnostics
        .iter()
        .map(|d| {
            let start = index.line_col(text, d.range.start);
            let end = index.line_col(text, d.range.end);
            DiagnosticJson {
                severity: d.severity.as_str(),
                code: d.code,
                message: d.message.clone(),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                help: d.help.clone(),
            }
        })
        .collect()
}

pub fn parse_json(text: &str, parse: &Parse) -> ParseJson {
    let mut diagnostics = parse.diagnostics.clone();
    stagecraft_syntax::sort_diagnostics(&mut diagnostics);
    ParseJson {
        instructions: buildkit_nodes(&parse.dockerfile),
        diagnostics: diagnostics_json(text, &diagnostics),
    }
}

pub fn analyze_json(text: &str, simulation: &Simulation) -> AnalyzeJson {
    let analysis = &simulation.analysis;
    AnalyzeJson {
        stages: analysis
            .stages
            .iter()
            .map(|s| StageJson {
                index: s.index,
                name: s.name.clone(),
                base: s.base.clone(),
                line: s.line,
                built: s.built,
            })
            .collect(),
        edges: analysis
            .edges
            .iter()
            .map(|e| EdgeJson {
                kind: e.kind,
                from_stage: e.from_stage,
                from_image: e.from_image.clone(),
                to_stage: e.to_stage,
                line: e.line,
            })
            .collect(),
        target: analysis.target,
        build_levels: analysis.build_levels.clone(),
        diagnostics: diagnostics_json(text, &simulation.diagnostics),
        context: simulation.context.clone(),
        image: simulation.image.clone(),
    }
}

/// The steps of the simulated build, for `trace --format json`.
pub fn trace_json(simulation: &Simulation) -> Vec<StepJson> {
    simulation
        .steps
        .iter()
        .map(|step| StepJson {
            stage: step.stage,
            stage_name: stage_label(simulation, step.stage),
            level: step.level,
            line: step.line,
            end_line: step.end_line,
            keyword: step.keyword.clone(),
            summary: step.summary.clone(),
            diff: step.diff.clone(),
            layer: step.layer,
            transfer: step.transfer.clone(),
        })
        .collect()
}

/// `stage 1`, or `stage 0 (build)` for a named stage, for text output.
pub fn stage_title(simulation: &Simulation, stage: usize) -> String {
    match simulation
        .analysis
        .stages
        .get(stage)
        .and_then(|s| s.name.as_deref())
    {
        Some(name) => format!("stage {stage} ({name})"),
        None => format!("stage {stage}"),
    }
}

/// A stage's name, or its index as BuildKit labels an unnamed stage.
pub fn stage_label(simulation: &Simulation, stage: usize) -> String {
    simulation
        .analysis
        .stages
        .get(stage)
        .map_or_else(|| stage.to_string(), |s| s.label())
}

/// Pretty-printed JSON with a final newline.
pub fn to_pretty<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|mut json| {
            json.push('\n');
            json
        })
        .map_err(|e| format!("cannot write JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagecraft_analysis::{analyze, Options};
    use stagecraft_simulate::{simulate, SimOptions};

    #[test]
    fn analyze_keys_in_order() {
        let text = "FROM alpine AS a\nFROM scratch\nCOPY --from=a /x /x\n";
        let json = to_pretty(&analyze_json(text, &simulate(text, &SimOptions::default())))
            .unwrap_or_default();
        let keys: Vec<&str> = json
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim().split('"').nth(1).unwrap_or_default())
            .collect();
        assert_eq!(
            keys,
            vec![
                "stages",
                "edges",
                "target",
                "build_levels",
                "diagnostics",
                "context",
                "image"
            ]
        );
        assert!(json.contains(
            "    {\n      \"kind\": \"copy\",\n      \"from_stage\": 0,\n      \"from_image\": null,\n      \"to_stage\": 1,\n      \"line\": 3\n    }"
        ), "{json}");
    }

    #[test]
    fn diagnostic_positions_are_one_based() {
        let text = "FROM a\nFROM é AS x\nFROM b AS x\n";
        let analysis = analyze(text, &Options::default());
        let duplicate = diagnostics_json(text, &analysis.diagnostics)
            .into_iter()
            .find(|d| d.code == "DuplicateStageName");
        let d = duplicate.map(|d| {
            (
                d.severity,
                d.line,
                d.column,
                d.end_line,
                d.end_column,
                d.help.is_some(),
            )
        });
        assert_eq!(d, Some(("error", 3, 11, 3, 12, true)));
    }
}
