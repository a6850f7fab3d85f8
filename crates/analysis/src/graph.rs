//! The stage graph: stages with their expanded bases, the edges between them (`FROM
//! <stage>`, `COPY --from`, `RUN --mount=from=`) and to external images, the target, the
//! stages BuildKit builds for it, and the levels it can build in parallel.
//!
//! Resolution follows BuildKit's `dockerfile2llb`: `FROM` sees only earlier stages (by
//! name), while `COPY --from` and `RUN --mount=from=` see every stage (by name, or by
//! index for `COPY --from`), with cycles rejected.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use stagecraft_syntax::{Diagnostic, Dockerfile, Instruction, Keyword, LineIndex, TextRange};

use crate::scope::GlobalScope;
use crate::Options;

/// One build stage: a FROM instruction and the instructions after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub index: usize,
    /// The stage name, lower-cased as BuildKit does (`AS Build` names it `build`).
    pub name: Option<String>,
    pub name_range: Option<TextRange>,
    /// The base after variable expansion (`golang:1.22`, `scratch`, or a stage name).
    pub base: String,
    /// The base as written (`golang:${GO_VERSION}`).
    pub base_written: String,
    pub base_range: TextRange,
    /// The earlier stage this one starts from (`FROM build`), if any.
    pub base_stage: Option<usize>,
    /// `--platform` after expansion.
    pub platform: Option<String>,
    /// 1-based line of the FROM instruction.
    pub line: u32,
    /// The FROM instruction's range.
    pub range: TextRange,
    /// Indexes into the file's instructions: this stage's FROM and what follows it.
    pub instructions: std::ops::Range<usize>,
    /// Whether building the target builds this stage.
    pub built: bool,
    /// The parallel level this stage builds in, for built stages.
    pub level: Option<usize>,
}

impl Stage {
    /// `name` or the index, as BuildKit's progress output names a stage.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.index.to_string())
    }
}

/// How one stage uses another stage or an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// `FROM <stage or image>`.
    From,
    /// `COPY --from=<stage, index or image>`.
    Copy,
    /// `RUN --mount=...,from=<stage or image>`.
    Mount,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::From => "from",
            EdgeKind::Copy => "copy",
            EdgeKind::Mount => "mount",
        }
    }
}

/// A dependency of `to_stage` on a stage or an external image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub kind: EdgeKind,
    pub from_stage: Option<usize>,
    pub from_image: Option<String>,
    pub to_stage: usize,
    /// 1-based line of the instruction that makes the edge.
    pub line: u32,
    /// Where the reference is written (the flag or the base image).
    pub range: TextRange,
}

pub(crate) struct Graph {
    pub stages: Vec<Stage>,
    pub edges: Vec<Edge>,
    pub target: Option<usize>,
    pub build_levels: Vec<Vec<usize>>,
}

/// Names BuildKit reserves: `FROM scratch` is the empty image and `context` the build
/// context in `--build-context`.
const RESERVED_STAGE_NAMES: [&str; 2] = ["scratch", "context"];

fn line_of(file_text_index: &LineIndex, text: &str, offset: usize) -> u32 {
    file_text_index.line_col(text, offset).line
}

/// Splits a `--mount` value (`type=cache,target=/x,from=build`) into its fields.
pub fn mount_fields(value: &str) -> BTreeMap<String, String> {
    stagecraft_syntax::order::map_from(value.split(',').filter_map(|field| {
        let (k, v) = field.split_once('=').unwrap_or((field, ""));
        let k = k.trim().to_ascii_lowercase();
        (!k.is_empty()).then(|| (k, v.trim().to_string()))
    }))
}

pub(crate) fn build(
    text: &str,
    file: &Dockerfile,
    options: &Options,
    globals: &GlobalScope,
    diagnostics: &mut Vec<Diagnostic>,
) -> Graph {
    let index = LineIndex::new(text);
    let froms: Vec<usize> = file
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == Keyword::From)
        .map(|(n, _)| n)
        .collect();
    let mut stages: Vec<Stage> = Vec::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (stage_index, &at) in froms.iter().enumerate() {
        let from = &file.instructions[at];
        let end = froms
            .get(stage_index + 1)
            .copied()
            .unwrap_or(file.instructions.len());
        let stage = stage_from(
            stage_index,
            from,
            at..end,
            file,
            globals,
            &by_name,
            diagnostics,
        );
        if let Some(name) = &stage.name {
            if by_name.contains_key(name) {
                diagnostics.push(
                    Diagnostic::error(
                        "DuplicateStageName",
                        stage.name_range.unwrap_or(from.range),
                        format!("Duplicate stage name '{name}', stage names should be unique"),
                    )
                    .with_help("BuildKit cannot tell the two stages apart: rename one of them."),
                );
            } else {
                by_name.insert(name.clone(), stage_index);
            }
        }
        stages.push(stage);
    }

    let mut edges = Vec::new();
    for stage in &stages {
        match stage.base_stage {
            Some(source) => edges.push(Edge {
                kind: EdgeKind::From,
                from_stage: Some(source),
                from_image: None,
                to_stage: stage.index,
                line: stage.line,
                range: stage.base_range,
            }),
            None if !stage.base.eq_ignore_ascii_case("scratch") && !stage.base.is_empty() => edges
                .push(Edge {
                    kind: EdgeKind::From,
                    from_stage: None,
                    from_image: Some(stage.base.clone()),
                    to_stage: stage.index,
                    line: stage.line,
                    range: stage.base_range,
                }),
            None => {}
        }
        for instruction in &file.instructions[stage.instructions.clone()] {
            let effective = instruction;
            let line = line_of(&index, text, effective.range.start);
            match effective.keyword {
                Keyword::Copy | Keyword::Add => {
                    // A bare `--from` is reported once, by the instruction checks.
                    if let Some(flag) = effective.flag("from").filter(|f| f.value.is_some()) {
                        let value = flag.value.clone().unwrap_or_default();
                        if let Some(edge) = reference_edge(
                            EdgeKind::Copy,
                            &value,
                            flag.range,
                            stage.index,
                            line,
                            &stages,
                            &by_name,
                            diagnostics,
                        ) {
                            edges.push(edge);
                        }
                    }
                }
                Keyword::Run => {
                    for flag in effective.flags.iter().filter(|f| f.name == "mount") {
                        let fields = mount_fields(flag.value.as_deref().unwrap_or_default());
                        if let Some(source) = fields.get("from").filter(|s| !s.is_empty()) {
                            if let Some(edge) = reference_edge(
                                EdgeKind::Mount,
                                source,
                                flag.range,
                                stage.index,
                                line,
                                &stages,
                                &by_name,
                                diagnostics,
                            ) {
                                edges.push(edge);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // FROM sees only earlier stages: a later stage's name is pulled as an image.
    for stage in stages.iter().filter(|s| s.base_stage.is_none()) {
        let base = stage.base.to_ascii_lowercase();
        if let Some(&later) = by_name.get(&base).filter(|&&i| i > stage.index) {
            diagnostics.push(
                Diagnostic::error(
                    "from-later-stage",
                    stage.base_range,
                    format!(
                        "stage `{base}` is defined after this FROM (line {}): FROM only sees earlier stages, so BuildKit would pull an image named `{base}`",
                        stages[later].line
                    ),
                )
                .with_help("Move the stage this one builds on above it."),
            );
        }
    }
    reject_cycles(&stages, &edges, diagnostics);
    let target = choose_target(&stages, &by_name, options, diagnostics);
    let build_levels = mark_built(&mut stages, &edges, target);
    Graph {
        stages,
        edges,
        target,
        build_levels,
    }
}

fn stage_from(
    stage_index: usize,
    from: &Instruction,
    instructions: std::ops::Range<usize>,
    file: &Dockerfile,
    globals: &GlobalScope,
    by_name: &BTreeMap<String, usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Stage {
    let base_word = from.args.first();
    let base_written = base_word.map(|w| w.text.clone()).unwrap_or_default();
    let base_range = base_word.map_or(from.keyword_word.range, |w| w.range);
    let base = globals.expand_from(&base_written, base_range, file.escape, diagnostics);
    let (name, name_range) = match from.args.as_slice() {
        [_, as_word, name] if as_word.text.eq_ignore_ascii_case("as") => {
            (Some(name.text.to_ascii_lowercase()), Some(name.range))
        }
        _ => (None, None),
    };
    if let (Some(name), Some(range)) = (&name, name_range) {
        if RESERVED_STAGE_NAMES.contains(&name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "ReservedStageName",
                    range,
                    format!("'{name}' is reserved and should not be used as a stage name"),
                )
                .with_help("`scratch` and `context` have a meaning of their own in BuildKit; pick another name."),
            );
        }
    }
    let platform = from
        .flag("platform")
        .and_then(|f| f.value.clone())
        .map(|p| {
            globals.expand_from(
                &p,
                from.flag("platform").map_or(from.range, |f| f.range),
                file.escape,
                diagnostics,
            )
        });
    let base_stage = by_name.get(&base.to_ascii_lowercase()).copied();
    Stage {
        index: stage_index,
        name,
        name_range,
        base,
        base_written,
        base_range,
        base_stage,
        platform,
        line: from.start_line,
        range: from.range,
        instructions,
        built: false,
        level: None,
    }
}

/// Resolves a `--from` value to a stage or an image, reporting what BuildKit rejects.
#[allow(clippy::too_many_arguments)]
fn reference_edge(
    kind: EdgeKind,
    value: &str,
    range: TextRange,
    to_stage: usize,
    line: u32,
    stages: &[Stage],
    by_name: &BTreeMap<String, usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Edge> {
    let what = match kind {
        EdgeKind::Mount => "RUN --mount from=",
        _ => "COPY --from",
    };
    if value.is_empty() {
        diagnostics.push(Diagnostic::error(
            "empty-from-flag",
            range,
            format!("{what} needs a stage name, a stage index or an image"),
        ));
        return None;
    }
    if value.contains('$') {
        diagnostics.push(
            Diagnostic::error(
                "variable-in-from-flag",
                range,
                format!("{what} does not expand variables: `{value}` would be taken literally"),
            )
            .with_help(
                "Declare a global ARG before the first FROM, make a stage of it and copy from that stage:\n  ARG SRC=builder\n  FROM ${SRC} AS src\n  ...\n  COPY --from=src /out /out",
            ),
        );
        return None;
    }
    let by_index = (kind == EdgeKind::Copy)
        .then(|| value.parse::<usize>().ok())
        .flatten();
    let is_numeric = value.bytes().all(|b| b.is_ascii_digit());
    let source = match by_index {
        Some(n) if n < stages.len() => Some(n),
        _ if kind == EdgeKind::Copy && is_numeric => {
            diagnostics.push(Diagnostic::error(
                "invalid-stage-index",
                range,
                format!(
                    "invalid stage index {value}: the file has {} stage{}",
                    stages.len(),
                    if stages.len() == 1 { "" } else { "s" }
                ),
            ));
            return None;
        }
        _ => by_name.get(&value.to_ascii_lowercase()).copied(),
    };
    match source {
        Some(source) if source == to_stage => {
            diagnostics.push(
                Diagnostic::error(
                    "circular-dependency",
                    range,
                    format!(
                        "circular dependency detected on stage: {}",
                        stages[source].label()
                    ),
                )
                .with_help("A stage cannot copy from itself: copy from an earlier stage, or from the build context without --from."),
            );
            None
        }
        Some(source) => {
            if source > to_stage {
                diagnostics.push(
                    Diagnostic::info(
                        "forward-stage-reference",
                        range,
                        format!(
                            "stage `{}` is defined after this one: BuildKit allows it, the legacy builder fails",
                            stages[source].label()
                        ),
                    )
                    .with_help("Define stages before the stages that use them so the file reads top to bottom."),
                );
            }
            Some(Edge {
                kind,
                from_stage: Some(source),
                from_image: None,
                to_stage,
                line,
                range,
            })
        }
        None => Some(Edge {
            kind,
            from_stage: None,
            from_image: Some(value.to_string()),
            to_stage,
            line,
            range,
        }),
    }
}

/// Each stage's dependencies (stages it starts from, copies from or mounts), built once
/// so graph walks stay linear in the size of the file.
fn dependency_lists(stage_count: usize, edges: &[Edge]) -> Vec<Vec<usize>> {
    let mut deps = vec![Vec::new(); stage_count];
    for edge in edges {
        if let (Some(from), Some(list)) = (edge.from_stage, deps.get_mut(edge.to_stage)) {
            list.push(from);
        }
    }
    for list in &mut deps {
        stagecraft_syntax::order::sort(list);
        list.dedup();
    }
    deps
}

/// BuildKit refuses a graph where stages depend on each other in a loop.
fn reject_cycles(stages: &[Stage], edges: &[Edge], diagnostics: &mut Vec<Diagnostic>) {
    let deps = dependency_lists(stages.len(), edges);
    // Iterative three-colour DFS, so a hostile file cannot overflow the stack.
    let mut colour = vec![0u8; stages.len()];
    for start in 0..stages.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = 1;
        while let Some((node, next_index)) = stack.last_mut() {
            let node = *node;
            let Some(&next) = deps[node].get(*next_index) else {
                colour[node] = 2;
                stack.pop();
                continue;
            };
            *next_index += 1;
            match colour[next] {
                0 => {
                    colour[next] = 1;
                    stack.push((next, 0));
                }
                1 if next != node => {
                    if let Some(edge) = edges
                        .iter()
                        .find(|e| e.to_stage == node && e.from_stage == Some(next))
                    {
                        diagnostics.push(Diagnostic::error(
                            "circular-dependency",
                            edge.range,
                            format!(
                                "circular dependency detected on stage: {}",
                                stages[next].label()
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
}

fn choose_target(
    stages: &[Stage],
    by_name: &BTreeMap<String, usize>,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let last = stages.len().checked_sub(1);
    let Some(target) = options.target.as_deref().filter(|t| !t.is_empty()) else {
        return last;
    };
    match by_name.get(&target.to_ascii_lowercase()) {
        Some(&index) => Some(index),
        None => {
            let names: Vec<&str> = by_name.keys().map(String::as_str).collect();
            let mut diagnostic = Diagnostic::error(
                "unknown-target",
                TextRange::empty(0),
                format!("target stage \"{target}\" could not be found"),
            );
            diagnostic = match crate::suggest::closest(target, &names) {
                Some(close) => diagnostic.with_help(format!("Did you mean `{close}`?")),
                None if names.is_empty() => {
                    diagnostic.with_help("No stage has a name: add `AS <name>` to a FROM line.")
                }
                None => diagnostic.with_help(format!("Stages with a name: {}.", names.join(", "))),
            };
            diagnostics.push(diagnostic);
            last
        }
    }
}

/// Marks the stages reachable from the target and groups them into parallel levels:
/// a stage's level is one more than the highest level among the stages it needs.
fn mark_built(stages: &mut [Stage], edges: &[Edge], target: Option<usize>) -> Vec<Vec<usize>> {
    let Some(target) = target else {
        return Vec::new();
    };
    let deps = dependency_lists(stages.len(), edges);
    let mut built = BTreeSet::new();
    let mut pending = vec![target];
    while let Some(stage) = pending.pop() {
        if stage < stages.len() && built.insert(stage) {
            pending.extend(deps[stage].iter().copied());
        }
    }
    // Kahn's algorithm over the built stages, in linear time. Stages left in a cycle
    // (already reported as an error) go one level after everything else.
    let mut waiting: BTreeMap<usize, usize> =
        stagecraft_syntax::order::map_from(built.iter().map(|&s| {
            (
                s,
                deps[s]
                    .iter()
                    .filter(|&&d| d != s && built.contains(&d))
                    .count(),
            )
        }));
    let mut dependents: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &stage in &built {
        for &dep in deps[stage]
            .iter()
            .filter(|&&d| d != stage && built.contains(&d))
        {
            dependents.entry(dep).or_default().push(stage);
        }
    }
    let mut levels: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = waiting
        .iter()
        .filter(|(_, &n)| n == 0)
        .map(|(&s, _)| s)
        .collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &stage in &current {
            waiting.remove(&stage);
            for &dependent in dependents.get(&stage).into_iter().flatten() {
                if let Some(n) = waiting.get_mut(&dependent) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        next.push(dependent);
                    }
                }
            }
        }
        stagecraft_syntax::order::sort(&mut next);
        next.dedup();
        levels.push(std::mem::replace(&mut current, next));
    }
    if !waiting.is_empty() {
        levels.push(waiting.keys().copied().collect());
    }
    for (level, members) in levels.iter().enumerate() {
        for &stage in members {
            stages[stage].built = true;
            stages[stage].level = Some(level);
        }
    }
    levels
}
