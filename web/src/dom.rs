//! Small wrappers over the browser: storage, clock, timers, clipboard, downloads. Every
//! function degrades to doing nothing when the API is missing (old browsers, privacy
//! modes, tests), because none of these is worth a crash.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

pub fn local_storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Milliseconds since the page started, for measuring.
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A `setTimeout` or `setInterval` that is cancelled when dropped, so an effect's
/// cleanup is just dropping it.
pub struct Timer {
    handle: i32,
    repeat: bool,
    _closure: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn once(ms: i32, f: impl FnMut() + 'static) -> Option<Timer> {
        Self::start(ms, false, f)
    }

    pub fn every(ms: i32, f: impl FnMut() + 'static) -> Option<Timer> {
        Self::start(ms, true, f)
    }

    fn start(ms: i32, repeat: bool, f: impl FnMut() + 'static) -> Option<Timer> {
        let closure = Closure::<dyn FnMut()>::new(f);
        let callback = closure.as_ref().unchecked_ref();
        let window = window()?;
        let handle = if repeat {
            window.set_interval_with_callback_and_timeout_and_arguments_0(callback, ms)
        } else {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(callback, ms)
        }
        .ok()?;
        Some(Timer {
            handle,
            repeat,
            _closure: closure,
        })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(window) = window() {
            if self.repeat {
                window.clear_interval_with_handle(self.handle);
            } else {
                window.clear_timeout_with_handle(self.handle);
            }
        }
    }
}

/// Puts `text` on the clipboard; returns false if the API is not there (insecure
/// context). The promise's outcome is not awaited: a refusal has no useful recovery.
pub fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = window() else {
        return false;
    };
    let clipboard = window.navigator().clipboard();
    // `clipboard` is undefined outside secure contexts even though web-sys types it.
    if clipboard.is_undefined() {
        return false;
    }
    let _ = clipboard.write_text(text);
    true
}

/// Offers `contents` as a file download through a Blob URL.
pub fn download(filename: &str, mime: &str, contents: &str) -> bool {
    let run = || -> Option<()> {
        let document = document()?;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
        let anchor: web_sys::HtmlAnchorElement =
            document.create_element("a").ok()?.dyn_into().ok()?;
        anchor.set_href(&url);
        anchor.set_download(filename);
        anchor.click();
        let _ = web_sys::Url::revoke_object_url(&url);
        Some(())
    };
    run().is_some()
}

/// Whether the user asked for less motion.
pub fn prefers_reduced_motion() -> bool {
    window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Sets `data-theme` on `<html>` (the CSS keys its colours on it); "system" removes it.
pub fn apply_theme(theme: &str) {
    if let Some(root) = document().and_then(|d| d.document_element()) {
        let _ = if theme == "system" {
            root.remove_attribute("data-theme")
        } else {
            root.set_attribute("data-theme", theme)
        };
    }
}
