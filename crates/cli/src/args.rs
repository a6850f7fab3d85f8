//! Command-line arguments, parsed by hand: a subcommand, one input and a few flags.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use crate::input::display_name;

/// The top-level help, printed by `stagecraft --help`.
pub const USAGE: &str = "\
stagecraft: what BuildKit makes of a Dockerfile

Usage: stagecraft <COMMAND> [OPTIONS] <FILE|->

Commands:
  parse     print the instructions as BuildKit's parser sees them, and syntax errors
  analyze   check a Dockerfile: stages, dependencies, build levels and diagnostics
  graph     draw the stage graph as DOT, Mermaid or JSON
  help      print this help, or a command's (`stagecraft help analyze`)

Options:
  -h, --help     print help
  -V, --version  print the version

FILE is a path, or `-` to read standard input. Run `stagecraft <COMMAND> --help` for a
command's options.";

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

const ANALYZE_HELP: &str = "\
stagecraft analyze: check a Dockerfile

Usage: stagecraft analyze [OPTIONS] <FILE|->

Options:
      --format <FORMAT>      output format: text (default; diagnostics as a compiler
                             shows them) or json (stages, edges, target, build levels
                             and diagnostics)
      --target <NAME>        the stage to build, as `docker build --target`
                             (default: the last stage)
      --build-arg <KEY=VALUE>
                             a build argument, as `docker build --build-arg`
                             (repeatable)
  -h, --help                 print this help

Exit status: 0 without error diagnostics, 1 with some, 2 when the input cannot be read
or the arguments are wrong.";

const GRAPH_HELP: &str = "\
stagecraft graph: draw the stage graph

Usage: stagecraft graph [OPTIONS] <FILE|->

Stages are boxes (the target with a double border, stages the target does not need
greyed out and marked skipped), external images are ovals; `from` edges are solid,
`copy` edges dashed and `mount` edges dotted.

Options:
      --format <FORMAT>      output format: dot (default; Graphviz), mermaid or json
      --target <NAME>        the stage to build (default: the last stage)
      --build-arg <KEY=VALUE>
                             a build argument (repeatable)
  -h, --help                 print this help

Exit status: 0 on success, 2 when the input cannot be read, the target does not exist
or the arguments are wrong.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Parse,
    Analyze,
    Graph,
}

impl Command {
    fn from_name(name: &str) -> Option<Command> {
        match name {
            "parse" => Some(Command::Parse),
            "analyze" | "analyse" => Some(Command::Analyze),
            "graph" => Some(Command::Graph),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Parse => "parse",
            Command::Analyze => "analyze",
            Command::Graph => "graph",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Command::Parse => PARSE_HELP,
            Command::Analyze => ANALYZE_HELP,
            Command::Graph => GRAPH_HELP,
        }
    }

    fn formats(self) -> &'static [Format] {
        match self {
            Command::Parse => &[Format::Json],
            Command::Analyze => &[Format::Text, Format::Json],
            Command::Graph => &[Format::Dot, Format::Mermaid, Format::Json],
        }
    }

    fn takes_build_options(self) -> bool {
        !matches!(self, Command::Parse)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Text,
    Dot,
    Mermaid,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Text => "text",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
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
}

/// What the arguments ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Print this help text on standard output.
    Help(&'static str),
    Version,
    Run(Invocation),
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
                "Usage: stagecraft {} [OPTIONS] <FILE|->\nRun `stagecraft {} --help` for more information.",
                command.name(),
                command.name()
            ),
            None => "Usage: stagecraft <COMMAND> [OPTIONS] <FILE|->\nCommands: parse, analyze, graph. Run `stagecraft --help` for more information.".to_string(),
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
    let mut input: Option<Input> = None;
    let mut format: Option<Format> = None;
    let mut target: Option<String> = None;
    let mut build_args = BTreeMap::new();
    let mut only_positionals = false;
    while let Some(arg) = args.next() {
        let text = arg.to_str();
        let is_option = !only_positionals
            && text.map_or_else(
                || arg.as_encoded_bytes().starts_with(b"-") && arg.len() > 1,
                |t| t.starts_with('-') && t != "-",
            );
        if !is_option {
            if input.is_some() {
                return Err(error(format!(
                    "unexpected argument `{}`: give one FILE",
                    shown(&arg)
                )));
            }
            input = Some(if arg == "-" {
                Input::Stdin
            } else {
                Input::Path(PathBuf::from(arg))
            });
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
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (text, None),
        };
        match name {
            "--format" => {}
            "--target" | "--build-arg" if command.takes_build_options() => {}
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
            "--target" => {
                if value.is_empty() {
                    return Err(error("`--target` needs a stage name".to_string()));
                }
                target = Some(value);
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
    let Some(input) = input else {
        return Err(error(
            "missing FILE (use `-` for standard input)".to_string(),
        ));
    };
    Ok(Request::Run(Invocation {
        command,
        input,
        format: format.unwrap_or(command.formats()[0]),
        target,
        build_args,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Request, UsageError> {
        parse_args(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> Invocation {
        match parse(args) {
            Ok(Request::Run(invocation)) => invocation,
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
    fn help_and_version() {
        assert_eq!(parse(&["--help"]), Ok(Request::Help(USAGE)));
        assert_eq!(parse(&["help"]), Ok(Request::Help(USAGE)));
        assert_eq!(parse(&["help", "graph"]), Ok(Request::Help(GRAPH_HELP)));
        assert_eq!(parse(&["parse", "--help"]), Ok(Request::Help(PARSE_HELP)));
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
            message(&["graph", "x", "--format", "svg"]),
            "unknown format `svg` for `graph`: use dot or mermaid or json"
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
