//! Fixture tests with their expectations written inline, typst-style:
//!
//! ```text
//! # expect: StageNameCasing line 1          (a diagnostic with that code on that line)
//! # expect: MaintainerDeprecated line 3 error   (…with that severity)
//! # expect-none: UndefinedVar               (no diagnostic with that code)
//! # dockerignore: .env, node_modules        (the build context's .dockerignore)
//! # options: --target build --build-arg A=1 (docker build flags)
//! # context: node                           (the build-context preset; simulated fixtures)
//! # expect-size-mb: 190..220                (the final image's estimated size)
//! ```
//!
//! `tests/fixtures/checks` and `tests/fixtures/analysis` run the analysis;
//! `tests/fixtures/simulate` and `tests/fixtures/teach` run the whole simulation.
//!
//! For every code a fixture mentions, the diagnostics with that code must be exactly the
//! expected ones. Every BuildKit build check must have a fixture that fires it
//! (`<Rule>.fires.Dockerfile`) and one that does not (`<Rule>.clean.Dockerfile`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use stagecraft_analysis::{analyze, checks, Diagnostic, LineIndex, Options};
use stagecraft_simulate::{simulate, SimOptions};
use stagecraft_tests::workspace_root;

struct Fixture {
    expected: BTreeMap<&'static str, Vec<(u32, Option<String>)>>,
    codes: BTreeSet<String>,
    options: Options,
    context: Option<String>,
    size_mb: Option<(f64, f64)>,
}

fn read_fixture(text: &str) -> Result<Fixture, String> {
    let mut expected: BTreeMap<&'static str, Vec<(u32, Option<String>)>> = BTreeMap::new();
    let mut codes = BTreeSet::new();
    let mut options = Options::default();
    let mut context = None;
    let mut size_mb = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# expect:") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [code, "line", number, severity @ ..] = words.as_slice() else {
                return Err(format!("bad expectation: {line}"));
            };
            let number: u32 = number
                .parse()
                .map_err(|_| format!("bad line number: {line}"))?;
            codes.insert(code.to_string());
            let code: &'static str = Box::leak(code.to_string().into_boxed_str());
            expected
                .entry(code)
                .or_default()
                .push((number, severity.first().map(|s| s.to_string())));
        } else if let Some(rest) = line.strip_prefix("# expect-none:") {
            codes.insert(rest.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("# dockerignore:") {
            options.dockerignore = Some(
                rest.split(',')
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        } else if let Some(rest) = line.strip_prefix("# context:") {
            context = Some(rest.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("# expect-size-mb:") {
            let (lo, hi) = rest
                .trim()
                .split_once("..")
                .ok_or(format!("bad size range: {line}"))?;
            let lo: f64 = lo
                .trim()
                .parse()
                .map_err(|_| format!("bad size range: {line}"))?;
            let hi: f64 = hi
                .trim()
                .parse()
                .map_err(|_| format!("bad size range: {line}"))?;
            size_mb = Some((lo, hi));
        } else if let Some(rest) = line.strip_prefix("# options:") {
            let mut words = rest.split_whitespace();
            while let Some(flag) = words.next() {
                match (flag, words.next()) {
                    ("--target", Some(t)) => options.target = Some(t.to_string()),
                    ("--build-arg", Some(kv)) => {
                        let (k, v) = kv.split_once('=').ok_or(format!("bad build arg: {kv}"))?;
                        options.build_args.insert(k.to_string(), v.to_string());
                    }
                    _ => return Err(format!("bad options: {line}")),
                }
            }
        }
    }
    if codes.is_empty() && size_mb.is_none() {
        return Err("a fixture must expect something".to_string());
    }
    Ok(Fixture {
        expected,
        codes,
        options,
        context,
        size_mb,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Runner {
    Analyze,
    Simulate,
}

fn run_dir(dir: &Path, runner: Runner) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
    {
        count += 1;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let fixture = match read_fixture(&text) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let (diagnostics, size): (Vec<Diagnostic>, Option<f64>) = match runner {
            Runner::Analyze => (analyze(&text, &fixture.options).diagnostics, None),
            Runner::Simulate => {
                let mut options = SimOptions {
                    analysis: fixture.options.clone(),
                    ..SimOptions::default()
                };
                if let Some(name) = &fixture.context {
                    match stagecraft_simulate::context::preset(name) {
                        Some(mut context) => {
                            if let Some(ignore) = &fixture.options.dockerignore {
                                context.dockerignore = Some(ignore.clone());
                            }
                            options.context = Some(context);
                        }
                        None => {
                            failures.push(format!("{name}: no context preset named {name}"));
                            continue;
                        }
                    }
                }
                let simulation = simulate(&text, &options);
                let size = simulation.image.as_ref().map(|i| i.size_mb);
                (simulation.diagnostics, size)
            }
        };
        if let Some((lo, hi)) = fixture.size_mb {
            match size {
                Some(size) if size >= lo && size <= hi => {
                    println!("  {name}: {size:.1} MB (expected {lo}..{hi})")
                }
                other => failures.push(format!(
                    "{name}: final image {other:?} MB, expected {lo}..{hi} MB"
                )),
            }
        }
        let index = LineIndex::new(&text);
        for code in &fixture.codes {
            let mut actual: Vec<(u32, String)> = diagnostics
                .iter()
                .filter(|d| d.code == code)
                .map(|d| {
                    (
                        index.line_col(&text, d.range.start).line,
                        d.severity.as_str().to_string(),
                    )
                })
                .collect();
            actual.sort();
            let mut wanted: Vec<(u32, Option<String>)> = fixture
                .expected
                .get(code.as_str())
                .cloned()
                .unwrap_or_default();
            wanted.sort();
            let lines_match = actual.len() == wanted.len()
                && actual.iter().zip(&wanted).all(
                    |((line, severity), (want_line, want_severity))| {
                        line == want_line && want_severity.as_ref().is_none_or(|s| s == severity)
                    },
                );
            if !lines_match {
                let all: Vec<String> = diagnostics
                    .iter()
                    .map(|d| {
                        format!(
                            "{}@{}: {}",
                            d.code,
                            index.line_col(&text, d.range.start).line,
                            d.message
                        )
                    })
                    .collect();
                failures.push(format!(
                    "{name}: {code}: expected {wanted:?}, got {actual:?}\n    all diagnostics: {all:#?}"
                ));
            }
        }
    }
    (count, failures)
}

#[test]
fn build_check_fixtures() {
    let dir = workspace_root().join("tests/fixtures/checks");
    let (count, mut failures) = run_dir(&dir, Runner::Analyze);
    for rule in checks::RULES {
        for kind in ["fires", "clean"] {
            let path = dir.join(format!("{}.{kind}.Dockerfile", rule.name));
            if !path.is_file() {
                failures.push(format!(
                    "{} has no {kind} fixture ({})",
                    rule.name,
                    path.display()
                ));
            }
        }
    }
    println!("{count} build-check fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn analysis_fixtures() {
    let dir = workspace_root().join("tests/fixtures/analysis");
    let (count, failures) = run_dir(&dir, Runner::Analyze);
    println!("{count} analysis fixtures");
    assert!(count > 0, "no fixtures in {}", dir.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn canonical_conversion_sizes() {
    let dir = workspace_root().join("tests/fixtures/simulate");
    let (count, failures) = run_dir(&dir, Runner::Simulate);
    println!("{count} simulated conversions");
    assert!(
        count >= 13,
        "the canonical single- and multi-stage conversions are missing"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn teaching_diagnostic_fixtures() {
    let dir = workspace_root().join("tests/fixtures/teach");
    let (count, mut failures) = run_dir(&dir, Runner::Simulate);
    // Every teaching code has a fixture that fires it and one that does not.
    let names: BTreeSet<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    for name in names.iter().filter(|n| n.ends_with(".fires.Dockerfile")) {
        let clean = name.replace(".fires.", ".clean.");
        if !names.contains(&clean) {
            failures.push(format!("{name} has no clean counterpart {clean}"));
        }
    }
    println!("{count} teaching fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
