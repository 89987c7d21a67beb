//! Tests written for mutants of `src/advisor.rs` that survived `scripts/mutants.sh` (the
//! partner, license and placement advice): each names the mutant it kills and what no test
//! pinned down before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
