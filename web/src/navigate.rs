//! Stage-name navigation in the editor: the stage name under the caret, its other
//! occurrences, the jump between a stage's `AS name` and its uses (`FROM name`,
//! `--from=name`, `from=name`), and the text offset under the pointer for hover cards.
//! Pure functions over the highlighter's tokens, so they are tested natively.

use stagecraft_analysis::{Stage, TextRange};

use crate::tokens::Token;

/// The CSS class the core highlighter gives stage names.
const STAGE_CLASS: &str = "tok-stage-name";

/// The stage-name token holding byte `at` (the caret may sit just after it).
pub fn stage_word_at(tokens: &[Token], at: usize) -> Option<TextRange> {
    let first = tokens.partition_point(|t| t.range.end < at);
    tokens[first..]
        .iter()
        .take_while(|t| t.range.start <= at)
        .find(|t| t.class == STAGE_CLASS && t.range.start <= at && at <= t.range.end)
        .map(|t| t.range)
}

/// The stage a name (or index, as in `--from=0`) refers to.
fn stage_of<'a>(stages: &'a [Stage], word: &str) -> Option<&'a Stage> {
    let lower = word.to_ascii_lowercase();
    stages
        .iter()
        .find(|s| s.name.as_deref() == Some(lower.as_str()))
        .or_else(|| {
            (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()))
                .then(|| word.parse::<usize>().ok())
                .flatten()
                .and_then(|i| stages.get(i))
        })
}

/// Every stage-name token that names the same stage as `word`, definitions included,
/// in text order.
pub fn occurrences(text: &str, tokens: &[Token], stages: &[Stage], word: &str) -> Vec<TextRange> {
    let Some(stage) = stage_of(stages, word) else {
        return Vec::new();
    };
    tokens
        .iter()
        .filter(|t| t.class == STAGE_CLASS)
        .filter(|t| {
            text.get(t.range.start..t.range.end)
                .and_then(|w| stage_of(stages, w))
                .is_some_and(|s| s.index == stage.index)
        })
        .map(|t| t.range)
        .collect()
}

/// Where "go to definition" leads from byte `at`. `last_use` is the use this name's
/// cycle stood on last (kept by the caller): on a use, the jump goes to the definition
/// and remembers the use; on the definition it goes to the use after the remembered one,
/// wrapping around. Returns the range to select and the new remembered use.
pub fn jump_target(
    text: &str,
    tokens: &[Token],
    stages: &[Stage],
    at: usize,
    last_use: Option<(usize, usize)>,
) -> Option<(TextRange, Option<(usize, usize)>)> {
    let word = stage_word_at(tokens, at)?;
    let name = text.get(word.start..word.end)?;
    let stage = stage_of(stages, name)?;
    let definition = stage.name_range.unwrap_or(stage.base_range);
    let uses: Vec<TextRange> = occurrences(text, tokens, stages, name)
        .into_iter()
        .filter(|r| *r != definition)
        .collect();
    if word == definition {
        if uses.is_empty() {
            return None;
        }
        let next = match last_use {
            Some((s, i)) if s == stage.index => (i + 1) % uses.len(),
            _ => 0,
        };
        uses.get(next).map(|r| (*r, Some((stage.index, next))))
    } else {
        let index = uses.iter().position(|r| *r == word);
        Some((definition, index.map(|i| (stage.index, i))))
    }
}

/// The byte offset at visual column `column` (tabs every `tab` columns) of `line`, a
/// line's text without its newline; `None` past the end of the line.
pub fn offset_at_column(line: &str, column: usize, tab: usize) -> Option<usize> {
    let mut visual = 0;
    for (at, c) in line.char_indices() {
        let width = if c == '\t' {
            tab.max(1) - visual % tab.max(1)
        } else {
            1
        };
        if column < visual + width {
            return Some(at);
        }
        visual += width;
    }
    None
}

/// The visual column of byte `offset` in `line` (tabs every `tab` columns).
pub fn column_of(line: &str, offset: usize, tab: usize) -> usize {
    let mut visual = 0;
    for (at, c) in line.char_indices() {
        if at >= offset {
            break;
        }
        visual += if c == '\t' {
            tab.max(1) - visual % tab.max(1)
        } else {
            1
        };
    }
    visual
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::rc::Rc;

    use crate::editor::highlight_tokens;
    use crate::state::{Inputs, View};

    const TEXT: &str = "FROM golang AS build\nRUN make\nFROM build AS test\nFROM alpine\nCOPY --from=build /a /b\nRUN --mount=from=Build,target=/x true\nCOPY --from=0 /c /d\n";

    fn setup() -> (Rc<str>, Vec<Token>, View) {
        let text: Rc<str> = TEXT.into();
        let view = View::compute(text.clone(), &Inputs::default(), 0);
        let tokens = highlight_tokens(&text, &view, None);
        (text, tokens, view)
    }

    fn at(needle: &str, nth: usize) -> usize {
        TEXT.match_indices(needle)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn finds_every_use_of_a_stage() {
        let (text, tokens, view) = setup();
        let found = occurrences(&text, &tokens, &view.analysis.stages, "build");
        let words: Vec<&str> = found.iter().map(|r| &text[r.start..r.end]).collect();
        assert_eq!(words, ["build", "build", "build", "Build", "0"]);
    }

    #[test]
    fn a_use_jumps_to_the_definition_and_the_definition_cycles() {
        let (text, tokens, view) = setup();
        let stages = &view.analysis.stages;
        let def = at("build", 0);
        let from_use = at("build", 2) + 2;
        let (target, memo) = jump_target(&text, &tokens, stages, from_use, None).unwrap();
        assert_eq!(target.start, def);
        let (first, memo) = jump_target(&text, &tokens, stages, def, memo).unwrap();
        assert_eq!(first.start, at("Build", 0));
        let (second, memo) = jump_target(&text, &tokens, stages, def, memo).unwrap();
        assert_eq!(second.start, at("0 /c", 0));
        let (third, _) = jump_target(&text, &tokens, stages, def, memo).unwrap();
        assert_eq!(third.start, at("build", 1));
    }

    #[test]
    fn images_and_plain_words_do_not_jump() {
        let (text, tokens, view) = setup();
        assert!(
            jump_target(&text, &tokens, &view.analysis.stages, at("alpine", 0), None).is_none()
        );
        assert!(jump_target(&text, &tokens, &view.analysis.stages, at("make", 0), None).is_none());
    }

    #[test]
    fn columns_and_offsets_count_tabs() {
        assert_eq!(offset_at_column("ab\tc", 0, 4), Some(0));
        assert_eq!(offset_at_column("ab\tc", 3, 4), Some(2));
        assert_eq!(offset_at_column("ab\tc", 4, 4), Some(3));
        assert_eq!(offset_at_column("ab\tc", 5, 4), None);
        assert_eq!(column_of("ab\tc", 3, 4), 4);
    }
}
