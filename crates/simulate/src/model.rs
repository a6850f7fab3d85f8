//! What a simulation produces: per-stage results, Docker-style layers, the step trace
//! and the runtime configuration each stage ends with.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use stagecraft_syntax::TextRange;

use crate::catalog::{PackageManager, Shell};
use crate::vfs::{Fs, Kind, Origin};

/// The runtime configuration of an image (what `docker inspect` shows under Config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    pub user: String,
    pub workdir: String,
    pub env: BTreeMap<String, String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub exposed: BTreeSet<String>,
    pub healthcheck: Option<Vec<String>>,
    pub stopsignal: Option<String>,
    pub volumes: BTreeSet<String>,
    pub labels: BTreeMap<String, String>,
    /// The SHELL that shell-form instructions run with.
    pub shell: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            user: "root".to_string(),
            workdir: "/".to_string(),
            env: BTreeMap::new(),
            entrypoint: None,
            cmd: None,
            exposed: BTreeSet::new(),
            healthcheck: None,
            stopsignal: None,
            volumes: BTreeSet::new(),
            labels: BTreeMap::new(),
            shell: vec!["/bin/sh".to_string(), "-c".to_string()],
        }
    }
}

impl Config {
    /// The command a container runs: ENTRYPOINT followed by CMD, as Docker combines
    /// them (a shell-form ENTRYPOINT ignores CMD).
    pub fn command(&self) -> Vec<String> {
        let mut command = self.entrypoint.clone().unwrap_or_default();
        command.extend(self.cmd.clone().unwrap_or_default());
        command
    }

    pub fn is_root(&self) -> bool {
        let user = self.user.split(':').next().unwrap_or_default();
        // ContainerAdministrator is the administrator of Windows images.
        user.is_empty()
            || user == "root"
            || user == "0"
            || user.eq_ignore_ascii_case("ContainerAdministrator")
    }

    /// `$HOME` as Docker sets it when the image does not: from the user's passwd entry,
    /// approximated as `/root` for root, `/home/<name>` for a named user and `/` for a
    /// bare uid (which has no entry).
    pub fn home(&self) -> String {
        if let Some(home) = self.env.get("HOME") {
            return home.clone();
        }
        let user = self.user.split(':').next().unwrap_or_default();
        if self.is_root() {
            "/root".to_string()
        } else if user.bytes().all(|b| b.is_ascii_digit()) {
            "/".to_string()
        } else {
            format!("/home/{user}")
        }
    }
}

/// What a stage started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseInfo {
    /// The base as the stage names it after expansion (`node:20`, `build`, `scratch`).
    pub reference: String,
    /// The catalog entry it resolved to (`docker.io/library/node:20`).
    pub resolved: Option<String>,
    /// "estimated from node:20-alpine", or why the contents are unknown.
    pub note: Option<String>,
    /// The external image at the root of the stage chain.
    pub image: Option<String>,
    pub bytes: u64,
    pub compressed_bytes: u64,
    pub known: bool,
    pub shell: Shell,
    pub package_manager: PackageManager,
    pub toolchains: Vec<String>,
}

/// One layer of an image, as Docker counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// The stage whose instruction made it (an earlier stage for `FROM <stage>`).
    pub stage: usize,
    /// Index of the instruction in the file.
    pub instruction: usize,
    pub line: u32,
    pub range: TextRange,
    /// The instruction as `docker history` shows it.
    pub created_by: String,
    pub bytes: u64,
    /// Bytes of earlier layers that this one deletes or overwrites: they still ship.
    pub wasted_bytes: u64,
}

/// One path an instruction changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathChange {
    pub path: String,
    pub kind: Kind,
    pub bytes: u64,
    /// For a changed path, its previous size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_bytes: Option<u64>,
    pub origin: Origin,
}

/// What a step changed in its stage's filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub added: Vec<PathChange>,
    pub removed: Vec<PathChange>,
    pub changed: Vec<PathChange>,
}

/// Files moving between stages on a `COPY --from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub from_stage: Option<usize>,
    pub from_image: Option<String>,
    pub sources: Vec<String>,
    pub destinations: Vec<String>,
    pub bytes: u64,
}

/// One step of the build, in an order BuildKit could run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub stage: usize,
    /// The parallel level of the stage (stages of one level build at the same time).
    pub level: usize,
    pub instruction: usize,
    pub line: u32,
    pub end_line: u32,
    pub range: TextRange,
    pub keyword: String,
    pub summary: String,
    pub diff: Diff,
    /// The layer this step made, if any.
    pub layer: Option<usize>,
    pub transfer: Option<Transfer>,
}

/// A stage after simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageResult {
    pub index: usize,
    pub base: BaseInfo,
    pub fs: Fs,
    /// Every layer of the stage's image, inherited ones first.
    pub layers: Vec<Layer>,
    pub config: Config,
    /// Whether a RUN whose effect is not (fully) modelled ran here: its outputs cannot be
    /// verified, so missing-path findings become "cannot verify" notes.
    pub uncertain: bool,
    /// Uncompressed image size: base plus every layer.
    pub size_bytes: u64,
}
