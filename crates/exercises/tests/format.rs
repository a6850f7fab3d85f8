//! The exercise format: the issue's example parses and means what it says, every field
//! lands where it should, and malformed files fail with a clear message at the right
//! line and column.

use std::collections::BTreeMap;

use stagecraft_exercises::{
    parse_exercise, parse_pack, Check, CheckKind, FormatError, MAX_FILE_BYTES,
};

/// The example from issue 5, verbatim.
const ISSUE_EXAMPLE: &str = r#"id = "node-distroless"
title = "Ship a Node app on distroless"
instructions = """Make the final image smaller than 150 MB, with no shell."""
context = "node"
starter = """
FROM node:20
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "server.js"]
"""
solution = """..."""
hints = ["Build in one stage, run in another.", "gcr.io/distroless/nodejs20-debian12 has node and no shell."]
[[check]]
kind = "final_size_mb_max"
value = 150
[[check]]
kind = "no_shell"
[[check]]
kind = "stages_min"
value = 2
[[check]]
kind = "uses_copy_from"
"#;

fn error(text: &str) -> FormatError {
    match parse_exercise(text) {
        Ok(e) => panic!("expected an error, parsed {e:?}"),
        Err(e) => e,
    }
}

/// A valid exercise with `checks` as its check tables (starting on line 6).
fn with_checks(checks: &str) -> String {
    format!("id = \"x\"\ntitle = \"X\"\ninstructions = \"Do it.\"\nstarter = \"FROM scratch\"\n\n{checks}")
}

#[test]
fn the_issue_example_parses_and_means_what_it_says() {
    let exercise = match parse_exercise(ISSUE_EXAMPLE) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(exercise.id, "node-distroless");
    assert_eq!(exercise.title, "Ship a Node app on distroless");
    assert_eq!(
        exercise.instructions,
        "Make the final image smaller than 150 MB, with no shell."
    );
    assert_eq!(exercise.context.as_deref(), Some("node"));
    assert_eq!(
        exercise.starter,
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
    );
    assert_eq!(exercise.solution.as_deref(), Some("..."));
    assert_eq!(exercise.hints.len(), 2);
    let checks: Vec<&Check> = exercise.checks.iter().map(|c| &c.check).collect();
    assert_eq!(
        checks,
        vec![
            &Check::FinalSizeMbMax { value: 150.0 },
            &Check::NoShell,
            &Check::StagesMin { value: 2 },
            &Check::UsesCopyFrom,
        ]
    );
    let labels: Vec<&str> = exercise.checks.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "Final image is at most 150 MB",
            "Final image has no shell",
            "The Dockerfile has at least 2 stages",
            "Files move between stages with COPY --from",
        ]
    );
    let lines: Vec<u32> = exercise.checks.iter().map(|c| c.line).collect();
    // Each check's line is its `[[check]]` header.
    assert_eq!(lines, vec![14, 17, 19, 22]);

    // And it means what it says: the single-stage node:20 starter fails every check.
    let grade = stagecraft_exercises::grade(&exercise, &exercise.starter);
    assert!(!grade.passed);
    assert!(grade.results.iter().all(|r| !r.passed), "{grade:#?}");
}

#[test]
fn every_parameter_parses() {
    let text = with_checks(
        r#"[[check]]
kind = "final_size_mb_max"
value = 149.5
label = "Small enough"
[[check]]
kind = "final_base_in"
values = ["node:20", "gcr.io/distroless/nodejs20-debian12"]
[[check]]
kind = "target_exists"
target = "test"
[[check]]
kind = "no_diagnostic"
code = "UndefinedVar"
[[check]]
kind = "no_diagnostic"
severity = "warning"
[[check]]
kind = "path_present"
path = "/app/./dist/"
[[check]]
kind = "path_absent"
path = "/root/.npm"
[[check]]
kind = "port_exposed"
port = 80
[[check]]
kind = "port_exposed"
port = "53/UDP"
[[check]]
kind = "healthcheck_present"
[[check]]
kind = "cache_order"
[[check]]
kind = "build_args_for_platform"
[[check]]
kind = "not_root"
[[check]]
kind = "no_package_manager"
"#,
    );
    let exercise = match parse_exercise(&text) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let checks: Vec<Check> = exercise.checks.iter().map(|c| c.check.clone()).collect();
    assert_eq!(
        checks,
        vec![
            Check::FinalSizeMbMax { value: 149.5 },
            Check::FinalBaseIn {
                values: vec![
                    "node:20".into(),
                    "gcr.io/distroless/nodejs20-debian12".into()
                ]
            },
            Check::TargetExists {
                target: "test".into()
            },
            Check::NoDiagnostic {
                code: Some("UndefinedVar".into()),
                severity: None
            },
            Check::NoDiagnostic {
                code: None,
                severity: Some(stagecraft_syntax::Severity::Warning)
            },
            Check::PathPresent {
                path: "/app/dist".into()
            },
            Check::PathAbsent {
                path: "/root/.npm".into()
            },
            Check::PortExposed {
                port: "80/tcp".into()
            },
            Check::PortExposed {
                port: "53/udp".into()
            },
            Check::HealthcheckPresent,
            Check::CacheOrder,
            Check::BuildArgsForPlatform,
            Check::NotRoot,
            Check::NoPackageManager,
        ]
    );
    assert_eq!(exercise.checks[0].label, "Small enough");
    assert_eq!(exercise.context, None);
    assert_eq!(exercise.solution, None);
    assert!(exercise.hints.is_empty());
    // Every kind has a name that round-trips.
    for kind in CheckKind::ALL {
        assert_eq!(CheckKind::from_name(kind.as_str()), Some(kind));
    }
}

#[test]
fn unknown_check_kind_suggests_and_lists() {
    let e = error(&with_checks(
        "[[check]]\nkind = \"final_size_max\"\nvalue = 3\n",
    ));
    assert_eq!((e.line, e.column), (7, 8), "{e}");
    assert!(
        e.message
            .starts_with("unknown check kind `final_size_max`; did you mean `final_size_mb_max`?"),
        "{e}"
    );
    assert!(
        e.message
            .contains("valid kinds: final_size_mb_max, final_base_in, no_shell"),
        "{e}"
    );
    let e = error(&with_checks("[[check]]\nkind = \"zzzz\"\n"));
    assert!(!e.message.contains("did you mean"), "{e}");
    assert!(e.message.contains("build_args_for_platform"), "{e}");
}

#[test]
fn missing_fields_are_errors() {
    let e = error("title = \"X\"\ninstructions = \"x\"\nstarter = \"FROM scratch\"\n[[check]]\nkind = \"no_shell\"\n");
    assert!(e.message.contains("missing field `id`"), "{e}");
    assert_eq!(e.line, 1);
    let e = error("id = \"x\"\ntitle = \"X\"\ninstructions = \"x\"\nstarter = \"FROM scratch\"\n");
    assert!(e.message.contains("no checks"), "{e}");
    let e = error(&with_checks("[[check]]\nvalue = 3\n"));
    assert!(e.message.contains("missing field `kind`"), "{e}");
    assert_eq!(e.line, 6, "{e}");
    let e = error(&with_checks("[[check]]\nkind = \"final_size_mb_max\"\n"));
    assert_eq!(e.message, "`final_size_mb_max` needs `value`");
    assert_eq!(e.line, 7);
    let e = error(&with_checks("[[check]]\nkind = \"no_diagnostic\"\n"));
    assert!(
        e.message.contains("needs `code`, `severity` or both"),
        "{e}"
    );
}

#[test]
fn wrong_types_are_errors_at_the_value() {
    let e = error(&with_checks(
        "[[check]]\nkind = \"final_size_mb_max\"\nvalue = \"150\"\n",
    ));
    assert_eq!((e.line, e.column), (8, 9), "{e}");
    assert_eq!(
        e.message,
        "`value` must be a number of MB, not the string \"150\""
    );
    let e = error(&with_checks(
        "[[check]]\nkind = \"stages_min\"\nvalue = 2.5\n",
    ));
    assert_eq!(e.line, 8);
    assert!(e.message.contains("whole number"), "{e}");
    let e = error(&with_checks(
        "[[check]]\nkind = \"final_base_in\"\nvalues = \"node\"\n",
    ));
    // The field is named, and the found value said the way the checks' own errors say it.
    assert_eq!((e.line, e.column), (8, 10), "{e}");
    assert_eq!(
        e.message,
        "`values` must be an array of strings, not the string \"node\""
    );
    let e = error("id = 5\ntitle = \"X\"\n");
    assert_eq!((e.line, e.column), (1, 6), "{e}");
    assert_eq!(e.message, "`id` must be a string, not the integer 5");
    let e = error(&with_checks(
        "[[check]]\nkind = \"port_exposed\"\nport = 70000\n",
    ));
    assert_eq!(e.line, 8);
    let e = error(&with_checks(
        "[[check]]\nkind = \"no_diagnostic\"\nseverity = \"warn\"\n",
    ));
    assert!(e.message.contains("did you mean `warning`?"), "{e}");
    let e = error(&with_checks(
        "[[check]]\nkind = \"path_absent\"\npath = \"root/.npm\"\n",
    ));
    assert!(e.message.contains("absolute"), "{e}");
    let e = error(&with_checks(
        "[[check]]\nkind = \"final_base_in\"\nvalues = [\"Node:20\"]\n",
    ));
    assert!(e.message.contains("lowercase"), "{e}");
}

#[test]
fn unknown_and_stray_fields_are_errors() {
    let e = error("id = \"x\"\ntitle = \"X\"\nauthor = \"me\"\n");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("unknown field `author`"), "{e}");
    let e = error(&with_checks("[[check]]\nkind = \"no_shell\"\nvalu = 1\n"));
    assert_eq!(e.line, 8, "{e}");
    assert!(e.message.contains("unknown field `valu`"), "{e}");
    let e = error(&with_checks("[[check]]\nkind = \"no_shell\"\nvalue = 1\n"));
    assert_eq!(e.line, 8, "{e}");
    assert_eq!(
        e.message,
        "`value` does not apply to `no_shell`, which takes no parameters"
    );
    let e = error(&with_checks(
        "[[check]]\nkind = \"port_exposed\"\nport = 80\npath = \"/x\"\n",
    ));
    assert_eq!(e.line, 9, "{e}");
    assert!(e.message.contains("which takes `port`"), "{e}");
}

#[test]
fn bad_toml_and_bad_values() {
    let e = error("id = \"x\"\ntitle = \"X\n");
    assert_eq!(e.line, 2, "{e}");
    let e = error("id = \"x\"\n[[check]\n");
    assert_eq!(e.line, 2, "{e}");
    let e = error("id = \"Not OK\"\ntitle = \"X\"\ninstructions = \"\"\nstarter = \"\"\n[[check]]\nkind = \"no_shell\"\n");
    assert_eq!((e.line, e.column), (1, 6), "{e}");
    let e = error("id = \"x\"\ntitle = \"X\"\ninstructions = \"\"\ncontext = \"nod\"\nstarter = \"\"\n[[check]]\nkind = \"no_shell\"\n");
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("did you mean `node`?"), "{e}");
    // Display: without a file, then within a pack.
    assert!(
        e.to_string()
            .starts_with("line 4, column 11: unknown context `nod`"),
        "{e}"
    );
    assert!(
        e.clone()
            .in_file("a.toml")
            .to_string()
            .starts_with("a.toml:4:11: "),
        "{e}"
    );
}

#[test]
fn junk_and_huge_input_never_panic() {
    let huge = "#".repeat(MAX_FILE_BYTES + 1);
    assert!(error(&huge).message.contains("at most"));
    for junk in [
        "",
        "\u{0}",
        "[[[",
        "id = ",
        "= 1",
        "id = \"x\"\n[[check]]\nkind = 1\n",
        "check = 5",
        "[check]\nkind=\"no_shell\"",
        "\u{feff}id = \"x\"",
        "a.b.c.d = 1",
        "x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ] {
        let _ = parse_exercise(junk);
    }
    let deep = "x = ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000);
    let _ = parse_exercise(&deep);
}

#[test]
fn checklists_are_bounded() {
    let many = "[[check]]\nkind = \"no_shell\"\n".repeat(101);
    let e = error(&with_checks(&many));
    assert_eq!(e.line, 6 + 2 * 100, "{e}");
    assert!(e.message.contains("at most 100 checks"), "{e}");
    let hundred = "[[check]]\nkind = \"no_shell\"\n".repeat(100);
    assert!(parse_exercise(&with_checks(&hundred)).is_ok());
}

#[test]
fn packs_name_the_file_and_line() {
    let good = with_checks("[[check]]\nkind = \"no_shell\"\n");
    let manifest = "id = \"mine\"\ntitle = \"Mine\"\nexercises = [\n  \"a.toml\",\n  \"b.toml\",\n  \"missing.toml\",\n]\n";
    let mut files = BTreeMap::new();
    files.insert("a.toml".to_string(), good.clone());
    files.insert(
        "./b.toml".to_string(),
        with_checks("[[check]]\nkind = \"no_shel\"\n"),
    );
    let errors = match parse_pack(manifest, &files) {
        Ok(p) => panic!("expected errors, got {p:?}"),
        Err(e) => e.errors,
    };
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].file.as_deref(), Some("b.toml"));
    assert_eq!(errors[0].line, 7);
    assert!(errors[0].message.contains("did you mean `no_shell`?"));
    assert_eq!(errors[1].file.as_deref(), Some("pack.toml"));
    assert_eq!((errors[1].line, errors[1].column), (6, 3));
    assert!(errors[1]
        .message
        .contains("`missing.toml` is listed but the file was not provided"));

    // Duplicate ids point at the second file's id line.
    let manifest = "id = \"mine\"\ntitle = \"Mine\"\nexercises = [\"a.toml\", \"b.toml\"]\n";
    files.insert("./b.toml".to_string(), format!("# copy\n{good}"));
    let errors = parse_pack(manifest, &files)
        .err()
        .map(|e| e.errors)
        .unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].file.as_deref(), errors[0].line),
        (Some("b.toml"), 2)
    );
    assert!(errors[0].message.contains("already used by a.toml"));

    // A good pack keeps the manifest's order.
    let manifest = "id = \"mine\"\ntitle = \"Mine\"\ndescription = \"d\"\nexercises = [\"b.toml\", \"a.toml\"]\n";
    files.insert(
        "./b.toml".to_string(),
        good.replace("id = \"x\"", "id = \"y\""),
    );
    let pack = match parse_pack(manifest, &files) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let ids: Vec<&str> = pack.exercises.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, vec!["y", "x"]);
    assert!(pack.exercise("x").is_some());

    // Manifest errors are the manifest's.
    let e = parse_pack("id = \"mine\"\nexercises = []\ntitle = \"T\"\n", &files).err();
    assert_eq!(
        e.map(|e| e.errors[0].file.clone()),
        Some(Some("pack.toml".to_string()))
    );
    let e = parse_pack("id = \"mine\"\ntitle = \"T\"\nexercise = []\n", &files).err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.starts_with("pack.toml:3:1: unknown field `exercise`"),
        "{e}"
    );
}

#[test]
fn markdown_with_front_matter() {
    let text = "+++\nid = \"md\"\ntitle = \"Markdown form\"\ncontext = \"go\"\nstarter = '''\nFROM golang:1.22\n'''\n[[check]]\nkind = \"no_shell\"\n+++\n\n# Goal\n\nShip **no** shell.\n";
    let exercise = match parse_exercise(text) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(exercise.id, "md");
    assert_eq!(exercise.instructions, "# Goal\n\nShip **no** shell.\n");
    assert_eq!(exercise.checks[0].line, 8);
    // Errors keep the original file's lines.
    let e = error(&text.replace("no_shell", "no_shel"));
    assert_eq!((e.line, e.column), (9, 8), "{e}");
    let e = error(&text.replace("context = \"go\"", "instructions = \"x\""));
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("after the closing `+++`"), "{e}");
    // An unclosed front matter is not the Markdown form, and not valid TOML either.
    let e = error("+++\nid = \"x\"\n");
    assert_eq!(e.line, 1, "{e}");
}
