//! The Stagecraft page: a Dockerfile editor that shows, as you type, the stage graph,
//! the simulated final image and the build step by step, all computed in the page by the
//! core crates compiled to WebAssembly.
#![forbid(unsafe_code)]

pub mod app;
pub mod context_editor;
pub mod diagnostics;
pub mod dom;
pub mod editor;
pub mod embed;
pub mod embed_dialog;
pub mod examples;
pub mod exercise;
pub mod graph;
pub mod host_api;
pub mod image;
pub mod navigate;
pub mod panic;
pub mod query;
pub mod state;
pub mod steps;
pub mod storage;
#[cfg(test)]
pub mod test_render;
pub mod tokens;
pub mod toolbar;
pub mod treemap;

/// Installs the panic banner, then renders the page into `<body>`.
pub fn start() {
    panic::install();
    yew::Renderer::<app::App>::new().render();
}
