//! LIC: licenses (LIC001–LIC010 in `docs/RULES.md`): entitlements, deposits, transfers inside and
//! between accounts, consumption, shortfalls, undelivered days, holding stock, idempotent
//! transfers and reservations.

mod licenses;
mod model;
mod order_lines;
mod snapshots;
