//! `smart-accounts validate`: the main job. One quote (a JSON document) or a stream of quotes
//! (JSON lines, one quote a line) against a directory, for a stage on a date.
//!
//! Exit codes: 0 allowed (an order on Smart Account Hold counts as allowed), 1 blocked (any
//! quote of a stream), 2 bad input (any line of a stream; the others are still validated and
//! reported). A closed standard output (`| head -1`) stops the work quietly with the code of
//! what was validated so far.

use std::io::{BufRead, BufReader, Read as _};

use jiff::civil::Date;
use serde::de::IgnoredAny;
use smart_accounts::{Directory, PolicyCalendar, Quote, Report, Stage, validate};

use crate::json::{self, JsonError};
use crate::names::humanize;
use crate::out::{Fail, Format, Result, Stdout, json_line, json_pretty, verdict_code};
use crate::source::{DEMO_NOTICE, SourceArgs};

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The quote: a JSON file, a JSON-lines file (one quote a line), or `-` for standard input.
    #[arg(value_name = "QUOTE.json|-")]
    pub(crate) quote: String,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// The day to validate for (YYYY-MM-DD); required, so that results are reproducible.
    #[arg(long, value_name = "YYYY-MM-DD", required = true)]
    pub(crate) date: Option<Date>,
    /// The stage: submit, order or change.
    #[arg(long, value_name = "STAGE", required = true, value_parser = parse_stage)]
    pub(crate) stage: Option<Stage>,
    /// The policy calendar: `cisco` (the calendar in force), `original` (as first announced),
    /// or a JSON file.
    #[arg(long, value_name = "cisco|original|FILE.json", default_value = "cisco")]
    pub(crate) calendar: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// Parses a stage name.
///
/// # Errors
///
/// An unknown stage, listing the known ones.
pub(crate) fn parse_stage(text: &str) -> std::result::Result<Stage, String> {
    text.parse::<Stage>().map_err(|e| e.to_string())
}

/// The calendar an option names.
///
/// # Errors
///
/// A calendar file that does not read.
pub(crate) fn calendar(choice: &str) -> Result<PolicyCalendar> {
    match PolicyCalendar::named(choice) {
        Some(calendar) => Ok(calendar),
        None => json::load(choice),
    }
}

/// Runs `validate` and returns the exit code.
///
/// # Errors
///
/// Bad input that stops everything: no data source, a missing file, a single quote that does
/// not read.
pub(crate) fn run(args: &Args, out: &mut Stdout) -> Result<u8> {
    let (Some(date), Some(stage)) = (args.date, args.stage) else {
        return Err(Fail::new(
            "validate needs --date YYYY-MM-DD and --stage submit|order|change",
        ));
    };
    let calendar = calendar(&args.calendar)?;
    let loaded = args.source.load()?;
    if loaded.is_demo() {
        match args.format {
            Format::Text => out.line(DEMO_NOTICE)?,
            // Standard output stays one JSON value (or one a line): the notice goes first on
            // standard error.
            Format::Json => eprint_line(DEMO_NOTICE),
        }
    }
    let name = json::source_name(&args.quote);
    let mut input = open(&args.quote)?;
    let job = Job {
        dir: loaded.dir(),
        stage,
        date,
        calendar: &calendar,
        format: args.format,
    };
    // The first line that is not blank decides: a whole JSON value on it means JSON lines.
    let mut first = String::new();
    let mut line_no = 0usize;
    loop {
        first.clear();
        line_no += 1;
        let read = input
            .read_line(&mut first)
            .map_err(|e| Fail::new(format!("{name}: cannot read: {e}")))?;
        if read == 0 {
            return Err(Fail::new(format!("{name}: no quote: the input is empty")));
        }
        if line_no == 1 && first.starts_with('\u{feff}') {
            first.remove(0);
        }
        if !first.trim().is_empty() {
            break;
        }
    }
    if serde_json::from_str::<IgnoredAny>(&first).is_ok() {
        job.lines(&name, &first, line_no, input.as_mut(), out)
    } else {
        let mut text = first;
        input
            .read_to_string(&mut text)
            .map_err(|e| Fail::new(format!("{name}: cannot read: {e}")))?;
        let quote: Quote = json::parse(&name, &text)?;
        let report = job.validate(&quote);
        job.print(&report, false, out)?;
        Ok(verdict_code(report.is_allowed()))
    }
}

/// Writes a line on standard error; failing to is ignored (there is nowhere left to say so).
fn eprint_line(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Opens the quote input.
fn open(path: &str) -> Result<Box<dyn BufRead>> {
    if path == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin().lock())));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        Fail::new(format!(
            "{}: cannot read `{}`: {e}",
            json::source_name(path),
            smart_accounts::clip(path)
        ))
    })?;
    Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
}

/// What every quote of a run is validated with.
struct Job<'a> {
    dir: &'a Directory,
    stage: Stage,
    date: Date,
    calendar: &'a PolicyCalendar,
    format: Format,
}

impl Job<'_> {
    fn validate(&self, quote: &Quote) -> Report {
        validate(self.dir, quote, self.stage, self.date, self.calendar)
    }

    /// Prints a report; `compact` for one JSON report a line.
    fn print(&self, report: &Report, compact: bool, out: &mut Stdout) -> Result<()> {
        match (self.format, compact) {
            (Format::Json, true) => out.line(&json_line(report)?),
            (Format::Json, false) => out.line(&json_pretty(report)?),
            (Format::Text, _) => out.text(&humanize(self.dir, &report.to_string())),
        }
    }

    /// Validates a JSON-lines stream whose first quote is `first`, on line `line_no`.
    fn lines(
        &self,
        name: &str,
        first: &str,
        mut line_no: usize,
        input: &mut dyn BufRead,
        out: &mut Stdout,
    ) -> Result<u8> {
        let mut code = 0u8;
        let mut line = first.to_owned();
        let mut quotes = 0usize;
        loop {
            if !line.trim().is_empty() {
                quotes += 1;
                code = code.max(self.one_line(name, line_no, quotes, &line, out)?);
                if out.is_closed() {
                    return Ok(code);
                }
            }
            line.clear();
            line_no += 1;
            let read = input
                .read_line(&mut line)
                .map_err(|e| Fail::new(format!("{name}: line {line_no}: cannot read: {e}")))?;
            if read == 0 {
                return Ok(code);
            }
        }
    }

    /// One line of a stream: its exit code (2 for a line that does not read).
    fn one_line(
        &self,
        name: &str,
        line_no: usize,
        number: usize,
        line: &str,
        out: &mut Stdout,
    ) -> Result<u8> {
        let quote: Quote = match json::parse_value(line) {
            Ok(quote) => quote,
            Err(JsonError { path, message }) => {
                eprint_line(&format!("{name}: line {line_no}: {path}: {message}"));
                match self.format {
                    Format::Json => out.line(&json_line(&serde_json::json!({
                        "line": line_no,
                        "error": { "path": path, "message": message },
                    }))?)?,
                    Format::Text => out.line(&format!(
                        "== quote {number} (line {line_no}): bad input: {path}: {message}"
                    ))?,
                }
                return Ok(2);
            }
        };
        let report = self.validate(&quote);
        if self.format == Format::Text {
            out.line(&format!("== quote {number} (line {line_no})"))?;
        }
        self.print(&report, true, out)?;
        Ok(verdict_code(report.is_allowed()))
    }
}
