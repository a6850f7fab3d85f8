//! A simulated BuildKit build, without Docker: each stage's virtual filesystem from its
//! base image (the catalog) and its instructions (COPY semantics, modelled RUN effects),
//! Docker's layer accounting, the final image of the target, the step trace, and the
//! teaching diagnostics that only a simulation can ground.
//!
//! Like the rest of the core it does no IO: the catalog, recipe and context tables are
//! data files compiled in, and user additions come in as strings.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod context;
pub mod recipes;
pub mod vfs;
