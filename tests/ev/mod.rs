//! EV and AGR: events and the agreement (EV001–EV004, AGR001 in `docs/RULES.md`): every change
//! appends an event, procurement history, replay, logs from outside as evidence, and the
//! recorded acceptance of the Smart Licensing agreement.

mod agreement;
mod evidence;
mod hostile_input;
mod log;
mod model;
mod packed_log;
mod same_instant;
mod snapshot_log;
mod snapshots;
mod streams;
