//! Planning one RUN: each simple command is expanded against the stage's environment,
//! matched to a recipe, and its templated effects are resolved into concrete paths and
//! sizes. A plan-local view of the filesystem (what earlier commands of the same RUN
//! added or removed) lets later commands see earlier ones (`python -m venv /v && /v/bin/pip
//! install`, `mvn package && cp target/*.jar app.jar`), and it is where cache mounts,
//! ownership and globs are looked up. All work is bounded: effects, glob look-ups and
//! reported reasons have caps, so hostile input returns promptly.

use std::collections::{BTreeMap, BTreeSet};

use stagecraft_analysis::dockerignore::glob;

use super::shell::{self, CmdKind, Op, Part, RedirOp, Simple, Word};
use super::table::{
    Action, Alts, Conditions, Each, EffectSpec, FlagCond, PackageSet, PackageSpec, Ph, Recipe,
    RecipeTable, Recursive, Seg, SizeBase, SizeSpec, Template,
};
use super::{Command, Effect, RunContext, RunPlan};
use crate::catalog::PackageManager;
use crate::vfs::{self, Kind};

/// Effects one RUN may produce; beyond this the plan says it stopped.
const MAX_EFFECTS: usize = 20_000;
/// Linux's PATH_MAX: longer paths fail in the real build too.
const MAX_PATH: usize = 4096;
/// Filesystem entries glob expansion may look at in one RUN.
const GLOB_BUDGET: usize = 200_000;
/// Matches one glob may produce.
const MAX_MATCHES: usize = 1_000;
/// Permission findings per command: the first says what to fix; more would repeat it.
const MAX_REASONS_PER_COMMAND: usize = 1;
/// Unverifiable notes per RUN.
const MAX_NOTES: usize = 200;

/// Shell builtins and keywords-as-commands: understood, no filesystem effect, not binaries.
const BUILTINS: &[&str] = &[
    "cd", "export", "unset", "source", ".", "true", "false", ":", "test", "[", "[[", "exit",
    "return", "shift", "wait", "trap", "umask", "ulimit", "alias", "unalias", "type", "hash",
    "pwd", "break", "continue", "local", "declare", "typeset", "readonly", "shopt", "eval", "let",
    "command", "builtin", "getopts", "times", "read",
];

/// Programs every shell has built in, though a file of the same name may exist too: using
/// them does not need the file.
const SHELL_PROVIDED: &[&str] = &[
    "echo", "printf", "test", "[", "true", "false", "pwd", "kill", "read",
];

/// A word after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ex {
    text: String,
    /// Depends on something only the running shell knows (`$(...)`, a loop variable).
    dynamic: bool,
    /// Has an unquoted `*`, `?` or `[`.
    glob: bool,
}

/// A resolved template value.
#[derive(Debug, Clone)]
struct Val {
    text: String,
    dynamic: bool,
    glob: bool,
}

/// A shell variable as the plan knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Var {
    Known(String),
    Unknowable,
    Unset,
}

/// What the shell carries from one command to the next.
#[derive(Debug, Clone)]
struct ShellState {
    cwd: String,
    vars: BTreeMap<String, Var>,
}

/// Bytes a command reads on stdin, and the URL they came from when it was a download.
#[derive(Debug, Clone, Default)]
struct Stream {
    bytes: u64,
    url: Option<String>,
}

/// A path as this RUN has left it so far.
#[derive(Debug, Clone)]
enum Shadow {
    Present {
        kind: Kind,
        bytes: u64,
        /// `None`: written by the (non-root) user of this RUN; otherwise the owner.
        owner: Option<String>,
        url: Option<String>,
        /// Nothing from the stage's filesystem survives under it (it replaced a removal).
        fresh: bool,
        what: String,
    },
    Removed,
}

/// What a path is, looking through the plan's changes into the stage.
#[derive(Debug, Clone)]
enum Look {
    Node {
        kind: Kind,
        bytes: u64,
        url: Option<String>,
        what: String,
    },
    /// Inside a `Tree` summary: it exists, but its own size is not known.
    Covered,
    Absent,
}

/// Flags and operands of one command, read with a recipe's flag rules.
#[derive(Debug, Clone, Default)]
struct Parsed {
    flags: Vec<(String, Option<Ex>)>,
    operands: Vec<Ex>,
}

impl Parsed {
    fn has(&self, cond: &FlagCond) -> bool {
        self.flags.iter().any(|(name, value)| {
            *name == cond.name
                && match (&cond.value, value) {
                    (None, _) => true,
                    (Some(pattern), Some(v)) => glob(pattern, &v.text),
                    (Some(_), None) => false,
                }
        })
    }

    fn value(&self, names: &[String]) -> Option<&Ex> {
        names
            .iter()
            .find_map(|n| self.flags.iter().rev().find(|(f, v)| f == n && v.is_some()))
            .and_then(|(_, v)| v.as_ref())
    }
}

/// One command being planned.
struct Inv {
    index: usize,
    program: String,
    base: String,
    args: Vec<Ex>,
    /// `FOO=1 cmd`: only this command sees these.
    assigns: BTreeMap<String, Var>,
    cwd: String,
    root: bool,
    stdin: Option<Stream>,
}

/// What an effect's templates can see.
struct Scope<'x> {
    inv: &'x Inv,
    parsed: &'x Parsed,
    rest: &'x [Ex],
    each: Option<&'x Ex>,
    pkg: Option<&'x str>,
    /// Several sources (`cp a b dir`): the destination is a directory.
    multi: bool,
}

pub(crate) struct Planner<'a> {
    table: &'a RecipeTable,
    ctx: &'a RunContext<'a>,
    plan: RunPlan,
    shadow: BTreeMap<String, Shadow>,
    states: Vec<ShellState>,
    groups: BTreeMap<String, Vec<String>>,
    glob_budget: usize,
    capped: bool,
    reasons: BTreeMap<usize, BTreeSet<String>>,
    binaries: BTreeSet<String>,
    notes: BTreeSet<String>,
    /// `python3.12`, looked up once per RUN.
    python: std::cell::OnceCell<String>,
    /// The recipe each command matched, by command index.
    matched: Vec<Option<String>>,
}

pub(crate) fn plan(
    table: &RecipeTable,
    ctx: &RunContext,
    simples: Vec<Simple>,
    script: &str,
) -> RunPlan {
    plan_traced(table, ctx, simples, script).0
}

/// The plan, and for each of its commands the id of the recipe that matched (for tests and
/// for tools that explain a plan).
pub(crate) fn plan_traced(
    table: &RecipeTable,
    ctx: &RunContext,
    simples: Vec<Simple>,
    script: &str,
) -> (RunPlan, Vec<Option<String>>) {
    let mut planner = Planner {
        table,
        ctx,
        plan: RunPlan::default(),
        shadow: BTreeMap::new(),
        states: vec![ShellState {
            cwd: vfs::normalize(ctx.workdir, "/"),
            vars: BTreeMap::new(),
        }],
        groups: BTreeMap::new(),
        glob_budget: GLOB_BUDGET,
        capped: false,
        reasons: BTreeMap::new(),
        binaries: BTreeSet::new(),
        notes: BTreeSet::new(),
        python: std::cell::OnceCell::new(),
        matched: Vec::new(),
    };
    let mut prev_stdout: Option<Stream> = None;
    for simple in simples {
        prev_stdout = planner.command(&simple, script, prev_stdout.take());
    }
    if planner.capped {
        planner.note(format!(
            "only the first {MAX_EFFECTS} filesystem changes of this RUN are modelled"
        ));
    }
    let mut matched = planner.matched;
    matched.resize(planner.plan.commands.len(), None);
    (planner.plan, matched)
}

fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default();
    name.is_empty() || name == "root" || name == "0"
}

fn owner_is_root(owner: &str) -> bool {
    is_root_user(owner)
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Last path component of a URL or path, without query, fragment or trailing slash.
fn url_base(s: &str) -> &str {
    let s = s.split(['?', '#']).next().unwrap_or(s);
    let s = s.trim_end_matches('/');
    s.rsplit('/').next().unwrap_or(s)
}

const ARCHIVE_EXTS: &[&str] = &[
    ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar.zst", ".tar", ".zip",
    ".gz", ".xz", ".bz2", ".zst", ".git", ".deb", ".rpm", ".apk", ".whl", ".go",
];

fn stem(base: &str) -> &str {
    let mut s = base;
    // `name@version` (go install, npm), but not a leading `@scope`.
    if let Some(at) = s.get(1..).and_then(|r| r.find('@')) {
        s = &s[..at + 1];
    }
    for ext in ARCHIVE_EXTS {
        if let Some(stripped) = s.strip_suffix(ext) {
            if !stripped.is_empty() {
                return stripped;
            }
        }
    }
    s
}

/// `755` → Some(0o755); symbolic modes are applied to `current` (`+x`, `u+rwx,go-w`).
fn parse_mode(mode: &str, current: Option<u32>) -> Option<u32> {
    if !mode.is_empty() && mode.len() <= 5 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return u32::from_str_radix(mode, 8).ok();
    }
    let mut m = current?;
    for clause in mode.split(',') {
        let op_at = clause.find(['+', '-', '='])?;
        let who = &clause[..op_at];
        let op = clause.as_bytes().get(op_at).copied()?;
        let perms = &clause[op_at + 1..];
        let mut mask_who = 0u32;
        for c in who.chars() {
            mask_who |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return None,
            };
        }
        if who.is_empty() {
            mask_who = 0o7777;
        }
        let mut bits = 0u32;
        for c in perms.chars() {
            bits |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' | 'X' => 0o111,
                's' => 0o6000,
                't' => 0o1000,
                _ => return None,
            };
        }
        let bits = bits & mask_who;
        m = match op {
            b'+' => m | bits,
            b'-' => m & !bits,
            _ => (m & !mask_who) | bits,
        };
    }
    Some(m)
}

impl<'a> Planner<'a> {
    fn state(&self) -> &ShellState {
        // `states` is never empty: it starts with one entry and is only truncated to ≥ 1.
        let last = self.states.len().saturating_sub(1);
        &self.states[last]
    }

    fn state_mut(&mut self) -> &mut ShellState {
        let last = self.states.len().saturating_sub(1);
        &mut self.states[last]
    }

    fn note(&mut self, note: String) {
        if self.notes.len() < MAX_NOTES && self.notes.insert(note.clone()) {
            self.plan.unverifiable.push(note);
        }
    }

    /// A variable as the command sees it: its own assignments, then the shell's, then the
    /// stage's environment.
    fn var(&self, name: &str, assigns: Option<&BTreeMap<String, Var>>) -> Var {
        if let Some(v) = assigns.and_then(|a| a.get(name)) {
            return v.clone();
        }
        if let Some(v) = self.state().vars.get(name) {
            return v.clone();
        }
        match self.ctx.env.get(name) {
            Some(v) => Var::Known(v.clone()),
            None => Var::Unset,
        }
    }

    fn home(&self, assigns: Option<&BTreeMap<String, Var>>) -> String {
        if let Var::Known(h) = self.var("HOME", assigns) {
            if h.starts_with('/') {
                return vfs::normalize(&h, "/");
            }
        }
        let name = self.ctx.user.split(':').next().unwrap_or_default();
        if is_root_user(self.ctx.user) {
            "/root".to_string()
        } else if name.bytes().all(|b| b.is_ascii_digit()) {
            // Docker's HOME for a uid with no passwd entry.
            "/".to_string()
        } else {
            format!("/home/{name}")
        }
    }

    /// Expands a word: variables, `~`, and field splitting of unquoted variable values.
    fn expand(&self, word: &Word, assigns: Option<&BTreeMap<String, Var>>) -> Vec<Ex> {
        let mut out = Vec::new();
        let mut cur = Ex {
            text: String::new(),
            dynamic: false,
            glob: false,
        };
        // A word made only of unquoted expansions that come out empty disappears.
        let mut solid = false;
        for (i, part) in word.parts.iter().enumerate() {
            match part {
                Part::Lit { text, quoted } => {
                    solid = true;
                    if !quoted && i == 0 && (text == "~" || text.starts_with("~/")) {
                        cur.text.push_str(&self.home(assigns));
                        cur.text.push_str(&text[1..]);
                    } else {
                        cur.text.push_str(text);
                    }
                    if !quoted && has_glob(text) {
                        cur.glob = true;
                    }
                }
                Part::Var {
                    name,
                    default,
                    alt,
                    colon,
                    quoted,
                    raw,
                } => {
                    if *quoted {
                        solid = true;
                    }
                    let value = match self.var(name, assigns) {
                        Var::Unknowable => {
                            cur.dynamic = true;
                            cur.text.push_str(raw);
                            solid = true;
                            continue;
                        }
                        Var::Known(v) => {
                            if let Some(a) = alt {
                                if *colon && v.is_empty() {
                                    String::new()
                                } else {
                                    a.clone()
                                }
                            } else if *colon && v.is_empty() {
                                default.clone().unwrap_or_default()
                            } else {
                                v
                            }
                        }
                        Var::Unset => default.clone().unwrap_or_default(),
                    };
                    if *quoted {
                        cur.text.push_str(&value);
                        continue;
                    }
                    // Unquoted: split on whitespace into separate words.
                    let mut pieces = value.split_whitespace().peekable();
                    if value.starts_with(char::is_whitespace) && (solid || !cur.text.is_empty()) {
                        out.push(std::mem::replace(
                            &mut cur,
                            Ex {
                                text: String::new(),
                                dynamic: false,
                                glob: false,
                            },
                        ));
                        solid = false;
                    }
                    while let Some(piece) = pieces.next() {
                        cur.text.push_str(piece);
                        solid = true;
                        if has_glob(piece) {
                            cur.glob = true;
                        }
                        if pieces.peek().is_some() {
                            out.push(std::mem::replace(
                                &mut cur,
                                Ex {
                                    text: String::new(),
                                    dynamic: false,
                                    glob: false,
                                },
                            ));
                        }
                    }
                    if value.ends_with(char::is_whitespace) && !value.trim().is_empty() {
                        out.push(std::mem::replace(
                            &mut cur,
                            Ex {
                                text: String::new(),
                                dynamic: false,
                                glob: false,
                            },
                        ));
                        solid = false;
                    }
                }
                Part::Dynamic(raw) => {
                    solid = true;
                    cur.dynamic = true;
                    cur.text.push_str(raw);
                }
            }
        }
        if solid || !cur.text.is_empty() {
            out.push(cur);
        }
        out
    }

    // -----------------------------------------------------------------------------------
    // The plan-local view of the filesystem

    fn look(&self, path: &str) -> Look {
        let mut current = path;
        loop {
            match self.shadow.get(current) {
                Some(Shadow::Removed) => return Look::Absent,
                Some(Shadow::Present {
                    kind,
                    bytes,
                    url,
                    fresh,
                    what,
                    ..
                }) => {
                    if current == path {
                        return Look::Node {
                            kind: *kind,
                            bytes: *bytes,
                            url: url.clone(),
                            what: what.clone(),
                        };
                    }
                    if *kind == Kind::Tree {
                        return Look::Covered;
                    }
                    if *fresh {
                        return Look::Absent;
                    }
                }
                None => {}
            }
            if current == "/" {
                break;
            }
            current = vfs::parent(current);
        }
        if let Some(node) = self.ctx.fs.get(path) {
            return Look::Node {
                kind: node.kind,
                bytes: node.size,
                url: None,
                what: node.what.clone().unwrap_or_default(),
            };
        }
        if self.ctx.fs.covering_tree(path).is_some() {
            return Look::Covered;
        }
        Look::Absent
    }

    fn exists(&self, path: &str) -> bool {
        path == "/" || !matches!(self.look(path), Look::Absent)
    }

    /// An entry of its own, not just somewhere inside a summary tree: what `once` and
    /// "already installed" look at (`/usr/local/lib/python3.12` being a summary says
    /// nothing about whether flask is in it).
    fn exists_exact(&self, path: &str) -> bool {
        path == "/" || matches!(self.look(path), Look::Node { .. })
    }

    fn is_dir(&self, path: &str) -> bool {
        path == "/"
            || matches!(
                self.look(path),
                Look::Node {
                    kind: Kind::Dir | Kind::Tree,
                    ..
                }
            )
    }

    fn size_of(&self, path: &str) -> Option<u64> {
        match self.look(path) {
            Look::Node { bytes, .. } => Some(bytes),
            _ => None,
        }
    }

    /// Names directly inside `dir`, from the stage and this RUN (bounded by the budget).
    fn children(&mut self, dir: &str) -> Vec<String> {
        let mut names = BTreeSet::new();
        if !self.shadow_hides_stage(dir) {
            for (p, _) in self.ctx.fs.under(dir) {
                if self.glob_budget == 0 {
                    break;
                }
                self.glob_budget -= 1;
                if p != dir && vfs::parent(p) == dir {
                    names.insert(p.clone());
                }
            }
        }
        let start = dir.to_string();
        for (p, s) in self.shadow.range(start..) {
            if self.glob_budget == 0 || !vfs::is_within(p, dir) {
                break;
            }
            self.glob_budget -= 1;
            if p != dir && vfs::parent(p) == dir {
                match s {
                    Shadow::Present { .. } => {
                        names.insert(p.clone());
                    }
                    Shadow::Removed => {
                        names.remove(p);
                    }
                }
            }
        }
        names.into_iter().filter(|p| self.exists(p)).collect()
    }

    fn shadow_hides_stage(&self, dir: &str) -> bool {
        let mut current = dir;
        loop {
            match self.shadow.get(current) {
                Some(Shadow::Removed) | Some(Shadow::Present { fresh: true, .. }) => return true,
                _ => {}
            }
            if current == "/" {
                return false;
            }
            current = vfs::parent(current);
        }
    }

    /// Expands a normalised path whose segments may hold globs.
    fn expand_glob(&mut self, path: &str) -> Vec<String> {
        let mut prefixes = vec!["/".to_string()];
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let mut next = Vec::new();
            for prefix in &prefixes {
                if has_glob(segment) {
                    for child in self.children(prefix) {
                        let name = child.rsplit('/').next().unwrap_or_default();
                        // Like the shell, `*` does not match dot files.
                        if (!name.starts_with('.') || segment.starts_with('.'))
                            && glob(segment, name)
                        {
                            next.push(child);
                        }
                    }
                } else if prefix == "/" {
                    next.push(format!("/{segment}"));
                } else {
                    next.push(format!("{prefix}/{segment}"));
                }
                if next.len() >= MAX_MATCHES {
                    break;
                }
            }
            next.truncate(MAX_MATCHES);
            prefixes = next;
            if prefixes.is_empty() {
                break;
            }
        }
        prefixes.retain(|p| self.exists(p));
        prefixes
    }

    fn mounted(&self, path: &str) -> bool {
        self.ctx
            .mounts
            .iter()
            .any(|m| m != "/" && vfs::is_within(path, &vfs::normalize(m, "/")))
    }

    fn shadow_add(
        &mut self,
        path: &str,
        kind: Kind,
        bytes: u64,
        url: Option<String>,
        what: &str,
        root: bool,
    ) {
        let fresh =
            self.shadow_hides_stage(path) || matches!(self.shadow.get(path), Some(Shadow::Removed));
        if kind != Kind::Dir {
            self.shadow_clear_below(path);
        }
        // Parents that this RUN removed exist again.
        let mut current = vfs::parent(path).to_string();
        while current != "/" {
            if matches!(self.shadow.get(&current), Some(Shadow::Removed)) {
                self.shadow.insert(
                    current.clone(),
                    Shadow::Present {
                        kind: Kind::Dir,
                        bytes: 0,
                        owner: root.then(|| "0:0".to_string()),
                        url: None,
                        fresh: true,
                        what: String::new(),
                    },
                );
            }
            current = vfs::parent(&current).to_string();
        }
        self.shadow.insert(
            path.to_string(),
            Shadow::Present {
                kind,
                bytes,
                owner: root.then(|| "0:0".to_string()),
                url,
                fresh,
                what: what.to_string(),
            },
        );
    }

    fn shadow_clear_below(&mut self, path: &str) {
        let below: Vec<String> = self
            .shadow
            .range(path.to_string()..)
            .take_while(|(p, _)| vfs::is_within(p, path))
            .filter(|(p, _)| p.as_str() != path)
            .map(|(p, _)| p.clone())
            .collect();
        for p in below {
            self.shadow.remove(&p);
        }
    }

    fn shadow_remove(&mut self, path: &str) {
        self.shadow_clear_below(path);
        self.shadow.insert(path.to_string(), Shadow::Removed);
    }

    // -----------------------------------------------------------------------------------
    // Permissions

    /// The root-owned directory (or file) that stops a non-root user writing `path`, if any.
    fn blocker(&self, path: &str, home: &str) -> Option<String> {
        let mut current = path;
        loop {
            if ["/tmp", "/var/tmp", "/dev/shm", "/dev", "/proc"]
                .iter()
                .any(|d| vfs::is_within(current, d))
                || (home != "/" && vfs::is_within(current, home))
            {
                return None;
            }
            match self.shadow.get(current) {
                Some(Shadow::Present { owner, .. }) => {
                    return match owner {
                        None => None,
                        Some(o) if owner_is_root(o) => Some(current.to_string()),
                        Some(_) => None,
                    };
                }
                Some(Shadow::Removed) => {}
                None => {
                    if let Some(node) = self.ctx.fs.get(current) {
                        return (owner_is_root(&node.owner) && node.mode & 0o002 == 0)
                            .then(|| current.to_string());
                    }
                }
            }
            if current == "/" {
                return Some("/".to_string());
            }
            current = vfs::parent(current);
        }
    }

    fn needs_root(&mut self, inv: &Inv, reason: String) {
        let set = self.reasons.entry(inv.index).or_default();
        if set.len() >= MAX_REASONS_PER_COMMAND || !set.insert(reason.clone()) {
            return;
        }
        if let Some(cmd) = self.plan.commands.get(inv.index) {
            self.plan.needs_root.push((cmd.clone(), reason));
        }
    }

    fn check_write(&mut self, inv: &Inv, path: &str, verb: &str) {
        if inv.root {
            return;
        }
        let home = self.home(Some(&inv.assigns));
        if let Some(dir) = self.blocker(path, &home) {
            let reason = if dir == path {
                format!("{} {verb} root-owned {path}", inv.base)
            } else {
                format!("{} {verb} {path} in root-owned {dir}", inv.base)
            };
            self.needs_root(inv, reason);
        }
    }

    // -----------------------------------------------------------------------------------
    // Emitting effects

    /// Adds an effect: drops it under a cache mount, checks ownership, keeps the view.
    fn emit(&mut self, inv: &Inv, effect: Effect, url: Option<String>, check: bool) {
        if self.plan.effects.len() >= MAX_EFFECTS {
            self.capped = true;
            return;
        }
        let check = check && !inv.root;
        match effect {
            Effect::Add {
                ref path,
                kind,
                bytes,
                ref what,
            } => {
                if path.len() > MAX_PATH || path == "/" {
                    return;
                }
                let mounted = self.mounted(path);
                if check && !mounted {
                    self.check_write(inv, path, "writes");
                }
                self.shadow_add(path, kind, bytes, url, what, inv.root);
                if mounted {
                    return;
                }
            }
            Effect::Remove { ref path } => {
                if path == "/" {
                    // rm refuses the root without --no-preserve-root.
                    return;
                }
                if check && !self.mounted(path) && (has_glob(path) || self.exists(path)) {
                    let parent = vfs::parent(path).to_string();
                    let home = self.home(Some(&inv.assigns));
                    if let Some(dir) = self.blocker(&parent, &home) {
                        self.needs_root(inv, format!("{} of {path} in root-owned {dir}", inv.base));
                    }
                }
                if has_glob(path) {
                    for p in self.expand_glob(path) {
                        self.shadow_remove(&p);
                    }
                } else {
                    self.shadow_remove(path);
                }
                if self.mounted(path) {
                    return;
                }
            }
            Effect::Chown {
                ref path,
                ref owner,
                ..
            } => {
                if self.mounted(path) {
                    return;
                }
                if check {
                    let mine = owner.split(':').next() == self.ctx.user.split(':').next()
                        && self.blocker(path, "/").is_none();
                    if !mine {
                        self.needs_root(inv, format!("{} to {owner} needs root", inv.base));
                    }
                }
            }
            Effect::Chmod { ref path, .. } => {
                if self.mounted(path) {
                    return;
                }
                if check {
                    self.check_write(inv, path, "of");
                }
            }
            Effect::Move { ref from, ref to } | Effect::Copy { ref from, ref to } => {
                let is_move = matches!(effect, Effect::Move { .. });
                let node = self.look(from);
                if check {
                    if is_move {
                        let parent = vfs::parent(from).to_string();
                        let home = self.home(Some(&inv.assigns));
                        if let Some(dir) = self.blocker(&parent, &home) {
                            self.needs_root(
                                inv,
                                format!("{} of {from} in root-owned {dir}", inv.base),
                            );
                        }
                    }
                    self.check_write(inv, to, "writes");
                }
                let (kind, bytes, url, what) = match &node {
                    Look::Node {
                        kind,
                        bytes,
                        url,
                        what,
                    } => (*kind, *bytes, url.clone(), what.clone()),
                    _ => (Kind::File, 0, None, String::new()),
                };
                let from_mounted = self.mounted(from);
                let to_mounted = self.mounted(to);
                if is_move {
                    self.shadow_remove(from);
                }
                self.shadow_add(to, kind, bytes, url, &what, inv.root);
                match (from_mounted, to_mounted) {
                    (_, true) => {
                        if is_move && !from_mounted {
                            self.push(Effect::Remove { path: from.clone() });
                        }
                    }
                    (true, false) => {
                        // Out of a cache mount: the image gets a copy of what the RUN made there.
                        let effect = match node {
                            Look::Node {
                                kind, bytes, what, ..
                            } => Effect::Add {
                                path: to.clone(),
                                kind,
                                bytes,
                                what: if what.is_empty() {
                                    format!("copied out of the cache mount at {from}")
                                } else {
                                    what
                                },
                            },
                            _ => {
                                self.note(format!(
                                    "{to}: copied from a cache mount ({from}); size not modelled"
                                ));
                                Effect::Add {
                                    path: to.clone(),
                                    kind: Kind::File,
                                    bytes: self.fixed_size(&self.table.defaults.output),
                                    what: format!("from {from} (cache mount; size estimated)"),
                                }
                            }
                        };
                        self.push(effect);
                    }
                    (false, false) => self.push(effect),
                }
                return;
            }
            Effect::Symlink { ref path, .. } => {
                if check {
                    self.check_write(inv, path, "writes");
                }
                self.shadow_add(path, Kind::Symlink, 0, None, "", inv.root);
                if self.mounted(path) {
                    return;
                }
            }
        }
        self.push(effect);
    }

    fn push(&mut self, effect: Effect) {
        if self.plan.effects.len() >= MAX_EFFECTS {
            self.capped = true;
        } else {
            self.plan.effects.push(effect);
        }
    }

    // -----------------------------------------------------------------------------------
    // Commands

    /// Plans one simple command; returns what it writes to stdout (for a `|`).
    fn command(
        &mut self,
        simple: &Simple,
        script: &str,
        prev_stdout: Option<Stream>,
    ) -> Option<Stream> {
        if simple.depth + 1 > self.states.len() {
            let top = self.state().clone();
            while self.states.len() < simple.depth + 1 {
                self.states.push(top.clone());
            }
        } else {
            self.states.truncate(simple.depth + 1);
        }
        if let CmdKind::Unknowable(vars) = &simple.kind {
            for v in vars {
                self.state_mut().vars.insert(v.clone(), Var::Unknowable);
            }
            // `for x in ...` has no command of its own; `read x` is a builtin.
            if simple.words.is_empty() {
                return None;
            }
        }
        let mut assigns = BTreeMap::new();
        for (name, word) in &simple.assigns {
            let value = self.expand(word, None);
            let var = if value.iter().any(|v| v.dynamic) {
                Var::Unknowable
            } else {
                Var::Known(
                    value
                        .iter()
                        .map(|v| v.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            };
            assigns.insert(name.clone(), var);
        }
        let mut words: Vec<Ex> = Vec::new();
        for word in &simple.words {
            words.extend(self.expand(word, None));
        }
        if words.is_empty() {
            // Only assignments (and redirections): they set shell variables.
            for (name, var) in assigns {
                self.state_mut().vars.insert(name, var);
            }
            let inv = Inv {
                index: usize::MAX,
                program: String::new(),
                base: "sh".to_string(),
                args: Vec::new(),
                assigns: BTreeMap::new(),
                cwd: self.state().cwd.clone(),
                root: simple.elevated || is_root_user(self.ctx.user),
                stdin: None,
            };
            self.redirects(simple, &inv, None);
            return None;
        }
        let text = script
            .get(simple.start..simple.end)
            .unwrap_or_default()
            .to_string();
        let command = Command {
            text,
            start: simple.start,
            end: simple.end,
            program: simple.words.first().map(Word::display).unwrap_or_default(),
            args: simple.words.iter().skip(1).map(Word::display).collect(),
        };
        let index = self.plan.commands.len();
        self.plan.commands.push(command.clone());
        let program = words.remove(0);
        let mut stdin = if simple.op == Op::Pipe {
            Some(prev_stdout.unwrap_or_default())
        } else {
            None
        };
        for r in &simple.redirects {
            match r.op {
                RedirOp::Here => {
                    stdin = Some(Stream {
                        bytes: r.here_len as u64,
                        url: None,
                    })
                }
                RedirOp::In => {
                    let target = self.expand(&r.target, Some(&assigns));
                    let bytes = target
                        .first()
                        .map(|t| vfs::normalize(&t.text, &self.state().cwd))
                        .and_then(|p| self.size_of(&p))
                        .unwrap_or(0);
                    stdin = Some(Stream { bytes, url: None });
                }
                _ => {}
            }
        }
        let cwd = self.state().cwd.clone();
        let base = url_base(&program.text).to_string();
        let mut inv = Inv {
            index,
            program: program.text.clone(),
            base,
            args: words,
            assigns,
            cwd,
            root: simple.elevated || is_root_user(self.ctx.user),
            stdin,
        };
        if program.dynamic {
            self.plan.unknown.push(command);
            self.redirects(simple, &inv, None);
            return Some(Stream::default());
        }
        // `python -m pip ...` is pip.
        for alias in &self.table.aliases {
            if alias.programs.iter().any(|p| glob(p, &inv.base))
                && inv.args.len() >= alias.prefix.len()
                && alias
                    .prefix
                    .iter()
                    .zip(&inv.args)
                    .all(|(p, a)| *p == a.text)
            {
                inv.args.drain(..alias.prefix.len());
                inv.base = alias.becomes.clone();
                break;
            }
        }
        if simple.elevated {
            self.binary("sudo".to_string());
        }
        if !BUILTINS.contains(&inv.base.as_str()) && !SHELL_PROVIDED.contains(&inv.program.as_str())
        {
            let binary = if inv.program.contains('/') {
                vfs::normalize(&inv.program, &inv.cwd)
            } else {
                inv.program.clone()
            };
            self.binary(binary);
        }
        if self.builtin(&inv) {
            self.redirects(simple, &inv, None);
            return None;
        }
        let version_only = !inv.args.is_empty()
            && inv.args.iter().all(|a| {
                matches!(
                    a.text.as_str(),
                    "--version" | "-v" | "-V" | "version" | "-version" | "--help" | "-h" | "help"
                )
            });
        if version_only {
            self.redirects(simple, &inv, Some(Stream::default()));
            return Some(Stream::default());
        }
        let mut stdout = None;
        let mut matched = false;
        for recipe in &self.table.recipes {
            if let Some((parsed, sub_len)) = self.matches(recipe, &inv) {
                matched = true;
                self.matched.resize(index, None);
                self.matched.push(Some(recipe.id.clone()));
                stdout = self.apply_recipe(recipe, &inv, &parsed, sub_len);
                break;
            }
        }
        if !matched {
            self.plan.unknown.push(command);
        }
        self.redirects(simple, &inv, stdout.clone());
        Some(stdout.unwrap_or_default())
    }

    fn binary(&mut self, name: String) {
        if !name.is_empty() && self.binaries.insert(name.clone()) {
            self.plan.binaries.push(name);
        }
    }

    /// `cd`, `export`, `source venv/bin/activate` and the no-op builtins.
    fn builtin(&mut self, inv: &Inv) -> bool {
        match inv.base.as_str() {
            "cd" => {
                let target = inv
                    .args
                    .iter()
                    .find(|a| !a.text.starts_with('-') || a.text == "-");
                match target {
                    None => {
                        let home = self.home(None);
                        self.state_mut().cwd = home;
                    }
                    Some(t) if t.dynamic => {
                        self.note(format!(
                            "`cd {}`: the directory is only known at build time",
                            t.text
                        ));
                    }
                    Some(t) if t.text == "-" => {}
                    Some(t) => {
                        let cwd = vfs::normalize(&t.text, &inv.cwd);
                        self.state_mut().cwd = cwd;
                    }
                }
                true
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for arg in &inv.args {
                    if let Some((name, value)) = arg.text.split_once('=') {
                        if shell::is_name(name) {
                            let var = if arg.dynamic {
                                Var::Unknowable
                            } else {
                                Var::Known(value.to_string())
                            };
                            self.state_mut().vars.insert(name.to_string(), var);
                        }
                    }
                }
                true
            }
            "unset" => {
                for arg in &inv.args {
                    if shell::is_name(&arg.text) {
                        self.state_mut().vars.insert(arg.text.clone(), Var::Unset);
                    }
                }
                true
            }
            "source" | "." => {
                if let Some(file) = inv.args.first() {
                    let path = vfs::normalize(&file.text, &inv.cwd);
                    if let Some(bin) = path.strip_suffix("/activate") {
                        if bin.ends_with("/bin") {
                            let venv = vfs::parent(bin).to_string();
                            let old_path = match self.var("PATH", None) {
                                Var::Known(p) => p,
                                _ => String::new(),
                            };
                            let vars = &mut self.state_mut().vars;
                            vars.insert("VIRTUAL_ENV".to_string(), Var::Known(venv));
                            vars.insert(
                                "PATH".to_string(),
                                Var::Known(format!("{bin}:{old_path}")),
                            );
                        }
                    }
                }
                true
            }
            other => BUILTINS.contains(&other),
        }
    }

    /// `> file`, `>> file`, `&> file`: the file is written with what the command prints.
    fn redirects(&mut self, simple: &Simple, inv: &Inv, stdout: Option<Stream>) {
        for r in &simple.redirects {
            if !matches!(r.op, RedirOp::Out | RedirOp::Append) {
                continue;
            }
            let Some(target) = self
                .expand(&r.target, Some(&inv.assigns))
                .into_iter()
                .next()
            else {
                continue;
            };
            if target.dynamic {
                self.note(format!(
                    "{}: output written to {}, a path known only at build time",
                    inv.base, target.text
                ));
                continue;
            }
            let path = vfs::normalize(&target.text, &inv.cwd);
            if vfs::is_within(&path, "/dev") || vfs::is_within(&path, "/proc") {
                continue;
            }
            let printed = if r.fd == Some(2) {
                0
            } else {
                stdout.as_ref().map_or(0, |s| s.bytes)
            };
            let bytes = if r.op == RedirOp::Append {
                self.size_of(&path).unwrap_or(0).saturating_add(printed)
            } else {
                printed
            };
            let what = if inv.base == "sh" {
                "created by a redirection".to_string()
            } else {
                format!("output of {}", inv.base)
            };
            self.emit(
                inv,
                Effect::Add {
                    path,
                    kind: Kind::File,
                    bytes,
                    what,
                },
                None,
                true,
            );
        }
    }

    // -----------------------------------------------------------------------------------
    // Matching

    fn parse_args(&self, recipe: &Recipe, args: &[Ex]) -> Parsed {
        let mut parsed = Parsed::default();
        let takes = |f: &str| recipe.value_flags.iter().any(|v| v == f);
        let mut operands_only = false;
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            let t = arg.text.as_str();
            if operands_only || !t.starts_with('-') || t == "-" {
                if recipe.old_style
                    && i == 1
                    && parsed.operands.is_empty()
                    && !t.starts_with('-')
                    && !t.is_empty()
                {
                    // `tar xzf file`: the first word is a bundle of flags.
                    let cluster = format!("-{t}");
                    i = self.cluster(&cluster, args, i, &takes, &mut parsed);
                    continue;
                }
                parsed.operands.push(arg.clone());
                if recipe.options_first && parsed.operands.len() > recipe.subcommand.len() {
                    operands_only = true;
                }
                continue;
            }
            if t == "--" {
                operands_only = true;
                continue;
            }
            let ex = |s: &str| Ex {
                text: s.to_string(),
                dynamic: arg.dynamic,
                glob: arg.glob,
            };
            if let Some(long) = t.strip_prefix("--") {
                match long.split_once('=') {
                    Some((name, value)) => {
                        parsed.flags.push((format!("--{name}"), Some(ex(value))))
                    }
                    None if takes(t) => {
                        let value = args.get(i).cloned();
                        i += 1;
                        parsed.flags.push((t.to_string(), value));
                    }
                    None => parsed.flags.push((t.to_string(), None)),
                }
                continue;
            }
            if let Some((name, value)) = t.split_once('=') {
                if takes(name) || !recipe.clusters || name.len() > 2 {
                    parsed.flags.push((name.to_string(), Some(ex(value))));
                    continue;
                }
            }
            if takes(t) {
                let value = args.get(i).cloned();
                i += 1;
                parsed.flags.push((t.to_string(), value));
                continue;
            }
            if recipe.clusters {
                i = self.cluster(t, args, i, &takes, &mut parsed);
            } else {
                // `-DskipTests`, `-oout`: a two-letter flag with its value attached.
                let short = t.get(..2).unwrap_or(t);
                if t.len() > 2 && takes(short) {
                    parsed
                        .flags
                        .push((short.to_string(), Some(ex(t.get(2..).unwrap_or_default()))));
                } else {
                    parsed.flags.push((t.to_string(), None));
                }
            }
        }
        parsed
    }

    /// `-xzf file`, `-fsSL`, `-qO-`: one flag per letter; a value-taking letter takes the
    /// rest of the bundle or the next word. The whole bundle is kept as a flag too.
    fn cluster(
        &self,
        t: &str,
        args: &[Ex],
        mut i: usize,
        takes: &dyn Fn(&str) -> bool,
        parsed: &mut Parsed,
    ) -> usize {
        parsed.flags.push((t.to_string(), None));
        let body = &t[1..];
        for (k, c) in body.char_indices() {
            let flag = format!("-{c}");
            if takes(&flag) {
                let rest = &body[k + c.len_utf8()..];
                let value = if rest.is_empty() {
                    let v = args.get(i).cloned();
                    i += 1;
                    v
                } else {
                    Some(Ex {
                        text: rest.to_string(),
                        dynamic: false,
                        glob: false,
                    })
                };
                parsed.flags.push((flag, value));
                break;
            }
            parsed.flags.push((flag, None));
        }
        i
    }

    /// Whether `recipe` matches; the parsed arguments and how many operands the
    /// subcommand took.
    fn matches(&self, recipe: &Recipe, inv: &Inv) -> Option<(Parsed, usize)> {
        let program_ok = recipe
            .programs
            .iter()
            .any(|p| glob(p, &inv.base) || (p.contains('/') && glob(p, &inv.program)));
        if !program_ok {
            return None;
        }
        let parsed = self.parse_args(recipe, &inv.args);
        let sub = recipe.subcommand.len();
        if parsed.operands.len() < sub {
            return None;
        }
        if !recipe
            .subcommand
            .iter()
            .zip(&parsed.operands)
            .all(|(pattern, word)| pattern.split('|').any(|p| glob(p, &word.text)))
        {
            return None;
        }
        let rest = parsed.operands.get(sub..).unwrap_or_default();
        if !recipe.any_operand.is_empty()
            && !rest
                .iter()
                .any(|w| recipe.any_operand.iter().any(|p| glob(p, &w.text)))
        {
            return None;
        }
        let scope = Scope {
            inv,
            parsed: &parsed,
            rest,
            each: None,
            pkg: None,
            multi: false,
        };
        if !self.conditions(&recipe.when, &scope) {
            return None;
        }
        Some((parsed.clone(), sub))
    }

    fn conditions(&self, c: &Conditions, sc: &Scope) -> bool {
        if !c.if_flag.is_empty() && !c.if_flag.iter().any(|f| sc.parsed.has(f)) {
            return false;
        }
        if c.unless_flag.iter().any(|f| sc.parsed.has(f)) {
            return false;
        }
        let env_match =
            |cond: &super::table::EnvCond| match self.var(&cond.name, Some(&sc.inv.assigns)) {
                Var::Known(v) => match &cond.value {
                    None => !v.is_empty(),
                    Some(want) => v.eq_ignore_ascii_case(want) || glob(want, &v),
                },
                _ => false,
            };
        if !c.if_env.is_empty() && !c.if_env.iter().any(env_match) {
            return false;
        }
        if c.unless_env.iter().any(env_match) {
            return false;
        }
        let exists = |t: &Template| {
            self.render(t, sc).filter(|v| !v.dynamic).is_some_and(|v| {
                let path = vfs::normalize(&v.text, &sc.inv.cwd);
                if has_glob(&path) {
                    // Conditions only look one level down, without spending the budget.
                    let dir = vfs::parent(&path);
                    let pattern = path.rsplit('/').next().unwrap_or_default();
                    self.ctx.fs.under(dir).take(2_000).any(|(p, _)| {
                        vfs::parent(p) == dir
                            && glob(pattern, p.rsplit('/').next().unwrap_or_default())
                    }) || self
                        .shadow
                        .range(dir.to_string()..)
                        .take(2_000)
                        .any(|(p, s)| {
                            matches!(s, Shadow::Present { .. })
                                && vfs::parent(p) == dir
                                && glob(pattern, p.rsplit('/').next().unwrap_or_default())
                        })
                } else {
                    self.exists(&path)
                }
            })
        };
        if !c.if_exists.is_empty() && !c.if_exists.iter().any(exists) {
            return false;
        }
        if c.unless_exists.iter().any(exists) {
            return false;
        }
        let operand_match = |p: &String| sc.rest.iter().any(|w| glob(p, &w.text));
        if !c.if_operand.is_empty() && !c.if_operand.iter().any(operand_match) {
            return false;
        }
        if c.unless_operand.iter().any(operand_match) {
            return false;
        }
        if c.if_root.is_some_and(|want| want != sc.inv.root) {
            return false;
        }
        if c.if_operands.is_some_and(|want| want == sc.rest.is_empty()) {
            return false;
        }
        if c.if_stdin
            .is_some_and(|want| want != sc.inv.stdin.is_some())
        {
            return false;
        }
        if c.min_operands.is_some_and(|n| sc.rest.len() < n)
            || c.max_operands.is_some_and(|n| sc.rest.len() > n)
        {
            return false;
        }
        if !c.if_program.is_empty() && !c.if_program.iter().any(|p| glob(p, &sc.inv.base)) {
            return false;
        }
        let known = |t: &Template| {
            self.render(t, sc)
                .and_then(|v| self.archive_url(&v.text, &sc.inv.cwd))
                .is_some_and(|url| {
                    self.table
                        .downloads
                        .iter()
                        .any(|d| d.top.is_some() && glob(&d.url, &url))
                })
        };
        if !c.if_known_download.is_empty() && !c.if_known_download.iter().any(known) {
            return false;
        }
        if c.unless_known_download.iter().any(known) {
            return false;
        }
        true
    }

    fn manager_ok(&self, manager: &str) -> bool {
        match self.ctx.package_manager {
            PackageManager::None => true,
            PackageManager::Apt => manager == "apt",
            PackageManager::Apk => manager == "apk",
            PackageManager::Dnf | PackageManager::Yum => matches!(manager, "dnf" | "yum"),
            PackageManager::Microdnf => manager == "microdnf",
        }
    }

    fn apply_recipe(
        &mut self,
        recipe: &Recipe,
        inv: &Inv,
        parsed: &Parsed,
        sub: usize,
    ) -> Option<Stream> {
        for b in &recipe.binaries {
            self.binary(b.clone());
        }
        if let Some(manager) = &recipe.manager {
            if !self.manager_ok(manager) {
                // The command does not exist in this image: it fails and changes nothing.
                return None;
            }
        }
        let rest = parsed.operands.get(sub..).unwrap_or_default();
        if recipe.needs_root && !inv.root {
            let reason = match &recipe.root_reason {
                Some(r) => r.clone(),
                None => format!("{} changes system files", recipe.id),
            };
            self.needs_root(inv, reason);
        }
        let scope = Scope {
            inv,
            parsed,
            rest,
            each: None,
            pkg: None,
            multi: false,
        };
        // A package manager's own writes are covered by its reason; paths are checked for
        // everything else.
        let check = !recipe.needs_root;
        for effect in &recipe.effects {
            self.effect(effect, &scope, check);
        }
        recipe.stdout.as_ref().map(|spec| {
            let (bytes, url) = self.size(spec, &scope);
            Stream { bytes, url }
        })
    }

    fn effect(&mut self, e: &EffectSpec, sc: &Scope, check: bool) {
        if !self.conditions(&e.when, sc) {
            return;
        }
        let items: Vec<Option<&Ex>> = match e.for_each {
            None => vec![None],
            Some(Each::Operands) => sc.rest.iter().map(Some).collect(),
            Some(Each::OperandsButLast) => sc
                .rest
                .get(..sc.rest.len().saturating_sub(1))
                .unwrap_or_default()
                .iter()
                .map(Some)
                .collect(),
            Some(Each::OperandsAfterFirst) => sc.rest.iter().skip(1).map(Some).collect(),
        };
        let multi = items.len() > 1;
        for item in items {
            if self.capped {
                return;
            }
            let scope = Scope {
                inv: sc.inv,
                parsed: sc.parsed,
                rest: sc.rest,
                each: item.or(sc.each),
                pkg: sc.pkg,
                multi: multi || sc.multi,
            };
            self.action(e, &scope, check);
        }
    }

    /// Renders path alternatives to a normalised path; notes why when it cannot.
    fn path(&mut self, alts: &Alts, e: &EffectSpec, sc: &Scope) -> Option<(String, Val)> {
        let Some(val) = alts.iter().find_map(|t| self.render(t, sc)) else {
            if let Some(t) = &e.unresolved {
                let note = self.render_loose(t, sc);
                self.note(note);
            }
            return None;
        };
        if val.dynamic {
            self.note(format!(
                "{}: {} is a path only known at build time",
                sc.inv.base, val.text
            ));
            return None;
        }
        if val.text.is_empty() {
            return None;
        }
        let path = vfs::normalize(&val.text, &sc.inv.cwd);
        Some((path, val))
    }

    /// Paths for an operand that may glob (chmod, chown, cp, mv sources).
    fn paths(&mut self, alts: &Alts, e: &EffectSpec, sc: &Scope) -> Vec<(String, String)> {
        let Some((path, val)) = self.path(alts, e, sc) else {
            return Vec::new();
        };
        if val.glob && has_glob(&path) {
            let matches = self.expand_glob(&path);
            if matches.is_empty() {
                self.note(format!(
                    "{}: {} matched nothing the simulation knows of",
                    sc.inv.base, val.text
                ));
            }
            matches.into_iter().map(|m| (m.clone(), m)).collect()
        } else {
            vec![(path, val.text)]
        }
    }

    fn action(&mut self, e: &EffectSpec, sc: &Scope, check: bool) {
        let inv = sc.inv;
        match &e.action {
            Action::Add {
                path,
                kind,
                size,
                what,
                once,
                into_dir,
            } => {
                let Some((mut p, val)) = self.path(path, e, sc) else {
                    return;
                };
                if !into_dir.is_empty() && (val.text.ends_with('/') || self.is_dir(&p)) {
                    if let Some(name) = into_dir
                        .iter()
                        .find_map(|t| self.render(t, sc))
                        .filter(|v| !v.dynamic && !v.text.is_empty())
                    {
                        p = vfs::normalize(&name.text, &p);
                    }
                }
                if *once && self.exists_exact(&p) {
                    return;
                }
                let (bytes, url) = match size {
                    Some(spec) => self.size(spec, sc),
                    None => (0, None),
                };
                let what = match what {
                    Some(t) => self.render_loose(t, sc),
                    None => size
                        .as_ref()
                        .and_then(|s| match &s.base {
                            SizeBase::Artifact { id, .. } => {
                                self.table.artifacts.get(id).map(|a| a.what.clone())
                            }
                            _ => None,
                        })
                        .unwrap_or_default(),
                };
                self.emit(
                    inv,
                    Effect::Add {
                        path: p,
                        kind: *kind,
                        bytes,
                        what,
                    },
                    url,
                    check,
                );
            }
            Action::Remove { path } => {
                let Some((p, val)) = self.path(path, e, sc) else {
                    return;
                };
                if val.glob && has_glob(&p) {
                    let dir = vfs::parent(&p).to_string();
                    if has_glob(&dir) {
                        for m in self.expand_glob(&p) {
                            self.emit(inv, Effect::Remove { path: m }, None, check);
                        }
                        return;
                    }
                    // A summary tree has no entries to match: emptying it removes the summary.
                    if matches!(
                        self.look(&dir),
                        Look::Node {
                            kind: Kind::Tree,
                            ..
                        }
                    ) {
                        self.emit(inv, Effect::Remove { path: dir.clone() }, None, check);
                        self.emit(
                            inv,
                            Effect::Add {
                                path: dir,
                                kind: Kind::Dir,
                                bytes: 0,
                                what: String::new(),
                            },
                            None,
                            false,
                        );
                        return;
                    }
                }
                self.emit(inv, Effect::Remove { path: p }, None, check);
            }
            Action::Chown {
                path,
                owner,
                recursive,
            } => {
                let Some(owner) = self.render(owner, sc).filter(|v| !v.dynamic) else {
                    return;
                };
                let recursive = self.recursive(recursive, sc);
                for (p, _) in self.paths(path, e, sc) {
                    self.emit(
                        inv,
                        Effect::Chown {
                            path: p,
                            owner: owner.text.clone(),
                            recursive,
                        },
                        None,
                        check,
                    );
                }
            }
            Action::Chmod {
                path,
                mode,
                recursive,
            } => {
                let Some(mode) = self.render(mode, sc).filter(|v| !v.dynamic) else {
                    return;
                };
                let recursive = self.recursive(recursive, sc);
                for (p, _) in self.paths(path, e, sc) {
                    let current = match self.look(&p) {
                        Look::Node { kind, .. } => Some(
                            self.ctx
                                .fs
                                .get(&p)
                                .map(|n| n.mode)
                                .unwrap_or(if kind == Kind::File { 0o644 } else { 0o755 }),
                        ),
                        _ => Some(0o644),
                    };
                    let numeric = parse_mode(&mode.text, None);
                    let value = if recursive {
                        numeric
                    } else {
                        parse_mode(&mode.text, current)
                    };
                    self.emit(
                        inv,
                        Effect::Chmod {
                            path: p,
                            mode: value,
                            recursive,
                        },
                        None,
                        check,
                    );
                }
            }
            Action::Move { from, to } | Action::Copy { from, to } => {
                let is_move = matches!(e.action, Action::Move { .. });
                let Some((to_path, to_val)) = self.path(to, e, sc) else {
                    return;
                };
                let sources = self.paths(from, e, sc);
                let into = sc.multi
                    || sources.len() > 1
                    || to_val.text.ends_with('/')
                    || self.is_dir(&to_path);
                for (src, raw) in sources {
                    // `cp -r dir/. dest`: the contents of dir, not dir itself.
                    let contents = raw.ends_with("/.");
                    let dest = if into && !contents {
                        let name = src.rsplit('/').next().unwrap_or_default();
                        vfs::normalize(name, &to_path)
                    } else {
                        to_path.clone()
                    };
                    if dest == src {
                        continue;
                    }
                    match self.look(&src) {
                        Look::Node { .. } => {
                            let effect = if is_move {
                                Effect::Move {
                                    from: src,
                                    to: dest,
                                }
                            } else {
                                Effect::Copy {
                                    from: src,
                                    to: dest,
                                }
                            };
                            self.emit(inv, effect, None, check);
                        }
                        look => {
                            // Inside a summary tree, or made by something not modelled: the
                            // destination exists, its size is a guess.
                            let bytes = self.fixed_size(&self.table.defaults.output);
                            let what = if matches!(look, Look::Covered) {
                                format!("{} from {src} (size estimated)", inv.base)
                            } else {
                                self.note(format!(
                                    "{dest}: {} from {src}, which no modelled step created",
                                    inv.base
                                ));
                                format!("{} from {src} (origin not modelled)", inv.base)
                            };
                            self.emit(
                                inv,
                                Effect::Add {
                                    path: dest,
                                    kind: Kind::File,
                                    bytes,
                                    what,
                                },
                                None,
                                check,
                            );
                        }
                    }
                }
            }
            Action::Symlink { target, at } => {
                let Some(target) = self
                    .render(target, sc)
                    .filter(|v| !v.dynamic && !v.text.is_empty())
                else {
                    return;
                };
                let Some((mut p, _)) = self.path(at, e, sc) else {
                    return;
                };
                if self.is_dir(&p)
                    && matches!(
                        self.look(&p),
                        Look::Node {
                            kind: Kind::Dir,
                            ..
                        }
                    )
                {
                    p = vfs::normalize(url_base(&target.text), &p);
                }
                self.emit(
                    inv,
                    Effect::Symlink {
                        target: target.text,
                        path: p,
                    },
                    None,
                    check,
                );
            }
            Action::Install {
                set,
                scale,
                what_suffix,
                group_flag,
            } => self.install(set, *scale, what_suffix, group_flag, sc, check),
            Action::Uninstall { set } => self.uninstall(set, sc, check),
            Action::FirstOf(list) => {
                if let Some(first) = list.iter().find(|x| self.conditions(&x.when, sc)) {
                    let first = first.clone();
                    self.effect(&first, sc, check);
                }
            }
            Action::All(list) => {
                for inner in list.clone() {
                    self.effect(&inner, sc, check);
                }
            }
            Action::Unverifiable(t) => {
                let note = self.render_loose(t, sc);
                self.note(note);
            }
            Action::Nothing => {}
        }
    }

    fn recursive(&self, r: &Recursive, sc: &Scope) -> bool {
        match r {
            Recursive::Always => true,
            Recursive::IfFlag(flags) => flags.iter().any(|f| sc.parsed.has(f)),
        }
    }

    // -----------------------------------------------------------------------------------
    // Packages

    /// Package names from operands: version pins and extras removed, flags skipped.
    fn package_names(&mut self, version_chars: &str, sc: &Scope) -> Vec<String> {
        let mut names = Vec::new();
        for w in sc.rest {
            if w.dynamic {
                self.note(format!(
                    "{}: packages named by {} are only known at build time",
                    sc.inv.base, w.text
                ));
                continue;
            }
            let t = w.text.as_str();
            // Keep a leading `@` (npm scopes) and cut at the first version character after it.
            let cut = t
                .char_indices()
                .skip(1)
                .find(|(_, c)| version_chars.contains(*c))
                .map_or(t.len(), |(k, _)| k);
            let name = t[..cut].trim();
            let name = if name.starts_with('.') || name.starts_with('/') {
                // A local path (`pip install .`, `apt-get install ./x.deb`): name it after it.
                vfs::normalize(name, &sc.inv.cwd)
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            } else {
                name.to_string()
            };
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    fn install(
        &mut self,
        set_name: &str,
        scale: f64,
        suffix: &str,
        group_flag: &[String],
        sc: &Scope,
        check: bool,
    ) {
        let Some(set) = self.table.packages.get(set_name) else {
            return;
        };
        let mut names = self.package_names(&set.version_chars, sc);
        if let Some(group) = sc.parsed.value(group_flag) {
            self.groups.insert(group.text.clone(), names.clone());
        }
        let scaled = |bytes: u64| -> u64 {
            let b = (bytes as f64 * scale).round();
            if b.is_finite() && b > 0.0 {
                b as u64
            } else {
                0
            }
        };
        for combo in &set.combos {
            if !combo.packages.iter().all(|p| names.contains(p))
                || combo.packages.iter().any(|p| self.installed(set, p, sc))
            {
                continue;
            }
            names.retain(|n| !combo.packages.contains(n));
            let Some(first) = combo.packages.first() else {
                continue;
            };
            let spec = merged(set.packages.get(&package_key(first)), &set.default);
            let scope = Scope {
                pkg: Some(first),
                ..clone_scope(sc)
            };
            let Some(path) = spec.path.as_ref().and_then(|t| self.render(t, &scope)) else {
                continue;
            };
            let path = vfs::normalize(&path.text, &sc.inv.cwd);
            let (bytes, _) = self.size(&combo.size, &scope);
            let what = match &combo.what {
                Some(t) => self.render_loose(t, &scope),
                None => format!("{} ({set_name} packages)", combo.packages.join(" + ")),
            };
            self.emit(
                sc.inv,
                Effect::Add {
                    path: path.clone(),
                    kind: spec.kind.unwrap_or(Kind::Tree),
                    bytes: scaled(bytes),
                    what: format!("{what}{suffix}"),
                },
                None,
                check,
            );
            for member in &combo.packages {
                let spec = merged(set.packages.get(&package_key(member)), &set.default);
                let scope = Scope {
                    pkg: Some(member),
                    ..clone_scope(sc)
                };
                self.provides(&spec, &scope, &path, member, check);
            }
        }
        for name in names {
            if self.installed(set, &name, sc) {
                continue;
            }
            let known = set.packages.get(&package_key(&name));
            let spec = package_spec(set, &name);
            let scope = Scope {
                pkg: Some(&name),
                ..clone_scope(sc)
            };
            let Some(path) = spec.path.as_ref().and_then(|t| self.render(t, &scope)) else {
                continue;
            };
            let path = vfs::normalize(&path.text, &sc.inv.cwd);
            let (bytes, _) = match &spec.size {
                Some(s) => self.size(s, &scope),
                None => (0, None),
            };
            let what = match &spec.what {
                Some(t) => self.render_loose(t, &scope),
                None if known.is_some() => format!("{name} ({set_name} package)"),
                None => format!("{name} ({set_name} package, size estimated)"),
            };
            self.emit(
                sc.inv,
                Effect::Add {
                    path: path.clone(),
                    kind: spec.kind.unwrap_or(Kind::Tree),
                    bytes: scaled(bytes),
                    what: format!("{what}{suffix}"),
                },
                None,
                check,
            );
            self.provides(&spec, &scope, &path, &name, check);
        }
    }

    /// Whether a package is already there: its main path or one of its commands exists
    /// (an image that ships curl does not grow when `apt-get install curl` runs again).
    fn installed(&self, set: &PackageSet, name: &str, sc: &Scope) -> bool {
        let spec = package_spec(set, name);
        let scope = Scope {
            pkg: Some(name),
            ..clone_scope(sc)
        };
        spec.path
            .iter()
            .chain(spec.provides.iter())
            .filter_map(|t| self.render(t, &scope))
            .filter(|v| !v.dynamic)
            .any(|v| self.exists_exact(&vfs::normalize(&v.text, &sc.inv.cwd)))
    }

    /// The commands a package puts on PATH, as empty marker files (the bytes are on the
    /// package's main path).
    fn provides(&mut self, spec: &PackageSpec, sc: &Scope, main: &str, name: &str, check: bool) {
        for t in &spec.provides {
            let Some(v) = self.render(t, sc).filter(|v| !v.dynamic) else {
                continue;
            };
            let p = vfs::normalize(&v.text, &sc.inv.cwd);
            if p == main || self.exists_exact(&p) {
                continue;
            }
            self.emit(
                sc.inv,
                Effect::Add {
                    path: p,
                    kind: Kind::File,
                    bytes: 0,
                    what: format!("from package {name}"),
                },
                None,
                check,
            );
        }
    }

    fn uninstall(&mut self, set_name: &str, sc: &Scope, check: bool) {
        let Some(set) = self.table.packages.get(set_name) else {
            return;
        };
        let mut names = Vec::new();
        for name in self.package_names(&set.version_chars, sc) {
            match self.groups.get(&name) {
                Some(members) => names.extend(members.iter().cloned()),
                None => names.push(name),
            }
        }
        for name in names {
            let spec = package_spec(set, &name);
            let scope = Scope {
                pkg: Some(&name),
                ..clone_scope(sc)
            };
            let mut paths = Vec::new();
            if let Some(v) = spec.path.as_ref().and_then(|t| self.render(t, &scope)) {
                paths.push(vfs::normalize(&v.text, &sc.inv.cwd));
            }
            for t in &spec.provides {
                if let Some(v) = self.render(t, &scope) {
                    paths.push(vfs::normalize(&v.text, &sc.inv.cwd));
                }
            }
            for p in paths {
                if self.exists_exact(&p) {
                    self.emit(sc.inv, Effect::Remove { path: p }, None, check);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Sizes

    fn fixed_size(&self, spec: &SizeSpec) -> u64 {
        let base = match &spec.base {
            SizeBase::Bytes(b) => *b,
            SizeBase::Artifact { id, compressed } => self.artifact_bytes(id, *compressed),
            _ => spec.default_bytes,
        };
        self.finish_size(base, spec)
    }

    fn artifact_bytes(&self, id: &str, compressed: bool) -> u64 {
        self.table.artifacts.get(id).map_or(0, |a| {
            if compressed {
                a.compressed_bytes.unwrap_or(a.uncompressed_bytes)
            } else {
                a.uncompressed_bytes
            }
        })
    }

    fn finish_size(&self, base: u64, spec: &SizeSpec) -> u64 {
        let minus = spec
            .minus
            .as_deref()
            .map_or(0, |id| self.artifact_bytes(id, false));
        let scaled = (base.saturating_sub(minus) as f64 * spec.scale).round();
        let scaled = if scaled.is_finite() && scaled > 0.0 {
            scaled as u64
        } else {
            0
        };
        scaled.saturating_add(spec.plus)
    }

    /// Bytes, and the URL when the bytes are a download.
    fn size(&self, spec: &SizeSpec, sc: &Scope) -> (u64, Option<String>) {
        let mut url = None;
        let base = match &spec.base {
            SizeBase::Bytes(b) => *b,
            SizeBase::Artifact { id, compressed } => self.artifact_bytes(id, *compressed),
            SizeBase::SizeOf(t) => self
                .render(t, sc)
                .filter(|v| !v.dynamic)
                .and_then(|v| self.size_of(&vfs::normalize(&v.text, &sc.inv.cwd)))
                .unwrap_or(spec.default_bytes),
            SizeBase::Text => {
                let text: Vec<&str> = sc.rest.iter().map(|w| w.text.as_str()).collect();
                (text.join(" ").len() + 1) as u64
            }
            SizeBase::Stdin => sc
                .inv
                .stdin
                .as_ref()
                .map_or(spec.default_bytes, |s| s.bytes),
            SizeBase::Download(t) => match self.render(t, sc) {
                Some(v) => {
                    url = Some(v.text.clone());
                    self.download_size(&v.text)
                }
                None => self.fixed_size(&self.table.defaults.download),
            },
            SizeBase::Extracted(t) => self.extracted_size(t, sc),
        };
        (self.finish_size(base, spec), url)
    }

    fn download_size(&self, url: &str) -> u64 {
        match self.table.downloads.iter().find(|d| glob(&d.url, url)) {
            Some(d) => self.fixed_size(&d.size),
            None => self.fixed_size(&self.table.defaults.download),
        }
    }

    fn extract_scale(&self, name: &str) -> f64 {
        self.table
            .defaults
            .extract_scale
            .iter()
            .find(|(suffix, _)| name.ends_with(suffix.as_str()))
            .map_or(1.0, |(_, f)| *f)
    }

    /// The URL an archive reference came from: itself, or the download that wrote it.
    fn archive_url(&self, reference: &str, cwd: &str) -> Option<String> {
        if reference.contains("://") {
            return Some(reference.to_string());
        }
        match self.look(&vfs::normalize(reference, cwd)) {
            Look::Node { url, .. } => url,
            _ => None,
        }
    }

    fn extracted_size(&self, t: &Template, sc: &Scope) -> u64 {
        let Some(v) = self.render(t, sc).filter(|v| !v.dynamic) else {
            let stdin = sc.inv.stdin.as_ref().map_or(0, |s| s.bytes);
            return (stdin as f64 * 2.5) as u64;
        };
        if let Some(url) = self.archive_url(&v.text, &sc.inv.cwd) {
            if let Some(d) = self.table.downloads.iter().find(|d| glob(&d.url, &url)) {
                if let Some(extracted) = &d.extracted {
                    return self.fixed_size(extracted);
                }
            }
        }
        let archive = if v.text.contains("://") {
            sc.inv.stdin.as_ref().map(|s| s.bytes)
        } else {
            self.size_of(&vfs::normalize(&v.text, &sc.inv.cwd))
        };
        let archive = archive
            .filter(|b| *b > 0)
            .unwrap_or_else(|| self.fixed_size(&self.table.defaults.download));
        let scaled = (archive as f64 * self.extract_scale(url_base(&v.text))).round();
        if scaled.is_finite() && scaled > 0.0 {
            scaled as u64
        } else {
            0
        }
    }

    // -----------------------------------------------------------------------------------
    // Templates

    fn render(&self, t: &Template, sc: &Scope) -> Option<Val> {
        let mut out = Val {
            text: String::new(),
            dynamic: false,
            glob: false,
        };
        for seg in &t.segs {
            match seg {
                Seg::Lit(s) => {
                    // A table's own `*` is a glob (`/var/cache/dnf/*`).
                    out.glob |= has_glob(s);
                    out.text.push_str(s);
                }
                Seg::Ph(ph) => {
                    let v = self.placeholder(ph, sc)?;
                    out.text.push_str(&v.text);
                    out.dynamic |= v.dynamic;
                    out.glob |= v.glob;
                }
            }
        }
        Some(out)
    }

    /// For descriptions: unresolved placeholders become empty.
    fn render_loose(&self, t: &Template, sc: &Scope) -> String {
        let mut out = String::new();
        for seg in &t.segs {
            match seg {
                Seg::Lit(s) => out.push_str(s),
                Seg::Ph(ph) => {
                    if let Some(v) = self.placeholder(ph, sc) {
                        out.push_str(&v.text);
                    }
                }
            }
        }
        out
    }

    fn placeholder(&self, ph: &Ph, sc: &Scope) -> Option<Val> {
        let plain = |text: String| Val {
            text,
            dynamic: false,
            glob: false,
        };
        let of = |ex: &Ex| Val {
            text: ex.text.clone(),
            dynamic: ex.dynamic,
            glob: ex.glob,
        };
        let inv = sc.inv;
        match ph {
            Ph::Workdir => Some(plain(inv.cwd.clone())),
            Ph::Home => Some(plain(self.home(Some(&inv.assigns)))),
            Ph::User => {
                let name = self.ctx.user.split(':').next().unwrap_or_default();
                Some(plain(if name.is_empty() {
                    "root".to_string()
                } else {
                    name.to_string()
                }))
            }
            Ph::Env(name) => match self.var(name, Some(&inv.assigns)) {
                Var::Known(v) if !v.is_empty() => Some(plain(v)),
                Var::Unknowable => Some(Val {
                    text: format!("${name}"),
                    dynamic: true,
                    glob: false,
                }),
                _ if name == "HOME" => Some(plain(self.home(Some(&inv.assigns)))),
                _ => None,
            },
            Ph::Arg(n) => sc.rest.get(*n).map(of),
            Ph::LastArg => sc.rest.last().map(of),
            Ph::Flag(names) => sc.parsed.value(names).map(of),
            Ph::Each => sc.each.map(of),
            Ph::Pkg => sc.pkg.map(|p| plain(p.to_string())),
            Ph::Venv => self.venv(inv).map(plain),
            Ph::SitePackages => Some(plain(self.site_packages(sc).0)),
            Ph::Scripts => Some(plain(self.site_packages(sc).1)),
            Ph::Program => Some(plain(inv.program.clone())),
            Ph::Or(alts) => alts.iter().find_map(|p| self.placeholder(p, sc)),
            Ph::Python => Some(plain(self.python())),
            Ph::Project => {
                let name = inv.cwd.rsplit('/').next().unwrap_or_default();
                (!name.is_empty()).then(|| plain(name.to_string()))
            }
            Ph::Url => sc
                .parsed
                .operands
                .iter()
                .find(|w| w.text.contains("://"))
                .or_else(|| sc.rest.first())
                .map(of),
            Ph::ProgramDir => inv
                .program
                .contains('/')
                .then(|| plain(vfs::parent(&vfs::normalize(&inv.program, &inv.cwd)).to_string())),
            Ph::Base(inner) => {
                let v = self.placeholder(inner, sc)?;
                let base = if v.text.contains("://") {
                    url_base(&v.text).to_string()
                } else {
                    let p = vfs::normalize(&v.text, &inv.cwd);
                    p.rsplit('/').next().unwrap_or_default().to_string()
                };
                (!base.is_empty() && base != "...").then_some(Val { text: base, ..v })
            }
            Ph::Stem(inner) => {
                let v = self.placeholder(&Ph::Base(inner.clone()), sc)?;
                let s = stem(&v.text).to_string();
                (!s.is_empty()).then_some(Val { text: s, ..v })
            }
            Ph::Top(inner) => {
                let v = self.placeholder(inner, sc)?;
                if let Some(url) = self.archive_url(&v.text, &inv.cwd) {
                    if let Some(top) = self
                        .table
                        .downloads
                        .iter()
                        .find(|d| glob(&d.url, &url))
                        .and_then(|d| d.top.clone())
                    {
                        return Some(Val { text: top, ..v });
                    }
                }
                self.placeholder(&Ph::Stem(inner.clone()), sc)
            }
            Ph::Input(inner) => match self.placeholder(inner, sc) {
                Some(v) if v.text != "-" => Some(v),
                _ => inv.stdin.as_ref().and_then(|s| s.url.clone()).map(plain),
            },
        }
    }

    /// The virtual environment a Python command uses, if any.
    fn venv(&self, inv: &Inv) -> Option<String> {
        let is_venv =
            |dir: &str| self.exists_exact(&format!("{}/pyvenv.cfg", dir.trim_end_matches('/')));
        if inv.program.contains('/') {
            let bin = vfs::parent(&vfs::normalize(&inv.program, &inv.cwd)).to_string();
            if bin.ends_with("/bin") {
                let dir = vfs::parent(&bin);
                if is_venv(dir) {
                    return Some(dir.to_string());
                }
            }
        }
        if let Var::Known(v) = self.var("VIRTUAL_ENV", Some(&inv.assigns)) {
            if !v.is_empty() {
                return Some(vfs::normalize(&v, &inv.cwd));
            }
        }
        if let Var::Known(path) = self.var("PATH", Some(&inv.assigns)) {
            for entry in path.split(':').take(64) {
                if let Some(dir) = entry.strip_suffix("/bin") {
                    if !dir.is_empty() && dir.starts_with('/') && is_venv(dir) {
                        return Some(vfs::normalize(dir, "/"));
                    }
                }
            }
        }
        None
    }

    /// `python3.12` from `$PYTHON_VERSION`, the filesystem, or `python3`.
    fn python(&self) -> String {
        self.python.get_or_init(|| self.find_python()).clone()
    }

    fn find_python(&self) -> String {
        if let Var::Known(v) = self.var("PYTHON_VERSION", None) {
            let mut parts = v.split('.');
            if let (Some(major), Some(minor)) = (parts.next(), parts.next()) {
                if major.bytes().all(|b| b.is_ascii_digit())
                    && minor.bytes().all(|b| b.is_ascii_digit())
                {
                    return format!("python{major}.{minor}");
                }
            }
        }
        for dir in ["/usr/local/lib", "/usr/lib"] {
            for (p, _) in self.ctx.fs.under(dir).take(5_000) {
                if vfs::parent(p) == dir {
                    let name = p.rsplit('/').next().unwrap_or_default();
                    if let Some(version) = name.strip_prefix("python3.") {
                        if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
                            return name.to_string();
                        }
                    }
                }
            }
        }
        "python3".to_string()
    }

    /// Where `pip install` writes packages, and where it puts their commands.
    fn site_packages(&self, sc: &Scope) -> (String, String) {
        let inv = sc.inv;
        let python = self.python();
        let flag = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            sc.parsed
                .value(&names)
                .filter(|v| !v.dynamic)
                .map(|v| vfs::normalize(&v.text, &inv.cwd))
        };
        if let Some(target) = flag(&["--target", "-t"]) {
            return (
                target.clone(),
                format!("{}/bin", target.trim_end_matches('/')),
            );
        }
        if let Some(prefix) = flag(&["--prefix"]) {
            let p = prefix.trim_end_matches('/');
            return (
                format!("{p}/lib/{python}/site-packages"),
                format!("{p}/bin"),
            );
        }
        if let Some(venv) = self.venv(inv) {
            return (
                format!("{venv}/lib/{python}/site-packages"),
                format!("{venv}/bin"),
            );
        }
        if sc.parsed.has(&FlagCond {
            name: "--user".to_string(),
            value: None,
        }) || !inv.root
        {
            // pip falls back to a user install when site-packages is not writable.
            let home = self.home(Some(&inv.assigns));
            let home = home.trim_end_matches('/');
            return (
                format!("{home}/.local/lib/{python}/site-packages"),
                format!("{home}/.local/bin"),
            );
        }
        let official = matches!(self.var("PYTHON_VERSION", None), Var::Known(_));
        match self.ctx.package_manager {
            PackageManager::Apt if !official => (
                format!("/usr/local/lib/{python}/dist-packages"),
                "/usr/local/bin".to_string(),
            ),
            PackageManager::Apk if !official => (
                format!("/usr/lib/{python}/site-packages"),
                "/usr/bin".to_string(),
            ),
            _ => (
                format!("/usr/local/lib/{python}/site-packages"),
                "/usr/local/bin".to_string(),
            ),
        }
    }
}

/// Table key of a package name: lower case, `_` as `-` (PyPI's normalisation; harmless
/// for the others).
fn package_key(name: &str) -> String {
    name.to_lowercase().replace('_', "-")
}

/// A package's spec with defaults; unknown packages matching `provides_skip` get no
/// default command.
fn package_spec(set: &PackageSet, name: &str) -> PackageSpec {
    let known = set.packages.get(&package_key(name));
    let mut spec = merged(known, &set.default);
    if known.is_none() && set.provides_skip.iter().any(|p| glob(p, name)) {
        spec.provides.clear();
    }
    spec
}

fn clone_scope<'x>(sc: &Scope<'x>) -> Scope<'x> {
    Scope {
        inv: sc.inv,
        parsed: sc.parsed,
        rest: sc.rest,
        each: sc.each,
        pkg: sc.pkg,
        multi: sc.multi,
    }
}

/// A package's spec with the set's defaults filled in (not `provides`: a default command
/// name only applies to packages the table does not know).
fn merged(known: Option<&PackageSpec>, default: &PackageSpec) -> PackageSpec {
    match known {
        Some(k) => PackageSpec {
            size: k.size.clone().or_else(|| default.size.clone()),
            path: k.path.clone().or_else(|| default.path.clone()),
            kind: k.kind.or(default.kind),
            provides: k.provides.clone(),
            what: k.what.clone(),
        },
        None => default.clone(),
    }
}
