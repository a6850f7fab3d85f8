//! `cargo xtask`: the project's own commands.
//!
//! - `cargo xtask install` installs whatever is missing to build and test the page.
//! - `cargo xtask serve` installs, then serves the page at <http://127.0.0.1:8080/>.
//! - `cargo xtask test` installs, then runs every check and test, ending with one line
//!   `total: N passed, M failed`.
//! - `cargo xtask size-floor` builds and measures the smallest page that runs the core
//!   (`web/src/bin/size-floor.rs`): what the core costs before any interface.
//!
//! Everything is idempotent: a tool already installed at the right version is left alone.
//! Only the standard library and `serde_json` are used, so this builds in seconds.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Trunk 0.22 needs a newer rustc than the project's.
const TRUNK_VERSION_REQ: &str = "~0.21";
const TRUNK_VERSION_PREFIX: &str = "trunk 0.21";
const CHROMIUM: &str = "/usr/bin/chromium";
const SERVE_ADDRESS: &str = "127.0.0.1";
const SERVE_PORT: &str = "8080";
/// The web crate; the only crate whose binary is meant for the browser.
const WEB_CRATE: &str = "stagecraft-web";
/// Workspace packages that never build for `wasm32-unknown-unknown`, besides command-line
/// binaries (any other package with a `bin` target), which are found from `cargo metadata`.
const NATIVE_ONLY: &[&str] = &["xtask", "stagecraft-tests"];

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  install   install what is missing: the wasm32 target, trunk, wasm-bindgen-cli,
            wasm-opt and playwright-core (npm, in target/tools) and Debian's chromium
  serve     install (without chromium), then serve the page on http://127.0.0.1:8080/
            (extra arguments go to `trunk serve`, e.g. --port 9000)
  test      install, then fmt, clippy (native and wasm32), cargo test, trunk build
            and the browser tests; the last line is `total: N passed, M failed`
  size-floor
            build the smallest page that runs the core (a textarea and one line of
            counts, web/src/bin/size-floor.rs) as the page is built, and print its
            transfer sizes: what the core costs before any interface";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let ctx = match Ctx::new() {
        Ok(ctx) => ctx,
        Err(error) => {
            eprintln!("xtask: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.first().map(String::as_str) {
        Some("install") => install(&ctx, Chromium::Yes),
        Some("serve") => serve(&ctx, &args[1..]),
        Some("test") => return test(&ctx),
        Some("size-floor") => size_floor(&ctx),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where things are, and the `PATH` every tool runs with.
struct Ctx {
    root: PathBuf,
    tools: PathBuf,
    cargo: OsString,
    /// `target/tools/node_modules/.bin` and cargo's bin folder, then the caller's `PATH`,
    /// so that trunk finds wasm-opt and wasm-bindgen even on a fresh machine.
    path: OsString,
}

impl Ctx {
    fn new() -> Result<Ctx, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .ok_or("cannot find the workspace root")?
            .to_path_buf();
        let tools = root.join("target").join("tools");
        let mut dirs = vec![tools.join("node_modules").join(".bin")];
        if let Some(cargo_home) = cargo_home() {
            dirs.push(cargo_home.join("bin"));
        }
        if let Some(path) = env::var_os("PATH") {
            dirs.extend(env::split_paths(&path));
        }
        let path = env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Ctx {
            root,
            tools,
            cargo,
            path,
        })
    }

    /// A command run in the workspace root with the tools' `PATH`.
    fn command(&self, program: impl Into<OsString>) -> Command {
        let program = program.into();
        let resolved = self
            .which(&program)
            .unwrap_or_else(|| PathBuf::from(&program));
        let mut command = Command::new(resolved);
        command.current_dir(&self.root).env("PATH", &self.path);
        command
    }

    /// Trunk with the page's build settings. The wasm is built for size (`opt-level=z`,
    /// measured 453 -> 406 KB brotli, keystrokes still well under budget) through
    /// Cargo's environment override, so native release builds (the CLI, benchmarks)
    /// keep the workspace's own profile.
    fn trunk(&self) -> Command {
        let mut trunk = self.command("trunk");
        trunk.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z");
        trunk
    }

    fn cargo(&self) -> Command {
        self.command(self.cargo.clone())
    }

    /// `program`'s full path, searched in the tools' `PATH`.
    fn which(&self, program: &OsString) -> Option<PathBuf> {
        if Path::new(program).components().count() > 1 {
            return Some(PathBuf::from(program));
        }
        env::split_paths(&self.path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    }

    /// The first line `program --version` prints, if it runs at all.
    fn version_of(&self, program: &str) -> Option<String> {
        let output = self
            .command(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        stdout.lines().next().map(|line| line.trim().to_owned())
    }
}

fn cargo_home() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
}

/// Runs `command` with its output going straight to ours.
fn run(mut command: Command) -> Result<(), String> {
    let shown = show(&command);
    println!("xtask: $ {shown}");
    flush();
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn show(command: &Command) -> String {
    let program = command.get_program().to_string_lossy();
    let program = program.rsplit('/').next().unwrap_or(&program).to_owned();
    std::iter::once(program)
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn flush() {
    // Losing a flush only reorders output; nothing to recover.
    let _ = std::io::stdout().flush();
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chromium {
    Yes,
    No,
}

fn install(ctx: &Ctx, chromium: Chromium) -> Result<(), String> {
    let started = Instant::now();
    install_wasm_target(ctx)?;
    // The two `cargo install`s take minutes on a bare machine; side by side they keep
    // both cores busy while either one links.
    let installs: Vec<_> = [trunk_install(ctx)?, wasm_bindgen_install(ctx)?]
        .into_iter()
        .flatten()
        .collect();
    run_side_by_side(installs)?;
    install_npm_tools(ctx)?;
    fetch_dependencies(ctx)?;
    if chromium == Chromium::Yes {
        install_chromium(ctx)?;
    }
    println!(
        "xtask: tools ready ({:.0}s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn install_wasm_target(ctx: &Ctx) -> Result<(), String> {
    let sysroot = ctx
        .command("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib")
        .is_dir()
    {
        println!("xtask: the {WASM_TARGET} target is installed");
        return Ok(());
    }
    let mut rustup = ctx.command("rustup");
    rustup.args(["target", "add", WASM_TARGET]);
    run(rustup)
}

/// `cargo install trunk`, unless a trunk 0.21 is there.
fn trunk_install(ctx: &Ctx) -> Result<Option<(&'static str, Command)>, String> {
    match ctx.version_of("trunk") {
        Some(version) if version.starts_with(TRUNK_VERSION_PREFIX) => {
            println!("xtask: {version} is installed");
            return Ok(None);
        }
        Some(version) => println!("xtask: found {version}, want {TRUNK_VERSION_REQ}"),
        None => {}
    }
    let mut cargo = ctx.cargo();
    cargo.args([
        "install",
        "trunk",
        "--version",
        TRUNK_VERSION_REQ,
        "--locked",
    ]);
    Ok(Some(("trunk", cargo)))
}

/// `cargo install wasm-bindgen-cli` of the version `Cargo.lock` has, unless it is there.
fn wasm_bindgen_install(ctx: &Ctx) -> Result<Option<(&'static str, Command)>, String> {
    let lock = fs::read_to_string(ctx.root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let wanted = locked_version(&lock, "wasm-bindgen")
        .ok_or("Cargo.lock has no wasm-bindgen entry: is the web crate a workspace member?")?;
    let expected = format!("wasm-bindgen {wanted}");
    match ctx.version_of("wasm-bindgen") {
        Some(version) if version == expected => {
            println!("xtask: {version} is installed");
            return Ok(None);
        }
        Some(version) => println!("xtask: found {version}, want {wanted}"),
        None => {}
    }
    // Not --locked: one of wasm-bindgen-cli's locked dependencies is gone from the registry.
    let mut cargo = ctx.cargo();
    cargo.args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        wanted,
        "--force",
    ]);
    Ok(Some(("wasm-bindgen", cargo)))
}

/// Runs `commands` at the same time, each output line prefixed by its label.
fn run_side_by_side(commands: Vec<(&'static str, Command)>) -> Result<(), String> {
    let mut running = Vec::new();
    for (label, mut command) in commands {
        let shown = show(&command);
        println!("xtask: [{label}] $ {shown}");
        flush();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
        let echoes: Vec<_> = [
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|e| Box::new(e) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .map(|stream| {
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    println!("[{label}] {line}");
                }
            })
        })
        .collect();
        running.push((shown, child, echoes));
    }
    let mut errors = Vec::new();
    for (shown, mut child, echoes) in running {
        let status = child.wait();
        for echo in echoes {
            // An echo thread only ends early if stdout is gone; nothing to report then.
            let _ = echo.join();
        }
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => errors.push(format!("`{shown}` failed ({status})")),
            Err(e) => errors.push(format!("waiting for `{shown}`: {e}")),
        }
    }
    flush();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Downloads every dependency of the workspace, for every platform, so that later steps
/// (and tests that run `cargo metadata --offline`) never need the network.
fn fetch_dependencies(ctx: &Ctx) -> Result<(), String> {
    let mut cargo = ctx.cargo();
    cargo.args(["fetch", "--quiet"]);
    run(cargo)
}

/// The version of `package` in a `Cargo.lock`, if it is there exactly once.
fn locked_version<'a>(lock: &'a str, package: &str) -> Option<&'a str> {
    let wanted = format!("name = \"{package}\"");
    let mut versions = lock.split("[[package]]").filter_map(|entry| {
        let mut lines = entry.lines().map(str::trim);
        lines.find(|line| *line == wanted)?;
        lines
            .find_map(|line| line.strip_prefix("version = \""))
            .and_then(|rest| rest.strip_suffix('"'))
    });
    let version = versions.next()?;
    versions.next().is_none().then_some(version)
}

/// wasm-opt (npm `binaryen`) and `playwright-core`, as pinned by `tests/e2e/package-lock.json`,
/// installed into `target/tools`.
fn install_npm_tools(ctx: &Ctx) -> Result<(), String> {
    let source = ctx.root.join("tests").join("e2e");
    let lock = fs::read(source.join("package-lock.json"))
        .map_err(|e| format!("cannot read tests/e2e/package-lock.json: {e}"))?;
    let modules = ctx.tools.join("node_modules");
    let up_to_date = fs::read(ctx.tools.join("package-lock.json")).ok() == Some(lock)
        && modules.join(".package-lock.json").is_file()
        && modules.join(".bin").join("wasm-opt").exists()
        && modules
            .join("playwright-core")
            .join("package.json")
            .is_file();
    if up_to_date {
        println!("xtask: npm tools in target/tools are up to date");
        return Ok(());
    }
    fs::create_dir_all(&ctx.tools).map_err(|e| format!("cannot create target/tools: {e}"))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(source.join(file), ctx.tools.join(file))
            .map_err(|e| format!("cannot copy tests/e2e/{file} to target/tools: {e}"))?;
    }
    let mut npm = ctx.command("npm");
    npm.arg("ci")
        .arg("--prefix")
        .arg(&ctx.tools)
        .args(["--no-audit", "--no-fund"])
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false");
    run(npm)
}

fn install_chromium(ctx: &Ctx) -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        println!("xtask: {CHROMIUM} is installed");
        return Ok(());
    }
    let root = ctx
        .command("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut command = if root {
            ctx.command("apt-get")
        } else {
            let mut sudo = ctx.command("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(apt(&["update"]))?;
    run(apt(&["install", "-y", "chromium"]))
}

fn serve(ctx: &Ctx, extra: &[String]) -> Result<(), String> {
    install(ctx, Chromium::No)?;
    let given = |flag: &str| {
        extra
            .iter()
            .position(|a| a == flag)
            .and_then(|i| extra.get(i + 1))
            .map(String::as_str)
    };
    let address = given("--address").unwrap_or(SERVE_ADDRESS);
    let port = given("--port").unwrap_or(SERVE_PORT);
    let url = format!("http://{address}:{port}/");
    println!();
    println!("  Stagecraft is at {url}");
    println!("  (the first build takes a few minutes; the page reloads itself on every change)");
    println!();
    let mut trunk = ctx.trunk();
    trunk.args(["serve", "--release"]);
    if given("--address").is_none() {
        trunk.args(["--address", SERVE_ADDRESS]);
    }
    if given("--port").is_none() {
        trunk.args(["--port", SERVE_PORT]);
    }
    trunk.args(extra);
    println!("xtask: $ {}", show(&trunk));
    flush();
    let status = trunk
        .status()
        .map_err(|e| format!("cannot run trunk: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("trunk serve failed ({status})"))
    }
}

/// Builds `web/src/bin/size-floor.rs` through Trunk with the page's settings (the same
/// profile, wasm-bindgen and wasm-opt) and prints its transfer sizes with the page's
/// budget script. A measurement: being over the budget is reported, not an error.
fn size_floor(ctx: &Ctx) -> Result<(), String> {
    install(ctx, Chromium::No)?;
    let folder = ctx.root.join("target").join("size-floor");
    let dist = folder.join("dist");
    fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    // Trunk builds from an HTML file; this one names the floor binary instead of the page.
    let index = folder.join("index.html");
    let html =
        "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\" />\n    \
                <title>Stagecraft size floor</title>\n    <link data-trunk rel=\"rust\" \
                href=\"../../web/Cargo.toml\" data-bin=\"size-floor\" data-wasm-opt=\"z\" />\n  \
                </head>\n  <body></body>\n</html>\n";
    fs::write(&index, html).map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    let mut trunk = ctx.trunk();
    trunk
        .args(["build", "--release", "--dist"])
        .arg(&dist)
        .arg(&index);
    run(trunk)?;
    println!();
    println!("xtask: ==> size floor: the core behind a bare textarea (no panels, no styles)");
    let mut node = ctx.command("node");
    node.args(["tests/e2e/budgets.mjs", "--sizes"])
        .env("STAGECRAFT_DIST", &dist);
    if let Err(why) = run(node) {
        println!("xtask: {why}");
    }
    Ok(())
}

/// Passed and failed tests, summed over every runner.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
}

/// Adds what one line of `cargo test` output says: `test result: ok. 3 passed; 0 failed; ...`.
fn count_cargo_test(line: &str, counts: &mut Counts) {
    let Some(rest) = line.trim().strip_prefix("test result: ") else {
        return;
    };
    for part in rest.split([';', '.']) {
        let mut words = part.split_whitespace();
        if let (Some(n), Some(what)) = (words.next(), words.next()) {
            match (n.parse::<u64>(), what) {
                (Ok(n), "passed") => counts.passed += n,
                (Ok(n), "failed") => counts.failed += n,
                _ => {}
            }
        }
    }
}

/// Adds what one line of node's test runner summary says: `ℹ pass 2` (spec) or `# pass 2` (tap).
fn count_node_test(line: &str, counts: &mut Counts) {
    let line = line.trim();
    let Some(rest) = line.strip_prefix("ℹ ").or_else(|| line.strip_prefix("# ")) else {
        return;
    };
    let mut words = rest.split_whitespace();
    if let (Some(what), Some(n), None) = (words.next(), words.next(), words.next()) {
        match (what, n.parse::<u64>()) {
            ("pass", Ok(n)) => counts.passed += n,
            ("fail", Ok(n)) => counts.failed += n,
            _ => {}
        }
    }
}

/// Runs `command`, echoing its standard output line by line and counting tests with `count`.
fn run_counted(
    mut command: Command,
    count: fn(&str, &mut Counts),
) -> Result<Counts, (String, Counts)> {
    let shown = show(&command);
    println!("xtask: $ {shown}");
    flush();
    let mut counts = Counts::default();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| (format!("cannot run `{shown}`: {e}"), counts))?;
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buffer);
                    print!("{line}");
                    flush();
                    count(&line, &mut counts);
                }
                Err(error) => {
                    eprintln!("xtask: reading the output of `{shown}`: {error}");
                    break;
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| (format!("waiting for `{shown}`: {e}"), counts))?;
    if status.success() {
        Ok(counts)
    } else {
        Err((format!("`{shown}` failed ({status})"), counts))
    }
}

/// Workspace packages that cannot build for wasm32: see [`NATIVE_ONLY`].
fn native_only_packages(ctx: &Ctx) -> Result<Vec<String>, String> {
    let output = ctx
        .cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let mut excluded = Vec::new();
    for package in &packages {
        let Some(name) = package["name"].as_str() else {
            continue;
        };
        let has_bin = package["targets"].as_array().is_some_and(|targets| {
            targets.iter().any(|target| {
                target["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
            })
        });
        if NATIVE_ONLY.contains(&name) || (has_bin && name != WEB_CRATE) {
            excluded.push(name.to_owned());
        }
    }
    excluded.sort();
    Ok(excluded)
}

/// The browser tests: `tests/e2e/*.test.mjs`.
fn e2e_tests(ctx: &Ctx) -> Result<Vec<PathBuf>, String> {
    let dir = ctx.root.join("tests").join("e2e");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list tests/e2e: {e}"))?;
    let mut tests: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    tests.sort();
    if tests.is_empty() {
        return Err("no tests/e2e/*.test.mjs".to_owned());
    }
    Ok(tests)
}

struct Report {
    counts: Counts,
    failed_steps: Vec<String>,
    started: Instant,
}

impl Report {
    fn step(
        &mut self,
        name: &str,
        body: impl FnOnce() -> Result<Counts, (String, Counts)>,
    ) -> bool {
        println!();
        println!("xtask: ==> {name}");
        flush();
        let started = Instant::now();
        let result = body();
        let seconds = started.elapsed().as_secs_f64();
        let (ok, counts) = match result {
            Ok(counts) => (true, counts),
            Err((error, mut counts)) => {
                eprintln!("xtask: {name}: {error}");
                // A failed step always shows as at least one failure in the total.
                counts.failed = counts.failed.max(1);
                (false, counts)
            }
        };
        self.counts.passed += counts.passed;
        self.counts.failed += counts.failed;
        if ok {
            println!("xtask: <== {name}: ok ({seconds:.0}s)");
        } else {
            println!("xtask: <== {name}: FAILED ({seconds:.0}s)");
            self.failed_steps.push(name.to_owned());
        }
        flush();
        ok
    }
}

fn no_tests(result: Result<(), String>) -> Result<Counts, (String, Counts)> {
    result
        .map(|()| Counts::default())
        .map_err(|e| (e, Counts::default()))
}

fn test(ctx: &Ctx) -> ExitCode {
    let mut report = Report {
        counts: Counts::default(),
        failed_steps: Vec::new(),
        started: Instant::now(),
    };
    report.step("install", || no_tests(install(ctx, Chromium::Yes)));
    report.step("cargo fmt", || {
        let mut cargo = ctx.cargo();
        cargo.args(["fmt", "--all", "--check"]);
        if !std::io::stdout().is_terminal() {
            // rustfmt colours its diffs even into a log file otherwise.
            cargo.args(["--", "--color", "never"]);
        }
        no_tests(run(cargo))
    });
    report.step("cargo clippy (native)", || {
        let mut cargo = ctx.cargo();
        cargo.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]);
        no_tests(run(cargo))
    });
    report.step("cargo clippy (wasm32)", || {
        let excluded = native_only_packages(ctx).map_err(|e| (e, Counts::default()))?;
        let mut cargo = ctx.cargo();
        cargo.args(["clippy", "--workspace", "--target", WASM_TARGET]);
        for name in &excluded {
            cargo.args(["--exclude", name]);
        }
        cargo.args(["--", "-D", "warnings"]);
        no_tests(run(cargo))
    });
    report.step("cargo test", || {
        let mut cargo = ctx.cargo();
        cargo.args(["test", "--workspace"]);
        run_counted(cargo, count_cargo_test)
    });
    let built = report.step("trunk build", || {
        let mut trunk = ctx.trunk();
        trunk.args(["build", "--release"]);
        no_tests(run(trunk))
    });
    if built {
        // A measurement, not a test: every run prints the page's transfer sizes against
        // the budget so growth shows in the log, and being over does not fail the run.
        println!();
        println!("xtask: ==> page size (reported, not a test)");
        let mut node = ctx.command("node");
        node.args(["tests/e2e/budgets.mjs", "--sizes"])
            .env("STAGECRAFT_DIST", ctx.root.join("dist"));
        if let Err(why) = run(node) {
            println!("xtask: {why}");
        }
    }
    report.step("browser tests", || {
        if !built {
            return Err(("skipped: trunk build failed".to_owned(), Counts::default()));
        }
        let tests = e2e_tests(ctx).map_err(|e| (e, Counts::default()))?;
        let mut node = ctx.command("node");
        node.args(["--test", "--test-reporter=spec"])
            .args(&tests)
            .env("STAGECRAFT_DIST", ctx.root.join("dist"))
            .env("STAGECRAFT_TOOLS", &ctx.tools)
            .env("STAGECRAFT_ARTIFACTS", ctx.root.join("target").join("e2e"))
            .env("STAGECRAFT_CHROMIUM", CHROMIUM);
        run_counted(node, count_node_test)
    });
    println!();
    println!(
        "xtask: test finished in {:.0}s",
        report.started.elapsed().as_secs_f64()
    );
    if !report.failed_steps.is_empty() {
        println!("xtask: failed steps: {}", report.failed_steps.join(", "));
    }
    println!(
        "total: {} passed, {} failed",
        report.counts.passed, report.counts.failed
    );
    flush();
    if report.failed_steps.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_test_lines_are_counted() {
        let mut counts = Counts::default();
        for line in [
            "running 3 tests",
            "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test a ... ok",
            "test result: FAILED. 7 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out",
            "  test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n",
            "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out; finished in 1.50s",
        ] {
            count_cargo_test(line, &mut counts);
        }
        assert_eq!(
            counts,
            Counts {
                passed: 22,
                failed: 2
            }
        );
    }

    #[test]
    fn node_test_summaries_are_counted_and_other_lines_are_not() {
        let mut counts = Counts::default();
        for line in [
            "✔ shows two stages (812.3ms)",
            "ℹ tests 3",
            "ℹ pass 2",
            "ℹ fail 1",
            "ℹ duration_ms 1200.5",
            "# pass 4",
            "# fail 0",
            "# pass the salt please",
            "not ok 1 - pass 5",
        ] {
            count_node_test(line, &mut counts);
        }
        assert_eq!(
            counts,
            Counts {
                passed: 6,
                failed: 1
            }
        );
    }

    #[test]
    fn the_locked_version_is_found_only_when_unique() {
        let lock = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-shared"
version = "0.2.130"

[[package]]
name = "yew"
version = "0.23.0"
dependencies = [
 "wasm-bindgen",
]
"#;
        assert_eq!(locked_version(lock, "wasm-bindgen"), Some("0.2.130"));
        assert_eq!(locked_version(lock, "yew"), Some("0.23.0"));
        assert_eq!(locked_version(lock, "web-sys"), None);
        let twice = format!("{lock}\n[[package]]\nname = \"yew\"\nversion = \"0.21.0\"\n");
        assert_eq!(locked_version(&twice, "yew"), None);
    }

    #[test]
    fn the_workspace_root_holds_the_lock_and_the_e2e_tests() {
        let ctx = Ctx::new().unwrap_or_else(|e| panic!("{e}"));
        assert!(ctx.root.join("Cargo.toml").is_file());
        assert!(ctx.root.join("tests/e2e/package-lock.json").is_file());
        let tests = e2e_tests(&ctx).unwrap_or_else(|e| panic!("{e}"));
        assert!(tests.iter().any(|t| t.ends_with("smoke.test.mjs")));
    }
}
