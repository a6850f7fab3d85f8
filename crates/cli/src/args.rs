//! Command-line arguments, parsed by hand: a subcommand, its inputs and a few flags.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use stagecraft_analysis::layout::{Direction, Theme};

use crate::input::display_name;

/// The options of the commands that simulate the build (`analyze`, `explain`, `trace`),
/// as a string literal for `concat!`.
macro_rules! simulation_options {
    () => {
        "      --target <NAME>        the stage to build, as `docker build --target`
                             (default: the last stage)
      --build-arg <KEY=VALUE>
                             a build argument, as `docker build --build-arg`
                             (repeatable)
      --context <PRESET>     the build context to simulate with: node, react, go,
                             python, python-poetry, java, rust or static (default:
                             guessed from the Dockerfile)
      --context-file <FILE>  the build context as a listing: one `path size` a line
                             (`src/main.go 4KB`), `#` comments; sizes in bytes or
                             with a unit (KB, MB, GB, KiB, MiB, GiB)
      --dockerignore <FILE>  the project's .dockerignore (default: the preset's)
      --image-size <REF=MB>  the size of an image the catalog does not know, in MB
                             or with a unit (`myorg/base:1.4=250`, `=1.2GB`)
                             (repeatable)
      --import-image <FILE>  an image described by `docker image inspect` JSON; it
                             wins over the catalog's entry for the same reference
                             (repeatable)
"
    };
}

/// The top-level help, printed by `stagecraft --help`.
pub const USAGE: &str = "\
stagecraft: what BuildKit makes of a Dockerfile

Usage: stagecraft <COMMAND> [OPTIONS] <FILE|->
       stagecraft grade [OPTIONS] <EXERCISE> <FILE|->

Commands:
  parse     print the instructions as BuildKit's parser sees them, and syntax errors
  analyze   check a Dockerfile: stages, dependencies, build levels, diagnostics and
            the estimated final image
  explain   describe the final image and why: base, layers, biggest paths, what each
            stage contributed, and the diagnostics
  trace     step through the simulated build: what each instruction changed
  graph     draw the stage graph as DOT, Mermaid, JSON or SVG
  grade     check a Dockerfile against an exercise's checklist (`grade --list`
            lists the built-in exercises)
  help      print this help, or a command's (`stagecraft help analyze`)

Options:
  -h, --help     print help
  -V, --version  print the version

FILE is a path, or `-` to read standard input. Run `stagecraft <COMMAND> --help` for a
command's options. Sizes are estimates: base images from a built-in catalog, build
context files from a preset project or a listing, RUN effects from a table of known
commands; nothing is pulled or built.";

const PARSE_HELP: &str = "\
stagecraft parse: print the instructions as BuildKit's parser sees them

Usage: stagecraft parse [OPTIONS] <FILE|->

Prints {\"instructions\": [...], \"diagnostics\": [...]}: every instruction with its
command, flags, values, heredocs, lines and byte range, and the syntax diagnostics.

Options:
      --format <FORMAT>  output format: json (default)
  -h, --help             print this help

Exit status: 0 without syntax errors, 1 with some, 2 when the input cannot be read or
the arguments are wrong.";

const ANALYZE_HELP: &str = concat!(
    "\
stagecraft analyze: check a Dockerfile

Usage: stagecraft analyze [OPTIONS] <FILE|->

Simulates the build (without Docker) and reports the diagnostics of the parse, the
stage graph, BuildKit's build checks and the simulation, then a summary of the final
image: estimated size, base, user, shell, package manager and toolchains.

Options:
      --format <FORMAT>      output format: text (default; diagnostics as a compiler
                             shows them, then the image summary) or json (stages,
                             edges, target, build levels, diagnostics, the context
                             used and the final `image`: sizes in MB, base, user,
                             workdir, shell, package manager, toolchains, added
                             paths, layers, command, ports, source code, build
                             caches, secrets)
",
    simulation_options!(),
    "  -h, --help                 print this help

Exit status: 0 without error diagnostics, 1 with some, 2 when an input cannot be read
or the arguments are wrong."
);

const EXPLAIN_HELP: &str = concat!(
    "\
stagecraft explain: describe the final image and why

Usage: stagecraft explain [OPTIONS] <FILE|->

Simulates the build and prints, for the target stage: the base image and its size
(with the catalog's note when the tag was estimated), the size of each layer as a bar
(with the bytes it wasted by deleting or replacing earlier files), the ten biggest
paths and where they came from (base, context, a stage, a RUN), what each built stage
contributed through COPY --from, the badges (shell, package manager, user,
toolchains, source code, build caches, secrets, exposed ports, command), and the
diagnostics.

Options:
      --format <FORMAT>      output format: text (default)
",
    simulation_options!(),
    "  -h, --help                 print this help

Exit status: 0 without error diagnostics, 1 with some, 2 when an input cannot be read
or the arguments are wrong."
);

const TRACE_HELP: &str = concat!(
    "\
stagecraft trace: step through the simulated build

Usage: stagecraft trace [OPTIONS] <FILE|->

Lists the steps of the build in an order BuildKit could run them (the stages the
target needs, level by level): each instruction with its stage, parallel level, lines,
a summary, the paths it added, removed or changed, the layer it made, and for
COPY --from the files that moved between stages and their bytes.

Options:
      --format <FORMAT>      output format: text (default; one line a step, with the
                             paths and bytes of transfers) or json (an array of steps:
                             stage, stage_name, level, line, end_line, keyword,
                             summary, diff {added, removed, changed}, layer, transfer)
",
    simulation_options!(),
    "  -h, --help                 print this help

Exit status: 0 without error diagnostics, 1 with some, 2 when an input cannot be read
or the arguments are wrong."
);

const GRAPH_HELP: &str = "\
stagecraft graph: draw the stage graph

Usage: stagecraft graph [OPTIONS] <FILE|->

Stages are boxes (the target with a double border, stages the target does not need
greyed out and marked skipped), external images are ovals; `from` edges are solid,
`copy` edges dashed and `mount` edges dotted.

`--format svg` draws the same picture as the web playground: stages in columns (or
rows) by parallel build level, each with its base and estimated size from the
simulated build, edges by kind, and a legend. Open it in a browser or embed it in a
page; every name in it is XML-escaped.

Options:
      --format <FORMAT>      output format: dot (default; Graphviz), mermaid, json or
                             svg
      --target <NAME>        the stage to build (default: the last stage)
      --build-arg <KEY=VALUE>
                             a build argument (repeatable)
      --direction <DIR>      with svg: lr (default; build order left to right) or tb
                             (top to bottom)
      --theme <THEME>        with svg: auto (default; follows the viewer's light or
                             dark preference), light or dark
  -h, --help                 print this help

Exit status: 0 on success, 2 when the input cannot be read, the target does not exist
or the arguments are wrong.";

const GRADE_HELP: &str = "\
stagecraft grade: check a Dockerfile against an exercise

Usage: stagecraft grade [OPTIONS] <EXERCISE> <FILE|->
       stagecraft grade --list [--format <FORMAT>]

EXERCISE is a built-in exercise id (`stagecraft grade --list` shows them) or an
exercise file: a path ending in .toml or .md, or containing a `/` (the format is
described in the stagecraft-exercises README). FILE is the Dockerfile to grade, or `-`
for standard input. The build is simulated with the exercise's context, as the web
playground does, and every check of the exercise is evaluated.

Options:
      --format <FORMAT>      output format: text (default; a checklist with a mark
                             and [pass] or [FAIL] per check, its label, what the
                             simulation sees now and FILE:LINE:COLUMN of the problem,
                             then `N of M checks pass`) or json ({exercise, title,
                             context, passed, results: [{kind, label, passed,
                             detail, range, line, column, end_line, end_column}]})
      --list                 list the built-in exercises (id and title) instead
  -h, --help                 print this help

Exit status: 0 when every check passes, 1 when some fail, 2 when the exercise is
unknown or malformed (reported as FILE:LINE:COLUMN: message), an input cannot be read
or the arguments are wrong.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Parse,
    Analyze,
    Explain,
    Trace,
    Graph,
    Grade,
}

impl Command {
    fn from_name(name: &str) -> Option<Command> {
        match name {
            "parse" => Some(Command::Parse),
            "analyze" | "analyse" => Some(Command::Analyze),
            "explain" => Some(Command::Explain),
            "trace" => Some(Command::Trace),
            "graph" => Some(Command::Graph),
            "grade" => Some(Command::Grade),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Parse => "parse",
            Command::Analyze => "analyze",
            Command::Explain => "explain",
            Command::Trace => "trace",
            Command::Graph => "graph",
            Command::Grade => "grade",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Command::Parse => PARSE_HELP,
            Command::Analyze => ANALYZE_HELP,
            Command::Explain => EXPLAIN_HELP,
            Command::Trace => TRACE_HELP,
            Command::Graph => GRAPH_HELP,
            Command::Grade => GRADE_HELP,
        }
    }

    fn formats(self) -> &'static [Format] {
        match self {
            Command::Parse => &[Format::Json],
            Command::Analyze | Command::Trace | Command::Grade => &[Format::Text, Format::Json],
            Command::Explain => &[Format::Text],
            Command::Graph => &[Format::Dot, Format::Mermaid, Format::Json, Format::Svg],
        }
    }

    fn takes_build_options(self) -> bool {
        !matches!(self, Command::Parse | Command::Grade)
    }

    /// The positional arguments, as the usage line shows them.
    fn operands(self) -> &'static str {
        match self {
            Command::Grade => "<EXERCISE> <FILE|->",
            _ => "<FILE|->",
        }
    }

    /// Whether the command simulates the build, and so takes the context and image
    /// options.
    pub fn simulates(self) -> bool {
        matches!(self, Command::Analyze | Command::Explain | Command::Trace)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Text,
    Dot,
    Mermaid,
    Svg,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Text => "text",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Svg => "svg",
        }
    }
}

/// Where the Dockerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

/// A command ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub command: Command,
    pub input: Input,
    pub format: Format,
    pub target: Option<String>,
    pub build_args: BTreeMap<String, String>,
    pub simulation: SimulationArgs,
    /// `graph --format svg`: the drawing options.
    pub svg: SvgArgs,
    /// `grade`: the exercise to grade against (`None` for the other commands).
    pub exercise: Option<ExerciseSource>,
}

/// `--direction` and `--theme` of `graph --format svg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SvgArgs {
    pub direction: Direction,
    pub theme: Theme,
}

/// Where `grade` finds its exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExerciseSource {
    /// An exercise file (`.toml`, or Markdown with TOML front matter).
    Path(PathBuf),
    /// An exercise of the built-in pack, by id.
    Builtin(String),
}

/// The options that shape the simulated build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulationArgs {
    /// `--context`: a preset name, checked against the simulator's presets.
    pub context: Option<String>,
    /// `--context-file`: a context listing.
    pub context_file: Option<PathBuf>,
    /// `--dockerignore`: the project's `.dockerignore`.
    pub dockerignore: Option<PathBuf>,
    /// `--image-size REF=MB`, in bytes, by reference as written.
    pub image_sizes: BTreeMap<String, u64>,
    /// `--import-image`: `docker image inspect` JSON files, in the order given.
    pub import_images: Vec<PathBuf>,
}

/// What the arguments ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Print this help text on standard output.
    Help(&'static str),
    Version,
    Run(Box<Invocation>),
    /// `grade --list`: list the built-in exercises in this format.
    ListExercises(Format),
}

/// Wrong arguments: a one-line message, and the command whose usage to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    pub command: Option<Command>,
}

impl UsageError {
    fn new(command: Option<Command>, message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            command,
        }
    }

    /// The short usage shown after the message.
    pub fn usage(&self) -> String {
        match self.command {
            Some(command) => format!(
                "Usage: stagecraft {} [OPTIONS] {}\nRun `stagecraft {} --help` for more information.",
                command.name(),
                command.operands(),
                command.name()
            ),
            None => "Usage: stagecraft <COMMAND> [OPTIONS] <FILE|->\nCommands: parse, analyze, explain, trace, graph, grade. Run `stagecraft --help` for more information.".to_string(),
        }
    }
}

/// Shows an argument in an error message on one line, whatever bytes it holds.
fn shown(arg: &OsStr) -> String {
    display_name(&arg.to_string_lossy())
}

/// Parses the arguments after the program name.
pub fn parse_args<I>(args: I) -> Result<Request, UsageError>
where
    I: IntoIterator<Item = OsString>,
{
    let mut args = args.into_iter();
    let Some(first) = args.next() else {
        return Err(UsageError::new(None, "missing command"));
    };
    let command = match first.to_str() {
        Some("-h" | "--help") => return Ok(Request::Help(USAGE)),
        Some("-V" | "--version") => return Ok(Request::Version),
        Some("help") => {
            return match args.next() {
                None => Ok(Request::Help(USAGE)),
                Some(name) => match name.to_str().and_then(Command::from_name) {
                    Some(command) => Ok(Request::Help(command.help())),
                    None => Err(UsageError::new(
                        None,
                        format!("unknown command `{}`", shown(&name)),
                    )),
                },
            };
        }
        Some(name) => match Command::from_name(name) {
            Some(command) => command,
            None if name.starts_with('-') => {
                return Err(UsageError::new(
                    None,
                    format!("unexpected option `{}` before the command", shown(&first)),
                ))
            }
            None => {
                return Err(UsageError::new(
                    None,
                    format!("unknown command `{}`", shown(&first)),
                ))
            }
        },
        None => {
            return Err(UsageError::new(
                None,
                format!("unknown command `{}`", shown(&first)),
            ))
        }
    };
    parse_command(command, args)
}

fn parse_command(
    command: Command,
    mut args: impl Iterator<Item = OsString>,
) -> Result<Request, UsageError> {
    let error = |message: String| UsageError::new(Some(command), message);
    let mut operands: Vec<OsString> = Vec::new();
    let mut format: Option<Format> = None;
    let mut list = false;
    let mut direction: Option<Direction> = None;
    let mut theme: Option<Theme> = None;
    let mut target: Option<String> = None;
    let mut build_args = BTreeMap::new();
    let mut simulation = SimulationArgs::default();
    let mut only_positionals = false;
    while let Some(arg) = args.next() {
        let text = arg.to_str();
        let is_option = !only_positionals
            && text.map_or_else(
                || arg.as_encoded_bytes().starts_with(b"-") && arg.len() > 1,
                |t| t.starts_with('-') && t != "-",
            );
        if !is_option {
            let wanted = if command == Command::Grade { 2 } else { 1 };
            if operands.len() == wanted {
                let give = if command == Command::Grade {
                    "give EXERCISE and FILE"
                } else {
                    "give one FILE"
                };
                return Err(error(format!(
                    "unexpected argument `{}`: {give}",
                    shown(&arg)
                )));
            }
            operands.push(arg);
            continue;
        }
        let Some(text) = text else {
            return Err(error(format!("unknown option `{}`", shown(&arg))));
        };
        if text == "--" {
            only_positionals = true;
            continue;
        }
        if text == "-h" || text == "--help" {
            return Ok(Request::Help(command.help()));
        }
        if text == "--list" && command == Command::Grade {
            list = true;
            continue;
        }
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (text, None),
        };
        match name {
            "--format" => {}
            "--direction" | "--theme" if command == Command::Graph => {}
            "--target" | "--build-arg" if command.takes_build_options() => {}
            "--context" | "--context-file" | "--dockerignore" | "--image-size"
            | "--import-image"
                if command.simulates() => {}
            _ => return Err(error(format!("unknown option `{}`", display_name(name)))),
        }
        let value = match inline {
            Some(value) => value,
            None => match args.next() {
                Some(value) => value.into_string().map_err(|value| {
                    error(format!(
                        "the value of `{name}` is not valid UTF-8: `{}`",
                        shown(&value)
                    ))
                })?,
                None => return Err(error(format!("`{name}` needs a value"))),
            },
        };
        match name {
            "--format" => {
                let formats = command.formats();
                let Some(chosen) = formats.iter().find(|f| f.name() == value) else {
                    let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
                    return Err(error(format!(
                        "unknown format `{}` for `{}`: use {}",
                        display_name(&value),
                        command.name(),
                        names.join(" or ")
                    )));
                };
                format = Some(*chosen);
            }
            "--direction" => {
                direction = Some(match value.as_str() {
                    "lr" => Direction::LeftToRight,
                    "tb" => Direction::TopToBottom,
                    _ => {
                        return Err(error(format!(
                            "unknown direction `{}`: use lr or tb",
                            display_name(&value)
                        )))
                    }
                });
            }
            "--theme" => {
                theme = Some(match value.as_str() {
                    "auto" => Theme::Auto,
                    "light" => Theme::Light,
                    "dark" => Theme::Dark,
                    _ => {
                        return Err(error(format!(
                            "unknown theme `{}`: use auto, light or dark",
                            display_name(&value)
                        )))
                    }
                });
            }
            "--target" => {
                if value.is_empty() {
                    return Err(error("`--target` needs a stage name".to_string()));
                }
                target = Some(value);
            }
            "--context" => {
                let names = stagecraft_simulate::context::preset_names();
                if !names.contains(&value.as_str()) {
                    return Err(error(format!(
                        "unknown context preset `{}`: use {}",
                        display_name(&value),
                        names.join(", ")
                    )));
                }
                simulation.context = Some(value);
            }
            "--context-file" | "--dockerignore" | "--import-image" => {
                if value.is_empty() {
                    return Err(error(format!("`{name}` needs a file")));
                }
                let path = PathBuf::from(value);
                match name {
                    "--context-file" => simulation.context_file = Some(path),
                    "--dockerignore" => simulation.dockerignore = Some(path),
                    _ => simulation.import_images.push(path),
                }
            }
            "--image-size" => {
                let (reference, bytes) = image_size(&value).map_err(error)?;
                simulation.image_sizes.insert(reference, bytes);
            }
            _ => {
                let Some((key, arg_value)) = value.split_once('=') else {
                    return Err(error(format!(
                        "`--build-arg {}` needs the form KEY=VALUE",
                        display_name(&value)
                    )));
                };
                if key.is_empty() {
                    return Err(error(format!(
                        "`--build-arg {}` has an empty name",
                        display_name(&value)
                    )));
                }
                build_args.insert(key.to_string(), arg_value.to_string());
            }
        }
    }
    let format = format.unwrap_or(command.formats()[0]);
    if list {
        if let Some(operand) = operands.first() {
            return Err(error(format!(
                "unexpected argument `{}`: `--list` takes no EXERCISE or FILE",
                shown(operand)
            )));
        }
        return Ok(Request::ListExercises(format));
    }
    if format != Format::Svg {
        for (name, given) in [
            ("--direction", direction.is_some()),
            ("--theme", theme.is_some()),
        ] {
            if given {
                return Err(error(format!("`{name}` applies only to `--format svg`")));
            }
        }
    }
    let mut operands = operands.into_iter();
    let exercise = if command == Command::Grade {
        match operands.next() {
            Some(operand) => Some(exercise_source(operand).map_err(error)?),
            None => {
                return Err(error(
                    "missing EXERCISE and FILE (a built-in exercise id or an exercise file, \
                     then the Dockerfile or `-`; `--list` lists the exercises)"
                        .to_string(),
                ))
            }
        }
    } else {
        None
    };
    let Some(input) = operands.next() else {
        return Err(error(
            "missing FILE (use `-` for standard input)".to_string(),
        ));
    };
    let input = if input == "-" {
        Input::Stdin
    } else {
        Input::Path(PathBuf::from(input))
    };
    Ok(Request::Run(Box::new(Invocation {
        command,
        input,
        format,
        target,
        build_args,
        simulation,
        svg: SvgArgs {
            direction: direction.unwrap_or_default(),
            theme: theme.unwrap_or_default(),
        },
        exercise,
    })))
}

/// Tells an exercise file from a built-in id: a path ends in `.toml` or `.md` or has a
/// directory part; anything else is an id (ids are `a-z`, `0-9`, `-` and `_`).
fn exercise_source(operand: OsString) -> Result<ExerciseSource, String> {
    if operand == "-" {
        return Err(
            "EXERCISE cannot be standard input: give an exercise file or a built-in id".to_string(),
        );
    }
    if operand.is_empty() {
        return Err("EXERCISE is empty: give an exercise file or a built-in id".to_string());
    }
    let path = Path::new(&operand);
    let has_extension = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("md"));
    let has_directory = path.components().count() > 1
        || operand
            .as_encoded_bytes()
            .iter()
            .any(|&b| b == b'/' || b == std::path::MAIN_SEPARATOR as u8);
    match operand.to_str() {
        Some(id) if !has_extension && !has_directory => Ok(ExerciseSource::Builtin(id.to_string())),
        _ => Ok(ExerciseSource::Path(PathBuf::from(operand))),
    }
}

/// The largest declared image size: 10 TB, as for one file of a context listing.
const MAX_IMAGE_BYTES: u64 = stagecraft_simulate::context::MAX_FILE_BYTES;

/// Parses `--image-size REF=SIZE`: a plain number is megabytes (1 MB = 1,000,000 bytes,
/// as `docker images` counts), anything else a size with a unit (`1.2GB`, `300MiB`).
fn image_size(value: &str) -> Result<(String, u64), String> {
    let shown = display_name(value);
    let form =
        || format!("`--image-size {shown}` needs the form REF=MB, e.g. `myorg/base:1.4=250`");
    let Some((reference, size)) = value.rsplit_once('=') else {
        return Err(form());
    };
    let reference = reference.trim();
    let size = size.trim();
    if reference.is_empty() || size.is_empty() {
        return Err(form());
    }
    let bytes = if size.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        match size.parse::<f64>() {
            Ok(mb) if mb.is_finite() && mb * 1e6 <= MAX_IMAGE_BYTES as f64 => {
                (mb * 1e6).round() as u64
            }
            Ok(_) => return Err(format!("`--image-size {shown}`: the size is too large")),
            Err(_) => return Err(form()),
        }
    } else {
        stagecraft_simulate::context::parse_size(size)
            .map_err(|message| format!("`--image-size {shown}`: {message}"))?
    };
    if bytes > MAX_IMAGE_BYTES {
        return Err(format!("`--image-size {shown}`: the size is too large"));
    }
    Ok((reference.to_string(), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Request, UsageError> {
        parse_args(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> Invocation {
        match parse(args) {
            Ok(Request::Run(invocation)) => *invocation,
            other => panic!("{other:?}"),
        }
    }

    fn message(args: &[&str]) -> String {
        match parse(args) {
            Err(error) => error.message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn commands_flags_and_defaults() {
        let invocation = run(&[
            "analyze",
            "--target",
            "build",
            "Dockerfile",
            "--build-arg=A=1=2",
            "--build-arg",
            "B=",
            "--format=json",
        ]);
        assert_eq!(invocation.command, Command::Analyze);
        assert_eq!(invocation.input, Input::Path(PathBuf::from("Dockerfile")));
        assert_eq!(invocation.format, Format::Json);
        assert_eq!(invocation.target.as_deref(), Some("build"));
        let args: Vec<(&str, &str)> = invocation
            .build_args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(args, vec![("A", "1=2"), ("B", "")]);
        assert_eq!(run(&["analyze", "-"]).format, Format::Text);
        assert_eq!(run(&["parse", "-"]).input, Input::Stdin);
        assert_eq!(run(&["graph", "x"]).format, Format::Dot);
        assert_eq!(
            run(&["graph", "--", "--odd-name"]).input,
            Input::Path("--odd-name".into())
        );
    }

    #[test]
    fn simulation_options() {
        let invocation = run(&[
            "explain",
            "Dockerfile",
            "--context",
            "go",
            "--context-file=ctx.txt",
            "--dockerignore",
            ".dockerignore",
            "--image-size",
            "myorg/base:1.4=250",
            "--image-size=registry:5000/x:1=1.5GB",
            "--image-size",
            "y=0.5",
            "--import-image",
            "a.json",
            "--import-image",
            "b.json",
        ]);
        assert_eq!(invocation.command, Command::Explain);
        assert_eq!(invocation.format, Format::Text);
        let sim = &invocation.simulation;
        assert_eq!(sim.context.as_deref(), Some("go"));
        assert_eq!(sim.context_file, Some(PathBuf::from("ctx.txt")));
        assert_eq!(sim.dockerignore, Some(PathBuf::from(".dockerignore")));
        let sizes: Vec<(&str, u64)> = sim
            .image_sizes
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            sizes,
            vec![
                ("myorg/base:1.4", 250_000_000),
                ("registry:5000/x:1", 1_500_000_000),
                ("y", 500_000)
            ]
        );
        assert_eq!(
            sim.import_images,
            vec![PathBuf::from("a.json"), PathBuf::from("b.json")]
        );
        assert_eq!(run(&["trace", "-"]).format, Format::Text);
        assert_eq!(
            run(&["trace", "-", "--format", "json"]).format,
            Format::Json
        );
        assert_eq!(run(&["analyze", "-"]).simulation, SimulationArgs::default());
    }

    #[test]
    fn wrong_simulation_options() {
        assert_eq!(
            message(&["analyze", "x", "--context", "nope"]),
            "unknown context preset `nope`: use node, react, go, python, python-poetry, java, rust, static"
        );
        assert_eq!(
            message(&["graph", "x", "--context", "go"]),
            "unknown option `--context`"
        );
        assert_eq!(
            message(&["parse", "x", "--import-image", "a.json"]),
            "unknown option `--import-image`"
        );
        assert_eq!(
            message(&["trace", "x", "--context-file="]),
            "`--context-file` needs a file"
        );
        assert_eq!(
            message(&["explain", "x", "--format", "json"]),
            "unknown format `json` for `explain`: use text"
        );
        for bad in ["x", "=5", "x=", "x=.", "x=1..2"] {
            assert!(
                message(&["analyze", "-", "--image-size", bad]).contains("needs the form REF=MB"),
                "{bad}"
            );
        }
        assert_eq!(
            message(&["analyze", "-", "--image-size", "x=20000000"]),
            "`--image-size x=20000000`: the size is too large"
        );
        assert!(message(&["analyze", "-", "--image-size", "x=3 apples"]).contains("is not a size"));
    }

    #[test]
    fn graph_svg_options() {
        let invocation = run(&["graph", "x", "--format=svg"]);
        assert_eq!(invocation.format, Format::Svg);
        assert_eq!(invocation.svg, SvgArgs::default());
        assert_eq!(invocation.svg.direction, Direction::LeftToRight);
        assert_eq!(invocation.svg.theme, Theme::Auto);
        let invocation = run(&[
            "graph",
            "--direction",
            "tb",
            "--theme=dark",
            "x",
            "--format",
            "svg",
        ]);
        assert_eq!(
            invocation.svg,
            SvgArgs {
                direction: Direction::TopToBottom,
                theme: Theme::Dark
            }
        );
        assert_eq!(
            run(&["graph", "x", "--format=svg", "--theme", "light"])
                .svg
                .theme,
            Theme::Light
        );
        assert_eq!(
            message(&["graph", "x", "--format=svg", "--direction", "up"]),
            "unknown direction `up`: use lr or tb"
        );
        assert_eq!(
            message(&["graph", "x", "--format=svg", "--theme", "solarized"]),
            "unknown theme `solarized`: use auto, light or dark"
        );
        assert_eq!(
            message(&["graph", "x", "--direction", "tb"]),
            "`--direction` applies only to `--format svg`"
        );
        assert_eq!(
            message(&["graph", "x", "--format=dot", "--theme", "dark"]),
            "`--theme` applies only to `--format svg`"
        );
        assert_eq!(
            message(&["analyze", "x", "--theme", "dark"]),
            "unknown option `--theme`"
        );
    }

    #[test]
    fn grade_arguments() {
        let invocation = run(&["grade", "node-distroless", "Dockerfile"]);
        assert_eq!(invocation.command, Command::Grade);
        assert_eq!(
            invocation.exercise,
            Some(ExerciseSource::Builtin("node-distroless".to_string()))
        );
        assert_eq!(invocation.input, Input::Path("Dockerfile".into()));
        assert_eq!(invocation.format, Format::Text);
        let invocation = run(&["grade", "--format", "json", "ex.TOML", "-"]);
        assert_eq!(invocation.format, Format::Json);
        assert_eq!(
            invocation.exercise,
            Some(ExerciseSource::Path("ex.TOML".into()))
        );
        assert_eq!(invocation.input, Input::Stdin);
        for path in ["ex.md", "dir/ex", "./ex", "/abs/ex"] {
            assert_eq!(
                run(&["grade", path, "-"]).exercise,
                Some(ExerciseSource::Path(path.into())),
                "{path}"
            );
        }
        assert_eq!(
            parse(&["grade", "--list"]),
            Ok(Request::ListExercises(Format::Text))
        );
        assert_eq!(
            parse(&["grade", "--format=json", "--list"]),
            Ok(Request::ListExercises(Format::Json))
        );
        assert_eq!(
            message(&["grade", "--list", "x"]),
            "unexpected argument `x`: `--list` takes no EXERCISE or FILE"
        );
        assert_eq!(
            message(&["grade", "x"]),
            "missing FILE (use `-` for standard input)"
        );
        assert!(message(&["grade"]).starts_with("missing EXERCISE and FILE"));
        assert_eq!(
            message(&["grade", "a", "b", "c"]),
            "unexpected argument `c`: give EXERCISE and FILE"
        );
        assert!(message(&["grade", "-", "x"]).starts_with("EXERCISE cannot be standard input"));
        assert_eq!(
            message(&["grade", "a", "b", "--target", "t"]),
            "unknown option `--target`"
        );
        assert_eq!(
            message(&["analyze", "x", "--list"]),
            "unknown option `--list`"
        );
        assert_eq!(
            message(&["grade", "a", "b", "--format", "svg"]),
            "unknown format `svg` for `grade`: use text or json"
        );
        let usage = match parse(&["grade", "a"]) {
            Err(error) => error.usage(),
            other => panic!("{other:?}"),
        };
        assert!(usage.starts_with("Usage: stagecraft grade [OPTIONS] <EXERCISE> <FILE|->\n"));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(&["--help"]), Ok(Request::Help(USAGE)));
        assert_eq!(parse(&["help"]), Ok(Request::Help(USAGE)));
        assert_eq!(parse(&["help", "graph"]), Ok(Request::Help(GRAPH_HELP)));
        assert_eq!(parse(&["help", "explain"]), Ok(Request::Help(EXPLAIN_HELP)));
        assert_eq!(parse(&["trace", "--help"]), Ok(Request::Help(TRACE_HELP)));
        assert_eq!(parse(&["parse", "--help"]), Ok(Request::Help(PARSE_HELP)));
        assert_eq!(parse(&["grade", "--help"]), Ok(Request::Help(GRADE_HELP)));
        assert_eq!(parse(&["help", "grade"]), Ok(Request::Help(GRADE_HELP)));
        assert_eq!(
            parse(&["analyze", "x", "-h"]),
            Ok(Request::Help(ANALYZE_HELP))
        );
        assert_eq!(parse(&["-V"]), Ok(Request::Version));
    }

    #[test]
    fn wrong_arguments() {
        assert_eq!(message(&[]), "missing command");
        assert_eq!(message(&["lint", "x"]), "unknown command `lint`");
        assert_eq!(
            message(&["analyze", "--nope", "x"]),
            "unknown option `--nope`"
        );
        assert_eq!(message(&["analyze", "-x", "x"]), "unknown option `-x`");
        assert_eq!(
            message(&["parse", "--target", "a", "x"]),
            "unknown option `--target`"
        );
        assert_eq!(
            message(&["analyze", "x", "--target"]),
            "`--target` needs a value"
        );
        assert_eq!(
            message(&["analyze", "x", "--build-arg", "A"]),
            "`--build-arg A` needs the form KEY=VALUE"
        );
        assert_eq!(
            message(&["analyze", "x", "--build-arg", "=1"]),
            "`--build-arg =1` has an empty name"
        );
        assert_eq!(
            message(&["graph", "x", "--format", "png"]),
            "unknown format `png` for `graph`: use dot or mermaid or json or svg"
        );
        assert_eq!(
            message(&["analyze"]),
            "missing FILE (use `-` for standard input)"
        );
        assert_eq!(
            message(&["analyze", "a", "b"]),
            "unexpected argument `b`: give one FILE"
        );
        assert_eq!(message(&["analyze", "--a\nb"]), "unknown option `--a\\nb`");
    }
}
