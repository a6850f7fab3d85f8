//! The simulated build's semantics, one Docker rule at a time: COPY destinations and
//! flags, COPY --from a stage or an image, RUN mounts, layer and waste accounting, the
//! runtime configuration, the trace order, unknown and imported images.

use std::collections::BTreeMap;

use stagecraft_simulate::context::BuildContext;
use stagecraft_simulate::vfs::{Kind, Origin};
use stagecraft_simulate::{catalog, simulate, SimOptions, Simulation, StageResult};

const LISTING: &str = "\
package.json 1000
package-lock.json 2000
server.js 500
src/app.js 300
src/lib/util.js 200
docs/guide.md 4000
secret.env 10
build.sh 50
";

fn options(dockerignore: Option<&str>) -> SimOptions {
    let mut context = match BuildContext::parse_listing(LISTING, "test") {
        Ok(c) => c,
        Err(e) => panic!("listing: {e}"),
    };
    context.dockerignore = dockerignore.map(str::to_string);
    SimOptions {
        context: Some(context),
        ..SimOptions::default()
    }
}

fn run(text: &str) -> Simulation {
    simulate(text, &options(None))
}

fn stage(sim: &Simulation, index: usize) -> &StageResult {
    match sim.stages.get(index).and_then(|s| s.as_ref()) {
        Some(s) => s,
        None => panic!("stage {index} was not simulated"),
    }
}

fn size(sim: &Simulation, index: usize, path: &str) -> Option<u64> {
    stage(sim, index).fs.get(path).map(|n| n.size)
}

#[test]
fn copy_destination_rules() {
    let sim = run("FROM scratch\nCOPY server.js /app/\nCOPY server.js /srv/main.js\nCOPY package.json package-lock.json /deps\nCOPY src /code\nCOPY src/ /code2/\n");
    assert_eq!(
        size(&sim, 0, "/app/server.js"),
        Some(500),
        "trailing slash: into the directory"
    );
    assert_eq!(
        size(&sim, 0, "/srv/main.js"),
        Some(500),
        "no slash, one file: that name"
    );
    assert_eq!(
        size(&sim, 0, "/deps/package-lock.json"),
        Some(2000),
        "several sources: a directory"
    );
    assert_eq!(
        size(&sim, 0, "/code/app.js"),
        Some(300),
        "a directory source copies its contents"
    );
    assert_eq!(size(&sim, 0, "/code/lib/util.js"), Some(200));
    assert!(
        size(&sim, 0, "/code/src/app.js").is_none(),
        "not the directory itself"
    );
    assert_eq!(size(&sim, 0, "/code2/lib/util.js"), Some(200));
}

#[test]
fn copy_relative_destination_follows_workdir_and_dot_honours_dockerignore() {
    let sim = simulate(
        "FROM scratch\nWORKDIR /app\nCOPY . .\n",
        &options(Some("docs\n*.env\n")),
    );
    let fs = &stage(&sim, 0).fs;
    assert!(fs.get("/app/server.js").is_some() && fs.get("/app/src/lib/util.js").is_some());
    assert!(
        fs.get("/app/docs/guide.md").is_none() && fs.get("/app/secret.env").is_none(),
        "ignored files are not in the context"
    );
}

#[test]
fn copy_flags_chown_chmod_parents_exclude_link() {
    let sim = run("FROM scratch\nCOPY --chown=1000:1000 --chmod=755 build.sh /bin/\nCOPY --parents src/lib/util.js /p/\nCOPY --exclude=docs --exclude=*.json --link . /all/\n");
    let fs = &stage(&sim, 0).fs;
    let script = fs.get("/bin/build.sh");
    assert_eq!(
        script.map(|n| (n.owner.as_str(), n.mode)),
        Some(("1000:1000", 0o755))
    );
    assert_eq!(
        fs.get("/p/src/lib/util.js").map(|n| n.size),
        Some(200),
        "--parents keeps the source path"
    );
    assert!(
        fs.get("/all/docs/guide.md").is_none(),
        "--exclude leaves matches out"
    );
    assert!(fs.get("/all/package.json").is_none() && fs.get("/all/src/app.js").is_some());
    assert!(
        fs.get("/all/server.js").is_some(),
        "--link changes caching, not the result"
    );
}

#[test]
fn heredoc_sources_are_files() {
    let sim = run("FROM scratch\nCOPY <<EOF /etc/app.conf\nport=8080\nEOF\n");
    assert_eq!(
        size(&sim, 0, "/etc/app.conf"),
        Some("port=8080\n".len() as u64)
    );
}

#[test]
fn copy_from_a_stage_sees_its_final_state_and_moves_bytes() {
    let text = "FROM alpine:3.20 AS build\nCOPY server.js /out/server.js\nCOPY src /out/src\nRUN rm /out/src/app.js\nFROM scratch\nCOPY --from=build /out /app\n";
    let sim = run(text);
    let fs = &stage(&sim, 1).fs;
    assert_eq!(
        fs.get("/app/server.js").map(|n| n.origin.clone()),
        Some(Origin::Stage { stage: 0 })
    );
    assert!(
        fs.get("/app/src/app.js").is_none(),
        "removed in the build stage before the copy"
    );
    let transfer = sim.steps.iter().find_map(|s| s.transfer.as_ref());
    let transfer = transfer.map(|t| (t.from_stage, t.bytes));
    assert_eq!(transfer, Some((Some(0), 700)));
}

#[test]
fn copy_from_an_external_image_uses_the_catalog() {
    let sim = run("FROM scratch\nCOPY --from=alpine:3.20 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n");
    let node = stage(&sim, 0).fs.get("/etc/ssl/certs/ca-certificates.crt");
    assert!(
        node.is_some_and(|n| n.size > 0 && matches!(n.origin, Origin::Image { .. })),
        "{node:?}"
    );
    assert!(sim
        .diagnostics
        .iter()
        .all(|d| d.code != "copy-from-missing-path"));
}

#[test]
fn cache_mounts_add_nothing_to_the_image() {
    let with_cache = run("FROM golang:1.22\nCOPY . /src\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app ./src\n");
    let without = run("FROM golang:1.22\nCOPY . /src\nRUN go build -o /out/app ./src\n");
    assert!(stage(&with_cache, 0)
        .fs
        .under("/root/.cache/go-build")
        .all(|(_, n)| n.layer.is_none()));
    let cache_bytes = |sim: &Simulation| stage(sim, 0).fs.size_under("/root/.cache/go-build");
    assert!(
        cache_bytes(&without) > cache_bytes(&with_cache),
        "the build cache ships only without the mount"
    );
    assert!(stage(&with_cache, 0).fs.get("/out/app").is_some());
}

#[test]
fn layers_and_wasted_bytes_as_docker_counts_them() {
    let sim = run(
        "FROM alpine:3.20\nENV A=1\nCOPY docs/guide.md /guide.md\nRUN rm /guide.md\nLABEL x=y\n",
    );
    let result = stage(&sim, 0);
    let layers: Vec<(u32, u64, u64)> = result
        .layers
        .iter()
        .map(|l| (l.line, l.bytes, l.wasted_bytes))
        .collect();
    assert_eq!(
        layers,
        vec![(3, 4000, 0), (4, 0, 4000)],
        "ENV and LABEL make no layer; the delete wastes the bytes"
    );
    let image = sim.image.as_ref().map(|i| (i.size_mb, i.wasted_mb));
    let base = result.base.bytes as f64 / 1e6;
    assert_eq!(
        image,
        Some((((base + 0.004) * 100.0).round() / 100.0, 0.0)),
        "deleting does not shrink the image"
    );
}

#[test]
fn chown_in_a_separate_run_duplicates_the_data() {
    let sim =
        run("FROM alpine:3.20\nCOPY docs/guide.md /app/guide.md\nRUN chown -R 1000:1000 /app\n");
    let layers: Vec<(u64, u64)> = stage(&sim, 0)
        .layers
        .iter()
        .map(|l| (l.bytes, l.wasted_bytes))
        .collect();
    assert_eq!(layers, vec![(4000, 0), (4000, 4000)]);
}

#[test]
fn runtime_configuration_follows_docker() {
    let sim = run("FROM node:20\nUSER node\nWORKDIR /home/node/app\nEXPOSE 3000 53/UDP\nENTRYPOINT node server.js\nHEALTHCHECK CMD node health.js\n");
    let config = &stage(&sim, 0).config;
    assert_eq!(config.user, "node");
    assert_eq!(config.workdir, "/home/node/app");
    assert_eq!(
        config.exposed.iter().cloned().collect::<Vec<_>>(),
        ["3000/tcp", "53/udp"]
    );
    assert_eq!(
        config.command(),
        ["/bin/sh", "-c", "node server.js"],
        "shell form is wrapped; the inherited CMD is reset"
    );
    assert_eq!(
        config.healthcheck.as_deref(),
        Some(
            &[
                "/bin/sh".to_string(),
                "-c".to_string(),
                "node health.js".to_string()
            ][..]
        )
    );
    let sim = run("FROM node:20\nCMD [\"server.js\"]\n");
    assert_eq!(
        stage(&sim, 0).config.command(),
        ["docker-entrypoint.sh", "server.js"],
        "ENTRYPOINT from the base, CMD from the file"
    );
}

#[test]
fn from_an_earlier_stage_inherits_files_and_layers() {
    let sim =
        run("FROM alpine:3.20 AS base\nCOPY server.js /srv/\nFROM base\nCOPY package.json /srv/\n");
    let result = stage(&sim, 1);
    assert!(
        result.fs.get("/srv/server.js").is_some() && result.fs.get("/srv/package.json").is_some()
    );
    assert_eq!(
        result.layers.len(),
        2,
        "the parent's layer is part of the image"
    );
    assert_eq!(result.size_bytes, result.base.bytes + 1500);
}

#[test]
fn trace_runs_dependencies_first_in_levels() {
    let text = "FROM alpine:3.20 AS a\nCOPY server.js /a\nFROM alpine:3.20 AS b\nCOPY package.json /b\nFROM scratch AS unused\nFROM scratch\nCOPY --from=b /b /b\nCOPY --from=a /a /a\n";
    let sim = run(text);
    let order: Vec<(usize, usize)> = sim.steps.iter().map(|s| (s.level, s.stage)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(
        order, sorted,
        "levels ascend, stages in order within a level"
    );
    assert!(
        sim.steps.iter().all(|s| s.stage != 2),
        "a stage the target does not need is not traced"
    );
    let level = |stage: usize| sim.steps.iter().find(|s| s.stage == stage).map(|s| s.level);
    assert_eq!((level(0), level(1), level(3)), (Some(0), Some(0), Some(1)));
}

#[test]
fn unknown_images_are_information_and_can_be_sized() {
    let text = "FROM mycorp/base:1\nCOPY server.js /\n";
    let sim = run(text);
    assert!(sim.diagnostics.iter().any(
        |d| d.code == "base-image-unknown" && d.severity == stagecraft_analysis::Severity::Info
    ));
    assert!(sim.image.as_ref().is_some_and(|i| i.size_mb < 0.01));
    let mut options = options(None);
    options.declared_sizes = BTreeMap::from([("mycorp/base:1".to_string(), 250_000_000)]);
    let sim = simulate(text, &options);
    assert_eq!(sim.image.as_ref().map(|i| i.size_mb), Some(250.0));
}

#[test]
fn unlisted_tags_are_estimated_from_the_nearest_with_a_note() {
    let sim = run("FROM node:21-alpine\n");
    let note = sim
        .image
        .as_ref()
        .and_then(|i| i.base_note.clone())
        .unwrap_or_default();
    assert!(note.contains("estimated from node:20-alpine"), "{note}");
}

#[test]
fn imported_images_become_bases() {
    let inspect = r#"[{"RepoTags": ["mycorp/app:2"], "Size": 123000000, "Os": "linux",
        "RootFS": {"Layers": ["sha256:a", "sha256:b"]},
        "Config": {"User": "app", "WorkingDir": "/srv", "Env": ["PATH=/usr/bin"], "Cmd": ["/srv/run"], "ExposedPorts": {"8080/tcp": {}}}}]"#;
    let entry = match catalog::import_docker_inspect(inspect) {
        Ok(e) => e,
        Err(e) => panic!("import failed: {} at {}:{}", e.message, e.line, e.column),
    };
    let mut options = options(None);
    options.extra_images = vec![entry];
    let sim = simulate("FROM mycorp/app:2\n", &options);
    let image = sim.image.as_ref();
    assert_eq!(
        image.map(|i| (i.size_mb, i.user.as_str(), i.workdir.as_str())),
        Some((123.0, "app", "/srv"))
    );
    assert!(sim
        .diagnostics
        .iter()
        .all(|d| d.code != "base-image-unknown"));
}

#[test]
fn final_image_badges() {
    let sim = run("FROM golang:1.22 AS build\nCOPY . /src\nRUN go build -o /out/app ./src\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n");
    let image = match &sim.image {
        Some(i) => i,
        None => panic!("no image"),
    };
    assert!(!image.has_shell);
    assert_eq!(image.package_manager, None);
    assert!(image.toolchains.is_empty());
    assert_eq!(image.added_paths, ["/app"]);
    assert_eq!(image.command, ["/app"]);
    assert!(image.source_code.is_empty() && image.secrets.is_empty());
    let single = run("FROM golang:1.22\nCOPY . /src\nCOPY secret.env /src/.env\n");
    let image = single.image.as_ref();
    assert!(
        image.is_some_and(|i| i.toolchains.contains(&"go".to_string())
            && i.has_shell
            && i.package_manager.as_deref() == Some("apt"))
    );
    assert!(image.is_some_and(|i| i.source_code.contains(&"/src/server.js".to_string())));
    assert!(image.is_some_and(|i| i.secrets.contains(&"/src/.env".to_string())));
    let _ = Kind::File;
}

#[test]
fn home_follows_the_user_and_certificates_are_not_secrets() {
    let sim =
        run("FROM debian:bookworm-slim\nRUN useradd -m alice\nUSER alice\nRUN touch $HOME/hello\n");
    assert!(stage(&sim, 0).fs.get("/home/alice/hello").is_some());
    assert!(
        sim.diagnostics.iter().all(|d| d.code != "run-needs-root"),
        "{:?}",
        sim.diagnostics
    );
    let listing = "certs/ca.pem 2000\ncerts/server-key.pem 1700\n";
    let context = BuildContext::parse_listing(listing, "test").ok();
    let sim = simulate(
        "FROM scratch\nCOPY certs /certs\n",
        &SimOptions {
            context,
            ..SimOptions::default()
        },
    );
    assert_eq!(
        sim.image.as_ref().map(|i| i.secrets.clone()),
        Some(vec!["/certs/server-key.pem".to_string()])
    );
}

#[test]
fn a_summarised_directory_lands_inside_an_existing_destination() {
    let text = "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM nginx:1.25-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n";
    let context = stagecraft_simulate::context::preset("react");
    let sim = simulate(
        text,
        &SimOptions {
            context,
            ..SimOptions::default()
        },
    );
    let fs = &stage(&sim, 1).fs;
    assert!(
        fs.get("/usr/share/nginx/html/dist").is_none(),
        "contents, not the folder itself"
    );
    assert!(fs
        .get("/usr/share/nginx/html")
        .is_some_and(|n| n.kind == Kind::Tree && n.size > 0));
    assert!(fs.size_under("/usr/share/nginx/html") > 1_000_000);
}

#[test]
fn a_wildcard_with_one_match_copies_to_the_name_as_written() {
    let sim = run("FROM scratch\nCOPY server.j* /srv/main.js\nCOPY package*.json /deps\n");
    let fs = &stage(&sim, 0).fs;
    assert!(fs
        .get("/srv/main.js")
        .is_some_and(|n| n.kind == Kind::File && n.size == 500));
    assert!(
        fs.get("/deps/package.json").is_some(),
        "two matches: a directory"
    );
}

#[test]
fn a_path_inside_a_summarised_tree_is_estimated_and_flagged() {
    let text = "FROM maven:3.9-eclipse-temurin-17 AS build\nWORKDIR /app\nCOPY . .\nRUN mvn -B package -DskipTests\nFROM eclipse-temurin:17-jre-alpine\nCOPY --from=build /app/target/exactly-this-name.jar /app.jar\n";
    let context = stagecraft_simulate::context::preset("java");
    let sim = simulate(
        text,
        &SimOptions {
            context,
            ..SimOptions::default()
        },
    );
    let jar = stage(&sim, 1).fs.get("/app.jar").map(|n| n.size);
    assert!(
        jar.is_some_and(|b| b > 1_000_000),
        "a jar of the build stands in: {jar:?}"
    );
    assert!(sim
        .diagnostics
        .iter()
        .any(|d| d.code == "copy-from-unverified"));
}
