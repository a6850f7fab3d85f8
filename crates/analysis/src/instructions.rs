//! Instruction checks as BuildKit applies them when it converts the parse into build
//! instructions (`instructions/parse.go`, `bflag.go`): argument counts, known and
//! repeated flags, EXPOSE ports, HEALTHCHECK forms, ONBUILD triggers, instructions
//! before the first FROM. Each problem is an error: BuildKit refuses to build.

use stagecraft_syntax::{Diagnostic, Dockerfile, Instruction, Keyword, TextRange};

use crate::suggest;

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    Text,
    Bool,
    /// May be given several times (`--mount`, `--exclude`).
    Repeated,
}

/// The flags BuildKit's dockerfile frontend accepts on each instruction.
fn known_flags(keyword: Keyword) -> &'static [(&'static str, FlagKind)] {
    use FlagKind::*;
    match keyword {
        Keyword::From => &[("platform", Text)],
        Keyword::Run => &[("mount", Repeated), ("network", Text), ("security", Text)],
        Keyword::Copy => &[
            ("from", Text),
            ("chown", Text),
            ("chmod", Text),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Repeated),
        ],
        Keyword::Add => &[
            ("chown", Text),
            ("chmod", Text),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Text),
            ("exclude", Repeated),
            ("unpack", Bool),
        ],
        Keyword::Healthcheck => &[
            ("interval", Text),
            ("timeout", Text),
            ("start-period", Text),
            ("start-interval", Text),
            ("retries", Text),
        ],
        _ => &[],
    }
}

/// Runs every instruction check over the file.
pub(crate) fn check(file: &Dockerfile, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen_from = false;
    for instruction in &file.instructions {
        match instruction.keyword {
            Keyword::From => seen_from = true,
            Keyword::Arg => {}
            Keyword::Unknown => {}
            _ if !seen_from => diagnostics.push(
                Diagnostic::error(
                    "no-build-stage",
                    instruction.keyword_word.range,
                    format!(
                        "no build stage in current context: {} comes before the first FROM",
                        instruction.keyword.as_str()
                    ),
                )
                .with_help("Only ARG may come before the first FROM."),
            ),
            _ => {}
        }
        check_instruction(instruction, false, diagnostics);
    }
}

fn check_instruction(
    instruction: &Instruction,
    in_onbuild: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if instruction.keyword == Keyword::Unknown {
        unknown_instruction(instruction, diagnostics);
        return;
    }
    check_flags(instruction, diagnostics);
    check_arguments(instruction, diagnostics);
    if instruction.keyword == Keyword::Onbuild {
        match instruction.onbuild.as_deref() {
            None => diagnostics.push(at_least_one(instruction)),
            Some(inner) => {
                let refused = match inner.keyword {
                    Keyword::Onbuild => {
                        Some("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string())
                    }
                    Keyword::From | Keyword::Maintainer => Some(format!(
                        "{} isn't allowed as an ONBUILD trigger",
                        inner.keyword.as_str()
                    )),
                    _ => None,
                };
                match refused {
                    Some(message) => diagnostics.push(Diagnostic::error(
                        "invalid-onbuild-trigger",
                        inner.keyword_word.range,
                        message,
                    )),
                    None if !in_onbuild => check_instruction(inner, true, diagnostics),
                    None => {}
                }
            }
        }
    }
}

fn unknown_instruction(instruction: &Instruction, diagnostics: &mut Vec<Diagnostic>) {
    let word = &instruction.keyword_word;
    let names: Vec<&str> = Keyword::ALL.iter().map(|k| k.as_str()).collect();
    let mut diagnostic = Diagnostic::error(
        "unknown-instruction",
        word.range,
        format!("unknown instruction: {}", word.text),
    );
    if let Some(close) = suggest::closest(&word.text, &names) {
        let replacement = if word.text.chars().all(|c| c.is_lowercase()) {
            close.to_lowercase()
        } else {
            close.to_string()
        };
        diagnostic = diagnostic
            .with_help(format!("Did you mean `{close}`?"))
            .with_fix(format!("Change to {close}"), word.range, replacement);
    }
    diagnostics.push(diagnostic);
}

fn check_flags(instruction: &Instruction, diagnostics: &mut Vec<Diagnostic>) {
    let known = known_flags(instruction.keyword);
    for (i, flag) in instruction.flags.iter().enumerate() {
        let Some(&(_, kind)) = known.iter().find(|(name, _)| *name == flag.name) else {
            let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
            let mut diagnostic = Diagnostic::error(
                "unknown-flag",
                flag.range,
                format!("Unknown flag: {}", flag.name),
            );
            diagnostic = match suggest::closest(&flag.name, &names) {
                Some(close) => diagnostic.with_help(format!("Did you mean `--{close}`?")),
                None if names.is_empty() => diagnostic
                    .with_help(format!("{} takes no flags.", instruction.keyword.as_str())),
                None => diagnostic.with_help(format!(
                    "{} takes: {}.",
                    instruction.keyword.as_str(),
                    names
                        .iter()
                        .map(|n| format!("--{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            diagnostics.push(diagnostic);
            continue;
        };
        if kind != FlagKind::Repeated && instruction.flags[..i].iter().any(|f| f.name == flag.name)
        {
            diagnostics.push(Diagnostic::error(
                "duplicate-flag",
                flag.range,
                format!("Duplicate flag specified: {}", flag.name),
            ));
            continue;
        }
        match (kind, flag.value.as_deref()) {
            (FlagKind::Bool, Some(value))
                if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") =>
            {
                diagnostics.push(Diagnostic::error(
                    "invalid-flag-value",
                    flag.range,
                    format!(
                        "expecting boolean value for flag {}, not: {value}",
                        flag.name
                    ),
                ));
            }
            (FlagKind::Text | FlagKind::Repeated, None) => {
                diagnostics.push(
                    Diagnostic::error(
                        "missing-flag-value",
                        flag.range,
                        format!("Missing a value on flag: {}", flag.name),
                    )
                    .with_help(format!("Write it as `--{}=<value>`.", flag.name)),
                );
            }
            _ => {}
        }
        if instruction.keyword == Keyword::Healthcheck {
            if let Some(value) = flag.value.as_deref() {
                check_health_flag(&flag.name, value, flag.range, diagnostics);
            }
        }
    }
}

fn check_health_flag(name: &str, value: &str, range: TextRange, diagnostics: &mut Vec<Diagnostic>) {
    if name == "retries" {
        if value.parse::<i64>().map_or(true, |n| n < 0) {
            diagnostics.push(Diagnostic::error(
                "invalid-flag-value",
                range,
                format!("--retries must be a non-negative integer, not: {value}"),
            ));
        }
        return;
    }
    match parse_go_duration(value) {
        None => diagnostics.push(
            Diagnostic::error(
                "invalid-flag-value",
                range,
                format!("time: invalid duration \"{value}\""),
            )
            .with_help("Durations are written like `30s`, `1m30s` or `500ms`."),
        ),
        Some(nanos) if nanos != 0 && nanos < 1_000_000 => diagnostics.push(Diagnostic::error(
            "invalid-flag-value",
            range,
            format!("--{name} cannot be less than 1ms"),
        )),
        Some(_) => {}
    }
}

/// Go's `time.ParseDuration`, to nanoseconds (negative durations give `None` here).
pub(crate) fn parse_go_duration(text: &str) -> Option<u128> {
    if text == "0" {
        return Some(0);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    (total.is_finite() && total < 9.3e18).then_some(total as u128)
}

fn at_least_one(instruction: &Instruction) -> Diagnostic {
    Diagnostic::error(
        "missing-argument",
        instruction.keyword_word.range,
        format!(
            "{} requires at least one argument",
            instruction.keyword.as_str()
        ),
    )
}

fn exactly_one(instruction: &Instruction) -> Diagnostic {
    Diagnostic::error(
        "missing-argument",
        instruction.keyword_word.range,
        format!(
            "{} requires exactly one argument",
            instruction.keyword.as_str()
        ),
    )
}

fn check_arguments(instruction: &Instruction, diagnostics: &mut Vec<Diagnostic>) {
    let args = &instruction.args;
    let keyword = instruction.keyword;
    match keyword {
        Keyword::From => {
            let valid_shape = args.len() == 1
                || (args.len() == 3 && args[1].text.eq_ignore_ascii_case("as"));
            if !valid_shape {
                let range = args
                    .iter()
                    .map(|a| a.range)
                    .reduce(TextRange::cover)
                    .unwrap_or(instruction.keyword_word.range);
                diagnostics.push(
                    Diagnostic::error(
                        "from-arguments",
                        range,
                        "FROM requires either one or three arguments",
                    )
                    .with_help("Write `FROM <image>` or `FROM <image> AS <name>`."),
                );
            } else if let [_, _, name] = args.as_slice() {
                let lower = name.text.to_ascii_lowercase();
                let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
                    && lower
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
                if !valid {
                    diagnostics.push(Diagnostic::error(
                        "invalid-stage-name",
                        name.range,
                        format!(
                            "invalid name for build stage: {:?}, name can't start with a number or contain symbols",
                            name.text
                        ),
                    ));
                }
            }
        }
        Keyword::Copy | Keyword::Add if args.len() < 2 => diagnostics.push(
            Diagnostic::error(
                "missing-destination",
                args.first().map_or(instruction.keyword_word.range, |a| a.range),
                format!(
                    "{} requires at least two arguments, but only one was provided. Destination could not be determined.",
                    keyword.as_str()
                ),
            )
            .with_help(format!("Write `{} <source>... <destination>`, e.g. `{} . /app/`.", keyword.as_str(), keyword.as_str())),
        ),
        Keyword::Env | Keyword::Label | Keyword::Arg | Keyword::Expose | Keyword::Volume
            if args.is_empty() =>
        {
            diagnostics.push(at_least_one(instruction))
        }
        Keyword::Run if args.is_empty() && instruction.heredocs.is_empty() => {
            diagnostics.push(at_least_one(instruction))
        }
        Keyword::Workdir | Keyword::User | Keyword::Stopsignal | Keyword::Maintainer
            if args.is_empty() =>
        {
            diagnostics.push(exactly_one(instruction))
        }
        Keyword::Shell if !instruction.json => diagnostics.push(
            Diagnostic::error(
                "shell-not-json",
                instruction.rest.range,
                "SHELL requires the arguments to be in JSON form",
            )
            .with_help("Write it like `SHELL [\"/bin/bash\", \"-c\"]`."),
        ),
        Keyword::Shell if args.is_empty() => diagnostics.push(at_least_one(instruction)),
        Keyword::Healthcheck => check_healthcheck(instruction, diagnostics),
        Keyword::Expose => {
            for port in args {
                if let Err(message) = check_port_spec(&port.text) {
                    if !port.text.contains('$') {
                        diagnostics.push(Diagnostic::error("invalid-port", port.range, message));
                    }
                }
            }
        }
        _ => {}
    }
    if matches!(keyword, Keyword::Env | Keyword::Label) {
        for pair in args.chunks(2) {
            if pair[0].text.is_empty() {
                diagnostics.push(Diagnostic::error(
                    "blank-name",
                    pair[0].range,
                    format!("{} names can not be blank", keyword.as_str()),
                ));
            }
        }
    }
    if keyword == Keyword::Arg {
        for word in args {
            if word.text.split('=').next().is_some_and(str::is_empty) {
                diagnostics.push(Diagnostic::error(
                    "blank-name",
                    word.range,
                    "ARG names can not be blank",
                ));
            }
        }
    }
    if keyword == Keyword::Volume {
        for word in args.iter().filter(|w| w.text.trim().is_empty()) {
            diagnostics.push(Diagnostic::error(
                "empty-volume",
                word.range,
                "VOLUME specified can not be an empty string",
            ));
        }
    }
}

fn check_healthcheck(instruction: &Instruction, diagnostics: &mut Vec<Diagnostic>) {
    let args = &instruction.args;
    let Some(kind) = args.first() else {
        diagnostics.push(
            Diagnostic::error(
                "missing-argument",
                instruction.keyword_word.range,
                "HEALTHCHECK requires an argument",
            )
            .with_help("Write `HEALTHCHECK CMD <command>` or `HEALTHCHECK NONE`."),
        );
        return;
    };
    match kind.text.to_ascii_uppercase().as_str() {
        "NONE" if args.len() > 1 => diagnostics.push(Diagnostic::error(
            "healthcheck-arguments",
            args[1].range,
            "HEALTHCHECK NONE takes no arguments",
        )),
        "NONE" => {}
        "CMD" if args.len() < 2 => diagnostics.push(Diagnostic::error(
            "healthcheck-arguments",
            kind.range,
            "Missing command after HEALTHCHECK CMD",
        )),
        "CMD" => {}
        _ => diagnostics.push(Diagnostic::error(
            "healthcheck-arguments",
            kind.range,
            format!("Unknown type {:?} in HEALTHCHECK (try CMD)", kind.text),
        )),
    }
}

/// Validates `[ip:][hostPort:]containerPort[/proto]` as Docker's `nat.ParsePortSpecs`.
pub(crate) fn check_port_spec(spec: &str) -> Result<(), String> {
    let (ports, proto) = match spec.rsplit_once('/') {
        Some((p, proto)) => (p, proto),
        None => (spec, "tcp"),
    };
    if !matches!(proto.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let container = ports.rsplit(':').next().unwrap_or(ports);
    let valid_range = |r: &str| -> bool {
        let (a, b) = r.split_once('-').unwrap_or((r, r));
        match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(a), Ok(b)) => a <= b && b <= 65535 && (a > 0 || r == "0"),
            _ => false,
        }
    };
    if container.is_empty() || !valid_range(container) {
        return Err(format!("invalid containerPort: {container}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ports() {
        assert_eq!(parse_go_duration("1m30s"), Some(90_000_000_000));
        assert_eq!(parse_go_duration("500ms"), Some(500_000_000));
        assert_eq!(parse_go_duration("5"), None);
        assert!(check_port_spec("8080/tcp").is_ok());
        assert!(check_port_spec("8000-8010").is_ok());
        assert!(check_port_spec("80/xyz").is_err());
        assert!(check_port_spec("99999").is_err());
        assert!(check_port_spec("abc").is_err());
    }
}
