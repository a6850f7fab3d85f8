//! The rules of ARCHITECTURE.md, checked from `cargo metadata` and the sources: which
//! crate may depend on which, where web and test-only dependencies may appear, and that
//! the core does no IO.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;
use stagecraft_tests::workspace_root;

/// The core crates and their folders: no IO, no web dependencies.
const CORE: [(&str, &str); 5] = [
    ("stagecraft-syntax", "crates/syntax"),
    ("stagecraft-analysis", "crates/analysis"),
    ("stagecraft-simulate", "crates/simulate"),
    ("stagecraft-exercises", "crates/exercises"),
    ("stagecraft-share", "crates/share"),
];
const WEB_ONLY: [&str; 5] = ["yew", "web-sys", "gloo", "wasm-bindgen", "js-sys"];

struct Metadata {
    /// Workspace member name to its dependencies: (name, kind) where kind is null/dev/build.
    members: BTreeMap<String, Vec<(String, Option<String>)>>,
    /// Every package id in the resolve to the names of its normal (non-dev) dependencies.
    resolve: BTreeMap<String, Vec<String>>,
    id_to_name: BTreeMap<String, String>,
    member_ids: BTreeMap<String, String>,
}

fn metadata() -> Metadata {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("cargo metadata failed to start: {e}"));
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let workspace: BTreeSet<&str> = json["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut members = BTreeMap::new();
    let mut id_to_name = BTreeMap::new();
    let mut member_ids = BTreeMap::new();
    for package in json["packages"].as_array().into_iter().flatten() {
        let id = package["id"].as_str().unwrap_or_default().to_string();
        let name = package["name"].as_str().unwrap_or_default().to_string();
        id_to_name.insert(id.clone(), name.clone());
        if workspace.contains(id.as_str()) {
            member_ids.insert(name.clone(), id);
            let deps = package["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    (
                        d["name"].as_str().unwrap_or_default().to_string(),
                        d["kind"].as_str().map(str::to_string),
                    )
                })
                .collect();
            members.insert(name, deps);
        }
    }
    let mut resolve = BTreeMap::new();
    for node in json["resolve"]["nodes"].as_array().into_iter().flatten() {
        let id = node["id"].as_str().unwrap_or_default().to_string();
        let normal: Vec<String> = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["kind"].is_null())
            })
            .filter_map(|d| d["pkg"].as_str().map(str::to_string))
            .collect();
        resolve.insert(id, normal);
    }
    Metadata {
        members,
        resolve,
        id_to_name,
        member_ids,
    }
}

impl Metadata {
    /// Names of every package in `member`'s normal dependency tree.
    fn normal_tree(&self, member: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut names = BTreeSet::new();
        let mut pending: Vec<String> = self.member_ids.get(member).cloned().into_iter().collect();
        while let Some(id) = pending.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            for dep in self.resolve.get(&id).into_iter().flatten() {
                if let Some(name) = self.id_to_name.get(dep) {
                    names.insert(name.clone());
                }
                pending.push(dep.clone());
            }
        }
        names
    }
}

/// What the edges (CLI, web) may use: the whole core.
const EDGE_DEPS: [&str; 5] = [
    "stagecraft-syntax",
    "stagecraft-analysis",
    "stagecraft-simulate",
    "stagecraft-exercises",
    "stagecraft-share",
];

#[test]
fn workspace_crates_depend_in_one_direction() {
    let meta = metadata();
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("stagecraft-syntax", &[][..]),
        ("stagecraft-analysis", &["stagecraft-syntax"][..]),
        (
            "stagecraft-simulate",
            &["stagecraft-syntax", "stagecraft-analysis"][..],
        ),
        (
            "stagecraft-exercises",
            &[
                "stagecraft-syntax",
                "stagecraft-analysis",
                "stagecraft-simulate",
            ][..],
        ),
        ("stagecraft-share", &[][..]),
        ("stagecraft-cli", &EDGE_DEPS[..]),
        ("stagecraft-web", &EDGE_DEPS[..]),
    ]);
    let leaves = [
        "stagecraft-cli",
        "stagecraft-web",
        "stagecraft-tests",
        "stagecraft-bench",
        "xtask",
    ];
    for (member, deps) in &meta.members {
        for (dep, _) in deps.iter().filter(|(d, _)| meta.members.contains_key(d)) {
            assert!(
                !leaves.contains(&dep.as_str()),
                "{member} depends on {dep}, which nothing may depend on"
            );
            if let Some(ok) = allowed.get(member.as_str()) {
                assert!(
                    ok.contains(&dep.as_str()),
                    "{member} may not depend on {dep} (see ARCHITECTURE.md)"
                );
            }
        }
    }
    for (core, _) in CORE {
        assert!(
            meta.members.contains_key(core),
            "{core} is missing from the workspace"
        );
    }
}

#[test]
fn only_web_knows_the_browser() {
    let meta = metadata();
    for member in meta
        .members
        .keys()
        .filter(|m| m.as_str() != "stagecraft-web")
    {
        let tree = meta.normal_tree(member);
        for web in WEB_ONLY {
            assert!(
                !tree.contains(web),
                "{member} pulls in {web}: only web/ may depend on browser crates"
            );
        }
    }
}

#[test]
fn dockerfile_parser_is_a_test_only_second_opinion() {
    let meta = metadata();
    for (member, deps) in &meta.members {
        for (dep, kind) in deps.iter().filter(|(d, _)| d == "dockerfile-parser") {
            assert_eq!(member, "stagecraft-tests", "{member} depends on {dep}");
            assert_eq!(
                kind.as_deref(),
                Some("dev"),
                "dockerfile-parser must be a dev-dependency"
            );
        }
    }
    // And one test file is all that uses it.
    let tests_dir = workspace_root().join("tests");
    let users: Vec<String> = walk(&tests_dir)
        .into_iter()
        .filter(|(_, text)| text.contains(concat!("dockerfile_parser", "::")))
        .map(|(path, _)| path)
        .collect();
    assert!(users.len() <= 1, "dockerfile_parser used in {users:?}");
}

fn walk(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

#[test]
fn the_core_does_no_io_and_forbids_unsafe() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "SystemTime",
        "Instant::now",
        "thread_rng",
        "HashMap",
        "HashSet",
        "println!",
        "eprintln!",
    ];
    for (_, core) in CORE {
        let src = workspace_root().join(core).join("src");
        let files = walk(&src);
        assert!(!files.is_empty(), "no sources in {}", src.display());
        // Test-only module files (`tests.rs`) may time themselves and print.
        for (path, text) in files.into_iter().filter(|(p, _)| !p.ends_with("/tests.rs")) {
            // Unit tests may print; the code under test may not.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for word in forbidden {
                assert!(
                    !code.contains(word),
                    "{path} uses {word}: the core does no IO and stays deterministic"
                );
            }
            if path.ends_with("lib.rs") {
                assert!(
                    text.contains("#![forbid(unsafe_code)]"),
                    "{path} must forbid unsafe code"
                );
            }
        }
    }
}
