//! Teaching diagnostics that only a simulated build can ground: a `COPY --from` of a
//! path the stage does not have, root-only commands after `USER`, commands that need a
//! binary the final image lacks, typographic characters pasted from web pages, wasted
//! layers, leftover caches, and what the final image still carries.

use stagecraft_analysis::suggest;
use stagecraft_syntax::{Diagnostic, Keyword, TextRange};

use crate::build::{Inputs, Outcome};
use crate::image::{self, FinalImage};

const MB: f64 = 1e6;

/// Wasted bytes below this are not worth a learner's attention.
const WASTE_THRESHOLD: u64 = 1_000_000;

pub(crate) fn check(
    inputs: &Inputs,
    outcome: &Outcome,
    image: Option<&FinalImage>,
    out: &mut Vec<Diagnostic>,
) {
    missing_copy_sources(outcome, inputs, out);
    run_findings(inputs, outcome, out);
    typography(inputs, out);
    if let (Some(image), Some(target)) = (image, inputs.analysis.target) {
        final_image_findings(inputs, outcome, image, target, out);
    }
}

fn missing_copy_sources(outcome: &Outcome, inputs: &Inputs, out: &mut Vec<Diagnostic>) {
    for missing in &outcome.missing_sources {
        let from = match (missing.from_stage, &missing.from_image) {
            (Some(s), _) => format!(
                "stage `{}`",
                inputs
                    .analysis
                    .stages
                    .get(s)
                    .map(|s| s.label())
                    .unwrap_or_default()
            ),
            (None, Some(image)) => format!("image `{image}`"),
            _ => "the source".to_string(),
        };
        let candidates: Vec<&str> = missing.candidates.iter().map(String::as_str).collect();
        let name = missing.source.rsplit('/').next().unwrap_or_default();
        let parent = crate::vfs::parent(&missing.source);
        let typo = suggest::closest(&missing.source, &candidates)
            // A path with the same file name elsewhere is the likeliest intent.
            .or_else(|| {
                candidates
                    .iter()
                    .copied()
                    .find(|c| !name.is_empty() && c.rsplit('/').next() == Some(name))
            });
        // What a build step wrote beside it (`dist` where `build` was expected).
        let sibling = candidates
            .iter()
            .copied()
            .find(|c| crate::vfs::parent(c) == parent && *c != parent);
        // With a detected context, output names that follow project conventions are
        // guesses: only a near-typo is certain enough to call the path missing.
        let guessed = inputs.context_guessed && missing.source_ran_commands && typo.is_none();
        if missing.unverifiable || guessed {
            let help = match (guessed, sibling) {
                (true, Some(sibling)) => format!(
                    "With the detected `{}` project the build writes `{sibling}`; if your project is set up differently, choose or edit the build context.",
                    inputs.context.preset
                ),
                _ => "That stage runs commands whose outputs Stagecraft does not fully know, so the path may well exist; check where the command writes it.".to_string(),
            };
            out.push(
                Diagnostic::info(
                    "copy-from-unverified",
                    missing.range,
                    format!("cannot verify that {from} has `{}`", missing.source),
                )
                .with_help(help),
            );
            continue;
        }
        let close = typo.or(sibling);
        let mut diagnostic = Diagnostic::warning(
            "copy-from-missing-path",
            missing.range,
            format!(
                "{from} has no `{}`: BuildKit would fail with \"not found\"",
                missing.source
            ),
        );
        diagnostic = match close {
            Some(close) => diagnostic
                .with_help(format!("Did you mean `{close}`?"))
                .with_fix(format!("Copy {close}"), missing.range, close.to_string()),
            None => diagnostic.with_help("Check the path the build stage writes its output to (e.g. `go build -o`, `npm run build`'s output folder)."),
        };
        out.push(diagnostic);
    }
}

fn run_findings(inputs: &Inputs, outcome: &Outcome, out: &mut Vec<Diagnostic>) {
    let file = &inputs.analysis.parse.dockerfile;
    for record in &outcome.runs {
        let Some(instruction) = file.instructions.get(record.instruction) else {
            continue;
        };
        let place = |start: usize, end: usize| match record.command_offset {
            Some(offset) => {
                TextRange::new(offset + start, offset + end).cover(TextRange::empty(offset + start))
            }
            None => instruction.rest.range,
        };
        let place = |start: usize, end: usize| {
            let range = place(start, end);
            if range.end <= inputs.text.len()
                && inputs.text.is_char_boundary(range.start)
                && inputs.text.is_char_boundary(range.end)
            {
                range
            } else {
                instruction.rest.range
            }
        };
        // One note per RUN, not per command: a long script would otherwise flood the list.
        if let Some(first) = record.plan.unknown.first() {
            let mut programs: Vec<&str> = record
                .plan
                .unknown
                .iter()
                .map(|c| c.program.as_str())
                .collect();
            programs.dedup();
            let last = record.plan.unknown.last().unwrap_or(first);
            let names = programs
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(
                Diagnostic::info(
                    "run-effect-unknown",
                    place(first.start, last.end),
                    format!(
                        "the effect of {names} on the filesystem {} not modelled",
                        if programs.len() == 1 { "is" } else { "are" }
                    ),
                )
                .with_help("The simulated image leaves it out; teachers can describe commands in the recipe table."),
            );
        }
        for (command, reason) in &record.plan.needs_root {
            out.push(
                Diagnostic::warning(
                    "run-needs-root",
                    place(command.start, command.end),
                    format!(
                        "`{}` needs root, but this stage runs as `{}`: {reason}",
                        command.program, record.user
                    ),
                )
                .with_help("Run it before `USER`, or switch back with `USER root` for this step."),
            );
        }
        let programs: Vec<&str> = record
            .plan
            .commands
            .iter()
            .map(|c| c.program.as_str())
            .collect();
        let only_permissions =
            !programs.is_empty() && programs.iter().all(|p| matches!(*p, "chown" | "chmod"));
        if only_permissions && record.layer_bytes >= WASTE_THRESHOLD {
            out.push(
                Diagnostic::warning(
                    "permissions-duplicate-layer",
                    instruction.keyword_word.range.cover(instruction.rest.range),
                    format!(
                        "this RUN copies {:.1} MB into a new layer just to change owners or modes",
                        record.layer_bytes as f64 / MB
                    ),
                )
                .with_help("Set them as the files arrive: `COPY --chown=app:app` / `COPY --chmod=755`, or chown in the same RUN that creates the files."),
            );
        } else if record.wasted_bytes >= WASTE_THRESHOLD && !only_permissions {
            out.push(
                Diagnostic::warning(
                    "deleted-in-later-layer",
                    instruction.keyword_word.range.cover(instruction.rest.range),
                    format!(
                        "this RUN deletes or replaces {:.1} MB that an earlier layer added: the bytes still ship in that layer",
                        record.wasted_bytes as f64 / MB
                    ),
                )
                .with_help("Delete files in the same RUN that creates them, or build in one stage and copy only what you need into the next."),
            );
        }
    }
}

fn typography(inputs: &Inputs, out: &mut Vec<Diagnostic>) {
    let file = &inputs.analysis.parse.dockerfile;
    for instruction in &file.instructions {
        let effective = instruction.effective();
        let rest = &instruction.rest;
        // An en or em dash where `--` belongs: Docker then sees a source path, not a flag.
        if matches!(
            effective.keyword,
            Keyword::Copy | Keyword::Add | Keyword::Run | Keyword::From | Keyword::Healthcheck
        ) {
            for word in effective.args.iter().take(3) {
                let text = word.text.as_str();
                if let Some(stripped) = text.strip_prefix(['\u{2013}', '\u{2014}']) {
                    let fixed = format!(
                        "--{}",
                        stripped.trim_start_matches(['\u{2013}', '\u{2014}', '-'])
                    );
                    out.push(
                        Diagnostic::warning(
                            "typographic-dash",
                            word.range,
                            format!("`{text}` starts with a typographic dash, not `--`: Docker reads it as an argument, not a flag"),
                        )
                        .with_help("This often comes from pasting from a web page or a word processor.")
                        .with_fix(format!("Replace with {fixed}"), word.range, fixed),
                    );
                }
            }
        }
        // Curly quotes in an exec-form array: not JSON, so Docker silently uses shell form.
        if matches!(
            effective.keyword,
            Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Run
                | Keyword::Shell
                | Keyword::Copy
                | Keyword::Add
                | Keyword::Volume
        ) && !effective.json
            && rest.text.trim_start().starts_with('[')
            && rest
                .text
                .contains(['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}'])
        {
            let fixed = rest
                .text
                .replace(['\u{201c}', '\u{201d}'], "\"")
                .replace(['\u{2018}', '\u{2019}'], "'");
            out.push(
                Diagnostic::warning(
                    "typographic-quotes",
                    rest.range,
                    "curly quotes make this exec-form array invalid JSON, so Docker silently runs it in shell form",
                )
                .with_help("JSON needs straight double quotes (\"). This often comes from pasting from a web page.")
                .with_fix("Use straight quotes", rest.range, fixed),
            );
        }
    }
}

fn final_image_findings(
    inputs: &Inputs,
    outcome: &Outcome,
    image: &FinalImage,
    target: usize,
    out: &mut Vec<Diagnostic>,
) {
    let file = &inputs.analysis.parse.dockerfile;
    let Some(stage) = inputs.analysis.stages.get(target) else {
        return;
    };
    let Some(result) = outcome.stages.get(target).and_then(|r| r.as_ref()) else {
        return;
    };
    let stage_instructions = &file.instructions[stage.instructions.clone()];
    let from_range = stage.base_range;

    // Binaries that HEALTHCHECK, CMD and ENTRYPOINT need at run time.
    for instruction in stage_instructions {
        if !matches!(
            instruction.keyword,
            Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck
        ) {
            continue;
        }
        let args: Vec<&str> = instruction.args.iter().map(|w| w.text.as_str()).collect();
        let command: Vec<&str> = if instruction.keyword == Keyword::Healthcheck {
            match args.first().map(|a| a.to_ascii_uppercase()) {
                Some(kind) if kind == "CMD" => args[1..].to_vec(),
                _ => continue,
            }
        } else {
            args.clone()
        };
        let shell_form = !instruction.json;
        if shell_form && !image::has_shell(&result.fs) && result.base.known {
            out.push(
                Diagnostic::warning(
                    "missing-binary",
                    instruction.rest.range,
                    "shell form runs `/bin/sh -c …`, but the final image has no /bin/sh",
                )
                .with_help("Use exec form: `[\"/app\", \"--flag\"]`."),
            );
            continue;
        }
        let program = if shell_form {
            command
                .first()
                .and_then(|c| c.split_whitespace().next())
                .unwrap_or_default()
        } else {
            command.first().copied().unwrap_or_default()
        };
        let name = program.rsplit('/').next().unwrap_or(program);
        let known_tool = matches!(
            name,
            "sh" | "bash" | "curl" | "wget" | "nc" | "python" | "python3" | "node"
        );
        if known_tool && result.base.known && !result.uncertain {
            let candidates: Vec<String> = [
                "/bin/",
                "/usr/bin/",
                "/usr/local/bin/",
                "/busybox/",
                "/nodejs/bin/",
            ]
            .iter()
            .map(|dir| format!("{dir}{name}"))
            .collect();
            let found = program.starts_with('/') && result.fs.contains(program)
                || candidates.iter().any(|c| result.fs.contains(c));
            if !found {
                out.push(
                    Diagnostic::warning(
                        "missing-binary",
                        instruction.rest.range,
                        format!("`{name}` is not in the final image ({}), so this {} fails when it runs", image.base, instruction.keyword.as_str()),
                    )
                    .with_help(match instruction.keyword {
                        Keyword::Healthcheck => "Minimal images ship no curl or wget: use a small health binary of your own, or the app's own `--healthcheck` flag.",
                        _ => "Copy the binary in, or run the program directly in exec form.",
                    }),
                );
            }
        }
    }

    // Caches and build leftovers that ship in the final image.
    for cache in &image.build_caches {
        let bytes = result.fs.size_under(cache);
        if bytes < WASTE_THRESHOLD {
            continue;
        }
        let help = match cache.as_str() {
            "/var/lib/apt/lists" => "End the same RUN with `rm -rf /var/lib/apt/lists/*`.",
            "/var/cache/apk" => "Use `apk add --no-cache`.",
            "/root/.cache" => "Use `pip install --no-cache-dir`, or a cache mount: `RUN --mount=type=cache,target=/root/.cache ...`.",
            _ => "Use a cache mount (`RUN --mount=type=cache,target=...`) or a separate build stage so caches never reach the final image.",
        };
        out.push(
            Diagnostic::warning(
                "cache-in-final-image",
                from_range,
                format!(
                    "{cache} ({:.1} MB) ships in the final image",
                    bytes as f64 / MB
                ),
            )
            .with_help(help),
        );
    }
    // Compilers and build tools, not the runtimes (node, python3, java) an app needs.
    let added_toolchains: Vec<&String> = image
        .toolchains
        .iter()
        .filter(|t| {
            matches!(
                t.as_str(),
                "go" | "gcc" | "make" | "cargo" | "rustc" | "mvn" | "gradle" | "javac"
            )
        })
        .collect();
    if !added_toolchains.is_empty() {
        out.push(
            Diagnostic::info(
                "toolchain-in-final-image",
                from_range,
                format!(
                    "the final image carries build tools ({}) it does not need to run",
                    added_toolchains.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_help("Build in one stage and copy only the result into a small runtime base (`FROM ... AS build`, then `COPY --from=build`)."),
        );
    }
    if !image.source_code.is_empty() {
        out.push(
            Diagnostic::info(
                "source-in-final-image",
                from_range,
                format!(
                    "{} source file{} from the build context ship in the final image",
                    image.source_code.len(),
                    if image.source_code.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
            )
            .with_help("For compiled languages, copy only the built artifact from a build stage."),
        );
    }
    if !image.secrets.is_empty() {
        out.push(
            Diagnostic::warning(
                "secret-in-final-image",
                from_range,
                format!("secret-looking files ship in the final image: {}", image.secrets.join(", ")),
            )
            .with_help("Add them to .dockerignore, and pass secrets at build time with `RUN --mount=type=secret`."),
        );
    }
    if result.config.is_root()
        && result.base.known
        && !result.base.reference.eq_ignore_ascii_case("scratch")
    {
        out.push(
            Diagnostic::info(
                "runs-as-root",
                from_range,
                "the final image runs as root",
            )
            .with_help("Add a user and switch to it (`RUN useradd -r app` then `USER app`), or use a base with a non-root user (`:nonroot` distroless tags)."),
        );
    }
}
