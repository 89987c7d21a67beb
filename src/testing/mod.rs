//! Test support for this crate and other projects: ready-made directories (feature `fixtures`),
//! proptest strategies and a reference model of the directory (feature `proptest`).

pub mod fixtures;
#[cfg(feature = "proptest")]
pub mod quote_strategies;
#[cfg(feature = "proptest")]
pub mod reference;
#[cfg(feature = "proptest")]
pub mod strategies;
