//! The exercise file format (TOML, or Markdown with TOML front matter between `+++`
//! lines): what a file may contain, how it is read, and the errors a teacher sees, each
//! with the 1-based line and column it points at.
//!
//! Reading is two passes: [`read_exercise`] walks the `toml-span` tree and checks the
//! shape (unknown fields, wrong types, missing fields), then [`validate`] checks the
//! meaning (known check kinds, the parameters each kind takes, sane values), keeping
//! every span so both passes report positions the same way.

use std::fmt;

use serde::Serialize;
use stagecraft_analysis::suggest;
use stagecraft_simulate::catalog::reference;
use stagecraft_syntax::{LineIndex, Severity};
use toml_span::value::{Table, Value};
use toml_span::Spanned;

use crate::fields;

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

/// An exercise file's fields as written, shape-checked, before [`validate`].
struct RawExercise<'v, 'de> {
    id: Spanned<String>,
    title: Spanned<String>,
    /// Required, except in the Markdown form, where the body is the instructions.
    instructions: Option<Spanned<String>>,
    context: Option<Spanned<String>>,
    starter: String,
    solution: Option<String>,
    hints: Vec<String>,
    check: Vec<RawCheck<'v, 'de>>,
}

/// One `[[check]]` table as written. `value` and `port` take more than one type, so they
/// stay TOML values until [`validate_check`] knows the kind.
struct RawCheck<'v, 'de> {
    /// Where the table starts: its `[[check]]` header, or the `{` of an inline table.
    at: usize,
    kind: Spanned<String>,
    label: Option<String>,
    value: Option<&'v Value<'de>>,
    values: Option<Spanned<Vec<Spanned<String>>>>,
    code: Option<Spanned<String>>,
    severity: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    port: Option<&'v Value<'de>>,
    target: Option<Spanned<String>>,
}

/// The fields an exercise file may have, in the README's order.
const EXERCISE_FIELDS: [&str; 8] = [
    "id",
    "title",
    "instructions",
    "context",
    "starter",
    "solution",
    "hints",
    "check",
];

/// The fields a `[[check]]` table may have: `kind`, `label` and every kind's parameters.
const CHECK_FIELDS: [&str; 9] = [
    "kind", "label", "value", "values", "code", "severity", "path", "port", "target",
];

/// The shape pass over an exercise file: every field known, of the right type, and the
/// required ones present.
fn read_exercise<'v, 'de>(
    text: &str,
    root: &'v Value<'de>,
) -> Result<RawExercise<'v, 'de>, FormatError> {
    let mut id = None;
    let mut title = None;
    let mut instructions = None;
    let mut context = None;
    let mut starter = None;
    let mut solution = None;
    let mut hints = Vec::new();
    let mut check = Vec::new();
    for (key, value) in fields::entries(fields::document(text, root)?) {
        match key.name.as_ref() {
            "id" => id = Some(fields::string(text, key, value)?),
            "title" => title = Some(fields::string(text, key, value)?),
            "instructions" => instructions = Some(fields::string(text, key, value)?),
            "context" => context = Some(fields::string(text, key, value)?),
            "starter" => starter = Some(fields::string(text, key, value)?.value),
            "solution" => solution = Some(fields::string(text, key, value)?.value),
            "hints" => {
                hints = fields::strings(text, key, value)?
                    .value
                    .into_iter()
                    .map(|hint| hint.value)
                    .collect();
            }
            "check" => {
                for (table, at) in fields::tables(text, key, value)? {
                    check.push(read_check(text, table, at)?);
                }
            }
            _ => return Err(fields::unknown(text, key, &EXERCISE_FIELDS)),
        }
    }
    Ok(RawExercise {
        id: id.ok_or_else(|| fields::missing(text, 0, "id"))?,
        title: title.ok_or_else(|| fields::missing(text, 0, "title"))?,
        instructions,
        context,
        starter: starter.ok_or_else(|| fields::missing(text, 0, "starter"))?,
        solution,
        hints,
        check,
    })
}

/// The shape pass over one check table starting at `at`.
fn read_check<'v, 'de>(
    text: &str,
    table: &'v Table<'de>,
    at: usize,
) -> Result<RawCheck<'v, 'de>, FormatError> {
    let mut kind = None;
    let mut check = RawCheck {
        at,
        kind: Spanned::new(String::new()),
        label: None,
        value: None,
        values: None,
        code: None,
        severity: None,
        path: None,
        port: None,
        target: None,
    };
    for (key, value) in fields::entries(table) {
        let string = || fields::string(text, key, value);
        match key.name.as_ref() {
            "kind" => kind = Some(string()?),
            "label" => check.label = Some(string()?.value),
            "value" => check.value = Some(value),
            "values" => check.values = Some(fields::strings(text, key, value)?),
            "code" => check.code = Some(string()?),
            "severity" => check.severity = Some(string()?),
            "path" => check.path = Some(string()?),
            "port" => check.port = Some(value),
            "target" => check.target = Some(string()?),
            _ => return Err(fields::unknown(text, key, &CHECK_FIELDS)),
        }
    }
    check.kind = kind.ok_or_else(|| fields::missing(text, at, "kind"))?;
    Ok(check)
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
    match split_front_matter(text)? {
        Some((toml_text, body)) => {
            let root = fields::parse(&toml_text)?;
            let raw = read_exercise(&toml_text, &root)?;
            if let Some(instructions) = &raw.instructions {
                return Err(FormatError::at(
                    text,
                    instructions.span.start,
                    "`instructions` is the Markdown after the closing `+++`, not a front-matter field",
                ));
            }
            validate(&toml_text, raw, Some(body))
        }
        None => {
            let root = fields::parse(text)?;
            let raw = read_exercise(text, &root)?;
            validate(text, raw, None)
        }
    }
}

/// The Markdown form: a `+++` line, TOML front matter, a `+++` line, then the
/// instructions as Markdown. Returns TOML text in which the front matter keeps its byte
/// offsets (the opening `+++` becomes a comment of the same length, the body is cut), so
/// errors point into the original file; and the body. `None` for a plain TOML file; an
/// error for a `+++` line that is never closed, which would otherwise be reported as
/// a puzzling TOML error about the `+` of line 1.
fn split_front_matter(text: &str) -> Result<Option<(String, String)>, FormatError> {
    // A byte order mark (Windows editors write one) stays in front: the parser skips it,
    // and keeping it keeps every offset.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let Some(rest) = text[bom..].strip_prefix("+++") else {
        return Ok(None);
    };
    let first_break = rest.find('\n').unwrap_or(rest.len());
    if !rest[..first_break].trim().is_empty() {
        return Ok(None);
    }
    let mut offset = bom + 3 + first_break + 1;
    for line in text.get(offset..).unwrap_or_default().split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let toml_text = format!("{}#++{}", &text[..bom], &text[bom + 3..offset]);
            let body = text[offset + line.len()..].trim_start_matches(['\r', '\n']);
            return Ok(Some((toml_text, body.to_string())));
        }
        offset += line.len();
    }
    Err(FormatError::at(
        text,
        bom,
        "the front matter opened by this `+++` line is never closed: end it with a `+++` \
         line, then write the instructions as Markdown",
    ))
}

pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
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

fn validate(
    text: &str,
    raw: RawExercise<'_, '_>,
    body: Option<String>,
) -> Result<Exercise, FormatError> {
    // Plain TOML needs the field; the Markdown form brings the body instead.
    let instructions = match (body, raw.instructions) {
        (Some(body), _) => body,
        (None, Some(instructions)) => instructions.value,
        (None, None) => {
            return Err(FormatError::at(text, 0, "missing field `instructions`"));
        }
    };
    let id = &raw.id.value;
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        // Ids name progress in localStorage and appear in URLs, so keep them plain.
        return Err(FormatError::at(
            text,
            raw.id.span.start,
            format!("`id` must be 1 to 64 characters of a-z, 0-9, `-` and `_`, not {id:?}"),
        ));
    }
    if raw.title.value.trim().is_empty() {
        return Err(FormatError::at(
            text,
            raw.title.span.start,
            "`title` must not be empty",
        ));
    }
    let context = match raw.context {
        None => None,
        Some(context) => {
            let names = context_names();
            let name = &context.value;
            if !names.contains(&name.as_str()) {
                return Err(FormatError::at(
                    text,
                    context.span.start,
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
            raw.check[MAX_CHECKS].at,
            format!("an exercise may have at most {MAX_CHECKS} checks"),
        ));
    }
    // One index for every check's line: rebuilding it per check would be quadratic.
    let index = LineIndex::new(text);
    let mut checks = Vec::with_capacity(raw.check.len());
    for check in raw.check {
        let line = index.line_col(text, check.at).line;
        checks.push(validate_check(text, line, check)?);
    }
    Ok(Exercise {
        id: raw.id.value,
        title: raw.title.value,
        instructions,
        context,
        starter: raw.starter,
        solution: raw.solution,
        hints: raw.hints,
        checks,
    })
}

fn validate_check(
    text: &str,
    line: u32,
    raw: RawCheck<'_, '_>,
) -> Result<ExerciseCheck, FormatError> {
    let name = &raw.kind.value;
    let Some(kind) = CheckKind::from_name(name) else {
        let names: Vec<&str> = CheckKind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(FormatError::at(
            text,
            raw.kind.span.start,
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
        ("value", raw.value.map(|v| fields::start(text, v))),
        ("values", raw.values.as_ref().map(|s| s.span.start)),
        ("code", raw.code.as_ref().map(|s| s.span.start)),
        ("severity", raw.severity.as_ref().map(|s| s.span.start)),
        ("path", raw.path.as_ref().map(|s| s.span.start)),
        ("port", raw.port.map(|v| fields::start(text, v))),
        ("target", raw.target.as_ref().map(|s| s.span.start)),
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
                raw.kind.span.start,
                format!("`{kind}` needs `{param}`"),
            ));
        }
    }
    let kind_at = raw.kind.span.start;
    let check = match kind {
        CheckKind::FinalSizeMbMax => {
            let (value, at) = spanned_value(text, raw.value, kind_at);
            let mb = match (
                value.and_then(Value::as_integer),
                value.and_then(Value::as_float),
            ) {
                (Some(i), _) => i as f64,
                (_, Some(f)) => f,
                _ => return Err(wrong_type(text, at, "value", "a number of MB", value)),
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
            let (value, at) = spanned_value(text, raw.value, kind_at);
            match value.and_then(Value::as_integer) {
                Some(i) if (1..=1000).contains(&i) => Check::StagesMin { value: i as u32 },
                Some(_) => {
                    return Err(FormatError::at(
                        text,
                        at,
                        "`value` must be a whole number from 1 to 1000",
                    ))
                }
                None => {
                    return Err(wrong_type(
                        text,
                        at,
                        "value",
                        "a whole number of stages",
                        value,
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
            if values.value.is_empty() {
                return Err(FormatError::at(
                    text,
                    values.span.start,
                    "`values` must list at least one image",
                ));
            }
            // Each reference is checked, and a bad one reported, where it is written.
            for value in &values.value {
                if let Err(e) = reference::parse(&value.value) {
                    return Err(FormatError::at(
                        text,
                        value.span.start,
                        format!("`{}` is not an image reference: {e}", value.value),
                    ));
                }
            }
            Check::FinalBaseIn {
                values: values.value.into_iter().map(|v| v.value).collect(),
            }
        }
        CheckKind::TargetExists => {
            let target = raw.target.map(Spanned::take).unwrap_or_default();
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
                Some(s) => Some(match s.value.as_str() {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    "info" => Severity::Info,
                    other => {
                        return Err(FormatError::at(
                            text,
                            s.span.start,
                            format!(
                            "unknown severity `{other}`{}; valid severities: error, warning, info",
                            did_you_mean(other, &["error", "warning", "info"])
                        ),
                        ))
                    }
                }),
            };
            let code = raw.code.map(Spanned::take);
            if code.as_deref().is_some_and(|c| c.trim().is_empty()) {
                return Err(FormatError::at(text, kind_at, "`code` must not be empty"));
            }
            Check::NoDiagnostic { code, severity }
        }
        CheckKind::PathPresent | CheckKind::PathAbsent => {
            let (path, at) = match raw.path {
                Some(p) => (p.value, p.span.start),
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
            let (value, at) = spanned_value(text, raw.port, kind_at);
            let port = match (
                value.and_then(Value::as_integer),
                value.and_then(Value::as_str),
            ) {
                (Some(i), _) => normalise_port(&i.to_string()),
                (_, Some(s)) => normalise_port(s),
                _ => {
                    return Err(wrong_type(
                        text,
                        at,
                        "port",
                        "a port number or a string like \"80/tcp\"",
                        value,
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

/// A parameter's value and where to report a problem with it: at the value, or at the
/// check's `kind` when it is missing.
fn spanned_value<'v, 'de>(
    text: &str,
    value: Option<&'v Value<'de>>,
    fallback: usize,
) -> (Option<&'v Value<'de>>, usize) {
    (value, value.map_or(fallback, |v| fields::start(text, v)))
}

fn wrong_type(
    text: &str,
    at: usize,
    param: &str,
    expected: &str,
    found: Option<&Value<'_>>,
) -> FormatError {
    let found = found.map_or_else(|| "nothing".to_string(), fields::describe);
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
