//! The shipped pack: it loads, its file list matches the manifest, and for every exercise
//! the starter fails at least one check while the solution passes them all.

use std::collections::BTreeSet;

use stagecraft_exercises::{builtin_pack, builtin_pack_result, builtin_sources, grade, Grade};

fn show(name: &str, grade: &Grade) -> String {
    let mut out = format!("  {name}: {}\n", if grade.passed { "PASS" } else { "fail" });
    for r in &grade.results {
        out.push_str(&format!(
            "    [{}] {} ({}): {}\n",
            if r.passed { "x" } else { " " },
            r.label,
            r.kind,
            r.detail
        ));
    }
    out
}

#[test]
fn the_builtin_pack_loads() {
    let pack = match builtin_pack_result() {
        Ok(pack) => pack,
        Err(e) => panic!("the shipped pack does not load:\n{e}"),
    };
    assert!(
        pack.exercises.len() >= 12,
        "{} exercises",
        pack.exercises.len()
    );
    assert_eq!(builtin_pack().exercises.len(), pack.exercises.len());
    let ids: BTreeSet<&str> = pack.exercises.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), pack.exercises.len(), "ids are unique");
    for exercise in &pack.exercises {
        assert!(
            exercise.solution.is_some(),
            "{} has a solution",
            exercise.id
        );
        assert!(
            exercise.hints.len() >= 2,
            "{} has progressive hints",
            exercise.id
        );
        assert!(
            exercise.context.is_some(),
            "{} names its context",
            exercise.id
        );
    }
}

#[test]
fn builtin_files_match_the_manifest() {
    let (manifest, files) = builtin_sources();
    for name in files.keys() {
        assert!(
            manifest.contains(&format!("\"{name}\"")),
            "{name} is not in pack.toml"
        );
    }
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/exercises"))
            .map(|dir| {
                dir.flatten()
                    .map(|e| format!("exercises/{}", e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
    let compiled: BTreeSet<String> = files.keys().cloned().collect();
    assert_eq!(on_disk, compiled, "every data file is compiled in");
}

#[test]
fn starters_fail_and_solutions_pass() {
    let pack = builtin_pack();
    let mut report = String::new();
    let mut failures = Vec::new();
    for exercise in &pack.exercises {
        report.push_str(&format!("{} ({})\n", exercise.id, exercise.title));
        let starter = grade(exercise, &exercise.starter);
        report.push_str(&show("starter", &starter));
        if starter.passed {
            failures.push(format!("{}: the starter passes every check", exercise.id));
        }
        let solution = grade(exercise, exercise.solution.as_deref().unwrap_or_default());
        report.push_str(&show("solution", &solution));
        if !solution.passed {
            failures.push(format!("{}: the solution fails a check", exercise.id));
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "{failures:#?}\n{report}");
}

#[test]
fn solutions_have_no_errors_and_every_copy_from_copies() {
    // A solution that BuildKit would refuse teaches the wrong thing, whatever the checks say.
    for exercise in &builtin_pack().exercises {
        let text = exercise.solution.as_deref().unwrap_or_default();
        let sim = stagecraft_simulate::simulate(text, &stagecraft_exercises::sim_options(exercise));
        let errors: Vec<_> = sim
            .diagnostics
            .iter()
            .filter(|d| d.severity == stagecraft_syntax::Severity::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", exercise.id);
        // Nor a COPY --from that the simulation sees copying nothing: its size figures
        // would then be wrong.
        for step in &sim.steps {
            if let Some(transfer) = &step.transfer {
                assert!(
                    transfer.bytes > 0 && !transfer.destinations.is_empty(),
                    "{}: line {} copies nothing: {transfer:?}",
                    exercise.id,
                    step.line
                );
            }
        }
    }
}
