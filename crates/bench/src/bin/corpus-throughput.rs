//! Corpus throughput of Stagecraft's parser and of parse+analyze: best of N passes over the whole shared corpus.
//!
//! Usage: `corpus-throughput [--passes N] [--json]`, or `--print-generated LINES` to print
//! the generated Dockerfile that the criterion benchmarks use. Prints files/s, MB/s and
//! the time of one corpus pass for each operation, then the best time for the generated
//! 200- and 1,000-line files; with `--json`, one JSON object on stdout instead (read by
//! `buildkit_parser.py`). Exits 0 with a SKIPPED message when the corpus is absent.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use stagecraft_bench::{corpus_dir, generate_dockerfile, load_corpus, skipped_message};

const DEFAULT_PASSES: usize = 20;
/// How many more passes a single generated file gets than the whole corpus.
const GENERATED_PASS_FACTOR: usize = 25;
const GENERATED_LINES: [usize; 2] = [200, 1_000];
const USAGE: &str = "usage: corpus-throughput [--passes N] [--json] | --print-generated LINES";

struct Args {
    passes: usize,
    json: bool,
    print_generated: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        passes: DEFAULT_PASSES,
        json: false,
        print_generated: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => args.json = true,
            "--passes" => {
                let value = it.next().ok_or("--passes needs a number")?;
                args.passes =
                    value.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                        format!("--passes needs a positive number, got {value:?}")
                    })?;
            }
            "--print-generated" => {
                let value = it.next().ok_or("--print-generated needs a line count")?;
                let lines = value
                    .parse()
                    .map_err(|_| format!("--print-generated needs a line count, got {value:?}"))?;
                args.print_generated = Some(lines);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// What is timed on each text.
struct Operation {
    name: &'static str,
    run: fn(&str),
}

const OPERATIONS: [Operation; 2] = [
    Operation {
        name: "parse",
        run: |text| {
            black_box(stagecraft_syntax::parse(text));
        },
    },
    Operation {
        name: "parse+analyze",
        run: |text| {
            black_box(stagecraft_analysis::analyze(
                text,
                &stagecraft_analysis::Options::default(),
            ));
        },
    },
];

/// The best (shortest) of `passes` timed passes over all `texts` for each operation,
/// after one untimed warm-up pass each. The operations take turns pass by pass, so a
/// burst of load from other processes hits them alike.
fn best_passes(texts: &[&str], passes: usize) -> Vec<(&'static str, Duration)> {
    for op in &OPERATIONS {
        for text in texts {
            (op.run)(text);
        }
    }
    let mut best = vec![Duration::MAX; OPERATIONS.len()];
    for _ in 0..passes {
        for (op, best) in OPERATIONS.iter().zip(&mut best) {
            let start = Instant::now();
            for text in texts {
                (op.run)(black_box(text));
            }
            *best = (*best).min(start.elapsed());
        }
    }
    OPERATIONS.iter().map(|op| op.name).zip(best).collect()
}

/// One set of texts and the best pass time of each operation over it.
struct Workload {
    label: String,
    files: usize,
    bytes: usize,
    passes: usize,
    best: Vec<(&'static str, Duration)>,
}

impl Workload {
    fn measure(label: String, texts: &[&str], passes: usize) -> Self {
        let best = best_passes(texts, passes);
        Workload {
            label,
            files: texts.len(),
            bytes: texts.iter().map(|t| t.len()).sum(),
            passes,
            best,
        }
    }

    fn json(&self) -> String {
        let items: Vec<String> = self
            .best
            .iter()
            .map(|(name, best)| {
                format!(
                    "{{\"name\": \"{name}\", \"best_pass_seconds\": {:e}}}",
                    best.as_secs_f64()
                )
            })
            .collect();
        format!(
            "{{\"label\": \"{}\", \"files\": {}, \"bytes\": {}, \"passes\": {}, \"measurements\": [{}]}}",
            self.label,
            self.files,
            self.bytes,
            self.passes,
            items.join(", ")
        )
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("corpus-throughput: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(lines) = args.print_generated {
        print!("{}", generate_dockerfile(lines));
        return ExitCode::SUCCESS;
    }
    let dir = corpus_dir();
    let corpus = match load_corpus(&dir) {
        Ok(Some(corpus)) => corpus,
        Ok(None) => {
            // Keep stdout parseable for --json callers: they check for "skipped".
            if args.json {
                println!("{{\"skipped\": true}}");
            }
            eprintln!("{}", skipped_message(&dir));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("corpus-throughput: {message}");
            return ExitCode::from(1);
        }
    };

    let texts: Vec<&str> = corpus.files.iter().map(|f| f.text.as_str()).collect();
    let whole = Workload::measure("corpus".to_string(), &texts, args.passes);
    let generated: Vec<Workload> = GENERATED_LINES
        .iter()
        .map(|&lines| {
            let text = generate_dockerfile(lines);
            Workload::measure(
                format!("generated-{lines}"),
                &[text.as_str()],
                args.passes * GENERATED_PASS_FACTOR,
            )
        })
        .collect();

    if args.json {
        let generated: Vec<String> = generated.iter().map(Workload::json).collect();
        println!(
            "{{\"skipped\": false, \"corpus\": {}, \"generated\": [{}]}}",
            whole.json(),
            generated.join(", ")
        );
        return ExitCode::SUCCESS;
    }
    println!(
        "corpus: {} files, {:.2} MB, best of {} passes",
        whole.files,
        whole.bytes as f64 / 1e6,
        whole.passes
    );
    for (name, best) in &whole.best {
        let secs = best.as_secs_f64().max(f64::MIN_POSITIVE);
        println!(
            "stagecraft {name:<14} {:>10.0} files/s {:>8.1} MB/s {:>9.3} ms per corpus pass",
            whole.files as f64 / secs,
            whole.bytes as f64 / secs / 1e6,
            secs * 1e3
        );
    }
    for workload in &generated {
        for (name, best) in &workload.best {
            println!(
                "{:<14} stagecraft {name:<14} {:>9.1} µs (best of {}, {} bytes)",
                workload.label,
                best.as_secs_f64() * 1e6,
                workload.passes,
                workload.bytes
            );
        }
    }
    ExitCode::SUCCESS
}
