//! Grading: every check of an exercise evaluated against one simulation of the learner's
//! Dockerfile, each with a sentence, a verdict, what the simulator sees now, and where in
//! the Dockerfile the problem is when that is known.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use stagecraft_analysis::{EdgeKind, Severity, Stage};
use stagecraft_simulate::catalog::reference;
use stagecraft_simulate::{SimOptions, Simulation, StageResult};
use stagecraft_syntax::{order, Instruction, Keyword, TextRange};

use crate::format::{format_mb, normalise_port, Check, CheckKind, Exercise};

/// The verdict on one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    /// The sentence the checklist shows ("Final image is at most 150 MB").
    pub label: String,
    pub passed: bool,
    /// What the simulation sees now ("now 182.4 MB").
    pub detail: String,
    /// Where in the Dockerfile the problem is, when known (byte offsets).
    pub range: Option<TextRange>,
}

/// Every check's verdict, in the exercise's order; `passed` when all passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub results: Vec<CheckResult>,
    pub passed: bool,
}

/// The simulation options an exercise grades with: its context preset (detected from the
/// Dockerfile when it names none), no build args, the default target.
pub fn sim_options(exercise: &Exercise) -> SimOptions {
    SimOptions {
        context: exercise.context.as_deref().and_then(context_named),
        ..SimOptions::default()
    }
}

/// The context an exercise names: a simulator preset, or `empty` (no files at all, which
/// is no preset, so it is built here rather than left to detection).
fn context_named(name: &str) -> Option<stagecraft_simulate::context::BuildContext> {
    if name == "empty" {
        return Some(stagecraft_simulate::context::BuildContext {
            preset: "empty".to_owned(),
            files: Vec::new(),
            dockerignore: None,
        });
    }
    stagecraft_simulate::context::preset(name)
}

/// Simulates `text` with the exercise's context and grades it.
pub fn grade(exercise: &Exercise, text: &str) -> Grade {
    let simulation = stagecraft_simulate::simulate(text, &sim_options(exercise));
    grade_simulation(exercise, text, &simulation)
}

/// Grades a simulation the caller already has (the web simulates once per edit for the
/// whole page); it must come from `text` and [`sim_options`].
pub fn grade_simulation(exercise: &Exercise, text: &str, simulation: &Simulation) -> Grade {
    let facts = Facts::new(text, simulation);
    let results: Vec<CheckResult> = exercise
        .checks
        .iter()
        .map(|c| {
            let (passed, detail, range) = evaluate(&c.check, &facts);
            CheckResult {
                kind: c.check.kind(),
                label: c.label.clone(),
                passed,
                detail,
                range: if passed { None } else { range },
            }
        })
        .collect();
    let passed = results.iter().all(|r| r.passed);
    Grade { results, passed }
}

type Verdict = (bool, String, Option<TextRange>);

/// What several checks need, looked up once.
struct Facts<'a> {
    text: &'a str,
    sim: &'a Simulation,
    /// The target stage's index and simulated result.
    final_stage: Option<(usize, &'a StageResult)>,
}

impl<'a> Facts<'a> {
    fn new(text: &'a str, sim: &'a Simulation) -> Self {
        let final_stage = sim.image.as_ref().and_then(|image| {
            sim.stages
                .get(image.stage)
                .and_then(Option::as_ref)
                .map(|r| (image.stage, r))
        });
        Facts {
            text,
            sim,
            final_stage,
        }
    }

    fn stages(&self) -> &'a [Stage] {
        &self.sim.analysis.stages
    }

    fn stage_instructions(&self, stage: &Stage) -> &'a [Instruction] {
        self.sim
            .analysis
            .parse
            .dockerfile
            .instructions
            .get(stage.instructions.clone())
            .unwrap_or_default()
    }

    /// The stage at the root of the final stage's `FROM <stage>` chain: the one whose
    /// FROM names the external base image.
    fn root_of(&self, mut index: usize) -> Option<&'a Stage> {
        let stages = self.stages();
        // Bounded by the stage count, so a malformed chain cannot loop.
        for _ in 0..=stages.len() {
            let stage = stages.get(index)?;
            match stage.base_stage {
                Some(parent) if parent != index => index = parent,
                _ => return Some(stage),
            }
        }
        None
    }

    /// The final stage and the stages it starts from, final first.
    fn final_chain(&self) -> Vec<&'a Stage> {
        let mut chain = Vec::new();
        let stages = self.stages();
        let mut next = self.final_stage.map(|(i, _)| i);
        while let Some(index) = next {
            match stages.get(index) {
                Some(stage) if chain.len() <= stages.len() => {
                    chain.push(stage);
                    next = stage.base_stage.filter(|&p| p != index);
                }
                _ => break,
            }
        }
        chain
    }

    fn final_from_range(&self) -> Option<TextRange> {
        let (index, _) = self.final_stage?;
        self.root_of(index).map(|s| s.base_range)
    }

    fn built_stages(&self) -> impl Iterator<Item = &'a Stage> {
        self.stages().iter().filter(|s| s.built)
    }

    fn line_of(&self, range: TextRange) -> u32 {
        stagecraft_syntax::LineIndex::new(self.text)
            .line_col(self.text, range.start)
            .line
    }
}

const NO_IMAGE: &str = "no final image: the Dockerfile has no stage yet";

fn evaluate(check: &Check, facts: &Facts) -> Verdict {
    match check {
        Check::FinalSizeMbMax { value } => final_size(*value, facts),
        Check::FinalBaseIn { values } => final_base(values, facts),
        Check::NoShell => no_shell(facts),
        Check::NoPackageManager => no_package_manager(facts),
        Check::NotRoot => not_root(facts),
        Check::StagesMin { value } => {
            let n = facts.stages().len();
            let plural = if n == 1 { "" } else { "s" };
            (n >= *value as usize, format!("now {n} stage{plural}"), None)
        }
        Check::UsesCopyFrom => uses_copy_from(facts),
        Check::TargetExists { target } => target_exists(target, facts),
        Check::NoDiagnostic { code, severity } => no_diagnostic(code.as_deref(), *severity, facts),
        Check::PathPresent { path } => path_check(path, true, facts),
        Check::PathAbsent { path } => path_check(path, false, facts),
        Check::PortExposed { port } => port_exposed(port, facts),
        Check::HealthcheckPresent => healthcheck(facts),
        Check::CacheOrder => cache_order(facts),
        Check::BuildArgsForPlatform => platform_args(facts),
    }
}

fn final_size(max: f64, facts: &Facts) -> Verdict {
    let Some(image) = &facts.sim.image else {
        return (false, NO_IMAGE.to_string(), None);
    };
    let passed = image.size_mb <= max;
    let mut detail = format!("now {:.1} MB", image.size_mb);
    let mut range = facts.final_from_range();
    if let Some((_, result)) = facts.final_stage {
        // Point at whatever weighs most: the base image or the biggest layer.
        let biggest = result
            .layers
            .iter()
            .filter(|l| l.bytes > 0)
            .max_by_key(|l| (l.bytes, std::cmp::Reverse(l.instruction)));
        match biggest {
            Some(layer) if layer.bytes as f64 / 1e6 > image.base_mb => {
                detail.push_str(&format!(
                    "; biggest layer: {} ({:.1} MB)",
                    layer.created_by,
                    layer.bytes as f64 / 1e6
                ));
                range = Some(layer.range);
            }
            _ => detail.push_str(&format!(
                "; the base {} is {:.1} MB of it",
                image.base, image.base_mb
            )),
        }
    }
    if !passed {
        detail.push_str(&format!(", over the {} MB limit", format_mb(max)));
    }
    (passed, detail, range)
}

/// Whether the reference `candidate` is the image `wanted` names: same repository after
/// Docker's normalisation, and the same tag when `wanted` has one.
fn same_image(wanted: &str, candidate: &str) -> bool {
    match (reference::parse(wanted), reference::parse(candidate)) {
        (Ok(w), Ok(c)) => {
            w.name() == c.name() && w.tag.as_deref().is_none_or(|tag| tag == c.tag_or_latest())
        }
        _ => false,
    }
}

fn final_base(values: &[String], facts: &Facts) -> Verdict {
    let Some((index, result)) = facts.final_stage else {
        return (false, NO_IMAGE.to_string(), None);
    };
    let Some(root) = facts.root_of(index) else {
        return (false, NO_IMAGE.to_string(), None);
    };
    let root_base = facts
        .sim
        .stages
        .get(root.index)
        .and_then(Option::as_ref)
        .map(|r| &r.base);
    let mut candidates = vec![root.base.clone()];
    if let Some(base) = root_base {
        candidates.extend(base.resolved.clone());
    }
    let passed = values
        .iter()
        .any(|v| candidates.iter().any(|c| same_image(v, c)));
    let shown = if root.base.is_empty() {
        result.base.image.clone().unwrap_or_default()
    } else {
        root.base.clone()
    };
    (passed, format!("now {shown}"), Some(root.base_range))
}

use stagecraft_simulate::image::SHELL_PATHS;

fn no_shell(facts: &Facts) -> Verdict {
    let Some(image) = &facts.sim.image else {
        return (false, NO_IMAGE.to_string(), None);
    };
    if !image.has_shell {
        return (true, "no shell in the final image".to_string(), None);
    }
    let mut detail = "the final image has a shell".to_string();
    let mut range = facts.final_from_range();
    if let Some((_, result)) = facts.final_stage {
        if let Some((path, node)) = SHELL_PATHS
            .iter()
            .find_map(|p| result.fs.get(p).map(|n| (*p, n)))
        {
            detail = format!("the final image has {path}");
            // A shell a COPY or RUN put there is that instruction's doing, not the base's.
            if let Some(layer) = node.layer.and_then(|l| result.layers.get(l)) {
                detail.push_str(&format!(" (from line {})", layer.line));
                range = Some(layer.range);
            } else {
                detail.push_str(&format!(" (from the base {})", image.base));
            }
        }
    }
    (false, detail, range)
}

fn no_package_manager(facts: &Facts) -> Verdict {
    let Some(image) = &facts.sim.image else {
        return (false, NO_IMAGE.to_string(), None);
    };
    match &image.package_manager {
        None => (
            true,
            "no package manager in the final image".to_string(),
            None,
        ),
        Some(pm) => (
            false,
            format!("the base {} has {pm}", image.base),
            facts.final_from_range(),
        ),
    }
}

fn not_root(facts: &Facts) -> Verdict {
    let Some((_, result)) = facts.final_stage else {
        return (false, NO_IMAGE.to_string(), None);
    };
    let user = &result.config.user;
    if !result.config.is_root() {
        return (true, format!("runs as {user}"), None);
    }
    // The last USER of the final stage chain is what made it root; without one, point at
    // the final FROM, where a USER line belongs after.
    let last_user = facts
        .final_chain()
        .iter()
        .flat_map(|s| facts.stage_instructions(s).iter().rev())
        .find(|i| i.keyword == Keyword::User)
        .map(|i| i.range);
    let shown = if user.is_empty() { "root" } else { user };
    (
        false,
        format!("runs as {shown}"),
        last_user.or_else(|| facts.final_chain().first().map(|s| s.range)),
    )
}

fn uses_copy_from(facts: &Facts) -> Verdict {
    let stages = facts.stages();
    let copy = facts
        .sim
        .analysis
        .edges
        .iter()
        .find(|e| e.kind == EdgeKind::Copy && stages.get(e.to_stage).is_some_and(|s| s.built));
    match copy {
        Some(edge) => {
            let from = match (edge.from_stage, &edge.from_image) {
                (Some(s), _) => stages.get(s).map(Stage::label).unwrap_or_default(),
                (None, Some(image)) => image.clone(),
                _ => String::new(),
            };
            (
                true,
                format!("COPY --from={from} on line {}", edge.line),
                None,
            )
        }
        None => (
            false,
            "no COPY --from in the stages the build runs".to_string(),
            None,
        ),
    }
}

fn target_exists(target: &str, facts: &Facts) -> Verdict {
    let wanted = target.to_ascii_lowercase();
    let stages = facts.stages();
    let Some(stage) = stages.iter().find(|s| s.name.as_deref() == Some(&wanted)) else {
        let names: Vec<&str> = stages.iter().filter_map(|s| s.name.as_deref()).collect();
        let hint = match stagecraft_analysis::suggest::closest(target, &names) {
            Some(close) => format!(" (did you mean `{close}`?)"),
            None if names.is_empty() => {
                " (no stage has a name: add `AS <name>` to a FROM line)".to_string()
            }
            None => format!(" (stages with a name: {})", names.join(", ")),
        };
        return (false, format!("no stage is named `{target}`{hint}"), None);
    };
    let options = stagecraft_analysis::Options {
        target: Some(target.to_string()),
        ..Default::default()
    };
    let analysis = stagecraft_analysis::analyze(facts.text, &options);
    // What the target needs: everything reachable from it along the graph's edges.
    let mut needs: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for edge in &analysis.edges {
        if let Some(from) = edge.from_stage {
            needs.entry(edge.to_stage).or_default().push(from);
        }
    }
    let mut needed = BTreeSet::new();
    let mut pending = vec![stage.index];
    while let Some(s) = pending.pop() {
        if needed.insert(s) {
            pending.extend(needs.get(&s).into_iter().flatten().copied());
        }
    }
    let built: BTreeSet<usize> =
        order::set_from(analysis.stages.iter().filter(|s| s.built).map(|s| s.index));
    let label = |i: &usize| {
        analysis
            .stages
            .get(*i)
            .map(Stage::label)
            .unwrap_or_default()
    };
    let list = |set: &BTreeSet<usize>| set.iter().map(label).collect::<Vec<_>>().join(", ");
    let skipped: BTreeSet<usize> = order::set_from(
        analysis
            .stages
            .iter()
            .map(|s| s.index)
            .filter(|i| !built.contains(i)),
    );
    if built != needed || analysis.target != Some(stage.index) {
        return (
            false,
            format!(
                "`--target {target}` builds {} but needs only {}",
                list(&built),
                list(&needed)
            ),
            Some(stage.range),
        );
    }
    let mut detail = format!("`--target {target}` builds {}", list(&built));
    if !skipped.is_empty() {
        detail.push_str(&format!(" and skips {}", list(&skipped)));
    }
    (true, detail, None)
}

fn no_diagnostic(code: Option<&str>, severity: Option<Severity>, facts: &Facts) -> Verdict {
    let matching: Vec<_> = facts
        .sim
        .diagnostics
        .iter()
        .filter(|d| code.is_none_or(|c| d.code.eq_ignore_ascii_case(c)))
        // Severity is a floor: `warning` also rules out errors (Error sorts first).
        .filter(|d| severity.is_none_or(|s| d.severity <= s))
        .collect();
    match matching.first() {
        None => (true, "none found".to_string(), None),
        Some(first) => {
            let mut detail = format!(
                "line {}: {} ({})",
                facts.line_of(first.range),
                first.message,
                first.code
            );
            if matching.len() > 1 {
                detail.push_str(&format!(" and {} more", matching.len() - 1));
            }
            (false, detail, Some(first.range))
        }
    }
}

fn path_check(path: &str, want_present: bool, facts: &Facts) -> Verdict {
    let Some((_, result)) = facts.final_stage else {
        return (false, NO_IMAGE.to_string(), None);
    };
    let fs = &result.fs;
    // A tree entry stands for everything beneath it, and a directory is there when
    // anything beneath it is.
    let node = fs
        .get(path)
        .or_else(|| fs.covering_tree(path).map(|(_, n)| n))
        .or_else(|| fs.under(path).next().map(|(_, n)| n));
    match (node, want_present) {
        (Some(_), true) => (true, format!("{path} is there"), None),
        (None, false) => (true, format!("{path} is not there"), None),
        (None, true) => (
            false,
            format!("{path} is not in the final image"),
            facts.final_chain().first().map(|s| s.range),
        ),
        (Some(node), false) => {
            // The base may bring an empty directory that a later instruction filled:
            // blame the instruction.
            let layer = node
                .layer
                .or_else(|| fs.under(path).find_map(|(_, n)| n.layer))
                .and_then(|l| result.layers.get(l));
            match layer {
                Some(layer) => (
                    false,
                    format!(
                        "{path} is in the final image, put there on line {}",
                        layer.line
                    ),
                    Some(layer.range),
                ),
                None => (
                    false,
                    format!("{path} is in the final image, from the base image"),
                    facts.final_from_range(),
                ),
            }
        }
    }
}

fn port_exposed(port: &str, facts: &Facts) -> Verdict {
    let Some(image) = &facts.sim.image else {
        return (false, NO_IMAGE.to_string(), None);
    };
    let exposed: Vec<String> = image
        .exposed_ports
        .iter()
        .map(|p| normalise_port(p).unwrap_or_else(|| p.clone()))
        .collect();
    let detail = if exposed.is_empty() {
        "no port is exposed".to_string()
    } else {
        format!("exposed: {}", exposed.join(", "))
    };
    (exposed.iter().any(|p| p == port), detail, None)
}

fn healthcheck(facts: &Facts) -> Verdict {
    let Some(image) = &facts.sim.image else {
        return (false, NO_IMAGE.to_string(), None);
    };
    match &image.healthcheck {
        Some(test) if test.first().is_some_and(|t| t != "NONE") => {
            (true, format!("HEALTHCHECK {}", test.join(" ")), None)
        }
        Some(_) => (
            false,
            "HEALTHCHECK NONE turns the health check off".to_string(),
            facts.final_chain().first().map(|s| s.range),
        ),
        None => (
            false,
            "the final image has no HEALTHCHECK".to_string(),
            facts.final_chain().first().map(|s| s.range),
        ),
    }
}

/// Files that declare dependencies: copying these alone lets the install layer stay
/// cached while only source changes.
const MANIFESTS: [&str; 22] = [
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.mod",
    "go.sum",
    "requirements.txt",
    "requirements-dev.txt",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "Cargo.toml",
    "Cargo.lock",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "Gemfile",
    "Gemfile.lock",
];

/// `*` and `?` wildcards, as COPY sources use them (iterative, linear-ish, no recursion).
fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether a COPY source names only dependency manifests (`package*.json`, `go.sum`).
fn is_manifest(source: &str) -> bool {
    let name = source.rsplit('/').next().unwrap_or(source);
    // `*` or `*.json` matches manifests but copies everything else too: a manifest
    // pattern names its file before any wildcard (`package*.json`, `go.*`).
    !source.ends_with('/')
        && !name.is_empty()
        && !name.starts_with(['*', '?'])
        && MANIFESTS.iter().any(|m| wildcard(name, m))
}

/// A COPY/ADD from the build context (no `--from`), with its sources.
fn context_sources(instruction: &Instruction) -> Option<Vec<&str>> {
    if !matches!(instruction.keyword, Keyword::Copy | Keyword::Add)
        || instruction.flag("from").is_some()
        || !instruction.heredocs.is_empty()
    {
        return None;
    }
    let args = instruction.arg_texts();
    let (_, sources) = args.split_last()?;
    // `ADD https://…` and `ADD git@…` fetch from elsewhere, not from the context.
    Some(
        sources
            .iter()
            .copied()
            .filter(|s| !s.contains("://") && !s.starts_with("git@"))
            .collect(),
    )
}

fn run_text(instruction: &Instruction) -> String {
    let mut text = instruction.arg_texts().join(" ");
    for heredoc in &instruction.heredocs {
        text.push('\n');
        text.push_str(&heredoc.content);
    }
    text
}

/// Whether a RUN installs dependencies (or builds, which installs them on the way):
/// `npm ci`, `pip install`, `go mod download`, `mvn …`, `cargo build`, ….
fn is_install(command: &str) -> bool {
    let spaced: String = command
        .chars()
        .map(|c| {
            if matches!(c, '&' | '|' | ';' | '(' | ')' | '\n' | '\\') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    words.iter().enumerate().any(|(i, word)| {
        let next = words.get(i + 1).copied().unwrap_or("");
        let after = words.get(i + 2).copied().unwrap_or("");
        let tool = word.rsplit('/').next().unwrap_or(word);
        match tool {
            "npm" => matches!(next, "ci" | "install" | "i"),
            "pnpm" => matches!(next, "install" | "i"),
            "yarn" => matches!(next, "" | "install") || next.starts_with("--"),
            "pip" | "pip3" | "pipenv" | "poetry" | "bundle" | "composer" => next == "install",
            "uv" => next == "sync" || (next == "pip" && after == "install"),
            "go" => (next == "mod" && after == "download") || matches!(next, "build" | "install"),
            "cargo" => matches!(next, "fetch" | "build" | "install"),
            "mvn" | "mvnw" | "gradle" | "gradlew" => true,
            _ => false,
        }
    })
}

/// Whether a RUN bind-mounts a manifest (`--mount=type=bind,source=go.mod,…`): the
/// cache-friendly way to install without copying the manifest at all.
fn mounts_manifest(instruction: &Instruction) -> bool {
    instruction.flags.iter().any(|f| {
        f.name == "mount"
            && f.value.as_deref().is_some_and(|v| {
                let fields = stagecraft_analysis::graph::mount_fields(v);
                fields
                    .get("source")
                    .or_else(|| fields.get("src"))
                    .is_some_and(|s| is_manifest(s))
            })
    })
}

fn cache_order(facts: &Facts) -> Verdict {
    let mut found_install = false;
    let mut good: Option<String> = None;
    for stage in facts.built_stages() {
        let mut manifest: Option<&Instruction> = None;
        let mut source: Option<&Instruction> = None;
        let mut install: Option<&Instruction> = None;
        for instruction in facts.stage_instructions(stage) {
            if let Some(sources) = context_sources(instruction) {
                if sources.is_empty() || source.is_some() {
                    continue;
                }
                if sources.iter().all(|s| is_manifest(s)) {
                    manifest = manifest.or(Some(instruction));
                } else {
                    source = Some(instruction);
                }
            } else if instruction.keyword == Keyword::Run
                && install.is_none()
                && is_install(&run_text(instruction))
            {
                install = Some(instruction);
                if source.is_some() {
                    break;
                }
            }
        }
        let Some(install) = install else {
            continue;
        };
        found_install = true;
        let run = install.original.trim();
        if let Some(source) = source {
            // The source COPY was seen before the install: every source edit reinstalls.
            if source.range.start < install.range.start {
                return (
                    false,
                    format!(
                        "`{run}` (line {}) comes after `{}` (line {}): any source change reinstalls every dependency",
                        install.start_line,
                        source.original.trim(),
                        source.start_line
                    ),
                    Some(source.range),
                );
            }
        }
        let has_manifest = manifest.is_some_and(|m| m.range.start < install.range.start)
            || mounts_manifest(install);
        if !has_manifest {
            return (
                false,
                format!(
                    "`{run}` (line {}) runs before any dependency manifest (package.json, go.mod, requirements.txt, …) is copied in",
                    install.start_line
                ),
                Some(install.range),
            );
        }
        good.get_or_insert(format!(
            "manifests first, then `{run}` (line {}), then the source",
            install.start_line
        ));
    }
    match (found_install, good) {
        (true, Some(detail)) => (true, detail, None),
        _ => (
            false,
            "no dependency install step (npm ci, pip install, go mod download, mvn, cargo build, …) in the stages the build runs".to_string(),
            None,
        ),
    }
}

const PLATFORM_ARGS: [&str; 4] = ["TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"];

fn mentions(text: &str, name: &str) -> bool {
    text.contains(&format!("${name}")) || text.contains(&format!("${{{name}"))
}

fn platform_args(facts: &Facts) -> Verdict {
    let mut problem: Option<(String, TextRange)> = None;
    for stage in facts.built_stages() {
        let instructions = facts.stage_instructions(stage);
        if let Some(from) = instructions.first() {
            let platform = from.flag("platform").and_then(|f| f.value.as_deref());
            if platform.is_some_and(|p| mentions(p, "BUILDPLATFORM")) {
                return (
                    true,
                    format!(
                        "stage {} builds on $BUILDPLATFORM (line {})",
                        stage.label(),
                        stage.line
                    ),
                    None,
                );
            }
        }
        let mut declared: BTreeSet<&str> = BTreeSet::new();
        for instruction in instructions.iter().skip(1) {
            let text = instruction.original.as_str();
            if instruction.keyword == Keyword::Arg {
                for word in instruction.arg_texts() {
                    let name = word.split('=').next().unwrap_or(word);
                    if let Some(arg) = PLATFORM_ARGS.iter().find(|a| **a == name) {
                        declared.insert(arg);
                    }
                }
                continue;
            }
            let run = run_text(instruction);
            for arg in PLATFORM_ARGS {
                if mentions(text, arg) || mentions(&run, arg) {
                    if declared.contains(arg) {
                        return (
                            true,
                            format!(
                                "stage {} declares ARG {arg} and uses it on line {}",
                                stage.label(),
                                instruction.start_line
                            ),
                            None,
                        );
                    }
                    problem.get_or_insert((
                        format!(
                            "line {} uses ${arg}, but without `ARG {arg}` inside the stage it is empty there",
                            instruction.start_line
                        ),
                        instruction.range,
                    ));
                }
            }
        }
        if let Some(arg) = declared.first() {
            problem.get_or_insert((
                format!(
                    "stage {} declares ARG {arg} but never uses it",
                    stage.label()
                ),
                stage.range,
            ));
        }
    }
    match problem {
        Some((detail, range)) => (false, detail, Some(range)),
        None => (
            false,
            "no stage reads TARGETOS/TARGETARCH/TARGETPLATFORM or builds with --platform=$BUILDPLATFORM".to_string(),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_context_is_empty_not_detected() {
        // A node-looking Dockerfile would detect the node preset; `empty` must win.
        let text = "FROM node:20\nCOPY package.json ./\n";
        let mut exercise = crate::parse_exercise(
            "id = \"e\"\ntitle = \"t\"\ninstructions = \"i\"\ncontext = \"empty\"\nstarter = \"FROM scratch\"\n[[check]]\nkind = \"stages_min\"\nvalue = 1\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let options = sim_options(&exercise);
        let context = options
            .context
            .as_ref()
            .map(|c| (c.preset.as_str(), c.files.len()));
        assert_eq!(context, Some(("empty", 0)));
        let simulation = stagecraft_simulate::simulate(text, &options);
        assert_eq!(simulation.context, "empty");
        exercise.context = Some("node".to_owned());
        assert_eq!(
            stagecraft_simulate::simulate(text, &sim_options(&exercise)).context,
            "node"
        );
    }

    #[test]
    fn wildcards_and_manifests() {
        assert!(wildcard("package*.json", "package.json"));
        assert!(wildcard("package*.json", "package-lock.json"));
        assert!(!wildcard("package*.json", "go.mod"));
        assert!(wildcard("go.*", "go.sum"));
        assert!(is_manifest("package*.json"));
        assert!(is_manifest("./go.mod"));
        assert!(!is_manifest("."));
        assert!(!is_manifest("*"));
        assert!(!is_manifest("src/"));
        assert!(!is_manifest("*.json"));
    }

    #[test]
    fn install_commands() {
        assert!(is_install("npm ci --omit=dev"));
        assert!(is_install(
            "apt-get update && pip install -r requirements.txt"
        ));
        assert!(is_install("go mod download"));
        assert!(is_install("./mvnw -B dependency:go-offline"));
        assert!(!is_install("npm run build"));
        assert!(!is_install("apt-get install -y curl"));
        assert!(!is_install("apk add --no-cache git"));
    }

    #[test]
    fn image_names_compare_normalised() {
        assert!(same_image("node:20", "docker.io/library/node:20"));
        assert!(same_image("node", "node:20-alpine"));
        assert!(!same_image("node:20", "node:18"));
        assert!(same_image(
            "gcr.io/distroless/nodejs20-debian12",
            "gcr.io/distroless/nodejs20-debian12:nonroot"
        ));
        assert!(!same_image("scratch", "alpine"));
    }
}
