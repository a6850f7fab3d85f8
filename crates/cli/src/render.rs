//! Diagnostics as text, the way rustc shows them: a header, the position, the source
//! line in a gutter with carets under the range, the help, and a summary at the end.

use std::fmt::Write as _;

use stagecraft_syntax::{Diagnostic, LineIndex, Severity, TextRange};

/// Width of a tab in the shown source line.
const TAB_WIDTH: usize = 4;
/// How many characters of a long line are shown before and from the range's start.
const SHOWN_BEFORE: usize = 60;
const SHOWN_AFTER: usize = 100;

/// Renders every diagnostic, each followed by a blank line, then the summary line.
pub fn render_diagnostics(text: &str, name: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = render_list(text, name, diagnostics);
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

/// Renders every diagnostic, each followed by a blank line, without the summary line.
pub fn render_list(text: &str, name: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_one(&mut out, text, &index, name, diagnostic);
        out.push('\n');
    }
    out
}

/// `2 errors, 1 warning`, or `no problems found`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let count = |severity: Severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let mut parts = Vec::new();
    for (severity, one, many) in [
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
        (Severity::Info, "info", "infos"),
    ] {
        match count(severity) {
            0 => {}
            1 => parts.push(format!("1 {one}")),
            n => parts.push(format!("{n} {many}")),
        }
    }
    if parts.is_empty() {
        "no problems found".to_string()
    } else {
        parts.join(", ")
    }
}

fn render_one(out: &mut String, text: &str, index: &LineIndex, name: &str, d: &Diagnostic) {
    let start = index.line_col(text, d.range.start);
    let end = index.line_col(text, d.range.end);
    let number = start.line.to_string();
    let pad = " ".repeat(number.len());

    let mut message = clean(&d.message).into_iter();
    let _ = writeln!(
        out,
        "{}[{}]: {}",
        d.severity.as_str(),
        clean_line(d.code),
        message.next().unwrap_or_default()
    );
    for line in message {
        let _ = writeln!(out, "{pad}   {line}");
    }
    let _ = writeln!(out, "{pad}--> {name}:{}:{}", start.line, start.column);
    let _ = writeln!(out, "{pad} |");

    let line = index.line_range(text, start.line).unwrap_or_default();
    let source = text.get(line.start..line.end).unwrap_or_default();
    let (shown, indent, carets) = excerpt(source, line.start, d.range, end.line == start.line);
    if shown.is_empty() {
        let _ = writeln!(out, "{number} |");
    } else {
        let _ = writeln!(out, "{number} | {shown}");
    }
    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(indent), "^".repeat(carets));

    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} |");
        let mut lines = clean(help).into_iter();
        let _ = writeln!(out, "{pad} = help: {}", lines.next().unwrap_or_default());
        for line in lines {
            let _ = writeln!(out, "{pad}         {line}");
        }
    }
}

/// The part of a source line shown around a range (long lines are cut to a window with
/// `...`, so a huge one-line file cannot flood the terminal), the width before the
/// carets and the number of carets. Only the window is walked, never the whole line.
fn excerpt(
    source: &str,
    line_start: usize,
    range: TextRange,
    same_line: bool,
) -> (String, usize, usize) {
    let mut at = range.start.saturating_sub(line_start).min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let stop = if same_line {
        range.end.saturating_sub(line_start).clamp(at, source.len())
    } else {
        source.len()
    };
    let mut before: Vec<char> = source[..at].chars().rev().take(SHOWN_BEFORE + 1).collect();
    let cut_left = before.len() > SHOWN_BEFORE;
    before.truncate(SHOWN_BEFORE);
    before.reverse();
    let mut after: Vec<(usize, char)> = source[at..].char_indices().take(SHOWN_AFTER + 1).collect();
    let cut_right = after.len() > SHOWN_AFTER;
    after.truncate(SHOWN_AFTER);

    let mut shown = String::new();
    if cut_left {
        shown.push_str("...");
    }
    shown.extend(before.iter().map(|&c| shown_char(c)));
    shown.extend(after.iter().map(|&(_, c)| shown_char(c)));
    if cut_right {
        shown.push_str("...");
    }
    let indent =
        if cut_left { 3 } else { 0 } + before.iter().map(|&c| char_width(c)).sum::<usize>();
    let carets = after
        .iter()
        .take_while(|&&(offset, _)| at + offset < stop)
        .map(|&(_, c)| char_width(c))
        .sum::<usize>()
        .max(1);
    (shown, indent, carets)
}

/// How a source character is shown: tabs as spaces, invisible or control characters as
/// a replacement mark (a byte-order mark as nothing), so the terminal shows what the
/// carets point at.
fn shown_char(c: char) -> String {
    match c {
        '\t' => " ".repeat(TAB_WIDTH),
        '\u{feff}' => String::new(),
        c if c.is_control() => "\u{fffd}".to_string(),
        c => c.to_string(),
    }
}

fn char_width(c: char) -> usize {
    match c {
        '\t' => TAB_WIDTH,
        '\u{feff}' => 0,
        _ => 1,
    }
}

/// Splits text into lines and escapes control characters, so that no message can move
/// the cursor or change colours on a terminal.
fn clean(text: &str) -> Vec<String> {
    text.split('\n').map(clean_line).collect()
}

/// One line of text with tabs as spaces and control characters escaped.
pub fn clean_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t' => out.push(' '),
            '\r' => {}
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, diagnostics: &[Diagnostic]) -> String {
        render_diagnostics(text, "Dockerfile", diagnostics)
    }

    #[test]
    fn one_line_range_with_help() {
        let text = "FROM alpine\nCOPY --from=0 /a /b\n";
        let start = text.find("--from").unwrap_or(0);
        let d = Diagnostic::error(
            "circular-dependency",
            TextRange::new(start, start + 13),
            "circular dependency detected on stage: 0",
        )
        .with_help("A stage cannot copy from itself.");
        assert_eq!(
            render(text, &[d]),
            "\
error[circular-dependency]: circular dependency detected on stage: 0
 --> Dockerfile:2:6
  |
2 | COPY --from=0 /a /b
  |      ^^^^^^^^^^^^^
  |
  = help: A stage cannot copy from itself.

1 error
"
        );
    }

    #[test]
    fn multi_line_empty_and_tabbed_ranges() {
        let text = "FROM a\n\tRUN x \\\n  y\n";
        let run = text.find("RUN").unwrap_or(0);
        let multi = Diagnostic::warning("W", TextRange::new(run, text.len() - 1), "two lines")
            .with_help("first\n  second");
        let empty = Diagnostic::info("I", TextRange::empty(3), "a point");
        assert_eq!(
            render(text, &[multi, empty]),
            "\
warning[W]: two lines
 --> Dockerfile:2:2
  |
2 |     RUN x \\
  |     ^^^^^^^
  |
  = help: first
            second

info[I]: a point
 --> Dockerfile:1:4
  |
1 | FROM a
  |    ^

1 warning, 1 info
"
        );
    }

    #[test]
    fn wide_gutters_end_of_file_and_hostile_text() {
        let text = format!("{}FROM a\u{1b}[2J", "\n".repeat(11));
        let d = Diagnostic::error("E", TextRange::empty(text.len()), "bad \u{1b}[31m\nnext");
        assert_eq!(
            render(&text, &[d.clone(), d]),
            "\
error[E]: bad \\u{1b}[31m
     next
  --> Dockerfile:12:11
   |
12 | FROM a\u{fffd}[2J
   |           ^

error[E]: bad \\u{1b}[31m
     next
  --> Dockerfile:12:11
   |
12 | FROM a\u{fffd}[2J
   |           ^

2 errors
"
        );
        assert_eq!(render("", &[]), "no problems found\n");
    }

    #[test]
    fn long_lines_are_cut_around_the_range() {
        let text = format!("RUN {}BAD{}\n", "a".repeat(500), "b".repeat(500));
        let at = text.find("BAD").unwrap_or(0);
        let d = Diagnostic::error("E", TextRange::new(at, at + 3), "m");
        let out = render(&text, &[d]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], " --> Dockerfile:1:505");
        assert_eq!(
            lines[3],
            format!("1 | ...{}BAD{}...", "a".repeat(60), "b".repeat(97))
        );
        assert_eq!(lines[4], format!("  | {}^^^", " ".repeat(63)));
        // A range running to the end of a long line is cut too.
        let d = Diagnostic::error("E", TextRange::new(4, text.len()), "m");
        let out = render(&text, &[d]);
        assert_eq!(
            out.lines().nth(4),
            Some(format!("  |     {}", "^".repeat(100)).as_str())
        );
    }
}
