//! Ports of BuildKit's per-instruction argument parsers (`line_parsers.go`) and of
//! `splitCommand`/`extractBuilderFlags`. Offsets here are into the logical line; the
//! caller maps them back to the source.
//!
//! BuildKit's quirks are kept on purpose (flags are scanned byte by byte, the JSON form
//! is the first JSON value and ignores what follows it), because the point is to mean
//! what BuildKit means.

/// A word of the logical line: text after quote and escape processing, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LWord {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl LWord {
    fn new(text: impl Into<String>, start: usize, end: usize) -> Self {
        LWord {
            text: text.into(),
            start,
            end,
        }
    }
}

/// Why an argument list was rejected, with the logical range to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgError {
    pub code: &'static str,
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// The arguments BuildKit's parser builds for one instruction.
#[derive(Debug, Default)]
pub(crate) struct ParsedArgs {
    pub words: Vec<LWord>,
    pub json: bool,
    pub error: Option<ArgError>,
}

/// Go's `unicode.IsSpace`.
pub(crate) fn go_is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c > '\u{ff}' && c.is_whitespace())
}

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]+`.
fn is_re_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// `strings.TrimSpace` as a sub-range of `s[start..end]`.
pub(crate) fn trim_space_range(s: &str, start: usize, end: usize) -> (usize, usize) {
    let slice = &s[start..end];
    let trimmed_start = slice.len() - slice.trim_start_matches(go_is_space).len();
    let trimmed = slice.trim_matches(go_is_space);
    (start + trimmed_start, start + trimmed_start + trimmed.len())
}

/// The instruction keyword, its flags and the rest, from `splitCommand`.
pub(crate) struct SplitCommand {
    pub cmd: LWord,
    pub flags: Vec<LWord>,
    /// Start and end of the trimmed arguments.
    pub rest: (usize, usize),
}

pub(crate) fn split_command(line: &str) -> SplitCommand {
    let (start, end) = trim_space_range(line, 0, line.len());
    let trimmed = &line[start..end];
    let cmd_end = trimmed.find(is_re_whitespace).map_or(end, |i| start + i);
    let cmd = LWord::new(&line[start..cmd_end], start, cmd_end);
    if cmd_end == end {
        return SplitCommand {
            cmd,
            flags: Vec::new(),
            rest: (end, end),
        };
    }
    let mut args_start = cmd_end;
    while line[args_start..].starts_with(is_re_whitespace) {
        args_start += 1;
    }
    let (flags, rest_start) = extract_builder_flags(line, args_start, end);
    let rest = trim_space_range(line, rest_start, end);
    SplitCommand { cmd, flags, rest }
}

/// `extractBuilderFlags`: leading `--words`, scanned byte by byte like BuildKit does.
/// Returns the flags and where the remaining arguments start.
fn extract_builder_flags(line: &str, from: usize, to: usize) -> (Vec<LWord>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = &line.as_bytes()[..to];
    // Go tests `unicode.IsSpace(rune(byte))`, which also calls bytes 0x85 and 0xA0
    // spaces; in UTF-8 those bytes only occur inside a multi-byte character, so honouring
    // them would cut a character in two. Only ASCII whitespace separates flags here.
    let byte_space = |b: u8| b.is_ascii() && go_is_space(b as char);
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = from;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = from;
    loop {
        let at_end = pos >= to;
        let ch = if at_end { 0 } else { bytes[pos] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if byte_space(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == to || bytes[pos + 1] != b'-' {
                return (words, pos);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(LWord::new(word, word_start, pos));
            }
            break;
        }
        if phase == Phase::Word {
            if byte_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (words, pos);
                }
                if blank_ok || !word.is_empty() {
                    words.push(LWord::new(std::mem::take(&mut word), word_start, pos));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut ch = ch;
            if ch == b'\\' {
                if pos + 1 == to {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = bytes[pos];
            }
            word.push(ch as char);
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut ch = ch;
        if ch == b'\\' {
            if pos + 1 == to {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = bytes[pos];
        }
        word.push(ch as char);
        pos += 1;
    }
    (words, to)
}

/// `parseWords`: whitespace-separated words where quotes group and the escape
/// character protects the next character; quotes and escapes stay in the word.
pub(crate) fn parse_words(s: &str, start: usize, end: usize, escape: char) -> Vec<LWord> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let rest = &s[start..end];
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = start;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut chars = rest.char_indices().peekable();
    loop {
        let next = chars.next();
        let Some((i, ch)) = next else {
            if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
                words.push(LWord::new(word, word_start, end));
            }
            break;
        };
        let pos = start + i;
        if phase == Phase::Spaces {
            if go_is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if phase == Phase::Word {
            if go_is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(LWord::new(std::mem::take(&mut word), word_start, pos));
                }
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                match chars.next() {
                    None => continue,
                    Some((_, escaped)) => {
                        word.push(ch);
                        word.push(escaped);
                        continue;
                    }
                }
            }
            word.push(ch);
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            match chars.next() {
                None => {
                    phase = Phase::Word;
                    continue;
                }
                Some((_, escaped)) => {
                    word.push(ch);
                    word.push(escaped);
                    continue;
                }
            }
        }
        word.push(ch);
    }
    words
}

/// `parseStringsWhitespaceDelimited`: split on `[\t\v\f\r ]+`.
pub(crate) fn split_whitespace(s: &str, start: usize, end: usize) -> Vec<LWord> {
    if start == end {
        return Vec::new();
    }
    let mut words = Vec::new();
    let mut word_start = start;
    let rest = &s[start..end];
    let mut iter = rest.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_re_whitespace(c) {
            words.push(LWord::new(&s[word_start..start + i], word_start, start + i));
            let mut j = i + c.len_utf8();
            while let Some(&(k, d)) = iter.peek() {
                if !is_re_whitespace(d) {
                    break;
                }
                j = k + d.len_utf8();
                iter.next();
            }
            word_start = start + j;
        }
    }
    words.push(LWord::new(&s[word_start..end], word_start, end));
    words
}

/// `parseString`: the rest of the line as one word.
fn parse_string(s: &str, start: usize, end: usize) -> Vec<LWord> {
    if start == end {
        Vec::new()
    } else {
        vec![LWord::new(&s[start..end], start, end)]
    }
}

const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

enum JsonOutcome {
    Strings(Vec<LWord>),
    NotStrings(usize, usize),
    NotJson,
}

/// `parseJSON`: the first JSON value after optional whitespace, if it is an array.
fn parse_json(s: &str, start: usize, end: usize) -> JsonOutcome {
    let slice = &s[start..end];
    let first = start + (slice.len() - slice.trim_start_matches(go_is_space).len());
    if !s[first..end].starts_with('[') {
        return JsonOutcome::NotJson;
    }
    match crate::json::decode_array(&s[first..end]) {
        Ok(elements) => {
            let mut words = Vec::new();
            let mut all_strings = true;
            for element in elements {
                match element.text {
                    Some(text) => {
                        words.push(LWord::new(text, first + element.start, first + element.end))
                    }
                    None => all_strings = false,
                }
            }
            if all_strings {
                JsonOutcome::Strings(words)
            } else {
                JsonOutcome::NotStrings(first, end)
            }
        }
        Err(()) => JsonOutcome::NotJson,
    }
}

fn not_string_array(start: usize, end: usize) -> ArgError {
    ArgError {
        code: "json-not-string-array",
        message: NOT_STRING_ARRAY.to_string(),
        start,
        end,
    }
}

/// `parseMaybeJSON`: exec form if it is a JSON array of strings, else one shell string.
pub(crate) fn parse_maybe_json(s: &str, start: usize, end: usize) -> ParsedArgs {
    if start == end {
        return ParsedArgs::default();
    }
    match parse_json(s, start, end) {
        JsonOutcome::Strings(words) => ParsedArgs {
            words,
            json: true,
            error: None,
        },
        JsonOutcome::NotStrings(a, b) => ParsedArgs {
            words: parse_string(s, start, end),
            json: false,
            error: Some(not_string_array(a, b)),
        },
        JsonOutcome::NotJson => ParsedArgs {
            words: parse_string(s, start, end),
            json: false,
            error: None,
        },
    }
}

/// `parseMaybeJSONToList`: exec form, else whitespace-separated words.
pub(crate) fn parse_maybe_json_to_list(s: &str, start: usize, end: usize) -> ParsedArgs {
    match parse_json(s, start, end) {
        JsonOutcome::Strings(words) => ParsedArgs {
            words,
            json: true,
            error: None,
        },
        JsonOutcome::NotStrings(a, b) => ParsedArgs {
            words: split_whitespace(s, start, end),
            json: false,
            error: Some(not_string_array(a, b)),
        },
        JsonOutcome::NotJson => ParsedArgs {
            words: split_whitespace(s, start, end),
            json: false,
            error: None,
        },
    }
}

/// `parseNameVal` for ENV and LABEL: `k=v …` pairs, or the legacy `k v` form.
pub(crate) fn parse_name_val(
    s: &str,
    start: usize,
    end: usize,
    escape: char,
    keyword: &str,
) -> ParsedArgs {
    let words = parse_words(s, start, end, escape);
    let Some(first) = words.first() else {
        return ParsedArgs::default();
    };
    if !first.text.contains('=') {
        // Legacy form: the key, then everything after the first run of whitespace.
        let rest = &s[start..end];
        return match rest.find(is_re_whitespace) {
            None => ParsedArgs {
                words: vec![LWord::new(rest, start, end)],
                json: false,
                error: Some(ArgError {
                    code: "missing-value",
                    message: format!("{keyword} must have two arguments"),
                    start,
                    end,
                }),
            },
            Some(i) => {
                let mut value_start = start + i;
                while s[value_start..end].starts_with(is_re_whitespace) {
                    value_start += 1;
                }
                ParsedArgs {
                    words: vec![
                        LWord::new(&s[start..start + i], start, start + i),
                        LWord::new(&s[value_start..end], value_start, end),
                    ],
                    json: false,
                    error: None,
                }
            }
        };
    }
    let mut out = ParsedArgs::default();
    for word in words {
        match word.text.find('=') {
            Some(eq) => {
                let key_end = (word.start + eq).min(word.end);
                let value_start = (key_end + 1).min(word.end);
                out.words
                    .push(LWord::new(&word.text[..eq], word.start, key_end));
                out.words
                    .push(LWord::new(&word.text[eq + 1..], value_start, word.end));
            }
            None => {
                out.error = Some(ArgError {
                    code: "missing-equals",
                    message: format!(
                        "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                        word.text
                    ),
                    start: word.start,
                    end: word.end,
                });
                return out;
            }
        }
    }
    out
}

/// `parseHealthConfig`: the type word (`CMD`, `NONE`), then a maybe-JSON command.
pub(crate) fn parse_health_config(s: &str, start: usize, end: usize) -> ParsedArgs {
    // As in `extract_builder_flags`, only ASCII whitespace bytes count (see there).
    let bytes = s.as_bytes();
    let is_space = |b: u8| b.is_ascii() && go_is_space(b as char);
    let mut sep = start;
    while sep < end && !is_space(bytes[sep]) {
        sep += 1;
    }
    let mut next = sep;
    while next < end && is_space(bytes[next]) {
        next += 1;
    }
    if sep == start {
        return ParsedArgs::default();
    }
    let mut rest = parse_maybe_json(s, next.min(end), end);
    let mut words = vec![LWord::new(&s[start..sep], start, sep)];
    words.append(&mut rest.words);
    ParsedArgs {
        words,
        json: rest.json,
        error: rest.error,
    }
}

/// The argument parser BuildKit dispatches to for `keyword`.
pub(crate) fn parse_args(
    keyword: crate::Keyword,
    s: &str,
    start: usize,
    end: usize,
    escape: char,
) -> ParsedArgs {
    use crate::Keyword as K;
    let plain = |words| ParsedArgs {
        words,
        json: false,
        error: None,
    };
    match keyword {
        K::Add | K::Copy | K::Volume => parse_maybe_json_to_list(s, start, end),
        K::Cmd | K::Entrypoint | K::Run | K::Shell => parse_maybe_json(s, start, end),
        K::Arg => plain(parse_words(s, start, end, escape)),
        K::Env => parse_name_val(s, start, end, escape, "ENV"),
        K::Label => parse_name_val(s, start, end, escape, "LABEL"),
        K::Expose | K::From => plain(split_whitespace(s, start, end)),
        K::Healthcheck => parse_health_config(s, start, end),
        K::Maintainer | K::Stopsignal | K::User | K::Workdir => plain(parse_string(s, start, end)),
        // ONBUILD is handled by the caller (it parses a whole sub-instruction).
        K::Onbuild => ParsedArgs::default(),
        K::Unknown => plain(vec![LWord::new("", start, start)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[LWord]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn flags_stop_at_first_non_flag_and_at_double_dash() {
        let line = "COPY --from=build --link a b";
        let split = split_command(line);
        assert_eq!(split.cmd.text, "COPY");
        assert_eq!(texts(&split.flags), ["--from=build", "--link"]);
        assert_eq!(&line[split.rest.0..split.rest.1], "a b");

        let line = "COPY --chown=1 -- --weird b";
        let split = split_command(line);
        assert_eq!(texts(&split.flags), ["--chown=1"]);
        assert_eq!(&line[split.rest.0..split.rest.1], "--weird b");
    }

    #[test]
    fn flag_quotes_are_removed() {
        let split = split_command(r#"RUN --mount="type=cache,target=/x y" echo"#);
        assert_eq!(texts(&split.flags), ["--mount=type=cache,target=/x y"]);
    }

    #[test]
    fn words_keep_quotes_and_escapes() {
        let s = r#"A="1 2" B=3\ 4 C"#;
        assert_eq!(
            texts(&parse_words(s, 0, s.len(), '\\')),
            [r#"A="1 2""#, r"B=3\ 4", "C"]
        );
    }

    #[test]
    fn env_legacy_and_modern_forms() {
        let s = "PATH /usr/bin:/bin  more";
        assert_eq!(
            texts(&parse_name_val(s, 0, s.len(), '\\', "ENV").words),
            ["PATH", "/usr/bin:/bin  more"]
        );
        let s = "A=1 B";
        let parsed = parse_name_val(s, 0, s.len(), '\\', "ENV");
        assert_eq!(parsed.error.map(|e| e.code), Some("missing-equals"));
        let s = "PATH";
        let parsed = parse_name_val(s, 0, s.len(), '\\', "ENV");
        assert_eq!(
            parsed.error.map(|e| e.message),
            Some("ENV must have two arguments".into())
        );
    }

    #[test]
    fn json_needs_strings_and_ignores_trailing_text() {
        let s = r#"["a", "b"] trailing"#;
        let parsed = parse_maybe_json(s, 0, s.len());
        assert!(parsed.json);
        assert_eq!(texts(&parsed.words), ["a", "b"]);
        let s = r#"[ "echo", [ "nested json" ] ]"#;
        assert!(parse_maybe_json(s, 0, s.len()).error.is_some());
        let s = r#"["unterminated"#;
        let parsed = parse_maybe_json(s, 0, s.len());
        assert!(!parsed.json && parsed.error.is_none());
    }

    #[test]
    fn healthcheck_type_then_command() {
        let s = "CMD curl -f http://x/";
        assert_eq!(
            texts(&parse_health_config(s, 0, s.len()).words),
            ["CMD", "curl -f http://x/"]
        );
        let s = "NONE";
        assert_eq!(texts(&parse_health_config(s, 0, s.len()).words), ["NONE"]);
    }
}
