//! The TOML reader (`toml-span` and the field walk over it): every TOML feature a
//! teacher may write reads as it should, and each kind of mistake (syntax, duplicate,
//! unknown field, wrong type, a table for an array of tables) is reported once, in one
//! line, at the key or value it concerns, in plain files, Markdown front matter and pack
//! manifests alike.

use std::collections::BTreeMap;

use stagecraft_exercises::{
    builtin_sources, manifest_files, parse_exercise, parse_pack, Check, Exercise, FormatError,
};

fn parsed(text: &str) -> Exercise {
    match parse_exercise(text) {
        Ok(e) => e,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn error(text: &str) -> FormatError {
    match parse_exercise(text) {
        Ok(e) => panic!("expected an error, parsed {e:?}"),
        Err(e) => e,
    }
}

/// `(line, column, message)`, to compare whole errors at once.
fn at(e: &FormatError) -> (u32, u32, &str) {
    (e.line, e.column, e.message.as_str())
}

/// The header of a valid exercise; checks start on line 6.
const HEAD: &str =
    "id = \"x\"\ntitle = \"X\"\ninstructions = \"Do it.\"\nstarter = \"FROM scratch\"\n\n";

#[test]
fn every_toml_feature_a_teacher_may_use() {
    let text = r#"# An exercise, with a comment
"id" = "features" # quoted key, trailing comment
'title' = 'Literal \title'
instructions = """
Line one\
   joined to it.
Tab:\there, quote: \", backslash: \\, accent: \u00e9, emoji: \U0001F600."""
starter = '''
FROM node:20 \
  AS build
'''
hints = [
  "first", # a comment inside an array
  'second',
  # a comment on its own line
  """third""",
]

[[check]]
kind = "final_size_mb_max"
value = 1.5e2
label = ""
[[check]]
kind = "stages_min"
value = +2
[[check]]
kind = "final_base_in"
values = [
  "node:20",
  "gcr.io/distroless/nodejs20-debian12",
]
[[check]]
kind = "port_exposed"
port = 8_080
"#;
    let e = parsed(text);
    assert_eq!(e.id, "features");
    assert_eq!(e.title, "Literal \\title");
    // A line-ending backslash eats the newline and the indent after it.
    assert_eq!(
        e.instructions,
        "Line onejoined to it.\nTab:\there, quote: \", backslash: \\, accent: \u{e9}, emoji: \u{1F600}."
    );
    // A literal string keeps the backslash line continuation a Dockerfile needs.
    assert_eq!(e.starter, "FROM node:20 \\\n  AS build\n");
    assert_eq!(e.hints, ["first", "second", "third"]);
    let checks: Vec<&Check> = e.checks.iter().map(|c| &c.check).collect();
    assert_eq!(
        checks,
        [
            &Check::FinalSizeMbMax { value: 150.0 },
            &Check::StagesMin { value: 2 },
            &Check::FinalBaseIn {
                values: vec![
                    "node:20".into(),
                    "gcr.io/distroless/nodejs20-debian12".into()
                ]
            },
            &Check::PortExposed {
                port: "8080/tcp".into()
            },
        ]
    );
    // An empty label is the default label; lines are the `[[check]]` headers.
    assert_eq!(e.checks[0].label, "Final image is at most 150 MB");
    let lines: Vec<u32> = e.checks.iter().map(|c| c.line).collect();
    assert_eq!(lines, [19, 23, 26, 32]);

    // Windows line endings read the same, multi-line strings included.
    assert_eq!(parsed(&text.replace('\n', "\r\n")), e);
}

#[test]
fn checks_as_inline_tables() {
    let text = format!(
        "{HEAD}check = [\n  {{ kind = \"no_shell\" }},\n  {{ kind = \"stages_min\", value = 2, label = \"Two\" }},\n]\n"
    );
    let e = parsed(&text);
    assert_eq!(e.checks.len(), 2);
    assert_eq!(e.checks[1].check, Check::StagesMin { value: 2 });
    assert_eq!(e.checks[1].label, "Two");
    // Each check's line is the line of its `{`.
    assert_eq!((e.checks[0].line, e.checks[1].line), (7, 8));
}

#[test]
fn syntax_errors_in_front_matter_keep_the_files_lines() {
    let md = "+++\nid = \"x\"\ntitle = \"X\nstarter = \"\"\n+++\n\n# Body\n";
    let e = error(md);
    assert_eq!(
        at(&e),
        (
            3,
            11,
            "this string is not closed on its line (only \"\"\"…\"\"\" and '''…''' strings may span lines)"
        )
    );
    let e = error("+++\nid = \"x\"\n[[check]\nkind = \"no_shell\"\n+++\n");
    assert_eq!(at(&e), (3, 9, "expected a right bracket, found a newline"));
    // Lines after the front matter do not count, so an error at its end is at its end.
    let e = error("+++\nid = \"x\"\ntitle = \"X\"\nstarter = \"\"\n+++\n\nA [[check]] in prose.\n");
    assert_eq!((e.line, e.column), (5, 1), "{e}");
    assert!(e.message.contains("no checks"), "{e}");
    // A byte order mark before the opening `+++` (Windows editors write one) is fine.
    let md = "\u{feff}+++\nid = \"bom\"\ntitle = \"X\"\nstarter = \"\"\n[[check]]\nkind = \"no_shel\"\n+++\nBody\n";
    let e = error(md);
    assert_eq!((e.line, e.column), (6, 8), "{e}");
    assert_eq!(parsed(&md.replace("no_shel", "no_shell")).id, "bom");
    // A `+++` never closed says so, instead of a TOML error about the `+`.
    let e = error("+++\nid = \"x\"\n\n# Body\n");
    assert_eq!((e.line, e.column), (1, 1), "{e}");
    assert!(e.message.contains("never closed"), "{e}");
}

#[test]
fn duplicates_name_the_first_line() {
    let e = error("id = \"x\"\ntitle = \"X\"\nid = \"y\"\n");
    assert_eq!(
        at(&e),
        (3, 1, "duplicate key `id`: it is already set on line 1")
    );
    let e = error(&format!(
        "{HEAD}[[check]]\nkind = \"no_shell\"\nkind = \"not_root\"\n"
    ));
    assert_eq!(
        at(&e),
        (8, 1, "duplicate key `kind`: it is already set on line 7")
    );
    // A dotted key and a plain one for the same name: the later one is the duplicate.
    let e = error("a.b = 1\na = 2\n");
    assert_eq!(
        at(&e),
        (2, 1, "duplicate key `a`: it is already set on line 1")
    );
    let e = error("[a]\n[a]\n");
    assert_eq!(
        at(&e),
        (2, 1, "table `a` is defined twice: first on line 1")
    );
}

#[test]
fn unknown_fields_are_named_with_a_suggestion() {
    let e = error(&format!(
        "{HEAD}[[check]]\nkind = \"no_shell\"\nlabl = \"x\"\n"
    ));
    assert_eq!(
        at(&e),
        (
            8,
            1,
            "unknown field `labl`; did you mean `label`?; valid fields: kind, label, value, values, code, severity, path, port, target"
        )
    );
    let e = error("id = \"x\"\nhint = [\"a\"]\n");
    assert_eq!((e.line, e.column), (2, 1), "{e}");
    assert!(e.message.contains("did you mean `hints`?"), "{e}");
    // Inside an inline table, at the key.
    let e = error(&format!(
        "{HEAD}check = [{{ kind = \"no_shell\", extra = 1 }}]\n"
    ));
    assert_eq!((e.line, e.column), (6, 31), "{e}");
    assert!(
        e.message
            .starts_with("unknown field `extra`; valid fields: kind,"),
        "{e}"
    );
    // A sub-table of a check is an unknown field too, at its name in the header.
    let e = error(&format!(
        "{HEAD}[[check]]\nkind = \"no_shell\"\n[check.more]\n"
    ));
    assert_eq!((e.line, e.column), (8, 8), "{e}");
    assert!(e.message.starts_with("unknown field `more`"), "{e}");
    // The first problem from the top is the one reported.
    let e = error("bogus = 1\nid = 5\n");
    assert!(e.message.starts_with("unknown field `bogus`"), "{e}");
}

#[test]
fn wrong_types_inside_inline_tables_and_arrays_point_at_the_value() {
    let e = error(&format!("{HEAD}check = [{{ kind = 1 }}]\n"));
    assert_eq!(
        at(&e),
        (6, 19, "`kind` must be a string, not the integer 1")
    );
    let e = error(&format!(
        "{HEAD}check = [{{ kind = \"final_size_mb_max\", value = \"1\" }}]\n"
    ));
    assert_eq!(
        at(&e),
        (
            6,
            48,
            "`value` must be a number of MB, not the string \"1\""
        )
    );
    let e = error(&format!(
        "{HEAD}check = [{{ kind = \"stages_min\", value = {{ n = 2 }} }}]\n"
    ));
    assert_eq!(
        at(&e),
        (
            6,
            41,
            "`value` must be a whole number of stages, not a table"
        )
    );
    let e = error(&format!(
        "{HEAD}hints = [\"a\", 2]\n[[check]]\nkind = \"no_shell\"\n"
    ));
    assert_eq!(
        at(&e),
        (
            6,
            15,
            "every item of `hints` must be a string, not the integer 2"
        )
    );
    let e = error(&format!("{HEAD}check = [\"no_shell\"]\n"));
    assert_eq!(
        at(&e),
        (
            6,
            10,
            "every item of `check` must be a table, not the string \"no_shell\""
        )
    );
    // A dotted key makes a table; the error points at the key.
    let e = error(&format!("{HEAD}[[check]]\nkind.name = \"no_shell\"\n"));
    assert_eq!(at(&e), (7, 1, "`kind` must be a string, not a table"));
    // A long string is cut in the message.
    let long = "x".repeat(100);
    let e = error(&format!("id = \"x\"\ntitle = \"X\"\nhints = \"{long}\"\n"));
    assert_eq!(
        e.message,
        format!(
            "`hints` must be an array of strings, not the string \"{}\"…",
            "x".repeat(40)
        )
    );
}

#[test]
fn a_table_where_an_array_of_tables_belongs() {
    let e = error(&format!("{HEAD}[check]\nkind = \"no_shell\"\n"));
    assert_eq!(
        at(&e),
        (
            6,
            1,
            "`check` must be an array of tables: write `[[check]]`, not `[check]`"
        )
    );
    let e = error(&format!("{HEAD}check = 5\n"));
    assert_eq!(
        at(&e),
        (
            6,
            9,
            "`check` must be an array of tables, not the integer 5"
        )
    );
}

#[test]
fn values_toml_does_not_have_here_are_refused_plainly() {
    // Dates are TOML, but no field takes one and the parser does not read them.
    let e = error("id = \"x\"\ndue = 2024-05-27\n");
    assert_eq!(
        at(&e),
        (
            2,
            7,
            "dates and times are not used in these files; quote the value to make it a string"
        )
    );
    let e = error(&format!(
        "{HEAD}[[check]]\nkind = \"final_size_mb_max\"\nvalue = true\n"
    ));
    assert_eq!(
        at(&e),
        (8, 9, "`value` must be a number of MB, not the boolean true")
    );
    let e = error("id = \"a\\qb\"\n");
    assert_eq!((e.line, e.column), (1, 9), "{e}");
    assert!(e.message.starts_with("invalid escape `\\q`"), "{e}");
}

#[test]
fn a_bad_image_reference_is_reported_where_it_is_written() {
    let e = error(&format!(
        "{HEAD}[[check]]\nkind = \"final_base_in\"\nvalues = [\"node:20\", \"Node:20\"]\n"
    ));
    assert_eq!((e.line, e.column), (8, 22), "{e}");
    assert!(
        e.message.starts_with("`Node:20` is not an image reference"),
        "{e}"
    );
}

#[test]
fn manifests_read_the_same_way() {
    let files = BTreeMap::new();
    let first = |manifest: &str| match parse_pack(manifest, &files) {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => e.errors[0].to_string(),
    };
    assert_eq!(
        first("id = \"w\"\ntitle = \"W\"\nexercises = []\n"),
        "pack.toml:3:13: `exercises` lists no exercise files"
    );
    assert_eq!(
        first("id = \"w\"\ntitle = \"W\"\nexercises = \"a.toml\"\n"),
        "pack.toml:3:13: `exercises` must be an array of strings, not the string \"a.toml\""
    );
    assert_eq!(
        first("id = \"w\"\ntitle = \"W\"\nexercises = [\"a.toml\"]\nexercises = []\n"),
        "pack.toml:4:1: duplicate key `exercises`: it is already set on line 3"
    );
    assert_eq!(
        first("title = \"W\"\nexercises = [\"a.toml\"]\n"),
        "pack.toml:1:1: missing field `id`"
    );

    // The file list, as written, before anything is fetched; a broken manifest gets the
    // same error `parse_pack` gives.
    let listed =
        manifest_files("id = \"w\"\ntitle = \"W\"\nexercises = [\"./a.toml\", 'b/c.md']\n");
    assert_eq!(
        listed.ok(),
        Some(vec!["./a.toml".to_string(), "b/c.md".to_string()])
    );
    for broken in [
        "id = \"w\"\ntitle = \"W\nexercises = []\n",
        "id = \"W W\"\ntitle = \"W\"\nexercises = [\"a.toml\"]\n",
        "id = \"w\"\ntitle = \"W\"\nexercise = [\"a.toml\"]\n",
    ] {
        let from_list = manifest_files(broken).err().map(|e| e.to_string());
        assert_eq!(from_list, Some(first(broken)), "{broken}");
    }
    let (manifest, files) = builtin_sources();
    assert_eq!(
        manifest_files(manifest).map(|l| l.len()).ok(),
        Some(files.len())
    );
}

#[test]
fn mutated_files_never_panic() {
    // The parser runs in the learner's page, where a panic kills the page: cut, splice
    // and insert TOML's punctuation through every shipped file. Deterministic and bounded.
    let (manifest, files) = builtin_sources();
    let mut seeds: Vec<String> = files.into_values().collect();
    seeds.push(manifest.to_string());
    let pieces = [
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "=",
        ".",
        ",",
        "\n",
        "\r\n",
        "#",
        "\\",
        "\\u",
        "a.b",
        "1",
        "-",
        "+",
        "e",
        "_",
        "\u{feff}",
        "é",
        "\0",
        "+++\n",
        "[[check]]\n",
        "[check.x]\n",
        "inf",
        "0x",
        ":",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..3000 {
        let mut text = seeds[next(seeds.len())].clone();
        for _ in 0..1 + next(3) {
            let mut at = next(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match next(3) {
                0 => text.insert_str(at, pieces[next(pieces.len())]),
                1 => {
                    let mut end = (at + next(8)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, "");
                }
                _ => text.truncate(at),
            }
        }
        // Any outcome but a panic; errors stay on one line for the CLI.
        if let Err(e) = parse_exercise(&text) {
            assert!(!e.message.contains('\n'), "{e:?}");
        }
        let _ = manifest_files(&text);
    }
}
