//! The page's state: the Dockerfile text and what the analysis says about it, kept by a reducer.

use std::rc::Rc;

use stagecraft_analysis::{analyze, LineIndex, Options, Severity};
use yew::Reducible;

/// The Dockerfile the editor opens with: two stages that ship and one the target skips.
pub const EXAMPLE: &str = "\
# syntax=docker/dockerfile:1
FROM rust:1.95 AS build
WORKDIR /src
COPY . .
RUN cargo build --release

FROM build AS test
RUN cargo test --release

FROM debian:bookworm-slim AS runtime
COPY --from=build /src/target/release/app /usr/local/bin/app
CMD [\"app\"]
";

/// One stage as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRow {
    pub index: usize,
    /// The stage's name, or `#index` for an unnamed stage.
    pub label: String,
    pub base: String,
    pub line: u32,
    /// Whether building the target builds this stage.
    pub built: bool,
    pub is_target: bool,
}

/// One diagnostic with its position turned into a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticRow {
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The diagnostic's range in UTF-16 code units, as the text area counts them.
    pub utf16_range: (u32, u32),
}

/// Everything the page shows, derived from the text alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppState {
    pub text: String,
    pub stages: Vec<StageRow>,
    pub diagnostics: Vec<DiagnosticRow>,
}

/// What the user can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The editor's text changed to this.
    Edit(String),
}

impl AppState {
    /// Analyzes `text` and builds the rows the page shows.
    pub fn new(text: String) -> Self {
        let analysis = analyze(&text, &Options::default());
        let index = LineIndex::new(&text);
        let stages = analysis
            .stages
            .iter()
            .map(|stage| StageRow {
                index: stage.index,
                label: stage
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("#{}", stage.index)),
                base: stage.base.clone(),
                line: stage.line,
                built: stage.built,
                is_target: analysis.target == Some(stage.index),
            })
            .collect();
        let diagnostics = analysis
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let at = index.line_col(&text, diagnostic.range.start);
                DiagnosticRow {
                    line: at.line,
                    column: at.column,
                    severity: diagnostic.severity,
                    code: diagnostic.code,
                    message: diagnostic.message.clone(),
                    help: diagnostic.help.clone(),
                    utf16_range: (
                        utf16_offset(&text, diagnostic.range.start),
                        utf16_offset(&text, diagnostic.range.end),
                    ),
                }
            })
            .collect();
        AppState {
            text,
            stages,
            diagnostics,
        }
    }

    /// How many diagnostics have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// The UTF-16 offset of byte `offset`, rounded down to a character boundary and clamped
/// to the text.
fn utf16_offset(text: &str, offset: usize) -> u32 {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let units = text.get(..offset).map_or(0, |s| s.encode_utf16().count());
    u32::try_from(units).unwrap_or(u32::MAX)
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new(EXAMPLE.to_owned())
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Edit(text) if text == self.text => self,
            Action::Edit(text) => Rc::new(AppState::new(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(state: Rc<AppState>, text: &str) -> Rc<AppState> {
        state.reduce(Action::Edit(text.to_owned()))
    }

    #[test]
    fn the_example_has_three_stages_and_builds_only_what_the_target_needs() {
        let state = AppState::default();
        let labels: Vec<_> = state.stages.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["build", "test", "runtime"]);
        let built: Vec<_> = state.stages.iter().map(|s| s.built).collect();
        assert_eq!(built, [true, false, true]);
        assert!(state.stages[2].is_target);
        assert_eq!(state.stages[0].base, "rust:1.95");
        assert_eq!(state.stages[0].line, 2);
        assert_eq!(state.count(Severity::Error), 0, "{:?}", state.diagnostics);
    }

    #[test]
    fn editing_reanalyzes_the_text() {
        let state = edit(Rc::new(AppState::default()), "FROM alpine\nFROM debian\n");
        assert_eq!(state.text, "FROM alpine\nFROM debian\n");
        let stages: Vec<_> = state
            .stages
            .iter()
            .map(|s| (s.label.as_str(), s.base.as_str()))
            .collect();
        assert_eq!(stages, [("#0", "alpine"), ("#1", "debian")]);
    }

    #[test]
    fn an_error_gets_a_one_based_line_and_column() {
        let state = edit(Rc::new(AppState::default()), "FROM alpine\n  FROM\n");
        let error = state
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .unwrap_or_else(|| panic!("no error in {:?}", state.diagnostics));
        assert_eq!(error.line, 2);
        assert!(error.column >= 1);
        assert!(!error.code.is_empty());
    }

    #[test]
    fn utf16_offsets_count_what_the_text_area_counts() {
        let text = "é😀x";
        assert_eq!(utf16_offset(text, 0), 0);
        assert_eq!(utf16_offset(text, 2), 1);
        assert_eq!(utf16_offset(text, 3), 1, "inside the emoji rounds down");
        assert_eq!(utf16_offset(text, 6), 3);
        assert_eq!(utf16_offset(text, 99), 4);
    }

    #[test]
    fn the_same_text_keeps_the_same_state() {
        let state = Rc::new(AppState::default());
        let again = edit(Rc::clone(&state), EXAMPLE);
        assert!(Rc::ptr_eq(&state, &again));
    }

    #[test]
    fn text_that_is_not_a_dockerfile_does_not_panic() {
        for text in ["", "\n\n", "\\", "FROM", "é\u{0}\r\n", "RUN <<EOF\n"] {
            let state = edit(Rc::new(AppState::default()), text);
            assert!(state.stages.len() <= 1, "{text:?}: {:?}", state.stages);
        }
    }
}
