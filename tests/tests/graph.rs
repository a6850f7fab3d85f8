//! The stage graph as BuildKit sees it: references, the target, the stages it builds and
//! skips, and the levels it builds in parallel.

use stagecraft_analysis::{analyze, EdgeKind, Options};

fn options(target: Option<&str>, args: &[(&str, &str)]) -> Options {
    Options {
        target: target.map(str::to_string),
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        dockerignore: None,
    }
}

const PARALLEL: &str = "\
FROM golang:1.22 AS build-api
RUN go build -o /api ./api

FROM node:20 AS build-web
RUN npm ci && npm run build

FROM alpine:3.20 AS test
COPY --from=build-api /api /api
RUN /api -selftest

FROM nginx:1.27-alpine AS final
COPY --from=build-api /api /usr/local/bin/api
COPY --from=build-web /app/dist /usr/share/nginx/html
RUN --mount=type=bind,from=busybox:1.36,source=/bin/busybox,target=/bb /bb true
";

#[test]
fn default_target_is_last_stage_and_unused_stages_are_skipped() {
    let a = analyze(PARALLEL, &Options::default());
    assert_eq!(a.target, Some(3));
    let built: Vec<bool> = a.stages.iter().map(|s| s.built).collect();
    assert_eq!(
        built,
        [true, true, false, true],
        "the test stage is not needed for final"
    );
    assert_eq!(
        a.build_levels,
        vec![vec![0, 1], vec![3]],
        "both builders run in parallel"
    );
    assert!(
        a.diagnostics
            .iter()
            .all(|d| d.severity != stagecraft_analysis::Severity::Error),
        "{:?}",
        a.diagnostics
    );
}

#[test]
fn target_selects_the_stages_it_needs() {
    let a = analyze(PARALLEL, &options(Some("TEST"), &[]));
    assert_eq!(a.target, Some(2), "target names are case-insensitive");
    let built: Vec<bool> = a.stages.iter().map(|s| s.built).collect();
    assert_eq!(built, [true, false, true, false]);
    assert_eq!(a.build_levels, vec![vec![0], vec![2]]);
}

#[test]
fn edges_have_kinds_and_external_images() {
    let a = analyze(PARALLEL, &Options::default());
    let summary: Vec<(EdgeKind, Option<usize>, Option<&str>, usize)> = a
        .edges
        .iter()
        .map(|e| (e.kind, e.from_stage, e.from_image.as_deref(), e.to_stage))
        .collect();
    assert!(summary.contains(&(EdgeKind::From, None, Some("golang:1.22"), 0)));
    assert!(summary.contains(&(EdgeKind::Copy, Some(0), None, 2)));
    assert!(summary.contains(&(EdgeKind::Copy, Some(1), None, 3)));
    assert!(summary.contains(&(EdgeKind::Mount, None, Some("busybox:1.36"), 3)));
    let lines: Vec<u32> = a
        .edges
        .iter()
        .filter(|e| e.to_stage == 3 && e.kind == EdgeKind::Copy)
        .map(|e| e.line)
        .collect();
    assert_eq!(lines, [12, 13]);
}

#[test]
fn from_an_earlier_stage_and_copy_by_index() {
    let text = "FROM alpine:3.20 AS Base\nRUN apk add curl\nFROM base\nCOPY --from=0 /etc/apk /apk\nFROM scratch AS unused\n";
    let a = analyze(text, &options(Some("1"), &[]));
    // `--target 1` is not a stage name, so BuildKit refuses it; the default target stands.
    assert!(a.diagnostics.iter().any(|d| d.code == "unknown-target"));
    let a = analyze(text, &Options::default());
    assert_eq!(
        a.stages[0].name.as_deref(),
        Some("base"),
        "names are lower-cased"
    );
    assert_eq!(
        a.stages[1].base_stage,
        Some(0),
        "FROM base refers to the stage named Base"
    );
    assert_eq!(a.stages[2].base, "scratch");
    assert!(
        a.edges.iter().all(|e| e.to_stage != 2),
        "scratch is no image to pull"
    );
    assert_eq!(a.target, Some(2));
    assert!(!a.stages[0].built && !a.stages[1].built);
}

#[test]
fn build_args_and_platform_args_expand_in_from() {
    let text = "ARG GO=1.22\nARG VARIANT\nFROM --platform=$BUILDPLATFORM golang:${GO}${VARIANT:+-$VARIANT} AS build\nFROM alpine:${ALPINE:-3.20}\n";
    let a = analyze(text, &Options::default());
    assert_eq!(a.stages[0].base, "golang:1.22");
    assert_eq!(a.stages[0].platform.as_deref(), Some("linux/amd64"));
    assert_eq!(a.stages[1].base, "alpine:3.20");
    let a = analyze(
        text,
        &options(
            None,
            &[("GO", "1.23"), ("VARIANT", "alpine"), ("ALPINE", "3.19")],
        ),
    );
    assert_eq!(a.stages[0].base, "golang:1.23-alpine");
    // ALPINE is not a declared global ARG, so the build arg does not reach FROM.
    assert_eq!(a.stages[1].base, "alpine:3.20");
}

#[test]
fn stage_arg_needs_redeclaration_to_see_a_global() {
    let text = "ARG VERSION=1\nFROM alpine:3.20\nLABEL v=$VERSION\nFROM alpine:3.20\nARG VERSION\nLABEL v=$VERSION\n";
    let a = analyze(text, &Options::default());
    let undefined: Vec<usize> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "UndefinedVar")
        .map(|d| d.range.start)
        .collect();
    assert_eq!(undefined.len(), 1, "{:?}", a.diagnostics);
    assert!(undefined[0] < text.find("FROM alpine:3.20\nARG").unwrap_or(0));
}
