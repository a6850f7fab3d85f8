//! The simulated build: stages in dependency order, each instruction applied to the
//! stage's virtual filesystem and configuration, Docker's layer accounting, and the
//! step trace.

use std::collections::{BTreeMap, BTreeSet};

use stagecraft_analysis::expand::Lexer;
use stagecraft_analysis::graph::mount_fields;
use stagecraft_analysis::{Analysis, Stage};
use stagecraft_syntax::{Diagnostic, Instruction, Keyword, TextRange};

use crate::catalog::{Catalog, ImageEntry, PackageManager, Resolution, Shell};
use crate::context::BuildContext;
use crate::model::{BaseInfo, Config, Diff, Layer, PathChange, StageResult, Step, Transfer};
use crate::recipes::{self, Effect, RunContext};
use crate::vfs::{self, Fs, Kind, Node, Origin};

const MB: u64 = 1_000_000;

/// Shared, read-only inputs of a simulation.
pub(crate) struct Inputs<'a> {
    pub text: &'a str,
    pub analysis: &'a Analysis,
    pub catalog: &'a Catalog,
    pub context: &'a BuildContext,
    pub build_args: &'a BTreeMap<String, String>,
    /// Sizes the user declared for images the catalog does not know, in bytes.
    pub declared_sizes: &'a BTreeMap<String, u64>,
    /// The context was detected, not given: outputs that depend on the project's
    /// conventions (Vite's `dist` or CRA's `build`, jar names) are then guesses.
    pub context_guessed: bool,
}

/// What the engine hands back.
pub(crate) struct Outcome {
    pub stages: Vec<Option<StageResult>>,
    pub steps: Vec<Step>,
    pub diagnostics: Vec<Diagnostic>,
    /// For each COPY --from whose source is missing: (instruction, source, stage).
    pub missing_sources: Vec<MissingSource>,
    /// For each RUN: the plan's findings, for the teaching checks.
    pub runs: Vec<RunRecord>,
}

/// A `COPY --from` source the source stage does not have.
pub(crate) struct MissingSource {
    pub range: TextRange,
    pub source: String,
    pub from_stage: Option<usize>,
    pub from_image: Option<String>,
    /// Whether the source stage ran commands whose outputs are not modelled.
    pub unverifiable: bool,
    /// The source stage's paths, those its RUN steps made first.
    pub candidates: Vec<String>,
    /// Whether the source stage ran commands (whose outputs may follow conventions).
    pub source_ran_commands: bool,
}

/// One RUN as simulated.
pub(crate) struct RunRecord {
    pub stage: usize,
    pub instruction: usize,
    pub plan: recipes::RunPlan,
    /// Where the command text starts in the source, to place per-command findings.
    pub command_offset: Option<usize>,
    pub user: String,
    pub layer_bytes: u64,
    pub wasted_bytes: u64,
}

/// Orders stages so every stage comes after those it needs; stages in a cycle (an error
/// already reported) follow in file order.
fn stage_order(analysis: &Analysis) -> Vec<usize> {
    let n = analysis.stages.len();
    let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for edge in &analysis.edges {
        if let (Some(from), Some(set)) = (edge.from_stage, deps.get_mut(edge.to_stage)) {
            if from != edge.to_stage {
                set.insert(from);
            }
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    loop {
        let ready: Vec<usize> = (0..n)
            .filter(|&s| !done[s] && deps[s].iter().all(|&d| done[d]))
            .collect();
        let batch = if ready.is_empty() {
            match (0..n).find(|&s| !done[s]) {
                Some(s) => vec![s],
                None => break,
            }
        } else {
            ready
        };
        for s in batch {
            done[s] = true;
            order.push(s);
        }
    }
    order
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MB as f64)
}

/// A catalog image's files as a filesystem.
pub(crate) fn image_fs(entry: &ImageEntry) -> Fs {
    let mut fs = Fs::new();
    let origin = Origin::Base {
        image: format!("{}:{}", entry.name, entry.tag),
    };
    for file in &entry.files {
        let path = vfs::normalize(&file.path, "/");
        let mut node = Node::new(file.kind, file.bytes, origin.clone());
        node.what = Some(file.what.clone()).filter(|w| !w.is_empty());
        node.target = file.target.clone();
        fs.insert(&path, node);
    }
    fs
}

fn config_from_entry(entry: &ImageEntry) -> Config {
    let mut config = Config {
        user: if entry.user.is_empty() {
            "root".to_string()
        } else {
            entry.user.clone()
        },
        workdir: if entry.workdir.is_empty() {
            "/".to_string()
        } else {
            entry.workdir.clone()
        },
        env: entry.env.clone(),
        entrypoint: entry.entrypoint.clone(),
        cmd: entry.cmd.clone(),
        stopsignal: entry.stopsignal.clone(),
        ..Config::default()
    };
    config.exposed = stagecraft_syntax::order::set_from(entry.expose.iter().cloned());
    config
}

pub(crate) fn run(inputs: &Inputs) -> Outcome {
    let analysis = inputs.analysis;
    let mut outcome = Outcome {
        stages: vec![None; analysis.stages.len()],
        steps: Vec::new(),
        diagnostics: Vec::new(),
        missing_sources: Vec::new(),
        runs: Vec::new(),
    };
    for index in stage_order(analysis) {
        let Some(stage) = analysis.stages.get(index) else {
            continue;
        };
        let result = simulate_stage(inputs, stage, &mut outcome);
        outcome.stages[index] = Some(result);
    }
    // The trace lists built stages only, level by level, in file order within a level.
    let level_of: BTreeMap<usize, usize> = stagecraft_syntax::order::map_from(
        analysis
            .stages
            .iter()
            .filter_map(|s| s.level.map(|l| (s.index, l))),
    );
    outcome
        .steps
        .retain(|step| level_of.contains_key(&step.stage));
    for step in &mut outcome.steps {
        step.level = level_of.get(&step.stage).copied().unwrap_or(0);
    }
    stagecraft_syntax::order::sort_by_key(&mut outcome.steps, |step| {
        (step.level, step.stage, step.instruction)
    });
    outcome
}

struct StageState<'i, 'a> {
    inputs: &'i Inputs<'a>,
    stage_index: usize,
    fs: Fs,
    config: Config,
    args: BTreeMap<String, String>,
    layers: Vec<Layer>,
    uncertain: bool,
    base: BaseInfo,
}

fn resolve_base(
    inputs: &Inputs,
    stage: &Stage,
    outcome: &mut Outcome,
) -> (Fs, Config, Vec<Layer>, BaseInfo, bool) {
    if let Some(parent) = stage
        .base_stage
        .and_then(|p| outcome.stages.get(p).cloned().flatten())
    {
        let mut base = parent.base.clone();
        base.reference = stage.base.clone();
        return (
            parent.fs,
            parent.config,
            parent.layers,
            base,
            parent.uncertain,
        );
    }
    let empty = |reference: &str, note: Option<String>, known: bool, bytes: u64| BaseInfo {
        reference: reference.to_string(),
        resolved: None,
        note,
        image: (!reference.eq_ignore_ascii_case("scratch")).then(|| reference.to_string()),
        bytes,
        compressed_bytes: bytes * 10 / 24,
        known,
        shell: Shell::None,
        package_manager: PackageManager::None,
        toolchains: Vec::new(),
    };
    match inputs.catalog.resolve(&stage.base) {
        Resolution::Scratch => (
            Fs::new(),
            Config::default(),
            Vec::new(),
            empty("scratch", None, true, 0),
            false,
        ),
        Resolution::Exact(entry) => (
            image_fs(entry),
            config_from_entry(entry),
            Vec::new(),
            base_info(stage, entry, None),
            false,
        ),
        Resolution::Nearest { entry, note } => {
            outcome.diagnostics.push(
                Diagnostic::info(
                    "base-image-estimated",
                    stage.base_range,
                    format!(
                        "`{}` is not in the catalog: its contents are {note}",
                        stage.base
                    ),
                )
                .with_help("Sizes and files come from the nearest known tag of the same image."),
            );
            (
                image_fs(entry),
                config_from_entry(entry),
                Vec::new(),
                base_info(stage, entry, Some(note)),
                false,
            )
        }
        Resolution::Unknown {
            reference,
            suggestions,
        } => {
            let declared = inputs
                .declared_sizes
                .get(&stage.base)
                .or_else(|| inputs.declared_sizes.get(&reference))
                .copied();
            if !stage.base.is_empty() {
                let mut diagnostic = Diagnostic::info(
                    "base-image-unknown",
                    stage.base_range,
                    format!("the contents of `{}` are unknown to Stagecraft", stage.base),
                );
                diagnostic = diagnostic.with_help(match (suggestions.is_empty(), declared) {
                    (_, Some(bytes)) => format!("Using the size you declared: {}.", mb(bytes)),
                    (false, None) => format!(
                        "Did you mean {}? Otherwise declare its size (or import its `docker image inspect` JSON) so the estimate includes it.",
                        suggestions.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                    ),
                    (true, None) => "Declare its size (or import its `docker image inspect` JSON) so the estimate includes it; the build still simulates on an empty base.".to_string(),
                });
                outcome.diagnostics.push(diagnostic);
            }
            let note = Some(match declared {
                Some(_) => "size declared by the user".to_string(),
                None => "unknown image: contents not modelled".to_string(),
            });
            (
                Fs::new(),
                Config::default(),
                Vec::new(),
                empty(&stage.base, note, false, declared.unwrap_or(0)),
                true,
            )
        }
    }
}

fn base_info(stage: &Stage, entry: &ImageEntry, note: Option<String>) -> BaseInfo {
    BaseInfo {
        reference: stage.base.clone(),
        resolved: Some(entry.reference.clone()),
        note,
        image: Some(stage.base.clone()),
        bytes: entry.uncompressed_bytes,
        compressed_bytes: entry.compressed_bytes,
        known: true,
        shell: entry.shell,
        package_manager: entry.package_manager,
        toolchains: entry.toolchains.clone(),
    }
}

fn simulate_stage(inputs: &Inputs, stage: &Stage, outcome: &mut Outcome) -> StageResult {
    let (fs, config, layers, base, uncertain) = resolve_base(inputs, stage, outcome);
    let mut state = StageState {
        inputs,
        stage_index: stage.index,
        fs,
        config,
        args: BTreeMap::new(),
        layers,
        uncertain,
        base,
    };
    let file = &inputs.analysis.parse.dockerfile;
    for index in stage.instructions.clone() {
        let Some(instruction) = file.instructions.get(index) else {
            continue;
        };
        state.fs.begin_journal();
        let layer_count = state.layers.len();
        let (summary, transfer, makes_layer) = state.apply(index, instruction, outcome);
        let journal = state.fs.take_journal();
        let (diff, bytes, wasted) = summarize(&journal, &state.fs, layer_count);
        let layer = if makes_layer {
            state.layers.push(Layer {
                stage: stage.index,
                instruction: index,
                line: instruction.start_line,
                range: instruction.range,
                created_by: created_by(instruction),
                bytes,
                wasted_bytes: wasted,
            });
            Some(state.layers.len() - 1)
        } else {
            None
        };
        if let Some(record) = outcome
            .runs
            .last_mut()
            .filter(|r| r.instruction == index && r.stage == stage.index)
        {
            record.layer_bytes = bytes;
            record.wasted_bytes = wasted;
        }
        outcome.steps.push(Step {
            stage: stage.index,
            level: 0,
            instruction: index,
            line: instruction.start_line,
            end_line: instruction.end_line,
            range: instruction.range,
            keyword: instruction.keyword.as_str().to_string(),
            summary,
            diff,
            layer,
            transfer,
        });
    }
    let size_bytes = state.base.bytes + state.layers.iter().map(|l| l.bytes).sum::<u64>();
    StageResult {
        index: stage.index,
        base: state.base,
        fs: state.fs,
        layers: state.layers,
        config: state.config,
        uncertain: state.uncertain,
        size_bytes,
    }
}

fn created_by(instruction: &Instruction) -> String {
    let original = instruction.original.trim();
    if original.chars().count() > 200 {
        let cut: String = original.chars().take(200).collect();
        format!("{cut}…")
    } else {
        original.to_string()
    }
}

/// Turns an instruction's journal into its diff, the bytes its layer holds and the bytes
/// of earlier layers it made dead weight.
fn summarize(journal: &vfs::Journal, fs: &Fs, layer: usize) -> (Diff, u64, u64) {
    let mut diff = Diff::default();
    let (mut bytes, mut wasted) = (0u64, 0u64);
    for (path, before) in journal {
        let after = fs.get(path);
        match (before, after) {
            (None, Some(a)) => {
                if a.layer == Some(layer) {
                    bytes += a.size;
                }
                diff.added.push(change(path, a, None));
            }
            (Some(b), None) => {
                wasted += b.size;
                diff.removed.push(change(path, b, None));
            }
            (Some(b), Some(a)) if a != b => {
                if a.layer == Some(layer) {
                    bytes += a.size;
                }
                wasted += b.size;
                diff.changed.push(change(path, a, Some(b.size)));
            }
            _ => {}
        }
    }
    (diff, bytes, wasted)
}

fn change(path: &str, node: &Node, previous: Option<u64>) -> PathChange {
    PathChange {
        path: path.to_string(),
        kind: node.kind,
        bytes: node.size,
        previous_bytes: previous,
        origin: node.origin.clone(),
    }
}

/// Docker's COPY destination rule: a trailing slash, several sources, or a directory
/// already there make the destination a directory.
fn destination_path(dest_dir: bool, dest: &str, relative: &str) -> String {
    if dest_dir {
        vfs::normalize(relative, dest)
    } else {
        dest.to_string()
    }
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

impl StageState<'_, '_> {
    fn vars(&self) -> BTreeMap<String, String> {
        let mut vars = self.config.env.clone();
        vars.extend(self.args.clone());
        vars
    }

    fn expand(&self, word: &str) -> String {
        if !word.contains('$') {
            return word.to_string();
        }
        let escape = self.inputs.analysis.parse.dockerfile.escape;
        Lexer::new(escape)
            .expand_word(word, &self.vars())
            .map(|e| e.text)
            .unwrap_or_else(|_| word.to_string())
    }

    fn layer_index(&self) -> usize {
        self.layers.len()
    }

    /// Applies one instruction; returns its summary, any cross-stage transfer, and
    /// whether it makes a layer.
    fn apply(
        &mut self,
        index: usize,
        instruction: &Instruction,
        outcome: &mut Outcome,
    ) -> (String, Option<Transfer>, bool) {
        let args: Vec<String> = instruction.args.iter().map(|w| w.text.clone()).collect();
        match instruction.keyword {
            Keyword::From => {
                let summary = match &self.base.resolved {
                    Some(_) => format!(
                        "start from {} ({})",
                        self.base.reference,
                        mb(self.base.bytes)
                    ),
                    None if self.base.reference.eq_ignore_ascii_case("scratch") => {
                        "start from an empty filesystem (scratch)".to_string()
                    }
                    None => format!("start from {} (contents unknown)", self.base.reference),
                };
                let _ = args;
                (summary, None, false)
            }
            Keyword::Arg => {
                for word in &instruction.args {
                    let (name, default) = match word.text.split_once('=') {
                        Some((n, d)) => (n.to_string(), Some(self.expand(d))),
                        None => (word.text.clone(), None),
                    };
                    let value = self
                        .inputs
                        .build_args
                        .get(&name)
                        .cloned()
                        .or(default)
                        .or_else(|| {
                            stagecraft_analysis::scope::DEFAULT_PLATFORM_ARGS
                                .iter()
                                .find(|(k, _)| *k == name)
                                .map(|(_, v)| v.to_string())
                        });
                    if let Some(value) = value {
                        self.args.insert(name, value);
                    }
                }
                (
                    format!(
                        "declare build argument{} {}",
                        if args.len() > 1 { "s" } else { "" },
                        args.join(" ")
                    ),
                    None,
                    false,
                )
            }
            Keyword::Env => {
                let mut updates = Vec::new();
                for pair in instruction.args.chunks(2) {
                    if let [k, v] = pair {
                        updates.push((k.text.clone(), self.expand(&unquote(&v.text))));
                    }
                }
                let names: Vec<String> = updates.iter().map(|(k, _)| k.clone()).collect();
                self.config.env.extend(updates);
                (format!("set environment {}", names.join(", ")), None, false)
            }
            Keyword::Label => {
                for pair in instruction.args.chunks(2) {
                    if let [k, v] = pair {
                        self.config
                            .labels
                            .insert(unquote(&k.text), self.expand(&unquote(&v.text)));
                    }
                }
                ("set labels".to_string(), None, false)
            }
            Keyword::Workdir => {
                let Some(dir) = args.first() else {
                    return ("WORKDIR without a path".to_string(), None, false);
                };
                let dir = vfs::normalize(&self.expand(dir), &self.config.workdir);
                self.config.workdir = dir.clone();
                if self.fs.contains(&dir) || dir == "/" {
                    (format!("work in {dir}"), None, false)
                } else {
                    let mut node = Node::new(Kind::Dir, 0, Origin::Run);
                    node.layer = Some(self.layer_index());
                    self.fs.insert(&dir, node);
                    (format!("create and work in {dir}"), None, true)
                }
            }
            Keyword::User => {
                if let Some(user) = args.first() {
                    self.config.user = self.expand(user);
                }
                (format!("run as {}", self.config.user), None, false)
            }
            Keyword::Expose => {
                for port in &args {
                    let port = self.expand(port).to_ascii_lowercase();
                    let port = if port.contains('/') {
                        port
                    } else {
                        format!("{port}/tcp")
                    };
                    self.config.exposed.insert(port);
                }
                (
                    format!(
                        "document port{} {}",
                        if args.len() > 1 { "s" } else { "" },
                        args.join(" ")
                    ),
                    None,
                    false,
                )
            }
            Keyword::Volume => {
                for volume in &args {
                    let path = vfs::normalize(&self.expand(volume), &self.config.workdir);
                    self.config.volumes.insert(path);
                }
                (format!("declare volume {}", args.join(" ")), None, false)
            }
            Keyword::Stopsignal => {
                self.config.stopsignal = args.first().cloned();
                ("set the stop signal".to_string(), None, false)
            }
            Keyword::Shell => {
                if instruction.json && !args.is_empty() {
                    self.config.shell = args.clone();
                }
                (format!("use shell {}", args.join(" ")), None, false)
            }
            Keyword::Cmd => {
                self.config.cmd = Some(self.command_form(instruction));
                ("set the default command".to_string(), None, false)
            }
            Keyword::Entrypoint => {
                self.config.entrypoint = Some(self.command_form(instruction));
                // Docker resets an inherited CMD when ENTRYPOINT is set.
                self.config.cmd = None;
                ("set the entrypoint".to_string(), None, false)
            }
            Keyword::Healthcheck => {
                self.config.healthcheck = match args.first().map(|a| a.to_ascii_uppercase()) {
                    Some(kind) if kind == "NONE" => None,
                    Some(_) => Some(if instruction.json {
                        args[1..].to_vec()
                    } else {
                        let mut shell = self.config.shell.clone();
                        shell.extend(args.get(1).cloned());
                        shell
                    }),
                    None => None,
                };
                ("set the healthcheck".to_string(), None, false)
            }
            Keyword::Maintainer | Keyword::Onbuild | Keyword::Unknown => (
                format!(
                    "{} (no effect on this build)",
                    instruction.keyword_word.text
                ),
                None,
                false,
            ),
            Keyword::Copy | Keyword::Add => self.copy(instruction, outcome),
            Keyword::Run => self.run_instruction(index, instruction, outcome),
        }
    }

    fn command_form(&self, instruction: &Instruction) -> Vec<String> {
        let args: Vec<String> = instruction.args.iter().map(|w| w.text.clone()).collect();
        if instruction.json {
            args
        } else {
            let mut command = self.config.shell.clone();
            command.extend(args);
            command
        }
    }

    fn owner_flag(&self, instruction: &Instruction) -> String {
        instruction
            .flag("chown")
            .and_then(|f| f.value.as_deref())
            .map(|v| self.expand(v))
            .unwrap_or_else(|| "0:0".to_string())
    }

    fn copy(
        &mut self,
        instruction: &Instruction,
        outcome: &mut Outcome,
    ) -> (String, Option<Transfer>, bool) {
        let keyword = instruction.keyword.as_str();
        let Some((dest_word, sources)) = instruction.args.split_last() else {
            return (format!("{keyword} without arguments"), None, true);
        };
        if sources.is_empty() {
            return (format!("{keyword} without a destination"), None, true);
        }
        let raw_dest = self.expand(&dest_word.text);
        let dest = vfs::normalize(&raw_dest, &self.config.workdir);
        // A wildcard makes the destination a directory only when it matches several
        // things (decided per source below); one match copies to the name as written.
        let dest_is_dir = raw_dest.ends_with('/')
            || sources.len() > 1
            || self.fs.get(&dest).is_some_and(Node::is_dir_like);
        let owner = self.owner_flag(instruction);
        let mode = instruction
            .flag("chmod")
            .and_then(|f| f.value.as_deref())
            .and_then(|m| u32::from_str_radix(m, 8).ok());
        let parents = instruction
            .flag("parents")
            .is_some_and(|f| f.value.as_deref() != Some("false"));
        let layer = self.layer_index();
        let from = instruction.flag("from").and_then(|f| f.value.clone());
        let source_edge = self.inputs.analysis.edges.iter().find(|e| {
            e.to_stage == self.stage_index && e.line == instruction.start_line && from.is_some()
        });
        let from_stage = source_edge.and_then(|e| e.from_stage);
        let from_image = source_edge.and_then(|e| e.from_image.clone());
        // (destination, node, merge a summarised tree into an existing directory)
        let mut written: Vec<(String, Node, bool)> = Vec::new();
        let mut source_names = Vec::new();

        if from.is_some() {
            let (source_fs, origin, unverifiable) = match (from_stage, &from_image) {
                (Some(s), _) => match outcome.stages.get(s).and_then(|r| r.as_ref()) {
                    Some(result) => (
                        result.fs.clone(),
                        Origin::Stage { stage: s },
                        result.uncertain,
                    ),
                    None => (Fs::new(), Origin::Stage { stage: s }, true),
                },
                (None, Some(image)) => match self.inputs.catalog.resolve(image) {
                    Resolution::Exact(entry) | Resolution::Nearest { entry, .. } => (
                        image_fs(entry),
                        Origin::Image {
                            image: image.clone(),
                        },
                        false,
                    ),
                    Resolution::Scratch => (
                        Fs::new(),
                        Origin::Image {
                            image: image.clone(),
                        },
                        false,
                    ),
                    Resolution::Unknown { .. } => (
                        Fs::new(),
                        Origin::Image {
                            image: image.clone(),
                        },
                        true,
                    ),
                },
                _ => (Fs::new(), Origin::Context, true),
            };
            for source in sources {
                let path = vfs::normalize(&self.expand(&source.text), "/");
                source_names.push(path.clone());
                let matches = select_from_fs(&source_fs, &path);
                let is_dir =
                    path == "/" || source_fs.get(&path).is_some_and(|n| n.kind == Kind::Dir);
                if matches.is_empty() && is_dir {
                    // An empty directory: COPY creates the destination and nothing else.
                    let mut node = Node::new(Kind::Dir, 0, origin.clone());
                    node.layer = Some(layer);
                    written.push((dest.clone(), node, false));
                    continue;
                }
                if matches.is_empty() {
                    let covering = source_fs.covering_tree(&path).map(|(_, n)| n.layer);
                    let covered = covering.is_some();
                    if covering == Some(None) {
                        // Inside a tree the base image brought: the file is real, only its
                        // size is unknown to the catalog.
                        let mut node = Node::new(Kind::File, 0, origin.clone());
                        node.what = Some("inside a base-image folder; size unknown".to_string());
                        written.push((
                            destination_path(dest_is_dir, &dest, basename(&path)),
                            node,
                            false,
                        ));
                        continue;
                    }
                    if covered {
                        // Inside a summarised tree (`target/`, `node_modules`): the exact
                        // name is unknowable, so a file of the same kind beside it stands in.
                        let extension = path.rsplit_once('.').map(|(_, e)| e.to_string());
                        let stand_in = extension.as_ref().and_then(|ext| {
                            source_fs
                                .under(vfs::parent(&path))
                                .find(|(p, n)| {
                                    n.kind == Kind::File && p.ends_with(&format!(".{ext}"))
                                })
                                .map(|(p, n)| (p.clone(), n.clone()))
                        });
                        self.uncertain = true;
                        outcome.missing_sources.push(MissingSource {
                            range: source.range,
                            source: path.clone(),
                            from_stage,
                            from_image: from_image.clone(),
                            source_ran_commands: true,
                            unverifiable: true,
                            candidates: stand_in.iter().map(|(p, _)| p.clone()).collect(),
                        });
                        if let Some((_, node)) = stand_in {
                            let mut copy = node;
                            copy.origin = origin.clone();
                            written.push((
                                destination_path(dest_is_dir, &dest, basename(&path)),
                                copy,
                                false,
                            ));
                        }
                        continue;
                    }
                    // The catalog lists only notable files of a base image: a path whose
                    // nearest existing folder came from the base may well be there.
                    let mut ancestor = vfs::parent(&path);
                    while ancestor != "/" && source_fs.get(ancestor).is_none() {
                        ancestor = vfs::parent(ancestor);
                    }
                    let from_base = source_fs.get(ancestor).is_none_or(|n| n.layer.is_none())
                        && !source_fs.is_empty()
                        || matches!(origin, Origin::Image { .. });
                    if !covered {
                        let unverifiable = unverifiable || from_base;
                        // What this stage builds on what it copied is uncertain too.
                        if unverifiable {
                            self.uncertain = true;
                        }
                        let source_ran_commands =
                            from_stage.is_some_and(|s| outcome.runs.iter().any(|r| r.stage == s));
                        outcome.missing_sources.push(MissingSource {
                            range: source.range,
                            source: path.clone(),
                            from_stage,
                            from_image: from_image.clone(),
                            source_ran_commands,
                            unverifiable,
                            candidates: {
                                let (made, other): (Vec<_>, Vec<_>) =
                                    source_fs.iter().partition(|(_, n)| n.origin == Origin::Run);
                                made.into_iter()
                                    .chain(other)
                                    .map(|(p, _)| p.clone())
                                    .collect()
                            },
                        });
                    }
                    continue;
                }
                let source_is_dir = source_fs.get(&path).is_some_and(|n| n.kind == Kind::Dir);
                let source_is_tree = source_fs.get(&path).is_some_and(|n| n.kind == Kind::Tree);
                let many = is_glob(&path)
                    && matches
                        .iter()
                        .filter(|(p, _)| vfs::parent(p) == vfs::parent(&path))
                        .count()
                        > 1;
                for (src_path, node) in matches {
                    if source_is_tree && src_path == path {
                        // A summarised directory: its contents land in the destination.
                        let mut copy = node.clone();
                        copy.origin = origin.clone();
                        written.push((dest.clone(), copy, true));
                        continue;
                    }
                    let relative = if source_is_dir {
                        src_path
                            .strip_prefix(&path)
                            .unwrap_or(&src_path)
                            .trim_start_matches('/')
                            .to_string()
                    } else {
                        basename(&src_path).to_string()
                    };
                    let target = if source_is_dir {
                        vfs::normalize(&relative, &dest)
                    } else {
                        destination_path(dest_is_dir || many, &dest, &relative)
                    };
                    let mut copy = node.clone();
                    copy.origin = origin.clone();
                    written.push((target, copy, false));
                }
            }
        } else {
            for source in sources {
                let text = self.expand(&source.text);
                if let Some(heredoc) = text.strip_prefix("<<").and_then(|name| {
                    let name = name.trim_start_matches('-').trim_matches(['"', '\'']);
                    instruction.heredocs.iter().find(|h| h.name == name)
                }) {
                    let target = destination_path(dest_is_dir, &dest, &heredoc.name);
                    written.push((
                        target,
                        Node::new(Kind::File, heredoc.content.len() as u64, Origin::Context),
                        false,
                    ));
                    source_names.push(format!("<<{}", heredoc.name));
                    continue;
                }
                if text.contains("://") || text.starts_with("git@") {
                    let name = basename(&text).to_string();
                    let target = destination_path(dest_is_dir, &dest, &name);
                    let mut node =
                        Node::new(Kind::File, 10 * MB, Origin::Remote { url: text.clone() });
                    node.what = Some("download (size estimated)".to_string());
                    written.push((target, node, false));
                    source_names.push(text);
                    self.uncertain = true;
                    continue;
                }
                source_names.push(text.clone());
                let selected = self.inputs.context.resolve_source(&text);
                // Nothing matched: whatever the stage builds from it is unknown, unless
                // the user's own context says a wildcard really matches nothing.
                if !selected.found() && (!selected.wildcard || self.inputs.context_guessed) {
                    self.uncertain = true;
                }
                if !selected.found() && !selected.wildcard {
                    outcome.diagnostics.push(
                        Diagnostic::info(
                            "context-file-missing",
                            source.range,
                            format!("the `{}` build context has no `{text}`", self.inputs.context.preset),
                        )
                        .with_help("BuildKit would fail with \"not found\" if your context lacks it too; add the file to the simulated context to see its effect."),
                    );
                }
                let copies_dir = selected.is_dir || parents;
                for file in &selected.files {
                    let relative = if parents {
                        file.path.as_str()
                    } else {
                        selected.relative(file)
                    };
                    let target = if copies_dir {
                        vfs::normalize(relative, &dest)
                    } else {
                        destination_path(dest_is_dir || selected.roots.len() > 1, &dest, relative)
                    };
                    written.push((
                        target,
                        Node::new(Kind::File, file.bytes, Origin::Context),
                        false,
                    ));
                }
            }
        }
        let exclude: Vec<String> = instruction
            .flags
            .iter()
            .filter(|f| f.name == "exclude")
            .filter_map(|f| f.value.clone())
            .collect();
        let excluded = stagecraft_analysis::dockerignore::Patterns::parse(&exclude.join("\n"));
        let mut bytes = 0;
        let mut destinations = BTreeSet::new();
        for (target, mut node, merge) in written {
            // --exclude patterns match paths relative to what is copied, as the sources.
            let relative = target
                .strip_prefix(dest.as_str())
                .unwrap_or(&target)
                .trim_start_matches('/');
            if !excluded.is_empty() && excluded.excludes(relative) {
                continue;
            }
            node.owner = owner.clone();
            if let Some(mode) = mode {
                node.mode = mode;
            }
            node.layer = Some(layer);
            bytes += node.size;
            destinations.insert(target.clone());
            if merge && self.fs.get(&target).is_some_and(|n| n.kind == Kind::Dir) {
                self.fs.set_keeping_children(&target, node);
            } else {
                self.fs.insert(&target, node);
            }
        }
        let what = if destinations.len() == 1 {
            destinations.iter().next().cloned().unwrap_or_default()
        } else {
            format!("{} paths under {dest}", destinations.len())
        };
        let transfer = from.as_ref().map(|_| Transfer {
            from_stage,
            from_image: from_image.clone(),
            sources: source_names.clone(),
            destinations: destinations.iter().cloned().collect(),
            bytes,
        });
        let from_label = match (from_stage, &from_image) {
            (Some(s), _) => format!(
                " from stage {}",
                self.inputs
                    .analysis
                    .stages
                    .get(s)
                    .map(|s| s.label())
                    .unwrap_or_default()
            ),
            (None, Some(image)) => format!(" from image {image}"),
            _ => String::new(),
        };
        (
            format!(
                "{} {} to {what}{from_label} ({})",
                keyword.to_lowercase(),
                source_names.join(", "),
                mb(bytes)
            ),
            transfer,
            true,
        )
    }

    fn run_instruction(
        &mut self,
        index: usize,
        instruction: &Instruction,
        outcome: &mut Outcome,
    ) -> (String, Option<Transfer>, bool) {
        let mut mounts = Vec::new();
        for flag in instruction.flags.iter().filter(|f| f.name == "mount") {
            let fields = mount_fields(flag.value.as_deref().unwrap_or_default());
            if let Some(target) = ["target", "dst", "destination"]
                .iter()
                .find_map(|k| fields.get(*k))
            {
                mounts.push(vfs::normalize(&self.expand(target), &self.config.workdir));
            }
        }
        let mut env = self.vars();
        env.entry("HOME".to_string())
            .or_insert_with(|| self.config.home());
        // The recipes know root by name; Windows' administrator counts as root too.
        let user = if self.config.is_root() {
            "root".to_string()
        } else {
            self.config.user.clone()
        };
        let ctx = RunContext {
            workdir: &self.config.workdir,
            env: &env,
            user: &user,
            package_manager: self.base.package_manager,
            fs: &self.fs,
            mounts: &mounts,
        };
        let heredoc_script = instruction.heredocs.first().filter(|_| {
            let first = instruction
                .args
                .first()
                .map(|w| w.text.trim())
                .unwrap_or_default();
            first.starts_with("<<")
                || matches!(
                    first.split_whitespace().next(),
                    Some("sh" | "bash" | "/bin/sh" | "/bin/bash")
                )
        });
        let (plan, command_offset) = if let Some(heredoc) = heredoc_script {
            (
                recipes::plan_run(&heredoc.content, &ctx),
                Some(heredoc.content_range.start),
            )
        } else if instruction.json {
            let argv: Vec<String> = instruction.args.iter().map(|w| w.text.clone()).collect();
            (recipes::plan_exec(&argv, &ctx), None)
        } else {
            let text = instruction
                .args
                .first()
                .map(|w| w.text.clone())
                .unwrap_or_default();
            // Offsets in the joined command map to the source only when it sits on one line.
            let offset = instruction
                .args
                .first()
                .filter(|w| w.range.len() == w.text.len())
                .map(|w| w.range.start);
            (recipes::plan_run(&text, &ctx), offset)
        };
        let layer = self.layer_index();
        for effect in &plan.effects {
            self.apply_effect(effect, layer);
        }
        if !plan.unknown.is_empty() || !plan.unverifiable.is_empty() {
            self.uncertain = true;
        }
        let commands: Vec<&str> = plan.commands.iter().map(|c| c.program.as_str()).collect();
        let summary = if commands.is_empty() {
            "run (nothing modelled)".to_string()
        } else {
            format!("run {}", commands.join(", "))
        };
        outcome.runs.push(RunRecord {
            stage: self.stage_index,
            instruction: index,
            plan,
            command_offset,
            user: self.config.user.clone(),
            layer_bytes: 0,
            wasted_bytes: 0,
        });
        (summary, None, true)
    }

    /// Changes owners or modes at `path` (and under it when `recursive`). Docker copies
    /// every touched file into the new layer, which is why this costs bytes.
    fn repermission(
        &mut self,
        path: &str,
        recursive: bool,
        layer: usize,
        change: impl Fn(&mut Node),
    ) {
        self.fs.update_under(path, |p, node| {
            if recursive || p == path {
                change(node);
                node.layer = Some(layer);
            }
        });
    }

    fn apply_effect(&mut self, effect: &Effect, layer: usize) {
        let owner = if self.config.is_root() {
            "0:0".to_string()
        } else {
            self.config.user.clone()
        };
        match effect {
            Effect::Add {
                path,
                kind,
                bytes,
                what,
            } => {
                let mut node = Node::new(*kind, *bytes, Origin::Run);
                node.owner = owner;
                node.layer = Some(layer);
                node.what = Some(what.clone()).filter(|w| !w.is_empty());
                self.fs.insert(path, node);
            }
            Effect::Remove { path } => {
                if is_glob(path) {
                    let dir = vfs::parent(path).to_string();
                    let pattern = basename(path).to_string();
                    let doomed: Vec<String> = self
                        .fs
                        .under(&dir)
                        .filter(|(p, _)| {
                            vfs::parent(p) == dir
                                && stagecraft_analysis::dockerignore::glob(&pattern, basename(p))
                        })
                        .map(|(p, _)| p.clone())
                        .collect();
                    for p in doomed {
                        self.fs.remove(&p);
                    }
                } else {
                    self.fs.remove(path);
                }
            }
            Effect::Chown {
                path,
                owner,
                recursive,
            } => self.repermission(path, *recursive, layer, |node| node.owner = owner.clone()),
            Effect::Chmod {
                path,
                mode,
                recursive,
            } => self.repermission(path, *recursive, layer, |node| {
                if let Some(mode) = mode {
                    node.mode = *mode;
                }
            }),
            Effect::Move { from, to } | Effect::Copy { from, to } => {
                let moved: Vec<(String, Node)> = self
                    .fs
                    .under(from)
                    .map(|(p, n)| (p.clone(), n.clone()))
                    .collect();
                if matches!(effect, Effect::Move { .. }) {
                    self.fs.remove(from);
                }
                for (path, mut node) in moved {
                    let relative = path.strip_prefix(from.as_str()).unwrap_or_default();
                    node.layer = Some(layer);
                    self.fs.insert(&format!("{to}{relative}"), node);
                }
            }
            Effect::Symlink { target, path } => {
                let mut node = Node::new(Kind::Symlink, 0, Origin::Run);
                node.target = Some(target.clone());
                node.layer = Some(layer);
                node.owner = owner;
                self.fs.insert(path, node);
            }
        }
    }
}

/// Paths a `COPY --from` source selects in another stage's filesystem.
fn select_from_fs(fs: &Fs, path: &str) -> Vec<(String, Node)> {
    if is_glob(path) {
        let dir = vfs::parent(path).to_string();
        let pattern = basename(path).to_string();
        return fs
            .under(&dir)
            .filter(|(p, _)| {
                vfs::parent(p) == dir
                    && stagecraft_analysis::dockerignore::glob(&pattern, basename(p))
            })
            .flat_map(|(p, _)| {
                fs.under(p)
                    .map(|(q, n)| (q.clone(), n.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    match fs.get(path) {
        Some(node) if node.kind == Kind::Dir => fs
            .under(path)
            .filter(|(p, _)| p.as_str() != path)
            .map(|(p, n)| (p.clone(), n.clone()))
            .collect(),
        Some(node) => vec![(path.to_string(), node.clone())],
        None => Vec::new(),
    }
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t[1..t.len() - 1].to_string()
    } else {
        t.to_string()
    }
}
