//! The Stagecraft page: a Dockerfile editor that shows, as you type, the stages BuildKit
//! sees and every diagnostic, from `stagecraft_analysis` compiled to WebAssembly.
#![forbid(unsafe_code)]

pub mod components;
pub mod state;

/// Renders the page into `<body>`.
pub fn start() {
    yew::Renderer::<components::App>::new().render();
}
