//! Reading the Dockerfile (a path or standard input) and the files options name (a context
//! listing, a `.dockerignore`, `docker image inspect` JSON), refused with a one-line
//! reason when missing, a directory, too large, binary or not UTF-8.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::args::Input;

/// The largest Dockerfile accepted: 5 MiB, far beyond any real one.
pub const MAX_INPUT_BYTES: u64 = 5 * 1024 * 1024;

/// Why an input could not be read, for `stagecraft: error: <name>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub name: String,
    pub reason: String,
}

/// A name (a path, an argument) shown on one line: control characters are escaped.
pub fn display_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The name diagnostics and errors call the input by.
pub fn input_name(input: &Input) -> String {
    match input {
        Input::Stdin => "<stdin>".to_string(),
        Input::Path(path) => display_name(&path.to_string_lossy()),
    }
}

/// Reads the whole input as text.
pub fn read_input(input: &Input, stdin: &mut dyn Read) -> Result<String, InputError> {
    let name = input_name(input);
    let fail = |reason: String| InputError {
        name: name.clone(),
        reason,
    };
    let bytes = match input {
        Input::Stdin => read_limited(stdin).map_err(|e| fail(io_reason(&e)))?,
        Input::Path(path) => read_path(path).map_err(fail)?,
    };
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(fail(too_large(None)));
    }
    decode(bytes).map_err(fail)
}

/// Reads a file an option names, by the same rules as the Dockerfile.
pub fn read_file(path: &Path) -> Result<String, InputError> {
    read_input(&Input::Path(path.to_path_buf()), &mut io::empty())
}

fn read_path(path: &Path) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if metadata.is_dir() {
        return Err("is a directory".to_string());
    }
    if metadata.is_file() && metadata.len() > MAX_INPUT_BYTES {
        return Err(too_large(Some(metadata.len())));
    }
    let mut file = File::open(path).map_err(|e| io_reason(&e))?;
    read_limited(&mut file).map_err(|e| io_reason(&e))
}

/// Reads at most one byte more than the limit, so an endless stream (a pipe,
/// `/dev/zero`) is refused instead of filling the memory.
fn read_limited(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn too_large(size: Option<u64>) -> String {
    match size {
        Some(size) => format!("file is too large ({size} bytes; the limit is 5 MiB)"),
        None => "input is too large (the limit is 5 MiB)".to_string(),
    }
}

fn decode(bytes: Vec<u8>) -> Result<String, String> {
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!(
            "binary file (NUL byte at offset {at}); a Dockerfile is text"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// An IO error in words, without Rust's `(os error N)` suffix.
fn io_reason(error: &io::Error) -> String {
    let reason = match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    };
    display_name(&reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_stdin(bytes: &[u8]) -> Result<String, String> {
        read_input(&Input::Stdin, &mut &bytes[..]).map_err(|e| format!("{}: {}", e.name, e.reason))
    }

    #[test]
    fn text_binary_and_invalid_utf8() {
        assert_eq!(from_stdin(b"FROM a\n"), Ok("FROM a\n".to_string()));
        assert_eq!(
            from_stdin(b"FROM a\0"),
            Err("<stdin>: binary file (NUL byte at offset 6); a Dockerfile is text".to_string())
        );
        assert_eq!(
            from_stdin(b"FROM \xff"),
            Err("<stdin>: not UTF-8 text (invalid byte at offset 5)".to_string())
        );
    }

    #[test]
    fn too_large_stdin() {
        let big = vec![b'#'; MAX_INPUT_BYTES as usize + 1];
        assert_eq!(
            from_stdin(&big),
            Err("<stdin>: input is too large (the limit is 5 MiB)".to_string())
        );
        let fits = vec![b'#'; MAX_INPUT_BYTES as usize];
        assert!(from_stdin(&fits).is_ok());
    }

    #[test]
    fn missing_file_and_directory() {
        let missing = Input::Path("/nonexistent/stagecraft/Dockerfile".into());
        let error = read_input(&missing, &mut io::empty()).map_err(|e| e.reason);
        assert_eq!(error, Err("no such file or directory".to_string()));
        let dir = Input::Path(std::env::temp_dir());
        let error = read_input(&dir, &mut io::empty()).map_err(|e| e.reason);
        assert_eq!(error, Err("is a directory".to_string()));
    }

    #[test]
    fn names_stay_on_one_line() {
        assert_eq!(display_name("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(input_name(&Input::Stdin), "<stdin>");
    }
}
