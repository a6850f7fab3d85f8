//! The JSON that exec form accepts, decoded the way Go's `json.Decoder` does for
//! BuildKit: one value is read and whatever follows it is ignored; any syntax error
//! means "not JSON" (BuildKit then falls back to shell form).

/// One element of the top-level array: its decoded text if it was a string.
pub(crate) struct Element {
    pub text: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// Nesting deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

/// Decodes the JSON array at the start of `text`.
pub(crate) fn decode_array(text: &str) -> Result<Vec<Element>, ()> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    reader.skip_ws();
    reader.expect(b'[')?;
    let mut elements = Vec::new();
    reader.skip_ws();
    if reader.peek() == Some(b']') {
        return Ok(elements);
    }
    loop {
        reader.skip_ws();
        let start = reader.pos;
        let text = if reader.peek() == Some(b'"') {
            Some(reader.string()?)
        } else {
            reader.value(1)?;
            None
        };
        elements.push(Element {
            text,
            start,
            end: reader.pos,
        });
        reader.skip_ws();
        match reader.next() {
            Some(b',') => continue,
            Some(b']') => return Ok(elements),
            _ => return Err(()),
        }
    }
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Result<(), ()> {
        if self.next() == Some(b) {
            Ok(())
        } else {
            Err(())
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), ()> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        self.skip_ws();
        match self.peek().ok_or(())? {
            b'"' => self.string().map(drop),
            b'[' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b']') => return Ok(()),
                        _ => return Err(()),
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(());
                    }
                    self.string()?;
                    self.skip_ws();
                    self.expect(b':')?;
                    self.value(depth + 1)?;
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b'}') => return Ok(()),
                        _ => return Err(()),
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(()),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(())
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), ()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(());
            }
        }
        // Go's decoder needs a delimiter after a number before it can end the value;
        // at the end of input the value is incomplete.
        if self.peek().is_none() {
            return Err(());
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ()> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or(())?;
        let value = u32::from_str_radix(digits, 16).map_err(drop)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(());
        }
        self.pos += 4;
        Ok(value)
    }

    fn string(&mut self) -> Result<String, ()> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).ok_or(())?);
            match self.next().ok_or(())? {
                b'"' => return Ok(out),
                b'\\' => {
                    let escaped = self.next().ok_or(())?;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            out.push(self.surrogate_aware(unit));
                        }
                        _ => return Err(()),
                    }
                }
                _ => return Err(()),
            }
        }
    }

    /// Go pairs a high surrogate with a following `\uDC00`-`\uDFFF`, and turns any
    /// unpaired surrogate into U+FFFD.
    fn surrogate_aware(&mut self, unit: u32) -> char {
        if (0xD800..0xDC00).contains(&unit) && self.text[self.pos..].starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            if let Ok(low) = self.hex4() {
                if (0xDC00..0xE000).contains(&low) {
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(code).unwrap_or('\u{fffd}');
                }
            }
            self.pos = save;
        }
        char::from_u32(unit).unwrap_or('\u{fffd}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Result<Vec<Option<String>>, ()> {
        decode_array(text).map(|v| v.into_iter().map(|e| e.text).collect())
    }

    #[test]
    fn decodes_strings_with_escapes() {
        assert_eq!(
            strings(r#"["a\"b", "\u00e9\ud83d\ude00", "\ud800"]"#),
            Ok(vec![
                Some("a\"b".into()),
                Some("é😀".into()),
                Some("\u{fffd}".into())
            ])
        );
    }

    #[test]
    fn non_strings_are_reported_and_bad_syntax_is_an_error() {
        assert_eq!(strings("[1, {\"a\": [true]}]"), Ok(vec![None, None]));
        assert!(strings("['single']").is_err());
        assert!(strings("[\"a\",]").is_err());
        assert!(strings("[\"tab\there\"]").is_err());
        assert!(strings(&"[".repeat(10_000)).is_err());
    }
}
