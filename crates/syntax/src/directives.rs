//! Parser directives (`# syntax=`, `# escape=`, `# check=`), with BuildKit's placement
//! rules: they are read only at the very top, and the first line that is not a known
//! directive (a comment, a blank line, an instruction) ends the search for good.

use crate::{Diagnostic, Directive, TextRange};

pub(crate) const KNOWN_DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

#[derive(Debug, Default)]
pub(crate) struct DirectiveParser {
    done: bool,
}

/// What one line contributed, if anything.
pub(crate) enum DirectiveLine {
    None,
    Directive(Directive),
    Error(Diagnostic),
}

impl DirectiveParser {
    /// `line` is the physical line without its newline and leading whitespace;
    /// `offset` is where `line` starts in the source.
    pub(crate) fn parse_line(
        &mut self,
        line: &str,
        offset: usize,
        seen: &[Directive],
    ) -> DirectiveLine {
        if self.done {
            return DirectiveLine::None;
        }
        let Some((name, name_start, value, value_start)) = match_directive(line) else {
            self.done = true;
            return DirectiveLine::None;
        };
        let name = name.to_ascii_lowercase();
        if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
            self.done = true;
            return DirectiveLine::None;
        }
        let range = TextRange::new(offset, offset + line.len());
        let _ = name_start;
        if seen.iter().any(|d| d.name == name) {
            return DirectiveLine::Error(
                Diagnostic::error(
                    "duplicate-directive",
                    range,
                    format!("only one {name} parser directive can be used"),
                )
                .with_help("BuildKit rejects the file: remove one of them."),
            );
        }
        DirectiveLine::Directive(Directive {
            name,
            value: value.to_string(),
            range,
            value_range: TextRange::new(offset + value_start, offset + value_start + value.len()),
        })
    }
}

fn is_re_space(c: char) -> bool {
    // RE2's \s: [\t\n\f\r ]
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, returning the name, the value
/// and their byte offsets within `line`.
fn match_directive(line: &str) -> Option<(&str, usize, &str, usize)> {
    let rest = line.strip_prefix('#')?;
    let mut pos = 1 + (rest.len() - rest.trim_start_matches(is_re_space).len());
    let bytes = line.as_bytes();
    let name_start = pos;
    if !bytes.get(pos)?.is_ascii_alphabetic() {
        return None;
    }
    while bytes.get(pos).is_some_and(|b| b.is_ascii_alphanumeric()) {
        pos += 1;
    }
    let name = &line[name_start..pos];
    while line[pos..].starts_with(is_re_space) {
        pos += 1;
    }
    if bytes.get(pos) != Some(&b'=') {
        return None;
    }
    pos += 1;
    while line[pos..].starts_with(is_re_space) {
        pos += 1;
    }
    let value = line[pos..].trim_end_matches(is_re_space);
    if value.is_empty() {
        return None;
    }
    Some((name, name_start, value, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_buildkit_directive_shape() {
        assert_eq!(
            match_directive("# escape = `").map(|m| (m.0, m.2)),
            Some(("escape", "`"))
        );
        assert_eq!(
            match_directive("#syntax=docker/dockerfile:1  ").map(|m| (m.0, m.2)),
            Some(("syntax", "docker/dockerfile:1"))
        );
        assert!(match_directive("# escape =").is_none());
        assert!(match_directive("# just a comment").is_none());
        assert!(match_directive("#1abc=2").is_none());
    }
}
