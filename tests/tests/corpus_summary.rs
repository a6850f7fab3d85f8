//! Runs the whole analysis over every corpus file and compares a summary (diagnostic
//! counts by code, stage and edge totals) with `tests/snapshots/corpus-summary.txt`,
//! so any change in what Stagecraft reports on real Dockerfiles shows up in review.
//! Rewrite the snapshot with `UPDATE_SNAPSHOTS=1 cargo test -p stagecraft-tests --test corpus_summary`.

use std::collections::BTreeMap;
use std::fmt::Write;

use stagecraft_analysis::{analyze, Options};
use stagecraft_tests::{corpus_files, shared_dir, workspace_root};

#[test]
fn corpus_summary_matches_snapshot() {
    let Some(shared) = shared_dir("corpus_summary_matches_snapshot") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut by_code: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let (mut files, mut stages, mut built, mut edges, mut external) = (0, 0, 0, 0, 0);
    let mut files_with_errors = 0;
    for file in corpus_files(&corpus) {
        let text = std::fs::read_to_string(corpus.join(&file)).unwrap_or_default();
        let analysis = analyze(&text, &Options::default());
        files += 1;
        stages += analysis.stages.len();
        built += analysis.stages.iter().filter(|s| s.built).count();
        edges += analysis.edges.len();
        external += analysis
            .edges
            .iter()
            .filter(|e| e.from_image.is_some())
            .count();
        if analysis
            .diagnostics
            .iter()
            .any(|d| d.severity == stagecraft_analysis::Severity::Error)
        {
            files_with_errors += 1;
        }
        for d in &analysis.diagnostics {
            *by_code
                .entry((d.severity.as_str().to_string(), d.code))
                .or_default() += 1;
        }
    }
    let mut summary = String::new();
    let _ = writeln!(summary, "files: {files}");
    let _ = writeln!(summary, "files with errors: {files_with_errors}");
    let _ = writeln!(
        summary,
        "stages: {stages} ({built} built for the default target)"
    );
    let _ = writeln!(summary, "edges: {edges} ({external} to external images)");
    let _ = writeln!(summary, "diagnostics by severity and code:");
    for ((severity, code), count) in &by_code {
        let _ = writeln!(summary, "  {severity:<8} {code:<34} {count}");
    }
    assert_snapshot("corpus-summary.txt", &summary);
}

#[test]
fn corpus_simulation_summary_matches_snapshot() {
    let Some(shared) = shared_dir("corpus_simulation_summary_matches_snapshot") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut by_code: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut sizes: Vec<f64> = Vec::new();
    let (mut files, mut steps, mut transfers, mut unknown_bases) = (0, 0, 0, 0);
    for file in corpus_files(&corpus) {
        let text = std::fs::read_to_string(corpus.join(&file)).unwrap_or_default();
        let simulation =
            stagecraft_simulate::simulate(&text, &stagecraft_simulate::SimOptions::default());
        files += 1;
        steps += simulation.steps.len();
        transfers += simulation
            .steps
            .iter()
            .filter(|s| s.transfer.is_some())
            .count();
        if let Some(image) = &simulation.image {
            sizes.push(image.size_mb);
        }
        for d in &simulation.diagnostics {
            if d.code == "base-image-unknown" {
                unknown_bases += 1;
            }
            // Only the simulator's own codes: the analysis ones are in the other snapshot.
            if d.code.contains('-') && d.code.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                *by_code.entry(d.code).or_default() += 1;
            }
        }
    }
    sizes.sort_by(f64::total_cmp);
    let percentile = |p: usize| {
        sizes
            .get(sizes.len().saturating_sub(1) * p / 100)
            .copied()
            .unwrap_or(0.0)
    };
    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "files: {files}, steps traced: {steps}, COPY --from transfers: {transfers}"
    );
    let _ = writeln!(
        summary,
        "final images: {} (unknown bases: {unknown_bases})",
        sizes.len()
    );
    let _ = writeln!(
        summary,
        "final image size MB: p10 {:.1}, median {:.1}, p90 {:.1}",
        percentile(10),
        percentile(50),
        percentile(90)
    );
    let _ = writeln!(summary, "diagnostics by code (analysis and simulation):");
    for (code, count) in &by_code {
        let _ = writeln!(summary, "  {code:<34} {count}");
    }
    assert_snapshot("corpus-simulation.txt", &summary);
}

/// Compares `summary` with `tests/snapshots/<name>`, or rewrites it when
/// `UPDATE_SNAPSHOTS` is set.
fn assert_snapshot(name: &str, summary: &str) {
    let path = workspace_root().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, summary)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    println!("{summary}");
    assert_eq!(
        summary, expected,
        "{name} changed; if intended, rerun with UPDATE_SNAPSHOTS=1"
    );
}
