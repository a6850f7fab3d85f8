//! End-to-end tests of the `stagecraft` binary: real processes on real temporary files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &[u8]) -> TempFile {
        TempFile::with_extension(contents, "Dockerfile")
    }

    /// A temporary file whose name ends in `.{extension}`.
    fn with_extension(contents: &[u8], extension: &str) -> TempFile {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "stagecraft-cli-test-{}-{}.{extension}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, contents).expect("write the temporary file");
        TempFile(path)
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn stagecraft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stagecraft"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run stagecraft")
}

fn stagecraft_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stagecraft"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stagecraft");
    let mut stdin = child.stdin.take().expect("stdin");
    // The binary may stop reading early (too large input): a broken pipe is fine.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("wait for stagecraft")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

const HEREDOC: &str = "\
# syntax=docker/dockerfile:1
FROM alpine
RUN <<EOF
echo hello
echo world
EOF
COPY <<-\"CONF\" /etc/app.conf
\tkey=value
CONF
";

#[test]
fn parse_json_shape_for_heredocs() {
    let file = TempFile::new(HEREDOC.as_bytes());
    let output = stagecraft(&["parse", file.arg(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json_of(&output);
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["diagnostics", "instructions"]);
    assert_eq!(value["diagnostics"], json!([]));
    let instructions = value["instructions"].as_array().unwrap();
    assert_eq!(instructions.len(), 3);
    // The RUN's range covers its heredoc body and terminator, not the final newline.
    let run_start = HEREDOC.find("RUN").unwrap();
    let run_end = HEREDOC.find("COPY").unwrap() - 1;
    assert_eq!(
        instructions[1],
        json!({
            "cmd": "RUN",
            "sub_cmd": null,
            "json": false,
            "original": "RUN <<EOF",
            "start_line": 3,
            "end_line": 6,
            "flags": [],
            "value": ["<<EOF"],
            "heredocs": [{"name": "EOF", "file_descriptor": 0, "content": "echo hello\necho world\n"}],
            "range": {"start": run_start, "end": run_end},
        })
    );
    let copy = &instructions[2];
    assert_eq!(copy["cmd"], "COPY");
    assert_eq!(copy["heredocs"][0]["name"], "CONF");
    assert_eq!(copy["heredocs"][0]["content"], "\tkey=value\n");
    assert_eq!(
        (copy["start_line"].as_u64(), copy["end_line"].as_u64()),
        (Some(7), Some(9))
    );
    // Keys come out in the documented order, pretty-printed.
    let text = stdout(&output);
    let order: Vec<usize> = [
        "\"cmd\"",
        "\"sub_cmd\"",
        "\"json\"",
        "\"original\"",
        "\"start_line\"",
        "\"end_line\"",
        "\"flags\"",
        "\"value\"",
        "\"heredocs\"",
        "\"range\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.starts_with("{\n  \"instructions\": [\n"), "{text}");
}

#[test]
fn parse_reports_syntax_errors_with_exit_1() {
    let file = TempFile::new(b"FROM alpine\nRUN <<EOF\necho never closed\n");
    let output = stagecraft(&["parse", file.arg()]);
    assert_eq!(output.status.code(), Some(1));
    let value = json_of(&output);
    let diagnostic = &value["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert!(diagnostic["line"].as_u64().unwrap() >= 2, "{diagnostic}");
}

const THREE_STAGES: &str = "\
FROM golang:1.22 AS build
RUN go build -o /out/app
FROM alpine AS test
COPY --from=0 /out/app /app
RUN /app --self-test
FROM nginx:alpine AS web
COPY --from=nginx:alpine /etc/nginx /etc/nginx
COPY --from=build /out/app /usr/bin/app
";

#[test]
fn analyze_json_with_a_target_that_skips_a_stage() {
    let file = TempFile::new(THREE_STAGES.as_bytes());
    let output = stagecraft(&[
        "analyze",
        file.arg(),
        "--format",
        "json",
        "--target",
        "test",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let value = json_of(&output);
    assert_eq!(
        value["stages"],
        json!([
            {"index": 0, "name": "build", "base": "golang:1.22", "line": 1, "built": true},
            {"index": 1, "name": "test", "base": "alpine", "line": 3, "built": true},
            {"index": 2, "name": "web", "base": "nginx:alpine", "line": 6, "built": false},
        ])
    );
    assert_eq!(
        value["edges"],
        json!([
            {"kind": "from", "from_stage": null, "from_image": "golang:1.22", "to_stage": 0, "line": 1},
            {"kind": "from", "from_stage": null, "from_image": "alpine", "to_stage": 1, "line": 3},
            {"kind": "copy", "from_stage": 0, "from_image": null, "to_stage": 1, "line": 4},
            {"kind": "from", "from_stage": null, "from_image": "nginx:alpine", "to_stage": 2, "line": 6},
            {"kind": "copy", "from_stage": null, "from_image": "nginx:alpine", "to_stage": 2, "line": 7},
            {"kind": "copy", "from_stage": 0, "from_image": null, "to_stage": 2, "line": 8},
        ])
    );
    assert_eq!(value["target"], json!(1));
    assert_eq!(value["build_levels"], json!([[0], [1]]));
    assert!(value["diagnostics"].is_array());
    let text = stdout(&output);
    let order: Vec<usize> = [
        "\"stages\"",
        "\"edges\"",
        "\"target\"",
        "\"build_levels\"",
        "\"diagnostics\"",
    ]
    .iter()
    .map(|k| text.find(&format!("\n  {k}")).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");

    // Without --target the last stage is the target and everything is built.
    let output = stagecraft(&["analyze", file.arg(), "--format=json"]);
    let value = json_of(&output);
    assert_eq!(value["target"], json!(2));
    assert_eq!(value["build_levels"], json!([[0], [2]]));
    let built: Vec<&Value> = value["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["built"])
        .collect();
    assert_eq!(built, [&json!(true), &json!(false), &json!(true)]);
}

#[test]
fn analyze_text_shows_carets_and_exits_1_on_errors() {
    let file = TempFile::new(b"FROM alpine AS base\nRUN true\nFROM base AS base\n");
    let output = stagecraft(&["analyze", file.arg()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let expected_header =
        "error[DuplicateStageName]: Duplicate stage name 'base', stage names should be unique\n";
    let at = text
        .find(expected_header)
        .unwrap_or_else(|| panic!("{text}"));
    let block: Vec<&str> = text[at..].lines().take(7).collect();
    assert_eq!(
        block,
        [
            expected_header.trim_end(),
            &format!(" --> {}:3:14", file.arg()),
            "  |",
            "3 | FROM base AS base",
            "  |              ^^^^",
            "  |",
            "  = help: BuildKit cannot tell the two stages apart: rename one of them.",
        ]
    );
    let summary = text.lines().last().unwrap();
    assert!(summary.starts_with("1 error"), "{summary}");
}

#[test]
fn analyze_text_clean_file_exits_0() {
    let file = TempFile::new(b"FROM alpine:3.20\nUSER nobody\nRUN echo ok\n");
    let output = stagecraft(&["analyze", file.arg(), "--format", "text"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // No diagnostics: the image summary, then the summary line.
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"final image (estimated): stage 0"),
        "{text}"
    );
    assert!(
        lines.contains(&"  base             alpine:3.20 (7.80 MB)"),
        "{text}"
    );
    assert!(lines.contains(&"  shell            yes"), "{text}");
    assert!(lines.contains(&"  package manager  apk"), "{text}");
    assert!(text.ends_with("\n\nno problems found\n"), "{text}");
    assert_eq!(stderr(&output), "");
}

#[test]
fn build_args_reach_the_analysis() {
    let text = "ARG BASE=alpine\nFROM ${BASE}\n";
    let output = stagecraft_stdin(
        &[
            "analyze",
            "-",
            "--format",
            "json",
            "--build-arg",
            "BASE=debian:12",
        ],
        text.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(json_of(&output)["stages"][0]["base"], "debian:12");
    let output = stagecraft_stdin(&["analyze", "-", "--build-arg", "BASE"], text.as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output)
        .starts_with("stagecraft: error: `--build-arg BASE` needs the form KEY=VALUE\n"));
}

#[test]
fn graph_outputs() {
    let file = TempFile::new(THREE_STAGES.as_bytes());
    let dot = stagecraft(&["graph", file.arg(), "--target", "test"]);
    assert_eq!(dot.status.code(), Some(0));
    let dot = stdout(&dot);
    assert!(
        dot.starts_with("digraph stages {\n") && dot.ends_with("}\n"),
        "{dot}"
    );
    assert!(
        dot.contains("  s2 [label=\"web\\nFROM nginx:alpine\\n(skipped)\", class=\"skipped\""),
        "{dot}"
    );
    assert!(
        dot.contains("  s0 -> s1 [label=\"copy\", style=dashed];\n"),
        "{dot}"
    );
    let mermaid = stdout(&stagecraft(&["graph", file.arg(), "--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("  s0 -.->|copy| s2\n"), "{mermaid}");
    let json = json_of(&stagecraft(&["graph", file.arg(), "--format", "json"]));
    assert_eq!(json["images"].as_array().map(Vec::len), Some(3));
    let unknown = stagecraft(&["graph", file.arg(), "--target", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(stderr(&unknown).lines().count(), 1);
}

/// Runs `args` expecting exit code 2 and exactly one line on stderr, which is returned.
fn one_line_error(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert_eq!(stdout(output), "");
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn missing_file() {
    let path = std::env::temp_dir().join("stagecraft-cli-test-does-not-exist");
    let output = stagecraft(&["analyze", path.to_str().unwrap()]);
    assert_eq!(
        one_line_error(&output),
        format!(
            "stagecraft: error: {}: no such file or directory\n",
            path.display()
        )
    );
}

#[test]
fn directory() {
    let dir = std::env::temp_dir();
    let output = stagecraft(&["parse", dir.to_str().unwrap()]);
    assert_eq!(
        one_line_error(&output),
        format!("stagecraft: error: {}: is a directory\n", dir.display())
    );
}

#[test]
fn binary_file() {
    let file = TempFile::new(b"\x7fELF\x02\x01\x01\0\0\0\0FROM");
    let output = stagecraft(&["analyze", file.arg()]);
    let err = one_line_error(&output);
    assert!(
        err.starts_with(&format!("stagecraft: error: {}: binary file", file.arg())),
        "{err}"
    );
}

#[test]
fn not_utf8_file() {
    let file = TempFile::new(b"FROM alpine\nRUN echo \xff\xfe\n");
    let output = stagecraft(&["graph", file.arg()]);
    let err = one_line_error(&output);
    assert_eq!(
        err,
        format!(
            "stagecraft: error: {}: not UTF-8 text (invalid byte at offset 21)\n",
            file.arg()
        )
    );
}

#[test]
fn huge_file() {
    let mut big = b"FROM alpine\n".to_vec();
    big.resize(6 * 1024 * 1024, b'#');
    let file = TempFile::new(&big);
    let output = stagecraft(&["analyze", file.arg()]);
    assert_eq!(
        one_line_error(&output),
        format!(
            "stagecraft: error: {}: file is too large (6291456 bytes; the limit is 5 MiB)\n",
            file.arg()
        )
    );
    let output = stagecraft_stdin(&["parse", "-"], &big);
    assert_eq!(
        one_line_error(&output),
        "stagecraft: error: <stdin>: input is too large (the limit is 5 MiB)\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = stagecraft(&["lint", "Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("stagecraft: error: unknown command `lint`\nUsage: "));
    let output = stagecraft(&["analyze", "--frobnicate", "Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with(
        "stagecraft: error: unknown option `--frobnicate`\nUsage: stagecraft analyze"
    ));
    let output = stagecraft(&[]);
    assert_eq!(output.status.code(), Some(2));
    for command in ["parse", "analyze", "explain", "trace", "graph"] {
        let output = stagecraft(&[command, "--help"]);
        assert_eq!(output.status.code(), Some(0));
        assert!(
            stdout(&output).contains(&format!("Usage: stagecraft {command} [OPTIONS] <FILE|->"))
        );
    }
}

#[test]
fn stdin_input() {
    let output = stagecraft_stdin(
        &["graph", "-", "--format", "json"],
        b"FROM scratch AS a\nFROM a\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json_of(&output);
    assert_eq!(value["edges"][0]["from"], "s0");
    assert_eq!(value["edges"][0]["to"], "s1");
    assert!(Path::new(env!("CARGO_BIN_EXE_stagecraft")).exists());
}

const GO_TO_SCRATCH: &str = "\
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /app ./cmd/server

FROM scratch
COPY --from=build /app /app
USER 65532:65532
EXPOSE 8080
ENTRYPOINT [\"/app\"]
";

const GO_SINGLE: &str = "\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/server ./cmd/server
CMD [\"server\"]
";

#[test]
fn analyze_json_reports_the_final_image() {
    let file = TempFile::new(GO_TO_SCRATCH.as_bytes());
    let output = stagecraft(&["analyze", file.arg(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let value = json_of(&output);
    // The analysis fields are still there, in order, before the new ones.
    let text = stdout(&output);
    let order: Vec<usize> = [
        "\"stages\"",
        "\"edges\"",
        "\"target\"",
        "\"build_levels\"",
        "\"diagnostics\"",
        "\"context\"",
        "\"image\"",
    ]
    .iter()
    .map(|k| text.find(&format!("\n  {k}")).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert_eq!(value["context"], "go");
    let image = &value["image"];
    let size = image["size_mb"].as_f64().unwrap();
    assert!(size > 0.0 && size < 15.0, "{image}");
    let compressed = image["compressed_mb"].as_f64().unwrap();
    assert!(compressed > 0.0 && compressed <= size, "{image}");
    assert_eq!(image["base"], "scratch");
    assert_eq!(image["user"], "65532:65532");
    assert_eq!(image["workdir"], "/");
    assert_eq!(image["has_shell"], false);
    assert_eq!(image["package_manager"], Value::Null);
    assert_eq!(image["toolchains"], json!([]));
    assert_eq!(image["added_paths"], json!(["/app"]));
    assert_eq!(image["command"], json!(["/app"]));
    assert_eq!(image["exposed_ports"], json!(["8080/tcp"]));
    assert_eq!(image["source_code"], json!([]));
    assert_eq!(image["secrets"], json!([]));
    let layers = image["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{image}");
    assert_eq!(layers[0]["line"], 9);
    assert_eq!(layers[0]["created_by"], "COPY --from=build /app /app");
    assert!(layers[0]["size_mb"].as_f64().unwrap() > 0.0);
    assert_eq!(layers[0]["wasted_mb"].as_f64(), Some(0.0));

    // No stage, no image.
    let output = stagecraft_stdin(&["analyze", "-", "--format", "json"], b"# empty\n");
    assert_eq!(json_of(&output)["image"], Value::Null);
}

#[test]
fn a_single_stage_golang_image_ships_the_toolchain() {
    let file = TempFile::new(GO_SINGLE.as_bytes());
    let output = stagecraft(&["analyze", file.arg(), "--format=json"]);
    let value = json_of(&output);
    let image = &value["image"];
    let toolchains: Vec<&str> = image["toolchains"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(toolchains.contains(&"go"), "{image}");
    assert!(image["size_mb"].as_f64().unwrap() > 800.0, "{image}");
    assert_eq!(image["has_shell"], true);
    assert_eq!(image["package_manager"], "apt");
    let codes: Vec<&str> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"toolchain-in-final-image"), "{codes:?}");
    // The text form ends with the image summary, then the summary line.
    let text = stdout(&stagecraft(&["analyze", file.arg()]));
    let summary = text
        .find("final image (estimated): stage 0\n")
        .unwrap_or_else(|| panic!("{text}"));
    let block: Vec<&str> = text[summary..].lines().collect();
    assert!(block[1].starts_with("  size             8"), "{text}");
    assert_eq!(
        block[2], "  base             golang:1.22 (823.15 MB)",
        "{text}"
    );
    assert_eq!(block[3], "  user             root");
    assert_eq!(block[4], "  shell            yes");
    assert_eq!(block[5], "  package manager  apt");
    assert!(block[6].starts_with("  toolchains       ") && block[6].contains("go"));
}

#[test]
fn explain_shows_layers_paths_stages_and_badges() {
    let file = TempFile::new(GO_SINGLE.as_bytes());
    let output = stagecraft(&["explain", file.arg()]);
    // Warnings, no errors.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for heading in [
        "\nBase image\n",
        "\nSize by layer\n",
        "\nBiggest paths\n",
        "\nWhat each stage contributed\n",
        "\nBadges\n",
        "\nDiagnostics\n",
    ] {
        assert!(text.contains(heading), "{heading:?} in {text}");
    }
    assert!(
        text.contains("  golang:1.22: 823.15 MB (catalog entry"),
        "{text}"
    );
    // One bar per layer plus the base, the base the largest.
    let bars: Vec<&str> = text.lines().filter(|l| l.contains(" [")).collect();
    assert!(
        bars[0].starts_with(&format!("  base       [{}]", "#".repeat(30))),
        "{text}"
    );
    assert!(bars.iter().any(|l| l.starts_with("  line 4     [#")
        && l.ends_with("RUN go build -o /usr/local/bin/server ./cmd/server")));
    // The ten biggest paths, the Go toolchain from the base first.
    let paths = text.split("\nBiggest paths\n").nth(1).unwrap();
    let rows: Vec<&str> = paths.lines().take_while(|l| l.starts_with("  /")).collect();
    assert_eq!(rows.len(), 10, "{paths}");
    assert!(rows[0].starts_with("  /usr/local/go/ "), "{paths}");
    assert!(rows[0].contains(" MB  base golang:1.22"), "{paths}");
    assert!(rows.iter().any(|r| r.contains("RUN, line 4")), "{paths}");
    assert!(text.contains("\n  toolchains       "), "{text}");
    assert!(
        text.contains("\n  command          [\"server\"]\n"),
        "{text}"
    );
    assert!(text.contains("warning[cache-in-final-image]"), "{text}");
    assert!(bars.iter().all(|l| l.is_ascii()), "{text}");

    // A multi-stage build: what the build stage contributed.
    let file = TempFile::new(GO_TO_SCRATCH.as_bytes());
    let text = stdout(&stagecraft(&["explain", file.arg()]));
    assert!(
        text.contains("  scratch: 0.00 MB (an empty filesystem"),
        "{text}"
    );
    let contributed = text
        .split("\nWhat each stage contributed\n")
        .nth(1)
        .unwrap();
    let first = contributed.lines().next().unwrap();
    assert!(
        first.starts_with("  stage 0 (build), ")
            && first.ends_with(" copied in by COPY --from (line 9)"),
        "{text}"
    );
    assert!(text.contains("\n  shell            no\n"), "{text}");
    assert!(text.contains("\n  /app  "), "{text}");
    assert!(text.contains("stage 0 (build), line 9"), "{text}");
    // Deterministic.
    assert_eq!(text, stdout(&stagecraft(&["explain", file.arg()])));
}

#[test]
fn trace_orders_stages_and_marks_transfers() {
    let file = TempFile::new(GO_TO_SCRATCH.as_bytes());
    let output = stagecraft(&["trace", file.arg(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let steps = json_of(&output);
    let steps = steps.as_array().unwrap();
    assert_eq!(steps.len(), 11, "{steps:?}");
    let stages: Vec<u64> = steps.iter().map(|s| s["stage"].as_u64().unwrap()).collect();
    assert_eq!(stages, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    let levels: Vec<u64> = steps.iter().map(|s| s["level"].as_u64().unwrap()).collect();
    assert!(levels.windows(2).all(|w| w[0] <= w[1]), "{levels:?}");
    let keys: Vec<&String> = steps[0].as_object().unwrap().keys().collect();
    let mut expected = [
        "stage",
        "stage_name",
        "level",
        "line",
        "end_line",
        "keyword",
        "summary",
        "diff",
        "layer",
        "transfer",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(steps[0]["keyword"], "FROM");
    assert_eq!(steps[0]["stage_name"], "build");
    assert_eq!(steps[0]["transfer"], Value::Null);
    let copy = steps
        .iter()
        .find(|s| !s["transfer"].is_null())
        .expect("a transfer");
    assert_eq!(copy["stage"], 1);
    assert_eq!(copy["line"], 9);
    assert_eq!(copy["keyword"], "COPY");
    let transfer = &copy["transfer"];
    assert_eq!(transfer["from_stage"], 0);
    assert_eq!(transfer["from_image"], Value::Null);
    assert_eq!(transfer["sources"], json!(["/app"]));
    assert_eq!(transfer["destinations"], json!(["/app"]));
    assert!(transfer["bytes"].as_u64().unwrap() > 0, "{transfer}");
    let added = copy["diff"]["added"].as_array().unwrap();
    assert_eq!(added[0]["path"], "/app");
    assert_eq!(added[0]["kind"], "file");
    assert!(added[0]["bytes"].as_u64().unwrap() > 0);
    assert_eq!(copy["diff"]["removed"], json!([]));
    assert_eq!(copy["layer"], 0);

    // Text: one line a step, then a summary line.
    let output = stagecraft(&["trace", file.arg()]);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 12, "{text}");
    assert!(
        lines[0].starts_with("level 0  stage 0 (build)  line 1   FROM"),
        "{text}"
    );
    assert!(
        lines[6].starts_with("level 1  stage 1          line 8   FROM"),
        "{text}"
    );
    let copy = lines[7];
    assert!(
        copy.starts_with("level 1  stage 1          line 9   COPY"),
        "{text}"
    );
    assert!(
        copy.contains(" <- stage 0 (build): /app -> /app, "),
        "{text}"
    );
    assert!(copy.ends_with(" bytes"), "{text}");
    assert!(
        lines[11].starts_with("11 steps, 2 stages in 2 levels; final image "),
        "{text}"
    );
}

#[test]
fn context_and_image_options() {
    let dockerfile = TempFile::new(b"FROM myorg/base:1.4\nCOPY . /app\n");
    let listing = TempFile::new(b"# my project\nsrc/main.go 4KB\ngo.mod 1KB\n.env 100\n");
    let ignore = TempFile::new(b".env\n");
    let output = stagecraft(&[
        "analyze",
        dockerfile.arg(),
        "--format=json",
        "--context-file",
        listing.arg(),
        "--dockerignore",
        ignore.arg(),
        "--image-size",
        "myorg/base:1.4=250",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json_of(&output);
    assert_eq!(value["context"], "custom");
    let image = &value["image"];
    assert_eq!(
        image["added_paths"],
        json!(["/app/go.mod", "/app/src/main.go"])
    );
    assert_eq!(image["base_mb"].as_f64(), Some(250.0));
    assert_eq!(image["size_mb"].as_f64(), Some(250.01));

    let inspect = TempFile::new(
        br#"[{"RepoTags": ["myorg/base:1.4"], "Size": 120000000, "Os": "linux",
              "Config": {"User": "app", "Cmd": ["/bin/sh"]}}]"#,
    );
    let output = stagecraft(&[
        "explain",
        dockerfile.arg(),
        "--import-image",
        inspect.arg(),
        "--context",
        "static",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("simulated with the `static` build context"),
        "{text}"
    );
    assert!(
        text.contains("  myorg/base:1.4: 120.00 MB (catalog entry"),
        "{text}"
    );
    assert!(text.contains("\n  user             app\n"), "{text}");
}

#[test]
fn bad_option_files_are_one_line_errors() {
    let dockerfile = TempFile::new(GO_TO_SCRATCH.as_bytes());
    let listing = TempFile::new(b"src/main.go 4KB\n\nbroken-line\n");
    for command in ["analyze", "explain", "trace"] {
        let output = stagecraft(&[command, dockerfile.arg(), "--context-file", listing.arg()]);
        let err = one_line_error(&output);
        assert!(
            err.starts_with(&format!(
                "stagecraft: error: {}:3: `broken-line` has no size",
                listing.arg()
            )),
            "{err}"
        );
    }
    let listing = TempFile::new(b"src/main.go 4 parsecs\n");
    let err = one_line_error(&stagecraft(&[
        "analyze",
        dockerfile.arg(),
        "--context-file",
        listing.arg(),
    ]));
    assert!(
        err.starts_with(&format!("stagecraft: error: {}:1: ", listing.arg())),
        "{err}"
    );

    let inspect = TempFile::new(b"[{\"RepoTags\": [\"x:1\"],\n  \"Size\": \"big\"}]\n");
    let err = one_line_error(&stagecraft(&[
        "trace",
        dockerfile.arg(),
        "--import-image",
        inspect.arg(),
    ]));
    assert!(
        err.starts_with(&format!(
            "stagecraft: error: {}:2:15: docker image inspect: ",
            inspect.arg()
        )),
        "{err}"
    );
    let inspect = TempFile::new(b"{\"RepoTags\": [\n");
    let err = one_line_error(&stagecraft(&[
        "analyze",
        dockerfile.arg(),
        "--import-image",
        inspect.arg(),
    ]));
    assert!(
        err.starts_with(&format!("stagecraft: error: {}:2:", inspect.arg())),
        "{err}"
    );

    // Unreadable files: the same rules as the Dockerfile.
    let binary = TempFile::new(b"src\0main.go 4KB\n");
    let err = one_line_error(&stagecraft(&[
        "analyze",
        dockerfile.arg(),
        "--dockerignore",
        binary.arg(),
    ]));
    assert_eq!(
        err,
        format!(
            "stagecraft: error: {}: binary file (NUL byte at offset 3); a Dockerfile is text\n",
            binary.arg()
        )
    );
    let missing = std::env::temp_dir().join("stagecraft-cli-test-no-such-inspect.json");
    let err = one_line_error(&stagecraft(&[
        "explain",
        dockerfile.arg(),
        "--import-image",
        missing.to_str().unwrap(),
    ]));
    assert_eq!(
        err,
        format!(
            "stagecraft: error: {}: no such file or directory\n",
            missing.display()
        )
    );

    // Wrong option values are usage errors.
    for (option, value, message) in [
        (
            "--context",
            "nodejs",
            "unknown context preset `nodejs`: use node, ",
        ),
        (
            "--image-size",
            "myorg/base",
            "`--image-size myorg/base` needs the form REF=MB",
        ),
        (
            "--image-size",
            "a=lots",
            "`--image-size a=lots`: `lots` is not a size",
        ),
    ] {
        let output = stagecraft(&["analyze", dockerfile.arg(), option, value]);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).starts_with(&format!("stagecraft: error: {message}")),
            "{}",
            stderr(&output)
        );
    }
}

/// Checks that `svg` is well-formed as far as tags go: every element closes in order,
/// there is one root, and text and attribute values hold no raw `&` (entities only).
/// Returns the number of elements.
fn check_tags(svg: &str) -> usize {
    let mut open: Vec<&str> = Vec::new();
    let mut elements = 0;
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        check_text(&rest[..at]);
        let end = rest[at..].find('>').expect("an unclosed tag") + at;
        let tag = &rest[at + 1..end];
        assert!(!tag.contains('<'), "`<` inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name.trim()), "mismatched </{name}>");
        } else {
            assert!(
                !open.is_empty() || elements == 0,
                "a second root element: <{tag}>"
            );
            elements += 1;
            check_text(tag);
            let name = tag.split_whitespace().next().expect("a tag name");
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    check_text(rest);
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    elements
}

fn check_text(text: &str) {
    for (at, _) in text.match_indices('&') {
        let end = text[at..].find(';').map_or(text.len(), |e| at + e + 1);
        let entity = &text[at..end];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&entity),
            "a raw `&`: {entity}"
        );
    }
}

#[test]
fn graph_svg_is_the_core_drawing() {
    let file = TempFile::new(THREE_STAGES.as_bytes());
    let output = stagecraft(&["graph", file.arg(), "--format", "svg"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = stdout(&output);
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.ends_with("</svg>\n"), "{svg}");
    assert!(check_tags(&svg) > 10);
    for needle in [
        "data-direction=\"left-to-right\"",
        "data-stage=\"0\"",
        "data-stage=\"2\"",
        "data-edge-kind=\"copy\"",
        "data-edge-kind=\"from\"",
        "prefers-color-scheme: dark",
        // The simulator's size of each stage, as the web app shows it.
        "<text class=\"size\"",
    ] {
        assert!(svg.contains(needle), "{needle}: {svg}");
    }
    // Deterministic.
    let again = stdout(&stagecraft(&["graph", file.arg(), "--format", "svg"]));
    assert_eq!(svg, again);

    let output = stagecraft(&[
        "graph",
        file.arg(),
        "--format=svg",
        "--target",
        "test",
        "--direction",
        "tb",
        "--theme",
        "dark",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = stdout(&output);
    check_tags(&svg);
    assert!(svg.contains("data-direction=\"top-to-bottom\""), "{svg}");
    assert!(!svg.contains("prefers-color-scheme"), "{svg}");
    // `web` is not needed for `test`: drawn, but skipped.
    assert!(
        svg.contains("data-stage=\"2\" data-built=\"false\""),
        "{svg}"
    );

    let unknown = stagecraft(&["graph", file.arg(), "--format=svg", "--target", "nope"]);
    assert!(one_line_error(&unknown)
        .starts_with(&format!("stagecraft: error: {}: target stage", file.arg())));
    let wrong = stagecraft(&["graph", file.arg(), "--theme", "dark"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).starts_with("stagecraft: error: `--theme` applies only to `--format svg`\n")
    );
}

#[test]
fn graph_svg_escapes_hostile_names() {
    let hostile = "FROM alpine AS a<b>&\"c'd\nRUN true\nFROM \"<img src=x onerror=alert(1)>\"\nCOPY --from=a<b>&\"c'd /x /x\n";
    let output = stagecraft_stdin(&["graph", "--format", "svg", "-"], hostile.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = stdout(&output);
    check_tags(&svg);
    assert!(!svg.contains("<b>"), "{svg}");
    assert!(!svg.contains("<img"), "{svg}");
    assert!(svg.contains("a&lt;b&gt;&amp;&quot;c&apos;d"), "{svg}");
    assert!(svg.contains("data-edge-kind=\"copy\""), "{svg}");
}

/// The starter and solution of a built-in exercise, as files.
fn builtin_files(id: &str) -> (TempFile, TempFile) {
    let pack = stagecraft_exercises::builtin_pack();
    let exercise = pack.exercise(id).expect("a built-in exercise");
    let solution = exercise.solution.as_deref().expect("a solution");
    (
        TempFile::new(exercise.starter.as_bytes()),
        TempFile::new(solution.as_bytes()),
    )
}

/// `N of M checks pass`, as the checklist ends.
fn summary(passed: usize, total: usize) -> String {
    if total == 1 {
        format!("{passed} of 1 check passes")
    } else {
        format!("{passed} of {total} checks pass")
    }
}

#[test]
fn grade_fails_every_starter_and_passes_every_solution() {
    let pack = stagecraft_exercises::builtin_pack();
    assert!(pack.exercises.len() >= 3, "{}", pack.exercises.len());
    for exercise in &pack.exercises {
        let id = exercise.id.as_str();
        let total = exercise.checks.len();
        let (starter, solution) = builtin_files(id);

        let output = stagecraft(&["grade", id, starter.arg()]);
        assert_eq!(output.status.code(), Some(1), "{id}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(
            text.starts_with(&format!("{id}: {}\n", exercise.title)),
            "{text}"
        );
        assert!(text.contains("  ✗ [FAIL] "), "{text}");
        let failed = text.matches("  ✗ [FAIL] ").count();
        assert!(
            text.ends_with(&format!("\n\n{}\n", summary(total - failed, total))),
            "{text}"
        );

        let output = stagecraft(&["grade", id, solution.arg()]);
        assert_eq!(output.status.code(), Some(0), "{id}: {}", stdout(&output));
        let text = stdout(&output);
        assert!(!text.contains("[FAIL]"), "{text}");
        assert_eq!(text.matches("  ✓ [pass] ").count(), total, "{text}");
        assert!(
            text.ends_with(&format!("\n\n{}\n", summary(total, total))),
            "{text}"
        );
    }
}

#[test]
fn grade_text_points_at_the_problem() {
    let (starter, _) = builtin_files("node-distroless");
    let output = stagecraft(&["grade", "node-distroless", starter.arg()]);
    let text = stdout(&output);
    assert!(
        text.contains(&format!(
            "\n{} graded, simulated with the `node` build context\n\n",
            starter.arg()
        )),
        "{text}"
    );
    assert!(
        text.contains("  ✗ [FAIL] Final image is at most 230 MB\n           now "),
        "{text}"
    );
    // `FROM node:20`: the base image, on line 1.
    assert!(
        text.contains(&format!("           --> {}:1:6\n", starter.arg())),
        "{text}"
    );
    // Standard input, and the same grade twice.
    let pack = stagecraft_exercises::builtin_pack();
    let exercise = pack.exercise("node-distroless").expect("exercise");
    let piped = stagecraft_stdin(
        &["grade", "node-distroless", "-"],
        exercise.starter.as_bytes(),
    );
    assert_eq!(piped.status.code(), Some(1));
    let piped = stdout(&piped);
    assert!(piped.contains("\n           --> <stdin>:1:6\n"), "{piped}");
    assert_eq!(piped, text.replace(starter.arg(), "<stdin>"));
}

#[test]
fn grade_json_shape() {
    let (starter, solution) = builtin_files("copy-from-path");
    let output = stagecraft(&["grade", "copy-from-path", starter.arg(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let value = json_of(&output);
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["context", "exercise", "passed", "results", "title"]);
    assert_eq!(value["exercise"], "copy-from-path");
    assert_eq!(value["title"], "Fix a COPY --from path that does not exist");
    assert_eq!(value["passed"], false);
    let results = value["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "column",
                "detail",
                "end_column",
                "end_line",
                "kind",
                "label",
                "line",
                "passed",
                "range",
            ]
        );
        assert!(result["kind"].is_string() && result["label"].is_string());
        assert!(result["passed"].is_boolean() && result["detail"].is_string());
        if result["range"].is_null() {
            assert!(result["line"].is_null() && result["column"].is_null());
        } else {
            assert!(result["range"]["start"].is_u64() && result["range"]["end"].is_u64());
            assert!(result["line"].as_u64() >= Some(1));
            assert!(result["column"].as_u64() >= Some(1));
        }
    }
    let failed = results
        .iter()
        .find(|r| r["passed"] == false)
        .expect("a failed check");
    assert!(failed["range"].is_object(), "{failed}");
    assert_eq!(failed["line"], 9, "{failed}");

    let output = stagecraft(&["grade", "copy-from-path", solution.arg(), "--format=json"]);
    assert_eq!(output.status.code(), Some(0));
    let value = json_of(&output);
    assert_eq!(value["passed"], true);
    assert!(value["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["passed"] == true && r["range"].is_null()));
}

const EXERCISE_TOML: &str = r#"id = "tiny"
title = "A tiny exercise"
instructions = "Use two stages."
starter = '''
FROM alpine
'''

[[check]]
kind = "stages_min"
value = 2

[[check]]
kind = "not_root"
"#;

#[test]
fn grade_with_exercise_files() {
    let exercise = TempFile::with_extension(EXERCISE_TOML.as_bytes(), "toml");
    let one = TempFile::new(b"FROM alpine\n");
    let output = stagecraft(&["grade", exercise.arg(), one.arg()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("tiny: A tiny exercise\n"), "{text}");
    assert!(text.ends_with("\n\n0 of 2 checks pass\n"), "{text}");
    let two = TempFile::new(b"FROM alpine AS a\nFROM alpine\nUSER nobody\n");
    let output = stagecraft(&["grade", exercise.arg(), two.arg()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).ends_with("\n\n2 of 2 checks pass\n"));

    // The Markdown form: TOML front matter, then the instructions.
    let markdown = "+++\nid = \"tiny-md\"\ntitle = \"Tiny\"\nstarter = '''\nFROM alpine\n'''\n[[check]]\nkind = \"not_root\"\n+++\n\nRun as **someone else**.\n";
    let exercise = TempFile::with_extension(markdown.as_bytes(), "md");
    let output = stagecraft(&["grade", exercise.arg(), two.arg()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).ends_with("\n\n1 of 1 check passes\n"));
}

#[test]
fn grade_errors_exit_2() {
    let dockerfile = TempFile::new(b"FROM alpine\n");
    // A malformed exercise: FILE:LINE:COLUMN: message, on one line.
    let broken = EXERCISE_TOML.replace("kind = \"not_root\"", "kind = \"not_rot\"");
    let exercise = TempFile::with_extension(broken.as_bytes(), "toml");
    let err = one_line_error(&stagecraft(&["grade", exercise.arg(), dockerfile.arg()]));
    assert!(
        err.starts_with(&format!(
            "stagecraft: error: {}:13:8: unknown check kind `not_rot`",
            exercise.arg()
        )),
        "{err}"
    );
    let not_toml = TempFile::with_extension(b"id = \"x\"\ntitle = 3\n", "toml");
    let err = one_line_error(&stagecraft(&["grade", not_toml.arg(), dockerfile.arg()]));
    assert!(
        err.starts_with(&format!("stagecraft: error: {}:2:9: ", not_toml.arg())),
        "{err}"
    );
    // An exercise file that cannot be read.
    let missing = std::env::temp_dir().join("stagecraft-cli-test-missing-exercise.toml");
    let err = one_line_error(&stagecraft(&[
        "grade",
        missing.to_str().unwrap(),
        dockerfile.arg(),
    ]));
    assert!(err.ends_with(": no such file or directory\n"), "{err}");

    // An unknown built-in id: the ids that exist, before standard input is read.
    let err = one_line_error(&stagecraft(&["grade", "node-distrolss", "-"]));
    assert!(
        err.starts_with(
            "stagecraft: error: unknown exercise `node-distrolss` (did you mean `node-distroless`?); the built-in exercises are node-distroless, "
        ),
        "{err}"
    );
    assert!(err.contains(", go-scratch, "), "{err}");
    let err = one_line_error(&stagecraft(&["grade", "zzz", dockerfile.arg()]));
    assert!(
        err.starts_with("stagecraft: error: unknown exercise `zzz`; "),
        "{err}"
    );

    // A Dockerfile that cannot be read.
    let err = one_line_error(&stagecraft(&[
        "grade",
        "go-scratch",
        "/nonexistent/Dockerfile",
    ]));
    assert_eq!(
        err,
        "stagecraft: error: /nonexistent/Dockerfile: no such file or directory\n"
    );
    let output = stagecraft(&["grade", "go-scratch"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn grade_list() {
    let pack = stagecraft_exercises::builtin_pack();
    let output = stagecraft(&["grade", "--list"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), pack.exercises.len());
    for (line, exercise) in lines.iter().zip(&pack.exercises) {
        let (id, title) = line.split_once(' ').expect("id and title");
        assert_eq!(id, exercise.id);
        assert_eq!(title.trim_start(), exercise.title);
    }
    let json = json_of(&stagecraft(&["grade", "--list", "--format", "json"]));
    assert_eq!(json.as_array().map(Vec::len), Some(pack.exercises.len()));
    assert_eq!(json[0]["id"], pack.exercises[0].id.as_str());
    assert_eq!(json[0]["title"], pack.exercises[0].title.as_str());
}
