//! BuildKit conformance: our instruction list against BuildKit's own parse of every
//! Dockerfile in `../shared/corpus` (see its README for the `expected/` schema).
//!
//! Known differences are listed, each with its reason, in `conformance-differences.txt`
//! beside this crate; a difference not listed there fails, and so does a listed file
//! that now agrees (the list must stay true).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use stagecraft_syntax::buildkit::{buildkit_nodes, BuildkitHeredoc, BuildkitNode};
use stagecraft_syntax::Severity;
use stagecraft_tests::{corpus_files, shared_dir, workspace_root};

#[derive(Debug, Deserialize, PartialEq)]
struct ExpectedNode {
    cmd: String,
    sub_cmd: Option<String>,
    json: bool,
    start_line: u32,
    end_line: u32,
    flags: Vec<String>,
    value: Vec<String>,
    heredocs: Vec<BuildkitHeredoc>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Expected {
    Nodes(Vec<ExpectedNode>),
    Error { error: String },
}

fn comparable(node: &BuildkitNode) -> ExpectedNode {
    ExpectedNode {
        cmd: node.cmd.clone(),
        sub_cmd: node.sub_cmd.clone(),
        json: node.json,
        start_line: node.start_line,
        end_line: node.end_line,
        flags: node.flags.clone(),
        value: node.value.clone(),
        heredocs: node.heredocs.clone(),
    }
}

/// The first point where two instruction lists part, for the failure message.
fn first_difference(ours: &[ExpectedNode], theirs: &[ExpectedNode]) -> String {
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        if a != b {
            return format!("instruction {i}:\n  ours:     {a:?}\n  BuildKit: {b:?}");
        }
    }
    format!(
        "instruction count: ours {}, BuildKit {}",
        ours.len(),
        theirs.len()
    )
}

fn listed_differences() -> BTreeMap<String, String> {
    let path = workspace_root().join("tests/conformance-differences.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" : "))
        .map(|(file, reason)| (file.trim().to_string(), reason.trim().to_string()))
        .collect()
}

#[test]
fn parser_matches_buildkit_on_the_corpus() {
    let Some(shared) = shared_dir("parser_matches_buildkit_on_the_corpus") else {
        return;
    };
    let corpus = shared.join("corpus");
    let listed = listed_differences();
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut differing = Vec::new();
    for file in corpus_files(&corpus) {
        let name = file.to_string_lossy().to_string();
        let group = name.split('/').next().unwrap_or_default();
        let group: &str = match group {
            "buildkit-testfiles" => "buildkit-testfiles",
            "buildkit-negative" => "buildkit-negative",
            _ => "real-world",
        };
        let text = std::fs::read_to_string(corpus.join(&file)).unwrap_or_default();
        let expected_path = corpus.join("expected").join(format!("{name}.json"));
        let expected: Expected = match std::fs::read_to_string(&expected_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            Some(e) => e,
            None => panic!("no readable expected parse at {}", expected_path.display()),
        };
        let parse = stagecraft_syntax::parse(&text);
        let agrees = match &expected {
            Expected::Error { error } => {
                let ok = parse
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == Severity::Error);
                if !ok {
                    differing.push((
                        name.clone(),
                        format!("BuildKit rejects it ({error}); we gave no error"),
                    ));
                }
                ok
            }
            Expected::Nodes(theirs) => {
                let ours: Vec<ExpectedNode> = buildkit_nodes(&parse.dockerfile)
                    .iter()
                    .map(comparable)
                    .collect();
                if &ours == theirs {
                    let errors: Vec<_> = parse
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .collect();
                    if errors.is_empty() {
                        true
                    } else {
                        differing.push((
                            name.clone(),
                            format!("BuildKit accepts it; we report {errors:?}"),
                        ));
                        false
                    }
                } else {
                    differing.push((name.clone(), first_difference(&ours, theirs)));
                    false
                }
            }
        };
        let entry = counts.entry(group).or_default();
        entry.1 += 1;
        if agrees {
            entry.0 += 1;
            if listed.contains_key(&name) {
                unexpected.push(format!(
                    "{name}: listed as differing but now agrees; remove it from the list"
                ));
            }
        }
    }
    for (name, detail) in &differing {
        if !listed.contains_key(name) {
            unexpected.push(format!("{name}: {detail}"));
        }
    }
    println!("BuildKit conformance over ../shared/corpus:");
    for (group, (agree, total)) in &counts {
        println!("  {group:<20} {agree:>4} of {total:>4} agree");
    }
    println!("  listed differences: {}", listed.len());
    let (fixtures_ok, fixtures) = counts
        .get("buildkit-testfiles")
        .copied()
        .unwrap_or_default();
    let (negative_ok, negatives) = counts.get("buildkit-negative").copied().unwrap_or_default();
    let (real_ok, real) = counts.get("real-world").copied().unwrap_or_default();
    assert!(
        unexpected.is_empty(),
        "{} unexpected differences:\n{}",
        unexpected.len(),
        unexpected.join("\n\n")
    );
    assert_eq!(
        (fixtures_ok, negative_ok),
        (fixtures, negatives),
        "every BuildKit fixture must agree"
    );
    assert!(
        real > 0 && real_ok * 1000 >= real * 995,
        "{real_ok} of {real} real-world files agree: below 99.5%"
    );
    assert!(Path::new(&corpus).is_dir());
}
