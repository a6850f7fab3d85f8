//! The variables a FROM line sees: BuildKit's automatic platform ARGs, then the global
//! ARGs declared before the first FROM, each overridden by a matching `--build-arg`.

use std::collections::BTreeMap;

use stagecraft_syntax::{Diagnostic, Dockerfile, Keyword, TextRange};

use crate::expand::Lexer;
use crate::Options;

/// The platform a browser playground builds for: what `docker build` on an amd64 Linux
/// machine uses when no `--platform` is given.
pub const DEFAULT_PLATFORM_ARGS: [(&str, &str); 8] = [
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
];

/// A global ARG (declared before the first FROM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalArg {
    pub name: String,
    pub name_range: TextRange,
    /// The default as written, if any.
    pub default: Option<String>,
    /// The value FROM lines see: the build arg, else the expanded default.
    pub value: Option<String>,
}

/// What FROM lines can expand.
#[derive(Debug, Clone, Default)]
pub struct GlobalScope {
    pub args: Vec<GlobalArg>,
    /// Name to value, for expansion: platform ARGs and global ARGs that have a value.
    pub values: BTreeMap<String, String>,
}

impl GlobalScope {
    pub fn new(file: &Dockerfile, options: &Options) -> Self {
        let mut values: BTreeMap<String, String> = stagecraft_syntax::order::map_from(
            DEFAULT_PLATFORM_ARGS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let mut args = Vec::new();
        let lexer = Lexer::new(file.escape);
        for instruction in &file.instructions {
            if instruction.keyword == Keyword::From {
                break;
            }
            if instruction.keyword != Keyword::Arg {
                continue;
            }
            for word in &instruction.args {
                let (name, default) = match word.text.split_once('=') {
                    Some((n, d)) => (n.to_string(), Some(d.to_string())),
                    None => (word.text.clone(), None),
                };
                let name_range = TextRange::new(word.range.start, word.range.start + name.len());
                let expanded_default = default.as_ref().map(|d| {
                    lexer
                        .expand_word(d, &values)
                        .map(|e| e.text)
                        .unwrap_or_else(|_| d.clone())
                });
                let value = options.build_args.get(&name).cloned().or(expanded_default);
                match &value {
                    Some(v) => {
                        values.insert(name.clone(), v.clone());
                    }
                    None => {
                        values.remove(&name);
                    }
                }
                args.push(GlobalArg {
                    name,
                    name_range,
                    default,
                    value,
                });
            }
        }
        GlobalScope { args, values }
    }

    /// Expands a FROM word (image or platform). On a malformed word the word is kept as
    /// written and the problem reported.
    pub fn expand_from(
        &self,
        word: &str,
        range: TextRange,
        escape: char,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> String {
        if !word.contains('$') {
            return word.to_string();
        }
        match Lexer::new(escape).expand_word(word, &self.values) {
            Ok(expansion) => expansion.text,
            Err(error) => {
                diagnostics.push(Diagnostic::error("bad-substitution", range, error.message));
                word.to_string()
            }
        }
    }

    pub fn is_declared(&self, name: &str) -> bool {
        self.args.iter().any(|a| a.name == name)
            || DEFAULT_PLATFORM_ARGS.iter().any(|(k, _)| *k == name)
    }
}
