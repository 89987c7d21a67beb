//! Reading JSON input: files or standard input (`-`), a UTF-8 byte-order mark skipped, and
//! errors that name the source and the path of the bad field (`lines[2].quantity`).

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;
use smart_accounts::clip;

use crate::out::{Fail, Result};

/// The name of an input in messages: `stdin` for `-`, else the file name, clipped.
pub(crate) fn source_name(path: &str) -> String {
    if path == "-" {
        return "stdin".to_owned();
    }
    clip(
        &Path::new(path)
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned()),
    )
}

/// Reads a whole file, or standard input for `-`.
///
/// # Errors
///
/// A file that cannot be read or is not UTF-8, naming it.
pub(crate) fn read_text(path: &str) -> Result<String> {
    let name = source_name(path);
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text).map(|_| ()))
    };
    read.map_err(|e| Fail::new(format!("{name}: cannot read `{}`: {e}", clip(path))))?;
    Ok(text)
}

/// Reads and parses a JSON file (or standard input for `-`).
///
/// # Errors
///
/// As [`read_text`] and [`parse`].
pub(crate) fn load<T: DeserializeOwned>(path: &str) -> Result<T> {
    let text = read_text(path)?;
    parse(&source_name(path), &text)
}

/// The path and message of a JSON value that does not read as a `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    /// Where: `lines[2].quantity`, `(top level)`, or `(after the value)`.
    pub(crate) path: String,
    /// What is wrong, clipped.
    pub(crate) message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Parses JSON text as a `T`; a leading UTF-8 byte-order mark is skipped.
///
/// # Errors
///
/// [`JsonError`] with the path of the bad field and serde's message, clipped.
pub(crate) fn parse_value<T: DeserializeOwned>(text: &str) -> std::result::Result<T, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        JsonError {
            path: if path == "." {
                "(top level)".to_owned()
            } else {
                clip(&path)
            },
            message: clip(&e.inner().to_string()),
        }
    })?;
    de.end().map_err(|e| JsonError {
        path: "(after the value)".to_owned(),
        message: clip(&e.to_string()),
    })?;
    Ok(value)
}

/// [`parse_value`] with the source's name in front of the message.
///
/// # Errors
///
/// As [`parse_value`], as a [`Fail`].
pub(crate) fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T> {
    parse_value(text).map_err(|e| Fail::new(format!("{name}: {e}")))
}
