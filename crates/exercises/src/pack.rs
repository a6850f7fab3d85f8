//! Packs: an ordered set of exercises under a manifest (`pack.toml`), either the one
//! shipped with Stagecraft (compiled in) or an instructor's, handed over as strings (the
//! web fetches them, the CLI reads them). Errors name the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use stagecraft_syntax::order;
use toml_span::Spanned;

use crate::fields;
use crate::format::{parse_exercise, Exercise, FormatError, MAX_FILE_BYTES};

/// A pack with more exercises than this is refused: a workshop has dozens, not thousands,
/// and each is simulated on every edit.
pub const MAX_EXERCISES: usize = 500;

/// The manifest's own name in errors.
pub const MANIFEST: &str = "pack.toml";

/// A loaded pack: its exercises in the manifest's order, ids unique.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pack {
    /// Names the pack's saved progress, so keep it stable.
    pub id: String,
    pub title: String,
    /// Markdown.
    pub description: Option<String>,
    pub exercises: Vec<Exercise>,
}

impl Pack {
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }
}

/// Everything wrong with a pack, each error naming its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackError {
    pub errors: Vec<FormatError>,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PackError {}

/// A manifest's fields, checked on their own (before any exercise file is read).
struct RawManifest {
    id: Spanned<String>,
    title: String,
    description: Option<String>,
    /// Exercise files, relative to the manifest, in the order learners meet them.
    exercises: Vec<Spanned<String>>,
}

/// The fields a manifest may have.
const MANIFEST_FIELDS: [&str; 4] = ["id", "title", "description", "exercises"];

/// Reads and checks a manifest: its size, its TOML, its fields, its id and how many
/// files it lists. Errors are positioned in the manifest but not yet attributed to it.
fn read_manifest(manifest: &str) -> Result<RawManifest, FormatError> {
    if manifest.len() > MAX_FILE_BYTES {
        return Err(FormatError::at(
            "",
            0,
            format!("the manifest may be at most {MAX_FILE_BYTES} bytes (1 MiB)"),
        ));
    }
    let root = fields::parse(manifest)?;
    let mut id = None;
    let mut title = None;
    let mut description = None;
    let mut exercises = None;
    for (key, value) in fields::entries(fields::document(manifest, &root)?) {
        match key.name.as_ref() {
            "id" => id = Some(fields::string(manifest, key, value)?),
            "title" => title = Some(fields::string(manifest, key, value)?.value),
            "description" => description = Some(fields::string(manifest, key, value)?.value),
            "exercises" => exercises = Some(fields::strings(manifest, key, value)?),
            _ => return Err(fields::unknown(manifest, key, &MANIFEST_FIELDS)),
        }
    }
    let id = id.ok_or_else(|| fields::missing(manifest, 0, "id"))?;
    let title = title.ok_or_else(|| fields::missing(manifest, 0, "title"))?;
    let exercises = exercises.ok_or_else(|| fields::missing(manifest, 0, "exercises"))?;
    let name = &id.value;
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(FormatError::at(
            manifest,
            id.span.start,
            format!("`id` must be 1 to 64 characters of a-z, 0-9, `-` and `_`, not {name:?}"),
        ));
    }
    if exercises.value.len() > MAX_EXERCISES {
        return Err(FormatError::at(
            manifest,
            exercises.span.start,
            format!("a pack may list at most {MAX_EXERCISES} exercises"),
        ));
    }
    if exercises.value.is_empty() {
        return Err(FormatError::at(
            manifest,
            exercises.span.start,
            "`exercises` lists no exercise files",
        ));
    }
    Ok(RawManifest {
        id,
        title,
        description,
        exercises: exercises.value,
    })
}

/// The files a manifest lists, as written and in order, for a loader to fetch before
/// calling [`parse_pack`]. The whole manifest is checked, so a broken one fails before
/// anything is fetched, with the error [`parse_pack`] would give.
pub fn manifest_files(manifest: &str) -> Result<Vec<String>, PackError> {
    match read_manifest(manifest) {
        Ok(raw) => Ok(raw.exercises.into_iter().map(Spanned::take).collect()),
        Err(e) => Err(PackError {
            errors: vec![e.in_file(MANIFEST)],
        }),
    }
}

/// `./a/b.toml` and `a/b.toml` name the same file.
fn normalise_name(name: &str) -> &str {
    let mut name = name.trim();
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    name
}

/// Reads a pack: the manifest text and the exercise files it lists, keyed by the names
/// the manifest uses. Every file is checked, so one run reports every broken file.
pub fn parse_pack(manifest: &str, files: &BTreeMap<String, String>) -> Result<Pack, PackError> {
    let raw = read_manifest(manifest).map_err(|e| PackError {
        errors: vec![e.in_file(MANIFEST)],
    })?;
    let by_name: BTreeMap<&str, &String> = order::map_from(
        files
            .iter()
            .map(|(name, text)| (normalise_name(name), text)),
    );
    let mut errors = Vec::new();
    let mut exercises = Vec::new();
    let mut listed = BTreeSet::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for entry in &raw.exercises {
        let name = normalise_name(&entry.value);
        let at = entry.span.start;
        if !listed.insert(name) {
            errors.push(
                FormatError::at(manifest, at, format!("`{name}` is listed twice"))
                    .in_file(MANIFEST),
            );
            continue;
        }
        let Some(text) = by_name.get(name) else {
            errors.push(
                FormatError::at(
                    manifest,
                    at,
                    format!("`{name}` is listed but the file was not provided"),
                )
                .in_file(MANIFEST),
            );
            continue;
        };
        match parse_exercise(text) {
            Ok(exercise) => {
                if let Some(first) = ids.get(&exercise.id) {
                    errors.push(
                        FormatError::at(
                            text,
                            id_offset(text),
                            format!("id `{}` is already used by {first}", exercise.id),
                        )
                        .in_file(name),
                    );
                    continue;
                }
                ids.insert(exercise.id.clone(), name.to_string());
                exercises.push(exercise);
            }
            Err(e) => errors.push(e.in_file(name)),
        }
    }
    if !errors.is_empty() {
        return Err(PackError { errors });
    }
    Ok(Pack {
        id: raw.id.value,
        title: raw.title,
        description: raw.description,
        exercises,
    })
}

/// Where the top-level `id = …` line starts, for a duplicate-id error.
fn id_offset(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let rest = line.trim_start();
        if rest
            .strip_prefix("id")
            .is_some_and(|r| r.trim_start().starts_with('='))
        {
            return offset + (line.len() - rest.len());
        }
        offset += line.len();
    }
    0
}

/// The shipped pack's files, compiled in. `builtin_files_match_the_manifest` checks this
/// list against `data/pack.toml`.
const BUILTIN_MANIFEST: &str = include_str!("../data/pack.toml");
const BUILTIN_FILES: [(&str, &str); 13] = [
    (
        "exercises/node-distroless.toml",
        include_str!("../data/exercises/node-distroless.toml"),
    ),
    (
        "exercises/go-scratch.toml",
        include_str!("../data/exercises/go-scratch.toml"),
    ),
    (
        "exercises/go-test-target.toml",
        include_str!("../data/exercises/go-test-target.toml"),
    ),
    (
        "exercises/react-nginx.toml",
        include_str!("../data/exercises/react-nginx.toml"),
    ),
    (
        "exercises/maven-jre.toml",
        include_str!("../data/exercises/maven-jre.toml"),
    ),
    (
        "exercises/python-venv-slim.toml",
        include_str!("../data/exercises/python-venv-slim.toml"),
    ),
    (
        "exercises/rust-debian-slim.toml",
        include_str!("../data/exercises/rust-debian-slim.toml"),
    ),
    (
        "exercises/non-root-user.toml",
        include_str!("../data/exercises/non-root-user.toml"),
    ),
    (
        "exercises/healthcheck.toml",
        include_str!("../data/exercises/healthcheck.toml"),
    ),
    (
        "exercises/cache-order.toml",
        include_str!("../data/exercises/cache-order.toml"),
    ),
    (
        "exercises/copy-from-path.toml",
        include_str!("../data/exercises/copy-from-path.toml"),
    ),
    (
        "exercises/cross-platform.toml",
        include_str!("../data/exercises/cross-platform.toml"),
    ),
    (
        "exercises/debug-stage.toml",
        include_str!("../data/exercises/debug-stage.toml"),
    ),
];

/// The shipped pack's manifest and files, for tests and for tools that re-export it.
pub fn builtin_sources() -> (&'static str, BTreeMap<String, String>) {
    let files = order::map_from(
        BUILTIN_FILES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string())),
    );
    (BUILTIN_MANIFEST, files)
}

/// The shipped pack, parsed once; errors are kept for [`builtin_pack_result`] and the
/// tests rather than panicking in a learner's browser.
fn builtin() -> &'static Result<Pack, PackError> {
    static PACK: OnceLock<Result<Pack, PackError>> = OnceLock::new();
    PACK.get_or_init(|| {
        let (manifest, files) = builtin_sources();
        parse_pack(manifest, &files)
    })
}

/// The shipped pack (empty if its data were broken, which a test rules out).
pub fn builtin_pack() -> Pack {
    match builtin() {
        Ok(pack) => pack.clone(),
        Err(_) => Pack {
            id: "builtin".to_string(),
            title: "Stagecraft exercises".to_string(),
            description: None,
            exercises: Vec::new(),
        },
    }
}

/// The shipped pack, or why it failed to load.
pub fn builtin_pack_result() -> Result<&'static Pack, &'static PackError> {
    builtin().as_ref()
}
