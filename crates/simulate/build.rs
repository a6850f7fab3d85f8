//! Prepares the data tables the crate compiles in (`data/**/*.json`) for embedding: each
//! file must be valid JSON (the build fails naming the file, line and column), and is
//! written to `OUT_DIR` minified, without the fields that only document the data for
//! the people who edit it (the runtime accepts and never reads them: `note`s and nested
//! `doc`s of the recipe table, the artifacts' `doc`, `sources` and `scenario`, the
//! context presets' per-file `note`s). The page downloads every byte kept, so this is
//! the place to drop what no reader of the data needs.
//!
//! For the page (`wasm32`) the catalog's `sources` and `notes` of each image, its
//! provenance for maintainers, are emptied as well: nothing in the page reads them, and
//! native builds (the CLI, every test) keep them.
//!
//! A build script may read files; the crate itself still does no IO.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// What to drop from one file, by its place in `data/`.
#[derive(Clone, Copy)]
enum Table {
    Image,
    Recipes,
    Artifacts,
    Context,
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let for_page = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let data = manifest.join("data");
    println!("cargo:rerun-if-changed={}", data.display());
    let mut files = vec![
        ("recipes.json".to_string(), Table::Recipes),
        ("artifacts.json".to_string(), Table::Artifacts),
    ];
    for (dir, table) in [("images", Table::Image), ("contexts", Table::Context)] {
        println!("cargo:rerun-if-changed={}", data.join(dir).display());
        for name in json_files(&data.join(dir)) {
            files.push((format!("{dir}/{name}"), table));
        }
    }
    for (file, table) in files {
        let path = data.join(&file);
        let text = read(&path);
        let mut value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => fail(&format!("data/{file}: {e}")),
        };
        match table {
            Table::Recipes => strip_recipes(&mut value),
            Table::Artifacts => strip_artifacts(&mut value),
            Table::Context => strip_context(&mut value),
            Table::Image if for_page => strip_image_provenance(&mut value),
            Table::Image => {}
        }
        let target = out.join("data").join(&file);
        if let Some(dir) = target.parent() {
            if let Err(e) = fs::create_dir_all(dir) {
                fail(&format!("{}: {e}", dir.display()));
            }
        }
        let compact =
            serde_json::to_string(&value).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        if let Err(e) = fs::write(&target, compact) {
            fail(&format!("{}: {e}", target.display()));
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("stagecraft-simulate build: {message}");
    std::process::exit(1);
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
}

/// The `.json` file names in `dir`, sorted (the runtime lists them explicitly; a file it
/// does not list is still checked here).
fn json_files(dir: &Path) -> Vec<String> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// The recipe table keeps its top-level `doc` (`RecipeTable::doc`, the format's
/// description); every other object loses `note` and `doc`, except the maps keyed by
/// user-chosen names (package names, managers, suffixes), whose keys are data.
fn strip_recipes(value: &mut Value) {
    if let Value::Object(top) = value {
        for (key, child) in top.iter_mut() {
            strip_notes(key, child);
        }
    }
}

/// `key` is the name under which `value` sits in its parent object.
fn strip_notes(key: &str, value: &mut Value) {
    match value {
        Value::Object(map) if is_name_map(key) => {
            for child in map.values_mut() {
                strip_structured(child);
            }
        }
        Value::Object(_) | Value::Array(_) => strip_structured(value),
        _ => {}
    }
}

/// An object (or list of them) whose keys are the format's own field names.
fn strip_structured(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("note");
            map.remove("doc");
            for (key, child) in map.iter_mut() {
                strip_notes(key, child);
            }
        }
        Value::Array(list) => list.iter_mut().for_each(strip_structured),
        _ => {}
    }
}

/// Keys whose object value is keyed by names (packages, managers, archive suffixes,
/// variables), not by the format's fields.
fn is_name_map(key: &str) -> bool {
    matches!(
        key,
        "packages" | "extract_scale" | "env" | "if_env" | "unless_env"
    )
}

fn strip_artifacts(value: &mut Value) {
    if let Value::Object(top) = value {
        top.remove("doc");
        if let Some(Value::Array(list)) = top.get_mut("artifacts") {
            for artifact in list.iter_mut().filter_map(Value::as_object_mut) {
                artifact.remove("sources");
                artifact.remove("scenario");
            }
        }
    }
}

fn strip_context(value: &mut Value) {
    for file in entries_of(value, "files") {
        file.remove("note");
    }
}

fn strip_image_provenance(value: &mut Value) {
    for entry in entries_of(value, "entries") {
        if let Some(notes) = entry.get_mut("notes") {
            *notes = Value::String(String::new());
        }
        if let Some(sources) = entry.get_mut("sources") {
            *sources = Value::Array(Vec::new());
        }
    }
}

/// The objects of the top-level list `key`.
fn entries_of<'a>(
    value: &'a mut Value,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    value
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}
