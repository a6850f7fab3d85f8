//! The toolbar's "Embed" button and its dialog: options for an embed of the current state
//! (panels, read-only, theme, height, click-to-load), the iframe, loader and Markdown
//! snippets with copy buttons, and a live preview. A native modal `<dialog>`: the focus
//! stays inside, Escape closes it, and the focus returns to the button.

use std::collections::BTreeMap;

use wasm_bindgen::JsCast;
use web_sys::{HtmlDialogElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::dom;
use crate::embed::{EmbedConfig, EmbedPanel, DEFAULT_HEIGHT, MAX_HEIGHT, MIN_HEIGHT};
use crate::state::{Shared, Theme};

/// Escapes text for HTML text and double-quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The embed's address: the app at `app_url` in embed mode, with the state's fragment.
pub fn embed_url(app_url: &str, config: &EmbedConfig, fragment: &str) -> String {
    format!("{app_url}?{}#{fragment}", config.to_query())
}

/// An `<iframe>` for pages that take raw HTML.
pub fn iframe_snippet(url: &str, height: u32) -> String {
    format!(
        "<iframe src=\"{}\" title=\"Stagecraft: a Dockerfile playground\" width=\"100%\" height=\"{height}\" \
         style=\"border:1px solid #d0d7de;border-radius:8px\" loading=\"lazy\" allow=\"clipboard-write\"></iframe>",
        escape_html(url)
    )
}

/// A `<pre data-stagecraft>` block and the loader script: the Dockerfile stays readable
/// without JavaScript, and the loader makes it a playground.
pub fn loader_snippet(
    loader_url: &str,
    config: &EmbedConfig,
    click_to_load: bool,
    dockerfile: &str,
    build_args: &BTreeMap<String, String>,
) -> String {
    let mut attributes = vec!["data-stagecraft".to_owned()];
    if config.panels != EmbedConfig::default().panels {
        let names: Vec<&str> = config.panels.iter().map(|p| p.id()).collect();
        attributes.push(format!("data-panels=\"{}\"", names.join(",")));
    }
    if config.readonly {
        attributes.push("data-readonly".to_owned());
    }
    if config.theme != Theme::System {
        attributes.push(format!("data-theme=\"{}\"", config.theme.as_str()));
    }
    if let Some(target) = &config.target {
        attributes.push(format!("data-target=\"{}\"", escape_html(target)));
    }
    if !build_args.is_empty() {
        let pairs: Vec<String> = build_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        attributes.push(format!(
            "data-build-args=\"{}\"",
            escape_html(&pairs.join(","))
        ));
    }
    if let Some(height) = config.height.filter(|&h| h != DEFAULT_HEIGHT) {
        attributes.push(format!("data-height=\"{height}\""));
    }
    if click_to_load {
        attributes.push("data-load=\"click\"".to_owned());
    }
    // A newline right after <pre> is dropped by HTML parsers, so the text starts clean.
    format!(
        "<script src=\"{}\" defer></script>\n<pre {}>\n{}</pre>",
        escape_html(loader_url),
        attributes.join(" "),
        escape_html(dockerfile)
    )
}

/// A Markdown link to the full playground, for places that allow no HTML (GitHub READMEs).
pub fn markdown_snippet(open_url: &str) -> String {
    format!("[Open this Dockerfile in Stagecraft]({open_url})")
}

/// The folder the page is served from, where `loader.js` sits beside `index.html`.
fn app_and_loader_urls() -> Option<(String, String)> {
    let location = dom::window()?.location();
    let origin = location.origin().ok()?;
    let path = location.pathname().ok()?;
    let folder = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    Some((
        format!("{origin}{path}"),
        format!("{origin}{folder}loader.js"),
    ))
}

/// What the dialog's options say.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    panels: Vec<EmbedPanel>,
    readonly: bool,
    theme: Theme,
    height: u32,
    click_to_load: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            panels: EmbedConfig::default().panels,
            readonly: false,
            theme: Theme::System,
            height: DEFAULT_HEIGHT,
            click_to_load: false,
        }
    }
}

impl Options {
    fn config(&self, target: Option<String>) -> EmbedConfig {
        EmbedConfig {
            enabled: true,
            // Kept in the order the layout shows them, whatever order they were ticked in.
            panels: EmbedPanel::ALL
                .into_iter()
                .filter(|p| self.panels.contains(p))
                .collect(),
            readonly: self.readonly,
            theme: self.theme,
            target,
            height: Some(self.height),
            ..EmbedConfig::default()
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct EmbedButtonProps {
    pub view: Shared,
    pub target: Option<String>,
    pub build_args: String,
    #[prop_or_default]
    pub context: Option<String>,
    #[prop_or_default]
    pub context_listing: Option<String>,
    #[prop_or_default]
    pub dockerignore: Option<String>,
}

#[function_component]
pub fn EmbedButton(props: &EmbedButtonProps) -> Html {
    let open = use_state(|| false);
    let dialog = use_node_ref();
    let button = use_node_ref();
    let options = use_state(Options::default);
    let copied = use_state(|| None::<&'static str>);

    {
        let dialog = dialog.clone();
        use_effect_with(*open, move |&open| {
            if let Some(dialog) = dialog.cast::<HtmlDialogElement>() {
                if open && !dialog.open() {
                    let _ = dialog.show_modal();
                }
            }
        });
    }
    let on_open = {
        let open = open.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            copied.set(None);
            open.set(true);
        })
    };
    // Escape and the Close button both end in the dialog's `close` event.
    let on_close = {
        let open = open.clone();
        let button = button.clone();
        Callback::from(move |_: Event| {
            open.set(false);
            if let Some(button) = button.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        })
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(dialog) = dialog.cast::<HtmlDialogElement>() {
                dialog.close();
            }
        })
    };

    let body = (*open).then(|| {
        // The iframe's own height attribute sizes it; its address needs none.
        let config = EmbedConfig {
            height: None,
            ..options.config(None)
        };
        let build_args = crate::state::parse_build_args(&props.build_args);
        let shared = stagecraft_share::SharedState {
            dockerfile: props.view.text.to_string(),
            target: props.target.clone(),
            build_args: build_args.clone(),
            context: props.context.clone(),
            context_listing: props.context_listing.clone(),
            dockerignore: props.dockerignore.clone(),
            ..Default::default()
        };
        let fragment = stagecraft_share::encode(&shared);
        let (app_url, loader_url) = app_and_loader_urls().unwrap_or_default();
        let url = embed_url(&app_url, &config, &fragment);
        let snippets = [
            ("iframe", "HTML iframe", iframe_snippet(&url, options.height)),
            (
                "loader",
                "Loader: a Dockerfile block (HTML, or Markdown that allows HTML)",
                loader_snippet(
                    &loader_url,
                    &options.config(props.target.clone()),
                    options.click_to_load,
                    &props.view.text,
                    &build_args,
                ),
            ),
            (
                "markdown",
                "Markdown link (where no HTML is allowed)",
                markdown_snippet(&format!("{app_url}#{fragment}")),
            ),
        ];
        html! {
            <div class="embed-dialog-body">
                <form class="embed-options" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                    <OptionsForm options={(*options).clone()} on_change={
                        let options = options.clone();
                        let copied = copied.clone();
                        // A copied snippet is out of date once an option changes.
                        Callback::from(move |o: Options| {
                            copied.set(None);
                            options.set(o);
                        })
                    } />
                </form>
                <div class="embed-snippets">
                    { for snippets.into_iter().map(|(id, label, text)| {
                        let on_copy = {
                            let copied = copied.clone();
                            let text = text.clone();
                            Callback::from(move |_: MouseEvent| {
                                if dom::copy_to_clipboard(&text) {
                                    copied.set(Some(id));
                                }
                            })
                        };
                        html! {
                            <div class="embed-snippet">
                                <div class="embed-snippet-head">
                                    <label for={format!("embed-snippet-{id}")}>{ label }</label>
                                    <button type="button" class="tool-button" onclick={on_copy}
                                        aria-describedby={format!("embed-snippet-{id}")}>
                                        { if *copied == Some(id) { "Copied" } else { "Copy" } }
                                    </button>
                                </div>
                                <textarea id={format!("embed-snippet-{id}")} readonly=true rows="3"
                                    spellcheck="false" value={text} data-snippet={id} />
                            </div>
                        }
                    }) }
                    if options.click_to_load {
                        <p class="hint">{ "Click-to-load is the loader's: the iframe snippet loads as the page scrolls to it (loading=\"lazy\")." }</p>
                    }
                </div>
                <figure class="embed-preview">
                    <figcaption>{ format!("Preview ({} px high)", options.height) }</figcaption>
                    <div class="embed-preview-frame">
                        <iframe src={url} title="Preview of the embed" style={format!("height: {}px", options.height)} />
                    </div>
                </figure>
            </div>
        }
    });

    html! {
        <>
            <button type="button" class="tool-button" ref={button} onclick={on_open}
                aria-haspopup="dialog">{ "Embed" }</button>
            <dialog ref={dialog} class="embed-dialog" aria-labelledby="embed-dialog-title" onclose={on_close}>
                <div class="embed-dialog-head">
                    <h2 id="embed-dialog-title">{ "Embed this Dockerfile" }</h2>
                    <button type="button" class="tool-button" onclick={close}>{ "Close" }</button>
                </div>
                { for body }
            </dialog>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct OptionsFormProps {
    options: Options,
    on_change: Callback<Options>,
}

#[function_component]
fn OptionsForm(props: &OptionsFormProps) -> Html {
    let update = |change: fn(&mut Options, &web_sys::EventTarget)| {
        let options = props.options.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            if let Some(target) = event.target() {
                let mut next = options.clone();
                change(&mut next, &target);
                on_change.emit(next);
            }
        })
    };
    let panels = EmbedPanel::ALL.into_iter().map(|panel| {
        let on_change = {
            let options = props.options.clone();
            let on_change = props.on_change.clone();
            Callback::from(move |event: Event| {
                let on = event
                    .target_dyn_into::<HtmlInputElement>()
                    .is_some_and(|i| i.checked());
                let mut next = options.clone();
                next.panels.retain(|p| *p != panel);
                if on {
                    next.panels.push(panel);
                }
                // At least one panel: unticking the last one is undone.
                if !next.panels.is_empty() {
                    on_change.emit(next);
                }
            })
        };
        let on = props.options.panels.contains(&panel);
        html! {
            <label class="embed-check">
                <input type="checkbox" checked={on} onchange={on_change}
                    disabled={on && props.options.panels.len() == 1} />
                { panel.label() }
            </label>
        }
    });
    html! {
        <>
            <fieldset>
                <legend>{ "Panels" }</legend>
                { for panels }
            </fieldset>
            <label class="embed-check">
                <input type="checkbox" checked={props.options.readonly}
                    onchange={update(|o, t| o.readonly = t.dyn_ref::<HtmlInputElement>().is_some_and(HtmlInputElement::checked))} />
                { "Read-only" }
            </label>
            <label class="embed-check">
                <input type="checkbox" checked={props.options.click_to_load}
                    onchange={update(|o, t| o.click_to_load = t.dyn_ref::<HtmlInputElement>().is_some_and(HtmlInputElement::checked))} />
                { "Click to load (loader)" }
            </label>
            <label class="embed-field">
                <span>{ "Theme" }</span>
                <select onchange={update(|o, t| {
                    if let Some(select) = t.dyn_ref::<HtmlSelectElement>() {
                        o.theme = Theme::parse(&select.value());
                    }
                })}>
                    { for [(Theme::System, "Auto"), (Theme::Light, "Light"), (Theme::Dark, "Dark")].into_iter().map(|(theme, label)| html! {
                        <option value={theme.as_str()} selected={props.options.theme == theme}>{ label }</option>
                    }) }
                </select>
            </label>
            <label class="embed-field">
                <span>{ "Height (px)" }</span>
                <input type="number" min={MIN_HEIGHT.to_string()} max={MAX_HEIGHT.to_string()} step="20"
                    value={props.options.height.to_string()}
                    onchange={update(|o, t| {
                        if let Some(input) = t.dyn_ref::<HtmlInputElement>() {
                            if let Ok(h) = input.value().trim().parse::<u32>() {
                                o.height = h.clamp(MIN_HEIGHT, MAX_HEIGHT);
                            }
                            input.set_value(&o.height.to_string());
                        }
                    })} />
            </label>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_in_text_and_attributes() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let snippet = loader_snippet(
            "https://h.example/loader.js",
            &EmbedConfig::default(),
            false,
            "FROM alpine\nRUN echo '</pre><script>alert(1)</script>'\n",
            &BTreeMap::new(),
        );
        assert!(!snippet.contains("<script>alert"), "{snippet}");
        assert_eq!(snippet.matches("</pre>").count(), 1);
        assert!(snippet.starts_with("<script src=\"https://h.example/loader.js\" defer></script>\n<pre data-stagecraft>\nFROM alpine\n"));
    }

    #[test]
    fn the_loader_snippet_carries_the_options() {
        let config = EmbedConfig {
            panels: vec![EmbedPanel::Editor, EmbedPanel::Steps],
            readonly: true,
            theme: Theme::Dark,
            target: Some("a\"b".into()),
            height: Some(300),
            ..EmbedConfig::default()
        };
        let args = BTreeMap::from([("V".to_owned(), "1".to_owned())]);
        let snippet = loader_snippet("/loader.js", &config, true, "FROM a\n", &args);
        for expected in [
            "data-panels=\"editor,steps\"",
            "data-readonly",
            "data-theme=\"dark\"",
            "data-target=\"a&quot;b\"",
            "data-build-args=\"V=1\"",
            "data-height=\"300\"",
            "data-load=\"click\"",
        ] {
            assert!(snippet.contains(expected), "{expected} in {snippet}");
        }
        let plain = loader_snippet(
            "/l.js",
            &EmbedConfig {
                height: Some(DEFAULT_HEIGHT),
                ..EmbedConfig::default()
            },
            false,
            "FROM a\n",
            &BTreeMap::new(),
        );
        assert!(
            plain.contains("<pre data-stagecraft>"),
            "defaults are left out: {plain}"
        );
    }

    #[test]
    fn the_iframe_snippet_points_at_the_embed() {
        let config = EmbedConfig {
            enabled: true,
            readonly: true,
            ..EmbedConfig::default()
        };
        let url = embed_url("https://h.example/app/", &config, "v1.abc");
        assert_eq!(url, "https://h.example/app/?embed=1&readonly=1#v1.abc");
        let snippet = iframe_snippet(&url, 380);
        assert!(snippet.contains("src=\"https://h.example/app/?embed=1&amp;readonly=1#v1.abc\""));
        assert!(snippet.contains("height=\"380\"") && snippet.contains("loading=\"lazy\""));
        assert_eq!(
            markdown_snippet("https://h.example/#v1.x"),
            "[Open this Dockerfile in Stagecraft](https://h.example/#v1.x)"
        );
    }

    #[test]
    fn options_keep_the_layout_order() {
        let options = Options {
            panels: vec![EmbedPanel::Steps, EmbedPanel::Editor],
            ..Options::default()
        };
        assert_eq!(
            options.config(None).panels,
            vec![EmbedPanel::Editor, EmbedPanel::Steps]
        );
    }
}
