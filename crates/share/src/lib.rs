//! Share links: the state of the playground in a URL fragment, with no server.
//!
//! A link's fragment is `v1.` followed by URL-safe base64 of the raw-DEFLATE'd JSON of
//! [`SharedState`]. The version prefix is what keeps old links working: a decoder reads
//! every version it has ever written, and says so plainly when a link comes from a newer
//! Stagecraft. Decoding never trusts the link: sizes are bounded (a tiny link cannot
//! inflate into gigabytes) and every failure is an [`ShareError`] that says where.
//!
//! [`json`] reads and writes such small JSON values by hand, for this state and for the
//! page's other saved values.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use serde_json::Value;

pub mod json;

use json::{string_literal, ObjectWriter};

/// The version this build writes.
pub const CURRENT_VERSION: u32 = 1;

/// The most a decoded state may weigh: a Dockerfile of a few thousand lines with room
/// to spare, and far below what would hurt a browser tab.
pub const MAX_STATE_BYTES: usize = 2 * 1024 * 1024;

/// The longest fragment accepted (browsers cap URLs anyway; this bounds the work).
pub const MAX_LINK_BYTES: usize = 4 * 1024 * 1024;

/// Everything a link carries. Its JSON is an object with these fields, every one optional
/// (a missing field is its default), the optional ones written only when set, no other
/// field allowed. It is written and read by hand ([`SharedState::to_json`],
/// [`SharedState::from_json`]) rather than by serde's derives, whose readers and writers
/// weighed several KB in the page for these eight fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedState {
    /// The Dockerfile text.
    pub dockerfile: String,
    /// `--target`, when not the last stage.
    pub target: Option<String>,
    /// `--build-arg` values.
    pub build_args: BTreeMap<String, String>,
    /// The build-context preset, when not detected.
    pub context: Option<String>,
    /// An edited context listing (`path size` lines), when the user edited it.
    pub context_listing: Option<String>,
    /// An edited `.dockerignore`, when the user edited it. Added after the first v1 links:
    /// optional, so those still open.
    pub dockerignore: Option<String>,
    /// The open panel (`graph`, `image`, `steps`).
    pub panel: Option<String>,
    /// The step shown in the step-through.
    pub step: Option<usize>,
}

/// The fields of [`SharedState`]'s JSON, in the order they are written.
const FIELDS: [&str; 8] = [
    "dockerfile",
    "target",
    "build_args",
    "context",
    "context_listing",
    "dockerignore",
    "panel",
    "step",
];

impl SharedState {
    /// The JSON a link carries: the fields in declaration order, the optional ones only
    /// when set, compact. Byte for byte what serde's derive wrote before, so a state
    /// still makes the same link.
    pub fn to_json(&self) -> String {
        let mut json = ObjectWriter::compact();
        json.field(FIELDS[0], &string_literal(&self.dockerfile));
        if let Some(target) = &self.target {
            json.field(FIELDS[1], &string_literal(target));
        }
        if !self.build_args.is_empty() {
            let mut args = json.nested();
            for (name, value) in &self.build_args {
                args.field(name, &string_literal(value));
            }
            json.field(FIELDS[2], &args.finish());
        }
        let texts = [
            (FIELDS[3], &self.context),
            (FIELDS[4], &self.context_listing),
            (FIELDS[5], &self.dockerignore),
            (FIELDS[6], &self.panel),
        ];
        for (name, text) in texts {
            if let Some(text) = text {
                json.field(name, &string_literal(text));
            }
        }
        if let Some(step) = self.step {
            json.field(FIELDS[7], &step.to_string());
        }
        json.finish()
    }

    /// Reads [`SharedState::to_json`]'s format as serde's derive read it: each field's
    /// type checked, no unknown field, `null` an unset optional field, and (serde's
    /// sequence form of a struct) a list of the fields' values in order. The messages
    /// are serde's, without its line and column. One difference: of a field written
    /// twice the later counts, where the derive refused the link.
    pub fn from_json(text: &str) -> Result<SharedState, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut state = SharedState::default();
        match value {
            // What serde_json said of a list longer than the struct.
            Value::Array(values) if values.len() > FIELDS.len() => {
                return Err("trailing characters".to_owned())
            }
            Value::Array(values) => {
                for (name, value) in FIELDS.into_iter().zip(values) {
                    state.set(name, value)?;
                }
            }
            other => {
                for (name, value) in json::object(other, "SharedState")? {
                    state.set(&name, value)?;
                }
            }
        }
        Ok(state)
    }

    fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        match name {
            "dockerfile" => self.dockerfile = json::string(value)?,
            "target" => self.target = json::optional(value, json::string)?,
            "build_args" => self.build_args = json::map(value, json::string)?,
            "context" => self.context = json::optional(value, json::string)?,
            "context_listing" => self.context_listing = json::optional(value, json::string)?,
            "dockerignore" => self.dockerignore = json::optional(value, json::string)?,
            "panel" => self.panel = json::optional(value, json::string)?,
            "step" => self.step = json::optional(value, json::usize)?,
            other => return Err(json::unknown_field(other, &FIELDS)),
        }
        Ok(())
    }
}

/// Why a link could not be read, with the byte offset in the fragment where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareError {
    pub message: String,
    /// Offset in the fragment, when the problem has a place.
    pub offset: Option<usize>,
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at character {})", self.message, offset + 1),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ShareError {}

fn error(message: impl Into<String>, offset: Option<usize>) -> ShareError {
    ShareError {
        message: message.into(),
        offset,
    }
}

/// Encodes `state` as a fragment (without the leading `#`).
pub fn encode(state: &SharedState) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec(state.to_json().as_bytes(), 9);
    format!("v{CURRENT_VERSION}.{}", base64url_encode(&compressed))
}

/// Decodes a fragment (with or without the leading `#`).
pub fn decode(fragment: &str) -> Result<SharedState, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.len() > MAX_LINK_BYTES {
        return Err(error("the link is too long to be a Stagecraft link", None));
    }
    let Some((version, payload)) = fragment.split_once('.') else {
        return Err(error(
            "this is not a Stagecraft share link (it should start with `v1.`)",
            Some(0),
        ));
    };
    let version: u32 = version
        .strip_prefix('v')
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| error(format!("unknown link format `{version}`"), Some(0)))?;
    let payload_offset = fragment.len() - payload.len();
    match version {
        1 => decode_v1(payload, payload_offset),
        newer if newer > CURRENT_VERSION => Err(error(
            format!("this link was made by a newer Stagecraft (format v{newer}); reload the page to update"),
            Some(0),
        )),
        other => Err(error(format!("unknown link format v{other}"), Some(0))),
    }
}

fn decode_v1(payload: &str, offset: usize) -> Result<SharedState, ShareError> {
    let compressed = base64url_decode(payload).map_err(|at| {
        error(
            "the link is damaged: unexpected character",
            Some(offset + at),
        )
    })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_STATE_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                error("the link holds more than Stagecraft accepts (2 MiB)", None)
            }
            _ => error(
                "the link is damaged: it does not decompress (was it cut short?)",
                None,
            ),
        })?;
    std::str::from_utf8(&json)
        .map_err(|_| "it is not UTF-8 text".to_owned())
        .and_then(SharedState::from_json)
        .map_err(|e| {
            error(
                format!("the link's contents are not a Stagecraft state: {e}"),
                None,
            )
        })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding (RFC 4648 §5).
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes URL-safe base64, padded or not; also accepts `+` and `/` (standard base64
/// pasted by hand). On failure returns the offset of the bad character.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, usize> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for (i, c) in text.bytes().enumerate() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return Err(i),
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if text.len() % 4 == 1 {
        return Err(text.len().saturating_sub(1));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SharedState {
        SharedState {
            dockerfile: "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n".into(),
            target: Some("build".into()),
            build_args: BTreeMap::from([("GO_VERSION".into(), "1.23".into())]),
            context: Some("go".into()),
            context_listing: None,
            dockerignore: Some("node_modules\n.git\n".into()),
            panel: Some("steps".into()),
            step: Some(3),
        }
    }

    #[test]
    fn round_trip_and_format() {
        let link = encode(&state());
        assert!(link.starts_with("v1."));
        assert!(
            link.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "URL-safe: {link}"
        );
        assert_eq!(decode(&link), Ok(state()));
        assert_eq!(
            decode(&format!("#{link}")),
            Ok(state()),
            "a leading # is fine"
        );
        let text = "é😀\0\u{feff}".repeat(50);
        let unicode = SharedState {
            dockerfile: text,
            ..SharedState::default()
        };
        assert_eq!(decode(&encode(&unicode)), Ok(unicode));
    }

    #[test]
    fn links_stay_short_for_typical_files() {
        let dockerfile = "FROM node:20 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM nginx:1.25-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n".repeat(3);
        let link = encode(&SharedState {
            dockerfile: dockerfile.clone(),
            ..SharedState::default()
        });
        println!(
            "{} bytes of Dockerfile -> {} characters of link",
            dockerfile.len(),
            link.len()
        );
        assert!(link.len() < dockerfile.len() / 2);
    }

    #[test]
    fn json_is_what_the_serde_derive_wrote() {
        // The derive's output for `state()`, frozen: the same state makes the same link.
        let expected = r#"{"dockerfile":"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n","target":"build","build_args":{"GO_VERSION":"1.23"},"context":"go","dockerignore":"node_modules\n.git\n","panel":"steps","step":3}"#;
        assert_eq!(state().to_json(), expected);
        assert_eq!(SharedState::default().to_json(), r#"{"dockerfile":""}"#);
        let escaped = SharedState {
            dockerfile: "a\"\\\u{1}\t\u{7f}é".into(),
            context_listing: Some(String::new()),
            ..SharedState::default()
        };
        assert_eq!(
            escaped.to_json(),
            "{\"dockerfile\":\"a\\\"\\\\\\u0001\\t\u{7f}é\",\"context_listing\":\"\"}"
        );
    }

    #[test]
    fn reading_is_as_strict_as_the_derive() {
        let read = |json: &str| SharedState::from_json(json);
        assert_eq!(
            read(r#"{"target":null,"step":null}"#),
            Ok(SharedState::default())
        );
        assert_eq!(read("{}"), Ok(SharedState::default()));
        assert_eq!(read("[]"), Ok(SharedState::default()));
        let listed = read(r#"["FROM x",null,{"A":"1"},null,null,null,null,7]"#);
        assert_eq!(
            listed.map(|s| (s.dockerfile, s.build_args.len(), s.step)),
            Ok(("FROM x".to_owned(), 1, Some(7)))
        );
        let wrong = [
            (r#"{"shell":1}"#, "unknown field `shell`, expected one of `dockerfile`, `target`, `build_args`, `context`, `context_listing`, `dockerignore`, `panel`, `step`"),
            (r#"{"dockerfile":null}"#, "invalid type: null, expected a string"),
            (r#"{"target":1}"#, "invalid type: integer `1`, expected a string"),
            (r#"{"build_args":null}"#, "invalid type: null, expected a map"),
            (r#"{"build_args":{"A":true}}"#, "invalid type: boolean `true`, expected a string"),
            (r#"{"step":-1}"#, "invalid value: integer `-1`, expected usize"),
            (r#"{"step":1.5}"#, "invalid type: floating point `1.5`, expected usize"),
            (r#"{"step":"1"}"#, "invalid type: string \"1\", expected usize"),
            ("1", "invalid type: integer `1`, expected struct SharedState"),
            ("[1]", "invalid type: integer `1`, expected a string"),
            (r#"["",null,{},null,null,null,null,null,null]"#, "trailing characters"),
        ];
        for (json, message) in wrong {
            assert_eq!(read(json), Err(message.to_owned()), "{json}");
        }
        assert!(read("{").is_err_and(|e| e.contains("EOF")));
    }

    /// A link written by this version, frozen: it must decode forever.
    const FROZEN_V1: &str = "v1.ASkA1v97ImRvY2tlcmZpbGUiOiJGUk9NIHNjcmF0Y2hcbkNPUFkgLiAvXG4ifQ";

    #[test]
    fn old_links_keep_working() {
        let decoded = decode(FROZEN_V1).map(|s| s.dockerfile);
        assert_eq!(decoded, Ok("FROM scratch\nCOPY . /\n".to_string()));
    }

    #[test]
    fn bad_links_give_clear_errors() {
        let message = |link: &str| {
            decode(link)
                .map_err(|e| e.to_string())
                .err()
                .unwrap_or_default()
        };
        assert!(message("").contains("not a Stagecraft share link"));
        assert!(message("hello").contains("not a Stagecraft share link"));
        assert!(message("v9.abc").contains("newer Stagecraft"));
        assert!(message("vx.abc").contains("unknown link format"));
        let link = encode(&state());
        assert!(message(&format!("{}!{}", &link[..10], &link[10..])).contains("at character 11"));
        assert!(message(&link[..link.len() / 2]).contains("damaged"));
        let not_state = format!(
            "v1.{}",
            base64url_encode(&miniz_oxide::deflate::compress_to_vec(
                br#"{"shell": 1}"#,
                6
            ))
        );
        assert!(message(&not_state).contains("not a Stagecraft state"));
        // A zip bomb: 64 MiB of zeros compress to a short link; decoding stops at 2 MiB.
        let bomb = format!(
            "v1.{}",
            base64url_encode(&miniz_oxide::deflate::compress_to_vec(
                &vec![b' '; 64 << 20],
                10
            ))
        );
        assert!(bomb.len() < 200_000);
        assert!(message(&bomb).contains("more than Stagecraft accepts"));
    }

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(b"fo"), "Zm8");
        assert_eq!(base64url_decode("Zm8"), Ok(b"fo".to_vec()));
        assert_eq!(base64url_decode("Zm8="), Ok(b"fo".to_vec()));
        assert_eq!(base64url_decode("+/-_"), base64url_decode("-_-_"));
        assert_eq!(base64url_decode("Zm9v!"), Err(4));
        for n in 0..50u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)), Ok(bytes));
        }
    }

    #[test]
    fn decoding_never_panics_on_junk_or_mutations() {
        let mut seed = 0x5eed_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let link = encode(&state());
        for _ in 0..3000 {
            let mut bytes = link.clone().into_bytes();
            let at = (next() as usize) % bytes.len();
            bytes[at] = ALPHABET[(next() % 64) as usize];
            let mutated = String::from_utf8_lossy(&bytes).to_string();
            let _ = decode(&mutated);
            let junk: String = (0..(next() % 200))
                .map(|_| char::from(b' ' + (next() % 95) as u8))
                .collect();
            let _ = decode(&format!("v1.{junk}"));
        }
    }
}
