//! Tests of the build context: the preset data, detection, the listing format and what
//! COPY sources select.

use super::*;

fn ctx(listing: &str, dockerignore: Option<&str>) -> BuildContext {
    match BuildContext::parse_listing(listing, "test") {
        Ok(mut c) => {
            c.dockerignore = dockerignore.map(str::to_string);
            c
        }
        Err(e) => panic!("listing should parse: {e}"),
    }
}

fn paths(m: &SourceMatch) -> Vec<&str> {
    m.files.iter().map(|f| f.path.as_str()).collect()
}

fn err_line(text: &str) -> (usize, String) {
    match BuildContext::parse_listing(text, "node") {
        Ok(_) => panic!("listing should be refused: {text:?}"),
        Err(e) => (e.line, e.message),
    }
}

fn detect_text(text: &str) -> &'static str {
    detect(&stagecraft_syntax::parse(text).dockerfile)
}

// ------------------------------------------------------------------ presets

#[test]
fn every_preset_parses() {
    for (name, loaded) in presets() {
        if let Err(e) = loaded {
            panic!("preset {name} does not load: {e}");
        }
    }
    assert_eq!(
        preset_names(),
        [
            "node",
            "react",
            "go",
            "python",
            "python-poetry",
            "java",
            "rust",
            "static"
        ]
    );
    for name in preset_names() {
        let Some(c) = preset(name) else {
            panic!("preset {name} missing")
        };
        let Some(info) = preset_info(name) else {
            panic!("preset {name} has no info")
        };
        assert_eq!(c.preset, name);
        assert!(!info.description.is_empty() && !info.basis.is_empty());
        assert!(c.files.len() > 10, "{name} has too few files");
        assert!(c
            .files
            .windows(2)
            .all(|w| walk_order(&w[0].path, &w[1].path) == Ordering::Less));
        // Every preset has something a .dockerignore should keep out.
        assert!(
            c.files.iter().any(|f| f.path.starts_with(".git/")),
            "{name}"
        );
        match &c.dockerignore {
            Some(_) => assert!(c.included().len() < c.files.len(), "{name} ignores nothing"),
            None => assert_eq!(
                name, "static",
                "only static teaches a missing .dockerignore"
            ),
        }
        assert!(c
            .included()
            .iter()
            .all(|f| !f.path.starts_with(".git/") || name == "static"));
        // The listing round-trips, .dockerignore included (it comes from the preset).
        match BuildContext::parse_listing(&c.to_listing(), name) {
            Ok(back) => assert_eq!(back, c, "{name} listing round trip"),
            Err(e) => panic!("{name} listing does not parse back: {e}"),
        }
    }
    assert!(preset("nope").is_none() && preset_info("nope").is_none());
}

#[test]
fn preset_sizes_follow_the_measured_artifacts() {
    let sum = |name: &str, prefix: &str| -> u64 {
        preset(name)
            .map(|c| {
                c.files
                    .iter()
                    .filter(|f| f.path.starts_with(prefix))
                    .map(|f| f.bytes)
                    .sum()
            })
            .unwrap_or(0)
    };
    // shared/base-images/artifacts.json, MB = 10^6 bytes.
    assert_eq!(sum("node", "node_modules/"), 68_840_000);
    assert_eq!(sum("python", ".venv/lib/"), 28_216_269);
    assert_eq!(sum("python-poetry", ".venv/lib/"), 65_563_494);
    assert_eq!(sum("rust", "target/release/"), 137_121_899);
    assert_eq!(sum("rust", "target/debug/"), 278_736_087);
    let jar = preset("java").and_then(|c| {
        c.files
            .iter()
            .find(|f| f.path == "target/demo-0.0.1-SNAPSHOT.jar")
            .map(|f| f.bytes)
    });
    assert_eq!(jar, Some(17_600_000));
    assert_eq!(sum("go", "bin/"), 6_460_000);
    // What the .dockerignore saves: the node context shrinks from ~71 MB to well under 1 MB.
    let node = preset("node").map(|c| (c.total_bytes(), c.included_bytes()));
    assert!(matches!(node, Some((total, sent)) if total > 70_000_000 && sent < 1_000_000));
}

#[test]
fn java_ignores_target_but_keeps_the_jar() {
    let Some(java) = preset("java") else {
        panic!("java preset")
    };
    let included: Vec<&str> = java.included().iter().map(|f| f.path.as_str()).collect();
    assert!(included.contains(&"target/demo-0.0.1-SNAPSHOT.jar"));
    assert!(!included.iter().any(|p| p.starts_with("target/classes")));
    let jar = java.resolve_source("target/*.jar");
    assert_eq!(paths(&jar), ["target/demo-0.0.1-SNAPSHOT.jar"]);
}

// ------------------------------------------------------------------ detect

#[test]
fn detect_each_ecosystem() {
    let cases = [
        (
            "node",
            "FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]\n",
        ),
        (
            "react",
            "FROM node:20 AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM nginx:1.25-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
        ),
        (
            "go",
            "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app ./cmd/app\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
        ),
        (
            "python",
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n",
        ),
        (
            "python-poetry",
            "FROM python:3.12-slim\nENV POETRY_VIRTUALENVS_CREATE=false\nRUN pip install poetry\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\nCOPY . .\nCMD [\"python\", \"manage.py\", \"runserver\"]\n",
        ),
        (
            "java",
            "FROM maven:3.9-eclipse-temurin-17 AS build\nWORKDIR /app\nCOPY pom.xml .\nRUN mvn dependency:go-offline\nCOPY src ./src\nRUN mvn package -DskipTests\n\nFROM eclipse-temurin:17-jre-alpine\nCOPY --from=build /app/target/*.jar app.jar\nENTRYPOINT [\"java\", \"-jar\", \"app.jar\"]\n",
        ),
        (
            "rust",
            "FROM rust:1.70 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY src ./src\nRUN cargo build --release\n\nFROM debian:bookworm-slim\nCOPY --from=build /app/target/release/app /usr/local/bin/app\nCMD [\"app\"]\n",
        ),
        (
            "static",
            "FROM nginx:alpine\nCOPY . /usr/share/nginx/html\n",
        ),
    ];
    for (expected, text) in cases {
        assert_eq!(detect_text(text), expected, "{text}");
    }
}

#[test]
fn detect_ambiguous_and_empty_files() {
    // Nothing to go on: the static site.
    assert_eq!(detect_text(""), "static");
    assert_eq!(detect_text("FROM alpine\nRUN echo hi\n"), "static");
    assert_eq!(detect_text("FROM ${BASE}\nCOPY . .\n"), "static");
    // `npm run build` without anything serving static files is a node server (TypeScript).
    assert_eq!(
        detect_text(
            "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"start\"]\n"
        ),
        "node"
    );
    // A Vite config is enough to call it a front end, even without nginx.
    assert_eq!(
        detect_text("FROM node:20\nCOPY package.json vite.config.js ./\nRUN npm install\nCMD [\"npx\", \"vite\", \"preview\"]\n"),
        "react"
    );
    // `cargo build` is not `go build`; the base image decides it for rust.
    assert_eq!(
        detect_text("FROM debian\nRUN cargo build --release\n"),
        "rust"
    );
    // Installing python3 for node-gyp does not make a node app a Python project.
    assert_eq!(
        detect_text("FROM node:18-alpine\nRUN apk add --no-cache python3 make g++\nCOPY package.json .\nRUN npm install\n"),
        "node"
    );
    // A Go API with a React front end in one file: both score; the Go build has more.
    let fullstack = "FROM node:20 AS web\nCOPY web/package.json web/\nRUN npm ci\nFROM golang:1.22 AS api\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /api .\nFROM alpine\nCOPY --from=api /api /api\n";
    assert_eq!(detect_text(fullstack), "go");
    // pyproject.toml serves pip too: with `pip install .` it is the pip preset, with
    // poetry.lock the Poetry one.
    assert_eq!(
        detect_text("FROM python:3.12\nCOPY pyproject.toml .\nRUN pip install .\n"),
        "python"
    );
    assert_eq!(
        detect_text("FROM python:3.12\nCOPY pyproject.toml poetry.lock ./\n"),
        "python-poetry"
    );
    // A stage name that looks like an image is not an image.
    assert_eq!(
        detect_text(
            "FROM golang:1.22 AS node\nRUN go build .\nFROM node\nCOPY --from=node /x /x\n"
        ),
        "go"
    );
    // ONBUILD instructions count by what they run.
    assert_eq!(detect_text("FROM alpine\nONBUILD COPY go.mod .\n"), "go");
}

// ------------------------------------------------------------------ listing

#[test]
fn listing_round_trip_and_units() {
    let text = "# my project\n\npackage.json 1KB\n./src/app.js   2.5 KiB\nsrc/lib/x.js 3\nassets/big.bin 1.2MB\nassets/huge.iso 1GiB\n\"odd name\" 7\nwith space.txt 12\n#hash-comment 1\n";
    let c = ctx(text, None);
    let got: Vec<(&str, u64)> = c.files.iter().map(|f| (f.path.as_str(), f.bytes)).collect();
    assert_eq!(
        got,
        [
            ("\"odd name\"", 7),
            ("assets/big.bin", 1_200_000),
            ("assets/huge.iso", 1 << 30),
            ("package.json", 1_000),
            ("src/app.js", 2_560),
            ("src/lib/x.js", 3),
            ("with space.txt", 12),
        ]
    );
    match BuildContext::parse_listing(&c.to_listing(), "test") {
        Ok(back) => assert_eq!(back, c),
        Err(e) => panic!("round trip: {e}"),
    }
    // A path starting with `#` survives the round trip as `./#…`.
    let hashed = BuildContext {
        preset: "test".into(),
        files: vec![ContextFile {
            path: "#notes.md".into(),
            bytes: 5,
        }],
        dockerignore: None,
    };
    assert!(hashed.to_listing().contains("./#notes.md 5"));
    assert!(
        matches!(BuildContext::parse_listing(&hashed.to_listing(), "test"), Ok(b) if b == hashed)
    );
    // An unknown preset name has no default .dockerignore; a known one brings its own.
    assert_eq!(c.dockerignore, None);
    assert!(
        matches!(BuildContext::parse_listing("a 1", "node"), Ok(n) if n.dockerignore.is_some())
    );
}

#[test]
fn sizes() {
    assert_eq!(parse_size("0"), Ok(0));
    assert_eq!(parse_size("12b"), Ok(12));
    assert_eq!(parse_size("12K"), Ok(12_000));
    assert_eq!(parse_size("3.4MB"), Ok(3_400_000));
    assert_eq!(parse_size("1.5KiB"), Ok(1_536));
    assert_eq!(parse_size(".5kb"), Ok(500));
    assert_eq!(parse_size("2 gib"), Ok(2 << 30));
    assert_eq!(parse_size("0.0004KB"), Ok(0));
    assert_eq!(parse_size("10TB"), Ok(MAX_FILE_BYTES));
    for bad in [
        "",
        "-1",
        "1.5",
        "1..2KB",
        "1.KB",
        "KB",
        "12 XB",
        "1e6",
        "11TB",
        "99999999999999999999999",
    ] {
        assert!(parse_size(bad).is_err(), "{bad:?} should be refused");
    }
}

#[test]
fn malformed_listings_report_their_line() {
    let (line, msg) = err_line("a.txt 1\nb.txt twelve\n");
    assert_eq!(line, 2);
    assert!(msg.contains("not a size"), "{msg}");
    let (line, msg) = err_line("# header\na.txt 1\n\nlonely\n");
    assert_eq!(line, 4);
    assert!(msg.contains("no size"), "{msg}");
    let (line, msg) = err_line("a.txt 1\nb.txt 2\n./a.txt 3\n");
    assert_eq!(line, 3);
    assert!(msg.contains("listed twice (first on line 1)"), "{msg}");
    let (line, msg) = err_line("ok 1\n/etc/passwd 10\n");
    assert_eq!(line, 2);
    assert!(msg.contains("absolute"), "{msg}");
    let (line, msg) = err_line("ok 1\nsrc/../../secret 10\n");
    assert_eq!(line, 2);
    assert!(msg.contains("leaves the build context"), "{msg}");
    let (line, msg) = err_line("src 10\nx 1\nsrc/app.js 3\n");
    assert_eq!(line, 3);
    assert!(msg.contains("puts files inside it"), "{msg}");
    let (line, _) = err_line("a 1\nsrc/ 10\n");
    assert_eq!(line, 2);
    let (line, _) = err_line("a 1\n. 10\n");
    assert_eq!(line, 2);
    let (line, _) = err_line("a\u{7}b 1\n");
    assert_eq!(line, 1);
    // The earliest problem wins whatever the sort order of the paths.
    let (line, _) = err_line("z 1\nz 2\na 1\nb 1\na 3\n");
    assert_eq!(line, 2);
    // A `..` that stays inside is just resolved.
    let c = ctx("src/../README.md 1\n", None);
    assert_eq!(c.files[0].path, "README.md");
}

#[test]
fn listings_are_bounded() {
    let long = format!("{} 1\n", "a".repeat(MAX_LINE + 1));
    assert_eq!(err_line(&long).0, 1);
    let many: String = (0..=MAX_FILES).map(|i| format!("f{i} 1\n")).collect();
    let (line, msg) = err_line(&many);
    assert_eq!(line, MAX_FILES + 1);
    assert!(msg.contains("more than"), "{msg}");
    // Comments and blank lines do not count towards the bound.
    let sparse: String = (0..1000).map(|i| format!("# c\n\nf{i} 1\n")).collect();
    assert_eq!(ctx(&sparse, None).files.len(), 1000);
}

// ------------------------------------------------------------------ resolve_source

const APP: &str = "package.json 800\npackage-lock.json 90000\nserver.js 1200\nsrc/app.js 2000\nsrc/lib/db.js 900\nsrc/lib/sub/deep.js 10\nsrc/main.go 50\nsrc/pkg/util.go 40\nsrc/pkg/inner/x.go 30\nnode_modules/express/index.js 300000\nnode_modules/.package-lock.json 5000\n.env 100\nREADME.md 2000\ndocs/guide.md 500\n";

#[test]
fn a_file_a_directory_and_the_root() {
    let c = ctx(APP, Some("node_modules\n.env\n"));
    let file = c.resolve_source("package.json");
    assert_eq!(paths(&file), ["package.json"]);
    assert!(!file.is_dir && !file.wildcard && file.found() && file.ignored.is_empty());
    assert_eq!(file.relative(&file.files[0]), "package.json");
    // `./src/`, `src` and `/src` are the same directory; its contents are copied.
    for spelling in ["src", "./src/", "/src", "src/."] {
        let dir = c.resolve_source(spelling);
        assert!(dir.is_dir, "{spelling}");
        assert_eq!(
            paths(&dir),
            [
                "src/app.js",
                "src/lib/db.js",
                "src/lib/sub/deep.js",
                "src/main.go",
                "src/pkg/inner/x.go",
                "src/pkg/util.go"
            ],
            "{spelling}"
        );
        assert_eq!(dir.relative(&dir.files[1]), "lib/db.js");
    }
    let nested = c.resolve_source("src/lib/db.js");
    assert_eq!(nested.relative(&nested.files[0]), "db.js");
    // A missing plain path matches nothing (BuildKit: `"/nope": not found`).
    let missing = c.resolve_source("nope.txt");
    assert!(!missing.found() && missing.files.is_empty() && !missing.wildcard);
}

#[test]
fn copy_everything_leaves_the_ignored_files_out() {
    let c = ctx(APP, Some("node_modules\n.env\n"));
    let all = c.resolve_source(".");
    assert!(all.is_dir && all.found());
    assert_eq!(
        all.roots,
        [MatchRoot {
            path: String::new(),
            is_dir: true
        }]
    );
    assert!(!paths(&all)
        .iter()
        .any(|p| p.starts_with("node_modules") || *p == ".env"));
    assert_eq!(all.files.len(), 11);
    assert_eq!(
        all.ignored,
        [
            ".env",
            "node_modules/.package-lock.json",
            "node_modules/express/index.js"
        ]
    );
    assert_eq!(all.relative(&all.files[0]), all.files[0].path);
    // Without a .dockerignore everything goes, and nothing is reported as ignored.
    let open = ctx(APP, None).resolve_source(".");
    assert_eq!(open.files.len(), 14);
    assert!(open.ignored.is_empty());
    // Naming an ignored file directly finds nothing, and says why.
    let env = c.resolve_source(".env");
    assert!(!env.found());
    assert_eq!(env.ignored, [".env"]);
    let modules = c.resolve_source("node_modules");
    assert!(!modules.found());
    assert_eq!(modules.ignored.len(), 2);
    // A re-included file keeps its directory alive.
    let c = ctx(APP, Some("src\n!src/lib/db.js\n"));
    let src = c.resolve_source("src");
    assert_eq!(paths(&src), ["src/lib/db.js"]);
    assert_eq!(src.ignored.len(), 5);
}

#[test]
fn wildcards_follow_filepath_match() {
    let c = ctx(APP, Some("node_modules\n"));
    let json = c.resolve_source("package*.json");
    assert!(json.wildcard && !json.is_dir);
    assert_eq!(paths(&json), ["package-lock.json", "package.json"]);
    assert_eq!(json.relative(&json.files[1]), "package.json");
    // `*` stays within one segment: `*.js` at the root is server.js only.
    assert_eq!(paths(&c.resolve_source("*.js")), ["server.js"]);
    assert_eq!(paths(&c.resolve_source("src/*.js")), ["src/app.js"]);
    // `**` is not recursive in COPY: it is one more `*`.
    assert_eq!(paths(&c.resolve_source("src/**/*.go")), ["src/pkg/util.go"]);
    assert_eq!(
        paths(&c.resolve_source("src/*/*/*.go")),
        ["src/pkg/inner/x.go"]
    );
    // A matched directory is copied with its contents, relative to itself.
    let dirs = c.resolve_source("s?c");
    assert!(dirs.is_dir && dirs.wildcard);
    assert_eq!(
        dirs.roots,
        [MatchRoot {
            path: "src".into(),
            is_dir: true
        }]
    );
    assert_eq!(dirs.files.len(), 6);
    let mixed = c.resolve_source("src/*");
    assert_eq!(
        mixed
            .roots
            .iter()
            .map(|r| (r.path.as_str(), r.is_dir))
            .collect::<Vec<_>>(),
        [
            ("src/app.js", false),
            ("src/lib", true),
            ("src/main.go", false),
            ("src/pkg", true)
        ]
    );
    let deep = mixed.files.iter().find(|f| f.path == "src/lib/sub/deep.js");
    assert!(matches!(deep, Some(f) if mixed.relative(f) == "sub/deep.js"));
    // Classes, `^` negation, escapes.
    assert_eq!(paths(&c.resolve_source("[RS]*")), ["README.md"]);
    assert_eq!(paths(&c.resolve_source("[^s]*.js")), Vec::<&str>::new());
    assert_eq!(
        paths(&c.resolve_source("docs/[a-h]uide.md")),
        ["docs/guide.md"]
    );
    // A wildcard may match nothing: BuildKit copies nothing and goes on.
    let none = c.resolve_source("*.lock");
    assert!(none.wildcard && !none.found() && none.files.is_empty());
    // A malformed pattern matches nothing, as filepath.Match's error is ignored.
    assert!(!c.resolve_source("src/[").found());
    // Ignored files matched by a wildcard are reported.
    let ignored = c.resolve_source("node_*");
    assert!(!ignored.found());
    assert_eq!(ignored.ignored.len(), 2);
}

#[test]
fn walk_order_decides_the_copy_order() {
    let c = ctx("a-b 1\na/x 2\na.txt 3\nb/a 4\n", None);
    let order: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(order, ["a/x", "a-b", "a.txt", "b/a"]);
    let m = c.resolve_source("a*");
    assert_eq!(
        m.roots.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["a", "a-b", "a.txt"]
    );
    assert_eq!(paths(&m), ["a/x", "a-b", "a.txt"]);
}

#[test]
fn sources_outside_the_context() {
    let c = ctx(APP, None);
    // BuildKit reads `../package.json` as `/package.json`; the flag lets a diagnostic
    // say that the classic builder refuses it.
    let up = c.resolve_source("../package.json");
    assert!(up.outside_context);
    assert_eq!(paths(&up), ["package.json"]);
    assert!(c.resolve_source("src/../../x").outside_context);
    assert!(c.resolve_source("/../x").outside_context);
    assert!(!c.resolve_source("src/../package.json").outside_context);
    assert!(!c.resolve_source("./src/..").outside_context);
    // `..` alone is the context root.
    let parent = c.resolve_source("..");
    assert!(parent.outside_context && parent.is_dir && parent.files.len() == 14);
}

#[test]
fn build_files_join_the_context() {
    let Some(node) = preset("node") else {
        panic!("node preset")
    };
    let with = node.with_build_files(240);
    assert_eq!(with.files.len(), node.files.len() + 2);
    // The node .dockerignore lists both, so `COPY . .` still leaves them out.
    assert!(!with
        .resolve_source(".")
        .files
        .iter()
        .any(|f| f.path == "Dockerfile"));
    let Some(site) = preset("static") else {
        panic!("static preset")
    };
    let site = site.with_build_files(60);
    assert!(site
        .resolve_source(".")
        .files
        .iter()
        .any(|f| f.path == "Dockerfile"));
    assert!(!site.files.iter().any(|f| f.path == ".dockerignore"));
}

#[test]
fn hostile_input_never_panics() {
    let nasty = [
        "",
        " ",
        "\u{feff}a 1",
        "12 KB",
        "a 1KiBB",
        "１２ ３",
        "a\tb 4",
        "é/ü 5MiB",
        "a 1.",
        "[ 1",
        "a 99999999999999999999999999999",
        "\\ 1",
        "a/./b/../c 1",
        "./ 1",
        "../ 1",
        "a 0.000000000001KB",
    ];
    for text in nasty {
        let _ = BuildContext::parse_listing(text, "node");
    }
    let c = ctx("é/ü.txt 1\n[x] 2\na\\*b 3\n*star 4\n", Some("é\n"));
    for source in [
        "", ".", "/", "..", "../..", "*", "**", "[", "[]", "[^]", "\\", "é/*", "[[]x]", "\\*star",
        "a\\*b", "?", "*/*/*/*", "[x]", "\\[x]",
    ] {
        let m = c.resolve_source(source);
        assert!(m.files.iter().all(|f| c.files.contains(f)), "{source}");
    }
    // An escaped star is no wildcard, and the path keeps its backslash, as in fsutil.
    assert!(!c.resolve_source("\\*star").found());
    assert_eq!(paths(&c.resolve_source("*star")), ["*star"]);
    assert_eq!(paths(&c.resolve_source("a\\*b")), ["a\\*b"]);
    assert_eq!(c.resolve_source("é/*").ignored, ["é/ü.txt"]);
    let _ = detect_text("FROM\nCOPY\nRUN\nFROM a AS\nCOPY --from= x\nENV\n");
}
