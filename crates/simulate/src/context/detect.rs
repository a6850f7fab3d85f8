//! Guessing which preset context a Dockerfile was written for, from the hints a reader
//! would use: the files it copies, its base images, its RUN commands and how it starts.
//! The guess only picks example files to simulate with; the user can switch presets.

use stagecraft_syntax::{Dockerfile, Instruction, Keyword};

/// Evidence for each preset, added up over the whole file.
#[derive(Debug, Default)]
struct Scores {
    node: u32,
    go: u32,
    python: u32,
    java: u32,
    rust: u32,
    /// A static server: nginx/httpd/caddy base, files copied into its web root.
    serve_static: u32,
    /// React/Vite/front-end tooling: vite.config.js, `.jsx` sources, `vite build`.
    frontend: u32,
    /// `npm run build` and friends: a front-end build, or a TypeScript server's.
    js_build: u32,
    /// Poetry (poetry.lock, `poetry install`) against pip (requirements.txt, `pip install`).
    poetry: u32,
    pip: u32,
}

/// The preset whose files a Dockerfile most likely expects; `"static"` when nothing hints.
///
/// A JavaScript build is `react` only with a static-serving hint (an nginx-like base, the
/// web root, Vite or JSX files); `npm run build` alone may be a TypeScript server, so it
/// stays `node`. Python is `python-poetry` when Poetry's hints outweigh pip's. Ties go to
/// the order of [`super::preset_names`].
pub fn detect(file: &Dockerfile) -> &'static str {
    let mut s = Scores::default();
    let mut stages: Vec<String> = Vec::new();
    for instruction in &file.instructions {
        let inst = instruction.effective();
        match inst.keyword {
            Keyword::From => {
                if let Some(image) = inst.args.first() {
                    let image = image.text.to_ascii_lowercase();
                    if !stages.contains(&image) {
                        base_image(&image, &mut s);
                    }
                }
                if let (Some(as_word), Some(name)) = (inst.args.get(1), inst.args.get(2)) {
                    if as_word.text.eq_ignore_ascii_case("as") {
                        stages.push(name.text.to_ascii_lowercase());
                    }
                }
            }
            Keyword::Copy | Keyword::Add => copy(inst, &mut s),
            Keyword::Run => {
                let mut text = inst.arg_texts().join(" ");
                for heredoc in &inst.heredocs {
                    text.push('\n');
                    text.push_str(&heredoc.content);
                }
                command(&text, 3, &mut s);
            }
            Keyword::Cmd | Keyword::Entrypoint => command(&inst.arg_texts().join(" "), 2, &mut s),
            Keyword::Env => {
                for name in inst.args.iter().step_by(2) {
                    env_name(&name.text, &mut s);
                }
            }
            _ => {}
        }
    }
    choose(&s)
}

fn choose(s: &Scores) -> &'static str {
    let react = if s.node > 0 && (s.serve_static > 0 || s.frontend > 0) {
        s.node + s.serve_static + s.frontend + s.js_build
    } else {
        0
    };
    let (python, poetry) = if s.poetry > s.pip {
        (0, s.python + s.poetry)
    } else {
        (s.python + s.pip, 0)
    };
    let candidates = [
        ("node", s.node + s.js_build),
        ("react", react),
        ("go", s.go),
        ("python", python),
        ("python-poetry", poetry),
        ("java", s.java),
        ("rust", s.rust),
        ("static", s.serve_static),
    ];
    let mut best = ("static", 0);
    for candidate in candidates {
        // Strictly greater: the earlier preset wins a tie.
        if candidate.1 > best.1 {
            best = candidate;
        }
    }
    best.0
}

/// `docker.io/library/node:20-alpine@sha256:…` → hints from `node`.
fn base_image(image: &str, s: &mut Scores) {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let name = last.split(':').next().unwrap_or(last);
    let has = |prefix: &str| name == prefix || name.starts_with(&format!("{prefix}-"));
    if has("node") || name.starts_with("nodejs") {
        s.node += 3;
    } else if has("golang") || name == "tinygo" {
        s.go += 3;
    } else if has("python") || name.starts_with("python3") || has("pypy") {
        s.python += 3;
    } else if has("maven")
        || has("gradle")
        || has("eclipse-temurin")
        || has("openjdk")
        || has("amazoncorretto")
        || has("ibm-semeru-runtimes")
        || has("sapmachine")
        || name.starts_with("java")
        || name.starts_with("jdk")
        || name.starts_with("jre")
    {
        s.java += 3;
    } else if has("rust") || name == "cargo-chef" || name == "muslrust" {
        s.rust += 3;
    } else if has("nginx") || has("httpd") || has("caddy") || name == "nginx-unprivileged" {
        s.serve_static += 3;
    }
}

fn copy(inst: &Instruction, s: &mut Scores) {
    let args = inst.arg_texts();
    let Some((dest, sources)) = args.split_last() else {
        return;
    };
    let dest = dest.to_ascii_lowercase();
    if [
        "/usr/share/nginx/html",
        "/usr/local/apache2/htdocs",
        "/srv",
        "/var/www",
    ]
    .iter()
    .any(|root| dest.starts_with(root))
    {
        s.serve_static += 2;
    }
    if inst.flag("from").is_some() {
        // Copied from another stage or image: not context files.
        return;
    }
    for source in sources.iter().filter(|a| !a.starts_with("<<")) {
        source_file(source, s);
    }
}

/// Hints from one COPY/ADD source path (its last segment, wildcards and all).
fn source_file(source: &str, s: &mut Scores) {
    let lower = source.to_ascii_lowercase();
    let base = lower.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let ext = |e: &str| base.ends_with(e);
    match base {
        "package.json"
        | "package*.json"
        | "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "pnpm-lock.yaml"
        | ".npmrc"
        | "server.js"
        | "index.js" => s.node += 4,
        "go.mod" | "go.sum" => s.go += 4,
        "requirements.txt" | "setup.py" | "setup.cfg" | "pipfile" | "pipfile.lock" => {
            s.python += 4;
            s.pip += 2;
        }
        "poetry.lock" => {
            s.python += 4;
            s.poetry += 4;
        }
        // pyproject.toml serves pip projects too: a weak Poetry hint.
        "pyproject.toml" => {
            s.python += 3;
            s.poetry += 1;
        }
        "pom.xml" | "mvnw" | ".mvn" | "build.gradle" | "build.gradle.kts" | "gradlew"
        | "settings.gradle" => s.java += 4,
        "cargo.toml" | "cargo.lock" => s.rust += 4,
        "nginx.conf" | "default.conf" => s.serve_static += 2,
        _ if base.starts_with("vite.config") => s.frontend += 3,
        _ if base.starts_with("requirements") && ext(".txt") => {
            s.python += 4;
            s.pip += 2;
        }
        _ if ext(".go") => s.go += 2,
        _ if ext(".py") => s.python += 2,
        _ if ext(".rs") => s.rust += 2,
        _ if ext(".jar") || ext(".java") => s.java += 2,
        _ if ext(".jsx") || ext(".tsx") => s.frontend += 2,
        _ if ext(".js") || ext(".ts") || ext(".mjs") => s.node += 1,
        _ if ext(".html") || ext(".css") => s.serve_static += 1,
        _ => {}
    }
}

/// Hints from a RUN script or a CMD/ENTRYPOINT, by words so that `cargo build` is not
/// read as `go build`. Package-manager installs are skipped: `apk add python3 make g++`
/// in a node image is for node-gyp, not a Python project.
fn command(text: &str, weight: u32, s: &mut Scores) {
    let lower = text.to_ascii_lowercase();
    for part in lower.split(['&', ';', '|', '\n', '(', ')']) {
        let words: Vec<&str> = part
            .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']'))
            .filter(|w| !w.is_empty())
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .collect();
        let installs_packages = words
            .iter()
            .take(3)
            .any(|w| matches!(*w, "apt-get" | "apt" | "apk" | "yum" | "dnf" | "microdnf"));
        if !installs_packages {
            command_words(&words, weight, s);
        }
    }
}

fn command_words(words: &[&str], weight: u32, s: &mut Scores) {
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let after = words.get(i + 2).copied().unwrap_or("");
        match *word {
            "npm" | "yarn" | "pnpm" | "npx" | "node" | "bun" => {
                s.node += weight;
                if next == "run" && after == "build" || next == "build" {
                    s.js_build += 2;
                }
                if *word == "npx" && next == "serve" {
                    s.serve_static += weight;
                }
            }
            "vite" | "react-scripts" => s.frontend += weight,
            "go" if matches!(
                next,
                "build" | "mod" | "test" | "install" | "run" | "get" | "vet"
            ) =>
            {
                s.go += weight
            }
            "pip" | "pip3" | "pipenv" | "gunicorn" | "uvicorn" | "flask" | "python" | "python3"
            | "manage.py" => {
                s.python += weight;
                if word.starts_with("pip") {
                    s.pip += 2;
                }
            }
            "poetry" => {
                s.python += weight;
                s.poetry += 3;
            }
            "mvn" | "mvnw" | "gradle" | "gradlew" | "java" => s.java += weight,
            "cargo" | "rustc" | "rustup" => s.rust += weight,
            "nginx" | "httpd" | "httpd-foreground" | "caddy" => s.serve_static += 1,
            _ => {}
        }
    }
}

fn env_name(name: &str, s: &mut Scores) {
    let upper = name.to_ascii_uppercase();
    if upper.starts_with("NODE_") || upper.starts_with("NPM_") {
        s.node += 1;
    } else if matches!(
        upper.as_str(),
        "GOPATH"
            | "GOOS"
            | "GOARCH"
            | "GOFLAGS"
            | "GOPROXY"
            | "GOCACHE"
            | "GOMODCACHE"
            | "GO111MODULE"
            | "GOTOOLCHAIN"
            | "GOPRIVATE"
            | "CGO_ENABLED"
    ) {
        s.go += 1;
    } else if upper.starts_with("PYTHON") || upper.starts_with("PIP_") {
        s.python += 1;
    } else if upper.starts_with("POETRY_") {
        s.python += 1;
        s.poetry += 2;
    } else if upper.starts_with("JAVA_")
        || upper.starts_with("MAVEN_")
        || upper == "JDK_JAVA_OPTIONS"
    {
        s.java += 1;
    } else if upper.starts_with("CARGO_") || upper.starts_with("RUST") {
        s.rust += 1;
    }
}
