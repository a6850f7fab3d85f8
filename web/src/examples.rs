//! The examples gallery: canonical single-stage to multi-stage conversions and files that
//! show BuildKit's behaviour, kept as data in `web/examples/` (a manifest and one
//! Dockerfile each) and compiled into the page, so loading one never waits on the network.

use std::sync::OnceLock;

use serde_json::Value;
use stagecraft_share::json;

/// The manifest: titles, descriptions, groups and the inputs each example sets.
const MANIFEST: &str = include_str!("../examples/examples.json");

/// The Dockerfiles the manifest names. A file added to `web/examples/` is listed here too
/// (`include_str!` needs a literal path); a test checks both lists agree.
const FILES: [(&str, &str); 10] = [
    (
        "go-scratch.Dockerfile",
        include_str!("../examples/go-scratch.Dockerfile"),
    ),
    (
        "node-distroless.Dockerfile",
        include_str!("../examples/node-distroless.Dockerfile"),
    ),
    (
        "react-nginx.Dockerfile",
        include_str!("../examples/react-nginx.Dockerfile"),
    ),
    (
        "java-maven-jre.Dockerfile",
        include_str!("../examples/java-maven-jre.Dockerfile"),
    ),
    (
        "python-slim.Dockerfile",
        include_str!("../examples/python-slim.Dockerfile"),
    ),
    (
        "rust-debian-slim.Dockerfile",
        include_str!("../examples/rust-debian-slim.Dockerfile"),
    ),
    (
        "target-pruning.Dockerfile",
        include_str!("../examples/target-pruning.Dockerfile"),
    ),
    (
        "parallel-stages.Dockerfile",
        include_str!("../examples/parallel-stages.Dockerfile"),
    ),
    (
        "copy-from-image.Dockerfile",
        include_str!("../examples/copy-from-image.Dockerfile"),
    ),
    (
        "args-in-from.Dockerfile",
        include_str!("../examples/args-in-from.Dockerfile"),
    ),
];

/// What the page shows when the manifest could not be read (a test keeps that from
/// shipping; this only keeps a broken data file from becoming a crash).
const FALLBACK_TEXT: &str = "FROM alpine:3.20\nRUN echo hello\n";

/// The gallery's two shelves, `multi-stage` and `buildkit` in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// A single-stage Dockerfile turned multi-stage: build in a toolchain image, ship a
    /// small one.
    MultiStage,
    /// A file that shows how BuildKit schedules and resolves a build.
    Buildkit,
}

impl Group {
    pub const ALL: [Group; 2] = [Group::MultiStage, Group::Buildkit];

    pub fn label(self) -> &'static str {
        match self {
            Group::MultiStage => "Multi-stage conversions",
            Group::Buildkit => "BuildKit behaviour",
        }
    }
}

/// One card of the gallery. In the manifest an object of these fields but `text`; `id`,
/// `title`, `about`, `group` and `file` are required, no other field is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Stable name (for tests and links), unique.
    pub id: String,
    pub title: String,
    /// What the example teaches, in one line.
    pub about: String,
    pub group: Group,
    /// The Dockerfile's name in `web/examples/`.
    pub file: String,
    /// Filled from [`FILES`] once the manifest is read.
    pub text: String,
    pub target: Option<String>,
    /// `KEY=VALUE` lines.
    pub build_args: String,
    /// A build-context preset; the detected one when absent.
    pub context: Option<String>,
}

/// The fields an example may have in the manifest.
const EXAMPLE_FIELDS: [&str; 8] = [
    "id",
    "title",
    "about",
    "group",
    "file",
    "target",
    "build_args",
    "context",
];

/// The manifest's `examples`, read as serde's derive read them (the manifest's `note`,
/// documentation for whoever edits the data file, must be there and is not kept).
fn read_manifest(manifest: &str) -> Result<Vec<Example>, String> {
    let value = serde_json::from_str(manifest).map_err(|e| e.to_string())?;
    let (mut note, mut examples) = (None, None);
    for (name, value) in json::object(value, "Manifest")? {
        match name.as_str() {
            "note" => note = Some(json::string(value)?),
            "examples" => examples = Some(read_examples(value)?),
            _ => {}
        }
    }
    json::required(note, "note")?;
    json::required(examples, "examples")
}

fn read_examples(value: Value) -> Result<Vec<Example>, String> {
    let Value::Array(list) = value else {
        return Err(format!(
            "invalid type: {}, expected a sequence",
            json::unexpected(&value)
        ));
    };
    let mut examples = Vec::with_capacity(list.len());
    for value in list {
        examples.push(read_example(value)?);
    }
    Ok(examples)
}

fn read_example(value: Value) -> Result<Example, String> {
    let (mut id, mut title, mut about, mut group, mut file) = (None, None, None, None, None);
    let (mut target, mut build_args, mut context) = (None, String::new(), None);
    for (name, value) in json::object(value, "Example")? {
        match name.as_str() {
            "id" => id = Some(json::string(value)?),
            "title" => title = Some(json::string(value)?),
            "about" => about = Some(json::string(value)?),
            "group" => group = Some(read_group(value)?),
            "file" => file = Some(json::string(value)?),
            "target" => target = json::optional(value, json::string)?,
            "build_args" => build_args = json::string(value)?,
            "context" => context = json::optional(value, json::string)?,
            other => return Err(json::unknown_field(other, &EXAMPLE_FIELDS)),
        }
    }
    Ok(Example {
        id: json::required(id, "id")?,
        title: json::required(title, "title")?,
        about: json::required(about, "about")?,
        group: json::required(group, "group")?,
        file: json::required(file, "file")?,
        text: String::new(),
        target,
        build_args,
        context,
    })
}

fn read_group(value: Value) -> Result<Group, String> {
    match json::string(value)?.as_str() {
        "multi-stage" => Ok(Group::MultiStage),
        "buildkit" => Ok(Group::Buildkit),
        other => Err(format!(
            "unknown variant `{other}`, expected `multi-stage` or `buildkit`"
        )),
    }
}

/// Reads a manifest and attaches each example's Dockerfile.
fn load(manifest: &str, files: &[(&str, &str)]) -> Result<Vec<Example>, String> {
    let mut examples = read_manifest(manifest).map_err(|e| format!("examples.json: {e}"))?;
    for example in &mut examples {
        let text = files
            .iter()
            .find(|(name, _)| *name == example.file)
            .map(|(_, text)| *text)
            .ok_or_else(|| format!("examples.json: no file {}", example.file))?;
        example.text = text.to_owned();
    }
    Ok(examples)
}

/// Every example, in gallery order (empty only if the data files are broken).
pub fn all() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| load(MANIFEST, &FILES).unwrap_or_default())
}

/// The text the page opens on without a saved state: the first example.
pub fn first_text() -> &'static str {
    all().first().map_or(FALLBACK_TEXT, |e| e.text.as_str())
}

/// Whether `text` is one of the examples as shipped (so replacing it loses nothing).
pub fn is_example_text(text: &str) -> bool {
    all().iter().any(|e| e.text == text)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use stagecraft_analysis::{EdgeKind, Options, Severity};
    use stagecraft_simulate::{simulate, SimOptions};

    use super::*;

    fn simulated(example: &Example) -> stagecraft_simulate::Simulation {
        let options = SimOptions {
            analysis: Options {
                target: example.target.clone(),
                build_args: crate::state::parse_build_args(&example.build_args),
                dockerignore: None,
            },
            context: example
                .context
                .as_deref()
                .and_then(stagecraft_simulate::context::preset),
            ..SimOptions::default()
        };
        simulate(&example.text, &options)
    }

    fn by_id(id: &str) -> &'static Example {
        match all().iter().find(|e| e.id == id) {
            Some(example) => example,
            None => panic!("no example {id}"),
        }
    }

    #[test]
    fn the_manifest_loads_and_names_every_file_once() {
        let examples = load(MANIFEST, &FILES);
        assert!(examples.is_ok(), "{examples:?}");
        let examples = examples.unwrap_or_default();
        assert_eq!(examples.len(), all().len());
        let used: BTreeSet<&str> = examples.iter().map(|e| e.file.as_str()).collect();
        let shipped: BTreeSet<&str> = FILES.iter().map(|(n, _)| *n).collect();
        assert_eq!(used, shipped, "every file is in the manifest and back");
        let ids: BTreeSet<&str> = examples.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), examples.len(), "ids are unique");
        for group in Group::ALL {
            assert!(
                examples.iter().any(|e| e.group == group),
                "{group:?} is empty"
            );
        }
    }

    #[test]
    fn a_broken_manifest_is_an_error_not_a_panic() {
        assert!(load("{", &FILES).is_err());
        let missing = r#"{"note":"","examples":[{"id":"x","title":"x","about":"x",
            "group":"buildkit","file":"nope.Dockerfile"}]}"#;
        assert!(load(missing, &FILES).is_err_and(|e| e.contains("nope.Dockerfile")));
    }

    #[test]
    fn the_gallery_covers_the_issues_list() {
        let titles: Vec<&str> = all().iter().map(|e| e.title.as_str()).collect();
        for language in ["Go", "Node", "React", "Java", "Python", "Rust"] {
            assert!(
                all()
                    .iter()
                    .any(|e| e.group == Group::MultiStage && e.title.contains(language)),
                "no {language} conversion in {titles:?}"
            );
        }
    }

    #[test]
    fn every_example_parses_without_errors() {
        for example in all() {
            let sim = simulated(example);
            let errors: Vec<_> = sim
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| (d.code, d.message.clone()))
                .collect();
            assert_eq!(errors, [], "{}", example.title);
            if let Some(preset) = &example.context {
                assert_eq!(&sim.context, preset, "{}", example.title);
            }
        }
    }

    #[test]
    fn conversions_ship_less_than_their_build_image() {
        for example in all().iter().filter(|e| e.group == Group::MultiStage) {
            let sim = simulated(example);
            let build = sim.stages.first().and_then(Option::as_ref);
            let image = sim.image.as_ref();
            let (Some(build), Some(image)) = (build, image) else {
                panic!("{}: no build stage or no image", example.title);
            };
            assert!(
                build.base.known,
                "{}: the build image is in the catalog",
                example.title
            );
            let shipped = (image.size_mb * 1e6) as u64;
            assert!(
                shipped < build.base.bytes,
                "{}: {} bytes shipped, build image {}",
                example.title,
                shipped,
                build.base.bytes
            );
        }
    }

    #[test]
    fn target_pruning_skips_stages() {
        let sim = simulated(by_id("target-pruning"));
        let test = sim
            .analysis
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some("test"));
        assert_eq!(sim.analysis.target, test);
        let skipped = sim.analysis.stages.iter().filter(|s| !s.built).count();
        assert!(skipped >= 2, "{skipped} stages skipped");
    }

    #[test]
    fn parallel_stages_share_a_level() {
        let sim = simulated(by_id("parallel"));
        assert!(
            sim.analysis
                .build_levels
                .iter()
                .any(|level| level.len() >= 2),
            "{:?}",
            sim.analysis.build_levels
        );
    }

    #[test]
    fn copy_from_an_image_makes_an_edge_from_that_image() {
        let sim = simulated(by_id("copy-from-image"));
        let external: Vec<_> = sim
            .analysis
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Copy && e.from_stage.is_none())
            .filter_map(|e| e.from_image.clone())
            .collect();
        assert_eq!(external, ["docker.io/library/busybox:latest"]);
    }

    #[test]
    fn the_build_arg_reaches_the_from_line() {
        let example = by_id("args-in-from");
        let sim = simulated(example);
        let stage = &sim.analysis.stages[0];
        assert!(stage.base_written.contains("${GO_VERSION}"));
        assert_eq!(stage.base, "golang:1.21", "the example's build arg wins");
        let plain = simulated(&Example {
            build_args: String::new(),
            ..example.clone()
        });
        assert_eq!(plain.analysis.stages[0].base, "golang:1.22", "the default");
    }

    #[test]
    fn example_texts_are_recognised() {
        assert!(is_example_text(first_text()));
        assert!(!is_example_text("FROM alpine\n# mine\n"));
    }
}
