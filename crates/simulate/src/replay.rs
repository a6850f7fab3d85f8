//! The filesystem of a stage as it was right after one step of the build, for the
//! step-through.
//!
//! A step's diff records sizes, not whole entries (owner, mode, layer, symlink target), so
//! undoing later diffs from the stage's final filesystem could not restore a removed or
//! overwritten entry exactly. Instead the engine runs again with the step's stage cut
//! after that step and every stage it does not read from left empty: the same inputs
//! through the same code give the same entries, and the cost is one partial build, paid
//! only for the step on screen (never for every step of every keystroke).

use std::collections::BTreeSet;

use stagecraft_analysis::Analysis;

use crate::build;
use crate::catalog::Catalog;
use crate::context::{self, BuildContext};
use crate::model::Step;
use crate::vfs::Fs;
use crate::SimOptions;

/// The filesystem of `step`'s stage right after `step` ran, entry for entry as the build
/// had it. `text`, `analysis` and `options` must be those the steps came from (the
/// `Simulation`'s analysis and the options given to `simulate`). `None` when the step does
/// not belong to that analysis.
pub fn fs_after_step(
    text: &str,
    analysis: &Analysis,
    options: &SimOptions,
    step: &Step,
) -> Option<Fs> {
    let stage = analysis.stages.get(step.stage)?;
    if !stage.instructions.contains(&step.instruction) {
        return None;
    }
    let needed = stages_read_by(analysis, step.stage);
    let mut stages = analysis.stages.clone();
    for s in &mut stages {
        if s.index == step.stage {
            s.instructions.end = step.instruction + 1;
        } else if !needed.contains(&s.index) {
            // Unread stages cannot change this one; only their base is still resolved.
            s.instructions.end = s.instructions.start;
        }
    }
    let cut = Analysis {
        parse: analysis.parse.clone(),
        stages,
        edges: analysis.edges.clone(),
        target: analysis.target,
        build_levels: analysis.build_levels.clone(),
        diagnostics: Vec::new(),
    };
    // The same context `simulate` picked: given, or detected from the whole file.
    let context = match &options.context {
        Some(context) => context.clone(),
        None => context::preset(context::detect(&analysis.parse.dockerfile)).unwrap_or_else(|| {
            BuildContext {
                preset: "empty".to_string(),
                files: Vec::new(),
                dockerignore: None,
            }
        }),
    };
    let extended = (!options.extra_images.is_empty())
        .then(|| Catalog::with_extra(options.extra_images.clone()));
    let inputs = build::Inputs {
        text,
        analysis: &cut,
        catalog: extended.as_ref().unwrap_or_else(|| Catalog::builtin()),
        context: &context,
        build_args: &options.analysis.build_args,
        declared_sizes: &options.declared_sizes,
        context_guessed: options.context.is_none(),
    };
    let mut outcome = build::run(&inputs);
    outcome.stages.get_mut(step.stage)?.take().map(|r| r.fs)
}

/// `stage` and every stage it reads from, directly or through others (FROM, COPY --from,
/// RUN --mount=from).
fn stages_read_by(analysis: &Analysis, stage: usize) -> BTreeSet<usize> {
    let mut needed = BTreeSet::from([stage]);
    let mut queue = vec![stage];
    while let Some(current) = queue.pop() {
        for edge in analysis.edges.iter().filter(|e| e.to_stage == current) {
            if let Some(from) = edge.from_stage {
                if needed.insert(from) {
                    queue.push(from);
                }
            }
        }
    }
    needed
}
