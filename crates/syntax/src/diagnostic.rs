//! Diagnostics: a stable code, a severity, a byte range and words for a person.
//!
//! The core only produces these; turning a range into "line 3, column 7" or a caret
//! under the source is done at the edges (CLI, web) with [`crate::LineIndex`].

use serde::Serialize;

use crate::TextRange;

/// How bad a diagnostic is. Ordered so that sorting puts errors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A replacement of `range` by `replacement` that fixes the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub range: TextRange,
    pub replacement: String,
}

/// One finding about the source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier: BuildKit's rule name for its build checks
    /// (`StageNameCasing`), a kebab-case name for ours (`unterminated-heredoc`).
    pub code: &'static str,
    pub message: String,
    pub range: TextRange,
    /// Extra explanation or a suggestion, shown below the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: &'static str,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            range,
            help: None,
            fix: None,
        }
    }

    pub fn error(code: &'static str, range: TextRange, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, range, message)
    }

    pub fn warning(code: &'static str, range: TextRange, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, range, message)
    }

    pub fn info(code: &'static str, range: TextRange, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, range, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        range: TextRange,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Fix {
            title: title.into(),
            range,
            replacement: replacement.into(),
        });
        self
    }
}

/// Sorts diagnostics into the one order every edge shows them in: by position, then
/// severity, then code, then message, so output never depends on check order.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    crate::order::sort_by(diagnostics, |a, b| {
        (a.range.start, a.range.end, a.severity, a.code, &a.message).cmp(&(
            b.range.start,
            b.range.end,
            b.severity,
            b.code,
            &b.message,
        ))
    });
}
