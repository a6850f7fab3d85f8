//! Page-address query strings: `application/x-www-form-urlencoded` decoding and the
//! escaping the page writes, shared by embed mode and exercise addresses.

/// Decodes `%XX` and `+`; bad escapes stay as written, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes everything but unreserved characters and the bytes in `keep` (characters an
/// address reads better with bare, such as `,` in a list or `/` in a URL).
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_is_lossless_for_utf8_and_keeps_bad_escapes() {
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert_eq!(percent_decode("%zz%C3%A9%FF"), "%zzé\u{fffd}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn encoding_keeps_only_what_it_is_asked_to() {
        assert_eq!(percent_encode("a b,c/d", b","), "a%20b,c%2Fd");
        assert_eq!(
            percent_encode("https://x/p.toml", b"/:"),
            "https://x/p.toml"
        );
        assert_eq!(percent_decode(&percent_encode("é & ?", b"")), "é & ?");
    }
}
