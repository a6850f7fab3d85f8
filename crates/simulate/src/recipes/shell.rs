//! A small POSIX-shell reader for RUN lines: words with their quoting and `$` uses kept
//! apart (so expansion can happen later, against the stage's environment), simple commands
//! split on `&&`, `||`, `;`, `|`, `&` and newlines, redirections, heredocs, subshell depth,
//! and the wrappers a Dockerfile puts in front of the real program (`sudo`, `env`, `exec`,
//! `sh -c '...'`). It is not a shell: it reads what BuildKit hands `/bin/sh -c` well enough to
//! know which programs run with which arguments. Work is linear in the input except for
//! `sh -c` strings, which are read again at most `MAX_DEPTH` levels deep.

/// How deep `sh -c '...'` strings are read again.
const MAX_DEPTH: usize = 4;
/// Commands read from one script; a RUN line beyond this is not teaching material.
pub(crate) const MAX_COMMANDS: usize = 20_000;

/// One piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text; `quoted` text never globs and never starts a tilde expansion.
    Lit { text: String, quoted: bool },
    /// `$NAME` or `${NAME...}`; `default` is the word after `:-`/`-`/`:=`/`=`, `alt` after
    /// `:+`/`+`. `raw` is the text as written, for display.
    Var {
        name: String,
        default: Option<String>,
        alt: Option<String>,
        colon: bool,
        /// Inside double quotes: the value is not split into words.
        quoted: bool,
        raw: String,
    },
    /// Something only the running shell knows: `$(...)`, backticks, `$1`, `${#x}`.
    Dynamic(String),
}

/// A shell word: the pieces that are joined after expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Word {
    pub parts: Vec<Part>,
}

impl Word {
    /// The word as written minus its quotes (`$` uses shown as written).
    pub fn display(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit { text, .. } => out.push_str(text),
                Part::Var { raw, .. } => out.push_str(raw),
                Part::Dynamic(raw) => out.push_str(raw),
            }
        }
        out
    }

    /// The text when the word is one unquoted literal (keywords, operators).
    pub fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit {
                text,
                quoted: false,
            }] => Some(text),
            _ => None,
        }
    }

    /// The literal text when the word has no `$` use at all (quoted or not).
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit { text, .. } => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }

    /// `NAME=value` at the start of a command: the name and the value word.
    fn assignment(&self) -> Option<(String, Word)> {
        let Some(Part::Lit {
            text,
            quoted: false,
        }) = self.parts.first()
        else {
            return None;
        };
        let eq = text.find('=')?;
        let name = &text[..eq];
        if !is_name(name) {
            return None;
        }
        let mut value = Word::default();
        let rest = &text[eq + 1..];
        if !rest.is_empty() {
            value.parts.push(Part::Lit {
                text: rest.to_string(),
                quoted: false,
            });
        }
        value.parts.extend(self.parts.iter().skip(1).cloned());
        Some((name.to_string(), value))
    }
}

/// A shell variable name.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// How a command is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `;`, `&`, newline, or the start.
    Seq,
    And,
    Or,
    /// `|`: the command reads what the previous one wrote.
    Pipe,
}

/// What a redirection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RedirOp {
    /// `>`, `>|`, `&>`, `n>`.
    Out,
    /// `>>`, `&>>`, `n>>`.
    Append,
    /// `<`.
    In,
    /// `<<`, `<<-`, `<<<`: the body (or string) is the input.
    Here,
    /// `>&`, `<&`, `n>&m`: descriptor duplication, no file.
    Dup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub fd: Option<u32>,
    pub op: RedirOp,
    pub target: Word,
    /// For heredocs and here-strings: how many bytes the command reads.
    pub here_len: usize,
}

/// What a read command is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CmdKind {
    /// A simple command (possibly only assignments or redirections).
    Simple,
    /// Variables whose value only the running shell knows (`for x in`, `read x`, a `case`
    /// that assigns): later uses of them make a path unknowable.
    Unknowable(Vec<String>),
}

/// One simple command as read, with wrappers and keywords removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Simple {
    /// Byte range in the top-level script.
    pub start: usize,
    pub end: usize,
    pub op: Op,
    /// Subshell depth: `cd` and assignments inside `( ... )` do not outlive it.
    pub depth: usize,
    /// Run through `sudo`: root whatever the USER.
    pub elevated: bool,
    pub assigns: Vec<(String, Word)>,
    /// Program and arguments.
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    pub kind: CmdKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word {
        word: Word,
        start: usize,
        end: usize,
    },
    Op(Op),
    /// `;;` in a `case`.
    CaseSep,
    Open,
    Close,
    Redir {
        fd: Option<u32>,
        op: RedirOp,
        start: usize,
        here_len_slot: usize,
    },
}

struct Lexer<'s> {
    s: &'s str,
    b: &'s [u8],
    i: usize,
    toks: Vec<Tok>,
    /// Heredocs waiting for the next newline: (delimiter, strip tabs, index into `here_lens`).
    pending: Vec<(String, bool, usize)>,
    here_lens: Vec<usize>,
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

impl<'s> Lexer<'s> {
    fn new(s: &'s str) -> Self {
        Lexer {
            s,
            b: s.as_bytes(),
            i: 0,
            toks: Vec::new(),
            pending: Vec::new(),
            here_lens: Vec::new(),
        }
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    /// Length in bytes of the character at `at` (1 for ASCII or out of range).
    fn char_len(&self, at: usize) -> usize {
        self.s
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(1, char::len_utf8)
    }

    fn run(mut self) -> (Vec<Tok>, Vec<usize>) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.toks.push(Tok::Op(Op::Seq));
                    self.read_heredoc_bodies();
                }
                b'\\' if self.peek(1) == Some(b'\n') => self.i += 2,
                b'#' => {
                    while self.i < self.b.len() && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b'&' => match self.peek(1) {
                    Some(b'&') => self.op(2, Op::And),
                    Some(b'>') => {
                        let append = self.peek(2) == Some(b'>');
                        let start = self.i;
                        self.i += if append { 3 } else { 2 };
                        self.redirect(
                            None,
                            if append {
                                RedirOp::Append
                            } else {
                                RedirOp::Out
                            },
                            start,
                        );
                    }
                    _ => self.op(1, Op::Seq),
                },
                b'|' => match self.peek(1) {
                    Some(b'|') => self.op(2, Op::Or),
                    Some(b'&') => self.op(2, Op::Pipe),
                    _ => self.op(1, Op::Pipe),
                },
                b';' => {
                    if self.peek(1) == Some(b';') {
                        self.i += 2;
                        self.toks.push(Tok::CaseSep);
                    } else {
                        self.op(1, Op::Seq);
                    }
                }
                b'(' => {
                    self.i += 1;
                    self.toks.push(Tok::Open);
                }
                b')' => {
                    self.i += 1;
                    self.toks.push(Tok::Close);
                }
                b'<' | b'>' => self.redirect_op(None, self.i),
                _ => {
                    let start = self.i;
                    let (word, all_digits) = self.word();
                    let end = self.i;
                    if all_digits && matches!(self.peek(0), Some(b'<' | b'>')) {
                        let fd = self.s[start..end].parse::<u32>().ok();
                        self.redirect_op(fd, start);
                    } else if end > start {
                        self.toks.push(Tok::Word { word, start, end });
                    } else {
                        // Never loop without progress on a byte no branch consumes.
                        self.i += 1;
                    }
                }
            }
        }
        (self.toks, self.here_lens)
    }

    fn op(&mut self, len: usize, op: Op) {
        self.i += len;
        self.toks.push(Tok::Op(op));
    }

    /// Reads a redirection operator at `self.i` (`<`, `>`, `>>`, `<<`, `<<-`, `<<<`, `>&`,
    /// `<&`, `>|`, `<>`) and its target word.
    fn redirect_op(&mut self, fd: Option<u32>, start: usize) {
        let c = self.b.get(self.i).copied().unwrap_or(b'>');
        let next = self.peek(1);
        let (op, len) = match (c, next) {
            (b'>', Some(b'>')) => (RedirOp::Append, 2),
            (b'>', Some(b'&')) | (b'<', Some(b'&')) => (RedirOp::Dup, 2),
            (b'>', Some(b'|')) => (RedirOp::Out, 2),
            (b'>', _) => (RedirOp::Out, 1),
            (b'<', Some(b'<')) => {
                if self.peek(2) == Some(b'<') {
                    (RedirOp::Here, 3)
                } else {
                    self.i += if self.peek(2) == Some(b'-') { 3 } else { 2 };
                    let strip = self.b.get(self.i - 1) == Some(&b'-');
                    self.heredoc(fd, start, strip);
                    return;
                }
            }
            (b'<', Some(b'>')) => (RedirOp::Out, 2),
            _ => (RedirOp::In, 1),
        };
        self.i += len;
        if op == RedirOp::Here {
            // A here-string: the word plus a newline is the input.
            let slot = self.here_lens.len();
            self.here_lens.push(0);
            self.toks.push(Tok::Redir {
                fd,
                op,
                start,
                here_len_slot: slot,
            });
            self.skip_blanks();
            let wstart = self.i;
            let (word, _) = self.word();
            if let Some(len) = self.here_lens.get_mut(slot) {
                *len = word.display().len() + 1;
            }
            self.toks.push(Tok::Word {
                word,
                start: wstart,
                end: self.i,
            });
            return;
        }
        self.redirect(fd, op, start);
    }

    fn redirect(&mut self, fd: Option<u32>, op: RedirOp, start: usize) {
        let slot = self.here_lens.len();
        self.here_lens.push(0);
        self.toks.push(Tok::Redir {
            fd,
            op,
            start,
            here_len_slot: slot,
        });
        self.skip_blanks();
        let wstart = self.i;
        let (word, _) = self.word();
        if self.i > wstart {
            self.toks.push(Tok::Word {
                word,
                start: wstart,
                end: self.i,
            });
        }
    }

    fn heredoc(&mut self, fd: Option<u32>, start: usize, strip: bool) {
        let slot = self.here_lens.len();
        self.here_lens.push(0);
        self.toks.push(Tok::Redir {
            fd,
            op: RedirOp::Here,
            start,
            here_len_slot: slot,
        });
        self.skip_blanks();
        let wstart = self.i;
        let (word, _) = self.word();
        let delimiter = word.display();
        if self.i > wstart {
            self.toks.push(Tok::Word {
                word,
                start: wstart,
                end: self.i,
            });
        }
        self.pending.push((delimiter, strip, slot));
    }

    /// After a newline: skips the bodies of the heredocs opened on the line just read.
    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (delimiter, strip, slot) in pending {
            let body_start = self.i;
            let mut body_end = self.b.len();
            while self.i < self.b.len() {
                let line_start = self.i;
                let line_end = self.s[line_start..]
                    .find('\n')
                    .map_or(self.b.len(), |k| line_start + k);
                let line = &self.s[line_start..line_end];
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                self.i = (line_end + 1).min(self.b.len());
                if line.trim_end_matches('\r') == delimiter {
                    body_end = line_start;
                    break;
                }
            }
            if let Some(len) = self.here_lens.get_mut(slot) {
                *len = body_end.saturating_sub(body_start);
            }
        }
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// Reads one word; also says whether it was nothing but unquoted digits (an fd number).
    fn word(&mut self) -> (Word, bool) {
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = String::new();
        let mut all_digits = true;
        let flush = |lit: &mut String, parts: &mut Vec<Part>, quoted: bool| {
            if !lit.is_empty() {
                parts.push(Part::Lit {
                    text: std::mem::take(lit),
                    quoted,
                });
            }
        };
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if is_meta(c) {
                break;
            }
            if !c.is_ascii_digit() {
                all_digits = false;
            }
            match c {
                b'\'' => {
                    flush(&mut lit, &mut parts, false);
                    let start = self.i + 1;
                    let end = self.s[start..]
                        .find('\'')
                        .map_or(self.b.len(), |k| start + k);
                    parts.push(Part::Lit {
                        text: self.s[start..end].to_string(),
                        quoted: true,
                    });
                    self.i = (end + 1).min(self.b.len());
                }
                b'"' => {
                    flush(&mut lit, &mut parts, false);
                    self.i += 1;
                    self.double_quoted(&mut parts);
                }
                b'\\' => {
                    flush(&mut lit, &mut parts, false);
                    if self.peek(1) == Some(b'\n') {
                        self.i += 2;
                        continue;
                    }
                    let at = self.i + 1;
                    if at >= self.b.len() {
                        self.i = at;
                        break;
                    }
                    let len = self.char_len(at);
                    parts.push(Part::Lit {
                        text: self.s[at..at + len].to_string(),
                        quoted: true,
                    });
                    self.i = at + len;
                }
                b'$' => {
                    flush(&mut lit, &mut parts, false);
                    self.dollar(&mut parts, false);
                }
                b'`' => {
                    flush(&mut lit, &mut parts, false);
                    self.backtick(&mut parts);
                }
                _ => {
                    let len = self.char_len(self.i);
                    lit.push_str(&self.s[self.i..self.i + len]);
                    self.i += len;
                }
            }
        }
        flush(&mut lit, &mut parts, false);
        let digits = all_digits && !parts.is_empty();
        (Word { parts }, digits)
    }

    fn double_quoted(&mut self, parts: &mut Vec<Part>) {
        let mut lit = String::new();
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => match self.peek(1) {
                    Some(b'\n') => self.i += 2,
                    Some(n @ (b'"' | b'\\' | b'$' | b'`')) => {
                        lit.push(n as char);
                        self.i += 2;
                    }
                    _ => {
                        lit.push('\\');
                        self.i += 1;
                    }
                },
                b'$' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit {
                            text: std::mem::take(&mut lit),
                            quoted: true,
                        });
                    }
                    self.dollar(parts, true);
                }
                b'`' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit {
                            text: std::mem::take(&mut lit),
                            quoted: true,
                        });
                    }
                    self.backtick(parts);
                }
                _ => {
                    let len = self.char_len(self.i);
                    lit.push_str(&self.s[self.i..self.i + len]);
                    self.i += len;
                }
            }
        }
        // An empty "" is still a word (an empty argument).
        parts.push(Part::Lit {
            text: lit,
            quoted: true,
        });
    }

    fn backtick(&mut self, parts: &mut Vec<Part>) {
        let start = self.i;
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 2,
                b'`' => {
                    self.i += 1;
                    break;
                }
                _ => self.i += 1,
            }
        }
        self.i = self.i.min(self.b.len());
        parts.push(Part::Dynamic(self.s[start..self.i].to_string()));
    }

    /// Skips to the byte after the `close` that balances the `open` just passed, stepping
    /// over quoted strings; one pass, so nested `$(...)` costs nothing extra.
    fn skip_balanced(&mut self, open: u8, close: u8) {
        let mut depth = 1usize;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b'\\' => self.i += 2,
                b'\'' => {
                    let from = self.i + 1;
                    self.i = self
                        .s
                        .get(from..)
                        .and_then(|r| r.find('\''))
                        .map_or(self.b.len(), |k| from + k + 1);
                }
                b'"' => {
                    self.i += 1;
                    while self.i < self.b.len() && self.b[self.i] != b'"' {
                        self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
                    }
                    self.i += 1;
                }
                _ if c == open => {
                    depth += 1;
                    self.i += 1;
                }
                _ if c == close => {
                    depth -= 1;
                    self.i += 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => self.i += 1,
            }
        }
        self.i = self.i.min(self.b.len());
    }

    fn dollar(&mut self, parts: &mut Vec<Part>, quoted: bool) {
        let start = self.i;
        match self.peek(1) {
            Some(b'(') => {
                self.i += 2;
                self.skip_balanced(b'(', b')');
                parts.push(Part::Dynamic(self.s[start..self.i].to_string()));
            }
            Some(b'{') => {
                self.i += 2;
                self.skip_balanced(b'{', b'}');
                let raw = self.s[start..self.i].to_string();
                let inner = raw
                    .strip_prefix("${")
                    .map(|r| r.strip_suffix('}').unwrap_or(r))
                    .unwrap_or_default();
                parts.push(braced(inner, raw.clone(), quoted));
            }
            Some(c) if c == b'_' || c.is_ascii_alphabetic() => {
                self.i += 1;
                while self.i < self.b.len()
                    && (self.b[self.i] == b'_' || self.b[self.i].is_ascii_alphanumeric())
                {
                    self.i += 1;
                }
                let name = self.s[start + 1..self.i].to_string();
                parts.push(Part::Var {
                    raw: format!("${name}"),
                    name,
                    default: None,
                    alt: None,
                    colon: false,
                    quoted,
                });
            }
            Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => {
                self.i += 2;
                parts.push(Part::Dynamic(self.s[start..self.i].to_string()));
            }
            _ => {
                self.i += 1;
                parts.push(Part::Lit {
                    text: "$".to_string(),
                    quoted,
                });
            }
        }
    }
}

/// `${...}` contents: a name with `:-`, `-`, `:=`, `=`, `:+`, `+`; anything else (`#`, `%`,
/// `/`, `${#x}`) only the shell can evaluate.
fn braced(inner: &str, raw: String, quoted: bool) -> Part {
    let name_len = inner
        .bytes()
        .take_while(|c| *c == b'_' || c.is_ascii_alphanumeric())
        .count();
    let name = &inner[..name_len];
    if !is_name(name) {
        return Part::Dynamic(raw);
    }
    let rest = &inner[name_len..];
    let (colon, rest) = match rest.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let unquote = |s: &str| s.trim_matches(|c| c == '"' || c == '\'').to_string();
    let mut part = Part::Var {
        name: name.to_string(),
        default: None,
        alt: None,
        colon,
        quoted,
        raw: raw.clone(),
    };
    if let Part::Var { default, alt, .. } = &mut part {
        if rest.is_empty() && !colon {
        } else if let Some(d) = rest.strip_prefix('-').or_else(|| rest.strip_prefix('=')) {
            *default = Some(unquote(d));
        } else if let Some(a) = rest.strip_prefix('+') {
            *alt = Some(unquote(a));
        } else {
            return Part::Dynamic(raw);
        }
    }
    part
}

/// Words that begin or end a compound command and are dropped in front of a command.
const OPENERS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{",
];
const CLOSERS: &[&str] = &["fi", "done", "esac", "}"];

/// Reads a script into simple commands. `offset` places the script inside the top-level
/// text (`None` when it came out of a string whose bytes do not map back one to one, in
/// which case `outer` is the range every command gets).
pub(crate) fn parse(script: &str) -> Vec<Simple> {
    let mut out = Vec::new();
    parse_into(script, Some(0), (0, script.len()), 0, 0, &mut out);
    out
}

fn parse_into(
    script: &str,
    offset: Option<usize>,
    outer: (usize, usize),
    depth_base: usize,
    level: usize,
    out: &mut Vec<Simple>,
) {
    let (toks, here_lens) = Lexer::new(script).run();
    let place = |start: usize, end: usize| match offset {
        Some(o) => (o + start, o + end),
        None => outer,
    };
    let mut depth = depth_base;
    let mut next_op = Op::Seq;
    let mut cur = Building::default();
    let mut case_depth = 0usize;
    let mut case_vars: Vec<String> = Vec::new();
    let mut pending_redirect: Option<(Option<u32>, RedirOp, usize)> = None;
    for tok in toks {
        if out.len() >= MAX_COMMANDS {
            return;
        }
        match tok {
            Tok::Word { word, start, end } => {
                if let Some((fd, op, here_len)) = pending_redirect.take() {
                    cur.redirects.push(Redirect {
                        fd,
                        op,
                        target: word,
                        here_len,
                    });
                    cur.extend(start, end);
                    continue;
                }
                // `case ... esac` is skipped; assignments inside it become unknowable.
                if case_depth > 0 {
                    match word.plain() {
                        Some("case") if cur.words.is_empty() => case_depth += 1,
                        Some("esac") if cur.words.is_empty() => {
                            case_depth -= 1;
                            if case_depth == 0 {
                                out.push(Simple {
                                    start: place(start, end).0,
                                    end: place(start, end).1,
                                    op: Op::Seq,
                                    depth,
                                    elevated: false,
                                    assigns: Vec::new(),
                                    words: Vec::new(),
                                    redirects: Vec::new(),
                                    kind: CmdKind::Unknowable(std::mem::take(&mut case_vars)),
                                });
                            }
                            continue;
                        }
                        _ => {}
                    }
                    if let Some((name, _)) = word.assignment() {
                        case_vars.push(name);
                    }
                    cur.words.push(word);
                    continue;
                }
                if cur.words.is_empty() && cur.assigns.is_empty() {
                    if let Some(w) = word.plain() {
                        if OPENERS.contains(&w) || CLOSERS.contains(&w) {
                            continue;
                        }
                        if w == "case" {
                            case_depth = 1;
                            cur = Building::default();
                            continue;
                        }
                    }
                }
                if cur.words.is_empty() {
                    if let Some(assign) = word.assignment() {
                        cur.assigns.push(assign);
                        cur.extend(start, end);
                        continue;
                    }
                }
                cur.words.push(word);
                cur.extend(start, end);
            }
            Tok::Redir {
                fd,
                op,
                start,
                here_len_slot,
            } => {
                let here_len = here_lens.get(here_len_slot).copied().unwrap_or(0);
                pending_redirect = Some((fd, op, here_len));
                cur.extend(start, start + 1);
            }
            Tok::Op(op) => {
                if case_depth > 0 {
                    cur = Building::default();
                    continue;
                }
                finish(
                    &mut cur,
                    &mut next_op,
                    depth,
                    script,
                    offset,
                    outer,
                    level,
                    out,
                );
                // A newline right after `&&` or `|` continues the list: keep the stronger join.
                if !(op == Op::Seq && next_op != Op::Seq) {
                    next_op = op;
                }
            }
            Tok::CaseSep => {
                if case_depth > 0 {
                    cur = Building::default();
                } else {
                    // Outside a `case`, `;;` is a syntax error in sh; read it as `;`.
                    finish(
                        &mut cur,
                        &mut next_op,
                        depth,
                        script,
                        offset,
                        outer,
                        level,
                        out,
                    );
                }
            }
            Tok::Open => {
                if case_depth > 0 {
                    continue;
                }
                finish(
                    &mut cur,
                    &mut next_op,
                    depth,
                    script,
                    offset,
                    outer,
                    level,
                    out,
                );
                depth += 1;
            }
            Tok::Close => {
                if case_depth > 0 {
                    // A case pattern's `)`: what follows is a command of the case body.
                    cur = Building::default();
                    continue;
                }
                finish(
                    &mut cur,
                    &mut next_op,
                    depth,
                    script,
                    offset,
                    outer,
                    level,
                    out,
                );
                depth = depth.saturating_sub(1).max(depth_base);
            }
        }
    }
    if case_depth == 0 {
        finish(
            &mut cur,
            &mut next_op,
            depth,
            script,
            offset,
            outer,
            level,
            out,
        );
    } else if !case_vars.is_empty() {
        out.push(Simple {
            start: outer.0,
            end: outer.1,
            op: Op::Seq,
            depth,
            elevated: false,
            assigns: Vec::new(),
            words: Vec::new(),
            redirects: Vec::new(),
            kind: CmdKind::Unknowable(case_vars),
        });
    }
}

#[derive(Default)]
struct Building {
    start: Option<usize>,
    end: usize,
    assigns: Vec<(String, Word)>,
    words: Vec<Word>,
    redirects: Vec<Redirect>,
}

impl Building {
    fn extend(&mut self, start: usize, end: usize) {
        if self.start.is_none() {
            self.start = Some(start);
        }
        self.end = self.end.max(end);
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    cur: &mut Building,
    next_op: &mut Op,
    depth: usize,
    script: &str,
    offset: Option<usize>,
    outer: (usize, usize),
    level: usize,
    out: &mut Vec<Simple>,
) {
    let b = std::mem::take(cur);
    let Some(start) = b.start else {
        return;
    };
    let op = std::mem::replace(next_op, Op::Seq);
    let (start_abs, end_abs) = match offset {
        Some(o) => (o + start, o + b.end),
        None => outer,
    };
    let mut simple = Simple {
        start: start_abs,
        end: end_abs,
        op,
        depth,
        elevated: false,
        assigns: b.assigns,
        words: b.words,
        redirects: b.redirects,
        kind: CmdKind::Simple,
    };
    // `for x in ...` and `read x`: the variable is only known to the running shell.
    match simple.words.first().and_then(Word::plain) {
        Some("for" | "select") => {
            let var = simple.words.get(1).map(Word::display).unwrap_or_default();
            simple.words.clear();
            simple.kind = CmdKind::Unknowable(vec![var]);
            out.push(simple);
            return;
        }
        Some("read") => {
            let vars = simple
                .words
                .iter()
                .skip(1)
                .map(Word::display)
                .filter(|w| is_name(w))
                .collect();
            simple.kind = CmdKind::Unknowable(vars);
            out.push(simple);
            return;
        }
        _ => {}
    }
    strip_wrappers(&mut simple);
    if simple.words.first().and_then(Word::plain) == Some("set") {
        // `set -ex`, `set -o pipefail`: shell options, not a program.
        return;
    }
    // `sh -c '...'`: the string is the script that runs.
    if level < MAX_DEPTH {
        if let Some((inner, inner_local)) = shell_string(&simple, script, start, b.end) {
            let before = out.len();
            let inner_offset = inner_local.and_then(|k| offset.map(|o| o + k));
            parse_into(
                &inner,
                inner_offset,
                (start_abs, end_abs),
                depth,
                level + 1,
                out,
            );
            if let Some(first) = out.get_mut(before) {
                first.op = op;
            }
            for cmd in out.iter_mut().skip(before) {
                cmd.elevated |= simple.elevated;
                let mut assigns = simple.assigns.clone();
                assigns.append(&mut cmd.assigns);
                cmd.assigns = assigns;
            }
            return;
        }
    }
    out.push(simple);
}

/// Removes `sudo`, `env`, `exec`, `nohup`, `time`, `command` in front of the program,
/// keeping their assignments.
fn strip_wrappers(simple: &mut Simple) {
    // Bounded: each round removes at least one word.
    loop {
        let Some(first) = simple
            .words
            .first()
            .and_then(Word::plain)
            .map(str::to_string)
        else {
            return;
        };
        let mut skip = 1;
        match first.as_str() {
            "sudo" => {
                simple.elevated = true;
                while let Some(w) = simple.words.get(skip).and_then(Word::plain) {
                    if w == "--" {
                        skip += 1;
                        break;
                    }
                    if !w.starts_with('-') {
                        break;
                    }
                    // Options that take a value: -u user, -g group, -C fd, -p prompt, ...
                    let takes = matches!(
                        w,
                        "-u" | "-g" | "-C" | "-p" | "-r" | "-t" | "-U" | "-h" | "-D"
                    );
                    skip += if takes { 2 } else { 1 };
                }
            }
            "env" => {
                while let Some(w) = simple.words.get(skip).and_then(Word::plain) {
                    if w == "--" {
                        skip += 1;
                        break;
                    }
                    if !w.starts_with('-') {
                        break;
                    }
                    skip += if matches!(w, "-u" | "-C" | "-S") {
                        2
                    } else {
                        1
                    };
                }
                if skip >= simple.words.len()
                    && !simple
                        .words
                        .iter()
                        .skip(1)
                        .any(|w| w.assignment().is_some())
                {
                    // Plain `env` prints the environment: it is the program.
                    return;
                }
            }
            "exec" | "nohup" => {}
            "time" => {
                if simple.words.get(1).and_then(Word::plain) == Some("-p") {
                    skip = 2;
                }
            }
            "command" => {
                if matches!(simple.words.get(1).and_then(Word::plain), Some("-v" | "-V")) {
                    return;
                }
                if simple.words.get(1).and_then(Word::plain) == Some("-p") {
                    skip = 2;
                }
            }
            _ => return,
        }
        let skip = skip.min(simple.words.len());
        simple.words.drain(..skip);
        while let Some(assign) = simple.words.first().and_then(Word::assignment) {
            simple.assigns.push(assign);
            simple.words.remove(0);
        }
        if simple.words.is_empty() {
            return;
        }
    }
}

/// For `sh -c STRING` (also bash, dash, ash, zsh, `-ec`, `-lc`): the string, and where
/// its text starts in `script` when the bytes map one to one (`start..end` is the command
/// in `script`'s own coordinates).
fn shell_string(
    simple: &Simple,
    script: &str,
    start: usize,
    end: usize,
) -> Option<(String, Option<usize>)> {
    let program = simple.words.first()?.literal()?;
    let base = program.rsplit('/').next().unwrap_or(&program);
    if !matches!(base, "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh") {
        return None;
    }
    let mut index = 1;
    let mut has_c = false;
    while let Some(w) = simple.words.get(index).and_then(Word::plain) {
        if w == "-o" || w == "+o" {
            index += 2;
            continue;
        }
        if !(w.starts_with('-') || w.starts_with('+')) || w == "-" || w == "--" {
            break;
        }
        if w.starts_with('-') && !w.starts_with("--") && w.contains('c') {
            has_c = true;
        }
        index += 1;
    }
    if !has_c {
        return None;
    }
    let word = simple.words.get(index)?;
    let text = word.display();
    // Exact offsets only for one quoted literal whose text appears verbatim in the command.
    let exact = match word.parts.as_slice() {
        [Part::Lit {
            text: t,
            quoted: true,
        }] => script.get(start..end).and_then(|cmd| {
            ["'", "\""].iter().find_map(|q| {
                let needle = format!("{q}{t}{q}");
                cmd.find(&needle).map(|k| start + k + 1)
            })
        }),
        _ => None,
    };
    Some((text, exact))
}
