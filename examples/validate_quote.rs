//! The main job: validate quotes and orders against a Smart Account directory.
//!
//! ```text
//! cargo run --example validate_quote
//! cargo run --example validate_quote -- --sample q001-unassigned > quote.json
//! cargo run --example validate_quote -- --quote quote.json [--directory snapshot.json]
//!     [--date YYYY-MM-DD] [--stage submit|order|change] [--calendar cisco|original|FILE.json]
//!     [--json]
//! ```
//!
//! Without `--quote` it validates the built-in sample quotes (one or more per rule Q001–Q010)
//! against the fixture directory and prints each report; it exits 0 when every sample got the
//! verdict it documents, 1 otherwise. With `--quote` it validates that file: against
//! `--directory` (a directory snapshot in JSON) or else the fixture directory, for `--stage`
//! (default `order`) on `--date` (default: today, UTC), under `--calendar` (default Cisco's).
//!
//! Exit codes: 0 allowed (an order on Smart Account Hold counts as allowed: it is accepted and
//! waits), 1 blocked, 2 bad input: a message naming the file and the path of the bad field,
//! e.g. `quote.json: lines[2].quantity: invalid type: string "ten", expected u32 ...`.
//!
//! It behaves as a Unix tool:
//!
//! - **A closed pipe** (`validate_quote ... | head -1`) ends the output quietly: no panic, no
//!   message, and the exit code is still the verdict's (0 or 1; 2 for bad input). Any other
//!   failure to write the output is reported on stderr and exits 2.
//! - **Echoed values are clipped** like the crate's own messages ([`smart_accounts::clip`]: 80
//!   characters, then `…`): the deal ID and kind, names, domains, arguments and file names, so a
//!   10 MB deal ID prints 81 characters.
//! - **A UTF-8 byte-order mark** at the start of a JSON file (as some Windows editors write) is
//!   accepted and skipped; JSON has no use for it (RFC 8259 §8.1 lets parsers ignore it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use jiff::civil::Date;
use serde::de::DeserializeOwned;
use smart_accounts::fixtures::{self, quotes};
use smart_accounts::{Directory, PolicyCalendar, Quote, Report, Stage, Verdict, clip, validate};

/// `writeln!` into the job's stdout text (a `String` cannot fail to take it).
macro_rules! outln {
    ($o:expr) => {
        $o.out.push('\n')
    };
    ($o:expr, $($arg:tt)*) => {{
        let _ = writeln!($o.out, $($arg)*);
    }};
}

const USAGE: &str = "usage: validate_quote [--quote FILE.json [--directory SNAPSHOT.json] [--date YYYY-MM-DD] [--stage submit|order|change] [--calendar cisco|original|FILE.json] [--json]] | [--sample NAME]";

#[derive(Debug, Default)]
struct Args {
    quote: Option<String>,
    directory: Option<String>,
    date: Option<Date>,
    stage: Option<Stage>,
    calendar: Option<String>,
    sample: Option<String>,
    json: bool,
}

/// Bad input: the message to print, exit code 2.
struct BadInput(String);

fn parse_args(raw: impl Iterator<Item = String>) -> Result<Option<Args>, BadInput> {
    let mut args = Args::default();
    let mut raw = raw.peekable();
    while let Some(flag) = raw.next() {
        let mut value = |name: &str| {
            raw.next()
                .ok_or_else(|| BadInput(format!("{name} needs a value\n{USAGE}")))
        };
        match flag.as_str() {
            "--quote" => args.quote = Some(value("--quote")?),
            "--directory" => args.directory = Some(value("--directory")?),
            "--calendar" => args.calendar = Some(value("--calendar")?),
            "--sample" => args.sample = Some(value("--sample")?),
            "--date" => {
                let text = value("--date")?;
                let date = text.parse::<Date>().map_err(|e| {
                    BadInput(format!(
                        "--date: `{}` is not a date (YYYY-MM-DD): {}",
                        clip(&text),
                        clip(&e.to_string())
                    ))
                })?;
                args.date = Some(date);
            }
            "--stage" => {
                let text = value("--stage")?;
                args.stage = Some(
                    text.parse::<Stage>()
                        .map_err(|e| BadInput(format!("--stage: {}", clip(&e.to_string()))))?,
                );
            }
            "--json" => args.json = true,
            "--help" | "-h" => return Ok(None),
            other => {
                return Err(BadInput(format!(
                    "unknown argument `{}`\n{USAGE}",
                    clip(other)
                )));
            }
        }
    }
    if args.quote.is_none()
        && (args.directory.is_some() || args.date.is_some() || args.stage.is_some())
    {
        return Err(BadInput(format!(
            "--directory, --date and --stage need --quote\n{USAGE}"
        )));
    }
    Ok(Some(args))
}

/// Reads and parses a JSON file; errors name the file and the path of the bad field.
fn load<T: DeserializeOwned>(path: &str) -> Result<T, BadInput> {
    let name = clip(
        &Path::new(path)
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned()),
    );
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("{name}: cannot read `{}`: {e}", clip(path))))?;
    parse_json(&name, &text)
}

/// Parses JSON text; a leading UTF-8 byte-order mark is skipped. Errors name the file and
/// the path of the bad field; serde's text, which may quote the input, is clipped.
fn parse_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, BadInput> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            "(top level)".to_owned()
        } else {
            path
        };
        BadInput(format!(
            "{name}: {}: {}",
            clip(&path),
            clip(&e.inner().to_string())
        ))
    })?;
    de.end().map_err(|e| {
        BadInput(format!(
            "{name}: (after the value): {}",
            clip(&e.to_string())
        ))
    })?;
    Ok(value)
}

fn calendar(choice: Option<&str>) -> Result<PolicyCalendar, BadInput> {
    let name = choice.unwrap_or("cisco");
    match PolicyCalendar::named(name) {
        Some(calendar) => Ok(calendar),
        None => load(name),
    }
}

fn exit_code(verdict: Verdict) -> u8 {
    u8::from(!verdict.is_allowed())
}

fn describe(dir: &Directory, quote: &Quote) -> String {
    let partner = clip(
        &dir.organization(quote.partner)
            .map_or_else(|| quote.partner.to_string(), |o| o.name.clone()),
    );
    let distributor = quote
        .distributor
        .map(|d| {
            let name = dir
                .organization(d)
                .map_or_else(|| d.to_string(), |o| o.name.clone());
            format!(" via distributor {}", clip(&name))
        })
        .unwrap_or_default();
    let customer = &quote.end_customer;
    let domain = customer
        .domain
        .as_ref()
        .map(|d| format!("{}, ", clip(d.as_str())))
        .unwrap_or_default();
    format!(
        "deal {} ({}) for {} ({domain}{}), quoted by {partner}{distributor}, {} line(s)",
        clip(&quote.deal.id),
        clip(&quote.deal.kind.to_string()),
        clip(&customer.name),
        clip(&customer.country.to_string()),
        quote.lines.len()
    )
}

fn samples(args: &Args, out: &mut Output) -> Result<u8, BadInput> {
    let calendar = calendar(args.calendar.as_deref())?;
    let world = fixtures::world().map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let samples = quotes::samples(&world).map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let mut surprises = Vec::new();
    let mut json = Vec::new();
    if !args.json {
        outln!(
            out,
            "Validating {} sample quotes against the fixture directory (partner Nimbus Networks, customer Acme, ...)",
            samples.len()
        );
    }
    for sample in &samples {
        let report = validate(
            &world.dir,
            &sample.quote,
            sample.stage,
            sample.date,
            &calendar,
        );
        if args.calendar.is_none() && report.verdict != sample.expected {
            surprises.push(format!(
                "{}: expected {}, got {}",
                sample.name, sample.expected, report.verdict
            ));
        }
        if args.json {
            json.push(serde_json::json!({ "sample": sample.name, "report": report }));
        } else {
            outln!(out);
            outln!(out, "== {}: {}", sample.name, sample.about);
            outln!(out, "   {}", describe(&world.dir, &sample.quote));
            for text in report.to_string().lines() {
                outln!(out, "   {}", text.trim_start());
            }
        }
    }
    if args.json {
        outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).map_err(|e| BadInput(e.to_string()))?
        );
    } else {
        outln!(out);
        outln!(
            out,
            "Try one yourself: cargo run --example validate_quote -- --sample q001-unassigned > quote.json"
        );
        outln!(
            out,
            "then edit quote.json and run: cargo run --example validate_quote -- --quote quote.json --stage order"
        );
    }
    if surprises.is_empty() {
        Ok(0)
    } else {
        for s in &surprises {
            let _ = writeln!(out.err, "unexpected verdict: {s}");
        }
        Ok(1)
    }
}

fn print_sample(name: &str, out: &mut Output) -> Result<u8, BadInput> {
    let world = fixtures::world().map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let all = quotes::samples(&world).map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let Some(sample) = all.iter().find(|s| s.name == name) else {
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        return Err(BadInput(format!(
            "--sample: no sample `{}`; the samples are: {}",
            clip(name),
            names.join(", ")
        )));
    };
    outln!(
        out,
        "{}",
        serde_json::to_string_pretty(&sample.quote).map_err(|e| BadInput(e.to_string()))?
    );
    Ok(0)
}

fn one(args: &Args, quote_path: &str, out: &mut Output) -> Result<u8, BadInput> {
    let quote: Quote = load(quote_path)?;
    let dir: Directory = match &args.directory {
        Some(path) => load(path)?,
        None => {
            fixtures::world()
                .map_err(|e| BadInput(format!("fixtures: {e}")))?
                .dir
        }
    };
    let calendar = calendar(args.calendar.as_deref())?;
    let stage = args.stage.unwrap_or(Stage::Order);
    let day = args.date.unwrap_or_else(|| {
        jiff::tz::Offset::UTC
            .to_datetime(jiff::Timestamp::now())
            .date()
    });
    let report: Report = validate(&dir, &quote, stage, day, &calendar);
    if args.json {
        outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| BadInput(e.to_string()))?
        );
    } else {
        outln!(out, "{}", describe(&dir, &quote));
        let _ = write!(out.out, "{report}");
    }
    Ok(exit_code(report.verdict))
}

/// What the job prints, written at the end by [`finish`].
#[derive(Debug, Default)]
pub(crate) struct Output {
    /// For stdout.
    pub(crate) out: String,
    /// For stderr.
    pub(crate) err: String,
}

/// Runs the job on its arguments: the exit code, with what to print in `out`.
pub(crate) fn run(args: impl Iterator<Item = String>, out: &mut Output) -> u8 {
    let result = parse_args(args).and_then(|args| match args {
        None => {
            outln!(out, "{USAGE}");
            Ok(0)
        }
        Some(args) => match (&args.sample, &args.quote) {
            (Some(name), _) => print_sample(name, out),
            (None, Some(path)) => one(&args, path, out),
            (None, None) => samples(&args, out),
        },
    });
    match result {
        Ok(code) => code,
        Err(BadInput(message)) => {
            let _ = writeln!(out.err, "{message}");
            2
        }
    }
}

/// Writes `text`; a closed pipe (the reader went away, as `head -1` does) is a quiet end.
fn write_quietly(w: &mut impl Write, text: &str) -> io::Result<()> {
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes the output and returns the exit code: `code` when stdout took the output or was
/// closed by its reader, 2 (with a message on stderr) when writing failed otherwise. Failing
/// to write to stderr is ignored: there is nowhere left to say so.
pub(crate) fn finish(
    output: &Output,
    code: u8,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> u8 {
    let code = match write_quietly(stdout, &output.out) {
        Ok(()) => code,
        Err(e) => {
            let _ = writeln!(stderr, "cannot write the output: {e}");
            2
        }
    };
    let _ = write_quietly(stderr, &output.err);
    code
}

fn main() -> ExitCode {
    let mut output = Output::default();
    let code = run(std::env::args().skip(1), &mut output);
    ExitCode::from(finish(
        &output,
        code,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    ))
}
