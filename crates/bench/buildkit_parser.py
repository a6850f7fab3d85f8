#!/usr/bin/env python3
"""Times BuildKit's official Dockerfile parser and Stagecraft's on the same corpus, in the same run.

BuildKit's parser is reached through the PyPI package `dockerfile` (==3.4.0), which wraps
BuildKit's Go parser; it is installed with pip only if it cannot be imported. Stagecraft's
figures come from `cargo run --release -p stagecraft-bench --bin corpus-throughput --json`.
Both walk the same files: `buildkit-testfiles/*/Dockerfile`, `buildkit-negative/*/Dockerfile`
and every file under `real-world/` except those named `result`, of
`<workspace root>/../shared/corpus` (or `$STAGECRAFT_CORPUS`).

Each side reports the best of N passes over the whole corpus (default: 5 for BuildKit,
20 for Stagecraft, which is much faster), after one untimed warm-up pass. Exits 0 with a
SKIPPED message when the corpus is absent.

Usage: python3 crates/bench/buildkit_parser.py [--passes N] [--rust-passes N] [--no-rust]
"""

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PACKAGE = "dockerfile==3.4.0"
CRATE_DIR = Path(__file__).resolve().parent
WORKSPACE = CRATE_DIR.parent.parent


def corpus_dir():
    override = os.environ.get("STAGECRAFT_CORPUS")
    if override:
        return Path(override)
    return WORKSPACE.parent / "shared" / "corpus"


def corpus_files(root):
    """The corpus's Dockerfiles in the order the Rust side loads them (sorted by path)."""
    paths = []
    for group in ("buildkit-testfiles", "buildkit-negative"):
        group_dir = root / group
        if group_dir.is_dir():
            paths.extend(sorted(p / "Dockerfile" for p in group_dir.iterdir()
                                if (p / "Dockerfile").is_file()))
    real_world = root / "real-world"
    if real_world.is_dir():
        paths.extend(sorted(p for p in real_world.rglob("*")
                            if p.is_file() and p.name != "result"))
    return [(p, p.read_bytes().decode("utf-8")) for p in paths]


def import_dockerfile():
    try:
        return importlib.import_module("dockerfile")
    except ImportError:
        pass
    print(f"installing {PACKAGE} with pip ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", PACKAGE], check=True)
    importlib.invalidate_caches()
    return importlib.import_module("dockerfile")


def time_buildkit(dockerfile, texts, passes):
    """Best of `passes` timed passes of dockerfile.parse_string over every text."""
    parse_string = dockerfile.parse_string
    errors_type = dockerfile.GoParseError

    def one_pass():
        rejected = 0
        for text in texts:
            try:
                parse_string(text)
            except errors_type:
                rejected += 1
        return rejected

    rejected = one_pass()  # warm-up, and the count of files BuildKit rejects
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        one_pass()
        best = min(best, time.perf_counter() - start)
    return best, rejected


def cargo_run(*args):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "stagecraft-bench",
           "--bin", "corpus-throughput", "--", *args]
    done = subprocess.run(cmd, cwd=WORKSPACE, stdout=subprocess.PIPE, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with exit code {done.returncode}")
    return done.stdout.decode("utf-8")


def run_stagecraft(passes):
    print("building (release) and running corpus-throughput ...", file=sys.stderr, flush=True)
    lines = [l for l in cargo_run("--json", "--passes", str(passes)).splitlines()
             if l.startswith("{")]
    if not lines:
        sys.exit("corpus-throughput printed no JSON result")
    return json.loads(lines[-1])


def time_buildkit_one(dockerfile, text, passes):
    """Best of `passes` parses of one text."""
    parse_string = dockerfile.parse_string
    parse_string(text)
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        parse_string(text)
        best = min(best, time.perf_counter() - start)
    return best


def figures(name, seconds, files, size):
    return (f"{name:<28} {files / seconds:>10.0f} files/s {size / seconds / 1e6:>8.1f} MB/s"
            f" {seconds * 1e3:>9.3f} ms per corpus pass")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5,
                        help="timed passes of BuildKit's parser (best is kept; default 5)")
    parser.add_argument("--rust-passes", type=int, default=20,
                        help="timed passes of Stagecraft's parser (default 20)")
    parser.add_argument("--no-rust", action="store_true",
                        help="time only BuildKit's parser")
    args = parser.parse_args()
    if args.passes < 1 or args.rust_passes < 1:
        parser.error("pass counts must be positive")

    root = corpus_dir()
    if not root.is_dir():
        print(f"SKIPPED: no Dockerfile corpus at {root} (set STAGECRAFT_CORPUS to point at one)")
        return 0
    files = corpus_files(root)
    texts = [text for _, text in files]
    size = sum(len(t.encode("utf-8")) for t in texts)
    count = len(texts)

    dockerfile = import_dockerfile()
    buildkit, rejected = time_buildkit(dockerfile, texts, args.passes)

    ours = None
    if not args.no_rust:
        ours = run_stagecraft(args.rust_passes)
        if ours.get("skipped"):
            sys.exit("corpus-throughput found no corpus, but this script did")
        corpus = ours["corpus"]
        if (corpus["files"], corpus["bytes"]) != (count, size):
            sys.exit(f"corpus mismatch: Rust saw {corpus['files']} files / {corpus['bytes']} "
                     f"bytes, Python {count} files / {size} bytes")

    print(f"corpus: {count} files, {size / 1e6:.2f} MB ({rejected} rejected by BuildKit), {root}")
    print(f"BuildKit: best of {args.passes} passes", end="")
    print("" if ours is None else f"; stagecraft: best of {ours['corpus']['passes']} passes")
    print(figures(f"BuildKit ({PACKAGE})", buildkit, count, size))
    if ours is None:
        return 0
    by_name = {m["name"]: m["best_pass_seconds"] for m in ours["corpus"]["measurements"]}
    for name, seconds in by_name.items():
        print(figures(f"stagecraft {name}", seconds, count, size))
    for name, seconds in by_name.items():
        if seconds <= buildkit:
            print(f"stagecraft {name} is {buildkit / seconds:.1f}x faster than BuildKit's parser")
        else:
            print(f"stagecraft {name} is {seconds / buildkit:.1f}x slower than BuildKit's parser")

    # The generated files of the criterion benchmarks, through both parsers.
    for workload in ours["generated"]:
        lines = int(workload["label"].rsplit("-", 1)[-1])
        text = cargo_run("--print-generated", str(lines))
        bk = time_buildkit_one(dockerfile, text, workload["passes"] // 5)
        ours_by_name = {m["name"]: m["best_pass_seconds"] for m in workload["measurements"]}
        parts = [f"BuildKit {bk * 1e6:.0f} µs"]
        parts += [f"stagecraft {n} {t * 1e6:.0f} µs" for n, t in ours_by_name.items()]
        print(f"generated {lines}-line file ({len(text.encode())} bytes), best: " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
