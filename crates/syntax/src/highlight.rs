//! Highlighting tokens for editors: every span of a Dockerfile with what it is.
//!
//! [`highlight`] turns a text and its [`Parse`] into [`Token`]s for the editor's coloured
//! layer: keywords, flags and their values, stage names and images, variables, strings,
//! operators, comments, parser directives, heredoc markers, bodies and terminators, and
//! the line-continuation escapes.
//!
//! The parser's byte ranges are exact, but they describe *logical* lines: a word broken
//! by a continuation has a range that also covers the escape, the line break and any
//! comment lines in between. So the highlighter first scans the physical lines itself
//! (as the parser does) to find comments, directives, heredoc lines and continuation
//! escapes, and keeps, for every instruction line, the "code" part of it. Tokens taken
//! from the tree are then walked over, and cut to, that code only. Every pass is linear
//! in the text (plus a binary search per token), and nothing here panics on any input:
//! ranges that do not fit the text are dropped, not sliced.
//!
//! [`highlight_html_free`] lays the tokens over the whole text as consecutive segments,
//! for a renderer that builds its spans node by node.

use std::cell::Cell;
use std::collections::BTreeSet;

use serde::Serialize;

use crate::line_parsers::go_is_space;
use crate::{Instruction, Keyword, Parse, TextRange};

/// What a highlighted span is. Serialized in kebab-case (`stage-name`); the CSS class is
/// [`TokenKind::css_class`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    /// An instruction keyword (`FROM`, `run`, also unknown ones), `AS` in FROM, the
    /// `CMD`/`NONE` type word of HEALTHCHECK.
    Keyword,
    /// A flag's name with its dashes: `--from`, `--mount`, `--link`.
    Flag,
    /// A flag's value (`--chown=1000:1000`, `--platform=linux/amd64`), and the values in
    /// a `key=value,…` flag value (`cache` and `/x` in `--mount=type=cache,target=/x`).
    FlagValue,
    /// A stage name: the name declared by `FROM … AS name`, and any word equal to a
    /// declared stage name (case-insensitively) used as a FROM base, in `--from=` (COPY,
    /// ADD) or in `from=` of `RUN --mount`. A stage index (`--from=0`) counts too.
    StageName,
    /// An image reference: a FROM base or a `--from` value that names no stage.
    Image,
    /// `$X`, `${X}`, `${X:-default}`; in shell forms also `$1`, `$@`, `$?` and the like.
    Variable,
    /// `"…"` and `'…'` in arguments (split around the variables inside double quotes)
    /// and the strings of an exec-form JSON array.
    String,
    /// A comment line, from `#` to its end; also the `#` of a parser directive.
    Comment,
    /// A parser directive at the top of the file (`# syntax=…`): its name and its value.
    Directive,
    /// `<<EOF`, `<<-"EOT"`, `3<<EOF`: where a heredoc starts.
    HeredocMarker,
    /// A heredoc body line (one token per line, surrounding whitespace left out).
    HeredocBody,
    /// The line that ends a heredoc (`EOF`).
    HeredocTerminator,
    /// `&&`, `||`, `;` and `|` in shell forms; `=` in `ENV k=v`, `LABEL`, `ARG`, flags and
    /// directives; `,` between `key=value` fields of a flag; `[`, `]` and `,` in JSON;
    /// `/` between port and protocol in EXPOSE.
    Operator,
    /// A port or port range in EXPOSE (`80`, `8000-8010`).
    Number,
    /// The line-continuation escape at the end of a line (`\`, or `` ` `` after
    /// `# escape=`` ` ``).
    Escape,
    /// A name being given a value: the keys of ENV, LABEL and ARG (a quoted key shows
    /// as a [`TokenKind::String`]), and the keys and bare options of a `key=value,…`
    /// flag value (`type` and `readonly` in `--mount=type=bind,readonly`).
    Key,
    /// Anything else. Never emitted by [`highlight`]; listed so renderers can name it.
    Plain,
}

impl TokenKind {
    /// Every kind, in declaration order.
    pub const ALL: [TokenKind; 17] = [
        TokenKind::Keyword,
        TokenKind::Flag,
        TokenKind::FlagValue,
        TokenKind::StageName,
        TokenKind::Image,
        TokenKind::Variable,
        TokenKind::String,
        TokenKind::Comment,
        TokenKind::Directive,
        TokenKind::HeredocMarker,
        TokenKind::HeredocBody,
        TokenKind::HeredocTerminator,
        TokenKind::Operator,
        TokenKind::Number,
        TokenKind::Escape,
        TokenKind::Key,
        TokenKind::Plain,
    ];

    /// The CSS class for the kind: `tok-` and the kind's kebab-case name
    /// (`tok-keyword`, `tok-stage-name`, `tok-heredoc-body`).
    pub fn css_class(self) -> &'static str {
        match self {
            TokenKind::Keyword => "tok-keyword",
            TokenKind::Flag => "tok-flag",
            TokenKind::FlagValue => "tok-flag-value",
            TokenKind::StageName => "tok-stage-name",
            TokenKind::Image => "tok-image",
            TokenKind::Variable => "tok-variable",
            TokenKind::String => "tok-string",
            TokenKind::Comment => "tok-comment",
            TokenKind::Directive => "tok-directive",
            TokenKind::HeredocMarker => "tok-heredoc-marker",
            TokenKind::HeredocBody => "tok-heredoc-body",
            TokenKind::HeredocTerminator => "tok-heredoc-terminator",
            TokenKind::Operator => "tok-operator",
            TokenKind::Number => "tok-number",
            TokenKind::Escape => "tok-escape",
            TokenKind::Key => "tok-key",
            TokenKind::Plain => "tok-plain",
        }
    }

    /// The kebab-case name, as serialized (`stage-name`).
    pub fn name(self) -> &'static str {
        let class = self.css_class();
        class.strip_prefix("tok-").unwrap_or(class)
    }
}

/// One coloured span of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Token {
    pub range: TextRange,
    pub kind: TokenKind,
}

/// The highlighting tokens of `text`, which `parse` must be the parse of.
///
/// The tokens are sorted, do not overlap, start and end on char boundaries inside
/// `text`, neither start nor end with whitespace, and never have kind
/// [`TokenKind::Plain`]: what is not covered is plain text or whitespace.
pub fn highlight(text: &str, parse: &Parse) -> Vec<Token> {
    let file = &parse.dockerfile;
    let lines = physical_lines(text);
    let mut h = Highlighter {
        text,
        escape: file.escape,
        segments: Vec::new(),
        segment_hint: Cell::new(0),
        stages: BTreeSet::new(),
        stage_count: 0,
        code: Vec::new(),
        fixed: Vec::new(),
    };
    h.scan_lines(&lines, parse);
    for instruction in &file.instructions {
        if instruction.keyword != Keyword::From {
            continue;
        }
        h.stage_count += 1;
        if let [_, as_word, name, ..] = instruction.args.as_slice() {
            if as_word.text.eq_ignore_ascii_case("as") {
                h.stages.insert(name.text.to_ascii_lowercase());
            }
        }
    }
    for instruction in &file.instructions {
        let markers: Vec<TextRange> = instruction
            .heredocs
            .iter()
            .map(|d| d.marker_range)
            .collect();
        h.instruction(instruction, &markers);
    }
    h.finish()
}

/// The whole of `text` as consecutive segments: each token with its kind, and the gaps
/// between them with `None`, for a renderer that builds text nodes and spans itself.
///
/// `tokens` should come from [`highlight`]; a token that is out of bounds, off a char
/// boundary, empty, or overlaps (or comes before) the previous one is skipped, so the
/// segments always tile `text` exactly. An empty text gives no segments.
pub fn highlight_html_free(text: &str, tokens: &[Token]) -> Vec<(TextRange, Option<TokenKind>)> {
    let mut out = Vec::with_capacity(tokens.len() * 2 + 1);
    let mut at = 0;
    for token in tokens {
        let TextRange { start, end } = token.range;
        if start < at
            || end > text.len()
            || start >= end
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            out.push((TextRange::new(at, start), None));
        }
        out.push((token.range, Some(token.kind)));
        at = end;
    }
    if at < text.len() {
        out.push((TextRange::new(at, text.len()), None));
    }
    out
}

/// A physical line: where it starts and where its content ends (before `\r\n`). The
/// same split as the parser's.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
}

fn physical_lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let next = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(bytes.len(), |i| start + i + 1);
        let mut content_end = next;
        while content_end > start && matches!(bytes.get(content_end - 1), Some(b'\n' | b'\r')) {
            content_end -= 1;
        }
        lines.push(Line { start, content_end });
        start = next;
    }
    lines
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at.min(text.len())
}

/// `text[start..end]` when that is a valid slice, else `""`.
fn slice(text: &str, start: usize, end: usize) -> &str {
    text.get(start..end).unwrap_or("")
}

/// BuildKit's continuation test (see the parser): the offset of the escape that
/// continues `content` (a line without its newline starting at `start`), if any.
fn continuation_escape(content: &str, start: usize, escape: char) -> Option<usize> {
    let body = content.trim_end_matches([' ', '\t']).strip_suffix(escape)?;
    match body.chars().next_back() {
        Some(previous) if previous == escape => None,
        _ => Some(start + body.len()),
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// How to colour the words of a piece of arguments.
#[derive(Clone, Copy)]
struct Scan<'m> {
    /// The kind of unquoted text outside variables.
    base: TokenKind,
    /// Shell form: `&&`, `||`, `;`, `|` are operators and `$1`, `$@`… are variables.
    shell: bool,
    /// Heredoc markers of the instruction, sorted by start.
    markers: &'m [TextRange],
}

impl<'m> Scan<'m> {
    fn plain(base: TokenKind) -> Scan<'static> {
        Scan {
            base,
            shell: false,
            markers: &[],
        }
    }
}

/// Longest `${…}` the highlighter looks through for the closing brace.
const MAX_BRACED: usize = 256;

struct Highlighter<'a> {
    text: &'a str,
    escape: char,
    /// The code part of every instruction line, in order: without leading whitespace,
    /// the continuation escape and what follows it. Comment, directive, blank and
    /// heredoc lines have none.
    segments: Vec<(usize, usize)>,
    /// Where the last segment lookup landed (see [`Highlighter::first_segment`]).
    segment_hint: Cell<usize>,
    /// Declared stage names, ASCII-lower-cased.
    stages: BTreeSet<String>,
    /// How many FROM instructions (stages) there are, for `--from=<index>`.
    stage_count: usize,
    /// Tokens from the tree, still to be cut to the code segments.
    code: Vec<Token>,
    /// Tokens found line by line, already exact.
    fixed: Vec<Token>,
}

impl<'a> Highlighter<'a> {
    fn fixed(&mut self, start: usize, end: usize, kind: TokenKind) {
        if start < end {
            self.fixed.push(Token {
                range: TextRange::new(start, end),
                kind,
            });
        }
    }

    fn code(&mut self, start: usize, end: usize, kind: TokenKind) {
        if start < end && kind != TokenKind::Plain {
            self.code.push(Token {
                range: TextRange::new(start, end),
                kind,
            });
        }
    }

    /// A token for `text[start..end]` without its surrounding whitespace.
    fn fixed_trimmed(&mut self, start: usize, end: usize, kind: TokenKind) {
        let piece = slice(self.text, start, end);
        let lead = piece.len() - piece.trim_start_matches(go_is_space).len();
        let trimmed = piece.trim_matches(go_is_space);
        self.fixed(start + lead, start + lead + trimmed.len(), kind);
    }

    /// Pass one: classify the physical lines as the parser reads them.
    fn scan_lines(&mut self, lines: &[Line], parse: &Parse) {
        let text = self.text;
        let file = &parse.dockerfile;
        // Heredoc bodies and terminator lines, in order.
        let mut bodies: Vec<TextRange> = Vec::new();
        let mut terminators: Vec<(usize, &str, bool)> = Vec::new();
        for heredoc in file.instructions.iter().flat_map(|i| &i.heredocs) {
            let content = heredoc.content_range;
            if !heredoc.content.is_empty() {
                let start = content.end.saturating_sub(heredoc.content.len());
                bodies.push(TextRange::new(start, content.end));
            }
            if content.end > heredoc.marker_range.end {
                terminators.push((content.end, heredoc.name.as_str(), heredoc.chomp));
            }
        }
        crate::order::sort(&mut bodies);
        crate::order::sort(&mut terminators);
        let (mut body_at, mut term_at) = (0, 0);

        for (index, line) in lines.iter().enumerate() {
            while bodies.get(body_at).is_some_and(|b| b.end <= line.start) {
                body_at += 1;
            }
            if bodies.get(body_at).is_some_and(|b| b.contains(line.start)) {
                self.fixed_trimmed(line.start, line.content_end, TokenKind::HeredocBody);
                continue;
            }
            while terminators.get(term_at).is_some_and(|t| t.0 < line.start) {
                term_at += 1;
            }
            if let Some(&(at, name, chomp)) = terminators.get(term_at) {
                let content = slice(text, line.start, line.content_end);
                let candidate = if chomp {
                    content.trim_start_matches('\t')
                } else {
                    content
                };
                if at == line.start && candidate == name {
                    let start = line.content_end - candidate.len();
                    self.fixed(start, line.content_end, TokenKind::HeredocTerminator);
                    continue;
                }
            }

            let mut start = line.start;
            if index == 0 && text.starts_with('\u{feff}') {
                start += '\u{feff}'.len_utf8();
            }
            let content = slice(text, start, line.content_end);
            let stripped = content.trim_start_matches(go_is_space);
            let stripped_start = start + (content.len() - stripped.len());
            if stripped.is_empty() {
                continue;
            }
            if stripped.starts_with('#') {
                match file
                    .directives
                    .iter()
                    .find(|d| d.range.start == stripped_start)
                {
                    Some(directive) => self.directive(stripped, stripped_start, directive),
                    None => {
                        self.fixed_trimmed(stripped_start, line.content_end, TokenKind::Comment)
                    }
                }
                continue;
            }
            let code_end = match continuation_escape(content, start, self.escape) {
                Some(escape_at) => {
                    self.fixed(
                        escape_at,
                        escape_at + self.escape.len_utf8(),
                        TokenKind::Escape,
                    );
                    escape_at
                }
                None => line.content_end,
            };
            if stripped_start < code_end {
                self.segments.push((stripped_start, code_end));
            }
        }
    }

    /// `# name = value`: `#` a comment, the name and value directives, `=` an operator.
    fn directive(&mut self, line: &str, start: usize, directive: &crate::Directive) {
        self.fixed(start, start + 1, TokenKind::Comment);
        let bytes = line.as_bytes();
        let re_space = |b: &u8| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
        let mut pos = 1;
        while bytes.get(pos).is_some_and(re_space) {
            pos += 1;
        }
        let name_start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_alphanumeric) {
            pos += 1;
        }
        self.fixed(start + name_start, start + pos, TokenKind::Directive);
        while bytes.get(pos).is_some_and(re_space) {
            pos += 1;
        }
        if bytes.get(pos) == Some(&b'=') {
            self.fixed(start + pos, start + pos + 1, TokenKind::Operator);
        }
        let value = directive.value_range;
        if value.start > start + pos && value.end <= start + line.len() {
            self.fixed(value.start, value.end, TokenKind::Directive);
        }
    }

    /// The index of the first code segment that ends after `at`. Lookups mostly move
    /// forward, so the last answer (or the one after it) is tried before a binary search.
    fn first_segment(&self, at: usize) -> usize {
        let fits = |i: usize| {
            (i == 0 || self.segments.get(i - 1).is_some_and(|s| s.1 <= at))
                && self.segments.get(i).is_none_or(|s| s.1 > at)
        };
        let hint = self.segment_hint.get();
        let index = if fits(hint) {
            hint
        } else if fits(hint + 1) {
            hint + 1
        } else {
            self.segments.partition_point(|s| s.1 <= at)
        };
        self.segment_hint.set(index);
        index
    }

    /// The code characters inside `range`, with their offsets: the text of the range
    /// with continuation escapes, line breaks and comment lines taken out.
    fn chars_in(&self, range: TextRange) -> Vec<(usize, char)> {
        let mut out = Vec::new();
        let first = self.first_segment(range.start);
        for &(s, e) in self.segments.get(first..).unwrap_or_default() {
            if s >= range.end {
                break;
            }
            let a = ceil_boundary(self.text, s.max(range.start));
            let b = floor_boundary(self.text, e.min(range.end));
            match self.text.get(a..b) {
                Some(piece) if piece.is_ascii() => out.extend(
                    piece
                        .bytes()
                        .enumerate()
                        .map(|(i, b)| (a + i, char::from(b))),
                ),
                Some(piece) => out.extend(piece.char_indices().map(|(i, c)| (a + i, c))),
                None => {}
            }
        }
        out
    }

    fn is_stage_name(&self, name: &str) -> bool {
        !self.stages.is_empty() && self.stages.contains(&name.to_ascii_lowercase())
    }

    /// A `--from` value: a declared stage name or a stage index.
    fn is_stage_ref(&self, name: &str) -> bool {
        self.is_stage_name(name)
            || (!name.is_empty()
                && name.bytes().all(|b| b.is_ascii_digit())
                && name.parse::<usize>().is_ok_and(|i| i < self.stage_count))
    }

    fn stage_or_image(&mut self, range: TextRange, name: &str) {
        if self.is_stage_ref(name) {
            self.code(range.start, range.end, TokenKind::StageName);
        } else {
            self.scan(range, Scan::plain(TokenKind::Image));
        }
    }

    /// Pass two: the tokens of one instruction (and of what ONBUILD wraps).
    fn instruction(&mut self, instruction: &Instruction, markers: &[TextRange]) {
        let mut current = instruction;
        loop {
            let keyword = current.keyword_word.range;
            self.code(keyword.start, keyword.end, TokenKind::Keyword);
            for flag in &current.flags {
                self.flag(flag);
            }
            match current.onbuild.as_deref() {
                Some(inner) => current = inner,
                None => break,
            }
        }
        self.arguments(current, markers);
    }

    fn flag(&mut self, flag: &crate::Flag) {
        let chars = self.chars_in(flag.range);
        let Some(&(first, _)) = chars.first() else {
            return;
        };
        let Some(k) = chars.iter().position(|&(_, c)| c == '=') else {
            self.code(first, flag.range.end, TokenKind::Flag);
            return;
        };
        let eq = chars.get(k).map_or(first, |&(p, _)| p);
        self.code(first, eq, TokenKind::Flag);
        self.code(eq, eq + 1, TokenKind::Operator);
        let value = TextRange::new(eq + 1, flag.range.end);
        let value_chars = chars.get(k + 1..).unwrap_or_default();
        let has = |wanted: &[char]| value_chars.iter().any(|(_, c)| wanted.contains(c));
        match flag.name.as_str() {
            "from" => self.stage_or_image(value, flag.value.as_deref().unwrap_or("")),
            "mount" | "secret" | "ssh" if has(&['=']) && !has(&['"', '\'']) => {
                self.key_values(value_chars)
            }
            _ => self.scan_chars(value_chars, value.end, Scan::plain(TokenKind::FlagValue)),
        }
    }

    /// `type=cache,target=/x,from=build`: keys, `=` and `,` operators, values (a stage
    /// name or an image for `from`).
    fn key_values(&mut self, chars: &[(usize, char)]) {
        let mut field_start = 0;
        for i in 0..=chars.len() {
            let comma = chars.get(i).filter(|&&(_, c)| c == ',');
            if i < chars.len() && comma.is_none() {
                continue;
            }
            let field = chars.get(field_start..i).unwrap_or_default();
            self.key_value(field);
            if let Some(&(p, _)) = comma {
                self.code(p, p + 1, TokenKind::Operator);
            }
            field_start = i + 1;
        }
    }

    /// One `key=value` field of a flag value.
    fn key_value(&mut self, field: &[(usize, char)]) {
        let (Some(&(start, _)), Some(&(last, c))) = (field.first(), field.last()) else {
            return;
        };
        let end = last + c.len_utf8();
        let Some(i) = field.iter().position(|&(_, c)| c == '=') else {
            // A bare option: `readonly`, `required`.
            self.code(start, end, TokenKind::Key);
            return;
        };
        let eq = field.get(i).map_or(end, |&(p, _)| p);
        self.code(start, eq, TokenKind::Key);
        self.code(eq, eq + 1, TokenKind::Operator);
        let key: String = field.iter().take(i).map(|&(_, c)| c).collect();
        let value = TextRange::new(eq + 1, end);
        if key.eq_ignore_ascii_case("from") {
            let name: String = field.iter().skip(i + 1).map(|&(_, c)| c).collect();
            self.stage_or_image(value, &name);
        } else {
            let value_chars = field.get(i + 1..).unwrap_or_default();
            self.scan_chars(value_chars, value.end, Scan::plain(TokenKind::FlagValue));
        }
    }

    fn arguments(&mut self, instruction: &Instruction, markers: &[TextRange]) {
        let rest = instruction.rest.range;
        let args = instruction.args.as_slice();
        let shell = Scan {
            base: TokenKind::Plain,
            shell: true,
            markers,
        };
        let words = Scan {
            base: TokenKind::Plain,
            shell: false,
            markers,
        };
        match instruction.keyword {
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
                if instruction.json {
                    self.json(rest);
                } else {
                    self.scan(rest, shell);
                }
            }
            Keyword::Add | Keyword::Copy | Keyword::Volume => {
                if instruction.json {
                    self.json(rest);
                } else {
                    self.scan(rest, words);
                }
            }
            Keyword::From => {
                let is_as = args
                    .get(1)
                    .is_some_and(|w| w.text.eq_ignore_ascii_case("as"));
                for (i, word) in args.iter().enumerate() {
                    match i {
                        0 if self.is_stage_name(&word.text) => {
                            self.code(word.range.start, word.range.end, TokenKind::StageName)
                        }
                        0 => self.scan(word.range, Scan::plain(TokenKind::Image)),
                        1 if is_as => {
                            self.code(word.range.start, word.range.end, TokenKind::Keyword)
                        }
                        2 if is_as => {
                            self.code(word.range.start, word.range.end, TokenKind::StageName)
                        }
                        _ => self.scan(word.range, words),
                    }
                }
            }
            Keyword::Env | Keyword::Label => {
                for pair in args.chunks(2) {
                    let [key, rest @ ..] = pair else { continue };
                    self.scan(key.range, Scan::plain(TokenKind::Key));
                    if let Some(value) = rest.first() {
                        let between = TextRange::new(key.range.end, value.range.start);
                        if let Some(&(eq, _)) =
                            self.chars_in(between).iter().find(|&&(_, c)| c == '=')
                        {
                            self.code(eq, eq + 1, TokenKind::Operator);
                        }
                        self.scan(value.range, words);
                    }
                }
            }
            Keyword::Arg => {
                for word in args {
                    let chars = self.chars_in(word.range);
                    let Some(&(start, _)) = chars.first() else {
                        continue;
                    };
                    match chars.iter().find(|&&(_, c)| c == '=') {
                        Some(&(eq, _)) => {
                            self.code(start, eq, TokenKind::Key);
                            self.code(eq, eq + 1, TokenKind::Operator);
                            self.scan(TextRange::new(eq + 1, word.range.end), words);
                        }
                        None => self.code(start, word.range.end, TokenKind::Key),
                    }
                }
            }
            Keyword::Expose => {
                for word in args {
                    self.port(word.range);
                }
            }
            Keyword::Healthcheck => {
                if let Some(kind) = args.first() {
                    let keyword = ["cmd", "none"]
                        .iter()
                        .any(|k| kind.text.eq_ignore_ascii_case(k));
                    if keyword {
                        self.code(kind.range.start, kind.range.end, TokenKind::Keyword);
                    } else {
                        self.scan(kind.range, words);
                    }
                    if instruction.json {
                        self.json(TextRange::new(kind.range.end, rest.end));
                    } else if let Some(command) = args.get(1) {
                        self.scan(command.range, shell);
                    }
                }
            }
            Keyword::Maintainer
            | Keyword::Stopsignal
            | Keyword::User
            | Keyword::Workdir
            | Keyword::Onbuild
            | Keyword::Unknown => self.scan(rest, words),
        }
    }

    /// An EXPOSE word: `80`, `8000-8010/udp`, or anything with variables.
    fn port(&mut self, range: TextRange) {
        let chars = self.chars_in(range);
        let slash = chars.iter().position(|&(_, c)| c == '/');
        let port = chars
            .get(..slash.unwrap_or(chars.len()))
            .unwrap_or_default();
        let numeric = !port.is_empty()
            && port.iter().all(|&(_, c)| c.is_ascii_digit() || c == '-')
            && port.first().is_some_and(|&(_, c)| c.is_ascii_digit());
        if !numeric {
            self.scan(range, Scan::plain(TokenKind::Plain));
            return;
        }
        if let (Some(&(start, _)), Some(&(last, c))) = (port.first(), port.last()) {
            self.code(start, last + c.len_utf8(), TokenKind::Number);
        }
        if let Some(&(p, _)) = slash.and_then(|i| chars.get(i)) {
            self.code(p, p + 1, TokenKind::Operator);
        }
    }

    /// Exec form: `[`, `]` and `,` operators and strings, up to the array's end (BuildKit
    /// ignores what follows it).
    fn json(&mut self, range: TextRange) {
        let chars = self.chars_in(range);
        let mut depth = 0usize;
        let mut i = 0;
        while let Some(&(pos, c)) = chars.get(i) {
            match c {
                '[' => {
                    depth += 1;
                    self.code(pos, pos + 1, TokenKind::Operator);
                }
                ']' => {
                    self.code(pos, pos + 1, TokenKind::Operator);
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                ',' => self.code(pos, pos + 1, TokenKind::Operator),
                '"' => {
                    let mut j = i + 1;
                    let mut end = range.end;
                    while let Some(&(p, d)) = chars.get(j) {
                        if d == '\\' {
                            j += 2;
                            continue;
                        }
                        if d == '"' {
                            end = p + 1;
                            break;
                        }
                        j += 1;
                    }
                    self.code(pos, end, TokenKind::String);
                    i = j + 1;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// Words of arguments: unquoted text as `opts.base`, strings, variables, heredoc
    /// markers, and in shell form the operators.
    fn scan(&mut self, range: TextRange, opts: Scan<'_>) {
        let chars = self.chars_in(range);
        self.scan_chars(&chars, range.end, opts);
    }

    /// [`Highlighter::scan`] over code characters already collected; `limit` is where
    /// they end.
    fn scan_chars(&mut self, chars: &[(usize, char)], limit: usize, opts: Scan<'_>) {
        let mut run: Option<(usize, usize)> = None;
        let mut i = 0;
        while let Some(&(pos, c)) = chars.get(i) {
            if (c == '<' || c.is_ascii_digit())
                && opts.markers.binary_search_by_key(&pos, |m| m.start).is_ok()
            {
                self.flush(&mut run, opts.base);
                let end = opts
                    .markers
                    .iter()
                    .find(|m| m.start == pos)
                    .map_or(pos, |m| m.end);
                self.code(pos, end, TokenKind::HeredocMarker);
                while chars.get(i).is_some_and(|&(p, _)| p < end.max(pos + 1)) {
                    i += 1;
                }
                continue;
            }
            if go_is_space(c) {
                self.flush(&mut run, opts.base);
                i += 1;
                continue;
            }
            let next = chars.get(i + 1).map(|&(_, d)| d);
            if opts.shell {
                let width = match (c, next) {
                    ('&', Some('&')) | ('|', Some('|')) => 2,
                    (';' | '|', _) => 1,
                    _ => 0,
                };
                if width > 0 {
                    self.flush(&mut run, opts.base);
                    let end = chars.get(i + width - 1).map_or(pos + 1, |&(p, _)| p + 1);
                    self.code(pos, end, TokenKind::Operator);
                    i += width;
                    continue;
                }
            }
            if c == '\'' || c == '"' {
                self.flush(&mut run, opts.base);
                i = self.string(chars, i, limit, opts.shell);
                continue;
            }
            if c == '$' {
                if let Some(j) = variable_end(chars, i, opts.shell) {
                    self.flush(&mut run, opts.base);
                    self.code(pos, end_of(chars, j, limit), TokenKind::Variable);
                    i = j;
                    continue;
                }
            }
            let width = if c == self.escape && next.is_some() {
                2
            } else {
                1
            };
            let last = chars
                .get(i + width - 1)
                .map_or(pos + c.len_utf8(), |&(p, d)| p + d.len_utf8());
            run = Some(run.map_or((pos, last), |(s, _)| (s, last)));
            i += width;
        }
        self.flush(&mut run, opts.base);
    }

    fn flush(&mut self, run: &mut Option<(usize, usize)>, kind: TokenKind) {
        if let Some((start, end)) = run.take() {
            self.code(start, end, kind);
        }
    }

    /// A quoted string starting at `chars[i]`: the string, split around the variables in
    /// it when it is double-quoted. Returns the index after it.
    fn string(&mut self, chars: &[(usize, char)], i: usize, limit: usize, shell: bool) -> usize {
        let Some(&(start, quote)) = chars.get(i) else {
            return i + 1;
        };
        let mut part = start;
        let mut j = i + 1;
        while let Some(&(pos, c)) = chars.get(j) {
            if c == quote {
                self.code(part, pos + 1, TokenKind::String);
                return j + 1;
            }
            if quote == '"' && c == self.escape {
                j += 2;
                continue;
            }
            if quote == '"' && c == '$' {
                if let Some(k) = variable_end(chars, j, shell) {
                    self.code(part, pos, TokenKind::String);
                    let end = end_of(chars, k, limit);
                    self.code(pos, end, TokenKind::Variable);
                    part = end;
                    j = k;
                    continue;
                }
            }
            j += 1;
        }
        // Unterminated: the string runs to the end of the range.
        let end = chars.last().map_or(limit, |&(p, c)| p + c.len_utf8());
        self.code(part, end, TokenKind::String);
        chars.len()
    }

    /// Cuts the tree's tokens to the code segments, merges everything and drops what
    /// does not fit: the result is sorted, disjoint and on char boundaries.
    fn finish(mut self) -> Vec<Token> {
        let text = self.text;
        let mut out = std::mem::take(&mut self.fixed);
        out.reserve(self.code.len());
        for token in &self.code {
            let TextRange { start, end } = token.range;
            let first = self.first_segment(start);
            for &(s, e) in self.segments.get(first..).unwrap_or_default() {
                if s >= end {
                    break;
                }
                let (a, b) = (s.max(start), e.min(end));
                let bytes = text.as_bytes();
                let solid = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
                if solid(bytes.get(a)) && solid(b.checked_sub(1).and_then(|i| bytes.get(i))) {
                    out.push(Token {
                        range: TextRange::new(a, b),
                        kind: token.kind,
                    });
                    continue;
                }
                let piece = slice(text, a, b);
                let lead = piece.len() - piece.trim_start_matches(go_is_space).len();
                let trimmed = piece.trim_matches(go_is_space);
                if !trimmed.is_empty() {
                    out.push(Token {
                        range: TextRange::new(a + lead, a + lead + trimmed.len()),
                        kind: token.kind,
                    });
                }
            }
        }
        crate::order::sort_by_key(&mut out, |t| (t.range.start, t.range.end));
        let mut at = 0;
        out.retain(|t| {
            let TextRange { start, end } = t.range;
            let keep = start >= at
                && start < end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end)
                && t.kind != TokenKind::Plain;
            if keep {
                at = end;
            }
            keep
        });
        out
    }
}

/// The offset where the character before `chars[j]` ends (`limit` if there is none).
fn end_of(chars: &[(usize, char)], j: usize, limit: usize) -> usize {
    j.checked_sub(1)
        .and_then(|k| chars.get(k))
        .map_or(limit, |&(p, c)| p + c.len_utf8())
}

/// If a variable starts at `chars[i]` (a `$`), the index after it.
fn variable_end(chars: &[(usize, char)], i: usize, shell: bool) -> Option<usize> {
    let next = chars.get(i + 1).map(|&(_, c)| c)?;
    if next == '{' {
        let mut depth = 1usize;
        let mut k = i + 2;
        while let Some(&(_, c)) = chars.get(k) {
            if k - i > MAX_BRACED || go_is_space(c) || c == '"' || c == '\'' {
                break;
            }
            match c {
                '$' if chars.get(k + 1).is_some_and(|&(_, d)| d == '{') => {
                    depth += 1;
                    k += 2;
                    continue;
                }
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(k + 1);
                    }
                }
                _ => {}
            }
            k += 1;
        }
        // No closing brace: `${` and the name.
        let mut k = i + 2;
        while chars.get(k).is_some_and(|&(_, c)| is_ident(c)) {
            k += 1;
        }
        return Some(k);
    }
    if is_ident_start(next) {
        let mut k = i + 2;
        while chars.get(k).is_some_and(|&(_, c)| is_ident(c)) {
            k += 1;
        }
        return Some(k);
    }
    if shell && (next.is_ascii_digit() || "@*#?$!-".contains(next)) {
        return Some(i + 2);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use TokenKind as K;

    fn tokens(text: &str) -> Vec<Token> {
        let tokens = highlight(text, &parse(text));
        check_invariants(text, &tokens);
        tokens
    }

    fn show(text: &str) -> Vec<(&str, TokenKind)> {
        tokens(text)
            .into_iter()
            .map(|t| (&text[t.range.start..t.range.end], t.kind))
            .collect()
    }

    fn check_invariants(text: &str, tokens: &[Token]) {
        let mut at = 0;
        for t in tokens {
            let TextRange { start, end } = t.range;
            assert!(start >= at, "unsorted or overlapping {t:?} in {text:?}");
            assert!(
                start < end && end <= text.len(),
                "{t:?} out of bounds in {text:?}"
            );
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
            assert_ne!(t.kind, K::Plain);
            let s = &text[start..end];
            assert_eq!(s.trim_matches(go_is_space), s, "{t:?} has edge whitespace");
            at = end;
        }
        let segments = highlight_html_free(text, tokens);
        let mut at = 0;
        for (range, _) in &segments {
            assert_eq!(range.start, at);
            assert!(range.end > range.start);
            at = range.end;
        }
        assert_eq!(at, text.len());
        assert_eq!(
            segments.iter().filter(|s| s.1.is_some()).count(),
            tokens.len()
        );
    }

    #[test]
    fn highlight_multi_stage_file() {
        let text = concat!(
            "# syntax=docker/dockerfile:1\n",
            "# build stage\n",
            "FROM golang:1.22 AS build\n",
            "RUN --mount=type=cache,target=/x go build \\\n",
            "    -o /app && echo \"done $X\"\n",
            "RUN <<EOF\n",
            "echo hi\n",
            "EOF\n",
            "FROM alpine\n",
            "COPY --from=build /app /app\n",
            "ENV A=\"b c\" D=$A\n",
            "EXPOSE 80/tcp\n",
            "CMD [\"node\", \"server.js\"]\n",
        );
        assert_eq!(
            show(text),
            [
                ("#", K::Comment),
                ("syntax", K::Directive),
                ("=", K::Operator),
                ("docker/dockerfile:1", K::Directive),
                ("# build stage", K::Comment),
                ("FROM", K::Keyword),
                ("golang:1.22", K::Image),
                ("AS", K::Keyword),
                ("build", K::StageName),
                ("RUN", K::Keyword),
                ("--mount", K::Flag),
                ("=", K::Operator),
                ("type", K::Key),
                ("=", K::Operator),
                ("cache", K::FlagValue),
                (",", K::Operator),
                ("target", K::Key),
                ("=", K::Operator),
                ("/x", K::FlagValue),
                ("\\", K::Escape),
                ("&&", K::Operator),
                ("\"done", K::String),
                ("$X", K::Variable),
                ("\"", K::String),
                ("RUN", K::Keyword),
                ("<<EOF", K::HeredocMarker),
                ("echo hi", K::HeredocBody),
                ("EOF", K::HeredocTerminator),
                ("FROM", K::Keyword),
                ("alpine", K::Image),
                ("COPY", K::Keyword),
                ("--from", K::Flag),
                ("=", K::Operator),
                ("build", K::StageName),
                ("ENV", K::Keyword),
                ("A", K::Key),
                ("=", K::Operator),
                ("\"b c\"", K::String),
                ("D", K::Key),
                ("=", K::Operator),
                ("$A", K::Variable),
                ("EXPOSE", K::Keyword),
                ("80", K::Number),
                ("/", K::Operator),
                ("CMD", K::Keyword),
                ("[", K::Operator),
                ("\"node\"", K::String),
                (",", K::Operator),
                ("\"server.js\"", K::String),
                ("]", K::Operator),
            ]
        );
        // The continuation escape is the one at the end of line 4, not a `\` elsewhere.
        let escape = tokens(text)
            .into_iter()
            .find(|t| t.kind == K::Escape)
            .map(|t| t.range.start);
        assert_eq!(escape, text.find("\\\n"));
    }

    #[test]
    fn highlight_backtick_escape_directive() {
        let text = concat!(
            "# escape=`\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS base\n",
            "RUN dir c:\\ `\n",
            "    && echo \"a`\"b\"\n",
            "FROM base\n",
            "COPY --from=base C:\\app C:\\app\n",
        );
        assert_eq!(
            show(text),
            [
                ("#", K::Comment),
                ("escape", K::Directive),
                ("=", K::Operator),
                ("`", K::Directive),
                ("FROM", K::Keyword),
                ("mcr.microsoft.com/windows/servercore:ltsc2022", K::Image),
                ("AS", K::Keyword),
                ("base", K::StageName),
                ("RUN", K::Keyword),
                ("`", K::Escape),
                ("&&", K::Operator),
                ("\"a`\"b\"", K::String),
                ("FROM", K::Keyword),
                ("base", K::StageName),
                ("COPY", K::Keyword),
                ("--from", K::Flag),
                ("=", K::Operator),
                ("base", K::StageName),
            ]
        );
        // Without the directive a trailing backtick is just text and `\` continues.
        let text = "FROM x\nRUN a `\nRUN b \\\n c\n";
        let kinds = show(text);
        assert!(kinds.contains(&("\\", K::Escape)));
        assert!(!kinds.iter().any(|&(s, _)| s == "`"));
    }

    #[test]
    fn highlight_stage_names_and_images() {
        let text = concat!(
            "FROM node:20 AS Deps\n",
            "FROM deps as builder\n",
            "RUN --mount=type=bind,from=DEPS,source=/a,target=/b,readonly \\\n",
            "    --mount=from=node:20,target=/n true\n",
            "COPY --from=0 /a /a\n",
            "COPY --from=7 /a /a\n",
            "COPY --from=nginx:latest /etc/nginx /etc/nginx\n",
            "FROM ${BASE}:latest\n",
            "FROM scratch\n",
        );
        let kinds = show(text);
        let of = |kind| {
            kinds
                .iter()
                .filter(|t| t.1 == kind)
                .map(|t| t.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(of(K::StageName), ["Deps", "deps", "builder", "DEPS", "0"]);
        assert_eq!(
            of(K::Image),
            [
                "node:20",
                "node:20",
                "7",
                "nginx:latest",
                ":latest",
                "scratch"
            ]
        );
        assert_eq!(of(K::Variable), ["${BASE}"]);
        assert_eq!(
            of(K::Keyword),
            ["FROM", "AS", "FROM", "as", "RUN", "COPY", "COPY", "COPY", "FROM", "FROM"]
        );
        assert_eq!(
            of(K::Key),
            ["type", "from", "source", "target", "readonly", "from", "target"]
        );
    }

    #[test]
    fn highlight_comments_and_continuations_split_words() {
        // A comment line and an empty line inside a continuation, a keyword and a word
        // broken by continuations, CRLF line ends and a byte-order mark.
        let text = "\u{feff}FROM x\r\nRUN echo a \\\r\n# inside\r\n\r\n  b \\\r\n  && c\r\nRU\\\nN d\"e\\\nf\"\n  # indented comment\n";
        assert_eq!(
            show(text),
            [
                ("FROM", K::Keyword),
                ("x", K::Image),
                ("RUN", K::Keyword),
                ("\\", K::Escape),
                ("# inside", K::Comment),
                ("\\", K::Escape),
                ("&&", K::Operator),
                ("RU", K::Keyword),
                ("\\", K::Escape),
                ("N", K::Keyword),
                ("\"e", K::String),
                ("\\", K::Escape),
                ("f\"", K::String),
                ("# indented comment", K::Comment),
            ]
        );
    }

    #[test]
    fn highlight_heredocs() {
        let text = concat!(
            "FROM x\n",
            "RUN <<EOF cat <<-\"E2\" > f && \\\n",
            "  echo $HOME\n",
            "  # body, not a comment\n",
            "\n",
            "EOF\n",
            "\tbody two\n",
            "\tE2\n",
            "COPY <<one <<two /dest/\n",
            "EOF\n",
            "one\n",
            "two\n",
            "RUN 3<<END\n",
            "never ends\n",
            "END \n",
        );
        assert_eq!(
            show(text),
            [
                ("FROM", K::Keyword),
                ("x", K::Image),
                ("RUN", K::Keyword),
                ("<<EOF", K::HeredocMarker),
                ("<<-\"E2\"", K::HeredocMarker),
                ("&&", K::Operator),
                ("\\", K::Escape),
                ("$HOME", K::Variable),
                ("# body, not a comment", K::HeredocBody),
                ("EOF", K::HeredocTerminator),
                ("body two", K::HeredocBody),
                ("E2", K::HeredocTerminator),
                ("COPY", K::Keyword),
                ("<<one", K::HeredocMarker),
                ("<<two", K::HeredocMarker),
                ("EOF", K::HeredocBody),
                ("one", K::HeredocTerminator),
                ("two", K::HeredocTerminator),
                ("RUN", K::Keyword),
                ("3<<END", K::HeredocMarker),
                ("never ends", K::HeredocBody),
                ("END", K::HeredocBody),
            ]
        );
    }

    #[test]
    fn highlight_other_instructions() {
        let text = concat!(
            "ARG BASE=alpine:3.20 VERSION\n",
            "FROM $BASE\n",
            "ONBUILD COPY --from=x --chown=1:1 . /src\n",
            "LABEL \"org.x\"='a b' legacy=1\n",
            "ENV PATH /usr/bin:${PATH:-/bin}\n",
            "HEALTHCHECK --interval=30s CMD [\"curl\", \"-f\"]\n",
            "HEALTHCHECK NONE\n",
            "SHELL [\"pwsh\", \"-c\"]\n",
            "RUN echo $1 $@ '$NOPE' ; a || b | c\n",
            "EXPOSE 8000-8010/udp $PORT 53\n",
            "WORKDIR ${HOME}/app\n",
            "VOLUME [\"/data\"] trailing\n",
            "frobnicate $X\n",
        );
        assert_eq!(
            show(text),
            [
                ("ARG", K::Keyword),
                ("BASE", K::Key),
                ("=", K::Operator),
                ("VERSION", K::Key),
                ("FROM", K::Keyword),
                ("$BASE", K::Variable),
                ("ONBUILD", K::Keyword),
                ("COPY", K::Keyword),
                ("--from", K::Flag),
                ("=", K::Operator),
                ("x", K::Image),
                ("--chown", K::Flag),
                ("=", K::Operator),
                ("1:1", K::FlagValue),
                ("LABEL", K::Keyword),
                ("\"org.x\"", K::String),
                ("=", K::Operator),
                ("'a b'", K::String),
                ("legacy", K::Key),
                ("=", K::Operator),
                ("ENV", K::Keyword),
                ("PATH", K::Key),
                ("${PATH:-/bin}", K::Variable),
                ("HEALTHCHECK", K::Keyword),
                ("--interval", K::Flag),
                ("=", K::Operator),
                ("30s", K::FlagValue),
                ("CMD", K::Keyword),
                ("[", K::Operator),
                ("\"curl\"", K::String),
                (",", K::Operator),
                ("\"-f\"", K::String),
                ("]", K::Operator),
                ("HEALTHCHECK", K::Keyword),
                ("NONE", K::Keyword),
                ("SHELL", K::Keyword),
                ("[", K::Operator),
                ("\"pwsh\"", K::String),
                (",", K::Operator),
                ("\"-c\"", K::String),
                ("]", K::Operator),
                ("RUN", K::Keyword),
                ("$1", K::Variable),
                ("$@", K::Variable),
                ("'$NOPE'", K::String),
                (";", K::Operator),
                ("||", K::Operator),
                ("|", K::Operator),
                ("EXPOSE", K::Keyword),
                ("8000-8010", K::Number),
                ("/", K::Operator),
                ("$PORT", K::Variable),
                ("53", K::Number),
                ("WORKDIR", K::Keyword),
                ("${HOME}", K::Variable),
                ("VOLUME", K::Keyword),
                ("[", K::Operator),
                ("\"/data\"", K::String),
                ("]", K::Operator),
                ("frobnicate", K::Keyword),
                ("$X", K::Variable),
            ]
        );
    }

    #[test]
    fn highlight_css_classes_and_segments() {
        let mut classes: Vec<&str> = TokenKind::ALL.iter().map(|k| k.css_class()).collect();
        assert!(classes.iter().all(|c| c.starts_with("tok-")));
        classes.sort_unstable();
        classes.dedup();
        assert_eq!(classes.len(), TokenKind::ALL.len());
        assert_eq!(TokenKind::StageName.css_class(), "tok-stage-name");
        assert_eq!(TokenKind::HeredocMarker.name(), "heredoc-marker");

        let text = "FROM é AS b\n";
        let tokens = tokens(text);
        let segments = highlight_html_free(text, &tokens);
        let pieces: Vec<(&str, Option<TokenKind>)> = segments
            .iter()
            .map(|(r, k)| (&text[r.start..r.end], *k))
            .collect();
        assert_eq!(
            pieces,
            [
                ("FROM", Some(K::Keyword)),
                (" ", None),
                ("é", Some(K::Image)),
                (" ", None),
                ("AS", Some(K::Keyword)),
                (" ", None),
                ("b", Some(K::StageName)),
                ("\n", None),
            ]
        );
        // Foreign tokens that do not fit are skipped; the segments still tile the text.
        let bad = [
            // Off a char boundary (inside `é`), then a good one, then one before it,
            // then one past the end.
            Token {
                range: TextRange::new(6, 7),
                kind: K::Image,
            },
            Token {
                range: TextRange::new(8, 10),
                kind: K::Keyword,
            },
            Token {
                range: TextRange::new(2, 3),
                kind: K::Plain,
            },
            Token {
                range: TextRange::new(10, 99),
                kind: K::Plain,
            },
        ];
        let segments = highlight_html_free(text, &bad);
        assert_eq!(
            segments,
            [
                (TextRange::new(0, 8), None),
                (TextRange::new(8, 10), Some(K::Keyword)),
                (TextRange::new(10, text.len()), None),
            ]
        );
        assert!(highlight_html_free("", &[]).is_empty());
    }

    #[test]
    fn highlight_is_fast_on_a_long_file() {
        let block = concat!(
            "# stage\n",
            "FROM golang:1.22 AS build\n",
            "ARG VERSION=1.0\n",
            "ENV A=\"b c\" D=$A PATH=/go/bin:${PATH}\n",
            "RUN --mount=type=cache,target=/root/.cache \\\n",
            "    go build -o /app ./... && echo \"done $VERSION\" | tee log\n",
            "COPY --from=build /app /app\n",
            "RUN <<EOF\n",
            "set -eux\n",
            "EOF\n",
            "EXPOSE 80/tcp 443\n",
            "CMD [\"/app\", \"--serve\"]\n",
        );
        let mut text = String::new();
        while text.lines().count() < 5_000 {
            text.push_str(block);
        }
        let (elapsed, tokens) = timed(&text);
        println!(
            "highlight: {} lines, {} bytes, {} tokens in {elapsed:?} (best of 3)",
            text.lines().count(),
            text.len(),
            tokens.len()
        );
        check_invariants(&text, &tokens);
        assert!(elapsed.as_millis() < 200, "too slow: {elapsed:?}");
        // One pathological line too: thousands of unterminated `${` and quotes.
        let text = format!("FROM x\nRUN {}\n", "${${\"$".repeat(10_000));
        let (elapsed, tokens) = timed(&text);
        println!("highlight: a {}-byte line in {elapsed:?}", text.len());
        check_invariants(&text, &tokens);
        assert!(elapsed.as_millis() < 200, "too slow: {elapsed:?}");
    }

    /// The best of three runs (the machine may be busy), and the tokens.
    fn timed(text: &str) -> (std::time::Duration, Vec<Token>) {
        let parsed = parse(text);
        let mut best = std::time::Duration::MAX;
        let mut tokens = Vec::new();
        for _ in 0..3 {
            let started = std::time::Instant::now();
            tokens = highlight(text, &parsed);
            best = best.min(started.elapsed());
        }
        (best, tokens)
    }

    fn corpus_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("expected") {
                    corpus_files(&path, out);
                }
            } else if path.file_name().is_some_and(|n| n != "result")
                && path.extension().is_none_or(|e| e != "json" && e != "md")
                && path.file_name().is_some_and(|n| n != ".gitattributes")
            {
                out.push(path);
            }
        }
    }

    #[test]
    fn highlight_never_panics_on_the_corpus() {
        let corpus =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        if !corpus.is_dir() {
            eprintln!("SKIPPED: no corpus at {}", corpus.display());
            return;
        }
        let mut files = Vec::new();
        corpus_files(&corpus, &mut files);
        files.sort();
        let mut checked = 0;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let tokens = highlight(&text, &parse(&text));
            check_invariants(&text, &tokens);
            // Every instruction keyword is highlighted.
            for instruction in &parse(&text).dockerfile.instructions {
                let start = instruction.keyword_word.range.start;
                assert!(
                    tokens
                        .iter()
                        .any(|t| t.range.start == start && t.kind == K::Keyword),
                    "{}: keyword at {start} not highlighted",
                    path.display()
                );
            }
            checked += 1;
        }
        println!("highlighted {checked} corpus files");
        assert!(checked >= 600, "only {checked} corpus files found");
    }

    /// xorshift64*: deterministic, no rand crate.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn highlight_survives_token_soup() {
        const PIECES: &[&str] = &[
            "FROM ",
            "RUN ",
            "COPY ",
            "ENV ",
            "ARG ",
            "LABEL ",
            "EXPOSE ",
            "ONBUILD ",
            "HEALTHCHECK ",
            "CMD ",
            "SHELL ",
            "AS ",
            "as ",
            "build ",
            "x",
            "=",
            "\n",
            "\r\n",
            "\\",
            "\\\n",
            "`",
            "`\n",
            "# escape=`\n",
            "# syntax=a\n",
            "#",
            " ",
            "\t",
            "\"",
            "'",
            "$",
            "${",
            "}",
            "$A",
            "[",
            "]",
            ",",
            "\"a\"",
            "--from=",
            "--mount=",
            "from=",
            "type=cache,target=/x",
            "<<EOF",
            "<<-E",
            "\nEOF\n",
            "\n\tE\n",
            "3<<",
            "&&",
            "||",
            ";",
            "|",
            "é",
            "日本",
            "\u{feff}",
            "\u{a0}",
            "\u{2028}",
            "0",
            "80/tcp",
            "-",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3_000 {
            let mut text = String::new();
            for _ in 0..rng.below(60) {
                text.push_str(PIECES[rng.below(PIECES.len())]);
            }
            let tokens = highlight(&text, &parse(&text));
            check_invariants(&text, &tokens);
        }
        // A parse of another text must not panic either (ranges may not fit).
        for _ in 0..500 {
            let mut a = String::new();
            let mut b = String::new();
            for _ in 0..rng.below(40) {
                a.push_str(PIECES[rng.below(PIECES.len())]);
                b.push_str(PIECES[rng.below(PIECES.len())]);
            }
            let tokens = highlight(&b, &parse(&a));
            check_invariants(&b, &tokens);
        }
    }
}
