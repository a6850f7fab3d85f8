//! Component tests without a browser: yew's server renderer (the `ssr` feature, enabled for
//! tests only) turns a component and its props into HTML, so tests can assert the stable
//! hooks a component renders. Effects do not run this way, which is why render bodies
//! stay free of browser calls (effects and callbacks may make them).

use std::rc::Rc;

use yew::BaseComponent;

use crate::state::{Inputs, Shared, View};

/// The HTML `C` renders with `props`, on a plain executor (no tokio runtime needed).
pub fn render<C: BaseComponent>(props: C::Properties) -> String {
    let renderer = yew::LocalServerRenderer::<C>::with_props(props).hydratable(false);
    futures::executor::block_on(renderer.render())
}

/// The analysis of `text` with default inputs, as the panels receive it.
pub fn view_of(text: &str) -> Shared {
    Shared(Rc::new(View::compute(
        Rc::from(text),
        &Inputs::default(),
        1,
    )))
}

/// The values of every `name="…"` attribute in `html`, in document order (attribute
/// values are HTML-escaped, which the hooks' values never need).
pub fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// The opening tags (`<tag …>`) in `html` that contain `needle`.
pub fn tags_with<'a>(html: &'a str, needle: &str) -> Vec<&'a str> {
    html.split('<')
        .filter_map(|piece| piece.split('>').next())
        .filter(|tag| tag.contains(needle))
        .collect()
}
