//! `stagecraft grade`: finding the exercise (a file or a built-in id), grading a
//! Dockerfile against it, and the checklist as text or JSON; and `grade --list`.

use std::fmt::Write as _;

use serde::Serialize;
use stagecraft_exercises::{builtin_pack, grade_simulation, sim_options, CheckResult, Exercise};
use stagecraft_simulate::simulate;
use stagecraft_syntax::LineIndex;

use crate::args::{ExerciseSource, Format};
use crate::input::{self, display_name};

/// Loads the exercise `source` names. Errors are one line: `FILE: reason` for a file
/// that cannot be read, `FILE:LINE:COLUMN: message` for a malformed one, and for an
/// unknown id the ids that exist.
pub fn load_exercise(source: &ExerciseSource) -> Result<Exercise, String> {
    match source {
        ExerciseSource::Path(path) => {
            let text = input::read_file(path).map_err(|e| format!("{}: {}", e.name, e.reason))?;
            stagecraft_exercises::parse_exercise(&text).map_err(|e| {
                format!(
                    "{}:{}:{}: {}",
                    display_name(&path.to_string_lossy()),
                    e.line,
                    e.column,
                    display_name(&e.message)
                )
            })
        }
        ExerciseSource::Builtin(id) => {
            let pack = builtin_pack();
            if let Some(exercise) = pack.exercise(id) {
                return Ok(exercise.clone());
            }
            let ids: Vec<&str> = pack.exercises.iter().map(|e| e.id.as_str()).collect();
            let mut message = format!("unknown exercise `{}`", display_name(id));
            if let Some(close) = stagecraft_analysis::suggest::closest(id, &ids) {
                let _ = write!(message, " (did you mean `{close}`?)");
            }
            if std::path::Path::new(id).is_file() {
                let _ = write!(
                    message,
                    "; to use the file of that name, write it as `./{}`",
                    display_name(id)
                );
            }
            if ids.is_empty() {
                message.push_str("; the built-in pack has no exercises");
            } else {
                let _ = write!(
                    message,
                    "; the built-in exercises are {} (or give the path of an exercise file \
                     ending in .toml or .md)",
                    ids.join(", ")
                );
            }
            Err(message)
        }
    }
}

/// One check's verdict in `grade --format json`: the core's result plus its position.
#[derive(Debug, Clone, Serialize)]
pub struct ResultJson<'a> {
    #[serde(flatten)]
    pub result: &'a CheckResult,
    /// 1-based line and column of `range`'s start and end, when the result has a range.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
}

/// `stagecraft grade --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct GradeJson<'a> {
    /// The exercise's id.
    pub exercise: &'a str,
    pub title: &'a str,
    /// The build context preset the simulation used.
    pub context: &'a str,
    /// Whether every check passed.
    pub passed: bool,
    pub results: Vec<ResultJson<'a>>,
}

/// One line of `grade --list --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseJson<'a> {
    pub id: &'a str,
    pub title: &'a str,
}

/// Grades `text` (called `name`) against `exercise`: the output and the exit code (0 when
/// every check passes, else 1).
pub fn grade(
    exercise: &Exercise,
    text: &str,
    name: &str,
    format: Format,
) -> Result<(String, i32), String> {
    let simulation = simulate(text, &sim_options(exercise));
    let grade = grade_simulation(exercise, text, &simulation);
    let index = LineIndex::new(text);
    let output = match format {
        Format::Json => {
            let results = grade
                .results
                .iter()
                .map(|result| {
                    let start = result.range.map(|r| index.line_col(text, r.start));
                    let end = result.range.map(|r| index.line_col(text, r.end));
                    ResultJson {
                        result,
                        line: start.map(|p| p.line),
                        column: start.map(|p| p.column),
                        end_line: end.map(|p| p.line),
                        end_column: end.map(|p| p.column),
                    }
                })
                .collect();
            crate::json::to_pretty(&GradeJson {
                exercise: &exercise.id,
                title: &exercise.title,
                context: &simulation.context,
                passed: grade.passed,
                results,
            })?
        }
        _ => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{}: {}",
                display_name(&exercise.id),
                display_name(&exercise.title)
            );
            let _ = writeln!(
                out,
                "{name} graded, simulated with the `{}` build context\n",
                display_name(&simulation.context)
            );
            for result in &grade.results {
                let (mark, word) = if result.passed {
                    ("✓", "[pass]")
                } else {
                    ("✗", "[FAIL]")
                };
                let _ = writeln!(out, "  {mark} {word} {}", display_name(&result.label));
                if !result.detail.is_empty() {
                    let _ = writeln!(out, "           {}", display_name(&result.detail));
                }
                if let Some(range) = result.range {
                    let at = index.line_col(text, range.start);
                    let _ = writeln!(out, "           --> {name}:{}:{}", at.line, at.column);
                }
            }
            let passed = grade.results.iter().filter(|r| r.passed).count();
            let total = grade.results.len();
            let noun = if total == 1 {
                "check passes"
            } else {
                "checks pass"
            };
            let _ = writeln!(out, "\n{passed} of {total} {noun}");
            out
        }
    };
    let code = if grade.passed {
        crate::EXIT_OK
    } else {
        crate::EXIT_DIAGNOSTICS
    };
    Ok((output, code))
}

/// `grade --list`: the built-in exercises, in the pack's order.
pub fn list(format: Format) -> Result<String, String> {
    let pack = builtin_pack();
    match format {
        Format::Json => {
            let items: Vec<ExerciseJson> = pack
                .exercises
                .iter()
                .map(|e| ExerciseJson {
                    id: &e.id,
                    title: &e.title,
                })
                .collect();
            crate::json::to_pretty(&items)
        }
        _ => {
            let width = pack
                .exercises
                .iter()
                .map(|e| e.id.chars().count())
                .max()
                .unwrap_or(0);
            let mut out = String::new();
            for exercise in &pack.exercises {
                let _ = writeln!(
                    out,
                    "{:width$}  {}",
                    display_name(&exercise.id),
                    display_name(&exercise.title)
                );
            }
            Ok(out)
        }
    }
}
