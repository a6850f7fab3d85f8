//! The final image of the target stage, and what it means for a learner: its size, its
//! layers, how it runs, and whether it ships a shell, a package manager, toolchains,
//! source code, build caches or secrets.

use serde::Serialize;

use crate::model::{Layer, StageResult};
use crate::vfs::{Fs, Kind, Node, Origin};

/// The usual ratio of a layer's uncompressed bytes to its gzip'd size (README of the
/// base-image facts: 2.2x to 2.8x for typical content).
const COMPRESSION_RATIO: f64 = 2.4;

/// The final image, as `stagecraft analyze` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalImage {
    pub stage: usize,
    /// Uncompressed, estimated (what `docker images` shows).
    pub size_mb: f64,
    /// Compressed, estimated (what a registry stores and `docker pull` downloads).
    pub compressed_mb: f64,
    pub base: String,
    /// How the base was resolved ("estimated from node:20-alpine"), if not exactly.
    pub base_note: Option<String>,
    pub base_mb: f64,
    pub user: String,
    pub workdir: String,
    pub has_shell: bool,
    pub package_manager: Option<String>,
    pub toolchains: Vec<String>,
    /// Source files from the build context that ended up in the image.
    pub source_code: Vec<String>,
    pub build_caches: Vec<String>,
    pub secrets: Vec<String>,
    /// Every path the Dockerfile's own instructions put in the image, sorted.
    pub added_paths: Vec<String>,
    pub layers: Vec<LayerSummary>,
    /// ENTRYPOINT followed by CMD, shell form wrapped as Docker does.
    pub command: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub exposed_ports: Vec<String>,
    pub healthcheck: Option<Vec<String>>,
    pub env: Vec<String>,
    /// Bytes that earlier layers still carry although later ones deleted or replaced them.
    pub wasted_mb: f64,
}

/// One layer in the final image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSummary {
    pub stage: usize,
    pub line: u32,
    pub created_by: String,
    pub size_mb: f64,
    pub wasted_mb: f64,
}

fn to_mb(bytes: u64) -> f64 {
    (bytes as f64 / 1e6 * 100.0).round() / 100.0
}

/// Paths whose presence means a toolchain is there, by toolchain name.
const TOOLCHAIN_PATHS: &[(&str, &[&str])] = &[
    (
        "go",
        &[
            "/usr/local/go/bin/go",
            "/usr/local/go",
            "/usr/bin/go",
            "/usr/lib/go",
        ],
    ),
    (
        "node",
        &["/usr/local/bin/node", "/usr/bin/node", "/nodejs/bin/node"],
    ),
    (
        "npm",
        &[
            "/usr/local/bin/npm",
            "/usr/local/lib/node_modules/npm",
            "/usr/bin/npm",
        ],
    ),
    ("yarn", &["/usr/local/bin/yarn", "/opt/yarn"]),
    ("python3", &["/usr/local/bin/python3", "/usr/bin/python3"]),
    (
        "pip",
        &[
            "/usr/local/bin/pip",
            "/usr/bin/pip",
            "/usr/local/bin/pip3",
            "/usr/bin/pip3",
        ],
    ),
    (
        "java",
        &[
            "/opt/java/openjdk/bin/java",
            "/usr/bin/java",
            "/usr/lib/jvm",
        ],
    ),
    ("javac", &["/opt/java/openjdk/bin/javac", "/usr/bin/javac"]),
    ("mvn", &["/usr/share/maven", "/usr/bin/mvn"]),
    ("gradle", &["/opt/gradle", "/usr/bin/gradle"]),
    ("cargo", &["/usr/local/cargo/bin/cargo", "/usr/bin/cargo"]),
    (
        "rustc",
        &[
            "/usr/local/cargo/bin/rustc",
            "/usr/local/rustup",
            "/usr/bin/rustc",
        ],
    ),
    ("gcc", &["/usr/bin/gcc", "/usr/lib/gcc"]),
    ("make", &["/usr/bin/make"]),
    ("git", &["/usr/bin/git"]),
];

/// Paths whose presence means the image has a shell.
pub const SHELL_PATHS: &[&str] = &[
    "/bin/sh",
    "/bin/bash",
    "/usr/bin/sh",
    "/bin/ash",
    "/busybox/sh",
    "/bin/busybox",
];

const SOURCE_EXTENSIONS: &[&str] = &[
    "go", "rs", "js", "jsx", "ts", "tsx", "mjs", "cjs", "py", "java", "kt", "scala", "c", "cc",
    "cpp", "h", "hpp", "cs", "rb", "php", "vue", "svelte",
];

const CACHE_DIRS: &[&str] = &[
    "/root/.cache",
    "/root/.npm",
    "/root/.m2",
    "/root/.gradle",
    "/root/.cargo/registry",
    "/usr/local/cargo/registry",
    "/go/pkg/mod",
    "/var/cache/apk",
    "/var/cache/apt",
    "/var/lib/apt/lists",
    "/var/cache/dnf",
    "/var/cache/yum",
    "/home/node/.npm",
];

/// Whether the file system has a path, or something that stands for it.
pub(crate) fn has_any(fs: &Fs, paths: &[&str]) -> bool {
    paths.iter().any(|p| fs.contains(p))
}

pub(crate) fn has_shell(fs: &Fs) -> bool {
    has_any(fs, SHELL_PATHS)
}

pub(crate) fn toolchains(fs: &Fs) -> Vec<String> {
    TOOLCHAIN_PATHS
        .iter()
        .filter(|(_, paths)| has_any(fs, paths))
        .map(|(name, _)| name.to_string())
        .collect()
}

fn is_secret_like(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == ".env"
        || (name.starts_with(".env.") && !name.ends_with(".example") && !name.ends_with(".sample"))
        || name.starts_with("id_rsa")
        || name.starts_with("id_ed25519")
        || (name.ends_with(".pem") && !is_certificate_name(&name))
        || name.ends_with(".key")
        || name == ".npmrc"
        || name == ".pypirc"
        || name == "credentials"
        || name == ".git-credentials"
}

/// PEM files that by name hold a public certificate rather than a private key.
fn is_certificate_name(name: &str) -> bool {
    let stem = name.trim_end_matches(".pem");
    stem == "ca"
        || stem == "cert"
        || stem == "chain"
        || stem == "fullchain"
        || stem.ends_with("-cert")
        || stem.ends_with("_cert")
        || stem.ends_with(".crt")
        || stem.ends_with("-ca")
}

pub(crate) fn is_source(path: &str, node: &Node) -> bool {
    node.origin == Origin::Context
        && path
            .rsplit_once('.')
            .is_some_and(|(_, ext)| SOURCE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Summarises the target stage's result.
pub(crate) fn final_image(result: &StageResult) -> FinalImage {
    let fs = &result.fs;
    let added: Vec<(&String, &Node)> = fs
        .iter()
        .filter(|(_, n)| n.layer.is_some() && (n.kind != Kind::Dir || n.origin == Origin::Run))
        .collect();
    let build_caches: Vec<String> = CACHE_DIRS
        .iter()
        .filter(|dir| fs.under(dir).any(|(_, n)| n.layer.is_some() && n.size > 0))
        .map(|d| d.to_string())
        .chain(
            fs.iter()
                .filter(|(p, n)| {
                    n.layer.is_some()
                        && n.size > 0
                        && (p.ends_with("/target") || p.ends_with("/node_modules/.cache"))
                })
                .map(|(p, _)| p.clone()),
        )
        .collect();
    let layers: &[Layer] = &result.layers;
    let layer_bytes: u64 = layers.iter().map(|l| l.bytes).sum();
    let wasted: u64 = layers.iter().map(|l| l.wasted_bytes).sum();
    let size = result.base.bytes + layer_bytes;
    let compressed = result.base.compressed_bytes as f64 + layer_bytes as f64 / COMPRESSION_RATIO;
    let package_manager = (!result.base.package_manager.is_none())
        .then(|| result.base.package_manager.as_str().to_string());
    let mut toolchains = toolchains(fs);
    for name in &result.base.toolchains {
        if !toolchains.contains(name) && TOOLCHAIN_PATHS.iter().all(|(t, _)| t != name) {
            toolchains.push(name.clone());
        }
    }
    stagecraft_syntax::order::sort(&mut toolchains);
    FinalImage {
        stage: result.index,
        size_mb: to_mb(size),
        compressed_mb: to_mb(compressed.round() as u64),
        base: result
            .base
            .image
            .clone()
            .unwrap_or_else(|| "scratch".to_string()),
        base_note: result.base.note.clone(),
        base_mb: to_mb(result.base.bytes),
        user: result.config.user.clone(),
        workdir: result.config.workdir.clone(),
        has_shell: has_shell(fs),
        package_manager,
        toolchains,
        source_code: added
            .iter()
            .filter(|(p, n)| is_source(p, n))
            .map(|(p, _)| p.to_string())
            .collect(),
        build_caches,
        secrets: added
            .iter()
            .filter(|(p, _)| is_secret_like(p))
            .map(|(p, _)| p.to_string())
            .collect(),
        added_paths: added.iter().map(|(p, _)| p.to_string()).collect(),
        layers: layers
            .iter()
            .map(|l| LayerSummary {
                stage: l.stage,
                line: l.line,
                created_by: l.created_by.clone(),
                size_mb: to_mb(l.bytes),
                wasted_mb: to_mb(l.wasted_bytes),
            })
            .collect(),
        command: result.config.command(),
        entrypoint: result.config.entrypoint.clone(),
        cmd: result.config.cmd.clone(),
        exposed_ports: result.config.exposed.iter().cloned().collect(),
        healthcheck: result.config.healthcheck.clone(),
        env: result
            .config
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        wasted_mb: to_mb(wasted),
    }
}
