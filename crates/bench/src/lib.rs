//! Shared pieces of Stagecraft's benchmarks: loading the shared corpus, picking its largest files, medians, and generating realistic Dockerfiles.
//!
//! The corpus is `<workspace root>/../shared/corpus` (override with `STAGECRAFT_CORPUS`).
//! Its Dockerfiles are, in this order: `buildkit-testfiles/*/Dockerfile`,
//! `buildkit-negative/*/Dockerfile` and every file under `real-world/`, leaving out files
//! named `result`. `buildkit_parser.py` beside this crate walks the same files the same way.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable that points the benchmarks at another corpus folder.
pub const CORPUS_ENV: &str = "STAGECRAFT_CORPUS";

/// One Dockerfile of the corpus.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// The path relative to the corpus folder, with `/` separators.
    pub name: String,
    pub text: String,
}

/// Every Dockerfile of the corpus, in a fixed order.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub dir: PathBuf,
    pub files: Vec<CorpusFile>,
}

impl Corpus {
    /// The size of the whole corpus in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.text.len() as u64).sum()
    }

    /// The number of files, as a `u64` for throughput figures.
    pub fn file_count(&self) -> u64 {
        self.files.len() as u64
    }

    /// The `count` largest files by bytes, largest first (ties by name), for the
    /// simulation benchmarks.
    pub fn largest(&self, count: usize) -> Vec<&CorpusFile> {
        let mut files: Vec<&CorpusFile> = self.files.iter().collect();
        files.sort_by(|a, b| {
            b.text
                .len()
                .cmp(&a.text.len())
                .then_with(|| a.name.cmp(&b.name))
        });
        files.truncate(count);
        files
    }
}

/// How many of the largest corpus files the simulation benchmarks run.
pub const SIMULATED_FILES: usize = 50;

/// The median of some timings (the mean of the middle two for an even count); zero for
/// none. Sorts `times`.
pub fn median(times: &mut [std::time::Duration]) -> std::time::Duration {
    times.sort_unstable();
    let n = times.len();
    match n {
        0 => std::time::Duration::ZERO,
        _ if n % 2 == 1 => times[n / 2],
        _ => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

/// The workspace root: two levels above this crate.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the corpus is: `$STAGECRAFT_CORPUS`, else `<workspace root>/../shared/corpus`.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os(CORPUS_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root().join("../shared/corpus"),
    }
}

/// Loads the corpus from `dir`. `Ok(None)` when the folder does not exist; an error when
/// it exists but a file cannot be read or holds no UTF-8.
pub fn load_corpus(dir: &Path) -> Result<Option<Corpus>, String> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut paths = Vec::new();
    for group in ["buildkit-testfiles", "buildkit-negative"] {
        let group_dir = dir.join(group);
        if !group_dir.is_dir() {
            continue;
        }
        let mut cases = Vec::new();
        for entry in read_dir(&group_dir)? {
            let dockerfile = entry.join("Dockerfile");
            if dockerfile.is_file() {
                cases.push(dockerfile);
            }
        }
        cases.sort();
        paths.extend(cases);
    }
    let real_world = dir.join("real-world");
    if real_world.is_dir() {
        let mut files = Vec::new();
        walk(&real_world, &mut files)?;
        files.retain(|p| p.file_name().is_some_and(|n| n != "result"));
        files.sort();
        paths.extend(files);
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| format!("{} is not UTF-8: {e}", path.display()))?;
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push(CorpusFile { name, text });
    }
    Ok(Some(Corpus {
        dir: dir.to_path_buf(),
        files,
    }))
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        paths.push(entry.path());
    }
    Ok(paths)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for path in read_dir(dir)? {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// The message to print when the corpus is absent.
pub fn skipped_message(dir: &Path) -> String {
    format!(
        "SKIPPED: no Dockerfile corpus at {} (set {CORPUS_ENV} to point at one)",
        dir.display()
    )
}

/// A realistic multi-stage Dockerfile of exactly `lines` lines (or of the fewest lines
/// that hold one build stage and the runtime stage, about 70, if that is more): a syntax
/// directive and global ARGs, then build stages that each take `FROM .. AS`, ARG, ENV,
/// WORKDIR, COPY (also `--from` an earlier stage), RUN with continuations and cache
/// mounts, COPY and RUN heredocs, and a final runtime stage that copies from the last
/// build stage. The text is the same on every call with the same `lines`.
pub fn generate_dockerfile(lines: usize) -> String {
    let mut out: Vec<String> = header_block();
    out.extend(build_stage_block(0));
    let lines = lines.max(out.len() + runtime_block(0).len());
    let runtime = |stage: usize| runtime_block(stage);
    let mut stage = 1;
    loop {
        let block = build_stage_block(stage);
        // Leave room for the runtime stage, which names the last build stage.
        if out.len() + block.len() + runtime(stage).len() > lines {
            break;
        }
        out.extend(block);
        stage += 1;
    }
    let last = stage - 1;
    let tail = runtime(last);
    let mut pad = 0;
    while out.len() + tail.len() < lines {
        out.push(padding_line(pad));
        pad += 1;
    }
    out.extend(tail);
    let mut text = String::with_capacity(out.iter().map(|l| l.len() + 1).sum());
    for line in out {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn header_block() -> Vec<String> {
    [
        "# syntax=docker/dockerfile:1.7",
        "# escape=\\",
        "",
        "# A generated multi-stage build, shaped like the real-world files of the corpus.",
        "ARG GO_VERSION=1.22",
        "ARG NODE_VERSION=20",
        "ARG BASE_IMAGE=debian:bookworm-slim",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

fn build_stage_block(i: usize) -> Vec<String> {
    let mut b = Vec::new();
    let mut line = |s: String| b.push(s);
    line(String::new());
    line(format!("# ---- build stage {i} ----"));
    if i % 3 == 2 {
        line(format!("FROM node:${{NODE_VERSION}}-alpine AS build-{i}"));
    } else {
        line(format!("FROM golang:${{GO_VERSION}}-bookworm AS build-{i}"));
    }
    line("ARG TARGETOS TARGETARCH".to_string());
    line(format!("ARG VERSION=v1.{i}.0"));
    line(format!(
        "ENV CGO_ENABLED=0 GOOS=${{TARGETOS:-linux}} GOARCH=${{TARGETARCH}} APP_STAGE={i}"
    ));
    line("ENV PATH=/usr/local/go/bin:/go/bin:$PATH".to_string());
    line(format!("WORKDIR /src/component-{i}"));
    if i % 3 == 2 {
        line("RUN set -eux; \\".to_string());
        line("    apk add --no-cache \\".to_string());
        line("        ca-certificates \\".to_string());
        line("        curl \\".to_string());
        line("        git \\".to_string());
        line("        make; \\".to_string());
        line("    npm config set fund false".to_string());
    } else {
        line("RUN set -eux; \\".to_string());
        line("    apt-get update; \\".to_string());
        line("    apt-get install -y --no-install-recommends \\".to_string());
        line("        ca-certificates \\".to_string());
        line("        curl \\".to_string());
        line("        git \\".to_string());
        line("        make; \\".to_string());
        line("    rm -rf /var/lib/apt/lists/*".to_string());
    }
    line(format!("COPY go.mod go.sum ./component-{i}/"));
    line("RUN --mount=type=cache,target=/go/pkg/mod \\".to_string());
    line("    --mount=type=cache,target=/root/.cache/go-build \\".to_string());
    line("    go mod download && \\".to_string());
    line("    go mod verify".to_string());
    if i > 0 {
        let from = i - 1;
        line(format!(
            "COPY --from=build-{from} --chown=1000:1000 /out/ /deps/build-{from}/"
        ));
    }
    line(format!("COPY --link ./cmd/component-{i} ./cmd/"));
    line(format!("COPY <<EOF /etc/component-{i}/config.yaml"));
    line(format!("name: component-{i}"));
    line("listen: 0.0.0.0:8080".to_string());
    line("log_level: info".to_string());
    line("EOF".to_string());
    line("RUN <<EOT bash".to_string());
    line("  set -euo pipefail".to_string());
    line("  mkdir -p /out".to_string());
    line("  echo \"building ${VERSION}\" > /out/VERSION".to_string());
    line("EOT".to_string());
    line("RUN --mount=type=cache,target=/root/.cache/go-build \\".to_string());
    line("    go build \\".to_string());
    line("      -trimpath \\".to_string());
    line(format!(
        "      -ldflags \"-s -w -X main.version=${{VERSION}} -X main.stage={i}\" \\"
    ));
    line(format!("      -o /out/component-{i} \\"));
    line("      ./cmd/... \\".to_string());
    line(format!("    && /out/component-{i} --version"));
    line(format!(
        "LABEL org.opencontainers.image.title=\"component-{i}\" \\"
    ));
    line("      org.opencontainers.image.version=\"${VERSION}\"".to_string());
    b
}

fn runtime_block(last: usize) -> Vec<String> {
    let mut b = Vec::new();
    let mut line = |s: String| b.push(s);
    line(String::new());
    line("# ---- runtime ----".to_string());
    line("FROM ${BASE_IMAGE} AS runtime".to_string());
    line(format!(
        "COPY --from=build-{last} /out/component-{last} /usr/local/bin/app"
    ));
    line(format!(
        "COPY --from=build-{last} /etc/component-{last}/config.yaml /etc/app/config.yaml"
    ));
    line("USER 65532:65532".to_string());
    line("EXPOSE 8080/tcp".to_string());
    line("HEALTHCHECK --interval=30s --timeout=3s \\".to_string());
    line("  CMD [\"/usr/local/bin/app\", \"healthcheck\"]".to_string());
    line("ENTRYPOINT [\"/usr/local/bin/app\"]".to_string());
    line("CMD [\"serve\", \"--config\", \"/etc/app/config.yaml\"]".to_string());
    b
}

fn padding_line(n: usize) -> String {
    let mut s = String::new();
    match n % 3 {
        0 => {
            let _ = write!(s, "ENV EXTRA_SETTING_{n}=\"value-{n}\"");
        }
        1 => {
            let _ = write!(s, "RUN echo \"step {n}\" >> /out/steps.log");
        }
        _ => {
            let _ = write!(s, "# padding comment {n}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn medians_and_largest_files() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(3), ms(1), ms(2)]), ms(2));
        assert_eq!(
            median(&mut [ms(4), ms(1), ms(2), ms(3)]),
            Duration::from_micros(2500)
        );
        assert_eq!(median(&mut []), Duration::ZERO);
        let file = |name: &str, len: usize| CorpusFile {
            name: name.to_string(),
            text: "#".repeat(len),
        };
        let corpus = Corpus {
            dir: PathBuf::new(),
            files: vec![file("a", 1), file("b", 3), file("c", 3), file("d", 2)],
        };
        let names: Vec<&str> = corpus.largest(3).iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"]);
    }

    #[test]
    fn generated_200_simulates_without_errors() {
        let text = generate_dockerfile(200);
        let simulation =
            stagecraft_simulate::simulate(&text, &stagecraft_simulate::SimOptions::default());
        let errors: Vec<_> = simulation
            .diagnostics
            .iter()
            .filter(|d| d.severity == stagecraft_syntax::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(simulation.image.is_some());
        assert!(simulation.steps.len() > 50, "{}", simulation.steps.len());
    }

    #[test]
    fn generated_files_have_the_asked_line_count_and_no_errors() {
        assert!(generate_dockerfile(0).lines().count() < 100);
        for lines in [100, 200, 1_000] {
            let text = generate_dockerfile(lines);
            assert_eq!(text.lines().count(), lines);
            let parse = stagecraft_syntax::parse(&text);
            let errors: Vec<_> = parse
                .diagnostics
                .iter()
                .filter(|d| d.severity == stagecraft_syntax::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{lines} lines: {errors:?}");
            let analysis =
                stagecraft_analysis::analyze(&text, &stagecraft_analysis::Options::default());
            let errors: Vec<_> = analysis
                .diagnostics
                .iter()
                .filter(|d| d.severity == stagecraft_syntax::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{lines} lines: {errors:?}");
            assert!(analysis.stages.len() >= 2, "{lines} lines: too few stages");
        }
    }
}
