//! Quotes, deals and orders (Q): the quote types, the date-effective policy calendar, the
//! validator, and the order records with their lifecycle (Q011).

pub mod codes;
mod lifecycle;
pub mod policy;
pub mod quote;
pub mod records;
pub mod validate;
