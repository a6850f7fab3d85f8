//! The filesystem at a step (`replay::fs_after_step`) against the build itself: after a
//! stage's last step it is the stage's final filesystem, and between two steps of a stage
//! exactly the paths of the later step's diff differ, as that diff says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use stagecraft_simulate::context::BuildContext;
use stagecraft_simulate::replay::fs_after_step;
use stagecraft_simulate::vfs::{Fs, Node};
use stagecraft_simulate::{simulate, SimOptions, Step};

/// Multi-stage files shaped like the corpus: stage chains, COPY --from a stage and an
/// image, deletions, ownership changes, heredocs, mounts, a stage the target skips.
const CORPUS_LIKE: [&str; 5] = [
    "\
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM alpine:3.19 AS certs
RUN apk add --no-cache ca-certificates

FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/app /app
COPY --from=busybox:1.36 /bin/busybox /bin/busybox
USER 65532:65532
ENTRYPOINT [\"/app\"]
",
    "\
FROM node:20-alpine AS base
WORKDIR /app
ENV NODE_ENV=production

FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci

FROM deps AS build
COPY . .
RUN npm run build && rm -rf node_modules/.cache
RUN rm -rf src

FROM base AS test
COPY --from=deps /app/node_modules ./node_modules
RUN npm test

FROM base
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY <<EOF /app/config.json
{\"port\": 3000}
EOF
RUN chown -R node:node /app && chmod 755 /app
USER node
CMD [\"node\", \"dist/server.js\"]
",
    "\
FROM python:3.12-slim AS builder
RUN python -m venv /venv
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip /venv/bin/pip install -r requirements.txt
RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*

FROM python:3.12-slim
COPY --from=builder /venv /venv
RUN --mount=from=builder,source=/venv,target=/mnt/venv ls /mnt/venv
COPY . /app
RUN rm /app/requirements.txt
WORKDIR /app
CMD [\"/venv/bin/python\", \"app.py\"]
",
    "\
ARG VERSION=1.25
FROM nginx:${VERSION}-alpine AS web
RUN rm -rf /usr/share/nginx/html/*
ADD https://example.com/site.tar.gz /tmp/site.tar.gz
RUN ln -s /tmp/site.tar.gz /usr/share/nginx/html/site.tar.gz
COPY --chmod=600 nginx.conf /etc/nginx/nginx.conf
FROM web
RUN rm /etc/nginx/nginx.conf
",
    // A stage that reads from one defined after it, and a chain through both.
    "\
FROM alpine:3.20 AS early
COPY --from=late /out /out
RUN rm -rf /out/tmp

FROM alpine:3.20 AS late
RUN mkdir -p /out/tmp && echo hi > /out/tmp/a
COPY . /out/src

FROM early
COPY --from=late /out/src /srv
",
];

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/simulate");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "Dockerfile"))
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), text)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the acceptance fixtures are missing");
    files.extend(
        CORPUS_LIKE
            .iter()
            .enumerate()
            .map(|(i, text)| (format!("corpus-like #{i}"), text.to_string())),
    );
    files
}

fn entries(fs: &Fs) -> BTreeMap<&str, &Node> {
    fs.iter().map(|(p, n)| (p.as_str(), n)).collect()
}

/// Checks every step of `text` simulated with `options`; returns how many steps changed
/// files (so a test can tell it looked at real work).
fn check(name: &str, text: &str, options: &SimOptions) -> usize {
    let sim = simulate(text, options);
    assert!(!sim.steps.is_empty(), "{name}: no steps");
    let mut by_stage: BTreeMap<usize, Vec<&Step>> = BTreeMap::new();
    for step in &sim.steps {
        by_stage.entry(step.stage).or_default().push(step);
    }
    let mut changing = 0;
    for (stage, steps) in by_stage {
        let mut previous: Option<Fs> = None;
        for step in &steps {
            let at = format!("{name}: stage {stage}, line {}", step.line);
            let Some(after) = fs_after_step(text, &sim.analysis, options, step) else {
                panic!("{at}: no filesystem");
            };
            let diff = &step.diff;
            let touched: BTreeSet<&str> = diff
                .added
                .iter()
                .chain(&diff.changed)
                .chain(&diff.removed)
                .map(|c| c.path.as_str())
                .collect();
            if !touched.is_empty() {
                changing += 1;
            }
            // What the diff says is there is there, with its kind and size.
            for change in diff.added.iter().chain(&diff.changed) {
                let node = after.get(&change.path);
                assert_eq!(
                    node.map(|n| (n.kind, n.size)),
                    Some((change.kind, change.bytes)),
                    "{at}: {}",
                    change.path
                );
            }
            for change in &diff.removed {
                assert!(
                    after.get(&change.path).is_none(),
                    "{at}: {} is still there",
                    change.path
                );
            }
            if let Some(before) = &previous {
                // Applying the diff to the previous step's filesystem gives this one: the
                // removed and added paths are those that disappeared and appeared, changed
                // paths were there before with their previous size, and every path the
                // diff does not name is the same entry, owner, mode and layer included.
                let (before, after_entries) = (entries(before), entries(&after));
                for change in &diff.added {
                    assert!(
                        !before.contains_key(change.path.as_str()),
                        "{at}: {} added twice",
                        change.path
                    );
                }
                for change in &diff.changed {
                    assert_eq!(
                        before.get(change.path.as_str()).map(|n| n.size),
                        change.previous_bytes,
                        "{at}: {} before",
                        change.path
                    );
                }
                for change in &diff.removed {
                    assert_eq!(
                        before.get(change.path.as_str()).map(|n| (n.kind, n.size)),
                        Some((change.kind, change.bytes)),
                        "{at}: {} before",
                        change.path
                    );
                }
                let untouched = |m: &BTreeMap<&str, &Node>| -> Vec<(String, Node)> {
                    m.iter()
                        .filter(|(p, _)| !touched.contains(*p))
                        .map(|(p, n)| (p.to_string(), (*n).clone()))
                        .collect()
                };
                assert!(
                    untouched(&before) == untouched(&after_entries),
                    "{at}: paths outside the diff changed"
                );
            }
            previous = Some(after);
        }
        let Some(last) = previous else { continue };
        let Some(Some(result)) = sim.stages.get(stage) else {
            panic!("{name}: stage {stage} has steps but no result");
        };
        assert!(
            last == result.fs,
            "{name}: stage {stage} after its last step differs from its final filesystem"
        );
    }
    changing
}

#[test]
fn every_step_of_the_fixtures_and_corpus_like_files_replays_exactly() {
    let mut changing = 0;
    for (name, text) in fixtures() {
        changing += check(&name, &text, &SimOptions::default());
    }
    assert!(changing > 50, "only {changing} steps changed files");
}

#[test]
fn replay_uses_the_given_context_and_build_args() {
    let context = BuildContext::parse_listing(
        "package.json 1000\npackage-lock.json 2000\nserver.js 500\nsrc/app.js 300\n",
        "test",
    )
    .unwrap_or_else(|e| panic!("listing: {e}"));
    let mut options = SimOptions {
        context: Some(context),
        ..SimOptions::default()
    };
    options
        .analysis
        .build_args
        .insert("DIR".to_string(), "/srv".to_string());
    let text = "FROM node:20-alpine\nARG DIR=/app\nWORKDIR $DIR\nCOPY . .\nRUN rm server.js\n";
    assert!(check("context and args", text, &options) >= 2);
    let sim = simulate(text, &options);
    let copy = sim.steps.iter().find(|s| s.keyword == "COPY");
    let fs = copy.and_then(|step| fs_after_step(text, &sim.analysis, &options, step));
    let fs = fs.unwrap_or_else(|| panic!("no filesystem after COPY"));
    assert_eq!(fs.get("/srv/server.js").map(|n| n.size), Some(500));
    assert!(fs.get("/app/server.js").is_none());
}

#[test]
fn a_step_of_another_file_gets_no_filesystem() {
    let options = SimOptions::default();
    let long = simulate(
        "FROM alpine\nRUN echo a\nRUN echo b\nRUN echo c\n",
        &options,
    );
    let short = simulate("FROM alpine\n", &options);
    let Some(last) = long.steps.last() else {
        panic!("no steps")
    };
    assert!(fs_after_step("FROM alpine\n", &short.analysis, &options, last).is_none());
    let mut elsewhere = last.clone();
    elsewhere.stage = 7;
    assert!(fs_after_step("FROM alpine\n", &short.analysis, &options, &elsewhere).is_none());
}
