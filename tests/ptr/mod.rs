//! PTR: partner access with the customer's consent (PTR001–PTR006 in `docs/RULES.md`): grants by
//! the customer only, requests and their answers, scoped and revocable access, 2-tier holding
//! accounts, expiries and lapses, and the customer keeping control.

mod advice;
mod customer_control;
pub(crate) mod partners;
