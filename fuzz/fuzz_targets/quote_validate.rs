//! Property: arbitrary bytes read as a quote (JSON) and validated against the fixture world, at
//! a stage and on a day chosen by the first byte, never panic, and validation is deterministic:
//! validating twice gives identical reports.
#![no_main]

use std::sync::OnceLock;

use jiff::civil::{Date, date};
use libfuzzer_sys::fuzz_target;
use smart_accounts::quote::Quote;
use smart_accounts::{Directory, PolicyCalendar, Stage, fixtures, validate};

/// Days around the policy phases: before, during and after.
const DAYS: [(i16, i8, i8); 4] = [(2024, 1, 1), (2025, 8, 1), (2026, 3, 1), (2028, 12, 31)];

fn world() -> &'static Directory {
    static WORLD: OnceLock<Directory> = OnceLock::new();
    WORLD.get_or_init(|| fixtures::world().expect("the fixture world builds").dir)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let Ok(quote) = serde_json::from_slice::<Quote>(json) else {
        return;
    };
    let stage = Stage::ALL[usize::from(selector) % Stage::ALL.len()];
    let (y, m, d) = DAYS[usize::from(selector / 4) % DAYS.len()];
    let day: Date = date(y, m, d);
    let calendar = PolicyCalendar::default();
    let first = validate(world(), &quote, stage, day, &calendar);
    let second = validate(world(), &quote, stage, day, &calendar);
    assert_eq!(first, second, "validation is not deterministic");
    let counted = first.counts.errors + first.counts.warnings + first.counts.infos;
    assert_eq!(
        counted,
        first.findings.len(),
        "counts do not add up to the findings"
    );
});
