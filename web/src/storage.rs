//! Autosave: the text, target, build args and build context go to localStorage on every
//! edit and come
//! back on load. A saved value that cannot be read is set aside under another key, never
//! thrown away and never a crash. Also the page address's share fragment.

use stagecraft_share::json::{self, optional_literal, string_literal, ObjectWriter};

use crate::dom;

/// The saved state; the version is in the key and in the value so later formats can
/// migrate this one.
pub const KEY: &str = "stagecraft.v1";
/// Where an unreadable saved value is kept.
pub const SET_ASIDE_KEY: &str = "stagecraft.v1.unreadable";
pub const THEME_KEY: &str = "stagecraft.theme";
const VERSION: u32 = 1;

///
/// Its JSON is an object of these fields; `v` and `text` are required, the rest default
/// when missing, and fields it does not have are ignored. Read and written by hand
/// ([`decode`], [`encode`]) with the field rules serde's derive had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub v: u32,
    pub text: String,
    pub target: Option<String>,
    pub build_args: String,
    /// The build context (added later in format 1: older saves lack them, hence the
    /// defaults, and they are left out when unset so such saves stay as they were).
    pub context_preset: Option<String>,
    pub context_listing: Option<String>,
    pub dockerignore: Option<String>,
}

impl Saved {
    pub fn new(text: &str, target: Option<&str>, build_args: &str) -> Self {
        Saved {
            v: VERSION,
            text: text.to_owned(),
            target: target.map(str::to_owned),
            build_args: build_args.to_owned(),
            context_preset: None,
            context_listing: None,
            dockerignore: None,
        }
    }

    /// The save of `text` with every input.
    pub fn with_inputs(text: &str, inputs: &crate::state::Inputs) -> Self {
        Saved {
            context_preset: inputs.context_preset.clone(),
            context_listing: inputs.context_listing.clone(),
            dockerignore: inputs.dockerignore.clone(),
            ..Saved::new(text, inputs.target.as_deref(), &inputs.build_args)
        }
    }

    /// The inputs this save holds.
    pub fn inputs(&self) -> crate::state::Inputs {
        crate::state::Inputs {
            target: self.target.clone(),
            build_args: self.build_args.clone(),
            context_preset: self.context_preset.clone(),
            context_listing: self.context_listing.clone(),
            dockerignore: self.dockerignore.clone(),
            exercise: None,
        }
    }
}

/// What start-up found in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Nothing,
    Saved(Saved),
    /// The value could not be read; `why` says what was wrong.
    Unreadable {
        why: String,
    },
}

/// Reads a saved value. Pure, so the rules are tested natively.
pub fn decode(raw: &str) -> Result<Saved, String> {
    let saved = read_saved(raw).map_err(|e| format!("it is not a saved Stagecraft state ({e})"))?;
    if saved.v != VERSION {
        return Err(format!(
            "it was saved in format {} and this page reads format {VERSION}",
            saved.v
        ));
    }
    Ok(saved)
}

fn read_saved(raw: &str) -> Result<Saved, String> {
    let value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    let (mut v, mut text) = (None, None);
    let mut saved = Saved::new("", None, "");
    for (name, value) in json::object(value, "Saved")? {
        match name.as_str() {
            "v" => v = Some(json::u32(value)?),
            "text" => text = Some(json::string(value)?),
            "target" => saved.target = json::optional(value, json::string)?,
            "build_args" => saved.build_args = json::string(value)?,
            "context_preset" => saved.context_preset = json::optional(value, json::string)?,
            "context_listing" => saved.context_listing = json::optional(value, json::string)?,
            "dockerignore" => saved.dockerignore = json::optional(value, json::string)?,
            _ => {}
        }
    }
    saved.v = json::required(v, "v")?;
    saved.text = json::required(text, "text")?;
    Ok(saved)
}

/// The JSON of `saved`, as serde's derive wrote it: `target` always (`null` when unset),
/// the context fields only when set.
pub fn encode(saved: &Saved) -> String {
    let mut json = ObjectWriter::compact();
    json.field("v", &saved.v.to_string());
    json.field("text", &string_literal(&saved.text));
    json.field("target", &optional_literal(saved.target.as_deref()));
    json.field("build_args", &string_literal(&saved.build_args));
    let context = [
        ("context_preset", &saved.context_preset),
        ("context_listing", &saved.context_listing),
        ("dockerignore", &saved.dockerignore),
    ];
    for (name, text) in context {
        if let Some(text) = text {
            json.field(name, &string_literal(text));
        }
    }
    json.finish()
}

/// Loads the saved state; an unreadable value is moved to [`SET_ASIDE_KEY`].
pub fn load() -> Loaded {
    let Some(storage) = dom::local_storage() else {
        return Loaded::Nothing;
    };
    let Ok(Some(raw)) = storage.get_item(KEY) else {
        return Loaded::Nothing;
    };
    match decode(&raw) {
        Ok(saved) => Loaded::Saved(saved),
        Err(why) => {
            // Keep the bytes for the user; only then free the main key.
            if storage.set_item(SET_ASIDE_KEY, &raw).is_ok() {
                let _ = storage.remove_item(KEY);
            }
            Loaded::Unreadable { why }
        }
    }
}

/// Saves; returns false when storage is unavailable or full.
pub fn save(saved: &Saved) -> bool {
    dom::local_storage().is_some_and(|s| s.set_item(KEY, &encode(saved)).is_ok())
}

pub fn load_theme() -> Option<String> {
    dom::local_storage()?.get_item(THEME_KEY).ok().flatten()
}

pub fn save_theme(theme: &str) {
    if let Some(storage) = dom::local_storage() {
        let _ = storage.set_item(THEME_KEY, theme);
    }
}

/// The page address's share fragment, if it holds one (`#v1.…`).
pub fn shared_fragment() -> Option<String> {
    let hash = dom::window()?.location().hash().ok()?;
    hash.strip_prefix("#v").is_some().then_some(hash)
}

/// Drops the fragment once its state is loaded, so that a reload shows the autosaved
/// edits rather than the link's original text.
pub fn clear_fragment() {
    let run = || -> Option<()> {
        let window = dom::window()?;
        let location = window.location();
        let url = format!("{}{}", location.pathname().ok()?, location.search().ok()?);
        window
            .history()
            .ok()?
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            .ok()
    };
    let _ = run();
}

/// The page's address with `fragment`.
pub fn link_with(fragment: &str) -> Option<String> {
    let location = dom::window()?.location();
    Some(format!(
        "{}{}{}#{fragment}",
        location.origin().ok()?,
        location.pathname().ok()?,
        location.search().ok()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_round_trips() {
        let saved = Saved::new("FROM alpine\n", Some("build"), "A=1");
        assert_eq!(decode(&encode(&saved)), Ok(saved));
    }

    #[test]
    fn the_json_is_what_the_serde_derive_wrote() {
        let saved = Saved::new("FROM alpine\n", Some("build"), "A=1");
        assert_eq!(
            encode(&saved),
            r#"{"v":1,"text":"FROM alpine\n","target":"build","build_args":"A=1"}"#
        );
        let saved = Saved {
            context_listing: Some("a 1\n".into()),
            dockerignore: Some(String::new()),
            ..Saved::new("FROM a", None, "")
        };
        assert_eq!(
            encode(&saved),
            r#"{"v":1,"text":"FROM a","target":null,"build_args":"","context_listing":"a 1\n","dockerignore":""}"#
        );
    }

    #[test]
    fn fields_are_checked_as_serde_checked_them() {
        let why = |raw: &str| decode(raw).err().unwrap_or_default();
        assert!(why(r#"{"v":1}"#).contains("(missing field `text`)"));
        assert!(why(r#"{"text":"FROM a"}"#).contains("(missing field `v`)"));
        assert!(why(r#"{"v":"1","text":"FROM a"}"#).contains("expected u32"));
        assert!(why(r#"{"v":1,"text":"FROM a","build_args":null}"#).contains("expected a string"));
        assert!(why("[]").contains("expected struct Saved"));
        let extra = decode(r#"{"v":1,"text":"FROM a","later":true,"target":null}"#);
        assert_eq!(
            extra,
            Ok(Saved::new("FROM a", None, "")),
            "unknown fields are ignored"
        );
    }

    #[test]
    fn junk_and_other_versions_are_unreadable_with_a_reason() {
        assert!(decode("{not json").is_err());
        assert!(decode("null").is_err());
        let newer = decode(r#"{"v":2,"text":"FROM a"}"#);
        assert!(newer.is_err_and(|why| why.contains("format 2")));
    }

    #[test]
    fn the_context_round_trips() {
        let inputs = crate::state::Inputs {
            target: None,
            build_args: String::new(),
            context_preset: Some("java".into()),
            context_listing: Some("pom.xml 2KB\n".into()),
            dockerignore: Some("target\n".into()),
            exercise: None,
        };
        let saved = Saved::with_inputs("FROM a", &inputs);
        let decoded = decode(&encode(&saved));
        assert_eq!(decoded.map(|s| s.inputs()), Ok(inputs));
    }

    #[test]
    fn a_save_from_before_the_context_still_loads() {
        // Exactly what the page wrote before the context editor existed.
        let old = r#"{"v":1,"text":"FROM golang:1.22\n","target":"build","build_args":"A=1"}"#;
        let saved = decode(old);
        assert_eq!(
            saved,
            Ok(Saved::new("FROM golang:1.22\n", Some("build"), "A=1"))
        );
        assert_eq!(saved.map(|s| s.inputs().context_preset), Ok(None));
        // And a save without a context writes the old shape.
        assert_eq!(
            encode(&Saved::new("FROM a", None, "")),
            r#"{"v":1,"text":"FROM a","target":null,"build_args":""}"#
        );
    }

    #[test]
    fn missing_optional_fields_default() {
        let saved = decode(r#"{"v":1,"text":"FROM a"}"#);
        assert_eq!(saved, Ok(Saved::new("FROM a", None, "")));
    }
}
