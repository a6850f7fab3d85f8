//! Differential check against the `dockerfile-parser` crate (0.9.0, test-only).
//!
//! Every Dockerfile of `../shared/corpus` is parsed by both parsers. Where both accept
//! it (dockerfile-parser returns `Ok`, ours reports no error-severity diagnostic), the
//! facts both parsers expose are compared:
//!
//! - the number of stages (top-level FROM instructions);
//! - each stage's name. BuildKit lower-cases stage names (`parseBuildStageName` does
//!   `strings.ToLower(args[2])`, and `COPY --from` / `FROM <stage>` look them up
//!   lower-cased), so names are compared case-insensitively;
//! - each stage's base image, as written;
//! - the `--from` value of every top-level COPY, in order. ONBUILD-wrapped COPYs are
//!   left out (dockerfile-parser keeps ONBUILD as an opaque "misc" instruction), and so
//!   is `RUN --mount=from=`: dockerfile-parser's grammar has no RUN flags at all, the
//!   flags stay part of the shell text, so it exposes nothing to compare.
//!
//! Files where they disagree are listed in `differential-differences.txt` as
//! `<path relative to corpus> : <verdict>: <reason>`. The verdict says who is right
//! according to BuildKit's own parse (`expected/<path>.json`) and the test checks it:
//! `dockerfile-parser is wrong`, `stagecraft is wrong` or `both are wrong`. The test
//! fails on an unlisted disagreement, on a listed file that no longer disagrees, and on
//! a verdict that BuildKit's parse does not bear out.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use serde::Deserialize;
use stagecraft_syntax::{Keyword, Severity};
use stagecraft_tests::{corpus_files, shared_dir, workspace_root};

/// The facts compared between the parsers (and BuildKit).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct View {
    /// One entry per stage: (base image as written, stage name as written).
    stages: Vec<(String, Option<String>)>,
    /// The `--from` value of every top-level COPY that has one, in order.
    copy_from: Vec<String>,
}

/// The stage name BuildKit derives from FROM's arguments: only the
/// `<image> AS <name>` shape names a stage.
fn stage_name(args: &[&str]) -> Option<String> {
    match args {
        [_, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => Some((*name).to_string()),
        _ => None,
    }
}

fn our_view(dockerfile: &stagecraft_syntax::Dockerfile) -> View {
    let mut view = View::default();
    for instruction in &dockerfile.instructions {
        match instruction.keyword {
            Keyword::From => {
                let args = instruction.arg_texts();
                let image = args.first().map(|s| s.to_string()).unwrap_or_default();
                view.stages.push((image, stage_name(&args)));
            }
            Keyword::Copy => {
                for flag in instruction.flags.iter().filter(|f| f.name == "from") {
                    view.copy_from.push(flag.value.clone().unwrap_or_default());
                }
            }
            _ => {}
        }
    }
    view
}

fn their_view(dockerfile: &dockerfile_parser::Dockerfile) -> View {
    use dockerfile_parser::Instruction;
    let mut view = View::default();
    for instruction in &dockerfile.instructions {
        match instruction {
            Instruction::From(from) => view.stages.push((
                from.image.content.clone(),
                from.alias.as_ref().map(|a| a.content.clone()),
            )),
            Instruction::Copy(copy) => {
                for flag in copy.flags.iter().filter(|f| f.name.content == "from") {
                    view.copy_from.push(flag.value.content.clone());
                }
            }
            _ => {}
        }
    }
    view
}

/// One node of BuildKit's parse, as stored in `expected/<path>.json`.
#[derive(Debug, Deserialize)]
struct ExpectedNode {
    cmd: String,
    flags: Vec<String>,
    value: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Expected {
    Nodes(Vec<ExpectedNode>),
    Error { error: String },
}

/// BuildKit's answer from its parse tree: `cmd` is the keyword as written, flags are
/// the processed `--name=value` words.
fn buildkit_view(nodes: &[ExpectedNode]) -> View {
    let mut view = View::default();
    for node in nodes {
        if node.cmd.eq_ignore_ascii_case("from") {
            let args: Vec<&str> = node.value.iter().map(String::as_str).collect();
            let image = args.first().map(|s| s.to_string()).unwrap_or_default();
            view.stages.push((image, stage_name(&args)));
        } else if node.cmd.eq_ignore_ascii_case("copy") {
            for flag in &node.flags {
                if flag == "--from" {
                    view.copy_from.push(String::new());
                } else if let Some(value) = flag.strip_prefix("--from=") {
                    view.copy_from.push(value.to_string());
                }
            }
        }
    }
    view
}

/// BuildKit's parse of a corpus file, from `expected/<path>.json`.
fn read_expected(corpus: &Path, name: &str) -> Expected {
    let path = corpus.join("expected").join(format!("{name}.json"));
    match std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
    {
        Some(expected) => expected,
        None => panic!("no readable expected parse at {}", path.display()),
    }
}

/// Whether two views agree, with names compared as BuildKit does (case-insensitively).
fn same(a: &View, b: &View) -> bool {
    a.copy_from == b.copy_from
        && a.stages.len() == b.stages.len()
        && a.stages.iter().zip(&b.stages).all(|((ai, an), (bi, bn))| {
            ai == bi
                && match (an, bn) {
                    (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                    (None, None) => true,
                    _ => false,
                }
        })
}

/// What differs between our view and dockerfile-parser's, for the failure message.
fn describe(ours: &View, theirs: &View) -> String {
    let mut parts = Vec::new();
    if ours.stages.len() != theirs.stages.len() {
        parts.push(format!(
            "stage count: ours {}, dockerfile-parser {}",
            ours.stages.len(),
            theirs.stages.len()
        ));
    }
    for (i, ((oi, on), (ti, tn))) in ours.stages.iter().zip(&theirs.stages).enumerate() {
        if oi != ti {
            parts.push(format!(
                "stage {i} image: ours {oi:?}, dockerfile-parser {ti:?}"
            ));
        }
        let names_agree = match (on, tn) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            (None, None) => true,
            _ => false,
        };
        if !names_agree {
            parts.push(format!(
                "stage {i} name: ours {on:?}, dockerfile-parser {tn:?}"
            ));
        }
    }
    if ours.copy_from != theirs.copy_from {
        parts.push(format!(
            "COPY --from: ours {:?}, dockerfile-parser {:?}",
            ours.copy_from, theirs.copy_from
        ));
    }
    parts.join("; ")
}

/// `differential-differences.txt`: path -> reason. Malformed lines are returned apart
/// so the test can reject them.
fn listed_differences() -> (BTreeMap<String, String>, Vec<String>) {
    let path = workspace_root().join("tests/differential-differences.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut listed = BTreeMap::new();
    let mut malformed = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match trimmed.split_once(" : ") {
            Some((file, reason)) if !reason.trim().is_empty() => {
                if listed
                    .insert(file.trim().to_string(), reason.trim().to_string())
                    .is_some()
                {
                    malformed.push(format!("listed twice: {line}"));
                }
            }
            _ => malformed.push(line.to_string()),
        }
    }
    (listed, malformed)
}

/// Why dockerfile-parser rejected a file, for the summary: the feature it lacks when
/// our parse shows one it has no grammar for, else its own error, shortened.
fn rejection_class(
    ours: &stagecraft_syntax::Dockerfile,
    error: &dockerfile_parser::Error,
) -> String {
    if ours.escape != '\\' {
        return format!("escape directive set to {:?} (not supported)", ours.escape);
    }
    if ours
        .instructions
        .iter()
        .any(|i| !i.effective().heredocs.is_empty())
    {
        return "heredocs (not supported)".to_string();
    }
    let message = error.to_string();
    // pest's message ends with `= expected <rules>`; keep that, not the position.
    match message.rfind("= expected ") {
        Some(at) => format!("pest: {}", message[at + 2..].trim()),
        None => message.lines().next().unwrap_or_default().to_string(),
    }
}

const VERDICTS: [&str; 3] = [
    "dockerfile-parser is wrong",
    "stagecraft is wrong",
    "both are wrong",
];

#[test]
fn dockerfile_parser_crate_agrees_on_stages_and_copy_from() {
    let Some(shared) = shared_dir("dockerfile_parser_crate_agrees_on_stages_and_copy_from") else {
        return;
    };
    let corpus = shared.join("corpus");
    let (listed, malformed) = listed_differences();
    assert!(
        malformed.is_empty(),
        "malformed lines in differential-differences.txt (want `<path> : <reason>`):\n{}",
        malformed.join("\n")
    );

    let files = corpus_files(&corpus);
    assert!(!files.is_empty(), "no Dockerfiles found under {corpus:?}");

    let (mut both, mut only_ours, mut only_theirs, mut neither) = (0, 0, 0, 0);
    let mut agreements = 0;
    let mut listed_disagreements = 0;
    let mut panics = Vec::new();
    let mut only_theirs_files = Vec::new();
    let mut rejected_by_them: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut disagreeing = Vec::new();

    for file in &files {
        let name = file.to_string_lossy().to_string();
        let text = match std::fs::read_to_string(corpus.join(file)) {
            Ok(text) => text,
            Err(e) => panic!("cannot read {name}: {e}"),
        };
        let ours = stagecraft_syntax::parse(&text);
        let we_accept = !ours
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error);
        // dockerfile-parser has `unwrap`s of its own; a panic counts as a rejection.
        let theirs = match catch_unwind(AssertUnwindSafe(|| {
            dockerfile_parser::Dockerfile::parse(&text)
        })) {
            Ok(Ok(dockerfile)) => Some(dockerfile),
            Ok(Err(error)) => {
                let class = rejection_class(&ours.dockerfile, &error);
                rejected_by_them
                    .entry(class)
                    .or_default()
                    .push(name.clone());
                None
            }
            Err(_) => {
                panics.push(name.clone());
                None
            }
        };
        let Some(theirs) = theirs else {
            if we_accept {
                only_ours += 1;
            } else {
                neither += 1;
            }
            if listed.contains_key(&name) {
                problems.push(format!(
                    "{name}: listed, but dockerfile-parser rejects it now; remove it"
                ));
            }
            continue;
        };
        if !we_accept {
            only_theirs += 1;
            let buildkit = match read_expected(&corpus, &name) {
                Expected::Error { error } => format!("BuildKit rejects it too: {error}"),
                Expected::Nodes(_) => "BuildKit ACCEPTS it: our parser is wrong here".to_string(),
            };
            only_theirs_files.push(format!("{name} ({buildkit})"));
            if listed.contains_key(&name) {
                problems.push(format!(
                    "{name}: listed, but our parser rejects it now; remove it"
                ));
            }
            continue;
        }
        both += 1;

        let our_view = our_view(&ours.dockerfile);
        let their_view = their_view(&theirs);
        if same(&our_view, &their_view) {
            agreements += 1;
            if listed.contains_key(&name) {
                problems.push(format!(
                    "{name}: listed as a disagreement but both parsers now agree; remove it"
                ));
            }
            continue;
        }

        // Who is right: BuildKit's own parse decides.
        let verdict = match &read_expected(&corpus, &name) {
            Expected::Nodes(nodes) => {
                let buildkit = buildkit_view(nodes);
                match (same(&our_view, &buildkit), same(&their_view, &buildkit)) {
                    (true, _) => VERDICTS[0],
                    (false, true) => VERDICTS[1],
                    (false, false) => VERDICTS[2],
                }
            }
            Expected::Error { .. } => "both are wrong (BuildKit rejects the file)",
        };
        let detail = describe(&our_view, &their_view);
        disagreeing.push(format!("{name}: {verdict} ({detail})"));
        match listed.get(&name) {
            None => problems.push(format!(
                "{name}: unlisted disagreement, {verdict}: {detail}\n  \
                 add `{name} : {verdict}: <why>` to tests/differential-differences.txt"
            )),
            Some(reason) if !reason.starts_with(verdict) => problems.push(format!(
                "{name}: listed reason {reason:?} does not start with the verdict \
                 BuildKit's parse gives, {verdict:?} ({detail})"
            )),
            Some(_) => listed_disagreements += 1,
        }
    }

    println!(
        "dockerfile-parser 0.9.0 differential over ../shared/corpus ({} files):",
        files.len()
    );
    println!("  both accept:                   {both:>4}");
    println!("  only we accept:                {only_ours:>4}");
    println!("  only dockerfile-parser accepts:{only_theirs:>5}");
    println!("  neither accepts:               {neither:>4}");
    println!("  agreements:                    {agreements:>4}");
    println!("  listed disagreements:          {listed_disagreements:>4}");
    for line in &only_theirs_files {
        println!("  only dockerfile-parser accepts: {line}");
    }
    println!("  dockerfile-parser rejections, by cause:");
    for (class, names) in &rejected_by_them {
        println!("    {:>4}  {class}", names.len());
        if names.len() <= 10 {
            for name in names {
                println!("            {name}");
            }
        }
    }
    if !panics.is_empty() {
        println!(
            "  dockerfile-parser panicked on {} (counted as rejections): {}",
            panics.len(),
            panics.join(", ")
        );
    }
    for line in &disagreeing {
        println!("  disagreement: {line}");
    }
    for file in listed.keys() {
        if !files.iter().any(|f| f.to_string_lossy() == file.as_str()) {
            problems.push(format!("{file}: listed but not in the corpus"));
        }
    }
    for reason in listed.values() {
        if !VERDICTS.iter().any(|v| reason.starts_with(v)) {
            problems.push(format!(
                "reason {reason:?} must start with one of {VERDICTS:?}"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(
        both + only_ours + only_theirs + neither,
        files.len(),
        "every file is counted once"
    );
}
