//! Quotes, deals and orders (Q): the quote types, the date-effective policy calendar and the
//! validator.

pub mod codes;
pub mod policy;
pub mod quote;
pub mod validate;
