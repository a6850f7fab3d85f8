//! The base-image catalog: what `FROM <image>` starts a stage with (size, layers, config,
//! shell, package manager, notable paths), from data files compiled into the crate, plus
//! images the user imports from `docker image inspect` or an OCI manifest and config.
//!
//! The data lives in `data/images/<family>.json`, one entry per tag, each keeping the
//! sources and confidence of the facts it was built from. References are normalised as
//! Docker does; a tag the catalog lacks resolves to the nearest catalogued one with a
//! visible note, so an estimate is never presented as a measurement.

mod import;
mod nearest;
pub mod reference;

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::recipes::json;
use crate::vfs::Kind;
pub use import::{import_docker_inspect, import_oci, ImportError};
use reference::{ImageRef, RefError};

/// The shell a base image offers to `RUN` in shell form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    /// No shell at all (scratch, distroless): only exec-form RUN/CMD work.
    None,
    /// A POSIX `/bin/sh` (dash, BusyBox ash) but no bash.
    Sh,
    /// `/bin/bash` exists (and `/bin/sh`).
    Bash,
    /// BusyBox's ash (the busybox image, distroless `:debug` at `/busybox/sh`).
    Busybox,
}

impl Shell {
    pub fn as_str(self) -> &'static str {
        match self {
            Shell::None => "none",
            Shell::Sh => "sh",
            Shell::Bash => "bash",
            Shell::Busybox => "busybox",
        }
    }
}

/// The package manager a base image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Apt,
    Apk,
    Dnf,
    Microdnf,
    Yum,
    None,
}

impl PackageManager {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Apk => "apk",
            PackageManager::Dnf => "dnf",
            PackageManager::Microdnf => "microdnf",
            PackageManager::Yum => "yum",
            PackageManager::None => "none",
        }
    }

    pub fn is_none(self) -> bool {
        self == PackageManager::None
    }
}

/// A notable path in a base image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogFile {
    /// Absolute, normalised.
    pub path: String,
    pub kind: Kind,
    /// For a `Tree`, the bytes of everything under it.
    pub bytes: u64,
    /// What it is; "(estimated)" marks sizes not taken from a measurement.
    pub what: String,
    /// For symlinks, the link text as stored (`dash`, `/bin/busybox`).
    pub target: Option<String>,
}

/// One image tag as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageEntry {
    /// Canonical: `docker.io/library/node:20`; `scratch` for the empty image.
    pub reference: String,
    /// As written on Docker Hub or the registry: `node`, `gcr.io/distroless/nodejs20-debian12`.
    pub name: String,
    pub tag: String,
    /// Other tags of the same repository that name the same image (`20-bookworm`, `iron`).
    pub aliases: Vec<String>,
    /// The data file it came from (`node`), or `imported`.
    pub family: String,
    pub os: String,
    /// `glibc`, `musl` or `none`.
    pub libc: String,
    /// On-disk size (`docker images` SIZE), bytes.
    pub uncompressed_bytes: u64,
    /// Registry size (sum of gzip'd layer blobs, what a pull downloads), bytes.
    pub compressed_bytes: u64,
    pub layers: u32,
    /// The default user (`root`, `65532`).
    pub user: String,
    pub workdir: String,
    pub env: BTreeMap<String, String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// `80/tcp`.
    pub expose: Vec<String>,
    pub stopsignal: Option<String>,
    pub shell: Shell,
    pub package_manager: PackageManager,
    pub files: Vec<CatalogFile>,
    /// Commands available on PATH: go, node, npm, yarn, python3, pip, java, javac, mvn,
    /// gradle, cargo, rustc, gcc, make, git, curl, wget (and ruby, gem, bundle, php).
    pub toolchains: Vec<String>,
    /// Where the facts come from. Like `notes`, provenance for the people who maintain
    /// the data: empty in the page's wasm build, which shows neither (see `build.rs`).
    pub sources: Vec<String>,
    /// `measured`, `reported` or `estimated` (the weakest of the two sizes).
    pub confidence: String,
    pub notes: String,
}

impl ImageEntry {
    /// The short form people write: `node:20-alpine`, `gcr.io/distroless/cc-debian12:debug`.
    pub fn familiar(&self) -> String {
        if self.tag.is_empty() {
            return self.name.clone();
        }
        match reference::parse(&self.reference) {
            Ok(r) => r.familiar(),
            Err(_) => format!("{}:{}", self.name, self.tag),
        }
    }

    /// Whether `command` is on this image's PATH according to the catalog.
    pub fn has_toolchain(&self, command: &str) -> bool {
        self.toolchains.iter().any(|t| t == command)
    }

    /// The catalogued path, if listed.
    pub fn file(&self, path: &str) -> Option<&CatalogFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// What a `FROM` reference resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution<'a> {
    /// `FROM scratch`: the empty image.
    Scratch,
    /// A catalogued tag (directly or through an alias).
    Exact(&'a ImageEntry),
    /// Not catalogued as written; `entry` is the closest one and `note` says so
    /// ("estimated from node:20-alpine").
    Nearest { entry: &'a ImageEntry, note: String },
    /// Not in the catalog at all; up to three close names.
    Unknown {
        reference: String,
        suggestions: Vec<String>,
    },
}

impl<'a> Resolution<'a> {
    /// The entry to simulate with, if any.
    pub fn entry(&self) -> Option<&'a ImageEntry> {
        match self {
            Resolution::Exact(entry) | Resolution::Nearest { entry, .. } => Some(entry),
            Resolution::Scratch | Resolution::Unknown { .. } => None,
        }
    }
}

/// How suggestions sort: name distance, tag distance, newer first, the reference.
type SuggestKey = (usize, usize, Reverse<Option<Vec<u64>>>, String);

/// All known images, indexed by canonical reference and alias.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<ImageEntry>,
    /// Canonical repository name (`docker.io/library/node`) of each entry; empty for scratch.
    repos: Vec<String>,
    /// `docker.io/library/node:20` (and every alias) → entry index.
    index: BTreeMap<String, usize>,
    /// Canonical repository name → entry indices, for nearest-tag search.
    by_repo: BTreeMap<String, Vec<usize>>,
    scratch: Option<usize>,
}

/// A data file as `build.rs` prepared it for embedding (in `OUT_DIR`).
macro_rules! embedded {
    ($file:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/data/", $file))
    };
}

/// The data files, embedded so the core reads nothing at run time (as `build.rs` prepared
/// them: minified, and for the page without the entries' `sources` and `notes`).
const DATA: &[(&str, &str)] = &[
    ("alpine", embedded!("images/alpine.json")),
    ("busybox", embedded!("images/busybox.json")),
    ("cypress", embedded!("images/cypress.json")),
    ("debian", embedded!("images/debian.json")),
    ("distroless", embedded!("images/distroless.json")),
    ("eclipse-temurin", embedded!("images/eclipse-temurin.json")),
    ("golang", embedded!("images/golang.json")),
    ("maven", embedded!("images/maven.json")),
    ("nginx", embedded!("images/nginx.json")),
    ("node", embedded!("images/node.json")),
    ("openjdk", embedded!("images/openjdk.json")),
    ("php", embedded!("images/php.json")),
    ("python", embedded!("images/python.json")),
    ("ruby", embedded!("images/ruby.json")),
    ("rust", embedded!("images/rust.json")),
    ("scratch", embedded!("images/scratch.json")),
    ("ubuntu", embedded!("images/ubuntu.json")),
];

/// An entry of a data file, as written. The files are read as `serde_json::Value`s and
/// walked by hand (as the recipe table is): a derived reader would compile a second JSON
/// reader into the page. Unknown fields are errors, so a misspelt one cannot go unseen.
struct RawEntry {
    name: String,
    tag: String,
    aliases: Vec<String>,
    os: String,
    libc: String,
    uncompressed_mb: f64,
    compressed_mb: f64,
    layers: u32,
    user: String,
    workdir: String,
    env: BTreeMap<String, String>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    expose: Vec<String>,
    stopsignal: Option<String>,
    shell: Shell,
    package_manager: PackageManager,
    files: Vec<RawFile>,
    toolchains: Vec<String>,
    sources: Vec<String>,
    confidence: String,
    notes: String,
}

struct RawFile {
    path: String,
    kind: RawKind,
    mb: f64,
    what: String,
    target: Option<String>,
}

#[derive(Clone, Copy)]
enum RawKind {
    File,
    Dir,
    Symlink,
    Tree,
}

const ENTRY_FIELDS: &[&str] = &[
    "name",
    "tag",
    "aliases",
    "os",
    "libc",
    "uncompressed_mb",
    "compressed_mb",
    "layers",
    "user",
    "workdir",
    "env",
    "entrypoint",
    "cmd",
    "expose",
    "stopsignal",
    "shell",
    "package_manager",
    "files",
    "toolchains",
    "sources",
    "confidence",
    "notes",
];

fn raw_entry(v: &Value, path: &str) -> Result<RawEntry, String> {
    let o = json::obj(v, path)?;
    json::check_keys(o, ENTRY_FIELDS, path)?;
    let required = |key: &str| {
        o.get(key)
            .ok_or_else(|| format!("{path}: missing field `{key}`"))
    };
    let list = |key: &str| -> Result<Vec<String>, String> {
        match required(key)? {
            Value::Array(_) => json::str_list(o, key, path),
            _ => Err(format!("{path}.{key}: expected a list of strings")),
        }
    };
    let optional_list = |key: &str| match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => list(key).map(Some),
    };
    let layers = required("layers")?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{path}.layers: expected a whole number"))?;
    let mut env = BTreeMap::new();
    for (name, value) in json::obj(required("env")?, &format!("{path}.env"))? {
        let value = value
            .as_str()
            .ok_or_else(|| format!("{path}.env.{name}: expected a string"))?;
        env.insert(name.clone(), value.to_string());
    }
    let shell = match json::req_str(o, "shell", path)?.as_str() {
        "none" => Shell::None,
        "sh" => Shell::Sh,
        "bash" => Shell::Bash,
        "busybox" => Shell::Busybox,
        other => return Err(format!("{path}.shell: unknown shell `{other}`")),
    };
    let package_manager = match json::req_str(o, "package_manager", path)?.as_str() {
        "apt" => PackageManager::Apt,
        "apk" => PackageManager::Apk,
        "dnf" => PackageManager::Dnf,
        "microdnf" => PackageManager::Microdnf,
        "yum" => PackageManager::Yum,
        "none" => PackageManager::None,
        other => return Err(format!("{path}.package_manager: unknown `{other}`")),
    };
    let files = match required("files")? {
        Value::Array(files) => files
            .iter()
            .enumerate()
            .map(|(i, f)| raw_file(f, &format!("{path}.files[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(format!("{path}.files: expected a list")),
    };
    Ok(RawEntry {
        name: json::req_str(o, "name", path)?,
        tag: json::req_str(o, "tag", path)?,
        aliases: if o.contains_key("aliases") {
            list("aliases")?
        } else {
            Vec::new()
        },
        os: json::req_str(o, "os", path)?,
        libc: json::req_str(o, "libc", path)?,
        uncompressed_mb: json::req_f64(o, "uncompressed_mb", path)?,
        compressed_mb: json::req_f64(o, "compressed_mb", path)?,
        layers,
        user: json::req_str(o, "user", path)?,
        workdir: json::req_str(o, "workdir", path)?,
        env,
        entrypoint: optional_list("entrypoint")?,
        cmd: optional_list("cmd")?,
        expose: list("expose")?,
        stopsignal: json::opt_str(o, "stopsignal", path)?,
        shell,
        package_manager,
        files,
        toolchains: list("toolchains")?,
        sources: list("sources")?,
        confidence: json::req_str(o, "confidence", path)?,
        notes: json::req_str(o, "notes", path)?,
    })
}

fn raw_file(v: &Value, path: &str) -> Result<RawFile, String> {
    let o = json::obj(v, path)?;
    json::check_keys(o, &["path", "kind", "mb", "what", "target"], path)?;
    let kind = match json::req_str(o, "kind", path)?.as_str() {
        "file" => RawKind::File,
        "dir" => RawKind::Dir,
        "symlink" => RawKind::Symlink,
        "tree" => RawKind::Tree,
        other => return Err(format!("{path}.kind: unknown kind `{other}`")),
    };
    Ok(RawFile {
        path: json::req_str(o, "path", path)?,
        kind,
        mb: json::req_f64(o, "mb", path)?,
        what: json::req_str(o, "what", path)?,
        target: json::opt_str(o, "target", path)?,
    })
}

impl From<RawKind> for Kind {
    fn from(kind: RawKind) -> Kind {
        match kind {
            RawKind::File => Kind::File,
            RawKind::Dir => Kind::Dir,
            RawKind::Symlink => Kind::Symlink,
            RawKind::Tree => Kind::Tree,
        }
    }
}

/// MB in the data files are 10^6 bytes (what Docker Hub and `docker images` print).
fn mb_to_bytes(mb: f64) -> u64 {
    if mb.is_finite() && mb > 0.0 {
        (mb * 1_000_000.0).round() as u64
    } else {
        0
    }
}

/// The canonical reference of a catalogued name and tag (`scratch` stays `scratch`).
fn canonical_of(name: &str, tag: &str) -> String {
    if tag.is_empty() {
        return name.to_string();
    }
    match reference::parse(&format!("{name}:{tag}")) {
        Ok(r) => r.canonical(),
        Err(_) => format!("{name}:{tag}"),
    }
}

fn convert(family: &str, raw: RawEntry) -> ImageEntry {
    ImageEntry {
        reference: canonical_of(&raw.name, &raw.tag),
        name: raw.name,
        tag: raw.tag,
        aliases: raw.aliases,
        family: family.to_string(),
        os: raw.os,
        libc: raw.libc,
        uncompressed_bytes: mb_to_bytes(raw.uncompressed_mb),
        compressed_bytes: mb_to_bytes(raw.compressed_mb),
        layers: raw.layers,
        user: raw.user,
        workdir: raw.workdir,
        env: raw.env,
        entrypoint: raw.entrypoint,
        cmd: raw.cmd,
        expose: raw.expose,
        stopsignal: raw.stopsignal,
        shell: raw.shell,
        package_manager: raw.package_manager,
        files: raw
            .files
            .into_iter()
            .map(|f| CatalogFile {
                path: f.path,
                kind: f.kind.into(),
                bytes: mb_to_bytes(f.mb),
                what: f.what,
                target: f.target,
            })
            .collect(),
        toolchains: raw.toolchains,
        sources: raw.sources,
        confidence: raw.confidence,
        notes: raw.notes,
    }
}

/// Parses one data file; the error names the file and position.
fn parse_family(file: &str, text: &str) -> Result<Vec<ImageEntry>, String> {
    let place = format!("data/images/{file}.json");
    let value: Value = serde_json::from_str(text).map_err(|e| format!("{place}: {e}"))?;
    let top = json::obj(&value, &place)?;
    json::check_keys(top, &["family", "entries"], &place)?;
    let family = json::req_str(top, "family", &place)?;
    if family != file {
        return Err(format!("{place}: family is `{family}`, expected `{file}`"));
    }
    let Some(Value::Array(entries)) = top.get("entries") else {
        return Err(format!("{place}: expected an `entries` list"));
    };
    entries
        .iter()
        .enumerate()
        .map(|(i, v)| raw_entry(v, &format!("{place}: entries[{i}]")).map(|raw| convert(file, raw)))
        .collect()
}

/// Every embedded entry, and the problems of files that did not parse.
fn parse_builtin() -> (Vec<ImageEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in DATA {
        match parse_family(file, text) {
            Ok(mut parsed) => entries.append(&mut parsed),
            Err(e) => errors.push(e),
        }
    }
    (entries, errors)
}

impl Catalog {
    /// The compiled-in catalog, parsed once. A data file that fails to parse is left out
    /// rather than taking the simulator down; a test keeps that from ever shipping.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| Catalog::from_entries(parse_builtin().0))
    }

    /// The built-in entries plus user-imported ones; an import wins over a built-in entry
    /// with the same reference or alias.
    pub fn with_extra(extra: Vec<ImageEntry>) -> Catalog {
        let extra: Vec<ImageEntry> = extra
            .into_iter()
            .map(|mut e| {
                e.reference = canonical_of(&e.name, &e.tag);
                e
            })
            .collect();
        let mut claimed = std::collections::BTreeSet::new();
        for e in &extra {
            claimed.insert(e.reference.clone());
            for alias in &e.aliases {
                claimed.insert(canonical_of(&e.name, alias));
            }
        }
        let mut entries: Vec<ImageEntry> = Catalog::builtin()
            .entries
            .iter()
            .filter(|e| !claimed.contains(&e.reference))
            .cloned()
            .collect();
        entries.extend(extra);
        Catalog::from_entries(entries)
    }

    /// Later entries win index slots, which is how imports override built-ins' aliases.
    fn from_entries(entries: Vec<ImageEntry>) -> Catalog {
        let mut catalog = Catalog::default();
        for (i, entry) in entries.iter().enumerate() {
            if entry.tag.is_empty() && entry.name == "scratch" {
                catalog.scratch = Some(i);
                catalog.repos.push(String::new());
                continue;
            }
            let repo = reference::parse(&entry.reference)
                .map(|r| r.name())
                .unwrap_or_default();
            catalog.index.insert(entry.reference.clone(), i);
            for alias in &entry.aliases {
                catalog.index.insert(canonical_of(&entry.name, alias), i);
            }
            catalog.by_repo.entry(repo.clone()).or_default().push(i);
            catalog.repos.push(repo);
        }
        catalog.entries = entries;
        catalog
    }

    /// Every entry, in data-file order (then imports).
    pub fn entries(&self) -> impl Iterator<Item = &ImageEntry> {
        self.entries.iter()
    }

    /// The catalog's description of `scratch` (no files, size 0), for its notes.
    pub fn scratch(&self) -> Option<&ImageEntry> {
        self.scratch.and_then(|i| self.entries.get(i))
    }

    /// Resolves a `FROM` reference: scratch, a catalogued tag, the nearest one, or unknown.
    pub fn resolve(&self, reference: &str) -> Resolution<'_> {
        let written = reference.trim();
        // BuildKit treats exactly `scratch` as the empty image; `scratch:latest` is a pull
        // of a reserved name and fails.
        if written == "scratch" {
            return Resolution::Scratch;
        }
        let parsed = match reference::parse(written) {
            Ok(parsed) => parsed,
            Err(RefError::Uppercase { lowercase }) => {
                return Resolution::Unknown {
                    reference: written.to_string(),
                    suggestions: vec![lowercase],
                };
            }
            Err(_) => {
                return Resolution::Unknown {
                    reference: written.to_string(),
                    suggestions: self.suggest_raw(written),
                };
            }
        };
        if parsed.path == "library/scratch" {
            return Resolution::Unknown {
                reference: written.to_string(),
                suggestions: vec!["scratch".to_string()],
            };
        }
        let resolved = self.resolve_tag(&parsed);
        let Some(digest) = &parsed.digest else {
            return resolved;
        };
        // A digest pins bytes the catalog has never seen; fall back to the tag, visibly.
        let short: String = digest.chars().take(19).collect();
        match resolved {
            Resolution::Exact(entry) => Resolution::Nearest {
                note: format!(
                    "pinned by digest {short}…, which the catalog does not record; using {} as observed",
                    entry.familiar()
                ),
                entry,
            },
            Resolution::Nearest { entry, note } => Resolution::Nearest {
                note: format!("pinned by digest {short}…, which the catalog does not record; {note}"),
                entry,
            },
            other => other,
        }
    }

    fn resolve_tag(&self, parsed: &ImageRef) -> Resolution<'_> {
        if let Some(&i) = self.index.get(&parsed.canonical()) {
            if let Some(entry) = self.entries.get(i) {
                return Resolution::Exact(entry);
            }
        }
        let tag = parsed.tag_or_latest();
        let mut repo = parsed.name();
        let mut repo_note = None;
        if !self.by_repo.contains_key(&repo) {
            match self.nearest_distroless(parsed) {
                Some(found) => {
                    repo_note = Some(format!("the catalog has no {}", parsed.familiar_name()));
                    repo = found;
                }
                None => {
                    return Resolution::Unknown {
                        reference: parsed.familiar(),
                        suggestions: self.suggest(parsed),
                    };
                }
            }
        }
        let Some(choice) = self.nearest_in_repo(&repo, tag) else {
            return Resolution::Unknown {
                reference: parsed.familiar(),
                suggestions: self.suggest(parsed),
            };
        };
        let Some(entry) = self.entries.get(choice.entry) else {
            return Resolution::Unknown {
                reference: parsed.familiar(),
                suggestions: self.suggest(parsed),
            };
        };
        let path = repo.split_once('/').map_or("", |(_, p)| p);
        let mut reasons = Vec::new();
        if let Some(note) = repo_note {
            reasons.push(note);
        }
        if choice.variant_differs {
            // Say what is missing, or for a plain tag, what the catalog has instead.
            match nearest::variant_label(path, tag) {
                Some(variant) => reasons.push(format!("the catalog has no {variant} variant")),
                None => {
                    let has = nearest::variant_label(path, &entry.tag).unwrap_or_default();
                    reasons.push(format!("the catalog has only the {has} variant"));
                }
            }
        }
        if nearest::asks_for_newest(path, tag) && !choice.variant_differs {
            reasons.push(format!(
                "the newest in the catalog; `{tag}` moves as new versions ship"
            ));
        }
        if tag.chars().any(|c| c.is_ascii_uppercase()) {
            reasons.push(format!(
                "tags are case-sensitive, so `{tag}` itself may not exist"
            ));
        }
        let mut note = format!("estimated from {}", entry.familiar());
        if !reasons.is_empty() {
            note.push_str(&format!(" ({})", reasons.join("; ")));
        }
        Resolution::Nearest { entry, note }
    }

    fn nearest_in_repo(&self, repo: &str, tag: &str) -> Option<nearest::Choice> {
        let path = repo.split_once('/').map_or("", |(_, p)| p);
        let indices = self.by_repo.get(repo)?;
        let familiar: Vec<(usize, String, Option<Vec<u64>>)> = indices
            .iter()
            .filter_map(|&i| self.entries.get(i).map(|e| (i, e)))
            .map(|(i, e)| {
                let tags =
                    std::iter::once(e.tag.as_str()).chain(e.aliases.iter().map(String::as_str));
                (i, e.familiar(), nearest::newest_version(path, tags))
            })
            .collect();
        let mut forms = Vec::new();
        for (i, fam, newest) in &familiar {
            let Some(entry) = self.entries.get(*i) else {
                continue;
            };
            for tag in std::iter::once(&entry.tag).chain(entry.aliases.iter()) {
                forms.push(nearest::Form {
                    entry: *i,
                    tag,
                    familiar: fam,
                    newest: newest.as_deref(),
                });
            }
        }
        nearest::choose(path, tag, &forms)
    }

    /// `gcr.io/distroless/nodejs22-debian12` → the catalogued nodejs repository with the
    /// closest version; `gcr.io/distroless/static` → `static-debian12`.
    fn nearest_distroless(&self, parsed: &ImageRef) -> Option<String> {
        if parsed.domain != "gcr.io" || !parsed.path.starts_with("distroless/") {
            return None;
        }
        let last = parsed.path.rsplit('/').next().unwrap_or_default();
        let (kind, version) = nearest::distroless_kind(last);
        self.by_repo
            .keys()
            .filter(|repo| repo.starts_with("gcr.io/distroless/"))
            .filter_map(|repo| {
                let (k, v) = nearest::distroless_kind(repo.rsplit('/').next().unwrap_or_default());
                (k == kind).then(|| {
                    let distance = match (version, v) {
                        (Some(a), Some(b)) => a.abs_diff(b),
                        _ => 0,
                    };
                    (distance, Reverse(v), repo.clone())
                })
            })
            .min()
            .map(|(_, _, repo)| repo)
    }

    /// Up to three catalogued references close to an unknown one: repository names within
    /// a few edits (or one a prefix of the other), the tag nearest the one asked for.
    fn suggest(&self, parsed: &ImageRef) -> Vec<String> {
        let want_name = parsed.familiar_name();
        let want_last = parsed
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        self.suggest_by(&want_name, &want_last, parsed.tag_or_latest())
    }

    /// Suggestions for a reference Docker would refuse outright (bad characters).
    fn suggest_raw(&self, written: &str) -> Vec<String> {
        let lower = written.to_ascii_lowercase();
        let (name, tag) = lower.rsplit_once(':').unwrap_or((lower.as_str(), "latest"));
        let last = name.rsplit('/').next().unwrap_or_default();
        self.suggest_by(name, last, tag)
    }

    fn suggest_by(&self, want_name: &str, want_last: &str, want_tag: &str) -> Vec<String> {
        use stagecraft_analysis::suggest::{edit_distance, edit_distance_within};
        if want_name.len() > 256 || want_tag.len() > 256 {
            return Vec::new();
        }
        let limit = (want_name.chars().count() / 3).max(2);
        // (name distance, tag distance, newer first, reference): `go` suggests the newest
        // golang tags rather than the oldest.
        let mut scored: Vec<SuggestKey> = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let Some(repo) = self.repos.get(i).filter(|r| !r.is_empty()) else {
                continue;
            };
            let (domain, path) = repo.split_once('/').unwrap_or_default();
            let name = reference::familiar_name(domain, path);
            let last = path.rsplit('/').next().unwrap_or_default();
            let prefix = !want_last.is_empty()
                && !last.is_empty()
                && (last.starts_with(want_last) || want_last.starts_with(last));
            // Bounded distances: most catalog names are ruled out by length alone.
            let close = edit_distance_within(want_name, &name, limit)
                .into_iter()
                .chain(edit_distance_within(want_last, last, limit))
                .min();
            let distance = match (close, prefix) {
                (Some(d), _) => d,
                (None, true) => limit + 1,
                (None, false) => continue,
            };
            let best_tag = std::iter::once(&entry.tag)
                .chain(entry.aliases.iter())
                .map(|t| (edit_distance(want_tag, t), t))
                .min();
            let tags =
                std::iter::once(entry.tag.as_str()).chain(entry.aliases.iter().map(String::as_str));
            let newest = Reverse(nearest::newest_version(path, tags));
            if let Some((tag_distance, tag)) = best_tag {
                scored.push((distance, tag_distance, newest, format!("{name}:{tag}")));
            }
        }
        stagecraft_syntax::order::sort(&mut scored);
        let mut out: Vec<String> = Vec::new();
        for (_, _, _, s) in scored {
            if !out.contains(&s) {
                out.push(s);
            }
            if out.len() == 3 {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    //! Tests of the shipped data and of resolution: every file parses, every image of the
    //! facts resolves exactly, sizes add up, and unknown or unlisted tags are handled visibly.

    use super::*;
    use crate::vfs;

    /// The 50 images of `shared/base-images/facts.json`, as references (`image`:`tag`).
    const FACTS_REFERENCES: &[&str] = &[
        "alpine:3.18",
        "alpine:3.19",
        "alpine:3.20",
        "busybox:latest",
        "debian:bookworm",
        "debian:bookworm-slim",
        "ubuntu:22.04",
        "ubuntu:24.04",
        "node:12",
        "node:18",
        "node:18-alpine",
        "node:20",
        "node:20-slim",
        "node:20-alpine",
        "golang:1.14",
        "golang:1.20",
        "golang:1.21",
        "golang:1.22",
        "golang:1.22-alpine",
        "golang:1.21-alpine",
        "python:3.10",
        "python:3.10-slim",
        "python:3.12-slim",
        "rust:1.70",
        "rust:slim",
        "eclipse-temurin:17-jdk",
        "eclipse-temurin:17-jre-alpine",
        "openjdk:17-slim",
        "maven:3.8.6-openjdk-17",
        "maven:3.9-eclipse-temurin-17",
        "nginx:1.25-alpine",
        "nginx:1.27-alpine",
        "nginx:latest",
        "php:8-apache",
        "ruby:3-slim",
        "gcr.io/distroless/static-debian12:latest",
        "gcr.io/distroless/static-debian12:nonroot",
        "gcr.io/distroless/static-debian12:debug",
        "gcr.io/distroless/base-debian12:latest",
        "gcr.io/distroless/base-debian12:debug",
        "gcr.io/distroless/cc-debian12:latest",
        "gcr.io/distroless/cc-debian12:debug",
        "gcr.io/distroless/nodejs20-debian12:latest",
        "gcr.io/distroless/nodejs20-debian12:debug",
        "gcr.io/distroless/java17-debian12:latest",
        "gcr.io/distroless/java17-debian12:debug",
        "gcr.io/distroless/python3-debian12:latest",
        "gcr.io/distroless/python3-debian12:debug",
        "cypress/included:12.8.1",
    ];

    const TOOLCHAINS: &[&str] = &[
        "go", "node", "npm", "yarn", "python3", "pip", "java", "javac", "mvn", "gradle", "cargo",
        "rustc", "gcc", "make", "git", "curl", "wget", "ruby", "gem", "bundle", "php",
    ];

    fn catalog() -> &'static Catalog {
        Catalog::builtin()
    }

    fn exact(reference: &str) -> &'static ImageEntry {
        match catalog().resolve(reference) {
            Resolution::Exact(entry) => entry,
            other => panic!("{reference}: expected Exact, got {other:?}"),
        }
    }

    /// The entry and note of a Nearest resolution.
    fn nearest(reference: &str) -> (String, String) {
        match catalog().resolve(reference) {
            Resolution::Nearest { entry, note } => (entry.familiar(), note),
            Resolution::Exact(entry) => panic!(
                "{reference}: expected Nearest, got Exact {}",
                entry.reference
            ),
            other => panic!("{reference}: expected Nearest, got {other:?}"),
        }
    }

    fn unknown(reference: &str) -> Vec<String> {
        match catalog().resolve(reference) {
            Resolution::Unknown { suggestions, .. } => suggestions,
            other => panic!("{reference}: expected Unknown, got {other:?}"),
        }
    }

    /// The hand-walked reader is as strict as a derived one: a misspelt or missing field,
    /// in an entry or in one of its files, is an error naming the place.
    #[test]
    fn a_misspelt_or_missing_field_is_an_error_with_its_place() {
        let alpine = DATA
            .iter()
            .find(|(f, _)| *f == "alpine")
            .map_or("", |(_, t)| t);
        let edited = |edit: &dyn Fn(&mut Value)| {
            let mut value: Value = serde_json::from_str(alpine).unwrap_or_default();
            edit(&mut value["entries"][0]);
            parse_family("alpine", &value.to_string()).map(|e| e.len())
        };
        assert!(edited(&|_| {}).is_ok_and(|n| n > 1));
        let misspelt = edited(&|e| e["toolchain"] = Value::Null);
        assert!(
            misspelt
                .as_ref()
                .is_err_and(|m| m.contains("entries[0]: unknown field `toolchain`")),
            "{misspelt:?}"
        );
        let in_file = edited(&|e| e["files"][0]["size"] = Value::Null);
        assert!(
            in_file
                .as_ref()
                .is_err_and(|m| m.contains("entries[0].files[0]: unknown field `size`")),
            "{in_file:?}"
        );
        let missing = edited(&|e| {
            e.as_object_mut().map(|o| o.remove("libc"));
        });
        assert!(
            missing
                .as_ref()
                .is_err_and(|m| m.contains("missing field `libc`")),
            "{missing:?}"
        );
        let bad_shell = edited(&|e| e["shell"] = Value::from("fish"));
        assert!(bad_shell.is_err(), "{bad_shell:?}");
    }

    /// `build.rs` only minifies the catalog for native builds (the tests, the CLI): every
    /// entry reads as it does from the file as written.
    #[test]
    fn the_compacted_data_files_read_as_the_originals() {
        for (file, embedded) in DATA {
            let path = format!("{}/data/images/{file}.json", env!("CARGO_MANIFEST_DIR"));
            let original = std::fs::read_to_string(&path).unwrap_or_default();
            let original = parse_family(file, &original);
            assert!(original.is_ok(), "{path}: {original:?}");
            assert_eq!(parse_family(file, embedded), original, "{file}");
            assert!(embedded.len() < std::fs::metadata(&path).map_or(0, |m| m.len()) as usize);
        }
    }

    #[test]
    fn every_shipped_data_file_parses_and_is_embedded() {
        let (entries, errors) = parse_builtin();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(
            entries.len(),
            FACTS_REFERENCES.len() + 1,
            "the 49 images plus scratch"
        );
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/images");
        let mut on_disk: Vec<String> = match std::fs::read_dir(dir) {
            Ok(read) => read
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".json"))
                        .map(str::to_string)
                })
                .collect(),
            Err(e) => panic!("{dir}: {e}"),
        };
        on_disk.sort();
        let embedded: Vec<String> = DATA.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(
            on_disk, embedded,
            "every data file is in DATA, in name order"
        );
        assert_eq!(catalog().entries().count(), entries.len());
    }

    #[test]
    fn every_facts_image_resolves_exactly() {
        assert_eq!(catalog().resolve("scratch"), Resolution::Scratch);
        for reference in FACTS_REFERENCES {
            let entry = exact(reference);
            assert_eq!(&entry.familiar(), reference);
        }
    }

    #[test]
    fn entries_are_consistent() {
        let mut seen = std::collections::BTreeSet::new();
        for e in catalog().entries() {
            let id = e.familiar();
            for key in std::iter::once(e.reference.clone())
                .chain(e.aliases.iter().map(|a| canonical_of(&e.name, a)))
            {
                assert!(seen.insert(key.clone()), "{id}: {key} is claimed twice");
            }
            assert!(e.compressed_bytes <= e.uncompressed_bytes, "{id}");
            assert!(
                ["glibc", "musl", "none"].contains(&e.libc.as_str()),
                "{id}: libc {}",
                e.libc
            );
            assert!(
                ["measured", "reported", "estimated"].contains(&e.confidence.as_str()),
                "{id}"
            );
            assert!(
                !e.sources.is_empty() && !e.notes.is_empty() && !e.os.is_empty(),
                "{id}"
            );
            assert!(e.workdir.starts_with('/') && !e.user.is_empty(), "{id}");
            assert!(e.layers > 0 || e.name == "scratch", "{id}");
            for t in &e.toolchains {
                assert!(TOOLCHAINS.contains(&t.as_str()), "{id}: toolchain {t}");
            }
            for value in e.env.values() {
                assert!(
                    !value.contains(" / ") && !value.contains("..."),
                    "{id}: env value {value}"
                );
            }
            for f in &e.files {
                assert_eq!(
                    vfs::normalize(&f.path, "/"),
                    f.path,
                    "{id}: path not normalised"
                );
                assert_eq!(
                    f.kind == Kind::Symlink,
                    f.target.is_some(),
                    "{id}: {} target",
                    f.path
                );
                assert!(!f.what.is_empty(), "{id}: {}", f.path);
                let inside_tree = e.files.iter().any(|t| {
                    t.kind == Kind::Tree && t.path != f.path && vfs::is_within(&f.path, &t.path)
                });
                assert!(!inside_tree, "{id}: {} lies inside a tree entry", f.path);
            }
            let has = |p: &str| e.file(p).is_some();
            match e.shell {
                Shell::Bash => assert!(has("/bin/bash") && has("/bin/sh"), "{id}: bash"),
                Shell::Sh => assert!(has("/bin/sh") && !has("/bin/bash"), "{id}: sh"),
                Shell::Busybox => assert!(has("/bin/sh") || has("/busybox"), "{id}: busybox"),
                Shell::None => assert!(!has("/bin/sh"), "{id}: no shell"),
            }
            match e.package_manager {
                PackageManager::Apt => {
                    assert!(has("/var/lib/dpkg") && has("/usr/bin/apt-get"), "{id}: apt")
                }
                PackageManager::Apk => assert!(has("/lib/apk/db") && has("/sbin/apk"), "{id}: apk"),
                PackageManager::Microdnf => assert!(has("/usr/bin/microdnf"), "{id}: microdnf"),
                PackageManager::None | PackageManager::Dnf | PackageManager::Yum => {}
            }
        }
    }

    #[test]
    fn listed_files_fit_in_the_image() {
        for e in catalog().entries() {
            let listed: u64 = e.files.iter().map(|f| f.bytes).sum();
            assert!(
                listed <= e.uncompressed_bytes,
                "{}: files add up to {listed} bytes, more than the image's {}",
                e.familiar(),
                e.uncompressed_bytes
            );
        }
    }

    #[test]
    fn scratch_is_empty() {
        assert_eq!(catalog().resolve("scratch"), Resolution::Scratch);
        assert_eq!(catalog().resolve("  scratch "), Resolution::Scratch);
        let Some(s) = catalog().scratch() else {
            panic!("scratch entry missing")
        };
        assert!(s.files.is_empty());
        assert_eq!(
            (s.uncompressed_bytes, s.compressed_bytes, s.layers),
            (0, 0, 0)
        );
        assert_eq!(
            (s.shell, s.package_manager),
            (Shell::None, PackageManager::None)
        );
        assert_eq!(unknown("scratch:latest"), vec!["scratch".to_string()]);
    }

    #[test]
    fn aliases_and_docker_hub_forms_resolve_to_the_same_entry() {
        let node18 = exact("node:18");
        for form in [
            "docker.io/library/node:18",
            "library/node:18",
            "index.docker.io/library/node:18",
            "node:hydrogen",
        ] {
            assert_eq!(exact(form).reference, node18.reference, "{form}");
        }
        assert_eq!(node18.reference, "docker.io/library/node:18");
        assert_eq!(exact("node:iron").tag, "20");
        assert_eq!(exact("node:iron-alpine").tag, "20-alpine");
        assert_eq!(exact("debian:12").tag, "bookworm");
        assert_eq!(exact("ubuntu:jammy").tag, "22.04");
        assert_eq!(exact("nginx").tag, "latest");
        assert_eq!(exact("nginx:mainline").tag, "latest");
        assert_eq!(exact("eclipse-temurin:17").tag, "17-jdk");
        assert_eq!(exact("busybox:1.36").tag, "latest");
        assert_eq!(
            exact("docker.io/cypress/included:12.8.1").name,
            "cypress/included"
        );
        assert_eq!(exact("GCR.IO/distroless/static-debian12").tag, "latest");
    }

    #[test]
    fn digest_pinned_references_fall_back_to_the_tag_with_a_note() {
        let digest = "sha256:ad58eb609e8447fa2b6c925e15186682fd86bb00a976ccb04b165243ae4ed92e";
        let (entry, note) = nearest(&format!("node:20@{digest}"));
        assert_eq!(entry, "node:20");
        assert!(
            note.contains("digest sha256:ad58eb609e84") && note.contains("using node:20"),
            "{note}"
        );
        let (entry, note) = nearest(&format!("node@{digest}"));
        assert_eq!(entry, "node:20");
        assert!(
            note.contains("digest") && note.contains("estimated from node:20"),
            "{note}"
        );
        let (entry, note) = nearest(&format!("node:21-alpine@{digest}"));
        assert_eq!(entry, "node:20-alpine");
        assert!(note.contains("estimated from node:20-alpine"), "{note}");
        assert!(matches!(
            catalog().resolve("node:20@sha256:123"),
            Resolution::Unknown { .. }
        ));
    }

    #[test]
    fn unlisted_tags_resolve_to_the_nearest_with_a_note() {
        let cases = [
            ("node:21-alpine", "node:20-alpine"),
            ("node:22", "node:20"),
            ("node:16-alpine3.18", "node:18-alpine"),
            ("node:20.11.1-slim", "node:20-slim"),
            ("node:lts-alpine", "node:20-alpine"),
            ("node:21-bullseye", "node:20"),
            ("golang:1.23-bookworm", "golang:1.22"),
            ("golang:1.23", "golang:1.22"),
            ("golang:1.23-alpine3.20", "golang:1.22-alpine"),
            ("golang:alpine", "golang:1.22-alpine"),
            ("golang:1.19", "golang:1.20"),
            ("python:3.11-slim-bookworm", "python:3.12-slim"),
            ("python:3.13-slim", "python:3.12-slim"),
            ("python:3.9", "python:3.10"),
            ("python:3.11-alpine", "python:3.12-slim"),
            (
                "eclipse-temurin:21-jre-alpine",
                "eclipse-temurin:17-jre-alpine",
            ),
            ("eclipse-temurin:21-jdk-jammy", "eclipse-temurin:17-jdk"),
            ("eclipse-temurin:21", "eclipse-temurin:17-jdk"),
            ("nginx:1.26-alpine", "nginx:1.27-alpine"),
            ("nginx:alpine", "nginx:1.27-alpine"),
            ("nginx:1.24", "nginx:latest"),
            ("nginx:stable-alpine-slim", "nginx:1.27-alpine"),
            ("alpine:3.21", "alpine:3.20"),
            ("alpine:3.18.4", "alpine:3.18"),
            ("alpine", "alpine:3.20"),
            ("debian:bullseye-slim", "debian:bookworm-slim"),
            ("debian:trixie", "debian:bookworm"),
            ("debian:stable-slim", "debian:bookworm-slim"),
            ("ubuntu:20.04", "ubuntu:22.04"),
            ("ubuntu:focal", "ubuntu:22.04"),
            ("ubuntu", "ubuntu:24.04"),
            (
                "gcr.io/distroless/static-debian12:debug-nonroot",
                "gcr.io/distroless/static-debian12:debug",
            ),
            (
                "gcr.io/distroless/base-debian12:nonroot",
                "gcr.io/distroless/base-debian12:latest",
            ),
            (
                "gcr.io/distroless/nodejs22-debian12",
                "gcr.io/distroless/nodejs20-debian12:latest",
            ),
            (
                "gcr.io/distroless/nodejs22-debian12:debug",
                "gcr.io/distroless/nodejs20-debian12:debug",
            ),
            (
                "gcr.io/distroless/static",
                "gcr.io/distroless/static-debian12:latest",
            ),
            (
                "gcr.io/distroless/java21-debian12",
                "gcr.io/distroless/java17-debian12:latest",
            ),
            (
                "gcr.io/distroless/base-nossl-debian12",
                "gcr.io/distroless/base-debian12:latest",
            ),
            (
                "maven:3.9.6-eclipse-temurin-21",
                "maven:3.9-eclipse-temurin-17",
            ),
            ("maven:3-openjdk-11", "maven:3.8.6-openjdk-17"),
            ("rust:1.75", "rust:1.70"),
            ("ruby:3.3-slim", "ruby:3-slim"),
            ("php:8.2-apache", "php:8-apache"),
        ];
        for (reference, expected) in cases {
            let (entry, note) = nearest(reference);
            assert_eq!(entry, expected, "{reference}: {note}");
            assert!(
                note.starts_with(&format!("estimated from {expected}")),
                "{reference}: {note}"
            );
        }
        // The plain case reads exactly like the brief's example.
        assert_eq!(nearest("node:21-alpine").1, "estimated from node:20-alpine");
        assert!(nearest("python:3.11-alpine")
            .1
            .contains("no alpine variant"));
        assert!(nearest("alpine:latest").1.contains("newest"));
        assert!(nearest("gcr.io/distroless/nodejs22-debian12")
            .1
            .contains("no gcr.io/distroless/nodejs22-debian12"));
        assert!(nearest("node:20-Alpine").1.contains("case-sensitive"));
        assert!(nearest("ruby:3.2").1.contains("only the slim variant"));
    }

    #[test]
    fn unknown_images_get_close_suggestions() {
        assert!(unknown("ngnix:latest").contains(&"nginx:latest".to_string()));
        assert_eq!(
            unknown("nodejs:20").first().map(String::as_str),
            Some("node:20")
        );
        assert_eq!(
            unknown("pyhton:3.12-slim").first().map(String::as_str),
            Some("python:3.12-slim")
        );
        assert!(unknown("go:1.22").contains(&"golang:1.22".to_string()));
        assert_eq!(
            unknown("go").first().map(String::as_str),
            Some("golang:1.22")
        );
        assert!(unknown("postgres:16").is_empty());
        assert!(unknown("ngnix").len() <= 3);
        assert_eq!(unknown("Node:20"), vec!["node:20".to_string()]);
        assert!(matches!(catalog().resolve(""), Resolution::Unknown { .. }));
        assert!(matches!(
            catalog().resolve("node:20 AS build"),
            Resolution::Unknown { .. }
        ));
        assert!(matches!(
            catalog().resolve("gcr.io/distroless/dotnet"),
            Resolution::Unknown { .. }
        ));
        let huge = "x".repeat(100_000);
        assert!(matches!(
            catalog().resolve(&huge),
            Resolution::Unknown { .. }
        ));
    }

    #[test]
    fn hostile_references_never_panic() {
        let long_tag = format!("node:{}", "9".repeat(60));
        let hostile = [
            ":",
            "@",
            "a@",
            "@sha256:",
            "node:20@",
            "ü:1",
            "nöde",
            "gcr.io/distroless/",
            "gcr.io/distroless/-debian12",
            "gcr.io/distroless/debian12",
            "localhost:/x",
            "a/b/c/d/e:f",
            long_tag.as_str(),
            "node:1.2.3.4.5.6.7",
            "node:v20",
            "node:--",
            "node:20-",
            "debian:bookworm-slim-slim",
            "ubuntu:99.99",
            "\u{0}",
            "node:20\nAS x",
            "library/",
            "/node",
            "node//x",
            "gcr.io:99999999999999999999/x",
            "docker.io/library/library/node",
        ];
        for reference in hostile {
            let _ = catalog().resolve(reference);
        }
        assert_eq!(nearest("node:v20").0, "node:20");
        assert_eq!(nearest("node:1.2.3.4.5.6.7").0, "node:12");
    }

    #[test]
    fn imported_entries_join_and_win() {
        let inspect = r#"[{"RepoTags": ["node:20", "node:iron", "acme/api:2"], "Size": 1200000000,
        "Config": {"Env": ["NODE_VERSION=20.19.0"], "Cmd": ["node"]}, "RootFS": {"Layers": ["a", "b"]}}]"#;
        let Ok(mine) = import_docker_inspect(inspect) else {
            panic!("import failed")
        };
        let api = ImageEntry {
            reference: String::new(),
            name: "acme/api".into(),
            tag: "2".into(),
            ..mine.clone()
        };
        let catalog = Catalog::with_extra(vec![mine, api]);
        let Resolution::Exact(node20) = catalog.resolve("node:20") else {
            panic!("node:20")
        };
        assert_eq!(
            (node20.family.as_str(), node20.uncompressed_bytes),
            ("imported", 1_200_000_000)
        );
        let Resolution::Exact(iron) = catalog.resolve("node:iron") else {
            panic!("node:iron")
        };
        assert_eq!(iron.family, "imported");
        let Resolution::Exact(api) = catalog.resolve("docker.io/acme/api:2") else {
            panic!("acme/api:2")
        };
        assert_eq!(api.reference, "docker.io/acme/api:2");
        // Built-ins the import does not shadow stay, and the count is one built-in fewer plus two.
        assert_eq!(
            catalog
                .resolve("node:18")
                .entry()
                .map(|e| e.family.as_str()),
            Some("node")
        );
        assert_eq!(
            catalog.entries().count(),
            Catalog::builtin().entries().count() + 1
        );
    }
}
