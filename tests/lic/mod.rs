//! LIC: licenses (LIC001–LIC011 in `docs/RULES.md`): entitlements, deposits, transfers inside and
//! between accounts, consumption, shortfalls, undelivered days, holding stock, idempotent
//! transfers and reservations; holding stock per order line (`order_lines.rs`, LIC011).

mod licenses;
mod model;
mod notifications;
mod order_lines;
mod reservations;
mod snapshots;
