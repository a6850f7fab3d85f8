//! Addresses, pure so they are tested natively: the page's `?pack=<url>&exercise=<id>`,
//! pack files resolved against their manifest's URL, and what a fetched body must look
//! like to be read as an exercise file.

use crate::query::{percent_decode, percent_encode};

/// The exercise parameters of the page's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `?pack=`: the URL of a pack manifest or of one exercise file.
    pub pack: Option<String>,
    /// `?exercise=`: the exercise to open (in the built-in pack when there is no `pack`).
    pub exercise: Option<String>,
}

/// Reads `location.search` (with or without its `?`). Empty values count as absent; the
/// first of repeated parameters wins.
pub fn parse_query(search: &str) -> Query {
    let mut query = Query::default();
    for (name, value) in pairs(search) {
        let slot = match name.as_str() {
            "pack" => &mut query.pack,
            "exercise" => &mut query.exercise,
            _ => continue,
        };
        if slot.is_none() && !value.trim().is_empty() {
            *slot = Some(value.trim().to_owned());
        }
    }
    query
}

fn pairs(search: &str) -> impl Iterator<Item = (String, String)> + '_ {
    search
        .strip_prefix('?')
        .unwrap_or(search)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
}

/// The page's `search` with the exercise parameters set (or removed, for `None`), every
/// other parameter kept in place: reloading the address reopens the same exercise.
pub fn with_exercise(search: &str, pack: Option<&str>, exercise: Option<&str>) -> String {
    let raw = search.strip_prefix('?').unwrap_or(search);
    let mut parts: Vec<String> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = percent_decode(p.split_once('=').map_or(p, |(n, _)| n));
            name != "pack" && name != "exercise"
        })
        .map(str::to_owned)
        .collect();
    if let Some(pack) = pack {
        parts.push(format!("pack={}", percent_encode(pack, b"/:")));
    }
    if let Some(exercise) = exercise {
        parts.push(format!("exercise={}", percent_encode(exercise, b"/:")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// `reference` resolved against `base`, as a browser resolves a link (RFC 3986 §5.2 for
/// the cases a pack meets). Only `http:` and `https:` results are accepted: a pack must
/// not make the page fetch `data:`, `blob:` or `file:` addresses.
pub fn resolve(base: &str, reference: &str) -> Result<String, String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err("the address is empty".to_owned());
    }
    let resolved = if let Some(scheme) = scheme_of(reference) {
        let _ = scheme;
        reference.to_owned()
    } else {
        let base = base.split('#').next().unwrap_or(base);
        let Some(scheme) = scheme_of(base) else {
            return Err(format!("`{base}` is not an absolute address"));
        };
        let after_scheme = &base[scheme.len() + 1..];
        let Some(rest) = after_scheme.strip_prefix("//") else {
            return Err(format!("`{base}` has no host"));
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let origin = &base[..scheme.len() + 3 + authority_end];
        let base_path_and_query = &rest[authority_end..];
        let base_path = base_path_and_query
            .split('?')
            .next()
            .unwrap_or(base_path_and_query);
        if let Some(network) = reference.strip_prefix("//") {
            format!("{scheme}://{network}")
        } else if reference.starts_with('/') {
            let (path, tail) = split_path(reference);
            format!("{origin}{}{tail}", remove_dot_segments(path))
        } else if reference.starts_with('?') {
            format!("{origin}{base_path}{reference}")
        } else {
            let directory = match base_path.rfind('/') {
                Some(at) => &base_path[..=at],
                None => "/",
            };
            let (path, tail) = split_path(reference);
            format!(
                "{origin}{}{tail}",
                remove_dot_segments(&format!("{directory}{path}"))
            )
        }
    };
    match scheme_of(&resolved).map(str::to_ascii_lowercase).as_deref() {
        Some("http" | "https") => Ok(resolved),
        Some(other) => Err(format!(
            "only http and https addresses can be loaded, not `{other}:`"
        )),
        None => Err(format!("`{resolved}` is not an address")),
    }
}

/// The scheme of an absolute URL (`https` of `https://…`).
fn scheme_of(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some(scheme)
}

/// `a/b?x#y` into the path `a/b` and the rest `?x#y`.
fn split_path(reference: &str) -> (&str, &str) {
    let at = reference.find(['?', '#']).unwrap_or(reference.len());
    reference.split_at(at)
}

/// `.` and `..` segments removed from an absolute path; `..` never climbs above `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// The last path segment of a URL, for messages (`pack.toml` of `https://h/w/pack.toml?x`).
pub fn file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a file is a pack manifest rather than one exercise: a manifest has a
/// top-level `exercises = …`, a key an exercise file may not have (its fields are
/// closed). Markdown exercises start with `+++`.
pub fn looks_like_manifest(text: &str) -> bool {
    if text.trim_start_matches('\u{feff}').starts_with("+++") {
        return false;
    }
    // Inside a multi-line string a line is text, not a key.
    let mut in_string: Option<&str> = None;
    for line in text.lines() {
        let opened_in_string = in_string.is_some();
        for delimiter in ["'''", "\"\"\""] {
            if in_string.is_none_or(|d| d == delimiter) && line.matches(delimiter).count() % 2 == 1
            {
                in_string = match in_string {
                    Some(_) => None,
                    None => Some(delimiter),
                };
            }
        }
        if opened_in_string {
            continue;
        }
        let line = line.trim_start();
        if line.starts_with('[') {
            return false;
        }
        if let Some(rest) = line.strip_prefix("exercises") {
            if rest.trim_start().starts_with('=') {
                return true;
            }
        }
    }
    false
}

/// A fetched or picked body as text: UTF-8 (a byte-order mark dropped), no NUL bytes, not
/// an HTML page (the usual mistake: linking a repository's page instead of its raw file).
pub fn body_text(bytes: &[u8], content_type: Option<&str>) -> Result<String, String> {
    let kind = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if kind == "text/html" || kind == "application/xhtml+xml" {
        return Err(
            "the server sent an HTML page, not an exercise file (link the raw file)".to_owned(),
        );
    }
    if ["image/", "audio/", "video/", "font/"]
        .iter()
        .any(|p| kind.starts_with(p))
        || bytes.contains(&0)
    {
        return Err(format!(
            "it is not a text file{}",
            if kind.is_empty() {
                String::new()
            } else {
                format!(" ({kind})")
            }
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_a_pack_and_an_exercise() {
        let q = parse_query("?pack=https%3A%2F%2Fexample.org%2Fw%2Fpack.toml&exercise=go-scratch");
        assert_eq!(q.pack.as_deref(), Some("https://example.org/w/pack.toml"));
        assert_eq!(q.exercise.as_deref(), Some("go-scratch"));
        // Unencoded URLs (as people paste them) work too; other parameters are ignored.
        let q = parse_query("embed=1&pack=https://h/p.toml&pack=second&exercise=");
        assert_eq!(q.pack.as_deref(), Some("https://h/p.toml"));
        assert_eq!(q.exercise, None);
        assert_eq!(parse_query(""), Query::default());
        assert_eq!(
            parse_query("?exercise=a+b%ZZ%").exercise.as_deref(),
            Some("a b%ZZ%")
        );
    }

    #[test]
    fn percent_decoding_is_lossless_for_utf8_and_lossy_for_junk() {
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("%FF"), "\u{fffd}");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn the_address_keeps_other_parameters() {
        assert_eq!(
            with_exercise("?embed=1&exercise=old", None, Some("go-scratch")),
            "?embed=1&exercise=go-scratch"
        );
        assert_eq!(
            with_exercise("", Some("https://h/w/pack.toml?x=1&y"), Some("a")),
            "?pack=https://h/w/pack.toml%3Fx%3D1%26y&exercise=a"
        );
        assert_eq!(with_exercise("?pack=x&exercise=y", None, None), "");
        // What is written reads back.
        let search = with_exercise("?a=1", Some("https://h/p q.toml"), Some("e"));
        let q = parse_query(&search);
        assert_eq!(q.pack.as_deref(), Some("https://h/p q.toml"));
        assert_eq!(q.exercise.as_deref(), Some("e"));
    }

    #[test]
    fn pack_files_resolve_against_the_manifest() {
        let base = "https://example.org/workshop/pack.toml?token=1#top";
        let cases = [
            (
                "exercises/a.toml",
                "https://example.org/workshop/exercises/a.toml",
            ),
            (
                "./exercises/a.toml",
                "https://example.org/workshop/exercises/a.toml",
            ),
            ("../shared/b.md", "https://example.org/shared/b.md"),
            ("../../../../c.toml", "https://example.org/c.toml"),
            ("/abs/d.toml", "https://example.org/abs/d.toml"),
            ("//cdn.example.net/e.toml", "https://cdn.example.net/e.toml"),
            ("http://other.example/f.toml", "http://other.example/f.toml"),
            ("g.toml?raw=1", "https://example.org/workshop/g.toml?raw=1"),
            ("?v=2", "https://example.org/workshop/pack.toml?v=2"),
        ];
        for (reference, expected) in cases {
            assert_eq!(
                resolve(base, reference).as_deref(),
                Ok(expected),
                "{reference}"
            );
        }
        assert_eq!(
            resolve("http://127.0.0.1:8080", "p/pack.toml").as_deref(),
            Ok("http://127.0.0.1:8080/p/pack.toml")
        );
        assert_eq!(
            resolve("http://127.0.0.1:8080/app/", "packs/x.toml").as_deref(),
            Ok("http://127.0.0.1:8080/app/packs/x.toml")
        );
    }

    #[test]
    fn only_http_addresses_resolve() {
        let base = "https://example.org/w/pack.toml";
        for bad in [
            "javascript:alert(1)",
            "data:text/plain,x",
            "file:///etc/passwd",
            "blob:x",
        ] {
            let err = resolve(base, bad).err().unwrap_or_default();
            assert!(err.contains("only http and https"), "{bad}: {err}");
        }
        assert!(resolve("file:///x/pack.toml", "a.toml").is_err());
        assert!(resolve("not a url", "a.toml").is_err());
        assert!(resolve(base, "  ").is_err());
    }

    #[test]
    fn file_names_for_messages() {
        assert_eq!(file_name("https://h/w/pack.toml?x#y"), "pack.toml");
        assert_eq!(file_name("https://h/w/"), "w");
    }

    #[test]
    fn manifests_are_told_from_exercises() {
        assert!(looks_like_manifest(
            "id = \"w\"\ntitle = \"W\"\nexercises = [\"a.toml\"]\n"
        ));
        assert!(looks_like_manifest("# comment\n  exercises=[]"));
        assert!(!looks_like_manifest(
            "id = \"a\"\nstarter = '''\nexercises = 1\n'''\n"
        ));
        assert!(!looks_like_manifest(
            "starter = \"\"\"\nexercises = 1\n\"\"\"\n"
        ));
        assert!(looks_like_manifest(
            "description = '''x'''\nexercises = []\n"
        ));
        assert!(!looks_like_manifest(
            "id = \"a\"\n[[check]]\nexercises = 1\n"
        ));
        assert!(!looks_like_manifest("+++\nexercises = []\n+++\n"));
        assert!(!looks_like_manifest("id = \"a\"\ntitle = \"x\"\n"));
    }

    #[test]
    fn bodies_must_be_text() {
        assert_eq!(
            body_text(b"\xEF\xBB\xBFid = 1", None).as_deref(),
            Ok("id = 1")
        );
        assert_eq!(
            body_text(b"id = 1", Some("application/octet-stream")).as_deref(),
            Ok("id = 1")
        );
        let html = body_text(b"<html>", Some("text/html; charset=utf-8"));
        assert!(html.is_err_and(|e| e.contains("HTML page")));
        assert!(body_text(b"\x89PNG\0", Some("image/png")).is_err_and(|e| e.contains("image/png")));
        assert!(body_text(b"a\0b", None).is_err_and(|e| e.contains("not a text file")));
        assert!(body_text(b"a\xFFb", None).is_err_and(|e| e.contains("offset 1")));
    }
}
