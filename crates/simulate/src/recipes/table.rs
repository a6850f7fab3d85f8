//! The recipe table: what each known command does to the filesystem, read from JSON
//! (`data/recipes.json`, with sizes from `data/artifacts.json`) so teachers can extend it.
//! The reader walks `serde_json::Value`s by hand rather than deriving, so that every error
//! names the place in the table (`recipes[12] (pip install).effects[2].size: ...`) and a
//! misspelt field is an error instead of being silently ignored.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::vfs::Kind;

const MB: f64 = 1_000_000.0;

/// A measured (or reported, or estimated) size of something a build step produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub id: String,
    /// What it is ("node_modules", "Go static binary").
    pub what: String,
    pub uncompressed_bytes: u64,
    pub compressed_bytes: Option<u64>,
    /// `measured`, `reported` or `estimated`.
    pub confidence: String,
}

/// A placeholder inside a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ph {
    /// The current directory of the command (WORKDIR, then any `cd`).
    Workdir,
    /// `$HOME`, else the user's home (`/root` for root).
    Home,
    /// The user the command runs as (name or uid, without the group).
    User,
    Env(String),
    /// The N-th operand after the matched subcommand words.
    Arg(usize),
    LastArg,
    /// The value of the first of these flags that is present.
    Flag(Vec<String>),
    /// The current item of `for_each`.
    Each,
    /// The package being installed.
    Pkg,
    /// The active virtual environment (program path, `$VIRTUAL_ENV`, an activated or
    /// PATH venv).
    Venv,
    /// Where `pip install` puts packages (venv, `--user`, `--target`, `--prefix`, system).
    SitePackages,
    /// `python3.12` from `$PYTHON_VERSION` or the filesystem; `python3` when unknown.
    Python,
    /// The name of the current directory (a project's default binary name).
    Project,
    /// The first operand that looks like a URL.
    Url,
    /// The directory of the program when it was called by path.
    ProgramDir,
    /// Where `pip install` puts commands (`{venv}/bin`, `~/.local/bin`, `/usr/local/bin`).
    Scripts,
    /// The program as invoked (`python3`, `/usr/local/bin/python3`).
    Program,
    /// `{a|b|c}`: the first that resolves.
    Or(Vec<Ph>),
    /// Last path component, without `?query`, `#fragment` or trailing `/`.
    Base(Box<Ph>),
    /// `Base` without archive extensions, `.git` and `@version`.
    Stem(Box<Ph>),
    /// The top-level directory an archive extracts to (downloads table, else the stem).
    Top(Box<Ph>),
    /// The value, or what the command reads on stdin when it is absent or `-`.
    Input(Box<Ph>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Lit(String),
    Ph(Ph),
}

/// A string with `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub segs: Vec<Seg>,
}

/// Alternatives: the first template whose placeholders all resolve is used.
pub(crate) type Alts = Vec<Template>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SizeBase {
    Bytes(u64),
    Artifact {
        id: String,
        compressed: bool,
    },
    /// The size of an existing path (in the stage or written earlier in the RUN).
    SizeOf(Template),
    /// The text an `echo`/`printf` prints.
    Text,
    /// What the command reads on stdin.
    Stdin,
    /// A download from this URL (downloads table, else the default).
    Download(Template),
    /// What an archive (path or URL) holds once extracted.
    Extracted(Template),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SizeSpec {
    pub base: SizeBase,
    pub scale: f64,
    pub plus: u64,
    pub minus: Option<String>,
    /// For `size_of` when the path is unknown.
    pub default_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagCond {
    pub name: String,
    /// A glob the flag's value must match (`--omit=dev`, `-ldflags=*-s*`).
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvCond {
    pub name: String,
    pub value: Option<String>,
}

/// When a recipe or effect applies. Lists are "any of"; `unless_*` are "none of".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Conditions {
    pub if_flag: Vec<FlagCond>,
    pub unless_flag: Vec<FlagCond>,
    pub if_env: Vec<EnvCond>,
    pub unless_env: Vec<EnvCond>,
    pub if_exists: Vec<Template>,
    pub unless_exists: Vec<Template>,
    pub if_operand: Vec<String>,
    pub unless_operand: Vec<String>,
    pub if_root: Option<bool>,
    pub if_operands: Option<bool>,
    pub if_stdin: Option<bool>,
    pub min_operands: Option<usize>,
    pub max_operands: Option<usize>,
    /// Globs on the program's name (`gradlew`).
    pub if_program: Vec<String>,
    /// An archive or URL the downloads table names a top directory for.
    pub if_known_download: Vec<Template>,
    pub unless_known_download: Vec<Template>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Each {
    Operands,
    OperandsButLast,
    OperandsAfterFirst,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Recursive {
    Always,
    IfFlag(Vec<FlagCond>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Add {
        path: Alts,
        kind: Kind,
        size: Option<SizeSpec>,
        what: Option<Template>,
        once: bool,
        /// When the path is a directory (or ends in `/`): the name to add inside it.
        into_dir: Alts,
    },
    Remove {
        path: Alts,
    },
    Chown {
        path: Alts,
        owner: Template,
        recursive: Recursive,
    },
    Chmod {
        path: Alts,
        mode: Template,
        recursive: Recursive,
    },
    Move {
        from: Alts,
        to: Alts,
    },
    Copy {
        from: Alts,
        to: Alts,
    },
    Symlink {
        target: Template,
        at: Alts,
    },
    Install {
        set: String,
        scale: f64,
        what_suffix: String,
        group_flag: Vec<String>,
    },
    Uninstall {
        set: String,
    },
    FirstOf(Vec<EffectSpec>),
    /// Several effects under one set of conditions.
    All(Vec<EffectSpec>),
    Unverifiable(Template),
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EffectSpec {
    pub when: Conditions,
    pub for_each: Option<Each>,
    pub action: Action,
    /// Said (as unverifiable) when no path alternative resolves.
    pub unresolved: Option<Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recipe {
    pub id: String,
    pub programs: Vec<String>,
    pub subcommand: Vec<String>,
    pub any_operand: Vec<String>,
    pub when: Conditions,
    pub value_flags: Vec<String>,
    pub clusters: bool,
    pub old_style: bool,
    pub options_first: bool,
    pub manager: Option<String>,
    pub needs_root: bool,
    pub root_reason: Option<String>,
    pub binaries: Vec<String>,
    pub stdout: Option<SizeSpec>,
    pub effects: Vec<EffectSpec>,
    /// Another recipe (earlier in the table) whose effects follow this one's.
    pub effects_of: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PackageSpec {
    pub size: Option<SizeSpec>,
    pub path: Option<Template>,
    pub kind: Option<Kind>,
    pub provides: Vec<Template>,
    pub what: Option<Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Combo {
    pub packages: Vec<String>,
    pub size: SizeSpec,
    pub what: Option<Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PackageSet {
    /// Characters that end a package name (`=` in `curl=7.88*`, `@` in `express@4`).
    pub version_chars: String,
    /// Unknown packages matching these get no default `provides` (`lib*`, `*-dev`).
    pub provides_skip: Vec<String>,
    pub default: PackageSpec,
    pub packages: BTreeMap<String, PackageSpec>,
    pub combos: Vec<Combo>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Download {
    pub url: String,
    pub size: SizeSpec,
    pub extracted: Option<SizeSpec>,
    pub top: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alias {
    pub programs: Vec<String>,
    pub prefix: Vec<String>,
    pub becomes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Defaults {
    pub download: SizeSpec,
    pub output: SizeSpec,
    /// Extracted size over archive size, by file-name suffix (longest match wins).
    pub extract_scale: Vec<(String, f64)>,
}

/// A whole table: the built-in one (`recipes()`) or one a teacher loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipeTable {
    pub doc: String,
    pub(crate) artifacts: BTreeMap<String, Artifact>,
    pub(crate) defaults: Defaults,
    pub(crate) packages: BTreeMap<String, PackageSet>,
    pub(crate) downloads: Vec<Download>,
    pub(crate) aliases: Vec<Alias>,
    pub(crate) recipes: Vec<Recipe>,
}

impl RecipeTable {
    /// A table that knows nothing (the fallback should the built-in data ever be broken).
    pub fn empty() -> Self {
        RecipeTable {
            doc: String::new(),
            artifacts: BTreeMap::new(),
            defaults: Defaults {
                download: fixed(10_000_000),
                output: fixed(5_000_000),
                extract_scale: Vec::new(),
            },
            packages: BTreeMap::new(),
            downloads: Vec::new(),
            aliases: Vec::new(),
            recipes: Vec::new(),
        }
    }

    /// Number of recipes.
    pub fn len(&self) -> usize {
        self.recipes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recipes.is_empty()
    }

    /// The recipe ids, in matching order.
    pub fn recipe_ids(&self) -> impl Iterator<Item = &str> {
        self.recipes.iter().map(|r| r.id.as_str())
    }

    pub fn artifact(&self, id: &str) -> Option<&Artifact> {
        self.artifacts.get(id)
    }

    pub fn artifacts(&self) -> impl Iterator<Item = &Artifact> {
        self.artifacts.values()
    }
}

fn fixed(bytes: u64) -> SizeSpec {
    SizeSpec {
        base: SizeBase::Bytes(bytes),
        scale: 1.0,
        plus: 0,
        minus: None,
        default_bytes: 0,
    }
}

/// Megabytes (10^6 bytes, as Docker prints them) to bytes; negative or NaN gives 0.
pub(crate) fn mb_to_bytes(mb: f64) -> u64 {
    let bytes = (mb * MB).round();
    if bytes.is_finite() && bytes > 0.0 {
        bytes as u64
    } else {
        0
    }
}

// ---------------------------------------------------------------------------------------
// Reading JSON

type R<T> = Result<T, String>;

/// Reads `artifacts.json`: `{"doc": ..., "artifacts": [{id, artifact, uncompressed_mb,
/// compressed_mb, sources, confidence}]}` (a bare list is accepted too).
pub(crate) fn parse_artifacts(json: &str) -> R<BTreeMap<String, Artifact>> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("artifacts: {e}"))?;
    let list = match &value {
        Value::Array(list) => list,
        Value::Object(o) => match o.get("artifacts") {
            Some(Value::Array(list)) => list,
            _ => return Err("artifacts: expected an `artifacts` list".to_string()),
        },
        _ => return Err("artifacts: expected an object or a list".to_string()),
    };
    artifact_list(list, "artifacts")
}

fn artifact_list(list: &[Value], path: &str) -> R<BTreeMap<String, Artifact>> {
    let mut out = BTreeMap::new();
    for (i, item) in list.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let o = obj(item, &path)?;
        let id = req_str(o, "id", &path)?;
        let path = format!("{path} ({id})");
        let uncompressed = req_f64(o, "uncompressed_mb", &path)?;
        let compressed = opt_f64(o, "compressed_mb", &path)?;
        out.insert(
            id.clone(),
            Artifact {
                what: opt_str(o, "artifact", &path)?.unwrap_or_else(|| id.clone()),
                id,
                uncompressed_bytes: mb_to_bytes(uncompressed),
                compressed_bytes: compressed.map(mb_to_bytes),
                confidence: opt_str(o, "confidence", &path)?
                    .unwrap_or_else(|| "estimated".to_string()),
            },
        );
    }
    Ok(out)
}

/// Reads a recipe table. `base` is the built-in table: its artifacts are always available,
/// and with `"extends": "builtin"` its recipes, packages, downloads and aliases follow the
/// new ones (which therefore win).
pub(crate) fn parse_table(
    json: &str,
    artifacts: BTreeMap<String, Artifact>,
    base: Option<&RecipeTable>,
) -> R<RecipeTable> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let top = obj(&value, "table")?;
    check_keys(
        top,
        &[
            "doc",
            "extends",
            "artifacts",
            "defaults",
            "packages",
            "downloads",
            "aliases",
            "recipes",
        ],
        "table",
    )?;
    // The doc is a string or a list of paragraphs (easier to read in the JSON file).
    let doc = match top.get("doc") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(paragraphs)) => paragraphs
            .iter()
            .map(|p| {
                p.as_str()
                    .map(str::to_string)
                    .ok_or("doc: expected strings")
            })
            .collect::<Result<Vec<_>, _>>()?
            .join("\n\n"),
        _ => {
            return Err("table: missing field `doc` (a string or a list of paragraphs)".to_string())
        }
    };
    let extends = match opt_str(top, "extends", "table")?.as_deref() {
        None => None,
        Some("builtin") => Some(base.ok_or("extends: the built-in table is not available")?),
        Some(other) => return Err(format!("extends: unknown table `{other}` (only `builtin`)")),
    };
    let mut table = match extends {
        Some(base) => {
            let mut t = base.clone();
            t.doc = doc;
            t
        }
        None => {
            let mut t = RecipeTable::empty();
            t.doc = doc;
            t
        }
    };
    table.artifacts = artifacts;
    if let Some(v) = top.get("artifacts") {
        let list = v.as_array().ok_or("artifacts: expected a list")?;
        table.artifacts.extend(artifact_list(list, "artifacts")?);
    }
    if let Some(v) = top.get("defaults") {
        table.defaults = defaults(v, &table.defaults)?;
    }
    if let Some(v) = top.get("packages") {
        let o = obj(v, "packages")?;
        for (name, set) in o {
            let path = format!("packages.{name}");
            let parsed = package_set(set, &path)?;
            match table.packages.get_mut(name) {
                Some(existing) if extends.is_some() => {
                    existing.packages.extend(parsed.packages);
                    let mut combos = parsed.combos;
                    combos.append(&mut existing.combos);
                    existing.combos = combos;
                    existing.default = parsed.default;
                    existing.version_chars = parsed.version_chars;
                    existing.provides_skip = parsed.provides_skip;
                }
                _ => {
                    table.packages.insert(name.clone(), parsed);
                }
            }
        }
    }
    if let Some(v) = top.get("downloads") {
        let list = v.as_array().ok_or("downloads: expected a list")?;
        let mut downloads = Vec::new();
        for (i, d) in list.iter().enumerate() {
            downloads.push(download(d, &format!("downloads[{i}]"))?);
        }
        downloads.append(&mut table.downloads);
        table.downloads = downloads;
    }
    if let Some(v) = top.get("aliases") {
        let list = v.as_array().ok_or("aliases: expected a list")?;
        let mut aliases = Vec::new();
        for (i, a) in list.iter().enumerate() {
            aliases.push(alias(a, &format!("aliases[{i}]"))?);
        }
        aliases.append(&mut table.aliases);
        table.aliases = aliases;
    }
    let list = match top.get("recipes") {
        Some(Value::Array(list)) => list,
        Some(_) => return Err("recipes: expected a list".to_string()),
        None => return Err("table: missing field `recipes`".to_string()),
    };
    let mut recipes: Vec<Recipe> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let mut parsed = recipe(r, i)?;
        if let Some(other) = parsed.effects_of.take() {
            let source = recipes.iter().find(|r| r.id == other).ok_or_else(|| {
                format!(
                    "recipes[{i}] ({}).effects_of: no earlier recipe `{other}`",
                    parsed.id
                )
            })?;
            parsed.effects.extend(source.effects.iter().cloned());
            parsed.binaries.extend(source.binaries.iter().cloned());
        }
        recipes.push(parsed);
    }
    recipes.append(&mut table.recipes);
    table.recipes = recipes;
    validate(&table)?;
    Ok(table)
}

/// Cross-references: artifact ids and package sets must exist.
fn validate(table: &RecipeTable) -> R<()> {
    let check_size = |size: &SizeSpec, path: &str| -> R<()> {
        if let SizeBase::Artifact { id, .. } = &size.base {
            if !table.artifacts.contains_key(id) {
                return Err(format!("{path}: unknown artifact `{id}`"));
            }
        }
        if let Some(id) = &size.minus {
            if !table.artifacts.contains_key(id) {
                return Err(format!("{path}: unknown artifact `{id}` in `minus`"));
            }
        }
        Ok(())
    };
    for (name, size) in [
        ("defaults.download", &table.defaults.download),
        ("defaults.output", &table.defaults.output),
    ] {
        check_size(size, name)?;
        if !matches!(size.base, SizeBase::Bytes(_) | SizeBase::Artifact { .. }) {
            return Err(format!(
                "{name}: must be a fixed size (`mb`, `bytes` or `artifact`)"
            ));
        }
    }
    for (name, set) in &table.packages {
        if let Some(size) = &set.default.size {
            check_size(size, &format!("packages.{name}.default.size"))?;
        }
        for (pkg, spec) in &set.packages {
            if let Some(size) = &spec.size {
                check_size(size, &format!("packages.{name}.packages.{pkg}.size"))?;
            }
        }
        for (i, combo) in set.combos.iter().enumerate() {
            check_size(&combo.size, &format!("packages.{name}.combos[{i}].size"))?;
        }
    }
    for (i, d) in table.downloads.iter().enumerate() {
        check_size(&d.size, &format!("downloads[{i}].size"))?;
        if let Some(size) = &d.extracted {
            check_size(size, &format!("downloads[{i}].extracted"))?;
        }
    }
    fn walk(
        effects: &[EffectSpec],
        path: &str,
        table: &RecipeTable,
        check_size: &dyn Fn(&SizeSpec, &str) -> R<()>,
    ) -> R<()> {
        for (j, e) in effects.iter().enumerate() {
            let path = format!("{path}[{j}]");
            match &e.action {
                Action::Add {
                    size: Some(size), ..
                } => check_size(size, &format!("{path}.size"))?,
                Action::Install { set, .. } | Action::Uninstall { set }
                    if !table.packages.contains_key(set) =>
                {
                    return Err(format!("{path}: unknown package set `{set}`"));
                }
                Action::FirstOf(inner) => {
                    walk(inner, &format!("{path}.first_of"), table, check_size)?
                }
                Action::All(inner) => walk(inner, &format!("{path}.all"), table, check_size)?,
                _ => {}
            }
        }
        Ok(())
    }
    for (i, r) in table.recipes.iter().enumerate() {
        let path = format!("recipes[{i}] ({})", r.id);
        if let Some(size) = &r.stdout {
            check_size(size, &format!("{path}.stdout"))?;
        }
        walk(&r.effects, &format!("{path}.effects"), table, &check_size)?;
    }
    Ok(())
}

fn defaults(v: &Value, current: &Defaults) -> R<Defaults> {
    let path = "defaults";
    let o = obj(v, path)?;
    check_keys(o, &["doc", "download", "output", "extract_scale"], path)?;
    let mut d = current.clone();
    if let Some(s) = o.get("download") {
        d.download = size(s, "defaults.download")?;
    }
    if let Some(s) = o.get("output") {
        d.output = size(s, "defaults.output")?;
    }
    if let Some(s) = o.get("extract_scale") {
        let m = obj(s, "defaults.extract_scale")?;
        let mut scales = Vec::new();
        for (suffix, f) in m {
            let f = f
                .as_f64()
                .ok_or_else(|| format!("defaults.extract_scale.{suffix}: expected a number"))?;
            scales.push((suffix.clone(), f));
        }
        // Longest suffix first so `.tar.gz` wins over `.gz`.
        stagecraft_syntax::order::sort_by(&mut scales, |a, b| {
            b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0))
        });
        d.extract_scale = scales;
    }
    Ok(d)
}

fn package_set(v: &Value, path: &str) -> R<PackageSet> {
    let o = obj(v, path)?;
    check_keys(
        o,
        &[
            "doc",
            "version_chars",
            "provides_skip",
            "default",
            "packages",
            "combos",
        ],
        path,
    )?;
    let default = match o.get("default") {
        Some(d) => package_spec(d, &format!("{path}.default"))?,
        None => return Err(format!("{path}: missing field `default`")),
    };
    if default.size.is_none() || default.path.is_none() {
        return Err(format!("{path}.default: needs `size` and `path`"));
    }
    let mut packages = BTreeMap::new();
    if let Some(p) = o.get("packages") {
        for (name, spec) in obj(p, &format!("{path}.packages"))? {
            packages.insert(
                name.clone(),
                package_spec(spec, &format!("{path}.packages.{name}"))?,
            );
        }
    }
    let mut combos = Vec::new();
    if let Some(c) = o.get("combos") {
        let list = c
            .as_array()
            .ok_or_else(|| format!("{path}.combos: expected a list"))?;
        for (i, item) in list.iter().enumerate() {
            let cpath = format!("{path}.combos[{i}]");
            let co = obj(item, &cpath)?;
            check_keys(co, &["packages", "size", "what", "note"], &cpath)?;
            let packages = str_list(co, "packages", &cpath)?;
            if packages.len() < 2 {
                return Err(format!(
                    "{cpath}.packages: a combo needs at least two packages"
                ));
            }
            combos.push(Combo {
                packages,
                size: match co.get("size") {
                    Some(s) => size(s, &format!("{cpath}.size"))?,
                    None => return Err(format!("{cpath}: missing field `size`")),
                },
                what: opt_template(co, "what", &cpath)?,
            });
        }
    }
    Ok(PackageSet {
        version_chars: opt_str(o, "version_chars", path)?.unwrap_or_default(),
        provides_skip: str_list(o, "provides_skip", path)?,
        default,
        packages,
        combos,
    })
}

fn package_spec(v: &Value, path: &str) -> R<PackageSpec> {
    let o = obj(v, path)?;
    check_keys(
        o,
        &["size", "path", "kind", "provides", "what", "note"],
        path,
    )?;
    Ok(PackageSpec {
        size: match o.get("size") {
            Some(s) => Some(size(s, &format!("{path}.size"))?),
            None => None,
        },
        path: opt_template(o, "path", path)?,
        kind: match opt_str(o, "kind", path)? {
            Some(k) => Some(kind(&k, &format!("{path}.kind"))?),
            None => None,
        },
        provides: str_list(o, "provides", path)?
            .iter()
            .map(|t| template(t, &format!("{path}.provides")))
            .collect::<R<_>>()?,
        what: opt_template(o, "what", path)?,
    })
}

fn download(v: &Value, path: &str) -> R<Download> {
    let o = obj(v, path)?;
    check_keys(o, &["url", "size", "extracted", "top", "note"], path)?;
    Ok(Download {
        url: req_str(o, "url", path)?,
        size: match o.get("size") {
            Some(s) => size(s, &format!("{path}.size"))?,
            None => return Err(format!("{path}: missing field `size`")),
        },
        extracted: match o.get("extracted") {
            Some(s) => Some(size(s, &format!("{path}.extracted"))?),
            None => None,
        },
        top: opt_str(o, "top", path)?,
    })
}

fn alias(v: &Value, path: &str) -> R<Alias> {
    let o = obj(v, path)?;
    check_keys(o, &["program", "prefix", "becomes", "note"], path)?;
    let programs = str_list(o, "program", path)?;
    if programs.is_empty() {
        return Err(format!("{path}: missing field `program`"));
    }
    Ok(Alias {
        programs,
        prefix: str_list(o, "prefix", path)?,
        becomes: req_str(o, "becomes", path)?,
    })
}

const CONDITION_KEYS: &[&str] = &[
    "if_flag",
    "unless_flag",
    "if_env",
    "unless_env",
    "if_exists",
    "unless_exists",
    "if_operand",
    "unless_operand",
    "if_root",
    "if_operands",
    "if_stdin",
    "min_operands",
    "max_operands",
    "if_program",
    "if_known_download",
    "unless_known_download",
];

fn recipe(v: &Value, index: usize) -> R<Recipe> {
    let path0 = format!("recipes[{index}]");
    let o = obj(v, &path0)?;
    let id = req_str(o, "id", &path0)?;
    let path = format!("{path0} ({id})");
    let mut keys = vec![
        "id",
        "doc",
        "note",
        "program",
        "subcommand",
        "any_operand",
        "value_flags",
        "clusters",
        "old_style",
        "options_first",
        "manager",
        "needs_root",
        "root_reason",
        "binaries",
        "stdout",
        "effects",
        "effects_of",
    ];
    keys.extend_from_slice(CONDITION_KEYS);
    check_keys(o, &keys, &path)?;
    let programs = str_list(o, "program", &path)?;
    if programs.is_empty() {
        return Err(format!("{path}: missing field `program`"));
    }
    let effects = match o.get("effects") {
        None => Vec::new(),
        Some(Value::Array(list)) => effect_list(list, &format!("{path}.effects"))?,
        Some(_) => return Err(format!("{path}.effects: expected a list")),
    };
    Ok(Recipe {
        id,
        programs,
        subcommand: str_list(o, "subcommand", &path)?,
        any_operand: str_list(o, "any_operand", &path)?,
        when: conditions(o, &path)?,
        value_flags: str_list(o, "value_flags", &path)?,
        clusters: opt_bool(o, "clusters", &path)?.unwrap_or(true),
        old_style: opt_bool(o, "old_style", &path)?.unwrap_or(false),
        options_first: opt_bool(o, "options_first", &path)?.unwrap_or(false),
        manager: opt_str(o, "manager", &path)?,
        needs_root: opt_bool(o, "needs_root", &path)?.unwrap_or(false),
        root_reason: opt_str(o, "root_reason", &path)?,
        binaries: str_list(o, "binaries", &path)?,
        stdout: match o.get("stdout") {
            Some(s) => Some(size(s, &format!("{path}.stdout"))?),
            None => None,
        },
        effects,
        effects_of: opt_str(o, "effects_of", &path)?,
    })
}

fn effect_list(list: &[Value], path: &str) -> R<Vec<EffectSpec>> {
    list.iter()
        .enumerate()
        .map(|(j, e)| effect(e, &format!("{path}[{j}]")))
        .collect()
}

const ACTIONS: &[&str] = &[
    "add",
    "remove",
    "chown",
    "chmod",
    "move",
    "copy",
    "symlink",
    "install",
    "uninstall",
    "first_of",
    "all",
    "unverifiable",
    "nothing",
];

fn effect(v: &Value, path: &str) -> R<EffectSpec> {
    let o = obj(v, path)?;
    let present: Vec<&str> = ACTIONS
        .iter()
        .copied()
        .filter(|a| o.contains_key(*a))
        .collect();
    let action_key = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "{path}: no action (one of {})",
                ACTIONS
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        many => {
            return Err(format!(
                "{path}: more than one action ({})",
                many.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    };
    let extra: &[&str] = match action_key {
        "add" => &["kind", "size", "what", "once", "into_dir"],
        "chown" => &["owner", "recursive"],
        "chmod" => &["mode", "recursive"],
        "move" | "copy" => &["to"],
        "symlink" => &["at"],
        "install" => &["scale", "what_suffix", "group_flag"],
        _ => &[],
    };
    let mut keys = vec![action_key, "for_each", "unresolved", "note", "doc"];
    keys.extend_from_slice(CONDITION_KEYS);
    keys.extend_from_slice(extra);
    check_keys(o, &keys, path)?;
    let apath = format!("{path}.{action_key}");
    let alts_of = |key: &str| -> R<Alts> {
        let list = str_list(o, key, path)?;
        if list.is_empty() {
            return Err(format!("{path}: missing field `{key}`"));
        }
        list.iter()
            .map(|t| template(t, &format!("{path}.{key}")))
            .collect()
    };
    let recursive = || -> R<Recursive> {
        Ok(match o.get("recursive") {
            None | Some(Value::Bool(false)) => Recursive::IfFlag(Vec::new()),
            Some(Value::Bool(true)) => Recursive::Always,
            Some(_) => Recursive::IfFlag(flag_conds(o, "recursive", path)?),
        })
    };
    let action = match action_key {
        "add" => {
            let kind = match opt_str(o, "kind", path)? {
                Some(k) => kind(&k, &format!("{path}.kind"))?,
                None => Kind::File,
            };
            let size = match o.get("size") {
                Some(s) => Some(size(s, &format!("{path}.size"))?),
                None => None,
            };
            if size.is_none() && kind != Kind::Dir {
                return Err(format!(
                    "{path}: missing field `size` (needed for a {kind:?})"
                ));
            }
            Action::Add {
                path: alts_of("add")?,
                kind,
                size,
                what: opt_template(o, "what", path)?,
                once: opt_bool(o, "once", path)?.unwrap_or(false),
                into_dir: str_list(o, "into_dir", path)?
                    .iter()
                    .map(|t| template(t, &format!("{path}.into_dir")))
                    .collect::<R<_>>()?,
            }
        }
        "remove" => Action::Remove {
            path: alts_of("remove")?,
        },
        "chown" => Action::Chown {
            path: alts_of("chown")?,
            owner: req_template(o, "owner", path)?,
            recursive: recursive()?,
        },
        "chmod" => Action::Chmod {
            path: alts_of("chmod")?,
            mode: req_template(o, "mode", path)?,
            recursive: recursive()?,
        },
        "move" => Action::Move {
            from: alts_of("move")?,
            to: alts_of("to")?,
        },
        "copy" => Action::Copy {
            from: alts_of("copy")?,
            to: alts_of("to")?,
        },
        "symlink" => Action::Symlink {
            target: req_template(o, "symlink", path)?,
            at: alts_of("at")?,
        },
        "install" => Action::Install {
            set: req_str(o, "install", path)?,
            scale: opt_f64(o, "scale", path)?.unwrap_or(1.0),
            what_suffix: opt_str(o, "what_suffix", path)?.unwrap_or_default(),
            group_flag: str_list(o, "group_flag", path)?,
        },
        "uninstall" => Action::Uninstall {
            set: req_str(o, "uninstall", path)?,
        },
        "first_of" => match o.get("first_of") {
            Some(Value::Array(list)) => Action::FirstOf(effect_list(list, &apath)?),
            _ => return Err(format!("{apath}: expected a list of effects")),
        },
        "all" => match o.get("all") {
            Some(Value::Array(list)) => Action::All(effect_list(list, &apath)?),
            _ => return Err(format!("{apath}: expected a list of effects")),
        },
        "unverifiable" => Action::Unverifiable(req_template(o, "unverifiable", path)?),
        _ => Action::Nothing,
    };
    let for_each = match opt_str(o, "for_each", path)?.as_deref() {
        None => None,
        Some("operands") => Some(Each::Operands),
        Some("operands_but_last") => Some(Each::OperandsButLast),
        Some("operands_after_first") => Some(Each::OperandsAfterFirst),
        Some(other) => {
            return Err(format!(
                "{path}.for_each: unknown value `{other}` (operands, operands_but_last, operands_after_first)"
            ))
        }
    };
    Ok(EffectSpec {
        when: conditions(o, path)?,
        for_each,
        action,
        unresolved: opt_template(o, "unresolved", path)?,
    })
}

fn conditions(o: &Map<String, Value>, path: &str) -> R<Conditions> {
    let env_conds = |key: &str| -> R<Vec<EnvCond>> {
        Ok(str_list(o, key, path)?
            .into_iter()
            .map(|s| match s.split_once('=') {
                Some((n, v)) => EnvCond {
                    name: n.to_string(),
                    value: Some(v.to_string()),
                },
                None => EnvCond {
                    name: s,
                    value: None,
                },
            })
            .collect())
    };
    let templates = |key: &str| -> R<Vec<Template>> {
        str_list(o, key, path)?
            .iter()
            .map(|t| template(t, &format!("{path}.{key}")))
            .collect()
    };
    Ok(Conditions {
        if_flag: flag_conds(o, "if_flag", path)?,
        unless_flag: flag_conds(o, "unless_flag", path)?,
        if_env: env_conds("if_env")?,
        unless_env: env_conds("unless_env")?,
        if_exists: templates("if_exists")?,
        unless_exists: templates("unless_exists")?,
        if_operand: str_list(o, "if_operand", path)?,
        unless_operand: str_list(o, "unless_operand", path)?,
        if_root: opt_bool(o, "if_root", path)?,
        if_operands: opt_bool(o, "if_operands", path)?,
        if_stdin: opt_bool(o, "if_stdin", path)?,
        min_operands: opt_usize(o, "min_operands", path)?,
        max_operands: opt_usize(o, "max_operands", path)?,
        if_program: str_list(o, "if_program", path)?,
        if_known_download: templates("if_known_download")?,
        unless_known_download: templates("unless_known_download")?,
    })
}

fn flag_conds(o: &Map<String, Value>, key: &str, path: &str) -> R<Vec<FlagCond>> {
    Ok(str_list(o, key, path)?
        .into_iter()
        .map(|s| match s.split_once('=') {
            Some((n, v)) if n.starts_with('-') => FlagCond {
                name: n.to_string(),
                value: Some(v.to_string()),
            },
            _ => FlagCond {
                name: s,
                value: None,
            },
        })
        .collect())
}

fn size(v: &Value, path: &str) -> R<SizeSpec> {
    let o = obj(v, path)?;
    const BASES: &[&str] = &[
        "mb",
        "bytes",
        "artifact",
        "size_of",
        "text",
        "stdin",
        "download",
        "extracted",
    ];
    let present: Vec<&str> = BASES
        .iter()
        .copied()
        .filter(|k| o.contains_key(*k))
        .collect();
    let key = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "{path}: no size (one of {})",
                BASES
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        _ => return Err(format!("{path}: more than one size source")),
    };
    check_keys(
        o,
        &[
            key,
            "compressed",
            "scale",
            "plus_bytes",
            "minus",
            "default_bytes",
            "default_mb",
            "note",
            "confidence",
        ],
        path,
    )?;
    let base = match key {
        "mb" => SizeBase::Bytes(mb_to_bytes(req_f64(o, "mb", path)?)),
        "bytes" => SizeBase::Bytes(req_u64(o, "bytes", path)?),
        "artifact" => SizeBase::Artifact {
            id: req_str(o, "artifact", path)?,
            compressed: opt_bool(o, "compressed", path)?.unwrap_or(false),
        },
        "size_of" => SizeBase::SizeOf(req_template(o, "size_of", path)?),
        "text" => SizeBase::Text,
        "stdin" => SizeBase::Stdin,
        "download" => SizeBase::Download(req_template(o, "download", path)?),
        _ => SizeBase::Extracted(req_template(o, "extracted", path)?),
    };
    let scale = opt_f64(o, "scale", path)?.unwrap_or(1.0);
    if !(scale.is_finite() && scale >= 0.0) {
        return Err(format!("{path}.scale: must be a non-negative number"));
    }
    let default_bytes = match (opt_f64(o, "default_mb", path)?, o.get("default_bytes")) {
        (Some(mb), _) => mb_to_bytes(mb),
        (None, Some(_)) => req_u64(o, "default_bytes", path)?,
        (None, None) => 0,
    };
    Ok(SizeSpec {
        base,
        scale,
        plus: match o.get("plus_bytes") {
            Some(_) => req_u64(o, "plus_bytes", path)?,
            None => 0,
        },
        minus: opt_str(o, "minus", path)?,
        default_bytes,
    })
}

fn kind(k: &str, path: &str) -> R<Kind> {
    match k {
        "file" => Ok(Kind::File),
        "dir" => Ok(Kind::Dir),
        "tree" => Ok(Kind::Tree),
        other => Err(format!("{path}: unknown kind `{other}` (file, dir, tree)")),
    }
}

/// Parses `"{workdir}/node_modules"` into segments; unknown placeholders are errors.
pub(crate) fn template(text: &str, path: &str) -> R<Template> {
    let mut segs = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            segs.push(Seg::Lit(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("{path}: unclosed `{{` in `{text}`"))?;
        let name = &after[..close];
        segs.push(Seg::Ph(placeholder(name).ok_or_else(|| {
            format!("{path}: unknown placeholder `{{{name}}}` in `{text}`")
        })?));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        segs.push(Seg::Lit(rest.to_string()));
    }
    Ok(Template { segs })
}

fn placeholder(name: &str) -> Option<Ph> {
    if name.contains('|') {
        let alts: Option<Vec<Ph>> = name.split('|').map(placeholder).collect();
        return alts.map(Ph::Or);
    }
    let simple = match name {
        "workdir" => Some(Ph::Workdir),
        "home" => Some(Ph::Home),
        "user" => Some(Ph::User),
        "last_arg" => Some(Ph::LastArg),
        "each" => Some(Ph::Each),
        "pkg" => Some(Ph::Pkg),
        "venv" => Some(Ph::Venv),
        "site_packages" => Some(Ph::SitePackages),
        "python" => Some(Ph::Python),
        "project" => Some(Ph::Project),
        "url" => Some(Ph::Url),
        "program_dir" => Some(Ph::ProgramDir),
        "scripts" => Some(Ph::Scripts),
        "program" => Some(Ph::Program),
        _ => None,
    };
    if simple.is_some() {
        return simple;
    }
    let (head, param) = name.split_once(':')?;
    match head {
        "env" if super::shell::is_name(param) => Some(Ph::Env(param.to_string())),
        "arg" => param.parse().ok().map(Ph::Arg),
        "flag" => {
            let flags: Vec<String> = param
                .split(',')
                .map(str::trim)
                .map(str::to_string)
                .collect();
            flags
                .iter()
                .all(|f| f.starts_with('-') && f.len() > 1)
                .then_some(Ph::Flag(flags))
        }
        "base" => placeholder(param).map(|p| Ph::Base(Box::new(p))),
        "stem" => placeholder(param).map(|p| Ph::Stem(Box::new(p))),
        "top" => placeholder(param).map(|p| Ph::Top(Box::new(p))),
        "input" => placeholder(param).map(|p| Ph::Input(Box::new(p))),
        _ => None,
    }
}

// Small typed getters that name the field in their errors.

pub(crate) fn obj<'v>(v: &'v Value, path: &str) -> R<&'v Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| format!("{path}: expected an object"))
}

pub(crate) fn check_keys(o: &Map<String, Value>, allowed: &[&str], path: &str) -> R<()> {
    for key in o.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(format!(
                "{path}: unknown field `{key}` (expected one of {})",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

pub(crate) fn opt_str(o: &Map<String, Value>, key: &str, path: &str) -> R<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{path}.{key}: expected a string")),
    }
}

pub(crate) fn req_str(o: &Map<String, Value>, key: &str, path: &str) -> R<String> {
    opt_str(o, key, path)?.ok_or_else(|| format!("{path}: missing field `{key}`"))
}

fn opt_template(o: &Map<String, Value>, key: &str, path: &str) -> R<Option<Template>> {
    match opt_str(o, key, path)? {
        Some(s) => Ok(Some(template(&s, &format!("{path}.{key}"))?)),
        None => Ok(None),
    }
}

fn req_template(o: &Map<String, Value>, key: &str, path: &str) -> R<Template> {
    template(&req_str(o, key, path)?, &format!("{path}.{key}"))
}

fn opt_bool(o: &Map<String, Value>, key: &str, path: &str) -> R<Option<bool>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{path}.{key}: expected true or false")),
    }
}

fn opt_f64(o: &Map<String, Value>, key: &str, path: &str) -> R<Option<f64>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(Some)
            .ok_or_else(|| format!("{path}.{key}: expected a non-negative number")),
    }
}

pub(crate) fn req_f64(o: &Map<String, Value>, key: &str, path: &str) -> R<f64> {
    opt_f64(o, key, path)?.ok_or_else(|| format!("{path}: missing field `{key}`"))
}

fn opt_usize(o: &Map<String, Value>, key: &str, path: &str) -> R<Option<usize>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("{path}.{key}: expected a whole number")),
    }
}

fn req_u64(o: &Map<String, Value>, key: &str, path: &str) -> R<u64> {
    match o.get(key) {
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("{path}.{key}: expected a whole number of bytes")),
        None => Err(format!("{path}: missing field `{key}`")),
    }
}

/// A string or a list of strings (a single program, flag or path needs no brackets).
pub(crate) fn str_list(o: &Map<String, Value>, key: &str, path: &str) -> R<Vec<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{path}.{key}[{i}]: expected a string"))
            })
            .collect(),
        Some(_) => Err(format!(
            "{path}.{key}: expected a string or a list of strings"
        )),
    }
}

#[cfg(test)]
mod embedded_tests {
    use super::*;

    /// `build.rs` drops only fields the reader never looks at: the table read from the
    /// embedded, compacted files is the one read from the files as written.
    #[test]
    fn the_compacted_table_reads_as_the_original() {
        let read = |recipes: &str, artifacts: &str| {
            parse_table(
                recipes,
                parse_artifacts(artifacts).unwrap_or_default(),
                None,
            )
        };
        let original = read(
            include_str!("../../data/recipes.json"),
            include_str!("../../data/artifacts.json"),
        );
        let embedded = read(super::super::RECIPES_JSON, super::super::ARTIFACTS_JSON);
        assert!(original.is_ok(), "{original:?}");
        assert_eq!(embedded, original);
        assert!(
            super::super::RECIPES_JSON.len()
                < include_str!("../../data/recipes.json").len() * 3 / 4,
            "the notes and indentation are gone"
        );
    }
}
