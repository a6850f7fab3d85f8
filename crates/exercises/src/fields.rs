//! Reading TOML for exercise files and pack manifests. `toml-span` parses (a small
//! hand-written parser: every key and value keeps its byte span, and no serde code ships
//! in the page), and these helpers walk a table key by key in the order the author wrote
//! them, so the first problem in the file is the one reported, at the key or value it
//! concerns, in the same words for a syntax error, an unknown or missing field and a
//! wrong type.
//!
//! Only shared borrows and `as_*` accessors are used on parsed values: `toml-span`'s
//! `take` and `as_ref` panic on a value taken twice, and a panic in the page is a dead page.

use stagecraft_syntax::{order, LineIndex};
use toml_span::value::{Key, Table, Value};
use toml_span::{Error, ErrorKind, Span, Spanned};

use crate::format::{did_you_mean, FormatError};

/// Parses a whole document; a syntax error is reported at its position.
pub(crate) fn parse(text: &str) -> Result<Value<'_>, FormatError> {
    toml_span::parse(text).map_err(|e| syntax_error(text, &e))
}

/// The top-level table of a parsed document (`toml-span` always returns one; the error
/// only keeps this free of panics).
pub(crate) fn document<'v, 'de>(
    text: &str,
    root: &'v Value<'de>,
) -> Result<&'v Table<'de>, FormatError> {
    root.as_table()
        .ok_or_else(|| FormatError::at(text, 0, "the file is not a TOML table"))
}

/// A table's entries in the order they were written. `toml-span` keeps them sorted by
/// name; reading them in the author's order reports the first problem from the top.
pub(crate) fn entries<'v, 'de>(table: &'v Table<'de>) -> Vec<(&'v Key<'de>, &'v Value<'de>)> {
    let mut entries: Vec<_> = table.iter().collect();
    // The page's one shared sort, not another copy of the standard library's.
    order::sort_by_key(&mut entries, |(key, _)| key.span.start);
    entries
}

/// A string field.
pub(crate) fn string(
    text: &str,
    key: &Key<'_>,
    value: &Value<'_>,
) -> Result<Spanned<String>, FormatError> {
    match value.as_str() {
        Some(s) => Ok(spanned(text, s, value)),
        None => Err(wrong_type(text, key, value, "a string")),
    }
}

/// An array of strings, each with its span; a wrong item is reported at the item.
pub(crate) fn strings(
    text: &str,
    key: &Key<'_>,
    value: &Value<'_>,
) -> Result<Spanned<Vec<Spanned<String>>>, FormatError> {
    let Some(items) = value.as_array() else {
        return Err(wrong_type(text, key, value, "an array of strings"));
    };
    let mut strings = Vec::with_capacity(items.len());
    for item in items {
        match item.as_str() {
            Some(s) => strings.push(spanned(text, s, item)),
            None => {
                return Err(FormatError::at(
                    text,
                    position(text, key, item),
                    format!(
                        "every item of `{}` must be a string, not {}",
                        key.name,
                        describe(item)
                    ),
                ))
            }
        }
    }
    Ok(Spanned::with_span(
        strings,
        Span::new(start(text, value), value.span.end),
    ))
}

/// A string value with a span that starts at its opening quote.
fn spanned(text: &str, s: &str, value: &Value<'_>) -> Spanned<String> {
    Spanned::with_span(s.to_owned(), Span::new(start(text, value), value.span.end))
}

/// Where `value` starts as an author sees it. A string's span covers only its contents
/// (after a multi-line string's first newline, even), so step back over the opening
/// quotes: errors have always pointed at them, and a column on an empty string's
/// contents would be odd.
pub(crate) fn start(text: &str, value: &Value<'_>) -> usize {
    let at = value.span.start;
    if value.as_str().is_none() {
        return at;
    }
    let b = text.as_bytes();
    let before = |i: usize| i.checked_sub(1).and_then(|j| b.get(j)).copied();
    // A multi-line string drops the newline right after its `"""`: step over it.
    let mut quotes_end = at;
    if before(quotes_end) == Some(b'\n') {
        quotes_end -= 1;
        if before(quotes_end) == Some(b'\r') {
            quotes_end -= 1;
        }
    }
    let mut open = quotes_end;
    while quotes_end - open < 3 && matches!(before(open), Some(b'"' | b'\'')) {
        open -= 1;
    }
    if open == quotes_end {
        // No quote before the contents: an empty `""`, whose span is its opening quote.
        at
    } else {
        open
    }
}

/// The tables of an array of tables (`[[name]]` headers, or an array of inline tables),
/// each with the offset it starts at: its `[[name]]` header or its `{`.
pub(crate) fn tables<'v, 'de>(
    text: &str,
    key: &Key<'_>,
    value: &'v Value<'de>,
) -> Result<Vec<(&'v Table<'de>, usize)>, FormatError> {
    let Some(items) = value.as_array() else {
        if value.as_table().is_some() {
            // The likely slip: `[check]` where `[[check]]` was meant.
            return Err(FormatError::at(
                text,
                position(text, key, value),
                format!(
                    "`{0}` must be an array of tables: write `[[{0}]]`, not `[{0}]`",
                    key.name
                ),
            ));
        }
        return Err(wrong_type(text, key, value, "an array of tables"));
    };
    let mut tables = Vec::with_capacity(items.len());
    for item in items {
        match item.as_table() {
            Some(table) => tables.push((table, item.span.start)),
            None => {
                return Err(FormatError::at(
                    text,
                    position(text, key, item),
                    format!(
                        "every item of `{}` must be a table, not {}",
                        key.name,
                        describe(item)
                    ),
                ))
            }
        }
    }
    Ok(tables)
}

/// A key the format does not have, with the closest valid one if it looks like a typo.
pub(crate) fn unknown(text: &str, key: &Key<'_>, valid: &[&str]) -> FormatError {
    FormatError::at(
        text,
        key.span.start,
        format!(
            "unknown field `{}`{}; valid fields: {}",
            key.name,
            did_you_mean(&key.name, valid),
            valid.join(", ")
        ),
    )
}

/// A required field the table at `at` lacks.
pub(crate) fn missing(text: &str, at: usize, name: &str) -> FormatError {
    FormatError::at(text, at, format!("missing field `{name}`"))
}

/// `` `key` must be EXPECTED, not FOUND ``, at the value.
pub(crate) fn wrong_type(
    text: &str,
    key: &Key<'_>,
    value: &Value<'_>,
    expected: &str,
) -> FormatError {
    FormatError::at(
        text,
        position(text, key, value),
        format!("`{}` must be {expected}, not {}", key.name, describe(value)),
    )
}

/// Where to point for a problem with `value`: its start, except for a table made by a
/// dotted key (`kind.x = 1`), whose span starts at the innermost value rather than at
/// anything the author would call the table; there the key is clearer.
pub(crate) fn position(text: &str, key: &Key<'_>, value: &Value<'_>) -> usize {
    let opens = text
        .as_bytes()
        .get(value.span.start)
        .is_some_and(|b| matches!(b, b'{' | b'['));
    if value.as_table().is_some() && !opens {
        key.span.start
    } else {
        start(text, value)
    }
}

/// `the string "150"`, `the integer 5`, `an array`: what an error says was found. Long
/// strings are cut so a stray multi-line Dockerfile does not become the message.
pub(crate) fn describe(value: &Value<'_>) -> String {
    const SHOWN: usize = 40;
    if let Some(s) = value.as_str() {
        if s.chars().count() > SHOWN {
            let start: String = s.chars().take(SHOWN).collect();
            format!("the string {start:?}…")
        } else {
            format!("the string {s:?}")
        }
    } else if let Some(i) = value.as_integer() {
        format!("the integer {i}")
    } else if let Some(f) = value.as_float() {
        format!("the float {f}")
    } else if let Some(b) = value.as_bool() {
        format!("the boolean {b}")
    } else if value.as_array().is_some() {
        "an array".to_string()
    } else if value.as_table().is_some() {
        "a table".to_string()
    } else {
        "nothing".to_string()
    }
}

/// A `toml-span` syntax error as ours, on one line (the CLI prints `file:line:col:
/// message` lines), at the start of its span. The kinds a teacher is likely to meet get
/// a sentence saying how to fix them; the rest keep `toml-span`'s own words.
fn syntax_error(text: &str, error: &Error) -> FormatError {
    let line_of = |span: &Span| LineIndex::new(text).line_col(text, span.start).line;
    let found = text.get(error.span.start..).unwrap_or_default();
    let message = match &error.kind {
        ErrorKind::UnterminatedString => "this string is never closed".to_string(),
        ErrorKind::InvalidCharInString('\n') => {
            "this string is not closed on its line (only \"\"\"…\"\"\" and '''…''' strings \
             may span lines)"
                .to_string()
        }
        ErrorKind::InvalidEscape(c) => format!(
            "invalid escape `\\{}` in a string (write `\\\\` for a backslash, or use a \
             '…' literal string, which has no escapes)",
            c.escape_default()
        ),
        ErrorKind::InvalidNumber if looks_like_datetime(found) => {
            "dates and times are not used in these files; quote the value to make it a string"
                .to_string()
        }
        ErrorKind::DuplicateKey { key, first } => {
            // `toml-span` merges dotted keys last, so `first` may be the later one: point
            // at the later, name the line of the earlier.
            let (earlier, later) = if first.start <= error.span.start {
                (*first, error.span)
            } else {
                (error.span, *first)
            };
            return FormatError::at(
                text,
                later.start,
                format!(
                    "duplicate key `{key}`: it is already set on line {}",
                    line_of(&earlier)
                ),
            );
        }
        ErrorKind::DuplicateTable { name, first } => {
            format!(
                "table `{name}` is defined twice: first on line {}",
                line_of(first)
            )
        }
        ErrorKind::DottedKeyInvalidType { first } => format!(
            "this dotted key extends a value that is not a table (set on line {})",
            line_of(first)
        ),
        ErrorKind::RedefineAsArray => {
            "this `[[…]]` array of tables reuses the name of a table defined above".to_string()
        }
        ErrorKind::UnexpectedEof => "unexpected end of file".to_string(),
        ErrorKind::ExceededDepthLimit => "values are nested too deeply".to_string(),
        _ => error.to_string().replace('\n', " "),
    };
    FormatError::at(text, error.span.start, message)
}

/// `1979-05-27` or `07:32:00`: TOML dates and times, which `toml-span` does not read and
/// no field takes.
fn looks_like_datetime(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    (digits(0..4) && b.get(4) == Some(&b'-')) || (digits(0..2) && b.get(2) == Some(&b':'))
}
