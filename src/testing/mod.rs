//! Test support for this crate and other projects: ready-made directories (feature `fixtures`)
//! and proptest strategies (feature `proptest`).

pub mod fixtures;
#[cfg(feature = "proptest")]
pub mod quote_strategies;
#[cfg(feature = "proptest")]
pub mod strategies;
