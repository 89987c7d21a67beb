//! Command IDs (EV005): the caller's name for a command, which makes a retry a no-op.

use std::fmt;

use crate::base::error::Error;
use crate::base::limits::clip;

/// The longest [`CommandId`], in bytes.
pub const MAX_COMMAND_ID: usize = 128;

/// A caller's identifier of a command: a command retried with the same identifier after it was
/// committed is a no-op that returns the events of the first run (EV005). 1 to 128 bytes,
/// printable, no spaces (a UUID, an order line key, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct CommandId(std::sync::Arc<str>);

impl CommandId {
    /// Checks and wraps a command identifier.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCommandId`] when it is empty, longer than [`MAX_COMMAND_ID`] bytes, or
    /// holds a space or control character.
    pub fn parse(text: &str) -> Result<CommandId, Error> {
        let reason = if text.is_empty() {
            Some("it is empty")
        } else if text.len() > MAX_COMMAND_ID {
            Some("it is longer than 128 bytes")
        } else if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            Some("it holds a space or a control character")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidCommandId {
                value: clip(text),
                reason,
            }),
            None => Ok(CommandId(std::sync::Arc::from(text))),
        }
    }

    /// The identifier as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CommandId {
    type Error = Error;
    fn try_from(text: String) -> Result<CommandId, Error> {
        CommandId::parse(&text)
    }
}

impl From<CommandId> for String {
    fn from(id: CommandId) -> String {
        id.0.to_string()
    }
}

impl std::str::FromStr for CommandId {
    type Err = Error;
    fn from_str(text: &str) -> Result<CommandId, Error> {
        CommandId::parse(text)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for CommandId {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<CommandId> {
        let n = u.int_in_range(1..=40u32)?;
        Ok(CommandId(std::sync::Arc::from(format!("cmd-{n}"))))
    }
}
