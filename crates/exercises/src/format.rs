//! The exercise file format (TOML, or Markdown with TOML front matter between `+++`
//! lines): what a file may contain, how it is read, and the errors a teacher sees, each
//! with the 1-based line and column it points at.
//!
//! Reading is two passes: serde + `toml` check the shape (unknown fields, wrong types,
//! missing fields), then [`validate`] checks the meaning (known check kinds, the
//! parameters each kind takes, sane values), keeping every span so both passes report
//! positions the same way.

use std::fmt;

use serde::{Deserialize, Serialize};
use stagecraft_analysis::suggest;
use stagecraft_simulate::catalog::reference;
use stagecraft_syntax::{LineIndex, Severity};
use toml::Spanned;

/// Exercise files and pack manifests larger than this are refused before parsing: a
/// real exercise is a few kilobytes, and the browser parses on the main thread.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// A checklist longer than this is no longer a checklist, and every check runs on every
/// keystroke.
pub const MAX_CHECKS: usize = 100;

/// A problem in an exercise file or a pack manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatError {
    /// The file, for errors inside a pack (`None` for a lone exercise).
    pub file: Option<String>,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}:{}:{}: {}", self.line, self.column, self.message),
            None => write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            ),
        }
    }
}

impl std::error::Error for FormatError {}

impl FormatError {
    /// An error at byte `offset` of `text`.
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let position = LineIndex::new(text).line_col(text, offset);
        FormatError {
            file: None,
            line: position.line,
            column: position.column,
            message: message.into(),
        }
    }

    /// The same error, attributed to `file`.
    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    /// Turns a `toml` error into ours: its message without the snippet `toml` renders
    /// (the edges draw their own), at the start of its span.
    pub(crate) fn from_toml(text: &str, error: &toml::de::Error) -> Self {
        let offset = error.span().map_or(0, |span| span.start);
        let message = error.message().trim().to_string();
        FormatError::at(text, offset, message)
    }
}

/// Every check an exercise can ask for, by its name in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    FinalSizeMbMax,
    FinalBaseIn,
    NoShell,
    NoPackageManager,
    NotRoot,
    StagesMin,
    UsesCopyFrom,
    TargetExists,
    NoDiagnostic,
    PathPresent,
    PathAbsent,
    PortExposed,
    HealthcheckPresent,
    CacheOrder,
    BuildArgsForPlatform,
}

impl CheckKind {
    /// Every kind, in the order the README documents them.
    pub const ALL: [CheckKind; 15] = [
        CheckKind::FinalSizeMbMax,
        CheckKind::FinalBaseIn,
        CheckKind::NoShell,
        CheckKind::NoPackageManager,
        CheckKind::NotRoot,
        CheckKind::StagesMin,
        CheckKind::UsesCopyFrom,
        CheckKind::TargetExists,
        CheckKind::NoDiagnostic,
        CheckKind::PathPresent,
        CheckKind::PathAbsent,
        CheckKind::PortExposed,
        CheckKind::HealthcheckPresent,
        CheckKind::CacheOrder,
        CheckKind::BuildArgsForPlatform,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::FinalSizeMbMax => "final_size_mb_max",
            CheckKind::FinalBaseIn => "final_base_in",
            CheckKind::NoShell => "no_shell",
            CheckKind::NoPackageManager => "no_package_manager",
            CheckKind::NotRoot => "not_root",
            CheckKind::StagesMin => "stages_min",
            CheckKind::UsesCopyFrom => "uses_copy_from",
            CheckKind::TargetExists => "target_exists",
            CheckKind::NoDiagnostic => "no_diagnostic",
            CheckKind::PathPresent => "path_present",
            CheckKind::PathAbsent => "path_absent",
            CheckKind::PortExposed => "port_exposed",
            CheckKind::HealthcheckPresent => "healthcheck_present",
            CheckKind::CacheOrder => "cache_order",
            CheckKind::BuildArgsForPlatform => "build_args_for_platform",
        }
    }

    pub fn from_name(name: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The parameters the kind takes: `(required, optional)`. `no_diagnostic` takes
    /// `code` and/or `severity`, so both are optional and [`validate`] wants one.
    fn parameters(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            CheckKind::FinalSizeMbMax | CheckKind::StagesMin => (&["value"], &[]),
            CheckKind::FinalBaseIn => (&["values"], &[]),
            CheckKind::TargetExists => (&["target"], &[]),
            CheckKind::NoDiagnostic => (&[], &["code", "severity"]),
            CheckKind::PathPresent | CheckKind::PathAbsent => (&["path"], &[]),
            CheckKind::PortExposed => (&["port"], &[]),
            CheckKind::NoShell
            | CheckKind::NoPackageManager
            | CheckKind::NotRoot
            | CheckKind::UsesCopyFrom
            | CheckKind::HealthcheckPresent
            | CheckKind::CacheOrder
            | CheckKind::BuildArgsForPlatform => (&[], &[]),
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check with its parameters, as the grader evaluates it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// The final image is at most `value` MB (uncompressed, as `docker images` shows).
    FinalSizeMbMax {
        value: f64,
    },
    /// The final image's base is one of `values` (normalised references; a value without
    /// a tag accepts any tag).
    FinalBaseIn {
        values: Vec<String>,
    },
    NoShell,
    NoPackageManager,
    NotRoot,
    /// The file has at least `value` stages.
    StagesMin {
        value: u32,
    },
    UsesCopyFrom,
    /// A stage named `target` exists, and `--target` it builds exactly the stages it
    /// needs.
    TargetExists {
        target: String,
    },
    /// No diagnostic with this code (if given) and at least this severity (if given).
    NoDiagnostic {
        code: Option<String>,
        severity: Option<Severity>,
    },
    PathPresent {
        path: String,
    },
    PathAbsent {
        path: String,
    },
    /// `port` normalised to `80/tcp` form.
    PortExposed {
        port: String,
    },
    HealthcheckPresent,
    CacheOrder,
    BuildArgsForPlatform,
}

impl Check {
    pub fn kind(&self) -> CheckKind {
        match self {
            Check::FinalSizeMbMax { .. } => CheckKind::FinalSizeMbMax,
            Check::FinalBaseIn { .. } => CheckKind::FinalBaseIn,
            Check::NoShell => CheckKind::NoShell,
            Check::NoPackageManager => CheckKind::NoPackageManager,
            Check::NotRoot => CheckKind::NotRoot,
            Check::StagesMin { .. } => CheckKind::StagesMin,
            Check::UsesCopyFrom => CheckKind::UsesCopyFrom,
            Check::TargetExists { .. } => CheckKind::TargetExists,
            Check::NoDiagnostic { .. } => CheckKind::NoDiagnostic,
            Check::PathPresent { .. } => CheckKind::PathPresent,
            Check::PathAbsent { .. } => CheckKind::PathAbsent,
            Check::PortExposed { .. } => CheckKind::PortExposed,
            Check::HealthcheckPresent => CheckKind::HealthcheckPresent,
            Check::CacheOrder => CheckKind::CacheOrder,
            Check::BuildArgsForPlatform => CheckKind::BuildArgsForPlatform,
        }
    }

    /// The sentence a checklist shows when the author wrote no `label`.
    pub fn default_label(&self) -> String {
        match self {
            Check::FinalSizeMbMax { value } => {
                format!("Final image is at most {} MB", format_mb(*value))
            }
            Check::FinalBaseIn { values } => match values.as_slice() {
                [one] => format!("Final image is based on {one}"),
                many => format!("Final image is based on one of {}", many.join(", ")),
            },
            Check::NoShell => "Final image has no shell".to_string(),
            Check::NoPackageManager => "Final image has no package manager".to_string(),
            Check::NotRoot => "Final image does not run as root".to_string(),
            Check::StagesMin { value } => format!("The Dockerfile has at least {value} stages"),
            Check::UsesCopyFrom => "Files move between stages with COPY --from".to_string(),
            Check::TargetExists { target } => format!(
                "A stage named `{target}` exists and `--target {target}` builds only the stages it needs"
            ),
            Check::NoDiagnostic { code, severity } => match (code, severity) {
                (Some(code), None) => format!("No `{code}` finding"),
                (Some(code), Some(s)) => format!("No `{code}` finding at {} level or worse", s.as_str()),
                (None, Some(Severity::Error)) => "No errors".to_string(),
                (None, Some(Severity::Warning)) => "No warnings or errors".to_string(),
                (None, Some(Severity::Info)) | (None, None) => "No findings at all".to_string(),
            },
            Check::PathPresent { path } => format!("Final image contains {path}"),
            Check::PathAbsent { path } => format!("Final image does not contain {path}"),
            Check::PortExposed { port } => format!("Port {port} is exposed"),
            Check::HealthcheckPresent => "Final image has a HEALTHCHECK".to_string(),
            Check::CacheOrder => {
                "Dependency manifests are copied and installed before the source".to_string()
            }
            Check::BuildArgsForPlatform => {
                "The build stage uses the platform build args (TARGETOS/TARGETARCH or --platform=$BUILDPLATFORM)"
                    .to_string()
            }
        }
    }
}

/// `150` for whole numbers, `149.5` otherwise: labels read like people write them.
pub(crate) fn format_mb(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// A check as an exercise states it: what to check, the sentence to show, and the line
/// of its `[[check]]` table in the exercise file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExerciseCheck {
    #[serde(flatten)]
    pub check: Check,
    /// The author's `label`, or [`Check::default_label`].
    pub label: String,
    /// 1-based line of the check's table in the exercise file.
    pub line: u32,
}

/// One exercise, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exercise {
    pub id: String,
    pub title: String,
    /// Markdown; render it with [`crate::render_markdown_blocks`], never as HTML.
    pub instructions: String,
    /// The build-context preset the exercise simulates with (`None`: detected from the
    /// Dockerfile, as the playground does).
    pub context: Option<String>,
    pub starter: String,
    /// Revealed on request; optional so an instructor may keep it out of the pack.
    pub solution: Option<String>,
    /// Progressive: show the first, then the next on each request.
    pub hints: Vec<String>,
    pub checks: Vec<ExerciseCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: Spanned<String>,
    title: Spanned<String>,
    /// Required, except in the Markdown form, where the body is the instructions.
    #[serde(default)]
    instructions: Option<Spanned<String>>,
    #[serde(default)]
    context: Option<Spanned<String>>,
    starter: String,
    #[serde(default)]
    solution: Option<String>,
    #[serde(default)]
    hints: Vec<String>,
    #[serde(default)]
    check: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    kind: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    value: Option<Spanned<toml::Value>>,
    #[serde(default)]
    values: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    code: Option<Spanned<String>>,
    #[serde(default)]
    severity: Option<Spanned<String>>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    port: Option<Spanned<toml::Value>>,
    #[serde(default)]
    target: Option<Spanned<String>>,
}

/// Context names an exercise may use: the simulator's presets, plus `empty`.
pub fn context_names() -> Vec<&'static str> {
    let mut names = stagecraft_simulate::context::preset_names();
    names.push("empty");
    names
}

/// Reads one exercise file.
pub fn parse_exercise(text: &str) -> Result<Exercise, FormatError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(FormatError {
            file: None,
            line: 1,
            column: 1,
            message: format!(
                "the file is {} bytes; exercise files may be at most {MAX_FILE_BYTES} bytes (1 MiB)",
                text.len()
            ),
        });
    }
    match split_front_matter(text) {
        Some((toml_text, body)) => {
            let raw: RawExercise =
                toml::from_str(&toml_text).map_err(|e| FormatError::from_toml(&toml_text, &e))?;
            if let Some(instructions) = &raw.instructions {
                return Err(FormatError::at(
                    text,
                    instructions.span().start,
                    "`instructions` is the Markdown after the closing `+++`, not a front-matter field",
                ));
            }
            validate(&toml_text, raw, Some(body))
        }
        None => {
            let raw: RawExercise =
                toml::from_str(text).map_err(|e| FormatError::from_toml(text, &e))?;
            validate(text, raw, None)
        }
    }
}

/// The Markdown form: a `+++` line, TOML front matter, a `+++` line, then the
/// instructions as Markdown. Returns TOML text in which the front matter keeps its byte
/// offsets (the opening `+++` becomes a comment of the same length, the body is cut), so
/// errors point into the original file; and the body.
fn split_front_matter(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix("+++")?;
    let first_break = rest.find('\n')?;
    if !rest[..first_break].trim().is_empty() {
        return None;
    }
    let mut offset = 3 + first_break + 1;
    for line in text[offset..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let toml_text = format!("#++{}", &text[3..offset]);
            let body = text[offset + line.len()..].trim_start_matches(['\r', '\n']);
            return Some((toml_text, body.to_string()));
        }
        offset += line.len();
    }
    None
}

fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    // A typo, or a name cut short (`warn` for `warning`).
    let prefix = || {
        let mut starting = candidates
            .iter()
            .filter(|c| word.len() >= 3 && c.starts_with(word));
        match (starting.next(), starting.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    };
    match suggest::closest(word, candidates).or_else(prefix) {
        Some(close) => format!("; did you mean `{close}`?"),
        None => String::new(),
    }
}

fn validate(text: &str, raw: RawExercise, body: Option<String>) -> Result<Exercise, FormatError> {
    // Plain TOML needs the field; the Markdown form brings the body instead.
    let instructions = match (body, raw.instructions) {
        (Some(body), _) => body,
        (None, Some(instructions)) => instructions.into_inner(),
        (None, None) => {
            return Err(FormatError::at(text, 0, "missing field `instructions`"));
        }
    };
    let id = raw.id.get_ref();
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        // Ids name progress in localStorage and appear in URLs, so keep them plain.
        return Err(FormatError::at(
            text,
            raw.id.span().start,
            format!("`id` must be 1 to 64 characters of a-z, 0-9, `-` and `_`, not {id:?}"),
        ));
    }
    if raw.title.get_ref().trim().is_empty() {
        return Err(FormatError::at(
            text,
            raw.title.span().start,
            "`title` must not be empty",
        ));
    }
    let context = match raw.context {
        None => None,
        Some(context) => {
            let names = context_names();
            let name = context.get_ref();
            if !names.contains(&name.as_str()) {
                return Err(FormatError::at(
                    text,
                    context.span().start,
                    format!(
                        "unknown context `{name}`{}; valid contexts: {}",
                        did_you_mean(name, &names),
                        names.join(", ")
                    ),
                ));
            }
            Some(name.clone())
        }
    };
    if raw.check.is_empty() {
        return Err(FormatError::at(
            text,
            text.len(),
            "the exercise has no checks: add at least one [[check]] table with a `kind`",
        ));
    }
    if raw.check.len() > MAX_CHECKS {
        return Err(FormatError::at(
            text,
            raw.check[MAX_CHECKS].span().start,
            format!("an exercise may have at most {MAX_CHECKS} checks"),
        ));
    }
    // One index for every check's line: rebuilding it per check would be quadratic.
    let index = LineIndex::new(text);
    let mut checks = Vec::with_capacity(raw.check.len());
    for check in raw.check {
        let line = index.line_col(text, check.span().start).line;
        checks.push(validate_check(text, line, check.into_inner())?);
    }
    Ok(Exercise {
        id: raw.id.into_inner(),
        title: raw.title.into_inner(),
        instructions,
        context,
        starter: raw.starter,
        solution: raw.solution,
        hints: raw.hints,
        checks,
    })
}

fn validate_check(text: &str, line: u32, raw: RawCheck) -> Result<ExerciseCheck, FormatError> {
    let name = raw.kind.get_ref();
    let Some(kind) = CheckKind::from_name(name) else {
        let names: Vec<&str> = CheckKind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(FormatError::at(
            text,
            raw.kind.span().start,
            format!(
                "unknown check kind `{name}`{}; valid kinds: {}",
                did_you_mean(name, &names),
                names.join(", ")
            ),
        ));
    };
    // Which parameters were written, with where, so a missing or stray one is reported
    // at a useful place.
    let given: [(&str, Option<usize>); 7] = [
        ("value", raw.value.as_ref().map(|s| s.span().start)),
        ("values", raw.values.as_ref().map(|s| s.span().start)),
        ("code", raw.code.as_ref().map(|s| s.span().start)),
        ("severity", raw.severity.as_ref().map(|s| s.span().start)),
        ("path", raw.path.as_ref().map(|s| s.span().start)),
        ("port", raw.port.as_ref().map(|s| s.span().start)),
        ("target", raw.target.as_ref().map(|s| s.span().start)),
    ];
    let (required, optional) = kind.parameters();
    for (param, at) in given {
        if let Some(at) = at {
            if !required.contains(&param) && !optional.contains(&param) {
                let takes: Vec<String> = required
                    .iter()
                    .chain(optional)
                    .map(|p| format!("`{p}`"))
                    .collect();
                let takes = if takes.is_empty() {
                    "no parameters".to_string()
                } else {
                    takes.join(" and ")
                };
                return Err(FormatError::at(
                    text,
                    at,
                    format!("`{param}` does not apply to `{kind}`, which takes {takes}"),
                ));
            }
        }
    }
    for param in required {
        if given.iter().any(|(p, at)| p == param && at.is_none()) {
            return Err(FormatError::at(
                text,
                raw.kind.span().start,
                format!("`{kind}` needs `{param}`"),
            ));
        }
    }
    let kind_at = raw.kind.span().start;
    let check = match kind {
        CheckKind::FinalSizeMbMax => {
            let (value, at) = spanned_value(raw.value, kind_at);
            let mb = match value {
                Some(toml::Value::Integer(i)) => i as f64,
                Some(toml::Value::Float(f)) => f,
                other => return Err(wrong_type(text, at, "value", "a number of MB", other)),
            };
            if !(mb.is_finite() && mb > 0.0) {
                return Err(FormatError::at(
                    text,
                    at,
                    "`value` must be a positive number of MB",
                ));
            }
            Check::FinalSizeMbMax { value: mb }
        }
        CheckKind::StagesMin => {
            let (value, at) = spanned_value(raw.value, kind_at);
            match value {
                Some(toml::Value::Integer(i)) if (1..=1000).contains(&i) => {
                    Check::StagesMin { value: i as u32 }
                }
                Some(toml::Value::Integer(_)) => {
                    return Err(FormatError::at(
                        text,
                        at,
                        "`value` must be a whole number from 1 to 1000",
                    ))
                }
                other => {
                    return Err(wrong_type(
                        text,
                        at,
                        "value",
                        "a whole number of stages",
                        other,
                    ))
                }
            }
        }
        CheckKind::FinalBaseIn => {
            let Some(values) = raw.values else {
                return Err(FormatError::at(
                    text,
                    kind_at,
                    "`final_base_in` needs `values`",
                ));
            };
            let at = values.span().start;
            let values = values.into_inner();
            if values.is_empty() {
                return Err(FormatError::at(
                    text,
                    at,
                    "`values` must list at least one image",
                ));
            }
            for value in &values {
                if let Err(e) = reference::parse(value) {
                    return Err(FormatError::at(
                        text,
                        at,
                        format!("`{value}` is not an image reference: {e}"),
                    ));
                }
            }
            Check::FinalBaseIn { values }
        }
        CheckKind::TargetExists => {
            let target = raw.target.map(Spanned::into_inner).unwrap_or_default();
            if target.trim().is_empty() {
                return Err(FormatError::at(text, kind_at, "`target` must name a stage"));
            }
            Check::TargetExists { target }
        }
        CheckKind::NoDiagnostic => {
            if raw.code.is_none() && raw.severity.is_none() {
                return Err(FormatError::at(
                    text,
                    kind_at,
                    "`no_diagnostic` needs `code`, `severity` or both",
                ));
            }
            let severity = match raw.severity {
                None => None,
                Some(s) => Some(match s.get_ref().as_str() {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    "info" => Severity::Info,
                    other => {
                        return Err(FormatError::at(
                            text,
                            s.span().start,
                            format!(
                            "unknown severity `{other}`{}; valid severities: error, warning, info",
                            did_you_mean(other, &["error", "warning", "info"])
                        ),
                        ))
                    }
                }),
            };
            let code = raw.code.map(Spanned::into_inner);
            if code.as_deref().is_some_and(|c| c.trim().is_empty()) {
                return Err(FormatError::at(text, kind_at, "`code` must not be empty"));
            }
            Check::NoDiagnostic { code, severity }
        }
        CheckKind::PathPresent | CheckKind::PathAbsent => {
            let (path, at) = match raw.path {
                Some(p) => {
                    let at = p.span().start;
                    (p.into_inner(), at)
                }
                None => (String::new(), kind_at),
            };
            if !path.starts_with('/') {
                return Err(FormatError::at(
                    text,
                    at,
                    format!("`path` must be absolute (start with `/`), not {path:?}"),
                ));
            }
            let path = stagecraft_simulate::vfs::normalize(&path, "/");
            if kind == CheckKind::PathPresent {
                Check::PathPresent { path }
            } else {
                Check::PathAbsent { path }
            }
        }
        CheckKind::PortExposed => {
            let (value, at) = spanned_value(raw.port, kind_at);
            let port = match value {
                Some(toml::Value::Integer(i)) => normalise_port(&i.to_string()),
                Some(toml::Value::String(s)) => normalise_port(&s),
                other => {
                    return Err(wrong_type(
                        text,
                        at,
                        "port",
                        "a port number or a string like \"80/tcp\"",
                        other,
                    ))
                }
            };
            match port {
                Some(port) => Check::PortExposed { port },
                None => {
                    return Err(FormatError::at(
                        text,
                        at,
                        "`port` must be 1 to 65535, optionally followed by /tcp, /udp or /sctp",
                    ))
                }
            }
        }
        CheckKind::NoShell => Check::NoShell,
        CheckKind::NoPackageManager => Check::NoPackageManager,
        CheckKind::NotRoot => Check::NotRoot,
        CheckKind::UsesCopyFrom => Check::UsesCopyFrom,
        CheckKind::HealthcheckPresent => Check::HealthcheckPresent,
        CheckKind::CacheOrder => Check::CacheOrder,
        CheckKind::BuildArgsForPlatform => Check::BuildArgsForPlatform,
    };
    let label = match raw.label {
        Some(label) if !label.trim().is_empty() => label,
        _ => check.default_label(),
    };
    Ok(ExerciseCheck { check, label, line })
}

fn spanned_value(
    value: Option<Spanned<toml::Value>>,
    fallback: usize,
) -> (Option<toml::Value>, usize) {
    match value {
        Some(v) => {
            let at = v.span().start;
            (Some(v.into_inner()), at)
        }
        None => (None, fallback),
    }
}

fn wrong_type(
    text: &str,
    at: usize,
    param: &str,
    expected: &str,
    found: Option<toml::Value>,
) -> FormatError {
    let found = match found {
        None => "nothing".to_string(),
        Some(toml::Value::String(s)) => format!("the string {s:?}"),
        Some(toml::Value::Integer(i)) => format!("the integer {i}"),
        Some(toml::Value::Float(f)) => format!("the float {f}"),
        Some(toml::Value::Boolean(b)) => format!("the boolean {b}"),
        Some(v) => format!("a {}", v.type_str()),
    };
    FormatError::at(
        text,
        at,
        format!("`{param}` must be {expected}, not {found}"),
    )
}

/// `80`, `"80"`, `"80/TCP"` → `80/tcp`; `None` for anything Docker would refuse.
pub(crate) fn normalise_port(port: &str) -> Option<String> {
    let port = port.trim().to_ascii_lowercase();
    let (number, protocol) = port.split_once('/').unwrap_or((port.as_str(), "tcp"));
    let n: u32 = number.parse().ok()?;
    if !(1..=65535).contains(&n) || !matches!(protocol, "tcp" | "udp" | "sctp") {
        return None;
    }
    Some(format!("{n}/{protocol}"))
}
