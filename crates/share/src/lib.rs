//! Share links: the state of the playground in a URL fragment, with no server.
//!
//! A link's fragment is `v1.` followed by URL-safe base64 of the raw-DEFLATE'd JSON of
//! [`SharedState`]. The version prefix is what keeps old links working: a decoder reads
//! every version it has ever written, and says so plainly when a link comes from a newer
//! Stagecraft. Decoding never trusts the link: sizes are bounded (a tiny link cannot
//! inflate into gigabytes) and every failure is an [`ShareError`] that says where.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version this build writes.
pub const CURRENT_VERSION: u32 = 1;

/// The most a decoded state may weigh: a Dockerfile of a few thousand lines with room
/// to spare, and far below what would hurt a browser tab.
pub const MAX_STATE_BYTES: usize = 2 * 1024 * 1024;

/// The longest fragment accepted (browsers cap URLs anyway; this bounds the work).
pub const MAX_LINK_BYTES: usize = 4 * 1024 * 1024;

/// Everything a link carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SharedState {
    /// The Dockerfile text.
    pub dockerfile: String,
    /// `--target`, when not the last stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `--build-arg` values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub build_args: BTreeMap<String, String>,
    /// The build-context preset, when not detected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// An edited context listing (`path size` lines), when the user edited it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_listing: Option<String>,
    /// An edited `.dockerignore`, when the user edited it. Added after the first v1 links:
    /// optional, so those still open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerignore: Option<String>,
    /// The open panel (`graph`, `image`, `steps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<String>,
    /// The step shown in the step-through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
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
    // Serialising plain strings and maps cannot fail; an empty object is the safe fallback.
    let json = serde_json::to_vec(state).unwrap_or_else(|_| b"{}".to_vec());
    let compressed = miniz_oxide::deflate::compress_to_vec(&json, 9);
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
    serde_json::from_slice(&json).map_err(|e| {
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
