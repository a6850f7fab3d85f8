//! What RUN commands do to the filesystem. A RUN's shell text is split into simple
//! commands (`shell`), each command is matched against a data table of recipes that
//! teachers can extend (`table`, `data/recipes.json` with sizes from `data/artifacts.json`),
//! and the matched recipes' templated effects become concrete changes with sizes (`plan`):
//! files and trees added, paths removed, owners and modes changed, moves, copies, links.
//!
//! The plan is a model, not an execution: commands no recipe knows are listed as unknown,
//! outputs whose location only the build knows are listed as unverifiable, and the
//! permission findings say which commands a non-root USER could not run.

mod plan;
mod shell;
mod table;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;

pub use table::{Artifact, RecipeTable};

/// The table reader's helpers for walking `serde_json::Value`s with located errors,
/// shared with the catalog's reader.
pub(crate) mod json {
    pub(crate) use super::table::{check_keys, obj, opt_str, req_f64, req_str, str_list};
}

/// A data file as `build.rs` prepared it for embedding (in `OUT_DIR`).
macro_rules! embedded {
    ($file:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/data/", $file))
    };
}

/// The built-in table and artifact sizes, compiled in (the core does no IO), as
/// `build.rs` prepared them: minified, without the fields that only document the data.
const RECIPES_JSON: &str = embedded!("recipes.json");
const ARTIFACTS_JSON: &str = embedded!("artifacts.json");

/// What a RUN runs in.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    /// The stage's WORKDIR (absolute).
    pub workdir: &'a str,
    /// ENV and ARG values in scope.
    pub env: &'a BTreeMap<String, String>,
    /// The USER (`root`, `app`, `1001:1001`; empty means root).
    pub user: &'a str,
    pub package_manager: crate::catalog::PackageManager,
    /// The stage's filesystem before this RUN.
    pub fs: &'a crate::vfs::Fs,
    /// Paths that are cache/tmpfs/bind/secret mounts in this RUN: writes under them do
    /// not reach the image.
    pub mounts: &'a [String],
}

/// One change a RUN makes, in order: later effects apply after earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A file, directory or summary tree at an absolute, normalised path.
    Add {
        path: String,
        kind: crate::vfs::Kind,
        bytes: u64,
        what: String,
    },
    /// A path and everything under it; the last component may be a glob (`lists/*`).
    Remove {
        path: String,
    },
    Chown {
        path: String,
        owner: String,
        recursive: bool,
    },
    /// `mode: None` when the new mode depends on each file (`chmod -R +x`).
    Chmod {
        path: String,
        mode: Option<u32>,
        recursive: bool,
    },
    Move {
        from: String,
        to: String,
    },
    Copy {
        from: String,
        to: String,
    },
    /// `target` as written (relative targets are relative to the link's directory).
    Symlink {
        target: String,
        path: String,
    },
}

/// One simple command of a RUN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// The command's text (for a command inside `sh -c "..."` whose string does not map
    /// byte for byte, the whole `sh -c` command).
    pub text: String,
    /// Byte range in the RUN's command text.
    pub start: usize,
    pub end: usize,
    /// The program as written (wrappers such as `sudo` and `env FOO=1` removed).
    pub program: String,
    /// Arguments without their quotes; `$VAR` uses as written.
    pub args: Vec<String>,
}

/// What a RUN does, as far as the recipes know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunPlan {
    pub effects: Vec<Effect>,
    pub commands: Vec<Command>,
    /// Commands no recipe matches: their effect is not modelled.
    pub unknown: Vec<Command>,
    /// Commands a non-root USER cannot run, with why ("apt-get install writes to /usr",
    /// "rm of /etc/x in root-owned /etc").
    pub needs_root: Vec<(Command, String)>,
    /// Programs the commands invoke (bare names, or absolute paths when called by path).
    pub binaries: Vec<String>,
    /// Outputs whose location or content is unknown: a `COPY --from` of such a path cannot
    /// be verified.
    pub unverifiable: Vec<String>,
}

/// The built-in recipe table.
pub fn recipes() -> &'static RecipeTable {
    static TABLE: OnceLock<RecipeTable> = OnceLock::new();
    // The built-in data is tested to load; should it ever not, recipes know nothing rather
    // than the simulator panicking.
    TABLE.get_or_init(|| builtin().unwrap_or_else(|_| RecipeTable::empty()))
}

fn builtin() -> Result<RecipeTable, String> {
    let artifacts = table::parse_artifacts(ARTIFACTS_JSON)?;
    table::parse_table(RECIPES_JSON, artifacts, None)
}

/// Loads a table (the format is described by the `doc` of `data/recipes.json`). With
/// `"extends": "builtin"` it adds to the built-in recipes (its own come first and win);
/// the built-in artifact ids are always available. Errors name the place:
/// `recipes[3] (apt-get install).effects[1].size: unknown artifact `x``.
pub fn recipe_table_from_json(json: &str) -> Result<RecipeTable, String> {
    let artifacts = table::parse_artifacts(ARTIFACTS_JSON)?;
    table::parse_table(json, artifacts, Some(recipes()))
}

/// Splits shell-form RUN text into simple commands: on `&&`, `||`, `;`, `|`, `&` and
/// newlines, outside quotes, `$(...)`, backticks and escapes. Heredoc bodies and comments
/// are skipped; `FOO=1` prefixes, `sudo`, `env`, `exec`, `nohup`, `time` and `set ...` are
/// removed; `sh -c '...'` is replaced by the commands of its string; `if`/`then`/`fi`,
/// `for`/`do`/`done`, `while`, `{ }` keywords are dropped and `case ... esac` is skipped.
/// Linear in the input (a `sh -c` string is read again, at most four levels deep).
pub fn split_commands(script: &str) -> Vec<Command> {
    shell::parse(script)
        .into_iter()
        .filter(|s| !s.words.is_empty())
        .map(|s| Command {
            text: script.get(s.start..s.end).unwrap_or_default().to_string(),
            start: s.start,
            end: s.end,
            program: s.words.first().map(|w| w.display()).unwrap_or_default(),
            args: s.words.iter().skip(1).map(|w| w.display()).collect(),
        })
        .collect()
}

/// Plans a shell-form RUN with the built-in table.
pub fn plan_run(script: &str, ctx: &RunContext) -> RunPlan {
    plan_run_with(recipes(), script, ctx)
}

/// Plans an exec-form RUN (`RUN ["pip", "install", "flask"]`) with the built-in table.
pub fn plan_exec(argv: &[String], ctx: &RunContext) -> RunPlan {
    plan_exec_with(recipes(), argv, ctx)
}

/// Plans a shell-form RUN with a given table.
pub fn plan_run_with(table: &RecipeTable, script: &str, ctx: &RunContext) -> RunPlan {
    plan::plan(table, ctx, shell::parse(script), script)
}

/// Plans an exec-form RUN with a given table: no shell, so no expansion, globbing or
/// splitting, except that `["sh", "-c", "..."]` runs its string as a script.
pub fn plan_exec_with(table: &RecipeTable, argv: &[String], ctx: &RunContext) -> RunPlan {
    let Some(first) = argv.first() else {
        return RunPlan::default();
    };
    let base = first.rsplit('/').next().unwrap_or(first);
    if matches!(base, "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh") {
        if let Some(c) = argv
            .iter()
            .skip(1)
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
        {
            if let Some(script) = argv.get(c + 2) {
                return plan_run_with(table, script, ctx);
            }
        }
    }
    let text = argv.join(" ");
    let words = argv
        .iter()
        .map(|a| shell::Word {
            parts: vec![shell::Part::Lit {
                text: a.clone(),
                quoted: true,
            }],
        })
        .collect();
    let simple = shell::Simple {
        start: 0,
        end: text.len(),
        op: shell::Op::Seq,
        depth: 0,
        elevated: false,
        assigns: Vec::new(),
        words,
        redirects: Vec::new(),
        kind: shell::CmdKind::Simple,
    };
    plan::plan(table, ctx, vec![simple], &text)
}
