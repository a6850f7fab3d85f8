//! Every check kind, passing and failing, on small Dockerfiles; ranges point at the
//! right instruction; grading is deterministic and never panics.

use stagecraft_exercises::{
    grade, render_markdown_blocks, Check, CheckKind, CheckResult, Exercise, ExerciseCheck,
};
use stagecraft_syntax::Severity;

fn exercise(checks: Vec<Check>, context: &str) -> Exercise {
    Exercise {
        id: "t".into(),
        title: "T".into(),
        instructions: String::new(),
        context: Some(context.into()),
        starter: String::new(),
        solution: None,
        hints: Vec::new(),
        checks: checks
            .into_iter()
            .map(|check| ExerciseCheck {
                label: check.default_label(),
                check,
                line: 1,
            })
            .collect(),
    }
}

/// Grades `text` against one check, in the node context unless said otherwise.
fn check_in(check: Check, context: &str, text: &str) -> CheckResult {
    let mut grade = grade(&exercise(vec![check], context), text);
    assert_eq!(grade.results.len(), 1);
    grade.results.remove(0)
}

fn check(check: Check, text: &str) -> CheckResult {
    check_in(check, "node", text)
}

/// The text the result's range covers.
fn at<'a>(result: &CheckResult, text: &'a str) -> &'a str {
    result
        .range
        .and_then(|r| text.get(r.start..r.end))
        .unwrap_or("<no range>")
}

fn pass(result: &CheckResult) {
    assert!(result.passed, "expected a pass: {result:#?}");
    assert_eq!(result.range, None);
}

fn fail(result: &CheckResult) {
    assert!(!result.passed, "expected a failure: {result:#?}");
}

const DISTROLESS: &str = "FROM node:20 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n\nFROM gcr.io/distroless/nodejs20-debian12\nCOPY --from=build /app /app\nUSER nonroot\nEXPOSE 3000\nCMD [\"server.js\"]\n";
const FULL: &str =
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";

#[test]
fn final_size() {
    let r = check(Check::FinalSizeMbMax { value: 230.0 }, DISTROLESS);
    pass(&r);
    assert!(r.detail.starts_with("now 195.4 MB"), "{}", r.detail);
    let r = check(Check::FinalSizeMbMax { value: 230.0 }, FULL);
    fail(&r);
    assert!(r.detail.starts_with("now 1179.2 MB"), "{}", r.detail);
    assert!(r.detail.ends_with("over the 230 MB limit"), "{}", r.detail);
    // The base weighs most, so the range is the base image.
    assert_eq!(at(&r, FULL), "node:20");
    assert_eq!(r.label, "Final image is at most 230 MB");
}

#[test]
fn final_base() {
    let values = |v: &[&str]| Check::FinalBaseIn {
        values: v.iter().map(|s| s.to_string()).collect(),
    };
    pass(&check(
        values(&["node:20"]),
        "FROM docker.io/library/node:20\n",
    ));
    pass(&check(
        values(&["docker.io/library/node:20"]),
        "FROM node:20\n",
    ));
    pass(&check(values(&["node"]), "FROM node:20-alpine\n"));
    pass(&check(
        values(&["node:20"]),
        "FROM node:20 AS base\nFROM base\nRUN true\n",
    ));
    let text = "FROM node:18\n";
    let r = check(values(&["node:20", "scratch"]), text);
    fail(&r);
    assert_eq!(r.detail, "now node:18");
    assert_eq!(at(&r, text), "node:18");
    pass(&check(
        values(&["scratch"]),
        "FROM scratch\nCOPY server.js /\n",
    ));
}

#[test]
fn shell_and_package_manager() {
    pass(&check(Check::NoShell, DISTROLESS));
    pass(&check(Check::NoPackageManager, DISTROLESS));
    let text = "FROM alpine:3.20\n";
    let r = check(Check::NoShell, text);
    fail(&r);
    assert!(r.detail.contains("/bin/sh"), "{}", r.detail);
    assert_eq!(at(&r, text), "alpine:3.20");
    let r = check(Check::NoPackageManager, text);
    fail(&r);
    assert!(r.detail.contains("apk"), "{}", r.detail);
    // A shell copied in is that COPY's doing.
    let text = "FROM scratch\nCOPY --from=busybox:latest /bin/busybox /bin/busybox\n";
    let r = check(Check::NoShell, text);
    fail(&r);
    assert!(at(&r, text).starts_with("COPY --from=busybox"), "{r:#?}");
}

#[test]
fn not_root() {
    pass(&check(Check::NotRoot, DISTROLESS));
    let r = check(Check::NotRoot, FULL);
    fail(&r);
    assert_eq!(r.detail, "runs as root");
    let text = "FROM node:20\nUSER node\nRUN true\nUSER root\n";
    let r = check(Check::NotRoot, text);
    fail(&r);
    assert_eq!(at(&r, text), "USER root");
    pass(&check(Check::NotRoot, "FROM node:20\nUSER 1000:1000\n"));
}

#[test]
fn stages_and_copy_from() {
    pass(&check(Check::StagesMin { value: 2 }, DISTROLESS));
    let r = check(Check::StagesMin { value: 2 }, FULL);
    fail(&r);
    assert_eq!(r.detail, "now 1 stage");
    let r = check(Check::UsesCopyFrom, DISTROLESS);
    pass(&r);
    assert_eq!(r.detail, "COPY --from=build on line 8");
    fail(&check(Check::UsesCopyFrom, FULL));
    // A COPY --from in a stage the build skips does not count.
    fail(&check(
        Check::UsesCopyFrom,
        "FROM alpine AS a\nRUN true\nFROM alpine AS unused\nCOPY --from=a /etc /etc\nFROM alpine\n",
    ));
}

#[test]
fn target_exists() {
    let text = "FROM golang:1.22 AS build\nRUN true\nFROM build AS Test\nRUN go test ./...\nFROM scratch AS release\nCOPY --from=build /go /go\n";
    let r = check_in(
        Check::TargetExists {
            target: "test".into(),
        },
        "go",
        text,
    );
    pass(&r);
    assert_eq!(
        r.detail,
        "`--target test` builds build, test and skips release"
    );
    let r = check_in(
        Check::TargetExists {
            target: "tset".into(),
        },
        "go",
        text,
    );
    fail(&r);
    assert!(r.detail.contains("did you mean `test`?"), "{}", r.detail);
    let r = check_in(
        Check::TargetExists {
            target: "test".into(),
        },
        "go",
        FULL,
    );
    fail(&r);
    assert!(r.detail.contains("no stage has a name"), "{}", r.detail);
}

#[test]
fn no_diagnostic() {
    let text = "FROM alpine\nENV A=$NOPE\n";
    let code = |c: &str| Check::NoDiagnostic {
        code: Some(c.into()),
        severity: None,
    };
    let r = check(code("UndefinedVar"), text);
    fail(&r);
    assert!(r.detail.starts_with("line 2: "), "{}", r.detail);
    assert!(at(&r, text).contains("NOPE"), "{r:#?}");
    pass(&check(
        code("UndefinedVar"),
        "FROM alpine\nARG NOPE\nENV A=$NOPE\n",
    ));
    let severity = |s| Check::NoDiagnostic {
        code: None,
        severity: Some(s),
    };
    let broken = "FROM alpine\nFORM alpine\n";
    fail(&check(severity(Severity::Error), broken));
    pass(&check(
        severity(Severity::Error),
        "FROM alpine\nENV A=$NOPE\n",
    ));
    // `warning` rules out errors too.
    fail(&check(severity(Severity::Warning), broken));
}

#[test]
fn paths() {
    let present = |p: &str| Check::PathPresent { path: p.into() };
    let absent = |p: &str| Check::PathAbsent { path: p.into() };
    pass(&check(present("/app/server.js"), DISTROLESS));
    pass(&check(present("/app"), DISTROLESS));
    // Inside a tree entry (node_modules is one) counts as present.
    pass(&check(present("/app/node_modules/express"), DISTROLESS));
    let r = check(present("/app/dist"), DISTROLESS);
    fail(&r);
    assert_eq!(r.detail, "/app/dist is not in the final image");
    pass(&check(absent("/root/.npm"), DISTROLESS));
    let r = check(absent("/root/.npm"), FULL);
    fail(&r);
    assert_eq!(at(&r, FULL), "RUN npm ci");
    let r = check(absent("/usr/local/bin/node"), FULL);
    fail(&r);
    assert!(r.detail.contains("from the base image"), "{}", r.detail);
}

#[test]
fn ports_and_healthcheck() {
    let port = |p: &str| Check::PortExposed { port: p.into() };
    pass(&check(port("3000/tcp"), DISTROLESS));
    let text = "FROM alpine:3.20\nEXPOSE 53/udp\n";
    let r = check(port("80/tcp"), text);
    fail(&r);
    assert!(r.detail.contains("53/udp"), "{}", r.detail);
    pass(&check(port("53/udp"), text));
    fail(&check(port("53/tcp"), "FROM alpine\nEXPOSE 53/udp\n"));
    fail(&check(port("80/tcp"), "FROM alpine\n"));

    let hc = "FROM nginx:1.27-alpine\nHEALTHCHECK --interval=30s CMD wget -qO- http://localhost/ || exit 1\n";
    let r = check(Check::HealthcheckPresent, hc);
    pass(&r);
    assert!(r.detail.starts_with("HEALTHCHECK "), "{}", r.detail);
    fail(&check(
        Check::HealthcheckPresent,
        "FROM nginx:1.27-alpine\n",
    ));
    let r = check(
        Check::HealthcheckPresent,
        "FROM nginx:1.27-alpine\nHEALTHCHECK NONE\n",
    );
    fail(&r);
}

#[test]
fn cache_order() {
    let good = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n";
    let r = check(Check::CacheOrder, good);
    pass(&r);
    let r = check(Check::CacheOrder, FULL);
    fail(&r);
    assert_eq!(at(&r, FULL), "COPY . .");
    assert!(r.detail.contains("comes after"), "{}", r.detail);
    // Installing before any manifest is there installs nothing useful.
    let text = "FROM node:20\nWORKDIR /app\nRUN npm ci\nCOPY . .\n";
    let r = check(Check::CacheOrder, text);
    fail(&r);
    assert_eq!(at(&r, text), "RUN npm ci");
    // No install step at all.
    let r = check(Check::CacheOrder, "FROM node:20\nCOPY . .\n");
    fail(&r);
    assert!(
        r.detail.starts_with("no dependency install step"),
        "{}",
        r.detail
    );
    // Go: manifests copied, or bind-mounted, before `go mod download`.
    let go = "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./...\n";
    pass(&check_in(Check::CacheOrder, "go", go));
    let mounted = "FROM golang:1.22\nWORKDIR /src\nRUN --mount=type=bind,source=go.mod,target=go.mod --mount=type=bind,source=go.sum,target=go.sum go mod download\nCOPY . .\nRUN go build ./...\n";
    pass(&check_in(Check::CacheOrder, "go", mounted));
    fail(&check_in(
        Check::CacheOrder,
        "go",
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build ./...\n",
    ));
    // A remote ADD is not a copy of the source.
    let remote = "FROM node:20\nADD https://example.com/tini /tini\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n";
    pass(&check(Check::CacheOrder, remote));
    // Python: requirements first.
    let py = "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n";
    pass(&check_in(Check::CacheOrder, "python", py));
}

#[test]
fn platform_args() {
    let declared = "FROM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n";
    let r = check_in(Check::BuildArgsForPlatform, "go", declared);
    pass(&r);
    assert!(r.detail.contains("declares ARG TARGETOS"), "{}", r.detail);
    let platform = "FROM --platform=$BUILDPLATFORM node:20 AS build\nRUN true\nFROM nginx:1.27-alpine\nCOPY --from=build /etc/hostname /x\n";
    pass(&check_in(Check::BuildArgsForPlatform, "go", platform));
    // Only stages the build runs count.
    let skipped =
        "FROM --platform=$BUILDPLATFORM node:20 AS build\nRUN true\nFROM nginx:1.27-alpine\n";
    fail(&check_in(Check::BuildArgsForPlatform, "go", skipped));
    let braces = "FROM --platform=${BUILDPLATFORM} golang:1.22\n";
    pass(&check_in(Check::BuildArgsForPlatform, "go", braces));
    // Used, but never declared inside the stage: empty there.
    let undeclared = "ARG TARGETARCH\nFROM golang:1.22 AS build\nRUN GOARCH=$TARGETARCH go build -o /out/app .\n";
    let r = check_in(Check::BuildArgsForPlatform, "go", undeclared);
    fail(&r);
    assert!(
        r.detail
            .contains("without `ARG TARGETARCH` inside the stage"),
        "{}",
        r.detail
    );
    assert!(at(&r, undeclared).starts_with("RUN GOARCH"), "{r:#?}");
    let r = check_in(
        Check::BuildArgsForPlatform,
        "go",
        "FROM golang:1.22\nRUN GOARCH=amd64 go build .\n",
    );
    fail(&r);
}

#[test]
fn empty_and_junk_text_fail_without_panicking() {
    let all = vec![
        Check::FinalSizeMbMax { value: 1.0 },
        Check::FinalBaseIn {
            values: vec!["scratch".into()],
        },
        Check::NoShell,
        Check::NoPackageManager,
        Check::NotRoot,
        Check::StagesMin { value: 1 },
        Check::UsesCopyFrom,
        Check::TargetExists { target: "x".into() },
        Check::NoDiagnostic {
            code: None,
            severity: Some(Severity::Info),
        },
        Check::PathPresent { path: "/".into() },
        Check::PathAbsent { path: "/".into() },
        Check::PortExposed {
            port: "80/tcp".into(),
        },
        Check::HealthcheckPresent,
        Check::CacheOrder,
        Check::BuildArgsForPlatform,
    ];
    let kinds: Vec<CheckKind> = all.iter().map(Check::kind).collect();
    assert_eq!(kinds, CheckKind::ALL.to_vec(), "one case per kind");
    let exercise = exercise(all, "empty");
    for text in [
        "",
        "\u{0}\u{1}",
        "FROM",
        "FROM scratch AS a\nFROM a AS b\nFROM b\n",
        "COPY --from=x / /\n",
    ] {
        let grade = grade(&exercise, text);
        assert_eq!(grade.results.len(), 15);
        if text.is_empty() {
            assert!(grade.results.iter().all(|r| !r.passed), "{grade:#?}");
        }
    }
}

#[test]
fn grading_is_deterministic() {
    let pack = stagecraft_exercises::builtin_pack();
    for exercise in &pack.exercises {
        for text in [
            &exercise.starter,
            exercise.solution.as_ref().unwrap_or(&exercise.starter),
        ] {
            let a = serde_json::to_string(&grade(exercise, text)).unwrap_or_default();
            let b = serde_json::to_string(&grade(exercise, text)).unwrap_or_default();
            assert!(!a.is_empty());
            assert_eq!(a, b, "{}", exercise.id);
        }
        let a = serde_json::to_string(&render_markdown_blocks(&exercise.instructions));
        let b = serde_json::to_string(&render_markdown_blocks(&exercise.instructions));
        assert_eq!(a.ok(), b.ok());
    }
    let pack_json = serde_json::to_string(&pack).unwrap_or_default();
    assert_eq!(
        pack_json,
        serde_json::to_string(&stagecraft_exercises::builtin_pack()).unwrap_or_default()
    );
}

#[test]
fn shipped_instructions_render_without_raw_markup() {
    for exercise in &stagecraft_exercises::builtin_pack().exercises {
        let blocks = render_markdown_blocks(&exercise.instructions);
        assert!(!blocks.is_empty(), "{}", exercise.id);
        let json = serde_json::to_string(&blocks).unwrap_or_default();
        // Markers that survived rendering mean a typo in the instructions.
        assert!(!json.contains("**"), "{}: {json}", exercise.id);
        for hint in &exercise.hints {
            let json = serde_json::to_string(&render_markdown_blocks(hint)).unwrap_or_default();
            assert!(!json.contains("**"), "{}: {json}", exercise.id);
        }
    }
}

#[test]
fn the_json_shape_is_stable() {
    // The CLI's `--format json` and the web app read these names.
    let exercise = exercise(vec![Check::FinalSizeMbMax { value: 150.0 }], "node");
    let text = "FROM node:20\n";
    let json = serde_json::to_value(grade(&exercise, text)).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!({
            "results": [{
                "kind": "final_size_mb_max",
                "label": "Final image is at most 150 MB",
                "passed": false,
                "detail": "now 1100.0 MB; the base node:20 is 1100.0 MB of it, over the 150 MB limit",
                "range": {"start": 5, "end": 12},
            }],
            "passed": false,
        })
    );
    let json = serde_json::to_value(&exercise.checks).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!([{
            "kind": "final_size_mb_max",
            "value": 150.0,
            "label": "Final image is at most 150 MB",
            "line": 1,
        }])
    );
}

#[test]
fn many_stages_grade_quickly() {
    // Each stage copies from the one before: a long chain for the target walk.
    let mut text = String::from("FROM alpine:3.20 AS s0\nRUN echo 0 > /f\n");
    for i in 1..400 {
        text.push_str(&format!(
            "FROM alpine:3.20 AS s{i}\nCOPY --from=s{} /f /f\n",
            i - 1
        ));
    }
    let all: Vec<Check> = vec![
        Check::TargetExists {
            target: "s399".into(),
        },
        Check::CacheOrder,
        Check::BuildArgsForPlatform,
        Check::UsesCopyFrom,
        Check::StagesMin { value: 400 },
    ];
    let grade = grade(&exercise(all, "empty"), &text);
    assert!(grade.results[0].passed, "{:#?}", grade.results[0]);
    assert!(grade.results[3].passed && grade.results[4].passed);
}
