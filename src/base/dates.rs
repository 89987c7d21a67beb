//! The one set of date helpers: the UTC day of a timestamp, whole days between two days, and a
//! day plus a number of days.

use jiff::Timestamp;
use jiff::civil::Date;

/// The UTC calendar day of a timestamp.
pub(crate) fn utc_date(at: Timestamp) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(at).date()
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: Date, to: Date) -> i64 {
    from.duration_until(to).as_hours() / 24
}

/// [`days_between`] as the `i32` the license queries report: the span between any two days
/// jiff can represent fits, so the fallback 0 is never used.
pub(crate) fn days_between_i32(from: Date, to: Date) -> i32 {
    i32::try_from(days_between(from, to)).unwrap_or(0)
}

/// `date` plus `days` days, or `None` past the last representable day.
pub(crate) fn add_days(date: Date, days: u32) -> Option<Date> {
    let span = jiff::SignedDuration::from_hours(i64::from(days) * 24);
    date.checked_add(span).ok()
}

/// `date` plus `days` days, saturating at the last representable day.
pub(crate) fn add_days_saturating(date: Date, days: u32) -> Date {
    add_days(date, days).unwrap_or(Date::MAX)
}
