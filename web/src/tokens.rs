//! Editor tokens: byte ranges with a CSS class, and the per-line segmentation that lays
//! tokens, diagnostic underlines and the step mark over each other.

use stagecraft_analysis::{Severity, TextRange};

/// One highlighted span of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub range: TextRange,
    pub class: &'static str,
}

/// A decoration over a range: an underline or the step mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoration {
    pub range: TextRange,
    pub class: &'static str,
}

/// A piece of one line with every class that covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub range: TextRange,
    pub classes: Vec<&'static str>,
}

pub fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "squiggle-error",
        Severity::Warning => "squiggle-warning",
        Severity::Info => "squiggle-info",
    }
}

/// Splits line `line` (a byte range without its newline) at every token and decoration
/// boundary. `tokens` are sorted and do not overlap; decorations may overlap anything.
/// Empty decorations widen to the next character, or to a trailing space at the line end
/// (returned as a segment past `line.end` that the renderer shows as a blank).
pub fn segments(
    text: &str,
    line: TextRange,
    tokens: &[Token],
    decorations: &[Decoration],
) -> Vec<Segment> {
    let first = tokens.partition_point(|t| t.range.end <= line.start);
    let tokens: Vec<&Token> = tokens[first..]
        .iter()
        .take_while(|t| t.range.start < line.end)
        .collect();
    let decorations: Vec<Decoration> = decorations
        .iter()
        .filter_map(|d| {
            let mut range = d.range;
            let point = range.is_empty();
            if point {
                // Point diagnostics (a missing argument) still get something to underline.
                let next = next_boundary(text, range.start).min(line.end);
                range = if next > range.start {
                    TextRange::new(range.start, next)
                } else {
                    TextRange::new(range.start, range.start + 1)
                };
            }
            let start = range.start.max(line.start);
            // Only a point past the last character may spill into the trailing blank.
            let limit = if point { line.end + 1 } else { line.end };
            let end = range.end.min(limit);
            (start < end && range.start <= line.end && range.end > line.start).then_some(
                Decoration {
                    range: TextRange::new(start, end),
                    class: d.class,
                },
            )
        })
        .collect();
    let end = decorations
        .iter()
        .map(|d| d.range.end)
        .max()
        .unwrap_or(line.end)
        .max(line.end);
    let mut cuts = vec![line.start, line.end, end];
    for t in &tokens {
        cuts.push(t.range.start.clamp(line.start, line.end));
        cuts.push(t.range.end.clamp(line.start, line.end));
    }
    for d in &decorations {
        cuts.push(d.range.start);
        cuts.push(d.range.end);
    }
    for cut in &mut cuts {
        if *cut <= line.end {
            *cut = floor_boundary(text, *cut);
        }
    }
    stagecraft_syntax::order::sort(&mut cuts);
    cuts.dedup();
    cuts.windows(2)
        .filter(|w| w[0] < w[1])
        .map(|w| {
            let range = TextRange::new(w[0], w[1]);
            let mut classes: Vec<&'static str> = tokens
                .iter()
                .filter(|t| t.range.start <= range.start && t.range.end >= range.end)
                .map(|t| t.class)
                .take(1)
                .collect();
            classes.extend(
                decorations
                    .iter()
                    .filter(|d| d.range.start <= range.start && d.range.end >= range.end)
                    .map(|d| d.class),
            );
            Segment { range, classes }
        })
        .collect()
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn next_boundary(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(offset, |c| offset + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: usize, end: usize) -> TextRange {
        TextRange::new(start, end)
    }

    #[test]
    fn tokens_and_an_underline_split_a_line() {
        let text = "FROM alpine AS base";
        let tokens = [
            Token {
                range: r(0, 4),
                class: "tok-keyword",
            },
            Token {
                range: r(5, 11),
                class: "tok-image",
            },
        ];
        let decorations = [Decoration {
            range: r(2, 8),
            class: "squiggle-error",
        }];
        let got: Vec<_> = segments(text, r(0, 19), &tokens, &decorations)
            .into_iter()
            .map(|s| (&text[s.range.start..s.range.end], s.classes))
            .collect();
        assert_eq!(
            got,
            [
                ("FR", vec!["tok-keyword"]),
                ("OM", vec!["tok-keyword", "squiggle-error"]),
                (" ", vec!["squiggle-error"]),
                ("alp", vec!["tok-image", "squiggle-error"]),
                ("ine", vec!["tok-image"]),
                (" AS base", vec![]),
            ]
        );
    }

    #[test]
    fn an_empty_range_at_the_line_end_gets_a_trailing_blank() {
        let text = "FROM\nRUN x";
        let decorations = [Decoration {
            range: r(4, 4),
            class: "squiggle-error",
        }];
        let got = segments(text, r(0, 4), &[], &decorations);
        assert_eq!(
            got.last().map(|s| (s.range, s.classes.clone())),
            Some((r(4, 5), vec!["squiggle-error"]))
        );
    }

    #[test]
    fn ranges_inside_a_character_snap_to_its_start() {
        let text = "RUN é";
        let decorations = [Decoration {
            range: r(5, 6),
            class: "squiggle-info",
        }];
        for s in segments(text, r(0, 6), &[], &decorations) {
            assert!(s.range.end > text.len() || text.get(s.range.start..s.range.end).is_some());
        }
    }
}
