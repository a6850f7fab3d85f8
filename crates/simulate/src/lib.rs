//! A simulated BuildKit build, without Docker: each stage's virtual filesystem from its
//! base image (the catalog) and its instructions (COPY semantics, modelled RUN effects),
//! Docker's layer accounting, the final image of the target, the step trace, and the
//! teaching diagnostics that only a simulation can ground.
//!
//! Like the rest of the core it does no IO: the catalog, recipe and context tables are
//! data files compiled in, and user additions come in as strings.
#![forbid(unsafe_code)]

mod build;
pub mod catalog;
pub mod context;
pub mod image;
pub mod model;
pub mod recipes;
pub mod replay;
mod teach;
pub mod vfs;

use std::collections::BTreeMap;

use serde::Serialize;
use stagecraft_analysis::{Analysis, Diagnostic};

pub use image::FinalImage;
pub use model::{Layer, StageResult, Step};

/// What the user chose beyond `docker build` flags.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    pub analysis: stagecraft_analysis::Options,
    /// The build context; chosen from the Dockerfile's hints when `None`.
    pub context: Option<context::BuildContext>,
    /// Images the user imported (`docker image inspect`, OCI); they win over the catalog.
    pub extra_images: Vec<catalog::ImageEntry>,
    /// Sizes the user declared for images the catalog does not know, in bytes.
    pub declared_sizes: BTreeMap<String, u64>,
}

/// Everything the simulator knows about one Dockerfile.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub analysis: Analysis,
    /// One result per stage (`None` only for a stage that could not be simulated).
    pub stages: Vec<Option<StageResult>>,
    /// The build in an order BuildKit could run it: built stages only, level by level.
    pub steps: Vec<Step>,
    pub image: Option<FinalImage>,
    /// The build context preset used.
    pub context: String,
    /// Analysis and simulation diagnostics together, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses, analyzes and simulates `text`.
pub fn simulate(text: &str, options: &SimOptions) -> Simulation {
    let parse = stagecraft_syntax::parse(text);
    let context = match &options.context {
        Some(context) => context.clone(),
        None => context::preset(context::detect(&parse.dockerfile)).unwrap_or_else(|| {
            context::BuildContext {
                preset: "empty".to_string(),
                files: Vec::new(),
                dockerignore: None,
            }
        }),
    };
    // The context's .dockerignore drives BuildKit's CopyIgnoredFile check too.
    let mut analysis_options = options.analysis.clone();
    if analysis_options.dockerignore.is_none() {
        analysis_options.dockerignore = context.dockerignore.clone();
    }
    let analysis = stagecraft_analysis::analyze_parsed(text, parse, &analysis_options);
    let catalog = if options.extra_images.is_empty() {
        None
    } else {
        Some(catalog::Catalog::with_extra(options.extra_images.clone()))
    };
    let catalog_ref = catalog
        .as_ref()
        .unwrap_or_else(|| catalog::Catalog::builtin());
    let inputs = build::Inputs {
        text,
        analysis: &analysis,
        catalog: catalog_ref,
        context: &context,
        build_args: &options.analysis.build_args,
        declared_sizes: &options.declared_sizes,
        context_guessed: options.context.is_none(),
    };
    let mut outcome = build::run(&inputs);
    let image = analysis
        .target
        .and_then(|t| outcome.stages.get(t).and_then(|s| s.as_ref()))
        .map(image::final_image);
    let mut diagnostics = analysis.diagnostics.clone();
    diagnostics.append(&mut outcome.diagnostics);
    let mut teaching = Vec::new();
    teach::check(&inputs, &outcome, image.as_ref(), &mut teaching);
    diagnostics.extend(teaching);
    stagecraft_syntax::sort_diagnostics(&mut diagnostics);
    diagnostics.dedup();
    let context_name = context.preset.clone();
    Simulation {
        stages: outcome.stages,
        steps: outcome.steps,
        image,
        context: context_name,
        diagnostics,
        analysis,
    }
}
