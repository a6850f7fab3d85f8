//! A BuildKit-faithful Dockerfile parser.
//!
//! [`parse`] turns any text into a [`Dockerfile`] plus [`Diagnostic`]s; it never fails
//! and never panics. Every instruction, flag, argument and heredoc keeps its byte range.
#![forbid(unsafe_code)]

mod ast;
pub mod buildkit;
mod diagnostic;
mod directives;
mod heredoc;
pub mod highlight;
mod json;
mod line_index;
mod line_parsers;
pub mod order;
mod parser;

pub use ast::{
    Directive, Dockerfile, EmptyContinuation, Flag, Heredoc, Instruction, Keyword, Word,
};
pub use diagnostic::{sort_diagnostics, Diagnostic, Fix, Severity};
pub use line_index::{LineCol, LineIndex, TextRange};
pub use parser::{parse, Parse};
