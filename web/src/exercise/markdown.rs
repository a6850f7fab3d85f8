//! The core's safe Markdown blocks as Yew elements: every string becomes a text node,
//! links only keep the `http(s)` hrefs the core let through, nothing is set as HTML.

use stagecraft_exercises::{Block, Inline};
use yew::prelude::*;

pub fn blocks(blocks: &[Block]) -> Html {
    blocks.iter().map(block).collect()
}

fn block(block: &Block) -> Html {
    match block {
        Block::Paragraph { inlines: content } => html! { <p>{ inlines(content) }</p> },
        // The panel's own title is an h3: instruction headings sit below it.
        Block::Heading {
            level,
            inlines: content,
        } => {
            let tag = format!("h{}", (level + 3).min(6));
            html! { <@{tag} class="md-heading">{ inlines(content) }</@> }
        }
        Block::List { ordered, items } => {
            let items = items
                .iter()
                .map(|item| html! { <li>{ inlines(item) }</li> });
            if *ordered {
                html! { <ol>{ for items }</ol> }
            } else {
                html! { <ul>{ for items }</ul> }
            }
        }
        Block::Code { language, text } => html! {
            <pre class="md-code" data-language={language.clone()}><code>{ text }</code></pre>
        },
    }
}

pub fn inlines(inlines: &[Inline]) -> Html {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text { text } => html! { { text } },
            Inline::Code { text } => html! { <code>{ text }</code> },
            Inline::Emphasis { text } => html! { <em>{ text }</em> },
            Inline::Strong { text } => html! { <strong>{ text }</strong> },
            Inline::Link { text, href } => html! {
                <a href={href.clone()} target="_blank" rel="noopener noreferrer">{ text }</a>
            },
        })
        .collect()
}
