//! What a Dockerfile means to BuildKit: instruction checks as BuildKit applies them when
//! it converts the file, variables and their scopes, the stage graph with its target and
//! parallel build levels, and BuildKit's build checks.
//!
//! [`analyze`] never fails: everything wrong comes back as a [`Diagnostic`].
#![forbid(unsafe_code)]

pub mod checks;
pub mod dockerignore;
pub mod expand;
pub mod export;
pub mod graph;
mod instructions;
pub mod layout;
pub mod scope;
pub mod suggest;

use std::collections::BTreeMap;

use serde::Serialize;
pub use stagecraft_syntax::{Diagnostic, LineIndex, Parse, Severity, TextRange};

pub use graph::{Edge, EdgeKind, Stage};

/// What the user chose for this build, as `docker build` flags would.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--target NAME`; the last stage when `None`.
    pub target: Option<String>,
    /// `--build-arg KEY=VALUE`.
    pub build_args: BTreeMap<String, String>,
    /// The build context's `.dockerignore`, for the CopyIgnoredFile check.
    pub dockerignore: Option<String>,
}

/// Everything Stagecraft knows about one Dockerfile.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub parse: Parse,
    pub stages: Vec<Stage>,
    pub edges: Vec<Edge>,
    /// Index of the target stage; `None` when the file has no stage.
    pub target: Option<usize>,
    /// The built stages grouped by level: every stage in a level depends only on stages
    /// of earlier levels, so BuildKit can build each level's stages in parallel.
    pub build_levels: Vec<Vec<usize>>,
    /// Parse diagnostics and analysis diagnostics together, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and analyzes `text`.
pub fn analyze(text: &str, options: &Options) -> Analysis {
    analyze_parsed(text, stagecraft_syntax::parse(text), options)
}

/// Analyzes an existing parse of `text` (for callers that needed the tree first).
pub fn analyze_parsed(text: &str, parse: Parse, options: &Options) -> Analysis {
    let mut diagnostics = parse.diagnostics.clone();
    instructions::check(&parse.dockerfile, &mut diagnostics);
    let globals = scope::GlobalScope::new(&parse.dockerfile, options);
    let graph = graph::build(text, &parse.dockerfile, options, &globals, &mut diagnostics);
    checks::run(
        &parse.dockerfile,
        &graph.stages,
        &globals,
        options,
        &mut diagnostics,
    );
    stagecraft_syntax::sort_diagnostics(&mut diagnostics);
    Analysis {
        parse,
        stages: graph.stages,
        edges: graph.edges,
        target: graph.target,
        build_levels: graph.build_levels,
        diagnostics,
    }
}
