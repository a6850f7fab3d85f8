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
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "stagecraft-cli-test-{}-{}.Dockerfile",
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
    let file = TempFile::new(b"FROM alpine:3.20\nRUN echo ok\n");
    let output = stagecraft(&["analyze", file.arg(), "--format", "text"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "no problems found\n");
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
    for command in ["parse", "analyze", "graph"] {
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
