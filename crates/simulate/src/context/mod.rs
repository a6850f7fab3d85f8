//! The build context: the files `docker build` sends to BuildKit, from a preset project
//! (`data/contexts/<name>.json`) or a listing the user edits, with its `.dockerignore`,
//! and what a COPY/ADD source selects from it under BuildKit's rules.
//!
//! Only sizes are modelled, never contents: the simulator needs to know what a `COPY`
//! brings into a layer and what `.dockerignore` kept out, not what the files say.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use stagecraft_analysis::dockerignore::{clean_path, Patterns};

use crate::recipes::json;

mod detect;
mod gomatch;
mod listing;

pub use detect::detect;
pub use gomatch::contains_wildcards;
pub use listing::{parse_size, MAX_FILES, MAX_FILE_BYTES, MAX_LINE};

/// One file of the context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ContextFile {
    /// Relative to the context root, normalised: `/`-separated, no leading `./`, no `.`
    /// or `..` segments, no trailing `/`.
    pub path: String,
    pub bytes: u64,
}

/// A build context: the files of the project directory and its `.dockerignore`.
///
/// The Dockerfile and the `.dockerignore` file themselves are not listed (their text
/// lives in the editor); [`BuildContext::with_build_files`] adds them when a simulation
/// wants `COPY . .` to pick them up as Docker would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildContext {
    /// The preset this context is, or was edited from.
    pub preset: String,
    /// Sorted in walk order ([`walk_order`]), paths unique, no path both a file and a
    /// folder of another.
    pub files: Vec<ContextFile>,
    /// The `.dockerignore` text; `None` when the project has none.
    pub dockerignore: Option<String>,
}

/// A problem in a context listing, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextError {
    pub message: String,
    pub line: usize,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ContextError {}

/// What one COPY/ADD source selects from the context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceMatch {
    /// The files copied, in the order BuildKit copies them (later ones win a clash).
    pub files: Vec<ContextFile>,
    /// The source named a directory (for a wildcard: some match is one), whose contents,
    /// not the directory itself, are copied.
    pub is_dir: bool,
    /// Files the `.dockerignore` removed that the source would otherwise have selected:
    /// the ground for a "this file is ignored" diagnostic.
    pub ignored: Vec<String>,
    /// The source climbs above the context root (`../x`, `src/../../x`). The classic
    /// builder refuses this ("forbidden path outside the build context"); BuildKit
    /// silently reads it from the context root instead (moby/buildkit#2131), and
    /// `files` is what BuildKit would copy.
    pub outside_context: bool,
    /// The source holds a wildcard (`*`, `?`, `[`). BuildKit's Dockerfile frontend allows
    /// a wildcard to match nothing (the COPY then copies nothing and succeeds), while a
    /// plain path that matches nothing fails with `"/x": not found`.
    pub wildcard: bool,
    /// What the source named, after wildcard expansion: each matched file or directory
    /// (`""` is the context root). Empty when nothing matched.
    pub roots: Vec<MatchRoot>,
}

/// One path a COPY source matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchRoot {
    pub path: String,
    pub is_dir: bool,
}

impl SourceMatch {
    /// Whether the source matched anything at all.
    pub fn found(&self) -> bool {
        !self.roots.is_empty()
    }

    /// Total bytes of the files copied.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Where `file` lands relative to the destination directory: its path inside the
    /// matched directory, or its file name when the match was the file itself.
    pub fn relative<'a>(&self, file: &'a ContextFile) -> &'a str {
        for root in &self.roots {
            if root.is_dir {
                if root.path.is_empty() {
                    return &file.path;
                }
                if let Some(rest) = file.path.strip_prefix(root.path.as_str()) {
                    if let Some(inner) = rest.strip_prefix('/') {
                        return inner;
                    }
                }
            } else if root.path == file.path {
                break;
            }
        }
        file.path.rsplit('/').next().unwrap_or(&file.path)
    }
}

/// Description of a preset for a chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresetInfo {
    pub name: &'static str,
    pub description: String,
    /// Where the sizes come from (measured, reported or estimated).
    pub basis: String,
}

/// A data file as `build.rs` prepared it for embedding (in `OUT_DIR`).
macro_rules! embedded {
    ($file:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/data/", $file))
    };
}

/// The preset data files, in the order a chooser shows them. Tie-breaks in [`detect`]
/// follow this order too.
const SOURCES: [(&str, &str); 8] = [
    ("node", embedded!("contexts/node.json")),
    ("react", embedded!("contexts/react.json")),
    ("go", embedded!("contexts/go.json")),
    ("python", embedded!("contexts/python.json")),
    ("python-poetry", embedded!("contexts/python-poetry.json")),
    ("java", embedded!("contexts/java.json")),
    ("rust", embedded!("contexts/rust.json")),
    ("static", embedded!("contexts/static.json")),
];

/// A preset file as stored, read as a `serde_json::Value` walked by hand (a derived reader
/// would compile another JSON reader into the page). Each file may carry a `note` on
/// where its size comes from; like any other extra field, it is skipped.
struct RawPreset {
    name: String,
    description: String,
    basis: String,
    dockerignore: Option<String>,
    files: Vec<RawFile>,
}

struct RawFile {
    path: String,
    bytes: u64,
}

fn raw_preset(json: &str) -> Result<RawPreset, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let top = json::obj(&value, "preset")?;
    let Some(serde_json::Value::Array(list)) = top.get("files") else {
        return Err("missing field `files` (a list)".to_string());
    };
    let mut files = Vec::with_capacity(list.len());
    for (i, file) in list.iter().enumerate() {
        let place = format!("files[{i}]");
        let o = json::obj(file, &place)?;
        let bytes = o
            .get("bytes")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("{place}.bytes: expected a whole number"))?;
        files.push(RawFile {
            path: json::req_str(o, "path", &place)?,
            bytes,
        });
    }
    Ok(RawPreset {
        name: json::req_str(top, "name", "preset")?,
        description: json::req_str(top, "description", "preset")?,
        basis: json::req_str(top, "basis", "preset")?,
        dockerignore: json::opt_str(top, "dockerignore", "preset")?,
        files,
    })
}

struct Preset {
    info: PresetInfo,
    context: BuildContext,
}

/// Parses one data file and holds it to the same rules as a user listing, so a typo in
/// the data cannot produce a context the listing parser would refuse.
fn load(name: &'static str, json: &str) -> Result<Preset, String> {
    let raw = raw_preset(json).map_err(|e| format!("{name}.json: {e}"))?;
    if raw.name != name {
        return Err(format!("{name}.json names itself {:?}", raw.name));
    }
    let mut entries = Vec::with_capacity(raw.files.len());
    for (index, file) in raw.files.into_iter().enumerate() {
        let path = listing::normalize_entry(&file.path)
            .map_err(|m| format!("{name}.json file {}: {m}", index + 1))?;
        if path != file.path || file.bytes > MAX_FILE_BYTES {
            return Err(format!(
                "{name}.json file {}: `{}` is not normalised or too large",
                index + 1,
                file.path
            ));
        }
        entries.push(listing::Entry {
            path,
            bytes: file.bytes,
            line: index + 1,
        });
    }
    let files = listing::check_entries(entries)
        .map_err(|e| format!("{name}.json file entry {}: {}", e.line, e.message))?;
    Ok(Preset {
        info: PresetInfo {
            name,
            description: raw.description,
            basis: raw.basis,
        },
        context: BuildContext {
            preset: name.to_string(),
            files,
            dockerignore: raw.dockerignore,
        },
    })
}

/// Every preset, parsed once. A data file that fails to load is left out (and fails the
/// `every_preset_parses` test), rather than panicking in a user's browser.
fn presets() -> &'static [(&'static str, Result<Preset, String>)] {
    static PRESETS: OnceLock<Vec<(&'static str, Result<Preset, String>)>> = OnceLock::new();
    PRESETS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|&(name, json)| (name, load(name, json)))
            .collect()
    })
}

fn find(name: &str) -> Option<&'static Preset> {
    presets()
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, p)| p.as_ref().ok())
}

/// The preset names, in display order.
pub fn preset_names() -> Vec<&'static str> {
    SOURCES.iter().map(|&(name, _)| name).collect()
}

/// A preset's context, or `None` for an unknown name.
pub fn preset(name: &str) -> Option<BuildContext> {
    find(name).map(|p| p.context.clone())
}

/// A preset's description and the basis of its sizes.
pub fn preset_info(name: &str) -> Option<&'static PresetInfo> {
    find(name).map(|p| &p.info)
}

/// Docker's walk order: depth first, entries of a directory by name, so `a/x` comes
/// before `a-b` (plain string order would put `-` before `/`). COPY copies in this
/// order, which decides which of two clashing files wins.
pub fn walk_order(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

impl BuildContext {
    /// Parses a user-edited listing (see [`BuildContext::to_listing`] for the format).
    /// The `.dockerignore` is the preset's default; set the field to change it.
    pub fn parse_listing(text: &str, preset: &str) -> Result<BuildContext, ContextError> {
        let entries = listing::parse_entries(text)?;
        let files = listing::check_entries(entries)?;
        Ok(BuildContext {
            preset: preset.to_string(),
            files,
            dockerignore: find(preset).and_then(|p| p.context.dockerignore.clone()),
        })
    }

    /// The listing: a comment header, then `path bytes` a line, in walk order.
    pub fn to_listing(&self) -> String {
        listing::render(self)
    }

    fn patterns(&self) -> Patterns {
        self.dockerignore
            .as_deref()
            .map(Patterns::parse)
            .unwrap_or_default()
    }

    /// The files BuildKit receives: those the `.dockerignore` does not exclude.
    pub fn included(&self) -> Vec<&ContextFile> {
        let patterns = self.patterns();
        self.files
            .iter()
            .filter(|f| !patterns.excludes(&f.path))
            .collect()
    }

    /// The files the `.dockerignore` keeps out.
    pub fn excluded(&self) -> Vec<&ContextFile> {
        let patterns = self.patterns();
        self.files
            .iter()
            .filter(|f| patterns.excludes(&f.path))
            .collect()
    }

    /// Bytes of every listed file.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Bytes sent to the builder ("transferring context: …").
    pub fn included_bytes(&self) -> u64 {
        self.included().iter().map(|f| f.bytes).sum()
    }

    /// This context plus the `Dockerfile` (of `dockerfile_bytes`) and, when there is one,
    /// the `.dockerignore` file, as they sit in a real project directory. Paths already
    /// listed are left alone.
    pub fn with_build_files(&self, dockerfile_bytes: u64) -> BuildContext {
        let mut context = self.clone();
        let mut extra = vec![ContextFile {
            path: "Dockerfile".to_string(),
            bytes: dockerfile_bytes,
        }];
        if let Some(text) = &self.dockerignore {
            extra.push(ContextFile {
                path: ".dockerignore".to_string(),
                bytes: text.len() as u64,
            });
        }
        for file in extra {
            if !context.files.iter().any(|f| f.path == file.path) {
                context.files.push(file);
            }
        }
        stagecraft_syntax::order::sort_by(&mut context.files, |a, b| walk_order(&a.path, &b.path));
        context
    }

    /// What a COPY/ADD source (as written, relative to the context root) selects, by
    /// BuildKit's rules:
    ///
    /// * The source is joined to `/` and cleaned, so `./src/`, `src` and `/src` are the
    ///   same and `../x` is `x` (flagged in `outside_context`).
    /// * Without a wildcard it names a file, or a directory whose contents are copied.
    /// * With one, the path is split at the first segment holding `*`, `?` or `[`; the
    ///   directory before it is walked and every file or directory below it whose path
    ///   matches the rest by Go's `filepath.Match` is selected (a directory's contents;
    ///   the walk does not enter a matched directory). `*` never crosses `/`, so `**` is
    ///   not recursive: `src/**/*.go` matches `src/a/x.go` only.
    /// * Files the `.dockerignore` excludes are not in the context; those the source
    ///   would have selected are reported in `ignored`.
    ///
    /// URLs and git sources of ADD are not context paths: callers handle them first.
    pub fn resolve_source(&self, source: &str) -> SourceMatch {
        let outside_context = escapes_root(source);
        let cleaned = clean_path(source);
        let wildcard = cleaned.split('/').any(contains_wildcards);
        let patterns = self.patterns();
        let kept: Vec<&ContextFile> = self
            .files
            .iter()
            .filter(|f| !patterns.excludes(&f.path))
            .collect();
        let roots = select(&kept, &cleaned);
        let files: Vec<ContextFile> = under_roots(&kept, &roots).into_iter().cloned().collect();

        let ignored = if patterns.is_empty() {
            Vec::new()
        } else {
            let all: Vec<&ContextFile> = self.files.iter().collect();
            let all_roots = select(&all, &cleaned);
            under_roots(&all, &all_roots)
                .into_iter()
                .filter(|f| patterns.excludes(&f.path))
                .map(|f| f.path.clone())
                .collect()
        };
        SourceMatch {
            is_dir: roots.iter().any(|r| r.is_dir),
            files,
            ignored,
            outside_context,
            wildcard,
            roots,
        }
    }
}

/// Whether a source climbs above the context root with `..`.
fn escapes_root(source: &str) -> bool {
    let mut depth = 0usize;
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            _ => depth += 1,
        }
    }
    false
}

/// The files under the selected roots, in walk order. Roots come from one walk, so they
/// are in walk order and never nest: one merge pass over both lists.
fn under_roots<'a>(files: &[&'a ContextFile], roots: &[MatchRoot]) -> Vec<&'a ContextFile> {
    let mut out = Vec::new();
    let mut r = 0;
    for &file in files {
        while let Some(root) = roots.get(r) {
            let belongs = if root.is_dir {
                root.path.is_empty() || is_inside(&file.path, &root.path)
            } else {
                file.path == root.path
            };
            if belongs {
                out.push(file);
                break;
            }
            if walk_order(&file.path, &root.path) == Ordering::Greater {
                r += 1;
            } else {
                break;
            }
        }
    }
    out
}

fn is_inside(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/')
}

/// The roots a cleaned source selects among `files` (which are in walk order).
fn select(files: &[&ContextFile], cleaned: &str) -> Vec<MatchRoot> {
    if cleaned.is_empty() {
        // `.`: the context root, which exists even when it is empty.
        return vec![MatchRoot {
            path: String::new(),
            is_dir: true,
        }];
    }
    let segments: Vec<&str> = cleaned.split('/').collect();
    let Some(first_wild) = segments.iter().position(|s| contains_wildcards(s)) else {
        if files.iter().any(|f| f.path == cleaned) {
            return vec![MatchRoot {
                path: cleaned.to_string(),
                is_dir: false,
            }];
        }
        if files.iter().any(|f| is_inside(&f.path, cleaned)) {
            return vec![MatchRoot {
                path: cleaned.to_string(),
                is_dir: true,
            }];
        }
        return Vec::new();
    };
    let base = segments[..first_wild].join("/");
    let pattern = segments[first_wild..].join("/");
    let mut roots: Vec<MatchRoot> = Vec::new();
    // Walk the nodes below `base` depth first, as filepath.Walk does: the directories are
    // implied by the file paths, each visited just before its first file.
    let mut open: Vec<&str> = Vec::new();
    for file in files {
        let rel = if base.is_empty() {
            file.path.as_str()
        } else if is_inside(&file.path, &base) {
            &file.path[base.len() + 1..]
        } else {
            continue;
        };
        // A matched directory is copied whole and not entered (filepath.SkipDir).
        if roots
            .last()
            .is_some_and(|last| last.is_dir && is_inside(&file.path, &last.path))
        {
            continue;
        }
        let dirs: Vec<&str> = rel.match_indices('/').map(|(i, _)| &rel[..i]).collect();
        let common = open.iter().zip(&dirs).take_while(|(a, b)| a == b).count();
        let matched_dir = dirs[common..]
            .iter()
            .find(|dir| gomatch::match_path(&pattern, dir) == Ok(true));
        if let Some(dir) = matched_dir {
            roots.push(MatchRoot {
                path: join(&base, dir),
                is_dir: true,
            });
        } else if gomatch::match_path(&pattern, rel) == Ok(true) {
            roots.push(MatchRoot {
                path: file.path.clone(),
                is_dir: false,
            });
        }
        open = dirs;
    }
    roots
}

fn join(base: &str, rel: &str) -> String {
    if base.is_empty() {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod embedded_tests {
    use super::*;

    /// `build.rs` drops only the files' `note`s, which the reader skips: every preset
    /// loads as it does from the file as written.
    #[test]
    fn the_compacted_presets_load_as_the_originals() {
        for (name, embedded) in SOURCES {
            let path = format!("{}/data/contexts/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let original = std::fs::read_to_string(&path).unwrap_or_default();
            let summary = |preset: Result<Preset, String>| preset.map(|p| (p.info, p.context));
            let original = summary(load(name, &original));
            assert!(original.is_ok(), "{path}: {original:?}");
            assert_eq!(summary(load(name, embedded)), original, "{name}");
        }
    }
}
