//! A small, safe Markdown reader for exercise instructions and hints: it returns data
//! (paragraphs, headings, lists, code blocks; text, code, emphasis, links) for the web
//! app to turn into elements, never HTML. Raw HTML in the source comes back as text, and
//! links keep their href only when it is `http:` or `https:`, so an exercise from any
//! URL cannot run script in the page.

use serde::Serialize;

/// One block of rendered Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        inlines: Vec<Inline>,
    },
    /// `#` to `######`.
    Heading {
        level: u8,
        inlines: Vec<Inline>,
    },
    /// A list; each item is a run of inline content.
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    /// A fenced code block, its text verbatim.
    Code {
        language: Option<String>,
        text: String,
    },
}

/// Inline content. Every string is plain text for a text node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    Text {
        text: String,
    },
    Code {
        text: String,
    },
    Emphasis {
        text: String,
    },
    Strong {
        text: String,
    },
    /// `href` is an `http:` or `https:` URL; other links render as their text.
    Link {
        text: String,
        href: String,
    },
}

/// How far an opening delimiter looks for its closer: keeps unmatched `*` runs linear.
const MAX_SPAN: usize = 500;

/// Reads `md` into blocks.
pub fn render_markdown_blocks(md: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<String>)> = None;
    let mut lines = md.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"]
            .into_iter()
            .find(|f| trimmed.starts_with(f) && line.len() - trimmed.len() < 4);
        if let Some(fence) = fence {
            flush(&mut blocks, &mut paragraph, &mut list);
            let language = trimmed[fence.len()..].trim();
            let language = (!language.is_empty())
                .then(|| language.split_whitespace().next().unwrap_or("").to_string());
            let mut code = Vec::new();
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with(fence)
                    && inner
                        .trim()
                        .trim_matches(fence.chars().next().unwrap_or('`'))
                        .is_empty()
                {
                    break;
                }
                code.push(inner);
            }
            blocks.push(Block::Code {
                language,
                text: code.join("\n"),
            });
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut blocks, &mut paragraph, &mut list);
            continue;
        }
        if let Some((level, text)) = heading(trimmed) {
            flush(&mut blocks, &mut paragraph, &mut list);
            blocks.push(Block::Heading {
                level,
                inlines: inlines(text),
            });
            continue;
        }
        if let Some((ordered, text)) = list_item(trimmed) {
            // An item of the other kind starts a new list.
            if list.as_ref().is_some_and(|(o, _)| *o != ordered) || !paragraph.is_empty() {
                flush(&mut blocks, &mut paragraph, &mut list);
            }
            list.get_or_insert_with(|| (ordered, Vec::new()))
                .1
                .push(text.to_string());
            continue;
        }
        match list.as_mut().and_then(|(_, items)| items.last_mut()) {
            // A line after a list item continues it.
            Some(item) => {
                item.push(' ');
                item.push_str(trimmed);
            }
            None => paragraph.push(trimmed),
        }
    }
    flush(&mut blocks, &mut paragraph, &mut list);
    blocks
}

fn flush(
    blocks: &mut Vec<Block>,
    paragraph: &mut Vec<&str>,
    list: &mut Option<(bool, Vec<String>)>,
) {
    if !paragraph.is_empty() {
        let text = paragraph.join(" ");
        blocks.push(Block::Paragraph {
            inlines: inlines(&text),
        });
        paragraph.clear();
    }
    if let Some((ordered, items)) = list.take() {
        blocks.push(Block::List {
            ordered,
            items: items.iter().map(|i| inlines(i)).collect(),
        });
    }
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &line[level..];
    if rest.is_empty() {
        return Some((level as u8, ""));
    }
    rest.starts_with(' ')
        .then(|| (level as u8, rest.trim().trim_end_matches('#').trim_end()))
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((false, rest.trim()));
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        for marker in [". ", ") "] {
            if let Some(rest) = rest.strip_prefix(marker) {
                return Some((true, rest.trim()));
            }
        }
    }
    None
}

/// Whether a link target is safe to follow: only web URLs (no `javascript:`, `data:`,
/// relative paths that the embedding page would resolve).
fn safe_href(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
}

/// Reads inline content: `code`, **strong**, *emphasis*, _emphasis_, [links](https://…),
/// backslash escapes. Everything else, raw HTML included, is text.
fn inlines(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Inline> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    let push_text = |out: &mut Vec<Inline>, plain: &mut String| {
        if !plain.is_empty() {
            out.push(Inline::Text {
                text: std::mem::take(plain),
            });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) {
            plain.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            if let Some(end) = find_run(&chars, i + run, '`', run) {
                let code: String = chars[i + run..end].iter().collect();
                let code = if code.len() > 2 && code.starts_with(' ') && code.ends_with(' ') {
                    code[1..code.len() - 1].to_string()
                } else {
                    code
                };
                push_text(&mut out, &mut plain);
                out.push(Inline::Code { text: code });
                i = end + run;
                continue;
            }
            plain.extend(&chars[i..i + run]);
            i += run;
            continue;
        }
        if c == '*' || c == '_' {
            // The whole run is looked at once and, unmatched, kept as text in one go, so
            // long runs of markers stay linear.
            let run = chars[i..].iter().take_while(|&&d| d == c).count();
            let opens = run <= 2
                && chars.get(i + run).is_some_and(|n| !n.is_whitespace())
                // `_` inside a word (snake_case, check names) is not emphasis.
                && (c == '*' || i == 0 || !chars[i - 1].is_alphanumeric());
            if opens {
                if let Some(end) = find_closer(&chars, i + run, c, run) {
                    let inner: String = chars[i + run..end].iter().collect();
                    push_text(&mut out, &mut plain);
                    out.push(if run == 2 {
                        Inline::Strong { text: inner }
                    } else {
                        Inline::Emphasis { text: inner }
                    });
                    i = end + run;
                    continue;
                }
            }
            plain.extend(&chars[i..i + run]);
            i += run;
            continue;
        }
        if c == '[' {
            if let Some((label, url, end)) = link(&chars, i) {
                push_text(&mut out, &mut plain);
                if safe_href(&url) {
                    out.push(Inline::Link {
                        text: label,
                        href: url.trim().to_string(),
                    });
                } else {
                    out.push(Inline::Text { text: label });
                }
                i = end;
                continue;
            }
        }
        plain.push(c);
        i += 1;
    }
    push_text(&mut out, &mut plain);
    // Adjacent text pieces (from escapes and unsafe links) read better merged.
    let mut merged: Vec<Inline> = Vec::with_capacity(out.len());
    for inline in out {
        match (merged.last_mut(), inline) {
            (Some(Inline::Text { text: a }), Inline::Text { text: b }) => a.push_str(&b),
            (_, inline) => merged.push(inline),
        }
    }
    merged
}

/// The start of the next run of exactly `run` `c`s at or after `from`, within reach.
fn find_run(chars: &[char], from: usize, c: char, run: usize) -> Option<usize> {
    let limit = chars.len().min(from.saturating_add(MAX_SPAN));
    let mut j = from;
    while j < limit {
        if chars[j] == c {
            let len = chars[j..limit].iter().take_while(|&&d| d == c).count();
            if len == run {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

/// The closing `*`/`_` run for an opener: preceded by a non-space, and for `_` not
/// followed by a letter or digit.
fn find_closer(chars: &[char], from: usize, c: char, run: usize) -> Option<usize> {
    let limit = chars.len().min(from.saturating_add(MAX_SPAN));
    let mut j = from + 1;
    while j < limit {
        if chars[j] == c {
            let len = chars[j..limit].iter().take_while(|&&d| d == c).count();
            let after = chars.get(j + len);
            let closes = len >= run
                && !chars[j - 1].is_whitespace()
                && (c == '*' || after.is_none_or(|a| !a.is_alphanumeric()));
            if closes {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

/// `[label](url)` starting at `start`: the label, the url and the index after `)`.
fn link(chars: &[char], start: usize) -> Option<(String, String, usize)> {
    let limit = chars.len().min(start.saturating_add(MAX_SPAN));
    let close = (start + 1..limit).find(|&j| chars[j] == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = (close + 2..limit).find(|&j| chars[j] == ')')?;
    let label: String = chars[start + 1..close].iter().collect();
    let url: String = chars[close + 2..end].iter().collect();
    Some((label, url, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text { text: s.into() }
    }

    #[test]
    fn paragraphs_lists_code_and_headings() {
        let md = "# Goal\n\nMake it *small*,\nwith **no** shell.\n\n- one `x`\n- two\n  continued\n\n1. first\n2) second\n\n```dockerfile\nFROM scratch\n\n```\nafter";
        let blocks = render_markdown_blocks(md);
        assert_eq!(
            blocks,
            vec![
                Block::Heading {
                    level: 1,
                    inlines: vec![text("Goal")]
                },
                Block::Paragraph {
                    inlines: vec![
                        text("Make it "),
                        Inline::Emphasis {
                            text: "small".into()
                        },
                        text(", with "),
                        Inline::Strong { text: "no".into() },
                        text(" shell."),
                    ]
                },
                Block::List {
                    ordered: false,
                    items: vec![
                        vec![text("one "), Inline::Code { text: "x".into() }],
                        vec![text("two continued")],
                    ]
                },
                Block::List {
                    ordered: true,
                    items: vec![vec![text("first")], vec![text("second")]]
                },
                Block::Code {
                    language: Some("dockerfile".into()),
                    text: "FROM scratch\n".into()
                },
                Block::Paragraph {
                    inlines: vec![text("after")]
                },
            ]
        );
    }

    #[test]
    fn raw_html_is_text() {
        let blocks =
            render_markdown_blocks("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph {
                    inlines: vec![text("<script>alert(1)</script>")]
                },
                Block::Paragraph {
                    inlines: vec![text("<img src=x onerror=alert(1)>")]
                },
            ]
        );
    }

    #[test]
    fn only_web_links_keep_their_href() {
        let blocks = render_markdown_blocks(
            "[docs](https://docs.docker.com/build/) and [bad](javascript:alert(1)) and [rel](/x) and [data](data:text/html,hi)",
        );
        let Some(Block::Paragraph { inlines }) = blocks.first() else {
            panic!("expected a paragraph, got {blocks:?}");
        };
        assert_eq!(
            inlines[0],
            Inline::Link {
                text: "docs".into(),
                href: "https://docs.docker.com/build/".into()
            }
        );
        assert!(inlines[1..]
            .iter()
            .all(|i| !matches!(i, Inline::Link { .. })));
    }

    #[test]
    fn snake_case_and_stray_markers_stay_text() {
        assert_eq!(
            render_markdown_blocks("use final_size_mb_max and 2 * 3 * 4 and `unclosed"),
            vec![Block::Paragraph {
                inlines: vec![text("use final_size_mb_max and 2 * 3 * 4 and `unclosed")]
            }]
        );
        assert_eq!(
            render_markdown_blocks(r"\*not emphasis\*"),
            vec![Block::Paragraph {
                inlines: vec![text("*not emphasis*")]
            }]
        );
    }

    #[test]
    fn pathological_input_is_fast_and_safe() {
        let md = "*".repeat(200_000) + &"[".repeat(100_000) + &"`".repeat(100_000);
        let blocks = render_markdown_blocks(&md);
        assert_eq!(blocks.len(), 1);
    }
}
