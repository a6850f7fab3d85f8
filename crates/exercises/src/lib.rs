//! Graded Dockerfile exercises: the TOML exercise format, declarative checks evaluated
//! against one simulated build of the learner's text, the pack shipped with Stagecraft,
//! instructor packs, and safe Markdown for instructions.
//!
//! Like the core it does no IO: exercise files arrive as strings, the shipped pack is
//! compiled in, and the same text always grades the same way.
//!
//! ```
//! let pack = stagecraft_exercises::builtin_pack();
//! if let Some(exercise) = pack.exercise("node-distroless") {
//!     let grade = stagecraft_exercises::grade(exercise, &exercise.starter);
//!     assert!(!grade.passed);
//! }
//! ```
#![forbid(unsafe_code)]

mod fields;
mod format;
mod grade;
mod markdown;
mod pack;

pub use format::{
    context_names, parse_exercise, Check, CheckKind, Exercise, ExerciseCheck, FormatError,
    MAX_CHECKS, MAX_FILE_BYTES,
};
pub use grade::{grade, grade_simulation, sim_options, CheckResult, Grade};
pub use markdown::{render_markdown_blocks, Block, Inline};
pub use pack::{
    builtin_pack, builtin_pack_result, builtin_sources, manifest_files, parse_pack, Pack,
    PackError, MANIFEST, MAX_EXERCISES,
};
