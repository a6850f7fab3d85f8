//! Parsing and analysis never fail, never panic and stay fast on hostile input: binary
//! junk, truncated and mutated corpus files, deep nesting, huge lines, expansion bombs.
//! Inputs are generated from a fixed seed, so a failure is reproducible.

use std::time::{Duration, Instant};

use stagecraft_analysis::{analyze, Options};
use stagecraft_tests::{corpus_files, shared_dir};

/// A small deterministic generator (xorshift64*), so the test needs no crate and no clock.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "--from=",
    "--mount=type=cache,from=",
    " AS ",
    "\\\n",
    "`\n",
    "<<EOF\n",
    "EOF\n",
    "<<-'E'\n",
    "\tE\n",
    "[\"",
    "\"]",
    "${",
    "}",
    "$",
    ":-",
    "#",
    "# escape=`\n",
    "ONBUILD ",
    "HEALTHCHECK ",
    "ARG ",
    "ENV ",
    "=",
    " ",
    "\n",
    "\r\n",
    "\u{feff}",
    "é",
    "\u{a0}",
    "\u{85}",
    "'",
    "\"",
    "\\",
    "0",
    "scratch",
    "--platform=$BUILDPLATFORM ",
    "${A:-${B:-${C}}}",
    "${X//a/bb}",
];

fn check(text: &str, what: &str) {
    let started = Instant::now();
    let analysis = analyze(text, &Options::default());
    let elapsed = started.elapsed();
    // A guard against hangs and exponential blow-ups, not a speed budget (the benchmarks
    // measure speed): generous enough for a debug build on a loaded two-core machine.
    assert!(elapsed < Duration::from_secs(15), "{what} took {elapsed:?}");
    for d in &analysis.diagnostics {
        assert!(
            d.range.start <= d.range.end && d.range.end <= text.len(),
            "{what}: range {:?} outside the text",
            d.range
        );
        assert!(
            text.is_char_boundary(d.range.start) && text.is_char_boundary(d.range.end),
            "{what}: range {:?} splits a character",
            d.range
        );
    }
    for instruction in &analysis.parse.dockerfile.instructions {
        assert!(
            instruction.range.end <= text.len(),
            "{what}: instruction range outside the text"
        );
        for word in instruction
            .args
            .iter()
            .chain(std::iter::once(&instruction.keyword_word))
        {
            assert!(
                word.range.end <= text.len()
                    && text.is_char_boundary(word.range.start)
                    && text.is_char_boundary(word.range.end),
                "{what}: word range {:?}",
                word.range
            );
        }
    }
}

#[test]
fn random_token_soup() {
    let mut rng = Rng(0x5eed_cafe);
    for case in 0..3000 {
        let mut text = String::new();
        for _ in 0..rng.below(60) {
            text.push_str(PIECES[rng.below(PIECES.len())]);
        }
        check(&text, &format!("soup case {case}: {text:?}"));
    }
}

#[test]
fn binary_and_control_characters() {
    let mut rng = Rng(42);
    for case in 0..300 {
        let bytes: Vec<u8> = (0..rng.below(4000)).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        check(&text, &format!("binary case {case}"));
    }
    check(&"\0".repeat(10_000), "NULs");
}

#[test]
fn pathological_shapes() {
    check(
        &format!("FROM a\nRUN {}\n", "x".repeat(2_000_000)),
        "a 2 MB line",
    );
    check(
        &format!("FROM a\nCMD {}\n", "[".repeat(100_000)),
        "deep JSON",
    );
    check(
        &format!("FROM a\nRUN x{}\n", " \\\n".repeat(50_000)),
        "50k continuations",
    );
    check(
        &format!("FROM a\nRUN {}\n", "<<E ".repeat(5_000)),
        "5k heredoc markers",
    );
    check(
        &format!("ARG A=x\nFROM a\nENV B={}\n", "${A:-".repeat(20_000)),
        "unclosed nesting",
    );
    check(
        &format!("ARG A={}\nFROM alpine:$A\n", "${A}${A}".repeat(2_000)),
        "expansion bomb",
    );
    let many_stages: String = (0..2000usize)
        .map(|i| {
            format!(
                "FROM alpine AS s{i}\nCOPY --from=s{} / /\n",
                i.saturating_sub(1)
            )
        })
        .collect();
    check(&many_stages, "2,000 chained stages");
    let cycle: String = (0..500)
        .map(|i| format!("FROM alpine AS s{i}\nCOPY --from=s{} / /\n", (i + 1) % 500))
        .collect();
    check(&cycle, "a 500-stage cycle");
}

#[test]
fn mutated_corpus_files() {
    let Some(shared) = shared_dir("mutated_corpus_files") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut rng = Rng(7);
    let files = corpus_files(&corpus);
    for file in &files {
        let text = std::fs::read_to_string(corpus.join(file)).unwrap_or_default();
        check(&text, &file.display().to_string());
        if text.is_empty() {
            continue;
        }
        for _ in 0..3 {
            let mut cut = rng.below(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut mutated = text[..cut].to_string();
            mutated.push_str(PIECES[rng.below(PIECES.len())]);
            mutated.push_str(&text[cut..]);
            check(&mutated, &format!("{} mutated at {cut}", file.display()));
            check(
                &text[..cut],
                &format!("{} truncated at {cut}", file.display()),
            );
        }
    }
}

#[test]
fn large_graphs_stay_linear() {
    let chain: String = (0..20_000usize)
        .map(|i| {
            format!(
                "FROM alpine AS s{i}\nCOPY --from=s{} / /\n",
                i.saturating_sub(1)
            )
        })
        .collect();
    check(&chain, "a 20,000-stage chain");
    let forward: String = (0..1_200usize)
        .map(|i| format!("FROM alpine AS s{i}\nCOPY --from=s{} / /\n", i + 1))
        .collect();
    let analysis = analyze(
        &forward,
        &Options {
            target: Some("s0".into()),
            ..Options::default()
        },
    );
    assert_eq!(
        analysis.build_levels.len(),
        1_200,
        "a forward chain builds one stage per level"
    );
}

/// The whole simulation (catalog, context, recipes, layers, trace, teaching checks) on
/// the same hostile inputs: it must finish, and its ranges must stay inside the text.
fn check_simulation(text: &str, what: &str) {
    let started = Instant::now();
    let simulation =
        stagecraft_simulate::simulate(text, &stagecraft_simulate::SimOptions::default());
    let elapsed = started.elapsed();
    // As above: a hang guard, not a timing test.
    assert!(
        elapsed < Duration::from_secs(20),
        "{what}: simulation took {elapsed:?}"
    );
    for d in &simulation.diagnostics {
        assert!(
            d.range.end <= text.len()
                && text.is_char_boundary(d.range.start)
                && text.is_char_boundary(d.range.end),
            "{what}: {} range {:?} outside the text or inside a character",
            d.code,
            d.range
        );
    }
    for step in &simulation.steps {
        assert!(
            step.range.end <= text.len(),
            "{what}: step range outside the text"
        );
    }
}

#[test]
fn simulation_never_fails_on_the_corpus() {
    let Some(shared) = shared_dir("simulation_never_fails_on_the_corpus") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut rng = Rng(11);
    for file in corpus_files(&corpus) {
        let text = std::fs::read_to_string(corpus.join(&file)).unwrap_or_default();
        check_simulation(&text, &file.display().to_string());
        if !text.is_empty() {
            let mut cut = rng.below(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut mutated = text[..cut].to_string();
            mutated.push_str(PIECES[rng.below(PIECES.len())]);
            mutated.push_str(&text[cut..]);
            check_simulation(&mutated, &format!("{} mutated at {cut}", file.display()));
        }
    }
}

#[test]
fn simulation_never_fails_on_token_soup() {
    let mut rng = Rng(0xdead_beef);
    let extra = [
        "RUN apt-get update && apt-get install -y curl\n",
        "COPY --from=0 / /\n",
        "RUN rm -rf /\n",
        "WORKDIR /a/../../b\n",
        "COPY . .\n",
        "RUN cp -r / /copy\n",
        "RUN chown -R x:x /\n",
        "USER nobody\n",
        "RUN mv /usr /usr2 && ln -s /usr2 /usr\n",
        "COPY --from=build /* /x/\n",
    ];
    for case in 0..1500 {
        let mut text = String::from("FROM alpine:3.20 AS build\n");
        for _ in 0..rng.below(30) {
            if rng.below(3) == 0 {
                text.push_str(extra[rng.below(extra.len())]);
            } else {
                text.push_str(PIECES[rng.below(PIECES.len())]);
            }
        }
        check_simulation(&text, &format!("simulation soup case {case}: {text:?}"));
    }
    check_simulation(
        &format!("FROM alpine\nRUN {}\n", "mkdir a && ".repeat(20_000)),
        "20k commands",
    );
    check_simulation(
        &"FROM node:20\nCOPY . .\nRUN npm ci\n".repeat(300),
        "300 stages",
    );
}
