//! BuildKit's build checks (`docker build --check`), under their BuildKit names, with
//! BuildKit's messages, honouring `# check=skip=…;error=true;experimental=…` and the
//! `BUILDKIT_DOCKERFILE_CHECK` build arg.
//!
//! DuplicateStageName and ReservedStageName are reported by the graph as errors
//! (the build fails on them); the other twenty rules live here.

use std::collections::{BTreeMap, BTreeSet};

use stagecraft_syntax::{Diagnostic, Dockerfile, Instruction, Keyword, Severity, TextRange, Word};

use crate::expand::{Lexer, VarUse};
use crate::graph::Stage;
use crate::scope::{GlobalScope, DEFAULT_PLATFORM_ARGS};
use crate::{suggest, Options};

/// One BuildKit build check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub description: &'static str,
    /// Runs only when enabled with `experimental=…`.
    pub experimental: bool,
}

impl Rule {
    /// The rule's page in Docker's documentation.
    pub fn url(&self) -> String {
        let mut slug = String::new();
        for (i, c) in self.name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                slug.push('-');
            }
            slug.push(c.to_ascii_lowercase());
        }
        format!("https://docs.docker.com/go/dockerfile/rule/{slug}/")
    }
}

macro_rules! rules {
    ($($ident:ident = $name:literal, $experimental:literal, $description:literal;)*) => {
        $(pub const $ident: Rule = Rule { name: $name, description: $description, experimental: $experimental };)*
        /// Every rule, in BuildKit's order.
        pub const RULES: &[Rule] = &[$($ident),*];
    };
}

rules! {
    STAGE_NAME_CASING = "StageNameCasing", false, "Stage names should be lowercase";
    FROM_AS_CASING = "FromAsCasing", false, "The 'as' keyword should match the case of the 'from' keyword";
    NO_EMPTY_CONTINUATION = "NoEmptyContinuation", false, "Empty continuation lines will become errors in a future release";
    CONSISTENT_INSTRUCTION_CASING = "ConsistentInstructionCasing", false, "All commands within the Dockerfile should use the same casing (either upper or lower)";
    DUPLICATE_STAGE_NAME = "DuplicateStageName", false, "Stage names should be unique";
    RESERVED_STAGE_NAME = "ReservedStageName", false, "Reserved words should not be used as stage names";
    JSON_ARGS_RECOMMENDED = "JSONArgsRecommended", false, "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals";
    MAINTAINER_DEPRECATED = "MaintainerDeprecated", false, "The MAINTAINER instruction is deprecated, use a label instead to define an image author";
    UNDEFINED_ARG_IN_FROM = "UndefinedArgInFrom", false, "FROM command must use declared ARGs";
    WORKDIR_RELATIVE_PATH = "WorkdirRelativePath", false, "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes";
    UNDEFINED_VAR = "UndefinedVar", false, "Variables should be defined before their use";
    MULTIPLE_INSTRUCTIONS_DISALLOWED = "MultipleInstructionsDisallowed", false, "Multiple instructions of the same type should not be used in the same stage";
    LEGACY_KEY_VALUE_FORMAT = "LegacyKeyValueFormat", false, "Legacy key/value format with whitespace separator should not be used";
    INVALID_BASE_IMAGE_PLATFORM = "InvalidBaseImagePlatform", false, "Base image platform does not match expected target platform";
    REDUNDANT_TARGET_PLATFORM = "RedundantTargetPlatform", false, "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior";
    SECRETS_USED_IN_ARG_OR_ENV = "SecretsUsedInArgOrEnv", false, "Sensitive data should not be used in the ARG or ENV commands";
    INVALID_DEFAULT_ARG_IN_FROM = "InvalidDefaultArgInFrom", false, "Default value for global ARG results in an empty or invalid base image name";
    FROM_PLATFORM_FLAG_CONST_DISALLOWED = "FromPlatformFlagConstDisallowed", false, "FROM --platform flag should not use a constant value";
    COPY_IGNORED_FILE = "CopyIgnoredFile", false, "Attempting to Copy file that is excluded by .dockerignore";
    INVALID_DEFINITION_DESCRIPTION = "InvalidDefinitionDescription", true, "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.";
    EXPOSE_PROTO_CASING = "ExposeProtoCasing", false, "Protocol in EXPOSE instruction should be lowercase";
    EXPOSE_INVALID_FORMAT = "ExposeInvalidFormat", false, "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release";
}

/// Looks a rule up by its exact (case-sensitive) name.
pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

/// The `check` directive's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckConfig {
    pub skip_all: bool,
    pub skip: BTreeSet<String>,
    pub error: bool,
    pub experimental_all: bool,
    pub experimental: BTreeSet<String>,
}

impl CheckConfig {
    /// Parses `skip=A,B;error=true;experimental=all`. Unknown keys and rule names are
    /// reported through `problems` rather than failing.
    pub fn parse(value: &str, problems: &mut Vec<String>) -> Self {
        let mut config = CheckConfig::default();
        for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, val)) = part.split_once('=') else {
                problems.push(format!(
                    "invalid check setting {part:?}: expected key=value"
                ));
                continue;
            };
            let names = || val.split(',').map(str::trim).filter(|n| !n.is_empty());
            match key.trim() {
                "skip" if val.trim() == "all" => config.skip_all = true,
                "skip" => {
                    for name in names() {
                        if rule(name).is_none() {
                            problems.push(format!("unknown check name {name:?} in skip"));
                        }
                        config.skip.insert(name.to_string());
                    }
                }
                "error" => match val.trim().parse::<bool>() {
                    Ok(b) => config.error = b,
                    Err(_) => problems.push(format!(
                        "invalid value {val:?} for error: expected true or false"
                    )),
                },
                "experimental" if val.trim() == "all" => config.experimental_all = true,
                "experimental" => {
                    config.experimental.extend(names().map(str::to_string));
                }
                other => problems.push(format!("unknown check setting {other:?}")),
            }
        }
        config
    }

    pub fn enabled(&self, rule: &Rule) -> bool {
        if self.skip_all || self.skip.contains(rule.name) {
            return false;
        }
        !rule.experimental || self.experimental_all || self.experimental.contains(rule.name)
    }
}

struct Reporter<'a> {
    config: &'a CheckConfig,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Reporter<'_> {
    fn report(
        &mut self,
        rule: &Rule,
        range: TextRange,
        message: String,
    ) -> Option<&mut Diagnostic> {
        if !self.config.enabled(rule) {
            return None;
        }
        let severity = if self.config.error {
            Severity::Error
        } else {
            Severity::Warning
        };
        self.diagnostics.push(
            Diagnostic::new(severity, rule.name, range, message).with_help(format!(
                "{}. See {}",
                rule.description,
                rule.url()
            )),
        );
        self.diagnostics.last_mut()
    }

    /// Reports a finding with a one-click fix replacing `range` by `replacement`.
    fn report_with_fix(
        &mut self,
        rule: &Rule,
        range: TextRange,
        message: String,
        title: String,
        replacement: String,
    ) {
        if let Some(d) = self.report(rule, range, message) {
            d.fix = Some(stagecraft_syntax::Fix {
                title,
                range,
                replacement,
            });
        }
    }
}

/// Runs the build checks.
pub(crate) fn run(
    file: &Dockerfile,
    stages: &[Stage],
    globals: &GlobalScope,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut problems = Vec::new();
    let directive = file.directive("check");
    let mut config = directive
        .map(|d| CheckConfig::parse(&d.value, &mut problems))
        .unwrap_or_default();
    if let Some(value) = options.build_args.get("BUILDKIT_DOCKERFILE_CHECK") {
        config = CheckConfig::parse(value, &mut problems);
    }
    for problem in problems {
        diagnostics.push(Diagnostic::warning(
            "invalid-check-directive",
            directive.map_or(TextRange::empty(0), |d| d.value_range),
            problem,
        ));
    }
    let mut reporter = Reporter {
        config: &config,
        diagnostics,
    };
    casing(file, &mut reporter);
    for empty in &file.empty_continuations {
        reporter.report(
            &NO_EMPTY_CONTINUATION,
            empty.range,
            "Empty continuation line".to_string(),
        );
    }
    for stage in stages {
        let instructions = &file.instructions[stage.instructions.clone()];
        from_checks(file, stage, globals, &mut reporter);
        stage_checks(instructions, &mut reporter);
        expose_checks(instructions, &mut reporter);
        if let Some(ignore) = options.dockerignore.as_deref() {
            copy_ignored(instructions, ignore, &mut reporter);
        }
    }
    variable_checks(file, stages, globals, options, &mut reporter);
    definition_descriptions(file, &mut reporter);
}

fn is_lower(s: &str) -> bool {
    s.to_lowercase() == s
}

/// For keywords and FROM's `AS`, which are ASCII (anything else is not a keyword, or a
/// FROM BuildKit rejects before its checks run): ASCII rules are exact for them, and the
/// page ships no Unicode uppercase table.
fn is_upper_keyword(s: &str) -> bool {
    !s.bytes().any(|b| b.is_ascii_lowercase())
}

fn casing(file: &Dockerfile, reporter: &mut Reporter) {
    let keywords: Vec<&Word> = file
        .instructions
        .iter()
        .filter(|i| i.keyword != Keyword::Unknown)
        .map(|i| &i.keyword_word)
        .collect();
    let lower = keywords.iter().filter(|w| is_lower(&w.text)).count();
    let upper = keywords.len() - lower;
    let majority_lower = lower > upper;
    for word in keywords {
        let fits = if majority_lower {
            is_lower(&word.text)
        } else {
            is_upper_keyword(&word.text)
        };
        if !fits {
            let (case, fixed) = if majority_lower {
                ("lowercase", word.text.to_lowercase())
            } else {
                ("uppercase", word.text.to_ascii_uppercase())
            };
            reporter.report_with_fix(
                &CONSISTENT_INSTRUCTION_CASING,
                word.range,
                format!(
                    "Command '{}' should match the case of the command majority ({case})",
                    word.text
                ),
                format!("Change to {fixed}"),
                fixed,
            );
        }
    }
}

fn from_checks(file: &Dockerfile, stage: &Stage, globals: &GlobalScope, reporter: &mut Reporter) {
    let from = &file.instructions[stage.instructions.start];
    if let [_, as_word, name] = from.args.as_slice() {
        if !is_lower(&name.text) {
            let lower = name.text.to_lowercase();
            reporter.report_with_fix(
                &STAGE_NAME_CASING,
                name.range,
                format!("Stage name '{}' should be lowercase", name.text),
                format!("Rename to {lower}"),
                lower,
            );
        }
        let from_word = &from.keyword_word.text;
        // A middle word other than AS is an error BuildKit stops at (`from-arguments`).
        let casing_differs = is_lower(from_word) != is_lower(&as_word.text)
            || is_upper_keyword(from_word) != is_upper_keyword(&as_word.text);
        if as_word.text.eq_ignore_ascii_case("as") && casing_differs {
            reporter.report(
                &FROM_AS_CASING,
                as_word.range,
                format!(
                    "'{}' and '{}' keywords' casing do not match",
                    as_word.text, from_word
                ),
            );
        }
    }
    // Variables in the base and --platform must be global ARGs (or BuildKit's own).
    let lexer = Lexer::new(file.escape);
    let mut words: Vec<(&str, TextRange)> = Vec::new();
    if let Some(base) = from.args.first() {
        words.push((&base.text, base.range));
    }
    let platform = from.flag("platform");
    if let Some(flag) = platform {
        words.push((flag.value.as_deref().unwrap_or_default(), flag.range));
    }
    let declared: Vec<&str> = globals
        .args
        .iter()
        .map(|a| a.name.as_str())
        .chain(DEFAULT_PLATFORM_ARGS.iter().map(|(k, _)| *k))
        .collect();
    for (word, range) in &words {
        let Ok(expansion) = lexer.expand_word(word, &globals.values) else {
            continue;
        };
        for var in expansion.uses.iter().filter(|v| !v.has_default) {
            if !globals.is_declared(&var.name) {
                let mut message = format!("FROM argument '{}' is not declared", var.name);
                if let Some(close) = suggest::closest(&var.name, &declared) {
                    message.push_str(&format!(" (did you mean {close}?)"));
                }
                reporter.report(&UNDEFINED_ARG_IN_FROM, *range, message);
            }
        }
    }
    if let Some(base) = from.args.first() {
        if base.text.contains('$') {
            // What the defaults alone give, without any --build-arg.
            let defaults: BTreeMap<String, String> =
                stagecraft_syntax::order::map_from(
                    DEFAULT_PLATFORM_ARGS
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .chain(globals.args.iter().filter_map(|a| {
                            a.default.as_ref().map(|d| (a.name.clone(), d.clone()))
                        })),
                );
            if let Ok(expansion) = lexer.expand_word(&base.text, &defaults) {
                if !is_valid_image_reference(&expansion.text) {
                    let args: Vec<&str> = expansion.uses.iter().map(|u| u.name.as_str()).collect();
                    if let Some(d) = reporter.report(
                        &INVALID_DEFAULT_ARG_IN_FROM,
                        base.range,
                        format!(
                            "Default value for ARG {} results in empty or invalid base image name",
                            base.text
                        ),
                    ) {
                        d.help = Some(format!(
                            "Give {} a default value so the file builds without --build-arg.",
                            args.join(", ")
                        ));
                    }
                }
            }
        }
    }
    if let Some(flag) = platform {
        let value = flag.value.as_deref().unwrap_or_default();
        if matches!(value, "$TARGETPLATFORM" | "${TARGETPLATFORM}") {
            reporter.report(
                &REDUNDANT_TARGET_PLATFORM,
                flag.range,
                format!("Setting platform to predefined {value} in FROM is redundant as this is the default behavior"),
            );
        } else if !value.contains('$') && !value.is_empty() {
            let name = stage.name.as_deref().unwrap_or_default();
            let mentioned = value
                .split('/')
                .any(|part| !part.is_empty() && name.contains(part));
            if !mentioned {
                reporter.report(
                    &FROM_PLATFORM_FLAG_CONST_DISALLOWED,
                    flag.range,
                    format!("FROM --platform flag should not use constant value {value:?}"),
                );
            }
        }
    }
    let expected = stage.platform.as_deref().unwrap_or("linux/amd64");
    if is_windows_image(&stage.base) && expected.starts_with("linux") {
        reporter.report(
            &INVALID_BASE_IMAGE_PLATFORM,
            stage.base_range,
            format!(
                "Base image {} was pulled with platform \"windows/amd64\", expected {expected:?} for current build",
                stage.base
            ),
        );
    }
}

fn is_windows_image(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    lower.starts_with("mcr.microsoft.com/windows")
        || lower.contains("servercore")
        || lower.contains("nanoserver")
}

/// A loose check of Docker's reference grammar: enough to catch `alpine:` or `:3.20`
/// or an empty name, which is what unset ARG defaults produce.
pub(crate) fn is_valid_image_reference(reference: &str) -> bool {
    if reference.is_empty() || reference.len() > 4096 {
        return false;
    }
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        let valid = digest
            .split_once(':')
            .is_some_and(|(alg, hex)| !alg.is_empty() && hex.len() >= 32);
        if !valid {
            return false;
        }
    }
    let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_and_tag[last_slash..].split_once(':') {
        Some((_, tag)) => (
            &name_and_tag[..name_and_tag.len() - tag.len() - 1],
            Some(tag),
        ),
        None => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        let valid_tag = !tag.is_empty()
            && tag.len() <= 128
            && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !valid_tag {
            return false;
        }
    }
    let mut components = name.split('/');
    let first = components.next().unwrap_or_default();
    let is_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let path_ok = |c: &str| {
        !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
    };
    (is_registry || path_ok(first)) && components.all(path_ok)
}

fn stage_checks(instructions: &[Instruction], reporter: &mut Reporter) {
    let custom_shell = instructions.iter().any(|i| i.keyword == Keyword::Shell);
    for keyword in [Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck] {
        let all: Vec<&Instruction> = instructions
            .iter()
            .filter(|i| i.keyword == keyword)
            .collect();
        if let Some((_, earlier)) = all.split_last() {
            for instruction in earlier {
                reporter.report(
                    &MULTIPLE_INSTRUCTIONS_DISALLOWED,
                    instruction.keyword_word.range,
                    format!(
                        "Multiple {} instructions should not be used in the same stage because only the last one will be used",
                        keyword.as_str()
                    ),
                );
            }
        }
    }
    for instruction in instructions {
        match instruction.keyword {
            Keyword::Cmd | Keyword::Entrypoint
                if !instruction.json && !instruction.args.is_empty() && !custom_shell =>
            {
                let keyword = instruction.keyword.as_str();
                let exec = exec_form(&instruction.rest.text);
                let message = format!("JSON arguments recommended for {keyword} to prevent unintended behavior related to OS signals");
                match exec {
                    Some(exec) => reporter.report_with_fix(
                        &JSON_ARGS_RECOMMENDED,
                        instruction.rest.range,
                        message,
                        "Use exec form".to_string(),
                        exec,
                    ),
                    None => {
                        reporter.report(&JSON_ARGS_RECOMMENDED, instruction.rest.range, message);
                    }
                }
            }
            Keyword::Maintainer => {
                let author = instruction
                    .args
                    .first()
                    .map(|w| w.text.clone())
                    .unwrap_or_default();
                // The fix replaces the whole instruction, the finding points at the keyword.
                if let Some(d) = reporter.report(
                    &MAINTAINER_DEPRECATED,
                    instruction.keyword_word.range,
                    "Maintainer instruction is deprecated in favor of using label".to_string(),
                ) {
                    d.fix = Some(stagecraft_syntax::Fix {
                        title: "Use a LABEL".to_string(),
                        range: instruction.range,
                        replacement: format!("LABEL org.opencontainers.image.authors={author:?}"),
                    });
                }
            }
            Keyword::Env | Keyword::Label => legacy_key_value(instruction, reporter),
            _ => {}
        }
    }
    workdir_relative(instructions, reporter);
}

/// The exec form of a simple shell-form command, when splitting on spaces is safe.
fn exec_form(shell: &str) -> Option<String> {
    if shell
        .chars()
        .any(|c| "\"'\\$|&;<>()*?`{}[]~#\n".contains(c))
    {
        return None;
    }
    let words: Vec<String> = shell.split_whitespace().map(|w| format!("{w:?}")).collect();
    (!words.is_empty()).then(|| format!("[{}]", words.join(", ")))
}

fn legacy_key_value(instruction: &Instruction, reporter: &mut Reporter) {
    let Some(first) = instruction.args.first() else {
        return;
    };
    // Legacy form: the first word had no `=`, so the parser split key from value.
    let first_word_end = instruction
        .rest
        .text
        .find(char::is_whitespace)
        .unwrap_or(instruction.rest.text.len());
    if instruction.rest.text[..first_word_end].contains('=') || instruction.args.len() != 2 {
        return;
    }
    let keyword = instruction.keyword.as_str();
    let value = &instruction.args[1].text;
    let quoted = if value.contains(char::is_whitespace) && !value.starts_with('"') {
        format!("{}={:?}", first.text, value)
    } else {
        format!("{}={}", first.text, value)
    };
    reporter.report_with_fix(
        &LEGACY_KEY_VALUE_FORMAT,
        instruction.rest.range,
        format!("\"{keyword} key=value\" should be used instead of legacy \"{keyword} key value\" format"),
        "Use key=value".to_string(),
        quoted,
    );
}

fn workdir_relative(instructions: &[Instruction], reporter: &mut Reporter) {
    let mut absolute_seen = false;
    for instruction in instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Workdir)
    {
        let Some(path) = instruction.args.first() else {
            continue;
        };
        let absolute = path.text.starts_with('/')
            || path.text.starts_with('$')
            || path.text.get(1..3).is_some_and(|s| s == ":\\" || s == ":/");
        if absolute {
            absolute_seen = true;
        } else if !absolute_seen {
            reporter.report(
                &WORKDIR_RELATIVE_PATH,
                path.range,
                format!(
                    "Relative workdir {:?} can have unexpected results if the base image changes",
                    path.text
                ),
            );
        }
    }
}

fn expose_checks(instructions: &[Instruction], reporter: &mut Reporter) {
    for instruction in instructions.iter().filter(|i| i.keyword == Keyword::Expose) {
        for port in &instruction.args {
            if let Some((_, proto)) = port.text.rsplit_once('/') {
                if proto != proto.to_lowercase() {
                    let fixed = format!(
                        "{}/{}",
                        &port.text[..port.text.len() - proto.len() - 1],
                        proto.to_lowercase()
                    );
                    reporter.report_with_fix(
                        &EXPOSE_PROTO_CASING,
                        port.range,
                        format!(
                            "Defined protocol '{}' in EXPOSE instruction should be lowercase",
                            port.text
                        ),
                        format!("Change to {fixed}"),
                        fixed,
                    );
                }
            }
            if port.text.contains(':') {
                reporter.report(
                    &EXPOSE_INVALID_FORMAT,
                    port.range,
                    format!(
                        "EXPOSE instruction should not define an IP address or host-port mapping, found '{}'",
                        port.text
                    ),
                );
            }
        }
    }
}

fn copy_ignored(instructions: &[Instruction], dockerignore: &str, reporter: &mut Reporter) {
    let patterns = crate::dockerignore::Patterns::parse(dockerignore);
    for instruction in instructions {
        if !matches!(instruction.keyword, Keyword::Copy | Keyword::Add)
            || instruction.flag("from").is_some()
        {
            continue;
        }
        let Some((_, sources)) = instruction.args.split_last() else {
            continue;
        };
        for source in sources {
            if source.text.starts_with("<<") || source.text.contains("://") {
                continue;
            }
            if patterns.excludes(&source.text) {
                reporter.report(
                    &COPY_IGNORED_FILE,
                    source.range,
                    format!(
                        "Attempting to {} file {:?} that is excluded by .dockerignore",
                        if instruction.keyword == Keyword::Add {
                            "Add"
                        } else {
                            "Copy"
                        },
                        source.text
                    ),
                );
            }
        }
    }
}

fn is_secret_key(key: &str) -> bool {
    const SECRET: [&str; 10] = [
        "apikey",
        "auth",
        "credential",
        "credentials",
        "key",
        "password",
        "pword",
        "passwd",
        "secret",
        "token",
    ];
    const ALLOWED: [&str; 3] = ["public", "file", "version"];
    let words: Vec<String> = key.split('_').map(|w| w.to_ascii_lowercase()).collect();
    if words.iter().any(|w| ALLOWED.contains(&w.as_str())) {
        return false;
    }
    let first = words.first().map(String::as_str).unwrap_or_default();
    let last = words.last().map(String::as_str).unwrap_or_default();
    SECRET.contains(&first) || SECRET.contains(&last)
}

/// Environment variables that base images commonly set. Until the base-image catalog
/// knows each image's environment, a use of one of these is not called undefined.
const COMMON_IMAGE_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "HOSTNAME",
    "TERM",
    "LANG",
    "LC_ALL",
    "LANGUAGE",
    "USER",
    "SHELL",
    "PWD",
    "JAVA_HOME",
    "JAVA_VERSION",
    "JDK_VERSION",
    "MAVEN_HOME",
    "MAVEN_CONFIG",
    "GRADLE_HOME",
    "GOPATH",
    "GOLANG_VERSION",
    "GOTOOLCHAIN",
    "NODE_VERSION",
    "YARN_VERSION",
    "NPM_CONFIG_PREFIX",
    "PYTHON_VERSION",
    "PYTHON_SHA256",
    "PYTHON_PIP_VERSION",
    "PIP_NO_CACHE_DIR",
    "GPG_KEY",
    "RUBY_VERSION",
    "RUBY_MAJOR",
    "GEM_HOME",
    "BUNDLE_PATH",
    "BUNDLE_APP_CONFIG",
    "BUNDLE_SILENCE_ROOT_WARNING",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUST_VERSION",
    "NGINX_VERSION",
    "NJS_VERSION",
    "PKG_RELEASE",
    "PHP_VERSION",
    "PHP_INI_DIR",
    "PHPIZE_DEPS",
    "PGDATA",
    "PG_MAJOR",
    "PG_VERSION",
    "REDIS_VERSION",
    "MONGO_VERSION",
    "DOTNET_VERSION",
    "ASPNET_VERSION",
    "CATALINA_HOME",
    "TOMCAT_VERSION",
    "DEBIAN_FRONTEND",
    "SSL_CERT_FILE",
    "LD_LIBRARY_PATH",
    "ProgramFiles",
    "windir",
    "USERPROFILE",
    "TEMP",
    "TMP",
    "APPDATA",
    "LOCALAPPDATA",
    "SystemRoot",
    "ComSpec",
];

/// Variables a stage can see: declared ARGs and ENVs (its own and its base stage's).
#[derive(Clone, Default)]
struct StageVars {
    env: BTreeMap<String, String>,
    args: BTreeMap<String, String>,
    defined: BTreeSet<String>,
}

fn variable_checks(
    file: &Dockerfile,
    stages: &[Stage],
    globals: &GlobalScope,
    options: &Options,
    reporter: &mut Reporter,
) {
    let lexer = Lexer::new(file.escape);
    for instruction in &file.instructions {
        if instruction.keyword == Keyword::From {
            break;
        }
        if instruction.keyword == Keyword::Arg {
            secrets(instruction, "ARG", reporter);
        }
    }
    let mut finished: Vec<StageVars> = Vec::with_capacity(stages.len());
    for stage in stages {
        let mut vars = stage
            .base_stage
            .and_then(|s| finished.get(s))
            .map(|parent| StageVars {
                env: parent.env.clone(),
                args: BTreeMap::new(),
                defined: stagecraft_syntax::order::set_from(parent.env.keys().cloned()),
            })
            .unwrap_or_default();
        let from_scratch = stage.base.eq_ignore_ascii_case("scratch");
        for instruction in &file.instructions[stage.instructions.clone()] {
            let target = instruction.effective();
            let mut values = vars.env.clone();
            values.extend(vars.args.clone());
            let scope = WordScope {
                lexer: &lexer,
                values: &values,
                globals,
                from_scratch,
            };
            match target.keyword {
                Keyword::Arg => {
                    secrets(target, "ARG", reporter);
                    for word in &target.args {
                        let (name, default) = match word.text.split_once('=') {
                            Some((n, d)) => (n, Some(d)),
                            None => (word.text.as_str(), None),
                        };
                        if let Some(d) = default {
                            scope.check(d, word.range, &vars.defined, reporter);
                        }
                        let value = options
                            .build_args
                            .get(name)
                            .cloned()
                            .or_else(|| {
                                default.map(|d| {
                                    lexer
                                        .expand_word(d, &values)
                                        .map(|e| e.text)
                                        .unwrap_or_default()
                                })
                            })
                            .or_else(|| {
                                globals
                                    .args
                                    .iter()
                                    .find(|a| a.name == name)
                                    .and_then(|a| a.value.clone())
                            })
                            .or_else(|| {
                                DEFAULT_PLATFORM_ARGS
                                    .iter()
                                    .find(|(k, _)| *k == name)
                                    .map(|(_, v)| v.to_string())
                            });
                        vars.defined.insert(name.to_string());
                        if let Some(value) = value {
                            vars.args.insert(name.to_string(), value);
                        }
                    }
                }
                Keyword::Env => {
                    secrets(target, "ENV", reporter);
                    let mut updates = Vec::new();
                    for pair in target.args.chunks(2) {
                        if let [key, value] = pair {
                            scope.check(&value.text, value.range, &vars.defined, reporter);
                            let expanded = lexer
                                .expand_word(&value.text, &values)
                                .map(|e| e.text)
                                .unwrap_or_else(|_| value.text.clone());
                            updates.push((key.text.clone(), expanded));
                        }
                    }
                    for (key, value) in updates {
                        vars.defined.insert(key.clone());
                        vars.env.insert(key, value);
                    }
                }
                Keyword::Add
                | Keyword::Copy
                | Keyword::Expose
                | Keyword::Label
                | Keyword::Stopsignal
                | Keyword::User
                | Keyword::Volume
                | Keyword::Workdir => {
                    for word in &target.args {
                        if !word.text.starts_with("<<") {
                            scope.check(&word.text, word.range, &vars.defined, reporter);
                        }
                    }
                    for flag in &target.flags {
                        if matches!(flag.name.as_str(), "chown" | "chmod") {
                            scope.check(
                                flag.value.as_deref().unwrap_or_default(),
                                flag.range,
                                &vars.defined,
                                reporter,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        finished.push(vars);
    }
}

/// What a word in a stage is expanded against, for the UndefinedVar check.
struct WordScope<'a> {
    lexer: &'a Lexer,
    values: &'a BTreeMap<String, String>,
    globals: &'a GlobalScope,
    from_scratch: bool,
}

impl WordScope<'_> {
    fn check(
        &self,
        word: &str,
        range: TextRange,
        defined: &BTreeSet<String>,
        reporter: &mut Reporter,
    ) {
        if !word.contains('$') {
            return;
        }
        if let Ok(expansion) = self.lexer.expand_word(word, self.values) {
            for var in expansion.uses {
                undefined_var(
                    &var,
                    range,
                    defined,
                    self.globals,
                    self.from_scratch,
                    reporter,
                );
            }
        }
    }
}

fn undefined_var(
    var: &VarUse,
    range: TextRange,
    defined: &BTreeSet<String>,
    globals: &GlobalScope,
    from_scratch: bool,
    reporter: &mut Reporter,
) {
    if var.has_default || defined.contains(&var.name) {
        return;
    }
    if !from_scratch && COMMON_IMAGE_ENV.contains(&var.name.as_str()) {
        return;
    }
    let candidates: Vec<&str> = defined.iter().map(String::as_str).collect();
    let mut message = format!("Usage of undefined variable '${}'", var.name);
    if let Some(close) = suggest::closest(&var.name, &candidates) {
        message.push_str(&format!(" (did you mean ${close}?)"));
    }
    let help = if globals.is_declared(&var.name) {
        Some(format!(
            "`{}` is a global ARG (or one of BuildKit's platform ARGs): a stage only sees it after `ARG {}` inside the stage.",
            var.name, var.name
        ))
    } else {
        None
    };
    let var_range = TextRange::new(
        (range.start + var.start).min(range.end),
        (range.start + var.end).min(range.end),
    );
    let range = if var_range.is_empty() {
        range
    } else {
        var_range
    };
    if let Some(d) = reporter.report(&UNDEFINED_VAR, range, message) {
        if let Some(help) = help {
            d.help = Some(help);
        }
    }
}

fn secrets(instruction: &Instruction, keyword: &str, reporter: &mut Reporter) {
    let keys: Vec<(&str, TextRange)> = match instruction.keyword {
        Keyword::Env => instruction
            .args
            .chunks(2)
            .map(|pair| (pair[0].text.as_str(), pair[0].range))
            .collect(),
        _ => instruction
            .args
            .iter()
            .map(|w| (w.text.split('=').next().unwrap_or_default(), w.range))
            .collect(),
    };
    for (key, range) in keys {
        if is_secret_key(key) {
            if let Some(d) = reporter.report(
                &SECRETS_USED_IN_ARG_OR_ENV,
                range,
                format!(
                    "Do not use ARG or ENV instructions for sensitive data ({keyword} {key:?})"
                ),
            ) {
                d.help = Some(
                    "Build args and environment variables stay in the image's history. Use a secret mount: `RUN --mount=type=secret,id=mytoken ...`.".to_string(),
                );
            }
        }
    }
}

fn definition_descriptions(file: &Dockerfile, reporter: &mut Reporter) {
    for instruction in &file.instructions {
        let names: Vec<String> = match instruction.keyword {
            Keyword::From => match instruction.args.as_slice() {
                [_, _, name] => vec![name.text.clone()],
                _ => continue,
            },
            Keyword::Arg => instruction
                .args
                .iter()
                .map(|w| w.text.split('=').next().unwrap_or_default().to_string())
                .collect(),
            _ => continue,
        };
        let Some(comment) = instruction.comments.last() else {
            continue;
        };
        let first_word = comment.split_whitespace().next().unwrap_or_default();
        for name in names {
            if first_word != name {
                let kind = if instruction.keyword == Keyword::From {
                    "build stage"
                } else {
                    "argument"
                };
                reporter.report(
                    &INVALID_DEFINITION_DESCRIPTION,
                    instruction.keyword_word.range,
                    format!("Comment for {kind} should follow the format: `# {name} <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment."),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_table_has_buildkit_22_rules() {
        assert_eq!(RULES.len(), 22);
        assert_eq!(
            STAGE_NAME_CASING.url(),
            "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/"
        );
    }

    #[test]
    fn image_references() {
        for good in [
            "alpine",
            "alpine:3.20",
            "docker.io/library/node:20-alpine",
            "localhost:5000/x/y:1",
            "gcr.io/distroless/static-debian12:nonroot",
        ] {
            assert!(is_valid_image_reference(good), "{good}");
        }
        for bad in ["", "alpine:", ":3.20", "Alpine", "node:20 alpine", "a//b"] {
            assert!(!is_valid_image_reference(bad), "{bad}");
        }
    }

    #[test]
    fn secret_keys() {
        assert!(is_secret_key("API_KEY"));
        assert!(is_secret_key("password"));
        assert!(is_secret_key("AWS_SECRET"));
        assert!(!is_secret_key("PUBLIC_KEY"));
        assert!(!is_secret_key("KEY_FILE"));
        assert!(!is_secret_key("MONKEY"));
    }

    #[test]
    fn check_directive() {
        let mut problems = Vec::new();
        let config = CheckConfig::parse("skip=JSONArgsRecommended,Nope;error=true", &mut problems);
        assert!(config.error);
        assert!(!config.enabled(&JSON_ARGS_RECOMMENDED));
        assert!(config.enabled(&UNDEFINED_VAR));
        assert!(!config.enabled(&INVALID_DEFINITION_DESCRIPTION));
        assert_eq!(problems.len(), 1);
    }
}
