//! Corpus throughput of Stagecraft's parser, parse+analyze and the simulator: best of N passes over the shared corpus, medians of the simulation.
//!
//! Usage: `corpus-throughput [--passes N] [--json] [--simulate-only]`, or
//! `--print-generated LINES` to print the generated Dockerfile that the criterion
//! benchmarks use, or `--simulate-generated LINES RUNS` to simulate it RUNS times and
//! nothing else, or `--simulate-file FILE RUNS` the same for any Dockerfile (workloads for
//! a profiler: `perf record`, `valgrind --tool=callgrind`). Prints files/s, MB/s and the time of one corpus pass for parse and
//! parse+analyze, then the best time for the generated 200- and 1,000-line files; then the
//! simulation (`stagecraft_simulate::simulate`): the median and best of N passes over the
//! 50 largest corpus files, the median time of each file (the slowest listed), and the
//! generated files' medians with their phases (parse, analysis, simulation). With
//! `--json`, one JSON object on stdout instead (read by `buildkit_parser.py`, which
//! ignores the `simulate` key). Exits 0 with a SKIPPED message when the corpus is absent.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use stagecraft_bench::{
    corpus_dir, generate_dockerfile, load_corpus, median, skipped_message, CorpusFile,
    SIMULATED_FILES,
};
use stagecraft_simulate::{simulate, SimOptions};

const DEFAULT_PASSES: usize = 20;
/// How many more passes a single generated file gets than the whole corpus.
const GENERATED_PASS_FACTOR: usize = 25;
const GENERATED_LINES: [usize; 2] = [200, 1_000];
const USAGE: &str = "usage: corpus-throughput [--passes N] [--json] [--simulate-only] | --print-generated LINES | --simulate-generated LINES RUNS | --simulate-file FILE RUNS";
/// Each of the largest files is simulated at least this many times for its median.
const MIN_RUNS_PER_FILE: usize = 21;
/// How many of the slowest files to list.
const SLOWEST_SHOWN: usize = 5;

struct Args {
    passes: usize,
    json: bool,
    simulate_only: bool,
    print_generated: Option<usize>,
    simulate_generated: Option<(usize, usize)>,
    simulate_file: Option<(String, usize)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        passes: DEFAULT_PASSES,
        json: false,
        simulate_only: false,
        print_generated: None,
        simulate_generated: None,
        simulate_file: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => args.json = true,
            "--simulate-only" => args.simulate_only = true,
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
            "--simulate-generated" => {
                let mut number = |what: &str| {
                    let value = it.next().unwrap_or_default();
                    value.parse::<usize>().map_err(|_| {
                        format!("--simulate-generated needs LINES and RUNS, got {what} {value:?}")
                    })
                };
                let lines = number("lines")?;
                let runs = number("runs")?;
                args.simulate_generated = Some((lines, runs));
            }
            "--simulate-file" => {
                let path = it.next().ok_or("--simulate-file needs FILE and RUNS")?;
                let runs = it.next().unwrap_or_default();
                let runs = runs.parse::<usize>().map_err(|_| {
                    format!("--simulate-file needs FILE and RUNS, got runs {runs:?}")
                })?;
                args.simulate_file = Some((path, runs));
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

/// Timings of the simulator over the largest corpus files.
struct SimulateLargest {
    files: usize,
    bytes: usize,
    passes: usize,
    median_pass: Duration,
    best_pass: Duration,
    /// Each file's median time, with its name, slowest first.
    per_file: Vec<(String, usize, Duration)>,
}

impl SimulateLargest {
    fn measure(files: &[&CorpusFile], passes: usize) -> Self {
        let options = SimOptions::default();
        for file in files {
            black_box(simulate(&file.text, &options));
        }
        let mut times = Vec::with_capacity(passes);
        for _ in 0..passes {
            let start = Instant::now();
            for file in files {
                black_box(simulate(black_box(&file.text), &options));
            }
            times.push(start.elapsed());
        }
        let best_pass = times.iter().copied().min().unwrap_or_default();
        let median_pass = median(&mut times);
        let runs = passes.max(MIN_RUNS_PER_FILE);
        let mut per_file: Vec<(String, usize, Duration)> = files
            .iter()
            .map(|file| {
                let mut times: Vec<Duration> = (0..runs)
                    .map(|_| {
                        let start = Instant::now();
                        black_box(simulate(black_box(&file.text), &options));
                        start.elapsed()
                    })
                    .collect();
                (file.name.clone(), file.text.len(), median(&mut times))
            })
            .collect();
        per_file.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        SimulateLargest {
            files: files.len(),
            bytes: files.iter().map(|f| f.text.len()).sum(),
            passes,
            median_pass,
            best_pass,
            per_file,
        }
    }

    fn per_file_median(&self) -> Duration {
        let mut times: Vec<Duration> = self.per_file.iter().map(|f| f.2).collect();
        median(&mut times)
    }

    fn json(&self) -> String {
        let slowest: Vec<String> = self
            .per_file
            .iter()
            .take(SLOWEST_SHOWN)
            .map(|(name, bytes, time)| {
                format!(
                    "{{\"name\": {name:?}, \"bytes\": {bytes}, \"median_seconds\": {:e}}}",
                    time.as_secs_f64()
                )
            })
            .collect();
        format!(
            "{{\"files\": {}, \"bytes\": {}, \"passes\": {}, \"median_pass_seconds\": {:e}, \"best_pass_seconds\": {:e}, \"per_file_median_seconds\": {:e}, \"slowest\": [{}]}}",
            self.files,
            self.bytes,
            self.passes,
            self.median_pass.as_secs_f64(),
            self.best_pass.as_secs_f64(),
            self.per_file_median().as_secs_f64(),
            slowest.join(", ")
        )
    }
}

/// Medians of one generated file through each phase: parse, parse+analyze and the whole
/// simulation; the analysis and simulation phases are the differences.
struct Phases {
    label: String,
    bytes: usize,
    runs: usize,
    parse: Duration,
    analyze: Duration,
    simulate: Duration,
    best_simulate: Duration,
}

impl Phases {
    fn measure(lines: usize, runs: usize) -> Self {
        let text = generate_dockerfile(lines);
        let options = SimOptions::default();
        let analysis_options = stagecraft_analysis::Options::default();
        let mut parse = Vec::with_capacity(runs);
        let mut analyze = Vec::with_capacity(runs);
        let mut simulated = Vec::with_capacity(runs);
        black_box(simulate(&text, &options));
        // Interleaved, so load from other processes hits the three alike.
        for _ in 0..runs {
            let start = Instant::now();
            black_box(stagecraft_syntax::parse(black_box(&text)));
            parse.push(start.elapsed());
            let start = Instant::now();
            black_box(stagecraft_analysis::analyze(
                black_box(&text),
                &analysis_options,
            ));
            analyze.push(start.elapsed());
            let start = Instant::now();
            black_box(simulate(black_box(&text), &options));
            simulated.push(start.elapsed());
        }
        Phases {
            label: format!("generated-{lines}"),
            bytes: text.len(),
            runs,
            parse: median(&mut parse),
            analyze: median(&mut analyze),
            best_simulate: simulated.iter().copied().min().unwrap_or_default(),
            simulate: median(&mut simulated),
        }
    }

    fn json(&self) -> String {
        format!(
            "{{\"label\": \"{}\", \"bytes\": {}, \"runs\": {}, \"median_parse_seconds\": {:e}, \"median_parse_analyze_seconds\": {:e}, \"median_simulate_seconds\": {:e}, \"best_simulate_seconds\": {:e}}}",
            self.label,
            self.bytes,
            self.runs,
            self.parse.as_secs_f64(),
            self.analyze.as_secs_f64(),
            self.simulate.as_secs_f64(),
            self.best_simulate.as_secs_f64()
        )
    }

    fn print(&self) {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{:<14} simulate       median {:>8.1} µs, best {:>8.1} µs ({} runs, {} bytes)",
            self.label,
            us(self.simulate),
            us(self.best_simulate),
            self.runs,
            self.bytes
        );
        println!(
            "{:<14}   phases (medians): parse {:.1} µs, analysis {:.1} µs, simulation {:.1} µs",
            self.label,
            us(self.parse),
            us(self.analyze.saturating_sub(self.parse)),
            us(self.simulate.saturating_sub(self.analyze))
        );
    }
}

/// Budget of issue 3: re-analysing a 200-line Dockerfile (parse, graph, simulate,
/// diagnostics) natively.
const BUDGET_200: Duration = Duration::from_millis(2);

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
    let workload = match (&args.simulate_generated, &args.simulate_file) {
        (Some((lines, runs)), _) => Some((
            format!("the generated {lines}-line file"),
            generate_dockerfile(*lines),
            *runs,
        )),
        (None, Some((path, runs))) => match std::fs::read_to_string(path) {
            Ok(text) => Some((path.clone(), text, *runs)),
            Err(e) => {
                eprintln!("corpus-throughput: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => None,
    };
    if let Some((name, text, runs)) = workload {
        let options = SimOptions::default();
        let start = Instant::now();
        for _ in 0..runs {
            black_box(simulate(black_box(&text), &options));
        }
        let each = start.elapsed().as_secs_f64() * 1e6 / runs.max(1) as f64;
        println!("simulated {name} {runs} times, {each:.1} µs each on average");
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

    let largest = corpus.largest(SIMULATED_FILES);
    let simulated = SimulateLargest::measure(&largest, args.passes);
    let phases: Vec<Phases> = GENERATED_LINES
        .iter()
        .map(|&lines| Phases::measure(lines, args.passes * GENERATED_PASS_FACTOR))
        .collect();
    let simulate_json = format!(
        "{{\"largest\": {}, \"generated\": [{}]}}",
        simulated.json(),
        phases
            .iter()
            .map(Phases::json)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if args.simulate_only {
        if args.json {
            println!("{{\"skipped\": false, \"simulate\": {simulate_json}}}");
        } else {
            print_simulation(&simulated, &phases);
        }
        return ExitCode::SUCCESS;
    }

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
            "{{\"skipped\": false, \"corpus\": {}, \"generated\": [{}], \"simulate\": {simulate_json}}}",
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
    print_simulation(&simulated, &phases);
    ExitCode::SUCCESS
}

fn print_simulation(simulated: &SimulateLargest, phases: &[Phases]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "simulate: the {} largest corpus files, {:.2} MB, {} passes",
        simulated.files,
        simulated.bytes as f64 / 1e6,
        simulated.passes
    );
    println!(
        "  per pass (all {} files): median {:.3} ms, best {:.3} ms ({:.0} files/s at the median)",
        simulated.files,
        ms(simulated.median_pass),
        ms(simulated.best_pass),
        simulated.files as f64 / simulated.median_pass.as_secs_f64().max(f64::MIN_POSITIVE)
    );
    let over = simulated
        .per_file
        .iter()
        .filter(|f| f.2 > BUDGET_200)
        .count();
    println!(
        "  per file: median of the files' medians {:.1} µs; {over} of {} over {} ms; slowest:",
        us(simulated.per_file_median()),
        simulated.files,
        BUDGET_200.as_millis()
    );
    for (name, bytes, time) in simulated.per_file.iter().take(SLOWEST_SHOWN) {
        println!("    {:>9.1} µs  {name} ({bytes} bytes)", us(*time));
    }
    for phase in phases {
        phase.print();
    }
    if let Some(phase) = phases.iter().find(|p| p.label == "generated-200") {
        let verdict = if phase.simulate <= BUDGET_200 {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "budget: simulate of the 200-line file under {} ms: {verdict} (median {:.3} ms)",
            BUDGET_200.as_millis(),
            ms(phase.simulate)
        );
    }
}
