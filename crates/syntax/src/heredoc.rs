//! Finding `<<EOF` markers in a RUN/COPY/ADD line, as BuildKit's `heredocsFromLine`
//! does: the line is split into shell words (quotes and escapes kept), and a word that
//! is exactly `[fd]<<[-]NAME` starts a heredoc.

use crate::line_parsers::go_is_space;

/// A heredoc marker found on the logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub name: String,
    pub file_descriptor: u32,
    pub chomp: bool,
    pub expand: bool,
    pub start: usize,
    pub end: usize,
}

/// A shell word with its raw text (quotes and escapes kept) and its unquoted text.
struct ShellWord {
    raw: String,
    unquoted: String,
    start: usize,
    end: usize,
}

/// Splits `line` into shell words, the escape character always being a backslash (as in
/// BuildKit's lexer here). `None` on an unterminated quote: BuildKit then finds no
/// heredoc at all.
fn shell_words(line: &str, offset: usize) -> Option<Vec<ShellWord>> {
    let mut words = Vec::new();
    let mut current: Option<ShellWord> = None;
    let mut chars = line.char_indices().peekable();
    fn word(current: &mut Option<ShellWord>, at: usize) -> &mut ShellWord {
        current.get_or_insert_with(|| ShellWord {
            raw: String::new(),
            unquoted: String::new(),
            start: at,
            end: at,
        })
    }
    while let Some((i, c)) = chars.next() {
        let at = offset + i;
        match c {
            '\'' => {
                let w = word(&mut current, at);
                w.raw.push('\'');
                loop {
                    let (_, d) = chars.next()?;
                    w.raw.push(d);
                    if d == '\'' {
                        break;
                    }
                    w.unquoted.push(d);
                }
            }
            '"' => {
                let w = word(&mut current, at);
                w.raw.push('"');
                loop {
                    let (_, d) = chars.next()?;
                    w.raw.push(d);
                    if d == '"' {
                        break;
                    }
                    if d == '\\' {
                        if let Some(&(_, e)) = chars.peek() {
                            if matches!(e, '"' | '\\' | '$') {
                                chars.next();
                                w.raw.push(e);
                                w.unquoted.push(e);
                                continue;
                            }
                        }
                    }
                    w.unquoted.push(d);
                }
            }
            '\\' => {
                let w = word(&mut current, at);
                w.raw.push('\\');
                if let Some((_, d)) = chars.next() {
                    w.raw.push(d);
                    w.unquoted.push(d);
                }
            }
            c if go_is_space(c) => {
                if let Some(mut w) = current.take() {
                    w.end = at;
                    words.push(w);
                }
            }
            c => {
                let w = word(&mut current, at);
                w.raw.push(c);
                w.unquoted.push(c);
            }
        }
    }
    if let Some(mut w) = current.take() {
        w.end = offset + line.len();
        words.push(w);
    }
    Some(words)
}

/// Matches `^(\d*)<<(-?)([^<]*)$` and reads the delimiter name.
fn marker_from_word(word: &ShellWord) -> Option<Marker> {
    let raw = word.raw.as_str();
    let lt = raw.find("<<")?;
    let digits = &raw[..lt];
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut rest = &raw[lt + 2..];
    let chomp = rest.starts_with('-');
    if chomp {
        rest = &rest[1..];
    }
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    // The delimiter must be a single shell word once its quotes are removed.
    let inner = shell_words(rest, 0)?;
    let [only] = inner.as_slice() else {
        return None;
    };
    let quotes = |s: &str| s.matches(['\'', '"']).count();
    Some(Marker {
        name: only.unquoted.clone(),
        file_descriptor: digits.parse().unwrap_or(0),
        chomp,
        expand: quotes(&only.unquoted) == quotes(&only.raw),
        start: word.start,
        end: word.end,
    })
}

/// Heredoc markers on a logical line, in order.
pub(crate) fn markers(line: &str) -> Vec<Marker> {
    // Every marker word contains `<<`; most lines have none, so skip the word split.
    if !line.contains("<<") {
        return Vec::new();
    }
    shell_words(line, 0)
        .unwrap_or_default()
        .iter()
        .filter_map(marker_from_word)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, bool, bool)> {
        markers(line)
            .into_iter()
            .map(|m| (m.name, m.chomp, m.expand))
            .collect()
    }

    #[test]
    fn finds_markers_like_buildkit() {
        assert_eq!(names("RUN <<EOF"), [("EOF".into(), false, true)]);
        assert_eq!(names("RUN <<-'EOT' bash"), [("EOT".into(), true, false)]);
        assert_eq!(
            names("COPY <<one <<\"two\" /dest/"),
            [("one".into(), false, true), ("two".into(), false, false)]
        );
        assert!(names("RUN echo '<<EOF'").is_empty());
        assert!(names("RUN cat<<EOF").is_empty());
        assert!(names("RUN echo \"unterminated <<EOF").is_empty());
        assert_eq!(markers("RUN 3<<EOF")[0].file_descriptor, 3);
    }
}
