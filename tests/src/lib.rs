//! Helpers shared by the workspace-level tests in `tests/tests/`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `../shared/` beside the project root, or `None` with a visible message so a skipped
/// test is never mistaken for a passing one.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = workspace_root().join("../shared");
    if dir.join("corpus").is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED {test}: ../shared/corpus is not present beside the project root");
        None
    }
}

/// Every Dockerfile of the corpus, as a path relative to `corpus/`, sorted.
pub fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for group in ["buildkit-testfiles", "buildkit-negative", "real-world"] {
        collect(&corpus.join(group), &mut files);
    }
    let mut relative: Vec<PathBuf> = files
        .into_iter()
        .filter_map(|f| f.strip_prefix(corpus).ok().map(Path::to_path_buf))
        .filter(|f| !f.ends_with("result"))
        .collect();
    relative.sort();
    relative
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
