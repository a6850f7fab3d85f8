//! The parsed Dockerfile: instructions with their flags, arguments and heredocs, each
//! carrying the byte range it came from.
//!
//! Arguments are stored in BuildKit's own shape (the parser node's `Next` chain, see
//! [`Instruction::args`]), so conformance with BuildKit is checked on the data itself;
//! typed views over them live in [`crate::typed`].

use serde::Serialize;

use crate::TextRange;

/// Every instruction BuildKit knows, plus the ones it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// A keyword BuildKit's parser accepts but its builder rejects.
    Unknown,
}

impl Keyword {
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// Case-insensitive lookup, as BuildKit's dispatch table does.
    pub fn from_word(word: &str) -> Keyword {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
            .unwrap_or(Keyword::Unknown)
    }

    /// The canonical (upper-case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }

    /// Instructions whose arguments may hold heredocs (`<<EOF`).
    pub fn can_contain_heredoc(self) -> bool {
        matches!(self, Keyword::Add | Keyword::Copy | Keyword::Run)
    }
}

/// A piece of text from the source with the byte range it was read from. After quote
/// and escape processing `text` may differ from the source slice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub text: String,
    pub range: TextRange,
}

/// A `--name=value` or bare `--name` flag before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The flag as BuildKit reports it (quotes and escapes processed): `--from=build`.
    pub text: String,
    /// The name without dashes: `from`.
    pub name: String,
    /// The value after `=`, or `None` for a bare flag such as `--link`.
    pub value: Option<String>,
    pub range: TextRange,
}

/// A here-document body attached to a RUN, COPY or ADD instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter with quotes removed: `EOF` for `<<"EOF"`.
    pub name: String,
    /// The number before `<<` (`3<<EOF`), 0 when absent.
    pub file_descriptor: u32,
    /// `<<-`: leading tabs are stripped from body lines when building.
    pub chomp: bool,
    /// False when the delimiter was quoted: the body is then not expanded.
    pub expand: bool,
    /// The body, each line with its newline, without the terminator line.
    pub content: String,
    /// Where the `<<EOF` word stands.
    pub marker_range: TextRange,
    /// Where the body stands (empty at the terminator when there is no body).
    pub content_range: TextRange,
}

/// One instruction: a logical line (continuations joined) plus any heredoc bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    pub keyword: Keyword,
    /// The keyword as written (`from`, `FROM`), with its range.
    pub keyword_word: Word,
    pub flags: Vec<Flag>,
    /// BuildKit's argument list for this instruction (its `Next` chain):
    /// FROM `[image, "AS", name]`, ENV/LABEL `[k1, v1, k2, v2…]`, shell forms one
    /// string, JSON forms the decoded strings, COPY/ADD/VOLUME/EXPOSE/ARG one word each,
    /// USER/WORKDIR/STOPSIGNAL/MAINTAINER the rest of the line, HEALTHCHECK
    /// `[type, …]`, unknown instructions `[""]`.
    pub args: Vec<Word>,
    /// True when the arguments were a JSON array (exec form).
    pub json: bool,
    pub heredocs: Vec<Heredoc>,
    /// For ONBUILD, the wrapped instruction (its args are also this node's `args`).
    pub onbuild: Option<Box<Instruction>>,
    /// The text after the keyword and flags, with continuations joined.
    pub rest: Word,
    /// The logical line as BuildKit sees it (BuildKit's `Node.Original`).
    pub original: String,
    /// The whole instruction, heredoc bodies included.
    pub range: TextRange,
    /// 1-based physical lines, continuation lines and heredoc bodies included.
    pub start_line: u32,
    pub end_line: u32,
    /// The comment lines right above the instruction (`#` and the space removed).
    pub comments: Vec<String>,
}

impl Instruction {
    /// The keyword the instruction really runs: for `ONBUILD RUN x`, RUN.
    pub fn effective(&self) -> &Instruction {
        self.onbuild.as_deref().unwrap_or(self)
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    pub fn arg_texts(&self) -> Vec<&str> {
        self.args.iter().map(|w| w.text.as_str()).collect()
    }
}

/// A parser directive from the top of the file (`# syntax=…`, `# escape=…`, `# check=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name.
    pub name: String,
    pub value: String,
    pub range: TextRange,
    pub value_range: TextRange,
}

/// A line that continued an instruction but was empty (BuildKit's NoEmptyContinuation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmptyContinuation {
    /// The instruction's range.
    pub instruction: TextRange,
    /// 1-based line of the empty line.
    pub line: u32,
    pub range: TextRange,
}

/// A whole parsed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Dockerfile {
    pub directives: Vec<Directive>,
    /// The escape character: `\` unless `# escape=`` ` set a backtick.
    pub escape: char,
    pub instructions: Vec<Instruction>,
    pub empty_continuations: Vec<EmptyContinuation>,
}

impl Dockerfile {
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}
