//! Catalog entries from what the user pastes: the JSON `docker image inspect` prints, or
//! an OCI image manifest plus its config. Sizes and config are taken as given; what those
//! documents cannot tell (the files, the shell, the package manager) is inferred from the
//! name and environment and the notes say so. Malformed input is an error with serde_json's
//! line and column, never a panic.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::reference::{self, ImageRef};
use super::{ImageEntry, PackageManager, Shell};

/// Why an import was refused. `line` and `column` are 1-based positions in the JSON that
/// was being read; both are 0 when the problem is not at a place in it (the reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "{} (line {}, column {})",
                self.message, self.line, self.column
            )
        }
    }
}

impl std::error::Error for ImportError {}

/// The ratio README gives for layers of a typical Debian-based image; only used when the
/// document has one of the two sizes.
const UNCOMPRESSED_PER_COMPRESSED: f64 = 2.5;

/// `docker image inspect` output (fields Docker and Podman both print).
#[derive(Deserialize)]
struct Inspect {
    #[serde(rename = "Id", default)]
    id: Option<String>,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "RepoDigests", default)]
    repo_digests: Option<Vec<String>>,
    #[serde(rename = "Size")]
    size: u64,
    #[serde(rename = "Os", default)]
    os: Option<String>,
    #[serde(rename = "Architecture", default)]
    architecture: Option<String>,
    #[serde(rename = "Config")]
    config: ImageConfig,
    #[serde(rename = "RootFS", default)]
    rootfs: Option<InspectRootFs>,
}

#[derive(Deserialize)]
struct InspectRootFs {
    #[serde(rename = "Layers", default)]
    layers: Option<Vec<String>>,
}

/// The run configuration; the same field names in `docker image inspect` (`Config`) and
/// in an OCI image config (`config`).
#[derive(Deserialize, Default)]
struct ImageConfig {
    #[serde(rename = "User", default)]
    user: Option<String>,
    #[serde(rename = "WorkingDir", default)]
    working_dir: Option<String>,
    #[serde(rename = "Env", default)]
    env: Option<Vec<String>>,
    #[serde(rename = "Entrypoint", default)]
    entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    cmd: Option<Vec<String>>,
    #[serde(rename = "ExposedPorts", default)]
    exposed_ports: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(rename = "StopSignal", default)]
    stop_signal: Option<String>,
}

#[derive(Deserialize)]
struct OciManifest {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<IgnoredAny>,
    #[serde(default)]
    layers: Option<Vec<OciDescriptor>>,
}

#[derive(Deserialize)]
struct OciDescriptor {
    size: u64,
}

#[derive(Deserialize)]
struct OciConfig {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    config: Option<ImageConfig>,
    rootfs: OciRootFs,
}

#[derive(Deserialize)]
struct OciRootFs {
    diff_ids: Vec<String>,
}

/// A serde_json error as an `ImportError`: its message without the trailing position,
/// `missing field `X`` said plainly, and `what` naming the document.
fn from_serde(what: &str, error: &serde_json::Error) -> ImportError {
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let message = match message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        Some(field) => format!("missing {field}"),
        None => message.to_string(),
    };
    ImportError {
        message: format!("{what}: {message}"),
        line: error.line().max(1),
        column: error.column().max(1),
    }
}

/// The 1-based line and column of the first non-blank character (where a document that
/// has the wrong shape goes wrong).
fn start_position(json: &str) -> (usize, usize, Option<char>) {
    let (mut line, mut column) = (1, 1);
    for c in json.chars() {
        match c {
            '\n' => {
                line += 1;
                column = 1;
            }
            c if c.is_whitespace() || c == '\u{feff}' => column += 1,
            c => return (line, column, Some(c)),
        }
    }
    (line, column, None)
}

/// Imports the first image of `docker image inspect` output (an array, or one object).
pub fn import_docker_inspect(json: &str) -> Result<ImageEntry, ImportError> {
    const WHAT: &str = "docker image inspect";
    let (line, column, first) = start_position(json);
    let (image, count) = match first {
        Some('[') => {
            let mut all: Vec<Inspect> =
                serde_json::from_str(json).map_err(|e| from_serde(WHAT, &e))?;
            if all.is_empty() {
                return Err(ImportError {
                    message: format!("{WHAT}: the array is empty (no image was inspected)"),
                    line,
                    column,
                });
            }
            let count = all.len();
            (all.swap_remove(0), count)
        }
        Some('{') => (
            serde_json::from_str(json).map_err(|e| from_serde(WHAT, &e))?,
            1,
        ),
        Some(_) => {
            // Report a syntax error where serde finds one; otherwise the shape is wrong.
            if let Err(e) = serde_json::from_str::<IgnoredAny>(json) {
                return Err(from_serde(WHAT, &e));
            }
            return Err(ImportError {
                message: format!("expected a JSON array or object from `{WHAT}`"),
                line,
                column,
            });
        }
        None => {
            return Err(ImportError {
                message: format!("expected a JSON array or object from `{WHAT}`, got nothing"),
                line,
                column,
            })
        }
    };

    let mut notes = vec!["Imported from `docker image inspect`.".to_string()];
    if count > 1 {
        notes.push(format!("The input held {count} images; this is the first."));
    }
    let (reference, aliases) = inspect_reference(&image, &mut notes);
    let layers = image.rootfs.and_then(|r| r.layers).map_or(0, |l| l.len());
    let uncompressed = image.size;
    let compressed = (uncompressed as f64 / UNCOMPRESSED_PER_COMPRESSED).round() as u64;
    notes.push(format!(
        "Compressed size estimated as the on-disk Size / {UNCOMPRESSED_PER_COMPRESSED} (inspect reports only the unpacked size)."
    ));
    let platform = platform(image.os, image.architecture);
    Ok(build_entry(
        reference,
        aliases,
        image.config,
        Sizes {
            uncompressed,
            compressed,
            layers,
        },
        platform,
        notes,
        WHAT,
    ))
}

/// Imports an image from its OCI (or Docker v2) manifest and config, under `reference`.
pub fn import_oci(
    manifest: &str,
    config: &str,
    reference: &str,
) -> Result<ImageEntry, ImportError> {
    let parsed = reference::parse(reference).map_err(|e| ImportError {
        message: format!("reference `{}`: {e}", reference.trim()),
        line: 0,
        column: 0,
    })?;

    let (line, column, first) = start_position(manifest);
    if first != Some('{') {
        if let Err(e) = serde_json::from_str::<IgnoredAny>(manifest) {
            return Err(from_serde("manifest", &e));
        }
        return Err(ImportError {
            message: "manifest: expected a JSON object".into(),
            line,
            column,
        });
    }
    let m: OciManifest = serde_json::from_str(manifest).map_err(|e| from_serde("manifest", &e))?;
    if m.manifests.is_some() {
        return Err(ImportError {
            message: "manifest: this is an image index (one entry per platform); pass the manifest of one platform, e.g. linux/amd64".into(),
            line,
            column,
        });
    }
    let Some(layers) = m.layers else {
        return Err(ImportError {
            message: "manifest: missing layers".into(),
            line,
            column,
        });
    };

    let (cline, ccolumn, cfirst) = start_position(config);
    if cfirst != Some('{') {
        if let Err(e) = serde_json::from_str::<IgnoredAny>(config) {
            return Err(from_serde("config", &e));
        }
        return Err(ImportError {
            message: "config: expected a JSON object".into(),
            line: cline,
            column: ccolumn,
        });
    }
    let c: OciConfig = serde_json::from_str(config).map_err(|e| from_serde("config", &e))?;
    if c.rootfs.diff_ids.len() != layers.len() {
        return Err(ImportError {
            message: format!(
                "config: rootfs.diff_ids lists {} layers but the manifest has {}; are they from the same image?",
                c.rootfs.diff_ids.len(),
                layers.len()
            ),
            line: cline,
            column: ccolumn,
        });
    }

    let compressed = layers
        .iter()
        .fold(0u64, |sum, l| sum.saturating_add(l.size));
    let uncompressed = (compressed as f64 * UNCOMPRESSED_PER_COMPRESSED).round() as u64;
    let mut notes = vec![format!(
        "Imported from an OCI image manifest{} and config.",
        m.media_type.map(|t| format!(" ({t})")).unwrap_or_default()
    )];
    notes.push(format!(
        "On-disk size estimated as {UNCOMPRESSED_PER_COMPRESSED} x the compressed layers (the manifest has only compressed sizes)."
    ));
    let platform = platform(c.os, c.architecture);
    let aliases = Vec::new();
    let sizes = Sizes {
        uncompressed,
        compressed,
        layers: layers.len(),
    };
    Ok(build_entry(
        parsed,
        aliases,
        c.config.unwrap_or_default(),
        sizes,
        platform,
        notes,
        "OCI manifest and config",
    ))
}

struct Sizes {
    uncompressed: u64,
    compressed: u64,
    layers: usize,
}

fn platform(os: Option<String>, arch: Option<String>) -> String {
    match (os.filter(|s| !s.is_empty()), arch.filter(|s| !s.is_empty())) {
        (Some(os), Some(arch)) => format!("{os}/{arch}"),
        (Some(os), None) => os,
        (None, Some(arch)) => format!("linux/{arch}"),
        (None, None) => "linux".to_string(),
    }
}

/// The reference an inspected image goes by: its first valid RepoTag (other tags of the
/// same repository become aliases), else its repository digest, else its id.
fn inspect_reference(image: &Inspect, notes: &mut Vec<String>) -> (ImageRef, Vec<String>) {
    let tags: Vec<ImageRef> = image
        .repo_tags
        .iter()
        .flatten()
        .filter_map(|t| reference::parse(t).ok())
        .collect();
    if let Some(first) = tags.first() {
        let aliases = tags
            .iter()
            .skip(1)
            .filter(|t| t.name() == first.name())
            .filter_map(|t| t.tag.clone())
            .filter(|t| Some(t) != first.tag.as_ref())
            .collect();
        return (first.clone(), aliases);
    }
    let from_digest = image
        .repo_digests
        .iter()
        .flatten()
        .filter_map(|d| reference::parse(d).ok())
        .next();
    if let Some(mut r) = from_digest {
        notes.push("The image has no tag; it is catalogued as `latest` of the repository it was pulled from.".into());
        r.digest = None;
        r.tag = Some("latest".into());
        return (r, Vec::new());
    }
    let id = image.id.as_deref().unwrap_or_default();
    let short: String = id
        .trim_start_matches("sha256:")
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    notes.push("The image has no tag or repository; it is catalogued as `imported`.".into());
    let tag = if short.is_empty() {
        "latest".to_string()
    } else {
        short
    };
    let r = ImageRef {
        domain: "docker.io".into(),
        path: "library/imported".into(),
        tag: Some(tag),
        digest: None,
    };
    (r, Vec::new())
}

/// What a name and environment suggest about an image the documents cannot show inside.
struct Guess {
    shell: Shell,
    package_manager: PackageManager,
    libc: &'static str,
}

fn guess(name: &str, tag: &str, env: &BTreeMap<String, String>) -> Guess {
    let text = format!("{name}:{tag}").to_ascii_lowercase();
    let has = |word: &str| text.contains(word);
    if has("distroless") {
        let shell = if has("debug") {
            Shell::Busybox
        } else {
            Shell::None
        };
        let libc = if has("static") { "none" } else { "glibc" };
        return Guess {
            shell,
            package_manager: PackageManager::None,
            libc,
        };
    }
    if has("busybox") {
        return Guess {
            shell: Shell::Busybox,
            package_manager: PackageManager::None,
            libc: "glibc",
        };
    }
    if has("alpine") || env.contains_key("ALPINE_VERSION") {
        return Guess {
            shell: Shell::Sh,
            package_manager: PackageManager::Apk,
            libc: "musl",
        };
    }
    if [
        "ubi",
        "fedora",
        "rockylinux",
        "almalinux",
        "centos",
        "oraclelinux",
        "amazonlinux",
    ]
    .iter()
    .any(|w| has(w))
    {
        let pm = if has("minimal") || has("slim") {
            PackageManager::Microdnf
        } else {
            PackageManager::Dnf
        };
        return Guess {
            shell: Shell::Bash,
            package_manager: pm,
            libc: "glibc",
        };
    }
    Guess {
        shell: Shell::Bash,
        package_manager: PackageManager::Apt,
        libc: "glibc",
    }
}

/// Commands the environment of official images announces (`NODE_VERSION` → node …).
fn toolchains_from_env(env: &BTreeMap<String, String>) -> Vec<String> {
    const BY_VAR: &[(&str, &[&str])] = &[
        ("NODE_VERSION", &["node", "npm"]),
        ("YARN_VERSION", &["yarn"]),
        ("GOLANG_VERSION", &["go"]),
        ("PYTHON_VERSION", &["python3", "pip"]),
        ("JAVA_HOME", &["java"]),
        ("MAVEN_HOME", &["mvn"]),
        ("GRADLE_HOME", &["gradle"]),
        ("CARGO_HOME", &["cargo", "rustc"]),
        ("RUBY_VERSION", &["ruby", "gem", "bundle"]),
        ("PHP_VERSION", &["php"]),
    ];
    let mut out: Vec<String> = Vec::new();
    for (var, commands) in BY_VAR {
        if env.contains_key(*var) {
            for c in *commands {
                if !out.iter().any(|o| o == c) {
                    out.push((*c).to_string());
                }
            }
        }
    }
    out
}

fn build_entry(
    r: ImageRef,
    aliases: Vec<String>,
    config: ImageConfig,
    sizes: Sizes,
    os: String,
    mut notes: Vec<String>,
    source: &str,
) -> ImageEntry {
    let env: BTreeMap<String, String> = config
        .env
        .unwrap_or_default()
        .into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv, String::new()),
        })
        .collect();
    let name = r.familiar_name();
    let tag = r.tag_or_latest().to_string();
    let g = guess(&name, &tag, &env);
    let toolchains = toolchains_from_env(&env);
    notes.push(format!(
        "Shell ({}), package manager ({}) and libc ({}) are guessed from the name{}; the import carries no file list.",
        g.shell.as_str(),
        g.package_manager.as_str(),
        g.libc,
        if toolchains.is_empty() { "" } else { ", toolchains from the environment" },
    ));
    let user = config
        .user
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "root".to_string());
    let workdir = config
        .working_dir
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "/".to_string());
    ImageEntry {
        reference: r.canonical(),
        name,
        tag,
        aliases,
        family: "imported".to_string(),
        os,
        libc: g.libc.to_string(),
        uncompressed_bytes: sizes.uncompressed,
        compressed_bytes: sizes.compressed,
        layers: u32::try_from(sizes.layers).unwrap_or(u32::MAX),
        user,
        workdir,
        env,
        entrypoint: config.entrypoint,
        cmd: config.cmd,
        expose: config
            .exposed_ports
            .map(|p| p.into_keys().collect())
            .unwrap_or_default(),
        stopsignal: config.stop_signal.filter(|s| !s.is_empty()),
        shell: g.shell,
        package_manager: g.package_manager,
        files: Vec::new(),
        toolchains,
        sources: vec![format!("{source} (imported by the user)")],
        confidence: "measured".to_string(),
        notes: notes.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSPECT: &str = r#"[
    {
        "Id": "sha256:5b5ef8f7b1bd6a58a7b1f0bd0e5fb1bfb3b4b8b21c9d5a7a8f3d5f1a6b4c2d1e",
        "RepoTags": ["node:20-alpine", "node:iron-alpine", "myorg/base:1"],
        "RepoDigests": ["node@sha256:8401816e353182af32bc4b49a5c238920a3287cc78f2596800c391490c0254c5"],
        "Created": "2024-04-11T04:21:43.123Z",
        "Config": {
            "Hostname": "",
            "User": "",
            "ExposedPorts": {"3000/tcp": {}},
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "NODE_VERSION=20.12.2",
                "YARN_VERSION=1.22.19"
            ],
            "Cmd": ["node"],
            "WorkingDir": "",
            "Entrypoint": ["docker-entrypoint.sh"],
            "Labels": null
        },
        "Architecture": "amd64",
        "Os": "linux",
        "Size": 135660000,
        "RootFS": {"Type": "layers", "Layers": ["sha256:a", "sha256:b", "sha256:c", "sha256:d"]}
    }
]"#;

    fn ok(result: Result<ImageEntry, ImportError>) -> ImageEntry {
        match result {
            Ok(entry) => entry,
            Err(e) => panic!("import failed: {e}"),
        }
    }

    fn err(result: Result<ImageEntry, ImportError>) -> ImportError {
        match result {
            Ok(entry) => panic!("expected an error, got {}", entry.reference),
            Err(e) => e,
        }
    }

    #[test]
    fn docker_inspect_output_becomes_an_entry() {
        let e = ok(import_docker_inspect(INSPECT));
        assert_eq!(e.reference, "docker.io/library/node:20-alpine");
        assert_eq!((e.name.as_str(), e.tag.as_str()), ("node", "20-alpine"));
        assert_eq!(e.aliases, vec!["iron-alpine".to_string()]);
        assert_eq!(e.uncompressed_bytes, 135_660_000);
        assert_eq!(e.compressed_bytes, 54_264_000);
        assert_eq!(e.layers, 4);
        assert_eq!((e.user.as_str(), e.workdir.as_str()), ("root", "/"));
        assert_eq!(
            e.env.get("NODE_VERSION").map(String::as_str),
            Some("20.12.2")
        );
        assert_eq!(e.entrypoint, Some(vec!["docker-entrypoint.sh".to_string()]));
        assert_eq!(e.cmd, Some(vec!["node".to_string()]));
        assert_eq!(e.expose, vec!["3000/tcp".to_string()]);
        assert_eq!(
            (e.shell, e.package_manager, e.libc.as_str()),
            (Shell::Sh, PackageManager::Apk, "musl")
        );
        assert_eq!(e.toolchains, ["node", "npm", "yarn"]);
        assert_eq!(e.os, "linux/amd64");
        assert_eq!(e.family, "imported");
        assert!(e.notes.contains("guessed"));
    }

    #[test]
    fn a_single_object_and_untagged_images_import_too() {
        let one = r#"{"Id": "sha256:0123456789abcdef", "RepoTags": [], "RepoDigests": [],
            "Size": 2000000, "Config": {"User": "65532", "WorkingDir": "/home/nonroot", "Env": null,
            "Entrypoint": null, "Cmd": null, "StopSignal": "SIGTERM"}}"#;
        let e = ok(import_docker_inspect(one));
        assert_eq!(e.reference, "docker.io/library/imported:0123456789ab");
        assert_eq!(
            (e.user.as_str(), e.workdir.as_str()),
            ("65532", "/home/nonroot")
        );
        assert_eq!(
            (e.layers, e.entrypoint.clone(), e.stopsignal.as_deref()),
            (0, None, Some("SIGTERM"))
        );
        let distroless = r#"{"RepoTags": ["gcr.io/distroless/static-debian12:nonroot"], "Size": 1, "Config": {}}"#;
        let e = ok(import_docker_inspect(distroless));
        assert_eq!(
            (e.shell, e.package_manager, e.libc.as_str()),
            (Shell::None, PackageManager::None, "none")
        );
    }

    #[test]
    fn malformed_inspect_output_is_refused_with_a_position() {
        let truncated = &INSPECT[..INSPECT.len() / 2];
        let e = err(import_docker_inspect(truncated));
        assert!(
            e.message.starts_with("docker image inspect: "),
            "{}",
            e.message
        );
        assert!(e.line > 1 && e.column >= 1, "{e:?}");

        let wrong_type = "[\n  {\"Size\": \"big\", \"Config\": {}}\n]";
        let e = err(import_docker_inspect(wrong_type));
        assert!(
            e.message.contains("invalid type: string \"big\""),
            "{}",
            e.message
        );
        assert_eq!(e.line, 2);

        let e = err(import_docker_inspect("[{\"Size\": 1}]"));
        assert_eq!(e.message, "docker image inspect: missing Config");
        assert_eq!((e.line, e.column), (1, 12));

        let e = err(import_docker_inspect("  \"node:20\""));
        assert_eq!(
            e.message,
            "expected a JSON array or object from `docker image inspect`"
        );
        assert_eq!((e.line, e.column), (1, 3));

        let e = err(import_docker_inspect("[]"));
        assert!(e.message.contains("empty"), "{}", e.message);
        let e = err(import_docker_inspect(""));
        assert!(e.message.contains("got nothing"), "{}", e.message);
        let e = err(import_docker_inspect(
            "[{\"Size\": 1, \"Config\": {\"Env\": [1]}}]",
        ));
        assert!(
            e.message.contains("invalid type: integer `1`"),
            "{}",
            e.message
        );
        let e = err(import_docker_inspect("oops"));
        assert!(e.message.contains("expected value"), "{}", e.message);
    }

    const MANIFEST: &str = r#"{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:c0", "size": 1472},
  "layers": [
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:l1", "size": 3623904},
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:l2", "size": 1000000}
  ]
}"#;

    const CONFIG: &str = r#"{
  "architecture": "amd64",
  "os": "linux",
  "config": {
    "User": "app",
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHON_VERSION=3.12.7"],
    "Entrypoint": ["python3"],
    "Cmd": ["app.py"],
    "WorkingDir": "/app",
    "ExposedPorts": {"8000/tcp": {}}
  },
  "rootfs": {"type": "layers", "diff_ids": ["sha256:d1", "sha256:d2"]},
  "history": [{"created_by": "ADD rootfs.tar.gz /"}]
}"#;

    #[test]
    fn oci_manifest_and_config_become_an_entry() {
        let e = ok(import_oci(
            MANIFEST,
            CONFIG,
            "registry.example.com/team/api:1.4",
        ));
        assert_eq!(e.reference, "registry.example.com/team/api:1.4");
        assert_eq!(e.name, "registry.example.com/team/api");
        assert_eq!(e.compressed_bytes, 4_623_904);
        assert_eq!(e.uncompressed_bytes, 11_559_760);
        assert_eq!(e.layers, 2);
        assert_eq!((e.user.as_str(), e.workdir.as_str()), ("app", "/app"));
        assert_eq!(e.expose, vec!["8000/tcp".to_string()]);
        assert_eq!(e.toolchains, ["python3", "pip"]);
        assert!(e
            .notes
            .contains("application/vnd.oci.image.manifest.v1+json"));
    }

    #[test]
    fn malformed_oci_documents_are_refused() {
        let e = err(import_oci(MANIFEST, CONFIG, "Bad Ref"));
        assert_eq!((e.line, e.column), (0, 0));
        let index = r#"{"schemaVersion": 2, "manifests": [{"digest": "sha256:x", "size": 1}]}"#;
        assert!(err(import_oci(index, CONFIG, "app"))
            .message
            .contains("image index"));
        let e = err(import_oci(
            "{\n  \"layers\": [{\"size\": -1}]\n}",
            CONFIG,
            "app",
        ));
        assert!(
            e.message
                .starts_with("manifest: invalid value: integer `-1`"),
            "{}",
            e.message
        );
        assert_eq!(e.line, 2);
        let e = err(import_oci(MANIFEST, "{\"config\": {}}", "app"));
        assert_eq!(e.message, "config: missing rootfs");
        let e = err(import_oci(
            MANIFEST,
            "{\"rootfs\": {\"diff_ids\": []}}",
            "app",
        ));
        assert!(e.message.contains("same image"), "{}", e.message);
        let e = err(import_oci(MANIFEST, &CONFIG[..40], "app"));
        assert!(e.message.starts_with("config: EOF"), "{}", e.message);
        let e = err(import_oci("[1]", CONFIG, "app"));
        assert_eq!(e.message, "manifest: expected a JSON object");
        let e = err(import_oci("{\"schemaVersion\": 2}", CONFIG, "app"));
        assert_eq!(e.message, "manifest: missing layers");
    }
}
