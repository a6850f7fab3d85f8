//! Saved progress, one localStorage value per pack: each exercise's attempt, whether it
//! was ever passed, how many hints are shown. Reading is a pure function so its rules are
//! tested natively; a value that cannot be read is set aside under another key with a
//! notice, never thrown away and never a crash.

use std::collections::BTreeMap;

use serde_json::Value;
use stagecraft_share::json::{self, optional_literal, string_literal, ObjectWriter};

use crate::dom;

/// The key is this plus the pack's id (ids are `a-z0-9-_`, so the key needs no escaping).
pub const KEY_PREFIX: &str = "stagecraft.progress.v1.";
/// Appended to a pack's key for a value that could not be read.
pub const UNREADABLE_SUFFIX: &str = ".unreadable";
/// The format written now; the version is in the value too, so a later format can read
/// this one.
pub const VERSION: u32 = 1;

/// Everything saved for one pack. Its JSON is an object of these fields (`v` and `pack`
/// required, fields it does not have ignored), read and written by hand ([`decode`],
/// [`encode`], [`export`]) with the rules serde's derive had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub v: u32,
    /// The pack's id, so an exported file says what it belongs to.
    pub pack: String,
    /// The exercise open last, so reopening the pack resumes there.
    pub current: Option<String>,
    pub exercises: BTreeMap<String, ExerciseProgress>,
}

/// One exercise's saved state. Every field defaults, so values written before a field
/// existed still read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExerciseProgress {
    /// The learner's Dockerfile; `None` until they change the starter.
    pub attempt: Option<String>,
    /// The attempt as it was before "Use this solution" or "Reset to starter" replaced
    /// it, for "Back to my attempt".
    pub set_aside: Option<String>,
    /// Passed at least once (the tick in the exercise list stays once earned).
    pub passed: bool,
    /// How many hints are shown.
    pub hints: usize,
    /// The solution was revealed at least once.
    pub solution_seen: bool,
}

impl Progress {
    pub fn new(pack: &str) -> Progress {
        Progress {
            v: VERSION,
            pack: pack.to_owned(),
            current: None,
            exercises: BTreeMap::new(),
        }
    }

    pub fn get(&self, exercise: &str) -> Option<&ExerciseProgress> {
        self.exercises.get(exercise)
    }

    pub fn entry(&mut self, exercise: &str) -> &mut ExerciseProgress {
        self.exercises.entry(exercise.to_owned()).or_default()
    }

    pub fn passed(&self, exercise: &str) -> bool {
        self.get(exercise).is_some_and(|e| e.passed)
    }
}

/// What was found in storage for a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedProgress {
    Nothing,
    Saved(Progress),
    /// The value could not be read; it was moved to `kept_under`.
    Unreadable {
        why: String,
        kept_under: String,
    },
}

pub fn key(pack: &str) -> String {
    format!("{KEY_PREFIX}{pack}")
}

/// Reads a saved value for `pack`. Pure, so the rules are tested natively.
pub fn decode(raw: &str, pack: &str) -> Result<Progress, String> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| format!("it is not JSON ({e})"))?;
    let version = value.get("v").and_then(serde_json::Value::as_u64);
    match version {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) if v > u64::from(VERSION) => {
            return Err(format!(
                "it was saved by a newer Stagecraft (format {v}; this page reads format {VERSION})"
            ))
        }
        _ => return Err("it has no format version Stagecraft knows".to_owned()),
    }
    let mut progress =
        read_progress(value).map_err(|e| format!("it is not saved exercise progress ({e})"))?;
    if progress.pack != pack {
        return Err(format!(
            "it belongs to the pack `{}`, not `{pack}`",
            progress.pack
        ));
    }
    // An empty attempt is the same as none: the exercise shows its starter.
    for entry in progress.exercises.values_mut() {
        if entry.attempt.as_deref().is_some_and(str::is_empty) {
            entry.attempt = None;
        }
    }
    Ok(progress)
}

fn read_progress(value: Value) -> Result<Progress, String> {
    let (mut v, mut pack) = (None, None);
    let mut progress = Progress::new("");
    for (name, value) in json::object(value, "Progress")? {
        match name.as_str() {
            "v" => v = Some(json::u32(value)?),
            "pack" => pack = Some(json::string(value)?),
            "current" => progress.current = json::optional(value, json::string)?,
            "exercises" => progress.exercises = json::map(value, read_exercise)?,
            _ => {}
        }
    }
    progress.v = json::required(v, "v")?;
    progress.pack = json::required(pack, "pack")?;
    Ok(progress)
}

fn read_exercise(value: Value) -> Result<ExerciseProgress, String> {
    let mut exercise = ExerciseProgress::default();
    for (name, value) in json::object(value, "ExerciseProgress")? {
        match name.as_str() {
            "attempt" => exercise.attempt = json::optional(value, json::string)?,
            "set_aside" => exercise.set_aside = json::optional(value, json::string)?,
            "passed" => exercise.passed = json::boolean(value)?,
            "hints" => exercise.hints = json::usize(value)?,
            "solution_seen" => exercise.solution_seen = json::boolean(value)?,
            _ => {}
        }
    }
    Ok(exercise)
}

/// `progress` as JSON, its fields in declaration order as serde's derive wrote them.
fn write(progress: &Progress, mut json: ObjectWriter) -> String {
    json.field("v", &progress.v.to_string());
    json.field("pack", &string_literal(&progress.pack));
    json.field("current", &optional_literal(progress.current.as_deref()));
    let mut exercises = json.nested();
    for (id, exercise) in &progress.exercises {
        let mut entry = exercises.nested();
        entry.field("attempt", &optional_literal(exercise.attempt.as_deref()));
        entry.field(
            "set_aside",
            &optional_literal(exercise.set_aside.as_deref()),
        );
        entry.field("passed", if exercise.passed { "true" } else { "false" });
        entry.field("hints", &exercise.hints.to_string());
        entry.field(
            "solution_seen",
            if exercise.solution_seen {
                "true"
            } else {
                "false"
            },
        );
        exercises.field(id, &entry.finish());
    }
    json.field("exercises", &exercises.finish());
    json.finish()
}

pub fn encode(progress: &Progress) -> String {
    write(progress, ObjectWriter::compact())
}

/// The value "Export progress" downloads: the same format, indented for reading.
pub fn export(progress: &Progress) -> String {
    write(progress, ObjectWriter::pretty())
}

/// Loads `pack`'s progress; an unreadable value is moved aside first.
pub fn load(pack: &str) -> SavedProgress {
    let Some(storage) = dom::local_storage() else {
        return SavedProgress::Nothing;
    };
    let key = key(pack);
    let Ok(Some(raw)) = storage.get_item(&key) else {
        return SavedProgress::Nothing;
    };
    match decode(&raw, pack) {
        Ok(progress) => SavedProgress::Saved(progress),
        Err(why) => {
            let kept_under = format!("{key}{UNREADABLE_SUFFIX}");
            // Keep the bytes for the user; only then free the key.
            if storage.set_item(&kept_under, &raw).is_ok() {
                let _ = storage.remove_item(&key);
            }
            SavedProgress::Unreadable { why, kept_under }
        }
    }
}

/// Saves; false when storage is unavailable or full.
pub fn save(progress: &Progress) -> bool {
    dom::local_storage()
        .is_some_and(|s| s.set_item(&key(&progress.pack), &encode(progress)).is_ok())
}

/// Whether `pack` has anything saved, for the picker's ticks (read only, never moves a
/// value aside: the pack is not open).
pub fn peek(pack: &str) -> Option<Progress> {
    let raw = dom::local_storage()?.get_item(&key(pack)).ok()??;
    decode(&raw, pack).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Progress {
        let mut progress = Progress::new("stagecraft-basics");
        progress.current = Some("go-scratch".into());
        let entry = progress.entry("node-distroless");
        entry.attempt = Some("FROM node:20-slim\n".into());
        entry.passed = true;
        entry.hints = 2;
        progress.entry("go-scratch").set_aside = Some("FROM golang\n".into());
        progress
    }

    #[test]
    fn progress_round_trips() {
        let progress = sample();
        assert_eq!(
            decode(&encode(&progress), "stagecraft-basics"),
            Ok(progress.clone())
        );
        assert_eq!(
            decode(&export(&progress), "stagecraft-basics"),
            Ok(progress)
        );
    }

    #[test]
    fn the_json_is_what_the_serde_derive_wrote() {
        assert_eq!(
            encode(&sample()),
            r#"{"v":1,"pack":"stagecraft-basics","current":"go-scratch","exercises":{"go-scratch":{"attempt":null,"set_aside":"FROM golang\n","passed":false,"hints":0,"solution_seen":false},"node-distroless":{"attempt":"FROM node:20-slim\n","set_aside":null,"passed":true,"hints":2,"solution_seen":false}}}"#
        );
        let exported = r#"{
  "v": 1,
  "pack": "stagecraft-basics",
  "current": "go-scratch",
  "exercises": {
    "go-scratch": {
      "attempt": null,
      "set_aside": "FROM golang\n",
      "passed": false,
      "hints": 0,
      "solution_seen": false
    },
    "node-distroless": {
      "attempt": "FROM node:20-slim\n",
      "set_aside": null,
      "passed": true,
      "hints": 2,
      "solution_seen": false
    }
  }
}"#;
        assert_eq!(export(&sample()), exported);
        assert_eq!(
            export(&Progress::new("p")),
            "{\n  \"v\": 1,\n  \"pack\": \"p\",\n  \"current\": null,\n  \"exercises\": {}\n}"
        );
    }

    #[test]
    fn values_written_before_a_field_existed_read_with_defaults() {
        let raw = r#"{"v":1,"pack":"p","exercises":{"a":{"attempt":"FROM x"},"b":{}}}"#;
        let progress = decode(raw, "p").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(progress.current, None);
        let a = progress.get("a").cloned().unwrap_or_default();
        assert_eq!(a.attempt.as_deref(), Some("FROM x"));
        assert!(!a.passed && a.hints == 0 && a.set_aside.is_none());
        assert_eq!(progress.get("b"), Some(&ExerciseProgress::default()));
        // And without any exercise yet.
        assert_eq!(decode(r#"{"v":1,"pack":"p"}"#, "p"), Ok(Progress::new("p")));
    }

    #[test]
    fn an_empty_attempt_means_the_starter() {
        let raw = r#"{"v":1,"pack":"p","exercises":{"a":{"attempt":""}}}"#;
        let progress = decode(raw, "p").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(progress.get("a").and_then(|e| e.attempt.clone()), None);
    }

    #[test]
    fn unreadable_values_say_why() {
        let cases = [
            ("{not json", "not JSON"),
            ("null", "no format version"),
            (r#"{"pack":"p"}"#, "no format version"),
            (r#"{"v":"1","pack":"p"}"#, "no format version"),
            (r#"{"v":2,"pack":"p"}"#, "newer Stagecraft (format 2"),
            (r#"{"v":1,"pack":"other"}"#, "belongs to the pack `other`"),
            (
                r#"{"v":1,"pack":"p","exercises":{"a":{"hints":-1}}}"#,
                "not saved exercise progress",
            ),
            (
                r#"{"v":1,"pack":"p","exercises":[1,2]}"#,
                "not saved exercise progress",
            ),
        ];
        for (raw, why) in cases {
            match decode(raw, "p") {
                Ok(p) => panic!("{raw} read as {p:?}"),
                Err(e) => assert!(e.contains(why), "{raw}: {e}"),
            }
        }
    }

    #[test]
    fn keys_name_the_pack() {
        assert_eq!(key("my-workshop"), "stagecraft.progress.v1.my-workshop");
    }
}
