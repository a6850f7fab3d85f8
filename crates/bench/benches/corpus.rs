//! Criterion benchmarks: parse and parse+analyze over the whole shared corpus, simulate over its 50 largest files, and all three on generated 200- and 1,000-line Dockerfiles.
//!
//! One iteration of a corpus benchmark is every corpus file once; each is reported twice,
//! as bytes/s and as files/s. One iteration of `simulate/largest-50` is the 50 largest
//! corpus files simulated once each (`stagecraft_simulate::simulate`: parse, analyze,
//! simulate, diagnostics). Run with `cargo bench -p stagecraft-bench`. Without the corpus
//! the corpus groups print SKIPPED and the generated-file groups still run.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stagecraft_bench::{
    corpus_dir, generate_dockerfile, load_corpus, skipped_message, Corpus, CorpusFile,
    SIMULATED_FILES,
};
use stagecraft_simulate::{simulate, SimOptions};

fn parse_corpus(corpus: &Corpus) {
    for file in &corpus.files {
        black_box(stagecraft_syntax::parse(black_box(&file.text)));
    }
}

fn analyze_corpus(corpus: &Corpus) {
    let options = stagecraft_analysis::Options::default();
    for file in &corpus.files {
        black_box(stagecraft_analysis::analyze(
            black_box(&file.text),
            &options,
        ));
    }
}

fn simulate_files(files: &[&CorpusFile], options: &SimOptions) {
    for file in files {
        black_box(simulate(black_box(&file.text), options));
    }
}

fn corpus_benches(c: &mut Criterion) {
    let dir = corpus_dir();
    let corpus = match load_corpus(&dir) {
        Ok(Some(corpus)) => corpus,
        Ok(None) => {
            println!("{}", skipped_message(&dir));
            return;
        }
        Err(message) => {
            eprintln!("corpus benchmarks: {message}");
            std::process::exit(1);
        }
    };
    println!(
        "corpus: {} files, {} bytes, from {}",
        corpus.file_count(),
        corpus.total_bytes(),
        corpus.dir.display()
    );
    // The same work under two throughput units, since criterion reports one per benchmark.
    for (unit, throughput) in [
        ("bytes", Throughput::Bytes(corpus.total_bytes())),
        ("files", Throughput::Elements(corpus.file_count())),
    ] {
        let mut group = c.benchmark_group(format!("corpus-{unit}"));
        group.throughput(throughput);
        group.bench_function("parse", |b| b.iter(|| parse_corpus(&corpus)));
        group.bench_function("parse+analyze", |b| b.iter(|| analyze_corpus(&corpus)));
        group.finish();
    }

    let largest = corpus.largest(SIMULATED_FILES);
    let bytes: usize = largest.iter().map(|f| f.text.len()).sum();
    println!(
        "simulate: the {} largest corpus files, {bytes} bytes ({} to {} bytes each)",
        largest.len(),
        largest.last().map_or(0, |f| f.text.len()),
        largest.first().map_or(0, |f| f.text.len()),
    );
    let options = SimOptions::default();
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(largest.len() as u64));
    group.bench_function(format!("largest-{}", largest.len()), |b| {
        b.iter(|| simulate_files(&largest, &options));
    });
    group.finish();
}

fn generated_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("generated");
    for lines in [200, 1_000] {
        let text = generate_dockerfile(lines);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse", lines), &text, |b, text| {
            b.iter(|| stagecraft_syntax::parse(black_box(text)));
        });
        group.bench_with_input(
            BenchmarkId::new("parse+analyze", lines),
            &text,
            |b, text| {
                let options = stagecraft_analysis::Options::default();
                b.iter(|| stagecraft_analysis::analyze(black_box(text), &options));
            },
        );
        group.bench_with_input(BenchmarkId::new("simulate", lines), &text, |b, text| {
            let options = SimOptions::default();
            b.iter(|| simulate(black_box(text), &options));
        });
    }
    group.finish();
}

fn config() -> Criterion {
    // Short but stable on a busy 2-core machine: criterion reports the median and its
    // confidence interval, which shrug off the odd descheduled sample.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = corpus_benches, generated_benches
}
criterion_main!(benches);
