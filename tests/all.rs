//! The integration tests, as modules of one test binary: a change to the crate then recompiles
//! and links one test crate, not fifteen (see DESIGN.md). Each module is one subject; run one with
//! `cargo test --all-features --test all model::` (a name filter).

mod common;

mod advisor;
mod advisor_survivors;
mod check_index;
mod customer_control;
mod dot;
mod edge_cases;
mod evidence;
mod fuzz_regressions;
mod hostile_input;
mod license_model;
mod license_snapshots;
mod licenses;
mod model;
mod module_graph;
mod mutation_survivors;
mod partner_survivors;
mod partners;
mod quote_props;
mod quotes;
mod rule_catalog;
mod rule_coverage;
mod rules_foundation;
mod sa005_agreement;
mod snapshot;
mod snapshot_log;
mod strategy_survivors;
mod validate_quote_tool;
