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

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::ExitCode;

use jiff::civil::Date;
use serde::de::DeserializeOwned;
use smart_accounts::fixtures::{self, quotes};
use smart_accounts::{Directory, PolicyCalendar, Quote, Report, Stage, Verdict, validate};

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
                    BadInput(format!("--date: `{text}` is not a date (YYYY-MM-DD): {e}"))
                })?;
                args.date = Some(date);
            }
            "--stage" => {
                let text = value("--stage")?;
                args.stage = Some(
                    text.parse()
                        .map_err(|e| BadInput(format!("--stage: {e}")))?,
                );
            }
            "--json" => args.json = true,
            "--help" | "-h" => return Ok(None),
            other => return Err(BadInput(format!("unknown argument `{other}`\n{USAGE}"))),
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
    let name = Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("{name}: cannot read `{path}`: {e}")))?;
    parse_json(&name, &text)
}

fn parse_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, BadInput> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            "(top level)".to_owned()
        } else {
            path
        };
        BadInput(format!("{name}: {path}: {}", e.inner()))
    })?;
    de.end()
        .map_err(|e| BadInput(format!("{name}: (after the value): {e}")))?;
    Ok(value)
}

fn calendar(choice: Option<&str>) -> Result<PolicyCalendar, BadInput> {
    match choice {
        None | Some("cisco") => Ok(PolicyCalendar::cisco()),
        Some("original") => Ok(PolicyCalendar::originally_announced()),
        Some(path) => load(path),
    }
}

fn exit_code(verdict: Verdict) -> ExitCode {
    if verdict.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn describe(dir: &Directory, quote: &Quote) -> String {
    let partner = dir
        .organization(quote.partner)
        .map_or_else(|| quote.partner.to_string(), |o| o.name.clone());
    let distributor = quote
        .distributor
        .map(|d| {
            let name = dir
                .organization(d)
                .map_or_else(|| d.to_string(), |o| o.name.clone());
            format!(" via distributor {name}")
        })
        .unwrap_or_default();
    let customer = &quote.end_customer;
    let domain = customer
        .domain
        .as_ref()
        .map(|d| format!("{d}, "))
        .unwrap_or_default();
    format!(
        "deal {} ({}) for {} ({domain}{}), quoted by {partner}{distributor}, {} line(s)",
        quote.deal.id,
        quote.deal.kind,
        customer.name,
        customer.country,
        quote.lines.len()
    )
}

fn samples(args: &Args) -> Result<ExitCode, BadInput> {
    let calendar = calendar(args.calendar.as_deref())?;
    let world = fixtures::world().map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let samples = quotes::samples(&world).map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let mut surprises = Vec::new();
    let mut json = Vec::new();
    if !args.json {
        println!(
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
            println!();
            println!("== {}: {}", sample.name, sample.about);
            println!("   {}", describe(&world.dir, &sample.quote));
            for text in report.to_string().lines() {
                println!("   {}", text.trim_start());
            }
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).map_err(|e| BadInput(e.to_string()))?
        );
    } else {
        println!();
        println!(
            "Try one yourself: cargo run --example validate_quote -- --sample q001-unassigned > quote.json"
        );
        println!(
            "then edit quote.json and run: cargo run --example validate_quote -- --quote quote.json --stage order"
        );
    }
    if surprises.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for s in &surprises {
            eprintln!("unexpected verdict: {s}");
        }
        Ok(ExitCode::from(1))
    }
}

fn print_sample(name: &str) -> Result<ExitCode, BadInput> {
    let world = fixtures::world().map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let all = quotes::samples(&world).map_err(|e| BadInput(format!("fixtures: {e}")))?;
    let Some(sample) = all.iter().find(|s| s.name == name) else {
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        return Err(BadInput(format!(
            "--sample: no sample `{name}`; the samples are: {}",
            names.join(", ")
        )));
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&sample.quote).map_err(|e| BadInput(e.to_string()))?
    );
    Ok(ExitCode::SUCCESS)
}

fn one(args: &Args, quote_path: &str) -> Result<ExitCode, BadInput> {
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
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| BadInput(e.to_string()))?
        );
    } else {
        println!("{}", describe(&dir, &quote));
        print!("{report}");
    }
    Ok(exit_code(report.verdict))
}

fn main() -> ExitCode {
    let result = parse_args(std::env::args().skip(1)).and_then(|args| match args {
        None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(args) => match (&args.sample, &args.quote) {
            (Some(name), _) => print_sample(name),
            (None, Some(path)) => one(&args, path),
            (None, None) => samples(&args),
        },
    });
    match result {
        Ok(code) => code,
        Err(BadInput(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
