//! The `stagecraft` command line: `parse`, `analyze`, `explain`, `trace` and `graph` over
//! a Dockerfile, and `grade` against an exercise.
//!
//! [`run`] holds all the logic and takes its streams as arguments, so it is tested
//! without spawning a process; `main.rs` only hands it the real ones. Exit codes: 0 for
//! success, 1 when the Dockerfile has error diagnostics (`parse`, `analyze`, `explain`,
//! `trace`) or fails a check (`grade`), 2 when the arguments are wrong or an input
//! cannot be read. Errors of the last kind are one line on standard error:
//! `stagecraft: error: <path>: <reason>`, with `<path>:<line>` (and `:<column>` for JSON
//! and exercise files) when a file an option names is malformed.
#![forbid(unsafe_code)]

pub mod args;
pub mod explain;
pub mod grade;
pub mod input;
pub mod json;
pub mod render;
pub mod trace;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::Path;

use stagecraft_analysis::layout::{self, LayoutOptions, SvgOptions};
use stagecraft_analysis::{analyze, export, Analysis, Options, Severity};
use stagecraft_simulate::context::BuildContext;
use stagecraft_simulate::{catalog, context, simulate, SimOptions, Simulation};

use args::{Command, Format, Invocation, Request};

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: the Dockerfile has error diagnostics.
pub const EXIT_DIAGNOSTICS: i32 = 1;
/// Exit code: wrong arguments, or an input that cannot be read.
pub const EXIT_USAGE: i32 = 2;

/// Runs the command line `args` (without the program name) and returns the exit code.
pub fn run<I>(args: I, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = OsString>,
{
    let invocation = match args::parse_args(args) {
        Ok(Request::Run(invocation)) => invocation,
        Ok(Request::ListExercises(format)) => {
            return match grade::list(format) {
                Ok(output) => emit(stdout, stderr, &output, EXIT_OK),
                Err(message) => fail(stderr, &message),
            }
        }
        Ok(Request::Help(text)) => return emit(stdout, stderr, &format!("{text}\n"), EXIT_OK),
        Ok(Request::Version) => {
            let version = format!("stagecraft {}\n", env!("CARGO_PKG_VERSION"));
            return emit(stdout, stderr, &version, EXIT_OK);
        }
        Err(error) => {
            let _ = writeln!(
                stderr,
                "stagecraft: error: {}\n{}",
                error.message,
                error.usage()
            );
            return EXIT_USAGE;
        }
    };
    // The exercise first: an unknown id is reported before standard input is read.
    let exercise = match &invocation.exercise {
        Some(source) => match grade::load_exercise(source) {
            Ok(exercise) => Some(exercise),
            Err(message) => return fail(stderr, &message),
        },
        None => None,
    };
    let text = match input::read_input(&invocation.input, stdin) {
        Ok(text) => text,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "stagecraft: error: {}: {}",
                error.name, error.reason
            );
            return EXIT_USAGE;
        }
    };
    let result = match &exercise {
        Some(exercise) => grade::grade(
            exercise,
            &text,
            &input::input_name(&invocation.input),
            invocation.format,
        ),
        None => execute(&invocation, &text),
    };
    match result {
        Ok((output, code)) => emit(stdout, stderr, &output, code),
        Err(message) => fail(stderr, &message),
    }
}

/// Reports a one-line error; the exit code is [`EXIT_USAGE`].
fn fail(stderr: &mut dyn Write, message: &str) -> i32 {
    let _ = writeln!(stderr, "stagecraft: error: {message}");
    EXIT_USAGE
}

/// Runs a command on the text of its input: the output and the exit code, or a
/// one-line error.
pub fn execute(invocation: &Invocation, text: &str) -> Result<(String, i32), String> {
    let name = input::input_name(&invocation.input);
    match invocation.command {
        Command::Parse => {
            let parse = stagecraft_syntax::parse(text);
            let output = json::to_pretty(&json::parse_json(text, &parse))?;
            Ok((output, exit_code(&parse.diagnostics)))
        }
        Command::Analyze => {
            let simulation = run_simulation(invocation, text)?;
            let output = match invocation.format {
                Format::Json => json::to_pretty(&json::analyze_json(text, &simulation))?,
                _ => explain::render_analyze(text, &name, &simulation),
            };
            Ok((output, exit_code(&simulation.diagnostics)))
        }
        Command::Explain => {
            let simulation = run_simulation(invocation, text)?;
            let output = explain::render_explain(text, &name, &simulation);
            Ok((output, exit_code(&simulation.diagnostics)))
        }
        Command::Trace => {
            let simulation = run_simulation(invocation, text)?;
            let output = match invocation.format {
                Format::Json => json::to_pretty(&json::trace_json(&simulation))?,
                _ => trace::render_trace(&simulation),
            };
            Ok((output, exit_code(&simulation.diagnostics)))
        }
        Command::Graph if invocation.format == Format::Svg => {
            let simulation = run_simulation(invocation, text)?;
            check_target(&simulation.analysis, &name)?;
            let options = LayoutOptions {
                direction: invocation.svg.direction,
                stage_sizes: simulation
                    .stages
                    .iter()
                    .flatten()
                    .map(|r| (r.index, r.size_bytes))
                    .collect(),
            };
            let drawn = layout::layout(&simulation.analysis, &options);
            let mut svg = layout::to_svg(
                &drawn,
                &SvgOptions {
                    theme: invocation.svg.theme,
                    ..SvgOptions::default()
                },
            );
            if !svg.ends_with('\n') {
                svg.push('\n');
            }
            Ok((svg, EXIT_OK))
        }
        Command::Graph => {
            let analysis = analyze(text, &options(invocation));
            check_target(&analysis, &name)?;
            let output = match invocation.format {
                Format::Mermaid => export::to_mermaid(&analysis),
                Format::Json => json::to_pretty(&export::to_json(&analysis))?,
                _ => export::to_dot(&analysis),
            };
            Ok((output, EXIT_OK))
        }
        Command::Grade => {
            let source = invocation
                .exercise
                .as_ref()
                .ok_or_else(|| "`grade` needs an exercise".to_string())?;
            let exercise = grade::load_exercise(source)?;
            grade::grade(&exercise, text, &name, invocation.format)
        }
    }
}

/// The graph of a target that does not exist is an error, not a picture.
fn check_target(analysis: &Analysis, name: &str) -> Result<(), String> {
    match analysis
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown-target")
    {
        Some(unknown) => {
            let help = unknown
                .help
                .as_deref()
                .map(|h| format!(" ({})", h.trim_end_matches('.')))
                .unwrap_or_default();
            Err(input::display_name(&format!(
                "{name}: {}{help}",
                unknown.message
            )))
        }
        None => Ok(()),
    }
}

fn options(invocation: &Invocation) -> Options {
    Options {
        target: invocation.target.clone(),
        build_args: invocation.build_args.clone(),
        dockerignore: None,
    }
}

/// Reads the files the simulation options name and simulates `text`.
fn run_simulation(invocation: &Invocation, text: &str) -> Result<Simulation, String> {
    Ok(simulate(text, &simulation_options(invocation, text)?))
}

/// The simulator's options from the command line, reading the files it names. Errors are
/// one line: `FILE: reason`, `FILE:line: message` for a listing, `FILE:line:column:
/// message` for JSON.
pub fn simulation_options(invocation: &Invocation, text: &str) -> Result<SimOptions, String> {
    let sim = &invocation.simulation;
    let read =
        |path: &Path| input::read_file(path).map_err(|e| format!("{}: {}", e.name, e.reason));
    let shown = |path: &Path| input::display_name(&path.to_string_lossy());
    let mut build_context: Option<BuildContext> = match (&sim.context_file, &sim.context) {
        (Some(path), preset) => {
            let listing = read(path)?;
            let preset = preset.as_deref().unwrap_or(CUSTOM_CONTEXT);
            let parsed = BuildContext::parse_listing(&listing, preset).map_err(|e| {
                format!(
                    "{}:{}: {}",
                    shown(path),
                    e.line,
                    input::display_name(&e.message)
                )
            })?;
            Some(parsed)
        }
        (None, Some(preset)) => Some(
            context::preset(preset)
                .ok_or_else(|| format!("the context preset `{preset}` could not be loaded"))?,
        ),
        (None, None) => None,
    };
    if let Some(path) = &sim.dockerignore {
        let ignore = read(path)?;
        // The preset the simulator would have guessed, with this .dockerignore instead.
        let base = match build_context.take() {
            Some(found) => found,
            None => {
                let parse = stagecraft_syntax::parse(text);
                context::preset(context::detect(&parse.dockerfile)).unwrap_or_else(|| {
                    BuildContext {
                        preset: CUSTOM_CONTEXT.to_string(),
                        files: Vec::new(),
                        dockerignore: None,
                    }
                })
            }
        };
        build_context = Some(BuildContext {
            dockerignore: Some(ignore),
            ..base
        });
    }
    let mut extra_images = Vec::with_capacity(sim.import_images.len());
    for path in &sim.import_images {
        let json = read(path)?;
        let entry = catalog::import_docker_inspect(&json).map_err(|e| {
            let message = input::display_name(&e.message);
            if e.line == 0 {
                format!("{}: {message}", shown(path))
            } else {
                format!("{}:{}:{}: {message}", shown(path), e.line, e.column)
            }
        })?;
        extra_images.push(entry);
    }
    Ok(SimOptions {
        analysis: options(invocation),
        context: build_context,
        extra_images,
        declared_sizes: sim.image_sizes.clone(),
    })
}

/// What a context from `--context-file` without `--context` is called.
const CUSTOM_CONTEXT: &str = "custom";

fn exit_code(diagnostics: &[stagecraft_syntax::Diagnostic]) -> i32 {
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        EXIT_DIAGNOSTICS
    } else {
        EXIT_OK
    }
}

/// Writes the output; a closed pipe (`| head`) is not an error, any other failure is.
fn emit(stdout: &mut dyn Write, stderr: &mut dyn Write, output: &str, code: i32) -> i32 {
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => code,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => code,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "stagecraft: error: cannot write the output: {error}"
            );
            EXIT_USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs with `input` on standard input: (exit code, stdout, stderr).
    fn run_with(args: &[&str], input: &str) -> (i32, String, String) {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let code = run(
            args.iter().map(OsString::from),
            &mut input.as_bytes(),
            &mut stdout,
            &mut stderr,
        );
        (
            code,
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }

    #[test]
    fn analyze_text_and_exit_codes() {
        let (code, out, err) = run_with(&["analyze", "-"], "FROM alpine:3.20\nUSER nobody\n");
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(
            out.starts_with("final image (estimated): stage 0\n  size "),
            "{out}"
        );
        assert!(out.contains("\n  user             nobody\n"), "{out}");
        assert!(out.ends_with("\n\nno problems found\n"), "{out}");
        let (code, out, _) = run_with(&["analyze", "-"], "FROM alpine AS a\nFROM alpine AS a\n");
        assert_eq!(code, 1);
        assert!(out.contains("error[DuplicateStageName]"), "{out}");
        assert!(out.contains(" --> <stdin>:2:16\n"), "{out}");
        let last = out.lines().last().unwrap_or_default();
        assert!(last.starts_with("1 error"), "{out}");
    }

    #[test]
    fn usage_errors_are_one_line_plus_usage() {
        let (code, out, err) = run_with(&["analyze", "--bogus", "-"], "");
        assert_eq!(code, 2);
        assert_eq!(out, "");
        let mut lines = err.lines();
        assert_eq!(
            lines.next(),
            Some("stagecraft: error: unknown option `--bogus`")
        );
        assert_eq!(
            lines.next(),
            Some("Usage: stagecraft analyze [OPTIONS] <FILE|->")
        );
        let (code, _, err) = run_with(&["frobnicate"], "");
        assert_eq!(code, 2);
        assert!(err.starts_with("stagecraft: error: unknown command `frobnicate`\n"));
    }

    #[test]
    fn help_and_version_go_to_stdout() {
        let (code, out, err) = run_with(&["graph", "--help"], "");
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(out.starts_with("stagecraft graph: "));
        let (code, out, _) = run_with(&["--version"], "");
        assert_eq!(code, 0);
        assert_eq!(out, format!("stagecraft {}\n", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn graph_formats_and_unknown_target() {
        let text = "FROM alpine AS build\nFROM scratch\nCOPY --from=build /a /a\n";
        let (code, out, _) = run_with(&["graph", "-"], text);
        assert_eq!(code, 0);
        assert!(out.starts_with("digraph stages {\n"), "{out}");
        assert!(
            out.contains("  s0 -> s1 [label=\"copy\", style=dashed];\n"),
            "{out}"
        );
        let (_, out, _) = run_with(&["graph", "--format", "mermaid", "-"], text);
        assert!(out.starts_with("flowchart LR\n"), "{out}");
        let (_, out, _) = run_with(&["graph", "--format=json", "-"], text);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(value["edges"][1]["kind"], "copy", "{out}");
        let (code, out, err) = run_with(&["graph", "--target", "buidl", "-"], text);
        assert_eq!((code, out.as_str()), (2, ""));
        assert!(
            err.starts_with(
                "stagecraft: error: <stdin>: target stage \"buidl\" could not be found ("
            ),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    #[test]
    fn input_errors_are_one_line() {
        let (code, out, err) = run_with(&["parse", "-"], "FROM a\0b");
        assert_eq!((code, out.as_str()), (2, ""));
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("stagecraft: error: <stdin>: binary file"),
            "{err}"
        );
    }

    #[test]
    fn graph_svg_draws_the_simulated_sizes() {
        let text = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n";
        let (code, out, err) = run_with(&["graph", "--format", "svg", "-"], text);
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(out.starts_with("<svg "), "{out}");
        assert!(out.ends_with("</svg>\n"), "{out}");
        assert!(
            out.contains("data-stage=\"1\" data-built=\"true\""),
            "{out}"
        );
        assert!(out.contains("data-edge-kind=\"copy\" data-from=\"s0\" data-to=\"s1\""));
        // The sizes are the simulator's, as in the web app.
        let simulation = simulate(text, &SimOptions::default());
        for stage in simulation.stages.iter().flatten() {
            let size = layout::format_size(stage.size_bytes);
            assert!(out.contains(&format!(">{size}</text>")), "{size}: {out}");
        }
    }

    #[test]
    fn grade_a_builtin_exercise_from_stdin() {
        let pack = stagecraft_exercises::builtin_pack();
        let Some(exercise) = pack.exercise("non-root-user") else {
            panic!("no non-root-user exercise");
        };
        let (code, out, err) = run_with(&["grade", "non-root-user", "-"], &exercise.starter);
        assert_eq!((code, err.as_str()), (1, ""));
        assert!(out.starts_with("non-root-user: "), "{out}");
        assert!(out.contains("[FAIL]"), "{out}");
        let solution = exercise.solution.as_deref().unwrap_or_default();
        let (code, out, _) = run_with(&["grade", "non-root-user", "-", "--format=json"], solution);
        assert_eq!(code, 0, "{out}");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(value["exercise"], "non-root-user");
        assert_eq!(value["passed"], true);
        let (code, out, err) = run_with(&["grade", "nope", "-"], "FROM a\n");
        assert_eq!((code, out.as_str()), (2, ""));
        assert!(err.starts_with(
            "stagecraft: error: unknown exercise `nope`; the built-in exercises are "
        ));
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    struct BrokenPipe;

    impl Write for BrokenPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_stdout_is_not_a_crash() {
        let mut stderr = Vec::new();
        let code = run(
            ["analyze", "-"].map(OsString::from),
            &mut "FROM a\n".as_bytes(),
            &mut BrokenPipe,
            &mut stderr,
        );
        assert_eq!(code, 0);
        assert!(stderr.is_empty());
    }
}
