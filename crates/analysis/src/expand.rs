//! BuildKit word expansion (`$V`, `${V:-x}`, `${V#pat}`, …), bounded against hostile input.
//!
//! This is a port of BuildKit's shell lexer (`frontend/dockerfile/shell/lex.go`:
//! `ProcessWord`, `ProcessWords`, `ProcessWordWithMatches`). It keeps BuildKit's quirks
//! where a Dockerfile could observe them, because the playground must show what BuildKit
//! would build, not what a POSIX shell would do. It differs on purpose where BuildKit has
//! no limits: output size, total work and nesting depth are capped so that a hostile word
//! yields an [`ExpandError`] instead of exhausting memory, time or the stack.
//!
//! Known deliberate differences from BuildKit, kept small and listed here so callers know:
//! - limits: [`MAX_OUTPUT`], [`MAX_DEPTH`] and [`MAX_WORK`];
//! - `${V` at the end of the word says "syntax error: missing '}'" where BuildKit prints
//!   `unsupported modifier (\u{FFFD}) in substitution`;
//! - the pattern in "invalid pattern (…)" errors of `${V%pat}` is shown as written, where
//!   BuildKit shows it reversed;
//! - word splitting keeps text that precedes a `${V<modifier>…}` in the same word (some
//!   BuildKit versions share one word buffer between nesting levels and drop it);
//! - names and digits beyond ASCII use Rust's Alphabetic/Numeric properties, which differ
//!   from Go's `unicode.IsLetter`/`IsDigit` only on rare characters (combining marks,
//!   superscript digits, fractions);
//! - variable names are case-sensitive, as BuildKit has them on Linux (not on Windows).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// Longest text any expansion step may produce, in bytes.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Deepest nesting of `${…}` inside the words of other `${…}`.
pub const MAX_DEPTH: usize = 64;
/// Total work allowed for one word: bytes produced at every nesting level plus pattern
/// matching steps. Output size alone does not bound time, since defaults that are
/// computed and then discarded, and pattern matching, cost without producing output.
pub const MAX_WORK: u64 = 1 << 24;

/// Where a variable is looked up. BTreeMap-backed; a variable may be set to "".
pub trait Env {
    fn get(&self, name: &str) -> Option<&str>;
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

impl Env for BTreeMap<&str, &str> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).copied()
    }
}

/// An environment with no variable set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmptyEnv;

impl Env for EmptyEnv {
    fn get(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// BuildKit's `shell.Lex` with its public switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexer {
    /// The Dockerfile's escape character: `\` or `` ` ``.
    pub escape: char,
    /// Keep quote characters in the output (BuildKit's `RawQuotes`).
    pub raw_quotes: bool,
    /// Keep escape characters in the output (BuildKit's `RawEscapes`).
    pub raw_escapes: bool,
    /// Leave references to unset variables as written (BuildKit's `SkipUnsetEnv`).
    pub skip_unset: bool,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer::new('\\')
    }
}

/// One variable reference found while expanding, with its byte range inside the input word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VarUse {
    pub name: String,
    pub start: usize,
    pub end: usize,
    /// Whether the environment had the variable (possibly set to "").
    pub defined: bool,
    /// `${V:-x}`, `${V-x}`, `${V:+x}`, `${V+x}`, `${V:?x}` and `${V?x}`: the word itself
    /// says what happens when the variable is unset.
    pub has_default: bool,
}

/// The expanded word and the variables it referenced, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expansion {
    pub text: String,
    pub uses: Vec<VarUse>,
}

/// Why a word cannot be expanded, with the byte range of the offending part of the word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpandError {
    /// BuildKit's wording, without its `failed to process "<word>": ` prefix.
    pub message: String,
    pub start: usize,
    pub end: usize,
}

impl ExpandError {
    /// The message as BuildKit prints it for `word`.
    pub fn buildkit_message(&self, word: &str) -> String {
        format!("failed to process {}: {}", go_quote(word), self.message)
    }
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExpandError {}

impl Lexer {
    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset: false,
        }
    }

    /// BuildKit's `ProcessWord`: quotes removed, variables expanded, one string.
    pub fn expand_word(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        let (text, _, uses) = self.run(word, env, false, false)?;
        Ok(Expansion { text, uses })
    }

    /// BuildKit's `ProcessWords`: the expansion split into words. Unquoted whitespace
    /// splits, and so does whitespace inside the value of an unquoted variable; quoted
    /// text never splits; empty words are dropped.
    pub fn expand_words(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<(Vec<String>, Vec<VarUse>), ExpandError> {
        let (_, words, uses) = self.run(word, env, true, false)?;
        Ok((words, uses))
    }

    /// `ProcessWord` with BuildKit's `SkipProcessQuotes`: quotes are ordinary characters.
    /// BuildKit expands heredoc bodies this way.
    pub fn expand_raw(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        let (text, _, uses) = self.run(word, env, false, true)?;
        Ok(Expansion { text, uses })
    }

    fn run(
        &self,
        word: &str,
        env: &dyn Env,
        want_words: bool,
        skip_quotes: bool,
    ) -> Result<(String, Vec<String>, Vec<VarUse>), ExpandError> {
        let mut state = State {
            lexer: self,
            env,
            src: word,
            // Go's text/scanner, which BuildKit reads words with, skips a leading BOM.
            pos: if word.starts_with('\u{feff}') { 3 } else { 0 },
            raw_escapes: self.raw_escapes,
            skip_quotes,
            depth: 0,
            budget: Budget { work: 0 },
            uses: Vec::new(),
        };
        let mut words = want_words.then(Words::default);
        match state.process_stop_on(None, self.raw_escapes, words.as_mut()) {
            Ok(text) => {
                let mut uses = state.uses;
                // Inner references are looked up before the one containing them.
                stagecraft_syntax::order::sort_by_key(&mut uses, |u| {
                    (u.start, std::cmp::Reverse(u.end))
                });
                let words = words.map(Words::finish).unwrap_or_default();
                Ok((text, words, uses))
            }
            Err(fail) => {
                let (start, end) = fail.span.unwrap_or((0, word.len()));
                Err(ExpandError {
                    message: fail.message,
                    start: start.min(word.len()),
                    end: end.clamp(start.min(word.len()), word.len()),
                })
            }
        }
    }
}

/// An internal error. Syntax errors inside `${…}` that end at the end of the word are
/// reworded as a missing `}` (as BuildKit does); limit errors never are.
struct Fail {
    message: String,
    span: Option<(usize, usize)>,
    limit: bool,
}

impl Fail {
    fn syntax(message: impl Into<String>, start: usize, end: usize) -> Self {
        Fail {
            message: message.into(),
            span: Some((start, end)),
            limit: false,
        }
    }

    fn limit(message: &str) -> Self {
        Fail {
            message: message.to_string(),
            span: None,
            limit: true,
        }
    }

    /// A syntax error whose span the enclosing `${…}` fills in.
    fn unplaced(message: String) -> Self {
        Fail {
            message,
            span: None,
            limit: false,
        }
    }

    fn or_span(mut self, start: usize, end: usize) -> Self {
        if self.span.is_none() {
            self.span = Some((start, end));
        }
        self
    }
}

const TOO_LARGE: &str = "expansion too large";
const TOO_COSTLY: &str = "pattern matching too costly";
const TOO_DEEP: &str = "expansion nested too deeply";

struct Budget {
    work: u64,
}

impl Budget {
    fn charge(&mut self, units: usize, message: &str) -> Result<(), Fail> {
        self.work = self
            .work
            .saturating_add(u64::try_from(units).unwrap_or(u64::MAX));
        if self.work > MAX_WORK {
            return Err(Fail::limit(message));
        }
        Ok(())
    }

    fn push_str(&mut self, buf: &mut String, s: &str) -> Result<(), Fail> {
        if buf.len().saturating_add(s.len()) > MAX_OUTPUT {
            return Err(Fail::limit(TOO_LARGE));
        }
        self.charge(s.len(), TOO_LARGE)?;
        buf.push_str(s);
        Ok(())
    }

    fn push(&mut self, buf: &mut String, c: char) -> Result<(), Fail> {
        let mut tmp = [0u8; 4];
        self.push_str(buf, c.encode_utf8(&mut tmp))
    }
}

/// BuildKit's `wordsStruct`: whitespace ends a non-empty word; raw text never splits.
#[derive(Default)]
struct Words {
    done: Vec<String>,
    current: String,
}

impl Words {
    fn add_char(&mut self, c: char) {
        if c.is_whitespace() {
            if !self.current.is_empty() {
                self.done.push(std::mem::take(&mut self.current));
            }
        } else {
            self.current.push(c);
        }
    }

    fn add_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.add_char(c));
    }

    fn add_raw_char(&mut self, c: char) {
        self.current.push(c);
    }

    fn add_raw_str(&mut self, s: &str) {
        self.current.push_str(s);
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.done.push(self.current);
        }
        self.done
    }
}

struct State<'a> {
    lexer: &'a Lexer,
    env: &'a dyn Env,
    src: &'a str,
    pos: usize,
    /// BuildKit toggles raw escapes while reading patterns, whatever the lexer says.
    raw_escapes: bool,
    skip_quotes: bool,
    depth: usize,
    budget: Budget,
    uses: Vec<VarUse>,
}

impl<'a> State<'a> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// BuildKit's `processStopOn`. `stop` of `None` means the end of the word.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
        mut words: Option<&mut Words>,
    ) -> Result<String, Fail> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let result = self.process_stop_on_inner(stop, &mut words);
        self.raw_escapes = saved;
        result
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
        words: &mut Option<&mut Words>,
    ) -> Result<String, Fail> {
        let mut result = String::new();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok(result);
            }
            let quote = !self.skip_quotes && (ch == '\'' || ch == '"');
            if ch == '$' || quote {
                let piece = match ch {
                    '$' => self.process_dollar()?,
                    '\'' => self.process_single_quote()?,
                    _ => self.process_double_quote()?,
                };
                self.budget.push_str(&mut result, &piece)?;
                if let Some(w) = words.as_deref_mut() {
                    // A variable's value splits on whitespace; quoted text does not.
                    if ch == '$' {
                        w.add_str(&piece);
                    } else {
                        w.add_raw_str(&piece);
                    }
                }
                continue;
            }
            self.next();
            if ch == self.lexer.escape {
                if self.raw_escapes {
                    if let Some(w) = words.as_deref_mut() {
                        w.add_raw_char(ch);
                    }
                    self.budget.push(&mut result, ch)?;
                }
                // An escape at the very end escapes nothing and is dropped.
                let Some(escaped) = self.next() else { break };
                if let Some(w) = words.as_deref_mut() {
                    w.add_raw_char(escaped);
                }
                self.budget.push(&mut result, escaped)?;
            } else {
                if let Some(w) = words.as_deref_mut() {
                    w.add_char(ch);
                }
                self.budget.push(&mut result, ch)?;
            }
        }
        if let Some(stop) = stop {
            return Err(Fail::syntax(
                format!("unexpected end of statement while looking for matching {stop}"),
                self.pos,
                self.src.len(),
            ));
        }
        Ok(result)
    }

    /// Single quotes keep everything literally; there is no way to escape a `'` inside.
    fn process_single_quote(&mut self) -> Result<String, Fail> {
        let start = self.pos;
        let mut result = String::new();
        self.next();
        if self.lexer.raw_quotes {
            self.budget.push(&mut result, '\'')?;
        }
        loop {
            match self.next() {
                None => {
                    return Err(Fail::syntax(
                        "unexpected end of statement while looking for matching single-quote",
                        start,
                        self.src.len(),
                    ))
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        self.budget.push(&mut result, '\'')?;
                    }
                    return Ok(result);
                }
                Some(c) => self.budget.push(&mut result, c)?,
            }
        }
    }

    /// Double quotes expand variables; the escape character escapes only `"`, `$` and
    /// itself and is otherwise kept.
    fn process_double_quote(&mut self) -> Result<String, Fail> {
        let start = self.pos;
        let mut result = String::new();
        self.next();
        if self.lexer.raw_quotes {
            self.budget.push(&mut result, '"')?;
        }
        loop {
            match self.peek() {
                None => {
                    return Err(Fail::syntax(
                        "unexpected end of statement while looking for matching double-quote",
                        start,
                        self.src.len(),
                    ))
                }
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        self.budget.push(&mut result, '"')?;
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    self.budget.push_str(&mut result, &value)?;
                }
                Some(mut ch) => {
                    self.next();
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            self.budget.push(&mut result, ch)?;
                        }
                        match self.peek() {
                            // Falls through to the unterminated-quote error.
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lexer.escape => {
                                self.next();
                                ch = c;
                            }
                            // BuildKit writes the escape again here, so with raw escapes
                            // an escape before an ordinary character comes out doubled.
                            Some(_) => {}
                        }
                    }
                    self.budget.push(&mut result, ch)?;
                }
            }
        }
    }

    /// Reads the word of a `${…}` modifier up to `stop`, one nesting level down.
    fn nested(
        &mut self,
        dollar: usize,
        stop: char,
        raw_escapes: bool,
        at_end_message: &str,
    ) -> Result<String, Fail> {
        if self.depth >= MAX_DEPTH {
            return Err(Fail::limit(TOO_DEEP).or_span(dollar, self.pos));
        }
        self.depth += 1;
        let result = self.process_stop_on(Some(stop), raw_escapes, None);
        self.depth -= 1;
        result.map_err(|fail| {
            // BuildKit reports any failure that left the scanner at the end of the word
            // as the missing terminator, whatever the inner cause.
            if !fail.limit && self.at_end() {
                Fail::syntax(at_end_message, dollar, self.src.len())
            } else {
                fail
            }
        })
    }

    fn lookup(&mut self, name: &str, start: usize, has_default: bool) -> Option<&'a str> {
        let value = self.env.get(name);
        if !name.is_empty() {
            self.uses.push(VarUse {
                name: name.to_string(),
                start,
                end: self.pos,
                defined: value.is_some(),
                has_default,
            });
        }
        value
    }

    /// BuildKit's `processDollar`, with the scanner on the `$`.
    fn process_dollar(&mut self) -> Result<String, Fail> {
        let start = self.pos;
        self.process_dollar_inner(start)
            .map_err(|fail| fail.or_span(start, self.pos))
    }

    fn process_dollar_inner(&mut self, start: usize) -> Result<String, Fail> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            let value = self.lookup(&name, start, false);
            return match value {
                Some(v) => owned(v),
                None if self.lexer.skip_unset => Ok(format!("${name}")),
                None => Ok(String::new()),
            };
        }
        self.next();
        match self.peek() {
            None => {
                return Err(Fail::syntax(
                    "syntax error: missing '}'",
                    start,
                    self.src.len(),
                ))
            }
            Some(c @ ('{' | '}' | ':')) => {
                return Err(Fail::syntax(
                    "syntax error: bad substitution",
                    start,
                    self.pos + c.len_utf8(),
                ))
            }
            Some(_) => {}
        }
        let name = self.process_name();
        let Some(ch) = self.next() else {
            return Err(Fail::syntax(
                "syntax error: missing '}'",
                start,
                self.src.len(),
            ));
        };
        match ch {
            '}' => {
                let value = self.lookup(&name, start, false);
                match value {
                    Some(v) => owned(v),
                    None if self.lexer.skip_unset => Ok(format!("${{{name}}}")),
                    None => Ok(String::new()),
                }
            }
            ':' | '+' | '-' | '?' | '#' | '%' => self.modifier(start, name, ch),
            '/' => self.substitute(start, name),
            other => Err(Fail::syntax(
                format!("unsupported modifier ({other}) in substitution"),
                start,
                self.pos,
            )),
        }
    }

    /// `${name:…}`, `${name+…}`, `${name-…}`, `${name?…}`, `${name#…}`, `${name%…}`.
    fn modifier(&mut self, start: usize, name: String, first: char) -> Result<String, Fail> {
        let mut chs = String::from(first);
        let null_is_unset = first == ':';
        let op = if null_is_unset {
            // BuildKit reads a word for any character after the colon and only then
            // rejects an unknown modifier, so `${V:x}` is reported after its word.
            let Some(c) = self.next() else {
                return Err(Fail::syntax(
                    "syntax error: missing '}'",
                    start,
                    self.src.len(),
                ));
            };
            chs.push(c);
            c
        } else {
            first
        };
        let pattern_op = op == '#' || op == '%';
        if null_is_unset && pattern_op {
            return Err(Fail::syntax(
                format!("unsupported modifier ({chs}) in substitution"),
                start,
                self.pos,
            ));
        }
        let word = self.nested(start, '}', pattern_op, "syntax error: missing '}'")?;
        let has_default = matches!(op, '-' | '+' | '?');
        let value = self.lookup(&name, start, has_default);
        if value.is_none() && self.lexer.skip_unset {
            return Ok(format!("${{{name}{chs}{word}}}"));
        }
        let unset_or_null = value.is_none() || (null_is_unset && value == Some(""));
        match op {
            '-' if unset_or_null => Ok(word),
            '-' => owned(value.unwrap_or_default()),
            '+' => Ok(if unset_or_null { String::new() } else { word }),
            '?' => match value {
                None => Err(self.required(&name, &word, "is not allowed to be unset", start)),
                Some("") if null_is_unset => {
                    Err(self.required(&name, &word, "is not allowed to be empty", start))
                }
                Some(v) => owned(v),
            },
            '#' | '%' => {
                // A doubled operator (`##`, `%%`) arrives as the word's first character.
                let (greedy, pattern) = match word.strip_prefix(op) {
                    Some(rest) => (true, rest),
                    None => (false, word.as_str()),
                };
                let value = value.unwrap_or_default();
                let trimmed = if op == '%' {
                    self.trim_suffix(pattern, value, greedy)
                } else {
                    self.trim_prefix(pattern, value, greedy)
                };
                trimmed.map_err(|fail| fail.or_span(start, self.pos))
            }
            _ => Err(Fail::syntax(
                format!("unsupported modifier ({chs}) in substitution"),
                start,
                self.pos,
            )),
        }
    }

    fn required(&self, name: &str, word: &str, default: &str, start: usize) -> Fail {
        let message = if word.is_empty() { default } else { word };
        Fail::syntax(format!("{name}: {message}"), start, self.pos)
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`.
    fn substitute(&mut self, start: usize, name: String) -> Result<String, Fail> {
        let replace_all = self.peek() == Some('/');
        if replace_all {
            self.next();
        }
        let pattern = self.nested(start, '/', true, "syntax error: missing '/' in ${}")?;
        let replacement = self.nested(start, '}', true, "syntax error: missing '}'")?;
        let value = self.lookup(&name, start, false);
        if value.is_none() && self.lexer.skip_unset {
            // BuildKit rebuilds `${V//p/r}` with a single slash; kept for fidelity.
            return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
        }
        let value = value.unwrap_or_default();
        let result = self
            .compile(&pattern, &pattern, true)
            .and_then(|mut matcher| {
                if replace_all {
                    self.replace_all(&mut matcher, value, &replacement)
                } else {
                    self.replace_first(&mut matcher, value, &replacement)
                }
            });
        result.map_err(|fail| fail.or_span(start, self.pos))
    }

    /// BuildKit's `processName`: a run of digits, one special parameter, or a name of
    /// letters, digits and `_` that does not start with a digit.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        match self.peek() {
            Some(c) if is_digit(c) => {
                while let Some(c) = self.peek().filter(|&c| is_digit(c)) {
                    self.next();
                    name.push(c);
                }
            }
            Some(c) if is_special_param(c) => {
                self.next();
                name.push(c);
            }
            _ => {
                while let Some(c) = self.peek().filter(|&c| is_name_char(c)) {
                    self.next();
                    name.push(c);
                }
            }
        }
        name
    }

    fn trim_prefix(&mut self, pattern: &str, value: &str, greedy: bool) -> Result<String, Fail> {
        let matcher = self.compile(pattern, pattern, greedy)?;
        self.trim_with(matcher, value)
    }

    /// Compiles `pattern`, naming `written` in errors. The program and its scratch space
    /// are charged to the budget first, since a pattern may be a large variable's value.
    fn compile(&mut self, pattern: &str, written: &str, greedy: bool) -> Result<Matcher, Fail> {
        let instructions: usize = pattern.chars().map(|c| if c == '*' { 3 } else { 1 }).sum();
        let bytes = std::mem::size_of::<Inst>() + std::mem::size_of::<usize>();
        self.budget
            .charge((instructions + 1).saturating_mul(bytes), TOO_COSTLY)?;
        let program = compile_pattern(pattern, greedy).map_err(|e| invalid_pattern(written, &e))?;
        Ok(Matcher::new(program))
    }

    fn trim_with(&mut self, mut matcher: Matcher, value: &str) -> Result<String, Fail> {
        let found = matcher.find(value, 0, true, &mut self.budget)?;
        let rest = match found {
            Some((_, end)) => value.get(end..).unwrap_or_default(),
            None => value,
        };
        let mut out = String::new();
        self.budget.push_str(&mut out, rest)?;
        Ok(out)
    }

    /// The regex engine BuildKit uses cannot find the shortest rightmost match, so
    /// BuildKit reverses pattern and value and trims a prefix. Doing the same reversal
    /// here, rather than a rightmost search, reproduces its results in every corner.
    fn trim_suffix(&mut self, pattern: &str, value: &str, greedy: bool) -> Result<String, Fail> {
        let reversed = reverse_pattern(pattern);
        // The error names the pattern as written, not the reversed one BuildKit shows.
        let matcher = self.compile(&reversed, pattern, greedy)?;
        self.budget.charge(value.len(), TOO_LARGE)?;
        let reversed_value: String = value.chars().rev().collect();
        let trimmed = self.trim_with(matcher, &reversed_value)?;
        Ok(trimmed.chars().rev().collect())
    }

    fn replace_first(
        &mut self,
        matcher: &mut Matcher,
        value: &str,
        replacement: &str,
    ) -> Result<String, Fail> {
        let mut out = String::new();
        match matcher.find(value, 0, false, &mut self.budget)? {
            Some((a, b)) => {
                self.budget
                    .push_str(&mut out, value.get(..a).unwrap_or_default())?;
                self.budget.push_str(&mut out, replacement)?;
                self.budget
                    .push_str(&mut out, value.get(b..).unwrap_or_default())?;
            }
            None => self.budget.push_str(&mut out, value)?,
        }
        Ok(out)
    }

    /// Go's `Regexp.ReplaceAllString`, including its `$0`/`${0}` template expansion,
    /// because BuildKit passes the replacement as a template.
    fn replace_all(
        &mut self,
        matcher: &mut Matcher,
        value: &str,
        replacement: &str,
    ) -> Result<String, Fail> {
        let mut out = String::new();
        let mut last_end = 0;
        let mut search = 0;
        while search <= value.len() {
            let Some((a, b)) = matcher.find(value, search, false, &mut self.budget)? else {
                break;
            };
            self.budget
                .push_str(&mut out, value.get(last_end..a).unwrap_or_default())?;
            // An empty match right after a match is not replaced again.
            if b > last_end || a == 0 {
                let matched = value.get(a..b).unwrap_or_default();
                expand_template(&mut out, replacement, matched, &mut self.budget)?;
            }
            last_end = b;
            let width = value
                .get(search..)
                .and_then(|s| s.chars().next())
                .map_or(0, char::len_utf8);
            search = if search + width > b {
                search + width
            } else if search + 1 > b {
                search + 1
            } else {
                b
            };
        }
        self.budget
            .push_str(&mut out, value.get(last_end..).unwrap_or_default())?;
        Ok(out)
    }
}

/// A variable's value as expansion output; checked before copying because values come
/// from the caller and may be of any size.
fn owned(value: &str) -> Result<String, Fail> {
    if value.len() > MAX_OUTPUT {
        return Err(Fail::limit(TOO_LARGE));
    }
    Ok(value.to_string())
}

fn invalid_pattern(pattern: &str, error: &str) -> Fail {
    Fail::unplaced(format!(
        "invalid pattern ({pattern}) in substitution: {error}"
    ))
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

/// POSIX special parameters, which BuildKit looks up like any variable.
fn is_special_param(c: char) -> bool {
    matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// One instruction of the matcher for BuildKit's patterns, which are regular expressions
/// built only from literals, `.` and `.*` (greedy or lazy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inst {
    Char(char),
    /// Any character but `\n`: BuildKit's regexes have `.` without the `s` flag.
    Any,
    /// Try the first target, then the second.
    Split(usize, usize),
    Jmp(usize),
    Match,
}

/// BuildKit's `convertShellPatternToRegex`, compiled straight to matcher instructions.
/// `*` is any string (longest first when `greedy`), `?` one character, `\*` `\?` `\\`
/// literal; `\}` and `\/` are the `}` and `/` that `${…}` needed escaped. Brackets are
/// literal: BuildKit does not support bracket expressions.
fn compile_pattern(pattern: &str, greedy: bool) -> Result<Vec<Inst>, String> {
    let mut program = Vec::new();
    // Patterns are read with a fresh text/scanner too, which skips a leading BOM.
    let mut chars = pattern
        .strip_prefix('\u{feff}')
        .unwrap_or(pattern)
        .chars()
        .peekable();
    while let Some(tok) = chars.next() {
        match tok {
            '*' => {
                let split = program.len();
                let (body, after) = (split + 1, split + 3);
                program.push(if greedy {
                    Inst::Split(body, after)
                } else {
                    Inst::Split(after, body)
                });
                program.push(Inst::Any);
                program.push(Inst::Jmp(split));
            }
            '?' => program.push(Inst::Any),
            '\\' => {
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                match chars.next() {
                    Some(c @ ('*' | '?' | '\\')) => program.push(Inst::Char(c)),
                    Some(c) => return Err(format!("invalid escape '\\{c}'")),
                    None => return Err("invalid escape '\\' at end of pattern".to_string()),
                }
            }
            c => program.push(Inst::Char(c)),
        }
    }
    program.push(Inst::Match);
    Ok(program)
}

/// Reverses a pattern but keeps each `\x` pair in order, so `a\*c` becomes `c\*a`.
fn reverse_pattern(pattern: &str) -> String {
    // Escape pairs can only be told apart left to right, so find the units first.
    let mut starts = Vec::new();
    let mut chars = pattern.char_indices();
    while let Some((i, c)) = chars.next() {
        starts.push(i);
        if c == '\\' {
            chars.next();
        }
    }
    let mut out = String::with_capacity(pattern.len());
    let mut end = pattern.len();
    for &start in starts.iter().rev() {
        out.push_str(pattern.get(start..end).unwrap_or_default());
        end = start;
    }
    out
}

/// Leftmost-first matching of a compiled pattern, as Go's regexp does it, by a Pike VM:
/// threads kept in priority order, each instruction entered at most once per position, so
/// one search costs at most (text length × program length), all of it charged to the
/// budget. The scratch space is reused across the searches of one replacement.
struct Matcher {
    program: Vec<Inst>,
    marks: Vec<usize>,
    generation: usize,
    current: Vec<(usize, usize)>,
    next: Vec<(usize, usize)>,
    stack: Vec<usize>,
}

impl Matcher {
    fn new(program: Vec<Inst>) -> Self {
        Matcher {
            marks: vec![0; program.len()],
            program,
            generation: 0,
            current: Vec::new(),
            next: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// The first match starting at or after byte `start` (exactly at `start` when
    /// `anchored`), as a byte range.
    fn find(
        &mut self,
        text: &str,
        start: usize,
        anchored: bool,
        budget: &mut Budget,
    ) -> Result<Option<(usize, usize)>, Fail> {
        if start > text.len() || !text.is_char_boundary(start) {
            return Ok(None);
        }
        self.current.clear();
        self.next.clear();
        self.generation += 1;
        let mut matched = None;
        let mut pos = start;
        loop {
            if matched.is_none() && (!anchored || pos == start) {
                // The implicit unanchored prefix: a new thread at the lowest priority.
                let visited = self.add_thread(true, 0, pos);
                budget.charge(visited, TOO_COSTLY)?;
            }
            if self.current.is_empty() {
                break;
            }
            budget.charge(self.current.len() + 1, TOO_COSTLY)?;
            let c = text.get(pos..).and_then(|s| s.chars().next());
            self.generation += 1;
            let mut visited = 0;
            let threads = std::mem::take(&mut self.current);
            for &(pc, thread_start) in &threads {
                let advance = match self.program.get(pc) {
                    Some(Inst::Match) => {
                        matched = Some((thread_start, pos));
                        // Lower-priority threads cannot win any more.
                        break;
                    }
                    Some(Inst::Char(x)) => c == Some(*x),
                    Some(Inst::Any) => matches!(c, Some(ch) if ch != '\n'),
                    _ => false,
                };
                if advance {
                    visited += self.add_thread(false, pc + 1, thread_start);
                }
            }
            budget.charge(visited, TOO_COSTLY)?;
            self.current = threads;
            self.current.clear();
            std::mem::swap(&mut self.current, &mut self.next);
            match c {
                Some(ch) => pos += ch.len_utf8(),
                None => break,
            }
        }
        Ok(matched)
    }

    /// Follows jumps and splits from `pc` in priority order, without recursion, and adds
    /// the consuming and matching instructions reached to the current or next list.
    /// Returns how many instructions it entered.
    fn add_thread(&mut self, to_current: bool, pc: usize, thread_start: usize) -> usize {
        let list = if to_current {
            &mut self.current
        } else {
            &mut self.next
        };
        let mut visited = 0;
        self.stack.clear();
        self.stack.push(pc);
        while let Some(pc) = self.stack.pop() {
            let Some(mark) = self.marks.get_mut(pc) else {
                continue;
            };
            if *mark == self.generation {
                continue;
            }
            *mark = self.generation;
            visited += 1;
            match self.program.get(pc) {
                Some(Inst::Jmp(target)) => self.stack.push(*target),
                Some(Inst::Split(first, second)) => {
                    self.stack.push(*second);
                    self.stack.push(*first);
                }
                Some(_) => list.push((pc, thread_start)),
                None => {}
            }
        }
        visited
    }
}

/// Go's `Regexp.Expand` for a regex without groups: `$$` is `$`, `$0` and `${0}` are the
/// match, any other well-formed `$name` is empty, and a malformed `$` stays literal.
fn expand_template(
    out: &mut String,
    template: &str,
    matched: &str,
    budget: &mut Budget,
) -> Result<(), Fail> {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        budget.push_str(out, &rest[..dollar])?;
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            budget.push(out, '$')?;
            rest = after;
            continue;
        }
        let (braced, body) = match rest.strip_prefix('{') {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let name_len: usize = body
            .chars()
            .take_while(|&c| c == '_' || c.is_alphabetic() || is_digit(c))
            .map(char::len_utf8)
            .sum();
        let name = &body[..name_len];
        let closed = !braced || body[name_len..].starts_with('}');
        if name.is_empty() || !closed {
            budget.push(out, '$')?;
            continue;
        }
        rest = &body[name_len + usize::from(braced)..];
        let is_zero = name == "0";
        if is_zero {
            budget.push_str(out, matched)?;
        }
    }
    budget.push_str(out, rest)
}

/// Go's `strconv.Quote`, close enough for error messages.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expand(lexer: &Lexer, word: &str, env: &dyn Env) -> Result<String, String> {
        lexer
            .expand_word(word, env)
            .map(|e| e.text)
            .map_err(|e| e.message)
    }

    fn ok(word: &str, env: &dyn Env) -> String {
        match Lexer::new('\\').expand_word(word, env) {
            Ok(e) => e.text,
            Err(e) => panic!("{word:?} failed: {e:?}"),
        }
    }

    fn err(word: &str, env: &dyn Env) -> ExpandError {
        match Lexer::new('\\').expand_word(word, env) {
            Ok(e) => panic!("{word:?} expanded to {:?}", e.text),
            Err(e) => e,
        }
    }

    fn words(word: &str, env: &dyn Env) -> Vec<String> {
        match Lexer::new('\\').expand_words(word, env) {
            Ok((w, _)) => w,
            Err(e) => panic!("{word:?} failed: {e:?}"),
        }
    }

    /// BuildKit's `envVarTest` table (the lines for all platforms and for Unix).
    #[test]
    fn expand_buildkit_env_var_table() {
        let env = env(&[
            ("PWD", "/home"),
            ("SHELL", "bash"),
            ("KOREAN", "한국어"),
            ("NULL", ""),
        ]);
        let cases: &[(&str, Option<&str>)] = &[
            (r"hello", Some("hello")),
            (r"he'll'o", Some("hello")),
            (r"he'llo", None),
            (r"he\'llo", Some("he'llo")),
            (r"he\\'llo", None),
            (r"abc\tdef", Some("abctdef")),
            (r#""abc\tdef""#, Some(r"abc\tdef")),
            (r#""abc\\tdef""#, Some(r"abc\tdef")),
            (r"'abc\tdef'", Some(r"abc\tdef")),
            (r"hello\", Some("hello")),
            (r"hello\\", Some(r"hello\")),
            (r#""hello"#, None),
            (r#""hello\""#, None),
            (r#""hel'lo""#, Some("hel'lo")),
            (r"'hello", None),
            (r"'hello\'", Some(r"hello\")),
            (r"'hello\there'", Some(r"hello\there")),
            (r"'hello\\there'", Some(r"hello\\there")),
            (r#""''""#, Some("''")),
            (r"$.", Some("$.")),
            (r"$1", Some("")),
            (r"he$1x", Some("hex")),
            (r"he$.x", Some("he$.x")),
            (r"he$pwd.", Some("he.")),
            (r"he$PWD", Some("he/home")),
            (r"he\$PWD", Some("he$PWD")),
            (r"he\\$PWD", Some(r"he\/home")),
            (r#""he\$PWD""#, Some("he$PWD")),
            (r#""he\\$PWD""#, Some(r"he\/home")),
            (r"\${}", Some("${}")),
            (r"\${}aaa", Some("${}aaa")),
            (r"he\${}", Some("he${}")),
            (r"he\${}xx", Some("he${}xx")),
            (r"${}", None),
            (r"${}aaa", None),
            (r"he${}", None),
            (r"he${}xx", None),
            (r"he${hi}", Some("he")),
            (r"he${hi}xx", Some("hexx")),
            (r"he${PWD}", Some("he/home")),
            (r"he${.}", None),
            (r"he${XXX:-000}xx", Some("he000xx")),
            (r"he${PWD:-000}xx", Some("he/homexx")),
            (r"he${XXX:-$PWD}xx", Some("he/homexx")),
            (r"he${XXX:-${PWD:-yyy}}xx", Some("he/homexx")),
            (r"he${XXX:-${YYY:-yyy}}xx", Some("heyyyxx")),
            (r"he${XXX:YYY}", None),
            (r"he${XXX:+${PWD}}xx", Some("hexx")),
            (r"he${PWD:+${XXX}}xx", Some("hexx")),
            (r"he${PWD:+${SHELL}}xx", Some("hebashxx")),
            (r"he${XXX:+000}xx", Some("hexx")),
            (r"he${PWD:+000}xx", Some("he000xx")),
            (r"'he${XX}'", Some("he${XX}")),
            (r#""he${PWD}""#, Some("he/home")),
            (r#""he'$PWD'""#, Some("he'/home'")),
            (r#""$PWD""#, Some("/home")),
            (r"'$PWD'", Some("$PWD")),
            (r"'\$PWD'", Some(r"\$PWD")),
            (r#"'"hello"'"#, Some(r#""hello""#)),
            (r"'he\$PWD'", Some(r"he\$PWD")),
            (r"he${PWD", None),
            (r"he${PWD:=000}xx", None),
            (r"he${PWD:+${PWD}:}xx", Some("he/home:xx")),
            (r"he${XXX:-\$PWD:}xx", Some("he$PWD:xx")),
            (r"he${XXX:-\${PWD}z}xx", Some("he${PWDz}xx")),
            (r"안녕하세요", Some("안녕하세요")),
            (r"안'녕'하세요", Some("안녕하세요")),
            (r"안'녕하세요", None),
            (r"안녕\'하세요", Some("안녕'하세요")),
            (r"안\\'녕하세요", None),
            (r"안녕\t하세요", Some("안녕t하세요")),
            (r#""안녕\t하세요""#, Some(r"안녕\t하세요")),
            (r"'안녕\t하세요", None),
            (r"안녕하세요\", Some("안녕하세요")),
            (r"안녕하세요\\", Some(r"안녕하세요\")),
            (r"안녕$1x", Some("안녕x")),
            (r"안녕$.x", Some("안녕$.x")),
            (r"안녕$pwd.", Some("안녕.")),
            (r"안녕${}xx", None),
            (r"안녕${.}", None),
            (r"안녕${XXX:-${YYY:-yyy}}xx", Some("안녕yyyxx")),
            (r#""안녕'$PWD'""#, Some("안녕'/home'")),
            (r"안녕${XXX:-\${PWD}z}xx", Some("안녕${PWDz}xx")),
            (r"$KOREAN", Some("한국어")),
            (r"안녕$KOREAN", Some("안녕한국어")),
            (r"${{aaa}", None),
            (r"${aaa}}", Some("}")),
            (r"${aaa", None),
            (r"${{aaa:-bbb}", None),
            (r"${aaa:-bbb}}", Some("bbb}")),
            (r"${aaa:-bbb", None),
            (r"${aaa:-bbb}", Some("bbb")),
            (r"${aaa:-${bbb:-ccc}}", Some("ccc")),
            (r"${aaa:-bbb ${foo}", None),
            (r"${aaa:-bbb {foo}", Some("bbb {foo")),
            (r"${:}", None),
            (r"${:-bbb}", None),
            (r"${:+bbb}", None),
        ];
        let lexer = Lexer::new('\\');
        for (word, expected) in cases {
            let got = expand(&lexer, word, &env);
            match expected {
                Some(text) => assert_eq!(got.as_deref(), Ok(*text), "{word:?}"),
                None => assert!(got.is_err(), "{word:?} gave {got:?}"),
            }
        }
    }

    /// BuildKit's `TestProcessWithMatches`: results and which names were found or not.
    #[test]
    fn expand_buildkit_matches_table() {
        type Case<'a> = (
            &'a str,
            &'a [(&'a str, &'a str)],
            Option<&'a str>,
            &'a [&'a str],
            &'a [&'a str],
        );
        let xy: &[(&str, &str)] = &[("FOO", "xxx"), ("BAR", "")];
        let cases: &[Case] = &[
            ("x", &[("DUMMY", "dummy")], Some("x"), &[], &[]),
            (
                "x ${UNUSED}",
                &[("DUMMY", "dummy")],
                Some("x "),
                &[],
                &["UNUSED"],
            ),
            ("x ${FOO}", &[("FOO", "y")], Some("x y"), &["FOO"], &[]),
            (
                "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
                xy,
                Some("xxx  ccc"),
                &["FOO", "BAR"],
                &["BAZ"],
            ),
            (
                "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
                xy,
                Some("xxx bbb ccc"),
                &["FOO", "BAR"],
                &["BAZ"],
            ),
            ("${FOO:-}", xy, Some("xxx"), &["FOO"], &[]),
            ("${FOO:-}", &[], Some(""), &[], &["FOO"]),
            (
                "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
                xy,
                Some("aaa bbb "),
                &["FOO", "BAR"],
                &["BAZ"],
            ),
            (
                "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
                xy,
                Some("aaa  "),
                &["FOO", "BAR"],
                &["BAZ"],
            ),
            ("${FOO?aaa}", xy, Some("xxx"), &["FOO"], &[]),
            ("${BAR?bbb}", xy, Some(""), &["BAR"], &[]),
            ("${BAZ?ccc}", xy, None, &[], &[]),
            ("${FOO:?aaa}", xy, Some("xxx"), &["FOO"], &[]),
            ("${BAR:?bbb}", xy, None, &[], &[]),
            ("${BAZ:?ccc}", xy, None, &[], &[]),
            ("${BAZ:?}", xy, None, &[], &[]),
            ("${FOO=aaa}", xy, None, &[], &[]),
            ("${FOO=:aaa}", xy, None, &[], &[]),
            ("${FOO=}", &[], None, &[], &[]),
            (
                r"${FOO#()[]{\}^$.\*\?|\\}",
                &[("FOO", r"()[]{}^$.*?|\x")],
                Some("x"),
                &["FOO"],
                &[],
            ),
            (
                r"${FOO%%\**}",
                &[("FOO", "xx**")],
                Some("xx"),
                &["FOO"],
                &[],
            ),
            ("${FOO#*x*y}", &[("FOO", "xxyy")], Some("y"), &["FOO"], &[]),
            ("${FOO#*}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
            (
                "${FOO#$BAR}",
                &[("FOO", "xxyy"), ("BAR", "x")],
                Some("xyy"),
                &["FOO", "BAR"],
                &[],
            ),
            (
                "${FOO#$BAR}",
                &[("FOO", "xxyy"), ("BAR", "")],
                Some("xxyy"),
                &["FOO", "BAR"],
                &[],
            ),
            ("${FOO#}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
            ("${FOO##*x}", &[("FOO", "xxyy")], Some("yy"), &["FOO"], &[]),
            ("${FOO##}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
            (r"${FOO#?\?}", &[("FOO", "???y")], Some("?y"), &["FOO"], &[]),
            (
                "${ABC:-.}${FOO%x}${ABC:-.}",
                &[("FOO", "xxyy")],
                Some(".xxyy."),
                &["FOO"],
                &["ABC"],
            ),
            (
                r"${FOO%%\**\*}",
                &[("FOO", "a***yy*")],
                Some("a"),
                &["FOO"],
                &[],
            ),
            ("${FOO%}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
            (
                "${FOO%%$BAR}",
                &[("FOO", "xxyy"), ("BAR", "")],
                Some("xxyy"),
                &["FOO", "BAR"],
                &[],
            ),
            (
                "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
                &[("FOO", "/foo*/*/*.txt"), ("NEEDLE", r"\*/")],
                Some("/foo.*/*.txt - /foo..*.txt"),
                &["FOO", "NEEDLE"],
                &[],
            ),
            (
                "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
                &[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
                Some("/tmp/bar.txt - /bar.txt"),
                &["FOO", "NEEDLE"],
                &[],
            ),
            (
                "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
                &[
                    ("FOO", "/a/foo/b/c.txt"),
                    ("NEEDLE", "/?/"),
                    ("REPLACEMENT", "/"),
                ],
                Some("/foo/b/c.txt - /foo/c.txt"),
                &["FOO", "NEEDLE", "REPLACEMENT"],
                &[],
            ),
            (
                "${FOO/$NEEDLE/$REPLACEMENT}",
                &[
                    ("FOO", "http://google.de"),
                    ("NEEDLE", "http://"),
                    ("REPLACEMENT", "https://"),
                ],
                Some("https://google.de"),
                &["FOO", "NEEDLE", "REPLACEMENT"],
                &[],
            ),
            (
                r"${FOO//\//\/}",
                &[("FOO", "/tmp/foo.txt")],
                Some(r"\/tmp\/foo.txt"),
                &["FOO"],
                &[],
            ),
            (
                "${FOO/$BAR/ww}",
                &[("FOO", "xxyy"), ("BAR", "")],
                Some("wwxxyy"),
                &["FOO", "BAR"],
                &[],
            ),
            ("${FOO//ww}", &[("FOO", "xxyy")], None, &[], &[]),
            ("${FOO//}", &[("FOO", "xxyy")], None, &[], &[]),
            ("${FOO///}", &[("FOO", "xxyy")], Some("xxyy"), &["FOO"], &[]),
            ("${FOO///}", &[], Some(""), &[], &["FOO"]),
        ];
        let lexer = Lexer::new('\\');
        for (word, pairs, expected, matched, unmatched) in cases {
            let env = env(pairs);
            match (lexer.expand_word(word, &env), expected) {
                (Ok(e), Some(text)) => {
                    assert_eq!(e.text, *text, "{word:?}");
                    let mut found: Vec<&str> = e
                        .uses
                        .iter()
                        .filter(|u| u.defined)
                        .map(|u| u.name.as_str())
                        .collect();
                    let mut missing: Vec<&str> = e
                        .uses
                        .iter()
                        .filter(|u| !u.defined)
                        .map(|u| u.name.as_str())
                        .collect();
                    found.sort_unstable();
                    found.dedup();
                    missing.sort_unstable();
                    missing.dedup();
                    let mut matched = matched.to_vec();
                    matched.sort_unstable();
                    let mut unmatched = unmatched.to_vec();
                    unmatched.sort_unstable();
                    assert_eq!(found, matched, "{word:?}");
                    assert_eq!(missing, unmatched, "{word:?}");
                }
                (Err(_), None) => {}
                (got, _) => panic!("{word:?}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn expand_required_variables() {
        let set = env(&[("VAR", "plain"), ("ARG", "x")]);
        let empty = env(&[("VAR", ""), ("ARG", "x")]);
        let unset = env(&[("ARG", "x")]);
        let no_empty = "${VAR:?message here$ARG}";
        let no_unset = "${VAR?message here$ARG}";
        assert_eq!(ok(no_empty, &set), "plain");
        assert_eq!(err(no_empty, &empty).message, "VAR: message herex");
        assert_eq!(err(no_empty, &unset).message, "VAR: message herex");
        assert_eq!(ok(no_unset, &set), "plain");
        assert_eq!(ok(no_unset, &empty), "");
        assert_eq!(err(no_unset, &unset).message, "VAR: message herex");
        assert_eq!(
            err("${VAR:?}", &empty).message,
            "VAR: is not allowed to be empty"
        );
        assert_eq!(
            err("${VAR?}", &unset).message,
            "VAR: is not allowed to be unset"
        );
        let e = err("ab${VAR:?}cd", &unset);
        assert_eq!((e.start, e.end), (2, 10));
        assert_eq!(
            e.buildkit_message("ab${VAR:?}cd"),
            r#"failed to process "ab${VAR:?}cd": VAR: is not allowed to be unset"#
        );
    }

    #[test]
    fn expand_platform_release_name() {
        let word = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
        let base = [("VERSION", "v1.2.3"), ("TARGETOS", "linux")];
        let mut e = env(&base);
        e.insert("TARGETARCH".into(), "arm".into());
        e.insert("TARGETVARIANT".into(), "v7".into());
        assert_eq!(ok(word, &e), "something-v1.2.3.linux-arm-v7.tar.gz");
        e.insert("TARGETARCH".into(), "arm64".into());
        e.insert("TARGETVARIANT".into(), String::new());
        assert_eq!(ok(word, &e), "something-v1.2.3.linux-arm64.tar.gz");
        e.remove("TARGETVARIANT");
        assert_eq!(ok(word, &e), "something-v1.2.3.linux-arm64.tar.gz");
    }

    #[test]
    fn expand_simple_forms() {
        let e = env(&[("V", "val"), ("E", ""), ("B", "bee")]);
        assert_eq!(ok("$V", &e), "val");
        assert_eq!(ok("${V}", &e), "val");
        assert_eq!(ok("$V.x", &e), "val.x");
        assert_eq!(ok("$Vx", &e), "");
        assert_eq!(ok("${V}x", &e), "valx");
        assert_eq!(ok("$U", &e), "");
        assert_eq!(ok("${V:-x} ${E:-x} ${U:-x}", &e), "val x x");
        assert_eq!(ok("${V-x} ${E-x} ${U-x}", &e), "val  x");
        assert_eq!(ok("${V:+x} ${E:+x} ${U:+x}", &e), "x  ");
        assert_eq!(ok("${V+x} ${E+x} ${U+x}", &e), "x x ");
        assert_eq!(ok("${U:-${B}}", &e), "bee");
        assert_eq!(ok("${U:-${U2:-${B}-}}", &e), "bee-");
        assert_eq!(ok("${U:-'${B}'}", &e), "${B}");
        assert_eq!(ok(r#"${U:-"${B} }"}"#, &e), "bee }");
        assert_eq!(ok(r"${U:-a\}b}", &e), "a}b");
        assert_eq!(ok("${U:-a b}", &e), "a b");
        // Letters beyond ASCII are name characters, as with Go's unicode.IsLetter.
        assert_eq!(ok("$Vé", &env(&[("Vé", "accent")])), "accent");
    }

    #[test]
    fn expand_skips_a_leading_bom_like_go_text_scanner() {
        let e = env(&[("V", "xab"), ("B", "\u{feff}")]);
        assert_eq!(ok("\u{feff}$V", &e), "xab");
        assert_eq!(ok("a\u{feff}", &e), "a\u{feff}");
        assert_eq!(ok("${V#\u{feff}x}", &e), "ab");
        assert_eq!(ok("${V#$B}", &e), "xab");
        assert_eq!(ok("${V%b\u{feff}}", &e), "xa");
        let uses = Lexer::new('\\')
            .expand_word("\u{feff}$V", &e)
            .map(|x| x.uses);
        assert_eq!(uses.map(|u| (u[0].start, u[0].end)), Ok((3, 5)));
    }

    #[test]
    fn expand_dollar_without_name_is_literal() {
        let e = env(&[("V", "val")]);
        assert_eq!(ok("$", &e), "$");
        assert_eq!(ok("a$", &e), "a$");
        assert_eq!(ok("$ $V", &e), "$ val");
        assert_eq!(ok("$.$/$=$%", &e), "$.$/$=$%");
        assert_eq!(ok("$'V'", &e), "$V");
        assert_eq!(ok("$\"$V\"", &e), "$val");
        assert_eq!(ok("$한", &e), "");
        assert_eq!(ok("$🚀", &e), "$🚀");
    }

    #[test]
    fn expand_special_parameters() {
        let empty = EmptyEnv;
        for word in [
            "$@", "$*", "$#", "$?", "$-", "$$", "$!", "$0", "$1", "$12", "${1}", "${@}", "${#}",
        ] {
            assert_eq!(ok(word, &empty), "", "{word}");
        }
        assert_eq!(ok("$12x", &empty), "x");
        assert_eq!(ok("$@x", &empty), "x");
        assert_eq!(ok("$$$", &empty), "$");
        assert_eq!(ok("$0a", &empty), "a");
        let e = env(&[("1", "one"), ("@", "all"), ("#", "count")]);
        assert_eq!(ok("$1-$@-${#}", &e), "one-all-count");
        assert_eq!(
            err("${#V}", &empty).message,
            "unsupported modifier (V) in substitution"
        );
        let mut skip = Lexer::new('\\');
        skip.skip_unset = true;
        assert_eq!(
            expand(&skip, "$1 $@ ${2}", &empty).as_deref(),
            Ok("$1 $@ ${2}")
        );
    }

    #[test]
    fn expand_quotes() {
        let e = env(&[("V", "a b")]);
        assert_eq!(ok("'$V'", &e), "$V");
        assert_eq!(ok(r"'\'", &e), r"\");
        assert_eq!(ok(r#""$V""#, &e), "a b");
        assert_eq!(ok(r#""\$V""#, &e), "$V");
        assert_eq!(ok(r#""\"""#, &e), "\"");
        assert_eq!(ok(r#""\\""#, &e), r"\");
        assert_eq!(ok(r#""\a\'""#, &e), r"\a\'");
        assert_eq!(ok(r#""it's""#, &e), "it's");
        assert_eq!(ok(r#"'say "hi"'"#, &e), r#"say "hi""#);
        assert_eq!(ok(r#"a"b"'c'd"#, &e), "abcd");
        let unterminated = err(r#"ab"cd"#, &e);
        assert_eq!(
            unterminated.message,
            "unexpected end of statement while looking for matching double-quote"
        );
        assert_eq!((unterminated.start, unterminated.end), (2, 5));
        let single = err("x'yz", &e);
        assert_eq!(
            single.message,
            "unexpected end of statement while looking for matching single-quote"
        );
        assert_eq!((single.start, single.end), (1, 4));
        assert!(err(r#""ab\"#, &e).message.contains("double-quote"));
    }

    #[test]
    fn expand_escapes() {
        let e = env(&[("V", "val")]);
        assert_eq!(ok(r"\$V", &e), "$V");
        assert_eq!(ok(r"\\$V", &e), r"\val");
        assert_eq!(ok(r"a\ b", &e), "a b");
        assert_eq!(ok(r"a\", &e), "a");
        assert_eq!(ok(r"\'", &e), "'");
        assert_eq!(ok(r"\한", &e), "한");
        assert_eq!(ok(r"a`b", &e), "a`b");

        let tick = Lexer::new('`');
        assert_eq!(
            expand(&tick, r"C:\path\$V", &e).as_deref(),
            Ok(r"C:\path\val")
        );
        assert_eq!(expand(&tick, "`$V", &e).as_deref(), Ok("$V"));
        assert_eq!(expand(&tick, "a``b`", &e).as_deref(), Ok("a`b"));
        assert_eq!(
            expand(&tick, "\"a`\"b`$V``c\\\"", &e).as_deref(),
            Ok("a\"b$V`c\\")
        );
        assert_eq!(expand(&tick, "\"a`xb\"", &e).as_deref(), Ok("a`xb"));
        assert_eq!(expand(&tick, "${U:-a`}b}", &e).as_deref(), Ok("a}b"));
    }

    #[test]
    fn expand_raw_quotes_and_escapes() {
        let e = env(&[("V", "val")]);
        let mut raw = Lexer::new('\\');
        raw.raw_quotes = true;
        assert_eq!(
            expand(&raw, r#"'a$V'"b$V""#, &e).as_deref(),
            Ok(r#"'a$V'"bval""#)
        );
        assert_eq!(expand(&raw, r#"<<"EOF""#, &e).as_deref(), Ok(r#"<<"EOF""#));

        let mut esc = Lexer::new('\\');
        esc.raw_escapes = true;
        assert_eq!(expand(&esc, r"a\ b\$V\", &e).as_deref(), Ok(r"a\ b\$V\"));
        assert_eq!(expand(&esc, r#""\$V""#, &e).as_deref(), Ok(r"\$V"));
        // BuildKit writes an escape before an ordinary character twice in this mode.
        assert_eq!(expand(&esc, r#""\a""#, &e).as_deref(), Ok(r"\\a"));
        // Default words are read without raw escapes whatever the lexer says.
        assert_eq!(expand(&esc, r"${U:-\$V}", &e).as_deref(), Ok("$V"));
    }

    #[test]
    fn expand_skip_unset_keeps_references() {
        let e = env(&[("V", "val"), ("E", "")]);
        let mut skip = Lexer::new('\\');
        skip.skip_unset = true;
        let cases = [
            ("$U", "$U"),
            ("${U}", "${U}"),
            ("$V$U$E.", "val$U."),
            ("${U:-x}", "${U:-x}"),
            ("${U-$V}", "${U-val}"),
            ("${U:+x}", "${U:+x}"),
            ("${U:?x}", "${U:?x}"),
            ("${U#x}", "${U#x}"),
            ("${U##x}", "${U##x}"),
            ("${U%%x}", "${U%%x}"),
            ("${U/a/b}", "${U/a/b}"),
            // BuildKit rebuilds a replace-all with a single slash.
            ("${U//a/b}", "${U/a/b}"),
            ("${E:-x}", "x"),
            ("${U:x}", "${U:x}"),
        ];
        for (word, expected) in cases {
            assert_eq!(expand(&skip, word, &e).as_deref(), Ok(expected), "{word}");
        }
        assert!(expand(&skip, "${V:x}", &e).is_err());
        assert!(expand(&skip, "${U:#x}", &e).is_err());
    }

    #[test]
    fn expand_trim_patterns() {
        let e = env(&[
            ("F", "dir/sub/file.tar.gz"),
            ("L", "a\nb.c"),
            ("K", "한국어.txt"),
            ("B", "[ab]x"),
        ]);
        assert_eq!(ok("${F#*/}", &e), "sub/file.tar.gz");
        assert_eq!(ok("${F##*/}", &e), "file.tar.gz");
        assert_eq!(ok("${F%.*}", &e), "dir/sub/file.tar");
        assert_eq!(ok("${F%%.*}", &e), "dir/sub/file");
        assert_eq!(ok("${F%/*}", &e), "dir/sub");
        assert_eq!(ok("${F%%/*}", &e), "dir");
        assert_eq!(ok("${F#dir}", &e), "/sub/file.tar.gz");
        assert_eq!(ok("${F#sub}", &e), "dir/sub/file.tar.gz");
        assert_eq!(ok("${F#???}", &e), "/sub/file.tar.gz");
        assert_eq!(ok("${F%.gz}", &e), "dir/sub/file.tar");
        assert_eq!(ok("${F%'.gz'}", &e), "dir/sub/file.tar");
        assert_eq!(ok("${K%.txt}", &e), "한국어");
        assert_eq!(ok("${K#?}", &e), "국어.txt");
        assert_eq!(ok("${K%?????}", &e), "한국");
        // Brackets are literal in BuildKit's patterns, not character classes.
        assert_eq!(ok("${B#[ab]}", &e), "x");
        assert_eq!(ok("${F#[d]}", &e), "dir/sub/file.tar.gz");
        // `*` and `?` do not match a newline, as Go's `.` does not.
        assert_eq!(ok("${L#*.}", &e), "a\nb.c");
        assert_eq!(ok("${L#??}", &e), "a\nb.c");
        assert_eq!(ok("${L%.*}", &e), "a\nb");
        assert_eq!(ok("${L#a\n}", &e), "b.c");
        // A doubled operator that came from a variable still doubles.
        let d = env(&[("F", "a.b.c"), ("P", "#*.")]);
        assert_eq!(ok("${F#$P}", &d), "c");
        assert_eq!(ok("${U#x}", &d), "");
    }

    #[test]
    fn expand_pattern_errors() {
        let e = env(&[("F", "abc"), ("P", "a\\")]);
        let bad = err(r"x${F#\a}", &e);
        assert_eq!(
            bad.message,
            r"invalid pattern (\a) in substitution: invalid escape '\a'"
        );
        assert_eq!((bad.start, bad.end), (1, 8));
        assert!(err(r"${F%\a}", &e)
            .message
            .starts_with(r"invalid pattern (\a)"));
        assert!(err(r"${F/\a/b}", &e)
            .message
            .starts_with(r"invalid pattern (\a)"));
        assert!(err("${F#$P}", &e).message.contains("invalid escape"));
        assert!(err("${F%$P}", &e).message.contains("invalid escape"));
        assert_eq!(
            err("${F:#a}", &e).message,
            "unsupported modifier (:#) in substitution"
        );
        assert_eq!(
            err("${F:%a}", &e).message,
            "unsupported modifier (:%) in substitution"
        );
        assert_eq!(
            err("${F:=a}", &e).message,
            "unsupported modifier (:=) in substitution"
        );
        assert_eq!(
            err("${F=a}", &e).message,
            "unsupported modifier (=) in substitution"
        );
        assert_eq!(
            err("${F/a}", &e).message,
            "syntax error: missing '/' in ${}"
        );
        assert_eq!(err("${F/a/b", &e).message, "syntax error: missing '}'");
        assert_eq!(err("${F", &e).message, "syntax error: missing '}'");
        assert_eq!(err("${F:", &e).message, "syntax error: missing '}'");
        assert_eq!(err("${", &e).message, "syntax error: missing '}'");
        assert_eq!(err("${}", &e).message, "syntax error: bad substitution");
        assert_eq!(err("${:}", &e).message, "syntax error: bad substitution");
        assert_eq!(err("${{F}}", &e).message, "syntax error: bad substitution");
        // Whatever fails inside a `${…}` that runs to the end is a missing brace.
        assert_eq!(
            err("${U:-${F:?boom}", &e).message,
            "syntax error: missing '}'"
        );
        assert_eq!(err("${U:-${U:?boom}}", &e).message, "U: boom");
        assert_eq!(err("${U:-'x}", &e).message, "syntax error: missing '}'");
        let missing = err("ab${U:-x", &e);
        assert_eq!((missing.start, missing.end), (2, 8));
    }

    #[test]
    fn expand_replacements() {
        let e = env(&[("V", "a.b.a.b"), ("L", "ab\ncd"), ("K", "한국어한국어")]);
        assert_eq!(ok("${V/a/x}", &e), "x.b.a.b");
        assert_eq!(ok("${V//a/x}", &e), "x.b.x.b");
        assert_eq!(ok("${V//./}", &e), "abab");
        assert_eq!(ok("${V/*/x}", &e), "x");
        assert_eq!(ok("${V//*/x}", &e), "x");
        assert_eq!(ok("${V//b*/x}", &e), "a.x");
        assert_eq!(ok("${V//b?/x}", &e), "a.xa.b");
        assert_eq!(ok("${V/b*a/x}", &e), "a.x.b");
        assert_eq!(ok("${V//?/-}", &e), "-------");
        assert_eq!(ok("${V//z/y}", &e), "a.b.a.b");
        assert_eq!(ok("${V///-}", &e), "-a-.-b-.-a-.-b-");
        assert_eq!(ok("${L//*/x}", &e), "x\nx");
        assert_eq!(ok("${K//국/_}", &e), "한_어한_어");
        assert_eq!(ok("${K/어*/!}", &e), "한국!");
        assert_eq!(ok("${U//a/b}", &e), "");
        // Go's ReplaceAllString reads the replacement as a template: `$0` is the match.
        assert_eq!(ok(r"${V//a/<\$0>}", &e), r"<\a>.b.<\a>.b");
        assert_eq!(ok("${V//a/'$0$$$x${0}$'}", &e), "a$a$.b.a$a$.b");
        assert_eq!(ok("${V/a/'$0'}", &e), "$0.b.a.b");
    }

    #[test]
    fn expand_var_uses_record_positions() {
        let e = env(&[("A", "1"), ("E", "")]);
        let word = "x$A ${B:-${A}} ${E#y} ${C+z} ${D//a/b} 한$A";
        let uses = match Lexer::new('\\').expand_word(word, &e) {
            Ok(exp) => exp.uses,
            Err(err) => panic!("{err:?}"),
        };
        let got: Vec<(&str, &str, bool, bool)> = uses
            .iter()
            .map(|u| {
                (
                    u.name.as_str(),
                    &word[u.start..u.end],
                    u.defined,
                    u.has_default,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", "$A", true, false),
                ("B", "${B:-${A}}", false, true),
                ("A", "${A}", true, false),
                ("E", "${E#y}", true, false),
                ("C", "${C+z}", false, true),
                ("D", "${D//a/b}", false, false),
                ("A", "$A", true, false),
            ]
        );
        let (_, word_uses) = match Lexer::new('\\').expand_words(word, &e) {
            Ok(w) => w,
            Err(err) => panic!("{err:?}"),
        };
        assert_eq!(word_uses, uses);
    }

    #[test]
    fn expand_words_split_like_buildkit() {
        let e = env(&[
            ("hi", "hi"),
            ("space", "abc  def"),
            ("leading", "  ab c"),
            ("trailing", "ab c   "),
            ("withtab", "ab\tc"),
        ]);
        let cases: &[(&str, &[&str])] = &[
            ("hello", &["hello"]),
            ("hello${nope}bye", &["hellobye"]),
            ("hello${hi}bye", &["hellohibye"]),
            ("hello${space}bye", &["helloabc", "defbye"]),
            (r#"hello"${space}"bye"#, &["helloabc  defbye"]),
            (r#"hello "${space}"bye"#, &["hello", "abc  defbye"]),
            ("hello${leading}def", &["hello", "ab", "cdef"]),
            (r#"hello"${leading}" def"#, &["hello  ab c", "def"]),
            (r#"hello"${leading}""#, &["hello  ab c"]),
            ("hello${leading}", &["hello", "ab", "c"]),
            ("hello${trailing}", &["helloab", "c"]),
            ("hello${trailing}d", &["helloab", "c", "d"]),
            (r#"hello"${trailing}"d"#, &["helloab c   d"]),
            (r#"hello"${withtab}"d"#, &["helloab\tcd"]),
            ("  a \t b\n c  ", &["a", "b", "c"]),
            (r"a\ b c", &["a b", "c"]),
            (r#"'' "" x"#, &["x"]),
            (r#"a'' ''b"#, &["a", "b"]),
            ("'a  b' c", &["a  b", "c"]),
            // The text before a `${…}` with a modifier stays in its word.
            ("1${X:-0}", &["10"]),
            ("a${X:-b c}d", &["ab", "cd"]),
            // Quotes inside the default do not protect it: the value splits.
            ("a${X:-'b c'}d", &["ab", "cd"]),
            ("a\"${X:-'b c'}\"d", &["ab cd"]),
            ("", &[]),
            ("   ", &[]),
        ];
        for (word, expected) in cases {
            assert_eq!(words(word, &e), expected.to_vec(), "{word:?}");
        }
        assert!(Lexer::new('\\').expand_words("'a", &e).is_err());
    }

    #[test]
    fn expand_raw_ignores_quotes() {
        let e = env(&[("V", "val")]);
        let lexer = Lexer::new('\\');
        let got = lexer
            .expand_raw(r#"'$V' "$V" ${U:-'x'} \$V"#, &e)
            .map(|x| x.text);
        assert_eq!(got.as_deref(), Ok(r#"'val' "val" 'x' $V"#));
        assert_eq!(
            lexer.expand_raw("it's", &e).map(|x| x.text).as_deref(),
            Ok("it's")
        );
    }

    #[test]
    fn expand_pattern_helpers() {
        assert_eq!(reverse_pattern(r"a\*c"), r"c\*a");
        assert_eq!(reverse_pattern(r"\\\ab"), r"b\a\\");
        assert_eq!(reverse_pattern(r"ab\"), r"\ba");
        assert_eq!(reverse_pattern(r"👽\🚀🖖"), r"🖖\🚀👽");
        assert_eq!(reverse_pattern(r"\\b"), r"b\\");
        for bad in [r"\", r"\x", r"\\\"] {
            assert!(compile_pattern(bad, true).is_err(), "{bad}");
        }
        assert!(compile_pattern(r"(()[]{\}^$.\*\?|\\", true).is_ok());
        assert_eq!(go_quote("a\"b\\\n\u{1}é"), "\"a\\\"b\\\\\\n\\x01é\"");
    }

    #[test]
    fn expand_nesting_is_capped() {
        let e = env(&[("A", "set")]);
        let deep = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        let lexer = Lexer::new('\\');
        assert_eq!(
            lexer
                .expand_word(&deep(MAX_DEPTH), &e)
                .map(|x| x.text)
                .as_deref(),
            Ok("set")
        );
        let too_deep = err(&deep(MAX_DEPTH + 1), &e);
        assert_eq!(too_deep.message, TOO_DEEP);
        for n in [10_000, 100_000] {
            let word = deep(n);
            for env in [&e as &dyn Env, &EmptyEnv] {
                let got = lexer.expand_word(&word, env);
                assert!(matches!(&got, Err(x) if x.message == TOO_DEEP), "{n}");
                assert!(lexer.expand_words(&word, env).is_err());
            }
            // Unterminated, inside quotes, and through pattern words too.
            let open = "\"${A:-".repeat(n);
            assert!(lexer.expand_word(&open, &e).is_err());
            let pat = "${A#".repeat(n);
            assert!(lexer.expand_word(&pat, &e).is_err());
        }
    }

    #[test]
    fn expand_blowups_are_bounded() {
        let big = "a".repeat(100_000);
        let e = env(&[
            ("V", big.as_str()),
            ("P", &"*a".repeat(5_000)),
            ("S", "a"),
            ("Q", &"*".repeat(MAX_OUTPUT / 2)),
            ("H", &"x".repeat(MAX_OUTPUT + 1)),
        ]);
        let lexer = Lexer::new('\\');
        let msg = |word: &str| {
            lexer
                .expand_word(word, &e)
                .map(|x| x.text.len())
                .map_err(|x| x.message)
        };
        assert_eq!(msg("${V//a/$V}"), Err(TOO_LARGE.to_string()));
        assert_eq!(msg("${V//?/$V$V}"), Err(TOO_LARGE.to_string()));
        assert_eq!(msg("${V//*/$V}"), Ok(100_000));
        assert_eq!(msg("$H"), Err(TOO_LARGE.to_string()));
        assert_eq!(msg(&"$V".repeat(11)), Err(TOO_LARGE.to_string()));
        // Each default below is built and then thrown away: capped by total work.
        let discarded = "${S:+${V}${V}${V}${V}${V}${V}${V}${V}}".repeat(200);
        assert_eq!(msg(&discarded), Err(TOO_LARGE.to_string()));
        // A long pattern against a long value costs length × length.
        assert_eq!(msg("${V/$P/x}"), Err(TOO_COSTLY.to_string()));
        assert_eq!(msg("${V%%$P}"), Err(TOO_COSTLY.to_string()));
        // A huge pattern is refused before its program is built.
        assert_eq!(msg("${S/$Q/x}"), Err(TOO_COSTLY.to_string()));
        assert_eq!(msg("${S%$Q}"), Err(TOO_COSTLY.to_string()));
        // Many empty matches, each a new search over the rest of the value.
        assert_eq!(msg("${V//$P*/}"), Err(TOO_COSTLY.to_string()));
        assert_eq!(msg("${V//*/}"), Ok(0));
        assert_eq!(msg("${V//b*/}"), Ok(100_000));
        // Template expansion of every match.
        assert_eq!(
            msg(r"${V//a/\$0\$0\$0\$0\$0\$0\$0\$0\$0\$0\$0}"),
            Err(TOO_LARGE.to_string())
        );
    }

    /// Deterministic pseudo-random words over the characters that matter to the lexer.
    #[test]
    fn expand_generated_words_never_panic() {
        const ALPHABET: &[&str] = &[
            "$", "$", "$", "{", "{", "}", "}", ":", "-", "+", "?", "#", "%", "/", "\\", "`", "'",
            "\"", "A", "B", "E", "U", "_", "1", "0", "@", "*", " ", "\t", "\n", "한", "🚀", "=",
            ".", "[", "]", "x", "${A", "${U:-", "${B//", "${E#", "}",
        ];
        let e = env(&[
            ("A", "a b*c"),
            ("B", "\\*/x"),
            ("E", ""),
            ("한", "국\n어"),
            ("1", "one"),
        ]);
        let mut lexers = Vec::new();
        for escape in ['\\', '`'] {
            for flags in 0..8u8 {
                let mut lexer = Lexer::new(escape);
                lexer.raw_quotes = flags & 1 != 0;
                lexer.raw_escapes = flags & 2 != 0;
                lexer.skip_unset = flags & 4 != 0;
                lexers.push(lexer);
            }
        }
        let mut seed: u64 = 0x5eed_cafe_f00d_d00d;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for case in 0..20_000 {
            let len = usize::try_from(random() % 24).unwrap_or(0);
            let mut word = String::new();
            for _ in 0..len {
                let i = usize::try_from(random() % ALPHABET.len() as u64).unwrap_or(0);
                word.push_str(ALPHABET[i]);
            }
            let lexer = &lexers[case % lexers.len()];
            let single = lexer.expand_word(&word, &e);
            let split = lexer.expand_words(&word, &e);
            let raw = lexer.expand_raw(&word, &e);
            match (&single, &split) {
                (Ok(exp), Ok((_, uses))) => {
                    assert!(exp.text.len() <= MAX_OUTPUT);
                    assert_eq!(&exp.uses, uses, "{word:?}");
                    for u in uses {
                        assert!(u.start < u.end && u.end <= word.len(), "{word:?} {u:?}");
                        assert!(word.is_char_boundary(u.start) && word.is_char_boundary(u.end));
                        assert!(word[u.start..].starts_with('$'), "{word:?} {u:?}");
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{word:?}"),
                _ => panic!("{word:?}: {single:?} vs {split:?}"),
            }
            for error in [single.as_ref().err(), raw.as_ref().err()]
                .into_iter()
                .flatten()
            {
                assert!(!error.message.is_empty());
                assert!(
                    error.start <= error.end && error.end <= word.len(),
                    "{word:?} {error:?}"
                );
                assert!(word.is_char_boundary(error.start) && word.is_char_boundary(error.end));
            }
            let plain = !word.contains(['$', '\'', '"', lexer.escape]);
            if plain && !lexer.raw_quotes {
                assert_eq!(single.as_ref().map(|x| x.text.as_str()), Ok(word.as_str()));
            }
        }
    }
}
