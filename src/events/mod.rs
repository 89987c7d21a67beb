//! Events and replay (EV): the event log of an account, and supplied logs re-checked as
//! evidence.

pub(crate) mod command_id;
pub(crate) mod event;
pub(crate) mod evidence;
mod follow;
pub(crate) mod log;
mod reading;
pub(crate) mod streams;
