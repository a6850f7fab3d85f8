//! Loading packs: from the URL of a manifest or of one exercise file (fetched by the
//! browser, bounded in size, count and time), or from files the user picks. Turning texts
//! into a pack is pure and tested natively; only `load_url` and `read_picked` touch the
//! browser. Every failure names the file and, from the core's errors, the line and column.

use std::collections::{BTreeMap, BTreeSet};

use stagecraft_exercises::{parse_exercise, parse_pack, FormatError, PackError, MANIFEST};
use stagecraft_syntax::order;

#[cfg(target_arch = "wasm32")]
use super::address::body_text;
use super::address::{self, file_name, looks_like_manifest};
#[cfg(target_arch = "wasm32")]
use super::session::LoadFailure;
use super::session::{LoadedPack, PackSource, Problem};

/// A file larger than this is refused before it is read (exercise files are kilobytes;
/// the core refuses more than 1 MiB anyway).
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// A manifest listing more files than this is refused before anything is fetched.
pub const MAX_FILES: usize = 200;
/// Each request is aborted after this long.
pub const FETCH_TIMEOUT_MS: i32 = 15_000;

fn problem(file: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        file: file.map(str::to_owned),
        at: None,
        message: message.into(),
    }
}

/// A core error as a problem; `file` names it when the core did not (a lone exercise).
fn located(error: FormatError, file: &str) -> Problem {
    Problem {
        file: Some(error.file.unwrap_or_else(|| file.to_owned())),
        at: Some((error.line, error.column)),
        message: error.message,
    }
}

fn pack_problems(error: PackError) -> Vec<Problem> {
    error
        .errors
        .into_iter()
        .map(|e| located(e, MANIFEST))
        .collect()
}

/// The files a manifest lists, in order. The core reads the manifest (the page carries
/// one TOML reader, the core's), so a broken one gets the core's positioned error before
/// anything is fetched.
pub fn manifest_files(manifest: &str) -> Result<Vec<String>, Vec<Problem>> {
    let listed = stagecraft_exercises::manifest_files(manifest).map_err(pack_problems)?;
    if listed.len() > MAX_FILES {
        return Err(vec![problem(
            Some(MANIFEST),
            format!(
                "it lists {} files; Stagecraft loads at most {MAX_FILES}",
                listed.len()
            ),
        )]);
    }
    Ok(listed)
}

/// A pack from its manifest and files (keyed as the manifest names them).
pub fn assemble(
    manifest: &str,
    files: &BTreeMap<String, String>,
    source: PackSource,
) -> Result<LoadedPack, Vec<Problem>> {
    parse_pack(manifest, files)
        .map(|pack| LoadedPack::new(pack, source))
        .map_err(pack_problems)
}

/// One exercise file as a pack of one.
pub fn single(name: &str, text: &str, source: PackSource) -> Result<LoadedPack, Vec<Problem>> {
    parse_exercise(text)
        .map(|exercise| LoadedPack::single(exercise, source))
        .map_err(|e| vec![located(e, name)])
}

/// Files the user picked, as `(name, text)`: one exercise file, or a manifest plus the
/// files it lists. Browsers give bare names, so listed paths match picked files by their
/// last segment; a listed file not picked is the core's positioned "not provided" error.
pub fn from_picked(picked: Vec<(String, String)>) -> Result<LoadedPack, Vec<Problem>> {
    let names: Vec<String> = picked.iter().map(|(n, _)| n.clone()).collect();
    let source = PackSource::Files(names.clone());
    let manifests: Vec<&(String, String)> = picked
        .iter()
        .filter(|(_, text)| looks_like_manifest(text))
        .collect();
    match (manifests.as_slice(), picked.as_slice()) {
        (_, []) => Err(vec![problem(None, "no file was chosen")]),
        ([], [(name, text)]) => single(name, text, source),
        ([], _) => Err(vec![problem(
            None,
            format!(
                "{} exercise files and no pack manifest: choose one exercise file, or a \
                 pack.toml together with the files it lists",
                picked.len()
            ),
        )]),
        ([(_, manifest)], _) => {
            let listed = manifest_files(manifest)?;
            let mut seen = BTreeMap::new();
            let mut problems = Vec::new();
            for path in &listed {
                let base = file_name(path);
                if let Some(other) = seen.insert(base.to_owned(), path) {
                    if other != path {
                        problems.push(problem(
                            Some(MANIFEST),
                            format!(
                                "`{other}` and `{path}` have the same file name; load this pack \
                                 from a URL instead"
                            ),
                        ));
                    }
                }
            }
            if !problems.is_empty() {
                return Err(problems);
            }
            let by_name: BTreeMap<&str, &String> =
                order::map_from(picked.iter().map(|(n, t)| (n.as_str(), t)));
            let files: BTreeMap<String, String> =
                order::map_from(listed.iter().filter_map(|path| {
                    by_name
                        .get(file_name(path))
                        .map(|text| (path.clone(), (*text).clone()))
                }));
            assemble(manifest, &files, source)
        }
        (several, _) => Err(vec![problem(
            None,
            format!(
                "{} of the chosen files are pack manifests ({}); choose one",
                several.len(),
                several
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )]),
    }
}

/// The URLs of a manifest's files, resolved against the manifest's URL; names that do
/// not resolve become problems.
pub fn file_urls(
    manifest_url: &str,
    listed: &[String],
) -> Result<Vec<(String, String)>, Vec<Problem>> {
    let mut urls = Vec::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for name in listed {
        if !seen.insert(name.as_str()) {
            // The core reports the duplicate with its line.
            continue;
        }
        match address::resolve(manifest_url, name) {
            Ok(url) => urls.push((name.clone(), url)),
            Err(why) => problems.push(problem(Some(name), why)),
        }
    }
    if problems.is_empty() {
        Ok(urls)
    } else {
        Err(problems)
    }
}

/// Fetches a pack (or one exercise file) from `url`, already absolute.
#[cfg(target_arch = "wasm32")]
pub async fn load_url(url: String) -> Result<LoadedPack, LoadFailure> {
    let fail = |problems: Vec<Problem>| LoadFailure {
        source: url.clone(),
        problems,
    };
    let name = file_name(&url).to_owned();
    let first = browser::start(&url).map_err(|m| fail(vec![problem(Some(&name), m)]))?;
    let text = browser::finish(first)
        .await
        .map_err(|m| fail(vec![problem(Some(&name), m)]))?;
    if !looks_like_manifest(&text) {
        return single(&name, &text, PackSource::Url(url.clone())).map_err(fail);
    }
    let listed = manifest_files(&text).map_err(fail)?;
    let urls = file_urls(&url, &listed).map_err(fail)?;
    // Every request starts before the first is awaited, so they run side by side.
    let started: Vec<_> = urls
        .iter()
        .map(|(name, file_url)| (name, file_url, browser::start(file_url)))
        .collect();
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, file_url, request) in started {
        let body = match request {
            Ok(request) => browser::finish(request).await,
            Err(why) => Err(why),
        };
        match body {
            Ok(text) => {
                files.insert(name.clone(), text);
            }
            Err(why) => problems.push(problem(Some(name), format!("{why} ({file_url})"))),
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    assemble(&text, &files, PackSource::Url(url.clone())).map_err(fail)
}

/// Reads the files chosen in an `<input type=file multiple>`.
#[cfg(target_arch = "wasm32")]
pub async fn read_picked(list: Vec<web_sys::File>) -> Result<LoadedPack, LoadFailure> {
    let count = list.len();
    let names: Vec<String> = list.iter().map(web_sys::File::name).collect();
    let fail = |problems: Vec<Problem>| LoadFailure {
        source: names.join(", "),
        problems,
    };
    if count > MAX_FILES {
        return Err(fail(vec![problem(
            None,
            format!("{count} files were chosen; a pack has at most {MAX_FILES}"),
        )]));
    }
    let mut picked = Vec::new();
    let mut problems = Vec::new();
    for file in &list {
        let name = file.name();
        match browser::read_file(file).await {
            Ok(text) => picked.push((name, text)),
            Err(why) => problems.push(problem(Some(&name), why)),
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    from_picked(picked).map_err(fail)
}

#[cfg(target_arch = "wasm32")]
mod browser {
    //! The fetch and file reads, with their bounds.

    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{AbortController, RequestCache, RequestCredentials, RequestInit, RequestMode};

    use super::{body_text, FETCH_TIMEOUT_MS, MAX_FILE_BYTES};
    use crate::dom::{self, Timer};

    /// A request under way: its promise and the timer that aborts it.
    pub struct Started {
        promise: js_sys::Promise,
        _timer: Option<Timer>,
        timed_out: std::rc::Rc<std::cell::Cell<bool>>,
    }

    pub fn start(url: &str) -> Result<Started, String> {
        let window = dom::window().ok_or("this page has no window to fetch from")?;
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::Cors);
        // Instructors edit packs during a workshop: always revalidate.
        init.set_cache(RequestCache::NoCache);
        init.set_credentials(RequestCredentials::Omit);
        let timed_out = std::rc::Rc::new(std::cell::Cell::new(false));
        let timer = AbortController::new().ok().and_then(|controller| {
            init.set_signal(Some(&controller.signal()));
            let timed_out = timed_out.clone();
            Timer::once(FETCH_TIMEOUT_MS, move || {
                timed_out.set(true);
                controller.abort();
            })
        });
        let promise = window.fetch_with_str_and_init(url, &init);
        Ok(Started {
            promise,
            _timer: timer,
            timed_out,
        })
    }

    fn network_error(error: &JsValue, timed_out: bool) -> String {
        if timed_out {
            return format!("no answer within {} seconds", FETCH_TIMEOUT_MS / 1000);
        }
        let detail = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        format!(
            "it could not be fetched: the server is unreachable, or it does not let other \
             sites read the file (CORS: it must send `Access-Control-Allow-Origin`){}",
            if detail.is_empty() {
                String::new()
            } else {
                format!(" [{detail}]")
            }
        )
    }

    pub async fn finish(started: Started) -> Result<String, String> {
        let timed_out = || started.timed_out.get();
        let response = JsFuture::from(started.promise.clone())
            .await
            .map_err(|e| network_error(&e, timed_out()))?;
        let response: web_sys::Response = response
            .dyn_into()
            .map_err(|_| "the browser returned no response".to_owned())?;
        if !response.ok() {
            let status = response.status();
            let text = response.status_text();
            return Err(match status {
                404 => "not found on the server (HTTP 404)".to_owned(),
                _ if text.is_empty() => format!("the server answered HTTP {status}"),
                _ => format!("the server answered HTTP {status} {text}"),
            });
        }
        let headers = response.headers();
        let declared = headers
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_FILE_BYTES as u64) {
            return Err(too_big(declared.unwrap_or(0)));
        }
        let content_type = headers.get("content-type").ok().flatten();
        let buffer = response
            .array_buffer()
            .map_err(|_| "its body could not be read".to_owned())?;
        let buffer = JsFuture::from(buffer)
            .await
            .map_err(|e| network_error(&e, timed_out()))?;
        let bytes = js_sys::Uint8Array::new(&buffer);
        if bytes.length() as usize > MAX_FILE_BYTES {
            return Err(too_big(u64::from(bytes.length())));
        }
        body_text(&bytes.to_vec(), content_type.as_deref())
    }

    fn too_big(bytes: u64) -> String {
        format!(
            "it is {} kB; exercise files may be at most {} kB",
            bytes / 1024,
            MAX_FILE_BYTES / 1024
        )
    }

    pub async fn read_file(file: &web_sys::File) -> Result<String, String> {
        let size = file.size();
        if size > MAX_FILE_BYTES as f64 {
            return Err(too_big(size as u64));
        }
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|_| "the file could not be read".to_owned())?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let kind = file.type_();
        body_text(&bytes, (!kind.is_empty()).then_some(kind.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXERCISE: &str = r#"id = "one"
title = "One"
instructions = "Use alpine."
starter = "FROM debian\n"
[[check]]
kind = "final_base_in"
values = ["alpine"]
"#;

    fn manifest(files: &[&str]) -> String {
        let list: Vec<String> = files.iter().map(|f| format!("{f:?}")).collect();
        format!(
            "id = \"w\"\ntitle = \"W\"\nexercises = [{}]\n",
            list.join(", ")
        )
    }

    fn other(id: &str) -> String {
        EXERCISE.replace("\"one\"", &format!("{id:?}"))
    }

    fn picked(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    fn problems(result: Result<LoadedPack, Vec<Problem>>) -> Vec<Problem> {
        match result {
            Ok(pack) => panic!("loaded {}", pack.id),
            Err(problems) => problems,
        }
    }

    #[test]
    fn one_picked_exercise_is_a_pack_of_one() {
        let pack = from_picked(picked(&[("one.toml", EXERCISE)]));
        let pack = pack.unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(pack.id, "exercise-one");
        assert_eq!(pack.exercises.len(), 1);
        assert_eq!(pack.source, PackSource::Files(vec!["one.toml".into()]));
    }

    #[test]
    fn a_picked_manifest_finds_its_files_by_name() {
        let m = manifest(&["exercises/one.toml", "./two.toml"]);
        let two = other("two");
        let pack = from_picked(picked(&[
            ("two.toml", &two),
            ("pack.toml", &m),
            ("one.toml", EXERCISE),
            ("unrelated.txt", "hello"),
        ]))
        .unwrap_or_else(|p| panic!("{p:?}"));
        let ids: Vec<_> = pack.exercises.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["one", "two"]);
        assert_eq!(pack.id, "w");
    }

    #[test]
    fn a_listed_file_not_picked_is_located_in_the_manifest() {
        let m = manifest(&["one.toml", "missing.toml"]);
        let found = problems(from_picked(picked(&[
            ("pack.toml", &m),
            ("one.toml", EXERCISE),
        ])));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file.as_deref(), Some("pack.toml"));
        assert_eq!(found[0].at, Some((3, 26)));
        assert!(found[0].message.contains("missing.toml"), "{:?}", found[0]);
    }

    #[test]
    fn broken_files_name_their_file_and_line() {
        let bad = EXERCISE.replace("final_base_in", "final_size_max");
        let m = manifest(&["one.toml"]);
        let found = problems(from_picked(picked(&[
            ("pack.toml", &m),
            ("one.toml", &bad),
        ])));
        assert_eq!(found[0].file.as_deref(), Some("one.toml"));
        assert_eq!(found[0].at.map(|a| a.0), Some(6));
        assert!(
            found[0].message.contains("unknown check kind"),
            "{:?}",
            found[0]
        );
        // A lone file gets its own name.
        let found = problems(from_picked(picked(&[("lone.md", "+++\nid = \n+++\n")])));
        assert_eq!(found[0].file.as_deref(), Some("lone.md"));
        assert_eq!(found[0].at.map(|a| a.0), Some(2));
    }

    #[test]
    fn bad_manifest_toml_gets_the_cores_position() {
        let found = problems(
            manifest_files("id = \"w\"\ntitle = \"W\nexercises = []\n").map(|_| unreachable!()),
        );
        assert_eq!(found[0].file.as_deref(), Some("pack.toml"));
        assert_eq!(found[0].at.map(|a| a.0), Some(2));
    }

    #[test]
    fn a_manifest_wrong_beyond_its_list_fails_before_fetching() {
        // The list alone would be fine; the id is not, and nothing is fetched to learn it.
        let found = problems(
            manifest_files("id = \"W W\"\ntitle = \"W\"\nexercises = [\"a.toml\"]\n")
                .map(|_| unreachable!()),
        );
        assert_eq!(found[0].file.as_deref(), Some("pack.toml"));
        assert_eq!(found[0].at, Some((1, 6)));
        assert!(found[0].message.starts_with("`id` must be"), "{found:?}");
        assert_eq!(
            manifest_files("id = \"w\"\ntitle = \"W\"\nexercises = [\"a.toml\", 'b/c.md']\n").ok(),
            Some(vec!["a.toml".to_owned(), "b/c.md".to_owned()])
        );
    }

    #[test]
    fn ambiguous_picks_are_refused_with_a_reason() {
        let two = other("two");
        let found = problems(from_picked(picked(&[
            ("one.toml", EXERCISE),
            ("two.toml", &two),
        ])));
        assert!(found[0].message.contains("no pack manifest"), "{found:?}");
        let m = manifest(&["a/x.toml", "b/x.toml"]);
        let found = problems(from_picked(picked(&[
            ("pack.toml", &m),
            ("x.toml", EXERCISE),
        ])));
        assert!(found[0].message.contains("same file name"), "{found:?}");
        let found = problems(from_picked(picked(&[("p1.toml", &m), ("p2.toml", &m)])));
        assert!(
            found[0].message.contains("2 of the chosen files"),
            "{found:?}"
        );
        assert!(!problems(from_picked(Vec::new())).is_empty());
    }

    #[test]
    fn too_many_listed_files_are_refused_before_fetching() {
        let names: Vec<String> = (0..=MAX_FILES).map(|i| format!("e{i}.toml")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let found = problems(manifest_files(&manifest(&refs)).map(|_| unreachable!()));
        assert!(found[0].message.contains("at most 200"), "{found:?}");
    }

    #[test]
    fn file_urls_resolve_relative_to_the_manifest() {
        let listed = vec![
            "a.toml".to_owned(),
            "sub/b.md".to_owned(),
            "a.toml".to_owned(),
        ];
        let urls = file_urls("http://127.0.0.1:9/packs/w/pack.toml", &listed)
            .unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(
            urls,
            [
                (
                    "a.toml".to_owned(),
                    "http://127.0.0.1:9/packs/w/a.toml".to_owned()
                ),
                (
                    "sub/b.md".to_owned(),
                    "http://127.0.0.1:9/packs/w/sub/b.md".to_owned()
                ),
            ]
        );
        let bad = file_urls("http://h/p.toml", &["javascript:x".to_owned()]);
        assert!(bad.is_err_and(|p| p[0].file.as_deref() == Some("javascript:x")));
    }
}
