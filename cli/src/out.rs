//! Output and failure: what every subcommand prints, how a closed pipe ends it quietly, and the
//! one failure type, bad input (exit code 2).

use std::fmt;
use std::io::{self, Write};

use smart_accounts::clip;

/// Bad input or an environment that cannot be used: the message to print on stderr, exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail(pub(crate) String);

impl Fail {
    /// A failure with this message.
    pub(crate) fn new(message: impl Into<String>) -> Fail {
        Fail(message.into())
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result of a step of a subcommand.
pub(crate) type Result<T> = std::result::Result<T, Fail>;

/// The exit code of a verdict: 0 allowed (on hold included), 1 blocked or denied.
pub(crate) fn verdict_code(allowed: bool) -> u8 {
    u8::from(!allowed)
}

/// Standard output as a Unix tool uses it: a reader that goes away (`| head -1`) ends the
/// output quietly, and the subcommand can see it and stop working; any other failure to write
/// is bad news (exit 2).
#[derive(Debug)]
pub(crate) struct Out<W: Write> {
    w: W,
    closed: bool,
}

impl<W: Write> Out<W> {
    /// Output into `w`.
    pub(crate) fn new(w: W) -> Out<W> {
        Out { w, closed: false }
    }

    /// Whether the reader went away: nothing more will be shown, so there is no point going on.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// Writes `text` as it is.
    ///
    /// # Errors
    ///
    /// A failure to write other than a closed pipe.
    pub(crate) fn text(&mut self, text: &str) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.w.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(Fail::new(format!("cannot write the output: {e}"))),
        }
    }

    /// Writes `text` and a line break.
    ///
    /// # Errors
    ///
    /// As [`Out::text`].
    pub(crate) fn line(&mut self, text: &str) -> Result<()> {
        self.text(text)?;
        self.text("\n")
    }

    /// Flushes what is buffered.
    ///
    /// # Errors
    ///
    /// As [`Out::text`].
    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.w.flush() {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(Fail::new(format!("cannot write the output: {e}"))),
        }
    }
}

/// Standard output, buffered.
pub(crate) type Stdout = Out<io::BufWriter<io::StdoutLock<'static>>>;

/// Standard output, buffered, for one subcommand.
pub(crate) fn stdout() -> Stdout {
    Out::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()))
}

/// A JSON value as one line.
///
/// # Errors
///
/// A value serde cannot write (never for the crate's types).
pub(crate) fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Fail::new(format!("cannot write JSON: {e}")))
}

/// A JSON value, indented.
///
/// # Errors
///
/// As [`json_line`].
pub(crate) fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Fail::new(format!("cannot write JSON: {e}")))
}

/// A user-supplied value, clipped and in backticks, for a message.
pub(crate) fn quoted(value: &str) -> String {
    format!("`{}`", clip(value))
}

/// Output formats of the subcommands that answer a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people, with names.
    Text,
    /// JSON: indented for one answer, one compact value a line for a stream.
    Json,
}
