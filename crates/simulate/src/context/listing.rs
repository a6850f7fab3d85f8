//! The editable listing of a build context: one `path size` a line, `#` comment lines and
//! blank lines, sizes in bytes or with a unit. Parsing reports the first problem with its
//! line, because the listing is user input typed into the playground.

use super::{walk_order, BuildContext, ContextError, ContextFile};

/// At most this many files in one listing, so a pasted `find` of a huge tree stays cheap.
pub const MAX_FILES: usize = 100_000;
/// Longer lines are refused (Linux's PATH_MAX is 4096 bytes).
pub const MAX_LINE: usize = 4096;
/// One file larger than 10 TB is a typo; the bound also keeps totals far from `u64::MAX`.
pub const MAX_FILE_BYTES: u64 = 10_000_000_000_000;

/// One parsed line: a normalised path, its size and the 1-based line it came from.
pub(super) struct Entry {
    pub path: String,
    pub bytes: u64,
    pub line: usize,
}

fn error(line: usize, message: impl Into<String>) -> ContextError {
    ContextError {
        message: message.into(),
        line,
    }
}

/// Parses a listing into entries, stopping at the first malformed line.
pub(super) fn parse_entries(text: &str) -> Result<Vec<Entry>, ContextError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.len() > MAX_LINE {
            return Err(error(line, format!("line is longer than {MAX_LINE} bytes")));
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if entries.len() == MAX_FILES {
            return Err(error(
                line,
                format!("more than {MAX_FILES} files: list fewer, or one file for a whole folder"),
            ));
        }
        let (path, size) = split_line(trimmed).ok_or_else(|| {
            error(
                line,
                format!("`{trimmed}` has no size: write `path size`, e.g. `{trimmed} 12KB`"),
            )
        })?;
        let bytes = parse_size(size).map_err(|m| error(line, m))?;
        let path = normalize_entry(path).map_err(|m| error(line, m))?;
        entries.push(Entry { path, bytes, line });
    }
    Ok(entries)
}

/// Splits `path size` at the last blank; `path 12 KB` (number and unit apart) is accepted
/// too. Paths may hold spaces: only the last one or two words are the size.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let cut = line.rfind(char::is_whitespace)?;
    let head = line[..cut].trim_end();
    let last = line[cut..].trim_start();
    let is_unit = !last.is_empty() && last.chars().all(|c| c.is_ascii_alphabetic());
    if is_unit {
        if let Some(cut2) = head.rfind(char::is_whitespace) {
            let number = head[cut2..].trim_start();
            if number.starts_with(|c: char| c.is_ascii_digit()) {
                let path = head[..cut2].trim_end();
                // From the number to the end of the line: `12 KB`.
                let start = head.len() - number.len();
                return (!path.is_empty()).then_some((path, line[start..].trim()));
            }
        }
    }
    (!head.is_empty()).then_some((head, last))
}

/// `12`, `12B`, `12KB`, `3.4MB`, `1GiB`, `2 kib`: decimal units are powers of 1000 (as
/// `docker images` and the size data use), `KiB`/`MiB`/`GiB`/`TiB` powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let split = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(split);
    let multiplier: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{text}` is not a size: use bytes or a unit (B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty()
        || fraction.contains('.')
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || number.ends_with('.')
    {
        return Err(format!(
            "`{text}` is not a size: expected a number such as 512, 12KB or 3.4MB"
        ));
    }
    if whole.len() > 20 || fraction.len() > 12 {
        return Err(format!("`{text}` has too many digits"));
    }
    let whole_value: u128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| format!("`{text}` is not a size"))?
    };
    let mut bytes = whole_value.saturating_mul(multiplier);
    if !fraction.is_empty() {
        let digits: u128 = fraction
            .parse()
            .map_err(|_| format!("`{text}` is not a size"))?;
        let scale = 10u128.pow(fraction.len() as u32);
        let part = digits * multiplier;
        if multiplier == 1 && digits != 0 {
            return Err(format!("`{text}`: a byte count is a whole number"));
        }
        // Rounded to the nearest byte: 1.5KiB is 1536, 0.0001KB is 0.
        bytes = bytes.saturating_add((part + scale / 2) / scale);
    }
    if bytes > u128::from(MAX_FILE_BYTES) {
        return Err(format!("`{text}` is larger than 10 TB"));
    }
    u64::try_from(bytes).map_err(|_| format!("`{text}` is larger than 10 TB"))
}

/// Normalises a listed path: relative to the context root, `./` and `.` removed, `..`
/// resolved when it stays inside; absolute paths and escapes are refused.
pub(super) fn normalize_entry(path: &str) -> Result<String, String> {
    if path.starts_with('/') {
        return Err(format!(
            "`{path}` is absolute: context paths are relative to the context root"
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(format!(
            "`{}` holds a control character",
            path.escape_debug()
        ));
    }
    if path.ends_with('/') {
        return Err(format!(
            "`{path}` is a folder: list the files in it, one a line"
        ));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "`{path}` leaves the build context: `..` goes above the context root"
                    ));
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err(format!("`{path}` is the context root itself, not a file"));
    }
    Ok(parts.join("/"))
}

/// Checks a set of entries for duplicates and for a path listed as a file while another
/// lists files inside it, and sorts them in walk order. In walk order both problems show
/// up between neighbours (what lies inside `a` directly follows `a`), so one linear pass
/// finds them; of those found, the error on the earliest line is reported.
pub(super) fn check_entries(mut entries: Vec<Entry>) -> Result<Vec<ContextFile>, ContextError> {
    stagecraft_syntax::order::sort_by(&mut entries, |a, b| {
        walk_order(&a.path, &b.path).then(a.line.cmp(&b.line))
    });
    let mut first: Option<ContextError> = None;
    for pair in entries.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let found = if a.path == b.path {
            // Sorted by line within equal paths: `a` is the earlier one.
            error(
                b.line,
                format!("`{}` is listed twice (first on line {})", b.path, a.line),
            )
        } else if b.path.len() > a.path.len()
            && b.path.starts_with(a.path.as_str())
            && b.path.as_bytes().get(a.path.len()) == Some(&b'/')
        {
            error(
                a.line.max(b.line),
                format!(
                    "`{}` is a file (line {}) but `{}` (line {}) puts files inside it",
                    a.path, a.line, b.path, b.line
                ),
            )
        } else {
            continue;
        };
        if first.as_ref().is_none_or(|f| found.line < f.line) {
            first = Some(found);
        }
    }
    match first {
        Some(e) => Err(e),
        None => Ok(entries
            .into_iter()
            .map(|e| ContextFile {
                path: e.path,
                bytes: e.bytes,
            })
            .collect()),
    }
}

/// The listing of a context, parseable by [`BuildContext::parse_listing`].
pub(super) fn render(context: &BuildContext) -> String {
    let mut out = format!(
        "# Build context (preset {}): one file a line, `path size`; sizes in bytes or with a\n\
         # unit (12KB, 3.4MB, 1GiB). The .dockerignore is edited on its own.\n",
        // The name is free text: a newline in it must not end the comment.
        context.preset.replace(|c: char| c.is_control(), " ")
    );
    let width = context
        .files
        .iter()
        .map(|f| f.path.chars().count())
        .max()
        .unwrap_or(0)
        .min(56);
    for file in &context.files {
        // A path starting with `#` would read as a comment: `./` keeps it a path.
        let path = if file.path.starts_with('#') {
            format!("./{}", file.path)
        } else {
            file.path.clone()
        };
        out.push_str(&format!("{path:<width$} {}\n", file.bytes));
    }
    out
}
