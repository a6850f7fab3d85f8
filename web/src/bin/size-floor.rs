//! The size floor: the smallest page that runs the playground's core, built only to be
//! measured (`cargo xtask size-floor`).
//!
//! Issue 4 sets the page a transfer budget. This binary answers "what does the core cost
//! before any interface?": a textarea whose every edit runs what the playground runs
//! (parse, analysis and checks, the simulated build and its data tables, one step's
//! replayed filesystem, the graph's layout, SVG, DOT and Mermaid export, highlighting,
//! context detection, a share link's encoding and decoding) and shows one number from
//! each, so nothing is optimised away. No panels, no toolbar, no exercises, no styles.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
mod page {
    use stagecraft_analysis::export::{to_dot, to_mermaid};
    use stagecraft_analysis::layout::{layout, to_svg, LayoutOptions, SvgOptions};
    use stagecraft_share::{decode, encode, SharedState};
    use stagecraft_simulate::{context, replay, simulate, SimOptions};
    use stagecraft_syntax::highlight::highlight;
    use web_sys::HtmlTextAreaElement;
    use yew::prelude::*;

    /// One count per piece of the core, so each piece is linked in and run.
    fn run_core(text: &str) -> String {
        let options = SimOptions::default();
        let sim = simulate(text, &options);
        let replayed = sim
            .steps
            .first()
            .and_then(|step| replay::fs_after_step(text, &sim.analysis, &options, step))
            .map_or(0, |fs| fs.len());
        let graph = layout(&sim.analysis, &LayoutOptions::default());
        let svg = to_svg(&graph, &SvgOptions::default());
        let exports = to_dot(&sim.analysis).len() + to_mermaid(&sim.analysis).len();
        let tokens = highlight(text, &sim.analysis.parse).len();
        let detected = context::detect(&sim.analysis.parse.dockerfile);
        let link = encode(&SharedState {
            dockerfile: text.to_owned(),
            ..SharedState::default()
        });
        let restored = decode(&link).map_or(0, |state| state.dockerfile.len());
        let image_mb = sim.image.map_or(0.0, |image| image.size_mb);
        format!(
            "{} diagnostics, {} steps, {replayed} files replayed, {} svg bytes, {exports} export \
             bytes, {tokens} tokens, context {detected}, {restored} bytes restored, {image_mb} MB",
            sim.diagnostics.len(),
            sim.steps.len(),
            svg.len(),
        )
    }

    #[function_component]
    fn Floor() -> Html {
        let text = use_state(String::new);
        let oninput = {
            let text = text.clone();
            Callback::from(move |event: InputEvent| {
                let area: HtmlTextAreaElement = event.target_unchecked_into();
                text.set(area.value());
            })
        };
        let summary = run_core(&text);
        html! {
            <main>
                <textarea aria-label="Dockerfile" {oninput} value={(*text).clone()} />
                <p>{ summary }</p>
            </main>
        }
    }

    pub fn start() {
        yew::Renderer::<Floor>::new().render();
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    page::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("size-floor is a measurement page: run `cargo xtask size-floor`.");
    std::process::exit(2);
}
