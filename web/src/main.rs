//! Entry point: Trunk builds this binary to WebAssembly and runs `main` when the page loads.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    stagecraft_web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("stagecraft-web runs in a browser: start it with `cargo xtask serve`.");
    std::process::exit(2);
}
