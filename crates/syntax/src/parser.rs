//! The parser loop, a port of BuildKit's `parser.Parse`: physical lines become logical
//! lines (continuations joined, comment and empty lines inside them dropped), each
//! logical line becomes an instruction, and heredoc bodies are read after it.
//!
//! Where BuildKit stops with an error, this parser records an error diagnostic and goes
//! on, so an editor always has a tree to show.

use crate::directives::{DirectiveLine, DirectiveParser};
use crate::line_parsers::{self, go_is_space, LWord};
use crate::{
    Diagnostic, Directive, Dockerfile, EmptyContinuation, Flag, Heredoc, Instruction, Keyword,
    TextRange, Word,
};

/// The result of parsing: always a tree, plus what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Parse {
    pub dockerfile: Dockerfile,
    pub diagnostics: Vec<Diagnostic>,
}

/// A physical line: where it starts, where its content ends (before `\r\n`), and where
/// the next one starts.
#[derive(Clone, Copy)]
struct PhysLine {
    start: usize,
    content_end: usize,
    next: usize,
}

fn physical_lines(text: &str) -> Vec<PhysLine> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let next = memchr(b'\n', &bytes[start..]).map_or(text.len(), |i| start + i + 1);
        let mut content_end = next;
        while content_end > start && matches!(bytes[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        lines.push(PhysLine {
            start,
            content_end,
            next,
        });
        start = next;
    }
    lines
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// A logical line built from pieces of physical lines, with the map back to the source.
#[derive(Default)]
pub(crate) struct LogicalLine {
    text: String,
    /// (offset in `text`, offset in the source) for each piece, in order.
    pieces: Vec<(usize, usize)>,
}

impl LogicalLine {
    fn push(&mut self, piece: &str, source_start: usize) {
        if piece.is_empty() {
            return;
        }
        self.pieces.push((self.text.len(), source_start));
        self.text.push_str(piece);
    }

    fn to_source(&self, pos: usize) -> usize {
        let index = self.pieces.partition_point(|&(l, _)| l <= pos);
        match index.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(l, s)) => s + (pos - l),
            None => self.pieces.first().map_or(0, |&(_, s)| s),
        }
    }

    fn range(&self, start: usize, end: usize) -> TextRange {
        if end <= start {
            return TextRange::empty(self.to_source(start));
        }
        TextRange::new(self.to_source(start), self.to_source(end - 1) + 1)
    }

    fn word(&self, word: LWord) -> Word {
        Word {
            range: self.range(word.start, word.end),
            text: word.text,
        }
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start_matches(go_is_space).starts_with('#')
}

/// BuildKit's continuation test, `(^|[^\\])\\[ \t]*$` for the escape character: a
/// character that is not the escape (or the line start), the escape, then only spaces and tabs. So an
/// escaped escape (`C:\\`) at the end of a line does not continue it. Returns the line
/// without the escape and what follows, or `None` if it does not continue.
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    let body = line.trim_end_matches([' ', '\t']).strip_suffix(escape)?;
    match body.chars().next_back() {
        Some(previous) if previous == escape => None,
        _ => Some(body),
    }
}

struct Parser<'a> {
    text: &'a str,
    lines: Vec<PhysLine>,
    next_line: usize,
    escape: char,
    directives: DirectiveParser,
    file: Dockerfile,
    diagnostics: Vec<Diagnostic>,
}

/// Parses a Dockerfile. Never fails: problems come back as diagnostics.
pub fn parse(text: &str) -> Parse {
    let mut parser = Parser {
        text,
        lines: physical_lines(text),
        next_line: 0,
        escape: '\\',
        directives: DirectiveParser::default(),
        file: Dockerfile {
            escape: '\\',
            ..Dockerfile::default()
        },
        diagnostics: Vec::new(),
    };
    parser.run();
    parser.file.escape = parser.escape;
    crate::sort_diagnostics(&mut parser.diagnostics);
    Parse {
        dockerfile: parser.file,
        diagnostics: parser.diagnostics,
    }
}

impl<'a> Parser<'a> {
    fn content(&self, line: PhysLine) -> &'a str {
        &self.text[line.start..line.content_end]
    }

    fn take_line(&mut self) -> Option<PhysLine> {
        let line = *self.lines.get(self.next_line)?;
        self.next_line += 1;
        Some(line)
    }

    fn run(&mut self) {
        let mut comments: Vec<String> = Vec::new();
        while let Some(line) = self.take_line() {
            let line_no = self.next_line as u32;
            let mut start = line.start;
            if line_no == 1 && self.text[start..].starts_with('\u{feff}') {
                start += '\u{feff}'.len_utf8();
            }
            let raw = &self.text[start..line.content_end];
            let stripped = raw.trim_start_matches(go_is_space);
            let stripped_start = start + (raw.len() - stripped.len());
            self.directive_line(stripped, stripped_start);
            if is_comment(raw) {
                let comment = stripped[1..].trim_matches(go_is_space);
                if comment.is_empty() {
                    comments.clear();
                } else {
                    comments.push(comment.to_string());
                }
                continue;
            }

            let mut logical = LogicalLine::default();
            let (first, mut done) = match strip_continuation(stripped, self.escape) {
                Some(piece) => (piece, false),
                None => (stripped, true),
            };
            logical.push(first, stripped_start);
            if done && logical.text.is_empty() {
                // A blank line detaches the comments above it from the next instruction.
                comments.clear();
                continue;
            }
            let start_line = line_no;
            let mut end_offset = line.content_end;
            let mut empty_lines = Vec::new();
            while !done {
                let Some(next) = self.take_line() else { break };
                end_offset = next.content_end;
                let content = self.content(next);
                self.directive_line(content, next.start);
                if is_comment(content) {
                    continue;
                }
                if content.trim_start_matches(go_is_space).is_empty() {
                    empty_lines.push((self.next_line as u32, next));
                    continue;
                }
                let piece = match strip_continuation(content, self.escape) {
                    Some(piece) => piece,
                    None => {
                        done = true;
                        content
                    }
                };
                logical.push(piece, next.start);
            }
            let mut end_line = self.next_line as u32;

            let mut instruction = self.instruction(&logical, 0, logical.text.len());
            if instruction.effective().keyword.can_contain_heredoc()
                && !instruction.effective().json
            {
                let (heredocs, last) = self.read_heredocs(&logical);
                if let Some(last) = last {
                    end_offset = last;
                    end_line = self.next_line as u32;
                }
                instruction.heredocs = heredocs;
            }
            let first_start = logical.to_source(0);
            instruction.range = TextRange::new(first_start, end_offset);
            instruction.start_line = start_line;
            instruction.end_line = end_line;
            instruction.comments = std::mem::take(&mut comments);
            for (line_no, line) in empty_lines {
                self.file.empty_continuations.push(EmptyContinuation {
                    instruction: instruction.range,
                    line: line_no,
                    range: TextRange::new(line.start, line.content_end),
                });
            }
            self.file.instructions.push(instruction);
        }
        if self.file.instructions.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    "no-instructions",
                    TextRange::new(0, self.text.len()),
                    "file with no instructions",
                )
                .with_help(
                    "A Dockerfile needs at least a FROM instruction, e.g. `FROM alpine:3.20`.",
                ),
            );
        }
    }

    fn directive_line(&mut self, line: &str, offset: usize) {
        match self
            .directives
            .parse_line(line, offset, &self.file.directives)
        {
            DirectiveLine::None => {}
            DirectiveLine::Error(diagnostic) => self.diagnostics.push(diagnostic),
            DirectiveLine::Directive(directive) => {
                if directive.name == "escape" {
                    self.set_escape(&directive);
                }
                self.file.directives.push(directive);
            }
        }
    }

    fn set_escape(&mut self, directive: &Directive) {
        match directive.value.as_str() {
            "\\" => self.escape = '\\',
            "`" => self.escape = '`',
            other => self.diagnostics.push(
                Diagnostic::error(
                    "invalid-escape",
                    directive.value_range,
                    format!("invalid escape token '{other}' does not match ` or \\"),
                )
                .with_help("The escape character can only be a backslash or a backtick."),
            ),
        }
    }

    /// `newNodeFromLine` over `logical.text[start..end]`.
    fn instruction(&mut self, logical: &LogicalLine, start: usize, end: usize) -> Instruction {
        let line = &logical.text[start..end];
        let split = line_parsers::split_command(line);
        let shift = |w: LWord| LWord {
            text: w.text,
            start: w.start + start,
            end: w.end + start,
        };
        let cmd = shift(split.cmd);
        let keyword = Keyword::from_word(&cmd.text);
        let flags = split
            .flags
            .into_iter()
            .map(|flag| flag_from_word(logical.word(shift(flag))))
            .collect();
        let (rest_start, rest_end) = (split.rest.0 + start, split.rest.1 + start);
        let rest = Word {
            text: logical.text[rest_start..rest_end].to_string(),
            range: logical.range(rest_start, rest_end),
        };
        let mut onbuild = None;
        let (args, json) = if keyword == Keyword::Onbuild {
            if rest_start == rest_end {
                (Vec::new(), false)
            } else {
                let inner = self.instruction(logical, rest_start, rest_end);
                let args = inner.args.clone();
                onbuild = Some(Box::new(inner));
                (args, false)
            }
        } else {
            let parsed =
                line_parsers::parse_args(keyword, &logical.text, rest_start, rest_end, self.escape);
            if let Some(error) = parsed.error {
                self.diagnostics.push(Diagnostic::error(
                    error.code,
                    logical.range(error.start, error.end),
                    error.message,
                ));
            }
            let words = parsed.words.into_iter().map(|w| logical.word(w)).collect();
            (words, parsed.json)
        };
        let range = logical.range(cmd.start, end);
        Instruction {
            keyword,
            keyword_word: logical.word(cmd),
            flags,
            args,
            json,
            heredocs: Vec::new(),
            onbuild,
            rest,
            original: line.to_string(),
            range,
            start_line: 0,
            end_line: 0,
            comments: Vec::new(),
        }
    }

    /// Reads the bodies of the heredocs on `logical`, in order. Returns them and the end
    /// offset of the last terminator line read.
    fn read_heredocs(&mut self, logical: &LogicalLine) -> (Vec<Heredoc>, Option<usize>) {
        let mut heredocs = Vec::new();
        let mut last_end = None;
        for marker in crate::heredoc::markers(&logical.text) {
            let marker_range = logical.range(marker.start, marker.end);
            let mut content = String::new();
            let mut content_start = None;
            let mut content_end = None;
            let mut terminated = false;
            while let Some(line) = self.take_line() {
                last_end = Some(line.content_end);
                let body_line = self.content(line);
                let candidate = if marker.chomp {
                    body_line.trim_start_matches('\t')
                } else {
                    body_line
                };
                if candidate == marker.name {
                    terminated = true;
                    content_end.get_or_insert(line.start);
                    break;
                }
                content_start.get_or_insert(line.start);
                content_end = Some(line.next);
                content.push_str(&self.text[line.start..line.next]);
            }
            // An empty body is an empty range at the terminator line.
            let at = content_start.or(content_end).unwrap_or(marker_range.end);
            let content_range = TextRange::new(at, content_end.unwrap_or(at));
            if !terminated {
                self.diagnostics.push(
                    Diagnostic::error("unterminated-heredoc", marker_range, "unterminated heredoc")
                        .with_help(format!(
                            "End the heredoc with a line that holds only `{}`.",
                            marker.name
                        )),
                );
            }
            heredocs.push(Heredoc {
                name: marker.name,
                file_descriptor: marker.file_descriptor,
                chomp: marker.chomp,
                expand: marker.expand,
                content,
                marker_range,
                content_range,
            });
        }
        (heredocs, last_end)
    }
}

fn flag_from_word(word: Word) -> Flag {
    let body = word.text.strip_prefix("--").unwrap_or(&word.text);
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (name.to_string(), Some(value.to_string())),
        None => (body.to_string(), None),
    };
    Flag {
        name,
        value,
        text: word.text,
        range: word.range,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(p: &Parse, i: usize) -> Vec<&str> {
        p.dockerfile.instructions[i].arg_texts()
    }

    #[test]
    fn continuations_comments_and_empty_lines() {
        let text = "FROM alpine\nRUN echo a \\\n# comment\n\n  b\nCMD x\n";
        let p = parse(text);
        let run = &p.dockerfile.instructions[1];
        assert_eq!(run.original, "RUN echo a   b");
        assert_eq!((run.start_line, run.end_line), (2, 5));
        assert_eq!(p.dockerfile.empty_continuations.len(), 1);
        assert_eq!(p.dockerfile.empty_continuations[0].line, 4);
        let b = &run.args[0];
        assert_eq!(&text[b.range.start..b.range.start + 4], "echo");
        assert_eq!(text[b.range.start..b.range.end].chars().last(), Some('b'));
    }

    #[test]
    fn escaped_escape_does_not_continue() {
        let p = parse("FROM x\nENV C trailing\\\\\nENV D d\n");
        assert_eq!(p.dockerfile.instructions.len(), 3);
        assert_eq!(args(&p, 1), ["C", "trailing\\\\"]);
    }

    #[test]
    fn escape_directive_switches_continuation() {
        let p = parse("# escape=`\nFROM x\nRUN dir c:\\ `\n  /s\n");
        assert_eq!(p.dockerfile.escape, '`');
        assert_eq!(args(&p, 1), ["dir c:\\   /s"]);
    }

    #[test]
    fn directives_only_at_the_top() {
        let p = parse("FROM x\n# escape=`\nRUN a `\n");
        assert_eq!(p.dockerfile.escape, '\\');
        assert!(p.dockerfile.directives.is_empty());
    }

    #[test]
    fn heredocs_are_read_after_the_line() {
        let text = "FROM x\nRUN <<EOF cat <<-E2 > f\necho hi\nEOF\n\tbody\n\tE2\nCMD y\n";
        let p = parse(text);
        let run = &p.dockerfile.instructions[1];
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].content, "echo hi\n");
        assert_eq!(run.heredocs[1].content, "\tbody\n");
        assert_eq!((run.start_line, run.end_line), (2, 6));
        assert_eq!(
            &text[run.heredocs[0].marker_range.start..run.heredocs[0].marker_range.end],
            "<<EOF"
        );
        assert_eq!(args(&p, 2), ["y"]);
    }

    #[test]
    fn empty_heredoc_body_is_an_empty_range_at_the_terminator() {
        let text = "FROM x\nRUN <<EOF\nEOF\n";
        let p = parse(text);
        let heredoc = &p.dockerfile.instructions[1].heredocs[0];
        assert!(heredoc.content_range.is_empty());
        assert_eq!(
            heredoc.content_range.start,
            text.rfind("EOF").unwrap_or_default()
        );
    }

    #[test]
    fn problems_become_diagnostics_not_failures() {
        let p = parse("FROM x\nRUN <<EOF\nno end\n");
        assert_eq!(p.diagnostics[0].code, "unterminated-heredoc");
        let p = parse("# only comments\n\n");
        assert_eq!(p.diagnostics[0].code, "no-instructions");
        let p = parse("FROM busybox\nENV PATH\n");
        assert_eq!(p.diagnostics[0].message, "ENV must have two arguments");
    }

    #[test]
    fn onbuild_wraps_an_instruction() {
        let p = parse("FROM x\nONBUILD copy --from=a /b /c\n");
        let onbuild = &p.dockerfile.instructions[1];
        let Some(inner) = onbuild.onbuild.as_deref() else {
            panic!("ONBUILD should wrap an instruction");
        };
        assert_eq!(inner.keyword, Keyword::Copy);
        assert_eq!(inner.flags[0].value.as_deref(), Some("a"));
        assert_eq!(args(&p, 1), ["/b", "/c"]);
    }

    #[test]
    fn crlf_and_bom() {
        let p = parse("\u{feff}FROM x\r\nRUN a \\\r\n b\r\n");
        assert_eq!(args(&p, 1), ["a  b"]);
        assert_eq!(p.dockerfile.instructions[0].keyword_word.range.start, 3);
    }
}
