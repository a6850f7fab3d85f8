//! Small JSON values read and written by hand over `serde_json::Value`, as serde's
//! derives read and wrote them: the share link's state here, and the page's saved state,
//! exercise progress and examples manifest. A derive compiled a reader and a writer per
//! struct into the page (several KB for a handful of fields); these helpers are one copy.
//!
//! Readers check each field's type and say what is wrong in serde's words (without its
//! line and column). Writers put the fields in the order given, so a value is written
//! byte for byte as the derive wrote it (serde_json's `Map` would sort the keys).

use std::collections::BTreeMap;

use serde_json::Value;

/// What serde calls a value of the wrong type, for the messages.
pub fn unexpected(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_owned(),
        Value::Object(_) => "map".to_owned(),
    }
}

fn invalid_type(value: &Value, expected: &str) -> String {
    format!("invalid type: {}, expected {expected}", unexpected(value))
}

/// The fields of a struct, or serde's message for a value that is not an object.
pub fn object(value: Value, name: &str) -> Result<serde_json::Map<String, Value>, String> {
    match value {
        Value::Object(fields) => Ok(fields),
        other => Err(invalid_type(&other, &format!("struct {name}"))),
    }
}

/// serde's message for a field a struct that denies unknown fields does not have.
pub fn unknown_field(name: &str, fields: &[&str]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    let expected = match quoted.as_slice() {
        [] => "there are no fields".to_owned(),
        [only] => format!("expected {only}"),
        [first, second] => format!("expected {first} or {second}"),
        all => format!("expected one of {}", all.join(", ")),
    };
    format!("unknown field `{name}`, {expected}")
}

/// The value of a required field, or serde's message for its absence.
pub fn required<T>(value: Option<T>, name: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{name}`"))
}

pub fn string(value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(invalid_type(&other, "a string")),
    }
}

pub fn boolean(value: Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(invalid_type(&other, "a boolean")),
    }
}

/// `null` is `None`, as serde reads an `Option`.
pub fn optional<T>(
    value: Value,
    read: fn(Value) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match value {
        Value::Null => Ok(None),
        other => read(other).map(Some),
    }
}

/// An object's entries, each value read with `read`.
pub fn map<T>(
    value: Value,
    read: fn(Value) -> Result<T, String>,
) -> Result<BTreeMap<String, T>, String> {
    let Value::Object(entries) = value else {
        return Err(invalid_type(&value, "a map"));
    };
    let mut map = BTreeMap::new();
    for (name, value) in entries {
        map.insert(name, read(value)?);
    }
    Ok(map)
}

/// A whole number that fits `T`, named `type_name` in the messages (`u32`, `usize`).
fn unsigned<T: TryFrom<u64>>(value: Value, type_name: &str) -> Result<T, String> {
    if let Value::Number(n) = &value {
        if let Some(fits) = n.as_u64().and_then(|u| T::try_from(u).ok()) {
            return Ok(fits);
        }
        if !n.is_f64() {
            return Err(format!(
                "invalid value: integer `{n}`, expected {type_name}"
            ));
        }
    }
    Err(invalid_type(&value, type_name))
}

pub fn u32(value: Value) -> Result<u32, String> {
    unsigned(value, "u32")
}

pub fn usize(value: Value) -> Result<usize, String> {
    unsigned(value, "usize")
}

/// `text` as a JSON string, escaped as serde_json escapes it.
pub fn string_literal(text: &str) -> String {
    // Writing a string into memory cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// `Some(text)` as a JSON string, `None` as `null`.
pub fn optional_literal(text: Option<&str>) -> String {
    text.map_or_else(|| "null".to_owned(), string_literal)
}

/// A JSON object written field by field, compact or indented as serde_json's pretty
/// printer indents (two spaces a level, `": "` after a key, `{}` when empty).
pub struct ObjectWriter {
    text: String,
    /// The nesting level of this object when pretty, `None` when compact.
    depth: Option<usize>,
    empty: bool,
}

impl ObjectWriter {
    pub fn compact() -> ObjectWriter {
        ObjectWriter::at(None)
    }

    pub fn pretty() -> ObjectWriter {
        ObjectWriter::at(Some(0))
    }

    /// An object to be the value of one of this one's fields.
    pub fn nested(&self) -> ObjectWriter {
        ObjectWriter::at(self.depth.map(|depth| depth + 1))
    }

    fn at(depth: Option<usize>) -> ObjectWriter {
        ObjectWriter {
            text: String::from("{"),
            depth,
            empty: true,
        }
    }

    /// Appends a field whose value is already JSON.
    pub fn field(&mut self, name: &str, json: &str) {
        if !self.empty {
            self.text.push(',');
        }
        self.empty = false;
        if let Some(depth) = self.depth {
            self.newline(depth + 1);
        }
        self.text.push_str(&string_literal(name));
        self.text
            .push_str(if self.depth.is_some() { ": " } else { ":" });
        self.text.push_str(json);
    }

    pub fn finish(mut self) -> String {
        if let (Some(depth), false) = (self.depth, self.empty) {
            self.newline(depth);
        }
        self.text.push('}');
        self.text
    }

    fn newline(&mut self, depth: usize) {
        self.text.push('\n');
        for _ in 0..depth {
            self.text.push_str("  ");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_as_serde_json_writes() {
        let mut outer = ObjectWriter::pretty();
        outer.field("v", "1");
        let mut inner = outer.nested();
        inner.field("a\"b", &string_literal("x\ny"));
        inner.field("n", "null");
        outer.field("map", &inner.finish());
        outer.field("empty", &outer.nested().finish());
        assert_eq!(
            outer.finish(),
            "{\n  \"v\": 1,\n  \"map\": {\n    \"a\\\"b\": \"x\\ny\",\n    \"n\": null\n  },\n  \"empty\": {}\n}"
        );
        let mut compact = ObjectWriter::compact();
        compact.field("k", &optional_literal(Some("\u{1}")));
        compact.field("o", &optional_literal(None));
        assert_eq!(compact.finish(), r#"{"k":"\u0001","o":null}"#);
        assert_eq!(ObjectWriter::compact().finish(), "{}");
    }

    #[test]
    fn reads_with_serde_messages() {
        let read = |json: &str| serde_json::from_str::<Value>(json).unwrap_or_default();
        assert_eq!(u32(read("7")), Ok(7));
        assert_eq!(
            u32(read("-1")),
            Err("invalid value: integer `-1`, expected u32".to_owned())
        );
        assert_eq!(
            u32(read("5000000000")),
            Err("invalid value: integer `5000000000`, expected u32".to_owned())
        );
        assert_eq!(
            usize(read("1.5")),
            Err("invalid type: floating point `1.5`, expected usize".to_owned())
        );
        assert_eq!(
            boolean(read("1")),
            Err("invalid type: integer `1`, expected a boolean".to_owned())
        );
        assert_eq!(
            object(read("[]"), "Saved").err(),
            Some("invalid type: sequence, expected struct Saved".to_owned())
        );
        assert_eq!(
            map(read(r#"{"a":"b"}"#), string),
            Ok(BTreeMap::from([("a".to_owned(), "b".to_owned())]))
        );
        assert_eq!(
            required(None::<u32>, "v"),
            Err("missing field `v`".to_owned())
        );
        assert_eq!(
            unknown_field("x", &["a", "b", "c"]),
            "unknown field `x`, expected one of `a`, `b`, `c`"
        );
        assert_eq!(
            unknown_field("x", &["a", "b"]),
            "unknown field `x`, expected `a` or `b`"
        );
    }
}
