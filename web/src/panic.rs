//! The panic banner: a panic aborts the WebAssembly instance (release builds use
//! `panic = "abort"`), so the hook builds the banner with plain DOM calls and gives its
//! button a JavaScript handler that needs nothing from Rust. The text is already saved.

use std::panic::PanicHookInfo;

/// The button's handler: copy the editor's text, or select it when the clipboard API is
/// missing so the user can copy by hand.
const COPY_JS: &str = "var t=document.querySelector('textarea[aria-label=Dockerfile]');\
if(!t)return;\
if(navigator.clipboard){navigator.clipboard.writeText(t.value).then(function(){\
document.getElementById('panic-copy').textContent='Copied';});}\
else{t.focus();t.select();}";

/// Installs the hook through Yew, which otherwise replaces any hook with its own when the
/// app renders.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Stagecraft crashed: {info}").into());
        show_banner(info);
    }));
}

fn show_banner(info: &PanicHookInfo<'_>) {
    let build = || -> Option<()> {
        let document = web_sys::window()?.document()?;
        if document.get_element_by_id("panic-banner").is_some() {
            return Some(());
        }
        let banner = document.create_element("div").ok()?;
        banner.set_id("panic-banner");
        banner.set_attribute("role", "alert").ok()?;
        let title = document.create_element("strong").ok()?;
        title.set_text_content(Some("Stagecraft hit a bug and stopped. "));
        let text = document.create_element("span").ok()?;
        // set_text_content never interprets markup, so the message is safe to show.
        text.set_text_content(Some(&format!(
            "Your Dockerfile is saved in this browser; reload to continue. ({})",
            short(info)
        )));
        let button = document.create_element("button").ok()?;
        button.set_id("panic-copy");
        button.set_attribute("type", "button").ok()?;
        button.set_attribute("onclick", COPY_JS).ok()?;
        button.set_text_content(Some("Copy my Dockerfile"));
        banner.append_child(&title).ok()?;
        banner.append_child(&text).ok()?;
        banner.append_child(&button).ok()?;
        let body = document.body()?;
        body.insert_before(&banner, body.first_child().as_ref())
            .ok()?;
        Some(())
    };
    let _ = build();
}

fn short(info: &PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned());
    match info.location() {
        Some(at) => format!("{message} at {}:{}", at.file(), at.line()),
        None => message,
    }
}
