//! Smart Accounts and Virtual Accounts (SA, VA): the kinds of account, and one Smart Account
//! with its Virtual Account tree, bindings and the function that applies an event to it.

pub(crate) mod account;
pub(crate) mod kinds;
mod lifecycle;
mod member_access;
mod requests;
pub(crate) mod tree;
mod vas;
